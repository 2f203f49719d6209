//! The conversions and checks of single values, in the same wording as the standard's reader: SIRET
//! and RNA, French phone numbers made international, dates (a date-time keeps its date), and the
//! standard's own checks returning the value kept.

use crate::places_standard;

/// Overseas ranges of the French numbering plan: national prefix → country code of the standard.
const OVERSEAS_PHONE_PREFIXES: &[(&str, &str)] = &[
    ("0262", "+262"),
    ("0269", "+262"),
    ("0639", "+262"),
    ("0692", "+262"),
    ("0693", "+262"),
    ("0590", "+590"),
    ("0690", "+590"),
    ("0691", "+590"),
    ("0594", "+594"),
    ("0694", "+594"),
    ("0596", "+596"),
    ("0696", "+596"),
    ("0697", "+596"),
];

/// Country codes the standard's `telephone` pattern allows, each followed by 6 to 9 digits.
const PHONE_PREFIXES: [&str; 10] = [
    "+33", "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681",
];

pub(super) fn keep(value: &str) -> Result<String, String> {
    Ok(value.to_string())
}

/// `siret`: 14 digits (spaces removed).
pub(super) fn check_siret(value: &str) -> Result<String, String> {
    let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let ok = digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(digits)
        .ok_or_else(|| format!("SIRET « {value} » invalide : 14 chiffres attendus"))
}

/// `rna`: `W` then 9 digits.
pub(super) fn check_rna(value: &str) -> Result<String, String> {
    let ok = value.len() == 10
        && value.starts_with('W')
        && value.bytes().skip(1).all(|b| b.is_ascii_digit());
    ok.then(|| value.to_string())
        .ok_or_else(|| format!("RNA « {value} » invalide : W suivi de 9 chiffres attendu"))
}

/// The standard's check (`places_standard`), returning the value kept.
pub(super) fn check_postal_code(value: &str) -> Result<String, String> {
    places_standard::check_postal_code(value).map(|()| value.to_string())
}

/// The standard's check (`places_standard`), returning the value kept.
pub(super) fn check_insee_code(value: &str) -> Result<String, String> {
    places_standard::check_insee_code(value).map(|()| value.to_string())
}

/// `date_maj`: a real calendar date `YYYY-MM-DD`; a date-time keeps its date part.
pub(super) fn check_date(value: &str) -> Result<String, String> {
    let date = match value.get(10..11) {
        Some("T" | " ") => value.get(..10).unwrap_or(value),
        _ => value,
    };
    places_standard::calendar_date(date)
        .then(|| date.to_string())
        .ok_or_else(|| {
            format!("date « {value} » invalide : date réelle au format AAAA-MM-JJ attendue")
        })
}

/// `telephone`: a French national number (`05 56 12 34 56`, `0262 …`) becomes international; an
/// international number in the standard's pattern is kept (spaces, dots, dashes and `(0)` removed).
pub(super) fn international_phone(value: &str) -> Result<String, String> {
    let compact: String = value
        .replace("(0)", "")
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}'))
        .collect();
    let compact = match compact.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => compact,
    };
    let compact = match compact.strip_prefix("+330") {
        Some(rest) if rest.len() == 9 => format!("+33{rest}"),
        _ => compact,
    };
    let national = compact.len() == 10
        && compact.starts_with('0')
        && !compact.starts_with("00")
        && compact.bytes().all(|b| b.is_ascii_digit());
    let international = match OVERSEAS_PHONE_PREFIXES
        .iter()
        .find(|(prefix, _)| compact.starts_with(prefix))
    {
        Some((_, country)) if national => format!("{country}{}", &compact[1..]),
        _ if national => format!("+33{}", &compact[1..]),
        _ => compact,
    };
    let ok = PHONE_PREFIXES.iter().any(|prefix| {
        international.strip_prefix(prefix).is_some_and(|rest| {
            (6..=9).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit())
        })
    });
    ok.then_some(international).ok_or_else(|| {
        format!(
            "téléphone « {value} » non reconnu : numéro français à 10 chiffres ou format \
             international attendu"
        )
    })
}

/// The standard's check (`places_standard`), returning the value kept.
pub(super) fn check_email(value: &str) -> Result<String, String> {
    places_standard::check_email(value).map(|()| value.to_string())
}

/// The standard's check (`places_standard`), returning the value kept.
pub(super) fn check_url(value: &str) -> Result<String, String> {
    places_standard::check_url(value).map(|()| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers_become_international_with_their_overseas_code() {
        let phone = |text: &str| international_phone(text).ok();
        assert_eq!(phone("05 56 12 34 56").as_deref(), Some("+33556123456"));
        assert_eq!(phone("06.12.34.56.78").as_deref(), Some("+33612345678"));
        assert_eq!(phone("0262 12 34 56").as_deref(), Some("+262262123456"));
        assert_eq!(phone("0696 12 34 56").as_deref(), Some("+596696123456"));
        assert_eq!(
            phone("+33 (0)1 80 05 98 80").as_deref(),
            Some("+33180059880")
        );
        assert_eq!(phone("+330180059880").as_deref(), Some("+33180059880"));
        assert_eq!(phone("0033 1 80 05 98 80").as_deref(), Some("+33180059880"));
        assert_eq!(phone("3939"), None);
        assert_eq!(phone("+44 20 7946 0958"), None);
        assert_eq!(phone("01 80 05 98"), None);
    }

    #[test]
    fn dates_must_exist_and_date_times_keep_their_date() {
        assert_eq!(check_date("2024-02-29").as_deref(), Ok("2024-02-29"));
        assert_eq!(
            check_date("2024-11-05T08:30:00+01:00").as_deref(),
            Ok("2024-11-05")
        );
        assert!(check_date("2023-02-29").is_err());
        assert!(check_date("05/11/2024").is_err());
        assert!(check_date("2024-11-05X").is_err());
    }
}
