//! One data·inclusion structure read into a place of the standard: its fields (v1 names, else v0),
//! the standard's lists mapped from its and its services' values, every problem kept as an error of
//! the standard's field and every value dropped or converted as a warning.

use std::collections::HashMap;

use crate::france_services::UNKNOWN_PIVOT;
use crate::places_standard::{json_kind, PlacesReport, RowError, RowWarning};
use aiguillage_domain::directory::{Place, SupportMode};
use serde_json::{Map, Value};

use super::strings;
use super::values::{
    check_date, check_email, check_insee_code, check_postal_code, check_rna, check_siret,
    check_url, international_phone, keep,
};
use super::vocabularies::{
    lookup, FRAIS, IMPLIED, MODES_ACCUEIL, MODES_MOBILISATION, PUBLICS, RESEAUX, RESEAUX_LABELS,
    THEMATIQUES, TYPES,
};

/// `maxLength` of the standard's `presentation_resume`.
const SUMMARY_MAX_CHARS: usize = 280;

/// A conversion of one value: the value to keep, or why it breaks the standard.
type Convert = fn(&str) -> Result<String, String>;

/// The reading of one structure, collecting every problem and every conversion.
pub(super) struct Row<'a> {
    line: u64,
    object: &'a Map<String, Value>,
    errors: Vec<(&'static str, String)>,
    warnings: Vec<(&'static str, String)>,
}

impl<'a> Row<'a> {
    pub(super) fn new(line: u64, object: &'a Map<String, Value>) -> Self {
        Row {
            line,
            object,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn error(&mut self, field: &'static str, reason: impl Into<String>) {
        self.errors.push((field, reason.into()));
    }

    fn warn(&mut self, field: &'static str, message: impl Into<String>) {
        self.warnings.push((field, message.into()));
    }

    /// The structure as a place, in the standard's field order (absent or bad values left empty).
    pub(super) fn place(&mut self, services: &[&Map<String, Value>]) -> Place {
        let source = self.lenient(&["source"], "source", keep);
        let id = self.required(&["id"], "id", keep);
        let pivot = self.pivot();
        let name = self.required(&["nom"], "nom", keep);
        let commune = self.required(&["commune"], "commune", keep);
        let postal_code = self.required(&["code_postal"], "code_postal", check_postal_code);
        let insee_code = self.optional(&["code_insee"], "code_insee", check_insee_code);
        let address = self.required(&["adresse"], "adresse", keep);
        let address_complement = self.lenient(&["complement_adresse"], "complement_adresse", keep);
        let (latitude, longitude) = self.coordinates();
        let (summary, detail) = self.presentation();
        let mut place = Place {
            id: place_id(source.as_deref(), &id),
            pivot,
            name,
            commune,
            postal_code,
            insee_code,
            address,
            address_complement,
            latitude,
            longitude,
            typologies: self.lenient_list(&["typologie"], "typologie", keep),
            phone: self.lenient(&["telephone"], "telephone", international_phone),
            emails: self.lenient_list(&["courriel"], "courriels", check_email),
            websites: self.lenient_list(&["site_web"], "site_web", check_url),
            opening_hours: self.lenient(
                &["horaires_accueil", "horaires_ouverture"],
                "horaires",
                keep,
            ),
            summary,
            detail,
            source: Some(match &source {
                Some(source) => format!("data·inclusion – {source}"),
                None => "data·inclusion".to_string(),
            }),
            updated_on: self.required(&["date_maj"], "date_maj", check_date),
            other_labels: self.lenient_list(&["labels_autres"], "autres_formations_labels", keep),
            accessibility_sheet_url: self.lenient(
                &["accessibilite_lieu", "accessibilite"],
                "fiche_acces_libre",
                check_url,
            ),
            ..Place::default()
        };
        self.map_vocabularies(&mut place, services);
        place
    }

    /// The standard's lists, from the structure's and its services' data·inclusion values.
    fn map_vocabularies(&mut self, place: &mut Place, services: &[&Map<String, Value>]) {
        let thematiques = self.gathered("thematiques", "services", services);
        place.services = self.mapped(&thematiques, THEMATIQUES, "thematiques", "services");
        let publics = self.gathered("publics", "publics_specifiquement_adresses", services);
        place.audiences = self.mapped(
            &publics,
            PUBLICS,
            "publics",
            "publics_specifiquement_adresses",
        );
        let frais = self.gathered("frais", "frais_a_charge", services);
        place.costs = self.mapped(&frais, FRAIS, "frais", "frais_a_charge");
        place.support_modes = self.support_modes(services);
        let modes = self.gathered("modes_mobilisation", "modalites_acces", services);
        place.access_modes = self.mapped(
            &modes,
            MODES_MOBILISATION,
            "modes_mobilisation",
            "modalites_acces",
        );
        let field = "dispositif_programmes_nationaux";
        let mut reseaux = self.gathered("reseaux_porteurs", field, services);
        extend_unique(
            &mut reseaux,
            self.gathered("labels_nationaux", field, services),
        );
        let (labels, programmes): (Vec<String>, Vec<String>) = reseaux
            .into_iter()
            .partition(|value| lookup(RESEAUX_LABELS, value).is_some());
        place.training_labels = self.mapped(
            &labels,
            RESEAUX_LABELS,
            "reseaux_porteurs",
            "formations_labels",
        );
        place.programmes = self.mapped(&programmes, RESEAUX, "reseaux_porteurs", field);
    }

    /// `modalites_accompagnement`, from the services' `modes_accueil` and `type`.
    fn support_modes(&mut self, services: &[&Map<String, Value>]) -> Vec<SupportMode> {
        let field = "modalites_accompagnement";
        let modes_accueil = self.gathered("modes_accueil", field, services);
        let types = self.gathered("type", field, services);
        let mut modes = self.mapped(&modes_accueil, MODES_ACCUEIL, "modes_accueil", field);
        extend_unique(&mut modes, self.mapped(&types, TYPES, "type", field));
        modes
    }

    /// The distinct values of `key` on the structure and on its services; a value of the wrong type is
    /// dropped with a warning on the standard's `field`.
    fn gathered(
        &mut self,
        key: &str,
        field: &'static str,
        services: &[&Map<String, Value>],
    ) -> Vec<String> {
        let mut values = Vec::new();
        let objects = std::iter::once(self.object).chain(services.iter().copied());
        for (position, object) in objects.enumerate() {
            let Some(value) = object.get(key) else {
                continue;
            };
            match strings(value) {
                Ok(found) => extend_unique(&mut values, found),
                Err(reason) => {
                    let whose = match position {
                        0 => "de la structure".to_string(),
                        _ => format!("du service « {} »", service_id(object)),
                    };
                    self.warn(field, format!("« {key} » {whose} : {reason} ; ignoré"));
                }
            }
        }
        values.retain(|value| !value.is_empty());
        values
    }

    /// The values of the table, and one warning naming the values it lacks (but the implied ones).
    fn mapped<T: Copy + PartialEq>(
        &mut self,
        values: &[String],
        table: &[(&str, T)],
        di_field: &str,
        field: &'static str,
    ) -> Vec<T> {
        let mut mapped = Vec::new();
        let mut dropped = Vec::new();
        for value in values {
            match lookup(table, value) {
                Some(standard) => extend_unique(&mut mapped, [standard]),
                None if IMPLIED.contains(&value.as_str()) => {}
                None => dropped.push(format!("« {value} »")),
            }
        }
        if !dropped.is_empty() {
            self.warn(
                field,
                format!(
                    "valeurs « {di_field} » de data·inclusion sans équivalent dans le standard, \
                     ignorées : {}",
                    dropped.join(", ")
                ),
            );
        }
        mapped
    }

    /// The first present (non-null) value among `keys` as a trimmed text; `Err` for another type.
    fn text(&self, keys: &[&str]) -> Result<Option<String>, String> {
        let Some(value) = keys
            .iter()
            .find_map(|key| self.object.get(*key).filter(|value| !value.is_null()))
        else {
            return Ok(None);
        };
        match value {
            Value::String(text) => Ok(Some(text.trim().to_string()).filter(|t| !t.is_empty())),
            other => Err(format!(
                "valeur JSON de type {} : texte attendu",
                json_kind(other)
            )),
        }
    }

    /// A value whose absence or fault rejects the structure.
    fn required(&mut self, keys: &[&str], field: &'static str, convert: Convert) -> String {
        let errors = self.errors.len();
        let value = self.optional(keys, field, convert);
        if value.is_none() && self.errors.len() == errors {
            self.error(field, "champ obligatoire absent");
        }
        value.unwrap_or_default()
    }

    /// A value whose fault rejects the structure.
    fn optional(&mut self, keys: &[&str], field: &'static str, convert: Convert) -> Option<String> {
        let converted = self
            .text(keys)
            .and_then(|text| text.map(|t| convert(&t)).transpose());
        converted.unwrap_or_else(|reason| {
            self.error(field, reason);
            None
        })
    }

    /// A value dropped with a warning when faulty.
    fn lenient(&mut self, keys: &[&str], field: &'static str, convert: Convert) -> Option<String> {
        let converted = self
            .text(keys)
            .and_then(|text| text.map(|t| convert(&t)).transpose());
        converted.unwrap_or_else(|reason| {
            self.warn(field, format!("{reason} ; ignoré"));
            None
        })
    }

    /// A text or list of texts, each item dropped with a warning when faulty.
    fn lenient_list(
        &mut self,
        keys: &[&str],
        field: &'static str,
        convert: Convert,
    ) -> Vec<String> {
        let value = keys.iter().find_map(|key| self.object.get(*key));
        let items = match value.map(strings).transpose() {
            Ok(items) => items.unwrap_or_default(),
            Err(reason) => {
                self.warn(field, format!("{reason} ; ignoré"));
                Vec::new()
            }
        };
        let mut kept = Vec::new();
        for item in items.iter().filter(|item| !item.is_empty()) {
            match convert(item) {
                Ok(value) => extend_unique(&mut kept, [value]),
                Err(reason) => self.warn(field, format!("{reason} ; ignoré")),
            }
        }
        kept
    }

    /// The SIRET, else the RNA, else the standard's unknown pivot.
    fn pivot(&mut self) -> String {
        self.lenient(&["siret"], "pivot", check_siret)
            .or_else(|| self.lenient(&["rna"], "pivot", check_rna))
            .unwrap_or_else(|| UNKNOWN_PIVOT.to_string())
    }

    /// Latitude and longitude, numbers in range, both or neither.
    fn coordinates(&mut self) -> (Option<f64>, Option<f64>) {
        let latitude = self.coordinate("latitude", 90.0);
        let longitude = self.coordinate("longitude", 180.0);
        let given = |key: &str| self.object.get(key).is_some_and(|value| !value.is_null());
        match (given("latitude"), given("longitude")) {
            (true, false) => self.error(
                "longitude",
                "longitude absente alors que la latitude est renseignée",
            ),
            (false, true) => self.error(
                "latitude",
                "latitude absente alors que la longitude est renseignée",
            ),
            _ => {}
        }
        (latitude, longitude)
    }

    fn coordinate(&mut self, field: &'static str, bound: f64) -> Option<f64> {
        let value = self.object.get(field)?;
        match value {
            Value::Null => None,
            Value::Number(number) => match number.as_f64() {
                Some(coordinate) if coordinate.abs() <= bound => Some(coordinate),
                _ => {
                    self.error(
                        field,
                        format!("{field} « {number} » hors de [-{bound}, {bound}]"),
                    );
                    None
                }
            },
            other => {
                self.error(
                    field,
                    format!("valeur JSON de type {} : nombre attendu", json_kind(other)),
                );
                None
            }
        }
    }

    /// `presentation_resume` (v1 `description`) and `presentation_detail`: a summary longer than the
    /// standard allows becomes the detail when there is none, else is dropped.
    fn presentation(&mut self) -> (Option<String>, Option<String>) {
        let summary = self.lenient(
            &["presentation_resume", "description"],
            "presentation_resume",
            keep,
        );
        let detail = self.lenient(&["presentation_detail"], "presentation_detail", keep);
        let length = summary.as_deref().map_or(0, |text| text.chars().count());
        if length <= SUMMARY_MAX_CHARS {
            return (summary, detail);
        }
        if detail.is_some() {
            self.warn(
                "presentation_resume",
                format!("résumé trop long : {length} caractères pour {SUMMARY_MAX_CHARS} au plus ; ignoré"),
            );
            return (None, detail);
        }
        self.warn(
            "presentation_detail",
            format!(
                "texte de {length} caractères, trop long pour presentation_resume \
                 ({SUMMARY_MAX_CHARS} au plus) : placé dans presentation_detail"
            ),
        );
        (None, summary)
    }

    pub(super) fn check_unique(&mut self, id: &str, first_line_of_id: &mut HashMap<String, u64>) {
        if id.is_empty() {
            return;
        }
        match first_line_of_id.get(id) {
            Some(first) => self.error(
                "id",
                format!("identifiant « {id} » déjà utilisé ligne {first}"),
            ),
            None => {
                first_line_of_id.insert(id.to_string(), self.line);
            }
        }
    }

    /// Moves the structure into the report: a place if it has no error, else its errors.
    pub(super) fn conclude(self, place: Place, report: &mut PlacesReport) {
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
            return;
        }
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

fn service_id(service: &Map<String, Value>) -> &str {
    service.get("id").and_then(Value::as_str).unwrap_or("?")
}

fn extend_unique<T: PartialEq>(values: &mut Vec<T>, new: impl IntoIterator<Item = T>) {
    for value in new {
        if !values.contains(&value) {
            values.push(value);
        }
    }
}

/// `{source}-{id}`, or the id alone when it has no source or already starts with `{source}--` (v1).
fn place_id(source: Option<&str>, id: &str) -> String {
    match source {
        Some(source) if !id.is_empty() && !id.starts_with(&format!("{source}--")) => {
            format!("{source}-{id}")
        }
        _ => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v1_ids_already_carrying_their_source_are_not_prefixed_twice() {
        assert_eq!(place_id(Some("dora"), "dora--42"), "dora--42");
        assert_eq!(place_id(Some("dora"), "42"), "dora-42");
        assert_eq!(place_id(None, "42"), "42");
        assert_eq!(place_id(Some("dora"), ""), "");
    }

    #[test]
    fn a_long_summary_becomes_the_detail_unless_there_is_one() {
        let long = "x".repeat(SUMMARY_MAX_CHARS + 1);
        let object = json!({"description": long})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut row = Row::new(1, &object);
        assert_eq!(row.presentation(), (None, Some(long.clone())));
        let object = json!({"presentation_resume": long, "presentation_detail": "Détail."});
        let object = object.as_object().cloned().unwrap_or_default();
        let mut row = Row::new(1, &object);
        assert_eq!(row.presentation(), (None, Some("Détail.".to_string())));
        assert_eq!(
            row.warnings,
            vec![(
                "presentation_resume",
                "résumé trop long : 281 caractères pour 280 au plus ; ignoré".to_string()
            )]
        );
    }
}
