//! Administration: the accounts (list and creation form) and the audit journal.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_time, render};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::role::Role;
use aiguillage_service::accounts::{
    create_account, AccountCreationError, AccountFieldErrors, AccountRequest, Requester,
};
use aiguillage_service::state::AppState;
use aiguillage_store::{Account, AuditChainCheck, Structure};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

const ACCOUNTS_PATH: &str = "/administration/comptes";
const JOURNAL_PAGE_SIZE: i64 = 50;

/// A role as an option of the form's list.
struct RoleOption {
    code: &'static str,
    label: &'static str,
}

/// An account as a table row.
struct AccountRow {
    display_name: String,
    email: String,
    role_label: &'static str,
    structure_name: String,
    territory: String,
    last_login_at: String,
    active: bool,
}

impl From<&Account> for AccountRow {
    fn from(account: &Account) -> Self {
        AccountRow {
            display_name: account.display_name.clone(),
            email: account.email.clone(),
            role_label: account.role.label(),
            structure_name: account.structure_name.clone(),
            territory: account
                .territory_name
                .clone()
                .unwrap_or_else(|| account.territory.to_string()),
            last_login_at: account
                .last_login_at
                .map_or_else(|| "jamais".to_owned(), format_time),
            active: account.active,
        }
    }
}

#[derive(Template)]
#[template(path = "admin_accounts.html")]
struct AccountsTemplate {
    layout: Layout,
    accounts: Vec<AccountRow>,
    roles: Vec<RoleOption>,
    structures: Vec<Structure>,
    form: AccountRequest,
    errors: AccountFieldErrors,
    created: bool,
}

#[derive(Deserialize)]
pub struct AccountsQuery {
    cree: Option<String>,
}

async fn accounts_page(
    state: &AppState,
    viewer: &Viewer,
    user: &CurrentUser,
    form: AccountRequest,
    errors: AccountFieldErrors,
    created: bool,
    reason: &str,
) -> Result<Response, WebError> {
    let accounts = state.store.list_accounts().await?;
    let reads: Vec<AuditEvent> = accounts
        .iter()
        .map(|account| AuditEvent {
            actor_account_id: Some(user.account.id),
            action: AuditAction::Read,
            record_kind: "account".into(),
            record_id: account.id.to_string(),
            reason: reason.to_owned(),
        })
        .collect();
    state.store.record_audits(&reads, state.now()).await?;
    render(&AccountsTemplate {
        layout: Layout::new(state, viewer, ACCOUNTS_PATH, "Comptes"),
        accounts: accounts.iter().map(AccountRow::from).collect(),
        roles: Role::ALL
            .iter()
            .map(|role| RoleOption {
                code: role.code(),
                label: role.label(),
            })
            .collect(),
        structures: state.store.list_structures().await?,
        form: AccountRequest {
            password: String::new(),
            ..form
        },
        errors,
        created,
    })
}

pub async fn list_accounts(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Query(query): Query<AccountsQuery>,
) -> Result<Response, WebError> {
    let form = AccountRequest {
        role: Role::Prescriber.code().into(),
        ..AccountRequest::default()
    };
    let reason = format!("GET {ACCOUNTS_PATH}");
    accounts_page(
        &state,
        &viewer,
        &user,
        form,
        AccountFieldErrors::default(),
        query.cree.is_some(),
        &reason,
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Form(request): Form<AccountRequest>,
) -> Result<Response, WebError> {
    let reason = format!("POST {ACCOUNTS_PATH}");
    let requester = Requester {
        account_id: Some(user.account.id),
        reason: &reason,
    };
    match create_account(&state.store, &request, requester, state.now()).await {
        Ok(id) => {
            tracing::info!(account_id = id, by = user.account.id, "account created");
            Ok(Redirect::to(&format!("{ACCOUNTS_PATH}?cree={id}")).into_response())
        }
        Err(AccountCreationError::Invalid(errors)) => {
            let page =
                accounts_page(&state, &viewer, &user, request, errors, false, &reason).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AccountCreationError::Store(error)) => Err(error.into()),
        Err(AccountCreationError::Hash(error)) => Err(WebError::Internal(error)),
    }
}

/// An audit entry as a table row.
struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: &'static str,
    record: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditTemplate {
    layout: Layout,
    entries: Vec<AuditRow>,
    total: i64,
    chain_intact: bool,
    broken_at: i64,
    page: i64,
    pages: i64,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    page: Option<i64>,
}

pub async fn audit_log(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let total = state.store.count_audit().await?;
    let pages = ((total + JOURNAL_PAGE_SIZE - 1) / JOURNAL_PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let entries = state
        .store
        .list_audit(JOURNAL_PAGE_SIZE, (page - 1) * JOURNAL_PAGE_SIZE)
        .await?;
    let check = state.store.verify_audit_chain().await?;
    render(&AuditTemplate {
        layout: Layout::new(
            &state,
            &viewer,
            "/administration/journal",
            "Journal d'audit",
        ),
        entries: entries
            .into_iter()
            .map(|entry| AuditRow {
                seq: entry.seq,
                at: format_time(entry.at),
                actor: entry
                    .actor_name
                    .unwrap_or_else(|| "ligne de commande".to_owned()),
                action: entry.action.label(),
                record: format!(
                    "{} n° {}",
                    record_label(&entry.record_kind),
                    entry.record_id
                ),
                reason: entry.reason,
            })
            .collect(),
        total,
        chain_intact: matches!(check, AuditChainCheck::Intact { .. }),
        broken_at: match check {
            AuditChainCheck::BrokenAt { seq } => seq,
            AuditChainCheck::Intact { .. } => 0,
        },
        page,
        pages,
    })
}

fn record_label(kind: &str) -> &str {
    match kind {
        "account" => "Compte",
        "person" => "Personne",
        "referral" => "Orientation",
        other => other,
    }
}
