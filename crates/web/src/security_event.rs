//! Security events: the failed and throttled logins, refusals (403), and "not found" answers on a
//! person's record, written to the technical log under the target `aiguillage::security` at WARN
//! level, one structured line each, so that an operator can alert on them. They carry the account id
//! and the client address at most, never a name, an e-mail in clear or a person's data.

use std::fmt;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityEvent {
    /// A wrong password (or an unknown account) at the login form.
    LoginFailed,
    /// A login attempt refused by the throttle before any password check.
    LoginThrottled,
    /// A signed-in account was refused a page or a record (403).
    Forbidden,
    /// A signed-in account asked for a person (or a record of a person) it may not see (404).
    PersonNotFound,
    /// A state change refused because it touched records outside the actor's scope.
    OutOfScope,
    /// A return from ProConnect refused: unknown or replayed state, another browser's sign-in, a
    /// code the provider refused, an ID token or userinfo answer that failed its checks.
    ProConnectRefused,
}

impl SecurityEvent {
    /// The stable code written in the log.
    pub fn code(self) -> &'static str {
        match self {
            SecurityEvent::LoginFailed => "login_failed",
            SecurityEvent::LoginThrottled => "login_throttled",
            SecurityEvent::Forbidden => "forbidden",
            SecurityEvent::PersonNotFound => "person_not_found",
            SecurityEvent::OutOfScope => "out_of_scope",
            SecurityEvent::ProConnectRefused => "proconnect_refused",
        }
    }
}

impl fmt::Display for SecurityEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Who and where: every field optional, none personal beyond an account id and an address.
#[derive(Debug, Default, Clone, Copy)]
pub struct EventContext<'a> {
    pub account_id: Option<i64>,
    pub client: Option<&'a str>,
    pub method: Option<&'a str>,
    pub path: Option<&'a str>,
}

/// Writes one security event.
pub fn record(event: SecurityEvent, context: EventContext<'_>) {
    tracing::warn!(
        target: "aiguillage::security",
        event = event.code(),
        account_id = context.account_id,
        client = context.client,
        method = context.method,
        path = context.path,
        "security event"
    );
}
