//! A publication: the tables shown together (a page, an export), every cell addressed by table, row
//! and column, and the additive constraints between their counts — each table's own sums plus the
//! [`Link`]s across tables — that masking must keep from being undone by subtraction.

use super::linear::Overflow;
use super::table::{Cell, CellRef, IndicatorTable};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A cell of a publication: which table, which row, which column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellAddress {
    pub table: usize,
    pub row: usize,
    pub column: usize,
}

impl CellAddress {
    pub fn new(table: usize, row: usize, column: usize) -> CellAddress {
        CellAddress { table, row, column }
    }
}

impl fmt::Display for CellAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tableau {}, ligne {}, colonne {}",
            self.table + 1,
            self.row + 1,
            self.column + 1
        )
    }
}

/// A constraint across tables: `total` = the sum of `parts` (one part: the two cells are equal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub total: CellAddress,
    pub parts: Vec<CellAddress>,
}

/// Tables published together, and the constraints between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Publication {
    pub tables: Vec<IndicatorTable>,
    pub links: Vec<Link>,
}

/// Why masking or the check cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuppressionError {
    #[error("La cellule ({0}) n'existe pas.")]
    NoSuchCell(CellAddress),
    #[error("La cellule ({0}) n'est pas un effectif : elle ne peut pas entrer dans une somme.")]
    NotACount(CellAddress),
    #[error("La cellule ({0}) est déjà masquée : le masquage s'applique une seule fois, aux tableaux complets.")]
    AlreadyMasked(CellAddress),
    #[error("La cellule ({0}) figure deux fois dans la même somme.")]
    RepeatedCell(CellAddress),
    #[error("Le total ({total}) vaut {value}, mais ses parties font {sum} : la somme déclarée est fausse.")]
    SumDoesNotHold {
        total: CellAddress,
        value: u64,
        sum: u64,
    },
    #[error("Les tableaux {0} et {1} ne sont pas le même indicateur : ils ne peuvent pas s'additionner.")]
    NotSameIndicator(usize, usize),
    #[error("La ligne « {key} » du tableau {table} n'existe pas dans le total.")]
    RowMissingFromTotal { table: usize, key: String },
    #[error("{0}")]
    Overflow(#[from] Overflow),
    #[error("Aucune cellule ne peut protéger la cellule ({0}).")]
    Unprotectable(CellAddress),
}

/// A constraint over counts: `cells[0]` = Σ `cells[1..]`.
#[derive(Debug, Clone)]
pub(crate) struct Constraint {
    pub cells: Vec<CellAddress>,
}

impl Publication {
    /// Adds a table; returns its index.
    pub fn push(&mut self, table: IndicatorTable) -> usize {
        self.tables.push(table);
        self.tables.len() - 1
    }

    /// Adds another publication's tables and links; returns the index its first table takes.
    pub fn append(&mut self, other: Publication) -> usize {
        let offset = self.tables.len();
        let shift = |a: CellAddress| CellAddress::new(a.table + offset, a.row, a.column);
        self.tables.extend(other.tables);
        self.links.extend(other.links.into_iter().map(|link| Link {
            total: shift(link.total),
            parts: link.parts.into_iter().map(shift).collect(),
        }));
        offset
    }

    /// States that two cells are equal.
    pub fn link_equal(&mut self, a: CellAddress, b: CellAddress) {
        self.links.push(Link {
            total: a,
            parts: vec![b],
        });
    }

    /// States that the tables `parts` split the population of table `total` (same indicator, the
    /// records of the total each in exactly one part): every count of the total is the sum of the
    /// counts at the same row key and column in the parts. [`mask`](super::mask) refuses the publication when a
    /// sum does not hold, so a wrong split is caught rather than silently protected badly.
    pub fn link_partition(
        &mut self,
        total: usize,
        parts: &[usize],
    ) -> Result<(), SuppressionError> {
        let whole = self.table(total)?;
        for part in parts {
            let table = self.table(*part)?;
            if table.id != whole.id || table.columns != whole.columns {
                return Err(SuppressionError::NotSameIndicator(total, *part));
            }
            if let Some(row) = table.rows.iter().find(|row| whole.row(&row.key).is_none()) {
                return Err(SuppressionError::RowMissingFromTotal {
                    table: *part,
                    key: row.key.clone(),
                });
            }
        }
        let mut links = Vec::new();
        for (row, line) in whole.rows.iter().enumerate() {
            for (column, cell) in line.cells.iter().enumerate() {
                if !matches!(cell, Cell::Count { .. }) {
                    continue;
                }
                let cells = parts.iter().filter_map(|part| {
                    let table = self.tables.get(*part)?;
                    let index = table.rows.iter().position(|r| r.key == line.key)?;
                    Some(CellAddress::new(*part, index, column))
                });
                links.push(Link {
                    total: CellAddress::new(total, row, column),
                    parts: cells.collect(),
                });
            }
        }
        self.links.extend(links);
        Ok(())
    }

    fn table(&self, index: usize) -> Result<&IndicatorTable, SuppressionError> {
        self.tables
            .get(index)
            .ok_or(SuppressionError::NoSuchCell(CellAddress::new(index, 0, 0)))
    }

    fn cell(&self, at: CellAddress) -> Result<&Cell, SuppressionError> {
        self.tables
            .get(at.table)
            .and_then(|t| t.rows.get(at.row))
            .and_then(|r| r.cells.get(at.column))
            .ok_or(SuppressionError::NoSuchCell(at))
    }

    /// Every constraint, tables' own sums first; each cell must be a count or hidden.
    pub(crate) fn constraints(&self) -> Result<Vec<Constraint>, SuppressionError> {
        let own = self.tables.iter().enumerate().flat_map(|(index, table)| {
            let at = move |r: CellRef| CellAddress::new(index, r.row, r.column);
            table.sums.iter().map(move |sum| Constraint {
                cells: std::iter::once(at(sum.total))
                    .chain(sum.parts.iter().map(|p| at(*p)))
                    .collect(),
            })
        });
        let linked = self.links.iter().map(|link| Constraint {
            cells: std::iter::once(link.total)
                .chain(link.parts.iter().copied())
                .collect(),
        });
        let constraints: Vec<Constraint> = own.chain(linked).collect();
        for constraint in &constraints {
            let mut seen = BTreeSet::new();
            for at in &constraint.cells {
                if !seen.insert(*at) {
                    return Err(SuppressionError::RepeatedCell(*at));
                }
                match self.cell(*at)? {
                    Cell::Count { .. } | Cell::Masked => {}
                    _ => return Err(SuppressionError::NotACount(*at)),
                }
            }
        }
        Ok(constraints)
    }

    /// Every count, by address.
    pub(crate) fn counts(&self) -> BTreeMap<CellAddress, u64> {
        let mut counts = BTreeMap::new();
        for (t, table) in self.tables.iter().enumerate() {
            for (r, row) in table.rows.iter().enumerate() {
                for (c, cell) in row.cells.iter().enumerate() {
                    if let Cell::Count { value } = cell {
                        counts.insert(CellAddress::new(t, r, c), *value);
                    }
                }
            }
        }
        counts
    }

    /// Hides the counts in `hidden`, then every rate or duration computed from a hidden cell.
    pub(crate) fn hide(&mut self, hidden: &BTreeSet<CellAddress>) {
        for (t, table) in self.tables.iter_mut().enumerate() {
            for (r, row) in table.rows.iter_mut().enumerate() {
                for (c, cell) in row.cells.iter_mut().enumerate() {
                    if hidden.contains(&CellAddress::new(t, r, c)) {
                        *cell = Cell::Masked;
                    }
                }
            }
            let derived_from_hidden: Vec<(usize, usize)> = table
                .rows
                .iter()
                .enumerate()
                .flat_map(|(r, row)| {
                    row.cells
                        .iter()
                        .enumerate()
                        .map(move |(c, cell)| (r, c, cell))
                })
                .filter(|(_, _, cell)| {
                    cell.basis()
                        .iter()
                        .any(|b| table.cell(*b).is_none_or(Cell::is_masked))
                })
                .map(|(r, c, _)| (r, c))
                .collect();
            for (r, c) in derived_from_hidden {
                table.rows[r].cells[c] = Cell::Masked;
            }
        }
    }
}
