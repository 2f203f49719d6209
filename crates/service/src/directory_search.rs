//! The directory search as the page and the API share it: the query string read into search criteria
//! (with a French message per field that cannot be read), the candidates loaded from the store (around
//! the chosen commune, or in the viewer's territory), and the domain search run on them.

use aiguillage_domain::directory::search::{search, Candidate, SearchCriteria};
use aiguillage_domain::directory::{Audience, Cost, Service, SpecificSupport, SupportMode};
use aiguillage_domain::geo::Position;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_store::{Store, StoreError, StoredPlace};
use serde::Deserialize;

/// Largest radius a search may ask, in kilometres.
pub const MAX_RADIUS_KM: f64 = 100.0;
const DEFAULT_RADIUS_KM: f64 = 10.0;
const KM_PER_DEGREE_LATITUDE: f64 = 111.0;

/// The search form, as typed (every field optional; French names as in the page's URL).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct DirectoryQuery {
    /// A service of the national standard (exact label).
    #[serde(default)]
    pub besoin: String,
    /// An audience specifically addressed (exact label).
    #[serde(default)]
    pub public: String,
    /// A specific support (exact label).
    #[serde(default)]
    pub accompagnement_specifique: String,
    /// A support mode (exact label).
    #[serde(default)]
    pub modalite: String,
    /// A cost (exact label).
    #[serde(default)]
    pub frais: String,
    /// A commune name or postal code to search around.
    #[serde(default)]
    pub commune: String,
    /// Radius around the commune, in km (1 to 100, default 10).
    #[serde(default)]
    pub rayon: String,
    /// Weekday 0 (Monday) to 6 (Sunday), with `heure`.
    #[serde(default)]
    pub jour: String,
    /// Time of day HH:MM, with `jour`.
    #[serde(default)]
    pub heure: String,
}

impl DirectoryQuery {
    /// The criteria as a query string (`besoin=…&commune=…`), empty fields left out.
    pub fn to_query_string(&self) -> String {
        [
            ("besoin", &self.besoin),
            ("public", &self.public),
            ("accompagnement_specifique", &self.accompagnement_specifique),
            ("modalite", &self.modalite),
            ("frais", &self.frais),
            ("commune", &self.commune),
            ("rayon", &self.rayon),
            ("jour", &self.jour),
            ("heure", &self.heure),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", urlencoding::encode(value.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// A French message per field that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryErrors {
    pub messages: Vec<(&'static str, String)>,
}

impl QueryErrors {
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.messages
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }
}

/// A place found, with its distance when a commune was given.
pub struct Found {
    pub stored: StoredPlace,
    pub distance_km: Option<f64>,
}

/// The outcome of a search: what was found and around which commune.
pub struct SearchOutcome {
    pub criteria: SearchCriteria,
    pub found: Vec<Found>,
    pub around: Option<String>,
    pub radius_km: f64,
    pub errors: QueryErrors,
}

fn label_of<T: Copy>(
    text: &str,
    field: &'static str,
    parse: fn(&str) -> Option<T>,
    errors: &mut QueryErrors,
) -> Vec<T> {
    match text.trim() {
        "" => Vec::new(),
        label => match parse(label) {
            Some(value) => vec![value],
            None => {
                errors
                    .messages
                    .push((field, format!("Valeur « {label} » inconnue.")));
                Vec::new()
            }
        },
    }
}

fn open_at(query: &DirectoryQuery, errors: &mut QueryErrors) -> Option<(usize, u16)> {
    let (day, time) = (query.jour.trim(), query.heure.trim());
    if day.is_empty() && time.is_empty() {
        return None;
    }
    let weekday = day.parse::<usize>().ok().filter(|d| *d < 7);
    let minute = time
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u16>().ok()?, m.parse::<u16>().ok()?)))
        .filter(|(h, m)| *h < 24 && *m < 60)
        .map(|(h, m)| h * 60 + m);
    match (weekday, minute) {
        (Some(weekday), Some(minute)) => Some((weekday, minute)),
        (None, _) => {
            errors.messages.push((
                "jour",
                "Choisissez un jour pour l'heure d'ouverture.".into(),
            ));
            None
        }
        (_, None) => {
            errors.messages.push((
                "heure",
                "Indiquez une heure au format HH:MM, par exemple 14:30.".into(),
            ));
            None
        }
    }
}

fn radius(query: &DirectoryQuery, errors: &mut QueryErrors) -> f64 {
    match query.rayon.trim() {
        "" => DEFAULT_RADIUS_KM,
        text => {
            match text
                .parse::<f64>()
                .ok()
                .filter(|km| (1.0..=MAX_RADIUS_KM).contains(km))
            {
                Some(km) => km,
                None => {
                    errors.messages.push(("rayon", format!("Le rayon doit être un nombre de kilomètres entre 1 et {MAX_RADIUS_KM}.")));
                    DEFAULT_RADIUS_KM
                }
            }
        }
    }
}

/// Reads the criteria, loads the candidates and runs the search.
pub async fn run_search(
    store: &Store,
    query: &DirectoryQuery,
    territory: &TerritoryScope,
) -> Result<SearchOutcome, StoreError> {
    let mut errors = QueryErrors::default();
    let mut criteria = SearchCriteria {
        services: label_of(&query.besoin, "besoin", Service::from_label, &mut errors),
        audiences: label_of(&query.public, "public", Audience::from_label, &mut errors),
        specific_support: label_of(
            &query.accompagnement_specifique,
            "accompagnement_specifique",
            SpecificSupport::from_label,
            &mut errors,
        ),
        support_modes: label_of(
            &query.modalite,
            "modalite",
            SupportMode::from_label,
            &mut errors,
        ),
        costs: label_of(&query.frais, "frais", Cost::from_label, &mut errors),
        open_at: open_at(query, &mut errors),
        near: None,
    };
    let radius_km = radius(query, &mut errors);
    let (candidates, around) = match locality_of(&query.commune).as_str() {
        "" => (store.places(Some(territory)).await?, None),
        text => match store.search_communes(text, 1).await?.into_iter().next() {
            None => {
                errors.messages.push((
                    "commune",
                    format!("Aucune commune ne correspond à « {text} »."),
                ));
                (Vec::new(), None)
            }
            Some(commune) => match store.commune_centre(&commune.code).await? {
                None => {
                    errors.messages.push((
                        "commune",
                        format!("La position de {} n'est pas connue.", commune.name),
                    ));
                    (Vec::new(), None)
                }
                Some((latitude, longitude)) => {
                    let centre = Position {
                        latitude,
                        longitude,
                    };
                    criteria.near = Some((centre, radius_km));
                    (
                        store
                            .places_in_box(
                                latitude_span(centre, radius_km),
                                longitude_span(centre, radius_km),
                            )
                            .await?,
                        Some(commune.name),
                    )
                }
            },
        },
    };
    let found = if errors.messages.is_empty() {
        found_places(candidates, &criteria)
    } else {
        Vec::new()
    };
    Ok(SearchOutcome {
        criteria,
        found,
        around,
        radius_km,
        errors,
    })
}

/// What to look up in the communes for a "commune or address" field: the postal code of an address
/// ("12 rue de la Gare, 49400 Saumur" → "49400"), else its last part ("…, Saumur"), else the text. An
/// address is placed at its commune's centre: the platform has no street geocoder offline.
pub fn locality_of(text: &str) -> String {
    let text = text.trim();
    if let Some(postal_code) = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|digits| digits.len() == 5)
    {
        return postal_code.to_owned();
    }
    text.rsplit(',').next().unwrap_or(text).trim().to_owned()
}

fn latitude_span(centre: Position, km: f64) -> (f64, f64) {
    let degrees = km / KM_PER_DEGREE_LATITUDE;
    (centre.latitude - degrees, centre.latitude + degrees)
}

fn longitude_span(centre: Position, km: f64) -> (f64, f64) {
    let degrees = km / (KM_PER_DEGREE_LATITUDE * centre.latitude.to_radians().cos().max(0.01));
    (centre.longitude - degrees, centre.longitude + degrees)
}

fn found_places(stored: Vec<StoredPlace>, criteria: &SearchCriteria) -> Vec<Found> {
    let candidates: Vec<Candidate> = stored
        .iter()
        .map(|place| Candidate {
            place: &place.place,
            offers: &place.offers,
            position: place
                .latitude
                .zip(place.longitude)
                .map(|(latitude, longitude)| Position {
                    latitude,
                    longitude,
                }),
        })
        .collect();
    let hits = search(&candidates, criteria);
    drop(candidates);
    let mut slots: Vec<Option<StoredPlace>> = stored.into_iter().map(Some).collect();
    hits.into_iter()
        .filter_map(|hit| {
            slots[hit.index].take().map(|stored| Found {
                stored,
                distance_km: hit.distance_km,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::locality_of;

    #[test]
    fn an_address_is_brought_back_to_its_commune() {
        assert_eq!(locality_of("12 rue de la Gare, 49400 Saumur"), "49400");
        assert_eq!(locality_of("place du Ralliement, Angers"), "Angers");
        assert_eq!(locality_of("  Cholet "), "Cholet");
        assert_eq!(locality_of("3 bis rue Molière"), "3 bis rue Molière");
    }
}
