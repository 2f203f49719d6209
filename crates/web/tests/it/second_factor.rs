//! The second factor through the real pages, with the test's clock: an administrator enrols before
//! any page; a code of the clock's step is accepted once, one two steps old is refused, a replay is
//! refused; a recovery code works once; wrong codes are throttled like passwords; an administrator's
//! reset is audited and ends the account's sessions; anyone may enrol from « Mon compte ».

use crate::common::{
    base32_decode, between, body_text, email_of, location, password_of, recovery_codes_in,
    set_cookie, Session, TestApp,
};
use aiguillage_domain::role::Role;
use aiguillage_domain::second_factor::{code_at_step, time_step};
use axum::http::StatusCode;

/// Signs in with the password only: the waiting session's cookie and where the login sent it.
async fn password_step(app: &TestApp, role: Role) -> (String, String) {
    let response = app.attempt_login(&email_of(role), &password_of(role)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response).expect("a next step");
    let token = set_cookie(&response, "aiguillage_session").expect("session");
    (format!("aiguillage_session={token}"), to)
}

/// Posts `code` on the code step of a waiting sign-in.
async fn type_code(app: &TestApp, pending: &str, code: &str) -> axum::response::Response {
    let (_, csrf_cookie) = app.step_page("/connexion/code", pending).await;
    let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
    app.post_form(
        "/connexion/code",
        Some(&format!("{pending}; {csrf_cookie}")),
        &[("csrf_token", &csrf), ("code", code), ("suivant", "/")],
    )
    .await
}

fn as_session(cookie: &str) -> Session {
    Session {
        cookie: cookie.to_owned(),
        csrf: String::new(),
    }
}

#[tokio::test]
async fn an_administrator_enrols_before_reaching_any_page() {
    let app = TestApp::new().await;
    let (pending, to) = password_step(&app, Role::Administrator).await;
    assert_eq!(to, "/connexion/double-authentification?suivant=%2F");
    // Waiting for the second factor is not being signed in.
    let account = app.get("/compte", Some(&as_session(&pending))).await;
    assert_eq!(account.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&account).as_deref(),
        Some("/connexion?suivant=%2Fcompte")
    );
    let login = app
        .get("/connexion?suivant=%2Fcompte", Some(&as_session(&pending)))
        .await;
    assert_eq!(
        location(&login).as_deref(),
        Some("/connexion/double-authentification?suivant=%2Fcompte")
    );
    let admin = app
        .get("/administration/comptes", Some(&as_session(&pending)))
        .await;
    assert_eq!(admin.status(), StatusCode::SEE_OTHER);

    let (html, csrf_cookie) = app.step_page(&to, &pending).await;
    assert!(
        html.contains("<svg role=\"img\""),
        "a QR code drawn in the page"
    );
    assert!(html.contains("Étape obligatoire pour votre rôle"));
    let typed = between(
        &html,
        "id=\"secret-totp\" class=\"fr-text--lg\">",
        "</code>",
    )
    .unwrap();
    let secret = base32_decode(&typed);
    assert_eq!(secret.len(), 20);
    let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let cookie = format!("{pending}; {csrf_cookie}");
    let wrong = app
        .post_form(
            "/connexion/double-authentification",
            Some(&cookie),
            &[("csrf_token", &csrf), ("code", "000000"), ("suivant", "/")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let csrf_cookie = format!(
        "__Host-aiguillage_csrf={}",
        set_cookie(&wrong, "__Host-aiguillage_csrf").unwrap()
    );
    let page = body_text(wrong).await;
    assert!(
        page.contains("href=\"#code\""),
        "the error summary links the field"
    );
    assert!(
        page.contains(&typed),
        "the same secret while the enrolment waits"
    );
    let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let code = code_at_step(&secret, time_step(app.now()));
    let done = app
        .post_form(
            "/connexion/double-authentification",
            Some(&format!("{pending}; {csrf_cookie}")),
            &[("csrf_token", &csrf), ("code", &code), ("suivant", "/")],
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let signed_in = format!(
        "aiguillage_session={}",
        set_cookie(&done, "aiguillage_session").unwrap()
    );
    assert_ne!(signed_in, pending, "a new session token once signed in");
    let codes_page = body_text(done).await;
    assert!(
        codes_page.contains("Se déconnecter"),
        "the page is drawn signed in"
    );
    let session_csrf = crate::common::hidden_csrf(&codes_page).expect("the session's token");
    let codes = recovery_codes_in(&codes_page);
    assert_eq!(codes.len(), 10);
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);

    let account = app.get("/compte", Some(&as_session(&signed_in))).await;
    assert_eq!(account.status(), StatusCode::OK);
    let account = body_text(account).await;
    assert!(account.contains("Double authentification active depuis le"));
    let old = app.get("/compte", Some(&as_session(&pending))).await;
    assert_eq!(
        old.status(),
        StatusCode::SEE_OTHER,
        "the waiting session is gone"
    );
    // The token of the codes page is the new session's: its logout form works.
    let session = Session {
        cookie: signed_in.clone(),
        csrf: session_csrf,
    };
    let out = app
        .post_form(
            "/deconnexion",
            Some(&session.cookie),
            &[("csrf_token", &session.csrf)],
        )
        .await;
    assert_eq!(location(&out).as_deref(), Some("/connexion?deconnecte=1"));
    assert_eq!(
        app.get("/compte", Some(&session)).await.status(),
        StatusCode::SEE_OTHER
    );
    app.second_factors.lock().unwrap().insert(
        email_of(Role::Administrator),
        crate::common::Enrolled {
            secret: secret.clone(),
            recovery_codes: codes.clone(),
            last_step: time_step(app.now()),
        },
    );
    let signed_in = app.sign_in(Role::Administrator).await.cookie;
    // The secret is never shown again.
    let status = app
        .get(
            "/compte/double-authentification",
            Some(&as_session(&signed_in)),
        )
        .await;
    let status = body_text(status).await;
    // Signed in again within the same 30 seconds, the step's code had served: a recovery code did.
    assert!(status.contains("Codes de secours encore utilisables : <strong>9</strong>"));
    assert!(!status.contains(&typed) && !status.contains("secret-totp"));
}

#[tokio::test]
async fn a_code_is_accepted_in_its_step_once_and_a_recovery_code_once() {
    let app = TestApp::new().await;
    app.sign_in(Role::Coordinator).await; // enrols
    let email = email_of(Role::Coordinator);
    let enrolled = app.second_factors.lock().unwrap()[&email].clone();
    app.advance(120);
    let step = time_step(app.now());

    let (pending, to) = password_step(&app, Role::Coordinator).await;
    assert_eq!(to, "/connexion/code?suivant=%2F");
    let stale = type_code(&app, &pending, &code_at_step(&enrolled.secret, step - 2)).await;
    assert_eq!(
        stale.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "two steps old"
    );
    assert!(body_text(stale).await.contains("Code incorrect"));
    let right = code_at_step(&enrolled.secret, step);
    let accepted = type_code(&app, &pending, &right).await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&accepted).as_deref(), Some("/"));

    // The same code again, in the same step, on another sign-in: a replay.
    let (pending, _) = password_step(&app, Role::Coordinator).await;
    let replay = type_code(&app, &pending, &right).await;
    assert_eq!(replay.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(replay).await.contains("déjà servi"));
    // A code of the step before, although within the accepted skew, is older than the one used.
    let earlier = type_code(&app, &pending, &code_at_step(&enrolled.secret, step - 1)).await;
    assert_eq!(earlier.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A recovery code, typed loosely, works once.
    let recovery = enrolled.recovery_codes[0].to_lowercase().replace('-', " ");
    let with_recovery = type_code(&app, &pending, &recovery).await;
    assert_eq!(with_recovery.status(), StatusCode::SEE_OTHER);
    let to = location(&with_recovery).unwrap();
    assert_eq!(to, "/compte/double-authentification?secours=1");
    let cookie = format!(
        "aiguillage_session={}",
        set_cookie(&with_recovery, "aiguillage_session").unwrap()
    );
    let page = body_text(app.get(&to, Some(&as_session(&cookie))).await).await;
    assert!(page.contains("Il vous en reste 9"));
    let (pending, _) = password_step(&app, Role::Coordinator).await;
    let again = type_code(&app, &pending, &enrolled.recovery_codes[0]).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "spent");
    // The next step's code is good.
    app.advance(30);
    let next = type_code(&app, &pending, &code_at_step(&enrolled.secret, step + 1)).await;
    assert_eq!(next.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_passwords_and_a_waiting_sign_in_expires() {
    let app = TestApp::new().await;
    app.sign_in(Role::Administrator).await;
    let enrolled = app.second_factors.lock().unwrap()[&email_of(Role::Administrator)].clone();
    app.advance(60);
    let (pending, _) = password_step(&app, Role::Administrator).await;
    for _ in 0..5 {
        let wrong = type_code(&app, &pending, "123456").await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let right = code_at_step(&enrolled.secret, time_step(app.now()));
    let throttled = type_code(&app, &pending, &right).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(body_text(throttled)
        .await
        .contains("Trop de codes incorrects"));
    // Fifteen minutes later the throttle has passed, but the waiting sign-in has expired (10 min).
    app.advance(15 * 60);
    let expired = app
        .get("/connexion/code", Some(&as_session(&pending)))
        .await;
    assert_eq!(location(&expired).as_deref(), Some("/connexion?expiree=1"));
    let (pending, _) = password_step(&app, Role::Administrator).await;
    let right = code_at_step(&enrolled.secret, time_step(app.now()));
    assert_eq!(
        type_code(&app, &pending, &right).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_administrator_resets_a_second_factor_as_an_audited_action() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let admin = app.sign_in(Role::Administrator).await;
    let coordinator_id = app
        .store
        .login_candidate(&email_of(Role::Coordinator))
        .await
        .unwrap()
        .unwrap()
        .account
        .id;
    let list = body_text(app.get("/administration/comptes", Some(&admin)).await).await;
    let action = format!("/administration/comptes/{coordinator_id}/double-authentification");
    assert!(
        list.contains(&action),
        "a reset button for an enrolled account"
    );
    // Another role may not (the guard), and an unknown account is not found.
    let refused = app
        .post_form(
            &action,
            Some(&coordinator.cookie),
            &[("csrf_token", &coordinator.csrf)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let unknown = app
        .post_form(
            "/administration/comptes/999999/double-authentification",
            Some(&admin.cookie),
            &[("csrf_token", &admin.csrf)],
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let reset = app
        .post_form(&action, Some(&admin.cookie), &[("csrf_token", &admin.csrf)])
        .await;
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    let done = body_text(app.get(&location(&reset).unwrap(), Some(&admin)).await).await;
    assert!(done.contains("est réinitialisée"));
    // The coordinator's session has ended, and the next sign-in enrols again.
    let page = app.get("/compte", Some(&coordinator)).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let (_, to) = password_step(&app, Role::Coordinator).await;
    assert!(to.starts_with("/connexion/double-authentification"));
    let journal = app.store.list_audit(20, 0).await.unwrap();
    let entry = journal
        .iter()
        .find(|e| {
            e.record_kind == "second_factor"
                && e.reason.ends_with("/double-authentification")
                && e.record_id == coordinator_id.to_string()
                && e.action.code() == "delete"
        })
        .expect("the reset is in the audit trail");
    assert!(entry
        .actor_name
        .as_deref()
        .unwrap_or_default()
        .contains("Administrat"));
}

#[tokio::test]
async fn a_mediator_may_enrol_from_the_account_page_and_is_asked_the_code_after() {
    let app = TestApp::new().await;
    let mediator = app.sign_in(Role::Mediator).await;
    let account = body_text(app.get("/compte", Some(&mediator)).await).await;
    assert!(account.contains("Activer la double authentification"));
    let page = body_text(
        app.get("/compte/double-authentification", Some(&mediator))
            .await,
    )
    .await;
    assert!(!page.contains("Étape obligatoire"));
    let secret = base32_decode(
        &between(
            &page,
            "id=\"secret-totp\" class=\"fr-text--lg\">",
            "</code>",
        )
        .unwrap(),
    );
    let code = code_at_step(&secret, time_step(app.now()));
    let done = app
        .post_form(
            "/compte/double-authentification",
            Some(&mediator.cookie),
            &[("csrf_token", &mediator.csrf), ("code", &code)],
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(recovery_codes_in(&body_text(done).await).len(), 10);
    let (_, to) = password_step(&app, Role::Mediator).await;
    assert_eq!(to, "/connexion/code?suivant=%2F");
}
