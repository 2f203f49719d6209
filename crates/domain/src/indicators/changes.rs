//! A dataset brought up to date with what changed since it was built, without reading the
//! unchanged records again: new people, people whose diagnostics changed (all their diagnostics),
//! referrals read again whole (a new step, a refusal, a closing) or now left out, new sessions, and
//! the appointments or capacities when they changed. The records kept are those of the dataset, the
//! changed ones replace them, and the result is checked and indexed as [`Dataset::new`] does: it is
//! the dataset a full load of the same records would give (the store's tests compare the two).

use super::records::{
    AppointmentFact, Dataset, DiagnosticRecord, OfferCapacity, PersonRecord, RecordError,
    ReferralRecord, SessionFact, StructureArea,
};
use std::collections::{HashMap, HashSet};

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
    /// a referral now left out go with it. The records kept are copied: the dataset stays as it is
    /// for whoever still reads it.
    pub fn with_changes(&self, changes: RecordChanges) -> Result<Dataset, RecordError> {
        Records::copied_from(self).changed(changes)
    }

    /// The same as [`Dataset::with_changes`], reusing this dataset's records instead of copying
    /// them (for a dataset nobody else reads: the one read back at start, say).
    pub fn into_changed(self, changes: RecordChanges) -> Result<Dataset, RecordError> {
        Records::taken_from(self).changed(changes)
    }
}

/// The records a dataset is built from, owned.
pub(super) struct Records {
    pub people: Vec<PersonRecord>,
    pub referrals: Vec<ReferralRecord>,
    pub diagnostics: Vec<DiagnosticRecord>,
    pub sessions: Vec<SessionFact>,
    pub capacities: Vec<OfferCapacity>,
    pub appointments: Vec<AppointmentFact>,
    pub structure_areas: HashMap<i64, StructureArea>,
}

impl Records {
    /// The records with `changes` applied, then checked and indexed into a dataset.
    fn changed(mut self, changes: RecordChanges) -> Result<Dataset, RecordError> {
        let changed_people: HashSet<u64> = changes.people.iter().map(|p| p.key).collect();
        self.people
            .retain(|person| !changed_people.contains(&person.key));
        self.people.extend(changes.people);
        let diagnosed: HashSet<u64> = changes.diagnosed.iter().copied().collect();
        self.diagnostics
            .retain(|diagnostic| !diagnosed.contains(&diagnostic.person));
        self.diagnostics.extend(changes.diagnostics);
        let replaced: HashSet<i64> = changes
            .referrals
            .iter()
            .map(|r| r.id)
            .chain(changes.referrals_left_out.iter().copied())
            .collect();
        self.referrals
            .retain(|referral| !replaced.contains(&referral.id));
        self.referrals.extend(changes.referrals);
        self.referrals.sort_unstable_by_key(|r| r.id);
        let gone: HashSet<i64> = changes.referrals_left_out.into_iter().collect();
        self.sessions.retain(|session| {
            session
                .referral
                .is_none_or(|referral| !gone.contains(&referral))
        });
        self.sessions.extend(changes.sessions);
        let mut appointments = changes.appointments.unwrap_or(self.appointments);
        appointments.retain(|appointment| !gone.contains(&appointment.referral));
        let capacities = changes.capacities.unwrap_or(self.capacities);
        Ok(Dataset::new(
            self.people,
            self.referrals,
            self.diagnostics,
            self.sessions,
            capacities,
        )?
        .with_appointments(appointments)?
        .with_structure_areas(self.structure_areas))
    }
}
