//! The matching solver against exhaustive references on thousands of small random instances: every
//! integer flow of a tiny network, and every assignment of a few people (including people with no
//! allowed offer, zero capacities, negative costs and infeasible networks); then the solver built for
//! the redistribution's shape against the general one on larger instances, and the recognition of
//! that shape in a network.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::matching::{
    as_assignment, assign, assign_with_general_flow, min_cost_flow, solve_from_people,
    solve_from_places, Arc, Assignment, AssignmentProblem, FlowError, Network, PersonOptions,
};
use proptest::prelude::*;

/// The cheapest feasible flow by trying every integer flow on every arc, or `None` if none exists.
fn brute_force_flow(network: &Network) -> Option<i64> {
    let arcs = &network.arcs;
    let mut flows = vec![0_i64; arcs.len()];
    let mut best = None;
    loop {
        let mut balance = network.supplies.clone();
        for (arc, flow) in arcs.iter().zip(&flows) {
            balance[arc.from] -= flow;
            balance[arc.to] += flow;
        }
        if balance.iter().all(|b| *b == 0) {
            let cost: i64 = arcs.iter().zip(&flows).map(|(a, f)| a.cost * f).sum();
            best = Some(best.map_or(cost, |b: i64| b.min(cost)));
        }
        // Next combination (odometer).
        let mut index = 0;
        loop {
            if index == arcs.len() {
                return best;
            }
            if flows[index] < arcs[index].capacity {
                flows[index] += 1;
                break;
            }
            flows[index] = 0;
            index += 1;
        }
    }
}

fn network_strategy() -> impl Strategy<Value = Network> {
    (2_usize..=5).prop_flat_map(|nodes| {
        let arc =
            (0..nodes, 0..nodes, 0_i64..=2, -4_i64..=9).prop_map(|(from, to, capacity, cost)| {
                Arc {
                    from,
                    to,
                    capacity,
                    cost,
                }
            });
        let arcs = prop::collection::vec(arc, 0..=7);
        let supplies = prop::collection::vec(-2_i64..=2, nodes - 1);
        (arcs, supplies).prop_map(|(arcs, mut supplies)| {
            let total: i64 = supplies.iter().sum();
            supplies.push(-total);
            Network { supplies, arcs }
        })
    })
}

fn problem_strategy() -> impl Strategy<Value = AssignmentProblem> {
    (1_usize..=3, 0_usize..=6).prop_flat_map(|(offers, people)| {
        let capacities = prop::collection::vec(0_u32..=3, offers);
        let person = (
            prop::collection::vec((0..offers, -20_i64..=60), 0..=offers),
            -10_i64..=120,
        )
            .prop_map(|(mut options, unassigned_cost)| {
                options.sort();
                options.dedup_by_key(|(offer, _)| *offer);
                PersonOptions {
                    options,
                    unassigned_cost,
                }
            });
        (capacities, prop::collection::vec(person, people))
            .prop_map(|(capacities, people)| AssignmentProblem { capacities, people })
    })
}

/// The cheapest assignment by trying every choice of every person.
fn brute_force_assignment(problem: &AssignmentProblem) -> i64 {
    fn walk(
        problem: &AssignmentProblem,
        person: usize,
        used: &mut Vec<u32>,
        cost: i64,
        best: &mut i64,
    ) {
        if person == problem.people.len() {
            *best = (*best).min(cost);
            return;
        }
        let options = &problem.people[person];
        walk(
            problem,
            person + 1,
            used,
            cost + options.unassigned_cost,
            best,
        );
        for &(offer, offer_cost) in &options.options {
            if used[offer] < problem.capacities[offer] {
                used[offer] += 1;
                walk(problem, person + 1, used, cost + offer_cost, best);
                used[offer] -= 1;
            }
        }
    }
    let mut best = i64::MAX;
    walk(
        problem,
        0,
        &mut vec![0; problem.capacities.len()],
        0,
        &mut best,
    );
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_flow_solver_finds_the_optimum_or_proves_there_is_none(network in network_strategy()) {
        let expected = brute_force_flow(&network);
        match (min_cost_flow(&network), expected) {
            (Ok(flow), Some(best)) => {
                prop_assert_eq!(flow.cost, best, "network {:?}", network);
                let mut balance = network.supplies.clone();
                for (arc, f) in network.arcs.iter().zip(&flow.flows) {
                    prop_assert!(*f >= 0 && *f <= arc.capacity);
                    balance[arc.from] -= f;
                    balance[arc.to] += f;
                }
                prop_assert!(balance.iter().all(|b| *b == 0));
            }
            (Err(FlowError::Infeasible { .. }), None) => {}
            (got, expected) => prop_assert!(false, "solver {got:?}, reference {expected:?}"),
        }
    }

    #[test]
    fn the_assignment_is_optimal_and_respects_every_capacity(problem in problem_strategy()) {
        let assignment = assign(&problem);
        prop_assert_eq!(assignment.total_cost, brute_force_assignment(&problem));
        let mut used = vec![0_u32; problem.capacities.len()];
        let mut cost = 0;
        for (person, chosen) in problem.people.iter().zip(&assignment.chosen) {
            match chosen {
                Some(offer) => {
                    used[*offer] += 1;
                    let option = person.options.iter().find(|(o, _)| o == offer);
                    prop_assert!(option.is_some(), "an offer the person was not allowed");
                    cost += option.map_or(0, |(_, c)| *c);
                }
                None => cost += person.unassigned_cost,
            }
        }
        prop_assert!(used.iter().zip(&problem.capacities).all(|(u, c)| u <= c));
        prop_assert_eq!(cost, assignment.total_cost);
    }
}

/// Larger instances: up to 60 people and 8 offers with tight capacities, crowded options.
fn larger_problem_strategy() -> impl Strategy<Value = AssignmentProblem> {
    (1_usize..=8, 0_usize..=60).prop_flat_map(|(offers, people)| {
        let capacities = prop::collection::vec(0_u32..=6, offers);
        let person = (
            prop::collection::vec((0..offers, 0_i64..=300), 0..=offers.min(5)),
            50_i64..=400,
        )
            .prop_map(|(options, unassigned_cost)| PersonOptions {
                options,
                unassigned_cost,
            });
        (capacities, prop::collection::vec(person, people))
            .prop_map(|(capacities, people)| AssignmentProblem { capacities, people })
    })
}

/// The cost of an assignment recomputed from its choices; panics on a broken capacity or option.
fn cost_of(problem: &AssignmentProblem, assignment: &Assignment) -> i64 {
    let mut used = vec![0_u32; problem.capacities.len()];
    let mut cost = 0;
    for (person, chosen) in problem.people.iter().zip(&assignment.chosen) {
        match chosen {
            Some(offer) => {
                used[*offer] += 1;
                assert!(
                    used[*offer] <= problem.capacities[*offer],
                    "capacity exceeded"
                );
                let option = person
                    .options
                    .iter()
                    .filter(|(o, _)| o == offer)
                    .map(|(_, c)| *c)
                    .min();
                cost += option.expect("an offer the person was not allowed");
            }
            None => cost += person.unassigned_cost,
        }
    }
    cost
}

/// The problem as a network of the DIMACS benchmark's shape: sink, people, offers.
fn as_network(problem: &AssignmentProblem) -> Network {
    let people = problem.people.len();
    let mut supplies = vec![-(people as i64)];
    supplies.extend(std::iter::repeat_n(1, people));
    supplies.extend(std::iter::repeat_n(0, problem.capacities.len()));
    let mut arcs = Vec::new();
    for (index, person) in problem.people.iter().enumerate() {
        for &(offer, cost) in &person.options {
            arcs.push(Arc {
                from: 1 + index,
                to: 1 + people + offer,
                capacity: 1,
                cost,
            });
        }
        arcs.push(Arc {
            from: 1 + index,
            to: 0,
            capacity: 1,
            cost: person.unassigned_cost,
        });
    }
    for (offer, &capacity) in problem.capacities.iter().enumerate() {
        arcs.push(Arc {
            from: 1 + people + offer,
            to: 0,
            capacity: i64::from(capacity),
            cost: 0,
        });
    }
    Network { supplies, arcs }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn both_directions_of_the_specialised_solver_agree_with_the_general_one(problem in larger_problem_strategy()) {
        let general = assign_with_general_flow(&problem);
        for fast in [solve_from_people(&problem), solve_from_places(&problem)] {
            prop_assert_eq!(fast.total_cost, general.total_cost, "problem {:?}", problem);
            prop_assert_eq!(fast.total_cost, cost_of(&problem, &fast));
        }
    }

    #[test]
    fn the_benchmark_shape_is_recognised_and_solved_to_the_same_cost(problem in larger_problem_strategy()) {
        let network = as_network(&problem);
        let recognised = as_assignment(&network);
        // Without people there is no sink, hence nothing to recognise.
        prop_assert_eq!(recognised.is_some(), !problem.people.is_empty());
        let from_network = recognised.map_or(0, |p| assign(&p).total_cost);
        let flow = min_cost_flow(&network);
        prop_assert!(flow.is_ok());
        prop_assert_eq!(from_network, flow.map_or(i64::MAX, |f| f.cost));
    }
}

#[test]
fn other_shapes_go_to_the_general_solver() {
    // A transshipment chain, and a person without an "unassigned" outlet: not the redistribution's shape.
    let chain = Network {
        supplies: vec![1, 0, -1],
        arcs: vec![
            Arc {
                from: 0,
                to: 1,
                capacity: 1,
                cost: 2,
            },
            Arc {
                from: 1,
                to: 0,
                capacity: 1,
                cost: 2,
            },
            Arc {
                from: 1,
                to: 2,
                capacity: 1,
                cost: 2,
            },
        ],
    };
    assert!(as_assignment(&chain).is_none());
    let no_outlet = Network {
        supplies: vec![-1, 1, 0],
        arcs: vec![
            Arc {
                from: 1,
                to: 2,
                capacity: 1,
                cost: 2,
            },
            Arc {
                from: 2,
                to: 0,
                capacity: 1,
                cost: 0,
            },
        ],
    };
    assert!(as_assignment(&no_outlet).is_none());
}

#[test]
fn a_full_offer_sends_the_person_who_loses_least_elsewhere() {
    // One place at the library; Ana gains 40 there, Bruno only 10: Bruno goes to the centre.
    let problem = AssignmentProblem {
        capacities: vec![1, 1],
        people: vec![
            PersonOptions {
                options: vec![(0, 10), (1, 20)],
                unassigned_cost: 1000,
            },
            PersonOptions {
                options: vec![(0, 10), (1, 50)],
                unassigned_cost: 1000,
            },
        ],
    };
    let assignment = assign(&problem);
    assert_eq!(assignment.chosen, vec![Some(1), Some(0)]);
    assert_eq!(assignment.total_cost, 30);
}

#[test]
fn unbalanced_and_invalid_networks_are_refused() {
    let unbalanced = Network {
        supplies: vec![2, -1],
        arcs: vec![],
    };
    assert_eq!(
        min_cost_flow(&unbalanced),
        Err(FlowError::Unbalanced {
            supply: 2,
            demand: 1
        })
    );
    let invalid = Network {
        supplies: vec![0, 0],
        arcs: vec![Arc {
            from: 0,
            to: 5,
            capacity: 1,
            cost: 0,
        }],
    };
    assert_eq!(
        min_cost_flow(&invalid),
        Err(FlowError::InvalidArc { index: 0 })
    );
}
