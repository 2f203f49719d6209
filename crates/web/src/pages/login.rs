//! Login and logout: password check with throttle, session creation at login (a new token each time),
//! session deletion at logout.
//!
//! A login attempt, in order: the page to return to is checked (a local path or home), the form's
//! CSRF nonce is consumed (one login per form the server issued), one attempt is reserved against
//! the account's and the address's limits (atomically, in the database), and only then is the
//! password hash checked. Failed and throttled attempts are logged as security events. A right
//! password opens a complete session, or, when the account has a second factor (or its role
//! requires one it has not enrolled), a session waiting for that step (`pages::second_factor`).

use crate::auth::session::{login_csrf_cookie, secure_cookie, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::auth::{CurrentUser, PendingSignIn, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use crate::security_event::{record, EventContext, SecurityEvent};
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::session::{SessionStage, LOGIN_FORM_LIFETIME_SECONDS};
use aiguillage_domain::throttle::{
    ThrottleDecision, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS,
};
use aiguillage_service::credentials::{decoy_hash, random_token, token_hash, verify_password};
use aiguillage_service::state::AppState;
use aiguillage_store::{LoginCandidate, NewSession};
use askama::Template;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Query, State};
use axum::http::{header, Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use std::net::SocketAddr;

const WRONG_CREDENTIALS: &str = "Adresse électronique ou mot de passe incorrect.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    layout: Layout,
    error: Option<String>,
    email: String,
    next: String,
    signed_out: bool,
    /// A sign-in left waiting for its second factor has expired.
    expired: bool,
    /// The « S'identifier avec ProConnect » button is shown.
    proconnect: bool,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    suivant: Option<String>,
    deconnecte: Option<String>,
    expiree: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    suivant: Option<String>,
}

/// Only local paths are followed after login, never another site: a path of printable ASCII
/// characters (no space, no control character, no backslash) starting with a single `/`. Anything
/// else (`//host`, `/\thost`, `/\\host`, a line break) leads home.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b'\\')
}

/// The login form's CSRF token: the cookie's nonce while the server still holds it, or a new nonce
/// stored with its expiry and set in the returned jar. Public forms (the self-diagnostic) use it too
/// when nobody is signed in.
pub(crate) async fn login_csrf(
    state: &AppState,
    jar: CookieJar,
) -> Result<(CookieJar, String), WebError> {
    let now = state.now();
    if let Some(nonce) = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()) {
        if state
            .store
            .login_nonce_is_live(&token_hash(&nonce), now)
            .await?
        {
            return Ok((jar, nonce));
        }
    }
    let nonce = random_token();
    state
        .store
        .issue_login_nonce(&token_hash(&nonce), now + LOGIN_FORM_LIFETIME_SECONDS, now)
        .await?;
    Ok((jar.add(login_csrf_cookie(nonce.clone())), nonce))
}

pub async fn show_login(
    State(state): State<AppState>,
    viewer: Viewer,
    pending: Option<axum::Extension<PendingSignIn>>,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Result<Response, WebError> {
    if viewer.0.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    if let Some(axum::Extension(pending)) = pending {
        // Half-way through signing in: the second factor's step comes first.
        let next = safe_next(query.suivant.as_deref());
        let to = format!(
            "{}?suivant={}",
            pending.step_path(),
            urlencoding::encode(&next)
        );
        return Ok(Redirect::to(&to).into_response());
    }
    let (jar, token) = login_csrf(&state, jar).await?;
    let template = LoginTemplate {
        layout: Layout::new(&state, &viewer, "/connexion", "Connexion").with_csrf_token(token),
        error: None,
        email: String::new(),
        next: safe_next(query.suivant.as_deref()),
        signed_out: query.deconnecte.is_some(),
        expired: query.expiree.is_some(),
        proconnect: state.proconnect.is_some(),
    };
    Ok((jar, render(&template)?).into_response())
}

pub(crate) fn client_ip(extensions: &Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|| "inconnue".to_owned())
}

/// What a refused attempt shows again: the form, with the e-mail typed and the page asked for.
struct Refusal<'a> {
    state: &'a AppState,
    viewer: &'a Viewer,
    email: &'a str,
    next: &'a str,
}

impl Refusal<'_> {
    /// The form again with `message`, and a fresh CSRF nonce (the one just used is spent).
    async fn page(
        &self,
        status: StatusCode,
        message: String,
        jar: CookieJar,
    ) -> Result<Response, WebError> {
        let (jar, token) = login_csrf(self.state, jar).await?;
        let template = LoginTemplate {
            layout: Layout::new(self.state, self.viewer, "/connexion", "Connexion")
                .with_csrf_token(token),
            error: Some(message),
            email: self.email.to_owned(),
            next: self.next.to_owned(),
            signed_out: false,
            expired: false,
            proconnect: self.state.proconnect.is_some(),
        };
        render(&template).map(|page| (status, jar, page).into_response())
    }
}

/// The sign-in page again with `message` (a sign-in through ProConnect that did not end well).
pub(crate) async fn login_page_with_error(
    state: &AppState,
    viewer: &Viewer,
    jar: CookieJar,
    (status, message): (StatusCode, String),
) -> Result<Response, WebError> {
    let refusal = Refusal {
        state,
        viewer,
        email: "",
        next: "/",
    };
    refusal.page(status, message, jar).await
}

/// The two counters an attempt is reserved against: the account's (by the e-mail's hash, never the
/// e-mail in clear) and the address's.
struct ThrottleKeys {
    account: String,
    address: String,
}

impl ThrottleKeys {
    fn new(email: &str, client: &str) -> ThrottleKeys {
        ThrottleKeys {
            account: format!("email:{}", token_hash(email)),
            address: format!("ip:{client}"),
        }
    }

    /// Reserves the attempt against both limits, or against neither: `Some(seconds to wait)` when
    /// one of them is reached.
    async fn reserve(&self, state: &AppState, now: i64) -> Result<Option<i64>, WebError> {
        let store = &state.store;
        if let ThrottleDecision::Refuse {
            retry_after_seconds,
        } = store
            .reserve_login_attempt(&self.account, MAX_FAILURES_PER_ACCOUNT, now)
            .await?
        {
            return Ok(Some(retry_after_seconds));
        }
        if let ThrottleDecision::Refuse {
            retry_after_seconds,
        } = store
            .reserve_login_attempt(&self.address, MAX_FAILURES_PER_ADDRESS, now)
            .await?
        {
            store.release_login_attempt(&self.account, now).await?;
            return Ok(Some(retry_after_seconds));
        }
        Ok(None)
    }

    /// After a successful login: the account's failures are forgotten and the address's reserved
    /// attempt given back, so that success never counts against either.
    async fn succeeded(&self, state: &AppState, now: i64) -> Result<(), WebError> {
        state.store.clear_login_failures(&self.account).await?;
        state
            .store
            .release_login_attempt(&self.address, now)
            .await?;
        state.store.purge_login_throttle(now).await?;
        Ok(())
    }
}

fn throttled_message(retry_after_seconds: i64) -> String {
    let minutes = (retry_after_seconds + 59) / 60;
    format!(
        "Trop de tentatives de connexion échouées. Par sécurité, réessayez dans {minutes} minute{}.",
        if minutes > 1 { "s" } else { "" }
    )
}

fn login_event(event: SecurityEvent, account_id: Option<i64>, client: &str) {
    record(
        event,
        EventContext {
            account_id,
            client: Some(client),
            method: Some("POST"),
            path: Some("/connexion"),
        },
    );
}

pub async fn submit_login(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    extensions: Extensions,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    if viewer.0.is_some() {
        // A login form left open in another tab: the person is signed in already.
        return Ok(Redirect::to("/").into_response());
    }
    let now = state.now();
    let next = safe_next(form.suivant.as_deref());
    consume_nonce(&state, &jar, now).await?;
    let email = form.email.trim().to_lowercase();
    let client = client_ip(&extensions);
    let refusal = Refusal {
        state: &state,
        viewer: &viewer,
        email: &email,
        next: &next,
    };
    let candidate = state.store.login_candidate(&email).await?;
    let account_id = candidate.as_ref().map(|c| c.account.id);
    let keys = ThrottleKeys::new(&email, &client);
    if let Some(retry_after_seconds) = keys.reserve(&state, now).await? {
        login_event(SecurityEvent::LoginThrottled, account_id, &client);
        let message = throttled_message(retry_after_seconds);
        return refusal
            .page(StatusCode::TOO_MANY_REQUESTS, message, jar)
            .await;
    }

    let matches = password_matches(candidate.as_ref(), form.password.clone()).await?;
    let account = match candidate {
        Some(candidate) if matches && candidate.account.active => candidate.account,
        _ => {
            login_event(SecurityEvent::LoginFailed, account_id, &client);
            let message = WRONG_CREDENTIALS.to_owned();
            return refusal.page(StatusCode::UNAUTHORIZED, message, jar).await;
        }
    };

    keys.succeeded(&state, now).await?;
    let id = AccountId::new(account.id);
    let stage = sign_in_stage(&state, id, account.role).await?;
    let opening = Opening {
        account: id,
        stage,
        user_agent: user_agent(&headers),
        csrf_token: random_token(),
        id_token: None,
    };
    let jar = open_session(&state, jar, &opening, now).await?;
    Ok((jar, Redirect::to(&after_sign_in(stage, next))).into_response())
}

/// The stage a sign-in opens at: the second factor when the account has one, its enrolment when the
/// role requires one, else complete. Password and ProConnect sign-ins alike.
pub(crate) async fn sign_in_stage(
    state: &AppState,
    account: AccountId,
    role: aiguillage_domain::role::Role,
) -> Result<SessionStage, WebError> {
    Ok(if state.store.second_factor_of(account).await?.is_some() {
        SessionStage::SecondFactor
    } else if aiguillage_domain::second_factor::required_for(role) {
        SessionStage::Enrolment
    } else {
        SessionStage::Complete
    })
}

/// Where a sign-in at `stage` goes: the page asked for, or the second factor's step first.
pub(crate) fn after_sign_in(stage: SessionStage, next: String) -> String {
    match stage {
        SessionStage::Complete => next,
        SessionStage::SecondFactor => {
            format!("/connexion/code?suivant={}", urlencoding::encode(&next))
        }
        SessionStage::Enrolment => format!(
            "/connexion/double-authentification?suivant={}",
            urlencoding::encode(&next)
        ),
    }
}

/// The browser's `User-Agent`, for the list of the account's sessions.
pub(crate) fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A session to open for an account: at which stage, from which browser.
pub(crate) struct Opening {
    pub account: AccountId,
    pub stage: SessionStage,
    pub user_agent: String,
    /// The session's CSRF token (random).
    pub csrf_token: String,
    /// The ID token of a sign-in through ProConnect, kept for the logout at the provider.
    pub id_token: Option<String>,
}

/// The login form's nonce (named by the login cookie) is consumed, or the form is refused.
pub(crate) async fn consume_nonce(
    state: &AppState,
    jar: &CookieJar,
    now: i64,
) -> Result<(), WebError> {
    let nonce = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|cookie| token_hash(cookie.value()))
        .unwrap_or_default();
    if !state.store.consume_login_nonce(&nonce, now).await? {
        return Err(WebError::CsrfRejected);
    }
    Ok(())
}

/// Whether the password is the account's, checked on a blocking thread; an unknown e-mail is
/// checked against a decoy hash so that the time taken does not reveal accounts.
async fn password_matches(
    candidate: Option<&LoginCandidate>,
    password: String,
) -> Result<bool, WebError> {
    let stored_hash =
        candidate.map_or_else(|| decoy_hash().to_owned(), |c| c.password_hash.clone());
    tokio::task::spawn_blocking(move || verify_password(&password, &stored_hash))
        .await
        .map_err(|e| WebError::Internal(format!("password check: {e}")))
}

/// Replaces any session of this browser by a new one (a new token) for the account at its stage;
/// a complete one records the login. A waiting one keeps the login form's cookie, whose nonces the
/// second factor's forms use.
pub(crate) async fn open_session(
    state: &AppState,
    jar: CookieJar,
    opening: &Opening,
    now: i64,
) -> Result<CookieJar, WebError> {
    // A session opened through ProConnect keeps its ID token across the second factor's step, so
    // that the logout can still end the session at the provider.
    let mut id_token = opening.id_token.clone();
    if let Some(old) = jar.get(SESSION_COOKIE) {
        let old_hash = token_hash(old.value());
        if let Some((account, token)) = state.store.session_id_token(&old_hash).await? {
            if account == opening.account.get() && id_token.is_none() {
                id_token = Some(token);
            }
        }
        state.store.delete_session(&old_hash).await?;
    }
    let token = random_token();
    let hash = token_hash(&token);
    let session = NewSession {
        token_hash: &hash,
        account: opening.account,
        csrf_token: &opening.csrf_token,
        stage: opening.stage,
        user_agent: &opening.user_agent,
    };
    state.store.open_session(&session, now).await?;
    if let Some(id_token) = id_token {
        state.store.set_session_id_token(&hash, &id_token).await?;
    }
    let account_id = opening.account.get();
    if opening.stage != SessionStage::Complete {
        tracing::info!(
            account_id,
            stage = opening.stage.code(),
            "password accepted, second factor asked"
        );
        return Ok(jar.add(secure_cookie(
            SESSION_COOKIE,
            token,
            state.settings.secure_cookies,
        )));
    }
    state.store.record_login(account_id, now).await?;
    tracing::info!(account_id, "login");
    Ok(jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/"))
        .add(secure_cookie(
            SESSION_COOKIE,
            token,
            state.settings.secure_cookies,
        )))
}

pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> Result<Response, WebError> {
    if let Some(response) =
        crate::pages::proconnect::logout_at_provider(&state, &user.token_hash, jar.clone()).await?
    {
        tracing::info!(account_id = user.account.id, "logout, then at ProConnect");
        return Ok(response);
    }
    state.store.delete_session(&user.token_hash).await?;
    tracing::info!(account_id = user.account.id, "logout");
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/connexion?deconnecte=1")).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            safe_next(Some("/territoire?q=angers")),
            "/territoire?q=angers"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_next_page_with_a_control_character_a_space_or_a_backslash_leads_home() {
        for path in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nLocation: x",
            "/\\evil.example",
            "/\u{7f}",
            "/ /evil.example",
            "/é",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_next(Some(path)), "/", "{path:?}");
        }
        assert_eq!(safe_next(Some("/a/b?c=d%20e#f")), "/a/b?c=d%20e#f");
    }
}
