//! Importing a directory file from the web, for coordinators and administrators: upload, then a preview
//! of the report (what would be added, updated, left alone or rejected, and why) before anything is
//! written, then confirmation, which shows the same report of what was done.
//!
//! An import writes only the places its author may write (`service::directory_edit::rights_of`, the place
//! form's rule; the administrator every place): the others are reported per row and left alone. The
//! store asks that rule for every place inside the transaction that writes, at preview and again at
//! confirmation, and records each creation and update in `structure_changes`. A field corrected by hand
//! keeps its value; where the file disagrees, preview and result list the conflict, settled on
//! `/annuaire/conflits` (`import_conflicts`).

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::import_conflicts::{shown, CONFLICTS_PATH};
use crate::pages::render;
use crate::routes::may_reach;
use aiguillage_interop::directory_file::{read_directory_file, DirectoryFormat};
use aiguillage_interop::places_standard::field_title;
use aiguillage_interop::places_standard::PlacesReport;
use aiguillage_service::directory_edit::rights_of;
use aiguillage_store::{
    ImportAuthor, ImportConflict, PendingImport, PlaceImportReport, PlaceRights,
    PENDING_IMPORT_MAX_BYTES, PENDING_IMPORT_MAX_ROWS,
};
use askama::Template;
use axum::extract::Multipart;
use axum::http::{Method, StatusCode};
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

/// What a confirmed import did: its counts, the rows it left alone with their reasons, and the
/// corrections by hand it kept against the file.
struct ImportResult {
    inserted: u64,
    updated: u64,
    unchanged: u64,
    rejected_rows: usize,
    rows: Vec<ReportRow>,
    more_rows: usize,
    conflicts: ConflictTable,
}

/// The corrections by hand kept against the file: the first [`SHOWN_ROWS`], how many more, and the
/// table's caption.
struct ConflictTable {
    rows: Vec<ConflictRow>,
    more: usize,
    caption: &'static str,
}

/// A field corrected by hand whose file value differs: the correction is kept.
struct ConflictRow {
    line: u64,
    place_name: String,
    field: String,
    hand: String,
    file: String,
}

/// The report's conflicts as the page shows them, under `caption`.
fn conflict_table(conflicts: &[ImportConflict], caption: &'static str) -> ConflictTable {
    let rows = conflicts
        .iter()
        .take(SHOWN_ROWS)
        .map(|conflict| ConflictRow {
            line: conflict.line,
            place_name: conflict.place_name.clone(),
            field: field_title(&conflict.field).to_owned(),
            hand: shown(&conflict.field, &conflict.hand_value),
            file: shown(&conflict.field, &conflict.file_value),
        })
        .collect();
    ConflictTable {
        rows,
        more: conflicts.len().saturating_sub(SHOWN_ROWS),
        caption,
    }
}

/// Whether the viewer may open the conflicts page (the administrator imports but edits no place).
fn reaches_conflicts(me: &Professional) -> bool {
    may_reach(Some(me.user.account.role), &Method::GET, CONFLICTS_PATH)
}

#[derive(Template)]
#[template(path = "directory_import.html")]
struct ImportFormTemplate {
    layout: Layout,
    formats: Vec<FormatChoice>,
    error: Option<String>,
    result: Option<ImportResult>,
    conflicts_page: bool,
}

fn form_page(
    me: &Professional,
    chosen: &str,
    error: Option<String>,
    result: Option<ImportResult>,
) -> Result<Response, WebError> {
    render(&ImportFormTemplate {
        layout: me.layout(IMPORT_PATH, "Importer des lieux"),
        formats: format_choices(chosen),
        error,
        result,
        conflicts_page: reaches_conflicts(me),
    })
}

/// `GET /annuaire/import`.
pub async fn show_form(me: Professional) -> Result<Response, WebError> {
    form_page(&me, "", None, None)
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
    more_warnings: usize,
    /// How many rows each rule placed in their commune, by rule label.
    placed_by_rule: Vec<(&'static str, u64)>,
    more_rows: usize,
    conflicts: ConflictTable,
    conflicts_page: bool,
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

/// `POST /annuaire/import`: reads the file and shows what importing it would do, writing nothing
/// but the pending import to confirm.
pub async fn preview(me: Professional, multipart: Multipart) -> Result<Response, WebError> {
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(message) => return refuse(&me, "", message),
    };
    let (content, format, read) = match read_file(upload.bytes, &upload.format) {
        Ok(file) => file,
        Err(message) => return refuse(&me, &upload.format, message),
    };
    let (now, file) = (me.now(), (format, &read));
    let would = preview_places(&me, &upload.file_name, file, now).await?;
    let pending_id = keep_pending(&me, &upload.file_name, format, &content, now).await?;
    render(&preview_page(
        &me,
        upload.file_name,
        file,
        pending_id,
        would,
    ))
}

/// Keeps the file until the professional confirms the import; its id.
async fn keep_pending(
    me: &Professional,
    file_name: &str,
    format: DirectoryFormat,
    content: &str,
    now: i64,
) -> Result<i64, WebError> {
    let (store, by) = (&me.state.store, me.actor().account_id);
    let saved = store.save_pending_import(by, file_name, format.code(), content, now);
    Ok(saved.await?)
}

/// The form again with the reason the file was refused (422).
fn refuse(me: &Professional, chosen: &str, message: String) -> Result<Response, WebError> {
    let page = form_page(me, chosen, Some(message), None)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The uploaded file read in the chosen format, or why it is refused.
fn read_file(
    bytes: Vec<u8>,
    chosen: &str,
) -> Result<(String, DirectoryFormat, PlacesReport), String> {
    let Ok(content) = String::from_utf8(bytes) else {
        return Err(
            "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8 puis recommencez."
                .into(),
        );
    };
    let (format, read) =
        read_directory_file(content.as_bytes(), DirectoryFormat::from_code(chosen))?;
    if let Some(error) = &read.file_error {
        return Err(format!("Fichier refusé : {error}"));
    }
    let rows = row_count(&read);
    if rows > PENDING_IMPORT_MAX_ROWS {
        return Err(format!(
            "Fichier refusé : {rows} lignes, pour {PENDING_IMPORT_MAX_ROWS} au plus par import en ligne. \
             Découpez le fichier, ou demandez à l'exploitant de l'importer en ligne de commande."
        ));
    }
    Ok((content, format, read))
}

/// What importing the places would do, computed in a transaction rolled back.
async fn preview_places(
    me: &Professional,
    file_name: &str,
    (format, read): (DirectoryFormat, &PlacesReport),
    now: i64,
) -> Result<PlaceImportReport, WebError> {
    let account = &me.user.account;
    let check = rights_of(account);
    let origin = origin(file_name);
    let author = ImportAuthor {
        account_id: Some(account.id),
        origin: &origin,
        rights: PlaceRights::Checked(&check),
    };
    let store = &me.state.store;
    Ok(store
        .preview_import_places(format.default_source(), &read.places, &author, now)
        .await?)
}

/// Imports the places this professional may write.
async fn import_places(
    me: &Professional,
    file_name: &str,
    (format, read): (DirectoryFormat, &PlacesReport),
    now: i64,
) -> Result<PlaceImportReport, WebError> {
    let account = &me.user.account;
    let check = rights_of(account);
    let origin = origin(file_name);
    let author = ImportAuthor {
        account_id: Some(account.id),
        origin: &origin,
        rights: PlaceRights::Checked(&check),
    };
    let source = format.default_source();
    let store = &me.state.store;
    Ok(store
        .import_places_by(source, &read.places, &author, now, &|_, _| {})
        .await?)
}

/// The preview: what the import would do, the rows it would leave alone and the file's warnings.
fn preview_page(
    me: &Professional,
    file_name: String,
    (format, read): (DirectoryFormat, &PlacesReport),
    pending_id: i64,
    would: PlaceImportReport,
) -> PreviewTemplate {
    let rows = report_rows(read, &would);
    let rejected_rows = distinct_lines(&rows);
    let warnings = warning_rows(read, &would);
    let placed_by_rule = would
        .placed_by_rule
        .iter()
        .map(|(rule, count)| (rule.label(), *count))
        .collect();
    let conflicts = conflict_table(
        &would.conflicts,
        "Champs corrigés à la main dont le fichier propose une autre valeur",
    );
    PreviewTemplate {
        layout: me.layout(IMPORT_PATH, "Aperçu de l'import"),
        file_name,
        format: format.label(),
        pending_id,
        would,
        rejected_rows,
        more_rows: rows.len().saturating_sub(SHOWN_ROWS),
        rows: rows.into_iter().take(SHOWN_ROWS).collect(),
        more_warnings: warnings.len().saturating_sub(SHOWN_ROWS),
        warnings: warnings.into_iter().take(SHOWN_ROWS).collect(),
        placed_by_rule,
        conflicts,
        conflicts_page: reaches_conflicts(me),
    }
}

/// The file's warnings and the communes placed by a loose rule, by line.
fn warning_rows(read: &PlacesReport, would: &PlaceImportReport) -> Vec<ReportRow> {
    let from_file = read.warnings.iter().map(|w| ReportRow {
        line: w.line,
        id: String::new(),
        field: w.field.clone(),
        reason: w.message.clone(),
    });
    let placements = would.placements.iter().map(|note| ReportRow {
        line: note.line,
        id: note.id.clone(),
        field: "commune".to_owned(),
        reason: note.message.clone(),
    });
    let mut rows: Vec<ReportRow> = from_file.chain(placements).collect();
    rows.sort_by_key(|row| row.line);
    rows
}

#[derive(Deserialize)]
pub struct Confirmation {
    import_id: i64,
}

const EXPIRED: &str = "Cet import a expiré ou a déjà été confirmé : envoyez le fichier à nouveau.";

/// `POST /annuaire/import/confirmer`: imports the pending file and shows what was done.
pub async fn confirm(
    me: Professional,
    Form(confirmation): Form<Confirmation>,
) -> Result<Response, WebError> {
    let now = me.now();
    let pending = pending_import(&me, confirmation.import_id, now).await?;
    let format = DirectoryFormat::from_code(&pending.format);
    let (format, read) =
        read_directory_file(pending.content.as_bytes(), format).map_err(WebError::BadRequest)?;
    let stored = import_places(&me, &pending.file_name, (format, &read), now).await?;
    let rows = report_rows(&read, &stored);
    tracing::info!(account_id = me.user.account.id, file = %pending.file_name,
        inserted = stored.inserted, updated = stored.updated, refused = stored.rejected.len(),
        conflicts = stored.conflicts.len(), "directory import");
    form_page(&me, "", None, Some(ImportResult::of(&stored, rows)))
}

/// The professional's pending import, taken so that it is confirmed once.
async fn pending_import(me: &Professional, id: i64, now: i64) -> Result<PendingImport, WebError> {
    let (store, by) = (&me.state.store, me.actor().account_id);
    let pending = store.take_pending_import(id, by, now).await?;
    pending.ok_or_else(|| WebError::BadRequest(EXPIRED.into()))
}

impl ImportResult {
    fn of(stored: &PlaceImportReport, rows: Vec<ReportRow>) -> ImportResult {
        ImportResult {
            conflicts: conflict_table(
                &stored.conflicts,
                "Champs corrigés à la main dont le fichier propose une autre valeur : la correction est conservée",
            ),
            inserted: stored.inserted,
            updated: stored.updated,
            unchanged: stored.unchanged,
            rejected_rows: distinct_lines(&rows),
            more_rows: rows.len().saturating_sub(SHOWN_ROWS),
            rows: rows.into_iter().take(SHOWN_ROWS).collect(),
        }
    }
}
