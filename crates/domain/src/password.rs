//! The password rules of the security baseline (DATA-PROTECTION.md): at least 12 characters, no
//! composition rules, and common or easily guessed passwords refused — among them the passwords
//! built on the account's own names or e-mail, even glued together, reversed, accented differently
//! or cut by separators.

use crate::territory::search_key;

/// Shortest password accepted, in characters.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted, in characters (argon2 hashes anything, this only bounds the work).
pub const MAX_LENGTH: usize = 128;
/// How long a password-reset link sent by e-mail stays good, in seconds (and it works once).
pub const RESET_LINK_LIFETIME_SECONDS: i64 = 30 * 60;
/// Lowest zxcvbn score accepted (0 to 4): 3 means "safely unguessable" for online attacks.
const MIN_SCORE: u8 = 3;

/// Personal words shorter than this (in letters, once normalised) are not looked for.
const MIN_PERSONAL_WORD: usize = 3;

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
    #[error("Le mot de passe ne doit pas reposer sur votre nom, votre prénom ou votre adresse électronique (même accolés ou à l'envers) : ajoutez plusieurs mots sans rapport avec vous.")]
    PersonalWords,
}

/// The words of an account a password must not rest on: the e-mail's local part whole and cut, the
/// domain's labels, and each part of the display name (the rules leave out the very short ones
/// themselves, and glue the others in pairs).
pub fn account_words<'a>(email: &'a str, display_name: &'a str) -> Vec<&'a str> {
    let local_part = email.split('@').next().unwrap_or_default();
    std::iter::once(local_part)
        .chain(email.split(['@', '.']))
        .chain(display_name.split_whitespace())
        .collect()
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
    if !is_strong(password, &dictionary) {
        return Err(PasswordError::TooGuessable);
    }
    let rest = without_personal_words(password, personal_words);
    if rest.chars().count() < MIN_LENGTH || !is_strong(&rest, &dictionary) {
        return Err(PasswordError::PersonalWords);
    }
    Ok(())
}

fn is_strong(password: &str, dictionary: &[&str]) -> bool {
    u8::from(zxcvbn::zxcvbn(password, dictionary).score()) >= MIN_SCORE
}

/// Lower case, without accents, keeping only letters and digits: `Jean-Dupont` → `jeandupont`.
fn normalised(text: &str) -> String {
    search_key(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The forms a password may take from the personal words: each word (also each part of a word cut
/// by separators, as in `jean.dupont`), every two glued in either order, and each of these reversed;
/// the forms shorter than three letters are left out. Longest first.
fn personal_forms(personal_words: &[&str]) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for word in personal_words {
        parts.push(normalised(word));
        parts.extend(search_key(word).split_whitespace().map(normalised));
    }
    parts.retain(|part| !part.is_empty());
    parts.sort();
    parts.dedup();
    let mut forms = parts.clone();
    for first in &parts {
        for second in &parts {
            if first != second {
                forms.push(format!("{first}{second}"));
            }
        }
    }
    let reversed: Vec<String> = forms.iter().map(|f| f.chars().rev().collect()).collect();
    forms.extend(reversed);
    forms.retain(|form| form.chars().count() >= MIN_PERSONAL_WORD);
    forms.sort_by_key(|form| std::cmp::Reverse(form.chars().count()));
    forms.dedup();
    forms
}

/// What is left of the normalised password once every personal form is taken out of it.
fn without_personal_words(password: &str, personal_words: &[&str]) -> String {
    personal_forms(personal_words)
        .iter()
        .fold(normalised(password), |rest, form| {
            rest.replace(form.as_str(), "")
        })
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

    const JEAN: &[&str] = &["jean.dupont", "Jean", "Dupont"];

    #[test]
    fn a_password_made_of_the_names_glued_in_either_order_is_refused() {
        for password in [
            "jeandupont2026",
            "dupontjean1234",
            "JeanDupont!2026",
            "jean-dupont-2026",
            "Dupont.Jean.1990",
        ] {
            assert!(check_new_password(password, JEAN).is_err(), "{password}");
        }
    }

    #[test]
    fn a_password_made_of_the_names_reversed_is_refused() {
        for password in ["tnopudnaej2026", "naejtnopud!!77", "tnopud-naej-1990"] {
            assert!(check_new_password(password, JEAN).is_err(), "{password}");
        }
    }

    #[test]
    fn names_are_found_whatever_the_accents_case_and_separators() {
        let words = &["helene.lefevre", "Hélène", "Lefèvre"];
        assert_eq!(
            check_new_password("H-É-L-È-N-E lefevre 2026!", words),
            Err(PasswordError::PersonalWords)
        );
        assert!(check_new_password("LEFÈVREhélène#2026", words).is_err());
    }

    #[test]
    fn a_strong_password_around_a_name_is_refused_with_the_personal_message() {
        assert_eq!(
            check_new_password("dupont-Kq7#vX", JEAN),
            Err(PasswordError::PersonalWords)
        );
        assert!(PasswordError::PersonalWords
            .to_string()
            .contains("votre nom, votre prénom ou votre adresse électronique"));
    }

    #[test]
    fn a_long_passphrase_that_only_mentions_a_name_is_accepted() {
        assert_eq!(
            check_new_password("jean girafe tambour orageux piscine", JEAN),
            Ok(())
        );
    }

    #[test]
    fn very_short_personal_words_are_not_looked_for() {
        let words = &["li", "Li", "Wu"];
        assert_eq!(
            check_new_password("girafe tambour orageux li", words),
            Ok(())
        );
        assert!(check_new_password("liwu-2026-kq", words).is_err());
    }

    #[test]
    fn a_passphrase_without_symbols_is_accepted() {
        assert_eq!(
            check_new_password("girafe tambour orageux piscine", &[]),
            Ok(())
        );
    }
}
