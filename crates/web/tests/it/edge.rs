//! The hardened edge: nothing personal is cached, the framework's own refusals are French pages (or
//! French JSON under `/api/`), refusals to signed-in accounts are security events, and request
//! bodies are limited per route.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use common::{body_text, TestApp};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn cache_control(response: &Response<Body>) -> String {
    response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn personal_json_and_csv_are_never_stored_and_only_static_assets_are_public() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let mediator = app.sign_in(Role::Mediator).await;
    for (path, session) in [
        ("/api/v1/moi", &coordinator),
        ("/api/v1/communes?q=ang", &coordinator),
        ("/api/v1/structures", &coordinator),
        ("/pilotage/export?format=csv", &coordinator),
        ("/pilotage/export?format=json", &coordinator),
        ("/pilotage/activites-cra?format=csv", &mediator),
        ("/api/openapi.json", &coordinator),
        ("/healthz", &coordinator),
    ] {
        let response = app.get(path, Some(session)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(cache_control(&response), "no-store", "{path}");
    }
    let asset = app.get("/static/app.css", None).await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(cache_control(&asset).starts_with("public"));
    let missing = app.get("/api/v1/lieux/999999", Some(&coordinator)).await;
    assert_eq!(cache_control(&missing), "no-store");
}

#[tokio::test]
async fn the_frameworks_refusals_become_french_pages_and_french_json() {
    let app = TestApp::new().await;
    let prescriber = app.sign_in(Role::Prescriber).await;
    for path in [
        "/personnes/abc",
        "/annuaire/xyz",
        "/personnes/12/diagnostics/x",
    ] {
        let response = app.get(path, Some(&prescriber)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let html = body_text(response).await;
        assert!(html.contains("<html"), "{path}: a whole page, {html}");
        assert!(html.contains("Requête invalide"), "{path}");
        assert!(
            !html.contains("Invalid URL") && !html.contains("Cannot parse"),
            "{path}"
        );
    }

    let response = app
        .get("/api/v1/communes?q=ang&limite=beaucoup", Some(&prescriber))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let json: serde_json::Value =
        serde_json::from_str(&body_text(response).await).expect("json body");
    assert_eq!(json["error"], "Requête invalide");
    assert!(!json["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Failed"));

    let response = app
        .get("/api/v1/personnes/abc/profil", Some(&prescriber))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let json: serde_json::Value =
        serde_json::from_str(&body_text(response).await).expect("json body");
    assert_eq!(json["error"], "Requête invalide");

    let request = Request::post("/api/v1/personnes")
        .header(header::COOKIE, &prescriber.cookie)
        .header("x-csrf-token", &prescriber.csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{pas du json"))
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let json: serde_json::Value =
        serde_json::from_str(&body_text(response).await).expect("json body");
    assert_eq!(json["error"], "Requête invalide");

    let response = app.get("/deconnexion", Some(&prescriber)).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers().contains_key(header::ALLOW));
    let html = body_text(response).await;
    assert!(html.contains("Action non disponible") && html.contains("<html"));
}

/// A writer the test reads back: the log lines written while the guard is held.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|buffer| String::from_utf8_lossy(&buffer).into_owned())
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn refusals_and_unknown_people_are_security_events_with_the_account() {
    let app = TestApp::new().await;
    let mediator = app.sign_in(Role::Mediator).await;
    let me: serde_json::Value =
        serde_json::from_str(&body_text(app.get("/api/v1/moi", Some(&mediator)).await).await)
            .expect("me");
    let account = me["id"].as_i64().expect("account id");

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let forbidden = app.get("/administration/comptes", Some(&mediator)).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let unknown = app.get("/personnes/999999", Some(&mediator)).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let anonymous = app.get("/personnes/999999", None).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let place = app.get("/annuaire/999999", Some(&mediator)).await;
    assert_eq!(place.status(), StatusCode::NOT_FOUND);
    drop(guard);

    let log = captured.text();
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("aiguillage::security"))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].contains("event=\"forbidden\""), "{log}");
    assert!(lines[0].contains(&format!("account_id={account}")), "{log}");
    assert!(
        lines[0].contains("method=\"GET\"")
            && lines[0].contains("path=\"/administration/comptes\"")
    );
    assert!(lines[1].contains("event=\"person_not_found\""), "{log}");
    assert!(lines[1].contains("path=\"/personnes/999999\""), "{log}");
}

/// A chunked body of `total` bytes in 16 KiB chunks, counting what the server pulled from it.
fn counted_stream(total: usize, pulled: Arc<AtomicUsize>) -> Body {
    const CHUNK: usize = 16 * 1024;
    let chunks = (0..total / CHUNK).map(move |_| {
        pulled.fetch_add(CHUNK, Ordering::SeqCst);
        Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'a'; CHUNK]))
    });
    Body::from_stream(futures_util::stream::iter(chunks))
}

fn form_post(path: &str, cookie: &str, body: Body, length: Option<usize>) -> Request<Body> {
    let mut builder = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie);
    if let Some(length) = length {
        builder = builder.header(header::CONTENT_LENGTH, length);
    }
    builder.body(body).expect("request")
}

#[tokio::test]
async fn bodies_are_limited_per_route_before_they_are_read() {
    let app = TestApp::new().await;
    let (login_cookie, _) = app.login_form().await;

    // Declared too large: refused at once, nothing pulled from the body.
    let pulled = Arc::new(AtomicUsize::new(0));
    let declared = 20 * 1024 * 1024;
    let request = form_post(
        "/connexion",
        &login_cookie,
        counted_stream(declared, pulled.clone()),
        Some(declared),
    );
    let response = app.send(request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(pulled.load(Ordering::SeqCst), 0, "nothing read");
    let html = body_text(response).await;
    assert!(
        html.contains("Envoi trop volumineux") && html.contains("<html"),
        "{html}"
    );

    // Streamed without a length: cut at the limit, not read to the end.
    let pulled = Arc::new(AtomicUsize::new(0));
    let request = form_post(
        "/auto-diagnostic/contact",
        &login_cookie,
        counted_stream(declared, pulled.clone()),
        None,
    );
    let response = app.send(request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        pulled.load(Ordering::SeqCst) <= 128 * 1024,
        "read {} bytes",
        pulled.load(Ordering::SeqCst)
    );

    // An upload route: the large size only for an account allowed to import.
    let mediator = app.sign_in(Role::Mediator).await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let file = 1024 * 1024;
    for (session, expected_large) in [(&mediator, false), (&coordinator, true)] {
        let body = format!("csrf_token={}&fichier={}", session.csrf, "a".repeat(file));
        let length = body.len();
        let request = form_post(
            "/annuaire/import",
            &session.cookie,
            Body::from(body),
            Some(length),
        );
        let response = app.send(request).await;
        assert_eq!(
            response.status() == StatusCode::PAYLOAD_TOO_LARGE,
            !expected_large,
            "{}",
            response.status()
        );
    }
}

#[tokio::test]
async fn the_biggest_form_fits_the_small_limit() {
    let app = TestApp::new().await;
    let (login_cookie, token) = app.login_form().await;
    let notes = "é".repeat(500);
    let mut fields = vec![("csrf_token", token.as_str()), ("notes", notes.as_str())];
    fields.extend_from_slice(common::journeys::ANSWERS);
    fields.extend_from_slice(&[
        ("prenom", "Josiane"),
        ("telephone", "0612345678"),
        ("commune", "Angers"),
        ("accord", "oui"),
    ]);
    let response = app
        .post_form("/auto-diagnostic/contact", Some(&login_cookie), &fields)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_text(response).await
    );
}
