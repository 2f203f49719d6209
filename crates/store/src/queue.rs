//! The territory's side of referrals: its settings (target delays, ranking weights), the coordinator's
//! pseudonymised queue (people living in the territory), the instance's pseudonym key, and in-app
//! notifications.

use crate::{decode, Store, StoreError};
use aiguillage_domain::orientation::{ReferralState, TargetDelays, Weights};
use aiguillage_domain::person::pseudonym;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use rand::RngCore;
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

/// An in-app notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub created_at: UnixSeconds,
    pub text: String,
    pub link: String,
    pub read: bool,
}

fn scope_column(scope: &TerritoryScope) -> &'static str {
    match scope {
        TerritoryScope::Epci(_) => "c.epci_code",
        TerritoryScope::Departement(_) => "c.departement_code",
    }
}

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

    /// The referrals of people living in the territory, not closed, oldest first, pseudonymised.
    pub async fn territory_queue(
        &self,
        scope: &TerritoryScope,
    ) -> Result<Vec<QueueEntry>, StoreError> {
        let key = self.instance_key("pseudonymes").await?;
        let sql = format!(
            "SELECT r.id, r.person_id, c.name AS commune_name, r.profile_json, r.urgent, r.offer_id, o.name AS offer_name,
                 s.name AS receiver_structure, r.state, r.created_at, r.state_changed_at, r.version,
                 p.commune_code, p.birth_year
             FROM referrals r JOIN people p ON p.id = r.person_id JOIN communes c ON c.code = p.commune_code
             JOIN offers o ON o.id = r.offer_id JOIN structures s ON s.id = r.receiver_structure_id
             WHERE {} = $1 AND r.state <> $2 ORDER BY r.created_at, r.id LIMIT 2000",
            scope_column(scope)
        );
        let rows = sqlx::query(&sql)
            .bind(scope.code())
            .bind(ReferralState::Closed.code())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                let profile: String = row.try_get("profile_json")?;
                let profile: aiguillage_domain::diagnostic::Profile =
                    serde_json::from_str(&profile)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let urgent: i64 = row.try_get("urgent")?;
                Ok(QueueEntry {
                    referral_id: row.try_get("id")?,
                    pseudonym: pseudonym(&key, row.try_get("person_id")?),
                    commune_name: row.try_get("commune_name")?,
                    typology: profile.typology.label().to_owned(),
                    first_help: profile.first_help().label().to_owned(),
                    urgent: urgent != 0,
                    offer_id: row.try_get("offer_id")?,
                    offer_name: row.try_get("offer_name")?,
                    receiver_structure: row.try_get("receiver_structure")?,
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
            })
            .collect()
    }

    /// Notifies one account, or every professional of a structure.
    pub async fn notify(
        &self,
        (account_id, structure_id): (Option<i64>, Option<i64>),
        text: &str,
        link: &str,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO notifications (account_id, structure_id, created_at, text, link) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(account_id)
        .bind(structure_id)
        .bind(now)
        .bind(text)
        .bind(link)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The notifications of an account (its own and its structure's), newest first.
    pub async fn notifications_of(
        &self,
        account_id: i64,
        structure_id: i64,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, created_at, text, link, read_at FROM notifications
             WHERE account_id = $1 OR structure_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(account_id)
        .bind(structure_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let read: Option<i64> = row.try_get("read_at")?;
                Ok(Notification {
                    id: row.try_get("id")?,
                    created_at: row.try_get("created_at")?,
                    text: row.try_get("text")?,
                    link: row.try_get("link")?,
                    read: read.is_some(),
                })
            })
            .collect()
    }
}

impl Store {
    /// The e-mail addresses of the active accounts of a structure.
    pub async fn structure_emails(&self, structure_id: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT email FROM accounts WHERE structure_id = $1 AND deactivated_at IS NULL ORDER BY email",
        )
        .bind(structure_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("email")?)).collect()
    }

    /// The coordinators' accounts whose territory contains the commune: `(id, e-mail)`.
    pub async fn coordinators_of_commune(
        &self,
        commune_code: &str,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.email FROM accounts a JOIN communes c ON c.code = $1
             WHERE a.role = 'coordinator' AND a.deactivated_at IS NULL
               AND ((a.territory_kind = 'departement' AND a.territory_code = c.departement_code)
                 OR (a.territory_kind = 'epci' AND a.territory_code = c.epci_code))",
        )
        .bind(commune_code)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("email")?)))
            .collect()
    }

    /// The active coordinators' accounts of exactly this territory: `(id, structure)`.
    pub async fn coordinators_of_scope(
        &self,
        scope: &TerritoryScope,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, structure_id FROM accounts WHERE role = 'coordinator' AND deactivated_at IS NULL
               AND territory_kind = $1 AND territory_code = $2 ORDER BY id",
        )
        .bind(scope.kind_code())
        .bind(scope.code())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("structure_id")?)))
            .collect()
    }
}
