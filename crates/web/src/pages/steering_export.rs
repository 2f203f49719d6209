//! Exports of the steering indicators: every table of the dashboard's cut as CSV, Excel or JSON
//! (aggregates only, masked), the open-data file of a coordinator's territory, and the activities of
//! a structure or a mediator in the CRA format of La Coop de la médiation numérique (CSV, Excel or
//! JSON). CSV and Excel go through `download` (byte order mark, `;` option, typed cells).

use crate::auth::reader::{FiguresReader, SteeringBounds};
use crate::auth::Professional;
use crate::error::WebError;
use crate::pages::download::{attachment, tables_download, unknown_format, TableFormat};
use crate::pages::steering::{choose, Filters};
use aiguillage_domain::calendar::{date_of, iso_date};
use aiguillage_domain::indicators::{Area, Cut, Publication};
use aiguillage_domain::orientation::TargetDelays;
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryArea;
use aiguillage_interop::cra::{spreadsheet_table, write_cra_json, CraActivity};
use aiguillage_interop::indicators_export::{
    check_masked, spreadsheet_tables, write_json, ExportContext, Periode, Territoire, Valeur,
};
use aiguillage_interop::spreadsheet::{Column, Table, Value};
use aiguillage_service::steering::masked_publication;
use aiguillage_store::{Account, PathwaySession};
use axum::extract::Query;
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(flatten)]
    filters: Filters,
    format: Option<String>,
    tableau: Option<String>,
    separateur: Option<String>,
}

impl ExportQuery {
    /// The table format asked for (CSV by default), or `None` for JSON.
    fn table_format(&self) -> Result<Option<TableFormat>, WebError> {
        if self.format.as_deref() == Some("json") {
            return Ok(None);
        }
        TableFormat::from_query(self.format.as_deref(), self.separateur.as_deref())
            .map(Some)
            .ok_or_else(|| unknown_format(self.format.as_deref()))
    }
}

/// The masked publication of the viewer's cut, and what its files say about it.
async fn publication_of(
    me: &Professional,
    filters: &Filters,
) -> Result<(Publication, ExportContext), WebError> {
    let reader = FiguresReader {
        state: me.state.clone(),
        steering: SteeringBounds::of(&me.user.account),
        territory: Some(me.user.account.territory.clone()),
    };
    let (publication, context, _) = masked_publication_for(&reader, filters).await?;
    Ok((publication, context))
}

/// The masked publication of a reader's cut, what its files say about it, and what could not be
/// read in the filters (left at their defaults).
pub async fn masked_publication_for(
    reader: &FiguresReader,
    filters: &Filters,
) -> Result<(Publication, ExportContext, Vec<String>), WebError> {
    let state = &reader.state;
    let now = state.now();
    let chosen = choose(filters, &reader.steering, now);
    let loaded = state.indicators.get(&state.store, now).await?;
    let targets = match &reader.territory {
        Some(scope) => state.store.territory_settings(scope).await?.0,
        None => TargetDelays::default(),
    };
    let min_cell = aiguillage_service::instance::min_cell_size(state).await?;
    let (dataset, cut) = (loaded.dataset.clone(), chosen.cut.clone());
    let mut publication = tokio::task::spawn_blocking(move || {
        masked_publication(&dataset, &cut, now, targets, min_cell)
    })
    .await
    .map_err(|error| WebError::Internal(error.to_string()))?
    .map_err(WebError::Internal)?;
    crate::pages::steering_names::name_rows(&state.store, &mut publication).await?;
    let context = ExportContext {
        territoire: territoire_of(&chosen.cut),
        periode: Periode {
            debut: Some(iso_date(date_of(chosen.from))),
            fin: Some(iso_date(date_of(chosen.to - 1))),
        },
        seuil_secret: min_cell,
        calcule_le: aiguillage_domain::calendar::rfc3339(now),
    };
    Ok((publication, context, chosen.problems))
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

/// Every table in one, one line per value: `tableau, ligne, colonne, valeur`.
pub(crate) fn long_table(publication: &Publication) -> Table {
    let mut rows = Vec::new();
    for table in &publication.tables {
        for row in &table.rows {
            for (column, cell) in table.columns.iter().zip(&row.cells) {
                let value = match Valeur::of(cell) {
                    Valeur::Nombre(n) => Value::Integer(i64::try_from(n).unwrap_or(i64::MAX)),
                    Valeur::Decimal(x) => Value::Decimal(x),
                    Valeur::Vide => Value::Empty,
                    secret @ Valeur::Secret => Value::text(secret.csv()),
                };
                rows.push(vec![
                    Value::text(table.id),
                    Value::text(row.label.clone()),
                    Value::text(column.clone()),
                    value,
                ]);
            }
        }
    }
    Table {
        sheet: "indicateurs".into(),
        title: "Tous les indicateurs".into(),
        columns: vec![
            Column::new("tableau", "Identifiant du tableau (docs/indicateurs.md)"),
            Column::new("ligne", "Ligne du tableau"),
            Column::new("colonne", "Colonne du tableau"),
            Column::new(
                "valeur",
                "Valeur ; « secret » : masquée par le secret statistique",
            ),
        ],
        rows,
    }
}

/// `GET /pilotage/export?format=csv|json[&tableau=ID]`: aggregates only, masked.
pub async fn export(
    me: Professional,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let (publication, context) = publication_of(&me, &query.filters).await?;
    check_masked(&publication, context.seuil_secret)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let Some(format) = query.table_format()? else {
        return json_file(&publication, &context, "indicateurs.json");
    };
    let tables = spreadsheet_tables(&publication, context.seuil_secret);
    if let Some(id) = query.tableau.as_deref().filter(|t| !t.is_empty()) {
        let table: Vec<Table> = tables.into_iter().filter(|t| t.sheet == id).collect();
        if table.is_empty() {
            return Err(WebError::BadRequest(format!("tableau « {id} » inconnu")));
        }
        return tables_download(id, &table, format);
    }
    match format {
        TableFormat::Xlsx => tables_download("indicateurs", &tables, format),
        TableFormat::Csv(_) => tables_download("indicateurs", &[long_table(&publication)], format),
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
    let chosen = choose(&query.filters, &SteeringBounds::of(&me.user.account), now);
    let (from, to) = (date_of(chosen.from), date_of(chosen.to - 1));
    let store = &me.state.store;
    let sessions = store
        .sessions_of_structure(&me.actor(), (from, to), now)
        .await?;
    let activities = own_activities(&sessions, &me.user.account);
    let name = format!("activites-cra-{}-{}", iso_date(from), iso_date(to));
    match query.table_format()? {
        None => {
            let json = write_cra_json(&activities).to_string().into_bytes();
            Ok(attachment(
                "application/json",
                &format!("{name}.json"),
                json,
            ))
        }
        Some(format) => tables_download(&name, &[spreadsheet_table(&activities)], format),
    }
}

/// The sessions as CRA activities: the structure's for a manager, their own for a mediator.
fn own_activities(sessions: &[PathwaySession], account: &Account) -> Vec<CraActivity> {
    sessions
        .iter()
        .filter(|s| account.role != Role::Mediator || s.account_id == Some(account.id))
        .map(|s| s.cra_activity())
        .collect()
}
