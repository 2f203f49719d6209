//! The lifecycle of a professional account without sign-in (DATA-PROTECTION.md, accounts'
//! retention): warned by e-mail after 5 months, deactivated at 6 (no sign-in, its records kept) but
//! never less than 30 days after the warning, its identity anonymised 24 months after deactivation.
//! A sign-in starts the count again. Pure rules; the store finds the accounts, the service runs the
//! steps and sends the warnings.

use crate::calendar::{date_of, midnight_of, shift_months};
use crate::UnixSeconds;

/// Months without sign-in before the warning.
pub const WARN_AFTER_MONTHS: i64 = 5;
/// Months without sign-in before deactivation.
pub const DEACTIVATE_AFTER_MONTHS: i64 = 6;
/// The least time between the warning and deactivation, in days.
pub const NOTICE_DAYS: i64 = 30;
/// Months after deactivation before the account's identity is anonymised.
pub const ANONYMISE_AFTER_MONTHS: i64 = 24;

/// What the platform knows of an account's activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountActivity {
    /// The last sign-in, or the creation when it never signed in.
    pub last_seen: UnixSeconds,
    pub warned_at: Option<UnixSeconds>,
    pub deactivated_at: Option<UnixSeconds>,
    pub anonymised: bool,
}

/// What to do with an account now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleStep {
    Keep,
    /// Send the warning: the account is deactivated from `deactivate_at` without a sign-in.
    Warn {
        deactivate_at: UnixSeconds,
    },
    Deactivate,
    Anonymise,
}

fn months_after(at: UnixSeconds, months: i64) -> UnixSeconds {
    midnight_of(shift_months(date_of(at), months))
}

impl AccountActivity {
    /// When the account is deactivated if nobody signs in, given a warning sent at `warned_at`.
    pub fn deactivation_at(&self, warned_at: UnixSeconds) -> UnixSeconds {
        months_after(self.last_seen, DEACTIVATE_AFTER_MONTHS).max(warned_at + NOTICE_DAYS * 86_400)
    }

    /// The step due at `now`. A warning counts only when sent since the last sign-in.
    pub fn step(&self, now: UnixSeconds) -> LifecycleStep {
        if self.anonymised {
            return LifecycleStep::Keep;
        }
        if let Some(deactivated) = self.deactivated_at {
            return if now >= months_after(deactivated, ANONYMISE_AFTER_MONTHS) {
                LifecycleStep::Anonymise
            } else {
                LifecycleStep::Keep
            };
        }
        match self.warned_at.filter(|warned| *warned >= self.last_seen) {
            Some(warned) if now >= self.deactivation_at(warned) => LifecycleStep::Deactivate,
            Some(_) => LifecycleStep::Keep,
            None if now >= months_after(self.last_seen, WARN_AFTER_MONTHS) => LifecycleStep::Warn {
                deactivate_at: self.deactivation_at(now),
            },
            None => LifecycleStep::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_midnight;

    fn at(day: &str) -> UnixSeconds {
        parse_midnight(day).unwrap_or(0)
    }

    fn seen(day: &str) -> AccountActivity {
        AccountActivity {
            last_seen: at(day),
            warned_at: None,
            deactivated_at: None,
            anonymised: false,
        }
    }

    #[test]
    fn an_account_is_warned_at_five_months_and_deactivated_at_six() {
        let account = seen("2026-01-15");
        assert_eq!(account.step(at("2026-06-14")), LifecycleStep::Keep);
        assert_eq!(
            account.step(at("2026-06-15")),
            LifecycleStep::Warn {
                deactivate_at: at("2026-07-15")
            }
        );
        let warned = AccountActivity {
            warned_at: Some(at("2026-06-15")),
            ..account
        };
        assert_eq!(warned.step(at("2026-07-14")), LifecycleStep::Keep);
        assert_eq!(warned.step(at("2026-07-15")), LifecycleStep::Deactivate);
    }

    #[test]
    fn a_late_warning_still_gives_thirty_days_and_a_sign_in_starts_again() {
        let account = seen("2026-01-15");
        // Never warned before: at 8 months, warned with 30 days' notice.
        assert_eq!(
            account.step(at("2026-09-15")),
            LifecycleStep::Warn {
                deactivate_at: at("2026-10-15")
            }
        );
        let warned = AccountActivity {
            warned_at: Some(at("2026-09-15")),
            ..account
        };
        assert_eq!(warned.step(at("2026-10-14")), LifecycleStep::Keep);
        // A sign-in after the warning makes the warning void.
        let back = AccountActivity {
            last_seen: at("2026-09-20"),
            ..warned
        };
        assert_eq!(back.step(at("2026-10-20")), LifecycleStep::Keep);
        assert!(matches!(
            back.step(at("2027-02-20")),
            LifecycleStep::Warn { .. }
        ));
    }

    #[test]
    fn a_deactivated_account_is_anonymised_24_months_later_once() {
        let account = AccountActivity {
            deactivated_at: Some(at("2026-07-15")),
            ..seen("2026-01-15")
        };
        assert_eq!(account.step(at("2028-07-14")), LifecycleStep::Keep);
        assert_eq!(account.step(at("2028-07-15")), LifecycleStep::Anonymise);
        let done = AccountActivity {
            anonymised: true,
            ..account
        };
        assert_eq!(done.step(at("2030-01-01")), LifecycleStep::Keep);
    }
}
