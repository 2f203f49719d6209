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
    let mut copy = values.to_vec();
    let index = rank_index(copy.len(), percent);
    Some(*copy.select_nth_unstable(index).1)
}

/// The position, in ascending order, of the nearest-rank `percent`-th percentile among `n > 0`
/// values.
fn rank_index(n: usize, percent: u32) -> usize {
    let rank = (u64::from(percent.min(100)) * n as u64)
        .div_ceil(100)
        .max(1);
    usize::try_from(rank - 1).map_or(n - 1, |index| index.min(n - 1))
}

/// The median by the nearest-rank rule.
pub fn median(values: &[i64]) -> Option<i64> {
    nearest_rank(values, 50)
}

/// The 90th percentile by the nearest-rank rule.
pub fn ninetieth(values: &[i64]) -> Option<i64> {
    nearest_rank(values, 90)
}

/// Below this many values, the percentiles are selected from a copy; above, from a histogram.
const SELECT_BELOW: usize = 1 << 14;
/// Buckets of the histogram.
const BUCKETS: u64 = 1 << 16;

/// The median and the 90th percentile together, by the nearest-rank rule. Many values (a national
/// delay) are not copied: one pass counts them in [`BUCKETS`] buckets of equal width, a second
/// keeps those of the one or two buckets the ranks fall in, and only these are ordered.
pub fn median_and_ninetieth(values: &[i64]) -> (Option<i64>, Option<i64>) {
    let n = values.len();
    if n == 0 {
        return (None, None);
    }
    let ranks = [rank_index(n, 50), rank_index(n, 90)];
    if n < SELECT_BELOW {
        let mut copy = values.to_vec();
        let median = *copy.select_nth_unstable(ranks[0]).1;
        let above = &mut copy[ranks[0]..];
        let ninetieth = *above.select_nth_unstable(ranks[1] - ranks[0]).1;
        return (Some(median), Some(ninetieth));
    }
    let (min, max) = values
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let range = max.wrapping_sub(min) as u64;
    let shift = (0..64).find(|s| range >> s < BUCKETS).unwrap_or(63);
    let bucket = |v: i64| (v.wrapping_sub(min) as u64 >> shift) as usize;
    let mut counts = vec![0usize; (range >> shift) as usize + 1];
    for v in values {
        counts[bucket(*v)] += 1;
    }
    // The bucket each rank falls in, and the rank within it.
    let mut found = [(0usize, 0usize); 2];
    let (mut before, mut next) = (0usize, 0usize);
    for (b, count) in counts.iter().enumerate() {
        while next < 2 && ranks[next] < before + count {
            found[next] = (b, ranks[next] - before);
            next += 1;
        }
        before += count;
    }
    let pick = |(b, within): (usize, usize)| {
        let mut kept: Vec<i64> = values.iter().copied().filter(|v| bucket(*v) == b).collect();
        *kept.select_nth_unstable(within).1
    };
    (Some(pick(found[0])), Some(pick(found[1])))
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

    #[test]
    fn median_and_ninetieth_together_agree_with_each_alone() {
        assert_eq!(median_and_ninetieth(&[]), (None, None));
        for n in 1..60_i64 {
            // A scrambled list with repeated values.
            let values: Vec<i64> = (0..n).map(|i| (i * 37 + 11) % 17).collect();
            let both = median_and_ninetieth(&values);
            assert_eq!(both, (median(&values), ninetieth(&values)), "n = {n}");
        }
    }

    #[test]
    fn the_histogram_of_many_values_gives_the_same_percentiles_as_ordering_them() {
        // A deterministic scramble (xorshift), over spans of a few seconds to years, with long runs
        // of equal values, negative ones, and both percentiles in one bucket.
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut draw = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let shapes: [&dyn Fn(u64) -> i64; 4] = [
            &|x| (x % 100_000_000) as i64,
            &|x| (x % 7) as i64 * crate::calendar::DAY,
            &|x| (x % 3_000) as i64 - 1_500,
            &|x| {
                if x % 10 == 0 {
                    (x % 1_000_000_000) as i64
                } else {
                    42
                }
            },
        ];
        for (shape, n) in shapes.iter().zip([20_000, 50_001, 17_000, 30_000]) {
            let values: Vec<i64> = (0..n).map(|_| shape(draw())).collect();
            assert_eq!(
                median_and_ninetieth(&values),
                (median(&values), ninetieth(&values)),
                "n = {n}"
            );
        }
    }
}
