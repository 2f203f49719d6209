//! The search from places, for when places are fewer than people (the usual case in a crowded
//! queue). Everyone starts unassigned and every offer owes its capacity in places; each place in
//! turn is filled along a shortest path from the pool of unassigned people to it, searched backwards
//! from the offer: someone unassigned is recruited, or someone already placed moves one offer along
//! and frees their place for the next, or a place is left empty. Unassigned people stay plentiful,
//! so the searches stay short. In flow terms: the penalty arcs and the offers' arcs to the sink start
//! saturated, the sink then holds the excess and each offer a deficit equal to its capacity.

use super::{Condensed, Options, Search, FROM_SOURCE, NOT_PLACED, UNASSIGNED};
use crate::matching::assign::{Assignment, AssignmentProblem};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The per-offer pools of unassigned people who could take one of its places, keyed by the arc's
/// weight `cost − penalty`; people never go back to unassigned here, so entries are dropped lazily
/// once their person is placed.
type Recruits = Vec<BinaryHeap<Reverse<(i64, u32)>>>;

/// Fills every place in rounds over the offers; the assignment is optimal after the last.
pub fn solve(problem: &AssignmentProblem) -> Assignment {
    let options = Options::of(problem);
    let offers = problem.capacities.len();
    let mut graph = Condensed::new(problem, UNASSIGNED, false);
    let mut recruits: Vec<Vec<Reverse<(i64, u32)>>> = vec![Vec::new(); offers];
    for person in 0..problem.people.len() {
        for slot in options.range(person) {
            let weight = options.cost[slot] - options.penalty[person];
            recruits[options.offer[slot] as usize].push(Reverse((weight, person as u32)));
        }
    }
    let mut recruits: Recruits = recruits.into_iter().map(BinaryHeap::from).collect();
    // Start potentials keeping every reduced cost non-negative: the cheapest recruit arc is tight.
    for (offer, pool) in recruits.iter().enumerate() {
        let cheapest = pool.peek().map_or(0, |Reverse((weight, _))| *weight);
        graph.potential[offer] = cheapest.min(0);
    }
    let mut empties = vec![0_u32; offers];
    let mut search = Search::new(offers + 1);
    let rounds = problem.capacities.iter().copied().max().unwrap_or(0);
    for round in 0..rounds {
        for offer in 0..offers {
            if problem.capacities[offer] > round {
                let mut state = Places {
                    graph: &mut graph,
                    recruits: &mut recruits,
                    empties: &mut empties,
                };
                fill(&options, &mut state, &mut search, offer);
            }
        }
    }
    graph.assignment(&options)
}

/// What the search from places reads and changes.
struct Places<'a> {
    graph: &'a mut Condensed,
    recruits: &'a mut Recruits,
    /// Per offer, the places settled as left empty.
    empties: &'a mut [u32],
}

/// Fills one place of `offer` along a shortest path from the sink (the pool) to it.
fn fill(options: &Options, state: &mut Places, search: &mut Search, offer: usize) {
    let sink = state.graph.sink();
    search.offer(offer, 0, FROM_SOURCE, NOT_PLACED);
    let target = loop {
        let Some(Reverse((distance, node))) = search.queue.pop() else {
            unreachable!("the pool is always reachable: a place can be left empty")
        };
        let node = node as usize;
        if search.settled[node] || distance > search.distance[node] {
            continue;
        }
        search.settled[node] = true;
        search.settled_order.push(node);
        if node == sink {
            break distance;
        }
        relax_into(state, search, node, distance);
    };
    augment(options, state, search, sink);
    for &node in &search.settled_order {
        let distance = search.distance[node];
        if distance < target {
            state.graph.potential[node] += target - distance;
        }
    }
    search.reset();
}

/// Relaxes the arcs entering a settled offer (the search runs backwards): leaving a place empty,
/// recruiting an unassigned person, or moving in someone placed at another offer.
fn relax_into(state: &mut Places, search: &mut Search, offer: usize, distance: i64) {
    let graph = &mut *state.graph;
    let sink = graph.sink();
    let here = graph.potential[offer];
    let from_sink = graph.potential[sink];
    if state.empties[offer] < graph.capacity[offer] {
        search.offer(sink, distance + from_sink - here, offer as u32, NOT_PLACED);
    }
    let pool = &mut state.recruits[offer];
    while let Some(&Reverse((weight, person))) = pool.peek() {
        if graph.at[person as usize] == UNASSIGNED {
            search.offer(
                sink,
                distance + weight + from_sink - here,
                offer as u32,
                person,
            );
            break;
        }
        pool.pop();
    }
    if search.distance[sink] <= distance {
        // A tight arc to the pool: no move can do better, the pool is settled next.
        return;
    }
    let Condensed {
        at,
        epoch,
        heaps,
        entering,
        potential,
        ..
    } = graph;
    for &heap in &entering[offer] {
        let (from, _, candidates) = &mut heaps[heap as usize];
        let from = *from as usize;
        if search.settled[from] {
            continue;
        }
        if let Some((weight, person)) = Condensed::top(candidates, at, epoch, from as u32) {
            search.offer(
                from,
                distance + weight + potential[from] - here,
                offer as u32,
                person,
            );
        }
    }
}

/// Applies the path found, from the pool end: a recruit takes their place (or a place is left
/// empty), then everyone on the path moves one offer towards the place being filled.
fn augment(options: &Options, state: &mut Places, search: &Search, sink: usize) {
    let (mut node, recruit) = search.reached_by[sink];
    if recruit == NOT_PLACED {
        state.empties[node as usize] += 1;
    } else {
        state.graph.seat(options, recruit as usize, node);
    }
    loop {
        let (next, moved) = search.reached_by[node as usize];
        if next == FROM_SOURCE {
            return;
        }
        state.graph.seat(options, moved as usize, next);
        node = next;
    }
}
