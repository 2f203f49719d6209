//! The lifecycle of accounts without sign-in in storage: the accounts to judge, and each step
//! (warning sent, deactivation with its sessions ended, anonymisation of the identity) written in
//! its own transaction that re-checks the account has not signed in since it was judged, with its
//! audit entry. The rules are `domain::account_lifecycle`.

use crate::audit::append_audit_in;
use crate::{Store, StoreError};
use aiguillage_domain::account_lifecycle::AccountActivity;
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::UnixSeconds;
use sqlx::{AnyConnection, Row};

/// An account and its activity, as the lifecycle judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleAccount {
    pub id: i64,
    pub email: String,
    pub activity: AccountActivity,
}

/// The audit entry of a lifecycle step on an account (no actor: the scheduler acts).
async fn audit_step(
    connection: &mut AnyConnection,
    store: &Store,
    (account, action, reason): (i64, AuditAction, &str),
    now: UnixSeconds,
) -> Result<(), StoreError> {
    let event = AuditEvent {
        actor_account_id: None,
        action,
        record_kind: "account".to_owned(),
        record_id: account.to_string(),
        reason: reason.to_owned(),
    };
    append_audit_in(connection, &store.audit_key, &event, now).await?;
    Ok(())
}

impl Store {
    /// The accounts not anonymised yet, with their activity.
    pub async fn lifecycle_accounts(&self) -> Result<Vec<LifecycleAccount>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, email, created_at, last_login_at, inactivity_warned_at, deactivated_at
             FROM accounts WHERE anonymised_at IS NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let created: i64 = row.try_get("created_at")?;
                let login: Option<i64> = row.try_get("last_login_at")?;
                Ok(LifecycleAccount {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    activity: AccountActivity {
                        last_seen: login.unwrap_or(created).max(created),
                        warned_at: row.try_get("inactivity_warned_at")?,
                        deactivated_at: row.try_get("deactivated_at")?,
                        anonymised: false,
                    },
                })
            })
            .collect()
    }

    /// Records the inactivity warning, if the account is still as judged (`last_seen`); `false`
    /// when it signed in meanwhile or was warned already.
    pub async fn mark_inactivity_warned(
        &self,
        account: &LifecycleAccount,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE accounts SET inactivity_warned_at = $1
             WHERE id = $2 AND deactivated_at IS NULL AND COALESCE(last_login_at, created_at) <= $3
               AND (inactivity_warned_at IS NULL OR inactivity_warned_at < $3)",
        )
        .bind(now)
        .bind(account.id)
        .bind(account.activity.last_seen)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if done == 1 {
            let reason = "cycle de vie des comptes : avertissement d'inactivité";
            audit_step(
                &mut transaction,
                self,
                (account.id, AuditAction::Update, reason),
                now,
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(done == 1)
    }

    /// Deactivates the account and ends its sessions, if nobody signed in since it was judged;
    /// its records stay.
    pub async fn deactivate_inactive_account(
        &self,
        account: &LifecycleAccount,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE accounts SET deactivated_at = $1
             WHERE id = $2 AND deactivated_at IS NULL AND COALESCE(last_login_at, created_at) <= $3",
        )
        .bind(now)
        .bind(account.id)
        .bind(account.activity.last_seen)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if done == 1 {
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account.id)
                .execute(&mut *transaction)
                .await?;
            let reason = "cycle de vie des comptes : désactivation après 6 mois sans connexion";
            audit_step(
                &mut transaction,
                self,
                (account.id, AuditAction::Update, reason),
                now,
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(done == 1)
    }

    /// Replaces a deactivated account's identity (e-mail, name, password) by placeholders that name
    /// nobody; what it recorded stays, credited to « Compte anonymisé ».
    pub async fn anonymise_account(
        &self,
        account: &LifecycleAccount,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE accounts SET email = $1, display_name = 'Compte anonymisé', password_hash = '!',
                    anonymised_at = $2
             WHERE id = $3 AND deactivated_at IS NOT NULL AND anonymised_at IS NULL",
        )
        .bind(format!("compte-anonymise-{}@invalid", account.id))
        .bind(now)
        .bind(account.id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if done == 1 {
            // Its second factor, recovery codes, reset links, sessions and ProConnect identity go
            // with the identity.
            for table in [
                "second_factors",
                "recovery_codes",
                "password_resets",
                "sessions",
                "account_identities",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
                    .bind(account.id)
                    .execute(&mut *transaction)
                    .await?;
            }
            let reason =
                "cycle de vie des comptes : identité anonymisée 24 mois après la désactivation";
            audit_step(
                &mut transaction,
                self,
                (account.id, AuditAction::Delete, reason),
                now,
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(done == 1)
    }
}
