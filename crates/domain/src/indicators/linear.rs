//! Exact linear algebra over the rationals, for the subtraction attack: which unknowns a system of
//! linear equations fixes, and to what value. Gauss–Jordan elimination on sparse rows of `i128`
//! fractions with checked arithmetic: no rounding, and an overflow is an error, never a wrong answer.

use std::collections::BTreeMap;

/// A reduced fraction with a positive denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    numerator: i128,
    denominator: i128,
}

/// The numbers grew past `i128`: the system is too large to be solved exactly here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Les calculs exacts dépassent la capacité des entiers de 128 bits.")]
pub struct Overflow;

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

impl Fraction {
    pub const ZERO: Fraction = Fraction {
        numerator: 0,
        denominator: 1,
    };

    pub fn integer(value: i128) -> Fraction {
        Fraction {
            numerator: value,
            denominator: 1,
        }
    }

    /// `numerator / denominator`, reduced; `None` over zero.
    pub fn new(numerator: i128, denominator: i128) -> Option<Fraction> {
        if denominator == 0 {
            return None;
        }
        let divisor = gcd(numerator, denominator);
        let sign = denominator.signum();
        Some(Fraction {
            numerator: sign.checked_mul(numerator.checked_div(divisor)?)?,
            denominator: sign.checked_mul(denominator.checked_div(divisor)?)?,
        })
    }

    pub fn numerator(self) -> i128 {
        self.numerator
    }

    pub fn denominator(self) -> i128 {
        self.denominator
    }

    /// The value when it is a whole number.
    pub fn as_integer(self) -> Option<i128> {
        (self.denominator == 1).then_some(self.numerator)
    }

    pub fn is_zero(self) -> bool {
        self.numerator == 0
    }

    fn checked_mul(self, other: Fraction) -> Result<Fraction, Overflow> {
        let numerator = self
            .numerator
            .checked_mul(other.numerator)
            .ok_or(Overflow)?;
        let denominator = self
            .denominator
            .checked_mul(other.denominator)
            .ok_or(Overflow)?;
        Fraction::new(numerator, denominator).ok_or(Overflow)
    }

    fn checked_add(self, other: Fraction) -> Result<Fraction, Overflow> {
        let negated = Fraction {
            numerator: other.numerator.checked_neg().ok_or(Overflow)?,
            denominator: other.denominator,
        };
        self.checked_sub(negated)
    }

    fn checked_sub(self, other: Fraction) -> Result<Fraction, Overflow> {
        let left = self
            .numerator
            .checked_mul(other.denominator)
            .ok_or(Overflow)?;
        let right = other
            .numerator
            .checked_mul(self.denominator)
            .ok_or(Overflow)?;
        let denominator = self
            .denominator
            .checked_mul(other.denominator)
            .ok_or(Overflow)?;
        Fraction::new(left.checked_sub(right).ok_or(Overflow)?, denominator).ok_or(Overflow)
    }

    fn inverse(self) -> Result<Fraction, Overflow> {
        Fraction::new(self.denominator, self.numerator).ok_or(Overflow)
    }
}

/// One equation: Σ coefficient × unknown = constant. Unknowns are numbered freely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equation {
    pub terms: Vec<(usize, i64)>,
    pub constant: i128,
}

/// A row of the reduced system.
#[derive(Debug, Clone)]
struct SparseRow {
    terms: BTreeMap<usize, Fraction>,
    constant: Fraction,
}

impl SparseRow {
    fn from_equation(equation: &Equation) -> Result<SparseRow, Overflow> {
        let mut terms: BTreeMap<usize, Fraction> = BTreeMap::new();
        for (unknown, coefficient) in &equation.terms {
            let entry = terms.entry(*unknown).or_insert(Fraction::ZERO);
            *entry = entry.checked_add(Fraction::integer(i128::from(*coefficient)))?;
        }
        terms.retain(|_, value| !value.is_zero());
        Ok(SparseRow {
            terms,
            constant: Fraction::integer(equation.constant),
        })
    }

    /// `self -= factor × other`.
    fn subtract(&mut self, factor: Fraction, other: &SparseRow) -> Result<(), Overflow> {
        for (unknown, value) in &other.terms {
            let entry = self.terms.entry(*unknown).or_insert(Fraction::ZERO);
            *entry = entry.checked_sub(factor.checked_mul(*value)?)?;
            if entry.is_zero() {
                self.terms.remove(unknown);
            }
        }
        self.constant = self
            .constant
            .checked_sub(factor.checked_mul(other.constant)?)?;
        Ok(())
    }

    fn scale(&mut self, factor: Fraction) -> Result<(), Overflow> {
        for value in self.terms.values_mut() {
            *value = value.checked_mul(factor)?;
        }
        self.constant = self.constant.checked_mul(factor)?;
        Ok(())
    }
}

/// The unknowns whose value the equations fix, each with its value.
///
/// The rows are brought to reduced row-echelon form one at a time (Gauss–Jordan). An unknown is
/// fixed exactly when it is a pivot whose row holds no other unknown: the unit vector of that unknown
/// is then a combination of the equations. A free unknown, or a pivot tied to a free one, can take
/// more than one value. Inconsistent equations (0 = c ≠ 0) are ignored: the system is assumed true.
pub fn determined(equations: &[Equation]) -> Result<BTreeMap<usize, Fraction>, Overflow> {
    let mut pivots: BTreeMap<usize, SparseRow> = BTreeMap::new();
    for equation in equations {
        let mut row = SparseRow::from_equation(equation)?;
        let reducible: Vec<(usize, Fraction)> = row
            .terms
            .iter()
            .filter(|(unknown, _)| pivots.contains_key(unknown))
            .map(|(unknown, value)| (*unknown, *value))
            .collect();
        for (unknown, factor) in reducible {
            if let Some(pivot_row) = pivots.get(&unknown) {
                row.subtract(factor, pivot_row)?;
            }
        }
        let Some((&pivot, &leading)) = row.terms.iter().next() else {
            continue;
        };
        row.scale(leading.inverse()?)?;
        for other in pivots.values_mut() {
            if let Some(factor) = other.terms.get(&pivot).copied() {
                other.subtract(factor, &row)?;
            }
        }
        pivots.insert(pivot, row);
    }
    Ok(pivots
        .into_iter()
        .filter(|(_, row)| row.terms.len() == 1)
        .map(|(unknown, row)| (unknown, row.constant))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn equation(terms: &[(usize, i64)], constant: i128) -> Equation {
        Equation {
            terms: terms.to_vec(),
            constant,
        }
    }

    #[test]
    fn fractions_stay_reduced_with_a_positive_denominator() {
        assert_eq!(Fraction::new(6, -4), Fraction::new(-3, 2));
        assert_eq!(Fraction::new(0, -5).map(Fraction::denominator), Some(1));
        assert_eq!(Fraction::new(1, 0), None);
        assert_eq!(Fraction::new(12, 4).and_then(Fraction::as_integer), Some(3));
    }

    #[test]
    fn a_lone_unknown_in_a_sum_is_fixed_and_two_are_not() {
        // x0 + x1 = 10, x0 - x2 = 4, x2 = 1  →  x2 = 1, x0 = 5, x1 = 5.
        let fixed = determined(&[
            equation(&[(0, 1), (1, 1)], 10),
            equation(&[(0, 1), (2, -1)], 4),
            equation(&[(2, 1)], 1),
        ])
        .expect("small");
        assert_eq!(fixed.get(&0), Some(&Fraction::integer(5)));
        assert_eq!(fixed.get(&1), Some(&Fraction::integer(5)));
        assert_eq!(fixed.get(&2), Some(&Fraction::integer(1)));
        // x0 + x1 = 10 alone fixes nothing.
        let free = determined(&[equation(&[(0, 1), (1, 1)], 10)]).expect("small");
        assert!(free.is_empty());
    }

    #[test]
    fn a_cycle_of_unknowns_stays_free_beside_a_fixed_one() {
        // A 2×2 block x0 x1 / x2 x3 with its row and column sums known is a cycle: it can move by
        // +t −t +t −t, so none of it is fixed; x4, in the second row's sum, is fixed by its own
        // equation.
        let fixed = determined(&[
            equation(&[(0, 1), (1, 1)], 7),
            equation(&[(2, 1), (3, 1), (4, 1)], 9),
            equation(&[(0, 1), (2, 1)], 6),
            equation(&[(1, 1), (3, 1)], 6),
            equation(&[(4, 1)], 4),
        ])
        .expect("small");
        assert_eq!(fixed.keys().copied().collect::<Vec<_>>(), vec![4]);
    }
}
