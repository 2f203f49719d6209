//! Rows of the steering tables named as people say them: the capacity tables' offers and structures
//! by their directory names, the reach tables' communes and départements by their names (the
//! domain computes on ids and codes, which stay the rows' keys in every file).

use crate::error::WebError;
use aiguillage_domain::indicators::Publication;
use aiguillage_domain::territory::TerritoryArea;
use aiguillage_store::Store;

/// Replaces the labels of the rows whose key is an id or a code by the name it stands for; a row
/// whose name is unknown keeps its label.
pub async fn name_rows(store: &Store, publication: &mut Publication) -> Result<(), WebError> {
    let ids_of = |publication: &Publication, table: &str| -> Vec<i64> {
        publication
            .tables
            .iter()
            .filter(|t| t.id == table)
            .flat_map(|t| t.rows.iter().filter_map(|r| r.key.parse().ok()))
            .collect()
    };
    let offers = ids_of(publication, "capacite_offre");
    let structures = ids_of(publication, "capacite_structure");
    let (offer_names, structure_names) = store.indicator_row_names(&offers, &structures).await?;
    let reference = aiguillage_service::territory_diagnostic::reference().ok();
    for table in &mut publication.tables {
        for row in &mut table.rows {
            let name = match table.id {
                "capacite_offre" => row
                    .key
                    .parse()
                    .ok()
                    .and_then(|id: i64| offer_names.get(&id).cloned()),
                "capacite_structure" => row
                    .key
                    .parse()
                    .ok()
                    .and_then(|id: i64| structure_names.get(&id).cloned()),
                "portee_commune" => {
                    reference.and_then(|r| r.name_of(&TerritoryArea::Commune(row.key.clone())))
                }
                "portee_departement" => {
                    reference.and_then(|r| r.name_of(&TerritoryArea::Departement(row.key.clone())))
                }
                _ => None,
            };
            if let Some(name) = name {
                row.label = name;
            }
        }
    }
    Ok(())
}
