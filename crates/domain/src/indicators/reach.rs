//! Reach: the people enrolled in the period, and how many of them live in the most fragile communes
//! of the fragility index (when the commune has an index), by audience, by age band and by commune.

use super::cut::Scope;
use super::records::PersonRecord;
use super::table::{Cell, CellRef, IndicatorTable, Row};
use crate::directory::Audience;
use crate::pathway::AgeBand;
use std::collections::BTreeMap;

const COLUMNS: [&str; 5] = [
    "Personnes",
    "Communes les plus fragiles",
    "Autres communes",
    "Commune sans indice",
    "Part des communes les plus fragiles",
];

/// The people kept, enrolled in the period.
fn enrolled<'a>(scope: &'a Scope) -> Vec<&'a PersonRecord> {
    scope
        .people()
        .filter(|p| scope.period().contains(p.enrolled_at))
        .collect()
}

/// One row: people, fragile, other, unknown, share of fragile among the known; and its row sum.
fn push_row(table: &mut IndicatorTable, key: &str, label: &str, people: &[&PersonRecord]) {
    let row = table.rows.len();
    let with = |fragile: Option<bool>| {
        people
            .iter()
            .filter(|p| p.fragile_commune == fragile)
            .count() as u64
    };
    let (fragile, other, unknown) = (with(Some(true)), with(Some(false)), with(None));
    table.rows.push(Row::new(
        key,
        label,
        vec![
            Cell::count(people.len() as u64),
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
    let people = enrolled(scope);
    let mut table = IndicatorTable::new(
        "portee_public",
        "Personnes repérées et communes fragiles, par public",
        &COLUMNS,
    );
    for audience in Audience::ALL {
        let group: Vec<_> = people
            .iter()
            .copied()
            .filter(|p| p.audiences.contains(audience))
            .collect();
        push_row(&mut table, audience.label(), audience.label(), &group);
    }
    let none: Vec<_> = people
        .iter()
        .copied()
        .filter(|p| p.audiences.is_empty())
        .collect();
    push_row(&mut table, "sans_public", "Sans public particulier", &none);
    push_row(&mut table, "ensemble", "Ensemble", &people);
    table
}

/// By age band (every person has one, « Non communiqué » included): the bands sum to the total.
pub(crate) fn by_age_band(scope: &Scope) -> IndicatorTable {
    let people = enrolled(scope);
    let mut table = IndicatorTable::new(
        "portee_age",
        "Personnes repérées et communes fragiles, par tranche d'âge",
        &COLUMNS,
    );
    for band in AgeBand::ALL {
        let group: Vec<_> = people
            .iter()
            .copied()
            .filter(|p| p.age_band == *band)
            .collect();
        push_row(&mut table, band.cra_code(), band.label(), &group);
    }
    push_row(&mut table, "ensemble", "Ensemble", &people);
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
        |person| &person.commune,
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
        |person| &person.departement,
    )
}

fn by_place(
    scope: &Scope,
    (id, title): (&'static str, &str),
    place: impl Fn(&PersonRecord) -> &str,
) -> IndicatorTable {
    let people = enrolled(scope);
    let mut table = IndicatorTable::new(id, title, &COLUMNS);
    let mut places: BTreeMap<&str, Vec<&PersonRecord>> = BTreeMap::new();
    for person in &people {
        places.entry(place(person)).or_default().push(person);
    }
    for (code, group) in &places {
        push_row(&mut table, code, code, group);
    }
    push_row(&mut table, "ensemble", "Ensemble", &people);
    sum_columns(&mut table);
    table
}
