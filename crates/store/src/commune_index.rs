//! The reference communes as a directory import needs them, loaded once per import: each place's
//! commune resolved by the first of a list of named rules ([`PlacementRule`]) — its INSEE code, an
//! old code, the postal code and name, then looser readings of the name as people write it (CEDEX,
//! St/Ste, articles, a shortened or lengthened name, a commune merged into another since) — and the
//! département and EPCI that decide who may write it. The looser rules' indexes are built at the
//! first row whose INSEE code is not a current commune's: a file that gives them all never pays for
//! them.

use crate::directory::PlaceSite;
use crate::StoreError;
use aiguillage_domain::directory::Place;
use aiguillage_domain::territory::{commune_key, search_key};
use aiguillage_interop::territory::{former_communes, FormerCommune};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use std::sync::OnceLock;

/// How a place's commune was found, from the most certain rule to the loosest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum PlacementRule {
    /// The row's INSEE code is a current commune.
    InseeCode,
    /// The postal code and the name as the reference writes it (case and accents aside).
    PostalCodeAndName,
    /// The postal code and the name read loosely (CEDEX, arrondissement, St/Ste, article).
    PostalCodeAndLooseName,
    /// The row's INSEE code belonged to a commune merged into another since (asked after the name
    /// and postal code, which win when they name another commune).
    FormerInseeCode,
    /// The name, read loosely, borne by one commune of the postal code's département.
    NameInDepartement,
    /// The name of a commune déléguée or associée, merged into a current commune.
    MergedCommune,
    /// A shortened or lengthened name (« SAINT GERVAIS » for Saint-Gervais-les-Bains), the only
    /// commune of the postal code it fits.
    PartOfNameInPostalCode,
    /// A name only one commune in France bears.
    NameUniqueInFrance,
    /// The only commune of the postal code.
    OnlyCommuneOfPostalCode,
}

impl PlacementRule {
    /// How the import report names the rule.
    pub fn label(self) -> &'static str {
        match self {
            PlacementRule::InseeCode => "code INSEE",
            PlacementRule::FormerInseeCode => "ancien code INSEE d'une commune fusionnée",
            PlacementRule::PostalCodeAndName => "code postal et nom",
            PlacementRule::PostalCodeAndLooseName => {
                "code postal et nom normalisé (CEDEX, arrondissement, St/Ste, article)"
            }
            PlacementRule::NameInDepartement => "nom normalisé, unique dans le département",
            PlacementRule::MergedCommune => "commune déléguée ou associée, fusionnée depuis",
            PlacementRule::PartOfNameInPostalCode => "nom abrégé ou complété, seul du code postal",
            PlacementRule::NameUniqueInFrance => "nom porté par une seule commune de France",
            PlacementRule::OnlyCommuneOfPostalCode => "seule commune du code postal",
        }
    }

    /// Whether the row's report names the rule: every rule looser than the name as written.
    pub fn is_reported(self) -> bool {
        self > PlacementRule::PostalCodeAndName
    }
}

/// Where a place was put: the commune's INSEE code and the rule that found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    pub(crate) code: String,
    pub(crate) rule: PlacementRule,
}

/// The reference communes, loaded once per import to resolve each place's commune.
pub(crate) struct CommuneIndex {
    centres: HashMap<String, (Option<f64>, Option<f64>)>,
    names: HashMap<String, String>,
    /// Département and EPCI of each commune.
    areas: HashMap<String, (String, Option<String>)>,
    /// What the looser rules read, indexed when a row first needs them.
    rows: Vec<CommuneRow>,
    former: Vec<FormerCommune>,
    loose: OnceLock<LooseIndex>,
}

/// A commune as the looser rules read it.
struct CommuneRow {
    code: String,
    name: String,
    search_name: String,
    postal_codes: String,
    departement: String,
}

/// The indexes of the rules after the INSEE code.
#[derive(Default)]
struct LooseIndex {
    by_postal_and_name: HashMap<(String, String), String>,
    by_postal_and_key: HashMap<(String, String), Vec<String>>,
    by_departement_and_key: HashMap<(String, String), Vec<String>>,
    by_name: HashMap<String, Vec<String>>,
    by_postal: HashMap<String, Vec<String>>,
    keys: HashMap<String, String>,
    former_codes: HashMap<String, String>,
    merged_by_departement_and_key: HashMap<(String, String), Vec<String>>,
}

impl CommuneIndex {
    pub(crate) async fn load(connection: &mut AnyConnection) -> Result<CommuneIndex, StoreError> {
        let rows = sqlx::query(
            "SELECT code, name, search_name, postal_codes, longitude, latitude, departement_code, epci_code
             FROM communes",
        )
        .fetch_all(&mut *connection)
        .await?;
        let former = former_communes().map_err(|error| StoreError::Corrupt(error.to_string()))?;
        let mut index = CommuneIndex {
            centres: HashMap::with_capacity(rows.len()),
            names: HashMap::with_capacity(rows.len()),
            areas: HashMap::with_capacity(rows.len()),
            rows: Vec::with_capacity(rows.len()),
            former,
            loose: OnceLock::new(),
        };
        for row in &rows {
            let commune = CommuneRow {
                code: row.try_get("code")?,
                name: row.try_get("name")?,
                search_name: row.try_get("search_name")?,
                postal_codes: row.try_get("postal_codes")?,
                departement: row.try_get("departement_code")?,
            };
            let code = commune.code.clone();
            index.names.insert(code.clone(), commune.name.clone());
            index.areas.insert(
                code.clone(),
                (commune.departement.clone(), row.try_get("epci_code")?),
            );
            index
                .centres
                .insert(code, (row.try_get("latitude")?, row.try_get("longitude")?));
            index.rows.push(commune);
        }
        Ok(index)
    }

    /// The looser rules' indexes, built at the first call.
    fn loose(&self) -> &LooseIndex {
        self.loose.get_or_init(|| {
            let mut loose = LooseIndex::default();
            for commune in &self.rows {
                loose.add(commune);
            }
            loose.add_former(&self.former, &self.centres);
            loose
        })
    }

    /// The centre (latitude, longitude) of commune `code`, when known.
    pub(crate) fn centre(&self, code: &str) -> (Option<f64>, Option<f64>) {
        self.centres.get(code).copied().unwrap_or((None, None))
    }

    /// The official name of commune `code`.
    pub(crate) fn name(&self, code: &str) -> &str {
        self.names.get(code).map_or("", String::as_str)
    }

    /// The site of a place (stored or to be created) in commune `code`.
    pub(crate) fn site(&self, structure_id: Option<i64>, code: &str) -> PlaceSite<'_> {
        let (departement_code, epci_code) = self
            .areas
            .get(code)
            .map_or(("", None), |(dep, epci)| (dep.as_str(), epci.as_deref()));
        PlaceSite {
            structure_id,
            departement_code,
            epci_code,
        }
    }

    /// The commune of the place, by the first [`PlacementRule`] that finds exactly one.
    pub(crate) fn resolve(&self, place: &Place) -> Result<Placement, String> {
        let found = |code: String, rule| Placement { code, rule };
        let insee = place.insee_code.as_deref();
        if let Some(code) = insee.filter(|code| self.centres.contains_key(*code)) {
            return Ok(found(code.to_owned(), PlacementRule::InseeCode));
        }
        let loose = self.loose();
        let postal = place.postal_code.as_str();
        let name = search_key(&place.commune);
        let key = commune_key(&place.commune);
        let departements = departements_of_postal_code(postal);
        let in_departements = |map: &HashMap<(String, String), Vec<String>>| {
            let codes: Vec<String> = departements
                .iter()
                .filter_map(|dep| map.get(&(dep.to_string(), key.clone())))
                .flatten()
                .cloned()
                .collect();
            only(&codes)
        };
        let rules: [(PlacementRule, &dyn Fn() -> Option<String>); 8] = [
            (PlacementRule::PostalCodeAndName, &|| {
                loose
                    .by_postal_and_name
                    .get(&(postal.to_owned(), name.clone()))
                    .cloned()
            }),
            (PlacementRule::PostalCodeAndLooseName, &|| {
                loose
                    .by_postal_and_key
                    .get(&(postal.to_owned(), key.clone()))
                    .and_then(|codes| only(codes))
            }),
            (PlacementRule::FormerInseeCode, &|| {
                insee.and_then(|code| loose.former_codes.get(code).cloned())
            }),
            (PlacementRule::NameInDepartement, &|| {
                in_departements(&loose.by_departement_and_key)
            }),
            (PlacementRule::MergedCommune, &|| {
                in_departements(&loose.merged_by_departement_and_key)
            }),
            (PlacementRule::PartOfNameInPostalCode, &|| {
                loose.part_of_name(postal, &key)
            }),
            (PlacementRule::NameUniqueInFrance, &|| {
                loose.by_name.get(&name).and_then(|codes| only(codes))
            }),
            (PlacementRule::OnlyCommuneOfPostalCode, &|| {
                loose.by_postal.get(postal).and_then(|codes| only(codes))
            }),
        ];
        for (rule, find) in rules {
            if let Some(code) = find() {
                return Ok(found(code, rule));
            }
        }
        Err(match place.insee_code.as_deref() {
            Some(code) => format!(
                "code INSEE « {code} » absent du référentiel des communes, et la commune « {} » ({}) introuvable",
                place.commune, place.postal_code
            ),
            None => format!(
                "commune « {} » ({}) introuvable dans le référentiel, même par son nom normalisé ou parmi les communes fusionnées : indiquez son code INSEE",
                place.commune, place.postal_code
            ),
        })
    }
}

impl LooseIndex {
    /// Indexes one commune under its postal codes, names and département.
    fn add(&mut self, commune: &CommuneRow) {
        let code = &commune.code;
        let key = commune_key(&commune.name);
        for postal_code in commune.postal_codes.split('|') {
            self.by_postal_and_name.insert(
                (postal_code.to_owned(), commune.search_name.clone()),
                code.clone(),
            );
            push(
                &mut self.by_postal_and_key,
                (postal_code.to_owned(), key.clone()),
                code,
            );
            push(&mut self.by_postal, postal_code.to_owned(), code);
        }
        push(
            &mut self.by_departement_and_key,
            (commune.departement.clone(), key.clone()),
            code,
        );
        push(&mut self.by_name, commune.search_name.clone(), code);
        self.keys.insert(code.clone(), key);
    }

    /// Indexes the former communes merged into a current one.
    fn add_former(
        &mut self,
        former: &[FormerCommune],
        centres: &HashMap<String, (Option<f64>, Option<f64>)>,
    ) {
        for commune in former {
            if !centres.contains_key(&commune.current_code) {
                continue;
            }
            self.former_codes
                .insert(commune.code.clone(), commune.current_code.clone());
            if !commune.name.is_empty() {
                let key = (commune.departement_code.clone(), commune_key(&commune.name));
                push(
                    &mut self.merged_by_departement_and_key,
                    key,
                    &commune.current_code,
                );
            }
        }
    }

    /// The only commune of the postal code whose name starts with the written one, or that the
    /// written one starts with, word for word.
    fn part_of_name(&self, postal: &str, key: &str) -> Option<String> {
        if key.is_empty() {
            return None;
        }
        let codes = self.by_postal.get(postal)?;
        let fitting: Vec<String> = codes
            .iter()
            .filter(|code| {
                self.keys.get(*code).is_some_and(|official| {
                    starts_with_words(official, key) || starts_with_words(key, official)
                })
            })
            .cloned()
            .collect();
        only(&fitting)
    }
}

fn push<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<String>>, key: K, code: &str) {
    let codes = map.entry(key).or_default();
    if !codes.iter().any(|known| known == code) {
        codes.push(code.to_owned());
    }
}

fn only(codes: &[String]) -> Option<String> {
    match codes {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// Whether `text` is `prefix` followed by more words.
fn starts_with_words(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with(' '))
}

/// The départements a postal code can belong to: its first two digits, three overseas (97x), both
/// Corsican départements for 20xxx.
fn departements_of_postal_code(postal: &str) -> Vec<&str> {
    match postal.get(..2) {
        Some("20") => vec!["2A", "2B"],
        Some("97") | Some("98") => postal.get(..3).into_iter().collect(),
        Some(two) => vec![two],
        None => Vec::new(),
    }
}
