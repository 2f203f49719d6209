//! The one check every free-text field goes through before it is stored: a length limit per field,
//! and no number the platform must never hold — a social security number (NIR) or another long
//! national identifier, an IBAN, a payment card number — whatever the spaces, dots, dashes or
//! slashes typed between the digits. The refusal names the field, in French.

use std::fmt;

/// Every free-text field the product stores, with its French name and its length limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreeTextField {
    /// The diagnostic's notes (questionnaire, API).
    DiagnosticNotes,
    /// Why the professional adjusts the computed profile.
    OverrideReason,
    /// The message a prescriber sends with a referral.
    ReferralMessage,
    /// The comment given with an answer to a referral (accept, refuse…).
    ReferralComment,
    /// The notes of one pathway session.
    SessionNotes,
    /// The title of a collective workshop.
    WorkshopTitle,
    /// The name of the structure a person was sent to at closing.
    RedirectName,
    /// The comment given when closing a referral.
    ClosingComment,
    /// A message of a referral's thread between the two professionals.
    ThreadMessage,
}

impl FreeTextField {
    /// Every field, for tests and documentation.
    pub const ALL: [FreeTextField; 9] = [
        FreeTextField::DiagnosticNotes,
        FreeTextField::OverrideReason,
        FreeTextField::ReferralMessage,
        FreeTextField::ReferralComment,
        FreeTextField::SessionNotes,
        FreeTextField::WorkshopTitle,
        FreeTextField::RedirectName,
        FreeTextField::ClosingComment,
        FreeTextField::ThreadMessage,
    ];

    /// The field's name as the form shows it.
    pub fn label(self) -> &'static str {
        match self {
            FreeTextField::DiagnosticNotes => "Notes",
            FreeTextField::OverrideReason => "Pourquoi ?",
            FreeTextField::ReferralMessage => "Message pour la structure",
            FreeTextField::ReferralComment => "Commentaire",
            FreeTextField::SessionNotes => "Notes de la séance",
            FreeTextField::WorkshopTitle => "Titre de l'atelier",
            FreeTextField::RedirectName => "Nom de la structure",
            FreeTextField::ClosingComment => "Commentaire de clôture",
            FreeTextField::ThreadMessage => "Votre message",
        }
    }

    /// The longest text accepted, in characters.
    pub fn max_chars(self) -> usize {
        match self {
            FreeTextField::ReferralMessage | FreeTextField::ThreadMessage => 1000,
            FreeTextField::WorkshopTitle => 120,
            FreeTextField::RedirectName => 150,
            FreeTextField::DiagnosticNotes
            | FreeTextField::OverrideReason
            | FreeTextField::ReferralComment
            | FreeTextField::SessionNotes
            | FreeTextField::ClosingComment => 500,
        }
    }
}

impl fmt::Display for FreeTextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "« {} »", self.label())
    }
}

/// Why a free text was refused; the message names the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FreeTextError {
    #[error("Le champ {field} doit faire au plus {max} caractères ({length} saisis).", max = field.max_chars())]
    TooLong { field: FreeTextField, length: usize },
    #[error("Le champ {field} semble contenir un numéro de sécurité sociale ou un autre numéro d'identification (13 chiffres ou plus, même séparés par des espaces, points, tirets ou barres) : il ne doit jamais être noté.")]
    NationalIdentifier { field: FreeTextField },
    #[error("Le champ {field} semble contenir des coordonnées bancaires (IBAN) : elles ne doivent jamais être notées.")]
    BankAccount { field: FreeTextField },
    #[error("Le champ {field} semble contenir un numéro de carte bancaire : il ne doit jamais être noté.")]
    PaymentCard { field: FreeTextField },
}

impl FreeTextError {
    /// The field refused.
    pub fn field(self) -> FreeTextField {
        match self {
            FreeTextError::TooLong { field, .. }
            | FreeTextError::NationalIdentifier { field }
            | FreeTextError::BankAccount { field }
            | FreeTextError::PaymentCard { field } => field,
        }
    }
}

/// Checks one free text: trimmed, within the field's limit, with no forbidden number. Returns `None`
/// for an empty text, the trimmed text otherwise.
pub fn check_free_text(field: FreeTextField, text: &str) -> Result<Option<String>, FreeTextError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let length = text.chars().count();
    if length > field.max_chars() {
        return Err(FreeTextError::TooLong { field, length });
    }
    match forbidden_number(text) {
        Some(kind) => Err(kind.error(field)),
        None => Ok(Some(text.to_owned())),
    }
}

/// The kinds of number a free text must never hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForbiddenNumber {
    NationalIdentifier,
    BankAccount,
    PaymentCard,
}

impl ForbiddenNumber {
    fn error(self, field: FreeTextField) -> FreeTextError {
        match self {
            ForbiddenNumber::NationalIdentifier => FreeTextError::NationalIdentifier { field },
            ForbiddenNumber::BankAccount => FreeTextError::BankAccount { field },
            ForbiddenNumber::PaymentCard => FreeTextError::PaymentCard { field },
        }
    }
}

/// The first forbidden number found in a text, if any.
pub fn forbidden_number(text: &str) -> Option<ForbiddenNumber> {
    if contains_iban(text) {
        return Some(ForbiddenNumber::BankAccount);
    }
    digit_groups(text)
        .into_iter()
        .find_map(|digits| classify(&digits))
}

/// Fewest digits in a national identifier (a NIR without its key has 13).
const MIN_IDENTIFIER_DIGITS: usize = 13;

/// What a group of digits typed together is: a NIR (13 digits, or 15 with a valid key), a payment
/// card (13 to 19 digits passing the Luhn check), or, for any other run of 13 digits or more, still
/// a national identifier (refused by caution, as before).
fn classify(digits: &[u8]) -> Option<ForbiddenNumber> {
    if digits.len() < MIN_IDENTIFIER_DIGITS {
        return None;
    }
    if looks_like_nir(digits) {
        return Some(ForbiddenNumber::NationalIdentifier);
    }
    if (13..=19).contains(&digits.len()) && luhn_valid(digits) {
        return Some(ForbiddenNumber::PaymentCard);
    }
    Some(ForbiddenNumber::NationalIdentifier)
}

/// A NIR: sex digit (1, 2, or 3, 4, 7, 8 for temporary numbers), then 12 digits; with 15 digits, the
/// key must be 97 − (the first 13 mod 97), unless the number is rather a (15-digit) card.
fn looks_like_nir(digits: &[u8]) -> bool {
    let sex_ok = matches!(digits.first(), Some(1 | 2 | 3 | 4 | 7 | 8));
    match digits.len() {
        13 => sex_ok,
        15 => {
            let body = digits[..13]
                .iter()
                .fold(0u64, |acc, d| (acc * 10 + u64::from(*d)) % 97);
            let key = u64::from(digits[13]) * 10 + u64::from(digits[14]);
            sex_ok && (key == 97 - body || !luhn_valid(digits))
        }
        _ => false,
    }
}

/// The Luhn checksum of a card number.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            match (i % 2 == 1, d * 2) {
                (false, _) => d,
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether a character may stand between the digits of one number.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '/' | '\u{a0}' | '\u{202f}')
}

/// The groups of digits typed as one number: digits joined by separators (at most three in a row, as in ` - `).
/// Corsica's départements `2A` and `2B` count as digits, so `1 85 05 2A 007 123 45` is one group.
fn digit_groups(text: &str) -> Vec<Vec<u8>> {
    let chars: Vec<char> = text.chars().collect();
    let mut groups = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut separators = 0;
    for (i, c) in chars.iter().enumerate() {
        if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            current.push(d as u8);
            separators = 0;
        } else if matches!(c, 'A' | 'B' | 'a' | 'b')
            && i > 0
            && chars[i - 1] == '2'
            && !chars.get(i + 1).is_some_and(|n| n.is_alphabetic())
        {
            // 2A → 19, 2B → 18 in the key computation; any digit keeps the count right.
            current.push(0);
            separators = 0;
        } else if is_separator(*c) && !current.is_empty() && separators < 3 {
            separators += 1;
        } else {
            groups.push(std::mem::take(&mut current));
            separators = 0;
        }
    }
    groups.push(current);
    groups.retain(|g| !g.is_empty());
    groups
}

/// Whether the text holds an IBAN: two letters, two check digits, then letters and digits (spaces
/// or dashes allowed between). A French one (`FR` + 25 characters) is refused even with a typo; any
/// other country's when its mod-97 check holds.
fn contains_iban(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).any(|start| iban_at(&chars, start))
}

fn iban_at(chars: &[char], start: usize) -> bool {
    let starts_word = start == 0 || !chars[start - 1].is_alphanumeric();
    let head = chars.get(start..start + 4);
    let Some([a, b, c, d]) = head else {
        return false;
    };
    if !(starts_word
        && a.is_ascii_alphabetic()
        && b.is_ascii_alphabetic()
        && c.is_ascii_digit()
        && d.is_ascii_digit())
    {
        return false;
    }
    let compact = compact_from(chars, start, 34);
    let french = compact.starts_with("FR");
    if french && compact.len() >= 27 {
        return true;
    }
    (15..=compact.len()).any(|len| iban_checksum_holds(&compact[..len]))
}

/// The letters and digits from `start`, upper-cased, skipping single spaces or dashes, at most `max`.
fn compact_from(chars: &[char], start: usize, max: usize) -> String {
    let mut compact = String::new();
    let mut previous_separator = false;
    for c in &chars[start..] {
        if c.is_ascii_alphanumeric() {
            compact.push(c.to_ascii_uppercase());
            previous_separator = false;
        } else if matches!(c, ' ' | '-' | '\u{a0}') && !previous_separator {
            previous_separator = true;
        } else {
            break;
        }
        if compact.len() == max {
            break;
        }
    }
    compact
}

/// The ISO 13616 check: the first four characters moved to the end, letters as 10–35, mod 97 = 1.
fn iban_checksum_holds(iban: &str) -> bool {
    let (head, tail) = iban.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let Some(value) = c.to_digit(36) else {
            return false;
        };
        remainder = if value < 10 {
            (remainder * 10 + value) % 97
        } else {
            (remainder * 100 + value) % 97
        };
    }
    remainder == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOTES: FreeTextField = FreeTextField::DiagnosticNotes;

    fn refused(text: &str) -> Option<ForbiddenNumber> {
        forbidden_number(text)
    }

    #[test]
    fn a_social_security_number_is_refused_whatever_the_separators() {
        for text in [
            "NIR 185054900712345",
            "1 85 05 49 007 123 45",
            "1-85-05-49-007-123-45",
            "1.85.05.49.007.123.45",
            "1/85/05/49/007/123/45",
            "sécu : 1 85.05-49 007/123 45, à rappeler",
            "1 85 05 49 007 123",
            "2 85 05 2A 007 123 45",
            "1 - 85 - 05 - 49 - 007 - 123 - 45",
        ] {
            assert_eq!(
                refused(text),
                Some(ForbiddenNumber::NationalIdentifier),
                "{text}"
            );
        }
    }

    #[test]
    fn ordinary_notes_with_numbers_are_kept() {
        for text in [
            "Rappeler au 06 12 34 56 78 mardi à 14 h",
            "RDV le 12/03/2026 à 14h30, puis le 19/03",
            "Tél. 02.41.00.00.00 ou 06-12-34-56-78",
            "Code postal 49100, 3 enfants majeurs",
            "Dossier CAF n° 1234567",
            "Françoise a 2 ans de pratique.",
        ] {
            assert_eq!(refused(text), None, "{text}");
        }
    }

    #[test]
    fn an_iban_is_refused() {
        for text in [
            "FR76 3000 6000 0112 3456 7890 189",
            "iban fr7630006000011234567890189",
            "FR76-3000-6000-0112-3456-7890-180",
            "DE89 3704 0044 0532 0130 00",
        ] {
            assert_eq!(refused(text), Some(ForbiddenNumber::BankAccount), "{text}");
        }
        assert_eq!(refused("FR 3 ateliers"), None);
        assert_eq!(refused("Voir l'atelier AB12"), None);
    }

    #[test]
    fn a_payment_card_number_is_refused() {
        for text in [
            "4012 8888 8888 1881",
            "Amex 3782 822463 10005",
            "carte 4111-1111-1111-1111",
            "5555.5555.5555.4444",
        ] {
            assert_eq!(refused(text), Some(ForbiddenNumber::PaymentCard), "{text}");
        }
    }

    #[test]
    fn the_refusal_names_the_field_and_the_length_is_limited_per_field() {
        let error = check_free_text(FreeTextField::ReferralMessage, "n° 1-85-05-49-007-123-45")
            .expect_err("nir");
        assert_eq!(
            error,
            FreeTextError::NationalIdentifier {
                field: FreeTextField::ReferralMessage
            }
        );
        assert!(error.to_string().starts_with(
            "Le champ « Message pour la structure » semble contenir un numéro de sécurité sociale"
        ));
        assert_eq!(
            check_free_text(FreeTextField::WorkshopTitle, &"a".repeat(121)),
            Err(FreeTextError::TooLong {
                field: FreeTextField::WorkshopTitle,
                length: 121
            })
        );
        assert_eq!(
            check_free_text(FreeTextField::WorkshopTitle, &"a".repeat(120)),
            Ok(Some("a".repeat(120)))
        );
        assert_eq!(check_free_text(NOTES, "   "), Ok(None));
        assert_eq!(
            check_free_text(NOTES, "  rappeler mardi  "),
            Ok(Some("rappeler mardi".into()))
        );
    }

    #[test]
    fn every_field_has_a_label_and_a_limit() {
        for field in FreeTextField::ALL {
            assert!(!field.label().is_empty());
            assert!(field.max_chars() >= 100, "{field}");
        }
    }

    /// A valid 15-digit NIR from its 13 digits.
    fn with_key(body: &[u8]) -> Vec<u8> {
        let rest = body
            .iter()
            .fold(0u64, |acc, d| (acc * 10 + u64::from(*d)) % 97);
        let key = 97 - rest;
        let mut digits = body.to_vec();
        digits.extend([(key / 10) as u8, (key % 10) as u8]);
        digits
    }

    fn typed(digits: &[u8], separators: &[usize]) -> String {
        let marks = [" ", ".", "-", "/", " - ", ". "];
        digits
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let sep =
                    separators
                        .get(i)
                        .map_or("", |s| if *s < marks.len() { marks[*s] } else { "" });
                format!("{d}{sep}")
            })
            .collect::<String>()
            .trim_end_matches([' ', '.', '-', '/'])
            .to_owned()
    }

    proptest! {
        #[test]
        fn any_nir_typed_with_any_separators_is_refused(
            sex in prop::sample::select(vec![1u8, 2]),
            rest in prop::collection::vec(0u8..10, 12),
            separators in prop::collection::vec(0usize..12, 15),
            before in "[a-zé ]{0,20}",
            after in "[a-zé ]{0,20}",
        ) {
            let mut body = vec![sex];
            body.extend(rest);
            let nir = with_key(&body);
            let text = format!("{before} {} {after}", typed(&nir, &separators));
            prop_assert_eq!(
                check_free_text(NOTES, &text),
                Err(FreeTextError::NationalIdentifier { field: NOTES })
            );
        }

        #[test]
        fn text_without_long_numbers_is_kept_trimmed(
            words in prop::collection::vec("[a-zA-Zéè']{1,10}|[0-9]{1,4}", 0..40),
        ) {
            let text = words.join(" , ");
            let expected = text.trim();
            let result = check_free_text(NOTES, &text);
            if expected.is_empty() {
                prop_assert_eq!(result, Ok(None));
            } else if expected.chars().count() <= NOTES.max_chars() {
                prop_assert_eq!(result, Ok(Some(expected.to_owned())));
            } else {
                prop_assert_eq!(
                    result,
                    Err(FreeTextError::TooLong { field: NOTES, length: expected.chars().count() })
                );
            }
        }

        #[test]
        fn french_phone_numbers_are_kept(
            digits in prop::collection::vec(0u8..10, 8),
            separator in prop::sample::select(vec![" ", ".", "-", ""]),
        ) {
            let mut number = String::from("06");
            for pair in digits.chunks(2) {
                number.push_str(separator);
                number.push_str(&format!("{}{}", pair[0], pair[1]));
            }
            prop_assert_eq!(forbidden_number(&format!("Appeler le {number} demain")), None);
        }
    }
}
