//! Public pages, error pages, headers, the health probe and the JSON API with its OpenAPI document.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use axum::http::StatusCode;
use common::{body_text, TestApp};

#[tokio::test]
async fn healthz_says_ok_with_the_database_status() {
    let app = TestApp::new().await;
    let response = app.get("/healthz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let health: serde_json::Value = serde_json::from_str(&body_text(response).await).expect("json");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "ok");
}

#[tokio::test]
async fn readyz_waits_for_the_indicator_records_then_says_ready() {
    let app = TestApp::new().await;
    let response = app.get("/readyz", None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let readiness: serde_json::Value =
        serde_json::from_str(&body_text(response).await).expect("json");
    assert_eq!(readiness["status"], "not_ready");
    assert_eq!(readiness["database"], true);
    assert_eq!(readiness["migrations"], true);
    assert_eq!(readiness["records"], false, "nothing loaded yet");
    app.state
        .indicators
        .clone()
        .warm(app.store.clone(), app.state.now())
        .await;
    let response = app.get("/readyz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let readiness: serde_json::Value =
        serde_json::from_str(&body_text(response).await).expect("json");
    assert_eq!(readiness["status"], "ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_for_the_token_bearer_only() {
    let settings = aiguillage_web::Settings {
        metrics_token: Some("jeton-des-metriques-de-test".into()),
        ..aiguillage_web::Settings::default()
    };
    let app = TestApp::with_settings(settings).await;
    assert_eq!(app.get("/connexion", None).await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/annuaire/999999", None).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get("/metrics", None).await.status(),
        StatusCode::NOT_FOUND
    );
    let ask = |token: &'static str| {
        axum::http::Request::get("/metrics")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .expect("request")
    };
    let wrong = app.send(ask("un-autre-jeton")).await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let response = app.send(ask("jeton-des-metriques-de-test")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = body_text(response).await;
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/connexion",status="200"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/annuaire/{id}",status="303""#),
        "ids never in labels"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains("db_pool_connections"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    let response = app.get("/connexion", None).await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn an_unknown_page_gets_a_french_404_inside_the_layout() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Mediator).await;
    let response = app.get("/nulle-part", Some(&session)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = body_text(response).await;
    assert!(html.contains("Page non trouvée"));
    assert!(
        html.contains("href=\"/territoire\""),
        "the navigation is there"
    );
}

#[tokio::test]
async fn a_forbidden_page_gets_a_french_403() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Coordinator).await;
    let response = app.get("/administration/journal", Some(&session)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(body_text(response).await.contains("Accès refusé"));
}

#[tokio::test]
async fn the_dsfr_is_served_by_the_application_itself() {
    let app = TestApp::new().await;
    let css = app.get("/static/dsfr/dsfr.min.css", None).await;
    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(css.headers()["content-type"], "text/css");
    let font = app
        .get("/static/dsfr/fonts/Marianne-Regular.woff2", None)
        .await;
    assert_eq!(font.status(), StatusCode::OK);
    let html = body_text(app.get("/connexion", None).await).await;
    assert!(!html.contains("https://cdn"), "nothing from a CDN");
}

#[tokio::test]
async fn the_territory_page_lists_the_communes_and_finds_one_by_postal_code() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Prescriber).await;
    let html = body_text(app.get("/territoire?q=49400", Some(&session)).await).await;
    assert!(html.contains("Mon territoire : Maine-et-Loire"));
    assert!(html.contains("176 communes"));
    assert!(html.contains("Résultats pour « 49400 »") && html.contains("Saumur"));
}

#[tokio::test]
async fn the_territorial_diagnostic_ranks_fragile_communes_and_measures_who_is_far_from_help() {
    use aiguillage_domain::directory::{Place, Service};
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Coordinator).await;
    let before = body_text(app.get("/territoire/diagnostic", Some(&session)).await).await;
    assert!(before.contains("Diagnostic territorial : Maine-et-Loire"));
    assert!(before.contains("Population hors de portée, par besoin"));
    // No place yet: everyone is beyond reach of help with procedures.
    assert!(before.contains("100,0 %"), "{before}");
    // One place in Angers giving help with procedures brings the Angers area within reach.
    let place = Place {
        id: "ccas-angers".into(),
        pivot: "21490007800099".into(),
        name: "CCAS d'Angers".into(),
        commune: "Angers".into(),
        postal_code: "49100".into(),
        insee_code: Some("49007".into()),
        address: "Place Imbach".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::AdministrativeProcedures],
        ..Place::default()
    };
    app.store
        .import_places("test", &[(2, place)], None, 0, &|_, _| {})
        .await
        .expect("import");
    let after = body_text(app.get("/territoire/diagnostic", Some(&session)).await).await;
    let row = |html: &str| {
        html.split("<tr>")
            .find(|r| r.contains("<td>Urgence numérique</td>"))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    assert!(row(&before).contains("100,0 %"));
    assert!(!row(&after).contains("100,0 %"), "{}", row(&after));
    assert!(after.contains("Indice 2023"));
    assert!(after.contains("Offres par type d"));

    // Any commune, EPCI or département has its page, reached by code or by name.
    let angers = body_text(
        app.get(
            "/territoire/diagnostic?territoire=commune:49007",
            Some(&session),
        )
        .await,
    )
    .await;
    assert!(
        angers.contains("Diagnostic territorial : Angers"),
        "{angers}"
    );
    assert!(angers.contains("Taux de pauvreté (%)"));
    assert!(angers.contains("href=\"/pilotage?territoire=commune:49007\""));
    assert!(
        angers.contains("territoire=dep:49"),
        "links to its département"
    );
    assert!(
        angers.contains("Angers</a></td><td>Angers"),
        "lists its places: {angers}"
    );
    let by_name = body_text(
        app.get("/territoire/diagnostic?territoire=cholet", Some(&session))
            .await,
    )
    .await;
    assert!(by_name.contains("Diagnostic territorial : Cholet"));
    let several = body_text(
        app.get("/territoire/diagnostic?territoire=saint", Some(&session))
            .await,
    )
    .await;
    assert!(several.contains("Plusieurs territoires correspondent"));
    let unknown = body_text(
        app.get("/territoire/diagnostic?territoire=zzzz", Some(&session))
            .await,
    )
    .await;
    assert!(unknown.contains("Aucun territoire ne correspond"));
    assert!(unknown.contains("Diagnostic territorial : Maine-et-Loire"));
    let outside = app
        .get("/territoire/diagnostic?territoire=dep:2A", Some(&session))
        .await;
    assert_eq!(outside.status(), StatusCode::OK);
    let geojson: serde_json::Value = serde_json::from_str(
        &body_text(
            app.get(
                "/api/v1/territoire/communes.geojson?territoire=commune:49007",
                Some(&session),
            )
            .await,
        )
        .await,
    )
    .expect("json");
    assert_eq!(geojson["features"].as_array().map(Vec::len), Some(1));
    let bad = app
        .get(
            "/api/v1/territoire/communes.geojson?territoire=x",
            Some(&session),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_api_answers_signed_in_professionals_and_refuses_others_in_json() {
    let app = TestApp::new().await;
    let anonymous = app.get("/api/v1/moi", None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let error: serde_json::Value = serde_json::from_str(&body_text(anonymous).await).expect("json");
    assert_eq!(error["error"], "Connexion requise");

    let session = app.sign_in(Role::Coordinator).await;
    let me: serde_json::Value =
        serde_json::from_str(&body_text(app.get("/api/v1/moi", Some(&session)).await).await)
            .expect("json");
    assert_eq!(me["role"], "coordinator");
    assert_eq!(me["territory"]["name"], "Maine-et-Loire");
    let found: serde_json::Value = serde_json::from_str(
        &body_text(
            app.get("/api/v1/communes?q=chol&limite=3", Some(&session))
                .await,
        )
        .await,
    )
    .expect("json");
    assert_eq!(found[0]["name"], "Cholet");
}

#[tokio::test]
async fn the_openapi_document_describes_the_api_routes() {
    let app = TestApp::new().await;
    let document: serde_json::Value =
        serde_json::from_str(&body_text(app.get("/api/openapi.json", None).await).await)
            .expect("json");
    assert!(document["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/healthz",
        "/api/v1/moi",
        "/api/v1/communes",
        "/api/v1/structures",
    ] {
        assert!(document["paths"][path]["get"].is_object(), "{path}");
    }
    let api_routes = aiguillage_web::routes::ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"));
    for route in api_routes {
        assert!(
            document["paths"][route.path].is_object(),
            "{} is not documented",
            route.path
        );
    }
}

/// The OpenAPI document, compared with the one committed in `tests/snapshots/openapi.json`: any change
/// of the API's contract shows up in review. After an intended change, regenerate it with
/// `AIGUILLAGE_UPDATE_SNAPSHOTS=1 cargo test -p aiguillage-web --test it openapi`.
#[tokio::test]
async fn the_openapi_document_matches_its_committed_snapshot() {
    let app = TestApp::new().await;
    let served: serde_json::Value =
        serde_json::from_str(&body_text(app.get("/api/openapi.json", None).await).await)
            .expect("json");
    let pretty = serde_json::to_string_pretty(&served).expect("json") + "\n";
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var_os("AIGUILLAGE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &pretty).expect("snapshot written");
    }
    let committed = std::fs::read_to_string(&path).expect("tests/snapshots/openapi.json");
    assert!(
        committed == pretty,
        "the OpenAPI document changed; review it and regenerate the snapshot (see this test's comment)"
    );
}
