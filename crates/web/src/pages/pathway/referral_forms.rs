//! The two pathway forms posted from the referral page: a session of the receiving structure, and
//! the closing; a refused one comes back on the referral page with every value kept.

use super::closing_form::{closing_field, read_closing};
use super::referral_page::referral_page_with;
use super::session_form::{read_session, session_field};
use super::view::PathwaySubmission;
use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::people::actor;
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::orientation::{transition, ClosingOutcome, ReferralEvent, Side};
use aiguillage_domain::pathway::SessionKind;
use aiguillage_service::state::AppState;
use aiguillage_store::{CloseOutcome, ReferralRecord, SessionOutcome};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// The referral the actor's structure sent or received, with the side, or "not found".
async fn found_referral(
    state: &AppState,
    user: &CurrentUser,
    id: ReferralId,
    reason: &str,
) -> Result<(ReferralRecord, Side), WebError> {
    state
        .store
        .referral(&actor(user, reason), id, state.now())
        .await?
        .ok_or(WebError::NotFound)
}

const STALE: &str = "Quelqu'un a modifié cette orientation juste avant vous : voici son état à jour, rien n'a été enregistré.";

/// `POST /orientations/{id}/seances`: records a session of the receiving structure on a referral at
/// first contact or in pathway (the first one starts the pathway); a refused one stores nothing and
/// comes back with every value kept.
pub async fn record_session(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<ReferralId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let reason = format!("POST /orientations/{id}/seances");
    let (referral, side) = found_referral(&state, &user, id, &reason).await?;
    if side != Side::Receiver || !referral.state.accepts_sessions() {
        let message = format!(
            "Seule la structure qui reçoit l'orientation enregistre des séances, au premier contact ou pendant le parcours (état actuel : {}). Rien n'a été enregistré.",
            referral.state.label()
        );
        return referral_page_with(
            &state,
            (&viewer, &user),
            (referral, side),
            (Some(message), StatusCode::CONFLICT),
            PathwaySubmission::default(),
        )
        .await;
    }
    let values = fields(&body);
    let now = state.now();
    let refused = |errors: Errors, values: Fields| PathwaySubmission {
        session: Some((values, errors)),
        ..PathwaySubmission::default()
    };
    let (session, errors) = read_session(&values, SessionKind::Individual, 1, now);
    let Some(session) = session else {
        return referral_page_with(
            &state,
            (&viewer, &user),
            (referral, side),
            (
                Some("Séance non enregistrée : corrigez les champs signalés dans le formulaire « Enregistrer une séance ».".to_owned()),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            refused(errors, values),
        )
        .await;
    };
    let outcome = state
        .store
        .record_session(&actor(&user, &reason), id, &session, now)
        .await?;
    let (message, errors) = match outcome {
        SessionOutcome::Recorded { .. } => {
            return Ok(Redirect::to(&format!("/orientations/{id}?seance=enregistree#seances")).into_response())
        }
        SessionOutcome::NotFound { .. } => return Err(WebError::NotFound),
        SessionOutcome::Invalid(error) => {
            let mut errors = Errors::new();
            errors.insert(session_field(&error), error.to_string());
            ("Séance non enregistrée : corrigez les champs signalés dans le formulaire « Enregistrer une séance ».".to_owned(), errors)
        }
        SessionOutcome::NotInProgress { state: now_at, .. } => (
            format!("L'orientation n'est plus en cours (état : {}) : la séance n'a pas été enregistrée.", now_at.label()),
            Errors::new(),
        ),
        SessionOutcome::StaleVersion => (STALE.to_owned(), Errors::new()),
    };
    let fresh = found_referral(&state, &user, id, &reason).await?;
    let status = if errors.is_empty() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    referral_page_with(
        &state,
        (&viewer, &user),
        fresh,
        (Some(message), status),
        refused(errors, values),
    )
    .await
}

/// `POST /orientations/{id}/cloture`: closes the referral with its outcome (and, for the receiving
/// structure closing a pathway, what the person gained), if nobody changed it meanwhile.
pub async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<ReferralId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let reason = format!("POST /orientations/{id}/cloture");
    let (referral, side) = found_referral(&state, &user, id, &reason).await?;
    let values = fields(&body);
    let refused = |errors: Errors, values: Fields| PathwaySubmission {
        closing: Some((values, errors)),
        ..PathwaySubmission::default()
    };
    let any_close = ReferralEvent::Close {
        outcome: ClosingOutcome::DroppedOut,
    };
    if let Err(error) = transition(referral.state, &any_close, side) {
        return referral_page_with(
            &state,
            (&viewer, &user),
            (referral, side),
            (Some(error.to_string()), StatusCode::CONFLICT),
            PathwaySubmission::default(),
        )
        .await;
    }
    let with_gains = side == Side::Receiver && referral.state.accepts_sessions();
    let (closing, comment) = match read_closing(&values, with_gains) {
        Ok(read) => read,
        Err(errors) => {
            return referral_page_with(
                &state,
                (&viewer, &user),
                (referral, side),
                (
                    Some("Clôture non enregistrée : corrigez les champs signalés dans le formulaire de clôture.".to_owned()),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                refused(errors, values),
            )
            .await
        }
    };
    let version = text(&values, "version").parse::<i64>().unwrap_or(-1);
    let outcome = state
        .store
        .close_referral(
            &actor(&user, &reason),
            (id, version),
            &closing,
            &comment,
            state.now(),
        )
        .await?;
    let (message, errors) = match outcome {
        CloseOutcome::Closed => {
            return Ok(Redirect::to(&format!("/orientations/{id}#issue")).into_response())
        }
        CloseOutcome::NotFound => return Err(WebError::NotFound),
        CloseOutcome::Invalid(error) => {
            let mut errors = Errors::new();
            errors.insert(closing_field(&error), error.to_string());
            ("Clôture non enregistrée : corrigez les champs signalés dans le formulaire de clôture.".to_owned(), errors)
        }
        CloseOutcome::Refused(error) => (error.to_string(), Errors::new()),
        CloseOutcome::StaleVersion => (STALE.to_owned(), Errors::new()),
    };
    let status = if errors.is_empty() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let fresh = found_referral(&state, &user, id, &reason).await?;
    referral_page_with(
        &state,
        (&viewer, &user),
        fresh,
        (Some(message), status),
        refused(errors, values),
    )
    .await
}
