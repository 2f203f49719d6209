//! The two pathway forms posted from the referral page: a session of the receiving structure, and
//! the closing. Each reads its form into the service's input (`TryFrom`), calls the use case of
//! `service::pathway`, and on a refusal draws the referral page again with every value kept and a
//! message on each field concerned.

use super::closing_form::{closing_field, SubmittedClosing};
use super::referral_page::referral_page_with;
use super::session_form::{session_field, SubmittedSession};
use super::view::PathwaySubmission;
use crate::auth::Professional;
use crate::error::WebError;
use crate::pages::form_fields::{fields, Errors, Fields};
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::orientation::Side;
use aiguillage_domain::pathway::{NewSession, SessionKind};
use aiguillage_service::pathway::{
    self, closing_asks_gains, ClosingStep, PathwayOutcome, PathwayRefusal,
};
use aiguillage_service::referrals::visible_referral;
use aiguillage_store::ReferralRecord;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// Someone changed the referral first: the message of every referral form (steps, sessions, closing).
pub const STALE: &str = "Quelqu'un a modifié cette orientation juste avant vous : voici son état à jour, rien n'a été enregistré.";
const SESSION_FIELDS: &str = "Séance non enregistrée : corrigez les champs signalés dans le formulaire « Enregistrer une séance ».";
const CLOSING_FIELDS: &str =
    "Clôture non enregistrée : corrigez les champs signalés dans le formulaire de clôture.";

/// Which pathway form was refused.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Session,
    Closing,
}

/// What the page says about a refusal: the message, the field errors and the status.
fn explained(refusal: PathwayRefusal) -> (String, Errors, StatusCode) {
    let mut errors = Errors::new();
    let message = match refusal {
        PathwayRefusal::SessionsNotOpen(state) => format!(
            "Seule la structure qui reçoit l'orientation enregistre des séances, au premier contact ou pendant le parcours (état actuel : {}). Rien n'a été enregistré.",
            state.label()
        ),
        PathwayRefusal::NoLongerInProgress(state) => format!(
            "L'orientation n'est plus en cours (état : {}) : la séance n'a pas été enregistrée.",
            state.label()
        ),
        PathwayRefusal::Session(error) => {
            errors.insert(session_field(&error), error.to_string());
            SESSION_FIELDS.to_owned()
        }
        PathwayRefusal::Closing(error) => {
            errors.insert(closing_field(&error), error.to_string());
            CLOSING_FIELDS.to_owned()
        }
        PathwayRefusal::Transition(error) => error.to_string(),
        PathwayRefusal::Stale => STALE.to_owned(),
    };
    let status = if errors.is_empty() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (message, errors, status)
}

/// The referral page again, with the message and the refused form's values and errors.
async fn refused_page(
    professional: &Professional,
    found: (ReferralRecord, Side),
    (message, status): (String, StatusCode),
    (form, values, errors): (Form, Fields, Errors),
) -> Result<Response, WebError> {
    let kept = Some((values, errors));
    let submitted = match form {
        Form::Session => PathwaySubmission {
            session: kept,
            ..PathwaySubmission::default()
        },
        Form::Closing => PathwaySubmission {
            closing: kept,
            ..PathwaySubmission::default()
        },
    };
    referral_page_with(
        &professional.state,
        (&professional.viewer, &professional.user),
        found,
        (Some(message), status),
        submitted,
    )
    .await
}

/// The page for a refusal of the service, or the redirection once written.
async fn answered(
    professional: &Professional,
    outcome: PathwayOutcome,
    (form, values): (Form, Fields),
    done: String,
) -> Result<Response, WebError> {
    match outcome {
        PathwayOutcome::Done => Ok(Redirect::to(&done).into_response()),
        PathwayOutcome::Refused(refusal, fresh) => {
            let (message, errors, status) = explained(refusal);
            refused_page(
                professional,
                *fresh,
                (message, status),
                (form, values, errors),
            )
            .await
        }
    }
}

/// `POST /orientations/{id}/seances`: records a session of the receiving structure on a referral at
/// first contact or in pathway (the first one starts the pathway); a refused one stores nothing and
/// comes back with every value kept.
pub async fn record_session(
    professional: Professional,
    Path(id): Path<ReferralId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let (state, actor) = (&professional.state, professional.actor());
    let values = fields(&body);
    let submitted = SubmittedSession {
        values: &values,
        kind: SessionKind::Individual,
        registered: 1,
        today: state
            .store
            .today_at_structure(actor.structure_id.get(), professional.now())
            .await?,
    };
    let outcome = match NewSession::try_from(submitted) {
        Ok(session) => pathway::record_session(state, &actor, id, &session).await?,
        Err(errors) => {
            let found = visible_referral(state, &actor, id).await?;
            let (message, errors, status) = match PathwayRefusal::sessions_allowed(&found) {
                Err(refusal) => explained(refusal),
                Ok(()) => (
                    SESSION_FIELDS.to_owned(),
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
            };
            let kept = (Form::Session, values, errors);
            return refused_page(&professional, found, (message, status), kept).await;
        }
    };
    let done = format!("/orientations/{id}?seance=enregistree#seances");
    answered(&professional, outcome, (Form::Session, values), done).await
}

/// `POST /orientations/{id}/cloture`: closes the referral with its outcome (and, for the receiving
/// structure closing a pathway, what the person gained), if nobody changed it meanwhile.
pub async fn close(
    professional: Professional,
    Path(id): Path<ReferralId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let (state, actor) = (&professional.state, professional.actor());
    let found = visible_referral(state, &actor, id).await?;
    let values = fields(&body);
    if let Err(refusal) = PathwayRefusal::closing_allowed(&found) {
        let (message, _, status) = explained(refusal);
        let submitted = PathwaySubmission::default();
        return referral_page_with(
            state,
            (&professional.viewer, &professional.user),
            found,
            (Some(message), status),
            submitted,
        )
        .await;
    }
    let submitted = SubmittedClosing {
        referral: id,
        values: &values,
        with_gains: closing_asks_gains(&found),
    };
    let step = match ClosingStep::try_from(submitted) {
        Ok(step) => step,
        Err(errors) => {
            let message = (CLOSING_FIELDS.to_owned(), StatusCode::UNPROCESSABLE_ENTITY);
            let kept = (Form::Closing, values, errors);
            return refused_page(&professional, found, message, kept).await;
        }
    };
    let outcome = pathway::close(state, &actor, &step).await?;
    let done = format!("/orientations/{id}?fait=close#issue");
    answered(&professional, outcome, (Form::Closing, values), done).await
}
