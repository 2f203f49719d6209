//! The administrator's accounts page: creation with per-field French errors, nothing stored on bad
//! input, and every read or creation written to the audit trail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::audit::AuditAction;
use aiguillage_domain::role::Role;
use aiguillage_store::AuditChainCheck;
use axum::http::StatusCode;
use common::{body_text, location, TestApp};

#[tokio::test]
async fn bad_fields_are_each_explained_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let admin = app.sign_in(Role::Administrator).await;
    let before = app.store.list_accounts().await.expect("accounts").len();
    let fields = [
        ("csrf_token", admin.csrf.as_str()),
        ("email", "pas-une-adresse"),
        ("display_name", "  "),
        ("role", "chef"),
        ("structure_id", "999"),
        ("territory", "Atlantide"),
        ("password", "azerty"),
    ];
    let response = app
        .post_form("/administration/comptes", Some(&admin.cookie), &fields)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(response).await;
    for message in [
        "L'adresse électronique « pas-une-adresse » n'est pas valide",
        "Le nom affiché est obligatoire.",
        "Choisissez un rôle.",
        "Cette structure n'existe pas.",
        "Aucun territoire ne s'appelle « Atlantide »",
        "Le mot de passe doit compter au moins 12 caractères.",
    ] {
        assert!(html.contains(message), "missing « {message} »");
    }
    assert!(
        html.contains("value=\"pas-une-adresse\""),
        "typed values are kept"
    );
    assert_eq!(
        app.store.list_accounts().await.expect("accounts").len(),
        before
    );
}

#[tokio::test]
async fn a_duplicate_email_is_refused_on_the_email_field() {
    let app = TestApp::new().await;
    let admin = app.sign_in(Role::Administrator).await;
    let structure = app.structure_id.to_string();
    let fields = [
        ("csrf_token", admin.csrf.as_str()),
        ("email", "MEDIATOR@test.aiguillage.fr"),
        ("display_name", "Homonyme"),
        ("role", "mediator"),
        ("structure_id", structure.as_str()),
        ("territory", "49"),
        ("password", "velo rouge sous la pluie d'ete"),
    ];
    let response = app
        .post_form("/administration/comptes", Some(&admin.cookie), &fields)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(response)
        .await
        .contains("un compte existe déjà pour mediator@test.aiguillage.fr"));
}

#[tokio::test]
async fn a_valid_account_is_created_audited_and_can_log_in() {
    let app = TestApp::new().await;
    let admin = app.sign_in(Role::Administrator).await;
    let structure = app.structure_id.to_string();
    let fields = [
        ("csrf_token", admin.csrf.as_str()),
        ("email", "nouvelle.mediatrice@angers.fr"),
        ("display_name", "Inès Garnier"),
        ("role", "mediator"),
        ("structure_id", structure.as_str()),
        ("territory", "244900015"),
        ("password", "velo rouge sous la pluie d'ete"),
    ];
    let response = app
        .post_form("/administration/comptes", Some(&admin.cookie), &fields)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let created = location(&response).expect("redirect");
    assert!(
        created.starts_with("/administration/comptes?cree="),
        "{created}"
    );

    let accounts = app.store.list_accounts().await.expect("accounts");
    let new = accounts
        .iter()
        .find(|a| a.email == "nouvelle.mediatrice@angers.fr")
        .expect("stored");
    assert_eq!(
        new.territory_name.as_deref(),
        Some("CU Angers Loire Métropole")
    );
    let journal = app.store.list_audit(10, 0).await.expect("audit");
    assert!(journal
        .iter()
        .any(|entry| entry.action == AuditAction::Create
            && entry.record_id == new.id.to_string()
            && entry.reason == "POST /administration/comptes"));

    let login = app
        .attempt_login(
            "nouvelle.mediatrice@angers.fr",
            "velo rouge sous la pluie d'ete",
        )
        .await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn reading_the_account_list_is_recorded_and_shown_in_the_journal() {
    let app = TestApp::new().await;
    let admin = app.sign_in(Role::Administrator).await;
    let before = app.store.count_audit().await.expect("count");
    assert_eq!(
        app.get("/administration/comptes", Some(&admin))
            .await
            .status(),
        StatusCode::OK
    );
    let after = app.store.count_audit().await.expect("count");
    assert_eq!(after - before, 1, "one entry for the list view");

    let journal = body_text(app.get("/administration/journal", Some(&admin)).await).await;
    assert!(
        journal.contains(&format!("Liste de {} comptes", Role::ALL.len())),
        "the entry names every account shown: {journal}"
    );
    assert!(journal.contains("Chaîne d'empreintes intègre"), "{journal}");
    assert!(journal.contains("GET /administration/comptes"));
    assert!(journal.contains("Test Administrateur"));
    assert_eq!(
        app.store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::Intact { entries: after }
    );
}

/// « Qui a ouvert le dossier de Mme Garnier ? »: the administrator finds the entries about her file
/// and referrals by her name, narrows them by author and by date, and reads the records in words.
#[tokio::test]
async fn the_journal_answers_who_opened_a_persons_file() {
    let world = common::journeys::world(aiguillage_web::Settings::default()).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    let garnier = common::journeys::diagnosed_person(app, prescriber, ("Hélène", ""), &[]).await;
    let other = common::journeys::diagnosed_person(app, prescriber, ("Paul", ""), &[]).await;
    // Both are « Le Goff »: Hélène is found by her first name, accents aside.
    for person in [garnier, other] {
        let page = app
            .get(&format!("/personnes/{person}"), Some(prescriber))
            .await;
        assert_eq!(page.status(), StatusCode::OK);
    }
    let admin = app.sign_in(Role::Administrator).await;
    let search = |query: &'static str| {
        let admin = admin.clone();
        async move {
            body_text(
                app.get(&format!("/administration/journal?{query}"), Some(&admin))
                    .await,
            )
            .await
        }
    };
    let found = search("personne=helene").await;
    assert!(
        found.contains("Une personne s&#39;appelle « helene »")
            || found.contains("Une personne s'appelle « helene »"),
        "{found}"
    );
    assert!(
        found.contains(&format!("Fiche de la personne n° {garnier}")),
        "{found}"
    );
    assert!(
        !found.contains(&format!("Fiche de la personne n° {other}")),
        "{found}"
    );
    assert!(
        !found.contains(&format!("<td>personne-{garnier}")),
        "records in words: {found}"
    );
    // By author: the prescriber's account, not the administrator's.
    let by_author = search("personne=helene&auteur=prescriber@").await;
    assert!(
        by_author.contains(&format!("Fiche de la personne n° {garnier}")),
        "{by_author}"
    );
    let nobody = search("personne=helene&auteur=administrateur").await;
    assert!(nobody.contains("<strong>0 entrée</strong>"), "{nobody}");
    // By date: the test's day (18/11/2026) keeps them, the day before none.
    let that_day = search("personne=helene&du=18/11/2026&au=18/11/2026").await;
    assert!(that_day.contains(&format!("Fiche de la personne n° {garnier}")));
    let before = search("personne=helene&au=17/11/2026").await;
    assert!(before.contains("<strong>0 entrée</strong>"), "{before}");
    let unknown = search("personne=zorglub").await;
    assert!(
        unknown.contains("Aucune personne enregistrée ne s"),
        "{unknown}"
    );
}

/// The territory is the structure's département when left empty, and is found by name or by a
/// commune's code otherwise (a commune stands for its intercommunality); a shared name is said.
#[tokio::test]
async fn the_territory_of_an_account_is_derived_or_found_by_name() {
    let app = TestApp::new().await;
    let admin = app.sign_in(Role::Administrator).await;
    let structure = app.structure_id.to_string();
    let cases = [
        ("vide@angers.fr", "", Some("Maine-et-Loire")),
        ("nom@angers.fr", "Angers", Some("CU Angers Loire Métropole")),
        ("code@angers.fr", "49007", Some("CU Angers Loire Métropole")),
        ("dep@angers.fr", "maine et loire", Some("Maine-et-Loire")),
        (
            "epci@angers.fr",
            "Angers Loire Métropole",
            Some("CU Angers Loire Métropole"),
        ),
    ];
    for (email, typed, expected) in cases {
        let fields = [
            ("csrf_token", admin.csrf.as_str()),
            ("email", email),
            ("display_name", "Compte de test"),
            ("role", "coordinator"),
            ("structure_id", structure.as_str()),
            ("territory", typed),
            ("password", "velo rouge sous la pluie d'ete"),
        ];
        let response = app
            .post_form("/administration/comptes", Some(&admin.cookie), &fields)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "« {typed} »: {}",
            body_text(response).await
        );
        let accounts = app.store.list_accounts().await.expect("accounts");
        let account = accounts.iter().find(|a| a.email == email).expect("stored");
        assert_eq!(account.territory_name.as_deref(), expected, "« {typed} »");
    }
}
