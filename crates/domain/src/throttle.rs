//! The throttle on failed logins: after too many failures for one e-mail, or from one network address,
//! within a window, further attempts are refused until the window has passed. The limit per address is
//! higher because a whole France Services office or library may share one public address.

use crate::UnixSeconds;

/// Failures allowed for one e-mail within the window before attempts are refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failures allowed from one network address within the window before attempts are refused.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 50;
/// Length of the window over which failures are counted, in seconds.
pub const WINDOW_SECONDS: i64 = 15 * 60;

/// The failures recorded for one key (an e-mail or an IP address) within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentFailures {
    pub count: i64,
    /// The oldest failure still inside the window.
    pub oldest_at: Option<UnixSeconds>,
}

/// The decision for a new login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleDecision {
    Allow,
    /// Refuse, and say how many seconds to wait.
    Refuse {
        retry_after_seconds: i64,
    },
}

/// Decides whether a login attempt may proceed given the recent failures and the limit of the key.
pub fn decide(failures: RecentFailures, max_failures: i64, now: UnixSeconds) -> ThrottleDecision {
    match failures.oldest_at {
        Some(oldest_at) if failures.count >= max_failures => ThrottleDecision::Refuse {
            retry_after_seconds: (oldest_at + WINDOW_SECONDS - now).max(1),
        },
        _ => ThrottleDecision::Allow,
    }
}

/// The earliest failure time still counted at `now`.
pub fn window_start(now: UnixSeconds) -> UnixSeconds {
    now - WINDOW_SECONDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_failures_still_allow_a_fifth_attempt() {
        let failures = RecentFailures {
            count: MAX_FAILURES_PER_ACCOUNT - 1,
            oldest_at: Some(0),
        };
        assert_eq!(
            decide(failures, MAX_FAILURES_PER_ACCOUNT, 10),
            ThrottleDecision::Allow
        );
    }

    #[test]
    fn five_failures_refuse_until_the_oldest_leaves_the_window() {
        let failures = RecentFailures {
            count: MAX_FAILURES_PER_ACCOUNT,
            oldest_at: Some(100),
        };
        assert_eq!(
            decide(failures, MAX_FAILURES_PER_ADDRESS, 160),
            ThrottleDecision::Allow
        );
        assert_eq!(
            decide(failures, MAX_FAILURES_PER_ACCOUNT, 160),
            ThrottleDecision::Refuse {
                retry_after_seconds: WINDOW_SECONDS - 60
            }
        );
    }
}
