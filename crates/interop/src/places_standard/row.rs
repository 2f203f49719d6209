//! The checks of one row: every field read in the standard's order into a [`Place`], each problem
//! kept as an error of its field and each conversion as a warning; a row with an error is rejected
//! whole, and an `id` already used rejects the later row.

use std::collections::HashMap;

use aiguillage_domain::directory::{
    AccessMode, Audience, Cost, Mobility, NationalProgramme, Place, Service, SpecificSupport,
    SupportMode, TrainingLabel,
};

use super::read::{Raw, RawRow};
use super::v0::{converted_label, dedup, v0_message, SEMICOLON_REASON};
use super::values::{
    check_date, check_email, check_insee_code, check_phone, check_pivot, check_postal_code,
    check_summary, check_url,
};
use super::{PlacesReport, RowError, RowWarning};

pub(super) fn check_rows(rows: Vec<(u64, RawRow)>, report: &mut PlacesReport) {
    let mut first_line_of_id: HashMap<String, u64> = HashMap::new();
    for (line, raw) in rows {
        let mut row = RowCheck::new(line, &raw);
        let place = row.place();
        if !place.id.is_empty() {
            match first_line_of_id.get(&place.id) {
                Some(first) => row.error(
                    "id",
                    format!("identifiant « {} » déjà utilisé ligne {first}", place.id),
                ),
                None => {
                    first_line_of_id.insert(place.id.clone(), line);
                }
            }
        }
        row.conclude(place, report);
    }
}

/// The checks of one row, collecting every problem and every conversion.
struct RowCheck<'a> {
    line: u64,
    raw: &'a RawRow,
    errors: Vec<(&'static str, String)>,
    warnings: Vec<(&'static str, String)>,
}

impl<'a> RowCheck<'a> {
    fn new(line: u64, raw: &'a RawRow) -> Self {
        RowCheck {
            line,
            raw,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn error(&mut self, field: &'static str, reason: impl Into<String>) {
        self.errors.push((field, reason.into()));
    }

    fn warning(&mut self, field: &'static str, message: String) {
        self.warnings.push((field, message));
    }

    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| *f == field)
    }

    /// Moves the row into the report: accepted if it has no error, else rejected.
    fn conclude(self, place: Place, report: &mut PlacesReport) {
        let line = self.line;
        if self.errors.is_empty() {
            report.warnings.extend(
                self.warnings
                    .into_iter()
                    .map(|(field, message)| RowWarning {
                        line,
                        field: field.to_string(),
                        message,
                    }),
            );
            report.places.push((line, place));
        } else {
            let id = Some(place.id).filter(|id| !id.is_empty());
            report
                .rejected
                .extend(self.errors.into_iter().map(|(field, reason)| RowError {
                    line,
                    id: id.clone(),
                    field: field.to_string(),
                    reason,
                }));
        }
    }

    /// The row as a place, checking fields in the standard's order (absent or bad values left empty).
    fn place(&mut self) -> Place {
        let id = self.required("id", |_| Ok(()));
        let pivot = self.required("pivot", check_pivot);
        let name = self.required("nom", |_| Ok(()));
        let commune = self.required("commune", |_| Ok(()));
        let postal_code = self.required("code_postal", check_postal_code);
        let insee_code = self.optional("code_insee", check_insee_code);
        let address = self.required("adresse", |_| Ok(()));
        let address_complement = self.optional("complement_adresse", |_| Ok(()));
        let (latitude, longitude) = self.coordinates();
        Place {
            id,
            pivot,
            name,
            commune,
            postal_code,
            insee_code,
            address,
            address_complement,
            latitude,
            longitude,
            typologies: self.free_list("typologie", |_| Ok(()), true),
            phone: self.optional("telephone", check_phone),
            emails: self.free_list("courriels", check_email, true),
            websites: self.free_list("site_web", check_url, true),
            opening_hours: self.optional("horaires", |_| Ok(())),
            summary: self.optional("presentation_resume", check_summary),
            detail: self.optional("presentation_detail", |_| Ok(())),
            source: self.optional("source", |_| Ok(())),
            mobility: self.labels("itinerance", "itinérance inconnue", Mobility::from_label),
            parent_structure: self.optional("structure_parente", |_| Ok(())),
            updated_on: self.required("date_maj", check_date),
            services: self.labels("services", "service inconnu", Service::from_label),
            audiences: self.labels(
                "publics_specifiquement_adresses",
                "public inconnu",
                Audience::from_label,
            ),
            specific_support: self.labels(
                "prise_en_charge_specifique",
                "prise en charge inconnue",
                SpecificSupport::from_label,
            ),
            costs: self.labels("frais_a_charge", "frais inconnus", Cost::from_label),
            programmes: self.labels(
                "dispositif_programmes_nationaux",
                "dispositif inconnu",
                NationalProgramme::from_label,
            ),
            training_labels: self.labels(
                "formations_labels",
                "formation ou label inconnu",
                TrainingLabel::from_label,
            ),
            other_labels: self.free_list("autres_formations_labels", |_| Ok(()), false),
            access_modes: self.labels(
                "modalites_acces",
                "modalité d'accès inconnue",
                AccessMode::from_label,
            ),
            support_modes: self.labels(
                "modalites_accompagnement",
                "modalité d'accompagnement inconnue",
                SupportMode::from_label,
            ),
            accessibility_sheet_url: self.optional("fiche_acces_libre", check_url),
            booking_url: self.optional("prise_rdv", check_url),
        }
    }

    /// The trimmed text of a single-valued field, `None` when absent or empty.
    fn text(&mut self, field: &'static str) -> Option<String> {
        match self.raw.get(field)? {
            Raw::Text(text) => Some(text.trim().to_string()).filter(|text| !text.is_empty()),
            Raw::List(_) => {
                self.error(field, "tableau JSON inattendu : une seule valeur attendue");
                None
            }
            Raw::Invalid(reason) => {
                self.error(field, reason.clone());
                None
            }
        }
    }

    fn optional(&mut self, field: &'static str, check: Check) -> Option<String> {
        let value = self.text(field)?;
        match check(&value) {
            Ok(()) => Some(value),
            Err(reason) => {
                self.error(field, reason);
                None
            }
        }
    }

    fn required(&mut self, field: &'static str, check: Check) -> String {
        let value = self.optional(field, check);
        if value.is_none() && !self.has_error(field) {
            self.error(field, "champ obligatoire absent");
        }
        value.unwrap_or_default()
    }

    /// Latitude and longitude, both or neither.
    fn coordinates(&mut self) -> (Option<f64>, Option<f64>) {
        let latitude_text = self.text("latitude");
        let longitude_text = self.text("longitude");
        let latitude = latitude_text
            .as_deref()
            .and_then(|text| self.coordinate("latitude", text, 90.0));
        let longitude = longitude_text
            .as_deref()
            .and_then(|text| self.coordinate("longitude", text, 180.0));
        match (&latitude_text, &longitude_text) {
            (Some(_), None) if !self.has_error("longitude") => self.error(
                "longitude",
                "longitude absente alors que la latitude est renseignée",
            ),
            (None, Some(_)) if !self.has_error("latitude") => self.error(
                "latitude",
                "latitude absente alors que la longitude est renseignée",
            ),
            _ => {}
        }
        (latitude, longitude)
    }

    fn coordinate(&mut self, field: &'static str, text: &str, bound: f64) -> Option<f64> {
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() && value.abs() <= bound => Some(value),
            Ok(value) if value.is_finite() => {
                self.error(
                    field,
                    format!("{field} « {text} » hors de [-{bound}, {bound}]"),
                );
                None
            }
            _ => {
                self.error(
                    field,
                    format!("{field} « {text} » invalide : nombre attendu, avec un point décimal"),
                );
                None
            }
        }
    }

    /// The trimmed items of a list field and whether they were separated by `;` (v0). `|` wins over
    /// `;`; `;` is only a separator where `semicolon_separates` (not in free texts).
    fn items(
        &mut self,
        field: &'static str,
        semicolon_separates: bool,
    ) -> Option<(Vec<String>, bool)> {
        let (items, semicolon) = match self.raw.get(field)? {
            Raw::Text(text) => {
                let text = text.trim();
                if text.is_empty() {
                    return None;
                }
                let semicolon = semicolon_separates && !text.contains('|') && text.contains(';');
                let separator = if semicolon { ';' } else { '|' };
                (
                    text.split(separator).map(str::to_string).collect(),
                    semicolon,
                )
            }
            Raw::List(items) => (items.clone(), false),
            Raw::Invalid(reason) => {
                self.error(field, reason.clone());
                return None;
            }
        };
        let items: Vec<String> = items.iter().map(|item| item.trim().to_string()).collect();
        Some((items, semicolon)).filter(|(items, _)| !items.is_empty())
    }

    /// A list of free values (typologies, e-mails, URLs, other labels): empty items are skipped, each
    /// item passes `check`.
    fn free_list(
        &mut self,
        field: &'static str,
        check: Check,
        semicolon_separates: bool,
    ) -> Vec<String> {
        let Some((items, semicolon)) = self.items(field, semicolon_separates) else {
            return Vec::new();
        };
        let items: Vec<String> = items.into_iter().filter(|item| !item.is_empty()).collect();
        let problems: Vec<String> = items.iter().filter_map(|item| check(item).err()).collect();
        if semicolon && problems.is_empty() {
            self.warning(field, v0_message(true, &[]));
            return items;
        }
        if semicolon {
            // A `;` inside one valid value (a URL, say) is not a separator.
            let whole = items.join(";");
            if check(&whole).is_ok() {
                return vec![whole];
            }
            self.error(field, SEMICOLON_REASON);
        }
        for problem in problems {
            self.error(field, problem);
        }
        if self.has_error(field) {
            Vec::new()
        } else {
            items
        }
    }

    /// A list of labels of the standard, converting `;` and the old labels of [`V0_LABELS`].
    fn labels<T: Copy + PartialEq>(
        &mut self,
        field: &'static str,
        unknown: &str,
        from_label: fn(&str) -> Option<T>,
    ) -> Vec<T> {
        let Some((items, semicolon)) = self.items(field, true) else {
            return Vec::new();
        };
        let mut values = Vec::new();
        let mut renamed = Vec::new();
        let mut problems = Vec::new();
        for item in &items {
            if item.is_empty() {
                problems.push("élément vide dans la liste (« | » en trop)".to_string());
            } else if let Some(value) = from_label(item) {
                values.push(value);
            } else if let Some((value, new)) = converted_label(field, item, from_label) {
                values.push(value);
                renamed.push((item.as_str(), new));
            } else {
                problems.push(format!("{unknown} « {item} »"));
            }
        }
        if !problems.is_empty() {
            if semicolon {
                self.error(field, SEMICOLON_REASON);
            }
            for problem in problems {
                self.error(field, problem);
            }
            return Vec::new();
        }
        if semicolon || !renamed.is_empty() {
            self.warning(field, v0_message(semicolon, &renamed));
            dedup(&mut values);
        }
        values
    }
}

/// A check of one value: `Err(reason)` when it breaks the standard.
type Check = fn(&str) -> Result<(), String>;
