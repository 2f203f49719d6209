//! Professional accounts: creation, lookup for login, listing for administrators.

use crate::{Store, StoreError};
use aiguillage_domain::account::NewAccount;
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A stored account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub structure_id: i64,
    pub structure_name: String,
    pub territory: TerritoryScope,
    /// Name of the EPCI or département, when the code is in the territory reference.
    pub territory_name: Option<String>,
    pub created_at: UnixSeconds,
    pub last_login_at: Option<UnixSeconds>,
    pub active: bool,
}

/// An account found for a login attempt, with the hash to check the password against.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    pub account: Account,
    pub password_hash: String,
}

const SELECT_ACCOUNT: &str =
    "SELECT a.id, a.email, a.display_name, a.role, a.structure_id, s.name AS structure_name,
        a.territory_kind, a.territory_code, COALESCE(te.name, td.name) AS territory_name,
        a.created_at, a.last_login_at, a.deactivated_at, a.password_hash
     FROM accounts a JOIN structures s ON s.id = a.structure_id
     LEFT JOIN epcis te ON a.territory_kind = 'epci' AND te.code = a.territory_code
     LEFT JOIN departements td ON a.territory_kind = 'departement' AND td.code = a.territory_code";

/// The members of a structure, each as an account acting for it (the membership's structure, role
/// and territory).
const SELECT_MEMBER: &str =
    "SELECT a.id, a.email, a.display_name, m.role, m.structure_id, s.name AS structure_name,
        m.territory_kind, m.territory_code, COALESCE(te.name, td.name) AS territory_name,
        a.created_at, a.last_login_at, a.deactivated_at, a.password_hash
     FROM memberships m JOIN accounts a ON a.id = m.account_id
     JOIN structures s ON s.id = m.structure_id
     LEFT JOIN epcis te ON m.territory_kind = 'epci' AND te.code = m.territory_code
     LEFT JOIN departements td ON m.territory_kind = 'departement' AND td.code = m.territory_code";

pub(crate) fn account_from(row: &AnyRow) -> Result<Account, StoreError> {
    let role: String = row.try_get("role")?;
    let territory_kind: String = row.try_get("territory_kind")?;
    let territory_code: String = row.try_get("territory_code")?;
    let deactivated_at: Option<i64> = row.try_get("deactivated_at")?;
    Ok(Account {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: role
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
        structure_id: row.try_get("structure_id")?,
        structure_name: row.try_get("structure_name")?,
        territory: TerritoryScope::from_parts(&territory_kind, &territory_code)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        territory_name: row.try_get("territory_name")?,
        created_at: row.try_get("created_at")?,
        last_login_at: row.try_get("last_login_at")?,
        active: deactivated_at.is_none(),
    })
}

impl Store {
    /// Creates an account; an e-mail already in use is a `Conflict`, an unknown structure or territory
    /// a `NotFound`, and nothing is written in either case.
    pub async fn create_account(
        &self,
        account: &NewAccount,
        password_hash: &str,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        self.structure(account.structure_id).await?;
        if self.territory_name(&account.territory).await?.is_none() {
            return Err(StoreError::NotFound(format!(
                "territoire {}",
                account.territory
            )));
        }
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO accounts (email, display_name, role, structure_id, territory_kind, territory_code,
                                   password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(account.email.as_str())
        .bind(account.display_name.as_str())
        .bind(account.role.code())
        .bind(account.structure_id)
        .bind(account.territory.kind_code())
        .bind(account.territory.code())
        .bind(password_hash)
        .bind(now)
        .fetch_one(&mut *transaction)
        .await
        .map_err(|e| {
            StoreError::on_unique_violation(e, format!("un compte existe déjà pour {}", account.email.as_str()))
        })?;
        let id: i64 = row.try_get("id")?;
        // The account's home membership (`store::teams`).
        sqlx::query(
            "INSERT INTO memberships (account_id, structure_id, role, territory_kind, territory_code,
                                      granted_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(account.structure_id)
        .bind(account.role.code())
        .bind(account.territory.kind_code())
        .bind(account.territory.code())
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(id)
    }

    /// The account to check a login against, if the e-mail is known.
    pub async fn login_candidate(&self, email: &str) -> Result<Option<LoginCandidate>, StoreError> {
        let row = sqlx::query(&format!("{SELECT_ACCOUNT} WHERE a.email = $1"))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(LoginCandidate {
                account: account_from(&row)?,
                password_hash: row.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    pub async fn account(&self, id: i64) -> Result<Account, StoreError> {
        let row = sqlx::query(&format!("{SELECT_ACCOUNT} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("compte {id}")))?;
        account_from(&row)
    }

    /// The active members of a structure (`memberships`), by role then name: its team.
    pub async fn team_of(&self, structure_id: i64) -> Result<Vec<Account>, StoreError> {
        let sql = format!(
            "{SELECT_MEMBER} WHERE m.structure_id = $1 AND a.deactivated_at IS NULL
             ORDER BY m.role, a.display_name, a.id"
        );
        let rows = sqlx::query(&sql)
            .bind(structure_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(account_from).collect()
    }

    /// The active mediators of a structure, by name: whom its manager gives referrals to.
    pub async fn mediators_of(&self, structure_id: i64) -> Result<Vec<Account>, StoreError> {
        let sql = format!(
            "{SELECT_MEMBER} WHERE m.structure_id = $1 AND m.role = $2 AND a.deactivated_at IS NULL
             ORDER BY a.display_name, a.id"
        );
        let rows = sqlx::query(&sql)
            .bind(structure_id)
            .bind(Role::Mediator.code())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(account_from).collect()
    }

    /// Every account, by role then name.
    pub async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT_ACCOUNT} ORDER BY a.role, a.display_name"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(account_from).collect()
    }

    pub async fn record_login(&self, account_id: i64, now: UnixSeconds) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET last_login_at = $1 WHERE id = $2")
            .bind(now)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
