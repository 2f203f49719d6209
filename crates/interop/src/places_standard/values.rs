//! The checks of single values: schema.json's patterns and formats (pivot, postal and INSEE codes,
//! phone, summary length, calendar date, e-mail, web address), each giving a French reason.

/// `maxLength` of `presentation_resume`.
pub(super) const SUMMARY_MAX_CHARS: usize = 280;

/// Country codes the `telephone` pattern allows, each followed by 6 to 9 digits.
const PHONE_PREFIXES: [&str; 10] = [
    "+33", "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681",
];

/// `pivot`: `^[a-zA-Z0-9]{9,14}$` (SIRET, RNA or RIDET).
pub(super) fn check_pivot(value: &str) -> Result<(), String> {
    let ok = (9..=14).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then_some(()).ok_or_else(|| {
        format!("pivot « {value} » invalide : 9 à 14 lettres ou chiffres attendus (SIRET ou RNA)")
    })
}

/// `code_postal`: `^\d{5}$`.
pub(crate) fn check_postal_code(value: &str) -> Result<(), String> {
    let ok = value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(())
        .ok_or_else(|| format!("code postal « {value} » invalide : 5 chiffres attendus"))
}

/// `code_insee`: `^([013-9]\d|2[AB1-9])\d{3}$`.
pub(crate) fn check_insee_code(value: &str) -> Result<(), String> {
    let b = value.as_bytes();
    let department = match b {
        [first, second, ..] if first.is_ascii_digit() && *first != b'2' => second.is_ascii_digit(),
        [b'2', second, ..] => matches!(second, b'A' | b'B' | b'1'..=b'9'),
        _ => false,
    };
    let ok = b.len() == 5 && department && b[2..].iter().all(u8::is_ascii_digit);
    ok.then_some(()).ok_or_else(|| {
        format!(
            "code INSEE « {value} » invalide : 5 caractères attendus, chiffres (2A ou 2B pour la Corse)"
        )
    })
}

/// `telephone`: a country code of [`PHONE_PREFIXES`] then 6 to 9 digits, no spaces.
pub(super) fn check_phone(value: &str) -> Result<(), String> {
    let ok = PHONE_PREFIXES.iter().any(|prefix| {
        value.strip_prefix(prefix).is_some_and(|rest| {
            (6..=9).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit())
        })
    });
    ok.then_some(()).ok_or_else(|| {
        format!(
            "téléphone « {value} » invalide : format international sans espace attendu, \
             par exemple +33180059880"
        )
    })
}

/// `presentation_resume`: `maxLength` 280 characters.
pub(super) fn check_summary(value: &str) -> Result<(), String> {
    let length = value.chars().count();
    (length <= SUMMARY_MAX_CHARS).then_some(()).ok_or_else(|| {
        format!("résumé trop long : {length} caractères pour {SUMMARY_MAX_CHARS} au plus")
    })
}

/// `date_maj`: a real calendar date `YYYY-MM-DD`.
pub(crate) fn check_date(value: &str) -> Result<(), String> {
    calendar_date(value).then_some(()).ok_or_else(|| {
        format!("date « {value} » invalide : date réelle au format AAAA-MM-JJ attendue")
    })
}

pub(crate) fn calendar_date(value: &str) -> bool {
    let b = value.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|i| b[*i].is_ascii_digit());
    if !shape {
        return false;
    }
    let number = |range: std::ops::Range<usize>| value[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    (1..=days).contains(&day)
}

/// `courriels`: one `@` with text on both sides, no spaces, commas or semicolons.
pub(crate) fn check_email(value: &str) -> Result<(), String> {
    let ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !value.contains(|c: char| c.is_whitespace() || c == ',' || c == ';')
        }
        None => false,
    };
    ok.then_some(())
        .ok_or_else(|| format!("courriel « {value} » invalide : adresse avec un « @ » attendue"))
}

/// `site_web`, `fiche_acces_libre`, `prise_rdv`: an address starting with `http://` or `https://`.
pub(crate) fn check_url(value: &str) -> Result<(), String> {
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !value.contains(char::is_whitespace) => Ok(()),
        Some(rest) if !rest.is_empty() => Err(format!(
            "adresse web « {value} » invalide : espace interdit"
        )),
        _ => Err(format!(
            "adresse web « {value} » invalide : doit commencer par http:// ou https://"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_insee_pattern_takes_corsica_and_refuses_20() {
        assert!(check_insee_code("2A004").is_ok());
        assert!(check_insee_code("97411").is_ok());
        assert!(check_insee_code("20004").is_err());
        assert!(check_insee_code("2C004").is_err());
        assert!(check_insee_code("5145").is_err());
    }

    #[test]
    fn dates_must_exist_in_the_calendar() {
        assert!(calendar_date("2024-02-29"));
        assert!(!calendar_date("2023-02-29"));
        assert!(!calendar_date("2024-13-01"));
        assert!(!calendar_date("2024-4-02"));
        assert!(!calendar_date("02/04/2024"));
    }

    #[test]
    fn phones_follow_the_international_pattern() {
        assert!(check_phone("+33180059880").is_ok());
        assert!(check_phone("+262262123456").is_ok());
        assert!(check_phone("0180059880").is_err());
        assert!(check_phone("+33 1 80 05 98 80").is_err());
        assert!(check_phone("+4412345678").is_err());
    }
}
