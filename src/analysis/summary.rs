//! What re-flagging knows of a fitted series without reading its arrays back: the parts of the
//! detectors' work that do not depend on the sensitivity (the change point, the largest residuals, the
//! stretch windows' scores and how they change as the largest residuals leave them, the largest
//! spike-burst surprise, the anomaly episodes' reach, and the odd-one-out reach of the metric's instances),
//! computed once when the series is fitted.
//! With them most metrics are answered "nothing moves at this sensitivity" from memory.

use super::stats::median;
use super::stretch::{self, Bounds, Steps};
use super::Fit;

/// The summary of one fit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    pub change: Option<ChangePoint>,
    /// The largest and second-largest z upward, and of −z downward (−∞ when there are fewer).
    pub up: (f64, f64),
    pub down: (f64, f64),
    /// The stretch windows' largest scores with no point left out, which they are at any anomaly threshold
    /// above every |z| (None when the range is shorter than a window).
    pub windows: Option<Bounds>,
    /// The stretch windows' best score as the anomaly threshold comes down past the largest |z| (None when
    /// the range is shorter than a window or no |z| is large enough to follow).
    pub steps: Option<Steps>,
    /// The largest burst-window surprise ([`super::burst::largest`]; independent of the sensitivity).
    pub burst: f64,
    /// The largest anomaly threshold at which the range holds an anomaly episode
    /// ([`super::detect::anomaly_reach`]; 0 when none).
    pub anomaly: f64,
    /// The largest threshold at which an instance is odd one out ([`super::group::odd_reach`]). The fit does
    /// not see the instances: ∞ (any threshold may find one) until the review sets it from them.
    pub odd: f64,
}

impl Summary {
    /// Summarise `fit` (its arrays complete) at `step` seconds.
    pub fn of(fit: &Fit, step: i64) -> Summary {
        Summary {
            change: ChangePoint::of(&fit.z, step),
            up: top_two(fit.z.iter().copied()),
            down: top_two(fit.z.iter().map(|z| -z)),
            windows: stretch::bounds(fit, &fit.z, f64::INFINITY),
            steps: Steps::of(fit, &fit.z),
            burst: super::burst::largest(fit, step),
            anomaly: super::detect::anomaly_reach(&fit.z),
            odd: f64::INFINITY,
        }
    }

    /// The largest |z| of the review range (−∞ without one).
    pub fn largest(&self) -> f64 {
        self.up.0.max(self.down.0)
    }
}

/// The largest and second-largest of `v` (NaN ignored; −∞ when there are fewer).
pub fn top_two(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut a, mut b) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for x in v {
        if x > a {
            b = a;
            a = x;
        } else if x > b {
            b = x;
        }
    }
    (a, b)
}

/// Where the review range's clipped residual z (±6) changes level most (the largest two-sample statistic
/// with ≥ 3 h before and ≥ 6 h after), and the median z on either side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePoint {
    /// Finite points before the change (the index into the finite z's).
    pub finite_before: usize,
    /// Review offset of the first point after the change.
    pub at: usize,
    pub median_before: f64,
    pub median_after: f64,
}

impl ChangePoint {
    /// The change point of `z` at `step` seconds (None when the range is too short or flat).
    pub fn of(z: &[f64], step: i64) -> Option<ChangePoint> {
        let steps_per_hour = (3600 / step.max(1)).max(1) as usize;
        let (min_before, min_after) = (3 * steps_per_hour, 6 * steps_per_hour);
        let (idx, zc) = clipped(z);
        let n = idx.len();
        if n < min_before + min_after {
            return None;
        }
        let mut prefix = Vec::with_capacity(n + 1);
        prefix.push(0.0);
        for v in &zc {
            prefix.push(prefix.last().copied().unwrap_or(0.0) + v);
        }
        let total = prefix[n];
        let (mut best, mut best_t) = (0.0, 0usize);
        for (t, &before) in prefix.iter().enumerate().take(n - min_after + 1).skip(min_before) {
            let (n1, n2) = (t as f64, (n - t) as f64);
            let d = (total - before) / n2 - before / n1;
            let stat = d.abs() * (n1 * n2 / n as f64).sqrt();
            if stat > best {
                best = stat;
                best_t = t;
            }
        }
        if best_t == 0 {
            return None;
        }
        Some(ChangePoint {
            finite_before: best_t,
            at: idx[best_t],
            median_before: median(&zc[..best_t]),
            median_after: median(&zc[best_t..]),
        })
    }
}

/// The review offsets with a finite z, and those z clipped to ±6.
pub fn clipped(z: &[f64]) -> (Vec<usize>, Vec<f64>) {
    (0..z.len()).filter(|&j| z[j].is_finite()).map(|j| (j, z[j].clamp(-6.0, 6.0))).unzip()
}
