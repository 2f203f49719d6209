//! A territory's settings, set by its coordinator: the target delays of the queue and the weights of
//! the ranking criteria (the defaults until set); and the instance's named secrets (the pseudonym key).

use crate::{Store, StoreError};
use aiguillage_domain::orientation::{TargetDelays, Weights};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use rand::RngCore;
use sqlx::Row;

impl Store {
    /// The territory's target delays and ranking weights (the defaults until a coordinator sets them).
    pub async fn territory_settings(
        &self,
        scope: &TerritoryScope,
    ) -> Result<(TargetDelays, Weights), StoreError> {
        let row = sqlx::query(
            "SELECT answer_days, first_contact_days, weights_json FROM territory_settings
             WHERE scope_kind = $1 AND scope_code = $2",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok((TargetDelays::default(), Weights::default()));
        };
        let answer: i64 = row.try_get("answer_days")?;
        let contact: i64 = row.try_get("first_contact_days")?;
        let weights: String = row.try_get("weights_json")?;
        Ok((
            TargetDelays {
                answer_days: u32::try_from(answer).unwrap_or(u32::MAX),
                first_contact_days: u32::try_from(contact).unwrap_or(u32::MAX),
            },
            serde_json::from_str(&weights).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        ))
    }

    /// The settings that apply to a commune: its EPCI's if a coordinator set them, else its
    /// département's, else the defaults.
    pub async fn settings_for_commune(
        &self,
        commune_code: &str,
    ) -> Result<(TargetDelays, Weights), StoreError> {
        let row = sqlx::query("SELECT epci_code, departement_code FROM communes WHERE code = $1")
            .bind(commune_code)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok((TargetDelays::default(), Weights::default()));
        };
        let epci: Option<String> = row.try_get("epci_code")?;
        let departement: String = row.try_get("departement_code")?;
        let scopes = epci
            .map(TerritoryScope::Epci)
            .into_iter()
            .chain([TerritoryScope::Departement(departement)]);
        for scope in scopes {
            if self.has_territory_settings(&scope).await? {
                return self.territory_settings(&scope).await;
            }
        }
        Ok((TargetDelays::default(), Weights::default()))
    }

    /// Whether a coordinator set this territory's settings.
    pub async fn has_territory_settings(&self, scope: &TerritoryScope) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM territory_settings WHERE scope_kind = $1 AND scope_code = $2",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Saves the territory's settings.
    pub async fn save_territory_settings(
        &self,
        scope: &TerritoryScope,
        (delays, weights): (&TargetDelays, &Weights),
        account_id: i64,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let weights =
            serde_json::to_string(weights).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO territory_settings (scope_kind, scope_code, answer_days, first_contact_days, weights_json,
                 updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (scope_kind, scope_code) DO UPDATE SET answer_days = $3, first_contact_days = $4,
                 weights_json = $5, updated_at = $6, updated_by = $7",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .bind(i64::from(delays.answer_days))
        .bind(i64::from(delays.first_contact_days))
        .bind(weights)
        .bind(now)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The instance's secret of this name, generated (32 random bytes) the first time.
    pub async fn instance_key(&self, name: &str) -> Result<String, StoreError> {
        let mut bytes = [0_u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        sqlx::query(
            "INSERT INTO instance_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT value FROM instance_keys WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }
}
