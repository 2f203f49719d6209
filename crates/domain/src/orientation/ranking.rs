//! Ranking the offers that fit a diagnosed person: hard filters first (reach, specific support, acting
//! on the person's behalf or teaching, availability against opening hours, audiences reserved to
//! others, capacity), then one score per criterion (needs covered, audience, support mode, quality,
//! delay, capacity left, distance) combined with the territory's weights. Every ranked offer says why it
//! is there and what it lacks; every excluded one says why.

use crate::diagnostic::{
    Availability, ProcedureOrganisation, Profile, RecommendedHelp, TravelMode,
};
use crate::directory::opening_hours::WeeklyHours;
use crate::directory::{
    AccessMode, Audience, HelpStyle, ItinerantStop, Mobility, Offer, OfferStatus, Place, Service,
    SpecificSupport, SupportMode,
};
use crate::geo::{distance_km, Position};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How much each criterion counts (any non-negative numbers; they are normalised).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub needs: f64,
    pub audience: f64,
    pub support_mode: f64,
    pub quality: f64,
    pub delay: f64,
    pub capacity: f64,
    pub distance: f64,
}

impl Default for Weights {
    /// Needs first (an offer that covers them all beats a nearer partial one within reach), then distance,
    /// delay and capacity; audience, mode and quality refine.
    fn default() -> Self {
        Weights {
            needs: 6.0,
            audience: 1.0,
            support_mode: 1.0,
            quality: 1.0,
            delay: 2.0,
            capacity: 2.0,
            distance: 3.0,
        }
    }
}

/// What the ranking knows of the person beyond the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Seeker<'a> {
    pub profile: &'a Profile,
    /// Where the person lives (their commune's centre).
    pub position: Position,
    /// Age in years, when the birth year is known.
    pub age: Option<i32>,
    pub availability: &'a [Availability],
    /// How the person gets about: the distance's reason gives the time by the fastest of them.
    pub travel_modes: &'a [TravelMode],
}

/// Rough door-to-door speeds, in km/h, to turn a distance into minutes for the person (walking,
/// cycling, public transport with its waits, a car in town).
fn speed_of(mode: TravelMode) -> f64 {
    match mode {
        TravelMode::Walking => 4.5,
        TravelMode::Bicycle => 14.0,
        TravelMode::PublicTransport => 18.0,
        TravelMode::Car | TravelMode::DrivenByRelative => 35.0,
    }
}

/// The fastest way the person has of getting about, if they said.
fn fastest(modes: &[TravelMode]) -> Option<TravelMode> {
    modes
        .iter()
        .copied()
        .max_by(|a, b| speed_of(*a).total_cmp(&speed_of(*b)))
}

/// « (environ 12 min à pied) » by the fastest way the person has, or nothing.
#[cfg(test)]
fn travel_time(km: f64, modes: &[TravelMode]) -> String {
    TravelTime(km, fastest(modes)).to_string()
}

/// A distance as a time by one way of getting about (nothing without one).
struct TravelTime(f64, Option<TravelMode>);

impl fmt::Display for TravelTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let TravelTime(km, Some(mode)) = *self else {
            return Ok(());
        };
        let minutes = (km / speed_of(mode) * 60.0).round().max(1.0);
        let how = match mode {
            TravelMode::Walking => "à pied",
            TravelMode::Bicycle => "à vélo",
            TravelMode::PublicTransport => "en transports en commun",
            TravelMode::Car => "en voiture",
            TravelMode::DrivenByRelative => "en voiture avec un proche",
        };
        write!(f, " (environ {minutes:.0} min {how})")
    }
}

/// One offer of a place, as ranking sees it.
#[derive(Debug, Clone)]
pub struct CandidateOffer<'a> {
    pub offer_id: i64,
    pub place: &'a Place,
    pub offer: &'a Offer,
    pub position: Option<Position>,
    /// Referrals already open on this offer (accepted or waiting).
    pub open_referrals: u32,
}

/// The score of one criterion, between 0 and 1, with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionScore {
    pub criterion: &'static str,
    pub score: f64,
    pub reason: Explanation,
}

/// Why a criterion scored what it did. Ranking keeps the facts (it scores thousands of offers for one
/// person in a dense area, and a page shows a handful); `Display` writes the French sentence.
#[derive(Debug, Clone, PartialEq)]
pub enum Explanation {
    NoParticularNeed,
    CoversNeeds {
        covered: usize,
        needed: usize,
    },
    ForSeniors,
    OpenToAll,
    MostlyOtherAudiences,
    Offers(SupportMode),
    WishedModeMissing,
    Marks {
        marks: usize,
        official: bool,
    },
    FirstContactWithin(u32),
    DelayUnknown,
    PlacesLeft {
        left: u32,
        capacity: u32,
    },
    CapacityUnknown,
    RemoteNoTravel,
    NearestStop {
        commune: String,
        days: String,
        km: f64,
        by: Option<TravelMode>,
    },
    Distance {
        km: f64,
        by: Option<TravelMode>,
    },
    Remote,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Explanation::NoParticularNeed => f.write_str("Aucun besoin particulier."),
            Explanation::CoversNeeds { covered, needed } => {
                write!(f, "Couvre {covered} des {needed} besoins.")
            }
            Explanation::ForSeniors => f.write_str("S'adresse spécialement aux seniors."),
            Explanation::OpenToAll => f.write_str("Ouvert à tous les publics."),
            Explanation::MostlyOtherAudiences => {
                f.write_str("S'adresse surtout à d'autres publics, sans les réserver.")
            }
            Explanation::Offers(mode) => write!(f, "Propose « {} ».", mode.label()),
            Explanation::WishedModeMissing => {
                f.write_str("La modalité souhaitée n'est pas proposée.")
            }
            Explanation::Marks { marks, official } => write!(
                f,
                "{marks} label(s) ou dispositif(s) national(aux){}.",
                if *official { ", offre officielle" } else { "" }
            ),
            Explanation::FirstContactWithin(days) => {
                write!(f, "Premier contact sous {days} jour(s) en général.")
            }
            Explanation::DelayUnknown => f.write_str("Délai non renseigné."),
            Explanation::PlacesLeft { left, capacity } => {
                write!(f, "{left} place(s) libre(s) sur {capacity}.")
            }
            Explanation::CapacityUnknown => f.write_str("Capacité non renseignée."),
            Explanation::RemoteNoTravel => f.write_str("À distance : aucun déplacement."),
            Explanation::NearestStop {
                commune,
                days,
                km,
                by,
            } => write!(
                f,
                "Itinérante : arrêt le plus proche à {commune} ({days}), à {km:.0} km{}.",
                TravelTime(*km, *by)
            ),
            Explanation::Distance { km, by } => {
                write!(f, "À {km:.0} km{}.", TravelTime(*km, *by))
            }
            Explanation::Remote => f.write_str("À distance."),
        }
    }
}

/// What an offer kept lacks for the person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lack {
    /// The profile has an urgent procedure with this organisation and the offer does not help with
    /// procedures.
    UrgencyElsewhere(ProcedureOrganisation),
    Service(Service),
    Mode(SupportMode),
    DelayUnknown,
    CapacityUnknown,
}

impl fmt::Display for Lack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lack::UrgencyElsewhere(organisation) => write!(
                f,
                "N'aide pas aux démarches : la démarche urgente avec {} passe d'abord ailleurs.",
                organisation.label()
            ),
            Lack::Service(service) => write!(f, "Ne propose pas « {} ».", service.label()),
            Lack::Mode(mode) => write!(f, "Pas de « {} ».", mode.label()),
            Lack::DelayUnknown => f.write_str("Délai de premier contact non renseigné."),
            Lack::CapacityUnknown => f.write_str("Capacité non renseignée."),
        }
    }
}

/// The hard filter an offer failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Exclusion {
    NoPublicReception,
    TooFar { km: f64, reach_km: u32 },
    PositionUnknown,
    MissingSupport(SpecificSupport),
    TeachesOnly,
    ActsOnBehalfOnly,
    ReservedToYoungPeople,
    ClosedWhenAvailable,
    Full { open: u32, capacity: u32 },
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exclusion::NoPublicReception => f.write_str("Le lieu n'accueille pas de public."),
            Exclusion::TooFar { km, reach_km } => write!(
                f,
                "Trop loin : {km:.0} km, la personne peut aller jusqu'à {reach_km} km et l'offre n'est pas à distance."
            ),
            Exclusion::PositionUnknown => {
                f.write_str("Position du lieu inconnue et offre non proposée à distance.")
            }
            Exclusion::MissingSupport(support) => {
                write!(f, "Pas de prise en charge « {} ».", support.label())
            }
            Exclusion::TeachesOnly => {
                f.write_str("L'offre apprend à faire mais ne fait pas pour la personne.")
            }
            Exclusion::ActsOnBehalfOnly => {
                f.write_str("L'offre fait pour la personne mais n'apprend pas à faire.")
            }
            Exclusion::ReservedToYoungPeople => {
                f.write_str("L'offre est réservée aux jeunes et aux étudiants.")
            }
            Exclusion::ClosedWhenAvailable => {
                f.write_str("Le lieu n'est pas ouvert quand la personne est disponible.")
            }
            Exclusion::Full { open, capacity } => write!(
                f,
                "Complet : {open} orientations en cours pour une capacité de {capacity}."
            ),
        }
    }
}

/// The three explanations are written as their French sentence wherever a ranking is serialised.
macro_rules! serialize_as_text {
    ($($name:ty),+) => {$(
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    )+};
}
serialize_as_text!(Explanation, Lack, Exclusion);

/// An offer kept, with its total score (0–100), the detail, and what it lacks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedOffer {
    pub offer_id: i64,
    pub total: f64,
    pub distance_km: Option<f64>,
    pub criteria: Vec<CriterionScore>,
    pub lacks: Vec<Lack>,
    /// With an urgent procedure in the profile: whether the offer helps with administrative
    /// procedures (such offers come before every other, whatever their score).
    pub handles_urgency: bool,
}

/// An offer left out, with the hard filter it failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcludedOffer {
    pub offer_id: i64,
    pub reason: Exclusion,
}

/// The ranked offers (best first) and the excluded ones.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Ranking {
    pub ranked: Vec<RankedOffer>,
    pub excluded: Vec<ExcludedOffer>,
    /// The profile has an urgent procedure and no offer within reach helps with it: the page says
    /// so and proposes widening the distance, remote help or someone acting on the person's behalf.
    pub urgency_uncovered: bool,
}

/// Minutes of each availability slot, Monday = 0 (weekday slots apply Monday to Friday): the days,
/// and the start and end minute.
pub fn slot_times(slot: Availability) -> (&'static [usize], u16, u16) {
    const WEEKDAYS: &[usize] = &[0, 1, 2, 3, 4];
    match slot {
        Availability::WeekdayMorning => (WEEKDAYS, 8 * 60, 12 * 60),
        Availability::WeekdayAfternoon => (WEEKDAYS, 13 * 60, 18 * 60),
        Availability::WeekdayEvening => (WEEKDAYS, 18 * 60, 21 * 60),
        Availability::Saturday => (&[5], 8 * 60, 18 * 60),
    }
}

/// Whether the place is open during at least one of the person's slots (checked every 30 minutes).
fn open_when_available(hours: &WeeklyHours, availability: &[Availability]) -> bool {
    availability.iter().any(|slot| {
        let (days, start, end) = slot_times(*slot);
        days.iter().any(|day| {
            (start..end)
                .step_by(30)
                .any(|minute| hours.is_open(*day, minute))
        })
    })
}

/// The hard filters, in order; the first failed one is the reason of the exclusion.
fn hard_filter(
    seeker: &Seeker,
    candidate: &CandidateOffer,
    distance: Option<f64>,
) -> Result<(), Exclusion> {
    let requirements = &seeker.profile.requirements;
    let offer = candidate.offer;
    if candidate
        .place
        .access_modes
        .contains(&AccessMode::NoPublicReception)
    {
        return Err(Exclusion::NoPublicReception);
    }
    let remote = offer.support_modes.contains(&SupportMode::Remote) && requirements.remote_possible;
    // An itinerant place without its stops described is still given the benefit of the doubt
    // within 30 km of its base; with stops, the distance is already the nearest stop's.
    let comes_to_person =
        candidate.place.mobility.contains(&Mobility::Itinerant) && candidate.offer.stops.is_empty();
    match distance {
        Some(km) if km <= f64::from(requirements.max_distance_km) => {}
        _ if remote => {}
        _ if comes_to_person && distance.is_some_and(|km| km <= 30.0) => {}
        Some(km) => {
            return Err(Exclusion::TooFar {
                km,
                reach_km: requirements.max_distance_km,
            })
        }
        None => return Err(Exclusion::PositionUnknown),
    }
    if let Some(missing) = requirements
        .specific_support
        .iter()
        .find(|s| !offer.specific_support.contains(s))
    {
        return Err(Exclusion::MissingSupport(*missing));
    }
    let style = offer.facts.help_style;
    if requirements.acts_on_behalf && style == Some(HelpStyle::Teaches) {
        return Err(Exclusion::TeachesOnly);
    }
    let wants_learning = matches!(
        seeker.profile.first_help(),
        RecommendedHelp::InclusionPathway | RecommendedHelp::Acculturation
    );
    if wants_learning && !requirements.acts_on_behalf && style == Some(HelpStyle::ActsOnBehalf) {
        return Err(Exclusion::ActsOnBehalfOnly);
    }
    if let Some(age) = seeker.age {
        let only_young = !offer.audiences.is_empty()
            && offer
                .audiences
                .iter()
                .all(|a| matches!(a, Audience::Youth | Audience::Students));
        if only_young && age > 30 {
            return Err(Exclusion::ReservedToYoungPeople);
        }
    }
    if !seeker.availability.is_empty() && !remote {
        if let Some(Ok(hours)) = candidate
            .place
            .opening_hours
            .as_deref()
            .map(WeeklyHours::parse)
        {
            if !open_when_available(&hours, seeker.availability) {
                return Err(Exclusion::ClosedWhenAvailable);
            }
        }
    }
    if let Some(capacity) = offer.facts.capacity_per_week {
        if candidate.open_referrals >= capacity {
            return Err(Exclusion::Full {
                open: candidate.open_referrals,
                capacity,
            });
        }
    }
    Ok(())
}

fn criterion(criterion: &'static str, score: f64, reason: Explanation) -> CriterionScore {
    CriterionScore {
        criterion,
        score: score.clamp(0.0, 1.0),
        reason,
    }
}

fn needs_score(seeker: &Seeker, offer: &Offer, lacks: &mut Vec<Lack>) -> CriterionScore {
    let needed = seeker.profile.services.len();
    if needed == 0 {
        return criterion("Besoins", 1.0, Explanation::NoParticularNeed);
    }
    let mut covered = 0;
    for need in &seeker.profile.services {
        if offer.services.contains(&need.service) {
            covered += 1;
        } else {
            lacks.push(Lack::Service(need.service));
        }
    }
    criterion(
        "Besoins",
        covered as f64 / needed as f64,
        Explanation::CoversNeeds { covered, needed },
    )
}

fn audience_score(seeker: &Seeker, offer: &Offer) -> CriterionScore {
    let senior = seeker.age.is_some_and(|age| age >= 60);
    match (
        offer.audiences.is_empty(),
        senior && offer.audiences.contains(&Audience::Seniors),
    ) {
        (_, true) => criterion("Public", 1.0, Explanation::ForSeniors),
        (true, false) => criterion("Public", 0.7, Explanation::OpenToAll),
        (false, false) => criterion("Public", 0.4, Explanation::MostlyOtherAudiences),
    }
}

fn mode_score(seeker: &Seeker, offer: &Offer, lacks: &mut Vec<Lack>) -> CriterionScore {
    let wished: &[SupportMode] = match seeker.profile.first_help() {
        RecommendedHelp::InclusionPathway => {
            &[SupportMode::Individual, SupportMode::CollectiveWorkshop]
        }
        RecommendedHelp::Acculturation => {
            &[SupportMode::CollectiveWorkshop, SupportMode::Individual]
        }
        RecommendedHelp::InformationOnly => &[SupportMode::Autonomous, SupportMode::Remote],
        RecommendedHelp::DigitalEmergency | RecommendedHelp::ActOnBehalf => {
            &[SupportMode::Individual]
        }
    };
    match wished
        .iter()
        .find(|mode| offer.support_modes.contains(mode))
    {
        Some(mode) => criterion("Modalité", 1.0, Explanation::Offers(*mode)),
        None => {
            lacks.push(Lack::Mode(wished[0]));
            criterion("Modalité", 0.2, Explanation::WishedModeMissing)
        }
    }
}

fn quality_score(place: &Place, offer: &Offer) -> CriterionScore {
    let marks = place.programmes.len() + place.training_labels.len();
    let official = matches!(
        offer.facts.status,
        Some(OfferStatus::NationalOfficial | OfferStatus::LocalOfficial)
    );
    let score = (marks.min(3) as f64 / 3.0) * 0.7 + if official { 0.3 } else { 0.0 };
    criterion("Qualité", score, Explanation::Marks { marks, official })
}

fn delay_score(offer: &Offer, lacks: &mut Vec<Lack>) -> CriterionScore {
    match offer.facts.first_contact_delay_days {
        Some(days) => criterion(
            "Délai",
            7.0 / (7.0 + f64::from(days)),
            Explanation::FirstContactWithin(days),
        ),
        None => {
            lacks.push(Lack::DelayUnknown);
            criterion("Délai", 0.5, Explanation::DelayUnknown)
        }
    }
}

fn capacity_score(candidate: &CandidateOffer, lacks: &mut Vec<Lack>) -> CriterionScore {
    match candidate.offer.facts.capacity_per_week {
        Some(capacity) if capacity > 0 => {
            let left = capacity.saturating_sub(candidate.open_referrals);
            criterion(
                "Capacité",
                f64::from(left) / f64::from(capacity),
                Explanation::PlacesLeft { left, capacity },
            )
        }
        _ => {
            lacks.push(Lack::CapacityUnknown);
            criterion("Capacité", 0.5, Explanation::CapacityUnknown)
        }
    }
}

fn distance_score(
    seeker: &Seeker,
    (distance, stop): (Option<f64>, Option<&ItinerantStop>),
    remote: bool,
) -> CriterionScore {
    let reach = f64::from(seeker.profile.requirements.max_distance_km.max(5));
    let by = fastest(seeker.travel_modes);
    match distance {
        _ if remote && seeker.profile.requirements.max_distance_km == 0 => {
            criterion("Distance", 1.0, Explanation::RemoteNoTravel)
        }
        Some(km) => match stop {
            Some(stop) => criterion(
                "Distance",
                1.0 - km / reach,
                Explanation::NearestStop {
                    commune: stop.commune_name.clone(),
                    days: stop.days_in_french(),
                    km,
                    by,
                },
            ),
            None => criterion(
                "Distance",
                1.0 - km / reach,
                Explanation::Distance { km, by },
            ),
        },
        None => criterion("Distance", 0.5, Explanation::Remote),
    }
}

/// How far the offer is from the person: to its nearest stop when it is itinerant with stops
/// described, else to the place; with the stop, for the reason.
fn reach_of<'a>(
    seeker: &Seeker,
    candidate: &'a CandidateOffer,
) -> (Option<f64>, Option<&'a ItinerantStop>) {
    let nearest = candidate
        .offer
        .stops
        .iter()
        .map(|stop| {
            let at = Position {
                latitude: stop.latitude,
                longitude: stop.longitude,
            };
            (distance_km(seeker.position, at), stop)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0));
    match nearest {
        Some((km, stop)) => (Some(km), Some(stop)),
        None => (
            candidate.position.map(|p| distance_km(seeker.position, p)),
            None,
        ),
    }
}

/// Scores one offer that passed the hard filters.
fn score(
    seeker: &Seeker,
    candidate: &CandidateOffer,
    (distance, stop): (Option<f64>, Option<&ItinerantStop>),
    weights: &Weights,
) -> RankedOffer {
    let mut lacks = Vec::new();
    let offer = candidate.offer;
    let remote = offer.support_modes.contains(&SupportMode::Remote)
        && seeker.profile.requirements.remote_possible;
    let criteria = vec![
        needs_score(seeker, offer, &mut lacks),
        audience_score(seeker, offer),
        mode_score(seeker, offer, &mut lacks),
        quality_score(candidate.place, offer),
        delay_score(offer, &mut lacks),
        capacity_score(candidate, &mut lacks),
        distance_score(seeker, (distance, stop), remote),
    ];
    let weight_of = [
        weights.needs,
        weights.audience,
        weights.support_mode,
        weights.quality,
        weights.delay,
        weights.capacity,
        weights.distance,
    ];
    let sum: f64 = weight_of.iter().map(|w| w.max(0.0)).sum();
    let total = if sum > 0.0 {
        criteria
            .iter()
            .zip(weight_of)
            .map(|(c, w)| c.score * w.max(0.0))
            .sum::<f64>()
            / sum
            * 100.0
    } else {
        0.0
    };
    let handles_urgency = seeker.profile.urgency.is_some()
        && offer.services.contains(&Service::AdministrativeProcedures);
    if let Some(urgency) = &seeker.profile.urgency {
        if !handles_urgency {
            lacks.insert(0, Lack::UrgencyElsewhere(urgency.organisation));
        }
    }
    RankedOffer {
        offer_id: candidate.offer_id,
        total,
        distance_km: distance,
        criteria,
        lacks,
        handles_urgency,
    }
}

/// Whether one offer passes every hard filter for the person, or the first one it fails: the check a
/// move confirmed by a coordinator is held to again when it is applied.
pub fn admits(seeker: &Seeker, candidate: &CandidateOffer) -> Result<(), Exclusion> {
    let (distance, _) = reach_of(seeker, candidate);
    hard_filter(seeker, candidate, distance)
}

/// Ranks the candidates for the person: the kept ones best first (ties: nearest, then lowest id), and
/// the excluded ones with their reason.
pub fn rank(seeker: &Seeker, candidates: &[CandidateOffer], weights: &Weights) -> Ranking {
    let mut ranking = Ranking::default();
    for candidate in candidates {
        let (distance, stop) = reach_of(seeker, candidate);
        match hard_filter(seeker, candidate, distance) {
            Ok(()) => ranking
                .ranked
                .push(score(seeker, candidate, (distance, stop), weights)),
            Err(reason) => ranking.excluded.push(ExcludedOffer {
                offer_id: candidate.offer_id,
                reason,
            }),
        }
    }
    // An urgent procedure comes first: the offers that help with it dominate every other.
    ranking.urgency_uncovered =
        seeker.profile.urgency.is_some() && !ranking.ranked.iter().any(|r| r.handles_urgency);
    ranking.ranked.sort_by(|a, b| {
        b.handles_urgency
            .cmp(&a.handles_urgency)
            .then(b.total.total_cmp(&a.total))
            .then(
                a.distance_km
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.distance_km.unwrap_or(f64::MAX)),
            )
            .then(a.offer_id.cmp(&b.offer_id))
    });
    ranking
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{
        profile, Answers, Equipment, Language, LiteracyLevel, SkillAnswer, SkillDomain,
        TravelRange, Willingness,
    };
    use crate::directory::{OfferFacts, Service, SpecificSupport};

    fn answers() -> Answers {
        Answers {
            equipment: vec![Equipment::Smartphone, Equipment::InternetAtHome],
            skills: SkillDomain::ALL
                .iter()
                .map(|d| (*d, SkillAnswer::NotAtAll))
                .collect(),
            detailed: vec![],
            french_reading: LiteracyLevel::Comfortable,
            french_writing: LiteracyLevel::Comfortable,
            languages: vec![Language::French],
            support_needs: vec![],
            travel_range: TravelRange::UpTo15Km,
            travel_modes: vec![],
            accepts_remote: false,
            availability: vec![],
            willingness: Willingness::Yes,
            levers: vec![],
            urgency: None,
            notes: None,
        }
    }

    const HOME: Position = Position {
        latitude: 47.4784,
        longitude: -0.5632,
    };

    fn near(km_north: f64) -> Position {
        Position {
            latitude: HOME.latitude + km_north / 111.2,
            longitude: HOME.longitude,
        }
    }

    fn offer(services: &[Service], facts: OfferFacts) -> Offer {
        Offer {
            name: "Offre".into(),
            services: services.to_vec(),
            support_modes: vec![SupportMode::Individual],
            facts,
            ..Offer::default()
        }
    }

    fn rank_for(answers: &Answers, offers: &[(Offer, Position, u32)]) -> Ranking {
        let computed = profile(answers, time::macros::date!(2026 - 11 - 23));
        let place = Place::default();
        let seeker = Seeker {
            profile: &computed,
            position: HOME,
            age: Some(70),
            availability: &[],
            travel_modes: &[],
        };
        let candidates: Vec<CandidateOffer> = offers
            .iter()
            .enumerate()
            .map(|(i, (offer, position, open))| CandidateOffer {
                offer_id: i as i64 + 1,
                place: &place,
                offer,
                position: Some(*position),
                open_referrals: *open,
            })
            .collect();
        rank(&seeker, &candidates, &Weights::default())
    }

    #[test]
    fn an_urgent_procedure_puts_the_offers_that_help_with_it_first_or_says_none_is_in_reach() {
        let urgent = Answers {
            urgency: Some(crate::diagnostic::Urgency {
                organisation: crate::diagnostic::ProcedureOrganisation::Caf,
                kind: crate::diagnostic::ProcedureKind::Declare,
                deadline: time::macros::date!(2026 - 11 - 30),
            }),
            ..answers()
        };
        // A near, broad offer without procedures, and a farther one that helps with them.
        let broad = offer(
            &[Service::EverydayTools, Service::SafeUse],
            OfferFacts::default(),
        );
        let procedures = offer(&[Service::AdministrativeProcedures], OfferFacts::default());
        let ranking = rank_for(
            &urgent,
            &[(broad.clone(), near(1.0), 0), (procedures, near(12.0), 0)],
        );
        assert_eq!(ranking.ranked[0].offer_id, 2, "{ranking:?}");
        assert!(ranking.ranked[0].handles_urgency);
        assert!(!ranking.urgency_uncovered);
        assert!(
            ranking.ranked[1].lacks[0]
                .to_string()
                .contains("démarche urgente avec CAF ou MSA"),
            "{ranking:?}"
        );
        let without = rank_for(&urgent, &[(broad, near(1.0), 0)]);
        assert!(
            without.urgency_uncovered,
            "no offer within reach helps with it"
        );
        let calm = rank_for(
            &answers(),
            &[(
                offer(&[Service::EverydayTools], OfferFacts::default()),
                near(1.0),
                0,
            )],
        );
        assert!(!calm.urgency_uncovered);
    }

    #[test]
    fn a_distance_is_also_a_time_by_the_fastest_way_the_person_has() {
        assert_eq!(travel_time(3.0, &[]), "");
        assert_eq!(
            travel_time(3.0, &[TravelMode::Walking]),
            " (environ 40 min à pied)"
        );
        assert_eq!(
            travel_time(3.0, &[TravelMode::Walking, TravelMode::PublicTransport]),
            " (environ 10 min en transports en commun)"
        );
        assert_eq!(
            travel_time(0.1, &[TravelMode::Car]),
            " (environ 1 min en voiture)"
        );
    }

    #[test]
    fn an_itinerant_offer_is_as_near_as_its_nearest_stop_and_says_which() {
        let close_by = Answers {
            travel_range: TravelRange::UpTo5Km,
            ..answers()
        };
        let computed = profile(&close_by, time::macros::date!(2026 - 11 - 23));
        let seeker = Seeker {
            profile: &computed,
            position: HOME,
            age: Some(70),
            availability: &[],
            travel_modes: &[],
        };
        let bus = Place {
            mobility: vec![Mobility::Itinerant],
            ..Place::default()
        };
        let stop = |km: f64, day: u8| ItinerantStop {
            commune_code: "49050".into(),
            commune_name: "Brissac Loire Aubance".into(),
            weekdays: vec![day],
            latitude: near(km).latitude,
            longitude: HOME.longitude,
        };
        let with_stops = |stops: Vec<ItinerantStop>| Offer {
            stops,
            ..offer(&[Service::EverydayTools], OfferFacts::default())
        };
        let near_stop = with_stops(vec![stop(12.0, 0), stop(3.0, 1)]);
        let far_stops = with_stops(vec![stop(12.0, 0)]);
        let candidates = [
            CandidateOffer {
                offer_id: 1,
                place: &bus,
                offer: &near_stop,
                position: Some(near(17.0)),
                open_referrals: 0,
            },
            CandidateOffer {
                offer_id: 2,
                place: &bus,
                offer: &far_stops,
                position: Some(near(17.0)),
                open_referrals: 0,
            },
        ];
        let ranking = rank(&seeker, &candidates, &Weights::default());
        assert_eq!(ranking.ranked.len(), 1, "{ranking:?}");
        let kept = &ranking.ranked[0];
        assert_eq!(kept.offer_id, 1);
        assert!(kept.distance_km.is_some_and(|km| (km - 3.0).abs() < 0.2));
        let reason = &kept.criteria.last().expect("distance").reason;
        assert_eq!(
            reason.to_string(),
            "Itinérante : arrêt le plus proche à Brissac Loire Aubance (le mardi), à 3 km."
        );
        assert_eq!(ranking.excluded[0].offer_id, 2);
        assert!(
            ranking.excluded[0]
                .reason
                .to_string()
                .starts_with("Trop loin : 12 km"),
            "{ranking:?}"
        );
    }

    #[test]
    fn the_offer_covering_more_needs_nearer_comes_first_and_each_says_why() {
        let all_needs = [
            Service::AdministrativeProcedures,
            Service::EverydayTools,
            Service::SafeUse,
        ];
        let ranking = rank_for(
            &answers(),
            &[
                (
                    offer(&[Service::EverydayTools], OfferFacts::default()),
                    near(2.0),
                    0,
                ),
                (offer(&all_needs, OfferFacts::default()), near(3.0), 0),
                (offer(&all_needs, OfferFacts::default()), near(40.0), 0),
            ],
        );
        let order: Vec<i64> = ranking.ranked.iter().map(|r| r.offer_id).collect();
        assert_eq!(order, vec![2, 1]);
        assert_eq!(ranking.excluded.len(), 1);
        assert!(ranking.excluded[0]
            .reason
            .to_string()
            .starts_with("Trop loin"));
        assert!(ranking.ranked[1]
            .lacks
            .iter()
            .any(|l| l.to_string().contains("Aide aux démarches administratives")));
        assert_eq!(ranking.ranked[0].criteria.len(), 7);
    }

    #[test]
    fn hard_filters_exclude_missing_support_full_offers_and_the_wrong_help_style() {
        let mut deaf = answers();
        deaf.support_needs = vec![SpecificSupport::Deafness];
        let full = OfferFacts {
            capacity_per_week: Some(3),
            ..OfferFacts::default()
        };
        let ranking = rank_for(
            &deaf,
            &[(offer(&[Service::EverydayTools], full.clone()), near(1.0), 0)],
        );
        assert!(ranking.excluded[0].reason.to_string().contains("Surdité"));

        let ranking = rank_for(
            &answers(),
            &[(offer(&[Service::EverydayTools], full), near(1.0), 3)],
        );
        assert!(ranking.excluded[0]
            .reason
            .to_string()
            .starts_with("Complet"));

        let only_acts = OfferFacts {
            help_style: Some(HelpStyle::ActsOnBehalf),
            ..OfferFacts::default()
        };
        let ranking = rank_for(
            &answers(),
            &[(offer(&[Service::EverydayTools], only_acts), near(1.0), 0)],
        );
        assert!(ranking.excluded[0]
            .reason
            .to_string()
            .contains("n'apprend pas"));
    }

    #[test]
    fn weights_change_the_order() {
        let far_but_complete = offer(
            &[
                Service::AdministrativeProcedures,
                Service::EverydayTools,
                Service::SafeUse,
            ],
            OfferFacts::default(),
        );
        let near_but_partial = offer(&[Service::EverydayTools], OfferFacts::default());
        let computed = profile(&answers(), time::macros::date!(2026 - 11 - 23));
        let place = Place::default();
        let seeker = Seeker {
            profile: &computed,
            position: HOME,
            age: None,
            availability: &[],
            travel_modes: &[],
        };
        let candidates = [
            CandidateOffer {
                offer_id: 1,
                place: &place,
                offer: &far_but_complete,
                position: Some(near(14.0)),
                open_referrals: 0,
            },
            CandidateOffer {
                offer_id: 2,
                place: &place,
                offer: &near_but_partial,
                position: Some(near(0.5)),
                open_referrals: 0,
            },
        ];
        let needs_first = rank(&seeker, &candidates, &Weights::default());
        assert_eq!(needs_first.ranked[0].offer_id, 1);
        let distance_only = Weights {
            needs: 0.0,
            distance: 10.0,
            ..Weights::default()
        };
        assert_eq!(
            rank(&seeker, &candidates, &distance_only).ranked[0].offer_id,
            2
        );
    }
}
