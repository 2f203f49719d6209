//! Structures: the places and organisations professionals work for. The directory issue widens this
//! table to the national places standard; for now a structure has a name, a kind and a commune.

use crate::{Store, StoreError};
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A request to record a structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStructure {
    pub name: String,
    pub kind: String,
    pub commune_code: String,
}

/// A stored structure with its commune's name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Structure {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub commune_code: String,
    pub commune_name: String,
    pub departement_code: String,
    pub epci_code: Option<String>,
    /// Whether it is a place of the directory (it has a page there).
    pub has_place: bool,
}

const SELECT_STRUCTURE: &str =
    "SELECT s.id, s.name, s.kind, s.commune_code, c.name AS commune_name,
        c.departement_code, c.epci_code,
        CAST(CASE WHEN s.place_json IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_place
     FROM structures s JOIN communes c ON c.code = s.commune_code";

fn structure_from(row: &AnyRow) -> Result<Structure, StoreError> {
    Ok(Structure {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        commune_code: row.try_get("commune_code")?,
        commune_name: row.try_get("commune_name")?,
        departement_code: row.try_get("departement_code")?,
        epci_code: row.try_get("epci_code")?,
        has_place: row.try_get::<i64, _>("has_place")? == 1,
    })
}

/// The date it is now where a structure is (its commune's département's legal time): the "today"
/// no session of that structure may be dated after.
pub(crate) async fn structure_today(
    connection: &mut sqlx::AnyConnection,
    structure: i64,
    now: UnixSeconds,
) -> Result<aiguillage_domain::calendar::Date, StoreError> {
    let row = sqlx::query(
        "SELECT c.departement_code FROM structures s JOIN communes c ON c.code = s.commune_code
         WHERE s.id = $1",
    )
    .bind(structure)
    .fetch_optional(&mut *connection)
    .await?;
    let departement: String = match row {
        Some(row) => row.try_get("departement_code")?,
        None => String::new(),
    };
    Ok(aiguillage_domain::calendar::local_date(now, &departement))
}

impl Store {
    /// The date it is now where the structure is ([`aiguillage_domain::calendar::local_date`]):
    /// forms offer it as the default and refuse any later date.
    pub async fn today_at_structure(
        &self,
        structure: i64,
        now: UnixSeconds,
    ) -> Result<aiguillage_domain::calendar::Date, StoreError> {
        let mut connection = self.pool.acquire().await?;
        structure_today(&mut connection, structure, now).await
    }

    /// Records a structure, or returns the existing one with the same name in the same commune.
    pub async fn ensure_structure(
        &self,
        structure: &NewStructure,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        if self.commune_name(&structure.commune_code).await?.is_none() {
            return Err(StoreError::NotFound(format!(
                "commune {}",
                structure.commune_code
            )));
        }
        let existing =
            sqlx::query("SELECT id FROM structures WHERE name = $1 AND commune_code = $2")
                .bind(&structure.name)
                .bind(&structure.commune_code)
                .fetch_optional(&self.pool)
                .await?;
        if let Some(row) = existing {
            return Ok(row.try_get("id")?);
        }
        let row = sqlx::query(
            "INSERT INTO structures (name, kind, commune_code, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&structure.name)
        .bind(&structure.kind)
        .bind(&structure.commune_code)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    pub async fn structure(&self, id: i64) -> Result<Structure, StoreError> {
        let row = sqlx::query(&format!("{SELECT_STRUCTURE} WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("structure {id}")))?;
        structure_from(&row)
    }

    /// Every structure, by département then name.
    pub async fn list_structures(&self) -> Result<Vec<Structure>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_STRUCTURE} ORDER BY c.departement_code, s.name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(structure_from).collect()
    }
}
