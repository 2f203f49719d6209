//! Creating and editing the offers of a place: name, what help for whom and how, at what cost, and the
//! facts orientation weighs (capacity, delay, level, help style, kinds of help, status). Same rights as
//! editing the place; every save is dated and attributed.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, group, labels, number, text, Errors, Group};
use crate::pages::place_edit::editable_place;
use crate::pages::render;
use aiguillage_domain::directory::*;
use aiguillage_service::directory_edit;
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "offer_edit.html")]
struct OfferTemplate {
    layout: Layout,
    place_id: i64,
    place_name: String,
    action: String,
    is_new: bool,
    name: String,
    capacity: String,
    delay: String,
    /// The itinerant stops as typed, one « commune ; jours » per line.
    stops: String,
    groups: Vec<Group>,
    errors: Errors,
}

/// What the form shows: the offer and the two numbers as typed.
struct OfferValues {
    offer: Offer,
    capacity: String,
    delay: String,
    stops: String,
}

impl OfferValues {
    fn of(offer: Offer) -> OfferValues {
        OfferValues {
            capacity: offer
                .facts
                .capacity_per_week
                .map(|c| c.to_string())
                .unwrap_or_default(),
            delay: offer
                .facts
                .first_contact_delay_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            stops: offer
                .stops
                .iter()
                .map(|stop| {
                    let days: Vec<&str> = stop
                        .weekdays
                        .iter()
                        .filter_map(|d| WEEKDAY_NAMES.get(usize::from(*d)).copied())
                        .collect();
                    format!("{} ; {}", stop.commune_name, days.join(", "))
                })
                .collect::<Vec<_>>()
                .join("\n"),
            offer,
        }
    }
}

fn groups(offer: &Offer) -> Vec<Group> {
    let facts = &offer.facts;
    vec![
        group(
            ("services", "Services"),
            true,
            Service::ALL,
            Service::label,
            &offer.services,
        ),
        group(
            ("publics", "Publics spécifiquement accueillis"),
            true,
            Audience::ALL,
            Audience::label,
            &offer.audiences,
        ),
        group(
            ("prise_en_charge", "Prise en charge spécifique"),
            true,
            SpecificSupport::ALL,
            SpecificSupport::label,
            &offer.specific_support,
        ),
        group(
            ("modalites", "Modalités d'accompagnement"),
            true,
            SupportMode::ALL,
            SupportMode::label,
            &offer.support_modes,
        ),
        group(
            ("frais", "Frais à la charge de la personne"),
            true,
            Cost::ALL,
            Cost::label,
            &offer.costs,
        ),
        group(
            ("niveau", "Niveau d'intervention"),
            false,
            InterventionLevel::ALL,
            InterventionLevel::label,
            facts.intervention_level.as_slice(),
        ),
        group(
            ("maniere", "Manière d'aider"),
            false,
            HelpStyle::ALL,
            HelpStyle::label,
            facts.help_style.as_slice(),
        ),
        group(
            ("type_aide", "Types d'aide"),
            true,
            HelpKind::ALL,
            HelpKind::label,
            &facts.help_kinds,
        ),
        group(
            ("statut", "Statut de l'offre"),
            false,
            OfferStatus::ALL,
            OfferStatus::label,
            facts.status.as_slice(),
        ),
    ]
}

fn page(
    me: &Professional,
    (place_id, place_name): (i64, &str),
    offer_id: Option<i64>,
    values: &OfferValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let action = match offer_id {
        Some(offer_id) => format!("/annuaire/{place_id}/offres/{offer_id}"),
        None => format!("/annuaire/{place_id}/offres/nouvelle"),
    };
    render(&OfferTemplate {
        layout: me.layout("/annuaire", "Offre"),
        place_id,
        place_name: place_name.to_owned(),
        action,
        is_new: offer_id.is_none(),
        name: values.offer.name.clone(),
        capacity: values.capacity.clone(),
        delay: values.delay.clone(),
        stops: values.stops.clone(),
        groups: groups(&values.offer),
        errors,
    })
}

/// Reads the submitted offer; every field that cannot be read gets a message.
fn read_offer(body: &[u8]) -> (OfferValues, Errors) {
    let fields = fields(body);
    let mut errors = Errors::new();
    let (capacity, delay) = (text(&fields, "capacite"), text(&fields, "delai"));
    let offer = Offer {
        name: text(&fields, "nom"),
        services: labels(&fields, "services", Service::from_label, &mut errors),
        audiences: labels(&fields, "publics", Audience::from_label, &mut errors),
        specific_support: labels(
            &fields,
            "prise_en_charge",
            SpecificSupport::from_label,
            &mut errors,
        ),
        support_modes: labels(&fields, "modalites", SupportMode::from_label, &mut errors),
        costs: labels(&fields, "frais", Cost::from_label, &mut errors),
        facts: OfferFacts {
            capacity_per_week: number(&capacity, "capacite", 10_000, &mut errors),
            first_contact_delay_days: number(&delay, "delai", 365, &mut errors),
            intervention_level: labels(
                &fields,
                "niveau",
                InterventionLevel::from_label,
                &mut errors,
            )
            .first()
            .copied(),
            help_style: labels(&fields, "maniere", HelpStyle::from_label, &mut errors)
                .first()
                .copied(),
            help_kinds: labels(&fields, "type_aide", HelpKind::from_label, &mut errors),
            status: labels(&fields, "statut", OfferStatus::from_label, &mut errors)
                .first()
                .copied(),
        },
        stops: Vec::new(),
    };
    match offer.check() {
        Err(OfferError::NoService) => {
            errors
                .entry("services")
                .or_insert_with(|| OfferError::NoService.to_string());
        }
        Err(error) => {
            errors.insert("nom", error.to_string());
        }
        Ok(()) => {}
    }
    (
        OfferValues {
            offer,
            capacity,
            delay,
            stops: text(&fields, "arrets"),
        },
        errors,
    )
}

/// The French weekday names, Monday first.
const WEEKDAY_NAMES: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

/// Reads the stops typed one per line as « commune ; jours » (« Brissac-Quincé ; mardi, jeudi »):
/// each commune found by name or postal code, with its centre; the first line that cannot be read
/// gives the message.
async fn itinerant_stops(
    store: &aiguillage_store::Store,
    typed: &str,
) -> Result<Result<Vec<ItinerantStop>, String>, WebError> {
    let mut stops = Vec::new();
    for (number, line) in typed
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let number = number + 1;
        let (commune, days) = line.split_once(';').unwrap_or((line, ""));
        let Some(found) = store
            .search_communes(commune.trim(), 1)
            .await?
            .into_iter()
            .next()
        else {
            return Ok(Err(format!(
                "Ligne {number} : la commune « {} » est introuvable (nom ou code postal).",
                commune.trim()
            )));
        };
        let mut weekdays = Vec::new();
        for day in days
            .split([',', ' '])
            .filter(|d| !d.trim().is_empty() && d.trim() != "et")
        {
            match ItinerantStop::weekday_of(day) {
                Some(weekday) => weekdays.push(weekday),
                None => {
                    return Ok(Err(format!(
                    "Ligne {number} : « {} » n'est pas un jour de la semaine (lundi … dimanche).",
                    day.trim()
                )))
                }
            }
        }
        weekdays.sort_unstable();
        weekdays.dedup();
        let (latitude, longitude) = store
            .commune_centre(&found.code)
            .await?
            .unwrap_or((0.0, 0.0));
        stops.push(ItinerantStop {
            commune_code: found.code,
            commune_name: found.name,
            weekdays,
            latitude,
            longitude,
        });
    }
    Ok(Ok(stops))
}

/// `GET /annuaire/{id}/offres/nouvelle`: a blank offer's form.
pub async fn show_new(me: Professional, Path(id): Path<i64>) -> Result<Response, WebError> {
    let stored = editable_place(&me, id).await?;
    let values = OfferValues::of(Offer::default());
    page(&me, (id, &stored.place.name), None, &values, Errors::new())
}

/// `GET /annuaire/{id}/offres/{offre}`: the offer's form.
pub async fn show_existing(
    me: Professional,
    Path((id, offer_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let stored = editable_place(&me, id).await?;
    let offers = me.state.store.offers_of(id).await?;
    let offer = offers.into_iter().find(|o| o.id == offer_id);
    let values = OfferValues::of(offer.ok_or(WebError::NotFound)?.offer);
    let place = (id, stored.place.name.as_str());
    page(&me, place, Some(offer_id), &values, Errors::new())
}

async fn save(
    me: &Professional,
    (id, offer_id): (i64, Option<i64>),
    body: &[u8],
) -> Result<Response, WebError> {
    let stored = editable_place(me, id).await?;
    let (mut values, mut errors) = read_offer(body);
    match itinerant_stops(&me.state.store, &values.stops).await? {
        Ok(stops) => values.offer.stops = stops,
        Err(message) => {
            errors.insert("arrets", message);
        }
    }
    if !errors.is_empty() {
        let page = page(me, (id, &stored.place.name), offer_id, &values, errors)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let verb = if offer_id.is_some() {
        "modifiée"
    } else {
        "ajoutée"
    };
    let summary = format!("Offre « {} » {verb}", values.offer.name);
    let (offer, account) = ((&values.offer, summary.as_str()), &me.user.account);
    directory_edit::save_offer(&me.state, account, (id, offer_id), offer).await?;
    Ok(Redirect::to(&format!("/annuaire/{id}?modifie=1")).into_response())
}

/// `POST /annuaire/{id}/offres/nouvelle`.
pub async fn create(
    me: Professional,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    save(&me, (id, None), &body).await
}

/// `POST /annuaire/{id}/offres/{offre}`.
pub async fn update(
    me: Professional,
    Path((id, offer_id)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, WebError> {
    save(&me, (id, Some(offer_id)), &body).await
}
