//! A sealed copy of the indicator records on disk, so that a large instance serves exact figures
//! seconds after it starts instead of reading every record again (a minute or more at a million
//! people): at start the copy is read, then what changed in the database since its watermark's
//! parts is applied to it by difference, as a running instance does.
//!
//! The copy is pseudonymised personal data. It is therefore:
//! - sealed with ChaCha20-Poly1305 under a key derived from the audit key (unreadable, and
//!   untouchable, without the instance's secret, which never lives in the database);
//! - written with mode 0600 under a temporary name, synced, then renamed over the previous copy;
//! - read only by the very executable that wrote it (the digest of the executable is in the sealed
//!   header), since the layout of the in-memory records is the code's own and changes with it;
//! - ignored and removed when any of these checks fails, the records then being read from the
//!   database as before; and removed as soon as a refresh finds a change that only a full load can
//!   take in (an erasure, a purge), so that an erased person does not outlive the erasure on disk.
//!
//! Where it lives: `AIGUILLAGE_INDICATOR_SNAPSHOT_FILE`, else beside the SQLite database file,
//! named after it (`aiguillage.db-indicators`, as SQLite names its `-wal`); PostgreSQL has no
//! default (each instance keeps its own copy, where its configuration says).

use crate::{IndicatorMarks, Store, StoreError};
use aiguillage_domain::indicators::Dataset;
use aiguillage_domain::UnixSeconds;
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The environment variable naming the file; empty disables the copy.
pub const INDICATOR_SNAPSHOT_FILE_VAR: &str = "AIGUILLAGE_INDICATOR_SNAPSHOT_FILE";
/// What the file's name adds to the SQLite database file's.
pub const INDICATOR_SNAPSHOT_SUFFIX: &str = "-indicators";

/// The first bytes of the file (and the associated data of the seal): its kind and format.
const MAGIC: &[u8; 8] = b"AIGIND01";
const NONCE_BYTES: usize = 12;

/// Indicator records as a full load gave them, with what a refresh by difference starts from.
#[derive(Debug, Clone)]
pub struct IndicatorSnapshot {
    pub dataset: Arc<Dataset>,
    pub watermark: i64,
    pub marks: IndicatorMarks,
    /// Records left out by the loads that made these records.
    pub dropped: usize,
    /// When everything was last read from the database.
    pub fully_loaded_at: UnixSeconds,
    /// How long that full load took.
    pub load_millis: u64,
}

/// What the sealed content begins with; the dataset follows it.
#[derive(Serialize, Deserialize)]
struct Header {
    executable: [u8; 32],
    watermark: i64,
    marks: [i64; 12],
    dropped: u64,
    fully_loaded_at: UnixSeconds,
    load_millis: u64,
}

/// Where the copy of the instance whose database is `database_url` lives, if it has one.
pub(crate) fn snapshot_file(database_url: &str) -> Option<PathBuf> {
    if let Some(file) = std::env::var_os(INDICATOR_SNAPSHOT_FILE_VAR) {
        return (!file.is_empty()).then(|| PathBuf::from(file));
    }
    let sqlite = database_url.starts_with("sqlite:");
    let path = crate::sqlite_path(database_url);
    let in_memory = path.is_empty() || path.starts_with(':') || database_url.contains("memory");
    (sqlite && !in_memory).then(|| PathBuf::from(format!("{path}{INDICATOR_SNAPSHOT_SUFFIX}")))
}

impl Store {
    /// The file of the copy, if this instance keeps one.
    pub fn indicator_snapshot_file(&self) -> Option<&Path> {
        self.snapshot_file.as_deref()
    }

    /// Writes `snapshot` over the previous copy (on a blocking thread). Does nothing when the
    /// instance keeps no copy.
    ///
    /// The copy is sealed under a temporary name first; it replaces the previous one only if no
    /// erasure (nor anything else only a full load takes in) happened since its records were read,
    /// checked under the lock the erasures take to remove the copy: an erased person never reaches
    /// the disk through a copy written meanwhile. Returns whether the copy was written.
    pub async fn write_indicator_snapshot(
        &self,
        snapshot: IndicatorSnapshot,
    ) -> Result<bool, StoreError> {
        let Some(path) = self.snapshot_file.clone() else {
            return Ok(false);
        };
        let key = self.snapshot_key()?;
        let marks = snapshot.marks;
        let temporary = temporary_of(&path);
        let sealing = temporary.clone();
        let sealed = tokio::task::spawn_blocking(move || write_sealed(&sealing, &key, &snapshot))
            .await
            .map_err(|error| StoreError::Corrupt(format!("copie des indicateurs : {error}")))
            .and_then(|written| written);
        if let Err(error) = sealed {
            let _ = std::fs::remove_file(&temporary);
            return Err(error);
        }
        let _turn = self.snapshot_turn.lock().await;
        let mut connection = self.pool.acquire().await?;
        let current = crate::indicators::marks_in(&mut connection).await?;
        let io_error = |source| StoreError::Io {
            path: path.display().to_string(),
            source,
        };
        if current.only_additions_since(&marks) {
            std::fs::rename(&temporary, &path).map_err(io_error)?;
            Ok(true)
        } else {
            std::fs::remove_file(&temporary).map_err(io_error)?;
            tracing::info!("indicator snapshot dropped: an erasure or a full-load change since");
            Ok(false)
        }
    }

    /// The copy, if there is one that this executable wrote under this instance's key. A copy that
    /// cannot be read is removed (and `None` returned): the records are then loaded from the
    /// database.
    pub async fn read_indicator_snapshot(&self) -> Option<IndicatorSnapshot> {
        let path = self.snapshot_file.clone()?;
        let key = match self.snapshot_key() {
            Ok(key) => key,
            Err(error) => {
                tracing::warn!(%error, "indicator snapshot not read");
                return None;
            }
        };
        let read = tokio::task::spawn_blocking(move || read_sealed(&path, &key))
            .await
            .map_err(|error| SnapshotRefused(error.to_string()));
        match read.and_then(|result| result) {
            Ok(snapshot) => snapshot,
            Err(SnapshotRefused(why)) => {
                tracing::warn!(why, "indicator snapshot ignored and removed");
                self.remove_indicator_snapshot().await;
                None
            }
        }
    }

    /// Removes the copy, if any (what it holds is no longer to be kept), and one being sealed.
    pub async fn remove_indicator_snapshot(&self) {
        let Some(path) = &self.snapshot_file else {
            return;
        };
        let _turn = self.snapshot_turn.lock().await;
        // A copy being sealed goes too (its write then fails at the rename).
        let _ = std::fs::remove_file(temporary_of(path));
        match std::fs::remove_file(path) {
            Ok(()) => tracing::info!(path = %path.display(), "indicator snapshot removed"),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => tracing::warn!(%error, "indicator snapshot not removed"),
        }
    }

    /// The sealing key: the audit key through HMAC-SHA256, under a label of its own.
    fn snapshot_key(&self) -> Result<[u8; 32], StoreError> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.audit_key.bytes())
            .map_err(|error| StoreError::AuditKey(error.to_string()))?;
        mac.update(b"aiguillage: indicator snapshot, v1\n");
        Ok(mac.finalize().into_bytes().into())
    }
}

/// Why a copy was not used.
struct SnapshotRefused(String);

/// The digest of the running executable, read once; `None` if it cannot be read (no copy is then
/// written or trusted).
fn executable_digest() -> Option<[u8; 32]> {
    static DIGEST: OnceLock<Option<[u8; 32]>> = OnceLock::new();
    *DIGEST.get_or_init(|| {
        let path = std::env::current_exe().ok()?;
        let mut file = std::fs::File::open(path).ok()?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher).ok()?;
        Some(hasher.finalize().into())
    })
}

fn write_sealed(
    path: &Path,
    key: &[u8; 32],
    snapshot: &IndicatorSnapshot,
) -> Result<(), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("copie des indicateurs : {what}"));
    let executable = executable_digest().ok_or_else(|| corrupt("exécutable illisible"))?;
    let header = Header {
        executable,
        watermark: snapshot.watermark,
        marks: snapshot.marks.0,
        dropped: snapshot.dropped as u64,
        fully_loaded_at: snapshot.fully_loaded_at,
        load_millis: snapshot.load_millis,
    };
    let mut content = postcard::to_stdvec(&header).map_err(|e| corrupt(&e.to_string()))?;
    content = postcard::to_extend(snapshot.dataset.as_ref(), content)
        .map_err(|e| corrupt(&e.to_string()))?;
    let mut nonce = [0u8; NONCE_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    ChaCha20Poly1305::new(Key::from_slice(key))
        .encrypt_in_place(Nonce::from_slice(&nonce), MAGIC, &mut content)
        .map_err(|_| corrupt("chiffrement impossible"))?;
    let io_error = |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = private_file(path).map_err(io_error)?;
    file.write_all(MAGIC)
        .and_then(|()| file.write_all(&nonce))
        .and_then(|()| file.write_all(&content))
        .and_then(|()| file.sync_all())
        .map_err(io_error)
}

/// Where a copy is sealed before it replaces the previous one.
fn temporary_of(path: &Path) -> PathBuf {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    PathBuf::from(temporary)
}

/// A new file readable by its owner only.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn read_sealed(path: &Path, key: &[u8; 32]) -> Result<Option<IndicatorSnapshot>, SnapshotRefused> {
    let mut bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(SnapshotRefused(error.to_string())),
    };
    let refused = |why: &str| SnapshotRefused(why.to_string());
    if bytes.len() < MAGIC.len() + NONCE_BYTES || !bytes.starts_with(MAGIC) {
        return Err(refused("not a snapshot of this format"));
    }
    let mut content = bytes.split_off(MAGIC.len() + NONCE_BYTES);
    let nonce = Nonce::from_slice(&bytes[MAGIC.len()..]);
    ChaCha20Poly1305::new(Key::from_slice(key))
        .decrypt_in_place(nonce, MAGIC, &mut content)
        .map_err(|_| refused("sealed under another key, or altered"))?;
    let (header, rest) = postcard::take_from_bytes::<Header>(&content)
        .map_err(|error| SnapshotRefused(error.to_string()))?;
    if Some(header.executable) != executable_digest() {
        return Err(refused("written by another executable"));
    }
    let dataset: Dataset =
        postcard::from_bytes(rest).map_err(|error| SnapshotRefused(error.to_string()))?;
    Ok(Some(IndicatorSnapshot {
        dataset: Arc::new(dataset),
        watermark: header.watermark,
        marks: IndicatorMarks(header.marks),
        dropped: header.dropped as usize,
        fully_loaded_at: header.fully_loaded_at,
        load_millis: header.load_millis,
    }))
}
