//! "Mon territoire": the communes of the viewer's territory, and a search over every French commune
//! by name or postal code.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::territory_diagnostic::trimmed;
use crate::pages::{format_count, render};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_store::CommuneSummary;
use askama::Template;
use axum::extract::Query;
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

/// `GET /territoire[?q=…]`: the territory's communes, and the communes of France matching `q`.
pub async fn show(
    me: Professional,
    Query(query): Query<TerritoryQuery>,
) -> Result<Response, WebError> {
    let (store, scope) = (&me.state.store, &me.user.account.territory);
    let communes = store.communes_in(scope).await?;
    let population: i64 = communes.iter().filter_map(|c| c.population).sum();
    let search = trimmed(query.q.as_deref());
    let results = search_results(&me, search.as_deref()).await?;
    let territory_name = store.territory_name(scope).await?;
    render(&TerritoryTemplate {
        layout: me.layout("/territoire", "Mon territoire"),
        territory_name: territory_name.unwrap_or_else(|| scope.to_string()),
        territory_kind: kind_label(scope),
        commune_count: format_count(communes.len() as i64),
        population: format_count(population),
        communes: communes.into_iter().map(CommuneRow::from).collect(),
        query: search.unwrap_or_default(),
        results,
        france_communes: format_count(store.territory_counts().await?.communes),
    })
}

/// The communes of France matching the search, if there is one.
async fn search_results(
    me: &Professional,
    search: Option<&str>,
) -> Result<Option<Vec<CommuneRow>>, WebError> {
    let Some(q) = search else {
        return Ok(None);
    };
    let found = me.state.store.search_communes(q, SEARCH_LIMIT).await?;
    Ok(Some(found.into_iter().map(CommuneRow::from).collect()))
}

/// What kind of territory the scope is, in words.
fn kind_label(scope: &TerritoryScope) -> &'static str {
    match scope {
        TerritoryScope::Epci(_) => "Intercommunalité (EPCI)",
        TerritoryScope::Departement(_) => "Département",
    }
}
