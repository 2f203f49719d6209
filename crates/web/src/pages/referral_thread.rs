//! The thread of a referral (`POST /orientations/{id}/messages`): a short message from one
//! professional to the other side, checked like every free text, notified, audited, kept with the
//! referral. A refused message comes back on the referral page with what was typed.

use crate::auth::Professional;
use crate::error::WebError;
use crate::pages::pathway::{referral_page_with, PathwaySubmission};
use aiguillage_domain::free_text::{check_free_text, FreeTextField};
use aiguillage_domain::ids::ReferralId;
use aiguillage_service::referrals::{post_message, visible_referral};
use axum::extract::{Form, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The message form.
#[derive(Debug, Default, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    message: String,
}

/// `POST /orientations/{id}/messages`.
pub async fn post(
    professional: Professional,
    Path(id): Path<ReferralId>,
    Form(form): Form<MessageForm>,
) -> Result<Response, WebError> {
    let refusal = match check_free_text(FreeTextField::ThreadMessage, &form.message) {
        Ok(Some(text)) => {
            post_message(&professional.state, &professional.actor(), id, &text).await?;
            let to = format!("/orientations/{id}?fait=message#echanges");
            return Ok(Redirect::to(&to).into_response());
        }
        Ok(None) => "Écrivez votre message avant de l'envoyer.".to_owned(),
        Err(error) => error.to_string(),
    };
    let found = visible_referral(&professional.state, &professional.actor(), id).await?;
    let submitted = PathwaySubmission {
        message: Some((form.message, refusal.clone())),
        ..PathwaySubmission::default()
    };
    referral_page_with(
        &professional.state,
        (&professional.viewer, &professional.user),
        found,
        (Some(refusal), StatusCode::UNPROCESSABLE_ENTITY),
        submitted,
    )
    .await
}
