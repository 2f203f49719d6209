//! File formats aiguillage reads and writes. Each module turns one outside format into domain types
//! (or back), reporting bad rows precisely; none of them touches the database.

pub mod coop_api;
pub mod cra;
pub mod csv_cell;
pub mod data_inclusion;
pub mod dimacs;
pub mod directory_file;
pub mod fragility;
pub mod france_services;
pub mod indicators_export;
pub mod places_standard;
pub mod published_index;
pub mod resource_archive;
pub mod spreadsheet;
pub mod structure_types;
pub mod territory;
pub mod travel_times;
pub mod voucher_print;
