//! A person's rights over their data (RGPD articles 15 to 21): the kinds of request a structure
//! registers with their stable codes, the legal deadline to answer (one month from reception,
//! counted in calendar months), whether an entry of the register is late, how long the register
//! keeps an entry (12 months after the answer), the identity fields a rectification may change —
//! named in the audit trail by their codes, never with their values — and the reference by which
//! the register names a person (`personne-{id}`, as the audit trail does: no name, no copy of the
//! data, so the entry still stands after an erasure).

use crate::calendar::{shift_months, Date};
use crate::person::PersonDraft;

labelled_enum! {
    /// What the person asked for.
    RightsRequestKind {
        Access = "access" => "Accès à ses données",
        Portability = "portability" => "Portabilité (copie dans un format réutilisable)",
        Rectification = "rectification" => "Rectification",
        Erasure = "erasure" => "Effacement",
        ConsentWithdrawal = "consent_withdrawal" => "Retrait du consentement",
        Objection = "objection" => "Opposition",
        Limitation = "limitation" => "Limitation du traitement",
    }
}

impl RightsRequestKind {
    /// The kinds a professional registers from the person's page with the small form (the others
    /// are registered by the action that answers them: the correction form, the erasure form).
    pub const REGISTERED_BY_FORM: &'static [RightsRequestKind] = &[
        RightsRequestKind::Access,
        RightsRequestKind::Portability,
        RightsRequestKind::Objection,
        RightsRequestKind::Limitation,
    ];

    /// Whether the answer is the export of the person's data (the page or the JSON file).
    pub fn answered_by_export(self) -> bool {
        matches!(
            self,
            RightsRequestKind::Access | RightsRequestKind::Portability
        )
    }
}

/// Where a request of the register stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// Not answered, the deadline not passed.
    Open,
    /// Not answered and the deadline passed: late.
    Late,
    /// Answered on time.
    Answered,
    /// Answered after the deadline.
    AnsweredLate,
}

impl RequestState {
    /// The French words of the register.
    pub fn label(self) -> &'static str {
        match self {
            RequestState::Open => "En cours",
            RequestState::Late => "En retard",
            RequestState::Answered => "Répondue",
            RequestState::AnsweredLate => "Répondue en retard",
        }
    }

    /// Whether the request still waits for its answer.
    pub fn is_open(self) -> bool {
        matches!(self, RequestState::Open | RequestState::Late)
    }

    /// Whether the deadline was (or is) missed.
    pub fn is_late(self) -> bool {
        matches!(self, RequestState::Late | RequestState::AnsweredLate)
    }
}

/// The date `months` calendar months after `date`: the same day of that month, or its last day
/// when it has no such day (31 January + 1 month = 28 or 29 February), the rule of the European
/// regulation on periods (n° 1182/71, art. 3) that the RGPD's "one month" follows.
pub fn add_months(date: Date, months: u32) -> Date {
    shift_months(date, i64::from(months))
}

/// The last day to answer a request received on `received_on`: one month later (RGPD art. 12.3).
pub fn answer_deadline(received_on: Date) -> Date {
    add_months(received_on, 1)
}

/// Where a request received on `received_on` stands on `today`, given the day it was answered.
pub fn request_state(received_on: Date, answered_on: Option<Date>, today: Date) -> RequestState {
    let deadline = answer_deadline(received_on);
    match answered_on {
        Some(day) if day > deadline => RequestState::AnsweredLate,
        Some(_) => RequestState::Answered,
        None if today > deadline => RequestState::Late,
        None => RequestState::Open,
    }
}

/// How many months the register keeps an entry after its answer (DATA-PROTECTION.md); an
/// unanswered request is kept until it is answered.
pub const RECORD_LIFETIME_MONTHS: u32 = 12;

/// The first day an entry answered on `answered_on` may be deleted.
pub fn record_expires_on(answered_on: Date) -> Date {
    add_months(answered_on, RECORD_LIFETIME_MONTHS)
}

/// The first day whose answers the register still keeps on `today`: 12 months before, the same
/// day of the month (or that month's last day); entries answered before it are deleted.
pub fn first_day_kept(today: Date) -> Date {
    shift_months(today, -i64::from(RECORD_LIFETIME_MONTHS))
}

/// Whether a date typed as the reception of a request may be recorded on `today`: not in the
/// future, and not before the register's lifetime (an older request would already be gone).
pub fn check_received_on(received_on: Date, today: Date) -> Result<(), &'static str> {
    if received_on > today {
        return Err("La date de réception ne peut pas être dans le futur.");
    }
    if add_months(received_on, RECORD_LIFETIME_MONTHS) < today {
        return Err("La date de réception doit dater de moins de 12 mois.");
    }
    Ok(())
}

/// How the register (and the audit trail) names a person: their pseudonymous id.
pub fn person_reference(person_id: i64) -> String {
    format!("personne-{person_id}")
}

labelled_enum! {
    /// An identity or contact field a correction may change, as the audit trail names it.
    IdentityField {
        FirstName = "first_name" => "prénom",
        LastName = "last_name" => "nom",
        Phone = "phone" => "téléphone",
        Email = "email" => "courriel",
        NoPhone = "no_phone" => "sans téléphone",
        Commune = "commune" => "commune",
        BirthYear = "birth_year" => "année de naissance",
    }
}

/// The fields a correction changes, in the form's order.
pub fn changed_fields(before: &PersonDraft, after: &PersonDraft) -> Vec<IdentityField> {
    let mut changed = Vec::new();
    let mut check = |field, differs: bool| {
        if differs {
            changed.push(field);
        }
    };
    check(
        IdentityField::FirstName,
        before.first_name != after.first_name,
    );
    check(IdentityField::LastName, before.last_name != after.last_name);
    check(IdentityField::Phone, before.phone != after.phone);
    check(IdentityField::Email, before.email != after.email);
    check(IdentityField::NoPhone, before.no_phone != after.no_phone);
    check(
        IdentityField::Commune,
        before.commune_code != after.commune_code,
    );
    check(
        IdentityField::BirthYear,
        before.birth_year != after.birth_year,
    );
    changed
}

/// The marker the audit reason of a correction ends with, before the changed fields' codes.
const CHANGED_MARKER: &str = " [changed:";

/// The audit reason of a correction: the route, then the codes of the fields it changed (never
/// their values), e.g. `POST /personnes/12/modifier [changed:last_name,phone]`.
pub fn correction_reason(route: &str, fields: &[IdentityField]) -> String {
    let codes: Vec<&str> = fields.iter().map(|field| field.code()).collect();
    format!("{route}{CHANGED_MARKER}{}]", codes.join(","))
}

/// An audit reason as people read it: a correction's field codes become « modifiés : nom,
/// téléphone » (« aucun champ modifié » when none); any other reason is shown as written.
pub fn readable_reason(reason: &str) -> String {
    let Some((route, rest)) = reason.split_once(CHANGED_MARKER) else {
        return reason.to_owned();
    };
    let codes = rest.trim_end_matches(']');
    let labels: Vec<&str> = codes
        .split(',')
        .filter(|code| !code.is_empty())
        .map(|code| IdentityField::from_code(code).map_or(code, |field| field.label()))
        .collect();
    if labels.is_empty() {
        format!("{route} — aucun champ modifié")
    } else {
        format!("{route} — modifiés : {}", labels.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    fn day(year: i32, month: Month, day: u8) -> Date {
        Date::from_calendar_date(year, month, day).unwrap()
    }

    #[test]
    fn one_month_is_the_same_day_of_the_next_month() {
        assert_eq!(
            answer_deadline(day(2026, Month::March, 15)),
            day(2026, Month::April, 15)
        );
    }

    #[test]
    fn the_31st_of_january_ends_at_the_end_of_february() {
        assert_eq!(
            answer_deadline(day(2026, Month::January, 31)),
            day(2026, Month::February, 28)
        );
        assert_eq!(
            answer_deadline(day(2028, Month::January, 31)),
            day(2028, Month::February, 29)
        );
        assert_eq!(
            answer_deadline(day(2026, Month::March, 31)),
            day(2026, Month::April, 30)
        );
    }

    #[test]
    fn december_runs_into_the_next_year() {
        assert_eq!(
            answer_deadline(day(2026, Month::December, 20)),
            day(2027, Month::January, 20)
        );
        assert_eq!(
            record_expires_on(day(2028, Month::February, 29)),
            day(2029, Month::February, 28)
        );
        assert_eq!(
            first_day_kept(day(2027, Month::February, 28)),
            day(2026, Month::February, 28)
        );
        assert_eq!(
            first_day_kept(day(2029, Month::January, 5)),
            day(2028, Month::January, 5)
        );
    }

    #[test]
    fn a_request_is_late_only_after_its_deadline() {
        let received = day(2026, Month::January, 31);
        let deadline = day(2026, Month::February, 28);
        assert_eq!(request_state(received, None, deadline), RequestState::Open);
        let next = day(2026, Month::March, 1);
        assert_eq!(request_state(received, None, next), RequestState::Late);
        assert!(request_state(received, None, next).is_late());
        assert_eq!(
            request_state(received, Some(deadline), next),
            RequestState::Answered
        );
        assert_eq!(
            request_state(received, Some(next), next),
            RequestState::AnsweredLate
        );
    }

    #[test]
    fn the_received_date_is_neither_future_nor_too_old() {
        let today = day(2026, Month::December, 6);
        assert!(check_received_on(today, today).is_ok());
        assert!(check_received_on(day(2026, Month::December, 7), today).is_err());
        assert!(check_received_on(day(2025, Month::December, 6), today).is_ok());
        assert!(check_received_on(day(2025, Month::December, 5), today).is_err());
    }

    #[test]
    fn codes_are_stable_and_distinct() {
        let codes: std::collections::BTreeSet<&str> =
            RightsRequestKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), RightsRequestKind::ALL.len());
        assert_eq!(
            RightsRequestKind::from_code("consent_withdrawal"),
            Some(RightsRequestKind::ConsentWithdrawal)
        );
    }

    fn draft() -> PersonDraft {
        PersonDraft {
            first_name: "Marie".into(),
            last_name: "Durand".into(),
            phone: Some("0612345678".into()),
            email: None,
            no_phone: false,
            commune_code: "49007".into(),
            birth_year: Some(1950),
        }
    }

    #[test]
    fn a_correction_names_the_fields_never_the_values() {
        let before = draft();
        let after = PersonDraft {
            last_name: "Martin".into(),
            phone: Some("0698765432".into()),
            ..draft()
        };
        let fields = changed_fields(&before, &after);
        assert_eq!(fields, vec![IdentityField::LastName, IdentityField::Phone]);
        let reason = correction_reason("POST /personnes/12/modifier", &fields);
        assert_eq!(
            reason,
            "POST /personnes/12/modifier [changed:last_name,phone]"
        );
        assert!(!reason.contains("Durand") && !reason.contains("0612345678"));
        assert_eq!(
            readable_reason(&reason),
            "POST /personnes/12/modifier — modifiés : nom, téléphone"
        );
        assert_eq!(
            readable_reason(&correction_reason("POST /x", &[])),
            "POST /x — aucun champ modifié"
        );
        assert_eq!(readable_reason("GET /personnes/12"), "GET /personnes/12");
    }
}
