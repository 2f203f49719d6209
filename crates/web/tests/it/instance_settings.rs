//! The instance's settings page as the administrator uses it: a refused field names itself and
//! nothing is saved; accepted durations and options are saved and audited; the support-needs
//! question switched off disappears from the diagnostic and from what is stored even when sent; a
//! raised minimum cell size is the one the steering page applies; other roles cannot reach it.

use crate::common;

use aiguillage_domain::role::Role;
use axum::http::StatusCode;
use common::journeys::{diagnosed_person, world};
use common::{body_text, location};

fn form<'a>(
    csrf: &'a str,
    person_months: &'a str,
    min_cell: &'a str,
    support: bool,
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf_token", csrf),
        ("person_months", person_months),
        ("warning_days", "30"),
        ("extension_months", "12"),
        ("audit_months", "12"),
        ("notification_months", "6"),
        ("technical_log_months", "6"),
        ("min_cell_size", min_cell),
    ];
    if support {
        fields.push(("besoins_specifiques", "oui"));
    }
    fields
}

#[tokio::test]
async fn the_administrator_sets_durations_the_cell_size_and_the_support_needs_question() {
    let world = world(Default::default()).await;
    let app = &world.app;
    let admin = app.sign_in(Role::Administrator).await;
    let page = body_text(app.get("/administration/reglages", Some(&admin)).await).await;
    assert!(page.contains("value=\"24\""), "{page}");
    assert!(page
        .contains("id=\"besoins_specifiques\" name=\"besoins_specifiques\" value=\"oui\" checked"));

    // Refused: more than the rule book's 24 months, a cell size below the server's, a word.
    let refused = app
        .post_form(
            "/administration/reglages",
            Some(&admin.cookie),
            &form(&admin.csrf, "36", "deux", true),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(refused).await;
    assert!(page.contains("Rien n'a été enregistré"), "{page}");
    assert!(
        page.contains("« deux » n'est pas un nombre entier."),
        "{page}"
    );
    let low = app
        .post_form(
            "/administration/reglages",
            Some(&admin.cookie),
            &form(&admin.csrf, "36", "1", true),
        )
        .await;
    let page = body_text(low).await;
    assert!(
        page.contains("Conservation d'une personne sans contact : de 6 à 24 mois."),
        "{page}"
    );
    assert_eq!(
        app.state
            .store
            .retention_periods()
            .await
            .expect("periods")
            .person_months,
        24,
        "nothing saved"
    );

    // While the question is asked, the answer is kept and shown on the diagnostic.
    let prescriber = &world.prescriber;
    let before = diagnosed_person(
        app,
        prescriber,
        ("Odette", ""),
        &[("prise_en_charge", "Surdité")],
    )
    .await;
    assert!(diagnostic_page(app, prescriber, before)
        .await
        .contains("Surdité"));

    let asked = body_text(app.get("/auto-diagnostic", None).await).await;
    assert!(asked.contains("question 1 sur 18"), "{asked}");

    // Accepted: 18 months, cells of 15, the support-needs question off.
    let saved = app
        .post_form(
            "/administration/reglages",
            Some(&admin.cookie),
            &form(&admin.csrf, "18", "15", false),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&saved).as_deref(),
        Some("/administration/reglages?enregistre=1")
    );
    assert_eq!(
        app.state
            .store
            .retention_periods()
            .await
            .expect("periods")
            .person_months,
        18
    );
    let journal = app.state.store.list_audit(20, 0).await.expect("audit");
    let settings: Vec<_> = journal
        .iter()
        .filter(|e| e.record_kind == "setting")
        .map(|e| e.record_id.as_str())
        .collect();
    assert_eq!(settings.len(), 2, "{settings:?}");
    assert!(settings.contains(&"reglage-retention") && settings.contains(&"reglage-options"));

    // The diagnostic no longer asks, and keeps nothing of support needs even when sent.
    let person = diagnosed_person(
        app,
        prescriber,
        ("Josiane", ""),
        &[("prise_en_charge", "Surdité")],
    )
    .await;
    let questionnaire = body_text(
        app.get(&format!("/personnes/{person}/diagnostic"), Some(prescriber))
            .await,
    )
    .await;
    assert!(
        !questionnaire.contains("name=\"prise_en_charge\""),
        "question switched off"
    );
    let stored = diagnostic_page(app, prescriber, person).await;
    assert!(!stored.contains("Surdité"), "nothing kept: {stored}");
    // The self-diagnostic skips the question too.
    let asked = body_text(app.get("/auto-diagnostic", None).await).await;
    assert!(asked.contains("question 1 sur 17"), "{asked}");

    // The steering page masks below 15 now.
    let coordinator = app.sign_in(Role::Coordinator).await;
    let steering = body_text(app.get("/pilotage", Some(&coordinator)).await).await;
    assert!(
        steering.contains("Tout effectif inférieur à 15"),
        "{steering}"
    );

    // Nobody else reaches the page.
    let page = app
        .get("/administration/reglages", Some(&coordinator))
        .await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
}

/// The page of the person's latest diagnostic.
async fn diagnostic_page(app: &common::TestApp, who: &common::Session, person: i64) -> String {
    let file = body_text(app.get(&format!("/personnes/{person}"), Some(who)).await).await;
    let marker = format!("/personnes/{person}/diagnostics/");
    let start = file.find(&marker).expect("a diagnostic link") + marker.len();
    let id: String = file[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    body_text(app.get(&format!("{marker}{id}"), Some(who)).await).await
}
