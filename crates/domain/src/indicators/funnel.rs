//! The funnel of people from enrolment to a completed pathway, the delays between its steps, the
//! refusals by reason, and the referrals that waited beyond the territory's target delays.
//!
//! The funnel follows a cohort: the people enrolled in the period, whatever the date of their later
//! steps. A person reaches a step when one of their referrals (kept by the cut) did, and only if
//! they reached the step before: the counts can only shrink from one step to the next.

use super::cut::{Params, Positions, Scope};
use super::facts::RefusalFact;
use super::records::{StepTimes, NONE_YET};
use super::stats::median_and_ninetieth;
use super::table::{Cell, CellRef, IndicatorTable, Row};
use crate::orientation::{days_waiting, ClosingOutcome, RefusalReason};
use crate::UnixSeconds;

/// The steps of the funnel, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Detected,
    Diagnosed,
    Oriented,
    Accepted,
    FirstContact,
    Started,
    Completed,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Detected,
        Step::Diagnosed,
        Step::Oriented,
        Step::Accepted,
        Step::FirstContact,
        Step::Started,
        Step::Completed,
    ];

    /// The row key.
    pub fn code(self) -> &'static str {
        match self {
            Step::Detected => "reperage",
            Step::Diagnosed => "diagnostic",
            Step::Oriented => "orientation",
            Step::Accepted => "acceptation",
            Step::FirstContact => "premier_contact",
            Step::Started => "parcours",
            Step::Completed => "parcours_termine",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Detected => "Repérées (inscrites)",
            Step::Diagnosed => "Diagnostiquées",
            Step::Oriented => "Orientées",
            Step::Accepted => "Orientation acceptée",
            Step::FirstContact => "Premier contact fait",
            Step::Started => "Parcours commencé",
            Step::Completed => "Parcours terminé",
        }
    }
}

/// The outcomes that complete a pathway.
pub const COMPLETING_OUTCOMES: [ClosingOutcome; 2] =
    [ClosingOutcome::Autonomous, ClosingOutcome::HelpedOnBehalf];

/// The cohort summed: how many reached each step, and the time each took between consecutive
/// steps (indexed like `Step::ALL.windows(2)`), in seconds.
pub(crate) struct Cohort {
    counts: [u64; 7],
    spans: [Vec<i64>; 6],
}

/// Step times of the cohort: the people kept, enrolled in the period (over all their referrals,
/// precomputed, unless a structure narrows them to the referrals it sent or received).
fn cohort_times<'s>(scope: &'s Scope) -> impl Iterator<Item = StepTimes> + 's {
    let period = scope.period();
    scope
        .person_positions()
        .map(move |at| match scope.cut.structure {
            None => *scope.data.all_step_times(at),
            Some(_) => scope
                .data
                .step_times_with(at, |r| scope.referral_involves_structure(r)),
        })
        // The first step is enrolment.
        .filter(move |times| period.contains(times[0]))
}

/// The cohort summed once per scope.
fn cohort<'s>(scope: &'s Scope) -> &'s Cohort {
    scope.cohort.get_or_init(|| {
        // Room for everyone kept (only what is written is touched).
        let room = match scope.person_positions() {
            Positions::All(range) => range.len(),
            Positions::Listed(list) => list.len(),
        };
        let mut cohort = Cohort {
            counts: [0; 7],
            spans: std::array::from_fn(|_| Vec::with_capacity(room)),
        };
        for times in cohort_times(scope) {
            cohort.counts[0] += 1;
            for step in 1..times.len() {
                if times[step] == NONE_YET {
                    break;
                }
                cohort.counts[step] += 1;
                cohort.spans[step - 1].push(times[step] - times[step - 1]);
            }
        }
        cohort
    })
}

/// How many of the cohort reached each step (without the delays when they are not wanted).
fn reached_counts(scope: &Scope) -> [u64; 7] {
    if let Some(cohort) = scope.cohort.get() {
        return cohort.counts;
    }
    let mut counts = [0u64; 7];
    for times in cohort_times(scope) {
        for (count, at) in counts.iter_mut().zip(times) {
            *count += u64::from(at != NONE_YET);
        }
    }
    counts
}

/// People at each step, and the share of the step before who reached it.
pub(crate) fn funnel(scope: &Scope) -> IndicatorTable {
    let counts = reached_counts(scope);
    let mut table = IndicatorTable::new(
        "entonnoir",
        "Parcours des personnes repérées sur la période",
        &["Personnes", "Part de l'étape précédente"],
    );
    for (index, step) in Step::ALL.iter().enumerate() {
        let count = counts[index];
        let rate = match index.checked_sub(1) {
            Some(before) => Cell::rate(
                count,
                counts[before],
                vec![CellRef::new(index, 0), CellRef::new(before, 0)],
            ),
            None => Cell::Empty,
        };
        table.rows.push(Row::new(
            step.code(),
            step.label(),
            vec![Cell::count(count), rate],
        ));
    }
    table
}

/// Median and 90th percentile of the time between consecutive steps, over the cohort's people who
/// reached the later step.
pub(crate) fn delays(scope: &Scope) -> IndicatorTable {
    let mut table = IndicatorTable::new(
        "delais",
        "Délais entre les étapes du parcours",
        &["Personnes", "Médiane", "90e centile"],
    );
    for (index, pair) in Step::ALL.windows(2).enumerate() {
        let [before, after] = pair else { continue };
        let spans = &cohort(scope).spans[index];
        let (median, ninetieth) = median_and_ninetieth(spans);
        let basis = vec![CellRef::new(index, 0)];
        table.rows.push(Row::new(
            format!("{}-{}", before.code(), after.code()),
            format!("{} → {}", before.label(), after.label()),
            vec![
                Cell::count(spans.len() as u64),
                Cell::duration(median, basis.clone()),
                Cell::duration(ninetieth, basis),
            ],
        ));
    }
    table
}

/// Refusals dated in the period, by reason.
pub(crate) fn refusals(scope: &Scope) -> IndicatorTable {
    let mut by_reason = [0u64; RefusalReason::ALL.len()];
    let period = scope.period();
    let mut count = |refusals: &[RefusalFact]| {
        for refusal in refusals.iter().filter(|r| period.contains(r.at)) {
            if let Some(slot) = by_reason.get_mut(usize::from(refusal.reason)) {
                *slot += 1;
            }
        }
    };
    if scope.keeps_all() {
        count(scope.data.refusal_facts());
    } else {
        for referral in scope.referral_positions() {
            count(scope.data.refusals_at(referral));
        }
    }
    let mut table = IndicatorTable::new(
        "refus",
        "Refus des structures par motif",
        &["Refus", "Part des refus"],
    );
    let total_row = RefusalReason::ALL.len();
    let total = by_reason.iter().sum();
    for (index, reason) in RefusalReason::ALL.iter().enumerate() {
        let count = by_reason[index];
        table.rows.push(Row::new(
            reason.label(),
            reason.label(),
            vec![
                Cell::count(count),
                Cell::rate(
                    count,
                    total,
                    vec![CellRef::new(index, 0), CellRef::new(total_row, 0)],
                ),
            ],
        ));
    }
    table.rows.push(Row::new(
        "total",
        "Ensemble des refus",
        vec![Cell::count(total), Cell::Empty],
    ));
    table.add_column_sum(0, total_row, &(0..total_row).collect::<Vec<_>>());
    table
}

/// Whether a wait from `since` to `until` (or to `now` when it has not ended) passed `target` days.
fn waited_beyond(
    since: UnixSeconds,
    until: Option<UnixSeconds>,
    now: UnixSeconds,
    target: u32,
) -> bool {
    days_waiting(since, until.unwrap_or(now)) > i64::from(target)
}

fn target_row(key: &str, label: String, row: usize, concerned: u64, late: u64) -> Row {
    Row::new(
        key,
        label,
        vec![
            Cell::count(concerned),
            Cell::count(concerned - late),
            Cell::count(late),
            Cell::rate(
                late,
                concerned,
                vec![CellRef::new(row, 2), CellRef::new(row, 0)],
            ),
        ],
    )
}

/// Referrals whose answer (sent in the period) or first contact (accepted in the period) came, or
/// is still awaited at `now`, after more whole days than the target.
pub(crate) fn beyond_targets(scope: &Scope, params: &Params) -> IndicatorTable {
    let targets = params.targets;
    let period = scope.period();
    let (mut sent, mut late_answers, mut accepted, mut late_contacts) = (0, 0, 0, 0);
    let facts = scope.data.referral_facts();
    let reached = |at: UnixSeconds| (at != NONE_YET).then_some(at);
    for referral in scope.referral_positions() {
        let f = &facts[referral as usize];
        if let Some(at) = reached(f.sent_at).filter(|at| period.contains(*at)) {
            sent += 1;
            let late = waited_beyond(at, reached(f.answered_at), params.now, targets.answer_days);
            late_answers += u64::from(late);
        }
        if let Some(at) = reached(f.accepted_at).filter(|at| period.contains(*at)) {
            accepted += 1;
            let late = waited_beyond(
                at,
                reached(f.contacted_at),
                params.now,
                targets.first_contact_days,
            );
            late_contacts += u64::from(late);
        }
    }
    let mut table = IndicatorTable::new(
        "delais_cibles",
        "Orientations au-delà des délais cibles",
        &[
            "Orientations concernées",
            "Dans le délai",
            "Au-delà du délai cible",
            "Part au-delà du délai cible",
        ],
    );
    table.rows.push(target_row(
        "reponse",
        format!(
            "Réponse de la structure (cible : {} jours)",
            targets.answer_days
        ),
        0,
        sent,
        late_answers,
    ));
    table.rows.push(target_row(
        "premier_contact",
        format!(
            "Premier contact après acceptation (cible : {} jours)",
            targets.first_contact_days
        ),
        1,
        accepted,
        late_contacts,
    ));
    table.add_row_sum(0, 0, &[1, 2]);
    table.add_row_sum(1, 0, &[1, 2]);
    table
}
