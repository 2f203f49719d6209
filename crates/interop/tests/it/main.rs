//! The file formats' tests in one binary: the national places standard and data·inclusion, read from real fixtures.

mod data_inclusion;
mod places_standard;
