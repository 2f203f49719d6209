//! The statistics of La Coop's `/statistiques` computed from activities, masked at the minimum cell
//! size: a count under it is left out of its list, and with it the next smallest of the list when
//! it is the only one, so that no count can be found again by subtracting the others from the total;
//! a total under it leaves nothing published.

use aiguillage_interop::cra::CoopActivityFields;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One count of a list: its value, label and count.
struct Entry {
    value: String,
    label: String,
    count: u64,
}

/// The entries a publication may show: small counts left out, and the next smallest with a lone one.
fn masked(mut entries: Vec<Entry>, min_cell: u64) -> Vec<Entry> {
    let small = |e: &Entry| e.count > 0 && e.count < min_cell;
    let removed = entries.iter().filter(|e| small(e)).count();
    entries.retain(|e| !small(e));
    if removed == 1 && !entries.is_empty() {
        if let Some(smallest) = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.count > 0)
            .min_by_key(|(_, e)| e.count)
            .map(|(i, _)| i)
        {
            entries.remove(smallest);
        }
    }
    entries
}

fn proportion(count: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        (count as f64 * 100_000.0 / total as f64).round() / 1000.0
    }
}

fn list(entries: Vec<Entry>, total: u64, min_cell: u64) -> Value {
    Value::Array(
        masked(entries, min_cell)
            .into_iter()
            .map(|e| {
                json!({
                    "value": e.value,
                    "label": e.label,
                    "count": e.count,
                    "proportion": proportion(e.count, total),
                })
            })
            .collect(),
    )
}

fn count_by(values: impl Iterator<Item = String>) -> Vec<Entry> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(value, count)| Entry {
            label: value.clone(),
            value,
            count,
        })
        .collect()
}

/// The duration band of an activity, as La Coop groups them.
fn duration_band(minutes: u32) -> &'static str {
    match minutes {
        0..=30 => "0-30",
        31..=60 => "30-60",
        61..=120 => "60-120",
        _ => "120-",
    }
}

/// The `attributes` of the statistics of these activities.
pub fn attributes(activities: &[CoopActivityFields], min_cell: u64) -> Value {
    let total = activities.len() as u64;
    if total < min_cell {
        return Value::Object(Map::new());
    }
    let individual = activities.iter().filter(|a| a.kind == "individuel").count() as u64;
    let collective = total - individual;
    let participants: u64 = activities
        .iter()
        .filter(|a| a.kind != "individuel")
        .map(|a| u64::from(a.accompagnements))
        .sum();
    let accompaniments = individual + participants;
    let types = vec![
        Entry {
            value: "individuel".into(),
            label: "Accompagnement individuel".into(),
            count: individual,
        },
        Entry {
            value: "collectif".into(),
            label: "Atelier collectif".into(),
            count: collective,
        },
    ];
    let by_month = masked(
        count_by(activities.iter().map(|a| {
            let (year, rest) = a.date.split_at(4.min(a.date.len()));
            format!("{}/{year}", rest.get(1..3).unwrap_or_default())
        })),
        min_cell,
    );
    let split_hidden = individual.min(collective) > 0 && individual.min(collective) < min_cell;
    let part = |count: u64, of: u64| {
        (!split_hidden).then(|| json!({ "total": count, "proportion": proportion(count, of) }))
    };
    let mut collectifs = part(collective, total);
    if let Some(Value::Object(object)) = collectifs.as_mut() {
        if participants >= min_cell || participants == 0 {
            object.insert("participants".into(), json!(participants));
        }
    }
    json!({
        "accompagnements_par_mois": by_month.into_iter().map(|e| json!({ "label": e.label, "count": e.count })).collect::<Vec<_>>(),
        "activites": {
            "total": total,
            "type_activites": list(types, total, min_cell),
            "durees": list(count_by(activities.iter().map(|a| duration_band(a.duree).to_owned())), total, min_cell),
            "type_lieu": list(count_by(activities.iter().map(|a| a.type_lieu.clone())), total, min_cell),
            "thematiques": list(count_by(activities.iter().flat_map(|a| a.thematiques.clone())), total, min_cell),
            "materiels": list(count_by(activities.iter().flat_map(|a| a.materiel.clone())), total, min_cell),
        },
        "totaux": {
            "activites": {
                "total": total,
                "individuels": part(individual, total),
                "collectifs": collectifs,
                "demarches": { "total": 0, "proportion": 0.0 },
            },
            "accompagnements": {
                "total": accompaniments,
                "individuels": part(individual, accompaniments),
                "collectifs": (!split_hidden).then(|| json!({ "total": participants, "proportion": proportion(participants, accompaniments) })),
                "demarches": { "total": 0, "proportion": 0.0 },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(value: &str, count: u64) -> Entry {
        Entry {
            value: value.into(),
            label: value.into(),
            count,
        }
    }

    #[test]
    fn a_lone_small_count_takes_the_next_smallest_with_it() {
        let kept = masked(vec![entry("a", 3), entry("b", 20), entry("c", 40)], 11);
        let values: Vec<&str> = kept.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(
            values,
            vec!["c"],
            "b goes with a: 63 - 40 would give a + b only"
        );
        let kept = masked(vec![entry("a", 3), entry("b", 4), entry("c", 40)], 11);
        assert_eq!(kept.len(), 1, "two small counts hide each other");
        let kept = masked(vec![entry("a", 12), entry("b", 0)], 11);
        assert_eq!(kept.len(), 2, "a zero is no secret");
    }

    #[test]
    fn too_few_activities_publish_nothing() {
        assert_eq!(attributes(&[], 11), json!({}));
    }
}
