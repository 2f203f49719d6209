//! Storage of aiguillage: the only crate that sees SQL.
//!
//! One [`Store`] serves both backends through sqlx's `Any` driver: SQLite (embedded default, one file,
//! WAL) and PostgreSQL (several server instances on one database), chosen by the URL scheme. Queries are
//! written once, in the SQL both understand, and checked at run time, so building needs no database.
//! Each backend has its own migrations folder, applied at connection. Store methods are transaction-
//! sized use cases: a failure leaves nothing half-written. Enumerations are stored by their stable
//! code (`domain::labelled::Coded`), never by their French label, so labels can change freely.

mod account_lifecycle;
mod accounts;
mod activities;
mod api_clients;
mod appointments;
mod audit;
mod audit_batch;
mod audit_key;
mod backup;
mod bulk;
mod commune_index;
pub use commune_index::PlacementRule;
mod contact_requests;
mod directory;
mod error;
mod fragility;
mod hand_fields;
mod indicator_changes;
mod indicator_snapshot;
pub use indicator_snapshot::{
    IndicatorSnapshot, INDICATOR_SNAPSHOT_FILE_VAR, INDICATOR_SNAPSHOT_SUFFIX,
};
mod indicators;
mod local_indicators;
mod login_nonces;
mod notifications;
mod offers;
mod pathway;
mod pending_imports;
mod people;
mod proconnect;
mod queue;
mod recode;
mod redistribution;
mod referral_messages;
mod referrals;
mod resource_cycles;
mod resource_reports;
mod resource_search;
mod resources;
mod retention;
mod rights;
mod second_factor;
mod session_corrections;
mod sessions;
mod structure_figures;
mod structures;
mod synthetic;
mod teams;
mod territory;
mod territory_settings;
pub mod testing;
mod throttle;
mod vouchers;

pub use account_lifecycle::LifecycleAccount;
pub use accounts::{Account, LoginCandidate};
pub use activities::ActivityAuthor;
pub use api_clients::{ApiClientRecord, NewApiClient};
pub use appointments::{FeedAppointment, ReminderDue, Settled, StoredAppointment, SLOT_TAKEN};
pub use audit::{AuditChainCheck, AuditEntry, AuditFilter};
pub use audit_key::{
    AuditKey, AUDIT_KEY_FILE_NAME, AUDIT_KEY_FILE_VAR, AUDIT_KEY_VAR, MIN_AUDIT_KEY_BYTES,
};
pub use backup::{check_sqlite_copy, sqlite_migration_level, BackupCheck};
pub use contact_requests::{ContactRequest, NewContactRequest, RequestViewer, TakenRequest};
pub use directory::{
    ImportAuthor, PlaceChange, PlaceCheck, PlaceImportReport, PlaceRejection, PlaceRights,
    PlaceSite, PlacementNote, StoredPlace,
};
pub use error::StoreError;
pub use fragility::PublishedImportReport;
pub use hand_fields::{ConflictChoice, ConflictSettled, HandField, ImportConflict, OpenConflict};
pub use indicator_changes::IndicatorChanges;
pub use indicators::{DroppedRecords, IndicatorLoad, IndicatorMarks};
pub use local_indicators::LocalIndicatorReport;
pub use notifications::{DigestDue, Notification};
pub use offers::StoredOffer;
pub use pathway::{CloseOutcome, PathwaySession, SessionOutcome, StoredClosing};
pub use pending_imports::{
    PendingImport, PENDING_IMPORT_LIFETIME_SECONDS, PENDING_IMPORT_MAX_BYTES,
    PENDING_IMPORT_MAX_NAME_CHARS, PENDING_IMPORT_MAX_ROWS,
};
pub use people::{Actor, ConsentRecord, PersonRecord, PersonalRowCounts, StoredDiagnostic};
pub use proconnect::{AccessDecided, AccessRequest, AccessRequestState, OidcSignIn, NO_PASSWORD};
pub use queue::QueueEntry;
pub use redistribution::{
    AppliedMove, ConfirmedMove, MoveRefusal, RedistributionBatch, RedistributionOutcome,
    ReturnedMove, UndoOutcome,
};
pub use referral_messages::{Posted, ThreadMessage};
pub use referrals::{
    Applied, NewReferral, ReferralHistoryLine, ReferralRecord, ReferralStateRow, ReminderCandidate,
};
pub use resource_cycles::{Cycle, CycleItem, CycleSummary, ItemChange, PlannedWorkshop};
pub use resource_reports::OpenReport;
pub use resource_search::{
    AttendeeResults, ListedResource, RatingError, ResourceQuery, UseSummary,
};
pub use resources::{
    is_editable_source, BankActor, MaterialSource, NewMaterial, Referent, ReviewRecord, ServedFile,
    SessionSheet, SourceCredit, StoredMaterial, VersionSummary, WorkingCopy, WorkingCopyLine,
};
pub use retention::{Extension, RetentionCandidate, RetentionView};
pub use rights::{
    ExportedReferral, PersonExport, RegisterFilter, RightsRequestRecord, SharingConsentRecord,
};
pub use second_factor::{
    CredentialChange, SecondFactorState, TotpMaterial, PASSWORD_RECORD, SECOND_FACTOR_RECORD,
};
pub use session_corrections::SessionChange;
pub use sessions::{NewSession, SessionOwner, SessionSummary, StoredSession};
pub use structure_figures::StructureFigures;
pub use structures::{NewStructure, Structure};
pub use synthetic::{
    SyntheticCounts, SyntheticDiagnostic, SyntheticPerson, SyntheticReferral, SyntheticSession,
    SyntheticStep, SyntheticWorkshop,
};
pub use teams::{
    Acceptance, Accepted, InvitationView, Membership, NewInvitation, PendingInvitation, Removed,
    TeamActor, TeamMember, INVITATION_RECORD, MEMBERSHIP_RECORD,
};
pub use territory::{CommuneSummary, ImportProgress, TerritoryCounts, TerritoryImportReport};
pub use vouchers::{
    Book, Campaign, CampaignScope, HandRefusal, HandTo, Handed, Handing, LedgerCheck,
    QualifiedPlace, Redeemed, Redemption, StatementSummary,
};

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Recognises the backend from a database URL (`sqlite://…` or `postgres://…`).
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

/// The storage API used by the rest of the code; cheap to clone (it holds a connection pool).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The secret that keys the audit chain; never written to the database.
    audit_key: Arc<AuditKey>,
    /// SQLite's one writer at a time, as a queue in this process: a write transaction waits here
    /// for its turn (first come, first served) rather than in SQLite's busy handler, which sleeps
    /// 1, 2, 5… up to 100 ms between tries and made busy list pages (each audited by a write) wait
    /// hundreds of milliseconds. Unused on PostgreSQL.
    write_turn: Arc<tokio::sync::Mutex<()>>,
    /// The audit entries of views waiting to be committed together (`audit_batch`).
    audit_batches: Arc<audit_batch::AuditBatches>,
    /// Where the sealed copy of the indicator records lives, if the instance keeps one
    /// (`indicator_snapshot`).
    snapshot_file: Option<std::path::PathBuf>,
    /// Taken to replace or remove that copy (`indicator_snapshot`).
    snapshot_turn: Arc<tokio::sync::Mutex<()>>,
}

/// How long a write transaction waits for its turn on SQLite (the connections' `busy_timeout`).
const WRITE_TURN_WAIT: Duration = Duration::from_secs(10);

/// A transaction that may write ([`Store::begin_write`]): the connection inside it (`&mut *tx`),
/// and on SQLite the writer's turn, held until it commits, rolls back or is dropped.
pub(crate) struct WriteTransaction {
    transaction: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.transaction.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.transaction.rollback().await
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        &self.transaction
    }
}

impl std::ops::DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.transaction
    }
}

impl Store {
    /// Connects to the database named by `url`, creating an SQLite file if needed, and applies the
    /// migrations of its backend. The audit key comes from the environment ([`AuditKey::from_environment`]:
    /// `AIGUILLAGE_AUDIT_KEY`, `AIGUILLAGE_AUDIT_KEY_FILE`, or `audit.key` beside the SQLite file).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let audit_key = AuditKey::from_environment(url)?;
        Store::connect_with_key(url, audit_key).await
    }

    /// Connects as [`Store::connect`] does, with the audit key given by the caller.
    pub async fn connect_with_key(url: &str, audit_key: AuditKey) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let pool = match backend {
            Backend::Sqlite => connect_sqlite(url).await?,
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?
            }
        };
        let store = Store {
            pool,
            backend,
            audit_key: Arc::new(audit_key),
            write_turn: Arc::new(tokio::sync::Mutex::new(())),
            audit_batches: Arc::default(),
            snapshot_file: indicator_snapshot::snapshot_file(url),
            snapshot_turn: Arc::default(),
        };
        let keyed_before = store.audit_chain_keyed().await;
        store.migrate().await?;
        if !keyed_before {
            store.seal_legacy_audit().await?;
        }
        store.recode_json_documents().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Begins a transaction that may write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads, then writes after another connection committed,
    /// fails at once with `SQLITE_BUSY_SNAPSHOT`, which the busy timeout does not cover; an immediate
    /// one waits its turn instead. PostgreSQL's row locks need nothing more.
    pub(crate) async fn begin_write(&self) -> Result<WriteTransaction, StoreError> {
        let transaction = match self.backend {
            Backend::Sqlite => {
                // As long as SQLite's own busy timeout: a writer that never comes back (a bug, a
                // transaction begun inside another) fails as SQLite would, instead of hanging.
                let turn =
                    tokio::time::timeout(WRITE_TURN_WAIT, self.write_turn.clone().lock_owned())
                        .await
                        .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))?;
                WriteTransaction {
                    transaction: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                }
            }
            Backend::Postgres => WriteTransaction {
                transaction: self.pool.begin().await?,
                _turn: None,
            },
        };
        Ok(transaction)
    }

    /// Whether the database holds every migration this binary carries, each applied successfully
    /// (used by `/readyz`).
    pub async fn migrations_applied(&self) -> Result<bool, StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let expected = migrator.iter().count() as i64;
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(applied >= expected)
    }

    /// The pool's connections: open, and idle among them (`/metrics`).
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Checks that the database answers (used by `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The value a stored code names (`domain::labelled::Coded`), or `Corrupt` naming what was read.
pub(crate) fn decode<T: aiguillage_domain::labelled::Coded>(
    code: &str,
    what: &str,
) -> Result<T, StoreError> {
    T::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("{what} « {code} »")))
}

/// The file path of an `sqlite://` URL, without its query.
pub(crate) fn sqlite_path(url: &str) -> &str {
    url.trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default()
}

/// Opens an SQLite file in WAL mode, creating it (and its folder) if missing. Every connection
/// overwrites deleted content (`secure_delete`), so an erased person leaves no bytes behind.
async fn connect_sqlite(url: &str) -> Result<AnyPool, StoreError> {
    let path = sqlite_path(url);
    if let Some(folder) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|source| StoreError::Io {
            path: folder.display().to_string(),
            source,
        })?;
    }
    let url = if url.contains('?') {
        url.to_owned()
    } else {
        format!("{url}?mode=rwc")
    };
    // Each connection keeps 16 MB of pages (SQLite's default is 2 MB): a list view then reads its
    // indexes from memory instead of copying them from the file at every request.
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .after_connect(|connection, _meta| {
            Box::pin(async move {
                connection
                    .execute(
                        "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                         PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON; \
                         PRAGMA cache_size = -16384;",
                    )
                    .await?;
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    pool.execute("PRAGMA journal_mode = WAL").await?;
    Ok(pool)
}

/// A database URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}
