//! Storage of aiguillage: the only crate that sees SQL.
//!
//! One [`Store`] serves both backends through sqlx's `Any` driver: SQLite (embedded default, one file,
//! WAL) and PostgreSQL (several server instances on one database), chosen by the URL scheme. Queries are
//! written once, in the SQL both understand, and checked at run time, so building needs no database.
//! Each backend has its own migrations folder, applied at connection. Store methods are transaction-
//! sized use cases: a failure leaves nothing half-written.

mod accounts;
mod audit;
mod contact_requests;
mod directory;
mod error;
mod fragility;
mod indicators;
mod local_indicators;
mod offers;
mod pathway;
mod pending_imports;
mod people;
mod queue;
mod referrals;
mod sessions;
mod structures;
mod synthetic;
mod territory;
pub mod testing;
mod throttle;

pub use accounts::{Account, LoginCandidate};
pub use audit::{AuditChainCheck, AuditEntry};
pub use contact_requests::{ContactRequest, NewContactRequest};
pub use directory::{PlaceChange, PlaceImportReport, PlaceRejection, StoredPlace};
pub use error::StoreError;
pub use fragility::PublishedImportReport;
pub use indicators::{DroppedRecords, IndicatorLoad};
pub use local_indicators::LocalIndicatorReport;
pub use offers::StoredOffer;
pub use pathway::{CloseOutcome, PathwaySession, SessionOutcome, StoredClosing};
pub use pending_imports::{PendingImport, PENDING_IMPORT_LIFETIME_SECONDS};
pub use people::{
    month_of, Actor, ConsentRecord, PersonRecord, PersonalRowCounts, StoredDiagnostic,
};
pub use queue::{Notification, QueueEntry};
pub use referrals::{
    Applied, NewReferral, ReferralHistoryLine, ReferralRecord, ReferralStateRow, ReminderCandidate,
};
pub use sessions::StoredSession;
pub use structures::{NewStructure, Structure};
pub use synthetic::{
    SyntheticCounts, SyntheticDiagnostic, SyntheticPerson, SyntheticReferral, SyntheticSession,
    SyntheticStep, SyntheticWorkshop,
};
pub use territory::{CommuneSummary, ImportProgress, TerritoryCounts, TerritoryImportReport};

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::path::Path;
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
}

impl Store {
    /// Connects to the database named by `url`, creating an SQLite file if needed, and applies the
    /// migrations of its backend.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
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
        let store = Store { pool, backend };
        store.migrate().await?;
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

/// Opens an SQLite file in WAL mode, creating it (and its folder) if missing.
async fn connect_sqlite(url: &str) -> Result<AnyPool, StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
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
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .after_connect(|connection, _meta| {
            Box::pin(async move {
                connection
                    .execute("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
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
