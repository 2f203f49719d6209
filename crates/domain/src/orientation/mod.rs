//! Orientation: ranking the offers that fit a diagnosed person, the spatial index that finds the offers
//! within reach, the referral state machine and the optimal redistribution of the waiting queue.

pub mod delays;
pub mod ranking;
pub mod redistribution;
pub mod referral;
pub mod spatial;
pub mod take_home;

pub use delays::{days_waiting, lateness, Lateness, TargetDelays};
pub use ranking::{
    admits, rank, CandidateOffer, Exclusion, Explanation, Lack, RankedOffer, Ranking, Seeker,
    Weights,
};
pub use redistribution::{propose, room_left, Decision, Outcome, Proposal, WaitingReferral};
pub use referral::{
    event_text, receiver_access_cutoff, receiver_keeps_access, transition, ClosingOutcome,
    ReferralEvent, ReferralEventKind, ReferralState, RefusalReason, Side, TransitionError,
    RECEIVER_ACCESS_AFTER_END_DAYS,
};
pub use spatial::OfferIndex;
pub use take_home::{contact_promise, ways_in, what_to_bring, Helpline};
