//! The official list of France Services (ANCT, CSV) read into places of the national standard.
//!
//! The list has no SIRET: the pivot is the standard's "unknown" value `00000000000000`. Opening hours
//! given per weekday ("09:00 - 12:00 / 13:30 - 17:00") become OpenStreetMap `opening_hours`; phone numbers
//! become international (+33…). Every France Services helps with administrative procedures and offers
//! free access to a computer and the internet, which is what the programme guarantees.

use crate::places_standard::{reject_overlong_fields, PlacesReport, RowError, RowWarning};
use aiguillage_domain::directory::{
    AccessMode, Cost, Mobility, NationalProgramme, Place, Service, SupportMode,
};
use serde::Deserialize;

/// The pivot the standard uses when the SIRET is not known.
pub const UNKNOWN_PIVOT: &str = "00000000000000";
/// The date of the list shipped with the product.
const LIST_DATE: &str = "2024-08-01";

#[derive(Deserialize)]
struct Row {
    id_fs: String,
    lib_fs: String,
    adresse: String,
    complement_adresse: String,
    insee_com: String,
    code_postal: String,
    lib_com: String,
    latitude: String,
    longitude: String,
    mail: String,
    telephone: String,
    h_lundi: String,
    h_mardi: String,
    h_mercredi: String,
    h_jeudi: String,
    h_vendredi: String,
    h_samedi: String,
    prise_rdv: String,
    format_fs: String,
}

/// Whether the bytes look like the France Services list (by its header).
pub fn looks_like_france_services(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(400)]);
    head.contains("id_fs") && head.contains("lib_fs")
}

/// Reads the list; each row becomes a place or a row error.
pub fn read_france_services(bytes: &[u8]) -> PlacesReport {
    let mut report = PlacesReport::default();
    let mut reader = csv::Reader::from_reader(bytes);
    for record in reader.deserialize::<Row>() {
        let record = record.map_err(|e| (e.position().map_or(0, |p| p.line()), e.to_string()));
        match record {
            Err((line, reason)) => report.rejected.push(RowError {
                line,
                id: None,
                field: "ligne".into(),
                reason,
            }),
            Ok(row) => {
                let line = reader_line(&report);
                match place_of(&row) {
                    Ok((place, warnings)) => {
                        for message in warnings {
                            report.warnings.push(RowWarning {
                                line,
                                field: "horaires".into(),
                                message,
                            });
                        }
                        report.places.push((line, place));
                    }
                    Err((field, reason)) => report.rejected.push(RowError {
                        line,
                        id: Some(row.id_fs),
                        field,
                        reason,
                    }),
                }
            }
        }
    }
    reject_overlong_fields(&mut report);
    report
}

/// Rows are numbered by their position (header = 1), since records may span several physical lines.
fn reader_line(report: &PlacesReport) -> u64 {
    (report.places.len() + report.rejected.len()) as u64 + 2
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn coordinate(text: &str, field: &str, range: f64) -> Result<f64, (String, String)> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| value.abs() <= range)
        .ok_or_else(|| (field.to_owned(), format!("{field} « {text} » invalide")))
}

fn place_of(row: &Row) -> Result<(Place, Vec<String>), (String, String)> {
    if row.code_postal.len() != 5 || !row.code_postal.bytes().all(|b| b.is_ascii_digit()) {
        return Err((
            "code_postal".into(),
            format!(
                "code postal « {} » invalide : 5 chiffres attendus",
                row.code_postal
            ),
        ));
    }
    let (opening_hours, warnings) = opening_hours(row);
    let itinerant = matches!(row.format_fs.as_str(), "Itinérante" | "Bus_équivalent");
    let booking = row.prise_rdv.trim() == "Oui";
    let mut access_modes = vec![AccessMode::WalkIn, AccessMode::Phone];
    if booking {
        access_modes.push(AccessMode::OnlineBooking);
    }
    let place = Place {
        id: format!("france-services-{}", row.id_fs.trim()),
        pivot: UNKNOWN_PIVOT.into(),
        name: row.lib_fs.trim().to_owned(),
        commune: row.lib_com.trim().to_owned(),
        postal_code: row.code_postal.clone(),
        insee_code: optional(&row.insee_com),
        address: row.adresse.trim().to_owned(),
        address_complement: optional(&row.complement_adresse),
        latitude: Some(coordinate(&row.latitude, "latitude", 90.0)?),
        longitude: Some(coordinate(&row.longitude, "longitude", 180.0)?),
        phone: international_phone(&row.telephone),
        emails: emails(&row.mail),
        opening_hours,
        source: Some("ANCT – liste des France services".into()),
        mobility: vec![if itinerant {
            Mobility::Itinerant
        } else {
            Mobility::Fixed
        }],
        updated_on: LIST_DATE.into(),
        services: vec![
            Service::AdministrativeProcedures,
            Service::InternetAndEquipmentAccess,
        ],
        costs: vec![Cost::Free],
        programmes: vec![NationalProgramme::FranceServices],
        access_modes,
        support_modes: vec![SupportMode::Individual, SupportMode::Autonomous],
        ..Place::default()
    };
    Ok((place, warnings))
}

/// The list writes several addresses in one cell, separated by " - ", ";" or ","; each is kept apart,
/// and what is not an address is dropped.
fn emails(text: &str) -> Vec<String> {
    text.split([';', ',', ' '])
        .map(str::trim)
        .filter(|part| {
            part.len() > 2 && part.contains('@') && !part.starts_with('@') && !part.ends_with('@')
        })
        .map(str::to_owned)
        .collect()
}

/// "02 41 23 45 67" → "+33241234567"; anything else is dropped.
fn international_phone(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        10 if digits.starts_with('0') => Some(format!("+33{}", &digits[1..])),
        _ => None,
    }
}

/// Builds `Mo 09:00-12:00,13:30-17:00; Tu …` from the weekday columns; a day that cannot be read is
/// left out with a warning.
fn opening_hours(row: &Row) -> (Option<String>, Vec<String>) {
    let days = [
        ("Mo", "lundi", &row.h_lundi),
        ("Tu", "mardi", &row.h_mardi),
        ("We", "mercredi", &row.h_mercredi),
        ("Th", "jeudi", &row.h_jeudi),
        ("Fr", "vendredi", &row.h_vendredi),
        ("Sa", "samedi", &row.h_samedi),
    ];
    let mut rules = Vec::new();
    let mut warnings = Vec::new();
    for (code, day, text) in days {
        if text.trim().is_empty() {
            continue;
        }
        match day_ranges(text) {
            Some(ranges) => rules.push(format!("{code} {ranges}")),
            None => warnings.push(format!(
                "horaires du {day} illisibles (« {} ») : ignorés",
                text.trim()
            )),
        }
    }
    (Some(rules.join("; ")).filter(|r| !r.is_empty()), warnings)
}

/// "09:00 - 12:00 / 13:30 - 17:00" → "09:00-12:00,13:30-17:00".
fn day_ranges(text: &str) -> Option<String> {
    let ranges: Option<Vec<String>> = text
        .split('/')
        .map(|range| {
            let (start, end) = range.split_once('-')?;
            let (start, end) = (start.trim(), end.trim());
            (is_time(start) && is_time(end) && start < end).then(|| format!("{start}-{end}"))
        })
        .collect();
    ranges.map(|ranges| ranges.join(","))
}

fn is_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 5
        && bytes[2] == b':'
        && text[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && text[3..].parse::<u8>().is_ok_and(|m| m < 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_hours_become_opening_hours() {
        assert_eq!(
            day_ranges("09:00 - 12:00 / 13:30 - 17:00").as_deref(),
            Some("09:00-12:00,13:30-17:00")
        );
        assert_eq!(day_ranges("matin"), None);
        assert_eq!(day_ranges("14:00 - 09:00"), None);
    }

    #[test]
    fn several_addresses_in_one_cell_are_kept_apart() {
        assert_eq!(
            emails("mairie@dourgne.fr - aini@dourgne.fr"),
            vec!["mairie@dourgne.fr", "aini@dourgne.fr"]
        );
        assert_eq!(emails("accueil@fs.fr"), vec!["accueil@fs.fr"]);
        assert!(emails("").is_empty());
    }

    #[test]
    fn french_phone_numbers_become_international() {
        assert_eq!(
            international_phone("02 41 23 45 67").as_deref(),
            Some("+33241234567")
        );
        assert_eq!(international_phone("3939"), None);
    }
}
