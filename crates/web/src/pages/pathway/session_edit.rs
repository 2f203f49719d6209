//! Correcting or deleting a recorded session (`/seances/{id}/modifier`, `/seances/{id}/supprimer`):
//! only the structure that recorded it, while it still sees the referral. An individual session is
//! corrected with the same form and rules as when it was recorded (the date never after today where
//! the structure is); a workshop is deleted and recorded again (its people and participants are
//! checked together at recording).

use super::session_form::{session_field, SessionForm, SubmittedSession};
use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text, Errors};
use crate::pages::render;
use aiguillage_domain::pathway::{NewSession, SessionKind};
use aiguillage_store::{PathwaySession, SessionChange};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "session_edit.html")]
struct SessionEditTemplate {
    layout: Layout,
    /// Where the session belongs: the referral's page, or the workshops' page.
    back: String,
    /// The date of the session, in words.
    held_on: String,
    /// The correction form (individual sessions only).
    form: Option<SessionForm>,
    delete_action: String,
    /// Why the deletion was refused (its confirmation box left unticked).
    delete_error: Option<&'static str>,
}

const DELETE_UNCONFIRMED: &str =
    "Cochez la case de confirmation pour supprimer la séance : rien n'a été supprimé.";

/// Where a session's page leads back to.
fn back_of(session: &PathwaySession) -> String {
    match session.referral_id {
        Some(referral) => format!("/orientations/{referral}"),
        None => "/ateliers/nouveau".to_owned(),
    }
}

async fn found(me: &Professional, id: i64) -> Result<PathwaySession, WebError> {
    let session = me
        .state
        .store
        .own_pathway_session(&me.actor(), id, me.now())
        .await?;
    session.ok_or(WebError::NotFound)
}

fn edit_page(
    me: &Professional,
    session: &PathwaySession,
    form: Option<SessionForm>,
    delete_error: Option<&'static str>,
) -> Result<Response, WebError> {
    let refused = delete_error.is_some() || form.as_ref().is_some_and(|f| !f.errors.is_empty());
    let page = render(&SessionEditTemplate {
        layout: me.layout("/orientations", "Corriger une séance"),
        back: back_of(session),
        held_on: super::french_date(session.record.held_on),
        form,
        delete_action: format!("/seances/{}/supprimer", session.id),
        delete_error,
    })?;
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

fn correction_form(session: &PathwaySession) -> Option<SessionForm> {
    (session.referral_id.is_some()).then(|| {
        SessionForm::of_session(format!("/seances/{}/modifier", session.id), &session.record)
    })
}

/// `GET /seances/{id}/modifier`: the session's form filled with what was recorded, and its deletion.
pub async fn edit_form(me: Professional, Path(id): Path<i64>) -> Result<Response, WebError> {
    let session = found(&me, id).await?;
    edit_page(&me, &session, correction_form(&session), None)
}

/// `POST /seances/{id}/modifier`: corrects an individual session; a refused correction writes
/// nothing and comes back with every value kept and a message beside each field.
pub async fn correct(
    me: Professional,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let session = found(&me, id).await?;
    let Some(referral) = session.referral_id else {
        return edit_page(&me, &session, None, None);
    };
    let values = fields(&body);
    let today = me
        .state
        .store
        .today_at_structure(me.user.account.structure_id, me.now())
        .await?;
    let submitted = SubmittedSession {
        values: &values,
        kind: SessionKind::Individual,
        registered: 1,
        today,
    };
    let action = format!("/seances/{id}/modifier");
    let refused = |errors: Errors| {
        let form = SessionForm::new(action.clone(), false, values.clone(), errors);
        edit_page(&me, &session, Some(form), None)
    };
    let corrected = match NewSession::try_from(submitted) {
        Ok(corrected) => corrected,
        Err(errors) => return refused(errors),
    };
    let store = &me.state.store;
    match store
        .correct_pathway_session(&me.actor(), id, &corrected, me.now())
        .await?
    {
        SessionChange::Done => Ok(Redirect::to(&format!(
            "/orientations/{referral}?fait=seance_corrigee#seances"
        ))
        .into_response()),
        SessionChange::Invalid(error) => {
            let mut errors = Errors::new();
            errors.insert(session_field(&error), error.to_string());
            refused(errors)
        }
        SessionChange::NotFound => Err(WebError::NotFound),
    }
}

/// `POST /seances/{id}/supprimer`: deletes a session once the box is ticked.
pub async fn delete(
    me: Professional,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let session = found(&me, id).await?;
    if text(&fields(&body), "confirmer") != "oui" {
        return edit_page(
            &me,
            &session,
            correction_form(&session),
            Some(DELETE_UNCONFIRMED),
        );
    }
    let store = &me.state.store;
    match store
        .delete_pathway_session(&me.actor(), id, me.now())
        .await?
    {
        SessionChange::Done => {
            let target = match session.referral_id {
                Some(referral) => format!("/orientations/{referral}?fait=seance_supprimee#seances"),
                None => "/ateliers/nouveau?supprime=1".to_owned(),
            };
            Ok(Redirect::to(&target).into_response())
        }
        SessionChange::Invalid(_) | SessionChange::NotFound => Err(WebError::NotFound),
    }
}
