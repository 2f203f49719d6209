//! ProConnect, the State's OpenID Connect federation for professionals, as this product reads it:
//! the identity a sign-in brings (checked: an e-mail, a name, a SIRET of 14 digits), what becomes of
//! it (an account signs in; someone unknown waits for a person of their structure to let them in),
//! and who may let them in with which role. Nobody gets a role from the identity provider alone.

use crate::account::{DisplayName, Email};
use crate::role::Role;

/// The scopes asked of ProConnect: the identity, the e-mail and the organisation.
pub const SCOPES: [&str; 6] = [
    "openid",
    "email",
    "given_name",
    "usual_name",
    "siret",
    "uid",
];

/// How long a sign-in started here may take at the provider before its return is refused.
pub const SIGN_IN_LIFETIME_SECONDS: i64 = 10 * 60;

/// The claims of ProConnect's userinfo answer this product uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedIdentity {
    pub subject: String,
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub usual_name: Option<String>,
    pub siret: Option<String>,
}

/// A checked identity: who signed in at ProConnect, for which organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProConnectIdentity {
    pub subject: String,
    pub email: Email,
    pub given_name: String,
    pub usual_name: String,
    pub siret: Siret,
}

/// A SIRET: 14 digits (the organisation's SIREN and its establishment's number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Siret(String);

impl Siret {
    /// 14 digits, spaces ignored; not the fourteen zeros files write for an unknown SIRET.
    pub fn parse(text: &str) -> Option<Siret> {
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let well_formed = digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit());
        (well_formed && digits.bytes().any(|b| b != b'0')).then_some(Siret(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an identity from ProConnect cannot be used; the message is what the person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("ProConnect n'a pas transmis d'adresse électronique valide.")]
    Email,
    #[error("ProConnect n'a pas transmis votre prénom et votre nom.")]
    Name,
    #[error("ProConnect n'a pas transmis le SIRET de votre organisation.")]
    Siret,
    #[error("ProConnect n'a pas transmis d'identifiant.")]
    Subject,
}

impl ClaimedIdentity {
    /// The identity, if every claim this product needs is there and well formed.
    pub fn check(self) -> Result<ProConnectIdentity, IdentityError> {
        let subject = self.subject.trim().to_owned();
        if subject.is_empty() || subject.len() > 255 {
            return Err(IdentityError::Subject);
        }
        let email = self
            .email
            .as_deref()
            .and_then(|email| Email::parse(email).ok())
            .ok_or(IdentityError::Email)?;
        let given_name = name_part(self.given_name.as_deref())?;
        let usual_name = name_part(self.usual_name.as_deref())?;
        DisplayName::parse(&format!("{given_name} {usual_name}"))
            .map_err(|_| IdentityError::Name)?;
        let siret = self
            .siret
            .as_deref()
            .and_then(Siret::parse)
            .ok_or(IdentityError::Siret)?;
        Ok(ProConnectIdentity {
            subject,
            email,
            given_name,
            usual_name,
            siret,
        })
    }
}

fn name_part(text: Option<&str>) -> Result<String, IdentityError> {
    let part = text.map(str::trim).unwrap_or_default();
    if part.is_empty() || part.chars().count() > 60 || part.chars().any(char::is_control) {
        return Err(IdentityError::Name);
    }
    Ok(part.to_owned())
}

impl ProConnectIdentity {
    /// The name shown for the account: « Prénom Nom ».
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.usual_name)
    }
}

/// A decision on an access request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessDecision {
    /// Let in, with this role.
    Approve(Role),
    Refuse,
}

impl AccessDecision {
    /// The code stored with the request.
    pub fn code(self) -> &'static str {
        match self {
            AccessDecision::Approve(_) => "approved",
            AccessDecision::Refuse => "refused",
        }
    }
}

/// The roles a person may give to someone let in through ProConnect: the roles of a structure's
/// team, given by its manager or, for a structure without one, by a coordinator of its territory.
/// Nobody else decides, and no one is ever made coordinator, administrator or sponsor this way.
pub fn grantable_roles(approver: Role) -> &'static [Role] {
    match approver {
        Role::StructureManager | Role::Coordinator => {
            &[Role::Prescriber, Role::Mediator, Role::StructureManager]
        }
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> ClaimedIdentity {
        ClaimedIdentity {
            subject: "a1b2c3".into(),
            email: Some(" Lea.Girard@Angers.fr ".into()),
            given_name: Some("Léa".into()),
            usual_name: Some("Girard".into()),
            siret: Some("219 490 079 00017".into()),
        }
    }

    #[test]
    fn a_complete_identity_is_kept_with_its_email_lower_cased_and_siret_compacted() {
        let identity = claims().check().unwrap();
        assert_eq!(identity.email.as_str(), "lea.girard@angers.fr");
        assert_eq!(identity.siret.as_str(), "21949007900017");
        assert_eq!(identity.display_name(), "Léa Girard");
    }

    #[test]
    fn each_missing_or_malformed_claim_is_named() {
        let no_mail = ClaimedIdentity {
            email: None,
            ..claims()
        };
        assert_eq!(no_mail.check(), Err(IdentityError::Email));
        let bad_siret = ClaimedIdentity {
            siret: Some("2194900790001".into()),
            ..claims()
        };
        assert_eq!(bad_siret.check(), Err(IdentityError::Siret));
        let letters = ClaimedIdentity {
            siret: Some("2194900790001A".into()),
            ..claims()
        };
        assert_eq!(letters.check(), Err(IdentityError::Siret));
        let unknown = ClaimedIdentity {
            siret: Some("00000000000000".into()),
            ..claims()
        };
        assert_eq!(unknown.check(), Err(IdentityError::Siret));
        let no_name = ClaimedIdentity {
            usual_name: Some("  ".into()),
            ..claims()
        };
        assert_eq!(no_name.check(), Err(IdentityError::Name));
        let no_subject = ClaimedIdentity {
            subject: " ".into(),
            ..claims()
        };
        assert_eq!(no_subject.check(), Err(IdentityError::Subject));
    }

    #[test]
    fn only_a_manager_or_a_coordinator_lets_in_and_never_above_a_structure_manager() {
        for role in Role::ALL {
            let roles = grantable_roles(role);
            assert!(!roles.contains(&Role::Coordinator));
            assert!(!roles.contains(&Role::Administrator));
            assert!(!roles.contains(&Role::Sponsor));
            let decides = matches!(role, Role::StructureManager | Role::Coordinator);
            assert_eq!(!roles.is_empty(), decides, "{role:?}");
        }
    }
}
