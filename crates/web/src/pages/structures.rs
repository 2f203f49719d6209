//! The list of structures known to the instance, each named by its type's label and, when it is a
//! place of the directory, linked to its page there; a coordinator of a département invites the
//! manager of each structure of it from here (`/structures/{id}/inviter-responsable`).

use crate::auth::Viewer;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
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
    /// A coordinator's département: its structures link to the invitation of their manager.
    invites_managers_of: Option<String>,
}

impl StructuresTemplate {
    fn invites_manager(&self, structure: &Structure) -> bool {
        self.invites_managers_of.as_deref() == Some(structure.departement_code.as_str())
    }
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let invites_managers_of =
        viewer
            .0
            .as_ref()
            .and_then(|user| match (&user.account.role, &user.account.territory) {
                (Role::Coordinator, TerritoryScope::Departement(code)) => Some(code.clone()),
                _ => None,
            });
    render(&StructuresTemplate {
        invites_managers_of,
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
