//! The directory search page and API on fixed data: service + audience + distance pick the right
//! places, nearest first; bad criteria get French messages.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::directory::{Audience, Place, Service, SupportMode};
use aiguillage_domain::role::Role;
use axum::http::StatusCode;
use common::{body_text, TestApp};

fn place(
    id: &str,
    commune: &str,
    insee: &str,
    postal: &str,
    audiences: Vec<Audience>,
    services: Vec<Service>,
) -> Place {
    Place {
        id: id.into(),
        pivot: "12345678900012".into(),
        name: format!("Lieu {id}"),
        commune: commune.into(),
        postal_code: postal.into(),
        insee_code: Some(insee.into()),
        address: "1 rue de la Gare".into(),
        updated_on: "2026-01-15".into(),
        services,
        audiences,
        support_modes: vec![SupportMode::Individual],
        opening_hours: Some("Mo-Fr 09:00-12:00".into()),
        ..Place::default()
    }
}

async fn app_with_places() -> TestApp {
    let app = TestApp::new().await;
    let procedures = Service::AdministrativeProcedures;
    let places = vec![
        (
            2,
            place(
                "angers-seniors",
                "Angers",
                "49007",
                "49000",
                vec![Audience::Seniors],
                vec![procedures],
            ),
        ),
        (
            3,
            place(
                "trelaze-seniors",
                "Trélazé",
                "49353",
                "49800",
                vec![Audience::Seniors],
                vec![procedures],
            ),
        ),
        (
            4,
            place(
                "saumur-seniors",
                "Saumur",
                "49328",
                "49400",
                vec![Audience::Seniors],
                vec![procedures],
            ),
        ),
        (
            5,
            place(
                "angers-jeunes",
                "Angers",
                "49007",
                "49000",
                vec![Audience::Youth],
                vec![procedures],
            ),
        ),
        (
            6,
            place(
                "avrille-loisirs",
                "Avrillé",
                "49015",
                "49240",
                vec![Audience::Seniors],
                vec![Service::LeisureAndCreation],
            ),
        ),
    ];
    let report = app
        .store
        .import_places("test", &places, None, 0, &|_, _| {})
        .await
        .expect("places");
    assert_eq!(report.inserted, 5);
    app
}

#[tokio::test]
async fn service_audience_and_distance_find_the_right_places_nearest_first() {
    let app = app_with_places().await;
    let session = app.sign_in(Role::Prescriber).await;
    let url = "/annuaire?besoin=Aide+aux+d%C3%A9marches+administratives&public=Seniors&commune=Angers&rayon=20";
    let response = app.get(url, Some(&session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.contains("2 lieux à moins de 20 km d'Angers"), "{html}");
    let angers = html.find("Lieu angers-seniors").expect("Angers listed");
    let trelaze = html.find("Lieu trelaze-seniors").expect("Trélazé listed");
    assert!(angers < trelaze, "nearest first");
    for absent in [
        "Lieu saumur-seniors",
        "Lieu angers-jeunes",
        "Lieu avrille-loisirs",
    ] {
        assert!(!html.contains(absent), "{absent} should not be listed");
    }
}

#[tokio::test]
async fn without_a_commune_the_search_covers_the_viewers_territory() {
    let app = app_with_places().await;
    let session = app.sign_in(Role::Mediator).await;
    let html = body_text(app.get("/annuaire?public=Seniors", Some(&session)).await).await;
    assert!(
        html.contains("4 lieux sur votre territoire (Maine-et-Loire)"),
        "{html}"
    );
}

#[tokio::test]
async fn unreadable_criteria_are_explained_in_french() {
    let app = app_with_places().await;
    let session = app.sign_in(Role::Prescriber).await;
    let html = body_text(
        app.get(
            "/annuaire?besoin=Cuisine&commune=Zzzz&rayon=500&heure=25:00&jour=2",
            Some(&session),
        )
        .await,
    )
    .await;
    assert!(html.contains("Valeur « Cuisine » inconnue."));
    assert!(html.contains("Aucune commune ne correspond à « Zzzz »."));
    assert!(html.contains("Le rayon doit être un nombre de kilomètres entre 1 et 100."));
    assert!(html.contains("Indiquez une heure au format HH:MM"));
}

#[tokio::test]
async fn the_api_answers_the_same_search_in_json() {
    let app = app_with_places().await;
    let session = app.sign_in(Role::Coordinator).await;
    let url = "/api/v1/lieux?public=Seniors&commune=49000&rayon=20&jour=0&heure=10:00";
    let found: serde_json::Value =
        serde_json::from_str(&body_text(app.get(url, Some(&session)).await).await).expect("json");
    let ids: Vec<&str> = found
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec![
            "Lieu angers-seniors",
            "Lieu avrille-loisirs",
            "Lieu trelaze-seniors"
        ]
    );
    let closed: serde_json::Value = serde_json::from_str(
        &body_text(
            app.get("/api/v1/lieux?jour=6&heure=10:00", Some(&session))
                .await,
        )
        .await,
    )
    .expect("json");
    assert_eq!(
        closed.as_array().map(Vec::len),
        Some(0),
        "nothing is open on Sunday"
    );
    let bad = app.get("/api/v1/lieux?frais=Cher", Some(&session)).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_place_page_shows_everything_known_about_it() {
    let app = app_with_places().await;
    let session = app.sign_in(Role::Prescriber).await;
    let places = app.store.places(None).await.expect("places");
    let angers = places
        .iter()
        .find(|p| p.place.id == "angers-seniors")
        .expect("place");
    let html = body_text(
        app.get(
            &format!("/annuaire/{}", angers.structure_id),
            Some(&session),
        )
        .await,
    )
    .await;
    assert!(html.contains("<h1>Lieu angers-seniors</h1>"));
    assert!(html.contains("Aide aux démarches administratives"));
    assert!(
        html.contains("lundi : 9 h – 12 h ; mardi : 9 h – 12 h"),
        "hours in plain French, not « Mo-Fr 09:00-12:00 »: {html}"
    );
    assert!(!html.contains("Mo-Fr 09:00-12:00"));
    assert_eq!(
        app.get("/annuaire/999999", Some(&session)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_map_gets_the_same_places_as_geojson_points() {
    let app = app_with_places().await;
    let session = app.sign_in(Role::Prescriber).await;
    let page = body_text(
        app.get(
            "/annuaire?public=Seniors&commune=Angers&rayon=20",
            Some(&session),
        )
        .await,
    )
    .await;
    let geojson_url = "/api/v1/lieux.geojson?public=Seniors&commune=Angers&rayon=20";
    assert!(
        page.contains(&format!("data-geojson=\"{geojson_url}\"")),
        "the page points the map at its own criteria: {}",
        page.lines()
            .filter(|l| l.contains("carte"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let collection: serde_json::Value =
        serde_json::from_str(&body_text(app.get(geojson_url, Some(&session)).await).await)
            .expect("geojson");
    assert_eq!(collection["type"], "FeatureCollection");
    let names: Vec<&str> = collection["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["properties"]["name"].as_str())
        .collect();
    assert_eq!(
        names,
        vec![
            "Lieu angers-seniors",
            "Lieu avrille-loisirs",
            "Lieu trelaze-seniors"
        ]
    );
    let first = &collection["features"][0]["geometry"]["coordinates"];
    assert!(
        first[0]
            .as_f64()
            .is_some_and(|lon| (-1.0..0.0).contains(&lon)),
        "longitude first: {first}"
    );
}

#[tokio::test]
async fn the_api_lists_the_offers_meeting_the_criteria_and_the_detail_of_a_place() {
    let app = app_with_places().await;
    let session = app.sign_in(Role::Prescriber).await;
    let angers = app
        .store
        .place_id("test", "angers-seniors")
        .await
        .expect("id")
        .expect("place");
    let workshop = aiguillage_domain::directory::Offer {
        name: "Ateliers sécurité".into(),
        services: vec![Service::SafeUse],
        audiences: vec![Audience::Seniors],
        ..Default::default()
    };
    app.store
        .save_offer(
            angers,
            None,
            &workshop,
            None,
            aiguillage_store::PlaceRights::Everything,
            0,
        )
        .await
        .expect("offer");

    let url = "/api/v1/offres?besoin=Utilisation+s%C3%A9curis%C3%A9e+du+num%C3%A9rique&commune=Angers&rayon=20";
    let offers: serde_json::Value =
        serde_json::from_str(&body_text(app.get(url, Some(&session)).await).await).expect("json");
    let names: Vec<&str> = offers
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(
        names,
        vec!["Ateliers sécurité"],
        "only the offer with that service, not the place's default offer"
    );
    assert_eq!(offers[0]["place_name"], "Lieu angers-seniors");

    let detail: serde_json::Value = serde_json::from_str(
        &body_text(
            app.get(&format!("/api/v1/lieux/{angers}"), Some(&session))
                .await,
        )
        .await,
    )
    .expect("json");
    assert_eq!(detail["standard"]["nom"], "Lieu angers-seniors");
    assert_eq!(detail["standard"]["code_postal"], "49000");
    assert_eq!(detail["offers"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        app.get("/api/v1/lieux/999999", Some(&session))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_address_searches_around_its_commune() {
    let app = app_with_places().await;
    let session = app.sign_in(Role::Prescriber).await;
    let url = "/annuaire?public=Seniors&commune=3+place+du+Ralliement%2C+49100+Angers&rayon=20";
    let html = body_text(app.get(url, Some(&session)).await).await;
    assert!(html.contains("3 lieux à moins de 20 km d'Angers"), "{html}");
}

#[tokio::test]
async fn the_structures_list_names_each_type_and_links_the_places() {
    let app = app_with_places().await;
    let mut ccas = place(
        "angers-ccas",
        "Angers",
        "49007",
        "49000",
        vec![Audience::Seniors],
        vec![Service::AdministrativeProcedures],
    );
    ccas.typologies = vec!["CCAS".into()];
    let batch = [(7, ccas)];
    let imported = app
        .store
        .import_places("test", &batch, None, 0, &|_, _| {})
        .await;
    assert_eq!(imported.expect("import").inserted, 1);
    let session = app.sign_in(Role::Prescriber).await;
    let html = body_text(app.get("/structures", Some(&session)).await).await;
    let id = app.store.place_id("test", "angers-ccas").await.expect("id");
    let id = id.expect("stored");
    assert!(
        html.contains(&format!(r#"<a href="/annuaire/{id}">Lieu angers-ccas</a>"#)),
        "a place links to its page: {html}"
    );
    assert!(
        html.contains("Centres communaux d’action sociale (CCAS)"),
        "its type's label"
    );
    assert!(!html.contains("<td>CCAS</td>"), "not the bare code");
}
