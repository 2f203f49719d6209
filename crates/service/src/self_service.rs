//! A professional's own credentials: changing the password (the current one required, throttled,
//! the other sessions ended), and resetting a forgotten one by e-mail (a single-use link good for
//! 30 minutes; the same answer whether the address is known or not, throttled by address and
//! network; the mail leaves in the background so that the answer's time does not tell either).

use crate::credentials::{hash_password, random_token, token_hash, verify_password};
use crate::mail::send_mail;
use crate::state::AppState;
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::password::{account_words, check_new_password, RESET_LINK_LIFETIME_SECONDS};
use aiguillage_domain::throttle::{
    ThrottleDecision, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS,
};
use aiguillage_store::{Account, CredentialChange, StoreError};

/// Reset links one address may ask for within the throttle window.
pub const MAX_RESETS_PER_EMAIL: i64 = 3;

/// The fields of a new password, checked together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordFieldErrors {
    pub current: Option<String>,
    pub new: Option<String>,
    pub confirm: Option<String>,
}

impl PasswordFieldErrors {
    pub fn is_empty(&self) -> bool {
        self.current.is_none() && self.new.is_none() && self.confirm.is_none()
    }
}

/// Why a password was not changed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error("Le formulaire contient des erreurs.")]
    Invalid(PasswordFieldErrors),
    #[error("Trop de tentatives. Par sécurité, réessayez dans {minutes} minute(s).")]
    Throttled { minutes: i64 },
    #[error("Ce lien de réinitialisation n'est plus valable : il a déjà servi ou il a expiré (30 minutes). Demandez-en un nouveau.")]
    LinkInvalid,
    #[error("hachage impossible : {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn minutes(retry_after_seconds: i64) -> i64 {
    (retry_after_seconds + 59) / 60
}

async fn reserve(state: &AppState, key: &str, limit: i64) -> Result<(), PasswordChangeError> {
    match state
        .store
        .reserve_login_attempt(key, limit, state.now())
        .await?
    {
        ThrottleDecision::Allow => Ok(()),
        ThrottleDecision::Refuse {
            retry_after_seconds,
        } => Err(PasswordChangeError::Throttled {
            minutes: minutes(retry_after_seconds),
        }),
    }
}

/// The new password's own checks: the rules, and the same twice.
fn check_new(account: &Account, new: &str, confirm: &str, errors: &mut PasswordFieldErrors) {
    let words = account_words(&account.email, &account.display_name);
    if let Err(error) = check_new_password(new, &words) {
        errors.new = Some(error.to_string());
    } else if new != confirm {
        errors.confirm = Some("Les deux saisies du nouveau mot de passe sont différentes.".into());
    }
}

async fn hash(password: &str) -> Result<String, PasswordChangeError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| PasswordChangeError::Hash(e.to_string()))?
        .map_err(|e| PasswordChangeError::Hash(e.to_string()))
}

/// What a password change needs: the typed fields and the session it is made from (kept).
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
    /// The hash of the session's token, which stays open; every other session ends.
    pub session: &'a str,
    pub reason: &'a str,
}

/// Changes the signed-in account's password: the current one must match (attempts throttled like
/// sign-ins), the new one follows the rules; every other session of the account ends; audited.
pub async fn change_password(
    state: &AppState,
    account: &Account,
    change: PasswordChange<'_>,
) -> Result<(), PasswordChangeError> {
    let id = AccountId::new(account.id);
    let key = format!("password-change:{id}");
    reserve(state, &key, MAX_FAILURES_PER_ACCOUNT).await?;
    let stored = state.store.password_hash_of(id).await?;
    let current = change.current.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&current, &stored))
        .await
        .map_err(|e| PasswordChangeError::Hash(e.to_string()))?;
    let mut errors = PasswordFieldErrors::default();
    if !matches {
        errors.current = Some("Le mot de passe actuel est incorrect.".into());
    }
    check_new(account, change.new, change.confirm, &mut errors);
    if !errors.is_empty() {
        return Err(PasswordChangeError::Invalid(errors));
    }
    state.store.clear_login_failures(&key).await?;
    let new_hash = hash(change.new).await?;
    let by = CredentialChange {
        by: Some(id),
        reason: change.reason,
    };
    state
        .store
        .change_password(id, (&new_hash, Some(change.session)), by, state.now())
        .await?;
    tracing::info!(account_id = account.id, "password changed");
    Ok(())
}

/// Someone asks for a reset link for `email` from `client`: throttled for the address and the
/// network whether the account exists or not; when an active account has this address and mail is
/// configured, a link is stored (hashed) and mailed in the background. The caller answers the same
/// way in every case but the throttle.
pub async fn request_reset(
    state: &AppState,
    email: &str,
    client: &str,
) -> Result<(), PasswordChangeError> {
    let email = email.trim().to_lowercase();
    let by_email = format!("reset:email:{}", token_hash(&email));
    reserve(state, &by_email, MAX_RESETS_PER_EMAIL).await?;
    if let Err(refused) = reserve(
        state,
        &format!("reset:ip:{client}"),
        MAX_FAILURES_PER_ADDRESS,
    )
    .await
    {
        state
            .store
            .release_login_attempt(&by_email, state.now())
            .await?;
        return Err(refused);
    }
    let Some(candidate) = state.store.login_candidate(&email).await? else {
        tracing::info!("password reset asked for an unknown address");
        return Ok(());
    };
    let Some(smtp) = state.settings.smtp.clone() else {
        tracing::warn!("password reset asked, but no SMTP relay is configured");
        return Ok(());
    };
    if !candidate.account.active {
        return Ok(());
    }
    let now = state.now();
    let token = random_token();
    state
        .store
        .create_password_reset(
            AccountId::new(candidate.account.id),
            &token_hash(&token),
            now + RESET_LINK_LIFETIME_SECONDS,
            now,
        )
        .await?;
    let link = format!(
        "{}/mot-de-passe/nouveau/{token}",
        state.settings.public_url.trim_end_matches('/')
    );
    let body = format!(
        "Bonjour,\n\nQuelqu'un (vous, sans doute) a demandé à choisir un nouveau mot de passe pour votre compte Aiguillage.\n\nOuvrez ce lien dans les 30 minutes pour le choisir (il ne sert qu'une fois) :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n"
    );
    let to = vec![candidate.account.email.clone()];
    let account_id = candidate.account.id;
    tokio::spawn(async move {
        match send_mail(
            &smtp,
            &to,
            "Aiguillage : choisir un nouveau mot de passe",
            &body,
        )
        .await
        {
            Ok(_) => tracing::info!(account_id, "password reset link mailed"),
            Err(error) => tracing::warn!(account_id, %error, "password reset link not mailed"),
        }
    });
    Ok(())
}

/// Whether a reset link is still good (to show its form or say it is not).
pub async fn reset_link_is_good(
    state: &AppState,
    token: &str,
) -> Result<bool, PasswordChangeError> {
    Ok(state
        .store
        .password_reset_account(&token_hash(token), state.now())
        .await?
        .is_some())
}

/// Sets a new password through a reset link: the link is spent (once), every session of the
/// account ends, audited. The second factor is not touched: it is still asked at the next sign-in.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    (new, confirm): (&str, &str),
    reason: &str,
) -> Result<AccountId, PasswordChangeError> {
    let hashed_token = token_hash(token);
    let now = state.now();
    let account = state
        .store
        .password_reset_account(&hashed_token, now)
        .await?
        .ok_or(PasswordChangeError::LinkInvalid)?;
    let account_record = state.store.account(account.get()).await?;
    let mut errors = PasswordFieldErrors::default();
    check_new(&account_record, new, confirm, &mut errors);
    if !errors.is_empty() {
        return Err(PasswordChangeError::Invalid(errors));
    }
    let new_hash = hash(new).await?;
    let reset = state
        .store
        .reset_password(&hashed_token, &new_hash, reason, state.now())
        .await?
        .ok_or(PasswordChangeError::LinkInvalid)?;
    tracing::info!(account_id = reset.get(), "password reset through a link");
    Ok(reset)
}
