//! The offers of a structure: the default one an import creates and keeps in line with the place's
//! lists, and the ones managers add or refine; each change is dated and attributed.

use crate::bulk::Param;
use crate::directory::{check_place_rights, PlaceRights};
use crate::{Store, StoreError};
use aiguillage_domain::directory::{Offer, Place};
use aiguillage_domain::UnixSeconds;
use sqlx::{AnyConnection, Row};

/// A stored offer with its identifier and position in its structure.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOffer {
    pub id: i64,
    pub position: i64,
    pub offer: Offer,
}

fn joined<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("|")
}

fn offer_json(offer: &Offer) -> Result<String, StoreError> {
    serde_json::to_string(offer).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Inserts an offer at `position` of a structure.
pub(crate) async fn insert_offer(
    connection: &mut AnyConnection,
    structure_id: i64,
    position: i64,
    offer: &Offer,
    actor_account_id: Option<i64>,
    now: UnixSeconds,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO offers (structure_id, position, name, services, audiences, specific_support, support_modes,
             costs, offer_json, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(structure_id)
    .bind(position)
    .bind(&offer.name)
    .bind(joined(&offer.services))
    .bind(joined(&offer.audiences))
    .bind(joined(&offer.specific_support))
    .bind(joined(&offer.support_modes))
    .bind(joined(&offer.costs))
    .bind(offer_json(offer)?)
    .bind(now)
    .bind(actor_account_id)
    .fetch_one(&mut *connection)
    .await?;
    Ok(row.try_get("id")?)
}

/// The values of a new place's default offer (position 0, mirroring the place's lists) in the
/// column order of [`insert_offer`], for a multi-row insert.
pub(crate) fn default_offer_row(
    structure_id: i64,
    place: &Place,
    (actor_account_id, now): (Option<i64>, UnixSeconds),
) -> Result<[Param<'static>; 11], StoreError> {
    let offer = Offer::mirroring(place);
    Ok([
        Param::Int(structure_id),
        Param::Int(0),
        Param::Owned(offer.name.clone()),
        Param::Owned(joined(&offer.services)),
        Param::Owned(joined(&offer.audiences)),
        Param::Owned(joined(&offer.specific_support)),
        Param::Owned(joined(&offer.support_modes)),
        Param::Owned(joined(&offer.costs)),
        Param::Owned(offer_json(&offer)?),
        Param::Int(now),
        Param::OptInt(actor_account_id),
    ])
}

async fn update_offer(
    connection: &mut AnyConnection,
    offer_id: i64,
    offer: &Offer,
    actor_account_id: Option<i64>,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE offers SET name = $1, services = $2, audiences = $3, specific_support = $4, support_modes = $5,
             costs = $6, offer_json = $7, updated_at = $8, updated_by = $9 WHERE id = $10",
    )
    .bind(&offer.name)
    .bind(joined(&offer.services))
    .bind(joined(&offer.audiences))
    .bind(joined(&offer.specific_support))
    .bind(joined(&offer.support_modes))
    .bind(joined(&offer.costs))
    .bind(offer_json(offer)?)
    .bind(now)
    .bind(actor_account_id)
    .bind(offer_id)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Brings the default offer (position 0) in line with the place's lists, keeping its name and facts;
/// creates it if missing.
pub(crate) async fn refresh_default_offer(
    connection: &mut AnyConnection,
    structure_id: i64,
    place: &Place,
    actor_account_id: Option<i64>,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    let row =
        sqlx::query("SELECT id, offer_json FROM offers WHERE structure_id = $1 AND position = 0")
            .bind(structure_id)
            .fetch_optional(&mut *connection)
            .await?;
    let Some(row) = row else {
        insert_offer(
            connection,
            structure_id,
            0,
            &Offer::mirroring(place),
            actor_account_id,
            now,
        )
        .await?;
        return Ok(());
    };
    let json: String = row.try_get("offer_json")?;
    let stored: Offer =
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let refreshed = stored.clone().with_lists_of(place);
    if refreshed != stored {
        update_offer(
            connection,
            row.try_get("id")?,
            &refreshed,
            actor_account_id,
            now,
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// The offers of a structure, in order.
    pub async fn offers_of(&self, structure_id: i64) -> Result<Vec<StoredOffer>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, position, offer_json FROM offers WHERE structure_id = $1 ORDER BY position",
        )
        .bind(structure_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let json: String = row.try_get("offer_json")?;
                Ok(StoredOffer {
                    id: row.try_get("id")?,
                    position: row.try_get("position")?,
                    offer: serde_json::from_str(&json)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }

    /// Creates (`offer_id` None) or updates an offer of a structure, and records the change when an
    /// account makes it; returns the offer's id. An offer of another structure is `NotFound`.
    pub async fn save_offer(
        &self,
        structure_id: i64,
        offer_id: Option<i64>,
        offer: &Offer,
        change: Option<(i64, &str)>,
        rights: PlaceRights<'_>,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        let actor = change.map(|(account_id, _)| account_id);
        let mut transaction = self.begin_write().await?;
        check_place_rights(&mut transaction, structure_id, rights).await?;
        let id = match offer_id {
            Some(id) => {
                let owner = sqlx::query("SELECT structure_id FROM offers WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *transaction)
                    .await?
                    .map(|row| row.try_get::<i64, _>("structure_id"))
                    .transpose()?;
                if owner != Some(structure_id) {
                    return Err(StoreError::NotFound(format!("offre {id}")));
                }
                update_offer(&mut transaction, id, offer, actor, now).await?;
                id
            }
            None => {
                let next = sqlx::query("SELECT COALESCE(MAX(position), -1) + 1 AS next FROM offers WHERE structure_id = $1")
                    .bind(structure_id)
                    .fetch_one(&mut *transaction)
                    .await?;
                insert_offer(
                    &mut transaction,
                    structure_id,
                    next.try_get("next")?,
                    offer,
                    actor,
                    now,
                )
                .await?
            }
        };
        if let Some((account_id, summary)) = change {
            sqlx::query(
                "INSERT INTO structure_changes (structure_id, account_id, changed_at, summary) VALUES ($1, $2, $3, $4)",
            )
            .bind(structure_id)
            .bind(account_id)
            .bind(now)
            .bind(summary)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(id)
    }
}
