//! The login form under attack, through the real router: concurrent guesses against the throttle,
//! redirections after login to another host, forged or replayed login CSRF pairs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_domain::throttle::{MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS};
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{
    body_text, email_of, hidden_csrf, location, password_of, set_cookie, set_cookie_line, TestApp,
};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::Barrier;
use tower::ServiceExt;

/// The name of the login form's CSRF cookie.
const CSRF_COOKIE: &str = "__Host-aiguillage_csrf";

/// A login form opened beforehand: its cookie header and token.
struct LoginForm {
    cookie: String,
    token: String,
}

async fn open_forms(app: &TestApp, count: usize) -> Vec<LoginForm> {
    let mut forms = Vec::with_capacity(count);
    for _ in 0..count {
        let (cookie, token) = app.login_form().await;
        forms.push(LoginForm { cookie, token });
    }
    forms
}

/// A login post as a browser at `client` sends it.
fn login_request(
    form: &LoginForm,
    email: &str,
    password: &str,
    client: SocketAddr,
) -> Request<Body> {
    let body = format!(
        "csrf_token={}&email={}&password={}&suivant=%2F",
        urlencoding::encode(&form.token),
        urlencoding::encode(email),
        urlencoding::encode(password)
    );
    let mut request = Request::post("/connexion")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &form.cookie)
        .body(Body::from(body))
        .expect("request");
    request.extensions_mut().insert(ConnectInfo(client));
    request
}

fn client(last: u8) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, last], 40_000))
}

/// Sends every request at once (each on its own task, released together) and counts the answers:
/// (wrong password, throttled).
async fn send_together(router: &Router, requests: Vec<Request<Body>>) -> (usize, usize) {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let router = router.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                router
                    .oneshot(request)
                    .await
                    .expect("router answers")
                    .status()
            })
        })
        .collect();
    let (mut wrong, mut throttled) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            StatusCode::UNAUTHORIZED => wrong += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected answer {other}"),
        }
    }
    (wrong, throttled)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_simultaneous_guesses_on_one_account_check_at_most_its_limit() {
    let app = TestApp::new().await;
    let email = email_of(Role::Mediator);
    let forms = open_forms(&app, 30).await;
    let requests = forms
        .iter()
        .zip(1u8..)
        .map(|(form, n)| login_request(form, &email, "pas le bon mot de passe", client(n)))
        .collect();
    let (wrong, throttled) = send_together(&app.router, requests).await;
    assert_eq!(wrong + throttled, 30);
    assert!(
        wrong as i64 <= MAX_FAILURES_PER_ACCOUNT,
        "{wrong} passwords checked for one account"
    );
    assert_eq!(wrong as i64, MAX_FAILURES_PER_ACCOUNT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_simultaneous_guesses_from_one_address_check_at_most_its_limit() {
    let app = TestApp::new().await;
    let forms = open_forms(&app, 100).await;
    let requests = forms
        .iter()
        .enumerate()
        .map(|(n, form)| {
            let email = format!("inconnu{n}@nulle-part.fr");
            login_request(form, &email, "pas le bon mot de passe", client(200))
        })
        .collect();
    let (wrong, throttled) = send_together(&app.router, requests).await;
    assert_eq!(wrong + throttled, 100);
    assert!(
        wrong as i64 <= MAX_FAILURES_PER_ADDRESS,
        "{wrong} passwords checked from one address"
    );
    assert_eq!(wrong as i64, MAX_FAILURES_PER_ADDRESS);
}

#[tokio::test]
async fn successful_logins_count_neither_against_the_account_nor_the_address() {
    let app = TestApp::new().await;
    let email = email_of(Role::Prescriber);
    let password = password_of(Role::Prescriber);
    let logins = usize::try_from(MAX_FAILURES_PER_ADDRESS).expect("limit") + 1;
    for form in open_forms(&app, logins).await {
        let response = app
            .send(login_request(&form, &email, &password, client(9)))
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let form = open_forms(&app, 1).await.remove(0);
    let wrong = app
        .send(login_request(
            &form,
            &email,
            "pas le bon mot de passe",
            client(9),
        ))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "still checked");
}

/// Signs in as the prescriber with `next` as the page asked for; returns the response.
async fn login_with_next(app: &TestApp, next: &str) -> axum::http::Response<Body> {
    let (cookie, token) = app.login_form().await;
    let email = email_of(Role::Prescriber);
    let password = password_of(Role::Prescriber);
    let fields = [
        ("csrf_token", token.as_str()),
        ("email", &email),
        ("password", &password),
        ("suivant", next),
    ];
    app.post_form("/connexion", Some(&cookie), &fields).await
}

#[tokio::test]
async fn a_next_page_with_a_tab_or_a_backslash_leads_home_not_to_another_host() {
    let app = TestApp::new().await;
    for next in [
        "/\t/evil.example",
        "/\\evil.example",
        "/ /evil.example",
        "//evil.example",
        "https://evil.example",
        "/é",
    ] {
        let response = login_with_next(&app, next).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&response).as_deref(), Some("/"), "{next:?}");
    }
    let kept = login_with_next(&app, "/territoire?q=saumur").await;
    assert_eq!(location(&kept).as_deref(), Some("/territoire?q=saumur"));
}

#[tokio::test]
async fn a_next_page_with_a_line_break_leads_home_instead_of_an_error() {
    let app = TestApp::new().await;
    for next in ["/\n/evil.example", "/compte\r\nSet-Cookie: x=y", "/\u{7f}"] {
        let response = login_with_next(&app, next).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&response).as_deref(), Some("/"), "{next:?}");
        assert!(set_cookie_line(&response, "aiguillage_session").is_some());
    }
}

#[tokio::test]
async fn the_login_form_only_proposes_a_safe_next_page() {
    let app = TestApp::new().await;
    let page = app
        .get("/connexion?suivant=%2F%09%2Fevil.example", None)
        .await;
    let html = body_text(page).await;
    assert!(!html.contains("evil.example"), "{html}");
}

#[tokio::test]
async fn the_login_csrf_cookie_is_host_prefixed_secure_and_for_the_whole_site() {
    let app = TestApp::new().await;
    let page = app.get("/connexion", None).await;
    let line = set_cookie_line(&page, CSRF_COOKIE).expect("csrf cookie");
    for flag in ["Secure", "Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(line.contains(flag), "{flag} missing in {line}");
    }
    assert!(!line.to_lowercase().contains("domain="), "{line}");
    assert!(set_cookie_line(&page, "aiguillage_csrf").is_none());
}

#[tokio::test]
async fn a_csrf_pair_the_server_never_issued_is_refused() {
    let app = TestApp::new().await;
    let forged = LoginForm {
        cookie: format!("{CSRF_COOKIE}=forged-but-equal-value"),
        token: "forged-but-equal-value".into(),
    };
    let response = app
        .send(login_request(
            &forged,
            &email_of(Role::Prescriber),
            &password_of(Role::Prescriber),
            client(3),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie_line(&response, "aiguillage_session").is_none());
}

#[tokio::test]
async fn a_csrf_pair_is_good_for_one_login_only() {
    let app = TestApp::new().await;
    let form = open_forms(&app, 1).await.remove(0);
    let email = email_of(Role::Prescriber);
    let password = password_of(Role::Prescriber);
    let first = app
        .send(login_request(&form, &email, &password, client(4)))
        .await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let replayed = app
        .send(login_request(&form, &email, &password, client(4)))
        .await;
    assert_eq!(replayed.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie_line(&replayed, "aiguillage_session").is_none());

    let failed_form = open_forms(&app, 1).await.remove(0);
    let failed = app
        .send(login_request(&failed_form, &email, "pas le bon", client(4)))
        .await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    let fresh = set_cookie(&failed, CSRF_COOKIE).expect("a new pair after a failure");
    assert_ne!(format!("{CSRF_COOKIE}={fresh}"), failed_form.cookie);
    let html = body_text(failed).await;
    assert_eq!(hidden_csrf(&html).as_deref(), Some(fresh.as_str()));
    let again = app
        .send(login_request(&failed_form, &email, &password, client(4)))
        .await;
    assert_eq!(
        again.status(),
        StatusCode::FORBIDDEN,
        "the failed pair is spent"
    );
    let retry = LoginForm {
        cookie: format!("{CSRF_COOKIE}={fresh}"),
        token: fresh,
    };
    let retried = app
        .send(login_request(&retry, &email, &password, client(4)))
        .await;
    assert_eq!(
        retried.status(),
        StatusCode::SEE_OTHER,
        "the new pair works"
    );
}

/// The technical log lines written while `run` goes on, on this thread.
#[derive(Clone, Default)]
struct CapturedLog(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut log) = self.0.lock() {
            log.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|log| String::from_utf8_lossy(&log).into_owned())
            .unwrap_or_default()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn failed_and_throttled_logins_are_security_events_without_the_email() {
    let app = TestApp::new().await;
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let email = email_of(Role::Mediator);
    let account_id = app
        .store
        .login_candidate(&email)
        .await
        .expect("read")
        .expect("account")
        .account
        .id;
    let forms = open_forms(&app, 7).await;
    for form in &forms[..5] {
        let response = app
            .send(login_request(
                form,
                &email,
                "pas le bon mot de passe",
                client(77),
            ))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let throttled = app
        .send(login_request(
            &forms[5],
            &email,
            "pas le bon mot de passe",
            client(77),
        ))
        .await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let unknown = app
        .send(login_request(
            &forms[6],
            "inconnu@nulle-part.fr",
            "x",
            client(77),
        ))
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);

    let text = log.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("aiguillage::security"))
        .collect();
    let failed: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("login_failed"))
        .collect();
    let throttled: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("login_throttled"))
        .collect();
    assert_eq!(failed.len(), 6, "{text}");
    assert_eq!(throttled.len(), 1, "{text}");
    let with_account = format!("account_id={account_id}");
    assert!(failed[..5]
        .iter()
        .all(|l| l.contains(&with_account) && l.contains("127.0.0.77")));
    assert!(throttled[0].contains(&with_account), "{}", throttled[0]);
    assert!(
        !failed[5].contains("account_id="),
        "no account for an unknown e-mail"
    );
    assert!(
        !text.contains(&email) && !text.contains("nulle-part"),
        "{text}"
    );
}

#[tokio::test]
async fn a_login_form_posted_while_signed_in_sends_home_and_keeps_the_session() {
    let app = TestApp::new().await;
    let prescriber = app.sign_in(Role::Prescriber).await;
    let (nonce_cookie, nonce) = app.login_form().await;
    let email = email_of(Role::Mediator);
    let password = password_of(Role::Mediator);
    let stale_tab = app
        .post_form(
            "/connexion",
            Some(&format!("{}; {nonce_cookie}", prescriber.cookie)),
            &[
                ("csrf_token", nonce.as_str()),
                ("email", email.as_str()),
                ("password", password.as_str()),
            ],
        )
        .await;
    assert_eq!(stale_tab.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&stale_tab).as_deref(), Some("/"));
    assert!(
        set_cookie(&stale_tab, "aiguillage_session").is_none(),
        "no new session is opened"
    );
    let forged = app
        .post_form(
            "/connexion",
            Some(&prescriber.cookie),
            &[("csrf_token", prescriber.csrf.as_str())],
        )
        .await;
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "the login form needs the login nonce, not the session's token"
    );
}
