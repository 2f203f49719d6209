//! The referral use cases: send a diagnosed person's referral to an offer, answer it or move it along
//! (accept, refuse with a reason, first contact, pathway), and record the person's agreement to share
//! with the structure a coordinator redirected it to.
//!
//! Each takes the acting professional and typed input, and returns a typed result. The store checks
//! the actor's scope on the very records touched, inside its transaction: a person or a referral the
//! actor's structure may not see is [`ReferralError::NotFound`], never a hint that it exists. The
//! structure concerned is notified once the change is written.

use crate::notify::{notify_structure, Notice};
use crate::state::AppState;
use aiguillage_domain::diagnostic::Profile;
use aiguillage_domain::ids::{OfferId, PersonId, ReferralId};
use aiguillage_domain::orientation::{ReferralEvent, Side, TransitionError};
use aiguillage_domain::person::sharing_consent;
use aiguillage_store::{Actor, Applied, NewReferral, PersonRecord, ReferralRecord, StoreError};

/// The person's spoken agreement to share their data with the receiving structure, as the
/// professional recorded it (the box ticked after reading the consent text aloud). Only
/// [`Agreement::recorded`] makes one, so a use case that takes it cannot be called without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement(());

impl Agreement {
    /// The agreement, if the professional ticked that the person agreed.
    pub fn recorded(ticked: bool) -> Option<Agreement> {
        ticked.then_some(Agreement(()))
    }
}

/// The offer chosen with the person, their agreement, and the professional's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralChoice {
    pub offer: OfferId,
    pub agreement: Agreement,
    /// Checked free text (`free_text::ReferralMessage`), possibly empty.
    pub message: String,
    /// Why the person is sent again while another referral of theirs is open (checked free text,
    /// empty when none is open); required when one is.
    pub why_again: String,
    /// A first appointment chosen among the receiving structure's free slots (start, channel).
    pub appointment: Option<(
        aiguillage_domain::UnixSeconds,
        aiguillage_domain::appointment::AppointmentChannel,
    )>,
}

/// An answer or a step of the receiving (or sending) side on a referral, at the version the
/// professional saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralStep {
    pub referral: ReferralId,
    pub seen_version: i64,
    pub event: ReferralEvent,
    /// Checked free text (`free_text::ReferralComment`), possibly empty.
    pub comment: String,
}

/// What became of a step.
#[derive(Debug)]
pub enum Stepped {
    /// Written; the other side was notified of an acceptance or a refusal.
    Done,
    /// The state machine forbids it from the referral's state or for this side: nothing written.
    Refused(TransitionError, (ReferralRecord, Side)),
    /// Someone changed the referral first: nothing written; here is its state now.
    Stale((ReferralRecord, Side)),
}

/// Why a referral use case did nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReferralError {
    /// The person or the referral does not exist or is outside the actor's scope.
    #[error("personne ou orientation introuvable")]
    NotFound,
    #[error("Faites d'abord le diagnostic de la personne.")]
    NotDiagnosed,
    #[error("Cette offre n'existe plus : choisissez-en une autre.")]
    UnknownOffer,
    /// Another referral of the person is open and the sending form says not why a new one goes.
    #[error("Une orientation est déjà en cours pour cette personne ({}) : indiquez pourquoi vous en envoyez une autre.", .0.join(" ; "))]
    AlreadyOpen(Vec<String>),
    /// The appointment's slot was taken by someone else meanwhile.
    #[error("Ce créneau vient d'être pris : choisissez-en un autre (rien n'a été envoyé).")]
    SlotTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A person of the actor's structure and the effective profile of their latest diagnostic: what an
/// orientation starts from. Reading the person is audited.
pub async fn person_to_orient(
    state: &AppState,
    actor: &Actor<'_>,
    person: PersonId,
) -> Result<(PersonRecord, Profile), ReferralError> {
    let record = state
        .store
        .person(actor, person, state.now())
        .await?
        .filter(|record| record.structure_id == actor.structure_id)
        .ok_or(ReferralError::NotFound)?;
    let latest = state
        .store
        .diagnostics_of(actor, person, state.now())
        .await?
        .pop()
        .ok_or(ReferralError::NotDiagnosed)?;
    Ok((record, latest.profile))
}

/// Sends the person's referral to the chosen offer with their latest profile and the sharing consent
/// for that offer's structure, then notifies the receiving structure.
pub async fn send(
    state: &AppState,
    actor: &Actor<'_>,
    person: PersonId,
    choice: &ReferralChoice,
) -> Result<ReferralId, ReferralError> {
    let (_, profile) = person_to_orient(state, actor, person).await?;
    let open = open_referrals(state, actor, person).await?;
    if !open.is_empty() && choice.why_again.trim().is_empty() {
        let described = open
            .iter()
            .map(|r| {
                format!(
                    "{}, {} : {}",
                    r.offer_name,
                    r.receiver_structure,
                    r.state.label()
                )
            })
            .collect();
        return Err(ReferralError::AlreadyOpen(described));
    }
    let (receiver, structure, offer_name) = state
        .store
        .offer_owner(choice.offer)
        .await?
        .ok_or(ReferralError::UnknownOffer)?;
    let consent = sharing_consent(&structure, &offer_name);
    let referral = state
        .store
        .send_referral(
            actor,
            &NewReferral {
                person_id: person,
                offer_id: choice.offer,
                profile: &profile,
                message: &choice.message,
                consent: &consent,
                why_again: if open.is_empty() {
                    ""
                } else {
                    choice.why_again.trim()
                },
                appointment: choice.appointment,
            },
            state.now(),
        )
        .await
        .map_err(|error| match error {
            StoreError::Conflict(message) if message == aiguillage_store::SLOT_TAKEN => {
                ReferralError::SlotTaken
            }
            other => ReferralError::Store(other),
        })?
        .ok_or(ReferralError::NotFound)?;
    notify_structure(state, receiver, Notice::Received, referral).await?;
    Ok(referral)
}

/// The person's referrals that are still open (sent and neither refused nor closed), newest first.
pub async fn open_referrals(
    state: &AppState,
    actor: &Actor<'_>,
    person: PersonId,
) -> Result<Vec<ReferralRecord>, ReferralError> {
    let all = state
        .store
        .referrals_of_person(actor, person, state.now())
        .await?;
    Ok(all
        .into_iter()
        .filter(|r| r.state.holds_a_place())
        .collect())
}

/// Applies a step through the state machine, with the version check, in one store transaction; an
/// acceptance or a refusal is notified to the sending structure.
pub async fn take_step(
    state: &AppState,
    actor: &Actor<'_>,
    step: &ReferralStep,
) -> Result<Stepped, ReferralError> {
    let (referral, side) = visible_referral(state, actor, step.referral).await?;
    let applied = state
        .store
        .apply_referral_event(
            actor,
            (step.referral, step.seen_version),
            (side, &step.event),
            &step.comment,
            state.now(),
        )
        .await?;
    match applied {
        Applied::Done { .. } => {
            if let Some(notice) = answer_notice(&step.event) {
                notify_structure(state, referral.sender_structure_id, notice, step.referral)
                    .await?;
            }
            Ok(Stepped::Done)
        }
        Applied::Refused(error) => Ok(Stepped::Refused(error, (referral, side))),
        Applied::StaleVersion => Ok(Stepped::Stale(
            visible_referral(state, actor, step.referral).await?,
        )),
    }
}

/// A re-orientation of a referral by the structure that sent it, to another offer, with the person's
/// agreement to share with that offer's structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reorientation {
    pub referral: ReferralId,
    pub seen_version: i64,
    pub offer: OfferId,
    pub agreement: Agreement,
}

/// Re-orients a referral the actor's structure sent (refused, or still waiting for an answer) to
/// another offer: the same referral, its history and profile, goes to the new structure, which is
/// notified. The receiving side finds nothing to re-orient (`NotFound`).
pub async fn reorient(
    state: &AppState,
    actor: &Actor<'_>,
    asked: &Reorientation,
) -> Result<Stepped, ReferralError> {
    let (referral, side) = visible_referral(state, actor, asked.referral).await?;
    if side != Side::Sender {
        return Err(ReferralError::NotFound);
    }
    let (receiver, structure, offer_name) = state
        .store
        .offer_owner(asked.offer)
        .await?
        .ok_or(ReferralError::UnknownOffer)?;
    let consent = sharing_consent(&structure, &offer_name);
    let applied = state
        .store
        .reorient_referral(
            actor,
            (asked.referral, asked.seen_version),
            asked.offer,
            &consent,
            state.now(),
        )
        .await?
        .ok_or(ReferralError::NotFound)?;
    match applied {
        Applied::Done { .. } => {
            notify_structure(state, receiver, Notice::Received, asked.referral).await?;
            Ok(Stepped::Done)
        }
        Applied::Refused(error) => Ok(Stepped::Refused(error, (referral, side))),
        Applied::StaleVersion => Ok(Stepped::Stale(
            visible_referral(state, actor, asked.referral).await?,
        )),
    }
}

/// Writes a message (checked free text) in the referral's thread and notifies the other side; a
/// referral whose thread the actor's structure may not read is « not found ».
pub async fn post_message(
    state: &AppState,
    actor: &Actor<'_>,
    referral: ReferralId,
    text: &str,
) -> Result<(), ReferralError> {
    let posted = state
        .store
        .post_referral_message(actor, referral, text, state.now())
        .await?
        .ok_or(ReferralError::NotFound)?;
    let other = aiguillage_domain::ids::StructureId::new(posted.other_structure);
    notify_structure(state, other, Notice::Message, referral).await?;
    Ok(())
}

/// The notice the sending structure gets for an answer, if the event is one.
fn answer_notice(event: &ReferralEvent) -> Option<Notice> {
    match event {
        ReferralEvent::Accept => Some(Notice::Accepted),
        ReferralEvent::Refuse { .. } => Some(Notice::Refused),
        _ => None,
    }
}

/// Records, for a referral the actor's structure sent, the person's agreement to share with its
/// current receiving structure (after a coordinator's redirection).
pub async fn record_agreement(
    state: &AppState,
    actor: &Actor<'_>,
    referral: ReferralId,
    _agreement: Agreement,
) -> Result<(), ReferralError> {
    let (record, side) = visible_referral(state, actor, referral).await?;
    if side != Side::Sender {
        return Err(ReferralError::NotFound);
    }
    let consent = sharing_consent(&record.receiver_structure, &record.offer_name);
    let recorded = state
        .store
        .record_sharing_consent(actor, referral, &consent, state.now())
        .await?;
    if recorded {
        Ok(())
    } else {
        Err(ReferralError::NotFound)
    }
}

/// A referral the actor's structure sent or receives, with the actor's side; reading it is audited.
pub async fn visible_referral(
    state: &AppState,
    actor: &Actor<'_>,
    referral: ReferralId,
) -> Result<(ReferralRecord, Side), ReferralError> {
    state
        .store
        .referral(actor, referral, state.now())
        .await?
        .ok_or(ReferralError::NotFound)
}
