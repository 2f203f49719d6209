//! The `labelled_enum!` macro: enumerations whose variants carry their exact French label, used by
//! the directory vocabulary, the diagnostic questionnaire, the referral state machine and the
//! pathway; and [`Coded`], the stable code by which the store keeps the persisted ones.
//!
//! A label is what people read (pages, forms, the places standard, the CRA export) and may be
//! reworded; a code is what the database holds (ASCII snake_case, never reworded), so a label can
//! change without touching stored data. A persisted enumeration declares both per variant:
//!
//! ```text
//! labelled_enum! {
//!     ReferralState {
//!         Sent = "sent" => "Envoyée",
//!     }
//! }
//! ```
//!
//! Its serde form is the code, and it also reads the label (`alias`): the JSON documents the store
//! keeps (a diagnostic's answers and profile) are written with codes, and those written before the
//! codes existed — or sent by a partner tool through the API, which documents labels — still read.
//! The API shows a profile with its labels through an explicit mapping
//! (`diagnostic::PublicProfile`).

/// An enumeration the store persists by a stable code: ASCII snake_case, one per value, never
/// changed once written (the label, [`Coded::label`], may change).
pub trait Coded: Copy + Eq + std::fmt::Debug + 'static {
    /// Every value, in declaration order.
    fn all() -> &'static [Self];
    /// The stable code stored in the database.
    fn code(self) -> &'static str;
    /// The French label shown to people.
    fn label(self) -> &'static str;
    /// The value with this code.
    fn from_code(code: &str) -> Option<Self> {
        Self::all()
            .iter()
            .copied()
            .find(|value| value.code() == code)
    }
}

/// Declares an enumeration whose variants carry exact labels, with `label`, `from_label` and `ALL`;
/// with a stable code per variant (`Variant = "code" => "Label"`), also `code`, `from_code` and
/// [`Coded`], and serde reads and writes the code (and still reads the label).
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $code:literal => $label:literal,)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code, alias = $label)] $variant,)+
        }

        labelled_enum!(@labels $name { $($variant => $label,)+ });

        impl $name {
            /// The stable code the store keeps (ASCII snake_case, never reworded).
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value with this stable code.
            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::labelled::Coded for $name {
            fn all() -> &'static [$name] {
                $name::ALL
            }

            fn code(self) -> &'static str {
                $name::code(self)
            }

            fn label(self) -> &'static str {
                $name::label(self)
            }

            fn from_code(code: &str) -> Option<$name> {
                $name::from_code(code)
            }
        }
    };
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $label:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $label)] $variant,)+
        }

        labelled_enum!(@labels $name { $($variant => $label,)+ });
    };
    (@labels $name:ident { $($variant:ident => $label:literal,)+ }) => {
        impl $name {
            /// Every value, in the standard's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The exact label of the standard.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// The value with this exact label.
            pub fn from_label(label: &str) -> Option<$name> {
                match label {
                    $($label => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Coded;
    use crate::contact_request::ContactRequestClosing;
    use crate::diagnostic::*;
    use crate::directory::{HelpKind, HelpStyle, InterventionLevel, OfferStatus, SupportModel};
    use crate::orientation::{ClosingOutcome, ReferralEventKind, ReferralState, RefusalReason};
    use crate::pathway;
    use crate::role::Role;
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use std::collections::BTreeSet;

    /// ASCII snake_case: lower-case letters and digits in words joined by single underscores.
    fn is_snake_case(code: &str) -> bool {
        !code.is_empty()
            && code.split('_').all(|word| {
                !word.is_empty()
                    && word
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    }

    /// Every value reads back from its code; codes and labels are each distinct; codes are ASCII
    /// snake_case; nothing reads back from an unknown code.
    fn codes_are_stable<T: Coded>() -> usize {
        let name = std::any::type_name::<T>();
        let mut codes = BTreeSet::new();
        let mut labels = BTreeSet::new();
        for value in T::all() {
            let code = value.code();
            assert_eq!(T::from_code(code), Some(*value), "{name}: {code}");
            assert!(is_snake_case(code), "{name}: « {code} » is not snake_case");
            assert!(codes.insert(code), "{name}: code {code} twice");
            assert!(labels.insert(value.label()), "{name}: label twice");
        }
        assert_eq!(T::from_code("inconnu"), None, "{name}");
        assert_eq!(T::from_code(""), None, "{name}");
        T::all().len()
    }

    /// The serde form is the code, and the label still reads (JSON written before the codes, or
    /// sent by a partner tool).
    fn serde_is_the_code<T: Coded + Serialize + DeserializeOwned>() {
        for value in T::all() {
            let json = serde_json::to_string(value).expect("serialise");
            assert_eq!(json, format!("\"{}\"", value.code()));
            let from_label: T = serde_json::from_value(serde_json::Value::from(value.label()))
                .expect("the label reads");
            assert_eq!(from_label, *value);
        }
    }

    macro_rules! check_all {
        (coded: $($coded:ty),+; other: $($other:ty),+;) => {{
            let mut count = 0;
            $(count += codes_are_stable::<$coded>(); serde_is_the_code::<$coded>();)+
            $(count += codes_are_stable::<$other>();)+
            count
        }};
    }

    #[test]
    fn every_persisted_enumeration_has_stable_distinct_snake_case_codes() {
        let values = check_all! {
            coded: ReferralState, ReferralEventKind, RefusalReason, ClosingOutcome, AutonomyLevel,
                Typology, RecommendedHelp, SkillDomain, SkillAnswer, DetailedTask, Equipment,
                LiteracyLevel, Language, TravelRange, TravelMode, Availability, Willingness, Lever,
                ProcedureOrganisation, ProcedureKind, SupportModel, ContactRequestClosing,
                InterventionLevel, HelpStyle, HelpKind, OfferStatus,
                pathway::RightKind, pathway::MoneyBracket;
            other: Role, pathway::SessionKind, pathway::SessionPlace, pathway::Equipment,
                pathway::Theme, pathway::ObservedAutonomy, pathway::WorkshopLevel,
                pathway::RedirectStructure;
        };
        assert!(values > 150, "{values} values checked");
        assert!(is_snake_case("first_contact") && is_snake_case("50_150"));
        assert!(!is_snake_case("Envoyée") && !is_snake_case("a__b") && !is_snake_case("_a"));
        assert!(!is_snake_case("Sent") && !is_snake_case("a-b") && !is_snake_case(""));
    }
}
