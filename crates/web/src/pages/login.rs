//! Login and logout: password check with throttle, session creation at login (a new token each time),
//! session deletion at logout.

use crate::auth::credentials::{decoy_hash, random_token, token_hash, verify_password};
use crate::auth::session::{secure_cookie, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use crate::state::AppState;
use aiguillage_domain::throttle::{
    decide, ThrottleDecision, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS,
};
use askama::Template;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Query, State};
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use std::net::SocketAddr;

const WRONG_CREDENTIALS: &str = "Adresse électronique ou mot de passe incorrect.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    layout: Layout,
    error: Option<String>,
    email: String,
    next: String,
    signed_out: bool,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    suivant: Option<String>,
    deconnecte: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    suivant: Option<String>,
}

/// Only local paths are followed after login, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The login form's CSRF token: the one in the cookie, or a new one set in the returned jar. Public
/// forms (the self-diagnostic) use it too when nobody is signed in.
pub(crate) fn login_csrf(jar: CookieJar, secure: bool) -> (CookieJar, String) {
    match jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|cookie| cookie.value().to_owned())
    {
        Some(token) => (jar, token),
        None => {
            let token = random_token();
            (
                jar.add(secure_cookie(LOGIN_CSRF_COOKIE, token.clone(), secure)),
                token,
            )
        }
    }
}

pub async fn show_login(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Result<Response, WebError> {
    if viewer.0.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let (jar, token) = login_csrf(jar, state.settings.secure_cookies);
    let template = LoginTemplate {
        layout: Layout::new(&state, &viewer, "/connexion", "Connexion").with_csrf_token(token),
        error: None,
        email: String::new(),
        next: safe_next(query.suivant.as_deref()),
        signed_out: query.deconnecte.is_some(),
    };
    Ok((jar, render(&template)?).into_response())
}

fn client_ip(extensions: &Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|| "inconnue".to_owned())
}

pub async fn submit_login(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    extensions: Extensions,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let now = state.now();
    let email = form.email.trim().to_lowercase();
    let throttle_keys = [
        (format!("email:{email}"), MAX_FAILURES_PER_ACCOUNT),
        (
            format!("ip:{}", client_ip(&extensions)),
            MAX_FAILURES_PER_ADDRESS,
        ),
    ];
    let refusal = |status: StatusCode, message: String, jar: CookieJar| {
        let (jar, token) = login_csrf(jar, state.settings.secure_cookies);
        let template = LoginTemplate {
            layout: Layout::new(&state, &viewer, "/connexion", "Connexion").with_csrf_token(token),
            error: Some(message),
            email: email.clone(),
            next: safe_next(form.suivant.as_deref()),
            signed_out: false,
        };
        render(&template).map(|page| (status, jar, page).into_response())
    };

    for (key, max_failures) in &throttle_keys {
        let failures = state.store.recent_login_failures(key, now).await?;
        if let ThrottleDecision::Refuse {
            retry_after_seconds,
        } = decide(failures, *max_failures, now)
        {
            let minutes = (retry_after_seconds + 59) / 60;
            let message = format!(
                "Trop de tentatives de connexion échouées. Par sécurité, réessayez dans {minutes} minute{}.",
                if minutes > 1 { "s" } else { "" }
            );
            return refusal(StatusCode::TOO_MANY_REQUESTS, message, jar);
        }
    }

    let candidate = state.store.login_candidate(&email).await?;
    let stored_hash = candidate
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |c| c.password_hash.clone());
    let password = form.password.clone();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored_hash))
        .await
        .map_err(|e| WebError::Internal(format!("password check: {e}")))?;
    let account = match candidate {
        Some(candidate) if matches && candidate.account.active => candidate.account,
        _ => {
            for (key, _) in &throttle_keys {
                state.store.record_login_failure(key, now).await?;
            }
            return refusal(StatusCode::UNAUTHORIZED, WRONG_CREDENTIALS.to_owned(), jar);
        }
    };

    state
        .store
        .clear_login_failures(&throttle_keys[0].0)
        .await?;
    if let Some(old) = jar.get(SESSION_COOKIE) {
        state.store.delete_session(&token_hash(old.value())).await?;
    }
    let token = random_token();
    state
        .store
        .create_session(&token_hash(&token), account.id, &random_token(), now)
        .await?;
    state.store.record_login(account.id, now).await?;
    tracing::info!(account_id = account.id, "login");
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/"))
        .add(secure_cookie(
            SESSION_COOKIE,
            token,
            state.settings.secure_cookies,
        ));
    Ok((jar, Redirect::to(&safe_next(form.suivant.as_deref()))).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> Result<Response, WebError> {
    state.store.delete_session(&user.token_hash).await?;
    tracing::info!(account_id = user.account.id, "logout");
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/connexion?deconnecte=1")).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            safe_next(Some("/territoire?q=angers")),
            "/territoire?q=angers"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
