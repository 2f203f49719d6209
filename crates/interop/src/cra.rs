//! The activity report ("compte rendu d'activité", CRA) of La Coop de la médiation numérique: its
//! reference file shipped in `data/referentiels/` (checked against the domain's codes in both
//! directions), and the export of pathway sessions as CRA activities — CSV or JSON, one row per
//! activity, every coded value as the CRA `api` code — with its reader, which reports every
//! rejected row with its reason.
//!
//! An exported activity carries no personal data: no name, no notes (they stay in the structure),
//! only the session's facts and the INSEE code of the commune where it took place.

use aiguillage_domain::calendar::{iso_date, parse_iso_date};
use aiguillage_domain::pathway::{
    AgeBand, Equipment, NewSession, ObservedAutonomy, RedirectStructure, SessionFormat,
    SessionKind, SessionPlace, SessionRecord, SocialStatus, Theme, WorkshopLevel,
};
use aiguillage_domain::territory::is_insee_commune_code;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The CRA reference file shipped with the binary (see data/referentiels/SOURCE.md).
pub const SHIPPED_CRA_JSON: &str =
    include_str!("../../../data/referentiels/cra-coop-mediation-numerique.json");

/// One value of a CRA enumeration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CraValue {
    pub api: String,
    pub label: String,
    /// Kept by the CRA for old activities only.
    pub deprecated: bool,
}

/// The coded enumerations of a CRA reference file (arrays of `{api, label}` objects), by dotted
/// path, e.g. `activite.materiel`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CraReferential {
    pub enumerations: BTreeMap<String, Vec<CraValue>>,
}

/// The reference file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("référentiel CRA illisible : {0}")]
pub struct CraReferentialError(pub String);

impl CraReferential {
    /// Reads a CRA reference file: every array whose items are all objects with an `api` text.
    pub fn parse(text: &str) -> Result<CraReferential, CraReferentialError> {
        let root: Value =
            serde_json::from_str(text).map_err(|e| CraReferentialError(e.to_string()))?;
        let mut referential = CraReferential::default();
        collect(&root, "", &mut referential.enumerations);
        if referential.enumerations.is_empty() {
            return Err(CraReferentialError(
                "aucune énumération {api, label} trouvée".into(),
            ));
        }
        Ok(referential)
    }

    /// The file shipped with the binary.
    pub fn shipped() -> Result<CraReferential, CraReferentialError> {
        CraReferential::parse(SHIPPED_CRA_JSON)
    }

    /// The codes of one enumeration (deprecated ones included), if it exists.
    pub fn codes(&self, path: &str) -> Option<Vec<&str>> {
        self.enumerations
            .get(path)
            .map(|values| values.iter().map(|v| v.api.as_str()).collect())
    }
}

fn collect(value: &Value, path: &str, into: &mut BTreeMap<String, Vec<CraValue>>) {
    match value {
        Value::Object(fields) => {
            for (key, child) in fields {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                collect(child, &child_path, into);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let values: Option<Vec<CraValue>> = items
                .iter()
                .map(|item| {
                    Some(CraValue {
                        api: item.get("api")?.as_str()?.to_owned(),
                        label: item
                            .get("label")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        deprecated: item
                            .get("deprecated")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    })
                })
                .collect();
            if let Some(values) = values {
                into.insert(path.to_owned(), values);
            }
        }
        _ => {}
    }
}

/// The CRA enumerations the domain deliberately does not hold, with the reason.
pub const UNMAPPED: &[(&str, &str)] = &[(
    "beneficiaire.genre",
    "le genre n'est pas une donnée que la plateforme collecte (DATA-PROTECTION.md)",
)];

/// CRA labels the domain words differently on purpose: (enumeration, code).
const RELABELLED: &[(&str, &str)] = &[("activite.type_lieu", "lieu_activite")];

/// How one CRA enumeration maps to a domain enumeration.
struct Mapping {
    path: &'static str,
    /// Every domain value's code.
    domain_codes: Vec<&'static str>,
    /// The code of the domain value read from a CRA code (`None` when no value has it).
    read: fn(&str) -> Option<&'static str>,
    /// The domain's label for a CRA code.
    label: fn(&str) -> Option<&'static str>,
}

macro_rules! mapping {
    ($path:literal, $ty:ident) => {
        Mapping {
            path: $path,
            domain_codes: $ty::ALL.iter().map(|v| v.cra_code()).collect(),
            read: |code| $ty::from_cra_code(code).map($ty::cra_code),
            label: |code| $ty::from_cra_code(code).map($ty::label),
        }
    };
}

fn mappings() -> Vec<Mapping> {
    vec![
        mapping!("activite.type", SessionKind),
        mapping!("activite.type_lieu", SessionPlace),
        mapping!("activite.materiel", Equipment),
        Mapping {
            path: "activite.thematiques_mediation_numerique",
            domain_codes: Theme::mediation().map(Theme::cra_code).collect(),
            read: |code| mediation_theme(code).map(Theme::cra_code),
            label: |code| mediation_theme(code).map(Theme::label),
        },
        Mapping {
            path: "activite.thematiques_demarches_administratives",
            domain_codes: Theme::procedure_details().map(Theme::cra_code).collect(),
            read: |code| procedure_theme(code).map(Theme::cra_code),
            label: |code| procedure_theme(code).map(Theme::label),
        },
        mapping!("activite.autonomie_individuel", ObservedAutonomy),
        mapping!("activite.structure_de_redirection", RedirectStructure),
        mapping!("activite.niveau_atelier_collectif", WorkshopLevel),
        mapping!("beneficiaire.tranche_age", AgeBand),
        mapping!("beneficiaire.statut_social", SocialStatus),
    ]
}

fn mediation_theme(code: &str) -> Option<Theme> {
    Theme::from_cra_code(code).filter(|t| !t.is_procedure_detail())
}

fn procedure_theme(code: &str) -> Option<Theme> {
    Theme::from_cra_code(code).filter(|t| t.is_procedure_detail())
}

/// The enumerations of a CRA file the domain maps, or deliberately leaves out ([`UNMAPPED`]).
pub fn known_enumerations() -> Vec<&'static str> {
    let mut paths: Vec<_> = mappings().iter().map(|m| m.path).collect();
    paths.extend(UNMAPPED.iter().map(|(path, _)| *path));
    paths.sort_unstable();
    paths
}

/// Compares a CRA reference file with the domain, both ways: every current code of every
/// enumeration reads to a domain value whose code is the same (and whose label is the CRA's, bar
/// [`RELABELLED`] ones); every domain value's code is a current code of its enumeration; no
/// enumeration is unknown. Returns the differences in French (none: the domain is up to date).
pub fn check_referential(referential: &CraReferential) -> Vec<String> {
    let mut problems = Vec::new();
    let mappings = mappings();
    for path in referential.enumerations.keys() {
        let known = mappings.iter().any(|m| m.path == path)
            || UNMAPPED.iter().any(|(unmapped, _)| unmapped == path);
        if !known {
            problems.push(format!("énumération « {path} » sans correspondance"));
        }
    }
    for mapping in &mappings {
        let Some(values) = referential.enumerations.get(mapping.path) else {
            problems.push(format!(
                "énumération « {} » absente du fichier",
                mapping.path
            ));
            continue;
        };
        let current: BTreeSet<&str> = values
            .iter()
            .filter(|v| !v.deprecated)
            .map(|v| v.api.as_str())
            .collect();
        for value in values.iter().filter(|v| !v.deprecated) {
            let api = value.api.as_str();
            if (mapping.read)(api) != Some(api) {
                problems.push(format!(
                    "{} : le code « {api} » ne correspond à aucune valeur",
                    mapping.path
                ));
            } else if !RELABELLED.contains(&(mapping.path, api))
                && (mapping.label)(api) != Some(value.label.as_str())
            {
                problems.push(format!(
                    "{} : libellé de « {api} » différent (« {} » dans le fichier)",
                    mapping.path, value.label
                ));
            }
        }
        for code in &mapping.domain_codes {
            if !current.contains(code) {
                problems.push(format!(
                    "{} : le code « {code} » n'existe pas (ou plus) dans le fichier",
                    mapping.path
                ));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------------
// Activities.

/// One activity of the export: a session, and the INSEE code of the commune where it took place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CraActivity {
    /// The session; its notes are never exported (and `None` when read back).
    pub session: SessionRecord,
    pub commune_code: Option<String>,
}

/// The export's columns, in order.
pub const CSV_COLUMNS: [&str; 13] = [
    "date",
    "type",
    "duree",
    "type_lieu",
    "lieu_code_insee",
    "materiel",
    "thematiques",
    "thematiques_demarche",
    "autonomie",
    "nb_participants",
    "nb_participants_anonymes",
    "niveau",
    "titre_atelier",
];

/// The type the CRA kept for old procedure-help activities: read as an individual session about
/// [`Theme::AdministrativeProcedures`].
const DEPRECATED_PROCEDURE_TYPE: &str = "demarche_administrative";

/// An activity as the JSON export holds it (the CSV has the same fields, lists joined with `|`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct CraRow {
    date: String,
    #[serde(rename = "type")]
    kind: String,
    duree: u32,
    type_lieu: String,
    #[serde(default)]
    lieu_code_insee: Option<String>,
    #[serde(default)]
    materiel: Vec<String>,
    #[serde(default)]
    thematiques: Vec<String>,
    #[serde(default)]
    thematiques_demarche: Vec<String>,
    #[serde(default)]
    autonomie: Option<String>,
    #[serde(default)]
    nb_participants: Option<u32>,
    #[serde(default)]
    nb_participants_anonymes: Option<u32>,
    #[serde(default)]
    niveau: Option<String>,
    #[serde(default)]
    titre_atelier: Option<String>,
}

fn row_of(activity: &CraActivity) -> CraRow {
    let session = &activity.session;
    let codes = |themes: &mut dyn Iterator<Item = &Theme>| -> Vec<String> {
        themes.map(|t| t.cra_code().to_owned()).collect()
    };
    let (participants, anonymous, level, title) = match &session.format {
        SessionFormat::Individual { .. } => (None, None, None, None),
        SessionFormat::Collective {
            participants,
            anonymous_participants,
            title,
            level,
        } => (
            Some(*participants),
            Some(*anonymous_participants),
            level.map(|l| l.cra_code().to_owned()),
            title.clone(),
        ),
    };
    CraRow {
        date: iso_date(session.held_on),
        kind: session.kind().cra_code().to_owned(),
        duree: session.duration_minutes,
        type_lieu: session.place.cra_code().to_owned(),
        lieu_code_insee: activity.commune_code.clone(),
        materiel: session
            .equipment
            .iter()
            .map(|e| e.cra_code().to_owned())
            .collect(),
        thematiques: codes(&mut session.themes.iter().filter(|t| !t.is_procedure_detail())),
        thematiques_demarche: codes(&mut session.themes.iter().filter(|t| t.is_procedure_detail())),
        autonomie: session.autonomy().map(|a| a.cra_code().to_owned()),
        nb_participants: participants,
        nb_participants_anonymes: anonymous,
        niveau: level,
        titre_atelier: title,
    }
}

/// An activity's fields as La Coop's API v1 lists them (`/activites`): the CRA codes, themes and
/// procedure themes in one list, one « accompagnement » per participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoopActivityFields {
    pub kind: String,
    pub accompagnements: u32,
    pub date: String,
    pub duree: u32,
    pub type_lieu: String,
    pub autonomie: Option<String>,
    pub materiel: Vec<String>,
    pub thematiques: Vec<String>,
    pub titre_atelier: Option<String>,
    pub niveau_atelier: Option<String>,
}

/// The fields of an activity for La Coop's API.
pub fn coop_activity_fields(activity: &CraActivity) -> CoopActivityFields {
    let row = row_of(activity);
    let mut thematiques = row.thematiques;
    thematiques.extend(row.thematiques_demarche);
    CoopActivityFields {
        kind: row.kind,
        accompagnements: row.nb_participants.unwrap_or(1),
        date: row.date,
        duree: row.duree,
        type_lieu: row.type_lieu,
        autonomie: row.autonomie,
        materiel: row.materiel,
        thematiques,
        titre_atelier: row.titre_atelier,
        niveau_atelier: row.niveau,
    }
}

/// The activities as CSV: a header of [`CSV_COLUMNS`], one row per activity, lists joined with `|`,
/// absent values empty.
pub fn write_cra_csv(activities: &[CraActivity]) -> String {
    let header = CSV_COLUMNS.map(String::from);
    crate::csv_cell::safe_csv(std::iter::once(header).chain(activities.iter().map(record_of)))
}

/// One activity's CSV record, in the order of [`CSV_COLUMNS`].
fn record_of(activity: &CraActivity) -> [String; CSV_COLUMNS.len()] {
    let row = row_of(activity);
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    [
        row.date,
        row.kind,
        row.duree.to_string(),
        row.type_lieu,
        row.lieu_code_insee.unwrap_or_default(),
        row.materiel.join("|"),
        row.thematiques.join("|"),
        row.thematiques_demarche.join("|"),
        row.autonomie.unwrap_or_default(),
        number(row.nb_participants),
        number(row.nb_participants_anonymes),
        row.niveau.unwrap_or_default(),
        row.titre_atelier.unwrap_or_default(),
    ]
}

/// The activities as JSON: an array of objects with the [`CSV_COLUMNS`] as keys, lists as arrays,
/// numbers as numbers, absent values `null`.
pub fn write_cra_json(activities: &[CraActivity]) -> Value {
    Value::Array(
        activities
            .iter()
            .map(|activity| serde_json::to_value(row_of(activity)).unwrap_or(Value::Null))
            .collect(),
    )
}

/// A row left out, with its line (CSV: 1 = header; JSON: the activity's position, from 1) and the
/// reason in French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CraRejection {
    pub line: usize,
    pub reason: String,
}

/// What an export file gave: the activities read and the rows rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CraFile {
    pub activities: Vec<CraActivity>,
    pub rejected: Vec<CraRejection>,
}

/// The whole file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fichier d'activités illisible : {0}")]
pub struct CraFileError(pub String);

/// Reads a CSV export (`,` or `;` separated, any column order, lists joined with `|`).
pub fn read_cra_csv(text: &str) -> Result<CraFile, CraFileError> {
    let text = text.trim_start_matches('\u{feff}');
    let delimiter = if text.lines().next().is_some_and(|h| h.contains(';')) {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CraFileError(e.to_string()))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let missing: Vec<&str> = ["date", "type", "duree", "type_lieu"]
        .into_iter()
        .filter(|name| column(name).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(CraFileError(format!(
            "colonnes manquantes : {}",
            missing.join(", ")
        )));
    }
    let positions: Vec<Option<usize>> = CSV_COLUMNS.iter().map(|name| column(name)).collect();
    let mut file = CraFile::default();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                file.rejected.push(CraRejection {
                    line,
                    reason: error.to_string(),
                });
                continue;
            }
        };
        let cell = |name: &str| -> Option<String> {
            let position = CSV_COLUMNS.iter().position(|c| *c == name)?;
            let value = record.get(positions[position]?)?.trim();
            (!value.is_empty()).then(|| value.to_owned())
        };
        match csv_row(&cell).and_then(|row| activity_of(&row)) {
            Ok(activity) => file.activities.push(activity),
            Err(reason) => file.rejected.push(CraRejection { line, reason }),
        }
    }
    Ok(file)
}

fn csv_row(cell: &dyn Fn(&str) -> Option<String>) -> Result<CraRow, String> {
    let number = |name: &str| -> Result<Option<u32>, String> {
        cell(name)
            .map(|value| {
                value
                    .parse::<u32>()
                    .map_err(|_| format!("{name} « {value} » n'est pas un nombre entier"))
            })
            .transpose()
    };
    let list = |name: &str| -> Vec<String> {
        cell(name)
            .map(|value| {
                value
                    .split('|')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(CraRow {
        date: cell("date").unwrap_or_default(),
        kind: cell("type").unwrap_or_default(),
        duree: number("duree")?.ok_or("durée manquante")?,
        type_lieu: cell("type_lieu").unwrap_or_default(),
        lieu_code_insee: cell("lieu_code_insee"),
        materiel: list("materiel"),
        thematiques: list("thematiques"),
        thematiques_demarche: list("thematiques_demarche"),
        autonomie: cell("autonomie"),
        nb_participants: number("nb_participants")?,
        nb_participants_anonymes: number("nb_participants_anonymes")?,
        niveau: cell("niveau"),
        titre_atelier: cell("titre_atelier"),
    })
}

/// Reads a JSON export (an array of activity objects).
pub fn read_cra_json(text: &str) -> Result<CraFile, CraFileError> {
    let items: Vec<Value> = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| CraFileError(format!("un tableau JSON est attendu ({e})")))?;
    let mut file = CraFile::default();
    for (index, item) in items.into_iter().enumerate() {
        let read = serde_json::from_value::<CraRow>(item)
            .map_err(|e| e.to_string())
            .and_then(|row| activity_of(&row));
        match read {
            Ok(activity) => file.activities.push(activity),
            Err(reason) => file.rejected.push(CraRejection {
                line: index + 1,
                reason,
            }),
        }
    }
    Ok(file)
}

fn coded<T>(what: &str, code: &str, read: fn(&str) -> Option<T>) -> Result<T, String> {
    read(code).ok_or_else(|| format!("{what} « {code} » inconnu"))
}

/// Turns a row into an activity, or says why not.
fn activity_of(row: &CraRow) -> Result<CraActivity, String> {
    let held_on = parse_iso_date(&row.date)
        .ok_or_else(|| format!("date « {} » illisible (attendu AAAA-MM-JJ)", row.date))?;
    let mut themes = BTreeSet::new();
    let kind = if row.kind == DEPRECATED_PROCEDURE_TYPE {
        themes.insert(Theme::AdministrativeProcedures);
        SessionKind::Individual
    } else {
        coded("type", &row.kind, SessionKind::from_cra_code)?
    };
    for code in &row.thematiques {
        themes.insert(mediation_theme(code).ok_or_else(|| {
            format!("« {code} » n'est pas une thématique de médiation numérique")
        })?);
    }
    for code in &row.thematiques_demarche {
        themes.insert(procedure_theme(code).ok_or_else(|| {
            format!("« {code} » n'est pas une thématique de démarche administrative")
        })?);
    }
    if let Some(code) = &row.lieu_code_insee {
        if !is_insee_commune_code(code) {
            return Err(format!(
                "code commune « {code} » invalide (5 caractères INSEE)"
            ));
        }
    }
    let session = NewSession {
        held_on,
        duration_minutes: row.duree,
        kind,
        place: coded("type_lieu", &row.type_lieu, SessionPlace::from_cra_code)?,
        equipment: row
            .materiel
            .iter()
            .map(|code| coded("materiel", code, Equipment::from_cra_code))
            .collect::<Result<_, _>>()?,
        themes,
        autonomy: row
            .autonomie
            .as_deref()
            .map(|code| coded("autonomie", code, ObservedAutonomy::from_cra_code))
            .transpose()?,
        participants: row.nb_participants,
        anonymous_participants: row.nb_participants_anonymes,
        workshop_title: row.titre_atelier.clone(),
        workshop_level: row
            .niveau
            .as_deref()
            .map(|code| coded("niveau", code, WorkshopLevel::from_cra_code))
            .transpose()?,
        notes: None,
    };
    Ok(CraActivity {
        session: session.record().map_err(|e| e.to_string())?,
        commune_code: row.lieu_code_insee.clone(),
    })
}

/// What each column of the CRA export holds, in the order of [`CSV_COLUMNS`].
const COLUMN_DESCRIPTIONS: [&str; 13] = [
    "Jour de l'activité",
    "Type d'activité : individuel ou collectif",
    "Durée en minutes",
    "Type de lieu : lieu d'activité, à domicile, à distance, autre",
    "Code INSEE de la commune du lieu",
    "Matériel utilisé (plusieurs valeurs séparées par |)",
    "Thématiques d'accompagnement (séparées par |)",
    "Thématiques de démarche administrative (séparées par |)",
    "Autonomie de la personne à la fin de l'activité",
    "Nombre de participants (atelier collectif)",
    "Nombre de participants anonymes",
    "Niveau de l'atelier",
    "Titre de l'atelier",
];

/// The activities as a spreadsheet table, dates as dates, counts and durations as numbers.
pub fn spreadsheet_table(activities: &[CraActivity]) -> crate::spreadsheet::Table {
    use crate::spreadsheet::{Column, Table, Value};
    let number = |n: Option<u32>| n.map_or(Value::Empty, |n| Value::Integer(i64::from(n)));
    let rows = activities
        .iter()
        .map(|activity| {
            let row = row_of(activity);
            vec![
                Value::iso_date(&row.date),
                Value::text(row.kind),
                Value::Integer(i64::from(row.duree)),
                Value::text(row.type_lieu),
                Value::text(row.lieu_code_insee.unwrap_or_default()),
                Value::text(row.materiel.join("|")),
                Value::text(row.thematiques.join("|")),
                Value::text(row.thematiques_demarche.join("|")),
                Value::text(row.autonomie.unwrap_or_default()),
                number(row.nb_participants),
                number(row.nb_participants_anonymes),
                Value::text(row.niveau.unwrap_or_default()),
                Value::text(row.titre_atelier.unwrap_or_default()),
            ]
        })
        .collect();
    Table {
        sheet: "activites".into(),
        title: "Activités (compte rendu d'activité)".into(),
        columns: CSV_COLUMNS
            .iter()
            .zip(COLUMN_DESCRIPTIONS)
            .map(|(name, description)| Column::new(*name, description))
            .collect(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiguillage_domain::calendar::parse_iso_date;

    fn shipped() -> CraReferential {
        CraReferential::shipped().expect("shipped CRA file")
    }

    #[test]
    fn every_shipped_enumeration_is_known() {
        let referential = shipped();
        let found: Vec<&str> = referential
            .enumerations
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(found, known_enumerations());
    }

    #[test]
    fn every_shipped_code_reads_to_a_domain_value_with_the_same_code_and_back() {
        assert_eq!(check_referential(&shipped()), Vec::<String>::new());
        // And the same, spelled out for the session fields, from the file's own codes.
        let referential = shipped();
        let codes = |path: &str| referential.codes(path).expect(path);
        for code in codes("activite.type") {
            let read = SessionKind::from_cra_code(code).map(SessionKind::cra_code);
            assert!(
                read == Some(code) || code == DEPRECATED_PROCEDURE_TYPE,
                "{code}"
            );
        }
        for code in codes("activite.type_lieu") {
            assert_eq!(
                SessionPlace::from_cra_code(code).map(|v| v.cra_code()),
                Some(code)
            );
        }
        for code in codes("activite.materiel") {
            assert_eq!(
                Equipment::from_cra_code(code).map(|v| v.cra_code()),
                Some(code)
            );
        }
        let themes: Vec<&str> = codes("activite.thematiques_mediation_numerique")
            .into_iter()
            .chain(codes("activite.thematiques_demarches_administratives"))
            .collect();
        for code in &themes {
            assert_eq!(
                Theme::from_cra_code(code).map(|v| v.cra_code()),
                Some(*code)
            );
        }
        for code in codes("activite.autonomie_individuel") {
            assert_eq!(
                ObservedAutonomy::from_cra_code(code).map(|v| v.cra_code()),
                Some(code)
            );
        }
        for code in codes("activite.niveau_atelier_collectif") {
            assert_eq!(
                WorkshopLevel::from_cra_code(code).map(|v| v.cra_code()),
                Some(code)
            );
        }
        for code in codes("activite.structure_de_redirection") {
            assert_eq!(
                RedirectStructure::from_cra_code(code).map(|v| v.cra_code()),
                Some(code)
            );
        }
        // Every domain value has a code of the file.
        assert!(Theme::ALL.iter().all(|t| themes.contains(&t.cra_code())));
        assert_eq!(themes.len(), Theme::ALL.len());
        let places = codes("activite.type_lieu");
        assert!(SessionPlace::ALL
            .iter()
            .all(|p| places.contains(&p.cra_code())));
        let equipment = codes("activite.materiel");
        assert!(Equipment::ALL
            .iter()
            .all(|e| equipment.contains(&e.cra_code())));
    }

    #[test]
    fn a_difference_with_the_file_is_reported() {
        let mut referential = shipped();
        let materiel = referential
            .enumerations
            .get_mut("activite.materiel")
            .expect("materiel");
        materiel.retain(|v| v.api != "tablette");
        materiel.push(CraValue {
            api: "casque_vr".into(),
            label: "Casque de réalité virtuelle".into(),
            deprecated: false,
        });
        referential
            .enumerations
            .insert("activite.humeur".into(), Vec::new());
        let problems = check_referential(&referential);
        assert_eq!(
            problems,
            vec![
                "énumération « activite.humeur » sans correspondance".to_owned(),
                "activite.materiel : le code « casque_vr » ne correspond à aucune valeur"
                    .to_owned(),
                "activite.materiel : le code « tablette » n'existe pas (ou plus) dans le fichier"
                    .to_owned(),
            ]
        );
    }

    fn date(text: &str) -> aiguillage_domain::calendar::Date {
        parse_iso_date(text).expect("date")
    }

    fn activities() -> Vec<CraActivity> {
        let individual = NewSession {
            held_on: date("2026-11-20"),
            duration_minutes: 45,
            kind: SessionKind::Individual,
            place: SessionPlace::Home,
            equipment: [Equipment::Phone, Equipment::Computer].into(),
            themes: [Theme::Email, Theme::Housing, Theme::MoneyTaxes].into(),
            autonomy: Some(ObservedAutonomy::FullyGuided),
            participants: None,
            anonymous_participants: None,
            workshop_title: None,
            workshop_level: None,
            notes: None,
        };
        let workshop = NewSession {
            held_on: date("2026-11-21"),
            duration_minutes: 120,
            kind: SessionKind::Collective,
            place: SessionPlace::AtStructure,
            equipment: [Equipment::Tablet].into(),
            themes: [Theme::Security, Theme::ArtificialIntelligence].into(),
            autonomy: None,
            participants: Some(9),
            anonymous_participants: Some(6),
            workshop_title: Some("Déjouer les arnaques, « pas à pas »; suite".into()),
            workshop_level: Some(WorkshopLevel::Intermediate),
            notes: None,
        };
        let remote = NewSession {
            held_on: date("2026-11-22"),
            duration_minutes: 15,
            place: SessionPlace::Remote,
            equipment: [Equipment::NoEquipment].into(),
            themes: [Theme::DigitalDiagnostic].into(),
            autonomy: Some(ObservedAutonomy::Autonomous),
            ..individual.clone()
        };
        vec![
            CraActivity {
                session: individual.record().expect("individual"),
                commune_code: Some("49007".into()),
            },
            CraActivity {
                session: workshop.record().expect("workshop"),
                commune_code: Some("2A004".into()),
            },
            CraActivity {
                session: remote.record().expect("remote"),
                commune_code: None,
            },
        ]
    }

    #[test]
    fn the_csv_export_reads_back_to_the_same_activities() {
        let csv = write_cra_csv(&activities());
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CSV_COLUMNS.join(",").as_str()));
        assert_eq!(
            lines.next(),
            Some(
                "2026-11-20,individuel,45,domicile,49007,ordinateur|telephone,email|aide_aux_demarches_administratives,\
                 logement|argent_impots,entierement_accompagne,,,,"
            )
        );
        let read = read_cra_csv(&csv).expect("readable");
        assert_eq!(read.rejected, vec![]);
        assert_eq!(read.activities, activities());
    }

    #[test]
    fn a_workshop_title_read_as_a_formula_is_quoted_in_the_csv() {
        let mut activities = activities();
        if let SessionFormat::Collective { title, .. } = &mut activities[1].session.format {
            *title = Some("=HYPERLINK(\"http://x\")".into());
        }
        let csv = write_cra_csv(&activities);
        let line = csv.lines().nth(2).expect("workshop line");
        assert!(
            line.ends_with(",\"'=HYPERLINK(\"\"http://x\"\")\""),
            "{line}"
        );
        assert!(line.contains(",120,"), "numbers untouched: {line}");
    }

    #[test]
    fn the_json_export_reads_back_to_the_same_activities() {
        let json = write_cra_json(&activities());
        assert_eq!(json[1]["type"], "collectif");
        assert_eq!(json[1]["nb_participants"], 9);
        assert_eq!(json[1]["niveau"], "intermediaire");
        assert_eq!(json[0]["autonomie"], "entierement_accompagne");
        assert_eq!(json[0]["nb_participants"], Value::Null);
        assert_eq!(
            json[0]["thematiques_demarche"],
            serde_json::json!(["logement", "argent_impots"])
        );
        let read = read_cra_json(&json.to_string()).expect("readable");
        assert_eq!(read.rejected, vec![]);
        assert_eq!(read.activities, activities());
    }

    #[test]
    fn notes_are_never_exported() {
        let mut with_notes = activities();
        with_notes[0].session.notes = Some("Rappeler jeudi".into());
        assert!(!write_cra_csv(&with_notes).contains("Rappeler"));
        assert!(!write_cra_json(&with_notes).to_string().contains("Rappeler"));
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_and_the_rest_kept() {
        let csv = "date;type;duree;type_lieu;materiel;thematiques;autonomie;nb_participants\n\
                   2026-11-20;individuel;30;lieu_activite;tablette;email;autonome;\n\
                   2026-11-20;individuel;30;sous_la_mer;;email;autonome;\n\
                   20/11/2026;individuel;30;lieu_activite;;email;autonome;\n\
                   2026-11-20;collectif;60;lieu_activite;;email;;1\n\
                   2026-11-20;individuel;trente;lieu_activite;;email;autonome;\n\
                   2026-11-20;individuel;30;lieu_activite;;logement;autonome;\n\
                   2026-11-20;demarche_administrative;30;a_distance;;;partiellement_autonome;\n";
        let read = read_cra_csv(csv).expect("readable");
        let reasons: Vec<(usize, &str)> = read
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (3, "type_lieu « sous_la_mer » inconnu"),
                (4, "date « 20/11/2026 » illisible (attendu AAAA-MM-JJ)"),
                (5, "Un atelier collectif compte au moins 2 participants."),
                (6, "duree « trente » n'est pas un nombre entier"),
                (
                    7,
                    "« logement » n'est pas une thématique de médiation numérique"
                ),
            ]
        );
        assert_eq!(read.activities.len(), 2);
        let historical = &read.activities[1].session;
        assert_eq!(historical.kind(), SessionKind::Individual);
        assert_eq!(
            historical.themes,
            [Theme::AdministrativeProcedures].into(),
            "the old procedure type becomes the procedure theme"
        );
        assert!(read_cra_csv("nom,prenom\nMartin,Claire\n").is_err());
        assert!(read_cra_json("{\"date\": 1}").is_err());
        let json = read_cra_json(r#"[{"date":"2026-11-20","type":"individuel","duree":30,"type_lieu":"domicile","thematiques":["email"]}]"#)
            .expect("readable");
        assert_eq!(
            json.rejected[0].reason,
            "Pour un accompagnement individuel, indiquez l'autonomie observée."
        );
    }
}
