//! An exact minimum-cost flow solver: successive shortest paths with node potentials (Dijkstra on
//! reduced costs, stopped as soon as the sink is reached), from a source that holds every supply. Negative-cost arcs are saturated first, so every residual cost starts non-negative.
//! Suited to the redistribution shape (many people with one unit each, few offers): most paths are
//! short and local, and only the nodes a search touched are reset.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// An arc of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arc {
    pub from: usize,
    pub to: usize,
    pub capacity: i64,
    pub cost: i64,
}

/// A network: each node's supply (positive) or demand (negative), and the arcs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    pub supplies: Vec<i64>,
    pub arcs: Vec<Arc>,
}

/// An optimal flow: its total cost and the flow on each arc, in the order of `Network::arcs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub cost: i64,
    pub flows: Vec<i64>,
}

/// Why no flow exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("l'offre totale ({supply}) ne vaut pas la demande totale ({demand})")]
    Unbalanced { supply: i64, demand: i64 },
    #[error("aucun flot ne satisfait toutes les demandes : {unmet} unité(s) ne peuvent pas être acheminées")]
    Infeasible { unmet: i64 },
    #[error("arc {index} invalide : nœud hors du réseau ou capacité négative")]
    InvalidArc { index: usize },
}

const INFINITE: i64 = i64::MAX / 4;

/// The residual graph in compressed form: edge `2i` is arc `i` forward, `2i + 1` its reverse.
struct Residual {
    first: Vec<usize>,
    order: Vec<usize>,
    head: Vec<usize>,
    cost: Vec<i64>,
    residual: Vec<i64>,
}

impl Residual {
    fn new(nodes: usize, arcs: &[Arc]) -> Residual {
        let mut degree = vec![0_usize; nodes + 1];
        for arc in arcs {
            degree[arc.from] += 1;
            degree[arc.to] += 1;
        }
        let mut first = vec![0_usize; nodes + 1];
        for node in 0..nodes {
            first[node + 1] = first[node] + degree[node];
        }
        let mut fill = first.clone();
        let mut order = vec![0_usize; 2 * arcs.len()];
        let mut head = vec![0_usize; 2 * arcs.len()];
        let mut cost = vec![0_i64; 2 * arcs.len()];
        let mut residual = vec![0_i64; 2 * arcs.len()];
        for (index, arc) in arcs.iter().enumerate() {
            let (forward, backward) = (2 * index, 2 * index + 1);
            head[forward] = arc.to;
            head[backward] = arc.from;
            cost[forward] = arc.cost;
            cost[backward] = -arc.cost;
            residual[forward] = arc.capacity;
            order[fill[arc.from]] = forward;
            fill[arc.from] += 1;
            order[fill[arc.to]] = backward;
            fill[arc.to] += 1;
        }
        Residual {
            first,
            order,
            head,
            cost,
            residual,
        }
    }

    fn edges(&self, node: usize) -> &[usize] {
        &self.order[self.first[node]..self.first[node + 1]]
    }

    fn push(&mut self, edge: usize, amount: i64) {
        self.residual[edge] -= amount;
        self.residual[edge ^ 1] += amount;
    }
}

/// Dijkstra's working arrays, reset only where a search went.
struct Search {
    distance: Vec<i64>,
    via: Vec<usize>,
    done: Vec<bool>,
    touched: Vec<usize>,
    heap: BinaryHeap<Reverse<(i64, usize)>>,
}

impl Search {
    fn new(nodes: usize) -> Search {
        Search {
            distance: vec![INFINITE; nodes],
            via: vec![usize::MAX; nodes],
            done: vec![false; nodes],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn reset(&mut self) {
        for node in self.touched.drain(..) {
            self.distance[node] = INFINITE;
            self.via[node] = usize::MAX;
            self.done[node] = false;
        }
        self.heap.clear();
    }

    fn reach(&mut self, node: usize, distance: i64, via: usize) {
        if self.distance[node] == INFINITE {
            self.touched.push(node);
        }
        self.distance[node] = distance;
        self.via[node] = via;
        self.heap.push(Reverse((distance, node)));
    }
}

/// Shortest path (reduced costs) from `source` to `sink`; updates the potentials so that reduced
/// costs stay non-negative and the path's edges become tight. Returns whether the sink was reached.
fn shortest_path(
    graph: &Residual,
    potential: &mut [i64],
    search: &mut Search,
    (source, sink): (usize, usize),
) -> bool {
    search.reset();
    search.reach(source, 0, usize::MAX);
    let mut sink_distance = None;
    while let Some(Reverse((distance, node))) = search.heap.pop() {
        if search.done[node] || distance > search.distance[node] {
            continue;
        }
        search.done[node] = true;
        if node == sink {
            sink_distance = Some(distance);
            break;
        }
        for &edge in graph.edges(node) {
            if graph.residual[edge] <= 0 {
                continue;
            }
            let next = graph.head[edge];
            if search.done[next] {
                continue;
            }
            let reduced = graph.cost[edge] + potential[node] - potential[next];
            let candidate = distance + reduced;
            if candidate < search.distance[next] {
                search.reach(next, candidate, edge);
            }
        }
    }
    let Some(limit) = sink_distance else {
        return false;
    };
    // Early-termination update: settled nodes move by their distance, all others by the sink's.
    for &node in &search.touched {
        if search.done[node] {
            potential[node] += search.distance[node] - limit;
        }
    }
    for value in potential.iter_mut() {
        *value += limit;
    }
    true
}

/// Solves the network exactly.
pub fn min_cost_flow(network: &Network) -> Result<Flow, FlowError> {
    let nodes = network.supplies.len();
    for (index, arc) in network.arcs.iter().enumerate() {
        if arc.from >= nodes || arc.to >= nodes || arc.capacity < 0 {
            return Err(FlowError::InvalidArc { index });
        }
    }
    let supply: i64 = network.supplies.iter().filter(|s| **s > 0).sum();
    let demand: i64 = -network.supplies.iter().filter(|s| **s < 0).sum::<i64>();
    if supply != demand {
        return Err(FlowError::Unbalanced { supply, demand });
    }
    // Two extra nodes: the sink every demand drains into, and the source every supply comes from.
    let sink = nodes;
    let source = nodes + 1;
    let mut arcs = network.arcs.clone();
    for (node, &value) in network.supplies.iter().enumerate() {
        if value > 0 {
            arcs.push(Arc {
                from: source,
                to: node,
                capacity: value,
                cost: 0,
            });
        }
    }
    for (node, &value) in network.supplies.iter().enumerate() {
        if value < 0 {
            arcs.push(Arc {
                from: node,
                to: sink,
                capacity: -value,
                cost: 0,
            });
        }
    }
    let mut graph = Residual::new(nodes + 2, &arcs);
    let mut excess = vec![0_i64; nodes + 2];
    excess[source] = supply;
    for (index, arc) in network.arcs.iter().enumerate() {
        if arc.cost < 0 && arc.capacity > 0 {
            graph.push(2 * index, arc.capacity);
            excess[arc.from] -= arc.capacity;
            excess[arc.to] += arc.capacity;
        }
    }
    let mut potential = vec![0_i64; nodes + 2];
    let mut search = Search::new(nodes + 2);
    let mut unmet = 0;
    route_excess(
        &mut graph,
        &mut excess,
        &mut potential,
        &mut search,
        (source, sink),
        &mut unmet,
    );
    if unmet > 0 {
        return Err(FlowError::Infeasible { unmet });
    }
    let flows: Vec<i64> = (0..network.arcs.len())
        .map(|index| graph.residual[2 * index + 1])
        .collect();
    let cost = network
        .arcs
        .iter()
        .zip(&flows)
        .map(|(arc, flow)| arc.cost * flow)
        .sum();
    Ok(Flow { cost, flows })
}

/// Sends every unit of excess to where it is missing along shortest paths: first to the nodes left
/// short by the saturation of negative arcs, then from the source to the sink.
fn route_excess(
    graph: &mut Residual,
    excess: &mut [i64],
    potential: &mut [i64],
    search: &mut Search,
    (source, sink): (usize, usize),
    unmet: &mut i64,
) {
    let short: Vec<usize> = (0..excess.len()).filter(|n| excess[*n] < 0).collect();
    let givers: Vec<usize> = (0..excess.len())
        .filter(|n| excess[*n] > 0 && *n != source)
        .collect();
    for &target in &short {
        for &giver in givers.iter().chain(std::iter::once(&source)) {
            while excess[target] < 0 && excess[giver] > 0 {
                if !augment(graph, excess, potential, search, (giver, target)) {
                    break;
                }
            }
        }
        if excess[target] < 0 {
            *unmet += -excess[target];
        }
    }
    for &giver in givers.iter().chain(std::iter::once(&source)) {
        while excess[giver] > 0 {
            if !augment(graph, excess, potential, search, (giver, sink)) {
                *unmet += excess[giver];
                break;
            }
        }
    }
}

/// One augmentation from `source` towards `target` (the sink, or a node still short of units).
fn augment(
    graph: &mut Residual,
    excess: &mut [i64],
    potential: &mut [i64],
    search: &mut Search,
    (source, target): (usize, usize),
) -> bool {
    if !shortest_path(graph, potential, search, (source, target)) {
        return false;
    }
    let mut amount = excess[source];
    if excess[target] < 0 {
        amount = amount.min(-excess[target]);
    }
    let mut node = target;
    while node != source {
        let edge = search.via[node];
        amount = amount.min(graph.residual[edge]);
        node = graph.head[edge ^ 1];
    }
    let mut node = target;
    while node != source {
        let edge = search.via[node];
        graph.push(edge, amount);
        node = graph.head[edge ^ 1];
    }
    excess[source] -= amount;
    excess[target] += amount;
    amount > 0
}
