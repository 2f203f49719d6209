//! La Coop de la médiation numérique's public API v1, served for what is recorded here under
//! `/api/coop/v1/`, so that a client written for La Coop works unchanged: the same resources, in the
//! same shape (JSON:API lists, cursor pagination), with the same bearer `client-id:client-secret`.
//! Each route's guard checks the client's credential and scope (`routes.rs`); each handler reads
//! only the client's territory. Statistics are masked at the instance's minimum cell size.

use crate::auth::guard::ApiCaller;
use crate::error::WebError;
use aiguillage_domain::calendar::rfc3339;
use aiguillage_domain::territory::Commune;
use aiguillage_interop::coop_api::{
    activite, lieu_activite, page, stable_uuid, structure, utilisateur, ActivityCommune,
    ActivityRecord, PageRequest, StructureRecord, UserRecord,
};
use aiguillage_service::state::AppState;
use aiguillage_service::territory_diagnostic::reference;
use aiguillage_store::{PathwaySession, StoredPlace};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

type Params = HashMap<String, String>;

/// The base of the API's links.
fn base(state: &AppState, resource: &str) -> String {
    format!(
        "{}/api/coop/v1/{resource}",
        state.settings.public_url.trim_end_matches('/')
    )
}

/// Why a request fails: a parameter refused (400, as La Coop answers it), or the instance.
pub enum CoopError {
    BadRequest(String),
    Web(WebError),
}

impl From<WebError> for CoopError {
    fn from(error: WebError) -> Self {
        CoopError::Web(error)
    }
}

impl From<aiguillage_store::StoreError> for CoopError {
    fn from(error: aiguillage_store::StoreError) -> Self {
        CoopError::Web(error.into())
    }
}

impl IntoResponse for CoopError {
    fn into_response(self) -> Response {
        match self {
            CoopError::BadRequest(detail) => {
                let body = json!({ "errors": [{ "status": "400", "detail": detail }] });
                (StatusCode::BAD_REQUEST, Json(body)).into_response()
            }
            CoopError::Web(error) => error.into_response(),
        }
    }
}

fn page_request(params: &Params) -> Result<PageRequest, CoopError> {
    let get = |key: &str| params.get(key).map(String::as_str);
    PageRequest::read(get("page[size]"), get("page[after]"), get("page[before]"))
        .map_err(CoopError::BadRequest)
}

/// `filter[…][depuis]`: an ISO date or date-time, as Unix seconds.
fn since(params: &Params, key: &str) -> Result<Option<i64>, CoopError> {
    let Some(text) = params.get(key).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .or_else(|_| {
            time::Date::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map(|d| d.midnight().assume_utc().unix_timestamp())
        });
    parsed.map(Some).map_err(|_| {
        CoopError::BadRequest(format!(
            "{key} « {text} » invalide : date AAAA-MM-JJ ou date-heure RFC 3339"
        ))
    })
}

/// `GET /api/coop/v1/health`.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The communes of the reference by INSEE code.
fn communes() -> Result<HashMap<&'static str, &'static Commune>, WebError> {
    let reference = reference()?;
    Ok(reference
        .territory
        .communes
        .iter()
        .map(|c| (c.code.as_str(), c))
        .collect())
}

fn activity_resource(
    session: &PathwaySession,
    communes: &HashMap<&str, &Commune>,
) -> (String, Value) {
    let activity = session.cra_activity();
    let commune = session
        .commune_code
        .as_deref()
        .and_then(|code| communes.get(code))
        .map(|c| ActivityCommune {
            postal_code: c.postal_codes.first().cloned().unwrap_or_default(),
            name: c.name.clone(),
            insee_code: c.code.clone(),
        });
    activite(&ActivityRecord {
        id: session.id,
        activity: &activity,
        mediator_account_id: session.account_id,
        structure_id: session.structure_id,
        commune,
        created_at: session.created_at,
    })
}

/// `GET /api/coop/v1/activites`: the activities recorded by the structures of the client's
/// territory, oldest first.
pub async fn activities(
    State(state): State<AppState>,
    Extension(ApiCaller(client)): Extension<ApiCaller>,
    Query(params): Query<Params>,
) -> Result<Response, CoopError> {
    let request = page_request(&params)?;
    let created_since = since(&params, "filter[creation][depuis]")?;
    let changed_since = since(&params, "filter[modification][depuis]")?;
    let earliest = created_since.max(changed_since).unwrap_or(i64::MIN);
    let sessions = state.store.activities_in(client.territory.as_ref()).await?;
    let communes = communes()?;
    let items = sessions
        .iter()
        .filter(|s| s.created_at >= earliest)
        .map(|s| activity_resource(s, &communes))
        .collect();
    Ok(Json(page(items, &request, &base(&state, "activites"), "")).into_response())
}

/// The places of the client's territory (all with none).
async fn places_of(state: &AppState, caller: &ApiCaller) -> Result<Vec<StoredPlace>, WebError> {
    Ok(state.store.places(caller.0.territory.as_ref()).await?)
}

/// The `ids` filter: structure UUIDs separated by commas (100 at most).
fn wanted_ids(params: &Params) -> Result<Option<Vec<String>>, CoopError> {
    let Some(text) = params.get("ids").filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let ids: Vec<String> = text.split(',').map(|id| id.trim().to_owned()).collect();
    if ids.len() > 100 {
        return Err(CoopError::BadRequest(
            "ids : 100 identifiants au plus".into(),
        ));
    }
    Ok(Some(ids))
}

/// `GET /api/coop/v1/structures`: the structures of the directory in the client's territory.
pub async fn structures(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Query(params): Query<Params>,
) -> Result<Response, CoopError> {
    let request = page_request(&params)?;
    let ids = wanted_ids(&params)?;
    let places = places_of(&state, &caller).await?;
    let authors = state
        .store
        .activity_authors_in(caller.0.territory.as_ref())
        .await?;
    let mut mediators: BTreeMap<i64, usize> = BTreeMap::new();
    for author in authors.iter().filter(|a| !a.disabled) {
        *mediators.entry(author.structure_id).or_default() += 1;
    }
    let mut items: Vec<(i64, (String, Value))> = places
        .iter()
        .map(|stored| {
            let updated = updated_at(&stored.place.updated_on);
            let record = StructureRecord {
                id: stored.structure_id,
                place: &stored.place,
                created_at: updated,
                changed_at: updated,
                mediators: mediators.get(&stored.structure_id).copied().unwrap_or(0),
            };
            (stored.structure_id, structure(&record))
        })
        .filter(|(_, (id, _))| ids.as_ref().is_none_or(|ids| ids.contains(id)))
        .collect();
    items.sort_by_key(|(id, _)| *id);
    let items = items.into_iter().map(|(_, item)| item).collect();
    Ok(Json(page(items, &request, &base(&state, "structures"), "")).into_response())
}

/// A place's `date_maj` as the instant its record last changed (midnight UTC).
fn updated_at(date: &str) -> i64 {
    time::Date::parse(
        date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map(|d| d.midnight().assume_utc().unix_timestamp())
    .unwrap_or(0)
}

/// `GET /api/coop/v1/lieux-activite`: the places of the client's territory that offer at least one
/// service, in the national standard (an array, not paged, as La Coop answers).
pub async fn places_of_activity(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Query(params): Query<Params>,
) -> Result<Response, CoopError> {
    let ids = wanted_ids(&params)?;
    let programme = params
        .get("filter[dispositif_programmes_nationaux]")
        .filter(|p| !p.is_empty());
    let places = places_of(&state, &caller).await?;
    let items: Vec<Value> = places
        .iter()
        .filter(|stored| !stored.place.services.is_empty())
        .filter(|stored| {
            programme.is_none_or(|p| stored.place.programmes.iter().any(|x| x.label() == p))
        })
        .filter(|stored| {
            let id = stable_uuid("structure", stored.structure_id);
            ids.as_ref().is_none_or(|ids| ids.contains(&id))
        })
        .map(|stored| lieu_activite(stored.structure_id, &stored.place))
        .collect();
    Ok(Json(Value::Array(items)).into_response())
}

/// `GET /api/coop/v1/utilisateurs`: the mediators of the structures of the client's territory.
pub async fn users(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Query(params): Query<Params>,
) -> Result<Response, CoopError> {
    let request = page_request(&params)?;
    let deleted = params.get("filter[soft_deleted]").map(String::as_str);
    let authors = state
        .store
        .activity_authors_in(caller.0.territory.as_ref())
        .await?;
    let items = authors
        .iter()
        .filter(|a| match deleted {
            Some("true") => a.disabled,
            Some("false") => !a.disabled,
            _ => true,
        })
        .map(|a| {
            utilisateur(&UserRecord {
                account_id: a.account_id,
                display_name: a.display_name.clone(),
                email: a.email.clone(),
                structure_id: a.structure_id,
                created_at: a.created_at,
                deactivated: a.disabled,
            })
        })
        .collect();
    Ok(Json(page(items, &request, &base(&state, "utilisateurs"), "")).into_response())
}

/// `GET /api/coop/v1/statistiques`: the activities of the client's territory counted, between
/// `filter[du]` and `filter[au]` (dates), of the `filter[types]` asked; every count under the
/// instance's minimum cell size left out, with the next smallest of its list so that it cannot be
/// found again by subtraction.
pub async fn statistics(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Query(params): Query<Params>,
) -> Result<Response, CoopError> {
    let from = params.get("filter[du]").cloned().unwrap_or_default();
    let to = params
        .get("filter[au]")
        .cloned()
        .unwrap_or_else(|| "9999-12-31".into());
    let types: Vec<&str> = params
        .get("filter[types]")
        .map(|t| t.split(',').filter(|t| !t.is_empty()).collect())
        .unwrap_or_default();
    let sessions = state
        .store
        .activities_in(caller.0.territory.as_ref())
        .await?;
    let activities: Vec<_> = sessions
        .iter()
        .map(|s| aiguillage_interop::cra::coop_activity_fields(&s.cra_activity()))
        .filter(|a| a.date.as_str() >= from.as_str() && a.date.as_str() <= to.as_str())
        .filter(|a| types.is_empty() || types.contains(&a.kind.as_str()))
        .collect();
    let min_cell = aiguillage_service::instance::min_cell_size(&state).await?;
    let attributes = crate::api_coop_statistics::attributes(&activities, min_cell);
    let now = (state.clock)();
    Ok(Json(json!({
        "data": { "type": "statistiques", "id": "statistiques", "attributes": attributes },
        "links": { "self": { "href": base(&state, "statistiques") } },
        "meta": { "seuil_secret": min_cell, "calcule_le": rfc3339(now) },
    }))
    .into_response())
}
