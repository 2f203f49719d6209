//! The coordinator's optimal redistribution page: pick the waiting referrals (refused, unanswered,
//! accepted without first contact), see the optimal proposal as moves with their reasons and the
//! people left without a place and why, then confirm to apply the moves (see `redistribute`).

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, Fields};
use crate::pages::{format_time, render};
use crate::security_event::{self, EventContext, SecurityEvent};
use aiguillage_service::redistribute::{apply, compute, ApplyReport, Pick, ProposalView};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Query;
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
    /// The batch just applied, to offer its undoing.
    #[serde(default)]
    lot: Option<i64>,
    /// After an undo: how many returned, and the referrals kept (numbers, comma-separated).
    #[serde(default)]
    annulees: Option<usize>,
    #[serde(default)]
    conservees: Option<String>,
}

#[derive(Template)]
#[template(path = "redistribution.html")]
struct RedistributionTemplate {
    layout: Layout,
    pick: Pick,
    proposal: Option<ProposalView>,
    applied: Option<(usize, usize)>,
    just_applied: Option<i64>,
    undone: Option<(usize, Vec<String>)>,
    batches: Vec<BatchLine>,
}

/// A confirmed redistribution, as the page lists it.
struct BatchLine {
    id: i64,
    applied_at: String,
    author: String,
    moves: i64,
    /// « Annulée le … (2 sur 3) » once undone.
    undone: Option<String>,
}

/// How many confirmed redistributions the page lists.
const BATCHES_SHOWN: i64 = 10;

/// `GET /territoire/redistribution`.
pub async fn show(
    me: Professional,
    Query(query): Query<RedistributionQuery>,
) -> Result<Response, WebError> {
    let pick = query.pick();
    let proposal = proposal(&me, pick, query.calcul.is_some()).await?;
    let batches = me
        .state
        .store
        .redistribution_batches(&me.user.account.territory, BATCHES_SHOWN)
        .await?
        .into_iter()
        .map(|batch| BatchLine {
            id: batch.id,
            applied_at: format_time(batch.applied_at),
            author: batch.author,
            moves: batch.moves,
            undone: batch.undone_at.map(|at| {
                format!(
                    "Annulée le {} ({} sur {})",
                    format_time(at),
                    batch.undone_moves,
                    batch.moves
                )
            }),
        })
        .collect();
    let kept = |text: &str| -> Vec<String> {
        text.split(',')
            .filter(|n| n.parse::<i64>().is_ok())
            .map(str::to_owned)
            .collect()
    };
    render(&RedistributionTemplate {
        layout: me.layout("/territoire/redistribution", "Redistribution"),
        pick,
        proposal,
        applied: query.appliquees.zip(query.ecartees),
        just_applied: query.lot,
        undone: query
            .annulees
            .map(|returned| (returned, kept(query.conservees.as_deref().unwrap_or("")))),
        batches,
    })
}

/// `POST /territoire/redistribution/{id}/annuler`: undoes a confirmed redistribution of the
/// coordinator's territory — what nobody acted on returns where it was; another territory's batch,
/// or one already undone, is not found.
pub async fn undo(
    me: Professional,
    axum::extract::Path(batch): axum::extract::Path<i64>,
) -> Result<Response, WebError> {
    let scope = &me.user.account.territory;
    let report = aiguillage_service::redistribute::undo(&me.state, &me.actor(), scope, batch)
        .await?
        .ok_or(WebError::NotFound)?;
    let kept: Vec<String> = report.kept.iter().map(|id| id.get().to_string()).collect();
    Ok(Redirect::to(&format!(
        "/territoire/redistribution?annulees={}&conservees={}",
        report.returned,
        kept.join(",")
    ))
    .into_response())
}

/// The optimal proposal for the pick, when asked to compute it.
async fn proposal(
    me: &Professional,
    pick: Pick,
    computing: bool,
) -> Result<Option<ProposalView>, WebError> {
    if !computing {
        return Ok(None);
    }
    Ok(Some(
        compute(&me.state, &me.user.account.territory, pick).await?,
    ))
}

impl RedistributionQuery {
    /// The referrals picked; before a first computation, the usual pick: refused and unanswered.
    fn pick(&self) -> Pick {
        let computing = self.calcul.is_some();
        Pick {
            refused: self.refusees.is_some() || !computing,
            awaiting: self.attente.is_some() || !computing,
            accepted: self.acceptees.is_some(),
        }
    }
}

/// Reads one confirmed move, `referral:version:offer`.
fn parse_move(text: &str) -> Option<(i64, i64, i64)> {
    let mut parts = text.split(':').map(|p| p.parse::<i64>().ok());
    let parsed = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(parsed)
}

/// Every confirmed move of the form, or the first one that cannot be read.
fn confirmed_moves(values: &Fields) -> Result<Vec<(i64, i64, i64)>, WebError> {
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
    Ok(moves)
}

/// `POST /territoire/redistribution`: applies the confirmed moves, each checked against the
/// referral's version and the state machine.
pub async fn confirm(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let moves = confirmed_moves(&fields(&body))?;
    let scope = &me.user.account.territory;
    let report = apply(&me.state, &me.actor(), scope, &moves).await?;
    if !report.refused.is_empty() {
        return Err(refused(&me, &report));
    }
    let batch = report
        .batch
        .map(|id| format!("&lot={id}"))
        .unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/territoire/redistribution?appliquees={}&ecartees={}{batch}",
        report.moved, report.stale
    ))
    .into_response())
}

/// Moves refused, nothing applied: a security event, and the reasons as the answer.
fn refused(me: &Professional, report: &ApplyReport) -> WebError {
    security_event::record(
        SecurityEvent::OutOfScope,
        EventContext {
            account_id: Some(me.user.account.id),
            method: Some("POST"),
            path: Some("/territoire/redistribution"),
            ..EventContext::default()
        },
    );
    let message = format!(
        "Aucune réorientation n'a été appliquée. {} Recalculez la proposition.",
        report.refused.join(" ")
    );
    if report.out_of_scope {
        WebError::ForbiddenWith(message)
    } else {
        WebError::BadRequest(message)
    }
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
