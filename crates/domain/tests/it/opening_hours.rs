//! Opening hours typed in a form or read from a file: hours far beyond a day are refused, not
//! multiplied into an overflow (a panic in a debug build; found while fuzzing the place edit form).

use aiguillage_domain::directory::opening_hours::{read_french_day, DayHoursError, WeeklyHours};

#[test]
fn hours_beyond_a_day_are_refused_without_overflowing() {
    // 1093 × 60 > u16::MAX.
    for typed in [
        "1093h-1094h",
        "9h-1093h",
        "65535:00-65535:59",
        "1093 h 30 - 1100 h",
    ] {
        assert!(
            matches!(read_french_day(typed), Err(DayHoursError::Unreadable(_))),
            "{typed}"
        );
    }
    for text in [
        "Mo 1093:00-1094:00",
        "Mo-Fr 09:00-1093:00",
        "Sa 65535:00-65535:59",
    ] {
        assert!(WeeklyHours::parse(text).is_err(), "{text}");
    }
    assert_eq!(read_french_day("9h-24h"), Ok(vec![(540, 1440)]));
}
