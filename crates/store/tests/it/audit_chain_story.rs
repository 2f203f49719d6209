//! The keyed audit chain, on whichever backend the test run names: the right key verifies, a wrong
//! key does not, an entry rewritten in SQL by someone without the key (hashes recomputed with plain
//! SHA-256) breaks the chain, and entries written before the key existed still verify, only as the
//! sealed prefix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::audit::{chain_hash, AuditAction, AuditEvent};
use aiguillage_store::testing::{connect_test_store, fresh_database_url, fresh_store};
use aiguillage_store::{AuditChainCheck, AuditKey, Store};
use sqlx::{AnyPool, Row};

const NOW: i64 = 1_795_392_000;

fn event(record_id: &str) -> AuditEvent {
    AuditEvent {
        actor_account_id: None,
        action: AuditAction::Read,
        record_kind: "person".into(),
        record_id: record_id.into(),
        reason: "GET /personnes".into(),
    }
}

async fn store_with_three_entries() -> (Store, String) {
    let (store, url) = fresh_store().await.expect("fresh store");
    for record in ["1", "2", "3"] {
        store
            .record_audit(&event(record), NOW)
            .await
            .expect("audit");
    }
    (store, url)
}

async fn raw_pool(url: &str) -> AnyPool {
    AnyPool::connect(url).await.expect("raw connection")
}

/// What an attacker with the database but not the key does: change entry 2's reason, then recompute
/// every hash from entry `from` on with plain SHA-256, and mark them with `scheme`.
async fn rewrite_with_plain_sha256(url: &str, scheme: &str) {
    let pool = raw_pool(url).await;
    sqlx::query("UPDATE audit_log SET reason = 'GET /rien' WHERE seq = 2")
        .execute(&pool)
        .await
        .expect("rewrite");
    let rows = sqlx::query(
        "SELECT seq, at, actor_account_id, action, record_kind, record_id, reason FROM audit_log ORDER BY seq",
    )
    .fetch_all(&pool)
    .await
    .expect("rows");
    let mut prev_hash = String::new();
    for row in &rows {
        let seq: i64 = row.try_get("seq").expect("seq");
        let action: String = row.try_get("action").expect("action");
        let event = AuditEvent {
            actor_account_id: row.try_get("actor_account_id").expect("actor"),
            action: AuditAction::from_code(&action).expect("code"),
            record_kind: row.try_get("record_kind").expect("kind"),
            record_id: row.try_get("record_id").expect("id"),
            reason: row.try_get("reason").expect("reason"),
        };
        let hash = chain_hash(&prev_hash, seq, row.try_get("at").expect("at"), &event);
        sqlx::query(
            "UPDATE audit_log SET prev_hash = $1, hash = $2, hash_scheme = $3 WHERE seq = $4",
        )
        .bind(&prev_hash)
        .bind(&hash)
        .bind(scheme)
        .bind(seq)
        .execute(&pool)
        .await
        .expect("rehash");
        prev_hash = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev_hash)
        .execute(&pool)
        .await
        .expect("head");
    pool.close().await;
}

#[tokio::test]
async fn the_right_key_verifies_the_chain_and_a_wrong_key_does_not() {
    let (store, url) = store_with_three_entries().await;
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::Intact { entries: 3 }
    );
    let again = connect_test_store(&url).await.expect("same key");
    assert_eq!(
        again.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::Intact { entries: 3 }
    );
    let wrong = Store::connect_with_key(&url, AuditKey::from_bytes(vec![9; 32]).expect("key"))
        .await
        .expect("wrong key");
    assert_eq!(
        wrong.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::BrokenAt { seq: 1 }
    );
}

#[tokio::test]
async fn an_entry_rewritten_with_plain_sha256_breaks_the_keyed_chain() {
    let (store, url) = store_with_three_entries().await;
    rewrite_with_plain_sha256(&url, "hmac-sha256").await;
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::BrokenAt { seq: 1 }
    );
}

#[tokio::test]
async fn keyed_entries_recast_as_legacy_ones_break_the_chain_even_with_the_prefix_moved() {
    let (store, url) = store_with_three_entries().await;
    rewrite_with_plain_sha256(&url, "sha256").await;
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::BrokenAt { seq: 1 }
    );
    let pool = raw_pool(&url).await;
    sqlx::query("UPDATE audit_head SET legacy_entries = 3 WHERE id = 1")
        .execute(&pool)
        .await
        .expect("move the prefix");
    pool.close().await;
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::BrokenAt { seq: 4 },
        "the seal does not cover a longer legacy prefix"
    );
}

/// A database as it was before migration 0017, holding two unkeyed entries.
async fn database_with_legacy_entries() -> String {
    let url = fresh_database_url().await.expect("database");
    let folder = if url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    let path = format!("{}/migrations/{folder}", env!("CARGO_MANIFEST_DIR"));
    let mut migrator = sqlx::migrate::Migrator::new(std::path::Path::new(&path))
        .await
        .expect("migrations");
    let before: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|migration| migration.version < 17)
        .cloned()
        .collect();
    migrator.migrations = before.into();
    let pool = AnyPool::connect(&format!(
        "{url}{}",
        if folder == "sqlite" { "?mode=rwc" } else { "" }
    ))
    .await
    .expect("pool");
    migrator.run(&pool).await.expect("migrate to 0016");
    let mut prev_hash = String::new();
    for (seq, record) in [(1_i64, "10"), (2, "11")] {
        let hash = chain_hash(&prev_hash, seq, NOW, &event(record));
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_account_id, action, record_kind, record_id, reason, prev_hash, hash)
             VALUES ($1, $2, NULL, 'read', 'person', $3, 'GET /personnes', $4, $5)",
        )
        .bind(seq)
        .bind(NOW)
        .bind(record)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&pool)
        .await
        .expect("legacy entry");
        prev_hash = hash;
    }
    sqlx::query("UPDATE audit_head SET seq = 2, hash = $1 WHERE id = 1")
        .bind(&prev_hash)
        .execute(&pool)
        .await
        .expect("head");
    pool.close().await;
    url
}

#[tokio::test]
async fn entries_written_before_the_key_still_verify_as_the_sealed_prefix() {
    let url = database_with_legacy_entries().await;
    let store = connect_test_store(&url).await.expect("migrate to 0017");
    store.record_audit(&event("12"), NOW).await.expect("keyed");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::Intact { entries: 3 }
    );
    let pool = raw_pool(&url).await;
    let schemes: Vec<String> = sqlx::query("SELECT hash_scheme FROM audit_log ORDER BY seq")
        .fetch_all(&pool)
        .await
        .expect("schemes")
        .iter()
        .map(|row| row.try_get("hash_scheme").expect("scheme"))
        .collect();
    assert_eq!(schemes, ["sha256", "sha256", "hmac-sha256"]);
    pool.close().await;

    // Rewriting a legacy entry, even with its plain hashes recomputed, breaks the first keyed one.
    rewrite_with_plain_sha256_prefix(&url).await;
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::BrokenAt { seq: 3 }
    );
}

/// Rewrites entry 2 (legacy) and recomputes the plain hashes of the legacy prefix only.
async fn rewrite_with_plain_sha256_prefix(url: &str) {
    let pool = raw_pool(url).await;
    let first = chain_hash("", 1, NOW, &event("10"));
    let mut altered = event("11");
    altered.reason = "GET /rien".into();
    let second = chain_hash(&first, 2, NOW, &altered);
    sqlx::query("UPDATE audit_log SET reason = 'GET /rien', hash = $1 WHERE seq = 2")
        .bind(&second)
        .execute(&pool)
        .await
        .expect("rewrite");
    pool.close().await;
}

/// Views audited at the same moment are committed in shared transactions (`audit_batch`): every
/// view's list entry is in the chain once, with its subjects, and the chain still verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_list_views_are_all_audited_in_one_intact_chain() {
    let (store, _url) = fresh_store().await.expect("fresh store");
    let views = 48;
    let mut tasks = Vec::new();
    for view in 0..views {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let events: Vec<AuditEvent> = (0..3)
                .map(|i| AuditEvent {
                    reason: format!("GET /personnes?page={view}"),
                    ..event(&(view * 10 + i).to_string())
                })
                .collect();
            store.record_audits(&events, NOW).await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("audited");
    }
    assert_eq!(store.count_audit().await.expect("count"), views);
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::Intact { entries: views }
    );
    let entries = store.list_audit(views, 0).await.expect("entries");
    for view in 0..views {
        let reason = format!("GET /personnes?page={view}");
        let entry = entries
            .iter()
            .find(|e| e.reason == reason)
            .unwrap_or_else(|| panic!("the view of actor {view} is in the chain"));
        let subjects: Vec<String> = (0..3).map(|i| (view * 10 + i).to_string()).collect();
        for subject in &subjects {
            assert!(
                entry.record_id.split(' ').any(|id| id == subject),
                "entry {:?} names person {subject}",
                entry.record_id
            );
        }
    }
}
