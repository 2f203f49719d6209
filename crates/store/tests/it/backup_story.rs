//! The backup drill in storage (issue 18): a consistent copy of the running SQLite database holds
//! exactly what was written before it, passes the integrity and migration-level checks, and a copy
//! damaged or of another level is told apart. On PostgreSQL the built-in copy refuses and says to use
//! `pg_dump` (the CI exercises that procedure apart).

use crate::support::store_of_maine_et_loire;
use aiguillage_store::testing::connect_test_store;
use aiguillage_store::{
    check_sqlite_copy, sqlite_migration_level, BackupCheck, NewStructure, StoreError,
};
use sqlx::AnyPool;

const NOW: i64 = 1_795_392_000;

fn structure(name: &str) -> NewStructure {
    NewStructure {
        name: name.into(),
        kind: "CCAS".into(),
        commune_code: "49007".into(),
    }
}

fn names(structures: &[aiguillage_store::Structure]) -> Vec<String> {
    structures.iter().map(|s| s.name.clone()).collect()
}

#[tokio::test]
async fn a_copy_taken_while_running_holds_exactly_what_was_written_before_it() {
    let (store, url) = store_of_maine_et_loire().await;
    let target = std::env::temp_dir().join(format!("copie-{}-{}.db", std::process::id(), nanos()));
    if !url.starts_with("sqlite") {
        let refused = store.copy_database_to(&target).await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(ref m)) if m.contains("pg_dump")),
            "{refused:?}"
        );
        return;
    }
    store
        .ensure_structure(&structure("CCAS d'Angers"), NOW)
        .await
        .unwrap();
    store.copy_database_to(&target).await.unwrap();
    store
        .ensure_structure(&structure("Écrit après la copie"), NOW)
        .await
        .unwrap();

    assert_eq!(
        check_sqlite_copy(&target).await.unwrap(),
        BackupCheck::Sound {
            migration: sqlite_migration_level()
        }
    );
    let copy = connect_test_store(&format!("sqlite://{}", target.display()))
        .await
        .unwrap();
    let kept = names(&copy.list_structures().await.unwrap());
    assert!(kept.contains(&"CCAS d'Angers".to_owned()));
    assert!(!kept.contains(&"Écrit après la copie".to_owned()));
    copy.close().await;

    // Another level: a copy whose last migration is missing is refused.
    let pool = AnyPool::connect(&format!("sqlite://{}", target.display()))
        .await
        .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(sqlite_migration_level())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(matches!(
        check_sqlite_copy(&target).await.unwrap(),
        BackupCheck::OtherLevel { .. }
    ));

    // A damaged file is not a database the check accepts.
    let mut bytes = std::fs::read(&target).unwrap();
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 4096] {
        *byte = 0x5a;
    }
    std::fs::write(&target, &bytes).unwrap();
    let damaged = check_sqlite_copy(&target).await;
    assert!(
        matches!(
            damaged,
            Ok(BackupCheck::Damaged(_)) | Err(StoreError::Database(_))
        ),
        "{damaged:?}"
    );
    std::fs::remove_file(&target).ok();
}

/// A part of a file name no other run takes at the same moment.
fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
