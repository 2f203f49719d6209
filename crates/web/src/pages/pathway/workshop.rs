//! The collective workshop (`/ateliers/nouveau`): the form with the people of the structure's
//! referrals in progress to tick and the anonymous participants, its recording (all or nothing),
//! the workshops cycles of the resource bank planned and not recorded yet (`?prevu=N` fills the form
//! from one, and recording it names the bank session it ran), and the structure's recent workshops.

use super::session_form::{session_field, PersonChoice, SessionForm, SubmittedSession};
use super::{duration_label, french_date};
use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::people::actor;
use crate::pages::render;
use aiguillage_domain::calendar::{date_of, days_before};
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::pathway::{NewSession, SessionKind};
use aiguillage_service::pathway::{self, WorkshopRefusal};
use aiguillage_service::resources::bank_actor;
use aiguillage_service::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// What the workshop page lists of the structure's past workshops.
const RECENT_WORKSHOP_DAYS: i64 = 60;
/// The message when a person ticked no longer has a referral in progress here.
const NO_LONGER_IN_PROGRESS: &str = "Une des personnes cochées n'a plus d'orientation en cours dans votre structure : vérifiez la liste.";

/// A past workshop of the structure.
pub struct WorkshopLine {
    pub id: i64,
    pub date: String,
    pub title: String,
    pub level: &'static str,
    pub duration: String,
    pub registered: usize,
    pub anonymous: u32,
    pub participants: u32,
}

#[derive(Template)]
#[template(path = "workshop.html")]
struct WorkshopTemplate {
    layout: Layout,
    form: SessionForm,
    recorded: bool,
    /// A workshop was just deleted.
    deleted: bool,
    recent: Vec<WorkshopLine>,
    /// The planned workshop being recorded: its id, the session's title and the cycle's.
    plan: Option<(i64, String, String)>,
    /// The structure's planned workshops not recorded yet: id, day, title, cycle.
    planned: Vec<(i64, String, String, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct WorkshopQuery {
    #[serde(default)]
    enregistre: String,
    #[serde(default)]
    supprime: String,
    prevu: Option<i64>,
}

/// The referrals of the structure in progress, as people to tick.
async fn people_in_progress(
    state: &AppState,
    user: &CurrentUser,
    reason: &str,
) -> Result<Vec<(ReferralId, PersonChoice)>, WebError> {
    let received = state
        .store
        .referrals_of_structure(&actor(user, reason), true, state.now())
        .await?;
    let mut people: Vec<(ReferralId, PersonChoice)> = received
        .iter()
        .filter(|r| r.state.accepts_sessions())
        .map(|r| {
            (
                r.id,
                PersonChoice {
                    referral_id: r.id.to_string(),
                    label: format!(
                        "{} {} — {} ({})",
                        r.first_name,
                        r.last_name,
                        r.offer_name,
                        r.state.label().to_lowercase()
                    ),
                },
            )
        })
        .collect();
    people.sort_by(|a, b| a.1.label.cmp(&b.1.label));
    Ok(people)
}

async fn recent_workshops(
    state: &AppState,
    user: &CurrentUser,
    reason: &str,
) -> Result<Vec<WorkshopLine>, WebError> {
    let now = state.now();
    let today = date_of(now);
    let from = date_of(days_before(now, RECENT_WORKSHOP_DAYS));
    let sessions = state
        .store
        .sessions_of_structure(
            &actor(user, reason),
            (from, today.next_day().unwrap_or(today)),
            now,
        )
        .await?;
    Ok(sessions
        .iter()
        .rev()
        .filter_map(|session| {
            let record = &session.record;
            let aiguillage_domain::pathway::SessionFormat::Collective {
                participants,
                anonymous_participants,
                title,
                level,
            } = &record.format
            else {
                return None;
            };
            Some(WorkshopLine {
                id: session.id,
                date: french_date(record.held_on),
                title: title.clone().unwrap_or_else(|| "Sans titre".to_owned()),
                level: level.map(|l| l.label()).unwrap_or("—"),
                duration: duration_label(record.duration_minutes),
                registered: session.registered_referrals.len(),
                anonymous: *anonymous_participants,
                participants: *participants,
            })
        })
        .collect())
}

async fn workshop_page(
    state: &AppState,
    (viewer, user): (&Viewer, &CurrentUser),
    form: SessionForm,
    // Just recorded (`Some(true)`), just deleted (`Some(false)`), or neither.
    recorded: Option<bool>,
    reason: &str,
) -> Result<Response, WebError> {
    let status = if form.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let recent = recent_workshops(state, user, reason).await?;
    let bank = bank_actor(&user.account, reason);
    let planned = state.store.planned_workshops(&bank).await?;
    let plan = match form.value("prevu").parse::<i64>() {
        Ok(id) => {
            let chosen = state.store.planned_workshop(&bank, id).await?;
            Some((chosen.id, chosen.title, chosen.cycle_title))
        }
        Err(_) => None,
    };
    let page = render(&WorkshopTemplate {
        layout: Layout::new(
            state,
            viewer,
            "/orientations",
            "Enregistrer un atelier collectif",
        ),
        form,
        recorded: recorded == Some(true),
        deleted: recorded == Some(false),
        recent,
        plan,
        planned: planned
            .into_iter()
            .map(|w| (w.id, french_date(w.planned_on), w.title, w.cycle_title))
            .collect(),
    })?;
    Ok((status, page).into_response())
}

const WORKSHOP_PATH: &str = "/ateliers/nouveau";

/// `GET /ateliers/nouveau`: the workshop form, with the people of the structure's referrals in
/// progress to tick as present.
pub async fn workshop_form(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Query(query): Query<WorkshopQuery>,
) -> Result<Response, WebError> {
    let reason = format!("GET {WORKSHOP_PATH}");
    let today = state
        .store
        .today_at_structure(user.account.structure_id, state.now())
        .await?;
    let mut form = SessionForm::blank(WORKSHOP_PATH.to_owned(), true, today);
    if let Some(id) = query.prevu {
        let planned = state
            .store
            .planned_workshop(&bank_actor(&user.account, &reason), id)
            .await?;
        form.fill_from_plan(&planned, today);
    }
    form.people = people_in_progress(&state, &user, &reason)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    workshop_page(
        &state,
        (&viewer, &user),
        form,
        match (query.enregistre.is_empty(), query.supprime.is_empty()) {
            (false, _) => Some(true),
            (true, false) => Some(false),
            (true, true) => None,
        },
        &reason,
    )
    .await
}

/// `POST /ateliers/nouveau`: records the workshop for the people ticked (their referrals at first
/// contact move to « En parcours ») and the anonymous participants; all or nothing.
pub async fn record_workshop(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    body: Bytes,
) -> Result<Response, WebError> {
    let reason = format!("POST {WORKSHOP_PATH}");
    let values = fields(&body);
    let people = people_in_progress(&state, &user, &reason).await?;
    let (ticked, unknown) = ticked_referrals(&values, &people);
    let submitted = SubmittedSession {
        values: &values,
        kind: SessionKind::Collective,
        registered: ticked.len(),
        today: state
            .store
            .today_at_structure(user.account.structure_id, state.now())
            .await?,
    };
    let read = NewSession::try_from(submitted);
    let mut errors = read.as_ref().err().cloned().unwrap_or_default();
    if unknown {
        errors.insert("personnes", NO_LONGER_IN_PROGRESS.to_owned());
    }
    let session = match read {
        Ok(session) if errors.is_empty() => session,
        _ => {
            let form = refused_form(errors, values, people);
            return workshop_page(&state, (&viewer, &user), form, None, &reason).await;
        }
    };
    let actor = actor(&user, &reason);
    let plan = text(&values, "prevu").parse::<i64>().ok();
    let refusal = match pathway::record_workshop(&state, &actor, &ticked, &session, plan).await? {
        Ok(()) => return Ok(Redirect::to(&format!("{WORKSHOP_PATH}?enregistre=1")).into_response()),
        Err(refusal) => refusal,
    };
    let people = people_in_progress(&state, &user, &reason).await?;
    let form = refused_form(explained(refusal), values, people);
    workshop_page(&state, (&viewer, &user), form, None, &reason).await
}

/// The referrals ticked that are in progress here (each once), and whether any other was ticked.
fn ticked_referrals(
    values: &Fields,
    people: &[(ReferralId, PersonChoice)],
) -> (Vec<ReferralId>, bool) {
    let mut ticked = Vec::new();
    let mut unknown = false;
    for value in values.get("personnes").into_iter().flatten() {
        let known = value.parse::<ReferralId>().ok();
        match known.filter(|id| people.iter().any(|(p, _)| p == id)) {
            Some(id) if !ticked.contains(&id) => ticked.push(id),
            Some(_) => {}
            None => unknown = true,
        }
    }
    (ticked, unknown)
}

/// The workshop form again, as submitted, with its errors and the people in progress.
fn refused_form(
    errors: Errors,
    values: Fields,
    people: Vec<(ReferralId, PersonChoice)>,
) -> SessionForm {
    let mut form = SessionForm::new(WORKSHOP_PATH.to_owned(), true, values, errors);
    form.people = people.into_iter().map(|(_, p)| p).collect();
    form
}

/// The field a refusal of the workshop belongs to, with its message.
fn explained(refusal: WorkshopRefusal) -> Errors {
    let mut errors = Errors::new();
    match refusal {
        WorkshopRefusal::Session(error) => {
            errors.insert(session_field(&error), error.to_string());
        }
        WorkshopRefusal::PersonNoLongerInProgress => {
            errors.insert("personnes", NO_LONGER_IN_PROGRESS.to_owned());
        }
        WorkshopRefusal::PlanGone => {
            errors.insert(
                "titre",
                "Cet atelier prévu a déjà été enregistré : rien n'a été enregistré une seconde fois.".to_owned(),
            );
        }
        WorkshopRefusal::Stale => {
            errors.insert(
                "personnes",
                "Une des orientations a changé pendant l'enregistrement : rien n'a été enregistré, vérifiez la liste et recommencez.".to_owned(),
            );
        }
    }
    errors
}
