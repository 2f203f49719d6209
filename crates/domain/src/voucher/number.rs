//! Voucher numbers: 15 random symbols of Crockford's base-32 alphabet (75 bits, so a number cannot
//! be guessed from another: never sequential) and one check symbol computed by the Luhn mod 32
//! algorithm, which catches every single mistyped symbol and every swap of two neighbours but the
//! swap of `0` and `Z`. Printed in four groups (`7KQ4-M2XD-9TRB-HW3F`); read back leniently: case,
//! spaces and hyphens do not matter, `O` reads `0`, `I` and `L` read `1` (Crockford's rule for the
//! letters people confuse with digits).

use std::fmt;

/// The 32 symbols, in value order: digits, then letters without I, L, O and U.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols drawn at random.
pub const RANDOM_SYMBOLS: usize = 15;
/// Symbols of a whole number (random part and check symbol).
pub const SYMBOLS: usize = RANDOM_SYMBOLS + 1;

/// A voucher number whose check symbol holds, in its canonical form (16 symbols, no hyphen).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VoucherNumber(String);

/// Why a typed number is not a voucher number; the message is what the person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("Saisissez le numéro du chèque (16 caractères, par exemple 7KQ4-M2XD-9TRB-HW3F).")]
    Empty,
    #[error("Un numéro de chèque compte 16 caractères ; celui-ci en compte {0}. Vérifiez qu'aucun caractère ne manque ou n'est en trop.")]
    WrongLength(usize),
    #[error("Le caractère « {0} » ne figure dans aucun numéro de chèque (lettres et chiffres seulement, sans U).")]
    BadSymbol(char),
    #[error("Ce numéro contient une faute de frappe : sa clé de contrôle ne correspond pas. Relisez-le caractère par caractère.")]
    CheckFailed,
}

fn value_of(symbol: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|s| *s == symbol)
        .and_then(|value| u32::try_from(value).ok())
}

/// Crockford's reading of one typed character: upper case, `O` as `0`, `I` and `L` as `1`.
fn canonical(c: char) -> Result<u8, NumberError> {
    let upper = c.to_ascii_uppercase();
    let read = match upper {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    let byte = u8::try_from(read).map_err(|_| NumberError::BadSymbol(c))?;
    if value_of(byte).is_some() {
        Ok(byte)
    } else {
        Err(NumberError::BadSymbol(c))
    }
}

/// The Luhn mod 32 sum of `symbols`, doubling from the rightmost when `double_rightmost`.
fn luhn_sum(symbols: &[u8], double_rightmost: bool) -> u32 {
    let mut sum = 0;
    let mut double = double_rightmost;
    for symbol in symbols.iter().rev() {
        let mut addend = value_of(*symbol).unwrap_or(0);
        if double {
            addend *= 2;
            addend = addend / 32 + addend % 32;
        }
        sum += addend;
        double = !double;
    }
    sum
}

/// The check symbol of a random part.
fn check_symbol(random: &[u8]) -> u8 {
    let sum = luhn_sum(random, true);
    ALPHABET[((32 - sum % 32) % 32) as usize]
}

impl VoucherNumber {
    /// The number made of these random bytes (each gives one symbol: a byte modulo 32 is uniform)
    /// and their check symbol. The randomness comes from the caller (a CSPRNG in the store).
    pub fn from_random(random: [u8; RANDOM_SYMBOLS]) -> VoucherNumber {
        let mut symbols: Vec<u8> = random
            .iter()
            .map(|byte| ALPHABET[usize::from(byte % 32)])
            .collect();
        symbols.push(check_symbol(&symbols));
        VoucherNumber(symbols.into_iter().map(char::from).collect())
    }

    /// Reads a number as a person types or a scanner sends it.
    pub fn parse(text: &str) -> Result<VoucherNumber, NumberError> {
        let symbols = text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '_'))
            .map(canonical)
            .collect::<Result<Vec<u8>, NumberError>>()?;
        match symbols.len() {
            0 => return Err(NumberError::Empty),
            SYMBOLS => {}
            other => return Err(NumberError::WrongLength(other)),
        }
        if !luhn_sum(&symbols, false).is_multiple_of(32) {
            return Err(NumberError::CheckFailed);
        }
        Ok(VoucherNumber(symbols.into_iter().map(char::from).collect()))
    }

    /// The canonical form, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The printed form, in four groups of four.
    pub fn printed(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars
            .chunks(4)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl fmt::Display for VoucherNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.printed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seed: u8) -> VoucherNumber {
        let mut random = [0u8; RANDOM_SYMBOLS];
        for (i, byte) in random.iter_mut().enumerate() {
            *byte = seed
                .wrapping_mul(37)
                .wrapping_add(u8::try_from(i).unwrap().wrapping_mul(91));
        }
        VoucherNumber::from_random(random)
    }

    #[test]
    fn a_made_number_reads_back_in_every_written_form() {
        for seed in 0..=255 {
            let number = sample(seed);
            assert_eq!(VoucherNumber::parse(number.as_str()), Ok(number.clone()));
            assert_eq!(VoucherNumber::parse(&number.printed()), Ok(number.clone()));
            let typed = number.printed().to_lowercase().replace('-', " ");
            assert_eq!(VoucherNumber::parse(&typed), Ok(number));
        }
    }

    #[test]
    fn every_single_mistyped_symbol_is_caught() {
        for seed in [0u8, 17, 99, 200] {
            let number = sample(seed);
            let symbols: Vec<u8> = number.as_str().bytes().collect();
            for position in 0..SYMBOLS {
                for replacement in ALPHABET {
                    if *replacement == symbols[position] {
                        continue;
                    }
                    let mut typed = symbols.clone();
                    typed[position] = *replacement;
                    let text: String = typed.iter().map(|b| char::from(*b)).collect();
                    assert_eq!(VoucherNumber::parse(&text), Err(NumberError::CheckFailed));
                }
            }
        }
    }

    #[test]
    fn swapping_two_neighbours_is_caught_but_for_zero_and_z() {
        for seed in 0..=255 {
            let symbols: Vec<u8> = sample(seed).as_str().bytes().collect();
            for position in 0..SYMBOLS - 1 {
                let (a, b) = (symbols[position], symbols[position + 1]);
                if a == b || matches!((a, b), (b'0', b'Z') | (b'Z', b'0')) {
                    continue;
                }
                let mut typed = symbols.clone();
                typed.swap(position, position + 1);
                let text: String = typed.iter().map(|b| char::from(*b)).collect();
                assert_eq!(
                    VoucherNumber::parse(&text),
                    Err(NumberError::CheckFailed),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn letters_people_confuse_with_digits_read_as_the_digits() {
        let number = sample(3);
        let typed = number.as_str().replace('0', "o").replace('1', "l");
        assert_eq!(VoucherNumber::parse(&typed), Ok(number));
    }

    #[test]
    fn wrong_lengths_and_symbols_say_what_is_wrong() {
        assert_eq!(VoucherNumber::parse("  "), Err(NumberError::Empty));
        assert_eq!(
            VoucherNumber::parse("7KQ4-M2XD"),
            Err(NumberError::WrongLength(8))
        );
        assert_eq!(
            VoucherNumber::parse("7KQ4-M2XD-9TRB-HWU3"),
            Err(NumberError::BadSymbol('U'))
        );
        assert!(NumberError::CheckFailed
            .to_string()
            .contains("faute de frappe"));
    }

    #[test]
    fn the_random_part_is_spread_over_the_whole_alphabet() {
        let symbols: std::collections::BTreeSet<char> = (0..=255u8)
            .flat_map(|seed| {
                sample(seed)
                    .as_str()
                    .chars()
                    .take(RANDOM_SYMBOLS)
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(symbols.len(), 32);
        let all = VoucherNumber::from_random([31; RANDOM_SYMBOLS]);
        assert!(all.as_str().starts_with("ZZZZ"));
    }
}
