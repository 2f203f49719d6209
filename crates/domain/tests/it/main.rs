//! The domain's integration tests in one binary: the diagnostic rules against the published referentials, and the matching solvers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

mod diagnostic_rules;
mod matching_solver;
mod opening_hours;
mod resource_rules;
