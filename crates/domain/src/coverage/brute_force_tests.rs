//! The coverage search against a brute force: every commune compared with every offer of its zone,
//! for every need, on instances drawn by a fixed-seed generator (clustered positions so that offers
//! are often exactly as near — ties go to the smallest offer id —, several zones, rare needs, offers
//! meeting none). Any difference in the nearest offer, its distance or its time fails.

use super::nearest::distance_2;
use super::*;
use crate::directory::{HelpKind, SpecificSupport};

/// A small deterministic generator (xorshift64*).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Départements of several zones: the continent (three), Corsica (two), two overseas.
const DEPARTEMENTS: [(&str, f64, f64); 7] = [
    ("49", 47.4, -0.5),
    ("75", 48.85, 2.35),
    ("13", 43.5, 5.4),
    ("2A", 41.9, 8.7),
    ("2B", 42.5, 9.3),
    ("974", -21.1, 55.5),
    ("971", 16.2, -61.5),
];

/// A position near the département's centre: on one of a few sites (exact repeats) or anywhere
/// within about a degree.
fn position(draw: &mut Draw, (latitude, longitude): (f64, f64)) -> Position {
    if draw.below(3) == 0 {
        let site = draw.below(5) as f64;
        return Position {
            latitude: latitude + site * 0.05,
            longitude: longitude - site * 0.03,
        };
    }
    Position {
        latitude: latitude + draw.unit() * 2.0 - 1.0,
        longitude: longitude + draw.unit() * 2.0 - 1.0,
    }
}

fn departement(draw: &mut Draw) -> (&'static str, (f64, f64)) {
    // The continent most often, as in France.
    let index = match draw.below(10) {
        0..=5 => draw.below(3),
        6 | 7 => 3 + draw.below(2),
        _ => 5 + draw.below(2),
    };
    let (code, latitude, longitude) = DEPARTEMENTS[index as usize];
    (code, (latitude, longitude))
}

fn communes(draw: &mut Draw, count: usize) -> Vec<CommunePoint> {
    (0..count)
        .map(|i| {
            let (code, centre) = departement(draw);
            CommunePoint {
                code: format!("{code}{i:04}"),
                departement_code: code.into(),
                position: position(draw, centre),
                population: [300, 6_000, 40_000, 150_000][draw.below(4) as usize],
            }
        })
        .collect()
}

/// Offers with shuffled ids, each meeting a random set of needs: kinds of help often, specific
/// supports rarely, sometimes none.
fn offers(draw: &mut Draw, count: usize) -> Vec<OfferPoint> {
    let needs = Need::all();
    let mut ids: Vec<i64> = (1..=count as i64).collect();
    for i in (1..ids.len()).rev() {
        ids.swap(i, draw.below(i as u64 + 1) as usize);
    }
    ids.into_iter()
        .map(|offer_id| {
            let (code, centre) = departement(draw);
            let chosen = needs
                .iter()
                .enumerate()
                .filter(|(k, _)| draw.below(10) < if *k < 3 { 5 } else { 1 })
                .map(|(_, need)| *need)
                .collect();
            OfferPoint {
                offer_id,
                commune_code: format!("{code}{:04}", draw.below(50)),
                departement_code: code.into(),
                position: position(draw, centre),
                needs: chosen,
            }
        })
        .collect()
}

/// The nearest offer of each need by comparing the commune with every offer.
fn brute_force(commune: &CommunePoint, offers: &[OfferPoint]) -> CommuneCoverage {
    let point = unit_vector(commune.position);
    let reaches = Need::all()
        .into_iter()
        .map(|need| {
            let (distance_2, offer_id) = offers
                .iter()
                .filter(|o| o.needs.contains(&need))
                .filter(|o| zone_of(&o.departement_code) == zone_of(&commune.departement_code))
                .map(|o| (distance_2(point, unit_vector(o.position)), o.offer_id))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))?;
            let distance_km = great_circle_km(distance_2.sqrt());
            Some(Reach {
                offer_id,
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

fn check(seed: u64, commune_count: usize, offer_count: usize) {
    let mut draw = Draw(seed);
    let communes = communes(&mut draw, commune_count);
    let offers = offers(&mut draw, offer_count);
    let (needs, found) = coverage(&communes, &offers);
    assert_eq!(needs, Need::all());
    assert_eq!(found.len(), communes.len());
    for (commune, found) in communes.iter().zip(&found) {
        assert_eq!(
            *found,
            brute_force(commune, &offers),
            "seed {seed}, commune {}",
            commune.code
        );
    }
}

#[test]
fn the_search_finds_what_comparing_every_offer_finds() {
    for seed in 1..=12 {
        check(0x9E37_79B9_7F4A_7C15 ^ seed, 300, 300);
    }
}

#[test]
fn few_offers_and_many_offers_too() {
    check(7, 200, 0);
    check(8, 200, 3);
    check(9, 200, 40);
    check(10, 400, 2_000);
}

#[test]
fn offers_all_at_one_spot_go_to_the_smallest_id() {
    let spot = Position {
        latitude: 47.0,
        longitude: 0.0,
    };
    let offers: Vec<OfferPoint> = [9, 4, 7, 5, 12, 3, 8, 11, 6, 10, 2, 13]
        .into_iter()
        .map(|offer_id| OfferPoint {
            offer_id,
            commune_code: "49001".into(),
            departement_code: "49".into(),
            position: spot,
            needs: if offer_id % 2 == 0 {
                vec![Need::Help(HelpKind::Inclusion)]
            } else {
                vec![
                    Need::Help(HelpKind::Inclusion),
                    Need::Support(SpecificSupport::Deafness),
                ]
            },
        })
        .collect();
    let commune = CommunePoint {
        code: "49002".into(),
        departement_code: "49".into(),
        position: Position {
            latitude: 47.1,
            longitude: 0.1,
        },
        population: 1_000,
    };
    let (needs, found) = coverage(std::slice::from_ref(&commune), &offers);
    let column = |need| needs.iter().position(|n| *n == need).expect("need");
    let id = |need| found[0].reaches[column(need)].map(|r| r.offer_id);
    assert_eq!(id(Need::Help(HelpKind::Inclusion)), Some(2));
    assert_eq!(id(Need::Support(SpecificSupport::Deafness)), Some(3));
    assert_eq!(found[0], brute_force(&commune, &offers));
}
