//! The domain's integration tests in one binary: the diagnostic rules against the published referentials, and the matching solvers.

mod diagnostic_rules;
mod matching_solver;
