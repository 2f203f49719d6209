//! Failed login attempts, kept in the database so that the throttle holds across server instances.

use crate::{Store, StoreError};
use aiguillage_domain::throttle::{window_start, RecentFailures};
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

impl Store {
    /// The failures recorded for `key` within the throttle window ending at `now`.
    pub async fn recent_login_failures(
        &self,
        key: &str,
        now: UnixSeconds,
    ) -> Result<RecentFailures, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS failures, MIN(failed_at) AS oldest FROM login_failures
             WHERE throttle_key = $1 AND failed_at > $2",
        )
        .bind(key)
        .bind(window_start(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(RecentFailures {
            count: row.try_get("failures")?,
            oldest_at: row.try_get("oldest")?,
        })
    }

    pub async fn record_login_failure(
        &self,
        key: &str,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO login_failures (throttle_key, failed_at) VALUES ($1, $2)")
            .bind(key)
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
            .bind(window_start(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets the failures of `key` (after a successful login).
    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
