//! A manager's correction and the next import, from the web: the edit form marks the corrected
//! field, the import keeps it and lists the conflict (preview and result), the conflicts page lets
//! the coordinator keep the correction or take the file's value, with a notice; another territory's
//! coordinator neither sees the conflict nor settles it (404, nothing changed).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;
use crate::directory_import::{confirm, coordinator_of_44, pending_id, place_of, upload, ANGERS};

use aiguillage_domain::role::Role;
use aiguillage_interop::places_standard::write_csv;
use aiguillage_store::testing::database_contents;
use axum::http::StatusCode;
use common::{body_text, location, Session, TestApp};

/// The app with Loire-Atlantique's communes too, the place of Angers imported with
/// `+33241000000`, its phone corrected by hand to `02 41 99 99 99` by the coordinator of 49, then a
/// file proposing `+33241111111` imported by them: the place's id and the coordinator.
async fn conflict_after_import() -> (TestApp, i64, Session) {
    let app = TestApp::new().await;
    let data = aiguillage_interop::territory::embedded()
        .expect("data")
        .with_communes_of(&["44"]);
    app.store
        .import_territory(&data, &|_| {})
        .await
        .expect("44");
    let mut place = place_of("angers", "Médiathèque d'Angers", ANGERS);
    place.phone = Some("+33241000000".into());
    app.store
        .import_places(
            "import-standard",
            &[(2, place.clone())],
            None,
            0,
            &|_, _| {},
        )
        .await
        .expect("place");
    let id = app
        .store
        .place_id("import-standard", "angers")
        .await
        .expect("id")
        .expect("stored");
    let coordinator = app.sign_in(Role::Coordinator).await;
    let edited = app
        .post_form(
            &format!("/annuaire/{id}/modifier"),
            Some(&coordinator.cookie),
            &[
                ("csrf_token", coordinator.csrf.as_str()),
                ("telephone", "02 41 99 99 99"),
                ("services", "Aide aux démarches administratives"),
            ],
        )
        .await;
    assert_eq!(edited.status(), StatusCode::SEE_OTHER);
    let form = body_text(
        app.get(&format!("/annuaire/{id}/modifier"), Some(&coordinator))
            .await,
    )
    .await;
    assert!(form.contains("Corrigé à la main le "), "{form}");
    assert!(form.contains("Conservé aux prochains imports."));
    assert_eq!(
        form.matches("Corrigé à la main le ").count(),
        1,
        "only the phone was changed"
    );
    assert!(!form.contains("remplacera"), "the old sentence is gone");

    place.phone = Some("+33241111111".into());
    let file = write_csv(&[place]).into_bytes();
    let preview = upload(&app, &coordinator, "lieux.csv", &file).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview = body_text(preview).await;
    assert!(
        preview.contains("Corrections à la main conservées"),
        "{preview}"
    );
    assert!(preview.contains("02 41 99 99 99") && preview.contains("02 41 11 11 11"));
    assert!(preview.contains("href=\"/annuaire/conflits\""));
    let list = body_text(app.get("/annuaire/conflits", Some(&coordinator)).await).await;
    assert!(
        list.contains("Aucun conflit en attente"),
        "the preview writes no conflict"
    );
    let done = confirm(&app, &coordinator, &pending_id(&preview)).await;
    let done = body_text(done).await;
    assert!(done.contains("Import terminé") && done.contains("Corrections à la main conservées"));
    (app, id, coordinator)
}

/// The id of the first conflict of the page.
fn conflict_id(page: &str) -> String {
    let marker = "action=\"/annuaire/conflits/";
    let start = page.find(marker).expect("a conflict") + marker.len();
    page[start..start + page[start..].find('"').expect("end")].to_owned()
}

async fn choose(app: &TestApp, session: &Session, id: &str, choice: &str) -> (StatusCode, String) {
    let response = app
        .post_form(
            &format!("/annuaire/conflits/{id}"),
            Some(&session.cookie),
            &[("csrf_token", session.csrf.as_str()), ("choix", choice)],
        )
        .await;
    (response.status(), location(&response).unwrap_or_default())
}

async fn phone(app: &TestApp, id: i64) -> Option<String> {
    app.store.place(id).await.expect("place").place.phone
}

#[tokio::test]
async fn the_coordinator_takes_the_file_value_and_another_territory_cannot() {
    let (app, place, coordinator) = conflict_after_import().await;
    assert_eq!(phone(&app, place).await.as_deref(), Some("+33241999999"));
    let page = body_text(app.get("/annuaire/conflits", Some(&coordinator)).await).await;
    for text in [
        "Médiathèque d'Angers",
        "Numéro de téléphone",
        "Votre correction",
        "02 41 99 99 99",
        "Valeur du fichier",
        "02 41 11 11 11",
        "Import web du fichier « lieux.csv »",
        "Garder la correction",
        "Prendre la valeur du fichier",
    ] {
        assert!(page.contains(text), "« {text} » missing: {page}");
    }
    let id = conflict_id(&page);

    let outsider = coordinator_of_44(&app).await;
    let theirs = body_text(app.get("/annuaire/conflits", Some(&outsider)).await).await;
    assert!(theirs.contains("Aucun conflit en attente"), "{theirs}");
    let before = database_contents(&app.store).await.expect("contents");
    let (status, _) = choose(&app, &outsider, &id, "fichier").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        database_contents(&app.store).await.expect("contents"),
        before,
        "nothing changed"
    );

    let (status, to) = choose(&app, &coordinator, &id, "n-importe-quoi").await;
    assert_eq!((status, to.as_str()), (StatusCode::BAD_REQUEST, ""));
    let (status, to) = choose(&app, &coordinator, &id, "fichier").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, "/annuaire/conflits?fait=fichier");
    let after = body_text(app.get(&to, Some(&coordinator)).await).await;
    assert!(after.contains("Valeur du fichier retenue"), "{after}");
    assert!(after.contains("Aucun conflit en attente"));
    assert_eq!(phone(&app, place).await.as_deref(), Some("+33241111111"));
    assert!(app
        .store
        .hand_fields(place)
        .await
        .expect("marks")
        .is_empty());
    let changes = app.store.place_changes(place, 1).await.expect("changes");
    assert_eq!(
        changes[0].summary,
        "Conflit d'import résolu : valeur du fichier retenue pour « Numéro de téléphone »"
    );
    let (status, to) = choose(&app, &coordinator, &id, "garder").await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/annuaire/conflits?fait=deja")
    );
}

#[tokio::test]
async fn the_coordinator_keeps_the_correction() {
    let (app, place, coordinator) = conflict_after_import().await;
    let page = body_text(app.get("/annuaire/conflits", Some(&coordinator)).await).await;
    let (status, to) = choose(&app, &coordinator, &conflict_id(&page), "garder").await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/annuaire/conflits?fait=gardee")
    );
    let after = body_text(app.get(&to, Some(&coordinator)).await).await;
    assert!(after.contains("Correction conservée"), "{after}");
    assert_eq!(phone(&app, place).await.as_deref(), Some("+33241999999"));
    assert_eq!(app.store.hand_fields(place).await.expect("marks").len(), 1);
}
