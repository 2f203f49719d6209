//! Importing directory files from the web: upload, a preview that writes nothing, confirmation that
//! writes; only coordinators and administrators may do it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{body_text, Session, TestApp};

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

pub(crate) async fn upload(
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

pub(crate) fn pending_id(html: &str) -> String {
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
    // A place of the Marne: only the administrator may import it (the coordinator is of 49).
    let coordinator = app.sign_in(Role::Administrator).await;
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
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(body_text(confirmed)
        .await
        .contains("1 lieux ajoutés, 0 mis à jour, 0 inchangés ; 0 lignes rejetées."));
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
        html.contains("code postal « 4910 » complété en « 04910 » (zéro initial perdu)"),
        "{html}"
    );
    assert!(html.contains("offrirait rien vers quoi orienter"));
    assert!(
        html.contains("nom porté par une seule commune de France"),
        "the rule that placed the row is named: {html}"
    );
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

// ---------------------------------------------------------------------------------------------------
// Rights: an import writes only the places its author may edit, and logs every change.

use aiguillage_domain::directory::{Place, Service};
use aiguillage_interop::places_standard::write_csv;
use aiguillage_service::accounts::{create_account, AccountRequest, Requester};

pub(crate) fn place_of(id: &str, name: &str, commune: (&str, &str, &str)) -> Place {
    let (commune, insee, postal) = commune;
    Place {
        id: id.into(),
        pivot: "12345678900012".into(),
        name: name.into(),
        commune: commune.into(),
        postal_code: postal.into(),
        insee_code: Some(insee.into()),
        address: "1 place du Ralliement".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::AdministrativeProcedures],
        ..Place::default()
    }
}

pub(crate) const ANGERS: (&str, &str, &str) = ("Angers", "49007", "49000");
const SAUMUR: (&str, &str, &str) = ("Saumur", "49328", "49400");
const NANTES: (&str, &str, &str) = ("Nantes", "44109", "44000");

/// The app with Loire-Atlantique's communes too, and two places of Maine-et-Loire imported by the
/// operator under the web import's source.
async fn app_with_places_of_49() -> TestApp {
    let app = TestApp::new().await;
    let data = aiguillage_interop::territory::embedded()
        .expect("data")
        .with_communes_of(&["44"]);
    app.store
        .import_territory(&data, &|_| {})
        .await
        .expect("44");
    let places = vec![
        (2, place_of("angers", "Médiathèque d'Angers", ANGERS)),
        (3, place_of("saumur", "Espace numérique de Saumur", SAUMUR)),
    ];
    app.store
        .import_places("import-standard", &places, None, 0, &|_, _| {})
        .await
        .expect("places");
    app
}

/// Signs in a new coordinator of Loire-Atlantique (44).
pub(crate) async fn coordinator_of_44(app: &TestApp) -> Session {
    let email = "coordination.44@test.aiguillage.fr";
    let password = "une phrase de passe assez longue 2026";
    let request = AccountRequest {
        email: email.into(),
        display_name: "Coordination Loire-Atlantique".into(),
        role: Role::Coordinator.code().into(),
        structure_id: app.structure_id.to_string(),
        territory: "44".into(),
        password: password.into(),
    };
    let requester = Requester {
        account_id: None,
        reason: "test",
    };
    create_account(&app.store, &request, requester, common::START)
        .await
        .expect("account");
    let response = app.attempt_login(email, password).await;
    let cookie = app.finish_sign_in(email, response).await;
    let page = app
        .get(
            "/compte",
            Some(&Session {
                cookie: cookie.clone(),
                csrf: String::new(),
            }),
        )
        .await;
    let csrf = common::hidden_csrf(&body_text(page).await).expect("csrf");
    Session { cookie, csrf }
}

pub(crate) async fn confirm(
    app: &TestApp,
    session: &Session,
    id: &str,
) -> axum::http::Response<Body> {
    app.post_form(
        "/annuaire/import/confirmer",
        Some(&session.cookie),
        &[("csrf_token", &session.csrf), ("import_id", id)],
    )
    .await
}

async fn stored_name(app: &TestApp, id: &str) -> String {
    let structure_id = app
        .store
        .place_id("import-standard", id)
        .await
        .expect("id")
        .expect("stored");
    app.store
        .place(structure_id)
        .await
        .expect("place")
        .place
        .name
}

async fn changes_of(app: &TestApp, id: &str) -> Vec<aiguillage_store::PlaceChange> {
    let structure_id = app
        .store
        .place_id("import-standard", id)
        .await
        .expect("id")
        .expect("stored");
    app.store
        .place_changes(structure_id, 10)
        .await
        .expect("changes")
}

fn renamed_places_of_49() -> Vec<u8> {
    write_csv(&[
        place_of("angers", "Médiathèque renommée", ANGERS),
        place_of("saumur", "Saumur renommé", SAUMUR),
    ])
    .into_bytes()
}

#[tokio::test]
async fn an_outside_coordinator_changes_no_place_of_another_territory_and_each_row_is_reported() {
    let app = app_with_places_of_49().await;
    let outsider = coordinator_of_44(&app).await;
    let response = upload(&app, &outsider, "lieux-49.csv", &renamed_places_of_49()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(
        html.contains("0 lieux seront ajoutés, 0 mis à jour"),
        "{html}"
    );
    for (line, name) in [
        (2, "Médiathèque d'Angers"),
        (3, "Espace numérique de Saumur"),
    ] {
        let message = format!("ligne {line} : vous ne pouvez pas modifier le lieu « {name} »");
        assert!(html.contains(&message), "{message} in {html}");
    }

    let confirmed = confirm(&app, &outsider, &pending_id(&html)).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let result = body_text(confirmed).await;
    assert!(result.contains("0 lieux ajoutés, 0 mis à jour"), "{result}");
    assert!(
        result.contains(
            "ligne 3 : vous ne pouvez pas modifier le lieu « Espace numérique de Saumur »"
        ),
        "{result}"
    );
    assert_eq!(stored_name(&app, "angers").await, "Médiathèque d'Angers");
    assert_eq!(
        stored_name(&app, "saumur").await,
        "Espace numérique de Saumur"
    );
    assert!(changes_of(&app, "angers")
        .await
        .iter()
        .all(|change| !change.summary.contains("modifié")));
}

#[tokio::test]
async fn the_coordinator_of_the_places_imports_them_and_each_change_is_recorded() {
    let app = app_with_places_of_49().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let mut file = renamed_places_of_49();
    let new_place = write_csv(&[place_of("nouveau", "Nouveau lieu d'Angers", ANGERS)]);
    file.extend(new_place.lines().nth(1).expect("row").as_bytes());
    file.push(b'\n');
    let html = body_text(upload(&app, &coordinator, "lieux-49.csv", &file).await).await;
    assert!(
        html.contains("1 lieux seront ajoutés, 2 mis à jour"),
        "{html}"
    );
    let confirmed = confirm(&app, &coordinator, &pending_id(&html)).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(stored_name(&app, "angers").await, "Médiathèque renommée");
    for (id, what) in [
        ("angers", "modifié : nom"),
        ("saumur", "modifié : nom"),
        ("nouveau", "ajouté"),
    ] {
        let changes = changes_of(&app, id).await;
        let change = changes.first().expect("a change is recorded");
        assert_eq!(
            change.account_name.as_deref(),
            Some("Test Coordinateur territorial"),
            "{id}"
        );
        assert!(change.summary.contains(what), "{id}: {}", change.summary);
        assert!(
            change.summary.contains("lieux-49.csv"),
            "{}",
            change.summary
        );
    }
}

#[tokio::test]
async fn a_coordinator_cannot_create_a_place_outside_their_territory() {
    let app = app_with_places_of_49().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let file = write_csv(&[
        place_of("nantes", "Lieu de Nantes", NANTES),
        place_of("angers-2", "Second lieu d'Angers", ANGERS),
    ]);
    let html = body_text(upload(&app, &coordinator, "mixte.csv", file.as_bytes()).await).await;
    assert!(html.contains("1 lieux seront ajoutés"), "{html}");
    assert!(
        html.contains("ligne 2 : le lieu « Lieu de Nantes » ne peut pas être ajouté"),
        "{html}"
    );
    let confirmed = body_text(confirm(&app, &coordinator, &pending_id(&html)).await).await;
    assert!(confirmed.contains("1 lieux ajoutés"), "{confirmed}");
    assert!(app
        .store
        .place_id("import-standard", "nantes")
        .await
        .expect("query")
        .is_none());
    assert!(app
        .store
        .place_id("import-standard", "angers-2")
        .await
        .expect("query")
        .is_some());
}

#[tokio::test]
async fn the_administrator_imports_every_place() {
    let app = app_with_places_of_49().await;
    let admin = app.sign_in(Role::Administrator).await;
    let file = write_csv(&[
        place_of("angers", "Renommé par l'administration", ANGERS),
        place_of("nantes", "Lieu de Nantes", NANTES),
    ]);
    let html = body_text(upload(&app, &admin, "tout.csv", file.as_bytes()).await).await;
    assert!(
        html.contains("1 lieux seront ajoutés, 1 mis à jour"),
        "{html}"
    );
    confirm(&app, &admin, &pending_id(&html)).await;
    assert_eq!(
        stored_name(&app, "angers").await,
        "Renommé par l'administration"
    );
    assert!(app
        .store
        .place_id("import-standard", "nantes")
        .await
        .expect("query")
        .is_some());
}

/// The rights are checked again at confirmation: a place moved out of the author's territory between
/// the preview and the confirmation is left alone.
#[tokio::test]
async fn the_rights_are_checked_again_when_the_import_is_confirmed() {
    let app = app_with_places_of_49().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let file = write_csv(&[place_of("angers", "Médiathèque renommée", ANGERS)]);
    let html = body_text(upload(&app, &coordinator, "a.csv", file.as_bytes()).await).await;
    assert!(html.contains("1 mis à jour"), "{html}");
    // Meanwhile the operator moves the place to Nantes.
    app.store
        .import_places(
            "import-standard",
            &[(2, place_of("angers", "Médiathèque d'Angers", NANTES))],
            None,
            1,
            &|_, _| {},
        )
        .await
        .expect("moved");
    let confirmed = body_text(confirm(&app, &coordinator, &pending_id(&html)).await).await;
    assert!(confirmed.contains("0 mis à jour"), "{confirmed}");
    assert!(
        confirmed.contains("vous ne pouvez pas modifier le lieu"),
        "{confirmed}"
    );
    assert_eq!(stored_name(&app, "angers").await, "Médiathèque d'Angers");
}

// ---------------------------------------------------------------------------------------------------
// Field lengths and pending imports.

#[tokio::test]
async fn an_overlong_field_is_refused_on_its_row_and_the_other_rows_import() {
    let app = app_with_places_of_49().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let mut long = place_of("long", "Lieu", ANGERS);
    long.name = "N".repeat(301);
    let file = write_csv(&[long, place_of("court", "Lieu court", ANGERS)]);
    let html = body_text(upload(&app, &coordinator, "longs.csv", file.as_bytes()).await).await;
    assert!(
        html.contains("nom trop long : 301 caractères pour 300 au plus"),
        "{html}"
    );
    assert!(html.contains("1 lieux seront ajoutés"), "{html}");
    let confirmed = body_text(confirm(&app, &coordinator, &pending_id(&html)).await).await;
    assert!(confirmed.contains("1 lieux ajoutés"), "{confirmed}");
    assert!(app
        .store
        .place_id("import-standard", "long")
        .await
        .expect("query")
        .is_none());
}

#[tokio::test]
async fn a_new_preview_replaces_the_older_pending_import_of_the_account() {
    let app = app_with_places_of_49().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let file = write_csv(&[place_of("un", "Lieu un", ANGERS)]);
    let first =
        pending_id(&body_text(upload(&app, &coordinator, "1.csv", file.as_bytes()).await).await);
    let second =
        pending_id(&body_text(upload(&app, &coordinator, "2.csv", file.as_bytes()).await).await);
    assert_eq!(
        confirm(&app, &coordinator, &first).await.status(),
        StatusCode::BAD_REQUEST,
        "the older preview is forgotten"
    );
    assert_eq!(
        confirm(&app, &coordinator, &second).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_pending_import_expires_after_an_hour() {
    let app = app_with_places_of_49().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let file = write_csv(&[place_of("un", "Lieu un", ANGERS)]);
    let id =
        pending_id(&body_text(upload(&app, &coordinator, "1.csv", file.as_bytes()).await).await);
    app.advance(3601);
    let coordinator = app.sign_in(Role::Coordinator).await;
    assert_eq!(
        confirm(&app, &coordinator, &id).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_file_with_more_rows_than_a_preview_takes_is_refused() {
    let app = app_with_places_of_49().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let rows = aiguillage_store::PENDING_IMPORT_MAX_ROWS + 1;
    let places: Vec<Place> = (0..rows)
        .map(|n| place_of(&format!("p{n}"), "Lieu", ANGERS))
        .collect();
    let response = upload(
        &app,
        &coordinator,
        "gros.csv",
        write_csv(&places).as_bytes(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(response).await;
    assert!(html.contains(&format!("{rows} lignes")), "{html}");
    assert!(app.store.places(None).await.expect("places").len() == 2);
}
