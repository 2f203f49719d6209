//! The French administrative territory: régions, départements, EPCI and communes, and the scope an
//! account works in (an EPCI or a département).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Whether an area is in metropolitan France, an overseas département-région, or an overseas collectivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// France métropolitaine.
    Metro,
    /// Département et région d'outre-mer (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte).
    Drom,
    /// Collectivité d'outre-mer (Saint-Pierre-et-Miquelon, Polynésie française…), kept and marked as such.
    Com,
}

impl Zone {
    /// The code used by the Etalab files and stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Zone::Metro => "metro",
            Zone::Drom => "drom",
            Zone::Com => "com",
        }
    }

    /// Parses the Etalab code (`metro`, `drom`, `com`).
    pub fn from_code(code: &str) -> Option<Zone> {
        match code {
            "metro" => Some(Zone::Metro),
            "drom" => Some(Zone::Drom),
            "com" => Some(Zone::Com),
            _ => None,
        }
    }
}

/// A région (or, with zone `Com`, an overseas collectivity listed beside them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub zone: Zone,
}

/// A département (or an overseas collectivity, zone `Com`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Departement {
    pub code: String,
    pub name: String,
    pub region_code: String,
    pub zone: Zone,
}

/// An établissement public de coopération intercommunale à fiscalité propre (CC, CA, CU, métropole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Epci {
    /// SIREN number (9 digits).
    pub code: String,
    pub name: String,
    /// CC, CA, CU, METRO or MET69.
    pub kind: String,
    pub population: Option<i64>,
}

/// Whether a commune row is a current commune or a municipal arrondissement (Paris, Lyon, Marseille).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommuneKind {
    Commune,
    MunicipalArrondissement,
}

impl CommuneKind {
    pub fn code(self) -> &'static str {
        match self {
            CommuneKind::Commune => "commune",
            CommuneKind::MunicipalArrondissement => "arrondissement",
        }
    }

    pub fn from_code(code: &str) -> Option<CommuneKind> {
        match code {
            "commune" => Some(CommuneKind::Commune),
            "arrondissement" => Some(CommuneKind::MunicipalArrondissement),
            _ => None,
        }
    }
}

/// A commune as the platform knows it: identity, attachment, population, postal codes and centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commune {
    /// Code officiel géographique (INSEE), 5 characters (`2A`/`2B` for Corsica).
    pub code: String,
    pub name: String,
    pub kind: CommuneKind,
    pub departement_code: String,
    pub region_code: String,
    /// SIREN of the EPCI it belongs to, when it belongs to one.
    pub epci_code: Option<String>,
    /// Population municipale, when published.
    pub population: Option<i64>,
    pub postal_codes: Vec<String>,
    /// WGS84 longitude and latitude of the commune's centre, when known.
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

/// Whether `code` has the shape of an INSEE commune code.
pub fn is_insee_commune_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 5
        && (bytes[..2].iter().all(u8::is_ascii_digit)
            || &bytes[..2] == b"2A"
            || &bytes[..2] == b"2B")
        && bytes[2..].iter().all(u8::is_ascii_digit)
}

/// The territory an account works in: an EPCI or a département.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum TerritoryScope {
    Epci(String),
    Departement(String),
}

impl TerritoryScope {
    /// `epci` or `departement`, as stored.
    pub fn kind_code(&self) -> &'static str {
        match self {
            TerritoryScope::Epci(_) => "epci",
            TerritoryScope::Departement(_) => "departement",
        }
    }

    pub fn code(&self) -> &str {
        match self {
            TerritoryScope::Epci(code) | TerritoryScope::Departement(code) => code,
        }
    }

    /// Rebuilds a scope from its stored kind and code.
    pub fn from_parts(kind: &str, code: &str) -> Result<TerritoryScope, InvalidTerritory> {
        match kind {
            "epci" => format!("epci:{code}").parse(),
            "departement" => format!("dep:{code}").parse(),
            _ => Err(InvalidTerritory(format!("{kind}:{code}"))),
        }
    }
}

impl fmt::Display for TerritoryScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TerritoryScope::Epci(code) => write!(f, "epci:{code}"),
            TerritoryScope::Departement(code) => write!(f, "dep:{code}"),
        }
    }
}

/// A territory reference that is neither a SIREN of EPCI nor a code of département.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("territoire « {0} » invalide : indiquez un code de département (49, 2A, 974) ou le SIREN d'un EPCI (9 chiffres)")]
pub struct InvalidTerritory(pub String);

fn is_departement_code(code: &str) -> bool {
    matches!(code.len(), 2 | 3)
        && (code.bytes().all(|b| b.is_ascii_digit()) || code == "2A" || code == "2B")
}

impl FromStr for TerritoryScope {
    type Err = InvalidTerritory;

    /// Accepts `epci:SIREN`, `dep:CODE`, or a bare code: 9 digits for an EPCI, 2 or 3 characters for a département.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let invalid = || InvalidTerritory(text.to_owned());
        let (kind, code) = match text.split_once(':') {
            Some((kind, code)) => (Some(kind), code),
            None => (None, text),
        };
        let is_siren = code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit());
        match (kind, is_siren, is_departement_code(code)) {
            (Some("epci") | None, true, _) => Ok(TerritoryScope::Epci(code.to_owned())),
            (Some("dep") | None, _, true) => Ok(TerritoryScope::Departement(code.to_owned())),
            _ => Err(invalid()),
        }
    }
}

/// Any area the platform describes: a commune, an EPCI or a département (a territory page's subject).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum TerritoryArea {
    Commune(String),
    Epci(String),
    Departement(String),
}

impl TerritoryArea {
    /// Whether the commune lies in the area.
    pub fn contains(&self, commune: &Commune) -> bool {
        match self {
            TerritoryArea::Commune(code) => &commune.code == code,
            TerritoryArea::Epci(code) => commune.epci_code.as_deref() == Some(code.as_str()),
            TerritoryArea::Departement(code) => &commune.departement_code == code,
        }
    }

    pub fn code(&self) -> &str {
        match self {
            TerritoryArea::Commune(code)
            | TerritoryArea::Epci(code)
            | TerritoryArea::Departement(code) => code,
        }
    }

    /// The scope of the same area, when it is an EPCI or a département.
    pub fn scope(&self) -> Option<TerritoryScope> {
        match self {
            TerritoryArea::Commune(_) => None,
            TerritoryArea::Epci(code) => Some(TerritoryScope::Epci(code.clone())),
            TerritoryArea::Departement(code) => Some(TerritoryScope::Departement(code.clone())),
        }
    }
}

impl From<&TerritoryScope> for TerritoryArea {
    fn from(scope: &TerritoryScope) -> Self {
        match scope {
            TerritoryScope::Epci(code) => TerritoryArea::Epci(code.clone()),
            TerritoryScope::Departement(code) => TerritoryArea::Departement(code.clone()),
        }
    }
}

impl fmt::Display for TerritoryArea {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TerritoryArea::Commune(code) => write!(f, "commune:{code}"),
            TerritoryArea::Epci(code) => write!(f, "epci:{code}"),
            TerritoryArea::Departement(code) => write!(f, "dep:{code}"),
        }
    }
}

impl FromStr for TerritoryArea {
    type Err = InvalidTerritory;

    /// Accepts `commune:INSEE`, `epci:SIREN`, `dep:CODE`, or a bare code (5 characters: a commune).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let code = text.strip_prefix("commune:").unwrap_or(text);
        if is_insee_commune_code(code) && (code != text || !text.contains(':')) {
            return Ok(TerritoryArea::Commune(code.to_owned()));
        }
        text.parse::<TerritoryScope>()
            .map(|scope| TerritoryArea::from(&scope))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insee_codes_accept_corsica_and_refuse_other_shapes() {
        assert!(is_insee_commune_code("49007"));
        assert!(is_insee_commune_code("2A004"));
        assert!(!is_insee_commune_code("4900"));
        assert!(!is_insee_commune_code("2C004"));
        assert!(!is_insee_commune_code("49O07"));
        // Five bytes whose second is inside a character (found by schemathesis: it panicked).
        assert!(!is_insee_commune_code("0\u{10000}"));
        assert!(!is_insee_commune_code("é490"));
    }

    #[test]
    fn a_territory_is_read_from_a_bare_code_or_a_prefixed_one() {
        assert_eq!("49".parse(), Ok(TerritoryScope::Departement("49".into())));
        assert_eq!("974".parse(), Ok(TerritoryScope::Departement("974".into())));
        assert_eq!(
            "244900015".parse(),
            Ok(TerritoryScope::Epci("244900015".into()))
        );
        assert_eq!(
            "epci:244900015".parse(),
            Ok(TerritoryScope::Epci("244900015".into()))
        );
        assert!("dep:244900015".parse::<TerritoryScope>().is_err());
        assert!("angers".parse::<TerritoryScope>().is_err());
    }

    #[test]
    fn an_area_is_a_commune_an_epci_or_a_departement() {
        assert_eq!("49007".parse(), Ok(TerritoryArea::Commune("49007".into())));
        assert_eq!(
            "commune:2A004".parse(),
            Ok(TerritoryArea::Commune("2A004".into()))
        );
        assert_eq!(
            "dep:49".parse(),
            Ok(TerritoryArea::Departement("49".into()))
        );
        assert_eq!(
            "244900015".parse(),
            Ok(TerritoryArea::Epci("244900015".into()))
        );
        assert!("commune:49".parse::<TerritoryArea>().is_err());
        assert!("dep:49007".parse::<TerritoryArea>().is_err());
        let area = TerritoryArea::Commune("49007".into());
        assert_eq!(area.to_string().parse(), Ok(area));
    }

    #[test]
    fn a_scope_survives_its_stored_form() {
        let scope = TerritoryScope::Epci("244900015".into());
        assert_eq!(
            TerritoryScope::from_parts(scope.kind_code(), scope.code()),
            Ok(scope)
        );
    }
}

/// The form of a place name used for searching: lower case, without accents, hyphens or apostrophes,
/// so that "les ponts de ce" finds "Les Ponts-de-Cé".
pub fn search_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => key.push('a'),
            'é' | 'è' | 'ê' | 'ë' => key.push('e'),
            'î' | 'ï' | 'í' | 'ì' => key.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => key.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => key.push('u'),
            'ÿ' => key.push('y'),
            'ç' => key.push('c'),
            'ñ' => key.push('n'),
            'œ' => key.push_str("oe"),
            'æ' => key.push_str("ae"),
            '-' | '\'' | '’' | '_' | '.' | ',' => key.push(' '),
            c if c.is_whitespace() => key.push(' '),
            c => key.push(c),
        }
    }
    key.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The key a commune name is matched by when written loosely, as places files write it: the
/// [`search_key`], without a « CEDEX » suffix (and what follows it), an arrondissement number
/// (« Lyon 3e », « Paris 15e arrondissement »), a leading article (« Le Pont-de-Claix » is « Pont de
/// Claix »), with « St »/« Ste » read « Saint »/« Sainte » and « s/ » read « sur ».
pub fn commune_key(name: &str) -> String {
    let key = search_key(&name.replace("s/", " sur "));
    let mut words: Vec<&str> = key.split(' ').collect();
    if let Some(cedex) = words.iter().position(|word| *word == "cedex") {
        words.truncate(cedex);
    }
    while let Some(last) = words.last() {
        let ordinal = last.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let arrondissement = *last == "arrondissement"
            || (!ordinal.is_empty()
                && ordinal.bytes().all(|b| b.is_ascii_digit())
                && matches!(&last[ordinal.len()..], "" | "e" | "er" | "eme" | "ème"));
        if arrondissement && words.len() > 1 {
            words.pop();
        } else {
            break;
        }
    }
    if words.len() > 1 && matches!(words[0], "le" | "la" | "les" | "l") {
        words.remove(0);
    }
    words
        .iter()
        .map(|word| match *word {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod commune_key_tests {
    use super::commune_key;

    #[test]
    fn loose_writings_of_a_commune_share_its_key() {
        assert_eq!(commune_key("Annecy Cedex 03"), commune_key("Annecy"));
        assert_eq!(
            commune_key("Pont de Claix"),
            commune_key("Le Pont-de-Claix")
        );
        assert_eq!(
            commune_key("Saint-Just St-Rambert"),
            commune_key("Saint-Just-Saint-Rambert")
        );
        assert_eq!(
            commune_key("STE FOY LES LYON"),
            commune_key("Sainte-Foy-lès-Lyon")
        );
        assert_eq!(commune_key("Lyon 3e"), "lyon");
        assert_eq!(commune_key("Paris 15e Arrondissement"), "paris");
        assert_eq!(commune_key("Marseille 1er"), "marseille");
        assert_eq!(commune_key("Ardes s/ Couze"), "ardes sur couze");
        assert_eq!(commune_key("Les Ulis"), "ulis");
        assert_eq!(commune_key("Laval"), "laval");
        assert_eq!(commune_key("Villeneuve 2"), "villeneuve");
    }
}

#[cfg(test)]
mod search_key_tests {
    use super::search_key;

    #[test]
    fn accents_hyphens_and_case_do_not_matter() {
        assert_eq!(search_key("Les Ponts-de-Cé"), "les ponts de ce");
        assert_eq!(search_key("  L'Haÿ-les-Roses "), "l hay les roses");
        assert_eq!(search_key("Œuilly"), "oeuilly");
    }
}
