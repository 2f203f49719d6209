//! The pseudonymised records indicators are computed from — no name, no contact, no free text: a
//! person is a key — and the checked [`Dataset`] that holds them. A dataset is built once by
//! [`Dataset::new`], which refuses inconsistent records (a step before the one it follows, a
//! referral to an unknown person…), so every indicator can trust the order of the dates it reads.

use crate::diagnostic::{AutonomyLevel, SkillDomain, Typology};
use crate::directory::{Audience, SupportModel};
use crate::orientation::{ClosingOutcome, ReferralState, RefusalReason};
use crate::pathway::{AgeBand, Gains, SessionKind};
use crate::UnixSeconds;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// The places an offer has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferCapacity {
    pub offer: i64,
    pub structure: i64,
    pub support_model: Option<SupportModel>,
    pub capacity: u32,
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
    #[error("L'orientation {referral} : « {step} » manque ou précède l'étape qu'il suit.")]
    StepOutOfOrder { referral: i64, step: &'static str },
    #[error("L'orientation {0} est envoyée avant tout diagnostic de la personne.")]
    SentBeforeDiagnostic(i64),
    #[error("Un diagnostic de la personne {0} précède son inscription.")]
    DiagnosticBeforeEnrolment(u64),
    #[error("L'orientation {0} doit avoir une issue si et seulement si elle est close.")]
    OutcomeWithoutClosing(i64),
}

/// Checked records, indexed for the indicators.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    people: BTreeMap<u64, PersonRecord>,
    referrals: Vec<ReferralRecord>,
    /// Each person's diagnostics, oldest first.
    diagnostics: BTreeMap<u64, Vec<DiagnosticRecord>>,
    sessions: Vec<SessionFact>,
    capacities: Vec<OfferCapacity>,
    /// Referral indexes by person.
    by_person: BTreeMap<u64, Vec<usize>>,
    /// Referral index by id.
    by_id: BTreeMap<i64, usize>,
}

impl Dataset {
    /// Checks and indexes the records.
    pub fn new(
        people: Vec<PersonRecord>,
        referrals: Vec<ReferralRecord>,
        diagnostics: Vec<DiagnosticRecord>,
        sessions: Vec<SessionFact>,
        capacities: Vec<OfferCapacity>,
    ) -> Result<Dataset, RecordError> {
        let mut data = Dataset {
            people: index_people(people)?,
            ..Dataset::default()
        };
        data.index_diagnostics(diagnostics)?;
        data.index_referrals(referrals)?;
        for session in &sessions {
            if let Some(referral) = session.referral {
                if !data.by_id.contains_key(&referral) {
                    return Err(RecordError::UnknownReferral {
                        at: session.at,
                        referral,
                    });
                }
            }
        }
        data.sessions = sessions;
        check_capacities(&capacities)?;
        data.capacities = capacities;
        Ok(data)
    }

    pub fn people(&self) -> impl Iterator<Item = &PersonRecord> {
        self.people.values()
    }

    pub fn person(&self, key: u64) -> Option<&PersonRecord> {
        self.people.get(&key)
    }

    pub fn referrals(&self) -> &[ReferralRecord] {
        &self.referrals
    }

    pub fn referral(&self, id: i64) -> Option<&ReferralRecord> {
        self.by_id.get(&id).and_then(|i| self.referrals.get(*i))
    }

    /// The person's referrals, in the order given.
    pub fn referrals_of(&self, person: u64) -> impl Iterator<Item = &ReferralRecord> {
        self.by_person
            .get(&person)
            .into_iter()
            .flatten()
            .filter_map(|i| self.referrals.get(*i))
    }

    /// The person's diagnostics, oldest first.
    pub fn diagnostics_of(&self, person: u64) -> &[DiagnosticRecord] {
        self.diagnostics.get(&person).map_or(&[], Vec::as_slice)
    }

    pub fn sessions(&self) -> &[SessionFact] {
        &self.sessions
    }

    pub fn capacities(&self) -> &[OfferCapacity] {
        &self.capacities
    }

    fn index_diagnostics(&mut self, diagnostics: Vec<DiagnosticRecord>) -> Result<(), RecordError> {
        for diagnostic in diagnostics {
            let person = self.known_person(diagnostic.person, "Un diagnostic")?;
            if diagnostic.at < person.enrolled_at {
                return Err(RecordError::DiagnosticBeforeEnrolment(diagnostic.person));
            }
            self.diagnostics
                .entry(diagnostic.person)
                .or_default()
                .push(diagnostic);
        }
        for list in self.diagnostics.values_mut() {
            list.sort_by_key(|d| d.at);
        }
        Ok(())
    }

    fn index_referrals(&mut self, referrals: Vec<ReferralRecord>) -> Result<(), RecordError> {
        for (index, referral) in referrals.iter().enumerate() {
            self.known_person(referral.person, &format!("L'orientation {}", referral.id))?;
            check_steps(referral)?;
            let first_diagnostic = self.diagnostics_of(referral.person).first().map(|d| d.at);
            if referral
                .sent_at
                .is_some_and(|sent| first_diagnostic.is_none_or(|first| sent < first))
            {
                return Err(RecordError::SentBeforeDiagnostic(referral.id));
            }
            if self.by_id.insert(referral.id, index).is_some() {
                return Err(RecordError::DuplicateReferral(referral.id));
            }
            self.by_person
                .entry(referral.person)
                .or_default()
                .push(index);
        }
        self.referrals = referrals;
        Ok(())
    }

    fn known_person(&self, key: u64, what: &str) -> Result<&PersonRecord, RecordError> {
        self.people
            .get(&key)
            .ok_or_else(|| RecordError::UnknownPerson {
                what: what.to_owned(),
                person: key,
            })
    }
}

fn index_people(people: Vec<PersonRecord>) -> Result<BTreeMap<u64, PersonRecord>, RecordError> {
    let mut index = BTreeMap::new();
    for person in people {
        let key = person.key;
        if index.insert(key, person).is_some() {
            return Err(RecordError::DuplicatePerson(key));
        }
    }
    Ok(index)
}

fn check_capacities(capacities: &[OfferCapacity]) -> Result<(), RecordError> {
    let mut seen = BTreeMap::new();
    for capacity in capacities {
        if seen.insert(capacity.offer, ()).is_some() {
            return Err(RecordError::DuplicateOffer(capacity.offer));
        }
    }
    Ok(())
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
