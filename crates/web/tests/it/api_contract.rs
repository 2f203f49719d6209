//! The JSON API against its own OpenAPI document (the failures schemathesis found, scripts/schemathesis.sh):
//! every refusal a route gives is a status its operation documents, with the error body the document
//! describes (a territory code cut inside a character is one, not a panic); a profile without an
//! adjustment says `null`, which its schema allows.

use crate::common::journeys::diagnosed_person;
use crate::common::{body_text, TestApp};
use aiguillage_domain::role::Role;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::Value;

/// The served document.
async fn document(app: &TestApp) -> Value {
    serde_json::from_str(&body_text(app.get("/api/openapi.json", None).await).await).expect("json")
}

/// Whether the schema (or one of its alternatives) refers to the component `name`.
fn refers_to(schema: &Value, name: &str) -> bool {
    let target = format!("#/components/schemas/{name}");
    schema["$ref"] == target.as_str()
        || ["oneOf", "anyOf"].iter().any(|key| {
            schema[key]
                .as_array()
                .is_some_and(|alternatives| alternatives.iter().any(|s| refers_to(s, name)))
        })
}

/// Whether the schema accepts `null`.
fn allows_null(schema: &Value) -> bool {
    schema["type"] == "null"
        || schema["type"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == "null"))
        || ["oneOf", "anyOf"].iter().any(|key| {
            schema[key]
                .as_array()
                .is_some_and(|alternatives| alternatives.iter().any(allows_null))
        })
}

/// Sends the request and checks its answer against the document: the status is one the operation
/// documents, and the JSON body is the error its documented schema names.
async fn check_refusal(app: &TestApp, document: &Value, request: Request<Body>, template: &str) {
    let method = request.method().as_str().to_ascii_lowercase();
    let asked = format!("{} {}", request.method(), request.uri());
    let response = app.send(request).await;
    let status = response.status();
    assert!(status.is_client_error(), "{asked}: {status}");
    let body: Value = serde_json::from_str(&body_text(response).await).expect("a JSON body");
    let documented = &document["paths"][template][&method]["responses"][status.as_str()];
    assert!(
        documented.is_object(),
        "{asked}: {status} is not documented for {method} {template}"
    );
    let schema = &documented["content"]["application/json"]["schema"];
    if body["errors"].is_array() {
        assert!(refers_to(schema, "ErreursClient"), "{asked}: {schema}");
        assert!(body["errors"][0]["detail"].is_string(), "{asked}: {body}");
    } else {
        assert!(refers_to(schema, "Erreur"), "{asked}: {schema}");
        assert!(body["error"].is_string(), "{asked}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty() && !message.contains("Failed"),
            "{asked}: a French message, not the framework's: {body}"
        );
    }
}

#[tokio::test]
async fn every_refusal_of_the_api_is_documented_with_its_error_body() {
    let app = TestApp::new().await;
    let document = document(&app).await;
    let prescriber = app.sign_in(Role::Prescriber).await;
    let get = |path: &str, cookie: Option<&str>, bearer: Option<&str>| {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(bearer) = bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
        }
        request.body(Body::empty()).expect("request")
    };
    let cookie = Some(prescriber.cookie.as_str());
    let too_big = "9223372036854775808";
    let reads = [
        // Found by schemathesis: a missing required parameter, an id beyond i64 (axum's 400).
        ("/api/v1/communes".to_owned(), "/api/v1/communes", cookie),
        (
            format!("/api/v1/lieux/{too_big}"),
            "/api/v1/lieux/{id}",
            cookie,
        ),
        (
            format!("/api/v1/orientations/{too_big}"),
            "/api/v1/orientations/{id}",
            cookie,
        ),
        (
            format!("/api/v1/personnes/{too_big}/profil"),
            "/api/v1/personnes/{id}/profil",
            cookie,
        ),
        // Found by schemathesis: a territory whose second byte is inside a character panicked.
        (
            "/api/v1/territoire/diagnostic?territoire=0%F0%90%80%80".to_owned(),
            "/api/v1/territoire/diagnostic",
            cookie,
        ),
        (
            "/api/v1/territoire/communes.geojson?territoire=0%F0%90%80%80".to_owned(),
            "/api/v1/territoire/communes.geojson",
            cookie,
        ),
        // Without a session; with a role the route is not for.
        ("/api/v1/moi".to_owned(), "/api/v1/moi", None),
        ("/api/v1/pilotage".to_owned(), "/api/v1/pilotage", cookie),
        (
            "/api/v1/orientations".to_owned(),
            "/api/v1/orientations",
            None,
        ),
    ];
    for (path, template, cookie) in reads {
        check_refusal(&app, &document, get(&path, cookie, None), template).await;
    }
    // A partner tool's unknown credential: the guard's own body.
    let unknown = get("/api/v1/orientations", None, Some("aig-inconnu:secret"));
    check_refusal(&app, &document, unknown, "/api/v1/orientations").await;

    // Found by schemathesis: a write without a body.
    for (path, template) in [
        (
            "/api/v1/orientations/1/cloture",
            "/api/v1/orientations/{id}/cloture",
        ),
        (
            "/api/v1/orientations/1/seances",
            "/api/v1/orientations/{id}/seances",
        ),
        ("/api/v1/personnes", "/api/v1/personnes"),
    ] {
        let request = Request::post(path)
            .header(header::COOKIE, &prescriber.cookie)
            .header("x-csrf-token", &prescriber.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::empty())
            .expect("request");
        check_refusal(&app, &document, request, template).await;
    }
}

#[tokio::test]
async fn a_profile_without_adjustment_says_null_as_its_schema_allows() {
    let app = TestApp::new().await;
    let document = document(&app).await;
    let prescriber = app.sign_in(Role::Prescriber).await;
    let person = diagnosed_person(&app, &prescriber, ("Yvonne", ""), &[]).await;
    let response = app
        .get(
            &format!("/api/v1/personnes/{person}/profil"),
            Some(&prescriber),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let profile: Value = serde_json::from_str(&body_text(response).await).expect("json");
    assert!(profile["ajustement"].is_null(), "{profile}");
    let schema = &document["components"]["schemas"]["ProfileRead"]["properties"]["ajustement"];
    assert!(
        allows_null(schema),
        "ProfileRead.ajustement must allow null: {schema}"
    );
}
