//! The national standard of places of digital mediation ("schéma des lieux de médiation numérique",
//! TableSchema v1.0.2, La MedNum / ANCT): reading a CSV or JSON file into [`Place`]s with a precise
//! report, in French, of every row that breaks the standard, and writing places back in its form.
//!
//! Reading goes row by row. A row with any problem is rejected whole, with one [`RowError`] per problem;
//! the other rows come through. Values are trimmed and empty strings count as absent. Older ("v0",
//! before 1.0) files are accepted where the conversion is certain: `;` instead of `|` between list
//! values, and the old labels of [`V0_LABELS`]; every conversion leaves a [`RowWarning`] on the row.
//! Everything else that breaks the standard (schema.json: required fields, patterns, enumerations,
//! `maxLength`, unique `id`, calendar dates, coordinates) rejects the row, and so does a free text
//! longer than our limits where the standard sets none ([`FIELD_MAX_CHARS`]), whatever the format.
//!
//! Writing produces the 32 columns in the standard's order, lists joined with `|`; reading what was
//! written gives back the same places (for places whose texts carry no surrounding spaces and whose
//! list items contain no `|`, which the standard cannot express anyway).

use std::collections::{HashMap, HashSet};

use aiguillage_domain::directory::{
    AccessMode, Audience, Cost, Mobility, NationalProgramme, Place, Service, SpecificSupport,
    SupportMode, TrainingLabel,
};
use serde_json::{Map, Value};

/// The standard's 32 fields, in its order.
pub const FIELDS: [&str; 32] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
];

/// The fields the standard requires (`constraints.required`).
pub const REQUIRED_FIELDS: [&str; 7] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "adresse",
    "date_maj",
];

/// The fields holding several values joined with `|`.
const LIST_FIELDS: [&str; 13] = [
    "typologie",
    "courriels",
    "site_web",
    "itinerance",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
];

/// `maxLength` of `presentation_resume`.
const SUMMARY_MAX_CHARS: usize = 280;

/// Country codes the `telephone` pattern allows, each followed by 6 to 9 digits.
const PHONE_PREFIXES: [&str; 10] = [
    "+33", "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681",
];

/// Old labels converted with certainty: `(field, old label, label of the standard v1.0.2)`.
///
/// Sources: the MedNum standard before 1.0 (`;`-separated lists; its 15 services are data·inclusion
/// v0's `numerique--*` thématiques, its publics and support modes carried explanations after « : »),
/// data·inclusion v0's referentials (`frais`, `labels-nationaux`) and spellings found in the v1.0.2
/// schema's own descriptions. Only one-to-one renames and obvious narrowings are here. Left out on
/// purpose, hence rejected: « S'équiper en matériel informatique » (not necessarily « à prix
/// solidaire »), « Approfondir ma culture numérique » and « Promouvoir la citoyenneté numérique »
/// (compréhension or utilisation sécurisée?), « Créer et développer mon entreprise », « Accompagner les
/// démarches de santé », « Public langues étrangères » (anglais or autres?), « Adultes », « Adhésion »,
/// « A ma place : … » and « Point relais CAF ».
pub const V0_LABELS: &[(&str, &str, &str)] = &[
    (
        "services",
        "Devenir autonome dans les démarches administratives",
        "Aide aux démarches administratives",
    ),
    (
        "services",
        "Réaliser des démarches administratives avec un accompagnement",
        "Aide aux démarches administratives",
    ),
    (
        "services",
        "Prendre en main un smartphone ou une tablette",
        "Maîtrise des outils numériques du quotidien",
    ),
    (
        "services",
        "Prendre en main un ordinateur",
        "Maîtrise des outils numériques du quotidien",
    ),
    (
        "services",
        "Utiliser le numérique au quotidien",
        "Maîtrise des outils numériques du quotidien",
    ),
    (
        "services",
        "Favoriser mon insertion professionnelle",
        "Insertion professionnelle via le numérique",
    ),
    (
        "services",
        "Soutenir la parentalité et l'éducation avec le numérique",
        "Parentalité et éducation avec le numérique",
    ),
    (
        "services",
        "Créer avec le numérique",
        "Loisirs et créations numériques",
    ),
    (
        "services",
        "Accéder à une connexion internet",
        "Accès internet et matériel informatique",
    ),
    (
        "services",
        "Accéder à du matériel",
        "Accès internet et matériel informatique",
    ),
    (
        "services",
        "Comprehension du monde numérique",
        "Compréhension du monde numérique",
    ),
    (
        "publics_specifiquement_adresses",
        "Jeunes (16-26 ans)",
        "Jeunes",
    ),
    (
        "publics_specifiquement_adresses",
        "Seniors (+ 65 ans)",
        "Seniors",
    ),
    (
        "publics_specifiquement_adresses",
        "Familles/enfants",
        "Familles et/ou enfants",
    ),
    (
        "publics_specifiquement_adresses",
        "Uniquement femmes",
        "Femmes",
    ),
    (
        "prise_en_charge_specifique",
        "Handicaps mentaux : déficiences limitant les activités d'une personne",
        "Handicaps mentaux",
    ),
    (
        "prise_en_charge_specifique",
        "Personnes en situation d'illettrisme",
        "Illettrisme",
    ),
    (
        "frais_a_charge",
        "Gratuit sous conditions",
        "Gratuit sous condition",
    ),
    (
        "dispositif_programmes_nationaux",
        "CNFS",
        "Conseillers numériques",
    ),
    (
        "dispositif_programmes_nationaux",
        "Grandes écoles du numérique",
        "Grande école du numérique",
    ),
    (
        "formations_labels",
        "Étapes numériques (La Poste)",
        "Étapes numériques(La Poste)",
    ),
    (
        "modalites_accompagnement",
        "Seul : j'ai accès à du matériel et une connexion",
        "En autonomie",
    ),
    (
        "modalites_accompagnement",
        "Avec de l'aide : je suis accompagné seul dans l'usage du numérique",
        "Accompagnement individuel",
    ),
    (
        "modalites_accompagnement",
        "Dans un atelier : j'apprends collectivement à utiliser le numérique",
        "Dans un atelier collectif",
    ),
    (
        "modalites_accompagnement",
        "Dans un atelier collectif : j'apprends collectivement à utiliser le numérique",
        "Dans un atelier collectif",
    ),
    (
        "modalites_accompagnement",
        "À distance (par téléphone ou en visioconférence)",
        "À distance",
    ),
];

/// The reason given when a list uses `;` and cannot be converted.
const SEMICOLON_REASON: &str = "séparateur « ; » utilisé au lieu de « | »";

/// The two forms of a places file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacesFormat {
    /// CSV, comma-separated, UTF-8, header row with the standard's field names.
    Csv,
    /// JSON array of objects keyed by the standard's field names.
    Json,
}

/// What reading a places file gave.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlacesReport {
    /// Accepted places with their line (CSV: physical line where the record starts, header = 1;
    /// JSON: 1-based index of the object).
    pub places: Vec<(u64, Place)>,
    /// One entry per problem of every rejected row.
    pub rejected: Vec<RowError>,
    /// Conversions made on accepted rows, and unknown columns (line 1 in CSV).
    pub warnings: Vec<RowWarning>,
    /// Set when the file as a whole cannot be read (encoding, syntax, header); rows read before the
    /// problem, if any, are kept.
    pub file_error: Option<String>,
}

/// One problem of a rejected row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// CSV: physical line where the record starts (header = 1); JSON: 1-based index of the object.
    pub line: u64,
    /// The row's `id`, when it has one.
    pub id: Option<String>,
    /// The standard's field name (empty when the whole row is at fault).
    pub field: String,
    /// What is wrong, in plain French.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ligne {}", self.line)?;
        if let Some(id) = &self.id {
            write!(f, " (id « {id} »)")?;
        }
        write!(f, " : {} : {}", self.field, self.reason)
    }
}

/// A conversion made on an accepted row (or, at line 1, a column ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowWarning {
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// Guesses the format from the first bytes: `[` or `{` means JSON, a first line naming one of the
/// standard's fields means CSV. `None` for anything else (empty, binary, another table).
pub fn detect_format(bytes: &[u8]) -> Option<PlacesFormat> {
    let bytes = strip_bom(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if matches!(first, b'[' | b'{') {
        return Some(PlacesFormat::Json);
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first_line = String::from_utf8_lossy(first_line);
    first_line
        .split([',', ';'])
        .map(|cell| cell.trim().trim_matches('"').trim())
        .any(|cell| FIELDS.contains(&cell))
        .then_some(PlacesFormat::Csv)
}

/// Reads a places file of the given format.
pub fn read_places(bytes: &[u8], format: PlacesFormat) -> PlacesReport {
    let text = match std::str::from_utf8(strip_bom(bytes)) {
        Ok(text) => text,
        Err(error) => return file_error(not_utf8(strip_bom(bytes), &error)),
    };
    if text.trim().is_empty() {
        return file_error("fichier vide".to_string());
    }
    let mut report = PlacesReport::default();
    let rows = match format {
        PlacesFormat::Csv => csv_rows(text, &mut report),
        PlacesFormat::Json => json_rows(text, &mut report),
    };
    check_rows(rows, &mut report);
    reject_overlong_fields(&mut report);
    report
}

/// The standard's CSV: header and one row per place, lists joined with `|`.
pub fn write_csv(places: &[Place]) -> String {
    let header = FIELDS.map(String::from);
    crate::csv_cell::safe_csv(std::iter::once(header).chain(places.iter().map(standard_values)))
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

// ---------------------------------------------------------------------------------------------------
// Writing.

/// The place's 32 values in the standard's order, `""` for absent ones.
fn standard_values(place: &Place) -> [String; 32] {
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

// ---------------------------------------------------------------------------------------------------
// Reading the file into raw rows.

/// One field's value as found in the file, before any check.
#[derive(Debug)]
enum Raw {
    Text(String),
    /// A JSON array of strings.
    List(Vec<String>),
    /// A JSON value of the wrong type: the reason.
    Invalid(String),
}

/// A row's values by field name.
type RawRow = HashMap<&'static str, Raw>;

pub(crate) fn file_error(reason: String) -> PlacesReport {
    PlacesReport {
        file_error: Some(reason),
        ..PlacesReport::default()
    }
}

pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn not_utf8(bytes: &[u8], error: &std::str::Utf8Error) -> String {
    let offset = error.valid_up_to();
    let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
    format!(
        "fichier non UTF-8 : octet invalide ligne {line} (octet n° {}) ; enregistrez-le en UTF-8",
        offset + 1
    )
}

fn standard_field(name: &str) -> Option<&'static str> {
    FIELDS.iter().copied().find(|field| *field == name)
}

fn csv_rows(text: &str, report: &mut PlacesReport) -> Vec<(u64, RawRow)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(error) => {
            report.file_error = Some(format!("en-tête CSV illisible : {error}"));
            return Vec::new();
        }
    };
    let Some(columns) = csv_columns(&header, report) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |position| position.line());
                let raw = columns
                    .iter()
                    .zip(record.iter())
                    .filter_map(|(column, value)| Some(((*column)?, Raw::Text(value.to_string()))))
                    .collect();
                rows.push((line, raw));
            }
            Err(error) => {
                let line = error.position().map_or(0, |position| position.line());
                report.file_error = Some(format!("CSV illisible ligne {line} : {error}"));
                break;
            }
        }
    }
    rows
}

/// The standard field of each column, or `None` (with a file error) when the header is unusable.
fn csv_columns(
    header: &csv::StringRecord,
    report: &mut PlacesReport,
) -> Option<Vec<Option<&'static str>>> {
    if header.len() == 1 && header.iter().any(|name| name.contains(';')) {
        report.file_error =
            Some("colonnes séparées par « ; » : le standard impose la virgule".to_string());
        return None;
    }
    let mut columns = Vec::new();
    for name in header.iter().map(str::trim) {
        let field = standard_field(name);
        if field.is_some() && columns.contains(&field) {
            report.file_error = Some(format!("colonne « {name} » en double dans l'en-tête"));
            return None;
        }
        if field.is_none() {
            report.warnings.push(unknown_column(1, name));
        }
        columns.push(field);
    }
    let missing: Vec<&str> = REQUIRED_FIELDS
        .into_iter()
        .filter(|field| !columns.contains(&Some(*field)))
        .collect();
    if !missing.is_empty() {
        report.file_error = Some(format!(
            "colonnes obligatoires absentes de l'en-tête : {}",
            missing.join(", ")
        ));
        return None;
    }
    Some(columns)
}

fn unknown_column(line: u64, name: &str) -> RowWarning {
    RowWarning {
        line,
        field: name.to_string(),
        message: "colonne inconnue du standard, ignorée".to_string(),
    }
}

fn json_rows(text: &str, report: &mut PlacesReport) -> Vec<(u64, RawRow)> {
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            report.file_error = Some("tableau JSON d'objets attendu".to_string());
            return Vec::new();
        }
        Err(error) => {
            report.file_error = Some(format!(
                "JSON invalide ligne {}, colonne {}",
                error.line(),
                error.column()
            ));
            return Vec::new();
        }
    };
    let mut unknown_keys = HashSet::new();
    let mut rows = Vec::new();
    for (line, item) in (1u64..).zip(items) {
        let Value::Object(object) = item else {
            report.rejected.push(RowError {
                line,
                id: None,
                field: String::new(),
                reason: format!("objet JSON attendu, {} trouvé", json_kind(&item)),
            });
            continue;
        };
        let mut raw = RawRow::new();
        for (key, value) in object {
            match standard_field(key.trim()) {
                Some(field) => {
                    if let Some(value) = json_raw(field, value) {
                        raw.insert(field, value);
                    }
                }
                None if unknown_keys.insert(key.clone()) => {
                    report.warnings.push(unknown_column(line, &key));
                }
                None => {}
            }
        }
        rows.push((line, raw));
    }
    rows
}

pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "booléen",
        Value::Number(_) => "nombre",
        Value::String(_) => "texte",
        Value::Array(_) => "tableau",
        Value::Object(_) => "objet",
    }
}

/// A JSON value as a raw field: strings everywhere, numbers for coordinates, arrays of strings for
/// lists; `null` is absent.
fn json_raw(field: &'static str, value: Value) -> Option<Raw> {
    let coordinate = matches!(field, "latitude" | "longitude");
    let list = LIST_FIELDS.contains(&field);
    match value {
        Value::Null => None,
        Value::String(text) => Some(Raw::Text(text)),
        Value::Number(number) if coordinate => Some(Raw::Text(number.to_string())),
        Value::Array(items) if list => Some(json_list(items)),
        other => Some(Raw::Invalid(format!(
            "valeur JSON de type {} : texte attendu",
            json_kind(&other)
        ))),
    }
}

fn json_list(items: Vec<Value>) -> Raw {
    let mut texts = Vec::new();
    for item in items {
        match item {
            Value::String(text) => texts.push(text),
            other => {
                return Raw::Invalid(format!(
                    "tableau JSON contenant un {} : textes attendus",
                    json_kind(&other)
                ))
            }
        }
    }
    Raw::List(texts)
}

// ---------------------------------------------------------------------------------------------------
// Checking rows.

fn check_rows(rows: Vec<(u64, RawRow)>, report: &mut PlacesReport) {
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

/// The value of an old label: from [`V0_LABELS`], or the same label with typographic apostrophes
/// (’) instead of straight ones. Returns the value and the standard's label.
fn converted_label<T>(
    field: &str,
    label: &str,
    from_label: fn(&str) -> Option<T>,
) -> Option<(T, &'static str)> {
    let straight = label.replace('’', "'");
    let standard = |candidate: &str| {
        V0_LABELS
            .iter()
            .find(|(f, old, _)| *f == field && *old == candidate)
            .map(|(_, _, new)| *new)
            .or_else(|| standard_label(field, candidate))
    };
    let new = standard(label).or_else(|| standard(&straight))?;
    Some((from_label(new)?, new))
}

/// The standard's own spelling of `label` in `field`, when it is one.
fn standard_label(field: &str, label: &str) -> Option<&'static str> {
    fn find<T: Copy>(all: &[T], name: fn(T) -> &'static str, label: &str) -> Option<&'static str> {
        all.iter().map(|v| name(*v)).find(|l| *l == label)
    }
    match field {
        "itinerance" => find(Mobility::ALL, Mobility::label, label),
        "services" => find(Service::ALL, Service::label, label),
        "publics_specifiquement_adresses" => find(Audience::ALL, Audience::label, label),
        "prise_en_charge_specifique" => find(SpecificSupport::ALL, SpecificSupport::label, label),
        "frais_a_charge" => find(Cost::ALL, Cost::label, label),
        "dispositif_programmes_nationaux" => {
            find(NationalProgramme::ALL, NationalProgramme::label, label)
        }
        "formations_labels" => find(TrainingLabel::ALL, TrainingLabel::label, label),
        "modalites_acces" => find(AccessMode::ALL, AccessMode::label, label),
        "modalites_accompagnement" => find(SupportMode::ALL, SupportMode::label, label),
        _ => None,
    }
}

fn v0_message(semicolon: bool, renamed: &[(&str, &str)]) -> String {
    let mut parts = Vec::new();
    if semicolon {
        parts.push("séparateur « ; » remplacé par « | »".to_string());
    }
    parts.extend(
        renamed
            .iter()
            .map(|(old, new)| format!("« {old} » remplacé par « {new} »")),
    );
    format!("ancien format (v0) converti : {}", parts.join(" ; "))
}

fn dedup<T: PartialEq>(values: &mut Vec<T>) {
    let mut kept: Vec<T> = Vec::with_capacity(values.len());
    for value in values.drain(..) {
        if !kept.contains(&value) {
            kept.push(value);
        }
    }
    *values = kept;
}

// ---------------------------------------------------------------------------------------------------
// The checks of single values (schema.json's patterns and formats).

/// `pivot`: `^[a-zA-Z0-9]{9,14}$` (SIRET, RNA or RIDET).
fn check_pivot(value: &str) -> Result<(), String> {
    let ok = (9..=14).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then_some(()).ok_or_else(|| {
        format!("pivot « {value} » invalide : 9 à 14 lettres ou chiffres attendus (SIRET ou RNA)")
    })
}

/// `code_postal`: `^\d{5}$`.
pub(crate) fn check_postal_code(value: &str) -> Result<(), String> {
    let ok = value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(())
        .ok_or_else(|| format!("code postal « {value} » invalide : 5 chiffres attendus"))
}

/// `code_insee`: `^([013-9]\d|2[AB1-9])\d{3}$`.
pub(crate) fn check_insee_code(value: &str) -> Result<(), String> {
    let b = value.as_bytes();
    let department = match b {
        [first, second, ..] if first.is_ascii_digit() && *first != b'2' => second.is_ascii_digit(),
        [b'2', second, ..] => matches!(second, b'A' | b'B' | b'1'..=b'9'),
        _ => false,
    };
    let ok = b.len() == 5 && department && b[2..].iter().all(u8::is_ascii_digit);
    ok.then_some(()).ok_or_else(|| {
        format!(
            "code INSEE « {value} » invalide : 5 caractères attendus, chiffres (2A ou 2B pour la Corse)"
        )
    })
}

/// `telephone`: a country code of [`PHONE_PREFIXES`] then 6 to 9 digits, no spaces.
fn check_phone(value: &str) -> Result<(), String> {
    let ok = PHONE_PREFIXES.iter().any(|prefix| {
        value.strip_prefix(prefix).is_some_and(|rest| {
            (6..=9).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit())
        })
    });
    ok.then_some(()).ok_or_else(|| {
        format!(
            "téléphone « {value} » invalide : format international sans espace attendu, \
             par exemple +33180059880"
        )
    })
}

/// `presentation_resume`: `maxLength` 280 characters.
fn check_summary(value: &str) -> Result<(), String> {
    let length = value.chars().count();
    (length <= SUMMARY_MAX_CHARS).then_some(()).ok_or_else(|| {
        format!("résumé trop long : {length} caractères pour {SUMMARY_MAX_CHARS} au plus")
    })
}

/// `date_maj`: a real calendar date `YYYY-MM-DD`.
pub(crate) fn check_date(value: &str) -> Result<(), String> {
    calendar_date(value).then_some(()).ok_or_else(|| {
        format!("date « {value} » invalide : date réelle au format AAAA-MM-JJ attendue")
    })
}

pub(crate) fn calendar_date(value: &str) -> bool {
    let b = value.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|i| b[*i].is_ascii_digit());
    if !shape {
        return false;
    }
    let number = |range: std::ops::Range<usize>| value[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    (1..=days).contains(&day)
}

/// `courriels`: one `@` with text on both sides, no spaces, commas or semicolons.
pub(crate) fn check_email(value: &str) -> Result<(), String> {
    let ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !value.contains(|c: char| c.is_whitespace() || c == ',' || c == ';')
        }
        None => false,
    };
    ok.then_some(())
        .ok_or_else(|| format!("courriel « {value} » invalide : adresse avec un « @ » attendue"))
}

/// `site_web`, `fiche_acces_libre`, `prise_rdv`: an address starting with `http://` or `https://`.
pub(crate) fn check_url(value: &str) -> Result<(), String> {
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !value.contains(char::is_whitespace) => Ok(()),
        Some(rest) if !rest.is_empty() => Err(format!(
            "adresse web « {value} » invalide : espace interdit"
        )),
        _ => Err(format!(
            "adresse web « {value} » invalide : doit commencer par http:// ou https://"
        )),
    }
}

// ---------------------------------------------------------------------------------------------------
// Lengths.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_v0_label_converts_to_a_label_of_its_field_and_is_not_one_itself() {
        for (field, old, new) in V0_LABELS {
            assert!(FIELDS.contains(field), "{field}");
            assert_eq!(standard_label(field, new), Some(*new), "{field}: {new}");
            assert_eq!(standard_label(field, old), None, "{field}: {old}");
        }
    }

    #[test]
    fn the_insee_pattern_takes_corsica_and_refuses_20() {
        assert!(check_insee_code("2A004").is_ok());
        assert!(check_insee_code("97411").is_ok());
        assert!(check_insee_code("20004").is_err());
        assert!(check_insee_code("2C004").is_err());
        assert!(check_insee_code("5145").is_err());
    }

    #[test]
    fn dates_must_exist_in_the_calendar() {
        assert!(calendar_date("2024-02-29"));
        assert!(!calendar_date("2023-02-29"));
        assert!(!calendar_date("2024-13-01"));
        assert!(!calendar_date("2024-4-02"));
        assert!(!calendar_date("02/04/2024"));
    }

    #[test]
    fn phones_follow_the_international_pattern() {
        assert!(check_phone("+33180059880").is_ok());
        assert!(check_phone("+262262123456").is_ok());
        assert!(check_phone("0180059880").is_err());
        assert!(check_phone("+33 1 80 05 98 80").is_err());
        assert!(check_phone("+4412345678").is_err());
    }
}
