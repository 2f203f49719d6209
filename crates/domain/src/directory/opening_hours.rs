//! A reader for the common subset of OpenStreetMap `opening_hours` used by the places standard
//! (`Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00`, `Tu,Th 14:00-17:00`, `Su off`), answering "is it
//! open at this weekday and minute?". Anything outside the subset is reported as not understood rather
//! than guessed.

/// Days of the week, Monday first, as in `opening_hours`.
const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/// Opening hours read from the subset: for each weekday (0 = Monday), the open intervals in minutes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours {
    pub days: [Vec<(u16, u16)>; 7],
}

/// A rule outside the understood subset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("horaires non compris : « {0} »")]
pub struct UnreadableHours(pub String);

impl WeeklyHours {
    /// Reads `text`; a rule that is not understood makes the whole reading fail.
    pub fn parse(text: &str) -> Result<WeeklyHours, UnreadableHours> {
        let mut hours = WeeklyHours::default();
        for rule in text
            .split(';')
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
        {
            let unreadable = || UnreadableHours(rule.to_owned());
            let (days, times) = rule.split_once(' ').ok_or_else(unreadable)?;
            let days = parse_days(days).ok_or_else(unreadable)?;
            let intervals = match times.trim() {
                "off" | "closed" => Vec::new(),
                times => parse_times(times).ok_or_else(unreadable)?,
            };
            for day in days {
                hours.days[day] = intervals.clone();
            }
        }
        Ok(hours)
    }

    /// Whether the place is open on `weekday` (0 = Monday) at `minute` of the day.
    pub fn is_open(&self, weekday: usize, minute: u16) -> bool {
        self.days.get(weekday).is_some_and(|intervals| {
            intervals
                .iter()
                .any(|(start, end)| (*start..*end).contains(&minute))
        })
    }
}

/// French names of the weekdays, Monday first.
pub const FRENCH_DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

/// A time of day as French writes it: « 9 h », « 14 h 30 ».
fn french_time(minute: u16) -> String {
    match (minute / 60, minute % 60) {
        (hour, 0) => format!("{hour} h"),
        (hour, minutes) => format!("{hour} h {minutes:02}"),
    }
}

impl WeeklyHours {
    /// The week in plain French, one line per day: « lundi : 9 h – 12 h et 14 h – 17 h 30 »,
    /// « samedi : fermé ».
    pub fn in_french(&self) -> Vec<String> {
        FRENCH_DAYS
            .iter()
            .zip(&self.days)
            .map(|(day, intervals)| {
                if intervals.is_empty() {
                    return format!("{day} : fermé");
                }
                let spans: Vec<String> = intervals
                    .iter()
                    .map(|(start, end)| format!("{} – {}", french_time(*start), french_time(*end)))
                    .collect();
                format!("{day} : {}", spans.join(" et "))
            })
            .collect()
    }
}

fn day_index(code: &str) -> Option<usize> {
    DAYS.iter().position(|day| *day == code)
}

/// `Mo-Fr`, `Tu,Th`, `Mo-We,Fr` → weekday indices.
fn parse_days(text: &str) -> Option<Vec<usize>> {
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((from, to)) => days.extend(day_index(from)?..=day_index(to)?),
            None => days.push(day_index(part)?),
        }
    }
    Some(days)
}

/// `09:00-12:00,14:00-18:30` → minute intervals.
fn parse_times(text: &str) -> Option<Vec<(u16, u16)>> {
    text.split(',')
        .map(|range| {
            let (start, end) = range.trim().split_once('-')?;
            let (start, end) = (minutes(start)?, minutes(end)?);
            (start < end).then_some((start, end))
        })
        .collect()
}

fn minutes(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 24 && minutes < 60).then_some(hours * 60 + minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_example_is_read_day_by_day() {
        let hours =
            WeeklyHours::parse("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00").expect("parse");
        assert!(hours.is_open(0, 9 * 60));
        assert!(!hours.is_open(0, 12 * 60 + 30));
        assert!(hours.is_open(4, 18 * 60));
        assert!(hours.is_open(5, 8 * 60 + 30));
        assert!(!hours.is_open(6, 10 * 60));
    }

    #[test]
    fn lists_of_days_and_closed_days_are_understood() {
        let hours = WeeklyHours::parse("Tu,Th 14:00-17:00; Mo-Su off").expect("parse");
        assert!(
            !hours.is_open(1, 15 * 60),
            "a later rule overrides an earlier one"
        );
        let hours = WeeklyHours::parse("Mo-Su off; Tu,Th 14:00-17:00").expect("parse");
        assert!(hours.is_open(3, 15 * 60));
    }

    #[test]
    fn syntax_outside_the_subset_is_refused_not_guessed() {
        assert!(WeeklyHours::parse("PH off").is_err());
        assert!(WeeklyHours::parse("Mo 14:00-09:00").is_err());
        assert!(WeeklyHours::parse("sunrise-sunset").is_err());
    }

    #[test]
    fn the_week_reads_in_plain_french() {
        let hours = WeeklyHours::parse("Mo-Fr 09:00-12:00,14:00-17:30; Sa 08:30-12:00").unwrap();
        let week = hours.in_french();
        assert_eq!(week[0], "lundi : 9 h – 12 h et 14 h – 17 h 30");
        assert_eq!(week[5], "samedi : 8 h 30 – 12 h");
        assert_eq!(week[6], "dimanche : fermé");
    }
}
