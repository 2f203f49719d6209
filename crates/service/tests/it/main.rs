//! The use cases' stories in one binary: each runs the service over a real store (SQLite, or the
//! PostgreSQL server named by `AIGUILLAGE_TEST_DATABASE_URL`), as the web and the command line do.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

mod directory_scope;
mod people_scope;
mod referral_scope;
