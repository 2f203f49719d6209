//! The redistribution problem as the product states it: each person either goes to one of the offers
//! allowed for them (hard filters already applied) at an integer cost, or stays unassigned at a
//! penalty; no offer takes more people than its capacity. Solved exactly as a minimum-cost flow.

use super::flow::{min_cost_flow, Arc, Network};

/// The options of one person: allowed offers with their cost, and the cost of staying unassigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonOptions {
    pub options: Vec<(usize, i64)>,
    pub unassigned_cost: i64,
}

/// The problem: offer capacities and each person's options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssignmentProblem {
    pub capacities: Vec<u32>,
    pub people: Vec<PersonOptions>,
}

/// The optimal assignment: the total cost and, per person, the chosen offer (`None`: unassigned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub total_cost: i64,
    pub chosen: Vec<Option<usize>>,
}

/// Solves the problem exactly with the solver built for its shape (see `transport`). Options naming an
/// offer that does not exist are ignored.
pub fn assign(problem: &AssignmentProblem) -> Assignment {
    super::transport::solve(problem)
}

/// Solves the same problem through the general minimum-cost flow solver: slower, kept as a second,
/// independent exact method the tests compare with.
pub fn assign_with_general_flow(problem: &AssignmentProblem) -> Assignment {
    let people = problem.people.len();
    let offers = problem.capacities.len();
    // Node 0: sink; 1..=people: people; then the offers.
    let offer_node = |offer: usize| 1 + people + offer;
    let mut supplies = vec![0_i64; 1 + people + offers];
    supplies[0] = -(people as i64);
    let mut arcs = Vec::new();
    let mut arc_of = Vec::new();
    for (index, person) in problem.people.iter().enumerate() {
        supplies[1 + index] = 1;
        for &(offer, cost) in person.options.iter().filter(|(o, _)| *o < offers) {
            arc_of.push((index, Some(offer)));
            arcs.push(Arc {
                from: 1 + index,
                to: offer_node(offer),
                capacity: 1,
                cost,
            });
        }
        arc_of.push((index, None));
        arcs.push(Arc {
            from: 1 + index,
            to: 0,
            capacity: 1,
            cost: person.unassigned_cost,
        });
    }
    for (offer, capacity) in problem.capacities.iter().enumerate() {
        arcs.push(Arc {
            from: offer_node(offer),
            to: 0,
            capacity: i64::from(*capacity),
            cost: 0,
        });
    }
    let network = Network { supplies, arcs };
    // Every person has an arc to the sink, so a flow always exists.
    let flow = match min_cost_flow(&network) {
        Ok(flow) => flow,
        Err(_) => {
            return Assignment {
                total_cost: problem.people.iter().map(|p| p.unassigned_cost).sum(),
                chosen: vec![None; people],
            }
        }
    };
    let mut chosen = vec![None; people];
    for (arc, (person, offer)) in arc_of.iter().enumerate() {
        if flow.flows[arc] > 0 {
            chosen[*person] = *offer;
        }
    }
    Assignment {
        total_cost: flow.cost,
        chosen,
    }
}
