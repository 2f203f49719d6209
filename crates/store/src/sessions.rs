//! Server-side sessions: stored by the hash of their token, so that any server instance on the same
//! database can serve any request, and a leaked database does not leak live cookies.

use crate::{Store, StoreError};
use aiguillage_domain::session::SessionTimes;
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// A stored session: whose it is, its CSRF token and its times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub account_id: i64,
    pub csrf_token: String,
    pub times: SessionTimes,
}

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        account_id: i64,
        csrf_token: &str,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(csrf_token)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session with this token hash, touched at `now`; an expired one is deleted and `None`.
    pub async fn live_session(
        &self,
        token_hash: &str,
        now: UnixSeconds,
    ) -> Result<Option<StoredSession>, StoreError> {
        let row = sqlx::query(
            "SELECT s.account_id, s.csrf_token, s.created_at, s.last_seen_at
             FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = $1 AND a.deactivated_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let session = StoredSession {
            account_id: row.try_get("account_id")?,
            csrf_token: row.try_get("csrf_token")?,
            times: SessionTimes {
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
            },
        };
        if !session.times.is_live_at(now) {
            self.delete_session(token_hash).await?;
            return Ok(None);
        }
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(Some(session))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes every session past its lifetime; returns how many.
    pub async fn purge_expired_sessions(&self, now: UnixSeconds) -> Result<u64, StoreError> {
        let result =
            sqlx::query("DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
                .bind(now - aiguillage_domain::session::IDLE_TIMEOUT_SECONDS)
                .bind(now - aiguillage_domain::session::ABSOLUTE_TIMEOUT_SECONDS)
                .execute(&self.pool)
                .await?;
        Ok(result.rows_affected())
    }
}
