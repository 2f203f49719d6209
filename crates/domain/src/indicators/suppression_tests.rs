//! Masking against the subtraction attack: a small cell beside its total, a two-way table with its
//! margins, the same refusals cut by EPCI and by commune, and random tables (proptest).

use super::*;
use crate::diagnostic::{AutonomyLevel, SkillDomain};
use crate::orientation::{ReferralState, RefusalReason};
use crate::pathway::{AgeBand, Gains};
use proptest::prelude::*;

const K: u64 = DEFAULT_MIN_CELL;

/// A table of `values` with a total column on the right and a total row below, and all its sums.
fn grid(id: &'static str, values: &[Vec<u64>]) -> IndicatorTable {
    let columns = values.first().map_or(0, Vec::len);
    let mut table = IndicatorTable::new(id, id, &vec!["c"; columns + 1]);
    let mut column_totals = vec![0; columns + 1];
    for (r, line) in values.iter().enumerate() {
        let mut cells: Vec<Cell> = line.iter().map(|v| Cell::count(*v)).collect();
        cells.push(Cell::count(line.iter().sum()));
        for (c, cell) in cells.iter().enumerate() {
            column_totals[c] += cell.count_value().unwrap_or(0);
        }
        table.rows.push(Row::new(format!("r{r}"), "", cells));
        table.add_row_sum(r, columns, &(0..columns).collect::<Vec<_>>());
    }
    let total_row = values.len();
    table.rows.push(Row::new(
        "total",
        "",
        column_totals.into_iter().map(Cell::count).collect(),
    ));
    table.add_row_sum(total_row, columns, &(0..columns).collect::<Vec<_>>());
    for c in 0..=columns {
        table.add_column_sum(c, total_row, &(0..total_row).collect::<Vec<_>>());
    }
    table
}

fn one_table(table: IndicatorTable) -> Publication {
    Publication {
        tables: vec![table],
        links: vec![],
    }
}

fn masked_cells(publication: &Publication) -> Vec<(usize, usize, usize)> {
    let mut cells = Vec::new();
    for (t, table) in publication.tables.iter().enumerate() {
        for (r, row) in table.rows.iter().enumerate() {
            for (c, cell) in row.cells.iter().enumerate() {
                if cell.is_masked() {
                    cells.push((t, r, c));
                }
            }
        }
    }
    cells
}

fn recovered(publication: &Publication) -> Vec<(CellAddress, Option<i128>)> {
    subtraction_attack(publication)
        .expect("check")
        .into_iter()
        .map(|r| (r.cell, r.value.as_integer()))
        .collect()
}

#[test]
fn a_single_small_cell_beside_its_total_takes_its_neighbour_with_it() {
    // Rows A = 30, B = 4, total = 34 (one column, sum total = A + B).
    let mut table = IndicatorTable::new("t", "t", &["Personnes"]);
    for (key, value) in [("a", 30), ("b", 4), ("total", 34)] {
        table
            .rows
            .push(Row::new(key, key, vec![Cell::count(value)]));
    }
    table.add_column_sum(0, 2, &[0, 1]);

    let mut primary_only = one_table(table.clone());
    mask_small_cells(&mut primary_only, K).expect("primary");
    // 34 − 30 gives B back.
    assert_eq!(
        recovered(&primary_only),
        vec![(CellAddress::new(0, 1, 0), Some(4))]
    );

    let mut publication = one_table(table);
    let report = mask(&mut publication, K).expect("mask");
    assert_eq!(
        report,
        MaskReport {
            primary: 1,
            secondary: 1
        }
    );
    // B is small; A is the only other part, so it goes too; the total stays.
    assert_eq!(masked_cells(&publication), vec![(0, 0, 0), (0, 1, 0)]);
    assert_eq!(publication.tables[0].at("total", 0), Some(&Cell::count(34)));
    assert_eq!(recovered(&publication), vec![]);
}

#[test]
fn a_two_way_table_with_margins_is_protected_in_rows_and_columns() {
    //        c0  c1  c2 | total
    //   r0   20   3  15 |  38
    //   r1   12  25  14 |  51
    //   r2   18  16  30 |  64
    //   total 50  44  59 | 153
    let values = vec![vec![20, 3, 15], vec![12, 25, 14], vec![18, 16, 30]];
    let mut primary_only = one_table(grid("t", &values));
    mask_small_cells(&mut primary_only, K).expect("primary");
    // Row r0 alone gives 38 − 20 − 15 = 3.
    assert!(recovered(&primary_only).contains(&(CellAddress::new(0, 0, 1), Some(3))));

    let mut publication = one_table(grid("t", &values));
    let report = mask(&mut publication, K).expect("mask");
    // Primary: (r0, c1) = 3. The sums are taken rows first, then columns:
    // r0 holds one hidden cell → its smallest other part, 15 (r0, c2);
    // c1 holds one → its smallest other part, 16 (r2, c1);
    // c2 now holds one (15) → 14 (r1, c2); the next pass: r1 holds one (14) → 12 (r1, c0);
    // r2 holds one (16) → 18 (r2, c0); then every row and column holds two or none.
    // The hidden cells make the cycle r0c1 r0c2 r1c2 r1c0 r2c0 r2c1: none is fixed.
    assert_eq!(
        report,
        MaskReport {
            primary: 1,
            secondary: 5
        }
    );
    assert_eq!(
        masked_cells(&publication),
        vec![
            (0, 0, 1),
            (0, 0, 2),
            (0, 1, 0),
            (0, 1, 2),
            (0, 2, 0),
            (0, 2, 1)
        ]
    );
    assert_eq!(recovered(&publication), vec![]);
}

#[test]
fn a_bridge_between_two_hidden_cycles_is_found_by_the_exact_check() {
    //        c0  c1  c2  c3 | total
    //   r0    5   6  20  30 |  61
    //   r1    4   7   3  40 |  54
    //   r2   25  35   2   8 |  70
    //   r3   50  60   9   1 | 120
    //   total 84 108  34  79 | 305
    // The nine cells under 11 are hidden by the primary rule: every row and column then holds 0,
    // 2 or 3 hidden cells, so the one-hidden rule has nothing to do. Yet, from published cells:
    // row r0 gives r0c0 + r0c1 = 61 − 20 − 30 = 11; column c0, r0c0 + r1c0 = 84 − 25 − 50 = 9;
    // column c1, r0c1 + r1c1 = 108 − 35 − 60 = 13; so r1c0 + r1c1 = 9 + 13 − 11 = 11, and row r1
    // gives r1c2 = 54 − 40 − 11 = 3. The cell joining the two hidden cycles (r0 r1 × c0 c1 and
    // r2 r3 × c2 c3) is fixed.
    let values = vec![
        vec![5, 6, 20, 30],
        vec![4, 7, 3, 40],
        vec![25, 35, 2, 8],
        vec![50, 60, 9, 1],
    ];
    let mut primary_only = one_table(grid("t", &values));
    assert_eq!(mask_small_cells(&mut primary_only, K), Ok(9));
    assert_eq!(
        recovered(&primary_only),
        vec![(CellAddress::new(0, 1, 2), Some(3))]
    );

    let mut publication = one_table(grid("t", &values));
    let report = mask(&mut publication, K).expect("mask");
    // The exact check finds r1c2 fixed; the smallest published positive count of its row or
    // column is r0c2 = 20, hidden: a second path now joins the two cycles, and nothing is fixed.
    assert_eq!(
        report,
        MaskReport {
            primary: 9,
            secondary: 1
        }
    );
    assert!(publication.tables[0].rows[0].cells[2].is_masked());
    assert_eq!(recovered(&publication), vec![]);
}

/// A person of `commune` (EPCI E) with one referral refused for `reason`.
fn refused(
    key: u64,
    commune: &str,
    reason: RefusalReason,
) -> (PersonRecord, ReferralRecord, DiagnosticRecord) {
    let person = PersonRecord {
        key,
        enrolled_at: 0,
        enrolling_structure: 1,
        commune: commune.into(),
        epci: Some("E".into()),
        departement: "49".into(),
        audiences: vec![],
        age_band: AgeBand::Unknown,
        typology: None,
        fragile_commune: None,
    };
    let referral = ReferralRecord {
        id: key as i64,
        person: key,
        sender_structure: 1,
        receiver_structure: 2,
        offer: 3,
        support_model: None,
        state: ReferralState::Refused,
        sent_at: Some(10),
        accepted_at: None,
        first_contact_at: None,
        started_at: None,
        closed_at: None,
        refusals: vec![Refusal { at: 20, reason }],
        outcome: None,
        gains: Gains::default(),
    };
    let diagnostic = DiagnosticRecord {
        person: key,
        at: 5,
        autonomy: vec![(SkillDomain::UsingDevice, AutonomyLevel::Partial)],
    };
    (person, referral, diagnostic)
}

/// Commune A: 4 « no capacity », 12 « need not covered », 20 « other »;
/// commune B: 11, 15 and 14. The EPCI: 15, 27 and 34.
fn refusals_in_two_communes() -> Dataset {
    let plan = [
        ("A", RefusalReason::NoCapacity, 4),
        ("A", RefusalReason::NeedNotCovered, 12),
        ("A", RefusalReason::Other, 20),
        ("B", RefusalReason::NoCapacity, 11),
        ("B", RefusalReason::NeedNotCovered, 15),
        ("B", RefusalReason::Other, 14),
    ];
    let (mut people, mut referrals, mut diagnostics) = (vec![], vec![], vec![]);
    for (commune, reason, count) in plan {
        for _ in 0..count {
            let (p, r, d) = refused(people.len() as u64 + 1, commune, reason);
            people.push(p);
            referrals.push(r);
            diagnostics.push(d);
        }
    }
    Dataset::new(people, referrals, diagnostics, vec![], vec![]).expect("consistent")
}

/// The refusals of the EPCI, of commune A and of commune B, as one publication with the EPCI's
/// figures tied to the communes' sums.
fn epci_and_communes(data: &Dataset) -> Publication {
    let cut = |area: Area| Cut {
        area: Some(area),
        ..Cut::default()
    };
    let mut publication = Publication::default();
    let epci = publication.push(refusals(data, &cut(Area::Epci("E".into()))));
    let a = publication.push(refusals(data, &cut(Area::Commune("A".into()))));
    let b = publication.push(refusals(data, &cut(Area::Commune("B".into()))));
    publication
        .link_partition(epci, &[a, b])
        .expect("same indicator");
    publication
}

#[test]
fn the_same_refusals_cut_by_epci_and_by_commune_cannot_be_subtracted() {
    let data = refusals_in_two_communes();
    let no_capacity = RefusalReason::NoCapacity.label();
    let a_no_capacity = CellAddress::new(1, 0, 0);

    // Primary only: A's 4 is hidden, but the EPCI's 15 minus B's 11 gives it back.
    let mut primary_only = epci_and_communes(&data);
    mask_small_cells(&mut primary_only, K).expect("primary");
    assert_eq!(
        primary_only.tables[1].at(no_capacity, 0),
        Some(&Cell::Masked)
    );
    assert!(recovered(&primary_only).contains(&(a_no_capacity, Some(4))));

    // Each table protected on its own (its total = the sum of its reasons): A hides 4 and 12 and
    // is safe alone, but the EPCI and B, each complete, still give 15 − 11 = 4.
    let mut separately = epci_and_communes(&data);
    let links = std::mem::take(&mut separately.links);
    for table in separately.tables.iter_mut() {
        let mut alone = one_table(table.clone());
        mask(&mut alone, K).expect("mask");
        *table = alone.tables.remove(0);
    }
    assert_eq!(
        separately.tables[1].at(RefusalReason::NeedNotCovered.label(), 0),
        Some(&Cell::Masked)
    );
    separately.links = links;
    assert!(recovered(&separately).contains(&(a_no_capacity, Some(4))));

    // Protected together: nothing can be rebuilt, and what shows is 0 or at least 11.
    let mut together = epci_and_communes(&data);
    let report = mask(&mut together, K).expect("mask");
    assert_eq!(report.primary, 1);
    assert!(report.secondary >= 2);
    assert_eq!(recovered(&together), vec![]);
    assert_eq!(together.tables[2].at(no_capacity, 0), Some(&Cell::Masked));
    assert_eq!(together.tables[1].at(no_capacity, 1), Some(&Cell::Masked));
    for table in &together.tables {
        for row in &table.rows {
            for cell in &row.cells {
                assert!(cell.count_value().is_none_or(|v| v == 0 || v >= K));
            }
        }
    }
}

#[test]
fn a_sum_that_does_not_hold_is_refused_rather_than_protected_badly() {
    let data = refusals_in_two_communes();
    let mut publication = Publication::default();
    let epci = publication.push(refusals(&data, &Cut::default()));
    let a = publication.push(refusals(
        &data,
        &Cut {
            area: Some(Area::Commune("A".into())),
            ..Cut::default()
        },
    ));
    // Commune B is missing from the split: the EPCI's 15 is not A's 4.
    publication
        .link_partition(epci, &[a])
        .expect("same indicator");
    let error = mask(&mut publication, K).expect_err("wrong split");
    assert!(matches!(
        error,
        SuppressionError::SumDoesNotHold {
            value: 15,
            sum: 4,
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        "Le total (tableau 1, ligne 1, colonne 1) vaut 15, mais ses parties font 4 : la somme déclarée est fausse."
    );
    let funnel_table = funnel(&data, &Cut::default());
    let other = publication.push(funnel_table);
    assert_eq!(
        publication.link_partition(epci, &[other]),
        Err(SuppressionError::NotSameIndicator(0, 2))
    );
}

#[test]
fn masking_runs_once_on_complete_tables() {
    let mut publication = one_table(grid("t", &[vec![20, 3], vec![12, 25]]));
    mask(&mut publication, K).expect("first");
    assert!(matches!(
        mask(&mut publication, K),
        Err(SuppressionError::AlreadyMasked(_))
    ));
    let mut rates = one_table(grid("t", &[vec![20, 3]]));
    rates.links.push(Link {
        total: CellAddress::new(0, 0, 0),
        parts: vec![CellAddress::new(0, 9, 0)],
    });
    assert_eq!(
        mask(&mut rates, K),
        Err(SuppressionError::NoSuchCell(CellAddress::new(0, 9, 0)))
    );
}

/// Two tables of the same shape and their cell-by-cell sum, each with its margins, the sum tied
/// to the two parts (like a département and its two EPCIs).
fn split(first: &[Vec<u64>], second: &[Vec<u64>]) -> Publication {
    let whole: Vec<Vec<u64>> = first
        .iter()
        .zip(second)
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x + y).collect())
        .collect();
    let mut publication = Publication::default();
    let total = publication.push(grid("t", &whole));
    let a = publication.push(grid("t", first));
    let b = publication.push(grid("t", second));
    publication
        .link_partition(total, &[a, b])
        .expect("same shape");
    publication
}

fn matrix(rows: usize, columns: usize) -> impl Strategy<Value = Vec<Vec<u64>>> {
    // Mostly small values, so that many cells are hidden and secondary masking has work.
    let value = prop_oneof![3 => 0u64..11, 1 => 11u64..40];
    prop::collection::vec(prop::collection::vec(value, columns), rows)
}

fn two_matrices() -> impl Strategy<Value = (Vec<Vec<u64>>, Vec<Vec<u64>>)> {
    (1usize..5, 1usize..5).prop_flat_map(|(r, c)| (matrix(r, c), matrix(r, c)))
}

fn check_masked(publication: &Publication, original: &Publication) -> Result<(), TestCaseError> {
    prop_assert_eq!(recovered(publication), vec![]);
    for (table, before) in publication.tables.iter().zip(&original.tables) {
        for (row, row_before) in table.rows.iter().zip(&before.rows) {
            for (cell, cell_before) in row.cells.iter().zip(&row_before.cells) {
                if let Some(value) = cell.count_value() {
                    prop_assert!(value == 0 || value >= K);
                    prop_assert_eq!(cell, cell_before);
                }
                if let Some(value) = cell_before.count_value() {
                    prop_assert!(value == 0 || value >= K || cell.is_masked());
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn random_tables_keep_no_small_cell_and_no_rebuildable_one(
        values in (1usize..6, 1usize..6).prop_flat_map(|(r, c)| matrix(r, c))
    ) {
        let original = one_table(grid("t", &values));
        let mut publication = original.clone();
        mask(&mut publication, K).expect("mask");
        check_masked(&publication, &original)?;
    }

    #[test]
    fn random_splits_keep_no_small_cell_and_no_rebuildable_one((a, b) in two_matrices()) {
        let original = split(&a, &b);
        let mut publication = original.clone();
        mask(&mut publication, K).expect("mask");
        check_masked(&publication, &original)?;
    }
}
