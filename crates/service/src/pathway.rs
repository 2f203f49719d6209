//! The pathway use cases of a receiving structure: record a session on a referral, record a
//! collective workshop for several people, and close a referral with its outcome.
//!
//! The store decides inside its transaction whether the actor's structure may touch each referral
//! (it receives it and it is in progress, or it is a side allowed to close it) and checks the
//! version; these functions turn its answer into a [`PathwayRefusal`] the page explains, with the
//! referral as it stands now so that the page can be drawn again.

use crate::referrals::{visible_referral, ReferralError};
use crate::state::AppState;
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::orientation::{
    transition, ClosingOutcome, ReferralEvent, ReferralState, Side, TransitionError,
};
use aiguillage_domain::pathway::{Closing, ClosingError, NewSession, SessionError};
use aiguillage_store::{Actor, CloseOutcome, ReferralRecord, SessionOutcome};

/// Why a pathway step wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathwayRefusal {
    /// Only the receiving structure records sessions, at first contact or in pathway.
    SessionsNotOpen(ReferralState),
    /// The referral left first contact and pathway meanwhile (its state now).
    NoLongerInProgress(ReferralState),
    /// The session breaks one of its rules.
    Session(SessionError),
    /// The closing breaks one of its rules.
    Closing(ClosingError),
    /// The state machine forbids the closing from this state or for this side.
    Transition(TransitionError),
    /// Someone changed the referral first.
    Stale,
}

impl PathwayRefusal {
    /// Whether sessions may be recorded on the referral by this side now, and why not.
    pub fn sessions_allowed((referral, side): &(ReferralRecord, Side)) -> Result<(), Self> {
        if *side == Side::Receiver && referral.state.accepts_sessions() {
            Ok(())
        } else {
            Err(PathwayRefusal::SessionsNotOpen(referral.state))
        }
    }

    /// Whether this side may close the referral now, and why not.
    pub fn closing_allowed((referral, side): &(ReferralRecord, Side)) -> Result<(), Self> {
        let any_close = ReferralEvent::Close {
            outcome: ClosingOutcome::DroppedOut,
        };
        transition(referral.state, &any_close, *side)
            .map(|_| ())
            .map_err(PathwayRefusal::Transition)
    }
}

/// Whether the closing form asks what the person gained: the receiving structure closing a
/// pathway in progress.
pub fn closing_asks_gains((referral, side): &(ReferralRecord, Side)) -> bool {
    *side == Side::Receiver && referral.state.accepts_sessions()
}

/// What became of a pathway step on one referral.
#[derive(Debug)]
pub enum PathwayOutcome {
    Done,
    /// Nothing written; the referral as it stands now, to show again.
    Refused(PathwayRefusal, Box<(ReferralRecord, Side)>),
}

/// A closing as submitted on the referral page, at the version the page showed.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosingStep {
    pub referral: ReferralId,
    pub seen_version: i64,
    pub closing: Closing,
    /// Checked free text, possibly empty.
    pub comment: String,
}

/// Records an individual session on a referral the actor's structure receives; the first one at
/// first contact starts the pathway.
pub async fn record_session(
    state: &AppState,
    actor: &Actor<'_>,
    referral: ReferralId,
    session: &NewSession,
) -> Result<PathwayOutcome, ReferralError> {
    let outcome = state
        .store
        .record_session(actor, referral, session, state.now())
        .await?;
    let refusal = match outcome {
        SessionOutcome::Recorded { .. } => return Ok(PathwayOutcome::Done),
        SessionOutcome::Invalid(error) => PathwayRefusal::Session(error),
        SessionOutcome::NotInProgress { state: now_at, .. } => {
            PathwayRefusal::NoLongerInProgress(now_at)
        }
        SessionOutcome::NotFound { .. } => {
            let found = visible_referral(state, actor, referral).await?;
            return Ok(PathwayOutcome::Refused(
                PathwayRefusal::SessionsNotOpen(found.0.state),
                Box::new(found),
            ));
        }
        SessionOutcome::StaleVersion | SessionOutcome::PlanGone => PathwayRefusal::Stale,
    };
    refused(state, actor, referral, refusal).await
}

/// Closes a referral with its outcome (and gains), if still at the version the page showed.
pub async fn close(
    state: &AppState,
    actor: &Actor<'_>,
    step: &ClosingStep,
) -> Result<PathwayOutcome, ReferralError> {
    let outcome = state
        .store
        .close_referral(
            actor,
            (step.referral, step.seen_version),
            &step.closing,
            &step.comment,
            state.now(),
        )
        .await?;
    let refusal = match outcome {
        CloseOutcome::Closed => return Ok(PathwayOutcome::Done),
        CloseOutcome::NotFound => return Err(ReferralError::NotFound),
        CloseOutcome::Invalid(error) => PathwayRefusal::Closing(error),
        CloseOutcome::Refused(error) => PathwayRefusal::Transition(error),
        CloseOutcome::StaleVersion => PathwayRefusal::Stale,
    };
    refused(state, actor, step.referral, refusal).await
}

/// The refusal with the referral as it stands now.
async fn refused(
    state: &AppState,
    actor: &Actor<'_>,
    referral: ReferralId,
    refusal: PathwayRefusal,
) -> Result<PathwayOutcome, ReferralError> {
    let found = visible_referral(state, actor, referral).await?;
    Ok(PathwayOutcome::Refused(refusal, Box::new(found)))
}

/// Why a workshop wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkshopRefusal {
    /// The workshop breaks one of its rules.
    Session(SessionError),
    /// One of the people ticked no longer has a referral in progress in the actor's structure.
    PersonNoLongerInProgress,
    /// One of the referrals changed while recording.
    Stale,
    /// The planned workshop was recorded meanwhile (or is not the structure's).
    PlanGone,
}

/// Records a collective workshop of the actor's structure for the people of these referrals (each
/// received and in progress) and the anonymous participants: all of it, or nothing. With `plan`, the
/// workshop is the one a cycle of the resource bank planned, and names the bank session it ran.
pub async fn record_workshop(
    state: &AppState,
    actor: &Actor<'_>,
    referrals: &[ReferralId],
    session: &NewSession,
    plan: Option<i64>,
) -> Result<Result<(), WorkshopRefusal>, ReferralError> {
    let outcome = match plan {
        Some(plan) => {
            state
                .store
                .record_planned_workshop(actor, plan, referrals, session, state.now())
                .await?
        }
        None => {
            state
                .store
                .record_collective_session(actor, referrals, session, state.now())
                .await?
        }
    };
    Ok(match outcome {
        SessionOutcome::Recorded { .. } => Ok(()),
        SessionOutcome::Invalid(error) => Err(WorkshopRefusal::Session(error)),
        SessionOutcome::NotFound { .. } | SessionOutcome::NotInProgress { .. } => {
            Err(WorkshopRefusal::PersonNoLongerInProgress)
        }
        SessionOutcome::StaleVersion => Err(WorkshopRefusal::Stale),
        SessionOutcome::PlanGone => Err(WorkshopRefusal::PlanGone),
    })
}
