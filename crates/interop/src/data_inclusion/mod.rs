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
//! Mapping tables (the constants of `vocabularies`; only conversions that are certain), data·inclusion →
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
//!
//! The files: `vocabularies` (the mapping tables), `services` (the services file, indexed by
//! structure), `structure` (one structure read into a place, with its errors and warnings) and
//! `values` (the conversions and checks of single values). This file holds the detection of the
//! format, [`read_data_inclusion`] and the reading of JSON arrays and texts.
//!
//! [`Place`]: aiguillage_domain::directory::Place
//! [`RowWarning`]: crate::places_standard::RowWarning

mod services;
mod structure;
mod values;
mod vocabularies;

use std::collections::HashMap;

use crate::places_standard::{self, file_error, json_kind, strip_bom, PlacesReport, RowError};
use serde_json::{Map, Value};

use services::ServiceIndex;
use structure::Row;

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
