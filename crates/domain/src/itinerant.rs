//! Itinerant planning: where to put K stops of an itinerant offer (a bus, a permanence) so that the
//! most fragile population not yet within reach of a fitting offer comes within reach. A maximum
//! coverage problem: the greedy choice (each stop the one that adds most) reaches at least
//! 1 − 1/e ≈ 63 % of the optimum; `exact` enumerates every choice on small instances and the tests
//! hold the greedy to its guarantee against it.

/// A commune to reach, with its weight (fragile population) and whether an existing offer already
/// reaches it.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub code: String,
    pub weight: f64,
    pub covered: bool,
}

/// A possible stop: the demands (distinct indices) it would bring within reach.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub code: String,
    reaches: Vec<usize>,
}

impl Candidate {
    pub fn new(code: String, mut reaches: Vec<usize>) -> Candidate {
        reaches.sort_unstable();
        reaches.dedup();
        Candidate { code, reaches }
    }

    pub fn reaches(&self) -> &[usize] {
        &self.reaches
    }
}

/// A chosen stop and the weight it adds.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    pub candidate: usize,
    pub gain: f64,
}

/// The fragile population of a commune: its population times its 2023 index over 10 (1–10 score),
/// or the whole population when the index is unknown (never leaving people out for lack of data).
pub fn fragile_weight(population: u64, index: Option<f64>) -> f64 {
    population as f64 * index.map_or(1.0, |i| (i / 10.0).clamp(0.0, 1.0))
}

fn gain(candidate: &Candidate, demands: &[Demand], reached: &[bool]) -> f64 {
    candidate
        .reaches
        .iter()
        .filter(|&&d| !reached[d])
        .map(|&d| demands[d].weight)
        .sum()
}

/// Up to `stops` stops, each the one adding the most weight (ties: the first candidate); stops that
/// add nothing are not proposed.
pub fn greedy(demands: &[Demand], candidates: &[Candidate], stops: usize) -> Vec<Stop> {
    let mut reached: Vec<bool> = demands.iter().map(|d| d.covered).collect();
    let mut chosen = Vec::new();
    for _ in 0..stops {
        let best = candidates
            .iter()
            .enumerate()
            .map(|(i, c)| (i, gain(c, demands, &reached)))
            .fold(None::<(usize, f64)>, |best, (i, g)| match best {
                Some((_, b)) if b >= g => best,
                _ => Some((i, g)),
            });
        let Some((candidate, gain)) = best.filter(|(_, g)| *g > 0.0) else {
            break;
        };
        for &d in &candidates[candidate].reaches {
            reached[d] = true;
        }
        chosen.push(Stop { candidate, gain });
    }
    chosen
}

/// The total weight a set of stops adds.
pub fn value(demands: &[Demand], candidates: &[Candidate], chosen: &[usize]) -> f64 {
    let mut reached: Vec<bool> = demands.iter().map(|d| d.covered).collect();
    let mut total = 0.0;
    for &c in chosen {
        total += gain(&candidates[c], demands, &reached);
        for &d in &candidates[c].reaches {
            reached[d] = true;
        }
    }
    total
}

/// The best set of at most `stops` stops by enumeration (small instances only: every combination).
pub fn exact(demands: &[Demand], candidates: &[Candidate], stops: usize) -> (Vec<usize>, f64) {
    fn walk(
        start: usize,
        left: usize,
        current: &mut Vec<usize>,
        best: &mut (Vec<usize>, f64),
        score: &dyn Fn(&[usize]) -> f64,
        n: usize,
    ) {
        let v = score(current);
        if v > best.1 {
            *best = (current.clone(), v);
        }
        if left == 0 {
            return;
        }
        for next in start..n {
            current.push(next);
            walk(next + 1, left - 1, current, best, score, n);
            current.pop();
        }
    }
    let mut best = (Vec::new(), 0.0);
    let score = |chosen: &[usize]| value(demands, candidates, chosen);
    walk(
        0,
        stops,
        &mut Vec::new(),
        &mut best,
        &score,
        candidates.len(),
    );
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn demand(weight: f64, covered: bool) -> Demand {
        Demand {
            code: String::new(),
            weight,
            covered,
        }
    }

    fn candidate(reaches: &[usize]) -> Candidate {
        Candidate::new(String::new(), reaches.to_vec())
    }

    #[test]
    fn greedy_skips_what_existing_offers_already_reach() {
        let demands = [
            demand(100.0, true),
            demand(40.0, false),
            demand(30.0, false),
            demand(30.0, false),
        ];
        let candidates = [candidate(&[0, 1]), candidate(&[2, 3]), candidate(&[1, 2])];
        let plan = greedy(&demands, &candidates, 2);
        // Candidate 2 adds 40 + 30; then candidate 1 adds the last 30; candidate 0 adds nothing new.
        let expected = vec![
            Stop {
                candidate: 2,
                gain: 70.0,
            },
            Stop {
                candidate: 1,
                gain: 30.0,
            },
        ];
        assert_eq!(plan, expected);
    }

    #[test]
    fn greedy_can_miss_the_optimum_which_exact_finds() {
        // The classic trap: one big middle set, two disjoint halves that together cover more.
        let demands: Vec<Demand> = (0..6).map(|_| demand(1.0, false)).collect();
        let candidates = [
            candidate(&[0, 1, 2, 3]),
            candidate(&[0, 1, 4]),
            candidate(&[2, 3, 5]),
        ];
        let plan = greedy(&demands, &candidates, 2);
        assert_eq!(plan.iter().map(|s| s.gain).sum::<f64>(), 5.0);
        let (best, v) = exact(&demands, &candidates, 2);
        assert_eq!((best, v), (vec![1, 2], 6.0));
    }

    #[test]
    fn fragile_weight_scales_population_by_the_index() {
        assert_eq!(fragile_weight(1000, Some(7.0)), 700.0);
        assert_eq!(fragile_weight(1000, None), 1000.0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn greedy_reaches_its_guarantee_against_the_exact_optimum(
            weights in prop::collection::vec((1_u32..50, any::<bool>()), 1..10),
            sets in prop::collection::vec(prop::collection::vec(0_usize..10, 0..5), 1..8),
            stops in 1_usize..4,
        ) {
            let demands: Vec<Demand> = weights.iter().map(|(w, c)| demand(f64::from(*w), *c)).collect();
            let candidates: Vec<Candidate> = sets
                .iter()
                .map(|s| candidate(&s.iter().map(|d| d % demands.len()).collect::<Vec<_>>()))
                .collect();
            let plan = greedy(&demands, &candidates, stops);
            let got: f64 = plan.iter().map(|s| s.gain).sum();
            let chosen: Vec<usize> = plan.iter().map(|s| s.candidate).collect();
            prop_assert!((value(&demands, &candidates, &chosen) - got).abs() < 1e-9);
            let (_, optimum) = exact(&demands, &candidates, stops);
            prop_assert!(got <= optimum + 1e-9);
            prop_assert!(got >= (1.0 - 1.0 / std::f64::consts::E) * optimum - 1e-9, "greedy {got}, optimum {optimum}");
        }
    }
}
