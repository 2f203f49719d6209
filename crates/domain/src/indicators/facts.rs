//! The compact facts the indicators read, derived once from the checked records when a
//! [`super::Dataset`] is built: per referral, its step dates, outcome, gains and offer packed in one
//! small value ([`ReferralFacts`]); per person and per session, what reach and activity count
//! ([`PersonFacts`], [`SessionFigures`]); every refusal as a date and a reason; per person with two
//! diagnostics or more, the move of each skill domain between the first and the last
//! ([`Progress`]). A national computation then streams through a few tens of megabytes instead of
//! the full records.

use super::capacity::ACTIVE_STATES;
use super::records::{DiagnosticRecord, PersonRecord, ReferralRecord, SessionFact, NONE_YET};
use crate::diagnostic::SkillDomain;
use crate::directory::{Audience, SupportModel};
use crate::orientation::{ClosingOutcome, RefusalReason};
use crate::pathway::{AgeBand, MoneyBracket, RightKind, SessionKind};
use crate::UnixSeconds;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// "None" for the small codes below.
pub(crate) const NO_CODE: u8 = u8::MAX;

/// What the indicators read of one referral.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct ReferralFacts {
    /// [`NONE_YET`] when the step was not reached.
    pub sent_at: UnixSeconds,
    /// When the receiving structure's answer ended the wait: acceptance, first refusal or closing.
    pub answered_at: UnixSeconds,
    pub accepted_at: UnixSeconds,
    /// When the first contact (or closing) ended the wait after acceptance.
    pub contacted_at: UnixSeconds,
    pub closed_at: UnixSeconds,
    /// The offer's number (see `Dataset::offer_id`) and the receiving structure's.
    pub offer: u32,
    pub receiver: u32,
    /// Bit `i`: `RightKind::ALL[i]` obtained.
    pub rights: u32,
    /// Place in `ClosingOutcome::ALL`, `MoneyBracket::ALL`, `SupportModel::ALL`, or [`NO_CODE`].
    pub outcome: u8,
    pub money: u8,
    pub model: u8,
    /// Holds one of the offer's places now ([`ACTIVE_STATES`]).
    pub active: bool,
    pub job_or_training: bool,
}

/// A referral's first refusal (or closing, or acceptance) — the end of the wait for an answer.
fn answered_at(referral: &ReferralRecord) -> Option<UnixSeconds> {
    let first_refusal = referral.refusals.iter().map(|r| r.at).min();
    [referral.accepted_at, first_refusal, referral.closed_at]
        .into_iter()
        .flatten()
        .min()
}

fn contacted_at(referral: &ReferralRecord) -> Option<UnixSeconds> {
    [referral.first_contact_at, referral.closed_at]
        .into_iter()
        .flatten()
        .min()
}

/// The place of `value` in `all`, or [`NO_CODE`].
pub(crate) fn code_of<T: PartialEq>(all: &[T], value: Option<&T>) -> u8 {
    value
        .and_then(|v| all.iter().position(|x| x == v))
        .map_or(NO_CODE, |at| at as u8)
}

impl ReferralFacts {
    pub fn of(referral: &ReferralRecord, offer: u32, receiver: u32) -> ReferralFacts {
        let at = |moment: Option<UnixSeconds>| moment.unwrap_or(NONE_YET);
        let rights = RightKind::ALL
            .iter()
            .enumerate()
            .filter(|(_, right)| referral.gains.rights.contains(right))
            .fold(0u32, |bits, (i, _)| bits | 1 << i);
        ReferralFacts {
            sent_at: at(referral.sent_at),
            answered_at: at(answered_at(referral)),
            accepted_at: at(referral.accepted_at),
            contacted_at: at(contacted_at(referral)),
            closed_at: at(referral.closed_at),
            offer,
            receiver,
            rights,
            outcome: code_of(ClosingOutcome::ALL, referral.outcome.as_ref()),
            money: code_of(MoneyBracket::ALL, referral.gains.money.as_ref()),
            model: code_of(SupportModel::ALL, referral.support_model.as_ref()),
            active: ACTIVE_STATES.contains(&referral.state),
            job_or_training: referral.gains.job_or_training,
        }
    }
}

/// One refusal: its date and its reason's place in `RefusalReason::ALL`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct RefusalFact {
    pub at: UnixSeconds,
    pub reason: u8,
}

impl RefusalFact {
    pub fn all_of(referral: &ReferralRecord) -> impl Iterator<Item = RefusalFact> + '_ {
        referral.refusals.iter().map(|refusal| RefusalFact {
            at: refusal.at,
            reason: code_of(RefusalReason::ALL, Some(&refusal.reason)),
        })
    }
}

/// What reach reads of a person.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct PersonFacts {
    pub enrolled_at: UnixSeconds,
    /// Bit `i`: belongs to `Audience::ALL[i]`.
    pub audiences: u32,
    /// Place in `AgeBand::ALL`, or [`NO_CODE`].
    pub age_band: u8,
    /// 0 fragile commune, 1 other, 2 commune without an index.
    pub fragility: u8,
}

impl PersonFacts {
    pub fn of(person: &PersonRecord) -> PersonFacts {
        let audiences = Audience::ALL
            .iter()
            .enumerate()
            .filter(|(_, audience)| person.audiences.contains(audience))
            .fold(0u32, |bits, (i, _)| bits | 1 << i);
        PersonFacts {
            enrolled_at: person.enrolled_at,
            audiences,
            age_band: code_of(AgeBand::ALL, Some(&person.age_band)),
            fragility: match person.fragile_commune {
                Some(true) => 0,
                Some(false) => 1,
                None => 2,
            },
        }
    }

    pub fn in_audience(&self, index: usize) -> bool {
        self.audiences & (1 << index) != 0
    }
}

/// What the activity table reads of a session.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct SessionFigures {
    pub at: UnixSeconds,
    pub minutes: u32,
    pub participants: u32,
    pub collective: bool,
}

impl SessionFigures {
    pub fn of(session: &SessionFact) -> SessionFigures {
        SessionFigures {
            at: session.at,
            minutes: session.duration_minutes,
            participants: session.participants,
            collective: session.kind == SessionKind::Collective,
        }
    }
}

/// The number of skill domains.
pub(crate) const DOMAINS: usize = SkillDomain::ALL.len();

/// A person's autonomy between their first and last diagnostics.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Progress {
    pub last_at: UnixSeconds,
    /// Per domain (like `SkillDomain::ALL`): progress, stable or decline; `None` when either
    /// diagnostic lacks the domain.
    #[serde(with = "moves_as_codes")]
    pub moves: [Option<Ordering>; DOMAINS],
}

impl Progress {
    /// The progress of a person's diagnostics (oldest first), when there are two or more.
    pub fn of(diagnostics: &[DiagnosticRecord]) -> Option<Progress> {
        let [first, .., last] = diagnostics else {
            return None;
        };
        let mut moves = [None; DOMAINS];
        for (slot, domain) in moves.iter_mut().zip(SkillDomain::ALL) {
            if let (Some(before), Some(after)) = (first.level(*domain), last.level(*domain)) {
                *slot = Some(after.cmp(&before));
            }
        }
        Some(Progress {
            last_at: last.at,
            moves,
        })
    }
}

/// The moves of a [`Progress`] written as numbers (serde has no form for `Ordering`): -1, 0 and 1
/// for a lower, equal or higher level, 2 for a domain not assessed twice.
mod moves_as_codes {
    use super::DOMAINS;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::cmp::Ordering;

    const UNKNOWN: i8 = 2;

    pub fn serialize<S: Serializer>(
        moves: &[Option<Ordering>; DOMAINS],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        moves
            .map(|step| step.map_or(UNKNOWN, |ordering| ordering as i8))
            .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<[Option<Ordering>; DOMAINS], D::Error> {
        let codes = <[i8; DOMAINS]>::deserialize(deserializer)?;
        Ok(codes.map(|code| match code {
            -1 => Some(Ordering::Less),
            0 => Some(Ordering::Equal),
            1 => Some(Ordering::Greater),
            _ => None,
        }))
    }
}
