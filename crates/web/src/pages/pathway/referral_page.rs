//! The referral page (`GET /orientations/{id}`), drawn for the orientation handlers and again by the
//! pathway forms when they refuse something: the referral, its history for this viewer, the
//! transitions the side may make, the thread between the two structures, and the pathway part.

use super::view::{pathway_view, PathwaySubmission, PathwayView};
use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::Errors;
use crate::pages::people::actor;
use crate::pages::questionnaire::ProfileView;
use crate::pages::{format_time, render};
use aiguillage_domain::orientation::{
    transition, ReferralEvent, ReferralState, RefusalReason, Side,
};
use aiguillage_domain::person::sharing_consent;
use aiguillage_domain::role::Role;
use aiguillage_service::state::AppState;
use aiguillage_store::{ReferralHistoryLine, ReferralRecord, ThreadMessage};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "referral.html")]
struct ReferralTemplate {
    layout: Layout,
    referral: ReferralRecord,
    receiver: bool,
    /// The profile the referral carries; `None` when no sharing consent covers the viewer.
    view: Option<ProfileView>,
    /// The viewer receives the referral without the person's agreement to share with it: the
    /// message, the profile, the history's comments, the name and the contacts are withheld.
    withheld: bool,
    history: Vec<(String, ReferralHistoryLine)>,
    actions: Vec<(&'static str, &'static str)>,
    /// (code, label) of each refusal reason.
    refusal_reasons: Vec<(&'static str, &'static str)>,
    /// The sharing consent text for the current receiving structure.
    consent_text: String,
    error: Option<String>,
    /// The errors of a refused step form, per field (`motif`, `commentaire`, `consentement`).
    step_errors: Errors,
    /// The comment of a refused step form, to type no twice.
    step_comment: String,
    /// Sessions, closing form and outcome.
    pathway: PathwayView,
    /// For the sending side of a refused (or unanswered) referral: the way to re-orient it.
    reorient: Option<ReorientBox>,
    /// The person's file, when the viewer reaches it: the sender always; the receiver once it has
    /// accepted, with the person's agreement to share (it may then re-run the diagnostic).
    person_link: Option<String>,
    /// The take-home sheet, for whoever may read the person's name and profile.
    sheet_link: Option<String>,
    /// The vouchers handed from this referral: (number, campaign, state).
    vouchers: Vec<(String, String, &'static str)>,
    /// The sender's structure holds received vouchers it may hand from this referral.
    may_hand_voucher: bool,
    /// The referral's appointments, earliest first.
    appointments: Vec<crate::pages::appointments::AppointmentLine>,
    /// The receiving structure may set an appointment now (accepted, in contact or in pathway).
    may_set_appointment: bool,
    /// The appointment channels (code, label).
    appointment_channels: Vec<(&'static str, &'static str)>,
    /// How a person may have been reached at the first contact (code, words).
    contact_channels: &'static [(&'static str, &'static str)],
    /// The thread between the two structures, when the viewer's may read it: (date, message).
    thread: Option<Vec<(String, ThreadMessage)>>,
    /// A refused message: what was typed and why.
    message_typed: String,
    message_error: Option<String>,
}

/// What the sending side reads before re-orienting: the answer, the hint, the link.
struct ReorientBox {
    href: String,
    refused: bool,
    answer: String,
    hint: String,
}

/// The re-orientation box of the sending side: prominent after a refusal, a plain link while the
/// referral waits for its first answer.
fn reorient_box(
    referral: &ReferralRecord,
    side: Side,
    history: &[(String, ReferralHistoryLine)],
) -> Option<ReorientBox> {
    let refused = referral.state == ReferralState::Refused;
    if side != Side::Sender || !(refused || referral.state == ReferralState::Sent) {
        return None;
    }
    let refusal = history
        .iter()
        .rev()
        .map(|(_, line)| line)
        .find(|line| line.to_state == ReferralState::Refused.label());
    Some(ReorientBox {
        href: format!("/orientations/{}/reorientation", referral.id),
        refused,
        answer: refusal.map(|l| l.event.clone()).unwrap_or_default(),
        hint: refusal.map(|l| l.comment.clone()).unwrap_or_default(),
    })
}

/// The referral's history for this viewer: a receiving structure the person has not agreed to share
/// with does not read the comments (free text the consent does not cover).
fn visible_history(
    lines: Vec<ReferralHistoryLine>,
    withheld: bool,
) -> Vec<(String, ReferralHistoryLine)> {
    lines
        .into_iter()
        .map(|mut line| {
            if withheld && !line.comment.is_empty() {
                line.comment = "(masqué : accord de partage non recueilli)".to_owned();
            }
            (format_time(line.at), line)
        })
        .collect()
}

/// The actions the side may take from the state: (form value, button label). Closing has its own
/// form (`pages::pathway`), which records the outcome with the transition.
fn actions(state: ReferralState, side: Side) -> Vec<(&'static str, &'static str)> {
    [
        ("accepter", "Accepter", ReferralEvent::Accept),
        (
            "refuser",
            "Refuser",
            ReferralEvent::Refuse {
                reason: RefusalReason::Other,
            },
        ),
        (
            "premier_contact",
            "Premier contact fait",
            ReferralEvent::RecordFirstContact,
        ),
        ("parcours", "Début du parcours", ReferralEvent::StartPathway),
    ]
    .into_iter()
    .filter(|(_, _, event)| transition(state, event, side).is_ok())
    .map(|(value, label, _)| (value, label))
    .collect()
}

/// The referral page with an error (and its status) and what a refused pathway form submitted.
pub async fn referral_page_with(
    state: &AppState,
    (viewer, user): (&Viewer, &CurrentUser),
    (referral, side): (ReferralRecord, Side),
    (error, status): (Option<String>, StatusCode),
    mut submitted: PathwaySubmission,
) -> Result<Response, WebError> {
    let step_errors = std::mem::take(&mut submitted.step);
    let step_comment = std::mem::take(&mut submitted.step_comment);
    let (message_typed, message_error) = match submitted.message.take() {
        Some((typed, error)) => (typed, Some(error)),
        None => (String::new(), None),
    };
    let reason = format!("GET /orientations/{}", referral.id);
    let thread = state
        .store
        .referral_thread(&actor(user, &reason), referral.id, state.now())
        .await?
        .map(|messages| {
            messages
                .into_iter()
                .map(|m| (format_time(m.at), m))
                .collect()
        });
    let withheld = side == Side::Receiver && !referral.shared_with_receiver;
    let history = visible_history(state.store.referral_history(referral.id).await?, withheld);
    let pathway = pathway_view(state, user, (&referral, side), submitted).await?;
    let reorient = reorient_box(&referral, side, &history);
    let follows = referral.shared_with_receiver && referral.state.followed_by_receiver();
    let person_link =
        (side == Side::Sender || follows).then(|| format!("/personnes/{}", referral.person_id));
    let appointments = state
        .store
        .appointments_of_referral(referral.id.get())
        .await?
        .iter()
        .map(|a| crate::pages::appointments::AppointmentLine::of(a, state.now()))
        .collect();
    let may_set_appointment = side == Side::Receiver
        && referral.state.followed_by_receiver()
        && referral.state != ReferralState::Closed;
    let vouchers = state
        .store
        .vouchers_of_referral(referral.id.get())
        .await?
        .into_iter()
        .map(|(number, campaign, voucher)| (number.printed(), campaign, voucher.label()))
        .collect();
    let may_hand_voucher = side == Side::Sender
        && matches!(user.account.role, Role::Prescriber | Role::Mediator)
        && state
            .store
            .held_books(user.account.structure_id)
            .await?
            .iter()
            .any(|(book, _)| book.received_at.is_some() && book.left > 0);
    let sheet_link = (!withheld && referral.profile.is_some())
        .then(|| format!("/orientations/{}/fiche", referral.id));
    let view = referral
        .profile
        .clone()
        .filter(|_| !withheld)
        .map(|profile| ProfileView::new(profile, None, None, &referral.commune_name));
    let page = render(&ReferralTemplate {
        layout: Layout::new(state, viewer, "/orientations", "Orientation"),
        view,
        withheld,
        receiver: side == Side::Receiver,
        actions: actions(referral.state, side),
        refusal_reasons: RefusalReason::ALL
            .iter()
            .map(|r| (r.code(), r.label()))
            .collect(),
        consent_text: sharing_consent(&referral.receiver_structure, &referral.offer_name).text,
        referral,
        history,
        error,
        step_errors,
        step_comment,
        pathway,
        reorient,
        person_link,
        sheet_link,
        vouchers,
        may_hand_voucher,
        appointments,
        may_set_appointment,
        contact_channels: crate::pages::orientation_form::CONTACT_CHANNELS,
        appointment_channels: aiguillage_domain::appointment::AppointmentChannel::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        thread,
        message_typed,
        message_error,
    })?;
    Ok((status, page).into_response())
}
