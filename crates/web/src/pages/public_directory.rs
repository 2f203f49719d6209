//! The public « qui fait quoi », for people looking for help, their families and partners, without an
//! account (as on the cartographie nationale): a search around a commune by need, audience,
//! accessibility, cost and opening time, as a list and a map; a printable sheet of each place with
//! its hours in plain French and how to get there; and the same pages drawn for another site's frame
//! (`/integration/lieux`: framing allowed there only). No personal data is shown, and nothing is
//! stored about the visitor: these pages set no cookie and read none.

use crate::error::WebError;
use crate::headers::Embeddable;
use crate::layout::Layout;
use crate::pages::directory::{filters, list, ResultRow, DAYS};
use crate::pages::render;
use aiguillage_domain::directory::opening_hours::WeeklyHours;
use aiguillage_domain::directory::AccessMode;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::directory_search::{run_search, DirectoryQuery, Found, SearchOutcome};
use aiguillage_service::state::AppState;
use aiguillage_store::StoredPlace;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Where the pages live: the public site or another site's frame.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    Site,
    Embedded,
}

impl Frame {
    fn base(self) -> &'static str {
        match self {
            Frame::Site => "/lieux",
            Frame::Embedded => "/integration/lieux",
        }
    }

    fn layout(self, state: &AppState, title: &str) -> Layout {
        match self {
            Frame::Site => Layout::new(state, &crate::auth::Viewer(None), "/lieux", title),
            Frame::Embedded => Layout::embedded(state, title),
        }
    }

    /// The rendered page, marked embeddable when it is drawn in a frame.
    fn respond(self, page: Result<Response, WebError>) -> Result<Response, WebError> {
        let mut response = page?;
        if self == Frame::Embedded {
            response.extensions_mut().insert(Embeddable);
        }
        Ok(response)
    }
}

#[derive(Template)]
#[template(path = "public_directory.html")]
struct SearchTemplate {
    layout: Layout,
    filters: Vec<crate::pages::directory::Filter>,
    query: DirectoryQuery,
    days: Vec<(usize, &'static str, bool)>,
    commune_error: Option<String>,
    rayon_error: Option<String>,
    time_error: Option<String>,
    has_errors: bool,
    results: Vec<ResultRow>,
    /// `None` before a commune is given.
    summary: Option<String>,
    query_string: String,
    map_tiles: Option<String>,
    form_action: &'static str,
    commune_label: &'static str,
    commune_hint: &'static str,
    place_base: &'static str,
}

/// The places found around the commune asked for, those that receive the public only; no search
/// without a commune (the public pages have no territory of their own).
async fn searched(
    state: &AppState,
    query: &DirectoryQuery,
) -> Result<Option<SearchOutcome>, WebError> {
    if query.commune.trim().is_empty() {
        return Ok(None);
    }
    let unused = TerritoryScope::Departement(String::new());
    let mut outcome = run_search(&state.store, query, &unused).await?;
    outcome.found.retain(|found| receives_public(&found.stored));
    Ok(Some(outcome))
}

fn receives_public(stored: &StoredPlace) -> bool {
    !stored
        .place
        .access_modes
        .contains(&AccessMode::NoPublicReception)
        && !stored.place.services.is_empty()
}

async fn search_page(
    state: &AppState,
    query: DirectoryQuery,
    frame: Frame,
) -> Result<Response, WebError> {
    let outcome = searched(state, &query).await?;
    let errors = outcome
        .as_ref()
        .map(|o| o.errors.clone())
        .unwrap_or_default();
    let summary = outcome.as_ref().map(|outcome| {
        let count = match outcome.found.len() {
            0 => "Aucun lieu".to_owned(),
            1 => "1 lieu".to_owned(),
            n => format!("{n} lieux"),
        };
        match &outcome.around {
            Some(commune) => format!(
                "{count} à moins de {} km {}",
                outcome.radius_km,
                crate::pages::of_name(commune)
            ),
            None => count,
        }
    });
    let results = outcome
        .as_ref()
        .map(|o| {
            o.found
                .iter()
                .map(|f| ResultRow::from(&f.stored, f.distance_km))
                .collect()
        })
        .unwrap_or_default();
    let page = SearchTemplate {
        layout: frame.layout(state, "Trouver un lieu d'aide au numérique"),
        filters: filters(&query, &errors),
        days: DAYS
            .iter()
            .enumerate()
            .map(|(index, day)| (index, *day, query.jour.trim() == index.to_string()))
            .collect(),
        commune_error: errors.for_field("commune").map(str::to_owned),
        rayon_error: errors.for_field("rayon").map(str::to_owned),
        time_error: errors
            .for_field("jour")
            .or(errors.for_field("heure"))
            .map(str::to_owned),
        has_errors: !errors.messages.is_empty(),
        results,
        summary,
        query_string: query.to_query_string(),
        map_tiles: state.settings.map_tiles.clone(),
        form_action: frame.base(),
        commune_label: "Votre commune ou votre code postal",
        commune_hint: "Nom de la commune ou code postal, par exemple « Saumur » ou « 49400 »",
        place_base: frame.base(),
        query,
    };
    frame.respond(render(&page))
}

/// `GET /lieux`: the public search.
pub async fn search(
    State(state): State<AppState>,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, WebError> {
    search_page(&state, query, Frame::Site).await
}

/// `GET /integration/lieux`: the search for another site's frame.
pub async fn embedded_search(
    State(state): State<AppState>,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, WebError> {
    search_page(&state, query, Frame::Embedded).await
}

/// `GET /lieux.geojson`: the places of a public search as GeoJSON points, for the map.
pub async fn geojson(
    State(state): State<AppState>,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, WebError> {
    let outcome = searched(&state, &query).await?;
    let features: Vec<serde_json::Value> = outcome
        .iter()
        .flat_map(|o| o.found.iter())
        .filter_map(point)
        .collect();
    Ok(
        Json(serde_json::json!({ "type": "FeatureCollection", "features": features }))
            .into_response(),
    )
}

fn point(found: &Found) -> Option<serde_json::Value> {
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

/// A line of the sheet.
struct Line {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "public_place.html")]
struct PlaceTemplate {
    layout: Layout,
    name: String,
    summary: Option<String>,
    address: String,
    hours: Vec<String>,
    hours_text: Option<String>,
    lines: Vec<Line>,
    /// Links to other sites: label and address.
    links: Vec<(&'static str, String)>,
    map_link: Option<String>,
    directions_link: Option<String>,
    place_base: &'static str,
}

fn sheet(stored: &StoredPlace, layout: Layout, place_base: &'static str) -> PlaceTemplate {
    let place = &stored.place;
    let address = [
        Some(place.address.clone()),
        place.address_complement.clone(),
        Some(format!("{} {}", place.postal_code, place.commune)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let hours = place
        .opening_hours
        .as_deref()
        .and_then(|text| WeeklyHours::parse(text).ok())
        .map(|week| week.in_french())
        .unwrap_or_default();
    let hours_text = place.opening_hours.clone().filter(|_| hours.is_empty());
    let line = |label, value: String| Line { label, value };
    let mut lines = vec![
        line("Ce que le lieu propose", list(&place.services)),
        line(
            "Publics particulièrement accueillis",
            list(&place.audiences),
        ),
        line("Accompagnement adapté", list(&place.specific_support)),
        line("Comment on est aidé", list(&place.support_modes)),
        line("Comment venir", list(&place.access_modes)),
        line("Coût", list(&place.costs)),
    ];
    if let Some(phone) = &place.phone {
        lines.insert(
            0,
            line("Téléphone", aiguillage_domain::phone::spaced(phone)),
        );
    }
    if !place.emails.is_empty() {
        lines.insert(
            1.min(lines.len()),
            line("Courriel", place.emails.join(", ")),
        );
    }
    let mut links = Vec::new();
    for site in &place.websites {
        links.push(("Site internet du lieu", site.clone()));
    }
    if let Some(url) = &place.booking_url {
        links.push(("Prendre rendez-vous en ligne", url.clone()));
    }
    if let Some(url) = &place.accessibility_sheet_url {
        links.push(("Accessibilité du lieu (Accès Libre)", url.clone()));
    }
    let position = place
        .latitude
        .zip(place.longitude)
        .or(stored.latitude.zip(stored.longitude));
    PlaceTemplate {
        layout,
        name: place.name.clone(),
        summary: place.summary.clone(),
        address,
        hours,
        hours_text,
        lines,
        links,
        map_link: position.map(|(lat, lon)| {
            format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}")
        }),
        directions_link: position
            .map(|(lat, lon)| format!("https://www.openstreetmap.org/directions?to={lat}%2C{lon}")),
        place_base,
    }
}

async fn place_page(state: &AppState, id: i64, frame: Frame) -> Result<Response, WebError> {
    let stored = state.store.place(id).await?;
    if !receives_public(&stored) {
        return Err(WebError::NotFound);
    }
    let layout = frame.layout(state, &stored.place.name);
    frame.respond(render(&sheet(&stored, layout, frame.base())))
}

/// `GET /lieux/{id}`: the printable sheet of a place.
pub async fn place(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    place_page(&state, id, Frame::Site).await
}

/// `GET /integration/lieux/{id}`: the sheet inside another site's frame.
pub async fn embedded_place(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    place_page(&state, id, Frame::Embedded).await
}
