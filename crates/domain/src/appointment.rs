//! First appointments: a structure's recurring windows for them (a weekday, from when to when, how
//! long one lasts, how many at once), the days it is closed, and the free slots these leave given
//! what is booked. Times are read in the structure's legal time ([`calendar::local_offset`]): a
//! window « mardi 14 h – 17 h » is 14 h in Angers, winter or summer.

use crate::calendar::{self, Date, DAY};
use crate::UnixSeconds;

labelled_enum! {
    /// How the appointment takes place.
    AppointmentChannel {
        OnSite = "on_site" => "Sur place",
        Phone = "phone" => "Par téléphone",
        Video = "video" => "En visio",
    }
}

labelled_enum! {
    /// What became of an appointment.
    AppointmentStatus {
        Booked = "booked" => "Prévu",
        Attended = "attended" => "Personne venue",
        NoShow = "no_show" => "Personne absente",
        Cancelled = "cancelled" => "Annulé",
    }
}

impl AppointmentStatus {
    /// Whether an appointment starting at `starts_at` may be settled as `self` at `now`: whether
    /// the person came or not is known only once it has begun; it may be cancelled at any time.
    pub fn may_settle(self, starts_at: UnixSeconds, now: UnixSeconds) -> bool {
        match self {
            AppointmentStatus::Booked => false,
            AppointmentStatus::Cancelled => true,
            AppointmentStatus::Attended | AppointmentStatus::NoShow => now >= starts_at,
        }
    }
}

/// The French names of the weekdays, Monday first (`SlotWindow::weekday` indexes them).
pub const WEEKDAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

/// One recurring window for first appointments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotWindow {
    /// 0 for Monday … 6 for Sunday.
    pub weekday: u8,
    /// Minutes after local midnight.
    pub start_minute: u16,
    pub end_minute: u16,
    /// Length of one appointment, in minutes.
    pub length_minutes: u16,
    /// How many people may be booked on the same slot (several mediators).
    pub capacity: u16,
}

/// Why a window is refused; the message is the French sentence shown beside the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotWindowError {
    #[error("Choisissez un jour de la semaine.")]
    Weekday,
    #[error("L'heure de fin doit venir après l'heure de début.")]
    EndBeforeStart,
    #[error("Un rendez-vous dure de 10 minutes à 4 heures.")]
    Length,
    #[error("La plage est plus courte qu'un rendez-vous.")]
    TooShort,
    #[error("Indiquez de 1 à 20 rendez-vous en même temps.")]
    Capacity,
}

impl SlotWindow {
    /// Checks a window typed by a manager.
    pub fn checked(self) -> Result<SlotWindow, SlotWindowError> {
        if self.weekday > 6 {
            return Err(SlotWindowError::Weekday);
        }
        if self.end_minute <= self.start_minute || self.end_minute > 24 * 60 {
            return Err(SlotWindowError::EndBeforeStart);
        }
        if !(10..=240).contains(&self.length_minutes) {
            return Err(SlotWindowError::Length);
        }
        if self.end_minute - self.start_minute < self.length_minutes {
            return Err(SlotWindowError::TooShort);
        }
        if !(1..=20).contains(&self.capacity) {
            return Err(SlotWindowError::Capacity);
        }
        Ok(self)
    }

    /// « mardi, 14 h – 17 h, rendez-vous de 30 min, 2 à la fois ».
    pub fn in_french(&self) -> String {
        let day = WEEKDAYS.get(usize::from(self.weekday)).unwrap_or(&"?");
        let at_once = if self.capacity > 1 {
            format!(", {} à la fois", self.capacity)
        } else {
            String::new()
        };
        format!(
            "{day}, {} – {}, rendez-vous de {} min{at_once}",
            clock(self.start_minute),
            clock(self.end_minute),
            self.length_minutes
        )
    }
}

/// « 14 h », « 9 h 30 ».
pub fn clock(minute: u16) -> String {
    match (minute / 60, minute % 60) {
        (hour, 0) => format!("{hour} h"),
        (hour, minutes) => format!("{hour} h {minutes:02}"),
    }
}

/// A free slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub starts_at: UnixSeconds,
    pub length_minutes: u16,
}

/// The moment a local date and minute is, in the département's legal time.
pub fn local_moment(date: Date, minute: u16, departement: &str) -> UnixSeconds {
    let naive = calendar::midnight_of(date) + i64::from(minute) * 60;
    let guess = naive - calendar::local_offset(naive, departement);
    naive - calendar::local_offset(guess, departement)
}

/// The free slots from `from` (at least `lead` seconds ahead) over `days` days: each window's
/// appointments on its weekday, but on closed days, with fewer bookings at that moment than the
/// window's capacity. Ordered by time.
pub fn free_slots(
    windows: &[SlotWindow],
    closed: &[Date],
    booked: &[UnixSeconds],
    (from, lead, days): (UnixSeconds, i64, u32),
    departement: &str,
) -> Vec<Slot> {
    let first_day = calendar::local_date(from, departement);
    let mut slots = Vec::new();
    for offset in 0..i64::from(days) {
        let Some(date) = first_day.checked_add(time::Duration::days(offset)) else {
            break;
        };
        if closed.contains(&date) {
            continue;
        }
        let weekday = date.weekday().number_days_from_monday();
        for window in windows.iter().filter(|w| w.weekday == weekday) {
            let mut minute = window.start_minute;
            while minute + window.length_minutes <= window.end_minute {
                let starts_at = local_moment(date, minute, departement);
                let taken = booked.iter().filter(|at| **at == starts_at).count();
                if starts_at >= from + lead && taken < usize::from(window.capacity) {
                    slots.push(Slot {
                        starts_at,
                        length_minutes: window.length_minutes,
                    });
                }
                minute += window.length_minutes;
            }
        }
    }
    slots.sort_by_key(|slot| slot.starts_at);
    slots.dedup_by_key(|slot| slot.starts_at);
    slots
}

/// Whether `starts_at` is one of the free slots (a booking re-checked inside its transaction).
pub fn is_free(
    windows: &[SlotWindow],
    closed: &[Date],
    booked: &[UnixSeconds],
    (starts_at, now): (UnixSeconds, UnixSeconds),
    departement: &str,
) -> Option<Slot> {
    let days = u32::try_from((starts_at - now) / DAY + 2).unwrap_or(0);
    free_slots(windows, closed, booked, (now, 0, days), departement)
        .into_iter()
        .find(|slot| slot.starts_at == starts_at)
}

/// Whether an appointment starting at `at` falls within one of the person's availabilities (their
/// weekday and hour in the département's legal time); with none given, every moment does.
pub fn suits(
    at: UnixSeconds,
    departement: &str,
    availability: &[crate::diagnostic::Availability],
) -> bool {
    if availability.is_empty() {
        return true;
    }
    let local = at + calendar::local_offset(at, departement);
    let date = calendar::date_of(local);
    let weekday = usize::from(date.weekday().number_days_from_monday());
    let minute = u16::try_from(local.rem_euclid(DAY) / 60).unwrap_or(0);
    availability.iter().any(|slot| {
        let (days, start, end) = crate::orientation::ranking::slot_times(*slot);
        days.contains(&weekday) && (start..end).contains(&minute)
    })
}

/// The moment and day, as a person reads them: « mardi 24/11/2026 à 14 h 30 ».
pub fn when_in_french(at: UnixSeconds, departement: &str) -> String {
    let local = at + calendar::local_offset(at, departement);
    let date = calendar::date_of(local);
    let minute = u16::try_from(local.rem_euclid(DAY) / 60).unwrap_or(0);
    let day = WEEKDAYS[usize::from(date.weekday().number_days_from_monday())];
    format!(
        "{day} {:02}/{:02}/{} à {}",
        date.day(),
        u8::from(date.month()),
        date.year(),
        clock(minute)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    // Monday 23 November 2026, 08:00 UTC (9 h in Angers).
    const MONDAY_MORNING: UnixSeconds = 1_795_392_000 + 8 * 3_600;

    fn tuesday_afternoon() -> SlotWindow {
        SlotWindow {
            weekday: 1,
            start_minute: 14 * 60,
            end_minute: 15 * 60,
            length_minutes: 30,
            capacity: 2,
        }
    }

    #[test]
    fn a_window_gives_its_slots_in_local_time_until_full() {
        let slots = free_slots(
            &[tuesday_afternoon()],
            &[],
            &[],
            (MONDAY_MORNING, 3_600, 7),
            "49",
        );
        assert_eq!(slots.len(), 2);
        // Tuesday 24 November 14 h in Angers is 13:00 UTC (winter time).
        assert_eq!(slots[0].starts_at, MONDAY_MORNING + DAY + 5 * 3_600);
        assert_eq!(
            when_in_french(slots[0].starts_at, "49"),
            "mardi 24/11/2026 à 14 h"
        );
        assert_eq!(
            when_in_french(slots[1].starts_at, "49"),
            "mardi 24/11/2026 à 14 h 30"
        );
        let first = slots[0].starts_at;
        let once = free_slots(
            &[tuesday_afternoon()],
            &[],
            &[first],
            (MONDAY_MORNING, 0, 7),
            "49",
        );
        assert_eq!(
            once.len(),
            2,
            "capacity 2: one booking leaves the slot open"
        );
        let full = free_slots(
            &[tuesday_afternoon()],
            &[],
            &[first, first],
            (MONDAY_MORNING, 0, 7),
            "49",
        );
        assert_eq!(full.len(), 1, "two bookings fill it");
        assert!(is_free(
            &[tuesday_afternoon()],
            &[],
            &[first, first],
            (first, MONDAY_MORNING),
            "49"
        )
        .is_none());
        let closed = free_slots(
            &[tuesday_afternoon()],
            &[date!(2026 - 11 - 24)],
            &[],
            (MONDAY_MORNING, 0, 7),
            "49",
        );
        assert!(closed.is_empty(), "a closed day has no slot");
    }

    #[test]
    fn a_slot_suits_the_person_s_availability_in_local_time() {
        use crate::diagnostic::Availability;
        // Tuesday 24 November, 14 h in Angers.
        let tuesday_14h = local_moment(date!(2026 - 11 - 24), 14 * 60, "49");
        assert!(suits(tuesday_14h, "49", &[]));
        assert!(suits(tuesday_14h, "49", &[Availability::WeekdayAfternoon]));
        assert!(!suits(
            tuesday_14h,
            "49",
            &[Availability::WeekdayMorning, Availability::Saturday]
        ));
    }

    #[test]
    fn summer_time_keeps_the_local_hour() {
        // Tuesday 23 June 2026, 14 h in Angers is 12:00 UTC.
        let at = local_moment(date!(2026 - 06 - 23), 14 * 60, "49");
        assert_eq!(when_in_french(at, "49"), "mardi 23/06/2026 à 14 h");
        assert_eq!(at % DAY, 12 * 3_600);
        // In La Réunion (UTC+4) 14 h is 10:00 UTC.
        assert_eq!(
            local_moment(date!(2026 - 06 - 23), 14 * 60, "974") % DAY,
            10 * 3_600
        );
    }

    #[test]
    fn a_window_is_checked() {
        let bad = |w: SlotWindow| w.checked().map_err(|e| e.to_string());
        assert!(tuesday_afternoon().checked().is_ok());
        assert_eq!(
            bad(SlotWindow {
                end_minute: 14 * 60,
                ..tuesday_afternoon()
            }),
            Err("L'heure de fin doit venir après l'heure de début.".into())
        );
        assert_eq!(
            bad(SlotWindow {
                length_minutes: 90,
                ..tuesday_afternoon()
            }),
            Err("La plage est plus courte qu'un rendez-vous.".into())
        );
        assert_eq!(
            bad(SlotWindow {
                capacity: 0,
                ..tuesday_afternoon()
            }),
            Err("Indiquez de 1 à 20 rendez-vous en même temps.".into())
        );
        assert_eq!(
            tuesday_afternoon().in_french(),
            "mardi, 14 h – 15 h, rendez-vous de 30 min, 2 à la fois"
        );
    }
}
