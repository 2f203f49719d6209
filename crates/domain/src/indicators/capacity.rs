//! The offer side: places taken by active referrals against each offer's capacity, by offer, by
//! structure and by support model (a snapshot of the current states), and the mediation activity
//! (sessions, participants, time) held in the period.

use super::cut::Scope;
use super::records::{OfferCapacity, ReferralRecord};
use super::table::{Cell, CellRef, IndicatorTable, Row};
use crate::directory::SupportModel;
use crate::orientation::ReferralState;
use crate::pathway::SessionKind;
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
    fn id(self) -> &'static str {
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

    /// Row key and label of a capacity.
    fn of_capacity(self, capacity: &OfferCapacity) -> (String, String) {
        self.key(capacity.offer, capacity.structure, capacity.support_model)
    }

    /// Row key and label of a referral.
    fn of_referral(self, referral: &ReferralRecord) -> (String, String) {
        self.key(
            referral.offer,
            referral.receiver_structure,
            referral.support_model,
        )
    }

    fn key(self, offer: i64, structure: i64, model: Option<SupportModel>) -> (String, String) {
        match self {
            CapacityBy::Offer => (offer.to_string(), format!("Offre {offer}")),
            CapacityBy::Structure => (structure.to_string(), format!("Structure {structure}")),
            CapacityBy::SupportModel => match model {
                Some(model) => (model.label().to_owned(), model.label().to_owned()),
                None => ("non_renseigne".into(), "Modèle non renseigné".into()),
            },
        }
    }
}

/// Places (`None` when no capacity is known) and active referrals of one row.
#[derive(Default)]
struct Use {
    places: Option<u64>,
    active: u64,
}

fn use_row(key: String, label: String, row: usize, used: &Use) -> Row {
    Row::new(
        key,
        label,
        vec![
            used.places.map_or(Cell::Empty, Cell::amount),
            Cell::count(used.active),
            Cell::rate(
                used.active,
                used.places.unwrap_or(0),
                vec![CellRef::new(row, 1)],
            ),
        ],
    )
}

/// Active referrals (accepted, first contact made, in pathway) against places, grouped by `by`.
/// Under a territory or people criterion, only the active referrals of the people kept count, while
/// places stay the offer's whole capacity.
pub(crate) fn capacity_used(scope: &Scope, by: CapacityBy) -> IndicatorTable {
    let mut rows: BTreeMap<(String, String), Use> = BTreeMap::new();
    let capacities = scope
        .data
        .capacities()
        .iter()
        .filter(|c| scope.cut.structure.is_none_or(|s| c.structure == s));
    for capacity in capacities {
        let places = &mut rows.entry(by.of_capacity(capacity)).or_default().places;
        *places = Some(places.unwrap_or(0) + u64::from(capacity.capacity));
    }
    for referral in scope.referrals() {
        if ACTIVE_STATES.contains(&referral.state) {
            rows.entry(by.of_referral(referral)).or_default().active += 1;
        }
    }
    let mut table = IndicatorTable::new(
        by.id(),
        by.title(),
        &["Places", "Orientations actives", "Taux d'occupation"],
    );
    let total = Use {
        places: Some(rows.values().filter_map(|u| u.places).sum()),
        active: rows.values().map(|u| u.active).sum(),
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
    table.add_column_sum(1, total_row, &(0..total_row).collect::<Vec<_>>());
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
    let sessions: Vec<_> = scope
        .sessions()
        .filter(|s| scope.period().contains(s.at))
        .collect();
    let kinds: [(&str, &str, Option<SessionKind>); 3] = [
        (
            "individuel",
            "Accompagnements individuels",
            Some(SessionKind::Individual),
        ),
        (
            "collectif",
            "Ateliers collectifs",
            Some(SessionKind::Collective),
        ),
        ("ensemble", "Ensemble", None),
    ];
    for (row, (key, label, kind)) in kinds.into_iter().enumerate() {
        let kept: Vec<_> = sessions
            .iter()
            .filter(|s| kind.is_none_or(|k| s.kind == k))
            .collect();
        let minutes: i64 = kept.iter().map(|s| i64::from(s.duration_minutes)).sum();
        let participants: u64 = kept.iter().map(|s| u64::from(s.participants)).sum();
        table.rows.push(Row::new(
            key,
            label,
            vec![
                Cell::count(kept.len() as u64),
                Cell::count(participants),
                Cell::duration(
                    (!kept.is_empty()).then_some(minutes * 60),
                    vec![CellRef::new(row, 0)],
                ),
            ],
        ));
    }
    table.add_column_sum(0, 2, &[0, 1]);
    table.add_column_sum(1, 2, &[0, 1]);
    table
}
