//! Security headers on every response: a strict Content-Security-Policy (everything from our own
//! origin, no inline script or style) and the usual companions. Every response is also
//! `Cache-Control: no-store` unless its handler said otherwise: pages, JSON and CSV exports carry
//! personal or per-account data, and only what is explicitly public (the static assets, served with
//! `public, max-age=…`) may be kept by a browser or a proxy.

use aiguillage_service::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

const HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    ),
];

/// Marks a response drawn for another site's frame (the embeddable directory): its
/// Content-Security-Policy lets any site frame it, and `X-Frame-Options` is not sent. No other
/// response can be framed.
#[derive(Debug, Clone, Copy)]
pub struct Embeddable;

/// What every response not explicitly public says to caches.
const NOT_STORED: &str = "no-store";

/// The Content-Security-Policy: our own origin only, plus the map tile server if the instance has one
/// and ProConnect's origin for the forms that end at the provider (the logout); framing by any site
/// only for an embeddable response.
fn content_security_policy(
    map_tiles: Option<&str>,
    identity_provider: Option<&str>,
    embeddable: bool,
) -> String {
    let ancestors = if embeddable { "*" } else { "'none'" };
    let origin_of = |url: Option<&str>| {
        url.and_then(tile_origin)
            .map(|origin| format!(" {origin}"))
            .unwrap_or_default()
    };
    let tiles = origin_of(map_tiles);
    let provider = origin_of(identity_provider);
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; font-src 'self'; \
         connect-src 'self'{tiles}; worker-src 'self'; form-action 'self'{provider}; frame-ancestors {ancestors}; \
         base-uri 'self'; object-src 'none'"
    )
}

/// `https://tiles.example.fr` from `https://tiles.example.fr/{z}/{x}/{y}.png`.
fn tile_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    let safe = matches!(scheme, "https" | "http")
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c));
    safe.then(|| format!("{scheme}://{host}"))
}

/// Middleware: adds the security headers the handler did not set itself.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let embeddable = response.extensions().get::<Embeddable>().is_some();
    let headers = response.headers_mut();
    let provider = state.settings.proconnect.as_ref();
    let csp = content_security_policy(
        state.settings.map_tiles.as_deref(),
        provider.map(|settings| settings.issuer.as_str()),
        embeddable,
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers
            .entry(HeaderName::from_static("content-security-policy"))
            .or_insert(value);
    }
    for (name, value) in HEADERS {
        if embeddable && *name == "x-frame-options" {
            continue;
        }
        headers
            .entry(HeaderName::from_static(name))
            .or_insert_with(|| HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert_with(|| HeaderValue::from_static(NOT_STORED));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_only_our_origin_unless_a_tile_server_is_set() {
        let strict = content_security_policy(None, None, false);
        assert!(strict.contains("img-src 'self' data:;") && !strict.contains("unsafe"));
        let with_tiles = content_security_policy(
            Some("https://tuiles.exemple.fr/{z}/{x}/{y}.png"),
            None,
            false,
        );
        assert!(with_tiles.contains("img-src 'self' data: https://tuiles.exemple.fr;"));
        assert!(strict.contains("form-action 'self';"));
        let with_provider = content_security_policy(
            None,
            Some("https://auth.agentconnect.gouv.fr/api/v2"),
            false,
        );
        assert!(with_provider.contains("form-action 'self' https://auth.agentconnect.gouv.fr;"));
        assert_eq!(tile_origin("javascript:alert(1)"), None);
        assert_eq!(tile_origin("https://a b/"), None);
    }
}
