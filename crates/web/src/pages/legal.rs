//! The public pages every French public service shows: legal notices (with the personal-data notice)
//! and the accessibility statement.

use crate::auth::Viewer;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use aiguillage_service::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "legal_notice.html")]
struct LegalNoticeTemplate {
    layout: Layout,
    operator_name: String,
    operator_contact: String,
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityTemplate {
    layout: Layout,
    operator_name: String,
    operator_contact: String,
}

pub async fn legal_notice(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    render(&LegalNoticeTemplate {
        layout: Layout::new(&state, &viewer, "/mentions-legales", "Mentions légales"),
        operator_name: state.settings.operator_name.clone(),
        operator_contact: state.settings.operator_contact.clone(),
    })
}

pub async fn accessibility(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    render(&AccessibilityTemplate {
        layout: Layout::new(
            &state,
            &viewer,
            "/accessibilite",
            "Déclaration d'accessibilité",
        ),
        operator_name: state.settings.operator_name.clone(),
        operator_contact: state.settings.operator_contact.clone(),
    })
}
