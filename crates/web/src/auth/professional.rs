//! The [`Professional`] extractor: a signed-in professional's request in one argument — the
//! instance state, who they are, and the route they asked for (the reason the audit trail records).
//! Handlers take it instead of `State`, `Viewer` and `CurrentUser` side by side, and hand
//! [`Professional::actor`] to the use cases, which check the actor's scope on every record.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_service::AppState;
use aiguillage_store::Actor;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// A signed-in professional's request.
#[derive(Clone)]
pub struct Professional {
    pub state: AppState,
    pub viewer: Viewer,
    pub user: CurrentUser,
    /// `METHOD /path` as asked (`POST /orientations/12`): the reason of every audit entry.
    pub reason: String,
}

impl Professional {
    /// The actor the use cases and the store check scopes against and audit.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            account_id: AccountId::new(self.user.account.id),
            structure_id: StructureId::new(self.user.account.structure_id),
            reason: &self.reason,
        }
    }

    /// The instance's current time.
    pub fn now(&self) -> i64 {
        self.state.now()
    }

    /// The frame of a page this professional sees at `path`.
    pub fn layout(&self, path: &str, title: &str) -> Layout {
        Layout::new(&self.state, &self.viewer, path, title)
    }
}

impl FromRequestParts<AppState> for Professional {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let viewer = Viewer::from_request_parts(parts, state)
            .await
            .unwrap_or_default();
        let user = viewer.0.clone().ok_or(WebError::SignInRequired)?;
        let route = format!("{} {}", parts.method, parts.uri.path());
        let reason = match parts.extensions.get::<crate::auth::guard::ApiCaller>() {
            Some(caller) => format!("client d'API {} : {route}", caller.0.client_id),
            None => route,
        };
        Ok(Professional {
            state: state.clone(),
            viewer,
            user,
            reason,
        })
    }
}
