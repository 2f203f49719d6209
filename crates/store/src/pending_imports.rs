//! Directory files uploaded from the web and waiting for confirmation after their preview. Kept one
//! hour at most, only for the account that uploaded them, one per account (a new preview replaces
//! the older), and no larger than one upload.

use crate::{Store, StoreError};
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// How long an uploaded file waits for confirmation, in seconds.
pub const PENDING_IMPORT_LIFETIME_SECONDS: i64 = 3600;

/// The most rows a web import may hold (places read plus rows rejected): a département's directory
/// is a few hundred places and all of France about 20 000; a larger file is for the command line.
pub const PENDING_IMPORT_MAX_ROWS: usize = 20_000;

/// The largest file kept, in bytes: the largest upload the import route takes.
pub const PENDING_IMPORT_MAX_BYTES: usize = 25 * 1024 * 1024;

/// The longest file name kept, in characters (longer ones are cut).
pub const PENDING_IMPORT_MAX_NAME_CHARS: usize = 120;

/// An uploaded file waiting for confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingImport {
    pub id: i64,
    pub file_name: String,
    pub format: String,
    pub content: String,
}

impl Store {
    /// Keeps an uploaded file until it is confirmed, in place of this account's previous one; forgets
    /// every expired one. A file over [`PENDING_IMPORT_MAX_BYTES`] is refused (`Conflict`), a name
    /// over [`PENDING_IMPORT_MAX_NAME_CHARS`] cut.
    pub async fn save_pending_import(
        &self,
        account_id: AccountId,
        file_name: &str,
        format: &str,
        content: &str,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        if content.len() > PENDING_IMPORT_MAX_BYTES {
            return Err(StoreError::Conflict(format!(
                "fichier de {} octets : {PENDING_IMPORT_MAX_BYTES} au plus",
                content.len()
            )));
        }
        let file_name: String = file_name
            .chars()
            .take(PENDING_IMPORT_MAX_NAME_CHARS)
            .collect();
        let mut transaction = self.begin_write().await?;
        sqlx::query("DELETE FROM pending_imports WHERE account_id = $1 OR created_at <= $2")
            .bind(account_id.get())
            .bind(now - PENDING_IMPORT_LIFETIME_SECONDS)
            .execute(&mut *transaction)
            .await?;
        let row = sqlx::query(
            "INSERT INTO pending_imports (account_id, file_name, format, content, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(account_id.get())
        .bind(file_name)
        .bind(format)
        .bind(content)
        .bind(now)
        .fetch_one(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(row.try_get("id")?)
    }

    /// Takes (reads and deletes) a pending file of this account, if it has not expired.
    pub async fn take_pending_import(
        &self,
        id: i64,
        account_id: AccountId,
        now: UnixSeconds,
    ) -> Result<Option<PendingImport>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM pending_imports WHERE id = $1 AND account_id = $2 AND created_at > $3
             RETURNING id, file_name, format, content",
        )
        .bind(id)
        .bind(account_id.get())
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
