//! Retention with a clock the test moves (on whichever backend the run names): the five people of
//! the indicators' story, 24 months after their last contact, are warned, then anonymised into
//! statistical facts; the steering indicators computed before and after are equal wherever the facts
//! carry the figure (every table but the delays in days); a record extended once, or contacted
//! again since the facts were read, is kept. The audit journal's old entries go behind a sealed
//! checkpoint and the chain still verifies; a forged checkpoint breaks it. Leases let one purge run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::indicators_story::{day, story, world};
use aiguillage_domain::diagnostic::SkillAnswer;
use aiguillage_domain::indicators::{standard_publication, Cut, Params};
use aiguillage_domain::orientation::TargetDelays;
use aiguillage_domain::retention::{
    months_after, ExtensionReason, RetentionPeriods, RetentionStep,
};
use aiguillage_store::testing::actor;
use aiguillage_store::{AuditChainCheck, Extension};

/// The tables the facts do not carry: delays in days (the dates moved to the first of their month).
const DELAYS: [&str; 2] = ["delais", "delais_cibles"];

#[tokio::test]
async fn people_past_their_retention_become_facts_the_indicators_keep_counting() {
    let world = world().await;
    let (a, _b, _c, d, _e) = story(&world).await;
    let params = Params {
        now: day(100),
        targets: TargetDelays::default(),
    };
    let before = standard_publication(&world.load().await.dataset, &Cut::default(), &params);
    let store = &world.store;
    let periods = RetentionPeriods::default();

    // D's last contact (enrolment and diagnostics, the earliest of the five): warned 30 days before
    // its 24 months, not before.
    let far = months_after(day(100), 40);
    let last_contact = store
        .retention_candidates(&periods, far)
        .await
        .expect("candidates")
        .into_iter()
        .map(|c| c.retention.last_contact_at)
        .min()
        .expect("five people");
    let deadline = months_after(last_contact, 24);
    let warn_day = deadline - 30 * aiguillage_domain::calendar::DAY;
    let due_at = |at| async move {
        let candidates = store
            .retention_candidates(&periods, at)
            .await
            .expect("candidates");
        candidates
            .into_iter()
            .map(|c| (c.person, c.retention.step(&periods, at)))
            .filter(|(_, step)| *step != RetentionStep::Keep)
            .collect::<Vec<_>>()
    };
    assert_eq!(due_at(warn_day - 3600).await, []);
    assert_eq!(
        due_at(warn_day).await,
        [(
            d,
            RetentionStep::Warn {
                anonymise_at: deadline
            }
        )]
    );

    // A's referent extends the record once; a second extension is refused.
    let extended = store
        .extend_retention(
            &actor(world.ccas),
            a,
            ExtensionReason::SupportOngoing,
            (&periods, day(70)),
        )
        .await
        .expect("extend");
    assert_eq!(
        extended,
        Extension::Extended {
            until: months_after(day(60), 36)
        }
    );
    let again = store
        .extend_retention(
            &actor(world.ccas),
            a,
            ExtensionReason::PersonAsked,
            (&periods, day(71)),
        )
        .await
        .expect("extend");
    assert_eq!(again, Extension::AlreadyExtended);
    let foreign = store
        .extend_retention(
            &actor(world.library),
            d,
            ExtensionReason::PersonAsked,
            (&periods, day(71)),
        )
        .await
        .expect("extend");
    assert_eq!(
        foreign,
        Extension::NotFound,
        "only the enrolling structure extends"
    );

    // 26 months on: everyone but A is warned, then anonymised 30 days later.
    let warned_at = months_after(day(100), 26);
    let warned: Vec<_> = due_at(warned_at).await;
    assert_eq!(warned.len(), 4, "{warned:?}");
    for (person, step) in &warned {
        assert!(
            matches!(step, RetentionStep::Warn { .. }),
            "{person}: {step:?}"
        );
        store
            .mark_retention_warned(&[*person], warned_at)
            .await
            .expect("warned");
    }
    let gone_at = warned_at + 30 * aiguillage_domain::calendar::DAY;
    let due: Vec<_> = due_at(gone_at)
        .await
        .into_iter()
        .filter(|(_, step)| *step == RetentionStep::Anonymise)
        .map(|(person, _)| person)
        .collect();
    assert_eq!(due.len(), 4);
    let facts = store
        .anonymisation_facts(&due, gone_at)
        .await
        .expect("facts");
    // D is contacted again (a new diagnostic) after the facts were read: kept.
    world.diagnose(d, SkillAnswer::Alone, gone_at - 60).await;
    let mut anonymised = 0;
    for (person, fact) in &facts {
        if store
            .anonymise_person(*person, fact.as_ref(), &periods, gone_at)
            .await
            .expect("anonymise")
        {
            anonymised += 1;
        } else {
            assert_eq!(*person, d, "only D was contacted again");
        }
    }
    assert_eq!(anonymised, 3);
    let stored = store.anonymised_facts().await.expect("facts");
    assert_eq!(stored.len(), 3);
    let json = serde_json::to_string(&stored).expect("json");
    for name in ["Bruno", "Chantal", "Émile", "Synth"] {
        assert!(!json.contains(name), "no name in the facts: {json}");
    }
    assert!(stored
        .iter()
        .all(|f| f.person.enrolled_at
            == aiguillage_domain::retention::month_start(f.person.enrolled_at)));

    // The indicators computed at the same moment, on the same (whole) period: D's new diagnostic
    // aside, every table the facts carry is unchanged.
    let after = standard_publication(&world.load().await.dataset, &Cut::default(), &params);
    let mut compared = 0;
    for old in &before.tables {
        // D's new diagnostic changes D's progress, by design; delays in days are not carried.
        if DELAYS.contains(&old.id) || old.id == "autonomie" {
            continue;
        }
        let new = after
            .tables
            .iter()
            .find(|t| t.id == old.id)
            .expect("same tables");
        assert_eq!(
            old.rows, new.rows,
            "table {} changed by the anonymisation",
            old.id
        );
        compared += 1;
    }
    assert!(compared >= 12, "{compared} tables compared");
}

#[tokio::test]
async fn old_audit_entries_go_behind_a_sealed_checkpoint_and_the_chain_still_verifies() {
    let world = world().await;
    let (a, ..) = story(&world).await;
    let store = &world.store;
    let entries = store.count_audit().await.expect("count");
    assert!(entries > 10, "{entries}");
    // One more entry, later; a year on, everything before day 80 is older than 12 months.
    world.diagnose(a, SkillAnswer::Alone, day(90)).await;
    let entries = store.count_audit().await.expect("count");
    let year_on = months_after(day(80), 12);
    let counted = store
        .prune_audit(day(80), year_on, true)
        .await
        .expect("dry run");
    assert_eq!(
        store.count_audit().await.expect("count"),
        entries,
        "a dry run deletes nothing"
    );
    let deleted = store
        .prune_audit(day(80), year_on, false)
        .await
        .expect("prune");
    assert_eq!(deleted, counted);
    assert_eq!(deleted as i64, entries - 1, "only the day-90 entry stays");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::Intact { entries: 1 }
    );
    // The chain goes on after the checkpoint.
    world.diagnose(a, SkillAnswer::Alone, year_on).await;
    assert!(matches!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::Intact { .. }
    ));
    // A checkpoint moved by someone without the key breaks the chain.
    let pool = sqlx::AnyPool::connect(&world.url).await.expect("pool");
    sqlx::query("UPDATE audit_checkpoints SET through_seq = through_seq + 1")
        .execute(&pool)
        .await
        .expect("forge");
    assert!(matches!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::BrokenAt { .. }
    ));
}

#[tokio::test]
async fn one_purge_holds_the_lease_at_a_time() {
    let world = world().await;
    let store = &world.store;
    assert!(store
        .take_job_lease(("purge", "a"), day(0), 3600)
        .await
        .expect("lease"));
    assert!(!store
        .take_job_lease(("purge", "b"), day(0) + 60, 3600)
        .await
        .expect("lease"));
    // Expired, it can be taken over (a crashed run); released, at once.
    assert!(store
        .take_job_lease(("purge", "b"), day(0) + 3600, 3600)
        .await
        .expect("lease"));
    store
        .release_job_lease("purge", "b")
        .await
        .expect("release");
    assert!(store
        .take_job_lease(("purge", "a"), day(0) + 3700, 3600)
        .await
        .expect("lease"));
}

/// The short-lived records, each at its own duration: a notification (6 months), an import file (one
/// hour), a session (12 hours at most), a login attempt (6 months), a public contact request (90
/// days). A dry run counts, the purge deletes exactly those, a day before their end nothing goes.
#[tokio::test]
async fn short_lived_records_go_at_their_own_durations() {
    use aiguillage_domain::calendar::DAY;
    use aiguillage_domain::ids::AccountId;
    use aiguillage_domain::retention::PurgeRule;
    let world = world().await;
    let store = &world.store;
    let periods = RetentionPeriods::default();
    let (_, account) = world.ccas;
    let t = day(0);
    store
        .notify(
            (Some(account), None),
            "Nouvelle orientation reçue",
            "/orientations/1",
            t,
        )
        .await
        .expect("notify");
    store
        .save_pending_import(AccountId::new(account), "lieux.csv", "csv", "a;b", t)
        .await
        .expect("pending");
    store
        .create_session("empreinte", account, "csrf", t)
        .await
        .expect("session");
    store
        .reserve_login_attempt("ip:192.0.2.1", 5, t)
        .await
        .expect("attempt");
    crate::privacy_story::leave_request(store, "Lucienne", t).await;

    let count = |report: &aiguillage_domain::retention::PurgeReport| {
        PurgeRule::ALL
            .iter()
            .map(|rule| report.count(*rule))
            .collect::<Vec<_>>()
    };
    // A day: the import file and the session are past their end, nothing else.
    let report = store
        .purge_short_lived(&periods, t + DAY, true)
        .await
        .expect("dry");
    assert_eq!(report.count(PurgeRule::PendingImportDeleted), 1);
    assert_eq!(report.count(PurgeRule::TechnicalTraceDeleted), 1);
    assert_eq!(report.count(PurgeRule::NotificationDeleted), 0);
    assert_eq!(report.count(PurgeRule::ContactRequestErased), 0);
    // 89 days: the request stays; 91: it goes.
    let early = store
        .purge_short_lived(&periods, t + 89 * DAY, true)
        .await
        .expect("dry");
    assert_eq!(early.count(PurgeRule::ContactRequestErased), 0);
    // Seven months on, everything is past its end; the dry run deleted nothing.
    let later = months_after(t, 7);
    let dry = store
        .purge_short_lived(&periods, later, true)
        .await
        .expect("dry");
    assert_eq!(
        (
            dry.count(PurgeRule::NotificationDeleted),
            dry.count(PurgeRule::PendingImportDeleted),
            dry.count(PurgeRule::TechnicalTraceDeleted),
            dry.count(PurgeRule::ContactRequestErased)
        ),
        (1, 1, 2, 1)
    );
    let done = store
        .purge_short_lived(&periods, later, false)
        .await
        .expect("purge");
    assert_eq!(
        count(&done),
        count(&dry),
        "the purge deletes what the dry run counted"
    );
    let again = store
        .purge_short_lived(&periods, later, true)
        .await
        .expect("dry");
    assert!(count(&again).iter().all(|n| *n == 0), "{again:?}");
}

/// A referent's warning and the marks of the records it is about are one write: a notice that
/// cannot be stored (here, to a structure that does not exist) leaves no record marked warned, so
/// that a crash between the two (scripts/crash-consistency.sh) never leaves a record counting down
/// to its anonymisation whose referent was never told.
#[tokio::test]
async fn a_warning_and_its_marks_stand_or_fall_together() {
    use aiguillage_domain::ids::{AccountId, StructureId};
    let world = world().await;
    let (_a, b, _c, _d, _e) = story(&world).await;
    let store = &world.store;
    let periods = RetentionPeriods::default();
    let at = months_after(day(100), 26);
    let warned_at = |person| async move {
        store
            .retention_candidates(&periods, at)
            .await
            .expect("candidates")
            .into_iter()
            .find(|c| c.person == person)
            .and_then(|c| c.retention.warned_at)
    };
    let nowhere = (
        (None, Some(987_654)),
        "Un dossier sera anonymisé",
        "/personnes/echeances",
    );
    assert!(store.warn_retention(Some(nowhere), &[b], at).await.is_err());
    assert_eq!(warned_at(b).await, None, "no notice, no mark");

    let (library, _) = world.library;
    let notice = (
        (None, Some(library)),
        "Un dossier sera anonymisé",
        "/personnes/echeances",
    );
    store
        .warn_retention(Some(notice), &[b], at)
        .await
        .expect("warned");
    assert_eq!(warned_at(b).await, Some(at));
    let notes = store
        .notifications_of(AccountId::new(0), StructureId::new(library), 10)
        .await
        .expect("notifications");
    assert!(notes.iter().any(|n| n.text == "Un dossier sera anonymisé"));
}
