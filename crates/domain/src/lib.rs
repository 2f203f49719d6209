//! Pure domain logic of aiguillage: the types and rules of digital-inclusion coordination.
//!
//! Nothing here does I/O, reads the clock or draws random numbers: the current time (`now`, in Unix
//! seconds) and any secret come in as arguments, so every rule can be tested and benchmarked alone.

#[macro_use]
pub mod labelled;

pub mod account;
pub mod account_lifecycle;
pub mod api_client;
pub mod appointment;
pub mod audit;
pub mod calendar;
pub mod contact_request;
pub mod coverage;
pub mod diagnostic;
pub mod directory;
pub mod fragility;
pub mod free_text;
pub mod geo;
pub mod ids;
pub mod indicators;
pub mod instance;
pub mod itinerant;
pub mod matching;
pub mod orientation;
pub mod password;
pub mod pathway;
pub mod person;
pub mod phone;
pub mod proconnect;
pub mod resource;
pub mod retention;
pub mod rights;
pub mod role;
pub mod second_factor;
pub mod session;
pub mod team;
pub mod territory;
pub mod throttle;
pub mod voucher;

/// A point in time, as seconds since the Unix epoch (UTC). The storage layer keeps times in this form.
pub type UnixSeconds = i64;
