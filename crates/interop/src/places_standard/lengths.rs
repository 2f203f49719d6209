//! Our limits on free texts where the standard sets none: the longest value of each field, the most
//! items of a list, and the rejection of every place that exceeds them (whatever the format read).

use aiguillage_domain::directory::Place;

use super::values::SUMMARY_MAX_CHARS;
use super::{PlacesReport, RowError};

/// The longest value, in characters, each free-text field may hold. The standard (schema.json v1.0.2)
/// sets only `presentation_resume` (280); for the others, where it is silent, these limits are ours:
/// generous enough for any real place (the longest French commune name has 45 characters, an e-mail
/// address at most 254 by RFC 5321, a URL 2 000 in every browser), small enough that a file cannot
/// fill the directory with pages of text. Fields with a pattern (`pivot`, `code_postal`, `code_insee`,
/// `telephone`, `date_maj`) or a closed vocabulary are bounded by it already. In list fields the limit
/// is per item, and a list holds at most [`LIST_MAX_ITEMS`] items.
pub const FIELD_MAX_CHARS: [(&str, usize); 16] = [
    ("id", 200),
    ("nom", 300),
    ("commune", 100),
    ("adresse", 300),
    ("complement_adresse", 300),
    ("typologie", 100),
    ("courriels", 254),
    ("site_web", 2_000),
    ("horaires", 1_000),
    ("presentation_resume", SUMMARY_MAX_CHARS),
    ("presentation_detail", 10_000),
    ("source", 200),
    ("structure_parente", 300),
    ("autres_formations_labels", 300),
    ("fiche_acces_libre", 2_000),
    ("prise_rdv", 2_000),
];

/// The most items a list field may hold.
pub const LIST_MAX_ITEMS: usize = 50;

/// The limit of `field` in [`FIELD_MAX_CHARS`].
pub fn field_max_chars(field: &str) -> Option<usize> {
    FIELD_MAX_CHARS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, limit)| *limit)
}

/// The free-text values of a place, by field of the standard.
fn free_texts(place: &Place) -> [(&'static str, Vec<&str>); 16] {
    fn one(value: &Option<String>) -> Vec<&str> {
        value.as_deref().into_iter().collect()
    }
    fn many(values: &[String]) -> Vec<&str> {
        values.iter().map(String::as_str).collect()
    }
    [
        ("id", vec![place.id.as_str()]),
        ("nom", vec![place.name.as_str()]),
        ("commune", vec![place.commune.as_str()]),
        ("adresse", vec![place.address.as_str()]),
        ("complement_adresse", one(&place.address_complement)),
        ("typologie", many(&place.typologies)),
        ("courriels", many(&place.emails)),
        ("site_web", many(&place.websites)),
        ("horaires", one(&place.opening_hours)),
        ("presentation_resume", one(&place.summary)),
        ("presentation_detail", one(&place.detail)),
        ("source", one(&place.source)),
        ("structure_parente", one(&place.parent_structure)),
        ("autres_formations_labels", many(&place.other_labels)),
        ("fiche_acces_libre", one(&place.accessibility_sheet_url)),
        ("prise_rdv", one(&place.booking_url)),
    ]
}

/// Every field of the place longer than its limit, with a French reason naming the field and the limit.
pub fn overlong_fields(place: &Place) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    for (field, values) in free_texts(place) {
        if values.len() > LIST_MAX_ITEMS {
            problems.push((
                field,
                format!(
                    "{field} : {} valeurs pour {LIST_MAX_ITEMS} au plus",
                    values.len()
                ),
            ));
        }
        let Some(limit) = field_max_chars(field) else {
            continue;
        };
        if let Some(length) = values
            .iter()
            .map(|value| value.chars().count())
            .filter(|length| *length > limit)
            .max()
        {
            problems.push((
                field,
                format!("{field} trop long : {length} caractères pour {limit} au plus"),
            ));
        }
    }
    problems
}

/// Moves every accepted place with a field over its limit to the rejected rows, one error per field
/// (and drops the warnings of its line): every reader ends with it, so no format escapes the limits.
pub fn reject_overlong_fields(report: &mut PlacesReport) {
    let mut kept = Vec::with_capacity(report.places.len());
    for (line, place) in std::mem::take(&mut report.places) {
        let problems = overlong_fields(&place);
        if problems.is_empty() {
            kept.push((line, place));
            continue;
        }
        report.warnings.retain(|warning| warning.line != line);
        let id: String = place.id.chars().take(200).collect();
        report
            .rejected
            .extend(problems.into_iter().map(|(field, reason)| RowError {
                line,
                id: Some(id.clone()),
                field: field.to_string(),
                reason,
            }));
    }
    report.places = kept;
}
