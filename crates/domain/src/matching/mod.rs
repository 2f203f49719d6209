//! The matching solver of the optimal redistribution: an exact minimum-cost flow solver and the
//! assignment of waiting people to offers with capacities built on it.

pub mod assign;
pub mod flow;

pub use assign::{assign, Assignment, AssignmentProblem, PersonOptions};
pub use flow::{min_cost_flow, Arc, Flow, FlowError, Network};
