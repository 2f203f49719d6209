//! The official territory files (INSEE COG 2026 through `@etalab/decoupage-administratif`, joined with
//! commune centres): régions, départements, EPCI and communes, embedded in the binary from
//! `data/territory/` (see its SOURCE.md).

use aiguillage_domain::territory::{Commune, CommuneKind, Departement, Epci, Region, Zone};
use serde::Deserialize;

const COMMUNES_CSV: &str = include_str!("../../../data/territory/communes-2026.csv");
const EPCI_CSV: &str = include_str!("../../../data/territory/epci-2026.csv");
const DEPARTEMENTS_JSON: &str = include_str!("../../../data/territory/departements.json");
const REGIONS_JSON: &str = include_str!("../../../data/territory/regions.json");
const FORMER_COMMUNES_CSV: &str =
    include_str!("../../../data/territory/communes-anciennes-2026.csv");

/// A commune that no longer exists as such: a commune déléguée or associée of a merged commune (it
/// has a name), or only the old INSEE code a current commune absorbed (no name).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FormerCommune {
    #[serde(rename = "ancien_code")]
    pub code: String,
    #[serde(rename = "nom")]
    pub name: String,
    #[serde(rename = "code_actuel")]
    pub current_code: String,
    #[serde(rename = "departement")]
    pub departement_code: String,
}

/// The former communes embedded in the binary (`communes-anciennes-2026.csv`, COG 2026 history).
pub fn former_communes() -> Result<Vec<FormerCommune>, TerritoryFileError> {
    read_csv("communes-anciennes-2026.csv", FORMER_COMMUNES_CSV, Ok)
}

/// Everything the territory import loads, in dependency order.
#[derive(Debug, Clone, PartialEq)]
pub struct TerritoryData {
    pub regions: Vec<Region>,
    pub departements: Vec<Departement>,
    pub epcis: Vec<Epci>,
    pub communes: Vec<Commune>,
}

impl TerritoryData {
    /// The same data with only the communes of the given départements (all régions, départements and
    /// EPCI are kept): a small but consistent subset for tests.
    pub fn with_communes_of(&self, departement_codes: &[&str]) -> TerritoryData {
        TerritoryData {
            communes: self
                .communes
                .iter()
                .filter(|commune| departement_codes.contains(&commune.departement_code.as_str()))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}

/// A territory file that cannot be read: which file, which line, what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum TerritoryFileError {
    #[error("{file} : ligne {line} : {reason}")]
    BadRow {
        file: &'static str,
        line: u64,
        reason: String,
    },
    #[error("{file} : {source}")]
    Json {
        file: &'static str,
        source: serde_json::Error,
    },
}

/// Reads the territory files embedded in the binary.
pub fn embedded() -> Result<TerritoryData, TerritoryFileError> {
    Ok(TerritoryData {
        regions: parse_regions(REGIONS_JSON)?,
        departements: parse_departements(DEPARTEMENTS_JSON)?,
        epcis: parse_epcis(EPCI_CSV)?,
        communes: parse_communes(COMMUNES_CSV)?,
    })
}

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    nom: String,
    zone: Option<String>,
}

#[derive(Deserialize)]
struct DepartementRow {
    code: String,
    nom: String,
    region: String,
    zone: Option<String>,
}

fn zone_of(file: &'static str, code: &str, zone: Option<&str>) -> Result<Zone, TerritoryFileError> {
    let zone = zone.unwrap_or("metro");
    Zone::from_code(zone).ok_or_else(|| TerritoryFileError::BadRow {
        file,
        line: 0,
        reason: format!("zone « {zone} » inconnue pour le code {code}"),
    })
}

/// Parses `regions.json` (Etalab).
pub fn parse_regions(json: &str) -> Result<Vec<Region>, TerritoryFileError> {
    const FILE: &str = "regions.json";
    let rows: Vec<RegionRow> = serde_json::from_str(json)
        .map_err(|source| TerritoryFileError::Json { file: FILE, source })?;
    rows.into_iter()
        .map(|row| {
            Ok(Region {
                zone: zone_of(FILE, &row.code, row.zone.as_deref())?,
                code: row.code,
                name: row.nom,
            })
        })
        .collect()
}

/// Parses `departements.json` (Etalab).
pub fn parse_departements(json: &str) -> Result<Vec<Departement>, TerritoryFileError> {
    const FILE: &str = "departements.json";
    let rows: Vec<DepartementRow> = serde_json::from_str(json)
        .map_err(|source| TerritoryFileError::Json { file: FILE, source })?;
    rows.into_iter()
        .map(|row| {
            Ok(Departement {
                zone: zone_of(FILE, &row.code, row.zone.as_deref())?,
                code: row.code,
                name: row.nom,
                region_code: row.region,
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct EpciRow {
    code_siren: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    population_municipale: Option<i64>,
}

/// Parses `epci-2026.csv` (derived from Etalab's `epci.json`).
pub fn parse_epcis(csv_text: &str) -> Result<Vec<Epci>, TerritoryFileError> {
    read_csv("epci-2026.csv", csv_text, |row: EpciRow| {
        Ok(Epci {
            code: row.code_siren,
            name: row.nom,
            kind: row.kind,
            population: row.population_municipale,
        })
    })
}

#[derive(Deserialize)]
struct CommuneRow {
    code_insee: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    departement: String,
    region: String,
    epci_siren: Option<String>,
    population: Option<i64>,
    codes_postaux: Option<String>,
    longitude: Option<f64>,
    latitude: Option<f64>,
}

/// Parses `communes-2026.csv`: current communes and municipal arrondissements.
pub fn parse_communes(csv_text: &str) -> Result<Vec<Commune>, TerritoryFileError> {
    read_csv("communes-2026.csv", csv_text, |row: CommuneRow| {
        let kind = match row.kind.as_str() {
            "commune-actuelle" => CommuneKind::Commune,
            "arrondissement-municipal" => CommuneKind::MunicipalArrondissement,
            other => return Err(format!("type de commune « {other} » inconnu")),
        };
        if !aiguillage_domain::territory::is_insee_commune_code(&row.code_insee) {
            return Err(format!("code INSEE « {} » invalide", row.code_insee));
        }
        Ok(Commune {
            code: row.code_insee,
            name: row.nom,
            kind,
            departement_code: row.departement,
            region_code: row.region,
            epci_code: row.epci_siren.filter(|code| !code.is_empty()),
            population: row.population,
            postal_codes: row
                .codes_postaux
                .unwrap_or_default()
                .split('|')
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
                .collect(),
            longitude: row.longitude,
            latitude: row.latitude,
        })
    })
}

/// Reads every row of a CSV file with headers, converting each; the first bad row stops the read.
fn read_csv<Row, Item>(
    file: &'static str,
    text: &str,
    mut convert: impl FnMut(Row) -> Result<Item, String>,
) -> Result<Vec<Item>, TerritoryFileError>
where
    Row: for<'de> Deserialize<'de>,
{
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut items = Vec::new();
    for record in reader.deserialize::<Row>() {
        let bad_row = |line: u64, reason: String| TerritoryFileError::BadRow { file, line, reason };
        let row = record.map_err(|error| {
            let line = error.position().map_or(0, |position| position.line());
            bad_row(line, error.to_string())
        })?;
        let line = items.len() as u64 + 2;
        items.push(convert(row).map_err(|reason| bad_row(line, reason))?);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_files_hold_the_whole_of_france() {
        let data = embedded().expect("embedded territory files parse");
        let current = data
            .communes
            .iter()
            .filter(|commune| commune.kind == CommuneKind::Commune)
            .count();
        assert_eq!(current, 34_969);
        assert_eq!(data.communes.len() - current, 45);
        assert_eq!(data.epcis.len(), 1_255);
        let not_com = |zone: Zone| zone != Zone::Com;
        assert_eq!(
            data.departements.iter().filter(|d| not_com(d.zone)).count(),
            101
        );
        assert_eq!(data.regions.iter().filter(|r| not_com(r.zone)).count(), 18);
    }

    #[test]
    fn angers_is_read_with_its_epci_postal_code_and_centre() {
        let data = embedded().expect("embedded territory files parse");
        let angers = data
            .communes
            .iter()
            .find(|c| c.code == "49007")
            .expect("Angers");
        assert_eq!(angers.name, "Angers");
        assert_eq!(angers.epci_code.as_deref(), Some("244900015"));
        assert!(angers.postal_codes.contains(&"49000".to_owned()));
        assert!(angers
            .latitude
            .is_some_and(|lat| (47.0..48.0).contains(&lat)));
    }

    #[test]
    fn a_bad_commune_type_is_reported_with_its_line() {
        let csv_text = "code_insee,nom,type,departement,region,epci_siren,population,codes_postaux,longitude,latitude\n\
                        49007,Angers,commune-actuelle,49,52,244900015,1,49000,-0.5,47.4\n\
                        49008,X,hameau,49,52,,,,,\n";
        let error = parse_communes(csv_text).unwrap_err().to_string();
        assert_eq!(
            error,
            "communes-2026.csv : ligne 3 : type de commune « hameau » inconnu"
        );
    }
}
