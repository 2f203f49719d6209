//! The steering indicators as files: a masked [`Publication`] written as CSV (one file per table)
//! or as one open-data JSON document (docs/donnees-ouvertes.md describes every field), and that JSON
//! read back. The command line and the web pages write with these same functions, so a file is the
//! same wherever it comes from.
//!
//! Only masked publications may be written: a count between 1 and k − 1 is refused
//! ([`ExportError::SmallCell`]) — a last guard, the masking itself being the domain's
//! (`indicators::mask`, primary and secondary). Masked cells are written `secret` whatever the
//! reason they were masked; rates as percentages and durations in days, both with one decimal (the
//! exact numerators and denominators stay inside).

use aiguillage_domain::indicators::{Cell, IndicatorTable, Publication};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The licence every open-data file is published under.
pub const LICENCE: &str = "Licence Ouverte 2.0";
/// The version of the JSON schema (docs/donnees-ouvertes.md); changed with any incompatible change.
pub const SCHEMA_VERSION: &str = "1";
/// How a masked cell is written.
pub const SECRET: &str = "secret";

/// The territory a publication covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Territoire {
    /// `national`, `departement`, `epci` or `commune`.
    pub niveau: String,
    /// Code of the département, SIREN of the EPCI, INSEE code of the commune; absent for the nation.
    pub code: Option<String>,
    /// Its name, when known.
    pub nom: Option<String>,
}

impl Territoire {
    pub fn national() -> Territoire {
        Territoire {
            niveau: "national".into(),
            code: None,
            nom: Some("France entière".into()),
        }
    }
}

/// The period, first and last days included (`AAAA-MM-JJ`); an absent end is open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Periode {
    pub debut: Option<String>,
    pub fin: Option<String>,
}

/// What a publication's files say about it besides its tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportContext {
    pub territoire: Territoire,
    pub periode: Periode,
    /// The minimum cell size k the publication was masked with.
    pub seuil_secret: u64,
    /// When the figures were computed (ISO 8601, UTC).
    pub calcule_le: String,
}

/// One value of a table as published.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Valeur {
    /// A count of people or events, or a quantity (places): an integer.
    Nombre(u64),
    /// A rate in percent or a duration in days, rounded to one decimal.
    Decimal(f64),
    /// Nothing to show (a rate over zero, a median over nobody): `null`.
    Vide,
    /// Masked by statistical secrecy: `"secret"`.
    Secret,
}

fn one_decimal(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

impl Valeur {
    /// The published value of a cell.
    pub fn of(cell: &Cell) -> Valeur {
        match cell {
            Cell::Count { value } | Cell::Amount { value } => Valeur::Nombre(*value),
            Cell::Rate { .. } => cell
                .percent()
                .map_or(Valeur::Vide, |p| Valeur::Decimal(one_decimal(p))),
            Cell::Duration { .. } => cell
                .days()
                .map_or(Valeur::Vide, |d| Valeur::Decimal(one_decimal(d))),
            Cell::Empty => Valeur::Vide,
            Cell::Masked => Valeur::Secret,
        }
    }

    /// As a CSV field: the integer, the decimal with a point and one decimal, empty, or `secret`.
    pub fn csv(&self) -> String {
        match self {
            Valeur::Nombre(n) => n.to_string(),
            Valeur::Decimal(x) => format!("{x:.1}"),
            Valeur::Vide => String::new(),
            Valeur::Secret => SECRET.to_owned(),
        }
    }
}

impl Serialize for Valeur {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Valeur::Nombre(n) => serializer.serialize_u64(*n),
            Valeur::Decimal(x) => serializer.serialize_f64(*x),
            Valeur::Vide => serializer.serialize_none(),
            Valeur::Secret => serializer.serialize_str(SECRET),
        }
    }
}

impl<'de> Deserialize<'de> for Valeur {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Valeur, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Null => Ok(Valeur::Vide),
            serde_json::Value::String(text) if text == SECRET => Ok(Valeur::Secret),
            serde_json::Value::Number(number) => match (number.as_u64(), number.as_f64()) {
                (Some(n), _) if !number.is_f64() => Ok(Valeur::Nombre(n)),
                (_, Some(x)) => Ok(Valeur::Decimal(x)),
                _ => Err(D::Error::custom(format!("nombre illisible : {number}"))),
            },
            other => Err(D::Error::custom(format!(
                "valeur inattendue : {other} (attendu un nombre, null ou \"secret\")"
            ))),
        }
    }
}

/// One row of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ligne {
    /// Stable key (a code, an identifier, a label).
    pub cle: String,
    pub libelle: String,
    /// One value per column.
    pub valeurs: Vec<Valeur>,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tableau {
    /// Stable identifier (`entonnoir`, `delais`…).
    pub id: String,
    pub titre: String,
    pub colonnes: Vec<String>,
    pub lignes: Vec<Ligne>,
}

/// The open-data document: every table of a masked publication and what it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DonneesOuvertes {
    pub version_schema: String,
    pub licence: String,
    pub territoire: Territoire,
    pub periode: Periode,
    pub seuil_secret: u64,
    pub calcule_le: String,
    pub tableaux: Vec<Tableau>,
}

/// Why a publication cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("Le tableau « {table} », ligne « {row} », contient un effectif de {value}, sous le seuil de {min_cell} : la publication n'est pas masquée.")]
    SmallCell {
        table: String,
        row: String,
        value: u64,
        min_cell: u64,
    },
    #[error("Le document de données ouvertes n'a pas pu être écrit : {0}")]
    Serialise(String),
}

/// Checks that no published count is between 1 and k − 1.
pub fn check_masked(publication: &Publication, min_cell: u64) -> Result<(), ExportError> {
    for table in &publication.tables {
        for row in &table.rows {
            for cell in &row.cells {
                if let Cell::Count { value } = cell {
                    if *value > 0 && *value < min_cell {
                        return Err(ExportError::SmallCell {
                            table: table.id.to_owned(),
                            row: row.label.clone(),
                            value: *value,
                            min_cell,
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

/// A table as published.
pub fn tableau(table: &IndicatorTable) -> Tableau {
    Tableau {
        id: table.id.to_owned(),
        titre: table.title.clone(),
        colonnes: table.columns.clone(),
        lignes: table
            .rows
            .iter()
            .map(|row| Ligne {
                cle: row.key.clone(),
                libelle: row.label.clone(),
                valeurs: row.cells.iter().map(Valeur::of).collect(),
            })
            .collect(),
    }
}

/// The open-data document of a masked publication.
pub fn open_data(
    publication: &Publication,
    context: &ExportContext,
) -> Result<DonneesOuvertes, ExportError> {
    check_masked(publication, context.seuil_secret)?;
    Ok(DonneesOuvertes {
        version_schema: SCHEMA_VERSION.into(),
        licence: LICENCE.into(),
        territoire: context.territoire.clone(),
        periode: context.periode.clone(),
        seuil_secret: context.seuil_secret,
        calcule_le: context.calcule_le.clone(),
        tableaux: publication.tables.iter().map(tableau).collect(),
    })
}

/// The open-data document as JSON (indented, UTF-8).
pub fn write_json(
    publication: &Publication,
    context: &ExportContext,
) -> Result<String, ExportError> {
    let document = open_data(publication, context)?;
    serde_json::to_string_pretty(&document)
        .map_err(|error| ExportError::Serialise(error.to_string()))
}

/// Reads an open-data document back.
pub fn read_json(text: &str) -> Result<DonneesOuvertes, serde_json::Error> {
    serde_json::from_str(text)
}

/// One table as CSV (comma-separated, UTF-8): a header `ligne` then the table's columns, then one
/// line per row, its label first.
pub fn write_table_csv(table: &IndicatorTable) -> String {
    let header: Vec<String> = std::iter::once("ligne".to_owned())
        .chain(table.columns.iter().cloned())
        .collect();
    let rows = table.rows.iter().map(|row| {
        std::iter::once(row.label.clone())
            .chain(row.cells.iter().map(|cell| Valeur::of(cell).csv()))
            .collect::<Vec<String>>()
    });
    crate::csv_cell::safe_csv(std::iter::once(header).chain(rows))
}

/// Every table of a masked publication as CSV: `(file name, content)`, the file named `<id>.csv`.
pub fn write_csv_files(
    publication: &Publication,
    min_cell: u64,
) -> Result<Vec<(String, String)>, ExportError> {
    check_masked(publication, min_cell)?;
    Ok(publication
        .tables
        .iter()
        .map(|table| (format!("{}.csv", table.id), write_table_csv(table)))
        .collect())
}

/// Every table of a masked publication as spreadsheet tables (one sheet each, named by its id):
/// counts as integers, rates and durations as decimals, masked cells as the text `secret`.
pub fn spreadsheet_tables(
    publication: &Publication,
    min_cell: u64,
) -> Vec<crate::spreadsheet::Table> {
    use crate::spreadsheet::{Column, Table, Value};
    publication
        .tables
        .iter()
        .map(|table| {
            let columns = std::iter::once(Column::new("ligne", format!("Ligne du tableau « {} »", table.title)))
                .chain(table.columns.iter().map(|column| {
                    Column::new(
                        column.clone(),
                        format!(
                            "{column} ({}) ; « {SECRET} » : valeur masquée, moins de {min_cell} personnes ou déductible d'une autre",
                            table.title
                        ),
                    )
                }))
                .collect();
            let rows = table
                .rows
                .iter()
                .map(|row| {
                    std::iter::once(Value::text(row.label.clone()))
                        .chain(row.cells.iter().map(|cell| match Valeur::of(cell) {
                            Valeur::Nombre(n) => Value::Integer(i64::try_from(n).unwrap_or(i64::MAX)),
                            Valeur::Decimal(x) => Value::Decimal(x),
                            Valeur::Vide => Value::Empty,
                            Valeur::Secret => Value::text(SECRET),
                        }))
                        .collect()
                })
                .collect();
            Table {
                sheet: table.id.to_owned(),
                title: table.title.clone(),
                columns,
                rows,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiguillage_domain::indicators::{mask, CellRef, Row};

    /// Refusals by reason: 4, 15 and 0 with their total 19 — the 4 is masked, and with it the
    /// smallest other part (15) so that subtraction cannot give it back.
    fn publication() -> Publication {
        let mut table =
            IndicatorTable::new("refus", "Refus par motif", &["Refus", "Part des refus"]);
        for (index, (key, count)) in [("a", 4), ("b", 15), ("c", 0)].into_iter().enumerate() {
            table.rows.push(Row::new(
                key,
                format!("Motif {key}"),
                vec![
                    Cell::count(count),
                    Cell::rate(count, 19, vec![CellRef::new(index, 0), CellRef::new(3, 0)]),
                ],
            ));
        }
        table.rows.push(Row::new(
            "total",
            "Ensemble, « avec des guillemets », et des virgules",
            vec![Cell::count(19), Cell::Empty],
        ));
        table.add_column_sum(0, 3, &[0, 1, 2]);
        let mut delays = IndicatorTable::new("delais", "Délais", &["Personnes", "Médiane"]);
        delays.rows.push(Row::new(
            "envoi",
            "Envoi",
            vec![
                Cell::count(25),
                Cell::duration(Some(3 * 86_400 + 43_200), vec![CellRef::new(0, 0)]),
            ],
        ));
        delays.rows.push(Row::new(
            "places",
            "Places",
            vec![Cell::amount(3), Cell::rate(2, 3, vec![])],
        ));
        let mut publication = Publication::default();
        publication.push(table);
        publication.push(delays);
        publication
    }

    fn context() -> ExportContext {
        ExportContext {
            territoire: Territoire {
                niveau: "departement".into(),
                code: Some("49".into()),
                nom: Some("Maine-et-Loire".into()),
            },
            periode: Periode {
                debut: Some("2026-01-01".into()),
                fin: Some("2026-12-31".into()),
            },
            seuil_secret: 11,
            calcule_le: "2027-01-02T08:00:00Z".into(),
        }
    }

    fn masked() -> Publication {
        let mut publication = publication();
        mask(&mut publication, 11).expect("mask");
        publication
    }

    #[test]
    fn a_label_read_as_a_formula_is_quoted_and_numbers_are_kept() {
        let mut table = IndicatorTable::new("t", "T", &["Écart"]);
        table
            .rows
            .push(Row::new("f", "=1+1", vec![Cell::count(12)]));
        table
            .rows
            .push(Row::new("n", "-1.5", vec![Cell::count(13)]));
        table
            .rows
            .push(Row::new("a", "@cmd", vec![Cell::count(14)]));
        assert_eq!(
            write_table_csv(&table),
            "ligne,Écart\n'=1+1,12\n-1.5,13\n'@cmd,14\n"
        );
    }

    #[test]
    fn an_unmasked_publication_is_refused() {
        let error = write_json(&publication(), &context()).expect_err("small cell");
        assert!(matches!(error, ExportError::SmallCell { value: 4, .. }));
        assert!(write_csv_files(&publication(), 11).is_err());
        assert!(write_json(&masked(), &context()).is_ok());
    }

    #[test]
    fn masked_cells_come_out_as_secret_in_csv() {
        let files = write_csv_files(&masked(), 11).expect("masked");
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["refus.csv", "delais.csv"]);
        assert_eq!(
            files[0].1,
            "ligne,Refus,Part des refus\n\
             Motif a,secret,secret\n\
             Motif b,secret,secret\n\
             Motif c,0,0.0\n\
             \"Ensemble, « avec des guillemets », et des virgules\",19,\n"
        );
        assert_eq!(
            files[1].1,
            "ligne,Personnes,Médiane\nEnvoi,25,3.5\nPlaces,3,66.7\n"
        );
    }

    #[test]
    fn the_json_read_back_gives_the_same_numbers() {
        let publication = masked();
        let text = write_json(&publication, &context()).expect("masked");
        let document = read_json(&text).expect("read back");
        assert_eq!(
            document,
            open_data(&publication, &context()).expect("masked")
        );
        assert_eq!(document.licence, "Licence Ouverte 2.0");
        assert_eq!(document.seuil_secret, 11);
        assert_eq!(document.periode.debut.as_deref(), Some("2026-01-01"));
        let refusals = &document.tableaux[0];
        assert_eq!(refusals.id, "refus");
        assert_eq!(refusals.colonnes, ["Refus", "Part des refus"]);
        let values: Vec<&[Valeur]> = refusals.lignes.iter().map(|l| &l.valeurs[..]).collect();
        assert_eq!(
            values,
            [
                &[Valeur::Secret, Valeur::Secret][..],
                &[Valeur::Secret, Valeur::Secret],
                &[Valeur::Nombre(0), Valeur::Decimal(0.0)],
                &[Valeur::Nombre(19), Valeur::Vide],
            ]
        );
        // Every published number is the cell's: counts exactly, rates and durations to one decimal.
        for (table, tableau) in publication.tables.iter().zip(&document.tableaux) {
            for (row, ligne) in table.rows.iter().zip(&tableau.lignes) {
                assert_eq!(row.key, ligne.cle);
                for (cell, valeur) in row.cells.iter().zip(&ligne.valeurs) {
                    match (cell, valeur) {
                        (Cell::Count { value } | Cell::Amount { value }, Valeur::Nombre(n)) => {
                            assert_eq!(value, n)
                        }
                        (Cell::Rate { .. }, Valeur::Decimal(x)) => {
                            assert!((cell.percent().expect("rate") - x).abs() <= 0.05)
                        }
                        (Cell::Duration { .. }, Valeur::Decimal(x)) => {
                            assert!((cell.days().expect("duration") - x).abs() <= 0.05)
                        }
                        (Cell::Empty, Valeur::Vide) | (Cell::Masked, Valeur::Secret) => {}
                        other => panic!("{other:?}"),
                    }
                }
            }
        }
        // The text itself: integers stay integers, decimals keep their point, secret is a string.
        assert!(text.contains("\"secret\""));
        assert!(text.contains("3.5"));
        assert!(text.contains("66.7"));
    }

    #[test]
    fn a_value_of_another_shape_is_refused() {
        assert!(serde_json::from_str::<Valeur>("\"masqué\"").is_err());
        assert!(serde_json::from_str::<Valeur>("true").is_err());
        assert_eq!(
            serde_json::from_str::<Valeur>("12").ok(),
            Some(Valeur::Nombre(12))
        );
        assert_eq!(
            serde_json::from_str::<Valeur>("12.0").ok(),
            Some(Valeur::Decimal(12.0))
        );
        assert_eq!(
            serde_json::from_str::<Valeur>("null").ok(),
            Some(Valeur::Vide)
        );
    }
}
