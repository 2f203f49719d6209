//! The audit trail: one append mechanism for every read or change of a personal record, chained by
//! hashes (see `domain::audit`), and the listing and verification the administrator uses.

use crate::{Store, StoreError};
use aiguillage_domain::audit::{chain_hash, AuditAction, AuditEvent};
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A stored audit entry, with the actor's name when the actor is an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: UnixSeconds,
    pub actor_account_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: AuditAction,
    pub record_kind: String,
    pub record_id: String,
    pub reason: String,
    pub hash: String,
}

/// The result of re-computing the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditChainCheck {
    Intact { entries: i64 },
    BrokenAt { seq: i64 },
}

/// Appends one entry inside the caller's transaction, so that the audit and the access it records
/// are written together or not at all.
pub async fn append_audit_in(
    connection: &mut AnyConnection,
    event: &AuditEvent,
    now: UnixSeconds,
) -> Result<i64, StoreError> {
    // Updating the head first takes the write lock (SQLite) or the row lock (PostgreSQL):
    // concurrent appends wait here, so sequence numbers and hashes never fork.
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *connection)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let hash = chain_hash(&prev_hash, seq, now, event);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_account_id, action, record_kind, record_id, reason, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(now)
    .bind(event.actor_account_id)
    .bind(event.action.code())
    .bind(&event.record_kind)
    .bind(&event.record_id)
    .bind(&event.reason)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *connection)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *connection)
        .await?;
    Ok(seq)
}

fn entry_from(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    let action: String = row.try_get("action")?;
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_account_id: row.try_get("actor_account_id")?,
        actor_name: row.try_get("actor_name")?,
        action: AuditAction::from_code(&action)
            .ok_or_else(|| StoreError::Corrupt(format!("action d'audit « {action} »")))?,
        record_kind: row.try_get("record_kind")?,
        record_id: row.try_get("record_id")?,
        reason: row.try_get("reason")?,
        hash: row.try_get("hash")?,
    })
}

impl Store {
    /// Records one access in its own transaction.
    pub async fn record_audit(
        &self,
        event: &AuditEvent,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let seq = append_audit_in(&mut transaction, event, now).await?;
        transaction.commit().await?;
        Ok(seq)
    }

    /// Records several accesses in one transaction (a page that lists several records).
    pub async fn record_audits(
        &self,
        events: &[AuditEvent],
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        for event in events {
            append_audit_in(&mut transaction, event, now).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// The newest entries first, `limit` of them after skipping `offset`.
    pub async fn list_audit(&self, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.seq, l.at, l.actor_account_id, a.display_name AS actor_name, l.action, l.record_kind,
                    l.record_id, l.reason, l.hash
             FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_account_id
             ORDER BY l.seq DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from).collect()
    }

    pub async fn count_audit(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS entries FROM audit_log")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("entries")?)
    }

    /// Re-computes every hash from the first entry: an altered or removed entry breaks the chain.
    pub async fn verify_audit_chain(&self) -> Result<AuditChainCheck, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor_account_id, action, record_kind, record_id, reason, prev_hash, hash
             FROM audit_log ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut prev_hash = String::new();
        for (expected_seq, row) in (1_i64..).zip(rows.iter()) {
            let seq: i64 = row.try_get("seq")?;
            let action: String = row.try_get("action")?;
            let event = AuditEvent {
                actor_account_id: row.try_get("actor_account_id")?,
                action: AuditAction::from_code(&action)
                    .ok_or(StoreError::Corrupt(action.clone()))?,
                record_kind: row.try_get("record_kind")?,
                record_id: row.try_get("record_id")?,
                reason: row.try_get("reason")?,
            };
            let stored_prev: String = row.try_get("prev_hash")?;
            let stored_hash: String = row.try_get("hash")?;
            let at: i64 = row.try_get("at")?;
            if seq != expected_seq
                || stored_prev != prev_hash
                || chain_hash(&prev_hash, seq, at, &event) != stored_hash
            {
                return Ok(AuditChainCheck::BrokenAt { seq });
            }
            prev_hash = stored_hash;
        }
        Ok(AuditChainCheck::Intact {
            entries: rows.len() as i64,
        })
    }
}
