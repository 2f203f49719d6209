//! The directory in storage: places of the national standard upserted on (source, id) in one
//! transaction, with the commune resolved from the reference data, and read back for search and export.
//! An import writes only the places its author may write ([`PlaceRights`], decided by the caller's
//! policy and asked inside the writing transaction), and records every creation and update in
//! `structure_changes`, like an edit by hand.

use crate::bulk::{insert_rows, Param};
use crate::commune_index::{CommuneIndex, PlacementRule};
use crate::hand_fields::{
    all_marks, keep_hand_fields, mark_hand_fields, settle_import, FieldOutcome, ImportConflict,
    Marks,
};
use crate::offers::{default_offer_row, refresh_default_offer};

use crate::{Backend, Store, StoreError};
use aiguillage_domain::directory::{Offer, Place, SupportModel};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use aiguillage_interop::places_standard::changed_fields;
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

/// A row placed in its commune by a looser rule than its name as written: which commune, by which
/// rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlacementNote {
    pub line: u64,
    pub id: String,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PlaceImportReport {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<PlaceRejection>,
    /// The rows placed by a rule looser than their name as written.
    pub placements: Vec<PlacementNote>,
    /// How many rows each rule placed.
    pub placed_by_rule: std::collections::BTreeMap<PlacementRule, u64>,
    /// The fields corrected by hand whose file value differs: the hand value was kept (a row whose
    /// only differences are such fields counts as unchanged), the conflict left open.
    pub conflicts: Vec<ImportConflict>,
}

/// Where a place an import would write lies: its structure (`None` for a place the import would
/// create) and the territory of its commune.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceSite<'a> {
    pub structure_id: Option<i64>,
    pub departement_code: &'a str,
    pub epci_code: Option<&'a str>,
}

/// The check an import or an edit asks for each place it would write.
pub type PlaceCheck<'a> = &'a (dyn Fn(PlaceSite<'_>) -> bool + Sync);

/// Which places an import or an edit may write.
#[derive(Clone, Copy)]
pub enum PlaceRights<'a> {
    /// Every place: the operator's command line.
    Everything,
    /// The places the check accepts, asked for an existing place both where it is stored and where
    /// the file puts it, and for a new place where the file puts it.
    Checked(PlaceCheck<'a>),
}

/// Who runs an import: the rights it has, and how the change record names it.
#[derive(Clone, Copy)]
pub struct ImportAuthor<'a> {
    /// The account, or `None` for the command line.
    pub account_id: Option<i64>,
    /// The start of each change record, e.g. « Import web du fichier « lieux.csv » ».
    pub origin: &'a str,
    pub rights: PlaceRights<'a>,
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

fn joined<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("|")
}

/// Refuses, inside the caller's transaction, a change to the place of `structure_id` that `rights`
/// do not cover (`OutOfScope`), or to a place that does not exist (`NotFound`).
pub(crate) async fn check_place_rights(
    connection: &mut AnyConnection,
    structure_id: i64,
    rights: PlaceRights<'_>,
) -> Result<(), StoreError> {
    let PlaceRights::Checked(may_write) = rights else {
        return Ok(());
    };
    let row = sqlx::query(
        "SELECT c.departement_code, c.epci_code FROM structures s JOIN communes c ON c.code = s.commune_code
         WHERE s.id = $1",
    )
    .bind(structure_id)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("lieu {structure_id}")))?;
    let (departement_code, epci_code): (String, Option<String>) =
        (row.try_get("departement_code")?, row.try_get("epci_code")?);
    let site = PlaceSite {
        structure_id: Some(structure_id),
        departement_code: &departement_code,
        epci_code: epci_code.as_deref(),
    };
    if may_write(site) {
        Ok(())
    } else {
        Err(StoreError::OutOfScope(format!("lieu {structure_id}")))
    }
}

impl Store {
    /// Upserts places without any restriction (the operator's tools and the demonstration data),
    /// each change recorded as « Import » by `actor_account_id` (none: the command line). See
    /// [`Store::import_places_by`].
    pub async fn import_places(
        &self,
        default_source: &str,
        places: &[(u64, Place)],
        actor_account_id: Option<i64>,
        now: UnixSeconds,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<PlaceImportReport, StoreError> {
        let author = ImportAuthor {
            account_id: actor_account_id,
            origin: "Import",
            rights: PlaceRights::Everything,
        };
        self.import_places_by(default_source, places, &author, now, progress)
            .await
    }

    /// Upserts places in a single transaction, keyed on their source (the place's own `source`, or
    /// `default_source`) and id: new keys are inserted, changed rows updated, identical rows left alone;
    /// a place whose commune cannot be resolved, or that the author may not write, is rejected and
    /// left unchanged. The rights are asked inside the transaction, on the places as they are then
    /// stored, and each creation and update is recorded in `structure_changes`.
    pub async fn import_places_by(
        &self,
        default_source: &str,
        places: &[(u64, Place)],
        author: &ImportAuthor<'_>,
        now: UnixSeconds,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<PlaceImportReport, StoreError> {
        let mut transaction = self.begin_write().await?;
        let batch = PlaceBatch {
            backend: self.backend,
            default_source,
            places,
            author,
            now,
        };
        let report = upsert_places(&mut transaction, &batch, progress).await?;
        transaction.commit().await?;
        Ok(report)
    }

    /// What `import_places_by` would do, computed by doing it in a transaction that is then rolled
    /// back: nothing is written.
    pub async fn preview_import_places(
        &self,
        default_source: &str,
        places: &[(u64, Place)],
        author: &ImportAuthor<'_>,
        now: UnixSeconds,
    ) -> Result<PlaceImportReport, StoreError> {
        let mut transaction = self.begin_write().await?;
        let batch = PlaceBatch {
            backend: self.backend,
            default_source,
            places,
            author,
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
        let mut connection = self.pool.acquire().await?;
        places_where_in(&mut connection, filter).await
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
    /// what, in one transaction; each standard field it changes is marked as corrected by hand
    /// (kept at the next imports, `hand_fields`).
    pub async fn update_place_by_hand(
        &self,
        structure_id: i64,
        place: &Place,
        support_model: Option<SupportModel>,
        change: (i64, &str),
        rights: PlaceRights<'_>,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let (account_id, summary) = change;
        let mut transaction = self.begin_write().await?;
        check_place_rights(&mut transaction, structure_id, rights).await?;
        let before = place_in(&mut transaction, structure_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("lieu {structure_id}")))?;
        let author = (account_id, now);
        write_hand_place(&mut transaction, structure_id, place, support_model, author).await?;
        let edit = (&before.place, place);
        mark_hand_fields(&mut transaction, structure_id, edit, account_id, now).await?;
        let change = (Some(account_id), summary);
        record_place_change(&mut transaction, structure_id, change, now).await?;
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
            .bind(model.map(SupportModel::code))
            .bind(structure_id)
            .execute(&self.pool)
            .await?;
        match result.rows_affected() {
            0 => Err(StoreError::NotFound(format!("structure {structure_id}"))),
            _ => Ok(()),
        }
    }
}

/// Writes a place's standard fields and support model as a hand edit does (the JSON, the columns
/// search filters on, the default offer), dated and signed by `account_id`.
pub(crate) async fn write_hand_place(
    connection: &mut AnyConnection,
    structure_id: i64,
    place: &Place,
    support_model: Option<SupportModel>,
    (account_id, now): (i64, UnixSeconds),
) -> Result<(), StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
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
    .bind(support_model.map(SupportModel::code))
    .bind(now)
    .bind(account_id)
    .bind(structure_id)
    .execute(&mut *connection)
    .await?;
    if result.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("lieu {structure_id}")));
    }
    refresh_default_offer(connection, structure_id, place, Some(account_id), now).await
}

/// Records a change of a place: by whom (`None`: the command line) and what, in French.
pub(crate) async fn record_place_change(
    connection: &mut AnyConnection,
    structure_id: i64,
    (account_id, summary): (Option<i64>, &str),
    now: UnixSeconds,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO structure_changes (structure_id, account_id, changed_at, summary)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(structure_id)
    .bind(account_id)
    .bind(now)
    .bind(summary)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// One import's places, where they come from and who imports them.
struct PlaceBatch<'a> {
    backend: Backend,
    default_source: &'a str,
    places: &'a [(u64, Place)],
    author: &'a ImportAuthor<'a>,
    now: UnixSeconds,
}

/// Why the author may not write this place (a French sentence naming the line and the place), or
/// `None` when they may.
fn refusal(
    rights: PlaceRights<'_>,
    (line, place): (u64, &Place),
    stored: Option<&ExistingPlace>,
    communes: &CommuneIndex,
    commune_code: &str,
) -> Option<String> {
    let PlaceRights::Checked(may_write) = rights else {
        return None;
    };
    let target = communes.site(stored.map(|s| s.id), commune_code);
    let Some(stored) = stored else {
        return (!may_write(target)).then(|| {
            format!(
                "ligne {line} : le lieu « {} » ne peut pas être ajouté : sa commune, {} ({}), est hors de votre territoire",
                place.name, place.commune, place.postal_code
            )
        });
    };
    if !may_write(communes.site(Some(stored.id), &stored.commune_code)) {
        return Some(format!(
            "ligne {line} : vous ne pouvez pas modifier le lieu « {} » : il n'est pas dans votre territoire ; il reste inchangé",
            stored.name
        ));
    }
    (!may_write(target)).then(|| {
        format!(
            "ligne {line} : vous ne pouvez pas modifier le lieu « {} » : le fichier le place à {} ({}), hors de votre territoire ; il reste inchangé",
            stored.name, place.commune, place.postal_code
        )
    })
}

/// The change record of an update: the standard's fields that differ.
fn update_summary(origin: &str, stored: &ExistingPlace, place: &Place) -> String {
    let before: Option<Place> = stored
        .place_json
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok());
    match before.map(|before| changed_fields(&before, place)) {
        Some(fields) if !fields.is_empty() => {
            format!("{origin} : lieu modifié : {}", fields.join(", "))
        }
        _ => format!("{origin} : lieu modifié"),
    }
}

/// Upserts a batch inside the caller's transaction (see `Store::import_places`).
async fn upsert_places(
    connection: &mut AnyConnection,
    batch: &PlaceBatch<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<PlaceImportReport, StoreError> {
    let communes = CommuneIndex::load(&mut *connection).await?;
    let existing = existing_places(&mut *connection).await?;
    let marks = all_marks(&mut *connection).await?;
    let mut report = PlaceImportReport::default();
    let mut seen = std::collections::HashSet::new();
    let mut additions = Vec::new();
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
            Ok(placement) => {
                note_placement(&mut report, (*line, place), &placement, &communes);
                placement.code
            }
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
        let stored = existing.get(&(source.to_owned(), place.id.clone()));
        let author = batch.author;
        if let Some(reason) = refusal(
            author.rights,
            (*line, place),
            stored,
            &communes,
            &commune_code,
        ) {
            report.rejected.push(PlaceRejection {
                line: *line,
                id: place.id.clone(),
                field: "territoire".into(),
                reason,
            });
            continue;
        }
        let Some(stored) = stored else {
            // A new place: written with the batch's other new places once the loop is done.
            additions.push(new_place((source, place), commune_code, &communes)?);
            continue;
        };
        let kept = with_hand_fields(Some(stored), place, &marks)?;
        let (place, outcomes) = match &kept {
            Some((kept, outcomes)) => (kept, outcomes.as_slice()),
            None => (place, &[][..]),
        };
        let place_json =
            serde_json::to_string(place).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let position = position_of(place, &commune_code, &communes);
        let row = PlaceRow {
            place,
            place_json: &place_json,
            commune_code: &commune_code,
            position,
            actor_account_id: author.account_id,
            now: batch.now,
        };
        if !write_existing(&mut *connection, (*line, stored), &row, batch, &mut report).await? {
            continue;
        }
        settle_import(
            &mut *connection,
            stored.id,
            outcomes,
            author.origin,
            batch.now,
        )
        .await?;
        report
            .conflicts
            .extend(conflicts_of((*line, stored), outcomes));
        if done % 500 == 0 || done as u64 + 1 == total {
            progress(done as u64 + 1, total);
        }
    }
    insert_new_places(&mut *connection, &additions, batch).await?;
    report.inserted += additions.len() as u64;
    progress(total, total);
    Ok(report)
}

/// Where a place is: its own coordinates, else its commune's centre.
fn position_of(
    place: &Place,
    commune_code: &str,
    communes: &CommuneIndex,
) -> (Option<f64>, Option<f64>) {
    match (place.latitude, place.longitude) {
        (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
        _ => communes.centre(commune_code),
    }
}

/// A place the import adds, held until the batch's new places are written together.
struct NewPlace<'a> {
    source: &'a str,
    place: &'a Place,
    place_json: String,
    commune_code: String,
    position: (Option<f64>, Option<f64>),
}

/// The row of a new place: its JSON, its commune, and its position (its own, or its commune's centre).
fn new_place<'a>(
    (source, place): (&'a str, &'a Place),
    commune_code: String,
    communes: &CommuneIndex,
) -> Result<NewPlace<'a>, StoreError> {
    let place_json =
        serde_json::to_string(place).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let position = position_of(place, &commune_code, communes);
    Ok(NewPlace {
        source,
        place,
        place_json,
        commune_code,
        position,
    })
}

/// Writes the new places of an import, many rows per statement: each structure, its default offer
/// (mirroring the place's lists) and the change « lieu ajouté » of its history.
async fn insert_new_places(
    connection: &mut AnyConnection,
    additions: &[NewPlace<'_>],
    batch: &PlaceBatch<'_>,
) -> Result<(), StoreError> {
    if additions.is_empty() {
        return Ok(());
    }
    let backend = batch.backend;
    let (author, now) = (batch.author.account_id, batch.now);
    let mut params = Vec::with_capacity(additions.len() * 17);
    for new in additions {
        let place = new.place;
        params.extend([
            Param::Text(&place.name),
            Param::Owned(kind_of(place)),
            Param::Text(&new.commune_code),
            Param::Int(now),
            Param::Text(new.source),
            Param::Text(&place.id),
            Param::Text(&place.pivot),
            Param::OptReal(new.position.0),
            Param::OptReal(new.position.1),
            Param::Owned(joined(&place.services)),
            Param::Owned(joined(&place.audiences)),
            Param::Owned(joined(&place.specific_support)),
            Param::Owned(joined(&place.support_modes)),
            Param::Owned(joined(&place.costs)),
            Param::Text(&new.place_json),
            Param::Int(now),
            Param::OptInt(author),
        ]);
    }
    let target = "structures (name, kind, commune_code, created_at, source, source_id, pivot, latitude,
        longitude, services, audiences, specific_support, support_modes, costs, place_json, updated_at,
        updated_by)";
    let ids = insert_rows(connection, backend, target, 17, &params, true).await?;
    let mut offers = Vec::with_capacity(additions.len() * 11);
    for (id, new) in ids.iter().zip(additions) {
        offers.extend(default_offer_row(*id, new.place, (author, now))?);
    }
    let target = "offers (structure_id, position, name, services, audiences, specific_support,
        support_modes, costs, offer_json, updated_at, updated_by)";
    insert_rows(connection, backend, target, 11, &offers, false).await?;
    let summary = format!("{} : lieu ajouté", batch.author.origin);
    let changes: Vec<Param> = ids
        .iter()
        .flat_map(|id| {
            [
                Param::Int(*id),
                Param::OptInt(author),
                Param::Int(now),
                Param::Text(&summary),
            ]
        })
        .collect();
    let target = "structure_changes (structure_id, account_id, changed_at, summary)";
    insert_rows(connection, backend, target, 4, &changes, false).await?;
    Ok(())
}

/// Updates a stored place from its row, or leaves it alone when nothing differs; `false` (the row
/// rejected in the report) when the place moved during the import.
async fn write_existing(
    connection: &mut AnyConnection,
    (line, stored): (u64, &ExistingPlace),
    row: &PlaceRow<'_>,
    batch: &PlaceBatch<'_>,
    report: &mut PlaceImportReport,
) -> Result<bool, StoreError> {
    if stored.place_json.as_deref() == Some(row.place_json) {
        report.unchanged += 1;
        return Ok(true);
    }
    if !update_place(&mut *connection, stored, row).await? {
        report.rejected.push(PlaceRejection {
            line,
            id: row.place.id.clone(),
            field: "territoire".into(),
            reason: format!(
                "ligne {line} : le lieu « {} » a été déplacé pendant l'import : envoyez le fichier à nouveau",
                stored.name
            ),
        });
        return Ok(false);
    }
    let summary = update_summary(batch.author.origin, stored, row.place);
    let change = (batch.author.account_id, summary.as_str());
    record_place_change(&mut *connection, stored.id, change, batch.now).await?;
    report.updated += 1;
    Ok(true)
}

/// The row's place with the fields corrected by hand on the stored place kept, and what becomes
/// of each mark; `None` when the place is new or has no mark.
fn with_hand_fields(
    stored: Option<&ExistingPlace>,
    place: &Place,
    marks: &Marks,
) -> Result<Option<(Place, Vec<FieldOutcome>)>, StoreError> {
    let Some((stored, marks)) = stored.and_then(|s| Some((s, marks.get(&s.id)?))) else {
        return Ok(None);
    };
    let json = stored.place_json.as_deref().unwrap_or_default();
    let before: Place = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("lieu {} : {e}", stored.id)))?;
    Ok(Some(keep_hand_fields(&before, place, marks)))
}

/// The report's lines of the conflicts a row left open.
fn conflicts_of(
    (line, stored): (u64, &ExistingPlace),
    outcomes: &[FieldOutcome],
) -> Vec<ImportConflict> {
    outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            FieldOutcome::Conflict {
                field,
                hand_value,
                file_value,
            } => Some(ImportConflict {
                line,
                id: stored.source_id.clone(),
                structure_id: stored.id,
                place_name: stored.name.clone(),
                field: field.clone(),
                hand_value: hand_value.clone(),
                file_value: file_value.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Counts the rule that placed a row, and notes it on the row when it is a loose one.
fn note_placement(
    report: &mut PlaceImportReport,
    (line, place): (u64, &Place),
    placement: &crate::commune_index::Placement,
    communes: &CommuneIndex,
) {
    *report.placed_by_rule.entry(placement.rule).or_default() += 1;
    if placement.rule.is_reported() {
        report.placements.push(PlacementNote {
            line,
            id: place.id.clone(),
            message: format!(
                "commune « {} » ({}) rattachée à {} ({}) : {}",
                place.commune,
                place.postal_code,
                communes.name(&placement.code),
                placement.code,
                placement.rule.label()
            ),
        });
    }
}

/// One place about to be written.
struct PlaceRow<'a> {
    place: &'a Place,
    place_json: &'a str,
    commune_code: &'a str,
    position: (Option<f64>, Option<f64>),
    actor_account_id: Option<i64>,
    now: UnixSeconds,
}

impl PlaceRow<'_> {
    fn kind(&self) -> String {
        kind_of(self.place)
    }
}

/// The structure's kind: the place's typologies, or « Lieu de médiation numérique ».
fn kind_of(place: &Place) -> String {
    match place.typologies.as_slice() {
        [] => "Lieu de médiation numérique".to_owned(),
        codes => codes.join(", "),
    }
}

/// A place already stored: its id, name, commune and stored JSON.
struct ExistingPlace {
    id: i64,
    source_id: String,
    name: String,
    commune_code: String,
    place_json: Option<String>,
}

/// The places already stored, by (source, id).
type ExistingPlaces = HashMap<(String, String), ExistingPlace>;

async fn existing_places(connection: &mut AnyConnection) -> Result<ExistingPlaces, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, commune_code, source, source_id, place_json FROM structures
         WHERE source IS NOT NULL",
    )
    .fetch_all(&mut *connection)
    .await?;
    let mut existing = HashMap::with_capacity(rows.len());
    for row in &rows {
        let source: String = row.try_get("source")?;
        let source_id: Option<String> = row.try_get("source_id")?;
        if let Some(source_id) = source_id {
            let place = ExistingPlace {
                id: row.try_get("id")?,
                source_id: source_id.clone(),
                name: row.try_get("name")?,
                commune_code: row.try_get("commune_code")?,
                place_json: row.try_get("place_json")?,
            };
            existing.insert((source, source_id), place);
        }
    }
    Ok(existing)
}

/// Updates a stored place, only if it is still in the commune its rights were checked on; returns
/// whether it was.
async fn update_place(
    connection: &mut AnyConnection,
    stored: &ExistingPlace,
    row: &PlaceRow<'_>,
) -> Result<bool, StoreError> {
    let place = row.place;
    let result = sqlx::query(
        "UPDATE structures SET name = $1, kind = $2, commune_code = $3, pivot = $4, latitude = $5, longitude = $6,
             services = $7, audiences = $8, specific_support = $9, support_modes = $10, costs = $11,
             place_json = $12, updated_at = $13, updated_by = $14
         WHERE id = $15 AND commune_code = $16",
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
    .bind(stored.id)
    .bind(&stored.commune_code)
    .execute(&mut *connection)
    .await?;
    if result.rows_affected() == 0 {
        return Ok(false);
    }
    refresh_default_offer(connection, stored.id, place, row.actor_account_id, row.now).await?;
    Ok(true)
}

/// The places a filter selects, with their offers, read on the caller's connection (inside its
/// transaction when it holds one).
async fn places_where_in(
    connection: &mut AnyConnection,
    filter: &PlaceFilter,
) -> Result<Vec<StoredPlace>, StoreError> {
    let condition = filter.sql();
    let places_sql = format!(
        "SELECT s.id, s.source, s.commune_code, c.departement_code, c.epci_code, s.latitude, s.longitude,
                s.place_json, s.support_model
         FROM structures s JOIN communes c ON c.code = s.commune_code
         WHERE s.place_json IS NOT NULL {condition} ORDER BY s.name, s.id"
    );
    let rows = filter
        .bind(sqlx::query(&places_sql))
        .fetch_all(&mut *connection)
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
        .fetch_all(&mut *connection)
        .await?;
    let mut offers: HashMap<i64, Vec<(i64, Offer)>> = HashMap::new();
    for row in &offer_rows {
        let json: String = row.try_get("offer_json")?;
        let offer = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
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

/// One place of the directory with its offers, read inside the caller's transaction; `None` when no
/// place has this structure id.
pub(crate) async fn place_in(
    connection: &mut AnyConnection,
    structure_id: i64,
) -> Result<Option<StoredPlace>, StoreError> {
    Ok(places_where_in(connection, &PlaceFilter::Id(structure_id))
        .await?
        .into_iter()
        .next())
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
        support_model: support_model.as_deref().and_then(SupportModel::from_code),
        offers: Vec::new(),
        offer_ids: Vec::new(),
    })
}
