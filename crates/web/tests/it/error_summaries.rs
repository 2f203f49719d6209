//! After a refused form, the error summary at the top lists each wrong field with a link, and each
//! link leads to an element of the page (the field or its first choice): checked on the forms
//! people fill most — enrolment, the diagnostic, a workshop, an offer, the territory's settings, an
//! account, and the public contact request.

use crate::common::journeys::{world, ANSWERS, MEDIATOR};
use crate::common::{body_text, set_cookie, sign_in_again, TestApp};
use aiguillage_domain::role::Role;
use aiguillage_web::Settings;
use axum::http::StatusCode;

/// The `#…` links of the page's error summary; every one must name an id of the page.
fn summary_links_resolve(page: &str, form: &str) -> usize {
    let start = page
        .find("fr-alert--error")
        .unwrap_or_else(|| panic!("{form}: an error summary: {page}"));
    let end = page[start..]
        .find("</div>")
        .map_or(page.len(), |e| start + e);
    let summary = &page[start..end];
    let links: Vec<&str> = summary
        .match_indices("href=\"#")
        .filter_map(|(at, marker)| summary[at + marker.len()..].split('"').next())
        .collect();
    assert!(
        !links.is_empty(),
        "{form}: the summary links to the fields: {summary}"
    );
    for target in &links {
        assert!(
            page.contains(&format!("id=\"{target}\"")),
            "{form}: the summary links to #{target}, which the page does not have"
        );
    }
    links.len()
}

async fn refused(app: &TestApp, path: &str, cookie: &str, fields: &[(&str, &str)]) -> String {
    let response = app.post_form(path, Some(cookie), fields).await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{path}"
    );
    body_text(response).await
}

#[tokio::test]
async fn every_error_summary_links_to_its_fields() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let prescriber = &world.prescriber;
    let csrf = prescriber.csrf.as_str();

    let page = refused(
        app,
        "/personnes/inscrire",
        &prescriber.cookie,
        &[("csrf_token", csrf), ("telephone", "12")],
    )
    .await;
    assert!(summary_links_resolve(&page, "inscription") >= 3);

    let person =
        crate::common::journeys::diagnosed_person(app, prescriber, ("Hélène", ""), &[]).await;
    let page = refused(
        app,
        &format!("/personnes/{person}/diagnostic"),
        &prescriber.cookie,
        &[("csrf_token", csrf)],
    )
    .await;
    assert!(
        summary_links_resolve(&page, "diagnostic") >= 5,
        "the five skills at least"
    );

    let mediator = sign_in_again(app, MEDIATOR).await;
    let page = refused(
        app,
        "/ateliers/nouveau",
        &mediator.cookie,
        &[("csrf_token", mediator.csrf.as_str())],
    )
    .await;
    summary_links_resolve(&page, "atelier");

    let coordinator = app.sign_in(Role::Coordinator).await;
    let page = refused(
        app,
        "/territoire/reglages",
        &coordinator.cookie,
        &[
            ("csrf_token", coordinator.csrf.as_str()),
            ("delai_reponse", "beaucoup"),
        ],
    )
    .await;
    summary_links_resolve(&page, "réglages");
    let page = refused(
        app,
        &format!("/annuaire/{}/offres/nouvelle", world.library_id),
        &coordinator.cookie,
        &[
            ("csrf_token", coordinator.csrf.as_str()),
            ("capacite", "-3"),
        ],
    )
    .await;
    summary_links_resolve(&page, "offre");

    let admin = app.sign_in(Role::Administrator).await;
    let page = refused(
        app,
        "/administration/comptes",
        &admin.cookie,
        &[("csrf_token", admin.csrf.as_str())],
    )
    .await;
    assert!(summary_links_resolve(&page, "compte") >= 2);

    // The public contact request, without the agreement.
    let first = app.get("/auto-diagnostic", None).await;
    let cookie = format!(
        "__Host-aiguillage_csrf={}",
        set_cookie(&first, "__Host-aiguillage_csrf").expect("csrf cookie")
    );
    let token = crate::common::hidden_csrf(&body_text(first).await).expect("token");
    let mut fields = vec![
        ("csrf_token", token.as_str()),
        ("commune", "Angers"),
        ("prenom", "Marcel"),
    ];
    fields.extend_from_slice(ANSWERS);
    let page = refused(app, "/auto-diagnostic/contact", &cookie, &fields).await;
    summary_links_resolve(&page, "demande de contact");
}
