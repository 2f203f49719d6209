//! The coordinator's active queue: the referrals of people living in the territory, pseudonymised
//! (no name, no contact). The territory's settings are in `territory_settings`, notifications in
//! `notifications`.

use crate::{decode, Store, StoreError};
use aiguillage_domain::orientation::ReferralState;
use aiguillage_domain::person::pseudonym;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// One referral of the queue, pseudonymised: no name, no contact.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    pub referral_id: i64,
    pub pseudonym: String,
    pub commune_name: String,
    pub typology: String,
    pub first_help: String,
    pub urgent: bool,
    pub offer_id: i64,
    pub offer_name: String,
    pub receiver_structure: String,
    pub receiver_structure_id: i64,
    pub sender_structure: String,
    pub state: ReferralState,
    pub created_at: UnixSeconds,
    pub state_changed_at: UnixSeconds,
    /// What redistribution needs: the version to act on, where the person lives, their birth
    /// year and the profile the referral carries.
    pub version: i64,
    pub commune_code: String,
    pub birth_year: Option<i32>,
    pub profile: aiguillage_domain::diagnostic::Profile,
}

fn scope_column(scope: &TerritoryScope) -> &'static str {
    match scope {
        TerritoryScope::Epci(_) => "c.epci_code",
        TerritoryScope::Departement(_) => "c.departement_code",
    }
}

/// The queue's query: the referrals of people living in the territory (`$1`), pseudonymised; the
/// `condition` narrows it (its parameters from `$2`).
fn queue_sql(scope: &TerritoryScope, condition: &str) -> String {
    format!(
        "SELECT r.id, r.person_id, c.name AS commune_name, r.profile_json, r.urgent, r.offer_id, o.name AS offer_name,
             s.name AS receiver_structure, r.receiver_structure_id, ss.name AS sender_structure, r.state,
             r.created_at, r.state_changed_at, r.version, p.commune_code, p.birth_year
         FROM referrals r JOIN people p ON p.id = r.person_id JOIN communes c ON c.code = p.commune_code
         JOIN offers o ON o.id = r.offer_id JOIN structures s ON s.id = r.receiver_structure_id
         JOIN structures ss ON ss.id = r.sender_structure_id
         WHERE {} = $1 AND {condition} ORDER BY r.created_at, r.id LIMIT 2000",
        scope_column(scope)
    )
}

fn entry_from(row: &sqlx::any::AnyRow, key: &str) -> Result<QueueEntry, StoreError> {
    let state: String = row.try_get("state")?;
    let profile: String = row.try_get("profile_json")?;
    let profile: aiguillage_domain::diagnostic::Profile =
        serde_json::from_str(&profile).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let urgent: i64 = row.try_get("urgent")?;
    Ok(QueueEntry {
        referral_id: row.try_get("id")?,
        pseudonym: pseudonym(key, row.try_get("person_id")?),
        commune_name: row.try_get("commune_name")?,
        typology: profile.typology.label().to_owned(),
        first_help: profile.first_help().label().to_owned(),
        urgent: urgent != 0,
        offer_id: row.try_get("offer_id")?,
        offer_name: row.try_get("offer_name")?,
        receiver_structure: row.try_get("receiver_structure")?,
        receiver_structure_id: row.try_get("receiver_structure_id")?,
        sender_structure: row.try_get("sender_structure")?,
        state: decode(&state, "état")?,
        created_at: row.try_get("created_at")?,
        state_changed_at: row.try_get("state_changed_at")?,
        version: row.try_get("version")?,
        commune_code: row.try_get("commune_code")?,
        birth_year: row
            .try_get::<Option<i64>, _>("birth_year")?
            .and_then(|y| i32::try_from(y).ok()),
        profile,
    })
}

impl Store {
    /// The referrals of people living in the territory, not closed, oldest first, pseudonymised.
    pub async fn territory_queue(
        &self,
        scope: &TerritoryScope,
    ) -> Result<Vec<QueueEntry>, StoreError> {
        let key = self.instance_key("pseudonymes").await?;
        let sql = queue_sql(scope, "r.state <> $2");
        let rows = sqlx::query(&sql)
            .bind(scope.code())
            .bind(ReferralState::Closed.code())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| entry_from(row, &key)).collect()
    }

    /// One referral of a person living in the territory (closed or not), pseudonymised; `None` for
    /// any other referral, whether it exists or not.
    pub async fn territory_referral(
        &self,
        scope: &TerritoryScope,
        referral_id: i64,
    ) -> Result<Option<QueueEntry>, StoreError> {
        let key = self.instance_key("pseudonymes").await?;
        let sql = queue_sql(scope, "r.id = $2");
        let row = sqlx::query(&sql)
            .bind(scope.code())
            .bind(referral_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| entry_from(&row, &key)).transpose()
    }
}
