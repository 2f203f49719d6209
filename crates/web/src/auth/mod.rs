//! Authentication: server-side sessions, CSRF protection and the per-route guard that applies the
//! policy (password hashing and tokens are in `aiguillage_service::credentials`).

pub mod csrf;
pub mod guard;
pub mod professional;
pub mod reader;
pub mod session;

pub use professional::Professional;
pub use session::{CurrentUser, PendingSignIn, Viewer};
