//! The list of structures known to the instance, each named by its type's label and, when it is a
//! place of the directory, linked to its page there.

use crate::auth::Viewer;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use aiguillage_interop::structure_types::describe_structure_kind;
use aiguillage_service::state::AppState;
use aiguillage_store::Structure;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "structures.html")]
struct StructuresTemplate {
    layout: Layout,
    structures: Vec<Structure>,
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    render(&StructuresTemplate {
        layout: Layout::new(&state, &viewer, "/structures", "Structures"),
        structures: state
            .store
            .list_structures()
            .await?
            .into_iter()
            .map(|mut structure| {
                structure.kind = describe_structure_kind(&structure.kind);
                structure
            })
            .collect(),
    })
}
