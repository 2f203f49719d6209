//! The web application of aiguillage: the only crate that sees HTTP and HTML.
//!
//! A request goes through, from the outside in: tracing, security headers, the session loader (who
//! is the viewer), the error-page renderer, the body limit of its route, the CSRF check (for state
//! changes), then the guard of its route (the policy), and finally the handler, which calls the
//! store and renders a template.

pub mod api;
pub mod api_coop;
mod api_coop_statistics;
pub mod api_indicators;
pub mod api_people;
pub mod api_referrals;
mod api_refusals;
mod api_resources;
pub mod api_vouchers;
mod assets;
pub mod auth;
mod body_limit;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub(crate) mod headers;
pub mod layout;
pub mod metrics;
pub(crate) mod pages;
pub mod policy;
pub mod routes;
pub mod security_event;

pub use aiguillage_service::{AppState, Settings};

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::Router;
use tower_http::trace::TraceLayer;

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    metrics::handle();
    let mut router = Router::new();
    for route in routes::ROUTES {
        let mut handler = (route.handler)();
        if let Some(limit) = route.upload {
            handler = handler.layer(DefaultBodyLimit::max(limit));
        }
        let guarded = handler
            .route_layer(from_fn_with_state(
                (route.who, state.clone()),
                auth::guard::guard,
            ))
            .route_layer(from_fn_with_state(
                (route.method.clone(), route.path),
                metrics::track,
            ));
        router = router.route(route.path, guarded);
    }
    router
        .fallback(error::not_found)
        .layer(from_fn_with_state(state.clone(), auth::csrf::verify_csrf))
        .layer(from_fn(body_limit::limit_bodies))
        .layer(from_fn_with_state(state.clone(), error::render_error_pages))
        .layer(from_fn_with_state(
            state.clone(),
            auth::session::load_viewer,
        ))
        .layer(from_fn_with_state(state.clone(), headers::security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
