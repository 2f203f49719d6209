//! Session lifetimes of the security baseline: 30 minutes idle, 12 hours at most, whatever the activity.

use crate::UnixSeconds;

/// A session unused for this long is over.
pub const IDLE_TIMEOUT_SECONDS: i64 = 30 * 60;
/// A session older than this is over, even if in use.
pub const ABSOLUTE_TIMEOUT_SECONDS: i64 = 12 * 60 * 60;
/// How long the CSRF nonce of a login (or other public) form stays good if unused.
pub const LOGIN_FORM_LIFETIME_SECONDS: i64 = 12 * 60 * 60;

/// The two instants that decide whether a stored session still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    pub created_at: UnixSeconds,
    pub last_seen_at: UnixSeconds,
}

impl SessionTimes {
    /// Whether the session may still be used at `now`.
    pub fn is_live_at(self, now: UnixSeconds) -> bool {
        now - self.last_seen_at < IDLE_TIMEOUT_SECONDS
            && now - self.created_at < ABSOLUTE_TIMEOUT_SECONDS
    }

    /// The instant after which the session can be purged, whichever limit comes first.
    pub fn expires_at(self) -> UnixSeconds {
        (self.last_seen_at + IDLE_TIMEOUT_SECONDS).min(self.created_at + ABSOLUTE_TIMEOUT_SECONDS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_idle_for_thirty_minutes_is_over() {
        let times = SessionTimes {
            created_at: 0,
            last_seen_at: 100,
        };
        assert!(times.is_live_at(100 + IDLE_TIMEOUT_SECONDS - 1));
        assert!(!times.is_live_at(100 + IDLE_TIMEOUT_SECONDS));
    }

    #[test]
    fn an_active_session_still_ends_after_twelve_hours() {
        let times = SessionTimes {
            created_at: 0,
            last_seen_at: ABSOLUTE_TIMEOUT_SECONDS - 10,
        };
        assert!(!times.is_live_at(ABSOLUTE_TIMEOUT_SECONDS));
        assert_eq!(times.expires_at(), ABSOLUTE_TIMEOUT_SECONDS);
    }
}
