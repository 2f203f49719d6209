//! What changed in the indicator records since they were loaded, read by difference: a refresh
//! reads the people enrolled since, the diagnostics of the people diagnosed (or overridden) since,
//! the referrals an event touched since, the sessions recorded since, and the appointments or
//! offers when they changed — not the whole instance again. The parts of the watermark
//! ([`IndicatorMarks`]) say where to start; when a part that cannot be read by difference moved (an
//! erasure, a session corrected or deleted, a structure's support model, the communes), the answer
//! is `None` and the caller loads everything.
//!
//! The same loaders as the full load read the changes, with a filter, inside one read-only
//! transaction (a consistent snapshot); the domain applies them (`Dataset::with_changes`).

use crate::indicators::{
    load_appointments, load_capacities, load_communes, load_diagnostics, load_outcomes,
    load_people, load_referrals, load_sessions, load_support_models, marks_in, touched_referrals,
    DroppedRecords, IndicatorMarks, Lap, People, PersonKeys, Since, PSEUDONYM_KEY_NAME,
};
use crate::{Store, StoreError};
use aiguillage_domain::indicators::{Dataset, RecordChanges};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashSet};

/// The changes read, and the marks they bring the records to.
#[derive(Debug, Clone)]
pub struct IndicatorChanges {
    pub changes: RecordChanges,
    pub marks: IndicatorMarks,
    /// Changed records left out because the dataset would refuse them.
    pub dropped: DroppedRecords,
}

impl Store {
    /// The records changed since `dataset` was loaded at `marks`; `None` when a change cannot be
    /// read by difference and everything must be loaded again. `fragile` is as for
    /// [`Store::indicator_dataset`].
    pub async fn indicator_changes(
        &self,
        dataset: &Dataset,
        marks: &IndicatorMarks,
        fragile: &BTreeMap<String, bool>,
    ) -> Result<Option<IndicatorChanges>, StoreError> {
        let mut lap = Lap::new();
        let keys = PersonKeys::from_secret(&self.instance_key(PSEUDONYM_KEY_NAME).await?);
        let mut transaction = self.records_snapshot().await?;
        let connection: &mut AnyConnection = &mut transaction;
        let now_marks = marks_in(connection).await?;
        if !now_marks.only_additions_since(marks) {
            return Ok(None);
        }
        let since = Since::of(marks);
        let marks_ms = lap.next();
        let mut dropped = DroppedRecords::default();
        let (mut people, mut diagnosed) =
            touched_people(connection, dataset, &keys, &since).await?;
        let touched_ms = lap.next();
        let communes = load_communes(connection, fragile, since.people).await?;
        let enrolled =
            load_people(connection, &keys, &communes, &mut dropped, since.people).await?;
        diagnosed.extend(enrolled.records.iter().map(|p| p.key));
        people.ids.extend(enrolled.ids);
        people.records.extend(enrolled.records);
        people.first_diagnostic.extend(enrolled.first_diagnostic);
        let diagnostics =
            load_diagnostics(connection, &mut people, &mut dropped, Some(&since)).await?;
        let diagnostics_ms = lap.next();
        let read_again = read_again_referrals(connection, &since).await?;
        let models = load_support_models(connection).await?;
        let outcomes = load_outcomes(connection, Some(&since)).await?;
        let referrals = load_referrals(
            connection,
            &people,
            (&models, &outcomes),
            &mut dropped,
            Some(&since),
        )
        .await?;
        let referrals_ms = lap.next();
        let kept: HashSet<i64> = referrals.iter().map(|r| r.id).collect();
        let left_out: Vec<i64> = read_again.difference(&kept).copied().collect();
        let known = |id: i64| {
            kept.contains(&id) || (!read_again.contains(&id) && dataset.referral(id).is_some())
        };
        let sessions = load_sessions(connection, known, &mut dropped, since.sessions).await?;
        let appointments = match now_marks.moved(marks, IndicatorMarks::APPOINTMENTS) {
            true => Some(load_appointments(connection, known, &mut dropped).await?),
            false => None,
        };
        let offers_moved = IndicatorMarks::OFFERS
            .iter()
            .any(|part| now_marks.moved(marks, *part));
        let capacities = match offers_moved {
            true => Some(load_capacities(connection, &models, &mut dropped).await?),
            false => None,
        };
        transaction.commit().await?;
        tracing::info!(
            marks_ms,
            touched_ms,
            diagnostics_ms,
            referrals_ms,
            sessions_ms = lap.next(),
            people = people.records.len(),
            referrals = referrals.len(),
            sessions = sessions.len(),
            "indicator changes read"
        );
        let changes = RecordChanges {
            diagnosed,
            people: people.records,
            diagnostics,
            referrals,
            referrals_left_out: left_out,
            sessions,
            appointments,
            capacities,
        };
        Ok(Some(IndicatorChanges {
            changes,
            marks: now_marks,
            dropped,
        }))
    }
}

/// The people already loaded whose records a refresh reads again, sorted by id: those diagnosed or
/// overridden since (their record as loaded, typology and first diagnostic to be read again), and
/// those only a referral's event touched (their record and first diagnostic as loaded). People
/// the load left out stay out, and those enrolled since are read whole by the caller. (No filter
/// on the person's id and no DISTINCT in SQL: SQLite would then walk the person index over the
/// whole table; the set removes the duplicates.) With them, the keys of those whose
/// diagnostics are read again.
async fn touched_people(
    connection: &mut AnyConnection,
    dataset: &Dataset,
    keys: &PersonKeys,
    since: &Since,
) -> Result<(People, Vec<u64>), StoreError> {
    let rediagnosed = person_ids(
        connection,
        "SELECT person_id FROM diagnostics WHERE id > $1 OR override_at >= $2",
        &[since.diagnostics, since.overrides],
    )
    .await?;
    let referred = person_ids(
        connection,
        "SELECT person_id FROM referrals
         WHERE id IN (SELECT referral_id FROM referral_events WHERE id > $1)",
        &[since.events],
    )
    .await?;
    let mut people = People::default();
    let mut diagnosed = Vec::new();
    let mut existing: Vec<i64> = rediagnosed.union(&referred).copied().collect();
    existing.sort_unstable();
    for id in existing {
        let key = keys.key(id);
        let Some(record) = dataset.person(key) else {
            continue;
        };
        let mut record = record;
        let first_diagnostic = if rediagnosed.contains(&id) {
            record.typology = None;
            diagnosed.push(key);
            None
        } else {
            dataset.diagnostics_of(key).first().map(|d| d.at)
        };
        people.ids.push(id);
        people.records.push(record);
        people.first_diagnostic.push(first_diagnostic);
    }
    Ok((people, diagnosed))
}

async fn person_ids(
    connection: &mut AnyConnection,
    sql: &str,
    values: &[i64],
) -> Result<HashSet<i64>, StoreError> {
    let mut query = sqlx::query(sql);
    for value in values {
        query = query.bind(*value);
    }
    let rows = query.fetch_all(&mut *connection).await?;
    rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
}

/// The ids of the referrals a refresh reads again.
async fn read_again_referrals(
    connection: &mut AnyConnection,
    since: &Since,
) -> Result<HashSet<i64>, StoreError> {
    let sql = format!(
        "SELECT r.id FROM referrals r WHERE {}",
        touched_referrals(1)
    );
    let values = [
        since.events,
        since.diagnostics,
        since.overrides,
        since.people,
    ];
    person_ids(connection, &sql, &values).await
}
