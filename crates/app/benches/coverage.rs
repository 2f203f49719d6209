//! Coverage benchmark: every commune of France (territory reference) against (1) the real directory
//! shipped with the binary (the France Services list, placed at its coordinates or its commune's
//! centre) and (2) 20 000 synthetic offers placed over the communes by population, each meeting a
//! random set of needs. Times the whole computation (indexes built, nearest offer per commune and
//! need, population beyond 30 minutes); reports the median of several runs.
//!
//! The communes are looked up in two halves on two threads, as the service does.
//! Run: `cargo bench -p aiguillage --bench coverage`. Not a test: it measures, it does not judge.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::coverage::{
    coverage_with, population_beyond, CommunePoint, Need, OfferPoint, DEFAULT_THRESHOLD_MINUTES,
};
use aiguillage_domain::geo::Position;
use aiguillage_interop::france_services::read_france_services;
use aiguillage_interop::territory::embedded;
use aiguillage_service::steering::SideBySide;
use aiguillage_service::territory_diagnostic::commune_points;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SYNTHETIC_OFFERS: usize = 20_000;
const RUNS: usize = 7;

/// A small deterministic generator (xorshift64*), so every run draws the same instance.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn communes() -> Vec<CommunePoint> {
    commune_points(&embedded().expect("territory files").communes)
}

fn france_services(communes: &[CommunePoint]) -> Vec<OfferPoint> {
    let by_code: BTreeMap<&str, &CommunePoint> =
        communes.iter().map(|c| (c.code.as_str(), c)).collect();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/directory/liste-fs-20240801.csv"
    ))
    .expect("France Services list");
    let needs = Need::all();
    read_france_services(&bytes)
        .places
        .iter()
        .enumerate()
        .filter_map(|(i, (_, place))| {
            let commune = by_code.get(place.insee_code.as_deref()?)?;
            let position = match (place.latitude, place.longitude) {
                (Some(latitude), Some(longitude)) => Position {
                    latitude,
                    longitude,
                },
                _ => commune.position,
            };
            let offer = aiguillage_domain::directory::Offer {
                services: place.services.clone(),
                specific_support: place.specific_support.clone(),
                ..Default::default()
            };
            Some(OfferPoint {
                offer_id: i as i64,
                commune_code: commune.code.clone(),
                departement_code: commune.departement_code.clone(),
                position,
                needs: needs.iter().copied().filter(|n| n.met_by(&offer)).collect(),
            })
        })
        .collect()
}

fn synthetic(communes: &[CommunePoint]) -> Vec<OfferPoint> {
    let mut cumulative = Vec::with_capacity(communes.len());
    let mut total = 0;
    for commune in communes {
        total += commune.population.max(1);
        cumulative.push(total);
    }
    let needs = Need::all();
    let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
    (0..SYNTHETIC_OFFERS)
        .map(|i| {
            let at = cumulative.partition_point(|c| *c <= draw.next() % total);
            let commune = &communes[at.min(communes.len() - 1)];
            let mask = draw.next();
            OfferPoint {
                offer_id: i as i64,
                commune_code: commune.code.clone(),
                departement_code: commune.departement_code.clone(),
                position: commune.position,
                // Kinds of help often, specific supports rarely.
                needs: needs
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| mask >> (k * 4) & 0xF < if *k < 3 { 9 } else { 2 })
                    .map(|(_, n)| *n)
                    .collect(),
            }
        })
        .collect()
}

fn measure(label: &str, communes: &[CommunePoint], offers: &[OfferPoint]) {
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut beyond = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let (needs, result) = coverage_with(communes, offers, &SideBySide);
        beyond = population_beyond(communes, &result, needs.len(), DEFAULT_THRESHOLD_MINUTES);
        times.push(started.elapsed());
    }
    times.sort();
    let people: u64 = communes.iter().map(|c| c.population).sum();
    println!(
        "{label}: {} communes × {} needs against {} offers — median {:.1} ms (min {:.1}, max {:.1}); beyond 30 min for the first need: {:.1} % of {people} inhabitants",
        communes.len(),
        Need::all().len(),
        offers.len(),
        times[RUNS / 2].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[RUNS - 1].as_secs_f64() * 1000.0,
        100.0 * beyond.first().copied().unwrap_or(0) as f64 / people.max(1) as f64,
    );
}

fn main() {
    let communes = communes();
    measure(
        "France Services (real directory)",
        &communes,
        &france_services(&communes),
    );
    measure("20 000 synthetic offers", &communes, &synthetic(&communes));
}
