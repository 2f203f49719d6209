//! The national standard of places of digital mediation ("schéma des lieux de médiation numérique",
//! TableSchema v1.0.2, La MedNum / ANCT): reading a CSV or JSON file into [`Place`]s with a precise
//! report, in French, of every row that breaks the standard, and writing places back in its form.
//!
//! Reading goes row by row, and keeps what can be kept: real files (regional exports in the pre-1.0
//! vocabulary, spreadsheets) break the standard in many small ways. A row is rejected, with one
//! [`RowError`] per problem, only when it cannot be a place: no name, no commune, postal code or
//! address, no date, services given of which none is usable, an `id` already used, or a free text
//! longer than our limits ([`FIELD_MAX_CHARS`]). Every other value that breaks the standard is repaired
//! when the repair is certain or left out, and each repair and each value left out is a [`RowWarning`]
//! on its line. Values are trimmed and empty strings count as absent. Older values (`;` between list
//! values, the pre-1.0 labels and data·inclusion v0 codes) are converted by the published
//! correspondence [`V0_LABELS`], each line naming its source.
//!
//! Writing produces the 32 columns in the standard's order, lists joined with `|`; reading what was
//! written gives back the same places (for places whose texts carry no surrounding spaces and whose
//! list items contain no `|`, which the standard cannot express anyway).
//!
//! The files: `fields` (the standard's columns), `read` (format detection, and a CSV or JSON file
//! into raw rows), `row` (the checks of one row, into a place or its errors), `values` (the checks
//! of single values: schema.json's patterns and formats), `v0` (the conversions of older files),
//! `lengths` (our limits on free texts, applied by every reader), `write` (the standard's CSV and
//! JSON, and the fields that differ between two places) and `one_field` (one field's written value,
//! compared, copied or read back: the fields corrected by hand). This file holds the report and
//! [`read_places`].

mod fields;
mod lengths;
mod one_field;
mod read;
mod row;
mod v0;
mod values;
mod write;

pub use fields::{FIELDS, REQUIRED_FIELDS};
pub use lengths::{
    field_max_chars, overlong_fields, reject_overlong_fields, FIELD_MAX_CHARS, LIST_MAX_ITEMS,
};
pub use one_field::{copy_field, field_title, same_value, standard_value, with_standard_value};
pub use read::detect_format;
pub(crate) use read::{json_kind, strip_bom};
pub use v0::{Conversion, MappingSource, V0Label, V0_LABELS};
pub(crate) use values::{
    calendar_date, check_email, check_insee_code, check_postal_code, check_url,
};
pub use write::{changed_fields, spreadsheet_table, write_csv, write_json};

use aiguillage_domain::directory::Place;
use read::{csv_rows, json_rows, not_utf8};
use row::check_rows;

/// The two forms of a places file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacesFormat {
    /// CSV, comma-separated, UTF-8, header row with the standard's field names.
    Csv,
    /// JSON array of objects keyed by the standard's field names.
    Json,
}

/// What reading a places file gave.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlacesReport {
    /// Accepted places with their line (CSV: physical line where the record starts, header = 1;
    /// JSON: 1-based index of the object).
    pub places: Vec<(u64, Place)>,
    /// One entry per problem of every rejected row.
    pub rejected: Vec<RowError>,
    /// Conversions made on accepted rows, and unknown columns (line 1 in CSV).
    pub warnings: Vec<RowWarning>,
    /// Set when the file as a whole cannot be read (encoding, syntax, header); rows read before the
    /// problem, if any, are kept.
    pub file_error: Option<String>,
}

/// One problem of a rejected row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// CSV: physical line where the record starts (header = 1); JSON: 1-based index of the object.
    pub line: u64,
    /// The row's `id`, when it has one.
    pub id: Option<String>,
    /// The standard's field name (empty when the whole row is at fault).
    pub field: String,
    /// What is wrong, in plain French.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ligne {}", self.line)?;
        if let Some(id) = &self.id {
            write!(f, " (id « {id} »)")?;
        }
        write!(f, " : {} : {}", self.field, self.reason)
    }
}

/// A conversion made on an accepted row (or, at line 1, a column ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowWarning {
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// Reads a places file of the given format. A CSV file that is not UTF-8 is read as Windows-1252
/// (what Excel writes in France), with a warning; a JSON file must be UTF-8.
pub fn read_places(bytes: &[u8], format: PlacesFormat) -> PlacesReport {
    let bytes = strip_bom(bytes);
    let mut report = PlacesReport::default();
    let text = match (std::str::from_utf8(bytes), format) {
        (Ok(text), _) => std::borrow::Cow::Borrowed(text),
        (Err(_), PlacesFormat::Csv) => {
            report.warnings.push(RowWarning {
                line: 1,
                field: String::new(),
                message: "fichier non UTF-8 lu comme Windows-1252 (enregistrement Excel) : vérifiez les accents".to_string(),
            });
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
        (Err(error), PlacesFormat::Json) => return file_error(not_utf8(bytes, &error)),
    };
    if text.trim().is_empty() {
        return file_error("fichier vide".to_string());
    }
    let rows = match format {
        PlacesFormat::Csv => csv_rows(&text, &mut report),
        PlacesFormat::Json => json_rows(&text, &mut report),
    };
    check_rows(rows, &mut report);
    reject_overlong_fields(&mut report);
    report
}

pub(crate) fn file_error(reason: String) -> PlacesReport {
    PlacesReport {
        file_error: Some(reason),
        ..PlacesReport::default()
    }
}
