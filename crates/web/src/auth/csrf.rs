//! CSRF protection on every state-changing request: the token of the session (or, before login, of
//! the login cookie) must come back in the `csrf_token` form field or the `X-CSRF-Token` header.
//! Before login, the cookie's nonce must also be one the server issued and still holds (the login
//! itself then consumes it, `pages::login`). The login form always carries that nonce, signed in or not.

use crate::auth::session::LOGIN_CSRF_COOKIE;
use crate::auth::Viewer;
use crate::error::WebError;
use aiguillage_service::credentials::{constant_time_eq, token_hash};
use aiguillage_service::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;

/// Largest body read to find the token (directory files are uploaded as multipart forms).
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;
/// Name of the hidden form field.
pub const FIELD: &str = "csrf_token";
/// The login form's path, whose token is always the login cookie's nonce.
const LOGIN_PATH: &str = "/connexion";
/// Name of the header scripts may use instead.
pub const HEADER: &str = "x-csrf-token";

/// Middleware: refuses any non-safe request whose token is missing or wrong.
pub async fn verify_csrf(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    // A partner tool's bearer credential is never sent by a browser on its own: such a call, without
    // a session, cannot be forged from another site (its route's guard checks the credential).
    let bearer = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("bearer ")
        });
    if bearer && viewer.0.is_none() {
        return next.run(request).await;
    }
    // The login form carries the login cookie's nonce, even when posted from a stale tab by someone
    // signed in since (the login page then sends them home).
    let by_login_nonce = viewer.0.is_none() || request.uri().path() == LOGIN_PATH;
    let expected = match &viewer.0 {
        Some(user) if !by_login_nonce => Some(user.csrf_token.clone()),
        _ => jar
            .get(LOGIN_CSRF_COOKIE)
            .map(|cookie| cookie.value().to_owned()),
    };
    let header_token = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let content_type = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return WebError::PayloadTooLarge.into_response();
    };
    let provided = match header_token {
        Some(token) => Some(token),
        None if content_type.starts_with("multipart/form-data") => {
            multipart_token(&content_type, bytes.clone()).await
        }
        None => form_token(&bytes),
    };
    let matches = match (&expected, provided) {
        (Some(expected), Some(provided)) => constant_time_eq(expected, &provided),
        _ => false,
    };
    if !matches {
        return WebError::CsrfRejected.into_response();
    }
    if by_login_nonce {
        let nonce = expected.unwrap_or_default();
        match state
            .store
            .login_nonce_is_live(&token_hash(&nonce), state.now())
            .await
        {
            Ok(true) => {}
            Ok(false) => return WebError::CsrfRejected.into_response(),
            Err(error) => return WebError::from(error).into_response(),
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The token field of a multipart form (read with multer; the handler reads the body again).
async fn multipart_token(content_type: &str, body: axum::body::Bytes) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

fn form_token(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.into_owned())
}
