//! The national standard of places of digital mediation ("schéma des lieux de médiation numérique",
//! TableSchema v1.0.2, La MedNum / ANCT): reading a CSV or JSON file into [`Place`]s with a precise
//! report, in French, of every row that breaks the standard, and writing places back in its form.
//!
//! Reading goes row by row. A row with any problem is rejected whole, with one [`RowError`] per problem;
//! the other rows come through. Values are trimmed and empty strings count as absent. Older ("v0",
//! before 1.0) files are accepted where the conversion is certain: `;` instead of `|` between list
//! values, and the old labels of [`V0_LABELS`]; every conversion leaves a [`RowWarning`] on the row.
//! Everything else that breaks the standard (schema.json: required fields, patterns, enumerations,
//! `maxLength`, unique `id`, calendar dates, coordinates) rejects the row, and so does a free text
//! longer than our limits where the standard sets none ([`FIELD_MAX_CHARS`]), whatever the format.
//!
//! Writing produces the 32 columns in the standard's order, lists joined with `|`; reading what was
//! written gives back the same places (for places whose texts carry no surrounding spaces and whose
//! list items contain no `|`, which the standard cannot express anyway).
//!
//! The files: `fields` (the standard's columns), `read` (format detection, and a CSV or JSON file
//! into raw rows), `row` (the checks of one row, into a place or its errors), `values` (the checks
//! of single values: schema.json's patterns and formats), `v0` (the conversions of older files),
//! `lengths` (our limits on free texts, applied by every reader) and `write` (the standard's CSV and
//! JSON, and the fields that differ between two places). This file holds the report and
//! [`read_places`].

mod fields;
mod lengths;
mod read;
mod row;
mod v0;
mod values;
mod write;

pub use fields::{FIELDS, REQUIRED_FIELDS};
pub use lengths::{
    field_max_chars, overlong_fields, reject_overlong_fields, FIELD_MAX_CHARS, LIST_MAX_ITEMS,
};
pub use read::detect_format;
pub(crate) use read::{json_kind, strip_bom};
pub use v0::V0_LABELS;
pub(crate) use values::{
    calendar_date, check_email, check_insee_code, check_postal_code, check_url,
};
pub use write::{changed_fields, write_csv, write_json};

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

/// Reads a places file of the given format.
pub fn read_places(bytes: &[u8], format: PlacesFormat) -> PlacesReport {
    let text = match std::str::from_utf8(strip_bom(bytes)) {
        Ok(text) => text,
        Err(error) => return file_error(not_utf8(strip_bom(bytes), &error)),
    };
    if text.trim().is_empty() {
        return file_error("fichier vide".to_string());
    }
    let mut report = PlacesReport::default();
    let rows = match format {
        PlacesFormat::Csv => csv_rows(text, &mut report),
        PlacesFormat::Json => json_rows(text, &mut report),
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
