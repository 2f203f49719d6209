//! Retention in storage: the people whose record nears or passes its end (`domain::retention`),
//! their referent's warning and single extension, the anonymisation of a record into statistical
//! facts (in one transaction that re-checks the record is still due), the other durations (contact
//! requests, import files, notifications, technical traces), the lease that lets one purge run at a
//! time when several instances share PostgreSQL, and the record of each run.

use crate::audit::append_audit_in;
use crate::notifications::notify_in;
use crate::people::{delete_person_rows, Actor};
use crate::{Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::calendar::{local_date, midnight_of, DAY};
use aiguillage_domain::contact_request::contact_request_cutoff;
use aiguillage_domain::ids::{AccountId, PersonId, StructureId};
use aiguillage_domain::retention::{
    months_before, AnonymisedPerson, ExtensionReason, PersonRetention, PurgeReport, PurgeRule,
    RetentionPeriods, RetentionStep,
};
use aiguillage_domain::rights::first_day_kept;
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// A person whose record is within the warning window or past its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionCandidate {
    pub person: PersonId,
    /// The enrolling structure.
    pub structure_id: StructureId,
    /// The professional who enrolled the person (the record's referent), while their account is
    /// active; otherwise the structure's team is.
    pub referent: Option<AccountId>,
    pub retention: PersonRetention,
}

/// The answer to a referent's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// The record now ends on this date.
    Extended { until: UnixSeconds },
    /// It was extended already: once only.
    AlreadyExtended,
    /// Not a person of the actor's structure.
    NotFound,
}

/// A record's retention as its referent sees it on the person's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionView {
    pub retention: PersonRetention,
    pub reason: Option<ExtensionReason>,
}

/// A referent's retention warning in the app: whom (an account, or a structure's team), text, link.
pub type RetentionNotice<'a> = ((Option<i64>, Option<i64>), &'a str, &'a str);

/// The name under which the retention durations are kept in `instance_settings`.
const RETENTION_SETTING: &str = "retention";

const RETENTION_COLUMNS: &str =
    "id, structure_id, last_contact_at, retention_extended_at, retention_warned_at,
     (SELECT a.id FROM accounts a WHERE a.id = people.enrolled_by AND a.deactivated_at IS NULL) AS referent";

fn candidate_from(row: &AnyRow) -> Result<RetentionCandidate, StoreError> {
    Ok(RetentionCandidate {
        person: PersonId::new(row.try_get("id")?),
        structure_id: StructureId::new(row.try_get("structure_id")?),
        referent: row
            .try_get::<Option<i64>, _>("referent")?
            .map(AccountId::new),
        retention: PersonRetention {
            last_contact_at: row.try_get("last_contact_at")?,
            extended_at: row.try_get("retention_extended_at")?,
            warned_at: row.try_get("retention_warned_at")?,
        },
    })
}

/// The purge's audit event about a person: no account acts, the rule is the reason.
fn purge_event(person_id: i64) -> AuditEvent {
    AuditEvent {
        actor_account_id: None,
        action: AuditAction::Delete,
        record_kind: "person".to_owned(),
        record_id: format!("personne-{person_id}"),
        reason: "purge : anonymisation après 24 mois sans contact".to_owned(),
    }
}

impl Store {
    /// The instance's retention durations: those the administrator set, else the rule book's.
    pub async fn retention_periods(&self) -> Result<RetentionPeriods, StoreError> {
        Ok(self
            .instance_setting(RETENTION_SETTING)
            .await?
            .unwrap_or_default())
    }

    /// Saves the retention durations (checked by the caller), audited in the same transaction.
    pub async fn save_retention_periods(
        &self,
        actor: &Actor<'_>,
        periods: &RetentionPeriods,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        self.save_instance_setting(actor, RETENTION_SETTING, periods, now)
            .await
    }

    /// An instance setting's stored value, `None` when never set.
    pub async fn instance_setting<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, StoreError> {
        let row = sqlx::query("SELECT value FROM instance_settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            serde_json::from_str(row.try_get("value")?)
                .map_err(|e| StoreError::Corrupt(format!("réglage {name} : {e}")))
        })
        .transpose()
    }

    /// Saves an instance setting; the change is audited (the setting's name, not its value).
    pub async fn save_instance_setting<T: serde::Serialize>(
        &self,
        actor: &Actor<'_>,
        name: &str,
        value: &T,
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO instance_settings (name, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET value = $2, updated_at = $3, updated_by = $4",
        )
        .bind(name)
        .bind(json)
        .bind(now)
        .bind(actor.account_id.get())
        .execute(&mut *transaction)
        .await?;
        let event = AuditEvent {
            actor_account_id: Some(actor.account_id.get()),
            action: AuditAction::Update,
            record_kind: "setting".to_owned(),
            record_id: format!("reglage-{name}"),
            reason: actor.reason.to_owned(),
        };
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// After a purge: on SQLite, the anonymised rows leave the write-ahead log too.
    pub async fn settle_erasures(&self) -> Result<(), StoreError> {
        self.checkpoint_after_erasure().await
    }

    /// The people whose record may need a warning or an anonymisation at `now`: last contact
    /// before the warning window's start (extended records included; the caller applies
    /// [`PersonRetention::step`]).
    pub async fn retention_candidates(
        &self,
        periods: &RetentionPeriods,
        now: UnixSeconds,
    ) -> Result<Vec<RetentionCandidate>, StoreError> {
        let horizon = months_before(
            now + i64::from(periods.warning_days) * DAY,
            periods.person_months,
        );
        let rows = sqlx::query(&format!(
            "SELECT {RETENTION_COLUMNS} FROM people WHERE last_contact_at <= $1 ORDER BY id"
        ))
        .bind(horizon)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(candidate_from).collect()
    }

    /// Records that the referents of `people` were warned at `now` (one transaction).
    pub async fn mark_retention_warned(
        &self,
        people: &[PersonId],
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        self.warn_retention(None, people, now).await
    }

    /// A referent's warning (`notice`: whom, text, link) and the marks of the records it is about,
    /// in one transaction: a crash leaves both or neither (a record marked warned whose referent
    /// was never told would be anonymised without notice).
    pub async fn warn_retention(
        &self,
        notice: Option<RetentionNotice<'_>>,
        people: &[PersonId],
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_write().await?;
        for person in people {
            sqlx::query("UPDATE people SET retention_warned_at = $1 WHERE id = $2")
                .bind(now)
                .bind(person.get())
                .execute(&mut *transaction)
                .await?;
        }
        if let Some((whom, text, link)) = notice {
            notify_in(&mut transaction, whom, text, link, now).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// The people of the actor's structure whose record nears its end or passed it (warned or to
    /// warn at `now`), with their names, oldest contact first: `(person, first name, last name,
    /// retention)`.
    pub async fn retention_due_of(
        &self,
        actor: &Actor<'_>,
        (periods, now): (&RetentionPeriods, UnixSeconds),
    ) -> Result<Vec<(PersonId, String, String, PersonRetention)>, StoreError> {
        let horizon = months_before(
            now + i64::from(periods.warning_days) * DAY,
            periods.person_months,
        );
        let rows = sqlx::query(&format!(
            "SELECT {RETENTION_COLUMNS}, first_name, last_name FROM people
             WHERE structure_id = $1 AND (last_contact_at <= $2 OR retention_warned_at IS NOT NULL)
             ORDER BY last_contact_at, id"
        ))
        .bind(actor.structure_id.get())
        .bind(horizon)
        .fetch_all(&self.pool)
        .await?;
        let mut due = Vec::new();
        for row in &rows {
            let candidate = candidate_from(row)?;
            if candidate.retention.step(periods, now) != RetentionStep::Keep {
                due.push((
                    candidate.person,
                    row.try_get("first_name")?,
                    row.try_get("last_name")?,
                    candidate.retention,
                ));
            }
        }
        Ok(due)
    }

    /// Replaces a person's record by its statistical facts, if it is still due at `now` (a contact
    /// or an extension since the facts were read keeps it): the facts are stored (a record the
    /// indicators' load left out as inconsistent has none), the person and everything about them
    /// deleted, the purge audited. `false` when it was kept.
    pub async fn anonymise_person(
        &self,
        person: PersonId,
        facts: Option<&AnonymisedPerson>,
        periods: &RetentionPeriods,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let person_id = person.get();
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {RETENTION_COLUMNS} FROM people WHERE id = $1"
        ))
        .bind(person_id)
        .fetch_optional(&mut *transaction)
        .await?;
        let due = match row {
            Some(row) => {
                candidate_from(&row)?.retention.step(periods, now) == RetentionStep::Anonymise
            }
            None => false,
        };
        if !due {
            return Ok(false);
        }
        if let Some(facts) = facts {
            let json =
                serde_json::to_string(facts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query(
                "INSERT INTO anonymised_people (anonymised_at, commune_code, facts) VALUES ($1, $2, $3)",
            )
            .bind(now)
            .bind(&facts.person.commune)
            .bind(json)
            .execute(&mut *transaction)
            .await?;
        }
        delete_person_rows(&mut transaction, person_id).await?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &purge_event(person_id),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// How many people were anonymised, and their facts (for tests and the administrator).
    pub async fn anonymised_facts(&self) -> Result<Vec<AnonymisedPerson>, StoreError> {
        let rows = sqlx::query("SELECT facts FROM anonymised_people ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                serde_json::from_str(row.try_get("facts")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }

    /// The retention of a person of the actor's structure (enrolling structure only).
    pub async fn person_retention(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
    ) -> Result<Option<RetentionView>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {RETENTION_COLUMNS}, retention_extension_reason FROM people
             WHERE id = $1 AND structure_id = $2"
        ))
        .bind(person.get())
        .bind(actor.structure_id.get())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let reason: Option<String> = row.try_get("retention_extension_reason")?;
        Ok(Some(RetentionView {
            retention: candidate_from(&row)?.retention,
            reason: reason.and_then(|code| ExtensionReason::from_code(&code)),
        }))
    }

    /// The referent extends a record of their structure, once, with a reason; audited.
    pub async fn extend_retention(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        reason: ExtensionReason,
        (periods, now): (&RetentionPeriods, UnixSeconds),
    ) -> Result<Extension, StoreError> {
        let person_id = person.get();
        let mut transaction = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {RETENTION_COLUMNS} FROM people WHERE id = $1 AND structure_id = $2"
        ))
        .bind(person_id)
        .bind(actor.structure_id.get())
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else {
            return Ok(Extension::NotFound);
        };
        let mut retention = candidate_from(&row)?.retention;
        if retention.extended_at.is_some() {
            return Ok(Extension::AlreadyExtended);
        }
        sqlx::query(
            "UPDATE people SET retention_extended_at = $1, retention_extended_by = $2,
                 retention_extension_reason = $3 WHERE id = $4",
        )
        .bind(now)
        .bind(actor.account_id.get())
        .bind(reason.code())
        .bind(person_id)
        .execute(&mut *transaction)
        .await?;
        let event = AuditEvent {
            actor_account_id: Some(actor.account_id.get()),
            action: AuditAction::Update,
            record_kind: "person".to_owned(),
            record_id: format!("personne-{person_id}"),
            reason: format!(
                "{} (conservation prolongée : {})",
                actor.reason,
                reason.code()
            ),
        };
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        retention.extended_at = Some(now);
        Ok(Extension::Extended {
            until: retention.deadline(periods),
        })
    }

    /// Applies (or with `dry_run` counts) the durations of the records that name nobody or are
    /// short-lived: public contact requests past their lifetime, import files never confirmed,
    /// notifications, expired sessions and old login attempts, the register's answered rights
    /// requests past 12 months.
    pub async fn purge_short_lived(
        &self,
        periods: &RetentionPeriods,
        now: UnixSeconds,
        dry_run: bool,
    ) -> Result<PurgeReport, StoreError> {
        use aiguillage_domain::session::{ABSOLUTE_TIMEOUT_SECONDS, IDLE_TIMEOUT_SECONDS};
        // The cutoffs are computed moments (integers), never input: they are written in the SQL.
        let requests = contact_request_cutoff(now);
        let rules = [
            (
                PurgeRule::PendingImportDeleted,
                "pending_imports",
                format!(
                    "created_at <= {}",
                    now - crate::pending_imports::PENDING_IMPORT_LIFETIME_SECONDS
                ),
            ),
            (
                PurgeRule::NotificationDeleted,
                "notifications",
                format!(
                    "created_at <= {}",
                    months_before(now, periods.notification_months)
                ),
            ),
            (
                PurgeRule::TechnicalTraceDeleted,
                "sessions",
                format!(
                    "last_seen_at <= {} OR created_at <= {}",
                    now - IDLE_TIMEOUT_SECONDS,
                    now - ABSOLUTE_TIMEOUT_SECONDS
                ),
            ),
            (
                PurgeRule::RightsRequestDeleted,
                "rights_requests",
                format!(
                    "answered_at IS NOT NULL AND answered_at < {}",
                    midnight_of(first_day_kept(local_date(now, "75")))
                ),
            ),
            (
                PurgeRule::TechnicalTraceDeleted,
                "login_throttle",
                format!(
                    "window_started_at <= {}",
                    months_before(now, periods.technical_log_months)
                ),
            ),
        ];
        let mut report = PurgeReport::default();
        let mut transaction = self.begin_write().await?;
        for (rule, table, condition) in rules {
            let count = purge_table(&mut transaction, table, &condition, dry_run).await?;
            report.add(rule, count);
        }
        transaction.commit().await?;
        let erased = if dry_run {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM contact_requests
                 WHERE (taken_at IS NULL AND created_at <= {requests})
                    OR (taken_at IS NOT NULL AND taken_at <= {requests})"
            );
            let row = sqlx::query(&sql).fetch_one(&self.pool).await?;
            u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0)
        } else {
            self.erase_expired_contact_requests(now).await?
        };
        report.add(PurgeRule::ContactRequestErased, erased);
        Ok(report)
    }

    /// Takes the lease named `name` for `holder` until `now + seconds`, if nobody else holds it
    /// unexpired (several instances on one PostgreSQL run a daily job once). `true` when taken.
    pub async fn take_job_lease(
        &self,
        (name, holder): (&str, &str),
        now: UnixSeconds,
        seconds: i64,
    ) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = $2, expires_at = $3
             WHERE job_leases.expires_at <= $4 OR job_leases.holder = $2",
        )
        .bind(name)
        .bind(holder)
        .bind(now + seconds)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

    /// Gives the lease back (when the job is done).
    pub async fn release_job_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a purge run: when it ran, the moment its rules were applied at, its counts.
    pub async fn record_purge_run(
        &self,
        report: &PurgeReport,
        (ran_at, as_of): (UnixSeconds, UnixSeconds),
    ) -> Result<(), StoreError> {
        let counts: BTreeMap<&str, u64> = report
            .lines()
            .into_iter()
            .map(|(rule, count)| (rule.code(), count))
            .collect();
        let json =
            serde_json::to_string(&counts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("INSERT INTO purge_runs (ran_at, as_of, counts) VALUES ($1, $2, $3)")
            .bind(ran_at)
            .bind(as_of)
            .bind(json)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The latest purge runs, newest first: `(ran_at, as_of, report)`.
    pub async fn purge_runs(
        &self,
        limit: i64,
    ) -> Result<Vec<(UnixSeconds, UnixSeconds, PurgeReport)>, StoreError> {
        let rows =
            sqlx::query("SELECT ran_at, as_of, counts FROM purge_runs ORDER BY id DESC LIMIT $1")
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                let counts: BTreeMap<String, u64> = serde_json::from_str(row.try_get("counts")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let mut report = PurgeReport::default();
                for rule in PurgeRule::ALL {
                    report.add(rule, counts.get(rule.code()).copied().unwrap_or(0));
                }
                Ok((row.try_get("ran_at")?, row.try_get("as_of")?, report))
            })
            .collect()
    }
}

/// Deletes (or counts) the rows of `table` meeting `condition`.
async fn purge_table(
    connection: &mut AnyConnection,
    table: &str,
    condition: &str,
    dry_run: bool,
) -> Result<u64, StoreError> {
    if dry_run {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}");
        let row = sqlx::query(&sql).fetch_one(&mut *connection).await?;
        return Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0));
    }
    let sql = format!("DELETE FROM {table} WHERE {condition}");
    Ok(sqlx::query(&sql)
        .execute(&mut *connection)
        .await?
        .rows_affected())
}
