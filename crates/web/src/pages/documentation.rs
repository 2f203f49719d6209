//! The reference documents a professional may need, served as pages (`/documentation/{page}`): the
//! definitions of the steering indicators, the open-data file, the import of places, La Coop's API,
//! the register of processing, the impact assessment's description and the resource bank's session
//! archive. The French documents of `docs/` are built into the binary and
//! rendered from Markdown; a mention of another one (`docs/indicateurs.md`) becomes a link to its
//! page, never a repository path.

use crate::auth::Viewer;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use aiguillage_service::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

/// (page, file name in `docs/`, title, text).
const DOCUMENTS: [(&str, &str, &str, &str); 8] = [
    (
        "indicateurs",
        "indicateurs.md",
        "Indicateurs de pilotage",
        include_str!("../../../../docs/indicateurs.md"),
    ),
    (
        "donnees-ouvertes",
        "donnees-ouvertes.md",
        "Données ouvertes",
        include_str!("../../../../docs/donnees-ouvertes.md"),
    ),
    (
        "import-des-lieux",
        "import-des-lieux.md",
        "Import des lieux",
        include_str!("../../../../docs/import-des-lieux.md"),
    ),
    (
        "api-coop",
        "api-coop.md",
        "API de La Coop",
        include_str!("../../../../docs/api-coop.md"),
    ),
    (
        "registre-des-traitements",
        "registre-des-traitements.md",
        "Registre des traitements",
        include_str!("../../../../docs/registre-des-traitements.md"),
    ),
    (
        "aipd",
        "aipd.md",
        "Analyse d'impact (AIPD)",
        include_str!("../../../../docs/aipd.md"),
    ),
    (
        "cheques-numeriques",
        "cheques-numeriques.md",
        "Chèques numériques",
        include_str!("../../../../docs/cheques-numeriques.md"),
    ),
    (
        "archive-de-seance",
        "archive-de-seance.md",
        "Archive d'une séance de la ressourcerie",
        include_str!("../../../../docs/archive-de-seance.md"),
    ),
];

#[derive(Template)]
#[template(path = "documentation.html")]
struct DocumentationTemplate {
    layout: Layout,
    body: String,
}

/// `GET /documentation/{page}`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(page): Path<String>,
) -> Result<Response, WebError> {
    let (slug, _, title, text) = DOCUMENTS
        .iter()
        .find(|(slug, ..)| *slug == page)
        .ok_or(WebError::NotFound)?;
    render(&DocumentationTemplate {
        layout: Layout::new(&state, &viewer, &format!("/documentation/{slug}"), title),
        body: html_of(text),
    })
}

/// The Markdown as HTML: tables in the DSFR's frame, mentions of the other documents as links.
fn html_of(markdown: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    let mut out = out
        .replace("<table>", "<div class=\"fr-table\"><table>")
        .replace("</table>", "</table></div>");
    for (slug, file, title, _) in DOCUMENTS {
        let link = format!("<a href=\"/documentation/{slug}\">{title}</a>");
        out = out
            .replace(&format!("<code>docs/{file}</code>"), &link)
            .replace(&format!("docs/{file}"), &link);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_become_pages_with_links_between_them_and_framed_tables() {
        let html = html_of(DOCUMENTS[1].3);
        assert!(html.starts_with("<h1>"), "{}", &html[..80]);
        assert!(html.contains("<a href=\"/documentation/indicateurs\">Indicateurs de pilotage</a>"));
        assert!(!html.contains("docs/indicateurs.md"));
        assert!(html.contains("<div class=\"fr-table\"><table>"));
    }

    /// The impact assessment's durations are the code's: each default retention period, the
    /// receiving structure's access and the contact requests' lifetime appear in its table.
    #[test]
    fn the_impact_assessment_states_the_durations_the_code_applies() {
        use aiguillage_domain::retention::RetentionPeriods;
        let text = include_str!("../../../../docs/aipd.md");
        let periods = RetentionPeriods::default();
        for stated in [
            format!("{} mois après le dernier contact", periods.person_months),
            format!("une fois de {} mois", periods.extension_months),
            format!("par courriel {} jours avant", periods.warning_days),
            format!("| journal d'audit | {} mois |", periods.audit_months),
            format!("| notifications | {} mois |", periods.notification_months),
            format!("tentatives : {} mois", periods.technical_log_months),
            format!(
                "{} jours sans suite",
                aiguillage_domain::contact_request::CONTACT_REQUEST_LIFETIME_DAYS
            ),
            format!(
                "puis {} mois",
                aiguillage_domain::orientation::RECEIVER_ACCESS_AFTER_END_DAYS / 30
            ),
        ] {
            assert!(
                text.contains(&stated),
                "docs/aipd.md should say « {stated} »"
            );
        }
    }
}
