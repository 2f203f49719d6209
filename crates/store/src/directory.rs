//! The directory in storage: places of the national standard upserted on (source, id) in one
//! transaction, with the commune resolved from the reference data, and read back for search and export.

use crate::offers::{insert_offer, refresh_default_offer};
use crate::{Store, StoreError};
use aiguillage_domain::directory::{Offer, Place, SupportModel};
use aiguillage_domain::territory::{search_key, TerritoryScope};
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// A manual change of a place: who, when, what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlaceChange {
    pub changed_at: UnixSeconds,
    pub account_name: Option<String>,
    pub summary: String,
}

/// A row the store could not take, with its line in the imported file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlaceRejection {
    pub line: u64,
    pub id: String,
    pub field: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PlaceImportReport {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<PlaceRejection>,
}

/// A place as stored: its structure id, resolved commune, position used for distance, and facts.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPlace {
    pub structure_id: i64,
    pub source: Option<String>,
    pub commune_code: String,
    pub departement_code: String,
    pub epci_code: Option<String>,
    /// The place's own coordinates, or its commune's centre when it has none.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub place: Place,
    /// The support model of the structure (PRODUCT.md), set by its manager or a coordinator.
    pub support_model: Option<SupportModel>,
    /// The structure's offers, in order (loaded with the place).
    pub offers: Vec<Offer>,
    /// The offers' identifiers, in the same order.
    pub offer_ids: Vec<i64>,
}

/// Which places a query selects.
enum PlaceFilter {
    All,
    Departement(String),
    Epci(String),
    /// Latitude min and max, longitude min and max.
    Box(f64, f64, f64, f64),
    Id(i64),
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

impl PlaceFilter {
    /// The condition added to `WHERE s.place_json IS NOT NULL`.
    fn sql(&self) -> &'static str {
        match self {
            PlaceFilter::All => "",
            PlaceFilter::Departement(_) => "AND c.departement_code = $1",
            PlaceFilter::Epci(_) => "AND c.epci_code = $1",
            PlaceFilter::Box(..) => {
                "AND s.latitude BETWEEN $1 AND $2 AND s.longitude BETWEEN $3 AND $4"
            }
            PlaceFilter::Id(_) => "AND s.id = $1",
        }
    }

    fn bind<'q>(&self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        match self {
            PlaceFilter::All => query,
            PlaceFilter::Departement(code) | PlaceFilter::Epci(code) => query.bind(code.clone()),
            PlaceFilter::Box(a, b, c, d) => query.bind(*a).bind(*b).bind(*c).bind(*d),
            PlaceFilter::Id(id) => query.bind(*id),
        }
    }
}

/// The reference communes, loaded once per import to resolve each place's commune.
struct CommuneIndex {
    centres: HashMap<String, (Option<f64>, Option<f64>)>,
    by_postal_and_name: HashMap<(String, String), String>,
    by_name: HashMap<String, Vec<String>>,
    by_postal: HashMap<String, Vec<String>>,
}

impl CommuneIndex {
    async fn load(connection: &mut AnyConnection) -> Result<CommuneIndex, StoreError> {
        let rows = sqlx::query(
            "SELECT code, search_name, postal_codes, longitude, latitude FROM communes",
        )
        .fetch_all(&mut *connection)
        .await?;
        let mut index = CommuneIndex {
            centres: HashMap::new(),
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
            index
                .centres
                .insert(code, (row.try_get("latitude")?, row.try_get("longitude")?));
        }
        Ok(index)
    }

    /// The INSEE code of the place's commune: its own code if current; else (a code from before a
    /// merger, or none) by postal code and name, by a name only one commune bears, or by a postal code
    /// only one commune uses.
    fn resolve(&self, place: &Place) -> Result<String, String> {
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

fn joined<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("|")
}

impl Store {
    /// Upserts places in a single transaction, keyed on their source (the place's own `source`, or
    /// `default_source`) and id: new keys are inserted, changed rows updated, identical rows left alone;
    /// a place whose commune cannot be resolved is rejected.
    pub async fn import_places(
        &self,
        default_source: &str,
        places: &[(u64, Place)],
        actor_account_id: Option<i64>,
        now: UnixSeconds,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<PlaceImportReport, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let batch = PlaceBatch {
            default_source,
            places,
            actor_account_id,
            now,
        };
        let report = upsert_places(&mut transaction, &batch, progress).await?;
        transaction.commit().await?;
        Ok(report)
    }

    /// What `import_places` would do, computed by doing it in a transaction that is then rolled back:
    /// nothing is written.
    pub async fn preview_import_places(
        &self,
        default_source: &str,
        places: &[(u64, Place)],
        now: UnixSeconds,
    ) -> Result<PlaceImportReport, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let batch = PlaceBatch {
            default_source,
            places,
            actor_account_id: None,
            now,
        };
        let report = upsert_places(&mut transaction, &batch, &|_, _| {}).await?;
        transaction.rollback().await?;
        Ok(report)
    }

    /// The places of the directory, all or those of a territory, by name, with their offers.
    pub async fn places(
        &self,
        territory: Option<&TerritoryScope>,
    ) -> Result<Vec<StoredPlace>, StoreError> {
        let filter = match territory {
            None => PlaceFilter::All,
            Some(TerritoryScope::Departement(code)) => PlaceFilter::Departement(code.clone()),
            Some(TerritoryScope::Epci(code)) => PlaceFilter::Epci(code.clone()),
        };
        self.places_where(&filter).await
    }

    /// The places whose position lies in a latitude/longitude box (a coarse first cut before the exact
    /// distance, which the domain computes), with their offers.
    pub async fn places_in_box(
        &self,
        (min_latitude, max_latitude): (f64, f64),
        (min_longitude, max_longitude): (f64, f64),
    ) -> Result<Vec<StoredPlace>, StoreError> {
        self.places_where(&PlaceFilter::Box(
            min_latitude,
            max_latitude,
            min_longitude,
            max_longitude,
        ))
        .await
    }

    /// The structure id of the place with this source and id, if imported.
    pub async fn place_id(&self, source: &str, source_id: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT id FROM structures WHERE source = $1 AND source_id = $2")
            .bind(source)
            .bind(source_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("id")).transpose()?)
    }

    /// One place of the directory, with its offers.
    pub async fn place(&self, structure_id: i64) -> Result<StoredPlace, StoreError> {
        self.places_where(&PlaceFilter::Id(structure_id))
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("lieu {structure_id}")))
    }

    /// The places a filter selects, by name, each with its offers (two queries, whatever the count).
    async fn places_where(&self, filter: &PlaceFilter) -> Result<Vec<StoredPlace>, StoreError> {
        let condition = filter.sql();
        let places_sql = format!(
            "SELECT s.id, s.source, s.commune_code, c.departement_code, c.epci_code, s.latitude, s.longitude,
                    s.place_json, s.support_model
             FROM structures s JOIN communes c ON c.code = s.commune_code
             WHERE s.place_json IS NOT NULL {condition} ORDER BY s.name, s.id"
        );
        let rows = filter
            .bind(sqlx::query(&places_sql))
            .fetch_all(&self.pool)
            .await?;
        let mut places = rows
            .iter()
            .map(stored_place)
            .collect::<Result<Vec<_>, _>>()?;
        let offers_sql = format!(
            "SELECT o.id, o.structure_id, o.offer_json FROM offers o
             WHERE o.structure_id IN (SELECT s.id FROM structures s JOIN communes c ON c.code = s.commune_code
                                      WHERE s.place_json IS NOT NULL {condition})
             ORDER BY o.structure_id, o.position"
        );
        let offer_rows = filter
            .bind(sqlx::query(&offers_sql))
            .fetch_all(&self.pool)
            .await?;
        let mut offers: HashMap<i64, Vec<(i64, Offer)>> = HashMap::new();
        for row in &offer_rows {
            let json: String = row.try_get("offer_json")?;
            let offer =
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            offers
                .entry(row.try_get("structure_id")?)
                .or_default()
                .push((row.try_get("id")?, offer));
        }
        for place in &mut places {
            let (ids, place_offers) = offers
                .remove(&place.structure_id)
                .unwrap_or_default()
                .into_iter()
                .unzip();
            place.offer_ids = ids;
            place.offers = place_offers;
        }
        Ok(places)
    }

    /// The centre of a commune, if known.
    pub async fn commune_centre(&self, code: &str) -> Result<Option<(f64, f64)>, StoreError> {
        let row = sqlx::query("SELECT latitude, longitude FROM communes WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let (latitude, longitude): (Option<f64>, Option<f64>) =
            (row.try_get("latitude")?, row.try_get("longitude")?);
        Ok(latitude.zip(longitude))
    }

    /// Saves a place edited by hand (standard fields and support model) and records who changed
    /// what, in one transaction.
    pub async fn update_place_by_hand(
        &self,
        structure_id: i64,
        place: &Place,
        support_model: Option<SupportModel>,
        change: (i64, &str),
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let (account_id, summary) = change;
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
        let mut transaction = self.pool.begin().await?;
        let result = sqlx::query(
            "UPDATE structures SET services = $1, audiences = $2, specific_support = $3, support_modes = $4,
                 costs = $5, place_json = $6, support_model = $7, updated_at = $8, updated_by = $9
             WHERE id = $10 AND place_json IS NOT NULL",
        )
        .bind(joined(&place.services))
        .bind(joined(&place.audiences))
        .bind(joined(&place.specific_support))
        .bind(joined(&place.support_modes))
        .bind(joined(&place.costs))
        .bind(serde_json::to_string(place).map_err(corrupt)?)
        .bind(support_model.map(SupportModel::label))
        .bind(now)
        .bind(account_id)
        .bind(structure_id)
        .execute(&mut *transaction)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("lieu {structure_id}")));
        }
        refresh_default_offer(&mut transaction, structure_id, place, Some(account_id), now).await?;
        sqlx::query("INSERT INTO structure_changes (structure_id, account_id, changed_at, summary) VALUES ($1, $2, $3, $4)")
            .bind(structure_id)
            .bind(account_id)
            .bind(now)
            .bind(summary)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The manual changes of a place, newest first.
    pub async fn place_changes(
        &self,
        structure_id: i64,
        limit: i64,
    ) -> Result<Vec<PlaceChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.changed_at, a.display_name, c.summary FROM structure_changes c
             LEFT JOIN accounts a ON a.id = c.account_id
             WHERE c.structure_id = $1 ORDER BY c.changed_at DESC, c.id DESC LIMIT $2",
        )
        .bind(structure_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PlaceChange {
                    changed_at: row.try_get("changed_at")?,
                    account_name: row.try_get("display_name")?,
                    summary: row.try_get("summary")?,
                })
            })
            .collect()
    }

    /// Sets the support model of a structure.
    pub async fn set_support_model(
        &self,
        structure_id: i64,
        model: Option<SupportModel>,
    ) -> Result<(), StoreError> {
        let result = sqlx::query("UPDATE structures SET support_model = $1 WHERE id = $2")
            .bind(model.map(SupportModel::label))
            .bind(structure_id)
            .execute(&self.pool)
            .await?;
        match result.rows_affected() {
            0 => Err(StoreError::NotFound(format!("structure {structure_id}"))),
            _ => Ok(()),
        }
    }
}

/// One import's places and where they come from.
struct PlaceBatch<'a> {
    default_source: &'a str,
    places: &'a [(u64, Place)],
    actor_account_id: Option<i64>,
    now: UnixSeconds,
}

/// Upserts a batch inside the caller's transaction (see `Store::import_places`).
async fn upsert_places(
    connection: &mut AnyConnection,
    batch: &PlaceBatch<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<PlaceImportReport, StoreError> {
    let communes = CommuneIndex::load(&mut *connection).await?;
    let existing = existing_places(&mut *connection).await?;
    let mut report = PlaceImportReport::default();
    let mut seen = std::collections::HashSet::new();
    let total = batch.places.len() as u64;
    for (done, (line, place)) in batch.places.iter().enumerate() {
        let source = place.source.as_deref().unwrap_or(batch.default_source);
        if !seen.insert((source, place.id.as_str())) {
            let reason = format!(
                "identifiant « {} » déjà présent plus haut dans le fichier",
                place.id
            );
            report.rejected.push(PlaceRejection {
                line: *line,
                id: place.id.clone(),
                field: "id".into(),
                reason,
            });
            continue;
        }
        let commune_code = match communes.resolve(place) {
            Ok(code) => code,
            Err(reason) => {
                let field = if place.insee_code.is_some() {
                    "code_insee"
                } else {
                    "commune"
                };
                report.rejected.push(PlaceRejection {
                    line: *line,
                    id: place.id.clone(),
                    field: field.into(),
                    reason,
                });
                continue;
            }
        };
        let place_json =
            serde_json::to_string(place).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let centre = communes
            .centres
            .get(&commune_code)
            .copied()
            .unwrap_or((None, None));
        let position = match (place.latitude, place.longitude) {
            (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
            _ => centre,
        };
        let row = PlaceRow {
            source,
            place,
            place_json: &place_json,
            commune_code: &commune_code,
            position,
            actor_account_id: batch.actor_account_id,
            now: batch.now,
        };
        match existing.get(&(source.to_owned(), place.id.clone())) {
            None => {
                insert_place(&mut *connection, &row).await?;
                report.inserted += 1;
            }
            Some((_, stored)) if stored.as_deref() == Some(place_json.as_str()) => {
                report.unchanged += 1
            }
            Some((id, _)) => {
                update_place(&mut *connection, *id, &row).await?;
                report.updated += 1;
            }
        }
        if done % 500 == 0 || done as u64 + 1 == total {
            progress(done as u64 + 1, total);
        }
    }
    Ok(report)
}

/// One place about to be written.
struct PlaceRow<'a> {
    source: &'a str,
    place: &'a Place,
    place_json: &'a str,
    commune_code: &'a str,
    position: (Option<f64>, Option<f64>),
    actor_account_id: Option<i64>,
    now: UnixSeconds,
}

impl PlaceRow<'_> {
    fn kind(&self) -> String {
        match self.place.typologies.as_slice() {
            [] => "Lieu de médiation numérique".to_owned(),
            codes => codes.join(", "),
        }
    }
}

/// The places already stored, by (source, id), with their stored JSON.
type ExistingPlaces = HashMap<(String, String), (i64, Option<String>)>;

async fn existing_places(connection: &mut AnyConnection) -> Result<ExistingPlaces, StoreError> {
    let rows = sqlx::query(
        "SELECT id, source, source_id, place_json FROM structures WHERE source IS NOT NULL",
    )
    .fetch_all(&mut *connection)
    .await?;
    let mut existing = HashMap::with_capacity(rows.len());
    for row in &rows {
        let source: String = row.try_get("source")?;
        let source_id: Option<String> = row.try_get("source_id")?;
        if let Some(source_id) = source_id {
            existing.insert(
                (source, source_id),
                (row.try_get("id")?, row.try_get("place_json")?),
            );
        }
    }
    Ok(existing)
}

async fn insert_place(
    connection: &mut AnyConnection,
    row: &PlaceRow<'_>,
) -> Result<(), StoreError> {
    let place = row.place;
    let inserted = sqlx::query(
        "INSERT INTO structures (name, kind, commune_code, created_at, source, source_id, pivot, latitude, longitude,
             services, audiences, specific_support, support_modes, costs, place_json, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $4, $16)
         RETURNING id",
    )
    .bind(&place.name)
    .bind(row.kind())
    .bind(row.commune_code)
    .bind(row.now)
    .bind(row.source)
    .bind(&place.id)
    .bind(&place.pivot)
    .bind(row.position.0)
    .bind(row.position.1)
    .bind(joined(&place.services))
    .bind(joined(&place.audiences))
    .bind(joined(&place.specific_support))
    .bind(joined(&place.support_modes))
    .bind(joined(&place.costs))
    .bind(row.place_json)
    .bind(row.actor_account_id)
    .fetch_one(&mut *connection)
    .await?;
    let id: i64 = inserted.try_get("id")?;
    insert_offer(
        connection,
        id,
        0,
        &Offer::mirroring(place),
        row.actor_account_id,
        row.now,
    )
    .await?;
    Ok(())
}

async fn update_place(
    connection: &mut AnyConnection,
    id: i64,
    row: &PlaceRow<'_>,
) -> Result<(), StoreError> {
    let place = row.place;
    sqlx::query(
        "UPDATE structures SET name = $1, kind = $2, commune_code = $3, pivot = $4, latitude = $5, longitude = $6,
             services = $7, audiences = $8, specific_support = $9, support_modes = $10, costs = $11,
             place_json = $12, updated_at = $13, updated_by = $14
         WHERE id = $15",
    )
    .bind(&place.name)
    .bind(row.kind())
    .bind(row.commune_code)
    .bind(&place.pivot)
    .bind(row.position.0)
    .bind(row.position.1)
    .bind(joined(&place.services))
    .bind(joined(&place.audiences))
    .bind(joined(&place.specific_support))
    .bind(joined(&place.support_modes))
    .bind(joined(&place.costs))
    .bind(row.place_json)
    .bind(row.now)
    .bind(row.actor_account_id)
    .bind(id)
    .execute(&mut *connection)
    .await?;
    refresh_default_offer(connection, id, place, row.actor_account_id, row.now).await?;
    Ok(())
}

fn stored_place(row: &AnyRow) -> Result<StoredPlace, StoreError> {
    let place_json: String = row.try_get("place_json")?;
    let support_model: Option<String> = row.try_get("support_model")?;
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    Ok(StoredPlace {
        structure_id: row.try_get("id")?,
        source: row.try_get("source")?,
        commune_code: row.try_get("commune_code")?,
        departement_code: row.try_get("departement_code")?,
        epci_code: row.try_get("epci_code")?,
        latitude: row.try_get("latitude")?,
        longitude: row.try_get("longitude")?,
        place: serde_json::from_str(&place_json).map_err(corrupt)?,
        support_model: support_model.as_deref().and_then(SupportModel::from_label),
        offers: Vec::new(),
        offer_ids: Vec::new(),
    })
}
