//! Editing a directory place: a structure manager edits their own place, a coordinator the places of
//! their territory; bad input is explained and nothing is saved; every change is dated and attributed.

mod common;

use aiguillage_domain::directory::{Place, Service};
use aiguillage_domain::role::Role;
use aiguillage_web::accounts::{create_account, AccountRequest, Requester};
use axum::http::StatusCode;
use common::{body_text, location, Session, TestApp};

fn place(id: &str, commune: &str, insee: &str, postal: &str) -> Place {
    Place {
        id: id.into(),
        pivot: "12345678900012".into(),
        name: format!("Lieu {id}"),
        commune: commune.into(),
        postal_code: postal.into(),
        insee_code: Some(insee.into()),
        address: "1 rue du Port".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::AdministrativeProcedures],
        ..Place::default()
    }
}

/// The app with a place in Angers and one in Nantes (44), and a manager of the Angers place.
async fn app_with_places() -> (TestApp, i64, i64, Session) {
    let app = TestApp::new().await;
    let data = aiguillage_interop::territory::embedded()
        .expect("data")
        .with_communes_of(&["44"]);
    app.store
        .import_territory(&data, &|_| {})
        .await
        .expect("44");
    let places = vec![
        (2, place("angers", "Angers", "49007", "49000")),
        (3, place("nantes", "Nantes", "44109", "44000")),
    ];
    app.store
        .import_places("test", &places, None, 0, &|_, _| {})
        .await
        .expect("places");
    let angers = app
        .store
        .place_id("test", "angers")
        .await
        .expect("id")
        .expect("angers");
    let nantes = app
        .store
        .place_id("test", "nantes")
        .await
        .expect("id")
        .expect("nantes");
    let request = AccountRequest {
        email: "responsable.angers@test.fr".into(),
        display_name: "Responsable Angers".into(),
        role: "structure_manager".into(),
        structure_id: angers.to_string(),
        territory: "49".into(),
        password: "quatre mots bien choisis ici".into(),
    };
    create_account(
        &app.store,
        &request,
        Requester {
            account_id: None,
            reason: "test",
        },
        0,
    )
    .await
    .expect("manager");
    let response = app
        .attempt_login("responsable.angers@test.fr", "quatre mots bien choisis ici")
        .await;
    let token = common::set_cookie(&response, "aiguillage_session").expect("session");
    let cookie = format!("aiguillage_session={token}");
    let page = body_text(
        app.get(
            "/compte",
            Some(&Session {
                cookie: cookie.clone(),
                csrf: String::new(),
            }),
        )
        .await,
    )
    .await;
    let manager = Session {
        cookie,
        csrf: common::hidden_csrf(&page).expect("csrf"),
    };
    (app, angers, nantes, manager)
}

fn form<'a>(csrf: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf_token", csrf),
        ("horaires", "Mo-Fr 09:00-12:00"),
        ("telephone", "+33241000000"),
    ];
    fields.extend_from_slice(extra);
    fields
}

#[tokio::test]
async fn a_manager_edits_their_own_place_and_the_change_is_signed() {
    let (app, angers, nantes, manager) = app_with_places().await;
    let fields = form(
        &manager.csrf,
        &[
            ("services", "Utilisation sécurisée du numérique"),
            ("publics", "Seniors"),
            ("capacite", "12"),
            ("delai", "5"),
        ],
    );
    let response = app
        .post_form(
            &format!("/annuaire/{angers}/modifier"),
            Some(&manager.cookie),
            &fields,
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        Some(format!("/annuaire/{angers}?modifie=1"))
    );
    let stored = app.store.place(angers).await.expect("place");
    assert_eq!(stored.place.services, vec![Service::SafeUse]);
    assert_eq!(stored.orientation.capacity_per_week, Some(12));
    let changes = app.store.place_changes(angers, 5).await.expect("changes");
    assert_eq!(
        changes[0].account_name.as_deref(),
        Some("Responsable Angers")
    );
    assert!(
        changes[0].summary.contains("services")
            && changes[0].summary.contains("informations d'orientation"),
        "{}",
        changes[0].summary
    );
    let page = body_text(
        app.get(&format!("/annuaire/{angers}"), Some(&manager))
            .await,
    )
    .await;
    assert!(page.contains("Responsable Angers") && page.contains("Modifier ce lieu"));

    let other = app
        .get(&format!("/annuaire/{nantes}/modifier"), Some(&manager))
        .await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN, "not their structure");
}

#[tokio::test]
async fn a_coordinator_edits_the_places_of_their_territory_only() {
    let (app, angers, nantes, _) = app_with_places().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    assert_eq!(
        app.get(&format!("/annuaire/{angers}/modifier"), Some(&coordinator))
            .await
            .status(),
        StatusCode::OK
    );
    let fields = form(&coordinator.csrf, &[("statut", "Officielle locale")]);
    let outside = app
        .post_form(
            &format!("/annuaire/{nantes}/modifier"),
            Some(&coordinator.cookie),
            &fields,
        )
        .await;
    assert_eq!(outside.status(), StatusCode::FORBIDDEN);
    assert!(app
        .store
        .place_changes(nantes, 5)
        .await
        .expect("changes")
        .is_empty());
}

#[tokio::test]
async fn bad_input_is_explained_and_nothing_is_saved() {
    let (app, angers, _, manager) = app_with_places().await;
    let before = app.store.place(angers).await.expect("place");
    let fields = vec![
        ("csrf_token", manager.csrf.as_str()),
        ("horaires", "le matin"),
        ("telephone", "02 41"),
        ("courriels", "accueil-at-mairie"),
        ("capacite", "beaucoup"),
        ("services", "Cuisine"),
    ];
    let response = app
        .post_form(
            &format!("/annuaire/{angers}/modifier"),
            Some(&manager.cookie),
            &fields,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(response).await;
    for message in [
        "Horaires non compris",
        "Numéro au format international",
        "nom@domaine.fr",
        "nombre entier entre 0 et 10000",
        "Valeur « Cuisine » inconnue.",
    ] {
        assert!(html.contains(message), "missing « {message} »");
    }
    assert!(html.contains("value=\"le matin\""), "typed values are kept");
    assert_eq!(app.store.place(angers).await.expect("place"), before);
    assert!(app
        .store
        .place_changes(angers, 5)
        .await
        .expect("changes")
        .is_empty());
}
