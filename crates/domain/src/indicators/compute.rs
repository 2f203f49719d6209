//! The public entry points: one function per indicator (records and cut in, a table out), and the
//! standard set published together with the links between its tables, ready for masking.

use super::capacity::{self, CapacityBy};
use super::cut::{Cut, Params, Scope};
use super::publication::{CellAddress, Publication};
use super::records::Dataset;
use super::table::IndicatorTable;
use super::{attendance as kept_and_missed, funnel as funnel_steps, reach, results};
use crate::orientation::ClosingOutcome;

/// People at each step of the funnel (cohort enrolled in the period) and the share of the step before.
pub fn funnel(data: &Dataset, cut: &Cut) -> IndicatorTable {
    funnel_steps::funnel(&Scope::new(data, cut))
}

/// Median and 90th percentile (nearest rank) of the delay between consecutive steps.
pub fn delays(data: &Dataset, cut: &Cut) -> IndicatorTable {
    funnel_steps::delays(&Scope::new(data, cut))
}

/// Refusals dated in the period, by reason.
pub fn refusals(data: &Dataset, cut: &Cut) -> IndicatorTable {
    funnel_steps::refusals(&Scope::new(data, cut))
}

/// Referrals answered, or first contacted, beyond the target delays.
pub fn beyond_targets(data: &Dataset, cut: &Cut, params: &Params) -> IndicatorTable {
    funnel_steps::beyond_targets(&Scope::new(data, cut), params)
}

/// Progress, stability or decline of autonomy by domain between first and last diagnostics.
pub fn autonomy_gained(data: &Dataset, cut: &Cut) -> IndicatorTable {
    results::autonomy_gained(&Scope::new(data, cut))
}

/// Referrals closed in the period, by outcome.
pub fn outcomes(data: &Dataset, cut: &Cut) -> IndicatorTable {
    results::outcomes(&Scope::new(data, cut))
}

/// Rights, money brackets and jobs or trainings of the referrals closed in the period.
pub fn gains(data: &Dataset, cut: &Cut) -> IndicatorTable {
    results::gains(&Scope::new(data, cut))
}

/// Drop-outs and unreachable people among the referrals closed in the period.
pub fn drop_out(data: &Dataset, cut: &Cut) -> IndicatorTable {
    results::drop_out(&Scope::new(data, cut))
}

/// People enrolled in the period and their communes' fragility, by audience.
pub fn reach_by_audience(data: &Dataset, cut: &Cut) -> IndicatorTable {
    reach::by_audience(&Scope::new(data, cut))
}

/// People enrolled in the period and their communes' fragility, by age band.
pub fn reach_by_age_band(data: &Dataset, cut: &Cut) -> IndicatorTable {
    reach::by_age_band(&Scope::new(data, cut))
}

/// People enrolled in the period and their communes' fragility, by commune.
pub fn reach_by_commune(data: &Dataset, cut: &Cut) -> IndicatorTable {
    reach::by_commune(&Scope::new(data, cut))
}

/// Reach by département of residence (the standard set's place table when no area is cut).
pub fn reach_by_departement(data: &Dataset, cut: &Cut) -> IndicatorTable {
    reach::by_departement(&Scope::new(data, cut))
}

/// Places taken by active referrals, by offer, structure or support model (current states).
pub fn capacity_used(data: &Dataset, cut: &Cut, by: CapacityBy) -> IndicatorTable {
    capacity::capacity_used(&Scope::new(data, cut), by)
}

/// Sessions, participants and time of mediation in the period.
pub fn activity(data: &Dataset, cut: &Cut) -> IndicatorTable {
    capacity::activity(&Scope::new(data, cut))
}

/// Appointments dated in the period: kept, missed (the no-show rate), to settle, cancelled.
pub fn attendance(data: &Dataset, cut: &Cut) -> IndicatorTable {
    kept_and_missed::attendance(&Scope::new(data, cut))
}

/// The standard set of indicators for one cut, in this order: funnel, delays, refusals, target
/// delays, autonomy, outcomes, gains, drop-out, reach by audience, by age band, by commune, capacity
/// by offer, by structure, by model, activity, appointments — with the links that tie the same figure in two
/// tables (the funnel's step and the delay's people, the closings of outcomes, gains and drop-out,
/// the reach totals, the active referrals of the three capacity tables).
pub fn standard_publication(data: &Dataset, cut: &Cut, params: &Params) -> Publication {
    standard_publication_with(data, cut, params, &OneAfterOther)
}

/// How two independent computations are run: the domain runs them one after the other; a caller
/// with threads may run them side by side (the domain itself never spawns one).
pub trait Fork {
    /// Runs `first` and `second`, returns both results.
    fn both<A: Send, B: Send>(
        &self,
        first: impl FnOnce() -> A + Send,
        second: impl FnOnce() -> B + Send,
    ) -> (A, B);
}

/// The domain's own [`Fork`]: one computation, then the other.
pub struct OneAfterOther;

impl Fork for OneAfterOther {
    fn both<A: Send, B: Send>(
        &self,
        first: impl FnOnce() -> A + Send,
        second: impl FnOnce() -> B + Send,
    ) -> (A, B) {
        (first(), second())
    }
}

/// [`standard_publication`], its two halves run by `fork` (the scope's shared lists are built once,
/// by whichever half needs them first), then published in the standard order.
pub fn standard_publication_with(
    data: &Dataset,
    cut: &Cut,
    params: &Params,
    fork: &impl Fork,
) -> Publication {
    let scope = Scope::new(data, cut);
    let (people_side, referral_side) = fork.both(
        || {
            [
                funnel_steps::funnel(&scope),
                funnel_steps::delays(&scope),
                results::autonomy_gained(&scope),
                reach::by_audience(&scope),
                reach::by_age_band(&scope),
                // Nationally, by département; within an area, by commune.
                if cut.area.is_none() {
                    reach::by_departement(&scope)
                } else {
                    reach::by_commune(&scope)
                },
                capacity::activity(&scope),
                kept_and_missed::attendance(&scope),
            ]
        },
        || {
            [
                results::outcomes(&scope),
                results::gains(&scope),
                results::drop_out(&scope),
                capacity::capacity_used(&scope, CapacityBy::Offer),
                capacity::capacity_used(&scope, CapacityBy::Structure),
                capacity::capacity_used(&scope, CapacityBy::SupportModel),
                funnel_steps::refusals(&scope),
                funnel_steps::beyond_targets(&scope, params),
            ]
        },
    );
    let [funnel, delays, autonomy, by_audience, by_age_band, by_place, activity, appointments] =
        people_side;
    let [outcomes, gains, drop_out, by_offer, by_structure, by_model, refusals, beyond] =
        referral_side;
    let mut publication = Publication::default();
    let funnel = publication.push(funnel);
    let delays = publication.push(delays);
    publication.push(refusals);
    publication.push(beyond);
    publication.push(autonomy);
    let outcomes = publication.push(outcomes);
    let gains = publication.push(gains);
    let drop_out = publication.push(drop_out);
    let reach = [
        publication.push(by_audience),
        publication.push(by_age_band),
        publication.push(by_place),
    ];
    let capacity = [by_offer, by_structure, by_model].map(|table| publication.push(table));
    publication.push(activity);
    publication.push(appointments);

    for step in 1..funnel_steps::Step::ALL.len() {
        publication.link_equal(at(funnel, step, 0), at(delays, step - 1, 0));
    }
    link_rows(
        &mut publication,
        (funnel, "reperage"),
        (reach[0], "ensemble"),
        &[(0, 0)],
    );
    for table in [gains, drop_out] {
        link_rows(
            &mut publication,
            (outcomes, "total"),
            (table, "total"),
            &[(0, 0)],
        );
    }
    for outcome in [ClosingOutcome::DroppedOut, ClosingOutcome::Unreachable] {
        let key = outcome.label();
        link_rows(
            &mut publication,
            (outcomes, key),
            (drop_out, key),
            &[(0, 0)],
        );
    }
    let totals: Vec<(usize, usize)> = (0..4).map(|c| (c, c)).collect();
    for other in &reach[1..] {
        link_rows(
            &mut publication,
            (reach[0], "ensemble"),
            (*other, "ensemble"),
            &totals,
        );
    }
    for other in &capacity[1..] {
        link_rows(
            &mut publication,
            (capacity[0], "ensemble"),
            (*other, "ensemble"),
            &[(1, 1), (2, 2)],
        );
    }
    publication
}

fn at(table: usize, row: usize, column: usize) -> CellAddress {
    CellAddress::new(table, row, column)
}

/// Links `a`'s row to `b`'s row, column pairs `(a's, b's)` equal.
fn link_rows(
    publication: &mut Publication,
    (a, a_key): (usize, &str),
    (b, b_key): (usize, &str),
    columns: &[(usize, usize)],
) {
    let row_of = |table: usize, key: &str| {
        publication
            .tables
            .get(table)
            .and_then(|t| t.rows.iter().position(|r| r.key == key))
    };
    let (Some(a_row), Some(b_row)) = (row_of(a, a_key), row_of(b, b_key)) else {
        return;
    };
    for (a_column, b_column) in columns {
        publication.link_equal(at(a, a_row, *a_column), at(b, b_row, *b_column));
    }
}
