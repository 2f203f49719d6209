//! Which records an indicator looks at: the [`Cut`] (territory, period, structure, audience, age band,
//! typology) and the [`Params`] every computation takes (the moment it is computed at, the target
//! delays). The period is applied by each indicator on its own date (docs/indicateurs.md says which);
//! the other criteria are applied here, once for all indicators.

use super::facts::{PersonFacts, SessionFigures};
use super::funnel::Cohort;
use super::records::{AppointmentFact, Dataset, OfferCapacity, StructureArea, NONE_YET};
use crate::diagnostic::Typology;
use crate::directory::Audience;
use crate::orientation::TargetDelays;
use crate::pathway::AgeBand;
use crate::UnixSeconds;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

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
    /// Whether a structure at this place is in this territory.
    pub fn holds_structure(&self, place: &StructureArea) -> bool {
        match self {
            Area::Commune(code) => place.commune == *code,
            Area::Epci(code) => place.epci.as_deref() == Some(code.as_str()),
            Area::Departement(code) => place.departement == *code,
        }
    }

    /// Whether the offer's structure is in this territory.
    pub fn holds_offer(&self, offer: &OfferCapacity) -> bool {
        match self {
            Area::Commune(code) => offer.commune == *code,
            Area::Epci(code) => offer.epci.as_deref() == Some(code.as_str()),
            Area::Departement(code) => offer.departement == *code,
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

/// The records a cut keeps, the period aside. What it keeps is found once, through the dataset's
/// indexes (an area's people, a person's referrals, a referral's sessions), and shared by every
/// table computed from this scope; with no criterion at all, nothing is copied.
pub(crate) struct Scope<'a> {
    pub data: &'a Dataset,
    pub cut: &'a Cut,
    kept_people: OnceLock<Vec<u32>>,
    kept_referrals: OnceLock<Vec<u32>>,
    kept_sessions: OnceLock<Vec<u32>>,
    /// Kept referrals closed in the period; kept referrals active now.
    closed: OnceLock<Vec<u32>>,
    active: OnceLock<Vec<u32>>,
    /// The funnel's cohort, summed once for the funnel and the delays.
    pub cohort: OnceLock<Cohort>,
}

/// Positions of records: all of them, or a list.
pub(crate) enum Positions<'s> {
    All(std::ops::Range<u32>),
    Listed(std::iter::Copied<std::slice::Iter<'s, u32>>),
}

impl Iterator for Positions<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        match self {
            Positions::All(range) => range.next(),
            Positions::Listed(list) => list.next(),
        }
    }
}

impl<'a> Scope<'a> {
    pub fn new(data: &'a Dataset, cut: &'a Cut) -> Scope<'a> {
        Scope {
            data,
            cut,
            kept_people: OnceLock::new(),
            kept_referrals: OnceLock::new(),
            kept_sessions: OnceLock::new(),
            closed: OnceLock::new(),
            active: OnceLock::new(),
            cohort: OnceLock::new(),
        }
    }

    /// Whether the cut keeps every record (no criterion but the period).
    pub fn keeps_all(&self) -> bool {
        !self.about_people() && self.cut.structure.is_none()
    }

    pub fn period(&self) -> Period {
        self.cut.period
    }

    /// Whether the person's own attributes fit (audience, age band, typology; the territory is the
    /// area index's).
    fn person_fits(&self, person: &PersonFacts) -> bool {
        let cut = self.cut;
        cut.audience.is_none_or(|a| {
            Audience::ALL
                .iter()
                .position(|known| *known == a)
                .is_some_and(|index| person.in_audience(index))
        }) && cut.age_band.is_none_or(|band| person.age_band() == band)
            && cut.typology.is_none_or(|t| person.typology() == Some(t))
    }

    /// Whether the structure (if any) sent or received the referral at `referral`.
    pub fn referral_involves_structure(&self, referral: u32) -> bool {
        self.cut.structure.is_none_or(|structure| {
            let (sender, receiver) = self.data.referral_structures(referral);
            sender == structure || receiver == structure
        })
    }

    /// Positions of the people whose attributes fit, the structure aside (an area's people only).
    fn fitting_people(&self) -> Box<dyn Iterator<Item = u32> + '_> {
        let candidates: Box<dyn Iterator<Item = u32> + '_> = match &self.cut.area {
            Some(area) => Box::new(self.data.people_of(area).iter().copied()),
            None => Box::new(0..self.data.people_count()),
        };
        let cut = self.cut;
        if cut.audience.is_some() || cut.age_band.is_some() || cut.typology.is_some() {
            let facts = self.data.person_facts();
            Box::new(candidates.filter(move |at| self.person_fits(&facts[*at as usize])))
        } else {
            candidates
        }
    }

    /// Positions of the people kept: their attributes fit, and the structure (if any) enrolled them
    /// or holds one of their referrals; in the order of their keys.
    pub fn person_positions(&self) -> Positions<'_> {
        if self.keeps_all() {
            return Positions::All(0..self.data.people_count());
        }
        let kept = self.kept_people.get_or_init(|| {
            self.fitting_people()
                .filter(|at| {
                    self.cut.structure.is_none_or(|structure| {
                        self.data.person_facts()[*at as usize].enrolling_structure == structure
                            || self.referrals_at(*at).next().is_some()
                    })
                })
                .collect()
        });
        Positions::Listed(kept.iter().copied())
    }

    /// Positions of the people kept who enrolled in the period.
    pub fn enrolled_positions(&self) -> impl Iterator<Item = u32> + '_ {
        let (facts, period) = (self.data.person_facts(), self.period());
        self.person_positions()
            .filter(move |at| period.contains(facts[*at as usize].enrolled_at))
    }

    /// The positions of the referrals of the person at `person` that the structure (if any) sent
    /// or received.
    pub fn referrals_at(&self, person: u32) -> impl Iterator<Item = u32> + '_ {
        self.data
            .referral_positions_of(person)
            .iter()
            .copied()
            .filter(|r| self.referral_involves_structure(*r))
    }

    /// Positions of the referrals kept: of a person who fits, sent or received by the structure (if
    /// any).
    pub fn referral_positions(&self) -> Positions<'_> {
        if self.keeps_all() {
            return Positions::All(0..self.data.referral_count());
        }
        let kept = self.kept_referrals.get_or_init(|| {
            let positions: Vec<u32> = if self.about_people() {
                self.fitting_people()
                    .flat_map(|at| self.data.referral_positions_of(at).iter().copied())
                    .collect()
            } else {
                (0..self.data.referral_count()).collect()
            };
            positions
                .into_iter()
                .filter(|r| self.referral_involves_structure(*r))
                .collect()
        });
        Positions::Listed(kept.iter().copied())
    }

    /// Positions of the kept referrals closed in the period.
    pub fn closed_positions(&self) -> &[u32] {
        self.closed.get_or_init(|| {
            let facts = self.data.referral_facts();
            let period = self.period();
            self.referral_positions()
                .filter(|r| {
                    let closed = facts[*r as usize].closed_at;
                    closed != NONE_YET && period.contains(closed)
                })
                .collect()
        })
    }

    /// Positions of the kept referrals that hold one of their offer's places now.
    pub fn active_positions(&self) -> &[u32] {
        self.active.get_or_init(|| {
            let facts = self.data.referral_facts();
            self.referral_positions()
                .filter(|r| facts[*r as usize].active)
                .collect()
        })
    }

    /// The appointments kept: those of a kept referral.
    pub fn appointments(&self) -> Box<dyn Iterator<Item = &'a AppointmentFact> + '_> {
        let data = self.data;
        if self.keeps_all() {
            return Box::new(data.appointments().iter());
        }
        let mut kept = vec![false; data.referral_count() as usize];
        for r in self.referral_positions() {
            kept[r as usize] = true;
        }
        Box::new(
            data.appointments()
                .iter()
                .zip(data.appointment_referral_positions())
                .filter(move |(_, r)| kept[**r as usize])
                .map(|(a, _)| a),
        )
    }

    /// Whether any criterion is about people (so a session needs a referral to be judged).
    fn about_people(&self) -> bool {
        let cut = self.cut;
        cut.area.is_some()
            || cut.audience.is_some()
            || cut.age_band.is_some()
            || cut.typology.is_some()
    }

    /// The figures of the sessions kept: held by the structure (if any); when a criterion is about
    /// people, only the sessions of a referral whose person fits.
    pub fn session_figures(&self) -> Box<dyn Iterator<Item = &'a SessionFigures> + '_> {
        let figures = self.data.session_figures();
        if self.keeps_all() {
            return Box::new(figures.iter());
        }
        if self.about_people() {
            let kept = self.kept_session_positions();
            return Box::new(kept.iter().map(move |s| &figures[*s as usize]));
        }
        let (structure, data) = (self.cut.structure, self.data);
        Box::new(
            figures
                .iter()
                .filter(move |f| structure.is_none_or(|id| data.session_structure(f) == id)),
        )
    }

    /// Positions of the sessions kept when a criterion is about people: the sessions of a referral
    /// whose person fits, held by the structure (if any); and, when the area is the only criterion
    /// about people, the workshops held by a structure of the area (their participants are not all
    /// registered people: a workshop belongs to its structure's territory, and cannot be judged by
    /// audience, age band or typology).
    fn kept_session_positions(&self) -> &[u32] {
        let figures = self.data.session_figures();
        let held = |session: u32| {
            self.cut
                .structure
                .is_none_or(|id| self.data.session_structure(&figures[session as usize]) == id)
        };
        self.kept_sessions.get_or_init(|| {
            let of_people = self
                .fitting_people()
                .flat_map(|at| self.data.referral_positions_of(at).iter().copied())
                .flat_map(|r| self.data.session_positions_of(r).iter().copied())
                .filter(|s| held(*s));
            let workshops = self.area_workshops().filter(|s| held(*s));
            of_people.chain(workshops).collect()
        })
    }

    /// The workshops held in the cut's area, when the area is its only criterion about people.
    fn area_workshops(&self) -> Box<dyn Iterator<Item = u32> + '_> {
        let cut = self.cut;
        let judged_by_person =
            cut.audience.is_some() || cut.age_band.is_some() || cut.typology.is_some();
        let Some(area) = cut.area.as_ref().filter(|_| !judged_by_person) else {
            return Box::new(std::iter::empty());
        };
        let data = self.data;
        // Each structure's place is judged once, not each of its workshops.
        let mut held: Vec<u32> = data
            .workshops_by_structure()
            .iter()
            .filter(|(structure, _)| {
                data.structure_area(**structure)
                    .is_some_and(|place| area.holds_structure(place))
            })
            .flat_map(|(_, positions)| positions.iter().copied())
            .collect();
        held.sort_unstable();
        Box::new(held.into_iter())
    }
}
