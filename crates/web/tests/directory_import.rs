//! Importing directory files from the web: upload, a preview that writes nothing, confirmation that
//! writes; only coordinators and administrators may do it.

mod common;

use aiguillage_domain::role::Role;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{body_text, location, Session, TestApp};

const BOUNDARY: &str = "aiguillage-test-boundary";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../interop/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).expect("fixture")
}

/// A multipart body with the CSRF token, the format and the file.
fn multipart(csrf: &str, format: &str, file_name: &str, content: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("csrf_token", csrf), ("format", format)] {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend(content);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    app: &TestApp,
    session: &Session,
    file_name: &str,
    content: &[u8],
) -> axum::http::Response<Body> {
    let request = Request::post("/annuaire/import")
        .header(header::COOKIE, &session.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(&session.csrf, "", file_name, content)))
        .expect("request");
    app.send(request).await
}

fn pending_id(html: &str) -> String {
    let start = html.find("name=\"import_id\" value=\"").expect("import id")
        + "name=\"import_id\" value=\"".len();
    html[start..start + html[start..].find('"').expect("end")].to_owned()
}

#[tokio::test]
async fn a_preview_writes_nothing_and_confirmation_writes_the_valid_rows() {
    let app = TestApp::new().await;
    app.store
        .import_territory(
            &aiguillage_interop::territory::embedded()
                .expect("data")
                .with_communes_of(&["51"]),
            &|_| {},
        )
        .await
        .expect("51");
    let coordinator = app.sign_in(Role::Coordinator).await;
    let response = upload(
        &app,
        &coordinator,
        "exemple.csv",
        &fixture("exemple-valide.csv"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.contains("1 lieux seront ajoutés, 0 mis à jour, 0 resteront inchangés ; 0 lignes seront écartées."), "{html}");
    assert!(
        app.store.places(None).await.expect("places").is_empty(),
        "nothing written by the preview"
    );

    let id = pending_id(&html);
    let confirmed = app
        .post_form(
            "/annuaire/import/confirmer",
            Some(&coordinator.cookie),
            &[("csrf_token", &coordinator.csrf), ("import_id", &id)],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&confirmed).as_deref(),
        Some("/annuaire/import?ajoutes=1&maj=0&inchanges=0&rejetes=0")
    );
    assert_eq!(app.store.places(None).await.expect("places").len(), 1);

    let again = app
        .post_form(
            "/annuaire/import/confirmer",
            Some(&coordinator.cookie),
            &[("csrf_token", &coordinator.csrf), ("import_id", &id)],
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::BAD_REQUEST,
        "a confirmed import cannot be replayed"
    );
}

#[tokio::test]
async fn the_preview_lists_each_rejected_row_with_its_reason() {
    let app = TestApp::new().await;
    let admin = app.sign_in(Role::Administrator).await;
    let html = body_text(upload(&app, &admin, "casse.csv", &fixture("broken.csv")).await).await;
    assert!(
        html.contains("code postal « 4910 » invalide : 5 chiffres attendus"),
        "{html}"
    );
    assert!(html.contains("service inconnu « Aide aux démarches »"));
}

#[tokio::test]
async fn an_unreadable_file_is_refused_with_a_french_message() {
    let app = TestApp::new().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let response = upload(
        &app,
        &coordinator,
        "image.png",
        &[0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(response)
        .await
        .contains("n'est pas encodé en UTF-8"));
}

#[tokio::test]
async fn a_mediator_cannot_import() {
    let app = TestApp::new().await;
    let mediator = app.sign_in(Role::Mediator).await;
    let response = upload(
        &app,
        &mediator,
        "exemple.csv",
        &fixture("exemple-valide.csv"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
