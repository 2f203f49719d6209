//! The digital fragility index ("indice de fragilité numérique") computed from per-area indicator
//! values, by the two documented methods (see docs/indice-fragilite.md):
//!
//! - **2023**: each indicator becomes a score from 1 to 10 by the area's rank among all areas of the
//!   same level that have a value (10 = most fragile); the index is the weighted mean of the scores
//!   the area has.
//! - **2021–22**: each indicator becomes −3 … +3 points by national decile (deciles 1–3 give −3, −2,
//!   −1; 4–7 give 0; 8–10 give +1, +2, +3); the weighted sum is scaled to −10 … +10.
//!
//! Missing values are never guessed: the area's index uses the indicators it has, and which ones were
//! missing is reported. Rates of larger areas (EPCI, département) come from population-weighted
//! commune rates, then are scored among areas of their level.

use std::collections::BTreeMap;

/// A commune's index at or above which it counts as fragile (the most fragile three tenths of the
/// 2023 index's scale).
pub const FRAGILE_FROM: f64 = 7.0;

/// Which way an indicator points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A higher value means more fragile (poverty rate, share of people over 65…).
    HigherIsMoreFragile,
    /// A lower value means more fragile (broadband coverage, access points…).
    LowerIsMoreFragile,
}

/// One indicator chosen by the coordinator, with its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorChoice {
    pub key: String,
    pub direction: Direction,
    pub weight: f64,
}

/// The two documented methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Ranks2023,
    Deciles2021,
}

/// Indicator values: indicator key → area code → value.
pub type Observations = BTreeMap<String, BTreeMap<String, f64>>;

/// The index of one area, with each chosen indicator's score (in the order chosen).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaIndex {
    pub code: String,
    pub scores: Vec<Option<f64>>,
    pub index: Option<f64>,
    /// The chosen indicators this area has no value for.
    pub missing: Vec<String>,
}

/// The 1–10 class of each area by its rank among the values, most fragile = 10: the share of values
/// strictly less fragile than it, times 10, plus 1 (ties share a class).
fn classes(values: &BTreeMap<String, f64>, direction: Direction) -> BTreeMap<String, u8> {
    let oriented = |v: f64| match direction {
        Direction::HigherIsMoreFragile => v,
        Direction::LowerIsMoreFragile => -v,
    };
    let mut sorted: Vec<f64> = values.values().map(|v| oriented(*v)).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    values
        .iter()
        .map(|(code, value)| {
            let v = oriented(*value);
            let below = sorted.partition_point(|x| x.total_cmp(&v).is_lt());
            let class = 1 + (10 * below / n.max(1)).min(9);
            (code.clone(), class as u8)
        })
        .collect()
}

/// The points of a decile in the 2021–22 method.
pub fn decile_points(decile: u8) -> i8 {
    match decile {
        0..=1 => -3,
        2 => -2,
        3 => -1,
        4..=7 => 0,
        8 => 1,
        9 => 2,
        _ => 3,
    }
}

/// Computes the index of every area in `codes`.
pub fn compute(
    codes: &[String],
    observations: &Observations,
    choices: &[IndicatorChoice],
    method: Method,
) -> Vec<AreaIndex> {
    let empty = BTreeMap::new();
    let per_indicator: Vec<BTreeMap<String, u8>> = choices
        .iter()
        .map(|choice| {
            let values = observations.get(&choice.key).unwrap_or(&empty);
            let in_scope: BTreeMap<String, f64> = codes
                .iter()
                .filter_map(|code| values.get(code).map(|v| (code.clone(), *v)))
                .filter(|(_, v)| v.is_finite())
                .collect();
            classes(&in_scope, choice.direction)
        })
        .collect();
    codes
        .iter()
        .map(|code| area_index(code, choices, &per_indicator, method))
        .collect()
}

fn area_index(
    code: &str,
    choices: &[IndicatorChoice],
    per_indicator: &[BTreeMap<String, u8>],
    method: Method,
) -> AreaIndex {
    let mut scores = Vec::with_capacity(choices.len());
    let mut missing = Vec::new();
    let (mut weighted, mut weights) = (0.0, 0.0);
    for (choice, classes) in choices.iter().zip(per_indicator) {
        match classes.get(code) {
            Some(&class) => {
                let score = match method {
                    Method::Ranks2023 => f64::from(class),
                    Method::Deciles2021 => f64::from(decile_points(class)),
                };
                scores.push(Some(score));
                weighted += choice.weight * score;
                weights += choice.weight;
            }
            None => {
                scores.push(None);
                missing.push(choice.key.clone());
            }
        }
    }
    let index = (weights > 0.0).then(|| match method {
        Method::Ranks2023 => weighted / weights,
        Method::Deciles2021 => weighted / weights * 10.0 / 3.0,
    });
    AreaIndex {
        code: code.to_owned(),
        scores,
        index,
        missing,
    }
}

/// Rates of larger areas from commune rates weighted by population: `group_of` maps a commune to its
/// EPCI or département; communes without a value or a population are left out of that rate.
pub fn aggregate(
    observations: &Observations,
    group_of: &BTreeMap<String, String>,
    population: &BTreeMap<String, f64>,
) -> Observations {
    observations
        .iter()
        .map(|(key, values)| {
            let mut sums: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
            for (code, value) in values {
                let (Some(group), Some(&people)) = (group_of.get(code), population.get(code))
                else {
                    continue;
                };
                let entry = sums.entry(group.as_str()).or_insert((0.0, 0.0));
                entry.0 += people * value;
                entry.1 += people;
            }
            let rates = sums
                .into_iter()
                .filter(|(_, (_, people))| *people > 0.0)
                .map(|(group, (sum, people))| (group.to_owned(), sum / people))
                .collect();
            (key.clone(), rates)
        })
        .collect()
}

/// The level of the areas an index is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Commune,
    Epci,
    Departement,
}

/// The areas of a level and their indicator values: the communes' own values, or for EPCI and
/// départements the population-weighted rates of their communes (see [`aggregate`]).
pub fn areas_of_level(
    level: Level,
    communes: &[crate::territory::Commune],
    observations: &Observations,
) -> (Vec<String>, Observations) {
    use crate::territory::CommuneKind;
    let communes: Vec<&crate::territory::Commune> = communes
        .iter()
        .filter(|c| c.kind == CommuneKind::Commune)
        .collect();
    if level == Level::Commune {
        return (
            communes.iter().map(|c| c.code.clone()).collect(),
            observations.clone(),
        );
    }
    let group_of: BTreeMap<String, String> = communes
        .iter()
        .filter_map(|c| {
            let group = match level {
                Level::Epci => c.epci_code.clone(),
                _ => Some(c.departement_code.clone()),
            };
            group.map(|g| (c.code.clone(), g))
        })
        .collect();
    let population: BTreeMap<String, f64> = communes
        .iter()
        .filter_map(|c| c.population.map(|p| (c.code.clone(), p as f64)))
        .collect();
    let mut codes: Vec<String> = group_of.values().cloned().collect();
    codes.sort();
    codes.dedup();
    (codes, aggregate(observations, &group_of, &population))
}

/// Spearman's rank correlation of two paired samples (average ranks for ties), or `None` under
/// three pairs or with no variation.
pub fn spearman(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let ranks = |values: Vec<f64>| -> Vec<f64> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
        let mut ranks = vec![0.0; values.len()];
        let mut start = 0;
        while start < order.len() {
            let mut end = start;
            while end + 1 < order.len() && values[order[end + 1]] == values[order[start]] {
                end += 1;
            }
            let average = (start + end) as f64 / 2.0 + 1.0;
            for &i in &order[start..=end] {
                ranks[i] = average;
            }
            start = end + 1;
        }
        ranks
    };
    let a = ranks(pairs.iter().map(|p| p.0).collect());
    let b = ranks(pairs.iter().map(|p| p.1).collect());
    let n = a.len() as f64;
    let mean = (n + 1.0) / 2.0;
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(&b) {
        cov += (x - mean) * (y - mean);
        va += (x - mean) * (x - mean);
        vb += (y - mean) * (y - mean);
    }
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("c{i:02}")).collect()
    }

    fn values(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect()
    }

    /// Five communes, two indicators: poverty (higher = fragile) and broadband coverage (lower =
    /// fragile); c05 has no poverty figure.
    fn dataset() -> (Vec<String>, Observations, Vec<IndicatorChoice>) {
        let mut observations = Observations::new();
        observations.insert(
            "pauvrete".into(),
            values(&[("c01", 10.0), ("c02", 20.0), ("c03", 20.0), ("c04", 40.0)]),
        );
        observations.insert(
            "thd".into(),
            values(&[
                ("c01", 100.0),
                ("c02", 90.0),
                ("c03", 50.0),
                ("c04", 70.0),
                ("c05", 10.0),
            ]),
        );
        let choices = vec![
            IndicatorChoice {
                key: "pauvrete".into(),
                direction: Direction::HigherIsMoreFragile,
                weight: 1.0,
            },
            IndicatorChoice {
                key: "thd".into(),
                direction: Direction::LowerIsMoreFragile,
                weight: 1.0,
            },
        ];
        (codes(5), observations, choices)
    }

    #[test]
    fn the_2023_method_scores_ranks_from_1_to_10_and_averages_them() {
        let (codes, observations, choices) = dataset();
        let result = compute(&codes, &observations, &choices, Method::Ranks2023);
        // Poverty over 4 communes: 10 → 1 (0 below); 20, 20 → 1 + 10·1/4 = 3 (ties); 40 → 1 + 10·3/4 = 8.
        // Coverage over 5, most fragile = lowest: 100 → 1; 90 → 3; 70 → 5; 50 → 7; 10 → 9.
        let expected = [
            (Some(1.0), Some(1.0), Some(1.0)),
            (Some(3.0), Some(3.0), Some(3.0)),
            (Some(3.0), Some(7.0), Some(5.0)),
            (Some(8.0), Some(5.0), Some(6.5)),
            (None, Some(9.0), Some(9.0)),
        ];
        for (area, (poverty, coverage, index)) in result.iter().zip(expected) {
            assert_eq!(area.scores, vec![poverty, coverage], "{}", area.code);
            assert_eq!(area.index, index, "{}", area.code);
        }
        assert_eq!(result[4].missing, vec!["pauvrete".to_owned()]);
        assert!(result[0].missing.is_empty());
    }

    #[test]
    fn the_2021_method_gives_points_by_decile_scaled_to_ten() {
        let (codes, observations, choices) = dataset();
        let result = compute(&codes, &observations, &choices, Method::Deciles2021);
        // Classes as above → points: 1 → −3, 3 → −1, 5 → 0, 7 → 0, 8 → +1, 9 → +2.
        assert_eq!(result[0].scores, vec![Some(-3.0), Some(-3.0)]);
        assert_eq!(result[0].index, Some(-10.0));
        assert_eq!(result[2].scores, vec![Some(-1.0), Some(0.0)]);
        assert_eq!(result[2].index, Some(-0.5 * 10.0 / 3.0));
        assert_eq!(result[3].scores, vec![Some(1.0), Some(0.0)]);
        assert_eq!(result[4].index, Some(2.0 * 10.0 / 3.0));
    }

    #[test]
    fn weights_tilt_the_mean_and_an_area_without_values_has_no_index() {
        let (mut codes, observations, mut choices) = dataset();
        choices[0].weight = 3.0;
        codes.push("c06".into());
        let result = compute(&codes, &observations, &choices, Method::Ranks2023);
        // c04: (3·8 + 1·5) / 4.
        assert_eq!(result[3].index, Some(29.0 / 4.0));
        assert_eq!(result[5].index, None);
        assert_eq!(result[5].missing.len(), 2);
    }

    #[test]
    fn ten_distinct_values_take_the_ten_classes() {
        let observations: Observations = [(
            "x".to_owned(),
            (1..=10)
                .map(|i| (format!("c{i:02}"), f64::from(i)))
                .collect(),
        )]
        .into();
        let choices = [IndicatorChoice {
            key: "x".into(),
            direction: Direction::HigherIsMoreFragile,
            weight: 1.0,
        }];
        let result = compute(&codes(10), &observations, &choices, Method::Ranks2023);
        let classes: Vec<f64> = result.iter().filter_map(|a| a.index).collect();
        assert_eq!(classes, (1..=10).map(f64::from).collect::<Vec<_>>());
    }

    #[test]
    fn larger_areas_take_population_weighted_rates() {
        let observations: Observations = [(
            "pauvrete".to_owned(),
            values(&[("a", 10.0), ("b", 40.0), ("c", 25.0)]),
        )]
        .into();
        let group_of = [("a", "E1"), ("b", "E1"), ("c", "E2")]
            .iter()
            .map(|(c, g)| ((*c).to_owned(), (*g).to_owned()))
            .collect();
        let population = values(&[("a", 300.0), ("b", 100.0), ("c", 50.0)]);
        let rates = aggregate(&observations, &group_of, &population);
        // E1: (300·10 + 100·40) / 400 = 17.5.
        assert_eq!(rates["pauvrete"]["E1"], 17.5);
        assert_eq!(rates["pauvrete"]["E2"], 25.0);
    }

    #[test]
    fn spearman_is_one_for_the_same_order_and_minus_one_reversed() {
        let same = [(1.0, 10.0), (2.0, 20.0), (3.0, 35.0), (4.0, 36.0)];
        assert_eq!(spearman(&same), Some(1.0));
        let reversed = [(1.0, 4.0), (2.0, 3.0), (3.0, 2.0), (4.0, 1.0)];
        assert_eq!(spearman(&reversed), Some(-1.0));
        assert_eq!(spearman(&same[..2]), None);
    }
}
