//! A professional's own credentials and sessions: changing the password (`/compte/mot-de-passe`:
//! the current one required, the other sessions ended), the forgotten password
//! (`/mot-de-passe-oublie`: the same answer whether the address is known or not, throttled) and its
//! single-use link (`/mot-de-passe/nouveau/{jeton}`, 30 minutes), and ending one of the account's
//! sessions from « Mon compte » (`/compte/sessions/{id}/fin`, by the session's handle: another
//! account's session is « not found »).

use crate::auth::session::SESSION_COOKIE;
use crate::auth::{Professional, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::login::{client_ip, login_csrf};
use crate::pages::render;
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::password::MIN_LENGTH;
use aiguillage_service::self_service::{
    change_password, request_reset, reset_link_is_good, reset_password, PasswordChange,
    PasswordChangeError, PasswordFieldErrors,
};
use aiguillage_service::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "password_change.html")]
struct ChangeTemplate {
    layout: Layout,
    /// The form's action: the account's page, or a reset link.
    action: String,
    /// The current password is asked (a change from « Mon compte »), not through a link.
    ask_current: bool,
    errors: Vec<(&'static str, String)>,
    /// A message above the form (a throttle, a spent link), not tied to a field.
    notice: Option<String>,
    /// The password was changed: the page says so instead of the form.
    done: bool,
    min_length: usize,
}

impl ChangeTemplate {
    fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }
}

#[derive(Template)]
#[template(path = "password_forgotten.html")]
struct ForgottenTemplate {
    layout: Layout,
    email: String,
    /// The request was taken: the same message whether the address is known or not.
    sent: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    actuel: String,
    #[serde(default)]
    nouveau: String,
    #[serde(default)]
    confirmation: String,
}

#[derive(Deserialize)]
pub struct ForgottenForm {
    #[serde(default)]
    email: String,
}

fn field_errors(errors: PasswordFieldErrors) -> Vec<(&'static str, String)> {
    [
        ("actuel", errors.current),
        ("nouveau", errors.new),
        ("confirmation", errors.confirm),
    ]
    .into_iter()
    .filter_map(|(name, message)| message.map(|m| (name, m)))
    .collect()
}

fn change_page(layout: Layout, action: String, ask_current: bool) -> ChangeTemplate {
    ChangeTemplate {
        layout,
        action,
        ask_current,
        errors: Vec::new(),
        notice: None,
        done: false,
        min_length: MIN_LENGTH,
    }
}

/// A refused change: the form again with the fields' messages (422), or a notice (429, 410).
fn refused(mut page: ChangeTemplate, error: PasswordChangeError) -> Result<Response, WebError> {
    let status = match error {
        PasswordChangeError::Invalid(errors) => {
            page.errors = field_errors(errors);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        PasswordChangeError::Throttled { .. } => {
            page.notice = Some(error.to_string());
            StatusCode::TOO_MANY_REQUESTS
        }
        PasswordChangeError::LinkInvalid => {
            page.notice = Some(error.to_string());
            StatusCode::GONE
        }
        PasswordChangeError::Hash(message) => return Err(WebError::Internal(message)),
        PasswordChangeError::Store(store) => return Err(store.into()),
    };
    Ok((status, render(&page)?).into_response())
}

const CHANGE_PATH: &str = "/compte/mot-de-passe";

/// `GET /compte/mot-de-passe`.
pub async fn show_change(me: Professional) -> Result<Response, WebError> {
    let page = change_page(
        me.layout(CHANGE_PATH, "Changer mon mot de passe"),
        CHANGE_PATH.to_owned(),
        true,
    );
    render(&page)
}

/// `POST /compte/mot-de-passe`: the current password, the new one twice; every other session of
/// the account ends.
pub async fn submit_change(
    me: Professional,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let change = PasswordChange {
        current: &form.actuel,
        new: &form.nouveau,
        confirm: &form.confirmation,
        session: &me.user.token_hash,
        reason: &me.reason,
    };
    let page = change_page(
        me.layout(CHANGE_PATH, "Changer mon mot de passe"),
        CHANGE_PATH.to_owned(),
        true,
    );
    match change_password(&me.state, &me.user.account, change).await {
        Ok(()) => Ok(Redirect::to("/compte?mot_de_passe=change#securite").into_response()),
        Err(error) => refused(page, error),
    }
}

/// The frame of a public page: the login form's nonce when nobody is signed in.
pub(crate) async fn public_layout(
    state: &AppState,
    viewer: &Viewer,
    jar: CookieJar,
    (path, title): (&str, &str),
) -> Result<(CookieJar, Layout), WebError> {
    let layout = Layout::new(state, viewer, path, title);
    if viewer.0.is_some() {
        return Ok((jar, layout));
    }
    let (jar, token) = login_csrf(state, jar).await?;
    Ok((jar, layout.with_csrf_token(token)))
}

const FORGOTTEN_PATH: &str = "/mot-de-passe-oublie";

/// `GET /mot-de-passe-oublie`.
pub async fn show_forgotten(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let (jar, layout) = public_layout(
        &state,
        &viewer,
        jar,
        (FORGOTTEN_PATH, "Mot de passe oublié"),
    )
    .await?;
    let page = ForgottenTemplate {
        layout,
        email: String::new(),
        sent: false,
        error: None,
    };
    Ok((jar, render(&page)?).into_response())
}

/// `POST /mot-de-passe-oublie`: the same answer whether the address has an account or not.
pub async fn submit_forgotten(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    extensions: Extensions,
    Form(form): Form<ForgottenForm>,
) -> Result<Response, WebError> {
    let email = form.email.trim().to_owned();
    let (jar, layout) = public_layout(
        &state,
        &viewer,
        jar,
        (FORGOTTEN_PATH, "Mot de passe oublié"),
    )
    .await?;
    let mut page = ForgottenTemplate {
        layout,
        email: email.clone(),
        sent: false,
        error: None,
    };
    if !email.contains('@') {
        page.error = Some("Saisissez une adresse électronique, au format nom@domaine.fr.".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, render(&page)?).into_response());
    }
    match request_reset(&state, &email, &client_ip(&extensions)).await {
        Ok(()) => {
            page.sent = true;
            Ok((jar, render(&page)?).into_response())
        }
        Err(PasswordChangeError::Throttled { minutes }) => {
            page.error = Some(format!(
                "Trop de demandes pour cette adresse. Par sécurité, réessayez dans {minutes} minute(s)."
            ));
            Ok((StatusCode::TOO_MANY_REQUESTS, jar, render(&page)?).into_response())
        }
        Err(error) => Err(WebError::Internal(error.to_string())),
    }
}

/// `GET /mot-de-passe/nouveau/{jeton}`: the form, or why the link no longer works.
pub async fn show_reset(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let path = format!("/mot-de-passe/nouveau/{token}");
    let (jar, layout) = public_layout(
        &state,
        &viewer,
        jar,
        ("/mot-de-passe/nouveau", "Nouveau mot de passe"),
    )
    .await?;
    let page = change_page(layout, path, false);
    if !reset_link_is_good(&state, &token)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
    {
        return Ok((jar, refused(page, PasswordChangeError::LinkInvalid)?).into_response());
    }
    Ok((jar, render(&page)?).into_response())
}

/// `POST /mot-de-passe/nouveau/{jeton}`: the link is spent once, every session of the account ends.
pub async fn submit_reset(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let path = format!("/mot-de-passe/nouveau/{token}");
    let (jar, layout) = public_layout(
        &state,
        &viewer,
        jar,
        ("/mot-de-passe/nouveau", "Nouveau mot de passe"),
    )
    .await?;
    let mut page = change_page(layout, path, false);
    let reason = "POST /mot-de-passe/nouveau";
    match reset_password(&state, &token, (&form.nouveau, &form.confirmation), reason).await {
        Ok(_) => {
            page.done = true;
            Ok((jar, render(&page)?).into_response())
        }
        Err(error) => Ok((jar, refused(page, error)?).into_response()),
    }
}

/// `POST /compte/sessions/{id}/fin`: ends one of the account's sessions (signing out when it is
/// this one); another account's session, or an unknown one, is « not found ».
pub async fn end_session(
    me: Professional,
    jar: CookieJar,
    Path(handle): Path<String>,
) -> Result<Response, WebError> {
    let account = AccountId::new(me.user.account.id);
    let sessions = me
        .state
        .store
        .sessions_of(account, &me.user.token_hash, me.now())
        .await?;
    let current = sessions.iter().any(|s| s.current && s.handle == handle);
    if !me.state.store.end_session_of(account, &handle).await? {
        return Err(WebError::NotFound);
    }
    tracing::info!(
        account_id = account.get(),
        current,
        "session ended from the account page"
    );
    if current {
        let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
        return Ok((jar, Redirect::to("/connexion?deconnecte=1")).into_response());
    }
    Ok(Redirect::to("/compte?session=terminee#sessions").into_response())
}
