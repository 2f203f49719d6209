//! Typed record ids: a person, a referral, an offer, a structure and an account are each numbered by
//! the store, and a function taking two of them cannot be handed them in the wrong order.
//!
//! An id is only a number given by the store; holding one grants nothing: every use case still checks
//! the actor's scope on the record it names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Declares a record id: a copyable wrapper of the store's `i64` key, read from and shown as that number.
macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id of the record the store numbered `key`.
            pub const fn new(key: i64) -> Self {
                Self(key)
            }

            /// The store's key, for a query or a link.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(formatter)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.trim().parse().map(Self)
            }
        }
    };
}

record_id!(
    /// A person enrolled by a structure (`people.id`).
    PersonId
);
record_id!(
    /// A referral from a sending structure to an offer (`referrals.id`).
    ReferralId
);
record_id!(
    /// An offer of a place of the directory (`offers.id`).
    OfferId
);
record_id!(
    /// A structure of the directory (`structures.id`).
    StructureId
);
record_id!(
    /// A professional's account (`accounts.id`).
    AccountId
);

record_id!(
    /// A teaching session of the resource bank (`resource_sessions.id`).
    ResourceSessionId
);
record_id!(
    /// A cycle of sessions a mediator composed (`resource_cycles.id`).
    CycleId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_shows_as_its_number() {
        let id: ReferralId = " 42 ".parse().unwrap_or(ReferralId::new(0));
        assert_eq!(id, ReferralId::new(42));
        assert_eq!(id.to_string(), "42");
        assert_eq!(id.get(), 42);
        assert!("4x".parse::<OfferId>().is_err());
    }

    #[test]
    fn an_id_serializes_as_a_bare_number() {
        let json = serde_json::to_string(&PersonId::new(7)).unwrap_or_default();
        assert_eq!(json, "7");
        let back: StructureId = serde_json::from_str("9").unwrap_or(StructureId::new(0));
        assert_eq!(back, StructureId::new(9));
    }
}
