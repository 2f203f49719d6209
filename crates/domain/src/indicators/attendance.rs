//! Appointments kept and missed: of the appointments dated in the period, how many the person came
//! to, missed (the no-show rate is the share of the settled ones they missed), are still to be
//! settled, or were cancelled.

use super::cut::Scope;
use super::table::{Cell, CellRef, IndicatorTable, Row};
use crate::appointment::AppointmentStatus;

/// Appointments dated in the period, by what became of them.
pub(crate) fn attendance(scope: &Scope) -> IndicatorTable {
    let mut table = IndicatorTable::new(
        "rendez_vous",
        "Rendez-vous : venues et absences",
        &["Rendez-vous", "Part des rendez-vous renseignés"],
    );
    let [mut booked, mut attended, mut no_show, mut cancelled] = [0u64; 4];
    let period = scope.period();
    for appointment in scope.appointments().filter(|a| period.contains(a.at)) {
        *match appointment.status {
            AppointmentStatus::Booked => &mut booked,
            AppointmentStatus::Attended => &mut attended,
            AppointmentStatus::NoShow => &mut no_show,
            AppointmentStatus::Cancelled => &mut cancelled,
        } += 1;
    }
    let settled = attended + no_show;
    let rows = [
        (
            "renseignes",
            "Rendez-vous renseignés (personne venue ou absente)",
            settled,
            false,
        ),
        ("venue", "Personne venue", attended, true),
        ("absence", "Personne absente", no_show, true),
        (
            "prevus",
            "Prévus, à venir ou pas encore renseignés",
            booked,
            false,
        ),
        ("annules", "Annulés", cancelled, false),
        (
            "ensemble",
            "Ensemble des rendez-vous",
            settled + booked + cancelled,
            false,
        ),
    ];
    for (row, (key, label, count, with_share)) in rows.into_iter().enumerate() {
        let share = if with_share {
            Cell::rate(
                count,
                settled,
                vec![CellRef::new(row, 0), CellRef::new(0, 0)],
            )
        } else {
            Cell::Empty
        };
        table
            .rows
            .push(Row::new(key, label, vec![Cell::count(count), share]));
    }
    table.add_column_sum(0, 0, &[1, 2]);
    table.add_column_sum(0, 5, &[0, 3, 4]);
    table
}
