//! The exact solver built for the redistribution's shape: many people with one unit each, few offers
//! with capacities, and an "unassigned" outlet per person at a penalty.
//!
//! It is the successive-shortest-path method with node potentials, run on a *condensed* residual
//! graph whose nodes are the offers and the sink only. A person never appears as a node: moving
//! person `i` from offer `j` to offer `k` is one condensed arc `j → k` of weight `c(i,k) − c(i,j)`,
//! and bumping them out to "unassigned" is an arc `j → sink` of weight `penalty(i) − c(i,j)`. For
//! each pair `(j, k)` a min-heap keeps the people who can make that move, keyed by its weight (which
//! depends on the person only, never on potentials, so it is pushed once per arrival and popped
//! lazily when the person has left). Each person joins through one Dijkstra search from them to the
//! sink over reduced costs, stopped as soon as the sink is settled; potentials are then lowered on the
//! settled offers only, which keeps every reduced cost non-negative (offers with room keep potential
//! 0, the sink's stays 0). Searches are short because the potentials learn where room is left.
//!
//! Exactness is the classical one: a shortest augmenting path from any supply node keeps the flow
//! optimal for the supplies placed so far, so after the last person the assignment is optimal.

mod by_people;
mod by_slots;

use super::assign::{Assignment, AssignmentProblem, PersonOptions};
use super::flow::Network;
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const NOT_PLACED: u32 = u32::MAX;
const UNASSIGNED: u32 = u32::MAX - 1;
const FROM_SOURCE: u32 = u32::MAX;

/// One person able to make a condensed move, with the epoch of their arrival at the offer.
type Candidate = Reverse<(i64, u32, u32)>;

/// The people's options in flat arrays, one slice per person, the cheapest arc kept per offer.
struct Options {
    start: Vec<usize>,
    offer: Vec<u32>,
    cost: Vec<i64>,
    penalty: Vec<i64>,
}

impl Options {
    fn of(problem: &AssignmentProblem) -> Options {
        let offers = problem.capacities.len();
        let mut options = Options {
            start: vec![0],
            offer: Vec::new(),
            cost: Vec::new(),
            penalty: Vec::with_capacity(problem.people.len()),
        };
        let mut mine: Vec<(usize, i64)> = Vec::new();
        for person in &problem.people {
            mine.clear();
            mine.extend(person.options.iter().filter(|(o, _)| *o < offers));
            mine.sort_unstable();
            mine.dedup_by_key(|(o, _)| *o);
            for &(offer, cost) in &mine {
                options.offer.push(offer as u32);
                options.cost.push(cost);
            }
            options.start.push(options.offer.len());
            options.penalty.push(person.unassigned_cost);
        }
        options
    }

    fn range(&self, person: usize) -> std::ops::Range<usize> {
        self.start[person]..self.start[person + 1]
    }

    fn cost_at(&self, person: usize, offer: u32) -> i64 {
        let range = self.range(person);
        let slice = &self.offer[range.clone()];
        match slice.binary_search(&offer) {
            Ok(at) => self.cost[range.start + at],
            Err(_) => unreachable!("a person only sits at one of their own offers"),
        }
    }
}

/// The condensed residual graph and the current assignment.
struct Condensed {
    capacity: Vec<u32>,
    load: Vec<u32>,
    /// The offer each person sits at, `UNASSIGNED`, or `NOT_PLACED` yet.
    at: Vec<u32>,
    epoch: Vec<u32>,
    /// Potentials of the offers, then of the sink (always 0).
    potential: Vec<i64>,
    /// Move heaps: `(j, k)` → index; the heaps as (from, to, candidates); per offer, the heaps
    /// leaving it and those entering it.
    heap_index: FxHashMap<u64, u32>,
    heaps: Vec<(u32, u32, BinaryHeap<Candidate>)>,
    leaving: Vec<Vec<u32>>,
    entering: Vec<Vec<u32>>,
    /// Per offer, the people it can bump to "unassigned" (kept by the search from people only).
    bumps: Option<Vec<BinaryHeap<Candidate>>>,
}

impl Condensed {
    fn new(problem: &AssignmentProblem, start: u32, keep_bumps: bool) -> Condensed {
        let offers = problem.capacities.len();
        Condensed {
            capacity: problem.capacities.clone(),
            load: vec![0; offers],
            at: vec![start; problem.people.len()],
            epoch: vec![0; problem.people.len()],
            potential: vec![0; offers + 1],
            heap_index: FxHashMap::default(),
            heaps: Vec::new(),
            leaving: vec![Vec::new(); offers],
            entering: vec![Vec::new(); offers],
            bumps: keep_bumps.then(|| vec![BinaryHeap::new(); offers]),
        }
    }

    fn sink(&self) -> usize {
        self.capacity.len()
    }

    /// The assignment reached, with its cost.
    fn assignment(&self, options: &Options) -> Assignment {
        let mut total_cost = 0;
        let chosen = self
            .at
            .iter()
            .enumerate()
            .map(|(person, &offer)| match offer {
                UNASSIGNED | NOT_PLACED => {
                    total_cost += options.penalty[person];
                    None
                }
                offer => {
                    total_cost += options.cost_at(person, offer);
                    Some(offer as usize)
                }
            })
            .collect();
        Assignment { total_cost, chosen }
    }

    fn seat(&mut self, options: &Options, person: usize, offer: u32) {
        self.leave(person);
        self.load[offer as usize] += 1;
        self.at[person] = offer;
        self.epoch[person] = self.epoch[person].wrapping_add(1);
        let epoch = self.epoch[person];
        let here = options.cost_at(person, offer);
        for slot in options.range(person) {
            let to = options.offer[slot];
            if to == offer {
                continue;
            }
            let key = u64::from(offer) << 32 | u64::from(to);
            let heap = match self.heap_index.get(&key) {
                Some(&index) => index as usize,
                None => {
                    let index = self.heaps.len();
                    self.heaps.push((offer, to, BinaryHeap::new()));
                    self.heap_index.insert(key, index as u32);
                    self.leaving[offer as usize].push(index as u32);
                    self.entering[to as usize].push(index as u32);
                    index
                }
            };
            let weight = options.cost[slot] - here;
            self.heaps[heap]
                .2
                .push(Reverse((weight, person as u32, epoch)));
        }
        if let Some(bumps) = &mut self.bumps {
            let weight = options.penalty[person] - here;
            bumps[offer as usize].push(Reverse((weight, person as u32, epoch)));
        }
    }

    fn unseat(&mut self, person: usize) {
        self.leave(person);
        self.at[person] = UNASSIGNED;
        self.epoch[person] = self.epoch[person].wrapping_add(1);
    }

    fn leave(&mut self, person: usize) {
        let offer = self.at[person];
        if offer != UNASSIGNED && offer != NOT_PLACED {
            self.load[offer as usize] -= 1;
        }
    }

    /// The cheapest valid candidate of a heap, dropping those who have moved since.
    fn top(
        heap: &mut BinaryHeap<Candidate>,
        at: &[u32],
        epoch: &[u32],
        owner: u32,
    ) -> Option<(i64, u32)> {
        while let Some(&Reverse((weight, person, stamp))) = heap.peek() {
            if at[person as usize] == owner && epoch[person as usize] == stamp {
                return Some((weight, person));
            }
            heap.pop();
        }
        None
    }
}

/// The scratch space of the searches, reset by the list of nodes they touched.
struct Search {
    distance: Vec<i64>,
    /// How the node was reached: the neighbour offer on the path (or `FROM_SOURCE`) and the person
    /// moved.
    reached_by: Vec<(u32, u32)>,
    settled: Vec<bool>,
    touched: Vec<usize>,
    settled_order: Vec<usize>,
    queue: BinaryHeap<Reverse<(i64, u32)>>,
}

impl Search {
    fn new(nodes: usize) -> Search {
        Search {
            distance: vec![i64::MAX; nodes],
            reached_by: vec![(FROM_SOURCE, 0); nodes],
            settled: vec![false; nodes],
            touched: Vec::new(),
            settled_order: Vec::new(),
            queue: BinaryHeap::new(),
        }
    }

    fn reset(&mut self) {
        for &node in &self.touched {
            self.distance[node] = i64::MAX;
            self.settled[node] = false;
        }
        self.touched.clear();
        self.settled_order.clear();
        self.queue.clear();
    }

    fn offer(&mut self, node: usize, distance: i64, from: u32, person: u32) {
        if distance < self.distance[node] {
            if self.distance[node] == i64::MAX {
                self.touched.push(node);
            }
            self.distance[node] = distance;
            self.reached_by[node] = (from, person);
            self.queue.push(Reverse((distance, node as u32)));
        }
    }
}

/// Solves the assignment exactly, searching from whichever side is scarce: when places are fewer
/// than people, from each place (it looks for a person, and unassigned people stay plentiful);
/// otherwise from each person (looking for a place, which stays plentiful).
pub fn solve(problem: &AssignmentProblem) -> Assignment {
    let places: u64 = problem.capacities.iter().map(|&c| u64::from(c)).sum();
    if places < problem.people.len() as u64 {
        by_slots::solve(problem)
    } else {
        by_people::solve(problem)
    }
}

/// Both directions, for the tests that compare them with the general solver.
pub fn solve_from_people(problem: &AssignmentProblem) -> Assignment {
    by_people::solve(problem)
}

/// See [`solve_from_people`].
pub fn solve_from_places(problem: &AssignmentProblem) -> Assignment {
    by_slots::solve(problem)
}

/// Recognises a network of the redistribution's shape — one sink whose demand equals the number of
/// unit-supply nodes (the people), every other node an offer with a single arc to the sink, people
/// with arcs to offers and one to the sink — and returns it as an assignment problem. Any other
/// network gives `None` and goes to the general solver.
pub fn as_assignment(network: &Network) -> Option<AssignmentProblem> {
    let sinks: Vec<usize> = (0..network.supplies.len())
        .filter(|&n| network.supplies[n] < 0)
        .collect();
    let [sink] = sinks[..] else { return None };
    let mut person_of = vec![usize::MAX; network.supplies.len()];
    let mut offer_of = vec![usize::MAX; network.supplies.len()];
    let mut people = Vec::new();
    let mut offer_count = 0;
    for (node, &supply) in network.supplies.iter().enumerate() {
        match supply {
            1 => {
                person_of[node] = people.len();
                people.push(PersonOptions {
                    options: Vec::new(),
                    unassigned_cost: i64::MAX,
                });
            }
            0 => {
                offer_of[node] = offer_count;
                offer_count += 1;
            }
            _ if node == sink => {}
            _ => return None,
        }
    }
    if network.supplies[sink] != -(people.len() as i64) {
        return None;
    }
    let mut capacities: Vec<Option<(u32, i64)>> = vec![None; offer_count];
    let mut person_arcs = Vec::new();
    for arc in network.arcs.iter().filter(|a| a.capacity > 0) {
        if person_of[arc.from] != usize::MAX {
            if arc.to == sink {
                let person = &mut people[person_of[arc.from]];
                person.unassigned_cost = person.unassigned_cost.min(arc.cost);
            } else if offer_of[arc.to] != usize::MAX {
                person_arcs.push((person_of[arc.from], offer_of[arc.to], arc.cost));
            } else {
                return None;
            }
        } else if offer_of[arc.from] != usize::MAX && arc.to == sink {
            let slot = &mut capacities[offer_of[arc.from]];
            if slot.is_some() {
                return None;
            }
            *slot = Some((u32::try_from(arc.capacity).ok()?, arc.cost));
        } else {
            return None;
        }
    }
    for (person, offer, cost) in person_arcs {
        if let Some((_, exit_cost)) = capacities[offer] {
            people[person]
                .options
                .push((offer, cost.checked_add(exit_cost)?));
        }
    }
    if people.iter().any(|p| p.unassigned_cost == i64::MAX) {
        return None;
    }
    Some(AssignmentProblem {
        capacities: capacities
            .iter()
            .map(|c| c.map_or(0, |(cap, _)| cap))
            .collect(),
        people,
    })
}
