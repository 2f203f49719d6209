//! Commune-to-commune travel-time matrices (`origine,destination,minutes`, comma or semicolon
//! separated, INSEE codes), e.g. computed by a département on its road network, read into
//! `domain::coverage::TravelTimes`. Every rejected row is reported with its line and reason.

use crate::fragility::RowRejection;
use aiguillage_domain::coverage::TravelTimes;
use aiguillage_domain::territory::is_insee_commune_code;

/// What a matrix file gave: the pairs kept and the rows rejected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TravelTimeFile {
    pub times: TravelTimes,
    pub rejected: Vec<RowRejection>,
}

/// The whole file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("matrice de temps de trajet illisible : {0}")]
pub struct TravelTimeFileError(pub String);

const ORIGIN: &[&str] = &["origine", "code_insee_origine", "from", "origin"];
const DESTINATION: &[&str] = &["destination", "code_insee_destination", "to"];
const MINUTES: &[&str] = &[
    "minutes",
    "duree_minutes",
    "temps_minutes",
    "duration_minutes",
];

fn column(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
}

fn minutes_of(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| format!("durée « {text} » illisible (minutes attendues)"))?;
    if value.is_finite() && (0.0..=24.0 * 60.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("durée « {text} » hors de 0 à 1 440 minutes"))
    }
}

fn code_of(text: &str) -> Result<&str, String> {
    let code = text.trim();
    if is_insee_commune_code(code) {
        Ok(code)
    } else {
        Err(format!("code commune « {code} » invalide"))
    }
}

/// Reads a matrix; a file without the three columns or without any valid row is an error.
pub fn read_travel_times(text: &str) -> Result<TravelTimeFile, TravelTimeFileError> {
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
        .map_err(|e| TravelTimeFileError(e.to_string()))?
        .clone();
    let (Some(origin), Some(destination), Some(minutes)) = (
        column(&headers, ORIGIN),
        column(&headers, DESTINATION),
        column(&headers, MINUTES),
    ) else {
        return Err(TravelTimeFileError(
            "colonnes attendues : origine, destination, minutes".into(),
        ));
    };
    let mut file = TravelTimeFile::default();
    for (position, record) in reader.records().enumerate() {
        let line = position + 2;
        let parsed = record.map_err(|e| e.to_string()).and_then(|record| {
            let field = |i: usize| record.get(i).unwrap_or("").to_owned();
            Ok((
                code_of(&field(origin))?.to_owned(),
                code_of(&field(destination))?.to_owned(),
                minutes_of(&field(minutes))?,
            ))
        });
        match parsed {
            Ok((from, to, time)) => file.times.insert(&from, &to, time),
            Err(reason) => file.rejected.push(RowRejection { line, reason }),
        }
    }
    if file.times.is_empty() {
        return Err(TravelTimeFileError(format!(
            "aucune ligne valide ({} rejetée(s))",
            file.rejected.len()
        )));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matrix_keeps_good_rows_and_reports_bad_ones_by_line() {
        let text = "origine;destination;minutes\n49001;49007;22,5\n49001;4900;10\n49001;49007;abc\n49002;49007;-3\n";
        let file = read_travel_times(text).expect("read");
        assert_eq!(file.times.get("49001", "49007"), Some(22.5));
        assert_eq!(file.times.len(), 1);
        let lines: Vec<usize> = file.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(file.rejected[0].reason.contains("4900"));
        assert!(file.rejected[2].reason.contains("hors de"));
    }

    #[test]
    fn a_matrix_without_its_columns_or_any_good_row_is_refused() {
        assert!(read_travel_times("a,b,c\n49001,49007,3\n").is_err());
        assert!(read_travel_times("origine,destination,minutes\nx,y,z\n").is_err());
    }
}
