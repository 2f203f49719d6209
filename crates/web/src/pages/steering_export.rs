//! Exports of the steering indicators: every table of the dashboard's cut as CSV or JSON (aggregates
//! only, masked), the open-data file of a coordinator's territory, and the activities of a structure
//! or a mediator in the CRA format of La Coop de la médiation numérique.

use crate::auth::Professional;
use crate::error::WebError;
use crate::pages::steering::{choose, Filters};
use aiguillage_domain::calendar::{date_of, iso_date};
use aiguillage_domain::indicators::{Area, Cut, Publication};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryArea;
use aiguillage_interop::cra::{write_cra_csv, write_cra_json, CraActivity};
use aiguillage_interop::csv_cell::write_safe_record;
use aiguillage_interop::indicators_export::{
    check_masked, write_json, write_table_csv, ExportContext, Periode, Territoire, Valeur,
};
use aiguillage_service::steering::masked_publication;
use aiguillage_store::{Account, PathwaySession};
use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(flatten)]
    filters: Filters,
    format: Option<String>,
    tableau: Option<String>,
}

fn attachment(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The masked publication of the viewer's cut, and what its files say about it.
async fn publication_of(
    me: &Professional,
    filters: &Filters,
) -> Result<(Publication, ExportContext), WebError> {
    let (state, now) = (&me.state, me.now());
    let chosen = choose(filters, &me.user, now);
    let loaded = state.indicators.get(&state.store, now).await?;
    let scope = &me.user.account.territory;
    let (targets, _) = state.store.territory_settings(scope).await?;
    let min_cell = state.settings.min_cell_size;
    let (dataset, cut) = (loaded.dataset.clone(), chosen.cut.clone());
    let publication = tokio::task::spawn_blocking(move || {
        masked_publication(&dataset, &cut, now, targets, min_cell)
    })
    .await
    .map_err(|error| WebError::Internal(error.to_string()))?
    .map_err(WebError::Internal)?;
    let context = ExportContext {
        territoire: territoire_of(&chosen.cut),
        periode: Periode {
            debut: Some(iso_date(date_of(chosen.from))),
            fin: Some(iso_date(date_of(chosen.to - 1))),
        },
        seuil_secret: min_cell,
        calcule_le: aiguillage_domain::calendar::rfc3339(now),
    };
    Ok((publication, context))
}

/// The territory (or structure) the cut covers, as the files name it.
fn territoire_of(cut: &Cut) -> Territoire {
    let Some(area) = &cut.area else {
        return match cut.structure {
            Some(structure) => Territoire {
                niveau: "structure".into(),
                code: Some(structure.to_string()),
                nom: None,
            },
            None => Territoire::national(),
        };
    };
    let (niveau, code, parsed) = match area {
        Area::Commune(c) => ("commune", c, TerritoryArea::Commune(c.clone())),
        Area::Epci(c) => ("epci", c, TerritoryArea::Epci(c.clone())),
        Area::Departement(c) => ("departement", c, TerritoryArea::Departement(c.clone())),
    };
    Territoire {
        niveau: niveau.into(),
        code: Some(code.clone()),
        nom: aiguillage_service::territory_diagnostic::reference()
            .ok()
            .and_then(|r| r.name_of(&parsed)),
    }
}

/// The publication in the JSON form of the export.
fn json_file(
    publication: &Publication,
    context: &ExportContext,
    name: &str,
) -> Result<Response, WebError> {
    let json = write_json(publication, context).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(attachment("application/json", name, json.into_bytes()))
}

/// One table of the publication as a CSV file.
fn table_file(publication: &Publication, id: &str) -> Result<Response, WebError> {
    let table = publication
        .tables
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| WebError::BadRequest(format!("tableau « {id} » inconnu")))?;
    let csv = write_table_csv(table).into_bytes();
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("{id}.csv"),
        csv,
    ))
}

/// Every table in one CSV, one line per value: `tableau, ligne, colonne, valeur`.
fn long_csv(publication: &Publication) -> Result<Vec<u8>, WebError> {
    let internal = |e: csv::Error| WebError::Internal(e.to_string());
    let mut writer = csv::Writer::from_writer(Vec::new());
    write_safe_record(&mut writer, ["tableau", "ligne", "colonne", "valeur"]).map_err(internal)?;
    for table in &publication.tables {
        for row in &table.rows {
            for (column, cell) in table.columns.iter().zip(&row.cells) {
                let value = Valeur::of(cell).csv();
                write_safe_record(&mut writer, [table.id, &row.label, column, &value])
                    .map_err(internal)?;
            }
        }
    }
    writer
        .into_inner()
        .map_err(|e| WebError::Internal(e.to_string()))
}

/// `GET /pilotage/export?format=csv|json[&tableau=ID]`: aggregates only, masked.
pub async fn export(
    me: Professional,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let (publication, context) = publication_of(&me, &query.filters).await?;
    check_masked(&publication, context.seuil_secret)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    if let Some(id) = query.tableau.as_deref().filter(|t| !t.is_empty()) {
        return table_file(&publication, id);
    }
    match query.format.as_deref() {
        Some("json") => json_file(&publication, &context, "indicateurs.json"),
        _ => Ok(attachment(
            "text/csv; charset=utf-8",
            "indicateurs.csv",
            long_csv(&publication)?,
        )),
    }
}

/// `GET /pilotage/donnees-ouvertes`: the territory's aggregate indicators as open data
/// (docs/donnees-ouvertes.md).
pub async fn open_data(
    me: Professional,
    Query(filters): Query<Filters>,
) -> Result<Response, WebError> {
    let (publication, context) = publication_of(&me, &filters).await?;
    let name = format!(
        "indicateurs-{}-{}.json",
        context.territoire.code.clone().unwrap_or_default(),
        context.periode.fin.clone().unwrap_or_default()
    );
    json_file(&publication, &context, &name)
}

/// `GET /pilotage/activites-cra?format=csv|json`: the sessions of the structure (a manager) or of the
/// mediator, in the CRA format, over the chosen period (notes never exported).
pub async fn cra(me: Professional, Query(query): Query<ExportQuery>) -> Result<Response, WebError> {
    let now = me.now();
    let chosen = choose(&query.filters, &me.user, now);
    let (from, to) = (date_of(chosen.from), date_of(chosen.to - 1));
    let store = &me.state.store;
    let sessions = store
        .sessions_of_structure(&me.actor(), (from, to), now)
        .await?;
    let activities = own_activities(&sessions, &me.user.account);
    let name = format!("activites-cra-{}-{}", iso_date(from), iso_date(to));
    Ok(cra_file(&name, query.format.as_deref(), &activities))
}

/// The sessions as CRA activities: the structure's for a manager, their own for a mediator.
fn own_activities(sessions: &[PathwaySession], account: &Account) -> Vec<CraActivity> {
    sessions
        .iter()
        .filter(|s| account.role != Role::Mediator || s.account_id == Some(account.id))
        .map(|s| s.cra_activity())
        .collect()
}

/// The activities as a CRA file, JSON or CSV.
fn cra_file(name: &str, format: Option<&str>, activities: &[CraActivity]) -> Response {
    match format {
        Some("json") => {
            let json = write_cra_json(activities).to_string().into_bytes();
            attachment("application/json", &format!("{name}.json"), json)
        }
        _ => {
            let csv = write_cra_csv(activities).into_bytes();
            attachment("text/csv; charset=utf-8", &format!("{name}.csv"), csv)
        }
    }
}
