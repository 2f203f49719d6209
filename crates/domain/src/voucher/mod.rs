//! Digital inclusion vouchers (« chèques numériques », after the APTIC « culture numérique » books
//! the national report describes): a sponsor funds a campaign, books of vouchers are printed and
//! allocated to prescriber structures, a prescriber hands a voucher to a person, a qualified place
//! redeems it once when the service is delivered.
//!
//! This module holds the rules, with no I/O: the numbers ([`number`]: random part and check
//! symbol), a campaign's terms ([`campaign`]), a voucher's life and the refusals of a redemption
//! ([`life`]), the append-only ledger chained by keyed hashes ([`ledger`]) and the sponsor's report
//! masked like every published figure ([`report`]).

pub mod campaign;
pub mod ledger;
pub mod life;
pub mod number;
pub mod report;

pub use campaign::{CampaignError, CampaignForm, CampaignTerms, Payment, TargetAudience};
pub use ledger::{LedgerEntry, LedgerKind};
pub use life::{CancelRefusal, CancellationReason, Refusal, VoucherState};
pub use number::{NumberError, VoucherNumber};
