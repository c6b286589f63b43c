//! A metric's review range at sparkline resolution, worked out once when the metric is fitted and kept small:
//! the overview draws one for every flagged metric, and reading thousands of metrics back from the review's
//! temporary file to draw them was three quarters of building it at a high sensitivity.

/// Points in a sparkline (the review week, bucketed).
pub const POINTS: usize = 84;

/// Bucket means of `values` (NaN = missing) into `n` buckets (fewer when there are fewer values), at the
/// sparkline's resolution ([`resolution`]): the points the overview draws, which [`Spark`] keeps (the tests'
/// reference for it).
#[cfg(test)]
fn sparkline(values: &[f64], n: usize) -> Vec<Option<f64>> {
    let means = means(values, n);
    match resolution(&means) {
        Some(e) => means.iter().map(|m| m.map(|v| rounded(v, e).0)).collect(),
        None => means,
    }
}

fn means(values: &[f64], n: usize) -> Vec<Option<f64>> {
    let n = n.min(values.len()).max(1);
    (0..n)
        .map(|b| {
            let (a, z) = (b * values.len() / n, (b + 1) * values.len() / n);
            let (sum, count) = values[a..z].iter().filter(|v| v.is_finite()).fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
            (count > 0).then(|| sum / count as f64).filter(|m| m.is_finite())
        })
        .collect()
}

/// The power of ten `e` a sparkline's values are rounded to: no coarser than a thousandth of their own range (of
/// their magnitude when flat), so each is sent in a few digits (`18.46`, not `18.464524459449194`: a third of
/// the overview's size at a high sensitivity) while the line drawn — a few dozen pixels high, scaled to that
/// range — cannot change. None when there is nothing to round (all zero, or no value).
fn resolution(values: &[Option<f64>]) -> Option<i32> {
    let (lo, hi) = values.iter().flatten().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    let span = if hi > lo { hi - lo } else { hi.abs().max(lo.abs()) };
    // The resolution: 10^e with e = floor(log10(span / 1000)).
    (span.is_finite() && span > 0.0).then(|| (span / 1000.0).log10().floor() as i32)
}

/// `v` rounded to a multiple of 10^`e`, and that multiple when it is a whole number of them: a whole number
/// divided or multiplied by an exact power of ten (up to 10^22) is the double nearest the decimal, which
/// serialises as that decimal; beyond, the decimal is written and read back. A value that would round to
/// ±∞ (the largest doubles) is kept as it is.
fn rounded(v: f64, e: i32) -> (f64, Option<f64>) {
    let scale = 10f64.powi(e.abs());
    let (r, whole) = match e {
        -22..=-1 => {
            let m = (v * scale).round();
            (m / scale, Some(m))
        }
        0..=22 => {
            let m = (v / scale).round();
            (m * scale, Some(m))
        }
        _ => {
            let digits = ((v.abs().log10().floor() as i32) - e).clamp(0, 16) as usize;
            (format!("{v:.digits$e}").parse().unwrap_or(v), None)
        }
    };
    if r.is_finite() {
        (r, whole)
    } else {
        (v, None)
    }
}

/// A point rounded, and the whole number of steps it is when it is one ([`rounded`]).
type Rounded = (f64, Option<f64>);

/// A sparkline as the review keeps it: bucket means of the review range at the resolution of [`resolution`],
/// given back bit for bit by [`Spark::points`].
#[derive(Debug, Clone, PartialEq)]
pub enum Spark {
    /// Points that are whole multiples of 10^`e` ([`rounded`]; whole numbers, `e` = 0, where nothing is
    /// rounded: a metric flat at zero, or without data), each `first + step` of them (`u16::MAX`: a bucket
    /// without data). A sparkline's range is under 10,000 of its steps, so two bytes a point.
    Steps { e: i8, first: i64, steps: Box<[u16]> },
    /// Points as they are (NaN: a bucket without data), when they are not such multiples.
    Plain(Box<[f64]>),
}

impl Default for Spark {
    fn default() -> Self {
        Spark::Plain(Box::new([]))
    }
}

impl Spark {
    /// The sparkline of a metric's review-range `values`, in [`POINTS`] buckets.
    pub fn of(values: &[f64]) -> Spark {
        let means = means(values, POINTS);
        // Nothing to round (all zero, or no data): the points as they are, whole numbers of ones where they are.
        let (e, rounded): (i32, Vec<Option<Rounded>>) = match resolution(&means) {
            Some(e) => (e, means.iter().map(|m| m.map(|v| rounded(v, e))).collect()),
            None => (0, means.iter().map(|m| m.map(|v| (v, (v.fract() == 0.0).then_some(v)))).collect()),
        };
        let plain = || Spark::Plain(rounded.iter().map(|r| r.map_or(f64::NAN, |r| r.0)).collect());
        // Each multiple as a whole number of steps: exactly (below 2^53, and not −0, which would come back +0).
        let whole = |m: f64| (m.abs() < 9_007_199_254_740_992.0 && !(m == 0.0 && m.is_sign_negative())).then_some(m as i64);
        let multiples: Option<Vec<Option<i64>>> = rounded
            .iter()
            .map(|r| match r {
                None => Some(None),
                Some((_, m)) => m.and_then(whole).map(Some),
            })
            .collect();
        let (Some(multiples), Ok(e)) = (multiples, i8::try_from(e)) else { return plain() };
        let first = multiples.iter().flatten().min().copied().unwrap_or(0);
        let steps: Option<Box<[u16]>> =
            multiples.iter().map(|m| m.map_or(Some(u16::MAX), |m| u16::try_from(m - first).ok().filter(|&s| s < u16::MAX))).collect();
        match steps {
            Some(steps) => Spark::Steps { e, first, steps },
            None => plain(),
        }
    }

    /// The sparkline's points (None: a bucket without data).
    pub fn points(&self) -> Vec<Option<f64>> {
        match self {
            Spark::Plain(p) => p.iter().map(|&v| (!v.is_nan()).then_some(v)).collect(),
            Spark::Steps { e, first, steps } => {
                let e = i32::from(*e);
                let scale = 10f64.powi(e.abs());
                steps
                    .iter()
                    .map(|&s| {
                        (s != u16::MAX).then(|| {
                            let m = (first + i64::from(s)) as f64;
                            if e < 0 {
                                m / scale
                            } else {
                                m * scale
                            }
                        })
                    })
                    .collect()
            }
        }
    }

    /// Bytes it holds beyond its own size.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Spark::Plain(p) => p.len() * 8,
            Spark::Steps { steps, .. } => steps.len() * 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_buckets_means_and_keeps_gaps() {
        let n = f64::NAN;
        type Case<'a> = (&'a [f64], usize, &'a [Option<f64>]);
        let cases: &[Case] = &[
            (&[1.0, 3.0, 5.0, 7.0], 2, &[Some(2.0), Some(6.0)]),
            (&[1.0, n, n, n], 2, &[Some(1.0), None]),
            (&[4.0, 8.0], 10, &[Some(4.0), Some(8.0)]),
            (&[n, 2.0, 4.0, n, n, n], 3, &[Some(2.0), Some(4.0), None]),
        ];
        for (values, buckets, want) in cases {
            assert_eq!(sparkline(values, *buckets), want.to_vec(), "{values:?} into {buckets}");
        }
    }

    #[test]
    fn sparklines_are_sent_at_a_thousandth_of_their_range() {
        let n = f64::NAN;
        type Case<'a> = (&'a [f64], &'a [Option<f64>]);
        let cases: &[Case] = &[
            // A range of 10: to the hundredth.
            (&[18.464524459449194, 10.0, 20.0, n], &[Some(18.46), Some(10.0), Some(20.0), None]),
            // A tiny range on a large level keeps its shape (to the ten-thousandth).
            (&[1000.12345, 1000.5, 1000.0], &[Some(1000.1235), Some(1000.5), Some(1000.0)]),
            // A range of a million: to the thousand.
            (&[123_456.7, 1_234_567.8], &[Some(123_000.0), Some(1_235_000.0)]),
            // Flat: to a thousandth of the level; all zero or nothing at all: as they are.
            (&[2.71234, 2.71234], &[Some(2.712), Some(2.712)]),
            (&[0.0, 0.0], &[Some(0.0), Some(0.0)]),
            (&[n, n], &[None, None]),
            // Negative values and ones near the ends of f64 round too, and never to ∞ or NaN (the largest
            // double would round up past itself: it is kept as it is).
            (&[-0.0123456, 0.0123456], &[Some(-0.01235), Some(0.01235)]),
            (&[f64::MAX, f64::MAX / 2.0], &[Some(f64::MAX), Some(8.988e307)]),
            (&[1e-300, 3e-300], &[Some(1e-300), Some(3e-300)]),
            (&[1.23456789e-300, 3e-300], &[Some(1.235e-300), Some(3e-300)]),
        ];
        for (values, want) in cases {
            let got = sparkline(values, values.len());
            for (g, w) in got.iter().zip(want.iter()) {
                match (g, w) {
                    (Some(g), Some(w)) => assert!((g - w).abs() <= w.abs() * 1e-12, "{values:?}: {got:?}, want {want:?}"),
                    _ => assert_eq!(g, w, "{values:?}: {got:?}, want {want:?}"),
                }
            }
            // Each sends in at most 9 significant digits (or as it came).
            for (g, v) in got.iter().flatten().zip(values.iter()) {
                let text = serde_json::to_string(g).expect("json");
                assert!(text.len() <= 12 || g == v, "{values:?}: {text}");
            }
            // The line drawn — each value's place within the range — moves by a thousandth of it at most.
            let place = |v: &[Option<f64>]| -> Vec<f64> {
                let f: Vec<f64> = v.iter().flatten().copied().collect();
                let (lo, hi) = f.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| (l.min(x), h.max(x)));
                f.iter().map(|x| if hi > lo { (x - lo) / (hi - lo) } else { 0.0 }).collect()
            };
            let exact: Vec<Option<f64>> = values.iter().map(|v| v.is_finite().then_some(*v)).collect();
            for (a, b) in place(&got).iter().zip(place(&exact)) {
                assert!((a - b).abs() <= 1e-3, "{values:?}: {got:?}");
            }
        }
    }

    /// The points as bits (`None` apart), to compare exactly: −0 and +0 serialise differently.
    fn bits(p: &[Option<f64>]) -> Vec<Option<u64>> {
        p.iter().map(|v| v.map(f64::to_bits)).collect()
    }

    #[test]
    fn a_kept_sparkline_gives_back_the_points_bit_for_bit_in_two_bytes_each_where_it_can() {
        let n = f64::NAN;
        let week = |f: &dyn Fn(usize) -> f64| (0..2016).map(f).collect::<Vec<f64>>();
        let mut rng = crate::synth::Rng::new(5);
        let noise: Vec<f64> = (0..2016).map(|_| rng.uniform() * 1e6 - 2e5).collect();
        // (values, kept as steps)
        let cases: Vec<(Vec<f64>, bool)> = vec![
            (week(&|i| 100.0 + 30.0 * (i as f64 / 288.0 * std::f64::consts::TAU).sin()), true),
            (week(&|i| if i % 500 < 40 { n } else { 0.001 * i as f64 - 0.9 }), true),
            (week(&|i| 1e9 + (i % 7) as f64), true),
            (week(&|i| -5e-7 * (i % 13) as f64), true),
            (noise, true),
            // Flat at zero, and nothing at all.
            (week(&|_| 0.0), true),
            (week(&|_| n), true),
            // A value rounding to −0, doubles near their ends: as they are.
            (week(&|i| if i < 1008 { -0.001 } else { 40.0 }), false),
            (week(&|i| if i % 2 == 0 { f64::MAX } else { f64::MAX / 2.0 }), true),
            (vec![f64::MAX, f64::MAX / 2.0], false),
            (week(&|i| 1e-300 * (1 + i % 3) as f64), false),
            // Fewer points than buckets, and one.
            (vec![1.0, 2.5, n, 4.0], true),
            (vec![7.0], true),
            (vec![], true),
            (vec![0.0, n, -0.0], true),
        ];
        for (values, steps) in cases {
            let kept = Spark::of(&values);
            let want = sparkline(&values, POINTS);
            assert_eq!(bits(&kept.points()), bits(&want), "{:?}…: {kept:?}", &values[..values.len().min(3)]);
            assert_eq!(matches!(kept, Spark::Steps { .. }), steps, "{:?}…: {kept:?}", &values[..values.len().min(3)]);
            if steps {
                assert!(kept.heap_bytes() <= 2 * POINTS);
            }
        }
    }
}
