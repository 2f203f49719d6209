//! Local indicator values a coordinator uploads for the communes of their territory (for instance a
//! benefits office's share of followed households): an upload replaces, for that territory, every
//! indicator it carries, in one transaction; values for communes outside the territory are reported
//! and not stored. Read back as `domain::fragility::Observations` for the index page.

use crate::error::StoreError;
use crate::Store;
use aiguillage_domain::fragility::Observations;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::Row;
use std::collections::BTreeSet;

/// What an upload stored, and the values left out because their commune is elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalIndicatorReport {
    pub stored: usize,
    pub indicators: Vec<String>,
    pub outside: Vec<(String, String)>,
}

impl Store {
    /// Stores the territory's values of each indicator of `observations`, replacing the previous
    /// values of those indicators, with the way each reads (`lower_is_worse` names those whose low
    /// values mark fragile communes); nothing is stored when no value falls inside the territory.
    pub async fn save_local_indicators(
        &self,
        scope: &TerritoryScope,
        (observations, lower_is_worse): (&Observations, &BTreeSet<String>),
        account_id: Option<i64>,
        now: UnixSeconds,
    ) -> Result<LocalIndicatorReport, StoreError> {
        let inside: BTreeSet<String> = self
            .communes_in(scope)
            .await?
            .into_iter()
            .map(|c| c.code)
            .collect();
        let mut outside = Vec::new();
        let mut kept: Vec<(&str, &str, f64)> = Vec::new();
        for (indicator, values) in observations {
            for (code, value) in values {
                if inside.contains(code) {
                    kept.push((indicator, code, *value));
                } else {
                    outside.push((indicator.clone(), code.clone()));
                }
            }
        }
        let indicators: BTreeSet<&str> = kept.iter().map(|(i, _, _)| *i).collect();
        if kept.is_empty() {
            return Ok(LocalIndicatorReport {
                stored: 0,
                indicators: Vec::new(),
                outside,
            });
        }
        let mut transaction = self.begin_write().await?;
        for indicator in &indicators {
            for table in ["local_indicators", "local_indicator_directions"] {
                let sql = format!(
                    "DELETE FROM {table} WHERE territory_kind = $1 AND territory_code = $2 AND indicator = $3"
                );
                sqlx::query(&sql)
                    .bind(scope.kind_code())
                    .bind(scope.code())
                    .bind(*indicator)
                    .execute(&mut *transaction)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO local_indicator_directions (territory_kind, territory_code, indicator, lower_is_worse)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(scope.kind_code())
            .bind(scope.code())
            .bind(*indicator)
            .bind(i64::from(lower_is_worse.contains(*indicator)))
            .execute(&mut *transaction)
            .await?;
        }
        for (indicator, code, value) in &kept {
            sqlx::query(
                "INSERT INTO local_indicators (territory_kind, territory_code, indicator, commune_code, value, uploaded_at, uploaded_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(scope.kind_code())
            .bind(scope.code())
            .bind(*indicator)
            .bind(*code)
            .bind(*value)
            .bind(now)
            .bind(account_id)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(LocalIndicatorReport {
            stored: kept.len(),
            indicators: indicators.into_iter().map(str::to_owned).collect(),
            outside,
        })
    }

    /// The territory's uploaded values, by indicator.
    pub async fn local_indicators(
        &self,
        scope: &TerritoryScope,
    ) -> Result<Observations, StoreError> {
        let rows = sqlx::query(
            "SELECT indicator, commune_code, value FROM local_indicators
             WHERE territory_kind = $1 AND territory_code = $2",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .fetch_all(&self.pool)
        .await?;
        let mut observations = Observations::new();
        for row in rows {
            let indicator: String = row.try_get("indicator")?;
            let code: String = row.try_get("commune_code")?;
            let value: f64 = row.try_get("value")?;
            observations
                .entry(indicator)
                .or_default()
                .insert(code, value);
        }
        Ok(observations)
    }

    /// The territory's uploaded indicators whose low values mark fragile communes.
    pub async fn local_indicators_lower_is_worse(
        &self,
        scope: &TerritoryScope,
    ) -> Result<BTreeSet<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT indicator FROM local_indicator_directions
             WHERE territory_kind = $1 AND territory_code = $2 AND lower_is_worse = 1",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get("indicator")?))
            .collect()
    }

    /// Forgets one uploaded indicator of the territory; returns how many values were removed.
    pub async fn delete_local_indicator(
        &self,
        scope: &TerritoryScope,
        indicator: &str,
    ) -> Result<u64, StoreError> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM local_indicator_directions WHERE territory_kind = $1 AND territory_code = $2 AND indicator = $3",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .bind(indicator)
        .execute(&mut *transaction)
        .await?;
        let done = sqlx::query(
            "DELETE FROM local_indicators WHERE territory_kind = $1 AND territory_code = $2 AND indicator = $3",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .bind(indicator)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(done.rows_affected())
    }
}
