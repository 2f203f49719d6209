//! The second factor's pages: the code asked after the password (`/connexion/code`, a TOTP code
//! or a recovery code), the enrolment an administrator's or coordinator's account goes through at
//! sign-in before reaching any page (`/connexion/double-authentification`), the enrolment offered to
//! everyone from « Mon compte » (`/compte/double-authentification`), the ten recovery codes shown
//! once, and the administrator's reset of an account's second factor (audited).
//!
//! Before the second factor, nobody is signed in: the waiting session only reaches these pages, and
//! their forms carry the login form's nonce (`pages::login::login_csrf`), consumed at each post.
//! Once the factor is checked, the waiting session is replaced by a complete one (a new token).

use crate::auth::{CurrentUser, PendingSignIn, Professional, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::format_time;
use crate::pages::login::{
    client_ip, consume_nonce, login_csrf, open_session, safe_next, user_agent, Opening,
};
use crate::pages::render;
use crate::security_event::{record, EventContext, SecurityEvent};
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::second_factor::required_for;
use aiguillage_domain::session::SessionStage;
use aiguillage_service::credentials::random_token;
use aiguillage_service::second_factor::{
    confirm_enrolment, reset, start_enrolment, verify, Accepted, Enrolment, SecondFactorError,
};
use aiguillage_service::state::AppState;
use aiguillage_store::Account;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "second_factor_code.html")]
struct CodeTemplate {
    layout: Layout,
    next: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "second_factor_enrol.html")]
struct EnrolTemplate {
    layout: Layout,
    /// Where the form posts: the sign-in's step or the account's page.
    action: &'static str,
    next: String,
    /// The enrolment is required before any page (an administrator or coordinator signing in).
    required: bool,
    enrolment: Enrolment,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "second_factor_codes.html")]
struct RecoveryCodesTemplate {
    layout: Layout,
    codes: Vec<String>,
    next: String,
}

#[derive(Template)]
#[template(path = "second_factor_status.html")]
struct StatusTemplate {
    layout: Layout,
    since: String,
    recovery_codes_left: i64,
    required: bool,
    /// The professional just signed in with a recovery code.
    recovery_used: bool,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    suivant: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    suivant: Option<String>,
}

/// The waiting sign-in at `stage`, or the login page.
fn pending_at(
    pending: Option<Extension<PendingSignIn>>,
    stage: SessionStage,
) -> Result<PendingSignIn, Redirect> {
    match pending {
        Some(Extension(pending)) if pending.stage == stage => Ok(pending),
        Some(Extension(pending)) => Err(Redirect::to(pending.step_path())),
        None => Err(Redirect::to(EXPIRED)),
    }
}

/// The status and message of a refused code.
fn refusal(error: &SecondFactorError) -> Result<(StatusCode, String), WebError> {
    let status = match error {
        SecondFactorError::Wrong | SecondFactorError::Replayed => StatusCode::UNPROCESSABLE_ENTITY,
        SecondFactorError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        SecondFactorError::EnrolmentExpired => StatusCode::CONFLICT,
        SecondFactorError::Store(store) => {
            return Err(WebError::Internal(store.to_string()));
        }
        other => return Err(WebError::BadRequest(other.to_string())),
    };
    Ok((status, error.to_string()))
}

/// Replaces the waiting session by a complete one: the professional is signed in. Returns the
/// jar with its cookie and the viewer it makes (for a page drawn at once).
async fn complete(
    state: &AppState,
    jar: CookieJar,
    pending: &PendingSignIn,
    headers: &HeaderMap,
) -> Result<(CookieJar, Viewer), WebError> {
    // A sign-in through ProConnect keeps its ID token, for the logout at the provider.
    let id_token = state
        .store
        .session_id_token(&pending.token_hash)
        .await?
        .filter(|(account, _)| *account == pending.account.id)
        .map(|(_, token)| token);
    state.store.delete_session(&pending.token_hash).await?;
    let opening = Opening {
        account: AccountId::new(pending.account.id),
        stage: SessionStage::Complete,
        user_agent: user_agent(headers),
        csrf_token: random_token(),
        id_token,
    };
    let jar = open_session(state, jar, &opening, state.now()).await?;
    let viewer = Viewer(Some(CurrentUser {
        account: pending.account.clone(),
        csrf_token: opening.csrf_token,
        token_hash: String::new(),
        unread_notifications: 0,
        structure_count: 1,
        must_choose_structure: false,
    }));
    Ok((jar, viewer))
}

fn second_factor_event(event: SecurityEvent, account: &Account, client: &str, path: &str) {
    record(
        event,
        EventContext {
            account_id: Some(account.id),
            client: Some(client),
            method: Some("POST"),
            path: Some(path),
        },
    );
}

/// `GET /connexion/code`: the code after the password.
pub async fn show_code(
    State(state): State<AppState>,
    pending: Option<Extension<PendingSignIn>>,
    jar: CookieJar,
    Query(query): Query<NextQuery>,
) -> Result<Response, WebError> {
    if let Err(elsewhere) = pending_at(pending, SessionStage::SecondFactor) {
        return Ok(elsewhere.into_response());
    }
    let (jar, token) = login_csrf(&state, jar).await?;
    let page = CodeTemplate {
        layout: Layout::new(
            &state,
            &Viewer(None),
            "/connexion/code",
            "Code de vérification",
        )
        .with_csrf_token(token),
        next: safe_next(query.suivant.as_deref()),
        error: None,
    };
    Ok((jar, render(&page)?).into_response())
}

/// `POST /connexion/code`: a TOTP code (accepted once) or a recovery code (spent) completes the
/// sign-in; a wrong one shows the form again, throttled like passwords.
pub async fn submit_code(
    State(state): State<AppState>,
    pending: Option<Extension<PendingSignIn>>,
    jar: CookieJar,
    extensions: Extensions,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let pending = match pending_at(pending, SessionStage::SecondFactor) {
        Ok(pending) => pending,
        Err(elsewhere) => return Ok(elsewhere.into_response()),
    };
    consume_nonce(&state, &jar, state.now()).await?;
    let next = safe_next(form.suivant.as_deref());
    let account = AccountId::new(pending.account.id);
    let client = client_ip(&extensions);
    match verify(&state, account, &form.code).await {
        Ok(accepted) => {
            let (jar, _) = complete(&state, jar, &pending, &headers).await?;
            let to = match accepted {
                Accepted::Code => next,
                Accepted::RecoveryCode { left } => {
                    tracing::info!(account_id = account.get(), left, "recovery code used");
                    "/compte/double-authentification?secours=1".to_owned()
                }
            };
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(error) => {
            let event = match error {
                SecondFactorError::Throttled { .. } => SecurityEvent::LoginThrottled,
                _ => SecurityEvent::LoginFailed,
            };
            second_factor_event(event, &pending.account, &client, "/connexion/code");
            let (status, message) = refusal(&error)?;
            let (jar, token) = login_csrf(&state, jar).await?;
            let page = CodeTemplate {
                layout: Layout::new(
                    &state,
                    &Viewer(None),
                    "/connexion/code",
                    "Code de vérification",
                )
                .with_csrf_token(token),
                next,
                error: Some(message),
            };
            Ok((status, jar, render(&page)?).into_response())
        }
    }
}

/// `GET /connexion/double-authentification`: the enrolment an administrator's or coordinator's
/// account must go through before any page.
pub async fn show_sign_in_enrolment(
    State(state): State<AppState>,
    pending: Option<Extension<PendingSignIn>>,
    jar: CookieJar,
    Query(query): Query<NextQuery>,
) -> Result<Response, WebError> {
    let pending = match pending_at(pending, SessionStage::Enrolment) {
        Ok(pending) => pending,
        Err(elsewhere) => return Ok(elsewhere.into_response()),
    };
    let enrolment = start_enrolment(&state, &pending.account)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let (jar, token) = login_csrf(&state, jar).await?;
    let page = EnrolTemplate {
        layout: Layout::new(
            &state,
            &Viewer(None),
            SIGN_IN_ENROLMENT,
            "Double authentification",
        )
        .with_csrf_token(token),
        action: SIGN_IN_ENROLMENT,
        next: safe_next(query.suivant.as_deref()),
        required: true,
        enrolment,
        error: None,
    };
    Ok((jar, render(&page)?).into_response())
}

/// Where a step's page sends a browser with no sign-in waiting (expired, or never begun).
const EXPIRED: &str = "/connexion?expiree=1";
const SIGN_IN_ENROLMENT: &str = "/connexion/double-authentification";
const ACCOUNT_ENROLMENT: &str = "/compte/double-authentification";

/// `POST /connexion/double-authentification`: the first code confirms the enrolment; the
/// professional is signed in and sees the ten recovery codes, once.
pub async fn submit_sign_in_enrolment(
    State(state): State<AppState>,
    pending: Option<Extension<PendingSignIn>>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let pending = match pending_at(pending, SessionStage::Enrolment) {
        Ok(pending) => pending,
        Err(elsewhere) => return Ok(elsewhere.into_response()),
    };
    consume_nonce(&state, &jar, state.now()).await?;
    let next = safe_next(form.suivant.as_deref());
    let account = AccountId::new(pending.account.id);
    let reason = format!("POST {SIGN_IN_ENROLMENT}");
    match confirm_enrolment(&state, account, &form.code, &reason).await {
        Ok(codes) => {
            let (jar, viewer) = complete(&state, jar, &pending, &headers).await?;
            let page = RecoveryCodesTemplate {
                layout: Layout::new(&state, &viewer, SIGN_IN_ENROLMENT, "Codes de secours"),
                codes,
                next,
            };
            Ok((jar, render(&page)?).into_response())
        }
        Err(error) => {
            let (status, message) = refusal(&error)?;
            let enrolment = start_enrolment(&state, &pending.account)
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?;
            let (jar, token) = login_csrf(&state, jar).await?;
            let page = EnrolTemplate {
                layout: Layout::new(
                    &state,
                    &Viewer(None),
                    SIGN_IN_ENROLMENT,
                    "Double authentification",
                )
                .with_csrf_token(token),
                action: SIGN_IN_ENROLMENT,
                next,
                required: true,
                enrolment,
                error: Some(message),
            };
            Ok((status, jar, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct StatusQuery {
    #[serde(default)]
    secours: String,
}

/// `GET /compte/double-authentification`: the account's second factor, or its enrolment.
pub async fn show_account(
    me: Professional,
    Query(query): Query<StatusQuery>,
) -> Result<Response, WebError> {
    let account = AccountId::new(me.user.account.id);
    if let Some(factor) = me.state.store.second_factor_of(account).await? {
        let page = StatusTemplate {
            layout: me.layout(ACCOUNT_ENROLMENT, "Double authentification"),
            recovery_used: !query.secours.is_empty(),
            since: format_time(factor.confirmed_at),
            recovery_codes_left: factor.recovery_codes_left,
            required: required_for(me.user.account.role),
        };
        return render(&page);
    }
    let enrolment = start_enrolment(&me.state, &me.user.account)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    render(&EnrolTemplate {
        layout: me.layout(ACCOUNT_ENROLMENT, "Double authentification"),
        action: ACCOUNT_ENROLMENT,
        next: "/compte".to_owned(),
        required: false,
        enrolment,
        error: None,
    })
}

/// `POST /compte/double-authentification`: confirms the enrolment offered from « Mon compte ».
pub async fn submit_account(
    me: Professional,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let account = AccountId::new(me.user.account.id);
    if me.state.store.second_factor_of(account).await?.is_some() {
        return Ok(Redirect::to(ACCOUNT_ENROLMENT).into_response());
    }
    match confirm_enrolment(&me.state, account, &form.code, &me.reason).await {
        Ok(codes) => render(&RecoveryCodesTemplate {
            layout: me.layout(ACCOUNT_ENROLMENT, "Codes de secours"),
            codes,
            next: "/compte".to_owned(),
        }),
        Err(SecondFactorError::AlreadyEnrolled) => {
            Ok(Redirect::to(ACCOUNT_ENROLMENT).into_response())
        }
        Err(error) => {
            let (status, message) = refusal(&error)?;
            let enrolment = start_enrolment(&me.state, &me.user.account)
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?;
            let page = EnrolTemplate {
                layout: me.layout(ACCOUNT_ENROLMENT, "Double authentification"),
                action: ACCOUNT_ENROLMENT,
                next: "/compte".to_owned(),
                required: false,
                enrolment,
                error: Some(message),
            };
            Ok((status, render(&page)?).into_response())
        }
    }
}

/// `POST /administration/comptes/{id}/double-authentification`: an administrator resets an
/// account's second factor (secret, recovery codes and sessions deleted; audited).
pub async fn admin_reset(
    me: Professional,
    Path(id): Path<AccountId>,
) -> Result<Response, WebError> {
    match reset(&me.state, &me.user.account, id, &me.reason).await {
        Ok(had) => {
            let done = if had { "reinitialise" } else { "aucun" };
            Ok(Redirect::to(&format!(
                "/administration/comptes?double_authentification={done}#comptes"
            ))
            .into_response())
        }
        Err(SecondFactorError::UnknownAccount) => Err(WebError::NotFound),
        Err(SecondFactorError::Forbidden) => Err(WebError::Forbidden),
        Err(error) => Err(WebError::Internal(error.to_string())),
    }
}
