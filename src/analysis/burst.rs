//! Bursts of spikes: a series that starts to spike far more often than it used to, each spike of a
//! usual size.
//!
//! The anomaly detector tells the largest departures (three a week) and a stretch averages what the
//! points inside the band did, so neither sees a load balancer whose spikes come five times as often as
//! usual. Here a spike is a point at |z| ≥ [`SPIKE_Z`]. The history gives how often spikes came (per
//! point) and how many points one usually lasts; a day's window ([`window`]) holding far more spike
//! points than that rate allows is a burst. The surprise is the signed root of the Poisson likelihood
//! ratio, counted in spikes of the usual length (so a history of two-point spikes is not read as twice
//! the evidence), compared with [`Params::stretch_z`]. A burst needs [`MIN_RUNS`] separate spikes: one
//! long excursion is the anomaly detector's.

use super::{Context, Fit, Params};
use crate::config::Metric;
use crate::finding::{Finding, Kind};
use crate::text;
use crate::time::{DAY, WEEK};

/// A point this far from its expected value (in band sigmas) is a spike. Fixed, not scaled by the
/// sensitivity: the history's rate is counted at it once, when the series is fitted.
pub const SPIKE_Z: f64 = 4.0;

/// Spikes closer than this many points are one spike (as an anomaly episode's gaps are).
const JOIN: usize = 2;

/// Separate spikes a burst needs.
const MIN_RUNS: usize = 3;

/// Whether a residual is a spike (NaN is not).
fn spike(z: f64) -> bool {
    z.abs() >= SPIKE_Z
}

/// Whether point `j` of `z` starts a spike: a spike with none in the [`JOIN`] points before it.
fn starts(z: &[f64], j: usize) -> bool {
    spike(z[j]) && (j.saturating_sub(JOIN + 1)..j).all(|i| !spike(z[i]))
}

/// Points in a burst window: about a day, at least 12 and at most 288.
pub fn window(step: i64) -> usize {
    ((DAY / step.max(1)) as usize).clamp(12, 288)
}

/// How often the history spiked: spike points per point, and the mean points per spike. NaN when the
/// history held fewer than two windows of points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurstStats {
    pub rate: f64,
    pub run: f64,
    /// Spike points the history held (its rate is floored at half of one when it held none).
    pub seen: f64,
}

impl BurstStats {
    /// From the history's residuals (grid index, slot, value − expected) and the band sigma per slot.
    pub fn of_history(resid: &[(usize, u32, f64)], sig: &[f64], step: i64) -> BurstStats {
        let (mut n, mut points, mut runs) = (0usize, 0usize, 0usize);
        let mut last: Option<usize> = None;
        for &(i, s, r) in resid {
            let Some(sd) = sig.get(s as usize).filter(|sd| **sd > 0.0) else { continue };
            n += 1;
            if spike(r / sd) {
                points += 1;
                if last.is_none_or(|l| i - l > JOIN + 1) {
                    runs += 1;
                }
                last = Some(i);
            }
        }
        if n < 2 * window(step) {
            return BurstStats { rate: f64::NAN, run: f64::NAN, seen: points as f64 };
        }
        // A history without a spike still allows about half of one.
        BurstStats {
            rate: (points as f64).max(0.5) / n as f64,
            run: if runs > 0 { points as f64 / runs as f64 } else { 1.0 },
            seen: points as f64,
        }
    }

    fn usable(&self) -> bool {
        self.rate.is_finite() && self.run.is_finite()
    }
}

/// The surprise of `c` spike points where `lambda` were expected, both counted in spikes of `run`
/// points: the signed root of the Poisson likelihood ratio (0 when no more came than expected).
fn surprise(c: f64, lambda: f64, run: f64) -> f64 {
    let (c, l) = (c / run, lambda / run);
    if c <= l || l <= 0.0 {
        return 0.0;
    }
    (2.0 * (c * (c / l).ln() - (c - l))).sqrt()
}

/// Per review point `j` (the last point of a window), the window's surprise; NaN where the window is
/// not judged (too few points, too few separate spikes, no usable history).
fn scores(fit: &Fit, w: usize) -> Vec<f64> {
    let z = &fit.z;
    let n = z.len();
    let mut out = vec![f64::NAN; n];
    if n < w {
        return out;
    }
    let first: Vec<bool> = (0..n).map(|j| starts(z, j)).collect();
    let (mut valid, mut points, mut runs) = (0usize, 0usize, 0usize);
    for j in 0..n {
        valid += usize::from(z[j].is_finite());
        points += usize::from(spike(z[j]));
        runs += usize::from(first[j]);
        if j >= w {
            let o = j - w;
            valid -= usize::from(z[o].is_finite());
            points -= usize::from(spike(z[o]));
            runs -= usize::from(first[o]);
        }
        if j + 1 < w || valid * 2 < w || runs < MIN_RUNS {
            continue;
        }
        if let Some(st) = fit.part_at(j).map(|p| p.burst).filter(BurstStats::usable) {
            out[j] = surprise(points as f64, st.rate * valid as f64, st.run);
        }
    }
    out
}

/// Whether the spikes of window `r` came back: its typical point sits where it usually does (|median
/// z| ≤ [`TYPICAL`]) and its spikes are short (at most [`SHORT`] points on average). A level shift or a
/// long excursion also puts many points beyond the band, and is told by its own detector.
fn comes_back(fit: &Fit, r: std::ops::Range<usize>) -> bool {
    let z = &fit.z[r];
    let mut v: Vec<f64> = z.iter().copied().filter(|v| v.is_finite()).collect();
    if v.is_empty() || super::stats::median_mut(&mut v).abs() > TYPICAL {
        return false;
    }
    let points = z.iter().filter(|v| spike(**v)).count();
    let runs = (0..z.len()).filter(|&j| starts(z, j)).count();
    runs > 0 && points as f64 <= SHORT * runs as f64
}

/// The most a burst window's median z may stray.
const TYPICAL: f64 = 1.5;

/// The most points a burst's spikes last on average.
const SHORT: f64 = 6.0;

/// Most series hold fewer spike points than a burst needs separate spikes: no window to score.
fn too_few_spikes(fit: &Fit) -> bool {
    fit.z.iter().filter(|z| spike(**z)).take(MIN_RUNS).count() < MIN_RUNS
}

/// The largest window surprise of the review range (0 without one): a burst is possible at `p` only
/// when it reaches [`Params::stretch_z`]. Independent of the sensitivity, so the fit's summary keeps it.
pub fn largest(fit: &Fit, step: i64) -> f64 {
    if too_few_spikes(fit) {
        return 0.0;
    }
    scores(fit, window(step)).into_iter().filter(|s| s.is_finite()).fold(0.0, f64::max)
}

/// Find bursts of spikes in the review range: at most one per week of the range, the strongest.
pub fn bursts(ctx: &Context, m: &Metric, fit: &Fit, p: &Params) -> Vec<Finding> {
    // The fit's summary holds the largest window surprise ([`largest`], the same scores): below the threshold
    // no window is flagged, and a re-flag going up runs this on thousands of metrics whose anomalies can.
    let t = p.stretch_z();
    if fit.summary.burst < t || too_few_spikes(fit) {
        return vec![];
    }
    let step = ctx.grid.step;
    let w = window(step);
    let sc = scores(fit, w);
    let flag: Vec<bool> = (0..sc.len()).map(|j| sc[j] >= t && comes_back(fit, j + 1 - w.min(j + 1)..j + 1)).collect();
    let mut out = Vec::new();
    for (a0, b0) in super::detect::runs(&flag, w / 2) {
        let Some(peak_j) = (a0..=b0).filter(|&j| flag[j]).max_by(|&i, &j| sc[i].total_cmp(&sc[j])) else { continue };
        let Some(st) = fit.part_at(peak_j).map(|p| p.burst) else { continue };
        // Where the burst was: the stretch around the flagged windows that best tells "spikes came at the
        // peak window's rate q" from "at the usual rate r" (the largest-sum run of the per-point log
        // likelihood ratio: ln(q/r) for a spike point, ln((1−q)/(1−r)) for any other).
        let first = a0 + 1 - w.min(a0 + 1);
        let valid = (peak_j + 1 - w..=peak_j).filter(|&j| fit.z[j].is_finite()).count().max(1);
        let points = (peak_j + 1 - w..=peak_j).filter(|&j| spike(fit.z[j])).count();
        let (r, q) = (st.rate.min(0.5), (points as f64 / valid as f64).min(0.99));
        if q <= r {
            continue;
        }
        let (hit, miss) = ((q / r).ln(), ((1.0 - q) / (1.0 - r)).ln());
        let (mut best, mut span, mut sum, mut from) = (0.0, (first, first), 0.0, first);
        for j in first..=b0 {
            if !fit.z[j].is_finite() {
                continue;
            }
            if sum <= 0.0 {
                sum = 0.0;
                from = j;
            }
            sum += if spike(fit.z[j]) { hit } else { miss };
            if sum > best {
                best = sum;
                span = (from, j + 1);
            }
        }
        // A usual spike a few hours off is not part of it: the ends are trimmed to spikes closer to the
        // next one than three of the burst's mean gaps.
        let spikes: Vec<usize> = (span.0..span.1).filter(|&j| spike(fit.z[j])).collect();
        let gap = 3.0 / q;
        let (mut lo, mut hi) = (0, spikes.len());
        while hi - lo > MIN_RUNS && (spikes[lo + 1] - spikes[lo]) as f64 > gap {
            lo += 1;
        }
        while hi - lo > MIN_RUNS && (spikes[hi - 1] - spikes[hi - 2]) as f64 > gap {
            hi -= 1;
        }
        let Some((&start, &last)) = spikes.get(lo).zip(spikes.get(hi.wrapping_sub(1))) else { continue };
        let end = last + 1;
        if end <= start {
            continue;
        }
        out.push(finding(ctx, m, fit, p, (start, end), sc[peak_j], st));
    }
    let weeks = (fit.z.len() as f64 * step as f64 / WEEK as f64).ceil().max(1.0) as usize;
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.start.cmp(&b.start)));
    out.truncate(weeks);
    out
}

fn finding(ctx: &Context, m: &Metric, fit: &Fit, p: &Params, span: (usize, usize), peak: f64, st: BurstStats) -> Finding {
    let (start, end) = span;
    let step = ctx.grid.step;
    let z = &fit.z[start..end];
    let valid = z.iter().filter(|v| v.is_finite()).count();
    let points = z.iter().filter(|v| spike(**v)).count();
    let up = z.iter().filter(|v| spike(**v) && **v > 0.0).count();
    let spikes = (0..z.len()).filter(|&j| starts(z, j)).count();
    let expected = st.rate * valid as f64;
    let ratio = points as f64 / expected.max(1e-9);
    let dur = (end - start) as i64 * step;
    let t = p.stretch_z();
    // Spikes against the worse direction only (a series that dips more often when lower is better).
    let worse = !m.worse_known || (up * 2 >= points) == (m.worse.sign() > 0.0);
    let mut sev = 35.0
        + (8.0 * (peak / t).log2()).clamp(0.0, 25.0)
        + (5.0 * ratio.log2()).clamp(0.0, 15.0)
        + 5.0 * (end as f64 / fit.z.len().max(1) as f64);
    if !worse {
        sev *= 0.6;
    }
    let (t0, t1) = (ctx.rtime(start), ctx.rtime(end - 1) + step);
    let subject = text::subject(m);
    let how_often = if st.seen > 0.0 {
        format!("{ratio:.1}× its usual rate of spikes: about {} in that long before", text::value(text::round_sig(expected, 2), ""))
    } else {
        "where it had not spiked once in its history".to_string()
    };
    let sentence = format!(
        "{subject} spiked {spikes} times in {} from {} ({points} readings beyond its band, {how_often}).",
        text::duration(dur),
        ctx.short_label(t0),
    );
    Finding::new(Kind::SpikeBurst, m, t0, t1, sev, sentence)
        .with("spikes", spikes as f64)
        .with("spike_points", points as f64)
        .with("expected_spike_points", expected)
        .with("rate_ratio", ratio)
        .with("window_score", peak)
        .with("direction", if worse { "worse" } else { "better" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{fit, test_week};
    use crate::config::Worse;
    use crate::synth::{Inject, Rng, Shape};

    /// Single-point spikes (+40 %, far beyond a 4 % noise) at random points: `usual` a day everywhere,
    /// and `thursday` a day instead on the review week's Thursday.
    fn spiky(c: &Context, rng: &mut Rng, usual: usize, thursday: usize) -> Vec<f64> {
        let base = Shape { level: 100.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
        let mut v = base.render(c, rng);
        let day = c.slots_per_day;
        let thu = c.review.start + 3 * day;
        for d in 0..v.len() / day {
            for _ in 0..usual {
                v[d * day + rng.below(day)] *= 1.4;
            }
        }
        for _ in usual..thursday {
            v[thu + rng.below(day)] *= 1.4;
        }
        v
    }

    fn bursts_of(c: &Context, v: &[f64], s: f64) -> Vec<Finding> {
        let m = Metric::new("m", "T", "svc", Worse::Higher, std::path::Path::new("x"), "m");
        bursts(c, &m, &fit(c, v), &Params::new(s).expect("sensitivity"))
    }

    #[test]
    fn spikes_coming_far_more_often_than_usual_are_a_burst_and_nothing_else_is() {
        let c = test_week();
        type Make = fn(&Context, &mut Rng) -> Vec<f64>;
        // (name, the series, whether a burst is found on the review week's Thursday)
        let cases: [(&str, Make, bool); 6] = [
            ("clean", |c, r| spiky(c, r, 0, 0), false),
            ("three spikes a day, as always", |c, r| spiky(c, r, 3, 3), false),
            ("twice the usual spikes", |c, r| spiky(c, r, 3, 6), false),
            ("eight times the usual spikes", |c, r| spiky(c, r, 3, 24), true),
            ("a dozen spikes on a series that never spiked", |c, r| spiky(c, r, 0, 12), true),
            (
                "a level shift on Thursday (every point beyond the band, no spike)",
                |c, r| {
                    let mut v = spiky(c, r, 0, 0);
                    Inject::Shift { at: 3 * c.slots_per_day + 100, factor: 1.5 }.apply(c, &mut v);
                    v
                },
                false,
            ),
        ];
        let thursday = (c.rtime(3 * c.slots_per_day), c.rtime(4 * c.slots_per_day));
        for (name, make, want) in cases {
            for seed in 1..=3u64 {
                let v = make(&c, &mut Rng::new(seed));
                let f = fit(&c, &v);
                let found = bursts_of(&c, &v, 1.0);
                if want {
                    assert_eq!(found.len(), 1, "{name} (seed {seed}): {found:?}");
                    let b = &found[0];
                    // Told where it happened and in words. Spikes are sparse: a usual one a few hours
                    // before may open it (1 in 6 hours here, the burst's 1 in 2), so 8 hours either side.
                    assert!(
                        b.start >= thursday.0 - 8 * 3600 && b.end <= thursday.1 + 8 * 3600,
                        "{name} (seed {seed}): {} – {}",
                        b.start,
                        b.end
                    );
                    let on_thursday: Vec<i64> = (0..f.z.len())
                        .filter(|&j| f.z[j].abs() >= SPIKE_Z)
                        .map(|j| c.rtime(j))
                        .filter(|t| (thursday.0..thursday.1).contains(t))
                        .collect();
                    let inside = on_thursday.iter().filter(|t| (b.start..b.end).contains(*t)).count();
                    assert!(
                        inside * 4 >= on_thursday.len() * 3,
                        "{name} (seed {seed}): {inside} of Thursday's {} spikes",
                        on_thursday.len()
                    );
                    assert!(b.sentence.contains("spiked"), "{}", b.sentence);
                    // Against the history's rate, or said to be new (a clean history may hold a rare 4 σ
                    // reading or none).
                    let told = b.sentence.contains("its usual rate of spikes") || b.sentence.contains("had not spiked once in its history");
                    let against_usual = !name.starts_with("eight") || b.sentence.contains("usual rate");
                    assert!(told && against_usual, "{name}: {}", b.sentence);
                    assert!(b.severity >= 45, "{name} (seed {seed}): severity {}", b.severity);
                } else {
                    assert!(found.is_empty(), "{name} (seed {seed}): {found:?}");
                }
                // The summary's bound (what re-flagging asks first) is never below what is found.
                for s in [0.5, 1.0, 2.0, 4.0] {
                    let n = bursts_of(&c, &v, s).len();
                    assert!(f.summary.burst >= Params::new(s).expect("s").stretch_z() || n == 0, "{name} (seed {seed}) at {s}: {n}");
                }
            }
        }
    }

    #[test]
    fn the_surprise_counts_spikes_not_points() {
        // (spike points seen, expected, points per spike, surprise above 6?)
        let cases =
            [(30.0, 6.0, 1.0, true), (30.0, 6.0, 3.0, false), (6.0, 6.0, 1.0, false), (2.0, 6.0, 1.0, false), (5.0, 0.02, 1.0, true)];
        for (c, l, run, big) in cases {
            let s = surprise(c, l, run);
            assert_eq!(s >= 6.0, big, "{c} where {l} were expected, {run} points a spike: {s}");
        }
        assert_eq!(surprise(2.0, 6.0, 1.0), 0.0);
    }

    #[test]
    fn the_window_is_about_a_day() {
        assert_eq!([window(60), window(300), window(900), window(3600)], [288, 288, 96, 24]);
    }
}
