//! The web crate's tests in one binary (links once): pages, API, policy and object scope, edge hardening, each file a module.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

mod account_lifecycle;
mod admin_accounts;
mod api_clients;
mod api_contract;
mod appointments;
mod audit_per_access;
mod common;
mod directory_import;
mod directory_pages;
mod downloads;
mod edge;
mod error_summaries;
mod free_text_pages;
mod import_conflicts;
mod instance_settings;
mod login_hardening;
mod mail_digest;
mod object_scope;
mod orientation_pages;
mod pages_and_api;
mod pathway_pages;
mod people_pages;
mod person_file;
mod place_edit;
mod privacy_pages;
mod proconnect_access;
mod public_directory;
mod redistribution_scope;
mod resource_archive;
mod resource_cycle_pages;
mod resource_pages;
mod retention;
mod rights_pages;
mod routes_by_role;
mod second_factor;
mod self_diagnostic_steps;
mod self_service;
mod session_corrections;
mod sign_in;
mod steering_pages;
mod take_home_sheet;
mod teams;
mod territory_index;
mod vouchers;
