//! What the resource bank's web tests share: a form or a multipart form posted with the session's
//! CSRF token, a figure read from the database, a structure to sign in elsewhere, the designation of
//! a référent by the coordinator, and a session taken from submission to publication with the whole
//! checklist.

use super::{location, Session, TestApp};
use aiguillage_store::NewStructure;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

/// A tiny PDF the upload check accepts.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";
const BOUNDARY: &str = "----aiguillage-banque";

/// A form posted with the session's CSRF token.
pub async fn post(
    app: &TestApp,
    session: &Session,
    path: &str,
    form: &[(&str, &str)],
) -> axum::http::Response<Body> {
    let mut fields = vec![("csrf_token", session.csrf.as_str())];
    fields.extend_from_slice(form);
    app.post_form(path, Some(&session.cookie), &fields).await
}

/// A multipart body of `fields` and, if any, a file as (field, file name, content).
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some((field, file_name, content)) = file {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend(content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A multipart form posted with the session's CSRF token.
pub async fn send_multipart(
    app: &TestApp,
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> axum::http::Response<Body> {
    let mut all = vec![("csrf_token", session.csrf.as_str())];
    all.extend_from_slice(fields);
    let request = Request::post(path)
        .header(header::COOKIE, &session.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(&all, file)))
        .expect("request");
    app.send(request).await
}

/// The `n` column of a one-row query.
pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    aiguillage_store::testing::scalar(&app.store, sql)
        .await
        .expect("scalar")
}

/// A structure of the test territory, by name and commune.
pub async fn structure(app: &TestApp, name: &str, commune: &str) -> i64 {
    app.store
        .ensure_structure(
            &NewStructure {
                name: name.into(),
                kind: "EPN".into(),
                commune_code: commune.into(),
            },
            0,
        )
        .await
        .expect("structure")
}

/// The id a redirection to `{prefix}{id}…` names.
pub fn id_in(response: &axum::http::Response<Body>, prefix: &str) -> String {
    location(response)
        .expect("redirection")
        .trim_start_matches(prefix)
        .split(['/', '?'])
        .next()
        .expect("id")
        .to_owned()
}

/// The coordinator designates the account of `email` référent of the territory.
pub async fn designate_referent(app: &TestApp, coordinator: &Session, email: &str) {
    let account = scalar(
        app,
        &format!("SELECT id AS n FROM accounts WHERE email = '{email}'"),
    )
    .await
    .to_string();
    let done = post(
        app,
        coordinator,
        "/ressources/referents",
        &[("compte", &account)],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER, "référent designated");
}

/// The author submits the session, the référent takes its review and publishes it with the whole
/// checklist.
pub async fn submit_and_publish(app: &TestApp, (author, referent): (&Session, &Session), id: &str) {
    post(app, author, &format!("/ressources/{id}/soumettre"), &[]).await;
    post(app, referent, &format!("/ressources/{id}/relecture"), &[]).await;
    let mut decision = vec![("decision", "publier")];
    for item in [
        "exactitude",
        "accessibilite",
        "licence",
        "sans_donnees_personnelles",
        "hors_ligne",
    ] {
        decision.push(("grille", item));
    }
    let done = post(
        app,
        referent,
        &format!("/ressources/{id}/decision"),
        &decision,
    )
    .await;
    assert_eq!(
        done.status(),
        StatusCode::SEE_OTHER,
        "session {id} published"
    );
}
