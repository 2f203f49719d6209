//! The territory's contact requests (left after a public self-diagnostic): prescribers and mediators
//! see the requests nobody took yet and those their structure took, take one for their structure,
//! and close it once handled (the person enrolled, or no follow-up), which erases it. A request taken
//! by another structure is no longer shown to them at all. The coordinator sees them pseudonymised
//! (initial, commune, profile, waiting time). Visibility and erasure are decided in the store.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text};
use crate::pages::{format_time, render};
use aiguillage_domain::contact_request::{ContactRequestClosing, CONTACT_REQUEST_LIFETIME_DAYS};
use aiguillage_domain::role::Role;
use aiguillage_store::{ContactRequest, RequestViewer};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
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

/// One request as the viewer sees it: the way to reach the person is masked for the coordinator.
fn request_line(request: ContactRequest, pseudonymised: bool, now: i64) -> RequestLine {
    RequestLine {
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
    }
}

/// `GET /demandes-contact`.
pub async fn list(me: Professional, Query(query): Query<ListQuery>) -> Result<Response, WebError> {
    let pseudonymised = me.user.account.role == Role::Coordinator;
    let requests = request_lines(&me, pseudonymised).await?;
    render(&RequestsTemplate {
        layout: me.layout("/demandes-contact", "Demandes de contact"),
        pseudonymised,
        may_take: !pseudonymised,
        requests,
        lifetime_days: CONTACT_REQUEST_LIFETIME_DAYS,
        closings: closings(),
        notice: (query.close == "ok").then_some(CLOSED),
    })
}

const CLOSED: &str = "Demande close : les coordonnées de la personne sont effacées.";

/// The ways a request may be closed, as (code, label).
fn closings() -> Vec<(&'static str, &'static str)> {
    let all = ContactRequestClosing::ALL.iter();
    all.map(|closing| (closing.code(), closing.label()))
        .collect()
}

/// The territory's requests this professional sees (pseudonymised for the coordinator).
async fn request_lines(
    me: &Professional,
    pseudonymised: bool,
) -> Result<Vec<RequestLine>, WebError> {
    let (now, actor) = (me.now(), me.actor());
    let asker = if pseudonymised {
        RequestViewer::Coordinator
    } else {
        RequestViewer::Professional(&actor)
    };
    let territory = &me.user.account.territory;
    let requests = me.state.store.contact_requests_in(territory, asker, now);
    let requests = requests.await?.into_iter();
    Ok(requests
        .map(|r| request_line(r, pseudonymised, now))
        .collect())
}

/// `POST /demandes-contact/{id}/prendre`: the professional's structure takes the request.
pub async fn take(me: Professional, Path(id): Path<i64>) -> Result<Response, WebError> {
    let (store, actor, territory) = (&me.state.store, me.actor(), &me.user.account.territory);
    if !store
        .take_contact_request(&actor, territory, id, me.now())
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/demandes-contact").into_response())
}

const NO_CLOSING: &str = "Indiquez comment la demande se termine : personne inscrite dans votre structure, ou close sans suite. Rien n'a été effacé.";

/// `POST /demandes-contact/{id}/cloture`: the structure that took the request closes it (`issue`:
/// the person enrolled, or no follow-up), which erases it; "not found" for any other structure.
pub async fn close(
    me: Professional,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let closing = ContactRequestClosing::from_code(&text(&fields(&body), "issue"));
    let closing = closing.ok_or_else(|| WebError::BadRequest(NO_CLOSING.to_owned()))?;
    let (store, actor) = (&me.state.store, me.actor());
    let closed = store.close_contact_request(&actor, id, closing, me.now());
    if !closed.await? {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/demandes-contact?close=ok").into_response())
}
