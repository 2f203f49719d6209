//! Calendar arithmetic on Unix times, in UTC: the one place that turns a moment into a day, a date
//! or a month and back. Every crate uses these helpers instead of writing `86_400` or a civil-date
//! conversion of its own.

use crate::UnixSeconds;

/// A calendar date, re-exported so that callers name it without depending on `time`.
pub use time::Date;

/// The seconds of one day.
pub const DAY: i64 = 86_400;

/// The moment `days` whole days before `now`.
pub fn days_before(now: UnixSeconds, days: i64) -> UnixSeconds {
    now - days * DAY
}

/// Whole days from `since` to `now`, never negative.
pub fn days_between(since: UnixSeconds, now: UnixSeconds) -> i64 {
    (now - since).max(0) / DAY
}

/// The UTC calendar date of a moment (the earliest date for a moment out of range).
pub fn date_of(at: UnixSeconds) -> Date {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|moment| moment.date())
        .unwrap_or(Date::MIN)
}

/// The first moment (midnight UTC) of a date.
pub fn midnight_of(date: Date) -> UnixSeconds {
    date.midnight().assume_utc().unix_timestamp()
}

/// `YYYY-MM` of a moment, in UTC: the month under which anonymous counts are kept.
pub fn month_of(at: UnixSeconds) -> String {
    let date = date_of(at);
    format!("{:04}-{:02}", date.year(), u8::from(date.month()))
}

/// A date as `YYYY-MM-DD` (how it is stored and exported).
pub fn iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Reads a `YYYY-MM-DD` date that exists in the calendar.
pub fn parse_iso_date(text: &str) -> Option<Date> {
    let mut parts = text.trim().splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// The midnight UTC of a `YYYY-MM-DD` text.
pub fn parse_midnight(text: &str) -> Option<UnixSeconds> {
    parse_iso_date(text).map(midnight_of)
}

/// A moment as RFC 3339 (`2026-11-22T14:05:00Z`), empty when out of range.
pub fn rfc3339(at: UnixSeconds) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|moment| {
            moment
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_follow_the_civil_calendar() {
        assert_eq!(month_of(0), "1970-01");
        assert_eq!(month_of(1_795_392_000), "2026-11"); // 2026-11-23
        assert_eq!(month_of(951_782_400), "2000-02"); // 2000-02-29
        assert_eq!(month_of(-1), "1969-12");
    }

    #[test]
    fn dates_are_read_and_written_as_iso() {
        use time::macros::date;
        assert_eq!(iso_date(date!(2026 - 03 - 09)), "2026-03-09");
        assert_eq!(parse_iso_date("2026-03-09"), Some(date!(2026 - 03 - 09)));
        assert_eq!(parse_iso_date(" 2024-02-29 "), Some(date!(2024 - 02 - 29)));
        for bad in ["2026-02-30", "2026-3-9", "09/03/2026", "", "2026-13-01"] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
        assert_eq!(date_of(1_795_392_000), date!(2026 - 11 - 23));
        assert_eq!(parse_midnight("1970-01-02"), Some(DAY));
    }

    #[test]
    fn day_counts_never_go_negative() {
        assert_eq!(days_between(10 * DAY, 13 * DAY + 5), 3);
        assert_eq!(days_between(13 * DAY, 10 * DAY), 0);
        assert_eq!(days_before(90 * DAY, 90), 0);
        assert_eq!(rfc3339(DAY), "1970-01-02T00:00:00Z");
    }
}
