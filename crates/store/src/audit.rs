//! The audit trail: one append mechanism for every read or change of a personal record, chained by
//! keyed hashes (HMAC-SHA256 under the instance's audit key, see `domain::audit`), and the listing and
//! verification the administrator uses. Entries written before the key existed (plain SHA-256) are
//! accepted only as the chain's prefix, whose length and last hash are sealed under the key when the
//! keyed scheme is introduced (migration 0017).

use crate::{AuditKey, Store, StoreError};
use aiguillage_domain::audit::{
    chain_hash, checkpoint_seal, is_list, joining, keyed_chain_hash, legacy_seal, list_entry,
    AuditAction, AuditEvent, AuditHashScheme, Joining,
};
use aiguillage_domain::UnixSeconds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A stored audit entry, with the actor's name when the actor is an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: UnixSeconds,
    pub actor_account_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: AuditAction,
    pub record_kind: String,
    pub record_id: String,
    pub reason: String,
    pub hash: String,
}

/// What the administrator looks for in the journal: entries about some records (a person's file and
/// referrals), by an author (name or e-mail, in part), between two moments. Empty criteria keep all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// `Some(ids)`: only entries about these records (`personne-12`, `orientation-40`…).
    pub records: Option<Vec<String>>,
    pub author: Option<String>,
    pub from: Option<UnixSeconds>,
    /// Exclusive.
    pub to: Option<UnixSeconds>,
}

/// The latest checkpoint, as its seal says.
enum Checkpoint {
    Sound { through_seq: i64, hash: String },
    Forged { through_seq: i64 },
}

/// The result of re-computing the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditChainCheck {
    Intact { entries: i64 },
    BrokenAt { seq: i64 },
}

/// Records one access inside the caller's transaction, so that the audit and the access it records
/// are written together or not at all: a new entry, unless the chain's last entry is the same access
/// (`domain::audit::joining`: the read that prepared this change becomes the change, a second read is
/// already recorded). Returns the entry's sequence number.
pub async fn append_audit_in(
    connection: &mut AnyConnection,
    key: &AuditKey,
    event: &AuditEvent,
    now: UnixSeconds,
) -> Result<i64, StoreError> {
    // Touching the head first takes the write lock (SQLite) or the row lock (PostgreSQL):
    // concurrent appends wait here, so sequence numbers and hashes never fork.
    let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *connection)
        .await?;
    let (last_seq, last_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    if let Some(last) = keyed_entry(connection, last_seq).await? {
        match joining(&last.event, last.at, event, now) {
            Joining::Covered => return Ok(last_seq),
            Joining::Upgrade => {
                let upgraded = AuditEvent {
                    action: event.action,
                    record_kind: event.record_kind.clone(),
                    record_id: event.record_id.clone(),
                    ..last.event
                };
                rewrite_last(
                    connection,
                    key,
                    (last_seq, &last.prev_hash),
                    last.at,
                    &upgraded,
                )
                .await?;
                return Ok(last_seq);
            }
            Joining::Append => {}
        }
    }
    let seq = last_seq + 1;
    let hash = keyed_chain_hash(key.bytes(), &last_hash, seq, now, event);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_account_id, action, record_kind, record_id, reason, prev_hash,
                                hash, hash_scheme)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(now)
    .bind(event.actor_account_id)
    .bind(event.action.code())
    .bind(&event.record_kind)
    .bind(&event.record_id)
    .bind(&event.reason)
    .bind(&last_hash)
    .bind(&hash)
    .bind(AuditHashScheme::HmacSha256.code())
    .execute(&mut *connection)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&hash)
        .execute(&mut *connection)
        .await?;
    if is_list(&event.record_kind) {
        record_subjects(connection, seq, &event.record_id).await?;
    }
    Ok(seq)
}

/// The chain's last entry, when it is keyed (a legacy entry is never rewritten).
struct LastEntry {
    event: AuditEvent,
    at: UnixSeconds,
    prev_hash: String,
}

async fn keyed_entry(
    connection: &mut AnyConnection,
    seq: i64,
) -> Result<Option<LastEntry>, StoreError> {
    let row = sqlx::query(
        "SELECT at, actor_account_id, action, record_kind, record_id, reason, prev_hash FROM audit_log
         WHERE seq = $1 AND hash_scheme = $2",
    )
    .bind(seq)
    .bind(AuditHashScheme::HmacSha256.code())
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let action: String = row.try_get("action")?;
    Ok(Some(LastEntry {
        event: AuditEvent {
            actor_account_id: row.try_get("actor_account_id")?,
            action: AuditAction::from_code(&action)
                .ok_or_else(|| StoreError::Corrupt(format!("action d'audit « {action} »")))?,
            record_kind: row.try_get("record_kind")?,
            record_id: row.try_get("record_id")?,
            reason: row.try_get("reason")?,
        },
        at: row.try_get("at")?,
        prev_hash: row.try_get("prev_hash")?,
    }))
}

/// Rewrites the chain's last entry (`seq`, chained to `prev_hash`) as `event`, with its hash and the
/// head's: nothing is chained to it yet, and the head's lock is held.
async fn rewrite_last(
    connection: &mut AnyConnection,
    key: &AuditKey,
    (seq, prev_hash): (i64, &str),
    at: UnixSeconds,
    event: &AuditEvent,
) -> Result<(), StoreError> {
    let hash = keyed_chain_hash(key.bytes(), prev_hash, seq, at, event);
    sqlx::query("UPDATE audit_log SET action = $1, record_kind = $2, record_id = $3, hash = $4 WHERE seq = $5",
    )
    .bind(event.action.code())
    .bind(&event.record_kind)
    .bind(&event.record_id)
        .bind(&hash)
        .bind(seq)
        .execute(&mut *connection)
        .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Names each record of a list's entry in `audit_subjects`, for the search by person.
async fn record_subjects(
    connection: &mut AnyConnection,
    seq: i64,
    record_ids: &str,
) -> Result<(), StoreError> {
    let unique: std::collections::BTreeSet<&str> = record_ids.split(' ').collect();
    for record_id in unique {
        sqlx::query("INSERT INTO audit_subjects (seq, record_id) VALUES ($1, $2)")
            .bind(seq)
            .bind(record_id)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

pub(crate) fn entry_from(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    let action: String = row.try_get("action")?;
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_account_id: row.try_get("actor_account_id")?,
        actor_name: row.try_get("actor_name")?,
        action: AuditAction::from_code(&action)
            .ok_or_else(|| StoreError::Corrupt(format!("action d'audit « {action} »")))?,
        record_kind: row.try_get("record_kind")?,
        record_id: row.try_get("record_id")?,
        reason: row.try_get("reason")?,
        hash: row.try_get("hash")?,
    })
}

impl Store {
    /// Records one access, committed with the entries of the views that arrived meanwhile
    /// (`audit_batch`); returns its sequence number.
    pub async fn record_audit(
        &self,
        event: &AuditEvent,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        self.append_audit_batched(vec![event.clone()], now).await
    }

    /// Records the records a page lists: one entry naming them all when they are reads by one actor
    /// for one reason (`domain::audit::list_entry`), otherwise one each; committed with the entries
    /// of the views that arrived meanwhile (`audit_batch`).
    pub async fn record_audits(
        &self,
        events: &[AuditEvent],
        now: UnixSeconds,
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let entries = match list_entry(events) {
            Some(list) => vec![list],
            None => events.to_vec(),
        };
        self.append_audit_batched(entries, now).await.map(|_| ())
    }

    /// The newest entries first, `limit` of them after skipping `offset`.
    pub async fn list_audit(&self, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.seq, l.at, l.actor_account_id, a.display_name AS actor_name, l.action, l.record_kind,
                    l.record_id, l.reason, l.hash
             FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_account_id
             ORDER BY l.seq DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from).collect()
    }

    /// The entries the filter keeps, most recent first, a page at a time, and how many it keeps.
    pub async fn search_audit(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<AuditEntry>, i64), StoreError> {
        // Placeholders are numbered in the order they appear (SQLite numbers them so).
        let mut conditions = Vec::new();
        let mut next = 1;
        let mut take = || {
            let placeholder = format!("${next}");
            next += 1;
            placeholder
        };
        if let Some(records) = &filter.records {
            if records.is_empty() {
                return Ok((Vec::new(), 0));
            }
            let list: Vec<String> = records.iter().map(|_| take()).collect();
            let listed: Vec<String> = records.iter().map(|_| take()).collect();
            conditions.push(format!(
                "(l.record_id IN ({}) OR l.seq IN (SELECT seq FROM audit_subjects WHERE record_id IN ({})))",
                list.join(", "),
                listed.join(", ")
            ));
        }
        if filter.author.is_some() {
            let (name, email) = (take(), take());
            conditions.push(format!(
                "(LOWER(a.display_name) LIKE {name} OR LOWER(a.email) LIKE {email})"
            ));
        }
        if filter.from.is_some() {
            conditions.push(format!("l.at >= {}", take()));
        }
        if filter.to.is_some() {
            conditions.push(format!("l.at < {}", take()));
        }
        let (limit_at, offset_at) = (take(), take());
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let from = "FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_account_id";
        let list_sql = format!(
            "SELECT l.seq, l.at, l.actor_account_id, a.display_name AS actor_name, l.action, l.record_kind,
                    l.record_id, l.reason, l.hash
             {from} {clause} ORDER BY l.seq DESC LIMIT {limit_at} OFFSET {offset_at}"
        );
        let count_sql = format!("SELECT COUNT(*) AS entries {from} {clause}");
        let pattern = filter
            .author
            .as_ref()
            .map(|author| format!("%{}%", author.trim().to_lowercase()));
        fn bind<'q>(
            sql: &'q str,
            filter: &AuditFilter,
            pattern: &Option<String>,
        ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
            let mut query = sqlx::query(sql).persistent(false);
            // The records twice: the entries about one of them, and the lists naming one.
            for _ in 0..2 {
                for record in filter.records.iter().flatten() {
                    query = query.bind(record.clone());
                }
            }
            if let Some(pattern) = pattern {
                query = query.bind(pattern.clone()).bind(pattern.clone());
            }
            for moment in [filter.from, filter.to].into_iter().flatten() {
                query = query.bind(moment);
            }
            query
        }
        let rows = bind(&list_sql, filter, &pattern)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = bind(&count_sql, filter, &pattern)
            .fetch_one(&self.pool)
            .await?
            .try_get("entries")?;
        Ok((
            rows.iter().map(entry_from).collect::<Result<_, _>>()?,
            total,
        ))
    }

    /// The journal's record ids of the people whose name contains `typed` (accents and case aside):
    /// their files and their referrals; and how many people matched (at most 200 are looked at).
    pub async fn audit_records_of_people_named(
        &self,
        typed: &str,
    ) -> Result<(usize, Vec<String>), StoreError> {
        let key = aiguillage_domain::person::name_key("", typed);
        if key.is_empty() {
            return Ok((0, Vec::new()));
        }
        let people: Vec<i64> =
            sqlx::query("SELECT id FROM people WHERE name_key LIKE $1 ORDER BY id LIMIT 200")
                .bind(format!("%{key}%"))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| row.try_get("id"))
                .collect::<Result<_, _>>()?;
        let mut records: Vec<String> = people.iter().map(|id| format!("personne-{id}")).collect();
        for chunk in people.chunks(100) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id FROM referrals WHERE person_id IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let id: i64 = row.try_get("id")?;
                records.push(format!("orientation-{id}"));
            }
        }
        Ok((people.len(), records))
    }

    pub async fn count_audit(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS entries FROM audit_log")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("entries")?)
    }

    /// Whether the keyed scheme (migration 0017) was already in place before this connection.
    pub(crate) async fn audit_chain_keyed(&self) -> bool {
        sqlx::query("SELECT legacy_entries FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .is_ok()
    }

    /// Seals the legacy prefix under the key, once, right after migration 0017 introduced the keyed
    /// scheme. The seal covers the number of legacy entries and the hash of the last one, read from
    /// the entries themselves, so concurrent instances write the same seal.
    pub(crate) async fn seal_legacy_audit(&self) -> Result<(), StoreError> {
        let head = sqlx::query("SELECT legacy_entries FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let legacy_entries: i64 = head.try_get("legacy_entries")?;
        let last_hash = self.legacy_hash_at(legacy_entries).await?;
        sqlx::query("UPDATE audit_head SET legacy_seal = $1 WHERE id = 1 AND legacy_seal IS NULL")
            .bind(legacy_seal(
                self.audit_key.bytes(),
                legacy_entries,
                &last_hash,
            ))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The hash of entry `seq` (empty for 0, before the first entry).
    async fn legacy_hash_at(&self, seq: i64) -> Result<String, StoreError> {
        if seq == 0 {
            return Ok(String::new());
        }
        let row = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(row.try_get("hash")?),
            None => Err(StoreError::Corrupt(format!(
                "entrée d'audit n° {seq} absente"
            ))),
        }
    }

    /// Re-computes every hash from the first entry: an altered or removed entry breaks the chain, and
    /// so does a keyed entry recomputed without the key, or a wrong key. Legacy (unkeyed) entries are
    /// accepted only as the sealed prefix.
    pub async fn verify_audit_chain(&self) -> Result<AuditChainCheck, StoreError> {
        let head = sqlx::query("SELECT legacy_entries, legacy_seal FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let legacy_entries: i64 = head.try_get("legacy_entries")?;
        let seal: Option<String> = head.try_get("legacy_seal")?;
        let rows = sqlx::query(
            "SELECT seq, at, actor_account_id, action, record_kind, record_id, reason, prev_hash, hash,
                    hash_scheme
             FROM audit_log ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let (first_seq, mut prev_hash) = match self.latest_audit_checkpoint().await? {
            Some(Checkpoint::Sound { through_seq, hash }) => (through_seq + 1, hash),
            Some(Checkpoint::Forged { through_seq }) => {
                return Ok(AuditChainCheck::BrokenAt {
                    seq: through_seq + 1,
                })
            }
            None => (1, String::new()),
        };
        // A prefix cut off behind a checkpoint was verified, legacy seal included, before the cut.
        let legacy_cut_off = legacy_entries > 0 && legacy_entries < first_seq;
        let mut sealed_hash = (legacy_entries == 0).then(String::new);
        for (expected_seq, row) in (first_seq..).zip(rows.iter()) {
            let seq: i64 = row.try_get("seq")?;
            let stored_prev: String = row.try_get("prev_hash")?;
            let stored_hash: String = row.try_get("hash")?;
            let expected_hash = match self.expected_hash(row, &prev_hash, legacy_entries)? {
                Some(hash) => hash,
                None => return Ok(AuditChainCheck::BrokenAt { seq }),
            };
            if seq != expected_seq || stored_prev != prev_hash || expected_hash != stored_hash {
                return Ok(AuditChainCheck::BrokenAt { seq });
            }
            if seq == legacy_entries {
                sealed_hash = Some(stored_hash.clone());
            }
            prev_hash = stored_hash;
        }
        let seal_holds = sealed_hash.is_some_and(|last| {
            seal.as_deref() == Some(&legacy_seal(self.audit_key.bytes(), legacy_entries, &last))
        });
        if !(legacy_cut_off || seal_holds) {
            return Ok(AuditChainCheck::BrokenAt {
                seq: legacy_entries + 1,
            });
        }
        Ok(AuditChainCheck::Intact {
            entries: rows.len() as i64,
        })
    }

    /// The latest checkpoint the purge left, and whether its seal holds under the key.
    async fn latest_audit_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query(
            "SELECT through_seq, through_hash, made_at, seal FROM audit_checkpoints
             ORDER BY through_seq DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let through_seq: i64 = row.try_get("through_seq")?;
        let hash: String = row.try_get("through_hash")?;
        let made_at: i64 = row.try_get("made_at")?;
        let seal: String = row.try_get("seal")?;
        let expected = checkpoint_seal(self.audit_key.bytes(), through_seq, &hash, made_at);
        Ok(Some(if seal == expected {
            Checkpoint::Sound { through_seq, hash }
        } else {
            Checkpoint::Forged { through_seq }
        }))
    }

    /// Deletes the entries written before `before` (and any older in the chain), once the whole chain has been verified intact,
    /// and leaves a checkpoint sealed under the key so that the rest still verifies. Returns how
    /// many entries went; nothing is deleted from a broken chain (`Conflict`). With `dry_run`, only
    /// counts.
    pub async fn prune_audit(
        &self,
        before: UnixSeconds,
        now: UnixSeconds,
        dry_run: bool,
    ) -> Result<u64, StoreError> {
        // The chain is cut at the last entry written before `before`: what precedes it goes too
        // (a prefix, so that the rest verifies from the checkpoint).
        let row =
            sqlx::query("SELECT COALESCE(MAX(seq), 0) AS through FROM audit_log WHERE at < $1")
                .bind(before)
                .fetch_one(&self.pool)
                .await?;
        let through_seq: i64 = row.try_get("through")?;
        if through_seq == 0 || dry_run {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE seq <= $1")
                .bind(through_seq)
                .fetch_one(&self.pool)
                .await?;
            return Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0));
        }
        if let AuditChainCheck::BrokenAt { seq } = self.verify_audit_chain().await? {
            return Err(StoreError::Conflict(format!(
                "journal d'audit rompu à l'entrée n° {seq} : rien n'est supprimé"
            )));
        }
        let mut transaction = self.begin_write().await?;
        let hash: String = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(through_seq)
            .fetch_one(&mut *transaction)
            .await?
            .try_get("hash")?;
        let deleted = sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
            .bind(through_seq)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        sqlx::query(
            "INSERT INTO audit_checkpoints (made_at, through_seq, through_hash, deleted_entries, seal)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(now)
        .bind(through_seq)
        .bind(&hash)
        .bind(i64::try_from(deleted).unwrap_or(i64::MAX))
        .bind(checkpoint_seal(self.audit_key.bytes(), through_seq, &hash, now))
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(deleted)
    }

    /// The hash entry `row` should have under its scheme; `None` when its scheme is unknown, or legacy
    /// past the sealed prefix.
    fn expected_hash(
        &self,
        row: &AnyRow,
        prev_hash: &str,
        legacy_entries: i64,
    ) -> Result<Option<String>, StoreError> {
        let seq: i64 = row.try_get("seq")?;
        let at: i64 = row.try_get("at")?;
        let action: String = row.try_get("action")?;
        let scheme: String = row.try_get("hash_scheme")?;
        let event = AuditEvent {
            actor_account_id: row.try_get("actor_account_id")?,
            action: AuditAction::from_code(&action).ok_or(StoreError::Corrupt(action.clone()))?,
            record_kind: row.try_get("record_kind")?,
            record_id: row.try_get("record_id")?,
            reason: row.try_get("reason")?,
        };
        Ok(match AuditHashScheme::from_code(&scheme) {
            Some(AuditHashScheme::HmacSha256) => Some(keyed_chain_hash(
                self.audit_key.bytes(),
                prev_hash,
                seq,
                at,
                &event,
            )),
            Some(AuditHashScheme::LegacySha256) if seq <= legacy_entries => {
                Some(chain_hash(prev_hash, seq, at, &event))
            }
            _ => None,
        })
    }
}
