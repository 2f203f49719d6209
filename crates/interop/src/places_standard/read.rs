//! Reading a places file into raw rows, before any check: the format guessed from the first bytes,
//! the UTF-8 decoding, the CSV header and records, the JSON array of objects (unknown columns and
//! keys become warnings, a file that cannot be read a file error).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::fields::{standard_field, FIELDS, LIST_FIELDS};

/// The columns without which no row can be a place. The standard also requires `id` and `pivot`:
/// a row without an id gets one derived from its content, a place without a pivot is kept.
const COLUMNS_A_ROW_NEEDS: [&str; 5] = ["nom", "commune", "code_postal", "adresse", "date_maj"];
use super::{PlacesFormat, PlacesReport, RowError, RowWarning};

/// Guesses the format from the first bytes: `[` or `{` means JSON, a first line naming one of the
/// standard's fields means CSV. `None` for anything else (empty, binary, another table).
pub fn detect_format(bytes: &[u8]) -> Option<PlacesFormat> {
    let bytes = strip_bom(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if matches!(first, b'[' | b'{') {
        return Some(PlacesFormat::Json);
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first_line = String::from_utf8_lossy(first_line);
    first_line
        .split([',', ';'])
        .map(|cell| cell.trim().trim_matches('"').trim())
        .any(|cell| FIELDS.contains(&cell))
        .then_some(PlacesFormat::Csv)
}

/// One field's value as found in the file, before any check.
#[derive(Debug)]
pub(super) enum Raw {
    Text(String),
    /// A JSON array of strings.
    List(Vec<String>),
    /// A JSON value of the wrong type: the reason.
    Invalid(String),
}

/// A row's values by field name.
pub(super) type RawRow = HashMap<&'static str, Raw>;

pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

pub(super) fn not_utf8(bytes: &[u8], error: &std::str::Utf8Error) -> String {
    let offset = error.valid_up_to();
    let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
    format!(
        "fichier non UTF-8 : octet invalide ligne {line} (octet n° {}) ; enregistrez-le en UTF-8",
        offset + 1
    )
}

pub(super) fn csv_rows(text: &str, report: &mut PlacesReport) -> Vec<(u64, RawRow)> {
    let first_line = text.lines().next().unwrap_or_default();
    let semicolons = first_line.matches(';').count() > first_line.matches(',').count();
    if semicolons {
        report.warnings.push(RowWarning {
            line: 1,
            field: String::new(),
            message: "colonnes séparées par « ; » (enregistrement Excel) au lieu de la virgule du standard : fichier lu quand même".to_string(),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(if semicolons { b';' } else { b',' })
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(error) => {
            report.file_error = Some(format!("en-tête CSV illisible : {error}"));
            return Vec::new();
        }
    };
    let Some(columns) = csv_columns(&header, report) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |position| position.line());
                let raw = columns
                    .iter()
                    .zip(record.iter())
                    .filter_map(|(column, value)| Some(((*column)?, Raw::Text(value.to_string()))))
                    .collect();
                rows.push((line, raw));
            }
            Err(error) => {
                let line = error.position().map_or(0, |position| position.line());
                report.file_error = Some(format!("CSV illisible ligne {line} : {error}"));
                break;
            }
        }
    }
    rows
}

/// The standard field of each column, or `None` (with a file error) when the header is unusable.
fn csv_columns(
    header: &csv::StringRecord,
    report: &mut PlacesReport,
) -> Option<Vec<Option<&'static str>>> {
    let mut columns = Vec::new();
    for name in header.iter().map(str::trim) {
        let field = standard_field(name);
        if field.is_some() && columns.contains(&field) {
            report.file_error = Some(format!("colonne « {name} » en double dans l'en-tête"));
            return None;
        }
        if field.is_none() {
            report.warnings.push(unknown_column(1, name));
        }
        columns.push(field);
    }
    let missing: Vec<&str> = COLUMNS_A_ROW_NEEDS
        .into_iter()
        .filter(|field| !columns.contains(&Some(*field)))
        .collect();
    if !missing.is_empty() {
        report.file_error = Some(format!(
            "colonnes obligatoires absentes de l'en-tête : {}",
            missing.join(", ")
        ));
        return None;
    }
    Some(columns)
}

fn unknown_column(line: u64, name: &str) -> RowWarning {
    RowWarning {
        line,
        field: name.to_string(),
        message: "colonne inconnue du standard, ignorée".to_string(),
    }
}

pub(super) fn json_rows(text: &str, report: &mut PlacesReport) -> Vec<(u64, RawRow)> {
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            report.file_error = Some("tableau JSON d'objets attendu".to_string());
            return Vec::new();
        }
        Err(error) => {
            report.file_error = Some(format!(
                "JSON invalide ligne {}, colonne {}",
                error.line(),
                error.column()
            ));
            return Vec::new();
        }
    };
    let mut unknown_keys = HashSet::new();
    let mut rows = Vec::new();
    for (line, item) in (1u64..).zip(items) {
        let Value::Object(object) = item else {
            report.rejected.push(RowError {
                line,
                id: None,
                field: String::new(),
                reason: format!("objet JSON attendu, {} trouvé", json_kind(&item)),
            });
            continue;
        };
        let mut raw = RawRow::new();
        for (key, value) in object {
            match standard_field(key.trim()) {
                Some(field) => {
                    if let Some(value) = json_raw(field, value) {
                        raw.insert(field, value);
                    }
                }
                None if unknown_keys.insert(key.clone()) => {
                    report.warnings.push(unknown_column(line, &key));
                }
                None => {}
            }
        }
        rows.push((line, raw));
    }
    rows
}

pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "booléen",
        Value::Number(_) => "nombre",
        Value::String(_) => "texte",
        Value::Array(_) => "tableau",
        Value::Object(_) => "objet",
    }
}

/// A JSON value as a raw field: strings everywhere, numbers for coordinates, arrays of strings for
/// lists; `null` is absent.
fn json_raw(field: &'static str, value: Value) -> Option<Raw> {
    let coordinate = matches!(field, "latitude" | "longitude");
    let list = LIST_FIELDS.contains(&field);
    match value {
        Value::Null => None,
        Value::String(text) => Some(Raw::Text(text)),
        Value::Number(number) if coordinate => Some(Raw::Text(number.to_string())),
        Value::Array(items) if list => Some(json_list(items)),
        other => Some(Raw::Invalid(format!(
            "valeur JSON de type {} : texte attendu",
            json_kind(&other)
        ))),
    }
}

fn json_list(items: Vec<Value>) -> Raw {
    let mut texts = Vec::new();
    for item in items {
        match item {
            Value::String(text) => texts.push(text),
            other => {
                return Raw::Invalid(format!(
                    "tableau JSON contenant un {} : textes attendus",
                    json_kind(&other)
                ))
            }
        }
    }
    Raw::List(texts)
}
