//! The pseudonymised records indicators are computed from — no name, no contact, no free text: a
//! person is a key — and the checked [`Dataset`] that holds them. A dataset is built once by
//! [`Dataset::new`], which refuses inconsistent records (a step before the one it follows, a
//! referral to an unknown person…), so every indicator can trust the order of the dates it reads.

use super::cut::Area;
use super::facts::{
    code_of, moment, DiagnosticFacts, PersonFacts, Progress, ReferralFacts, ReferralLink,
    RefusalFact, SessionFigures, NO_NUMBER,
};
use super::funnel::COMPLETING_OUTCOMES;
use crate::appointment::AppointmentStatus;
use crate::diagnostic::{AutonomyLevel, SkillDomain, Typology};
use crate::directory::{Audience, SupportModel};
use crate::orientation::{ClosingOutcome, ReferralState, RefusalReason};
use crate::pathway::{AgeBand, Gains, SessionKind};
use crate::UnixSeconds;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One person, pseudonymised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    /// A keyed pseudonym, stable within one computation.
    pub key: u64,
    /// Enrolment ("repérage"): the first step of the funnel.
    pub enrolled_at: UnixSeconds,
    pub enrolling_structure: i64,
    /// INSEE code of the commune of residence.
    pub commune: String,
    /// SIREN of the commune's EPCI, when it has one.
    pub epci: Option<String>,
    pub departement: String,
    /// The audiences of the national standard the person belongs to (none, one or several).
    pub audiences: Vec<Audience>,
    /// By the age reached in the year of enrolment ([`AgeBand::of_birth_year`]).
    pub age_band: AgeBand,
    /// The typology of the latest diagnostic, the professional's override included.
    pub typology: Option<Typology>,
    /// Whether the commune is in the most fragile fifth of the territory's fragility index; `None`
    /// when the commune has no index.
    pub fragile_commune: Option<bool>,
}

/// A receiving structure's refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub at: UnixSeconds,
    pub reason: RefusalReason,
}

/// One referral, with the date of each step it reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralRecord {
    pub id: i64,
    /// The person's key.
    pub person: u64,
    pub sender_structure: i64,
    /// The structure of the current offer.
    pub receiver_structure: i64,
    pub offer: i64,
    /// The receiving structure's support model, when it has one.
    pub support_model: Option<SupportModel>,
    pub state: ReferralState,
    /// First sending (`None` while a draft).
    pub sent_at: Option<UnixSeconds>,
    pub accepted_at: Option<UnixSeconds>,
    pub first_contact_at: Option<UnixSeconds>,
    /// Start of the pathway ("en parcours").
    pub started_at: Option<UnixSeconds>,
    pub closed_at: Option<UnixSeconds>,
    /// Every refusal, a redirected referral may have several.
    pub refusals: Vec<Refusal>,
    /// Set exactly when closed.
    pub outcome: Option<ClosingOutcome>,
    pub gains: Gains,
}

/// One diagnostic: the autonomy level reached in each skill domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticRecord {
    pub person: u64,
    pub at: UnixSeconds,
    pub autonomy: Vec<(SkillDomain, AutonomyLevel)>,
}

impl DiagnosticRecord {
    pub fn level(&self, domain: SkillDomain) -> Option<AutonomyLevel> {
        self.autonomy
            .iter()
            .find(|(d, _)| *d == domain)
            .map(|(_, level)| *level)
    }
}

/// One session of a pathway or one workshop, as statistics need it (the full session is a
/// `pathway::SessionRecord`; this keeps only what is counted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFact {
    /// The referral it belongs to; `None` for a workshop open to anyone.
    pub referral: Option<i64>,
    pub structure: i64,
    /// The mediator's account.
    pub mediator: i64,
    pub at: UnixSeconds,
    pub duration_minutes: u32,
    pub kind: SessionKind,
    /// Everyone present (1 for an individual session).
    pub participants: u32,
}

/// One appointment booked on a referral, as statistics need it: when, and what became of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentFact {
    pub referral: i64,
    /// The receiving structure that holds it.
    pub structure: i64,
    pub at: UnixSeconds,
    pub status: AppointmentStatus,
}

/// Where a structure is: a workshop, whose participants are not all registered people, belongs to
/// its structure's territory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructureArea {
    /// INSEE code of the structure's commune.
    pub commune: String,
    pub epci: Option<String>,
    pub departement: String,
}

/// The places an offer has, and where its structure is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferCapacity {
    pub offer: i64,
    pub structure: i64,
    pub support_model: Option<SupportModel>,
    pub capacity: u32,
    /// INSEE code of the structure's commune.
    pub commune: String,
    pub epci: Option<String>,
    pub departement: String,
}

/// Why records are refused; the message names the record by its pseudonymous key or id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("La personne {0} figure deux fois.")]
    DuplicatePerson(u64),
    #[error("L'orientation {0} figure deux fois.")]
    DuplicateReferral(i64),
    #[error("L'offre {0} a deux capacités.")]
    DuplicateOffer(i64),
    #[error("{what} renvoie à la personne {person}, inconnue.")]
    UnknownPerson { what: String, person: u64 },
    #[error("La séance du {at} renvoie à l'orientation {referral}, inconnue.")]
    UnknownReferral { at: UnixSeconds, referral: i64 },
    #[error("Le rendez-vous du {at} renvoie à l'orientation {referral}, inconnue.")]
    AppointmentOfUnknownReferral { at: UnixSeconds, referral: i64 },
    #[error("L'orientation {referral} : « {step} » manque ou précède l'étape qu'il suit.")]
    StepOutOfOrder { referral: i64, step: &'static str },
    #[error("L'orientation {0} est envoyée avant tout diagnostic de la personne.")]
    SentBeforeDiagnostic(i64),
    #[error("Un diagnostic de la personne {0} précède son inscription.")]
    DiagnosticBeforeEnrolment(u64),
    #[error("L'orientation {0} doit avoir une issue si et seulement si elle est close.")]
    OutcomeWithoutClosing(i64),
}

/// Checked records, indexed for the indicators. People are held in the order of their keys and
/// named inside the dataset by their position; the indexes let a cut visit only what it keeps: the
/// people of an area, a person's referrals, a referral's sessions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Dataset {
    /// The people's keys, sorted: a person's position is the place of their key (8 bytes a person,
    /// mostly in cache). What else is known of them is in `person_facts` and the place numbers.
    keys: Vec<u64>,
    /// The referrals' ids, ascending: a referral's position is the place of its id. What else is
    /// known of them is in `referral_facts`, `referral_links` and the refusals.
    referral_ids: Vec<i64>,
    referral_links: Vec<ReferralLink>,
    /// The sending structures, numbered.
    sender_ids: Vec<i64>,
    /// Each person's diagnostics (by position), oldest first, as their facts.
    diagnostics: Grouped<DiagnosticFacts>,
    capacities: Vec<OfferCapacity>,
    /// Referral positions of each person (by position).
    referrals_by_person: Grouped,
    /// Session positions of each referral (by position).
    sessions_by_referral: Grouped,
    /// Positions of the sessions that belong to no referral (the workshops), ascending, by the
    /// structure that held them.
    workshops: HashMap<i64, Vec<u32>>,
    /// People (by position, ascending) living in each commune, EPCI and département.
    by_commune: HashMap<String, Vec<u32>>,
    by_epci: HashMap<String, Vec<u32>>,
    by_departement: HashMap<String, Vec<u32>>,
    /// Each person's commune and département as a number, and the codes they stand for.
    commune_of: Vec<u32>,
    commune_codes: Vec<String>,
    departement_of: Vec<u32>,
    departement_codes: Vec<String>,
    /// The EPCI codes, numbered (each person's number is in their facts).
    epci_codes: Vec<String>,
    /// The compact facts (module `facts`): per referral (by position), every refusal grouped by
    /// referral, per person (by position) the progress between diagnostics. People and sessions
    /// are held only as their facts: `person_facts` by position, `session_figures` in the order
    /// the sessions were given, each structure and mediator holding sessions numbered as a pair
    /// in `session_holders`.
    referral_facts: Vec<ReferralFacts>,
    person_facts: Vec<PersonFacts>,
    session_figures: Vec<SessionFigures>,
    session_holders: Vec<(i64, i64)>,
    refusal_facts: Vec<RefusalFact>,
    refusal_starts: Vec<u32>,
    progress: Vec<Option<Progress>>,
    /// Offers and structures numbered: the offers with a capacity first (in the order of
    /// `capacities`), then those only referrals name.
    offer_ids: Vec<i64>,
    structure_ids: Vec<i64>,
    /// Per capacity (same order): the structure's number and the support model's code.
    capacity_structures: Vec<u32>,
    capacity_models: Vec<u8>,
    /// When each person reached each funnel step over all their referrals (`NONE_YET`: not
    /// reached): what every cut without a structure reads.
    step_times: Vec<StepTimes>,
    /// Where each structure is, for the workshops of an area.
    structure_areas: HashMap<i64, StructureArea>,
    /// The audiences at least one person belongs to (bit `i`: `Audience::ALL[i]`): the reach
    /// table lists only those, so it never shows a public nothing records.
    audiences_recorded: u32,
    /// Whether anyone is recorded under 12 (enrolment refuses anyone under 16: the reach table
    /// lists that band only for records that hold it).
    under_twelve_recorded: bool,
    /// Appointments, with their referral's position alongside.
    appointments: Vec<AppointmentFact>,
    appointment_referrals: Vec<u32>,
}

/// A kind of place of residence tables are detailed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Commune,
    Departement,
}

/// The moments a person reached the funnel's steps, indexed like `funnel::Step::ALL`.
pub(crate) type StepTimes = [UnixSeconds; 7];
/// A step not reached.
pub(crate) const NONE_YET: UnixSeconds = UnixSeconds::MIN;

/// Positions grouped by an owner's position, in one flat list (compressed rows).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Grouped<T = u32> {
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Grouped<T> {
    fn default() -> Self {
        Grouped {
            starts: Vec::new(),
            items: Vec::new(),
        }
    }
}

impl<T: Copy + Default> Grouped<T> {
    /// Groups the items by owner, for owners below `count`, each owner's in the order given.
    fn new(count: usize, owners: impl Iterator<Item = (u32, T)> + Clone) -> Grouped<T> {
        let mut starts = vec![0u32; count + 1];
        for (owner, _) in owners.clone() {
            starts[owner as usize + 1] += 1;
        }
        for i in 0..count {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut items = vec![T::default(); starts[count] as usize];
        for (owner, item) in owners {
            let slot = &mut next[owner as usize];
            items[*slot as usize] = item;
            *slot += 1;
        }
        Grouped { starts, items }
    }
}

impl<T> Grouped<T> {
    fn of(&self, owner: u32) -> &[T] {
        let owner = owner as usize;
        match (self.starts.get(owner), self.starts.get(owner + 1)) {
            (Some(from), Some(to)) => &self.items[*from as usize..*to as usize],
            _ => &[],
        }
    }
}

impl Dataset {
    /// Checks and indexes the records.
    /// The same records, knowing where each structure is (so that an area's cut keeps the
    /// workshops held in it).
    pub fn with_structure_areas(mut self, areas: HashMap<i64, StructureArea>) -> Dataset {
        self.structure_areas = areas;
        self
    }

    /// Adds the appointments booked on referrals; one naming an unknown referral is refused.
    pub fn with_appointments(
        mut self,
        appointments: Vec<AppointmentFact>,
    ) -> Result<Dataset, RecordError> {
        let mut positions = Vec::with_capacity(appointments.len());
        for appointment in &appointments {
            let Some(position) = self.referral_position(appointment.referral) else {
                return Err(RecordError::AppointmentOfUnknownReferral {
                    at: appointment.at,
                    referral: appointment.referral,
                });
            };
            positions.push(position);
        }
        self.appointments = appointments;
        self.appointment_referrals = positions;
        Ok(self)
    }

    /// Whether the reach table lists this age band: every band a person can be enrolled in, and
    /// « under 12 » only when someone is recorded there.
    pub(crate) fn lists_age_band(&self, band: AgeBand) -> bool {
        band != AgeBand::Under12 || self.under_twelve_recorded
    }

    /// Whether anyone recorded belongs to `Audience::ALL[index]`.
    pub(crate) fn records_audience(&self, index: usize) -> bool {
        self.audiences_recorded & (1 << index) != 0
    }

    pub fn appointments(&self) -> &[AppointmentFact] {
        &self.appointments
    }

    /// Each appointment's referral position, in the order of [`Dataset::appointments`].
    pub(crate) fn appointment_referral_positions(&self) -> &[u32] {
        &self.appointment_referrals
    }

    /// Where the structure is, if known.
    pub(crate) fn structure_area(&self, structure: i64) -> Option<&StructureArea> {
        self.structure_areas.get(&structure)
    }

    pub fn new(
        people: Vec<PersonRecord>,
        referrals: Vec<ReferralRecord>,
        diagnostics: Vec<DiagnosticRecord>,
        sessions: Vec<SessionFact>,
        capacities: Vec<OfferCapacity>,
    ) -> Result<Dataset, RecordError> {
        let people = sorted_people(people)?;
        let mut data = Dataset {
            keys: people.iter().map(|person| person.key).collect(),
            ..Dataset::default()
        };
        data.index_people(people);
        data.index_diagnostics(diagnostics)?;
        let referrals = data.index_referrals(referrals)?;
        data.index_sessions(sessions)?;
        check_capacities(&capacities)?;
        data.capacities = capacities;
        data.derive_facts(referrals);
        data.audiences_recorded = data
            .person_facts
            .iter()
            .fold(0, |seen, person| seen | person.audiences);
        data.under_twelve_recorded = data
            .person_facts
            .iter()
            .any(|person| person.age_band() == AgeBand::Under12);
        data.step_times = (0..data.people_count())
            .map(|person| data.step_times_with(person, |_| true))
            .collect();
        Ok(data)
    }

    /// Every person, in the order of their keys (each record put together from the facts held).
    pub fn people(&self) -> impl ExactSizeIterator<Item = PersonRecord> + '_ {
        (0..self.people_count()).map(|at| self.person_at(at))
    }

    pub fn person(&self, key: u64) -> Option<PersonRecord> {
        self.position(key).map(|at| self.person_at(at))
    }

    /// Every referral, in the order of their ids (each put together from the facts held).
    pub fn referrals(&self) -> impl ExactSizeIterator<Item = ReferralRecord> + '_ {
        (0..self.referral_count()).map(|at| self.referral_at(at))
    }

    pub fn referral(&self, id: i64) -> Option<ReferralRecord> {
        self.referral_position(id).map(|at| self.referral_at(at))
    }

    /// The person's referrals, in the order of their ids.
    pub fn referrals_of(&self, person: u64) -> impl Iterator<Item = ReferralRecord> + '_ {
        let positions = self
            .position(person)
            .map_or(&[][..], |at| self.referrals_by_person.of(at));
        positions.iter().map(|i| self.referral_at(*i))
    }

    pub(crate) fn referral_count(&self) -> u32 {
        self.referral_ids.len() as u32
    }

    /// The referral's position.
    fn referral_position(&self, id: i64) -> Option<u32> {
        self.referral_ids
            .binary_search(&id)
            .ok()
            .map(|at| at as u32)
    }

    /// The person's diagnostics, oldest first (put together from the facts held).
    pub fn diagnostics_of(&self, person: u64) -> Vec<DiagnosticRecord> {
        self.position(person).map_or_else(Vec::new, |at| {
            self.diagnostics
                .of(at)
                .iter()
                .map(|d| d.record(person))
                .collect()
        })
    }

    /// The sessions of the person's referrals (put together from the facts held).
    pub fn sessions_of(&self, person: u64) -> Vec<SessionFact> {
        let referrals = self
            .position(person)
            .map_or(&[][..], |at| self.referrals_by_person.of(at));
        referrals
            .iter()
            .flat_map(|r| self.sessions_by_referral.of(*r))
            .map(|s| self.session_at(*s))
            .collect()
    }

    /// The sessions the mediator (an account) recorded, in the order given.
    pub fn sessions_by(&self, mediator: i64) -> Vec<SessionFact> {
        let theirs: Vec<bool> = self
            .session_holders
            .iter()
            .map(|(_, holder)| *holder == mediator)
            .collect();
        (0..self.session_figures.len() as u32)
            .filter(|at| theirs[self.session_figures[*at as usize].holder as usize])
            .map(|at| self.session_at(at))
            .collect()
    }

    /// The date of the person's first diagnostic (by position).
    fn first_diagnostic_at(&self, person: u32) -> Option<UnixSeconds> {
        self.diagnostics.of(person).first().map(|d| d.at)
    }

    /// Every session, in the order given (each put together from the facts held).
    pub fn sessions(&self) -> impl ExactSizeIterator<Item = SessionFact> + '_ {
        (0..self.session_figures.len() as u32).map(|at| self.session_at(at))
    }

    pub fn capacities(&self) -> &[OfferCapacity] {
        &self.capacities
    }

    /// The people living in an area, in the order of their keys.
    pub fn people_in<'s>(&'s self, area: &Area) -> impl Iterator<Item = PersonRecord> + 's {
        let positions = self.people_of(area);
        positions.iter().map(|at| self.person_at(*at))
    }

    /// The person's position in [`Dataset::people`].
    fn position(&self, key: u64) -> Option<u32> {
        self.keys.binary_search(&key).ok().map(|at| at as u32)
    }

    /// The record of the person at `position`, put together from the facts held.
    pub(crate) fn person_at(&self, position: u32) -> PersonRecord {
        let at = position as usize;
        let facts = &self.person_facts[at];
        PersonRecord {
            key: self.keys[at],
            enrolled_at: facts.enrolled_at,
            enrolling_structure: facts.enrolling_structure,
            commune: self.commune_codes[self.commune_of[at] as usize].clone(),
            epci: self.epci_codes.get(facts.epci as usize).cloned(),
            departement: self.departement_codes[self.departement_of[at] as usize].clone(),
            audiences: facts.audience_list(),
            age_band: facts.age_band(),
            typology: facts.typology(),
            fragile_commune: facts.fragile_commune(),
        }
    }

    /// The referral at `position`, put together from the facts held.
    pub(crate) fn referral_at(&self, position: u32) -> ReferralRecord {
        let at = position as usize;
        let (facts, link) = (&self.referral_facts[at], &self.referral_links[at]);
        ReferralRecord {
            id: self.referral_ids[at],
            person: self.keys[link.person as usize],
            sender_structure: self.sender_ids[link.sender as usize],
            receiver_structure: self.structure_ids[facts.receiver as usize],
            offer: self.offer_ids[facts.offer as usize],
            support_model: facts.support_model(),
            state: link.state(),
            sent_at: moment(facts.sent_at),
            accepted_at: moment(facts.accepted_at),
            first_contact_at: moment(link.first_contact_at),
            started_at: moment(link.started_at),
            closed_at: moment(facts.closed_at),
            refusals: self
                .refusals_at(position)
                .iter()
                .map(|r| r.refusal())
                .collect(),
            outcome: facts.outcome(),
            gains: facts.gains(),
        }
    }

    /// The structures that sent and received the referral at `position`.
    pub(crate) fn referral_structures(&self, position: u32) -> (i64, i64) {
        let at = position as usize;
        (
            self.sender_ids[self.referral_links[at].sender as usize],
            self.structure_ids[self.referral_facts[at].receiver as usize],
        )
    }

    /// The session at `position`, put together from the facts held.
    pub(crate) fn session_at(&self, position: u32) -> SessionFact {
        let figures = &self.session_figures[position as usize];
        SessionFact {
            referral: self.referral_ids.get(figures.referral as usize).copied(),
            structure: self.session_structure(figures),
            mediator: self.session_holders[figures.holder as usize].1,
            at: figures.at,
            duration_minutes: u32::from(figures.minutes),
            kind: figures.kind(),
            participants: u32::from(figures.participants),
        }
    }

    /// The structure that held a session.
    pub(crate) fn session_structure(&self, session: &SessionFigures) -> i64 {
        self.session_holders[session.holder as usize].0
    }

    pub(crate) fn people_count(&self) -> u32 {
        self.keys.len() as u32
    }

    pub(crate) fn referral_positions_of(&self, person: u32) -> &[u32] {
        self.referrals_by_person.of(person)
    }

    /// The workshops (sessions that belong to no referral) by the structure that held them, each
    /// structure's ascending.
    pub(crate) fn workshops_by_structure(&self) -> &HashMap<i64, Vec<u32>> {
        &self.workshops
    }

    pub(crate) fn session_positions_of(&self, referral: u32) -> &[u32] {
        self.sessions_by_referral.of(referral)
    }

    /// The people of an area, by position ascending (so in the order of their keys).
    pub(crate) fn people_of(&self, area: &Area) -> &[u32] {
        let (index, code) = match area {
            Area::Commune(code) => (&self.by_commune, code),
            Area::Epci(code) => (&self.by_epci, code),
            Area::Departement(code) => (&self.by_departement, code),
        };
        index.get(code).map_or(&[], Vec::as_slice)
    }

    /// The person's step times over all their referrals.
    pub(crate) fn all_step_times(&self, person: u32) -> &StepTimes {
        &self.step_times[person as usize]
    }

    /// The person's step times over the referrals `keep` accepts: each step at the earliest
    /// referral that reached it, and only once the step before it was reached.
    pub(crate) fn step_times_with(&self, person: u32, keep: impl Fn(u32) -> bool) -> StepTimes {
        let mut times = [NONE_YET; 7];
        times[0] = self.person_facts[person as usize].enrolled_at;
        times[1] = self.first_diagnostic_at(person).unwrap_or(NONE_YET);
        let mut earliest = [UnixSeconds::MAX; 5];
        for referral in self.referrals_by_person.of(person) {
            if !keep(*referral) {
                continue;
            }
            let facts = &self.referral_facts[*referral as usize];
            let link = &self.referral_links[*referral as usize];
            let completed = link.started_at != NONE_YET
                && facts
                    .outcome()
                    .is_some_and(|o| COMPLETING_OUTCOMES.contains(&o));
            let steps = [
                facts.sent_at,
                facts.accepted_at,
                link.first_contact_at,
                link.started_at,
                if completed { facts.closed_at } else { NONE_YET },
            ];
            for (slot, at) in earliest.iter_mut().zip(steps) {
                if at != NONE_YET {
                    *slot = (*slot).min(at);
                }
            }
        }
        for (step, at) in earliest.into_iter().enumerate() {
            if at != UnixSeconds::MAX {
                times[step + 2] = at;
            }
        }
        for step in 1..times.len() {
            if times[step - 1] == NONE_YET {
                times[step] = NONE_YET;
            }
        }
        times
    }

    /// Groups the diagnostics by person, each person's oldest first (in the order given at the
    /// same date), as their facts.
    fn index_diagnostics(&mut self, diagnostics: Vec<DiagnosticRecord>) -> Result<(), RecordError> {
        let mut owned = Vec::with_capacity(diagnostics.len());
        for diagnostic in &diagnostics {
            let at = self
                .position(diagnostic.person)
                .ok_or_else(|| unknown("Un diagnostic", diagnostic.person))?;
            if diagnostic.at < self.person_facts[at as usize].enrolled_at {
                return Err(RecordError::DiagnosticBeforeEnrolment(diagnostic.person));
            }
            owned.push((at, DiagnosticFacts::of(diagnostic)));
        }
        drop(diagnostics);
        owned.sort_by_key(|(person, facts)| (*person, facts.at));
        self.diagnostics = Grouped::new(self.keys.len(), owned.into_iter());
        Ok(())
    }

    /// Checks the referrals, sorts them by id and groups them by person; they are returned for
    /// [`Dataset::derive_facts`].
    fn index_referrals(
        &mut self,
        mut referrals: Vec<ReferralRecord>,
    ) -> Result<Vec<ReferralRecord>, RecordError> {
        referrals.sort_by_key(|referral| referral.id);
        if let Some(pair) = referrals.windows(2).find(|pair| pair[0].id == pair[1].id) {
            return Err(RecordError::DuplicateReferral(pair[0].id));
        }
        let mut person_of_referral = Vec::with_capacity(referrals.len());
        for referral in &referrals {
            let person = self.position(referral.person).ok_or_else(|| {
                unknown(&format!("L'orientation {}", referral.id), referral.person)
            })?;
            check_steps(referral)?;
            let first_diagnostic = self.first_diagnostic_at(person);
            if referral
                .sent_at
                .is_some_and(|sent| first_diagnostic.is_none_or(|first| sent < first))
            {
                return Err(RecordError::SentBeforeDiagnostic(referral.id));
            }
            person_of_referral.push(person);
        }
        self.referrals_by_person = Grouped::new(
            self.keys.len(),
            person_of_referral
                .iter()
                .enumerate()
                .map(|(referral, person)| (*person, referral as u32)),
        );
        self.referral_ids = referrals.iter().map(|referral| referral.id).collect();
        self.referral_links = person_of_referral
            .into_iter()
            .map(|person| ReferralLink {
                person,
                ..ReferralLink::default()
            })
            .collect();
        Ok(referrals)
    }

    /// Indexes the sessions by referral (the workshops by structure) and keeps their facts, the
    /// structures with their mediators numbered.
    fn index_sessions(&mut self, sessions: Vec<SessionFact>) -> Result<(), RecordError> {
        let mut owners = Vec::with_capacity(sessions.len());
        let mut holders: HashMap<(i64, i64), u32> = HashMap::new();
        self.session_figures = Vec::with_capacity(sessions.len());
        for (index, session) in sessions.iter().enumerate() {
            let referral = match session.referral {
                Some(referral) => {
                    let at =
                        self.referral_position(referral)
                            .ok_or(RecordError::UnknownReferral {
                                at: session.at,
                                referral,
                            })?;
                    owners.push((at, index as u32));
                    at
                }
                None => {
                    self.workshops
                        .entry(session.structure)
                        .or_default()
                        .push(index as u32);
                    NO_NUMBER
                }
            };
            let holder = number(
                &mut self.session_holders,
                &mut holders,
                (session.structure, session.mediator),
            );
            self.session_figures
                .push(SessionFigures::of(session, referral, holder));
        }
        self.sessions_by_referral = Grouped::new(self.referral_ids.len(), owners.into_iter());
        Ok(())
    }

    /// Numbers offers and structures, and derives the compact facts of the referrals (sorted by
    /// id, as [`Dataset::index_referrals`] returns them), their refusals and the diagnostics.
    fn derive_facts(&mut self, referrals: Vec<ReferralRecord>) {
        let mut offers: HashMap<i64, u32> = HashMap::with_capacity(self.capacities.len());
        let mut structures: HashMap<i64, u32> = HashMap::new();
        let (mut offer_ids, mut structure_ids) = (Vec::new(), Vec::new());
        for capacity in &self.capacities {
            number(&mut offer_ids, &mut offers, capacity.offer);
            let structure = number(&mut structure_ids, &mut structures, capacity.structure);
            self.capacity_structures.push(structure);
            self.capacity_models
                .push(code_of(SupportModel::ALL, capacity.support_model.as_ref()));
        }
        self.referral_facts = Vec::with_capacity(referrals.len());
        self.refusal_starts = Vec::with_capacity(referrals.len() + 1);
        self.refusal_starts.push(0);
        let mut senders: HashMap<i64, u32> = HashMap::new();
        for (referral, link) in referrals.iter().zip(&mut self.referral_links) {
            let sender = number(
                &mut self.sender_ids,
                &mut senders,
                referral.sender_structure,
            );
            *link = ReferralLink::of(referral, link.person, sender);
            let offer = number(&mut offer_ids, &mut offers, referral.offer);
            let receiver = number(
                &mut structure_ids,
                &mut structures,
                referral.receiver_structure,
            );
            self.referral_facts
                .push(ReferralFacts::of(referral, offer, receiver));
            self.refusal_facts.extend(RefusalFact::all_of(referral));
            self.refusal_starts.push(self.refusal_facts.len() as u32);
        }
        self.offer_ids = offer_ids;
        self.structure_ids = structure_ids;
        self.progress = (0..self.people_count())
            .map(|person| Progress::of(self.diagnostics.of(person)))
            .collect();
    }

    pub(crate) fn person_facts(&self) -> &[PersonFacts] {
        &self.person_facts
    }

    pub(crate) fn session_figures(&self) -> &[SessionFigures] {
        &self.session_figures
    }

    pub(crate) fn referral_facts(&self) -> &[ReferralFacts] {
        &self.referral_facts
    }

    pub(crate) fn refusal_facts(&self) -> &[RefusalFact] {
        &self.refusal_facts
    }

    /// The refusals of the referral at `referral`.
    pub(crate) fn refusals_at(&self, referral: u32) -> &[RefusalFact] {
        let referral = referral as usize;
        match (
            self.refusal_starts.get(referral),
            self.refusal_starts.get(referral + 1),
        ) {
            (Some(from), Some(to)) => &self.refusal_facts[*from as usize..*to as usize],
            _ => &[],
        }
    }

    pub(crate) fn progress_at(&self, person: u32) -> Option<&Progress> {
        self.progress[person as usize].as_ref()
    }

    /// How many offers and structures are numbered.
    pub(crate) fn numbered(&self) -> (usize, usize) {
        (self.offer_ids.len(), self.structure_ids.len())
    }

    pub(crate) fn offer_id(&self, number: u32) -> i64 {
        self.offer_ids[number as usize]
    }

    pub(crate) fn structure_id(&self, number: u32) -> i64 {
        self.structure_ids[number as usize]
    }

    /// The capacity at `at` (in `capacities`): its offer's number (= `at`), its structure's number
    /// and its support model's code.
    pub(crate) fn capacity_numbers(&self, at: usize) -> (u32, u32, u8) {
        (
            at as u32,
            self.capacity_structures[at],
            self.capacity_models[at],
        )
    }

    /// Indexes the people (sorted by key) by area, numbers their places and keeps their facts.
    fn index_people(&mut self, people: Vec<PersonRecord>) {
        for (at, person) in people.iter().enumerate() {
            let at = at as u32;
            push_to(&mut self.by_commune, &person.commune, at);
            push_to(&mut self.by_departement, &person.departement, at);
            if let Some(epci) = &person.epci {
                push_to(&mut self.by_epci, epci, at);
            }
        }
        let count = people.len();
        (self.commune_codes, self.commune_of) = numbered(&self.by_commune, count);
        (self.departement_codes, self.departement_of) = numbered(&self.by_departement, count);
        let epci_of;
        (self.epci_codes, epci_of) = numbered(&self.by_epci, count);
        self.person_facts = people
            .iter()
            .zip(epci_of)
            .map(|(person, epci)| {
                PersonFacts::of(
                    person,
                    if person.epci.is_some() {
                        epci
                    } else {
                        NO_NUMBER
                    },
                )
            })
            .collect();
    }

    /// The codes of the communes or départements people live in, numbered.
    pub(crate) fn place_codes(&self, place: Place) -> &[String] {
        match place {
            Place::Commune => &self.commune_codes,
            Place::Departement => &self.departement_codes,
        }
    }

    /// The number of the commune or département of the person at `person` (in
    /// [`Dataset::place_codes`]).
    pub(crate) fn place_of(&self, place: Place, person: u32) -> usize {
        let numbers = match place {
            Place::Commune => &self.commune_of,
            Place::Departement => &self.departement_of,
        };
        numbers[person as usize] as usize
    }
}

impl Dataset {
    /// Every diagnostic, by person, each person's oldest first.
    fn all_diagnostics(&self) -> Vec<DiagnosticRecord> {
        (0..self.people_count())
            .flat_map(|at| {
                let key = self.keys[at as usize];
                self.diagnostics.of(at).iter().map(move |d| d.record(key))
            })
            .collect()
    }
}

/// Numbers the codes of an area index, and gives each person the number of theirs.
fn numbered(index: &HashMap<String, Vec<u32>>, people: usize) -> (Vec<String>, Vec<u32>) {
    let mut codes = Vec::with_capacity(index.len());
    let mut of = vec![0u32; people];
    for (number, (code, members)) in index.iter().enumerate() {
        codes.push(code.clone());
        for at in members {
            of[*at as usize] = number as u32;
        }
    }
    (codes, of)
}

/// The number of `id` among `ids`, numbering it next if new.
fn number<K: Copy + Eq + std::hash::Hash>(
    ids: &mut Vec<K>,
    index: &mut HashMap<K, u32>,
    id: K,
) -> u32 {
    *index.entry(id).or_insert_with(|| {
        ids.push(id);
        ids.len() as u32 - 1
    })
}

fn push_to(index: &mut HashMap<String, Vec<u32>>, code: &str, at: u32) {
    match index.get_mut(code) {
        Some(list) => list.push(at),
        None => {
            index.insert(code.to_owned(), vec![at]);
        }
    }
}

fn unknown(what: &str, person: u64) -> RecordError {
    RecordError::UnknownPerson {
        what: what.to_owned(),
        person,
    }
}

/// The people sorted by key; a key given twice is refused.
fn sorted_people(mut people: Vec<PersonRecord>) -> Result<Vec<PersonRecord>, RecordError> {
    people.sort_by_key(|p| p.key);
    match people.windows(2).find(|pair| pair[0].key == pair[1].key) {
        Some(pair) => Err(RecordError::DuplicatePerson(pair[0].key)),
        None => Ok(people),
    }
}

/// An offer has one capacity at most.
fn check_capacities(capacities: &[OfferCapacity]) -> Result<(), RecordError> {
    let mut seen = std::collections::HashSet::with_capacity(capacities.len());
    match capacities.iter().find(|c| !seen.insert(c.offer)) {
        Some(doubled) => Err(RecordError::DuplicateOffer(doubled.offer)),
        None => Ok(()),
    }
}

/// Each step needs the one before it, at the same date or later; closing needs sending; refusals
/// come after sending; an outcome exactly when closed.
fn check_steps(referral: &ReferralRecord) -> Result<(), RecordError> {
    let chain = [
        ("envoi", referral.sent_at),
        ("acceptation", referral.accepted_at),
        ("premier contact", referral.first_contact_at),
        ("début du parcours", referral.started_at),
    ];
    for pair in chain.windows(2) {
        let [(_, before), (step, after)] = pair else {
            continue;
        };
        if after.is_some_and(|after| before.is_none_or(|before| after < before)) {
            return Err(RecordError::StepOutOfOrder {
                referral: referral.id,
                step,
            });
        }
    }
    let latest = chain.iter().filter_map(|(_, at)| *at).max();
    let out_of_order = |at: UnixSeconds, step| {
        (referral.sent_at.is_none_or(|sent| at < sent)).then_some(RecordError::StepOutOfOrder {
            referral: referral.id,
            step,
        })
    };
    if let Some(closed) = referral.closed_at {
        if latest.is_some_and(|latest| closed < latest) {
            return Err(RecordError::StepOutOfOrder {
                referral: referral.id,
                step: "clôture",
            });
        }
        if let Some(error) = out_of_order(closed, "clôture") {
            return Err(error);
        }
    }
    if let Some(error) = referral
        .refusals
        .iter()
        .find_map(|refusal| out_of_order(refusal.at, "refus"))
    {
        return Err(error);
    }
    if referral.closed_at.is_some() != referral.outcome.is_some() {
        return Err(RecordError::OutcomeWithoutClosing(referral.id));
    }
    Ok(())
}

/// The département of an area, for the comparison (an EPCI's first commune's département).
pub fn departement_of(area: &Area, dataset: &Dataset) -> Option<String> {
    match area {
        Area::Departement(code) => Some(code.clone()),
        Area::Commune(code) => Some(
            code.chars()
                .take(if code.starts_with("97") { 3 } else { 2 })
                .collect(),
        ),
        Area::Epci(_) => dataset.people_of(area).first().map(|at| {
            dataset.place_codes(Place::Departement)[dataset.place_of(Place::Departement, *at)]
                .clone()
        }),
    }
}

impl super::changes::Records {
    /// A copy of the records of `data`, which stays as it is.
    pub(super) fn copied_from(data: &Dataset) -> super::changes::Records {
        super::changes::Records {
            people: data.people().collect(),
            referrals: data.referrals().collect(),
            diagnostics: data.all_diagnostics(),
            sessions: data.sessions().collect(),
            capacities: data.capacities.clone(),
            appointments: data.appointments.clone(),
            structure_areas: data.structure_areas.clone(),
        }
    }

    /// The records of `data`, moved out of it; its indexes and facts are dropped.
    pub(super) fn taken_from(data: Dataset) -> super::changes::Records {
        let (people, sessions) = (data.people().collect(), data.sessions().collect());
        let (diagnostics, referrals) = (data.all_diagnostics(), data.referrals().collect());
        super::changes::Records {
            people,
            referrals,
            diagnostics,
            sessions,
            capacities: data.capacities,
            appointments: data.appointments,
            structure_areas: data.structure_areas,
        }
    }
}
