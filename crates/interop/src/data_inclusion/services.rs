//! The services file: each service indexed by its `structure_id`, linked to its structure (and by
//! `source` when both carry one), and a warning for every service whose structure is absent.

use std::collections::HashMap;

use crate::places_standard::RowWarning;
use serde_json::{Map, Value};

use super::json_array;

/// The services file, indexed by `structure_id`, remembering which services found their structure.
#[derive(Default)]
pub(super) struct ServiceIndex {
    /// Each service with its 1-based position in the file.
    services: Vec<(u64, Map<String, Value>)>,
    by_structure: HashMap<String, Vec<usize>>,
    linked: Vec<bool>,
    warnings: Vec<RowWarning>,
}

impl ServiceIndex {
    pub(super) fn read(bytes: &[u8]) -> Result<ServiceIndex, String> {
        let mut index = ServiceIndex::default();
        for (number, item) in (1u64..).zip(json_array(bytes, "services")?) {
            let structure_id = item
                .get("structure_id")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_string);
            match (structure_id, item) {
                (Some(structure_id), Value::Object(service)) => {
                    index.add(number, structure_id, service)
                }
                _ => index.warn(format!(
                    "service n° {number} du fichier des services : objet JSON avec un « structure_id » \
                     attendu ; ignoré"
                )),
            }
        }
        Ok(index)
    }

    fn add(&mut self, number: u64, structure_id: String, service: Map<String, Value>) {
        let position = self.services.len();
        self.by_structure
            .entry(structure_id)
            .or_default()
            .push(position);
        self.services.push((number, service));
        self.linked.push(false);
    }

    fn warn(&mut self, message: String) {
        self.warnings.push(RowWarning {
            line: 0,
            field: "structure_id".to_string(),
            message,
        });
    }

    /// The services of a structure: same `structure_id`, and same `source` when both have one.
    pub(super) fn linked_to(&mut self, structure: &Map<String, Value>) -> Vec<&Map<String, Value>> {
        let Some(id) = structure.get("id").and_then(Value::as_str) else {
            return Vec::new();
        };
        let source = source_of(structure);
        let positions: Vec<usize> = self
            .by_structure
            .get(id.trim())
            .into_iter()
            .flatten()
            .copied()
            .filter(|position| {
                let service_source = source_of(&self.services[*position].1);
                source.is_none() || service_source.is_none() || source == service_source
            })
            .collect();
        for position in &positions {
            self.linked[*position] = true;
        }
        positions
            .into_iter()
            .map(|position| &self.services[position].1)
            .collect()
    }

    /// The warnings of the file, then one per service whose structure is absent.
    pub(super) fn orphans(mut self) -> Vec<RowWarning> {
        let orphans: Vec<String> = self
            .services
            .iter()
            .zip(&self.linked)
            .filter(|(_, linked)| !**linked)
            .map(|((number, service), _)| orphan_message(*number, service))
            .collect();
        for message in orphans {
            self.warn(message);
        }
        self.warnings
    }
}

fn source_of(object: &Map<String, Value>) -> Option<&str> {
    object
        .get("source")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|source| !source.is_empty())
}

fn orphan_message(number: u64, service: &Map<String, Value>) -> String {
    let id = service.get("id").and_then(Value::as_str).unwrap_or("?");
    let structure_id = service
        .get("structure_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim();
    let of_source = source_of(service)
        .map(|source| format!(" de la source « {source} »"))
        .unwrap_or_default();
    format!(
        "service « {id} » (n° {number} du fichier des services) : structure « {structure_id} »{of_source} \
         absente du fichier des structures ; service ignoré"
    )
}
