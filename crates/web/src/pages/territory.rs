//! "Mon territoire": the communes of the viewer's territory, and a search over every French commune
//! by name or postal code.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_count, render};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::state::AppState;
use aiguillage_store::CommuneSummary;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

const SEARCH_LIMIT: i64 = 20;

/// A commune as a table row.
struct CommuneRow {
    code: String,
    name: String,
    postal_codes: String,
    epci_name: String,
    population: String,
}

impl From<CommuneSummary> for CommuneRow {
    fn from(commune: CommuneSummary) -> Self {
        CommuneRow {
            code: commune.code,
            name: commune.name,
            postal_codes: commune.postal_codes.join(", "),
            epci_name: commune.epci_name.unwrap_or_else(|| "—".to_owned()),
            population: commune
                .population
                .map_or_else(|| "—".to_owned(), format_count),
        }
    }
}

#[derive(Template)]
#[template(path = "territory.html")]
struct TerritoryTemplate {
    layout: Layout,
    territory_name: String,
    territory_kind: &'static str,
    commune_count: String,
    population: String,
    communes: Vec<CommuneRow>,
    query: String,
    results: Option<Vec<CommuneRow>>,
    france_communes: String,
}

#[derive(Deserialize)]
pub struct TerritoryQuery {
    q: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Query(query): Query<TerritoryQuery>,
) -> Result<Response, WebError> {
    let scope = &user.account.territory;
    let communes = state.store.communes_in(scope).await?;
    let population: i64 = communes.iter().filter_map(|c| c.population).sum();
    let search = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned);
    let results = match &search {
        Some(q) => Some(
            state
                .store
                .search_communes(q, SEARCH_LIMIT)
                .await?
                .into_iter()
                .map(CommuneRow::from)
                .collect(),
        ),
        None => None,
    };
    let counts = state.store.territory_counts().await?;
    render(&TerritoryTemplate {
        layout: Layout::new(&state, &viewer, "/territoire", "Mon territoire"),
        territory_name: state
            .store
            .territory_name(scope)
            .await?
            .unwrap_or_else(|| scope.to_string()),
        territory_kind: match scope {
            TerritoryScope::Epci(_) => "Intercommunalité (EPCI)",
            TerritoryScope::Departement(_) => "Département",
        },
        commune_count: format_count(communes.len() as i64),
        population: format_count(population),
        communes: communes.into_iter().map(CommuneRow::from).collect(),
        query: search.unwrap_or_default(),
        results,
        france_communes: format_count(counts.communes),
    })
}
