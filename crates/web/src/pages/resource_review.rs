//! The review of the resource bank: a référent takes a submitted session and publishes it (every
//! point of the checklist checked) or sends it back with a comment; the coordinator designates the
//! mediators of the territory who review (`/ressources/referents`).

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::diagnostic::format_day;
use crate::pages::form_fields::{fields, text};
use crate::pages::render;
use crate::pages::resources::refused;
use aiguillage_domain::ids::{AccountId, ResourceSessionId};
use aiguillage_domain::resource::check_comment;
use aiguillage_domain::resource::review::{ChecklistItem, ReviewDecision};
use aiguillage_service::resources::{self, bank_actor};
use aiguillage_store::{Referent, StoreError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// `POST /ressources/{id}/relecture`: the référent takes the review.
pub async fn start(
    me: Professional,
    Path(id): Path<ResourceSessionId>,
) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    match me
        .state
        .store
        .start_resource_review(&actor, id, me.now())
        .await?
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/ressources/{id}?fait=relecture#grille")).into_response())
        }
        Err(refusal) => refused(&me, id, refusal.to_string()).await,
    }
}

/// `POST /ressources/{id}/decision`: publish or send back, with the checklist and the comment.
pub async fn decide(
    me: Professional,
    Path(id): Path<ResourceSessionId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form = fields(&body);
    let checked: Vec<ChecklistItem> = form
        .get("grille")
        .into_iter()
        .flatten()
        .filter_map(|code| ChecklistItem::from_code(code))
        .collect();
    let comment = match check_comment(&text(&form, "commentaire")) {
        Ok(comment) => comment,
        Err(message) => return refused(&me, id, message).await,
    };
    let decision = ReviewDecision {
        publish: text(&form, "decision") == "publier",
        checked,
        comment,
    };
    let actor = bank_actor(&me.user.account, &me.reason);
    match resources::decide(&me.state, &actor, id, &decision).await? {
        Ok(Some(_)) => Ok(Redirect::to(&format!("/ressources/{id}?fait=publiee")).into_response()),
        Ok(None) => Ok(Redirect::to(&format!("/ressources/{id}?fait=renvoyee")).into_response()),
        Err(refusal) => refused(&me, id, refusal.to_string()).await,
    }
}

#[derive(Template)]
#[template(path = "resource_referents.html")]
struct ReferentsTemplate {
    layout: Layout,
    territory: String,
    designated: Vec<(Referent, String)>,
    others: Vec<Referent>,
    done: Option<&'static str>,
    error: Option<String>,
}

/// What the page says after an action.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    fait: String,
}

async fn referents_page(
    me: &Professional,
    done: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let account = &me.user.account;
    let (designated, others) = me.state.store.referents_of(&account.territory).await?;
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = render(&ReferentsTemplate {
        layout: me.layout("/ressources", "Référents de la ressourcerie"),
        territory: account
            .territory_name
            .clone()
            .unwrap_or_else(|| account.territory.code().to_owned()),
        designated: designated
            .into_iter()
            .map(|r| {
                let day = format_day(r.designated_at);
                (r, day)
            })
            .collect(),
        others,
        done,
        error,
    })?;
    Ok((status, page).into_response())
}

/// `GET /ressources/referents`: the coordinator's référents and the mediators who could be.
pub async fn referents(me: Professional, Query(done): Query<Done>) -> Result<Response, WebError> {
    let said = match done.fait.as_str() {
        "designe" => Some("Le médiateur est désigné référent : il relit désormais les séances des structures du territoire."),
        "retire" => Some("Le médiateur n'est plus référent."),
        _ => None,
    };
    referents_page(&me, said, None).await
}

/// `POST /ressources/referents`: designates a mediator of the territory.
pub async fn designate(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let chosen = text(&fields(&body), "compte").parse::<AccountId>().ok();
    let Some(account) = chosen else {
        return referents_page(
            &me,
            None,
            Some("Choisissez le médiateur à désigner.".into()),
        )
        .await;
    };
    let actor = bank_actor(&me.user.account, &me.reason);
    match me
        .state
        .store
        .designate_referent(&actor, account, me.now())
        .await
    {
        Ok(()) => Ok(Redirect::to("/ressources/referents?fait=designe").into_response()),
        Err(StoreError::Conflict(message)) => referents_page(&me, None, Some(message)).await,
        Err(error) => Err(error.into()),
    }
}

/// `POST /ressources/referents/{account}/retirer`.
pub async fn revoke(
    me: Professional,
    Path(account): Path<AccountId>,
) -> Result<Response, WebError> {
    let actor = bank_actor(&me.user.account, &me.reason);
    me.state
        .store
        .revoke_referent(&actor, account, me.now())
        .await?;
    Ok(Redirect::to("/ressources/referents?fait=retire").into_response())
}
