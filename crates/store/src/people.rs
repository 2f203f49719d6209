//! People helped, their consents and diagnostics. Every query that returns or changes a person takes
//! the viewer's structure: a person of another structure is simply not found. Every read and change is
//! written to the audit trail in the same transaction, under a pseudonymous id (`personne-{id}`).

use crate::audit::append_audit_in;
use crate::{Store, StoreError};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::diagnostic::{Answers, Profile, ProfileOverride};
use aiguillage_domain::ids::{AccountId, PersonId, StructureId};
use aiguillage_domain::orientation::receiver_access_cutoff;
use aiguillage_domain::person::{name_key, ConsentText, PersonDraft};
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// Who acts and why, for the audit trail and the visibility rule.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    pub account_id: AccountId,
    pub structure_id: StructureId,
    /// The route or command, e.g. `GET /personnes/12`.
    pub reason: &'a str,
}

/// A stored person, with the names of their commune and enrolling structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: PersonId,
    pub structure_id: StructureId,
    pub structure_name: String,
    pub enrolled_by_name: Option<String>,
    pub enrolled_at: UnixSeconds,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub no_phone: bool,
    pub commune_code: String,
    pub commune_name: String,
    pub birth_year: Option<i32>,
    pub last_contact_at: UnixSeconds,
}

/// A recorded consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub purpose: String,
    pub text_version: String,
    pub text: String,
    pub recorded_at: UnixSeconds,
    pub recorded_by_name: Option<String>,
}

/// A stored diagnostic: the answers, the profile as computed then, and the override if any.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDiagnostic {
    pub id: i64,
    pub person_id: i64,
    pub made_at: UnixSeconds,
    pub made_by_name: Option<String>,
    pub answers: Answers,
    pub profile: Profile,
    pub override_: Option<ProfileOverride>,
    pub override_at: Option<UnixSeconds>,
}

/// The rows holding personal data, counted (tests check that nothing was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonalRowCounts {
    pub people: i64,
    pub consents: i64,
    pub diagnostics: i64,
    pub contact_requests: i64,
    /// Messages of referral threads (they go with their referral).
    pub referral_messages: i64,
}

/// `NotFound` unless the commune exists in the territory reference.
async fn require_commune(
    connection: &mut sqlx::AnyConnection,
    code: &str,
) -> Result<(), StoreError> {
    let commune = sqlx::query("SELECT COUNT(*) AS n FROM communes WHERE code = $1")
        .bind(code)
        .fetch_one(&mut *connection)
        .await?;
    if commune.try_get::<i64, _>("n")? == 0 {
        return Err(StoreError::NotFound(format!("commune {code}")));
    }
    Ok(())
}

pub(crate) fn person_event(actor: &Actor, action: AuditAction, person_id: i64) -> AuditEvent {
    AuditEvent {
        actor_account_id: Some(actor.account_id.get()),
        action,
        record_kind: "person".to_owned(),
        record_id: format!("personne-{person_id}"),
        reason: actor.reason.to_owned(),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) const PERSON_COLUMNS: &str = "p.id, p.structure_id, s.name AS structure_name, a.display_name AS enrolled_by_name,
    p.enrolled_at, p.first_name, p.last_name, p.phone, p.email, p.no_phone, p.commune_code,
    c.name AS commune_name, p.birth_year, p.last_contact_at
    FROM people p JOIN structures s ON s.id = p.structure_id JOIN communes c ON c.code = p.commune_code
    LEFT JOIN accounts a ON a.id = p.enrolled_by";

pub(crate) fn person_from(row: &AnyRow) -> Result<PersonRecord, StoreError> {
    let no_phone: i64 = row.try_get("no_phone")?;
    let birth_year: Option<i64> = row.try_get("birth_year")?;
    Ok(PersonRecord {
        id: PersonId::new(row.try_get("id")?),
        structure_id: StructureId::new(row.try_get("structure_id")?),
        structure_name: row.try_get("structure_name")?,
        enrolled_by_name: row.try_get("enrolled_by_name")?,
        enrolled_at: row.try_get("enrolled_at")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        no_phone: no_phone != 0,
        commune_code: row.try_get("commune_code")?,
        commune_name: row.try_get("commune_name")?,
        birth_year: birth_year.and_then(|y| i32::try_from(y).ok()),
        last_contact_at: row.try_get("last_contact_at")?,
    })
}

pub(crate) fn diagnostic_from(row: &AnyRow) -> Result<StoredDiagnostic, StoreError> {
    let answers: String = row.try_get("answers_json")?;
    let profile: String = row.try_get("profile_json")?;
    let override_reason: Option<String> = row.try_get("override_reason")?;
    let override_typology: Option<String> = row.try_get("override_typology")?;
    let override_help: Option<String> = row.try_get("override_help")?;
    let override_ = override_reason.map(|reason| ProfileOverride {
        typology: override_typology
            .as_deref()
            .and_then(aiguillage_domain::diagnostic::Typology::from_code),
        help: override_help
            .as_deref()
            .and_then(aiguillage_domain::diagnostic::RecommendedHelp::from_code),
        reason,
    });
    Ok(StoredDiagnostic {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        made_at: row.try_get("made_at")?,
        made_by_name: row.try_get("made_by_name")?,
        answers: from_json(&answers)?,
        profile: from_json(&profile)?,
        override_,
        override_at: row.try_get("override_at")?,
    })
}

/// The SQL condition "structure `structure` reaches person `p`": it enrolled them, or it follows them
/// through a referral it accepted (`ReferralState::followed_by_receiver`), that the person agreed
/// to share with it, and that did not end at or before `cutoff` (`receiver_access_cutoff`). The
/// placeholders must come in the order of the query's other ones (SQLite numbers them by first use).
pub(crate) fn reaches_person(structure: &str, cutoff: &str) -> String {
    use crate::referrals::states_where;
    use aiguillage_domain::orientation::ReferralState;
    format!(
        "(p.structure_id = {structure} OR EXISTS (SELECT 1 FROM referrals fr
             JOIN sharing_consents fsc ON fsc.referral_id = fr.id AND fsc.receiver_structure_id = fr.receiver_structure_id
             WHERE fr.person_id = p.id AND fr.receiver_structure_id = {structure}
               AND fr.state IN ({followed}) AND (fr.state NOT IN ({ended}) OR fr.state_changed_at > {cutoff})))",
        followed = states_where(ReferralState::followed_by_receiver),
        ended = states_where(ReferralState::has_ended),
    )
}

/// The same people as [`reaches_person`] whose name key matches `name_pattern`, as a `reached(id)`
/// common table: the people the structure enrolled (index `people_structure_name`) and those it
/// follows (index `referrals_receiver`), each side read by its index, instead of testing every
/// person of the instance against the `OR EXISTS` condition (a whole-table scan per list view).
pub(crate) fn reached_people(structure: &str, cutoff: &str, name_pattern: &str) -> String {
    use crate::referrals::states_where;
    use aiguillage_domain::orientation::ReferralState;
    format!(
        "WITH reached(id) AS (
             SELECT p.id FROM people p WHERE p.structure_id = {structure} AND p.name_key LIKE {name_pattern}
             UNION
             SELECT p.id FROM referrals fr
               JOIN sharing_consents fsc ON fsc.referral_id = fr.id AND fsc.receiver_structure_id = fr.receiver_structure_id
               JOIN people p ON p.id = fr.person_id
             WHERE fr.receiver_structure_id = {structure} AND fr.state IN ({followed})
               AND (fr.state NOT IN ({ended}) OR fr.state_changed_at > {cutoff})
               AND p.name_key LIKE {name_pattern})",
        followed = states_where(ReferralState::followed_by_receiver),
        ended = states_where(ReferralState::has_ended),
    )
}

/// [`PERSON_COLUMNS`] of the people of a `reached(id)` table ([`reached_people`]), read from it
/// (SQLite's `CROSS JOIN` keeps that order: the few reached people, then each one's row).
const REACHED_PERSON_COLUMNS: &str =
    "p.id, p.structure_id, s.name AS structure_name, a.display_name AS enrolled_by_name,
    p.enrolled_at, p.first_name, p.last_name, p.phone, p.email, p.no_phone, p.commune_code,
    c.name AS commune_name, p.birth_year, p.last_contact_at
    FROM reached r CROSS JOIN people p JOIN structures s ON s.id = p.structure_id
    JOIN communes c ON c.code = p.commune_code LEFT JOIN accounts a ON a.id = p.enrolled_by
    WHERE p.id = r.id";

/// Who may touch a person: the structure that enrolled them only (identity, consents, erasure), or
/// also a structure that follows them (their file, diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    Enrolling,
    Following,
}

/// Whether the person exists and the structure reaches them.
/// Deletes a person and everything recorded about them (referrals take their events, sessions,
/// appointments and messages with them); a voucher handed from their referrals keeps its statistical
/// facts, not the link. Shared by the erasure and the anonymisation.
pub(crate) async fn delete_person_rows(
    connection: &mut AnyConnection,
    person_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE vouchers SET referral_id = NULL
         WHERE referral_id IN (SELECT id FROM referrals WHERE person_id = $1)",
    )
    .bind(person_id)
    .execute(&mut *connection)
    .await?;
    for table in ["sharing_consents", "referrals", "diagnostics", "consents"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE person_id = $1"))
            .bind(person_id)
            .execute(&mut *connection)
            .await?;
    }
    sqlx::query("DELETE FROM people WHERE id = $1")
        .bind(person_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

async fn visible(
    connection: &mut AnyConnection,
    (structure_id, reach): (i64, Reach),
    person_id: i64,
    now: UnixSeconds,
) -> Result<bool, StoreError> {
    let row = match reach {
        Reach::Enrolling => {
            sqlx::query("SELECT COUNT(*) AS n FROM people WHERE id = $1 AND structure_id = $2")
                .bind(person_id)
                .bind(structure_id)
                .fetch_one(&mut *connection)
                .await?
        }
        Reach::Following => {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM people p WHERE p.id = $1 AND {}",
                reaches_person("$2", "$3")
            );
            sqlx::query(&sql)
                .bind(person_id)
                .bind(structure_id)
                .bind(receiver_access_cutoff(now))
                .fetch_one(&mut *connection)
                .await?
        }
    };
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Adds one to an anonymous count.
pub(crate) async fn count_fact(
    connection: &mut AnyConnection,
    period: &str,
    fact: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO anonymous_counts (period, fact, count) VALUES ($1, $2, 1)
         ON CONFLICT (period, fact) DO UPDATE SET count = anonymous_counts.count + 1",
    )
    .bind(period)
    .bind(fact)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Deletes every row of a person the caller checked the actor may erase, adds to the anonymous
/// counts (month, typology) and audits the erasure, inside the caller's transaction.
pub(crate) async fn erase_person_in(
    connection: &mut AnyConnection,
    key: &crate::AuditKey,
    actor: &Actor<'_>,
    person_id: i64,
    now: UnixSeconds,
) -> Result<(), StoreError> {
    let period = month_of(now);
    count_fact(&mut *connection, &period, "personne_effacee").await?;
    let typologies = sqlx::query("SELECT typology FROM diagnostics WHERE person_id = $1")
        .bind(person_id)
        .fetch_all(&mut *connection)
        .await?;
    for row in &typologies {
        let typology: String = row.try_get("typology")?;
        count_fact(
            &mut *connection,
            &period,
            &format!("diagnostic_efface:{typology}"),
        )
        .await?;
    }
    delete_person_rows(&mut *connection, person_id).await?;
    append_audit_in(
        &mut *connection,
        key,
        &person_event(actor, AuditAction::Delete, person_id),
        now,
    )
    .await?;
    Ok(())
}

pub(crate) use aiguillage_domain::calendar::month_of;

impl Store {
    /// Enrols a person with their consent, in one transaction: the person, the consent (its text as
    /// shown) and the audit entry, or nothing. An unknown commune is a `NotFound`.
    pub async fn enrol_person(
        &self,
        actor: &Actor<'_>,
        draft: &PersonDraft,
        consent: &ConsentText,
        now: UnixSeconds,
    ) -> Result<PersonId, StoreError> {
        let mut transaction = self.begin_write().await?;
        require_commune(&mut transaction, &draft.commune_code).await?;
        let row = sqlx::query(
            "INSERT INTO people (structure_id, enrolled_by, enrolled_at, first_name, last_name, name_key, phone,
                 email, no_phone, commune_code, birth_year, last_contact_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $3) RETURNING id",
        )
        .bind(actor.structure_id.get())
        .bind(actor.account_id.get())
        .bind(now)
        .bind(&draft.first_name)
        .bind(&draft.last_name)
        .bind(name_key(&draft.first_name, &draft.last_name))
        .bind(&draft.phone)
        .bind(&draft.email)
        .bind(i64::from(draft.no_phone))
        .bind(&draft.commune_code)
        .bind(draft.birth_year.map(i64::from))
        .fetch_one(&mut *transaction)
        .await?;
        let person_id: i64 = row.try_get("id")?;
        sqlx::query(
            "INSERT INTO consents (person_id, purpose, text_version, text, recorded_by, recorded_at)
             VALUES ($1, 'enrolment', $2, $3, $4, $5)",
        )
        .bind(person_id)
        .bind(&consent.version)
        .bind(&consent.text)
        .bind(actor.account_id.get())
        .bind(now)
        .execute(&mut *transaction)
        .await?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &person_event(actor, AuditAction::Create, person_id),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(PersonId::new(person_id))
    }

    /// Corrects the identity and contact details of a person of the actor's structure (every field of
    /// the draft, checked like an enrolment); `false` when the person is not the structure's, and
    /// nothing changes. The change is audited; the commune must exist. See [`Store::correct_person`].
    pub async fn update_person(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        draft: &PersonDraft,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        self.correct_person(actor, person, draft, None, now).await
    }

    /// Corrects the identity and contact details of a person of the actor's structure, in one
    /// transaction: the person read and changed only if the structure enrolled them (`false`
    /// otherwise, nothing written), the audit entry naming the fields changed by their codes and
    /// never their old or new values (`domain::rights::correction_reason`), and, when the person asked
    /// for the correction (`on_request`: the day the request reached the structure), a rectification
    /// entry in the register of rights requests, answered at once.
    pub async fn correct_person(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        draft: &PersonDraft,
        on_request: Option<aiguillage_domain::calendar::Date>,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        use aiguillage_domain::rights::{changed_fields, correction_reason, RightsRequestKind};
        let mut transaction = self.begin_write().await?;
        require_commune(&mut transaction, &draft.commune_code).await?;
        let before = sqlx::query(
            "SELECT first_name, last_name, phone, email, no_phone, commune_code, birth_year FROM people
             WHERE id = $1 AND structure_id = $2",
        )
        .bind(person.get())
        .bind(actor.structure_id.get())
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(before) = before else {
            return Ok(false);
        };
        let before = PersonDraft {
            first_name: before.try_get("first_name")?,
            last_name: before.try_get("last_name")?,
            phone: before.try_get("phone")?,
            email: before.try_get("email")?,
            no_phone: before.try_get::<i64, _>("no_phone")? != 0,
            commune_code: before.try_get("commune_code")?,
            birth_year: before
                .try_get::<Option<i64>, _>("birth_year")?
                .and_then(|y| i32::try_from(y).ok()),
        };
        let changed = changed_fields(&before, draft);
        sqlx::query(
            "UPDATE people SET first_name = $1, last_name = $2, name_key = $3, phone = $4, email = $5,
                 no_phone = $6, commune_code = $7, birth_year = $8
             WHERE id = $9 AND structure_id = $10",
        )
        .bind(&draft.first_name)
        .bind(&draft.last_name)
        .bind(name_key(&draft.first_name, &draft.last_name))
        .bind(&draft.phone)
        .bind(&draft.email)
        .bind(i64::from(draft.no_phone))
        .bind(&draft.commune_code)
        .bind(draft.birth_year.map(i64::from))
        .bind(person.get())
        .bind(actor.structure_id.get())
        .execute(&mut *transaction)
        .await?;
        if let Some(received_on) = on_request {
            let kind = RightsRequestKind::Rectification;
            let request = (kind, person);
            crate::rights::insert_request(
                &mut transaction,
                actor,
                request,
                received_on,
                (now, true),
            )
            .await?;
        }
        let reason = correction_reason(actor.reason, &changed);
        let event = AuditEvent {
            reason,
            ..person_event(actor, AuditAction::Update, person.get())
        };
        append_audit_in(&mut transaction, &self.audit_key, &event, now).await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// People of the structure with the same name and birth year in the same commune (possible
    /// duplicates shown before enrolling). Each one shown is audited as a read.
    pub async fn possible_duplicates(
        &self,
        actor: &Actor<'_>,
        draft: &PersonDraft,
        now: UnixSeconds,
    ) -> Result<Vec<PersonRecord>, StoreError> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} WHERE p.structure_id = $1 AND p.name_key = $2 AND p.commune_code = $3
               AND (p.birth_year = $4 OR p.birth_year IS NULL OR $4 IS NULL) ORDER BY p.id"
        );
        let rows = sqlx::query(&sql)
            .bind(actor.structure_id.get())
            .bind(name_key(&draft.first_name, &draft.last_name))
            .bind(&draft.commune_code)
            .bind(draft.birth_year.map(i64::from))
            .fetch_all(&self.pool)
            .await?;
        self.audited_people(actor, &rows, now).await
    }

    /// People the structure enrolled or follows ([`reaches_person`]) whose name contains the query
    /// (all of them, newest first, when the query is empty), at most `limit`. Each one listed is
    /// audited as a read.
    pub async fn search_people(
        &self,
        actor: &Actor<'_>,
        query: &str,
        limit: i64,
        now: UnixSeconds,
    ) -> Result<Vec<PersonRecord>, StoreError> {
        let key = name_key(query, "");
        let sql = format!(
            "{} SELECT {REACHED_PERSON_COLUMNS}
             ORDER BY p.last_contact_at DESC, p.id DESC LIMIT $4",
            reached_people("$1", "$2", "$3")
        );
        let rows = sqlx::query(&sql)
            .bind(actor.structure_id.get())
            .bind(receiver_access_cutoff(now))
            .bind(format!("%{key}%"))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        self.audited_people(actor, &rows, now).await
    }

    /// One page of [`Store::search_people`]: `limit` people after skipping `offset`, and how many
    /// the query finds in all. The page is audited as one list read.
    pub async fn search_people_page(
        &self,
        actor: &Actor<'_>,
        query: &str,
        (limit, offset): (i64, i64),
        now: UnixSeconds,
    ) -> Result<(Vec<PersonRecord>, i64), StoreError> {
        let key = format!("%{}%", name_key(query, ""));
        let reached = reached_people("$1", "$2", "$3");
        let sql = format!(
            "{reached} SELECT {REACHED_PERSON_COLUMNS}
             ORDER BY p.last_contact_at DESC, p.id DESC LIMIT $4 OFFSET $5"
        );
        let cutoff = receiver_access_cutoff(now);
        let rows = sqlx::query(&sql)
            .bind(actor.structure_id.get())
            .bind(cutoff)
            .bind(&key)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let count_sql = format!("{reached} SELECT COUNT(*) AS n FROM reached");
        let total: i64 = sqlx::query(&count_sql)
            .bind(actor.structure_id.get())
            .bind(cutoff)
            .bind(&key)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok((self.audited_people(actor, &rows, now).await?, total))
    }

    async fn audited_people(
        &self,
        actor: &Actor<'_>,
        rows: &[AnyRow],
        now: UnixSeconds,
    ) -> Result<Vec<PersonRecord>, StoreError> {
        let people = rows
            .iter()
            .map(person_from)
            .collect::<Result<Vec<_>, _>>()?;
        let events: Vec<AuditEvent> = people
            .iter()
            .map(|person| person_event(actor, AuditAction::Read, person.id.get()))
            .collect();
        self.record_audits(&events, now).await?;
        Ok(people)
    }

    /// The person, if the actor's structure enrolled or follows them ([`reaches_person`]; `None`
    /// otherwise, whether they exist or not); the read is audited (committed before it returns).
    pub async fn person(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        now: UnixSeconds,
    ) -> Result<Option<PersonRecord>, StoreError> {
        let person_id = person.get();
        let sql = format!(
            "SELECT {PERSON_COLUMNS} WHERE p.id = $1 AND {}",
            reaches_person("$2", "$3")
        );
        let row = sqlx::query(&sql)
            .bind(person_id)
            .bind(actor.structure_id.get())
            .bind(receiver_access_cutoff(now))
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let person = person_from(&row)?;
        self.record_audit(&person_event(actor, AuditAction::Read, person_id), now)
            .await?;
        Ok(Some(person))
    }

    /// The consents recorded for a person of the actor's structure, oldest first.
    pub async fn consents_of(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
    ) -> Result<Vec<ConsentRecord>, StoreError> {
        let person_id = person.get();
        let rows = sqlx::query(
            "SELECT c.purpose, c.text_version, c.text, c.recorded_at, a.display_name AS recorded_by_name
             FROM consents c JOIN people p ON p.id = c.person_id LEFT JOIN accounts a ON a.id = c.recorded_by
             WHERE c.person_id = $1 AND p.structure_id = $2 ORDER BY c.id",
        )
        .bind(person_id)
        .bind(actor.structure_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ConsentRecord {
                    purpose: row.try_get("purpose")?,
                    text_version: row.try_get("text_version")?,
                    text: row.try_get("text")?,
                    recorded_at: row.try_get("recorded_at")?,
                    recorded_by_name: row.try_get("recorded_by_name")?,
                })
            })
            .collect()
    }

    /// Stores a diagnostic of a person the actor's structure enrolled or follows (`None` when not
    /// visible), and moves the person's last contact to now.
    pub async fn add_diagnostic(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        answers: &Answers,
        profile: &Profile,
        now: UnixSeconds,
    ) -> Result<Option<i64>, StoreError> {
        let person_id = person.get();
        let mut transaction = self.begin_write().await?;
        let whose = (actor.structure_id.get(), Reach::Following);
        if !visible(&mut transaction, whose, person_id, now).await? {
            return Ok(None);
        }
        let row = sqlx::query(
            "INSERT INTO diagnostics (person_id, made_by, made_at, answers_json, profile_json, typology, overall, first_help)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(person_id)
        .bind(actor.account_id.get())
        .bind(now)
        .bind(to_json(answers)?)
        .bind(to_json(profile)?)
        .bind(profile.typology.code())
        .bind(profile.overall.code())
        .bind(profile.first_help().code())
        .fetch_one(&mut *transaction)
        .await?;
        let id: i64 = row.try_get("id")?;
        sqlx::query("UPDATE people SET last_contact_at = $1 WHERE id = $2")
            .bind(now)
            .bind(person_id)
            .execute(&mut *transaction)
            .await?;
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &person_event(actor, AuditAction::Update, person_id),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(id))
    }

    /// The diagnostics of a person the actor's structure enrolled or follows, oldest first (empty when
    /// not visible): both sides see the progress.
    pub async fn diagnostics_of(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        now: UnixSeconds,
    ) -> Result<Vec<StoredDiagnostic>, StoreError> {
        let person_id = person.get();
        let sql = format!(
            "SELECT d.*, a.display_name AS made_by_name FROM diagnostics d
             JOIN people p ON p.id = d.person_id LEFT JOIN accounts a ON a.id = d.made_by
             WHERE d.person_id = $1 AND {} ORDER BY d.made_at, d.id",
            reaches_person("$2", "$3")
        );
        let rows = sqlx::query(&sql)
            .bind(person_id)
            .bind(actor.structure_id.get())
            .bind(receiver_access_cutoff(now))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(diagnostic_from).collect()
    }

    /// Records the professional's override of a diagnostic's typology or help (`false` when the
    /// diagnostic is not visible).
    pub async fn override_diagnostic(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        diagnostic_id: i64,
        decision: &ProfileOverride,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let person_id = person.get();
        let mut transaction = self.begin_write().await?;
        let whose = (actor.structure_id.get(), Reach::Following);
        if !visible(&mut transaction, whose, person_id, now).await? {
            return Ok(false);
        }
        let updated = sqlx::query(
            "UPDATE diagnostics SET override_typology = $1, override_help = $2, override_reason = $3,
                 override_by = $4, override_at = $5
             WHERE id = $6 AND person_id = $7",
        )
        .bind(decision.typology.map(|t| t.code()))
        .bind(decision.help.map(|h| h.code()))
        .bind(&decision.reason)
        .bind(actor.account_id.get())
        .bind(now)
        .bind(diagnostic_id)
        .bind(person_id)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        append_audit_in(
            &mut transaction,
            &self.audit_key,
            &person_event(actor, AuditAction::Update, person_id),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Erases a person of the actor's structure (consent withdrawn or erasure requested): the
    /// person, consents and diagnostics are deleted, anonymous counts (month, typology) are kept, and
    /// the erasure is audited. `false` when the person is not visible.
    pub async fn erase_person(
        &self,
        actor: &Actor<'_>,
        person: PersonId,
        now: UnixSeconds,
    ) -> Result<bool, StoreError> {
        let person_id = person.get();
        let mut transaction = self.begin_write().await?;
        let whose = (actor.structure_id.get(), Reach::Enrolling);
        if !visible(&mut transaction, whose, person_id, now).await? {
            return Ok(false);
        }
        erase_person_in(&mut transaction, &self.audit_key, actor, person_id, now).await?;
        transaction.commit().await?;
        self.checkpoint_after_erasure().await?;
        Ok(true)
    }

    /// On SQLite, copies the write-ahead log into the database file and empties it, so that the erased
    /// rows (overwritten there by `secure_delete`) do not survive in the WAL either; on both
    /// backends, removes the sealed copy of the indicator records, which held the erased person
    /// (the next full load writes it again).
    pub(crate) async fn checkpoint_after_erasure(&self) -> Result<(), StoreError> {
        self.remove_indicator_snapshot().await;
        if self.backend == crate::Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// The anonymous counts left by erasures, `(period, fact, count)`.
    pub async fn anonymous_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows =
            sqlx::query("SELECT period, fact, count FROM anonymous_counts ORDER BY period, fact")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("period")?,
                    row.try_get("fact")?,
                    row.try_get("count")?,
                ))
            })
            .collect()
    }

    /// How many rows of personal data are stored.
    pub async fn personal_row_counts(&self) -> Result<PersonalRowCounts, StoreError> {
        let mut counts = [0_i64; 5];
        let tables = [
            "people",
            "consents",
            "diagnostics",
            "contact_requests",
            "referral_messages",
        ];
        for (count, table) in counts.iter_mut().zip(tables) {
            let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
                .fetch_one(&self.pool)
                .await?;
            *count = row.try_get("n")?;
        }
        Ok(PersonalRowCounts {
            people: counts[0],
            consents: counts[1],
            diagnostics: counts[2],
            contact_requests: counts[3],
            referral_messages: counts[4],
        })
    }
}
