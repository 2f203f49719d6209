//! Small-cell masking with secondary suppression, and the subtraction attack that checks it.
//!
//! A [`Publication`] holds the tables shown together and the additive constraints between their
//! counts: each table's own sums, plus [`Link`](super::Link)s across tables (the same total in two tables, a
//! département's figures = the sum of its EPCIs'…). [`mask`] hides:
//!
//! 1. **primary**: every count `c` with `0 < c < k` (`k` the instance's minimum cell size);
//! 2. **secondary**: while a constraint holds exactly one hidden count (which the others would give
//!    by subtraction), it hides one more of that constraint's counts — the smallest unhidden positive
//!    part, or the total when no part qualifies — until no constraint has exactly one;
//! 3. **completion**: the exact check ([`subtraction_attack`]) then looks for hidden counts that
//!    combinations of several constraints still fix; for each, the smallest unhidden positive count of
//!    a constraint around it is hidden too, and step 2 runs again, until nothing is fixed;
//! 4. rates and durations computed from a hidden count are hidden.
//!
//! Zeros are published: they hide no one. Hidden cells all read « masqué », whatever the step.

use super::linear::{determined, Equation, Fraction};
use super::publication::{CellAddress, Constraint, Publication, SuppressionError};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The minimum cell size when the instance sets none (DATA-PROTECTION.md).
pub const DEFAULT_MIN_CELL: u64 = 11;

/// How many counts each step hid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaskReport {
    pub primary: usize,
    pub secondary: usize,
}

/// A hidden count that the published figures fix, and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovered {
    pub cell: CellAddress,
    pub value: Fraction,
}

/// Checks that every declared sum holds on the complete tables.
fn check_sums(
    constraints: &[Constraint],
    counts: &BTreeMap<CellAddress, u64>,
) -> Result<(), SuppressionError> {
    for constraint in constraints {
        let value_of = |at: &CellAddress| {
            counts
                .get(at)
                .copied()
                .ok_or(SuppressionError::AlreadyMasked(*at))
        };
        let total = value_of(&constraint.cells[0])?;
        let mut sum: u64 = 0;
        for part in &constraint.cells[1..] {
            sum = sum.saturating_add(value_of(part)?);
        }
        if sum != total {
            return Err(SuppressionError::SumDoesNotHold {
                total: constraint.cells[0],
                value: total,
                sum,
            });
        }
    }
    Ok(())
}

/// The counts `0 < c < k`.
fn small_counts(counts: &BTreeMap<CellAddress, u64>, min_cell: u64) -> BTreeSet<CellAddress> {
    counts
        .iter()
        .filter(|(_, value)| **value > 0 && **value < min_cell)
        .map(|(at, _)| *at)
        .collect()
}

/// Primary masking only: hides the counts `0 < c < k` and what is computed from them. Never publish
/// its result alone — subtraction can undo it; it is the first step of [`mask`], public for tests.
pub fn mask_small_cells(
    publication: &mut Publication,
    min_cell: u64,
) -> Result<usize, SuppressionError> {
    let constraints = publication.constraints()?;
    let counts = publication.counts();
    check_sums(&constraints, &counts)?;
    let hidden = small_counts(&counts, min_cell);
    publication.hide(&hidden);
    Ok(hidden.len())
}

/// Primary and secondary masking of a publication (module documentation), in place.
pub fn mask(publication: &mut Publication, min_cell: u64) -> Result<MaskReport, SuppressionError> {
    let constraints = publication.constraints()?;
    let counts = publication.counts();
    check_sums(&constraints, &counts)?;
    let mut hidden = small_counts(&counts, min_cell);
    let primary = hidden.len();
    let around = constraints_by_cell(&constraints);
    loop {
        close_single_hidden(&constraints, &counts, &mut hidden);
        let fixed = fixed_cells(&constraints, &|at| published(&counts, &hidden, at))?;
        if fixed.is_empty() {
            break;
        }
        let mut added: BTreeSet<CellAddress> = BTreeSet::new();
        for cell in fixed.keys() {
            let touched = around
                .get(cell)
                .into_iter()
                .flatten()
                .any(|c| constraints[*c].cells.iter().any(|at| added.contains(at)));
            if !touched {
                let extra = protector(*cell, &constraints, &around, &counts, &hidden)?;
                hidden.insert(extra);
                added.insert(extra);
            }
        }
    }
    publication.hide(&hidden);
    Ok(MaskReport {
        primary,
        secondary: hidden.len() - primary,
    })
}

fn published(
    counts: &BTreeMap<CellAddress, u64>,
    hidden: &BTreeSet<CellAddress>,
    at: CellAddress,
) -> Option<u64> {
    if hidden.contains(&at) {
        None
    } else {
        counts.get(&at).copied()
    }
}

/// The constraints each cell is in.
fn constraints_by_cell(constraints: &[Constraint]) -> BTreeMap<CellAddress, Vec<usize>> {
    let mut around: BTreeMap<CellAddress, Vec<usize>> = BTreeMap::new();
    for (index, constraint) in constraints.iter().enumerate() {
        for at in &constraint.cells {
            around.entry(*at).or_default().push(index);
        }
    }
    around
}

/// Step 2: until no constraint holds exactly one hidden cell, hide a second one in each that does.
fn close_single_hidden(
    constraints: &[Constraint],
    counts: &BTreeMap<CellAddress, u64>,
    hidden: &mut BTreeSet<CellAddress>,
) {
    loop {
        let mut changed = false;
        for constraint in constraints {
            let hidden_here = constraint
                .cells
                .iter()
                .filter(|at| hidden.contains(at))
                .count();
            if hidden_here != 1 {
                continue;
            }
            if let Some(extra) = second_cell(constraint, counts, hidden) {
                hidden.insert(extra);
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// The smallest unhidden positive part (ties: the first cell), else the total if unhidden and positive.
fn second_cell(
    constraint: &Constraint,
    counts: &BTreeMap<CellAddress, u64>,
    hidden: &BTreeSet<CellAddress>,
) -> Option<CellAddress> {
    let candidate =
        |at: &&CellAddress| !hidden.contains(at) && counts.get(at).is_some_and(|value| *value > 0);
    let value = |at: &&CellAddress| (counts.get(at).copied().unwrap_or(0), **at);
    constraint.cells[1..]
        .iter()
        .filter(candidate)
        .min_by_key(value)
        .or_else(|| constraint.cells.first().filter(candidate))
        .copied()
}

/// Step 3: the cell to hide so that `fixed` may no longer be fixed — the smallest unhidden positive
/// count in a constraint around it, or, if there is none, around the hidden cells those constraints
/// reach, and so on outwards.
fn protector(
    fixed: CellAddress,
    constraints: &[Constraint],
    around: &BTreeMap<CellAddress, Vec<usize>>,
    counts: &BTreeMap<CellAddress, u64>,
    hidden: &BTreeSet<CellAddress>,
) -> Result<CellAddress, SuppressionError> {
    let mut seen_cells = BTreeSet::from([fixed]);
    let mut seen_constraints = BTreeSet::new();
    let mut frontier = VecDeque::from([fixed]);
    while !frontier.is_empty() {
        let mut next = VecDeque::new();
        let mut best: Option<(u64, CellAddress)> = None;
        for cell in frontier {
            for index in around.get(&cell).into_iter().flatten() {
                if !seen_constraints.insert(*index) {
                    continue;
                }
                for at in &constraints[*index].cells {
                    match published(counts, hidden, *at) {
                        Some(value) if value > 0 => {
                            let candidate = (value, *at);
                            if best.is_none_or(|best| candidate < best) {
                                best = Some(candidate);
                            }
                        }
                        Some(_) => {}
                        None => {
                            if seen_cells.insert(*at) {
                                next.push_back(*at);
                            }
                        }
                    }
                }
            }
        }
        if let Some((_, at)) = best {
            return Ok(at);
        }
        frontier = next;
    }
    Err(SuppressionError::Unprotectable(fixed))
}

/// The hidden cells of the constraints that the published values fix, with their values.
fn fixed_cells(
    constraints: &[Constraint],
    published: &dyn Fn(CellAddress) -> Option<u64>,
) -> Result<BTreeMap<CellAddress, Fraction>, SuppressionError> {
    let mut unknowns: BTreeMap<CellAddress, usize> = BTreeMap::new();
    let mut equations = Vec::new();
    for constraint in constraints {
        let mut terms = Vec::new();
        let mut constant: i128 = 0;
        for (position, at) in constraint.cells.iter().enumerate() {
            let coefficient: i64 = if position == 0 { 1 } else { -1 };
            match published(*at) {
                Some(value) => constant -= i128::from(coefficient) * i128::from(value),
                None => {
                    let next = unknowns.len();
                    terms.push((*unknowns.entry(*at).or_insert(next), coefficient));
                }
            }
        }
        if !terms.is_empty() {
            equations.push(Equation { terms, constant });
        }
    }
    let cells: BTreeMap<usize, CellAddress> = unknowns.iter().map(|(at, i)| (*i, *at)).collect();
    Ok(determined(&equations)?
        .into_iter()
        .filter_map(|(unknown, value)| Some((*cells.get(&unknown)?, value)))
        .collect())
}

/// The subtraction attack on a masked publication: every hidden count that the published counts and
/// the declared sums (tables' own and links) fix exactly, with the value they give. Solved by exact
/// Gauss–Jordan elimination over the rationals ([`super::linear::determined`]); an empty answer means
/// no hidden count can be rebuilt from the published ones by any linear combination of the sums.
pub fn subtraction_attack(publication: &Publication) -> Result<Vec<Recovered>, SuppressionError> {
    let constraints = publication.constraints()?;
    let counts = publication.counts();
    let fixed = fixed_cells(&constraints, &|at| counts.get(&at).copied())?;
    Ok(fixed
        .into_iter()
        .map(|(cell, value)| Recovered { cell, value })
        .collect())
}
