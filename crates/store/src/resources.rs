//! The resource bank in storage (issue 21): a session's working copy and its materials, the review
//! (submitted, taken by a référent, published or sent back), the versions every publication leaves,
//! the adaptation of a published session, and the référents a coordinator designates.
//!
//! Who may act is decided inside each transaction, on the very rows touched: the authors edit and
//! submit their working copy; a référent reviews the sessions of structures in the territory they were
//! designated for, never a session they wrote; a coordinator designates mediators of their territory.
//! Files are content-addressed (`resource_files`, by SHA-256), so one file attached twice is stored once.
//! Search and the published index are in [`crate::resource_search`].

use crate::audit::append_audit_in;
use crate::resource_search::index_published;
use crate::{Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::ids::{AccountId, ResourceSessionId, StructureId};
use aiguillage_domain::labelled::Coded;
use aiguillage_domain::resource::diff::VersionSnapshot;
use aiguillage_domain::resource::review::{
    ChecklistItem, ReviewAction, ReviewDecision, ReviewError, ReviewState, Reviewer,
};
use aiguillage_domain::resource::{
    AccessibilityFeature, Licence, MaterialEntry, MaterialKind, SessionContent,
};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeSet;

/// The one rule of which sessions a référent reviews: their structure's commune lies in the territory
/// the référent was designated for (`r`: resource_referents, `c`: the structure's commune).
macro_rules! referent_covers {
    () => {
        " AND ((r.territory_kind = 'departement' AND c.departement_code = r.territory_code)
              OR (r.territory_kind = 'epci' AND c.epci_code = r.territory_code)) "
    };
}
pub(crate) use referent_covers;

/// Who acts on the bank, and why (the route, for the audit trail).
#[derive(Debug, Clone)]
pub struct BankActor<'a> {
    pub account_id: AccountId,
    pub structure_id: StructureId,
    pub role: Role,
    pub territory: &'a TerritoryScope,
    pub reason: &'a str,
}

/// A material to attach: a file already checked by `domain::resource::upload`, or a link.
#[derive(Debug, Clone)]
pub enum MaterialSource {
    File {
        bytes: Vec<u8>,
        media_type: &'static str,
        file_name: String,
    },
    Link(String),
}

/// A material to attach, with what it is.
#[derive(Debug, Clone)]
pub struct NewMaterial {
    pub kind: MaterialKind,
    pub title: String,
    pub licence: Licence,
    pub accessibility: BTreeSet<AccessibilityFeature>,
    pub source: MaterialSource,
}

/// A material of a working copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMaterial {
    pub id: i64,
    pub entry: MaterialEntry,
    pub media_type: Option<String>,
    pub byte_size: Option<i64>,
}

/// A session's working copy, as its authors and référents see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCopy {
    pub id: ResourceSessionId,
    pub structure_id: StructureId,
    pub structure_name: String,
    pub state: ReviewState,
    pub content: SessionContent,
    pub materials: Vec<StoredMaterial>,
    pub reviewer: Option<String>,
    pub published_version: Option<i64>,
    pub updated_at: UnixSeconds,
}

/// A published version's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSummary {
    pub number: i64,
    pub published_at: UnixSeconds,
    pub published_by: String,
}

/// A review's recorded decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRecord {
    pub reviewer: String,
    pub published: bool,
    pub checked: Vec<ChecklistItem>,
    pub comment: Option<String>,
    pub version: Option<i64>,
    pub decided_at: UnixSeconds,
}

/// Everything a page shows of one session, cut to what the viewer may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSheet {
    pub id: ResourceSessionId,
    pub structure_name: String,
    pub authors: Vec<String>,
    /// The session it was adapted from: id, title, version and its authors.
    pub source: Option<SourceCredit>,
    /// The last published version, when there is one and the viewer may read it.
    pub published: Option<(i64, VersionSnapshot)>,
    pub versions: Vec<VersionSummary>,
    /// The working copy, for its authors and the référents who may review it.
    pub working: Option<WorkingCopy>,
    pub reviews: Vec<ReviewRecord>,
    pub viewer_is_author: bool,
    pub viewer_may_review: bool,
}

/// Whom an adaptation credits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCredit {
    pub id: ResourceSessionId,
    pub title: String,
    pub version: i64,
    pub authors: Vec<String>,
}

/// A working copy in a list (the author's sessions, the sessions to review).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCopyLine {
    pub id: ResourceSessionId,
    pub title: String,
    pub state: ReviewState,
    pub structure_name: String,
    pub published_version: Option<i64>,
    pub updated_at: UnixSeconds,
}

/// A file to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedFile {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub file_name: String,
}

/// A référent, as the coordinator's page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referent {
    pub account_id: AccountId,
    pub name: String,
    pub structure_name: String,
    pub designated_at: UnixSeconds,
}

/// A list of codes as stored: a space before and after each, so one `LIKE '% code %'` filters.
pub(crate) fn code_list<T: Coded>(values: impl IntoIterator<Item = T>) -> String {
    let mut list = String::from(" ");
    for value in values {
        list.push_str(value.code());
        list.push(' ');
    }
    list
}

fn parse_codes<T: Coded + Ord>(list: &str) -> Result<BTreeSet<T>, StoreError> {
    list.split_whitespace()
        .map(|code| {
            T::from_code(code)
                .ok_or_else(|| StoreError::Corrupt(format!("code inconnu « {code} »")))
        })
        .collect()
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn not_found() -> StoreError {
    StoreError::NotFound("séance".into())
}

async fn audit(
    connection: &mut AnyConnection,
    store: &Store,
    actor: &BankActor<'_>,
    action: AuditAction,
    session: ResourceSessionId,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    let event = AuditEvent {
        actor_account_id: Some(actor.account_id.get()),
        action,
        record_kind: "resource_session".to_owned(),
        record_id: session.to_string(),
        reason: actor.reason.to_owned(),
    };
    append_audit_in(connection, &store.audit_key, &event, now).await?;
    Ok(())
}

/// The working copy's state and whether the actor wrote it, or `NotFound`.
async fn session_state(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
    actor: AccountId,
) -> Result<(ReviewState, bool, Option<i64>), StoreError> {
    let row = sqlx::query(
        "SELECT s.state, s.published_version,
                (SELECT COUNT(*) FROM resource_authors a WHERE a.session_id = s.id AND a.account_id = $2) AS authored
         FROM resource_sessions s WHERE s.id = $1",
    )
    .bind(session.get())
    .bind(actor.get())
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(not_found)?;
    let state: String = row.try_get("state")?;
    let state = ReviewState::from_code(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("état « {state} »")))?;
    let authored: i64 = row.try_get("authored")?;
    Ok((state, authored > 0, row.try_get("published_version")?))
}

/// Whether `account` is a référent whose territory holds the session's structure.
async fn reviews_session(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
    account: AccountId,
) -> Result<bool, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT COUNT(*) AS n FROM resource_referents r, resource_sessions s
           JOIN structures st ON st.id = s.structure_id
           JOIN communes c ON c.code = st.commune_code
         WHERE r.account_id = $1 AND s.id = $2",
        referent_covers!(),
        ""
    ))
    .bind(account.get())
    .bind(session.get())
    .fetch_one(&mut *connection)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

async fn set_state(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
    state: ReviewState,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE resource_sessions SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(state.code())
        .bind(now)
        .bind(session.get())
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Checks that the actor may edit the working copy now and moves it back to draft.
async fn begin_edit(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
    actor: &BankActor<'_>,
    now: UnixSeconds,
) -> Result<Result<(), ReviewError>, StoreError> {
    let (state, authored, _) = session_state(connection, session, actor.account_id).await?;
    let who = Reviewer {
        is_author: authored,
        is_referent: false,
    };
    match state.after(ReviewAction::Edit, who) {
        Ok(next) => {
            set_state(connection, session, next, now).await?;
            Ok(Ok(()))
        }
        Err(ReviewError::NotAuthor) => Err(not_found_unless_visible(connection, session).await),
        Err(error) => Ok(Err(error)),
    }
}

/// A session someone may not edit: `OutOfScope` when it is published (they may read it), `NotFound`
/// otherwise (a draft of someone else's does not exist for them).
async fn not_found_unless_visible(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
) -> StoreError {
    let published = sqlx::query("SELECT 1 AS one FROM resource_published WHERE session_id = $1")
        .bind(session.get())
        .fetch_optional(&mut *connection)
        .await;
    match published {
        Ok(Some(_)) => StoreError::OutOfScope("séance".into()),
        Ok(None) => not_found(),
        Err(error) => error.into(),
    }
}

/// Stores a file once (by its SHA-256) and returns its hash.
async fn store_file(
    connection: &mut AnyConnection,
    bytes: &[u8],
    media_type: &str,
    now: UnixSeconds,
) -> Result<String, StoreError> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    sqlx::query(
        "INSERT INTO resource_files (sha256, media_type, byte_size, content, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&sha256)
    .bind(media_type)
    .bind(bytes.len() as i64)
    .bind(bytes.to_vec())
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(sha256)
}

async fn insert_material(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
    entry: &MaterialEntry,
    added_by: AccountId,
    now: UnixSeconds,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO resource_materials (session_id, kind, title, licence, accessibility, sha256,
                                         file_name, url, added_by, added_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(session.get())
    .bind(entry.kind.code())
    .bind(&entry.title)
    .bind(entry.licence.code())
    .bind(code_list(entry.accessibility.iter().copied()))
    .bind(entry.sha256.clone())
    .bind(entry.file_name.clone())
    .bind(entry.url.clone())
    .bind(added_by.get())
    .bind(now)
    .fetch_one(&mut *connection)
    .await?;
    Ok(row.try_get("id")?)
}

/// Inserts a draft written by the actor, for the actor's structure.
async fn insert_draft(
    connection: &mut AnyConnection,
    actor: &BankActor<'_>,
    content: &SessionContent,
    now: UnixSeconds,
) -> Result<ResourceSessionId, StoreError> {
    let row = sqlx::query(
        "INSERT INTO resource_sessions (structure_id, created_by, state, content, title, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(actor.structure_id.get())
    .bind(actor.account_id.get())
    .bind(ReviewState::Draft.code())
    .bind(to_json(content)?)
    .bind(&content.title)
    .bind(now)
    .fetch_one(&mut *connection)
    .await?;
    let id = ResourceSessionId::new(row.try_get("id")?);
    sqlx::query("INSERT INTO resource_authors (session_id, account_id) VALUES ($1, $2)")
        .bind(id.get())
        .bind(actor.account_id.get())
        .execute(&mut *connection)
        .await?;
    Ok(id)
}

/// Stores a material's file (once, by its hash) and lists the material on the session.
async fn attach_material(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
    material: &NewMaterial,
    added_by: AccountId,
    now: UnixSeconds,
) -> Result<i64, StoreError> {
    let (sha256, file_name, url) = match &material.source {
        MaterialSource::File {
            bytes,
            media_type,
            file_name,
        } => (
            Some(store_file(connection, bytes, media_type, now).await?),
            Some(file_name.clone()),
            None,
        ),
        MaterialSource::Link(url) => (None, None, Some(url.clone())),
    };
    let entry = MaterialEntry {
        kind: material.kind,
        title: material.title.clone(),
        licence: material.licence,
        accessibility: material.accessibility.clone(),
        sha256,
        file_name,
        url,
    };
    insert_material(connection, session, &entry, added_by, now).await
}

fn material_from(row: &AnyRow) -> Result<StoredMaterial, StoreError> {
    let kind: String = row.try_get("kind")?;
    let licence: String = row.try_get("licence")?;
    let accessibility: String = row.try_get("accessibility")?;
    Ok(StoredMaterial {
        id: row.try_get("id")?,
        entry: MaterialEntry {
            kind: MaterialKind::from_code(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("support « {kind} »")))?,
            title: row.try_get("title")?,
            licence: Licence::from_code(&licence)
                .ok_or_else(|| StoreError::Corrupt(format!("licence « {licence} »")))?,
            accessibility: parse_codes(&accessibility)?,
            sha256: row.try_get("sha256")?,
            file_name: row.try_get("file_name")?,
            url: row.try_get("url")?,
        },
        media_type: row.try_get("media_type")?,
        byte_size: row.try_get("byte_size")?,
    })
}

async fn materials_of(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
) -> Result<Vec<StoredMaterial>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.id, m.kind, m.title, m.licence, m.accessibility, m.sha256, m.file_name, m.url,
                f.media_type, f.byte_size
         FROM resource_materials m LEFT JOIN resource_files f ON f.sha256 = m.sha256
         WHERE m.session_id = $1 ORDER BY m.id",
    )
    .bind(session.get())
    .fetch_all(&mut *connection)
    .await?;
    rows.iter().map(material_from).collect()
}

async fn working_copy(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
) -> Result<WorkingCopy, StoreError> {
    let row = sqlx::query(
        "SELECT s.id, s.structure_id, st.name AS structure_name, s.state, s.content, s.published_version,
                s.updated_at, r.display_name AS reviewer
         FROM resource_sessions s JOIN structures st ON st.id = s.structure_id
           LEFT JOIN accounts r ON r.id = s.reviewer_account_id
         WHERE s.id = $1",
    )
    .bind(session.get())
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(not_found)?;
    let state: String = row.try_get("state")?;
    let content: String = row.try_get("content")?;
    Ok(WorkingCopy {
        id: session,
        structure_id: StructureId::new(row.try_get("structure_id")?),
        structure_name: row.try_get("structure_name")?,
        state: ReviewState::from_code(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("état « {state} »")))?,
        content: from_json(&content)?,
        materials: materials_of(connection, session).await?,
        reviewer: row.try_get("reviewer")?,
        published_version: row.try_get("published_version")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn authors_of(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.display_name FROM resource_authors ra JOIN accounts a ON a.id = ra.account_id
         WHERE ra.session_id = $1 ORDER BY a.display_name",
    )
    .bind(session.get())
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| Ok(row.try_get("display_name")?))
        .collect()
}

/// The published snapshot `number` of a session.
pub(crate) async fn version_snapshot(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
    number: i64,
) -> Result<Option<VersionSnapshot>, StoreError> {
    let row =
        sqlx::query("SELECT snapshot FROM resource_versions WHERE session_id = $1 AND number = $2")
            .bind(session.get())
            .bind(number)
            .fetch_optional(&mut *connection)
            .await?;
    match row {
        Some(row) => Ok(Some(from_json(&row.try_get::<String, _>("snapshot")?)?)),
        None => Ok(None),
    }
}

impl Store {
    /// Creates a draft session written by the actor, for the actor's structure.
    pub async fn create_resource_session(
        &self,
        actor: &BankActor<'_>,
        content: &SessionContent,
        now: UnixSeconds,
    ) -> Result<ResourceSessionId, StoreError> {
        let mut transaction = self.begin_write().await?;
        let id = insert_draft(&mut transaction, actor, content, now).await?;
        audit(&mut transaction, self, actor, AuditAction::Create, id, now).await?;
        transaction.commit().await?;
        Ok(id)
    }

    /// Creates a draft for the actor's structure with all its materials, in one transaction: the
    /// draft and every material, or nothing (an imported archive, already checked).
    pub async fn import_resource_session(
        &self,
        actor: &BankActor<'_>,
        content: &SessionContent,
        materials: &[NewMaterial],
        now: UnixSeconds,
    ) -> Result<ResourceSessionId, StoreError> {
        let mut transaction = self.begin_write().await?;
        let id = insert_draft(&mut transaction, actor, content, now).await?;
        for material in materials {
            attach_material(&mut transaction, id, material, actor.account_id, now).await?;
        }
        audit(&mut transaction, self, actor, AuditAction::Create, id, now).await?;
        transaction.commit().await?;
        Ok(id)
    }

    /// Replaces the working copy's content (authors only, not while it is reviewed); a published
    /// session goes back to draft, its published version staying readable.
    pub async fn update_resource_content(
        &self,
        actor: &BankActor<'_>,
        session: ResourceSessionId,
        content: &SessionContent,
        now: UnixSeconds,
    ) -> Result<Result<(), ReviewError>, StoreError> {
        let mut transaction = self.begin_write().await?;
        if let Err(refusal) = begin_edit(&mut transaction, session, actor, now).await? {
            return Ok(Err(refusal));
        }
        sqlx::query("UPDATE resource_sessions SET content = $1, title = $2 WHERE id = $3")
            .bind(to_json(content)?)
            .bind(&content.title)
            .bind(session.get())
            .execute(&mut *transaction)
            .await?;
        audit(
            &mut transaction,
            self,
            actor,
            AuditAction::Update,
            session,
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// Attaches a material to the working copy (authors only); a file is stored once by its hash.
    pub async fn add_resource_material(
        &self,
        actor: &BankActor<'_>,
        session: ResourceSessionId,
        material: &NewMaterial,
        now: UnixSeconds,
    ) -> Result<Result<i64, ReviewError>, StoreError> {
        let mut transaction = self.begin_write().await?;
        if let Err(refusal) = begin_edit(&mut transaction, session, actor, now).await? {
            return Ok(Err(refusal));
        }
        let id =
            attach_material(&mut transaction, session, material, actor.account_id, now).await?;
        audit(
            &mut transaction,
            self,
            actor,
            AuditAction::Update,
            session,
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Ok(id))
    }

    /// Removes a material from the working copy (authors only). Its file stays while a version
    /// lists it.
    pub async fn remove_resource_material(
        &self,
        actor: &BankActor<'_>,
        session: ResourceSessionId,
        material_id: i64,
        now: UnixSeconds,
    ) -> Result<Result<(), ReviewError>, StoreError> {
        let mut transaction = self.begin_write().await?;
        if let Err(refusal) = begin_edit(&mut transaction, session, actor, now).await? {
            return Ok(Err(refusal));
        }
        let removed =
            sqlx::query("DELETE FROM resource_materials WHERE id = $1 AND session_id = $2")
                .bind(material_id)
                .bind(session.get())
                .execute(&mut *transaction)
                .await?;
        if removed.rows_affected() == 0 {
            return Err(StoreError::NotFound("support".into()));
        }
        audit(
            &mut transaction,
            self,
            actor,
            AuditAction::Update,
            session,
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// Asks for a review (authors only; at least one material). Returns the référents who may review
    /// it, to be told.
    pub async fn submit_resource(
        &self,
        actor: &BankActor<'_>,
        session: ResourceSessionId,
        now: UnixSeconds,
    ) -> Result<Result<Vec<AccountId>, ReviewError>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let (state, authored, _) =
            session_state(&mut transaction, session, actor.account_id).await?;
        if !authored {
            return Err(not_found_unless_visible(&mut transaction, session).await);
        }
        let who = Reviewer {
            is_author: true,
            is_referent: false,
        };
        let next = match state.after(ReviewAction::Submit, who) {
            Ok(next) => next,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if materials_of(&mut transaction, session).await?.is_empty() {
            return Ok(Err(ReviewError::NoMaterial));
        }
        set_state(&mut transaction, session, next, now).await?;
        let referents = referents_for(&mut transaction, session).await?;
        audit(
            &mut transaction,
            self,
            actor,
            AuditAction::Update,
            session,
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Ok(referents))
    }

    /// A référent takes a submitted session's review.
    pub async fn start_resource_review(
        &self,
        actor: &BankActor<'_>,
        session: ResourceSessionId,
        now: UnixSeconds,
    ) -> Result<Result<(), ReviewError>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let who = self.reviewer_of(&mut transaction, session, actor).await?;
        let (state, _, _) = session_state(&mut transaction, session, actor.account_id).await?;
        let next = match state.after(ReviewAction::StartReview, who) {
            Ok(next) => next,
            Err(refusal) => return Ok(Err(refusal)),
        };
        set_state(&mut transaction, session, next, now).await?;
        sqlx::query("UPDATE resource_sessions SET reviewer_account_id = $1 WHERE id = $2")
            .bind(actor.account_id.get())
            .bind(session.get())
            .execute(&mut *transaction)
            .await?;
        audit(
            &mut transaction,
            self,
            actor,
            AuditAction::Update,
            session,
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// Who the actor is to this session's review; `NotFound` for someone who may neither write nor
    /// review it (a working copy is not theirs to see).
    async fn reviewer_of(
        &self,
        connection: &mut AnyConnection,
        session: ResourceSessionId,
        actor: &BankActor<'_>,
    ) -> Result<Reviewer, StoreError> {
        let (_, authored, _) = session_state(connection, session, actor.account_id).await?;
        let is_referent = reviews_session(connection, session, actor.account_id).await?;
        if !authored && !is_referent {
            return Err(not_found_unless_visible(connection, session).await);
        }
        Ok(Reviewer {
            is_author: authored,
            is_referent,
        })
    }

    /// A référent's decision: publish (a new version, the published index updated) or send back.
    /// Returns the authors to tell and, when published, the new version's number.
    pub async fn decide_resource_review(
        &self,
        actor: &BankActor<'_>,
        session: ResourceSessionId,
        decision: &ReviewDecision,
        now: UnixSeconds,
    ) -> Result<Result<(Vec<AccountId>, Option<i64>), ReviewError>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let who = self.reviewer_of(&mut transaction, session, actor).await?;
        let (state, _, published_version) =
            session_state(&mut transaction, session, actor.account_id).await?;
        let action = if decision.publish {
            ReviewAction::Publish
        } else {
            ReviewAction::SendBack
        };
        let next = match state.after(action, who) {
            Ok(next) => next,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if let Err(refusal) = decision.check() {
            return Ok(Err(refusal));
        }
        set_state(&mut transaction, session, next, now).await?;
        let version = if decision.publish {
            let number = published_version.unwrap_or(0) + 1;
            self.publish_version(&mut transaction, session, number, actor.account_id, now)
                .await?;
            Some(number)
        } else {
            None
        };
        sqlx::query(
            "INSERT INTO resource_reviews (session_id, reviewer_account_id, published, checklist, comment,
                                           version, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(session.get())
        .bind(actor.account_id.get())
        .bind(i64::from(decision.publish))
        .bind(code_list(decision.checked.iter().copied()))
        .bind(decision.comment.clone())
        .bind(version)
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        let authors = author_ids(&mut transaction, session).await?;
        audit(
            &mut transaction,
            self,
            actor,
            AuditAction::Update,
            session,
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Ok((authors, version)))
    }

    async fn publish_version(
        &self,
        connection: &mut AnyConnection,
        session: ResourceSessionId,
        number: i64,
        by: AccountId,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let copy = working_copy(connection, session).await?;
        let snapshot = VersionSnapshot {
            content: copy.content,
            materials: copy.materials.into_iter().map(|m| m.entry).collect(),
        };
        sqlx::query(
            "INSERT INTO resource_versions (session_id, number, snapshot, published_at, published_by)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.get())
        .bind(number)
        .bind(to_json(&snapshot)?)
        .bind(now)
        .bind(by.get())
        .execute(&mut *connection)
        .await?;
        sqlx::query(
            "UPDATE resource_sessions SET published_version = $1, reviewer_account_id = NULL WHERE id = $2",
        )
        .bind(number)
        .bind(session.get())
        .execute(&mut *connection)
        .await?;
        index_published(connection, self.backend, session, number, &snapshot, now).await
    }

    /// Adapts a published session: a new draft for the actor's structure with the last published
    /// version's content and materials, linked to its source. Returns the draft and the source's
    /// authors, to be told.
    pub async fn adapt_resource_session(
        &self,
        actor: &BankActor<'_>,
        source: ResourceSessionId,
        now: UnixSeconds,
    ) -> Result<(ResourceSessionId, Vec<AccountId>), StoreError> {
        let mut transaction = self.begin_write().await?;
        let version: i64 =
            sqlx::query("SELECT version FROM resource_published WHERE session_id = $1")
                .bind(source.get())
                .fetch_optional(&mut *transaction)
                .await?
                .ok_or_else(not_found)?
                .try_get("version")?;
        let snapshot = version_snapshot(&mut transaction, source, version)
            .await?
            .ok_or_else(not_found)?;
        let mut content = snapshot.content.clone();
        content.title = adapted_title(&content.title);
        let row = sqlx::query(
            "INSERT INTO resource_sessions (structure_id, created_by, state, content, title, source_session_id,
                                            source_version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(actor.structure_id.get())
        .bind(actor.account_id.get())
        .bind(ReviewState::Draft.code())
        .bind(to_json(&content)?)
        .bind(&content.title)
        .bind(source.get())
        .bind(version)
        .bind(now)
        .fetch_one(&mut *transaction)
        .await?;
        let id = ResourceSessionId::new(row.try_get("id")?);
        sqlx::query("INSERT INTO resource_authors (session_id, account_id) VALUES ($1, $2)")
            .bind(id.get())
            .bind(actor.account_id.get())
            .execute(&mut *transaction)
            .await?;
        for entry in &snapshot.materials {
            insert_material(&mut transaction, id, entry, actor.account_id, now).await?;
        }
        let source_authors = author_ids(&mut transaction, source).await?;
        audit(&mut transaction, self, actor, AuditAction::Create, id, now).await?;
        transaction.commit().await?;
        Ok((id, source_authors))
    }

    /// One session as the viewer may see it (`None` viewer: an anonymous visitor, who sees a
    /// published session under an open licence only). `NotFound` when there is nothing to show.
    pub async fn resource_sheet(
        &self,
        viewer: Option<&BankActor<'_>>,
        session: ResourceSessionId,
    ) -> Result<SessionSheet, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let (is_author, may_review) = match viewer {
            Some(actor) => {
                let (_, authored, _) =
                    session_state(&mut connection, session, actor.account_id).await?;
                let referent = reviews_session(&mut connection, session, actor.account_id).await?;
                (authored, referent && !authored)
            }
            None => (false, false),
        };
        let published = self
            .published_for(&mut connection, session, viewer.is_some())
            .await?;
        let working = if is_author || may_review {
            let copy = working_copy(&mut connection, session).await?;
            let hidden_draft = !is_author && copy.state == ReviewState::Draft;
            (!hidden_draft).then_some(copy)
        } else {
            None
        };
        if published.is_none() && working.is_none() {
            return Err(not_found());
        }
        let header = sqlx::query(
            "SELECT st.name AS structure_name, s.source_session_id, s.source_version
             FROM resource_sessions s JOIN structures st ON st.id = s.structure_id WHERE s.id = $1",
        )
        .bind(session.get())
        .fetch_one(&mut *connection)
        .await?;
        let source = match header.try_get::<Option<i64>, _>("source_session_id")? {
            Some(source_id) => {
                let source_id = ResourceSessionId::new(source_id);
                let version: i64 = header
                    .try_get::<Option<i64>, _>("source_version")?
                    .unwrap_or(1);
                let title = version_snapshot(&mut connection, source_id, version)
                    .await?
                    .map(|snapshot| snapshot.content.title)
                    .unwrap_or_default();
                Some(SourceCredit {
                    id: source_id,
                    title,
                    version,
                    authors: authors_of(&mut connection, source_id).await?,
                })
            }
            None => None,
        };
        let show_reviews = is_author || may_review;
        Ok(SessionSheet {
            id: session,
            structure_name: header.try_get("structure_name")?,
            authors: authors_of(&mut connection, session).await?,
            source,
            versions: if published.is_some() || show_reviews {
                versions_of(&mut connection, session).await?
            } else {
                Vec::new()
            },
            published,
            working,
            reviews: if show_reviews {
                reviews_of(&mut connection, session).await?
            } else {
                Vec::new()
            },
            viewer_is_author: is_author,
            viewer_may_review: may_review,
        })
    }

    async fn published_for(
        &self,
        connection: &mut AnyConnection,
        session: ResourceSessionId,
        signed_in: bool,
    ) -> Result<Option<(i64, VersionSnapshot)>, StoreError> {
        let row = sqlx::query(
            "SELECT version, open_licence FROM resource_published WHERE session_id = $1",
        )
        .bind(session.get())
        .fetch_optional(&mut *connection)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let open: i64 = row.try_get("open_licence")?;
        if !signed_in && open == 0 {
            return Ok(None);
        }
        let version: i64 = row.try_get("version")?;
        Ok(version_snapshot(connection, session, version)
            .await?
            .map(|snapshot| (version, snapshot)))
    }

    /// A published version and the one before it (to show what changed), when the viewer may read
    /// the session's published versions.
    pub async fn resource_version(
        &self,
        viewer: Option<&BankActor<'_>>,
        session: ResourceSessionId,
        number: i64,
    ) -> Result<(VersionSnapshot, Option<VersionSnapshot>), StoreError> {
        let mut connection = self.pool.acquire().await?;
        if self
            .published_for(&mut connection, session, viewer.is_some())
            .await?
            .is_none()
        {
            return Err(not_found());
        }
        let current = version_snapshot(&mut connection, session, number)
            .await?
            .ok_or_else(|| StoreError::NotFound("version".into()))?;
        let previous = version_snapshot(&mut connection, session, number - 1).await?;
        Ok((current, previous))
    }

    /// The actor's own working copies, last changed first.
    pub async fn my_resource_sessions(
        &self,
        actor: &BankActor<'_>,
    ) -> Result<Vec<WorkingCopyLine>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.title, s.state, st.name AS structure_name, s.published_version, s.updated_at
             FROM resource_sessions s JOIN resource_authors a ON a.session_id = s.id
               JOIN structures st ON st.id = s.structure_id
             WHERE a.account_id = $1 ORDER BY s.updated_at DESC, s.id DESC",
        )
        .bind(actor.account_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(line_from).collect()
    }

    /// The sessions waiting for the actor's review: submitted or under review, in the territory
    /// the actor was designated for, not written by the actor.
    pub async fn resources_to_review(
        &self,
        actor: &BankActor<'_>,
    ) -> Result<Vec<WorkingCopyLine>, StoreError> {
        let rows = sqlx::query(
            concat!(
        "SELECT s.id, s.title, s.state, st.name AS structure_name, s.published_version, s.updated_at
             FROM resource_referents r, resource_sessions s
               JOIN structures st ON st.id = s.structure_id
               JOIN communes c ON c.code = st.commune_code
             WHERE r.account_id = $1 AND s.state IN ('submitted', 'under_review')",
        referent_covers!(),
        "AND NOT EXISTS (SELECT 1 FROM resource_authors a WHERE a.session_id = s.id AND a.account_id = $1)
             ORDER BY s.updated_at, s.id"
    ),
        )
        .bind(actor.account_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(line_from).collect()
    }

    /// A file of a session, when the viewer may read a version or working copy listing it. An
    /// anonymous visitor gets the published files only, and no editable source (ODT, DOCX…): those
    /// are for professionals, who adapt them.
    pub async fn resource_file(
        &self,
        viewer: Option<&BankActor<'_>>,
        session: ResourceSessionId,
        sha256: &str,
    ) -> Result<ServedFile, StoreError> {
        let sheet = self.resource_sheet(viewer, session).await?;
        let mut names = Vec::new();
        if let Some((_, snapshot)) = &sheet.published {
            names.extend(snapshot.materials.iter().cloned());
        }
        if viewer.is_some() {
            let mut connection = self.pool.acquire().await?;
            for version in &sheet.versions {
                if let Some(snapshot) =
                    version_snapshot(&mut connection, session, version.number).await?
                {
                    names.extend(snapshot.materials);
                }
            }
            if let Some(copy) = &sheet.working {
                names.extend(copy.materials.iter().map(|m| m.entry.clone()));
            }
        }
        let entry = names
            .into_iter()
            .find(|entry| entry.sha256.as_deref() == Some(sha256))
            .ok_or_else(|| StoreError::NotFound("fichier".into()))?;
        let row = sqlx::query("SELECT media_type, content FROM resource_files WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound("fichier".into()))?;
        let media_type: String = row.try_get("media_type")?;
        if viewer.is_none() && is_editable_source(&media_type) {
            return Err(StoreError::OutOfScope("fichier source".into()));
        }
        Ok(ServedFile {
            bytes: row.try_get("content")?,
            media_type,
            file_name: entry.file_name.unwrap_or_else(|| "fichier".into()),
        })
    }

    /// Designates a mediator as référent for the coordinator's territory; the mediator's structure
    /// must be in that territory.
    pub async fn designate_referent(
        &self,
        actor: &BankActor<'_>,
        account: AccountId,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT a.role, c.departement_code, c.epci_code FROM accounts a
               JOIN structures s ON s.id = a.structure_id JOIN communes c ON c.code = s.commune_code
             WHERE a.id = $1 AND a.deactivated_at IS NULL",
        )
        .bind(account.get())
        .fetch_optional(&mut *transaction)
        .await?
        .ok_or_else(|| StoreError::NotFound("compte".into()))?;
        let departement: String = row.try_get("departement_code")?;
        let epci: Option<String> = row.try_get("epci_code")?;
        let inside = match actor.territory {
            TerritoryScope::Departement(code) => &departement == code,
            TerritoryScope::Epci(code) => epci.as_deref() == Some(code.as_str()),
        };
        if !inside {
            return Err(StoreError::NotFound("compte".into()));
        }
        let role: String = row.try_get("role")?;
        if role != Role::Mediator.code() {
            return Err(StoreError::Conflict(
                "Seul un compte de médiateur numérique peut être désigné référent.".into(),
            ));
        }
        sqlx::query("DELETE FROM resource_referents WHERE account_id = $1")
            .bind(account.get())
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "INSERT INTO resource_referents (account_id, territory_kind, territory_code, designated_by, designated_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(account.get())
        .bind(actor.territory.kind_code())
        .bind(actor.territory.code())
        .bind(actor.account_id.get())
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &AuditEvent {
                actor_account_id: Some(actor.account_id.get()),
                action: AuditAction::Create,
                record_kind: "resource_referent".into(),
                record_id: account.to_string(),
                reason: actor.reason.to_owned(),
            },
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Ends a designation made for the actor's territory.
    pub async fn revoke_referent(
        &self,
        actor: &BankActor<'_>,
        account: AccountId,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_write().await?;
        let removed = sqlx::query(
            "DELETE FROM resource_referents WHERE account_id = $1 AND territory_kind = $2 AND territory_code = $3",
        )
        .bind(account.get())
        .bind(actor.territory.kind_code())
        .bind(actor.territory.code())
        .execute(&mut *transaction)
        .await?;
        if removed.rows_affected() == 0 {
            return Err(StoreError::NotFound("référent".into()));
        }
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &AuditEvent {
                actor_account_id: Some(actor.account_id.get()),
                action: AuditAction::Delete,
                record_kind: "resource_referent".into(),
                record_id: account.to_string(),
                reason: actor.reason.to_owned(),
            },
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The référents designated for a territory, and the mediators of the territory who could be.
    pub async fn referents_of(
        &self,
        territory: &TerritoryScope,
    ) -> Result<(Vec<Referent>, Vec<Referent>), StoreError> {
        let column = match territory {
            TerritoryScope::Departement(_) => "c.departement_code",
            TerritoryScope::Epci(_) => "c.epci_code",
        };
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.display_name, s.name AS structure_name, r.designated_at
             FROM accounts a JOIN structures s ON s.id = a.structure_id
               JOIN communes c ON c.code = s.commune_code
               LEFT JOIN resource_referents r ON r.account_id = a.id
             WHERE a.role = $1 AND a.deactivated_at IS NULL AND {column} = $2
             ORDER BY a.display_name, a.id"
        ))
        .bind(Role::Mediator.code())
        .bind(territory.code())
        .fetch_all(&self.pool)
        .await?;
        let mut designated = Vec::new();
        let mut others = Vec::new();
        for row in rows {
            let at: Option<i64> = row.try_get("designated_at")?;
            let referent = Referent {
                account_id: AccountId::new(row.try_get("id")?),
                name: row.try_get("display_name")?,
                structure_name: row.try_get("structure_name")?,
                designated_at: at.unwrap_or(0),
            };
            if at.is_some() {
                designated.push(referent);
            } else {
                others.push(referent);
            }
        }
        Ok((designated, others))
    }

    /// Whether the account is a référent of the bank.
    pub async fn is_referent(&self, account: AccountId) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 AS one FROM resource_referents WHERE account_id = $1")
            .bind(account.get())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}

/// The title of an adaptation: « (adaptation) » added once, within the title's limit.
fn adapted_title(title: &str) -> String {
    const SUFFIX: &str = " (adaptation)";
    if title.ends_with(SUFFIX) {
        return title.to_owned();
    }
    let room = aiguillage_domain::resource::MAX_TITLE_CHARS - SUFFIX.chars().count();
    let kept: String = title.chars().take(room).collect();
    format!("{kept}{SUFFIX}")
}

/// Whether a file is an editable source a professional adapts (office documents), rather than a
/// finished material (PDF, image, sound, video).
pub fn is_editable_source(media_type: &str) -> bool {
    media_type.starts_with("application/vnd.")
}

fn line_from(row: &AnyRow) -> Result<WorkingCopyLine, StoreError> {
    let state: String = row.try_get("state")?;
    Ok(WorkingCopyLine {
        id: ResourceSessionId::new(row.try_get("id")?),
        title: row.try_get("title")?,
        state: ReviewState::from_code(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("état « {state} »")))?,
        structure_name: row.try_get("structure_name")?,
        published_version: row.try_get("published_version")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn author_ids(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
) -> Result<Vec<AccountId>, StoreError> {
    let rows = sqlx::query(
        "SELECT account_id FROM resource_authors WHERE session_id = $1 ORDER BY account_id",
    )
    .bind(session.get())
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| Ok(AccountId::new(row.try_get("account_id")?)))
        .collect()
}

/// The référents who may review the session (of its structure's territory).
pub(crate) async fn referents_for(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
) -> Result<Vec<AccountId>, StoreError> {
    let rows = sqlx::query(
        concat!(
        "SELECT r.account_id FROM resource_referents r, resource_sessions s
           JOIN structures st ON st.id = s.structure_id
           JOIN communes c ON c.code = st.commune_code
         WHERE s.id = $1",
        referent_covers!(),
        "AND NOT EXISTS (SELECT 1 FROM resource_authors a WHERE a.session_id = s.id AND a.account_id = r.account_id)
         ORDER BY r.account_id"
    ),
    )
    .bind(session.get())
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| Ok(AccountId::new(row.try_get("account_id")?)))
        .collect()
}

async fn versions_of(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
) -> Result<Vec<VersionSummary>, StoreError> {
    let rows = sqlx::query(
        "SELECT v.number, v.published_at, a.display_name FROM resource_versions v
           JOIN accounts a ON a.id = v.published_by
         WHERE v.session_id = $1 ORDER BY v.number DESC",
    )
    .bind(session.get())
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(VersionSummary {
                number: row.try_get("number")?,
                published_at: row.try_get("published_at")?,
                published_by: row.try_get("display_name")?,
            })
        })
        .collect()
}

async fn reviews_of(
    connection: &mut AnyConnection,
    session: ResourceSessionId,
) -> Result<Vec<ReviewRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.display_name, r.published, r.checklist, r.comment, r.version, r.decided_at
         FROM resource_reviews r JOIN accounts a ON a.id = r.reviewer_account_id
         WHERE r.session_id = $1 ORDER BY r.decided_at DESC, r.id DESC",
    )
    .bind(session.get())
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            let checklist: String = row.try_get("checklist")?;
            let published: i64 = row.try_get("published")?;
            Ok(ReviewRecord {
                reviewer: row.try_get("display_name")?,
                published: published != 0,
                checked: parse_codes::<ChecklistItem>(&checklist)?
                    .into_iter()
                    .collect(),
                comment: row.try_get("comment")?,
                version: row.try_get("version")?,
                decided_at: row.try_get("decided_at")?,
            })
        })
        .collect()
}
