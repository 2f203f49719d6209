//! Requests to be contacted, left by a person after a public self-diagnostic (with their consent):
//! they join the queue of the territory of their commune, where a professional takes them for their
//! structure. From then on only that structure sees the request (the others no longer see it at
//! all, the coordinator sees initials only); it closes it — the person enrolled, or no follow-up —
//! which erases the request and leaves an anonymous count. A request nobody takes, or that its
//! structure never closes, is erased after `domain::contact_request::CONTACT_REQUEST_LIFETIME_DAYS`,
//! lazily inside every listing, taking and closing, and by [`Store::erase_expired_contact_requests`]
//! for a purge job. Every read, change and erasure is audited.

use crate::audit::append_audit_in;
use crate::audit_key::AuditKey;
use crate::people::{count_fact, month_of, Actor};
use crate::{decode, Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::contact_request::{
    contact_request_cutoff, ContactRequestClosing, CONTACT_REQUEST_LIFETIME_DAYS, EXPIRED_FACT,
};
use aiguillage_domain::diagnostic::{Answers, Profile, RecommendedHelp, Typology};
use aiguillage_domain::person::{initials, ConsentText};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::{AnyConnection, Row};

/// What a person leaves to be contacted.
#[derive(Debug, Clone)]
pub struct NewContactRequest<'a> {
    pub first_name: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub commune_code: &'a str,
    pub answers: &'a Answers,
    pub profile: &'a Profile,
    pub consent: &'a ConsentText,
}

/// A stored request, as the viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRequest {
    pub id: i64,
    pub created_at: UnixSeconds,
    /// The first name, or its initial for the coordinator.
    pub first_name: String,
    /// Contacts: `None` for the coordinator.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub commune_name: String,
    /// The typology's label (stored by its code).
    pub typology: String,
    /// The first help's label (stored by its code).
    pub first_help: String,
    pub taken_by_structure: Option<String>,
    pub taken_at: Option<UnixSeconds>,
    /// Taken by the viewer's own structure (which may close it).
    pub taken_by_viewer: bool,
}

/// A request the viewer's structure took, as the enrolment form starts from it.
#[derive(Debug, Clone, PartialEq)]
pub struct TakenRequest {
    pub id: i64,
    pub first_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub commune_code: String,
    pub commune_name: String,
    pub answers: Answers,
}

/// Who lists the territory's requests.
#[derive(Debug, Clone, Copy)]
pub enum RequestViewer<'a> {
    /// A prescriber or mediator: the requests nobody took yet and those their structure took, with
    /// first name and contacts; each one listed is audited as a read.
    Professional(&'a Actor<'a>),
    /// The coordinator: every request of the territory, pseudonymised (initial, no contact).
    Coordinator,
}

fn request_event(actor: &Actor, action: AuditAction, id: i64) -> AuditEvent {
    AuditEvent {
        actor_account_id: Some(actor.account_id.get()),
        action,
        record_kind: "contact_request".to_owned(),
        record_id: format!("demande-{id}"),
        reason: actor.reason.to_owned(),
    }
}

impl Store {
    /// Stores a request under the territory of its commune (`NotFound` for an unknown commune).
    pub async fn add_contact_request(
        &self,
        request: &NewContactRequest<'_>,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        let mut transaction = self.begin_write().await?;
        let commune =
            sqlx::query("SELECT departement_code, epci_code FROM communes WHERE code = $1")
                .bind(request.commune_code)
                .fetch_optional(&mut *transaction)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("commune {}", request.commune_code)))?;
        let departement: String = commune.try_get("departement_code")?;
        let epci: Option<String> = commune.try_get("epci_code")?;
        let answers = serde_json::to_string(request.answers)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row = sqlx::query(
            "INSERT INTO contact_requests (created_at, first_name, phone, email, commune_code, departement_code,
                 epci_code, answers_json, typology, first_help, consent_version, consent_text)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(now)
        .bind(request.first_name)
        .bind(request.phone)
        .bind(request.email)
        .bind(request.commune_code)
        .bind(&departement)
        .bind(&epci)
        .bind(answers)
        .bind(request.profile.typology.code())
        .bind(request.profile.first_help().code())
        .bind(&request.consent.version)
        .bind(&request.consent.text)
        .fetch_one(&mut *transaction)
        .await?;
        let id: i64 = row.try_get("id")?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &AuditEvent {
                actor_account_id: None,
                action: AuditAction::Create,
                record_kind: "contact_request".to_owned(),
                record_id: format!("demande-{id}"),
                reason: "POST /auto-diagnostic/contact".to_owned(),
            },
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(id)
    }

    /// The requests of a territory as `viewer` may see them, oldest waiting first (expired ones are
    /// erased first, in the same transaction).
    pub async fn contact_requests_in(
        &self,
        scope: &TerritoryScope,
        viewer: RequestViewer<'_>,
        now: UnixSeconds,
    ) -> Result<Vec<ContactRequest>, StoreError> {
        let column = scope_column(scope);
        let mut transaction = self.begin_write().await?;
        let erased = erase_expired_in(&mut transaction, &self.audit_key, now).await?;
        let (structure, everyone) = match viewer {
            RequestViewer::Professional(actor) => (actor.structure_id.get(), 0_i64),
            RequestViewer::Coordinator => (0, 1),
        };
        let sql = format!(
            "SELECT r.id, r.created_at, r.first_name, r.phone, r.email, c.name AS commune_name, r.typology,
                 r.first_help, s.name AS taken_by_structure, r.taken_at, r.taken_by_structure_id
             FROM contact_requests r JOIN communes c ON c.code = r.commune_code
             LEFT JOIN structures s ON s.id = r.taken_by_structure_id
             WHERE r.{column} = $1
               AND (r.taken_by_structure_id IS NULL OR r.taken_by_structure_id = $2 OR $3 = 1)
             ORDER BY r.taken_at IS NOT NULL, r.created_at LIMIT 200"
        );
        let rows = sqlx::query(&sql)
            .bind(scope.code())
            .bind(structure)
            .bind(everyone)
            .fetch_all(&mut *transaction)
            .await?;
        let mut requests = Vec::with_capacity(rows.len());
        for row in &rows {
            let taker: Option<i64> = row.try_get("taken_by_structure_id")?;
            let typology: String = row.try_get("typology")?;
            let first_help: String = row.try_get("first_help")?;
            let first_name: String = row.try_get("first_name")?;
            let professional = matches!(viewer, RequestViewer::Professional(_));
            requests.push(ContactRequest {
                id: row.try_get("id")?,
                created_at: row.try_get("created_at")?,
                first_name: if professional {
                    first_name
                } else {
                    initials(&first_name, "")
                },
                phone: if professional {
                    row.try_get("phone")?
                } else {
                    None
                },
                email: if professional {
                    row.try_get("email")?
                } else {
                    None
                },
                commune_name: row.try_get("commune_name")?,
                typology: decode::<Typology>(&typology, "typologie")?
                    .label()
                    .to_owned(),
                first_help: decode::<RecommendedHelp>(&first_help, "aide")?
                    .label()
                    .to_owned(),
                taken_by_structure: row.try_get("taken_by_structure")?,
                taken_at: row.try_get("taken_at")?,
                taken_by_viewer: professional && taker == Some(structure),
            });
        }
        if let RequestViewer::Professional(actor) = viewer {
            for request in &requests {
                append_audit_in(
                    &mut transaction,
                    &self.audit_key,
                    &request_event(actor, AuditAction::Read, request.id),
                    now,
                )
                .await?;
            }
        }
        self.commit_erasing(transaction, erased).await?;
        Ok(requests)
    }

    /// Marks a request of the territory as taken by the actor's structure (`false` when it is not in
    /// the territory, already taken or expired).
    pub async fn take_contact_request(
        &self,
        actor: &Actor<'_>,
        scope: &TerritoryScope,
        id: i64,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let column = scope_column(scope);
        let mut transaction = self.begin_write().await?;
        let erased = erase_expired_in(&mut transaction, &self.audit_key, now).await?;
        let updated = sqlx::query(&format!(
            "UPDATE contact_requests SET taken_by_structure_id = $1, taken_by = $2, taken_at = $3
             WHERE id = $4 AND {column} = $5 AND taken_at IS NULL"
        ))
        .bind(actor.structure_id.get())
        .bind(actor.account_id.get())
        .bind(now)
        .bind(id)
        .bind(scope.code())
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            self.commit_erasing(transaction, erased).await?;
            return Ok(false);
        }
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &request_event(actor, AuditAction::Update, id),
            now,
        )
        .await?;
        self.commit_erasing(transaction, erased).await?;
        Ok(true)
    }

    /// What a request the actor's structure took says, to enrol the person from it: first name,
    /// phone, e-mail, commune (code and name) and the self-diagnostic's answers. `None` for a request
    /// another structure took, nobody took, or that no longer exists. The read is audited.
    pub async fn taken_contact_request(
        &self,
        actor: &Actor<'_>,
        id: i64,
        now: UnixSeconds,
    ) -> Result<Option<TakenRequest>, StoreError> {
        let row = sqlx::query(
            "SELECT r.first_name, r.phone, r.email, r.commune_code, c.name AS commune_name, r.answers_json
             FROM contact_requests r JOIN communes c ON c.code = r.commune_code
             WHERE r.id = $1 AND r.taken_by_structure_id = $2",
        )
        .bind(id)
        .bind(actor.structure_id.get())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let answers: String = row.try_get("answers_json")?;
        let taken = TakenRequest {
            id,
            first_name: row.try_get("first_name")?,
            phone: row.try_get("phone")?,
            email: row.try_get("email")?,
            commune_code: row.try_get("commune_code")?,
            commune_name: row.try_get("commune_name")?,
            answers: serde_json::from_str(&answers)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        };
        self.record_audit(&request_event(actor, AuditAction::Read, id), now)
            .await?;
        Ok(Some(taken))
    }

    /// Closes a request the actor's structure took: the request is erased (first name, contacts,
    /// answers, consent) and only the anonymous count of how it ended stays; audited. `false` when
    /// the actor's structure did not take it (or it no longer exists): nothing changes.
    pub async fn close_contact_request(
        &self,
        actor: &Actor<'_>,
        id: i64,
        closing: ContactRequestClosing,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write().await?;
        let erased = erase_expired_in(&mut transaction, &self.audit_key, now).await?;
        let deleted = sqlx::query(
            "DELETE FROM contact_requests WHERE id = $1 AND taken_by_structure_id = $2 RETURNING id",
        )
        .bind(id)
        .bind(actor.structure_id.get())
        .fetch_optional(&mut *transaction)
        .await?;
        if deleted.is_none() {
            self.commit_erasing(transaction, erased).await?;
            return Ok(false);
        }
        count_fact(&mut transaction, &month_of(now), &closing.counted_fact()).await?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &request_event(actor, AuditAction::Delete, id),
            now,
        )
        .await?;
        self.commit_erasing(transaction, erased + 1).await?;
        Ok(true)
    }

    /// Erases every request past its lifetime (for the daily purge); returns how many.
    pub async fn erase_expired_contact_requests(
        &self,
        now: UnixSeconds,
    ) -> Result<u64, StoreError> {
        let mut transaction = self.begin_write().await?;
        let erased = erase_expired_in(&mut transaction, &self.audit_key, now).await?;
        self.commit_erasing(transaction, erased).await?;
        Ok(erased)
    }

    /// Commits a transaction that erased `erased` requests; when it erased any, the SQLite WAL is
    /// emptied of them.
    async fn commit_erasing(
        &self,
        transaction: crate::WriteTransaction,
        erased: u64,
    ) -> Result<(), StoreError> {
        transaction.commit().await?;
        if erased > 0 {
            self.checkpoint_after_erasure().await?;
        }
        Ok(())
    }
}

fn scope_column(scope: &TerritoryScope) -> &'static str {
    match scope {
        TerritoryScope::Epci(_) => "epci_code",
        TerritoryScope::Departement(_) => "departement_code",
    }
}

/// Erases, inside the caller's transaction, the requests left (untaken) or taken (not closed) at or
/// before the lifetime's cutoff, each with an anonymous count and an audit entry by the system.
async fn erase_expired_in(
    connection: &mut AnyConnection,
    key: &AuditKey,
    now: UnixSeconds,
) -> Result<u64, StoreError> {
    let erased = sqlx::query(
        "DELETE FROM contact_requests
         WHERE (taken_at IS NULL AND created_at <= $1) OR (taken_at IS NOT NULL AND taken_at <= $1)
         RETURNING id",
    )
    .bind(contact_request_cutoff(now))
    .fetch_all(&mut *connection)
    .await?;
    let period = month_of(now);
    for row in &erased {
        let id: i64 = row.try_get("id")?;
        count_fact(connection, &period, EXPIRED_FACT).await?;
        append_audit_in(
            connection,
            key,
            &AuditEvent {
                actor_account_id: None,
                action: AuditAction::Delete,
                record_kind: "contact_request".to_owned(),
                record_id: format!("demande-{id}"),
                reason: format!(
                    "effacement automatique : demande de contact de plus de {CONTACT_REQUEST_LIFETIME_DAYS} jours"
                ),
            },
            now,
        )
        .await?;
    }
    Ok(erased.len() as u64)
}
