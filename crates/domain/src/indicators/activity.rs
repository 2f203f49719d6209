//! A mediator's own activity, month by month: the sessions they recorded (individual or collective),
//! the participants and the time spent, for their home page and steering view.

use super::records::SessionFact;
use crate::calendar::month_of;
use crate::pathway::SessionKind;
use crate::UnixSeconds;
use std::collections::BTreeMap;

/// One mediator's own activity: sessions per month and kind, participants and hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityLine {
    pub month: String,
    pub individual: u32,
    pub collective: u32,
    pub participants: u32,
    pub minutes: u32,
}

/// The mediator's sessions in the period, by month (oldest first).
pub fn own_activity(
    sessions: &[SessionFact],
    mediator: i64,
    (from, to): (UnixSeconds, UnixSeconds),
) -> Vec<ActivityLine> {
    let mut months: BTreeMap<String, ActivityLine> = BTreeMap::new();
    for session in sessions
        .iter()
        .filter(|s| s.mediator == mediator && s.at >= from && s.at < to)
    {
        let month = month_of(session.at);
        let line = months.entry(month.clone()).or_insert(ActivityLine {
            month,
            individual: 0,
            collective: 0,
            participants: 0,
            minutes: 0,
        });
        match session.kind {
            SessionKind::Individual => line.individual += 1,
            SessionKind::Collective => line.collective += 1,
        }
        line.participants += session.participants;
        line.minutes += session.duration_minutes;
    }
    months.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(
        mediator: i64,
        at: UnixSeconds,
        kind: SessionKind,
        participants: u32,
    ) -> SessionFact {
        SessionFact {
            referral: None,
            structure: 1,
            mediator,
            at,
            duration_minutes: 60,
            kind,
            participants,
        }
    }

    #[test]
    fn own_activity_counts_only_the_mediator_s_sessions_by_month() {
        // 2026-01-15, 2026-01-20 and 2026-02-03 (UTC), and one by a colleague.
        let sessions = [
            session(7, 1_768_435_200, SessionKind::Individual, 1),
            session(7, 1_768_867_200, SessionKind::Collective, 6),
            session(7, 1_770_076_800, SessionKind::Individual, 1),
            session(8, 1_768_435_200, SessionKind::Individual, 1),
        ];
        let lines = own_activity(&sessions, 7, (0, i64::MAX));
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].month, "2026-01");
        assert_eq!((lines[0].individual, lines[0].collective), (1, 1));
        assert_eq!((lines[0].participants, lines[0].minutes), (7, 120));
        assert_eq!(lines[1].month, "2026-02");
        let none = own_activity(&sessions, 7, (1_770_000_000, 1_770_000_001));
        assert!(none.is_empty());
    }
}
