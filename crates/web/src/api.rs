//! The JSON API under `/api/v1/`, its OpenAPI document (generated from these declarations by utoipa)
//! and the health probe. Authentication is the same session cookie as the pages.

use crate::auth::{CurrentUser, Professional};
use crate::error::WebError;
use aiguillage_domain::coverage::Need;
use aiguillage_domain::directory::search::offer_meets;
use aiguillage_domain::directory::HelpKind;
use aiguillage_domain::territory::{TerritoryArea, TerritoryScope};
use aiguillage_interop::places_standard::write_json;
use aiguillage_service::directory_search::{run_search, DirectoryQuery, Found, SearchOutcome};
use aiguillage_service::state::AppState;
use aiguillage_service::territory_diagnostic::{diagnose, CommuneLine, Diagnostic};
use aiguillage_store::{Account, CommuneSummary, StoredOffer, StoredPlace, Structure};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The API description served at `/api/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Aiguillage",
        description = "API de la plateforme de coordination de l'inclusion numérique."
    ),
    paths(
        health,
        ready,
        me,
        communes,
        structures,
        places,
        places_geojson,
        territory_communes_geojson,
        offers,
        place_detail
    ),
    components(schemas(
        Health,
        Readiness,
        Me,
        Territory,
        Commune,
        StructureItem,
        PlaceItem,
        OfferItem,
        PlaceDetail
    ))
)]
pub struct ApiDoc;

/// State of the service and of its database.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers, `error` otherwise.
    status: &'static str,
    /// `ok` or `unavailable`.
    database: &'static str,
    /// `sqlite` or `postgresql`.
    backend: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, body = Health, description = "Service et base de données opérationnels"),
              (status = 503, body = Health, description = "Base de données injoignable")))]
pub async fn health(State(state): State<AppState>) -> Response {
    let backend = state.store.backend().name();
    match state.store.ping().await {
        Ok(()) => Json(Health::of("ok", "ok", backend)).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            let health = Health::of("error", "unavailable", backend);
            (StatusCode::SERVICE_UNAVAILABLE, Json(health)).into_response()
        }
    }
}

/// Whether this instance can serve: its database, its migrations, its indicator records.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` when every check holds, `not_ready` otherwise.
    status: &'static str,
    /// The database answers.
    database: bool,
    /// Every migration of this binary is applied.
    migrations: bool,
    /// The steering indicators' records are in memory.
    records: bool,
}

#[utoipa::path(get, path = "/readyz", tag = "service",
    responses((status = 200, body = Readiness, description = "Prêt à servir"),
              (status = 503, body = Readiness, description = "Pas encore prêt (base, migrations ou indicateurs)")))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let database = state.store.ping().await.is_ok();
    let migrations = database && state.store.migrations_applied().await.unwrap_or(false);
    let records = state.indicators.is_loaded();
    let ready = database && migrations && records;
    let readiness = Readiness {
        status: if ready { "ready" } else { "not_ready" },
        database,
        migrations,
        records,
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness)).into_response()
}

impl Health {
    fn of(status: &'static str, database: &'static str, backend: &'static str) -> Health {
        Health {
            status,
            database,
            backend,
        }
    }
}

/// The territory an account works in.
#[derive(Serialize, ToSchema)]
pub struct Territory {
    /// `epci` or `departement`.
    kind: &'static str,
    code: String,
    name: Option<String>,
}

/// The signed-in professional.
#[derive(Serialize, ToSchema)]
pub struct Me {
    id: i64,
    display_name: String,
    email: String,
    /// prescriber, mediator, structure_manager, coordinator or administrator.
    role: String,
    role_label: &'static str,
    structure_id: i64,
    structure_name: String,
    territory: Territory,
}

#[utoipa::path(get, path = "/api/v1/moi", tag = "comptes",
    responses((status = 200, body = Me), (status = 401, description = "Connexion requise")))]
pub async fn me(user: CurrentUser) -> Result<Json<Me>, WebError> {
    Ok(Json(Me::from(user.account)))
}

impl From<Account> for Me {
    fn from(account: Account) -> Me {
        let name = account.territory_name.clone();
        Me {
            id: account.id,
            display_name: account.display_name,
            email: account.email,
            role: account.role.code().to_owned(),
            role_label: account.role.label(),
            structure_id: account.structure_id,
            structure_name: account.structure_name,
            territory: Territory {
                kind: account.territory.kind_code(),
                code: account.territory.code().to_owned(),
                name,
            },
        }
    }
}

/// A commune found by the search.
#[derive(Serialize, ToSchema)]
pub struct Commune {
    /// Code INSEE.
    code: String,
    name: String,
    departement_code: String,
    epci_name: Option<String>,
    population: Option<i64>,
    postal_codes: Vec<String>,
}

/// Search parameters for communes.
#[derive(Deserialize, IntoParams)]
pub struct CommuneSearch {
    /// Beginning of the name (accents and hyphens ignored) or of a postal code.
    q: String,
    /// At most this many results (1 to 50, default 10).
    limite: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/communes", tag = "territoire", params(CommuneSearch),
    responses((status = 200, body = [Commune]), (status = 401, description = "Connexion requise")))]
pub async fn communes(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(search): Query<CommuneSearch>,
) -> Result<Json<Vec<Commune>>, WebError> {
    let limit = search.limite.unwrap_or(10).clamp(1, 50);
    let found = state.store.search_communes(&search.q, limit).await?;
    Ok(Json(found.into_iter().map(Commune::from).collect()))
}

impl From<CommuneSummary> for Commune {
    fn from(c: CommuneSummary) -> Commune {
        Commune {
            code: c.code,
            name: c.name,
            departement_code: c.departement_code,
            epci_name: c.epci_name,
            population: c.population,
            postal_codes: c.postal_codes,
        }
    }
}

/// A structure of the instance.
#[derive(Serialize, ToSchema)]
pub struct StructureItem {
    id: i64,
    name: String,
    kind: String,
    commune_code: String,
    commune_name: String,
}

#[utoipa::path(get, path = "/api/v1/structures", tag = "annuaire",
    responses((status = 200, body = [StructureItem]), (status = 401, description = "Connexion requise")))]
pub async fn structures(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Vec<StructureItem>>, WebError> {
    let list = state.store.list_structures().await?;
    Ok(Json(list.into_iter().map(StructureItem::from).collect()))
}

impl From<Structure> for StructureItem {
    fn from(s: Structure) -> StructureItem {
        StructureItem {
            id: s.id,
            name: s.name,
            kind: s.kind,
            commune_code: s.commune_code,
            commune_name: s.commune_name,
        }
    }
}

/// A place of the directory found by a search.
#[derive(Serialize, ToSchema)]
pub struct PlaceItem {
    id: i64,
    name: String,
    commune: String,
    commune_code: String,
    postal_code: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    /// Distance from the commune searched around, in km.
    distance_km: Option<f64>,
    /// Labels of the national standard.
    services: Vec<String>,
    audiences: Vec<String>,
    specific_support: Vec<String>,
    support_modes: Vec<String>,
    costs: Vec<String>,
    opening_hours: Option<String>,
}

fn labels<T: std::fmt::Display>(values: &[T]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

#[utoipa::path(get, path = "/api/v1/lieux", tag = "annuaire", params(DirectoryQuery),
    responses((status = 200, body = [PlaceItem]), (status = 400, description = "Critère illisible"),
              (status = 401, description = "Connexion requise")))]
pub async fn places(
    me: Professional,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<Vec<PlaceItem>>, WebError> {
    let outcome = searched(&me, &query).await?;
    Ok(Json(
        outcome.found.into_iter().map(PlaceItem::from).collect(),
    ))
}

/// The search on the professional's territory, or its first unreadable criterion.
async fn searched(me: &Professional, query: &DirectoryQuery) -> Result<SearchOutcome, WebError> {
    let outcome = run_search(&me.state.store, query, &me.user.account.territory).await?;
    if let Some((field, message)) = outcome.errors.messages.first() {
        return Err(WebError::BadRequest(format!("{field} : {message}")));
    }
    Ok(outcome)
}

impl From<Found> for PlaceItem {
    fn from(found: Found) -> PlaceItem {
        let place = found.stored.place;
        PlaceItem {
            id: found.stored.structure_id,
            name: place.name,
            commune: place.commune,
            commune_code: found.stored.commune_code,
            postal_code: place.postal_code,
            latitude: found.stored.latitude,
            longitude: found.stored.longitude,
            distance_km: found.distance_km,
            services: labels(&place.services),
            audiences: labels(&place.audiences),
            specific_support: labels(&place.specific_support),
            support_modes: labels(&place.support_modes),
            costs: labels(&place.costs),
            opening_hours: place.opening_hours,
        }
    }
}

/// The places found by a search as a GeoJSON FeatureCollection of points (for the map).
#[utoipa::path(get, path = "/api/v1/lieux.geojson", tag = "annuaire", params(DirectoryQuery),
    responses((status = 200, description = "FeatureCollection GeoJSON : un point par lieu (id, name, commune, distance_km)"),
              (status = 400, description = "Critère illisible"), (status = 401, description = "Connexion requise")))]
pub async fn places_geojson(
    me: Professional,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let outcome = searched(&me, &query).await?;
    Ok(feature_collection(
        outcome.found.iter().filter_map(place_point).collect(),
    ))
}

/// A place as a GeoJSON point, if it has a position.
fn place_point(found: &Found) -> Option<serde_json::Value> {
    let (latitude, longitude) = found.stored.latitude.zip(found.stored.longitude)?;
    Some(serde_json::json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [longitude, latitude] },
        "properties": {
            "id": found.stored.structure_id,
            "name": found.stored.place.name,
            "commune": found.stored.place.commune,
            "distance_km": found.distance_km,
        },
    }))
}

/// A GeoJSON FeatureCollection of these features.
fn feature_collection(features: Vec<serde_json::Value>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "type": "FeatureCollection", "features": features }))
}

/// An offer of a place found by a search.
#[derive(Serialize, ToSchema)]
pub struct OfferItem {
    id: i64,
    place_id: i64,
    place_name: String,
    commune: String,
    /// Distance from the commune searched around, in km.
    distance_km: Option<f64>,
    name: String,
    services: Vec<String>,
    audiences: Vec<String>,
    specific_support: Vec<String>,
    support_modes: Vec<String>,
    costs: Vec<String>,
    capacity_per_week: Option<u32>,
    first_contact_delay_days: Option<u32>,
    intervention_level: Option<String>,
    help_style: Option<String>,
    help_kinds: Vec<String>,
    status: Option<String>,
}

fn offer_item(found: &Found, stored: StoredOffer) -> OfferItem {
    let offer = stored.offer;
    let facts = offer.facts.clone();
    OfferItem {
        id: stored.id,
        place_id: found.stored.structure_id,
        place_name: found.stored.place.name.clone(),
        commune: found.stored.place.commune.clone(),
        distance_km: found.distance_km,
        services: labels(&offer.services),
        audiences: labels(&offer.audiences),
        specific_support: labels(&offer.specific_support),
        support_modes: labels(&offer.support_modes),
        costs: labels(&offer.costs),
        capacity_per_week: facts.capacity_per_week,
        first_contact_delay_days: facts.first_contact_delay_days,
        intervention_level: facts.intervention_level.map(|l| l.label().to_owned()),
        help_style: facts.help_style.map(|s| s.label().to_owned()),
        help_kinds: labels(&facts.help_kinds),
        status: facts.status.map(|s| s.label().to_owned()),
        name: offer.name,
    }
}

#[utoipa::path(get, path = "/api/v1/offres", tag = "annuaire", params(DirectoryQuery),
    responses((status = 200, body = [OfferItem], description = "Les offres qui remplissent les critères, dans les lieux trouvés, au plus près d'abord"),
              (status = 400, description = "Critère illisible"), (status = 401, description = "Connexion requise")))]
pub async fn offers(
    me: Professional,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<Vec<OfferItem>>, WebError> {
    let outcome = searched(&me, &query).await?;
    let mut items = Vec::new();
    for found in &outcome.found {
        for stored in me.state.store.offers_of(found.stored.structure_id).await? {
            if offer_meets(&stored.offer, &outcome.criteria) {
                items.push(offer_item(found, stored));
            }
        }
    }
    Ok(Json(items))
}

/// A place with everything the national standard says of it, and its offers.
#[derive(Serialize, ToSchema)]
pub struct PlaceDetail {
    id: i64,
    commune_code: String,
    support_model: Option<String>,
    /// The place in the national standard's JSON form (field names and values of the standard).
    #[schema(value_type = Object)]
    standard: serde_json::Value,
    offers: Vec<OfferItem>,
}

#[utoipa::path(get, path = "/api/v1/lieux/{id}", tag = "annuaire", params(("id" = i64, Path, description = "Identifiant du lieu")),
    responses((status = 200, body = PlaceDetail), (status = 404, description = "Lieu inconnu"), (status = 401, description = "Connexion requise")))]
pub async fn place_detail(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<PlaceDetail>, WebError> {
    let stored = state.store.place(id).await?;
    let offers = state.store.offers_of(id).await?;
    Ok(Json(PlaceDetail::of(id, stored, offers)))
}

impl PlaceDetail {
    fn of(id: i64, stored: StoredPlace, offers: Vec<StoredOffer>) -> PlaceDetail {
        let standard = standard_json(&stored.place);
        let found = Found {
            stored,
            distance_km: None,
        };
        PlaceDetail {
            id,
            commune_code: found.stored.commune_code.clone(),
            support_model: found.stored.support_model.map(|m| m.label().to_owned()),
            standard,
            offers: offers.into_iter().map(|o| offer_item(&found, o)).collect(),
        }
    }
}

/// The place in the national standard's JSON form.
fn standard_json(place: &aiguillage_domain::directory::Place) -> serde_json::Value {
    write_json(std::slice::from_ref(place))
        .as_array()
        .and_then(|places| places.first().cloned())
        .unwrap_or_default()
}

/// The OpenAPI document.
pub async fn openapi() -> Json<serde_json::Value> {
    Json(document())
}

/// The OpenAPI document: every part's declarations, then the refusals every route may give and the
/// security schemes ([`crate::api_refusals`]).
pub fn document() -> serde_json::Value {
    let mut document = ApiDoc::openapi();
    document.merge(crate::api_people::PeopleApiDoc::openapi());
    document.merge(crate::api_referrals::ReferralsApiDoc::openapi());
    document.merge(crate::api_vouchers::VouchersApiDoc::openapi());
    document.merge(crate::api_indicators::IndicatorsApiDoc::openapi());
    document.merge(crate::api_resources::ResourcesApiDoc::openapi());
    let mut value = serde_json::to_value(&document).unwrap_or_default();
    crate::api_refusals::describe_refusals(&mut value);
    value
}

/// Which territory's communes to return.
#[derive(Deserialize, IntoParams)]
pub struct TerritoryParam {
    /// `commune:INSEE`, `epci:SIREN` or `dep:CODE`; the territory of the signed-in person by default.
    territoire: Option<String>,
}

/// `GET /api/v1/territoire/communes.geojson`: the communes of a territory (the viewer's by default)
/// at their centre, with population, fragility index and whether they are beyond reach of inclusion
/// help, for the map.
#[utoipa::path(get, path = "/api/v1/territoire/communes.geojson", tag = "territoire", params(TerritoryParam),
    responses((status = 200, description = "FeatureCollection GeoJSON : un point par commune du territoire (code, name, population, index de fragilité 2023, inclusion_minutes, far)"),
              (status = 400, description = "Territoire illisible"),
              (status = 401, description = "Connexion requise"),
              (status = 404, description = "Territoire inconnu")))]
pub async fn territory_communes_geojson(
    me: Professional,
    Query(param): Query<TerritoryParam>,
) -> Result<Json<serde_json::Value>, WebError> {
    let area = area_asked(param.territoire.as_deref(), &me.user.account.territory)?;
    let territory = &aiguillage_service::territory_diagnostic::reference()?.territory;
    let diagnostic = diagnose(&me.state.store, &area).await?;
    let inclusion = diagnostic
        .needs
        .iter()
        .position(|n| *n == Need::Help(HelpKind::Inclusion));
    let point = |line| commune_point(territory, &diagnostic, inclusion, line);
    Ok(feature_collection(
        diagnostic.communes.iter().filter_map(point).collect(),
    ))
}

/// The territory asked for, or the professional's own.
fn area_asked(asked: Option<&str>, own: &TerritoryScope) -> Result<TerritoryArea, WebError> {
    match asked.map(str::trim) {
        Some(text) if !text.is_empty() => text
            .parse::<TerritoryArea>()
            .map_err(|e| WebError::BadRequest(e.to_string())),
        _ => Ok(TerritoryArea::from(own)),
    }
}

/// A commune of the diagnostic as a GeoJSON point at its centre, with how far the nearest inclusion
/// help is.
fn commune_point(
    territory: &aiguillage_interop::territory::TerritoryData,
    diagnostic: &Diagnostic,
    inclusion: Option<usize>,
    line: &CommuneLine,
) -> Option<serde_json::Value> {
    let commune = territory.communes.iter().find(|c| c.code == line.code)?;
    let minutes = inclusion.and_then(|i| line.minutes.get(i).copied().flatten());
    Some(serde_json::json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [commune.longitude?, commune.latitude?] },
        "properties": {
            "code": line.code,
            "name": line.name,
            "population": line.population,
            "index": line.index,
            "inclusion_minutes": minutes,
            "far": minutes.is_none_or(|m| m > diagnostic.threshold),
        },
    }))
}
