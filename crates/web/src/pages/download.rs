//! Table downloads as users open them: `format=xlsx` gives an Excel workbook (one sheet per table
//! and a sheet describing the columns), `format=csv` a CSV with a UTF-8 byte order mark, separated by
//! `,` or, with `separateur=point-virgule`, by `;` with decimal commas (French Excel).

use crate::error::WebError;
use aiguillage_interop::spreadsheet::{write_csv, write_xlsx, Separator, Table};
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The media type of a workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The form of a table download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv(Separator),
    Xlsx,
}

impl TableFormat {
    /// From the `format` and `separateur` query values; `None` for a format that is not a table's.
    pub fn from_query(format: Option<&str>, separator: Option<&str>) -> Option<TableFormat> {
        match format {
            Some("xlsx") => Some(TableFormat::Xlsx),
            None | Some("") | Some("csv") => {
                Some(TableFormat::Csv(Separator::from_query(separator)))
            }
            Some(_) => None,
        }
    }
}

/// A file to save: its media type, name and bytes.
pub fn attachment(content_type: &str, name: &str, body: Vec<u8>) -> Response {
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

/// The tables as `{stem}.xlsx` (every table) or `{stem}.csv` (the first table: a CSV holds one).
pub fn tables_download(
    stem: &str,
    tables: &[Table],
    format: TableFormat,
) -> Result<Response, WebError> {
    match format {
        TableFormat::Xlsx => {
            let bytes =
                write_xlsx(tables).map_err(|error| WebError::Internal(error.to_string()))?;
            Ok(attachment(XLSX, &format!("{stem}.xlsx"), bytes))
        }
        TableFormat::Csv(separator) => {
            let table = tables
                .first()
                .ok_or_else(|| WebError::Internal("aucun tableau à exporter".into()))?;
            Ok(attachment(
                "text/csv; charset=utf-8",
                &format!("{stem}.csv"),
                write_csv(table, separator),
            ))
        }
    }
}

/// The refusal of a format no table download has.
pub fn unknown_format(format: Option<&str>) -> WebError {
    WebError::BadRequest(format!(
        "Format « {} » inconnu : csv ou xlsx (et separateur=point-virgule pour Excel).",
        format.unwrap_or_default()
    ))
}

/// The download parameters of a page that also shows its table: `format` and `separateur`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DownloadParams {
    pub format: Option<String>,
    pub separateur: Option<String>,
}

impl DownloadParams {
    /// The table format asked for, `None` for the page itself.
    pub fn table_format(&self) -> Result<Option<TableFormat>, WebError> {
        let Some(format) = self.format.as_deref() else {
            return Ok(None);
        };
        TableFormat::from_query(Some(format), self.separateur.as_deref())
            .map(Some)
            .ok_or_else(|| unknown_format(Some(format)))
    }
}
