//! Importing a directory file from the web, for coordinators and administrators: upload, then a preview
//! of the report (what would be added, updated, left alone or rejected, and why) before anything is
//! written, then confirmation.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use crate::state::AppState;
use aiguillage_interop::directory_file::{read_directory_file, DirectoryFormat};
use aiguillage_interop::places_standard::PlacesReport;
use aiguillage_store::PlaceImportReport;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

const IMPORT_PATH: &str = "/annuaire/import";
/// Rows of the report shown in the preview (the counts cover them all).
const SHOWN_ROWS: usize = 200;

/// A format option of the form.
struct FormatChoice {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

fn format_choices(chosen: &str) -> Vec<FormatChoice> {
    DirectoryFormat::ALL
        .iter()
        .map(|format| FormatChoice {
            code: format.code(),
            label: format.label(),
            selected: format.code() == chosen,
        })
        .collect()
}

/// The result of a confirmed import, carried in the redirect's query string.
#[derive(Deserialize, Default)]
pub struct ImportResult {
    ajoutes: Option<u64>,
    maj: Option<u64>,
    inchanges: Option<u64>,
    rejetes: Option<u64>,
}

#[derive(Template)]
#[template(path = "directory_import.html")]
struct ImportFormTemplate {
    layout: Layout,
    formats: Vec<FormatChoice>,
    error: Option<String>,
    result: Option<(u64, u64, u64, u64)>,
}

fn form_page(
    state: &AppState,
    viewer: &Viewer,
    chosen: &str,
    error: Option<String>,
    result: Option<(u64, u64, u64, u64)>,
) -> Result<Response, WebError> {
    render(&ImportFormTemplate {
        layout: Layout::new(state, viewer, IMPORT_PATH, "Importer des lieux"),
        formats: format_choices(chosen),
        error,
        result,
    })
}

pub async fn show_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(result): Query<ImportResult>,
) -> Result<Response, WebError> {
    let done = match (result.ajoutes, result.maj, result.inchanges, result.rejetes) {
        (Some(a), Some(m), Some(i), Some(r)) => Some((a, m, i, r)),
        _ => None,
    };
    form_page(&state, &viewer, "", None, done)
}

/// One line of the report.
struct ReportRow {
    line: u64,
    id: String,
    field: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "directory_import_preview.html")]
struct PreviewTemplate {
    layout: Layout,
    file_name: String,
    format: &'static str,
    pending_id: i64,
    would: PlaceImportReport,
    rejected_rows: usize,
    rows: Vec<ReportRow>,
    warnings: Vec<ReportRow>,
    more_rows: usize,
}

/// The uploaded form: the file, its name and the chosen format.
struct Upload {
    file_name: String,
    format: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload {
        file_name: String::new(),
        format: String::new(),
        bytes: Vec::new(),
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| format!("envoi illisible : {e}"))?
    {
        match field.name() {
            Some("format") => upload.format = field.text().await.map_err(|e| e.to_string())?,
            Some("fichier") => {
                upload.file_name = field.file_name().unwrap_or("fichier").to_owned();
                upload.bytes = field
                    .bytes()
                    .await
                    .map_err(|e| format!("fichier illisible : {e}"))?
                    .to_vec();
            }
            _ => {}
        }
    }
    if upload.bytes.is_empty() {
        return Err("Choisissez un fichier à importer.".into());
    }
    Ok(upload)
}

fn report_rows(read: &PlacesReport, stored: &PlaceImportReport) -> Vec<ReportRow> {
    let from_file = read.rejected.iter().map(|e| ReportRow {
        line: e.line,
        id: e.id.clone().unwrap_or_default(),
        field: e.field.clone(),
        reason: e.reason.clone(),
    });
    let from_store = stored.rejected.iter().map(|r| ReportRow {
        line: r.line,
        id: r.id.clone(),
        field: r.field.clone(),
        reason: r.reason.clone(),
    });
    let mut rows: Vec<ReportRow> = from_file.chain(from_store).collect();
    rows.sort_by_key(|row| row.line);
    rows
}

pub async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let refuse = |chosen: &str, message: String| {
        form_page(&state, &viewer, chosen, Some(message), None)
            .map(|page| (StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(message) => return refuse("", message),
    };
    let Ok(content) = String::from_utf8(upload.bytes) else {
        return refuse(
            &upload.format,
            "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8 puis recommencez."
                .into(),
        );
    };
    let chosen = DirectoryFormat::from_code(&upload.format);
    let (format, read) = match read_directory_file(content.as_bytes(), chosen) {
        Ok(result) => result,
        Err(message) => return refuse(&upload.format, message),
    };
    if let Some(error) = &read.file_error {
        return refuse(&upload.format, format!("Fichier refusé : {error}"));
    }
    let now = state.now();
    let would = state
        .store
        .preview_import_places(format.default_source(), &read.places, now)
        .await?;
    let pending_id = state
        .store
        .save_pending_import(
            user.account.id,
            &upload.file_name,
            format.code(),
            &content,
            now,
        )
        .await?;
    let rows = report_rows(&read, &would);
    let rejected_rows = rows
        .iter()
        .map(|row| row.line)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let warnings = read
        .warnings
        .iter()
        .take(SHOWN_ROWS)
        .map(|w| ReportRow {
            line: w.line,
            id: String::new(),
            field: w.field.clone(),
            reason: w.message.clone(),
        })
        .collect();
    render(&PreviewTemplate {
        layout: Layout::new(&state, &viewer, IMPORT_PATH, "Aperçu de l'import"),
        file_name: upload.file_name,
        format: format.label(),
        pending_id,
        would,
        rejected_rows,
        more_rows: rows.len().saturating_sub(SHOWN_ROWS),
        rows: rows.into_iter().take(SHOWN_ROWS).collect(),
        warnings,
    })
}

#[derive(Deserialize)]
pub struct Confirmation {
    import_id: i64,
}

pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(confirmation): Form<Confirmation>,
) -> Result<Response, WebError> {
    let now = state.now();
    let pending = state
        .store
        .take_pending_import(confirmation.import_id, user.account.id, now)
        .await?
        .ok_or_else(|| {
            WebError::BadRequest(
                "Cet import a expiré ou a déjà été confirmé : envoyez le fichier à nouveau.".into(),
            )
        })?;
    let format = DirectoryFormat::from_code(&pending.format);
    let (format, read) =
        read_directory_file(pending.content.as_bytes(), format).map_err(WebError::BadRequest)?;
    let stored = state
        .store
        .import_places(
            format.default_source(),
            &read.places,
            Some(user.account.id),
            now,
            &|_, _| {},
        )
        .await?;
    let rejected = read
        .rejected
        .iter()
        .map(|e| e.line)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        + stored.rejected.len();
    tracing::info!(account_id = user.account.id, file = %pending.file_name, inserted = stored.inserted, updated = stored.updated, "directory import");
    let location = format!(
        "{IMPORT_PATH}?ajoutes={}&maj={}&inchanges={}&rejetes={rejected}",
        stored.inserted, stored.updated, stored.unchanged
    );
    Ok(Redirect::to(&location).into_response())
}
