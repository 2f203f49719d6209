//! A cycle of sessions for a group: the competences its sessions cover, the ones aimed at and left
//! uncovered (the gaps), and its total duration.

use super::Competence;
use std::collections::BTreeSet;

/// The longest cycle, in sessions.
pub const MAX_CYCLE_SESSIONS: usize = 30;

/// What a cycle covers, from its sessions' competences and the competences it aims at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub covered: BTreeSet<Competence>,
    /// Aimed at and covered by no session.
    pub gaps: BTreeSet<Competence>,
    pub total_minutes: u32,
}

/// The coverage of a cycle whose sessions work on `sessions` (one set of competences and a duration
/// per session) and which aims at `aimed`.
pub fn coverage<'a>(
    sessions: impl IntoIterator<Item = (&'a BTreeSet<Competence>, u32)>,
    aimed: &BTreeSet<Competence>,
) -> Coverage {
    let mut covered = BTreeSet::new();
    let mut total_minutes = 0;
    for (competences, minutes) in sessions {
        covered.extend(competences.iter().copied());
        total_minutes += minutes;
    }
    let gaps = aimed.difference(&covered).copied().collect();
    Coverage {
        covered,
        gaps,
        total_minutes,
    }
}
