//! Teams in storage: an account's memberships (one per structure it belongs to, each with its role
//! and territory; the account's own row stays its home membership, kept in sync), the structure a
//! session acts for, invitations by e-mail (only the SHA-256 of the link's token is stored; spent
//! once by `UPDATE … WHERE used_at IS NULL … RETURNING`), role changes and removals. Every change
//! re-reads, inside its transaction, that the actor still manages the structure it touches (a
//! structure manager their own structure; a coordinator a structure of their territory) and that
//! the record belongs to that structure — anything else is « not found » and nothing is written —
//! and is audited in the same transaction. Removing a member ends all their sessions at once, and
//! removing an account's last membership deactivates it (its data is kept).

use crate::audit::append_audit_in;
use crate::{Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_domain::role::Role;
use aiguillage_domain::team::{leaves_no_manager, may_grant, InvitationState};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// What the audit trail calls an account's membership of a structure (`account@structure`).
pub const MEMBERSHIP_RECORD: &str = "membership";
/// What the audit trail calls an invitation.
pub const INVITATION_RECORD: &str = "invitation";

/// One structure an account belongs to, with the role and territory it has there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub structure_id: StructureId,
    pub structure_name: String,
    pub role: Role,
    pub territory: TerritoryScope,
    /// Name of the EPCI or département, when the code is in the territory reference.
    pub territory_name: Option<String>,
    /// The account's home membership (its own row's structure).
    pub home: bool,
}

/// A member of a structure's team, as the team page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    pub account_id: AccountId,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub last_login_at: Option<UnixSeconds>,
}

/// An invitation waiting for its acceptance, as the team page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingInvitation {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: UnixSeconds,
    pub expires_at: UnixSeconds,
}

/// An invitation as its link shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationView {
    pub email: String,
    pub structure_id: StructureId,
    pub structure_name: String,
    pub role: Role,
    pub state: InvitationState,
    /// The active account that already has this e-mail, if any: it joins by signing in.
    pub existing_account: Option<AccountId>,
}

/// Who changes a team: the account, the structure it acts for, and why (for the audit trail). The
/// role and territory are re-read from the membership inside each transaction, never trusted.
#[derive(Debug, Clone, Copy)]
pub struct TeamActor<'a> {
    pub account_id: AccountId,
    pub structure_id: StructureId,
    pub reason: &'a str,
}

/// An invitation to store.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    /// Lower-cased, checked (`domain::account::Email`).
    pub email: &'a str,
    pub structure_id: StructureId,
    pub role: Role,
    pub token_hash: &'a str,
    pub expires_at: UnixSeconds,
}

/// How an invitation is accepted.
#[derive(Debug, Clone)]
pub enum Acceptance<'a> {
    /// A new account for the invited e-mail, with the name and password hash the person chose.
    NewAccount {
        display_name: &'a str,
        password_hash: &'a str,
    },
    /// The signed-in account whose e-mail the invitation names.
    Existing(AccountId),
}

/// What an accepted invitation made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub account: AccountId,
    pub structure: StructureId,
}

/// What removing a member did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    /// How many of the member's sessions ended.
    pub sessions_ended: u64,
    /// It was the account's last membership: the account is deactivated.
    pub deactivated: bool,
}

fn not_found(what: &str) -> StoreError {
    StoreError::NotFound(what.to_owned())
}

fn role_of(row: &AnyRow) -> Result<Role, StoreError> {
    role_in(row, "role")
}

/// The role stored in `column` of a row.
pub(crate) fn role_in(row: &AnyRow, column: &str) -> Result<Role, StoreError> {
    let role: String = row.try_get(column)?;
    role.parse()
        .map_err(|e| StoreError::Corrupt(format!("{e}")))
}

fn territory_of(row: &AnyRow) -> Result<TerritoryScope, StoreError> {
    territory_in(row, ("territory_kind", "territory_code"))
}

/// The territory stored in the `(kind, code)` columns of a row.
pub(crate) fn territory_in(
    row: &AnyRow,
    (kind, code): (&str, &str),
) -> Result<TerritoryScope, StoreError> {
    let (kind, code): (String, String) = (row.try_get(kind)?, row.try_get(code)?);
    TerritoryScope::from_parts(&kind, &code).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn membership_from(row: &AnyRow) -> Result<Membership, StoreError> {
    Ok(Membership {
        structure_id: StructureId::new(row.try_get("structure_id")?),
        structure_name: row.try_get("structure_name")?,
        role: role_of(row)?,
        territory: territory_of(row)?,
        territory_name: row.try_get("territory_name")?,
        home: row.try_get::<i64, _>("home")? == 1,
    })
}

const SELECT_MEMBERSHIP: &str = "SELECT m.structure_id, s.name AS structure_name, m.role,
        m.territory_kind, m.territory_code, COALESCE(te.name, td.name) AS territory_name,
        CASE WHEN a.structure_id = m.structure_id THEN 1 ELSE 0 END AS home
     FROM memberships m JOIN accounts a ON a.id = m.account_id
       JOIN structures s ON s.id = m.structure_id
       LEFT JOIN epcis te ON m.territory_kind = 'epci' AND te.code = m.territory_code
       LEFT JOIN departements td ON m.territory_kind = 'departement' AND td.code = m.territory_code";

fn audit(actor: &TeamActor<'_>, action: AuditAction, (kind, id): (&str, String)) -> AuditEvent {
    AuditEvent {
        actor_account_id: Some(actor.account_id.get()),
        action,
        record_kind: kind.to_owned(),
        record_id: id,
        reason: actor.reason.to_owned(),
    }
}

fn membership_id(account: AccountId, structure: StructureId) -> String {
    format!("{}@{}", account.get(), structure.get())
}

/// The actor's own membership of the structure it acts for, re-read in the transaction: its role
/// and territory, or « not found » when it is gone (removed meanwhile, account deactivated).
async fn actor_membership(
    connection: &mut AnyConnection,
    actor: &TeamActor<'_>,
) -> Result<(Role, TerritoryScope), StoreError> {
    let row = sqlx::query(
        "SELECT m.role, m.territory_kind, m.territory_code FROM memberships m
           JOIN accounts a ON a.id = m.account_id
         WHERE m.account_id = $1 AND m.structure_id = $2 AND a.deactivated_at IS NULL",
    )
    .bind(actor.account_id.get())
    .bind(actor.structure_id.get())
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| not_found("membre"))?;
    Ok((role_of(&row)?, territory_of(&row)?))
}

/// Whether the structure's commune is in the territory.
async fn structure_in_territory(
    connection: &mut AnyConnection,
    structure: StructureId,
    territory: &TerritoryScope,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT c.departement_code, c.epci_code FROM structures s
           JOIN communes c ON c.code = s.commune_code WHERE s.id = $1",
    )
    .bind(structure.get())
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row else { return Ok(false) };
    let departement: String = row.try_get("departement_code")?;
    let epci: Option<String> = row.try_get("epci_code")?;
    Ok(match territory {
        TerritoryScope::Departement(code) => *code == departement,
        TerritoryScope::Epci(code) => epci.as_deref() == Some(code.as_str()),
    })
}

/// The role with which the actor manages `structure`'s team, and the territory an invitation
/// carries: a structure manager acting for that very structure, or a coordinator whose territory
/// holds it. « Not found » otherwise.
async fn manager_of(
    connection: &mut AnyConnection,
    actor: &TeamActor<'_>,
    structure: StructureId,
) -> Result<(Role, TerritoryScope), StoreError> {
    let (role, territory) = actor_membership(connection, actor).await?;
    let manages = match role {
        Role::StructureManager => structure == actor.structure_id,
        Role::Coordinator => structure_in_territory(connection, structure, &territory).await?,
        _ => false,
    };
    if !manages {
        return Err(not_found("structure"));
    }
    Ok((role, territory))
}

/// The active managers of a structure.
async fn manager_count(
    connection: &mut AnyConnection,
    structure: StructureId,
) -> Result<usize, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.structure_id = $1 AND m.role = $2 AND a.deactivated_at IS NULL",
    )
    .bind(structure.get())
    .bind(Role::StructureManager.code())
    .fetch_one(&mut *connection)
    .await?;
    Ok(usize::try_from(row.try_get::<i64, _>("n")?).unwrap_or(usize::MAX))
}

/// The member's role in the structure (an active account's), or « not found ».
async fn member_role(
    connection: &mut AnyConnection,
    member: AccountId,
    structure: StructureId,
) -> Result<Role, StoreError> {
    let row = sqlx::query(
        "SELECT m.role FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.account_id = $1 AND m.structure_id = $2 AND a.deactivated_at IS NULL",
    )
    .bind(member.get())
    .bind(structure.get())
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| not_found("membre"))?;
    role_of(&row)
}

impl Store {
    /// Whether the structure exists and its commune is in the territory (a coordinator's page of
    /// it); the invitation itself re-checks it in its transaction.
    pub async fn structure_in_territory(
        &self,
        structure: StructureId,
        territory: &TerritoryScope,
    ) -> Result<bool, StoreError> {
        let mut connection = self.pool.acquire().await?;
        structure_in_territory(&mut connection, structure, territory).await
    }

    /// The structures an active account belongs to, its home first, then by name.
    pub async fn memberships_of(&self, account: AccountId) -> Result<Vec<Membership>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_MEMBERSHIP} WHERE m.account_id = $1 AND a.deactivated_at IS NULL
             ORDER BY home DESC, s.name, m.structure_id"
        ))
        .bind(account.get())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(membership_from).collect()
    }

    /// The account's membership of one structure, if it has it (and is active).
    pub async fn membership(
        &self,
        account: AccountId,
        structure: StructureId,
    ) -> Result<Option<Membership>, StoreError> {
        let row = sqlx::query(&format!(
            "{SELECT_MEMBERSHIP} WHERE m.account_id = $1 AND m.structure_id = $2
               AND a.deactivated_at IS NULL"
        ))
        .bind(account.get())
        .bind(structure.get())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(membership_from).transpose()
    }

    /// The session (its token's hash) of the account now acts for `structure`; `false` when the
    /// account is not a member of it (nothing changes).
    pub async fn set_acting_structure(
        &self,
        token_hash: &str,
        account: AccountId,
        structure: StructureId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET acting_structure_id = $3
             WHERE token_hash = $1 AND account_id = $2
               AND EXISTS (SELECT 1 FROM memberships m
                           WHERE m.account_id = $2 AND m.structure_id = $3)",
        )
        .bind(token_hash)
        .bind(account.get())
        .bind(structure.get())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The active members of a structure, by role then name.
    pub async fn team_members(
        &self,
        structure: StructureId,
    ) -> Result<Vec<TeamMember>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.display_name, a.email, m.role, a.last_login_at
             FROM memberships m JOIN accounts a ON a.id = m.account_id
             WHERE m.structure_id = $1 AND a.deactivated_at IS NULL
             ORDER BY m.role, a.display_name, a.id",
        )
        .bind(structure.get())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TeamMember {
                    account_id: AccountId::new(row.try_get("id")?),
                    display_name: row.try_get("display_name")?,
                    email: row.try_get("email")?,
                    role: role_of(row)?,
                    last_login_at: row.try_get("last_login_at")?,
                })
            })
            .collect()
    }

    /// The structure's invitations still waiting at `now` (not used, cancelled nor expired).
    pub async fn pending_invitations(
        &self,
        structure: StructureId,
        now: UnixSeconds,
    ) -> Result<Vec<PendingInvitation>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.id, i.email, i.role, a.display_name, i.created_at, i.expires_at
             FROM invitations i JOIN accounts a ON a.id = i.invited_by
             WHERE i.structure_id = $1 AND i.used_at IS NULL AND i.cancelled_at IS NULL
               AND i.expires_at > $2
             ORDER BY i.created_at DESC, i.id DESC",
        )
        .bind(structure.get())
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PendingInvitation {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    role: role_of(row)?,
                    invited_by: row.try_get("display_name")?,
                    created_at: row.try_get("created_at")?,
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Stores an invitation to `structure` with `role`, audited: the actor must manage the
    /// structure (re-read here) and may grant the role (`domain::team::may_grant`), or it is
    /// « not found » / out of scope; an e-mail that is already a member, or already invited and
    /// waiting, is a `Conflict`. The invitation carries the inviter's territory.
    pub async fn create_invitation(
        &self,
        actor: &TeamActor<'_>,
        invitation: &NewInvitation<'_>,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        let mut transaction = self.begin_write().await?;
        let (role, territory) =
            manager_of(&mut transaction, actor, invitation.structure_id).await?;
        if !may_grant(role, invitation.role) {
            transaction.rollback().await?;
            return Err(StoreError::OutOfScope(format!(
                "le rôle {}",
                invitation.role.label()
            )));
        }
        let taken = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM memberships m JOIN accounts a ON a.id = m.account_id
                     WHERE a.email = $1 AND m.structure_id = $2) AS members,
                    (SELECT COUNT(*) FROM invitations i
                     WHERE i.email = $1 AND i.structure_id = $2 AND i.used_at IS NULL
                       AND i.cancelled_at IS NULL AND i.expires_at > $3) AS waiting",
        )
        .bind(invitation.email)
        .bind(invitation.structure_id.get())
        .bind(now)
        .fetch_one(&mut *transaction)
        .await?;
        if taken.try_get::<i64, _>("members")? > 0 {
            transaction.rollback().await?;
            return Err(StoreError::Conflict(
                "Cette personne fait déjà partie de l'équipe.".into(),
            ));
        }
        if taken.try_get::<i64, _>("waiting")? > 0 {
            transaction.rollback().await?;
            return Err(StoreError::Conflict(
                "Une invitation attend déjà la réponse de cette adresse : annulez-la avant d'en envoyer une autre.".into(),
            ));
        }
        let row = sqlx::query(
            "INSERT INTO invitations (token_hash, email, structure_id, role, territory_kind,
                                      territory_code, invited_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(invitation.token_hash)
        .bind(invitation.email)
        .bind(invitation.structure_id.get())
        .bind(invitation.role.code())
        .bind(territory.kind_code())
        .bind(territory.code())
        .bind(actor.account_id.get())
        .bind(now)
        .bind(invitation.expires_at)
        .fetch_one(&mut *transaction)
        .await?;
        let id: i64 = row.try_get("id")?;
        let event = audit(
            actor,
            AuditAction::Create,
            (INVITATION_RECORD, id.to_string()),
        );
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(id)
    }

    /// Cancels a waiting invitation of a structure the actor manages, audited; another
    /// structure's invitation, or one no longer waiting, is « not found » and nothing changes.
    pub async fn cancel_invitation(
        &self,
        actor: &TeamActor<'_>,
        invitation: i64,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT structure_id FROM invitations
             WHERE id = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2",
        )
        .bind(invitation)
        .bind(now)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else {
            transaction.rollback().await?;
            return Err(not_found("invitation"));
        };
        let structure = StructureId::new(row.try_get("structure_id")?);
        if let Err(error) = manager_of(&mut transaction, actor, structure).await {
            transaction.rollback().await?;
            return Err(error);
        }
        sqlx::query("UPDATE invitations SET cancelled_at = $2 WHERE id = $1")
            .bind(invitation)
            .bind(now)
            .execute(&mut *transaction)
            .await?;
        let event = audit(
            actor,
            AuditAction::Delete,
            (INVITATION_RECORD, invitation.to_string()),
        );
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Changes a member's role in the actor's structure, audited (the home membership's role is
    /// the account's role too). The actor must still manage the structure, the member must belong
    /// to it, the role must be one the actor may grant, and the structure keeps a manager;
    /// otherwise nothing changes (« not found », out of scope, or a `Conflict` naming the rule).
    pub async fn change_member_role(
        &self,
        actor: &TeamActor<'_>,
        member: AccountId,
        new_role: Role,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_write().await?;
        let checked = self
            .check_team_change(&mut transaction, actor, member, Some(new_role))
            .await;
        if let Err(error) = checked {
            transaction.rollback().await?;
            return Err(error);
        }
        sqlx::query(
            "UPDATE memberships SET role = $3, granted_by = $4, granted_at = $5
             WHERE account_id = $1 AND structure_id = $2",
        )
        .bind(member.get())
        .bind(actor.structure_id.get())
        .bind(new_role.code())
        .bind(actor.account_id.get())
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        sqlx::query("UPDATE accounts SET role = $3 WHERE id = $1 AND structure_id = $2")
            .bind(member.get())
            .bind(actor.structure_id.get())
            .bind(new_role.code())
            .execute(&mut *transaction)
            .await?;
        let event = audit(
            actor,
            AuditAction::Update,
            (MEMBERSHIP_RECORD, membership_id(member, actor.structure_id)),
        );
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The checks of a change of `member` in the actor's structure (`new_role`: `None` for a
    /// removal), in the change's transaction.
    async fn check_team_change(
        &self,
        connection: &mut AnyConnection,
        actor: &TeamActor<'_>,
        member: AccountId,
        new_role: Option<Role>,
    ) -> Result<(), StoreError> {
        let (role, _) = actor_membership(connection, actor).await?;
        if role != Role::StructureManager {
            return Err(not_found("structure"));
        }
        let current = member_role(connection, member, actor.structure_id).await?;
        if let Some(new_role) = new_role {
            if !may_grant(role, new_role) {
                return Err(StoreError::OutOfScope(format!(
                    "le rôle {}",
                    new_role.label()
                )));
            }
        }
        let managers = manager_count(connection, actor.structure_id).await?;
        if leaves_no_manager(managers, current == Role::StructureManager, new_role) {
            return Err(StoreError::Conflict(
                "La structure doit garder au moins un responsable : désignez d'abord un autre responsable.".into(),
            ));
        }
        Ok(())
    }

    /// Removes a member from the actor's structure, audited: their membership goes, every session
    /// of theirs ends at once, and when it was their home the account moves its home to another
    /// membership — or, with none left, is deactivated (its data kept). Checks as
    /// [`Store::change_member_role`].
    pub async fn remove_member(
        &self,
        actor: &TeamActor<'_>,
        member: AccountId,
        now: UnixSeconds,
    ) -> Result<Removed, StoreError> {
        let mut transaction = self.begin_write().await?;
        let checked = self
            .check_team_change(&mut transaction, actor, member, None)
            .await;
        if let Err(error) = checked {
            transaction.rollback().await?;
            return Err(error);
        }
        sqlx::query("DELETE FROM memberships WHERE account_id = $1 AND structure_id = $2")
            .bind(member.get())
            .bind(actor.structure_id.get())
            .execute(&mut *transaction)
            .await?;
        let sessions_ended = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(member.get())
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        let home = sqlx::query("SELECT structure_id FROM accounts WHERE id = $1")
            .bind(member.get())
            .fetch_one(&mut *transaction)
            .await?
            .try_get::<i64, _>("structure_id")?
            == actor.structure_id.get();
        let mut deactivated = false;
        if home {
            let next = sqlx::query(
                "SELECT structure_id, role, territory_kind, territory_code FROM memberships
                 WHERE account_id = $1 ORDER BY granted_at, id",
            )
            .bind(member.get())
            .fetch_optional(&mut *transaction)
            .await?;
            if let Some(next) = next {
                sqlx::query(
                    "UPDATE accounts SET structure_id = $2, role = $3, territory_kind = $4,
                            territory_code = $5
                     WHERE id = $1",
                )
                .bind(member.get())
                .bind(next.try_get::<i64, _>("structure_id")?)
                .bind(next.try_get::<String, _>("role")?)
                .bind(next.try_get::<String, _>("territory_kind")?)
                .bind(next.try_get::<String, _>("territory_code")?)
                .execute(&mut *transaction)
                .await?;
            } else {
                sqlx::query("UPDATE accounts SET deactivated_at = $2 WHERE id = $1")
                    .bind(member.get())
                    .bind(now)
                    .execute(&mut *transaction)
                    .await?;
                deactivated = true;
            }
        }
        let event = audit(
            actor,
            AuditAction::Delete,
            (MEMBERSHIP_RECORD, membership_id(member, actor.structure_id)),
        );
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        if deactivated {
            let event = audit(
                actor,
                AuditAction::Update,
                ("account", member.get().to_string()),
            );
            append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        }
        transaction.commit().await?;
        Ok(Removed {
            sessions_ended,
            deactivated,
        })
    }

    /// The invitation a link's token hash names, with its state at `now`; `None` when unknown.
    pub async fn invitation_by_token(
        &self,
        token_hash: &str,
        now: UnixSeconds,
    ) -> Result<Option<InvitationView>, StoreError> {
        let row = sqlx::query(
            "SELECT i.email, i.structure_id, s.name AS structure_name, i.role, i.used_at,
                    i.cancelled_at, i.expires_at,
                    (SELECT a.id FROM accounts a WHERE a.email = i.email AND a.deactivated_at IS NULL)
                      AS existing
             FROM invitations i JOIN structures s ON s.id = i.structure_id
             WHERE i.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(InvitationView {
            email: row.try_get("email")?,
            structure_id: StructureId::new(row.try_get("structure_id")?),
            structure_name: row.try_get("structure_name")?,
            role: role_of(&row)?,
            state: InvitationState::at(
                row.try_get("used_at")?,
                row.try_get("cancelled_at")?,
                row.try_get("expires_at")?,
                now,
            ),
            existing_account: row
                .try_get::<Option<i64>, _>("existing")?
                .map(AccountId::new),
        }))
    }

    /// Accepts an invitation, once: the link is spent (`UPDATE … WHERE used_at IS NULL …`) in the
    /// transaction that adds the membership — to a new account, or to the signed-in account whose
    /// e-mail it names — and audits both. The inviter must still be allowed to grant the role.
    /// A spent, cancelled, expired or unknown link is « not found »; an account that already
    /// belongs to the structure, or a new account for an e-mail taken meanwhile, a `Conflict`;
    /// nothing is written in either case.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        acceptance: Acceptance<'_>,
        reason: &str,
        now: UnixSeconds,
    ) -> Result<Accepted, StoreError> {
        let mut transaction = self.begin_write().await?;
        let outcome = accept_in(&mut transaction, token_hash, acceptance, now).await;
        let (accepted, created, inviter) = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                transaction.rollback().await?;
                return Err(error);
            }
        };
        let actor = TeamActor {
            account_id: accepted.account,
            structure_id: accepted.structure,
            reason,
        };
        if created {
            let mut event = audit(
                &actor,
                AuditAction::Create,
                ("account", accepted.account.get().to_string()),
            );
            event.actor_account_id = Some(inviter);
            append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        }
        let event = audit(
            &actor,
            AuditAction::Create,
            (
                MEMBERSHIP_RECORD,
                membership_id(accepted.account, accepted.structure),
            ),
        );
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(accepted)
    }
}

/// The acceptance's writes: (what was made, whether the account is new, the inviter).
async fn accept_in(
    connection: &mut AnyConnection,
    token_hash: &str,
    acceptance: Acceptance<'_>,
    now: UnixSeconds,
) -> Result<(Accepted, bool, i64), StoreError> {
    let row = sqlx::query(
        "UPDATE invitations SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2
         RETURNING id, email, structure_id, role, territory_kind, territory_code, invited_by",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| not_found("invitation"))?;
    let invitation: i64 = row.try_get("id")?;
    let email: String = row.try_get("email")?;
    let structure = StructureId::new(row.try_get("structure_id")?);
    let role = role_of(&row)?;
    let territory = territory_of(&row)?;
    let inviter: i64 = row.try_get("invited_by")?;
    // The inviter still holds the right to grant this role to this structure.
    let inviter_actor = TeamActor {
        account_id: AccountId::new(inviter),
        structure_id: structure,
        reason: "",
    };
    let granted = match actor_membership(connection, &inviter_actor).await {
        Ok((inviter_role, _)) => may_grant(inviter_role, role),
        Err(_) => {
            let home = sqlx::query(
                "SELECT m.role, m.territory_kind, m.territory_code FROM memberships m
                   JOIN accounts a ON a.id = m.account_id AND a.structure_id = m.structure_id
                 WHERE m.account_id = $1 AND a.deactivated_at IS NULL",
            )
            .bind(inviter)
            .fetch_optional(&mut *connection)
            .await?;
            match home {
                Some(home) if role_of(&home)? == Role::Coordinator => {
                    may_grant(Role::Coordinator, role)
                        && structure_in_territory(connection, structure, &territory_of(&home)?)
                            .await?
                }
                _ => false,
            }
        }
    };
    if !granted {
        return Err(not_found("invitation"));
    }
    let (account, created) = match acceptance {
        Acceptance::NewAccount {
            display_name,
            password_hash,
        } => {
            let row = sqlx::query(
                "INSERT INTO accounts (email, display_name, role, structure_id, territory_kind,
                                       territory_code, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&email)
            .bind(display_name)
            .bind(role.code())
            .bind(structure.get())
            .bind(territory.kind_code())
            .bind(territory.code())
            .bind(password_hash)
            .bind(now)
            .fetch_one(&mut *connection)
            .await
            .map_err(|e| {
                StoreError::on_unique_violation(e, "Un compte existe déjà pour cette adresse.")
            })?;
            (AccountId::new(row.try_get("id")?), true)
        }
        Acceptance::Existing(account) => {
            let same = sqlx::query(
                "SELECT COUNT(*) AS n FROM accounts
                 WHERE id = $1 AND email = $2 AND deactivated_at IS NULL",
            )
            .bind(account.get())
            .bind(&email)
            .fetch_one(&mut *connection)
            .await?;
            if same.try_get::<i64, _>("n")? == 0 {
                return Err(StoreError::OutOfScope(
                    "l'invitation est adressée à un autre compte".into(),
                ));
            }
            (account, false)
        }
    };
    let inserted = sqlx::query(
        "INSERT INTO memberships (account_id, structure_id, role, territory_kind, territory_code,
                                  granted_by, granted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, structure_id) DO NOTHING",
    )
    .bind(account.get())
    .bind(structure.get())
    .bind(role.code())
    .bind(territory.kind_code())
    .bind(territory.code())
    .bind(inviter)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            "Votre compte fait déjà partie de cette structure.".into(),
        ));
    }
    sqlx::query("UPDATE invitations SET accepted_by = $2 WHERE id = $1")
        .bind(invitation)
        .bind(account.get())
        .execute(&mut *connection)
        .await?;
    Ok((Accepted { account, structure }, created, inviter))
}
