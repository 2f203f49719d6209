//! The pathway in storage: the sessions the receiving structure records for referrals in progress
//! (one person, or a collective workshop with several registered people and anonymous ones), their
//! lists, and the closing of a referral with what the person gained — the outcome row and the
//! closing transition in one transaction.
//!
//! Sessions are recorded only by the structure that receives the referral, while the referral is at
//! « Premier contact fait » or « En parcours »; the first session of a referral at first contact
//! moves it to « En parcours » through the referral transition mechanism (versioned, in the same
//! transaction). The receiving structure loses sight of a referral (its sessions and closing
//! included) once it has ended more than 3 months ago, like everywhere else (`referrals::visible_to`);
//! its own session records stay in its activity (CRA, no personal data). Every change and read is audited under the referral's pseudonymous id; bad input
//! writes nothing.

use crate::audit::append_audit_in;
use crate::people::Actor;
use crate::referrals::{apply_referral_event_in, received_by, visible_to};
use crate::{decode, Applied, Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::calendar::{iso_date, parse_iso_date, Date};
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::orientation::{
    receiver_access_cutoff, ClosingOutcome, ReferralEvent, ReferralState, Side, TransitionError,
};
use aiguillage_domain::pathway::{
    Closing, ClosingError, Equipment, Gains, MoneyBracket, NewSession, ObservedAutonomy,
    RedirectStructure, RightKind, SentElsewhere, SessionError, SessionFormat, SessionKind,
    SessionPlace, SessionRecord, Theme, WorkshopLevel,
};
use aiguillage_domain::UnixSeconds;
use aiguillage_interop::cra::CraActivity;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, BTreeSet};

/// A stored session, as its structure sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathwaySession {
    pub id: i64,
    /// The person's referral, for an individual session.
    pub referral_id: Option<ReferralId>,
    /// For a collective workshop: the referrals of the registered people present (as far as the
    /// viewer may know them).
    pub registered_referrals: Vec<ReferralId>,
    /// The structure that recorded it.
    pub structure_id: i64,
    /// The mediator who recorded it.
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    /// Where it took place (INSEE code): the structure's commune when held there or for a
    /// workshop, the person's commune for an individual session elsewhere.
    pub commune_code: Option<String>,
    /// The session; its notes only for the structure that recorded it.
    pub record: SessionRecord,
    pub created_at: UnixSeconds,
}

impl PathwaySession {
    /// The session as an activity of the CRA export (notes are never exported).
    pub fn cra_activity(&self) -> CraActivity {
        CraActivity {
            session: self.record.clone(),
            commune_code: self.commune_code.clone(),
        }
    }
}

/// What became of a session to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOutcome {
    /// Recorded; `started_pathway` lists the referrals it moved from first contact to « En parcours ».
    Recorded {
        session_id: i64,
        started_pathway: Vec<ReferralId>,
    },
    /// The session breaks a rule (the message is French); nothing was written.
    Invalid(SessionError),
    /// The referral does not exist or the actor's structure does not receive it; nothing was written.
    NotFound { referral_id: ReferralId },
    /// The referral is not in progress (first contact or pathway); nothing was written.
    NotInProgress {
        referral_id: ReferralId,
        state: ReferralState,
    },
    /// Someone changed the referral meanwhile; nothing was written.
    StaleVersion,
    /// The planned workshop is not the structure's or was recorded already; nothing was written.
    PlanGone,
}

/// What became of a closing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseOutcome {
    /// The outcome row and the closing transition are written.
    Closed,
    /// The closing breaks a rule (the message is French); nothing was written.
    Invalid(ClosingError),
    /// The state machine refuses it (already closed, wrong side…); nothing was written.
    Refused(TransitionError),
    /// The referral does not exist or the actor's structure neither sent nor received it.
    NotFound,
    /// Someone changed the referral since `expected_version`; nothing was written.
    StaleVersion,
}

/// How a referral ended, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClosing {
    pub referral_id: i64,
    pub closing: Closing,
    pub closed_at: UnixSeconds,
    pub closed_by: Option<i64>,
    pub closed_by_name: Option<String>,
}

pub(crate) fn pathway_event(actor: &Actor, action: AuditAction, referral_id: i64) -> AuditEvent {
    AuditEvent {
        actor_account_id: Some(actor.account_id.get()),
        action,
        record_kind: "referral".to_owned(),
        record_id: format!("orientation-{referral_id}"),
        reason: actor.reason.to_owned(),
    }
}

pub(crate) fn joined<T: Copy>(values: &BTreeSet<T>, code: fn(T) -> &'static str) -> String {
    values
        .iter()
        .map(|v| code(*v))
        .collect::<Vec<_>>()
        .join("|")
}

pub(crate) fn split<T: Ord>(
    text: &str,
    read: fn(&str) -> Option<T>,
    what: &str,
) -> Result<BTreeSet<T>, StoreError> {
    text.split('|')
        .filter(|code| !code.is_empty())
        .map(|code| read(code).ok_or_else(|| StoreError::Corrupt(format!("{what} « {code} »"))))
        .collect()
}

fn coded<T>(
    code: Option<String>,
    read: fn(&str) -> Option<T>,
    what: &str,
) -> Result<Option<T>, StoreError> {
    code.map(|code| read(&code).ok_or_else(|| StoreError::Corrupt(format!("{what} « {code} »"))))
        .transpose()
}

fn count(value: Option<i64>) -> Option<u32> {
    value.and_then(|n| u32::try_from(n).ok())
}

pub(crate) const SESSION_COLUMNS: &str = "s.id, s.referral_id, s.structure_id, s.account_id, a.display_name AS account_name,
    s.held_on, s.duration_minutes, s.kind, s.place, s.commune_code, s.equipment, s.themes, s.observed_autonomy,
    s.participants, s.anonymous_participants, s.workshop_level, s.title, s.notes, s.created_at
    FROM pathway_sessions s LEFT JOIN accounts a ON a.id = s.account_id";

pub(crate) fn session_from(row: &AnyRow) -> Result<PathwaySession, StoreError> {
    let held_on: String = row.try_get("held_on")?;
    let kind: String = row.try_get("kind")?;
    let place: String = row.try_get("place")?;
    let duration: i64 = row.try_get("duration_minutes")?;
    let equipment: String = row.try_get("equipment")?;
    let themes: String = row.try_get("themes")?;
    let kind = SessionKind::from_cra_code(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("type de séance « {kind} »")))?;
    let format = match kind {
        SessionKind::Individual => SessionFormat::Individual {
            autonomy: coded(
                row.try_get("observed_autonomy")?,
                ObservedAutonomy::from_cra_code,
                "autonomie",
            )?
            .ok_or_else(|| StoreError::Corrupt("autonomie manquante".into()))?,
        },
        SessionKind::Collective => SessionFormat::Collective {
            participants: count(row.try_get("participants")?).unwrap_or(0),
            anonymous_participants: count(row.try_get("anonymous_participants")?).unwrap_or(0),
            title: row.try_get("title")?,
            level: coded(
                row.try_get("workshop_level")?,
                WorkshopLevel::from_cra_code,
                "niveau",
            )?,
        },
    };
    let referral_id: Option<i64> = row.try_get("referral_id")?;
    let referral_id = referral_id.map(ReferralId::new);
    Ok(PathwaySession {
        id: row.try_get("id")?,
        referral_id,
        registered_referrals: Vec::new(),
        structure_id: row.try_get("structure_id")?,
        account_id: row.try_get("account_id")?,
        account_name: row.try_get("account_name")?,
        commune_code: row.try_get("commune_code")?,
        record: SessionRecord {
            held_on: parse_iso_date(&held_on)
                .ok_or_else(|| StoreError::Corrupt(format!("date de séance « {held_on} »")))?,
            duration_minutes: u32::try_from(duration).unwrap_or(0),
            place: SessionPlace::from_cra_code(&place)
                .ok_or_else(|| StoreError::Corrupt(format!("lieu « {place} »")))?,
            equipment: split(&equipment, Equipment::from_cra_code, "matériel")?,
            themes: split(&themes, Theme::from_cra_code, "thématique")?,
            format,
            notes: row.try_get("notes")?,
        },
        created_at: row.try_get("created_at")?,
    })
}

/// The columns [`closing_from`] reads, after `SELECT` (`o`: referral_outcomes, `a`: the closer).
pub(crate) const CLOSING_COLUMNS: &str = "o.referral_id, o.outcome, o.rights, o.money_bracket, o.job_or_training,
    o.sent_elsewhere_kind, o.sent_elsewhere_name, o.closed_at, o.closed_by, a.display_name AS closed_by_name";

/// A referral's outcome as stored.
pub(crate) fn closing_from(row: &AnyRow) -> Result<StoredClosing, StoreError> {
    let outcome: String = row.try_get("outcome")?;
    let rights: String = row.try_get("rights")?;
    let job: i64 = row.try_get("job_or_training")?;
    let sent_kind = coded(
        row.try_get("sent_elsewhere_kind")?,
        RedirectStructure::from_cra_code,
        "structure de redirection",
    )?;
    let sent_name: Option<String> = row.try_get("sent_elsewhere_name")?;
    let closing = Closing {
        outcome: decode::<ClosingOutcome>(&outcome, "issue")?,
        gains: Gains {
            rights: split(&rights, RightKind::from_code, "droit")?,
            money: coded(
                row.try_get("money_bracket")?,
                MoneyBracket::from_code,
                "tranche",
            )?,
            job_or_training: job != 0,
        },
        sent_elsewhere: sent_kind.map(|kind| SentElsewhere {
            kind,
            name: sent_name,
        }),
    };
    Ok(StoredClosing {
        referral_id: row.try_get("referral_id")?,
        closing,
        closed_at: row.try_get("closed_at")?,
        closed_by: row.try_get("closed_by")?,
        closed_by_name: row.try_get("closed_by_name")?,
    })
}

/// The state and version of a referral the structure receives (and still may see), with the
/// person's commune.
pub(crate) async fn received_referral(
    connection: &mut AnyConnection,
    referral_id: i64,
    structure_id: i64,
    now: UnixSeconds,
) -> Result<Option<(ReferralState, i64, String)>, StoreError> {
    let sql = format!(
        "SELECT r.state, r.version, p.commune_code FROM referrals r JOIN people p ON p.id = r.person_id
         WHERE r.id = $1 AND {}",
        received_by("$2", "$3")
    );
    let row = sqlx::query(&sql)
        .bind(referral_id)
        .bind(structure_id)
        .bind(receiver_access_cutoff(now))
        .fetch_optional(&mut *connection)
        .await?;
    row.map(|row| {
        let state: String = row.try_get("state")?;
        Ok((
            decode::<ReferralState>(&state, "état d'orientation")?,
            row.try_get("version")?,
            row.try_get("commune_code")?,
        ))
    })
    .transpose()
}

/// Checks that the actor's account is a member of the actor's structure (`memberships`) with a write that changes
/// nothing, made first in the transaction: on SQLite the transaction then holds the write lock before
/// reading anything, so that a concurrent change makes it wait (busy timeout) rather than fail on a
/// stale snapshot; on PostgreSQL it only locks the account's row.
pub(crate) async fn lock_actor(
    connection: &mut AnyConnection,
    actor: &Actor<'_>,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE accounts SET structure_id = structure_id
         WHERE id = $1 AND deactivated_at IS NULL
           AND EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = $1 AND m.structure_id = $2)",
    )
    .bind(actor.account_id.get())
    .bind(actor.structure_id.get())
    .execute(&mut *connection)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!(
            "compte {} de la structure {}",
            actor.account_id, actor.structure_id
        )));
    }
    Ok(())
}

/// Ends a transaction that changes nothing, now: a dropped transaction rolls back only when its
/// connection is next used, and on SQLite it would hold the write lock taken by `lock_actor` until then.
pub(crate) async fn give_up<T>(
    transaction: crate::WriteTransaction,
    outcome: T,
) -> Result<T, StoreError> {
    transaction.rollback().await?;
    Ok(outcome)
}

impl Store {
    /// Records a session for one referral the actor's structure receives, while it is at first
    /// contact or in pathway; the first session of a referral at first contact moves it to « En
    /// parcours » in the same transaction. A collective session given here counts this one person
    /// as registered (see [`Store::record_collective_session`]).
    pub async fn record_session(
        &self,
        actor: &Actor<'_>,
        referral_id: ReferralId,
        session: &NewSession,
        now: UnixSeconds,
    ) -> Result<SessionOutcome, StoreError> {
        self.record_pathway_session(actor, &[referral_id], session, None, now)
            .await
    }

    /// Records a collective workshop of the actor's structure with the registered people present
    /// (by their referrals, each received by the structure and in progress; possibly none) and the
    /// anonymous participants, who together make the participants. Each referral at first contact
    /// moves to « En parcours »; all of it or nothing is written.
    pub async fn record_collective_session(
        &self,
        actor: &Actor<'_>,
        referral_ids: &[ReferralId],
        session: &NewSession,
        now: UnixSeconds,
    ) -> Result<SessionOutcome, StoreError> {
        self.record_pathway_session(actor, referral_ids, session, None, now)
            .await
    }

    /// Records a workshop a cycle of the resource bank planned (`plan`, see
    /// [`crate::resource_cycles`]) like [`Store::record_collective_session`], and marks it recorded:
    /// the workshop then names the bank session it ran and its cycle. All of it or nothing.
    pub async fn record_planned_workshop(
        &self,
        actor: &Actor<'_>,
        plan: i64,
        referral_ids: &[ReferralId],
        session: &NewSession,
        now: UnixSeconds,
    ) -> Result<SessionOutcome, StoreError> {
        self.record_pathway_session(actor, referral_ids, session, Some(plan), now)
            .await
    }

    async fn record_pathway_session(
        &self,
        actor: &Actor<'_>,
        referral_ids: &[ReferralId],
        session: &NewSession,
        plan: Option<i64>,
        now: UnixSeconds,
    ) -> Result<SessionOutcome, StoreError> {
        let today = self
            .today_at_structure(actor.structure_id.get(), now)
            .await?;
        let record = match session.validate(today) {
            Ok(record) => record,
            Err(error) => return Ok(SessionOutcome::Invalid(error)),
        };
        let referral_ids: BTreeSet<ReferralId> = referral_ids.iter().copied().collect();
        if let Err(error) = record.check_registered(referral_ids.len()) {
            return Ok(SessionOutcome::Invalid(error));
        }
        let mut transaction = self.begin_write().await?;
        if let Err(error) = lock_actor(&mut transaction, actor).await {
            transaction.rollback().await?;
            return Err(error);
        }
        let structure_commune: String =
            sqlx::query("SELECT commune_code FROM structures WHERE id = $1")
                .bind(actor.structure_id.get())
                .fetch_one(&mut *transaction)
                .await?
                .try_get("commune_code")?;
        let mut person_commune = None;
        let mut started_pathway = Vec::new();
        for &referral_id in &referral_ids {
            let Some((state, version, commune)) = received_referral(
                &mut transaction,
                referral_id.get(),
                actor.structure_id.get(),
                now,
            )
            .await?
            else {
                return give_up(transaction, SessionOutcome::NotFound { referral_id }).await;
            };
            person_commune = Some(commune);
            match state {
                ReferralState::InPathway => {}
                ReferralState::FirstContact => {
                    let applied = apply_referral_event_in(
                        &mut transaction,
                        &self.audit_key,
                        actor,
                        (referral_id.get(), version),
                        (Side::Receiver, &ReferralEvent::StartPathway),
                        "Première séance enregistrée",
                        now,
                    )
                    .await?;
                    match applied {
                        Applied::Done { .. } => started_pathway.push(referral_id),
                        Applied::StaleVersion => {
                            return give_up(transaction, SessionOutcome::StaleVersion).await
                        }
                        Applied::Refused(_) => {
                            return give_up(
                                transaction,
                                SessionOutcome::NotInProgress { referral_id, state },
                            )
                            .await
                        }
                    }
                }
                state => {
                    return give_up(
                        transaction,
                        SessionOutcome::NotInProgress { referral_id, state },
                    )
                    .await
                }
            }
        }
        let individual_referral = match record.format {
            SessionFormat::Individual { .. } => referral_ids.first().map(|id| id.get()),
            SessionFormat::Collective { .. } => None,
        };
        let commune_code = match (record.place, individual_referral) {
            (SessionPlace::AtStructure, _) | (_, None) => structure_commune,
            (_, Some(_)) => person_commune.unwrap_or(structure_commune),
        };
        let (participants, anonymous) = record.participants().unzip();
        let (title, level) = match &record.format {
            SessionFormat::Collective { title, level, .. } => (title.clone(), *level),
            SessionFormat::Individual { .. } => (None, None),
        };
        let row = sqlx::query(
            "INSERT INTO pathway_sessions (referral_id, structure_id, account_id, held_on, duration_minutes, kind,
                 place, commune_code, equipment, themes, observed_autonomy, participants, anonymous_participants,
                 workshop_level, title, notes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
        )
        .bind(individual_referral)
        .bind(actor.structure_id.get())
        .bind(actor.account_id.get())
        .bind(iso_date(record.held_on))
        .bind(i64::from(record.duration_minutes))
        .bind(record.kind().cra_code())
        .bind(record.place.cra_code())
        .bind(commune_code)
        .bind(joined(&record.equipment, Equipment::cra_code))
        .bind(joined(&record.themes, Theme::cra_code))
        .bind(record.autonomy().map(ObservedAutonomy::cra_code))
        .bind(participants.map(i64::from))
        .bind(anonymous.map(i64::from))
        .bind(level.map(WorkshopLevel::cra_code))
        .bind(title)
        .bind(record.notes.clone())
        .bind(now)
        .fetch_one(&mut *transaction)
        .await?;
        let session_id: i64 = row.try_get("id")?;
        for &referral_id in &referral_ids {
            if individual_referral.is_none() {
                sqlx::query(
                    "INSERT INTO pathway_session_people (session_id, referral_id) VALUES ($1, $2)",
                )
                .bind(session_id)
                .bind(referral_id.get())
                .execute(&mut *transaction)
                .await?;
            }
            sqlx::query(
                "UPDATE people SET last_contact_at = $1 WHERE id = (SELECT person_id FROM referrals WHERE id = $2)",
            )
            .bind(now)
            .bind(referral_id.get())
            .execute(&mut *transaction)
            .await?;
            append_audit_in(
                &mut transaction,
                &self.audit_key,
                &pathway_event(actor, AuditAction::Update, referral_id.get()),
                now,
            )
            .await?;
        }
        if let Some(plan) = plan {
            let marked = crate::resource_cycles::mark_planned_recorded(
                &mut transaction,
                plan,
                actor.structure_id.get(),
                session_id,
            )
            .await?;
            if !marked {
                return give_up(transaction, SessionOutcome::PlanGone).await;
            }
        }
        transaction.commit().await?;
        Ok(SessionOutcome::Recorded {
            session_id,
            started_pathway,
        })
    }

    /// The sessions of a referral, oldest first, if the actor's structure sent it or still may see it
    /// as its receiver (`None` otherwise, see `referrals::visible_to`); audited as a read. The sending structure sees neither the notes nor the
    /// other people of a workshop.
    pub async fn sessions_of_referral(
        &self,
        actor: &Actor<'_>,
        referral: ReferralId,
        now: UnixSeconds,
    ) -> Result<Option<Vec<PathwaySession>>, StoreError> {
        let referral_id = referral.get();
        let visible = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM referrals r WHERE r.id = $1 AND {}",
            visible_to("$2", "$3")
        ))
        .bind(referral_id)
        .bind(actor.structure_id.get())
        .bind(receiver_access_cutoff(now))
        .fetch_one(&self.pool)
        .await?;
        if visible.try_get::<i64, _>("n")? == 0 {
            return Ok(None);
        }
        let sql = format!(
            "SELECT {SESSION_COLUMNS} WHERE s.referral_id = $1
                 OR s.id IN (SELECT session_id FROM pathway_session_people WHERE referral_id = $1)
             ORDER BY s.held_on, s.id"
        );
        let rows = sqlx::query(&sql)
            .bind(referral_id)
            .fetch_all(&self.pool)
            .await?;
        let mut sessions = rows
            .iter()
            .map(session_from)
            .collect::<Result<Vec<_>, _>>()?;
        self.attach_people(&mut sessions).await?;
        for session in &mut sessions {
            if session.structure_id != actor.structure_id.get() {
                session.record.notes = None;
                if session.referral_id.is_none() {
                    session.registered_referrals = vec![referral];
                }
            }
        }
        self.record_audit(&pathway_event(actor, AuditAction::Read, referral_id), now)
            .await?;
        Ok(Some(sessions))
    }

    /// The sessions the actor's structure recorded from `from` to `to` (both included), by date;
    /// each referral they concern is audited as read.
    pub async fn sessions_of_structure(
        &self,
        actor: &Actor<'_>,
        (from, to): (Date, Date),
        now: UnixSeconds,
    ) -> Result<Vec<PathwaySession>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} WHERE s.structure_id = $1 AND s.held_on >= $2 AND s.held_on <= $3
             ORDER BY s.held_on, s.id"
        );
        let rows = sqlx::query(&sql)
            .bind(actor.structure_id.get())
            .bind(iso_date(from))
            .bind(iso_date(to))
            .fetch_all(&self.pool)
            .await?;
        let mut sessions = rows
            .iter()
            .map(session_from)
            .collect::<Result<Vec<_>, _>>()?;
        self.attach_people(&mut sessions).await?;
        let referrals: BTreeSet<ReferralId> = sessions
            .iter()
            .flat_map(|s| {
                s.referral_id
                    .into_iter()
                    .chain(s.registered_referrals.clone())
            })
            .collect();
        let events: Vec<AuditEvent> = referrals
            .into_iter()
            .map(|id| pathway_event(actor, AuditAction::Read, id.get()))
            .collect();
        self.record_audits(&events, now).await?;
        Ok(sessions)
    }

    /// Fills the registered people of the collective sessions.
    pub(crate) async fn attach_people(
        &self,
        sessions: &mut [PathwaySession],
    ) -> Result<(), StoreError> {
        let workshops: Vec<i64> = sessions
            .iter()
            .filter(|s| s.referral_id.is_none())
            .map(|s| s.id)
            .collect();
        if workshops.is_empty() {
            return Ok(());
        }
        let mut people: BTreeMap<i64, Vec<ReferralId>> = BTreeMap::new();
        for chunk in workshops.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT session_id, referral_id FROM pathway_session_people WHERE session_id IN ({})
                 ORDER BY session_id, referral_id",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                people
                    .entry(row.try_get("session_id")?)
                    .or_default()
                    .push(ReferralId::new(row.try_get("referral_id")?));
            }
        }
        for session in sessions {
            if let Some(referrals) = people.remove(&session.id) {
                session.registered_referrals = referrals;
            }
        }
        Ok(())
    }

    /// Closes a referral the actor's structure sent or received, if still at `expected_version`:
    /// the outcome with its gains and the closing transition are written together, or nothing
    /// (invalid closing, transition refused, someone acting first).
    pub async fn close_referral(
        &self,
        actor: &Actor<'_>,
        (referral, expected_version): (ReferralId, i64),
        closing: &Closing,
        comment: &str,
        now: UnixSeconds,
    ) -> Result<CloseOutcome, StoreError> {
        let referral_id = referral.get();
        let closing = match closing.checked() {
            Ok(closing) => closing,
            Err(error) => return Ok(CloseOutcome::Invalid(error)),
        };
        let mut transaction = self.begin_write().await?;
        if let Err(error) = lock_actor(&mut transaction, actor).await {
            transaction.rollback().await?;
            return Err(error);
        }
        let row = sqlx::query(&format!(
            "SELECT r.receiver_structure_id FROM referrals r WHERE r.id = $1 AND {}",
            visible_to("$2", "$3")
        ))
        .bind(referral_id)
        .bind(actor.structure_id.get())
        .bind(receiver_access_cutoff(now))
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else {
            return give_up(transaction, CloseOutcome::NotFound).await;
        };
        let receiver: i64 = row.try_get("receiver_structure_id")?;
        let side = if receiver == actor.structure_id.get() {
            Side::Receiver
        } else {
            Side::Sender
        };
        let event = ReferralEvent::Close {
            outcome: closing.outcome,
        };
        let applied = apply_referral_event_in(
            &mut transaction,
            &self.audit_key,
            actor,
            (referral_id, expected_version),
            (side, &event),
            comment,
            now,
        )
        .await?;
        match applied {
            Applied::Done { .. } => {}
            Applied::StaleVersion => return give_up(transaction, CloseOutcome::StaleVersion).await,
            Applied::Refused(error) => {
                return give_up(transaction, CloseOutcome::Refused(error)).await
            }
        }
        let (sent_kind, sent_name) = match &closing.sent_elsewhere {
            Some(place) => (Some(place.kind.cra_code()), place.name.clone()),
            None => (None, None),
        };
        sqlx::query(
            "INSERT INTO referral_outcomes (referral_id, outcome, rights, money_bracket, job_or_training,
                 sent_elsewhere_kind, sent_elsewhere_name, closed_at, closed_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(referral_id)
        .bind(closing.outcome.code())
        .bind(joined(&closing.gains.rights, RightKind::code))
        .bind(closing.gains.money.map(MoneyBracket::code))
        .bind(i64::from(closing.gains.job_or_training))
        .bind(sent_kind)
        .bind(sent_name)
        .bind(now)
        .bind(actor.account_id.get())
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(CloseOutcome::Closed)
    }

    /// How a referral the actor's structure sent, or received and still may see, ended, if it is
    /// closed with an outcome; audited as a read.
    pub async fn referral_closing(
        &self,
        actor: &Actor<'_>,
        referral: ReferralId,
        now: UnixSeconds,
    ) -> Result<Option<StoredClosing>, StoreError> {
        let referral_id = referral.get();
        let row = sqlx::query(&format!(
            "SELECT o.referral_id, o.outcome, o.rights, o.money_bracket, o.job_or_training, o.sent_elsewhere_kind,
                 o.sent_elsewhere_name, o.closed_at, o.closed_by, a.display_name AS closed_by_name
             FROM referral_outcomes o JOIN referrals r ON r.id = o.referral_id
             LEFT JOIN accounts a ON a.id = o.closed_by
             WHERE o.referral_id = $1 AND {}",
            visible_to("$2", "$3")
        ))
        .bind(referral_id)
        .bind(actor.structure_id.get())
        .bind(receiver_access_cutoff(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let stored = closing_from(&row)?;
        self.record_audit(&pathway_event(actor, AuditAction::Read, referral_id), now)
            .await?;
        Ok(Some(stored))
    }
}
