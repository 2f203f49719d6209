//! The nearest offer of every need from one point, in one search: a static k-d tree of a zone's
//! offers (points on the unit sphere), each node holding its bounding box and the needs met by the
//! offers below it. The search descends nearer child first and skips a node when no need it holds
//! could still get nearer there, so the ten needs of a commune cost about one search, not ten.
//!
//! Exact: a node's box distance never exceeds the distance of a point inside it (both are sums of the
//! same squared differences, and floating-point rounding is monotonic), so no nearer offer is ever
//! skipped. Ties are broken by the smallest offer id, which the search finds because it visits every
//! node at a distance equal to a need's best.

/// The needs an offer meets or a search asks for, one bit per need column.
pub(super) type NeedMask = u16;

/// The most need columns a mask holds.
pub(super) const MAX_NEEDS: usize = NeedMask::BITS as usize;

/// Offers per leaf.
const LEAF: usize = 8;
/// The index of no node.
const NONE: u32 = u32::MAX;

/// One offer of the tree.
#[derive(Debug, Clone, Copy)]
struct Entry {
    point: [f64; 3],
    offer_id: i64,
    needs: NeedMask,
}

/// A node: the box of its offers, the needs they meet, its slice of entries and its children.
#[derive(Debug, Clone, Copy)]
struct Node {
    lower: [f64; 3],
    upper: [f64; 3],
    needs: NeedMask,
    start: u32,
    end: u32,
    children: [u32; 2],
}

/// The best offer found so far for one need: squared chord and offer id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Best {
    pub(super) distance_2: f64,
    pub(super) offer_id: i64,
}

impl Best {
    /// Whether an offer at `distance_2` with `offer_id` beats `current` (nearer, or as near with a
    /// smaller id).
    fn beaten_by(current: Option<Best>, distance_2: f64, offer_id: i64) -> bool {
        current.is_none_or(|best| {
            distance_2 < best.distance_2
                || (distance_2 == best.distance_2 && offer_id < best.offer_id)
        })
    }
}

/// The offers of one zone, indexed for [`NeedTree::nearest_each`].
#[derive(Debug, Clone, Default)]
pub(super) struct NeedTree {
    entries: Vec<Entry>,
    nodes: Vec<Node>,
}

/// The squared Euclidean distance, summed in the axes' order (the box distance sums the same way).
pub(super) fn distance_2(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    dx * dx + dy * dy + dz * dz
}

impl NeedTree {
    /// Builds the tree of `(point, offer id, needs)`; offers meeting no need are left out.
    pub(super) fn build(offers: impl IntoIterator<Item = ([f64; 3], i64, NeedMask)>) -> NeedTree {
        let mut tree = NeedTree {
            entries: offers
                .into_iter()
                .filter(|(_, _, needs)| *needs != 0)
                .map(|(point, offer_id, needs)| Entry {
                    point,
                    offer_id,
                    needs,
                })
                .collect(),
            nodes: Vec::new(),
        };
        if !tree.entries.is_empty() {
            tree.nodes.reserve(2 * tree.entries.len() / LEAF + 1);
            tree.build_node(0, tree.entries.len());
        }
        tree
    }

    /// The needs some offer of the tree meets.
    pub(super) fn needs(&self) -> NeedMask {
        self.nodes.first().map_or(0, |root| root.needs)
    }

    /// Builds the node of `entries[start..end]` and its descendants; returns its index.
    fn build_node(&mut self, start: usize, end: usize) -> u32 {
        let slice = &mut self.entries[start..end];
        let (lower, upper, needs) = bounds(slice);
        let index = self.nodes.len();
        self.nodes.push(Node {
            lower,
            upper,
            needs,
            start: start as u32,
            end: end as u32,
            children: [NONE; 2],
        });
        if end - start > LEAF {
            let axis = widest_axis(lower, upper);
            let middle = (end - start) / 2;
            slice.select_nth_unstable_by(middle, |a, b| a.point[axis].total_cmp(&b.point[axis]));
            let left = self.build_node(start, start + middle);
            let right = self.build_node(start + middle, end);
            self.nodes[index].children = [left, right];
        }
        index as u32
    }

    /// Fills `best[k]` with the nearest offer meeting need column `k`, for every column of `wanted`
    /// (entries already in `best` count as found: pass `None`s for a fresh search).
    pub(super) fn nearest_each(
        &self,
        query: [f64; 3],
        wanted: NeedMask,
        best: &mut [Option<Best>],
    ) {
        if let Some(root) = self.nodes.first() {
            self.visit(0, box_distance_2(root, query), query, wanted, best);
        }
    }

    fn visit(
        &self,
        index: u32,
        distance: f64,
        query: [f64; 3],
        wanted: NeedMask,
        best: &mut [Option<Best>],
    ) {
        let node = &self.nodes[index as usize];
        if !may_improve(node.needs & wanted, distance, best) {
            return;
        }
        let [left, right] = node.children;
        if left == NONE {
            self.scan(node, query, wanted, best);
            return;
        }
        let near_left = box_distance_2(&self.nodes[left as usize], query);
        let near_right = box_distance_2(&self.nodes[right as usize], query);
        if near_left <= near_right {
            self.visit(left, near_left, query, wanted, best);
            self.visit(right, near_right, query, wanted, best);
        } else {
            self.visit(right, near_right, query, wanted, best);
            self.visit(left, near_left, query, wanted, best);
        }
    }

    /// Compares every offer of a leaf with the best of each need it meets.
    fn scan(&self, node: &Node, query: [f64; 3], wanted: NeedMask, best: &mut [Option<Best>]) {
        for entry in &self.entries[node.start as usize..node.end as usize] {
            let distance = distance_2(query, entry.point);
            let mut needs = entry.needs & wanted;
            while needs != 0 {
                let column = needs.trailing_zeros() as usize;
                needs &= needs - 1;
                if let Some(slot) = best.get_mut(column) {
                    if Best::beaten_by(*slot, distance, entry.offer_id) {
                        *slot = Some(Best {
                            distance_2: distance,
                            offer_id: entry.offer_id,
                        });
                    }
                }
            }
        }
    }
}

/// Whether a node at `distance` may hold a better offer for one of `needs`.
fn may_improve(mut needs: NeedMask, distance: f64, best: &[Option<Best>]) -> bool {
    while needs != 0 {
        let column = needs.trailing_zeros() as usize;
        needs &= needs - 1;
        match best.get(column) {
            Some(Some(found)) if distance > found.distance_2 => {}
            _ => return true,
        }
    }
    false
}

/// The box and the needs of a slice of entries.
fn bounds(entries: &[Entry]) -> ([f64; 3], [f64; 3], NeedMask) {
    let mut lower = [f64::INFINITY; 3];
    let mut upper = [f64::NEG_INFINITY; 3];
    let mut needs = 0;
    for entry in entries {
        for axis in 0..3 {
            lower[axis] = lower[axis].min(entry.point[axis]);
            upper[axis] = upper[axis].max(entry.point[axis]);
        }
        needs |= entry.needs;
    }
    (lower, upper, needs)
}

fn widest_axis(lower: [f64; 3], upper: [f64; 3]) -> usize {
    let extent = |axis: usize| upper[axis] - lower[axis];
    (1..3).fold(0, |widest, axis| {
        if extent(axis) > extent(widest) {
            axis
        } else {
            widest
        }
    })
}

/// The squared distance from `query` to the node's box (0 inside), summed like [`distance_2`].
fn box_distance_2(node: &Node, query: [f64; 3]) -> f64 {
    let gap = |axis: usize| {
        if query[axis] < node.lower[axis] {
            node.lower[axis] - query[axis]
        } else if query[axis] > node.upper[axis] {
            query[axis] - node.upper[axis]
        } else {
            0.0
        }
    };
    let (dx, dy, dz) = (gap(0), gap(1), gap(2));
    dx * dx + dy * dy + dz * dz
}
