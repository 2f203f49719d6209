//! The pathway in storage, on whichever backend the test run names: sessions recorded by the
//! receiving structure (the first one moving the referral to « En parcours »), collective workshops
//! with registered and anonymous people, a mediator of another structure refused, and closings with
//! their gains written with the transition — or nothing at all.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::calendar::{parse_iso_date, Date};
use aiguillage_domain::diagnostic::{
    profile, Answers, LiteracyLevel, SkillAnswer, SkillDomain, TravelRange, Willingness,
};
use aiguillage_domain::directory::Offer;
use aiguillage_domain::ids::{AccountId, OfferId, ReferralId, StructureId};
use aiguillage_domain::orientation::{transition, ClosingOutcome, ReferralEvent, ReferralState};
use aiguillage_domain::pathway::{
    Closing, ClosingError, Equipment, Gains, MoneyBracket, NewSession, ObservedAutonomy,
    RedirectStructure, RightKind, SentElsewhere, SessionError, SessionKind, SessionPlace, Theme,
    WorkshopLevel,
};
use aiguillage_domain::person::{enrolment_consent, sharing_consent, PersonDraft};
use aiguillage_domain::role::Role;
use aiguillage_interop::cra::{read_cra_csv, write_cra_csv};
use aiguillage_store::testing::actor;
use aiguillage_store::{Actor, Applied, CloseOutcome, NewReferral, SessionOutcome, Store};

const NOW: i64 = 1_795_392_000; // 2026-11-23

/// The CCAS of Angers prescribes; the library of Saumur receives; the digital space of Segré is a
/// third structure with its own mediator. Each is (structure, account).
struct World {
    store: Store,
    ccas: (i64, i64),
    library: (i64, i64),
    segre: (i64, i64),
    offer_id: OfferId,
}

async fn world() -> World {
    let (store, _) = crate::support::store_of_maine_et_loire().await;
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
        (
            "Espace numérique de Segré",
            "49331",
            "segre@example.fr",
            Role::Mediator,
        ),
    ] {
        let ids_of =
            crate::support::structure_with_account(&store, (name, commune), (email, role), NOW);
        ids.push(ids_of.await);
    }
    let offer = Offer {
        name: "Ateliers premiers pas".into(),
        ..Offer::default()
    };
    let offer_id = store
        .save_offer(
            ids[1].0,
            None,
            &offer,
            None,
            aiguillage_store::PlaceRights::Everything,
            NOW,
        )
        .await
        .expect("offer");
    World {
        store,
        ccas: ids[0],
        library: ids[1],
        segre: ids[2],
        offer_id: OfferId::new(offer_id),
    }
}

fn answers() -> Answers {
    Answers {
        equipment: vec![],
        skills: SkillDomain::ALL
            .iter()
            .map(|d| (*d, SkillAnswer::WithHelp))
            .collect(),
        detailed: vec![],
        french_reading: LiteracyLevel::Comfortable,
        french_writing: LiteracyLevel::WithDifficulty,
        languages: vec![],
        support_needs: vec![],
        travel_range: TravelRange::UpTo5Km,
        travel_modes: vec![],
        accepts_remote: false,
        availability: vec![],
        willingness: Willingness::Yes,
        levers: vec![],
        urgency: None,
        notes: None,
    }
}

/// A referral from the CCAS to the library, moved by the library through `events`.
async fn referral(world: &World, first_name: &str, events: &[ReferralEvent]) -> ReferralId {
    let store = &world.store;
    let ccas = actor(world.ccas);
    let person = store
        .enrol_person(
            &ccas,
            &PersonDraft {
                first_name: first_name.into(),
                last_name: "Le Goff".into(),
                phone: Some("0612345678".into()),
                email: None,
                no_phone: false,
                commune_code: "49007".into(),
                birth_year: Some(1951),
            },
            &enrolment_consent("CCAS d'Angers"),
            NOW,
        )
        .await
        .expect("enrol");
    let computed = profile(&answers(), time::macros::date!(2026 - 11 - 23));
    let id = store
        .send_referral(
            &ccas,
            &NewReferral {
                person_id: person,
                offer_id: world.offer_id,
                profile: &computed,
                message: "Souhaite apprendre.",
                consent: &sharing_consent("Médiathèque de Saumur", "Ateliers premiers pas"),
                why_again: "",
                appointment: None,
            },
            NOW,
        )
        .await
        .expect("send")
        .expect("visible person and offer");
    let library = actor(world.library);
    for event in events {
        let (current, side) = store
            .referral(&library, id, NOW)
            .await
            .expect("read")
            .expect("visible");
        let to = transition(current.state, event, side).expect("allowed");
        let applied = store
            .apply_referral_event(&library, (id, current.version), (side, event), "", NOW)
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
    id
}

const AT_FIRST_CONTACT: &[ReferralEvent] =
    &[ReferralEvent::Accept, ReferralEvent::RecordFirstContact];

async fn state_and_version(world: &World, id: ReferralId) -> (ReferralState, i64) {
    let (referral, _) = world
        .store
        .referral(&actor(world.library), id, NOW)
        .await
        .expect("read")
        .expect("visible");
    (referral.state, referral.version)
}

fn date(text: &str) -> Date {
    parse_iso_date(text).expect("date")
}

fn individual(day: &str) -> NewSession {
    NewSession {
        held_on: date(day),
        duration_minutes: 60,
        kind: SessionKind::Individual,
        place: SessionPlace::AtStructure,
        equipment: [Equipment::Phone].into(),
        themes: [Theme::Email, Theme::Housing].into(),
        autonomy: Some(ObservedAutonomy::FullyGuided),
        participants: None,
        anonymous_participants: None,
        workshop_title: None,
        workshop_level: None,
        notes: Some("Revoir la sauvegarde des photos.".into()),
    }
}

fn workshop(day: &str, participants: u32, anonymous: u32) -> NewSession {
    NewSession {
        held_on: date(day),
        duration_minutes: 120,
        kind: SessionKind::Collective,
        place: SessionPlace::AtStructure,
        equipment: [Equipment::Tablet].into(),
        themes: [Theme::Security].into(),
        autonomy: None,
        participants: Some(participants),
        anonymous_participants: Some(anonymous),
        workshop_title: Some("Déjouer les arnaques".into()),
        workshop_level: Some(WorkshopLevel::Beginner),
        notes: None,
    }
}

const NOVEMBER: (&str, &str) = ("2026-11-01", "2026-11-30");

async fn sessions_in_november(world: &World, who: (i64, i64)) -> usize {
    world
        .store
        .sessions_of_structure(&actor(who), (date(NOVEMBER.0), date(NOVEMBER.1)), NOW)
        .await
        .expect("list")
        .len()
}

#[tokio::test]
async fn the_first_session_starts_the_pathway_and_sessions_are_listed() {
    let world = world().await;
    let store = &world.store;
    let library = actor(world.library);
    let id = referral(&world, "Josiane", AT_FIRST_CONTACT).await;
    assert_eq!(
        state_and_version(&world, id).await,
        (ReferralState::FirstContact, 3)
    );

    let first = store
        .record_session(&library, id, &individual("2026-11-16"), NOW)
        .await
        .expect("record");
    let SessionOutcome::Recorded {
        started_pathway, ..
    } = first
    else {
        panic!("recorded: {first:?}");
    };
    assert_eq!(started_pathway, vec![id]);
    assert_eq!(
        state_and_version(&world, id).await,
        (ReferralState::InPathway, 4)
    );
    let history = store.referral_history(id).await.expect("history");
    let last = history.last().expect("events");
    assert_eq!(
        (last.event.as_str(), last.to_state.as_str()),
        ("Début du parcours", "En parcours")
    );

    let at_home = NewSession {
        place: SessionPlace::Home,
        themes: [Theme::Email].into(),
        autonomy: Some(ObservedAutonomy::PartlyAutonomous),
        notes: None,
        ..individual("2026-11-20")
    };
    let second = store
        .record_session(&library, id, &at_home, NOW)
        .await
        .expect("record");
    assert!(matches!(
        second,
        SessionOutcome::Recorded { ref started_pathway, .. } if started_pathway.is_empty()
    ));
    assert_eq!(
        state_and_version(&world, id).await,
        (ReferralState::InPathway, 4),
        "a later session changes no state"
    );

    let sessions = store
        .sessions_of_referral(&library, id, NOW)
        .await
        .expect("list")
        .expect("the receiver sees them");
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0].referral_id, Some(id));
    assert_eq!(sessions[0].account_id, Some(world.library.1));
    assert_eq!(
        sessions[0].record.themes,
        [
            Theme::Email,
            Theme::AdministrativeProcedures,
            Theme::Housing
        ]
        .into(),
        "a procedure detail brings its parent theme"
    );
    assert_eq!(
        sessions[0].record.notes.as_deref(),
        Some("Revoir la sauvegarde des photos.")
    );
    assert_eq!(
        sessions[0].commune_code.as_deref(),
        Some("49328"),
        "at the library: Saumur"
    );
    assert_eq!(
        sessions[1].commune_code.as_deref(),
        Some("49007"),
        "at home: the person's commune"
    );
    assert_eq!(
        sessions[1].record.autonomy(),
        Some(ObservedAutonomy::PartlyAutonomous)
    );

    let seen_by_sender = store
        .sessions_of_referral(&actor(world.ccas), id, NOW)
        .await
        .expect("list")
        .expect("the sender sees the summary");
    assert_eq!(seen_by_sender.len(), 2);
    assert!(
        seen_by_sender.iter().all(|s| s.record.notes.is_none()),
        "the sender never sees the notes"
    );

    let november = store
        .sessions_of_structure(&library, (date(NOVEMBER.0), date(NOVEMBER.1)), NOW)
        .await
        .expect("list");
    assert_eq!(november.len(), 2);
    let one_day = store
        .sessions_of_structure(&library, (date("2026-11-20"), date("2026-11-20")), NOW)
        .await
        .expect("list");
    assert_eq!(one_day.len(), 1);
    assert_eq!(sessions_in_november(&world, world.ccas).await, 0);

    // The stored sessions export to the CRA and read back unchanged (notes aside).
    let activities: Vec<_> = november.iter().map(|s| s.cra_activity()).collect();
    let read = read_cra_csv(&write_cra_csv(&activities)).expect("readable");
    assert!(read.rejected.is_empty(), "{:?}", read.rejected);
    assert_eq!(read.activities.len(), 2);
    assert_eq!(read.activities[1], activities[1]);
    assert_eq!(read.activities[0].session.notes, None);
}

/// A corrected or deleted session moves the indicators' watermark, so that the steering figures
/// reload; and only the structure that recorded it may touch it.
#[tokio::test]
async fn correcting_or_deleting_a_session_moves_the_indicators_watermark() {
    let world = world().await;
    let store = &world.store;
    let library = actor(world.library);
    let id = referral(&world, "Josiane", AT_FIRST_CONTACT).await;
    let recorded = store
        .record_session(&library, id, &individual("2026-11-16"), NOW)
        .await
        .expect("record");
    let SessionOutcome::Recorded { session_id, .. } = recorded else {
        panic!("recorded: {recorded:?}");
    };
    let before = store.indicator_watermark().await.expect("watermark");
    let ccas = actor(world.ccas);
    let corrected = NewSession {
        duration_minutes: 90,
        ..individual("2026-11-17")
    };
    assert_eq!(
        store
            .correct_pathway_session(&ccas, session_id, &corrected, NOW)
            .await
            .expect("correct"),
        aiguillage_store::SessionChange::NotFound,
        "the sending structure cannot"
    );
    assert_eq!(
        store.indicator_watermark().await.expect("watermark"),
        before
    );
    assert_eq!(
        store
            .correct_pathway_session(&library, session_id, &corrected, NOW)
            .await
            .expect("correct"),
        aiguillage_store::SessionChange::Done
    );
    let after_correction = store.indicator_watermark().await.expect("watermark");
    assert_ne!(after_correction, before);
    let sessions = store
        .sessions_of_referral(&library, id, NOW)
        .await
        .expect("sessions")
        .expect("visible");
    assert_eq!(sessions[0].record.duration_minutes, 90);
    assert_eq!(sessions[0].record.held_on, date("2026-11-17"));
    assert_eq!(
        store
            .delete_pathway_session(&library, session_id, NOW)
            .await
            .expect("delete"),
        aiguillage_store::SessionChange::Done
    );
    assert_ne!(
        store.indicator_watermark().await.expect("watermark"),
        after_correction
    );
}

#[tokio::test]
async fn a_collective_workshop_counts_registered_and_anonymous_people() {
    let world = world().await;
    let store = &world.store;
    let library = actor(world.library);
    let josiane = referral(&world, "Josiane", AT_FIRST_CONTACT).await;
    let marcel = referral(&world, "Marcel", AT_FIRST_CONTACT).await;
    store
        .record_session(&library, marcel, &individual("2026-11-10"), NOW)
        .await
        .expect("record");

    let wrong_count = store
        .record_collective_session(
            &library,
            &[josiane, marcel],
            &workshop("2026-11-18", 6, 3),
            NOW,
        )
        .await
        .expect("record");
    assert_eq!(
        wrong_count,
        SessionOutcome::Invalid(SessionError::ParticipantsDoNotAddUp {
            participants: 6,
            registered: 2,
            anonymous: 3
        })
    );
    assert_eq!(sessions_in_november(&world, world.library).await, 1);

    let recorded = store
        .record_collective_session(
            &library,
            &[josiane, marcel, josiane],
            &workshop("2026-11-18", 5, 3),
            NOW,
        )
        .await
        .expect("record");
    let SessionOutcome::Recorded {
        session_id,
        started_pathway,
    } = recorded
    else {
        panic!("recorded: {recorded:?}");
    };
    assert_eq!(
        started_pathway,
        vec![josiane],
        "Marcel was already in pathway"
    );
    assert_eq!(
        state_and_version(&world, josiane).await.0,
        ReferralState::InPathway
    );

    let anonymous_only = store
        .record_collective_session(&library, &[], &workshop("2026-11-19", 12, 12), NOW)
        .await
        .expect("record");
    assert!(matches!(anonymous_only, SessionOutcome::Recorded { .. }));

    let of_josiane = store
        .sessions_of_referral(&library, josiane, NOW)
        .await
        .expect("list")
        .expect("visible");
    assert_eq!(of_josiane.len(), 1);
    assert_eq!(of_josiane[0].id, session_id);
    assert_eq!(of_josiane[0].referral_id, None);
    assert_eq!(of_josiane[0].registered_referrals, vec![josiane, marcel]);
    assert_eq!(of_josiane[0].record.participants(), Some((5, 3)));
    let of_marcel = store
        .sessions_of_referral(&library, marcel, NOW)
        .await
        .expect("list")
        .expect("visible");
    assert_eq!(
        of_marcel.len(),
        2,
        "his individual session and the workshop"
    );
    let seen_by_sender = store
        .sessions_of_referral(&actor(world.ccas), josiane, NOW)
        .await
        .expect("list")
        .expect("visible");
    assert_eq!(
        seen_by_sender[0].registered_referrals,
        vec![josiane],
        "the sender does not learn who else came"
    );

    let november = store
        .sessions_of_structure(&library, (date(NOVEMBER.0), date(NOVEMBER.1)), NOW)
        .await
        .expect("list");
    let kinds: Vec<_> = november
        .iter()
        .map(|s| (s.record.kind(), s.registered_referrals.len()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (SessionKind::Individual, 0),
            (SessionKind::Collective, 2),
            (SessionKind::Collective, 0),
        ]
    );
}

#[tokio::test]
async fn a_mediator_of_another_structure_is_refused_and_nothing_is_written() {
    let world = world().await;
    let store = &world.store;
    let id = referral(&world, "Josiane", AT_FIRST_CONTACT).await;
    let audit_before = store.count_audit().await.expect("audit");

    for stranger in [world.segre, world.ccas] {
        let refused = store
            .record_session(&actor(stranger), id, &individual("2026-11-16"), NOW)
            .await
            .expect("record");
        assert_eq!(refused, SessionOutcome::NotFound { referral_id: id });
    }
    assert_eq!(
        store
            .sessions_of_referral(&actor(world.segre), id, NOW)
            .await
            .expect("list"),
        None
    );
    // A workshop of Segré cannot carry the library's referral either.
    let refused = store
        .record_collective_session(
            &actor(world.segre),
            &[id],
            &workshop("2026-11-16", 4, 3),
            NOW,
        )
        .await
        .expect("record");
    assert_eq!(refused, SessionOutcome::NotFound { referral_id: id });
    // An account acting for a structure it does not belong to is an error.
    let impostor = Actor {
        account_id: AccountId::new(world.segre.1),
        structure_id: StructureId::new(world.library.0),
        reason: "test",
    };
    assert!(store
        .record_session(&impostor, id, &individual("2026-11-16"), NOW)
        .await
        .is_err());

    // Bad input and a referral not yet in progress are refused too.
    let library = actor(world.library);
    let no_theme = NewSession {
        themes: Default::default(),
        ..individual("2026-11-16")
    };
    assert_eq!(
        store
            .record_session(&library, id, &no_theme, NOW)
            .await
            .expect("record"),
        SessionOutcome::Invalid(SessionError::NoTheme)
    );
    let tomorrow_and_more = individual("2026-12-25");
    assert!(matches!(
        store
            .record_session(&library, id, &tomorrow_and_more, NOW)
            .await
            .expect("record"),
        SessionOutcome::Invalid(SessionError::InTheFuture { .. })
    ));
    assert_eq!(
        store.count_audit().await.expect("audit"),
        audit_before,
        "refusals leave no trace"
    );
    let accepted = referral(&world, "Marcel", &[ReferralEvent::Accept]).await;
    let audit_after_marcel = store.count_audit().await.expect("audit");
    assert_eq!(
        store
            .record_session(&library, accepted, &individual("2026-11-16"), NOW)
            .await
            .expect("record"),
        SessionOutcome::NotInProgress {
            referral_id: accepted,
            state: ReferralState::Accepted
        }
    );
    // A workshop with one referral in progress and one not: all or nothing.
    assert_eq!(
        store
            .record_collective_session(
                &library,
                &[id, accepted],
                &workshop("2026-11-16", 4, 2),
                NOW
            )
            .await
            .expect("record"),
        SessionOutcome::NotInProgress {
            referral_id: accepted,
            state: ReferralState::Accepted
        }
    );

    assert_eq!(sessions_in_november(&world, world.library).await, 0);
    assert_eq!(sessions_in_november(&world, world.segre).await, 0);
    assert_eq!(
        state_and_version(&world, id).await,
        (ReferralState::FirstContact, 3),
        "not moved to pathway by the workshop that failed"
    );
    assert_eq!(
        store.count_audit().await.expect("audit") - audit_after_marcel,
        1,
        "only the read of state_and_version above (the empty lists audit nothing)"
    );
}

fn sent_to_france_services() -> Closing {
    Closing {
        outcome: ClosingOutcome::SentElsewhere,
        gains: Gains {
            rights: [RightKind::ActivityBonus, RightKind::SolidarityHealthCover].into(),
            money: Some(MoneyBracket::From150To300),
            job_or_training: true,
        },
        sent_elsewhere: Some(SentElsewhere {
            kind: RedirectStructure::ProcedureHelp,
            name: Some(" France Services de Segré ".into()),
        }),
    }
}

#[tokio::test]
async fn closing_with_gains_stores_the_outcome_with_the_transition() {
    let world = world().await;
    let store = &world.store;
    let library = actor(world.library);
    let id = referral(&world, "Josiane", AT_FIRST_CONTACT).await;
    store
        .record_session(&library, id, &individual("2026-11-16"), NOW)
        .await
        .expect("record");
    let (_, version) = state_and_version(&world, id).await;

    let closed = store
        .close_referral(
            &library,
            (id, version),
            &sent_to_france_services(),
            "Suite à France Services",
            NOW + 60,
        )
        .await
        .expect("close");
    assert_eq!(closed, CloseOutcome::Closed);
    assert_eq!(
        state_and_version(&world, id).await,
        (ReferralState::Closed, version + 1)
    );
    let history = store.referral_history(id).await.expect("history");
    let last = history.last().expect("events");
    assert_eq!(last.event, "Clôture : Orientée ailleurs");
    assert_eq!(last.comment, "Suite à France Services");

    // The prescriber sees the outcome summary.
    let stored = store
        .referral_closing(&actor(world.ccas), id, NOW)
        .await
        .expect("read")
        .expect("closed with an outcome");
    let mut expected = sent_to_france_services();
    expected.sent_elsewhere = Some(SentElsewhere {
        kind: RedirectStructure::ProcedureHelp,
        name: Some("France Services de Segré".into()),
    });
    assert_eq!(stored.closing, expected);
    assert_eq!(stored.closed_at, NOW + 60);
    assert_eq!(stored.closed_by, Some(world.library.1));
    assert_eq!(stored.closed_by_name.as_deref(), Some("Camille Martin"));
    assert_eq!(
        store
            .referral_closing(&actor(world.segre), id, NOW)
            .await
            .expect("read"),
        None
    );

    // Closed is final: a second closing is refused, and sessions can no longer be recorded.
    let again = store
        .close_referral(
            &library,
            (id, version + 1),
            &Closing {
                outcome: ClosingOutcome::Autonomous,
                gains: Gains::default(),
                sent_elsewhere: None,
            },
            "",
            NOW,
        )
        .await
        .expect("close");
    assert!(matches!(again, CloseOutcome::Refused(_)), "{again:?}");
    assert_eq!(
        store
            .record_session(&library, id, &individual("2026-11-22"), NOW)
            .await
            .expect("record"),
        SessionOutcome::NotInProgress {
            referral_id: id,
            state: ReferralState::Closed
        }
    );

    // The sender may close too (a referral that never started), without any gain.
    let other = referral(&world, "Marcel", &[ReferralEvent::Accept]).await;
    let (_, version) = state_and_version(&world, other).await;
    let by_sender = store
        .close_referral(
            &actor(world.ccas),
            (other, version),
            &Closing {
                outcome: ClosingOutcome::Unreachable,
                gains: Gains::default(),
                sent_elsewhere: None,
            },
            "",
            NOW,
        )
        .await
        .expect("close");
    assert_eq!(by_sender, CloseOutcome::Closed);
    let stored = store
        .referral_closing(&library, other, NOW)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.closing.gains, Gains::default());
    assert_eq!(stored.closing.sent_elsewhere, None);

    // Erasing the person erases their sessions and outcome with the referral.
    let (referral, _) = store
        .referral(&actor(world.ccas), id, NOW)
        .await
        .expect("read")
        .expect("visible");
    assert!(store
        .erase_person(&actor(world.ccas), referral.person_id, NOW)
        .await
        .expect("erase"));
    assert_eq!(sessions_in_november(&world, world.library).await, 0);
    assert_eq!(
        store
            .referral_closing(&actor(world.ccas), id, NOW)
            .await
            .expect("read"),
        None
    );
}

#[tokio::test]
async fn an_invalid_closing_stores_nothing() {
    let world = world().await;
    let store = &world.store;
    let library = actor(world.library);
    let id = referral(&world, "Josiane", AT_FIRST_CONTACT).await;
    let (state, version) = state_and_version(&world, id).await;
    let history = store.referral_history(id).await.expect("history").len();
    let audit = store.count_audit().await.expect("audit");

    let mut missing_place = sent_to_france_services();
    missing_place.sent_elsewhere = None;
    let mut place_without_that_outcome = sent_to_france_services();
    place_without_that_outcome.outcome = ClosingOutcome::DroppedOut;
    let cases = [
        (
            missing_place,
            version,
            library.clone(),
            CloseOutcome::Invalid(ClosingError::MissingSentElsewhere),
        ),
        (
            place_without_that_outcome,
            version,
            library.clone(),
            CloseOutcome::Invalid(ClosingError::SentElsewhereWithoutThatOutcome),
        ),
        (
            sent_to_france_services(),
            version - 1,
            library.clone(),
            CloseOutcome::StaleVersion,
        ),
        (
            sent_to_france_services(),
            version,
            actor(world.segre),
            CloseOutcome::NotFound,
        ),
    ];
    for (closing, version, who, expected) in cases {
        let result = store
            .close_referral(&who, (id, version), &closing, "", NOW)
            .await
            .expect("close");
        assert_eq!(result, expected);
    }

    assert_eq!(store.count_audit().await.expect("audit"), audit);
    assert_eq!(state_and_version(&world, id).await, (state, version));
    assert_eq!(
        store.referral_history(id).await.expect("history").len(),
        history
    );
    assert_eq!(
        store
            .referral_closing(&library, id, NOW)
            .await
            .expect("read"),
        None
    );
}

#[tokio::test]
async fn of_twenty_simultaneous_first_sessions_exactly_one_starts_the_pathway() {
    let world = world().await;
    let id = referral(&world, "Josiane", AT_FIRST_CONTACT).await;
    let library = world.library;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = world.store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .record_session(&actor(library), id, &individual("2026-11-16"), NOW)
                .await
                .expect("no database error")
        }));
    }
    let (mut started, mut recorded, mut stale) = (0, 0, 0);
    for task in tasks {
        match task.await.expect("task") {
            SessionOutcome::Recorded {
                started_pathway, ..
            } => {
                recorded += 1;
                started += started_pathway.len();
            }
            SessionOutcome::StaleVersion => stale += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(started, 1);
    assert_eq!(recorded + stale, 20);
    assert_eq!(sessions_in_november(&world, world.library).await, recorded);
    assert_eq!(
        state_and_version(&world, id).await,
        (ReferralState::InPathway, 4)
    );
}

#[tokio::test]
async fn of_ten_simultaneous_closings_exactly_one_is_written() {
    let world = world().await;
    let id = referral(&world, "Josiane", AT_FIRST_CONTACT).await;
    let (_, version) = state_and_version(&world, id).await;
    let library = world.library;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = world.store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .close_referral(
                    &actor(library),
                    (id, version),
                    &sent_to_france_services(),
                    "",
                    NOW,
                )
                .await
                .expect("no database error")
        }));
    }
    let mut closed = 0;
    for task in tasks {
        match task.await.expect("task") {
            CloseOutcome::Closed => closed += 1,
            CloseOutcome::StaleVersion | CloseOutcome::Refused(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(closed, 1);
    let history = world.store.referral_history(id).await.expect("history");
    assert_eq!(
        history
            .iter()
            .filter(|line| line.to_state == "Close")
            .count(),
        1
    );
    assert!(world
        .store
        .referral_closing(&actor(library), id, NOW)
        .await
        .expect("read")
        .is_some());
}
