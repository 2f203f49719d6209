//! API clients in storage: created with the hash of their secret, listed, revoked (kept for the
//! audit trail), found for a call, and their calls counted in the rate limit's window by one atomic
//! update (the counter holds across server instances).

use crate::{Store, StoreError};
use aiguillage_domain::api_client::{ApiScope, RATE_WINDOW_SECONDS};
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A client to create: its public identifier, name, the SHA-256 of its secret and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiClient {
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub scopes: Vec<ApiScope>,
    pub structure_id: Option<StructureId>,
    /// The professional a writing client acts as.
    pub account_id: Option<AccountId>,
    pub territory: Option<TerritoryScope>,
}

/// A client as stored (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClientRecord {
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<ApiScope>,
    pub structure_id: Option<StructureId>,
    /// The professional a writing client acts as.
    pub account_id: Option<AccountId>,
    /// The territory it reads; `None`: the whole instance.
    pub territory: Option<TerritoryScope>,
    pub created_at: UnixSeconds,
    pub revoked_at: Option<UnixSeconds>,
    pub last_used_at: Option<UnixSeconds>,
}

impl ApiClientRecord {
    pub fn may(&self, scope: ApiScope) -> bool {
        self.revoked_at.is_none() && self.scopes.contains(&scope)
    }
}

const COLUMNS: &str =
    "client_id, name, scopes, structure_id, account_id, territory, created_at, revoked_at, last_used_at";

fn record_of(row: &AnyRow) -> Result<ApiClientRecord, StoreError> {
    let scopes: String = row.try_get("scopes")?;
    let scopes = scopes
        .split('|')
        .filter(|code| !code.is_empty())
        .map(|code| {
            ApiScope::from_code(code)
                .ok_or_else(|| StoreError::Corrupt(format!("portée d'API « {code} » inconnue")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let territory: Option<String> = row.try_get("territory")?;
    let territory = territory
        .map(|text| {
            text.parse::<TerritoryScope>()
                .map_err(|_| StoreError::Corrupt(format!("territoire « {text} » illisible")))
        })
        .transpose()?;
    let structure_id: Option<i64> = row.try_get("structure_id")?;
    let account_id: Option<i64> = row.try_get("account_id")?;
    Ok(ApiClientRecord {
        client_id: row.try_get("client_id")?,
        name: row.try_get("name")?,
        scopes,
        structure_id: structure_id.map(StructureId::new),
        account_id: account_id.map(AccountId::new),
        territory,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

impl Store {
    /// Stores a new client.
    pub async fn create_api_client(
        &self,
        client: &NewApiClient,
        now: UnixSeconds,
    ) -> Result<ApiClientRecord, StoreError> {
        let scopes: Vec<&str> = client.scopes.iter().map(|s| s.code()).collect();
        sqlx::query(
            "INSERT INTO api_clients (client_id, name, secret_hash, scopes, structure_id, account_id, territory, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&client.client_id)
        .bind(&client.name)
        .bind(&client.secret_hash)
        .bind(scopes.join("|"))
        .bind(client.structure_id.map(StructureId::get))
        .bind(client.account_id.map(AccountId::get))
        .bind(client.territory.as_ref().map(ToString::to_string))
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.api_client(&client.client_id)
            .await?
            .map(|(record, _)| record)
            .ok_or_else(|| StoreError::NotFound(format!("client d'API {}", client.client_id)))
    }

    /// Every client, newest first.
    pub async fn api_clients(&self) -> Result<Vec<ApiClientRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_clients ORDER BY created_at DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_of).collect()
    }

    /// A client and the hash of its secret, by its public identifier.
    pub async fn api_client(
        &self,
        client_id: &str,
    ) -> Result<Option<(ApiClientRecord, String)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, secret_hash FROM api_clients WHERE client_id = $1"
        ))
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((record_of(&row)?, row.try_get("secret_hash")?)))
            .transpose()
    }

    /// Revokes a client; `false` when there is none or it was already revoked.
    pub async fn revoke_api_client(
        &self,
        client_id: &str,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_clients SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL",
        )
        .bind(client_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Counts one call of the client at `now` in its rate window and returns the calls counted in
    /// that window (this one included).
    pub async fn count_api_call(
        &self,
        client_id: &str,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "UPDATE api_clients SET
                 calls_in_window = CASE WHEN window_started_at <= $3 THEN 1 ELSE calls_in_window + 1 END,
                 window_started_at = CASE WHEN window_started_at <= $3 THEN $2 ELSE window_started_at END,
                 last_used_at = $2
             WHERE client_id = $1
             RETURNING calls_in_window",
        )
        .bind(client_id)
        .bind(now)
        .bind(now - RATE_WINDOW_SECONDS)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("client d'API {client_id}")))?;
        Ok(row.try_get("calls_in_window")?)
    }
}
