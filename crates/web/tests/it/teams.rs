//! Teams through the real pages, with the real SMTP server of the tests: a manager invites by
//! e-mail, the link creates the account once and only for 72 hours (a cancelled one not at all);
//! a forged role or another structure's member is refused with the database unchanged; a role
//! change applies at the member's next page and a removal ends their sessions at once; a mediator
//! of two structures chooses the one they act for after sign-in and changes it later; a
//! coordinator invites the manager of a structure of their territory, and of no other.

use crate::common::{
    body_text, email_of, hidden_csrf, location, sign_in_again, sign_in_territory, Session,
    SmtpServer, TestApp,
};
use aiguillage_domain::role::Role;
use aiguillage_store::testing::database_contents;
use aiguillage_store::NewStructure;
use axum::http::StatusCode;

const PASSWORD: &str = "une phrase de passe assez longue 2026";

/// The invitation link of a mail (quoted-printable soft breaks undone).
fn link_in(mail: &str) -> String {
    let plain = mail.replace("=\r\n", "").replace("=\n", "");
    let start = plain.find("/invitation/").expect("an invitation link");
    plain[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_'))
        .collect()
}

async fn mails_to(smtp: &SmtpServer, email: &str, count: usize) -> Vec<String> {
    for _ in 0..100 {
        let mails: Vec<String> = smtp
            .received()
            .into_iter()
            .filter(|m| m.contains(&format!("To: {email}")))
            .collect();
        if mails.len() >= count {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail to {email}");
}

async fn invite(
    app: &TestApp,
    manager: &Session,
    (email, role): (&str, &str),
) -> (StatusCode, String) {
    let response = app
        .post_form(
            "/equipe/invitations",
            Some(&manager.cookie),
            &[
                ("csrf_token", &manager.csrf),
                ("courriel", email),
                ("role", role),
            ],
        )
        .await;
    let status = response.status();
    let to = location(&response).unwrap_or_default();
    (
        status,
        if to.is_empty() {
            body_text(response).await
        } else {
            to
        },
    )
}

/// Opens an invitation link anonymously and creates the account: the response.
async fn create_account(
    app: &TestApp,
    link: &str,
    name: &str,
    password: &str,
) -> (StatusCode, String) {
    let page = app.get(link, None).await;
    let status = page.status();
    let cookie = crate::common::set_cookie(&page, "__Host-aiguillage_csrf");
    let html = body_text(page).await;
    let (Some(cookie), Some(csrf)) = (cookie, hidden_csrf(&html)) else {
        return (status, html);
    };
    let response = app
        .post_form(
            link,
            Some(&format!("__Host-aiguillage_csrf={cookie}")),
            &[
                ("csrf_token", &csrf),
                ("nom", name),
                ("mot_de_passe", password),
                ("confirmation", password),
            ],
        )
        .await;
    let status = response.status();
    (status, body_text(response).await)
}

async fn account_id(app: &TestApp, email: &str) -> i64 {
    app.store
        .login_candidate(email)
        .await
        .expect("account")
        .expect("known")
        .account
        .id
}

#[tokio::test]
async fn an_invitation_is_mailed_creates_the_account_once_and_only_within_72_hours() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_settings(smtp.settings()).await;
    let manager = app.sign_in(Role::StructureManager).await;
    let page = body_text(app.get("/equipe", Some(&manager)).await).await;
    assert!(
        page.contains("Structure : <strong>CCAS d&#x27;Angers</strong>")
            || page.contains("Structure : <strong>CCAS d'Angers</strong>"),
        "{page}"
    );
    assert!(page.contains("Test Médiateur numérique"));

    // Bad input, and a role forged in the form: the error summary, nothing written.
    let before = database_contents(&app.store).await.unwrap();
    let (status, page) = invite(&app, &manager, ("pas-une-adresse", "administrator")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("<a href=\"#courriel\">") && page.contains("<a href=\"#role\">"),
        "{page}"
    );
    let (status, _) = invite(&app, &manager, ("camille@example.fr", "coordinator")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(database_contents(&app.store).await.unwrap(), before);
    assert!(smtp.received().is_empty());

    let (status, to) = invite(&app, &manager, ("Camille@Example.fr", "mediator")).await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/equipe?fait=invitation")
    );
    let mail = mails_to(&smtp, "camille@example.fr", 1).await.remove(0);
    assert!(mail.contains("http://127.0.0.1:8080/invitation/"));
    let link = link_in(&mail);
    let token = link.trim_start_matches("/invitation/");
    let stored = aiguillage_store::testing::scalar(
        &app.store,
        &format!("SELECT COUNT(*) AS n FROM invitations WHERE token_hash LIKE '%{token}%'"),
    )
    .await
    .unwrap();
    assert_eq!(stored, 0, "the token itself is never stored");
    let page = body_text(app.get("/equipe", Some(&manager)).await).await;
    assert!(page.contains("camille@example.fr") && page.contains("Annuler l'invitation"));

    let (status, page) = create_account(&app, &link, "Camille Dupont", "azerty").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#mot_de_passe\""), "{page}");
    let (status, page) = create_account(&app, &link, "Camille Dupont", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Votre compte est créé"));
    let (status, page) = create_account(&app, &link, "Quelqu'un d'autre", PASSWORD).await;
    assert_eq!(status, StatusCode::GONE, "once only");
    assert!(page.contains("déjà servi"));
    let camille = sign_in_again(&app, "camille@example.fr").await;
    let header = body_text(app.get("/compte", Some(&camille)).await).await;
    assert!(header.contains("Camille Dupont · Médiateur numérique"));
    let page = body_text(app.get("/equipe", Some(&manager)).await).await;
    assert!(page.contains("Camille Dupont") && !page.contains("Annuler l'invitation"));

    // 72 hours, then the link has expired.
    invite(&app, &manager, ("dominique@example.fr", "prescriber")).await;
    let late = link_in(&mails_to(&smtp, "dominique@example.fr", 1).await[0]);
    app.advance(72 * 3600 - 1);
    assert_eq!(app.get(&late, None).await.status(), StatusCode::OK);
    app.advance(1);
    let expired = app.get(&late, None).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(body_text(expired).await.contains("a expiré"));

    // A cancelled invitation's link no longer works.
    let manager = app.sign_in(Role::StructureManager).await;
    invite(&app, &manager, ("eden@example.fr", "mediator")).await;
    let cancelled = link_in(&mails_to(&smtp, "eden@example.fr", 1).await[0]);
    let page = body_text(app.get("/equipe", Some(&manager)).await).await;
    let id =
        crate::common::between(&page, "action=\"/equipe/invitations/", "/annulation\"").unwrap();
    let response = app
        .post_form(
            &format!("/equipe/invitations/{id}/annulation"),
            Some(&manager.cookie),
            &[("csrf_token", &manager.csrf)],
        )
        .await;
    assert_eq!(
        location(&response).as_deref(),
        Some("/equipe?fait=annulation")
    );
    let (status, page) = create_account(&app, &cancelled, "Eden", PASSWORD).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("annulée"));
    let journal = app.store.list_audit(50, 0).await.unwrap();
    assert!(journal.iter().any(|e| e.record_kind == "invitation"));
    assert!(journal
        .iter()
        .any(|e| e.record_kind == "membership" && e.reason == "POST /invitation"));
}

#[tokio::test]
async fn a_role_change_applies_at_once_and_a_removal_ends_the_members_sessions() {
    let app = TestApp::new().await;
    let manager = app.sign_in(Role::StructureManager).await;
    let mediator = app.sign_in(Role::Mediator).await;
    let other_device = app.sign_in(Role::Mediator).await;
    let member = account_id(&app, &email_of(Role::Mediator)).await;
    let me = account_id(&app, &email_of(Role::StructureManager)).await;
    let post = |path: String, fields: Vec<(&'static str, &'static str)>| {
        let app = &app;
        let manager = manager.clone();
        async move {
            let mut all = vec![("csrf_token", manager.csrf.as_str())];
            all.extend(fields);
            app.post_form(&path, Some(&manager.cookie), &all).await
        }
    };

    // A forged role, and the last manager demoting or removing themself: refused, nothing written.
    let before = database_contents(&app.store).await.unwrap();
    let forged = post(
        format!("/equipe/membres/{member}/role"),
        vec![("role", "administrator")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let demoted = post(
        format!("/equipe/membres/{me}/role"),
        vec![("role", "mediator")],
    )
    .await;
    assert_eq!(demoted.status(), StatusCode::CONFLICT);
    assert!(body_text(demoted).await.contains("au moins un responsable"));
    let left = post(
        format!("/equipe/membres/{me}/retrait"),
        vec![("confirmer", "oui")],
    )
    .await;
    assert_eq!(left.status(), StatusCode::CONFLICT);
    assert_eq!(database_contents(&app.store).await.unwrap(), before);

    let changed = post(
        format!("/equipe/membres/{member}/role"),
        vec![("role", "prescriber")],
    )
    .await;
    assert_eq!(location(&changed).as_deref(), Some("/equipe?fait=role"));
    let header = body_text(app.get("/compte", Some(&mediator)).await).await;
    assert!(
        header.contains("· Prescripteur"),
        "the new role at the next page"
    );

    // Removal: a confirmation page first (nothing written), then the sessions end at once.
    let confirm = post(format!("/equipe/membres/{member}/retrait"), vec![]).await;
    assert_eq!(confirm.status(), StatusCode::OK);
    assert!(body_text(confirm).await.contains("Confirmer le retrait"));
    assert!(app.get("/compte", Some(&mediator)).await.status() == StatusCode::OK);
    let removed = post(
        format!("/equipe/membres/{member}/retrait"),
        vec![("confirmer", "oui")],
    )
    .await;
    assert_eq!(location(&removed).as_deref(), Some("/equipe?fait=retrait"));
    for session in [&mediator, &other_device] {
        let page = app.get("/compte", Some(session)).await;
        assert_eq!(page.status(), StatusCode::SEE_OTHER, "signed out at once");
    }
    let again = app
        .attempt_login(
            &email_of(Role::Mediator),
            &crate::common::password_of(Role::Mediator),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::UNAUTHORIZED,
        "its only structure: deactivated"
    );
    let page = body_text(app.get("/equipe", Some(&manager)).await).await;
    assert!(!page.contains("Test Médiateur numérique"));
}

#[tokio::test]
async fn a_mediator_of_two_structures_chooses_the_one_they_act_for() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_settings(smtp.settings()).await;
    let saumur_manager = sign_in_territory(
        &app,
        (Role::StructureManager, "49", "49328"),
        "responsable.saumur@example.fr",
    )
    .await;
    let mediator_email = email_of(Role::Mediator);
    let (status, _) = invite(&app, &saumur_manager, (&mediator_email, "mediator")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let link = link_in(&mails_to(&smtp, &mediator_email, 1).await[0]);

    // An existing account joins by signing in as itself; not anonymously, not as another.
    let anonymous = body_text(app.get(&link, None).await).await;
    assert!(anonymous.contains("Un compte existe déjà pour cette adresse"));
    assert!(anonymous.contains("/connexion?suivant=%2Finvitation%2F"));
    assert!(!anonymous.contains("name=\"mot_de_passe\""));
    let prescriber = app.sign_in(Role::Prescriber).await;
    let before = database_contents(&app.store).await.unwrap();
    let wrong = app
        .post_form(
            &link,
            Some(&prescriber.cookie),
            &[("csrf_token", &prescriber.csrf)],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::CONFLICT);
    assert_eq!(database_contents(&app.store).await.unwrap(), before);
    let mediator = app.sign_in(Role::Mediator).await;
    let page = body_text(app.get(&link, Some(&mediator)).await).await;
    assert!(page.contains("Rejoindre l'équipe"));
    let joined = app
        .post_form(
            &link,
            Some(&mediator.cookie),
            &[("csrf_token", &mediator.csrf)],
        )
        .await;
    assert_eq!(
        location(&joined).as_deref(),
        Some("/compte/structure?bienvenue=1")
    );
    let header = body_text(app.get("/compte", Some(&mediator)).await).await;
    assert!(
        header.contains("<td>Structure de responsable.saumur@example.fr<p"),
        "acting for Saumur"
    );
    assert!(header.contains("href=\"/compte/structure\">Changer de structure"));

    // A new sign-in asks first which structure; a structure not the account's is not found.
    let fresh = app.sign_in_without_csrf(Role::Mediator).await;
    let home = app.get("/", Some(&fresh)).await;
    assert_eq!(
        location(&home).as_deref(),
        Some("/compte/structure?suivant=%2F")
    );
    let choice = app.get("/compte/structure?suivant=%2F", Some(&fresh)).await;
    let html = body_text(choice).await;
    assert!(html.contains("Choisir la structure pour laquelle vous agissez"));
    assert!(html.contains("CCAS d&#x27;Angers") || html.contains("CCAS d'Angers"));
    assert!(html.contains("type=\"radio\""));
    let csrf = hidden_csrf(&html).unwrap();
    let other = app
        .store
        .ensure_structure(
            &NewStructure {
                name: "Ailleurs".into(),
                kind: "CCAS".into(),
                commune_code: "49099".into(),
            },
            app.now(),
        )
        .await
        .unwrap();
    let forged = app
        .post_form(
            "/compte/structure",
            Some(&fresh.cookie),
            &[
                ("csrf_token", &csrf),
                ("structure", &other.to_string()),
                ("suivant", "/"),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    let chosen = app
        .post_form(
            "/compte/structure",
            Some(&fresh.cookie),
            &[
                ("csrf_token", &csrf),
                ("structure", &app.structure_id.to_string()),
                ("suivant", "/"),
            ],
        )
        .await;
    assert_eq!(location(&chosen).as_deref(), Some("/"));
    let header = body_text(app.get("/compte", Some(&fresh)).await).await;
    assert!(header.contains("Angers<p"), "acting for Angers");

    // Saumur's manager removes them: the sessions end, the account stays (its home is Angers).
    let member = account_id(&app, &mediator_email).await;
    let removed = app
        .post_form(
            &format!("/equipe/membres/{member}/retrait"),
            Some(&saumur_manager.cookie),
            &[("csrf_token", &saumur_manager.csrf), ("confirmer", "oui")],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/compte", Some(&mediator)).await.status(),
        StatusCode::SEE_OTHER
    );
    let back = app.sign_in(Role::Mediator).await;
    let header = body_text(app.get("/compte", Some(&back)).await).await;
    assert!(
        !header.contains("Changer de structure"),
        "one structure again: no choice"
    );
}

#[tokio::test]
async fn a_coordinator_invites_the_manager_of_a_structure_of_their_territory_only() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_settings(smtp.settings()).await;
    let data = aiguillage_interop::territory::embedded()
        .expect("territory files")
        .with_communes_of(&["44"]);
    app.store.import_territory(&data, &|_| {}).await.unwrap();
    let structure = |name: &str, commune: &str| NewStructure {
        name: name.into(),
        kind: "Médiathèque".into(),
        commune_code: commune.into(),
    };
    let saumur = app
        .store
        .ensure_structure(&structure("Médiathèque de Saumur", "49328"), 0)
        .await
        .unwrap();
    let nantes = app
        .store
        .ensure_structure(&structure("Médiathèque de Nantes", "44109"), 0)
        .await
        .unwrap();
    let coordinator = app.sign_in(Role::Coordinator).await;
    let list = body_text(app.get("/structures", Some(&coordinator)).await).await;
    assert!(list.contains(&format!("/structures/{saumur}/inviter-responsable")));
    assert!(!list.contains(&format!("/structures/{nantes}/inviter-responsable")));

    // Outside the territory: not found, nothing written.
    let before = database_contents(&app.store).await.unwrap();
    let path = format!("/structures/{nantes}/inviter-responsable");
    assert_eq!(
        app.get(&path, Some(&coordinator)).await.status(),
        StatusCode::NOT_FOUND
    );
    let refused = app
        .post_form(
            &path,
            Some(&coordinator.cookie),
            &[
                ("csrf_token", &coordinator.csrf),
                ("courriel", "r@nantes.fr"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(database_contents(&app.store).await.unwrap(), before);

    let path = format!("/structures/{saumur}/inviter-responsable");
    let page = body_text(app.get(&path, Some(&coordinator)).await).await;
    assert!(page.contains("Médiathèque de Saumur"));
    let sent = app
        .post_form(
            &path,
            Some(&coordinator.cookie),
            &[
                ("csrf_token", &coordinator.csrf),
                ("courriel", "romane@saumur.fr"),
            ],
        )
        .await;
    assert_eq!(location(&sent), Some(format!("{path}?fait=invitation")));
    let link = link_in(&mails_to(&smtp, "romane@saumur.fr", 1).await[0]);
    let (status, page) = create_account(&app, &link, "Romane Petit", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let romane = sign_in_again(&app, "romane@saumur.fr").await;
    let team = body_text(app.get("/equipe", Some(&romane)).await).await;
    assert!(
        team.contains("<strong>Médiathèque de Saumur</strong>") && team.contains("Romane Petit")
    );
}
