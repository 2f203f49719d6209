//! The indicator records refreshed by difference (`Store::indicator_changes` then
//! `Dataset::with_changes`) are the records a full load gives, on whichever backend the test run
//! names: after the whole story of `indicators_story` written on an empty instance (new people,
//! diagnostics, an override, referrals refused, redirected, closed, sessions, records left out),
//! then after changes to the people already loaded (a second diagnostic, an override, a step, a
//! session, a closing, an appointment booked and missed, a new person), and when nothing changed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::indicators_story::{day, story, unsure_alone, world, World};
use aiguillage_domain::appointment::{AppointmentChannel, AppointmentStatus};
use aiguillage_domain::diagnostic::SkillAnswer;
use aiguillage_domain::ids::{PersonId, ReferralId};
use aiguillage_domain::indicators::Dataset;
use aiguillage_domain::orientation::{ClosingOutcome, ReferralEvent};
use aiguillage_domain::pathway::Gains;
use aiguillage_store::testing::actor;
use aiguillage_store::IndicatorLoad;
use sqlx::{Connection, Row};
use std::collections::BTreeMap;

pub(crate) fn fragile() -> BTreeMap<String, bool> {
    BTreeMap::from([("49007".to_owned(), true), ("49328".to_owned(), false)])
}

/// The records of `load` brought up to date by difference (copied or in place: the same), and the
/// marks they reach.
async fn refreshed(
    world: &World,
    load: &IndicatorLoad,
) -> (Dataset, aiguillage_store::IndicatorMarks) {
    let read = world
        .store
        .indicator_changes(&load.dataset, &load.marks, &fragile())
        .await
        .expect("changes")
        .expect("read by difference");
    let dataset = load
        .dataset
        .with_changes(read.changes.clone())
        .expect("applied");
    let in_place = load
        .dataset
        .clone()
        .into_changed(read.changes)
        .expect("applied in place");
    assert_eq!(records_of(&in_place), records_of(&dataset));
    (dataset, read.marks)
}

/// Every record of a dataset, in an order that does not depend on the backend's.
pub(crate) fn records_of(data: &Dataset) -> Vec<String> {
    let mut lines: Vec<String> = data.people().map(|p| format!("{p:?}")).collect();
    for person in data.people() {
        lines.extend(
            data.diagnostics_of(person.key)
                .iter()
                .map(|d| format!("{d:?}")),
        );
    }
    lines.extend(data.referrals().map(|r| format!("{r:?}")));
    let mut sessions: Vec<String> = data.sessions().map(|s| format!("{s:?}")).collect();
    sessions.sort();
    let mut appointments: Vec<String> = data
        .appointments()
        .iter()
        .map(|a| format!("{a:?}"))
        .collect();
    appointments.sort();
    lines.extend(sessions);
    lines.extend(appointments);
    lines.extend(data.capacities().iter().map(|c| format!("{c:?}")));
    lines
}

/// The id of the person's referral (the story gives each one at most one).
async fn referral_of(world: &World, person: PersonId) -> ReferralId {
    let mut connection = sqlx::AnyConnection::connect(&world.url)
        .await
        .expect("connect");
    let row = sqlx::query("SELECT id FROM referrals WHERE person_id = $1")
        .bind(person.get())
        .fetch_one(&mut connection)
        .await
        .expect("referral");
    ReferralId::new(row.try_get(0).expect("id"))
}

#[tokio::test]
async fn records_refreshed_by_difference_are_those_a_full_load_reads() {
    let world = world().await;
    let empty = world.load().await;
    assert_eq!(empty.dataset.people().count(), 0);

    // The whole story on an empty instance: everything is new.
    let (a, _, c, d, _) = story(&world).await;
    let (by_difference, marks) = refreshed(&world, &empty).await;
    let full = world.load().await;
    assert_eq!(marks, full.marks);
    assert!(full.dropped > 0, "the story leaves records out");
    assert_eq!(records_of(&by_difference), records_of(&full.dataset));
    assert_eq!(by_difference.people().count(), 5);

    // Nothing changed: nothing read but the override of the marks' second (overrides are dated
    // to the second, so those of that second are read again), and the same records.
    let read = world
        .store
        .indicator_changes(&full.dataset, &full.marks, &fragile())
        .await
        .expect("changes")
        .expect("by difference");
    let changes = &read.changes;
    assert!(changes.referrals.is_empty() && changes.sessions.is_empty());
    assert!(changes.people.len() <= 1, "{changes:?}");
    let same = full.dataset.with_changes(read.changes).expect("applied");
    assert_eq!(records_of(&same), records_of(&full.dataset));

    // Changes to people already loaded: a new diagnostic (A), an override (of D's new one), B's
    // referral refused again and closed, C's pathway session and closing, an appointment booked
    // and missed, and someone new.
    world.diagnose(a, SkillAnswer::NotAtAll, day(70)).await;
    let again = world.diagnose(d, SkillAnswer::NotAtAll, day(70)).await;
    assert!(world
        .store
        .override_diagnostic(&actor(world.ccas), d, again, &unsure_alone(), day(70))
        .await
        .expect("override"));
    let c_referral = referral_of(&world, c).await;
    world.session(&[c_referral], 60, 0, day(71)).await;
    world
        .close(
            c_referral,
            ClosingOutcome::Autonomous,
            Gains::default(),
            day(72),
        )
        .await;
    let library = actor(world.library);
    let slot = (day(75), 30, AppointmentChannel::OnSite);
    assert!(world
        .store
        .set_appointment(&library, c_referral.get(), slot, day(70))
        .await
        .expect("set"));
    let set = world
        .store
        .appointments_of_referral(c_referral.get())
        .await
        .expect("appointments");
    world
        .store
        .settle_appointment(&library, set[0].id, AppointmentStatus::NoShow, day(75))
        .await
        .expect("settle");
    let newcomer = world.enrol("Gaëlle", "49328", 1970, day(80)).await;
    world
        .diagnose(newcomer, SkillAnswer::WithHelp, day(80))
        .await;
    let sent = world.send(newcomer, world.workshops, day(81)).await;
    world
        .act(world.library, sent, ReferralEvent::Accept, day(82))
        .await;

    let (by_difference, marks) = refreshed(&world, &full).await;
    let full = world.load().await;
    assert_eq!(marks, full.marks);
    assert_eq!(records_of(&by_difference), records_of(&full.dataset));
    assert_eq!(by_difference.people().count(), 6);

    // The benchmark's activity (copies of the latest sessions, events and diagnostics).
    let sessions = full.dataset.sessions().len();
    world.store.repeat_latest_activity(2).await.expect("copies");
    let (by_difference, marks) = refreshed(&world, &full).await;
    let full = world.load().await;
    assert_eq!(marks, full.marks);
    assert_eq!(records_of(&by_difference), records_of(&full.dataset));
    // Of the two latest sessions, the one of a referral left out (E's) stays out.
    assert_eq!(full.dataset.sessions().len(), sessions + 1);
}
