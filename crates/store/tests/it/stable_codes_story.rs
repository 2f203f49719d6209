//! Stable codes in the database, on whichever backend the test run names: what the store writes
//! holds codes, never French labels (read raw, column by column, JSON documents included), while the
//! pages still get the French history; a database written with labels before migration 0018 is
//! converted by it (and its JSON documents by the store right after), and reads as before; and the
//! migration maps every label of every stored enumeration to its code, so that labels may change
//! from now on without touching data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::support::{store_of_maine_et_loire, structure_with_account};
use aiguillage_domain::diagnostic::{
    profile, Answers, AutonomyLevel, LiteracyLevel, ProfileOverride, PublicProfile,
    RecommendedHelp, SkillAnswer, SkillDomain, TravelRange, Typology, Willingness,
};
use aiguillage_domain::directory::{
    HelpKind, HelpStyle, InterventionLevel, Offer, OfferStatus, SupportModel,
};
use aiguillage_domain::ids::{OfferId, PersonId, ReferralId};
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::orientation::{
    transition, ClosingOutcome, ReferralEvent, ReferralState, RefusalReason,
};
use aiguillage_domain::pathway::{Closing, Gains};
use aiguillage_domain::person::{
    contact_request_consent, enrolment_consent, sharing_consent, PersonDraft,
};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_store::testing::actor;
use aiguillage_store::testing::{connect_test_store, fresh_database_url};
use aiguillage_store::{
    Applied, CloseOutcome, NewContactRequest, NewReferral, RequestViewer, Store,
};
use sqlx::{AnyPool, Row};
use std::collections::BTreeMap;
use std::path::Path;

const NOW: i64 = 1_795_392_000; // 2026-11-23
const DAY: i64 = 86_400;

fn today() -> time::Date {
    time::macros::date!(2026 - 11 - 23)
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

async fn raw_pool(url: &str) -> AnyPool {
    AnyPool::connect(url).await.expect("raw connection")
}

/// The rows of a one-column query, as text (NULL as `None`).
async fn column(pool: &AnyPool, sql: &str) -> Vec<Option<String>> {
    sqlx::query(sql)
        .fetch_all(pool)
        .await
        .expect(sql)
        .iter()
        .map(|row| row.try_get(0).expect("text column"))
        .collect()
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some((*v).to_owned())).collect()
}

/// The CCAS of Angers prescribes; the library of Saumur receives, with two offers.
struct World {
    store: Store,
    url: String,
    ccas: (i64, i64),
    library: (i64, i64),
    offers: (i64, i64),
}

async fn world() -> World {
    let (store, url) = store_of_maine_et_loire().await;
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
        ids.push(structure_with_account(&store, (name, commune), (email, role), NOW).await);
    }
    let mut offers = Vec::new();
    for name in ["Ateliers premiers pas", "Permanence démarches"] {
        let offer = Offer {
            name: name.into(),
            ..Offer::default()
        };
        offers.push(
            store
                .save_offer(
                    ids[1].0,
                    None,
                    &offer,
                    None,
                    aiguillage_store::PlaceRights::Everything,
                    NOW,
                )
                .await
                .expect("offer"),
        );
    }
    World {
        store,
        url,
        ccas: ids[0],
        library: ids[1],
        offers: (offers[0], offers[1]),
    }
}

impl World {
    /// Applies `event` as `who` sees the referral.
    async fn step(&self, who: (i64, i64), id: ReferralId, event: ReferralEvent, at: i64) {
        let (current, side) = self
            .store
            .referral(&actor(who), id, at)
            .await
            .expect("read")
            .expect("visible");
        let to = transition(current.state, &event, side).expect("allowed");
        let applied = self
            .store
            .apply_referral_event(&actor(who), (id, current.version), (side, &event), "", at)
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
}

#[tokio::test]
async fn the_database_holds_codes_and_the_pages_french() {
    let world = world().await;
    let store = &world.store;
    let ccas = actor(world.ccas);
    let person = store
        .enrol_person(
            &ccas,
            &PersonDraft {
                first_name: "Josiane".into(),
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
    let computed = profile(&answers(), today());
    let diagnostic = store
        .add_diagnostic(&ccas, person, &answers(), &computed, NOW)
        .await
        .expect("diagnostic")
        .expect("visible");
    let other_typology = Typology::ALL
        .iter()
        .copied()
        .find(|t| *t != computed.typology)
        .expect("another typology");
    let decision = ProfileOverride {
        typology: Some(other_typology),
        help: Some(RecommendedHelp::ActOnBehalf),
        reason: "Vue en entretien".into(),
    };
    assert!(store
        .override_diagnostic(&ccas, person, diagnostic, &decision, NOW)
        .await
        .expect("override"));
    store
        .set_support_model(world.library.0, Some(SupportModel::PlaceOfKnowledge))
        .await
        .expect("support model");
    let id = store
        .send_referral(
            &ccas,
            &NewReferral {
                person_id: person,
                offer_id: OfferId::new(world.offers.0),
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
    let pool = raw_pool(&world.url).await;
    assert_eq!(
        column(&pool, "SELECT state FROM referrals").await,
        some(&["sent"])
    );
    let refuse = ReferralEvent::Refuse {
        reason: RefusalReason::NoCapacity,
    };
    world.step(world.library, id, refuse, NOW + 1).await;
    let redirect = ReferralEvent::Redirect {
        offer_id: world.offers.1,
    };
    world.step(world.ccas, id, redirect, NOW + 2).await;
    world
        .step(world.library, id, ReferralEvent::Accept, NOW + 3)
        .await;
    let (current, _) = store
        .referral(&actor(world.library), id, NOW + 4)
        .await
        .expect("read")
        .expect("visible");
    let closing = Closing {
        outcome: ClosingOutcome::Autonomous,
        gains: Gains::default(),
        sent_elsewhere: None,
    };
    let closed = store
        .close_referral(
            &actor(world.library),
            (id, current.version),
            &closing,
            "",
            NOW + 4,
        )
        .await
        .expect("close");
    assert_eq!(closed, CloseOutcome::Closed);
    store
        .add_contact_request(
            &NewContactRequest {
                first_name: "Marcel",
                phone: Some("0241000000"),
                email: None,
                commune_code: "49007",
                answers: &answers(),
                profile: &computed,
                consent: &contact_request_consent(),
            },
            NOW,
        )
        .await
        .expect("request");

    // What the database holds: codes.
    assert_eq!(
        column(&pool, "SELECT state FROM referrals").await,
        some(&["closed"])
    );
    let events = sqlx::query(
        "SELECT event, refusal_reason, outcome, from_state, to_state FROM referral_events ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("events");
    let events: Vec<[Option<String>; 5]> = events
        .iter()
        .map(|row| std::array::from_fn(|i| row.try_get(i).expect("text")))
        .collect();
    let expected: Vec<[Option<String>; 5]> = [
        ["send", "", "", "draft", "sent"],
        ["refuse", "no_capacity", "", "sent", "refused"],
        ["redirect", "", "", "refused", "redirected"],
        ["accept", "", "", "redirected", "accepted"],
        ["close", "", "autonomous", "accepted", "closed"],
    ]
    .iter()
    .map(|row| row.map(|v| (!v.is_empty()).then(|| v.to_owned())))
    .collect();
    assert_eq!(events, expected);
    assert_eq!(
        column(&pool, "SELECT outcome FROM referral_outcomes").await,
        some(&["autonomous"])
    );
    let diagnostics = sqlx::query(
        "SELECT typology, overall, first_help, override_typology, override_help, answers_json, profile_json
         FROM diagnostics",
    )
    .fetch_one(&pool)
    .await
    .expect("diagnostic row");
    let text = |i: usize| -> String { diagnostics.try_get(i).expect("text") };
    assert_eq!(
        [text(0), text(1), text(2), text(3), text(4)],
        [
            computed.typology.code(),
            computed.overall.code(),
            computed.first_help().code(),
            other_typology.code(),
            "act_on_behalf",
        ]
    );
    assert!(text(5).contains(r#""willingness":"yes""#), "{}", text(5));
    assert!(
        text(6).contains(&format!(r#""typology":"{}""#, computed.typology.code())),
        "{}",
        text(6)
    );
    let referral_profile = column(&pool, "SELECT profile_json FROM referrals").await;
    assert_eq!(referral_profile, vec![Some(text(6))]);
    let request = sqlx::query("SELECT typology, first_help, answers_json FROM contact_requests")
        .fetch_one(&pool)
        .await
        .expect("request row");
    assert_eq!(
        request.try_get::<String, _>(0).expect("typology"),
        computed.typology.code()
    );
    assert_eq!(
        request.try_get::<String, _>(1).expect("help"),
        computed.first_help().code()
    );
    assert_eq!(request.try_get::<String, _>(2).expect("answers"), text(5));
    assert_eq!(
        column(
            &pool,
            "SELECT support_model FROM structures WHERE support_model IS NOT NULL"
        )
        .await,
        some(&["place_of_knowledge"])
    );
    // No French label anywhere in what was written.
    for value in events.iter().flatten().flatten() {
        assert!(value.is_ascii(), "{value}");
    }

    // What people read: French, as before.
    let history = store.referral_history(id).await.expect("history");
    let lines: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|l| (l.event.as_str(), l.from_state.as_str(), l.to_state.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("Envoi", "Brouillon", "Envoyée"),
            ("Refus : Plus de place disponible", "Envoyée", "Refusée"),
            (
                "Réorientation vers une autre offre",
                "Refusée",
                "Réorientée"
            ),
            ("Acceptation", "Réorientée", "Acceptée"),
            ("Clôture : Autonomie atteinte", "Acceptée", "Close"),
        ]
    );
    let requests = store
        .contact_requests_in(
            &TerritoryScope::Departement("49".into()),
            RequestViewer::Coordinator,
            NOW,
        )
        .await
        .expect("requests");
    assert_eq!(requests[0].typology, computed.typology.label());
    assert_eq!(requests[0].first_help, computed.first_help().label());
    let stored = store
        .diagnostics_of(&ccas, person, NOW)
        .await
        .expect("read");
    assert_eq!(stored[0].profile, computed);
    assert_eq!(stored[0].override_.as_ref(), Some(&decision));

    // The indicators read the refusal's reason and the closing's outcome from their columns.
    let load = store
        .indicator_dataset(NOW + 5, &BTreeMap::new())
        .await
        .expect("indicators");
    let referral = &load.dataset.referrals().next().expect("a referral");
    assert_eq!(
        referral
            .refusals
            .iter()
            .map(|r| r.reason)
            .collect::<Vec<_>>(),
        [RefusalReason::NoCapacity]
    );
    assert_eq!(referral.outcome, Some(ClosingOutcome::Autonomous));

    // An erased diagnostic is counted under its typology's code.
    assert!(store
        .erase_person(&ccas, person, NOW + 6)
        .await
        .expect("erase"));
    let counts = store.anonymous_counts().await.expect("counts");
    assert!(
        counts
            .iter()
            .any(|(_, fact, _)| *fact == format!("diagnostic_efface:{}", computed.typology.code())),
        "{counts:?}"
    );
}

/// A new database with the migrations before 0018 only (copied into a folder of their own).
async fn database_before_codes() -> (String, AnyPool) {
    let url = fresh_database_url().await.expect("url");
    let backend = if url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    let name = url
        .rsplit(['/', '\\'])
        .next()
        .expect("database name")
        .replace('.', "_");
    let folder = std::env::temp_dir().join(format!("{name}-migrations-before-0018"));
    std::fs::create_dir_all(&folder).expect("folder");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(&source).expect("migrations") {
        let path = entry.expect("entry").path();
        let file = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        if file.as_str() < "0018" {
            std::fs::copy(&path, folder.join(&file)).expect("copy");
        }
    }
    let connect_url = if backend == "sqlite" {
        format!("{url}?mode=rwc")
    } else {
        url.clone()
    };
    let pool = raw_pool(&connect_url).await;
    let migrator = sqlx::migrate::Migrator::new(folder.as_path())
        .await
        .expect("migrator");
    assert_eq!(migrator.iter().count(), 14, "0001 to 0017");
    migrator.run(&pool).await.expect("migrate to 0017");
    std::fs::remove_dir_all(&folder).expect("clean");
    (url, pool)
}

/// Runs `sql` with text or integer parameters and gives the `RETURNING id`, if any.
async fn insert(pool: &AnyPool, sql: &str, params: &[Param<'_>]) -> i64 {
    let mut query = sqlx::query(sql);
    for param in params {
        query = match param {
            Param::Int(value) => query.bind(*value),
            Param::Text(value) => query.bind(*value),
            Param::Null => query.bind(None::<String>),
        };
    }
    if sql.contains("RETURNING") {
        query
            .fetch_one(pool)
            .await
            .expect(sql)
            .try_get("id")
            .expect("id")
    } else {
        query.execute(pool).await.expect(sql);
        0
    }
}

enum Param<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

use Param::{Int, Null, Text};

/// A diagnostic's answers as written before 0018: labels.
const ANSWERS_WITH_LABELS: &str = r#"{"equipment":["Un smartphone"],"skills":[["Utiliser un appareil","Avec de l'aide"],["Chercher une information","Seul"]],"detailed":[],"french_reading":"À l'aise","french_writing":"Avec difficulté","languages":["Français"],"support_needs":[],"travel_range":"Jusqu'à 5 km","travel_modes":["À pied"],"accepts_remote":false,"availability":["Le samedi"],"willingness":"Oui","levers":["Emploi"],"urgency":null,"notes":null}"#;

#[tokio::test]
async fn a_database_written_with_labels_is_converted_and_reads_as_before() {
    let (url, pool) = database_before_codes().await;
    let computed = profile(&answers(), today());
    let profile_with_labels =
        serde_json::to_string(&PublicProfile::from(&computed)).expect("labelled profile");
    assert!(profile_with_labels.contains(r#""typology":"Partiellement autonome, volontaire""#));
    insert(
        &pool,
        "INSERT INTO regions (code, name, zone) VALUES ('52', 'Pays de la Loire', 'metro')",
        &[],
    )
    .await;
    insert(
        &pool,
        "INSERT INTO departements (code, name, region_code, zone) VALUES ('49', 'Maine-et-Loire', '52', 'metro')",
        &[],
    )
    .await;
    insert(
        &pool,
        "INSERT INTO communes (code, name, kind, departement_code, region_code, postal_codes, search_name)
         VALUES ('49007', 'Angers', 'commune', '49', '52', '49000', 'angers')",
        &[],
    )
    .await;
    let structure = "INSERT INTO structures (name, kind, commune_code, created_at, support_model)
         VALUES ($1, 'test', '49007', $2, $3) RETURNING id";
    let ccas = insert(&pool, structure, &[Text("CCAS"), Int(NOW), Null]).await;
    let library = insert(
        &pool,
        structure,
        &[Text("Médiathèque"), Int(NOW), Text("Lieu de savoir")],
    )
    .await;
    // An offer as written before 0019: its own facts by their labels.
    let offer_json = serde_json::to_string(&legacy_offer())
        .expect("offer")
        .replace(
            "\"second_level\"",
            "\"Second niveau (parcours d'apprentissage)\"",
        )
        .replace("\"teaches\"", "\"Apprend à faire\"")
        .replace("\"inclusion\"", "\"Inclusion numérique\"")
        .replace("\"local_official\"", "\"Officielle locale\"");
    assert!(offer_json.contains("Apprend à faire"), "{offer_json}");
    let offer = insert(
        &pool,
        "INSERT INTO offers (structure_id, position, name, services, audiences, specific_support, support_modes,
             costs, offer_json, updated_at)
         VALUES ($1, 0, 'Ateliers', '', '', '', '', '', $2, $3) RETURNING id",
        &[Int(library), Text(&offer_json), Int(NOW)],
    )
    .await;
    let person = insert(
        &pool,
        "INSERT INTO people (structure_id, enrolled_at, first_name, last_name, name_key, no_phone, commune_code,
             birth_year, last_contact_at)
         VALUES ($1, $2, 'Josiane', 'Le Goff', 'le goff josiane', 1, '49007', 1951, $2) RETURNING id",
        &[Int(ccas), Int(NOW)],
    )
    .await;
    insert(
        &pool,
        "INSERT INTO diagnostics (person_id, made_at, answers_json, profile_json, typology, overall, first_help,
             override_typology, override_help, override_reason, override_at)
         VALUES ($1, $2, $3, $4, 'Partiellement autonome, volontaire', 'Partiellement autonome',
             'Acculturation : consolider et aller plus loin', 'Non autonome, sans envie d''apprendre',
             'Faire pour la personne : un aidant habilité', 'Vue en entretien', $2) RETURNING id",
        &[
            Int(person),
            Int(NOW),
            Text(ANSWERS_WITH_LABELS),
            Text(&profile_with_labels),
        ],
    )
    .await;
    let referral = "INSERT INTO referrals (person_id, sender_structure_id, offer_id, receiver_structure_id, state,
             profile_json, message, urgent, created_at, state_changed_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, '', 0, $7, $7, $8) RETURNING id";
    let closed = insert(
        &pool,
        referral,
        &[
            Int(person),
            Int(ccas),
            Int(offer),
            Int(library),
            Text("Close"),
            Text(&profile_with_labels),
            Int(NOW + DAY),
            Int(8),
        ],
    )
    .await;
    let refused = insert(
        &pool,
        referral,
        &[
            Int(person),
            Int(ccas),
            Int(offer),
            Int(library),
            Text("Refusée"),
            Text(&profile_with_labels),
            Int(NOW + DAY),
            Int(3),
        ],
    )
    .await;
    let event = "INSERT INTO referral_events (referral_id, at, side, event, from_state, to_state, comment, offer_id)
         VALUES ($1, $2, 'receiver', $3, $4, $5, '', NULL)";
    let old_history: [(&str, &str, &str); 7] = [
        ("Envoi", "Brouillon", "Envoyée"),
        ("Refus : Public non accueilli", "Envoyée", "Refusée"),
        (
            "Réorientation vers une autre offre",
            "Refusée",
            "Réorientée",
        ),
        ("Acceptation", "Réorientée", "Acceptée"),
        ("Premier contact", "Acceptée", "Premier contact fait"),
        ("Début du parcours", "Premier contact fait", "En parcours"),
        ("Clôture : Abandon", "En parcours", "Close"),
    ];
    for (day, (text, from, to)) in (1..).zip(old_history) {
        insert(
            &pool,
            event,
            &[
                Int(closed),
                Int(NOW + day * DAY),
                Text(text),
                Text(from),
                Text(to),
            ],
        )
        .await;
    }
    // A refusal whose text names no reason (« Refusée »): its kind comes from the state it led to.
    for (day, (text, from, to)) in [
        (1, ("Envoi", "Brouillon", "Envoyée")),
        (2, ("Refusée", "Envoyée", "Refusée")),
    ] {
        insert(
            &pool,
            event,
            &[
                Int(refused),
                Int(NOW + day * DAY),
                Text(text),
                Text(from),
                Text(to),
            ],
        )
        .await;
    }
    insert(
        &pool,
        "INSERT INTO referral_outcomes (referral_id, outcome, rights, job_or_training, closed_at)
         VALUES ($1, 'Abandon', '', 0, $2)",
        &[Int(closed), Int(NOW + 7 * DAY)],
    )
    .await;
    insert(
        &pool,
        "INSERT INTO contact_requests (created_at, first_name, commune_code, departement_code, answers_json,
             typology, first_help, consent_version, consent_text)
         VALUES ($1, 'Marcel', '49007', '49', $2, 'Autonome', 'Information seulement', 'v1', 'texte')",
        &[Int(NOW), Text(ANSWERS_WITH_LABELS)],
    )
    .await;
    insert(
        &pool,
        "INSERT INTO anonymous_counts (period, fact, count)
         VALUES ('2026-10', 'diagnostic_efface:Non autonome, non réfractaire', 2)",
        &[],
    )
    .await;
    pool.close().await;

    // The current store opens it: migration 0018, then the JSON documents.
    let store = connect_test_store(&url).await.expect("migrated store");
    let pool = raw_pool(&url).await;
    assert_eq!(
        column(&pool, "SELECT state FROM referrals ORDER BY id").await,
        some(&["closed", "refused"])
    );
    let events = sqlx::query(
        "SELECT event, refusal_reason, outcome, from_state, to_state FROM referral_events ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("events");
    let events: Vec<[Option<String>; 5]> = events
        .iter()
        .map(|row| std::array::from_fn(|i| row.try_get(i).expect("text")))
        .collect();
    let expected: Vec<[Option<String>; 5]> = [
        ["send", "", "", "draft", "sent"],
        ["refuse", "audience_not_served", "", "sent", "refused"],
        ["redirect", "", "", "refused", "redirected"],
        ["accept", "", "", "redirected", "accepted"],
        ["first_contact", "", "", "accepted", "first_contact"],
        ["start_pathway", "", "", "first_contact", "in_pathway"],
        ["close", "", "dropped_out", "in_pathway", "closed"],
        ["send", "", "", "draft", "sent"],
        ["refuse", "", "", "sent", "refused"],
    ]
    .iter()
    .map(|row| row.map(|v| (!v.is_empty()).then(|| v.to_owned())))
    .collect();
    assert_eq!(events, expected);
    assert_eq!(
        column(&pool, "SELECT outcome FROM referral_outcomes").await,
        some(&["dropped_out"])
    );
    let diagnostic = sqlx::query(
        "SELECT typology, overall, first_help, override_typology, override_help, answers_json, profile_json
         FROM diagnostics",
    )
    .fetch_one(&pool)
    .await
    .expect("diagnostic");
    let text = |i: usize| -> String { diagnostic.try_get(i).expect("text") };
    assert_eq!(
        [text(0), text(1), text(2), text(3), text(4)],
        [
            "partly_autonomous_willing",
            "partial",
            "acculturation",
            "not_autonomous_unwilling",
            "act_on_behalf"
        ]
    );
    let coded_profile = serde_json::to_string(&computed).expect("profile");
    assert_eq!(text(6), coded_profile, "the profile rewritten with codes");
    assert!(
        text(5).contains(
            r#""skills":[["using_device","with_help"],["searching_information","alone"]]"#
        ),
        "{}",
        text(5)
    );
    assert_eq!(
        column(&pool, "SELECT profile_json FROM referrals").await,
        vec![Some(coded_profile.clone()), Some(coded_profile)]
    );
    let request = sqlx::query("SELECT typology, first_help, answers_json FROM contact_requests")
        .fetch_one(&pool)
        .await
        .expect("request");
    assert_eq!(
        (
            request.try_get::<String, _>(0).expect("typology"),
            request.try_get::<String, _>(1).expect("help"),
            request.try_get::<String, _>(2).expect("answers")
        ),
        ("autonomous".into(), "information_only".into(), text(5))
    );
    assert_eq!(
        column(
            &pool,
            "SELECT support_model FROM structures WHERE support_model IS NOT NULL"
        )
        .await,
        some(&["place_of_knowledge"])
    );
    assert_eq!(
        column(&pool, "SELECT fact FROM anonymous_counts").await,
        some(&["diagnostic_efface:not_autonomous_willing"])
    );
    assert_eq!(
        column(&pool, "SELECT name FROM data_upgrades ORDER BY name").await,
        some(&["0018_json_codes", "0019_offer_codes"])
    );
    let offer_json = column(&pool, "SELECT offer_json FROM offers").await;
    let offer_json = offer_json
        .first()
        .and_then(|json| json.clone())
        .expect("offer");
    for code in ["second_level", "teaches", "inclusion", "local_official"] {
        assert!(
            offer_json.contains(&format!("\"{code}\"")),
            "{code} in {offer_json}"
        );
    }
    assert!(!offer_json.contains("Apprend à faire"), "{offer_json}");
    let offers = store.offers_of(library).await.expect("offers");
    assert_eq!(offers[0].offer, legacy_offer(), "the offer reads as before");

    // And everything reads as before.
    let history = store
        .referral_history(ReferralId::new(closed))
        .await
        .expect("history");
    let lines: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|l| (l.event.as_str(), l.from_state.as_str(), l.to_state.as_str()))
        .collect();
    assert_eq!(lines, old_history);
    let legacy = store
        .referral_history(ReferralId::new(refused))
        .await
        .expect("history");
    assert_eq!(legacy[1].event, "Refus", "a refusal without a reason");
    let state = store.referral_state(closed).await.expect("state");
    assert_eq!(state.map(|s| s.state), Some(ReferralState::Closed));
    let stored = store
        .diagnostics_of(&actor((ccas, 0)), PersonId::new(person), NOW)
        .await
        .expect("diagnostics");
    assert_eq!(stored[0].profile, computed);
    assert_eq!(
        stored[0].answers.skills[..2],
        [
            (SkillDomain::UsingDevice, SkillAnswer::WithHelp),
            (SkillDomain::SearchingInformation, SkillAnswer::Alone)
        ]
    );
    let decision = stored[0].override_.clone().expect("override");
    assert_eq!(
        (decision.typology, decision.help),
        (
            Some(Typology::NotAutonomousUnwilling),
            Some(RecommendedHelp::ActOnBehalf)
        )
    );
    let requests = store
        .contact_requests_in(
            &TerritoryScope::Departement("49".into()),
            RequestViewer::Coordinator,
            NOW,
        )
        .await
        .expect("requests");
    assert_eq!(
        (
            requests[0].typology.as_str(),
            requests[0].first_help.as_str()
        ),
        ("Autonome", "Information seulement")
    );
    let load = store
        .indicator_dataset(NOW + 10 * DAY, &BTreeMap::new())
        .await
        .expect("indicators");
    assert_eq!(load.dropped, 0, "{:?}", load.dropped_by_kind);
    let referrals: Vec<_> = load.dataset.referrals().collect();
    let reasons = |i: usize| -> Vec<RefusalReason> {
        referrals[i].refusals.iter().map(|r| r.reason).collect()
    };
    assert_eq!(reasons(0), [RefusalReason::AudienceNotServed]);
    assert_eq!(reasons(1), [RefusalReason::Other]);
    assert_eq!(referrals[0].outcome, Some(ClosingOutcome::DroppedOut));
    assert_eq!(
        referrals[0].support_model,
        Some(SupportModel::PlaceOfKnowledge)
    );
    assert_eq!(
        load.dataset.people().next().and_then(|p| p.typology),
        Some(Typology::NotAutonomousUnwilling)
    );

    // Opening it again changes nothing.
    drop(store);
    let again = connect_test_store(&url).await.expect("reopened");
    let history = again
        .referral_history(ReferralId::new(closed))
        .await
        .expect("history");
    assert_eq!(history.len(), 7);
}

/// An offer with every fact of its own set.
fn legacy_offer() -> Offer {
    let mut offer = Offer {
        name: "Ateliers".into(),
        ..Offer::default()
    };
    offer.facts.intervention_level = Some(InterventionLevel::SecondLevel);
    offer.facts.help_style = Some(HelpStyle::Teaches);
    offer.facts.help_kinds = vec![HelpKind::Inclusion];
    offer.facts.status = Some(OfferStatus::LocalOfficial);
    offer
}

/// Labels reworded since migration 0018 (today's label, the label 0018 converts): none yet. When a
/// label changes, the rows written before 0018 still hold its old spelling, which 0018 converts.
const RENAMED_SINCE_0018: &[(&str, &str)] = &[];

fn as_in_0018(label: &str) -> &str {
    RENAMED_SINCE_0018
        .iter()
        .find(|(now, _)| *now == label)
        .map_or(label, |(_, then)| then)
}

fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The `WHEN … THEN …` pairs of every `{head} … ELSE` block of the migration.
fn case_blocks<'a>(sql: &'a str, head: &str) -> Vec<&'a str> {
    let blocks: Vec<&str> = sql
        .match_indices(head)
        .map(|(start, _)| {
            let block = &sql[start + head.len()..];
            &block[..block.find("ELSE").expect("an ELSE ends the block")]
        })
        .collect();
    assert!(!blocks.is_empty(), "no « {head} » in the migration");
    blocks
}

/// Every block named `head` maps exactly `pairs` (old text → code), and nothing else.
fn maps_exactly(sql: &str, head: &str, pairs: &[(String, String)]) {
    for block in case_blocks(sql, head) {
        for (old, code) in pairs {
            let when = format!("WHEN {} THEN {}", sql_text(old), sql_text(code));
            assert!(block.contains(&when), "« {head} » lacks {when}");
        }
        assert_eq!(
            block.matches("WHEN").count(),
            pairs.len(),
            "« {head} » maps exactly its enumeration"
        );
    }
}

fn labels_to_codes<T: Coded>(prefix: &str) -> Vec<(String, String)> {
    T::all()
        .iter()
        .map(|v| {
            (
                format!("{prefix}{}", as_in_0018(v.label())),
                format!("{prefix}{}", v.code()),
            )
        })
        .collect()
}

#[test]
fn the_migration_maps_every_label_to_its_code() {
    let every_event: Vec<ReferralEvent> = [
        vec![ReferralEvent::Send, ReferralEvent::Accept],
        RefusalReason::ALL
            .iter()
            .map(|&reason| ReferralEvent::Refuse { reason })
            .collect(),
        vec![
            ReferralEvent::Redirect { offer_id: 1 },
            ReferralEvent::RecordFirstContact,
            ReferralEvent::StartPathway,
        ],
        ClosingOutcome::ALL
            .iter()
            .map(|&outcome| ReferralEvent::Close { outcome })
            .collect(),
    ]
    .concat();
    let event_texts = |code: fn(&ReferralEvent) -> Option<&'static str>| -> Vec<(String, String)> {
        every_event
            .iter()
            .filter_map(|e| Some((as_in_0018(&e.label()).to_owned(), code(e)?.to_owned())))
            .collect()
    };
    for backend in ["sqlite", "postgres"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend)
            .join("0018_stable_codes.sql");
        let sql = std::fs::read_to_string(&path).expect("migration 0018");
        let states = labels_to_codes::<ReferralState>("");
        maps_exactly(&sql, "SET state = CASE state", &states);
        maps_exactly(&sql, "from_state = CASE from_state", &states);
        maps_exactly(&sql, "to_state = CASE to_state", &states);
        maps_exactly(
            &sql,
            "event = CASE event",
            &event_texts(|e| Some(e.kind().code())),
        );
        maps_exactly(
            &sql,
            "refusal_reason = CASE event",
            &event_texts(|e| e.refusal_reason().map(RefusalReason::code)),
        );
        maps_exactly(
            &sql,
            "outcome = CASE event",
            &event_texts(|e| e.outcome().map(ClosingOutcome::code)),
        );
        maps_exactly(
            &sql,
            "outcome = CASE outcome",
            &labels_to_codes::<ClosingOutcome>(""),
        );
        let typologies = labels_to_codes::<Typology>("");
        let helps = labels_to_codes::<RecommendedHelp>("");
        maps_exactly(&sql, "typology = CASE typology", &typologies);
        maps_exactly(
            &sql,
            "override_typology = CASE override_typology",
            &typologies,
        );
        maps_exactly(
            &sql,
            "overall = CASE overall",
            &labels_to_codes::<AutonomyLevel>(""),
        );
        maps_exactly(&sql, "first_help = CASE first_help", &helps);
        maps_exactly(&sql, "override_help = CASE override_help", &helps);
        maps_exactly(
            &sql,
            "support_model = CASE support_model",
            &labels_to_codes::<SupportModel>(""),
        );
        maps_exactly(
            &sql,
            "fact = CASE fact",
            &labels_to_codes::<Typology>("diagnostic_efface:"),
        );
        // The event texts of a kind are its label, with a reason or an outcome for refusals and
        // closings: the last resort (the state it led to) covers every state but the draft.
        let fallback = case_blocks(&sql, "ELSE CASE to_state")[0];
        assert_eq!(
            fallback.matches("WHEN").count(),
            ReferralState::ALL.len() - 1
        );
    }
}
