//! The published figures through the JSON API, for professionals' sessions and partner tools with
//! `indicators:read` (bounded by the territory their administrator gave them): the masked steering
//! publication of an area and period (the open-data document of `/pilotage/donnees-ouvertes`), the
//! territory diagnostic and its coverage by commune, and the fragility index of the communes. The
//! figures are the pages' own: the same computation, the same masking below the minimum cell size.

use crate::auth::reader::FiguresReader;
use crate::error::WebError;
use crate::pages::steering::Filters;
use crate::pages::steering_export::masked_publication_for;
use crate::pages::territory_diagnostic::{choose, diagnostic_tables, Choice};
use crate::pages::territory_index::index_table;
use aiguillage_domain::territory::TerritoryArea;
use aiguillage_interop::indicators_export::{check_masked, open_data};
use aiguillage_interop::spreadsheet::tables_json;
use aiguillage_service::territory_diagnostic::{diagnose, reference};
use axum::extract::Query;
use axum::Json;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::{IntoParams, OpenApi};

/// The figures endpoints' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(steering, territory_diagnostic, coverage, fragility_index))]
pub struct IndicatorsApiDoc;

/// The cut of the steering figures.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct SteeringQuery {
    /// First day, `AAAA-MM-JJ` (12 months back by default).
    du: Option<String>,
    /// Last day, `AAAA-MM-JJ` (today by default).
    au: Option<String>,
    /// A commune (code INSEE), an intercommunalité (SIREN) or a département inside the reader's
    /// territory; the whole territory by default.
    territoire: Option<String>,
    /// An audience's label, to cut by it.
    public: Option<String>,
    /// An age band's label.
    age: Option<String>,
    /// A typology's label.
    typologie: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/pilotage", tag = "pilotage", params(SteeringQuery),
    responses((status = 200, description = "Publication masquée des indicateurs standard (document de données ouvertes, docs/indicateurs.md) : toute valeur sous le seuil de secret est remplacée par « secret »"),
              (status = 400, description = "Filtre illisible (date, territoire hors périmètre) : rien n'est calculé"),
              (status = 401, description = "Connexion ou jeton requis"),
              (status = 403, description = "Jeton sans la portée indicators:read")))]
pub async fn steering(
    reader: FiguresReader,
    Query(query): Query<SteeringQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let filters = Filters {
        du: query.du,
        au: query.au,
        territoire: query.territoire,
        public: query.public,
        age: query.age,
        typologie: query.typologie,
    };
    let (publication, context, problems) = masked_publication_for(&reader, &filters).await?;
    if !problems.is_empty() {
        return Err(WebError::BadRequest(problems.join(" ")));
    }
    let internal = |e: &dyn std::fmt::Display| WebError::Internal(e.to_string());
    check_masked(&publication, context.seuil_secret).map_err(|e| internal(&e))?;
    let document = open_data(&publication, &context).map_err(|e| internal(&e))?;
    let json = serde_json::to_value(&document).map_err(|e| internal(&e))?;
    Ok(Json(json))
}

/// The territory read.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct AreaQuery {
    /// The name or code of a commune (49007), a département (49) or the SIREN of an
    /// intercommunalité; the reader's territory by default.
    territoire: Option<String>,
}

/// The area a query names, or the reader's territory; a precise French refusal otherwise.
fn area_of(reader: &FiguresReader, asked: Option<&str>) -> Result<TerritoryArea, WebError> {
    let asked = asked.map(str::trim).filter(|t| !t.is_empty());
    let Some(text) = asked else {
        return reader.territory.as_ref().map(TerritoryArea::from).ok_or_else(|| {
            WebError::BadRequest(
                "Précisez le territoire : le nom ou le code d'une commune (49007), d'un département (49) ou le SIREN d'une intercommunalité.".into(),
            )
        });
    };
    match choose(reference()?, text) {
        Choice::Area(area) => Ok(area),
        Choice::Unknown(problem) => Err(WebError::BadRequest(problem)),
        Choice::Several(found) => {
            let names: Vec<String> = found.iter().map(|(a, n)| format!("{n} ({a})")).collect();
            Err(WebError::BadRequest(format!(
                "Plusieurs territoires correspondent à « {text} » : {}. Indiquez son code.",
                names.join(", ")
            )))
        }
    }
}

#[utoipa::path(get, path = "/api/v1/territoire/diagnostic", tag = "territoire", params(AreaQuery),
    responses((status = 200, description = "Diagnostic territorial en tableaux : couverture par commune (temps de trajet par besoin, indice), modèles d'accompagnement, types d'aide, lieux ; chaque tableau avec ses colonnes décrites"),
              (status = 400, description = "Territoire inconnu ou ambigu"),
              (status = 401, description = "Connexion ou jeton requis")))]
pub async fn territory_diagnostic(
    reader: FiguresReader,
    Query(query): Query<AreaQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let area = area_of(&reader, query.territoire.as_deref())?;
    let diagnostic = diagnose(&reader.state.store, &area).await?;
    Ok(Json(tables_json(&diagnostic_tables(&diagnostic))))
}

#[utoipa::path(get, path = "/api/v1/territoire/couverture", tag = "territoire", params(AreaQuery),
    responses((status = 200, description = "Couverture par commune : population, indice de fragilité, temps de trajet modélisé jusqu'à l'offre la plus proche pour chaque besoin, modèles à portée"),
              (status = 400, description = "Territoire inconnu ou ambigu"),
              (status = 401, description = "Connexion ou jeton requis")))]
pub async fn coverage(
    reader: FiguresReader,
    Query(query): Query<AreaQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let area = area_of(&reader, query.territoire.as_deref())?;
    let diagnostic = diagnose(&reader.state.store, &area).await?;
    let tables = diagnostic_tables(&diagnostic);
    Ok(Json(tables_json(&tables[..1.min(tables.len())])))
}

#[utoipa::path(get, path = "/api/v1/territoire/indice", tag = "territoire",
    params(("methode" = Option<String>, Query, description = "`2023` (rangs, par défaut) ou `2021` (déciles)"),
           ("poids_INDICATEUR" = Option<f64>, Query, description = "Poids d'un indicateur (les indicateurs par défaut sans aucun poids)")),
    responses((status = 200, description = "Indice de fragilité numérique de chaque commune du territoire du lecteur (les plus fragiles d'abord) : score de chaque indicateur retenu, indice"),
              (status = 401, description = "Connexion ou jeton requis"),
              (status = 403, description = "Réservé aux coordinateurs et aux jetons indicators:read")))]
pub async fn fragility_index(
    reader: FiguresReader,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<serde_json::Value>, WebError> {
    let table = index_table(&reader.state.store, reader.territory.as_ref(), &query).await?;
    Ok(Json(tables_json(&[table])))
}
