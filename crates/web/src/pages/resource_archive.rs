//! A session of the resource bank as one archive (docs/archive-de-seance.md): its last published
//! version downloaded as a ZIP (`/ressources/{id}/archive`, read as the sheet is: an open licence
//! for anonymous visitors, without editable sources), and an archive imported as a draft of the
//! writer's structure (`/ressources/importer`), every refusal in French with nothing stored.

use crate::auth::{Professional, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use crate::pages::resources::{actor_of, attachment};
use aiguillage_domain::ids::ResourceSessionId;
use aiguillage_interop::resource_archive::MAX_ARCHIVE_BYTES;
use aiguillage_service::resources::{self, bank_actor, ExportError, ImportError};
use aiguillage_service::AppState;
use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};

/// `GET /ressources/{id}/archive`: the last published version as a ZIP, always as an attachment.
pub async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    uri: Uri,
    Path(id): Path<ResourceSessionId>,
) -> Result<Response, WebError> {
    let reason = format!("GET {}", uri.path());
    let actor = actor_of(&viewer, &reason);
    let bytes = match resources::export_archive(&state, actor.as_ref(), id).await {
        Ok(bytes) => bytes,
        Err(ExportError::Store(error)) => return Err(error.into()),
        Err(ExportError::Write(error)) => return Err(WebError::Internal(error.to_string())),
    };
    Ok(attachment(
        bytes,
        "application/zip",
        &format!("seance-{id}.zip"),
    ))
}

#[derive(Template)]
#[template(path = "resource_import.html")]
struct ImportTemplate {
    layout: Layout,
    errors: Vec<String>,
    limit: String,
}

fn import_page(me: &Professional, errors: Vec<String>) -> Result<Response, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&ImportTemplate {
        layout: me.layout("/ressources", "Importer une séance"),
        errors,
        limit: aiguillage_domain::resource::upload::megabytes(MAX_ARCHIVE_BYTES as usize),
    })?;
    Ok((status, page).into_response())
}

/// `GET /ressources/importer`: the form.
pub async fn import_form(me: Professional) -> Result<Response, WebError> {
    import_page(&me, Vec::new())
}

/// The archive's bytes from the multipart form, or why there are none.
async fn read_archive_field(mut multipart: Multipart) -> Result<Vec<u8>, String> {
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| "L'envoi est illisible ou trop volumineux.".to_owned())?
    {
        if field.name() == Some("archive") {
            let bytes = field
                .bytes()
                .await
                .map_err(|_| "L'archive est trop volumineuse ou n'a pas pu être lue.".to_owned())?;
            if bytes.is_empty() {
                break;
            }
            return Ok(bytes.to_vec());
        }
    }
    Err("Choisissez l'archive d'une séance (fichier .zip).".to_owned())
}

/// `POST /ressources/importer`: a draft of the writer's structure, with all its materials, or the
/// form again with every reason and nothing stored.
pub async fn import(me: Professional, request: Request) -> Result<Response, WebError> {
    let multipart = match Multipart::from_request(request, &me.state).await {
        Ok(multipart) => multipart,
        Err(_) => {
            let message =
                "Envoi illisible : le formulaire doit être envoyé en plusieurs parties (fichier).";
            return import_page(&me, vec![message.to_owned()]);
        }
    };
    let bytes = match read_archive_field(multipart).await {
        Ok(bytes) => bytes,
        Err(message) => return import_page(&me, vec![message]),
    };
    let actor = bank_actor(&me.user.account, &me.reason);
    match resources::import_archive(&me.state, &actor, bytes).await {
        Ok(id) => {
            Ok(Redirect::to(&format!("/ressources/{id}/modifier?fait=importee")).into_response())
        }
        Err(ImportError::Refused(errors)) => import_page(&me, errors),
        Err(ImportError::Store(error)) => Err(error.into()),
    }
}
