//! Administration: the accounts (list and creation form) and the audit journal.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::account::territory_name;
use crate::pages::{format_time, render};
use aiguillage_domain::audit::{is_list, AuditAction, AuditEvent};
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::role::Role;
use aiguillage_service::accounts::{
    create_account, AccountCreationError, AccountFieldErrors, AccountRequest, Requester,
};
use aiguillage_store::{Account, AuditChainCheck, AuditEntry, Structure};
use askama::Template;
use axum::extract::Query;
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
    id: i64,
    /// The account's second factor is on (the administrator may reset it).
    second_factor: bool,
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
            id: account.id,
            second_factor: false,
            display_name: account.display_name.clone(),
            email: account.email.clone(),
            role_label: account.role.label(),
            structure_name: account.structure_name.clone(),
            territory: territory_name(account),
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
    /// What a reset of a second factor just did.
    second_factor_reset: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct AccountsQuery {
    cree: Option<String>,
    /// After a reset of a second factor: `reinitialise`, or `aucun` when the account had none.
    double_authentification: Option<String>,
}

async fn accounts_page(
    me: &Professional,
    form: AccountRequest,
    errors: AccountFieldErrors,
    created: bool,
) -> Result<AccountsTemplate, WebError> {
    let accounts = me.state.store.list_accounts().await?;
    audit_reads(me, &accounts).await?;
    let with_second_factor = me.state.store.accounts_with_second_factor().await?;
    Ok(AccountsTemplate {
        layout: me.layout(ACCOUNTS_PATH, "Comptes"),
        accounts: accounts
            .iter()
            .map(|account| AccountRow {
                second_factor: with_second_factor.contains(&AccountId::new(account.id)),
                ..AccountRow::from(account)
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|role| RoleOption {
                code: role.code(),
                label: role.label(),
            })
            .collect(),
        structures: me.state.store.list_structures().await?,
        form: AccountRequest {
            password: String::new(),
            ..form
        },
        errors,
        created,
        second_factor_reset: None,
    })
}

/// Records that the professional read these accounts.
async fn audit_reads(me: &Professional, accounts: &[Account]) -> Result<(), WebError> {
    let reads: Vec<AuditEvent> = accounts
        .iter()
        .map(|account| AuditEvent {
            actor_account_id: Some(me.user.account.id),
            action: AuditAction::Read,
            record_kind: "account".into(),
            record_id: account.id.to_string(),
            reason: me.reason.clone(),
        })
        .collect();
    me.state.store.record_audits(&reads, me.now()).await?;
    Ok(())
}

/// `GET /administration/comptes`: the accounts and the creation form.
pub async fn list_accounts(
    me: Professional,
    Query(query): Query<AccountsQuery>,
) -> Result<Response, WebError> {
    let form = AccountRequest {
        role: Role::Prescriber.code().into(),
        ..AccountRequest::default()
    };
    let no_errors = AccountFieldErrors::default();
    let mut page = accounts_page(&me, form, no_errors, query.cree.is_some()).await?;
    page.second_factor_reset = query.double_authentification.map(|done| {
        if done == "reinitialise" {
            "La double authentification du compte est réinitialisée et ses sessions sont fermées : il l'activera à nouveau à sa prochaine connexion (obligatoire pour les administrateurs et coordinateurs)."
        } else {
            "Ce compte n'avait pas de double authentification : rien n'a changé."
        }
    });
    render(&page)
}

/// `POST /administration/comptes`: creates the account, or shows the form with its errors.
pub async fn create(
    me: Professional,
    Form(request): Form<AccountRequest>,
) -> Result<Response, WebError> {
    let requester = requester(&me);
    match create_account(&me.state.store, &request, requester, me.now()).await {
        Ok(id) => {
            tracing::info!(account_id = id, by = me.user.account.id, "account created");
            Ok(Redirect::to(&format!("{ACCOUNTS_PATH}?cree={id}")).into_response())
        }
        Err(AccountCreationError::Invalid(errors)) => invalid_form(&me, request, errors).await,
        Err(AccountCreationError::Store(error)) => Err(error.into()),
        Err(AccountCreationError::Hash(error)) => Err(WebError::Internal(error)),
    }
}

/// The professional as the one who asks for an account.
fn requester(me: &Professional) -> Requester<'_> {
    Requester {
        account_id: Some(me.user.account.id),
        reason: &me.reason,
    }
}

/// The form sent back with its errors (422).
async fn invalid_form(
    me: &Professional,
    request: AccountRequest,
    errors: AccountFieldErrors,
) -> Result<Response, WebError> {
    let page = accounts_page(me, request, errors, false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
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
    /// Entries the search keeps, and in the whole journal.
    found: i64,
    total: i64,
    chain_intact: bool,
    broken_at: i64,
    page: i64,
    pages: i64,
    query: AuditQuery,
    /// The filters again, for the pages' links.
    filters: String,
    /// What the search understood, or could not.
    notes: Vec<String>,
    searching: bool,
}

/// The journal's search: a person's name (or `personne-12`), an author, a period.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    page: Option<i64>,
    #[serde(default)]
    personne: String,
    #[serde(default)]
    auteur: String,
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
}

/// The store's filter for the query, and what it understood (in French).
async fn audit_filter(
    store: &aiguillage_store::Store,
    query: &AuditQuery,
) -> Result<(aiguillage_store::AuditFilter, Vec<String>), WebError> {
    use aiguillage_domain::calendar::{midnight_of, parse_typed_date, DAY};
    let mut notes = Vec::new();
    let mut filter = aiguillage_store::AuditFilter::default();
    let person = query.personne.trim();
    if let Some(id) = person
        .strip_prefix("personne-")
        .filter(|id| id.parse::<i64>().is_ok())
    {
        filter.records = Some(vec![format!("personne-{id}")]);
    } else if !person.is_empty() {
        let (people, records) = store.audit_records_of_people_named(person).await?;
        notes.push(match people {
            0 => format!("Aucune personne enregistrée ne s'appelle « {person} » (une personne effacée n'est plus retrouvée par son nom)."),
            1 => format!("Une personne s'appelle « {person} » : les entrées sur sa fiche et ses orientations."),
            n => format!("{n} personnes s'appellent « {person} » : les entrées sur leurs fiches et leurs orientations."),
        });
        filter.records = Some(records);
    }
    filter.author = Some(query.auteur.trim().to_owned()).filter(|a| !a.is_empty());
    for (typed, bound, name) in [
        (&query.du, &mut filter.from, "Du"),
        (&query.au, &mut filter.to, "Au"),
    ] {
        if typed.trim().is_empty() {
            continue;
        }
        match parse_typed_date(typed) {
            // « Au » includes its day.
            Some(date) if name == "Au" => *bound = Some(midnight_of(date) + DAY),
            Some(date) => *bound = Some(midnight_of(date)),
            None => notes.push(format!(
                "{name} « {} » : date attendue au format JJ/MM/AAAA ; ce critère est ignoré.",
                typed.trim()
            )),
        }
    }
    Ok((filter, notes))
}

/// `GET /administration/journal`: the audit entries, a page at a time, and the chain's check.
pub async fn audit_log(
    me: Professional,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let store = &me.state.store;
    let total = store.count_audit().await?;
    let (filter, notes) = audit_filter(store, &query).await?;
    let searching = filter != aiguillage_store::AuditFilter::default();
    let first = store.search_audit(&filter, JOURNAL_PAGE_SIZE, 0).await?;
    let (page, pages) = journal_page(first.1, query.page);
    let (entries, found) = match page {
        1 => first,
        _ => {
            let offset = (page - 1) * JOURNAL_PAGE_SIZE;
            store
                .search_audit(&filter, JOURNAL_PAGE_SIZE, offset)
                .await?
        }
    };
    let (chain_intact, broken_at) = chain_state(&store.verify_audit_chain().await?);
    let mut filters = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("personne", &query.personne),
        ("auteur", &query.auteur),
        ("du", &query.du),
        ("au", &query.au),
    ] {
        if !value.trim().is_empty() {
            filters.append_pair(name, value.trim());
        }
    }
    render(&AuditTemplate {
        layout: me.layout("/administration/journal", "Journal d'audit"),
        entries: entries.into_iter().map(AuditRow::from).collect(),
        found,
        total,
        chain_intact,
        broken_at,
        page,
        pages,
        filters: filters.finish(),
        query,
        notes,
        searching,
    })
}

/// The journal page shown (the one asked, within bounds) and the number of pages.
fn journal_page(total: i64, asked: Option<i64>) -> (i64, i64) {
    let pages = ((total + JOURNAL_PAGE_SIZE - 1) / JOURNAL_PAGE_SIZE).max(1);
    (asked.unwrap_or(1).clamp(1, pages), pages)
}

/// Whether the chain is intact, and else the first broken entry.
fn chain_state(check: &AuditChainCheck) -> (bool, i64) {
    match check {
        AuditChainCheck::BrokenAt { seq } => (false, *seq),
        AuditChainCheck::Intact { .. } => (true, 0),
    }
}

impl From<AuditEntry> for AuditRow {
    fn from(entry: AuditEntry) -> Self {
        AuditRow {
            seq: entry.seq,
            at: format_time(entry.at),
            actor: entry
                .actor_name
                .unwrap_or_else(|| "ligne de commande".to_owned()),
            action: entry.action.label(),
            record: record_name(&entry.record_kind, &entry.record_id),
            reason: aiguillage_domain::rights::readable_reason(&entry.reason),
        }
    }
}

fn record_label(kind: &str) -> &str {
    match kind {
        "account" => "Compte",
        "api_client" => "Client de l'API",
        "person" => "Fiche de la personne",
        "referral" => "Orientation",
        "referral_thread" => "Messages de l'orientation",
        "contact_request" => "Demande de contact",
        other => other,
    }
}

/// What a list of records of `kind` is called, after its count.
fn listed_label(kind: &str) -> &str {
    match kind {
        "account" => "comptes",
        "api_client" => "clients de l'API",
        "person" => "personnes",
        "referral" => "orientations",
        "referral_thread" => "fils de messages",
        "contact_request" => "demandes de contact",
        other => other,
    }
}

/// The number of a record as people say it: `personne-12` → 12.
fn record_number(id: &str) -> &str {
    id.rsplit_once('-')
        .map(|(_, number)| number)
        .filter(|number| number.parse::<i64>().is_ok())
        .unwrap_or(id)
}

/// A record as people say it: « Fiche de la personne n° 12 », « Orientation n° 40 » (the stored id
/// `personne-12` keeps its prefix for the search, not for the eye); a list view's one entry:
/// « Liste de 3 personnes (n° 12, 14, 20) ».
fn record_name(kind: &str, id: &str) -> String {
    if is_list(kind) {
        let listed = kind.trim_end_matches("_list");
        let numbers: Vec<&str> = id.split(' ').map(record_number).collect();
        return format!(
            "Liste de {} {} (n° {})",
            numbers.len(),
            listed_label(listed),
            numbers.join(", ")
        );
    }
    format!("{} n° {}", record_label(kind), record_number(id))
}
