//! A professional's self-service through the real pages: changing the password (the current one
//! required, the other sessions ended, audited), « Mon compte » listing the live sessions with
//! their device and ending one (never another account's), and the forgotten password: the same
//! answer whether the address exists or not, a link mailed to the real SMTP server of the tests,
//! which works once and for 30 minutes, and requests throttled.

use crate::common::{
    body_text, email_of, hidden_csrf, location, password_of, set_cookie, Session, SmtpServer,
    TestApp,
};
use aiguillage_domain::role::Role;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

const NEW_PASSWORD: &str = "heron cadastre lanterne quinze";
const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";

/// Signs in (no second factor) from a browser naming itself `agent`.
async fn sign_in_from(app: &TestApp, (email, password): (&str, &str), agent: &str) -> Session {
    let (cookie, token) = app.login_form().await;
    let body = format!(
        "csrf_token={}&email={}&password={}&suivant=%2F",
        urlencoding::encode(&token),
        urlencoding::encode(email),
        urlencoding::encode(password)
    );
    let response = app
        .send(
            Request::post("/connexion")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .header(header::USER_AGENT, agent)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(location(&response).as_deref(), Some("/"), "signed in");
    let cookie = format!(
        "aiguillage_session={}",
        set_cookie(&response, "aiguillage_session").unwrap()
    );
    let mut session = Session {
        cookie,
        csrf: String::new(),
    };
    session.csrf = hidden_csrf(&body_text(app.get("/compte", Some(&session)).await).await).unwrap();
    session
}

fn handles(page: &str) -> Vec<String> {
    page.split("action=\"/compte/sessions/")
        .skip(1)
        .filter_map(|part| part.split_once("/fin\"").map(|(h, _)| h.to_owned()))
        .collect()
}

async fn signed_in(app: &TestApp, session: &Session) -> bool {
    app.get("/compte", Some(session)).await.status() == StatusCode::OK
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_the_other_sessions() {
    let app = TestApp::new().await;
    let here = app.sign_in(Role::Mediator).await;
    let elsewhere = app.sign_in(Role::Mediator).await;
    let change = |current: &'static str, new: &'static str, again: &'static str| {
        let here = here.clone();
        let app = &app;
        async move {
            app.post_form(
                "/compte/mot-de-passe",
                Some(&here.cookie),
                &[
                    ("csrf_token", &here.csrf),
                    ("actuel", current),
                    ("nouveau", new),
                    ("confirmation", again),
                ],
            )
            .await
        }
    };
    let wrong = change("pas le bon mot de passe", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(wrong).await;
    assert!(page.contains("<a href=\"#actuel\">Le mot de passe actuel est incorrect.</a>"));
    let current: &'static str = Box::leak(password_of(Role::Mediator).into_boxed_str());
    let mismatch = change(current, NEW_PASSWORD, "heron cadastre lanterne seize").await;
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(mismatch).await.contains("href=\"#confirmation\""));
    let weak = change(current, "motdepasse", "motdepasse").await;
    assert!(body_text(weak).await.contains("href=\"#nouveau\""));
    assert!(signed_in(&app, &elsewhere).await, "nothing changed yet");

    let done = change(current, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&done).as_deref(),
        Some("/compte?mot_de_passe=change#securite")
    );
    assert!(
        signed_in(&app, &here).await,
        "the session it was changed from stays"
    );
    assert!(
        !signed_in(&app, &elsewhere).await,
        "the other session has ended"
    );
    let old = app.attempt_login(&email_of(Role::Mediator), current).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = app
        .attempt_login(&email_of(Role::Mediator), NEW_PASSWORD)
        .await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
    let journal = app.store.list_audit(10, 0).await.unwrap();
    assert!(journal
        .iter()
        .any(|e| e.record_kind == "password" && e.reason == "POST /compte/mot-de-passe"));
}

#[tokio::test]
async fn the_account_page_lists_the_sessions_and_ends_one_but_never_another_accounts() {
    let app = TestApp::new().await;
    let credentials = (email_of(Role::Mediator), password_of(Role::Mediator));
    let credentials = (credentials.0.as_str(), credentials.1.as_str());
    let here = sign_in_from(
        &app,
        credentials,
        "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36",
    )
    .await;
    app.advance(60);
    let laptop = sign_in_from(&app, credentials, FIREFOX).await;
    let page = body_text(app.get("/compte", Some(&here)).await).await;
    assert!(page.contains("Chrome sur Linux") && page.contains("Firefox sur Windows"));
    assert!(page.contains("cette session"));
    let listed = handles(&page);
    assert_eq!(listed.len(), 2);
    // This page's own session is the row marked « cette session ».
    let own_row = page
        .split("<tr>")
        .find(|row| row.contains(">cette session</p>"))
        .expect("the current session's row");
    let own = handles(own_row).pop().expect("its handle");
    let other = listed.iter().find(|h| **h != own).unwrap().clone();
    assert!(
        page.split("<tr>")
            .any(|row| row.contains("Firefox sur Windows") && row.contains(&other)),
        "{page}"
    );

    // Another account cannot end it: « not found », and the session lives on.
    let prescriber = app.sign_in(Role::Prescriber).await;
    let foreign = app
        .post_form(
            &format!("/compte/sessions/{other}/fin"),
            Some(&prescriber.cookie),
            &[("csrf_token", &prescriber.csrf)],
        )
        .await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    assert!(signed_in(&app, &laptop).await);

    let end = app
        .post_form(
            &format!("/compte/sessions/{other}/fin"),
            Some(&here.cookie),
            &[("csrf_token", &here.csrf)],
        )
        .await;
    assert_eq!(
        location(&end).as_deref(),
        Some("/compte?session=terminee#sessions")
    );
    assert!(
        !signed_in(&app, &laptop).await,
        "the laptop's session has ended"
    );
    let page = body_text(app.get("/compte?session=terminee", Some(&here)).await).await;
    assert!(page.contains("La session est fermée."));
    assert_eq!(handles(&page), vec![own.clone()]);
    // Ending one's own session signs out.
    let out = app
        .post_form(
            &format!("/compte/sessions/{own}/fin"),
            Some(&here.cookie),
            &[("csrf_token", &here.csrf)],
        )
        .await;
    assert_eq!(location(&out).as_deref(), Some("/connexion?deconnecte=1"));
    assert!(!signed_in(&app, &here).await);
}

/// The reset link of the mail (quoted-printable soft breaks undone).
fn link_in(mail: &str) -> String {
    let plain = mail.replace("=\r\n", "").replace("=\n", "");
    let start = plain.find("/mot-de-passe/nouveau/").expect("a reset link");
    plain[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_'))
        .collect()
}

async fn wait_for_mails(smtp: &SmtpServer, count: usize) -> Vec<String> {
    for _ in 0..100 {
        let mails = smtp.received();
        if mails.len() >= count {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    smtp.received()
}

async fn ask_reset(app: &TestApp, email: &str) -> (StatusCode, String) {
    let (cookie, token) = app.login_form().await;
    let response = app
        .post_form(
            "/mot-de-passe-oublie",
            Some(&cookie),
            &[("csrf_token", &token), ("email", email)],
        )
        .await;
    let status = response.status();
    let body = body_text(response).await;
    // The page's only varying part is the form's nonce, which the answer no longer carries.
    (status, body)
}

#[tokio::test]
async fn a_reset_link_is_mailed_works_once_and_the_answer_never_tells_who_has_an_account() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_settings(smtp.settings()).await;
    let prescriber = app.sign_in(Role::Prescriber).await;

    let (known_status, known) = ask_reset(&app, &email_of(Role::Prescriber).to_uppercase()).await;
    let (unknown_status, unknown) = ask_reset(&app, "personne@inconnu.fr").await;
    assert_eq!(known_status, StatusCode::OK);
    assert_eq!(unknown_status, StatusCode::OK);
    assert!(known.contains("Si un compte existe pour cette adresse"));
    assert_eq!(
        known, unknown,
        "the same page whether the address exists or not"
    );

    let mails = wait_for_mails(&smtp, 1).await;
    assert_eq!(mails.len(), 1, "one mail, to the known address only");
    assert!(mails[0].contains(&format!("To: {}", email_of(Role::Prescriber))));
    let link = link_in(&mails[0]);
    assert!(mails[0].contains("http://127.0.0.1:8080/mot-de-passe/nouveau/"));

    let (cookie, token) = app.login_form().await;
    let form = app.get(&link, None).await;
    assert_eq!(form.status(), StatusCode::OK);
    let weak = app
        .post_form(
            &link,
            Some(&cookie),
            &[
                ("csrf_token", &token),
                ("nouveau", "azerty"),
                ("confirmation", "azerty"),
            ],
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(weak).await.contains("href=\"#nouveau\""));
    let done = app
        .post_form(
            &link,
            Some(&cookie),
            &[
                ("csrf_token", &token),
                ("nouveau", NEW_PASSWORD),
                ("confirmation", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(body_text(done)
        .await
        .contains("Votre mot de passe est changé"));
    assert!(
        !signed_in(&app, &prescriber).await,
        "every session has ended"
    );
    let new = app
        .attempt_login(&email_of(Role::Prescriber), NEW_PASSWORD)
        .await;
    assert_eq!(location(&new).as_deref(), Some("/"));

    // Once only.
    let again = app
        .post_form(
            &link,
            Some(&cookie),
            &[
                ("csrf_token", &token),
                ("nouveau", "une autre phrase bien longue"),
                ("confirmation", "une autre phrase bien longue"),
            ],
        )
        .await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(body_text(again).await.contains("n'est plus valable"));
    assert_eq!(app.get(&link, None).await.status(), StatusCode::GONE);
    let journal = app.store.list_audit(10, 0).await.unwrap();
    assert!(journal
        .iter()
        .any(|e| e.record_kind == "password" && e.reason == "POST /mot-de-passe/nouveau"));

    // A new link is good for 30 minutes.
    ask_reset(&app, &email_of(Role::Prescriber)).await;
    let mails = wait_for_mails(&smtp, 2).await;
    let late = mails
        .iter()
        .map(|m| link_in(m))
        .find(|l| *l != link)
        .expect("a second link");
    app.advance(29 * 60);
    assert_eq!(app.get(&late, None).await.status(), StatusCode::OK);
    app.advance(2 * 60);
    assert_eq!(app.get(&late, None).await.status(), StatusCode::GONE);
}

#[tokio::test]
async fn reset_requests_are_throttled_whether_the_address_exists_or_not() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_settings(smtp.settings()).await;
    for email in [email_of(Role::Mediator), "personne@inconnu.fr".to_owned()] {
        for _ in 0..3 {
            assert_eq!(ask_reset(&app, &email).await.0, StatusCode::OK);
        }
        let (status, page) = ask_reset(&app, &email).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert!(page.contains("Trop de demandes"));
    }
    assert_eq!(
        wait_for_mails(&smtp, 3).await.len(),
        3,
        "three links for the known address"
    );
}
