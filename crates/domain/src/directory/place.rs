//! A place of digital mediation as the national standard describes it, with the facts orientation
//! needs beside it.

use super::vocabulary::*;
use serde::{Deserialize, Serialize};

/// One row of the national places standard (v1.0.2), typed. Multi-valued fields are lists; the
/// standard's `|`-joined strings are the interop crate's business.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Place {
    /// `id`: the place's identifier in its source (required).
    pub id: String,
    /// `pivot`: SIRET (14 digits) or RNA (W + 9 characters) of the structure (required).
    pub pivot: String,
    /// `nom` (required).
    pub name: String,
    /// `commune`: name of the commune (required).
    pub commune: String,
    /// `code_postal` (required, 5 digits).
    pub postal_code: String,
    /// `code_insee`.
    pub insee_code: Option<String>,
    /// `adresse` (required).
    pub address: String,
    /// `complement_adresse`.
    pub address_complement: Option<String>,
    /// `latitude`, `longitude` (WGS84).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// `typologie`: codes of the structure's typology (e.g. `TIERS_LIEUX`, `ASSO`).
    pub typologies: Vec<String>,
    /// `telephone`, in international form (+33…).
    pub phone: Option<String>,
    /// `courriels`.
    pub emails: Vec<String>,
    /// `site_web`.
    pub websites: Vec<String>,
    /// `horaires`, in OpenStreetMap `opening_hours` syntax.
    pub opening_hours: Option<String>,
    /// `presentation_resume`, `presentation_detail`.
    pub summary: Option<String>,
    pub detail: Option<String>,
    /// `source`: who published the row.
    pub source: Option<String>,
    /// `itinerance`.
    pub mobility: Vec<Mobility>,
    /// `structure_parente`: the network or parent body.
    pub parent_structure: Option<String>,
    /// `date_maj`: ISO date of the last update (required, `YYYY-MM-DD`).
    pub updated_on: String,
    pub services: Vec<Service>,
    pub audiences: Vec<Audience>,
    pub specific_support: Vec<SpecificSupport>,
    pub costs: Vec<Cost>,
    pub programmes: Vec<NationalProgramme>,
    pub training_labels: Vec<TrainingLabel>,
    /// `autres_formations_labels`: free labels.
    pub other_labels: Vec<String>,
    pub access_modes: Vec<AccessMode>,
    pub support_modes: Vec<SupportMode>,
    /// `fiche_acces_libre`: link to the accessibility sheet (acceslibre).
    pub accessibility_sheet_url: Option<String>,
    /// `prise_rdv`: link to online booking.
    pub booking_url: Option<String>,
    /// Not in the standard v1: the help style an older file declared (« A ma place : une personne
    /// habilitée fait les démarches à ma place »), which the place's first offer takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_help_style: Option<HelpStyle>,
}

/// What orientation needs to know of an offer and the standard does not carry. Every field is optional:
/// an imported offer has none of them until its structure's manager fills them in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OfferFacts {
    /// People the offer can take per week (or per workshop cycle).
    pub capacity_per_week: Option<u32>,
    /// Usual delay before a first contact, in days.
    pub first_contact_delay_days: Option<u32>,
    pub intervention_level: Option<InterventionLevel>,
    pub help_style: Option<HelpStyle>,
    pub help_kinds: Vec<HelpKind>,
    pub status: Option<OfferStatus>,
}

/// One offer of a structure: what help, for whom, how, at what cost, and the facts orientation weighs.
/// A place imported from the standard gets one offer mirroring the place's lists; its manager can
/// refine it and add others (a free-access space, a workshop cycle, a habilitated helper…).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Offer {
    pub name: String,
    pub services: Vec<Service>,
    pub audiences: Vec<Audience>,
    pub specific_support: Vec<SpecificSupport>,
    pub support_modes: Vec<SupportMode>,
    pub costs: Vec<Cost>,
    pub facts: OfferFacts,
    /// Where an itinerant offer (a bus, a roving permanence) stops, and when: ranking measures the
    /// distance to the nearest stop rather than to the place's base.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stops: Vec<ItinerantStop>,
}

/// One stop of an itinerant offer: the commune, the weekdays it is there (0 = Monday), and the
/// commune's centre for distances.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ItinerantStop {
    pub commune_code: String,
    pub commune_name: String,
    pub weekdays: Vec<u8>,
    pub latitude: f64,
    pub longitude: f64,
}

/// The French names of the weekdays, Monday first.
const DAY_NAMES: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

impl ItinerantStop {
    /// « le mardi et le jeudi », « chaque jour de passage annoncé » when no day is known.
    pub fn days_in_french(&self) -> String {
        let days: Vec<String> = self
            .weekdays
            .iter()
            .filter_map(|d| DAY_NAMES.get(usize::from(*d)))
            .map(|d| format!("le {d}"))
            .collect();
        match days.as_slice() {
            [] => "jours à confirmer".to_owned(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} et {last}", rest.join(", ")),
        }
    }

    /// Reads a weekday name (« mardi », « Mardi », « mar »), 0 = Monday.
    pub fn weekday_of(name: &str) -> Option<u8> {
        let name = name.trim().to_lowercase();
        if name.len() < 3 {
            return None;
        }
        DAY_NAMES
            .iter()
            .position(|day| day.starts_with(&name))
            .and_then(|i| u8::try_from(i).ok())
    }
}

/// The name of the offer an imported place starts with when the place lists no service.
pub const DEFAULT_OFFER_NAME: &str = "Accompagnement proposé par le lieu";

/// The name of the offer an imported place starts with: what it offers, by the standard's services
/// (« Aide aux démarches administratives et maîtrise des outils numériques du quotidien », « …, … et
/// 3 autres services »), within [`MAX_OFFER_NAME`]; [`DEFAULT_OFFER_NAME`] when none is listed.
pub fn offer_name_of(services: &[super::Service]) -> String {
    let lowered = |service: &super::Service| {
        let label = service.label();
        let mut chars = label.chars();
        chars
            .next()
            .map(|first| first.to_lowercase().chain(chars).collect::<String>())
            .unwrap_or_default()
    };
    let others = |count: usize| match count {
        1 => "1 autre service".to_owned(),
        n => format!("{n} autres services"),
    };
    let name = match services {
        [] => DEFAULT_OFFER_NAME.to_owned(),
        [only] => only.label().to_owned(),
        [first, second] => format!("{} et {}", first.label(), lowered(second)),
        [first, second, rest @ ..] => format!(
            "{}, {} et {}",
            first.label(),
            lowered(second),
            others(rest.len())
        ),
    };
    if name.chars().count() <= MAX_OFFER_NAME {
        return name;
    }
    match services {
        [first, rest @ ..] => format!("{} et {}", first.label(), others(rest.len())),
        [] => DEFAULT_OFFER_NAME.to_owned(),
    }
}
/// Longest offer name, in characters.
pub const MAX_OFFER_NAME: usize = 120;

/// Why an offer is refused; the message is what the person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    #[error("Le nom de l'offre est obligatoire.")]
    EmptyName,
    #[error("Le nom de l'offre ne doit pas dépasser {MAX_OFFER_NAME} caractères.")]
    NameTooLong,
    #[error("Choisissez au moins un service.")]
    NoService,
}

impl Offer {
    /// The offer a place starts with: the place's own lists, no facts yet.
    pub fn mirroring(place: &Place) -> Offer {
        Offer {
            name: offer_name_of(&place.services),
            facts: OfferFacts::default(),
            ..Offer::default()
        }
        .with_lists_of(place)
    }

    /// The same offer with the place's lists (after a re-import), its name and facts kept.
    pub fn with_lists_of(self, place: &Place) -> Offer {
        // A name the platform gave follows the services; a name someone typed is kept.
        let named_by_platform =
            self.name == DEFAULT_OFFER_NAME || self.name == offer_name_of(&self.services);
        let name = if named_by_platform {
            offer_name_of(&place.services)
        } else {
            self.name.clone()
        };
        Offer {
            name,
            services: place.services.clone(),
            audiences: place.audiences.clone(),
            specific_support: place.specific_support.clone(),
            support_modes: place.support_modes.clone(),
            costs: place.costs.clone(),
            facts: OfferFacts {
                help_style: self.facts.help_style.or(place.declared_help_style),
                ..self.facts
            },
            ..self
        }
    }

    /// Checks what a person typed.
    pub fn check(&self) -> Result<(), OfferError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(OfferError::EmptyName);
        }
        if name.chars().count() > MAX_OFFER_NAME {
            return Err(OfferError::NameTooLong);
        }
        if self.services.is_empty() {
            return Err(OfferError::NoService);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_imported_place_s_offer_is_named_by_what_it_offers() {
        assert_eq!(offer_name_of(&[]), DEFAULT_OFFER_NAME);
        assert_eq!(
            offer_name_of(&[Service::AdministrativeProcedures]),
            "Aide aux démarches administratives"
        );
        assert_eq!(
            offer_name_of(&[Service::AdministrativeProcedures, Service::EverydayTools]),
            "Aide aux démarches administratives et maîtrise des outils numériques du quotidien"
        );
        let many = offer_name_of(Service::ALL);
        assert!(many.chars().count() <= MAX_OFFER_NAME, "{many}");
        assert!(many.ends_with("autres services"), "{many}");
        // A re-import renames an offer the platform named, never one a person named.
        let place = Place {
            services: vec![Service::SafeUse],
            ..Place::default()
        };
        let named = Offer::mirroring(&place);
        assert_eq!(named.name, "Utilisation sécurisée du numérique");
        let more = Place {
            services: vec![Service::SafeUse, Service::Parenting],
            ..Place::default()
        };
        assert_eq!(
            named.clone().with_lists_of(&more).name,
            "Utilisation sécurisée du numérique et parentalité et éducation avec le numérique"
        );
        let typed = Offer {
            name: "Atelier seniors".into(),
            ..named
        };
        assert_eq!(typed.with_lists_of(&more).name, "Atelier seniors");
    }

    #[test]
    fn a_reimport_refreshes_the_lists_and_keeps_the_name_and_facts() {
        let place = Place {
            services: vec![Service::SafeUse],
            audiences: vec![Audience::Seniors],
            ..Place::default()
        };
        let mut offer = Offer::mirroring(&place);
        assert_eq!(offer.services, vec![Service::SafeUse]);
        offer.name = "Ateliers seniors".into();
        offer.facts.capacity_per_week = Some(8);
        let changed = Place {
            services: vec![Service::EverydayTools],
            ..place
        };
        let refreshed = offer.with_lists_of(&changed);
        assert_eq!(refreshed.services, vec![Service::EverydayTools]);
        assert_eq!(refreshed.name, "Ateliers seniors");
        assert_eq!(refreshed.facts.capacity_per_week, Some(8));
    }

    #[test]
    fn an_offer_needs_a_name_and_a_service() {
        let offer = Offer {
            name: " ".into(),
            services: vec![Service::SafeUse],
            ..Offer::default()
        };
        assert_eq!(offer.check(), Err(OfferError::EmptyName));
        let offer = Offer {
            name: "Permanence".into(),
            ..Offer::default()
        };
        assert_eq!(offer.check(), Err(OfferError::NoService));
    }
}
