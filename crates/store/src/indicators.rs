//! The steering indicators' records, loaded for the whole instance: every person, diagnostic,
//! referral (with the dates of its steps, its refusals and its outcome), pathway session and offer
//! capacity, pseudonymised — a person is a key, never an id, a name or a contact — and checked into
//! the domain's [`Dataset`] (docs/indicateurs.md).
//!
//! One set-based query per kind of record, read as a stream inside one read-only transaction (a
//! consistent snapshot: on PostgreSQL `REPEATABLE READ`, on SQLite the WAL snapshot of the
//! transaction), so the load scales with the instance (a million people, five million sessions)
//! and not with round trips. Rows are decoded by position and text is borrowed from the row, so the
//! only allocations per record are those the records themselves hold.
//!
//! Records the dataset would refuse (rows written before a rule existed, a referral with a step out
//! of order…) are left out and counted ([`IndicatorLoad::dropped`]) rather than failing the load:
//! the checks here mirror `Dataset::new`'s, in the same order, so what is kept is always accepted.
//!
//! [`Store::indicator_watermark`] is a cheap value that changes when something the load reads
//! changes, so a cache knows when to load again.

use crate::{Backend, Store, StoreError};
use aiguillage_domain::appointment::AppointmentStatus;
use aiguillage_domain::calendar::{date_of, parse_midnight};
use aiguillage_domain::diagnostic::{AutonomyLevel, SkillDomain, Typology};
use aiguillage_domain::directory::SupportModel;
use aiguillage_domain::ids::PersonId;
use aiguillage_domain::indicators::{
    AppointmentFact, Dataset, DiagnosticRecord, OfferCapacity, PersonRecord, ReferralRecord,
    Refusal, SessionFact, StructureArea,
};
use aiguillage_domain::orientation::{ClosingOutcome, ReferralState, RefusalReason};
use aiguillage_domain::pathway::{AgeBand, Gains, MoneyBracket, RightKind, SessionKind};
use aiguillage_domain::retention::{AnonymisedPerson, PersonRecords};
use aiguillage_domain::UnixSeconds;
use serde::Deserialize;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// The instance secret the person keys are derived from (the coordinator's pseudonyms use it too,
/// through another function: the two cannot be linked without it).
pub(crate) const PSEUDONYM_KEY_NAME: &str = "pseudonymes";

/// The next row of a query stream, or `None` at its end. (`poll_next` is called on the stream's
/// trait object, which needs no import of the `Stream` trait.)
macro_rules! next_row {
    ($rows:ident) => {
        std::future::poll_fn(|cx| $rows.as_mut().poll_next(cx))
            .await
            .transpose()?
    };
}

/// The records loaded, and what was left out.
#[derive(Debug, Clone)]
pub struct IndicatorLoad {
    pub dataset: Dataset,
    /// Records left out because the dataset would refuse them (see [`DroppedRecords`]).
    pub dropped: usize,
    pub dropped_by_kind: DroppedRecords,
    /// [`Store::indicator_watermark`] as it was in the snapshot the records come from.
    pub watermark: i64,
    /// What the watermark is made of, so that a refresh can read only what changed since
    /// ([`Store::indicator_changes`]).
    pub marks: IndicatorMarks,
    /// The moment given to the load (the `now` of the indicators computed from it).
    pub loaded_at: UnixSeconds,
}

/// How many records of each kind were left out, and why it can happen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DroppedRecords {
    /// A person whose commune is not in the territory reference.
    pub people: usize,
    /// A diagnostic before the person's enrolment, of a person left out, or with an unreadable
    /// profile.
    pub diagnostics: usize,
    /// A referral whose steps are out of order, sent before any diagnostic, closed without an
    /// outcome (or the reverse), of a person left out, or with an unreadable state or outcome.
    pub referrals: usize,
    /// A session of a referral left out, or with an unreadable date or kind.
    pub sessions: usize,
    /// An offer whose facts cannot be read.
    pub capacities: usize,
    /// An appointment of a referral left out, or with an unreadable status.
    pub appointments: usize,
}

impl DroppedRecords {
    pub fn total(&self) -> usize {
        self.people
            + self.diagnostics
            + self.referrals
            + self.sessions
            + self.capacities
            + self.appointments
    }
}

/// Milliseconds between successive calls, for the load's log line.
pub(crate) struct Lap(Instant);

impl Lap {
    pub(crate) fn new() -> Lap {
        Lap(Instant::now())
    }

    pub(crate) fn next(&mut self) -> u64 {
        let now = Instant::now();
        let elapsed = now.duration_since(self.0).as_millis() as u64;
        self.0 = now;
        elapsed
    }
}

/// A keyed permutation of the 64-bit integers (a six-round Feistel network whose round keys come
/// from the instance secret): a person's key is the permutation of their id. Being a bijection, two
/// people never share a key; without the secret, a key says nothing of the id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PersonKeys {
    rounds: [u64; 6],
}

/// SplitMix64's finaliser: a strong 64-bit mixing function.
fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl PersonKeys {
    pub(crate) fn from_secret(secret: &str) -> PersonKeys {
        // Four lanes of FNV-1a over the secret's bytes, so every byte reaches every round key.
        let mut lanes = [
            0xCBF2_9CE4_8422_2325_u64,
            0x8422_2325_CBF2_9CE4,
            0x9E37_79B9_7F4A_7C15,
            0xD6E8_FEB8_6659_FD93,
        ];
        for (index, byte) in secret.bytes().enumerate() {
            let lane = &mut lanes[index % 4];
            *lane = (*lane ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3);
        }
        let mut state = lanes.iter().fold(0_u64, |acc, lane| mix64(acc ^ lane));
        let mut rounds = [0_u64; 6];
        for (index, round) in rounds.iter_mut().enumerate() {
            state = mix64(state ^ lanes[index % 4] ^ (index as u64).wrapping_mul(0x9E37_79B9));
            *round = state;
        }
        PersonKeys { rounds }
    }

    pub(crate) fn key(&self, id: i64) -> u64 {
        let x = id as u64;
        let (mut left, mut right) = ((x >> 32) as u32, x as u32);
        for round in self.rounds {
            let f = (mix64(u64::from(right) ^ round) >> 32) as u32;
            (left, right) = (right, left ^ f);
        }
        (u64::from(left) << 32) | u64::from(right)
    }
}

/// What the dataset needs of a commune.
pub(crate) struct CommuneFacts {
    epci: Option<String>,
    departement: String,
    fragile: Option<bool>,
}

/// The people as loaded: sorted by id, with the first kept diagnostic of each.
#[derive(Default)]
pub(crate) struct People {
    pub(crate) ids: Vec<i64>,
    pub(crate) records: Vec<PersonRecord>,
    pub(crate) first_diagnostic: Vec<Option<UnixSeconds>>,
}

impl People {
    pub(crate) fn index(&self, id: i64) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }
}

/// Of a stored profile, only the level reached in each domain.
#[derive(Deserialize)]
struct ProfileLevels {
    domains: Vec<DomainLevel>,
}

#[derive(Deserialize)]
struct DomainLevel {
    domain: SkillDomain,
    level: AutonomyLevel,
}

/// Of a stored offer, only its capacity.
#[derive(Deserialize)]
struct OfferFactsOnly {
    #[serde(default)]
    facts: CapacityOnly,
}

#[derive(Deserialize, Default)]
struct CapacityOnly {
    capacity_per_week: Option<u32>,
}

/// A closing as `referral_outcomes` holds it.
pub(crate) struct StoredOutcome {
    outcome: ClosingOutcome,
    gains: Gains,
    closed_at: UnixSeconds,
}

/// The steps of one referral, as its events date them (the first of each).
#[derive(Default)]
struct Steps {
    sent: Option<UnixSeconds>,
    accepted: Option<UnixSeconds>,
    first_contact: Option<UnixSeconds>,
    started: Option<UnixSeconds>,
    closed: Option<UnixSeconds>,
    refusals: Vec<Refusal>,
    /// The outcome the closing event names (`referral_events.outcome`), for closings recorded
    /// before outcomes had their own table.
    closing_outcome: Option<ClosingOutcome>,
}

/// A refusal event with its stored reason code (`referral_events.refusal_reason`); « Autre motif »
/// when it names none.
fn refusal(at: UnixSeconds, reason: Option<&str>) -> Refusal {
    Refusal {
        at,
        reason: reason
            .and_then(RefusalReason::from_code)
            .unwrap_or(RefusalReason::Other),
    }
}

/// A referral as its row gives it.
struct PendingReferral {
    id: i64,
    person_id: i64,
    sender: i64,
    receiver: i64,
    offer: i64,
    state: Option<ReferralState>,
    /// The referral's first event.
    first_event: Option<UnixSeconds>,
    steps: Steps,
}

/// Whether `Dataset::new` would accept the referral's dates and outcome (`check_steps` there: each
/// step needs the one before it, at the same time or later; closing and refusals need sending; an
/// outcome exactly when closed), and its sending after the person's first diagnostic.
fn referral_is_consistent(
    referral: &ReferralRecord,
    first_diagnostic: Option<UnixSeconds>,
) -> bool {
    let chain = [
        referral.sent_at,
        referral.accepted_at,
        referral.first_contact_at,
        referral.started_at,
    ];
    for pair in chain.windows(2) {
        if let [before, Some(after)] = pair {
            if before.is_none_or(|before| *after < before) {
                return false;
            }
        }
    }
    let latest = chain.iter().flatten().max().copied();
    let before_sending = |at: UnixSeconds| referral.sent_at.is_none_or(|sent| at < sent);
    if let Some(closed) = referral.closed_at {
        if latest.is_some_and(|latest| closed < latest) || before_sending(closed) {
            return false;
        }
    }
    if referral.refusals.iter().any(|r| before_sending(r.at)) {
        return false;
    }
    if referral.closed_at.is_some() != referral.outcome.is_some() {
        return false;
    }
    referral
        .sent_at
        .is_none_or(|sent| first_diagnostic.is_some_and(|first| sent >= first))
}

fn split_codes<T: Ord>(text: &str, read: fn(&str) -> Option<T>) -> Option<Vec<T>> {
    text.split('|')
        .filter(|code| !code.is_empty())
        .map(read)
        .collect()
}

impl Store {
    /// A read-only transaction over one consistent snapshot of the records (on PostgreSQL
    /// `REPEATABLE READ`; on SQLite, the WAL snapshot of the transaction), for a load or a refresh.
    pub(crate) async fn records_snapshot(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let mut transaction = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *transaction)
                .await?;
        }
        Ok(transaction)
    }

    /// Every pseudonymised record of the instance, checked into a [`Dataset`]; records it would
    /// refuse are left out and counted. `fragile` says, per commune (INSEE code), whether it is
    /// among the most fragile (absent: the commune has no index); `now` is kept as the moment of the
    /// load.
    pub async fn indicator_dataset(
        &self,
        now: UnixSeconds,
        fragile: &BTreeMap<String, bool>,
    ) -> Result<IndicatorLoad, StoreError> {
        let started = Instant::now();
        let keys = PersonKeys::from_secret(&self.instance_key(PSEUDONYM_KEY_NAME).await?);
        let mut transaction = self.records_snapshot().await?;
        let connection: &mut AnyConnection = &mut transaction;
        let marks = marks_in(connection).await?;
        let mut dropped = DroppedRecords::default();
        let mut lap = Lap::new();
        let communes = load_communes(connection, fragile, 0).await?;
        let models = load_support_models(connection).await?;
        let outcomes = load_outcomes(connection, None).await?;
        let reference_ms = lap.next();
        let mut people = load_people(connection, &keys, &communes, &mut dropped, 0).await?;
        let people_ms = lap.next();
        let diagnostics = load_diagnostics(connection, &mut people, &mut dropped, None).await?;
        let diagnostics_ms = lap.next();
        let referrals = load_referrals(
            connection,
            &people,
            (&models, &outcomes),
            &mut dropped,
            None,
        )
        .await?;
        drop(outcomes);
        let referrals_ms = lap.next();
        let known = |id: i64| referrals.binary_search_by_key(&id, |r| r.id).is_ok();
        let mut sessions = load_sessions(connection, known, &mut dropped, 0).await?;
        let mut appointments = load_appointments(connection, known, &mut dropped).await?;
        let (mut diagnostics, mut referrals) = (diagnostics, referrals);
        let anonymised = load_anonymised(connection, &communes).await?;
        for (person, person_diagnostics, person_referrals, person_sessions, person_appointments) in
            anonymised
        {
            people.records.push(person);
            diagnostics.extend(person_diagnostics);
            referrals.extend(person_referrals);
            sessions.extend(person_sessions);
            appointments.extend(person_appointments);
        }
        let sessions_ms = lap.next();
        let capacities = load_capacities(connection, &models, &mut dropped).await?;
        let structure_areas = load_structure_areas(connection).await?;
        transaction.commit().await?;
        let counts = (
            people.records.len(),
            diagnostics.len(),
            referrals.len(),
            sessions.len(),
            capacities.len(),
        );
        lap.next();
        let dataset = Dataset::new(people.records, referrals, diagnostics, sessions, capacities)
            .and_then(|dataset| dataset.with_appointments(appointments))
            .map_err(|error| StoreError::Corrupt(format!("indicateurs : {error}")))?
            .with_structure_areas(structure_areas);
        tracing::info!(
            people = counts.0,
            diagnostics = counts.1,
            referrals = counts.2,
            sessions = counts.3,
            capacities = counts.4,
            dropped = dropped.total(),
            reference_ms,
            people_ms,
            diagnostics_ms,
            referrals_ms,
            sessions_ms,
            index_ms = lap.next(),
            total_ms = started.elapsed().as_millis() as u64,
            "indicator records loaded"
        );
        if dropped.total() > 0 {
            tracing::warn!(?dropped, "inconsistent indicator records left out");
        }
        Ok(IndicatorLoad {
            dataset,
            dropped: dropped.total(),
            dropped_by_kind: dropped,
            watermark: marks.watermark(),
            marks,
            loaded_at: now,
        })
    }

    /// The statistical facts each of `people` would leave if anonymised now (`domain::retention`),
    /// read from the indicators' own records; a person the load left out has none.
    pub async fn anonymisation_facts(
        &self,
        people: &[PersonId],
        now: UnixSeconds,
    ) -> Result<Vec<(PersonId, Option<AnonymisedPerson>)>, StoreError> {
        let load = self.indicator_dataset(now, &BTreeMap::new()).await?;
        let keys = PersonKeys::from_secret(&self.instance_key(PSEUDONYM_KEY_NAME).await?);
        let data = &load.dataset;
        Ok(people
            .iter()
            .map(|id| {
                let key = keys.key(id.get());
                let facts = data.person(key).map(|person| {
                    let referrals: Vec<ReferralRecord> = data.referrals_of(key).collect();
                    let referrals: Vec<&ReferralRecord> = referrals.iter().collect();
                    let ids: Vec<i64> = referrals.iter().map(|r| r.id).collect();
                    let sessions = data.sessions_of(key);
                    let sessions: Vec<&SessionFact> = sessions.iter().collect();
                    let appointments: Vec<&AppointmentFact> = data
                        .appointments()
                        .iter()
                        .filter(|a| ids.contains(&a.referral))
                        .collect();
                    AnonymisedPerson::from_records(
                        &person,
                        &data.diagnostics_of(key),
                        &referrals,
                        &sessions,
                        &appointments,
                    )
                });
                (*id, facts)
            })
            .collect())
    }

    /// A value that changes whenever the records [`Store::indicator_dataset`] reads change: new
    /// people, diagnostics, referral events (every step, refusal, redirection and closing writes
    /// one), sessions (a correction or a deletion adds to the anonymous counts), appointments booked
    /// and settled; erasures (they add
    /// to the anonymous counts too); offers added, changed or
    /// removed; structures' support models; the communes. Read from indexes and small tables only.
    /// Not covered: a professional's override of an existing diagnostic's typology alone (no index
    /// reaches it cheaply) — a cache should also expire after a while.
    pub async fn indicator_watermark(&self) -> Result<i64, StoreError> {
        let mut connection = self.pool.acquire().await?;
        watermark_in(&mut connection).await
    }
}

impl Store {
    /// The public names the capacity tables show instead of bare ids: each offer as « structure —
    /// offer », each structure by its name. Ids unknown (removed since) are absent.
    pub async fn indicator_row_names(
        &self,
        offers: &[i64],
        structures: &[i64],
    ) -> Result<(HashMap<i64, String>, HashMap<i64, String>), StoreError> {
        let mut offer_names = HashMap::new();
        for chunk in offers.chunks(500) {
            let sql = format!(
                "SELECT o.id, o.name, s.name FROM offers o JOIN structures s ON s.id = o.structure_id
                 WHERE o.id IN ({})",
                placeholders(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let (offer, structure): (String, String) = (row.try_get(1)?, row.try_get(2)?);
                offer_names.insert(row.try_get(0)?, format!("{structure} — {offer}"));
            }
        }
        let mut structure_names = HashMap::new();
        for chunk in structures.chunks(500) {
            let sql = format!(
                "SELECT id, name FROM structures WHERE id IN ({})",
                placeholders(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                structure_names.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
        Ok((offer_names, structure_names))
    }
}

/// Where a refresh starts from: the parts of the marks of the records it refreshes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Since {
    pub(crate) people: i64,
    pub(crate) diagnostics: i64,
    pub(crate) overrides: i64,
    pub(crate) events: i64,
    pub(crate) sessions: i64,
}

impl Since {
    pub(crate) fn of(marks: &IndicatorMarks) -> Since {
        Since {
            people: marks.0[IndicatorMarks::PEOPLE],
            diagnostics: marks.0[IndicatorMarks::DIAGNOSTICS],
            overrides: marks.0[IndicatorMarks::OVERRIDES],
            events: marks.0[IndicatorMarks::EVENTS],
            sessions: marks.0[IndicatorMarks::SESSIONS],
        }
    }

    /// Binds the parameters of [`rediagnosed_people`].
    fn bind_rediagnosed<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        query
            .bind(self.diagnostics)
            .bind(self.overrides)
            .bind(self.people)
    }

    /// Binds the parameters of [`touched_referrals`].
    fn bind_touched_referrals<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        self.bind_rediagnosed(query.bind(self.events))
    }
}

/// The people (ids) whose diagnostics changed since a refresh's marks: a diagnostic made or
/// overridden since (overrides are dated to the second: those of the mark's second are read again,
/// which changes nothing if they were already read), or enrolled since. Three parameters from `$first`: diagnostic id, override
/// time, person id.
pub(crate) fn rediagnosed_people(first: usize) -> String {
    let (d, o, p) = (first, first + 1, first + 2);
    format!(
        "SELECT person_id FROM diagnostics WHERE id > ${d} OR override_at >= ${o}
         UNION SELECT id FROM people WHERE id > ${p}"
    )
}

/// The condition on `referrals r` of the referrals to read again since a refresh's marks: an event
/// since, or their person's diagnostics changed. Four parameters from `$first`: event id, then
/// those of [`rediagnosed_people`]. One `IN` over a union, not two joined by `OR`: PostgreSQL
/// tested `… OR r.person_id IN (…)` against each of a million and a half referrals (7 s for a
/// thousand changes); this reads the ids through their indexes, then the referrals by id.
pub(crate) fn touched_referrals(first: usize) -> String {
    format!(
        "r.id IN (SELECT referral_id FROM referral_events WHERE id > ${first}
                  UNION ALL SELECT id FROM referrals WHERE person_id IN ({}))",
        rediagnosed_people(first + 1)
    )
}

/// `$1, $2, …, $n`.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parts of the watermark, in the order of its query: the largest ids of people, diagnostics,
/// the latest typology override, the largest ids of referral events and sessions, the erasures and
/// anonymous counts, offers (count and latest change), structures' support models, structures,
/// communes, appointments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndicatorMarks(pub(crate) [i64; 12]);

impl IndicatorMarks {
    pub(crate) const PEOPLE: usize = 0;
    pub(crate) const DIAGNOSTICS: usize = 1;
    pub(crate) const OVERRIDES: usize = 2;
    pub(crate) const EVENTS: usize = 3;
    pub(crate) const SESSIONS: usize = 4;
    pub(crate) const OFFERS: [usize; 2] = [6, 7];
    pub(crate) const APPOINTMENTS: usize = 11;
    /// The parts a refresh reads by difference; any other part moving (an erasure, a session
    /// corrected or deleted, a structure's model, the communes) reloads everything.
    const READ_BY_DIFFERENCE: [usize; 8] = [0, 1, 2, 3, 4, 6, 7, 11];

    /// The watermark: every part mixed into one value.
    pub fn watermark(&self) -> i64 {
        let mut mark = 0x5157_4154_4552_4D41_u64;
        for (index, value) in self.0.iter().enumerate() {
            mark = mix64(mark ^ (*value as u64).wrapping_add(index as u64));
        }
        mark as i64
    }

    /// Whether only parts read by difference moved since `earlier` (and none went back).
    pub fn only_additions_since(&self, earlier: &IndicatorMarks) -> bool {
        self.0
            .iter()
            .zip(earlier.0)
            .enumerate()
            .all(|(part, (now, then))| {
                *now == then
                    || (Self::READ_BY_DIFFERENCE.contains(&part)
                        && (*now > then
                            || Self::OFFERS.contains(&part)
                            || part == Self::APPOINTMENTS))
            })
    }

    pub(crate) fn moved(&self, earlier: &IndicatorMarks, part: usize) -> bool {
        self.0[part] != earlier.0[part]
    }
}

async fn watermark_in(connection: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(marks_in(connection).await?.watermark())
}

pub(crate) async fn marks_in(connection: &mut AnyConnection) -> Result<IndicatorMarks, StoreError> {
    // Each structure's support model as its rank, weighted by the structure's id: a change of model
    // changes the sum.
    let model_rank: String = SupportModel::ALL
        .iter()
        .enumerate()
        .map(|(index, _)| format!("WHEN ${} THEN {}", index + 1, index + 1))
        .collect::<Vec<_>>()
        .join(" ");
    let sql = format!(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM people) AS people,
             (SELECT COALESCE(MAX(id), 0) FROM diagnostics) AS diagnostics,
             (SELECT COALESCE(MAX(override_at), 0) FROM diagnostics) AS overrides,
             (SELECT COALESCE(MAX(id), 0) FROM referral_events) AS events,
             (SELECT COALESCE(MAX(id), 0) FROM pathway_sessions) AS sessions,
             (SELECT COALESCE(CAST(SUM(count) AS BIGINT), 0) FROM anonymous_counts)
                 + (SELECT COALESCE(MAX(id), 0) FROM anonymised_people) AS erased,
             (SELECT COUNT(*) FROM offers) AS offers,
             (SELECT COALESCE(MAX(updated_at), 0) FROM offers) AS offers_changed,
             (SELECT COALESCE(CAST(SUM(id * CASE support_model {model_rank} ELSE 0 END) AS BIGINT), 0)
                 FROM structures) AS models,
             (SELECT COUNT(*) FROM structures) AS structures,
             (SELECT COUNT(*) FROM communes) AS communes,
             (SELECT COALESCE(CAST(SUM(id * CASE status WHEN 'booked' THEN 1 WHEN 'attended' THEN 2
                 WHEN 'no_show' THEN 3 ELSE 4 END) AS BIGINT), 0) FROM appointments) AS appointments"
    );
    let mut query = sqlx::query(&sql);
    for model in SupportModel::ALL {
        query = query.bind(model.code());
    }
    let row = query.fetch_one(&mut *connection).await?;
    let mut marks = IndicatorMarks::default();
    for (index, value) in marks.0.iter_mut().enumerate() {
        *value = row.try_get(index)?;
    }
    Ok(marks)
}

/// The statistical facts anonymised people left (`domain::retention`), as records: each person
/// under a key of their own (`u64::MAX - id`), their referrals under negative ids, the commune's
/// fragility as it is now.
async fn load_anonymised(
    connection: &mut AnyConnection,
    communes: &HashMap<String, CommuneFacts>,
) -> Result<Vec<PersonRecords>, StoreError> {
    let rows = sqlx::query("SELECT id, facts FROM anonymised_people ORDER BY id")
        .fetch_all(&mut *connection)
        .await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            let facts: AnonymisedPerson = serde_json::from_str(row.try_get("facts")?)
                .map_err(|e| StoreError::Corrupt(format!("faits anonymes n° {id} : {e}")))?;
            let fragile = communes
                .get(&facts.person.commune)
                .and_then(|commune| commune.fragile);
            Ok(facts.into_records(u64::MAX - id as u64, -(id << 16), fragile))
        })
        .collect()
}

/// The communes people live in (an instance holds every commune of France): those of the people
/// after the id `$1`, and of the anonymised ones. One `IN` over a union, not two joined by `OR`:
/// PostgreSQL turns `… OR code IN (a million people)` into a subplan scanned again for each of the
/// 35 000 communes once the people outgrow `work_mem` (the full load of a million people did not
/// end in ten minutes); this is one hashed join.
const PEOPLE_COMMUNES: &str = "SELECT code, epci_code, departement_code FROM communes
     WHERE code IN (SELECT commune_code FROM people WHERE id > $1
                    UNION ALL SELECT commune_code FROM anonymised_people)";

/// The communes of the people after the id `after_person` (and of the anonymised ones).
pub(crate) async fn load_communes(
    connection: &mut AnyConnection,
    fragile: &BTreeMap<String, bool>,
    after_person: i64,
) -> Result<HashMap<String, CommuneFacts>, StoreError> {
    let mut communes = HashMap::new();
    let mut rows = sqlx::query(PEOPLE_COMMUNES)
        .bind(after_person)
        .fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let code: String = row.try_get(0)?;
        let facts = CommuneFacts {
            epci: row.try_get(1)?,
            departement: row.try_get(2)?,
            fragile: fragile.get(&code).copied(),
        };
        communes.insert(code, facts);
    }
    Ok(communes)
}

pub(crate) async fn load_support_models(
    connection: &mut AnyConnection,
) -> Result<HashMap<i64, SupportModel>, StoreError> {
    let mut models = HashMap::new();
    let mut rows =
        sqlx::query("SELECT id, support_model FROM structures WHERE support_model IS NOT NULL")
            .fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let code: &str = row.try_get(1)?;
        if let Some(model) = SupportModel::from_code(code) {
            models.insert(row.try_get(0)?, model);
        }
    }
    Ok(models)
}

/// Where each structure is (its commune, EPCI and département), for the workshops of an area.
pub(crate) async fn load_structure_areas(
    connection: &mut AnyConnection,
) -> Result<HashMap<i64, StructureArea>, StoreError> {
    let mut areas = HashMap::new();
    let mut rows = sqlx::query(
        "SELECT s.id, s.commune_code, c.epci_code, c.departement_code
         FROM structures s JOIN communes c ON c.code = s.commune_code",
    )
    .fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let area = StructureArea {
            commune: row.try_get(1)?,
            epci: row.try_get(2)?,
            departement: row.try_get(3)?,
        };
        areas.insert(row.try_get(0)?, area);
    }
    Ok(areas)
}

/// Every stored closing by referral id (`None`: unreadable codes, the referral is left out).
pub(crate) async fn load_outcomes(
    connection: &mut AnyConnection,
    since: Option<&Since>,
) -> Result<HashMap<i64, Option<StoredOutcome>>, StoreError> {
    let mut outcomes = HashMap::new();
    let mut sql = "SELECT referral_id, outcome, rights, money_bracket, job_or_training, closed_at
                   FROM referral_outcomes"
        .to_owned();
    if since.is_some() {
        sql += &format!(
            " WHERE referral_id IN (SELECT r.id FROM referrals r WHERE {})",
            touched_referrals(1)
        );
    }
    let mut rows = since
        .map_or(sqlx::query(&sql), |since| {
            since.bind_touched_referrals(sqlx::query(&sql))
        })
        .fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let outcome: &str = row.try_get(1)?;
        let rights: &str = row.try_get(2)?;
        let money: Option<&str> = row.try_get(3)?;
        let job: i64 = row.try_get(4)?;
        let money = match money {
            Some(code) => MoneyBracket::from_code(code).map(Some),
            None => Some(None),
        };
        let stored = match (
            ClosingOutcome::from_code(outcome),
            split_codes(rights, RightKind::from_code),
            money,
        ) {
            (Some(outcome), Some(rights), Some(money)) => Some(StoredOutcome {
                outcome,
                gains: Gains {
                    rights: rights.into_iter().collect(),
                    money,
                    job_or_training: job != 0,
                },
                closed_at: row.try_get(5)?,
            }),
            _ => None,
        };
        outcomes.insert(row.try_get(0)?, stored);
    }
    Ok(outcomes)
}

/// The people after the id `after` (all of them after 0), sorted by id.
pub(crate) async fn load_people(
    connection: &mut AnyConnection,
    keys: &PersonKeys,
    communes: &HashMap<String, CommuneFacts>,
    dropped: &mut DroppedRecords,
    after: i64,
) -> Result<People, StoreError> {
    let mut people = People::default();
    let mut rows = sqlx::query(
        "SELECT id, structure_id, enrolled_at, commune_code, birth_year FROM people
         WHERE id > $1 ORDER BY id",
    )
    .bind(after)
    .fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let id: i64 = row.try_get(0)?;
        let enrolled_at: UnixSeconds = row.try_get(2)?;
        let commune: &str = row.try_get(3)?;
        let birth_year: Option<i64> = row.try_get(4)?;
        let Some(facts) = communes.get(commune) else {
            dropped.people += 1;
            continue;
        };
        let age_band = AgeBand::of_birth_year(
            birth_year.and_then(|year| i32::try_from(year).ok()),
            date_of(enrolled_at).year(),
        );
        people.ids.push(id);
        people.records.push(PersonRecord {
            key: keys.key(id),
            enrolled_at,
            enrolling_structure: row.try_get(1)?,
            commune: commune.to_owned(),
            epci: facts.epci.clone(),
            departement: facts.departement.clone(),
            audiences: age_band.implied_audiences().to_vec(),
            age_band,
            typology: None,
            fragile_commune: facts.fragile,
        });
        people.first_diagnostic.push(None);
    }
    Ok(people)
}

/// The diagnostics, oldest first per person; sets each person's typology to their latest one's
/// (the override when there is one) and notes their first diagnostic.
/// With `since`, only the diagnostics of the people whose diagnostics changed since then.
pub(crate) async fn load_diagnostics(
    connection: &mut AnyConnection,
    people: &mut People,
    dropped: &mut DroppedRecords,
    since: Option<&Since>,
) -> Result<Vec<DiagnosticRecord>, StoreError> {
    let mut diagnostics = Vec::new();
    let filter = match since {
        Some(_) => format!("WHERE person_id IN ({})", rediagnosed_people(1)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT person_id, made_at, profile_json, typology, override_typology FROM diagnostics
         {filter} ORDER BY person_id, made_at, id"
    );
    let mut rows = since
        .map_or(sqlx::query(&sql), |since| {
            since.bind_rediagnosed(sqlx::query(&sql))
        })
        .fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let person_id: i64 = row.try_get(0)?;
        let at: UnixSeconds = row.try_get(1)?;
        let profile: &str = row.try_get(2)?;
        let typology: &str = row.try_get(3)?;
        let override_typology: Option<&str> = row.try_get(4)?;
        let Some(index) = people.index(person_id) else {
            dropped.diagnostics += 1;
            continue;
        };
        let person = &mut people.records[index];
        let Ok(levels) = serde_json::from_str::<ProfileLevels>(profile) else {
            dropped.diagnostics += 1;
            continue;
        };
        if at < person.enrolled_at {
            dropped.diagnostics += 1;
            continue;
        }
        person.typology = override_typology
            .and_then(Typology::from_code)
            .or_else(|| Typology::from_code(typology));
        let first = &mut people.first_diagnostic[index];
        *first = Some(first.map_or(at, |first| first.min(at)));
        diagnostics.push(DiagnosticRecord {
            person: person.key,
            at,
            autonomy: levels
                .domains
                .into_iter()
                .map(|d| (d.domain, d.level))
                .collect(),
        });
    }
    Ok(diagnostics)
}

/// The referrals with the dates of their steps, sorted by id; inconsistent ones are left out. One
/// query aggregates each referral's events (the first date of each step, its refusals counted, the
/// first one's reason and the closing event's outcome); the rare referrals refused more than once
/// (after a redirection) have their refusals read apart.
/// With `since`, only the referrals an event or their person's diagnostics changed since then.
pub(crate) async fn load_referrals(
    connection: &mut AnyConnection,
    people: &People,
    (models, outcomes): (
        &HashMap<i64, SupportModel>,
        &HashMap<i64, Option<StoredOutcome>>,
    ),
    dropped: &mut DroppedRecords,
    since: Option<&Since>,
) -> Result<Vec<ReferralRecord>, StoreError> {
    let mut referrals = Vec::new();
    let mut refused_again: Vec<PendingReferral> = Vec::new();
    let filter = match since {
        Some(_) => format!("WHERE {}", touched_referrals(7)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT r.id, r.person_id, r.sender_structure_id, r.receiver_structure_id, r.offer_id, r.state,
             MIN(e.at) AS first_event,
             MIN(CASE WHEN e.to_state = $1 THEN e.at END) AS sent,
             MIN(CASE WHEN e.to_state = $2 THEN e.at END) AS accepted,
             MIN(CASE WHEN e.to_state = $3 THEN e.at END) AS first_contact,
             MIN(CASE WHEN e.to_state = $4 THEN e.at END) AS started,
             MIN(CASE WHEN e.to_state = $5 THEN e.at END) AS closed,
             MIN(CASE WHEN e.to_state = $5 THEN e.outcome END) AS closing_outcome,
             COUNT(CASE WHEN e.to_state = $6 THEN 1 END) AS refusals,
             MIN(CASE WHEN e.to_state = $6 THEN e.at END) AS refused,
             MIN(CASE WHEN e.to_state = $6 THEN e.refusal_reason END) AS refusal_reason
         FROM referrals r LEFT JOIN referral_events e ON e.referral_id = r.id
         {filter} GROUP BY r.id ORDER BY r.id"
    );
    let query = sqlx::query(&sql)
        .bind(ReferralState::Sent.code())
        .bind(ReferralState::Accepted.code())
        .bind(ReferralState::FirstContact.code())
        .bind(ReferralState::InPathway.code())
        .bind(ReferralState::Closed.code())
        .bind(ReferralState::Refused.code());
    let query = match since {
        Some(since) => since.bind_touched_referrals(query),
        None => query,
    };
    let mut rows = query.fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let state: &str = row.try_get(5)?;
        let refusals: i64 = row.try_get(13)?;
        let refused: Option<UnixSeconds> = row.try_get(14)?;
        let refusal_reason: Option<&str> = row.try_get(15)?;
        let closing_outcome: Option<&str> = row.try_get(12)?;
        let referral = PendingReferral {
            id: row.try_get(0)?,
            person_id: row.try_get(1)?,
            sender: row.try_get(2)?,
            receiver: row.try_get(3)?,
            offer: row.try_get(4)?,
            state: ReferralState::from_code(state),
            first_event: row.try_get(6)?,
            steps: Steps {
                sent: row.try_get(7)?,
                accepted: row.try_get(8)?,
                first_contact: row.try_get(9)?,
                started: row.try_get(10)?,
                closed: row.try_get(11)?,
                refusals: refused
                    .map(|at| refusal(at, refusal_reason))
                    .into_iter()
                    .collect(),
                closing_outcome: closing_outcome.and_then(ClosingOutcome::from_code),
            },
        };
        if refusals > 1 {
            refused_again.push(referral);
            continue;
        }
        match finished_referral(referral, people, models, outcomes) {
            Some(record) => referrals.push(record),
            None => dropped.referrals += 1,
        }
    }
    drop(rows);
    if refused_again.is_empty() {
        return Ok(referrals);
    }
    for chunk in refused_again.chunks_mut(500) {
        let placeholders: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT referral_id, at, refusal_reason FROM referral_events WHERE to_state = $1 AND referral_id IN ({})
             ORDER BY referral_id, id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(ReferralState::Refused.code());
        for referral in chunk.iter_mut() {
            referral.steps.refusals.clear();
            query = query.bind(referral.id);
        }
        let mut rows = query.fetch(&mut *connection);
        while let Some(row) = next_row!(rows) {
            let id: i64 = row.try_get(0)?;
            let reason: Option<&str> = row.try_get(2)?;
            if let Some(referral) = chunk.iter_mut().find(|r| r.id == id) {
                referral
                    .steps
                    .refusals
                    .push(refusal(row.try_get(1)?, reason));
            }
        }
    }
    for referral in refused_again {
        match finished_referral(referral, people, models, outcomes) {
            Some(record) => referrals.push(record),
            None => dropped.referrals += 1,
        }
    }
    referrals.sort_unstable_by_key(|r| r.id);
    Ok(referrals)
}

/// The record of a referral read in full, or `None` when the dataset would refuse it.
fn finished_referral(
    referral: PendingReferral,
    people: &People,
    models: &HashMap<i64, SupportModel>,
    outcomes: &HashMap<i64, Option<StoredOutcome>>,
) -> Option<ReferralRecord> {
    let index = people.index(referral.person_id)?;
    let state = referral.state?;
    let steps = referral.steps;
    let (outcome, gains, closed_at) = match outcomes.get(&referral.id) {
        Some(Some(stored)) => (
            Some(stored.outcome),
            stored.gains.clone(),
            steps.closed.or(Some(stored.closed_at)),
        ),
        Some(None) => return None,
        None => (steps.closing_outcome, Gains::default(), steps.closed),
    };
    // A referral is created sent: without a sending event (older rows), its first event is the
    // sending. (Its `created_at` would be the same, but lies beyond the stored profile in the row.)
    let sent_at = steps.sent.or(referral
        .first_event
        .filter(|_| state != ReferralState::Draft));
    let record = ReferralRecord {
        id: referral.id,
        person: people.records[index].key,
        sender_structure: referral.sender,
        receiver_structure: referral.receiver,
        offer: referral.offer,
        support_model: models.get(&referral.receiver).copied(),
        state,
        sent_at,
        accepted_at: steps.accepted,
        first_contact_at: steps.first_contact,
        started_at: steps.started,
        closed_at,
        refusals: steps.refusals,
        outcome,
        gains,
    };
    referral_is_consistent(&record, people.first_diagnostic[index]).then_some(record)
}

/// The sessions: an individual one belongs to its referral; a collective workshop to none (its
/// registered people are several, or none), with everyone present as participants.
/// The sessions after the id `after`; `known` says whether a referral is kept.
pub(crate) async fn load_sessions(
    connection: &mut AnyConnection,
    known: impl Fn(i64) -> bool,
    dropped: &mut DroppedRecords,
    after: i64,
) -> Result<Vec<SessionFact>, StoreError> {
    let mut sessions = Vec::new();
    let mut rows = sqlx::query(
        "SELECT referral_id, structure_id, account_id, held_on, duration_minutes, kind, participants
         FROM pathway_sessions WHERE id > $1",
    )
    .bind(after)
    .fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let referral: Option<i64> = row.try_get(0)?;
        let account: Option<i64> = row.try_get(2)?;
        let held_on: &str = row.try_get(3)?;
        let minutes: i64 = row.try_get(4)?;
        let kind: &str = row.try_get(5)?;
        let participants: Option<i64> = row.try_get(6)?;
        let known = referral.is_none_or(&known);
        let (Some(at), Some(kind), true) = (
            parse_midnight(held_on),
            SessionKind::from_cra_code(kind),
            known,
        ) else {
            dropped.sessions += 1;
            continue;
        };
        let referral = match kind {
            SessionKind::Individual => referral,
            SessionKind::Collective => None,
        };
        sessions.push(SessionFact {
            referral,
            structure: row.try_get(1)?,
            mediator: account.unwrap_or(0),
            at,
            duration_minutes: u32::try_from(minutes).unwrap_or(0),
            kind,
            participants: match kind {
                SessionKind::Individual => 1,
                SessionKind::Collective => participants
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
            },
        });
    }
    Ok(sessions)
}

/// The appointments of the referrals kept.
pub(crate) async fn load_appointments(
    connection: &mut AnyConnection,
    known: impl Fn(i64) -> bool,
    dropped: &mut DroppedRecords,
) -> Result<Vec<AppointmentFact>, StoreError> {
    let mut appointments = Vec::new();
    let mut rows =
        sqlx::query("SELECT referral_id, structure_id, starts_at, status FROM appointments")
            .fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let referral: i64 = row.try_get(0)?;
        let status: &str = row.try_get(3)?;
        let known = known(referral);
        let (Some(status), true) = (AppointmentStatus::from_code(status), known) else {
            dropped.appointments += 1;
            continue;
        };
        appointments.push(AppointmentFact {
            referral,
            structure: row.try_get(1)?,
            at: row.try_get(2)?,
            status,
        });
    }
    Ok(appointments)
}

/// The offers whose capacity is known.
pub(crate) async fn load_capacities(
    connection: &mut AnyConnection,
    models: &HashMap<i64, SupportModel>,
    dropped: &mut DroppedRecords,
) -> Result<Vec<OfferCapacity>, StoreError> {
    let mut capacities = Vec::new();
    let mut rows = sqlx::query(
        "SELECT o.id, o.structure_id, o.offer_json, s.commune_code, c.epci_code, c.departement_code
         FROM offers o JOIN structures s ON s.id = o.structure_id
         LEFT JOIN communes c ON c.code = s.commune_code
         ORDER BY o.id",
    )
    .fetch(&mut *connection);
    while let Some(row) = next_row!(rows) {
        let json: &str = row.try_get(2)?;
        let Ok(offer) = serde_json::from_str::<OfferFactsOnly>(json) else {
            dropped.capacities += 1;
            continue;
        };
        if let Some(capacity) = offer.facts.capacity_per_week {
            let structure: i64 = row.try_get(1)?;
            capacities.push(OfferCapacity {
                offer: row.try_get(0)?,
                structure,
                support_model: models.get(&structure).copied(),
                capacity,
                commune: row.try_get(3)?,
                epci: row.try_get(4)?,
                departement: row.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            });
        }
    }
    Ok(capacities)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;
    use crate::Backend;
    use std::collections::BTreeSet;

    /// The plan lines of `sql` (bound to `values`) on the backend under test; on PostgreSQL with
    /// `work_mem` at its floor, so that the planner treats every inner set as too large to hash, as
    /// it does at a million people.
    async fn plan_of(sql: &str, values: &[i64]) -> (Backend, Vec<String>) {
        let (store, _) = fresh_store().await.expect("a test store");
        let mut connection = store.pool.acquire().await.expect("a connection");
        let explain = match store.backend() {
            Backend::Postgres => {
                sqlx::query("SET work_mem = '64kB'")
                    .execute(&mut *connection)
                    .await
                    .expect("work_mem set");
                format!("EXPLAIN {sql}")
            }
            Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        };
        let mut query = sqlx::query(&explain);
        for value in values {
            query = query.bind(*value);
        }
        let rows = query.fetch_all(&mut *connection).await.expect("a plan");
        let column = match store.backend() {
            Backend::Postgres => 0,
            Backend::Sqlite => 3,
        };
        let lines = rows
            .iter()
            .map(|row| row.try_get::<String, _>(column).expect("a plan line"))
            .collect();
        (store.backend(), lines)
    }

    /// What a plan must not do: on PostgreSQL, test each row against a subplan (run again per row
    /// once its set outgrows `work_mem`); on SQLite, scan the referrals, people or communes.
    fn scales(backend: Backend, plan: &[String]) -> bool {
        plan.iter().all(|line| match backend {
            Backend::Postgres => !line.contains("SubPlan"),
            Backend::Sqlite => !["SCAN r", "SCAN referrals", "SCAN people", "SCAN communes"]
                .iter()
                .any(|scan| line.starts_with(scan)),
        })
    }

    #[tokio::test]
    async fn the_queries_of_a_load_and_a_refresh_do_not_test_each_row_against_a_subquery() {
        let (backend, plan) = plan_of(PEOPLE_COMMUNES, &[0]).await;
        assert!(scales(backend, &plan), "communes of the people: {plan:#?}");
        let touched = format!(
            "SELECT r.id FROM referrals r WHERE {}",
            touched_referrals(1)
        );
        let (backend, plan) = plan_of(&touched, &[10, 20, 30, 40]).await;
        assert!(scales(backend, &plan), "referrals read again: {plan:#?}");
    }

    #[test]
    fn only_additions_are_read_by_difference() {
        let earlier = IndicatorMarks([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
        let moved = |part: usize, by: i64| {
            let mut marks = earlier;
            marks.0[part] += by;
            marks
        };
        assert!(earlier.only_additions_since(&earlier));
        for part in [0, 1, 2, 3, 4] {
            assert!(
                moved(part, 5).only_additions_since(&earlier),
                "part {part} grew"
            );
            assert!(
                !moved(part, -5).only_additions_since(&earlier),
                "part {part} went back"
            );
        }
        // Offers and appointments are read again whole: any move is read by difference.
        for part in [6, 7, 11] {
            assert!(
                moved(part, -5).only_additions_since(&earlier),
                "part {part}"
            );
        }
        // An erasure or a corrected session, a structure's model, the structures, the communes.
        for part in [5, 8, 9, 10] {
            assert!(
                !moved(part, 5).only_additions_since(&earlier),
                "part {part}"
            );
        }
        assert_ne!(moved(4, 1).watermark(), earlier.watermark());
        assert_eq!(IndicatorMarks(earlier.0).watermark(), earlier.watermark());
    }

    #[test]
    fn person_keys_are_distinct_stable_and_depend_on_the_secret() {
        let keys = PersonKeys::from_secret("a1b2c3");
        let other = PersonKeys::from_secret("a1b2c4");
        let mut seen = BTreeSet::new();
        for id in 0..100_000 {
            assert!(seen.insert(keys.key(id)), "collision at {id}");
        }
        assert_eq!(keys.key(42), PersonKeys::from_secret("a1b2c3").key(42));
        assert_ne!(keys.key(42), other.key(42));
        assert_ne!(keys.key(42), 42);
        // Neighbouring ids give unrelated keys.
        assert!((keys.key(1) ^ keys.key(2)).count_ones() > 10);
    }

    #[test]
    fn refusal_reasons_come_from_their_stored_codes() {
        assert_eq!(
            refusal(20, Some("no_capacity")),
            Refusal {
                at: 20,
                reason: RefusalReason::NoCapacity
            }
        );
        // A label is not a code; a refusal without a reason counts as « Autre motif ».
        assert_eq!(
            refusal(30, Some("Plus de place disponible")).reason,
            RefusalReason::Other
        );
        assert_eq!(refusal(30, None).reason, RefusalReason::Other);
    }

    /// A small deterministic generator (xorshift64*).
    struct Draw(u64);

    impl Draw {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn time(&mut self) -> Option<UnixSeconds> {
            (!self.next().is_multiple_of(4)).then(|| (self.next() % 6) as UnixSeconds)
        }
    }

    fn person(key: u64) -> PersonRecord {
        PersonRecord {
            key,
            enrolled_at: 0,
            enrolling_structure: 1,
            commune: "49007".into(),
            epci: None,
            departement: "49".into(),
            audiences: vec![],
            age_band: AgeBand::Unknown,
            typology: None,
            fragile_commune: None,
        }
    }

    /// The checks here agree with `Dataset::new` on random referrals: what they keep, the dataset
    /// accepts; what they leave out, it refuses.
    #[test]
    fn the_referral_checks_agree_with_the_dataset() {
        let mut draw = Draw(0x1234_5678_9ABC_DEF1);
        for id in 0..20_000 {
            let first_diagnostic = draw.time();
            let closed_at = draw.time();
            let referral = ReferralRecord {
                id,
                person: 1,
                sender_structure: 1,
                receiver_structure: 2,
                offer: 3,
                support_model: None,
                state: ReferralState::Sent,
                sent_at: draw.time(),
                accepted_at: draw.time(),
                first_contact_at: draw.time(),
                started_at: draw.time(),
                closed_at,
                refusals: (0..draw.next() % 3)
                    .map(|_| Refusal {
                        at: (draw.next() % 6) as UnixSeconds,
                        reason: RefusalReason::Other,
                    })
                    .collect(),
                outcome: if draw.next().is_multiple_of(5) {
                    closed_at.xor(Some(0)).map(|_| ClosingOutcome::Autonomous)
                } else {
                    closed_at.map(|_| ClosingOutcome::Autonomous)
                },
                gains: Gains::default(),
            };
            let diagnostics = first_diagnostic
                .map(|at| DiagnosticRecord {
                    person: 1,
                    at,
                    autonomy: vec![],
                })
                .into_iter()
                .collect();
            let kept = referral_is_consistent(&referral, first_diagnostic);
            let accepted = Dataset::new(
                vec![person(1)],
                vec![referral.clone()],
                diagnostics,
                vec![],
                vec![],
            )
            .is_ok();
            assert_eq!(
                kept, accepted,
                "{referral:?} after diagnostic {first_diagnostic:?}"
            );
        }
    }
}
