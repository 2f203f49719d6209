//! Server-side sessions: stored by the hash of their token, so that any server instance on the same
//! database can serve any request, and a leaked database does not leak live cookies. Each session
//! has a stage (`domain::session::SessionStage`: only a complete one is signed in; the others wait
//! for the second factor for ten minutes at most), the device that opened it, and a random handle by
//! which its owner ends it from « Mon compte » (the token's hash is never shown).

use crate::teams::{role_in, territory_in};
use crate::{Store, StoreError};
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::second_factor::PENDING_SIGN_IN_SECONDS;
use aiguillage_domain::session::{SessionStage, SessionTimes};
use aiguillage_domain::UnixSeconds;
use base64::Engine;
use rand::RngCore;
use sqlx::Row;

/// A stored session: whose it is, its CSRF token, its stage and its times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub account_id: i64,
    pub csrf_token: String,
    pub stage: SessionStage,
    pub handle: String,
    pub times: SessionTimes,
    /// The structure the session acts for, once its owner chose one (`store::teams`); `None`:
    /// the account's home structure, not chosen yet.
    pub acting_structure_id: Option<i64>,
}

/// A live session and its owner as the session acts (see [`Store::session_owner`]).
#[derive(Debug, Clone)]
pub struct SessionOwner {
    pub session: StoredSession,
    /// The account, with the structure, role and territory of the membership the session acts
    /// for (its home ones until one is chosen).
    pub account: crate::Account,
    /// How many structures the account belongs to.
    pub memberships: usize,
    /// Notifications of the account or of the structure it acts for, not yet shown.
    pub unread_notifications: i64,
}

/// The session, its account (the home columns `accounts::account_from` reads), the membership the
/// session acts for if it chose one (`acting_…`, NULL when it is gone), the number of memberships
/// and the unread notifications, for one token hash.
const SELECT_SESSION_OWNER: &str = "SELECT s.account_id, s.csrf_token, s.created_at AS session_created_at,
        s.last_seen_at, s.stage, s.handle, s.acting_structure_id,
        a.id, a.email, a.display_name, a.role, a.structure_id, hs.name AS structure_name,
        a.territory_kind, a.territory_code, COALESCE(te.name, td.name) AS territory_name,
        a.created_at, a.last_login_at, a.deactivated_at,
        m.role AS acting_role, ms.name AS acting_structure_name,
        m.territory_kind AS acting_territory_kind, m.territory_code AS acting_territory_code,
        COALESCE(mte.name, mtd.name) AS acting_territory_name,
        (SELECT COUNT(*) FROM memberships mc WHERE mc.account_id = a.id) AS memberships,
        (SELECT COUNT(*) FROM notifications n
          WHERE (n.account_id = a.id OR n.structure_id = COALESCE(s.acting_structure_id, a.structure_id))
            AND n.id > a.notifications_seen_id) AS unread
     FROM sessions s JOIN accounts a ON a.id = s.account_id
     JOIN structures hs ON hs.id = a.structure_id
     LEFT JOIN epcis te ON a.territory_kind = 'epci' AND te.code = a.territory_code
     LEFT JOIN departements td ON a.territory_kind = 'departement' AND td.code = a.territory_code
     LEFT JOIN memberships m ON m.account_id = a.id AND m.structure_id = s.acting_structure_id
     LEFT JOIN structures ms ON ms.id = m.structure_id
     LEFT JOIN epcis mte ON m.territory_kind = 'epci' AND mte.code = m.territory_code
     LEFT JOIN departements mtd ON m.territory_kind = 'departement' AND mtd.code = m.territory_code
     WHERE s.token_hash = $1 AND a.deactivated_at IS NULL";

/// The session's own columns of a row (its creation time read as `session_created_at`).
fn session_from(row: &sqlx::any::AnyRow) -> Result<StoredSession, StoreError> {
    let stage: String = row.try_get("stage")?;
    Ok(StoredSession {
        account_id: row.try_get("account_id")?,
        csrf_token: row.try_get("csrf_token")?,
        stage: SessionStage::from_code(&stage)
            .ok_or_else(|| StoreError::Corrupt(format!("étape de session « {stage} »")))?,
        handle: row.try_get("handle")?,
        times: SessionTimes {
            created_at: row.try_get("session_created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
        },
        acting_structure_id: row.try_get("acting_structure_id")?,
    })
}

/// A session to open.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account: AccountId,
    pub csrf_token: &'a str,
    pub stage: SessionStage,
    /// The browser's `User-Agent`, cut to 300 characters.
    pub user_agent: &'a str,
}

/// One of an account's live sessions, as « Mon compte » lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub handle: String,
    pub user_agent: String,
    pub created_at: UnixSeconds,
    pub last_seen_at: UnixSeconds,
    /// The session the list is shown in.
    pub current: bool,
}

/// A random handle naming a session in its owner's pages (16 bytes, URL-safe).
fn new_handle() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Store {
    /// Opens a complete session (a sign-in with nothing more to check, or a command's test).
    pub async fn create_session(
        &self,
        token_hash: &str,
        account_id: i64,
        csrf_token: &str,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let session = NewSession {
            token_hash,
            account: AccountId::new(account_id),
            csrf_token,
            stage: SessionStage::Complete,
            user_agent: "",
        };
        self.open_session(&session, now).await
    }

    /// Opens a session at its stage, with a new handle.
    pub async fn open_session(
        &self,
        session: &NewSession<'_>,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let user_agent: String = session.user_agent.chars().take(300).collect();
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at, handle,
                                   stage, user_agent)
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(session.token_hash)
        .bind(session.account.get())
        .bind(session.csrf_token)
        .bind(now)
        .bind(new_handle())
        .bind(session.stage.code())
        .bind(user_agent)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session named by `token_hash` with everything a page needs about its owner, read
    /// in one statement (every signed-in request asks for it): the session, the account as it acts
    /// (the chosen membership's structure, role and territory in place of the home ones), how many
    /// structures the account belongs to and its unread notifications. A session whose chosen
    /// membership is gone is deleted and `None`. A session past its idle or absolute deadline, or a
    /// sign-in left pending too long, is deleted and `None`; the last activity is written only
    /// once a minute went by.
    pub async fn session_owner(
        &self,
        token_hash: &str,
        now: UnixSeconds,
    ) -> Result<Option<SessionOwner>, StoreError> {
        let row = sqlx::query(SELECT_SESSION_OWNER)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let session = session_from(&row)?;
        if !self.keep_alive(token_hash, &session, now).await? {
            return Ok(None);
        }
        let mut account = crate::accounts::account_from(&row)?;
        if let Some(acting) = session.acting_structure_id {
            if row.try_get::<Option<String>, _>("acting_role")?.is_none() {
                self.delete_session(token_hash).await?;
                return Ok(None);
            }
            account.structure_id = acting;
            account.structure_name = row.try_get("acting_structure_name")?;
            account.role = role_in(&row, "acting_role")?;
            account.territory =
                territory_in(&row, ("acting_territory_kind", "acting_territory_code"))?;
            account.territory_name = row.try_get("acting_territory_name")?;
        }
        let memberships: i64 = row.try_get("memberships")?;
        Ok(Some(SessionOwner {
            session,
            account,
            memberships: usize::try_from(memberships).unwrap_or(0),
            unread_notifications: row.try_get("unread")?,
        }))
    }

    /// Ends a dead session (idle or absolute deadline passed, or a pending sign-in left too long):
    /// `false`. Otherwise moves its last activity when a minute or more went by: `true`.
    async fn keep_alive(
        &self,
        token_hash: &str,
        session: &StoredSession,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let pending_too_long = session.stage != SessionStage::Complete
            && now - session.times.created_at >= PENDING_SIGN_IN_SECONDS;
        if !session.times.is_live_at(now) || pending_too_long {
            self.delete_session(token_hash).await?;
            return Ok(false);
        }
        // Most requests write nothing: the last activity moves only once a minute.
        if session.times.needs_touch(now) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(true)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The account's complete sessions still live at `now`, the latest seen first; `current` names
    /// the one with this token hash.
    pub async fn sessions_of(
        &self,
        account: AccountId,
        current: &str,
        now: UnixSeconds,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT handle, user_agent, created_at, last_seen_at, token_hash FROM sessions
             WHERE account_id = $1 AND stage = 'complete' AND last_seen_at > $2 AND created_at > $3
             ORDER BY last_seen_at DESC, created_at DESC",
        )
        .bind(account.get())
        .bind(now - aiguillage_domain::session::IDLE_TIMEOUT_SECONDS)
        .bind(now - aiguillage_domain::session::ABSOLUTE_TIMEOUT_SECONDS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SessionSummary {
                    handle: row.try_get("handle")?,
                    user_agent: row.try_get("user_agent")?,
                    created_at: row.try_get("created_at")?,
                    last_seen_at: row.try_get("last_seen_at")?,
                    current: row.try_get::<String, _>("token_hash")? == current,
                })
            })
            .collect()
    }

    /// Ends the account's session named `handle`; `false` when the account has none by that handle
    /// (another account's session is never touched).
    pub async fn end_session_of(
        &self,
        account: AccountId,
        handle: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND handle = $2")
            .bind(account.get())
            .bind(handle)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of the account but the one with `keep` (its token's hash), if given;
    /// returns how many ended.
    pub async fn end_sessions_of(
        &self,
        account: AccountId,
        keep: Option<&str>,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
            .bind(account.get())
            .bind(keep.unwrap_or_default())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes every session past its lifetime; returns how many.
    pub async fn purge_expired_sessions(&self, now: UnixSeconds) -> Result<u64, StoreError> {
        let result =
            sqlx::query("DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
                .bind(now - aiguillage_domain::session::IDLE_TIMEOUT_SECONDS)
                .bind(now - aiguillage_domain::session::ABSOLUTE_TIMEOUT_SECONDS)
                .execute(&self.pool)
                .await?;
        Ok(result.rows_affected())
    }
}
