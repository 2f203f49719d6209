//! The professional roles of the platform (PRODUCT.md, "Who uses it") and their French names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a professional account may do; each account has exactly one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Prescripteur: enrols, diagnoses and orients people (social worker, France Services agent…).
    Prescriber,
    /// Médiateur numérique: handles the referrals sent to their structure.
    Mediator,
    /// Responsable de structure: edits the structure's offers, capacities, hours and team.
    StructureManager,
    /// Coordinateur territorial: steers the territory's queue, indicators and directory.
    Coordinator,
    /// Administrateur: runs the instance (accounts, territories, settings, imports).
    Administrator,
    /// Financeur: an organisation (département, CAF, company, foundation) that funds voucher
    /// campaigns and reads how its vouchers were used; sees no person.
    Sponsor,
}

impl Role {
    /// Every role, in the order the interface lists them.
    pub const ALL: [Role; 6] = [
        Role::Prescriber,
        Role::Mediator,
        Role::StructureManager,
        Role::Coordinator,
        Role::Administrator,
        Role::Sponsor,
    ];

    /// The stable code stored in the database and used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Role::Prescriber => "prescriber",
            Role::Mediator => "mediator",
            Role::StructureManager => "structure_manager",
            Role::Coordinator => "coordinator",
            Role::Administrator => "administrator",
            Role::Sponsor => "sponsor",
        }
    }

    /// The French name shown in the interface.
    pub fn label(self) -> &'static str {
        match self {
            Role::Prescriber => "Prescripteur",
            Role::Mediator => "Médiateur numérique",
            Role::StructureManager => "Responsable de structure",
            Role::Coordinator => "Coordinateur territorial",
            Role::Administrator => "Administrateur",
            Role::Sponsor => "Financeur",
        }
    }
}

impl crate::labelled::Coded for Role {
    fn all() -> &'static [Role] {
        &Role::ALL
    }

    fn code(self) -> &'static str {
        Role::code(self)
    }

    fn label(self) -> &'static str {
        Role::label(self)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A role code that names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rôle inconnu « {0} » : attendu prescriber, mediator, structure_manager, coordinator, administrator ou sponsor")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.code() == code)
            .ok_or_else(|| UnknownRole(code.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_code_parses_back_to_its_role() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn an_unknown_code_is_refused_with_a_french_message() {
        let error = "chef".parse::<Role>().unwrap_err();
        assert!(error.to_string().contains("rôle inconnu « chef »"));
    }
}
