//! Which records an indicator looks at: the [`Cut`] (territory, period, structure, audience, age band,
//! typology) and the [`Params`] every computation takes (the moment it is computed at, the target
//! delays). The period is applied by each indicator on its own date (docs/indicateurs.md says which);
//! the other criteria are applied here, once for all indicators.

use super::records::{Dataset, PersonRecord, ReferralRecord, SessionFact};
use crate::diagnostic::Typology;
use crate::directory::Audience;
use crate::orientation::TargetDelays;
use crate::pathway::AgeBand;
use crate::UnixSeconds;
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;

/// A territory of residence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Area {
    /// INSEE code.
    Commune(String),
    /// SIREN.
    Epci(String),
    Departement(String),
}

impl Area {
    /// Whether the person lives in this territory.
    pub fn holds(&self, person: &PersonRecord) -> bool {
        match self {
            Area::Commune(code) => person.commune == *code,
            Area::Epci(code) => person.epci.as_deref() == Some(code.as_str()),
            Area::Departement(code) => person.departement == *code,
        }
    }
}

/// A half-open span of time `[from, to)`; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    from: Option<UnixSeconds>,
    to: Option<UnixSeconds>,
}

/// A period that ends before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("La période doit commencer avant de finir.")]
pub struct InvertedPeriod;

impl Period {
    /// All time.
    pub fn all() -> Period {
        Period::default()
    }

    /// From `from` (included) to `to` (excluded).
    pub fn between(from: UnixSeconds, to: UnixSeconds) -> Result<Period, InvertedPeriod> {
        if to <= from {
            return Err(InvertedPeriod);
        }
        Ok(Period {
            from: Some(from),
            to: Some(to),
        })
    }

    pub fn since(from: UnixSeconds) -> Period {
        Period {
            from: Some(from),
            to: None,
        }
    }

    pub fn until(to: UnixSeconds) -> Period {
        Period {
            from: None,
            to: Some(to),
        }
    }

    pub fn from(&self) -> Option<UnixSeconds> {
        self.from
    }

    pub fn to(&self) -> Option<UnixSeconds> {
        self.to
    }

    pub fn contains(&self, at: UnixSeconds) -> bool {
        self.from.is_none_or(|from| from <= at) && self.to.is_none_or(|to| at < to)
    }
}

/// What to look at. Every criterion left `None` keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cut {
    /// Where the person lives.
    pub area: Option<Area>,
    /// Applied to each indicator's own date.
    pub period: Period,
    /// A structure: the people it enrolled or has a referral with, and the referrals it sent or
    /// received (docs/indicateurs.md, « Découpages »).
    pub structure: Option<i64>,
    pub audience: Option<Audience>,
    pub age_band: Option<AgeBand>,
    pub typology: Option<Typology>,
}

/// What every computation takes besides the records and the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// The moment of computation: referrals still waiting are measured up to it.
    pub now: UnixSeconds,
    pub targets: TargetDelays,
}

/// The records a cut keeps, the period aside.
pub(crate) struct Scope<'a> {
    pub data: &'a Dataset,
    pub cut: &'a Cut,
    /// The referrals and sessions the cut keeps, found once and shared by every table computed from
    /// this scope (a département keeps about one record in a hundred of the nation's).
    kept_referrals: OnceCell<Vec<&'a ReferralRecord>>,
    kept_sessions: OnceCell<Vec<&'a SessionFact>>,
}

impl<'a> Scope<'a> {
    pub fn new(data: &'a Dataset, cut: &'a Cut) -> Scope<'a> {
        Scope {
            data,
            cut,
            kept_referrals: OnceCell::new(),
            kept_sessions: OnceCell::new(),
        }
    }

    pub fn period(&self) -> Period {
        self.cut.period
    }

    /// Whether the person's own attributes fit (territory, audience, age band, typology).
    fn person_fits(&self, person: &PersonRecord) -> bool {
        let cut = self.cut;
        cut.area.as_ref().is_none_or(|area| area.holds(person))
            && cut.audience.is_none_or(|a| person.audiences.contains(&a))
            && cut.age_band.is_none_or(|band| person.age_band == band)
            && cut.typology.is_none_or(|t| person.typology == Some(t))
    }

    fn referral_involves_structure(&self, referral: &ReferralRecord) -> bool {
        self.cut.structure.is_none_or(|structure| {
            referral.sender_structure == structure || referral.receiver_structure == structure
        })
    }

    /// The people kept: their attributes fit, and the structure (if any) enrolled them or holds one
    /// of their referrals.
    pub fn people(&self) -> impl Iterator<Item = &'a PersonRecord> + '_ {
        self.data.people().filter(move |person| {
            self.person_fits(person)
                && self.cut.structure.is_none_or(|structure| {
                    person.enrolling_structure == structure
                        || self
                            .data
                            .referrals_of(person.key)
                            .any(|r| self.referral_involves_structure(r))
                })
        })
    }

    /// A kept person's referrals that the structure (if any) sent or received.
    pub fn referrals_of(&self, person: u64) -> impl Iterator<Item = &'a ReferralRecord> + '_ {
        self.data
            .referrals_of(person)
            .filter(move |r| self.referral_involves_structure(r))
    }

    /// The referrals kept: of a person who fits, sent or received by the structure (if any).
    pub fn referrals(&self) -> impl Iterator<Item = &'a ReferralRecord> + '_ {
        self.kept_referrals
            .get_or_init(|| {
                self.data
                    .referrals()
                    .iter()
                    .filter(|referral| {
                        self.referral_involves_structure(referral)
                            && self
                                .data
                                .person(referral.person)
                                .is_some_and(|p| self.person_fits(p))
                    })
                    .collect()
            })
            .iter()
            .copied()
    }

    /// Whether any criterion is about people (so a session needs a referral to be judged).
    fn about_people(&self) -> bool {
        let cut = self.cut;
        cut.area.is_some()
            || cut.audience.is_some()
            || cut.age_band.is_some()
            || cut.typology.is_some()
    }

    /// The sessions kept: held by the structure (if any); when a criterion is about people, only the
    /// sessions of a referral whose person fits.
    pub fn sessions(&self) -> impl Iterator<Item = &'a SessionFact> + '_ {
        self.kept_sessions
            .get_or_init(|| {
                self.data
                    .sessions()
                    .iter()
                    .filter(|session| {
                        self.cut.structure.is_none_or(|s| session.structure == s)
                            && (!self.about_people()
                                || session
                                    .referral
                                    .and_then(|id| self.data.referral(id))
                                    .and_then(|r| self.data.person(r.person))
                                    .is_some_and(|p| self.person_fits(p)))
                    })
                    .collect()
            })
            .iter()
            .copied()
    }
}
