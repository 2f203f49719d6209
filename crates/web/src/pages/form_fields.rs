//! Helpers shared by the directory edit forms: checkbox and radio groups of the standard's vocabulary,
//! and reading submitted fields (repeated names kept) with a French message per unreadable value.

use std::collections::BTreeMap;

/// A checkbox or radio of a form.
pub struct Choice {
    pub value: &'static str,
    pub checked: bool,
}

/// A group of checkboxes (`multiple`) or radios.
pub struct Group {
    pub name: &'static str,
    pub legend: &'static str,
    pub multiple: bool,
    pub options: Vec<Choice>,
    /// When the group's field was corrected by hand (« 12/03/2026 »): it is kept at the next imports.
    pub hand_note: Option<String>,
}

/// A group listing every value of an enumeration, the chosen ones checked.
pub fn group<T: Copy + PartialEq>(
    (name, legend): (&'static str, &'static str),
    multiple: bool,
    all: &[T],
    label: fn(T) -> &'static str,
    chosen: &[T],
) -> Group {
    let options = all
        .iter()
        .map(|value| Choice {
            value: label(*value),
            checked: chosen.contains(value),
        })
        .collect();
    Group {
        name,
        legend,
        multiple,
        options,
        hand_note: None,
    }
}

/// The submitted fields of a url-encoded form.
pub type Fields = BTreeMap<String, Vec<String>>;
/// A French message per field name.
pub type Errors = BTreeMap<&'static str, String>;

pub fn fields(body: &[u8]) -> Fields {
    let mut fields: Fields = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        fields
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    fields
}

/// Every value of a checkbox group, each read by `parse`.
pub fn labels<T>(
    fields: &Fields,
    name: &'static str,
    parse: fn(&str) -> Option<T>,
    errors: &mut Errors,
) -> Vec<T> {
    let mut values = Vec::new();
    for text in fields.get(name).into_iter().flatten() {
        match parse(text) {
            Some(value) => values.push(value),
            None => {
                errors.insert(name, format!("Valeur « {text} » inconnue."));
            }
        }
    }
    values
}

/// The first value of a field, trimmed ("" when absent).
pub fn text(fields: &Fields, name: &str) -> String {
    fields
        .get(name)
        .and_then(|values| values.first())
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

/// A whole number between 0 and `max`, or nothing when empty.
pub fn number(text: &str, field: &'static str, max: u32, errors: &mut Errors) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    match text.parse::<u32>().ok().filter(|n| *n <= max) {
        Some(n) => Some(n),
        None => {
            errors.insert(
                field,
                format!("Indiquez un nombre entier entre 0 et {max}."),
            );
            None
        }
    }
}

/// Whether two lists hold the same values, whatever their order (forms list them in the standard's
/// order, a file may not).
pub fn same_values<T: Ord + Clone>(a: &[T], b: &[T]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_kept_and_unknown_values_explained() {
        let fields = fields(b"services=A&services=B&capacite=12");
        let mut errors = Errors::new();
        let read = labels(
            &fields,
            "services",
            |t| (t == "A").then_some(1),
            &mut errors,
        );
        assert_eq!(read, vec![1]);
        assert_eq!(
            errors.get("services").map(String::as_str),
            Some("Valeur « B » inconnue.")
        );
        assert_eq!(
            number(&text(&fields, "capacite"), "capacite", 100, &mut errors),
            Some(12)
        );
        assert_eq!(number("beaucoup", "delai", 10, &mut errors), None);
        assert!(errors.contains_key("delai"));
    }

    #[test]
    fn the_same_values_in_another_order_are_the_same() {
        assert!(same_values(&[2, 1], &[1, 2]));
        assert!(!same_values(&[1], &[1, 2]));
    }
}
