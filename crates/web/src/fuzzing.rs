//! Entry points of the form fuzz target (`fuzz/fuzz_targets/forms.rs`, cargo fuzz): a submitted body,
//! any bytes, decoded and checked exactly as the handler of each form does before it reads or writes
//! the store — the enrolment of a person, the diagnostic's answers, the sending of a referral and a
//! step of its page, a session recorded on a pathway, a pathway's closing and the edit of a directory
//! place. Each gives the checked value or a French message per field; none may panic. Not part of
//! the crate's interface: hidden from its documentation, for the fuzzer only.

use crate::pages::form_fields::{fields, text, Errors};
use crate::pages::orientation_form::{SendForm, StepForm, StepRequest};
use crate::pages::pathway::closing_form::SubmittedClosing;
use crate::pages::pathway::session_form::SubmittedSession;
use aiguillage_domain::calendar::Date;
use aiguillage_domain::directory::Place;
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::pathway::{NewSession, SessionKind};
use aiguillage_service::pathway::ClosingStep;
use aiguillage_service::referrals::ReferralChoice;
use aiguillage_store::StoredPlace;
use axum::extract::{Form, FromRequest};
use futures_util::FutureExt;
use std::collections::BTreeMap;

/// A refused form: the French message of each field that cannot be read.
pub type Refusal = BTreeMap<&'static str, String>;

/// The day the forms are checked against (a session's date may not be after it).
const TODAY: Date = time::macros::date!(2026 - 11 - 23);

/// A url-encoded body as axum's `Form` decodes it for a handler (`None`: axum's 4xx refusal).
fn form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    let request = axum::http::Request::post("/")
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(axum::body::Body::from(body.to_vec()))
        .ok()?;
    // The body is in memory: the extraction never waits.
    Form::<T>::from_request(request, &())
        .now_or_never()?
        .ok()
        .map(|Form(value)| value)
}

/// `POST /personnes/inscrire`: the person's identity, contact and consent (the commune as chosen in
/// the list; the handler resolves a typed name in the store first).
pub fn enrolment(body: &[u8]) -> Result<(), Refusal> {
    let values = fields(body);
    let mut errors = Errors::new();
    let commune = Some(text(&values, "commune")).filter(|c| !c.is_empty());
    let draft = crate::pages::people::checked_person(&values, commune, TODAY.year(), &mut errors);
    if text(&values, "consentement") != "oui" {
        errors.insert("consentement", "sans accord".to_owned());
    }
    match draft {
        Some(_) if errors.is_empty() => Ok(()),
        _ => Err(errors),
    }
}

/// `POST /personnes/{id}/diagnostic`: the answers, then the profile computed from them.
pub fn diagnostic(body: &[u8]) -> Result<(), Refusal> {
    let values = fields(body);
    let mut errors = Errors::new();
    match crate::pages::questionnaire::read_answers(&values, &mut errors) {
        Some(answers) => {
            let _ = aiguillage_domain::diagnostic::profile(&answers, TODAY);
            Ok(())
        }
        None => Err(errors),
    }
}

/// `POST /personnes/{id}/orientation`: the offer, message, consent and first appointment.
pub fn referral(body: &[u8]) -> Result<(), Refusal> {
    let Some(sent) = form::<SendForm>(body) else {
        return Err(Refusal::from([("", "corps illisible".to_owned())]));
    };
    ReferralChoice::try_from(sent).map(|_| ())
}

/// `POST /orientations/{id}`: a step of the referral (accept, refuse with a reason, first contact…).
pub fn referral_step(body: &[u8]) -> Result<(), Refusal> {
    let Some(step) = form::<StepForm>(body) else {
        return Err(Refusal::from([("", "corps illisible".to_owned())]));
    };
    StepRequest::try_from(step).map(|_| ())
}

/// `POST /orientations/{id}/seances` (one person) and a workshop's session (`registered` people).
pub fn session(body: &[u8], collective: bool, registered: usize) -> Result<(), Refusal> {
    let values = fields(body);
    let submitted = SubmittedSession {
        values: &values,
        kind: if collective {
            SessionKind::Collective
        } else {
            SessionKind::Individual
        },
        registered,
        today: TODAY,
    };
    NewSession::try_from(submitted).map(|_| ())
}

/// `POST /orientations/{id}/cloture`: the outcome, and what the person gained when it is asked.
pub fn closing(body: &[u8], with_gains: bool) -> Result<(), Refusal> {
    let values = fields(body);
    let submitted = SubmittedClosing {
        referral: ReferralId::new(1),
        values: &values,
        with_gains,
    };
    ClosingStep::try_from(submitted).map(|_| ())
}

/// `POST /annuaire/{id}/modifier`: a place's hours, contact and vocabularies, over an empty place.
pub fn place_edit(body: &[u8]) -> Result<(), Refusal> {
    let stored = StoredPlace {
        structure_id: 1,
        source: None,
        commune_code: "49007".to_owned(),
        departement_code: "49".to_owned(),
        epci_code: None,
        latitude: None,
        longitude: None,
        place: Place::default(),
        support_model: None,
        offers: Vec::new(),
        offer_ids: Vec::new(),
    };
    crate::pages::place_edit::edited_place(&stored, body).map(|_| ())
}
