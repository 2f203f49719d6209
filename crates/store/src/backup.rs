//! Backups of the embedded database (issue 18): a consistent copy taken while the server runs
//! (`VACUUM INTO`, which reads one snapshot of the database and writes a compact, self-contained
//! file without the write-ahead log), and the checks a copy must pass before it replaces anything:
//! SQLite's integrity check and the migration level, which must be exactly the one this binary
//! writes. PostgreSQL instances use `pg_dump` and `pg_restore` (README).

use crate::{Backend, Store, StoreError, SQLITE_MIGRATIONS};
use sqlx::any::AnyPoolOptions;
use sqlx::Row;
use std::path::Path;

/// What the check of a copy found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupCheck {
    /// Intact, at this binary's migration level.
    Sound { migration: i64 },
    /// SQLite's integrity check reported these problems.
    Damaged(Vec<String>),
    /// Written by another version (its level, this binary's).
    OtherLevel { found: i64, expected: i64 },
}

/// The last migration this binary applies to SQLite.
pub fn sqlite_migration_level() -> i64 {
    SQLITE_MIGRATIONS
        .iter()
        .map(|migration| migration.version)
        .max()
        .unwrap_or(0)
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `target` (which must not exist), while
    /// the database stays open for writing.
    pub async fn copy_database_to(&self, target: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Conflict(
                "la copie intégrée ne vaut que pour SQLite : sauvegardez PostgreSQL avec pg_dump"
                    .into(),
            ));
        }
        let target = target.to_str().ok_or_else(|| {
            StoreError::Conflict(format!("chemin illisible : {}", target.display()))
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Opens a copy read-only and checks it.
pub async fn check_sqlite_copy(file: &Path) -> Result<BackupCheck, StoreError> {
    let url = format!("sqlite://{}?mode=ro", file.display());
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await?;
    let rows = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&pool)
        .await?;
    let problems: Vec<String> = rows
        .iter()
        .map(|row| row.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
    if problems != ["ok"] {
        pool.close().await;
        return Ok(BackupCheck::Damaged(problems));
    }
    let found: i64 = sqlx::query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS level FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await?
        .try_get("level")?;
    pool.close().await;
    let expected = sqlite_migration_level();
    Ok(if found == expected {
        BackupCheck::Sound { migration: found }
    } else {
        BackupCheck::OtherLevel { found, expected }
    })
}
