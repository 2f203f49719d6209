//! Territory reference data: the idempotent import of régions, départements, EPCI and communes, and
//! the lookups the rest of the product needs (counts, commune search, names of a scope).

use crate::{Backend, Store, StoreError};
use aiguillage_domain::territory::{search_key, Commune, TerritoryScope};
use aiguillage_interop::territory::TerritoryData;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Rows per multi-row INSERT: well under both backends' limits on bound parameters.
const INSERT_BATCH_ROWS: usize = 200;

/// What the import did to one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableReport {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl TableReport {
    pub fn changed(&self) -> u64 {
        self.inserted + self.updated
    }
}

/// What the import did, table by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TerritoryImportReport {
    pub regions: TableReport,
    pub departements: TableReport,
    pub epcis: TableReport,
    pub communes: TableReport,
}

impl TerritoryImportReport {
    pub fn changed(&self) -> u64 {
        [self.regions, self.departements, self.epcis, self.communes]
            .iter()
            .map(TableReport::changed)
            .sum()
    }
}

/// Progress of a long import: which table, how many rows handled out of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    pub table: &'static str,
    pub done: u64,
    pub total: u64,
}

/// How many rows of each kind are stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TerritoryCounts {
    pub regions: i64,
    pub regions_overseas_collectivities: i64,
    pub departements: i64,
    pub departements_overseas_collectivities: i64,
    pub epcis: i64,
    pub communes: i64,
    pub municipal_arrondissements: i64,
}

/// A commune as listed in search results.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CommuneSummary {
    pub code: String,
    pub name: String,
    pub departement_code: String,
    pub epci_name: Option<String>,
    pub population: Option<i64>,
    pub postal_codes: Vec<String>,
}

/// A column value as the import compares and binds it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    OptText(Option<String>),
    OptInt(Option<i64>),
    OptReal(Option<f64>),
}

#[derive(Clone, Copy)]
enum CellKind {
    Text,
    OptText,
    OptInt,
    OptReal,
}

/// One table of the import: its name and columns (the first is the key).
struct TableSpec {
    name: &'static str,
    columns: &'static [(&'static str, CellKind)],
}

const REGIONS: TableSpec = TableSpec {
    name: "regions",
    columns: &[
        ("code", CellKind::Text),
        ("name", CellKind::Text),
        ("zone", CellKind::Text),
    ],
};
const DEPARTEMENTS: TableSpec = TableSpec {
    name: "departements",
    columns: &[
        ("code", CellKind::Text),
        ("name", CellKind::Text),
        ("region_code", CellKind::Text),
        ("zone", CellKind::Text),
    ],
};
const EPCIS: TableSpec = TableSpec {
    name: "epcis",
    columns: &[
        ("code", CellKind::Text),
        ("name", CellKind::Text),
        ("kind", CellKind::Text),
        ("population", CellKind::OptInt),
    ],
};
const COMMUNES: TableSpec = TableSpec {
    name: "communes",
    columns: &[
        ("code", CellKind::Text),
        ("name", CellKind::Text),
        ("kind", CellKind::Text),
        ("departement_code", CellKind::Text),
        ("region_code", CellKind::Text),
        ("epci_code", CellKind::OptText),
        ("population", CellKind::OptInt),
        ("postal_codes", CellKind::Text),
        ("longitude", CellKind::OptReal),
        ("latitude", CellKind::OptReal),
        ("search_name", CellKind::Text),
    ],
};

fn commune_cells(commune: &Commune) -> Vec<Cell> {
    vec![
        Cell::Text(commune.code.clone()),
        Cell::Text(commune.name.clone()),
        Cell::Text(commune.kind.code().to_owned()),
        Cell::Text(commune.departement_code.clone()),
        Cell::Text(commune.region_code.clone()),
        Cell::OptText(commune.epci_code.clone()),
        Cell::OptInt(commune.population),
        Cell::Text(commune.postal_codes.join("|")),
        Cell::OptReal(commune.longitude),
        Cell::OptReal(commune.latitude),
        Cell::Text(search_key(&commune.name)),
    ]
}

fn rows_of(data: &TerritoryData) -> [(TableSpec, Vec<Vec<Cell>>); 4] {
    let text = |s: &str| Cell::Text(s.to_owned());
    [
        (
            REGIONS,
            data.regions
                .iter()
                .map(|r| vec![text(&r.code), text(&r.name), text(r.zone.code())])
                .collect(),
        ),
        (
            DEPARTEMENTS,
            data.departements
                .iter()
                .map(|d| {
                    vec![
                        text(&d.code),
                        text(&d.name),
                        text(&d.region_code),
                        text(d.zone.code()),
                    ]
                })
                .collect(),
        ),
        (
            EPCIS,
            data.epcis
                .iter()
                .map(|e| {
                    vec![
                        text(&e.code),
                        text(&e.name),
                        text(&e.kind),
                        Cell::OptInt(e.population),
                    ]
                })
                .collect(),
        ),
        (COMMUNES, data.communes.iter().map(commune_cells).collect()),
    ]
}

impl Store {
    /// Loads or refreshes the territory reference data in one transaction; rows already up to date are
    /// left untouched, so a second run with the same data changes nothing.
    pub async fn import_territory(
        &self,
        data: &TerritoryData,
        progress: &(dyn Fn(ImportProgress) + Sync),
    ) -> Result<TerritoryImportReport, StoreError> {
        let mut transaction = self.begin_write().await?;
        let mut reports = [TableReport::default(); 4];
        for (report, (spec, rows)) in reports.iter_mut().zip(rows_of(data)) {
            let table = (self.backend, &spec);
            *report = sync_table(&mut transaction, table, &rows, progress).await?;
        }
        transaction.commit().await?;
        let [regions, departements, epcis, communes] = reports;
        Ok(TerritoryImportReport {
            regions,
            departements,
            epcis,
            communes,
        })
    }

    /// How many territory rows are stored, overseas collectivities and arrondissements apart.
    pub async fn territory_counts(&self) -> Result<TerritoryCounts, StoreError> {
        let row = sqlx::query(
            "SELECT
               (SELECT COUNT(*) FROM regions WHERE zone <> 'com') AS regions,
               (SELECT COUNT(*) FROM regions WHERE zone = 'com') AS regions_com,
               (SELECT COUNT(*) FROM departements WHERE zone <> 'com') AS departements,
               (SELECT COUNT(*) FROM departements WHERE zone = 'com') AS departements_com,
               (SELECT COUNT(*) FROM epcis) AS epcis,
               (SELECT COUNT(*) FROM communes WHERE kind = 'commune') AS communes,
               (SELECT COUNT(*) FROM communes WHERE kind = 'arrondissement') AS arrondissements",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(TerritoryCounts {
            regions: row.try_get("regions")?,
            regions_overseas_collectivities: row.try_get("regions_com")?,
            departements: row.try_get("departements")?,
            departements_overseas_collectivities: row.try_get("departements_com")?,
            epcis: row.try_get("epcis")?,
            communes: row.try_get("communes")?,
            municipal_arrondissements: row.try_get("arrondissements")?,
        })
    }

    /// Communes whose name starts with the query (accents and hyphens ignored) or whose postal code
    /// starts with it, most populated first.
    pub async fn search_communes(
        &self,
        query: &str,
        limit: i64,
    ) -> Result<Vec<CommuneSummary>, StoreError> {
        let key = search_key(query);
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let is_postal = key.bytes().all(|b| b.is_ascii_digit());
        // A name is looked up by its prefix: on SQLite as a range of the `communes_search_name`
        // index too (its LIKE is case-insensitive, hence not indexed), so that a search reads the
        // few matching communes, not all 35 000; a postal code is a part of `postal_codes`.
        let condition = match (self.backend(), is_postal) {
            (_, true) => "(c.search_name LIKE $1 OR c.postal_codes LIKE $2)",
            (crate::Backend::Sqlite, false) => {
                "c.search_name LIKE $1 AND c.search_name >= $2 AND c.search_name < $3"
            }
            (crate::Backend::Postgres, false) => "c.search_name LIKE $1",
        };
        let sql = format!(
            "SELECT c.code, c.name, c.departement_code, e.name AS epci_name, c.population, c.postal_codes
             FROM communes c LEFT JOIN epcis e ON e.code = c.epci_code
             WHERE c.kind = 'commune' AND {condition}
             ORDER BY c.population DESC, c.name LIMIT {}",
            limit.max(0)
        );
        let mut query = sqlx::query(&sql).bind(format!("{key}%"));
        query = match (self.backend(), is_postal) {
            (_, true) => query.bind(format!("%{key}%")),
            (crate::Backend::Sqlite, false) => {
                query.bind(key.clone()).bind(format!("{key}{}", char::MAX))
            }
            (crate::Backend::Postgres, false) => query,
        };
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(commune_summary).collect()
    }

    /// The communes of a territory scope (an EPCI or a département), by name.
    pub async fn communes_in(
        &self,
        scope: &TerritoryScope,
    ) -> Result<Vec<CommuneSummary>, StoreError> {
        let column = match scope {
            TerritoryScope::Epci(_) => "c.epci_code",
            TerritoryScope::Departement(_) => "c.departement_code",
        };
        let sql = format!(
            "SELECT c.code, c.name, c.departement_code, e.name AS epci_name, c.population, c.postal_codes
             FROM communes c LEFT JOIN epcis e ON e.code = c.epci_code
             WHERE {column} = $1 AND c.kind = 'commune' ORDER BY c.name"
        );
        let rows = sqlx::query(&sql)
            .bind(scope.code())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(commune_summary).collect()
    }

    /// The name of a commune, if the code exists.
    pub async fn commune_name(&self, code: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT name FROM communes WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("name")).transpose()?)
    }

    /// The name of a territory scope (an EPCI or a département), if it exists.
    pub async fn territory_name(
        &self,
        scope: &TerritoryScope,
    ) -> Result<Option<String>, StoreError> {
        let sql = match scope {
            TerritoryScope::Epci(_) => "SELECT name FROM epcis WHERE code = $1",
            TerritoryScope::Departement(_) => "SELECT name FROM departements WHERE code = $1",
        };
        let row = sqlx::query(sql)
            .bind(scope.code())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("name")).transpose()?)
    }
}

fn commune_summary(row: &AnyRow) -> Result<CommuneSummary, StoreError> {
    let postal_codes: String = row.try_get("postal_codes")?;
    Ok(CommuneSummary {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        departement_code: row.try_get("departement_code")?,
        epci_name: row.try_get("epci_name")?,
        population: row.try_get("population")?,
        postal_codes: postal_codes
            .split('|')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// Brings one table in line with `rows`: inserts the new keys, updates the changed rows, counts the rest.
async fn sync_table(
    connection: &mut AnyConnection,
    (backend, spec): (Backend, &TableSpec),
    rows: &[Vec<Cell>],
    progress: &(dyn Fn(ImportProgress) + Sync),
) -> Result<TableReport, StoreError> {
    let existing = read_table(connection, spec).await?;
    let total = rows.len() as u64;
    let mut report = TableReport::default();
    let mut to_insert: Vec<&Vec<Cell>> = Vec::new();
    for row in rows {
        match existing.get(&key_of(row)) {
            None => to_insert.push(row),
            Some(stored) if stored == row => report.unchanged += 1,
            Some(_) => {
                update_row(connection, spec, row).await?;
                report.updated += 1;
            }
        }
    }
    progress(ImportProgress {
        table: spec.name,
        done: report.unchanged + report.updated,
        total,
    });
    for batch in to_insert.chunks(INSERT_BATCH_ROWS) {
        insert_rows(connection, (backend, spec), batch).await?;
        report.inserted += batch.len() as u64;
        progress(ImportProgress {
            table: spec.name,
            done: report.unchanged + report.updated + report.inserted,
            total,
        });
    }
    Ok(report)
}

fn key_of(row: &[Cell]) -> String {
    match &row[0] {
        Cell::Text(key) => key.clone(),
        other => format!("{other:?}"),
    }
}

async fn read_table(
    connection: &mut AnyConnection,
    spec: &TableSpec,
) -> Result<HashMap<String, Vec<Cell>>, StoreError> {
    let names: Vec<&str> = spec.columns.iter().map(|(name, _)| *name).collect();
    let sql = format!("SELECT {} FROM {}", names.join(", "), spec.name);
    let rows = sqlx::query(&sql).fetch_all(&mut *connection).await?;
    let mut table = HashMap::with_capacity(rows.len());
    for row in &rows {
        let cells = spec
            .columns
            .iter()
            .enumerate()
            .map(|(index, (_, kind))| read_cell(row, index, *kind))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        table.insert(key_of(&cells), cells);
    }
    Ok(table)
}

fn read_cell(row: &AnyRow, index: usize, kind: CellKind) -> Result<Cell, sqlx::Error> {
    Ok(match kind {
        CellKind::Text => Cell::Text(row.try_get(index)?),
        CellKind::OptText => Cell::OptText(row.try_get(index)?),
        CellKind::OptInt => Cell::OptInt(row.try_get(index)?),
        CellKind::OptReal => Cell::OptReal(row.try_get(index)?),
    })
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_cell<'q>(query: AnyQuery<'q>, cell: &Cell) -> AnyQuery<'q> {
    match cell.clone() {
        Cell::Text(value) => query.bind(value),
        Cell::OptText(value) => query.bind(value),
        Cell::OptInt(value) => query.bind(value),
        Cell::OptReal(value) => query.bind(value),
    }
}

/// Inserts a batch of rows in one statement, with anonymous parameters on SQLite (sqlx binds them
/// without looking each name up along the statement's list: see `bulk::max_params`).
async fn insert_rows(
    connection: &mut AnyConnection,
    (backend, spec): (Backend, &TableSpec),
    rows: &[&Vec<Cell>],
) -> Result<(), StoreError> {
    let width = spec.columns.len();
    let names: Vec<&str> = spec.columns.iter().map(|(name, _)| *name).collect();
    let tuples: Vec<String> = (0..rows.len())
        .map(|row| {
            let params: Vec<String> = (1..=width)
                .map(|col| match backend {
                    Backend::Sqlite => "?".to_owned(),
                    Backend::Postgres => format!("${}", row * width + col),
                })
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        spec.name,
        names.join(", "),
        tuples.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for cell in rows.iter().flat_map(|row| row.iter()) {
        query = bind_cell(query, cell);
    }
    query.execute(&mut *connection).await?;
    Ok(())
}

async fn update_row(
    connection: &mut AnyConnection,
    spec: &TableSpec,
    row: &[Cell],
) -> Result<(), StoreError> {
    let assignments: Vec<String> = spec.columns[1..]
        .iter()
        .enumerate()
        .map(|(index, (name, _))| format!("{name} = ${}", index + 2))
        .collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE {} = $1",
        spec.name,
        assignments.join(", "),
        spec.columns[0].0
    );
    let mut query = sqlx::query(&sql);
    for cell in row {
        query = bind_cell(query, cell);
    }
    query.execute(&mut *connection).await?;
    Ok(())
}
