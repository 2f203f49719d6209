//! A record's retention, as its enrolling structure sees it (`/personnes/{id}/conservation`): the
//! last contact, the day the record will be anonymised, whether the team was warned, and the one
//! extension the referent may give with a reason chosen from a list (nothing typed about the person
//! is kept). Another structure's person is « not found ». `/personnes/echeances` lists the
//! structure's records nearing their end, where a warning about several records leads.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::diagnostic::format_day;
use crate::pages::form_fields::{fields, text};
use crate::pages::render;
use aiguillage_domain::ids::PersonId;
use aiguillage_domain::retention::{ExtensionReason, RetentionPeriods, RetentionStep};
use aiguillage_store::{Extension, RetentionView};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "person_retention.html")]
struct RetentionTemplate {
    layout: Layout,
    person_id: PersonId,
    periods: RetentionPeriods,
    last_contact: String,
    anonymised_on: String,
    warned_on: Option<String>,
    extended: Option<(String, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    error: Option<&'static str>,
    done: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    fait: String,
}

async fn retention_page(
    me: &Professional,
    id: PersonId,
    (error, done): (Option<&'static str>, bool),
) -> Result<Response, WebError> {
    let store = &me.state.store;
    let view: RetentionView = store
        .person_retention(&me.actor(), id)
        .await?
        .ok_or(WebError::NotFound)?;
    let periods = store.retention_periods().await?;
    let retention = view.retention;
    let anonymise_at = match retention.step(&periods, me.now()) {
        RetentionStep::Warned { anonymise_at } | RetentionStep::Warn { anonymise_at } => {
            anonymise_at
        }
        RetentionStep::Keep | RetentionStep::Anonymise => retention.deadline(&periods),
    };
    let page = render(&RetentionTemplate {
        layout: me.layout("/personnes", "Durée de conservation"),
        person_id: id,
        periods,
        last_contact: format_day(retention.last_contact_at),
        anonymised_on: format_day(anonymise_at),
        warned_on: retention.warned_at.map(format_day),
        extended: retention
            .extended_at
            .map(|at| (format_day(at), view.reason.map_or("", |r| r.label()))),
        reasons: ExtensionReason::ALL
            .iter()
            .map(|r| (r.code(), r.label()))
            .collect(),
        error,
        done,
    })?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

/// `GET /personnes/{id}/conservation`.
pub async fn show(
    me: Professional,
    Path(id): Path<PersonId>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    retention_page(&me, id, (None, query.fait == "prolongee")).await
}

/// `POST /personnes/{id}/conservation`: extends the record once, with the reason chosen.
pub async fn extend(
    me: Professional,
    Path(id): Path<PersonId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let chosen = text(&fields(&body), "motif");
    let Some(reason) = ExtensionReason::from_code(&chosen) else {
        let missing = "Choisissez pourquoi la fiche doit être gardée plus longtemps.";
        return retention_page(&me, id, (Some(missing), false)).await;
    };
    let store = &me.state.store;
    let periods = store.retention_periods().await?;
    match store
        .extend_retention(&me.actor(), id, reason, (&periods, me.now()))
        .await?
    {
        Extension::Extended { .. } => Ok(Redirect::to(&format!(
            "/personnes/{id}/conservation?fait=prolongee"
        ))
        .into_response()),
        Extension::AlreadyExtended => {
            let once = "La fiche a déjà été prolongée une fois : elle ne peut plus l'être.";
            retention_page(&me, id, (Some(once), false)).await
        }
        Extension::NotFound => Err(WebError::NotFound),
    }
}

/// One record nearing its end, as the list shows it.
struct DueLine {
    id: PersonId,
    name: String,
    last_contact: String,
    anonymised_on: String,
    extended: bool,
}

#[derive(Template)]
#[template(path = "people_retention_due.html")]
struct DueTemplate {
    layout: Layout,
    periods: RetentionPeriods,
    lines: Vec<DueLine>,
}

/// `GET /personnes/echeances`: the records of the viewer's structure to be anonymised soon.
pub async fn due(me: Professional) -> Result<Response, WebError> {
    let store = &me.state.store;
    let periods = store.retention_periods().await?;
    let now = me.now();
    let due = store.retention_due_of(&me.actor(), (&periods, now)).await?;
    let lines =
        due.into_iter()
            .map(|(id, first_name, last_name, retention)| {
                let anonymise_at = match retention.step(&periods, now) {
                    RetentionStep::Warned { anonymise_at }
                    | RetentionStep::Warn { anonymise_at } => anonymise_at,
                    RetentionStep::Keep | RetentionStep::Anonymise => retention.deadline(&periods),
                };
                DueLine {
                    id,
                    name: format!("{first_name} {last_name}"),
                    last_contact: format_day(retention.last_contact_at),
                    anonymised_on: format_day(anonymise_at),
                    extended: retention.extended_at.is_some(),
                }
            })
            .collect();
    render(&DueTemplate {
        layout: me.layout("/personnes", "Fiches arrivant à échéance"),
        periods,
        lines,
    })
}
