//! The resource bank as people read it: `/ressources` (search in French with filters; anonymous
//! visitors see the sessions under an open licence), a session's sheet `/ressources/{id}` (the
//! published version with its materials, uses and ratings; the working copy and its review for its
//! authors and référents), a version with what changed `/ressources/{id}/versions/{n}`, a material's
//! file (always as an attachment), and the rating a mediator gives after running a session.

use crate::auth::{Professional, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::diagnostic::format_day;
use crate::pages::form_fields::{fields, text};
use crate::pages::{render, Pager};
use aiguillage_domain::ids::{CycleId, ResourceSessionId};
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::pathway::{Theme, WorkshopLevel};
use aiguillage_domain::resource::diff::{diff, DiffLine, VersionSnapshot};
use aiguillage_domain::resource::review::{ChecklistItem, ReviewState};
use aiguillage_domain::resource::{
    check_comment, rating_label, Competence, MaterialEntry, ResourceAudience, RATINGS,
};
use aiguillage_domain::role::Role;
use aiguillage_service::resources::{self, bank_actor, may_write, ReportRefusal};
use aiguillage_service::AppState;
use aiguillage_store::{
    BankActor, ListedResource, ResourceQuery, SessionSheet, StoreError, UseSummary,
};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Sessions a page of results shows.
const PAGE_SIZE: i64 = 20;

/// An option of a filter's list.
pub struct FilterOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn options<T: Coded>(chosen: Option<T>) -> Vec<FilterOption> {
    T::all()
        .iter()
        .map(|value| FilterOption {
            code: value.code(),
            label: value.label(),
            selected: Some(*value) == chosen,
        })
        .collect()
}

/// The search form's fields, as the query string carries them.
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    mots: String,
    #[serde(default)]
    public: String,
    #[serde(default)]
    niveau: String,
    #[serde(default)]
    competence: String,
    #[serde(default)]
    thematique: String,
    #[serde(default)]
    duree_max: String,
    #[serde(default)]
    note_min: String,
    /// The cycle the mediator composes from this search, when they came from it.
    #[serde(default)]
    cycle: String,
    page: Option<i64>,
}

impl SearchForm {
    fn query(&self) -> ResourceQuery {
        ResourceQuery {
            words: self.mots.chars().take(200).collect(),
            audience: ResourceAudience::from_code(&self.public),
            level: WorkshopLevel::from_cra_code(&self.niveau),
            competence: Competence::from_code(&self.competence),
            theme: Theme::from_cra_code(&self.thematique),
            max_minutes: self
                .duree_max
                .parse()
                .ok()
                .filter(|m| (15..=480).contains(m)),
            min_rating: self.note_min.parse().ok().filter(|r| RATINGS.contains(r)),
        }
    }

    /// The query string of this search, for the pager's links (`{}` for the page).
    fn pattern(&self) -> String {
        let mut link = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("mots", &self.mots),
            ("public", &self.public),
            ("niveau", &self.niveau),
            ("competence", &self.competence),
            ("thematique", &self.thematique),
            ("duree_max", &self.duree_max),
            ("note_min", &self.note_min),
            ("cycle", &self.cycle),
        ] {
            if !value.is_empty() {
                link.append_pair(name, value);
            }
        }
        let query = link.finish();
        if query.is_empty() {
            "/ressources?page={}".to_owned()
        } else {
            format!("/ressources?{query}&page={{}}")
        }
    }
}

/// A result as the list shows it.
pub struct ResultLine {
    pub id: ResourceSessionId,
    pub title: String,
    pub level: &'static str,
    pub minutes: u32,
    pub audiences: Vec<&'static str>,
    pub rating: Option<String>,
    pub open: bool,
}

impl From<ListedResource> for ResultLine {
    fn from(found: ListedResource) -> ResultLine {
        ResultLine {
            id: found.id,
            title: found.title,
            level: found.level.label(),
            minutes: found.duration_minutes,
            audiences: found.audiences.iter().map(|a| a.label()).collect(),
            rating: found
                .average_rating
                .map(|average| rating_text(average, found.ratings)),
            open: found.open_licence,
        }
    }
}

/// « 3,5 sur 4 (4 avis) ».
fn rating_text(average: f64, count: i64) -> String {
    let shown = format!("{average:.1}").replace('.', ",");
    format!("{shown} sur 4 ({count} avis)")
}

#[derive(Template)]
#[template(path = "resources_search.html")]
struct SearchTemplate {
    layout: Layout,
    words: String,
    audiences: Vec<FilterOption>,
    levels: Vec<FilterOption>,
    competences: Vec<FilterOption>,
    themes: Vec<FilterOption>,
    durations: Vec<(u32, bool)>,
    ratings: Vec<(u8, bool)>,
    results: Vec<ResultLine>,
    total: i64,
    pager: Pager,
    signed_in: bool,
    writer: bool,
    coordinator: bool,
    to_review: usize,
    /// The cycle being composed: its id, title, sessions (by id) and the week a new one goes in.
    cycle: Option<CycleTarget>,
    /// This page's address, to come back to after adding a session to the cycle.
    here: String,
}

/// The cycle a mediator composes while searching the bank.
pub struct CycleTarget {
    pub id: CycleId,
    pub title: String,
    pub sessions: Vec<ResourceSessionId>,
    pub next_week: u32,
}

/// The actor's own cycle named by the search's `cycle`, if any (another's is ignored: it is only
/// a convenience of the search page, and a search shows nothing of it).
async fn cycle_target(
    state: &AppState,
    actor: Option<&BankActor<'_>>,
    code: &str,
) -> Result<Option<CycleTarget>, WebError> {
    let (Some(actor), Ok(id)) = (actor, code.parse::<CycleId>()) else {
        return Ok(None);
    };
    let cycle = match state.store.cycle(actor, id).await {
        Ok(cycle) if cycle.mine => cycle,
        Ok(_) | Err(StoreError::NotFound(_)) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    Ok(Some(CycleTarget {
        id,
        title: cycle.header.title,
        sessions: cycle.items.iter().map(|item| item.session).collect(),
        next_week: cycle
            .items
            .iter()
            .map(|item| item.week + 1)
            .max()
            .unwrap_or(1)
            .min(52),
    }))
}

/// The bank's actor of a visitor, when signed in.
pub(crate) fn actor_of<'a>(viewer: &'a Viewer, reason: &'a str) -> Option<BankActor<'a>> {
    viewer
        .0
        .as_ref()
        .map(|user| bank_actor(&user.account, reason))
}

/// `GET /ressources`: the published sessions, searched and filtered, paged.
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    uri: Uri,
    Query(form): Query<SearchForm>,
) -> Result<Response, WebError> {
    let reason = format!("GET {}", uri.path());
    let actor = actor_of(&viewer, &reason);
    let query = form.query();
    // The page asked for, searched once; again only when it lies past the last page.
    let asked = (form.page.unwrap_or(1).max(1) - 1).saturating_mul(PAGE_SIZE);
    let (mut found, total) = state
        .store
        .search_resources(&query, actor.is_some(), asked, PAGE_SIZE)
        .await?;
    let pager = Pager::new(
        form.page,
        total,
        PAGE_SIZE,
        (form.pattern(), "Pages des séances"),
    );
    if pager.offset(PAGE_SIZE) != asked {
        found = state
            .store
            .search_resources(&query, actor.is_some(), pager.offset(PAGE_SIZE), PAGE_SIZE)
            .await?
            .0;
    }
    let to_review = match &actor {
        Some(actor) if actor.role == Role::Mediator => {
            state.store.resources_to_review(actor).await?.len()
                + state.store.open_reports(actor).await?.len()
        }
        _ => 0,
    };
    let role = viewer.role();
    let cycle = cycle_target(&state, actor.as_ref(), &form.cycle).await?;
    render(&SearchTemplate {
        layout: Layout::new(&state, &viewer, "/ressources", "Ressourcerie"),
        words: form.mots.clone(),
        audiences: options(query.audience),
        levels: options(query.level),
        competences: options(query.competence),
        themes: Theme::mediation()
            .map(|theme| FilterOption {
                code: theme.cra_code(),
                label: theme.label(),
                selected: Some(theme) == query.theme,
            })
            .collect(),
        durations: [30, 60, 90, 120, 180]
            .into_iter()
            .map(|m| (m, query.max_minutes == Some(m)))
            .collect(),
        ratings: RATINGS.map(|r| (r, query.min_rating == Some(r))).collect(),
        results: found.into_iter().map(ResultLine::from).collect(),
        total,
        pager,
        signed_in: actor.is_some(),
        writer: role.is_some_and(may_write),
        coordinator: role == Some(Role::Coordinator),
        to_review,
        cycle,
        here: uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    })
}

/// A material as the sheet lists it.
pub struct MaterialLine {
    pub kind: &'static str,
    pub title: String,
    pub licence: &'static str,
    pub accessibility: Vec<&'static str>,
    /// The download link (a file) or the address (a link).
    pub href: String,
    pub is_link: bool,
    pub file_name: String,
}

fn material_line(session: ResourceSessionId, entry: &MaterialEntry) -> MaterialLine {
    let (href, is_link) = match (&entry.sha256, &entry.url) {
        (Some(sha), _) => (format!("/ressources/{session}/fichiers/{sha}"), false),
        (None, Some(url)) => (url.clone(), true),
        (None, None) => (String::new(), true),
    };
    MaterialLine {
        kind: entry.kind.label(),
        title: entry.title.clone(),
        licence: entry.licence.label(),
        accessibility: entry.accessibility.iter().map(|a| a.label()).collect(),
        href,
        is_link,
        file_name: entry.file_name.clone().unwrap_or_default(),
    }
}

/// A version's content as the sheet shows it.
pub struct ContentView {
    pub audiences: Vec<&'static str>,
    pub level: &'static str,
    pub minutes: u32,
    pub competences: Vec<&'static str>,
    pub themes: Vec<&'static str>,
    pub prerequisites: Vec<String>,
    pub objectives: Vec<String>,
    pub steps: Vec<String>,
    pub licence: &'static str,
    /// Whom an imported session credits.
    pub origin: Option<String>,
    pub materials: Vec<MaterialLine>,
}

fn content_view(session: ResourceSessionId, snapshot: &VersionSnapshot) -> ContentView {
    let content = &snapshot.content;
    let owned = |lines: Vec<&str>| lines.into_iter().map(str::to_owned).collect();
    ContentView {
        audiences: content.audiences.iter().map(|a| a.label()).collect(),
        level: content.level.label(),
        minutes: content.duration_minutes,
        competences: content.competences.iter().map(|c| c.label()).collect(),
        themes: content.themes.iter().map(|t| t.label()).collect(),
        prerequisites: content
            .prerequisites
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        objectives: owned(content.objective_lines()),
        steps: owned(content.steps()),
        licence: content.licence.label(),
        origin: content.origin.clone(),
        materials: snapshot
            .materials
            .iter()
            .map(|entry| material_line(session, entry))
            .collect(),
    }
}

/// A review in the sheet's history.
pub struct ReviewLine {
    pub day: String,
    pub reviewer: String,
    pub published: bool,
    pub version: Option<i64>,
    pub checked: Vec<&'static str>,
    pub comment: Option<String>,
}

#[derive(Template)]
#[template(path = "resource_sheet.html")]
struct SheetTemplate {
    layout: Layout,
    id: ResourceSessionId,
    structure_name: String,
    authors: String,
    source: Option<(ResourceSessionId, String, i64, String)>,
    published: Option<(i64, ContentView)>,
    versions: Vec<(i64, String, String)>,
    working: Option<(ReviewState, ContentView, Option<String>)>,
    reviews: Vec<ReviewLine>,
    is_author: bool,
    may_review: bool,
    writer: bool,
    may_rate: bool,
    uses: UseSummary,
    uses_per_audience: Vec<(&'static str, i64, String)>,
    rating_choices: Vec<(u8, &'static str)>,
    audience_choices: Vec<(&'static str, &'static str)>,
    checklist: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// What the sheet says after an action (`?fait=…`).
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    fait: String,
}

fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "soumise" => {
            "La séance est soumise à relecture : les référents du territoire sont prévenus."
        }
        "relecture" => "Vous relisez cette séance : décidez ci-dessous.",
        "publiee" => "La séance est publiée : elle est visible dans la ressourcerie.",
        "renvoyee" => "La séance est renvoyée à ses auteurs avec vos commentaires.",
        "evaluee" => "Merci : votre avis est enregistré.",
        "signalee" => "Merci : le problème est signalé aux référents de la ressourcerie.",
        _ => return None,
    })
}

/// Draws a session's sheet for whoever asks.
pub async fn sheet_page(
    state: &AppState,
    viewer: &Viewer,
    (id, reason): (ResourceSessionId, &str),
    (notice_code, error): (&str, Option<String>),
) -> Result<Response, WebError> {
    let actor = actor_of(viewer, reason);
    let sheet: SessionSheet = state.store.resource_sheet(actor.as_ref(), id).await?;
    let uses = state.store.resource_uses(id).await?;
    let role = viewer.role();
    let title = sheet
        .published
        .as_ref()
        .map(|(_, s)| s.content.title.clone())
        .or_else(|| sheet.working.as_ref().map(|w| w.content.title.clone()))
        .unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&SheetTemplate {
        layout: Layout::new(state, viewer, "/ressources", &title),
        id,
        structure_name: sheet.structure_name.clone(),
        authors: sheet.authors.join(", "),
        source: sheet
            .source
            .as_ref()
            .map(|s| (s.id, s.title.clone(), s.version, s.authors.join(", "))),
        published: sheet
            .published
            .as_ref()
            .map(|(n, snapshot)| (*n, content_view(id, snapshot))),
        versions: sheet
            .versions
            .iter()
            .map(|v| (v.number, format_day(v.published_at), v.published_by.clone()))
            .collect(),
        working: sheet.working.as_ref().map(|copy| {
            let snapshot = VersionSnapshot {
                content: copy.content.clone(),
                materials: copy.materials.iter().map(|m| m.entry.clone()).collect(),
            };
            (
                copy.state,
                content_view(id, &snapshot),
                copy.reviewer.clone(),
            )
        }),
        reviews: sheet
            .reviews
            .iter()
            .map(|r| ReviewLine {
                day: format_day(r.decided_at),
                reviewer: r.reviewer.clone(),
                published: r.published,
                version: r.version,
                checked: r.checked.iter().map(|c| c.label()).collect(),
                comment: r.comment.clone(),
            })
            .collect(),
        is_author: sheet.viewer_is_author,
        may_review: sheet.viewer_may_review,
        writer: role.is_some_and(may_write),
        may_rate: matches!(role, Some(Role::Mediator | Role::StructureManager))
            && sheet.published.is_some(),
        uses_per_audience: uses
            .per_audience
            .iter()
            .map(|(a, n, avg)| (a.label(), *n, format!("{avg:.1}").replace('.', ",")))
            .collect(),
        uses,
        rating_choices: RATINGS.map(|r| (r, rating_label(r))).collect(),
        audience_choices: ResourceAudience::ALL
            .iter()
            .map(|a| (a.code(), a.label()))
            .collect(),
        checklist: ChecklistItem::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        notice: notice(notice_code),
        error,
    })?;
    Ok((status, page).into_response())
}

/// The session's sheet again, with why the action was refused (422).
pub async fn refused(
    me: &Professional,
    id: ResourceSessionId,
    message: String,
) -> Result<Response, WebError> {
    sheet_page(&me.state, &me.viewer, (id, &me.reason), ("", Some(message))).await
}

/// `GET /ressources/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    uri: Uri,
    Path(id): Path<ResourceSessionId>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let reason = format!("GET {}", uri.path());
    sheet_page(&state, &viewer, (id, &reason), (&done.fait, None)).await
}

/// One line of a field's change.
pub struct ChangeLine {
    pub kind: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "resource_version.html")]
struct VersionTemplate {
    layout: Layout,
    id: ResourceSessionId,
    number: i64,
    content: ContentView,
    changes: Option<Vec<(&'static str, Vec<ChangeLine>)>>,
    added: Vec<MaterialLine>,
    removed: Vec<MaterialLine>,
}

/// `GET /ressources/{id}/versions/{n}`: a published version and what changed since the one before.
pub async fn version(
    State(state): State<AppState>,
    viewer: Viewer,
    uri: Uri,
    Path((id, number)): Path<(ResourceSessionId, i64)>,
) -> Result<Response, WebError> {
    let reason = format!("GET {}", uri.path());
    let actor = actor_of(&viewer, &reason);
    let (current, previous) = state
        .store
        .resource_version(actor.as_ref(), id, number)
        .await?;
    let (changes, added, removed) = match &previous {
        Some(previous) => {
            let changed = diff(previous, &current);
            let fields = changed
                .fields
                .iter()
                .map(|field| {
                    let lines = field
                        .lines
                        .iter()
                        .map(|line| match line {
                            DiffLine::Same(text) => ChangeLine {
                                kind: "same",
                                text: text.clone(),
                            },
                            DiffLine::Removed(text) => ChangeLine {
                                kind: "removed",
                                text: text.clone(),
                            },
                            DiffLine::Added(text) => ChangeLine {
                                kind: "added",
                                text: text.clone(),
                            },
                        })
                        .collect();
                    (field.label, lines)
                })
                .collect();
            let lines =
                |entries: &[MaterialEntry]| entries.iter().map(|e| material_line(id, e)).collect();
            (
                Some(fields),
                lines(&changed.materials_added),
                lines(&changed.materials_removed),
            )
        }
        None => (None, Vec::new(), Vec::new()),
    };
    render(&VersionTemplate {
        layout: Layout::new(&state, &viewer, "/ressources", &current.content.title),
        id,
        number,
        content: content_view(id, &current),
        changes,
        added,
        removed,
    })
}

/// `GET /ressources/{id}/fichiers/{sha256}`: a material's file, always downloaded (never shown in
/// the page's origin), to whoever may read a version or working copy listing it.
pub async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    uri: Uri,
    Path((id, sha256)): Path<(ResourceSessionId, String)>,
) -> Result<Response, WebError> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    let reason = format!("GET {}", uri.path());
    let actor = actor_of(&viewer, &reason);
    let served = match state.store.resource_file(actor.as_ref(), id, &sha256).await {
        Err(StoreError::OutOfScope(_)) => {
            return Err(WebError::ForbiddenWith(
                "Les fichiers sources (ODT, DOCX…) sont réservés aux professionnels connectés, qui les adaptent à leur public.".into(),
            ))
        }
        other => other?,
    };
    Ok(attachment(
        served.bytes,
        &served.media_type,
        &served.file_name,
    ))
}

/// Bytes served as a download, never shown in the page: `attachment` with its file name, and a CSP
/// that forbids everything, should a browser render it anyway (a material, a session's archive).
pub fn attachment(bytes: Vec<u8>, media_type: &str, file_name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}

/// `POST /ressources/{id}/avis`: a mediator's rating after running the session.
pub async fn rate(
    me: Professional,
    Path(id): Path<ResourceSessionId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form = fields(&body);
    let rating = text(&form, "note").parse::<u8>().ok();
    let worked_for: Vec<ResourceAudience> = form
        .get("pour")
        .into_iter()
        .flatten()
        .filter_map(|code| ResourceAudience::from_code(code))
        .collect();
    let comment = match check_comment(&text(&form, "commentaire")) {
        Ok(comment) => comment,
        Err(message) => return refused(&me, id, message).await,
    };
    let Some(rating) = rating else {
        let message = "Choisissez une note de 1 à 4.".to_owned();
        return refused(&me, id, message).await;
    };
    let actor = bank_actor(&me.user.account, &me.reason);
    match me
        .state
        .store
        .rate_resource(
            &actor,
            id,
            rating,
            &worked_for,
            comment.as_deref(),
            me.now(),
        )
        .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/ressources/{id}?fait=evaluee#avis")).into_response()),
        Err(refusal) => refused(&me, id, refusal.to_string()).await,
    }
}

/// `POST /ressources/{id}/signalement`: reports a problem on a published session to its référents.
pub async fn report(
    me: Professional,
    Path(id): Path<ResourceSessionId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form = fields(&body);
    let actor = bank_actor(&me.user.account, &me.reason);
    match resources::report(&me.state, &actor, id, &text(&form, "probleme")).await? {
        Ok(_) => Ok(Redirect::to(&format!("/ressources/{id}?fait=signalee")).into_response()),
        Err(ReportRefusal::Comment(message)) => refused(&me, id, message).await,
        Err(ReportRefusal::NotPublished) => Err(WebError::NotFound),
    }
}
