//! Reach: the people enrolled in the period, and how many of them live in the most fragile communes
//! of the fragility index (when the commune has an index), by audience, by age band and by commune.

use super::cut::Scope;
use super::facts::PersonFacts;
use super::records::Place;
use super::table::{Cell, CellRef, IndicatorTable, Row};
use crate::directory::Audience;
use crate::pathway::AgeBand;

const COLUMNS: [&str; 5] = [
    "Personnes",
    "Communes les plus fragiles",
    "Autres communes",
    "Commune sans indice",
    "Part des communes les plus fragiles",
];

/// People by their commune's fragility: fragile, other, without an index.
type Split = [u64; 3];

/// The facts of the people kept who enrolled in the period, with their positions.
fn enrolled<'a>(scope: &'a Scope) -> impl Iterator<Item = (u32, &'a PersonFacts)> + 'a {
    let facts = scope.data.person_facts();
    scope
        .enrolled_positions()
        .map(move |at| (at, &facts[at as usize]))
}

/// One row: people, fragile, other, unknown, share of fragile among the known; and its row sum.
fn push_row(table: &mut IndicatorTable, key: &str, label: &str, split: &Split) {
    let row = table.rows.len();
    let [fragile, other, unknown] = *split;
    table.rows.push(Row::new(
        key,
        label,
        vec![
            Cell::count(fragile + other + unknown),
            Cell::count(fragile),
            Cell::count(other),
            Cell::count(unknown),
            Cell::rate(
                fragile,
                fragile + other,
                vec![CellRef::new(row, 1), CellRef::new(row, 2)],
            ),
        ],
    ));
    table.add_row_sum(row, 0, &[1, 2, 3]);
}

/// The last row is the total of the others, column by column.
fn sum_columns(table: &mut IndicatorTable) {
    let total_row = table.rows.len() - 1;
    for column in 0..4 {
        table.add_column_sum(column, total_row, &(0..total_row).collect::<Vec<_>>());
    }
}

/// By audience. A person may belong to several audiences, or none: rows overlap and are not summed.
pub(crate) fn by_audience(scope: &Scope) -> IndicatorTable {
    let mut groups = vec![Split::default(); Audience::ALL.len()];
    let (mut none, mut all) = (Split::default(), Split::default());
    for (_, person) in enrolled(scope) {
        let slot = usize::from(person.fragility);
        all[slot] += 1;
        if person.audiences == 0 {
            none[slot] += 1;
        }
        for (index, group) in groups.iter_mut().enumerate() {
            if person.in_audience(index) {
                group[slot] += 1;
            }
        }
    }
    let mut table = IndicatorTable::new(
        "portee_public",
        "Personnes repérées et communes fragiles, par public",
        &COLUMNS,
    );
    // Only the publics someone is recorded in: a row that can only read 0 would mislead.
    for (index, (audience, group)) in Audience::ALL.iter().zip(&groups).enumerate() {
        if scope.data.records_audience(index) {
            push_row(&mut table, audience.label(), audience.label(), group);
        }
    }
    push_row(&mut table, "sans_public", "Sans public particulier", &none);
    push_row(&mut table, "ensemble", "Ensemble", &all);
    table
}

/// By age band (every person has one, « Non communiqué » included): the bands sum to the total.
pub(crate) fn by_age_band(scope: &Scope) -> IndicatorTable {
    let mut groups = vec![Split::default(); AgeBand::ALL.len()];
    let mut all = Split::default();
    for (_, person) in enrolled(scope) {
        let slot = usize::from(person.fragility);
        all[slot] += 1;
        if let Some(group) = groups.get_mut(usize::from(person.age_band)) {
            group[slot] += 1;
        }
    }
    let mut table = IndicatorTable::new(
        "portee_age",
        "Personnes repérées et communes fragiles, par tranche d'âge",
        &COLUMNS,
    );
    for (band, group) in AgeBand::ALL.iter().zip(&groups) {
        if scope.data.lists_age_band(*band) {
            push_row(&mut table, band.cra_code(), band.label(), group);
        }
    }
    push_row(&mut table, "ensemble", "Ensemble", &all);
    sum_columns(&mut table);
    table
}

/// By commune of residence (INSEE code; the page puts names on them): the communes sum to the total.
pub(crate) fn by_commune(scope: &Scope) -> IndicatorTable {
    by_place(
        scope,
        (
            "portee_commune",
            "Personnes repérées et communes fragiles, par commune",
        ),
        Place::Commune,
    )
}

/// By département of residence: the national view, where commune rows would be tens of thousands of
/// mostly masked cells; the départements sum to the total.
pub(crate) fn by_departement(scope: &Scope) -> IndicatorTable {
    by_place(
        scope,
        (
            "portee_departement",
            "Personnes repérées et communes fragiles, par département",
        ),
        Place::Departement,
    )
}

fn by_place(scope: &Scope, (id, title): (&'static str, &str), place: Place) -> IndicatorTable {
    let codes = scope.data.place_codes(place);
    let mut groups = vec![Split::default(); codes.len()];
    let mut all = Split::default();
    for (at, person) in enrolled(scope) {
        let slot = usize::from(person.fragility);
        all[slot] += 1;
        groups[scope.data.place_of(place, at)][slot] += 1;
    }
    let mut rows: Vec<(&str, &Split)> = codes
        .iter()
        .map(String::as_str)
        .zip(&groups)
        .filter(|(_, group)| group.iter().sum::<u64>() > 0)
        .collect();
    rows.sort_unstable_by_key(|(code, _)| *code);
    let mut table = IndicatorTable::new(id, title, &COLUMNS);
    for (code, group) in rows {
        push_row(&mut table, code, code, group);
    }
    push_row(&mut table, "ensemble", "Ensemble", &all);
    sum_columns(&mut table);
    table
}
