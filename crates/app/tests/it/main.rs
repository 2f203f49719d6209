//! The binary's tests in one binary: the command line (its voucher commands apart), and the tidy
//! checks of the workspace's layout.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

mod backup;
mod cli;
mod purge;
mod tidy;
mod vouchers;
