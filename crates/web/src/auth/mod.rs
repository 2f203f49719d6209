//! Authentication: password hashing, server-side sessions, CSRF protection and the per-route guard
//! that applies the policy.

pub mod credentials;
pub mod csrf;
pub mod guard;
pub mod session;

pub use session::{CurrentUser, Viewer};
