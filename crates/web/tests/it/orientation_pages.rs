//! Orientation through the real router: the ranked offers of a diagnosed person, the referral sent only
//! with the person's consent to share, the receiving structure accepting and recording the first
//! contact, the prescriber seeing each step, a stale or impossible action refused, and a third
//! structure getting "not found".
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;
use aiguillage_domain::ids::{AccountId, ReferralId, StructureId};

use aiguillage_domain::directory::{Place, Service, SupportMode};
use aiguillage_domain::role::Role;
use aiguillage_service::notify::{remind_holding_lease, REMIND_LEASE};
use axum::http::StatusCode;
use common::{
    body_text, location, referral_location, sign_in_elsewhere, Session, SmtpServer, TestApp,
};

/// Imports a library in Angers with one offer; returns its structure id.
async fn library(app: &TestApp) -> i64 {
    let place = Place {
        id: "mediatheque-angers".into(),
        pivot: "21490007800012".into(),
        name: "Médiathèque Toussaint".into(),
        commune: "Angers".into(),
        postal_code: "49100".into(),
        insee_code: Some("49007".into()),
        address: "49 rue Toussaint".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::EverydayTools, Service::AdministrativeProcedures],
        support_modes: vec![SupportMode::Individual, SupportMode::CollectiveWorkshop],
        ..Place::default()
    };
    app.store
        .import_places("test", &[(2, place)], None, 0, &|_, _| {})
        .await
        .expect("import");
    app.store
        .place_id("test", "mediatheque-angers")
        .await
        .expect("id")
        .expect("imported")
}

/// Josiane, enrolled at the CCAS and diagnosed.
async fn diagnosed_person(app: &TestApp, session: &Session) -> i64 {
    common::journeys::diagnosed_person(app, session, ("Josiane", ""), &[]).await
}

async fn act(
    app: &TestApp,
    session: &Session,
    referral: &str,
    action: &str,
    version: &str,
) -> (StatusCode, String) {
    let response = app
        .post_form(
            referral,
            Some(&session.cookie),
            &[
                ("csrf_token", &session.csrf),
                ("action", action),
                ("version", version),
            ],
        )
        .await;
    let status = response.status();
    (status, body_text(response).await)
}

#[tokio::test]
async fn a_person_is_oriented_accepted_and_contacted_and_both_sides_see_each_step() {
    let app = TestApp::new().await;
    let library_id = library(&app).await;
    let prescriber = app.sign_in(Role::Prescriber).await;
    let person = diagnosed_person(&app, &prescriber).await;

    let page = body_text(
        app.get(
            &format!("/personnes/{person}/orientation"),
            Some(&prescriber),
        )
        .await,
    )
    .await;
    assert!(
        page.contains("Médiathèque Toussaint"),
        "the library is ranked: {page}"
    );
    assert!(page.contains("score"));
    let offer_id = app.store.offers_of(library_id).await.expect("offers")[0].id;
    let confirm = body_text(
        app.get(
            &format!("/personnes/{person}/orientation?offre={offer_id}"),
            Some(&prescriber),
        )
        .await,
    )
    .await;
    assert!(
        confirm.contains("nous lui transmettons"),
        "the sharing consent text"
    );

    let offer = offer_id.to_string();
    let without_consent = app
        .post_form(
            &format!("/personnes/{person}/orientation"),
            Some(&prescriber.cookie),
            &[("csrf_token", &prescriber.csrf), ("offre", &offer)],
        )
        .await;
    assert_eq!(without_consent.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let sent = app
        .post_form(
            &format!("/personnes/{person}/orientation"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", &prescriber.csrf),
                ("offre", &offer),
                ("consentement", "oui"),
                ("message", "Souhaite apprendre les bases."),
            ],
        )
        .await;
    let referral = referral_location(&sent).expect("sent");
    assert!(referral.starts_with("/orientations/"));

    let mediator =
        sign_in_elsewhere(&app, library_id, "mediatrice@example.fr", Role::Mediator).await;
    let inbox = body_text(app.get("/orientations", Some(&mediator)).await).await;
    assert!(inbox.contains("Josiane Le Goff") && inbox.contains("Envoyée"));
    let (status, _) = act(&app, &mediator, &referral, "accepter", "1").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, body) = act(&app, &mediator, &referral, "accepter", "1").await;
    assert_eq!(status, StatusCode::CONFLICT, "accepting twice is refused");
    assert!(body.contains("Impossible depuis"));
    let (status, _) = act(&app, &mediator, &referral, "premier_contact", "2").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (status, body) = act(&app, &prescriber, &referral, "parcours", "3").await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "only the receiver starts the pathway"
    );
    assert!(body.contains("réservé à la structure destinataire"));
    let seen = body_text(app.get(&referral, Some(&prescriber)).await).await;
    for step in ["Envoi", "Acceptation", "Premier contact"] {
        assert!(seen.contains(step), "the prescriber sees {step}");
    }

    let elsewhere = app
        .store
        .ensure_structure(
            &aiguillage_store::NewStructure {
                name: "France services de Saumur".into(),
                kind: "France Services".into(),
                commune_code: "49328".into(),
            },
            0,
        )
        .await
        .expect("structure");
    let stranger = sign_in_elsewhere(&app, elsewhere, "autre@example.fr", Role::Mediator).await;
    assert_eq!(
        app.get(&referral, Some(&stranger)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_new_referral_and_its_acceptance_are_notified_in_the_app_and_by_email() {
    let smtp = SmtpServer::start();
    let settings = aiguillage_web::Settings {
        smtp: Some(aiguillage_service::mail::SmtpSettings {
            host: "127.0.0.1".into(),
            port: smtp.port,
            from: "aiguillage@example.fr".into(),
        }),
        public_url: "https://aiguillage.example".into(),
        ..aiguillage_web::Settings::default()
    };
    let app = TestApp::with_settings(settings).await;
    let library_id = library(&app).await;
    let mediator =
        sign_in_elsewhere(&app, library_id, "mediatrice@example.fr", Role::Mediator).await;
    let prescriber = app.sign_in(Role::Prescriber).await;
    let person = diagnosed_person(&app, &prescriber).await;
    let offer = app.store.offers_of(library_id).await.expect("offers")[0]
        .id
        .to_string();
    let sent = app
        .post_form(
            &format!("/personnes/{person}/orientation"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", &prescriber.csrf),
                ("offre", &offer),
                ("consentement", "oui"),
            ],
        )
        .await;
    let referral = referral_location(&sent).expect("sent");

    let mails = smtp.received();
    assert_eq!(mails.len(), 1, "one mail to the library's only account");
    assert!(mails[0].contains("To: mediatrice@example.fr"));
    assert!(mails[0].contains("Nouvelle orientation"));
    assert!(mails[0].contains(&format!("https://aiguillage.example{referral}")));
    assert!(!mails[0].contains("Le Goff"), "no name in the mail");
    let inbox = body_text(app.get("/notifications", Some(&mediator)).await).await;
    assert!(inbox.contains("Nouvelle orientation reçue"));

    let (status, _) = act(&app, &mediator, &referral, "accepter", "1").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mails = smtp.received();
    assert_eq!(
        mails.len(),
        1 + Role::ALL.len(),
        "then one to each account of the CCAS"
    );
    for role in Role::ALL {
        let to = format!("To: {}", common::email_of(role));
        assert!(mails.iter().any(|mail| mail.contains(&to)), "{to}");
    }
    let news = body_text(app.get("/notifications", Some(&prescriber)).await).await;
    assert!(news.contains("Votre orientation a été acceptée"));
}

#[tokio::test]
async fn a_referral_waiting_beyond_the_target_is_reminded_once_to_the_receiver_and_the_coordinator()
{
    let app = TestApp::new().await;
    let library_id = library(&app).await;
    let prescriber = app.sign_in(Role::Prescriber).await;
    let person = diagnosed_person(&app, &prescriber).await;
    let offer = app.store.offers_of(library_id).await.expect("offers")[0]
        .id
        .to_string();
    app.post_form(
        &format!("/personnes/{person}/orientation"),
        Some(&prescriber.cookie),
        &[
            ("csrf_token", &prescriber.csrf),
            ("offre", &offer),
            ("consentement", "oui"),
        ],
    )
    .await;
    let clock = app.clock.clone();
    let state = aiguillage_web::AppState {
        store: app.store.clone(),
        settings: std::sync::Arc::new(aiguillage_web::Settings::default()),
        clock: std::sync::Arc::new(move || clock.load(std::sync::atomic::Ordering::SeqCst)),
        indicators: std::sync::Arc::default(),
        proconnect: None,
    };
    let remind = aiguillage_service::notify::remind_late_referrals;
    assert_eq!(
        remind(&state).await.expect("remind"),
        0,
        "within the target"
    );
    app.advance(6 * aiguillage_domain::calendar::DAY);
    // `queue remind` holds a lease: while the same cron line on another host holds it, this run
    // does nothing; once given back, the run does the work and gives the lease back in turn.
    let other = (REMIND_LEASE, "queue-remind-other-host");
    let now = state.now();
    assert!(app
        .store
        .take_job_lease(other, now, 3600)
        .await
        .expect("lease"));
    assert_eq!(
        remind_holding_lease(&state, "queue-remind-here")
            .await
            .expect("remind"),
        None,
        "another run holds the lease"
    );
    app.store
        .release_job_lease(other.0, other.1)
        .await
        .expect("release");
    assert_eq!(
        remind_holding_lease(&state, "queue-remind-here")
            .await
            .expect("remind"),
        Some((1, 0)),
        "five days passed (no mail relay: no appointment reminder)"
    );
    assert!(
        app.store
            .take_job_lease(other, now, 3600)
            .await
            .expect("lease"),
        "the run gave the lease back"
    );
    app.store
        .release_job_lease(other.0, other.1)
        .await
        .expect("release");
    assert_eq!(remind(&state).await.expect("remind"), 0, "once per state");
    let for_library = app
        .store
        .notifications_of(AccountId::new(0), StructureId::new(library_id), 10)
        .await
        .expect("notifications");
    assert!(for_library
        .iter()
        .any(|n| n.text.contains("au-delà du délai cible")));
    let coordinator = app.sign_in(Role::Coordinator).await;
    let news = body_text(app.get("/notifications", Some(&coordinator)).await).await;
    assert!(news.contains("au-delà du délai cible"));
    let queue = body_text(app.get("/file-active?vue=retard", Some(&coordinator)).await).await;
    assert!(queue.contains(" de retard"), "{queue}");
    assert!(!queue.contains("(s)"), "plurals written out: {queue}");
    // The coordinator reminds the library of that referral: one more notice for it, said on the
    // page; a referral outside the queue is not found.
    let marker = "action=\"/file-active/";
    let start = queue.find(marker).expect("a reminder button") + marker.len();
    let referral: String = queue[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let before = app
        .store
        .notifications_of(AccountId::new(0), StructureId::new(library_id), 50)
        .await
        .expect("notifications")
        .len();
    let nudged = app
        .post_form(
            &format!("/file-active/{referral}/relance"),
            Some(&coordinator.cookie),
            &[("csrf_token", coordinator.csrf.as_str())],
        )
        .await;
    assert_eq!(nudged.status(), StatusCode::SEE_OTHER);
    let after = app
        .store
        .notifications_of(AccountId::new(0), StructureId::new(library_id), 50)
        .await
        .expect("notifications");
    assert_eq!(after.len(), before + 1);
    assert!(after.iter().any(|n| n.text.contains("vous relance")));
    let page = body_text(
        app.get(
            &common::location(&nudged).expect("back"),
            Some(&coordinator),
        )
        .await,
    )
    .await;
    assert!(page.contains("Relance envoyée à"), "{page}");
    // The row opens the referral, pseudonymised: its structures, its steps, no name; a reminder
    // from there comes back to it.
    assert!(queue.contains(&format!("href=\"/file-active/{referral}\"")));
    let opened = app
        .get(&format!("/file-active/{referral}"), Some(&coordinator))
        .await;
    assert_eq!(opened.status(), StatusCode::OK);
    let sheet = body_text(opened).await;
    for expected in [
        "Envoyée par",
        "Reçue par",
        "Étapes",
        "Typologie",
        "de retard",
    ] {
        assert!(sheet.contains(expected), "{expected}: {sheet}");
    }
    assert!(!sheet.contains("Le Goff"), "pseudonymised: {sheet}");
    let journal = app.store.list_audit(1, 0).await.expect("audit");
    assert_eq!(journal[0].record_id, format!("orientation-{referral}"));
    assert_eq!(journal[0].reason, format!("GET /file-active/{referral}"));
    let from_sheet = app
        .post_form(
            &format!("/file-active/{referral}/relance"),
            Some(&coordinator.cookie),
            &[
                ("csrf_token", coordinator.csrf.as_str()),
                ("retour", "fiche"),
            ],
        )
        .await;
    let back = common::location(&from_sheet).expect("back to the referral");
    assert!(
        back.starts_with(&format!("/file-active/{referral}?")),
        "{back}"
    );
    let sheet = body_text(app.get(&back, Some(&coordinator)).await).await;
    assert!(sheet.contains("Relance envoyée à"), "{sheet}");
    assert_eq!(
        app.get("/file-active/999999", Some(&coordinator))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let unknown = app
        .post_form(
            "/file-active/999999/relance",
            Some(&coordinator.cookie),
            &[("csrf_token", coordinator.csrf.as_str())],
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(!queue.contains("Le Goff"), "pseudonymised");
}

/// A second place in Angers with one offer; returns its structure id.
async fn second_place(app: &TestApp) -> i64 {
    let place = Place {
        id: "espace-belle-beille".into(),
        pivot: "21490007800020".into(),
        name: "Espace numérique Belle-Beille".into(),
        commune: "Angers".into(),
        postal_code: "49000".into(),
        insee_code: Some("49007".into()),
        address: "5 rue Eugène Bardon".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::EverydayTools, Service::AdministrativeProcedures],
        support_modes: vec![SupportMode::Individual],
        ..Place::default()
    };
    app.store
        .import_places("test", &[(2, place)], None, 0, &|_, _| {})
        .await
        .expect("import");
    app.store
        .place_id("test", "espace-belle-beille")
        .await
        .expect("id")
        .expect("imported")
}

#[tokio::test]
async fn the_coordinator_redistributes_a_refused_referral_after_seeing_the_proposal() {
    let app = TestApp::new().await;
    let library_id = library(&app).await;
    let other_id = second_place(&app).await;
    let prescriber = app.sign_in(Role::Prescriber).await;
    let person = diagnosed_person(&app, &prescriber).await;
    let offer = app.store.offers_of(library_id).await.expect("offers")[0].id;
    let other_offer = app.store.offers_of(other_id).await.expect("offers")[0].id;
    let sent = app
        .post_form(
            &format!("/personnes/{person}/orientation"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", &prescriber.csrf),
                ("offre", &offer.to_string()),
                ("consentement", "oui"),
            ],
        )
        .await;
    let referral = referral_location(&sent).expect("sent");
    let referral_id: i64 = referral
        .trim_start_matches("/orientations/")
        .parse()
        .expect("id");
    let mediator =
        sign_in_elsewhere(&app, library_id, "mediatrice@example.fr", Role::Mediator).await;
    let refused = app
        .post_form(
            &referral,
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("action", "refuser"),
                ("motif", "Plus de place disponible"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);

    let coordinator = app.sign_in(Role::Coordinator).await;
    let page = body_text(
        app.get(
            "/territoire/redistribution?refusees=1&calcul=1",
            Some(&coordinator),
        )
        .await,
    )
    .await;
    assert!(page.contains("Réorientation"), "a move is proposed: {page}");
    assert!(page.contains("Espace numérique Belle-Beille"));
    assert!(
        page.contains("Refusée par l&#39;offre précédente")
            || page.contains("Refusée par l'offre précédente")
    );
    assert!(!page.contains("Le Goff"), "pseudonymised");
    // Each move is a box the coordinator may untick, ticked; the summary speaks plainly.
    assert!(
        page.contains(&format!(
            "name=\"deplacement\" value=\"{referral_id}:2:{other_offer}\" checked"
        )),
        "{page}"
    );
    assert!(page.contains("une personne serait réorientée"), "{page}");
    assert!(!page.contains("Coût total"), "{page}");
    assert!(
        page.matches("name=\"csrf_token\"").count() >= 2,
        "the confirmation form carries the CSRF token (besides the logout form)"
    );
    let state_before = app.store.referral_state(referral_id).await.expect("read");
    assert_eq!(
        state_before.map(|s| s.state.label()),
        Some("Refusée"),
        "nothing applied before confirmation"
    );

    // A stale version is set aside; the right one is applied.
    let stale = format!("{referral_id}:1:{other_offer}");
    let right = format!("{referral_id}:2:{other_offer}");
    let response = app
        .post_form(
            "/territoire/redistribution",
            Some(&coordinator.cookie),
            &[("csrf_token", &coordinator.csrf), ("deplacement", &stale)],
        )
        .await;
    assert_eq!(
        location(&response).as_deref(),
        Some("/territoire/redistribution?appliquees=0&ecartees=1")
    );
    let response = app
        .post_form(
            "/territoire/redistribution",
            Some(&coordinator.cookie),
            &[("csrf_token", &coordinator.csrf), ("deplacement", &right)],
        )
        .await;
    let applied = location(&response).expect("applied");
    assert!(
        applied.starts_with("/territoire/redistribution?appliquees=1&ecartees=0&lot="),
        "{applied}"
    );
    let after = app.store.referral_state(referral_id).await.expect("read");
    assert_eq!(after.map(|s| s.state.label()), Some("Réorientée"));
    let history = app
        .store
        .referral_history(ReferralId::new(referral_id))
        .await
        .expect("history");
    assert!(history
        .iter()
        .any(|line| line.comment.contains("Redistribution optimale")));
    let for_new_receiver = app
        .store
        .notifications_of(AccountId::new(0), StructureId::new(other_id), 10)
        .await
        .expect("notifications");
    assert!(for_new_receiver
        .iter()
        .any(|n| n.text.contains("Nouvelle orientation reçue")));
    // The new structure sees initials only until the prescriber records the person's agreement.
    let other_mediator =
        sign_in_elsewhere(&app, other_id, "belle-beille@example.fr", Role::Mediator).await;
    let before = body_text(app.get(&referral, Some(&other_mediator)).await).await;
    assert!(before.contains("Coordonnées non transmises"), "{before}");
    assert!(!before.contains("Le Goff") && !before.contains("0612345678"));
    let sender_view = body_text(app.get(&referral, Some(&prescriber)).await).await;
    assert!(sender_view.contains("Accord de partage à recueillir"));
    let unticked = app
        .post_form(
            &referral,
            Some(&prescriber.cookie),
            &[
                ("csrf_token", &prescriber.csrf),
                ("action", "consentement_partage"),
            ],
        )
        .await;
    assert_eq!(
        unticked.status(),
        StatusCode::CONFLICT,
        "no box, nothing written"
    );
    let still = body_text(app.get(&referral, Some(&other_mediator)).await).await;
    assert!(!still.contains("Le Goff"));
    let agreed = app
        .post_form(
            &referral,
            Some(&prescriber.cookie),
            &[
                ("csrf_token", &prescriber.csrf),
                ("action", "consentement_partage"),
                ("consentement", "oui"),
            ],
        )
        .await;
    assert_eq!(agreed.status(), StatusCode::SEE_OTHER);
    let after_consent = body_text(app.get(&referral, Some(&other_mediator)).await).await;
    assert!(after_consent.contains("Le Goff") && after_consent.contains("0612345678"));

    let bad = app
        .post_form(
            "/territoire/redistribution",
            Some(&coordinator.cookie),
            &[("csrf_token", &coordinator.csrf), ("deplacement", "x:1")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_refused_form_names_each_wrong_field_and_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let library_id = library(&app).await;
    let prescriber = app.sign_in(Role::Prescriber).await;
    let person = diagnosed_person(&app, &prescriber).await;
    let offer = app.store.offers_of(library_id).await.expect("offers")[0]
        .id
        .to_string();
    let path = format!("/personnes/{person}/orientation");
    let fields = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("offre", offer.as_str()),
        ("message", "Préfère être appelée le matin."),
    ];
    let unticked = app
        .post_form(&path, Some(&prescriber.cookie), &fields)
        .await;
    assert_eq!(unticked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(unticked).await;
    assert!(page.contains(r##"<a href="#consentement">Sans l'accord de la personne"##));
    assert!(page.contains(r#"id="consentement-erreur""#));
    assert!(page.contains("Préfère être appelée le matin.</textarea>"));
    assert!(
        !page.contains(r#"id="message-erreur""#),
        "the message is fine"
    );
    let sent = [fields.as_slice(), &[("consentement", "oui")]].concat();
    let referral = referral_location(&app.post_form(&path, Some(&prescriber.cookie), &sent).await);
    let referral = referral.expect("sent");

    let mediator =
        sign_in_elsewhere(&app, library_id, "mediatrice@example.fr", Role::Mediator).await;
    let refusal = [
        ("csrf_token", mediator.csrf.as_str()),
        ("action", "refuser"),
        ("version", "1"),
        ("commentaire", "Rappeler après les vacances."),
    ];
    let no_reason = app
        .post_form(&referral, Some(&mediator.cookie), &refusal)
        .await;
    assert_eq!(no_reason.status(), StatusCode::CONFLICT);
    let page = body_text(no_reason).await;
    assert!(page.contains(r##"<a href="#motif">Choisissez le motif du refus.</a>"##));
    assert!(page.contains(r#"id="motif-erreur""#));
    assert!(page.contains("Rappeler après les vacances.</textarea>"));
    let with_reason = [refusal.as_slice(), &[("motif", "no_capacity")]].concat();
    let refused = app
        .post_form(&referral, Some(&mediator.cookie), &with_reason)
        .await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let confirmed = location(&refused).expect("back to the referral");
    assert_eq!(confirmed, format!("{referral}?fait=refusee"));
    let page = body_text(app.get(&confirmed, Some(&mediator)).await).await;
    assert!(page.contains("Refus enregistré"), "the step is confirmed");
    let seen = body_text(app.get(&referral, Some(&prescriber)).await).await;
    assert!(
        !seen.contains("Refus enregistré"),
        "only right after the step"
    );
    assert!(seen.contains("Refus : Plus de place disponible"), "{seen}");
}

/// Enrols and diagnoses a person with extra answers (urgency, availability…) and opens the ranked
/// offers.
async fn ranked_for(
    world: &common::journeys::World,
    first_name: &str,
    extra: &[(&str, &str)],
) -> String {
    let (app, prescriber) = (&world.app, &world.prescriber);
    let id = common::journeys::diagnosed_person(app, prescriber, (first_name, ""), extra).await;
    let person = format!("/personnes/{id}");
    body_text(
        app.get(&format!("{person}/orientation"), Some(prescriber))
            .await,
    )
    .await
}

#[tokio::test]
async fn the_ranking_puts_the_urgent_procedure_first_and_keeps_to_the_person_s_availability() {
    let world = common::journeys::world(aiguillage_web::Settings::default()).await;
    // The library helps with procedures: with a CAF deadline, it is marked and first.
    let urgent = ranked_for(
        &world,
        "Ginette",
        &[
            ("urgence_organisme", "CAF ou MSA"),
            ("urgence_demarche", "Faire une déclaration"),
            ("urgence_echeance", "2026-11-25"),
            ("moyens", "À pied"),
        ],
    )
    .await;
    assert!(
        urgent.contains("min à pied)."),
        "the distance as a walking time: {urgent}"
    );
    assert!(urgent.contains("aide à la démarche urgente"), "{urgent}");
    assert!(!urgent.contains("Aucune offre à portée"), "{urgent}");
    assert!(
        urgent.contains("Ouvert : mardi : 10 h – 18 h"),
        "the hours: {urgent}"
    );
    // Available only on weekday evenings: the library (closed then) is left out, and says why.
    let evenings = ranked_for(
        &world,
        "Paulette",
        &[("disponibilites", "En semaine en soirée")],
    )
    .await;
    assert!(
        evenings.contains("Médiathèque Toussaint — Maîtrise des outils numériques du quotidien et aide aux démarches administratives : Le lieu n'est pas ouvert quand la personne est disponible."),
        "{evenings}"
    );
}

#[tokio::test]
async fn an_offer_s_stops_are_typed_by_commune_and_day_and_ranking_measures_to_the_nearest() {
    let world = common::journeys::world(aiguillage_web::Settings::default()).await;
    let app = &world.app;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let path = format!("/annuaire/{}/offres/{}", world.library_id, world.offer_id);
    let save = |stops: &'static str| {
        let (coordinator, path) = (coordinator.clone(), path.clone());
        async move {
            app.post_form(
                &path,
                Some(&coordinator.cookie),
                &[
                    ("csrf_token", coordinator.csrf.as_str()),
                    ("nom", "Bus numérique"),
                    ("services", "Aide aux démarches administratives"),
                    ("services", "Maîtrise des outils numériques du quotidien"),
                    ("arrets", stops),
                ],
            )
            .await
        }
    };
    let refused = save("Trélazé ; marsdi").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = body_text(refused).await;
    assert!(
        refused.contains("Ligne 1 : « marsdi » n'est pas un jour de la semaine"),
        "{refused}"
    );
    assert!(
        refused.contains("Trélazé ; marsdi"),
        "what was typed stays: {refused}"
    );
    let unknown = body_text(save("Nulle-Part-Sur-Loire ; mardi").await).await;
    assert!(
        unknown.contains("Ligne 1 : la commune « Nulle-Part-Sur-Loire » est introuvable"),
        "{unknown}"
    );
    assert_eq!(
        save("Trélazé ; mardi, jeudi\nSaumur ; samedi")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let form = body_text(app.get(&path, Some(&coordinator)).await).await;
    assert!(
        form.contains("Trélazé ; mardi, jeudi\nSaumur ; samedi"),
        "{form}"
    );
    // A person of Angers: the offer is measured to its nearest stop, Trélazé, and says so.
    let page = ranked_for(&world, "Lucette", &[]).await;
    assert!(
        page.contains("Itinérante : arrêt le plus proche à Trélazé (le mardi et le jeudi)"),
        "{page}"
    );
}

/// A long queue is shown fifty lines at a time, the filters kept from page to page; the download
/// still holds every line.
#[tokio::test]
async fn the_active_queue_is_paged_with_its_filters_kept() {
    use aiguillage_domain::diagnostic::{profile, SkillAnswer};
    use aiguillage_domain::orientation::{ReferralEvent, ReferralState};
    use aiguillage_store::{
        SyntheticDiagnostic, SyntheticPerson, SyntheticReferral, SyntheticStep,
    };
    let world = common::journeys::world(aiguillage_web::Settings::default()).await;
    let app = &world.app;
    let now = common::START;
    let answers = aiguillage_store::testing::answers_with(SkillAnswer::WithHelp);
    let computed = profile(&answers, aiguillage_domain::calendar::date_of(now));
    let person = |index: usize| SyntheticPerson {
        first_name: "Prénom".into(),
        last_name: format!("Nom{index}"),
        commune_code: "49007".into(),
        birth_year: 1960,
        enrolled_at: now - 86_400,
        urgent: false,
        diagnostics: vec![SyntheticDiagnostic {
            made_at: now - 86_400,
            answers_json: serde_json::to_string(&answers).expect("json"),
            profile_json: serde_json::to_string(&computed).expect("json"),
            typology: computed.typology,
            overall: computed.overall,
            first_help: computed.first_help(),
        }],
        referrals: vec![SyntheticReferral {
            offer_id: world.offer_id,
            receiver_structure_id: world.library_id,
            steps: vec![SyntheticStep {
                event: ReferralEvent::Send,
                to: ReferralState::Sent,
                at: now - 3_600,
            }],
            sessions: vec![],
            closing: None,
            appointment: None,
        }],
    };
    let people: Vec<SyntheticPerson> = (0..120).map(person).collect();
    let structure = app
        .store
        .place_id("test", "mediatheque-angers")
        .await
        .expect("id")
        .expect("place");
    app.store
        .insert_synthetic_people(structure, &people, &[])
        .await
        .expect("insert");
    let coordinator = app.sign_in(Role::Coordinator).await;
    let first = body_text(
        app.get("/file-active?vue=attente", Some(&coordinator))
            .await,
    )
    .await;
    assert!(
        first.contains("Orientations 1 à 50 sur 120 retenues"),
        "{first}"
    );
    assert_eq!(
        first.matches("<tr>").count(),
        51,
        "a header and fifty lines"
    );
    assert!(
        first.contains("href=\"/file-active?vue=attente&urgence=&offre=&page=2\""),
        "the next page keeps the filter: {first}"
    );
    let last = body_text(
        app.get("/file-active?vue=attente&page=3", Some(&coordinator))
            .await,
    )
    .await;
    assert!(
        last.contains("Orientations 101 à 120 sur 120 retenues"),
        "{last}"
    );
    let beyond = body_text(
        app.get("/file-active?vue=attente&page=99", Some(&coordinator))
            .await,
    )
    .await;
    assert!(
        beyond.contains("Orientations 101 à 120"),
        "a page beyond the last shows the last"
    );
    let download = body_text(
        app.get("/file-active?vue=attente&format=csv", Some(&coordinator))
            .await,
    )
    .await;
    assert_eq!(
        download.lines().count(),
        121,
        "every line kept, and the header"
    );
}

/// `/orientations` pages each section fifty at a time: the count of all, links to the other pages
/// keeping the other section's page, a page beyond the last showing the last; nothing is lost past
/// the first page.
#[tokio::test]
async fn the_referrals_page_is_paged_per_section() {
    let world = common::journeys::world(aiguillage_web::Settings::default()).await;
    let app = &world.app;
    for rank in 0..52_u8 {
        let suffix: String = [b'a' + rank / 26, b'a' + rank % 26]
            .iter()
            .map(|b| char::from(*b))
            .collect();
        common::journeys::sent_referral(&world, &format!("Personne{suffix}")).await;
    }
    let first = body_text(app.get("/orientations", Some(&world.prescriber)).await).await;
    assert!(first.contains("Orientations 1 à 50 sur 52"), "{first}");
    assert!(
        first.contains("href=\"/orientations?recues=1&envoyees=2#envoyees\""),
        "{first}"
    );
    let second = body_text(
        app.get("/orientations?recues=1&envoyees=2", Some(&world.prescriber))
            .await,
    )
    .await;
    assert!(second.contains("Orientations 51 à 52 sur 52"), "{second}");
    assert!(
        second.contains("Personneaa"),
        "the oldest is on the last page"
    );
    let beyond = body_text(
        app.get("/orientations?envoyees=9", Some(&world.prescriber))
            .await,
    )
    .await;
    assert!(beyond.contains("Orientations 51 à 52 sur 52"), "{beyond}");
    let received = body_text(app.get("/orientations", Some(&world.mediator)).await).await;
    assert!(
        received.contains("Orientations 1 à 50 sur 52"),
        "{received}"
    );
}
