//! The file formats' tests in one binary: the national places standard and data·inclusion, read from real fixtures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

mod data_inclusion;
mod places_standard;
