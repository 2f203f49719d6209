//! The password rules of the security baseline (DATA-PROTECTION.md): at least 12 characters, no
//! composition rules, and common or easily guessed passwords refused.

/// Shortest password accepted, in characters.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted, in characters (argon2 hashes anything, this only bounds the work).
pub const MAX_LENGTH: usize = 128;
/// Lowest zxcvbn score accepted (0 to 4): 3 means "safely unguessable" for online attacks.
const MIN_SCORE: u8 = 3;

/// French words often found in leaked passwords, which zxcvbn's English dictionaries do not know.
const FRENCH_COMMON_WORDS: &[&str] = &[
    "motdepasse",
    "azerty",
    "azertyuiop",
    "bonjour",
    "soleil",
    "doudou",
    "loulou",
    "chouchou",
    "marseille",
    "france",
    "jetaime",
    "coucou",
    "nicolas",
    "camille",
    "aiguillage",
    "mediation",
    "numerique",
];

/// Why a password is refused; the message is what the person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Le mot de passe doit compter au moins {MIN_LENGTH} caractères.")]
    TooShort,
    #[error("Le mot de passe ne doit pas dépasser {MAX_LENGTH} caractères.")]
    TooLong,
    #[error("Ce mot de passe est trop courant ou trop facile à deviner : choisissez par exemple une phrase de plusieurs mots sans rapport entre eux.")]
    TooGuessable,
}

/// Checks a new password against the rules; `personal_words` (e-mail, names) count as guessable.
pub fn check_new_password(password: &str, personal_words: &[&str]) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordError::TooLong);
    }
    let mut dictionary: Vec<&str> = FRENCH_COMMON_WORDS.to_vec();
    dictionary.extend_from_slice(personal_words);
    let score = u8::from(zxcvbn::zxcvbn(password, &dictionary).score());
    if score < MIN_SCORE {
        return Err(PasswordError::TooGuessable);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_under_twelve_characters_is_refused() {
        assert_eq!(
            check_new_password("Kx9!pQ2#", &[]),
            Err(PasswordError::TooShort)
        );
    }

    #[test]
    fn common_passwords_are_refused_even_when_long_enough() {
        for common in [
            "password1234",
            "azertyuiop123",
            "motdepasse2024",
            "123456789012",
        ] {
            assert_eq!(
                check_new_password(common, &[]),
                Err(PasswordError::TooGuessable),
                "{common}"
            );
        }
    }

    #[test]
    fn a_password_built_on_the_persons_own_name_is_refused() {
        assert_eq!(
            check_new_password("durandmartine", &["martine", "durand"]),
            Err(PasswordError::TooGuessable)
        );
    }

    #[test]
    fn a_passphrase_without_symbols_is_accepted() {
        assert_eq!(
            check_new_password("girafe tambour orageux piscine", &[]),
            Ok(())
        );
    }
}
