//! The directory ("qui fait quoi"): places of digital mediation and what they offer, in the vocabulary
//! of the national open-data standard ("schéma des lieux de médiation numérique", TableSchema v1.0.2),
//! plus what orientation needs and the standard lacks (capacity, delay, level, help style, model, status).

pub mod access;
pub mod opening_hours;
pub mod place;
pub mod search;
pub mod vocabulary;

pub use place::{
    offer_name_of, ItinerantStop, Offer, OfferError, OfferFacts, Place, DEFAULT_OFFER_NAME,
    MAX_OFFER_NAME,
};
pub use vocabulary::*;
