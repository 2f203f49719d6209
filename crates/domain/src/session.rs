//! Session lifetimes of the security baseline: 30 minutes idle, 12 hours at most, whatever the activity.

use crate::UnixSeconds;

/// A session unused for this long is over.
pub const IDLE_TIMEOUT_SECONDS: i64 = 30 * 60;
/// A request writes a session's last activity only when it moves by this much or more.
pub const TOUCH_INTERVAL_SECONDS: i64 = 60;
/// A session older than this is over, even if in use.
pub const ABSOLUTE_TIMEOUT_SECONDS: i64 = 12 * 60 * 60;
/// How long the CSRF nonce of a login (or other public) form stays good if unused.
pub const LOGIN_FORM_LIFETIME_SECONDS: i64 = 12 * 60 * 60;

/// How far a session has come through sign-in: only a complete one is a signed-in professional; the
/// others reach nothing but their step's page, for [`crate::second_factor::PENDING_SIGN_IN_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Password and (when the account has one) second factor checked.
    Complete,
    /// Password checked; the account's second factor is asked.
    SecondFactor,
    /// Password checked; the account's role requires a second factor it has not enrolled yet.
    Enrolment,
}

impl SessionStage {
    /// The stable code stored in `sessions.stage`.
    pub fn code(self) -> &'static str {
        match self {
            SessionStage::Complete => "complete",
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Enrolment => "enrolment",
        }
    }

    pub fn from_code(code: &str) -> Option<SessionStage> {
        [
            SessionStage::Complete,
            SessionStage::SecondFactor,
            SessionStage::Enrolment,
        ]
        .into_iter()
        .find(|stage| stage.code() == code)
    }
}

/// A short French description of the browser and system a user agent names, for the list of a
/// professional's sessions (« Firefox sur Linux »); « Navigateur inconnu » when nothing is recognised.
pub fn device_label(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(mark, _)| user_agent.contains(mark))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(mark, _)| user_agent.contains(mark))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} sur {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("Navigateur sur {system}"),
        (None, None) => "Navigateur inconnu".to_owned(),
    }
}

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

    /// Whether a request at `now` moves the idle deadline enough to be written: only when the last
    /// write is [`TOUCH_INTERVAL_SECONDS`] old or more, so that most requests write nothing (the
    /// deadline is then at most a minute early).
    pub fn needs_touch(self, now: UnixSeconds) -> bool {
        now - self.last_seen_at >= TOUCH_INTERVAL_SECONDS
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
    fn stages_read_back_and_devices_are_named() {
        for stage in [
            SessionStage::Complete,
            SessionStage::SecondFactor,
            SessionStage::Enrolment,
        ] {
            assert_eq!(SessionStage::from_code(stage.code()), Some(stage));
        }
        assert_eq!(SessionStage::from_code("autre"), None);
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(device_label(chrome), "Chrome sur Linux");
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(device_label(firefox), "Firefox sur Windows");
        assert_eq!(device_label(""), "Navigateur inconnu");
    }

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
    fn a_request_writes_the_last_activity_only_when_it_moved_a_minute() {
        let times = SessionTimes {
            created_at: 0,
            last_seen_at: 1_000,
        };
        assert!(!times.needs_touch(1_000));
        assert!(!times.needs_touch(1_000 + TOUCH_INTERVAL_SECONDS - 1));
        assert!(times.needs_touch(1_000 + TOUCH_INTERVAL_SECONDS));
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
