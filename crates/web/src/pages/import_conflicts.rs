//! The conflicts between a correction made by hand and a later import: the places the viewer may
//! edit (a coordinator those of their territory, a structure manager their own) whose file offered
//! another value than the correction, which the import kept. For each, the viewer keeps the
//! correction or takes the file's value (`service::directory_edit::settle_conflict`, the rights
//! asked inside the writing transaction: another territory's conflict is not found).

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_time, render};
use aiguillage_interop::places_standard::field_title;
use aiguillage_service::directory_edit::{import_conflicts, settle_conflict};
use aiguillage_store::{ConflictChoice, ConflictSettled, OpenConflict};
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

/// The page's path.
pub const CONFLICTS_PATH: &str = "/annuaire/conflits";

/// One conflict as the page shows it.
struct ConflictLine {
    id: i64,
    structure_id: i64,
    place_name: String,
    field: String,
    hand: String,
    file: String,
    found: String,
}

#[derive(Template)]
#[template(path = "import_conflicts.html")]
struct ConflictsTemplate {
    layout: Layout,
    notice: Option<&'static str>,
    conflicts: Vec<ConflictLine>,
}

/// What was just done, by the code the redirection carries.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    fait: String,
}

fn done_notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "gardee" => "Correction conservée : elle reste en place aux prochains imports, et ce fichier ne la remet plus en question.",
        "fichier" => "Valeur du fichier retenue : elle est enregistrée dans la fiche du lieu, qui suit de nouveau les imports pour ce champ.",
        "deja" => "Ce conflit avait déjà été tranché : rien n'a été modifié.",
        _ => return None,
    })
}

/// A written value as a person reads it: hours in French, a spaced phone number, list items
/// separated by commas.
pub(crate) fn shown(field: &str, value: &str) -> String {
    if value.trim().is_empty() {
        return "non renseigné".to_owned();
    }
    match field {
        "horaires" => crate::pages::directory::hours_in_french(&Some(value.to_owned())),
        "telephone" => aiguillage_domain::phone::spaced(value),
        _ => value.replace('|', ", "),
    }
}

fn line(conflict: OpenConflict) -> ConflictLine {
    ConflictLine {
        hand: shown(&conflict.field, &conflict.hand_value),
        file: shown(&conflict.field, &conflict.file_value),
        field: field_title(&conflict.field).to_owned(),
        found: format!("{} — {}", format_time(conflict.found_at), conflict.origin),
        id: conflict.id,
        structure_id: conflict.structure_id,
        place_name: conflict.place_name,
    }
}

/// `GET /annuaire/conflits`: the open conflicts of the places the viewer may edit.
pub async fn list(me: Professional, Query(query): Query<ListQuery>) -> Result<Response, WebError> {
    let conflicts = import_conflicts(&me.state, &me.user.account).await?;
    render(&ConflictsTemplate {
        layout: me.layout(CONFLICTS_PATH, "Conflits d'import"),
        notice: done_notice(&query.fait),
        conflicts: conflicts.into_iter().map(line).collect(),
    })
}

/// The choice made for one conflict.
#[derive(Debug, Default, Deserialize)]
pub struct ChoiceForm {
    #[serde(default)]
    choix: String,
}

/// `POST /annuaire/conflits/{id}`: keeps the correction (`choix=garder`) or takes the file's value
/// (`choix=fichier`), then back to the list with what was done.
pub async fn choose(
    me: Professional,
    Path(id): Path<i64>,
    Form(form): Form<ChoiceForm>,
) -> Result<Response, WebError> {
    let choice = match form.choix.as_str() {
        "garder" => ConflictChoice::KeepHand,
        "fichier" => ConflictChoice::TakeFile,
        _ => {
            return Err(WebError::BadRequest(
                "Choisissez de garder la correction ou de prendre la valeur du fichier.".into(),
            ))
        }
    };
    let settled = settle_conflict(&me.state, &me.user.account, id, choice).await?;
    let code = match (settled, choice) {
        (ConflictSettled::Already, _) => "deja",
        (ConflictSettled::Done, ConflictChoice::KeepHand) => "gardee",
        (ConflictSettled::Done, ConflictChoice::TakeFile) => "fichier",
    };
    Ok(Redirect::to(&format!("{CONFLICTS_PATH}?fait={code}")).into_response())
}
