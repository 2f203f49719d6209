//! Writing places in the standard's form: the 32 values of a place in order (lists joined with `|`),
//! as CSV or as the JSON array, and the fields whose values differ between two places.

use aiguillage_domain::directory::Place;
use serde_json::{Map, Value};

use super::fields::{FIELDS, FIELD_TITLES};
use crate::spreadsheet::{Column, Table, Value as Cell};

/// The standard's CSV: header and one row per place, lists joined with `|`.
pub fn write_csv(places: &[Place]) -> String {
    let header = FIELDS.map(String::from);
    crate::csv_cell::safe_csv(std::iter::once(header).chain(places.iter().map(standard_values)))
}

/// The places as a spreadsheet table: the standard's 32 columns described by their titles,
/// coordinates as numbers, the update date as a date, lists joined with `|`.
pub fn spreadsheet_table(places: &[Place]) -> Table {
    let rows = places
        .iter()
        .map(|place| {
            standard_values(place)
                .into_iter()
                .zip(FIELDS)
                .map(|(value, field)| match field {
                    "latitude" | "longitude" => value.parse().map_or(Cell::Empty, Cell::Decimal),
                    "date_maj" => Cell::iso_date(&value),
                    _ => Cell::text(value),
                })
                .collect()
        })
        .collect();
    Table {
        sheet: "lieux".into(),
        title: "Lieux de médiation numérique (standard national v1.0.2)".into(),
        columns: FIELDS
            .iter()
            .zip(FIELD_TITLES)
            .map(|(name, title)| Column::new(*name, title))
            .collect(),
        rows,
    }
}

/// The standard's JSON form: an array of objects, values as strings like the CSV, absent fields
/// omitted.
pub fn write_json(places: &[Place]) -> Value {
    let objects = places.iter().map(|place| {
        let object: Map<String, Value> = FIELDS
            .iter()
            .zip(standard_values(place))
            .filter(|(_, value)| !value.is_empty())
            .map(|(field, value)| (field.to_string(), Value::String(value)))
            .collect();
        Value::Object(object)
    });
    Value::Array(objects.collect())
}

/// The place's 32 values in the standard's order, `""` for absent ones.
pub(super) fn standard_values(place: &Place) -> [String; 32] {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let number = |value: Option<f64>| value.map(|n| n.to_string()).unwrap_or_default();
    [
        place.id.clone(),
        place.pivot.clone(),
        place.name.clone(),
        place.commune.clone(),
        place.postal_code.clone(),
        text(&place.insee_code),
        place.address.clone(),
        text(&place.address_complement),
        number(place.latitude),
        number(place.longitude),
        place.typologies.join("|"),
        text(&place.phone),
        place.emails.join("|"),
        place.websites.join("|"),
        text(&place.opening_hours),
        text(&place.summary),
        text(&place.detail),
        text(&place.source),
        join_labels(&place.mobility, |m| m.label()),
        text(&place.parent_structure),
        place.updated_on.clone(),
        join_labels(&place.services, |s| s.label()),
        join_labels(&place.audiences, |a| a.label()),
        join_labels(&place.specific_support, |s| s.label()),
        join_labels(&place.costs, |c| c.label()),
        join_labels(&place.programmes, |p| p.label()),
        join_labels(&place.training_labels, |t| t.label()),
        place.other_labels.join("|"),
        join_labels(&place.access_modes, |a| a.label()),
        join_labels(&place.support_modes, |s| s.label()),
        text(&place.accessibility_sheet_url),
        text(&place.booking_url),
    ]
}

fn join_labels<T: Copy>(values: &[T], label: fn(T) -> &'static str) -> String {
    values
        .iter()
        .map(|value| label(*value))
        .collect::<Vec<_>>()
        .join("|")
}

/// The standard's fields whose values differ between two places, in the standard's order.
pub fn changed_fields(before: &Place, after: &Place) -> Vec<&'static str> {
    FIELDS
        .iter()
        .zip(
            standard_values(before)
                .iter()
                .zip(standard_values(after).iter()),
        )
        .filter(|(_, (old, new))| old != new)
        .map(|(field, _)| *field)
        .collect()
}
