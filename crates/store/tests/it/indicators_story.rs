//! The steering indicators' records loaded from storage, on whichever backend the test run names:
//! people enrolled, diagnosed and referred through the real store API, referrals refused,
//! redirected, accepted, contacted, followed in individual sessions and a collective workshop, and
//! closed with gains; the dataset loaded, and the funnel, delays, refusals, targets, outcomes,
//! gains, reach, capacity and activity checked against values computed by hand. Records the dataset
//! would refuse (a diagnostic before enrolment, a referral sent before any diagnostic and its
//! session) are left out and counted; the watermark moves with every write the records depend on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::calendar::date_of;
use aiguillage_domain::diagnostic::{
    profile, Answers, ProfileOverride, SkillAnswer, SkillDomain, Typology,
};
use aiguillage_domain::directory::{Offer, OfferFacts, SupportModel};
use aiguillage_domain::ids::{OfferId, PersonId, ReferralId};
use aiguillage_domain::indicators::{standard_publication, Cell, Cut, IndicatorTable, Params};
use aiguillage_domain::orientation::{
    transition, ClosingOutcome, ReferralEvent, ReferralState, RefusalReason, TargetDelays,
};
use aiguillage_domain::pathway::{
    Closing, Equipment, Gains, MoneyBracket, NewSession, ObservedAutonomy, RightKind, SessionKind,
    SessionPlace, Theme, WorkshopLevel,
};
use aiguillage_domain::person::{enrolment_consent, sharing_consent, PersonDraft};
use aiguillage_domain::role::Role;
use aiguillage_domain::UnixSeconds;
use aiguillage_store::testing::actor;
use aiguillage_store::{
    Applied, CloseOutcome, IndicatorLoad, NewReferral, SessionOutcome, Settled, Store,
};
use sqlx::{Connection, Executor};
use std::collections::{BTreeMap, BTreeSet};

/// 2026-01-05 00:00 UTC, a Monday.
const T0: UnixSeconds = 1_767_571_200;
use aiguillage_domain::calendar::DAY;

/// Nine in the morning of day `n`.
pub(crate) fn day(n: i64) -> UnixSeconds {
    T0 + n * DAY + 9 * 3_600
}

/// The CCAS of Angers prescribes; the library of Saumur receives on two offers (the first with ten
/// places). Each side is (structure, account).
pub(crate) struct World {
    pub(crate) store: Store,
    pub(crate) url: String,
    pub(crate) ccas: (i64, i64),
    pub(crate) library: (i64, i64),
    pub(crate) workshops: OfferId,
    pub(crate) helper: OfferId,
}

pub(crate) async fn world() -> World {
    let (store, url) = crate::support::store_of_maine_et_loire().await;
    let mut ids = Vec::new();
    for (name, commune, email, role) in [
        (
            "CCAS d'Angers",
            "49007",
            "ccas@example.fr",
            Role::Prescriber,
        ),
        (
            "Médiathèque de Saumur",
            "49328",
            "mediatheque@example.fr",
            Role::Mediator,
        ),
    ] {
        let ids_of =
            crate::support::structure_with_account(&store, (name, commune), (email, role), T0);
        ids.push(ids_of.await);
    }
    store
        .set_support_model(ids[1].0, Some(SupportModel::PlaceOfKnowledge))
        .await
        .expect("support model");
    let workshops = store
        .save_offer(
            ids[1].0,
            None,
            &Offer {
                name: "Ateliers premiers pas".into(),
                facts: OfferFacts {
                    capacity_per_week: Some(10),
                    ..OfferFacts::default()
                },
                ..Offer::default()
            },
            None,
            aiguillage_store::PlaceRights::Everything,
            T0,
        )
        .await
        .expect("offer");
    let helper = store
        .save_offer(
            ids[1].0,
            None,
            &Offer {
                name: "Aidant habilité".into(),
                ..Offer::default()
            },
            None,
            aiguillage_store::PlaceRights::Everything,
            T0,
        )
        .await
        .expect("offer");
    World {
        store,
        url,
        ccas: ids[0],
        library: ids[1],
        workshops: OfferId::new(workshops),
        helper: OfferId::new(helper),
    }
}

fn answers(skill: SkillAnswer) -> Answers {
    aiguillage_store::testing::answers_with(skill)
}

impl World {
    pub(crate) async fn enrol(
        &self,
        name: &str,
        commune: &str,
        birth_year: i32,
        at: UnixSeconds,
    ) -> PersonId {
        self.store
            .enrol_person(
                &actor(self.ccas),
                &PersonDraft {
                    first_name: name.into(),
                    last_name: "Le Goff".into(),
                    phone: Some("0612345678".into()),
                    email: None,
                    no_phone: false,
                    commune_code: commune.into(),
                    birth_year: Some(birth_year),
                },
                &enrolment_consent("CCAS d'Angers"),
                at,
            )
            .await
            .expect("enrol")
    }

    pub(crate) async fn diagnose(
        &self,
        person: PersonId,
        skill: SkillAnswer,
        at: UnixSeconds,
    ) -> i64 {
        let answers = answers(skill);
        self.store
            .add_diagnostic(
                &actor(self.ccas),
                person,
                &answers,
                &profile(&answers, date_of(at)),
                at,
            )
            .await
            .expect("diagnostic")
            .expect("visible")
    }

    pub(crate) async fn send(
        &self,
        person: PersonId,
        offer: OfferId,
        at: UnixSeconds,
    ) -> ReferralId {
        let computed = profile(&answers(SkillAnswer::WithHelp), date_of(at));
        self.store
            .send_referral(
                &actor(self.ccas),
                &NewReferral {
                    person_id: person,
                    offer_id: offer,
                    profile: &computed,
                    message: "",
                    consent: &sharing_consent("Médiathèque de Saumur", "Ateliers premiers pas"),
                    why_again: "",
                    appointment: None,
                },
                at,
            )
            .await
            .expect("send")
            .expect("visible person and offer")
    }

    /// Applies `event` to the referral as `who` (one side), at `at`.
    pub(crate) async fn act(
        &self,
        who: (i64, i64),
        referral: ReferralId,
        event: ReferralEvent,
        at: UnixSeconds,
    ) {
        let who = actor(who);
        let (current, side) = self
            .store
            .referral(&who, referral, at)
            .await
            .expect("read")
            .expect("visible");
        let to = transition(current.state, &event, side).expect("allowed");
        let applied = self
            .store
            .apply_referral_event(&who, (referral, current.version), (side, &event), "", at)
            .await
            .expect("apply");
        assert_eq!(
            applied,
            Applied::Done {
                from: current.state,
                to
            }
        );
    }

    pub(crate) async fn session(
        &self,
        referrals: &[ReferralId],
        minutes: u32,
        anonymous: u32,
        at: UnixSeconds,
    ) {
        let collective = referrals.len() > 1;
        let session = NewSession {
            held_on: date_of(at),
            duration_minutes: minutes,
            kind: if collective {
                SessionKind::Collective
            } else {
                SessionKind::Individual
            },
            place: SessionPlace::AtStructure,
            equipment: BTreeSet::from([Equipment::Computer]),
            themes: BTreeSet::from([Theme::Email]),
            autonomy: (!collective).then_some(ObservedAutonomy::PartlyAutonomous),
            participants: collective.then_some(referrals.len() as u32 + anonymous),
            anonymous_participants: collective.then_some(anonymous),
            workshop_title: collective.then(|| "Premiers pas".to_owned()),
            workshop_level: collective.then_some(WorkshopLevel::Beginner),
            notes: None,
        };
        let outcome = self
            .store
            .record_collective_session(&actor(self.library), referrals, &session, at)
            .await
            .expect("session");
        assert!(
            matches!(outcome, SessionOutcome::Recorded { .. }),
            "{outcome:?}"
        );
    }

    pub(crate) async fn close(
        &self,
        referral: ReferralId,
        outcome: ClosingOutcome,
        gains: Gains,
        at: UnixSeconds,
    ) {
        let library = actor(self.library);
        let (current, _) = self
            .store
            .referral(&library, referral, at)
            .await
            .expect("read")
            .expect("visible");
        let closed = self
            .store
            .close_referral(
                &library,
                (referral, current.version),
                &Closing {
                    outcome,
                    gains,
                    sent_elsewhere: None,
                },
                "",
                at,
            )
            .await
            .expect("close");
        assert_eq!(closed, CloseOutcome::Closed);
    }

    pub(crate) async fn load(&self) -> IndicatorLoad {
        let fragile = BTreeMap::from([("49007".to_owned(), true), ("49328".to_owned(), false)]);
        self.store
            .indicator_dataset(day(100), &fragile)
            .await
            .expect("load")
    }
}

fn count(table: &IndicatorTable, row: &str, column: usize) -> u64 {
    match table.at(row, column) {
        Some(Cell::Count { value }) => *value,
        other => panic!("{} {row} {column}: {other:?}", table.id),
    }
}

fn days(table: &IndicatorTable, row: &str, column: usize) -> i64 {
    match table.at(row, column) {
        Some(Cell::Duration { seconds, .. }) => *seconds / DAY,
        other => panic!("{} {row} {column}: {other:?}", table.id),
    }
}

/// The story of five people (A, B, C, D, E), day by day.
/// The professional's override of a typology: not autonomous, willing.
pub(crate) fn unsure_alone() -> ProfileOverride {
    ProfileOverride {
        typology: Some(Typology::NotAutonomousWilling),
        help: None,
        reason: "Ne se sent pas à l'aise seul.".into(),
    }
}

pub(crate) async fn story(world: &World) -> (PersonId, PersonId, PersonId, PersonId, PersonId) {
    use ReferralEvent as E;
    let (library, ccas) = (world.library, world.ccas);
    // A, from Angers, born in 1951: diagnosed on enrolment, referred the next day, accepted on day 3,
    // contacted on day 5, two individual sessions (the first starts the pathway on day 6), closed
    // on day 40 autonomous with gains; a second diagnostic on day 60 shows progress.
    let a = world.enrol("Annie", "49007", 1951, day(0)).await;
    world.diagnose(a, SkillAnswer::WithHelp, day(0)).await;
    let ra = world.send(a, world.workshops, day(1)).await;
    world.act(library, ra, E::Accept, day(3)).await;
    world.act(library, ra, E::RecordFirstContact, day(5)).await;
    world.session(&[ra], 60, 0, day(6)).await;
    world.session(&[ra], 45, 0, day(13)).await;
    let gains = Gains {
        rights: BTreeSet::from([RightKind::Rsa]),
        money: Some(MoneyBracket::From50To150),
        job_or_training: true,
    };
    world
        .close(ra, ClosingOutcome::Autonomous, gains, day(40))
        .await;
    world.diagnose(a, SkillAnswer::Alone, day(60)).await;

    // B, from Saumur, born in 1990: referred on day 2, refused for lack of room on day 9 (7 days:
    // beyond the 5-day target), redirected to the other offer on day 10, refused there as out of
    // area and redirected again the same day, accepted on day 11,
    // contacted on day 13, the workshop of day 15 starts the pathway; dropped out on day 50.
    let b = world.enrol("Bruno", "49328", 1990, day(2)).await;
    world.diagnose(b, SkillAnswer::NotAtAll, day(2)).await;
    let rb = world.send(b, world.workshops, day(2)).await;
    let refuse = E::Refuse {
        reason: RefusalReason::NoCapacity,
    };
    world.act(library, rb, refuse, day(9)).await;
    let redirect = E::Redirect {
        offer_id: world.helper.get(),
    };
    world.act(ccas, rb, redirect.clone(), day(10)).await;
    let refuse_again = E::Refuse {
        reason: RefusalReason::OutOfArea,
    };
    world.act(library, rb, refuse_again, day(10)).await;
    world.act(ccas, rb, redirect, day(10)).await;
    world.act(library, rb, E::Accept, day(11)).await;
    world.act(library, rb, E::RecordFirstContact, day(13)).await;

    // C, from Angers, born in 1960: referred on day 3, accepted and contacted on day 4; the
    // workshop of day 15 starts the pathway, still in progress.
    let c = world.enrol("Chantal", "49007", 1960, day(3)).await;
    world.diagnose(c, SkillAnswer::WithHelp, day(3)).await;
    let rc = world.send(c, world.workshops, day(3)).await;
    world.act(library, rc, E::Accept, day(4)).await;
    world.act(library, rc, E::RecordFirstContact, day(4)).await;

    world.session(&[rb, rc], 120, 3, day(15)).await;
    world
        .close(rb, ClosingOutcome::DroppedOut, Gains::default(), day(50))
        .await;

    // D, from Segré (no index), enrolled on day 5: a diagnostic dated the day before (left out),
    // one on day 5 whose typology the professional overrides.
    let d = world.enrol("Denis", "49331", 1985, day(5)).await;
    world.diagnose(d, SkillAnswer::Alone, day(4)).await;
    let dd = world.diagnose(d, SkillAnswer::Alone, day(5)).await;
    let decision = unsure_alone();
    assert!(world
        .store
        .override_diagnostic(&actor(ccas), d, dd, &decision, day(6))
        .await
        .expect("override"));

    // E, from Angers, never diagnosed: referred on day 7 (left out, with its session).
    let e = world.enrol("Émile", "49007", 2000, day(6)).await;
    let re = world.send(e, world.workshops, day(7)).await;
    world.act(library, re, E::Accept, day(7)).await;
    world.act(library, re, E::RecordFirstContact, day(7)).await;
    world.session(&[re], 30, 0, day(8)).await;
    (a, b, c, d, e)
}

#[tokio::test]
async fn the_indicators_of_a_story_match_the_hand_computed_figures() {
    let world = world().await;
    let before = world.store.indicator_watermark().await.expect("watermark");
    let people = story(&world).await;
    let watermark = world.store.indicator_watermark().await.expect("watermark");
    assert_ne!(before, watermark);
    let load = world.load().await;
    assert_eq!(load.watermark, watermark);
    assert_eq!(load.loaded_at, day(100));

    // Left out: D's diagnostic before enrolment, E's referral (sent before any diagnostic) and its
    // session.
    let by_kind = load.dropped_by_kind;
    assert_eq!(
        (
            by_kind.people,
            by_kind.diagnostics,
            by_kind.referrals,
            by_kind.sessions,
            by_kind.capacities
        ),
        (0, 1, 1, 1, 0)
    );
    assert_eq!(load.dropped, 3);

    let data = &load.dataset;
    assert_eq!(data.people().count(), 5);
    // Seniors by age: A (born 1951) and C (1960); nobody else belongs to a public.
    let seniors = data
        .people()
        .filter(|p| p.audiences == [aiguillage_domain::directory::Audience::Seniors])
        .count();
    assert_eq!(seniors, 2);
    assert_eq!(data.people().filter(|p| p.audiences.is_empty()).count(), 3);
    assert_eq!(data.referrals().len(), 3);
    assert_eq!(data.sessions().len(), 3);
    assert_eq!(data.capacities().len(), 1);
    assert_eq!(data.capacities()[0].capacity, 10);
    assert_eq!(
        data.capacities()[0].support_model,
        Some(SupportModel::PlaceOfKnowledge)
    );

    // Keys are pseudonyms: none is a person's id.
    let ids = [people.0, people.1, people.2, people.3, people.4];
    assert!(data
        .people()
        .all(|p| !ids.contains(&PersonId::new(p.key as i64))));
    let by_enrolment =
        |at: UnixSeconds| data.people().find(|p| p.enrolled_at == at).expect("person");
    let (a, b, d) = (
        by_enrolment(day(0)),
        by_enrolment(day(2)),
        by_enrolment(day(5)),
    );
    assert_eq!(a.age_band, aiguillage_domain::pathway::AgeBand::From70);
    assert_eq!(a.departement, "49");
    assert!(a.epci.is_some());
    assert_eq!(a.fragile_commune, Some(true));
    assert_eq!(b.fragile_commune, Some(false));
    assert_eq!(d.fragile_commune, None);
    assert_eq!(d.typology, Some(Typology::NotAutonomousWilling));
    assert_eq!(data.diagnostics_of(a.key).len(), 2);
    assert_eq!(data.diagnostics_of(d.key).len(), 1);

    // B's referral: sent, refused (with its reason), redirected, accepted, contacted, started, closed.
    let rb = data
        .referrals()
        .find(|r| r.person == b.key)
        .expect("B's referral");
    assert_eq!(rb.state, ReferralState::Closed);
    assert_eq!(
        (rb.sent_at, rb.accepted_at, rb.first_contact_at),
        (Some(day(2)), Some(day(11)), Some(day(13)))
    );
    assert_eq!(
        (rb.started_at, rb.closed_at),
        (Some(day(15)), Some(day(50)))
    );
    let reasons: Vec<_> = rb.refusals.iter().map(|r| (r.at, r.reason)).collect();
    assert_eq!(
        reasons,
        [
            (day(9), RefusalReason::NoCapacity),
            (day(10), RefusalReason::OutOfArea)
        ]
    );
    assert_eq!(rb.offer, world.helper.get());
    assert_eq!(rb.outcome, Some(ClosingOutcome::DroppedOut));

    let params = Params {
        now: day(100),
        targets: TargetDelays::default(),
    };
    let publication = standard_publication(data, &Cut::default(), &params);
    let table = |id: &str| {
        publication
            .tables
            .iter()
            .find(|t| t.id == id)
            .expect("table")
    };

    let funnel = table("entonnoir");
    let steps: Vec<u64> = [
        "reperage",
        "diagnostic",
        "orientation",
        "acceptation",
        "premier_contact",
        "parcours",
        "parcours_termine",
    ]
    .iter()
    .map(|step| count(funnel, step, 0))
    .collect();
    assert_eq!(steps, [5, 4, 3, 3, 3, 3, 1]);

    // Delays, in days: sending after diagnosis A 1, B 0, C 0; acceptance after sending A 2, B 9,
    // C 1; first contact A 2, B 2, C 0; start A 1, B 2, C 11; completion A 34.
    let delays = table("delais");
    let row = |key: &str| (days(delays, key, 1), days(delays, key, 2));
    assert_eq!(row("diagnostic-orientation"), (0, 1));
    assert_eq!(row("orientation-acceptation"), (2, 9));
    assert_eq!(row("acceptation-premier_contact"), (2, 2));
    assert_eq!(row("premier_contact-parcours"), (2, 11));
    assert_eq!(row("parcours-parcours_termine"), (34, 34));

    let refusals = table("refus");
    assert_eq!(count(refusals, RefusalReason::NoCapacity.label(), 0), 1);
    assert_eq!(count(refusals, RefusalReason::OutOfArea.label(), 0), 1);
    assert_eq!(count(refusals, "total", 0), 2);

    // Answers: B waited 7 days (beyond 5); first contacts all within 10 days.
    let targets = table("delais_cibles");
    assert_eq!(
        (count(targets, "reponse", 0), count(targets, "reponse", 2)),
        (3, 1)
    );
    assert_eq!(
        (
            count(targets, "premier_contact", 0),
            count(targets, "premier_contact", 2)
        ),
        (3, 0)
    );

    // A went from « with help » to « alone » in every domain.
    let autonomy = table("autonomie");
    for domain in SkillDomain::ALL {
        assert_eq!(count(autonomy, domain.label(), 0), 1);
        assert_eq!(count(autonomy, domain.label(), 1), 1);
    }

    let outcomes = table("issues");
    assert_eq!(count(outcomes, "total", 0), 2);
    assert_eq!(count(outcomes, ClosingOutcome::Autonomous.label(), 0), 1);
    assert_eq!(count(outcomes, ClosingOutcome::DroppedOut.label(), 0), 1);
    let gains = table("gains");
    assert_eq!(count(gains, RightKind::Rsa.code(), 0), 1);
    assert_eq!(count(gains, MoneyBracket::From50To150.code(), 0), 1);
    assert_eq!(count(gains, "sans_gain_financier", 0), 1);
    assert_eq!(count(gains, "emploi_formation", 0), 1);
    let drop_out = table("abandon");
    assert_eq!(count(drop_out, "abandon_ou_injoignable", 0), 1);

    // Reach: A, C, E in Angers (fragile), B in Saumur (not), D in Segré (no index) — nationally by
    // département, all five in Maine-et-Loire.
    let reach = table("portee_departement");
    assert_eq!(
        (0..4)
            .map(|c| count(reach, "ensemble", c))
            .collect::<Vec<_>>(),
        [5, 3, 1, 1]
    );
    assert_eq!(count(reach, "49", 0), 5);
    let in_anjou = Cut {
        area: Some(aiguillage_domain::indicators::Area::Departement(
            "49".into(),
        )),
        ..Cut::default()
    };
    let local = standard_publication(data, &in_anjou, &params);
    let by_commune = local
        .tables
        .iter()
        .find(|t| t.id == "portee_commune")
        .expect("commune rows within a département");
    assert_eq!(count(by_commune, "49007", 0), 3);

    // Capacity: C alone holds a place (in pathway) of the ten of the workshops.
    let capacity = table("capacite_offre");
    let workshops = world.workshops.to_string();
    assert_eq!(
        capacity.at(&workshops, 0),
        Some(&Cell::Amount { value: 10 })
    );
    assert_eq!(count(capacity, &workshops, 1), 1);
    let models = table("capacite_modele");
    assert_eq!(count(models, SupportModel::PlaceOfKnowledge.label(), 1), 1);

    // Activity: two individual sessions of A (105 minutes), the workshop with B, C and three
    // anonymous people (120 minutes); E's session is left out.
    let activity = table("activite");
    assert_eq!(
        (
            count(activity, "individuel", 0),
            count(activity, "individuel", 1)
        ),
        (2, 2)
    );
    assert_eq!(
        (
            count(activity, "collectif", 0),
            count(activity, "collectif", 1)
        ),
        (1, 5)
    );
    assert_eq!(
        activity.at("ensemble", 2),
        Some(&Cell::Duration {
            seconds: 225 * 60,
            basis: vec![aiguillage_domain::indicators::CellRef::new(2, 0)]
        })
    );

    // In Maine-et-Loire, where the médiathèque is, its workshop counts too: it belongs to its
    // structure's territory (it was 0 there while France counted it).
    let local_activity = local
        .tables
        .iter()
        .find(|t| t.id == "activite")
        .expect("activity within a département");
    assert_eq!(
        (
            count(local_activity, "collectif", 0),
            count(local_activity, "collectif", 1)
        ),
        (1, 5)
    );

    // The watermark stays while nothing changes, and moves with a support model or an erasure.
    assert_eq!(
        world.store.indicator_watermark().await.expect("watermark"),
        watermark
    );
    world
        .store
        .set_support_model(world.library.0, Some(SupportModel::Charity))
        .await
        .expect("support model");
    let watermark = world.store.indicator_watermark().await.expect("watermark");
    assert_ne!(load.watermark, watermark);
    assert!(world
        .store
        .erase_person(&actor(world.ccas), people.4, day(101))
        .await
        .expect("erase"));
    assert_ne!(
        world.store.indicator_watermark().await.expect("watermark"),
        watermark
    );
    let after = world.load().await;
    assert_eq!(after.dataset.people().count(), 4);
    assert_eq!(
        after.dropped, 1,
        "only D's early diagnostic is left out now"
    );
}

/// A closing written before outcomes had their own table: the outcome comes from the closing
/// event's outcome code, with no gains. A referral whose stored steps are out of order is left out.
#[tokio::test]
async fn older_rows_are_read_or_left_out_without_failing_the_load() {
    let world = world().await;
    story(&world).await;
    let mut connection = sqlx::AnyConnection::connect(&world.url)
        .await
        .expect("connect");
    connection
        .execute("DELETE FROM referral_outcomes")
        .await
        .expect("delete outcomes");
    // C's acceptance moved before its sending.
    connection
        .execute(
            format!(
                "UPDATE referral_events SET at = {} WHERE to_state = 'accepted' AND at = {}",
                day(2),
                day(4)
            )
            .as_str(),
        )
        .await
        .expect("move acceptance");
    connection.close().await.expect("close");
    let load = world.load().await;
    assert_eq!(load.dropped_by_kind.referrals, 2, "E's and C's");
    assert_eq!(load.dropped_by_kind.sessions, 1, "E's");
    let outcomes: Vec<_> = load
        .dataset
        .referrals()
        .map(|r| (r.outcome, r.gains.clone()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (Some(ClosingOutcome::Autonomous), Gains::default()),
            (Some(ClosingOutcome::DroppedOut), Gains::default()),
        ]
    );
}

/// The generator's bulk writer: people with diagnostics, referrals with their steps, individual
/// sessions, a collective workshop and a closing with gains, in multi-row inserts — read back
/// whole, with nothing left out.
#[tokio::test]
async fn synthetic_batches_are_read_back_whole() {
    use aiguillage_store::{
        SyntheticDiagnostic, SyntheticPerson, SyntheticReferral, SyntheticSession, SyntheticStep,
        SyntheticWorkshop,
    };
    use ReferralEvent as E;
    use ReferralState as S;
    let world = world().await;
    let answers = answers(SkillAnswer::WithHelp);
    let computed = profile(&answers, date_of(day(0)));
    let diagnostic = |at| SyntheticDiagnostic {
        made_at: at,
        answers_json: serde_json::to_string(&answers).expect("json"),
        profile_json: serde_json::to_string(&computed).expect("json"),
        typology: computed.typology,
        overall: computed.overall,
        first_help: computed.first_help(),
    };
    let step = |event, to, at| SyntheticStep { event, to, at };
    let session = |at| SyntheticSession {
        at,
        duration_minutes: 60,
        autonomy: ObservedAutonomy::Autonomous,
        theme: Theme::Email,
    };
    let library = world.library.0;
    let in_pathway = |sent: i64| SyntheticReferral {
        offer_id: world.workshops.get(),
        receiver_structure_id: library,
        steps: vec![
            step(E::Send, S::Sent, day(sent)),
            step(E::Accept, S::Accepted, day(sent + 1)),
            step(E::RecordFirstContact, S::FirstContact, day(sent + 2)),
            step(E::StartPathway, S::InPathway, day(sent + 3)),
        ],
        sessions: vec![session(day(sent + 3)), session(day(sent + 10))],
        closing: None,
        appointment: Some((
            day(sent + 3),
            aiguillage_domain::appointment::AppointmentStatus::Attended,
        )),
    };
    let mut closed = in_pathway(1);
    closed.steps.push(step(
        E::Close {
            outcome: ClosingOutcome::HelpedOnBehalf,
        },
        S::Closed,
        day(30),
    ));
    closed.closing = Some((
        Closing {
            outcome: ClosingOutcome::HelpedOnBehalf,
            gains: Gains {
                rights: BTreeSet::from([RightKind::HousingAid, RightKind::EnergyCheque]),
                money: Some(MoneyBracket::MoreThan300),
                job_or_training: false,
            },
            sent_elsewhere: None,
        },
        day(30),
    ));
    let refused = SyntheticReferral {
        offer_id: world.helper.get(),
        receiver_structure_id: library,
        steps: vec![
            step(E::Send, S::Sent, day(2)),
            step(
                E::Refuse {
                    reason: RefusalReason::OutOfArea,
                },
                S::Refused,
                day(3),
            ),
        ],
        sessions: vec![],
        closing: None,
        appointment: None,
    };
    let person = |index: usize, referrals: Vec<SyntheticReferral>| SyntheticPerson {
        first_name: "Prénom".into(),
        last_name: format!("Synthétique{index}"),
        commune_code: "49007".into(),
        birth_year: 1970,
        enrolled_at: day(0),
        urgent: false,
        diagnostics: vec![diagnostic(day(0))],
        referrals,
    };
    let people = vec![
        person(0, vec![closed, refused]),
        person(1, vec![]),
        person(2, vec![in_pathway(5)]),
    ];
    let workshops = vec![SyntheticWorkshop {
        structure_id: library,
        at: day(20),
        duration_minutes: 120,
        registered: vec![(0, 0), (2, 0)],
        anonymous: 4,
    }];
    let counts = world
        .store
        .insert_synthetic_people(world.ccas.0, &people, &workshops)
        .await
        .expect("insert");
    assert_eq!(
        (
            counts.people,
            counts.diagnostics,
            counts.referrals,
            counts.events,
            counts.sessions,
            counts.outcomes
        ),
        (3, 3, 3, 11, 5, 1)
    );
    let load = world.load().await;
    assert_eq!(load.dropped, 0);
    let data = &load.dataset;
    assert_eq!(data.people().count(), 3);
    assert_eq!(data.referrals().len(), 3);
    let refusal = data
        .referrals()
        .find(|r| r.state == S::Refused)
        .expect("refused");
    assert_eq!(refusal.refusals[0].reason, RefusalReason::OutOfArea);
    let closed = data
        .referrals()
        .find(|r| r.state == S::Closed)
        .expect("closed");
    assert_eq!(closed.outcome, Some(ClosingOutcome::HelpedOnBehalf));
    assert_eq!(closed.gains.money, Some(MoneyBracket::MoreThan300));
    assert_eq!(closed.gains.rights.len(), 2);
    assert_eq!(
        (closed.started_at, closed.closed_at),
        (Some(day(4)), Some(day(30)))
    );
    let workshop = data
        .sessions()
        .find(|s| s.kind == SessionKind::Collective)
        .expect("workshop");
    assert_eq!((workshop.referral, workshop.participants), (None, 6));
    assert_eq!(workshop.at, T0 + 20 * DAY);
    assert_eq!(data.sessions().len(), 5);
    // The two pathways' first appointments, kept.
    let kept = aiguillage_domain::indicators::attendance(data, &Cut::default());
    assert_eq!(count(&kept, "venue", 0), 2);
    assert_eq!(count(&kept, "ensemble", 0), 2);
}

#[tokio::test]
async fn a_typology_override_moves_the_watermark() {
    let world = world().await;
    let person = world.enrol("Denis", "49331", 1985, day(5)).await;
    let diagnostic = world.diagnose(person, SkillAnswer::Alone, day(5)).await;
    let before = world.store.indicator_watermark().await.expect("watermark");
    let decision = unsure_alone();
    assert!(world
        .store
        .override_diagnostic(&actor(world.ccas), person, diagnostic, &decision, day(6))
        .await
        .expect("override"));
    let after = world.store.indicator_watermark().await.expect("watermark");
    assert_ne!(after, before, "the person's typology changed");
    assert_eq!(
        world.store.indicator_watermark().await.expect("watermark"),
        after
    );
}

/// An appointment set at first contact and then missed: each step moves the watermark, and the
/// no-show reaches the standard set's appointment table.
#[tokio::test]
async fn a_missed_appointment_moves_the_watermark_and_counts_as_a_no_show() {
    use aiguillage_domain::appointment::{AppointmentChannel, AppointmentStatus};
    use aiguillage_domain::indicators::attendance;
    let world = world().await;
    let fanny = world.enrol("Fanny", "49328", 1948, day(0)).await;
    world.diagnose(fanny, SkillAnswer::WithHelp, day(0)).await;
    let referral = world.send(fanny, world.workshops, day(1)).await;
    world
        .act(world.library, referral, ReferralEvent::Accept, day(2))
        .await;
    let accepted = world.store.indicator_watermark().await.expect("watermark");
    let library = actor(world.library);
    let slot = (day(4), 30, AppointmentChannel::OnSite);
    assert!(world
        .store
        .set_appointment(&library, referral.get(), slot, day(2))
        .await
        .expect("set"));
    let booked = world.store.indicator_watermark().await.expect("watermark");
    assert_ne!(booked, accepted);
    let set = world
        .store
        .appointments_of_referral(referral.get())
        .await
        .expect("appointments");
    assert_eq!(set.len(), 1);
    let table = attendance(&world.load().await.dataset, &Cut::default());
    assert_eq!(count(&table, "prevus", 0), 1);
    assert_eq!(count(&table, "absence", 0), 0);

    // The CCAS cannot settle the library's appointment; the library cannot say she did not come
    // before the time; it records the no-show once it has passed.
    let settle = |who: (i64, i64), at: UnixSeconds| {
        let store = world.store.clone();
        let id = set[0].id;
        async move {
            store
                .settle_appointment(&actor(who), id, AppointmentStatus::NoShow, at)
                .await
                .expect("settle")
        }
    };
    assert_eq!(settle(world.ccas, day(4)).await, Settled::NotFound);
    assert_eq!(settle(world.library, day(4) - 60).await, Settled::TooEarly);
    assert_eq!(
        world.store.indicator_watermark().await.expect("watermark"),
        booked
    );
    assert_eq!(settle(world.library, day(4)).await, Settled::Done);
    let missed = world.store.indicator_watermark().await.expect("watermark");
    assert_ne!(missed, booked);
    let load = world.load().await;
    assert_eq!(load.watermark, missed);
    assert_eq!(load.dropped_by_kind.appointments, 0);
    let table = attendance(&load.dataset, &Cut::default());
    assert_eq!(
        (
            count(&table, "renseignes", 0),
            count(&table, "absence", 0),
            count(&table, "prevus", 0),
            count(&table, "ensemble", 0)
        ),
        (1, 1, 0, 1)
    );
    let published = standard_publication(
        &load.dataset,
        &Cut::default(),
        &Params {
            now: day(5),
            targets: TargetDelays::default(),
        },
    );
    assert!(published.tables.iter().any(|t| t.id == "rendez_vous"));
}
