//! Operations' figures in the Prometheus text format (`/metrics`), through the `metrics` facade and
//! its Prometheus recorder: requests by route (the table's path, never an id) and status with a
//! latency histogram, the database pool, and what the use cases record themselves (background jobs,
//! the indicator records' refresh). `/metrics` answers the loopback address, or a caller bearing
//! `AIGUILLAGE_METRICS_TOKEN`; anyone else gets 404.

use crate::error::WebError;
use aiguillage_service::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Extensions, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

/// The latency buckets of a request, in seconds: 1 ms to 5 s.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The process's recorder, installed once (the first router built installs it).
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &LATENCY_BUCKETS,
                )
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|error| tracing::warn!(%error, "metrics recorder not installed"))
                .ok()
        })
        .as_ref()
}

/// Middleware of one route: counts its requests by status and records their latency.
pub async fn track(
    State((method, route)): State<(Method, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let method = method.as_str().to_owned();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route, "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Whether the caller may read the figures: a bearer of the configured token, or (without one)
/// the loopback address.
fn may_read(state: &AppState, headers: &HeaderMap, client: Option<SocketAddr>) -> bool {
    match &state.settings.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|given| {
                aiguillage_service::credentials::token_hash(given)
                    == aiguillage_service::credentials::token_hash(token)
            }),
        None => client.is_some_and(|address| address.ip().is_loopback()),
    }
}

/// `GET /metrics`: the figures in the Prometheus text format.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Result<Response, WebError> {
    let client = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    if !may_read(&state, &headers, client) {
        return Err(WebError::NotFound);
    }
    let Some(handle) = handle() else {
        return Err(WebError::NotFound);
    };
    let (size, idle) = state.store.pool_stats();
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections").set(idle as f64);
    metrics::gauge!("indicator_records_loaded").set(if state.indicators.is_loaded() {
        1.0
    } else {
        0.0
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response())
}
