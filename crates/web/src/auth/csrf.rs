//! CSRF protection on every state-changing request: the token of the session (or, before login, of
//! the login cookie) must come back in the `csrf_token` form field or the `X-CSRF-Token` header.

use crate::auth::credentials::constant_time_eq;
use crate::auth::session::LOGIN_CSRF_COOKIE;
use crate::auth::Viewer;
use crate::error::WebError;
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;

/// Largest form body read to find the token.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;
/// Name of the hidden form field.
pub const FIELD: &str = "csrf_token";
/// Name of the header scripts may use instead.
pub const HEADER: &str = "x-csrf-token";

/// Middleware: refuses any non-safe request whose token is missing or wrong.
pub async fn verify_csrf(viewer: Viewer, jar: CookieJar, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let expected = match &viewer.0 {
        Some(user) => Some(user.csrf_token.clone()),
        None => jar
            .get(LOGIN_CSRF_COOKIE)
            .map(|cookie| cookie.value().to_owned()),
    };
    let header_token = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return WebError::PayloadTooLarge.into_response();
    };
    let provided = header_token.or_else(|| form_token(&bytes));
    match (expected, provided) {
        (Some(expected), Some(provided)) if constant_time_eq(&expected, &provided) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => WebError::CsrfRejected.into_response(),
    }
}

fn form_token(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.into_owned())
}
