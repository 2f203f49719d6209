//! "Mon compte": the signed-in professional's own account and session.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_time, render};
use aiguillage_domain::session::{ABSOLUTE_TIMEOUT_SECONDS, IDLE_TIMEOUT_SECONDS};
use aiguillage_store::Account;
use askama::Template;
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

/// `GET /compte`.
pub async fn show(me: Professional) -> Result<Response, WebError> {
    render(&AccountTemplate::of(
        me.layout("/compte", "Mon compte"),
        &me.user.account,
    ))
}

/// The name of the account's territory, or its code when it has none.
pub fn territory_name(account: &Account) -> String {
    account
        .territory_name
        .clone()
        .unwrap_or_else(|| account.territory.to_string())
}

impl AccountTemplate {
    fn of(layout: Layout, account: &Account) -> AccountTemplate {
        AccountTemplate {
            layout,
            display_name: account.display_name.clone(),
            email: account.email.clone(),
            role_label: account.role.label(),
            structure_name: account.structure_name.clone(),
            territory_name: territory_name(account),
            created_at: format_time(account.created_at),
            last_login_at: account
                .last_login_at
                .map_or_else(|| "jamais".to_owned(), format_time),
            idle_minutes: IDLE_TIMEOUT_SECONDS / 60,
            absolute_hours: ABSOLUTE_TIMEOUT_SECONDS / 3600,
        }
    }
}
