//! The directory pages: search by need, audience, specific support, support mode, cost, opening time
//! and distance from a commune; and the page of one place with everything known about it.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::account::territory_name;
use crate::pages::download::{tables_download, DownloadParams};
use crate::pages::{format_time, render};
use aiguillage_domain::directory::Place;
use aiguillage_domain::directory::{Audience, Cost, Service, SpecificSupport, SupportMode};
use aiguillage_interop::places_standard::spreadsheet_table;
use aiguillage_service::directory_search::{
    run_search, DirectoryQuery, QueryErrors, SearchOutcome,
};
use aiguillage_store::Account;
use aiguillage_store::{PlaceChange, StoredOffer, StoredPlace};
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::Response;
use serde::Deserialize;

/// One option of a select, marked when chosen.
pub(crate) struct Choice {
    pub(crate) label: &'static str,
    pub(crate) selected: bool,
}

fn choices<T: Copy>(all: &[T], label: fn(T) -> &'static str, chosen: &str) -> Vec<Choice> {
    all.iter()
        .map(|value| Choice {
            label: label(*value),
            selected: label(*value) == chosen.trim(),
        })
        .collect()
}

/// A select of the search form.
pub(crate) struct Filter {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) choices: Vec<Choice>,
    pub(crate) error: Option<String>,
}

/// A place in the result list.
pub(crate) struct ResultRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) commune: String,
    pub(crate) distance: Option<String>,
    pub(crate) services: Vec<&'static str>,
    pub(crate) audiences: Vec<&'static str>,
}

impl ResultRow {
    pub(crate) fn from(stored: &StoredPlace, distance_km: Option<f64>) -> ResultRow {
        let place = &stored.place;
        ResultRow {
            id: stored.structure_id,
            name: place.name.clone(),
            commune: format!("{} ({})", place.commune, place.postal_code),
            distance: distance_km.map(|km| format!("{km:.1} km").replace('.', ",")),
            services: place.services.iter().map(|s| s.label()).collect(),
            audiences: place.audiences.iter().map(|a| a.label()).collect(),
        }
    }
}

pub(crate) const DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryTemplate {
    layout: Layout,
    filters: Vec<Filter>,
    query: DirectoryQuery,
    days: Vec<(usize, &'static str, bool)>,
    commune_error: Option<String>,
    rayon_error: Option<String>,
    time_error: Option<String>,
    has_errors: bool,
    results: Vec<ResultRow>,
    summary: String,
    query_string: String,
    map_tiles: Option<String>,
    form_action: &'static str,
    commune_label: &'static str,
    commune_hint: &'static str,
}

pub(crate) fn filters(query: &DirectoryQuery, errors: &QueryErrors) -> Vec<Filter> {
    let error = |field: &str| errors.for_field(field).map(str::to_owned);
    vec![
        Filter {
            name: "besoin",
            label: "Besoin (service)",
            choices: choices(Service::ALL, Service::label, &query.besoin),
            error: error("besoin"),
        },
        Filter {
            name: "public",
            label: "Public spécifiquement accueilli",
            choices: choices(Audience::ALL, Audience::label, &query.public),
            error: error("public"),
        },
        Filter {
            name: "accompagnement_specifique",
            label: "Prise en charge spécifique",
            choices: choices(
                SpecificSupport::ALL,
                SpecificSupport::label,
                &query.accompagnement_specifique,
            ),
            error: error("accompagnement_specifique"),
        },
        Filter {
            name: "modalite",
            label: "Modalité d'accompagnement",
            choices: choices(SupportMode::ALL, SupportMode::label, &query.modalite),
            error: error("modalite"),
        },
        Filter {
            name: "frais",
            label: "Frais",
            choices: choices(Cost::ALL, Cost::label, &query.frais),
            error: error("frais"),
        },
    ]
}

/// `GET /annuaire`: the places matching the criteria, around a commune or on the territory; with
/// `format=xlsx|csv`, the same places as a file in the standard's columns.
pub async fn search(
    me: Professional,
    Query(query): Query<DirectoryQuery>,
    Query(download): Query<DownloadParams>,
) -> Result<Response, WebError> {
    let scope = &me.user.account.territory;
    let outcome = run_search(&me.state.store, &query, scope).await?;
    if let Some(format) = download.table_format()? {
        let places: Vec<Place> = outcome
            .found
            .iter()
            .map(|f| f.stored.place.clone())
            .collect();
        return tables_download("annuaire", &[spreadsheet_table(&places)], format);
    }
    let summary = summary_of(&outcome, &me.user.account);
    render(&DirectoryTemplate::of(
        me.layout("/annuaire", "Annuaire"),
        query,
        &outcome,
        summary,
        me.state.settings.map_tiles.clone(),
    ))
}

/// How many places were found, and where, in words.
fn summary_of(outcome: &SearchOutcome, account: &Account) -> String {
    let count = match outcome.found.len() {
        1 => "1 lieu".to_owned(),
        n => format!("{n} lieux"),
    };
    match &outcome.around {
        Some(commune) => format!(
            "{count} à moins de {} km {}",
            outcome.radius_km,
            crate::pages::of_name(commune)
        ),
        None => format!("{count} sur votre territoire ({})", territory_name(account)),
    }
}

impl DirectoryTemplate {
    fn of(
        layout: Layout,
        query: DirectoryQuery,
        outcome: &SearchOutcome,
        summary: String,
        map_tiles: Option<String>,
    ) -> DirectoryTemplate {
        let errors = &outcome.errors;
        DirectoryTemplate {
            layout,
            filters: filters(&query, errors),
            days: DAYS
                .iter()
                .enumerate()
                .map(|(index, day)| (index, *day, query.jour.trim() == index.to_string()))
                .collect(),
            commune_error: errors.for_field("commune").map(str::to_owned),
            rayon_error: errors.for_field("rayon").map(str::to_owned),
            time_error: errors
                .for_field("jour")
                .or(errors.for_field("heure"))
                .map(str::to_owned),
            has_errors: !errors.messages.is_empty(),
            results: outcome
                .found
                .iter()
                .map(|found| ResultRow::from(&found.stored, found.distance_km))
                .collect(),
            summary,
            query_string: query.to_query_string(),
            map_tiles,
            form_action: "/annuaire",
            commune_label: "Autour de la commune ou de l'adresse",
            commune_hint: "Nom, code postal ou adresse (ramenée au centre de sa commune) ; vide : tout votre territoire",
            query,
        }
    }
}

/// A labelled value of the place page.
struct Fact {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "place.html")]
struct PlaceTemplate {
    layout: Layout,
    name: String,
    summary: Option<String>,
    facts: Vec<Fact>,
    links: Vec<(&'static str, String)>,
    id: i64,
    editable: bool,
    saved: bool,
    changes: Vec<String>,
    offers: Vec<OfferCard>,
}

pub(crate) fn list<T: std::fmt::Display>(values: &[T]) -> String {
    match values {
        [] => "non renseigné".to_owned(),
        values => values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// An offer as the place page shows it.
struct OfferCard {
    id: i64,
    name: String,
    facts: Vec<Fact>,
}

fn offer_card(stored: &StoredOffer) -> OfferCard {
    let (offer, facts) = (&stored.offer, &stored.offer.facts);
    let optional = |value: Option<&'static str>| value.unwrap_or("non renseigné").to_owned();
    OfferCard {
        id: stored.id,
        name: offer.name.clone(),
        facts: vec![
            Fact {
                label: "Services",
                value: list(&offer.services),
            },
            Fact {
                label: "Publics",
                value: list(&offer.audiences),
            },
            Fact {
                label: "Prise en charge spécifique",
                value: list(&offer.specific_support),
            },
            Fact {
                label: "Modalités",
                value: list(&offer.support_modes),
            },
            Fact {
                label: "Frais",
                value: list(&offer.costs),
            },
            Fact {
                label: "Capacité (personnes par semaine)",
                value: facts
                    .capacity_per_week
                    .map_or("non renseignée".into(), |c| c.to_string()),
            },
            Fact {
                label: "Délai habituel avant premier contact",
                value: facts
                    .first_contact_delay_days
                    .map_or("non renseigné".into(), |d| format!("{d} jours")),
            },
            Fact {
                label: "Niveau d'intervention",
                value: optional(facts.intervention_level.map(|l| l.label())),
            },
            Fact {
                label: "Manière d'aider",
                value: optional(facts.help_style.map(|s| s.label())),
            },
            Fact {
                label: "Types d'aide",
                value: list(&facts.help_kinds),
            },
            Fact {
                label: "Statut",
                value: optional(facts.status.map(|s| s.label())),
            },
            Fact {
                label: "Arrêts (offre itinérante)",
                value: if offer.stops.is_empty() {
                    "aucun".to_owned()
                } else {
                    offer
                        .stops
                        .iter()
                        .map(|s| format!("{} ({})", s.commune_name, s.days_in_french()))
                        .collect::<Vec<_>>()
                        .join(" ; ")
                },
            },
        ],
    }
}

/// Opening hours in plain French (« mardi : 10 h – 18 h ; … »), the open days only; the text as
/// recorded when it cannot be read.
pub(crate) fn hours_in_french(hours: &Option<String>) -> String {
    let Some(text) = hours else {
        return "non renseignés".to_owned();
    };
    match aiguillage_domain::directory::opening_hours::WeeklyHours::parse(text) {
        Ok(week) => week
            .in_french()
            .into_iter()
            .filter(|day| !day.ends_with("fermé"))
            .collect::<Vec<_>>()
            .join(" ; "),
        Err(_) => text.clone(),
    }
}

fn place_facts(stored: &StoredPlace) -> Vec<Fact> {
    let place = &stored.place;
    let optional =
        |value: &Option<String>| value.clone().unwrap_or_else(|| "non renseigné".to_owned());
    let address = [
        Some(place.address.clone()),
        place.address_complement.clone(),
        Some(format!("{} {}", place.postal_code, place.commune)),
    ];
    vec![
        Fact {
            label: "Adresse",
            value: address.into_iter().flatten().collect::<Vec<_>>().join(", "),
        },
        Fact {
            label: "Horaires",
            value: hours_in_french(&place.opening_hours),
        },
        Fact {
            label: "Téléphone",
            value: optional(&place.phone.as_deref().map(aiguillage_domain::phone::spaced)),
        },
        Fact {
            label: "Courriel",
            value: list(&place.emails),
        },
        Fact {
            label: "Services",
            value: list(&place.services),
        },
        Fact {
            label: "Publics spécifiquement accueillis",
            value: list(&place.audiences),
        },
        Fact {
            label: "Prise en charge spécifique",
            value: list(&place.specific_support),
        },
        Fact {
            label: "Modalités d'accompagnement",
            value: list(&place.support_modes),
        },
        Fact {
            label: "Modalités d'accès",
            value: list(&place.access_modes),
        },
        Fact {
            label: "Frais",
            value: list(&place.costs),
        },
        Fact {
            label: "Dispositifs nationaux",
            value: list(&place.programmes),
        },
        Fact {
            label: "Formations et labels",
            value: list(&place.training_labels),
        },
        Fact {
            label: "Itinérance",
            value: list(&place.mobility),
        },
        Fact {
            label: "Modèle d'accompagnement",
            value: stored
                .support_model
                .map_or("non renseigné".into(), |m| m.label().to_owned()),
        },
        Fact {
            label: "Source",
            value: format!(
                "{} (mise à jour du {})",
                place.source.clone().unwrap_or_else(|| "inconnue".into()),
                place.updated_on
            ),
        },
    ]
}

#[derive(Deserialize)]
pub struct PlaceQuery {
    modifie: Option<String>,
}

/// `GET /annuaire/{id}`: everything known about the place, its offers and its latest changes.
pub async fn show(
    me: Professional,
    Path(id): Path<i64>,
    Query(query): Query<PlaceQuery>,
) -> Result<Response, WebError> {
    let store = &me.state.store;
    let stored = store.place(id).await?;
    let changes = store.place_changes(id, 5).await?;
    render(&PlaceTemplate {
        layout: me.layout("/annuaire", &stored.place.name),
        id,
        name: stored.place.name.clone(),
        summary: stored.place.summary.clone(),
        facts: place_facts(&stored),
        links: links_of(&stored),
        editable: aiguillage_service::directory_edit::may_edit(&me.user.account, &stored),
        saved: query.modifie.is_some(),
        changes: changes.into_iter().map(change_line).collect(),
        offers: store.offers_of(id).await?.iter().map(offer_card).collect(),
    })
}

/// The place's online booking and accessibility sheet, when it has them.
fn links_of(stored: &StoredPlace) -> Vec<(&'static str, String)> {
    let mut links = Vec::new();
    if let Some(url) = &stored.place.booking_url {
        links.push(("Prendre rendez-vous en ligne", url.clone()));
    }
    if let Some(url) = &stored.place.accessibility_sheet_url {
        links.push(("Fiche d'accessibilité (Accès Libre)", url.clone()));
    }
    links
}

/// A change of the place: when, by whom, what.
fn change_line(change: PlaceChange) -> String {
    let who = change
        .account_name
        .unwrap_or_else(|| "ligne de commande (exploitant)".into());
    format!(
        "{} — {who} — {}",
        format_time(change.changed_at),
        change.summary
    )
}
