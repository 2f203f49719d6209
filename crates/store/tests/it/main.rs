//! The store's stories in one binary (links once), each file a module; they run on SQLite, or on the
//! PostgreSQL server named by `AIGUILLAGE_TEST_DATABASE_URL`, through `store::testing::fresh_store`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

mod account_lifecycle_story;
mod audit_chain_story;
mod backup_story;
mod directory_story;
mod fragility_story;
mod hand_fields_story;
mod indicator_changes_story;
mod indicator_snapshot_story;
mod indicators_story;
mod login_throttle;
mod pathway_story;
mod people_story;
mod places_file_story;
mod privacy_story;
mod resource_story;
mod retention_story;
mod rights_story;
mod second_factor_story;
mod stable_codes_story;
mod store_story;
mod support;
mod team_story;
mod voucher_story;
