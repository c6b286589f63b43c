//! The stretch windows' best score step by step as the anomaly threshold comes down past the largest
//! residuals, kept in a fit's summary: re-flagging at a higher sensitivity then knows from memory whether a
//! stretch can be flagged, without reading the metric's residuals back.
//!
//! A stretch window leaves out the points at or beyond the anomaly threshold k ([`super::bounds`]), so its
//! scores change only where k passes a point's |z|: between two neighbouring |z| values they are constant.
//! At fit time the largest |z| values are left out one value at a time (each step updates only the windows
//! holding those points and the best score of their blocks of windows), and the best score of each step is
//! kept. A threshold within rounding of a step's edge, or below the last step followed, is not answered.

use super::{clip, StretchStats, ERRATIC, MAX_WINDOW};
use crate::analysis::Fit;

/// How many distinct |z| values are followed (a threshold below the last one is answered by the residuals).
pub const STEPS: usize = 24;

/// |z| below which no step is followed: a threshold that low (a sensitivity of 2 or more) leaves many points
/// out of every window and makes most metrics flag something anyway.
const FLOOR: f64 = 2.0;

/// Relative distance from a step's edge (or from a score to a threshold) within which the answer is left to
/// the residuals: the steps are held in `f32` and their sums updated in place, so values closer than this
/// are not told apart from what [`super::bounds`] computes afresh.
const MARGIN: f64 = 1e-6;

/// The best stretch-window score (the largest of running high, running low and erratic over its factor
/// [`ERRATIC`], as [`super::Bounds::reach`] compares them) at each anomaly threshold below the largest |z|.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Steps {
    /// Distinct |z| values, largest first: at a threshold in (`edge[i + 1]`, `edge[i]`] the points with
    /// |z| ≥ `edge[i]` are left out of the windows and the best score is `score[i]`.
    edge: [f32; STEPS],
    score: [f32; STEPS],
    len: u8,
    /// The threshold at or below which the steps do not know the score (the next |z| not followed).
    below: f32,
}

impl Steps {
    /// The best window score at anomaly threshold `k` when `k` is at or below the largest |z| (None when it
    /// is not followed, or within rounding of where a point leaves the windows).
    pub fn at(&self, k: f64) -> Option<f64> {
        let near = |e: f32| (k - e as f64).abs() <= MARGIN * (e as f64).abs().max(1.0);
        let len = self.len as usize;
        if len == 0 || near(self.below) || k <= self.below as f64 || k > self.edge[0] as f64 {
            return None;
        }
        // The last edge at or above k (edges descend); k lies above the next one (or above `below`).
        let i = self.edge[..len].iter().rposition(|&e| k <= e as f64)?;
        if self.edge[..len].iter().any(|&e| near(e)) {
            return None;
        }
        Some(self.score[i] as f64)
    }

    /// Whether a stretch window reaches threshold `t` at anomaly threshold `k` (None when not known here or
    /// within rounding of `t`).
    pub fn reach(&self, k: f64, t: f64) -> Option<bool> {
        let score = self.at(k)?;
        ((score - t).abs() > MARGIN * t.abs().max(1.0)).then_some(score >= t)
    }

    /// The steps of residuals `z` under `fit`'s history statistics (None when the range is shorter than a
    /// window or no |z| reaches [`FLOOR`]).
    pub fn of(fit: &Fit, z: &[f64]) -> Option<Steps> {
        let n = z.len();
        let w = fit.parts.first().map(|p| p.stretch.w)?;
        if n < w || w == 0 || w > MAX_WINDOW {
            return None;
        }
        // The largest |z| at or above the floor, largest first. Past `keep` of them only the largest are
        // kept: the value at the cut may have more points than were kept, so it is not a step.
        let mut big: Vec<(f64, u32)> = z.iter().enumerate().filter(|(_, v)| v.abs() >= FLOOR).map(|(j, v)| (v.abs(), j as u32)).collect();
        if big.is_empty() {
            return None;
        }
        let keep = 3 * STEPS;
        let cut = (big.len() > keep + 1).then(|| {
            big.select_nth_unstable_by(keep, |a, b| b.0.total_cmp(&a.0));
            big.truncate(keep + 1);
            big[keep].0
        });
        big.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        let mut win = Windows::new(fit, z, w);
        let mut steps = Steps { edge: [0.0; STEPS], score: [0.0; STEPS], len: 0, below: FLOOR as f32 };
        let mut i = 0;
        while i < big.len() {
            let a = big[i].0;
            if steps.len as usize == STEPS || cut.is_some_and(|c| a <= c) {
                steps.below = a as f32;
                break;
            }
            while i < big.len() && big[i].0 == a {
                win.leave_out(big[i].1 as usize);
                i += 1;
            }
            steps.edge[steps.len as usize] = a as f32;
            steps.score[steps.len as usize] = win.best() as f32;
            steps.len += 1;
        }
        Some(steps)
    }
}

/// The score of a window of `c` points summing to `s` (clipped z) and `sa` (their |z|) under a part's
/// history statistics: the largest of running high, running low and erratic over [`ERRATIC`] (−∞ for a
/// part without statistics).
fn score_of(st: &StretchStats, s: f64, sa: f64, c: u8) -> f64 {
    if !st.usable() {
        return f64::NEG_INFINITY;
    }
    let (m, ma) = (s / c as f64, sa / c as f64);
    let u = (m - st.mean.0) / st.mean.1;
    u.max(-u).max((ma - st.abs.0) / st.abs.1 / ERRATIC)
}

/// Whether the window of `w` points ending at `j`, holding `c` of them, is scored: a whole window, at least
/// half its points, from the first part on.
fn scored(j: usize, c: u8, w: usize, first: usize) -> bool {
    j + 1 >= w && c as usize * 2 >= w && j >= first
}

/// Every window's sums (by its last point), updated as points leave, with the best score per block of
/// windows so a step rescores only the blocks it touched.
struct Windows<'a> {
    fit: &'a Fit,
    z: &'a [f64],
    w: usize,
    sum: Vec<f64>,
    sum_abs: Vec<f64>,
    count: Vec<u8>,
    block_best: Vec<f64>,
}

impl<'a> Windows<'a> {
    fn new(fit: &'a Fit, z: &'a [f64], w: usize) -> Windows<'a> {
        let n = z.len();
        let (mut sum, mut sum_abs, mut count) = (vec![0.0; n], vec![0.0; n], vec![0u8; n]);
        let mut block_best = vec![f64::NEG_INFINITY; n.div_ceil(w)];
        let (mut s, mut sa, mut c) = (0.0, 0.0, 0u8);
        // The part each window's last point is in (parts ascend), followed along instead of looked up.
        let parts = &fit.parts;
        let (first, mut at) = (parts[0].from, 0);
        let mut next = parts.get(1).map_or(usize::MAX, |p| p.from);
        for j in 0..n {
            let v = clip(z[j], f64::INFINITY);
            if v.is_finite() {
                s += v;
                sa += v.abs();
                c += 1;
            }
            if j >= w {
                let old = clip(z[j - w], f64::INFINITY);
                if old.is_finite() {
                    s -= old;
                    sa -= old.abs();
                    c -= 1;
                }
            }
            (sum[j], sum_abs[j], count[j]) = (s, sa, c);
            while j >= next {
                at += 1;
                next = parts.get(at + 1).map_or(usize::MAX, |p| p.from);
            }
            if scored(j, c, w, first) {
                let best = &mut block_best[j / w];
                *best = best.max(score_of(&parts[at].stretch, s, sa, c));
            }
        }
        Windows { fit, z, w, sum, sum_abs, count, block_best }
    }

    /// The score of the window ending at `j` (−∞ where no window is scored: too few points, before the
    /// first part).
    fn score(&self, j: usize) -> f64 {
        let c = self.count[j];
        if !scored(j, c, self.w, self.fit.parts[0].from) {
            return f64::NEG_INFINITY;
        }
        self.fit.part_at(j).map_or(f64::NEG_INFINITY, |p| score_of(&p.stretch, self.sum[j], self.sum_abs[j], c))
    }

    fn rescore(&mut self, b: usize) {
        let end = ((b + 1) * self.w).min(self.z.len());
        self.block_best[b] = (b * self.w..end).map(|j| self.score(j)).fold(f64::NEG_INFINITY, f64::max);
    }

    /// Leave point `p` out of every window holding it.
    fn leave_out(&mut self, p: usize) {
        let v = clip(self.z[p], f64::INFINITY);
        if !v.is_finite() {
            return;
        }
        let end = (p + self.w).min(self.z.len());
        for j in p..end {
            self.sum[j] -= v;
            self.sum_abs[j] -= v.abs();
            self.count[j] -= 1;
        }
        for b in p / self.w..=(end - 1) / self.w {
            self.rescore(b);
        }
    }

    fn best(&self) -> f64 {
        self.block_best.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::super::bounds;
    use super::*;
    use crate::synth::{Rng, Shape};

    /// A real fit of a clean week (its history statistics are what the steps score against); optionally a
    /// second part from the middle of the range with other statistics, as a rolling fit has.
    fn fitted(two_parts: bool) -> Fit {
        let c = crate::analysis::test_week();
        let shape = Shape { level: 100.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
        let mut fit = crate::analysis::fit(&c, &shape.render(&c, &mut Rng::new(5)));
        if two_parts {
            let mut later = fit.parts[0];
            later.from = fit.z.len() / 2;
            later.stretch.mean = (later.stretch.mean.0 + 0.1, later.stretch.mean.1 * 1.3);
            later.stretch.abs = (later.stretch.abs.0 * 0.9, later.stretch.abs.1 * 0.8);
            fit.parts.push(later);
        }
        fit
    }

    /// What the steps stand for: the best score `bounds` computes afresh at threshold `k`.
    fn fresh(fit: &Fit, z: &[f64], k: f64) -> f64 {
        bounds(fit, z, k).map_or(f64::NEG_INFINITY, |b| b.high.max(b.low).max(b.erratic / ERRATIC))
    }

    /// Heavy-tailed residuals with gaps and repeated values, and a few planted stretches.
    fn residuals(rng: &mut Rng, n: usize) -> Vec<f64> {
        let mut z: Vec<f64> = (0..n)
            .map(|_| {
                let u = rng.uniform();
                if u < 0.03 {
                    f64::NAN
                } else if u < 0.06 {
                    rng.normal() * 4.0
                } else if u < 0.08 {
                    (rng.normal() * 3.0).round()
                } else {
                    rng.normal()
                }
            })
            .collect();
        for _ in 0..3 {
            let at = (rng.uniform() * (n - 40) as f64) as usize;
            let lift = rng.normal() * 2.0;
            z[at..at + 30].iter_mut().for_each(|v| *v += lift);
        }
        z
    }

    #[test]
    fn each_step_is_the_best_score_with_its_points_left_out() {
        let mut answered = 0;
        let mut rng = Rng::new(17);
        for case in 0..120 {
            let fit = fitted(case % 3 == 0);
            let z = residuals(&mut rng, fit.z.len());
            let Some(steps) = Steps::of(&fit, &z) else { panic!("case {case}: no steps") };
            let mut ks: Vec<f64> = (0..60).map(|i| 0.5 + 0.1 * i as f64).collect();
            // Right at, and just either side of, where points leave.
            for &e in &steps.edge[..steps.len as usize] {
                ks.extend([e as f64, e as f64 * (1.0 - 1e-7), e as f64 * (1.0 + 1e-7), e as f64 * 0.999, e as f64 * 1.001]);
            }
            for k in ks {
                let want = fresh(&fit, &z, k);
                if let Some(got) = steps.at(k) {
                    answered += 1;
                    assert!((got - want).abs() <= 1e-5 * want.abs().max(1.0), "case {case}, k {k}: steps {got}, afresh {want}");
                    for t in [0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 12.0, want, want * (1.0 + 1e-4), want * (1.0 - 1e-4)] {
                        if let Some(r) = steps.reach(k, t) {
                            assert_eq!(r, want >= t, "case {case}, k {k}, t {t}: score {want}");
                        }
                    }
                }
            }
        }
        // Most thresholds between the floor and the largest |z| are answered, not left to the residuals.
        assert!(answered > 120 * 20, "only {answered} answered");
    }

    #[test]
    fn thresholds_outside_the_steps_are_not_answered() {
        let fit = fitted(false);
        let n = fit.z.len();
        // One point alone above the floor: one step, then nothing known below the floor.
        let mut z = vec![0.3; n];
        z[100] = -9.0;
        let steps = Steps::of(&fit, &z).expect("steps");
        assert_eq!(steps.len, 1);
        let cases: [(f64, bool); 6] = [(9.5, false), (9.0, false), (8.0, true), (2.5, true), (2.0, false), (1.0, false)];
        for (k, known) in cases {
            assert_eq!(steps.at(k).is_some(), known, "k {k}");
        }
        // Leaving the low point out raises the window around it: the step says so.
        assert!(steps.at(8.0).expect("known") > fresh(&fit, &z, f64::INFINITY));
        // Nothing at or above the floor, or a range shorter than a window: no steps.
        assert!(Steps::of(&fit, &vec![1.0; n]).is_none());
        assert!(Steps::of(&fit, &[5.0; 3]).is_none());
    }

    #[test]
    fn only_the_largest_values_are_followed() {
        let fit = fitted(false);
        let n = fit.z.len();
        // More distinct values above the floor than steps, and many points sharing the value at the cut.
        let mut z = vec![0.0; n];
        for (i, v) in z.iter_mut().enumerate().step_by(7) {
            *v = if i % 2 == 0 { 2.5 } else { 3.0 + (i % 97) as f64 / 10.0 };
        }
        let steps = Steps::of(&fit, &z).expect("steps");
        assert_eq!(steps.len as usize, STEPS);
        let last = steps.edge[STEPS - 1] as f64;
        // Right at an edge the rounding of the f32 edges could put a point on either side: not answered.
        assert!(steps.at(last).is_none() && steps.at(steps.below as f64).is_none());
        assert!(steps.below > 2.5 && (steps.below as f64) < last, "{steps:?}");
        for k in [last * 1.001, 0.5 * (last + steps.below as f64), steps.edge[0] as f64 * 0.9] {
            let got = steps.at(k).expect("known");
            assert!((got - fresh(&fit, &z, k)).abs() < 1e-5, "k {k}");
        }
    }
}
