//! Every indicator on one small fixed dataset, each expected value computed by hand in the comment
//! beside it; the cuts; the record checks; and masking of the whole standard set.
//!
//! The dataset (times are day d, hour h of 2026, `t(d, h)`; the period is days 0–89; now is day 120):
//!
//! | person | enrolled | by | commune (EPCI) | audiences | age band | fragile | diagnostics |
//! | --- | --- | --- | --- | --- | --- | --- | --- |
//! | 1 | t(0,9) | 1 | 49007 (E1) | Seniors | 70+ | yes | t(1,9) NNNNN, t(60,9) PPNNN |
//! | 2 | t(2,9) | 1 | 49007 (E1) | — | 40–59 | no | t(3,9) PPAPN, t(80,9) APANP |
//! | 3 | t(5,9) | 2 | 49099 (E1) | Youth | 18–24 | yes | t(5,11) NNNNN, t(95,9) AAAAA |
//! | 4 | t(10,9) | 2 | 49099 (E1) | Seniors, Women | 60–69 | unknown | t(12,9) NNNNN |
//! | 5 | t(20,9) | 1 | 49328 (E2) | Families | 25–39 | no | — |
//! | 6 | t(100,9) | 1 | 49007 (E1) | — | unknown | unknown | t(101,9) NNNNN |
//!
//! | referral | person | sender → receiver, offer | sent | accepted | 1st contact | started | closed | refusals |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | 1 | 1 | 1 → 10, 100 | t(1,10) | t(3,10) | t(8,10) | t(10,10) | t(50,10) autonomy | |
//! | 2 | 2 | 1 → 10, 100 | t(4,10) | t(14,10) | t(30,10) | | | t(12,10) no capacity |
//! | 3 | 3 | 2 → 10, 100 | t(6,10) | t(7,10) | t(9,10) | t(9,14) | | |
//! | 4 | 3 | 2 → 11, 110 | t(6,10) | | | | t(7,10) sent elsewhere | t(6,15) need not covered |
//! | 5 | 4 | 2 → 11, 110 | t(13,10) | | | | | |
//! | 6 | 4 | 2 → 10, 101 | t(13,10) | t(15,10) | | | t(40,10) dropped out | |
//! | 7 | 1 | 1 → 11, 110 | t(20,10) | t(21,10) | | | | |
//! | 8 | 6 | 1 → 10, 100 | t(102,10) | | | | | |
//! | 9 | 2 | 1 → 11, 111 | t(5,10) | t(6,10) | | | t(20,10) unreachable | |

use super::*;
use crate::appointment::AppointmentStatus;
use crate::diagnostic::{AutonomyLevel, SkillDomain, Typology};
use crate::directory::{Audience, SupportModel};
use crate::orientation::{ClosingOutcome, ReferralState, RefusalReason, TargetDelays};
use crate::pathway::{AgeBand, Gains, MoneyBracket, RightKind, SessionKind};

const T0: i64 = 1_767_225_600; // 2026-01-01 00:00 UTC
use crate::calendar::DAY;
use std::collections::HashMap;
const HOUR: i64 = 3_600;
const E1: &str = "244900015";
const E2: &str = "244900882";

fn t(day: i64, hour: i64) -> i64 {
    T0 + day * DAY + hour * HOUR
}

fn person(key: u64, enrolled: i64, structure: i64, commune: &str, epci: &str) -> PersonRecord {
    PersonRecord {
        key,
        enrolled_at: enrolled,
        enrolling_structure: structure,
        commune: commune.into(),
        epci: Some(epci.into()),
        departement: "49".into(),
        audiences: vec![],
        age_band: AgeBand::Unknown,
        typology: None,
        fragile_commune: None,
    }
}

fn people() -> Vec<PersonRecord> {
    use Typology as T;
    vec![
        PersonRecord {
            audiences: vec![Audience::Seniors],
            age_band: AgeBand::From70,
            typology: Some(T::NotAutonomousWilling),
            fragile_commune: Some(true),
            ..person(1, t(0, 9), 1, "49007", E1)
        },
        PersonRecord {
            age_band: AgeBand::From40To59,
            typology: Some(T::PartlyAutonomousWilling),
            fragile_commune: Some(false),
            ..person(2, t(2, 9), 1, "49007", E1)
        },
        PersonRecord {
            audiences: vec![Audience::Youth],
            age_band: AgeBand::From18To24,
            typology: Some(T::NotAutonomousWilling),
            fragile_commune: Some(true),
            ..person(3, t(5, 9), 2, "49099", E1)
        },
        PersonRecord {
            audiences: vec![Audience::Seniors, Audience::Women],
            age_band: AgeBand::From60To69,
            typology: Some(T::NotAutonomousUnwilling),
            ..person(4, t(10, 9), 2, "49099", E1)
        },
        PersonRecord {
            audiences: vec![Audience::Families],
            age_band: AgeBand::From25To39,
            typology: Some(T::Autonomous),
            fragile_commune: Some(false),
            ..person(5, t(20, 9), 1, "49328", E2)
        },
        person(6, t(100, 9), 1, "49007", E1),
    ]
}

/// Levels in the order of `SkillDomain::ALL`, written N, P, A.
fn diagnostic(person: u64, at: i64, levels: &str) -> DiagnosticRecord {
    let level = |c| match c {
        'A' => AutonomyLevel::Autonomous,
        'P' => AutonomyLevel::Partial,
        _ => AutonomyLevel::NotAutonomous,
    };
    DiagnosticRecord {
        person,
        at,
        autonomy: SkillDomain::ALL
            .iter()
            .copied()
            .zip(levels.chars().map(level))
            .collect(),
    }
}

fn diagnostics() -> Vec<DiagnosticRecord> {
    vec![
        diagnostic(1, t(1, 9), "NNNNN"),
        diagnostic(1, t(60, 9), "PPNNN"),
        diagnostic(2, t(3, 9), "PPAPN"),
        diagnostic(2, t(80, 9), "APANP"),
        diagnostic(3, t(5, 11), "NNNNN"),
        diagnostic(3, t(95, 9), "AAAAA"),
        diagnostic(4, t(12, 9), "NNNNN"),
        diagnostic(6, t(101, 9), "NNNNN"),
    ]
}

fn referral(id: i64, person: u64, sender: i64, receiver: i64, offer: i64) -> ReferralRecord {
    let support_model = match receiver {
        10 => Some(SupportModel::PlaceOfKnowledge),
        _ => Some(SupportModel::Charity),
    };
    ReferralRecord {
        id,
        person,
        sender_structure: sender,
        receiver_structure: receiver,
        offer,
        support_model,
        state: ReferralState::Sent,
        sent_at: None,
        accepted_at: None,
        first_contact_at: None,
        started_at: None,
        closed_at: None,
        refusals: vec![],
        outcome: None,
        gains: Gains::default(),
    }
}

fn referrals() -> Vec<ReferralRecord> {
    use ReferralState as S;
    let refusal = |at, reason| Refusal { at, reason };
    vec![
        ReferralRecord {
            state: S::Closed,
            sent_at: Some(t(1, 10)),
            accepted_at: Some(t(3, 10)),
            first_contact_at: Some(t(8, 10)),
            started_at: Some(t(10, 10)),
            closed_at: Some(t(50, 10)),
            outcome: Some(ClosingOutcome::Autonomous),
            gains: Gains {
                rights: [RightKind::HousingAid, RightKind::ActivityBonus].into(),
                money: Some(MoneyBracket::From50To150),
                job_or_training: false,
            },
            ..referral(1, 1, 1, 10, 100)
        },
        ReferralRecord {
            state: S::FirstContact,
            sent_at: Some(t(4, 10)),
            refusals: vec![refusal(t(12, 10), RefusalReason::NoCapacity)],
            accepted_at: Some(t(14, 10)),
            first_contact_at: Some(t(30, 10)),
            ..referral(2, 2, 1, 10, 100)
        },
        ReferralRecord {
            state: S::InPathway,
            sent_at: Some(t(6, 10)),
            accepted_at: Some(t(7, 10)),
            first_contact_at: Some(t(9, 10)),
            started_at: Some(t(9, 14)),
            ..referral(3, 3, 2, 10, 100)
        },
        ReferralRecord {
            state: S::Closed,
            sent_at: Some(t(6, 10)),
            refusals: vec![refusal(t(6, 15), RefusalReason::NeedNotCovered)],
            closed_at: Some(t(7, 10)),
            outcome: Some(ClosingOutcome::SentElsewhere),
            ..referral(4, 3, 2, 11, 110)
        },
        ReferralRecord {
            sent_at: Some(t(13, 10)),
            ..referral(5, 4, 2, 11, 110)
        },
        ReferralRecord {
            state: S::Closed,
            sent_at: Some(t(13, 10)),
            accepted_at: Some(t(15, 10)),
            closed_at: Some(t(40, 10)),
            outcome: Some(ClosingOutcome::DroppedOut),
            gains: Gains {
                job_or_training: true,
                ..Gains::default()
            },
            ..referral(6, 4, 2, 10, 101)
        },
        ReferralRecord {
            state: S::Accepted,
            sent_at: Some(t(20, 10)),
            accepted_at: Some(t(21, 10)),
            ..referral(7, 1, 1, 11, 110)
        },
        ReferralRecord {
            sent_at: Some(t(102, 10)),
            ..referral(8, 6, 1, 10, 100)
        },
        ReferralRecord {
            state: S::Closed,
            sent_at: Some(t(5, 10)),
            accepted_at: Some(t(6, 10)),
            closed_at: Some(t(20, 10)),
            outcome: Some(ClosingOutcome::Unreachable),
            ..referral(9, 2, 1, 11, 111)
        },
    ]
}

fn session(referral: Option<i64>, day: i64, minutes: u32, participants: u32) -> SessionFact {
    SessionFact {
        referral,
        structure: 10,
        mediator: if participants > 1 { 501 } else { 500 },
        at: t(day, 14),
        duration_minutes: minutes,
        kind: if participants > 1 {
            SessionKind::Collective
        } else {
            SessionKind::Individual
        },
        participants,
    }
}

fn capacity(offer: i64, structure: i64, capacity: u32) -> OfferCapacity {
    OfferCapacity {
        offer,
        structure,
        support_model: Some(if structure == 10 {
            SupportModel::PlaceOfKnowledge
        } else {
            SupportModel::Charity
        }),
        capacity,
        // Offers 100 and 101 in 49007 (E1), the others in 49328 (E2).
        commune: if offer < 110 { "49007" } else { "49328" }.into(),
        epci: Some(if offer < 110 { E1 } else { E2 }.into()),
        departement: "49".into(),
    }
}

fn dataset() -> Dataset {
    Dataset::new(
        people(),
        referrals(),
        diagnostics(),
        vec![
            session(Some(1), 10, 60, 1),
            session(Some(1), 20, 90, 1),
            session(None, 30, 120, 8),
            session(Some(3), 95, 60, 1),
        ],
        vec![
            capacity(100, 10, 5),
            capacity(101, 10, 2),
            capacity(110, 11, 4),
        ],
    )
    .expect("consistent records")
    .with_appointments(appointments())
    .expect("appointments of known referrals")
}

fn appointment(
    referral: i64,
    structure: i64,
    at: i64,
    status: AppointmentStatus,
) -> AppointmentFact {
    AppointmentFact {
        referral,
        structure,
        at,
        status,
    }
}

/// R1 and R3 came (days 8 and 9), R2 did not (day 20), R7's is still booked (day 25), R5's was
/// cancelled (day 14); R8's no-show (day 103) is after the quarter.
fn appointments() -> Vec<AppointmentFact> {
    use AppointmentStatus as S;
    vec![
        appointment(1, 10, t(8, 9), S::Attended),
        appointment(2, 10, t(20, 9), S::NoShow),
        appointment(3, 10, t(9, 9), S::Attended),
        appointment(7, 11, t(25, 9), S::Booked),
        appointment(5, 11, t(14, 9), S::Cancelled),
        appointment(8, 10, t(103, 9), S::NoShow),
    ]
}

fn quarter() -> Cut {
    Cut {
        period: Period::between(t(0, 0), t(90, 0)).expect("ordered"),
        ..Cut::default()
    }
}

fn params() -> Params {
    Params {
        now: t(120, 0),
        targets: TargetDelays::default(),
    }
}

fn count(table: &IndicatorTable, key: &str, column: usize) -> u64 {
    match table.at(key, column) {
        Some(Cell::Count { value }) => *value,
        other => panic!("{} {key} {column}: {other:?}", table.id),
    }
}

fn counts(table: &IndicatorTable, column: usize) -> Vec<u64> {
    table
        .rows
        .iter()
        .map(|row| count(table, &row.key, column))
        .collect()
}

/// `(numerator, denominator)`, or `None` for an empty cell.
/// The row keys of a table, in order.
fn keys(table: &IndicatorTable) -> Vec<&str> {
    table.rows.iter().map(|r| r.key.as_str()).collect()
}

fn rate(table: &IndicatorTable, key: &str, column: usize) -> Option<(u64, u64)> {
    match table.at(key, column) {
        Some(Cell::Rate {
            numerator,
            denominator,
            ..
        }) => Some((*numerator, *denominator)),
        Some(Cell::Empty) => None,
        other => panic!("{} {key} {column}: {other:?}", table.id),
    }
}

fn seconds(table: &IndicatorTable, key: &str, column: usize) -> Option<i64> {
    match table.at(key, column) {
        Some(Cell::Duration { seconds, .. }) => Some(*seconds),
        Some(Cell::Empty) => None,
        other => panic!("{} {key} {column}: {other:?}", table.id),
    }
}

#[test]
fn the_funnel_counts_the_cohort_enrolled_in_the_period() {
    let table = funnel(&dataset(), &quarter());
    // Enrolled days 0–89: persons 1–5 (6 is enrolled on day 100).
    // Diagnosed: 1, 2, 3, 4 (5 has no diagnostic).
    // Oriented: 1 (R1), 2 (R2, R9), 3 (R3, R4), 4 (R5, R6).
    // Accepted: 1 (R1), 2 (R9), 3 (R3), 4 (R6).
    // First contact: 1 (R1), 2 (R2), 3 (R3); 4's R6 closed without one.
    // Started: 1 (R1), 3 (R3). Completed: 1 (R1 started and closed « Autonomie atteinte »).
    assert_eq!(counts(&table, 0), vec![5, 4, 4, 4, 3, 2, 1]);
    assert_eq!(rate(&table, "reperage", 1), None);
    assert_eq!(rate(&table, "diagnostic", 1), Some((4, 5)));
    assert_eq!(rate(&table, "orientation", 1), Some((4, 4)));
    assert_eq!(rate(&table, "acceptation", 1), Some((4, 4)));
    assert_eq!(rate(&table, "premier_contact", 1), Some((3, 4)));
    assert_eq!(rate(&table, "parcours", 1), Some((2, 3)));
    assert_eq!(rate(&table, "parcours_termine", 1), Some((1, 2)));
}

#[test]
fn delays_are_nearest_rank_medians_and_90th_percentiles_of_each_persons_first_times() {
    let table = delays(&dataset(), &quarter());
    let check = |key: &str, people: u64, median: i64, p90: i64| {
        assert_eq!(count(&table, key, 0), people, "{key}");
        assert_eq!(seconds(&table, key, 1), Some(median), "{key} median");
        assert_eq!(seconds(&table, key, 2), Some(p90), "{key} p90");
    };
    // Enrolment → first diagnostic: 1: 1 d, 2: 1 d, 3: 2 h, 4: 2 d. Sorted 2 h, 1 d, 1 d, 2 d;
    // median rank ⌈4 × 0.5⌉ = 2 → 1 d; 90th rank ⌈3.6⌉ = 4 → 2 d.
    check("reperage-diagnostic", 4, DAY, 2 * DAY);
    // First diagnostic → first sending: 1: 1 h; 2: t(4,10) − t(3,9) = 25 h; 3: t(6,10) − t(5,11)
    // = 23 h; 4: t(13,10) − t(12,9) = 25 h. Sorted 1, 23, 25, 25 h: rank 2 → 23 h, rank 4 → 25 h.
    check("diagnostic-orientation", 4, 23 * HOUR, 25 * HOUR);
    // First sending → first acceptance: 1: t(3,10) − t(1,10) = 2 d; 2: R9 t(6,10) − R2 t(4,10)
    // = 2 d; 3: 1 d; 4: t(15,10) − t(13,10) = 2 d. Sorted 1, 2, 2, 2 d: rank 2 → 2 d, rank 4 → 2 d.
    check("orientation-acceptation", 4, 2 * DAY, 2 * DAY);
    // First acceptance → first contact: 1: t(8) − t(3) = 5 d; 2: R2 t(30) − R9 t(6) = 24 d;
    // 3: t(9) − t(7) = 2 d. Sorted 2, 5, 24 d: rank ⌈1.5⌉ = 2 → 5 d; rank ⌈2.7⌉ = 3 → 24 d.
    check("acceptation-premier_contact", 3, 5 * DAY, 24 * DAY);
    // First contact → start: 1: t(10,10) − t(8,10) = 2 d; 3: t(9,14) − t(9,10) = 4 h.
    // Sorted 4 h, 2 d: rank 1 → 4 h; rank ⌈1.8⌉ = 2 → 2 d.
    check("premier_contact-parcours", 2, 4 * HOUR, 2 * DAY);
    // Start → completion: 1 only, t(50,10) − t(10,10) = 40 d.
    check("parcours-parcours_termine", 1, 40 * DAY, 40 * DAY);
}

#[test]
fn refusals_are_counted_by_reason_on_their_own_date() {
    let table = refusals(&dataset(), &quarter());
    // R2 refused day 12 (no capacity), R4 day 6 (need not covered): 2 refusals.
    assert_eq!(count(&table, "total", 0), 2);
    let no_capacity = RefusalReason::NoCapacity.label();
    let not_covered = RefusalReason::NeedNotCovered.label();
    assert_eq!(count(&table, no_capacity, 0), 1);
    assert_eq!(rate(&table, no_capacity, 1), Some((1, 2)));
    assert_eq!(count(&table, not_covered, 0), 1);
    assert_eq!(rate(&table, RefusalReason::Other.label(), 1), Some((0, 2)));
    assert_eq!(counts(&table, 0), vec![1, 1, 0, 0, 0, 0, 2]);
    // From day 10 on, only R2's refusal (day 12) is in the period.
    let later = Cut {
        period: Period::since(t(10, 0)),
        ..Cut::default()
    };
    assert_eq!(count(&refusals(&dataset(), &later), "total", 0), 1);
}

#[test]
fn referrals_beyond_target_delays_are_counted_until_now() {
    let table = beyond_targets(&dataset(), &quarter(), &params());
    // Sent in the period: R1–R7, R9 = 8 (R8 on day 102). Whole days to the answer (acceptance,
    // first refusal or closing): R1 2, R2 8 (refused day 12), R3 1, R4 0, R5 none — 106 days at
    // now, R6 2, R7 1, R9 1. Beyond 5 days: R2, R5 = 2.
    assert_eq!(counts(&table, 0)[0], 8);
    assert_eq!(count(&table, "reponse", 1), 6);
    assert_eq!(count(&table, "reponse", 2), 2);
    assert_eq!(rate(&table, "reponse", 3), Some((2, 8)));
    // Accepted in the period: R1, R2, R3, R6, R7, R9 = 6. Whole days to the first contact (or
    // closing): R1 5, R2 16, R3 2, R6 25 (closed day 40), R7 98 at now, R9 14 (closed day 20).
    // Beyond 10 days: R2, R6, R7, R9 = 4.
    assert_eq!(count(&table, "premier_contact", 0), 6);
    assert_eq!(count(&table, "premier_contact", 1), 2);
    assert_eq!(count(&table, "premier_contact", 2), 4);
    assert_eq!(rate(&table, "premier_contact", 3), Some((4, 6)));
    assert_eq!(
        table.rows[0].label,
        "Réponse de la structure (cible : 5 jours)"
    );
}

#[test]
fn autonomy_gained_compares_the_first_and_last_diagnostics() {
    let table = autonomy_gained(&dataset(), &quarter());
    // Two diagnostics or more, the last in the period: persons 1 (day 60) and 2 (day 80); person
    // 3's last is on day 95. Person 1: NNNNN → PPNNN; person 2: PPAPN → APANP.
    let row = |domain: SkillDomain| {
        let key = domain.label();
        (
            (0..4).map(|c| count(&table, key, c)).collect::<Vec<_>>(),
            rate(&table, key, 4),
        )
    };
    // Device: N→P, P→A: 2 up.
    assert_eq!(
        row(SkillDomain::UsingDevice),
        (vec![2, 2, 0, 0], Some((2, 2)))
    );
    // Searching: N→P up, P→P same.
    assert_eq!(
        row(SkillDomain::SearchingInformation),
        (vec![2, 1, 1, 0], Some((1, 2)))
    );
    // Messaging: N→N, A→A.
    assert_eq!(
        row(SkillDomain::Messaging),
        (vec![2, 0, 2, 0], Some((0, 2)))
    );
    // Online procedure: N→N same, P→N down.
    assert_eq!(
        row(SkillDomain::OnlineProcedure),
        (vec![2, 0, 1, 1], Some((0, 2)))
    );
    // Staying safe: N→N same, N→P up.
    assert_eq!(
        row(SkillDomain::StayingSafe),
        (vec![2, 1, 1, 0], Some((1, 2)))
    );
}

#[test]
fn outcomes_gains_and_drop_out_count_the_referrals_closed_in_the_period() {
    let data = dataset();
    // Closed in the period: R1 (day 50, autonomy), R4 (day 7, sent elsewhere), R6 (day 40,
    // dropped out), R9 (day 20, unreachable) = 4.
    let table = outcomes(&data, &quarter());
    assert_eq!(count(&table, "total", 0), 4);
    // Rows after the total, in the enumeration's order: autonomy 1, on behalf 0, elsewhere 1,
    // dropped out 1, unreachable 1, moved away 0.
    assert_eq!(counts(&table, 0), vec![4, 1, 0, 1, 1, 1, 0]);
    assert_eq!(
        rate(&table, ClosingOutcome::Autonomous.label(), 1),
        Some((1, 4))
    );

    let table = gains(&data, &quarter());
    // R1: housing aid and activity bonus, 50–150 € a month; R6: job or training; R4, R9 nothing.
    assert_eq!(count(&table, "total", 0), 4);
    assert_eq!(count(&table, RightKind::HousingAid.code(), 0), 1);
    assert_eq!(count(&table, RightKind::ActivityBonus.code(), 0), 1);
    assert_eq!(count(&table, RightKind::Rsa.code(), 0), 0);
    assert_eq!(count(&table, "au_moins_un_droit", 0), 1);
    assert_eq!(count(&table, MoneyBracket::From50To150.code(), 0), 1);
    assert_eq!(count(&table, MoneyBracket::MoreThan300.code(), 0), 0);
    // R4, R6, R9 declared no money gain: 3; 1 + 3 = the 4 closings.
    assert_eq!(count(&table, "sans_gain_financier", 0), 3);
    assert_eq!(count(&table, "emploi_formation", 0), 1);
    assert_eq!(rate(&table, "emploi_formation", 1), Some((1, 4)));

    let table = drop_out(&data, &quarter());
    // R6 dropped out, R9 unreachable: 2 of the 4 closings.
    assert_eq!(counts(&table, 0), vec![4, 2, 1, 1]);
    assert_eq!(rate(&table, "abandon_ou_injoignable", 1), Some((2, 4)));
}

#[test]
fn reach_counts_people_from_fragile_communes_by_audience_age_band_and_commune() {
    let data = dataset();
    // Enrolled in the period: 1 (fragile), 2 (not), 3 (fragile), 4 (no index), 5 (not).
    let row = |table: &IndicatorTable, key: &str| {
        (
            (0..4).map(|c| count(table, key, c)).collect::<Vec<_>>(),
            rate(table, key, 4),
        )
    };
    let table = reach_by_audience(&data, &quarter());
    // Youth: 3. Families: 5. Seniors: 1 (fragile), 4 (unknown). Women: 4. No audience: 2.
    assert_eq!(
        row(&table, Audience::Youth.label()),
        (vec![1, 1, 0, 0], Some((1, 1)))
    );
    // Nobody is recorded as a student: no row that could only read 0.
    assert_eq!(table.at(Audience::Students.label(), 0), None);
    assert_eq!(
        row(&table, Audience::Families.label()),
        (vec![1, 0, 1, 0], Some((0, 1)))
    );
    assert_eq!(
        row(&table, Audience::Seniors.label()),
        (vec![2, 1, 0, 1], Some((1, 1)))
    );
    assert_eq!(
        row(&table, Audience::Women.label()),
        (vec![1, 0, 0, 1], None)
    );
    assert_eq!(row(&table, "sans_public"), (vec![1, 0, 1, 0], Some((0, 1))));
    // Everyone: 5 = 2 fragile (1, 3) + 2 not (2, 5) + 1 unknown (4); share 2 / 4 known.
    assert_eq!(row(&table, "ensemble"), (vec![5, 2, 2, 1], Some((2, 4))));

    let table = reach_by_age_band(&data, &quarter());
    // 18–24: 3; 25–39: 5; 40–59: 2; 60–69: 4; 70+: 1; other bands empty; nobody under 12, so no
    // row for that band (enrolment refuses anyone under 16).
    assert_eq!(counts(&table, 0), vec![0, 1, 1, 1, 1, 1, 0, 5]);
    assert_eq!(table.at(AgeBand::Under12.cra_code(), 0), None);
    assert_eq!(
        row(&table, AgeBand::From70.cra_code()),
        (vec![1, 1, 0, 0], Some((1, 1)))
    );
    assert_eq!(
        row(&table, AgeBand::From60To69.cra_code()),
        (vec![1, 0, 0, 1], None)
    );

    let table = reach_by_commune(&data, &quarter());
    // 49007: 1 (fragile), 2 (not); 49099: 3 (fragile), 4 (unknown); 49328: 5 (not).
    assert_eq!(row(&table, "49007"), (vec![2, 1, 1, 0], Some((1, 2))));
    assert_eq!(row(&table, "49099"), (vec![2, 1, 0, 1], Some((1, 1))));
    assert_eq!(row(&table, "49328"), (vec![1, 0, 1, 0], Some((0, 1))));
    assert_eq!(row(&table, "ensemble"), (vec![5, 2, 2, 1], Some((2, 4))));

    // Every person lives in Maine-et-Loire: one département row equal to the whole.
    let table = reach_by_departement(&data, &quarter());
    assert_eq!(row(&table, "49"), (vec![5, 2, 2, 1], Some((2, 4))));
    assert_eq!(table.rows.len(), 2);
}

#[test]
fn the_standard_set_lists_reach_by_departement_nationally_and_by_commune_within_an_area() {
    let data = dataset();
    let params = Params {
        now: 0,
        targets: TargetDelays {
            answer_days: 7,
            first_contact_days: 7,
        },
    };
    let ids = |cut: &Cut| -> Vec<&'static str> {
        standard_publication(&data, cut, &params)
            .tables
            .iter()
            .map(|t| t.id)
            .filter(|id| id.starts_with("portee_"))
            .collect()
    };
    assert_eq!(
        ids(&quarter()),
        ["portee_public", "portee_age", "portee_departement"]
    );
    let in_anjou = Cut {
        area: Some(Area::Departement("49".into())),
        ..quarter()
    };
    assert_eq!(
        ids(&in_anjou),
        ["portee_public", "portee_age", "portee_commune"]
    );
}

#[test]
fn capacity_used_compares_active_referrals_with_places() {
    let data = dataset();
    // Active now: R2 (first contact, offer 100), R3 (in pathway, offer 100), R7 (accepted, offer
    // 110). Places: 100 → 5, 101 → 2, 110 → 4 (11 in all). The period does not apply.
    let table = capacity_used(&data, &quarter(), CapacityBy::Offer);
    assert_eq!(keys(&table), vec!["100", "101", "110", "ensemble"]);
    assert_eq!(counts(&table, 1), vec![2, 0, 1, 3]);
    assert_eq!(table.at("100", 0), Some(&Cell::amount(5)));
    assert_eq!(rate(&table, "100", 3), Some((2, 5)));
    assert_eq!(rate(&table, "101", 3), Some((0, 2)));
    assert_eq!(rate(&table, "ensemble", 3), Some((3, 11)));

    let table = capacity_used(&data, &quarter(), CapacityBy::Structure);
    // Structure 10: offers 100 + 101 = 7 places, 2 active; structure 11: 4 places, 1 active.
    assert_eq!(counts(&table, 1), vec![2, 1, 3]);
    assert_eq!(rate(&table, "10", 3), Some((2, 7)));
    assert_eq!(rate(&table, "11", 3), Some((1, 4)));

    let table = capacity_used(&data, &quarter(), CapacityBy::SupportModel);
    // « Charité » (structure 11) sorts before « Lieu de savoir » (structure 10).
    let charity = SupportModel::Charity.label();
    assert_eq!(table.rows[0].key, charity);
    assert_eq!(rate(&table, charity, 3), Some((1, 4)));
    assert_eq!(
        rate(&table, SupportModel::PlaceOfKnowledge.label(), 3),
        Some((2, 7))
    );

    // Only structure 11's offers and referrals.
    let cut = Cut {
        structure: Some(11),
        ..Cut::default()
    };
    let table = capacity_used(&data, &cut, CapacityBy::Offer);
    assert_eq!(counts(&table, 1), vec![1, 1]);
    assert_eq!(rate(&table, "ensemble", 3), Some((1, 4)));

    // E1's offers (100, 101) and the one its people are actively referred to (110, by R7 of person
    // 1): R2, R3 on 100 and R7 on 110 are active, 11 places.
    let in_e1 = Cut {
        area: Some(Area::Epci(E1.into())),
        ..Cut::default()
    };
    let table = capacity_used(&data, &in_e1, CapacityBy::Offer);
    assert_eq!(keys(&table), vec!["100", "101", "110", "ensemble"]);
    assert_eq!(counts(&table, 1), vec![2, 0, 1, 3]);
    assert_eq!(rate(&table, "ensemble", 3), Some((3, 11)));
    // E2 holds offer 110 only, and its one person (5) has no referral: 4 places, none taken.
    let in_e2 = Cut {
        area: Some(Area::Epci(E2.into())),
        ..Cut::default()
    };
    let table = capacity_used(&data, &in_e2, CapacityBy::Offer);
    assert_eq!(keys(&table), vec!["110", "ensemble"]);
    assert_eq!(counts(&table, 1), vec![0, 0]);
    assert_eq!(table.at("110", 0), Some(&Cell::amount(4)));
}

#[test]
fn an_offer_without_capacity_counts_its_referrals_but_not_against_places() {
    // R10: person 2 accepted on offer 120 of structure 10, whose capacity is unknown.
    let mut referrals = referrals();
    referrals.push(ReferralRecord {
        state: ReferralState::Accepted,
        sent_at: Some(t(40, 10)),
        accepted_at: Some(t(41, 10)),
        ..referral(10, 2, 1, 10, 120)
    });
    let data = Dataset::new(
        people(),
        referrals,
        diagnostics(),
        vec![],
        vec![
            capacity(100, 10, 5),
            capacity(101, 10, 2),
            capacity(110, 11, 4),
        ],
    )
    .expect("consistent records");
    let table = capacity_used(&data, &quarter(), CapacityBy::Offer);
    assert_eq!(keys(&table), vec!["100", "101", "110", "120", "ensemble"]);
    assert_eq!(table.at("120", 0), Some(&Cell::Empty));
    assert_eq!(counts(&table, 1), vec![2, 0, 1, 1, 4]);
    assert_eq!(counts(&table, 2), vec![2, 0, 1, 0, 3]);
    // 3 of 11 known places, not 4 of 11.
    assert_eq!(rate(&table, "ensemble", 3), Some((3, 11)));
    // Structure 10: 7 places, 3 active of which 2 on its offers with a capacity.
    let table = capacity_used(&data, &quarter(), CapacityBy::Structure);
    assert_eq!(count(&table, "10", 1), 3);
    assert_eq!(rate(&table, "10", 3), Some((2, 7)));
}

#[test]
fn activity_counts_sessions_participants_and_time_in_the_period() {
    let table = activity(&dataset(), &quarter());
    // Days 10 (60 min) and 20 (90 min) individual; day 30 workshop of 8 for 120 min; day 95 out.
    assert_eq!(counts(&table, 0), vec![2, 1, 3]);
    assert_eq!(counts(&table, 1), vec![2, 8, 10]);
    assert_eq!(seconds(&table, "individuel", 2), Some(150 * 60));
    assert_eq!(seconds(&table, "collectif", 2), Some(120 * 60));
    assert_eq!(seconds(&table, "ensemble", 2), Some(270 * 60));
    // A territory keeps the sessions of a referral of someone living there (the two of R1, person
    // 1 in 49007) and the workshops held by a structure of the territory: structure 10's workshop
    // of 8 counts where the structure is, and nowhere else.
    let cut = |area: &str| Cut {
        area: Some(Area::Commune(area.into())),
        ..quarter()
    };
    let placed = |commune: &str| {
        let place = StructureArea {
            commune: commune.into(),
            epci: None,
            departement: "49".into(),
        };
        dataset().with_structure_areas(HashMap::from([(10, place)]))
    };
    let at_home = activity(&placed("49007"), &cut("49007"));
    assert_eq!(counts(&at_home, 0), vec![2, 1, 3]);
    assert_eq!(counts(&at_home, 1), vec![2, 8, 10]);
    let elsewhere = activity(&placed("49099"), &cut("49007"));
    assert_eq!(counts(&elsewhere, 0), vec![2, 0, 2]);
    let department = Cut {
        area: Some(Area::Departement("49".into())),
        ..quarter()
    };
    assert_eq!(counts(&activity(&placed("49099"), &department), 0)[1], 1);
    // Its participants are not all registered people: an audience cannot judge it.
    let seniors = Cut {
        audience: Some(Audience::Seniors),
        ..cut("49007")
    };
    assert_eq!(counts(&activity(&placed("49007"), &seniors), 0)[1], 0);
    // Without knowing where the structure is, no territory claims the workshop.
    assert_eq!(
        counts(&activity(&dataset(), &cut("49007")), 0),
        vec![2, 0, 2]
    );
}

#[test]
fn every_criterion_of_a_cut_narrows_the_funnel() {
    let data = dataset();
    let steps = |cut: Cut| counts(&funnel(&data, &Cut { ..cut }), 0);
    let with = |cut: Cut| Cut {
        period: quarter().period,
        ..cut
    };
    // 49099: persons 3 and 4 — 3 goes to a pathway (R3), 4's R6 stops after acceptance.
    let commune = with(Cut {
        area: Some(Area::Commune("49099".into())),
        ..Cut::default()
    });
    assert_eq!(steps(commune), vec![2, 2, 2, 2, 1, 1, 0]);
    // E2 holds only person 5, enrolled but never diagnosed.
    let epci = with(Cut {
        area: Some(Area::Epci(E2.into())),
        ..Cut::default()
    });
    assert_eq!(steps(epci), vec![1, 0, 0, 0, 0, 0, 0]);
    let departement = with(Cut {
        area: Some(Area::Departement("49".into())),
        ..Cut::default()
    });
    assert_eq!(steps(departement), vec![5, 4, 4, 4, 3, 2, 1]);
    // Seniors: persons 1 (completed) and 4.
    let seniors = with(Cut {
        audience: Some(Audience::Seniors),
        ..Cut::default()
    });
    assert_eq!(steps(seniors), vec![2, 2, 2, 2, 1, 1, 1]);
    // 40–59: person 2, first contact by R2, no pathway.
    let band = with(Cut {
        age_band: Some(AgeBand::From40To59),
        ..Cut::default()
    });
    assert_eq!(steps(band), vec![1, 1, 1, 1, 1, 0, 0]);
    // Not autonomous, willing: persons 1 and 3.
    let typology = with(Cut {
        typology: Some(Typology::NotAutonomousWilling),
        ..Cut::default()
    });
    assert_eq!(steps(typology), vec![2, 2, 2, 2, 2, 2, 1]);
    // Structure 2 enrolled 3 and 4 and sent all their referrals.
    let sender = with(Cut {
        structure: Some(2),
        ..Cut::default()
    });
    assert_eq!(steps(sender), vec![2, 2, 2, 2, 1, 1, 0]);
    // Structure 10 received R1, R2, R3, R6 (persons 1–4 in the period) and R8 (person 6, later).
    let receiver = with(Cut {
        structure: Some(10),
        ..Cut::default()
    });
    assert_eq!(steps(receiver.clone()), vec![4, 4, 4, 4, 3, 2, 1]);
    // Person 2's acceptance is now R2's (day 14, 10 days after sending), not R9's: sorted 1, 2, 2,
    // 10 days, median rank 2 → 2 d, 90th rank 4 → 10 d.
    let table = delays(&data, &receiver);
    assert_eq!(
        seconds(&table, "orientation-acceptation", 2),
        Some(10 * DAY)
    );
    // The whole of time: person 6 joins the cohort (enrolled, diagnosed, oriented by R8).
    assert_eq!(steps(Cut::default()), vec![6, 5, 5, 4, 3, 2, 1]);
}

#[test]
fn a_period_must_start_before_it_ends() {
    assert_eq!(Period::between(t(5, 0), t(5, 0)), Err(InvertedPeriod));
    let period = Period::between(t(0, 0), t(1, 0)).expect("ordered");
    assert!(period.contains(t(0, 0)));
    assert!(!period.contains(t(1, 0)));
    assert!(Period::all().contains(i64::MIN));
    assert!(!Period::until(t(0, 0)).contains(t(0, 0)));
}

#[test]
fn inconsistent_records_are_refused_with_the_record_named() {
    let build = |people: Vec<PersonRecord>, referrals, diagnostics| {
        Dataset::new(people, referrals, diagnostics, vec![], vec![]).map(|_| ())
    };
    let mut twice = people();
    twice.push(people()[0].clone());
    assert_eq!(
        build(twice, vec![], vec![]),
        Err(RecordError::DuplicatePerson(1))
    );
    let stranger = vec![diagnostic(99, t(1, 0), "NNNNN")];
    assert_eq!(
        build(people(), vec![], stranger)
            .map_err(|e| e.to_string())
            .unwrap_err(),
        "Un diagnostic renvoie à la personne 99, inconnue."
    );
    let early = vec![diagnostic(1, t(0, 8), "NNNNN")];
    assert_eq!(
        build(people(), vec![], early),
        Err(RecordError::DiagnosticBeforeEnrolment(1))
    );
    let mut broken = referrals();
    broken[0].first_contact_at = Some(t(2, 0)); // before the acceptance of day 3
    assert_eq!(
        build(people(), broken, diagnostics())
            .map_err(|e| e.to_string())
            .unwrap_err(),
        "L'orientation 1 : « premier contact » manque ou précède l'étape qu'il suit."
    );
    let mut unsent = referrals();
    unsent[2].sent_at = None; // accepted but never sent
    assert!(matches!(
        build(people(), unsent, diagnostics()),
        Err(RecordError::StepOutOfOrder { referral: 3, .. })
    ));
    let mut hasty = referrals();
    hasty[0].sent_at = Some(t(1, 8)); // before person 1's first diagnostic at t(1, 9)
    assert_eq!(
        build(people(), hasty, diagnostics()),
        Err(RecordError::SentBeforeDiagnostic(1))
    );
    let mut open = referrals();
    open[0].closed_at = None;
    assert_eq!(
        build(people(), open, diagnostics()),
        Err(RecordError::OutcomeWithoutClosing(1))
    );
    let mut again = referrals();
    again.push(referrals()[0].clone());
    assert_eq!(
        build(people(), again, diagnostics()),
        Err(RecordError::DuplicateReferral(1))
    );
    let orphan = Dataset::new(
        people(),
        referrals(),
        diagnostics(),
        vec![session(Some(42), 1, 60, 1)],
        vec![],
    );
    assert!(matches!(
        orphan,
        Err(RecordError::UnknownReferral { referral: 42, .. })
    ));
    let doubled = Dataset::new(
        vec![],
        vec![],
        vec![],
        vec![],
        vec![capacity(1, 10, 3), capacity(1, 10, 4)],
    );
    assert_eq!(doubled.map(|_| ()), Err(RecordError::DuplicateOffer(1)));
}

#[test]
fn every_rate_and_duration_of_the_standard_set_names_the_counts_it_comes_from() {
    let publication = standard_publication(&dataset(), &quarter(), &params());
    assert_eq!(publication.tables.len(), 16);
    for table in &publication.tables {
        for row in &table.rows {
            for cell in &row.cells {
                if matches!(cell, Cell::Rate { .. } | Cell::Duration { .. }) {
                    assert!(!cell.basis().is_empty(), "{} {}", table.id, row.key);
                    for at in cell.basis() {
                        assert!(
                            matches!(table.cell(*at), Some(Cell::Count { .. })),
                            "{} {}",
                            table.id,
                            row.key
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_standard_set_is_masked_so_that_nothing_small_shows_and_nothing_can_be_rebuilt() {
    for min_cell in [2, 3, DEFAULT_MIN_CELL] {
        let mut publication = standard_publication(&dataset(), &quarter(), &params());
        let report = mask(&mut publication, min_cell).expect("masking");
        assert!(report.primary > 0);
        assert_eq!(subtraction_attack(&publication).expect("check"), vec![]);
        for table in &publication.tables {
            for row in &table.rows {
                for cell in &row.cells {
                    if let Some(value) = cell.count_value() {
                        assert!(value == 0 || value >= min_cell, "{} {}", table.id, row.key);
                    }
                }
            }
        }
        // Places count no one: they stay.
        let offers = &publication.tables[11];
        assert_eq!(offers.at("100", 0), Some(&Cell::amount(5)));
    }
}

#[test]
fn with_a_minimum_of_two_the_funnel_shows_its_larger_steps_and_hides_the_rest() {
    let mut publication = standard_publication(&dataset(), &quarter(), &params());
    mask(&mut publication, 2).expect("masking");
    let funnel = &publication.tables[0];
    // Funnel 5, 4, 4, 4, 3, 2, 1: only the last step (1) is small. It is linked to the delays'
    // people of « started → completed » (also 1, also hidden), and no sum holds it with others.
    assert_eq!(funnel.at("reperage", 0), Some(&Cell::count(5)));
    assert_eq!(funnel.at("parcours", 0), Some(&Cell::count(2)));
    assert_eq!(funnel.at("parcours_termine", 0), Some(&Cell::Masked));
    // The share of completion (1 of 2) comes from the hidden 1: hidden too.
    assert_eq!(funnel.at("parcours_termine", 1), Some(&Cell::Masked));
    assert_eq!(rate(funnel, "parcours", 1), Some((2, 3)));
    let delays = &publication.tables[1];
    assert_eq!(
        delays.at("parcours-parcours_termine", 1),
        Some(&Cell::Masked)
    );
    assert_eq!(
        seconds(delays, "premier_contact-parcours", 1),
        Some(4 * HOUR)
    );
}

#[test]
fn appointments_count_kept_missed_to_settle_and_cancelled_and_the_no_show_rate_reads_the_settled() {
    let data = dataset();
    let table = attendance(&data, &quarter());
    assert_eq!(
        keys(&table),
        [
            "renseignes",
            "venue",
            "absence",
            "prevus",
            "annules",
            "ensemble"
        ]
    );
    // Settled: R1, R3 came, R2 did not (3); R7 to settle, R5 cancelled; R8 is after the quarter.
    assert_eq!(counts(&table, 0), vec![3, 2, 1, 1, 1, 5]);
    assert_eq!(rate(&table, "absence", 1), Some((1, 3)));
    assert_eq!(rate(&table, "venue", 1), Some((2, 3)));
    assert_eq!(rate(&table, "prevus", 1), None);
    // Structure 11 receives R5 and R7 only: nothing settled, so no rate at all.
    let eleven = Cut {
        structure: Some(11),
        ..quarter()
    };
    let table = attendance(&data, &eleven);
    assert_eq!(counts(&table, 0), vec![0, 0, 0, 1, 1, 2]);
    assert_eq!(rate(&table, "absence", 1), None);
    // Young people: person 3 only, whose R3 appointment was kept.
    let youth = Cut {
        audience: Some(Audience::Youth),
        ..quarter()
    };
    assert_eq!(
        counts(&attendance(&data, &youth), 0),
        vec![1, 1, 0, 0, 0, 1]
    );
    // Over all time, R8's no-show counts.
    let all = attendance(&data, &Cut::default());
    assert_eq!(count(&all, "absence", 0), 2);
    assert_eq!(rate(&all, "absence", 1), Some((2, 4)));
}

#[test]
fn an_appointment_of_an_unknown_referral_is_refused() {
    let refused = dataset().with_appointments(vec![appointment(
        42,
        10,
        t(3, 9),
        AppointmentStatus::Attended,
    )]);
    assert!(matches!(
        refused,
        Err(RecordError::AppointmentOfUnknownReferral { referral: 42, .. })
    ));
}

/// The dataset holds people, diagnostics, referrals and sessions only as compact facts and numbers;
/// what it gives back is exactly what it was given (a person's audiences in the order of
/// `Audience::ALL`, referrals in the order of their ids).
#[test]
fn the_records_given_back_are_the_records_given() {
    let sessions = vec![
        session(Some(1), 10, 60, 1),
        session(None, 30, 120, 8),
        SessionFact {
            structure: 11,
            mediator: 777,
            ..session(Some(9), 12, 45, 1)
        },
    ];
    let mut given = referrals();
    given.reverse();
    let data = Dataset::new(
        people(),
        given,
        diagnostics(),
        sessions.clone(),
        vec![capacity(100, 10, 5)],
    )
    .expect("consistent records");

    let mut expected_people = people();
    expected_people.sort_by_key(|p| p.key);
    for person in &mut expected_people {
        person
            .audiences
            .sort_by_key(|a| Audience::ALL.iter().position(|x| x == a));
    }
    assert_eq!(data.people().collect::<Vec<_>>(), expected_people);
    assert_eq!(data.referrals().collect::<Vec<_>>(), referrals());
    assert_eq!(data.sessions().collect::<Vec<_>>(), sessions);
    assert_eq!(data.diagnostics_of(2), diagnostics()[2..4].to_vec());
    assert_eq!(data.referral(4), referrals().into_iter().nth(3));
    assert_eq!(
        data.referrals_of(3).map(|r| r.id).collect::<Vec<_>>(),
        [3, 4]
    );
    assert_eq!(data.sessions_by(777), sessions[2..].to_vec());
    assert_eq!(data.sessions_of(1), sessions[..1].to_vec());
    assert_eq!(data.person(7), None);
}

/// What a million people weigh rests on these sizes (BENCHMARKS.md, "Memory of the records").
#[test]
fn the_facts_held_per_record_stay_small() {
    use super::facts::{DiagnosticFacts, PersonFacts, ReferralFacts, ReferralLink, SessionFigures};
    use std::mem::size_of;
    assert_eq!(size_of::<PersonFacts>(), 32);
    assert_eq!(size_of::<SessionFigures>(), 24);
    assert!(size_of::<DiagnosticFacts>() <= 24);
    assert_eq!(size_of::<ReferralFacts>() + size_of::<ReferralLink>(), 96);
}
