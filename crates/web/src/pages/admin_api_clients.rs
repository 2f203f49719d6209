//! Administration of API clients: the partner tools calling the API (list, creation, revocation).
//! The credential is shown once, on the page that answers the creation (never in an address), and
//! only the hash of its secret is kept; creation and revocation are audited.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, labels, text, Errors};
use crate::pages::{format_time, render};
use aiguillage_domain::api_client::{read_scopes, ApiScope};
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::accounts::Requester;
use aiguillage_service::api_clients::{issue, revoke, ClientGrant, IssueError};
use aiguillage_store::{ApiClientRecord, Structure};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const PATH: &str = "/administration/clients-api";

/// A client as a row of the table.
struct ClientRow {
    client_id: String,
    name: String,
    scopes: String,
    territory: String,
    structure: String,
    created_at: String,
    last_used_at: String,
    active: bool,
}

/// The form's values, sent back with its errors.
#[derive(Default)]
struct ClientForm {
    name: String,
    scopes: Vec<ApiScope>,
    account_id: String,
    territory: String,
}

#[derive(Template)]
#[template(path = "admin_api_clients.html")]
struct ClientsTemplate {
    layout: Layout,
    clients: Vec<ClientRow>,
    scopes: Vec<(&'static str, &'static str, bool)>,
    /// The prescribers and mediators a writing client may act as: id, name and structure.
    helpers: Vec<(i64, String)>,
    form: ClientForm,
    errors: Errors,
    /// The credential of the client just created, shown once.
    credential: Option<(String, String)>,
    revoked: bool,
}

#[derive(Deserialize)]
pub struct ClientsQuery {
    revoque: Option<String>,
}

fn row_of(client: &ApiClientRecord, structures: &[Structure]) -> ClientRow {
    ClientRow {
        client_id: client.client_id.clone(),
        name: client.name.clone(),
        scopes: client
            .scopes
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>()
            .join(", "),
        territory: client
            .territory
            .as_ref()
            .map_or("toute l'instance".into(), ToString::to_string),
        structure: client
            .structure_id
            .and_then(|id| structures.iter().find(|s| s.id == id.get()))
            .map_or(String::new(), |s| s.name.clone()),
        created_at: format_time(client.created_at),
        last_used_at: client.last_used_at.map_or("jamais".into(), format_time),
        active: client.revoked_at.is_none(),
    }
}

async fn page(
    me: &Professional,
    form: ClientForm,
    errors: Errors,
    (credential, revoked): (Option<(String, String)>, bool),
) -> Result<ClientsTemplate, WebError> {
    let structures = me.state.store.list_structures().await?;
    let clients = me.state.store.api_clients().await?;
    let helpers = me
        .state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .filter(|a| a.active && matches!(a.role, Role::Prescriber | Role::Mediator))
        .map(|a| {
            (
                a.id,
                format!(
                    "{} ({}, {})",
                    a.display_name,
                    a.role.label(),
                    a.structure_name
                ),
            )
        })
        .collect();
    Ok(ClientsTemplate {
        layout: me.layout(PATH, "Clients d'API"),
        clients: clients.iter().map(|c| row_of(c, &structures)).collect(),
        scopes: ApiScope::ALL
            .iter()
            .map(|s| (s.code(), s.label(), form.scopes.contains(s)))
            .collect(),
        helpers,
        form,
        errors,
        credential,
        revoked,
    })
}

/// `GET /administration/clients-api`: the clients and the creation form.
pub async fn list(
    me: Professional,
    Query(query): Query<ClientsQuery>,
) -> Result<Response, WebError> {
    let flags = (None, query.revoque.is_some());
    render(&page(&me, ClientForm::default(), Errors::new(), flags).await?)
}

/// What the form asks for, checked: a grant, or the form with a French message per field.
fn grant_of(form: &ClientForm, errors: &mut Errors) -> Option<ClientGrant> {
    if form.name.is_empty() {
        errors.insert("name", "Indiquez le nom de l'outil partenaire.".into());
    }
    let account_id = match form.account_id.as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) => Some(AccountId::new(id)),
            Err(_) => {
                errors.insert("account_id", "Compte inconnu.".into());
                None
            }
        },
    };
    let codes: Vec<String> = form.scopes.iter().map(|s| s.code().to_owned()).collect();
    let scopes = match read_scopes(&codes, account_id.is_some()) {
        Ok(scopes) => scopes,
        Err(error) => {
            errors.insert("scopes", format!("{}.", capitalised(&error.to_string())));
            Vec::new()
        }
    };
    let territory = match form.territory.as_str() {
        "" => None,
        text => match text.parse::<TerritoryScope>() {
            Ok(scope) => Some(scope),
            Err(_) => {
                errors.insert(
                    "territory",
                    "Territoire illisible : un code de département (49) ou le SIREN d'un EPCI."
                        .into(),
                );
                None
            }
        },
    };
    errors.is_empty().then(|| ClientGrant {
        name: form.name.clone(),
        scopes,
        account_id,
        territory,
    })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `POST /administration/clients-api`: creates the client and shows its credential once, or the
/// form with its errors (422).
pub async fn create(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let submitted = fields(&body);
    let mut errors = Errors::new();
    let form = ClientForm {
        name: text(&submitted, "name"),
        scopes: labels(&submitted, "scopes", ApiScope::from_code, &mut errors),
        account_id: text(&submitted, "account_id"),
        territory: text(&submitted, "territory"),
    };
    let Some(grant) = grant_of(&form, &mut errors) else {
        let page = render(&page(&me, form, errors, (None, false)).await?)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let by = Requester {
        account_id: Some(me.user.account.id),
        reason: &me.reason,
    };
    match issue(&me.state.store, grant, by, me.now()).await {
        Ok(issued) => {
            let shown = (issued.record.name.clone(), issued.credential);
            render(
                &page(
                    &me,
                    ClientForm::default(),
                    Errors::new(),
                    (Some(shown), false),
                )
                .await?,
            )
        }
        Err(error @ (IssueError::UnknownAccount(_) | IssueError::NotAHelper(_))) => {
            errors.insert(
                "account_id",
                format!("{}.", capitalised(&error.to_string())),
            );
            let page = render(&page(&me, form, errors, (None, false)).await?)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(IssueError::NoName) => Err(WebError::BadRequest("nom manquant".into())),
        Err(IssueError::Store(error)) => Err(error.into()),
    }
}

/// `POST /administration/clients-api/{client}/revocation`: revokes the client at once.
pub async fn revoke_client(
    me: Professional,
    Path(client_id): Path<String>,
) -> Result<Response, WebError> {
    let by = Requester {
        account_id: Some(me.user.account.id),
        reason: &me.reason,
    };
    if !revoke(&me.state.store, &client_id, by, me.now()).await? {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(&format!("{PATH}?revoque=1")).into_response())
}
