//! A person's rights in storage, on whichever backend the test run names: the export gathers
//! everything held about a person (identity, consents with their texts, diagnostics with the
//! profile and the override, referrals with their events, sessions, outcome, appointments and
//! thread, the audit of who read the file) for the enrolling structure only, and is audited; a
//! correction is audited by the fields it changed, never their values; the register of requests
//! keeps the date received, the kind, the structure, who answered and when, names the person only
//! by their pseudonymous reference, stands after an erasure, and forgets an entry 12 months after
//! its answer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::calendar::{parse_iso_date, Date};
use aiguillage_domain::diagnostic::{
    profile, Answers, LiteracyLevel, ProfileOverride, RecommendedHelp, SkillAnswer, SkillDomain,
    TravelRange, Typology, Willingness,
};
use aiguillage_domain::directory::Offer;
use aiguillage_domain::ids::{OfferId, PersonId, ReferralId};
use aiguillage_domain::orientation::{transition, ClosingOutcome, ReferralEvent};
use aiguillage_domain::pathway::{
    Closing, Equipment, Gains, MoneyBracket, NewSession, ObservedAutonomy, RightKind, SessionKind,
    SessionPlace, Theme,
};
use aiguillage_domain::person::{enrolment_consent, sharing_consent, PersonDraft};
use aiguillage_domain::rights::{answer_deadline, RightsRequestKind};
use aiguillage_domain::role::Role;
use aiguillage_store::testing::actor;
use aiguillage_store::{AuditFilter, CloseOutcome, NewReferral, RegisterFilter, Store};

const NOW: i64 = 1_795_392_000; // 2026-11-23

/// The CCAS of Angers enrols and sends; the library of Saumur receives; the digital space of
/// Segré is another structure. Each is (structure, account).
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

fn draft() -> PersonDraft {
    PersonDraft {
        first_name: "Josiane".into(),
        last_name: "Le Goff".into(),
        phone: Some("0612345678".into()),
        email: None,
        no_phone: false,
        commune_code: "49007".into(),
        birth_year: Some(1951),
    }
}

fn date(text: &str) -> Date {
    parse_iso_date(text).expect("date")
}

/// Josiane, enrolled by the CCAS with a diagnostic (overridden), sent to the library, which
/// accepts, meets her, records a session and closes with gains; a message in the thread.
async fn josiane(world: &World) -> (PersonId, ReferralId) {
    let store = &world.store;
    let ccas = actor(world.ccas);
    let library = actor(world.library);
    let person = store
        .enrol_person(&ccas, &draft(), &enrolment_consent("CCAS d'Angers"), NOW)
        .await
        .expect("enrol");
    let computed = profile(&answers(), time::macros::date!(2026 - 11 - 23));
    let diagnostic = store
        .add_diagnostic(&ccas, person, &answers(), &computed, NOW)
        .await
        .expect("diagnostic")
        .expect("visible");
    let decision = ProfileOverride {
        typology: Some(Typology::NotAutonomousWilling),
        help: Some(RecommendedHelp::ActOnBehalf),
        reason: "Démarche CAF urgente cette semaine".into(),
    };
    assert!(store
        .override_diagnostic(&ccas, person, diagnostic, &decision, NOW + 10)
        .await
        .expect("override"));
    let referral = store
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
            NOW + 20,
        )
        .await
        .expect("send")
        .expect("visible person and offer");
    for event in [ReferralEvent::Accept, ReferralEvent::RecordFirstContact] {
        let (current, side) = store
            .referral(&library, referral, NOW + 30)
            .await
            .expect("read")
            .expect("visible");
        transition(current.state, &event, side).expect("allowed");
        store
            .apply_referral_event(
                &library,
                (referral, current.version),
                (side, &event),
                "",
                NOW + 30,
            )
            .await
            .expect("apply");
    }
    let session = NewSession {
        held_on: date("2026-11-20"),
        duration_minutes: 60,
        kind: SessionKind::Individual,
        place: SessionPlace::AtStructure,
        equipment: [Equipment::Phone].into(),
        themes: [Theme::Email].into(),
        autonomy: Some(ObservedAutonomy::FullyGuided),
        participants: None,
        anonymous_participants: None,
        workshop_title: None,
        workshop_level: None,
        notes: Some("Revoir la sauvegarde des photos.".into()),
    };
    store
        .record_session(&library, referral, &session, NOW + 40)
        .await
        .expect("session");
    store
        .post_referral_message(&library, referral, "Premier rendez-vous fait.", NOW + 50)
        .await
        .expect("message")
        .expect("posted");
    let (current, _) = store
        .referral(&library, referral, NOW + 60)
        .await
        .expect("read")
        .expect("visible");
    let closed = store
        .close_referral(
            &library,
            (referral, current.version),
            &Closing {
                outcome: ClosingOutcome::Autonomous,
                gains: Gains {
                    rights: [RightKind::HousingAid].into(),
                    money: Some(MoneyBracket::From50To150),
                    job_or_training: false,
                },
                sent_elsewhere: None,
            },
            "",
            NOW + 70,
        )
        .await
        .expect("close");
    assert_eq!(closed, CloseOutcome::Closed);
    (person, referral)
}

#[tokio::test]
async fn the_export_gathers_everything_for_the_enrolling_structure_only() {
    let world = world().await;
    let store = &world.store;
    let (person, referral) = josiane(&world).await;
    // The library reads the person's file: the export names it among the readers.
    store
        .person(&actor(world.library), person, NOW + 80)
        .await
        .expect("read")
        .expect("followed");
    let ccas = actor(world.ccas);
    let export = store
        .person_export(&ccas, person, NOW + 100)
        .await
        .expect("export")
        .expect("the CCAS enrolled her");
    assert_eq!(export.person.last_name, "Le Goff");
    assert_eq!(export.consents.len(), 1);
    assert!(export.consents[0].text.contains("CCAS d'Angers"));
    assert_eq!(export.diagnostics.len(), 1);
    let overridden = export.diagnostics[0].override_.as_ref().expect("override");
    assert_eq!(overridden.reason, "Démarche CAF urgente cette semaine");
    assert_eq!(export.referrals.len(), 1);
    let exported = &export.referrals[0];
    assert_eq!(exported.id, referral);
    assert_eq!(exported.sharing_consents.len(), 1);
    assert!(exported.sharing_consents[0]
        .text
        .contains("Médiathèque de Saumur"));
    assert!(exported.events.len() >= 4, "{:?}", exported.events);
    assert_eq!(exported.sessions.len(), 1);
    // The library's notes stay with the library.
    assert_eq!(exported.sessions[0].record.notes, None);
    assert!(exported.closing.is_some());
    assert_eq!(exported.messages.len(), 1);
    let library_account = world.library.1;
    assert!(export
        .audit
        .iter()
        .any(|entry| entry.actor_account_id == Some(library_account)
            && entry.record_id == format!("personne-{person}")));
    // The export itself is audited.
    let (entries, _) = store
        .search_audit(
            &AuditFilter {
                records: Some(vec![format!("personne-{person}")]),
                ..AuditFilter::default()
            },
            1,
            0,
        )
        .await
        .expect("audit");
    assert_eq!(entries[0].actor_account_id, Some(world.ccas.1));
    assert_eq!(entries[0].at, NOW + 100);

    // The following library and another structure get nothing: not found.
    for other in [world.library, world.segre] {
        assert!(store
            .person_export(&actor(other), person, NOW + 110)
            .await
            .expect("export")
            .is_none());
    }
}

#[tokio::test]
async fn a_correction_names_the_fields_changed_never_their_values() {
    let world = world().await;
    let store = &world.store;
    let ccas = actor(world.ccas);
    let person = store
        .enrol_person(&ccas, &draft(), &enrolment_consent("CCAS d'Angers"), NOW)
        .await
        .expect("enrol");
    let corrected = PersonDraft {
        last_name: "Kerbrat".into(),
        phone: Some("0698765432".into()),
        ..draft()
    };
    // Another structure changes nothing and registers nothing.
    assert!(!store
        .correct_person(
            &actor(world.segre),
            person,
            &corrected,
            Some(date("2026-11-23")),
            NOW
        )
        .await
        .expect("refused"));
    assert!(store
        .correct_person(&ccas, person, &corrected, Some(date("2026-11-23")), NOW + 5)
        .await
        .expect("corrected"));
    let (entries, _) = store
        .search_audit(&AuditFilter::default(), 100, 0)
        .await
        .expect("audit");
    let change = entries
        .iter()
        .find(|entry| entry.reason.contains("[changed:"))
        .expect("the correction's entry");
    assert!(
        change.reason.ends_with("[changed:last_name,phone]"),
        "{}",
        change.reason
    );
    let everything = format!("{entries:?}");
    for value in ["Le Goff", "0612345678", "Kerbrat", "0698765432"] {
        assert!(!everything.contains(value), "{value} in the audit");
    }
    let register = store
        .rights_register(RegisterFilter::All)
        .await
        .expect("register");
    assert_eq!(register.len(), 1);
    assert_eq!(register[0].kind, RightsRequestKind::Rectification);
    assert_eq!(register[0].answered_at, Some(NOW + 5));
    assert_eq!(register[0].handled_by.map(|a| a.get()), Some(world.ccas.1));
    // Without the person's request, the register is left alone.
    assert!(store
        .update_person(&ccas, person, &draft(), NOW + 10)
        .await
        .expect("back"));
    assert_eq!(
        store
            .rights_register(RegisterFilter::All)
            .await
            .expect("register")
            .len(),
        1
    );
}

#[tokio::test]
async fn the_register_keeps_the_deadline_and_stands_after_the_erasure() {
    let world = world().await;
    let store = &world.store;
    let ccas = actor(world.ccas);
    let person = store
        .enrol_person(&ccas, &draft(), &enrolment_consent("CCAS d'Angers"), NOW)
        .await
        .expect("enrol");
    let received = date("2026-01-31");
    assert_eq!(answer_deadline(received), date("2026-02-28"));
    // Another structure cannot register a request about her, nor answer one.
    assert!(store
        .record_rights_request(
            &actor(world.segre),
            (RightsRequestKind::Access, person),
            received,
            NOW
        )
        .await
        .expect("refused")
        .is_none());
    let access = store
        .record_rights_request(&ccas, (RightsRequestKind::Access, person), received, NOW)
        .await
        .expect("recorded")
        .expect("hers");
    let open = store
        .rights_register(RegisterFilter::Open)
        .await
        .expect("open");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].received_on, received);
    assert_eq!(open[0].person_ref, format!("personne-{person}"));
    assert_eq!(open[0].structure_name, "CCAS d'Angers");
    assert!(!store
        .answer_rights_request(&actor(world.segre), access, NOW + 1)
        .await
        .expect("refused"));
    assert!(store
        .answer_rights_request(&ccas, access, NOW + 2)
        .await
        .expect("answered"));
    assert!(!store
        .answer_rights_request(&ccas, access, NOW + 3)
        .await
        .expect("already"));
    assert!(store
        .rights_register(RegisterFilter::Open)
        .await
        .expect("open")
        .is_empty());
    assert_eq!(
        store
            .rights_requests_of_person(&ccas, person)
            .await
            .expect("hers")
            .len(),
        1
    );

    // The erasure registers itself and the register stands without her name.
    assert!(!store
        .erase_person_on_request(
            &actor(world.segre),
            (RightsRequestKind::Erasure, person),
            date("2026-11-23"),
            NOW + 10,
        )
        .await
        .expect("refused"));
    assert!(store
        .erase_person_on_request(
            &ccas,
            (RightsRequestKind::Erasure, person),
            date("2026-11-23"),
            NOW + 10,
        )
        .await
        .expect("erased"));
    assert!(store
        .person(&ccas, person, NOW + 11)
        .await
        .expect("read")
        .is_none());
    let register = store
        .rights_register(RegisterFilter::All)
        .await
        .expect("all");
    assert_eq!(register.len(), 2);
    assert_eq!(register[0].kind, RightsRequestKind::Erasure);
    assert_eq!(register[0].answered_at, Some(NOW + 10));
    let shown = format!("{register:?}");
    assert!(
        !shown.contains("Josiane") && !shown.contains("Le Goff"),
        "{shown}"
    );
    assert!(register
        .iter()
        .all(|entry| entry.person_ref == format!("personne-{person}")));

    // Twelve months after its answer an entry is forgotten; the day before, it is kept.
    let answered_day = aiguillage_domain::calendar::date_of(NOW + 2);
    let kept = store
        .purge_rights_requests(date("2027-11-22"))
        .await
        .expect("purge");
    assert_eq!(kept, 0, "answered on {answered_day}");
    let purged = store
        .purge_rights_requests(date("2027-11-25"))
        .await
        .expect("purge");
    assert_eq!(purged, 2);
}
