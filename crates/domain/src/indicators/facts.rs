//! The compact facts the indicators read, derived once from the checked records when a
//! [`super::Dataset`] is built: per referral, its step dates, outcome, gains and offer packed in one
//! small value ([`ReferralFacts`]); per person and per session, what reach and activity count
//! ([`PersonFacts`], [`SessionFigures`]); every refusal as a date and a reason; per person with two
//! diagnostics or more, the move of each skill domain between the first and the last
//! ([`Progress`]). A national computation then streams through a few tens of megabytes instead of
//! the full records.

use super::capacity::ACTIVE_STATES;
use super::records::{
    DiagnosticRecord, PersonRecord, ReferralRecord, Refusal, SessionFact, NONE_YET,
};
use crate::diagnostic::{AutonomyLevel, SkillDomain, Typology};
use crate::directory::{Audience, SupportModel};
use crate::orientation::{ClosingOutcome, ReferralState, RefusalReason};
use crate::pathway::{AgeBand, Gains, MoneyBracket, RightKind, SessionKind};
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

/// What a referral is beside its [`ReferralFacts`] (32 bytes): its person and sending structure by
/// number, its state, and the two steps the facts do not keep (`Dataset::referral_at` gives the
/// [`ReferralRecord`] back).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct ReferralLink {
    pub first_contact_at: UnixSeconds,
    pub started_at: UnixSeconds,
    /// The person's position in the dataset.
    pub person: u32,
    /// The sending structure's number among the dataset's senders.
    pub sender: u32,
    /// Place in `ReferralState::ALL`.
    pub state: u8,
}

impl ReferralLink {
    pub fn of(referral: &ReferralRecord, person: u32, sender: u32) -> ReferralLink {
        ReferralLink {
            first_contact_at: referral.first_contact_at.unwrap_or(NONE_YET),
            started_at: referral.started_at.unwrap_or(NONE_YET),
            person,
            sender,
            state: code_of(ReferralState::ALL, Some(&referral.state)),
        }
    }

    pub fn state(&self) -> ReferralState {
        value_of(ReferralState::ALL, self.state).unwrap_or(ReferralState::ALL[0])
    }
}

/// A moment, or none when it is [`NONE_YET`].
pub(crate) fn moment(at: UnixSeconds) -> Option<UnixSeconds> {
    (at != NONE_YET).then_some(at)
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

impl ReferralFacts {
    pub fn outcome(&self) -> Option<ClosingOutcome> {
        value_of(ClosingOutcome::ALL, self.outcome)
    }

    pub fn support_model(&self) -> Option<SupportModel> {
        value_of(SupportModel::ALL, self.model)
    }

    pub fn gains(&self) -> Gains {
        Gains {
            rights: values_of(RightKind::ALL, self.rights).into_iter().collect(),
            money: value_of(MoneyBracket::ALL, self.money),
            job_or_training: self.job_or_training,
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
    pub fn refusal(&self) -> Refusal {
        Refusal {
            at: self.at,
            reason: value_of(RefusalReason::ALL, self.reason).unwrap_or(RefusalReason::ALL[0]),
        }
    }

    pub fn all_of(referral: &ReferralRecord) -> impl Iterator<Item = RefusalFact> + '_ {
        referral.refusals.iter().map(|refusal| RefusalFact {
            at: refusal.at,
            reason: code_of(RefusalReason::ALL, Some(&refusal.reason)),
        })
    }
}

/// A person as the dataset holds them (32 bytes): everything of a [`PersonRecord`] but the key
/// and the places, which the dataset keeps beside as numbers (`Dataset::person_at` gives the
/// record back).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct PersonFacts {
    pub enrolled_at: UnixSeconds,
    pub enrolling_structure: i64,
    /// Bit `i`: belongs to `Audience::ALL[i]`.
    pub audiences: u32,
    /// The EPCI's number in the dataset's EPCI codes, or [`NO_NUMBER`].
    pub epci: u32,
    /// Place in `AgeBand::ALL`.
    pub age_band: u8,
    /// 0 fragile commune, 1 other, 2 commune without an index.
    pub fragility: u8,
    /// Place in `Typology::ALL`, or [`NO_CODE`].
    pub typology: u8,
}

/// "None" for the numbers below.
pub(crate) const NO_NUMBER: u32 = u32::MAX;

impl PersonFacts {
    /// The facts of `person`, whose EPCI the dataset numbered `epci`.
    pub fn of(person: &PersonRecord, epci: u32) -> PersonFacts {
        PersonFacts {
            enrolled_at: person.enrolled_at,
            enrolling_structure: person.enrolling_structure,
            audiences: bits_of(Audience::ALL, &person.audiences),
            epci,
            age_band: code_of(AgeBand::ALL, Some(&person.age_band)),
            fragility: match person.fragile_commune {
                Some(true) => 0,
                Some(false) => 1,
                None => 2,
            },
            typology: code_of(Typology::ALL, person.typology.as_ref()),
        }
    }

    pub fn in_audience(&self, index: usize) -> bool {
        self.audiences & (1 << index) != 0
    }

    /// The audiences, in the order of `Audience::ALL`.
    pub fn audience_list(&self) -> Vec<Audience> {
        values_of(Audience::ALL, self.audiences)
    }

    pub fn age_band(&self) -> AgeBand {
        value_of(AgeBand::ALL, self.age_band).unwrap_or(AgeBand::ALL[0])
    }

    pub fn typology(&self) -> Option<Typology> {
        value_of(Typology::ALL, self.typology)
    }

    pub fn fragile_commune(&self) -> Option<bool> {
        match self.fragility {
            0 => Some(true),
            1 => Some(false),
            _ => None,
        }
    }
}

/// Bit `i` set when `values` holds `all[i]`.
pub(crate) fn bits_of<T: PartialEq>(all: &[T], values: &[T]) -> u32 {
    all.iter()
        .enumerate()
        .filter(|(_, value)| values.contains(value))
        .fold(0u32, |bits, (i, _)| bits | 1 << i)
}

/// The values of `all` whose bit is set, in the order of `all`.
pub(crate) fn values_of<T: Copy>(all: &[T], bits: u32) -> Vec<T> {
    all.iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, value)| *value)
        .collect()
}

/// The value at place `code` of `all` ([`NO_CODE`] and any place beyond: none).
pub(crate) fn value_of<T: Copy>(all: &[T], code: u8) -> Option<T> {
    all.get(usize::from(code)).copied()
}

/// A session as the dataset holds it (24 bytes): what the activity table reads, the referral by
/// position and the structure with the mediator by number (`Dataset::session_at` gives the
/// [`SessionFact`] back). Minutes and participants are held in 16 bits: entry allows 480 minutes
/// and 500 participants (`pathway`), and anything beyond 65 535 is held as 65 535.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct SessionFigures {
    pub at: UnixSeconds,
    /// The referral's position in the dataset, or [`NO_NUMBER`] for a workshop open to anyone.
    pub referral: u32,
    /// The number of the structure and mediator who held it, among the dataset's holders.
    pub holder: u32,
    pub minutes: u16,
    pub participants: u16,
    /// A workshop (`SessionKind::Collective`), else an individual session.
    pub collective: bool,
}

impl SessionFigures {
    /// The figures of `session`, whose referral is at `referral` and whose structure and mediator
    /// are numbered `holder`.
    pub fn of(session: &SessionFact, referral: u32, holder: u32) -> SessionFigures {
        let short = |value: u32| u16::try_from(value).unwrap_or(u16::MAX);
        SessionFigures {
            at: session.at,
            referral,
            holder,
            minutes: short(session.duration_minutes),
            participants: short(session.participants),
            collective: session.kind == SessionKind::Collective,
        }
    }

    pub fn kind(&self) -> SessionKind {
        if self.collective {
            SessionKind::Collective
        } else {
            SessionKind::Individual
        }
    }
}

/// The number of skill domains.
pub(crate) const DOMAINS: usize = SkillDomain::ALL.len();

/// A diagnostic as the dataset holds it: its date and, per domain (like `SkillDomain::ALL`), the
/// level's place in `AutonomyLevel::ALL` or [`NO_CODE`] when the domain was not assessed
/// (`Dataset::diagnostics_of` gives the [`DiagnosticRecord`] back).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct DiagnosticFacts {
    pub at: UnixSeconds,
    pub levels: [u8; DOMAINS],
}

impl DiagnosticFacts {
    pub fn of(diagnostic: &DiagnosticRecord) -> DiagnosticFacts {
        let mut levels = [NO_CODE; DOMAINS];
        for (slot, domain) in levels.iter_mut().zip(SkillDomain::ALL) {
            *slot = code_of(AutonomyLevel::ALL, diagnostic.level(*domain).as_ref());
        }
        DiagnosticFacts {
            at: diagnostic.at,
            levels,
        }
    }

    /// The level in the domain at place `domain` of `SkillDomain::ALL`, if assessed.
    pub fn level(&self, domain: usize) -> Option<AutonomyLevel> {
        value_of(AutonomyLevel::ALL, self.levels[domain])
    }

    /// The record of the person `person` (a key).
    pub fn record(&self, person: u64) -> DiagnosticRecord {
        DiagnosticRecord {
            person,
            at: self.at,
            autonomy: SkillDomain::ALL
                .iter()
                .enumerate()
                .filter_map(|(at, domain)| self.level(at).map(|level| (*domain, level)))
                .collect(),
        }
    }
}

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
    pub fn of(diagnostics: &[DiagnosticFacts]) -> Option<Progress> {
        let [first, .., last] = diagnostics else {
            return None;
        };
        let mut moves = [None; DOMAINS];
        for (domain, slot) in moves.iter_mut().enumerate() {
            if let (Some(before), Some(after)) = (first.level(domain), last.level(domain)) {
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
