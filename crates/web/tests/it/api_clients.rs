//! Partner tools through the real router: for every route of the table open to API clients, a call
//! without a credential, with a browser session, with a wrong secret, with a revoked client or
//! without the route's scope is refused, and one with the scope goes through and is audited; a
//! client reads only its territory; the rate limit answers 429; La Coop's resources keep their
//! shape, stable ids and cursors; statistics under the minimum cell size publish nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::api_client::{ApiScope, CALLS_PER_WINDOW};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::accounts::Requester;
use aiguillage_service::api_clients::{issue, ClientGrant};
use aiguillage_web::policy::Audience;
use aiguillage_web::routes::ROUTES;
use aiguillage_web::Settings;
use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use common::journeys::{good_session, referral_at_first_contact, world};
use common::{TestApp, START};
use serde_json::Value;

async fn client(app: &TestApp, scopes: &[ApiScope], territory: Option<&str>) -> String {
    let grant = ClientGrant {
        name: "Outil partenaire".into(),
        scopes: scopes.to_vec(),
        account_id: None,
        territory: territory.map(|t| t.parse::<TerritoryScope>().expect("territory")),
    };
    let by = Requester {
        account_id: None,
        reason: "test",
    };
    issue(&app.store, grant, by, START)
        .await
        .expect("client")
        .credential
}

async fn call(
    app: &TestApp,
    path: &str,
    bearer: Option<&str>,
    cookie: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::get(path);
    if let Some(bearer) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    }
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app.send(request.body(Body::empty()).unwrap()).await;
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_api_client_route_lets_through_only_a_live_credential_with_its_scope() {
    let app = TestApp::new().await;
    let api_routes: Vec<(&str, ApiScope)> = ROUTES
        .iter()
        .filter_map(|route| match route.who {
            Audience::ApiClient(scope) => Some((route.path, scope)),
            _ => None,
        })
        .collect();
    assert!(api_routes.len() >= 5, "{api_routes:?}");
    let coordinator = app.sign_in(Role::Coordinator).await;
    for (path, scope) in api_routes {
        let others: Vec<ApiScope> = ApiScope::ALL
            .into_iter()
            .filter(|s| *s != scope && !s.needs_account())
            .collect();
        let without_scope = client(&app, &others, None).await;
        let with_scope = client(&app, &[scope], None).await;
        let (status, body) = call(&app, path, None, None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path} without credential"
        );
        assert!(
            body["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("Bearer"),
            "{body}"
        );
        let (status, _) = call(&app, path, None, Some(&coordinator.cookie)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path}: a browser session is no credential"
        );
        let wrong = format!(
            "{}:pas-le-bon-secret",
            with_scope.split(':').next().unwrap()
        );
        let (status, _) = call(&app, path, Some(&wrong), None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path} with a wrong secret"
        );
        let (status, body) = call(&app, path, Some(&without_scope), None).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{path} without scope {}",
            scope.code()
        );
        assert!(body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(scope.code()));
        let (status, _) = call(&app, path, Some(&with_scope), None).await;
        assert_eq!(status, StatusCode::OK, "{path} with scope {}", scope.code());
        let id = with_scope.split(':').next().unwrap().to_owned();
        assert!(app.store.revoke_api_client(&id, START + 1).await.unwrap());
        let (status, body) = call(&app, path, Some(&with_scope), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} once revoked");
        assert!(body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("révoqué"));
    }
    let journal = app.store.list_audit(500, 0).await.unwrap();
    assert!(
        journal
            .iter()
            .any(|e| e.record_kind == "api_client" && e.reason == "GET /api/coop/v1/activites"),
        "every call is audited like a page view"
    );
}

#[tokio::test]
async fn a_client_reads_its_territory_only_with_stable_ids_and_cursors() {
    let world = world(Settings {
        min_cell_size: 1,
        ..Settings::default()
    })
    .await;
    let app = &world.app;
    for name in ["Josiane", "Marcel", "Odette"] {
        let (_, referral) = referral_at_first_contact(&world, name).await;
        let recorded = app
            .post_form(
                &format!("{referral}/seances"),
                Some(&world.mediator.cookie),
                &good_session(&world.mediator.csrf),
            )
            .await;
        assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    }
    let reads = [ApiScope::ActivitiesRead, ApiScope::DirectoryRead];
    let departement = client(app, &reads, Some("49")).await;
    // Saumur Val de Loire: the library's sessions were recorded in Angers.
    let elsewhere = client(app, &reads, Some("epci:200071876")).await;

    let (status, first) = call(
        app,
        "/api/coop/v1/activites?page[size]=2",
        Some(&departement),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["meta"]["total_count"], 3);
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let activity = &first["data"][0];
    assert_eq!(activity["type"], "activite");
    assert_eq!(activity["attributes"]["type"], "individuel");
    assert_eq!(activity["attributes"]["duree"], 45);
    assert_eq!(activity["id"].as_str().unwrap().len(), 36, "a UUID");
    let next = first["links"]["next"].as_str().expect("a next link");
    let next = &next[next.find("/api/").unwrap()..];
    let (_, second) = call(app, next, Some(&departement), None).await;
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert_ne!(second["data"][0]["id"], first["data"][1]["id"]);
    assert_eq!(second["meta"]["has_next_page"], false);
    let (_, again) = call(
        app,
        "/api/coop/v1/activites?page[size]=2",
        Some(&departement),
        None,
    )
    .await;
    assert_eq!(again["data"][0]["id"], first["data"][0]["id"], "stable ids");
    let (status, refused) = call(
        app,
        "/api/coop/v1/activites?page[size]=501",
        Some(&departement),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("page[size]"));

    let (_, outside) = call(app, "/api/coop/v1/activites", Some(&elsewhere), None).await;
    assert_eq!(
        outside["meta"]["total_count"], 0,
        "another territory's activities stay out of reach"
    );
    let (_, structures) = call(app, "/api/coop/v1/structures", Some(&elsewhere), None).await;
    assert_eq!(structures["meta"]["total_count"], 0);
    let (_, structures) = call(app, "/api/coop/v1/structures", Some(&departement), None).await;
    assert!(structures["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["attributes"]["nom"] == "Médiathèque Toussaint"));
    let (_, users) = call(app, "/api/coop/v1/utilisateurs", Some(&departement), None).await;
    let mediator = activity["attributes"]["mediateur_id"].clone();
    assert!(
        users["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == mediator),
        "{users}"
    );
    let (_, statistics) = call(app, "/api/coop/v1/statistiques", Some(&departement), None).await;
    assert_eq!(statistics["data"]["attributes"]["activites"]["total"], 3);
}

#[tokio::test]
async fn statistics_under_the_minimum_cell_size_publish_nothing_and_the_rate_limit_answers_429() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;
    app.post_form(
        &format!("{referral}/seances"),
        Some(&world.mediator.cookie),
        &good_session(&world.mediator.csrf),
    )
    .await;
    let reader = client(app, &[ApiScope::ActivitiesRead], None).await;
    let (status, statistics) = call(app, "/api/coop/v1/statistiques", Some(&reader), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        statistics["data"]["attributes"],
        serde_json::json!({}),
        "1 activity < 11: secret"
    );
    assert_eq!(statistics["meta"]["seuil_secret"], 11);
    let mut last = StatusCode::OK;
    for _ in 0..CALLS_PER_WINDOW {
        last = call(app, "/api/coop/v1/health", None, None).await.0;
        let (status, _) = call(
            app,
            "/api/coop/v1/utilisateurs?page[size]=1",
            Some(&reader),
            None,
        )
        .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            last = status;
            break;
        }
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "{CALLS_PER_WINDOW} calls a minute at most"
    );
}

#[tokio::test]
async fn an_administrator_creates_a_client_sees_its_credential_once_and_revokes_it() {
    let app = TestApp::new().await;
    let admin = app.sign_in(Role::Administrator).await;
    let refused = app
        .post_form(
            "/administration/clients-api",
            Some(&admin.cookie),
            &[
                ("csrf_token", &admin.csrf),
                ("name", "Logiciel du CCAS"),
                ("scopes", "people:write"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = common::body_text(refused).await;
    assert!(page.contains("au nom d'un professionnel"), "{page}");
    assert!(
        app.store.api_clients().await.unwrap().is_empty(),
        "nothing created"
    );

    let created = app
        .post_form(
            "/administration/clients-api",
            Some(&admin.cookie),
            &[
                ("csrf_token", &admin.csrf),
                ("name", "Tableau de bord du Département"),
                ("scopes", "activities:read"),
                ("scopes", "directory:read"),
                ("territory", "49"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let page = common::body_text(created).await;
    let clients = app.store.api_clients().await.unwrap();
    assert_eq!(clients.len(), 1);
    let id = clients[0].client_id.clone();
    let start = page
        .find(&format!("{id}:"))
        .expect("the credential is shown");
    let credential: String = page[start..].chars().take_while(|c| *c != '<').collect();
    let (status, _) = call(&app, "/api/coop/v1/structures", Some(&credential), None).await;
    assert_eq!(status, StatusCode::OK, "the credential shown works");
    let again = common::body_text(app.get("/administration/clients-api", Some(&admin)).await).await;
    assert!(
        again.contains(&id) && !again.contains(&credential),
        "shown once only"
    );

    let revoked = app
        .post_form(
            &format!("/administration/clients-api/{id}/revocation"),
            Some(&admin.cookie),
            &[("csrf_token", &admin.csrf)],
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let (status, _) = call(&app, "/api/coop/v1/structures", Some(&credential), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let journal = app.store.list_audit(100, 0).await.unwrap();
    let kinds: Vec<&str> = journal
        .iter()
        .filter(|e| e.record_kind == "api_client" && e.record_id == id)
        .map(|e| e.action.code())
        .collect();
    assert!(
        kinds.contains(&"create") && kinds.contains(&"delete"),
        "{kinds:?}"
    );
}

/// A client acting as account `account` with `scopes`.
async fn acting_client(app: &TestApp, scopes: &[ApiScope], account: i64) -> String {
    let grant = ClientGrant {
        name: "Logiciel de la structure".into(),
        scopes: scopes.to_vec(),
        account_id: Some(aiguillage_domain::ids::AccountId::new(account)),
        territory: None,
    };
    let by = Requester {
        account_id: None,
        reason: "test",
    };
    issue(&app.store, grant, by, START)
        .await
        .expect("client")
        .credential
}

async fn post_bearer(app: &TestApp, path: &str, bearer: &str, json: &str) -> (StatusCode, Value) {
    let request = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json.to_owned()))
        .unwrap();
    let response = app.send(request).await;
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1024 * 1024).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_client_enrols_and_diagnoses_in_the_name_of_its_professional_and_nowhere_else() {
    let app = TestApp::new().await;
    let accounts = app.store.list_accounts().await.unwrap();
    let prescriber = accounts
        .iter()
        .find(|a| a.role == Role::Prescriber)
        .unwrap()
        .id;
    let coordinator = accounts
        .iter()
        .find(|a| a.role == Role::Coordinator)
        .unwrap()
        .id;
    let writer = acting_client(&app, &[ApiScope::PeopleWrite], prescriber).await;
    let reader = client(&app, &[ApiScope::DirectoryRead], None).await;
    let grant = ClientGrant {
        name: "Mauvais choix".into(),
        scopes: vec![ApiScope::PeopleWrite],
        account_id: Some(aiguillage_domain::ids::AccountId::new(coordinator)),
        territory: None,
    };
    let by = Requester {
        account_id: None,
        reason: "test",
    };
    assert!(
        issue(&app.store, grant, by, START).await.is_err(),
        "only a prescriber or mediator"
    );

    let person = r#"{"prenom":"Ali","nom":"Ben","telephone":"0600000000","commune_insee":"49007",
        "consentement":{"accord":true,"version":"inscription-2026-11-v1"}}"#;
    let (status, _) = post_bearer(&app, "/api/v1/personnes", &reader, person).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a reader may not write people"
    );
    let (status, body) = post_bearer(&app, "/api/v1/personnes", &writer, person).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().expect("id");
    let answers = r#"{"equipment":["Un ordinateur"],"skills":[["Utiliser un appareil","Seul"]],
        "detailed":[],"french_reading":"À l'aise","french_writing":"À l'aise","languages":["Français"],
        "support_needs":[],"travel_range":"Jusqu'à 15 km","travel_modes":[],"accepts_remote":true,
        "availability":[],"willingness":"Oui","levers":[],"urgency":null,"notes":null}"#;
    let (status, body) = post_bearer(
        &app,
        &format!("/api/v1/personnes/{id}/diagnostics"),
        &writer,
        answers,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, profile) = call(
        &app,
        &format!("/api/v1/personnes/{id}/profil"),
        Some(&writer),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(profile["profil"]["typology"].is_string(), "{profile}");

    // The person belongs to the professional's structure: another structure's client sees nothing.
    let elsewhere = common::sign_in_elsewhere(
        &app,
        {
            let structure = aiguillage_store::NewStructure {
                name: "Autre structure".into(),
                kind: "CCAS".into(),
                commune_code: "49328".into(),
            };
            app.store.ensure_structure(&structure, START).await.unwrap()
        },
        "autre@test.aiguillage.fr",
        Role::Mediator,
    )
    .await;
    let _ = elsewhere;
    let other_id = app
        .store
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.email == "autre@test.aiguillage.fr")
        .unwrap()
        .id;
    let outsider = acting_client(&app, &[ApiScope::PeopleWrite], other_id).await;
    let (status, _) = call(
        &app,
        &format!("/api/v1/personnes/{id}/profil"),
        Some(&outsider),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another structure's person is not found"
    );

    let journal = app.store.list_audit(200, 0).await.unwrap();
    assert!(
        journal
            .iter()
            .any(|e| e.actor_account_id == Some(prescriber)
                && e.reason.starts_with("client d'API aig-")
                && e.reason.ends_with("POST /api/v1/personnes")),
        "the professional answers for the client's writes, and the journal names the client"
    );
}

#[tokio::test]
async fn every_route_open_to_professionals_or_clients_refuses_a_client_without_its_scope() {
    let app = TestApp::new().await;
    let reader = client(
        &app,
        &[ApiScope::DirectoryRead, ApiScope::ActivitiesRead],
        None,
    )
    .await;
    let wrong = format!("{}:faux", reader.split(':').next().unwrap());
    let routes: Vec<_> = ROUTES
        .iter()
        .filter(|route| matches!(route.who, Audience::RolesOrClient(..)))
        .collect();
    assert!(routes.len() >= 3, "{routes:?}");
    for route in routes {
        let path = route.path.replace("{id}", "1");
        for (bearer, expected) in [
            (&reader, StatusCode::FORBIDDEN),
            (&wrong, StatusCode::UNAUTHORIZED),
        ] {
            let request = Request::builder()
                .method(route.method.clone())
                .uri(&path)
                .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let status = app.send(request).await.status();
            assert_eq!(status, expected, "{} {path}", route.method);
        }
    }
    assert_eq!(
        app.store
            .list_audit(100, 0)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.record_kind == "person")
            .count(),
        0,
        "nothing about a person was read or written"
    );
}

#[tokio::test]
async fn two_partner_tools_carry_a_referral_from_enrolment_to_first_contact() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let accounts = app.store.list_accounts().await.unwrap();
    let prescriber = accounts
        .iter()
        .find(|a| a.role == Role::Prescriber)
        .unwrap()
        .id;
    let mediator = accounts
        .iter()
        .find(|a| a.role == Role::Mediator && a.structure_id == world.library_id)
        .unwrap()
        .id;
    let sender = acting_client(
        app,
        &[ApiScope::PeopleWrite, ApiScope::ReferralsWrite],
        prescriber,
    )
    .await;
    let receiver = acting_client(app, &[ApiScope::ReferralsWrite], mediator).await;

    let person = r#"{"prenom":"Josiane","nom":"Ménard","telephone":"0600000000","commune_insee":"49007",
        "consentement":{"accord":true,"version":"inscription-2026-11-v1"}}"#;
    let (status, body) = post_bearer(app, "/api/v1/personnes", &sender, person).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let answers = r#"{"equipment":["Un ordinateur"],"skills":[["Faire une démarche en ligne","Pas du tout"]],
        "detailed":[],"french_reading":"À l'aise","french_writing":"À l'aise","languages":["Français"],
        "support_needs":[],"travel_range":"Jusqu'à 15 km","travel_modes":[],"accepts_remote":false,
        "availability":[],"willingness":"Oui","levers":[],"urgency":null,"notes":null}"#;
    let (status, _) = post_bearer(
        app,
        &format!("/api/v1/personnes/{id}/diagnostics"),
        &sender,
        answers,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let path = format!("/api/v1/personnes/{id}/orientations");
    let without = format!(
        r#"{{"offre_id":{},"accord_partage":false}}"#,
        world.offer_id
    );
    let (status, body) = post_bearer(app, &path, &sender, &without).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "no agreement, nothing sent: {body}"
    );
    let with = format!(
        r#"{{"offre_id":{},"accord_partage":true,"message":"Appeler le matin"}}"#,
        world.offer_id
    );
    let (status, sent) = post_bearer(app, &path, &sender, &with).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["etat"], "sent");
    let referral = sent["id"].as_i64().unwrap();
    let version = sent["version"].as_i64().unwrap();
    let steps = format!("/api/v1/orientations/{referral}/etapes");

    let accept = format!(r#"{{"action":"accepter","version":{version}}}"#);
    let (status, _) = post_bearer(app, &steps, &sender, &accept).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the sender cannot accept its own referral"
    );
    let (status, accepted) = post_bearer(app, &steps, &receiver, &accept).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["etat"], "accepted");
    let (status, _) = post_bearer(app, &steps, &receiver, &accept).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "accepted already");
    let stale = format!(r#"{{"action":"premier_contact","version":{version}}}"#);
    let (status, now) = post_bearer(app, &steps, &receiver, &stale).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "an old version is refused: {now}"
    );
    assert_eq!(
        now["version"], accepted["version"],
        "and the answer gives the current one"
    );
    let contact = format!(
        r#"{{"action":"premier_contact","version":{}}}"#,
        accepted["version"]
    );
    let (status, contacted) = post_bearer(app, &steps, &receiver, &contact).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(contacted["etat"], "first_contact");
    let seances = format!("/api/v1/orientations/{referral}/seances");
    let bad = r#"{"date":"demain","duree":"45","lieu":"lieu_activite","materiel":["telephone"],
        "thematiques":["email"],"autonomie":"partiellement_autonome"}"#;
    let (status, refused) = post_bearer(app, &seances, &receiver, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["erreurs"]["date"]
            .as_str()
            .unwrap()
            .contains("AAAA-MM-JJ"),
        "{refused}"
    );
    let session = format!(
        r#"{{"date":"{}","duree":"45","lieu":"lieu_activite","materiel":["telephone"],
        "thematiques":["email"],"autonomie":"partiellement_autonome"}}"#,
        common::journeys::TODAY
    );
    let (status, recorded) = post_bearer(app, &seances, &receiver, &session).await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    assert_eq!(
        recorded["etat"], "in_pathway",
        "the first session starts the pathway"
    );
    let (status, _) = post_bearer(app, &seances, &sender, &session).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only the receiver records sessions"
    );
    let closing = format!(
        r#"{{"version":{},"issue":"Autonomie atteinte","droits":["prime_activite"],"gain":"50_150"}}"#,
        recorded["version"]
    );
    let (status, closed) = post_bearer(
        app,
        &format!("/api/v1/orientations/{referral}/cloture"),
        &receiver,
        &closing,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["etat"], "closed");
    let (status, read) = call(
        app,
        &format!("/api/v1/orientations/{referral}"),
        Some(&sender),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["etat"], "closed", "the sender follows it");
    let listed = |lists: &Value, side: &str| {
        lists[side]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == referral)
    };
    let (status, lists) = call(app, "/api/v1/orientations", Some(&sender), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        listed(&lists, "envoyees") && !listed(&lists, "recues"),
        "{lists}"
    );
    let (_, lists) = call(app, "/api/v1/orientations", Some(&receiver), None).await;
    assert!(
        listed(&lists, "recues") && !listed(&lists, "envoyees"),
        "{lists}"
    );

    // The territory's steering tool reads the masked indicators: the one person is counted, and
    // every count under the minimum cell size is published as « secret », never as 1.
    let steering = client(app, &[ApiScope::IndicatorsRead], Some("49")).await;
    let (status, published) = call(app, "/api/v1/pilotage", Some(&steering), None).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["territoire"]["code"], "49");
    assert_eq!(published["seuil_secret"], 11);
    let funnel = published["tableaux"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "entonnoir")
        .expect("the funnel");
    let values: Vec<&Value> = funnel["lignes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["valeurs"].as_array().unwrap())
        .collect();
    assert!(values.iter().any(|v| *v == "secret"), "{funnel}");
    assert!(
        values
            .iter()
            .all(|v| v.as_u64().is_none_or(|n| n == 0 || n >= 11)),
        "no small count is published: {funnel}"
    );
    let people_only = acting_client(app, &[ApiScope::PeopleWrite], prescriber).await;
    let (status, _) = call(
        app,
        &format!("/api/v1/orientations/{referral}"),
        Some(&people_only),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "referrals need their own scope"
    );
}

#[tokio::test]
async fn an_indicators_client_reads_the_figures_of_its_territory_only() {
    let app = TestApp::new().await;
    let maine_et_loire = client(&app, &[ApiScope::IndicatorsRead], Some("49")).await;
    let nation = client(&app, &[ApiScope::IndicatorsRead], None).await;
    let directory = client(&app, &[ApiScope::DirectoryRead], Some("49")).await;

    let (status, body) = call(
        &app,
        "/api/v1/pilotage?territoire=49007",
        Some(&maine_et_loire),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["territoire"]["niveau"], "commune");
    assert_eq!(body["territoire"]["nom"], "Angers");
    let (status, body) = call(
        &app,
        "/api/v1/pilotage?territoire=75056",
        Some(&maine_et_loire),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "Paris is outside its territory: {body}"
    );
    assert!(body.to_string().contains("75056"), "{body}");
    let (status, body) = call(
        &app,
        "/api/v1/pilotage?du=hier",
        Some(&maine_et_loire),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("AAAA-MM-JJ"), "{body}");
    let (status, body) = call(
        &app,
        "/api/v1/pilotage?territoire=75056",
        Some(&nation),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a client of the whole instance reads any area: {body}"
    );
    let (status, _) = call(&app, "/api/v1/pilotage", Some(&directory), None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "indicators need their own scope"
    );

    let (status, coverage) = call(
        &app,
        "/api/v1/territoire/couverture",
        Some(&maine_et_loire),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{coverage}");
    let table = &coverage["tableaux"][0];
    assert_eq!(table["code"], "couverture");
    let rows = table["lignes"].as_array().unwrap();
    assert!(
        rows.len() > 150,
        "every commune of Maine-et-Loire: {}",
        rows.len()
    );
    let angers = rows
        .iter()
        .find(|r| r["code_insee"] == "49007")
        .expect("Angers");
    assert!(angers["population"].as_i64().unwrap() > 100_000, "{angers}");
    assert!(
        angers.get("minutes_digital_emergency").is_some(),
        "columns are named by stable codes: {angers}"
    );
    let (status, body) = call(&app, "/api/v1/territoire/couverture", Some(&nation), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "which territory? {body}");
    let (status, body) = call(
        &app,
        "/api/v1/territoire/diagnostic?territoire=Angers",
        Some(&nation),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes: Vec<&str> = body["tableaux"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["couverture", "modeles", "aides", "lieux"]);
    let (status, body) = call(
        &app,
        "/api/v1/territoire/diagnostic?territoire=Nullepartville",
        Some(&nation),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("Aucun territoire"), "{body}");

    let (status, index) = call(
        &app,
        "/api/v1/territoire/indice",
        Some(&maine_et_loire),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{index}");
    let rows = index["tableaux"][0]["lignes"].as_array().unwrap();
    assert!(rows.len() > 150, "{}", rows.len());
    assert!(
        rows.iter()
            .all(|r| r["code_insee"].as_str().unwrap().starts_with("49")),
        "its territory only"
    );
}
