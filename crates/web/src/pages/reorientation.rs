//! Re-orienting a referral the structure sent (`/orientations/{id}/reorientation`): after a refusal
//! the prescriber sees the refusing structure's answer and its hint, the ranked offers of the same
//! profile without that structure's, and sends the same referral, with its history, to the offer
//! chosen once the person agreed to the new sharing. Only the sending side re-orients: for anyone
//! else the referral is « not found ».

use crate::auth::Professional;
use crate::error::WebError;
use crate::pages::form_fields::Errors;
use crate::pages::orientation::{orientation_page, ChoiceQuery, Mode, Reorienting, Typed};
use aiguillage_domain::ids::{OfferId, ReferralId};
use aiguillage_domain::orientation::{ReferralState, Side};
use aiguillage_service::referrals::{
    self, visible_referral, Agreement, ReferralError, Reorientation, Stepped,
};
use aiguillage_store::ReferralRecord;
use axum::extract::{Form, Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The states a sender may re-orient from: refused, or still waiting for the first answer.
fn may_reorient(state: ReferralState) -> bool {
    matches!(state, ReferralState::Refused | ReferralState::Sent)
}

/// The referral, if the viewer's structure sent it and it may be re-oriented, with what its
/// receiving structure answered.
async fn reorienting(
    me: &Professional,
    id: ReferralId,
) -> Result<(ReferralRecord, Reorienting), WebError> {
    let (record, side) = visible_referral(&me.state, &me.actor(), id).await?;
    if side != Side::Sender {
        return Err(WebError::NotFound);
    }
    if !may_reorient(record.state) {
        return Err(WebError::BadRequest(format!(
            "Cette orientation est « {} » : elle ne peut plus être réorientée.",
            record.state.label()
        )));
    }
    let history = me.state.store.referral_history(id).await?;
    let refusal = history
        .iter()
        .rev()
        .find(|line| line.to_state == ReferralState::Refused.label());
    let found = Reorienting {
        referral_id: record.id,
        version: record.version,
        refused_by: record.receiver_structure.clone(),
        refused_structure: record.receiver_structure_id,
        answer: refusal.map(|line| line.event.clone()),
        hint: refusal.map(|line| line.comment.clone()).unwrap_or_default(),
    };
    Ok((record, found))
}

/// `GET /orientations/{id}/reorientation[?offre=ID]`: the refusal, the ranked offers without the
/// refusing structure's; with an offer, the confirmation and the new sharing consent.
pub async fn show(
    me: Professional,
    Path(id): Path<ReferralId>,
    Query(query): Query<ChoiceQuery>,
) -> Result<Response, WebError> {
    let (record, found) = reorienting(&me, id).await?;
    let person = referrals::person_to_orient(&me.state, &me.actor(), record.person_id).await?;
    let offer = query.offer();
    let nothing = (Typed::default(), Errors::new());
    orientation_page(&me, person, (offer, Mode::Reorient(found)), nothing).await
}

/// The re-orientation form as submitted.
#[derive(Debug, Default, Deserialize)]
pub struct ReorientForm {
    #[serde(default)]
    offre: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    consentement: String,
}

/// `POST /orientations/{id}/reorientation`: with the person's agreement, the referral goes to the
/// chosen offer (the version read must still be the current one); the new structure is notified.
pub async fn submit(
    me: Professional,
    Path(id): Path<ReferralId>,
    Form(form): Form<ReorientForm>,
) -> Result<Response, WebError> {
    let (record, found) = reorienting(&me, id).await?;
    let offer = form.offre.trim().parse::<OfferId>().ok();
    let mut errors = Errors::new();
    if offer.is_none() {
        errors.insert("offre", "Choisissez une offre dans la liste.".to_owned());
    }
    let agreement = Agreement::recorded(form.consentement == "oui");
    if agreement.is_none() {
        errors.insert(
            "consentement",
            "Sans l'accord de la personne pour ce partage, rien n'est transmis : cochez son accord ou choisissez une autre solution avec elle.".to_owned(),
        );
    }
    let seen_version = form.version.trim().parse::<i64>().unwrap_or(record.version);
    let (Some(offer_id), Some(agreement), true) = (offer, agreement, errors.is_empty()) else {
        return again(&me, record, (offer, found), errors).await;
    };
    let asked = Reorientation {
        referral: id,
        seen_version,
        offer: offer_id,
        agreement,
    };
    match referrals::reorient(&me.state, &me.actor(), &asked).await {
        Ok(Stepped::Done) => {
            Ok(Redirect::to(&format!("/orientations/{id}?fait=reorientee")).into_response())
        }
        Ok(Stepped::Refused(error, _)) => {
            errors.insert("offre", error.to_string());
            again(&me, record, (offer, found), errors).await
        }
        Ok(Stepped::Stale(_)) => {
            errors.insert(
                "offre",
                "L'orientation a changé depuis votre lecture (quelqu'un a agi avant vous) : rien n'a été envoyé. Relisez-la avant de la réorienter.".to_owned(),
            );
            let (record, found) = reorienting(&me, id).await?;
            again(&me, record, (offer, found), errors).await
        }
        Err(error @ ReferralError::UnknownOffer) => {
            errors.insert("offre", error.to_string());
            again(&me, record, (None, found), errors).await
        }
        Err(error) => Err(error.into()),
    }
}

/// The page again, with the form's errors (422).
async fn again(
    me: &Professional,
    record: ReferralRecord,
    (offer, found): (Option<OfferId>, Reorienting),
    errors: Errors,
) -> Result<Response, WebError> {
    let person = referrals::person_to_orient(&me.state, &me.actor(), record.person_id).await?;
    let typed = Typed::default();
    orientation_page(me, person, (offer, Mode::Reorient(found)), (typed, errors)).await
}
