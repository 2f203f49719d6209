//! Writing a session of the resource bank: the form of a new session and of a working copy
//! (`/ressources/nouvelle`, `/ressources/{id}/modifier`) with every error linked from a summary, its
//! materials (a file checked by its content, or a link) added and removed, the request for a review,
//! the adaptation of a published session, and the author's list of sessions.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::diagnostic::format_day;
use crate::pages::form_fields::{fields, text, Fields};
use crate::pages::render;
use crate::pages::resources::refused;
use aiguillage_domain::ids::ResourceSessionId;
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::pathway::{Theme, WorkshopLevel};
use aiguillage_domain::resource::review::ReviewError;
use aiguillage_domain::resource::upload::accept_attribute;
use aiguillage_domain::resource::{
    AccessibilityFeature, Competence, Licence, MaterialKind, ResourceAudience, SessionContent,
    SessionField,
};
use aiguillage_service::resources::{self, bank_actor, MaterialError, MaterialForm};
use aiguillage_store::{StoredMaterial, WorkingCopyLine};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeSet;

/// A checkbox or radio of the form.
pub struct FormChoice {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

fn choices<T: Coded>(chosen: impl Fn(T) -> bool) -> Vec<FormChoice> {
    T::all()
        .iter()
        .map(|value| FormChoice {
            code: value.code(),
            label: value.label(),
            checked: chosen(*value),
        })
        .collect()
}

/// The form's values as typed, to draw it again with its errors.
#[derive(Default)]
struct Typed {
    title: String,
    audiences: BTreeSet<ResourceAudience>,
    level: Option<WorkshopLevel>,
    duration: String,
    competences: BTreeSet<Competence>,
    themes: BTreeSet<Theme>,
    prerequisites: String,
    objectives: String,
    conductor: String,
    licence: Option<Licence>,
    /// An imported session's credit, kept as it is (never typed in the form).
    origin: Option<String>,
}

impl Typed {
    fn of(content: &SessionContent) -> Typed {
        Typed {
            title: content.title.clone(),
            audiences: content.audiences.clone(),
            level: Some(content.level),
            duration: content.duration_minutes.to_string(),
            competences: content.competences.clone(),
            themes: content.themes.clone(),
            prerequisites: content.prerequisites.clone(),
            objectives: content.objectives.clone(),
            conductor: content.conductor.clone(),
            licence: Some(content.licence),
            origin: content.origin.clone(),
        }
    }

    fn read(form: &Fields) -> Typed {
        let many = |name: &str| -> Vec<String> { form.get(name).cloned().unwrap_or_default() };
        Typed {
            title: text(form, "titre"),
            audiences: many("publics")
                .iter()
                .filter_map(|c| ResourceAudience::from_code(c))
                .collect(),
            level: WorkshopLevel::from_cra_code(&text(form, "niveau")),
            duration: text(form, "duree"),
            competences: many("competences")
                .iter()
                .filter_map(|c| Competence::from_code(c))
                .collect(),
            themes: many("thematiques")
                .iter()
                .filter_map(|c| Theme::from_cra_code(c))
                .collect(),
            prerequisites: form_text(form, "prerequis"),
            objectives: form_text(form, "objectifs"),
            conductor: form_text(form, "deroule"),
            licence: Licence::from_code(&text(form, "licence")),
            origin: None,
        }
    }

    /// The checked content, or the errors by field name.
    fn content(&self) -> Result<SessionContent, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let duration = self.duration.parse::<u32>().ok();
        if duration.is_none() {
            errors.push((
                SessionField::Duration.name(),
                "Indiquez la durée en minutes, par exemple 90.".to_owned(),
            ));
        }
        if self.level.is_none() {
            errors.push((
                SessionField::Level.name(),
                "Choisissez le niveau.".to_owned(),
            ));
        }
        if self.licence.is_none() {
            errors.push((
                SessionField::Licence.name(),
                "Choisissez la licence de la séance.".to_owned(),
            ));
        }
        let content = SessionContent {
            title: self.title.clone(),
            audiences: self.audiences.clone(),
            level: self.level.unwrap_or(WorkshopLevel::Beginner),
            duration_minutes: duration.unwrap_or(60),
            competences: self.competences.clone(),
            themes: self.themes.clone(),
            prerequisites: self.prerequisites.clone(),
            objectives: self.objectives.clone(),
            conductor: self.conductor.clone(),
            licence: self.licence.unwrap_or(Licence::CcBySa),
            origin: self.origin.clone(),
        };
        match content.check() {
            Ok(content) if errors.is_empty() => Ok(content),
            Ok(_) => Err(errors),
            Err(found) => {
                errors.extend(found.into_iter().map(|e| (e.field.name(), e.message)));
                errors.sort_by_key(|(name, _)| field_rank(name));
                Err(errors)
            }
        }
    }
}

/// A text area's value, line endings kept.
fn form_text(form: &Fields, name: &str) -> String {
    form.get(name)
        .and_then(|values| values.first())
        .cloned()
        .unwrap_or_default()
}

fn field_rank(name: &str) -> usize {
    [
        "titre",
        "publics",
        "niveau",
        "duree",
        "competences",
        "thematiques",
        "prerequis",
        "objectifs",
        "deroule",
        "licence",
    ]
    .iter()
    .position(|n| *n == name)
    .unwrap_or(99)
}

/// A material of the working copy, as the form lists it.
pub struct MaterialRow {
    pub id: i64,
    pub kind: &'static str,
    pub title: String,
    pub what: String,
}

fn material_row(material: &StoredMaterial) -> MaterialRow {
    let what = match (&material.entry.file_name, &material.entry.url) {
        (Some(name), _) => name.clone(),
        (None, Some(url)) => url.clone(),
        (None, None) => String::new(),
    };
    MaterialRow {
        id: material.id,
        kind: material.entry.kind.label(),
        title: material.entry.title.clone(),
        what,
    }
}

#[derive(Template)]
#[template(path = "resource_form.html")]
struct FormTemplate {
    layout: Layout,
    /// `None` for a new session.
    id: Option<ResourceSessionId>,
    title: String,
    duration: String,
    /// The three text areas: name, label, hint, value, rows.
    text_areas: Vec<(&'static str, &'static str, &'static str, String, usize)>,
    audiences: Vec<FormChoice>,
    levels: Vec<FormChoice>,
    competences: Vec<FormChoice>,
    themes: Vec<FormChoice>,
    licences: Vec<FormChoice>,
    errors: Vec<(&'static str, String)>,
    materials: Vec<MaterialRow>,
    material_kinds: Vec<FormChoice>,
    material_licences: Vec<FormChoice>,
    accessibility: Vec<FormChoice>,
    material_error: Option<String>,
    /// The material's title and link as typed before a refusal.
    material_title: String,
    material_link: String,
    accept: String,
    saved: bool,
    /// Just imported from an archive (`?fait=importee`).
    imported: bool,
}

impl FormTemplate {
    fn has_error(&self, name: &str) -> bool {
        self.errors.iter().any(|(n, _)| *n == name)
    }

    fn error_of(&self, name: &str) -> String {
        self.errors
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

fn form_page(
    me: &Professional,
    (id, typed): (Option<ResourceSessionId>, &Typed),
    errors: Vec<(&'static str, String)>,
    (materials, material_error, done): (&[StoredMaterial], Option<(String, MaterialTyped)>, &str),
) -> Result<Response, WebError> {
    let failed = !errors.is_empty() || material_error.is_some();
    let (material_error, typed_material) = material_error.unzip();
    let typed_material = typed_material.unwrap_or_default();
    let title = if id.is_some() {
        "Modifier la séance"
    } else {
        "Écrire une séance"
    };
    let page = render(&FormTemplate {
        layout: me.layout("/ressources", title),
        id,
        title: typed.title.clone(),
        duration: typed.duration.clone(),
        text_areas: vec![
            (
                "prerequis",
                "Prérequis (facultatif)",
                "Un par ligne : ce que les participants doivent savoir ou apporter",
                typed.prerequisites.clone(),
                3,
            ),
            (
                "objectifs",
                "Objectifs",
                "Un par ligne : ce que les participants sauront faire à la fin",
                typed.objectives.clone(),
                4,
            ),
            (
                "deroule",
                "Déroulé pas à pas",
                "Une étape par ligne, avec sa durée si utile",
                typed.conductor.clone(),
                10,
            ),
        ],
        audiences: choices(|a| typed.audiences.contains(&a)),
        levels: choices(|l| typed.level == Some(l)),
        competences: choices(|c| typed.competences.contains(&c)),
        themes: Theme::mediation()
            .map(|t| FormChoice {
                code: t.cra_code(),
                label: t.label(),
                checked: typed.themes.contains(&t),
            })
            .collect(),
        licences: choices(|l| typed.licence == Some(l)),
        errors,
        materials: materials.iter().map(material_row).collect(),
        material_kinds: choices(|k: MaterialKind| k == typed_material.kind),
        material_licences: choices(|l: Licence| l == typed_material.licence),
        accessibility: choices(|a: AccessibilityFeature| typed_material.accessibility.contains(&a)),
        material_error,
        material_title: typed_material.title,
        material_link: typed_material.link,
        accept: accept_attribute(),
        saved: !done.is_empty() && done != "importee",
        imported: done == "importee",
    })?;
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

/// `GET /ressources/nouvelle`.
pub async fn new_form(me: Professional) -> Result<Response, WebError> {
    let typed = Typed {
        duration: "90".into(),
        licence: Some(Licence::CcBySa),
        ..Typed::default()
    };
    form_page(&me, (None, &typed), Vec::new(), (&[], None, ""))
}

/// `POST /ressources/nouvelle`: creates the draft, then its materials are added on its page.
pub async fn create(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let typed = Typed::read(&fields(&body));
    let content = match typed.content() {
        Ok(content) => content,
        Err(errors) => return form_page(&me, (None, &typed), errors, (&[], None, "")),
    };
    let actor = bank_actor(&me.user.account, &me.reason);
    let id = me
        .state
        .store
        .create_resource_session(&actor, &content, me.now())
        .await?;
    Ok(Redirect::to(&format!("/ressources/{id}/modifier?fait=creee#supports")).into_response())
}

/// The working copy the actor may edit, or a refusal page.
async fn editable_copy(
    me: &Professional,
    id: ResourceSessionId,
) -> Result<aiguillage_store::WorkingCopy, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    let sheet = me.state.store.resource_sheet(Some(&actor), id).await?;
    match sheet.working {
        Some(copy) if sheet.viewer_is_author => Ok(copy),
        _ => Err(WebError::NotFound),
    }
}

/// What the edit page says after an action.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    #[serde(default)]
    fait: String,
}

/// `GET /ressources/{id}/modifier`: the working copy's form and materials (authors only).
pub async fn edit_form(
    me: Professional,
    Path(id): Path<ResourceSessionId>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, WebError> {
    let copy = editable_copy(&me, id).await?;
    if !copy.state.editable() {
        let message = ReviewError::WrongState(copy.state).to_string();
        return refused(&me, id, message).await;
    }
    form_page(
        &me,
        (Some(id), &Typed::of(&copy.content)),
        Vec::new(),
        (&copy.materials, None, &done.fait),
    )
}

/// `POST /ressources/{id}/modifier`: saves the working copy's text.
pub async fn update(
    me: Professional,
    Path(id): Path<ResourceSessionId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let copy = editable_copy(&me, id).await?;
    let typed = Typed {
        origin: copy.content.origin.clone(),
        ..Typed::read(&fields(&body))
    };
    let content = match typed.content() {
        Ok(content) => content,
        Err(errors) => {
            return form_page(&me, (Some(id), &typed), errors, (&copy.materials, None, ""))
        }
    };
    let actor = bank_actor(&me.user.account, &me.reason);
    match me
        .state
        .store
        .update_resource_content(&actor, id, &content, me.now())
        .await?
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/ressources/{id}/modifier?fait=enregistree")).into_response(),
        ),
        Err(refusal) => refused(&me, id, refusal.to_string()).await,
    }
}

/// The material form as sent (multipart: the file may be large).
/// A material's fields as typed (everything but the file), to draw its form again after a refusal.
struct MaterialTyped {
    kind: MaterialKind,
    title: String,
    licence: Licence,
    accessibility: BTreeSet<AccessibilityFeature>,
    link: String,
}

impl Default for MaterialTyped {
    fn default() -> MaterialTyped {
        MaterialTyped {
            kind: MaterialKind::Memo,
            title: String::new(),
            licence: Licence::CcBySa,
            accessibility: BTreeSet::new(),
            link: String::new(),
        }
    }
}

impl MaterialTyped {
    fn of(form: &MaterialForm) -> MaterialTyped {
        MaterialTyped {
            kind: form.kind,
            title: form.title.clone(),
            licence: form.licence,
            accessibility: form.accessibility.clone(),
            link: form.link.clone(),
        }
    }
}

async fn read_material(mut multipart: Multipart) -> Result<MaterialForm, String> {
    let mut form = MaterialForm {
        kind: MaterialKind::Memo,
        title: String::new(),
        licence: Licence::CcBySa,
        accessibility: BTreeSet::new(),
        file: None,
        link: String::new(),
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| format!("Envoi illisible : {e}"))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "fichier" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| "Le fichier est trop volumineux ou n'a pas pu être lu.".to_owned())?;
            if !file_name.is_empty() || !bytes.is_empty() {
                form.file = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let value = field
            .text()
            .await
            .map_err(|e| format!("Envoi illisible : {e}"))?;
        match name.as_str() {
            "type" => {
                form.kind = MaterialKind::from_code(&value)
                    .ok_or_else(|| "Choisissez le type de support.".to_owned())?
            }
            "titre_support" => form.title = value,
            "licence_support" => {
                form.licence = Licence::from_code(&value)
                    .ok_or_else(|| "Choisissez la licence du support.".to_owned())?
            }
            "accessibilite" => {
                if let Some(feature) = AccessibilityFeature::from_code(&value) {
                    form.accessibility.insert(feature);
                }
            }
            "lien" => form.link = value,
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /ressources/{id}/supports`: attaches a file or a link; a refused file stores nothing.
pub async fn add_material(
    me: Professional,
    Path(id): Path<ResourceSessionId>,
    request: Request,
) -> Result<Response, WebError> {
    // The scope first: someone else's session is « not found » whatever the body holds.
    let copy = editable_copy(&me, id).await?;
    let multipart = Multipart::from_request(request, &me.state)
        .await
        .map_err(|_| {
            WebError::BadRequest(
                "Envoi illisible : le formulaire doit être envoyé en plusieurs parties (fichier)."
                    .into(),
            )
        })?;
    let refused = |message: String, typed: MaterialTyped| {
        form_page(
            &me,
            (Some(id), &Typed::of(&copy.content)),
            Vec::new(),
            (&copy.materials, Some((message, typed)), ""),
        )
    };
    let form = match read_material(multipart).await {
        Ok(form) => form,
        Err(message) => return refused(message, MaterialTyped::default()),
    };
    let typed = MaterialTyped::of(&form);
    let actor = bank_actor(&me.user.account, &me.reason);
    match resources::add_material(&me.state, &actor, id, form).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/ressources/{id}/modifier?fait=support#supports"))
                .into_response(),
        ),
        Err(MaterialError::Store(error)) => Err(error.into()),
        Err(refusal) => refused(refusal.to_string(), typed),
    }
}

/// `POST /ressources/{id}/supports/{material}/retirer`.
pub async fn remove_material(
    me: Professional,
    Path((id, material)): Path<(ResourceSessionId, i64)>,
) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    match me
        .state
        .store
        .remove_resource_material(&actor, id, material, me.now())
        .await?
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/ressources/{id}/modifier?fait=retire#supports"))
                .into_response(),
        ),
        Err(refusal) => refused(&me, id, refusal.to_string()).await,
    }
}

/// `POST /ressources/{id}/soumettre`.
pub async fn submit(
    me: Professional,
    Path(id): Path<ResourceSessionId>,
) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    match resources::submit(&me.state, &actor, id).await? {
        Ok(_) => Ok(Redirect::to(&format!("/ressources/{id}?fait=soumise")).into_response()),
        Err(refusal) => refused(&me, id, refusal.to_string()).await,
    }
}

/// `POST /ressources/{id}/adapter`: a draft of the actor's from the published session.
pub async fn adapt(
    me: Professional,
    Path(id): Path<ResourceSessionId>,
) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    let draft = resources::adapt(&me.state, &actor, id).await?;
    Ok(Redirect::to(&format!("/ressources/{draft}/modifier?fait=adaptee")).into_response())
}

/// A working copy in the author's list.
pub struct MineLine {
    pub id: ResourceSessionId,
    pub title: String,
    pub state: &'static str,
    pub published: Option<i64>,
    pub day: String,
}

#[derive(Template)]
#[template(path = "resource_mine.html")]
struct MineTemplate {
    layout: Layout,
    heading: &'static str,
    intro: &'static str,
    lines: Vec<MineLine>,
    /// Whether to offer writing or importing a session (the author's own list).
    writer_actions: bool,
    /// The open problem reports, on the référent's queue.
    reports: Vec<ReportLine>,
    /// A report was just closed.
    closed: bool,
}

fn mine_lines(lines: Vec<WorkingCopyLine>) -> Vec<MineLine> {
    lines
        .into_iter()
        .map(|line| MineLine {
            id: line.id,
            title: line.title,
            state: line.state.label(),
            published: line.published_version,
            day: format_day(line.updated_at),
        })
        .collect()
}

/// `GET /ressources/mes-seances`: the sessions the account wrote, with where each stands.
pub async fn mine(me: Professional) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    let lines = me.state.store.my_resource_sessions(&actor).await?;
    render(&MineTemplate {
        layout: me.layout("/ressources", "Mes séances"),
        heading: "Mes séances",
        intro: "Les séances que vous avez écrites ou adaptées, la dernière modifiée en premier.",
        lines: mine_lines(lines),
        writer_actions: true,
        reports: Vec::new(),
        closed: false,
    })
}

/// `GET /ressources/relecture`: the sessions waiting for the référent's review.
pub async fn review_queue(
    me: Professional,
    axum::extract::Query(closed): axum::extract::Query<Closed>,
) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    let lines = me.state.store.resources_to_review(&actor).await?;
    let reports = me.state.store.open_reports(&actor).await?;
    render(&MineTemplate {
        layout: me.layout("/ressources", "Séances à relire"),
        heading: "Séances à relire",
        intro: "Les séances soumises par les structures de votre territoire, la plus ancienne en premier. Vous ne relisez jamais une séance dont vous êtes auteur.",
        lines: mine_lines(lines),
        writer_actions: false,
        reports: reports.into_iter().map(ReportLine::from).collect(),
        closed: !closed.clos.is_empty(),
    })
}

/// Whether the queue follows a report just closed (`?clos=1`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Closed {
    #[serde(default)]
    clos: String,
}

/// An open problem report in the référent's queue.
pub struct ReportLine {
    pub id: i64,
    pub session: ResourceSessionId,
    pub title: String,
    pub comment: String,
    pub by: String,
    pub day: String,
}

impl From<aiguillage_store::OpenReport> for ReportLine {
    fn from(report: aiguillage_store::OpenReport) -> ReportLine {
        ReportLine {
            id: report.id,
            session: report.session,
            title: report.title,
            comment: report.comment,
            by: format!("{} ({})", report.reporter, report.reporter_structure),
            day: format_day(report.reported_at),
        }
    }
}

/// `POST /ressources/signalements/{id}/clore`: the référent closes a problem report dealt with.
pub async fn close_report(me: Professional, Path(id): Path<i64>) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    resources::close_report(&me.state, &actor, id).await?;
    Ok(Redirect::to("/ressources/relecture?clos=1").into_response())
}
