//! The coordinator's optimal redistribution page: pick the waiting referrals (refused, unanswered,
//! accepted without first contact), see the optimal proposal as moves with their reasons and the
//! people left without a place and why, then confirm to apply the moves (see `redistribute`).

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::fields;
use crate::pages::people::actor;
use crate::pages::render;
use crate::security_event::{self, EventContext, SecurityEvent};
use aiguillage_service::redistribute::{apply, compute, Pick, ProposalView};
use aiguillage_service::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The page's URL parameters: the pick, whether to compute, and the outcome of an application.
#[derive(Debug, Default, Deserialize)]
pub struct RedistributionQuery {
    #[serde(default)]
    refusees: Option<String>,
    #[serde(default)]
    attente: Option<String>,
    #[serde(default)]
    acceptees: Option<String>,
    #[serde(default)]
    calcul: Option<String>,
    #[serde(default)]
    appliquees: Option<usize>,
    #[serde(default)]
    ecartees: Option<usize>,
}

#[derive(Template)]
#[template(path = "redistribution.html")]
struct RedistributionTemplate {
    layout: Layout,
    pick: Pick,
    proposal: Option<ProposalView>,
    applied: Option<(usize, usize)>,
}

/// `GET /territoire/redistribution`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Query(query): Query<RedistributionQuery>,
) -> Result<Response, WebError> {
    let computing = query.calcul.is_some();
    // Before a first computation, the usual pick: refused and unanswered referrals.
    let pick = Pick {
        refused: query.refusees.is_some() || !computing,
        awaiting: query.attente.is_some() || !computing,
        accepted: query.acceptees.is_some(),
    };
    let proposal = if computing {
        Some(compute(&state, &user.account.territory, pick).await?)
    } else {
        None
    };
    render(&RedistributionTemplate {
        layout: Layout::new(
            &state,
            &viewer,
            "/territoire/redistribution",
            "Redistribution",
        ),
        pick,
        proposal,
        applied: query.appliquees.zip(query.ecartees),
    })
}

/// Reads one confirmed move, `referral:version:offer`.
fn parse_move(text: &str) -> Option<(i64, i64, i64)> {
    let mut parts = text.split(':').map(|p| p.parse::<i64>().ok());
    let parsed = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(parsed)
}

/// `POST /territoire/redistribution`: applies the confirmed moves, each checked against the
/// referral's version and the state machine.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<Response, WebError> {
    let values = fields(&body);
    let submitted = values.get("deplacement").cloned().unwrap_or_default();
    let mut moves = Vec::with_capacity(submitted.len());
    for text in &submitted {
        let Some(one) = parse_move(text) else {
            return Err(WebError::BadRequest(format!(
                "Réorientation « {text} » illisible : recalculez la proposition."
            )));
        };
        moves.push(one);
    }
    let actor = actor(&user, "POST /territoire/redistribution");
    let report = apply(&state, &actor, &user.account.territory, &moves).await?;
    if !report.refused.is_empty() {
        security_event::record(
            SecurityEvent::OutOfScope,
            EventContext {
                account_id: Some(user.account.id),
                method: Some("POST"),
                path: Some("/territoire/redistribution"),
                ..EventContext::default()
            },
        );
        let message = format!(
            "Aucune réorientation n'a été appliquée. {} Recalculez la proposition.",
            report.refused.join(" ")
        );
        return Err(if report.out_of_scope {
            WebError::ForbiddenWith(message)
        } else {
            WebError::BadRequest(message)
        });
    }
    Ok(Redirect::to(&format!(
        "/territoire/redistribution?appliquees={}&ecartees={}",
        report.moved, report.stale
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_move;

    #[test]
    fn moves_are_three_integers() {
        assert_eq!(parse_move("12:3:40"), Some((12, 3, 40)));
        assert_eq!(parse_move("12:3"), None);
        assert_eq!(parse_move("12:3:40:1"), None);
        assert_eq!(parse_move("a:3:40"), None);
    }
}
