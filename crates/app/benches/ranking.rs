//! Ranking benchmark: 20 000 synthetic offers placed over the real communes of France (weighted by
//! population), an R-tree of their positions, then one ranking per synthetic person (a real commune
//! drawn by population, a profile from the diagnostic rules): the offers within reach are looked up in
//! the index and ranked by the domain. Reports the median and 99th percentile latency per person.
//!
//! Run: `cargo bench -p aiguillage --bench ranking`. Not a test: it measures, it does not judge.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::diagnostic::{
    profile, Answers, Equipment, Language, LiteracyLevel, SkillAnswer, SkillDomain, TravelRange,
    Willingness,
};
use aiguillage_domain::directory::{
    HelpStyle, Offer, OfferFacts, Place, Service, SpecificSupport, SupportMode,
};
use aiguillage_domain::geo::Position;
use aiguillage_domain::orientation::{rank, CandidateOffer, OfferIndex, Seeker, Weights};
use aiguillage_interop::territory::embedded;
use std::time::{Duration, Instant};

const OFFERS: usize = 20_000;
const PEOPLE: usize = 2_000;

/// A small deterministic generator (xorshift64*), so every run draws the same instance.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Communes with a position, and the cumulative population to draw them by weight.
struct Communes {
    positions: Vec<Position>,
    cumulative: Vec<u64>,
}

impl Communes {
    fn load() -> Communes {
        let data = embedded().expect("territory files");
        let mut positions = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0;
        for commune in &data.communes {
            if let (Some(latitude), Some(longitude)) = (commune.latitude, commune.longitude) {
                total += commune.population.unwrap_or(0).max(1) as u64;
                positions.push(Position {
                    latitude,
                    longitude,
                });
                cumulative.push(total);
            }
        }
        Communes {
            positions,
            cumulative,
        }
    }

    fn draw(&self, draw: &mut Draw) -> Position {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let target = draw.next() % total;
        let index = self.cumulative.partition_point(|c| *c <= target);
        self.positions[index.min(self.positions.len() - 1)]
    }
}

fn synthetic_offer(draw: &mut Draw) -> Offer {
    let services = vec![Service::ALL[draw.below(9)], Service::ALL[draw.below(9)]];
    let support = if draw.below(10) == 0 {
        vec![SpecificSupport::ALL[draw.below(SpecificSupport::ALL.len())]]
    } else {
        Vec::new()
    };
    Offer {
        name: "Offre".into(),
        services,
        specific_support: support,
        support_modes: vec![SupportMode::ALL[draw.below(4)], SupportMode::Individual],
        facts: OfferFacts {
            capacity_per_week: Some(5 + draw.below(40) as u32),
            first_contact_delay_days: Some(draw.below(20) as u32),
            help_style: Some(HelpStyle::ALL[draw.below(3)]),
            ..OfferFacts::default()
        },
        ..Offer::default()
    }
}

fn synthetic_answers(draw: &mut Draw) -> Answers {
    Answers {
        equipment: vec![Equipment::Smartphone],
        skills: SkillDomain::ALL
            .iter()
            .map(|d| (*d, SkillAnswer::ALL[draw.below(4)]))
            .collect(),
        detailed: vec![],
        french_reading: LiteracyLevel::Comfortable,
        french_writing: LiteracyLevel::WithDifficulty,
        languages: vec![Language::French],
        support_needs: vec![],
        travel_range: TravelRange::ALL[1 + draw.below(4)],
        travel_modes: vec![],
        accepts_remote: draw.below(2) == 0,
        availability: vec![],
        willingness: Willingness::ALL[draw.below(3)],
        levers: vec![],
        urgency: None,
        notes: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn main() {
    let communes = Communes::load();
    let mut draw = Draw(0x5EED_2026);
    let place = Place::default();
    let offers: Vec<(Offer, Position)> = (0..OFFERS)
        .map(|_| (synthetic_offer(&mut draw), communes.draw(&mut draw)))
        .collect();
    let started = Instant::now();
    let index = OfferIndex::new(offers.iter().enumerate().map(|(i, (_, p))| (i, *p)));
    println!(
        "index of {} offers built in {:.1} ms",
        index.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let today = time::macros::date!(2026 - 11 - 23);
    let weights = Weights::default();
    let mut latencies = Vec::with_capacity(PEOPLE);
    let mut ranked_total = 0;
    for _ in 0..PEOPLE {
        let answers = synthetic_answers(&mut draw);
        let position = communes.draw(&mut draw);
        let computed = profile(&answers, today);
        let started = Instant::now();
        let reach = f64::from(computed.requirements.max_distance_km.max(5));
        let candidates: Vec<CandidateOffer> = index
            .within(position, reach)
            .into_iter()
            .map(|i| CandidateOffer {
                offer_id: i as i64,
                place: &place,
                offer: &offers[i].0,
                position: Some(offers[i].1),
                open_referrals: 0,
            })
            .collect();
        let seeker = Seeker {
            profile: &computed,
            position,
            age: Some(60),
            availability: &[],
            travel_modes: &[],
        };
        let ranking = rank(&seeker, &candidates, &weights);
        latencies.push(started.elapsed());
        ranked_total += ranking.ranked.len();
    }
    latencies.sort();
    println!(
        "ranking for one person against {OFFERS} offers ({PEOPLE} people): median {:.3} ms, p99 {:.3} ms, max {:.3} ms; {:.1} offers ranked per person on average",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        ranked_total as f64 / PEOPLE as f64
    );
}
