//! The matching solver of the optimal redistribution: an exact minimum-cost flow solver and the
//! assignment of waiting people to offers with capacities built on it.

pub mod assign;
pub mod flow;
pub mod transport;

pub use assign::{assign, assign_with_general_flow, Assignment, AssignmentProblem, PersonOptions};
pub use flow::{min_cost_flow, Arc, Flow, FlowError, Network};
pub use transport::{as_assignment, solve_from_people, solve_from_places};
