//! What the help achieved: autonomy gained by domain between a person's first and last diagnostics,
//! how referrals closed (outcomes), what people gained (rights, money bracket, job or training), and
//! drop-out.

use super::cut::Scope;
use super::records::ReferralRecord;
use super::table::{Cell, CellRef, IndicatorTable, Row};
use crate::diagnostic::SkillDomain;
use crate::orientation::ClosingOutcome;
use crate::pathway::{MoneyBracket, RightKind};
use std::cmp::Ordering;

/// Per domain, how many people with two diagnostics or more (the last one in the period) progressed,
/// stayed or fell back between their first and last diagnostics.
pub(crate) fn autonomy_gained(scope: &Scope) -> IndicatorTable {
    let mut table = IndicatorTable::new(
        "autonomie",
        "Autonomie gagnée entre le premier et le dernier diagnostic",
        &["Personnes", "Progrès", "Stable", "Recul", "Part en progrès"],
    );
    let pairs: Vec<_> = scope
        .people()
        .filter_map(|person| {
            let diagnostics = scope.data.diagnostics_of(person.key);
            match diagnostics {
                [first, .., last] if scope.period().contains(last.at) => Some((first, last)),
                _ => None,
            }
        })
        .collect();
    for (row, domain) in SkillDomain::ALL.iter().enumerate() {
        let mut moves = [0u64; 3];
        for (first, last) in &pairs {
            if let (Some(before), Some(after)) = (first.level(*domain), last.level(*domain)) {
                let slot = match after.cmp(&before) {
                    Ordering::Greater => 0,
                    Ordering::Equal => 1,
                    Ordering::Less => 2,
                };
                moves[slot] += 1;
            }
        }
        let people: u64 = moves.iter().sum();
        table.rows.push(Row::new(
            domain.label(),
            domain.label(),
            vec![
                Cell::count(people),
                Cell::count(moves[0]),
                Cell::count(moves[1]),
                Cell::count(moves[2]),
                Cell::rate(
                    moves[0],
                    people,
                    vec![CellRef::new(row, 1), CellRef::new(row, 0)],
                ),
            ],
        ));
        table.add_row_sum(row, 0, &[1, 2, 3]);
    }
    table
}

/// The referrals kept that closed in the period.
fn closed<'a>(scope: &'a Scope) -> Vec<&'a ReferralRecord> {
    scope
        .referrals()
        .filter(|r| r.closed_at.is_some_and(|at| scope.period().contains(at)))
        .collect()
}

/// Rows `count, share of the total` for each item, then the total row; the total row is `total_row`.
fn share_rows(
    table: &mut IndicatorTable,
    items: Vec<(String, String, u64)>,
    total_row: usize,
    total: u64,
) {
    for (key, label, count) in items {
        let row = table.rows.len();
        table.rows.push(Row::new(
            key,
            label,
            vec![
                Cell::count(count),
                Cell::rate(
                    count,
                    total,
                    vec![CellRef::new(row, 0), CellRef::new(total_row, 0)],
                ),
            ],
        ));
    }
}

/// Referrals closed in the period, by outcome.
pub(crate) fn outcomes(scope: &Scope) -> IndicatorTable {
    let closed = closed(scope);
    let mut table = IndicatorTable::new(
        "issues",
        "Issues des orientations closes",
        &["Orientations closes", "Part des clôtures"],
    );
    let total = closed.len() as u64;
    table.rows.push(Row::new(
        "total",
        "Ensemble des clôtures",
        vec![Cell::count(total), Cell::Empty],
    ));
    let items = ClosingOutcome::ALL
        .iter()
        .map(|outcome| {
            let count = closed
                .iter()
                .filter(|r| r.outcome == Some(*outcome))
                .count();
            (outcome.label().into(), outcome.label().into(), count as u64)
        })
        .collect();
    share_rows(&mut table, items, 0, total);
    table.add_column_sum(0, 0, &(1..=ClosingOutcome::ALL.len()).collect::<Vec<_>>());
    table
}

/// What people gained, over the referrals closed in the period: each right obtained, at least one
/// right, each monthly money bracket (or none declared), a job or a training.
pub(crate) fn gains(scope: &Scope) -> IndicatorTable {
    let closed = closed(scope);
    let mut table = IndicatorTable::new(
        "gains",
        "Droits, gains financiers et emploi à la clôture",
        &["Orientations closes", "Part des clôtures"],
    );
    let total = closed.len() as u64;
    let count =
        |keep: &dyn Fn(&ReferralRecord) -> bool| closed.iter().filter(|r| keep(r)).count() as u64;
    table.rows.push(Row::new(
        "total",
        "Ensemble des clôtures",
        vec![Cell::count(total), Cell::Empty],
    ));
    let mut items: Vec<(String, String, u64)> = RightKind::ALL
        .iter()
        .map(|right| {
            let n = count(&|r| r.gains.rights.contains(right));
            (right.code().into(), format!("Droit : {}", right.label()), n)
        })
        .collect();
    items.push((
        "au_moins_un_droit".into(),
        "Au moins un droit obtenu".into(),
        count(&|r| !r.gains.rights.is_empty()),
    ));
    let first_money = 1 + items.len();
    for bracket in MoneyBracket::ALL {
        let n = count(&|r| r.gains.money == Some(*bracket));
        items.push((bracket.code().into(), bracket.label().into(), n));
    }
    items.push((
        "sans_gain_financier".into(),
        "Aucun gain financier déclaré".into(),
        count(&|r| r.gains.money.is_none()),
    ));
    let after_money = 1 + items.len();
    items.push((
        "emploi_formation".into(),
        "Emploi ou formation".into(),
        count(&|r| r.gains.job_or_training),
    ));
    share_rows(&mut table, items, 0, total);
    table.add_column_sum(0, 0, &(first_money..after_money).collect::<Vec<_>>());
    table
}

/// Referrals closed in the period by drop-out or because the person could not be reached.
pub(crate) fn drop_out(scope: &Scope) -> IndicatorTable {
    let closed = closed(scope);
    let count = |outcome| closed.iter().filter(|r| r.outcome == Some(outcome)).count() as u64;
    let dropped = count(ClosingOutcome::DroppedOut);
    let unreachable = count(ClosingOutcome::Unreachable);
    let mut table = IndicatorTable::new(
        "abandon",
        "Abandons et personnes injoignables",
        &["Orientations closes", "Part des clôtures"],
    );
    let total = closed.len() as u64;
    table.rows.push(Row::new(
        "total",
        "Ensemble des clôtures",
        vec![Cell::count(total), Cell::Empty],
    ));
    let items = vec![
        (
            "abandon_ou_injoignable".into(),
            "Abandon ou injoignable".into(),
            dropped + unreachable,
        ),
        (
            ClosingOutcome::DroppedOut.label().into(),
            ClosingOutcome::DroppedOut.label().into(),
            dropped,
        ),
        (
            ClosingOutcome::Unreachable.label().into(),
            ClosingOutcome::Unreachable.label().into(),
            unreachable,
        ),
    ];
    share_rows(&mut table, items, 0, total);
    table.add_column_sum(0, 1, &[2, 3]);
    table
}
