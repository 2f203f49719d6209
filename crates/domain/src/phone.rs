//! One phone rule for the people helped and the places of the directory: what a professional types
//! is read the same way everywhere — French numbers with or without spaces, dots or dashes
//! (« 02 41 51 00 00 », « 02.41.51.00.00 »), with the country code (« +33 2 41 51 00 00 »,
//! « 0033 2 41 51 00 00 ») — and international numbers starting with `+`. A place keeps the
//! international form the places standard asks for (`+33241510000`); pages show numbers spaced.

/// A phone number read from what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phone {
    /// A French number: its 9 digits after the leading 0 (or after +33).
    French(String),
    /// Another country's number: its digits after `+`, country code included (8 to 15 digits).
    International(String),
}

/// Why a typed number was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Numéro de téléphone « {0} » non reconnu : 10 chiffres commençant par 0 (par exemple 02 41 51 00 00), ou + et l'indicatif du pays.")]
pub struct PhoneError(pub String);

impl Phone {
    /// Reads a typed number; spaces, dots, dashes and parentheses are ignored.
    pub fn read(typed: &str) -> Result<Phone, PhoneError> {
        let compact: String = typed
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}' | '\u{202f}'))
            .collect();
        let refuse = || PhoneError(typed.trim().to_owned());
        let international = compact
            .strip_prefix('+')
            .or_else(|| compact.strip_prefix("00"));
        let digits_only = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        match international {
            Some(rest) if !digits_only(rest) => Err(refuse()),
            Some(rest) => match rest.strip_prefix("33") {
                Some(french) if french.len() == 9 => Ok(Phone::French(french.to_owned())),
                Some(french) if french.len() == 10 && french.starts_with('0') => {
                    Ok(Phone::French(french[1..].to_owned()))
                }
                _ if (8..=15).contains(&rest.len()) => Ok(Phone::International(rest.to_owned())),
                _ => Err(refuse()),
            },
            None if compact.len() == 10 && compact.starts_with('0') && digits_only(&compact) => {
                Ok(Phone::French(compact[1..].to_owned()))
            }
            None => Err(refuse()),
        }
    }

    /// The international form without spaces (`+33241510000`), as the places standard stores it.
    pub fn international(&self) -> String {
        match self {
            Phone::French(digits) => format!("+33{digits}"),
            Phone::International(digits) => format!("+{digits}"),
        }
    }

    /// The form a French reader dials (`0241510000`, or `+44…` abroad).
    pub fn national(&self) -> String {
        match self {
            Phone::French(digits) => format!("0{digits}"),
            Phone::International(digits) => format!("+{digits}"),
        }
    }

    /// The number spaced for reading: `02 41 51 00 00`, or `+262 262 12 34 56` abroad (the country
    /// code, then pairs, an odd count starting with a group of three).
    pub fn spaced(&self) -> String {
        match self {
            Phone::French(digits) => grouped(&format!("0{digits}")),
            Phone::International(digits) => {
                let code = country_code_length(digits);
                format!("+{} {}", &digits[..code], grouped(&digits[code..]))
            }
        }
    }
}

/// The length of the country code at the start of `digits`: 1 for North America, 3 for the French
/// overseas codes and the other 3-digit zones (2, 35–38, 42, 50–59, 67–69, 80–89, 96–99), else 2.
fn country_code_length(digits: &str) -> usize {
    let three = [
        "21", "22", "23", "24", "25", "26", "29", "35", "37", "38", "42", "50", "59", "67", "68",
        "69", "80", "85", "87", "88", "96", "97", "99",
    ];
    if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if three.iter().any(|prefix| digits.starts_with(prefix)) {
        3
    } else {
        2
    }
}

/// Digits by pairs; an odd count starts with a group of three.
fn grouped(digits: &str) -> String {
    let head = if digits.len() % 2 == 1 {
        3.min(digits.len())
    } else {
        0
    };
    let (first, rest) = digits.split_at(head);
    let pairs = rest
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned());
    std::iter::once(first.to_owned())
        .filter(|group| !group.is_empty())
        .chain(pairs)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A stored number shown spaced; one that does not read is shown as stored.
pub fn spaced(stored: &str) -> String {
    Phone::read(stored).map_or_else(|_| stored.to_owned(), |phone| phone.spaced())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_french_way_of_typing_a_number_reads_the_same() {
        for typed in [
            "02 41 51 00 00",
            "02.41.51.00.00",
            "0241510000",
            "02-41-51-00-00",
            "+33 2 41 51 00 00",
            "+33241510000",
            "0033 2 41 51 00 00",
            "+33 (0)2 41 51 00 00",
        ] {
            let phone = Phone::read(typed);
            assert_eq!(phone, Ok(Phone::French("241510000".into())), "{typed}");
        }
        let phone = Phone::French("241510000".into());
        assert_eq!(phone.international(), "+33241510000");
        assert_eq!(phone.national(), "0241510000");
        assert_eq!(phone.spaced(), "02 41 51 00 00");
    }

    #[test]
    fn numbers_abroad_keep_their_country_code() {
        let reunion = Phone::read("+262 262 12 34 56");
        assert_eq!(reunion, Ok(Phone::International("262262123456".into())));
        let reunion = reunion.unwrap_or(Phone::French(String::new()));
        assert_eq!(reunion.international(), "+262262123456");
        assert_eq!(reunion.spaced(), "+262 262 12 34 56");
        let london = Phone::read("+44 20 7946 0000").unwrap_or(Phone::French(String::new()));
        assert_eq!(london.spaced(), "+44 20 79 46 00 00");
    }

    #[test]
    fn what_is_not_a_number_is_refused_with_what_was_typed() {
        for typed in [
            "02 41 51 00",
            "2 41 51 00 00",
            "02 41 51 00 0a",
            "+33",
            "+1234",
            "lundi",
        ] {
            let refused = Phone::read(typed);
            assert_eq!(refused, Err(PhoneError(typed.to_owned())), "{typed}");
        }
        assert!(PhoneError("x".into())
            .to_string()
            .contains("02 41 51 00 00"));
        assert_eq!(spaced("non renseigné"), "non renseigné");
        assert_eq!(spaced("0612345678"), "06 12 34 56 78");
    }
}
