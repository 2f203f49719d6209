//! ProConnect's pages: the start of a sign-in (`/connexion/proconnect`, to the provider), its return
//! (`/connexion/proconnect/retour`: a session, or the page of an access request), the return from the
//! logout at the provider (`/connexion/proconnect/deconnexion`), and the access requests a structure
//! manager (or a coordinator, for a structure without one) decides on (`/equipe/demandes`).
//!
//! The return is bound to the browser that started the sign-in by a `__Host-` cookie; the logout's
//! `state` likewise. Every refused return is a security event, and the person reads why in French on
//! the sign-in page. Without ProConnect configured these routes answer 404.

use crate::auth::session::{secure_cookie, SESSION_COOKIE};
use crate::auth::{Professional, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::login::{
    after_sign_in, client_ip, login_page_with_error, open_session, safe_next, sign_in_stage,
    user_agent, Opening,
};
use crate::pages::render;
use crate::security_event::{record, EventContext, SecurityEvent};
use aiguillage_domain::calendar;
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::proconnect::{grantable_roles, AccessDecision};
use aiguillage_domain::role::Role;
use aiguillage_service::credentials::{random_token, token_hash};
use aiguillage_service::proconnect::{Finished, ProConnect, ProConnectError, Return};
use aiguillage_service::state::AppState;
use aiguillage_store::{AccessDecided, AccessRequest, StoreError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;
use std::sync::Arc;

/// The cookie binding a sign-in's return to the browser that started it.
const SIGN_IN_COOKIE: &str = "__Host-aiguillage_proconnect";
/// The cookie holding the `state` of a logout at the provider.
const LOGOUT_COOKIE: &str = "__Host-aiguillage_proconnect_logout";

fn configured(state: &AppState) -> Result<Arc<ProConnect>, WebError> {
    state.proconnect.clone().ok_or(WebError::NotFound)
}

#[derive(Deserialize)]
pub struct StartQuery {
    suivant: Option<String>,
}

/// `GET /connexion/proconnect`: a new sign-in, sent to the provider.
pub async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Query(query): Query<StartQuery>,
) -> Result<Response, WebError> {
    let proconnect = configured(&state)?;
    if viewer.0.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let next = safe_next(query.suivant.as_deref());
    match proconnect.begin(&state, &next).await {
        Ok(started) => {
            let jar = jar.add(secure_cookie(SIGN_IN_COOKIE, started.browser_secret, true));
            Ok((jar, Redirect::to(&started.authorize_url)).into_response())
        }
        Err(error) => {
            tracing::warn!(error = %error.detail(), "ProConnect sign-in not started");
            let refusal = (StatusCode::SERVICE_UNAVAILABLE, error.to_string());
            login_page_with_error(&state, &viewer, jar, refusal).await
        }
    }
}

#[derive(Deserialize)]
pub struct ReturnQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "proconnect_outcome.html")]
struct OutcomeTemplate {
    layout: Layout,
    heading: &'static str,
    kind: &'static str,
    paragraphs: Vec<String>,
}

/// `GET /connexion/proconnect/retour`: the provider's answer, checked, then a session or the page
/// of an access request.
pub async fn finish(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    extensions: Extensions,
    headers: HeaderMap,
    Query(query): Query<ReturnQuery>,
) -> Result<Response, WebError> {
    let proconnect = configured(&state)?;
    let back = Return {
        code: query.code.as_deref(),
        state: query.state.as_deref(),
        error: query.error.as_deref(),
        browser_secret: jar.get(SIGN_IN_COOKIE).map(|cookie| cookie.value()),
    };
    let outcome = proconnect.finish(&state, back).await;
    let jar = jar.remove(Cookie::build(SIGN_IN_COOKIE).path("/"));
    let client = client_ip(&extensions);
    let finished = match outcome {
        Ok(finished) => finished,
        Err(ProConnectError::Store(error)) => return Err(error.into()),
        Err(error) => {
            record(
                SecurityEvent::ProConnectRefused,
                EventContext {
                    account_id: None,
                    client: Some(&client),
                    method: Some("GET"),
                    path: Some("/connexion/proconnect/retour"),
                },
            );
            tracing::warn!(error = %error.detail(), "ProConnect return refused");
            let refusal = (StatusCode::BAD_REQUEST, error.to_string());
            return login_page_with_error(&state, &viewer, jar, refusal).await;
        }
    };
    let (heading, kind, paragraphs) = match finished {
        Finished::Account {
            account,
            id_token,
            next,
        } => return sign_in(&state, jar, &headers, (account, id_token, next)).await,
        Finished::Deactivated => {
            let message = "Votre compte est désactivé. Demandez au responsable de votre structure \
                           ou à votre coordinateur de le réactiver.";
            let refusal = (StatusCode::FORBIDDEN, message.to_owned());
            return login_page_with_error(&state, &viewer, jar, refusal).await;
        }
        Finished::Waiting { identity } => (
            "Votre demande d'accès est enregistrée",
            "info",
            vec![
                format!(
                    "ProConnect vous a reconnu : {} ({}).",
                    identity.display_name(),
                    identity.email.as_str()
                ),
                "Aucun compte Aiguillage n'existe encore à ce nom. Le responsable de votre structure \
                 (ou, à défaut, le coordinateur de votre territoire) va examiner votre demande et \
                 choisir votre rôle. Personne ne reçoit de rôle par ProConnect seul."
                    .to_owned(),
                "Reconnectez-vous avec ProConnect une fois votre demande acceptée.".to_owned(),
            ],
        ),
        Finished::Refused => (
            "Votre demande d'accès a été refusée",
            "warning",
            vec!["Le responsable de votre structure n'a pas ouvert d'accès à votre nom. \
                  Rapprochez-vous de lui si vous pensez qu'il s'agit d'une erreur."
                .to_owned()],
        ),
        Finished::UnknownOrganisation { siret } => (
            "Votre organisation n'est pas dans l'annuaire",
            "warning",
            vec![
                format!(
                    "Aucune structure de l'annuaire de ce territoire ne porte le SIRET {siret} \
                     que ProConnect a transmis. Rien n'a été enregistré."
                ),
                "Demandez au coordinateur de votre territoire d'ajouter votre structure, ou \
                 qu'un compte vous soit créé."
                    .to_owned(),
            ],
        ),
    };
    let template = OutcomeTemplate {
        layout: Layout::new(&state, &viewer, "/connexion", heading),
        heading,
        kind,
        paragraphs,
    };
    Ok((jar, render(&template)?).into_response())
}

/// Opens the session of an account recognised by ProConnect (the second factor's step first when
/// its role requires one), keeping the ID token for the logout.
async fn sign_in(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    (account, id_token, next): (aiguillage_store::Account, String, String),
) -> Result<Response, WebError> {
    let id = AccountId::new(account.id);
    let stage = sign_in_stage(state, id, account.role).await?;
    let opening = Opening {
        account: id,
        stage,
        user_agent: user_agent(headers),
        csrf_token: random_token(),
        id_token: Some(id_token),
    };
    let jar = open_session(state, jar, &opening, state.now()).await?;
    tracing::info!(account_id = account.id, "ProConnect sign-in");
    Ok((jar, Redirect::to(&after_sign_in(stage, next))).into_response())
}

/// The logout of a session opened through ProConnect: the session is ended here, and the browser
/// sent to the provider's end-session endpoint (with `id_token_hint` and a `state` kept in a
/// cookie). `None`: not such a session, or the provider has no such endpoint.
pub(crate) async fn logout_at_provider(
    state: &AppState,
    token_hash_of_session: &str,
    jar: CookieJar,
) -> Result<Option<Response>, WebError> {
    let Some(proconnect) = state.proconnect.clone() else {
        return Ok(None);
    };
    let Some((_, id_token)) = state.store.session_id_token(token_hash_of_session).await? else {
        return Ok(None);
    };
    state.store.delete_session(token_hash_of_session).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    match proconnect.logout_url(state, &id_token).await {
        Ok(Some((url, logout_state))) => {
            let jar = jar.add(secure_cookie(LOGOUT_COOKIE, logout_state, true));
            Ok(Some((jar, Redirect::to(&url)).into_response()))
        }
        Ok(None) => Ok(None),
        Err(error) => {
            tracing::warn!(error = %error.detail(), "ProConnect logout not reached");
            Ok(Some(
                (jar, Redirect::to("/connexion?deconnecte=1")).into_response(),
            ))
        }
    }
}

#[derive(Deserialize)]
pub struct LogoutReturnQuery {
    state: Option<String>,
}

/// `GET /connexion/proconnect/deconnexion`: back from the provider's logout; its `state` must be
/// the one this browser was sent with.
pub async fn logout_return(
    State(state): State<AppState>,
    jar: CookieJar,
    extensions: Extensions,
    Query(query): Query<LogoutReturnQuery>,
) -> Result<Response, WebError> {
    configured(&state)?;
    let expected = jar
        .get(LOGOUT_COOKIE)
        .map(|cookie| token_hash(cookie.value()));
    let returned = query.state.as_deref().map(token_hash);
    let jar = jar.remove(Cookie::build(LOGOUT_COOKIE).path("/"));
    if expected.is_none() || expected != returned {
        let client = client_ip(&extensions);
        record(
            SecurityEvent::ProConnectRefused,
            EventContext {
                account_id: None,
                client: Some(&client),
                method: Some("GET"),
                path: Some("/connexion/proconnect/deconnexion"),
            },
        );
        return Ok((jar, Redirect::to("/connexion")).into_response());
    }
    Ok((jar, Redirect::to("/connexion?deconnecte=1")).into_response())
}

/// One request as the page lists it.
struct RequestLine {
    request: AccessRequest,
    requested_on: String,
}

#[derive(Template)]
#[template(path = "access_requests.html")]
struct RequestsTemplate {
    layout: Layout,
    lines: Vec<RequestLine>,
    roles: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct RequestsQuery {
    fait: Option<String>,
}

async fn requests_page(
    professional: &Professional,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let account = &professional.user.account;
    let requests = professional
        .state
        .store
        .access_requests_for(account)
        .await?;
    let lines = requests
        .into_iter()
        .map(|request| RequestLine {
            requested_on: calendar::french_date(calendar::date_of(request.requested_at)),
            request,
        })
        .collect();
    let roles = grantable_roles(account.role)
        .iter()
        .map(|role| (role.code(), role.label()))
        .collect();
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    let template = RequestsTemplate {
        layout: professional.layout("/equipe/demandes", "Demandes d'accès par ProConnect"),
        lines,
        roles,
        notice,
        error,
    };
    Ok((status, render(&template)?).into_response())
}

/// `GET /equipe/demandes`: the access requests the viewer decides on.
pub async fn requests(
    professional: Professional,
    Query(query): Query<RequestsQuery>,
) -> Result<Response, WebError> {
    let notice = match query.fait.as_deref() {
        Some("accepte") => {
            Some("L'accès est ouvert : la personne peut se connecter avec ProConnect.".to_owned())
        }
        Some("refuse") => Some("La demande est refusée.".to_owned()),
        _ => None,
    };
    requests_page(&professional, notice, None).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    structure: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    decision: String,
}

/// `POST /equipe/demandes/{id}`: approve with a role, or refuse; a request the viewer does not
/// decide on is 404, with nothing written.
pub async fn decide(
    professional: Professional,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let account = professional.user.account.clone();
    let structure: i64 = form
        .structure
        .trim()
        .parse()
        .map_err(|_| WebError::NotFound)?;
    let decision = match form.decision.as_str() {
        "refuser" => AccessDecision::Refuse,
        "accepter" => {
            let role = form
                .role
                .parse::<Role>()
                .ok()
                .filter(|role| grantable_roles(account.role).contains(role));
            let Some(role) = role else {
                let message = "Choisissez le rôle de la personne parmi ceux proposés.".to_owned();
                return requests_page(
                    &professional,
                    None,
                    Some((StatusCode::UNPROCESSABLE_ENTITY, message)),
                )
                .await;
            };
            AccessDecision::Approve(role)
        }
        _ => return Err(WebError::BadRequest("Décision inconnue.".into())),
    };
    let store = &professional.state.store;
    match store
        .decide_access_request(&account, (id, structure), decision, professional.now())
        .await
    {
        Ok(AccessDecided::Approved { account_id, .. }) => {
            tracing::info!(account_id, request = id, "ProConnect access approved");
            Ok(Redirect::to("/equipe/demandes?fait=accepte").into_response())
        }
        Ok(AccessDecided::Refused { .. }) => {
            Ok(Redirect::to("/equipe/demandes?fait=refuse").into_response())
        }
        Err(StoreError::Conflict(_)) => {
            let message =
                "Un compte existe déjà pour cette adresse : la personne peut s'y connecter \
                           avec ProConnect, son identité y sera rattachée."
                    .to_owned();
            requests_page(&professional, None, Some((StatusCode::CONFLICT, message))).await
        }
        Err(error) => Err(error.into()),
    }
}
