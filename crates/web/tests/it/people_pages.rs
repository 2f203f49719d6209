//! Enrolment, diagnostic and self-diagnostic through the real router, checked on the database: nothing
//! is written without consent, withdrawal erases, another structure gets "not found", every read is in
//! the audit trail, and the public self-diagnostic stores nothing unless the person asks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_store::PersonalRowCounts;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{body_text, hidden_csrf, location, set_cookie, sign_in_elsewhere, Session, TestApp};

const IDENTITY: &[(&str, &str)] = &[
    ("prenom", "Josiane"),
    ("nom", "Le Goff"),
    ("telephone", "06 12 34 56 78"),
    ("commune_recherche", "Angers"),
    ("annee_naissance", "1951"),
];

/// Answers of a person who does most things with help, wants to learn, and has a CAF deadline.
const ANSWERS: &[(&str, &str)] = &[
    ("equipement", "Un smartphone"),
    ("competence_appareil", "Avec de l'aide"),
    ("competence_recherche", "Avec de l'aide"),
    ("competence_messagerie", "Seul"),
    ("competence_demarche", "Pas du tout"),
    ("competence_securite", "Ne sait pas"),
    ("lecture", "À l'aise"),
    ("ecriture", "Avec difficulté"),
    ("langues", "Français"),
    ("deplacement", "Jusqu'à 5 km"),
    ("envie", "Oui"),
    ("leviers", "Santé"),
    ("urgence_organisme", "CAF ou MSA"),
    ("urgence_demarche", "Renouveler un document ou un droit"),
    ("urgence_echeance", "2026-12-01"),
];

fn with_token<'a>(token: &'a str, fields: &[&[(&'a str, &'a str)]]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("csrf_token", token)];
    for part in fields {
        all.extend_from_slice(part);
    }
    all
}

async fn counts(app: &TestApp) -> PersonalRowCounts {
    app.store.personal_row_counts().await.expect("counts")
}

async fn audit_size(app: &TestApp) -> i64 {
    app.store.count_audit().await.expect("audit")
}

/// Enrols Josiane with consent; returns her id.
async fn enrol(app: &TestApp, session: &Session) -> i64 {
    let fields = with_token(&session.csrf, &[IDENTITY, &[("consentement", "oui")]]);
    let response = app
        .post_form("/personnes/inscrire", Some(&session.cookie), &fields)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response).expect("redirect");
    to.trim_start_matches("/personnes/")
        .trim_end_matches("/diagnostic")
        .parse()
        .expect("person id in the redirect")
}

/// A prescriber of another structure, signed in.
async fn stranger(app: &TestApp) -> Session {
    let structure = app
        .store
        .ensure_structure(
            &aiguillage_store::NewStructure {
                name: "Médiathèque de Saumur".into(),
                kind: "Médiathèque".into(),
                commune_code: "49328".into(),
            },
            0,
        )
        .await
        .expect("structure");
    sign_in_elsewhere(app, structure, "autre@example.fr", Role::Prescriber).await
}

#[tokio::test]
async fn without_consent_nothing_is_written_and_the_profile_is_still_shown() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Prescriber).await;
    let audit_before = audit_size(&app).await;

    let undecided = with_token(&session.csrf, &[IDENTITY]);
    let response = app
        .post_form("/personnes/inscrire", Some(&session.cookie), &undecided)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(response).await.contains("sans son accord"));

    let refused = with_token(&session.csrf, &[IDENTITY, &[("consentement", "non")]]);
    let response = app
        .post_form("/personnes/inscrire", Some(&session.cookie), &refused)
        .await;
    assert_eq!(
        location(&response).as_deref(),
        Some("/diagnostic-sans-enregistrement")
    );
    let response = app
        .post_form(
            "/diagnostic-sans-enregistrement",
            Some(&session.cookie),
            &with_token(&session.csrf, &[ANSWERS]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(
        html.contains("Partiellement autonome, volontaire"),
        "typology shown"
    );
    assert!(html.contains("Votre bilan numérique"), "printable summary");

    assert_eq!(
        counts(&app).await,
        PersonalRowCounts {
            people: 0,
            consents: 0,
            diagnostics: 0,
            contact_requests: 0,
            referral_messages: 0,
        }
    );
    assert_eq!(audit_size(&app).await, audit_before, "no record, no access");
}

#[tokio::test]
async fn a_person_is_enrolled_diagnosed_explained_and_compared_over_time() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Prescriber).await;
    let id = enrol(&app, &session).await;
    let stored = counts(&app).await;
    assert_eq!((stored.people, stored.consents), (1, 1));

    let missing = app
        .post_form(
            &format!("/personnes/{id}/diagnostic"),
            Some(&session.cookie),
            &with_token(&session.csrf, &[&ANSWERS[2..]]),
        )
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(counts(&app).await.diagnostics, 0);

    let response = app
        .post_form(
            &format!("/personnes/{id}/diagnostic"),
            Some(&session.cookie),
            &with_token(&session.csrf, &[ANSWERS]),
        )
        .await;
    let first = location(&response).expect("redirect to the profile");
    let html = body_text(app.get(&first, Some(&session)).await).await;
    assert!(html.contains("Urgence numérique"));
    assert!(html.contains("Parce que"));
    assert!(
        html.contains("/annuaire?commune=Angers"),
        "orientation link point"
    );

    let summary = app.get(&format!("{first}/fiche"), Some(&session)).await;
    assert_eq!(summary.status(), StatusCode::OK);
    let summary = body_text(summary).await;
    assert!(summary.contains("Votre bilan numérique"));
    assert!(
        summary.contains("Angers vous recontacte pour choisir avec vous"),
        "no referral yet: the enrolling structure calls back, {summary}"
    );

    let override_ = app
        .post_form(
            &format!("{first}/ajustement"),
            Some(&session.cookie),
            &[
                ("csrf_token", &session.csrf),
                ("typologie", "Non autonome, non réfractaire"),
                (
                    "aide",
                    "Urgence numérique : faire la démarche en attente d'abord",
                ),
                (
                    "raison",
                    "Elle se débrouille mieux que ses réponses le disent.",
                ),
            ],
        )
        .await;
    assert_eq!(override_.status(), StatusCode::SEE_OTHER);
    let html = body_text(app.get(&first, Some(&session)).await).await;
    assert!(html.contains("Ajustée par le professionnel"));

    let better: Vec<(&str, &str)> = ANSWERS
        .iter()
        .map(|(name, value)| match *name {
            "competence_demarche" => (*name, "Seul"),
            _ => (*name, *value),
        })
        .collect();
    let response = app
        .post_form(
            &format!("/personnes/{id}/diagnostic"),
            Some(&session.cookie),
            &with_token(&session.csrf, &[&better]),
        )
        .await;
    let second = location(&response).expect("redirect");
    let html = body_text(app.get(&second, Some(&session)).await).await;
    assert!(html.contains("Progrès (+100 points"), "progress by domain");
    let person = body_text(app.get(&format!("/personnes/{id}"), Some(&session)).await).await;
    assert_eq!(person.matches("/diagnostics/").count(), 2);
}

#[tokio::test]
async fn a_namesake_is_shown_before_a_second_record_is_created() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Mediator).await;
    enrol(&app, &session).await;
    let again = with_token(&session.csrf, &[IDENTITY, &[("consentement", "oui")]]);
    let response = app
        .post_form("/personnes/inscrire", Some(&session.cookie), &again)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(response)
        .await
        .contains("peut-être déjà inscrite"));
    assert_eq!(counts(&app).await.people, 1);
    let confirmed = with_token(
        &session.csrf,
        &[
            IDENTITY,
            &[("consentement", "oui"), ("confirmer_nouvelle", "oui")],
        ],
    );
    app.post_form("/personnes/inscrire", Some(&session.cookie), &confirmed)
        .await;
    assert_eq!(counts(&app).await.people, 2);
}

#[tokio::test]
async fn another_structure_gets_not_found_and_every_read_is_audited() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Prescriber).await;
    let id = enrol(&app, &session).await;
    let reads = |entries: &[aiguillage_store::AuditEntry]| {
        entries
            .iter()
            .filter(|e| e.record_id == format!("personne-{id}") && e.action.code() == "read")
            .count()
    };
    let before = reads(&app.store.list_audit(500, 0).await.expect("audit"));
    app.get(&format!("/personnes/{id}"), Some(&session)).await;
    app.get(&format!("/personnes/{id}"), Some(&session)).await;
    app.advance(60);
    app.get(&format!("/personnes/{id}"), Some(&session)).await;
    let after = reads(&app.store.list_audit(500, 0).await.expect("audit"));
    assert_eq!(
        after,
        before + 2,
        "the page drawn twice in a row is one access; a minute later, another"
    );
    app.get("/personnes", Some(&session)).await;
    let journal = app.store.list_audit(1, 0).await.expect("audit");
    assert_eq!(journal[0].reason, "GET /personnes");
    assert_eq!(
        journal[0].record_id,
        format!("personne-{id}"),
        "the listing's one entry names the one person it shows"
    );

    let other = stranger(&app).await;
    let audit_before = audit_size(&app).await;
    for path in [
        format!("/personnes/{id}"),
        format!("/personnes/{id}/diagnostic"),
        format!("/api/v1/personnes/{id}/profil"),
    ] {
        let response = app.get(&path, Some(&other)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let erase = app
        .post_form(
            &format!("/personnes/{id}/effacer"),
            Some(&other.cookie),
            &[("csrf_token", &other.csrf), ("confirmer", "oui")],
        )
        .await;
    assert_eq!(erase.status(), StatusCode::NOT_FOUND);
    let listing = body_text(app.get("/personnes", Some(&other)).await).await;
    assert!(!listing.contains("Le Goff"));
    assert_eq!(counts(&app).await.people, 1);
    assert_eq!(audit_size(&app).await, audit_before, "nothing was read");
}

#[tokio::test]
async fn withdrawal_of_consent_erases_the_person_and_keeps_anonymous_counts() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Prescriber).await;
    let id = enrol(&app, &session).await;
    app.post_form(
        &format!("/personnes/{id}/diagnostic"),
        Some(&session.cookie),
        &with_token(&session.csrf, &[ANSWERS]),
    )
    .await;
    let unconfirmed = app
        .post_form(
            &format!("/personnes/{id}/effacer"),
            Some(&session.cookie),
            &[("csrf_token", &session.csrf)],
        )
        .await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(unconfirmed).await;
    assert!(
        page.contains("Rien n'a été effacé"),
        "the file again: {page}"
    );
    assert!(
        page.contains(r#"id="confirmer-erreur""#),
        "the box in error"
    );
    assert!(
        page.contains("Le Goff"),
        "the person's file, not a bare error page"
    );
    assert_eq!(counts(&app).await.people, 1);

    let response = app
        .post_form(
            &format!("/personnes/{id}/effacer"),
            Some(&session.cookie),
            &[("csrf_token", &session.csrf), ("confirmer", "oui")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let left = counts(&app).await;
    assert_eq!((left.people, left.consents, left.diagnostics), (0, 0, 0));
    assert_eq!(
        app.get(&format!("/personnes/{id}"), Some(&session))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let anonymous = app.store.anonymous_counts().await.expect("counts");
    assert!(anonymous
        .iter()
        .any(|(_, fact, n)| fact == "personne_effacee" && *n == 1));
}

#[tokio::test]
async fn the_self_diagnostic_stores_nothing_unless_the_person_asks_to_be_contacted() {
    let app = TestApp::new().await;
    let page = app.get("/auto-diagnostic", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = format!(
        "__Host-aiguillage_csrf={}",
        set_cookie(&page, "__Host-aiguillage_csrf").expect("csrf cookie")
    );
    let token = hidden_csrf(&body_text(page).await).expect("token");
    let audit_before = audit_size(&app).await;

    let answers = with_token(&token, &[ANSWERS, &[("commune", "Angers")]]);
    let result = app
        .post_form("/auto-diagnostic", Some(&cookie), &answers)
        .await;
    assert_eq!(result.status(), StatusCode::OK);
    let html = body_text(result).await;
    assert!(html.contains("Votre résultat"));
    assert!(html.contains("Voulez-vous qu"));
    assert_eq!(counts(&app).await.contact_requests, 0);
    assert_eq!(counts(&app).await.people, 0);
    assert_eq!(audit_size(&app).await, audit_before);

    let no_consent = with_token(
        &token,
        &[
            ANSWERS,
            &[
                ("commune", "Angers"),
                ("prenom", "Marcel"),
                ("telephone", "0241000000"),
            ],
        ],
    );
    let refused = app
        .post_form("/auto-diagnostic/contact", Some(&cookie), &no_consent)
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(counts(&app).await.contact_requests, 0);

    let mut agreed = no_consent.clone();
    agreed.push(("accord", "oui"));
    let sent = app
        .post_form("/auto-diagnostic/contact", Some(&cookie), &agreed)
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    assert!(body_text(sent).await.contains("Merci Marcel"));
    assert_eq!(counts(&app).await.contact_requests, 1);

    let coordinator = app.sign_in(Role::Coordinator).await;
    let queue = body_text(app.get("/demandes-contact", Some(&coordinator)).await).await;
    assert!(queue.contains("M."), "initials for the coordinator");
    assert!(
        !queue.contains("0241000000"),
        "no contact for the coordinator"
    );
    let prescriber = app.sign_in(Role::Prescriber).await;
    let queue = body_text(app.get("/demandes-contact", Some(&prescriber)).await).await;
    assert!(queue.contains("Marcel") && queue.contains("0241000000"));
}

async fn post_json(
    app: &TestApp,
    session: &Session,
    path: &str,
    json: &str,
) -> (StatusCode, String) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &session.cookie)
        .header("x-csrf-token", &session.csrf)
        .body(Body::from(json.to_owned()))
        .expect("request");
    let response = app.send(request).await;
    let status = response.status();
    (status, body_text(response).await)
}

#[tokio::test]
async fn partner_tools_enrol_diagnose_and_read_a_profile_through_the_api() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Mediator).await;
    let stale = r#"{"prenom":"Ali","nom":"Ben","telephone":"0600000000","commune_insee":"49007",
        "consentement":{"accord":true,"version":"ancienne"}}"#;
    let (status, message) = post_json(&app, &session, "/api/v1/personnes", stale).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("inscription-2026-11-v1"), "{message}");
    assert_eq!(counts(&app).await.people, 0);

    let good = stale.replace("ancienne", "inscription-2026-11-v1");
    let (status, body) = post_json(&app, &session, "/api/v1/personnes", &good).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).expect("json")["id"]
        .as_i64()
        .expect("id");

    let answers = r#"{"equipment":["Un ordinateur","Internet à la maison"],
        "skills":[["Utiliser un appareil","Seul"],["Chercher une information","Seul"],
                  ["Courriel et messagerie","Seul"],["Faire une démarche en ligne","Seul"],
                  ["Se protéger en ligne","Avec de l'aide"]],
        "detailed":[],"french_reading":"À l'aise","french_writing":"À l'aise","languages":["Français"],
        "support_needs":[],"travel_range":"Jusqu'à 15 km","travel_modes":[],"accepts_remote":true,
        "availability":[],"willingness":"Oui","levers":[],"urgency":null,"notes":null}"#;
    let (status, body) = post_json(
        &app,
        &session,
        &format!("/api/v1/personnes/{id}/diagnostics"),
        answers,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let profile = app
        .get(&format!("/api/v1/personnes/{id}/profil"), Some(&session))
        .await;
    assert_eq!(profile.status(), StatusCode::OK);
    let json: serde_json::Value =
        serde_json::from_str(&body_text(profile).await).expect("profile json");
    assert_eq!(json["profil"]["typology"], "Autonome");
    assert_eq!(json["profil"]["requirements"]["remote_possible"], true);

    let openapi = body_text(app.get("/api/openapi.json", None).await).await;
    assert!(openapi.contains("/api/v1/personnes/{id}/profil"));
}

/// `/personnes` and `/notifications` are paged fifty at a time, the search kept in the links.
#[tokio::test]
async fn long_lists_of_people_and_notifications_are_paged() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Prescriber).await;
    for rank in 0..53_u8 {
        let first: String = [b'a' + rank / 26, b'a' + rank % 26]
            .iter()
            .map(|b| char::from(*b))
            .collect();
        let first = format!("Jos{first}");
        let fields = [
            ("csrf_token", session.csrf.as_str()),
            ("prenom", first.as_str()),
            ("nom", "Le Goff"),
            ("telephone", "06 12 34 56 78"),
            ("commune_recherche", "Angers"),
            ("consentement", "oui"),
        ];
        let response = app
            .post_form("/personnes/inscrire", Some(&session.cookie), &fields)
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{first}");
    }
    let first = body_text(app.get("/personnes?q=goff", Some(&session)).await).await;
    assert!(first.contains("Personnes 1 à 50 sur 53"), "{first}");
    assert!(
        first.contains("href=\"/personnes?q=goff&page=2\""),
        "{first}"
    );
    let last = body_text(app.get("/personnes?q=goff&page=7", Some(&session)).await).await;
    assert!(
        last.contains("Personnes 51 à 53 sur 53"),
        "a page past the last: {last}"
    );
    assert!(
        last.contains("Josaa Le Goff"),
        "the first enrolled comes last"
    );

    for rank in 0..55 {
        app.store
            .notify(
                (None, Some(app.structure_id)),
                &format!("Avis numéro {rank}"),
                "/orientations",
                1_795_000_000 + rank,
            )
            .await
            .expect("notify");
    }
    let news = body_text(app.get("/notifications", Some(&session)).await).await;
    assert!(news.contains("Notifications 1 à 50 sur 55"), "{news}");
    assert!(
        news.contains("Avis numéro 54") && !news.contains("Avis numéro 4<"),
        "{news}"
    );
    let older = body_text(app.get("/notifications?page=2", Some(&session)).await).await;
    assert!(older.contains("Notifications 51 à 55 sur 55"), "{older}");
    assert!(older.contains("Avis numéro 0"), "{older}");
}
