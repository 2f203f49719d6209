//! What the referral page shows of the pathway: the recorded sessions, the session and closing
//! forms when the viewer may use them, how a closed referral ended, and what a refused form
//! submitted.

use super::closing_form::ClosingForm;
use super::session_form::SessionForm;
use super::{duration_label, french_date};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::pages::form_fields::{Errors, Fields};
use crate::pages::people::actor;
use crate::routes::may_reach;
use aiguillage_domain::orientation::{
    transition, ClosingOutcome, ReferralEvent, ReferralState, Side,
};
use aiguillage_domain::pathway::SessionKind;
use aiguillage_service::state::AppState;
use aiguillage_store::{PathwaySession, ReferralRecord, StoredClosing};
use axum::http::Method;

/// A recorded session as the list shows it.
pub struct SessionLine {
    pub date: String,
    pub duration: String,
    pub kind: String,
    pub place: &'static str,
    pub themes: String,
    pub autonomy: &'static str,
    pub notes: Option<String>,
    pub by: String,
    /// The page to correct or delete it, for the structure that recorded it.
    pub edit: Option<String>,
}

fn session_line(session: &PathwaySession, viewer_structure: i64) -> SessionLine {
    let record = &session.record;
    let kind = match record.participants() {
        Some((participants, _)) => {
            let title = match &record.format {
                aiguillage_domain::pathway::SessionFormat::Collective {
                    title: Some(title),
                    ..
                } => format!(" « {title} »"),
                _ => String::new(),
            };
            format!(
                "{}{title} ({participants} participants)",
                SessionKind::Collective.label()
            )
        }
        None => SessionKind::Individual.label().to_owned(),
    };
    SessionLine {
        date: french_date(record.held_on),
        duration: duration_label(record.duration_minutes),
        kind,
        place: record.place.label(),
        themes: record
            .themes
            .iter()
            .map(|t| t.label())
            .collect::<Vec<_>>()
            .join(", "),
        autonomy: record.autonomy().map(|a| a.label()).unwrap_or("—"),
        notes: record.notes.clone(),
        by: session.account_name.clone().unwrap_or_default(),
        edit: (session.structure_id == viewer_structure)
            .then(|| format!("/seances/{}/modifier", session.id)),
    }
}

/// How a closed referral ended, as the page shows it.
pub struct ClosingView {
    pub outcome: &'static str,
    pub sent_elsewhere: Option<String>,
    pub rights: Vec<&'static str>,
    pub money: &'static str,
    pub job_or_training: bool,
    pub closed_at: String,
    pub closed_by: String,
}

fn closing_view(stored: &StoredClosing) -> ClosingView {
    let closing = &stored.closing;
    ClosingView {
        outcome: closing.outcome.label(),
        sent_elsewhere: closing
            .sent_elsewhere
            .as_ref()
            .map(|place| match &place.name {
                Some(name) => format!("{} — {name}", place.kind.label()),
                None => place.kind.label().to_owned(),
            }),
        rights: closing.gains.rights.iter().map(|r| r.label()).collect(),
        money: closing
            .gains
            .money
            .map(|m| m.label())
            .unwrap_or("Aucun ou non connu"),
        job_or_training: closing.gains.job_or_training,
        closed_at: crate::pages::format_time(stored.closed_at),
        closed_by: stored.closed_by_name.clone().unwrap_or_default(),
    }
}

/// The pathway part of the referral page.
pub struct PathwayView {
    /// The sessions list is shown (there are sessions, or the viewer may record one).
    pub show_sessions: bool,
    pub sessions: Vec<SessionLine>,
    /// The viewer's structure recorded the sessions (it sees their notes).
    pub notes_visible: bool,
    pub session_form: Option<SessionForm>,
    pub closing_form: Option<ClosingForm>,
    pub closing: Option<ClosingView>,
    /// The person's new-diagnostic page, when the viewer may see the person.
    pub rediagnose: Option<String>,
    /// A short confirmation of what was just done (a step, a session, a closing).
    pub notice: Option<&'static str>,
    /// The confirmation is of a session: it links to the sessions.
    pub notice_about_sessions: bool,
    /// The next session starts the pathway (the referral is at first contact).
    pub starts_pathway: bool,
    pub closed: bool,
    /// Refused by its receiving structure: closing means not re-orienting.
    pub after_refusal: bool,
}

/// The confirmation after a session was recorded.
pub const SESSION_RECORDED: &str = "Séance enregistrée.";

/// What was submitted and refused, to show again on the referral page.
#[derive(Default)]
pub struct PathwaySubmission {
    pub session: Option<(Fields, Errors)>,
    pub closing: Option<(Fields, Errors)>,
    pub notice: Option<&'static str>,
    /// The errors of a refused step form (answer, first contact, agreement), per field.
    pub step: Errors,
    /// The comment of a refused step form, kept unless the comment itself was refused.
    pub step_comment: String,
    /// A refused thread message: what was typed and why it was refused.
    pub message: Option<(String, String)>,
}

/// The pathway part of the referral page for this viewer.
pub async fn pathway_view(
    state: &AppState,
    user: &CurrentUser,
    (referral, side): (&ReferralRecord, Side),
    submitted: PathwaySubmission,
) -> Result<PathwayView, WebError> {
    let now = state.now();
    let reason = format!("GET /orientations/{}", referral.id);
    let actor = actor(user, &reason);
    let sessions = state
        .store
        .sessions_of_referral(&actor, referral.id, now)
        .await?
        .unwrap_or_default();
    let may_record = side == Side::Receiver && referral.state.accepts_sessions();
    let today = state
        .store
        .today_at_structure(user.account.structure_id, now)
        .await?;
    let session_form = may_record.then(|| {
        let action = format!("/orientations/{}/seances", referral.id);
        match submitted.session {
            Some((values, errors)) => SessionForm::new(action, false, values, errors),
            None => SessionForm::blank(action, false, today),
        }
    });
    let any_close = ReferralEvent::Close {
        outcome: ClosingOutcome::DroppedOut,
    };
    let may_close = transition(referral.state, &any_close, side).is_ok();
    let closing_form = may_close.then(|| match submitted.closing {
        Some((values, errors)) => ClosingForm::new(referral, may_record, values, errors),
        None => ClosingForm::blank(referral, may_record),
    });
    let closing = if referral.state == ReferralState::Closed {
        state
            .store
            .referral_closing(&actor, referral.id, now)
            .await?
            .as_ref()
            .map(closing_view)
    } else {
        None
    };
    let sees_person = referral.sender_structure_id.get() == user.account.structure_id
        && may_reach(
            Some(user.account.role),
            &Method::GET,
            "/personnes/{id}/diagnostic",
        );
    Ok(PathwayView {
        show_sessions: may_record || !sessions.is_empty(),
        notes_visible: side == Side::Receiver,
        sessions: sessions
            .iter()
            .map(|s| session_line(s, user.account.structure_id))
            .collect(),
        session_form,
        closing_form,
        closing,
        rediagnose: sees_person.then(|| format!("/personnes/{}/diagnostic", referral.person_id)),
        notice: submitted.notice,
        notice_about_sessions: submitted.notice == Some(SESSION_RECORDED),
        starts_pathway: referral.state == ReferralState::FirstContact,
        closed: referral.state == ReferralState::Closed,
        after_refusal: referral.state == ReferralState::Refused,
    })
}
