//! What the help achieved: autonomy gained by domain between a person's first and last diagnostics,
//! how referrals closed (outcomes), what people gained (rights, money bracket, job or training), and
//! drop-out.

use super::cut::Scope;
use super::facts::{code_of, ReferralFacts, DOMAINS};
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
    // Per domain: progress, stable, decline.
    let mut moves = [[0u64; 3]; DOMAINS];
    let period = scope.period();
    for at in scope.person_positions() {
        let Some(progress) = scope.data.progress_at(at) else {
            continue;
        };
        if !period.contains(progress.last_at) {
            continue;
        }
        for (counts, change) in moves.iter_mut().zip(progress.moves) {
            let slot = match change {
                Some(Ordering::Greater) => 0,
                Some(Ordering::Equal) => 1,
                Some(Ordering::Less) => 2,
                None => continue,
            };
            counts[slot] += 1;
        }
    }
    for (row, (domain, moves)) in SkillDomain::ALL.iter().zip(moves).enumerate() {
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

/// The facts of the referrals kept that closed in the period.
fn closed<'s>(scope: &'s Scope) -> Vec<&'s ReferralFacts> {
    let facts = scope.data.referral_facts();
    scope
        .closed_positions()
        .iter()
        .map(|r| &facts[*r as usize])
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
    let mut by_outcome = vec![0u64; ClosingOutcome::ALL.len()];
    for referral in &closed {
        if let Some(count) = by_outcome.get_mut(usize::from(referral.outcome)) {
            *count += 1;
        }
    }
    let items = ClosingOutcome::ALL
        .iter()
        .zip(by_outcome)
        .map(|(outcome, count)| (outcome.label().into(), outcome.label().into(), count))
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
    let counts = gain_counts(&closed);
    table.rows.push(Row::new(
        "total",
        "Ensemble des clôtures",
        vec![Cell::count(total), Cell::Empty],
    ));
    let mut items: Vec<(String, String, u64)> = RightKind::ALL
        .iter()
        .zip(&counts.rights)
        .map(|(right, n)| {
            let label = format!("Droit : {}", right.label());
            (right.code().into(), label, *n)
        })
        .collect();
    items.push((
        "au_moins_un_droit".into(),
        "Au moins un droit obtenu".into(),
        counts.any_right,
    ));
    let first_money = 1 + items.len();
    for (bracket, n) in MoneyBracket::ALL.iter().zip(&counts.money) {
        items.push((bracket.code().into(), bracket.label().into(), *n));
    }
    items.push((
        "sans_gain_financier".into(),
        "Aucun gain financier déclaré".into(),
        counts.no_money,
    ));
    let after_money = 1 + items.len();
    items.push((
        "emploi_formation".into(),
        "Emploi ou formation".into(),
        counts.job_or_training,
    ));
    share_rows(&mut table, items, 0, total);
    table.add_column_sum(0, 0, &(first_money..after_money).collect::<Vec<_>>());
    table
}

/// Closed referrals counted by each gain, in one pass.
struct GainCounts {
    /// Indexed like [`RightKind::ALL`].
    rights: Vec<u64>,
    any_right: u64,
    /// Indexed like [`MoneyBracket::ALL`].
    money: Vec<u64>,
    no_money: u64,
    job_or_training: u64,
}

fn gain_counts(closed: &[&ReferralFacts]) -> GainCounts {
    let mut counts = GainCounts {
        rights: vec![0; RightKind::ALL.len()],
        any_right: 0,
        money: vec![0; MoneyBracket::ALL.len()],
        no_money: 0,
        job_or_training: 0,
    };
    for referral in closed {
        let mut rights = referral.rights;
        while rights != 0 {
            if let Some(n) = counts.rights.get_mut(rights.trailing_zeros() as usize) {
                *n += 1;
            }
            rights &= rights - 1;
        }
        counts.any_right += u64::from(referral.rights != 0);
        match counts.money.get_mut(usize::from(referral.money)) {
            Some(n) => *n += 1,
            None => counts.no_money += 1,
        }
        counts.job_or_training += u64::from(referral.job_or_training);
    }
    counts
}

/// Referrals closed in the period by drop-out or because the person could not be reached.
pub(crate) fn drop_out(scope: &Scope) -> IndicatorTable {
    let closed = closed(scope);
    let count = |outcome: ClosingOutcome| {
        let code = code_of(ClosingOutcome::ALL, Some(&outcome));
        closed.iter().filter(|r| r.outcome == code).count() as u64
    };
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
