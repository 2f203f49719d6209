//! A person's rights: the register of their requests (access, portability, rectification, erasure,
//! consent withdrawal, objection, limitation) and the export of everything held about them.
//!
//! The register names a person only by the pseudonymous reference the audit trail uses
//! (`personne-12`, `domain::rights::person_reference`) and holds no copy of their data, so an entry
//! stands after the person's erasure; it is kept 12 months after the answer. A request is
//! registered only about a person the actor's structure enrolled (the structure answers for the
//! controller), checked in the same transaction. The export reads every row about the person in one
//! transaction that first checks the actor's structure enrolled them (`None` otherwise: "not
//! found"), and audits itself in that transaction.

use crate::audit::{append_audit_in, entry_from};
use crate::people::Actor;
use crate::people::{diagnostic_from, erase_person_in, person_event, person_from, PERSON_COLUMNS};
use crate::{
    decode, AuditEntry, ConsentRecord, PathwaySession, PersonRecord, ReferralHistoryLine, Store,
    StoreError, StoredAppointment, StoredClosing, StoredDiagnostic, ThreadMessage,
};
use aiguillage_domain::audit::AuditAction;
use aiguillage_domain::calendar::{iso_date, midnight_of, parse_iso_date, Date};
use aiguillage_domain::ids::{AccountId, PersonId, ReferralId, StructureId};
use aiguillage_domain::orientation::ReferralState;
use aiguillage_domain::rights::{first_day_kept, person_reference, RightsRequestKind};
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// One entry of the register of rights requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightsRequestRecord {
    pub id: i64,
    pub kind: RightsRequestKind,
    /// `personne-12`: the person's pseudonymous reference, never their name.
    pub person_ref: String,
    pub structure_id: StructureId,
    pub structure_name: String,
    pub received_on: Date,
    pub recorded_at: UnixSeconds,
    pub handled_by: Option<AccountId>,
    pub handled_by_name: Option<String>,
    pub answered_at: Option<UnixSeconds>,
}

/// The consent a person gave to share their data with a receiving structure, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingConsentRecord {
    pub receiver_structure: String,
    /// What is shared, as stored (`identite|contact|profil`).
    pub data_scope: String,
    pub text_version: String,
    pub text: String,
    pub recorded_at: UnixSeconds,
    pub recorded_by_name: Option<String>,
}

/// A referral of the person with everything attached to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedReferral {
    pub id: ReferralId,
    pub offer_name: String,
    pub sender_structure: String,
    pub receiver_structure: String,
    pub state: ReferralState,
    /// The prescriber's message to the receiving structure.
    pub message: String,
    pub created_at: UnixSeconds,
    pub state_changed_at: UnixSeconds,
    pub sharing_consents: Vec<SharingConsentRecord>,
    pub events: Vec<ReferralHistoryLine>,
    pub appointments: Vec<StoredAppointment>,
    /// Individual sessions and the workshops the person attended; another structure's notes and
    /// the other people of a workshop are left out.
    pub sessions: Vec<PathwaySession>,
    pub closing: Option<StoredClosing>,
    pub messages: Vec<ThreadMessage>,
}

/// Everything held about a person, for their right of access and portability.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonExport {
    pub person: PersonRecord,
    pub consents: Vec<ConsentRecord>,
    pub diagnostics: Vec<StoredDiagnostic>,
    pub referrals: Vec<ExportedReferral>,
    /// The audit trail about the person and their referrals: who read or changed what, when.
    pub audit: Vec<AuditEntry>,
    /// The person's requests in the register.
    pub requests: Vec<RightsRequestRecord>,
}

/// Which entries of the register to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegisterFilter {
    #[default]
    All,
    /// Not answered yet.
    Open,
    Answered,
}

const REQUEST_COLUMNS: &str =
    "r.id, r.kind, r.person_ref, r.structure_id, s.name AS structure_name,
    r.received_on, r.recorded_at, r.handled_by, a.display_name AS handled_by_name, r.answered_at
    FROM rights_requests r JOIN structures s ON s.id = r.structure_id
    LEFT JOIN accounts a ON a.id = r.handled_by";

fn request_from(row: &AnyRow) -> Result<RightsRequestRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let received_on: String = row.try_get("received_on")?;
    let handled_by: Option<i64> = row.try_get("handled_by")?;
    Ok(RightsRequestRecord {
        id: row.try_get("id")?,
        kind: decode::<RightsRequestKind>(&kind, "demande d'exercice des droits")?,
        person_ref: row.try_get("person_ref")?,
        structure_id: StructureId::new(row.try_get("structure_id")?),
        structure_name: row.try_get("structure_name")?,
        received_on: parse_iso_date(&received_on)
            .ok_or_else(|| StoreError::Corrupt(format!("date de réception « {received_on} »")))?,
        recorded_at: row.try_get("recorded_at")?,
        handled_by: handled_by.map(AccountId::new),
        handled_by_name: row.try_get("handled_by_name")?,
        answered_at: row.try_get("answered_at")?,
    })
}

/// Writes a register entry about `person` for the actor's structure and account, inside the
/// caller's transaction (which checked the structure enrolled the person), recorded at `now`; answered
/// at once when the action that registers it also answers it (a correction, an erasure).
pub(crate) async fn insert_request(
    connection: &mut AnyConnection,
    actor: &Actor<'_>,
    (kind, person): (RightsRequestKind, PersonId),
    received_on: Date,
    (now, answered): (UnixSeconds, bool),
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO rights_requests (kind, person_ref, structure_id, received_on, recorded_at, handled_by,
             answered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(kind.code())
    .bind(person_reference(person.get()))
    .bind(actor.structure_id.get())
    .bind(iso_date(received_on))
    .bind(now)
    .bind(actor.account_id.get())
    .bind(answered.then_some(now))
    .fetch_one(&mut *connection)
    .await?;
    Ok(row.try_get("id")?)
}

/// Whether the actor's structure enrolled the person (who answers for their rights).
async fn enrolled_by_actor(
    connection: &mut AnyConnection,
    actor: &Actor<'_>,
    person: PersonId,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM people WHERE id = $1 AND structure_id = $2")
        .bind(person.get())
        .bind(actor.structure_id.get())
        .fetch_one(&mut *connection)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

impl Store {
    /// Registers a request of a person the actor's structure enrolled, received on `received_on`
    /// and not answered yet; `None`, and nothing written, for anyone else's person.
    pub async fn record_rights_request(
        &self,
        actor: &Actor<'_>,
        (kind, person): (RightsRequestKind, PersonId),
        received_on: Date,
        now: UnixSeconds,
    ) -> Result<Option<i64>, StoreError> {
        let mut transaction = self.begin_write().await?;
        if !enrolled_by_actor(&mut transaction, actor, person).await? {
            transaction.rollback().await?;
            return Ok(None);
        }
        let when = (now, false);
        let id = insert_request(&mut transaction, actor, (kind, person), received_on, when).await?;
        transaction.commit().await?;
        Ok(Some(id))
    }

    /// Marks a request of the actor's structure answered now, by the actor; `false` when it is not
    /// the structure's or already answered (nothing changes).
    pub async fn answer_rights_request(
        &self,
        actor: &Actor<'_>,
        request_id: i64,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE rights_requests SET answered_at = $1, handled_by = $2
             WHERE id = $3 AND structure_id = $4 AND answered_at IS NULL",
        )
        .bind(now)
        .bind(actor.account_id.get())
        .bind(request_id)
        .bind(actor.structure_id.get())
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() > 0)
    }

    /// The requests the actor's structure registered about a person, newest first.
    pub async fn rights_requests_of_person(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
    ) -> Result<Vec<RightsRequestRecord>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} WHERE r.person_ref = $1 AND r.structure_id = $2
             ORDER BY r.received_on DESC, r.id DESC"
        );
        let rows = sqlx::query(&sql)
            .bind(person_reference(person.get()))
            .bind(actor.structure_id.get())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(request_from).collect()
    }

    /// The register of every structure's requests, newest first (the administrator's page and CSV):
    /// it names no one, so reading it is not audited.
    pub async fn rights_register(
        &self,
        filter: RegisterFilter,
    ) -> Result<Vec<RightsRequestRecord>, StoreError> {
        let condition = match filter {
            RegisterFilter::All => "",
            RegisterFilter::Open => "WHERE r.answered_at IS NULL",
            RegisterFilter::Answered => "WHERE r.answered_at IS NOT NULL",
        };
        let sql =
            format!("SELECT {REQUEST_COLUMNS} {condition} ORDER BY r.received_on DESC, r.id DESC");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(request_from).collect()
    }

    /// Deletes the entries answered more than 12 months before `today` (`RECORD_LIFETIME_MONTHS`);
    /// returns how many.
    pub async fn purge_rights_requests(&self, today: Date) -> Result<u64, StoreError> {
        let first_kept = first_day_kept(today);
        let deleted = sqlx::query(
            "DELETE FROM rights_requests WHERE answered_at IS NOT NULL AND answered_at < $1",
        )
        .bind(midnight_of(first_kept))
        .execute(&self.pool)
        .await?;
        Ok(deleted.rows_affected())
    }

    /// Registers an erasure (asked by the person, or their consent withdrawn) and erases the person,
    /// in one transaction: the register entry, answered at once, names only the pseudonymous
    /// reference and so stands after the erasure. `false`, nothing written, when the actor's
    /// structure did not enrol the person.
    pub async fn erase_person_on_request(
        &self,
        actor: &Actor<'_>,
        (kind, person): (RightsRequestKind, PersonId),
        received_on: Date,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write().await?;
        if !enrolled_by_actor(&mut transaction, actor, person).await? {
            transaction.rollback().await?;
            return Ok(false);
        }
        insert_request(
            &mut transaction,
            actor,
            (kind, person),
            received_on,
            (now, true),
        )
        .await?;
        erase_person_in(&mut transaction, &self.audit_key, actor, person.get(), now).await?;
        transaction.commit().await?;
        self.checkpoint_after_erasure().await?;
        Ok(true)
    }

    /// Everything held about a person the actor's structure enrolled, read in one transaction that
    /// checks it first (`None` for anyone else's person, whether they exist or not) and audits the
    /// export as a read of the person's file.
    pub async fn person_export(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        now: UnixSeconds,
    ) -> Result<Option<PersonExport>, StoreError> {
        let person_id = person.get();
        let mut transaction = self.begin_write().await?;
        let sql = format!("SELECT {PERSON_COLUMNS} WHERE p.id = $1 AND p.structure_id = $2");
        let row = sqlx::query(&sql)
            .bind(person_id)
            .bind(actor.structure_id.get())
            .fetch_optional(&mut *transaction)
            .await?;
        let Some(row) = row else {
            transaction.rollback().await?;
            return Ok(None);
        };
        let record = person_from(&row)?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &person_event(actor, AuditAction::Read, person_id),
            now,
        )
        .await?;
        let consents = consents_in(&mut transaction, person_id).await?;
        let diagnostics = sqlx::query(
            "SELECT d.*, a.display_name AS made_by_name FROM diagnostics d
             LEFT JOIN accounts a ON a.id = d.made_by WHERE d.person_id = $1 ORDER BY d.made_at, d.id",
        )
        .bind(person_id)
        .fetch_all(&mut *transaction)
        .await?
        .iter()
        .map(diagnostic_from)
        .collect::<Result<Vec<_>, _>>()?;
        let referrals = referrals_in(&mut transaction, actor, person_id).await?;
        let mut records = vec![person_reference(person_id)];
        records.extend(
            referrals
                .iter()
                .map(|referral| format!("orientation-{}", referral.id)),
        );
        let audit = audit_in(&mut transaction, &records).await?;
        let requests = sqlx::query(&format!(
            "SELECT {REQUEST_COLUMNS} WHERE r.person_ref = $1 AND r.structure_id = $2
             ORDER BY r.received_on, r.id"
        ))
        .bind(person_reference(person_id))
        .bind(actor.structure_id.get())
        .fetch_all(&mut *transaction)
        .await?
        .iter()
        .map(request_from)
        .collect::<Result<Vec<_>, _>>()?;
        transaction.commit().await?;
        Ok(Some(PersonExport {
            person: record,
            consents,
            diagnostics,
            referrals,
            audit,
            requests,
        }))
    }
}

async fn consents_in(
    connection: &mut AnyConnection,
    person_id: i64,
) -> Result<Vec<ConsentRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.purpose, c.text_version, c.text, c.recorded_at, a.display_name AS recorded_by_name
         FROM consents c LEFT JOIN accounts a ON a.id = c.recorded_by WHERE c.person_id = $1 ORDER BY c.id",
    )
    .bind(person_id)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ConsentRecord {
                purpose: row.try_get("purpose")?,
                text_version: row.try_get("text_version")?,
                text: row.try_get("text")?,
                recorded_at: row.try_get("recorded_at")?,
                recorded_by_name: row.try_get("recorded_by_name")?,
            })
        })
        .collect()
}

/// The person's referrals (any structure sent or received: the person's own), oldest first, each
/// with its consents, history, appointments, sessions, outcome and thread.
async fn referrals_in(
    connection: &mut AnyConnection,
    actor: &Actor<'_>,
    person_id: i64,
) -> Result<Vec<ExportedReferral>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.id, o.name AS offer_name, ss.name AS sender_structure, rs.name AS receiver_structure,
             r.state, r.message, r.created_at, r.state_changed_at
         FROM referrals r JOIN offers o ON o.id = r.offer_id
         JOIN structures ss ON ss.id = r.sender_structure_id
         JOIN structures rs ON rs.id = r.receiver_structure_id
         WHERE r.person_id = $1 ORDER BY r.created_at, r.id",
    )
    .bind(person_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut referrals = Vec::new();
    for row in &rows {
        let id = ReferralId::new(row.try_get("id")?);
        let state: String = row.try_get("state")?;
        let mut referral = ExportedReferral {
            id,
            offer_name: row.try_get("offer_name")?,
            sender_structure: row.try_get("sender_structure")?,
            receiver_structure: row.try_get("receiver_structure")?,
            state: decode::<ReferralState>(&state, "état d'orientation")?,
            message: row.try_get("message")?,
            created_at: row.try_get("created_at")?,
            state_changed_at: row.try_get("state_changed_at")?,
            sharing_consents: Vec::new(),
            events: crate::referrals::history_in(connection, id).await?,
            appointments: Vec::new(),
            sessions: Vec::new(),
            closing: None,
            messages: Vec::new(),
        };
        referral.sharing_consents = sqlx::query(
            "SELECT s.name AS receiver_structure, c.data_scope, c.text_version, c.text, c.recorded_at,
                 a.display_name AS recorded_by_name
             FROM sharing_consents c JOIN structures s ON s.id = c.receiver_structure_id
             LEFT JOIN accounts a ON a.id = c.recorded_by WHERE c.referral_id = $1 ORDER BY c.id",
        )
        .bind(id.get())
        .fetch_all(&mut *connection)
        .await?
        .iter()
        .map(|row| {
            Ok(SharingConsentRecord {
                receiver_structure: row.try_get("receiver_structure")?,
                data_scope: row.try_get("data_scope")?,
                text_version: row.try_get("text_version")?,
                text: row.try_get("text")?,
                recorded_at: row.try_get("recorded_at")?,
                recorded_by_name: row.try_get("recorded_by_name")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        referral.appointments = sqlx::query(&format!(
            "SELECT {} WHERE ap.referral_id = $1 ORDER BY ap.starts_at, ap.id",
            crate::appointments::APPOINTMENT_COLUMNS
        ))
        .bind(id.get())
        .fetch_all(&mut *connection)
        .await?
        .iter()
        .map(crate::appointments::appointment_from)
        .collect::<Result<Vec<_>, _>>()?;
        let mut sessions = sqlx::query(&format!(
            "SELECT {} WHERE s.referral_id = $1
                 OR s.id IN (SELECT session_id FROM pathway_session_people WHERE referral_id = $1)
             ORDER BY s.held_on, s.id",
            crate::pathway::SESSION_COLUMNS
        ))
        .bind(id.get())
        .fetch_all(&mut *connection)
        .await?
        .iter()
        .map(crate::pathway::session_from)
        .collect::<Result<Vec<_>, _>>()?;
        for session in &mut sessions {
            if session.structure_id != actor.structure_id.get() {
                session.record.notes = None;
            }
        }
        referral.sessions = sessions;
        referral.closing = sqlx::query(&format!(
            "SELECT {} FROM referral_outcomes o LEFT JOIN accounts a ON a.id = o.closed_by
             WHERE o.referral_id = $1",
            crate::pathway::CLOSING_COLUMNS
        ))
        .bind(id.get())
        .fetch_optional(&mut *connection)
        .await?
        .as_ref()
        .map(crate::pathway::closing_from)
        .transpose()?;
        referral.messages = sqlx::query(
            "SELECT m.at, a.display_name AS author, s.name AS structure, m.structure_id, m.text
             FROM referral_messages m JOIN structures s ON s.id = m.structure_id
             LEFT JOIN accounts a ON a.id = m.account_id WHERE m.referral_id = $1 ORDER BY m.id",
        )
        .bind(id.get())
        .fetch_all(&mut *connection)
        .await?
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
        referrals.push(referral);
    }
    Ok(referrals)
}

/// The audit entries about these records, or lists naming one of them, oldest first (by time,
/// then by their place in the chain).
async fn audit_in(
    connection: &mut AnyConnection,
    records: &[String],
) -> Result<Vec<AuditEntry>, StoreError> {
    let first: Vec<String> = (1..=records.len()).map(|n| format!("${n}")).collect();
    let second: Vec<String> = (records.len() + 1..=2 * records.len())
        .map(|n| format!("${n}"))
        .collect();
    let sql = format!(
        "SELECT l.seq, l.at, l.actor_account_id, a.display_name AS actor_name, l.action, l.record_kind,
                l.record_id, l.reason, l.hash
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_account_id
         WHERE l.record_id IN ({}) OR l.seq IN (SELECT seq FROM audit_subjects WHERE record_id IN ({}))
         ORDER BY l.at, l.seq",
        first.join(", "),
        second.join(", ")
    );
    let mut query = sqlx::query(&sql).persistent(false);
    for _ in 0..2 {
        for record in records {
            query = query.bind(record.clone());
        }
    }
    let rows = query.fetch_all(&mut *connection).await?;
    rows.iter().map(entry_from).collect()
}
