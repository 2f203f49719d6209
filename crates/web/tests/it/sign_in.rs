//! Login, sessions, throttle and CSRF, through the real router.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_domain::throttle::{MAX_FAILURES_PER_ACCOUNT, WINDOW_SECONDS};
use axum::http::StatusCode;
use common::{body_text, email_of, location, password_of, set_cookie_line, TestApp};

#[tokio::test]
async fn a_wrong_password_gets_a_clear_french_message_and_no_session() {
    let app = TestApp::new().await;
    let response = app
        .attempt_login(&email_of(Role::Mediator), "pas le bon mot de passe")
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie_line(&response, "aiguillage_session").is_none());
    let html = body_text(response).await;
    assert!(
        html.contains("Adresse électronique ou mot de passe incorrect."),
        "{html}"
    );
    assert!(
        html.contains("value=\"mediator@test.aiguillage.fr\""),
        "the e-mail is kept in the form"
    );
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_message_as_a_wrong_password() {
    let app = TestApp::new().await;
    let response = app
        .attempt_login("personne@nulle-part.fr", "girafe tambour orageux")
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(body_text(response)
        .await
        .contains("Adresse électronique ou mot de passe incorrect."));
}

#[tokio::test]
async fn a_successful_login_sets_a_secure_http_only_lax_cookie_and_leads_home() {
    let app = TestApp::new().await;
    let response = app
        .attempt_login(&email_of(Role::Mediator), &password_of(Role::Mediator))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response).as_deref(), Some("/"));
    let cookie = set_cookie_line(&response, "aiguillage_session").expect("session cookie");
    for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "the server decides the lifetime"
    );
}

#[tokio::test]
async fn each_role_sees_its_own_home_page() {
    let app = TestApp::new().await;
    for role in Role::ALL {
        let session = app.sign_in(role).await;
        let response = app.get("/", Some(&session)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let html = body_text(response).await;
        assert!(
            html.contains(&format!("Bonjour Test {}", role.label())),
            "{role}"
        );
        assert!(
            html.contains(&format!("fr-badge--info fr-mb-2w\">{}", role.label())),
            "{role}"
        );
        assert_eq!(
            html.contains("href=\"/administration/journal\""),
            role == Role::Administrator,
            "{role}"
        );
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_the_window_even_with_the_right_password() {
    let app = TestApp::new().await;
    let email = email_of(Role::Prescriber);
    for _ in 0..MAX_FAILURES_PER_ACCOUNT {
        let response = app.attempt_login(&email, "mauvais essai numéro x").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = app
        .attempt_login(&email, &password_of(Role::Prescriber))
        .await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(body_text(locked)
        .await
        .contains("Trop de tentatives de connexion"));

    app.advance(WINDOW_SECONDS + 1);
    let after = app
        .attempt_login(&email, &password_of(Role::Prescriber))
        .await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Mediator).await;
    app.advance(29 * 60);
    assert_eq!(
        app.get("/compte", Some(&session)).await.status(),
        StatusCode::OK
    );
    app.advance(30 * 60);
    let response = app.get("/compte", Some(&session)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response).as_deref(),
        Some("/connexion?suivant=%2Fcompte")
    );
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::StructureManager).await;
    let response = app
        .post_form(
            "/deconnexion",
            Some(&session.cookie),
            &[("csrf_token", &session.csrf)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response).as_deref(),
        Some("/connexion?deconnecte=1")
    );
    let replayed = app.get("/compte", Some(&session)).await;
    assert_eq!(
        location(&replayed).as_deref(),
        Some("/connexion?suivant=%2Fcompte")
    );
}

#[tokio::test]
async fn a_state_change_without_the_right_csrf_token_is_refused() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Administrator).await;
    let without = app
        .post_form("/deconnexion", Some(&session.cookie), &[])
        .await;
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    assert!(body_text(without).await.contains("Formulaire expiré"));
    let wrong = app
        .post_form(
            "/deconnexion",
            Some(&session.cookie),
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/compte", Some(&session)).await.status(),
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn a_login_without_its_csrf_cookie_is_refused() {
    let app = TestApp::new().await;
    let fields = [
        ("csrf_token", "x"),
        ("email", "administrator@test.aiguillage.fr"),
        ("password", "y"),
    ];
    let response = app.post_form("/connexion", None, &fields).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn after_login_the_person_returns_to_the_page_they_asked_for_but_never_elsewhere() {
    let app = TestApp::new().await;
    let asked = app.get("/territoire?q=saumur", None).await;
    assert_eq!(
        location(&asked).as_deref(),
        Some("/connexion?suivant=%2Fterritoire%3Fq%3Dsaumur")
    );
    for (next, expected) in [
        ("/territoire?q=saumur", "/territoire?q=saumur"),
        ("https://evil.example/", "/"),
    ] {
        let (cookie, token) = app.login_form().await;
        let email = email_of(Role::Prescriber);
        let password = password_of(Role::Prescriber);
        let fields = [
            ("csrf_token", token.as_str()),
            ("email", &email),
            ("password", &password),
            ("suivant", next),
        ];
        let response = app.post_form("/connexion", Some(&cookie), &fields).await;
        assert_eq!(location(&response).as_deref(), Some(expected));
    }
}
