//! The second factor of local accounts, and the password's self-service: TOTP secrets sealed with
//! ChaCha20-Poly1305 under a key derived from the instance's audit key (so a copy of the database
//! alone does not give them away; they are never shown again after enrolment), the last time step
//! used (a code is accepted once), the hashed single-use recovery codes, the administrator's audited
//! reset, password changes and the single-use reset links. Every change of a credential is audited
//! in its transaction, and ends the sessions it must.

use crate::audit::append_audit_in;
use crate::{Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::second_factor::PENDING_SIGN_IN_SECONDS;
use aiguillage_domain::UnixSeconds;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sqlx::Row;

/// What the audit trail calls a change of an account's second factor.
pub const SECOND_FACTOR_RECORD: &str = "second_factor";
/// What the audit trail calls a change of an account's password.
pub const PASSWORD_RECORD: &str = "password";

/// An account's confirmed second factor, as its pages show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactorState {
    pub confirmed_at: UnixSeconds,
    pub recovery_codes_left: i64,
}

/// What checking a code needs: the secret, and the last step whose code was accepted.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpMaterial {
    pub secret: Vec<u8>,
    pub last_used_step: Option<i64>,
}

impl std::fmt::Debug for TotpMaterial {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "TotpMaterial(secret caché, {:?})",
            self.last_used_step
        )
    }
}

/// Who changes a credential and why, for the audit trail.
#[derive(Debug, Clone, Copy)]
pub struct CredentialChange<'a> {
    /// The account acting: the owner, or an administrator.
    pub by: Option<AccountId>,
    /// The route or command.
    pub reason: &'a str,
}

fn audit(
    change: CredentialChange<'_>,
    action: AuditAction,
    kind: &str,
    account: AccountId,
) -> AuditEvent {
    AuditEvent {
        actor_account_id: change.by.map(AccountId::get),
        action,
        record_kind: kind.to_owned(),
        record_id: account.get().to_string(),
        reason: change.reason.to_owned(),
    }
}

impl Store {
    /// The key sealing TOTP secrets: HMAC-SHA256 of a fixed label under the audit key.
    fn sealing_key(&self) -> Result<Key, StoreError> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.audit_key.bytes())
            .map_err(|e| StoreError::AuditKey(e.to_string()))?;
        mac.update(b"aiguillage: second factor secrets, v1");
        Ok(Key::clone_from_slice(&mac.finalize().into_bytes()))
    }

    /// A recovery code's stored form: HMAC-SHA256 of the account and the normalised code under a
    /// key derived from the audit key, so that the 50 bits of a code cannot be searched offline from
    /// a copy of the database alone.
    fn recovery_code_hash(&self, account: AccountId, code: &str) -> Result<String, StoreError> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.audit_key.bytes())
            .map_err(|e| StoreError::AuditKey(e.to_string()))?;
        mac.update(b"aiguillage: recovery codes, v1\n");
        mac.update(account.get().to_string().as_bytes());
        mac.update(b"\n");
        mac.update(code.as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    fn seal(&self, plain: &[u8]) -> Result<String, StoreError> {
        let cipher = ChaCha20Poly1305::new(&self.sealing_key()?);
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plain)
            .map_err(|_| StoreError::Corrupt("chiffrement du secret impossible".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    fn unseal(&self, sealed: &str) -> Result<Vec<u8>, StoreError> {
        let corrupt =
            || StoreError::Corrupt("secret du second facteur illisible avec cette clé".into());
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|_| corrupt())?;
        if bytes.len() < 12 {
            return Err(corrupt());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        ChaCha20Poly1305::new(&self.sealing_key()?)
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| corrupt())
    }

    /// The secret of an enrolment begun less than ten minutes ago and not confirmed, to show its
    /// QR code again; `None` otherwise.
    pub async fn pending_totp_secret(
        &self,
        account: AccountId,
        now: UnixSeconds,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query(
            "SELECT sealed_secret FROM second_factors
             WHERE account_id = $1 AND confirmed_at IS NULL AND created_at > $2",
        )
        .bind(account.get())
        .bind(now - PENDING_SIGN_IN_SECONDS)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| self.unseal(&row.try_get::<String, _>("sealed_secret")?))
            .transpose()
    }

    /// Begins an enrolment with `secret` (replacing an unconfirmed one); `false` when the account
    /// has a confirmed second factor already (nothing changes: an administrator resets it first).
    pub async fn begin_totp_enrolment(
        &self,
        account: AccountId,
        secret: &[u8],
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let sealed = self.seal(secret)?;
        let done = sqlx::query(
            "INSERT INTO second_factors (account_id, sealed_secret, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE SET sealed_secret = $2, created_at = $3, last_used_step = NULL
             WHERE second_factors.confirmed_at IS NULL",
        )
        .bind(account.get())
        .bind(sealed)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Confirms the pending enrolment whose code of `step` was typed, replaces the recovery codes by
    /// these (normalised: `domain::second_factor::normalise_recovery_code`, stored keyed-hashed), and audits; `false` when there was no pending enrolment (confirmed meanwhile).
    pub async fn confirm_totp_enrolment(
        &self,
        account: AccountId,
        (step, recovery_codes): (i64, &[String]),
        change: CredentialChange<'_>,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE second_factors SET confirmed_at = $2, last_used_step = $3
             WHERE account_id = $1 AND confirmed_at IS NULL",
        )
        .bind(account.get())
        .bind(now)
        .bind(step)
        .execute(&mut *transaction)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(account.get())
            .execute(&mut *transaction)
            .await?;
        for code in recovery_codes {
            sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                .bind(account.get())
                .bind(self.recovery_code_hash(account, code)?)
                .execute(&mut *transaction)
                .await?;
        }
        let event = audit(change, AuditAction::Create, SECOND_FACTOR_RECORD, account);
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// The account's confirmed second factor, if any.
    pub async fn second_factor_of(
        &self,
        account: AccountId,
    ) -> Result<Option<SecondFactorState>, StoreError> {
        let row = sqlx::query(
            "SELECT f.confirmed_at,
                    (SELECT COUNT(*) FROM recovery_codes r
                     WHERE r.account_id = f.account_id AND r.used_at IS NULL) AS left_codes
             FROM second_factors f WHERE f.account_id = $1 AND f.confirmed_at IS NOT NULL",
        )
        .bind(account.get())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SecondFactorState {
                confirmed_at: row.try_get("confirmed_at")?,
                recovery_codes_left: row.try_get("left_codes")?,
            })
        })
        .transpose()
    }

    /// The accounts whose second factor is on, for the administrator's list.
    pub async fn accounts_with_second_factor(&self) -> Result<Vec<AccountId>, StoreError> {
        let rows = sqlx::query(
            "SELECT account_id FROM second_factors WHERE confirmed_at IS NOT NULL ORDER BY account_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(AccountId::new(row.try_get("account_id")?)))
            .collect()
    }

    /// The confirmed secret and last used step, to check a code.
    pub async fn totp_material(
        &self,
        account: AccountId,
    ) -> Result<Option<TotpMaterial>, StoreError> {
        let row = sqlx::query(
            "SELECT sealed_secret, last_used_step FROM second_factors
             WHERE account_id = $1 AND confirmed_at IS NOT NULL",
        )
        .bind(account.get())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(TotpMaterial {
                secret: self.unseal(&row.try_get::<String, _>("sealed_secret")?)?,
                last_used_step: row.try_get("last_used_step")?,
            })
        })
        .transpose()
    }

    /// Records that the code of `step` was used, only if no later or equal step was: of two sign-ins
    /// with the same code, exactly one gets `true`.
    pub async fn use_totp_step(&self, account: AccountId, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE second_factors SET last_used_step = $2
             WHERE account_id = $1 AND confirmed_at IS NOT NULL
               AND (last_used_step IS NULL OR last_used_step < $2)",
        )
        .bind(account.get())
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Spends this recovery code (normalised), once: `false` when unknown or already used.
    pub async fn use_recovery_code(
        &self,
        account: AccountId,
        code: &str,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3
             WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(account.get())
        .bind(self.recovery_code_hash(account, code)?)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// An administrator's reset of an account's second factor: secret, recovery codes and sessions
    /// deleted, audited; the account enrols again at its next sign-in. `false` when it had none.
    pub async fn reset_second_factor(
        &self,
        account: AccountId,
        change: CredentialChange<'_>,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM second_factors WHERE account_id = $1")
            .bind(account.get())
            .execute(&mut *transaction)
            .await?;
        for table in ["recovery_codes", "sessions"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
                .bind(account.get())
                .execute(&mut *transaction)
                .await?;
        }
        let event = audit(change, AuditAction::Delete, SECOND_FACTOR_RECORD, account);
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// The password hash of an account, to check its current password.
    pub async fn password_hash_of(&self, account: AccountId) -> Result<String, StoreError> {
        let row = sqlx::query("SELECT password_hash FROM accounts WHERE id = $1")
            .bind(account.get())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("compte {account}")))?;
        Ok(row.try_get("password_hash")?)
    }

    /// Replaces the account's password hash and ends its sessions but `keep` (the session it was
    /// changed from), audited; unused reset links of the account are spent too.
    pub async fn change_password(
        &self,
        account: AccountId,
        (new_hash, keep): (&str, Option<&str>),
        change: CredentialChange<'_>,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
            .bind(account.get())
            .bind(new_hash)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
            .bind(account.get())
            .bind(keep.unwrap_or_default())
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "UPDATE password_resets SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(account.get())
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        let event = audit(change, AuditAction::Update, PASSWORD_RECORD, account);
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Stores a reset link's token hash for the account, good until `expires_at`; links past their
    /// time (anyone's) are deleted on the way.
    pub async fn create_password_reset(
        &self,
        account: AccountId,
        token_hash: &str,
        expires_at: UnixSeconds,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, account_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(account.get())
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The active account a reset link names while it is good (unused, in time); `None` otherwise.
    pub async fn password_reset_account(
        &self,
        token_hash: &str,
        now: UnixSeconds,
    ) -> Result<Option<AccountId>, StoreError> {
        let row = sqlx::query(
            "SELECT r.account_id FROM password_resets r JOIN accounts a ON a.id = r.account_id
             WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2
               AND a.deactivated_at IS NULL",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok(AccountId::new(row.try_get("account_id")?)))
            .transpose()
    }

    /// Spends the reset link and sets the new password in one transaction, ending every session
    /// of the account, audited: of two uses of one link, exactly one succeeds. `None` when the link
    /// is unknown, used or past its time.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        new_hash: &str,
        reason: &str,
        now: UnixSeconds,
    ) -> Result<Option<AccountId>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE password_resets SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING account_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let account = AccountId::new(row.try_get("account_id")?);
        sqlx::query(
            "UPDATE accounts SET password_hash = $2 WHERE id = $1 AND deactivated_at IS NULL",
        )
        .bind(account.get())
        .bind(new_hash)
        .execute(&mut *transaction)
        .await?;
        // Each statement gets exactly its own parameters: PostgreSQL refuses a bind of more
        // parameters than a statement prepared elsewhere with the same text declares.
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account.get())
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "UPDATE password_resets SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(account.get())
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        let change = CredentialChange {
            by: Some(account),
            reason,
        };
        let event = audit(change, AuditAction::Update, PASSWORD_RECORD, account);
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(Some(account))
    }
}
