//! Server-side sessions: the cookie holds a random token, the database holds its hash, the account
//! and the session's CSRF token. The middleware here loads the viewer once per request. A session
//! still waiting for its second factor (or for the enrolment an administrator's or coordinator's
//! account requires) is not a viewer: it only carries a [`PendingSignIn`] to the pages of its step.

use crate::error::WebError;
use aiguillage_service::credentials::token_hash;
use aiguillage_service::state::AppState;
use aiguillage_store::Account;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use std::convert::Infallible;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "aiguillage_session";
/// Name of the cookie carrying the CSRF nonce of the login form, before any session exists. The
/// `__Host-` prefix makes browsers accept it only `Secure`, for path `/` and without `Domain`, so
/// that no other site (a sibling subdomain, a plain-HTTP page) can plant one.
pub const LOGIN_CSRF_COOKIE: &str = "__Host-aiguillage_csrf";

/// The professional behind a request, with their session's CSRF token.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: Account,
    pub csrf_token: String,
    pub token_hash: String,
    /// Notifications the professional has not been shown yet (the header's count).
    pub unread_notifications: i64,
    /// How many structures the account belongs to (`store::teams`): with more than one,
    /// « Mon compte » offers to change the structure the session acts for.
    pub structure_count: usize,
    /// The account belongs to several structures and this session has not chosen one yet: pages
    /// send it to `/compte/structure` first.
    pub must_choose_structure: bool,
}

/// A sign-in between the password and the second factor: the account, the step it is at and the
/// session's token hash. Only the step's pages read it; every other page sees nobody signed in.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub account: Account,
    pub stage: aiguillage_domain::session::SessionStage,
    pub token_hash: String,
}

impl PendingSignIn {
    /// The page of this step.
    pub fn step_path(&self) -> &'static str {
        match self.stage {
            aiguillage_domain::session::SessionStage::Enrolment => {
                "/connexion/double-authentification"
            }
            _ => "/connexion/code",
        }
    }
}

/// Who is looking: a signed-in professional or nobody. Always extractable.
#[derive(Debug, Clone, Default)]
pub struct Viewer(pub Option<CurrentUser>);

impl Viewer {
    pub fn role(&self) -> Option<aiguillage_domain::role::Role> {
        self.0.as_ref().map(|user| user.account.role)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .unwrap_or_default())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Viewer>()
            .and_then(|viewer| viewer.0.clone())
            .ok_or(WebError::SignInRequired)
    }
}

/// Middleware: finds the live session named by the cookie and records the viewer for the request.
/// The static assets (stylesheets, scripts, icons: the same for everyone) skip the lookup: a page
/// asks for a dozen of them, and none needs to know who asks.
pub async fn load_viewer(
    State(state): State<AppState>,
    jar: CookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    let cookie = jar
        .get(SESSION_COOKIE)
        .filter(|_| !request.uri().path().starts_with("/static/"));
    let viewer = match cookie {
        Some(cookie) => match find_user(&state, cookie.value()).await {
            Ok(Found::User(user)) => {
                if let Some(choice) = structure_choice_first(&user, &request) {
                    return choice.into_response();
                }
                Viewer(Some(user))
            }
            Ok(Found::Pending(pending)) => {
                request.extensions_mut().insert(pending);
                Viewer(None)
            }
            Ok(Found::Nobody) => Viewer(None),
            Err(error) => return error.into_response(),
        },
        None => Viewer(None),
    };
    request.extensions_mut().insert(viewer);
    next.run(request).await
}

/// The page where an account of several structures chooses the one it acts for.
pub const STRUCTURE_CHOICE_PATH: &str = "/compte/structure";

/// A page asked before the session chose its structure: the choice first, then that page. Only
/// pages are held back (`GET`, outside the API, the assets and the choice itself); a form posted
/// meanwhile acts for the account's home structure.
fn structure_choice_first(user: &CurrentUser, request: &Request) -> Option<Redirect> {
    let path = request.uri().path();
    let exempt = [STRUCTURE_CHOICE_PATH, "/static/", "/api/", "/invitation/"]
        .iter()
        .any(|prefix| path.starts_with(prefix));
    if !user.must_choose_structure || request.method() != axum::http::Method::GET || exempt {
        return None;
    }
    let asked = request.uri().path_and_query().map_or(path, |p| p.as_str());
    Some(Redirect::to(&format!(
        "{STRUCTURE_CHOICE_PATH}?suivant={}",
        urlencoding::encode(asked)
    )))
}

/// What a session cookie names.
enum Found {
    User(CurrentUser),
    Pending(PendingSignIn),
    Nobody,
}

async fn find_user(state: &AppState, token: &str) -> Result<Found, WebError> {
    let hash = token_hash(token);
    // One statement: the session, the account as the session acts (the chosen membership's role,
    // structure and territory, re-read at every request, so a membership removed meanwhile ends
    // the session here), its structures and its unread notifications.
    let Some(owner) = state.store.session_owner(&hash, state.now()).await? else {
        return Ok(Found::Nobody);
    };
    let session = owner.session;
    if session.stage != aiguillage_domain::session::SessionStage::Complete {
        return Ok(Found::Pending(PendingSignIn {
            account: owner.account,
            stage: session.stage,
            token_hash: hash,
        }));
    }
    Ok(Found::User(CurrentUser {
        account: owner.account,
        csrf_token: session.csrf_token,
        token_hash: hash,
        unread_notifications: owner.unread_notifications,
        structure_count: owner.memberships,
        must_choose_structure: session.acting_structure_id.is_none() && owner.memberships > 1,
    }))
}

/// The login form's CSRF cookie: the baseline flags, and always `Secure` as its `__Host-` prefix
/// requires (browsers treat `localhost` and `127.0.0.1` as secure, so it works there over HTTP).
pub fn login_csrf_cookie(value: String) -> Cookie<'static> {
    secure_cookie(LOGIN_CSRF_COOKIE, value, true)
}

/// A cookie with the baseline flags: `HttpOnly`, `SameSite=Lax`, `Secure` unless the instance says
/// otherwise, path `/`, and no expiry date (the server decides when the session ends).
pub fn secure_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .build()
}
