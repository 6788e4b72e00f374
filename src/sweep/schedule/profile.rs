//! A weekly count profile (168 hours, Monday 00:00 first) and its blocks:
//! the stretches repair raises and trim lowers, and the compression that
//! turns a count per hour into a few changes a day.

use std::collections::BTreeMap;

use crate::model::{HOURS_OF_WEEK, HourOfWeek};

/// A stretch of the week at one count, on every day it repeats: what
/// repair raises and trim lowers as one.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Block {
    /// Its stretches: (first hour of the week, hours), one per day.
    pub runs: Vec<(usize, usize)>,
    /// Its count.
    pub count: u32,
}

impl Block {
    /// Every hour of the week it covers.
    pub(super) fn hours(&self) -> Vec<usize> {
        self.runs
            .iter()
            .flat_map(|&(s, len)| (0..len).map(move |i| (s + i) % HOURS_OF_WEEK))
            .collect()
    }

    /// The first hour of each stretch, then the last (empty for stretches
    /// of one hour, whose edge is the whole block).
    pub(super) fn edges(&self) -> [Vec<usize>; 2] {
        if self.runs.iter().any(|&(_, len)| len < 2) {
            return [Vec::new(), Vec::new()];
        }
        [
            self.runs.iter().map(|&(s, _)| s).collect(),
            self.runs
                .iter()
                .map(|&(s, len)| (s + len - 1) % HOURS_OF_WEEK)
                .collect(),
        ]
    }
}

/// The blocks of a weekly count profile: its maximal runs of one count
/// (cyclic over the week), grouped by hour of day, length and count.
pub(super) fn blocks(counts: &[u32]) -> Vec<Block> {
    let n = counts.len();
    let start = (0..n).find(|&h| counts[h] != counts[(h + n - 1) % n]);
    let Some(start) = start else {
        return vec![Block {
            runs: vec![(0, n)],
            count: counts[0],
        }];
    };
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut h = start;
    while runs.iter().map(|r| r.1).sum::<usize>() < n {
        let mut len = 1;
        while len < n && counts[(h + len) % n] == counts[h] {
            len += 1;
        }
        runs.push((h, len));
        h = (h + len) % n;
    }
    let mut groups: BTreeMap<(usize, usize, u32), Vec<(usize, usize)>> = BTreeMap::new();
    for (s, len) in runs {
        groups
            .entry((HourOfWeek::from_index(s).hour(), len, counts[s]))
            .or_default()
            .push((s, len));
    }
    groups
        .into_iter()
        .map(|((_, _, count), runs)| Block { runs, count })
        .collect()
}

/// The cheapest profile (fewest instance-hours) with `counts[h] >= need[h]`
/// for every hour and at most `per_day` changes in each day, the week
/// taken as a cycle (a change at Monday 00:00 counts on Monday).
pub(super) fn compress(need: &[u32], per_day: u32) -> Vec<u32> {
    let n = need.len();
    let mut values: Vec<u32> = need.to_vec();
    values.sort_unstable();
    values.dedup();
    let v = values.len();
    let k_max = per_day as usize;
    const INF: u64 = u64::MAX;
    let idx = |v_i: usize, k: usize| v_i * (k_max + 1) + k;
    let states = v * (k_max + 1);
    let mut best: Option<(u64, Vec<u32>)> = None;
    for c0 in 0..v {
        // The count at the end of Sunday, in force when Monday begins.
        if values[c0] < need[n - 1] {
            continue;
        }
        let mut cost = vec![vec![INF; states]; n];
        let mut parent = vec![vec![usize::MAX; states]; n];
        for vi in 0..v {
            if values[vi] < need[0] {
                continue;
            }
            let k = usize::from(vi != c0);
            if k <= k_max {
                cost[0][idx(vi, k)] = u64::from(values[vi]);
            }
        }
        for h in 1..n {
            let day_start = HourOfWeek::from_index(h).hour() == 0;
            for pv in 0..v {
                for pk in 0..=k_max {
                    let c = cost[h - 1][idx(pv, pk)];
                    if c == INF {
                        continue;
                    }
                    let base = if day_start { 0 } else { pk };
                    for (vi, &value) in values.iter().enumerate() {
                        if value < need[h] {
                            continue;
                        }
                        let k = base + usize::from(vi != pv);
                        if k > k_max {
                            continue;
                        }
                        let total = c + u64::from(value);
                        let slot = idx(vi, k);
                        if total < cost[h][slot] {
                            cost[h][slot] = total;
                            parent[h][slot] = idx(pv, pk);
                        }
                    }
                }
            }
        }
        let end = (0..=k_max)
            .map(|k| (cost[n - 1][idx(c0, k)], idx(c0, k)))
            .filter(|(c, _)| *c != INF)
            .min();
        if let Some((total, mut slot)) = end
            && best.as_ref().is_none_or(|(b, _)| total < *b)
        {
            let mut profile = vec![0; n];
            for h in (0..n).rev() {
                profile[h] = values[slot / (k_max + 1)];
                slot = parent[h][slot];
            }
            best = Some((total, profile));
        }
    }
    // Covering the need with its own values always exists at 24 changes a
    // day; with fewer, the largest value all week does.
    best.map(|(_, p)| p).unwrap_or_else(|| {
        let top = need.iter().copied().max().unwrap_or(0);
        vec![top; n]
    })
}

/// Count changes in each day of a weekly profile (a change counts on the
/// day its count comes into force).
pub(super) fn changes_per_day(counts: &[u32]) -> [u32; 7] {
    let n = counts.len();
    let mut out = [0; 7];
    for h in 0..n {
        if counts[h] != counts[(h + n - 1) % n] {
            out[HourOfWeek::from_index(h).day()] += 1;
        }
    }
    out
}

#[cfg(test)]
pub(in crate::sweep::schedule) mod tests {
    use super::*;

    /// Weekdays 09:00-18:00 at `peak`, every other hour at `night`.
    pub(in crate::sweep::schedule) fn workday(peak: u32, night: u32) -> Vec<u32> {
        (0..HOURS_OF_WEEK)
            .map(|h| {
                let h = HourOfWeek::from_index(h);
                if h.day() < 5 && (9..18).contains(&h.hour()) {
                    peak
                } else {
                    night
                }
            })
            .collect()
    }

    #[test]
    fn compression_covers_the_need_within_the_changes() {
        // A ragged workday: 09-10 needs 5, 10-17 needs 8, 17-18 needs 3,
        // evenings 1, nights 0.
        let need: Vec<u32> = (0..HOURS_OF_WEEK)
            .map(|h| {
                match (
                    HourOfWeek::from_index(h).day(),
                    HourOfWeek::from_index(h).hour(),
                ) {
                    (0..5, 9) => 5,
                    (0..5, 10..17) => 8,
                    (0..5, 17) => 3,
                    (0..5, 18..21) => 1,
                    _ => 0,
                }
            })
            .collect();
        for per_day in [1, 2, 4, 24] {
            let c = compress(&need, per_day);
            assert!(c.iter().zip(&need).all(|(c, n)| c >= n), "{per_day}");
            assert!(
                changes_per_day(&c).iter().all(|&k| k <= per_day),
                "{per_day}: {c:?}"
            );
        }
        assert_eq!(compress(&need, 24), need);
        // Two changes a day: one block 09-21 at 8 would cost more than
        // 09-18 at 8 then 1 till 21 then 0... which needs three; with two,
        // the cheapest drops to 0 at 18 only if the evening is covered.
        let two = compress(&need, 2);
        let day: Vec<u32> = two[..24].to_vec();
        assert_eq!(day[10], 8);
        let four = compress(&need, 4);
        let cost = |c: &[u32]| c.iter().map(|&x| u64::from(x)).sum::<u64>();
        assert!(cost(&four) <= cost(&two));
        assert!(cost(&two) <= cost(&compress(&need, 1)));
    }

    #[test]
    fn blocks_group_the_days_a_stretch_repeats() {
        let b = blocks(&workday(7, 1));
        // Weekday days at 7; Mon-Thu nights (15 h); the weekend night
        // (Fri 18:00 to Mon 09:00, 63 h).
        assert_eq!(b.len(), 3);
        let day = b.iter().find(|b| b.count == 7).unwrap();
        assert_eq!(day.hours().len(), 45);
        assert_eq!(day.edges()[0], [9, 33, 57, 81, 105]);
        assert_eq!(day.edges()[1], [17, 41, 65, 89, 113]);
        let lens: Vec<usize> = b
            .iter()
            .filter(|b| b.count == 1)
            .map(|b| b.hours().len())
            .collect();
        assert_eq!(lens.iter().sum::<usize>(), 168 - 45);
        assert_eq!(blocks(&[2; HOURS_OF_WEEK]).len(), 1);
    }
}
