//! One field of a place in the standard's form, for the fields corrected by hand: its value as the
//! standard writes it, whether two written values say the same thing, the typed value copied from
//! one place to another, and a written value read back into a place the way an import reads it.

use std::collections::HashMap;

use aiguillage_domain::directory::opening_hours::WeeklyHours;
use aiguillage_domain::directory::Place;

use super::fields::{FIELDS, FIELD_TITLES, LIST_FIELDS};
use super::read::{Raw, RawRow};
use super::row::check_rows;
use super::write::standard_values;
use super::PlacesReport;

/// The value of one of the standard's fields as the standard writes it (lists joined with `|`,
/// `""` when absent); `None` for a name that is not one of its fields.
pub fn standard_value(place: &Place, field: &str) -> Option<String> {
    let index = FIELDS.iter().position(|name| *name == field)?;
    standard_values(place).into_iter().nth(index)
}

/// The title the standard gives a field (« Numéro de téléphone », « Horaires »…), or the name
/// itself for an unknown one.
pub fn field_title(field: &str) -> &str {
    FIELDS
        .iter()
        .position(|name| *name == field)
        .map_or(field, |index| FIELD_TITLES[index])
}

/// Whether two written values of `field` say the same thing: list items in any order, and opening
/// hours that read as the same week however written.
pub fn same_value(field: &str, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if LIST_FIELDS.contains(&field) {
        let items = |text: &str| {
            let mut items: Vec<String> = text
                .split('|')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect();
            items.sort();
            items.dedup();
            items
        };
        return items(a) == items(b);
    }
    if field == "horaires" {
        return match (WeeklyHours::parse(a), WeeklyHours::parse(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
    }
    false
}

/// Copies the typed value of one standard field from `from` into `to`; an unknown name copies
/// nothing.
pub fn copy_field(from: &Place, to: &mut Place, field: &str) {
    let from = from.clone();
    match field {
        "id" => to.id = from.id,
        "pivot" => to.pivot = from.pivot,
        "nom" => to.name = from.name,
        "commune" => to.commune = from.commune,
        "code_postal" => to.postal_code = from.postal_code,
        "code_insee" => to.insee_code = from.insee_code,
        "adresse" => to.address = from.address,
        "complement_adresse" => to.address_complement = from.address_complement,
        "latitude" => to.latitude = from.latitude,
        "longitude" => to.longitude = from.longitude,
        "typologie" => to.typologies = from.typologies,
        "telephone" => to.phone = from.phone,
        "courriels" => to.emails = from.emails,
        "site_web" => to.websites = from.websites,
        "horaires" => to.opening_hours = from.opening_hours,
        "presentation_resume" => to.summary = from.summary,
        "presentation_detail" => to.detail = from.detail,
        "source" => to.source = from.source,
        "itinerance" => to.mobility = from.mobility,
        "structure_parente" => to.parent_structure = from.parent_structure,
        "date_maj" => to.updated_on = from.updated_on,
        _ => copy_list_field(from, to, field),
    }
}

/// The second half of [`copy_field`]: the lists of the standard's vocabularies.
fn copy_list_field(from: Place, to: &mut Place, field: &str) {
    match field {
        "services" => to.services = from.services,
        "publics_specifiquement_adresses" => to.audiences = from.audiences,
        "prise_en_charge_specifique" => to.specific_support = from.specific_support,
        "frais_a_charge" => to.costs = from.costs,
        "dispositif_programmes_nationaux" => to.programmes = from.programmes,
        "formations_labels" => to.training_labels = from.training_labels,
        "autres_formations_labels" => to.other_labels = from.other_labels,
        "modalites_acces" => to.access_modes = from.access_modes,
        "modalites_accompagnement" => to.support_modes = from.support_modes,
        "fiche_acces_libre" => to.accessibility_sheet_url = from.accessibility_sheet_url,
        "prise_rdv" => to.booking_url = from.booking_url,
        _ => {}
    }
}

/// The place with one field set from its written value, read as an import reads it; the French
/// reason when the value cannot be read (the place's other fields are left as they are).
pub fn with_standard_value(place: &Place, field: &str, value: &str) -> Result<Place, String> {
    let Some(index) = FIELDS.iter().position(|name| *name == field) else {
        return Err(format!("« {field} » n'est pas un champ du standard"));
    };
    let mut raw: RawRow = FIELDS
        .iter()
        .zip(standard_values(place))
        .map(|(name, written)| (*name, Raw::Text(written)))
        .collect::<HashMap<_, _>>();
    raw.insert(FIELDS[index], Raw::Text(value.to_owned()));
    let mut report = PlacesReport::default();
    check_rows(vec![(1, raw)], &mut report);
    if let Some(error) = report.rejected.iter().find(|e| e.field == field) {
        return Err(error.reason.clone());
    }
    let left_out = report
        .warnings
        .iter()
        .find(|w| w.field == field && w.message.ends_with("valeur laissée de côté"));
    if let Some(warning) = left_out {
        return Err(warning.message.clone());
    }
    let Some((_, read)) = report.places.pop() else {
        return Err("la fiche du lieu ne se relit pas avec cette valeur".to_owned());
    };
    let mut changed = place.clone();
    copy_field(&read, &mut changed, field);
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiguillage_domain::directory::Service;

    fn place() -> Place {
        Place {
            id: "a".into(),
            name: "Lieu".into(),
            commune: "Angers".into(),
            postal_code: "49000".into(),
            address: "1 rue".into(),
            updated_on: "2026-01-15".into(),
            phone: Some("+33241000000".into()),
            services: vec![Service::AdministrativeProcedures, Service::SafeUse],
            ..Place::default()
        }
    }

    #[test]
    fn a_field_is_written_compared_and_read_back() {
        let place = place();
        assert_eq!(
            standard_value(&place, "telephone").as_deref(),
            Some("+33241000000")
        );
        assert_eq!(standard_value(&place, "inconnu"), None);
        let services = standard_value(&place, "services").unwrap();
        let reversed = services.split('|').rev().collect::<Vec<_>>().join("|");
        assert!(same_value("services", &services, &reversed));
        assert!(!same_value("telephone", "+33241000000", "+33241000001"));
        assert!(same_value(
            "horaires",
            "Mo 09:00-12:00; Tu 09:00-12:00",
            "Mo,Tu 09:00-12:00"
        ));
        let changed = with_standard_value(&place, "telephone", "02 41 00 00 09").unwrap();
        assert_eq!(changed.phone.as_deref(), Some("+33241000009"));
        assert_eq!(changed.services, place.services, "other fields kept");
        let emptied = with_standard_value(&place, "services", "").unwrap();
        assert!(emptied.services.is_empty());
        assert!(with_standard_value(&place, "telephone", "12").is_err());
        let mut copy = Place::default();
        copy_field(&place, &mut copy, "services");
        assert_eq!(copy.services, place.services);
        assert_eq!(field_title("telephone"), "Numéro de téléphone");
    }
}
