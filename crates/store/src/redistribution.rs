//! Applying a coordinator's confirmed redistribution: every move is checked again, inside the one
//! transaction that writes them, against the records it touches — the referral must be in the
//! coordinator's own queue (its person lives in the territory, it is not closed) at the version the
//! proposal showed, in a state the coordinator may redirect from; the offer must exist, be in the
//! directory of the territory, and pass every hard filter of the ranking for that person, room
//! included (counting the moves of the same confirmation). One refused move refuses the whole
//! confirmation: nothing is written, and each refusal says why in French.
//!
//! Each confirmation is kept as a batch (`redistribution_batches`, `redistribution_moves`): its
//! coordinator, or another of the same territory, may undo it. Undoing returns each referral to the
//! offer and state it left (since when it was in it), as an `UndoRedirect` step, when nobody acted on it since (its version is
//! still the one the move gave it); the others are kept and said.

use crate::audit_key::AuditKey;
use crate::directory::place_in;
use crate::notifications::notify_in;
use crate::people::Actor;
use crate::referrals::{apply_referral_event_in, Applied};
use crate::{decode, Store, StoreError};
use aiguillage_domain::diagnostic::Profile;
use aiguillage_domain::geo::Position;
use aiguillage_domain::ids::{ReferralId, StructureId};
use aiguillage_domain::orientation::{
    admits, transition, CandidateOffer, ReferralEvent, ReferralState, Seeker, Side,
};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeSet;

/// One confirmed move: the referral at the version the proposal showed, to a new offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmedMove {
    pub referral_id: i64,
    pub version: i64,
    pub offer_id: i64,
}

/// Why a confirmed move cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefusal {
    /// No such referral in the coordinator's queue (absent, closed, or another territory's: the
    /// coordinator cannot tell these apart).
    NotInQueue,
    /// The referral is in a state the coordinator may not redirect from.
    StateNotAllowed(ReferralState),
    /// The move would leave the referral where it is.
    SameOffer,
    /// No offer of the directory has this id.
    UnknownOffer,
    /// The offer's place is outside the coordinator's territory.
    OfferOutsideTerritory,
    /// The offer fails a hard filter of the ranking (the reason, in French).
    HardFilter(String),
}

impl MoveRefusal {
    /// The French sentence shown to the coordinator for the move of `referral_id`.
    pub fn message(&self, referral_id: i64) -> String {
        let what = format!("Orientation n° {referral_id}");
        match self {
            MoveRefusal::NotInQueue => {
                format!("{what} : elle n'est pas dans la file active de votre territoire.")
            }
            MoveRefusal::StateNotAllowed(state) => format!(
                "{what} : son état « {} » ne permet pas de la réorienter.",
                state.label()
            ),
            MoveRefusal::SameOffer => format!("{what} : elle est déjà sur cette offre."),
            MoveRefusal::UnknownOffer => {
                format!("{what} : l'offre proposée n'existe pas dans l'annuaire.")
            }
            MoveRefusal::OfferOutsideTerritory => {
                format!("{what} : l'offre proposée n'est pas dans votre territoire.")
            }
            MoveRefusal::HardFilter(reason) => {
                format!("{what} : l'offre proposée ne convient plus à la personne. {reason}")
            }
        }
    }
}

/// A move applied: who must be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedMove {
    pub referral_id: ReferralId,
    pub receiver_structure_id: StructureId,
    pub sender_structure_id: StructureId,
}

/// What the move of a referral left, kept to undo it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LeftBehind {
    referral_id: i64,
    offer_id: i64,
    state: ReferralState,
    /// Since when it was in that state (unknown for moves kept before migration 0030).
    state_changed_at: Option<UnixSeconds>,
    to_offer_id: i64,
    version_after: i64,
}

/// A confirmed redistribution of the territory, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedistributionBatch {
    pub id: i64,
    pub applied_at: UnixSeconds,
    pub author: String,
    pub moves: i64,
    /// When it was undone (what could be).
    pub undone_at: Option<UnixSeconds>,
    pub undone_moves: i64,
}

/// What undoing a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoOutcome {
    /// No batch of the territory has this id, or it was already undone.
    NotFound,
    Undone {
        /// Each referral back where it was: who must be told.
        returned: Vec<ReturnedMove>,
        /// The referrals someone acted on since the move (answered, contacted, moved again,
        /// closed): left as they are.
        kept: Vec<ReferralId>,
    },
}

/// A referral returned to the offer it left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnedMove {
    pub referral_id: ReferralId,
    /// The structure that had received it through the redistribution.
    pub withdrawn_from: StructureId,
    /// The structure it returns to, and whether that structure still has it (it had not refused).
    pub returned_to: StructureId,
    pub returns_to_receiver: bool,
    pub sender_structure_id: StructureId,
}

/// What a confirmation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedistributionOutcome {
    /// Every valid move written, kept as batch `batch` (`None` when nothing moved); `stale`
    /// referrals had changed since the proposal and were left.
    Applied {
        moved: Vec<AppliedMove>,
        stale: usize,
        batch: Option<i64>,
    },
    /// At least one move was refused: nothing was written.
    Refused(Vec<(i64, MoveRefusal)>),
}

/// The referral as the checks need it.
struct ReferralInQueue {
    state: ReferralState,
    state_changed_at: UnixSeconds,
    version: i64,
    offer_id: i64,
    sender_structure_id: i64,
    profile: Profile,
    birth_year: Option<i32>,
    position: Option<Position>,
}

impl Store {
    /// Applies a coordinator's confirmed moves in one transaction, each checked again against the
    /// coordinator's `scope` (see the module comment); `year` is the current year, for ages. The
    /// in-app notices of every move — `notices.0` to the structure that now receives the referral,
    /// `notices.1` to its sender — are written in the same transaction: a crash leaves either the
    /// moves with all their notices, or neither.
    pub async fn apply_redistribution(
        &self,
        actor: &Actor<'_>,
        scope: &TerritoryScope,
        moves: &[ConfirmedMove],
        notices: (&str, &str),
        (now, year): (UnixSeconds, i32),
    ) -> Result<RedistributionOutcome, StoreError> {
        let mut transaction = self.begin_write().await?;
        let mut refusals = Vec::new();
        if !lock_offers(&mut transaction, moves).await? {
            // Some offer does not exist: say which moves name it, write nothing.
            for one in moves {
                if !offer_exists(&mut transaction, one.offer_id).await? {
                    refusals.push((one.referral_id, MoveRefusal::UnknownOffer));
                }
            }
        }
        let mut moved = Vec::new();
        let mut left = Vec::new();
        let mut stale = 0;
        for one in moves {
            if refusals.iter().any(|(id, _)| *id == one.referral_id) {
                continue;
            }
            match check_and_apply(
                &mut transaction,
                &self.audit_key,
                actor,
                scope,
                one,
                (now, year),
            )
            .await?
            {
                Ok(Some((applied, behind))) => {
                    moved.push(applied);
                    left.push(behind);
                }
                Ok(None) => stale += 1,
                Err(refusal) => refusals.push((one.referral_id, refusal)),
            }
        }
        if refusals.is_empty() {
            let batch = match left.is_empty() {
                true => None,
                false => Some(record_batch(&mut transaction, actor, scope, &left, now).await?),
            };
            let (to_receiver, to_sender) = notices;
            for one in &moved {
                let link = format!("/orientations/{}", one.referral_id);
                let receiver = Some(one.receiver_structure_id.get());
                notify_in(&mut transaction, (None, receiver), to_receiver, &link, now).await?;
                let sender = Some(one.sender_structure_id.get());
                notify_in(&mut transaction, (None, sender), to_sender, &link, now).await?;
            }
            transaction.commit().await?;
            Ok(RedistributionOutcome::Applied {
                moved,
                stale,
                batch,
            })
        } else {
            transaction.rollback().await?;
            Ok(RedistributionOutcome::Refused(refusals))
        }
    }
}

/// Takes the write lock on every target offer, in id order (so two confirmations never wait on each
/// other crosswise): on PostgreSQL a row lock that makes the room check exact, on SQLite the
/// database's write lock, taken before the first read. False when an offer does not exist.
async fn lock_offers(
    connection: &mut AnyConnection,
    moves: &[ConfirmedMove],
) -> Result<bool, StoreError> {
    let offers: BTreeSet<i64> = moves.iter().map(|m| m.offer_id).collect();
    let mut all_exist = true;
    for offer_id in offers {
        let locked = sqlx::query("UPDATE offers SET updated_at = updated_at WHERE id = $1")
            .bind(offer_id)
            .execute(&mut *connection)
            .await?;
        all_exist &= locked.rows_affected() == 1;
    }
    Ok(all_exist)
}

async fn offer_exists(connection: &mut AnyConnection, offer_id: i64) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM offers WHERE id = $1")
        .bind(offer_id)
        .fetch_one(&mut *connection)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Checks one move and applies it: `Ok(None)` when the referral changed since the proposal.
async fn check_and_apply(
    connection: &mut AnyConnection,
    key: &AuditKey,
    actor: &Actor<'_>,
    scope: &TerritoryScope,
    one: &ConfirmedMove,
    (now, year): (UnixSeconds, i32),
) -> Result<Result<Option<(AppliedMove, LeftBehind)>, MoveRefusal>, StoreError> {
    let Some(referral) = referral_in_queue(connection, scope, one.referral_id).await? else {
        return Ok(Err(MoveRefusal::NotInQueue));
    };
    if referral.version != one.version {
        return Ok(Ok(None));
    }
    let event = ReferralEvent::Redirect {
        offer_id: one.offer_id,
    };
    // The state is checked before the offer, so that the refusal names it (the store applies the
    // state machine again when writing).
    if transition(referral.state, &event, Side::Coordinator).is_err() {
        return Ok(Err(MoveRefusal::StateNotAllowed(referral.state)));
    }
    if referral.offer_id == one.offer_id {
        return Ok(Err(MoveRefusal::SameOffer));
    }
    let receiver = match offer_fits(connection, scope, &referral, one.offer_id, year).await? {
        Ok(receiver) => receiver,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let applied = apply_referral_event_in(
        connection,
        key,
        actor,
        (one.referral_id, one.version),
        (Side::Coordinator, &event),
        "Redistribution optimale de la file active",
        now,
    )
    .await?;
    Ok(match applied {
        Applied::Done { .. } => Ok(Some((
            AppliedMove {
                referral_id: ReferralId::new(one.referral_id),
                receiver_structure_id: StructureId::new(receiver),
                sender_structure_id: StructureId::new(referral.sender_structure_id),
            },
            LeftBehind {
                referral_id: one.referral_id,
                offer_id: referral.offer_id,
                state: referral.state,
                state_changed_at: Some(referral.state_changed_at),
                to_offer_id: one.offer_id,
                version_after: one.version + 1,
            },
        ))),
        Applied::StaleVersion => Ok(None),
        Applied::Refused(_) => Err(MoveRefusal::StateNotAllowed(referral.state)),
    })
}

/// The referral if it is in the territory's queue: its person lives in the scope and it is open.
async fn referral_in_queue(
    connection: &mut AnyConnection,
    scope: &TerritoryScope,
    referral_id: i64,
) -> Result<Option<ReferralInQueue>, StoreError> {
    let row = sqlx::query(
        "SELECT r.state, r.state_changed_at, r.version, r.offer_id, r.sender_structure_id, r.profile_json, p.birth_year,
                c.departement_code, c.epci_code, c.latitude, c.longitude
         FROM referrals r JOIN people p ON p.id = r.person_id JOIN communes c ON c.code = p.commune_code
         WHERE r.id = $1",
    )
    .bind(referral_id)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let departement: String = row.try_get("departement_code")?;
    let epci: Option<String> = row.try_get("epci_code")?;
    let state: String = row.try_get("state")?;
    let state: ReferralState = decode(&state, "état")?;
    if !in_scope(scope, &departement, epci.as_deref()) || state == ReferralState::Closed {
        return Ok(None);
    }
    let profile: String = row.try_get("profile_json")?;
    let (latitude, longitude): (Option<f64>, Option<f64>) =
        (row.try_get("latitude")?, row.try_get("longitude")?);
    Ok(Some(ReferralInQueue {
        state,
        state_changed_at: row.try_get("state_changed_at")?,
        version: row.try_get("version")?,
        offer_id: row.try_get("offer_id")?,
        sender_structure_id: row.try_get("sender_structure_id")?,
        profile: serde_json::from_str(&profile).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        birth_year: row
            .try_get::<Option<i64>, _>("birth_year")?
            .and_then(|y| i32::try_from(y).ok()),
        position: latitude
            .zip(longitude)
            .map(|(latitude, longitude)| Position {
                latitude,
                longitude,
            }),
    }))
}

fn in_scope(scope: &TerritoryScope, departement: &str, epci: Option<&str>) -> bool {
    match scope {
        TerritoryScope::Departement(code) => departement == code,
        TerritoryScope::Epci(code) => epci == Some(code.as_str()),
    }
}

/// The offer's structure when the offer is a place of the territory that passes every hard filter
/// for this person, with the referrals open on it now (this transaction's moves included).
async fn offer_fits(
    connection: &mut AnyConnection,
    scope: &TerritoryScope,
    referral: &ReferralInQueue,
    offer_id: i64,
    year: i32,
) -> Result<Result<i64, MoveRefusal>, StoreError> {
    let row = sqlx::query("SELECT structure_id FROM offers WHERE id = $1")
        .bind(offer_id)
        .fetch_optional(&mut *connection)
        .await?;
    let Some(row) = row else {
        return Ok(Err(MoveRefusal::UnknownOffer));
    };
    let structure_id: i64 = row.try_get("structure_id")?;
    let Some(place) = place_in(connection, structure_id).await? else {
        return Ok(Err(MoveRefusal::UnknownOffer));
    };
    if !in_scope(scope, &place.departement_code, place.epci_code.as_deref()) {
        return Ok(Err(MoveRefusal::OfferOutsideTerritory));
    }
    let Some(index) = place.offer_ids.iter().position(|id| *id == offer_id) else {
        return Ok(Err(MoveRefusal::UnknownOffer));
    };
    let open = open_referrals_on(connection, offer_id).await?;
    let Some(position) = referral.position else {
        return Ok(Err(MoveRefusal::HardFilter(
            "La commune de la personne n'a pas de position connue.".to_owned(),
        )));
    };
    let seeker = Seeker {
        profile: &referral.profile,
        position,
        age: referral.birth_year.map(|born| year - born),
        availability: &[],
        travel_modes: &[],
    };
    let candidate = CandidateOffer {
        offer_id,
        place: &place.place,
        offer: &place.offers[index],
        position: place
            .latitude
            .zip(place.longitude)
            .map(|(latitude, longitude)| Position {
                latitude,
                longitude,
            }),
        open_referrals: open,
    };
    Ok(admits(&seeker, &candidate)
        .map(|()| structure_id)
        .map_err(|exclusion| MoveRefusal::HardFilter(exclusion.to_string())))
}

/// Referrals holding a place on an offer (every state but draft, refused and closed).
async fn open_referrals_on(
    connection: &mut AnyConnection,
    offer_id: i64,
) -> Result<u32, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM referrals WHERE offer_id = $1 AND state IN ({})",
        crate::referrals::states_where(ReferralState::holds_a_place)
    ))
    .bind(offer_id)
    .fetch_one(&mut *connection)
    .await?;
    Ok(u32::try_from(row.try_get::<i64, _>("n")?).unwrap_or(u32::MAX))
}

/// Keeps a confirmation's moves as one batch of the territory; returns its id.
async fn record_batch(
    connection: &mut AnyConnection,
    actor: &Actor<'_>,
    scope: &TerritoryScope,
    left: &[LeftBehind],
    now: UnixSeconds,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO redistribution_batches (territory_kind, territory_code, account_id, applied_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(scope.kind_code())
    .bind(scope.code())
    .bind(actor.account_id.get())
    .bind(now)
    .fetch_one(&mut *connection)
    .await?;
    let batch: i64 = row.try_get("id")?;
    for one in left {
        sqlx::query(
            "INSERT INTO redistribution_moves (batch_id, referral_id, from_offer_id, from_state, to_offer_id,
                 version_after, from_state_changed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(batch)
        .bind(one.referral_id)
        .bind(one.offer_id)
        .bind(one.state.code())
        .bind(one.to_offer_id)
        .bind(one.version_after)
        .bind(one.state_changed_at)
        .execute(&mut *connection)
        .await?;
    }
    Ok(batch)
}

impl Store {
    /// The territory's confirmed redistributions, newest first, at most `limit`.
    pub async fn redistribution_batches(
        &self,
        scope: &TerritoryScope,
        limit: i64,
    ) -> Result<Vec<RedistributionBatch>, StoreError> {
        let rows = sqlx::query(
            "SELECT b.id, b.applied_at, b.undone_at, a.display_name,
                 (SELECT COUNT(*) FROM redistribution_moves m WHERE m.batch_id = b.id) AS moves,
                 (SELECT COUNT(*) FROM redistribution_moves m WHERE m.batch_id = b.id AND m.undone = 1) AS undone_moves
             FROM redistribution_batches b JOIN accounts a ON a.id = b.account_id
             WHERE b.territory_kind = $1 AND b.territory_code = $2
             ORDER BY b.applied_at DESC, b.id DESC LIMIT $3",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RedistributionBatch {
                    id: row.try_get("id")?,
                    applied_at: row.try_get("applied_at")?,
                    author: row.try_get("display_name")?,
                    moves: row.try_get("moves")?,
                    undone_at: row.try_get("undone_at")?,
                    undone_moves: row.try_get("undone_moves")?,
                })
            })
            .collect()
    }

    /// Undoes a batch of the coordinator's territory, in one transaction: each referral nobody acted
    /// on since its move returns to the offer and state it left (an `UndoRedirect` step by the
    /// coordinator, audited); the others stay. A batch of another territory, or already undone, is
    /// `NotFound`.
    pub async fn undo_redistribution(
        &self,
        actor: &Actor<'_>,
        scope: &TerritoryScope,
        batch: i64,
        now: UnixSeconds,
    ) -> Result<UndoOutcome, StoreError> {
        let mut transaction = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE redistribution_batches SET undone_at = $1, undone_by = $2
             WHERE id = $3 AND territory_kind = $4 AND territory_code = $5 AND undone_at IS NULL",
        )
        .bind(now)
        .bind(actor.account_id.get())
        .bind(batch)
        .bind(scope.kind_code())
        .bind(scope.code())
        .execute(&mut *transaction)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(UndoOutcome::NotFound);
        }
        let mut returned = Vec::new();
        let mut kept = Vec::new();
        for one in batch_moves(&mut transaction, batch).await? {
            match undo_move(&mut transaction, &self.audit_key, actor, &one, now).await? {
                Some(back) => {
                    sqlx::query(
                        "UPDATE redistribution_moves SET undone = 1 WHERE batch_id = $1 AND referral_id = $2",
                    )
                    .bind(batch)
                    .bind(one.referral_id)
                    .execute(&mut *transaction)
                    .await?;
                    returned.push(back);
                }
                None => kept.push(ReferralId::new(one.referral_id)),
            }
        }
        transaction.commit().await?;
        Ok(UndoOutcome::Undone { returned, kept })
    }
}

async fn batch_moves(
    connection: &mut AnyConnection,
    batch: i64,
) -> Result<Vec<LeftBehind>, StoreError> {
    let rows = sqlx::query(
        "SELECT referral_id, from_offer_id, from_state, to_offer_id, version_after, from_state_changed_at
         FROM redistribution_moves WHERE batch_id = $1 ORDER BY referral_id",
    )
    .bind(batch)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("from_state")?;
            Ok(LeftBehind {
                referral_id: row.try_get("referral_id")?,
                offer_id: row.try_get("from_offer_id")?,
                state: decode(&state, "état")?,
                state_changed_at: row.try_get("from_state_changed_at")?,
                to_offer_id: row.try_get("to_offer_id")?,
                version_after: row.try_get("version_after")?,
            })
        })
        .collect()
}

/// Returns one referral to where it was, if nobody acted on it since its move (same version, still
/// redirected): `None` otherwise.
async fn undo_move(
    connection: &mut AnyConnection,
    key: &AuditKey,
    actor: &Actor<'_>,
    one: &LeftBehind,
    now: UnixSeconds,
) -> Result<Option<ReturnedMove>, StoreError> {
    let structure_of =
        |offer: i64| sqlx::query("SELECT structure_id FROM offers WHERE id = $1").bind(offer);
    let Some(from) = structure_of(one.offer_id)
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(None);
    };
    let Some(to) = structure_of(one.to_offer_id)
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(None);
    };
    let event = ReferralEvent::UndoRedirect {
        offer_id: one.offer_id,
        state: one.state,
    };
    let applied = apply_referral_event_in(
        connection,
        key,
        actor,
        (one.referral_id, one.version_after),
        (Side::Coordinator, &event),
        "Annulation de la redistribution",
        now,
    )
    .await?;
    if !matches!(applied, Applied::Done { .. }) {
        return Ok(None);
    }
    if let Some(at) = one.state_changed_at {
        // Back in its former state since when it was: its delays run from there.
        sqlx::query("UPDATE referrals SET state_changed_at = $1 WHERE id = $2")
            .bind(at)
            .bind(one.referral_id)
            .execute(&mut *connection)
            .await?;
    }
    let sender = sqlx::query("SELECT sender_structure_id FROM referrals WHERE id = $1")
        .bind(one.referral_id)
        .fetch_one(&mut *connection)
        .await?;
    Ok(Some(ReturnedMove {
        referral_id: ReferralId::new(one.referral_id),
        withdrawn_from: StructureId::new(to.try_get("structure_id")?),
        returned_to: StructureId::new(from.try_get("structure_id")?),
        returns_to_receiver: one.state != ReferralState::Refused,
        sender_structure_id: StructureId::new(sender.try_get("sender_structure_id")?),
    }))
}
