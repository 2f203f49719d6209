//! The login form's CSRF nonces: issued with the form, stored by their hash with an expiry, and
//! consumed by the login they protect, so that a pair the server never issued, or one already used,
//! is refused by any instance sharing the database.

use crate::{Store, StoreError};
use aiguillage_domain::UnixSeconds;

impl Store {
    /// Stores a new nonce (by its hash) good until `expires_at`, and forgets the nonces over at `now`.
    pub async fn issue_login_nonce(
        &self,
        nonce_hash: &str,
        expires_at: UnixSeconds,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_nonces WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO login_nonces (nonce_hash, expires_at) VALUES ($1, $2)")
            .bind(nonce_hash)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether this nonce was issued here and is neither used nor expired at `now`.
    pub async fn login_nonce_is_live(
        &self,
        nonce_hash: &str,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let found =
            sqlx::query("SELECT 1 FROM login_nonces WHERE nonce_hash = $1 AND expires_at > $2")
                .bind(nonce_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Uses up a live nonce: true for exactly one caller, however many try at once; false when the
    /// nonce was never issued, is already used or has expired.
    pub async fn consume_login_nonce(
        &self,
        nonce_hash: &str,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let deleted = sqlx::query(
            "DELETE FROM login_nonces WHERE nonce_hash = $1 AND expires_at > $2 RETURNING nonce_hash",
        )
        .bind(nonce_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(deleted.is_some())
    }
}
