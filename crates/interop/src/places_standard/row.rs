//! The checks of one row: every field read in the standard's order into a [`Place`]. A row is
//! rejected only when it cannot be a place: no name, nowhere to put it (commune, postal code,
//! address), no date, or services given of which none is usable; an `id` already used rejects the
//! later row. Everything else that breaks the standard is repaired when the repair is certain (a
//! postal code that lost its leading zero, a French phone number with spaces, an address without
//! `https://`, a date written 02/04/2024, a decimal comma) or left out, and each repair and each
//! value left out is a warning on its line.

use std::collections::HashMap;

use aiguillage_domain::directory::{
    AccessMode, Audience, Cost, HelpStyle, Mobility, NationalProgramme, Place, Service,
    SpecificSupport, SupportMode, TrainingLabel,
};
use aiguillage_domain::phone::Phone;

use super::read::{Raw, RawRow};
use super::v0::{dedup, read_label, v0_message, Reading};
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
    /// Set by an old modality meaning « an habilitated helper acts on my behalf ».
    acts_on_behalf: bool,
}

/// A repair of one value: the repaired value and what was done, or why it cannot be used.
type Repair = fn(&str) -> Result<Option<(String, String)>, String>;

impl<'a> RowCheck<'a> {
    fn new(line: u64, raw: &'a RawRow) -> Self {
        RowCheck {
            line,
            raw,
            errors: Vec::new(),
            warnings: Vec::new(),
            acts_on_behalf: false,
        }
    }

    fn error(&mut self, field: &'static str, reason: impl Into<String>) {
        self.errors.push((field, reason.into()));
    }

    fn warning(&mut self, field: &'static str, message: String) {
        self.warnings.push((field, message));
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
        let name = self.required("nom", |_| Ok(None));
        let commune = self.required("commune", |_| Ok(None));
        let postal_code = self.required("code_postal", repair_postal_code);
        let address = self.required("adresse", |_| Ok(None));
        let id = self
            .text("id")
            .unwrap_or_else(|| self.derived_id(&name, &postal_code, &address));
        let mut place = Place {
            id,
            pivot: self
                .optional("pivot", |value| check_pivot(value).map(|()| None))
                .unwrap_or_default(),
            name,
            commune,
            postal_code,
            insee_code: self.optional("code_insee", repair_insee_code),
            address,
            address_complement: self.optional("complement_adresse", |_| Ok(None)),
            ..Place::default()
        };
        (place.latitude, place.longitude) = self.coordinates();
        place.typologies = self.free_list("typologie", |_| Ok(None));
        place.phone = self.optional("telephone", repair_phone);
        place.emails = self.free_list("courriels", |value| check_email(value).map(|()| None));
        place.websites = self.free_list("site_web", repair_url);
        place.opening_hours = self.optional("horaires", |_| Ok(None));
        place.summary = self.optional("presentation_resume", |value| {
            check_summary(value).map(|()| None)
        });
        place.detail = self.optional("presentation_detail", |_| Ok(None));
        place.source = self.optional("source", |_| Ok(None));
        place.mobility = self.labels("itinerance", "itinérance inconnue", Mobility::from_label);
        place.parent_structure = self.optional("structure_parente", |_| Ok(None));
        place.updated_on = self.required("date_maj", repair_date);
        place.services = self.services();
        self.audiences_and_support(&mut place);
        place.costs = self.labels("frais_a_charge", "frais inconnus", Cost::from_label);
        place.programmes = self.labels(
            "dispositif_programmes_nationaux",
            "dispositif inconnu",
            NationalProgramme::from_label,
        );
        place.training_labels = self.labels(
            "formations_labels",
            "formation ou label inconnu",
            TrainingLabel::from_label,
        );
        place.other_labels = self.free_list("autres_formations_labels", |_| Ok(None));
        place.access_modes = self.labels(
            "modalites_acces",
            "modalité d'accès inconnue",
            AccessMode::from_label,
        );
        place.support_modes = self.labels(
            "modalites_accompagnement",
            "modalité d'accompagnement inconnue",
            SupportMode::from_label,
        );
        place.accessibility_sheet_url = self.optional("fiche_acces_libre", repair_url);
        place.booking_url = self.optional("prise_rdv", repair_url);
        place.declared_help_style = self.acts_on_behalf.then_some(HelpStyle::ActsOnBehalf);
        place
    }

    /// An identifier for a row without one, the same at every import of the same row.
    fn derived_id(&mut self, name: &str, postal_code: &str, address: &str) -> String {
        let id = format!(
            "sans-id-{:016x}",
            stable_hash(&[name, postal_code, address])
        );
        self.warning(
            "id",
            format!("identifiant absent : « {id} » attribué (tiré du nom, du code postal et de l'adresse)"),
        );
        id
    }

    /// The services; a row whose services are all unusable is rejected (it offers nothing to
    /// orient to), a row without any is taken with a warning (the standard allows it).
    fn services(&mut self) -> Vec<Service> {
        let given = self.text_of_list("services");
        let services = self.labels("services", "service inconnu", Service::from_label);
        match (given, services.is_empty()) {
            (true, true) => self.error(
                "services",
                "aucun service utilisable : le lieu n'offrirait rien vers quoi orienter",
            ),
            (false, _) => self.warning(
                "services",
                "aucun service renseigné : le lieu ne sera proposé dans aucune orientation tant qu'un service n'est pas ajouté".to_owned(),
            ),
            _ => {}
        }
        services
    }

    /// Audiences and specific support, an item written in the other field moved where it belongs
    /// (older files mixed both in one list of « profils »).
    fn audiences_and_support(&mut self, place: &mut Place) {
        const PUBLICS: &str = "publics_specifiquement_adresses";
        const SUPPORT: &str = "prise_en_charge_specifique";
        let (mut audiences, strays_a) = self.labels_keeping_unknown(PUBLICS, Audience::from_label);
        let (mut support, strays_s) =
            self.labels_keeping_unknown(SUPPORT, SpecificSupport::from_label);
        for item in strays_a {
            match read_label(SUPPORT, &item, SpecificSupport::from_label) {
                Reading::Exact(value) | Reading::Converted(value, ..) => {
                    support.push(value);
                    self.warning(
                        PUBLICS,
                        format!("« {item} » déplacé vers prise_en_charge_specifique"),
                    );
                }
                _ => self.left_out(PUBLICS, format!("public inconnu « {item} »")),
            }
        }
        for item in strays_s {
            match read_label(PUBLICS, &item, Audience::from_label) {
                Reading::Exact(value) | Reading::Converted(value, ..) => {
                    audiences.push(value);
                    self.warning(
                        SUPPORT,
                        format!("« {item} » déplacé vers publics_specifiquement_adresses"),
                    );
                }
                _ => self.left_out(SUPPORT, format!("prise en charge inconnue « {item} »")),
            }
        }
        dedup(&mut audiences);
        dedup(&mut support);
        place.audiences = audiences;
        place.specific_support = support;
    }

    fn left_out(&mut self, field: &'static str, what: String) {
        self.warning(field, format!("{what} : valeur laissée de côté"));
    }

    /// The trimmed text of a single-valued field, `None` when absent or empty; a value of the wrong
    /// JSON type is left out with a warning.
    fn text(&mut self, field: &'static str) -> Option<String> {
        match self.text_or_reason(field) {
            Ok(text) => text,
            Err(reason) => {
                self.left_out(field, reason);
                None
            }
        }
    }

    /// The trimmed text of a single-valued field, or why it is not one.
    fn text_or_reason(&self, field: &'static str) -> Result<Option<String>, String> {
        match self.raw.get(field) {
            None => Ok(None),
            Some(Raw::Text(text)) => {
                Ok(Some(text.trim().to_string()).filter(|text| !text.is_empty()))
            }
            Some(Raw::List(_)) => Err("valeur JSON de type tableau : texte attendu".to_owned()),
            Some(Raw::Invalid(reason)) => Err(reason.clone()),
        }
    }

    /// Whether a list field has any non-empty text.
    fn text_of_list(&self, field: &str) -> bool {
        match self.raw.get(field) {
            Some(Raw::Text(text)) => !text.trim().is_empty(),
            Some(Raw::List(items)) => items.iter().any(|item| !item.trim().is_empty()),
            _ => false,
        }
    }

    /// A value repaired or checked by `repair`; a value that cannot be used is left out with a warning.
    fn optional(&mut self, field: &'static str, repair: Repair) -> Option<String> {
        let value = self.text(field)?;
        match repair(&value) {
            Ok(None) => Some(value),
            Ok(Some((repaired, how))) => {
                self.warning(field, how);
                Some(repaired)
            }
            Err(reason) => {
                self.left_out(field, reason);
                None
            }
        }
    }

    /// A value the row cannot do without: absent or unusable rejects the row.
    fn required(&mut self, field: &'static str, repair: Repair) -> String {
        let value = match self.text_or_reason(field) {
            Ok(Some(value)) => value,
            Ok(None) => {
                self.error(field, "champ obligatoire absent");
                return String::new();
            }
            Err(reason) => {
                self.error(field, reason);
                return String::new();
            }
        };
        match repair(&value) {
            Ok(None) => value,
            Ok(Some((repaired, how))) => {
                self.warning(field, how);
                repaired
            }
            Err(reason) => {
                self.error(field, reason);
                String::new()
            }
        }
    }

    /// Latitude and longitude, both or neither; a bad or lone coordinate leaves both out (the
    /// commune's centre is used).
    fn coordinates(&mut self) -> (Option<f64>, Option<f64>) {
        let latitude = self.coordinate("latitude", 90.0);
        let longitude = self.coordinate("longitude", 180.0);
        match (latitude, longitude) {
            (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
            (Some(_), None) | (None, Some(_)) => {
                self.warning(
                    "latitude",
                    "une seule des deux coordonnées est utilisable : position laissée de côté, le centre de la commune est utilisé".to_owned(),
                );
                (None, None)
            }
            (None, None) => (None, None),
        }
    }

    fn coordinate(&mut self, field: &'static str, bound: f64) -> Option<f64> {
        let text = self.text(field)?;
        let decimal_point = text.replace(',', ".");
        match decimal_point.parse::<f64>() {
            Ok(value) if value.is_finite() && value.abs() <= bound => {
                if decimal_point != text {
                    self.warning(
                        field,
                        format!("virgule décimale de « {text} » remplacée par un point"),
                    );
                }
                Some(value)
            }
            Ok(_) => {
                self.left_out(
                    field,
                    format!("{field} « {text} » hors de [-{bound}, {bound}]"),
                );
                None
            }
            Err(_) => {
                self.left_out(field, format!("{field} « {text} » n'est pas un nombre"));
                None
            }
        }
    }

    /// The trimmed items of a list field and whether they were separated by `;` (v0). `|` wins over
    /// `;`.
    fn items(&mut self, field: &'static str) -> Option<(Vec<String>, bool)> {
        let (items, semicolon) = match self.raw.get(field)? {
            Raw::Text(text) => {
                let text = text.trim();
                if text.is_empty() {
                    return None;
                }
                let semicolon = !text.contains('|') && text.contains(';');
                let separator = if semicolon { ';' } else { '|' };
                (
                    text.split(separator).map(str::to_string).collect(),
                    semicolon,
                )
            }
            Raw::List(items) => (items.clone(), false),
            Raw::Invalid(reason) => {
                let reason = reason.clone();
                self.left_out(field, reason);
                return None;
            }
        };
        let items: Vec<String> = items
            .iter()
            .map(|item| item.trim().to_string())
            .filter(|item| !item.is_empty())
            .collect();
        Some((items, semicolon)).filter(|(items, _)| !items.is_empty())
    }

    /// A list of free values (typologies, e-mails, URLs, other labels): each item repaired or
    /// checked by `repair`, unusable items left out.
    fn free_list(&mut self, field: &'static str, repair: Repair) -> Vec<String> {
        let Some((items, semicolon)) = self.items(field) else {
            return Vec::new();
        };
        if semicolon && items.iter().any(|item| repair(item).is_err()) {
            // A `;` inside one valid value (a URL, say) is not a separator.
            let whole = items.join(";");
            if repair(&whole).is_ok() {
                return vec![whole];
            }
        }
        if semicolon {
            self.warning(field, v0_message(true, &[]));
        }
        let mut kept = Vec::new();
        for item in items {
            match repair(&item) {
                Ok(None) => kept.push(item),
                Ok(Some((repaired, how))) => {
                    self.warning(field, how);
                    kept.push(repaired);
                }
                Err(reason) => self.left_out(field, reason),
            }
        }
        kept
    }

    /// A list of labels of the standard, converting `;` and the old values of the correspondence;
    /// unknown values and values without equivalent are left out with a warning.
    fn labels<T: Copy + PartialEq>(
        &mut self,
        field: &'static str,
        unknown: &str,
        from_label: fn(&str) -> Option<T>,
    ) -> Vec<T> {
        let (values, unknown_items) = self.labels_keeping_unknown(field, from_label);
        for item in unknown_items {
            self.left_out(field, format!("{unknown} « {item} »"));
        }
        values
    }

    /// The values of a list of labels, and the items not recognised.
    fn labels_keeping_unknown<T: Copy + PartialEq>(
        &mut self,
        field: &'static str,
        from_label: fn(&str) -> Option<T>,
    ) -> (Vec<T>, Vec<String>) {
        let Some((items, semicolon)) = self.items(field) else {
            return (Vec::new(), Vec::new());
        };
        let mut values = Vec::new();
        let mut renamed = Vec::new();
        let mut unknown = Vec::new();
        for item in &items {
            match read_label(field, item, from_label) {
                Reading::Exact(value) => values.push(value),
                Reading::Converted(value, new, on_behalf) => {
                    values.push(value);
                    renamed.push((item.as_str(), new));
                    self.acts_on_behalf |= on_behalf;
                }
                Reading::NoEquivalent => self.left_out(
                    field,
                    format!("« {item} » n'a pas d'équivalent dans le standard v1"),
                ),
                Reading::Unknown => unknown.push(item.clone()),
            }
        }
        if semicolon || !renamed.is_empty() {
            self.warning(field, v0_message(semicolon, &renamed));
        }
        if self.acts_on_behalf && field == "modalites_accompagnement" {
            self.warning(
                field,
                "démarches faites à la place de la personne : l'offre du lieu est notée « Fait pour la personne (aidant habilité) »".to_owned(),
            );
        }
        dedup(&mut values);
        (values, unknown)
    }
}

/// `code_postal`: five digits; four digits (a spreadsheet dropped the leading zero) get it back.
fn repair_postal_code(value: &str) -> Result<Option<(String, String)>, String> {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 4 && compact.bytes().all(|b| b.is_ascii_digit()) {
        let repaired = format!("0{compact}");
        let how =
            format!("code postal « {value} » complété en « {repaired} » (zéro initial perdu)");
        return Ok(Some((repaired, how)));
    }
    check_postal_code(&compact)?;
    Ok((compact != value).then(|| {
        (
            compact.clone(),
            format!("espaces retirés du code postal « {value} »"),
        )
    }))
}

/// `code_insee`, with the leading zero a spreadsheet dropped given back.
fn repair_insee_code(value: &str) -> Result<Option<(String, String)>, String> {
    if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
        let repaired = format!("0{value}");
        let how = format!("code INSEE « {value} » complété en « {repaired} » (zéro initial perdu)");
        return Ok(Some((repaired, how)));
    }
    check_insee_code(value).map(|()| None)
}

/// `telephone`: the international form, from any way a French number is written.
fn repair_phone(value: &str) -> Result<Option<(String, String)>, String> {
    if check_phone(value).is_ok() {
        return Ok(None);
    }
    let phone = Phone::read(value).map_err(|_| {
        format!("téléphone « {value} » non reconnu : 10 chiffres commençant par 0, ou + et l'indicatif du pays")
    })?;
    let international = phone.international();
    check_phone(&international)?;
    let how = format!("téléphone « {value} » écrit « {international} »");
    Ok(Some((international, how)))
}

/// A web address; one written without `http://` or `https://` (« www.exemple.fr ») gets `https://`.
fn repair_url(value: &str) -> Result<Option<(String, String)>, String> {
    match check_url(value) {
        Ok(()) => Ok(None),
        Err(reason) => {
            let looks_like_a_host = value.contains('.')
                && !value.contains(char::is_whitespace)
                && !value.contains('@')
                && !value.contains("://");
            if !looks_like_a_host {
                return Err(reason);
            }
            let repaired = format!("https://{value}");
            let how = format!("adresse web « {value} » complétée en « {repaired} »");
            Ok(Some((repaired, how)))
        }
    }
}

/// `date_maj`: `AAAA-MM-JJ`; also read `JJ/MM/AAAA`, `AAAA/MM/JJ` and a date followed by a time.
fn repair_date(value: &str) -> Result<Option<(String, String)>, String> {
    if check_date(value).is_ok() {
        return Ok(None);
    }
    let date = value.split(['T', ' ']).next().unwrap_or(value);
    let parts: Vec<&str> = date.split(['/', '-', '.']).collect();
    let iso = match parts.as_slice() {
        [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => format!("{y}-{m:0>2}-{d:0>2}"),
        [y, m, d] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => return check_date(value).map(|()| None),
    };
    check_date(&iso).map_err(|_| check_date(value).err().unwrap_or_default())?;
    let how = format!("date « {value} » écrite « {iso} »");
    Ok(Some((iso, how)))
}

/// FNV-1a over the parts, separated: a hash that does not change between versions or machines.
fn stable_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_are_certain_ones() {
        assert_eq!(repair_postal_code("1000").unwrap().unwrap().0, "01000");
        assert!(repair_postal_code("49100").unwrap().is_none());
        assert!(repair_postal_code("491").is_err());
        assert_eq!(
            repair_phone("02 41 51 00 00").unwrap().unwrap().0,
            "+33241510000"
        );
        assert!(repair_phone("12").is_err());
        assert_eq!(
            repair_url("www.exemple.fr").unwrap().unwrap().0,
            "https://www.exemple.fr"
        );
        assert!(repair_url("contact@exemple.fr").is_err());
        assert_eq!(repair_date("02/04/2024").unwrap().unwrap().0, "2024-04-02");
        assert_eq!(
            repair_date("2024-04-02T10:00:00").unwrap().unwrap().0,
            "2024-04-02"
        );
        assert!(repair_date("30/02/2024").is_err());
        assert!(repair_date("hier").is_err());
    }

    #[test]
    fn the_derived_id_depends_on_every_part() {
        assert_ne!(stable_hash(&["a", "bc"]), stable_hash(&["ab", "c"]));
        assert_eq!(
            stable_hash(&["Médiathèque", "49100"]),
            stable_hash(&["Médiathèque", "49100"])
        );
    }
}
