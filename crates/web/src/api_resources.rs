//! The resource bank's JSON API: `/api/v1/ressources`, the published sessions searched like the
//! page (words in French, audience, level, competence, theme, duration, rating), paged; anonymous
//! callers get the sessions under an open licence, signed-in professionals every published one.

use crate::auth::Viewer;
use crate::error::WebError;
use aiguillage_domain::pathway::{Theme, WorkshopLevel};
use aiguillage_domain::resource::{Competence, ResourceAudience, RATINGS};
use aiguillage_service::state::AppState;
use aiguillage_store::{ListedResource, ResourceQuery};
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The bank's part of the API description.
#[derive(OpenApi)]
#[openapi(paths(list), components(schemas(ResourcePage, ResourceItem)))]
pub struct ResourcesApiDoc;

/// The largest page.
const MAX_PAGE: i64 = 100;

/// A search of the published sessions.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ResourceSearch {
    /// Words, in French (plurals and accents do not matter).
    mots: Option<String>,
    /// An audience code (`seniors`, `jeunes`, `illettrisme`…).
    public: Option<String>,
    /// `debutant`, `intermediaire` or `avance`.
    niveau: Option<String>,
    /// A CRCN competence number (`4.1`).
    competence: Option<String>,
    /// A CRA theme code (`email`, `securite_numerique`…).
    thematique: Option<String>,
    /// The longest duration wanted, in minutes.
    duree_max: Option<u32>,
    /// The lowest average rating wanted (1–4).
    note_min: Option<u8>,
    /// The page, from 1.
    page: Option<i64>,
    /// Sessions a page (1–100, 20 by default).
    par_page: Option<i64>,
}

/// A page of published sessions.
#[derive(Serialize, ToSchema)]
pub struct ResourcePage {
    /// Every match, on all pages.
    total: i64,
    page: i64,
    par_page: i64,
    seances: Vec<ResourceItem>,
}

/// A published session.
#[derive(Serialize, ToSchema)]
pub struct ResourceItem {
    id: i64,
    /// Its last published version.
    version: i64,
    titre: String,
    /// Level code (`debutant`…).
    niveau: &'static str,
    duree_minutes: u32,
    /// Audience codes.
    publics: Vec<&'static str>,
    /// CRCN competence numbers.
    competences: Vec<&'static str>,
    licence_ouverte: bool,
    nombre_avis: i64,
    note_moyenne: Option<f64>,
    /// The session's page.
    url: String,
}

impl From<ListedResource> for ResourceItem {
    fn from(found: ListedResource) -> ResourceItem {
        ResourceItem {
            id: found.id.get(),
            version: found.version,
            titre: found.title,
            niveau: found.level.cra_code(),
            duree_minutes: found.duration_minutes,
            publics: found.audiences.iter().map(|a| a.code()).collect(),
            competences: found.competences.iter().map(|c| c.code()).collect(),
            licence_ouverte: found.open_licence,
            nombre_avis: found.ratings,
            note_moyenne: found.average_rating,
            url: format!("/ressources/{}", found.id),
        }
    }
}

fn unknown(field: &str, value: &str) -> WebError {
    WebError::BadRequest(format!("Valeur « {value} » inconnue pour « {field} »."))
}

impl ResourceSearch {
    fn query(&self) -> Result<ResourceQuery, WebError> {
        let coded = |field: &str, value: &Option<String>, parse: &dyn Fn(&str) -> bool| match value
            .as_deref()
            .filter(|v| !v.is_empty())
        {
            Some(v) if !parse(v) => Err(unknown(field, v)),
            _ => Ok(()),
        };
        coded("public", &self.public, &|v| {
            ResourceAudience::from_code(v).is_some()
        })?;
        coded("niveau", &self.niveau, &|v| {
            WorkshopLevel::from_cra_code(v).is_some()
        })?;
        coded("competence", &self.competence, &|v| {
            Competence::from_code(v).is_some()
        })?;
        coded("thematique", &self.thematique, &|v| {
            Theme::from_cra_code(v).is_some()
        })?;
        if let Some(rating) = self.note_min.filter(|r| !RATINGS.contains(r)) {
            return Err(unknown("note_min", &rating.to_string()));
        }
        Ok(ResourceQuery {
            words: self
                .mots
                .clone()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect(),
            audience: self.public.as_deref().and_then(ResourceAudience::from_code),
            level: self
                .niveau
                .as_deref()
                .and_then(WorkshopLevel::from_cra_code),
            competence: self.competence.as_deref().and_then(Competence::from_code),
            theme: self.thematique.as_deref().and_then(Theme::from_cra_code),
            max_minutes: self.duree_max,
            min_rating: self.note_min,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/ressources", tag = "ressourcerie", params(ResourceSearch),
    responses((status = 200, body = ResourcePage),
              (status = 400, description = "Un filtre porte une valeur inconnue")))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(search): Query<ResourceSearch>,
) -> Result<Json<ResourcePage>, WebError> {
    let query = search.query()?;
    let per_page = search.par_page.unwrap_or(20).clamp(1, MAX_PAGE);
    let page = search.page.unwrap_or(1).max(1);
    let signed_in = viewer.0.is_some();
    let (found, total) = state
        .store
        .search_resources(
            &query,
            signed_in,
            (page - 1).saturating_mul(per_page),
            per_page,
        )
        .await?;
    Ok(Json(ResourcePage {
        total,
        page,
        par_page: per_page,
        seances: found.into_iter().map(ResourceItem::from).collect(),
    }))
}
