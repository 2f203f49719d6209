//! The [`FiguresReader`] extractor: who reads the published figures — the masked steering
//! indicators, the territory diagnostic, the fragility index — and within which bounds. A
//! signed-in professional reads by their account (a coordinator their territory, the administrator
//! the nation, anyone else their structure); a partner tool with `indicators:read` reads the
//! territory its administrator gave it, or the whole instance without one.

use crate::auth::guard::ApiCaller;
use crate::auth::Viewer;
use crate::error::WebError;
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::AppState;
use aiguillage_store::Account;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// Where the steering figures of a reader are cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SteeringBounds {
    /// A territory, or an area inside it.
    Territory(TerritoryScope),
    /// France, or any area of it.
    Nation,
    /// One structure's own activity.
    Structure(i64),
}

impl SteeringBounds {
    /// The bounds of a professional's account.
    pub fn of(account: &Account) -> SteeringBounds {
        match account.role {
            Role::Coordinator => SteeringBounds::Territory(account.territory.clone()),
            Role::Administrator => SteeringBounds::Nation,
            _ => SteeringBounds::Structure(account.structure_id),
        }
    }
}

/// A request for published figures.
#[derive(Clone)]
pub struct FiguresReader {
    pub state: AppState,
    pub steering: SteeringBounds,
    /// The territory whose maps, targets and uploaded indicators apply; `None`: the whole instance.
    pub territory: Option<TerritoryScope>,
}

impl FromRequestParts<AppState> for FiguresReader {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        if let Some(ApiCaller(client)) = parts.extensions.get::<ApiCaller>() {
            let territory = client.territory.clone();
            let steering = territory
                .clone()
                .map_or(SteeringBounds::Nation, SteeringBounds::Territory);
            return Ok(FiguresReader {
                state: state.clone(),
                steering,
                territory,
            });
        }
        let viewer = Viewer::from_request_parts(parts, state)
            .await
            .unwrap_or_default();
        let user = viewer.0.ok_or(WebError::SignInRequired)?;
        Ok(FiguresReader {
            state: state.clone(),
            steering: SteeringBounds::of(&user.account),
            territory: Some(user.account.territory),
        })
    }
}
