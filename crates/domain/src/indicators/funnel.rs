//! The funnel of people from enrolment to a completed pathway, the delays between its steps, the
//! refusals by reason, and the referrals that waited beyond the territory's target delays.
//!
//! The funnel follows a cohort: the people enrolled in the period, whatever the date of their later
//! steps. A person reaches a step when one of their referrals (kept by the cut) did, and only if
//! they reached the step before: the counts can only shrink from one step to the next.

use super::cut::{Params, Scope};
use super::records::{PersonRecord, ReferralRecord};
use super::stats::{median, ninetieth};
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

/// When a person reached each step (`None`: not reached), indexed like [`Step::ALL`].
fn step_times(scope: &Scope, person: &PersonRecord) -> [Option<UnixSeconds>; 7] {
    let referrals: Vec<&ReferralRecord> = scope.referrals_of(person.key).collect();
    let earliest = |at: fn(&ReferralRecord) -> Option<UnixSeconds>| {
        referrals.iter().filter_map(|r| at(r)).min()
    };
    let mut times = [
        Some(person.enrolled_at),
        scope.data.diagnostics_of(person.key).first().map(|d| d.at),
        earliest(|r| r.sent_at),
        earliest(|r| r.accepted_at),
        earliest(|r| r.first_contact_at),
        earliest(|r| r.started_at),
        earliest(|r| {
            let completed = r.started_at.is_some()
                && r.outcome.is_some_and(|o| COMPLETING_OUTCOMES.contains(&o));
            r.closed_at.filter(|_| completed)
        }),
    ];
    for step in 1..times.len() {
        if times[step - 1].is_none() {
            times[step] = None;
        }
    }
    times
}

/// Step times of the cohort: the people kept, enrolled in the period.
fn cohort(scope: &Scope) -> Vec<[Option<UnixSeconds>; 7]> {
    scope
        .people()
        .filter(|person| scope.period().contains(person.enrolled_at))
        .map(|person| step_times(scope, person))
        .collect()
}

fn reached(cohort: &[[Option<UnixSeconds>; 7]], step: usize) -> u64 {
    cohort.iter().filter(|times| times[step].is_some()).count() as u64
}

/// People at each step, and the share of the step before who reached it.
pub(crate) fn funnel(scope: &Scope) -> IndicatorTable {
    let cohort = cohort(scope);
    let mut table = IndicatorTable::new(
        "entonnoir",
        "Parcours des personnes repérées sur la période",
        &["Personnes", "Part de l'étape précédente"],
    );
    for (index, step) in Step::ALL.iter().enumerate() {
        let count = reached(&cohort, index);
        let rate = match index.checked_sub(1) {
            Some(before) => Cell::rate(
                count,
                reached(&cohort, before),
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
    let cohort = cohort(scope);
    let mut table = IndicatorTable::new(
        "delais",
        "Délais entre les étapes du parcours",
        &["Personnes", "Médiane", "90e centile"],
    );
    for (index, pair) in Step::ALL.windows(2).enumerate() {
        let [before, after] = pair else { continue };
        let spans: Vec<i64> = cohort
            .iter()
            .filter_map(|times| Some(times[index + 1]? - times[index]?))
            .collect();
        let basis = vec![CellRef::new(index, 0)];
        table.rows.push(Row::new(
            format!("{}-{}", before.code(), after.code()),
            format!("{} → {}", before.label(), after.label()),
            vec![
                Cell::count(spans.len() as u64),
                Cell::duration(median(&spans), basis.clone()),
                Cell::duration(ninetieth(&spans), basis),
            ],
        ));
    }
    table
}

/// Refusals dated in the period, by reason.
pub(crate) fn refusals(scope: &Scope) -> IndicatorTable {
    let reasons: Vec<RefusalReason> = scope
        .referrals()
        .flat_map(|r| r.refusals.iter())
        .filter(|refusal| scope.period().contains(refusal.at))
        .map(|refusal| refusal.reason)
        .collect();
    let mut table = IndicatorTable::new(
        "refus",
        "Refus des structures par motif",
        &["Refus", "Part des refus"],
    );
    let total_row = RefusalReason::ALL.len();
    let total = reasons.len() as u64;
    for (index, reason) in RefusalReason::ALL.iter().enumerate() {
        let count = reasons.iter().filter(|r| *r == reason).count() as u64;
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

/// When the receiving structure's answer ended the wait: acceptance, first refusal or closing.
fn answered_at(referral: &ReferralRecord) -> Option<UnixSeconds> {
    let first_refusal = referral.refusals.iter().map(|r| r.at).min();
    [referral.accepted_at, first_refusal, referral.closed_at]
        .into_iter()
        .flatten()
        .min()
}

/// When the first contact (or closing) ended the wait after acceptance.
fn contacted_at(referral: &ReferralRecord) -> Option<UnixSeconds> {
    [referral.first_contact_at, referral.closed_at]
        .into_iter()
        .flatten()
        .min()
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
    for referral in scope.referrals() {
        if let Some(at) = referral.sent_at.filter(|at| period.contains(*at)) {
            sent += 1;
            let late = waited_beyond(at, answered_at(referral), params.now, targets.answer_days);
            late_answers += u64::from(late);
        }
        if let Some(at) = referral.accepted_at.filter(|at| period.contains(*at)) {
            accepted += 1;
            let late = waited_beyond(
                at,
                contacted_at(referral),
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
