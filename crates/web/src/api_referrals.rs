//! The referrals part of the JSON API, for professionals' sessions and partner tools acting in the
//! name of one (`referrals:write`): send a person's referral with their recorded agreement, read a
//! referral, and take a step (accept, refuse with a reason, record the first contact, start the
//! pathway) through the same state machine and version check as the pages. Another structure's
//! referral is « not found ».

use crate::auth::Professional;
use crate::error::WebError;
use crate::pages::orientation_form::{StepForm, StepRequest};
use aiguillage_domain::ids::{OfferId, PersonId, ReferralId};
use aiguillage_service::referrals::{
    send, take_step, visible_referral, Agreement, ReferralChoice, ReferralError, ReferralStep,
    Stepped,
};
use aiguillage_store::ReferralRecord;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// The referral endpoints' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(send_referral, referral, step),
    components(schemas(NewReferral, ReferralRead, Step))
)]
pub struct ReferralsApiDoc;

/// A referral to send.
#[derive(Deserialize, ToSchema)]
pub struct NewReferral {
    /// The offer chosen with the person.
    offre_id: i64,
    /// `true` only if the person agreed, once the sharing text was read to them, that their data go to
    /// the offer's structure.
    accord_partage: bool,
    #[serde(default)]
    message: String,
}

/// A referral as its viewer may see it.
#[derive(Serialize, ToSchema)]
pub struct ReferralRead {
    id: i64,
    /// Stable code of the state (`sent`, `accepted`, `refused`, `first_contact`, `in_pathway`, …).
    etat: String,
    /// The version to send with the next step.
    version: i64,
    offre_id: i64,
    offre: String,
    structure_destinataire: String,
    structure_emettrice: String,
    urgent: bool,
}

impl ReferralRead {
    fn of(record: &ReferralRecord) -> ReferralRead {
        ReferralRead {
            id: record.id.get(),
            etat: record.state.code().to_owned(),
            version: record.version,
            offre_id: record.offer_id.get(),
            offre: record.offer_name.clone(),
            structure_destinataire: record.receiver_structure.clone(),
            structure_emettrice: record.sender_structure.clone(),
            urgent: record.urgent,
        }
    }
}

/// A step on a referral, at the version read.
#[derive(Deserialize, ToSchema)]
pub struct Step {
    /// `accepter`, `refuser`, `premier_contact` or `parcours`.
    action: String,
    /// The version of the referral as last read.
    version: i64,
    /// For `refuser`: the refusal reason's code.
    #[serde(default)]
    motif: String,
    #[serde(default)]
    commentaire: String,
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WebError> {
    serde_json::from_slice(body)
        .map_err(|e| WebError::BadRequest(format!("Corps JSON illisible : {e}")))
}

fn refused(error: ReferralError) -> WebError {
    match error {
        ReferralError::NotFound => WebError::NotFound,
        ReferralError::Store(error) => error.into(),
        other => WebError::BadRequest(other.to_string()),
    }
}

/// A JSON answer with its status.
fn answer(status: StatusCode, body: impl Serialize) -> Response {
    (status, Json(body)).into_response()
}

#[utoipa::path(post, path = "/api/v1/personnes/{id}/orientations", tag = "orientations",
    params(("id" = i64, Path, description = "La personne")),
    request_body = NewReferral,
    responses((status = 201, body = ReferralRead, description = "Orientation envoyée et structure destinataire notifiée"),
              (status = 400, description = "Accord absent, offre inconnue, personne non diagnostiquée : rien n'est envoyé"),
              (status = 401, description = "Connexion ou jeton requis"), (status = 404, description = "Personne introuvable")))]
pub async fn send_referral(
    me: Professional,
    Path(person): Path<PersonId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let asked: NewReferral = parse(&body)?;
    let Some(agreement) = Agreement::recorded(asked.accord_partage) else {
        return Err(WebError::BadRequest(
            "Sans l'accord de la personne pour ce partage, rien n'est transmis.".into(),
        ));
    };
    let choice = ReferralChoice {
        offer: OfferId::new(asked.offre_id),
        agreement,
        message: asked.message.trim().to_owned(),
    };
    let actor = me.actor();
    let id = send(&me.state, &actor, person, &choice)
        .await
        .map_err(refused)?;
    let (record, _) = visible_referral(&me.state, &actor, id)
        .await
        .map_err(refused)?;
    Ok(answer(StatusCode::CREATED, ReferralRead::of(&record)))
}

#[utoipa::path(get, path = "/api/v1/orientations/{id}", tag = "orientations",
    params(("id" = i64, Path, description = "L'orientation")),
    responses((status = 200, body = ReferralRead), (status = 404, description = "Orientation introuvable")))]
pub async fn referral(me: Professional, Path(id): Path<ReferralId>) -> Result<Response, WebError> {
    let (record, _) = visible_referral(&me.state, &me.actor(), id)
        .await
        .map_err(refused)?;
    Ok(answer(StatusCode::OK, ReferralRead::of(&record)))
}

#[utoipa::path(post, path = "/api/v1/orientations/{id}/etapes", tag = "orientations",
    params(("id" = i64, Path, description = "L'orientation")),
    request_body = Step,
    responses((status = 200, body = ReferralRead, description = "Étape enregistrée"),
              (status = 400, description = "Action ou motif illisible"),
              (status = 404, description = "Orientation introuvable"),
              (status = 409, body = ReferralRead, description = "Quelqu'un a agi avant : rien n'est écrit, voici l'état actuel"),
              (status = 422, body = ReferralRead, description = "Étape impossible depuis cet état ou pour ce côté : rien n'est écrit")))]
pub async fn step(
    me: Professional,
    Path(id): Path<ReferralId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let asked: Step = parse(&body)?;
    let form = StepForm {
        action: asked.action,
        version: asked.version.to_string(),
        motif: asked.motif,
        commentaire: asked.commentaire,
        consentement: String::new(),
    };
    let request = StepRequest::try_from(form).map_err(|errors| {
        WebError::BadRequest(errors.values().cloned().collect::<Vec<_>>().join(" "))
    })?;
    let StepRequest::Event {
        seen_version,
        event,
        comment,
    } = request
    else {
        return Err(WebError::BadRequest("Action inconnue.".into()));
    };
    let actor = me.actor();
    let step = ReferralStep {
        referral: id,
        seen_version,
        event,
        comment,
    };
    match take_step(&me.state, &actor, &step).await.map_err(refused)? {
        Stepped::Done => {
            let (record, _) = visible_referral(&me.state, &actor, id)
                .await
                .map_err(refused)?;
            Ok(answer(StatusCode::OK, ReferralRead::of(&record)))
        }
        Stepped::Refused(_, (record, _)) => Ok(answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            ReferralRead::of(&record),
        )),
        Stepped::Stale((record, _)) => Ok(answer(StatusCode::CONFLICT, ReferralRead::of(&record))),
    }
}
