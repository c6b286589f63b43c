//! Deterministic synthetic metrics: the one generator behind the sample workspace, the labelled
//! quality suite, the benchmark and the detector tests, so every one of them is reproducible from a seed.
//!
//! The random source is SplitMix64 written out here (not a crate), so a seed gives the same data on
//! every machine and every dependency version.

use crate::analysis::Context;
use crate::time::{DAY, WEEK};

/// SplitMix64 with a Box–Muller normal.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    /// Seed of a child generator, so adding one series does not change the others.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }
}

/// A seasonal metric: level × (1 + growth) × daily curve × weekday factor × (1 + noise).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub level: f64,
    /// Daily amplitude as a fraction of level (peak at 14:00 local, trough at 02:00).
    pub daily: f64,
    /// How much lower weekends are, as a fraction.
    pub weekly: f64,
    /// Multiplicative noise (standard deviation as a fraction of the value).
    pub noise: f64,
    /// Growth per week as a fraction of level (compounding is not modelled; linear).
    pub growth_per_week: f64,
}

impl Shape {
    /// Noise-free value at grid point `i`.
    pub fn value_at(&self, ctx: &Context, i: usize) -> f64 {
        let sow = ctx.slot[i] as i64 * ctx.grid.step;
        let tod = (sow % DAY) as f64 / DAY as f64;
        let dow = sow / DAY; // 0 = week start (Monday in the sample)
        let daily = 1.0 + self.daily * (std::f64::consts::TAU * (tod - 14.0 / 24.0)).cos();
        let weekend = if dow >= 5 { 1.0 - self.weekly } else { 1.0 };
        let weeks_from_review = (ctx.grid.time(i) - ctx.review_start()) as f64 / WEEK as f64;
        let growth = 1.0 + self.growth_per_week * weeks_from_review;
        self.level * growth * daily * weekend
    }

    /// Noise-free values on the whole grid.
    pub fn expected(&self, ctx: &Context) -> Vec<f64> {
        (0..ctx.grid.len).map(|i| self.value_at(ctx, i)).collect()
    }

    /// Noisy values on the whole grid.
    pub fn render(&self, ctx: &Context, rng: &mut Rng) -> Vec<f64> {
        (0..ctx.grid.len).map(|i| self.value_at(ctx, i) * (1.0 + self.noise * rng.normal())).collect()
    }

    /// Noisy values whose noise grows by `per_week` (fraction) each week toward the review week.
    pub fn render_widening(&self, ctx: &Context, rng: &mut Rng, per_week: f64) -> Vec<f64> {
        let h = ctx.history_weeks as f64;
        (0..ctx.grid.len)
            .map(|i| {
                let w = ctx.week[i] as f64 + h; // 0 for the oldest week
                let noise = self.noise * (1.0 + per_week * w);
                self.value_at(ctx, i) * (1.0 + noise * rng.normal())
            })
            .collect()
    }
}

/// Changes injected into a rendered series, in review-range offsets (points after the review start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Inject {
    /// Multiply `len` points from `at` by `factor` (a spike above 1, a dip below).
    Bump { at: usize, len: usize, factor: f64 },
    /// Multiply every point from `at` to the end of the review by `factor`.
    Shift { at: usize, factor: f64 },
    /// Remove `len` points from `at`.
    Gap { at: usize, len: usize },
    /// Remove everything from `at` to the end.
    Stop { at: usize },
    /// Add `amount` to `len` points from `at`.
    Add { at: usize, len: usize, amount: f64 },
}

impl Inject {
    pub fn apply(&self, ctx: &Context, v: &mut [f64]) {
        let r0 = ctx.review.start;
        let end = ctx.review.end.min(v.len());
        let span = |at: usize, len: usize| (r0 + at).min(end)..(r0 + at + len).min(end);
        match *self {
            Inject::Bump { at, len, factor } => v[span(at, len)].iter_mut().for_each(|x| *x *= factor),
            Inject::Shift { at, factor } => v[span(at, usize::MAX / 4)].iter_mut().for_each(|x| *x *= factor),
            Inject::Gap { at, len } => v[span(at, len)].iter_mut().for_each(|x| *x = f64::NAN),
            Inject::Stop { at } => v[span(at, usize::MAX / 4)].iter_mut().for_each(|x| *x = f64::NAN),
            Inject::Add { at, len, amount } => v[span(at, len)].iter_mut().for_each(|x| *x += amount),
        }
    }

    /// The review-range offsets this injection touches.
    pub fn span(&self, review_len: usize) -> std::ops::Range<usize> {
        let (a, l) = match *self {
            Inject::Bump { at, len, .. } | Inject::Gap { at, len } | Inject::Add { at, len, .. } => (at, len),
            Inject::Shift { at, .. } | Inject::Stop { at } => (at, review_len),
        };
        a.min(review_len)..(a + l).min(review_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
        let n: Vec<f64> = (0..20000).map(|_| a.normal()).collect();
        let mean = n.iter().sum::<f64>() / n.len() as f64;
        let var = n.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n.len() as f64;
        assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.05, "{mean} {var}");
    }
}
