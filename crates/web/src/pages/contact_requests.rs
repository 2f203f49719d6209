//! The territory's contact requests (left after a public self-diagnostic): prescribers and mediators
//! see who to call and take a request for their structure; the coordinator sees them pseudonymised
//! (initials, commune, profile, waiting time).

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::people::actor;
use crate::pages::{format_time, render};
use crate::state::AppState;
use aiguillage_domain::person::initials;
use aiguillage_domain::role::Role;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "contact_requests.html")]
struct RequestsTemplate {
    layout: Layout,
    pseudonymised: bool,
    may_take: bool,
    requests: Vec<RequestLine>,
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
}

/// A waiting time in days, in words.
fn waiting(since: i64, now: i64) -> String {
    match (now - since).max(0) / 86_400 {
        0 => "moins d'un jour".to_owned(),
        1 => "1 jour".to_owned(),
        days => format!("{days} jours"),
    }
}

/// `GET /demandes-contact`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
) -> Result<Response, WebError> {
    let pseudonymised = user.account.role == Role::Coordinator;
    let now = state.now();
    let reason = "GET /demandes-contact";
    let audited = actor(&user, reason);
    let requests = state
        .store
        .contact_requests_in(
            &user.account.territory,
            (!pseudonymised).then_some(&audited),
            now,
        )
        .await?;
    let lines = requests
        .into_iter()
        .map(|request| RequestLine {
            id: request.id,
            who: if pseudonymised {
                initials(&request.first_name, "")
            } else {
                request.first_name.clone()
            },
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
        })
        .collect();
    render(&RequestsTemplate {
        layout: Layout::new(&state, &viewer, "/demandes-contact", "Demandes de contact"),
        pseudonymised,
        may_take: !pseudonymised,
        requests: lines,
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
