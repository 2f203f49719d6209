//! The reference communes as a directory import needs them, loaded once per import: each place's
//! commune resolved from its INSEE code, or (an old code, a missing one) from its postal code and name,
//! and the département and EPCI that decide who may write it.

use crate::directory::PlaceSite;
use crate::StoreError;
use aiguillage_domain::directory::Place;
use aiguillage_domain::territory::search_key;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// The reference communes, loaded once per import to resolve each place's commune.
pub(crate) struct CommuneIndex {
    centres: HashMap<String, (Option<f64>, Option<f64>)>,
    /// Département and EPCI of each commune.
    areas: HashMap<String, (String, Option<String>)>,
    by_postal_and_name: HashMap<(String, String), String>,
    by_name: HashMap<String, Vec<String>>,
    by_postal: HashMap<String, Vec<String>>,
}

impl CommuneIndex {
    pub(crate) async fn load(connection: &mut AnyConnection) -> Result<CommuneIndex, StoreError> {
        let rows = sqlx::query(
            "SELECT code, search_name, postal_codes, longitude, latitude, departement_code, epci_code
             FROM communes",
        )
        .fetch_all(&mut *connection)
        .await?;
        let mut index = CommuneIndex {
            centres: HashMap::new(),
            areas: HashMap::new(),
            by_postal_and_name: HashMap::new(),
            by_name: HashMap::new(),
            by_postal: HashMap::new(),
        };
        for row in &rows {
            let code: String = row.try_get("code")?;
            let name: String = row.try_get("search_name")?;
            let postal_codes: String = row.try_get("postal_codes")?;
            for postal_code in postal_codes.split('|') {
                index
                    .by_postal_and_name
                    .insert((postal_code.to_owned(), name.clone()), code.clone());
                index
                    .by_postal
                    .entry(postal_code.to_owned())
                    .or_default()
                    .push(code.clone());
            }
            index.by_name.entry(name).or_default().push(code.clone());
            index.areas.insert(
                code.clone(),
                (row.try_get("departement_code")?, row.try_get("epci_code")?),
            );
            index
                .centres
                .insert(code, (row.try_get("latitude")?, row.try_get("longitude")?));
        }
        Ok(index)
    }

    /// The centre (latitude, longitude) of commune `code`, when known.
    pub(crate) fn centre(&self, code: &str) -> (Option<f64>, Option<f64>) {
        self.centres.get(code).copied().unwrap_or((None, None))
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

    /// The INSEE code of the place's commune: its own code if current; else (a code from before a
    /// merger, or none) by postal code and name, by a name only one commune bears, or by a postal code
    /// only one commune uses.
    pub(crate) fn resolve(&self, place: &Place) -> Result<String, String> {
        if let Some(code) = place
            .insee_code
            .as_deref()
            .filter(|code| self.centres.contains_key(*code))
        {
            return Ok(code.to_owned());
        }
        let name = search_key(&place.commune);
        let unique = |codes: Option<&Vec<String>>| match codes.map(Vec::as_slice) {
            Some([only]) => Some(only.clone()),
            _ => None,
        };
        self.by_postal_and_name
            .get(&(place.postal_code.clone(), name.clone()))
            .cloned()
            .or_else(|| unique(self.by_name.get(&name)))
            .or_else(|| unique(self.by_postal.get(&place.postal_code)))
            .ok_or_else(|| match place.insee_code.as_deref() {
                Some(code) => format!(
                    "code INSEE « {code} » absent du référentiel des communes, et la commune « {} » ({}) introuvable",
                    place.commune, place.postal_code
                ),
                None => format!(
                    "commune « {} » ({}) introuvable dans le référentiel : indiquez son code INSEE",
                    place.commune, place.postal_code
                ),
            })
    }
}
