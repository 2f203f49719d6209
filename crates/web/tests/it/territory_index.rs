//! The coordinator's own fragility index from the web: the national indicators by default, an
//! uploaded file of local values (bad rows reported by line, communes elsewhere left out), weights
//! chosen in a plain form, and the CSV of every commune.
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

const BOUNDARY: &str = "aiguillage-index-boundary";

fn multipart(csrf: &str, fields: &[(&str, &str)], file: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("csrf_token", csrf)].iter().chain(fields) {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    if let Some(content) = file {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"local.csv\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n")
                .as_bytes(),
        );
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post(
    app: &TestApp,
    session: &Session,
    fields: &[(&str, &str)],
    file: Option<&str>,
) -> axum::http::Response<Body> {
    let request = Request::post("/territoire/indice")
        .header(header::COOKIE, &session.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(&session.csrf, fields, file)))
        .expect("request");
    app.send(request).await
}

#[tokio::test]
async fn a_coordinator_weighs_national_and_uploaded_indicators() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Coordinator).await;
    let default = body_text(app.get("/territoire/indice", Some(&session)).await).await;
    assert!(default.contains("Indice de fragilité du territoire : Maine-et-Loire"));
    assert!(default.contains("Taux de pauvreté (%)"));
    assert!(default.contains("name=\"poids_TX_POVERTY\" value=\"1\""));
    assert!(default.contains("name=\"poids_TX_RSA\" value=\"0\""));

    // Local values: Saumur more followed than Angers; a bad row and a Paris row are left out.
    let file = "code_insee,indicator,value\n49007,caf_suivis,10\n49328,caf_suivis,30\n49099,caf_suivis,abc\n75056,caf_suivis,50\n";
    // First what was understood, nothing stored; then the confirmation stores it.
    let preview = body_text(post(&app, &session, &[], Some(file)).await).await;
    assert!(
        preview.contains("Vérifiez avant d'enregistrer"),
        "{preview}"
    );
    assert!(
        preview
            .contains("<th scope=\"row\">caf_suivis</th><td>2</td><td>1</td><td>de 10 à 30</td>"),
        "{preview}"
    );
    assert!(
        preview.contains("ligne 4"),
        "the bad row is reported by line"
    );
    assert!(!preview.contains("Vos données"), "nothing stored yet");
    let uploaded = post(
        &app,
        &session,
        &[("confirmer", "oui"), ("contenu", file)],
        None,
    )
    .await;
    assert_eq!(uploaded.status(), StatusCode::OK);
    let page = body_text(uploaded).await;
    assert!(
        page.contains("2 valeurs enregistrées (caf_suivis)"),
        "{page}"
    );
    assert!(page.contains("1 valeur concernant des communes hors du territoire"));
    assert!(page.contains("ligne 4"), "the bad row is reported by line");
    assert!(page.contains("Vos données"));

    // Only the local indicator: Saumur ranks first. Score = 1 + ⌊10 × (values strictly less fragile) / 2⌋:
    // Saumur 1 + 5 = 6, Angers 1 + 0 = 1.
    let local_only = body_text(
        app.get(
            "/territoire/indice?methode=2023&poids_caf_suivis=1",
            Some(&session),
        )
        .await,
    )
    .await;
    let saumur = local_only.find("(49328)").expect("Saumur listed");
    let angers = local_only.find("(49007)").expect("Angers listed");
    assert!(saumur < angers, "most fragile first");
    let csv = body_text(
        app.get(
            "/territoire/indice?methode=2023&poids_caf_suivis=1&format=csv",
            Some(&session),
        )
        .await,
    )
    .await;
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("\u{feff}code_insee,caf_suivis,index"));
    assert!(csv.contains("\n49328,6,6\n"), "{csv}");
    assert!(csv.contains("\n49007,1,1\n"), "{csv}");

    // A national name cannot be overwritten; a file without any valid row stores nothing.
    let clash = post(
        &app,
        &session,
        &[],
        Some("code_insee,indicator,value\n49007,TX_POVERTY,99\n"),
    )
    .await;
    let header_only = post(&app, &session, &[], Some("code_insee;indicateur;valeur\n")).await;
    assert_eq!(header_only.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(header_only)
        .await
        .contains("Aucune valeur lisible"));
    assert_eq!(clash.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(clash).await.contains("indicateur national"));
    let removed = body_text(post(&app, &session, &[("supprimer", "caf_suivis")], None).await).await;
    assert!(!removed.contains("Vos données"));
}

/// A French file (« code_insee;indicateur;valeur », decimal commas) is read long, not as an
/// indicator called « valeur »; the coordinator says an access rate reads the other way round, and
/// the ranking follows.
#[tokio::test]
async fn a_french_file_is_understood_and_its_direction_chosen() {
    let app = TestApp::new().await;
    let session = app.sign_in(Role::Coordinator).await;
    let file = "code_insee;indicateur;valeur\n49007;acces_droits;90,5\n49328;acces_droits;40\n";
    let preview = body_text(post(&app, &session, &[], Some(file)).await).await;
    assert!(
        preview.contains("<th scope=\"row\">acces_droits</th><td>2</td>"),
        "{preview}"
    );
    assert!(
        !preview.contains("<th scope=\"row\">valeur</th>"),
        "{preview}"
    );
    let stored = post(
        &app,
        &session,
        &[
            ("confirmer", "oui"),
            ("contenu", file),
            ("plus_bas_fragile", "acces_droits"),
        ],
        None,
    )
    .await;
    assert_eq!(stored.status(), StatusCode::OK);
    let ranked = body_text(
        app.get(
            "/territoire/indice?methode=2023&poids_acces_droits=1",
            Some(&session),
        )
        .await,
    )
    .await;
    let (saumur, angers) = (
        ranked.find("(49328)").expect("Saumur"),
        ranked.find("(49007)").expect("Angers"),
    );
    assert!(saumur < angers, "the lower access rate, the more fragile");
    // Sent again without the box ticked: the higher value is the more fragile.
    post(
        &app,
        &session,
        &[("confirmer", "oui"), ("contenu", file)],
        None,
    )
    .await;
    let ranked = body_text(
        app.get(
            "/territoire/indice?methode=2023&poids_acces_droits=1",
            Some(&session),
        )
        .await,
    )
    .await;
    assert!(
        ranked.find("(49007)") < ranked.find("(49328)"),
        "now Angers first"
    );
}
