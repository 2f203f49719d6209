//! A session of the resource bank carried as one archive, through the real router: a published
//! session with a PDF and a link is downloaded (codes, credit without e-mail, the file by its
//! SHA-256) and imported by a mediator of another structure as a credited draft with the same file;
//! an unpublished session and, for anonymous visitors, a closed-licence one have no archive; bad
//! archives (unknown version, `../evil`, an undeclared entry, a wrong SHA-256, a program disguised as
//! a PDF, not a ZIP, an entry over the limit once decompressed) are refused in French with nothing
//! stored.

use crate::common::bank::{
    designate_referent, post, scalar, send_multipart, structure, submit_and_publish, PDF,
};
use crate::common::{body_text, location, sign_in_elsewhere, Session, TestApp};
use aiguillage_domain::role::Role;
use axum::body::Body;
use axum::http::{header, StatusCode};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read, Write};

/// The rows an import would write.
async fn rows(app: &TestApp) -> [i64; 3] {
    let mut counts = [0; 3];
    for (count, table) in
        counts
            .iter_mut()
            .zip(["resource_sessions", "resource_materials", "resource_files"])
    {
        *count = scalar(
            app,
            &format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"),
        )
        .await;
    }
    counts
}

fn session_form(licence: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("titre", "Sécuriser ses comptes en ligne"),
        ("publics", "seniors"),
        ("publics", "tout_public"),
        ("niveau", "intermediaire"),
        ("duree", "120"),
        ("competences", "4.1"),
        ("thematiques", "securite_numerique"),
        ("prerequis", "Savoir se connecter à sa messagerie"),
        (
            "objectifs",
            "Choisir une phrase de passe\nActiver la double authentification",
        ),
        ("deroule", "Accueil\nExemples de fraudes\nPratique"),
        ("licence", licence),
    ]
}

fn id_in(path: &str) -> String {
    path.trim_start_matches("/ressources/")
        .split('/')
        .next()
        .expect("id")
        .to_owned()
}

/// Writes a session with a PDF and a link, has it reviewed and published; returns its id.
async fn published(
    app: &TestApp,
    (author, coordinator, referent): (&Session, &Session, &Session),
    licence: &'static str,
) -> String {
    let created = post(app, author, "/ressources/nouvelle", &session_form(licence)).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let id = id_in(&location(&created).expect("draft"));
    let supports = format!("/ressources/{id}/supports");
    let material = [
        ("type", "memo"),
        ("titre_support", "Mémo des phrases de passe"),
        ("licence_support", "cc_by_4"),
        ("accessibilite", "gros_caracteres"),
        ("accessibilite", "facile_a_lire"),
    ];
    let added = send_multipart(
        app,
        author,
        &supports,
        &material,
        Some(("fichier", "mémo phrases.pdf", PDF)),
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let link = [
        ("type", "video"),
        ("titre_support", "Capsule : la double authentification"),
        ("licence_support", "cc_by_sa_4"),
        ("lien", "https://video.example.org/double-authentification"),
    ];
    let added = send_multipart(app, author, &supports, &link, None).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    designate_referent(app, coordinator, "referente@saumur.fr").await;
    submit_and_publish(app, (author, referent), &id).await;
    id
}

async fn bytes_of(response: axum::http::Response<Body>) -> Vec<u8> {
    use http_body_util::BodyExt;
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

/// Every entry of an archive, by name.
fn entries(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).expect("zip");
    (0..zip.len())
        .map(|index| {
            let mut entry = zip.by_index(index).expect("entry");
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read");
            (entry.name().expect("name").into_owned(), bytes)
        })
        .collect()
}

/// An archive of these entries, deflated.
fn zipped(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        writer.start_file(*name, options).expect("start");
        writer.write_all(bytes).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

async fn import(app: &TestApp, who: &Session, archive: &[u8]) -> axum::http::Response<Body> {
    send_multipart(
        app,
        who,
        "/ressources/importer",
        &[],
        Some(("archive", "seance.zip", archive)),
    )
    .await
}

#[tokio::test]
async fn a_published_session_travels_as_one_archive_and_bad_archives_store_nothing() {
    let app = TestApp::new().await;
    let author = app.sign_in(Role::Mediator).await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let saumur = structure(&app, "Espace numérique de Saumur", "49328").await;
    let referent = sign_in_elsewhere(&app, saumur, "referente@saumur.fr", Role::Mediator).await;
    let cholet = structure(&app, "Centre social de Cholet", "49099").await;
    let importer = sign_in_elsewhere(&app, cholet, "importe@cholet.fr", Role::Mediator).await;
    let reviewers = (&author, &coordinator, &referent);
    let id = published(&app, reviewers, "cc_by_sa_4").await;

    // Anyone downloads the open session as one ZIP, as an attachment.
    let download = app.get(&format!("/ressources/{id}/archive"), None).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()[header::CONTENT_TYPE], "application/zip");
    assert_eq!(
        download.headers()[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"seance-{id}.zip\"").as_str()
    );
    let archive = bytes_of(download).await;
    let inside = entries(&archive);
    let sha = hex::encode(Sha256::digest(PDF));
    let pdf_path = format!("fichiers/{sha}-memo_phrases.pdf");
    let names: Vec<&str> = inside.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["manifest.json", pdf_path.as_str()]);
    assert_eq!(inside[1].1, PDF, "the file's very bytes");
    let manifest_text = String::from_utf8(inside[0].1.clone()).expect("utf-8");
    let manifest: serde_json::Value = serde_json::from_str(&manifest_text).expect("json");
    assert_eq!(manifest["format"], "aiguillage-seance");
    assert_eq!(manifest["version"], 1);
    assert_eq!(manifest["session"]["level"], "intermediaire");
    assert_eq!(manifest["session"]["themes"][0], "securite_numerique");
    assert_eq!(manifest["session"]["licence"], "cc_by_sa_4");
    assert_eq!(
        manifest["source"]["session"],
        id.parse::<i64>().expect("id")
    );
    let materials = manifest["materials"].as_array().expect("materials");
    assert_eq!(materials.len(), 2);
    assert_eq!(materials[0]["kind"], "memo");
    assert_eq!(materials[0]["sha256"], sha);
    assert_eq!(materials[0]["file"], pdf_path);
    assert_eq!(materials[0]["media_type"], "application/pdf");
    assert_eq!(materials[0]["bytes"], PDF.len());
    assert_eq!(
        materials[1]["link"],
        "https://video.example.org/double-authentification"
    );
    let credit = manifest["credit"]["text"].as_str().expect("credit");
    assert!(!credit.is_empty());
    assert!(!manifest_text.contains('@'), "no e-mail: {manifest_text}");
    assert!(
        !manifest_text.contains("Intermédiaire"),
        "codes, not labels"
    );

    // The sheet offers it; the author's list offers the import.
    let sheet = body_text(app.get(&format!("/ressources/{id}"), None).await).await;
    assert!(sheet.contains(&format!("href=\"/ressources/{id}/archive\"")));
    let mine = body_text(app.get("/ressources/mes-seances", Some(&importer)).await).await;
    assert!(mine.contains("href=\"/ressources/importer\""));

    // A mediator of another structure imports it: one credited draft, the same file stored once.
    let form = app.get("/ressources/importer", Some(&importer)).await;
    assert_eq!(form.status(), StatusCode::OK);
    let form = body_text(form).await;
    assert!(form.contains("<label class=\"fr-label\" for=\"archive\">"));
    let before = rows(&app).await;
    let imported = import(&app, &importer, &archive).await;
    assert_eq!(imported.status(), StatusCode::SEE_OTHER);
    let place = location(&imported).expect("draft");
    assert!(place.ends_with("/modifier?fait=importee"), "{place}");
    let draft = id_in(&place);
    assert_eq!(rows(&app).await, [before[0] + 1, before[1] + 2, before[2]]);
    let of_draft = |sql: &str| sql.replace("{draft}", &draft);
    assert_eq!(
        scalar(&app, &of_draft("SELECT structure_id AS n FROM resource_sessions WHERE id = {draft} AND state = 'draft'")).await,
        cholet
    );
    assert_eq!(
        scalar(
            &app,
            &of_draft(&format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM resource_materials WHERE session_id = {{draft}} AND sha256 = '{sha}'"))
        )
        .await,
        1,
        "the same bytes, by their SHA-256"
    );
    let edit = body_text(app.get(&place, Some(&importer)).await).await;
    assert!(edit.contains("La séance est importée avec ses supports"));
    assert!(edit.contains("Sécuriser ses comptes en ligne"));
    let draft_sheet = body_text(
        app.get(&format!("/ressources/{draft}"), Some(&importer))
            .await,
    )
    .await;
    assert!(draft_sheet.contains("Séance importée"), "credited");
    assert!(draft_sheet.contains(credit), "credits {credit}");
    assert!(draft_sheet.contains("Activer la double authentification"));
    assert!(draft_sheet.contains("Capsule : la double authentification"));

    // An unpublished session has no archive, not even for its author.
    for who in [None, Some(&importer)] {
        let none = app.get(&format!("/ressources/{draft}/archive"), who).await;
        assert_eq!(none.status(), StatusCode::NOT_FOUND);
    }

    // Bad archives: refused in French, nothing stored.
    let manifest_v2 = manifest_text.replace("\"version\": 1", "\"version\": 2");
    let wrong_sha = manifest_text.replace(
        &format!("\"sha256\": \"{sha}\""),
        &format!("\"sha256\": \"{}\"", "0".repeat(64)),
    );
    assert_ne!(wrong_sha, manifest_text);
    let mut program = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    program.resize(4096, 0);
    let program_sha = hex::encode(Sha256::digest(&program));
    let program_path = format!("fichiers/{program_sha}-memo.pdf");
    let disguised = manifest_text
        .replace(&pdf_path, &program_path)
        .replace(&sha, &program_sha);
    let bomb = vec![0u8; 25 * 1024 * 1024];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "unknown version",
            zipped(&[("manifest.json", manifest_v2.as_bytes()), (&pdf_path, PDF)]),
            "seule la version 1",
        ),
        (
            "path traversal",
            zipped(&[
                ("manifest.json", manifest_text.as_bytes()),
                (&pdf_path, PDF),
                ("../evil", PDF),
            ]),
            "chemin interdit",
        ),
        (
            "undeclared entry",
            zipped(&[
                ("manifest.json", manifest_text.as_bytes()),
                (&pdf_path, PDF),
                ("fichiers/autre.pdf", PDF),
            ]),
            "que le manifeste ne déclare pas",
        ),
        (
            "wrong sha256",
            zipped(&[("manifest.json", wrong_sha.as_bytes()), (&pdf_path, PDF)]),
            "ne correspond pas au manifeste",
        ),
        (
            "program disguised as a pdf",
            zipped(&[
                ("manifest.json", disguised.as_bytes()),
                (&program_path, &program),
            ]),
            "programme exécutable",
        ),
        (
            "not a zip",
            b"%PDF-1.4 pas une archive".to_vec(),
            "pas une archive ZIP",
        ),
        (
            "zip bomb",
            zipped(&[
                ("manifest.json", manifest_text.as_bytes()),
                (&pdf_path, &bomb),
            ]),
            "une fois décompressé",
        ),
    ];
    let before = rows(&app).await;
    for (case, archive, message) in cases {
        let refused = import(&app, &importer, &archive).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{case}");
        let page = body_text(refused).await;
        assert!(page.contains(message), "{case}: « {message} » in the page");
        assert!(page.contains("rien n'a été enregistré"), "{case}");
        assert!(
            page.contains("href=\"#archive\""),
            "{case}: linked to the field"
        );
        assert!(
            page.contains("aria-describedby=\"archive-aide archive-erreur\""),
            "{case}"
        );
        assert_eq!(rows(&app).await, before, "{case}: nothing stored");
    }
}

#[tokio::test]
async fn a_closed_licence_session_has_no_archive_for_anonymous_visitors() {
    let app = TestApp::new().await;
    let author = app.sign_in(Role::Mediator).await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let saumur = structure(&app, "Espace numérique de Saumur", "49328").await;
    let referent = sign_in_elsewhere(&app, saumur, "referente@saumur.fr", Role::Mediator).await;
    let id = published(
        &app,
        (&author, &coordinator, &referent),
        "tous_droits_reserves",
    )
    .await;
    let path = format!("/ressources/{id}/archive");
    assert_eq!(app.get(&path, None).await.status(), StatusCode::NOT_FOUND);
    let signed_in = app.get(&path, Some(&referent)).await;
    assert_eq!(signed_in.status(), StatusCode::OK, "professionals get it");
    let inside = entries(&bytes_of(signed_in).await);
    assert_eq!(inside.len(), 2, "the manifest and the PDF");
}
