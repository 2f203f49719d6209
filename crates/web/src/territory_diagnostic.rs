//! The territorial diagnostic of a coordinator's territory: each commune's fragility index (2023
//! method over the shipped indicators, computed once for all of France) and published 2019 value,
//! its travel time to the nearest fitting offer of the directory per need, the population beyond
//! the threshold, and the mix of support models per 10 000 inhabitants with the fragile communes
//! reached by one model or none. Shared by the page and the commands.

use aiguillage_domain::coverage::{
    modelled_minutes, population_beyond, CommunePoint, CoverageIndex, Need, OfferPoint,
    DEFAULT_THRESHOLD_MINUTES,
};
use aiguillage_domain::directory::SupportModel;
use aiguillage_domain::fragility::{compute, IndicatorChoice, Method};
use aiguillage_domain::geo::{distance_km, Position};
use aiguillage_domain::territory::{Commune, CommuneKind, TerritoryScope};
use aiguillage_interop::fragility::{
    direction_of, read_indicator_file, DEFAULT_SELECTION, SHIPPED_INDICATORS_CSV,
};
use aiguillage_store::{Store, StoreError, StoredPlace};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// A commune's index at or above which it counts as fragile (the most fragile three tenths).
pub const FRAGILE_FROM: f64 = 7.0;

/// The communes of the reference with a position.
pub fn commune_points(communes: &[Commune]) -> Vec<CommunePoint> {
    communes
        .iter()
        .filter(|c| c.kind == CommuneKind::Commune)
        .filter_map(|c| {
            Some(CommunePoint {
                code: c.code.clone(),
                departement_code: c.departement_code.clone(),
                position: Position {
                    latitude: c.latitude?,
                    longitude: c.longitude?,
                },
                population: u64::try_from(c.population.unwrap_or(0)).unwrap_or(0),
            })
        })
        .collect()
}

/// Every offer of the directory with a position, with the needs it meets.
pub fn offer_points(places: &[StoredPlace]) -> Vec<OfferPoint> {
    let needs = Need::all();
    places
        .iter()
        .filter_map(|place| {
            Some((
                place,
                Position {
                    latitude: place.latitude?,
                    longitude: place.longitude?,
                },
            ))
        })
        .flat_map(|(place, position)| {
            let needs = &needs;
            place
                .offers
                .iter()
                .zip(&place.offer_ids)
                .map(move |(offer, id)| OfferPoint {
                    offer_id: *id,
                    departement_code: place.departement_code.clone(),
                    position,
                    needs: needs.iter().copied().filter(|n| n.met_by(offer)).collect(),
                })
        })
        .collect()
}

/// The 2023 index of every commune of France from the shipped indicators (computed once).
pub fn national_index() -> &'static BTreeMap<String, Option<f64>> {
    static INDEX: OnceLock<BTreeMap<String, Option<f64>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let Ok(territory) = aiguillage_interop::territory::embedded() else {
            return BTreeMap::new();
        };
        let Ok(file) = read_indicator_file(SHIPPED_INDICATORS_CSV) else {
            return BTreeMap::new();
        };
        let choices: Vec<IndicatorChoice> = DEFAULT_SELECTION
            .iter()
            .map(|k| IndicatorChoice {
                key: (*k).to_owned(),
                direction: direction_of(k),
                weight: 1.0,
            })
            .collect();
        let codes: Vec<String> = territory
            .communes
            .iter()
            .filter(|c| c.kind == CommuneKind::Commune)
            .map(|c| c.code.clone())
            .collect();
        compute(&codes, &file.observations, &choices, Method::Ranks2023)
            .into_iter()
            .map(|a| (a.code, a.index))
            .collect()
    })
}

/// One commune's line of the diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct CommuneLine {
    pub code: String,
    pub name: String,
    pub population: u64,
    pub index: Option<f64>,
    pub published_2019: Option<f64>,
    /// Minutes to the nearest fitting offer per need (`None`: no offer in its zone).
    pub minutes: Vec<Option<f64>>,
    /// Support models of the places within the threshold.
    pub models_within_reach: usize,
}

/// The support models' presence: places and offers' capacity per model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelLine {
    pub model: &'static str,
    pub places: usize,
    pub per_10_000: f64,
    pub capacity_per_week: u32,
}

/// The whole diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub needs: Vec<Need>,
    pub communes: Vec<CommuneLine>,
    pub population: u64,
    pub beyond: Vec<u64>,
    pub models: Vec<ModelLine>,
    pub threshold: f64,
}

impl Diagnostic {
    /// Fragile communes reached by one support model or none.
    pub fn gaps(&self) -> impl Iterator<Item = &CommuneLine> {
        self.communes
            .iter()
            .filter(|c| c.index.is_some_and(|i| i >= FRAGILE_FROM) && c.models_within_reach <= 1)
    }
}

/// Computes the diagnostic of a territory.
pub async fn diagnose(store: &Store, scope: &TerritoryScope) -> Result<Diagnostic, StoreError> {
    let territory = aiguillage_interop::territory::embedded()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let inside = |c: &Commune| match scope {
        TerritoryScope::Departement(code) => &c.departement_code == code,
        TerritoryScope::Epci(code) => c.epci_code.as_deref() == Some(code.as_str()),
    };
    let local: Vec<&Commune> = territory.communes.iter().filter(|c| inside(c)).collect();
    let points = commune_points(&local.iter().map(|c| (*c).clone()).collect::<Vec<_>>());
    let places = store.places_in_box((-90.0, 90.0), (-180.0, 180.0)).await?;
    let offers = offer_points(&places);
    let index = CoverageIndex::build(&offers);
    let national = national_index();
    let threshold = DEFAULT_THRESHOLD_MINUTES;
    let coverage: Vec<_> = points.iter().map(|c| index.coverage_of(c)).collect();
    let beyond = population_beyond(&points, &coverage, index.needs().len(), threshold);
    let mut communes = Vec::with_capacity(points.len());
    for (point, reach) in points.iter().zip(&coverage) {
        let name = local
            .iter()
            .find(|c| c.code == point.code)
            .map_or_else(String::new, |c| c.name.clone());
        let models: BTreeSet<&'static str> = places
            .iter()
            .filter(|p| {
                p.latitude
                    .zip(p.longitude)
                    .is_some_and(|(latitude, longitude)| {
                        let km = distance_km(
                            point.position,
                            Position {
                                latitude,
                                longitude,
                            },
                        );
                        modelled_minutes(km, point.population) <= threshold
                    })
            })
            .filter_map(|p| p.support_model.map(|m| m.label()))
            .collect();
        communes.push(CommuneLine {
            code: point.code.clone(),
            name,
            population: point.population,
            index: national.get(&point.code).copied().flatten(),
            published_2019: store
                .published_index_of_commune("2019", &point.code)
                .await?,
            minutes: reach.reaches.iter().map(|r| r.map(|r| r.minutes)).collect(),
            models_within_reach: models.len(),
        });
    }
    communes.sort_by(|a, b| b.index.unwrap_or(0.0).total_cmp(&a.index.unwrap_or(0.0)));
    let population: u64 = points.iter().map(|c| c.population).sum();
    let local_codes: BTreeSet<&str> = local.iter().map(|c| c.code.as_str()).collect();
    let local_places: Vec<&StoredPlace> = places
        .iter()
        .filter(|p| local_codes.contains(p.commune_code.as_str()))
        .collect();
    let models = SupportModel::ALL
        .iter()
        .map(|model| {
            let of_model: Vec<&&StoredPlace> = local_places
                .iter()
                .filter(|p| p.support_model == Some(*model))
                .collect();
            ModelLine {
                model: model.label(),
                places: of_model.len(),
                per_10_000: of_model.len() as f64 * 10_000.0 / population.max(1) as f64,
                capacity_per_week: of_model
                    .iter()
                    .flat_map(|p| &p.offers)
                    .filter_map(|o| o.facts.capacity_per_week)
                    .sum(),
            }
        })
        .collect();
    Ok(Diagnostic {
        needs: index.needs().to_vec(),
        communes,
        population,
        beyond,
        models,
        threshold,
    })
}
