//! `aiguillage generate`: fills a database with realistic synthetic offers, people, diagnostics and
//! referrals over the real communes (drawn by population), reproducibly from a seed, at the scale of a
//! département or of the nation. For benchmarks and load tests; never on a production database.

use aiguillage_domain::diagnostic::{
    profile, Answers, Equipment, Language, Lever, LiteracyLevel, ProcedureKind,
    ProcedureOrganisation, SkillAnswer, SkillDomain, TravelRange, Urgency, Willingness,
};
use aiguillage_domain::directory::{Place, Service, SupportMode};
use aiguillage_domain::orientation::ReferralState;
use aiguillage_domain::territory::Commune;
use aiguillage_interop::territory::embedded;
use aiguillage_store::{NewStructure, Store, SyntheticPerson};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;

const DAY: i64 = 86_400;
const BATCH: usize = 2_000;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// One département: 20 000 people, 300 offers.
    Department,
    /// All of France: 1 000 000 people, 20 000 offers.
    National,
}

#[derive(Args)]
pub struct GenerateArgs {
    #[arg(long, value_enum, default_value = "department")]
    scale: Scale,
    /// The département of the department scale.
    #[arg(long, default_value = "49")]
    departement: String,
    /// Seed of the draws: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Override the number of people.
    #[arg(long)]
    people: Option<usize>,
    /// Override the number of offers.
    #[arg(long)]
    offers: Option<usize>,
}

/// A small deterministic generator (xorshift64*).
struct Draw(u64);

impl Draw {
    fn new(seed: u64) -> Draw {
        Draw(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, values: &[T]) -> T {
        values[self.below(values.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Communes drawn by population.
struct Weighted<'a> {
    communes: Vec<&'a Commune>,
    cumulative: Vec<u64>,
}

impl<'a> Weighted<'a> {
    fn new(communes: impl Iterator<Item = &'a Commune>) -> Weighted<'a> {
        let mut kept = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0;
        for commune in communes.filter(|c| c.latitude.is_some()) {
            total += commune.population.unwrap_or(0).max(1) as u64;
            kept.push(commune);
            cumulative.push(total);
        }
        Weighted {
            communes: kept,
            cumulative,
        }
    }

    fn draw(&self, draw: &mut Draw) -> &'a Commune {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let target = draw.next() % total;
        let index = self.cumulative.partition_point(|c| *c <= target);
        self.communes[index.min(self.communes.len() - 1)]
    }
}

fn synthetic_place(index: usize, commune: &Commune, draw: &mut Draw) -> Place {
    Place {
        id: format!("synth-{index}"),
        pivot: "00000000000000".into(),
        name: format!("Lieu synthétique {index}"),
        commune: commune.name.clone(),
        postal_code: commune.postal_codes.first().cloned().unwrap_or_default(),
        insee_code: Some(commune.code.clone()),
        address: format!("{} place de la Mairie", index % 90 + 1),
        latitude: commune.latitude,
        longitude: commune.longitude,
        updated_on: "2026-11-01".into(),
        services: vec![draw.pick(Service::ALL), draw.pick(Service::ALL)],
        support_modes: vec![SupportMode::Individual, draw.pick(SupportMode::ALL)],
        ..Place::default()
    }
}

fn synthetic_answers(draw: &mut Draw, today: time::Date) -> Answers {
    let equipment: Vec<Equipment> = Equipment::ALL
        .iter()
        .copied()
        .filter(|_| draw.chance(55))
        .collect();
    let urgency = draw.chance(12).then(|| Urgency {
        organisation: draw.pick(ProcedureOrganisation::ALL),
        kind: draw.pick(ProcedureKind::ALL),
        deadline: today + time::Duration::days(draw.below(40) as i64 - 5),
    });
    Answers {
        equipment,
        skills: SkillDomain::ALL
            .iter()
            .map(|d| (*d, draw.pick(SkillAnswer::ALL)))
            .collect(),
        detailed: vec![],
        french_reading: draw.pick(LiteracyLevel::ALL),
        french_writing: draw.pick(LiteracyLevel::ALL),
        languages: vec![Language::French],
        support_needs: vec![],
        travel_range: draw.pick(&TravelRange::ALL[1..]),
        travel_modes: vec![],
        accepts_remote: draw.chance(30),
        availability: vec![],
        willingness: draw.pick(Willingness::ALL),
        levers: vec![draw.pick(Lever::ALL)],
        urgency,
        notes: None,
    }
}

/// The states a referral went through, with plausible delays, ending in a drawn state.
fn referral_path(draw: &mut Draw, sent_at: i64, now: i64) -> Vec<(ReferralState, i64)> {
    use ReferralState as S;
    let mut steps = vec![(S::Sent, sent_at)];
    let mut at = sent_at;
    let mut step = |state: S, max_days: usize, draw: &mut Draw| {
        at = (at + (1 + draw.below(max_days)) as i64 * DAY).min(now);
        (state, at)
    };
    let outcome = draw.below(100);
    if outcome < 12 {
        return steps;
    }
    if outcome < 20 {
        steps.push(step(S::Refused, 6, draw));
        return steps;
    }
    steps.push(step(S::Accepted, 6, draw));
    if outcome < 30 {
        return steps;
    }
    steps.push(step(S::FirstContact, 10, draw));
    if outcome < 40 {
        return steps;
    }
    steps.push(step(S::InPathway, 10, draw));
    if outcome < 65 {
        return steps;
    }
    steps.push(step(S::Closed, 90, draw));
    steps
}

pub async fn run(database_url: &str, args: GenerateArgs) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    let territory = embedded()?;
    store.import_territory(&territory, &|_| {}).await?;
    let (people_count, offers_count) = match args.scale {
        Scale::Department => (20_000, 300),
        Scale::National => (1_000_000, 20_000),
    };
    let people_count = args.people.unwrap_or(people_count);
    let offers_count = args.offers.unwrap_or(offers_count);
    let in_scope =
        |c: &&Commune| args.scale == Scale::National || c.departement_code == args.departement;
    let communes = Weighted::new(territory.communes.iter().filter(in_scope));
    anyhow::ensure!(
        !communes.communes.is_empty(),
        "aucune commune pour le département {}",
        args.departement
    );
    let mut draw = Draw::new(args.seed);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let today = time::OffsetDateTime::now_utc().date();

    println!("{offers_count} lieux et offres synthétiques…");
    let places: Vec<(u64, Place)> = (0..offers_count)
        .map(|i| {
            (
                i as u64 + 2,
                synthetic_place(i, communes.draw(&mut draw), &mut draw),
            )
        })
        .collect();
    store
        .import_places("synthetique", &places, None, now, &|_, _| {})
        .await?;
    let mut offers_by_departement: HashMap<String, Vec<i64>> = HashMap::new();
    for place in store.places(None).await? {
        if place.source.as_deref() == Some("synthetique") {
            offers_by_departement
                .entry(place.departement_code.clone())
                .or_default()
                .extend(place.offer_ids.iter().copied());
        }
    }

    println!("{people_count} personnes, leurs diagnostics et orientations…");
    let bar = ProgressBar::new(people_count as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} ({per_sec}, reste {eta})",
    )?);
    let mut prescribers: HashMap<String, i64> = HashMap::new();
    let mut batches: HashMap<i64, Vec<SyntheticPerson>> = HashMap::new();
    let (mut people, mut referrals) = (0_usize, 0_usize);
    for index in 0..people_count {
        let commune = communes.draw(&mut draw);
        let structure = match prescribers.get(&commune.departement_code) {
            Some(id) => *id,
            None => {
                let id = store
                    .ensure_structure(
                        &NewStructure {
                            name: format!(
                                "Structure prescriptrice synthétique {}",
                                commune.departement_code
                            ),
                            kind: "synthétique".into(),
                            commune_code: commune.code.clone(),
                        },
                        now,
                    )
                    .await?;
                prescribers.insert(commune.departement_code.clone(), id);
                id
            }
        };
        let enrolled_at = now - draw.below(365) as i64 * DAY;
        let answers = synthetic_answers(&mut draw, today);
        let computed = profile(&answers, today);
        let referral = offers_by_departement
            .get(&commune.departement_code)
            .filter(|offers| !offers.is_empty() && draw.chance(70))
            .map(|offers| {
                let offer = draw.pick(offers);
                (offer, referral_path(&mut draw, enrolled_at + DAY, now))
            });
        let person = SyntheticPerson {
            first_name: format!("Prénom{}", index % 997),
            last_name: format!("Synthétique{index}"),
            commune_code: commune.code.clone(),
            birth_year: 1930 + draw.below(78) as i32,
            enrolled_at,
            answers_json: serde_json::to_string(&answers)?,
            profile_json: serde_json::to_string(&computed)?,
            typology: computed.typology.label().to_owned(),
            overall: computed.overall.label().to_owned(),
            first_help: computed.first_help().label().to_owned(),
            urgent: computed.urgency.is_some(),
            referral,
        };
        let batch = batches.entry(structure).or_default();
        batch.push(person);
        if batch.len() >= BATCH {
            let full = std::mem::take(batch);
            referrals += store.insert_synthetic_people(structure, &full).await?;
            people += full.len();
            bar.set_position(people as u64);
        }
    }
    for (structure, batch) in batches {
        referrals += store.insert_synthetic_people(structure, &batch).await?;
        people += batch.len();
    }
    bar.finish_and_clear();
    println!("{people} personnes, {people} diagnostics, {referrals} orientations, {offers_count} offres écrites (graine {}).", args.seed);
    Ok(())
}
