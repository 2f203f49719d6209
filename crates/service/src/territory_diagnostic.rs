//! The territorial diagnostic of any commune, EPCI or département: its fragility index (2023 method
//! over the shipped indicators, computed once for every area of France at each level) with each
//! indicator's value and score, the published 2019 value of its communes, each commune's travel time
//! to the nearest fitting offer of the directory per need, the population beyond the threshold, the
//! offers present, and the mix of support models and kinds of help per 10 000 inhabitants with the
//! fragile communes reached by one model or none. Shared by the page, the GeoJSON and the commands.

use aiguillage_domain::coverage::{
    modelled_minutes, population_beyond, CommunePoint, CoverageIndex, Need, OfferPoint,
    DEFAULT_THRESHOLD_MINUTES,
};
use aiguillage_domain::directory::{HelpKind, SupportModel};
use aiguillage_domain::fragility::{
    areas_of_level, compute, AreaIndex, IndicatorChoice, Level, Method, Observations,
};
use aiguillage_domain::geo::{distance_km, Position};
use aiguillage_domain::territory::{search_key, Commune, CommuneKind, TerritoryArea};
use aiguillage_interop::fragility::{
    direction_of, label_of, read_indicator_file, DEFAULT_SELECTION, SHIPPED_INDICATORS_CSV,
};
use aiguillage_interop::territory::TerritoryData;
use aiguillage_store::{Store, StoreError, StoredPlace};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

pub use aiguillage_domain::fragility::FRAGILE_FROM;

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
        .filter_map(|place| Some((place, position_of(place)?)))
        .flat_map(|(place, position)| {
            let needs = &needs;
            place
                .offers
                .iter()
                .zip(&place.offer_ids)
                .map(move |(offer, id)| OfferPoint {
                    offer_id: *id,
                    commune_code: place.commune_code.clone(),
                    departement_code: place.departement_code.clone(),
                    position,
                    needs: needs.iter().copied().filter(|n| n.met_by(offer)).collect(),
                })
        })
        .collect()
}

fn position_of(place: &StoredPlace) -> Option<Position> {
    Some(Position {
        latitude: place.latitude?,
        longitude: place.longitude?,
    })
}

/// The reference every diagnostic reads: the territory files and the 2023 index of every commune,
/// EPCI and département of France over the shipped indicators (built once per process).
pub struct Reference {
    pub territory: TerritoryData,
    pub choices: Vec<IndicatorChoice>,
    /// The indicator values of communes, and the population-weighted rates of EPCI and départements.
    pub observations: BTreeMap<&'static str, Observations>,
    pub indexes: BTreeMap<&'static str, BTreeMap<String, AreaIndex>>,
    /// Where each commune, EPCI and département is in `territory`, by code: names are looked up per
    /// row of a dashboard (hundreds of communes), a scan of the 35 000 communes each time was most
    /// of a département's dashboard.
    positions: HashMap<TerritoryArea, usize>,
}

const LEVELS: [(&str, Level); 3] = [
    ("commune", Level::Commune),
    ("epci", Level::Epci),
    ("departement", Level::Departement),
];

fn build_reference() -> Option<Reference> {
    let territory = aiguillage_interop::territory::embedded().ok()?;
    let observations = read_indicator_file(SHIPPED_INDICATORS_CSV)
        .ok()?
        .observations;
    let choices: Vec<IndicatorChoice> = DEFAULT_SELECTION
        .iter()
        .map(|k| IndicatorChoice {
            key: (*k).to_owned(),
            direction: direction_of(k),
            weight: 1.0,
        })
        .collect();
    let mut by_level = BTreeMap::new();
    let mut indexes = BTreeMap::new();
    for (name, level) in LEVELS {
        let (codes, values) = areas_of_level(level, &territory.communes, &observations);
        let scored = compute(&codes, &values, &choices, Method::Ranks2023)
            .into_iter()
            .map(|a| (a.code.clone(), a))
            .collect();
        indexes.insert(name, scored);
        by_level.insert(name, values);
    }
    let positions = area_positions(&territory);
    Some(Reference {
        territory,
        choices,
        observations: by_level,
        indexes,
        positions,
    })
}

/// Each area's position in its list of the territory files.
fn area_positions(territory: &TerritoryData) -> HashMap<TerritoryArea, usize> {
    let communes = territory.communes.iter().enumerate();
    let epcis = territory.epcis.iter().enumerate();
    let departements = territory.departements.iter().enumerate();
    communes
        .map(|(i, c)| (TerritoryArea::Commune(c.code.clone()), i))
        .chain(epcis.map(|(i, e)| (TerritoryArea::Epci(e.code.clone()), i)))
        .chain(departements.map(|(i, d)| (TerritoryArea::Departement(d.code.clone()), i)))
        .collect()
}

/// The shared reference, or an error when the embedded files cannot be read (a broken build).
pub fn reference() -> Result<&'static Reference, StoreError> {
    static REFERENCE: OnceLock<Option<Reference>> = OnceLock::new();
    REFERENCE
        .get_or_init(build_reference)
        .as_ref()
        .ok_or_else(|| StoreError::Corrupt("référentiel territorial embarqué illisible".into()))
}

/// The 2023 index of every commune of France from the shipped indicators.
pub fn national_index() -> BTreeMap<String, Option<f64>> {
    reference()
        .ok()
        .and_then(|r| r.indexes.get("commune"))
        .map(|communes| {
            communes
                .iter()
                .map(|(code, area)| (code.clone(), area.index))
                .collect()
        })
        .unwrap_or_default()
}

fn level_name(area: &TerritoryArea) -> &'static str {
    match area {
        TerritoryArea::Commune(_) => "commune",
        TerritoryArea::Epci(_) => "epci",
        TerritoryArea::Departement(_) => "departement",
    }
}

/// The legal forms an intercommunality's official name starts with (as search keys).
const EPCI_FORMS: [&str; 7] = [
    "cu ",
    "ca ",
    "cc ",
    "metropole ",
    "communaute urbaine ",
    "communaute d agglomeration ",
    "communaute de communes ",
];

impl Reference {
    /// The area's name, when the reference knows it.
    pub fn name_of(&self, area: &TerritoryArea) -> Option<String> {
        let position = *self.positions.get(area)?;
        let territory = &self.territory;
        let name = match area {
            TerritoryArea::Commune(_) => &territory.communes.get(position)?.name,
            TerritoryArea::Epci(_) => &territory.epcis.get(position)?.name,
            TerritoryArea::Departement(_) => &territory.departements.get(position)?.name,
        };
        Some(name.clone())
    }

    /// The areas whose name matches the text (accents and case aside): exact names first, then
    /// names starting with it; départements, then EPCI, then communes; at most `limit`.
    pub fn find(&self, text: &str, limit: usize) -> Vec<(TerritoryArea, String)> {
        let key = search_key(text);
        if key.is_empty() {
            return Vec::new();
        }
        let named = self
            .territory
            .departements
            .iter()
            .map(|d| (TerritoryArea::Departement(d.code.clone()), d.name.clone()))
            .chain(
                self.territory
                    .epcis
                    .iter()
                    .map(|e| (TerritoryArea::Epci(e.code.clone()), e.name.clone())),
            )
            .chain(
                self.territory
                    .communes
                    .iter()
                    .filter(|c| c.kind == CommuneKind::Commune)
                    .map(|c| (TerritoryArea::Commune(c.code.clone()), c.name.clone())),
            );
        let (exact, prefix): (Vec<_>, Vec<_>) = named
            .filter_map(|(area, name)| {
                let candidate = search_key(&name);
                // An intercommunality answers to its name without its legal form too
                // (« Angers Loire Métropole » for « CU Angers Loire Métropole »).
                let bare = EPCI_FORMS
                    .iter()
                    .find_map(|form| candidate.strip_prefix(form))
                    .unwrap_or(&candidate);
                (candidate.starts_with(&key) || bare.starts_with(&key))
                    .then_some((candidate == key || bare == key, (area, name)))
            })
            .partition(|(exact, _)| *exact);
        exact
            .into_iter()
            .chain(prefix)
            .map(|(_, found)| found)
            .take(limit)
            .collect()
    }

    /// The larger areas the area belongs to (a commune's EPCI and département, an EPCI's
    /// département when all its communes share one).
    pub fn parents_of(&self, area: &TerritoryArea) -> Vec<TerritoryArea> {
        let communes: Vec<&Commune> = self
            .territory
            .communes
            .iter()
            .filter(|c| c.kind == CommuneKind::Commune && area.contains(c))
            .collect();
        let mut parents = Vec::new();
        if let TerritoryArea::Commune(_) = area {
            if let Some(epci) = communes.first().and_then(|c| c.epci_code.clone()) {
                parents.push(TerritoryArea::Epci(epci));
            }
        }
        if !matches!(area, TerritoryArea::Departement(_)) {
            let departements: BTreeSet<&str> = communes
                .iter()
                .map(|c| c.departement_code.as_str())
                .collect();
            parents.extend(
                departements
                    .into_iter()
                    .map(|d| TerritoryArea::Departement(d.to_owned())),
            );
        }
        parents
    }
}

/// One indicator of the area: its value (rate, or population-weighted rate) and its 1–10 score.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorLine {
    pub key: String,
    pub label: String,
    pub value: Option<f64>,
    pub score: Option<f64>,
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

/// The kinds of help present: offers, the structures providing them, and their capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct HelpLine {
    pub kind: &'static str,
    pub offers: usize,
    pub structures: usize,
    pub structures_per_10_000: f64,
    pub capacity_per_week: u32,
}

/// A place of the directory in the area.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceLine {
    pub structure_id: i64,
    pub name: String,
    pub commune: String,
    pub model: Option<&'static str>,
    pub offers: usize,
}

/// The whole diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub area: TerritoryArea,
    pub name: String,
    pub parents: Vec<(TerritoryArea, String)>,
    /// The area's own index at its level, with its indicators.
    pub index: Option<f64>,
    pub indicators: Vec<IndicatorLine>,
    pub needs: Vec<Need>,
    pub communes: Vec<CommuneLine>,
    pub population: u64,
    pub beyond: Vec<u64>,
    pub models: Vec<ModelLine>,
    pub help: Vec<HelpLine>,
    pub places: Vec<PlaceLine>,
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

/// A territory the reference does not know.
#[derive(Debug, thiserror::Error)]
pub enum DiagnoseError {
    #[error("territoire inconnu : {0}")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn indicator_lines(
    reference: &Reference,
    area: &TerritoryArea,
) -> (Option<f64>, Vec<IndicatorLine>) {
    let level = level_name(area);
    let scored = reference
        .indexes
        .get(level)
        .and_then(|areas| areas.get(area.code()));
    let values = reference.observations.get(level);
    let lines = reference
        .choices
        .iter()
        .enumerate()
        .map(|(position, choice)| IndicatorLine {
            key: choice.key.clone(),
            label: label_of(&choice.key).to_owned(),
            value: values
                .and_then(|v| v.get(&choice.key))
                .and_then(|v| v.get(area.code()))
                .copied(),
            score: scored.and_then(|a| a.scores.get(position).copied().flatten()),
        })
        .collect();
    (scored.and_then(|a| a.index), lines)
}

fn models_within_reach(point: &CommunePoint, places: &[StoredPlace], threshold: f64) -> usize {
    places
        .iter()
        .filter(|p| {
            position_of(p).is_some_and(|position| {
                let km = distance_km(point.position, position);
                modelled_minutes(km, point.population) <= threshold
            })
        })
        .filter_map(|p| p.support_model)
        .collect::<BTreeSet<_>>()
        .len()
}

fn place_in(area: &TerritoryArea, place: &StoredPlace) -> bool {
    match area {
        TerritoryArea::Commune(code) => &place.commune_code == code,
        TerritoryArea::Epci(code) => place.epci_code.as_deref() == Some(code.as_str()),
        TerritoryArea::Departement(code) => &place.departement_code == code,
    }
}

fn model_lines(local: &[&StoredPlace], population: u64) -> Vec<ModelLine> {
    SupportModel::ALL
        .iter()
        .map(|model| {
            let of_model: Vec<&&StoredPlace> = local
                .iter()
                .filter(|p| p.support_model == Some(*model))
                .collect();
            ModelLine {
                model: model.label(),
                places: of_model.len(),
                per_10_000: per_10_000(of_model.len(), population),
                capacity_per_week: of_model
                    .iter()
                    .flat_map(|p| &p.offers)
                    .filter_map(|o| o.facts.capacity_per_week)
                    .sum(),
            }
        })
        .collect()
}

fn help_lines(local: &[&StoredPlace], population: u64) -> Vec<HelpLine> {
    HelpKind::ALL
        .iter()
        .map(|kind| {
            let need = Need::Help(*kind);
            let offers: Vec<(i64, &aiguillage_domain::directory::Offer)> = local
                .iter()
                .flat_map(|p| p.offers.iter().map(|o| (p.structure_id, o)))
                .filter(|(_, o)| need.met_by(o))
                .collect();
            let structures: BTreeSet<i64> = offers.iter().map(|(s, _)| *s).collect();
            HelpLine {
                kind: kind.label(),
                offers: offers.len(),
                structures: structures.len(),
                structures_per_10_000: per_10_000(structures.len(), population),
                capacity_per_week: offers
                    .iter()
                    .filter_map(|(_, o)| o.facts.capacity_per_week)
                    .sum(),
            }
        })
        .collect()
}

fn per_10_000(count: usize, population: u64) -> f64 {
    count as f64 * 10_000.0 / population.max(1) as f64
}

/// Computes the diagnostic of an area.
pub async fn diagnose(store: &Store, area: &TerritoryArea) -> Result<Diagnostic, DiagnoseError> {
    let reference = reference()?;
    let name = reference
        .name_of(area)
        .ok_or_else(|| DiagnoseError::Unknown(area.to_string()))?;
    let local: Vec<Commune> = reference
        .territory
        .communes
        .iter()
        .filter(|c| area.contains(c))
        .cloned()
        .collect();
    let points = commune_points(&local);
    let places = store.places_in_box((-90.0, 90.0), (-180.0, 180.0)).await?;
    let index = CoverageIndex::build(&offer_points(&places));
    let threshold = DEFAULT_THRESHOLD_MINUTES;
    let coverage = index.coverage_of_all(&points, &crate::steering::SideBySide);
    let beyond = population_beyond(&points, &coverage, index.needs().len(), threshold);
    let codes: Vec<String> = points.iter().map(|p| p.code.clone()).collect();
    let published = store.published_index_of_communes("2019", &codes).await?;
    let commune_indexes = reference.indexes.get("commune");
    let mut communes: Vec<CommuneLine> = points
        .iter()
        .zip(&coverage)
        .map(|(point, reach)| CommuneLine {
            code: point.code.clone(),
            name: local
                .iter()
                .find(|c| c.code == point.code)
                .map_or_else(String::new, |c| c.name.clone()),
            population: point.population,
            index: commune_indexes
                .and_then(|m| m.get(&point.code))
                .and_then(|a| a.index),
            published_2019: published.get(&point.code).copied(),
            minutes: reach.reaches.iter().map(|r| r.map(|r| r.minutes)).collect(),
            models_within_reach: models_within_reach(point, &places, threshold),
        })
        .collect();
    communes.sort_by(|a, b| b.index.unwrap_or(0.0).total_cmp(&a.index.unwrap_or(0.0)));
    let population: u64 = points.iter().map(|c| c.population).sum();
    let local_places: Vec<&StoredPlace> = places.iter().filter(|p| place_in(area, p)).collect();
    let (area_index, indicators) = indicator_lines(reference, area);
    let parents = reference
        .parents_of(area)
        .into_iter()
        .filter_map(|parent| Some((parent.clone(), reference.name_of(&parent)?)))
        .collect();
    Ok(Diagnostic {
        area: area.clone(),
        name,
        parents,
        index: area_index,
        indicators,
        needs: index.needs().to_vec(),
        communes,
        population,
        beyond,
        models: model_lines(&local_places, population),
        help: help_lines(&local_places, population),
        places: place_lines(&local_places, &local),
        threshold,
    })
}

fn place_lines(local_places: &[&StoredPlace], communes: &[Commune]) -> Vec<PlaceLine> {
    let mut lines: Vec<PlaceLine> = local_places
        .iter()
        .map(|p| PlaceLine {
            structure_id: p.structure_id,
            name: p.place.name.clone(),
            commune: communes
                .iter()
                .find(|c| c.code == p.commune_code)
                .map_or_else(|| p.place.commune.clone(), |c| c.name.clone()),
            model: p.support_model.map(|m| m.label()),
            offers: p.offers.len(),
        })
        .collect();
    lines.sort_by(|a, b| a.commune.cmp(&b.commune).then(a.name.cmp(&b.name)));
    lines
}
