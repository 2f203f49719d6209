//! Importing a directory file from the web, for coordinators and administrators: upload, then a preview
//! of the report (what would be added, updated, left alone or rejected, and why) before anything is
//! written, then confirmation, which shows the same report of what was done.
//!
//! An import writes only the places its author may write (`policy::may_import_place`, the place
//! form's rule; the administrator every place): the others are reported per row and left alone. The
//! store asks that rule for every place inside the transaction that writes, at preview and again at
//! confirmation, and records each creation and update in `structure_changes`.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use crate::policy::may_import_place;
use aiguillage_interop::directory_file::{read_directory_file, DirectoryFormat};
use aiguillage_interop::places_standard::PlacesReport;
use aiguillage_service::state::AppState;
use aiguillage_store::{
    Account, ImportAuthor, ImportRights, PlaceImportReport, PlaceSite, PENDING_IMPORT_MAX_BYTES,
    PENDING_IMPORT_MAX_ROWS,
};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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

/// What a confirmed import did: its counts, and the rows it left alone with their reasons.
struct ImportResult {
    inserted: u64,
    updated: u64,
    unchanged: u64,
    rejected_rows: usize,
    rows: Vec<ReportRow>,
    more_rows: usize,
}

#[derive(Template)]
#[template(path = "directory_import.html")]
struct ImportFormTemplate {
    layout: Layout,
    formats: Vec<FormatChoice>,
    error: Option<String>,
    result: Option<ImportResult>,
}

fn form_page(
    state: &AppState,
    viewer: &Viewer,
    chosen: &str,
    error: Option<String>,
    result: Option<ImportResult>,
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
) -> Result<Response, WebError> {
    form_page(&state, &viewer, "", None, None)
}

/// Whether this account may write the place at `site` (asked by the store for every row).
fn may_write(account: &Account, site: PlaceSite<'_>) -> bool {
    may_import_place(
        account.role,
        account.structure_id,
        &account.territory,
        site.structure_id,
        (site.departement_code, site.epci_code),
    )
}

/// How the change records name a web import of `file_name`.
fn origin(file_name: &str) -> String {
    format!("Import web du fichier « {file_name} »")
}

/// The rows of a file: the places read and the distinct lines rejected.
fn row_count(read: &PlacesReport) -> usize {
    let rejected: std::collections::BTreeSet<u64> = read.rejected.iter().map(|e| e.line).collect();
    read.places.len() + rejected.len()
}

/// The number of distinct lines of the report.
fn distinct_lines(rows: &[ReportRow]) -> usize {
    rows.iter()
        .map(|row| row.line)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
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
    if upload.bytes.len() > PENDING_IMPORT_MAX_BYTES {
        return Err(format!(
            "Fichier trop volumineux : {} Mo au plus.",
            PENDING_IMPORT_MAX_BYTES / (1024 * 1024)
        ));
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
    let rows = row_count(&read);
    if rows > PENDING_IMPORT_MAX_ROWS {
        return refuse(
            &upload.format,
            format!(
                "Fichier refusé : {rows} lignes, pour {PENDING_IMPORT_MAX_ROWS} au plus par import en ligne. \
                 Découpez le fichier, ou demandez à l'exploitant de l'importer en ligne de commande."
            ),
        );
    }
    let now = state.now();
    let account = &user.account;
    let check = |site: PlaceSite<'_>| may_write(account, site);
    let origin = origin(&upload.file_name);
    let author = ImportAuthor {
        account_id: Some(account.id),
        origin: &origin,
        rights: ImportRights::Checked(&check),
    };
    let would = state
        .store
        .preview_import_places(format.default_source(), &read.places, &author, now)
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
    let rejected_rows = distinct_lines(&rows);
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
    viewer: Viewer,
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
    let account = &user.account;
    let check = |site: PlaceSite<'_>| may_write(account, site);
    let origin = origin(&pending.file_name);
    let author = ImportAuthor {
        account_id: Some(account.id),
        origin: &origin,
        rights: ImportRights::Checked(&check),
    };
    let stored = state
        .store
        .import_places_by(
            format.default_source(),
            &read.places,
            &author,
            now,
            &|_, _| {},
        )
        .await?;
    let rows = report_rows(&read, &stored);
    tracing::info!(account_id = account.id, file = %pending.file_name, inserted = stored.inserted,
        updated = stored.updated, refused = stored.rejected.len(), "directory import");
    let result = ImportResult {
        inserted: stored.inserted,
        updated: stored.updated,
        unchanged: stored.unchanged,
        rejected_rows: distinct_lines(&rows),
        more_rows: rows.len().saturating_sub(SHOWN_ROWS),
        rows: rows.into_iter().take(SHOWN_ROWS).collect(),
    };
    form_page(&state, &viewer, "", None, Some(result))
}
