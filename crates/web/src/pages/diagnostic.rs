//! The professional's diagnostic pages: the questionnaire for an enrolled person, the profile with its
//! reasons (and the progress since the previous diagnostic), the override of typology or help, the
//! printable one-page summary, and the unrecorded diagnostic run when the person did not consent.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::people::{actor, contact_of};
use crate::pages::questionnaire::{
    read_answers, sections, urgency_fields, ProfileView, Section, UrgencyFields, Wording,
};
use crate::pages::{format_time, render};
use aiguillage_domain::calendar::date_of;
use aiguillage_domain::diagnostic::{check_override, profile, RecommendedHelp, Typology};
use aiguillage_service::state::AppState;
use aiguillage_store::{PersonRecord, StoredDiagnostic};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "questionnaire.html")]
pub struct QuestionnaireTemplate {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    pub action: String,
    pub sections: Vec<Section>,
    pub urgency: UrgencyFields,
    pub errors: Errors,
    pub professional: bool,
    pub notes: String,
    pub commune: Option<String>,
    pub submit_label: &'static str,
    pub cancel_href: String,
}

/// The questionnaire page, blank or with the answers sent back and their errors.
fn questionnaire(
    layout: Layout,
    (heading, intro, action): (String, String, String),
    values: &Fields,
    errors: Errors,
    cancel_href: String,
) -> Result<Response, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&QuestionnaireTemplate {
        layout,
        heading,
        intro,
        action,
        sections: sections(values, Wording::Professional, true),
        urgency: urgency_fields(values),
        errors,
        professional: true,
        notes: text(values, "notes"),
        commune: None,
        submit_label: "Calculer le profil",
        cancel_href,
    })?;
    Ok((status, page).into_response())
}

async fn visible_person(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    reason: &str,
) -> Result<PersonRecord, WebError> {
    state
        .store
        .person(&actor(user, reason), id, state.now())
        .await?
        .ok_or(WebError::NotFound)
}

/// `GET /personnes/{id}/diagnostic`.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let person = visible_person(
        &state,
        &user,
        id,
        &format!("GET /personnes/{id}/diagnostic"),
    )
    .await?;
    questionnaire(
        Layout::new(&state, &viewer, "/personnes", "Diagnostic"),
        (
            format!("Diagnostic de {} {}", person.first_name, person.last_name),
            "Environ 5 minutes. Posez les questions à la personne ; chaque réponse est expliquée dans le profil.".to_owned(),
            format!("/personnes/{id}/diagnostic"),
        ),
        &Fields::new(),
        Errors::new(),
        format!("/personnes/{id}"),
    )
}

/// `POST /personnes/{id}/diagnostic`: computes and stores the profile.
pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let reason = format!("POST /personnes/{id}/diagnostic");
    let person = visible_person(&state, &user, id, &reason).await?;
    let values = fields(&body);
    let mut errors = Errors::new();
    let Some(answers) = read_answers(&values, &mut errors) else {
        return questionnaire(
            Layout::new(&state, &viewer, "/personnes", "Diagnostic"),
            (
                format!("Diagnostic de {} {}", person.first_name, person.last_name),
                String::new(),
                format!("/personnes/{id}/diagnostic"),
            ),
            &values,
            errors,
            format!("/personnes/{id}"),
        );
    };
    let now = state.now();
    let computed = profile(&answers, date_of(now));
    let stored = state
        .store
        .add_diagnostic(&actor(&user, &reason), id, &answers, &computed, now)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Redirect::to(&format!("/personnes/{id}/diagnostics/{stored}")).into_response())
}

#[derive(Template)]
#[template(path = "diagnostic_result.html")]
struct ResultTemplate {
    layout: Layout,
    person: Option<PersonRecord>,
    made_at: String,
    view: ProfileView,
    base: String,
    typologies: Vec<(&'static str, bool)>,
    helps: Vec<(&'static str, bool)>,
    override_reason: String,
    errors: Errors,
}

/// A stored diagnostic of a visible person, with the one before it.
async fn stored_diagnostic(
    state: &AppState,
    user: &CurrentUser,
    (id, diagnostic_id): (i64, i64),
    reason: &str,
) -> Result<(PersonRecord, StoredDiagnostic, Option<StoredDiagnostic>), WebError> {
    let person = visible_person(state, user, id, reason).await?;
    let diagnostics = state.store.diagnostics_of(&actor(user, reason), id).await?;
    let index = diagnostics
        .iter()
        .position(|d| d.id == diagnostic_id)
        .ok_or(WebError::NotFound)?;
    let previous = index.checked_sub(1).map(|i| diagnostics[i].clone());
    Ok((person, diagnostics[index].clone(), previous))
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    label: fn(T) -> &'static str,
    current: T,
) -> Vec<(&'static str, bool)> {
    all.iter().map(|v| (label(*v), *v == current)).collect()
}

fn result_page(
    state: &AppState,
    viewer: &Viewer,
    (person, diagnostic, previous): (PersonRecord, StoredDiagnostic, Option<StoredDiagnostic>),
    override_reason: String,
    errors: Errors,
) -> Result<Response, WebError> {
    let view = ProfileView::new(
        diagnostic.profile.clone(),
        diagnostic.override_.clone(),
        previous.as_ref().map(|p| &p.profile),
        &person.commune_name,
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&ResultTemplate {
        layout: Layout::new(state, viewer, "/personnes", "Profil"),
        base: format!("/personnes/{}/diagnostics/{}", person.id, diagnostic.id),
        made_at: format_time(diagnostic.made_at),
        typologies: choices(Typology::ALL, Typology::label, view.typology),
        helps: choices(
            RecommendedHelp::ALL,
            RecommendedHelp::label,
            view.first_help,
        ),
        person: Some(person),
        view,
        override_reason,
        errors,
    })?;
    Ok((status, page).into_response())
}

/// `GET /personnes/{id}/diagnostics/{diagnostic}`: the profile with its reasons.
pub async fn result(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path((id, diagnostic_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let reason = format!("GET /personnes/{id}/diagnostics/{diagnostic_id}");
    let found = stored_diagnostic(&state, &user, (id, diagnostic_id), &reason).await?;
    result_page(&state, &viewer, found, String::new(), Errors::new())
}

/// `POST /personnes/{id}/diagnostics/{diagnostic}/ajustement`: the professional sets another
/// typology or help, with a reason.
pub async fn adjust(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path((id, diagnostic_id)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let reason = format!("POST /personnes/{id}/diagnostics/{diagnostic_id}/ajustement");
    let found = stored_diagnostic(&state, &user, (id, diagnostic_id), &reason).await?;
    let values = fields(&body);
    let typology = Typology::from_label(&text(&values, "typologie"));
    let help = RecommendedHelp::from_label(&text(&values, "aide"));
    let why = text(&values, "raison");
    match check_override(&found.1.profile, typology, help, &why) {
        Ok(decision) => {
            let saved = state
                .store
                .override_diagnostic(
                    &actor(&user, &reason),
                    id,
                    diagnostic_id,
                    &decision,
                    state.now(),
                )
                .await?;
            if !saved {
                return Err(WebError::NotFound);
            }
            Ok(Redirect::to(&format!(
                "/personnes/{id}/diagnostics/{diagnostic_id}#ajustement"
            ))
            .into_response())
        }
        Err(error) => {
            let mut errors = Errors::new();
            errors.insert("raison", error.to_string());
            result_page(&state, &viewer, found, why, errors)
        }
    }
}

#[derive(Template)]
#[template(path = "diagnostic_summary.html")]
struct SummaryTemplate {
    layout: Layout,
    first_name: String,
    date: String,
    view: ProfileView,
    who_calls: String,
    contact: String,
    back: String,
}

/// `GET /personnes/{id}/diagnostics/{diagnostic}/fiche`: the printable summary for the person.
pub async fn summary(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path((id, diagnostic_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let reason = format!("GET /personnes/{id}/diagnostics/{diagnostic_id}/fiche");
    let (person, diagnostic, _) =
        stored_diagnostic(&state, &user, (id, diagnostic_id), &reason).await?;
    let view = ProfileView::new(
        diagnostic.profile,
        diagnostic.override_,
        None,
        &person.commune_name,
    );
    render(&SummaryTemplate {
        layout: Layout::new(&state, &viewer, "/personnes", "Votre bilan numérique"),
        first_name: person.first_name.clone(),
        date: format_day(diagnostic.made_at),
        view,
        who_calls: format!(
            "{}, {}",
            user.account.display_name, user.account.structure_name
        ),
        contact: contact_of(&person),
        back: format!("/personnes/{id}/diagnostics/{diagnostic_id}"),
    })
}

/// A day as `23/11/2026`.
pub fn format_day(unix: i64) -> String {
    let date = date_of(unix);
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

#[derive(Template)]
#[template(path = "diagnostic_unrecorded.html")]
struct UnrecordedTemplate {
    layout: Layout,
    date: String,
    view: ProfileView,
    who_calls: String,
}

/// `GET /diagnostic-sans-enregistrement`: the questionnaire when the person did not consent.
pub async fn unrecorded_form(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    questionnaire(
        Layout::new(&state, &viewer, "/personnes", "Diagnostic sans enregistrement"),
        (
            "Diagnostic sans enregistrement".to_owned(),
            "La personne n'a pas donné son accord : rien ne sera enregistré. Le profil s'affiche à l'écran et peut être imprimé pour elle.".to_owned(),
            "/diagnostic-sans-enregistrement".to_owned(),
        ),
        &Fields::new(),
        Errors::new(),
        "/personnes".to_owned(),
    )
}

/// `POST /diagnostic-sans-enregistrement`: the profile, on screen only; nothing is written.
pub async fn unrecorded_result(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    body: Bytes,
) -> Result<Response, WebError> {
    let values = fields(&body);
    let mut errors = Errors::new();
    let Some(answers) = read_answers(&values, &mut errors) else {
        return questionnaire(
            Layout::new(
                &state,
                &viewer,
                "/personnes",
                "Diagnostic sans enregistrement",
            ),
            (
                "Diagnostic sans enregistrement".to_owned(),
                "Rien ne sera enregistré.".to_owned(),
                "/diagnostic-sans-enregistrement".to_owned(),
            ),
            &values,
            errors,
            "/personnes".to_owned(),
        );
    };
    let now = state.now();
    let view = ProfileView::new(profile(&answers, date_of(now)), None, None, "");
    render(&UnrecordedTemplate {
        layout: Layout::new(&state, &viewer, "/personnes", "Profil (non enregistré)"),
        date: format_day(now),
        view,
        who_calls: format!(
            "{}, {}",
            user.account.display_name, user.account.structure_name
        ),
    })
}
