//! Steering ("pilotage"): the indicator records of the whole instance, loaded from the store once and
//! kept in memory until something they read changes (a watermark the store computes cheaply), and
//! the masked publication of the standard indicators for one cut — the territory of a coordinator,
//! the structure of a manager — with the same indicators for the département and the nation to
//! compare with. Mediators see their own activity, unmasked: it is not a publication.

use aiguillage_domain::fragility::FRAGILE_FROM;
use aiguillage_domain::indicators::{
    funnel, mask, standard_publication_with, Cut, Dataset, Fork, Params, Publication,
};
use aiguillage_domain::orientation::TargetDelays;
use aiguillage_domain::UnixSeconds;
use aiguillage_store::{IndicatorMarks, IndicatorSnapshot, Store, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Mutex;

/// The indicators' two halves computed on two threads (the pure domain runs them one after the other).
pub struct SideBySide;

impl Fork for SideBySide {
    fn both<A: Send, B: Send>(
        &self,
        first: impl FnOnce() -> A + Send,
        second: impl FnOnce() -> B + Send,
    ) -> (A, B) {
        std::thread::scope(|threads| {
            let second = threads.spawn(second);
            let first = first();
            let second = second
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (first, second)
        })
    }
}

/// Above this load time an instance is large: its records are refreshed in the background while
/// pages keep reading the ones already loaded (and say when they were loaded).
const LARGE_LOAD_MILLIS: u128 = 1_000;
/// On a large instance, how often the watermark is read (in the background), and how soon after a
/// full reload the next one may start (changes read by difference wait for nothing).
const LARGE_CHECK_SECONDS: i64 = 30;
const LARGE_RELOAD_SECONDS: i64 = 300;
/// After this long, a change is read by a full load rather than by difference: what the
/// watermark's parts cannot see (a person's commune edited; on PostgreSQL, an id drawn before the
/// last refresh but committed after it) is read again at least this often.
const FULL_LOAD_SECONDS: i64 = 3_600;
/// On a large instance, how often the sealed copy of the records on disk is written again after
/// refreshes by difference (a full load writes it at once), so that a restart has little to read.
const SNAPSHOT_EVERY_SECONDS: i64 = 600;

/// The records as last loaded.
pub struct Loaded {
    pub dataset: Arc<Dataset>,
    pub watermark: i64,
    /// The watermark's parts, where the next refresh reads from.
    pub marks: IndicatorMarks,
    pub loaded_at: UnixSeconds,
    /// When everything was last read (the changes since were read by difference).
    pub fully_loaded_at: UnixSeconds,
    /// How long the last full load took.
    pub load_millis: u128,
    /// Records left out because they were inconsistent (see the store's loader).
    pub dropped: usize,
    /// Figures already computed from these records ([`Loaded::memo_lookup`]); they go with them.
    memo: std::sync::Mutex<HashMap<String, MemoEntry>>,
}

/// A dashboard's masked publication and its comparison's columns and rows.
pub type MemoizedFigures = (Publication, (Vec<String>, Vec<(String, Vec<String>)>));

/// How many cuts' figures the memo of one load keeps before it starts afresh.
const MEMO_CAPACITY: usize = 512;

/// Figures of one cut, the minute they were computed for, and whether someone recomputes them.
struct MemoEntry {
    minute: UnixSeconds,
    figures: Arc<MemoizedFigures>,
    refreshing: bool,
}

/// What the memo holds for a cut at a minute.
pub enum MemoLookup {
    /// Computed for this minute.
    Fresh(Arc<MemoizedFigures>),
    /// Computed for an earlier minute: shown as they are (the page says when they were computed);
    /// `refresh` is true for the one caller that must recompute them, in the background.
    Stale {
        figures: Arc<MemoizedFigures>,
        refresh: bool,
    },
    /// Never computed from these records: the caller computes them and waits.
    Missing,
}

impl Loaded {
    fn is_large(&self) -> bool {
        self.load_millis > LARGE_LOAD_MILLIS
    }

    /// Records read back from their sealed copy, as loaded now.
    fn from_snapshot(snapshot: IndicatorSnapshot, now: UnixSeconds) -> Loaded {
        Loaded {
            dataset: snapshot.dataset,
            watermark: snapshot.watermark,
            marks: snapshot.marks,
            loaded_at: now,
            fully_loaded_at: snapshot.fully_loaded_at,
            load_millis: u128::from(snapshot.load_millis),
            dropped: snapshot.dropped,
            memo: std::sync::Mutex::default(),
        }
    }

    /// What the sealed copy of these records holds.
    fn to_snapshot(&self) -> IndicatorSnapshot {
        IndicatorSnapshot {
            dataset: self.dataset.clone(),
            watermark: self.watermark,
            marks: self.marks,
            dropped: self.dropped,
            fully_loaded_at: self.fully_loaded_at,
            load_millis: u64::try_from(self.load_millis).unwrap_or(u64::MAX),
        }
    }

    /// The figures of `key` (a description of the cut and of every other input but the time) as
    /// computed from these records for `minute`. Figures computed for an earlier minute are served
    /// while one caller recomputes them (stale while revalidating): a national dashboard opened
    /// again and again costs one computation a minute, in the background, and no visitor waits
    /// for it but the first after a load of the records.
    pub fn memo_lookup(&self, key: &str, minute: UnixSeconds) -> MemoLookup {
        let mut memo = self.memo_lock();
        match memo.get_mut(key) {
            Some(entry) if entry.minute >= minute => MemoLookup::Fresh(entry.figures.clone()),
            Some(entry) => {
                let refresh = !entry.refreshing;
                entry.refreshing = true;
                MemoLookup::Stale {
                    figures: entry.figures.clone(),
                    refresh,
                }
            }
            None => MemoLookup::Missing,
        }
    }

    /// Keeps the figures of `key` computed for `minute` (unless newer ones are kept already).
    pub fn memo_store(&self, key: String, minute: UnixSeconds, figures: Arc<MemoizedFigures>) {
        let mut memo = self.memo_lock();
        if memo.len() >= MEMO_CAPACITY && !memo.contains_key(&key) {
            memo.clear();
        }
        match memo.get_mut(&key) {
            Some(entry) if entry.minute > minute => entry.refreshing = false,
            _ => {
                memo.insert(
                    key,
                    MemoEntry {
                        minute,
                        figures,
                        refreshing: false,
                    },
                );
            }
        }
    }

    /// A recomputation of `key` failed: the next caller tries again.
    pub fn memo_release(&self, key: &str) {
        if let Some(entry) = self.memo_lock().get_mut(key) {
            entry.refreshing = false;
        }
    }

    fn memo_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, MemoEntry>> {
        match self.memo.lock() {
            Ok(memo) => memo,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// The in-memory records of the instance, shared by every request.
#[derive(Default)]
pub struct IndicatorCache {
    /// The records pages read; replaced whole by a reload.
    current: std::sync::RwLock<Option<Arc<Loaded>>>,
    /// Held by whoever loads (a first request, or the background refresh).
    loading: Mutex<()>,
    /// When the last successful check of the watermark began. Requests that queued behind it
    /// while it ran arrived before it began: what it found is current enough for them, so they
    /// share it instead of each reading the watermark again (many dashboards at once cost one
    /// check, not one each, and still see every write made before they arrived).
    last_check_began: std::sync::Mutex<Option<Instant>>,
    /// When the watermark was last read in the background.
    checked_at: AtomicI64,
    /// When the sealed copy on disk was last written (`UnixSeconds`, 0: never by this process),
    /// and the watermark of the records it holds.
    snapshot_written_at: AtomicI64,
    snapshot_watermark: AtomicI64,
}

impl IndicatorCache {
    /// Whether the records have been loaded once (`/readyz`).
    pub fn is_loaded(&self) -> bool {
        self.loaded().is_some()
    }

    /// The records. A small instance is checked against the store's watermark and reloaded at once
    /// when it changed. A large one answers from memory at once; at most every
    /// [`LARGE_CHECK_SECONDS`] a background task reads the watermark and, when it moved (and the
    /// last load is [`LARGE_RELOAD_SECONDS`] old), loads the records anew and swaps them in. Only the
    /// very first load is waited for.
    pub async fn get(
        self: &Arc<Self>,
        store: &Store,
        now: UnixSeconds,
    ) -> Result<Arc<Loaded>, StoreError> {
        match self.loaded() {
            Some(loaded) if loaded.is_large() => {
                let last = self.checked_at.load(Ordering::Relaxed);
                if now - last >= LARGE_CHECK_SECONDS
                    && self
                        .checked_at
                        .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    let (cache, store) = (self.clone(), store.clone());
                    tokio::spawn(async move {
                        if let Err(error) = cache.refresh(&store, now).await {
                            tracing::warn!(%error, "indicator records not refreshed");
                        }
                    });
                }
                Ok(loaded)
            }
            _ => self.refresh(store, now).await,
        }
    }

    /// Loads the records at start, so that the first visitor of a large instance does not wait:
    /// from the sealed copy on disk brought up to date by difference when there is one, else from
    /// the database.
    pub async fn warm(self: Arc<Self>, store: Store, now: UnixSeconds) {
        if self.warm_from_snapshot(&store, now).await {
            return;
        }
        match self.refresh(&store, now).await {
            Ok(loaded) => tracing::info!(
                load_millis = loaded.load_millis as u64,
                "indicator records ready"
            ),
            Err(error) => tracing::warn!(%error, "indicator records not loaded at start"),
        }
    }

    /// Serves the sealed copy of the records, once what changed since it was written is applied;
    /// `false` (the copy removed) when there is none, or when a change needs a full load.
    async fn warm_from_snapshot(&self, store: &Store, now: UnixSeconds) -> bool {
        let started = Instant::now();
        let _loading = self.loading.lock().await;
        // The copy is read while the database says where it stands (both take seconds, cold).
        let (snapshot, watermark) =
            tokio::join!(store.read_indicator_snapshot(), store.indicator_watermark());
        let Some(snapshot) = snapshot else {
            return false;
        };
        let read_millis = started.elapsed().as_millis() as u64;
        let from_disk = Arc::new(Loaded::from_snapshot(snapshot, now));
        let on_disk_watermark = from_disk.watermark;
        let current = match watermark {
            Ok(watermark) if watermark == from_disk.watermark => Ok(Some(from_disk)),
            Ok(_) => {
                let fragile = fragile_communes();
                match changed_records(store, from_disk, &fragile, now).await {
                    Ok(Refresh::Applied(loaded)) => Ok(Some(Arc::new(loaded))),
                    Ok(Refresh::Later(_) | Refresh::Full) => Ok(None),
                    Err(error) => Err(error),
                }
            }
            Err(error) => Err(error),
        };
        match current {
            Ok(Some(loaded)) => {
                tracing::info!(
                    read_millis,
                    total_millis = started.elapsed().as_millis() as u64,
                    "indicator records ready from their sealed copy"
                );
                self.snapshot_written_at.store(now, Ordering::Relaxed);
                self.snapshot_watermark
                    .store(on_disk_watermark, Ordering::Relaxed);
                self.install(loaded);
                true
            }
            Ok(None) => {
                store.remove_indicator_snapshot().await;
                false
            }
            Err(error) => {
                tracing::warn!(%error, "indicator snapshot not brought up to date");
                false
            }
        }
    }

    /// Writes the sealed copy of a large instance's records in the background: after a full
    /// load, or after a refresh by difference when the copy is [`SNAPSHOT_EVERY_SECONDS`] old.
    fn keep_snapshot(&self, store: &Store, loaded: &Arc<Loaded>, full: bool) {
        let last = self.snapshot_written_at.load(Ordering::Relaxed);
        let due = full || loaded.loaded_at - last >= SNAPSHOT_EVERY_SECONDS;
        if !loaded.is_large()
            || store.indicator_snapshot_file().is_none()
            || !due
            || self
                .snapshot_written_at
                .compare_exchange(last, loaded.loaded_at, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        self.snapshot_watermark
            .store(loaded.watermark, Ordering::Relaxed);
        let (store, snapshot) = (store.clone(), loaded.to_snapshot());
        tokio::spawn(async move { write_snapshot(&store, snapshot).await });
    }

    /// Before the server stops: writes the sealed copy of a large instance's records when it lags
    /// behind them (refreshed by difference since), so that the next start has nothing to apply.
    pub async fn keep_on_disk_before_stop(&self, store: &Store) {
        let Some(loaded) = self.loaded() else {
            return;
        };
        let behind = self.snapshot_watermark.load(Ordering::Relaxed) != loaded.watermark;
        if loaded.is_large() && store.indicator_snapshot_file().is_some() && behind {
            write_snapshot(store, loaded.to_snapshot()).await;
        }
    }

    fn install(&self, loaded: Arc<Loaded>) {
        match self.current.write() {
            Ok(mut current) => *current = Some(loaded),
            Err(poisoned) => *poisoned.into_inner() = Some(loaded),
        }
    }

    /// The records pages read now, if loaded.
    fn loaded(&self) -> Option<Arc<Loaded>> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The records, reloaded first when the watermark moved (one loader at a time: whoever waits for
    /// it then finds them fresh).
    async fn refresh(&self, store: &Store, now: UnixSeconds) -> Result<Arc<Loaded>, StoreError> {
        let arrived = Instant::now();
        let _loading = self.loading.lock().await;
        if let Some(loaded) = self.loaded() {
            if self.last_check_began().is_some_and(|began| began > arrived) {
                return Ok(loaded);
            }
        }
        let began = Instant::now();
        let watermark = store.indicator_watermark().await?;
        if let Some(loaded) = self.loaded() {
            if loaded.watermark == watermark {
                self.set_last_check_began(began);
                return Ok(loaded);
            }
        }
        let started = Instant::now();
        let fragile = fragile_communes();
        let by_difference = match self.loaded() {
            Some(loaded) if now - loaded.fully_loaded_at < FULL_LOAD_SECONDS => {
                changed_records(store, loaded, &fragile, now).await?
            }
            _ => Refresh::Full,
        };
        let full = matches!(by_difference, Refresh::Full);
        let loaded = match by_difference {
            Refresh::Applied(loaded) => Arc::new(loaded),
            Refresh::Later(loaded) => {
                self.set_last_check_began(began);
                return Ok(loaded);
            }
            Refresh::Full => {
                let load = store.indicator_dataset(now, &fragile).await?;
                Arc::new(Loaded {
                    dataset: Arc::new(load.dataset),
                    watermark: load.watermark,
                    marks: load.marks,
                    loaded_at: now,
                    fully_loaded_at: now,
                    load_millis: started.elapsed().as_millis(),
                    dropped: load.dropped,
                    memo: std::sync::Mutex::default(),
                })
            }
        };
        metrics::counter!("indicator_refreshes_total").increment(1);
        metrics::histogram!("indicator_refresh_seconds").record(started.elapsed().as_secs_f64());
        self.install(loaded.clone());
        self.set_last_check_began(began);
        self.keep_snapshot(store, &loaded, full);
        Ok(loaded)
    }

    fn last_check_began(&self) -> Option<Instant> {
        match self.last_check_began.lock() {
            Ok(began) => *began,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    fn set_last_check_began(&self, began: Instant) {
        match self.last_check_began.lock() {
            Ok(mut last) => *last = Some(began),
            Err(poisoned) => *poisoned.into_inner() = Some(began),
        }
    }
}

/// Writes the sealed copy of the records, saying how long it took.
async fn write_snapshot(store: &Store, snapshot: IndicatorSnapshot) {
    let started = Instant::now();
    match store.write_indicator_snapshot(snapshot).await {
        Ok(true) => tracing::info!(
            write_millis = started.elapsed().as_millis() as u64,
            "indicator snapshot written"
        ),
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, "indicator snapshot not written"),
    }
}

/// What a refresh does.
enum Refresh {
    /// The changes, read by difference, applied.
    Applied(Loaded),
    /// A change needs a full load, which must wait on a large instance (its last one is recent):
    /// the records stay as they are.
    Later(Arc<Loaded>),
    Full,
}

/// The records of `loaded` with what changed since read by difference and applied on a blocking
/// thread, unless a change needs a full load (on a large instance, at most every
/// [`LARGE_RELOAD_SECONDS`]).
async fn changed_records(
    store: &Store,
    loaded: Arc<Loaded>,
    fragile: &BTreeMap<String, bool>,
    now: UnixSeconds,
) -> Result<Refresh, StoreError> {
    let started = Instant::now();
    let Some(read) = store
        .indicator_changes(&loaded.dataset, &loaded.marks, fragile)
        .await?
    else {
        // What only a full load takes in may be an erasure: the copy on disk goes at once.
        store.remove_indicator_snapshot().await;
        let recent = loaded.is_large() && now - loaded.fully_loaded_at < LARGE_RELOAD_SECONDS;
        return Ok(match recent {
            true => Refresh::Later(loaded),
            false => Refresh::Full,
        });
    };
    let read_millis = started.elapsed().as_millis();
    let (fully_loaded_at, load_millis, dropped) =
        (loaded.fully_loaded_at, loaded.load_millis, loaded.dropped);
    // Records nobody else reads (those read back at start) are changed in place, not copied.
    let previous = match Arc::try_unwrap(loaded) {
        Ok(unshared) => unshared.dataset,
        Err(shared) => shared.dataset.clone(),
    };
    let changes = read.changes;
    let applied = tokio::task::spawn_blocking(move || match Arc::try_unwrap(previous) {
        Ok(unshared) => unshared.into_changed(changes),
        Err(shared) => shared.with_changes(changes),
    })
    .await
    .map_err(|error| StoreError::Corrupt(format!("indicateurs : {error}")))?;
    let dataset = match applied {
        Ok(dataset) => dataset,
        Err(error) => {
            tracing::warn!(%error, "indicator changes refused: everything is read again");
            return Ok(Refresh::Full);
        }
    };
    tracing::info!(
        read_millis = read_millis as u64,
        total_millis = started.elapsed().as_millis() as u64,
        dropped = read.dropped.total(),
        "indicator records refreshed by difference"
    );
    metrics::counter!("indicator_refreshes_by_difference_total").increment(1);
    Ok(Refresh::Applied(Loaded {
        dataset: Arc::new(dataset),
        watermark: read.marks.watermark(),
        marks: read.marks,
        loaded_at: now,
        fully_loaded_at,
        load_millis,
        dropped: dropped + read.dropped.total(),
        memo: std::sync::Mutex::default(),
    }))
}

/// Whether each commune is fragile (2023 index of the shipped indicators at or above
/// [`FRAGILE_FROM`]); communes without an index are absent.
pub fn fragile_communes() -> BTreeMap<String, bool> {
    crate::territory_diagnostic::national_index()
        .into_iter()
        .filter_map(|(code, index)| index.map(|i| (code, i >= FRAGILE_FROM)))
        .collect()
}

/// The standard indicators of a cut, masked with the instance's minimum cell size.
pub fn masked_publication(
    dataset: &Dataset,
    cut: &Cut,
    now: UnixSeconds,
    targets: TargetDelays,
    min_cell: u64,
) -> Result<Publication, String> {
    let params = Params { now, targets };
    let mut publication = standard_publication_with(dataset, cut, &params, &SideBySide);
    mask(&mut publication, min_cell).map_err(|e| e.to_string())?;
    Ok(publication)
}

/// The funnel alone of a cut, masked: what the comparison with the département and the nation shows
/// (computing the whole set there would mask thousands of commune rows for nothing).
pub fn masked_funnel(dataset: &Dataset, cut: &Cut, min_cell: u64) -> Result<Publication, String> {
    let mut publication = Publication::default();
    publication.push(funnel(dataset, cut));
    mask(&mut publication, min_cell).map_err(|e| e.to_string())?;
    Ok(publication)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded() -> Loaded {
        Loaded {
            dataset: Arc::new(Dataset::default()),
            watermark: 0,
            marks: IndicatorMarks::default(),
            loaded_at: 0,
            fully_loaded_at: 0,
            load_millis: 0,
            dropped: 0,
            memo: std::sync::Mutex::default(),
        }
    }

    /// Figures told apart by their comparison's first column.
    fn figures(name: &str) -> Arc<MemoizedFigures> {
        Arc::new((Publication::default(), (vec![name.to_owned()], Vec::new())))
    }

    fn name_of(figures: &MemoizedFigures) -> &str {
        &figures.1 .0[0]
    }

    #[test]
    fn figures_of_an_earlier_minute_are_served_while_one_caller_alone_recomputes_them() {
        let loaded = loaded();
        assert!(matches!(
            loaded.memo_lookup("nation", 60),
            MemoLookup::Missing
        ));
        loaded.memo_store("nation".into(), 60, figures("at 60"));
        match loaded.memo_lookup("nation", 60) {
            MemoLookup::Fresh(found) => assert_eq!(name_of(&found), "at 60"),
            _ => panic!("figures of the minute are fresh"),
        }
        let refreshers: Vec<bool> = (0..3)
            .map(|_| match loaded.memo_lookup("nation", 120) {
                MemoLookup::Stale { figures, refresh } => {
                    assert_eq!(name_of(&figures), "at 60");
                    refresh
                }
                _ => panic!("figures of an earlier minute are stale"),
            })
            .collect();
        assert_eq!(refreshers, vec![true, false, false]);
        loaded.memo_store("nation".into(), 120, figures("at 120"));
        match loaded.memo_lookup("nation", 120) {
            MemoLookup::Fresh(found) => assert_eq!(name_of(&found), "at 120"),
            _ => panic!("recomputed figures are fresh"),
        }
        assert!(matches!(loaded.memo_lookup("49", 120), MemoLookup::Missing));
    }

    #[test]
    fn a_failed_recomputation_lets_the_next_caller_try_and_older_figures_never_replace_newer() {
        let loaded = loaded();
        loaded.memo_store("nation".into(), 120, figures("at 120"));
        assert!(matches!(
            loaded.memo_lookup("nation", 180),
            MemoLookup::Stale { refresh: true, .. }
        ));
        loaded.memo_release("nation");
        assert!(matches!(
            loaded.memo_lookup("nation", 180),
            MemoLookup::Stale { refresh: true, .. }
        ));
        loaded.memo_store("nation".into(), 60, figures("at 60"));
        match loaded.memo_lookup("nation", 120) {
            MemoLookup::Fresh(found) => assert_eq!(name_of(&found), "at 120"),
            _ => panic!("the newer figures stay"),
        }
        assert!(matches!(
            loaded.memo_lookup("nation", 180),
            MemoLookup::Stale { refresh: true, .. }
        ));
    }
}
