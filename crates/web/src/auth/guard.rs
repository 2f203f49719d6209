//! The per-route guard: lets through only the audience its route declares (`routes::ROUTES`), before
//! any handler runs; an anonymous visitor is sent to log in, anyone else refused. A partner tool's
//! route (`Audience::ApiClient`) is reached only with a bearer credential holding its scope: the
//! guard authenticates it, counts it in the client's rate window, records it in the audit journal
//! like a page view, and hands the handler the [`ApiCaller`].

use crate::auth::Viewer;
use crate::error::WebError;
use crate::policy::Audience;
use aiguillage_domain::api_client::ApiScope;
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_service::api_clients::{authenticate, CallRefusal};
use aiguillage_service::AppState;
use aiguillage_store::ApiClientRecord;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;

/// The partner tool that made an API call, as the guard authenticated it.
#[derive(Debug, Clone)]
pub struct ApiCaller(pub ApiClientRecord);

/// Middleware state: the audience of the guarded route, and the instance.
pub async fn guard(
    State((who, state)): State<(Audience, AppState)>,
    viewer: Viewer,
    request: Request,
    next: Next,
) -> Response {
    if let Audience::ApiClient(scope) = who {
        return api_call(&state, scope, request, next).await;
    }
    if let Audience::RolesOrClient(_, scope) = who {
        if request.headers().contains_key(header::AUTHORIZATION) {
            return if scope.needs_account() {
                api_call_as_professional(&state, scope, request, next).await
            } else {
                api_call(&state, scope, request, next).await
            };
        }
    }
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

/// Authenticates an API call, audits it and runs it; refuses it in JSON otherwise.
async fn api_call(state: &AppState, scope: ApiScope, mut request: Request, next: Next) -> Response {
    let header_value = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let now = (state.clock)();
    let caller = match authenticate(&state.store, header_value.as_deref(), scope, now).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal_response(&refusal),
    };
    let event = AuditEvent {
        actor_account_id: None,
        action: AuditAction::Read,
        record_kind: "api_client".into(),
        record_id: caller.client_id.clone(),
        reason: format!("{} {}", request.method(), request.uri().path()),
    };
    if let Err(error) = state.store.record_audit(&event, now).await {
        return WebError::from(error).into_response();
    }
    request.extensions_mut().insert(ApiCaller(caller));
    next.run(request).await
}

/// Authenticates an API call made in the name of a professional: the client's named account becomes
/// the request's viewer (the handler then runs as for that professional, and its audit entries say
/// which client acted); refused when the client names no active account.
async fn api_call_as_professional(
    state: &AppState,
    scope: ApiScope,
    mut request: Request,
    next: Next,
) -> Response {
    let header_value = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let now = (state.clock)();
    let caller = match authenticate(&state.store, header_value.as_deref(), scope, now).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal_response(&refusal),
    };
    let account = match caller.account_id {
        Some(id) => state
            .store
            .account(id.get())
            .await
            .ok()
            .filter(|a| a.active),
        None => None,
    };
    let Some(account) = account else {
        return refusal_response(&CallRefusal::OutOfScope(scope));
    };
    let user = crate::auth::CurrentUser {
        account,
        csrf_token: String::new(),
        token_hash: String::new(),
        unread_notifications: 0,
        structure_count: 1,
        must_choose_structure: false,
    };
    request.extensions_mut().insert(Viewer(Some(user)));
    request.extensions_mut().insert(ApiCaller(caller));
    next.run(request).await
}

/// A refused API call: 401, 403, 429 or 500 with `{"errors": [{"status", "detail"}]}`.
fn refusal_response(refusal: &CallRefusal) -> Response {
    let status = match refusal {
        CallRefusal::Missing | CallRefusal::Invalid | CallRefusal::Revoked => {
            StatusCode::UNAUTHORIZED
        }
        CallRefusal::OutOfScope(_) => StatusCode::FORBIDDEN,
        CallRefusal::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
        CallRefusal::Store(error) => {
            tracing::error!(%error, "API client check failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let body = Json(serde_json::json!({
        "errors": [{ "status": status.as_u16().to_string(), "detail": refusal.to_string() }]
    }));
    let mut response = (status, body).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    if let CallRefusal::TooMany { retry_after } = refusal {
        if let Ok(value) = header::HeaderValue::from_str(&retry_after.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
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
