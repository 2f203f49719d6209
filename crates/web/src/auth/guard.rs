//! The per-route guard: lets through only the audience its route declares (`routes::ROUTES`), before
//! any handler runs; an anonymous visitor is sent to log in, anyone else refused.

use crate::auth::Viewer;
use crate::error::WebError;
use crate::policy::Audience;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Middleware state: the audience of the guarded route.
pub async fn guard(
    State(who): State<Audience>,
    viewer: Viewer,
    request: Request,
    next: Next,
) -> Response {
    if who.admits(viewer.role()) {
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
