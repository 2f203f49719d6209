//! What changed between two versions of a session, readable by a person: for each text field that
//! changed, its lines kept, removed and added (a line diff by `similar`); for the lists (audiences,
//! competences, themes), the values as lines; and the materials added or removed.

use super::{MaterialEntry, SessionContent};
use crate::labelled::Coded;
use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

/// A version as it was published: its text and its materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSnapshot {
    pub content: SessionContent,
    pub materials: Vec<MaterialEntry>,
}

/// One line of a field's diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Removed(String),
    Added(String),
}

/// A field that changed, with its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    pub label: &'static str,
    pub lines: Vec<DiffLine>,
}

/// Everything that changed from one version to the next.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionDiff {
    pub fields: Vec<FieldDiff>,
    pub materials_added: Vec<MaterialEntry>,
    pub materials_removed: Vec<MaterialEntry>,
}

impl VersionDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && self.materials_added.is_empty()
            && self.materials_removed.is_empty()
    }
}

fn labels<T: Coded>(values: impl IntoIterator<Item = T>) -> String {
    values
        .into_iter()
        .map(|value| value.label())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The fields of a content as labelled texts, in the form's order.
fn fields(content: &SessionContent) -> Vec<(&'static str, String)> {
    vec![
        ("Titre", content.title.clone()),
        ("Publics", labels(content.audiences.iter().copied())),
        ("Niveau", content.level.label().to_owned()),
        ("Durée", format!("{} minutes", content.duration_minutes)),
        (
            "Compétences travaillées",
            labels(content.competences.iter().copied()),
        ),
        ("Thématiques", labels(content.themes.iter().copied())),
        ("Prérequis", content.prerequisites.clone()),
        ("Objectifs", content.objectives.clone()),
        ("Déroulé pas à pas", content.conductor.clone()),
        ("Licence", content.licence.label().to_owned()),
    ]
}

/// The lines of one field's change.
fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|change| {
            let text = change.value().trim_end_matches('\n').to_owned();
            match change.tag() {
                ChangeTag::Equal => DiffLine::Same(text),
                ChangeTag::Delete => DiffLine::Removed(text),
                ChangeTag::Insert => DiffLine::Added(text),
            }
        })
        .collect()
}

/// What changed from `old` to `new`.
pub fn diff(old: &VersionSnapshot, new: &VersionSnapshot) -> VersionDiff {
    let fields = fields(&old.content)
        .into_iter()
        .zip(fields(&new.content))
        .filter(|((_, before), (_, after))| before != after)
        .map(|((label, before), (_, after))| FieldDiff {
            label,
            lines: line_diff(&before, &after),
        })
        .collect();
    let added = |from: &[MaterialEntry], to: &[MaterialEntry]| -> Vec<MaterialEntry> {
        to.iter()
            .filter(|entry| {
                !from
                    .iter()
                    .any(|other| other.identity() == entry.identity())
            })
            .cloned()
            .collect()
    };
    VersionDiff {
        fields,
        materials_added: added(&old.materials, &new.materials),
        materials_removed: added(&new.materials, &old.materials),
    }
}
