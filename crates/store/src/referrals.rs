//! Referrals in storage: sending one (with the person's consent to share, in the same transaction),
//! the sender's and receiver's lists, one referral as either side sees it, and transitions applied
//! with optimistic versioning — of several people acting on the same version, exactly one wins.

use crate::audit::append_audit_in;
use crate::people::Actor;
use crate::AuditKey;
use crate::{decode, Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::diagnostic::Profile;
use aiguillage_domain::ids::{AccountId, OfferId, PersonId, ReferralId, StructureId};
use aiguillage_domain::orientation::{
    event_text, receiver_access_cutoff, transition, ClosingOutcome, ReferralEvent,
    ReferralEventKind, ReferralState, RefusalReason, Side, TransitionError,
};
use aiguillage_domain::person::{ConsentText, SHARED_DATA};
use aiguillage_domain::role::Role;
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A referral to send.
#[derive(Debug, Clone)]
pub struct NewReferral<'a> {
    pub person_id: PersonId,
    pub offer_id: OfferId,
    pub profile: &'a Profile,
    pub message: &'a str,
    pub consent: &'a ConsentText,
    /// Why the person is sent again while another referral of theirs is open (empty otherwise):
    /// kept as the sending event's comment in the referral's history.
    pub why_again: &'a str,
    /// The first appointment booked while sending, on a free slot of the receiving structure:
    /// (start, how it takes place). Re-checked in the transaction; taken meanwhile, nothing is
    /// written (`StoreError::Conflict(SLOT_TAKEN)`).
    pub appointment: Option<(
        UnixSeconds,
        aiguillage_domain::appointment::AppointmentChannel,
    )>,
}

/// A referral as lists and pages show it: only what the sharing consent covers. A receiving structure
/// the person has not agreed to share with (after a coordinator's redirection) gets initials, no
/// contact, no message and no profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralRecord {
    pub id: ReferralId,
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub commune_name: String,
    pub sender_structure_id: StructureId,
    pub sender_structure: String,
    pub sender_name: Option<String>,
    pub receiver_structure_id: StructureId,
    pub receiver_structure: String,
    pub offer_id: OfferId,
    pub offer_name: String,
    pub state: ReferralState,
    /// The prescriber's message; `None` when withheld from this viewer (no consent covers it).
    pub message: Option<String>,
    pub urgent: bool,
    pub created_at: UnixSeconds,
    pub state_changed_at: UnixSeconds,
    pub version: i64,
    /// The profile the referral carries; `None` when withheld from this viewer.
    pub profile: Option<Profile>,
    /// Whether the person agreed to share with the current receiving structure (not yet after a
    /// coordinator's redirection: the receiver then sees initials only, until the sender records it).
    pub shared_with_receiver: bool,
    /// The receiving structure's mediator the referral is given to, and their name.
    pub assigned_account_id: Option<AccountId>,
    pub assigned_name: Option<String>,
}

/// One dated, attributed transition, in French for the page: the event's text (« Refus : Plus de
/// place disponible ») and the states' labels, built from the codes stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralHistoryLine {
    pub at: UnixSeconds,
    pub who: Option<String>,
    pub event: String,
    pub from_state: String,
    pub to_state: String,
    pub comment: String,
}

/// What applying an event to a referral did ([`Store::apply_referral_event`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Written: the referral went from `from` to `to`.
    Done {
        from: ReferralState,
        to: ReferralState,
    },
    /// Someone else changed the referral first (or it no longer exists): nothing was written.
    StaleVersion,
    /// The state machine refuses the event from the current state or for this side (its French
    /// message says why): nothing was written.
    Refused(TransitionError),
}

impl Applied {
    /// Whether the transition was written.
    pub fn is_done(&self) -> bool {
        matches!(self, Applied::Done { .. })
    }
}

const REFERRAL_COLUMNS: &str = "r.id, r.person_id, p.first_name, p.last_name, p.phone, p.email,
    c.name AS commune_name, r.sender_structure_id, ss.name AS sender_structure, a.display_name AS sender_name,
    r.receiver_structure_id, rs.name AS receiver_structure, r.offer_id, o.name AS offer_name, r.state,
    r.message, r.urgent, r.created_at, r.state_changed_at, r.version, r.profile_json,
    r.assigned_account_id, asg.display_name AS assigned_name,
    (SELECT COUNT(*) FROM sharing_consents sc WHERE sc.referral_id = r.id
        AND sc.receiver_structure_id = r.receiver_structure_id) AS receiver_consents
    FROM referrals r JOIN people p ON p.id = r.person_id JOIN communes c ON c.code = p.commune_code
    JOIN structures ss ON ss.id = r.sender_structure_id JOIN structures rs ON rs.id = r.receiver_structure_id
    JOIN offers o ON o.id = r.offer_id LEFT JOIN accounts a ON a.id = r.sender_account_id
    LEFT JOIN accounts asg ON asg.id = r.assigned_account_id";

/// Reads a referral as `viewer_structure` may see it: a receiving structure the person has not
/// agreed to share with (after a coordinator's redirection) sees neither name nor contact, nor the
/// prescriber's message, nor the profile (support needs are sensitive).
fn referral_from(
    row: &AnyRow,
    viewer_structure: StructureId,
) -> Result<ReferralRecord, StoreError> {
    let mut referral = referral_row(row)?;
    let consents: i64 = row.try_get("receiver_consents")?;
    referral.shared_with_receiver = consents > 0;
    let receiving = viewer_structure == referral.receiver_structure_id
        && viewer_structure != referral.sender_structure_id;
    if receiving && !referral.shared_with_receiver {
        referral.first_name =
            aiguillage_domain::person::initials(&referral.first_name, &referral.last_name);
        referral.last_name = String::new();
        referral.phone = None;
        referral.email = None;
        referral.message = None;
        referral.profile = None;
    }
    Ok(referral)
}

/// The SQL condition "the structure `$structure` may see referral `r` at the cutoff `$cutoff`": it sent
/// it (the enrolling structure keeps its record), or it receives it and the referral has not ended
/// more than `domain::orientation::RECEIVER_ACCESS_AFTER_END_DAYS` ago (`$cutoff` is
/// `receiver_access_cutoff(now)`). `structure` and `cutoff` are parameter placeholders (`$2`).
pub(crate) fn visible_to(structure: &str, cutoff: &str) -> String {
    format!(
        "(r.sender_structure_id = {structure} OR (r.receiver_structure_id = {structure}
             AND (r.state NOT IN ({ended}) OR r.state_changed_at > {cutoff})))",
        ended = states_where(ReferralState::has_ended),
    )
}

/// The stored codes of the states for which `predicate` holds, as an SQL list (`'a', 'b'`): the
/// domain's predicate decides, the SQL repeats no list of its own.
pub(crate) fn states_where(predicate: fn(ReferralState) -> bool) -> String {
    ReferralState::all_where(predicate)
        .iter()
        .map(|state| format!("'{}'", state.code().replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQL condition "the structure `$structure` receives referral `r` and still may see it".
pub(crate) fn received_by(structure: &str, cutoff: &str) -> String {
    format!(
        "(r.receiver_structure_id = {structure}
             AND (r.state NOT IN ({ended}) OR r.state_changed_at > {cutoff}))",
        ended = states_where(ReferralState::has_ended),
    )
}

fn referral_row(row: &AnyRow) -> Result<ReferralRecord, StoreError> {
    let state: String = row.try_get("state")?;
    let profile: String = row.try_get("profile_json")?;
    let urgent: i64 = row.try_get("urgent")?;
    Ok(ReferralRecord {
        id: ReferralId::new(row.try_get("id")?),
        person_id: PersonId::new(row.try_get("person_id")?),
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        commune_name: row.try_get("commune_name")?,
        sender_structure_id: StructureId::new(row.try_get("sender_structure_id")?),
        sender_structure: row.try_get("sender_structure")?,
        sender_name: row.try_get("sender_name")?,
        receiver_structure_id: StructureId::new(row.try_get("receiver_structure_id")?),
        receiver_structure: row.try_get("receiver_structure")?,
        offer_id: OfferId::new(row.try_get("offer_id")?),
        offer_name: row.try_get("offer_name")?,
        state: decode(&state, "état d'orientation")?,
        message: Some(row.try_get("message")?),
        urgent: urgent != 0,
        created_at: row.try_get("created_at")?,
        state_changed_at: row.try_get("state_changed_at")?,
        version: row.try_get("version")?,
        profile: Some(
            serde_json::from_str(&profile).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        ),
        shared_with_receiver: false,
        assigned_account_id: row
            .try_get::<Option<i64>, _>("assigned_account_id")?
            .map(AccountId::new),
        assigned_name: row.try_get("assigned_name")?,
    })
}

fn referral_event(actor: &Actor, action: AuditAction, id: i64) -> AuditEvent {
    AuditEvent {
        actor_account_id: Some(actor.account_id.get()),
        action,
        record_kind: "referral".to_owned(),
        record_id: format!("orientation-{id}"),
        reason: actor.reason.to_owned(),
    }
}

/// The history of a referral, oldest first, read on `connection` (the caller checked the actor may
/// see the referral).
pub(crate) async fn history_in(
    connection: &mut sqlx::AnyConnection,
    id: ReferralId,
) -> Result<Vec<ReferralHistoryLine>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.at, a.display_name, e.event, e.refusal_reason, e.outcome, e.from_state, e.to_state, e.comment
         FROM referral_events e LEFT JOIN accounts a ON a.id = e.account_id
         WHERE e.referral_id = $1 ORDER BY e.id",
    )
    .bind(id.get())
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("event")?;
            let reason: Option<String> = row.try_get("refusal_reason")?;
            let outcome: Option<String> = row.try_get("outcome")?;
            let from: String = row.try_get("from_state")?;
            let to: String = row.try_get("to_state")?;
            Ok(ReferralHistoryLine {
                at: row.try_get("at")?,
                who: row.try_get("display_name")?,
                event: event_text(
                    decode::<ReferralEventKind>(&kind, "évènement d'orientation")?,
                    reason
                        .map(|code| decode::<RefusalReason>(&code, "motif de refus"))
                        .transpose()?,
                    outcome
                        .map(|code| decode::<ClosingOutcome>(&code, "issue"))
                        .transpose()?,
                ),
                from_state: decode::<ReferralState>(&from, "état")?.label().to_owned(),
                to_state: decode::<ReferralState>(&to, "état")?.label().to_owned(),
                comment: row.try_get("comment")?,
            })
        })
        .collect()
}

impl Store {
    /// Records that the actor read a referral shown outside its two structures (the coordinator's
    /// pseudonymised view of the queue), under the same record id as every other referral read.
    pub async fn record_referral_read(
        &self,
        actor: &Actor<'_>,
        id: i64,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        self.record_audit(&referral_event(actor, AuditAction::Read, id), now)
            .await?;
        Ok(())
    }
}

/// Records the person's consent to share the referral's data with the receiving structure, inside
/// the caller's transaction.
async fn insert_sharing_consent(
    connection: &mut sqlx::AnyConnection,
    (referral_id, person_id, receiver_structure_id): (i64, i64, i64),
    consent: &ConsentText,
    recorded_by: i64,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sharing_consents (referral_id, person_id, receiver_structure_id, data_scope, text_version, text,
             recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(referral_id)
    .bind(person_id)
    .bind(receiver_structure_id)
    .bind(SHARED_DATA)
    .bind(&consent.version)
    .bind(&consent.text)
    .bind(recorded_by)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(())
}

fn side_code(side: Side) -> &'static str {
    match side {
        Side::Sender => "sender",
        Side::Receiver => "receiver",
        Side::Coordinator => "coordinator",
    }
}

/// A referral's state and sender, for the coordinator's redistribution (no personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralStateRow {
    pub state: ReferralState,
    pub sender_structure_id: i64,
}

impl Store {
    /// The current state and sender of a referral, if it exists.
    pub async fn referral_state(&self, id: i64) -> Result<Option<ReferralStateRow>, StoreError> {
        let row = sqlx::query("SELECT state, sender_structure_id FROM referrals WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let state: String = row.try_get("state")?;
            Ok(ReferralStateRow {
                state: decode(&state, "état")?,
                sender_structure_id: row.try_get("sender_structure_id")?,
            })
        })
        .transpose()
    }

    /// The structure and name of an offer, if it exists.
    pub async fn offer_owner(
        &self,
        offer_id: OfferId,
    ) -> Result<Option<(StructureId, String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT o.structure_id, s.name AS structure_name, o.name FROM offers o JOIN structures s ON s.id = o.structure_id
             WHERE o.id = $1",
        )
        .bind(offer_id.get())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok((
                StructureId::new(row.try_get("structure_id")?),
                row.try_get("structure_name")?,
                row.try_get("name")?,
            ))
        })
        .transpose()
    }

    /// Open referrals per offer (sent, redirected, accepted, first contact, in pathway), for capacity.
    pub async fn open_referrals_by_offer(
        &self,
    ) -> Result<std::collections::HashMap<i64, u32>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT offer_id, COUNT(*) AS n FROM referrals WHERE state IN ({}) GROUP BY offer_id",
            states_where(ReferralState::holds_a_place)
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let n: i64 = row.try_get("n")?;
                Ok((
                    row.try_get("offer_id")?,
                    u32::try_from(n).unwrap_or(u32::MAX),
                ))
            })
            .collect()
    }

    /// Sends a referral of a person of the actor's structure: the referral (state « Envoyée »), its
    /// first event, the sharing consent and the audit entry, together or not at all. `None` when the
    /// person is not visible or the offer does not exist.
    pub async fn send_referral(
        &self,
        actor: &Actor<'_>,
        referral: &NewReferral<'_>,
        now: UnixSeconds,
    ) -> Result<Option<ReferralId>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let person =
            sqlx::query("SELECT COUNT(*) AS n FROM people WHERE id = $1 AND structure_id = $2")
                .bind(referral.person_id.get())
                .bind(actor.structure_id.get())
                .fetch_one(&mut *transaction)
                .await?;
        let offer = sqlx::query("SELECT structure_id FROM offers WHERE id = $1")
            .bind(referral.offer_id.get())
            .fetch_optional(&mut *transaction)
            .await?;
        let (true, Some(offer)) = (person.try_get::<i64, _>("n")? > 0, offer) else {
            return Ok(None);
        };
        let receiver: i64 = offer.try_get("structure_id")?;
        let profile = serde_json::to_string(referral.profile)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // A new referral is a draft the sender sends: the state machine says where that leads.
        let (draft, event) = (ReferralState::Draft, ReferralEvent::Send);
        let sent = transition(draft, &event, Side::Sender)
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        let row = sqlx::query(
            "INSERT INTO referrals (person_id, sender_structure_id, sender_account_id, offer_id, receiver_structure_id,
                 state, profile_json, message, urgent, created_at, state_changed_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1) RETURNING id",
        )
        .bind(referral.person_id.get())
        .bind(actor.structure_id.get())
        .bind(actor.account_id.get())
        .bind(referral.offer_id.get())
        .bind(receiver)
        .bind(sent.code())
        .bind(profile)
        .bind(referral.message)
        .bind(i64::from(referral.profile.urgency.is_some()))
        .bind(now)
        .fetch_one(&mut *transaction)
        .await?;
        let id: i64 = row.try_get("id")?;
        insert_sharing_consent(
            &mut transaction,
            (id, referral.person_id.get(), receiver),
            referral.consent,
            actor.account_id.get(),
            now,
        )
        .await?;
        sqlx::query(
            "INSERT INTO referral_events (referral_id, at, account_id, side, event, from_state, to_state, comment, offer_id)
             VALUES ($1, $2, $3, 'sender', $4, $5, $6, $7, NULL)",
        )
        .bind(id)
        .bind(now)
        .bind(actor.account_id.get())
        .bind(event.kind().code())
        .bind(draft.code())
        .bind(sent.code())
        .bind(referral.why_again)
        .execute(&mut *transaction)
        .await?;
        if let Some(appointment) = referral.appointment {
            crate::appointments::book_slot_in(
                &mut transaction,
                (id, receiver),
                appointment,
                (actor.account_id.get(), now),
            )
            .await?;
        }
        sqlx::query("UPDATE people SET last_contact_at = $1 WHERE id = $2")
            .bind(now)
            .bind(referral.person_id.get())
            .execute(&mut *transaction)
            .await?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &referral_event(actor, AuditAction::Create, id),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(ReferralId::new(id)))
    }

    /// The referrals sent by the actor's structure or received by it (`received`: only those not
    /// ended more than `RECEIVER_ACCESS_AFTER_END_DAYS` ago), newest change first. Each one listed is
    /// audited as a read (the list shows names).
    pub async fn referrals_of_structure(
        &self,
        actor: &Actor<'_>,
        received: bool,
        now: UnixSeconds,
    ) -> Result<Vec<ReferralRecord>, StoreError> {
        let condition = if received {
            received_by("$1", "$2")
        } else {
            "r.sender_structure_id = $1".to_owned()
        };
        let sql = format!("SELECT {REFERRAL_COLUMNS} WHERE {condition} ORDER BY r.state_changed_at DESC, r.id DESC LIMIT 200");
        let mut query = sqlx::query(&sql).bind(actor.structure_id.get());
        if received {
            query = query.bind(receiver_access_cutoff(now));
        }
        let rows = query.fetch_all(&self.pool).await?;
        self.listed_referrals(actor, &rows, now).await
    }

    /// One page of [`Store::referrals_of_structure`]: `limit` referrals after skipping `offset`, the
    /// newest change first, and how many there are in all. The page's referrals are audited as one
    /// list read.
    pub async fn referrals_of_structure_page(
        &self,
        actor: &Actor<'_>,
        received: bool,
        (limit, offset): (i64, i64),
        now: UnixSeconds,
    ) -> Result<(Vec<ReferralRecord>, i64), StoreError> {
        let condition = if received {
            received_by("$1", "$2")
        } else {
            "r.sender_structure_id = $1 AND $2 = $2".to_owned()
        };
        let sql = format!(
            "SELECT {REFERRAL_COLUMNS} WHERE {condition}
             ORDER BY r.state_changed_at DESC, r.id DESC LIMIT $3 OFFSET $4"
        );
        let count_sql = format!("SELECT COUNT(*) AS n FROM referrals r WHERE {condition}");
        let cutoff = receiver_access_cutoff(now);
        let rows = sqlx::query(&sql)
            .bind(actor.structure_id.get())
            .bind(cutoff)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query(&count_sql)
            .bind(actor.structure_id.get())
            .bind(cutoff)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok((self.listed_referrals(actor, &rows, now).await?, total))
    }

    /// Referral rows read as the actor may see them, each one audited as a read (a list shows names).
    async fn listed_referrals(
        &self,
        actor: &Actor<'_>,
        rows: &[AnyRow],
        now: UnixSeconds,
    ) -> Result<Vec<ReferralRecord>, StoreError> {
        let referrals = rows
            .iter()
            .map(|row| referral_from(row, actor.structure_id))
            .collect::<Result<Vec<_>, _>>()?;
        let events: Vec<AuditEvent> = referrals
            .iter()
            .map(|r| referral_event(actor, AuditAction::Read, r.id.get()))
            .collect();
        self.record_audits(&events, now).await?;
        Ok(referrals)
    }

    /// The referrals of a person, newest first: for the structure that enrolled them, every one it
    /// sent; for a structure that follows them, the ones it receives (and still may see); empty for
    /// anyone else. Each one listed is audited as a read.
    pub async fn referrals_of_person(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        now: UnixSeconds,
    ) -> Result<Vec<ReferralRecord>, StoreError> {
        let sql = format!(
            "SELECT {REFERRAL_COLUMNS} WHERE r.person_id = $1
               AND ((p.structure_id = $2 AND r.sender_structure_id = $2) OR {})
             ORDER BY r.created_at DESC, r.id DESC",
            received_by("$2", "$3")
        );
        let rows = sqlx::query(&sql)
            .bind(person.get())
            .bind(actor.structure_id.get())
            .bind(receiver_access_cutoff(now))
            .fetch_all(&self.pool)
            .await?;
        self.listed_referrals(actor, &rows, now).await
    }

    /// One referral, if the actor's structure sent it, or receives it and the referral has not ended
    /// more than `RECEIVER_ACCESS_AFTER_END_DAYS` ago, with the actor's side; audited.
    pub async fn referral(
        &self,
        actor: &Actor<'_>,
        referral_id: ReferralId,
        now: UnixSeconds,
    ) -> Result<Option<(ReferralRecord, Side)>, StoreError> {
        let id = referral_id.get();
        let sql = format!(
            "SELECT {REFERRAL_COLUMNS} WHERE r.id = $1 AND {}",
            visible_to("$2", "$3")
        );
        let Some(row) = sqlx::query(&sql)
            .bind(id)
            .bind(actor.structure_id.get())
            .bind(receiver_access_cutoff(now))
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let referral = referral_from(&row, actor.structure_id)?;
        let side = if referral.receiver_structure_id == actor.structure_id {
            Side::Receiver
        } else {
            Side::Sender
        };
        self.record_audit(&referral_event(actor, AuditAction::Read, id), now)
            .await?;
        Ok(Some((referral, side)))
    }

    /// The sending structure re-orients its referral (refused, or still waiting) to another offer:
    /// the `Redirect` step through the state machine with the version check, and the person's
    /// consent to share with the new offer's structure, in one transaction. Anyone but the sending
    /// structure finds nothing (`None`); otherwise nothing is written unless `Done`.
    pub async fn reorient_referral(
        &self,
        actor: &Actor<'_>,
        (referral_id, seen_version): (ReferralId, i64),
        offer: OfferId,
        consent: &ConsentText,
        now: UnixSeconds,
    ) -> Result<Option<Applied>, StoreError> {
        let id = referral_id.get();
        let mut transaction = self.begin_write().await?;
        let sender = sqlx::query(
            "SELECT person_id FROM referrals WHERE id = $1 AND sender_structure_id = $2",
        )
        .bind(id)
        .bind(actor.structure_id.get())
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(sender) = sender else {
            return Ok(None);
        };
        let person: i64 = sender.try_get("person_id")?;
        let receiver = sqlx::query("SELECT structure_id FROM offers WHERE id = $1")
            .bind(offer.get())
            .fetch_optional(&mut *transaction)
            .await?;
        let Some(receiver) = receiver else {
            return Err(StoreError::NotFound(format!("offre {}", offer.get())));
        };
        let receiver: i64 = receiver.try_get("structure_id")?;
        let event = ReferralEvent::Redirect {
            offer_id: offer.get(),
        };
        let applied = apply_referral_event_in(
            &mut transaction,
            &self.audit_key,
            actor,
            (id, seen_version),
            (Side::Sender, &event),
            "",
            now,
        )
        .await?;
        if !applied.is_done() {
            transaction.rollback().await?;
            return Ok(Some(applied));
        }
        insert_sharing_consent(
            &mut transaction,
            (id, person, receiver),
            consent,
            actor.account_id.get(),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(applied))
    }

    /// The structure manager gives a referral its structure receives to one of the structure's active
    /// mediators (`None`: back to the whole structure). `false`, and nothing written, when the
    /// referral is not received by the actor's structure (or has ended for it) or the account is not
    /// one of its active mediators. Audited.
    pub async fn assign_referral(
        &self,
        actor: &Actor<'_>,
        referral_id: ReferralId,
        mediator: Option<AccountId>,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let id = referral_id.get();
        let mut transaction = self.begin_write().await?;
        let sql = format!(
            "SELECT COUNT(*) AS n FROM referrals r WHERE r.id = $1 AND {}",
            received_by("$2", "$3")
        );
        let received = sqlx::query(&sql)
            .bind(id)
            .bind(actor.structure_id.get())
            .bind(receiver_access_cutoff(now))
            .fetch_one(&mut *transaction)
            .await?;
        if received.try_get::<i64, _>("n")? == 0 {
            return Ok(false);
        }
        if let Some(account) = mediator {
            let member = sqlx::query(
                "SELECT COUNT(*) AS n FROM memberships m JOIN accounts a ON a.id = m.account_id
                 WHERE m.account_id = $1 AND m.structure_id = $2 AND m.role = $3 AND a.deactivated_at IS NULL",
            )
            .bind(account.get())
            .bind(actor.structure_id.get())
            .bind(Role::Mediator.code())
            .fetch_one(&mut *transaction)
            .await?;
            if member.try_get::<i64, _>("n")? == 0 {
                return Ok(false);
            }
        }
        sqlx::query("UPDATE referrals SET assigned_account_id = $1 WHERE id = $2")
            .bind(mediator.map(AccountId::get))
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &referral_event(actor, AuditAction::Update, id),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Records the person's consent to share with the referral's current receiving structure (after
    /// a coordinator's redirection), if the actor's structure sent it; `false` otherwise.
    pub async fn record_sharing_consent(
        &self,
        actor: &Actor<'_>,
        referral_id: ReferralId,
        consent: &ConsentText,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let id = referral_id.get();
        let mut transaction = self.begin_write().await?;
        let Some(row) = sqlx::query(
            "SELECT person_id, receiver_structure_id FROM referrals WHERE id = $1 AND sender_structure_id = $2",
        )
        .bind(id)
        .bind(actor.structure_id.get())
        .fetch_optional(&mut *transaction)
        .await?
        else {
            return Ok(false);
        };
        let person: i64 = row.try_get("person_id")?;
        let receiver: i64 = row.try_get("receiver_structure_id")?;
        insert_sharing_consent(
            &mut transaction,
            (id, person, receiver),
            consent,
            actor.account_id.get(),
            now,
        )
        .await?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &referral_event(actor, AuditAction::Update, id),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// The history of a referral, oldest first.
    pub async fn referral_history(
        &self,
        id: ReferralId,
    ) -> Result<Vec<ReferralHistoryLine>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        history_in(&mut connection, id).await
    }

    /// Applies `event`, caused by `side`, to a referral the caller may act on, if it is still at
    /// `expected_version`: in one transaction, its current state is read, the domain's state machine
    /// (`orientation::transition`) decides the new one, and the state (checked against the
    /// version), the event and the audit entry are written together — or nothing, when the state
    /// machine refuses the event from the current state or for this side, or when someone else
    /// changed the referral first.
    pub async fn apply_referral_event(
        &self,
        actor: &Actor<'_>,
        (id, expected_version): (ReferralId, i64),
        (side, event): (Side, &ReferralEvent),
        comment: &str,
        now: UnixSeconds,
    ) -> Result<Applied, StoreError> {
        let mut transaction = self.begin_write().await?;
        let applied = apply_referral_event_in(
            &mut transaction,
            &self.audit_key,
            actor,
            (id.get(), expected_version),
            (side, event),
            comment,
            now,
        )
        .await?;
        if applied.is_done() {
            transaction.commit().await?;
        } else {
            transaction.rollback().await?;
        }
        Ok(applied)
    }
}

/// Applies an event inside the caller's transaction (see [`Store::apply_referral_event`]): unless
/// `Done`, nothing was written, and the caller should roll back whatever it wrote before.
///
/// The referral's row is written first (a write that changes nothing): on SQLite the transaction
/// then holds the write lock before reading the state, so that a concurrent change makes it wait
/// (busy timeout) rather than fail on a stale snapshot; on PostgreSQL it waits for the row, and
/// then reads the state the other transaction left. The state machine decides on that current
/// state first (as the pages always did: « Impossible depuis l'état … »), then the version.
pub(crate) async fn apply_referral_event_in(
    connection: &mut sqlx::AnyConnection,
    key: &AuditKey,
    actor: &Actor<'_>,
    (id, expected_version): (i64, i64),
    (side, event): (Side, &ReferralEvent),
    comment: &str,
    now: UnixSeconds,
) -> Result<Applied, StoreError> {
    sqlx::query("UPDATE referrals SET version = version WHERE id = $1")
        .bind(id)
        .execute(&mut *connection)
        .await?;
    let Some(row) = sqlx::query("SELECT state, version FROM referrals WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(Applied::StaleVersion);
    };
    let state: String = row.try_get("state")?;
    let from: ReferralState = decode(&state, "état")?;
    let to = match transition(from, event, side) {
        Ok(to) => to,
        Err(error) => return Ok(Applied::Refused(error)),
    };
    if row.try_get::<i64, _>("version")? != expected_version {
        return Ok(Applied::StaleVersion);
    }
    let new_offer = match event {
        ReferralEvent::Redirect { offer_id } | ReferralEvent::UndoRedirect { offer_id, .. } => {
            Some(*offer_id)
        }
        _ => None,
    };
    let updated = match new_offer {
        Some(offer_id) => {
            sqlx::query(
                "UPDATE referrals SET state = $1, state_changed_at = $2, version = version + 1, offer_id = $3,
                     receiver_structure_id = (SELECT structure_id FROM offers WHERE id = $3)
                 WHERE id = $4 AND version = $5 AND state = $6",
            )
            .bind(to.code())
            .bind(now)
            .bind(offer_id)
            .bind(id)
            .bind(expected_version)
            .bind(from.code())
            .execute(&mut *connection)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE referrals SET state = $1, state_changed_at = $2, version = version + 1
                 WHERE id = $3 AND version = $4 AND state = $5",
            )
            .bind(to.code())
            .bind(now)
            .bind(id)
            .bind(expected_version)
            .bind(from.code())
            .execute(&mut *connection)
            .await?
        }
    };
    if updated.rows_affected() == 0 {
        return Ok(Applied::StaleVersion);
    }
    sqlx::query(
        "INSERT INTO referral_events (referral_id, at, account_id, side, event, refusal_reason, outcome, from_state,
             to_state, comment, offer_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(now)
    .bind(actor.account_id.get())
    .bind(side_code(side))
    .bind(event.kind().code())
    .bind(event.refusal_reason().map(RefusalReason::code))
    .bind(event.outcome().map(ClosingOutcome::code))
    .bind(from.code())
    .bind(to.code())
    .bind(comment)
    .bind(new_offer)
    .execute(&mut *connection)
    .await?;
    sqlx::query("UPDATE people SET last_contact_at = $1 WHERE id = (SELECT person_id FROM referrals WHERE id = $2)")
        .bind(now)
        .bind(id)
        .execute(&mut *connection)
        .await?;
    append_audit_in(
        connection,
        key,
        &referral_event(actor, AuditAction::Update, id),
        now,
    )
    .await?;
    Ok(Applied::Done { from, to })
}

/// A referral that may need a reminder: still waiting, not yet reminded in its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderCandidate {
    pub id: ReferralId,
    pub version: i64,
    pub state: ReferralState,
    pub state_changed_at: UnixSeconds,
    pub receiver_structure_id: StructureId,
    pub commune_code: String,
    pub departement_code: String,
    pub epci_code: Option<String>,
}

impl Store {
    /// Referrals waiting for an answer or a first contact ([`ReferralState::awaits_receiver`]), not
    /// reminded since their last change.
    pub async fn reminder_candidates(&self) -> Result<Vec<ReminderCandidate>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT r.id, r.version, r.state, r.state_changed_at, r.receiver_structure_id, p.commune_code,
                 c.departement_code, c.epci_code
             FROM referrals r JOIN people p ON p.id = r.person_id JOIN communes c ON c.code = p.commune_code
             WHERE r.state IN ({}) AND (r.reminded_version IS NULL OR r.reminded_version <> r.version)
             ORDER BY r.id",
            states_where(ReferralState::awaits_receiver)
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                Ok(ReminderCandidate {
                    id: ReferralId::new(row.try_get("id")?),
                    version: row.try_get("version")?,
                    state: decode(&state, "état")?,
                    state_changed_at: row.try_get("state_changed_at")?,
                    receiver_structure_id: StructureId::new(row.try_get("receiver_structure_id")?),
                    commune_code: row.try_get("commune_code")?,
                    departement_code: row.try_get("departement_code")?,
                    epci_code: row.try_get("epci_code")?,
                })
            })
            .collect()
    }

    /// Records that the referral was reminded at this version.
    pub async fn mark_reminded(&self, id: ReferralId, version: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE referrals SET reminded_version = $1 WHERE id = $2")
            .bind(version)
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
