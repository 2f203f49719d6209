//! Request bodies limited per route, before anything reads them: the limit comes from
//! `routes::body_limit` (small by default, an upload's size only on an upload route for an account
//! allowed to import). A declared `Content-Length` above it is refused at once with 413; a streamed
//! (chunked) body is cut at the limit, and whoever reads it then answers 413.

use crate::auth::Viewer;
use crate::error::WebError;
use crate::routes::body_limit;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;

/// The body length the request declares, if it declares a readable one.
fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok())
}

/// Middleware: refuses or cuts a body larger than its route allows.
pub async fn limit_bodies(viewer: Viewer, request: Request, next: Next) -> Response {
    let limit = body_limit(request.method(), request.uri().path(), viewer.role());
    let too_large = declared_length(&request)
        .is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX));
    if too_large {
        return WebError::PayloadTooLarge.into_response();
    }
    let request = request.map(|body| Body::new(Limited::new(body, limit)));
    next.run(request).await
}
