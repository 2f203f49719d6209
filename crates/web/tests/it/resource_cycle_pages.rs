//! The cycle builder and problem reports through the real router: three sessions for seniors are
//! published; a mediator of another structure composes a cycle from the bank's search, orders it,
//! sees the gaps, prints its programme, creates its workshops and records one, which then counts as
//! a use of its session; another structure's mediator sees none of it; a problem reported on a
//! session reaches the référent, who closes it, and the reporter is told.

use crate::common::bank::{
    designate_referent, id_in, post, scalar, send_multipart, structure, submit_and_publish, PDF,
};
use crate::common::{body_text, location, sign_in_elsewhere, Session, TestApp};
use aiguillage_domain::role::Role;
use axum::http::StatusCode;

async fn count(app: &TestApp, sql: &str) -> i64 {
    scalar(app, sql).await
}

/// The author writes a session for seniors with a memo, the référent publishes it.
async fn published(
    app: &TestApp,
    (author, referent): (&Session, &Session),
    (title, competence): (&str, &str),
) -> String {
    let created = post(
        app,
        author,
        "/ressources/nouvelle",
        &[
            ("titre", title),
            ("publics", "seniors"),
            ("niveau", "debutant"),
            ("duree", "90"),
            ("competences", competence),
            ("thematiques", "prendre_en_main_du_materiel"),
            ("objectifs", "Allumer et éteindre le téléphone"),
            ("deroule", "Accueil\nPratique"),
            ("licence", "cc_by_sa_4"),
        ],
    )
    .await;
    let id = id_in(&created, "/ressources/");
    let memo = [
        ("type", "memo"),
        ("titre_support", "Mémo"),
        ("licence_support", "cc_by_sa_4"),
    ];
    let supports = format!("/ressources/{id}/supports");
    let added = send_multipart(
        app,
        author,
        &supports,
        &memo,
        Some(("fichier", "memo.pdf", PDF)),
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    submit_and_publish(app, (author, referent), &id).await;
    id
}

#[tokio::test]
async fn a_cycle_is_composed_printed_planned_and_its_workshop_recorded() {
    let app = TestApp::new().await;
    let author = app.sign_in(Role::Mediator).await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let saumur = structure(&app, "Espace numérique de Saumur", "49328").await;
    let referent = sign_in_elsewhere(&app, saumur, "referente@saumur.fr", Role::Mediator).await;
    let cholet = structure(&app, "Centre social de Cholet", "49099").await;
    let mediator = sign_in_elsewhere(&app, cholet, "cycles@cholet.fr", Role::Mediator).await;
    designate_referent(&app, &coordinator, "referente@saumur.fr").await;
    let pair = (&author, &referent);
    let phone = published(&app, pair, ("Premiers pas avec un smartphone", "5.2")).await;
    let mail = published(&app, pair, ("Créer son adresse mél", "2.1")).await;
    let scam = published(&app, pair, ("Reconnaître un message frauduleux", "4.1")).await;

    // A cycle with errors stays on the form; a good one opens, empty.
    let wrong = post(&app, &mediator, "/ressources/cycles", &[("titre", " ")]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(wrong).await;
    assert!(page.contains("href=\"#titre\"") && page.contains("href=\"#groupe\""));
    let created = post(
        &app,
        &mediator,
        "/ressources/cycles",
        &[
            ("titre", "Premiers pas numériques"),
            ("groupe", "Seniors du jeudi"),
            ("competences", "5.2"),
            ("competences", "4.1"),
            ("competences", "4.2"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let cycle = id_in(&created, "/ressources/cycles/");
    let cycle_path = format!("/ressources/cycles/{cycle}");

    // Sessions come from the bank's search, which goes back to itself; an outside address is not
    // followed.
    let search = format!("/ressources?cycle={cycle}&public=seniors");
    let found = body_text(app.get(&search, Some(&mediator)).await).await;
    assert!(found.contains("Vous composez le cycle « Premiers pas numériques »"));
    assert!(found.contains("Ajouter au cycle, semaine 1"));
    for (session, week) in [(&phone, "1"), (&mail, "2"), (&scam, "3")] {
        let added = post(
            &app,
            &mediator,
            &format!("{cycle_path}/seances"),
            &[("seance", session), ("semaine", week), ("retour", &search)],
        )
        .await;
        assert_eq!(location(&added).as_deref(), Some(search.as_str()));
    }
    let outside = post(
        &app,
        &mediator,
        &format!("{cycle_path}/seances"),
        &[
            ("seance", &phone),
            ("semaine", "4"),
            ("retour", "https://exemple.org/"),
        ],
    )
    .await;
    assert_eq!(
        location(&outside).as_deref(),
        Some(format!("{cycle_path}?fait=seance").as_str())
    );
    let bad_week = post(
        &app,
        &mediator,
        &format!("{cycle_path}/seances"),
        &[("seance", &phone), ("semaine", "60")],
    )
    .await;
    assert_eq!(bad_week.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(bad_week)
        .await
        .contains("La semaine doit être comprise entre 1 et 52."));
    post(
        &app,
        &mediator,
        &format!("{cycle_path}/seances/4"),
        &[("action", "retirer")],
    )
    .await;
    post(
        &app,
        &mediator,
        &format!("{cycle_path}/seances/3"),
        &[("action", "monter")],
    )
    .await;
    let shown = body_text(app.get(&cycle_path, Some(&mediator)).await).await;
    let order: Vec<usize> = [
        "Premiers pas avec un smartphone",
        "Reconnaître un message",
        "Créer son adresse mél",
    ]
    .iter()
    .map(|title| shown.find(title).expect("listed"))
    .collect();
    assert!(order[0] < order[1] && order[1] < order[2], "moved up");
    assert!(shown.contains("3 séances sur 3 semaines, 4 h 30 en tout"));
    assert!(shown.contains(
        "Visées mais travaillées par aucune séance : 4.2 Protéger les données personnelles"
    ));

    // The programme prints for the participants.
    let printed = body_text(
        app.get(&format!("{cycle_path}/imprimer"), Some(&mediator))
            .await,
    )
    .await;
    assert!(printed.contains("Programme du groupe « Seniors du jeudi »"));
    assert!(printed.contains("Vous apprendrez à :") && printed.contains("data-print"));

    // The workshops: a date is required; created once; one recorded from its plan.
    let no_day = post(
        &app,
        &mediator,
        &format!("{cycle_path}/ateliers"),
        &[("premier_atelier", "")],
    )
    .await;
    assert_eq!(no_day.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(no_day)
        .await
        .contains("Indiquez la date du premier atelier"));
    let planned = post(
        &app,
        &mediator,
        &format!("{cycle_path}/ateliers"),
        &[("premier_atelier", "07/01/2025")],
    )
    .await;
    assert_eq!(planned.status(), StatusCode::SEE_OTHER);
    let again = post(
        &app,
        &mediator,
        &format!("{cycle_path}/ateliers"),
        &[("premier_atelier", "07/01/2025")],
    )
    .await;
    assert!(body_text(again)
        .await
        .contains("Les ateliers de ce cycle sont déjà créés."));
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM cycle_workshops").await,
        3
    );
    let plan = count(
        &app,
        &format!("SELECT id AS n FROM cycle_workshops WHERE resource_session_id = {phone}"),
    )
    .await;
    let desk = body_text(app.get("/ateliers/nouveau", Some(&mediator)).await).await;
    assert!(desk.contains(&format!("href=\"/ateliers/nouveau?prevu={plan}\"")));
    let form = body_text(
        app.get(&format!("/ateliers/nouveau?prevu={plan}"), Some(&mediator))
            .await,
    )
    .await;
    assert!(form.contains("value=\"Premiers pas avec un smartphone\""));
    assert!(form.contains("value=\"2025-01-07\""));
    assert_eq!(
        app.get(&format!("/ateliers/nouveau?prevu={plan}"), Some(&author))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "another structure's plan does not exist for it"
    );
    let plan_text = plan.to_string();
    let workshop = [
        ("prevu", plan_text.as_str()),
        ("titre", "Premiers pas avec un smartphone"),
        ("niveau", "debutant"),
        ("date", "2025-01-07"),
        ("duree", "90"),
        ("lieu", "lieu_activite"),
        ("thematiques", "prendre_en_main_du_materiel"),
        ("anonymes", "7"),
    ];
    let recorded = post(&app, &mediator, "/ateliers/nouveau", &workshop).await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let twice = post(&app, &mediator, "/ateliers/nouveau", &workshop).await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(twice).await.contains("déjà été enregistré"));
    let sheet = body_text(
        app.get(&format!("/ressources/{phone}"), Some(&mediator))
            .await,
    )
    .await;
    assert!(sheet.contains("Ateliers enregistrés avec cette séance : 1, 7 participants en tout"));
    let shown = body_text(app.get(&cycle_path, Some(&mediator)).await).await;
    assert!(shown.contains("Enregistré : 7 participants"));

    // Another structure's mediator sees none of it.
    let list = body_text(app.get("/ressources/cycles", Some(&author)).await).await;
    assert!(!list.contains(&format!("href=\"{cycle_path}\"")));
    let own = body_text(app.get("/ressources/cycles", Some(&mediator)).await).await;
    assert!(own.contains(&format!("href=\"{cycle_path}\"")));
    assert_eq!(
        app.get(&cycle_path, Some(&author)).await.status(),
        StatusCode::NOT_FOUND
    );
    let foreign_search = body_text(app.get(&search, Some(&author)).await).await;
    assert!(!foreign_search.contains("Vous composez le cycle"));
}

#[tokio::test]
async fn a_problem_reported_reaches_the_referent_who_closes_it() {
    let app = TestApp::new().await;
    let author = app.sign_in(Role::Mediator).await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let saumur = structure(&app, "Espace numérique de Saumur", "49328").await;
    let referent = sign_in_elsewhere(&app, saumur, "referente@saumur.fr", Role::Mediator).await;
    let cholet = structure(&app, "Centre social de Cholet", "49099").await;
    let reporter = sign_in_elsewhere(&app, cholet, "signale@cholet.fr", Role::Mediator).await;
    designate_referent(&app, &coordinator, "referente@saumur.fr").await;
    let id = published(
        &app,
        (&author, &referent),
        ("Premiers pas avec un smartphone", "5.2"),
    )
    .await;

    let empty = post(
        &app,
        &reporter,
        &format!("/ressources/{id}/signalement"),
        &[("probleme", " ")],
    )
    .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(empty)
        .await
        .contains("Décrivez le problème constaté."));
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM resource_reports").await,
        0
    );
    let sent = post(
        &app,
        &reporter,
        &format!("/ressources/{id}/signalement"),
        &[("probleme", "La capsule vidéo n'est plus en ligne.")],
    )
    .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let told = body_text(app.get("/notifications", Some(&referent)).await).await;
    assert!(told.contains("Un problème est signalé sur une séance de la ressourcerie"));
    let queue = body_text(app.get("/ressources/relecture", Some(&referent)).await).await;
    assert!(
        queue.contains("La capsule vidéo n&#x27;est plus en ligne.")
            || queue.contains("La capsule vidéo n'est plus en ligne.")
    );
    let report = count(&app, "SELECT MIN(id) AS n FROM resource_reports").await;
    // Only a référent of the territory closes it.
    let refused = post(
        &app,
        &author,
        &format!("/ressources/signalements/{report}/clore"),
        &[],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let closed = post(
        &app,
        &referent,
        &format!("/ressources/signalements/{report}/clore"),
        &[],
    )
    .await;
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM resource_reports WHERE closed_at IS NULL"
        )
        .await,
        0
    );
    let told = body_text(app.get("/notifications", Some(&reporter)).await).await;
    assert!(told.contains("Le problème que vous avez signalé sur une séance a été traité"));
}
