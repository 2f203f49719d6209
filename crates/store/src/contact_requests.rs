//! Requests to be contacted, left by a person after a public self-diagnostic (with their consent):
//! they join the queue of the territory of their commune, where a professional takes them.

use crate::audit::append_audit_in;
use crate::people::Actor;
use crate::{Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::diagnostic::{Answers, Profile};
use aiguillage_domain::person::ConsentText;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use sqlx::Row;

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

/// A stored request, as the territory's professionals see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRequest {
    pub id: i64,
    pub created_at: UnixSeconds,
    pub first_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub commune_name: String,
    pub typology: String,
    pub first_help: String,
    pub taken_by_structure: Option<String>,
    pub taken_at: Option<UnixSeconds>,
}

fn request_event(actor: &Actor, action: AuditAction, id: i64) -> AuditEvent {
    AuditEvent {
        actor_account_id: Some(actor.account_id),
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
        let mut transaction = self.pool.begin().await?;
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
        .bind(request.profile.typology.label())
        .bind(request.profile.first_help().label())
        .bind(&request.consent.version)
        .bind(&request.consent.text)
        .fetch_one(&mut *transaction)
        .await?;
        let id: i64 = row.try_get("id")?;
        append_audit_in(
            &mut transaction,
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

    /// The requests of a territory, oldest waiting first. With `audit`, each one listed is recorded
    /// as read (the list shows contacts); coordinators get initials only and are not audited.
    pub async fn contact_requests_in(
        &self,
        scope: &TerritoryScope,
        actor: Option<&Actor<'_>>,
        now: UnixSeconds,
    ) -> Result<Vec<ContactRequest>, StoreError> {
        let column = match scope {
            TerritoryScope::Epci(_) => "r.epci_code",
            TerritoryScope::Departement(_) => "r.departement_code",
        };
        let sql = format!(
            "SELECT r.id, r.created_at, r.first_name, r.phone, r.email, c.name AS commune_name, r.typology,
                 r.first_help, s.name AS taken_by_structure, r.taken_at
             FROM contact_requests r JOIN communes c ON c.code = r.commune_code
             LEFT JOIN structures s ON s.id = r.taken_by_structure_id
             WHERE {column} = $1 ORDER BY r.taken_at IS NOT NULL, r.created_at LIMIT 200"
        );
        let rows = sqlx::query(&sql)
            .bind(scope.code())
            .fetch_all(&self.pool)
            .await?;
        let requests = rows
            .iter()
            .map(|row| {
                Ok(ContactRequest {
                    id: row.try_get("id")?,
                    created_at: row.try_get("created_at")?,
                    first_name: row.try_get("first_name")?,
                    phone: row.try_get("phone")?,
                    email: row.try_get("email")?,
                    commune_name: row.try_get("commune_name")?,
                    typology: row.try_get("typology")?,
                    first_help: row.try_get("first_help")?,
                    taken_by_structure: row.try_get("taken_by_structure")?,
                    taken_at: row.try_get("taken_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        if let Some(actor) = actor {
            let events: Vec<AuditEvent> = requests
                .iter()
                .map(|request| request_event(actor, AuditAction::Read, request.id))
                .collect();
            self.record_audits(&events, now).await?;
        }
        Ok(requests)
    }

    /// Marks a request of the territory as taken by the actor's structure (`false` when it is not in
    /// the territory or already taken).
    pub async fn take_contact_request(
        &self,
        actor: &Actor<'_>,
        scope: &TerritoryScope,
        id: i64,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let column = match scope {
            TerritoryScope::Epci(_) => "epci_code",
            TerritoryScope::Departement(_) => "departement_code",
        };
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query(&format!(
            "UPDATE contact_requests SET taken_by_structure_id = $1, taken_by = $2, taken_at = $3
             WHERE id = $4 AND {column} = $5 AND taken_at IS NULL"
        ))
        .bind(actor.structure_id)
        .bind(actor.account_id)
        .bind(now)
        .bind(id)
        .bind(scope.code())
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        append_audit_in(
            &mut transaction,
            &request_event(actor, AuditAction::Update, id),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }
}
