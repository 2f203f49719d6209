//! "Mon compte": the signed-in professional's own account and session.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_time, render};
use aiguillage_domain::session::{ABSOLUTE_TIMEOUT_SECONDS, IDLE_TIMEOUT_SECONDS};
use aiguillage_service::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTemplate {
    layout: Layout,
    display_name: String,
    email: String,
    role_label: &'static str,
    structure_name: String,
    territory_name: String,
    created_at: String,
    last_login_at: String,
    idle_minutes: i64,
    absolute_hours: i64,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
) -> Result<Response, WebError> {
    let account = &user.account;
    let territory_name = account
        .territory_name
        .clone()
        .unwrap_or_else(|| account.territory.to_string());
    render(&AccountTemplate {
        layout: Layout::new(&state, &viewer, "/compte", "Mon compte"),
        display_name: account.display_name.clone(),
        email: account.email.clone(),
        role_label: account.role.label(),
        structure_name: account.structure_name.clone(),
        territory_name,
        created_at: format_time(account.created_at),
        last_login_at: account
            .last_login_at
            .map_or_else(|| "jamais".to_owned(), format_time),
        idle_minutes: IDLE_TIMEOUT_SECONDS / 60,
        absolute_hours: ABSOLUTE_TIMEOUT_SECONDS / 3600,
    })
}
