//! The thread of a referral: short messages between the sending and the receiving professionals.
//! Only the two structures read and write it — the receiving one only once the person agreed to
//! share with it (the thread is about the person), and only while the referral is within its
//! reach. Every read and write is audited; the messages go with the referral when it is erased.

use crate::audit::append_audit_in;
use crate::people::Actor;
use crate::referrals::visible_to;
use crate::{Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::orientation::receiver_access_cutoff;
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// One message of a referral's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessage {
    pub at: UnixSeconds,
    pub author: Option<String>,
    pub structure: String,
    /// Written by the viewer's own structure.
    pub own: bool,
    pub text: String,
}

/// Which structures a message concerns: the referral's other side, to notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted {
    pub other_structure: i64,
}

fn thread_event(actor: &Actor, action: AuditAction, referral: i64) -> AuditEvent {
    AuditEvent {
        actor_account_id: Some(actor.account_id.get()),
        action,
        record_kind: "referral_thread".to_owned(),
        record_id: format!("orientation-{referral}"),
        reason: actor.reason.to_owned(),
    }
}

/// The condition for the actor's structure to read the referral's thread: the sender, or the
/// receiver within reach and with the person's agreement to share with it.
fn thread_visible() -> String {
    format!(
        "r.id = $1 AND {} AND (r.sender_structure_id = $2 OR EXISTS (SELECT 1 FROM sharing_consents sc
             WHERE sc.referral_id = r.id AND sc.receiver_structure_id = r.receiver_structure_id))",
        visible_to("$2", "$3")
    )
}

impl Store {
    /// The referral's thread, oldest first, if the actor's structure may read it (`None` otherwise);
    /// the read is audited.
    pub async fn referral_thread(
        &self,
        actor: &Actor<'_>,
        referral: ReferralId,
        now: UnixSeconds,
    ) -> Result<Option<Vec<ThreadMessage>>, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM referrals r WHERE {}",
            thread_visible()
        );
        let visible = sqlx::query(&sql)
            .bind(referral.get())
            .bind(actor.structure_id.get())
            .bind(receiver_access_cutoff(now))
            .fetch_one(&self.pool)
            .await?;
        if visible.try_get::<i64, _>("n")? == 0 {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT m.at, a.display_name AS author, s.name AS structure, m.structure_id, m.text
             FROM referral_messages m JOIN structures s ON s.id = m.structure_id
             LEFT JOIN accounts a ON a.id = m.account_id
             WHERE m.referral_id = $1 ORDER BY m.id",
        )
        .bind(referral.get())
        .fetch_all(&self.pool)
        .await?;
        let messages = rows
            .iter()
            .map(|row| {
                let structure_id: i64 = row.try_get("structure_id")?;
                Ok(ThreadMessage {
                    at: row.try_get("at")?,
                    author: row.try_get("author")?,
                    structure: row.try_get("structure")?,
                    own: structure_id == actor.structure_id.get(),
                    text: row.try_get("text")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.record_audit(&thread_event(actor, AuditAction::Read, referral.get()), now)
            .await?;
        Ok(Some(messages))
    }

    /// Adds a message (already checked free text) to the referral's thread, if the actor's structure
    /// may read it; `None`, and nothing written, otherwise. Audited.
    pub async fn post_referral_message(
        &self,
        actor: &Actor<'_>,
        referral: ReferralId,
        text: &str,
        now: UnixSeconds,
    ) -> Result<Option<Posted>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let sql = format!(
            "SELECT r.sender_structure_id, r.receiver_structure_id FROM referrals r WHERE {}",
            thread_visible()
        );
        let Some(row) = sqlx::query(&sql)
            .bind(referral.get())
            .bind(actor.structure_id.get())
            .bind(receiver_access_cutoff(now))
            .fetch_optional(&mut *transaction)
            .await?
        else {
            return Ok(None);
        };
        let sender: i64 = row.try_get("sender_structure_id")?;
        let receiver: i64 = row.try_get("receiver_structure_id")?;
        sqlx::query(
            "INSERT INTO referral_messages (referral_id, at, account_id, structure_id, text)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(referral.get())
        .bind(now)
        .bind(actor.account_id.get())
        .bind(actor.structure_id.get())
        .bind(text)
        .execute(&mut *transaction)
        .await?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &thread_event(actor, AuditAction::Create, referral.get()),
            now,
        )
        .await?;
        transaction.commit().await?;
        let other_structure = if actor.structure_id.get() == sender {
            receiver
        } else {
            sender
        };
        Ok(Some(Posted { other_structure }))
    }
}
