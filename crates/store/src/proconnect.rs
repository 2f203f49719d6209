//! ProConnect in storage: the sign-ins under way (looked up by their `state`'s hash and taken once),
//! the identities accounts sign in with, the access requests of people this instance does not know
//! and their decision, and the ID token a session keeps for the logout at the provider.
//!
//! Who decides on a request is checked in the deciding transaction: the manager of a structure
//! whose SIRET is the request's, or a coordinator of the territory holding such a structure when it
//! has no active manager. Letting someone in creates their account (a password that can never
//! match: they sign in through ProConnect) and links their identity, with its audit entry.

use crate::audit::append_audit_in;
use crate::{Account, Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::proconnect::{AccessDecision, ProConnectIdentity, SIGN_IN_LIFETIME_SECONDS};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::{AnyConnection, Row};

/// The password hash of an account that signs in through ProConnect only: not a PHC string, so no
/// password ever matches it (a reset by e-mail may later give it one).
pub const NO_PASSWORD: &str = "!proconnect";

/// A sign-in sent to the provider, waiting for its return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSignIn {
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
}

/// Where an identity unknown here stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessRequestState {
    /// Waiting for a decision (just recorded, or recorded before).
    Waiting,
    /// Refused: the person is told, and may ask someone of their structure.
    Refused,
}

/// A request waiting for the viewer's decision, with the structures they may let the person into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub siret: String,
    pub requested_at: UnixSeconds,
    /// (structure id, name) the viewer may attach the person to.
    pub structures: Vec<(i64, String)>,
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessDecided {
    /// The account created, and its e-mail.
    Approved {
        account_id: i64,
        email: String,
    },
    Refused {
        email: String,
    },
}

/// The structures a viewer decides for, among those carrying `siret`: SQL with `$1` the SIRET, `$2`
/// the viewer's structure, `$3` their territory code (a coordinator's).
fn deciding_structures_sql(viewer: &Account) -> Option<String> {
    let column = match viewer.territory {
        TerritoryScope::Epci(_) => "c.epci_code",
        TerritoryScope::Departement(_) => "c.departement_code",
    };
    let scope = match viewer.role {
        Role::StructureManager => "s.id = $2 AND $3 = $3".to_owned(),
        Role::Coordinator => format!(
            "$2 = $2 AND {column} = $3 AND NOT EXISTS (
                 SELECT 1 FROM memberships m JOIN accounts a ON a.id = m.account_id
                 WHERE m.structure_id = s.id AND m.role = 'structure_manager'
                   AND a.deactivated_at IS NULL)"
        ),
        _ => return None,
    };
    Some(format!(
        "SELECT s.id, s.name FROM structures s JOIN communes c ON c.code = s.commune_code
         WHERE REPLACE(COALESCE(s.pivot, ''), ' ', '') = $1 AND {scope} ORDER BY s.name, s.id"
    ))
}

async fn deciding_structures(
    connection: &mut AnyConnection,
    viewer: &Account,
    siret: &str,
) -> Result<Vec<(i64, String)>, StoreError> {
    let Some(sql) = deciding_structures_sql(viewer) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(&sql)
        .bind(siret)
        .bind(viewer.structure_id)
        .bind(viewer.territory.code())
        .fetch_all(&mut *connection)
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("name")?)))
        .collect()
}

async fn audit(
    connection: &mut AnyConnection,
    store: &Store,
    (actor, action, kind, id): (Option<i64>, AuditAction, &str, i64),
    reason: String,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    let event = AuditEvent {
        actor_account_id: actor,
        action,
        record_kind: kind.to_owned(),
        record_id: id.to_string(),
        reason,
    };
    append_audit_in(connection, &store.audit_key, &event, now).await?;
    Ok(())
}

impl Store {
    /// Records a sign-in sent to the provider; sign-ins older than their lifetime are forgotten.
    pub async fn begin_oidc_sign_in(
        &self,
        state_hash: &str,
        sign_in: &OidcSignIn,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("DELETE FROM oidc_sign_ins WHERE created_at <= $1")
            .bind(now - SIGN_IN_LIFETIME_SECONDS)
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_sign_ins (state_hash, browser_hash, nonce, pkce_verifier, next_path, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(state_hash)
        .bind(&sign_in.browser_hash)
        .bind(&sign_in.nonce)
        .bind(&sign_in.pkce_verifier)
        .bind(&sign_in.next_path)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Takes the sign-in of this `state` (once: it is deleted), if it is still within its lifetime.
    pub async fn take_oidc_sign_in(
        &self,
        state_hash: &str,
        now: UnixSeconds,
    ) -> Result<Option<OidcSignIn>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM oidc_sign_ins WHERE state_hash = $1
             RETURNING browser_hash, nonce, pkce_verifier, next_path, created_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created_at: i64 = row.try_get("created_at")?;
        if now - created_at >= SIGN_IN_LIFETIME_SECONDS {
            return Ok(None);
        }
        Ok(Some(OidcSignIn {
            browser_hash: row.try_get("browser_hash")?,
            nonce: row.try_get("nonce")?,
            pkce_verifier: row.try_get("pkce_verifier")?,
            next_path: row.try_get("next_path")?,
        }))
    }

    /// The account this identity signs in to: linked before, or else the account of its e-mail,
    /// which it is then linked to (audited). `None`: nobody here has this identity or e-mail.
    pub async fn account_for_identity(
        &self,
        issuer: &str,
        identity: &ProConnectIdentity,
        now: UnixSeconds,
    ) -> Result<Option<i64>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let linked: Option<i64> = sqlx::query_scalar(
            "SELECT account_id FROM account_identities WHERE issuer = $1 AND subject = $2",
        )
        .bind(issuer)
        .bind(&identity.subject)
        .fetch_optional(&mut *transaction)
        .await?;
        if linked.is_some() {
            transaction.commit().await?;
            return Ok(linked);
        }
        let by_email: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM accounts WHERE email = $1 AND anonymised_at IS NULL",
        )
        .bind(identity.email.as_str())
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(account_id) = by_email else {
            transaction.commit().await?;
            return Ok(None);
        };
        link(&mut transaction, issuer, &identity.subject, account_id, now).await?;
        let reason = "identité ProConnect rattachée au compte de la même adresse".to_owned();
        let record = (Some(account_id), AuditAction::Update, "account", account_id);
        audit(&mut transaction, self, record, reason, now).await?;
        transaction.commit().await?;
        Ok(Some(account_id))
    }

    /// Whether some structure of the directory carries this SIRET.
    pub async fn siret_is_known(&self, siret: &str) -> Result<bool, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM structures WHERE REPLACE(COALESCE(pivot, ''), ' ', '') = $1",
        )
        .bind(siret)
        .fetch_one(&self.pool)
        .await?;
        Ok(count > 0)
    }

    /// Records (or refreshes, while undecided) the access request of an identity nobody here has.
    pub async fn request_access(
        &self,
        issuer: &str,
        identity: &ProConnectIdentity,
        now: UnixSeconds,
    ) -> Result<AccessRequestState, StoreError> {
        let mut transaction = self.begin_write().await?;
        let decision: Option<Option<String>> = sqlx::query_scalar(
            "SELECT decision FROM access_requests WHERE issuer = $1 AND subject = $2",
        )
        .bind(issuer)
        .bind(&identity.subject)
        .fetch_optional(&mut *transaction)
        .await?;
        let state = match decision {
            Some(Some(code)) if code == "refused" => AccessRequestState::Refused,
            Some(_) => {
                sqlx::query(
                    "UPDATE access_requests SET email = $1, given_name = $2, usual_name = $3, siret = $4
                     WHERE issuer = $5 AND subject = $6 AND decided_at IS NULL",
                )
                .bind(identity.email.as_str())
                .bind(&identity.given_name)
                .bind(&identity.usual_name)
                .bind(identity.siret.as_str())
                .bind(issuer)
                .bind(&identity.subject)
                .execute(&mut *transaction)
                .await?;
                AccessRequestState::Waiting
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO access_requests (issuer, subject, email, given_name, usual_name, siret, requested_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(issuer)
                .bind(&identity.subject)
                .bind(identity.email.as_str())
                .bind(&identity.given_name)
                .bind(&identity.usual_name)
                .bind(identity.siret.as_str())
                .bind(now)
                .fetch_one(&mut *transaction)
                .await?;
                let reason = "demande d'accès par ProConnect".to_owned();
                let record = (None, AuditAction::Create, "access_request", id);
                audit(&mut transaction, self, record, reason, now).await?;
                AccessRequestState::Waiting
            }
        };
        transaction.commit().await?;
        Ok(state)
    }

    /// The undecided requests the viewer decides on, oldest first.
    pub async fn access_requests_for(
        &self,
        viewer: &Account,
    ) -> Result<Vec<AccessRequest>, StoreError> {
        if deciding_structures_sql(viewer).is_none() {
            return Ok(Vec::new());
        }
        let mut connection = self.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT id, email, given_name, usual_name, siret, requested_at FROM access_requests
             WHERE decided_at IS NULL ORDER BY requested_at, id",
        )
        .fetch_all(&mut *connection)
        .await?;
        let mut requests = Vec::new();
        for row in &rows {
            let siret: String = row.try_get("siret")?;
            let structures = deciding_structures(&mut connection, viewer, &siret).await?;
            if structures.is_empty() {
                continue;
            }
            let given: String = row.try_get("given_name")?;
            let usual: String = row.try_get("usual_name")?;
            requests.push(AccessRequest {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                display_name: format!("{given} {usual}"),
                siret,
                requested_at: row.try_get("requested_at")?,
                structures,
            });
        }
        Ok(requests)
    }

    /// Decides on a request for `structure_id`, if the viewer decides for that structure and the
    /// request is still undecided (else `NotFound`, nothing written). Approving creates the account
    /// with the viewer's territory and links the identity; an address taken meanwhile is a
    /// `Conflict`.
    pub async fn decide_access_request(
        &self,
        viewer: &Account,
        (request_id, structure_id): (i64, i64),
        decision: AccessDecision,
        now: UnixSeconds,
    ) -> Result<AccessDecided, StoreError> {
        let not_found = || StoreError::NotFound(format!("demande d'accès {request_id}"));
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT issuer, subject, email, given_name, usual_name, siret FROM access_requests
             WHERE id = $1 AND decided_at IS NULL",
        )
        .bind(request_id)
        .fetch_optional(&mut *transaction)
        .await?
        .ok_or_else(not_found)?;
        let siret: String = row.try_get("siret")?;
        let structures = deciding_structures(&mut transaction, viewer, &siret).await?;
        if !structures.iter().any(|(id, _)| *id == structure_id) {
            return Err(not_found());
        }
        let email: String = row.try_get("email")?;
        let account_id = match decision {
            AccessDecision::Approve(role) => {
                let name = format!(
                    "{} {}",
                    row.try_get::<String, _>("given_name")?,
                    row.try_get::<String, _>("usual_name")?
                );
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO accounts (email, display_name, role, structure_id, territory_kind,
                                           territory_code, password_hash, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&email)
                .bind(name)
                .bind(role.code())
                .bind(structure_id)
                .bind(viewer.territory.kind_code())
                .bind(viewer.territory.code())
                .bind(NO_PASSWORD)
                .bind(now)
                .fetch_one(&mut *transaction)
                .await
                .map_err(|e| {
                    StoreError::on_unique_violation(e, "un compte existe déjà pour cette adresse")
                })?;
                sqlx::query(
                    "INSERT INTO memberships (account_id, structure_id, role, territory_kind,
                                              territory_code, granted_by, granted_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(structure_id)
                .bind(role.code())
                .bind(viewer.territory.kind_code())
                .bind(viewer.territory.code())
                .bind(viewer.id)
                .bind(now)
                .execute(&mut *transaction)
                .await?;
                let issuer: String = row.try_get("issuer")?;
                let subject: String = row.try_get("subject")?;
                link(&mut transaction, &issuer, &subject, id, now).await?;
                let reason = format!("accès ProConnect accordé, rôle {}", role.code());
                let record = (Some(viewer.id), AuditAction::Create, "account", id);
                audit(&mut transaction, self, record, reason, now).await?;
                Some(id)
            }
            AccessDecision::Refuse => None,
        };
        sqlx::query(
            "UPDATE access_requests SET decided_at = $1, decided_by = $2, decision = $3, account_id = $4
             WHERE id = $5",
        )
        .bind(now)
        .bind(viewer.id)
        .bind(decision.code())
        .bind(account_id)
        .bind(request_id)
        .execute(&mut *transaction)
        .await?;
        let reason = format!("demande d'accès ProConnect : {}", decision.code());
        let record = (
            Some(viewer.id),
            AuditAction::Update,
            "access_request",
            request_id,
        );
        audit(&mut transaction, self, record, reason, now).await?;
        transaction.commit().await?;
        Ok(match account_id {
            Some(account_id) => AccessDecided::Approved { account_id, email },
            None => AccessDecided::Refused { email },
        })
    }

    /// Keeps the ID token of a session opened through ProConnect.
    pub async fn set_session_id_token(
        &self,
        token_hash: &str,
        id_token: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET id_token = $1 WHERE token_hash = $2")
            .bind(id_token)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The account and ID token of a session opened through ProConnect, if it was.
    pub async fn session_id_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(i64, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT account_id, id_token FROM sessions WHERE token_hash = $1 AND id_token IS NOT NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.try_get("account_id")?, row.try_get("id_token")?)))
            .transpose()
    }
}

/// Links an identity to an account (once: a second link of the same identity is ignored).
async fn link(
    connection: &mut AnyConnection,
    issuer: &str,
    subject: &str,
    account_id: i64,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO account_identities (issuer, subject, account_id, linked_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (issuer, subject) DO NOTHING",
    )
    .bind(issuer)
    .bind(subject)
    .bind(account_id)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
