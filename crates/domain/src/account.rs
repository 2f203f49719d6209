//! Professional accounts: the values an account is made of, each of which can only exist once checked.

use crate::role::Role;
use crate::territory::TerritoryScope;
use serde::{Deserialize, Serialize};

/// A lower-cased, trimmed e-mail address of plausible shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

/// Why an account value is refused; the message is what the person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("L'adresse électronique « {0} » n'est pas valide (attendu : nom@domaine.fr).")]
    InvalidEmail(String),
    #[error("Le nom affiché est obligatoire.")]
    EmptyName,
    #[error(
        "Le nom affiché ne doit pas dépasser 100 caractères ni contenir de caractères de contrôle."
    )]
    InvalidName,
}

impl Email {
    pub fn parse(text: &str) -> Result<Email, AccountError> {
        let email = text.trim().to_lowercase();
        let invalid = || AccountError::InvalidEmail(text.trim().to_owned());
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let well_formed = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if well_formed {
            Ok(Email(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown for a professional (first and last name, or a function).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(text: &str) -> Result<DisplayName, AccountError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(AccountError::EmptyName);
        }
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(AccountError::InvalidName);
        }
        Ok(DisplayName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A checked request to create an account (the password is checked and hashed apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    pub structure_id: i64,
    pub territory: TerritoryScope,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Claire.Martin@Angers.FR ").unwrap().as_str(),
            "claire.martin@angers.fr"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for text in [
            "claire",
            "claire@",
            "@angers.fr",
            "claire@angers",
            "a b@c.fr",
        ] {
            assert!(Email::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_blank_display_name_is_refused() {
        assert_eq!(DisplayName::parse("   "), Err(AccountError::EmptyName));
    }
}

labelled_enum! {
    /// How a professional receives notifications by e-mail (the app always shows them).
    MailDigest {
        Immediate = "immediate" => "Un courriel à chaque notification",
        Daily = "daily" => "Un récapitulatif par jour",
        Never = "none" => "Aucun courriel : seulement dans l'application",
    }
}
