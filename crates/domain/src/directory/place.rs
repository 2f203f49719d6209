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
}

/// What orientation needs to know of an offer and the standard does not carry. Every field is optional:
/// an imported place has none of them until its manager fills them in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrientationFacts {
    /// People the offer can take per week (or per workshop cycle).
    pub capacity_per_week: Option<u32>,
    /// Usual delay before a first contact, in days.
    pub first_contact_delay_days: Option<u32>,
    pub intervention_level: Option<InterventionLevel>,
    pub help_style: Option<HelpStyle>,
    pub help_kinds: Vec<HelpKind>,
    pub support_model: Option<SupportModel>,
    pub status: Option<OfferStatus>,
}
