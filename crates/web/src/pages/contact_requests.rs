//! The territory's contact requests (left after a public self-diagnostic): prescribers and mediators
//! see the requests nobody took yet and those their structure took, take one for their structure,
//! and close it once handled (the person enrolled, or no follow-up), which erases it. A request taken
//! by another structure is no longer shown to them at all. The coordinator sees them pseudonymised
//! (initial, commune, profile, waiting time). Visibility and erasure are decided in the store.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text};
use crate::pages::people::actor;
use crate::pages::{format_time, render};
use aiguillage_domain::contact_request::{ContactRequestClosing, CONTACT_REQUEST_LIFETIME_DAYS};
use aiguillage_domain::role::Role;
use aiguillage_service::state::AppState;
use aiguillage_store::RequestViewer;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "contact_requests.html")]
struct RequestsTemplate {
    layout: Layout,
    pseudonymised: bool,
    may_take: bool,
    requests: Vec<RequestLine>,
    lifetime_days: i64,
    closings: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
}

struct RequestLine {
    id: i64,
    who: String,
    contact: String,
    commune: String,
    typology: String,
    first_help: String,
    waiting: String,
    received: String,
    taken_by: Option<String>,
    /// Taken by the viewer's structure: it may close it.
    ours: bool,
}

/// A waiting time in days, in words.
fn waiting(since: i64, now: i64) -> String {
    match aiguillage_domain::calendar::days_between(since, now) {
        0 => "moins d'un jour".to_owned(),
        1 => "1 jour".to_owned(),
        days => format!("{days} jours"),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    close: String,
}

/// `GET /demandes-contact`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    let pseudonymised = user.account.role == Role::Coordinator;
    let now = state.now();
    let reason = "GET /demandes-contact";
    let audited = actor(&user, reason);
    let requests = state
        .store
        .contact_requests_in(
            &user.account.territory,
            if pseudonymised {
                RequestViewer::Coordinator
            } else {
                RequestViewer::Professional(&audited)
            },
            now,
        )
        .await?;
    let lines = requests
        .into_iter()
        .map(|request| RequestLine {
            id: request.id,
            who: request.first_name.clone(),
            contact: if pseudonymised {
                "masqué".to_owned()
            } else {
                [request.phone.clone(), request.email.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            commune: request.commune_name,
            typology: request.typology,
            first_help: request.first_help,
            waiting: waiting(request.created_at, now),
            received: format_time(request.created_at),
            taken_by: request.taken_by_structure,
            ours: request.taken_by_viewer,
        })
        .collect();
    render(&RequestsTemplate {
        layout: Layout::new(&state, &viewer, "/demandes-contact", "Demandes de contact"),
        pseudonymised,
        may_take: !pseudonymised,
        requests: lines,
        lifetime_days: CONTACT_REQUEST_LIFETIME_DAYS,
        closings: ContactRequestClosing::ALL
            .iter()
            .map(|closing| (closing.code(), closing.label()))
            .collect(),
        notice: (query.close == "ok")
            .then_some("Demande close : les coordonnées de la personne sont effacées."),
    })
}

/// `POST /demandes-contact/{id}/prendre`: the professional's structure takes the request.
pub async fn take(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let reason = format!("POST /demandes-contact/{id}/prendre");
    let taken = state
        .store
        .take_contact_request(
            &actor(&user, &reason),
            &user.account.territory,
            id,
            state.now(),
        )
        .await?;
    if !taken {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/demandes-contact").into_response())
}

/// `POST /demandes-contact/{id}/cloture`: the structure that took the request closes it (`issue`:
/// the person enrolled, or no follow-up), which erases it; "not found" for any other structure.
pub async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let values = fields(&body);
    let Some(closing) = ContactRequestClosing::from_code(&text(&values, "issue")) else {
        return Err(WebError::BadRequest(
            "Indiquez comment la demande se termine : personne inscrite dans votre structure, ou close sans suite. Rien n'a été effacé.".to_owned(),
        ));
    };
    let reason = format!("POST /demandes-contact/{id}/cloture");
    let closed = state
        .store
        .close_contact_request(&actor(&user, &reason), id, closing, state.now())
        .await?;
    if !closed {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/demandes-contact?close=ok").into_response())
}
