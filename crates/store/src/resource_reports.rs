//! Problem reports on the resource bank's published sessions: a professional flags a problem (an
//! outdated step, a broken link, a personal detail left in a material), the référents whose
//! territory holds the session's structure are told, see the open reports with the sessions they
//! review, and close them once dealt with. Scope is checked in each transaction on the rows touched.

use crate::resources::{referent_covers, referents_for, BankActor};
use crate::{Store, StoreError};
use aiguillage_domain::ids::{AccountId, ResourceSessionId};
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// An open report, as a référent's queue lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    pub id: i64,
    pub session: ResourceSessionId,
    pub title: String,
    pub comment: String,
    pub reporter: String,
    pub reporter_structure: String,
    pub reported_at: UnixSeconds,
}

impl Store {
    /// Records a problem reported on a published session (the comment already checked) and returns
    /// the référents to tell; `None` when the session is not published (nothing written).
    pub async fn report_resource(
        &self,
        actor: &BankActor<'_>,
        session: ResourceSessionId,
        comment: &str,
        now: UnixSeconds,
    ) -> Result<Option<Vec<AccountId>>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let published =
            sqlx::query("SELECT 1 AS one FROM resource_published WHERE session_id = $1")
                .bind(session.get())
                .fetch_optional(&mut *transaction)
                .await?;
        if published.is_none() {
            transaction.rollback().await?;
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO resource_reports (session_id, account_id, comment, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(session.get())
        .bind(actor.account_id.get())
        .bind(comment)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        let referents = referents_for(&mut transaction, session).await?;
        transaction.commit().await?;
        Ok(Some(referents))
    }

    /// The open reports on sessions of the structures in the actor's référent territory, oldest first.
    pub async fn open_reports(&self, actor: &BankActor<'_>) -> Result<Vec<OpenReport>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT rp.id, rp.session_id, p.title, rp.comment, a.display_name, ast.name AS reporter_structure,
                    rp.created_at
             FROM resource_reports rp
               JOIN resource_published p ON p.session_id = rp.session_id
               JOIN resource_sessions s ON s.id = rp.session_id
               JOIN structures st ON st.id = s.structure_id
               JOIN communes c ON c.code = st.commune_code
               JOIN accounts a ON a.id = rp.account_id
               JOIN structures ast ON ast.id = a.structure_id
               JOIN resource_referents r ON r.account_id = $1
             WHERE rp.closed_at IS NULL",
            referent_covers!(),
            "ORDER BY rp.created_at, rp.id"
        ))
        .bind(actor.account_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OpenReport {
                    id: row.try_get("id")?,
                    session: ResourceSessionId::new(row.try_get("session_id")?),
                    title: row.try_get("title")?,
                    comment: row.try_get("comment")?,
                    reporter: row.try_get("display_name")?,
                    reporter_structure: row.try_get("reporter_structure")?,
                    reported_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Closes an open report on a session the actor reviews as référent; `NotFound` otherwise.
    /// Returns the session, and who reported, to tell them.
    pub async fn close_report(
        &self,
        actor: &BankActor<'_>,
        report: i64,
        now: UnixSeconds,
    ) -> Result<(ResourceSessionId, AccountId), StoreError> {
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(concat!(
            "SELECT rp.session_id, rp.account_id FROM resource_reports rp
               JOIN resource_sessions s ON s.id = rp.session_id
               JOIN structures st ON st.id = s.structure_id
               JOIN communes c ON c.code = st.commune_code
               JOIN resource_referents r ON r.account_id = $1
             WHERE rp.id = $2 AND rp.closed_at IS NULL",
            referent_covers!(),
            ""
        ))
        .bind(actor.account_id.get())
        .bind(report)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else {
            transaction.rollback().await?;
            return Err(StoreError::NotFound("signalement".into()));
        };
        sqlx::query("UPDATE resource_reports SET closed_at = $1, closed_by = $2 WHERE id = $3 AND closed_at IS NULL")
            .bind(now)
            .bind(actor.account_id.get())
            .bind(report)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok((
            ResourceSessionId::new(row.try_get("session_id")?),
            AccountId::new(row.try_get("account_id")?),
        ))
    }
}
