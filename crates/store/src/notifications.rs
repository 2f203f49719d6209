//! In-app notifications (per account or per structure) and who receives them: a structure's active
//! accounts, the coordinators of a commune or of a territory.

use crate::{Store, StoreError};
use aiguillage_domain::account::MailDigest;
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// An in-app notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub created_at: UnixSeconds,
    pub text: String,
    pub link: String,
    pub read: bool,
}

impl Store {
    /// Notifies one account, or every professional of a structure.
    pub async fn notify(
        &self,
        whom: (Option<i64>, Option<i64>),
        text: &str,
        link: &str,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let mut connection = self.pool.acquire().await?;
        notify_in(&mut connection, whom, text, link, now).await
    }

    /// The notifications of an account (its own and its structure's), newest first; `read` says
    /// whether it was shown to the account before.
    pub async fn notifications_of(
        &self,
        account_id: AccountId,
        structure_id: StructureId,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        self.notifications_page(account_id, structure_id, (limit, 0))
            .await
    }

    /// How many notifications an account has (its own and its structure's).
    pub async fn count_notifications(
        &self,
        account_id: AccountId,
        structure_id: StructureId,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications n WHERE n.account_id = $1 OR n.structure_id = $2",
        )
        .bind(account_id.get())
        .bind(structure_id.get())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// One page of [`Store::notifications_of`]: `limit` after skipping `offset`.
    pub async fn notifications_page(
        &self,
        account_id: AccountId,
        structure_id: StructureId,
        (limit, offset): (i64, i64),
    ) -> Result<Vec<Notification>, StoreError> {
        let rows = sqlx::query(
            "SELECT n.id, n.created_at, n.text, n.link,
                 CAST(CASE WHEN n.id <= (SELECT notifications_seen_id FROM accounts WHERE id = $1) THEN 1 ELSE 0 END AS BIGINT) AS seen
             FROM notifications n
             WHERE n.account_id = $1 OR n.structure_id = $2 ORDER BY n.created_at DESC, n.id DESC LIMIT $3 OFFSET $4",
        )
        .bind(account_id.get())
        .bind(structure_id.get())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let seen: i64 = row.try_get("seen")?;
                Ok(Notification {
                    id: row.try_get("id")?,
                    created_at: row.try_get("created_at")?,
                    text: row.try_get("text")?,
                    link: row.try_get("link")?,
                    read: seen != 0,
                })
            })
            .collect()
    }

    /// How many notifications of an account (its own and its structure's) came after the newest one
    /// it was shown.
    pub async fn unread_notifications(
        &self,
        account_id: AccountId,
        structure_id: StructureId,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications n
             WHERE (n.account_id = $1 OR n.structure_id = $2)
               AND n.id > (SELECT notifications_seen_id FROM accounts WHERE id = $1)",
        )
        .bind(account_id.get())
        .bind(structure_id.get())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Marks every notification up to `newest` as read for the account (never backwards).
    pub async fn mark_notifications_seen(
        &self,
        account_id: AccountId,
        newest: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET notifications_seen_id = $1 WHERE id = $2 AND notifications_seen_id < $1",
        )
        .bind(newest)
        .bind(account_id.get())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The e-mail addresses of the active accounts of a structure that want a mail at each
    /// notification (`MailDigest::Immediate`).
    pub async fn structure_emails(&self, structure_id: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.email FROM accounts a JOIN memberships m ON m.account_id = a.id
             WHERE m.structure_id = $1 AND a.deactivated_at IS NULL
               AND a.mail_digest = $2 ORDER BY a.email",
        )
        .bind(structure_id)
        .bind(MailDigest::Immediate.code())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("email")?)).collect()
    }

    /// The coordinators' accounts whose territory contains the commune: `(id, e-mail)`.
    pub async fn coordinators_of_commune(
        &self,
        commune_code: &str,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.email FROM accounts a JOIN communes c ON c.code = $1
             WHERE a.role = 'coordinator' AND a.deactivated_at IS NULL
               AND ((a.territory_kind = 'departement' AND a.territory_code = c.departement_code)
                 OR (a.territory_kind = 'epci' AND a.territory_code = c.epci_code))",
        )
        .bind(commune_code)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("email")?)))
            .collect()
    }

    /// The active coordinators' accounts of exactly this territory: `(id, structure)`.
    pub async fn coordinators_of_scope(
        &self,
        scope: &TerritoryScope,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, structure_id FROM accounts WHERE role = 'coordinator' AND deactivated_at IS NULL
               AND territory_kind = $1 AND territory_code = $2 ORDER BY id",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("structure_id")?)))
            .collect()
    }

    /// How the account wants notifications by e-mail.
    pub async fn mail_digest_of(&self, account_id: AccountId) -> Result<MailDigest, StoreError> {
        let row = sqlx::query("SELECT mail_digest FROM accounts WHERE id = $1")
            .bind(account_id.get())
            .fetch_one(&self.pool)
            .await?;
        let code: String = row.try_get("mail_digest")?;
        crate::decode::<MailDigest>(&code, "récapitulatif")
    }

    /// Records how the account wants notifications by e-mail; choosing the daily summary starts it
    /// from now (what came before is not mailed again).
    pub async fn set_mail_digest(
        &self,
        account_id: AccountId,
        digest: MailDigest,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET mail_digest = $1,
                 digest_sent_id = CASE WHEN mail_digest = $1 THEN digest_sent_id
                     ELSE (SELECT COALESCE(MAX(id), 0) FROM notifications) END
             WHERE id = $2",
        )
        .bind(digest.code())
        .bind(account_id.get())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The daily summaries due: each active account that chose `MailDigest::Daily` and has
    /// notifications (its own or its structure's) after the last summary.
    pub async fn digests_due(&self) -> Result<Vec<DigestDue>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.email, COUNT(n.id) AS n, MAX(n.id) AS newest
             FROM accounts a JOIN notifications n
               ON (n.account_id = a.id OR n.structure_id = a.structure_id) AND n.id > a.digest_sent_id
             WHERE a.mail_digest = $1 AND a.deactivated_at IS NULL
             GROUP BY a.id, a.email ORDER BY a.id",
        )
        .bind(MailDigest::Daily.code())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DigestDue {
                    account_id: AccountId::new(row.try_get("id")?),
                    email: row.try_get("email")?,
                    count: row.try_get("n")?,
                    newest: row.try_get("newest")?,
                })
            })
            .collect()
    }

    /// Records that the account's daily summary counted every notification up to `newest`.
    pub async fn mark_digest_sent(
        &self,
        account_id: AccountId,
        newest: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET digest_sent_id = $1 WHERE id = $2 AND digest_sent_id < $1",
        )
        .bind(newest)
        .bind(account_id.get())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A daily summary to send: to whom, how many notifications, and the newest one counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestDue {
    pub account_id: AccountId,
    pub email: String,
    pub count: i64,
    pub newest: i64,
}

/// Notifies one account, or every professional of a structure, inside the caller's transaction (the
/// notice then stands or falls with what it tells).
pub(crate) async fn notify_in(
    connection: &mut sqlx::AnyConnection,
    (account_id, structure_id): (Option<i64>, Option<i64>),
    text: &str,
    link: &str,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notifications (account_id, structure_id, created_at, text, link) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(account_id)
    .bind(structure_id)
    .bind(now)
    .bind(text)
    .bind(link)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
