//! data·inclusion (the national referential of the insertion offer, schema v1 1.0.8) read into places
//! of the national places standard: each structure of a structures file becomes one [`Place`], its
//! services (from an optional services file) giving the standard's lists.
//!
//! Structures are read in their v1 form; the v0 names of the same fields are read when the v1 name is
//! absent (`rna`, `presentation_resume`, `presentation_detail`, `horaires_ouverture`, `accessibilite`,
//! `typologie`, `labels_nationaux`, `labels_autres`, and `thematiques` on the structure itself).
//! Services are read in their v1 form only, and linked to their structure by `structure_id` (and by
//! `source` when both carry one).
//!
//! Identity and contact fields: `id` becomes `{source}-{id}`, except that a v1 id already starting with
//! `{source}--` is kept as it is; `pivot` is the SIRET, else the RNA, else the standard's unknown pivot
//! `00000000000000`; phone numbers become international (`05 56 …` → `+33556…`, overseas ranges to
//! their own country code); `description` becomes `presentation_resume` when it fits in 280 characters,
//! else `presentation_detail`; `date_maj` keeps its date part; `source` becomes
//! `data·inclusion – {source}`.
//!
//! Mapping tables (the constants below; only conversions that are certain), data·inclusion →
//! standard:
//!
//! - `thematiques` → `services`:
//!   - `numerique--maitriser-les-fondamentaux-du-numerique`,
//!     v0 `numerique--prendre-en-main-un-ordinateur`, `…-prendre-en-main-un-smartphone-ou-une-tablette`,
//!     `…-utiliser-le-numerique-au-quotidien` → Maîtrise des outils numériques du quotidien;
//!   - `numerique--acceder-a-une-connexion-internet`, v0 `numerique--acceder-a-du-materiel`
//!     → Accès internet et matériel informatique;
//!   - v0 `numerique--devenir-autonome-dans-les-demarches-administratives`,
//!     `…-realiser-des-demarches-administratives-avec-un-accompagnement` → Aide aux démarches
//!     administratives;
//!   - v0 `numerique--favoriser-mon-insertion-professionnelle` → Insertion professionnelle via le
//!     numérique; `…-soutenir-la-parentalite-et-l-education-avec-le-numerique` → Parentalité et
//!     éducation avec le numérique; `…-creer-avec-le-numerique` → Loisirs et créations numériques.
//! - `publics` → `publics_specifiquement_adresses`: `jeunes`, `etudiants`, `familles`, `seniors`,
//!   `femmes` → Jeunes, Étudiants, Familles et/ou enfants, Seniors, Femmes.
//! - `frais` → `frais_a_charge`: `gratuit`, `payant`, v0 `gratuit-sous-conditions` → Gratuit, Payant,
//!   Gratuit sous condition.
//! - `modes_accueil` `a-distance` → `modalites_accompagnement` À distance; `type` `atelier` → Dans un
//!   atelier collectif.
//! - `modes_mobilisation` → `modalites_acces`: `se-presenter`, `telephoner`, `envoyer-un-courriel` →
//!   Se présenter, Téléphoner, Contacter par mail.
//! - `reseaux_porteurs` (v0 `labels_nationaux`) → `dispositif_programmes_nationaux`:
//!   `aidants-connect`, `conseillers-numeriques` (v0 `conseiller-numerique`), `france-service`,
//!   `croix-rouge`, `grandes-ecoles-du-numerique` → Aidants Connect, Conseillers numériques, France
//!   Services, La Croix Rouge, Grande école du numérique; and `fabrique-de-territoire` →
//!   `formations_labels` Fabriques de Territoire.
//!
//! Left out on purpose: `numerique--acceder-a-des-services-en-ligne` (online services are not only
//! administrative procedures), `numerique--acquerir-un-equipement` (not necessarily « à prix
//! solidaire »), the non-digital thématiques (the standard's services are all « … numérique »), publics
//! such as `personnes-en-situation-de-handicap` (which specific support?), `type` `accompagnement`
//! (individual or not?), `utiliser-lien-mobilisation` (a form as often as a booking), networks such as
//! `emmaus` or `caf` (broader than Emmaüs Connect or the CAF digital access points). Such values are
//! dropped with one [`RowWarning`] per structure and standard field, naming them. `tous-publics` and
//! `en-presentiel` are dropped silently: the standard implies them.
//!
//! Problems: malformed JSON, or anything but an array, is a `file_error` (for the services file too:
//! then no place is read). A structure lacking a field the standard requires, or with a bad postal
//! code, INSEE code, coordinate or date, is rejected with one [`RowError`] per problem (line = 1-based
//! index of the object in the array, field = the standard's field name); so is a structure whose
//! resulting `id` repeats an earlier one, or whose checked fields have the wrong JSON type. An
//! unusable optional value (phone, e-mail, URL, SIRET, RNA) is dropped with a warning. Warnings about
//! the services file as a whole (a service whose structure is absent, an item that is not a service)
//! carry line 0.

use std::collections::HashMap;

use crate::france_services::UNKNOWN_PIVOT;
use crate::places_standard::{
    self, file_error, json_kind, strip_bom, PlacesReport, RowError, RowWarning,
};
use aiguillage_domain::directory::{
    AccessMode, Audience, Cost, NationalProgramme, Place, Service, SupportMode, TrainingLabel,
};
use serde_json::{Map, Value};

/// `thematiques` (v1, and v0 `numerique--*`) → `services`.
const THEMATIQUES: &[(&str, Service)] = &[
    (
        "numerique--maitriser-les-fondamentaux-du-numerique",
        Service::EverydayTools,
    ),
    (
        "numerique--prendre-en-main-un-ordinateur",
        Service::EverydayTools,
    ),
    (
        "numerique--prendre-en-main-un-smartphone-ou-une-tablette",
        Service::EverydayTools,
    ),
    (
        "numerique--utiliser-le-numerique-au-quotidien",
        Service::EverydayTools,
    ),
    (
        "numerique--acceder-a-une-connexion-internet",
        Service::InternetAndEquipmentAccess,
    ),
    (
        "numerique--acceder-a-du-materiel",
        Service::InternetAndEquipmentAccess,
    ),
    (
        "numerique--devenir-autonome-dans-les-demarches-administratives",
        Service::AdministrativeProcedures,
    ),
    (
        "numerique--realiser-des-demarches-administratives-avec-un-accompagnement",
        Service::AdministrativeProcedures,
    ),
    (
        "numerique--favoriser-mon-insertion-professionnelle",
        Service::ProfessionalInsertion,
    ),
    (
        "numerique--soutenir-la-parentalite-et-l-education-avec-le-numerique",
        Service::Parenting,
    ),
    (
        "numerique--creer-avec-le-numerique",
        Service::LeisureAndCreation,
    ),
];

/// `publics` → `publics_specifiquement_adresses`.
const PUBLICS: &[(&str, Audience)] = &[
    ("jeunes", Audience::Youth),
    ("etudiants", Audience::Students),
    ("familles", Audience::Families),
    ("seniors", Audience::Seniors),
    ("femmes", Audience::Women),
];

/// `frais` → `frais_a_charge`.
const FRAIS: &[(&str, Cost)] = &[
    ("gratuit", Cost::Free),
    ("payant", Cost::Paid),
    ("gratuit-sous-conditions", Cost::FreeUnderConditions),
];

/// `modes_accueil` → `modalites_accompagnement`.
const MODES_ACCUEIL: &[(&str, SupportMode)] = &[("a-distance", SupportMode::Remote)];

/// `type` (of service) → `modalites_accompagnement`.
const TYPES: &[(&str, SupportMode)] = &[("atelier", SupportMode::CollectiveWorkshop)];

/// `modes_mobilisation` → `modalites_acces`.
const MODES_MOBILISATION: &[(&str, AccessMode)] = &[
    ("se-presenter", AccessMode::WalkIn),
    ("telephoner", AccessMode::Phone),
    ("envoyer-un-courriel", AccessMode::Email),
];

/// `reseaux_porteurs` (v0 `labels_nationaux`) → `dispositif_programmes_nationaux`.
const RESEAUX: &[(&str, NationalProgramme)] = &[
    ("aidants-connect", NationalProgramme::AidantsConnect),
    ("conseillers-numeriques", NationalProgramme::DigitalAdvisers),
    ("conseiller-numerique", NationalProgramme::DigitalAdvisers),
    ("france-service", NationalProgramme::FranceServices),
    ("croix-rouge", NationalProgramme::RedCross),
    (
        "grandes-ecoles-du-numerique",
        NationalProgramme::GrandeEcoleDuNumerique,
    ),
];

/// `reseaux_porteurs` (v0 `labels_nationaux`) → `formations_labels`.
const RESEAUX_LABELS: &[(&str, TrainingLabel)] = &[(
    "fabrique-de-territoire",
    TrainingLabel::FabriquesDeTerritoire,
)];

/// Values the standard implies (every place is open to all and receives in person unless it says
/// otherwise): dropped without a warning.
const IMPLIED: [&str; 2] = ["tous-publics", "en-presentiel"];

/// Overseas ranges of the French numbering plan: national prefix → country code of the standard.
const OVERSEAS_PHONE_PREFIXES: &[(&str, &str)] = &[
    ("0262", "+262"),
    ("0269", "+262"),
    ("0639", "+262"),
    ("0692", "+262"),
    ("0693", "+262"),
    ("0590", "+590"),
    ("0690", "+590"),
    ("0691", "+590"),
    ("0594", "+594"),
    ("0694", "+594"),
    ("0596", "+596"),
    ("0696", "+596"),
    ("0697", "+596"),
];

/// Country codes the standard's `telephone` pattern allows, each followed by 6 to 9 digits.
const PHONE_PREFIXES: [&str; 10] = [
    "+33", "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681",
];

/// `maxLength` of the standard's `presentation_resume`.
const SUMMARY_MAX_CHARS: usize = 280;

/// Keys of data·inclusion structures (v1 and v0) that the standard's JSON form does not have.
const DATA_INCLUSION_KEYS: [&str; 14] = [
    "siret",
    "rna",
    "courriel",
    "description",
    "thematiques",
    "lien_source",
    "horaires_accueil",
    "horaires_ouverture",
    "reseaux_porteurs",
    "accessibilite_lieu",
    "accessibilite",
    "labels_nationaux",
    "labels_autres",
    "antenne",
];

/// Whether the bytes look like a data·inclusion structures file: a JSON array whose first object has a
/// key of data·inclusion structures (or a `_di_*` key) and neither the standard's `pivot` nor the
/// services' `structure_id`. Only the first object is parsed.
pub fn looks_like_data_inclusion(bytes: &[u8]) -> bool {
    let text = strip_bom(bytes).trim_ascii_start();
    let Some(rest) = text.strip_prefix(b"[") else {
        return false;
    };
    let first = serde_json::Deserializer::from_slice(rest)
        .into_iter::<Map<String, Value>>()
        .next();
    let Some(Ok(object)) = first else {
        return false;
    };
    let typical = object
        .keys()
        .any(|key| key.starts_with("_di_") || DATA_INCLUSION_KEYS.contains(&key.as_str()));
    typical && !object.contains_key("pivot") && !object.contains_key("structure_id")
}

/// Reads data·inclusion structures (a JSON array of objects) and, when given, their services; each
/// structure becomes a place of the standard or one row error per problem (see the module doc).
pub fn read_data_inclusion(structures_json: &[u8], services_json: Option<&[u8]>) -> PlacesReport {
    let structures = match json_array(structures_json, "structures") {
        Ok(items) => items,
        Err(reason) => return file_error(reason),
    };
    let mut services = match services_json.map(ServiceIndex::read).transpose() {
        Ok(index) => index.unwrap_or_default(),
        Err(reason) => return file_error(reason),
    };
    let mut report = PlacesReport::default();
    let mut first_line_of_id = HashMap::new();
    for (line, item) in (1u64..).zip(&structures) {
        let Value::Object(object) = item else {
            report.rejected.push(RowError {
                line,
                id: None,
                field: String::new(),
                reason: format!("objet JSON attendu, {} trouvé", json_kind(item)),
            });
            continue;
        };
        let mut row = Row::new(line, object);
        let place = row.place(&services.linked_to(object));
        row.check_unique(&place.id, &mut first_line_of_id);
        row.conclude(place, &mut report);
    }
    report.warnings.extend(services.orphans());
    places_standard::reject_overlong_fields(&mut report);
    report
}

/// The items of a JSON array, or the reason the file cannot be read.
fn json_array(bytes: &[u8], what: &str) -> Result<Vec<Value>, String> {
    let bytes = strip_bom(bytes);
    if bytes.trim_ascii().is_empty() {
        return Err(format!("fichier des {what} vide"));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(other) => Err(format!(
            "fichier des {what} : tableau JSON d'objets attendu, {} trouvé",
            json_kind(&other)
        )),
        Err(error) => Err(format!(
            "fichier des {what} : JSON invalide ligne {}, colonne {}",
            error.line(),
            error.column()
        )),
    }
}

/// The strings of a value: a text is a list of one, `null` is empty.
fn strings(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(text) => Ok(vec![text.trim().to_string()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.trim().to_string()),
                other => Err(format!(
                    "tableau JSON contenant un {} : textes attendus",
                    json_kind(other)
                )),
            })
            .collect(),
        other => Err(format!(
            "valeur JSON de type {} : texte ou tableau de textes attendu",
            json_kind(other)
        )),
    }
}

// ---------------------------------------------------------------------------------------------------
// Services.

/// The services file, indexed by `structure_id`, remembering which services found their structure.
#[derive(Default)]
struct ServiceIndex {
    /// Each service with its 1-based position in the file.
    services: Vec<(u64, Map<String, Value>)>,
    by_structure: HashMap<String, Vec<usize>>,
    linked: Vec<bool>,
    warnings: Vec<RowWarning>,
}

impl ServiceIndex {
    fn read(bytes: &[u8]) -> Result<ServiceIndex, String> {
        let mut index = ServiceIndex::default();
        for (number, item) in (1u64..).zip(json_array(bytes, "services")?) {
            let structure_id = item
                .get("structure_id")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_string);
            match (structure_id, item) {
                (Some(structure_id), Value::Object(service)) => {
                    index.add(number, structure_id, service)
                }
                _ => index.warn(format!(
                    "service n° {number} du fichier des services : objet JSON avec un « structure_id » \
                     attendu ; ignoré"
                )),
            }
        }
        Ok(index)
    }

    fn add(&mut self, number: u64, structure_id: String, service: Map<String, Value>) {
        let position = self.services.len();
        self.by_structure
            .entry(structure_id)
            .or_default()
            .push(position);
        self.services.push((number, service));
        self.linked.push(false);
    }

    fn warn(&mut self, message: String) {
        self.warnings.push(RowWarning {
            line: 0,
            field: "structure_id".to_string(),
            message,
        });
    }

    /// The services of a structure: same `structure_id`, and same `source` when both have one.
    fn linked_to(&mut self, structure: &Map<String, Value>) -> Vec<&Map<String, Value>> {
        let Some(id) = structure.get("id").and_then(Value::as_str) else {
            return Vec::new();
        };
        let source = source_of(structure);
        let positions: Vec<usize> = self
            .by_structure
            .get(id.trim())
            .into_iter()
            .flatten()
            .copied()
            .filter(|position| {
                let service_source = source_of(&self.services[*position].1);
                source.is_none() || service_source.is_none() || source == service_source
            })
            .collect();
        for position in &positions {
            self.linked[*position] = true;
        }
        positions
            .into_iter()
            .map(|position| &self.services[position].1)
            .collect()
    }

    /// The warnings of the file, then one per service whose structure is absent.
    fn orphans(mut self) -> Vec<RowWarning> {
        let orphans: Vec<String> = self
            .services
            .iter()
            .zip(&self.linked)
            .filter(|(_, linked)| !**linked)
            .map(|((number, service), _)| orphan_message(*number, service))
            .collect();
        for message in orphans {
            self.warn(message);
        }
        self.warnings
    }
}

fn source_of(object: &Map<String, Value>) -> Option<&str> {
    object
        .get("source")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|source| !source.is_empty())
}

fn orphan_message(number: u64, service: &Map<String, Value>) -> String {
    let id = service.get("id").and_then(Value::as_str).unwrap_or("?");
    let structure_id = service
        .get("structure_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim();
    let of_source = source_of(service)
        .map(|source| format!(" de la source « {source} »"))
        .unwrap_or_default();
    format!(
        "service « {id} » (n° {number} du fichier des services) : structure « {structure_id} »{of_source} \
         absente du fichier des structures ; service ignoré"
    )
}

// ---------------------------------------------------------------------------------------------------
// One structure.

/// A conversion of one value: the value to keep, or why it breaks the standard.
type Convert = fn(&str) -> Result<String, String>;

/// The reading of one structure, collecting every problem and every conversion.
struct Row<'a> {
    line: u64,
    object: &'a Map<String, Value>,
    errors: Vec<(&'static str, String)>,
    warnings: Vec<(&'static str, String)>,
}

impl<'a> Row<'a> {
    fn new(line: u64, object: &'a Map<String, Value>) -> Self {
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
    fn place(&mut self, services: &[&Map<String, Value>]) -> Place {
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

    fn check_unique(&mut self, id: &str, first_line_of_id: &mut HashMap<String, u64>) {
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

fn lookup<T: Copy>(table: &[(&str, T)], value: &str) -> Option<T> {
    table
        .iter()
        .find(|(key, _)| *key == value)
        .map(|(_, standard)| *standard)
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

// ---------------------------------------------------------------------------------------------------
// Conversions and checks of single values (the standard's patterns, same wording as its reader).

fn keep(value: &str) -> Result<String, String> {
    Ok(value.to_string())
}

/// `siret`: 14 digits (spaces removed).
fn check_siret(value: &str) -> Result<String, String> {
    let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let ok = digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(digits)
        .ok_or_else(|| format!("SIRET « {value} » invalide : 14 chiffres attendus"))
}

/// `rna`: `W` then 9 digits.
fn check_rna(value: &str) -> Result<String, String> {
    let ok = value.len() == 10
        && value.starts_with('W')
        && value.bytes().skip(1).all(|b| b.is_ascii_digit());
    ok.then(|| value.to_string())
        .ok_or_else(|| format!("RNA « {value} » invalide : W suivi de 9 chiffres attendu"))
}

/// The standard's check (`places_standard`), returning the value kept.
fn check_postal_code(value: &str) -> Result<String, String> {
    places_standard::check_postal_code(value).map(|()| value.to_string())
}

/// The standard's check (`places_standard`), returning the value kept.
fn check_insee_code(value: &str) -> Result<String, String> {
    places_standard::check_insee_code(value).map(|()| value.to_string())
}

/// `date_maj`: a real calendar date `YYYY-MM-DD`; a date-time keeps its date part.
fn check_date(value: &str) -> Result<String, String> {
    let date = match value.get(10..11) {
        Some("T" | " ") => value.get(..10).unwrap_or(value),
        _ => value,
    };
    places_standard::calendar_date(date)
        .then(|| date.to_string())
        .ok_or_else(|| {
            format!("date « {value} » invalide : date réelle au format AAAA-MM-JJ attendue")
        })
}

/// `telephone`: a French national number (`05 56 12 34 56`, `0262 …`) becomes international; an
/// international number in the standard's pattern is kept (spaces, dots, dashes and `(0)` removed).
fn international_phone(value: &str) -> Result<String, String> {
    let compact: String = value
        .replace("(0)", "")
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}'))
        .collect();
    let compact = match compact.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => compact,
    };
    let compact = match compact.strip_prefix("+330") {
        Some(rest) if rest.len() == 9 => format!("+33{rest}"),
        _ => compact,
    };
    let national = compact.len() == 10
        && compact.starts_with('0')
        && !compact.starts_with("00")
        && compact.bytes().all(|b| b.is_ascii_digit());
    let international = match OVERSEAS_PHONE_PREFIXES
        .iter()
        .find(|(prefix, _)| compact.starts_with(prefix))
    {
        Some((_, country)) if national => format!("{country}{}", &compact[1..]),
        _ if national => format!("+33{}", &compact[1..]),
        _ => compact,
    };
    let ok = PHONE_PREFIXES.iter().any(|prefix| {
        international.strip_prefix(prefix).is_some_and(|rest| {
            (6..=9).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit())
        })
    });
    ok.then_some(international).ok_or_else(|| {
        format!(
            "téléphone « {value} » non reconnu : numéro français à 10 chiffres ou format \
             international attendu"
        )
    })
}

/// The standard's check (`places_standard`), returning the value kept.
fn check_email(value: &str) -> Result<String, String> {
    places_standard::check_email(value).map(|()| value.to_string())
}

/// The standard's check (`places_standard`), returning the value kept.
fn check_url(value: &str) -> Result<String, String> {
    places_standard::check_url(value).map(|()| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The data·inclusion referentials (values only), copied into the fixtures.
    fn referentials() -> Value {
        let path = format!(
            "{}/tests/fixtures/data-inclusion-referentiels.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
        serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    fn assert_known<T>(table: &[(&str, T)], referentials: &Value, names: &[&str]) {
        for (value, _) in table {
            let known = names.iter().any(|name| {
                let list = referentials[*name].as_array();
                list.is_some_and(|list| list.iter().any(|v| v == *value))
            });
            assert!(known, "« {value} » is in none of {names:?}");
        }
    }

    #[test]
    fn every_mapped_value_is_a_value_of_a_data_inclusion_referential() {
        let r = referentials();
        assert_known(THEMATIQUES, &r, &["v1/thematiques", "v0/thematiques"]);
        assert_known(PUBLICS, &r, &["v1/publics"]);
        assert_known(FRAIS, &r, &["v1/frais", "v0/frais"]);
        assert_known(MODES_ACCUEIL, &r, &["v1/modes-accueil"]);
        assert_known(TYPES, &r, &["v1/types-de-services"]);
        assert_known(MODES_MOBILISATION, &r, &["v1/modes-mobilisation"]);
        let reseaux = ["v1/reseaux-porteurs", "v0/labels-nationaux"];
        assert_known(RESEAUX, &r, &reseaux);
        assert_known(RESEAUX_LABELS, &r, &reseaux);
        let implied: Vec<(&str, ())> = IMPLIED.iter().map(|value| (*value, ())).collect();
        assert_known(&implied, &r, &["v1/publics", "v1/modes-accueil"]);
    }

    #[test]
    fn french_numbers_become_international_with_their_overseas_code() {
        let phone = |text: &str| international_phone(text).ok();
        assert_eq!(phone("05 56 12 34 56").as_deref(), Some("+33556123456"));
        assert_eq!(phone("06.12.34.56.78").as_deref(), Some("+33612345678"));
        assert_eq!(phone("0262 12 34 56").as_deref(), Some("+262262123456"));
        assert_eq!(phone("0696 12 34 56").as_deref(), Some("+596696123456"));
        assert_eq!(
            phone("+33 (0)1 80 05 98 80").as_deref(),
            Some("+33180059880")
        );
        assert_eq!(phone("+330180059880").as_deref(), Some("+33180059880"));
        assert_eq!(phone("0033 1 80 05 98 80").as_deref(), Some("+33180059880"));
        assert_eq!(phone("3939"), None);
        assert_eq!(phone("+44 20 7946 0958"), None);
        assert_eq!(phone("01 80 05 98"), None);
    }

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

    #[test]
    fn dates_must_exist_and_date_times_keep_their_date() {
        assert_eq!(check_date("2024-02-29").as_deref(), Ok("2024-02-29"));
        assert_eq!(
            check_date("2024-11-05T08:30:00+01:00").as_deref(),
            Ok("2024-11-05")
        );
        assert!(check_date("2023-02-29").is_err());
        assert!(check_date("05/11/2024").is_err());
        assert!(check_date("2024-11-05X").is_err());
    }
}
