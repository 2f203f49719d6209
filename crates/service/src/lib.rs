//! The use cases of aiguillage: what the web pages and the command line both ask for, with no HTTP and
//! no SQL. A use case takes the instance's [`AppState`] (store, settings, clock, caches), the actor and
//! typed input, decides with the domain, asks the store (which checks record scopes inside its
//! transactions) and returns a typed result that the web renders as a page and the command line prints.
//!
//! `web` and `app` call these functions; neither reaches into the other. Pure rules belong to
//! `aiguillage_domain`; SQL belongs to `aiguillage_store`.

pub mod account_lifecycle;
pub mod accounts;
pub mod api_clients;
pub mod credentials;
pub mod directory_edit;
pub mod directory_search;
pub mod instance;
pub mod mail;
pub mod notify;
pub mod pathway;
pub mod people;
pub mod proconnect;
pub mod redistribute;
pub mod referrals;
pub mod resources;
pub mod retention;
pub mod second_factor;
pub mod self_service;
pub mod state;
pub mod steering;
pub mod take_home;
pub mod teams;
pub mod territory_diagnostic;
pub mod vouchers;

pub use state::{AppState, Clock, Settings};
