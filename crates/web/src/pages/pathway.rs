//! The pathway ("parcours") pages: the sessions the receiving structure records on a referral (the
//! list, and the form « Enregistrer une séance »), the collective workshop with the people of the
//! structure's referrals in progress and anonymous participants, and the closing of a referral with
//! its outcome and what the person gained.
//!
//! Every form keeps what was typed when something is refused, with a French message beside each
//! field; the rules themselves are the domain's (`NewSession::validate`, `Closing::checked`): this
//! module only reads the fields and says which field a broken rule belongs to.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::orientation::referral_page_with;
use crate::pages::people::actor;
use crate::pages::render;
use crate::routes::may_reach;
use aiguillage_domain::calendar::{date_of, days_before, iso_date, parse_iso_date, Date};
use aiguillage_domain::free_text::{check_free_text, FreeTextField};
use aiguillage_domain::orientation::{
    transition, ClosingOutcome, ReferralEvent, ReferralState, Side,
};
use aiguillage_domain::pathway::{
    Closing, ClosingError, Equipment, Gains, MoneyBracket, NewSession, ObservedAutonomy,
    RedirectStructure, RightKind, SentElsewhere, SessionError, SessionKind, SessionPlace, Theme,
    WorkshopLevel, MIN_WORKSHOP_PARTICIPANTS,
};
use aiguillage_domain::UnixSeconds;
use aiguillage_service::state::AppState;
use aiguillage_store::{
    CloseOutcome, PathwaySession, ReferralRecord, SessionOutcome, StoredClosing,
};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The durations offered in the list, in minutes.
const DURATIONS: &[u32] = &[15, 30, 45, 60, 90, 120];
/// The value of the money bracket « none or not known ».
const NO_MONEY: &str = "aucun";
/// What the workshop page lists of the structure's past workshops.
const RECENT_WORKSHOP_DAYS: i64 = 60;

/// One choice of a list, radio group or checkbox group: the submitted value and its French label.
pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
}

fn options<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Opt> {
    all.iter()
        .map(|t| Opt {
            value: value(*t),
            label: label(*t),
        })
        .collect()
}

/// A duration as people say it: « 45 min », « 1 h », « 1 h 30 ».
pub fn duration_label(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

/// A calendar date as the pages show it (`23/11/2026`).
fn french_date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

// ---------------------------------------------------------------------------------------------
// The session form
// ---------------------------------------------------------------------------------------------

/// A registered person who may be ticked as present at a workshop (their referral in progress).
pub struct PersonChoice {
    pub referral_id: String,
    pub label: String,
}

/// The session form (individual on a referral, or collective workshop), blank or as submitted,
/// with a French message per field.
pub struct SessionForm {
    pub action: String,
    pub collective: bool,
    pub values: Fields,
    pub errors: Errors,
    pub durations: Vec<(String, String)>,
    pub places: Vec<Opt>,
    pub equipment: Vec<Opt>,
    pub mediation_themes: Vec<Opt>,
    pub procedure_themes: Vec<Opt>,
    pub autonomy: Vec<Opt>,
    pub levels: Vec<Opt>,
    pub people: Vec<PersonChoice>,
}

impl SessionForm {
    fn new(action: String, collective: bool, values: Fields, errors: Errors) -> SessionForm {
        let cra = |t: Theme| t.cra_code();
        SessionForm {
            action,
            collective,
            values,
            errors,
            durations: DURATIONS
                .iter()
                .map(|m| (m.to_string(), duration_label(*m)))
                .collect(),
            places: options(
                SessionPlace::ALL,
                SessionPlace::cra_code,
                SessionPlace::label,
            ),
            equipment: options(Equipment::ALL, Equipment::cra_code, Equipment::label),
            mediation_themes: Theme::mediation()
                .map(|t| Opt {
                    value: cra(t),
                    label: t.label(),
                })
                .collect(),
            procedure_themes: Theme::procedure_details()
                .map(|t| Opt {
                    value: cra(t),
                    label: t.label(),
                })
                .collect(),
            autonomy: options(
                ObservedAutonomy::ALL,
                ObservedAutonomy::cra_code,
                ObservedAutonomy::label,
            ),
            levels: options(
                WorkshopLevel::ALL,
                WorkshopLevel::cra_code,
                WorkshopLevel::label,
            ),
            people: Vec::new(),
        }
    }

    /// A blank form: today's date and the structure as the place.
    fn blank(action: String, collective: bool, today: Date) -> SessionForm {
        let mut values = Fields::new();
        values.insert("date".to_owned(), vec![iso_date(today)]);
        values.insert(
            "lieu".to_owned(),
            vec![SessionPlace::AtStructure.cra_code().to_owned()],
        );
        SessionForm::new(action, collective, values, Errors::new())
    }

    /// The first submitted value of a field, trimmed.
    pub fn value(&self, name: &str) -> String {
        text(&self.values, name)
    }

    /// Whether `value` is among the submitted values of a field.
    pub fn checked(&self, name: &str, value: &str) -> bool {
        is_checked(&self.values, name, value)
    }
}

/// Whether `value` is among the submitted values of the field `name` (a ticked box, a chosen radio).
fn is_checked(values: &Fields, name: &str, value: &str) -> bool {
    values
        .get(name)
        .is_some_and(|values| values.iter().any(|v| v == value))
}

/// The field a broken session rule belongs to.
fn session_field(error: &SessionError) -> &'static str {
    match error {
        SessionError::NoDuration | SessionError::TooLong { .. } => "duree",
        SessionError::InTheFuture { .. } => "date",
        SessionError::NoTheme => "thematiques",
        SessionError::NoEquipmentAndEquipment => "materiel",
        SessionError::MissingAutonomy | SessionError::AutonomyInWorkshop => "autonomie",
        SessionError::IndividualNeedsOnePerson { .. } => "personnes",
        SessionError::Text(error) if error.field() == FreeTextField::WorkshopTitle => "titre",
        SessionError::Text(_) => "notes",
        SessionError::WorkshopFieldsForIndividual
        | SessionError::MissingParticipants
        | SessionError::TooFewParticipants
        | SessionError::TooManyParticipants { .. }
        | SessionError::MoreAnonymousThanParticipants { .. }
        | SessionError::ParticipantsDoNotAddUp { .. } => "anonymes",
    }
}

/// Puts right what `error` says is wrong (with a harmless value), so that the next check finds the
/// next broken rule; `false` when it cannot be put right.
fn mend(session: &mut NewSession, error: &SessionError, registered: u32, today: Date) -> bool {
    match error {
        SessionError::NoDuration | SessionError::TooLong { .. } => session.duration_minutes = 60,
        SessionError::InTheFuture { .. } => session.held_on = today,
        SessionError::NoTheme => session.themes = [Theme::Email].into(),
        SessionError::NoEquipmentAndEquipment => session.equipment.clear(),
        SessionError::MissingAutonomy => session.autonomy = Some(ObservedAutonomy::Autonomous),
        SessionError::AutonomyInWorkshop => session.autonomy = None,
        SessionError::Text(error) if error.field() == FreeTextField::WorkshopTitle => {
            session.workshop_title = None
        }
        SessionError::Text(_) => session.notes = None,
        SessionError::WorkshopFieldsForIndividual => {
            session.participants = None;
            session.anonymous_participants = None;
            session.workshop_title = None;
            session.workshop_level = None;
        }
        SessionError::MissingParticipants
        | SessionError::TooFewParticipants
        | SessionError::TooManyParticipants { .. }
        | SessionError::MoreAnonymousThanParticipants { .. }
        | SessionError::ParticipantsDoNotAddUp { .. } => {
            let anonymous = MIN_WORKSHOP_PARTICIPANTS.saturating_sub(registered);
            session.anonymous_participants = Some(anonymous);
            session.participants = Some(registered + anonymous);
        }
        SessionError::IndividualNeedsOnePerson { .. } => return false,
    }
    true
}

/// Checks the session with the domain's rules, one broken rule after another, so that every field
/// in error gets its message at once.
fn check_session(
    mut session: NewSession,
    registered: usize,
    now: UnixSeconds,
    errors: &mut Errors,
) -> Option<NewSession> {
    let submitted = session.clone();
    let count = u32::try_from(registered).unwrap_or(u32::MAX);
    let today = date_of(now);
    let mut broken = false;
    for _ in 0..16 {
        let result = session
            .validate(now)
            .and_then(|record| record.check_registered(registered));
        let Err(error) = result else {
            break;
        };
        broken = true;
        errors
            .entry(session_field(&error))
            .or_insert_with(|| error.to_string());
        if !mend(&mut session, &error, count, today) {
            break;
        }
    }
    (!broken && errors.is_empty()).then_some(submitted)
}

/// Reads a code among `read`'s values; an unknown one is reported on `field`.
fn coded<T>(
    values: &Fields,
    field: &'static str,
    read: fn(&str) -> Option<T>,
    errors: &mut Errors,
) -> Option<T> {
    let code = text(values, field);
    if code.is_empty() {
        return None;
    }
    let value = read(&code);
    if value.is_none() {
        errors.insert(field, format!("Valeur « {code} » inconnue."));
    }
    value
}

/// Every code of a checkbox group; an unknown one is reported on `field`.
fn codes<T: Ord>(
    values: &Fields,
    name: &str,
    field: &'static str,
    read: fn(&str) -> Option<T>,
    errors: &mut Errors,
) -> BTreeSet<T> {
    let mut read_values = BTreeSet::new();
    for code in values.get(name).into_iter().flatten() {
        match read(code) {
            Some(value) => {
                read_values.insert(value);
            }
            None => {
                errors.insert(field, format!("Valeur « {code} » inconnue."));
            }
        }
    }
    read_values
}

/// A whole number of a field, or `None` (reported) when it is not one; empty is `Some(0)`.
fn whole(values: &Fields, name: &'static str, message: &str, errors: &mut Errors) -> Option<u32> {
    let typed = text(values, name);
    if typed.is_empty() {
        return Some(0);
    }
    let number = typed.parse::<u32>().ok();
    if number.is_none() {
        errors.insert(name, message.to_owned());
    }
    number
}

/// Reads the session form: the session to record when every field is right, and the message of
/// each field that is not. `registered` is the number of registered people it is recorded for.
fn read_session(
    values: &Fields,
    kind: SessionKind,
    registered: usize,
    now: UnixSeconds,
) -> (Option<NewSession>, Errors) {
    let mut errors = Errors::new();
    let today = date_of(now);
    let typed_date = text(values, "date");
    let held_on = if typed_date.is_empty() {
        errors.insert("date", "Indiquez la date de la séance.".to_owned());
        today
    } else {
        parse_iso_date(&typed_date).unwrap_or_else(|| {
            errors.insert(
                "date",
                format!("La date « {typed_date} » n'est pas lisible : indiquez-la sous la forme AAAA-MM-JJ, par exemple {}.", iso_date(today)),
            );
            today
        })
    };
    let duration = match text(values, "duree").as_str() {
        "" | "autre" => whole(
            values,
            "duree_autre",
            "Indiquez la durée en minutes, par un nombre entier (par exemple 50).",
            &mut errors,
        ),
        chosen => chosen.parse::<u32>().ok().or_else(|| {
            errors.insert("duree", format!("Durée « {chosen} » inconnue."));
            None
        }),
    };
    let duration_minutes = match duration {
        Some(minutes) => minutes,
        None => {
            if let Some(message) = errors.remove("duree_autre") {
                errors.insert("duree", message);
            }
            60
        }
    };
    let place = coded(values, "lieu", SessionPlace::from_cra_code, &mut errors);
    if place.is_none() && !errors.contains_key("lieu") {
        errors.insert("lieu", "Indiquez où la séance a eu lieu.".to_owned());
    }
    let equipment = codes(
        values,
        "materiel",
        "materiel",
        Equipment::from_cra_code,
        &mut errors,
    );
    let mut themes = codes(
        values,
        "thematiques",
        "thematiques",
        Theme::from_cra_code,
        &mut errors,
    );
    themes.extend(codes(
        values,
        "demarches",
        "thematiques",
        Theme::from_cra_code,
        &mut errors,
    ));
    let notes = text(values, "notes");
    let mut session = NewSession {
        held_on,
        duration_minutes,
        kind,
        place: place.unwrap_or(SessionPlace::AtStructure),
        equipment,
        themes,
        autonomy: None,
        participants: None,
        anonymous_participants: None,
        workshop_title: None,
        workshop_level: None,
        notes: (!notes.is_empty()).then_some(notes),
    };
    match kind {
        SessionKind::Individual => {
            session.autonomy = coded(
                values,
                "autonomie",
                ObservedAutonomy::from_cra_code,
                &mut errors,
            );
        }
        SessionKind::Collective => {
            let anonymous = whole(
                values,
                "anonymes",
                "Indiquez le nombre de participants anonymes par un nombre entier (0 s'il n'y en a pas).",
                &mut errors,
            )
            .unwrap_or(0);
            let registered = u32::try_from(registered).unwrap_or(u32::MAX);
            session.participants = Some(registered.saturating_add(anonymous));
            session.anonymous_participants = Some(anonymous);
            let title = text(values, "titre");
            session.workshop_title = (!title.is_empty()).then_some(title);
            session.workshop_level =
                coded(values, "niveau", WorkshopLevel::from_cra_code, &mut errors);
        }
    }
    let checked = check_session(session, registered, now, &mut errors);
    (checked, errors)
}

// ---------------------------------------------------------------------------------------------
// The closing form
// ---------------------------------------------------------------------------------------------

/// The closing form, blank or as submitted. With `with_gains` (the receiving structure closing a
/// pathway) it also asks what the person gained.
pub struct ClosingForm {
    pub action: String,
    pub version: i64,
    pub with_gains: bool,
    pub values: Fields,
    pub errors: Errors,
    pub outcomes: Vec<Opt>,
    pub structures: Vec<Opt>,
    pub rights: Vec<Opt>,
    pub brackets: Vec<Opt>,
}

impl ClosingForm {
    fn new(
        referral: &ReferralRecord,
        with_gains: bool,
        values: Fields,
        errors: Errors,
    ) -> ClosingForm {
        let mut brackets = options(MoneyBracket::ALL, MoneyBracket::code, MoneyBracket::label);
        brackets.insert(
            0,
            Opt {
                value: NO_MONEY,
                label: "Aucun ou non connu",
            },
        );
        ClosingForm {
            action: format!("/orientations/{}/cloture", referral.id),
            version: referral.version,
            with_gains,
            values,
            errors,
            outcomes: options(
                ClosingOutcome::ALL,
                ClosingOutcome::label,
                ClosingOutcome::label,
            ),
            structures: options(
                RedirectStructure::ALL,
                RedirectStructure::cra_code,
                RedirectStructure::label,
            ),
            rights: options(RightKind::ALL, RightKind::code, RightKind::label),
            brackets,
        }
    }

    fn blank(referral: &ReferralRecord, with_gains: bool) -> ClosingForm {
        let mut values = Fields::new();
        values.insert("gain".to_owned(), vec![NO_MONEY.to_owned()]);
        ClosingForm::new(referral, with_gains, values, Errors::new())
    }

    pub fn value(&self, name: &str) -> String {
        text(&self.values, name)
    }

    pub fn checked(&self, name: &str, value: &str) -> bool {
        is_checked(&self.values, name, value)
    }
}

/// The field a broken closing rule belongs to.
fn closing_field(error: &ClosingError) -> &'static str {
    match error {
        ClosingError::MissingSentElsewhere | ClosingError::SentElsewhereWithoutThatOutcome => {
            "structure_type"
        }
        ClosingError::Name(_) => "structure_nom",
    }
}

/// Reads the closing form: the closing and its comment when every field is right.
fn read_closing(values: &Fields, with_gains: bool) -> Result<(Closing, String), Errors> {
    let mut errors = Errors::new();
    let outcome = ClosingOutcome::from_label(&text(values, "issue"));
    if outcome.is_none() {
        errors.insert(
            "issue",
            "Choisissez l'issue de l'accompagnement.".to_owned(),
        );
    }
    let kind = coded(
        values,
        "structure_type",
        RedirectStructure::from_cra_code,
        &mut errors,
    );
    let name = text(values, "structure_nom");
    let gains = if with_gains {
        let money = match text(values, "gain").as_str() {
            "" | NO_MONEY => None,
            code => MoneyBracket::from_code(code).or_else(|| {
                errors.insert("gain", format!("Valeur « {code} » inconnue."));
                None
            }),
        };
        Gains {
            rights: codes(
                values,
                "droits",
                "droits",
                RightKind::from_code,
                &mut errors,
            ),
            money,
            job_or_training: text(values, "emploi") == "oui",
        }
    } else {
        Gains::default()
    };
    let comment = text(values, "commentaire");
    if let Err(error) = check_free_text(FreeTextField::ClosingComment, &comment) {
        errors.insert("commentaire", error.to_string());
    }
    let Some(outcome) = outcome else {
        return Err(errors);
    };
    let sent_elsewhere = match kind {
        Some(kind) => Some(SentElsewhere {
            kind,
            name: (!name.is_empty()).then_some(name),
        }),
        None if !name.is_empty() && outcome != ClosingOutcome::SentElsewhere => {
            errors.insert(
                "structure_nom",
                "Le nom de la structure ne se note que pour l'issue « Orientée ailleurs »."
                    .to_owned(),
            );
            None
        }
        None => None,
    };
    let closing = Closing {
        outcome,
        gains,
        sent_elsewhere,
    };
    match closing.checked() {
        Ok(closing) if errors.is_empty() => Ok((closing, comment)),
        Ok(_) => Err(errors),
        Err(error) => {
            errors
                .entry(closing_field(&error))
                .or_insert_with(|| error.to_string());
            Err(errors)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the referral page shows of the pathway
// ---------------------------------------------------------------------------------------------

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
}

fn session_line(session: &PathwaySession) -> SessionLine {
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
    /// A short confirmation after a session was recorded.
    pub notice: Option<&'static str>,
    /// The next session starts the pathway (the referral is at first contact).
    pub starts_pathway: bool,
    pub closed: bool,
}

/// What was submitted and refused, to show again on the referral page.
#[derive(Default)]
pub struct PathwaySubmission {
    pub session: Option<(Fields, Errors)>,
    pub closing: Option<(Fields, Errors)>,
    pub notice: Option<&'static str>,
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
    let session_form = may_record.then(|| {
        let action = format!("/orientations/{}/seances", referral.id);
        match submitted.session {
            Some((values, errors)) => SessionForm::new(action, false, values, errors),
            None => SessionForm::blank(action, false, date_of(now)),
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
    let sees_person = referral.sender_structure_id == user.account.structure_id
        && may_reach(
            Some(user.account.role),
            &Method::GET,
            "/personnes/{id}/diagnostic",
        );
    Ok(PathwayView {
        show_sessions: may_record || !sessions.is_empty(),
        notes_visible: side == Side::Receiver,
        sessions: sessions.iter().map(session_line).collect(),
        session_form,
        closing_form,
        closing,
        rediagnose: sees_person.then(|| format!("/personnes/{}/diagnostic", referral.person_id)),
        notice: submitted.notice,
        starts_pathway: referral.state == ReferralState::FirstContact,
        closed: referral.state == ReferralState::Closed,
    })
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// The referral the actor's structure sent or received, with the side, or "not found".
async fn found_referral(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
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
    Path(id): Path<i64>,
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
    Path(id): Path<i64>,
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

// ---------------------------------------------------------------------------------------------
// The collective workshop
// ---------------------------------------------------------------------------------------------

/// A past workshop of the structure.
pub struct WorkshopLine {
    pub date: String,
    pub title: String,
    pub level: &'static str,
    pub duration: String,
    pub registered: usize,
    pub anonymous: u32,
    pub participants: u32,
}

#[derive(Template)]
#[template(path = "workshop.html")]
struct WorkshopTemplate {
    layout: Layout,
    form: SessionForm,
    recorded: bool,
    recent: Vec<WorkshopLine>,
}

#[derive(Debug, Default, Deserialize)]
pub struct WorkshopQuery {
    #[serde(default)]
    enregistre: String,
}

/// The referrals of the structure in progress, as people to tick.
async fn people_in_progress(
    state: &AppState,
    user: &CurrentUser,
    reason: &str,
) -> Result<Vec<(i64, PersonChoice)>, WebError> {
    let received = state
        .store
        .referrals_of_structure(&actor(user, reason), true, state.now())
        .await?;
    let mut people: Vec<(i64, PersonChoice)> = received
        .iter()
        .filter(|r| r.state.accepts_sessions())
        .map(|r| {
            (
                r.id,
                PersonChoice {
                    referral_id: r.id.to_string(),
                    label: format!(
                        "{} {} — {} ({})",
                        r.first_name,
                        r.last_name,
                        r.offer_name,
                        r.state.label().to_lowercase()
                    ),
                },
            )
        })
        .collect();
    people.sort_by(|a, b| a.1.label.cmp(&b.1.label));
    Ok(people)
}

async fn recent_workshops(
    state: &AppState,
    user: &CurrentUser,
    reason: &str,
) -> Result<Vec<WorkshopLine>, WebError> {
    let now = state.now();
    let today = date_of(now);
    let from = date_of(days_before(now, RECENT_WORKSHOP_DAYS));
    let sessions = state
        .store
        .sessions_of_structure(
            &actor(user, reason),
            (from, today.next_day().unwrap_or(today)),
            now,
        )
        .await?;
    Ok(sessions
        .iter()
        .rev()
        .filter_map(|session| {
            let record = &session.record;
            let aiguillage_domain::pathway::SessionFormat::Collective {
                participants,
                anonymous_participants,
                title,
                level,
            } = &record.format
            else {
                return None;
            };
            Some(WorkshopLine {
                date: french_date(record.held_on),
                title: title.clone().unwrap_or_else(|| "Sans titre".to_owned()),
                level: level.map(|l| l.label()).unwrap_or("—"),
                duration: duration_label(record.duration_minutes),
                registered: session.registered_referrals.len(),
                anonymous: *anonymous_participants,
                participants: *participants,
            })
        })
        .collect())
}

async fn workshop_page(
    state: &AppState,
    (viewer, user): (&Viewer, &CurrentUser),
    form: SessionForm,
    recorded: bool,
    reason: &str,
) -> Result<Response, WebError> {
    let status = if form.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let recent = recent_workshops(state, user, reason).await?;
    let page = render(&WorkshopTemplate {
        layout: Layout::new(
            state,
            viewer,
            "/orientations",
            "Enregistrer un atelier collectif",
        ),
        form,
        recorded,
        recent,
    })?;
    Ok((status, page).into_response())
}

const WORKSHOP_PATH: &str = "/ateliers/nouveau";

/// `GET /ateliers/nouveau`: the workshop form, with the people of the structure's referrals in
/// progress to tick as present.
pub async fn workshop_form(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Query(query): Query<WorkshopQuery>,
) -> Result<Response, WebError> {
    let reason = format!("GET {WORKSHOP_PATH}");
    let mut form = SessionForm::blank(WORKSHOP_PATH.to_owned(), true, date_of(state.now()));
    form.people = people_in_progress(&state, &user, &reason)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    workshop_page(
        &state,
        (&viewer, &user),
        form,
        !query.enregistre.is_empty(),
        &reason,
    )
    .await
}

/// `POST /ateliers/nouveau`: records the workshop for the people ticked (their referrals at first
/// contact move to « En parcours ») and the anonymous participants; all or nothing.
pub async fn record_workshop(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    body: Bytes,
) -> Result<Response, WebError> {
    let reason = format!("POST {WORKSHOP_PATH}");
    let values = fields(&body);
    let now = state.now();
    let people = people_in_progress(&state, &user, &reason).await?;
    let mut ticked = Vec::new();
    let mut unknown = false;
    for value in values.get("personnes").into_iter().flatten() {
        match value
            .parse::<i64>()
            .ok()
            .filter(|id| people.iter().any(|(p, _)| p == id))
        {
            Some(id) if !ticked.contains(&id) => ticked.push(id),
            Some(_) => {}
            None => unknown = true,
        }
    }
    let (session, mut errors) = read_session(&values, SessionKind::Collective, ticked.len(), now);
    if unknown {
        errors.insert(
            "personnes",
            "Une des personnes cochées n'a plus d'orientation en cours dans votre structure : vérifiez la liste.".to_owned(),
        );
    }
    let refused = |errors: Errors, values: Fields, people: Vec<(i64, PersonChoice)>| {
        let mut form = SessionForm::new(WORKSHOP_PATH.to_owned(), true, values, errors);
        form.people = people.into_iter().map(|(_, p)| p).collect();
        form
    };
    let session = match session {
        Some(session) if errors.is_empty() => session,
        _ => {
            let form = refused(errors, values, people);
            return workshop_page(&state, (&viewer, &user), form, false, &reason).await;
        }
    };
    let outcome = state
        .store
        .record_collective_session(&actor(&user, &reason), &ticked, &session, now)
        .await?;
    let mut errors = Errors::new();
    match outcome {
        SessionOutcome::Recorded { .. } => {
            return Ok(Redirect::to(&format!("{WORKSHOP_PATH}?enregistre=1")).into_response())
        }
        SessionOutcome::Invalid(error) => {
            errors.insert(session_field(&error), error.to_string());
        }
        SessionOutcome::NotFound { .. } | SessionOutcome::NotInProgress { .. } => {
            errors.insert(
                "personnes",
                "Une des personnes cochées n'a plus d'orientation en cours dans votre structure : vérifiez la liste.".to_owned(),
            );
        }
        SessionOutcome::StaleVersion => {
            errors.insert(
                "personnes",
                "Une des orientations a changé pendant l'enregistrement : rien n'a été enregistré, vérifiez la liste et recommencez.".to_owned(),
            );
        }
    }
    let people = people_in_progress(&state, &user, &reason).await?;
    let form = refused(errors, values, people);
    workshop_page(&state, (&viewer, &user), form, false, &reason).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixSeconds = 1_795_392_000; // 2026-11-23

    fn form(pairs: &[(&str, &str)]) -> Fields {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        fields(body.as_bytes())
    }

    #[test]
    fn durations_read_the_way_people_say_them() {
        assert_eq!(duration_label(45), "45 min");
        assert_eq!(duration_label(60), "1 h");
        assert_eq!(duration_label(90), "1 h 30");
        assert_eq!(duration_label(125), "2 h 05");
    }

    #[test]
    fn a_good_individual_session_is_read() {
        let values = form(&[
            ("date", "2026-11-20"),
            ("duree", "45"),
            ("lieu", "lieu_activite"),
            ("materiel", "telephone"),
            ("thematiques", "email"),
            ("demarches", "logement"),
            ("autonomie", "autonome"),
        ]);
        let (session, errors) = read_session(&values, SessionKind::Individual, 1, NOW);
        assert!(errors.is_empty(), "{errors:?}");
        let session = session.expect("read");
        assert_eq!(session.duration_minutes, 45);
        assert_eq!(session.themes, [Theme::Email, Theme::Housing].into());
    }

    #[test]
    fn every_field_in_error_gets_its_own_message() {
        let values = form(&[
            ("date", "2026-12-25"),
            ("duree", "autre"),
            ("duree_autre", "0"),
            ("lieu", "lieu_activite"),
            ("materiel", "aucun"),
            ("materiel", "tablette"),
        ]);
        let (session, errors) = read_session(&values, SessionKind::Individual, 1, NOW);
        assert!(session.is_none());
        let fields: Vec<&str> = errors.keys().copied().collect();
        assert_eq!(
            fields,
            vec!["autonomie", "date", "duree", "materiel", "thematiques"]
        );
        assert_eq!(
            errors["duree"],
            "Indiquez la durée de la séance, en minutes."
        );
    }

    #[test]
    fn a_custom_duration_that_is_not_a_number_is_explained() {
        let values = form(&[("duree", "autre"), ("duree_autre", "une heure")]);
        let (_, errors) = read_session(&values, SessionKind::Individual, 1, NOW);
        assert!(errors["duree"].starts_with("Indiquez la durée en minutes"));
        assert_eq!(errors["lieu"], "Indiquez où la séance a eu lieu.");
        assert_eq!(errors["date"], "Indiquez la date de la séance.");
    }

    #[test]
    fn a_workshop_counts_the_ticked_and_the_anonymous() {
        let values = form(&[
            ("date", "2026-11-20"),
            ("duree", "120"),
            ("lieu", "lieu_activite"),
            ("thematiques", "securite_numerique"),
            ("anonymes", "3"),
            ("titre", "Déjouer les arnaques"),
            ("niveau", "debutant"),
        ]);
        let (session, errors) = read_session(&values, SessionKind::Collective, 1, NOW);
        assert!(errors.is_empty(), "{errors:?}");
        let session = session.expect("read");
        assert_eq!(session.participants, Some(4));
        assert_eq!(session.anonymous_participants, Some(3));
        let alone = form(&[
            ("date", "2026-11-20"),
            ("duree", "120"),
            ("lieu", "lieu_activite"),
            ("thematiques", "securite_numerique"),
        ]);
        let (_, errors) = read_session(&alone, SessionKind::Collective, 1, NOW);
        assert_eq!(
            errors["anonymes"],
            "Un atelier collectif compte au moins 2 participants."
        );
    }

    #[test]
    fn a_closing_needs_an_outcome_and_a_place_when_sent_elsewhere() {
        let (closing, comment) = read_closing(
            &form(&[
                ("issue", "Autonomie atteinte"),
                ("droits", "prime_activite"),
                ("gain", "50_150"),
                ("emploi", "oui"),
                ("commentaire", "Très motivée."),
            ]),
            true,
        )
        .expect("valid");
        assert_eq!(closing.outcome, ClosingOutcome::Autonomous);
        assert_eq!(closing.gains.money, Some(MoneyBracket::From50To150));
        assert!(closing.gains.job_or_training);
        assert_eq!(comment, "Très motivée.");
        let errors = read_closing(&form(&[("gain", "aucun")]), true).expect_err("no outcome");
        assert_eq!(errors["issue"], "Choisissez l'issue de l'accompagnement.");
        let errors =
            read_closing(&form(&[("issue", "Orientée ailleurs")]), true).expect_err("no place");
        assert_eq!(
            errors["structure_type"],
            "Indiquez vers quel type de structure la personne a été orientée."
        );
        let (closing, _) = read_closing(
            &form(&[
                ("issue", "Abandon"),
                ("droits", "rsa"),
                ("gain", "plus_300"),
            ]),
            false,
        )
        .expect("valid");
        assert_eq!(closing.gains, Gains::default(), "no gains from the sender");
    }
}
