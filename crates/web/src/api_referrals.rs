//! The referrals part of the JSON API, for professionals' sessions and partner tools acting in the
//! name of one (`referrals:write`): send a person's referral with their recorded agreement, read a
//! referral, and take a step (accept, refuse with a reason, record the first contact, start the
//! pathway), record a session and close with the outcome and gains, through the same state machine,
//! version check and form rules as the pages. Another structure's referral is « not found ».

use crate::auth::Professional;
use crate::error::WebError;
use crate::pages::orientation_form::{StepForm, StepRequest};
use aiguillage_domain::free_text::{check_free_text, FreeTextField};
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
    paths(referrals, send_referral, referral, step, record_session, close),
    components(schemas(
        NewReferral,
        ReferralRead,
        ReferralLists,
        Step,
        FormFields,
        FieldValue,
        Refusal
    ))
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
    /// Required when another referral of the person is open: why a new one goes as well.
    #[serde(default)]
    motif_nouvel_envoi: String,
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
    for (field, text) in [
        ("message", &asked.message),
        ("motif_nouvel_envoi", &asked.motif_nouvel_envoi),
    ] {
        check_free_text(FreeTextField::ReferralMessage, text.trim())
            .map_err(|error| WebError::BadRequest(format!("{field} : {error}")))?;
    }
    let choice = ReferralChoice {
        offer: OfferId::new(asked.offre_id),
        agreement,
        message: asked.message.trim().to_owned(),
        why_again: asked.motif_nouvel_envoi.trim().to_owned(),
        appointment: None,
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

/// The referrals of the caller's structure, newest step first (200 at most each).
#[derive(Serialize, ToSchema)]
pub struct ReferralLists {
    /// Received by the structure: to accept, contact and follow.
    recues: Vec<ReferralRead>,
    /// Sent by the structure.
    envoyees: Vec<ReferralRead>,
}

#[utoipa::path(get, path = "/api/v1/orientations", tag = "orientations",
    responses((status = 200, body = ReferralLists), (status = 401, description = "Connexion ou jeton requis")))]
pub async fn referrals(me: Professional) -> Result<Response, WebError> {
    let (actor, now) = (me.actor(), me.now());
    let store = &me.state.store;
    let read = |records: Vec<ReferralRecord>| records.iter().map(ReferralRead::of).collect();
    let lists = ReferralLists {
        recues: read(store.referrals_of_structure(&actor, true, now).await?),
        envoyees: read(store.referrals_of_structure(&actor, false, now).await?),
    };
    Ok(answer(StatusCode::OK, lists))
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
        joint_par: String::new(),
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

/// A session or a closing as a JSON object: the fields of the page's form, each a text or a list of
/// texts (`{"date": "2026-12-01", "duree": "45", "materiel": ["telephone"], …}`).
#[derive(Deserialize, ToSchema)]
#[serde(transparent)]
pub struct FormFields(std::collections::BTreeMap<String, FieldValue>);

/// One field: a text, a number or a list of texts.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum FieldValue {
    Text(String),
    Number(i64),
    Texts(Vec<String>),
}

impl FormFields {
    fn into_fields(self) -> crate::pages::form_fields::Fields {
        self.0
            .into_iter()
            .map(|(name, value)| {
                let values = match value {
                    FieldValue::Text(text) => vec![text],
                    FieldValue::Number(n) => vec![n.to_string()],
                    FieldValue::Texts(texts) => texts,
                };
                (name, values)
            })
            .collect()
    }
}

/// The errors of a session or closing, one French message per field, with the referral as it stands.
#[derive(Serialize, ToSchema)]
pub struct Refusal {
    erreurs: std::collections::BTreeMap<String, String>,
    orientation: Option<ReferralRead>,
}

fn refusal(errors: crate::pages::form_fields::Errors, record: Option<&ReferralRecord>) -> Response {
    let body = Refusal {
        erreurs: errors.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        orientation: record.map(ReferralRead::of),
    };
    answer(StatusCode::UNPROCESSABLE_ENTITY, body)
}

fn refusal_message(refusal: &aiguillage_service::pathway::PathwayRefusal) -> String {
    use aiguillage_service::pathway::PathwayRefusal::*;
    match refusal {
        SessionsNotOpen(state) | NoLongerInProgress(state) => format!(
            "Les séances se notent au premier contact ou en parcours, par la structure qui reçoit : l'orientation est « {} ».",
            state.label()
        ),
        Session(error) => error.to_string(),
        Closing(error) => error.to_string(),
        Transition(error) => error.to_string(),
        Stale => "Quelqu'un a agi avant vous : relisez l'orientation.".to_owned(),
    }
}

/// `POST /api/v1/orientations/{id}/seances`: records an individual session.
#[utoipa::path(post, path = "/api/v1/orientations/{id}/seances", tag = "orientations",
    params(("id" = i64, Path, description = "L'orientation")),
    request_body(content = FormFields, description = "Les champs du formulaire de séance : date (AAAA-MM-JJ), duree (minutes), lieu, materiel, thematiques, demarches, autonomie, notes"),
    responses((status = 201, body = ReferralRead, description = "Séance enregistrée"),
              (status = 404, description = "Orientation introuvable"),
              (status = 422, body = Refusal, description = "Séance invalide ou impossible : rien n'est écrit")))]
pub async fn record_session(
    me: Professional,
    Path(id): Path<ReferralId>,
    body: Bytes,
) -> Result<Response, WebError> {
    use crate::pages::pathway::session_form::SubmittedSession;
    use aiguillage_domain::pathway::{NewSession, SessionKind};
    use aiguillage_service::pathway::{self, PathwayOutcome};
    let values = parse::<FormFields>(&body)?.into_fields();
    let actor = me.actor();
    // Another structure's referral is « not found » whatever the session says.
    visible_referral(&me.state, &actor, id)
        .await
        .map_err(refused)?;
    let submitted = SubmittedSession {
        values: &values,
        kind: SessionKind::Individual,
        registered: 1,
        today: me
            .state
            .store
            .today_at_structure(actor.structure_id.get(), me.now())
            .await
            .map_err(|e| refused(e.into()))?,
    };
    let session = match NewSession::try_from(submitted) {
        Ok(session) => session,
        Err(errors) => return Ok(refusal(errors, None)),
    };
    match pathway::record_session(&me.state, &actor, id, &session)
        .await
        .map_err(refused)?
    {
        PathwayOutcome::Done => {
            let (record, _) = visible_referral(&me.state, &actor, id)
                .await
                .map_err(refused)?;
            Ok(answer(StatusCode::CREATED, ReferralRead::of(&record)))
        }
        PathwayOutcome::Refused(why, now) => {
            let errors = [("orientation", refusal_message(&why))]
                .into_iter()
                .collect();
            Ok(refusal(errors, Some(&now.0)))
        }
    }
}

/// `POST /api/v1/orientations/{id}/cloture`: closes the referral with its outcome (and gains).
#[utoipa::path(post, path = "/api/v1/orientations/{id}/cloture", tag = "orientations",
    params(("id" = i64, Path, description = "L'orientation")),
    request_body(content = FormFields, description = "Les champs du formulaire de clôture : version, issue (libellé), et pour un parcours : droits, gain, emploi…"),
    responses((status = 200, body = ReferralRead, description = "Orientation close"),
              (status = 404, description = "Orientation introuvable"),
              (status = 409, body = Refusal, description = "Quelqu'un a agi avant : rien n'est écrit"),
              (status = 422, body = Refusal, description = "Clôture invalide ou impossible : rien n'est écrit")))]
pub async fn close(
    me: Professional,
    Path(id): Path<ReferralId>,
    body: Bytes,
) -> Result<Response, WebError> {
    use crate::pages::pathway::closing_form::SubmittedClosing;
    use aiguillage_service::pathway::{
        self, closing_asks_gains, ClosingStep, PathwayOutcome, PathwayRefusal,
    };
    let values = parse::<FormFields>(&body)?.into_fields();
    let actor = me.actor();
    let seen = visible_referral(&me.state, &actor, id)
        .await
        .map_err(refused)?;
    let submitted = SubmittedClosing {
        referral: id,
        values: &values,
        with_gains: closing_asks_gains(&seen),
    };
    let step = match ClosingStep::try_from(submitted) {
        Ok(step) => step,
        Err(errors) => return Ok(refusal(errors, Some(&seen.0))),
    };
    match pathway::close(&me.state, &actor, &step)
        .await
        .map_err(refused)?
    {
        PathwayOutcome::Done => {
            let (record, _) = visible_referral(&me.state, &actor, id)
                .await
                .map_err(refused)?;
            Ok(answer(StatusCode::OK, ReferralRead::of(&record)))
        }
        PathwayOutcome::Refused(why, now) => {
            let errors = [("orientation", refusal_message(&why))]
                .into_iter()
                .collect();
            let mut response = refusal(errors, Some(&now.0));
            if matches!(why, PathwayRefusal::Stale) {
                *response.status_mut() = StatusCode::CONFLICT;
            }
            Ok(response)
        }
    }
}
