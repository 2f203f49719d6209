//! Correcting or deleting a session afterwards: only the structure that recorded it, while it still
//! sees the referral (for an individual session), in one transaction with its audit entry. A wrong
//! date or duration no longer stays forever; what the indicators and the CRA export read is the
//! corrected row.

use crate::audit::append_audit_in;
use crate::pathway::{
    give_up, joined, lock_actor, pathway_event, received_referral, session_from, SESSION_COLUMNS,
};
use crate::people::{count_fact, month_of, Actor};
use crate::structures::structure_today;
use crate::{PathwaySession, Store, StoreError};
use aiguillage_domain::audit::AuditAction;
use aiguillage_domain::calendar::iso_date;
use aiguillage_domain::pathway::{
    Equipment, NewSession, ObservedAutonomy, SessionError, SessionPlace, Theme,
};
use aiguillage_domain::UnixSeconds;
use sqlx::{AnyConnection, Row};

/// What became of a correction or a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChange {
    /// Written, with the audit entry.
    Done,
    /// The corrected session breaks a rule (the message is French); nothing was written.
    Invalid(SessionError),
    /// No such session of the actor's structure (or its referral is out of the structure's reach);
    /// nothing was written.
    NotFound,
}

/// The session and the referrals it concerns, if the structure recorded it and still sees the
/// referral of an individual session.
async fn own_session_in(
    connection: &mut AnyConnection,
    actor: &Actor<'_>,
    session_id: i64,
    now: UnixSeconds,
) -> Result<Option<(PathwaySession, Vec<i64>)>, StoreError> {
    let sql = format!("SELECT {SESSION_COLUMNS} WHERE s.id = $1 AND s.structure_id = $2");
    let Some(row) = sqlx::query(&sql)
        .bind(session_id)
        .bind(actor.structure_id.get())
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(None);
    };
    let session = session_from(&row)?;
    let referrals: Vec<i64> = match session.referral_id {
        Some(referral) => {
            let reachable =
                received_referral(connection, referral.get(), actor.structure_id.get(), now)
                    .await?;
            if reachable.is_none() {
                return Ok(None);
            }
            vec![referral.get()]
        }
        None => sqlx::query("SELECT referral_id FROM pathway_session_people WHERE session_id = $1")
            .bind(session_id)
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| row.try_get("referral_id"))
            .collect::<Result<_, _>>()?,
    };
    Ok(Some((session, referrals)))
}

/// Audits a change of the session on each referral it concerns (a workshop without registered
/// people: on the structure's own record of it).
async fn audit_change(
    connection: &mut AnyConnection,
    store: &Store,
    actor: &Actor<'_>,
    referrals: &[i64],
    now: UnixSeconds,
) -> Result<(), StoreError> {
    for referral in referrals {
        append_audit_in(
            connection,
            &store.audit_key,
            &pathway_event(actor, AuditAction::Update, *referral),
            now,
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// A session the actor's structure recorded, to correct or delete (`None` for any other, or when
    /// the referral of an individual session is out of the structure's reach); the read is audited.
    pub async fn own_pathway_session(
        &self,
        actor: &Actor<'_>,
        session_id: i64,
        now: UnixSeconds,
    ) -> Result<Option<PathwaySession>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let Some((mut session, referrals)) =
            own_session_in(&mut connection, actor, session_id, now).await?
        else {
            return Ok(None);
        };
        drop(connection);
        session.registered_referrals = if session.referral_id.is_none() {
            referrals
                .iter()
                .map(|id| aiguillage_domain::ids::ReferralId::new(*id))
                .collect()
        } else {
            Vec::new()
        };
        if let Some(referral) = session.referral_id {
            self.record_audit(
                &pathway_event(actor, AuditAction::Read, referral.get()),
                now,
            )
            .await?;
        }
        Ok(Some(session))
    }

    /// Corrects a session the actor's structure recorded: its date (never after the day it is where
    /// the structure is), duration, place, equipment, themes, observed autonomy and notes; its kind
    /// and the people it concerns stay. Nothing is written unless `Done`.
    pub async fn correct_pathway_session(
        &self,
        actor: &Actor<'_>,
        session_id: i64,
        corrected: &NewSession,
        now: UnixSeconds,
    ) -> Result<SessionChange, StoreError> {
        let mut transaction = self.begin_write().await?;
        lock_actor(&mut transaction, actor).await?;
        let Some((session, referrals)) =
            own_session_in(&mut transaction, actor, session_id, now).await?
        else {
            return give_up(transaction, SessionChange::NotFound).await;
        };
        if corrected.kind != session.record.kind() {
            return give_up(transaction, SessionChange::NotFound).await;
        }
        let today = structure_today(&mut transaction, actor.structure_id.get(), now).await?;
        let record = match corrected.validate(today) {
            Ok(record) => record,
            Err(error) => return give_up(transaction, SessionChange::Invalid(error)).await,
        };
        let commune = session_commune(&mut transaction, actor, &session, record.place).await?;
        sqlx::query(
            "UPDATE pathway_sessions SET held_on = $1, duration_minutes = $2, place = $3, commune_code = $4,
                 equipment = $5, themes = $6, observed_autonomy = $7, notes = $8
             WHERE id = $9 AND structure_id = $10",
        )
        .bind(iso_date(record.held_on))
        .bind(i64::from(record.duration_minutes))
        .bind(record.place.cra_code())
        .bind(commune)
        .bind(joined(&record.equipment, Equipment::cra_code))
        .bind(joined(&record.themes, Theme::cra_code))
        .bind(record.autonomy().map(ObservedAutonomy::cra_code))
        .bind(record.notes.clone())
        .bind(session_id)
        .bind(actor.structure_id.get())
        .execute(&mut *transaction)
        .await?;
        audit_change(&mut transaction, self, actor, &referrals, now).await?;
        // Counted anonymously, which also moves the indicators' watermark: the figures reload.
        count_fact(&mut transaction, &month_of(now), "seance_corrigee").await?;
        transaction.commit().await?;
        Ok(SessionChange::Done)
    }

    /// Deletes a session the actor's structure recorded (and, for a workshop, its list of registered
    /// people present); the referrals keep their state. `NotFound` writes nothing.
    pub async fn delete_pathway_session(
        &self,
        actor: &Actor<'_>,
        session_id: i64,
        now: UnixSeconds,
    ) -> Result<SessionChange, StoreError> {
        let mut transaction = self.begin_write().await?;
        lock_actor(&mut transaction, actor).await?;
        let Some((_, referrals)) = own_session_in(&mut transaction, actor, session_id, now).await?
        else {
            return give_up(transaction, SessionChange::NotFound).await;
        };
        sqlx::query("DELETE FROM pathway_session_people WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM pathway_sessions WHERE id = $1 AND structure_id = $2")
            .bind(session_id)
            .bind(actor.structure_id.get())
            .execute(&mut *transaction)
            .await?;
        audit_change(&mut transaction, self, actor, &referrals, now).await?;
        count_fact(&mut transaction, &month_of(now), "seance_supprimee").await?;
        transaction.commit().await?;
        Ok(SessionChange::Done)
    }
}

/// Where a corrected session took place, by the recording rule: the structure's commune when held
/// there or for a workshop, the person's commune for an individual session elsewhere.
async fn session_commune(
    connection: &mut AnyConnection,
    actor: &Actor<'_>,
    session: &PathwaySession,
    place: SessionPlace,
) -> Result<String, StoreError> {
    let structure: String = sqlx::query("SELECT commune_code FROM structures WHERE id = $1")
        .bind(actor.structure_id.get())
        .fetch_one(&mut *connection)
        .await?
        .try_get("commune_code")?;
    let Some(referral) = session.referral_id else {
        return Ok(structure);
    };
    if place == SessionPlace::AtStructure {
        return Ok(structure);
    }
    let person = sqlx::query(
        "SELECT p.commune_code FROM referrals r JOIN people p ON p.id = r.person_id WHERE r.id = $1",
    )
    .bind(referral.get())
    .fetch_optional(&mut *connection)
    .await?;
    match person {
        Some(row) => Ok(row.try_get("commune_code")?),
        None => Ok(structure),
    }
}
