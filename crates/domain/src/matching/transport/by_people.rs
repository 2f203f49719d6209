//! The search from people: each person in turn joins along a shortest path from them to the sink —
//! an offer with room, or someone bumped to "unassigned", or their own penalty.

use super::{Condensed, Options, Search, FROM_SOURCE, NOT_PLACED};
use crate::matching::assign::{Assignment, AssignmentProblem};
use std::cmp::Reverse;

/// Places every person in turn; the assignment is optimal after the last.
pub fn solve(problem: &AssignmentProblem) -> Assignment {
    let options = Options::of(problem);
    let mut graph = Condensed::new(problem, NOT_PLACED, true);
    let mut search = Search::new(problem.capacities.len() + 1);
    for person in 0..problem.people.len() {
        place(&options, &mut graph, &mut search, person);
    }
    graph.assignment(&options)
}

/// Places one more person along a shortest path from them to the sink, keeping optimality.
fn place(options: &Options, graph: &mut Condensed, search: &mut Search, person: usize) {
    let sink = graph.sink();
    // The person's own arcs are start labels (any sign is fine: they leave the source only).
    search.offer(
        sink,
        options.penalty[person] - graph.potential[sink],
        FROM_SOURCE,
        person as u32,
    );
    for slot in options.range(person) {
        let offer = options.offer[slot] as usize;
        let label = options.cost[slot] - graph.potential[offer];
        search.offer(offer, label, FROM_SOURCE, person as u32);
    }
    let target = loop {
        let Some(Reverse((distance, node))) = search.queue.pop() else {
            unreachable!("the sink is always reachable through the person's own penalty arc")
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
        relax_from(graph, search, node, distance);
    };
    augment(options, graph, search, sink);
    for &node in &search.settled_order {
        let distance = search.distance[node];
        if distance < target {
            graph.potential[node] += distance - target;
        }
    }
    search.reset();
}

/// Relaxes the condensed arcs leaving a settled offer: room left, bumps and moves.
fn relax_from(graph: &mut Condensed, search: &mut Search, offer: usize, distance: i64) {
    let sink = graph.sink();
    let here = graph.potential[offer];
    if graph.load[offer] < graph.capacity[offer] {
        search.offer(
            sink,
            distance + here - graph.potential[sink],
            offer as u32,
            NOT_PLACED,
        );
    }
    let Condensed {
        at,
        epoch,
        bumps,
        heaps,
        leaving,
        potential,
        ..
    } = graph;
    if let Some(bumps) = bumps.as_mut() {
        if let Some((weight, person)) = Condensed::top(&mut bumps[offer], at, epoch, offer as u32) {
            search.offer(
                sink,
                distance + weight + here - potential[sink],
                offer as u32,
                person,
            );
        }
    }
    for &heap in &leaving[offer] {
        let (_, to, candidates) = &mut heaps[heap as usize];
        let to = *to as usize;
        if search.settled[to] {
            continue;
        }
        if let Some((weight, person)) = Condensed::top(candidates, at, epoch, offer as u32) {
            search.offer(
                to,
                distance + weight + here - potential[to],
                offer as u32,
                person,
            );
        }
    }
}

/// Applies the path found: the last person on it is bumped out if that is how it ends, then every
/// person on it moves one step towards the sink, the newcomer taking the first offer.
fn augment(options: &Options, graph: &mut Condensed, search: &Search, sink: usize) {
    let (from, moved) = search.reached_by[sink];
    if from == FROM_SOURCE {
        graph.unseat(moved as usize);
        return;
    }
    if moved != NOT_PLACED {
        graph.unseat(moved as usize);
    }
    let mut node = from as usize;
    loop {
        let (from, moved) = search.reached_by[node];
        graph.seat(options, moved as usize, node as u32);
        if from == FROM_SOURCE {
            return;
        }
        node = from as usize;
    }
}
