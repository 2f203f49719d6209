//! The session form (« Enregistrer une séance » on a referral, and the collective workshop's): its
//! choices, blank or as submitted, and its reading into the domain's `NewSession` with a French
//! message on each field a broken rule belongs to.

use super::{coded, codes, duration_label, is_checked, options, Opt};
use crate::pages::form_fields::{text, Errors, Fields};
use aiguillage_domain::calendar::{french_date, iso_date, parse_typed_date, Date};
use aiguillage_domain::free_text::FreeTextField;
use aiguillage_domain::pathway::{
    Equipment, NewSession, ObservedAutonomy, SessionError, SessionKind, SessionPlace,
    SessionRecord, Theme, WorkshopLevel, MIN_WORKSHOP_PARTICIPANTS,
};
use aiguillage_store::PlannedWorkshop;

/// The durations offered in the list, in minutes.
const DURATIONS: &[u32] = &[15, 30, 45, 60, 90, 120];

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
    pub(super) fn new(
        action: String,
        collective: bool,
        values: Fields,
        errors: Errors,
    ) -> SessionForm {
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
    pub(super) fn blank(action: String, collective: bool, today: Date) -> SessionForm {
        let mut values = Fields::new();
        values.insert("date".to_owned(), vec![iso_date(today)]);
        values.insert(
            "lieu".to_owned(),
            vec![SessionPlace::AtStructure.cra_code().to_owned()],
        );
        SessionForm::new(action, collective, values, Errors::new())
    }

    /// Fills a blank workshop form from a workshop a cycle planned: its title, level, duration and
    /// themes, its day (or today, when it is still ahead: a workshop is recorded once held), and the
    /// plan's id, which recording sends back.
    pub(super) fn fill_from_plan(&mut self, planned: &PlannedWorkshop, today: Date) {
        let mut put = |name: &str, value: String| {
            self.values.insert(name.to_owned(), vec![value]);
        };
        put("prevu", planned.id.to_string());
        put("titre", planned.title.chars().take(120).collect());
        put("niveau", planned.level.cra_code().to_owned());
        put("date", iso_date(planned.planned_on.min(today)));
        if DURATIONS.contains(&planned.duration_minutes) {
            put("duree", planned.duration_minutes.to_string());
        } else {
            put("duree", "autre".to_owned());
            put("duree_autre", planned.duration_minutes.to_string());
        }
        for (field, procedure) in [("thematiques", false), ("demarches", true)] {
            let codes = planned
                .themes
                .iter()
                .filter(|theme| theme.is_procedure_detail() == procedure)
                .map(|theme| theme.cra_code().to_owned())
                .collect();
            self.values.insert(field.to_owned(), codes);
        }
    }

    /// The form filled with a recorded session, to correct it.
    pub(super) fn of_session(action: String, record: &SessionRecord) -> SessionForm {
        let mut values = Fields::new();
        let mut put = |name: &str, value: String| {
            values.entry(name.to_owned()).or_default().push(value);
        };
        put("date", iso_date(record.held_on));
        if DURATIONS.contains(&record.duration_minutes) {
            put("duree", record.duration_minutes.to_string());
        } else {
            put("duree", "autre".to_owned());
            put("duree_autre", record.duration_minutes.to_string());
        }
        put("lieu", record.place.cra_code().to_owned());
        for equipment in &record.equipment {
            put("materiel", equipment.cra_code().to_owned());
        }
        for theme in &record.themes {
            let field = if theme.is_procedure_detail() {
                "demarches"
            } else {
                "thematiques"
            };
            put(field, theme.cra_code().to_owned());
        }
        if let Some(autonomy) = record.autonomy() {
            put("autonomie", autonomy.cra_code().to_owned());
        }
        if let Some(notes) = &record.notes {
            put("notes", notes.clone());
        }
        SessionForm::new(action, false, values, Errors::new())
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

/// The field a broken session rule belongs to.
pub(super) fn session_field(error: &SessionError) -> &'static str {
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
    today: Date,
    errors: &mut Errors,
) -> Option<NewSession> {
    let submitted = session.clone();
    let count = u32::try_from(registered).unwrap_or(u32::MAX);
    let mut broken = false;
    for _ in 0..16 {
        let result = session
            .validate(today)
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

/// A submitted session form, with what reading it depends on: the kind of session, the number of
/// registered people it is recorded for, and the date it is where the structure is (no session
/// after it).
pub(crate) struct SubmittedSession<'a> {
    pub values: &'a Fields,
    pub kind: SessionKind,
    pub registered: usize,
    pub today: Date,
}

impl TryFrom<SubmittedSession<'_>> for NewSession {
    type Error = Errors;

    fn try_from(form: SubmittedSession<'_>) -> Result<Self, Errors> {
        match read_session(form.values, form.kind, form.registered, form.today) {
            (Some(session), errors) if errors.is_empty() => Ok(session),
            (_, errors) => Err(errors),
        }
    }
}

/// Reads the session form: the session to record when every field is right, and the message of
/// each field that is not. `registered` is the number of registered people it is recorded for.
pub(super) fn read_session(
    values: &Fields,
    kind: SessionKind,
    registered: usize,
    today: Date,
) -> (Option<NewSession>, Errors) {
    let mut errors = Errors::new();
    let typed_date = text(values, "date");
    let held_on = if typed_date.is_empty() {
        errors.insert("date", "Indiquez la date de la séance.".to_owned());
        today
    } else {
        parse_typed_date(&typed_date).unwrap_or_else(|| {
            errors.insert(
                "date",
                format!("La date « {typed_date} » n'est pas lisible : indiquez-la sous la forme JJ/MM/AAAA (ou AAAA-MM-JJ), par exemple {}.", french_date(today)),
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
    let checked = check_session(session, registered, today, &mut errors);
    (checked, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Date = time::macros::date!(2026 - 11 - 23);
    use crate::pages::pathway::tests::form;

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
}
