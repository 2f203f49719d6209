//! `aiguillage purge` as the operator runs it (real processes): the dry run prints every rule with
//! its count and records nothing; the purge records its run; an unreadable date is refused in French
//! and nothing runs.

use crate::cli::{aiguillage, stdout_of};
use aiguillage_domain::retention::PurgeRule;
use aiguillage_store::testing::fresh_store;

#[tokio::test]
async fn the_dry_run_lists_every_rule_and_the_purge_records_its_run() {
    let (store, url) = fresh_store().await.expect("fresh store");
    let dry = stdout_of(aiguillage(&url).args(["purge", "--dry-run", "--now", "2029-12-06"]));
    assert!(
        dry.starts_with("Simulation : rien n'a été effacé ni envoyé."),
        "{dry}"
    );
    for rule in PurgeRule::ALL {
        assert!(
            dry.contains(rule.label()) && dry.contains(rule.code()),
            "{rule:?}: {dry}"
        );
    }
    assert!(
        store.purge_runs(5).await.expect("runs").is_empty(),
        "a dry run records nothing"
    );

    let done = stdout_of(aiguillage(&url).args(["purge", "--now", "2029-12-06"]));
    assert!(done.starts_with("Purge faite."), "{done}");
    let runs = store.purge_runs(5).await.expect("runs");
    assert_eq!(runs.len(), 1);
    // Applied at noon (UTC) of the day given: the same date in every French time zone.
    assert_eq!(runs[0].1, 1_891_252_800);

    let refused = aiguillage(&url)
        .args(["purge", "--now", "06/12/2029"])
        .output()
        .expect("run");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("date « 06/12/2029 » illisible : attendue au format AAAA-MM-JJ"),
        "{message}"
    );
    assert_eq!(store.purge_runs(5).await.expect("runs").len(), 1);
}
