//! The activities of a territory as a partner tool reads them (La Coop's `/activites`): every
//! session recorded by a structure of the territory, without notes and without the people
//! (an activity names nobody), oldest first; and the mediators who recorded them.

use crate::pathway::{session_from, PathwaySession, SESSION_COLUMNS};
use crate::{Store, StoreError};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

/// A mediator who recorded activities: their account, name, e-mail and structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityAuthor {
    pub account_id: i64,
    pub display_name: String,
    pub email: String,
    pub structure_id: i64,
    pub created_at: UnixSeconds,
    pub disabled: bool,
}

/// The `WHERE` condition on the structure's commune `c` for a territory (`$1` its code).
fn area_condition(territory: Option<&TerritoryScope>) -> &'static str {
    match territory {
        None => "1 = 1",
        Some(TerritoryScope::Departement(_)) => "c.departement_code = $1",
        Some(TerritoryScope::Epci(_)) => "c.epci_code = $1",
    }
}

impl Store {
    /// The sessions recorded by the structures of the territory (all with `None`), by id, notes left
    /// out.
    pub async fn activities_in(
        &self,
        territory: Option<&TerritoryScope>,
    ) -> Result<Vec<PathwaySession>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS}
             JOIN structures st ON st.id = s.structure_id JOIN communes c ON c.code = st.commune_code
             WHERE {} ORDER BY s.id",
            area_condition(territory)
        );
        let mut query = sqlx::query(&sql);
        if let Some(scope) = territory {
            query = query.bind(scope.code().to_owned());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let mut session = session_from(row)?;
                session.record.notes = None;
                session.registered_referrals.clear();
                session.referral_id = None;
                Ok(session)
            })
            .collect()
    }

    /// The mediators of the territory's structures, and whoever recorded a session there, by id.
    /// (One `IN` over a union rather than `role = … OR id IN (the sessions)`: PostgreSQL plans the
    /// latter as a subplan per account once the sessions outgrow `work_mem`.)
    pub async fn activity_authors_in(
        &self,
        territory: Option<&TerritoryScope>,
    ) -> Result<Vec<ActivityAuthor>, StoreError> {
        let sql = format!(
            "SELECT a.id, a.display_name, a.email, a.structure_id, a.created_at, a.deactivated_at
             FROM accounts a JOIN structures st ON st.id = a.structure_id
             JOIN communes c ON c.code = st.commune_code
             WHERE a.id IN (SELECT id FROM accounts WHERE role = 'mediator'
                            UNION ALL SELECT account_id FROM pathway_sessions WHERE account_id IS NOT NULL)
               AND {} ORDER BY a.id",
            area_condition(territory)
        );
        let mut query = sqlx::query(&sql);
        if let Some(scope) = territory {
            query = query.bind(scope.code().to_owned());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let disabled: Option<i64> = row.try_get("deactivated_at")?;
                Ok(ActivityAuthor {
                    account_id: row.try_get("id")?,
                    display_name: row.try_get("display_name")?,
                    email: row.try_get("email")?,
                    structure_id: row.try_get("structure_id")?,
                    created_at: row.try_get("created_at")?,
                    disabled: disabled.is_some(),
                })
            })
            .collect()
    }
}
