//! Published fragility indexes in storage: a broken file (any malformed or out-of-range row) stores
//! nothing and leaves the previous import untouched; rows whose code the territory reference does not
//! know (communes merged since the index was published) are reported and skipped; the rest replaces
//! the previous import of the edition. Read back per commune for the territory pages.

use crate::error::StoreError;
use crate::Store;
use aiguillage_domain::UnixSeconds;
use aiguillage_interop::published_index::{Level, PublishedFile, PublishedRejection};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// What an import did: rows stored and rows skipped for an unknown code, or every rejected row (and
/// then nothing stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedImportReport {
    pub stored: usize,
    pub unknown: Vec<PublishedRejection>,
    pub rejected: Vec<PublishedRejection>,
}

impl Store {
    async fn known_codes(&self, sql: &str) -> Result<BTreeSet<String>, StoreError> {
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter().map(|row| Ok(row.try_get("code")?)).collect()
    }

    /// Imports a published edition, replacing the previous import of that edition, or stores
    /// nothing and returns every rejected row.
    pub async fn import_published_index(
        &self,
        file: &PublishedFile,
        now: UnixSeconds,
    ) -> Result<PublishedImportReport, StoreError> {
        let communes = self.known_codes("SELECT code FROM communes").await?;
        let epcis = self.known_codes("SELECT code FROM epcis").await?;
        if !file.rejected.is_empty() {
            return Ok(PublishedImportReport {
                stored: 0,
                unknown: Vec::new(),
                rejected: file.rejected.clone(),
            });
        }
        let mut unknown = Vec::new();
        let mut kept = Vec::with_capacity(file.rows.len());
        for row in &file.rows {
            let known = match row.level {
                Level::Epci => epcis.contains(&row.code),
                Level::Iris | Level::Commune => row
                    .commune_code
                    .as_ref()
                    .is_some_and(|c| communes.contains(c)),
            };
            if known {
                kept.push(row);
            } else {
                unknown.push(PublishedRejection {
                    line: row.line,
                    reason: format!("code « {} » absent du référentiel territorial", row.code),
                });
            }
        }
        let edition = file.edition.code();
        let mut transaction = self.begin_write().await?;
        sqlx::query("DELETE FROM published_fragility WHERE edition = $1")
            .bind(edition)
            .execute(&mut *transaction)
            .await?;
        for row in &kept {
            let values = serde_json::to_string(&row.values)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query(
                "INSERT INTO published_fragility (edition, level, code, commune_code, name, values_json, total, imported_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (edition, level, code) DO UPDATE SET commune_code = $4, name = $5,
                     values_json = $6, total = $7, imported_at = $8",
            )
            .bind(edition)
            .bind(row.level.code())
            .bind(&row.code)
            .bind(row.commune_code.as_deref())
            .bind(&row.name)
            .bind(values)
            .bind(row.total)
            .bind(now)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(PublishedImportReport {
            stored: kept.len(),
            unknown,
            rejected: Vec::new(),
        })
    }

    /// A commune's published value of an edition: its own row, or the mean of its IRIS.
    pub async fn published_index_of_commune(
        &self,
        edition: &str,
        commune_code: &str,
    ) -> Result<Option<f64>, StoreError> {
        let rows = sqlx::query(
            "SELECT total FROM published_fragility WHERE edition = $1 AND commune_code = $2 AND level <> 'epci'",
        )
        .bind(edition)
        .bind(commune_code)
        .fetch_all(&self.pool)
        .await?;
        let values: Vec<f64> = rows
            .iter()
            .map(|row| row.try_get::<Option<f64>, _>("total"))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        Ok((!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64))
    }

    /// The published values of an edition for many communes at once (their own row, or the mean of
    /// their IRIS); communes without a value are absent.
    pub async fn published_index_of_communes(
        &self,
        edition: &str,
        commune_codes: &[String],
    ) -> Result<BTreeMap<String, f64>, StoreError> {
        let mut sums: BTreeMap<String, (f64, u32)> = BTreeMap::new();
        for chunk in commune_codes.chunks(400) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT commune_code, total FROM published_fragility
                 WHERE edition = $1 AND level <> 'epci' AND total IS NOT NULL AND commune_code IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(edition);
            for code in chunk {
                query = query.bind(code);
            }
            for row in query.fetch_all(&self.pool).await? {
                let code: String = row.try_get("commune_code")?;
                let total: f64 = row.try_get("total")?;
                let entry = sums.entry(code).or_insert((0.0, 0));
                entry.0 += total;
                entry.1 += 1;
            }
        }
        Ok(sums
            .into_iter()
            .map(|(code, (sum, n))| (code, sum / f64::from(n)))
            .collect())
    }

    /// How many rows of each edition are stored.
    pub async fn published_index_counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let rows =
            sqlx::query("SELECT edition, COUNT(*) AS n FROM published_fragility GROUP BY edition")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("edition")?, row.try_get("n")?)))
            .collect()
    }
}
