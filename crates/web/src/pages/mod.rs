//! The HTML pages, one module per area; each handler renders an askama template inside the layout.

pub mod account;
pub mod admin;
pub mod admin_api_clients;
pub mod admin_settings;
pub mod appointments;
pub mod contact_requests;
pub mod diagnostic;
pub mod directory;
pub mod directory_import;
pub mod documentation;
pub mod download;
pub mod form_fields;
pub mod home;
pub mod import_conflicts;
pub mod legal;
pub mod login;
pub mod my_structure;
pub mod notifications;
pub mod offer_edit;
pub mod orientation;
pub mod orientation_form;
pub mod pathway;
pub mod people;
pub mod place_edit;
pub mod proconnect;
pub mod public_directory;
pub mod questionnaire;
pub mod queue;
pub mod redistribution;
pub mod referral_thread;
pub mod reorientation;
pub mod resource_archive;
pub mod resource_cycles;
pub mod resource_edit;
pub mod resource_review;
pub mod resources;
pub mod retention;
pub mod rights;
pub mod second_factor;
pub mod self_diagnostic;
pub mod self_diagnostic_steps;
pub mod self_service;
pub mod steering;
pub mod steering_export;
pub mod steering_names;
pub mod steering_summary;
pub mod structures;
pub mod take_home;
pub mod team;
pub mod territory;
pub mod territory_diagnostic;
pub mod territory_index;
pub mod voucher_desk;
pub mod voucher_files;
pub mod vouchers;

use crate::error::WebError;
use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

/// Renders a template as a page that must not be cached (pages may show personal data).
pub fn render(template: &impl Template) -> Result<Response, WebError> {
    let html = template
        .render()
        .map_err(|e| WebError::Internal(format!("template: {e}")))?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}

/// A Unix time as the interface shows it, on Paris's clock (`22/11/2026 à 15:05`).
pub fn format_time(unix: i64) -> String {
    let format = time::macros::format_description!("[day]/[month]/[year] à [hour]:[minute]");
    aiguillage_domain::calendar::paris_time(unix)
        .format(format)
        .unwrap_or_else(|_| "date inconnue".to_owned())
}

/// Where a paged list stands: the page shown (from 1), how many pages, and the link to page `n`
/// (`{}` in `pattern`, the list's filters kept), drawn by `pagination.html`.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub pattern: String,
    /// What the navigation is called for screen readers, e.g. « Pages des personnes ».
    pub label: &'static str,
}

impl Pager {
    /// The pager of `total` items shown `size` a page, the page asked clamped to the last.
    pub fn new(
        asked: Option<i64>,
        total: i64,
        size: i64,
        (pattern, label): (String, &'static str),
    ) -> Pager {
        let pages = ((total + size - 1) / size).max(1);
        Pager {
            page: asked.unwrap_or(1).clamp(1, pages),
            pages,
            pattern,
            label,
        }
    }

    /// How many items to skip for the page shown.
    pub fn offset(&self, size: i64) -> i64 {
        (self.page - 1) * size
    }

    pub fn link<N: std::fmt::Display>(&self, page: N) -> String {
        self.pattern.replace("{}", &page.to_string())
    }
}

/// Whether an error key names a field an error summary links to (the duplicate warning of enrolment
/// is about the whole form, said in the summary's text).
pub fn is_field(name: &str) -> bool {
    name != "doublon"
}

/// The id an error summary links to for field `name`, where the form gives its fields the ids
/// `pattern` makes (`{}` for the name: `"{}"`, `"contact-{}"`, `"{}-1"` for a group's first choice),
/// save the fields the shared parts name otherwise: the commune search, the consent's « yes », the
/// urgency's first list, and the plain ids of the questionnaire's date, notes and agreement.
pub fn field_anchor(pattern: &str, name: &str) -> String {
    match name {
        "commune" if pattern == "{}" => "commune_recherche".to_owned(),
        "consentement" => "consentement-oui".to_owned(),
        "urgence" => "urgence_organisme".to_owned(),
        "urgence_organisme" | "urgence_demarche" | "urgence_echeance" | "notes" | "accord" => {
            name.to_owned()
        }
        // A workshop: its own fields, then the session's (`session_fields.html`).
        "titre" | "anonymes" | "niveau" | "personnes" if pattern == "seance-{}" => {
            format!("atelier-{name}")
        }
        _ => pattern.replace("{}", name),
    }
}

/// A count with its noun agreed (« 1 personne », « 3 personnes », « aucune orientation » is the
/// caller's): `one` and `many` are the two forms.
pub fn counted<C: Count + std::fmt::Display>(count: C, one: &str, many: &str) -> String {
    format!("{count} {}", plural(&count, one, many))
}

/// The form of a noun (or a phrase) agreed with a count shown apart: `one` up to 1, `many` beyond.
pub fn plural<'a, C: Count>(count: C, one: &'a str, many: &'a str) -> &'a str {
    if count.is_plural() {
        many
    } else {
        one
    }
}

/// « de » before a name, elided or contracted as French writes it: « d'Angers », « d'Hélène »,
/// « du Mans », « des Ponts-de-Cé », « de la Flèche », « de Saumur ».
pub fn of_name(name: &str) -> String {
    let name = name.trim();
    if let Some(rest) = name.strip_prefix("Le ") {
        return format!("du {rest}");
    }
    if let Some(rest) = name.strip_prefix("Les ") {
        return format!("des {rest}");
    }
    if let Some(rest) = name.strip_prefix("La ") {
        return format!("de la {rest}");
    }
    let elided = name.chars().next().is_some_and(|first| {
        "aeiouyhàâäéèêëîïôöùûüÿœæ".contains(first.to_lowercase().next().unwrap_or(first))
    });
    if elided {
        format!("d'{name}")
    } else {
        format!("de {name}")
    }
}

/// A count, as templates hold it (by value or by reference): plural in French from 2 on.
pub trait Count {
    fn is_plural(&self) -> bool;
}

macro_rules! count_of_integers {
    ($($integer:ty),*) => {$(
        impl Count for $integer {
            fn is_plural(&self) -> bool {
                *self > 1
            }
        }
    )*};
}
count_of_integers!(usize, u32, u64, i32, i64);

impl<C: Count> Count for &C {
    fn is_plural(&self) -> bool {
        (*self).is_plural()
    }
}

/// A number with French thousands separators (`34 969`).
pub fn format_count(number: i64) -> String {
    let digits = number.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    if number < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn de_is_elided_or_contracted_before_a_name() {
        assert_eq!(of_name("Angers"), "d'Angers");
        assert_eq!(of_name("Hélène"), "d'Hélène");
        assert_eq!(of_name("Saumur"), "de Saumur");
        assert_eq!(of_name("Le Mans"), "du Mans");
        assert_eq!(of_name("Les Ponts-de-Cé"), "des Ponts-de-Cé");
        assert_eq!(of_name("La Flèche"), "de la Flèche");
        assert_eq!(of_name("Élodie"), "d'Élodie");
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(counted(0_usize, "séance", "séances"), "0 séance");
        assert_eq!(counted(1_i64, "séance", "séances"), "1 séance");
        let two = 2_u32;
        assert_eq!(counted(two, "séance", "séances"), "2 séances");
        assert_eq!(plural(std::hint::black_box(&two), "a", "b"), "b");
        assert_eq!(plural(3_usize, "honoré", "honorés"), "honorés");
    }

    #[test]
    fn counts_and_times_are_written_the_french_way() {
        assert_eq!(format_count(34_969), "34\u{202f}969");
        assert_eq!(format_count(101), "101");
        assert_eq!(format_time(0), "01/01/1970 à 01:00", "winter: UTC+1");
        assert_eq!(
            format_time(1_782_900_000),
            "01/07/2026 à 12:00",
            "summer: UTC+2"
        );
        assert_eq!(
            format_time(1_798_758_000),
            "01/01/2027 à 00:00",
            "the next day in Paris"
        );
    }
}
