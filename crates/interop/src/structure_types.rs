//! The structure types of data·inclusion's `typologie` vocabulary (the one the places standard's
//! `typologie` field refers to): the store keeps a place's codes (`CCAS, ASSO`), pages show their
//! labels. The vocabulary is embedded from `data/referentiels/typologies-de-structures.json`.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const TYPOLOGIES_JSON: &str =
    include_str!("../../../data/referentiels/typologies-de-structures.json");

#[derive(Deserialize)]
struct Typology {
    value: String,
    label: String,
}

/// The label of each code.
fn labels() -> &'static HashMap<String, String> {
    static LABELS: OnceLock<HashMap<String, String>> = OnceLock::new();
    LABELS.get_or_init(|| {
        serde_json::from_str::<Vec<Typology>>(TYPOLOGIES_JSON)
            .unwrap_or_default()
            .into_iter()
            .map(|typology| (typology.value, typology.label))
            .collect()
    })
}

/// The label of a structure type code (`CCAS` → « Centres communaux d’action sociale (CCAS) »).
pub fn structure_type_label(code: &str) -> Option<&'static str> {
    labels().get(code.trim()).map(String::as_str)
}

/// A stored kind as people read it: each known code (comma-separated) by its label, anything else
/// (a kind typed by hand, « France Services ») as it is.
pub fn describe_structure_kind(kind: &str) -> String {
    kind.split(',')
        .map(|part| {
            structure_type_label(part).map_or_else(|| part.trim().to_owned(), str::to_owned)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_vocabulary_names_the_usual_structures() {
        assert_eq!(labels().len(), 92, "every value of the file is read");
        assert!(structure_type_label("CCAS").is_some_and(|l| l.contains("action sociale")));
        assert!(structure_type_label("TIERS_LIEUX").is_some());
        assert_eq!(structure_type_label("INCONNU"), None);
    }

    #[test]
    fn a_kind_reads_code_by_code_and_keeps_what_is_not_a_code() {
        let kind = describe_structure_kind("CCAS, ASSO");
        assert!(
            kind.contains("action sociale") && kind.contains("Association"),
            "{kind}"
        );
        assert_eq!(
            describe_structure_kind("France Services"),
            "France Services"
        );
    }
}
