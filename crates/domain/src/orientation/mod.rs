//! Orientation: ranking the offers that fit a diagnosed person, the spatial index that finds the offers
//! within reach, and the referral state machine.

pub mod delays;
pub mod ranking;
pub mod referral;
pub mod spatial;

pub use delays::{days_waiting, lateness, Lateness, TargetDelays};
pub use ranking::{rank, CandidateOffer, RankedOffer, Ranking, Seeker, Weights};
pub use referral::{
    awaits_answer, transition, ClosingOutcome, ReferralEvent, ReferralState, RefusalReason, Side,
    TransitionError,
};
pub use spatial::OfferIndex;
