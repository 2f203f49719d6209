//! The one shape every indicator takes: a table of counts, amounts, rates and durations with French
//! labels, plus the additive constraints between its counts (a total is the sum of its parts) that
//! small-cell masking must respect. Web pages, CSV and JSON render any table the same way.

use serde::Serialize;

/// A cell's position inside its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CellRef {
    pub row: usize,
    pub column: usize,
}

impl CellRef {
    pub fn new(row: usize, column: usize) -> CellRef {
        CellRef { row, column }
    }
}

/// One value of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cell {
    /// People or events counted: masked when small (docs/indicateurs.md).
    Count { value: u64 },
    /// A quantity that counts no one (an offer's places): never masked.
    Amount { value: u64 },
    /// A share, kept as its two integers so nothing is rounded before display. `basis` lists the
    /// counts of the same table it is computed from: masking any of them masks the rate.
    Rate {
        numerator: u64,
        denominator: u64,
        #[serde(skip)]
        basis: Vec<CellRef>,
    },
    /// A time span in seconds (a median delay, a total duration), with the counts it is computed over.
    Duration {
        seconds: i64,
        #[serde(skip)]
        basis: Vec<CellRef>,
    },
    /// Nothing to show: a rate over zero, a median over nobody.
    Empty,
    /// Hidden by small-cell masking. Primary and secondary masking look the same on purpose: telling
    /// them apart would tell which cells are small.
    Masked,
}

impl Cell {
    pub fn count(value: u64) -> Cell {
        Cell::Count { value }
    }

    pub fn amount(value: u64) -> Cell {
        Cell::Amount { value }
    }

    /// `numerator / denominator`, or `Empty` over zero.
    pub fn rate(numerator: u64, denominator: u64, basis: Vec<CellRef>) -> Cell {
        if denominator == 0 {
            return Cell::Empty;
        }
        Cell::Rate {
            numerator,
            denominator,
            basis,
        }
    }

    /// A duration, or `Empty` when there is none.
    pub fn duration(seconds: Option<i64>, basis: Vec<CellRef>) -> Cell {
        seconds.map_or(Cell::Empty, |seconds| Cell::Duration { seconds, basis })
    }

    /// The value of a count (not of an amount).
    pub fn count_value(&self) -> Option<u64> {
        match self {
            Cell::Count { value } => Some(*value),
            _ => None,
        }
    }

    /// A rate in percent.
    pub fn percent(&self) -> Option<f64> {
        match self {
            Cell::Rate {
                numerator,
                denominator,
                ..
            } => Some(*numerator as f64 * 100.0 / *denominator as f64),
            _ => None,
        }
    }

    /// A duration in days.
    pub fn days(&self) -> Option<f64> {
        match self {
            Cell::Duration { seconds, .. } => Some(*seconds as f64 / crate::calendar::DAY as f64),
            _ => None,
        }
    }

    /// The counts a rate or a duration is computed from.
    pub fn basis(&self) -> &[CellRef] {
        match self {
            Cell::Rate { basis, .. } | Cell::Duration { basis, .. } => basis,
            _ => &[],
        }
    }

    pub fn is_masked(&self) -> bool {
        matches!(self, Cell::Masked)
    }
}

/// One line of a table: a stable key for machines (a code, an id, a label) and a French label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub key: String,
    pub label: String,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn new(key: impl Into<String>, label: impl Into<String>, cells: Vec<Cell>) -> Row {
        Row {
            key: key.into(),
            label: label.into(),
            cells,
        }
    }
}

/// An additive constraint between counts of one table: `total` = the sum of `parts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sum {
    pub total: CellRef,
    pub parts: Vec<CellRef>,
}

/// One indicator, ready to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorTable {
    /// Stable identifier (`entonnoir`, `delais`…), the same for every cut.
    pub id: &'static str,
    /// French title.
    pub title: String,
    /// French column headers.
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// The sums this table publishes, which masking keeps from being undone by subtraction.
    #[serde(skip)]
    pub sums: Vec<Sum>,
}

impl IndicatorTable {
    pub fn new(id: &'static str, title: impl Into<String>, columns: &[&str]) -> IndicatorTable {
        IndicatorTable {
            id,
            title: title.into(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
            sums: Vec::new(),
        }
    }

    pub fn cell(&self, at: CellRef) -> Option<&Cell> {
        self.rows
            .get(at.row)
            .and_then(|row| row.cells.get(at.column))
    }

    /// The row with this key.
    pub fn row(&self, key: &str) -> Option<&Row> {
        self.rows.iter().find(|row| row.key == key)
    }

    /// The cell at the row with this key, in this column.
    pub fn at(&self, key: &str, column: usize) -> Option<&Cell> {
        self.row(key).and_then(|row| row.cells.get(column))
    }

    /// Adds `total = Σ parts` for one column, rows given by index.
    pub fn add_column_sum(&mut self, column: usize, total_row: usize, part_rows: &[usize]) {
        self.sums.push(Sum {
            total: CellRef::new(total_row, column),
            parts: part_rows
                .iter()
                .map(|row| CellRef::new(*row, column))
                .collect(),
        });
    }

    /// Adds `total = Σ parts` for one row, columns given by index.
    pub fn add_row_sum(&mut self, row: usize, total_column: usize, part_columns: &[usize]) {
        self.sums.push(Sum {
            total: CellRef::new(row, total_column),
            parts: part_columns
                .iter()
                .map(|column| CellRef::new(row, *column))
                .collect(),
        });
    }
}
