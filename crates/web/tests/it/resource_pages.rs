//! The resource bank through the real router: a mediator writes a session and attaches its
//! materials (a program disguised as a PDF, a file of the wrong type and one too large are refused
//! in French and store nothing), the coordinator designates a référent, who sends it back then
//! publishes it; another mediator adapts it and rates the original; anonymous visitors find it in
//! French and download its PDF but not its editable source; the author's own review is impossible.

use crate::common::bank::post;
use crate::common::{body_text, location, sign_in_elsewhere, Session, TestApp};
use aiguillage_domain::role::Role;
use aiguillage_store::NewStructure;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

const BOUNDARY: &str = "----aiguillage-ressources";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some((file_name, content)) = file {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend(content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn add_material(
    app: &TestApp,
    session: &Session,
    id: &str,
    (kind, title): (&str, &str),
    file: Option<(&str, &[u8])>,
) -> axum::http::Response<Body> {
    let fields = [
        ("csrf_token", session.csrf.as_str()),
        ("type", kind),
        ("titre_support", title),
        ("licence_support", "cc_by_sa_4"),
        ("accessibilite", "gros_caracteres"),
    ];
    let request = Request::post(format!("/ressources/{id}/supports"))
        .header(header::COOKIE, &session.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(&fields, file)))
        .expect("request");
    app.send(request).await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}");
    aiguillage_store::testing::scalar(&app.store, &sql)
        .await
        .expect("count")
}

const SESSION_FORM: &[(&str, &str)] = &[
    ("titre", "Premiers pas avec un smartphone"),
    ("publics", "seniors"),
    ("niveau", "debutant"),
    ("duree", "90"),
    ("competences", "5.2"),
    ("competences", "2.1"),
    ("thematiques", "prendre_en_main_du_materiel"),
    ("prerequis", ""),
    (
        "objectifs",
        "Allumer et éteindre le téléphone\nEnvoyer un mél à un proche",
    ),
    ("deroule", "Accueil\nDémonstration\nPratique en binômes"),
    ("licence", "cc_by_sa_4"),
];

#[tokio::test]
async fn a_session_is_written_reviewed_published_adapted_and_rated() {
    let app = TestApp::new().await;
    let author = app.sign_in(Role::Mediator).await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let saumur = app
        .store
        .ensure_structure(
            &NewStructure {
                name: "Espace numérique de Saumur".into(),
                kind: "EPN".into(),
                commune_code: "49328".into(),
            },
            0,
        )
        .await
        .expect("structure");
    let referent = sign_in_elsewhere(&app, saumur, "referente@saumur.fr", Role::Mediator).await;
    let cholet = app
        .store
        .ensure_structure(
            &NewStructure {
                name: "Centre social de Cholet".into(),
                kind: "Centre social".into(),
                commune_code: "49099".into(),
            },
            0,
        )
        .await
        .expect("structure");
    let adapter = sign_in_elsewhere(&app, cholet, "adapte@cholet.fr", Role::Mediator).await;

    // A form with errors keeps the person on it, every error linked.
    let wrong = post(
        &app,
        &author,
        "/ressources/nouvelle",
        &[("titre", ""), ("duree", "5")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(wrong).await;
    for anchor in [
        "#titre",
        "#publics",
        "#duree",
        "#competences",
        "#objectifs",
        "#deroule",
    ] {
        assert!(
            page.contains(&format!("href=\"{anchor}\"")),
            "{anchor} linked"
        );
    }
    assert_eq!(count(&app, "resource_sessions").await, 0);

    let created = post(&app, &author, "/ressources/nouvelle", SESSION_FORM).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let place = location(&created).expect("location");
    let id = place
        .trim_start_matches("/ressources/")
        .split('/')
        .next()
        .expect("id")
        .to_owned();

    // Refused uploads store nothing and say why in French.
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.resize(4096, 0);
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 10, b' ');
    for (name, content, message) in [
        ("memo.pdf", exe.as_slice(), "programme exécutable"),
        (
            "memo.pdf",
            b"juste du texte".as_slice(),
            "pas d'un type accepté",
        ),
        ("photo.png", PDF, "ne correspond pas à son contenu"),
        ("gros.pdf", big.as_slice(), "la limite est 10 Mo"),
    ] {
        let refused =
            add_material(&app, &author, &id, ("memo", "Mémo"), Some((name, content))).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let page = body_text(refused).await;
        assert!(page.contains(message), "{name}: {message}");
        assert_eq!(count(&app, "resource_files").await, 0, "{name}");
        assert_eq!(count(&app, "resource_materials").await, 0, "{name}");
    }
    let added = add_material(
        &app,
        &author,
        &id,
        ("memo", "Mémo des gestes"),
        Some(("memo.pdf", PDF)),
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let added = add_material(
        &app,
        &author,
        &id,
        ("guide_mediateur", "Conducteur médiateur"),
        Some(("guide.pdf", PDF)),
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(&app, "resource_files").await,
        1,
        "one file stored once"
    );

    // Submitted; the author cannot review it; the coordinator designates the référent.
    let submitted = post(&app, &author, &format!("/ressources/{id}/soumettre"), &[]).await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let referents = body_text(app.get("/ressources/referents", Some(&coordinator)).await).await;
    let referent_id = referents
        .split("<option value=\"")
        .skip(2)
        .find(|option| option.contains("referente@saumur.fr"))
        .and_then(|option| option.split('"').next())
        .expect("the Saumur mediator listed")
        .to_owned();
    let designated = post(
        &app,
        &coordinator,
        "/ressources/referents",
        &[("compte", &referent_id)],
    )
    .await;
    assert_eq!(designated.status(), StatusCode::SEE_OTHER);
    let queue = body_text(app.get("/ressources/relecture", Some(&referent)).await).await;
    assert!(queue.contains("Premiers pas avec un smartphone"));
    let own = post(&app, &author, &format!("/ressources/{id}/relecture"), &[]).await;
    assert_eq!(
        own.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the author is no référent"
    );
    assert!(body_text(own).await.contains("Seuls les référents"));

    // Sent back with a comment, changed, submitted again, published with the whole checklist.
    post(&app, &referent, &format!("/ressources/{id}/relecture"), &[]).await;
    let no_comment = post(
        &app,
        &referent,
        &format!("/ressources/{id}/decision"),
        &[("decision", "renvoyer")],
    )
    .await;
    assert_eq!(no_comment.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(no_comment).await.contains("il faut reprendre"));
    let back = post(
        &app,
        &referent,
        &format!("/ressources/{id}/decision"),
        &[
            ("decision", "renvoyer"),
            ("commentaire", "Précisez la durée de chaque étape."),
        ],
    )
    .await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let sheet = body_text(app.get(&format!("/ressources/{id}"), Some(&author)).await).await;
    assert!(sheet.contains("Précisez la durée de chaque étape."));
    let mut changed = SESSION_FORM.to_vec();
    changed[9] = (
        "deroule",
        "Accueil (10 min)\nDémonstration (20 min)\nPratique en binômes (60 min)",
    );
    let saved = post(
        &app,
        &author,
        &format!("/ressources/{id}/modifier"),
        &changed,
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    post(&app, &author, &format!("/ressources/{id}/soumettre"), &[]).await;
    post(&app, &referent, &format!("/ressources/{id}/relecture"), &[]).await;
    let mut publish = vec![("decision", "publier")];
    for item in [
        "exactitude",
        "accessibilite",
        "licence",
        "sans_donnees_personnelles",
        "hors_ligne",
    ] {
        publish.push(("grille", item));
    }
    let published = post(
        &app,
        &referent,
        &format!("/ressources/{id}/decision"),
        &publish,
    )
    .await;
    assert_eq!(published.status(), StatusCode::SEE_OTHER);

    // Anonymous visitors find it in French and get the PDF.
    for words in ["smartphones", "mel", "binome"] {
        let found = body_text(app.get(&format!("/ressources?mots={words}"), None).await).await;
        assert!(
            found.contains(&format!("href=\"/ressources/{id}\"")),
            "{words}"
        );
    }
    let nothing = body_text(
        app.get("/ressources?mots=smartphone&public=jeunes", None)
            .await,
    )
    .await;
    assert!(nothing.contains("Aucune séance ne correspond"));
    let public = body_text(app.get(&format!("/ressources/{id}"), None).await).await;
    let file_link = public
        .split("href=\"")
        .find(|part| part.contains("/fichiers/"))
        .and_then(|part| part.split('"').next())
        .expect("file link")
        .to_owned();
    let file = app.get(&file_link, None).await;
    assert_eq!(file.status(), StatusCode::OK);
    let disposition = file.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");

    // The JSON API finds it too, and names a wrong filter.
    let api = body_text(
        app.get("/api/v1/ressources?mots=smartphones&public=seniors", None)
            .await,
    )
    .await;
    let page: serde_json::Value = serde_json::from_str(&api).expect("json");
    assert_eq!(page["total"], 1, "{api}");
    assert_eq!(page["seances"][0]["url"], format!("/ressources/{id}"));
    assert_eq!(page["seances"][0]["publics"][0], "seniors");
    let wrong = app.get("/api/v1/ressources?public=martiens", None).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);

    // Adapted by another mediator, who rates the original.
    let adapted = post(&app, &adapter, &format!("/ressources/{id}/adapter"), &[]).await;
    assert_eq!(adapted.status(), StatusCode::SEE_OTHER);
    let draft = location(&adapted).expect("draft");
    let draft_id = draft
        .trim_start_matches("/ressources/")
        .split('/')
        .next()
        .expect("id")
        .to_owned();
    let draft_sheet = body_text(
        app.get(&format!("/ressources/{draft_id}"), Some(&adapter))
            .await,
    )
    .await;
    assert!(
        draft_sheet.contains(&format!("href=\"/ressources/{id}\"")),
        "credits its source"
    );
    let told = app
        .store
        .notifications_of(
            aiguillage_domain::ids::AccountId::new(author_account(&app).await),
            aiguillage_domain::ids::StructureId::new(app.structure_id),
            20,
        )
        .await
        .expect("notifications");
    assert!(
        told.iter().any(|n| n.text.contains("adaptée")),
        "the author is told"
    );
    let rated = post(
        &app,
        &adapter,
        &format!("/ressources/{id}/avis"),
        &[("note", "4"), ("pour", "seniors")],
    )
    .await;
    assert_eq!(rated.status(), StatusCode::SEE_OTHER);
    let sheet = body_text(app.get(&format!("/ressources/{id}"), Some(&adapter)).await).await;
    assert!(sheet.contains("note moyenne 4,0 sur 4"), "rating shown");
}

async fn author_account(app: &TestApp) -> i64 {
    let sql = "SELECT MIN(created_by) AS n FROM resource_sessions";
    aiguillage_store::testing::scalar(&app.store, sql)
        .await
        .expect("author")
}
