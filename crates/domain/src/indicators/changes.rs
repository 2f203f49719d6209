//! A dataset brought up to date with what changed since it was built, without reading the
//! unchanged records again: new people, people whose diagnostics changed (all their diagnostics),
//! referrals read again whole (a new step, a refusal, a closing) or now left out, new sessions, and
//! the appointments or capacities when they changed. The records kept are those of the dataset, the
//! changed ones replace them, and the result is checked and indexed as [`Dataset::new`] does: it is
//! the dataset a full load of the same records would give (the store's tests compare the two).

use super::records::{
    AppointmentFact, Dataset, DiagnosticRecord, OfferCapacity, PersonRecord, RecordError,
    ReferralRecord, SessionFact,
};
use std::collections::HashSet;

/// What changed in the records since a dataset was built.
#[derive(Debug, Clone, Default)]
pub struct RecordChanges {
    /// People enrolled since, and people whose record changed (their typology after a new
    /// diagnostic or an override), whole.
    pub people: Vec<PersonRecord>,
    /// The people (keys) whose diagnostics were read again, and all their diagnostics now.
    pub diagnosed: Vec<u64>,
    pub diagnostics: Vec<DiagnosticRecord>,
    /// Referrals read again or new, whole, in the order of their ids.
    pub referrals: Vec<ReferralRecord>,
    /// Referrals read again and now left out (their steps no longer hold together).
    pub referrals_left_out: Vec<i64>,
    /// Sessions recorded since, in the order of their ids.
    pub sessions: Vec<SessionFact>,
    /// Every appointment, when any changed.
    pub appointments: Option<Vec<AppointmentFact>>,
    /// Every capacity, when offers changed.
    pub capacities: Option<Vec<OfferCapacity>>,
}

impl RecordChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
            && self.diagnosed.is_empty()
            && self.referrals.is_empty()
            && self.referrals_left_out.is_empty()
            && self.sessions.is_empty()
            && self.appointments.is_none()
            && self.capacities.is_none()
    }
}

impl Dataset {
    /// This dataset with `changes` applied, checked and indexed anew. Sessions and appointments of
    /// a referral now left out go with it.
    pub fn with_changes(&self, changes: RecordChanges) -> Result<Dataset, RecordError> {
        let changed_people: HashSet<u64> = changes.people.iter().map(|p| p.key).collect();
        let diagnosed: HashSet<u64> = changes.diagnosed.iter().copied().collect();
        let people: Vec<PersonRecord> = self
            .people()
            .filter(|person| !changed_people.contains(&person.key))
            .cloned()
            .chain(changes.people)
            .collect();
        let diagnostics: Vec<DiagnosticRecord> = self
            .diagnostics_by_person()
            .iter()
            .flatten()
            .filter(|diagnostic| !diagnosed.contains(&diagnostic.person))
            .cloned()
            .chain(changes.diagnostics)
            .collect();
        let replaced: HashSet<i64> = changes
            .referrals
            .iter()
            .map(|r| r.id)
            .chain(changes.referrals_left_out.iter().copied())
            .collect();
        let mut referrals: Vec<ReferralRecord> = self
            .referrals()
            .iter()
            .filter(|referral| !replaced.contains(&referral.id))
            .cloned()
            .chain(changes.referrals)
            .collect();
        referrals.sort_unstable_by_key(|r| r.id);
        let gone: HashSet<i64> = changes.referrals_left_out.into_iter().collect();
        let kept = |referral: &Option<i64>| referral.is_none_or(|id| !gone.contains(&id));
        let sessions: Vec<SessionFact> = self
            .sessions()
            .iter()
            .filter(|session| kept(&session.referral))
            .cloned()
            .chain(changes.sessions)
            .collect();
        let appointments: Vec<AppointmentFact> = changes
            .appointments
            .unwrap_or_else(|| self.appointments().to_vec())
            .into_iter()
            .filter(|appointment| !gone.contains(&appointment.referral))
            .collect();
        let capacities = changes
            .capacities
            .unwrap_or_else(|| self.capacities().to_vec());
        Ok(
            Dataset::new(people, referrals, diagnostics, sessions, capacities)?
                .with_appointments(appointments)?
                .with_structure_areas(self.structure_areas().clone()),
        )
    }
}
