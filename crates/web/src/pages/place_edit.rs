//! Editing a place of the directory: its structure manager or a coordinator of its territory updates
//! what the standard says (hours, contact, services, audiences, specific support, modes, costs) and the
//! structure's support model; its offers are edited apart (`offer_edit`). Every saved change is dated
//! and attributed, and each field changed is marked as corrected by hand: the form shows the marks,
//! kept at the next imports (a file disagreeing goes to `import_conflicts`).

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, group, labels, same_values, text, Errors, Fields, Group};
use crate::pages::render;
use aiguillage_domain::directory::opening_hours::{read_french_day, WeeklyHours, FRENCH_DAYS};
use aiguillage_domain::directory::*;
use aiguillage_domain::phone::Phone;
use aiguillage_service::directory_edit::{self, PlaceEdit};
use aiguillage_store::{HandField, StoredPlace};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;

/// What the form shows and what it sends back.
struct EditValues {
    place: Place,
    support_model: Option<SupportModel>,
    week: WeekForm,
}

/// The opening hours as the form shows them: one French line per day (empty: closed), closed on
/// public holidays or not, and the stored text when the standard's syntax it is in is not understood
/// (kept as it is while nothing is typed).
struct WeekForm {
    days: [String; 7],
    holidays_closed: bool,
    unreadable: Option<String>,
}

impl WeekForm {
    fn of_stored(stored: Option<&str>) -> WeekForm {
        let stored = stored.unwrap_or_default();
        match WeeklyHours::parse(stored) {
            Ok(hours) => WeekForm {
                days: std::array::from_fn(|day| hours.day_in_french(day)),
                holidays_closed: hours.closed_on_holidays,
                unreadable: None,
            },
            Err(_) => WeekForm {
                days: Default::default(),
                holidays_closed: false,
                unreadable: Some(stored.to_owned()),
            },
        }
    }

    fn of_fields(fields: &Fields) -> WeekForm {
        WeekForm {
            days: std::array::from_fn(|day| text(fields, DAY_FIELDS[day])),
            holidays_closed: text(fields, "feries") == "oui",
            unreadable: Some(text(fields, "horaires_origine")).filter(|raw| !raw.is_empty()),
        }
    }

    /// The hours to store (`None`: never open), or the errors by day; the stored text not
    /// understood stays when nothing was typed.
    fn read(&self, errors: &mut Errors) -> Option<String> {
        let mut hours = WeeklyHours {
            closed_on_holidays: self.holidays_closed,
            ..WeeklyHours::default()
        };
        for (day, typed) in self.days.iter().enumerate() {
            match read_french_day(typed) {
                Ok(ranges) => hours.days[day] = ranges,
                Err(error) => {
                    errors.insert(
                        DAY_FIELDS[day],
                        format!("{} : {error}", capitalised(FRENCH_DAYS[day])),
                    );
                }
            }
        }
        let nothing_typed = self.days.iter().all(|d| d.trim().is_empty()) && !self.holidays_closed;
        match &self.unreadable {
            Some(raw) if nothing_typed => Some(raw.clone()),
            _ => Some(hours.to_osm()).filter(|osm| !osm.is_empty()),
        }
    }
}

/// The form's field of each weekday, Monday first.
const DAY_FIELDS: [&str; 7] = [
    "horaires_lundi",
    "horaires_mardi",
    "horaires_mercredi",
    "horaires_jeudi",
    "horaires_vendredi",
    "horaires_samedi",
    "horaires_dimanche",
];

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "place_edit.html")]
struct EditTemplate {
    layout: Layout,
    id: i64,
    name: String,
    /// (field, day's name, typed or stored hours).
    days: Vec<(&'static str, String, String)>,
    holidays_closed: bool,
    unreadable_hours: Option<String>,
    phone: String,
    emails: String,
    groups: Vec<Group>,
    errors: Errors,
    /// The date each field of the form was corrected by hand, by the form's field name.
    hand_notes: BTreeMap<&'static str, String>,
}

/// The form's field of each standard field a hand edit may change.
const FORM_FIELDS: [(&str, &str); 8] = [
    ("horaires", "horaires"),
    ("telephone", "telephone"),
    ("courriels", "courriels"),
    ("services", "services"),
    ("publics_specifiquement_adresses", "publics"),
    ("prise_en_charge_specifique", "prise_en_charge"),
    ("modalites_accompagnement", "modalites"),
    ("frais_a_charge", "frais"),
];

/// The date of each mark, by the form's field name (`12/03/2026`).
fn hand_notes(marks: &[HandField]) -> BTreeMap<&'static str, String> {
    marks
        .iter()
        .filter_map(|mark| {
            let (_, name) = FORM_FIELDS.iter().find(|(field, _)| *field == mark.field)?;
            let day = aiguillage_domain::calendar::paris_time(mark.edited_at).date();
            Some((*name, aiguillage_domain::calendar::french_date(day)))
        })
        .collect()
}

fn groups(values: &EditValues, notes: &BTreeMap<&'static str, String>) -> Vec<Group> {
    let mut groups = choice_groups(values);
    for group in &mut groups {
        group.hand_note = notes.get(group.name).cloned();
    }
    groups
}

fn choice_groups(values: &EditValues) -> Vec<Group> {
    let place = &values.place;
    vec![
        group(
            ("services", "Services"),
            true,
            Service::ALL,
            Service::label,
            &place.services,
        ),
        group(
            ("publics", "Publics spécifiquement accueillis"),
            true,
            Audience::ALL,
            Audience::label,
            &place.audiences,
        ),
        group(
            ("prise_en_charge", "Prise en charge spécifique"),
            true,
            SpecificSupport::ALL,
            SpecificSupport::label,
            &place.specific_support,
        ),
        group(
            ("modalites", "Modalités d'accompagnement"),
            true,
            SupportMode::ALL,
            SupportMode::label,
            &place.support_modes,
        ),
        group(
            ("frais", "Frais à la charge de la personne"),
            true,
            Cost::ALL,
            Cost::label,
            &place.costs,
        ),
        group(
            ("modele", "Modèle d'accompagnement de la structure"),
            false,
            SupportModel::ALL,
            SupportModel::label,
            values.support_model.as_slice(),
        ),
    ]
}

fn page(
    me: &Professional,
    (id, marks): (i64, &[HandField]),
    values: &EditValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let place = &values.place;
    let notes = hand_notes(marks);
    render(&EditTemplate {
        layout: me.layout("/annuaire", &format!("Modifier {}", place.name)),
        id,
        name: place.name.clone(),
        days: DAY_FIELDS
            .iter()
            .zip(FRENCH_DAYS)
            .zip(&values.week.days)
            .map(|((field, day), typed)| (*field, capitalised(day), typed.clone()))
            .collect(),
        holidays_closed: values.week.holidays_closed,
        unreadable_hours: values.week.unreadable.clone(),
        phone: place
            .phone
            .as_deref()
            .map(aiguillage_domain::phone::spaced)
            .unwrap_or_default(),
        emails: place.emails.join(", "),
        groups: groups(values, &notes),
        errors,
        hand_notes: notes,
    })
}

/// The place, if this viewer may edit it (404 if it does not exist, 403 if it is not theirs).
pub(crate) async fn editable_place(me: &Professional, id: i64) -> Result<StoredPlace, WebError> {
    let stored = me.state.store.place(id).await?;
    match directory_edit::may_edit(&me.user.account, &stored) {
        true => Ok(stored),
        false => Err(WebError::Forbidden),
    }
}

/// `GET /annuaire/{id}/modifier`: the place's form.
pub async fn show_form(me: Professional, Path(id): Path<i64>) -> Result<Response, WebError> {
    let stored = editable_place(&me, id).await?;
    let values = EditValues {
        week: WeekForm::of_stored(stored.place.opening_hours.as_deref()),
        place: stored.place,
        support_model: stored.support_model,
    };
    let marks = me.state.store.hand_fields(id).await?;
    page(&me, (id, &marks), &values, Errors::new())
}

/// Applies the submitted fields to the stored place; every field that cannot be read gets a message.
fn apply(stored: &StoredPlace, fields: &Fields) -> (EditValues, Errors) {
    let mut errors = Errors::new();
    let mut place = stored.place.clone();
    let week = WeekForm::of_fields(fields);
    place.opening_hours = week.read(&mut errors);
    let typed = text(fields, "telephone");
    place.phone = match Phone::read(&typed) {
        _ if typed.is_empty() => None,
        Ok(phone) => Some(phone.international()),
        Err(error) => {
            errors.insert("telephone", error.to_string());
            Some(typed)
        }
    };
    place.emails = text(fields, "courriels")
        .split([',', ';', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    if place
        .emails
        .iter()
        .any(|e| !e.contains('@') || e.starts_with('@') || e.ends_with('@'))
    {
        errors.insert(
            "courriels",
            "Chaque adresse doit être de la forme nom@domaine.fr.".into(),
        );
    }
    place.services = labels(fields, "services", Service::from_label, &mut errors);
    place.audiences = labels(fields, "publics", Audience::from_label, &mut errors);
    place.specific_support = labels(
        fields,
        "prise_en_charge",
        SpecificSupport::from_label,
        &mut errors,
    );
    place.support_modes = labels(fields, "modalites", SupportMode::from_label, &mut errors);
    place.costs = labels(fields, "frais", Cost::from_label, &mut errors);
    let support_model = labels(fields, "modele", SupportModel::from_label, &mut errors)
        .first()
        .copied();
    (
        EditValues {
            place,
            support_model,
            week,
        },
        errors,
    )
}

/// The place as a submitted form edits it, with the summary of what changed, or the message of each
/// field that cannot be read: what `submit` checks before saving (the fuzz target's entry).
pub(crate) fn edited_place(stored: &StoredPlace, body: &[u8]) -> Result<(Place, String), Errors> {
    let (values, errors) = apply(stored, &fields(body));
    if !errors.is_empty() {
        return Err(errors);
    }
    let summary = change_summary(stored, &values);
    Ok((values.place, summary))
}

/// The French names of the fields that differ, for the change record.
fn change_summary(before: &StoredPlace, after: &EditValues) -> String {
    let (old, new) = (&before.place, &after.place);
    let checks = [
        ("horaires", old.opening_hours != new.opening_hours),
        ("téléphone", old.phone != new.phone),
        ("courriels", !same_values(&old.emails, &new.emails)),
        ("services", !same_values(&old.services, &new.services)),
        ("publics", !same_values(&old.audiences, &new.audiences)),
        (
            "prise en charge spécifique",
            !same_values(&old.specific_support, &new.specific_support),
        ),
        (
            "modalités",
            !same_values(&old.support_modes, &new.support_modes),
        ),
        ("frais", !same_values(&old.costs, &new.costs)),
        (
            "modèle d'accompagnement",
            before.support_model != after.support_model,
        ),
    ];
    let changed: Vec<&str> = checks
        .iter()
        .filter(|(_, changed)| *changed)
        .map(|(name, _)| *name)
        .collect();
    match changed.as_slice() {
        [] => "aucun changement".to_owned(),
        names => format!("Lieu modifié : {}", names.join(", ")),
    }
}

/// `POST /annuaire/{id}/modifier`: saves the place, dated and attributed, or shows the errors.
pub async fn submit(
    me: Professional,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let stored = editable_place(&me, id).await?;
    let (values, errors) = apply(&stored, &fields(&body));
    if !errors.is_empty() {
        let marks = me.state.store.hand_fields(id).await?;
        let page = page(&me, (id, &marks), &values, errors)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    save(&me, id, &stored, &values).await
}

/// Saves the place, dated and attributed with a summary of what changed, and goes back to it.
async fn save(
    me: &Professional,
    id: i64,
    stored: &StoredPlace,
    values: &EditValues,
) -> Result<Response, WebError> {
    let summary = change_summary(stored, values);
    let edit = PlaceEdit {
        place: &values.place,
        support_model: values.support_model,
        summary: &summary,
    };
    directory_edit::update_place(&me.state, &me.user.account, id, &edit).await?;
    Ok(Redirect::to(&format!("/annuaire/{id}?modifie=1")).into_response())
}
