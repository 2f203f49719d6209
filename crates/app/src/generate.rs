//! `aiguillage generate`: fills a database with realistic synthetic offers, people, diagnostics,
//! referrals with their histories (refusals with reasons, redirections), pathway sessions
//! (individual ones and collective workshops) and closings with gains, over the real communes
//! (drawn by population), reproducibly from a seed, at the scale of a département or of the nation
//! (1.5 referrals and about 5 sessions per person). For benchmarks and load tests; never on a
//! production database.

use aiguillage_domain::appointment::AppointmentStatus;
use aiguillage_domain::calendar::date_of;
use aiguillage_domain::diagnostic::{
    profile, Answers, Equipment, Language, Lever, LiteracyLevel, ProcedureKind,
    ProcedureOrganisation, SkillAnswer, SkillDomain, TravelRange, Urgency, Willingness,
};
use aiguillage_domain::directory::{Place, Service, SupportMode, SupportModel};
use aiguillage_domain::orientation::{ClosingOutcome, ReferralEvent, ReferralState, RefusalReason};
use aiguillage_domain::pathway::{
    Closing, Gains, MoneyBracket, ObservedAutonomy, RedirectStructure, RightKind, SentElsewhere,
    Theme,
};
use aiguillage_domain::territory::Commune;
use aiguillage_interop::territory::embedded;
use aiguillage_store::{
    NewStructure, Store, SyntheticCounts, SyntheticDiagnostic, SyntheticPerson, SyntheticReferral,
    SyntheticSession, SyntheticStep, SyntheticWorkshop,
};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::time::Instant;

use aiguillage_domain::calendar::DAY;
/// People per batch (one transaction); batches fill per prescribing structure (one per département),
/// so at national scale about a hundred are held at once.
const BATCH: usize = 500;

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
    /// Share (in %) of the people whose pathway closed who are diagnosed again at its closing (with
    /// better answers: the autonomy gained). None by default: one diagnostic per person.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=100))]
    follow_up_diagnostics: u64,
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

/// A later moment: `1..=max_days` days after `at`, never after `now`.
fn later(draw: &mut Draw, at: i64, max_days: usize, now: i64) -> i64 {
    (at + (1 + draw.below(max_days)) as i64 * DAY).min(now)
}

fn step(event: ReferralEvent, to: ReferralState, at: i64) -> SyntheticStep {
    SyntheticStep { event, to, at }
}

/// How a closed referral ended, with plausible gains.
fn synthetic_closing(draw: &mut Draw) -> Closing {
    use ClosingOutcome as O;
    let outcome = match draw.below(100) {
        0..35 => O::Autonomous,
        35..55 => O::HelpedOnBehalf,
        55..65 => O::SentElsewhere,
        65..85 => O::DroppedOut,
        85..95 => O::Unreachable,
        _ => O::MovedAway,
    };
    let mut gains = Gains::default();
    if matches!(
        outcome,
        O::Autonomous | O::HelpedOnBehalf | O::SentElsewhere
    ) {
        if draw.chance(40) {
            for _ in 0..1 + draw.below(2) {
                gains.rights.insert(draw.pick(RightKind::ALL));
            }
        }
        if draw.chance(30) {
            gains.money = Some(draw.pick(MoneyBracket::ALL));
        }
        gains.job_or_training = draw.chance(8);
    }
    Closing {
        outcome,
        gains,
        sent_elsewhere: (outcome == O::SentElsewhere).then(|| SentElsewhere {
            kind: draw.pick(RedirectStructure::ALL),
            name: None,
        }),
    }
}

/// A referral's history, ending in a drawn state: waiting for an answer (8 %), refused (4 %),
/// refused then redirected to another offer (4 %), accepted (6 %), first contact made (8 %: the
/// first appointment, a week later, was missed), in pathway (32 %) or closed (38 %); a pathway
/// starts at a first appointment the person came to. A pathway has 1 to 9 sessions (5 on average) from its start to
/// its closing (or now); each is an individual session, or (15 %) a place in a collective
/// workshop, returned apart with its time.
fn referral_history(
    draw: &mut Draw,
    offers: &[(i64, i64)],
    sent_at: i64,
    now: i64,
) -> (SyntheticReferral, Vec<i64>) {
    use ReferralEvent as E;
    use ReferralState as S;
    let (mut offer, mut receiver) = draw.pick(offers);
    let mut steps = vec![step(E::Send, S::Sent, sent_at)];
    let referral = |steps, offer, receiver| SyntheticReferral {
        offer_id: offer,
        receiver_structure_id: receiver,
        steps,
        sessions: Vec::new(),
        closing: None,
        appointment: None,
    };
    let mut fate = draw.below(100);
    let mut at = sent_at;
    if fate < 8 {
        return (referral(steps, offer, receiver), Vec::new());
    }
    if fate < 16 {
        at = later(draw, at, 8, now);
        let reason = draw.pick(RefusalReason::ALL);
        steps.push(step(E::Refuse { reason }, S::Refused, at));
        if fate < 12 {
            return (referral(steps, offer, receiver), Vec::new());
        }
        at = later(draw, at, 2, now);
        (offer, receiver) = draw.pick(offers);
        steps.push(step(E::Redirect { offer_id: offer }, S::Redirected, at));
        fate = 16 + draw.below(84);
    }
    at = later(draw, at, 6, now);
    steps.push(step(E::Accept, S::Accepted, at));
    if fate < 22 {
        return (referral(steps, offer, receiver), Vec::new());
    }
    at = later(draw, at, 10, now);
    steps.push(step(E::RecordFirstContact, S::FirstContact, at));
    if fate < 30 {
        // Booked at the first contact for a week later, and the pathway never started: missed
        // once past, still to come otherwise.
        let first_visit = at + 7 * DAY;
        let status = if first_visit <= now {
            AppointmentStatus::NoShow
        } else {
            AppointmentStatus::Booked
        };
        let mut result = referral(steps, offer, receiver);
        result.appointment = Some((first_visit, status));
        return (result, Vec::new());
    }
    let started = later(draw, at, 10, now);
    steps.push(step(E::StartPathway, S::InPathway, started));
    let closing = (fate >= 62).then(|| {
        let closing = synthetic_closing(draw);
        let closed = later(draw, started, 90, now);
        steps.push(step(
            E::Close {
                outcome: closing.outcome,
            },
            S::Closed,
            closed,
        ));
        (closing, closed)
    });
    let end = closing
        .as_ref()
        .map_or((started + 120 * DAY).min(now), |(_, closed)| *closed);
    let span_days = ((end - started) / DAY).max(0) as usize;
    let mut times: Vec<i64> = (0..1 + draw.below(9))
        .map(|i| match i {
            0 => started,
            _ => (started + draw.below(span_days + 1) as i64 * DAY).min(end),
        })
        .collect();
    times.sort_unstable();
    let mut result = referral(steps, offer, receiver);
    result.closing = closing;
    // The pathway starts at the first appointment, which the person came to.
    result.appointment = Some((started, AppointmentStatus::Attended));
    let mut workshop_times = Vec::new();
    for at in times {
        if at > started && draw.chance(15) {
            workshop_times.push(at);
        } else {
            result.sessions.push(SyntheticSession {
                at,
                duration_minutes: 30 + 15 * draw.below(7) as u32,
                autonomy: draw.pick(ObservedAutonomy::ALL),
                theme: draw.pick(Theme::ALL),
            });
        }
    }
    (result, workshop_times)
}

/// The same answers one step better in every domain (for a diagnostic after a pathway).
fn improved(answers: &Answers) -> Answers {
    let mut answers = answers.clone();
    for (_, answer) in &mut answers.skills {
        *answer = match answer {
            SkillAnswer::NotAtAll | SkillAnswer::DoesNotKnow => SkillAnswer::WithHelp,
            _ => SkillAnswer::Alone,
        };
    }
    answers
}

fn diagnostic(answers: &Answers, made_at: i64) -> anyhow::Result<SyntheticDiagnostic> {
    let computed = profile(answers, date_of(made_at));
    Ok(SyntheticDiagnostic {
        made_at,
        answers_json: serde_json::to_string(answers)?,
        profile_json: serde_json::to_string(&computed)?,
        typology: computed.typology,
        overall: computed.overall,
        first_help: computed.first_help(),
    })
}

/// The people of one prescribing structure waiting to be written, and their workshop places
/// (receiving structure, time, person's position, referral's position).
#[derive(Default)]
struct Batch {
    people: Vec<SyntheticPerson>,
    workshop_places: Vec<(i64, i64, usize, usize)>,
}

impl Batch {
    /// The workshops: each receiving structure's places in time order, four registered people at
    /// most per workshop (a person once), with one to five anonymous participants.
    fn workshops(&self, draw: &mut Draw) -> Vec<SyntheticWorkshop> {
        let mut places = self.workshop_places.clone();
        places.sort_unstable();
        let mut workshops: Vec<SyntheticWorkshop> = Vec::new();
        for (structure, at, person, referral) in places {
            let joins = workshops.last_mut().filter(|w| {
                w.structure_id == structure
                    && w.registered.len() < 4
                    && !w.registered.contains(&(person, referral))
            });
            match joins {
                Some(workshop) => {
                    workshop.registered.push((person, referral));
                    workshop.at = workshop.at.max(at);
                }
                None => workshops.push(SyntheticWorkshop {
                    structure_id: structure,
                    at,
                    duration_minutes: 90 + 30 * draw.below(3) as u32,
                    registered: vec![(person, referral)],
                    anonymous: 1 + draw.below(5) as u32,
                }),
            }
        }
        workshops
    }
}

async fn write_batch(
    store: &Store,
    structure: i64,
    batch: Batch,
    draw: &mut Draw,
) -> anyhow::Result<SyntheticCounts> {
    let workshops = batch.workshops(draw);
    Ok(store
        .insert_synthetic_people(structure, &batch.people, &workshops)
        .await?)
}

/// Where synthetic people live, the offers they are referred to (with their structures) per
/// département, and the moment of generation.
struct World<'a> {
    communes: &'a Weighted<'a>,
    offers_by_departement: &'a HashMap<String, Vec<(i64, i64)>>,
    now: i64,
    today: time::Date,
    /// Share (in %) of the people whose pathway closed who are diagnosed again at its closing.
    follow_up_diagnostics: u64,
}

/// Writes `people_count` synthetic people with their diagnostics, referrals, sessions, workshops and
/// closings; returns the rows written and the time spent writing.
async fn populate(
    store: &Store,
    world: &World<'_>,
    people_count: usize,
    draw: &mut Draw,
    bar: &ProgressBar,
) -> anyhow::Result<(SyntheticCounts, std::time::Duration)> {
    let mut prescribers: HashMap<String, i64> = HashMap::new();
    let mut batches: HashMap<i64, Batch> = HashMap::new();
    let mut counts = SyntheticCounts::default();
    let mut writing = std::time::Duration::ZERO;
    for index in 0..people_count {
        let commune = world.communes.draw(draw);
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
                        world.now,
                    )
                    .await?;
                prescribers.insert(commune.departement_code.clone(), id);
                id
            }
        };
        let enrolled_at = world.now - draw.below(365) as i64 * DAY;
        let answers = synthetic_answers(draw, world.today);
        let computed = profile(&answers, world.today);
        let mut diagnostics = vec![SyntheticDiagnostic {
            made_at: enrolled_at,
            answers_json: serde_json::to_string(&answers)?,
            profile_json: serde_json::to_string(&computed)?,
            typology: computed.typology,
            overall: computed.overall,
            first_help: computed.first_help(),
        }];
        let offers = world
            .offers_by_departement
            .get(&commune.departement_code)
            .map_or(&[][..], Vec::as_slice);
        let wanted = match draw.below(100) {
            0..15 => 0,
            15..50 => 1,
            50..85 => 2,
            _ => 3,
        };
        let batch = batches.entry(structure).or_default();
        let position = batch.people.len();
        let mut referrals = Vec::new();
        for k in 0..if offers.is_empty() { 0 } else { wanted } {
            let delay = 1 + k * (1 + draw.below(30));
            let sent_at = (enrolled_at + delay as i64 * DAY).min(world.now);
            let (referral, workshop_times) = referral_history(draw, offers, sent_at, world.now);
            for at in workshop_times {
                batch
                    .workshop_places
                    .push((referral.receiver_structure_id, at, position, k));
            }
            referrals.push(referral);
        }
        // Some of the people whose pathway closed are diagnosed again at its closing.
        let closed_at = referrals
            .iter()
            .find_map(|r| r.closing.as_ref().map(|(_, at)| *at));
        if let Some(at) = closed_at.filter(|_| draw.chance(world.follow_up_diagnostics)) {
            diagnostics.push(diagnostic(&improved(&answers), at)?);
        }
        batch.people.push(SyntheticPerson {
            first_name: format!("Prénom{}", index % 997),
            last_name: format!("Synthétique{index}"),
            commune_code: commune.code.clone(),
            birth_year: 1930 + draw.below(78) as i32,
            enrolled_at,
            urgent: computed.urgency.is_some(),
            diagnostics,
            referrals,
        });
        if batch.people.len() >= BATCH {
            let full = std::mem::take(batch);
            let people = full.people.len();
            let write = Instant::now();
            counts += write_batch(store, structure, full, draw).await?;
            writing += write.elapsed();
            bar.inc(people as u64);
        }
    }
    for (structure, batch) in batches {
        let write = Instant::now();
        counts += write_batch(store, structure, batch, draw).await?;
        writing += write.elapsed();
    }
    Ok((counts, writing))
}

/// A synthetic population of a département for the demonstration, referred to the offers already
/// in the directory there except those of `spared` structures (the demo accounts' own lists stay
/// short): enough people that the steering figures are above the minimum cell size.
pub async fn demo_population(
    store: &Store,
    departement: &str,
    people_count: usize,
    spared: &[i64],
) -> anyhow::Result<SyntheticCounts> {
    let territory = embedded()?;
    let communes = Weighted::new(
        territory
            .communes
            .iter()
            .filter(|c| c.departement_code == departement),
    );
    let mut offers: Vec<(i64, i64)> = Vec::new();
    for place in store.places(None).await? {
        if place.departement_code == departement && !spared.contains(&place.structure_id) {
            offers.extend(place.offer_ids.iter().map(|id| (*id, place.structure_id)));
        }
    }
    anyhow::ensure!(
        !offers.is_empty(),
        "aucune offre dans le département {departement}"
    );
    let offers_by_departement = HashMap::from([(departement.to_owned(), offers)]);
    let now = time::OffsetDateTime::now_utc();
    let world = World {
        communes: &communes,
        offers_by_departement: &offers_by_departement,
        now: now.unix_timestamp(),
        today: now.date(),
        follow_up_diagnostics: 50,
    };
    let (counts, _) = populate(
        store,
        &world,
        people_count,
        &mut Draw::new(49),
        &ProgressBar::hidden(),
    )
    .await?;
    Ok(counts)
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
    // Each département's offers, with their structures; each structure gets a support model and
    // each offer 20 to 79 places.
    let mut offers_by_departement: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for place in store.places(None).await? {
        if place.source.as_deref() == Some("synthetique") {
            store
                .set_support_model(place.structure_id, Some(draw.pick(SupportModel::ALL)))
                .await?;
            for (id, offer) in place.offer_ids.iter().zip(&place.offers) {
                let mut offer = offer.clone();
                offer.facts.capacity_per_week = Some(20 + draw.below(60) as u32);
                store
                    .save_offer(
                        place.structure_id,
                        Some(*id),
                        &offer,
                        None,
                        aiguillage_store::PlaceRights::Everything,
                        now,
                    )
                    .await?;
            }
            offers_by_departement
                .entry(place.departement_code.clone())
                .or_default()
                .extend(place.offer_ids.iter().map(|id| (*id, place.structure_id)));
        }
    }

    println!("{people_count} personnes, leurs diagnostics, orientations, séances et clôtures…");
    let started = Instant::now();
    let bar = ProgressBar::new(people_count as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} ({per_sec}, reste {eta})",
    )?);
    let world = World {
        communes: &communes,
        offers_by_departement: &offers_by_departement,
        now,
        today,
        follow_up_diagnostics: args.follow_up_diagnostics,
    };
    let (counts, writing) = populate(&store, &world, people_count, &mut draw, &bar).await?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let rows = counts.people
        + counts.diagnostics
        + counts.referrals
        + counts.events
        + counts.sessions
        + counts.outcomes;
    println!(
        "{} personnes, {} diagnostics, {} orientations ({} événements, {} clôtures), {} séances, {offers_count} offres écrites (graine {}).",
        counts.people,
        counts.diagnostics,
        counts.referrals,
        counts.events,
        counts.outcomes,
        counts.sessions,
        args.seed
    );
    println!(
        "En {seconds:.1} s dont {:.1} s d'écriture : {:.0} personnes/s, {:.0} séances/s, {:.0} lignes/s écrites.",
        writing.as_secs_f64(),
        counts.people as f64 / seconds,
        counts.sessions as f64 / seconds,
        rows as f64 / writing.as_secs_f64().max(1e-9),
    );
    Ok(())
}
