//! The login throttle's counters, kept in the database so that the throttle holds across server
//! instances. Each key (a hashed e-mail or a client address) has one row counting the attempts of its
//! current window; an attempt is reserved by a single upsert that only counts it while the count is
//! under the limit, before its password is checked. On PostgreSQL the upsert takes the row's lock, and
//! SQLite serialises writers, so of many simultaneous attempts exactly the limit are let through.

use crate::{Store, StoreError};
use aiguillage_domain::throttle::{decide, window_start, RecentFailures, ThrottleDecision};
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// Counts one more attempt for `$1` at `$2`, starting a new window when the current one began at or
/// before `$3`, and only while fewer than `$4` attempts are counted: no row comes back otherwise.
const RESERVE: &str = "INSERT INTO login_throttle (throttle_key, window_started_at, attempts)
     VALUES ($1, $2, 1)
     ON CONFLICT (throttle_key) DO UPDATE SET
         attempts = CASE WHEN login_throttle.window_started_at <= $3 THEN 1
                         ELSE login_throttle.attempts + 1 END,
         window_started_at = CASE WHEN login_throttle.window_started_at <= $3 THEN $2
                                  ELSE login_throttle.window_started_at END
     WHERE login_throttle.window_started_at <= $3 OR login_throttle.attempts < $4
     RETURNING attempts";

impl Store {
    /// Reserves one login attempt for `key` if fewer than `limit` are counted in its window at `now`;
    /// otherwise counts nothing and says how long to wait. A reserved attempt stays counted (as a
    /// failure) unless it is released by [`Store::release_login_attempt`].
    pub async fn reserve_login_attempt(
        &self,
        key: &str,
        limit: i64,
        now: UnixSeconds,
    ) -> Result<ThrottleDecision, StoreError> {
        let reserved = sqlx::query(RESERVE)
            .bind(key)
            .bind(now)
            .bind(window_start(now))
            .bind(limit)
            .fetch_optional(&self.pool)
            .await?;
        if reserved.is_some() {
            return Ok(ThrottleDecision::Allow);
        }
        let failures = self.recent_login_failures(key, now).await?;
        Ok(match decide(failures, limit, now) {
            ThrottleDecision::Allow => ThrottleDecision::Refuse {
                retry_after_seconds: 1,
            },
            refusal => refusal,
        })
    }

    /// Gives back an attempt reserved for `key` at `now` that must not count (a successful login, or
    /// an attempt stopped by another key's limit).
    pub async fn release_login_attempt(
        &self,
        key: &str,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE login_throttle SET attempts = attempts - 1
             WHERE throttle_key = $1 AND attempts > 0 AND window_started_at > $2",
        )
        .bind(key)
        .bind(window_start(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The attempts counted for `key` within the throttle window ending at `now`.
    pub async fn recent_login_failures(
        &self,
        key: &str,
        now: UnixSeconds,
    ) -> Result<RecentFailures, StoreError> {
        let row = sqlx::query(
            "SELECT attempts, window_started_at FROM login_throttle
             WHERE throttle_key = $1 AND window_started_at > $2",
        )
        .bind(key)
        .bind(window_start(now))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(RecentFailures {
                count: row.try_get("attempts")?,
                oldest_at: Some(row.try_get("window_started_at")?),
            }),
            None => Ok(RecentFailures {
                count: 0,
                oldest_at: None,
            }),
        }
    }

    /// Counts one failure for `key` at `now`, whatever the count already is.
    pub async fn record_login_failure(
        &self,
        key: &str,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        self.reserve_login_attempt(key, i64::MAX, now).await?;
        Ok(())
    }

    /// Forgets the attempts of `key` (after a successful login).
    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes the counters whose window is over at `now`.
    pub async fn purge_login_throttle(&self, now: UnixSeconds) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE window_started_at <= $1")
            .bind(window_start(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
