//! Territorial coverage: for every commune, the distance and an estimated travel time to the nearest
//! offer that fits each kind of help and each specific support, and the population living beyond a
//! time threshold. Nearest offers come from one k-d tree per zone ([`nearest`]) over points on the
//! unit sphere, so the nearest by chord is the nearest by great-circle distance; each offer carries
//! the needs it meets, and one search per commune finds the nearest offer of every need (ties: the
//! smallest offer id). Zones keep islands apart: continental France, Corsica, and each overseas
//! département are searched alone — coverage never crosses the sea.
//!
//! Travel time model (docs/couverture.md): road distance = great-circle distance × 1.3 (detour
//! factor), driven at a speed set by the commune's population (dense towns are slow), plus nothing
//! else. A commune-to-commune travel-time matrix ([`TravelTimes`]) replaces the model for every pair
//! it lists.

#[cfg(test)]
mod brute_force_tests;
mod nearest;

use crate::directory::{HelpKind, Offer, Service, SpecificSupport};
use crate::geo::Position;
use crate::indicators::compute::{Fork, OneAfterOther};
use nearest::{Best, NeedMask, NeedTree, MAX_NEEDS};
use std::collections::HashMap;

/// Road kilometres per great-circle kilometre.
pub const DETOUR_FACTOR: f64 = 1.3;
/// Minutes beyond which a commune counts as far from a fitting offer, by default.
pub const DEFAULT_THRESHOLD_MINUTES: f64 = 30.0;
const EARTH_RADIUS_KM: f64 = 6371.0;

/// What an offer must provide: a kind of help, or a specific support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    Help(HelpKind),
    Support(SpecificSupport),
}

impl Need {
    /// Every need, in the order of the coverage columns.
    pub fn all() -> Vec<Need> {
        HelpKind::ALL
            .iter()
            .map(|k| Need::Help(*k))
            .chain(SpecificSupport::ALL.iter().map(|s| Need::Support(*s)))
            .collect()
    }

    /// The stable code of the need (its kind of help's or specific support's code).
    pub fn code(self) -> &'static str {
        match self {
            Need::Help(kind) => kind.code(),
            Need::Support(support) => match support {
                SpecificSupport::Deafness => "deafness",
                SpecificSupport::MotorDisability => "motor_disability",
                SpecificSupport::MentalDisability => "mental_disability",
                SpecificSupport::Illiteracy => "illiteracy",
                SpecificSupport::EnglishLanguage => "english_language",
                SpecificSupport::OtherLanguages => "other_languages",
                SpecificSupport::VisualImpairment => "visual_impairment",
            },
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Need::Help(kind) => kind.label(),
            Need::Support(support) => support.label(),
        }
    }

    /// Whether the offer provides it. Kinds of help the offer does not declare are read from its
    /// services: administrative procedures → digital emergency; everyday tools or safe use →
    /// inclusion; understanding the digital world, leisure, parenting or work → acculturation.
    pub fn met_by(self, offer: &Offer) -> bool {
        match self {
            Need::Support(support) => offer.specific_support.contains(&support),
            Need::Help(kind) if !offer.facts.help_kinds.is_empty() => {
                offer.facts.help_kinds.contains(&kind)
            }
            Need::Help(kind) => offer.services.iter().any(|s| service_gives(*s, kind)),
        }
    }
}

fn service_gives(service: Service, kind: HelpKind) -> bool {
    use Service as S;
    match kind {
        HelpKind::DigitalEmergency => service == S::AdministrativeProcedures,
        HelpKind::Inclusion => matches!(service, S::EverydayTools | S::SafeUse),
        HelpKind::Acculturation => matches!(
            service,
            S::UnderstandingDigitalWorld
                | S::LeisureAndCreation
                | S::Parenting
                | S::ProfessionalInsertion
        ),
    }
}

/// The land a point belongs to: a commune and an offer are compared only within one zone.
pub fn zone_of(departement_code: &str) -> &str {
    match departement_code {
        "2A" | "2B" => "corse",
        code if code.len() == 3 => code,
        _ => "continent",
    }
}

/// A commune as coverage sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunePoint {
    pub code: String,
    pub departement_code: String,
    pub position: Position,
    pub population: u64,
}

/// An offer's position and what it provides.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferPoint {
    pub offer_id: i64,
    pub commune_code: String,
    pub departement_code: String,
    pub position: Position,
    pub needs: Vec<Need>,
}

/// The nearest fitting offer for one need, from one commune.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub offer_id: i64,
    pub distance_km: f64,
    pub minutes: f64,
}

/// One commune's coverage: per need (in `Need::all()` order), the nearest fitting offer if any.
#[derive(Debug, Clone, PartialEq)]
pub struct CommuneCoverage {
    pub code: String,
    pub reaches: Vec<Option<Reach>>,
}

/// Average speed in km/h on the road from a commune, by its population.
pub fn speed_kmh(population: u64) -> f64 {
    match population {
        100_000.. => 25.0,
        20_000..=99_999 => 35.0,
        5_000..=19_999 => 45.0,
        _ => 55.0,
    }
}

/// Minutes to travel `distance_km` (great-circle) from a commune of `population` inhabitants.
pub fn modelled_minutes(distance_km: f64, population: u64) -> f64 {
    distance_km * DETOUR_FACTOR / speed_kmh(population) * 60.0
}

fn unit_vector(position: Position) -> [f64; 3] {
    let (lat, lon) = (
        position.latitude.to_radians(),
        position.longitude.to_radians(),
    );
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn great_circle_km(chord: f64) -> f64 {
    2.0 * EARTH_RADIUS_KM * (chord / 2.0).min(1.0).asin()
}

// Every need has its bit in a [`NeedMask`].
const _: () = assert!(HelpKind::ALL.len() + SpecificSupport::ALL.len() <= MAX_NEEDS);

/// Travel times in minutes from commune to commune (INSEE codes), e.g. computed on a road network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TravelTimes {
    from: HashMap<String, HashMap<String, f64>>,
}

impl TravelTimes {
    /// Records the time of one pair (the last one given wins).
    pub fn insert(&mut self, origin: &str, destination: &str, minutes: f64) {
        self.from
            .entry(origin.to_owned())
            .or_default()
            .insert(destination.to_owned(), minutes);
    }

    pub fn get(&self, origin: &str, destination: &str) -> Option<f64> {
        self.from.get(origin)?.get(destination).copied()
    }

    /// How many pairs are known.
    pub fn len(&self) -> usize {
        self.from.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The offers of each zone, indexed with the needs they meet; and where each offer is, for
/// travel-time matrices.
pub struct CoverageIndex {
    needs: Vec<Need>,
    /// Every need column's bit.
    columns: NeedMask,
    /// Zone → its offers meeting at least one need.
    trees: HashMap<String, NeedTree>,
    communes_of_offers: HashMap<i64, String>,
    /// (commune, need column) → an offer of that commune meeting the need.
    in_commune: HashMap<(String, usize), CommuneOffer>,
}

/// An offer of a commune: its id, position and zone.
struct CommuneOffer {
    offer_id: i64,
    position: Position,
    zone: String,
}

/// The columns of `needs` an offer meets.
fn mask_of(needs: &[Need], offer: &OfferPoint) -> NeedMask {
    needs
        .iter()
        .enumerate()
        .filter(|(_, need)| offer.needs.contains(need))
        .fold(0, |mask, (column, _)| mask | 1 << column)
}

impl CoverageIndex {
    pub fn build(offers: &[OfferPoint]) -> CoverageIndex {
        let needs = Need::all();
        let mut points: HashMap<String, Vec<([f64; 3], i64, NeedMask)>> = HashMap::new();
        let mut in_commune = HashMap::new();
        for offer in offers {
            let zone = zone_of(&offer.departement_code);
            let mask = mask_of(&needs, offer);
            if mask == 0 {
                continue;
            }
            let point = (unit_vector(offer.position), offer.offer_id, mask);
            match points.get_mut(zone) {
                Some(list) => list.push(point),
                None => {
                    points.insert(zone.to_owned(), vec![point]);
                }
            }
            for column in (0..needs.len()).filter(|column| mask >> column & 1 == 1) {
                in_commune
                    .entry((offer.commune_code.clone(), column))
                    .or_insert_with(|| CommuneOffer {
                        offer_id: offer.offer_id,
                        position: offer.position,
                        zone: zone.to_owned(),
                    });
            }
        }
        CoverageIndex {
            columns: (0..needs.len()).fold(0, |mask, column| mask | 1 << column),
            needs,
            trees: points
                .into_iter()
                .map(|(zone, list)| (zone, NeedTree::build(list)))
                .collect(),
            communes_of_offers: offers
                .iter()
                .map(|o| (o.offer_id, o.commune_code.clone()))
                .collect(),
            in_commune,
        }
    }

    /// The commune's fastest fitting offer per need when a travel-time matrix is given: the modelled
    /// nearest offer (with the matrix's time when it lists that pair), or any offer in a commune the
    /// matrix reaches faster.
    pub fn coverage_with_times(
        &self,
        commune: &CommunePoint,
        times: &TravelTimes,
    ) -> CommuneCoverage {
        let mut coverage = self.coverage_of(commune);
        let row = times.from.get(&commune.code);
        let zone = zone_of(&commune.departement_code);
        for (column, reach) in coverage.reaches.iter_mut().enumerate() {
            if let Some(nearest) = reach.as_mut() {
                let listed = self
                    .communes_of_offers
                    .get(&nearest.offer_id)
                    .and_then(|destination| times.get(&commune.code, destination));
                if let Some(minutes) = listed {
                    nearest.minutes = minutes;
                }
            }
            for (destination, minutes) in row.into_iter().flatten() {
                let Some(offer) = self.in_commune.get(&(destination.clone(), column)) else {
                    continue;
                };
                if offer.zone == zone && reach.is_none_or(|r| *minutes < r.minutes) {
                    *reach = Some(Reach {
                        offer_id: offer.offer_id,
                        distance_km: crate::geo::distance_km(commune.position, offer.position),
                        minutes: *minutes,
                    });
                }
            }
        }
        coverage
    }

    pub fn needs(&self) -> &[Need] {
        &self.needs
    }

    /// Every commune's nearest fitting offer per need, in the communes' order; the two halves of
    /// the list are looked up by `fork` (each lookup is independent, so a caller with threads runs
    /// them side by side).
    pub fn coverage_of_all(
        &self,
        communes: &[CommunePoint],
        fork: &impl Fork,
    ) -> Vec<CommuneCoverage> {
        let (first, second) = communes.split_at(communes.len() / 2);
        let look_up = |part: &[CommunePoint]| -> Vec<CommuneCoverage> {
            part.iter().map(|c| self.coverage_of(c)).collect()
        };
        let (mut all, rest) = fork.both(|| look_up(first), || look_up(second));
        all.extend(rest);
        all
    }

    /// The commune's nearest fitting offer per need (the nearest by great-circle distance; of
    /// offers as near, the smallest id).
    pub fn coverage_of(&self, commune: &CommunePoint) -> CommuneCoverage {
        let point = unit_vector(commune.position);
        let mut best = [None::<Best>; MAX_NEEDS];
        if let Some(tree) = self.trees.get(zone_of(&commune.departement_code)) {
            tree.nearest_each(point, tree.needs() & self.columns, &mut best);
        }
        let reaches = best[..self.needs.len()]
            .iter()
            .map(|found| {
                let found = (*found)?;
                let distance_km = great_circle_km(found.distance_2.sqrt());
                Some(Reach {
                    offer_id: found.offer_id,
                    distance_km,
                    minutes: modelled_minutes(distance_km, commune.population),
                })
            })
            .collect();
        CommuneCoverage {
            code: commune.code.clone(),
            reaches,
        }
    }
}

/// Coverage of every commune.
pub fn coverage(
    communes: &[CommunePoint],
    offers: &[OfferPoint],
) -> (Vec<Need>, Vec<CommuneCoverage>) {
    coverage_with(communes, offers, &OneAfterOther)
}

/// [`coverage`], the communes' two halves looked up by `fork`.
pub fn coverage_with(
    communes: &[CommunePoint],
    offers: &[OfferPoint],
    fork: &impl Fork,
) -> (Vec<Need>, Vec<CommuneCoverage>) {
    let index = CoverageIndex::build(offers);
    let result = index.coverage_of_all(communes, fork);
    (index.needs, result)
}

/// The population living beyond `threshold_minutes` of a fitting offer (or with none in their
/// zone), per need.
pub fn population_beyond(
    communes: &[CommunePoint],
    coverage: &[CommuneCoverage],
    needs: usize,
    threshold_minutes: f64,
) -> Vec<u64> {
    (0..needs)
        .map(|column| {
            communes
                .iter()
                .zip(coverage)
                .filter(|(_, c)| c.reaches[column].is_none_or(|r| r.minutes > threshold_minutes))
                .map(|(commune, _)| commune.population)
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::OfferFacts;

    fn at(latitude: f64, longitude: f64) -> Position {
        Position {
            latitude,
            longitude,
        }
    }

    fn commune(code: &str, dep: &str, position: Position, population: u64) -> CommunePoint {
        CommunePoint {
            code: code.into(),
            departement_code: dep.into(),
            position,
            population,
        }
    }

    fn offer(id: i64, dep: &str, position: Position, needs: &[Need]) -> OfferPoint {
        OfferPoint {
            offer_id: id,
            commune_code: format!("{dep}{id:03}"),
            departement_code: dep.into(),
            position,
            needs: needs.to_vec(),
        }
    }

    const INCLUSION: Need = Need::Help(HelpKind::Inclusion);
    const DEAF: Need = Need::Support(SpecificSupport::Deafness);

    #[test]
    fn each_need_finds_its_own_nearest_offer() {
        let angers = commune("49007", "49", at(47.4784, -0.5632), 155_000);
        let offers = [
            offer(1, "49", at(47.48, -0.56), &[INCLUSION]),
            offer(2, "49", at(47.27, -0.08), &[INCLUSION, DEAF]), // Saumur, about 50 km
        ];
        let (needs, result) = coverage(&[angers], &offers);
        let column = |need| needs.iter().position(|n| *n == need).expect("need");
        let inclusion = result[0].reaches[column(INCLUSION)].expect("reach");
        assert_eq!(inclusion.offer_id, 1);
        assert!(inclusion.distance_km < 1.0);
        let deaf = result[0].reaches[column(DEAF)].expect("reach");
        assert_eq!(deaf.offer_id, 2);
        assert!(
            (40.0..50.0).contains(&deaf.distance_km),
            "{}",
            deaf.distance_km
        );
        // 1.3 × distance at 25 km/h in a town of 155 000.
        assert!((deaf.minutes - deaf.distance_km * 1.3 / 25.0 * 60.0).abs() < 1e-9);
        assert_eq!(
            result[0].reaches[column(Need::Help(HelpKind::Acculturation))],
            None
        );
    }

    #[test]
    fn coverage_never_crosses_the_sea() {
        // Ajaccio and an offer in Nice (closer than any in Corsica): not reachable.
        let ajaccio = commune("2A004", "2A", at(41.92, 8.74), 70_000);
        let saint_denis = commune("97411", "974", at(-20.88, 55.45), 150_000);
        let offers = [
            offer(1, "06", at(43.70, 7.27), &[INCLUSION]),
            offer(2, "974", at(-21.0, 55.3), &[INCLUSION]),
        ];
        let (_, result) = coverage(&[ajaccio, saint_denis], &offers);
        assert!(result[0].reaches.iter().all(Option::is_none));
        assert_eq!(result[1].reaches[1].map(|r| r.offer_id), Some(2));
    }

    #[test]
    fn population_beyond_the_threshold_counts_far_and_uncovered_communes() {
        let communes = [
            commune("a", "49", at(47.0, 0.0), 1_000),
            commune("b", "49", at(47.5, 0.0), 2_000), // ≈ 55.6 km from the offer: ≈ 79 minutes
        ];
        let offers = [offer(1, "49", at(47.0, 0.001), &[INCLUSION])];
        let (needs, result) = coverage(&communes, &offers);
        let beyond = population_beyond(&communes, &result, needs.len(), DEFAULT_THRESHOLD_MINUTES);
        let inclusion = needs.iter().position(|n| *n == INCLUSION).expect("need");
        assert_eq!(beyond[inclusion], 2_000);
        let deaf = needs.iter().position(|n| *n == DEAF).expect("need");
        assert_eq!(beyond[deaf], 3_000, "no offer at all");
    }

    #[test]
    fn a_travel_time_matrix_replaces_the_model_for_the_pairs_it_lists() {
        let village = commune("49001", "49", at(47.0, 0.0), 800);
        // Offer 1 is the nearest as the crow flies (≈ 11 km) but across a river: 40 minutes by road.
        // Offer 2 (≈ 22 km) is on a fast road: 18 minutes. Offer 3 is in Corsica: never reached.
        let offers = [
            offer(1, "49", at(47.1, 0.0), &[INCLUSION]),
            offer(2, "49", at(47.2, 0.0), &[INCLUSION]),
            offer(3, "2A", at(41.9, 8.7), &[INCLUSION]),
        ];
        let index = CoverageIndex::build(&offers);
        let column = index
            .needs()
            .iter()
            .position(|n| *n == INCLUSION)
            .expect("need");
        let modelled = index.coverage_of(&village).reaches[column].expect("reach");
        assert_eq!(modelled.offer_id, 1);
        let mut times = TravelTimes::default();
        times.insert("49001", "49002", 18.0);
        times.insert("49001", "2A003", 1.0); // across the sea: ignored
        times.insert("49001", "49099", 2.0); // no offer there: ignored
        let reach = index.coverage_with_times(&village, &times).reaches[column].expect("reach");
        // Offer 1's commune is 49001 itself, a pair the matrix does not list yet: modelled ≈ 15.8 min.
        assert_eq!((reach.offer_id, reach.minutes), (1, modelled.minutes));
        times.insert("49001", "49001", 40.0);
        let reach = index.coverage_with_times(&village, &times).reaches[column].expect("reach");
        assert_eq!(reach.offer_id, 2);
        assert_eq!(reach.minutes, 18.0);
        assert!(
            (reach.distance_km - 22.2).abs() < 0.5,
            "{}",
            reach.distance_km
        );
        assert_eq!(times.len(), 4);
    }

    #[test]
    fn kinds_of_help_come_from_declared_kinds_or_else_from_services() {
        let mut offer = Offer {
            services: vec![Service::AdministrativeProcedures],
            ..Offer::default()
        };
        assert!(Need::Help(HelpKind::DigitalEmergency).met_by(&offer));
        assert!(!Need::Help(HelpKind::Inclusion).met_by(&offer));
        offer.facts = OfferFacts {
            help_kinds: vec![HelpKind::Inclusion],
            ..OfferFacts::default()
        };
        assert!(Need::Help(HelpKind::Inclusion).met_by(&offer));
        assert!(
            !Need::Help(HelpKind::DigitalEmergency).met_by(&offer),
            "declared kinds win"
        );
    }
}
