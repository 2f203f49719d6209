//! Steering indicators ("pilotage") computed from pseudonymised records, and the small-cell masking
//! that makes them publishable. Pure functions: records, a cut and the moment of computation in,
//! generic tables out (docs/indicateurs.md defines every figure).
//!
//! - [`records`]: the input records and the checked [`Dataset`], with the compact facts derived
//!   from them (`facts`);
//! - [`changes`]: a dataset with what changed since it was built ([`RecordChanges`]);
//! - [`cut`]: what to look at ([`Cut`]) and the computation's [`Params`];
//! - [`compute`]: one function per indicator, and the standard set as a [`Publication`];
//! - [`attendance`]: appointments kept and missed (the no-show rate);
//! - [`table`]: the [`IndicatorTable`] every indicator returns;
//! - [`publication`]: tables shown together and the sums that tie their counts;
//! - [`suppression`]: primary and secondary masking, and the subtraction attack that checks it.

pub mod activity;
pub mod attendance;
pub mod capacity;
pub mod changes;
pub mod compute;
pub mod cut;
mod facts;
pub mod funnel;
pub mod linear;
pub mod publication;
pub mod reach;
pub mod records;
pub mod results;
pub mod stats;
pub mod suppression;
pub mod table;

#[cfg(test)]
mod suppression_tests;
#[cfg(test)]
mod tests;

pub use activity::{own_activity, ActivityLine};
pub use capacity::{CapacityBy, ACTIVE_STATES};
pub use changes::RecordChanges;
pub use compute::*;
pub use cut::{Area, Cut, InvertedPeriod, Params, Period};
pub use funnel::{Step, COMPLETING_OUTCOMES};
pub use linear::Fraction;
pub use publication::{CellAddress, Link, Publication, SuppressionError};
pub use records::{
    departement_of, AppointmentFact, Dataset, DiagnosticRecord, OfferCapacity, PersonRecord,
    RecordError, ReferralRecord, Refusal, SessionFact, StructureArea,
};
pub use stats::{median, nearest_rank, ninetieth};
pub use suppression::{
    mask, mask_small_cells, subtraction_attack, MaskReport, Recovered, DEFAULT_MIN_CELL,
};
pub use table::{Cell, CellRef, IndicatorTable, Row, Sum};
