//! People in storage, on whichever backend the test run names: enrolment with consent, visibility
//! limited to the enrolling structure, audit of every read, possible duplicates, erasure leaving only
//! anonymous counts, and an unknown commune leaving nothing behind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::account::{DisplayName, Email, NewAccount};
use aiguillage_domain::diagnostic::{
    profile, Answers, LiteracyLevel, SkillAnswer, SkillDomain, TravelRange, Willingness,
};
use aiguillage_domain::ids::{OfferId, ReferralId};
use aiguillage_domain::person::{enrolment_consent, PersonDraft};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_store::testing::actor;
use aiguillage_store::{Actor, NewStructure, Store};

const NOW: i64 = 1_795_392_000; // 2026-11-23

struct World {
    store: Store,
    url: String,
    ccas: (i64, i64),
    library: (i64, i64),
}

async fn account(store: &Store, email: &str, structure_id: i64) -> i64 {
    store
        .create_account(
            &NewAccount {
                email: Email::parse(email).expect("email"),
                display_name: DisplayName::parse("Camille Martin").expect("name"),
                role: Role::Prescriber,
                structure_id,
                territory: TerritoryScope::Departement("49".into()),
            },
            "$argon2id$test",
            NOW,
        )
        .await
        .expect("account")
}

async fn world() -> World {
    let (store, url) = crate::support::store_of_maine_et_loire().await;
    let mut ids = Vec::new();
    for (name, email) in [
        ("CCAS d'Angers", "ccas@example.fr"),
        ("Médiathèque de Saumur", "mediatheque@example.fr"),
    ] {
        let structure = store
            .ensure_structure(
                &NewStructure {
                    name: name.into(),
                    kind: "test".into(),
                    commune_code: "49007".into(),
                },
                NOW,
            )
            .await
            .expect("structure");
        ids.push((structure, account(&store, email, structure).await));
    }
    World {
        store,
        url,
        ccas: ids[0],
        library: ids[1],
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

#[tokio::test]
async fn a_person_is_seen_only_by_their_structure_and_every_read_is_audited() {
    let world = world().await;
    let store = &world.store;
    let ccas = actor(world.ccas);
    let consent = enrolment_consent("CCAS d'Angers");
    let id = store
        .enrol_person(&ccas, &draft(), &consent, NOW)
        .await
        .expect("enrol");

    // A later access (a minute on): the enrolment's own request would be the same access.
    let seen = store.person(&ccas, id, NOW + 60).await.expect("read");
    let seen = seen.expect("visible to the enrolling structure");
    assert_eq!(seen.commune_name, "Angers");
    let consents = store.consents_of(&ccas, id).await.expect("consents");
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].text, consent.text);
    assert_eq!(consents[0].text_version, consent.version);

    let library = actor(world.library);
    assert_eq!(store.person(&library, id, NOW).await.expect("read"), None);
    assert!(store.consents_of(&library, id).await.expect("c").is_empty());
    assert!(store
        .search_people(&library, "goff", 10, NOW)
        .await
        .expect("search")
        .is_empty());
    let stranger_diagnostic = store
        .add_diagnostic(
            &library,
            id,
            &answers(),
            &profile(&answers(), time::macros::date!(2026 - 11 - 23)),
            NOW,
        )
        .await
        .expect("add");
    assert_eq!(stranger_diagnostic, None);
    assert!(!store.erase_person(&library, id, NOW).await.expect("erase"));

    let journal = store.list_audit(50, 0).await.expect("audit");
    let about_person: Vec<_> = journal
        .iter()
        .filter(|entry| entry.record_id == format!("personne-{id}"))
        .map(|entry| (entry.action.code(), entry.actor_account_id))
        .collect();
    assert_eq!(
        about_person,
        vec![("read", Some(world.ccas.1)), ("create", Some(world.ccas.1))],
        "newest first: one read by the CCAS after the creation, nothing for the library"
    );
    assert!(journal
        .iter()
        .all(|entry| !entry.record_id.contains("Goff")));
}

#[tokio::test]
async fn a_namesake_in_the_same_commune_is_a_possible_duplicate() {
    let world = world().await;
    let store = &world.store;
    let ccas = actor(world.ccas);
    let consent = enrolment_consent("CCAS");
    store
        .enrol_person(&ccas, &draft(), &consent, NOW)
        .await
        .expect("enrol");
    let mut same = draft();
    same.first_name = "JOSIANE".into();
    same.last_name = "le goff".into();
    assert_eq!(
        store
            .possible_duplicates(&ccas, &same, NOW)
            .await
            .expect("dup")
            .len(),
        1
    );
    same.birth_year = Some(1980);
    assert!(store
        .possible_duplicates(&ccas, &same, NOW)
        .await
        .expect("dup")
        .is_empty());
    assert!(store
        .possible_duplicates(&actor(world.library), &draft(), NOW)
        .await
        .expect("dup")
        .is_empty());
}

#[tokio::test]
async fn erasure_deletes_everything_and_leaves_anonymous_counts() {
    let world = world().await;
    let store = &world.store;
    let ccas = actor(world.ccas);
    let id = store
        .enrol_person(&ccas, &draft(), &enrolment_consent("CCAS"), NOW)
        .await
        .expect("enrol");
    let today = time::macros::date!(2026 - 11 - 23);
    let computed = profile(&answers(), today);
    store
        .add_diagnostic(&ccas, id, &answers(), &computed, NOW)
        .await
        .expect("diagnostic")
        .expect("visible");
    let before = store.personal_row_counts().await.expect("counts");
    assert_eq!(
        (before.people, before.consents, before.diagnostics),
        (1, 1, 1)
    );

    assert!(store.erase_person(&ccas, id, NOW).await.expect("erase"));
    let after = store.personal_row_counts().await.expect("counts");
    assert_eq!((after.people, after.consents, after.diagnostics), (0, 0, 0));
    assert_eq!(store.person(&ccas, id, NOW).await.expect("read"), None);
    let counts = store.anonymous_counts().await.expect("anonymous");
    assert_eq!(
        counts,
        vec![
            (
                "2026-11".to_owned(),
                format!("diagnostic_efface:{}", computed.typology.code()),
                1
            ),
            ("2026-11".to_owned(), "personne_effacee".to_owned(), 1),
        ]
    );
}

#[tokio::test]
async fn an_unknown_commune_leaves_nothing_written() {
    let world = world().await;
    let store = &world.store;
    let mut bad = draft();
    bad.commune_code = "99999".into();
    let error = store
        .enrol_person(&actor(world.ccas), &bad, &enrolment_consent("CCAS"), NOW)
        .await
        .expect_err("unknown commune");
    assert!(error.to_string().contains("99999"));
    let counts = store.personal_row_counts().await.expect("counts");
    assert_eq!((counts.people, counts.consents), (0, 0));
    assert_eq!(store.count_audit().await.expect("audit"), 0);
}

mod referrals {
    use super::*;
    use aiguillage_domain::directory::Offer;
    use aiguillage_domain::orientation::{ReferralEvent, ReferralState, Side};
    use aiguillage_domain::person::sharing_consent;
    use aiguillage_store::{Applied, NewReferral};

    /// A referral from the CCAS to an offer of the library, sent; returns its id.
    async fn sent_referral(world: &World) -> ReferralId {
        let store = &world.store;
        let ccas = actor(world.ccas);
        let person = store
            .enrol_person(&ccas, &draft(), &enrolment_consent("CCAS"), NOW)
            .await
            .expect("enrol");
        let offer = Offer {
            name: "Ateliers premiers pas".into(),
            ..Offer::default()
        };
        let offer_id = store
            .save_offer(
                world.library.0,
                None,
                &offer,
                None,
                aiguillage_store::PlaceRights::Everything,
                NOW,
            )
            .await
            .expect("offer");
        let computed = profile(&answers(), time::macros::date!(2026 - 11 - 23));
        let consent = sharing_consent("Médiathèque de Saumur", "Ateliers premiers pas");
        store
            .send_referral(
                &ccas,
                &NewReferral {
                    person_id: person,
                    offer_id: OfferId::new(offer_id),
                    profile: &computed,
                    message: "Mme Le Goff souhaite apprendre.",
                    consent: &consent,
                    why_again: "",
                    appointment: None,
                },
                NOW,
            )
            .await
            .expect("send")
            .expect("visible person and offer")
    }

    /// The receiving structure follows the person from its acceptance until 90 days after the
    /// end: it reads the file and the diagnostics, adds one, but neither erases nor sees the
    /// consents; before acceptance and after those 90 days, the person is "not found" for it.
    #[tokio::test]
    async fn the_receiver_follows_the_person_from_acceptance_to_ninety_days_after_the_end() {
        use aiguillage_domain::orientation::ClosingOutcome;
        let world = world().await;
        let id = sent_referral(&world).await;
        let store = &world.store;
        let (library, ccas) = (actor(world.library), actor(world.ccas));
        let person = store
            .referral(&ccas, id, NOW)
            .await
            .expect("read")
            .expect("sent")
            .0
            .person_id;
        let computed = profile(&answers(), time::macros::date!(2026 - 11 - 23));
        let reaches = |at: i64| {
            let library = library.clone();
            async move {
                store
                    .person(&library, person, at)
                    .await
                    .expect("read")
                    .is_some()
            }
        };
        assert!(!reaches(NOW).await, "sent, not accepted yet");
        let accept = (Side::Receiver, &ReferralEvent::Accept);
        let applied = store
            .apply_referral_event(&library, (id, 1), accept, "", NOW)
            .await
            .expect("accept");
        assert!(applied.is_done(), "{applied:?}");
        assert!(
            reaches(NOW).await,
            "accepted: the library follows the person"
        );
        let listed = store
            .search_people(&library, "goff", 10, NOW)
            .await
            .expect("search");
        assert_eq!(listed.len(), 1);
        assert!(store
            .consents_of(&library, person)
            .await
            .expect("consents")
            .is_empty());
        let added = store
            .add_diagnostic(&library, person, &answers(), &computed, NOW)
            .await
            .expect("add");
        assert!(added.is_some(), "the follower re-runs the diagnostic");
        let seen_by_sender = store
            .diagnostics_of(&ccas, person, NOW)
            .await
            .expect("diagnostics");
        assert_eq!(seen_by_sender.len(), 1, "the sender sees it too");
        assert!(!store
            .erase_person(&library, person, NOW)
            .await
            .expect("erase"));
        assert!(store
            .person(&ccas, person, NOW)
            .await
            .expect("read")
            .is_some());

        let close = ReferralEvent::Close {
            outcome: ClosingOutcome::Unreachable,
        };
        let closed = store
            .apply_referral_event(&library, (id, 2), (Side::Receiver, &close), "", NOW)
            .await
            .expect("close");
        assert!(closed.is_done(), "{closed:?}");
        let day = 86_400;
        assert!(
            reaches(NOW + 89 * day).await,
            "still within 90 days of the end"
        );
        assert!(!reaches(NOW + 91 * day).await, "90 days after the end");
        assert!(store
            .diagnostics_of(&library, person, NOW + 91 * day)
            .await
            .expect("diagnostics")
            .is_empty());
        assert!(store
            .person(&ccas, person, NOW + 91 * day)
            .await
            .expect("read")
            .is_some());
    }

    #[tokio::test]
    async fn both_sides_see_the_referral_and_strangers_do_not() {
        let world = world().await;
        let id = sent_referral(&world).await;
        let (seen, side) = world
            .store
            .referral(&actor(world.library), id, NOW)
            .await
            .expect("read")
            .expect("the receiver sees it");
        assert_eq!(side, Side::Receiver);
        assert_eq!(seen.state, ReferralState::Sent);
        assert_eq!(seen.last_name, "Le Goff");
        let (_, side) = world
            .store
            .referral(&actor(world.ccas), id, NOW)
            .await
            .expect("read")
            .expect("the sender sees it");
        assert_eq!(side, Side::Sender);
        let inbox = world
            .store
            .referrals_of_structure(&actor(world.library), true, NOW)
            .await
            .expect("inbox");
        assert_eq!(inbox.len(), 1);
        let history = world.store.referral_history(id).await.expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].to_state, "Envoyée");
    }

    /// The person's file lists their referrals for the enrolling structure, and the received ones
    /// for the receiving structure; a correction of
    /// identity and contact is written for that structure only, audited, and seen through the
    /// referral by the receiving side.
    #[tokio::test]
    async fn the_enrolling_structure_lists_and_corrects_its_person_and_no_one_else() {
        let world = world().await;
        let id = sent_referral(&world).await;
        let store = &world.store;
        let (ccas, library) = (actor(world.ccas), actor(world.library));
        let (seen, _) = store.referral(&ccas, id, NOW).await.unwrap().unwrap();
        let person = seen.person_id;
        let listed = store.referrals_of_person(&ccas, person, NOW).await.unwrap();
        assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
        let received = store
            .referrals_of_person(&library, person, NOW)
            .await
            .unwrap();
        assert_eq!(
            received.iter().map(|r| r.id).collect::<Vec<_>>(),
            [id],
            "the receiving structure lists the one it receives"
        );
        let corrected = PersonDraft {
            phone: Some("0798765432".into()),
            email: Some("josiane@example.fr".into()),
            ..draft()
        };
        assert!(
            !store
                .update_person(&library, person, &corrected, NOW)
                .await
                .unwrap(),
            "another structure changes nothing"
        );
        let (before, _) = store.referral(&library, id, NOW).await.unwrap().unwrap();
        assert_ne!(before.email.as_deref(), Some("josiane@example.fr"));
        let audited = store.count_audit().await.unwrap();
        assert!(store
            .update_person(&ccas, person, &corrected, NOW)
            .await
            .unwrap());
        assert_eq!(store.count_audit().await.unwrap(), audited + 1, "audited");
        let (after, _) = store.referral(&library, id, NOW).await.unwrap().unwrap();
        assert_eq!(after.email.as_deref(), Some("josiane@example.fr"));
        assert_eq!(after.phone.as_deref(), Some("0798765432"));
        let unknown = PersonDraft {
            commune_code: "99999".into(),
            ..corrected.clone()
        };
        assert!(store
            .update_person(&ccas, person, &unknown, NOW)
            .await
            .is_err());
        let (kept, _) = store.referral(&ccas, id, NOW).await.unwrap().unwrap();
        assert_eq!(
            kept.commune_name, "Angers",
            "an unknown commune writes nothing"
        );
    }

    /// The receiving structure's manager gives a referral to one of its active mediators, and only
    /// that: not to another structure's account, not as another structure.
    #[tokio::test]
    async fn a_received_referral_goes_to_one_of_the_structures_mediators_only() {
        let world = world().await;
        let id = sent_referral(&world).await;
        let store = &world.store;
        let (ccas, library) = (actor(world.ccas), actor(world.library));
        let mediator = store
            .create_account(
                &NewAccount {
                    email: Email::parse("mediatrice@example.fr").unwrap(),
                    display_name: DisplayName::parse("Inès Robert").unwrap(),
                    role: Role::Mediator,
                    structure_id: world.library.0,
                    territory: TerritoryScope::Departement("49".into()),
                },
                "$argon2id$test",
                NOW,
            )
            .await
            .unwrap();
        let mediator = aiguillage_domain::ids::AccountId::new(mediator);
        let stranger = aiguillage_domain::ids::AccountId::new(world.ccas.1);
        assert!(!store
            .assign_referral(&library, id, Some(stranger), NOW)
            .await
            .unwrap());
        assert!(!store
            .assign_referral(&ccas, id, Some(mediator), NOW)
            .await
            .unwrap());
        let (seen, _) = store.referral(&library, id, NOW).await.unwrap().unwrap();
        assert_eq!(seen.assigned_account_id, None, "nothing written");
        assert!(store
            .assign_referral(&library, id, Some(mediator), NOW)
            .await
            .unwrap());
        let (seen, _) = store.referral(&library, id, NOW).await.unwrap().unwrap();
        assert_eq!(seen.assigned_account_id, Some(mediator));
        assert_eq!(seen.assigned_name.as_deref(), Some("Inès Robert"));
        assert!(store
            .assign_referral(&library, id, None, NOW)
            .await
            .unwrap());
        let (seen, _) = store.referral(&library, id, NOW).await.unwrap().unwrap();
        assert_eq!(
            seen.assigned_account_id, None,
            "back to the whole structure"
        );
    }

    /// One store call reads the state, asks the state machine and writes, or says why not (the
    /// state machine's French message, or someone acting first) and writes nothing.
    #[tokio::test]
    async fn one_call_applies_an_event_or_says_why_not() {
        let world = world().await;
        let id = sent_referral(&world).await;
        let store = &world.store;
        let (receiver, sender) = (actor(world.library), actor(world.ccas));
        let audit = store.count_audit().await.expect("audit");
        let apply = |who: Actor<'static>, version: i64, side: Side| async move {
            store
                .apply_referral_event(&who, (id, version), (side, &ReferralEvent::Accept), "", NOW)
                .await
                .expect("apply")
        };
        let refused = apply(sender.clone(), 1, Side::Sender).await;
        let Applied::Refused(error) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(
            error.to_string(),
            "Acceptation : réservé à la structure destinataire."
        );
        assert_eq!(
            apply(receiver.clone(), 0, Side::Receiver).await,
            Applied::StaleVersion
        );
        assert_eq!(store.count_audit().await.expect("audit"), audit);
        assert_eq!(store.referral_history(id).await.expect("history").len(), 1);
        assert_eq!(
            apply(receiver.clone(), 1, Side::Receiver).await,
            Applied::Done {
                from: ReferralState::Sent,
                to: ReferralState::Accepted
            }
        );
        let again = apply(receiver.clone(), 2, Side::Receiver).await;
        let Applied::Refused(error) = again else {
            panic!("{again:?}")
        };
        assert_eq!(
            error.to_string(),
            "Impossible depuis l'état « Acceptée » : acceptation."
        );
        let (after, _) = store
            .referral(&receiver, id, NOW)
            .await
            .expect("read")
            .expect("visible");
        assert_eq!((after.state, after.version), (ReferralState::Accepted, 2));
        assert_eq!(store.referral_history(id).await.expect("history").len(), 2);
        assert_eq!(
            store.count_audit().await.expect("audit"),
            audit + 1,
            "the change; the read just after it, by the same actor for the same reason, is that access"
        );
    }

    #[tokio::test]
    async fn of_fifty_simultaneous_accepts_exactly_one_wins() {
        let world = world().await;
        let id = sent_referral(&world).await;
        let library = world.library;
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let store = world.store.clone();
            tasks.push(tokio::spawn(async move {
                let receiver = actor(library);
                let (referral, side) = store
                    .referral(&receiver, id, NOW)
                    .await
                    .expect("read")
                    .expect("visible");
                let applied = store
                    .apply_referral_event(
                        &receiver,
                        (id, referral.version),
                        (side, &ReferralEvent::Accept),
                        "",
                        NOW,
                    )
                    .await
                    .expect("apply");
                match applied {
                    Applied::Done { from, to } => {
                        assert_eq!((from, to), (ReferralState::Sent, ReferralState::Accepted));
                        true
                    }
                    Applied::StaleVersion | Applied::Refused(_) => false,
                }
            }));
        }
        let mut wins = 0;
        for task in tasks {
            if task.await.expect("task") {
                wins += 1;
            }
        }
        assert_eq!(wins, 1);
        let history = world.store.referral_history(id).await.expect("history");
        assert_eq!(history.len(), 2, "sent, then one acceptance");
        let (after, _) = world
            .store
            .referral(&actor(world.library), id, NOW)
            .await
            .expect("read")
            .expect("visible");
        assert_eq!((after.state, after.version), (ReferralState::Accepted, 2));
    }

    #[tokio::test]
    async fn erasing_the_person_erases_their_referrals() {
        let world = world().await;
        let id = sent_referral(&world).await;
        let (referral, _) = world
            .store
            .referral(&actor(world.ccas), id, NOW)
            .await
            .expect("read")
            .expect("visible");
        assert!(world
            .store
            .erase_person(&actor(world.ccas), referral.person_id, NOW)
            .await
            .expect("erase"));
        assert!(world
            .store
            .referral(&actor(world.library), id, NOW)
            .await
            .expect("read")
            .is_none());
    }
}

#[tokio::test]
async fn a_commune_takes_its_epci_settings_before_its_departements() {
    use aiguillage_domain::orientation::{TargetDelays, Weights};
    let world = world().await;
    let store = &world.store;
    let default = store.settings_for_commune("49007").await.expect("settings");
    assert_eq!(default, (TargetDelays::default(), Weights::default()));
    let departement_weights = Weights {
        distance: 9.0,
        ..Weights::default()
    };
    let delays = TargetDelays {
        answer_days: 3,
        first_contact_days: 7,
    };
    store
        .save_territory_settings(
            &TerritoryScope::Departement("49".into()),
            (&delays, &departement_weights),
            world.ccas.1,
            NOW,
        )
        .await
        .expect("save");
    let (_, weights) = store.settings_for_commune("49007").await.expect("settings");
    assert_eq!(weights.distance, 9.0, "the département's");
    // Angers Loire Métropole (SIREN 244900015) sets its own.
    let epci_weights = Weights {
        distance: 1.0,
        needs: 8.0,
        ..Weights::default()
    };
    store
        .save_territory_settings(
            &TerritoryScope::Epci("244900015".into()),
            (&delays, &epci_weights),
            world.ccas.1,
            NOW,
        )
        .await
        .expect("save");
    let (_, weights) = store.settings_for_commune("49007").await.expect("settings");
    assert_eq!(weights, epci_weights, "the EPCI's first");
    let (_, saumur) = store.settings_for_commune("49328").await.expect("settings");
    assert_eq!(saumur.distance, 9.0, "Saumur is outside that EPCI");
    let unknown = store.settings_for_commune("99999").await.expect("settings");
    assert_eq!(unknown.1, Weights::default());
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[tokio::test]
async fn an_erased_person_leaves_no_trace_in_the_sqlite_file_nor_its_wal() {
    let world = world().await;
    let Some(path) = world.url.strip_prefix("sqlite://") else {
        return; // PostgreSQL: the server's own files are out of the store's hands.
    };
    let ccas = actor(world.ccas);
    let person = PersonDraft {
        first_name: "Ermengarde".into(),
        last_name: "Zorglubovitch".into(),
        phone: Some("0698765432".into()),
        ..draft()
    };
    let id = world
        .store
        .enrol_person(&ccas, &person, &enrolment_consent("CCAS"), NOW)
        .await
        .expect("enrol");
    let wal = format!("{path}-wal");
    let written = [std::fs::read(path), std::fs::read(&wal)]
        .into_iter()
        .flatten()
        .any(|bytes| contains(&bytes, "Zorglubovitch"));
    assert!(written, "the name was written somewhere before erasure");
    assert!(world
        .store
        .erase_person(&ccas, id, NOW)
        .await
        .expect("erase"));
    for file in [path.to_owned(), wal] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for trace in ["Zorglubovitch", "Ermengarde", "0698765432"] {
            assert!(!contains(&bytes, trace), "{trace} left in {file}");
        }
    }
}
