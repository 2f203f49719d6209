//! One entry point for every directory file the product accepts: the format given or recognised from
//! the content, and the file read into places with its report. Used by the command line and the web.

use crate::data_inclusion::{looks_like_data_inclusion, read_data_inclusion};
use crate::france_services::{looks_like_france_services, read_france_services};
use crate::places_standard::{detect_format, read_places, PlacesFormat, PlacesReport};

/// The directory file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryFormat {
    /// National places standard, CSV.
    StandardCsv,
    /// National places standard, JSON array.
    StandardJson,
    /// ANCT list of France services (CSV).
    FranceServices,
    /// data·inclusion structures (v1 JSON array).
    DataInclusion,
}

impl DirectoryFormat {
    /// The French name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            DirectoryFormat::StandardCsv => {
                "standard national des lieux de médiation numérique (CSV)"
            }
            DirectoryFormat::StandardJson => {
                "standard national des lieux de médiation numérique (JSON)"
            }
            DirectoryFormat::FranceServices => "liste officielle des France services (ANCT)",
            DirectoryFormat::DataInclusion => "structures data·inclusion (JSON, schéma v1)",
        }
    }

    /// Every format, for the forms that offer a choice.
    pub const ALL: [DirectoryFormat; 4] = [
        DirectoryFormat::StandardCsv,
        DirectoryFormat::StandardJson,
        DirectoryFormat::FranceServices,
        DirectoryFormat::DataInclusion,
    ];

    /// A stable code, for forms and storage.
    pub fn code(self) -> &'static str {
        match self {
            DirectoryFormat::StandardCsv => "standard-csv",
            DirectoryFormat::StandardJson => "standard-json",
            DirectoryFormat::FranceServices => "france-services",
            DirectoryFormat::DataInclusion => "data-inclusion",
        }
    }

    pub fn from_code(code: &str) -> Option<DirectoryFormat> {
        DirectoryFormat::ALL
            .into_iter()
            .find(|format| format.code() == code)
    }

    /// The source recorded for places that do not name one.
    pub fn default_source(self) -> &'static str {
        match self {
            DirectoryFormat::StandardCsv | DirectoryFormat::StandardJson => "import-standard",
            DirectoryFormat::FranceServices => "ANCT – liste des France services",
            DirectoryFormat::DataInclusion => "data·inclusion",
        }
    }

    /// Recognises the format from the first bytes.
    pub fn detect(bytes: &[u8]) -> Option<DirectoryFormat> {
        if looks_like_france_services(bytes) {
            return Some(DirectoryFormat::FranceServices);
        }
        if looks_like_data_inclusion(bytes) {
            return Some(DirectoryFormat::DataInclusion);
        }
        match detect_format(bytes)? {
            PlacesFormat::Csv => Some(DirectoryFormat::StandardCsv),
            PlacesFormat::Json => Some(DirectoryFormat::StandardJson),
        }
    }
}

/// Reads a directory file in `format`, or in the format recognised from its content.
pub fn read_directory_file(
    bytes: &[u8],
    format: Option<DirectoryFormat>,
) -> Result<(DirectoryFormat, PlacesReport), String> {
    let format = format
        .or_else(|| DirectoryFormat::detect(bytes))
        .ok_or_else(|| "format du fichier non reconnu : choisissez-le explicitement".to_owned())?;
    let report = match format {
        DirectoryFormat::StandardCsv => read_places(bytes, PlacesFormat::Csv),
        DirectoryFormat::StandardJson => read_places(bytes, PlacesFormat::Json),
        DirectoryFormat::FranceServices => read_france_services(bytes),
        DirectoryFormat::DataInclusion => read_data_inclusion(bytes, None),
    };
    Ok((format, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_recognised_from_the_content() {
        assert_eq!(
            DirectoryFormat::detect(b"\"id_fs\",\"insee_dep\",\"lib_fs\"\n"),
            Some(DirectoryFormat::FranceServices)
        );
        assert_eq!(
            DirectoryFormat::detect(b"[{\"id\":\"x\"}]"),
            Some(DirectoryFormat::StandardJson)
        );
        assert_eq!(
            DirectoryFormat::detect(b"id,pivot,nom,commune,code_postal,adresse,date_maj\n"),
            Some(DirectoryFormat::StandardCsv)
        );
        assert!(read_directory_file(b"bonjour", None).is_err());
    }
}
