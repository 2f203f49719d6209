//! The second factor's use cases: enrolling TOTP (a new secret, its QR code drawn here as SVG, the
//! first code confirming it, ten recovery codes shown once), checking the code or a recovery code at
//! sign-in (throttled like passwords, a code accepted once), and the administrator's audited reset.

use crate::state::AppState;
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::role::Role;
use aiguillage_domain::second_factor::{
    check_code, looks_like_recovery_code, normalise_recovery_code, otpauth_uri, recovery_code_from,
    secret_for_typing, CodeCheck, RECOVERY_CODES, SECRET_BYTES,
};
use aiguillage_domain::throttle::{ThrottleDecision, MAX_FAILURES_PER_ACCOUNT};
use aiguillage_store::{Account, CredentialChange, StoreError};
use rand::RngCore;

/// Why a second factor could not be enrolled, checked or reset (the messages are the user's).
#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    #[error("Code incorrect. Saisissez les six chiffres affichés maintenant par votre application, ou l'un de vos codes de secours.")]
    Wrong,
    #[error("Ce code a déjà servi. Attendez le code suivant de votre application (il change toutes les 30 secondes).")]
    Replayed,
    #[error("Trop de codes incorrects. Par sécurité, réessayez dans {minutes} minute(s).")]
    Throttled { minutes: i64 },
    #[error("L'enrôlement a expiré. Scannez le nouveau QR code affiché.")]
    EnrolmentExpired,
    #[error(
        "Ce compte a déjà une double authentification. Un administrateur peut la réinitialiser."
    )]
    AlreadyEnrolled,
    #[error("Ce compte n'a pas de double authentification.")]
    NotEnrolled,
    #[error("Seul un administrateur peut réinitialiser la double authentification d'un compte.")]
    Forbidden,
    #[error("compte introuvable")]
    UnknownAccount,
    #[error("QR code impossible à dessiner : {0}")]
    Drawing(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An enrolment to show: the secret to type and the QR code to scan. The secret is shown only
/// while the enrolment is not confirmed.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The base32 secret in groups of four.
    pub secret_for_typing: String,
    /// The `otpauth://` address the QR code carries.
    pub otpauth_uri: String,
    /// The QR code as an inline SVG element.
    pub qr_svg: String,
}

/// How a second factor was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    Code,
    /// A recovery code, spent; this many are left.
    RecoveryCode {
        left: i64,
    },
}

fn throttle_key(account: AccountId) -> String {
    format!("second-factor:{account}")
}

/// Reserves one attempt against the account's second-factor limit.
async fn reserve(state: &AppState, account: AccountId) -> Result<(), SecondFactorError> {
    let now = state.now();
    match state
        .store
        .reserve_login_attempt(&throttle_key(account), MAX_FAILURES_PER_ACCOUNT, now)
        .await?
    {
        ThrottleDecision::Allow => Ok(()),
        ThrottleDecision::Refuse {
            retry_after_seconds,
        } => Err(SecondFactorError::Throttled {
            minutes: (retry_after_seconds + 59) / 60,
        }),
    }
}

/// Starts (or shows again, within ten minutes) the enrolment of `account`.
pub async fn start_enrolment(
    state: &AppState,
    account: &Account,
) -> Result<Enrolment, SecondFactorError> {
    let id = AccountId::new(account.id);
    if state.store.second_factor_of(id).await?.is_some() {
        return Err(SecondFactorError::AlreadyEnrolled);
    }
    let now = state.now();
    let secret = match state.store.pending_totp_secret(id, now).await? {
        Some(secret) => secret,
        None => {
            let mut secret = vec![0u8; SECRET_BYTES];
            rand::rngs::OsRng.fill_bytes(&mut secret);
            if !state.store.begin_totp_enrolment(id, &secret, now).await? {
                return Err(SecondFactorError::AlreadyEnrolled);
            }
            secret
        }
    };
    let uri = otpauth_uri(&secret, &account.email);
    Ok(Enrolment {
        secret_for_typing: secret_for_typing(&secret),
        qr_svg: qr_svg(&uri)?,
        otpauth_uri: uri,
    })
}

/// The QR code of `text` as an SVG element to put in a page (no XML prologue), labelled.
pub fn qr_svg(text: &str) -> Result<String, SecondFactorError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| SecondFactorError::Drawing(e.to_string()))?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let start = image.find("<svg").unwrap_or(0);
    Ok(image[start..].replacen(
        "<svg ",
        "<svg role=\"img\" aria-label=\"QR code à scanner avec votre application d'authentification\" ",
        1,
    ))
}

/// Ten new recovery codes.
fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut indices = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut indices);
            // 31 letters: reject the bytes that would bias the draw.
            for index in &mut indices {
                while *index >= 248 {
                    let mut byte = [0u8; 1];
                    rand::rngs::OsRng.fill_bytes(&mut byte);
                    *index = byte[0];
                }
            }
            recovery_code_from(&indices)
        })
        .collect()
}

/// Confirms the pending enrolment of `account` with the code its application shows: the second
/// factor is on, and the ten recovery codes are returned, to be shown this once.
pub async fn confirm_enrolment(
    state: &AppState,
    account: AccountId,
    typed: &str,
    reason: &str,
) -> Result<Vec<String>, SecondFactorError> {
    reserve(state, account).await?;
    let now = state.now();
    let secret = state
        .store
        .pending_totp_secret(account, now)
        .await?
        .ok_or(SecondFactorError::EnrolmentExpired)?;
    let CodeCheck::Accepted { step } = check_code(&secret, typed, now, None) else {
        return Err(SecondFactorError::Wrong);
    };
    let codes = new_recovery_codes();
    let normalised: Vec<String> = codes.iter().map(|c| normalise_recovery_code(c)).collect();
    let change = CredentialChange {
        by: Some(account),
        reason,
    };
    if !state
        .store
        .confirm_totp_enrolment(account, (step, &normalised), change, now)
        .await?
    {
        return Err(SecondFactorError::EnrolmentExpired);
    }
    succeeded(state, account).await?;
    Ok(codes)
}

/// Checks the second factor typed at sign-in: a six-digit code of the account's application (each
/// accepted once) or one of its recovery codes (spent).
pub async fn verify(
    state: &AppState,
    account: AccountId,
    typed: &str,
) -> Result<Accepted, SecondFactorError> {
    reserve(state, account).await?;
    let now = state.now();
    if looks_like_recovery_code(typed) {
        let code = normalise_recovery_code(typed);
        if !state.store.use_recovery_code(account, &code, now).await? {
            return Err(SecondFactorError::Wrong);
        }
        succeeded(state, account).await?;
        let left = state
            .store
            .second_factor_of(account)
            .await?
            .map_or(0, |f| f.recovery_codes_left);
        return Ok(Accepted::RecoveryCode { left });
    }
    let material = state
        .store
        .totp_material(account)
        .await?
        .ok_or(SecondFactorError::NotEnrolled)?;
    match check_code(&material.secret, typed, now, material.last_used_step) {
        CodeCheck::Wrong => Err(SecondFactorError::Wrong),
        CodeCheck::Replayed => Err(SecondFactorError::Replayed),
        CodeCheck::Accepted { step } => {
            if !state.store.use_totp_step(account, step).await? {
                return Err(SecondFactorError::Replayed);
            }
            succeeded(state, account).await?;
            Ok(Accepted::Code)
        }
    }
}

/// A success forgets the account's failures.
async fn succeeded(state: &AppState, account: AccountId) -> Result<(), SecondFactorError> {
    state
        .store
        .clear_login_failures(&throttle_key(account))
        .await?;
    Ok(())
}

/// An administrator resets the second factor of `account`: deleted with its recovery codes and
/// sessions, audited; an administrator or coordinator enrols again at the next sign-in, another
/// account may. Returns whether the account had one.
pub async fn reset(
    state: &AppState,
    administrator: &Account,
    account: AccountId,
    reason: &str,
) -> Result<bool, SecondFactorError> {
    if administrator.role != Role::Administrator || !administrator.active {
        return Err(SecondFactorError::Forbidden);
    }
    match state.store.account(account.get()).await {
        Err(StoreError::NotFound(_)) => return Err(SecondFactorError::UnknownAccount),
        other => other?,
    };
    let change = CredentialChange {
        by: Some(AccountId::new(administrator.id)),
        reason,
    };
    let had = state
        .store
        .reset_second_factor(account, change, state.now())
        .await?;
    tracing::info!(
        account = account.get(),
        by = administrator.id,
        "second factor reset"
    );
    Ok(had)
}

/// Enrols `account` with a secret chosen by the caller, confirmed at once (the demo's fictitious
/// accounts, whose keys it prints so that a visitor can add them to an application); no step is
/// used yet. Returns the recovery codes.
pub async fn enrol_known_secret(
    store: &aiguillage_store::Store,
    account: AccountId,
    secret: &[u8],
    reason: &str,
    now: i64,
) -> Result<Vec<String>, SecondFactorError> {
    if !store.begin_totp_enrolment(account, secret, now).await? {
        return Err(SecondFactorError::AlreadyEnrolled);
    }
    let codes = new_recovery_codes();
    let normalised: Vec<String> = codes.iter().map(|c| normalise_recovery_code(c)).collect();
    let before_any_step = aiguillage_domain::second_factor::time_step(now)
        - aiguillage_domain::second_factor::SKEW_STEPS
        - 1;
    let change = CredentialChange { by: None, reason };
    store
        .confirm_totp_enrolment(account, (before_any_step, &normalised), change, now)
        .await?;
    Ok(codes)
}
