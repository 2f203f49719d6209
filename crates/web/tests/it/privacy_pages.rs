//! The data-protection access rules through the real router (DATA-PROTECTION.md, "Who sees what"),
//! with the test clock moved as the rules require: the receiving structure's access to a referral
//! ends 90 days after it closed (not found), while the enrolling structure keeps it; a contact
//! request is seen by the structure that took it alone, erased when it closes it or when nobody
//! took it in time, as the thank-you page says; a referral redirected by the coordinator shows the
//! new structure neither the prescriber's message nor the profile until the person's agreement.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::directory::{Place, Service, SupportMode};
use aiguillage_domain::role::Role;
use aiguillage_web::Settings;
use axum::http::StatusCode;
use common::journeys::{good_session, referral_at_first_contact, world, ANSWERS, MEDIATOR};
use common::{
    body_text, hidden_csrf, location, referral_location, set_cookie, sign_in_elsewhere, Session,
    TestApp,
};

use aiguillage_domain::calendar::DAY;
/// The password `sign_in_elsewhere` gives the accounts it creates.
const ELSEWHERE_PASSWORD: &str = "une phrase de passe assez longue 2026";

/// Signs in again an account created earlier (sessions do not survive the clock's jumps).
async fn sign_in_again(app: &TestApp, email: &str) -> Session {
    let response = app.attempt_login(email, ELSEWHERE_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "login of {email}");
    let token = set_cookie(&response, "aiguillage_session").expect("session");
    let cookie = format!("aiguillage_session={token}");
    let page = app
        .get(
            "/compte",
            Some(&Session {
                cookie: cookie.clone(),
                csrf: String::new(),
            }),
        )
        .await;
    let csrf = hidden_csrf(&body_text(page).await).expect("csrf");
    Session { cookie, csrf }
}

#[tokio::test]
async fn the_receiving_structure_reads_a_closed_referral_for_ninety_days_then_gets_not_found() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;
    let mediator = &world.mediator;
    let recorded = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&mediator.cookie),
            &good_session(&mediator.csrf),
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let closed = app
        .post_form(
            &format!("{referral}/cloture"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("version", "4"),
                ("issue", "Autonomie atteinte"),
            ],
        )
        .await;
    assert_eq!(closed.status(), StatusCode::SEE_OTHER, "closed");

    app.advance(89 * DAY);
    let mediator = sign_in_again(app, MEDIATOR).await;
    let page = body_text(app.get(&referral, Some(&mediator)).await).await;
    assert!(page.contains("Le Goff") && page.contains("0612345678"));

    app.advance(DAY);
    let mediator = sign_in_again(app, MEDIATOR).await;
    let detail = app.get(&referral, Some(&mediator)).await;
    assert_eq!(detail.status(), StatusCode::NOT_FOUND, "closed 90 days ago");
    let detail = body_text(detail).await;
    assert!(!detail.contains("Le Goff") && !detail.contains("0612345678"));
    let list = body_text(app.get("/orientations", Some(&mediator)).await).await;
    assert!(!list.contains("Le Goff"), "no longer in the received list");
    let session = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&mediator.cookie),
            &good_session(&mediator.csrf),
        )
        .await;
    assert_eq!(session.status(), StatusCode::NOT_FOUND);
    let close = app
        .post_form(
            &format!("{referral}/cloture"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", &mediator.csrf),
                ("version", "5"),
                ("issue", "Abandon"),
            ],
        )
        .await;
    assert_eq!(close.status(), StatusCode::NOT_FOUND);

    let prescriber = app.sign_in(Role::Prescriber).await;
    let sender_view = app.get(&referral, Some(&prescriber)).await;
    assert_eq!(sender_view.status(), StatusCode::OK);
    let sender_view = body_text(sender_view).await;
    assert!(
        sender_view.contains("Le Goff") && sender_view.contains("Autonomie atteinte"),
        "the enrolling structure keeps its record"
    );
}

/// Leaves a contact request through the public self-diagnostic; returns the thank-you page.
async fn leave_request(app: &TestApp, first_name: &str, phone: &str) -> String {
    let page = app.get("/auto-diagnostic", None).await;
    let cookie = format!(
        "__Host-aiguillage_csrf={}",
        set_cookie(&page, "__Host-aiguillage_csrf").expect("csrf cookie")
    );
    let token = hidden_csrf(&body_text(page).await).expect("token");
    let mut fields = vec![("csrf_token", token.as_str())];
    fields.extend_from_slice(ANSWERS);
    fields.extend_from_slice(&[
        ("commune", "Angers"),
        ("prenom", first_name),
        ("telephone", phone),
        ("accord", "oui"),
    ]);
    let sent = app
        .post_form("/auto-diagnostic/contact", Some(&cookie), &fields)
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    body_text(sent).await
}

/// The id in the first « prendre » form of the page.
fn first_take_id(page: &str) -> String {
    page.split("/demandes-contact/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a request to take")
        .to_owned()
}

async fn stored_requests(app: &TestApp) -> i64 {
    app.store
        .personal_row_counts()
        .await
        .expect("counts")
        .contact_requests
}

#[tokio::test]
async fn a_contact_request_taken_by_one_structure_is_hidden_from_the_others_and_erased_when_closed()
{
    let world = world(Settings::default()).await;
    let app = &world.app;
    let thanks = leave_request(app, "Marcel", "0241000000").await;
    assert!(
        thanks.contains("elle seule voit vos coordonnées"),
        "{thanks}"
    );
    assert!(thanks.contains("au plus tard 90 jours"));
    assert!(thanks.contains("effacée dans 90 jours"));
    assert!(
        !thanks.contains("il effacera vos informations"),
        "no promise the product breaks"
    );

    let prescriber = &world.prescriber;
    let other = sign_in_elsewhere(
        app,
        world.library_id,
        "prescripteur@example.fr",
        Role::Prescriber,
    )
    .await;
    let before = body_text(app.get("/demandes-contact", Some(&other)).await).await;
    assert!(before.contains("Marcel") && before.contains("0241000000"));
    let id = first_take_id(&before);
    let taken = app
        .post_form(
            &format!("/demandes-contact/{id}/prendre"),
            Some(&prescriber.cookie),
            &[("csrf_token", &prescriber.csrf)],
        )
        .await;
    assert_eq!(taken.status(), StatusCode::SEE_OTHER);

    let ours = body_text(app.get("/demandes-contact", Some(prescriber)).await).await;
    assert!(ours.contains("Marcel") && ours.contains("0241000000"));
    assert!(ours.contains(&format!("/demandes-contact/{id}/cloture")));
    let theirs = body_text(app.get("/demandes-contact", Some(&other)).await).await;
    assert!(
        !theirs.contains("Marcel") && !theirs.contains("0241000000"),
        "another structure no longer sees it: {theirs}"
    );
    let coordinator = app.sign_in(Role::Coordinator).await;
    let pseudonymised = body_text(app.get("/demandes-contact", Some(&coordinator)).await).await;
    assert!(!pseudonymised.contains("Marcel") && !pseudonymised.contains("0241000000"));

    let close = format!("/demandes-contact/{id}/cloture");
    let by_other = app
        .post_form(
            &close,
            Some(&other.cookie),
            &[("csrf_token", &other.csrf), ("issue", "sans_suite")],
        )
        .await;
    assert_eq!(by_other.status(), StatusCode::NOT_FOUND);
    let unsaid = app
        .post_form(
            &close,
            Some(&prescriber.cookie),
            &[("csrf_token", &prescriber.csrf)],
        )
        .await;
    assert_eq!(
        unsaid.status(),
        StatusCode::BAD_REQUEST,
        "how it ends must be said"
    );
    assert_eq!(stored_requests(app).await, 1, "nothing erased yet");
    let closed = app
        .post_form(
            &close,
            Some(&prescriber.cookie),
            &[("csrf_token", &prescriber.csrf), ("issue", "sans_suite")],
        )
        .await;
    assert_eq!(
        location(&closed).as_deref(),
        Some("/demandes-contact?close=ok")
    );
    assert_eq!(stored_requests(app).await, 0, "closing erases it");
    let after = body_text(
        app.get("/demandes-contact?close=ok", Some(prescriber))
            .await,
    )
    .await;
    assert!(after.contains("coordonnées de la personne sont effacées"));
    assert!(!after.contains("Marcel"));
}

#[tokio::test]
async fn a_contact_request_nobody_takes_is_erased_after_ninety_days() {
    let app = TestApp::new().await;
    leave_request(&app, "Lucienne", "0241000001").await;
    app.advance(89 * DAY);
    let prescriber = app.sign_in(Role::Prescriber).await;
    let page = body_text(app.get("/demandes-contact", Some(&prescriber)).await).await;
    assert!(page.contains("Lucienne"));
    app.advance(DAY);
    let prescriber = app.sign_in(Role::Prescriber).await;
    let page = body_text(app.get("/demandes-contact", Some(&prescriber)).await).await;
    assert!(!page.contains("Lucienne"), "erased after 90 days untaken");
    assert_eq!(stored_requests(&app).await, 0);
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

const MESSAGE: &str = "Vit seule depuis le décès de son mari, a peur des arnaques.";

#[tokio::test]
async fn a_redirected_referral_hides_the_message_and_the_profile_until_the_person_agrees() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let other_id = second_place(app).await;
    let other_offer = app.store.offers_of(other_id).await.expect("offers")[0].id;
    let prescriber = &world.prescriber;
    let mut fields = vec![("csrf_token", prescriber.csrf.as_str())];
    fields.extend_from_slice(&[
        ("prenom", "Josiane"),
        ("nom", "Le Goff"),
        ("telephone", "0612345678"),
        ("commune_recherche", "Angers"),
        ("consentement", "oui"),
    ]);
    let enrolled = app
        .post_form("/personnes/inscrire", Some(&prescriber.cookie), &fields)
        .await;
    let to = location(&enrolled).expect("enrolled");
    let mut answers = vec![("csrf_token", prescriber.csrf.as_str())];
    answers.extend_from_slice(ANSWERS);
    app.post_form(&to, Some(&prescriber.cookie), &answers).await;
    let person = to
        .trim_start_matches("/personnes/")
        .trim_end_matches("/diagnostic");
    let offer = world.offer_id.to_string();
    let sent = app
        .post_form(
            &format!("/personnes/{person}/orientation"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", &prescriber.csrf),
                ("offre", &offer),
                ("message", MESSAGE),
                ("consentement", "oui"),
            ],
        )
        .await;
    let referral = referral_location(&sent).expect("sent");
    let referral_id = referral.trim_start_matches("/orientations/");
    let first = body_text(app.get(&referral, Some(&world.mediator)).await).await;
    assert!(
        first.contains(MESSAGE) && first.contains("Typologie"),
        "the first receiver had the consent"
    );
    let refused = app
        .post_form(
            &referral,
            Some(&world.mediator.cookie),
            &[
                ("csrf_token", &world.mediator.csrf),
                ("action", "refuser"),
                ("motif", "Plus de place disponible"),
                ("commentaire", "Mme Le Goff rappellera en janvier."),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);

    let coordinator = app.sign_in(Role::Coordinator).await;
    app.get(
        "/territoire/redistribution?refusees=1&calcul=1",
        Some(&coordinator),
    )
    .await;
    let moved = app
        .post_form(
            "/territoire/redistribution",
            Some(&coordinator.cookie),
            &[
                ("csrf_token", &coordinator.csrf),
                ("deplacement", &format!("{referral_id}:2:{other_offer}")),
            ],
        )
        .await;
    assert!(location(&moved)
        .expect("applied")
        .starts_with("/territoire/redistribution?appliquees=1&ecartees=0&lot="));

    let new_receiver =
        sign_in_elsewhere(app, other_id, "belle-beille@example.fr", Role::Mediator).await;
    let page = app.get(&referral, Some(&new_receiver)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = body_text(page).await;
    assert!(
        !page.contains(MESSAGE),
        "no message without the consent: {page}"
    );
    assert!(
        !page.contains("Typologie"),
        "no profile without the consent"
    );
    assert!(
        !page.contains("rappellera en janvier"),
        "no comment of the history"
    );
    assert!(!page.contains("Le Goff") && !page.contains("0612345678"));
    assert!(page.contains("J. L."), "initials");
    assert!(page.contains("Profil non transmis"));
    assert!(page.contains("ni le message du prescripteur, ni son profil"));
    assert!(page.contains("Le prescripteur doit recueillir l'accord de la personne"));
    let list = body_text(app.get("/orientations", Some(&new_receiver)).await).await;
    assert!(!list.contains("Le Goff"));

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
    let page = body_text(app.get(&referral, Some(&new_receiver)).await).await;
    assert!(page.contains(MESSAGE) && page.contains("Typologie") && page.contains("Le Goff"));
    assert!(!page.contains("Profil non transmis"));
}
