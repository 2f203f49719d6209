//! The offer side: places taken by active referrals against each offer's capacity, by offer, by
//! structure and by support model (a snapshot of the current states), and the mediation activity
//! (sessions, participants, time) held in the period.

use super::cut::Scope;
use super::records::Dataset;
use super::table::{Cell, CellRef, IndicatorTable, Row};
use crate::directory::SupportModel;
use crate::orientation::ReferralState;
use std::collections::BTreeMap;

/// The states in which a referral holds one of the offer's places.
pub const ACTIVE_STATES: [ReferralState; 3] = [
    ReferralState::Accepted,
    ReferralState::FirstContact,
    ReferralState::InPathway,
];

/// How the rows of a capacity table are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityBy {
    Offer,
    Structure,
    SupportModel,
}

impl CapacityBy {
    fn table_id(self) -> &'static str {
        match self {
            CapacityBy::Offer => "capacite_offre",
            CapacityBy::Structure => "capacite_structure",
            CapacityBy::SupportModel => "capacite_modele",
        }
    }

    fn title(self) -> &'static str {
        match self {
            CapacityBy::Offer => "Places occupées par offre",
            CapacityBy::Structure => "Places occupées par structure",
            CapacityBy::SupportModel => "Places occupées par modèle d'accompagnement",
        }
    }

    /// How many groups there are: numbered offers, numbered structures, or support models and
    /// "none".
    fn groups(self, data: &Dataset) -> usize {
        let (offers, structures) = data.numbered();
        match self {
            CapacityBy::Offer => offers,
            CapacityBy::Structure => structures,
            CapacityBy::SupportModel => SupportModel::ALL.len() + 1,
        }
    }

    /// The group of an offer given by numbers (offer, structure, support model's code).
    fn group(self, offer: u32, structure: u32, model: u8) -> usize {
        match self {
            CapacityBy::Offer => offer as usize,
            CapacityBy::Structure => structure as usize,
            CapacityBy::SupportModel => usize::from(model).min(SupportModel::ALL.len()),
        }
    }

    /// What identifies a group in its row: the offer's id, the structure's, or the support
    /// model's place in [`SupportModel::ALL`] (−1 when none is known).
    fn id(self, data: &Dataset, group: usize) -> i64 {
        match self {
            CapacityBy::Offer => data.offer_id(group as u32),
            CapacityBy::Structure => data.structure_id(group as u32),
            CapacityBy::SupportModel if group < SupportModel::ALL.len() => group as i64,
            CapacityBy::SupportModel => -1,
        }
    }

    /// Row key and label of a group.
    fn key(self, group: i64) -> (String, String) {
        match self {
            CapacityBy::Offer => (group.to_string(), format!("Offre {group}")),
            CapacityBy::Structure => (group.to_string(), format!("Structure {group}")),
            CapacityBy::SupportModel => match usize::try_from(group)
                .ok()
                .and_then(|at| SupportModel::ALL.get(at))
            {
                Some(model) => (model.label().to_owned(), model.label().to_owned()),
                None => ("non_renseigne".into(), "Modèle non renseigné".into()),
            },
        }
    }
}

/// Places (`None` when no capacity is known), active referrals of one row, and those of them on an
/// offer whose capacity is known: only these are set against the places, so an offer without a
/// capacity never inflates the occupancy.
#[derive(Default)]
struct Use {
    places: Option<u64>,
    active: u64,
    active_on_places: u64,
}

fn use_row(key: String, label: String, row: usize, used: &Use) -> Row {
    Row::new(
        key,
        label,
        vec![
            used.places.map_or(Cell::Empty, Cell::amount),
            Cell::count(used.active),
            Cell::count(used.active_on_places),
            Cell::rate(
                used.active_on_places,
                used.places.unwrap_or(0),
                vec![CellRef::new(row, 2)],
            ),
        ],
    )
}

/// Active referrals (accepted, first contact made, in pathway) against places, grouped by `by`.
/// Under a territory or people criterion, only the active referrals of the people kept count, while
/// places stay the offer's whole capacity; under a territory, the offers are those located in it and
/// those its people are actively referred to.
pub(crate) fn capacity_used(scope: &Scope, by: CapacityBy) -> IndicatorTable {
    // The offers shown (by number): those of the structure (if any) and of the territory (if any),
    // and those the kept people are actively referred to.
    let (cut, data) = (scope.cut, scope.data);
    let (offers, _) = data.numbered();
    let mut shown = vec![false; offers];
    for (at, capacity) in data.capacities().iter().enumerate() {
        shown[at] = cut.structure.is_none_or(|s| capacity.structure == s)
            && cut
                .area
                .as_ref()
                .is_none_or(|area| area.holds_offer(capacity));
    }
    let mut groups: Vec<Use> = (0..by.groups(data)).map(|_| Use::default()).collect();
    let facts = data.referral_facts();
    let with_capacity = data.capacities().len() as u32;
    for r in scope.active_positions() {
        let f = &facts[*r as usize];
        let group = &mut groups[by.group(f.offer, f.receiver, f.model)];
        group.active += 1;
        // Offers with a capacity are numbered first.
        if f.offer < with_capacity {
            group.active_on_places += 1;
        }
        if cut
            .structure
            .is_none_or(|s| data.structure_id(f.receiver) == s)
        {
            shown[f.offer as usize] = true;
        }
    }
    for at in (0..data.capacities().len()).filter(|at| shown[*at]) {
        let (offer, structure, model) = data.capacity_numbers(at);
        let places = &mut groups[by.group(offer, structure, model)].places;
        *places = Some(places.unwrap_or(0) + u64::from(data.capacities()[at].capacity));
    }
    let rows: BTreeMap<(String, String), Use> = groups
        .into_iter()
        .enumerate()
        .filter(|(_, used)| used.places.is_some() || used.active > 0)
        .map(|(group, used)| (by.key(by.id(data, group)), used))
        .collect();
    let mut table = IndicatorTable::new(
        by.table_id(),
        by.title(),
        &[
            "Places",
            "Orientations actives",
            "dont sur une offre aux places connues",
            "Taux d'occupation des places connues",
        ],
    );
    let total = Use {
        places: Some(rows.values().filter_map(|u| u.places).sum()),
        active: rows.values().map(|u| u.active).sum(),
        active_on_places: rows.values().map(|u| u.active_on_places).sum(),
    };
    for ((key, label), used) in rows {
        let row = table.rows.len();
        table.rows.push(use_row(key, label, row, &used));
    }
    let total_row = table.rows.len();
    table.rows.push(use_row(
        "ensemble".into(),
        "Ensemble".into(),
        total_row,
        &total,
    ));
    let parts: Vec<usize> = (0..total_row).collect();
    table.add_column_sum(1, total_row, &parts);
    table.add_column_sum(2, total_row, &parts);
    table
}

/// Sessions held in the period: how many, how many participants, how much time, individual and
/// collective.
pub(crate) fn activity(scope: &Scope) -> IndicatorTable {
    let mut table = IndicatorTable::new(
        "activite",
        "Activité de médiation",
        &["Séances", "Participants", "Durée totale"],
    );
    // Sessions, participants and minutes: individual, collective.
    let mut totals = [(0u64, 0u64, 0i64); 2];
    let period = scope.period();
    for session in scope.session_figures().filter(|s| period.contains(s.at)) {
        let slot = usize::from(session.collective);
        totals[slot].0 += 1;
        totals[slot].1 += u64::from(session.participants);
        totals[slot].2 += i64::from(session.minutes);
    }
    let both = (
        totals[0].0 + totals[1].0,
        totals[0].1 + totals[1].1,
        totals[0].2 + totals[1].2,
    );
    let kinds = [
        ("individuel", "Accompagnements individuels", totals[0]),
        ("collectif", "Ateliers collectifs", totals[1]),
        ("ensemble", "Ensemble", both),
    ];
    for (row, (key, label, (sessions, participants, minutes))) in kinds.into_iter().enumerate() {
        table.rows.push(Row::new(
            key,
            label,
            vec![
                Cell::count(sessions),
                Cell::count(participants),
                Cell::duration(
                    (sessions > 0).then_some(minutes * 60),
                    vec![CellRef::new(row, 0)],
                ),
            ],
        ));
    }
    table.add_column_sum(0, 2, &[0, 1]);
    table.add_column_sum(1, 2, &[0, 1]);
    table
}
