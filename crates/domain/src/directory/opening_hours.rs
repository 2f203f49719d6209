//! A reader for the common subset of OpenStreetMap `opening_hours` used by the places standard
//! (`Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00`, `Tu,Th 14:00-17:00`, `Su off`), answering "is it
//! open at this weekday and minute?". Anything outside the subset is reported as not understood rather
//! than guessed. The other way round, a week typed day by day in plain French (« 9 h – 12 h et 14 h –
//! 17 h 30 », « 14h-18h », empty for closed) is read by [`read_french_day`] and written back in the
//! standard's syntax by [`WeeklyHours::to_osm`].

/// Days of the week, Monday first, as in `opening_hours`.
const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/// Opening hours read from the subset: for each weekday (0 = Monday), the open intervals in minutes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours {
    pub days: [Vec<(u16, u16)>; 7],
    /// Closed on public holidays (`PH off`).
    pub closed_on_holidays: bool,
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
            if rule == "PH off" || rule == "PH closed" {
                hours.closed_on_holidays = true;
                continue;
            }
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
            .chain(
                self.closed_on_holidays
                    .then(|| "fermé les jours fériés".to_owned()),
            )
            .collect()
    }

    /// One day's ranges as the editor shows them (« 9 h – 12 h et 14 h – 17 h 30 »; empty: closed).
    pub fn day_in_french(&self, weekday: usize) -> String {
        self.days
            .get(weekday)
            .map(|intervals| {
                intervals
                    .iter()
                    .map(|(start, end)| format!("{} – {}", french_time(*start), french_time(*end)))
                    .collect::<Vec<_>>()
                    .join(" et ")
            })
            .unwrap_or_default()
    }

    /// The week in the standard's syntax, consecutive days with the same hours grouped
    /// (`Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off`); closed days are left out, as the
    /// syntax reads them closed. Empty when never open.
    pub fn to_osm(&self) -> String {
        let mut rules = Vec::new();
        let mut day = 0;
        while day < 7 {
            let intervals = &self.days[day];
            let mut last = day;
            while last + 1 < 7 && self.days[last + 1] == *intervals {
                last += 1;
            }
            if !intervals.is_empty() {
                let days = match last - day {
                    0 => DAYS[day].to_owned(),
                    1 => format!("{},{}", DAYS[day], DAYS[last]),
                    _ => format!("{}-{}", DAYS[day], DAYS[last]),
                };
                let times: Vec<String> = intervals
                    .iter()
                    .map(|(start, end)| format!("{}-{}", osm_time(*start), osm_time(*end)))
                    .collect();
                rules.push(format!("{days} {}", times.join(",")));
            }
            day = last + 1;
        }
        if self.closed_on_holidays && !rules.is_empty() {
            rules.push("PH off".to_owned());
        }
        rules.join("; ")
    }
}

fn osm_time(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Why one day's hours typed in French are not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayHoursError {
    #[error(
        "« {0} » n'est pas compris : écrivez les plages comme « 9 h – 12 h et 14 h – 17 h 30 »."
    )]
    Unreadable(String),
    #[error("« {0} » : l'heure de fin doit venir après l'heure de début.")]
    EndBeforeStart(String),
    #[error("Les plages « {0} » se chevauchent.")]
    Overlapping(String),
}

/// One day's ranges typed in French: « 9 h – 12 h et 14 h – 17 h 30 », « 9h-12h, 14h-17h30 »,
/// « 09:00-12:00 », « de 9 h à 12 h » ; empty or « fermé » for closed. Ranges come back in order.
pub fn read_french_day(text: &str) -> Result<Vec<(u16, u16)>, DayHoursError> {
    let lowered = text.trim().to_lowercase();
    if lowered.is_empty() || lowered == "fermé" || lowered == "ferme" {
        return Ok(Vec::new());
    }
    let normalised = lowered
        .replace(['–', '—'], "-")
        .replace(" à ", "-")
        .replace(" a ", "-")
        .replace(" et ", ",")
        .replace([';', '/'], ",");
    let mut ranges = Vec::new();
    for range in normalised
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let range = range.strip_prefix("de ").unwrap_or(range);
        let unreadable = || DayHoursError::Unreadable(range.to_owned());
        let (start, end) = range.split_once('-').ok_or_else(unreadable)?;
        let (start, end) = (
            french_minutes(start).ok_or_else(unreadable)?,
            french_minutes(end).ok_or_else(unreadable)?,
        );
        if start >= end {
            return Err(DayHoursError::EndBeforeStart(range.to_owned()));
        }
        ranges.push((start, end));
    }
    ranges.sort_unstable();
    if ranges.windows(2).any(|pair| pair[1].0 < pair[0].1) {
        return Err(DayHoursError::Overlapping(text.trim().to_owned()));
    }
    Ok(ranges)
}

/// « 9 h », « 9h30 », « 14 h 05 », « 09:00 », « 9 » → minutes after midnight (24 h allowed as an end).
fn french_minutes(text: &str) -> Option<u16> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (hours, minutes) = match compact.split_once(['h', ':']) {
        Some((hours, "")) => (hours, "0"),
        Some((hours, minutes)) => (hours, minutes),
        None => (compact.as_str(), "0"),
    };
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    // Checked before the product, which overflows for « 1093 h » (a panic in a debug build).
    (hours <= 24 && minutes < 60)
        .then(|| hours * 60 + minutes)
        .filter(|minute| *minute <= 24 * 60)
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
    (hours <= 24 && minutes < 60).then(|| hours * 60 + minutes)
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
        assert!(WeeklyHours::parse("PH 10:00-12:00").is_err());
        assert!(WeeklyHours::parse("Mo 14:00-09:00").is_err());
        assert!(WeeklyHours::parse("sunrise-sunset").is_err());
    }

    #[test]
    fn a_day_typed_in_french_is_read_whatever_the_spelling() {
        let morning_and_afternoon = Ok(vec![(540, 720), (840, 1050)]);
        for typed in [
            "9 h – 12 h et 14 h – 17 h 30",
            "9h-12h, 14h-17h30",
            "09:00-12:00 et 14:00-17:30",
            "de 14 h à 17 h 30 et de 9 h à 12 h",
        ] {
            assert_eq!(read_french_day(typed), morning_and_afternoon, "{typed}");
        }
        assert_eq!(read_french_day(""), Ok(vec![]));
        assert_eq!(read_french_day("Fermé"), Ok(vec![]));
        assert_eq!(read_french_day("14h-18h"), Ok(vec![(840, 1080)]));
        assert!(matches!(
            read_french_day("le matin"),
            Err(DayHoursError::Unreadable(_))
        ));
        assert!(matches!(
            read_french_day("18h-9h"),
            Err(DayHoursError::EndBeforeStart(_))
        ));
        assert!(matches!(
            read_french_day("9h-12h et 11h-14h"),
            Err(DayHoursError::Overlapping(_))
        ));
        assert!(read_french_day("9h-25h").is_err());
    }

    #[test]
    fn the_week_is_written_back_in_the_standard_syntax_grouping_equal_days() {
        let text = "Mo-Fr 09:00-12:00,14:00-17:30; Sa 08:30-12:00; PH off";
        let hours = WeeklyHours::parse(text).expect("parse");
        assert!(hours.closed_on_holidays);
        assert_eq!(hours.to_osm(), text);
        assert_eq!(WeeklyHours::parse(&hours.to_osm()), Ok(hours.clone()));
        let mut split = WeeklyHours::default();
        split.days[1] = vec![(600, 1080)];
        split.days[2] = vec![(600, 1080)];
        split.days[4] = vec![(600, 1080)];
        assert_eq!(split.to_osm(), "Tu,We 10:00-18:00; Fr 10:00-18:00");
        assert_eq!(WeeklyHours::default().to_osm(), "");
        assert_eq!(hours.day_in_french(0), "9 h – 12 h et 14 h – 17 h 30");
        assert_eq!(hours.day_in_french(6), "");
        assert_eq!(
            hours.in_french().last().map(String::as_str),
            Some("fermé les jours fériés")
        );
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
