//! Indicator files for the digital fragility index, read into `domain::fragility::Observations`:
//! the long format a coordinator uploads (`code_insee,indicator,value`, e.g. local benefits data) and
//! the wide per-commune table shipped in `data/fragility/` (Data For Good × La MedNum, one column per
//! indicator, empty when unknown). Every rejected row is reported with its line and reason; values
//! of accepted rows are kept as they are.

use aiguillage_domain::fragility::{Direction, Observations};
use aiguillage_domain::territory::is_insee_commune_code;

/// The indicator table shipped with the binary (COG 2020 codes; see data/fragility/SOURCE.md).
pub const SHIPPED_INDICATORS_CSV: &str =
    include_str!("../../../data/fragility/indicateurs-communes-2020.csv");

/// The indicators of the shipped table that the 2023 method uses by default: no broadband, no
/// mobile coverage, poverty, share of people 65 and over, share of people without a diploma.
pub const DEFAULT_SELECTION: &[&str] = &[
    "TAUX_COUVERTURE_THD",
    "COUVERTURE_MOBILE",
    "TX_POVERTY",
    "TX_65ETPLUS",
    "TX_NSCOL15P",
];

/// Which way the shipped indicators point; any other indicator counts as "higher is more fragile".
pub fn direction_of(indicator: &str) -> Direction {
    match indicator {
        "TAUX_COUVERTURE_THD" | "COUVERTURE_MOBILE" | "ACCES_SERVICE_PUBLIC" => {
            Direction::LowerIsMoreFragile
        }
        _ => Direction::HigherIsMoreFragile,
    }
}

/// The French label of an indicator of the shipped table (the key itself for any other).
pub fn label_of(indicator: &str) -> &str {
    match indicator {
        "TAUX_COUVERTURE_THD" => "Locaux éligibles au très haut débit (%)",
        "COUVERTURE_MOBILE" => "Présence de sites mobiles (0, 0,5 ou 1)",
        "TX_POVERTY" => "Taux de pauvreté (%)",
        "TX_65ETPLUS" => "Part des 65 ans et plus (%)",
        "TX_NSCOL15P" => "Part des 15 ans et plus non scolarisés peu ou pas diplômés (%)",
        "TX_MENSEUL" => "Part des personnes vivant seules (%)",
        "TX_FAMMONO" => "Part des familles monoparentales (%)",
        "TX_25ETMOINS" => "Part des 25 ans et moins (%)",
        "TX_DEMANDEUR_EMPLOIS" => "Taux de demandeurs d'emploi (%)",
        "TX_RSA" => "Part des allocataires du RSA (%)",
        "ACCES_SERVICE_PUBLIC" => "Points d'accès aux services publics",
        other => other,
    }
}

/// A row left out, with its line (1 = header) and the reason in French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRejection {
    pub line: usize,
    pub reason: String,
}

/// What a file gave: the values kept and the rows rejected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndicatorFile {
    pub observations: Observations,
    pub rejected: Vec<RowRejection>,
}

/// The whole file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fichier d'indicateurs illisible : {0}")]
pub struct IndicatorFileError(pub String);

fn reader(text: &str) -> csv::Reader<&[u8]> {
    // The separator the header uses most: `;` (French spreadsheets), `,` or a tab.
    let header = text.lines().next().unwrap_or("");
    let delimiter = [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
}

fn parse_value(raw: &str) -> Option<f64> {
    raw.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// A column name compared loosely: lower case, accents, spaces and hyphens aside
/// (« Code INSEE », « code-insee » and « code_insee » are one name).
fn column_key(header: &str) -> String {
    aiguillage_domain::territory::search_key(header).replace(' ', "_")
}

/// The names a commune's code column goes by.
const CODE_COLUMNS: [&str; 6] = [
    "code_insee",
    "codgeo",
    "code_commune",
    "insee",
    "code_geo",
    "com",
];
/// The names of the long format's indicator and value columns.
const INDICATOR_COLUMNS: [&str; 4] = ["indicator", "indicateur", "nom_indicateur", "variable"];
const VALUE_COLUMNS: [&str; 2] = ["value", "valeur"];
/// Columns of a wide table that name things rather than measure them.
const LABEL_COLUMNS: [&str; 8] = [
    "libcom",
    "dep",
    "libelle",
    "nom",
    "commune",
    "nom_commune",
    "departement",
    "libgeo",
];

fn position_of(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.contains(&column_key(h).as_str()))
}

/// Reads the long format: one value per line, columns `code_insee`, `indicateur` (or
/// `indicator`) and `valeur` (or `value`), French names and separators accepted, decimal comma too.
pub fn read_long(text: &str) -> Result<IndicatorFile, IndicatorFileError> {
    let mut reader = reader(text);
    let headers = reader
        .headers()
        .map_err(|e| IndicatorFileError(e.to_string()))?
        .clone();
    let (Some(code), Some(indicator), Some(value)) = (
        position_of(&headers, &CODE_COLUMNS),
        position_of(&headers, &INDICATOR_COLUMNS),
        position_of(&headers, &VALUE_COLUMNS),
    ) else {
        return Err(IndicatorFileError(
            "les colonnes code_insee, indicateur et valeur sont attendues".to_owned(),
        ));
    };
    let mut file = IndicatorFile::default();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                file.rejected.push(RowRejection {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let (commune, name, raw) = (field(code), field(indicator), field(value));
        let reason = if !is_insee_commune_code(commune) {
            Some(format!("code commune « {commune} » invalide"))
        } else if name.is_empty() {
            Some("nom d'indicateur vide".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            file.rejected.push(RowRejection { line, reason });
            continue;
        }
        let Some(number) = parse_value(raw) else {
            file.rejected.push(RowRejection {
                line,
                reason: format!("valeur « {raw} » non numérique"),
            });
            continue;
        };
        file.observations
            .entry(name.to_owned())
            .or_default()
            .insert(commune.to_owned(), number);
    }
    Ok(file)
}

/// Reads a wide table: a `CODE_INSEE` (or `code_insee`) column and one column per indicator; empty
/// cells are unknown values, not errors; columns named `LIBCOM` or `DEP` are labels.
pub fn read_wide(text: &str) -> Result<IndicatorFile, IndicatorFileError> {
    let mut reader = reader(text);
    let headers = reader
        .headers()
        .map_err(|e| IndicatorFileError(e.to_string()))?
        .clone();
    let Some(code) = position_of(&headers, &CODE_COLUMNS) else {
        return Err(IndicatorFileError(
            "la colonne du code de la commune (CODE_INSEE ou CODGEO) est attendue".to_owned(),
        ));
    };
    let indicators: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| *i != code && !LABEL_COLUMNS.contains(&column_key(h).as_str()))
        .map(|(i, h)| (i, h.trim().to_owned()))
        .collect();
    let mut file = IndicatorFile::default();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                file.rejected.push(RowRejection {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let commune = record.get(code).unwrap_or("").trim();
        if !is_insee_commune_code(commune) {
            file.rejected.push(RowRejection {
                line,
                reason: format!("code commune « {commune} » invalide"),
            });
            continue;
        }
        for (column, name) in &indicators {
            let raw = record.get(*column).unwrap_or("").trim();
            if raw.is_empty() {
                continue;
            }
            match parse_value(raw) {
                Some(number) => {
                    file.observations
                        .entry(name.clone())
                        .or_default()
                        .insert(commune.to_owned(), number);
                }
                None => file.rejected.push(RowRejection {
                    line,
                    reason: format!("{name} : valeur « {raw} » non numérique"),
                }),
            }
        }
    }
    Ok(file)
}

/// Reads either format, by its header.
pub fn read_indicator_file(text: &str) -> Result<IndicatorFile, IndicatorFileError> {
    let headers = reader(text)
        .headers()
        .map_err(|e| IndicatorFileError(e.to_string()))?
        .clone();
    let long = position_of(&headers, &INDICATOR_COLUMNS).is_some()
        && position_of(&headers, &VALUE_COLUMNS).is_some();
    if long {
        read_long(text)
    } else {
        read_wide(text)
    }
}

/// A coordinator's uploaded file of local indicators (`/territoire/indice`), as its bytes came: read,
/// or refused with the reason to show in French. Refused whole when empty, not UTF-8, unreadable,
/// without one readable value, or when an indicator takes the name of a national one (`is_national`,
/// the shipped table's indicators). Returns the text (sent back with the confirmation) and the file.
pub fn read_local_upload(
    bytes: Vec<u8>,
    is_national: impl Fn(&str) -> bool,
) -> Result<(String, IndicatorFile), String> {
    if bytes.is_empty() {
        return Err("Choisissez un fichier d'indicateurs à envoyer.".into());
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(
            "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8 puis recommencez."
                .into(),
        );
    };
    let file = read_indicator_file(&text).map_err(|error| format!("Fichier refusé : {error}"))?;
    if file.observations.is_empty() {
        return Err(format!(
            "Aucune valeur lisible dans le fichier{}.",
            file.rejected
                .first()
                .map(|r| format!(" (ligne {} : {})", r.line, r.reason))
                .unwrap_or_default()
        ));
    }
    if let Some(clash) = file.observations.keys().find(|k| is_national(k)) {
        return Err(format!(
            "L'indicateur « {clash} » porte le nom d'un indicateur national : renommez-le dans le fichier."
        ));
    }
    Ok((text, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_french_long_file_is_read_long_whatever_its_separator() {
        for text in [
            "code_insee;indicateur;valeur\n49007;part_caf;12,5\n49328;part_caf;8\n",
            "Code INSEE,Indicateur,Valeur\n49007,part_caf,12.5\n49328,part_caf,8\n",
            "CODGEO\tindicateur\tvaleur\n49007\tpart_caf\t12,5\n49328\tpart_caf\t8\n",
        ] {
            let file = read_indicator_file(text).expect("read");
            assert_eq!(file.observations.len(), 1, "{text}");
            let values = &file.observations["part_caf"];
            assert_eq!(values.get("49007"), Some(&12.5), "{text}");
            assert!(!file.observations.contains_key("valeur"), "{text}");
        }
    }

    #[test]
    fn a_wide_file_skips_its_label_columns_under_their_french_names() {
        let text = "CODGEO;Libellé;part_caf\n49007;Angers;12,5\n";
        let file = read_indicator_file(text).expect("read");
        assert_eq!(file.observations.keys().collect::<Vec<_>>(), ["part_caf"]);
        assert!(file.rejected.is_empty(), "{:?}", file.rejected);
    }

    #[test]
    fn the_long_format_keeps_good_rows_and_reports_each_bad_one() {
        let text = "code_insee,indicator,value\n49007,rsa,12.5\n4900,rsa,3\n49328,rsa,abc\n49328,rsa,\"7,25\"\n";
        let file = read_long(text).expect("read");
        assert_eq!(file.observations["rsa"]["49007"], 12.5);
        assert_eq!(file.observations["rsa"]["49328"], 7.25);
        assert_eq!(file.rejected.len(), 2);
        assert_eq!(file.rejected[0].line, 3);
        assert!(file.rejected[1].reason.contains("abc"));
    }

    #[test]
    fn an_upload_is_refused_with_its_reason_in_french() {
        let national = |key: &str| key == "TX_POVERTY";
        let refused =
            |bytes: &[u8]| read_local_upload(bytes.to_vec(), national).expect_err("refused");
        assert!(refused(b"").contains("Choisissez"));
        assert!(refused(b"code_insee,indicateur,valeur\n49007,x,\xff\n").contains("UTF-8"));
        assert!(refused(b"commune,valeur\n49007,3\n").starts_with("Fichier refus"));
        assert!(refused(b"code_insee,indicateur,valeur\n49007,x,abc\n").contains("ligne 2"));
        assert!(refused(b"CODGEO;TX_POVERTY\n49007;12\n").contains("indicateur national"));
        let (text, file) =
            read_local_upload(b"CODGEO;caf\n49007;12,5\n".to_vec(), national).expect("read");
        assert_eq!(text, "CODGEO;caf\n49007;12,5\n");
        assert_eq!(file.observations["caf"]["49007"], 12.5);
    }

    #[test]
    fn a_file_without_the_columns_is_refused_whole() {
        assert!(read_long("commune,valeur\n49007,3\n").is_err());
        assert!(read_wide("commune,valeur\n49007,3\n").is_err());
    }

    #[test]
    fn the_shipped_table_reads_with_empty_cells_as_unknown() {
        let file = read_indicator_file(SHIPPED_INDICATORS_CSV).expect("shipped");
        assert!(
            file.rejected.is_empty(),
            "{:?}",
            &file.rejected[..file.rejected.len().min(3)]
        );
        let thd = &file.observations["TAUX_COUVERTURE_THD"];
        assert!(thd.len() > 34_000);
        assert!(
            file.observations["TX_POVERTY"].len() < 6_000,
            "poverty is sparse"
        );
        assert!(!file.observations["TX_POVERTY"].contains_key("01001"));
        for key in DEFAULT_SELECTION {
            assert!(file.observations.contains_key(*key), "{key}");
        }
    }
}
