//! Raw samples and the regular grid every analysis works on: the one place where irregular, unsorted,
//! duplicate and non-finite input becomes a clean series with gaps kept as gaps.
//!
//! **Alignment rule** (documented in ARCHITECTURE.md): each sample snaps to the nearest grid point;
//! samples that land on the same grid point (duplicate timestamps, or irregular sampling faster than the
//! step) are averaged; row order does not matter (unsorted input is fine); NaN, ±∞ and empty values are
//! missing, never values; grid points with no sample stay missing (`NaN`). Every one of these events is
//! counted so the review can say what it did.

/// A series as read from a source, before alignment: Unix seconds and values, in file order.
#[derive(Debug, Clone, Default)]
pub struct RawSeries {
    pub times: Vec<f64>,
    pub values: Vec<f64>,
}

impl RawSeries {
    pub fn push(&mut self, t: f64, v: f64) {
        self.times.push(t);
        self.values.push(v);
    }
    pub fn len(&self) -> usize {
        self.times.len()
    }
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }
    /// Last timestamp with a finite value.
    pub fn last_time(&self) -> Option<f64> {
        self.times.iter().zip(&self.values).filter(|(_, v)| v.is_finite()).map(|(t, _)| *t).reduce(f64::max)
    }
}

/// A regular time grid: `len` points from `start`, `step` seconds apart (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub start: i64,
    pub step: i64,
    pub len: usize,
}

impl Grid {
    pub fn time(&self, i: usize) -> i64 {
        self.start + i as i64 * self.step
    }
    pub fn end(&self) -> i64 {
        self.time(self.len)
    }
    /// Index of the grid point nearest to `t`, if it is on the grid.
    /// The same as rounding half away from zero (`f64::round`) and keeping what falls on the grid, without
    /// the library call `round` is on x86-64 (it was a tenth of aligning a point): `x` is on the grid when
    /// it rounds to 0 ..= len − 1, i.e. lies in (−0.5, len − 0.5); there truncating and adding one from
    /// a fraction of 0.5 up is exact (the fraction `x − trunc(x)` is).
    pub fn nearest(&self, t: f64) -> Option<usize> {
        let x = (t - self.start as f64) / self.step as f64;
        if !(x > -0.5 && x < self.len as f64 - 0.5) {
            return None;
        }
        // Through i64, which converts to and from f64 in one instruction each (usize takes a dozen).
        let i = x as i64; // toward zero (0 for x in (−0.5, 0))
        Some(if x - i as f64 >= 0.5 { i + 1 } else { i } as usize)
    }
    /// Index of the first grid point at or after `t` (clamped to the grid).
    pub fn index_at(&self, t: i64) -> usize {
        let d = t - self.start;
        let i = if d <= 0 { 0 } else { (d + self.step - 1) / self.step };
        (i.max(0) as usize).min(self.len)
    }
}

/// What alignment had to do, for the review's warnings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AlignStats {
    /// Samples read (including non-finite ones).
    pub samples: usize,
    /// Samples whose value was NaN, ±∞ or empty: treated as missing.
    pub non_finite: usize,
    /// Samples that came after a later timestamp in file order.
    pub unsorted: usize,
    /// Grid points that received more than one sample (averaged).
    pub merged_points: usize,
    /// Samples not exactly on a grid point (snapped to the nearest).
    pub off_grid: usize,
    /// Samples outside the grid (before the history or after the review range).
    pub outside: usize,
}

/// Snap `raw` onto `grid` with the rule in the module doc. Returns values (NaN = missing) and stats.
pub fn align(raw: &RawSeries, grid: &Grid) -> (Vec<f64>, AlignStats) {
    let mut sum = vec![0.0f64; grid.len];
    let mut count = vec![0u32; grid.len];
    let mut st = AlignStats { samples: raw.len(), ..AlignStats::default() };
    let mut prev = f64::NEG_INFINITY;
    for (&t, &v) in raw.times.iter().zip(&raw.values) {
        if t < prev {
            st.unsorted += 1;
        } else if t > prev {
            prev = t; // as prev.max(t): a NaN time changes nothing
        }
        if !v.is_finite() {
            st.non_finite += 1;
            continue;
        }
        match grid.nearest(t) {
            Some(i) => {
                if (grid.time(i) as f64 - t).abs() > 1e-6 {
                    st.off_grid += 1;
                }
                sum[i] += v;
                count[i] += 1;
            }
            None => st.outside += 1,
        }
    }
    let values = sum
        .iter()
        .zip(&count)
        .map(|(&s, &c)| {
            if c > 1 {
                st.merged_points += 1;
            }
            if c == 0 {
                f64::NAN
            } else {
                s / c as f64
            }
        })
        .collect();
    (values, st)
}

/// Infer the step of a series from its timestamps: the median positive difference between sorted
/// distinct timestamps, snapped to the nearest common step (1 s … 1 d) on a log scale.
pub fn infer_step(times: &[f64]) -> Option<i64> {
    let mut t: Vec<f64> = times.iter().copied().filter(|x| x.is_finite()).collect();
    t.sort_by(f64::total_cmp);
    t.dedup();
    let mut diffs: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).collect();
    if diffs.is_empty() {
        return None;
    }
    let mid = diffs.len() / 2;
    diffs.select_nth_unstable_by(mid, f64::total_cmp);
    let d = diffs[mid];
    const STEPS: [i64; 17] = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
    STEPS.iter().copied().min_by(|a, b| ((*a as f64).ln() - d.ln()).abs().total_cmp(&((*b as f64).ln() - d.ln()).abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(f64, f64)]) -> RawSeries {
        let mut r = RawSeries::default();
        for &(t, v) in pairs {
            r.push(t, v);
        }
        r
    }

    #[test]
    fn alignment_rule_table() {
        let g = Grid { start: 0, step: 60, len: 4 };
        struct Case {
            name: &'static str,
            input: Vec<(f64, f64)>,
            want: [f64; 4],
            check: fn(&AlignStats) -> bool,
        }
        let nan = f64::NAN;
        let cases = vec![
            Case {
                name: "clean",
                input: vec![(0.0, 1.0), (60.0, 2.0), (120.0, 3.0), (180.0, 4.0)],
                want: [1.0, 2.0, 3.0, 4.0],
                check: |s| *s == AlignStats { samples: 4, ..Default::default() },
            },
            Case {
                name: "unsorted rows are placed by time",
                input: vec![(120.0, 3.0), (0.0, 1.0), (180.0, 4.0), (60.0, 2.0)],
                want: [1.0, 2.0, 3.0, 4.0],
                check: |s| s.unsorted == 2,
            },
            Case {
                name: "duplicates are averaged",
                input: vec![(0.0, 1.0), (0.0, 3.0), (60.0, 2.0)],
                want: [2.0, 2.0, nan, nan],
                check: |s| s.merged_points == 1,
            },
            Case {
                name: "non-finite values are missing",
                input: vec![(0.0, f64::NAN), (60.0, f64::INFINITY), (120.0, f64::NEG_INFINITY), (180.0, 5.0)],
                want: [nan, nan, nan, 5.0],
                check: |s| s.non_finite == 3,
            },
            Case {
                name: "irregular samples snap to the nearest point",
                input: vec![(5.0, 1.0), (50.0, 2.0), (70.0, 4.0), (130.0, 9.0)],
                want: [1.0, 3.0, 9.0, nan],
                check: |s| s.off_grid == 4 && s.merged_points == 1,
            },
            Case {
                name: "outside the grid is dropped",
                input: vec![(-120.0, 1.0), (600.0, 2.0), (60.0, 7.0)],
                want: [nan, 7.0, nan, nan],
                check: |s| s.outside == 2,
            },
        ];
        for c in cases {
            let (v, st) = align(&raw(&c.input), &g);
            for (i, (a, b)) in v.iter().zip(c.want.iter()).enumerate() {
                assert!((a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-12, "{}: point {i}: {a} vs {b}", c.name);
            }
            assert!((c.check)(&st), "{}: stats {st:?}", c.name);
        }
    }

    #[test]
    fn steps_are_inferred_and_snapped() {
        let every = |d: f64, n: usize| (0..n).map(|i| i as f64 * d).collect::<Vec<_>>();
        assert_eq!(infer_step(&every(300.0, 50)), Some(300));
        assert_eq!(infer_step(&every(61.3, 50)), Some(60));
        assert_eq!(infer_step(&every(3600.0, 5)), Some(3600));
        let mut jittered = every(300.0, 50);
        jittered.swap(3, 40);
        jittered.push(600.0); // duplicate
        assert_eq!(infer_step(&jittered), Some(300));
        assert_eq!(infer_step(&[5.0]), None);
    }

    #[test]
    fn grid_indexing() {
        let g = Grid { start: 1000, step: 300, len: 10 };
        assert_eq!(g.nearest(1149.0), Some(0));
        assert_eq!(g.nearest(1151.0), Some(1));
        assert_eq!(g.nearest(999.0), Some(0));
        assert_eq!(g.nearest(4000.0), None);
        // Against rounding itself, at and around every half step and across the grid's ends.
        let rounded = |t: f64| {
            let i = ((t - g.start as f64) / g.step as f64).round();
            (i >= 0.0 && i < g.len as f64).then_some(i as usize)
        };
        let mut near = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1e300, 1e300, 1e19, -1e19];
        // The floats either side of a positive `x`.
        let (up, down) = (|x: f64| f64::from_bits(x.to_bits() + 1), |x: f64| f64::from_bits(x.to_bits() - 1));
        for k in -3..=25 {
            let half = 1000.0 + 150.0 * k as f64;
            near.extend([half, up(half), down(half), half + 0.3, half - 0.3, half + 75.0]);
        }
        for t in near {
            assert_eq!(g.nearest(t), rounded(t), "t = {t}");
        }
        assert_eq!(g.nearest(850.0), None, "−0.5 rounds away from zero, off the grid");
        assert_eq!(g.nearest(up(850.0)), Some(0));
        assert_eq!(g.nearest(3850.0), None, "len − 0.5 rounds to len");
        assert_eq!(g.index_at(1000), 0);
        assert_eq!(g.index_at(1001), 1);
        assert_eq!(g.index_at(99_999), 10);
    }
}
