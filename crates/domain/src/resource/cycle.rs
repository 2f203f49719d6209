//! A cycle of sessions for a group: its header (title, group, aimed competences), the competences its
//! sessions cover and the ones aimed at and left uncovered (the gaps), its total duration, and the
//! day of each of its workshops.

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

/// The longest cycle, in weeks (a school year).
pub const MAX_CYCLE_WEEKS: u32 = 52;
/// The longest title or group name of a cycle, in characters.
pub const MAX_CYCLE_NAME_CHARS: usize = 120;

/// A field of the cycle's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleField {
    Title,
    Group,
}

impl CycleField {
    /// The form field's name.
    pub fn name(self) -> &'static str {
        match self {
            CycleField::Title => "titre",
            CycleField::Group => "groupe",
        }
    }
}

/// What a mediator says of a cycle: its title, the group it is for, the competences it aims at and
/// whether the structure's other professionals see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleHeader {
    pub title: String,
    pub group: String,
    pub aimed: BTreeSet<Competence>,
    pub shared: bool,
}

impl CycleHeader {
    /// The header trimmed, or every field's error in French. The group is named by what it is
    /// (« Seniors du jeudi »), never by the people in it: a number the platform never keeps is refused.
    pub fn check(mut self) -> Result<CycleHeader, Vec<(CycleField, String)>> {
        let mut errors = Vec::new();
        for (field, text, what) in [
            (CycleField::Title, &mut self.title, "un titre au cycle"),
            (
                CycleField::Group,
                &mut self.group,
                "le groupe (par exemple « Seniors du jeudi »)",
            ),
        ] {
            *text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let length = text.chars().count();
            if text.is_empty() {
                errors.push((field, format!("Donnez {what}.")));
            } else if length > MAX_CYCLE_NAME_CHARS {
                errors.push((
                    field,
                    format!("Au plus {MAX_CYCLE_NAME_CHARS} caractères ({length} saisis)."),
                ));
            } else if crate::free_text::forbidden_number(text).is_some() {
                errors.push((
                    field,
                    "Ce texte semble contenir un numéro personnel : nommez le groupe sans donnée personnelle.".to_owned(),
                ));
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// Why a change to a cycle's sessions is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CycleError {
    #[error("Un cycle compte au plus 30 séances.")]
    TooManySessions,
    #[error("La semaine doit être comprise entre 1 et 52.")]
    WeekOutOfRange,
    #[error("Cette séance n'est pas publiée : seule une séance publiée entre dans un cycle.")]
    NotPublished,
    #[error("Ajoutez au moins une séance avant de créer les ateliers.")]
    Empty,
    #[error("Les ateliers de ce cycle sont déjà créés.")]
    WorkshopsExist,
    #[error("Seule la personne qui a composé le cycle peut le modifier.")]
    NotCreator,
}

/// Checks a week number of a cycle (1 = the first week).
pub fn check_week(week: u32) -> Result<u32, CycleError> {
    if (1..=MAX_CYCLE_WEEKS).contains(&week) {
        Ok(week)
    } else {
        Err(CycleError::WeekOutOfRange)
    }
}

/// The day of each workshop of a cycle whose first workshop is on `first_day`: week `w` falls
/// `7 × (w − first week)` days after it, so weeks left empty (holidays) stay empty.
pub fn workshop_days(first_day: time::Date, weeks: &[u32]) -> Vec<time::Date> {
    let first_week = weeks.iter().copied().min().unwrap_or(1);
    weeks
        .iter()
        .map(|&week| first_day + time::Duration::days(7 * i64::from(week - first_week)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn weeks_become_days_from_the_first_workshop() {
        let days = workshop_days(date!(2027 - 01 - 12), &[1, 2, 2, 4]);
        assert_eq!(
            days,
            vec![
                date!(2027 - 01 - 12),
                date!(2027 - 01 - 19),
                date!(2027 - 01 - 19),
                date!(2027 - 02 - 02)
            ]
        );
        assert_eq!(
            workshop_days(date!(2027 - 01 - 12), &[3])[0],
            date!(2027 - 01 - 12)
        );
    }

    #[test]
    fn a_header_is_trimmed_or_refused_field_by_field() {
        let header = CycleHeader {
            title: "  Premiers pas   numériques ".into(),
            group: "Seniors du jeudi".into(),
            aimed: BTreeSet::new(),
            shared: true,
        };
        assert_eq!(
            header.check().map(|h| h.title),
            Ok("Premiers pas numériques".to_owned())
        );
        let bad = CycleHeader {
            title: " ".into(),
            group: "Groupe 1 85 12 75 123 456 78".into(),
            aimed: BTreeSet::new(),
            shared: false,
        };
        let errors = bad.check().err().unwrap_or_default();
        assert_eq!(
            errors.iter().map(|e| e.0).collect::<Vec<_>>(),
            vec![CycleField::Title, CycleField::Group]
        );
        assert_eq!(check_week(0), Err(CycleError::WeekOutOfRange));
        assert_eq!(check_week(53), Err(CycleError::WeekOutOfRange));
        assert_eq!(check_week(52), Ok(52));
    }
}
