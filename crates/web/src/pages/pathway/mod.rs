//! The pathway ("parcours") pages: the sessions the receiving structure records on a referral (the
//! list, and the form « Enregistrer une séance »), the collective workshop with the people of the
//! structure's referrals in progress and anonymous participants, and the closing of a referral with
//! its outcome and what the person gained.
//!
//! Every form keeps what was typed when something is refused, with a French message beside each
//! field; the rules themselves are the domain's (`NewSession::validate`, `Closing::checked`): this
//! module only reads the fields and says which field a broken rule belongs to.
//!
//! The files: `session_form` (the session form and its reading), `closing_form` (the closing form
//! and its reading), `view` (what the referral page shows of the pathway), `referral_page` (the
//! referral page itself, which `pages::orientation` draws too), `referral_forms` (the two forms
//! posted from the referral page) and `workshop` (the collective workshop). This file holds what
//! the forms share: the choices of a list and the reading of coded fields, durations and dates.

pub(crate) mod closing_form;
mod referral_forms;
mod referral_page;
mod session_edit;
pub(crate) mod session_form;
mod view;
mod workshop;

pub use referral_forms::{close, record_session, STALE};
pub use referral_page::referral_page_with;
pub use session_edit::{
    correct as correct_session, delete as delete_session, edit_form as session_edit_form,
};
pub use view::{PathwaySubmission, SESSION_RECORDED};
pub use workshop::{record_workshop, workshop_form};

use crate::pages::form_fields::{text, Errors, Fields};
use aiguillage_domain::calendar::Date;
use std::collections::BTreeSet;

/// One choice of a list, radio group or checkbox group: the submitted value and its French label.
pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
}

pub(super) fn options<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Opt> {
    all.iter()
        .map(|t| Opt {
            value: value(*t),
            label: label(*t),
        })
        .collect()
}

/// A duration as people say it: « 45 min », « 1 h », « 1 h 30 ».
pub fn duration_label(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

/// A calendar date as the pages show it (`23/11/2026`).
pub(super) fn french_date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// Whether `value` is among the submitted values of the field `name` (a ticked box, a chosen radio).
pub(super) fn is_checked(values: &Fields, name: &str, value: &str) -> bool {
    values
        .get(name)
        .is_some_and(|values| values.iter().any(|v| v == value))
}

/// Reads a code among `read`'s values; an unknown one is reported on `field`.
pub(super) fn coded<T>(
    values: &Fields,
    field: &'static str,
    read: fn(&str) -> Option<T>,
    errors: &mut Errors,
) -> Option<T> {
    let code = text(values, field);
    if code.is_empty() {
        return None;
    }
    let value = read(&code);
    if value.is_none() {
        errors.insert(field, format!("Valeur « {code} » inconnue."));
    }
    value
}

/// Every code of a checkbox group; an unknown one is reported on `field`.
pub(super) fn codes<T: Ord>(
    values: &Fields,
    name: &str,
    field: &'static str,
    read: fn(&str) -> Option<T>,
    errors: &mut Errors,
) -> BTreeSet<T> {
    let mut read_values = BTreeSet::new();
    for code in values.get(name).into_iter().flatten() {
        match read(code) {
            Some(value) => {
                read_values.insert(value);
            }
            None => {
                errors.insert(field, format!("Valeur « {code} » inconnue."));
            }
        }
    }
    read_values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::form_fields::fields;

    pub(super) fn form(pairs: &[(&str, &str)]) -> Fields {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        fields(body.as_bytes())
    }

    #[test]
    fn durations_read_the_way_people_say_them() {
        assert_eq!(duration_label(45), "45 min");
        assert_eq!(duration_label(60), "1 h");
        assert_eq!(duration_label(90), "1 h 30");
        assert_eq!(duration_label(125), "2 h 05");
    }
}
