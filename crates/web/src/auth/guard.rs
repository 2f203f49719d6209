//! The per-route guard: applies `policy::may_access` before any handler runs.

use crate::auth::Viewer;
use crate::error::WebError;
use crate::policy::{may_access, Page};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Middleware state: the page the guarded route serves.
pub async fn guard(
    State(page): State<Page>,
    viewer: Viewer,
    request: Request,
    next: Next,
) -> Response {
    if may_access(viewer.role(), page) {
        return next.run(request).await;
    }
    let path = request.uri().path();
    match (viewer.0.is_some(), path.starts_with("/api/")) {
        (false, true) => WebError::SignInRequired.into_response(),
        (false, false) => sign_in_redirect(
            request
                .uri()
                .path_and_query()
                .map_or(path, |pq| pq.as_str()),
        ),
        (true, _) => WebError::Forbidden.into_response(),
    }
}

/// Sends an anonymous visitor to the login page, remembering where they were going.
fn sign_in_redirect(target: &str) -> Response {
    let location = if target == "/" {
        "/connexion".to_owned()
    } else {
        format!("/connexion?suivant={}", urlencoding::encode(target))
    };
    Redirect::to(&location).into_response()
}
