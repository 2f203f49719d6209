//! The sponsor's report on a campaign over a period: vouchers printed, allocated, handed, redeemed
//! and expired, the redemption rate and median delay, the same split by place, commune, audience,
//! age band and kind of help, and what became of the pathways that used a voucher — one
//! [`Publication`] masked with the instance's minimum cell size like every published figure (the
//! totals of the split tables are tied to the first table's, so that no subtraction undoes a mask).

use super::campaign::TargetAudience;
use crate::directory::vocabulary::HelpKind;
use crate::indicators::{
    mask, Cell, CellAddress, CellRef, IndicatorTable, Publication, Row, SuppressionError,
};
use crate::orientation::ClosingOutcome;
use crate::pathway::AgeBand;
use crate::UnixSeconds;
use std::collections::BTreeMap;

/// What the report knows of one voucher: dates of its events and statistical facts, no person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoucherRecord {
    pub issued_at: UnixSeconds,
    pub allocated_at: Option<UnixSeconds>,
    pub handed_at: Option<UnixSeconds>,
    pub redeemed_at: Option<UnixSeconds>,
    pub expired_at: Option<UnixSeconds>,
    /// The place that redeemed it (id, name).
    pub place: Option<(i64, String)>,
    /// The commune of the person at handing (name), when known.
    pub commune: Option<String>,
    pub audience: Option<TargetAudience>,
    pub age_band: Option<AgeBand>,
    pub help_kind: Option<HelpKind>,
    /// Handed from a referral: the pathway's sessions and outcome (`None` while it runs).
    pub pathway: Option<PathwayUse>,
}

/// What a pathway that used a voucher became.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathwayUse {
    pub sessions: u64,
    pub outcome: Option<ClosingOutcome>,
}

/// The period reported: `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: UnixSeconds,
    pub until: UnixSeconds,
}

impl Period {
    fn holds(self, at: Option<UnixSeconds>) -> bool {
        at.is_some_and(|at| self.from <= at && at < self.until)
    }
}

/// The first table's rows, in order.
const FOLLOW_UP: usize = 0;
const ROW_HANDED: usize = 2;
const ROW_REDEEMED: usize = 3;

fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => values.get(middle).copied(),
        _ => Some((values[middle - 1] + values[middle]) / 2),
    }
}

fn follow_up(records: &[VoucherRecord], period: Period) -> IndicatorTable {
    let count = |pick: fn(&VoucherRecord) -> Option<UnixSeconds>| {
        records.iter().filter(|r| period.holds(pick(r))).count() as u64
    };
    let handed = count(|r| r.handed_at);
    let redeemed = count(|r| r.redeemed_at);
    let delays: Vec<i64> = records
        .iter()
        .filter(|r| period.holds(r.redeemed_at))
        .filter_map(|r| Some(r.redeemed_at? - r.handed_at?))
        .collect();
    let mut table = IndicatorTable::new(
        "cheques_suivi",
        "Suivi des chèques sur la période",
        &["Chèques"],
    );
    let basis = vec![CellRef::new(ROW_HANDED, 0), CellRef::new(ROW_REDEEMED, 0)];
    table.rows = vec![
        Row::new(
            "imprimes",
            "Imprimés",
            vec![Cell::amount(count(|r| Some(r.issued_at)))],
        ),
        Row::new(
            "attribues",
            "Attribués à un prescripteur",
            vec![Cell::amount(count(|r| r.allocated_at))],
        ),
        Row::new("remis", "Remis à une personne", vec![Cell::count(handed)]),
        Row::new("encaisses", "Encaissés", vec![Cell::count(redeemed)]),
        Row::new(
            "expires",
            "Expirés sans être encaissés",
            vec![Cell::count(count(|r| r.expired_at))],
        ),
        Row::new(
            "taux",
            "Taux d'encaissement (encaissés / remis)",
            vec![Cell::rate(redeemed, handed, basis)],
        ),
        Row::new(
            "delai",
            "Délai médian entre remise et encaissement",
            vec![Cell::duration(
                median(delays),
                vec![CellRef::new(ROW_REDEEMED, 0)],
            )],
        ),
    ];
    table
}

/// A table of handed and redeemed vouchers split by `key` (rows in key order, then the total).
fn split(
    records: &[VoucherRecord],
    period: Period,
    (id, title): (&'static str, &str),
    key: impl Fn(&VoucherRecord) -> (String, String),
) -> IndicatorTable {
    let mut by_key: BTreeMap<String, (String, u64, u64)> = BTreeMap::new();
    for record in records {
        let (handed, redeemed) = (
            period.holds(record.handed_at),
            period.holds(record.redeemed_at),
        );
        if !handed && !redeemed {
            continue;
        }
        let (code, label) = key(record);
        let line = by_key.entry(code).or_insert((label, 0, 0));
        line.1 += u64::from(handed);
        line.2 += u64::from(redeemed);
    }
    let mut table = IndicatorTable::new(id, title, &["Remis", "Encaissés"]);
    let (mut handed, mut redeemed) = (0, 0);
    for (code, (label, h, r)) in by_key {
        handed += h;
        redeemed += r;
        table
            .rows
            .push(Row::new(code, label, vec![Cell::count(h), Cell::count(r)]));
    }
    let parts: Vec<usize> = (0..table.rows.len()).collect();
    table.rows.push(Row::new(
        "total",
        "Total",
        vec![Cell::count(handed), Cell::count(redeemed)],
    ));
    let total = table.rows.len() - 1;
    table.add_column_sum(0, total, &parts);
    table.add_column_sum(1, total, &parts);
    table
}

fn unknown() -> (String, String) {
    ("inconnu".to_owned(), "Non renseigné".to_owned())
}

fn coded<T: crate::labelled::Coded>(value: Option<T>) -> (String, String) {
    value.map_or_else(unknown, |v| (v.code().to_owned(), v.label().to_owned()))
}

fn pathways(records: &[VoucherRecord], period: Period) -> IndicatorTable {
    let used: Vec<PathwayUse> = records
        .iter()
        .filter(|r| period.holds(r.handed_at))
        .filter_map(|r| r.pathway)
        .collect();
    let mut table = IndicatorTable::new(
        "cheques_parcours",
        "Parcours des personnes orientées avec un chèque",
        &["Effectif"],
    );
    table.rows.push(Row::new(
        "orientations",
        "Orientations accompagnées d'un chèque",
        vec![Cell::count(used.len() as u64)],
    ));
    let sessions = used.iter().map(|u| u.sessions).sum();
    table.rows.push(Row::new(
        "seances",
        "Séances enregistrées dans ces parcours",
        vec![Cell::amount(sessions)],
    ));
    let running = used.iter().filter(|u| u.outcome.is_none()).count() as u64;
    table.rows.push(Row::new(
        "en_cours",
        "Parcours en cours",
        vec![Cell::count(running)],
    ));
    for outcome in ClosingOutcome::ALL {
        let n = used.iter().filter(|u| u.outcome == Some(*outcome)).count() as u64;
        table.rows.push(Row::new(
            outcome.code(),
            format!("Clos : {}", outcome.label()),
            vec![Cell::count(n)],
        ));
    }
    let parts: Vec<usize> = std::iter::once(2).chain(3..table.rows.len()).collect();
    table.add_column_sum(0, 0, &parts);
    table
}

/// The report, masked with `min_cell`.
pub fn report(
    records: &[VoucherRecord],
    period: Period,
    min_cell: u64,
) -> Result<Publication, SuppressionError> {
    let mut publication = Publication::default();
    publication.push(follow_up(records, period));
    let place = |r: &VoucherRecord| {
        r.place
            .clone()
            .map_or_else(unknown, |(id, name)| (format!("{id:08}"), name))
    };
    let splits = [
        split(
            records,
            period,
            ("cheques_lieux", "Par lieu d'encaissement"),
            place,
        ),
        split(
            records,
            period,
            ("cheques_communes", "Par commune de la personne"),
            |r| r.commune.clone().map_or_else(unknown, |c| (c.clone(), c)),
        ),
        split(records, period, ("cheques_publics", "Par public"), |r| {
            coded(r.audience)
        }),
        split(
            records,
            period,
            ("cheques_ages", "Par tranche d'âge"),
            |r| coded(r.age_band),
        ),
        split(records, period, ("cheques_aides", "Par type d'aide"), |r| {
            coded(r.help_kind)
        }),
    ];
    for table in splits {
        let total = table.rows.len() - 1;
        let index = publication.push(table);
        for (column, row) in [(0, ROW_HANDED), (1, ROW_REDEEMED)] {
            publication.link_equal(
                CellAddress::new(FOLLOW_UP, row, 0),
                CellAddress::new(index, total, column),
            );
        }
    }
    publication.push(pathways(records, period));
    mask(&mut publication, min_cell)?;
    Ok(publication)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn voucher(handed: i64, redeemed: Option<i64>, commune: &str, place: i64) -> VoucherRecord {
        VoucherRecord {
            issued_at: 0,
            allocated_at: Some(DAY),
            handed_at: Some(handed),
            redeemed_at: redeemed,
            place: redeemed.map(|_| (place, format!("Lieu {place}"))),
            commune: Some(commune.to_owned()),
            audience: Some(TargetAudience::Seniors),
            age_band: Some(AgeBand::From70),
            help_kind: Some(HelpKind::Inclusion),
            ..VoucherRecord::default()
        }
    }

    fn value(publication: &Publication, table: usize, key: &str, column: usize) -> Cell {
        publication.tables[table].at(key, column).unwrap().clone()
    }

    #[test]
    fn counts_rate_and_median_delay_over_the_period() {
        let mut records: Vec<VoucherRecord> = (0..20)
            .map(|i| {
                voucher(
                    10 * DAY,
                    (i < 12).then_some(10 * DAY + (i + 1) * DAY),
                    "Angers",
                    1,
                )
            })
            .collect();
        records.push(voucher(400 * DAY, None, "Angers", 1));
        let period = Period {
            from: 0,
            until: 365 * DAY,
        };
        let publication = report(&records, period, 1).unwrap();
        assert_eq!(value(&publication, 0, "remis", 0), Cell::count(20));
        assert_eq!(value(&publication, 0, "encaisses", 0), Cell::count(12));
        assert_eq!(value(&publication, 0, "taux", 0).percent(), Some(60.0));
        assert_eq!(value(&publication, 0, "delai", 0).days(), Some(6.5));
        assert_eq!(value(&publication, 1, "00000001", 1), Cell::count(12));
    }

    #[test]
    fn small_cells_are_masked_and_cannot_be_subtracted_back() {
        let mut records: Vec<VoucherRecord> = (0..15)
            .map(|_| voucher(DAY, Some(2 * DAY), "Angers", 1))
            .collect();
        records.push(voucher(DAY, Some(2 * DAY), "Brissac", 2));
        let publication = report(
            &records,
            Period {
                from: 0,
                until: 10 * DAY,
            },
            11,
        )
        .unwrap();
        assert!(value(&publication, 2, "Brissac", 0).is_masked());
        assert!(
            value(&publication, 2, "Angers", 0).is_masked(),
            "secondary suppression"
        );
        assert!(value(&publication, 1, "00000002", 1).is_masked());
        assert_eq!(value(&publication, 0, "remis", 0), Cell::count(16));
    }

    #[test]
    fn pathways_split_into_running_and_closed_outcomes() {
        let mut records: Vec<VoucherRecord> =
            (0..3).map(|_| voucher(DAY, None, "Angers", 1)).collect();
        records[0].pathway = Some(PathwayUse {
            sessions: 4,
            outcome: Some(ClosingOutcome::Autonomous),
        });
        records[1].pathway = Some(PathwayUse {
            sessions: 1,
            outcome: None,
        });
        let publication = report(
            &records,
            Period {
                from: 0,
                until: 10 * DAY,
            },
            1,
        )
        .unwrap();
        let table = publication.tables.len() - 1;
        assert_eq!(
            value(&publication, table, "orientations", 0),
            Cell::count(2)
        );
        assert_eq!(value(&publication, table, "seances", 0), Cell::amount(5));
        assert_eq!(value(&publication, table, "autonomous", 0), Cell::count(1));
        assert_eq!(value(&publication, table, "en_cours", 0), Cell::count(1));
    }
}
