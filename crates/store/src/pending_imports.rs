//! Directory files uploaded from the web and waiting for confirmation after their preview. Kept one
//! hour at most, and only for the account that uploaded them.

use crate::{Store, StoreError};
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// How long an uploaded file waits for confirmation, in seconds.
pub const PENDING_IMPORT_LIFETIME_SECONDS: i64 = 3600;

/// An uploaded file waiting for confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingImport {
    pub id: i64,
    pub file_name: String,
    pub format: String,
    pub content: String,
}

impl Store {
    /// Keeps an uploaded file until it is confirmed; forgets this account's expired ones.
    pub async fn save_pending_import(
        &self,
        account_id: i64,
        file_name: &str,
        format: &str,
        content: &str,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        sqlx::query("DELETE FROM pending_imports WHERE created_at <= $1")
            .bind(now - PENDING_IMPORT_LIFETIME_SECONDS)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query(
            "INSERT INTO pending_imports (account_id, file_name, format, content, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(account_id)
        .bind(file_name)
        .bind(format)
        .bind(content)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Takes (reads and deletes) a pending file of this account, if it has not expired.
    pub async fn take_pending_import(
        &self,
        id: i64,
        account_id: i64,
        now: UnixSeconds,
    ) -> Result<Option<PendingImport>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM pending_imports WHERE id = $1 AND account_id = $2 AND created_at > $3
             RETURNING id, file_name, format, content",
        )
        .bind(id)
        .bind(account_id)
        .bind(now - PENDING_IMPORT_LIFETIME_SECONDS)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(PendingImport {
                id: row.try_get("id")?,
                file_name: row.try_get("file_name")?,
                format: row.try_get("format")?,
                content: row.try_get("content")?,
            })
        })
        .transpose()
    }
}
