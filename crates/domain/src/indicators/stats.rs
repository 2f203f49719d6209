//! The one statistic indicators need beyond counting: the nearest-rank percentile, used for medians
//! and 90th percentiles of delays so that every territory gets the same number from the same data.

/// The nearest-rank `percent`-th percentile of `values`: sorted ascending, the value at rank
/// ⌈percent × n / 100⌉ (ranks start at 1, and the rank is at least 1). The median is the 50th
/// percentile by this rule, so with an even count it is the lower of the two middle values, never
/// their mean: the result is always one of the values. `None` when there are no values.
pub fn nearest_rank(values: &[i64], percent: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as u64;
    let rank = (u64::from(percent.min(100)) * n).div_ceil(100).max(1);
    let index = usize::try_from(rank - 1).unwrap_or(usize::MAX);
    sorted.get(index).copied()
}

/// The median by the nearest-rank rule.
pub fn median(values: &[i64]) -> Option<i64> {
    nearest_rank(values, 50)
}

/// The 90th percentile by the nearest-rank rule.
pub fn ninetieth(values: &[i64]) -> Option<i64> {
    nearest_rank(values, 90)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_rank_is_always_one_of_the_values() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7]), Some(7));
        // n = 4: rank ⌈0.5 × 4⌉ = 2, the lower middle value.
        assert_eq!(median(&[40, 10, 30, 20]), Some(20));
        // n = 5: rank ⌈2.5⌉ = 3.
        assert_eq!(median(&[5, 1, 4, 2, 3]), Some(3));
        // n = 10: rank ⌈9⌉ = 9; n = 11: rank ⌈9.9⌉ = 10; n = 3: rank ⌈2.7⌉ = 3.
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(ninetieth(&ten), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(ninetieth(&eleven), Some(10));
        assert_eq!(ninetieth(&[3, 1, 2]), Some(3));
        assert_eq!(nearest_rank(&[3, 1, 2], 0), Some(1));
        assert_eq!(nearest_rank(&[3, 1, 2], 100), Some(3));
    }
}
