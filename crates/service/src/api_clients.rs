//! API clients as use cases: an administrator issues one (the credential is shown once: only the
//! hash of its secret is kept), lists and revokes them; every call is authenticated from its
//! `Authorization: Bearer client-id:client-secret` header, refused when revoked, and counted in the
//! client's rate window.

use crate::accounts::Requester;
use crate::credentials::{random_token, token_hash};
use aiguillage_domain::api_client::{ApiScope, Credential, CALLS_PER_WINDOW, RATE_WINDOW_SECONDS};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use aiguillage_store::{ApiClientRecord, NewApiClient, Store, StoreError};

/// A client just issued, with the credential to hand over once.
#[derive(Debug, Clone)]
pub struct IssuedClient {
    pub record: ApiClientRecord,
    /// `client-id:client-secret`, the bearer token; never stored.
    pub credential: String,
}

/// What the new client may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientGrant {
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// The professional a writing client acts as (its structure is the client's).
    pub account_id: Option<AccountId>,
    pub territory: Option<TerritoryScope>,
}

/// Why a client cannot be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("le nom du client est obligatoire")]
    NoName,
    #[error("compte {0} inconnu")]
    UnknownAccount(AccountId),
    #[error("le compte {0} n'est ni prescripteur ni médiateur actif : un outil n'agit qu'au nom de l'un d'eux")]
    NotAHelper(AccountId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Issues a client: a random public identifier and a random 256-bit secret; the creation is audited.
pub async fn issue(
    store: &Store,
    grant: ClientGrant,
    by: Requester<'_>,
    now: UnixSeconds,
) -> Result<IssuedClient, IssueError> {
    let name = grant.name.trim().to_owned();
    if name.is_empty() {
        return Err(IssueError::NoName);
    }
    let mut structure_id = None;
    if let Some(account_id) = grant.account_id {
        let account = match store.account(account_id.get()).await {
            Err(StoreError::NotFound(_)) => return Err(IssueError::UnknownAccount(account_id)),
            other => other?,
        };
        let helper = matches!(account.role, Role::Prescriber | Role::Mediator);
        if !helper || !account.active {
            return Err(IssueError::NotAHelper(account_id));
        }
        structure_id = Some(StructureId::new(account.structure_id));
    }
    let client_id = format!("aig-{}", &random_token()[..16]).to_lowercase();
    let secret = random_token();
    let record = store
        .create_api_client(
            &NewApiClient {
                client_id: client_id.clone(),
                name,
                secret_hash: token_hash(&secret),
                scopes: grant.scopes,
                structure_id,
                account_id: grant.account_id,
                territory: grant.territory,
            },
            now,
        )
        .await?;
    store
        .record_audit(&client_event(AuditAction::Create, &client_id, &by), now)
        .await?;
    Ok(IssuedClient {
        record,
        credential: format!("{client_id}:{secret}"),
    })
}

/// Revokes a client at once; `false` when there is no active client of that identifier. Audited.
pub async fn revoke(
    store: &Store,
    client_id: &str,
    by: Requester<'_>,
    now: UnixSeconds,
) -> Result<bool, StoreError> {
    let revoked = store.revoke_api_client(client_id, now).await?;
    if revoked {
        store
            .record_audit(&client_event(AuditAction::Delete, client_id, &by), now)
            .await?;
    }
    Ok(revoked)
}

fn client_event(action: AuditAction, client_id: &str, by: &Requester<'_>) -> AuditEvent {
    AuditEvent {
        actor_account_id: by.account_id,
        action,
        record_kind: "api_client".into(),
        record_id: client_id.to_owned(),
        reason: by.reason.to_owned(),
    }
}

/// Why a call is refused; the message is what the client reads.
#[derive(Debug, thiserror::Error)]
pub enum CallRefusal {
    #[error(
        "authentification requise : en-tête « Authorization: Bearer client-id:client-secret »"
    )]
    Missing,
    #[error("identifiants d'API inconnus ou invalides")]
    Invalid,
    #[error("ce client d'API a été révoqué")]
    Revoked,
    #[error(
        "trop d'appels : {CALLS_PER_WINDOW} par minute au plus, réessayez dans {retry_after} s"
    )]
    TooMany { retry_after: i64 },
    #[error("la portée « {} » n'a pas été accordée à ce client", .0.code())]
    OutOfScope(ApiScope),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Authenticates a call from its `Authorization` header, checks the scope it needs and counts it.
pub async fn authenticate(
    store: &Store,
    header: Option<&str>,
    scope: ApiScope,
    now: UnixSeconds,
) -> Result<ApiClientRecord, CallRefusal> {
    let credential = header
        .and_then(Credential::from_header)
        .ok_or(CallRefusal::Missing)?;
    let (record, secret_hash) = store
        .api_client(&credential.client_id)
        .await?
        .ok_or(CallRefusal::Invalid)?;
    if token_hash(&credential.secret) != secret_hash {
        return Err(CallRefusal::Invalid);
    }
    if record.revoked_at.is_some() {
        return Err(CallRefusal::Revoked);
    }
    let calls = store.count_api_call(&record.client_id, now).await?;
    if calls > CALLS_PER_WINDOW {
        return Err(CallRefusal::TooMany {
            retry_after: RATE_WINDOW_SECONDS,
        });
    }
    if !record.may(scope) {
        return Err(CallRefusal::OutOfScope(scope));
    }
    Ok(record)
}
