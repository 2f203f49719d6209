//! The cycle builder of the resource bank: a mediator's cycles and a new one (`/ressources/cycles`),
//! a cycle with its sessions week by week, the competences covered and the gaps
//! (`/ressources/cycles/{id}`), its sessions added from the bank's search, moved, re-weeked and
//! removed, its plan printed for the participants, and its workshops created in the pathway (one
//! planned workshop per session, recorded later from the workshop page).

use crate::auth::Professional;
use crate::error::WebError;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::pathway::duration_label;
use crate::pages::render;
use crate::pages::resource_edit::FormChoice;
use aiguillage_domain::calendar::{french_date, iso_date, parse_typed_date};
use aiguillage_domain::ids::{CycleId, ResourceSessionId};
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::resource::cycle::{check_week, coverage, CycleError, CycleHeader};
use aiguillage_domain::resource::Competence;
use aiguillage_domain::role::Role;
use aiguillage_service::resources::bank_actor;
use aiguillage_store::{Cycle, CycleSummary, ItemChange};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The header's form as typed, with its errors by field name.
pub struct HeaderForm {
    pub title: String,
    pub group: String,
    pub aimed: Vec<FormChoice>,
    pub shared: bool,
    pub errors: Errors,
}

impl HeaderForm {
    fn of(header: &CycleHeader) -> HeaderForm {
        HeaderForm {
            title: header.title.clone(),
            group: header.group.clone(),
            aimed: competence_choices(&header.aimed),
            shared: header.shared,
            errors: Errors::new(),
        }
    }

    fn blank() -> HeaderForm {
        HeaderForm::of(&CycleHeader {
            title: String::new(),
            group: String::new(),
            aimed: BTreeSet::new(),
            shared: true,
        })
    }
}

fn competence_choices(aimed: &BTreeSet<Competence>) -> Vec<FormChoice> {
    Competence::all()
        .iter()
        .map(|c| FormChoice {
            code: c.code(),
            label: c.label(),
            checked: aimed.contains(c),
        })
        .collect()
}

/// The header read from a form, checked, or the form again with its errors.
fn read_header(form: &Fields) -> Result<CycleHeader, HeaderForm> {
    let header = CycleHeader {
        title: text(form, "titre"),
        group: text(form, "groupe"),
        aimed: form
            .get("competences")
            .into_iter()
            .flatten()
            .filter_map(|code| Competence::from_code(code))
            .collect(),
        shared: text(form, "partage") == "oui",
    };
    header.clone().check().map_err(|errors| {
        let mut typed = HeaderForm::of(&header);
        typed.errors = errors
            .into_iter()
            .map(|(field, message)| (field.name(), message))
            .collect();
        typed
    })
}

/// A cycle in the list.
pub struct CycleLine {
    pub id: CycleId,
    pub title: String,
    pub group: String,
    pub creator: String,
    pub mine: bool,
    pub shared: bool,
    pub sessions: i64,
    pub workshops: i64,
}

impl From<CycleSummary> for CycleLine {
    fn from(summary: CycleSummary) -> CycleLine {
        CycleLine {
            id: summary.id,
            title: summary.title,
            group: summary.group,
            creator: summary.creator,
            mine: summary.mine,
            shared: summary.shared,
            sessions: summary.sessions,
            workshops: summary.workshops,
        }
    }
}

#[derive(Template)]
#[template(path = "resource_cycles.html")]
struct CyclesTemplate {
    layout: crate::layout::Layout,
    cycles: Vec<CycleLine>,
    form: HeaderForm,
}

async fn cycles_page(me: &Professional, form: HeaderForm) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    let cycles = me.state.store.cycles_of(&actor).await?;
    let status = if form.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&CyclesTemplate {
        layout: me.layout("/ressources", "Cycles d'ateliers"),
        cycles: cycles.into_iter().map(CycleLine::from).collect(),
        form,
    })?;
    Ok((status, page).into_response())
}

/// `GET /ressources/cycles`: the actor's cycles and those shared in the structure, and a new one.
pub async fn list(me: Professional) -> Result<Response, WebError> {
    cycles_page(&me, HeaderForm::blank()).await
}

/// `POST /ressources/cycles`: creates a cycle, then shows it to add its sessions.
pub async fn create(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let header = match read_header(&fields(&body)) {
        Ok(header) => header,
        Err(form) => return cycles_page(&me, form).await,
    };
    let actor = bank_actor(&me.user.account, &me.reason);
    let id = me
        .state
        .store
        .create_cycle(&actor, &header, me.now())
        .await?;
    Ok(Redirect::to(&format!("/ressources/cycles/{id}?fait=cree")).into_response())
}

/// A session of the cycle as its table shows it.
pub struct ItemLine {
    pub position: i64,
    pub week: u32,
    pub session: ResourceSessionId,
    pub title: String,
    pub level: &'static str,
    pub duration: String,
    pub competences: Vec<&'static str>,
    pub objectives: Vec<String>,
    pub first: bool,
    pub last: bool,
    /// The planned workshop's day, once the workshops are created.
    pub day: Option<String>,
}

/// A workshop the cycle planned, as its table shows it.
pub struct WorkshopLine {
    pub id: i64,
    pub day: String,
    pub title: String,
    /// The participants, once recorded.
    pub participants: Option<i64>,
}

/// What the cycle's page and its printed plan show.
pub struct CycleView {
    pub id: CycleId,
    pub title: String,
    pub group: String,
    pub structure_name: String,
    pub creator: String,
    pub mine: bool,
    pub shared: bool,
    pub items: Vec<ItemLine>,
    pub weeks: u32,
    pub total: String,
    pub covered: Vec<&'static str>,
    pub gaps: Vec<&'static str>,
    pub workshops: Vec<WorkshopLine>,
}

fn cycle_view(cycle: Cycle) -> CycleView {
    let content = |item: &aiguillage_store::CycleItem| item.snapshot.content.clone();
    let contents: Vec<_> = cycle.items.iter().map(content).collect();
    let covering = coverage(
        contents
            .iter()
            .map(|c| (&c.competences, c.duration_minutes)),
        &cycle.header.aimed,
    );
    let count = cycle.items.len();
    let day_of = |item: &aiguillage_store::CycleItem| {
        cycle
            .workshops
            .iter()
            .find(|w| w.position == item.position && w.session == item.session)
            .map(|w| french_date(w.planned_on))
    };
    let days: Vec<Option<String>> = cycle.items.iter().map(day_of).collect();
    CycleView {
        id: cycle.id,
        title: cycle.header.title,
        group: cycle.header.group,
        structure_name: cycle.structure_name,
        creator: cycle.creator,
        mine: cycle.mine,
        shared: cycle.header.shared,
        weeks: cycle.items.iter().map(|i| i.week).max().unwrap_or(0),
        items: cycle
            .items
            .into_iter()
            .zip(days)
            .enumerate()
            .map(|(index, (item, day))| {
                let c = &item.snapshot.content;
                ItemLine {
                    position: item.position,
                    week: item.week,
                    session: item.session,
                    title: c.title.clone(),
                    level: c.level.label(),
                    duration: duration_label(c.duration_minutes),
                    competences: c.competences.iter().map(|x| x.label()).collect(),
                    objectives: c.objective_lines().into_iter().map(str::to_owned).collect(),
                    first: index == 0,
                    last: index + 1 == count,
                    day,
                }
            })
            .collect(),
        total: duration_label(covering.total_minutes),
        covered: covering.covered.iter().map(|c| c.label()).collect(),
        gaps: covering.gaps.iter().map(|c| c.label()).collect(),
        workshops: cycle
            .workshops
            .into_iter()
            .map(|w| WorkshopLine {
                id: w.id,
                day: french_date(w.planned_on),
                title: w.title,
                participants: w.recorded.map(|(_, participants)| participants),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "resource_cycle.html")]
struct CycleTemplate {
    layout: crate::layout::Layout,
    cycle: CycleView,
    form: HeaderForm,
    /// What was just done, said once.
    done: Option<&'static str>,
    /// Why the last action was refused.
    refusal: Option<String>,
    /// The first workshop's day as typed.
    first_day: String,
    may_plan: bool,
}

/// What the cycle's page says after an action.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    fait: String,
}

fn done_message(code: &str) -> Option<&'static str> {
    match code {
        "cree" => Some("Cycle créé. Ajoutez-lui des séances depuis la ressourcerie : « Ajouter des séances »."),
        "modifie" => Some("Cycle enregistré."),
        "seance" => Some("Séances du cycle enregistrées."),
        "ateliers" => Some("Ateliers créés : chacun figure dans la page « Atelier collectif », à enregistrer une fois tenu."),
        _ => None,
    }
}

async fn cycle_page(
    me: &Professional,
    id: CycleId,
    (form, done, refusal, first_day): (
        Option<HeaderForm>,
        Option<&'static str>,
        Option<String>,
        String,
    ),
) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    let cycle = me.state.store.cycle(&actor, id).await?;
    let form = form.unwrap_or_else(|| HeaderForm::of(&cycle.header));
    let status = if form.errors.is_empty() && refusal.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = cycle_view(cycle);
    let page = render(&CycleTemplate {
        layout: me.layout("/ressources", &format!("Cycle « {} »", view.title)),
        cycle: view,
        form,
        done,
        refusal,
        first_day,
        may_plan: me.user.account.role == Role::Mediator,
    })?;
    Ok((status, page).into_response())
}

/// `GET /ressources/cycles/{id}`.
pub async fn show(
    me: Professional,
    Path(id): Path<CycleId>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    cycle_page(
        &me,
        id,
        (None, done_message(&done.fait), None, String::new()),
    )
    .await
}

/// After a change: back to the cycle, or the cycle again with why it was refused.
async fn after(
    me: &Professional,
    id: CycleId,
    outcome: Result<(), CycleError>,
    done: &str,
) -> Result<Response, WebError> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/ressources/cycles/{id}?fait={done}")).into_response()),
        Err(refusal) => {
            cycle_page(
                me,
                id,
                (None, None, Some(refusal.to_string()), String::new()),
            )
            .await
        }
    }
}

/// `POST /ressources/cycles/{id}`: changes the cycle's title, group, aims or sharing (its creator).
pub async fn update(
    me: Professional,
    Path(id): Path<CycleId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let header = match read_header(&fields(&body)) {
        Ok(header) => header,
        Err(form) => return cycle_page(&me, id, (Some(form), None, None, String::new())).await,
    };
    let actor = bank_actor(&me.user.account, &me.reason);
    let outcome = me
        .state
        .store
        .update_cycle(&actor, id, &header, me.now())
        .await?;
    after(&me, id, outcome, "modifie").await
}

/// A week typed in a form, checked.
fn week_of(form: &Fields) -> Result<u32, CycleError> {
    text(form, "semaine")
        .parse::<u32>()
        .map_err(|_| CycleError::WeekOutOfRange)
        .and_then(check_week)
}

/// Where to go back after adding a session from the bank's search: that search, or the cycle.
fn back_to(form: &Fields, id: CycleId) -> String {
    let back = text(form, "retour");
    let safe = back.starts_with("/ressources?")
        && !back.contains("//")
        && !back.contains('\\')
        && back.chars().all(|c| c.is_ascii_graphic());
    if safe {
        back
    } else {
        format!("/ressources/cycles/{id}?fait=seance")
    }
}

/// `POST /ressources/cycles/{id}/seances`: adds a published session at the end of the cycle.
pub async fn add_session(
    me: Professional,
    Path(id): Path<CycleId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form = fields(&body);
    let Ok(session) = text(&form, "seance").parse::<ResourceSessionId>() else {
        return Err(WebError::NotFound);
    };
    let outcome = match week_of(&form) {
        Ok(week) => {
            let actor = bank_actor(&me.user.account, &me.reason);
            me.state
                .store
                .add_cycle_session(&actor, id, session, week, me.now())
                .await?
        }
        Err(refusal) => Err(refusal),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&back_to(&form, id)).into_response()),
        Err(refusal) => {
            cycle_page(
                &me,
                id,
                (None, None, Some(refusal.to_string()), String::new()),
            )
            .await
        }
    }
}

/// `POST /ressources/cycles/{id}/seances/{position}`: moves the session up or down, removes it, or
/// changes its week (`action` = monter, descendre, retirer or semaine).
pub async fn change_session(
    me: Professional,
    Path((id, position)): Path<(CycleId, i64)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form = fields(&body);
    let change = match text(&form, "action").as_str() {
        "monter" => Ok(ItemChange::Up),
        "descendre" => Ok(ItemChange::Down),
        "retirer" => Ok(ItemChange::Remove),
        "semaine" => week_of(&form).map(ItemChange::Week),
        _ => return Err(WebError::NotFound),
    };
    let outcome = match change {
        Ok(change) => {
            let actor = bank_actor(&me.user.account, &me.reason);
            me.state
                .store
                .change_cycle_item(&actor, id, position, change, me.now())
                .await?
        }
        Err(refusal) => Err(refusal),
    };
    after(&me, id, outcome, "seance").await
}

/// `POST /ressources/cycles/{id}/ateliers`: creates the cycle's workshops for the structure, the first
/// on the day typed and each next one in its week.
pub async fn plan_workshops(
    me: Professional,
    Path(id): Path<CycleId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form = fields(&body);
    let typed = text(&form, "premier_atelier");
    let Some(first_day) = parse_typed_date(&typed) else {
        let message = "Indiquez la date du premier atelier, par exemple 12/01/2027.".to_owned();
        return cycle_page(&me, id, (None, None, Some(message), typed)).await;
    };
    let actor = bank_actor(&me.user.account, &me.reason);
    let outcome = me
        .state
        .store
        .create_cycle_workshops(&actor, id, first_day, me.now())
        .await?;
    match outcome {
        Ok(_) => after(&me, id, Ok(()), "ateliers").await,
        Err(refusal) => {
            cycle_page(
                &me,
                id,
                (None, None, Some(refusal.to_string()), iso_date(first_day)),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "resource_cycle_print.html")]
struct PrintTemplate {
    layout: crate::layout::Layout,
    cycle: CycleView,
}

/// `GET /ressources/cycles/{id}/imprimer`: the cycle's plan for its participants, week by week, with
/// what each session teaches; printed with the product's print stylesheet.
pub async fn print(me: Professional, Path(id): Path<CycleId>) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    let cycle = me.state.store.cycle(&actor, id).await?;
    let view = cycle_view(cycle);
    render(&PrintTemplate {
        layout: me.layout("/ressources", &format!("Programme « {} »", view.title)),
        cycle: view,
    })
}
