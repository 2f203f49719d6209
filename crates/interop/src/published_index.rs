//! The published digital fragility indexes, read row by row with every problem reported:
//!
//! - **2019** (La MedNum / ANSA kit, per IRIS, `;`-separated): four axes and the global score, each an
//!   index where 100 is the average of the reference territory (we keep the département reference).
//! - **2023** (per commune or EPCI): `name, division (city|epci), code, no_thd_coverage_rate,
//!   no_4g_coverage_rate, poverty_rate, older_65_rate, nscol15p_rate, total`, each indicator a score
//!   from 1 to 10 (10 = most fragile, empty when unknown) and `total` their mean.
//!
//! Checking that codes exist in the territory reference is the store's job (it knows the reference).

use aiguillage_domain::territory::is_insee_commune_code;
use std::collections::BTreeMap;

/// Which published edition a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    Ifn2019,
    Ifn2023,
}

impl Edition {
    pub fn code(self) -> &'static str {
        match self {
            Edition::Ifn2019 => "2019",
            Edition::Ifn2023 => "2023",
        }
    }
}

/// The level of a published row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Iris,
    Commune,
    Epci,
}

impl Level {
    pub fn code(self) -> &'static str {
        match self {
            Level::Iris => "iris",
            Level::Commune => "commune",
            Level::Epci => "epci",
        }
    }
}

/// One published value set.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedRow {
    pub line: usize,
    pub level: Level,
    /// IRIS code (9 characters), commune code or EPCI SIREN.
    pub code: String,
    /// The commune an IRIS belongs to (the commune itself at commune level).
    pub commune_code: Option<String>,
    pub name: String,
    /// Indicator or axis → value (missing ones are absent).
    pub values: BTreeMap<String, f64>,
    pub total: Option<f64>,
}

/// A row left out, with its line (1 = header) and the reason in French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedRejection {
    pub line: usize,
    pub reason: String,
}

/// What a file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedFile {
    pub edition: Edition,
    pub rows: Vec<PublishedRow>,
    pub rejected: Vec<PublishedRejection>,
}

/// The file as a whole cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("indice publié illisible : {0}")]
pub struct PublishedError(pub String);

/// The 2023 indicator columns, in order.
pub const COLUMNS_2023: &[&str] = &[
    "no_thd_coverage_rate",
    "no_4g_coverage_rate",
    "poverty_rate",
    "older_65_rate",
    "nscol15p_rate",
];

/// The 2019 columns kept (département reference): axes then global score.
const AXES_2019: &[(&str, &str)] = &[
    ("ACCES A L'INFORMATION departement 1", "acces_information"),
    (
        "ACCÈS AUX INTERFACES NUMERIQUES departement 1",
        "acces_interfaces",
    ),
    (
        "COMPETENCES ADMINISTATIVES departement 1",
        "competences_administratives",
    ),
    (
        "COMPÉTENCES NUMÉRIQUES / SCOLAIRES departement 1",
        "competences_numeriques",
    ),
];
const GLOBAL_2019: &str = "SCORE GLOBAL departement 1";

/// Reads either edition, recognised by its header.
pub fn read_published_index(text: &str) -> Result<PublishedFile, PublishedError> {
    let text = text.trim_start_matches('\u{feff}');
    let header = text.lines().next().unwrap_or("");
    if header.contains(GLOBAL_2019) {
        read_2019(text)
    } else if header.contains("division") && header.contains("total") {
        read_2023(text)
    } else {
        Err(PublishedError(
            "en-tête inconnu : ni le fichier 2019 par IRIS (« SCORE GLOBAL departement 1 ») ni le format 2023 (name, division, code, …, total)".to_owned(),
        ))
    }
}

fn reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes())
}

fn number(raw: &str) -> Result<Option<f64>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| format!("« {raw} » n'est pas un nombre"))
}

fn read_2023(text: &str) -> Result<PublishedFile, PublishedError> {
    let delimiter = if text.lines().next().is_some_and(|h| h.contains(';')) {
        b';'
    } else {
        b','
    };
    let mut reader = reader(text, delimiter);
    let headers = reader
        .headers()
        .map_err(|e| PublishedError(e.to_string()))?
        .clone();
    let position = |name: &str| headers.iter().position(|h| h.trim() == name);
    let mut columns = BTreeMap::new();
    for name in ["name", "division", "code", "total"]
        .iter()
        .chain(COLUMNS_2023)
    {
        let at =
            position(name).ok_or_else(|| PublishedError(format!("colonne « {name} » absente")))?;
        columns.insert(*name, at);
    }
    let mut file = PublishedFile {
        edition: Edition::Ifn2023,
        rows: Vec::new(),
        rejected: Vec::new(),
    };
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let result = record.map_err(|e| e.to_string()).and_then(|record| {
            let field = |name: &str| record.get(columns[name]).unwrap_or("").trim().to_owned();
            let code = field("code");
            let level = match field("division").as_str() {
                "city" if is_insee_commune_code(&code) => Level::Commune,
                "epci" if code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit()) => {
                    Level::Epci
                }
                "city" | "epci" => return Err(format!("code « {code} » invalide pour ce niveau")),
                other => return Err(format!("division « {other} » inconnue (city ou epci)")),
            };
            let mut values = BTreeMap::new();
            for name in COLUMNS_2023 {
                if let Some(value) = number(&field(name)).map_err(|e| format!("{name} : {e}"))? {
                    if !(1.0..=10.0).contains(&value) {
                        return Err(format!("{name} : {value} hors de l'échelle 1 à 10"));
                    }
                    values.insert((*name).to_owned(), value);
                }
            }
            let total = number(&field("total")).map_err(|e| format!("total : {e}"))?;
            if let Some(total) = total {
                if !(1.0..=10.0).contains(&total) {
                    return Err(format!("total : {total} hors de l'échelle 1 à 10"));
                }
            }
            Ok(PublishedRow {
                line,
                level,
                commune_code: (level == Level::Commune).then(|| code.clone()),
                code,
                name: field("name"),
                values,
                total,
            })
        });
        match result {
            Ok(row) => file.rows.push(row),
            Err(reason) => file.rejected.push(PublishedRejection { line, reason }),
        }
    }
    Ok(file)
}

fn read_2019(text: &str) -> Result<PublishedFile, PublishedError> {
    let mut reader = reader(text, b';');
    let headers = reader
        .headers()
        .map_err(|e| PublishedError(e.to_string()))?
        .clone();
    let position = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| PublishedError(format!("colonne « {name} » absente")))
    };
    let (iris, commune, name, kind, global) = (
        position("Code Iris")?,
        position("Insee Com")?,
        position("Nom Iris")?,
        position("Type Iris")?,
        position(GLOBAL_2019)?,
    );
    let axes: Vec<(usize, &str)> = AXES_2019
        .iter()
        .map(|(column, key)| position(column).map(|at| (at, *key)))
        .collect::<Result<_, _>>()?;
    let mut file = PublishedFile {
        edition: Edition::Ifn2019,
        rows: Vec::new(),
        rejected: Vec::new(),
    };
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let result = record.map_err(|e| e.to_string()).and_then(|record| {
            let field = |at: usize| record.get(at).unwrap_or("").trim().to_owned();
            let commune_code = format!("{:0>5}", field(commune));
            if !is_insee_commune_code(&commune_code) {
                return Err(format!("code commune « {} » invalide", field(commune)));
            }
            let iris_code = format!("{:0>9}", field(iris));
            if iris_code.len() != 9 || !iris_code.starts_with(&commune_code) {
                return Err(format!(
                    "code IRIS « {} » invalide pour la commune {commune_code}",
                    field(iris)
                ));
            }
            let whole_commune = field(kind).starts_with("Commune non découpée");
            let mut values = BTreeMap::new();
            for (at, key) in &axes {
                if let Some(value) = number(&field(*at)).map_err(|e| format!("{key} : {e}"))? {
                    if !(0.0..=1000.0).contains(&value) {
                        return Err(format!(
                            "{key} : {value} hors de l'échelle (0 à 1000, 100 = moyenne)"
                        ));
                    }
                    values.insert((*key).to_owned(), value);
                }
            }
            let total = number(&field(global)).map_err(|e| format!("score global : {e}"))?;
            if let Some(total) = total {
                if !(0.0..=1000.0).contains(&total) {
                    return Err(format!(
                        "score global : {total} hors de l'échelle (0 à 1000, 100 = moyenne)"
                    ));
                }
            }
            Ok(PublishedRow {
                line,
                level: if whole_commune {
                    Level::Commune
                } else {
                    Level::Iris
                },
                code: if whole_commune {
                    commune_code.clone()
                } else {
                    iris_code
                },
                commune_code: Some(commune_code),
                name: field(name),
                values,
                total,
            })
        });
        match result {
            Ok(row) => file.rows.push(row),
            Err(reason) => file.rejected.push(PublishedRejection { line, reason }),
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER_2023: &str = "name,division,code,no_thd_coverage_rate,no_4g_coverage_rate,poverty_rate,older_65_rate,nscol15p_rate,total\n";

    #[test]
    fn the_2023_format_reads_communes_and_epci_and_reports_each_bad_row() {
        let text = format!(
            "{HEADER_2023}Angers,city,49007,1,2,8,4,5,4\nAngers Loire Métropole,epci,244900015,2,2,,5,5,3.5\nNulle part,city,4900,1,1,1,1,1,1\nTrop,city,49328,11,1,1,1,1,3\nBizarre,region,52,1,1,1,1,1,1\nTexte,city,49099,x,1,1,1,1,1\n"
        );
        let file = read_published_index(&text).expect("read");
        assert_eq!(file.edition, Edition::Ifn2023);
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].values["poverty_rate"], 8.0);
        assert_eq!(file.rows[1].level, Level::Epci);
        assert!(
            !file.rows[1].values.contains_key("poverty_rate"),
            "empty = unknown"
        );
        let lines: Vec<usize> = file.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![4, 5, 6, 7]);
        assert!(file.rejected[1].reason.contains("hors de l'échelle"));
        assert!(file.rejected[2].reason.contains("division"));
    }

    #[test]
    fn the_shipped_2019_sample_reads_iris_and_whole_communes() {
        let header = "Libcom;Libdep;Libepci;Libreg;SCORE GLOBAL departement 1;SCORE GLOBAL epci 1;SCORE GLOBAL region 1;Code Iris;COM;DEP;Epci;Insee Com;Insee Dep;Insee Reg;Iris;Libiris;Nom Com;Nom Dep;Nom Iris;Nom Reg;REG;Type Iris;ACCES A L'INFORMATION departement 1;ACCES A L'INFORMATION epci 1;ACCES A L'INFORMATION region 1;ACCÈS AUX INTERFACES NUMERIQUES departement 1;ACCÈS AUX INTERFACES NUMERIQUES epci 1;ACCÈS AUX INTERFACES NUMERIQUES region 1;COMPETENCES ADMINISTATIVES departement 1;COMPETENCES ADMINISTATIVES epci 1;COMPETENCES ADMINISTATIVES region 1;COMPÉTENCES NUMÉRIQUES / SCOLAIRES departement 1;COMPÉTENCES NUMÉRIQUES / SCOLAIRES epci 1;COMPÉTENCES NUMÉRIQUES / SCOLAIRES region 1;GLOBAL ACCES departement 1;GLOBAL ACCES epci 1;GLOBAL ACCES region 1;GLOBAL COMPETENCES  departement 1;GLOBAL COMPETENCES epci 1;GLOBAL COMPETENCES region 1";
        let row = |iris: &str, com: &str, kind: &str, global: &str| {
            format!("x;x;x;x;{global};1;1;{iris};1;1;1;{com};49;52;1;x;x;x;Quartier;x;52;{kind};101;1;1;99;1;1;120;1;1;80;1;1;1;1;1;1;1;1")
        };
        let text = [
            header.to_owned(),
            row("490070101", "49007", "Iris d'habitat", "102.5"),
            row("490010000", "49001", "Commune non découpée en IRIS", "95"),
            row("490070101", "4900", "Iris d'habitat", "100"),
            row("490070102", "49007", "Iris d'habitat", "deux"),
        ]
        .join("\n");
        let file = read_published_index(&text).expect("read");
        assert_eq!(file.edition, Edition::Ifn2019);
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].level, Level::Iris);
        assert_eq!(file.rows[0].commune_code.as_deref(), Some("49007"));
        assert_eq!(file.rows[0].total, Some(102.5));
        assert_eq!(file.rows[0].values["competences_administratives"], 120.0);
        assert_eq!(file.rows[1].level, Level::Commune);
        assert_eq!(file.rows[1].code, "49001");
        assert_eq!(
            file.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![4, 5]
        );
    }

    #[test]
    fn an_unknown_header_is_refused_whole() {
        assert!(read_published_index("a,b,c\n1,2,3\n").is_err());
    }
}
