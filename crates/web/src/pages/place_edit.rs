//! Editing a place of the directory: its structure manager or a coordinator of its territory updates
//! what the standard says (hours, contact, services, audiences, specific support, modes, costs) and what
//! orientation needs (capacity, delay, level, help style, kind of help, support model, status). Every
//! saved change is dated and attributed.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use crate::policy::{may_edit_place, PlaceLocation};
use crate::state::AppState;
use aiguillage_domain::directory::opening_hours::WeeklyHours;
use aiguillage_domain::directory::*;
use aiguillage_store::StoredPlace;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;

/// A checkbox or radio of the form.
struct Option_ {
    value: &'static str,
    checked: bool,
}

/// A group of checkboxes or radios.
struct Group {
    name: &'static str,
    legend: &'static str,
    multiple: bool,
    options: Vec<Option_>,
}

fn group<T: Copy + PartialEq>(
    name: &'static str,
    legend: &'static str,
    multiple: bool,
    all: &[T],
    label: fn(T) -> &'static str,
    chosen: &[T],
) -> Group {
    let options = all
        .iter()
        .map(|value| Option_ {
            value: label(*value),
            checked: chosen.contains(value),
        })
        .collect();
    Group {
        name,
        legend,
        multiple,
        options,
    }
}

/// What the form shows and what it sends back.
#[derive(Default)]
struct EditValues {
    place: Place,
    facts: OrientationFacts,
    capacity: String,
    delay: String,
}

#[derive(Template)]
#[template(path = "place_edit.html")]
struct EditTemplate {
    layout: Layout,
    id: i64,
    name: String,
    opening_hours: String,
    phone: String,
    emails: String,
    capacity: String,
    delay: String,
    groups: Vec<Group>,
    errors: BTreeMap<&'static str, String>,
}

fn groups(values: &EditValues) -> Vec<Group> {
    let (place, facts) = (&values.place, &values.facts);
    vec![
        group(
            "services",
            "Services",
            true,
            Service::ALL,
            Service::label,
            &place.services,
        ),
        group(
            "publics",
            "Publics spécifiquement accueillis",
            true,
            Audience::ALL,
            Audience::label,
            &place.audiences,
        ),
        group(
            "prise_en_charge",
            "Prise en charge spécifique",
            true,
            SpecificSupport::ALL,
            SpecificSupport::label,
            &place.specific_support,
        ),
        group(
            "modalites",
            "Modalités d'accompagnement",
            true,
            SupportMode::ALL,
            SupportMode::label,
            &place.support_modes,
        ),
        group(
            "frais",
            "Frais à la charge de la personne",
            true,
            Cost::ALL,
            Cost::label,
            &place.costs,
        ),
        group(
            "niveau",
            "Niveau d'intervention",
            false,
            InterventionLevel::ALL,
            InterventionLevel::label,
            facts.intervention_level.as_slice(),
        ),
        group(
            "maniere",
            "Manière d'aider",
            false,
            HelpStyle::ALL,
            HelpStyle::label,
            facts.help_style.as_slice(),
        ),
        group(
            "type_aide",
            "Types d'aide",
            true,
            HelpKind::ALL,
            HelpKind::label,
            &facts.help_kinds,
        ),
        group(
            "modele",
            "Modèle d'accompagnement de la structure",
            false,
            SupportModel::ALL,
            SupportModel::label,
            facts.support_model.as_slice(),
        ),
        group(
            "statut",
            "Statut de l'offre",
            false,
            OfferStatus::ALL,
            OfferStatus::label,
            facts.status.as_slice(),
        ),
    ]
}

fn page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    values: &EditValues,
    errors: BTreeMap<&'static str, String>,
) -> Result<Response, WebError> {
    let place = &values.place;
    render(&EditTemplate {
        layout: Layout::new(
            state,
            viewer,
            "/annuaire",
            &format!("Modifier {}", place.name),
        ),
        id,
        name: place.name.clone(),
        opening_hours: place.opening_hours.clone().unwrap_or_default(),
        phone: place.phone.clone().unwrap_or_default(),
        emails: place.emails.join(", "),
        capacity: values.capacity.clone(),
        delay: values.delay.clone(),
        groups: groups(values),
        errors,
    })
}

/// The place, if this viewer may edit it (404 if it does not exist, 403 if it is not theirs).
async fn editable_place(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<StoredPlace, WebError> {
    let stored = state.store.place(id).await?;
    let location = PlaceLocation {
        structure_id: stored.structure_id,
        departement_code: &stored.departement_code,
        epci_code: stored.epci_code.as_deref(),
    };
    let account = &user.account;
    match may_edit_place(
        account.role,
        account.structure_id,
        &account.territory,
        &location,
    ) {
        true => Ok(stored),
        false => Err(WebError::Forbidden),
    }
}

pub async fn show_form(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let stored = editable_place(&state, &user, id).await?;
    let values = EditValues {
        capacity: stored
            .orientation
            .capacity_per_week
            .map(|c| c.to_string())
            .unwrap_or_default(),
        delay: stored
            .orientation
            .first_contact_delay_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        place: stored.place,
        facts: stored.orientation,
    };
    page(&state, &viewer, id, &values, BTreeMap::new())
}

/// The submitted fields, repeated names kept (checkbox groups).
fn fields(body: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        fields
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    fields
}

fn labels<T>(
    fields: &BTreeMap<String, Vec<String>>,
    name: &'static str,
    parse: fn(&str) -> Option<T>,
    errors: &mut BTreeMap<&'static str, String>,
) -> Vec<T> {
    let mut values = Vec::new();
    for text in fields.get(name).into_iter().flatten() {
        match parse(text) {
            Some(value) => values.push(value),
            None => {
                errors.insert(name, format!("Valeur « {text} » inconnue."));
            }
        }
    }
    values
}

fn text(fields: &BTreeMap<String, Vec<String>>, name: &str) -> String {
    fields
        .get(name)
        .and_then(|values| values.first())
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

fn number(
    text: &str,
    field: &'static str,
    max: u32,
    errors: &mut BTreeMap<&'static str, String>,
) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    match text.parse::<u32>().ok().filter(|n| *n <= max) {
        Some(n) => Some(n),
        None => {
            errors.insert(
                field,
                format!("Indiquez un nombre entier entre 0 et {max}."),
            );
            None
        }
    }
}

/// Applies the submitted fields to the stored place; every field that cannot be read gets a message.
fn apply(
    stored: &StoredPlace,
    fields: &BTreeMap<String, Vec<String>>,
) -> (EditValues, BTreeMap<&'static str, String>) {
    let mut errors = BTreeMap::new();
    let mut place = stored.place.clone();
    let hours = text(fields, "horaires");
    if !hours.is_empty() && WeeklyHours::parse(&hours).is_err() {
        errors.insert(
            "horaires",
            "Horaires non compris. Exemple : Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
                .to_owned(),
        );
    }
    place.opening_hours = Some(hours).filter(|h| !h.is_empty());
    let phone = text(fields, "telephone").replace([' ', '.'], "");
    let phone_ok = phone.is_empty()
        || (phone.starts_with('+')
            && (8..=13).contains(&phone.len())
            && phone[1..].bytes().all(|b| b.is_ascii_digit()));
    if !phone_ok {
        errors.insert(
            "telephone",
            "Numéro au format international attendu, par exemple +33241000000.".to_owned(),
        );
    }
    place.phone = Some(phone).filter(|p| !p.is_empty());
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
            "Chaque adresse doit être de la forme nom@domaine.fr.".to_owned(),
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
    let (capacity, delay) = (text(fields, "capacite"), text(fields, "delai"));
    let facts = OrientationFacts {
        capacity_per_week: number(&capacity, "capacite", 10_000, &mut errors),
        first_contact_delay_days: number(&delay, "delai", 365, &mut errors),
        intervention_level: labels(fields, "niveau", InterventionLevel::from_label, &mut errors)
            .first()
            .copied(),
        help_style: labels(fields, "maniere", HelpStyle::from_label, &mut errors)
            .first()
            .copied(),
        help_kinds: labels(fields, "type_aide", HelpKind::from_label, &mut errors),
        support_model: labels(fields, "modele", SupportModel::from_label, &mut errors)
            .first()
            .copied(),
        status: labels(fields, "statut", OfferStatus::from_label, &mut errors)
            .first()
            .copied(),
    };
    (
        EditValues {
            place,
            facts,
            capacity,
            delay,
        },
        errors,
    )
}

/// Whether two lists hold the same values, whatever their order (the form lists them in the
/// standard's order, a file may not).
fn same_values<T: Ord + Clone>(a: &[T], b: &[T]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}

fn same_facts(a: &OrientationFacts, b: &OrientationFacts) -> bool {
    let kinds_equal = same_values(&a.help_kinds, &b.help_kinds);
    OrientationFacts {
        help_kinds: Vec::new(),
        ..a.clone()
    } == OrientationFacts {
        help_kinds: Vec::new(),
        ..b.clone()
    } && kinds_equal
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
            "informations d'orientation",
            !same_facts(&before.orientation, &after.facts),
        ),
    ];
    let changed: Vec<&str> = checks
        .iter()
        .filter(|(_, changed)| *changed)
        .map(|(name, _)| *name)
        .collect();
    match changed.as_slice() {
        [] => "aucun changement".to_owned(),
        names => format!("Modifié : {}", names.join(", ")),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let stored = editable_place(&state, &user, id).await?;
    let (values, errors) = apply(&stored, &fields(&body));
    if !errors.is_empty() {
        let page = page(&state, &viewer, id, &values, errors)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let summary = change_summary(&stored, &values);
    state
        .store
        .update_place_by_hand(
            id,
            &values.place,
            &values.facts,
            (user.account.id, &summary),
            state.now(),
        )
        .await?;
    tracing::info!(structure_id = id, by = user.account.id, %summary, "place edited");
    Ok(Redirect::to(&format!("/annuaire/{id}?modifie=1")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_values_in_another_order_are_not_a_change() {
        let modes = [SupportMode::Remote, SupportMode::Autonomous];
        assert!(same_values(
            &modes,
            &[SupportMode::Autonomous, SupportMode::Remote]
        ));
        assert!(!same_values(&modes, &[SupportMode::Autonomous]));
        let facts = OrientationFacts {
            help_kinds: vec![HelpKind::Inclusion, HelpKind::DigitalEmergency],
            ..OrientationFacts::default()
        };
        let reordered = OrientationFacts {
            help_kinds: vec![HelpKind::DigitalEmergency, HelpKind::Inclusion],
            ..OrientationFacts::default()
        };
        assert!(same_facts(&facts, &reordered));
        assert!(!same_facts(
            &facts,
            &OrientationFacts {
                capacity_per_week: Some(3),
                ..reordered
            }
        ));
    }
}
