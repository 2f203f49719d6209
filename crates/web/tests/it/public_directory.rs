//! The public « qui fait quoi » without an account: a search around a commune lists the places that
//! receive the public (not a coordination office), each with a sheet giving its hours in plain
//! French and how to get there; the embeddable version may be framed by any site and only it; none
//! of these pages sets a cookie, shows a signed-in professional, or anything but the place's own data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::directory::{AccessMode, Place, Service};
use aiguillage_domain::role::Role;
use aiguillage_web::Settings;
use axum::http::{header, StatusCode};
use common::body_text;
use common::journeys::world;

fn header_of(response: &axum::response::Response, name: header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn anybody_finds_a_place_around_a_commune_and_reads_its_sheet_without_a_cookie() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let office = Place {
        id: "bureau-coordination".into(),
        pivot: "21490007800012".into(),
        name: "Mission départementale".into(),
        commune: "Angers".into(),
        postal_code: "49000".into(),
        insee_code: Some("49007".into()),
        address: "1 place du Président Kennedy".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::AdministrativeProcedures],
        access_modes: vec![AccessMode::NoPublicReception],
        opening_hours: None,
        ..Place::default()
    };
    app.store
        .import_places("test", &[(2, office)], None, 0, &|_, _| {})
        .await
        .unwrap();
    let office_id = app
        .store
        .place_id("test", "bureau-coordination")
        .await
        .unwrap()
        .unwrap();

    let empty = app.get("/lieux", None).await;
    assert_eq!(empty.status(), StatusCode::OK);
    assert_eq!(header_of(&empty, header::SET_COOKIE), None, "no cookie");
    assert_eq!(
        header_of(&empty, header::HeaderName::from_static("x-frame-options")).as_deref(),
        Some("DENY")
    );
    assert!(body_text(empty)
        .await
        .contains("Indiquez une commune ou un code postal"));

    let found = app.get("/lieux?commune=49100&rayon=5", None).await;
    assert_eq!(header_of(&found, header::SET_COOKIE), None);
    let page = body_text(found).await;
    assert!(page.contains("Médiathèque Toussaint"), "{page}");
    assert!(page.contains(&format!("href=\"/lieux/{}\"", world.library_id)));
    assert!(
        !page.contains("Mission départementale"),
        "an office without public reception is not listed"
    );
    assert!(!page.contains("Se déconnecter"));

    let points = body_text(app.get("/lieux.geojson?commune=49100&rayon=5", None).await).await;
    let points: serde_json::Value = serde_json::from_str(&points).unwrap();
    assert_eq!(points["type"], "FeatureCollection");

    let sheet = body_text(app.get(&format!("/lieux/{}", world.library_id), None).await).await;
    assert!(sheet.contains("49 rue Toussaint, 49100 Angers"), "{sheet}");
    assert!(
        sheet.contains("mardi : 10 h – 18 h"),
        "hours in plain French: {sheet}"
    );
    assert!(
        !sheet.contains("Capacité"),
        "the offers' internal facts stay inside"
    );
    let hidden = app.get(&format!("/lieux/{office_id}"), None).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_embeddable_version_may_be_framed_and_it_shows_nobody_signed_in() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let framed = app
        .get("/integration/lieux?commune=Angers", Some(&coordinator))
        .await;
    assert_eq!(framed.status(), StatusCode::OK);
    assert_eq!(
        header_of(&framed, header::HeaderName::from_static("x-frame-options")),
        None
    );
    let policy = header_of(
        &framed,
        header::HeaderName::from_static("content-security-policy"),
    )
    .unwrap();
    assert!(policy.contains("frame-ancestors *"), "{policy}");
    assert_eq!(header_of(&framed, header::SET_COOKIE), None);
    let page = body_text(framed).await;
    assert!(page.contains(&format!("href=\"/integration/lieux/{}\"", world.library_id)));
    assert!(
        !page.contains("Se déconnecter") && !page.contains("Se connecter"),
        "no header in a frame"
    );
    let sheet = app
        .get(&format!("/integration/lieux/{}", world.library_id), None)
        .await;
    let policy = header_of(
        &sheet,
        header::HeaderName::from_static("content-security-policy"),
    )
    .unwrap();
    assert!(policy.contains("frame-ancestors *"));
    let site = app.get("/lieux", None).await;
    let policy = header_of(
        &site,
        header::HeaderName::from_static("content-security-policy"),
    )
    .unwrap();
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "the public site itself is not framed"
    );
}
