//! Calendar arithmetic on Unix times, in UTC: the one place that turns a moment into a day, a date
//! or a month and back. Every crate uses these helpers instead of writing `86_400` or a civil-date
//! conversion of its own. People read times in metropolitan France's legal time
//! ([`paris_time`]: UTC+1, UTC+2 in summer by the European rule), which needs no time-zone database.

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

/// The last Sunday of `month` in `year`, at 01:00 UTC: when European summer time starts (March)
/// and ends (October), the same instant everywhere in the Union (directive 2000/84/EC).
fn last_sunday_at_one_utc(year: i32, month: time::Month) -> Option<UnixSeconds> {
    let next_month = match month {
        time::Month::December => Date::from_calendar_date(year + 1, time::Month::January, 1),
        other => Date::from_calendar_date(year, other.next(), 1),
    }
    .ok()?;
    let last_day = next_month.previous_day()?;
    let back = i64::from(last_day.weekday().number_days_from_sunday());
    Some(midnight_of(last_day) - back * DAY + 3_600)
}

/// The offset of Paris's legal time from UTC at a moment, in seconds: 7 200 from the last Sunday
/// of March to the last Sunday of October (01:00 UTC both), 3 600 otherwise.
pub fn paris_offset(at: UnixSeconds) -> i64 {
    let year = date_of(at).year();
    let summer = last_sunday_at_one_utc(year, time::Month::March)
        .zip(last_sunday_at_one_utc(year, time::Month::October));
    match summer {
        Some((start, end)) if (start..end).contains(&at) => 7_200,
        _ => 3_600,
    }
}

/// The offset of a département's legal time from UTC at a moment, in seconds (its INSEE code:
/// `49`, `2A`, `974`…): the overseas départements and collectivities keep one offset all year
/// (Antilles UTC−4, Guyane and Saint-Pierre-et-Miquelon UTC−3, La Réunion UTC+4, Mayotte UTC+3,
/// the Pacific ones theirs); everywhere else, Paris's rule.
pub fn local_offset(at: UnixSeconds, departement: &str) -> i64 {
    const HOUR: i64 = 3_600;
    match departement {
        "971" | "972" | "977" | "978" => -4 * HOUR,
        "973" | "975" => -3 * HOUR,
        "974" => 4 * HOUR,
        "976" => 3 * HOUR,
        "986" => 12 * HOUR,
        "987" => -10 * HOUR,
        "988" => 11 * HOUR,
        _ => paris_offset(at),
    }
}

/// The date it is at a moment in a département (its legal time, [`local_offset`]): the one rule
/// for "today" wherever a person types a date (a session cannot be dated after it).
pub fn local_date(at: UnixSeconds, departement: &str) -> Date {
    date_of(at.saturating_add(local_offset(at, departement)))
}

/// The moment as read on a clock in Paris (date, hour and minute of France's legal time).
pub fn paris_time(at: UnixSeconds) -> time::PrimitiveDateTime {
    let local = at.saturating_add(paris_offset(at));
    time::OffsetDateTime::from_unix_timestamp(local)
        .map(|moment| time::PrimitiveDateTime::new(moment.date(), moment.time()))
        .unwrap_or(time::PrimitiveDateTime::MIN)
}

/// The first moment (midnight UTC) of a date.
pub fn midnight_of(date: Date) -> UnixSeconds {
    date.midnight().assume_utc().unix_timestamp()
}

/// The date `months` calendar months after (or, negative, before) `date`: the same day of that
/// month, or its last day when it has none (31 January + 1 month = 28 or 29 February).
pub fn shift_months(date: Date, months: i64) -> Date {
    let total = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + months;
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(date.year());
    let Ok(month) = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1))
    else {
        return date;
    };
    Date::from_calendar_date(year, month, date.day().min(month.length(year))).unwrap_or(date)
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

/// Reads a date as a person types it or a browser sends it: `JJ/MM/AAAA` (also with `-` or `.`,
/// one-digit day or month accepted) or `AAAA-MM-JJ`; only dates that exist.
pub fn parse_typed_date(text: &str) -> Option<Date> {
    let text = text.trim();
    if let Some(date) = parse_iso_date(text) {
        return Some(date);
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    if year.len() != 4 || !(1..=2).contains(&day.len()) || !(1..=2).contains(&month.len()) {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// A date as the interface writes it (`15/12/2026`).
pub fn french_date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
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

    #[test]
    fn dates_are_read_as_typed_in_france_or_as_browsers_send_them() {
        let date = |y, m, d| Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok();
        assert_eq!(parse_typed_date("15/12/2026"), date(2026, 12, 15));
        assert_eq!(parse_typed_date(" 5/1/2027 "), date(2027, 1, 5));
        assert_eq!(parse_typed_date("15.12.2026"), date(2026, 12, 15));
        assert_eq!(parse_typed_date("2026-12-15"), date(2026, 12, 15));
        assert_eq!(parse_typed_date("31/02/2026"), None);
        assert_eq!(parse_typed_date("15/12/26"), None);
        assert_eq!(parse_typed_date("demain"), None);
        assert_eq!(french_date(date(2026, 3, 7).expect("a date")), "07/03/2026");
    }

    use super::*;

    #[test]
    fn today_is_the_date_of_the_departement_s_legal_time() {
        use time::macros::{date, datetime};
        let at = |moment: time::OffsetDateTime| moment.unix_timestamp();
        // 23:30 UTC on 4 December: already the 5th in Paris and in La Réunion, still the 4th in
        // Guadeloupe; at 02:30 UTC the 5th in Paris but still the 4th in Guadeloupe (UTC−4).
        let evening = at(datetime!(2026-12-04 23:30 UTC));
        assert_eq!(local_date(evening, "49"), date!(2026 - 12 - 05));
        assert_eq!(local_date(evening, "974"), date!(2026 - 12 - 05));
        assert_eq!(local_date(evening, "971"), date!(2026 - 12 - 04));
        let night = at(datetime!(2026-12-05 02:30 UTC));
        assert_eq!(local_date(night, "2A"), date!(2026 - 12 - 05));
        assert_eq!(local_date(night, "971"), date!(2026 - 12 - 04));
    }

    #[test]
    fn paris_time_follows_the_european_summer_time_rule() {
        use time::macros::datetime;
        let at = |moment: time::OffsetDateTime| moment.unix_timestamp();
        // 2026: summer time from Sunday 29 March to Sunday 25 October, 01:00 UTC.
        let winter = at(datetime!(2026-03-29 00:59:59 UTC));
        let spring = at(datetime!(2026-03-29 01:00 UTC));
        let autumn = at(datetime!(2026-10-25 01:00 UTC));
        assert_eq!(paris_offset(winter), 3_600);
        assert_eq!(paris_offset(spring), 7_200);
        assert_eq!(paris_offset(autumn - 1), 7_200);
        assert_eq!(paris_offset(autumn), 3_600);
        assert_eq!(paris_time(spring), datetime!(2026-03-29 03:00));
        assert_eq!(paris_time(winter), datetime!(2026-03-29 01:59:59));
        // A late evening in UTC is already the next day in Paris.
        let new_year = at(datetime!(2026-12-31 23:30 UTC));
        assert_eq!(paris_time(new_year), datetime!(2027-01-01 00:30));
        // 2027: 28 March and 31 October.
        assert_eq!(paris_offset(at(datetime!(2027-03-28 01:00 UTC))), 7_200);
        assert_eq!(paris_offset(at(datetime!(2027-10-31 00:59 UTC))), 7_200);
        assert_eq!(paris_offset(at(datetime!(2027-10-31 01:00 UTC))), 3_600);
    }

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
