//! The login throttle's counters and the login form's nonces, on whichever backend
//! `AIGUILLAGE_TEST_DATABASE_URL` names (SQLite otherwise).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::throttle::{ThrottleDecision, WINDOW_SECONDS};
use aiguillage_store::testing::fresh_store;

const NOW: i64 = 1_795_000_000;
const KEY: &str = "email:test";

#[tokio::test]
async fn attempts_are_reserved_up_to_the_limit_then_refused_until_the_window_ends() {
    let (store, _) = fresh_store().await.expect("fresh store");
    for second in 0..5 {
        let decision = store.reserve_login_attempt(KEY, 5, NOW + second).await;
        assert_eq!(decision.expect("reserve"), ThrottleDecision::Allow);
    }
    assert_eq!(
        store
            .reserve_login_attempt(KEY, 5, NOW + 60)
            .await
            .expect("reserve"),
        ThrottleDecision::Refuse {
            retry_after_seconds: WINDOW_SECONDS - 60
        }
    );
    assert_eq!(
        store
            .recent_login_failures(KEY, NOW + 60)
            .await
            .expect("count")
            .count,
        5,
        "a refused attempt is not counted"
    );
    store
        .release_login_attempt(KEY, NOW + 61)
        .await
        .expect("release");
    assert_eq!(
        store
            .reserve_login_attempt(KEY, 5, NOW + 62)
            .await
            .expect("reserve"),
        ThrottleDecision::Allow,
        "a released attempt frees its place"
    );
    let next_window = NOW + WINDOW_SECONDS;
    assert_eq!(
        store
            .reserve_login_attempt(KEY, 5, next_window)
            .await
            .expect("reserve"),
        ThrottleDecision::Allow
    );
    let fresh = store
        .recent_login_failures(KEY, next_window)
        .await
        .expect("count");
    assert_eq!((fresh.count, fresh.oldest_at), (1, Some(next_window)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_thirty_simultaneous_reservations_exactly_the_limit_succeed() {
    let (store, _) = fresh_store().await.expect("fresh store");
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(30));
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.reserve_login_attempt(KEY, 5, NOW).await
            })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        if task.await.expect("task").expect("reserve") == ThrottleDecision::Allow {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
}

#[tokio::test]
async fn a_login_nonce_is_good_once_and_only_if_issued_and_unexpired() {
    let (store, _) = fresh_store().await.expect("fresh store");
    assert!(!store
        .login_nonce_is_live("never-issued", NOW)
        .await
        .expect("read"));
    assert!(!store
        .consume_login_nonce("never-issued", NOW)
        .await
        .expect("consume"));
    store
        .issue_login_nonce("n1", NOW + 100, NOW)
        .await
        .expect("issue");
    store
        .issue_login_nonce("n2", NOW + 100, NOW)
        .await
        .expect("issue");
    assert!(store
        .login_nonce_is_live("n1", NOW + 1)
        .await
        .expect("read"));
    assert!(store
        .consume_login_nonce("n1", NOW + 1)
        .await
        .expect("consume"));
    assert!(
        !store
            .consume_login_nonce("n1", NOW + 2)
            .await
            .expect("consume"),
        "used once"
    );
    assert!(!store
        .login_nonce_is_live("n1", NOW + 2)
        .await
        .expect("read"));
    assert!(
        !store
            .consume_login_nonce("n2", NOW + 100)
            .await
            .expect("consume"),
        "expired"
    );
}
