//! Rewrites, once, the JSON documents written with labels so that they hold codes like every other
//! stored value: since migration 0018 a diagnostic's answers and profile, a referral's profile, a
//! contact request's answers; since 0019 an offer's own facts (intervention level, help style, kinds
//! of help, status — the places standard's vocabulary keeps the standard's values). Each document is read (labels read through serde's alias, see
//! `domain::labelled`) and written again (codes); one that does not read is left as it was, and one
//! already written with codes is left untouched. Marked done in `data_upgrades`; running it again (two
//! instances starting together, a restart after a crash) changes nothing.

use crate::{Store, StoreError};
use aiguillage_domain::diagnostic::{Answers, Profile};
use aiguillage_domain::directory::Offer;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::Row;

/// The names these conversions are recorded under in `data_upgrades`.
const JSON_CODES: &str = "0018_json_codes";
const OFFER_CODES: &str = "0019_offer_codes";

/// Rows read and rewritten per transaction.
const BATCH: i64 = 500;

/// The document in its coded form, if it reads and differs from `text`.
fn recoded<T: Serialize + DeserializeOwned>(text: &str) -> Option<String> {
    let value: T = serde_json::from_str(text).ok()?;
    let coded = serde_json::to_string(&value).ok()?;
    (coded != text).then_some(coded)
}

impl Store {
    /// Rewrites the JSON documents with codes, each conversion unless already done.
    pub(crate) async fn recode_json_documents(&self) -> Result<(), StoreError> {
        if !self.upgraded(JSON_CODES).await? {
            let mut rewritten = 0;
            rewritten += self
                .recode_column("diagnostics", "answers_json", recoded::<Answers>)
                .await?;
            rewritten += self
                .recode_column("diagnostics", "profile_json", recoded::<Profile>)
                .await?;
            rewritten += self
                .recode_column("referrals", "profile_json", recoded::<Profile>)
                .await?;
            rewritten += self
                .recode_column("contact_requests", "answers_json", recoded::<Answers>)
                .await?;
            self.mark_upgraded(JSON_CODES, rewritten).await?;
        }
        if !self.upgraded(OFFER_CODES).await? {
            let rewritten = self
                .recode_column("offers", "offer_json", recoded::<Offer>)
                .await?;
            self.mark_upgraded(OFFER_CODES, rewritten).await?;
        }
        Ok(())
    }

    /// Whether the conversion `name` ran already.
    async fn upgraded(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("SELECT COUNT(*) AS n FROM data_upgrades WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(done.try_get::<i64, _>("n")? > 0)
    }

    /// Records the conversion `name` as done, having rewritten `rewritten` documents.
    async fn mark_upgraded(&self, name: &str, rewritten: usize) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO data_upgrades (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(&self.pool)
            .await?;
        if rewritten > 0 {
            tracing::info!(
                name,
                rewritten,
                "JSON documents rewritten with stable codes"
            );
        }
        Ok(())
    }

    /// Rewrites one JSON column of `table`, by batches of ids; the number of rows rewritten.
    async fn recode_column(
        &self,
        table: &str,
        column: &str,
        recode: fn(&str) -> Option<String>,
    ) -> Result<usize, StoreError> {
        let select = format!("SELECT id, {column} FROM {table} WHERE id > $1 ORDER BY id LIMIT $2");
        let update = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
        let (mut after, mut rewritten) = (0_i64, 0);
        loop {
            let mut transaction = self.begin_write().await?;
            let rows = sqlx::query(&select)
                .bind(after)
                .bind(BATCH)
                .fetch_all(&mut *transaction)
                .await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.try_get("id")?;
            for row in &rows {
                let text: String = row.try_get(column)?;
                if let Some(coded) = recode(&text) {
                    let id: i64 = row.try_get("id")?;
                    sqlx::query(&update)
                        .bind(coded)
                        .bind(id)
                        .execute(&mut *transaction)
                        .await?;
                    rewritten += 1;
                }
            }
            transaction.commit().await?;
        }
        Ok(rewritten)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_with_labels_is_rewritten_with_codes_once() {
        let labelled = r#"{"equipment":["Un smartphone"],"skills":[["Utiliser un appareil","Avec de l'aide"]],
            "detailed":[],"french_reading":"À l'aise","french_writing":"À l'aise","languages":["Français"],
            "support_needs":["Surdité"],"travel_range":"Jusqu'à 5 km","travel_modes":["À pied"],
            "accepts_remote":true,"availability":["Le samedi"],"willingness":"Oui","levers":["Emploi"],
            "urgency":null,"notes":"Oui"}"#;
        let coded = recoded::<Answers>(labelled).expect("rewritten");
        assert!(
            coded.contains(r#""skills":[["using_device","with_help"]]"#),
            "{coded}"
        );
        assert!(coded.contains(r#""willingness":"yes""#), "{coded}");
        // The places standard's values are its own codes; free text is not touched.
        assert!(coded.contains(r#""support_needs":["Surdité"]"#), "{coded}");
        assert!(coded.contains(r#""notes":"Oui""#), "{coded}");
        assert_eq!(recoded::<Answers>(&coded), None, "already coded");
        assert_eq!(recoded::<Profile>("{}"), None, "unreadable: left as it was");
    }
}
