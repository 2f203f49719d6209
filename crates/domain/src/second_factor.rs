//! The second factor of local accounts: time-based one-time passwords (TOTP, RFC 6238: HMAC-SHA1,
//! six digits, 30-second steps) and single-use recovery codes. Pure rules: the secret and `now` come
//! in as arguments, the code's check says which time step it matched so that the store can refuse a
//! step already used (no replay), and the roles that must have a second factor are named here.

use crate::role::Role;
use crate::UnixSeconds;
use totp_rs::{Algorithm, TOTP};

/// Length of a time step, in seconds.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Steps accepted on either side of the current one (a phone's clock a little early or late).
pub const SKEW_STEPS: i64 = 1;
/// Length of a TOTP secret, in bytes (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;
/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;
/// How long the sign-in may wait between the password and the second factor, in seconds.
pub const PENDING_SIGN_IN_SECONDS: i64 = 10 * 60;
/// The name shown in authenticator applications.
pub const ISSUER: &str = "Aiguillage";

/// Whether accounts of `role` must have a second factor before reaching any page: those who see a
/// whole territory or the instance.
pub fn required_for(role: Role) -> bool {
    matches!(role, Role::Administrator | Role::Coordinator)
}

/// The time step `now` falls in.
pub fn time_step(now: UnixSeconds) -> i64 {
    now.div_euclid(STEP_SECONDS)
}

fn totp(secret: &[u8]) -> TOTP {
    // The parameters are RFC 6238's; the length of the secret is the caller's (checked on enrolment).
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS.unsigned_abs(),
        secret.to_vec(),
    )
}

/// The code of `secret` for time step `step`.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    let time = u64::try_from(step.max(0) * STEP_SECONDS).unwrap_or_default();
    totp(secret).generate(time)
}

/// What a typed code is worth at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code of this step, not used before: the store records the step as used.
    Accepted { step: i64 },
    /// The code of a step already used (or an earlier one): a replay.
    Replayed,
    /// Not a code of the steps accepted around `now`.
    Wrong,
}

/// Checks `typed` (spaces ignored) against the steps around `now`; `last_used_step` is the last step
/// whose code was accepted for this secret, whose code and every earlier one are refused.
pub fn check_code(
    secret: &[u8],
    typed: &str,
    now: UnixSeconds,
    last_used_step: Option<i64>,
) -> CodeCheck {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return CodeCheck::Wrong;
    }
    let current = time_step(now);
    let mut matched = None;
    for step in current - SKEW_STEPS..=current + SKEW_STEPS {
        if same(&code_at_step(secret, step), &typed) {
            matched = Some(step);
        }
    }
    match (matched, last_used_step) {
        (None, _) => CodeCheck::Wrong,
        (Some(step), Some(last)) if step <= last => CodeCheck::Replayed,
        (Some(step), _) => CodeCheck::Accepted { step },
    }
}

/// Compares two codes in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The secret in base32 (RFC 4648, no padding), as authenticator applications take it typed.
pub fn secret_base32(secret: &[u8]) -> String {
    totp(secret).get_secret_base32()
}

/// The secret's base32 in groups of four, easier to type.
pub fn secret_for_typing(secret: &[u8]) -> String {
    let plain = secret_base32(secret);
    plain
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` address the QR code carries (Key Uri Format): issuer, account and parameters.
pub fn otpauth_uri(secret: &[u8], account_email: &str) -> String {
    let label = format!("{ISSUER}:{account_email}");
    format!(
        "otpauth://totp/{}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        escape(&label),
        secret_base32(secret),
    )
}

/// Percent-encodes everything but unreserved characters.
fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The letters of recovery codes: no 0/O, 1/I/L, so that a code read aloud or copied by hand is typed right.
pub const RECOVERY_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A recovery code as shown from ten random letters of [`RECOVERY_ALPHABET`]: `ABCDE-FGHJK`.
pub fn recovery_code_from(indices: &[u8; 10]) -> String {
    let letters: String = indices
        .iter()
        .map(|i| char::from(RECOVERY_ALPHABET[usize::from(*i) % RECOVERY_ALPHABET.len()]))
        .collect();
    format!("{}-{}", &letters[..5], &letters[5..])
}

/// A typed recovery code as it is hashed: upper case, without spaces or dashes.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether a typed second factor looks like a recovery code rather than a six-digit code.
pub fn looks_like_recovery_code(typed: &str) -> bool {
    normalise_recovery_code(typed).len() == 10
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 test secret.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_are_those_of_rfc_6238() {
        // Appendix B, SHA-1, last six digits of the eight-digit values.
        assert_eq!(code_at_step(RFC_SECRET, time_step(59)), "287082");
        assert_eq!(code_at_step(RFC_SECRET, time_step(1_111_111_109)), "081804");
        assert_eq!(code_at_step(RFC_SECRET, time_step(1_234_567_890)), "005924");
        assert_eq!(code_at_step(RFC_SECRET, time_step(2_000_000_000)), "279037");
    }

    #[test]
    fn a_code_of_the_step_or_its_neighbours_is_accepted_once() {
        let now = 1_795_000_000;
        let step = time_step(now);
        let code = code_at_step(RFC_SECRET, step);
        assert_eq!(
            check_code(RFC_SECRET, &code, now, None),
            CodeCheck::Accepted { step }
        );
        assert_eq!(
            check_code(RFC_SECRET, &code, now, Some(step)),
            CodeCheck::Replayed
        );
        let late = code_at_step(RFC_SECRET, step - 1);
        assert_eq!(
            check_code(RFC_SECRET, &late, now, None),
            CodeCheck::Accepted { step: step - 1 }
        );
        assert_eq!(
            check_code(RFC_SECRET, &late, now, Some(step)),
            CodeCheck::Replayed
        );
        let too_old = code_at_step(RFC_SECRET, step - 2);
        assert_eq!(
            check_code(RFC_SECRET, &too_old, now, None),
            CodeCheck::Wrong
        );
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(
            check_code(RFC_SECRET, &spaced, now, None),
            CodeCheck::Accepted { step }
        );
        assert_eq!(check_code(RFC_SECRET, "12345", now, None), CodeCheck::Wrong);
        assert_eq!(
            check_code(RFC_SECRET, "abcdef", now, None),
            CodeCheck::Wrong
        );
    }

    #[test]
    fn only_administrators_and_coordinators_must_have_a_second_factor() {
        let required: Vec<Role> = Role::ALL.into_iter().filter(|r| required_for(*r)).collect();
        assert_eq!(required, vec![Role::Coordinator, Role::Administrator]);
    }

    #[test]
    fn the_qr_address_names_the_issuer_and_the_account() {
        let uri = otpauth_uri(RFC_SECRET, "a.b@c.fr");
        assert_eq!(
            uri,
            "otpauth://totp/Aiguillage%3Aa.b%40c.fr?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Aiguillage&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            secret_for_typing(RFC_SECRET),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
    }

    #[test]
    fn recovery_codes_read_well_and_are_typed_loosely() {
        let code = recovery_code_from(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 40]);
        assert_eq!(code, "23456-789AB");
        assert_eq!(normalise_recovery_code(" 23456 789ak "), "23456789AK");
        assert!(looks_like_recovery_code("23456-789ak"));
        assert!(!looks_like_recovery_code("123456"));
    }
}
