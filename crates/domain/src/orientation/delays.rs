//! Target delays of a territory (to accept a referral, to make the first contact) and whether a
//! referral waits beyond them.

use super::referral::ReferralState;
use crate::calendar::days_between;
#[cfg(test)]
use crate::calendar::DAY;
use crate::UnixSeconds;
use serde::{Deserialize, Serialize};

/// The territory's targets, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetDelays {
    /// From sending (or redirecting) to acceptance or refusal.
    pub answer_days: u32,
    /// From acceptance to the first contact with the person.
    pub first_contact_days: u32,
}

impl Default for TargetDelays {
    fn default() -> Self {
        TargetDelays {
            answer_days: 5,
            first_contact_days: 10,
        }
    }
}

/// A referral waiting beyond a target: which one, and by how many days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lateness {
    pub what: &'static str,
    pub days_late: i64,
}

/// Whether a referral in `state` since `since` is beyond its target at `now`.
pub fn lateness(
    state: ReferralState,
    since: UnixSeconds,
    now: UnixSeconds,
    targets: &TargetDelays,
) -> Option<Lateness> {
    let (what, target) = match state {
        ReferralState::Sent | ReferralState::Redirected => {
            ("réponse de la structure", targets.answer_days)
        }
        ReferralState::Accepted => ("premier contact", targets.first_contact_days),
        _ => return None,
    };
    let waited_days = days_between(since, now);
    let days_late = waited_days - i64::from(target);
    (days_late > 0).then_some(Lateness { what, days_late })
}

/// Days waited since `since`.
pub fn days_waiting(since: UnixSeconds, now: UnixSeconds) -> i64 {
    days_between(since, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_referral_is_late_only_past_its_target_and_only_while_waiting() {
        let targets = TargetDelays::default();
        let sent = 1_000_000;
        assert_eq!(
            lateness(ReferralState::Sent, sent, sent + 5 * DAY, &targets),
            None
        );
        assert_eq!(
            lateness(ReferralState::Sent, sent, sent + 7 * DAY, &targets),
            Some(Lateness {
                what: "réponse de la structure",
                days_late: 2
            })
        );
        assert_eq!(
            lateness(ReferralState::Accepted, sent, sent + 11 * DAY, &targets).map(|l| l.what),
            Some("premier contact")
        );
        assert_eq!(
            lateness(ReferralState::InPathway, sent, sent + 99 * DAY, &targets),
            None
        );
        assert_eq!(days_waiting(sent, sent + 3 * DAY + 5), 3);
    }
}
