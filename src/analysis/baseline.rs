//! The seasonal baseline: for every review point, what the metric usually does at that local time of
//! week, and how much it usually varies there.
//!
//! **Time-of-week profile** (the default): for each local slot (e.g. Tuesday 14:05) take the values of
//! that slot and its two neighbours in each history week, projected to the review week by a robust
//! weekly trend (Theil–Sen over weekly medians); the median is the expected value and 1.4826 × MAD the
//! band's sigma, smoothed over ±30 min of slots so the band width follows the time of day without
//! jitter. Medians make it robust to last month's incidents (two bad weeks of five do not move it).
//! It is O(n) per series. With fewer than two usable history weeks it degrades to a **time-of-day**
//! profile (every history day), then to a **flat** median/MAD, and the fit says which and why.

use super::profile::{median_without, profile, Profile, Projection};
use super::stats::{key_value, mad, mad_mut, median, median_mut, quantiles_mut, theil_sen, value_key};
use super::summary::Summary;
use super::{Context, NONE};

/// Which baseline a fit used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    TimeOfWeek,
    /// One usable history week whose weekend stands apart from its weekdays: the same time last week, smoothed.
    LastWeek,
    TimeOfDay,
    Flat,
    /// No usable data at all (nothing to compare against).
    None,
    /// Short history: each day (then week) of the range against all the data before it
    /// ([`super::rolling`]).
    Rolling,
}

impl BaselineKind {
    /// Plain words for a sentence.
    pub fn label(self) -> &'static str {
        match self {
            BaselineKind::TimeOfWeek => "time of week",
            BaselineKind::LastWeek => "same time last week",
            BaselineKind::TimeOfDay => "time of day",
            BaselineKind::Flat => "flat",
            BaselineKind::None => "none",
            BaselineKind::Rolling => "rolling",
        }
    }
}

/// Statistics of one week (a history week or the review range).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WeekStat {
    /// `-k` for k weeks before the review, 0 for the review range.
    pub week: i32,
    pub start: i64,
    /// Share of grid points with a value.
    pub coverage: f64,
    pub median: f64,
    pub p05: f64,
    pub p95: f64,
    pub p005: f64,
    pub p995: f64,
    /// Robust spread (1.4826 × MAD) of the deseasonalised, day-detrended residual, relative to the
    /// week's median when the series is positive (so proportional growth is not "more variable").
    pub spread: f64,
}

impl WeekStat {
    pub fn usable(&self) -> bool {
        self.coverage >= 0.5
    }
}

/// A fitted series: everything the detectors need, computed once.
#[derive(Debug, Clone)]
pub struct Fit {
    pub kind: BaselineKind,
    /// One sentence on which baseline was used and why.
    pub reason: String,
    /// Trend of the weekly median used to project history onto the review week (units per week).
    pub trend_per_week: f64,
    /// Per review point: expected value, band sigma, standardised residual (NaN where missing),
    /// last week's value at the same local time, and whether this slot is usually silent.
    pub expected: Vec<f64>,
    pub sigma: Vec<f64>,
    pub z: Vec<f64>,
    pub last_week: Vec<f64>,
    pub usual_missing: Vec<bool>,
    /// What the history behind each part of the review range was like: one part, or one per day or
    /// week of a [`super::rolling`] fit, in order of their first review offset.
    pub parts: Vec<Part>,
    /// Oldest history week first, the review range last.
    pub weeks: Vec<WeekStat>,
    /// Median of every value (history and review).
    pub level: f64,
    /// Whether [`WeekStat::spread`] is relative to the level (a positive series) or absolute.
    pub spread_relative: bool,
    /// How long the history's own gaps usually are (points; the 95th percentile of its gap lengths, 0
    /// when it has fewer than 3): a series sampled irregularly is not "missing data" for gaps that long.
    pub usual_gap: usize,
    /// The lowest and highest value of the series (history and review; NaN without any): the band is
    /// shown within what the metric can be ([`Fit::band`]).
    pub range: (f64, f64),
    /// What re-flagging needs to know of the fit without its arrays ([`super::summary`]).
    pub summary: Summary,
}

/// What the history behind one part of the review range was like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Part {
    /// First review offset this part covers.
    pub from: usize,
    /// The largest |z| anywhere in the history (NaN without history): a departure beyond it is the
    /// biggest in all that history.
    pub history_max_z: f64,
    /// What stretches of a few hours usually look like in that history.
    pub stretch: super::stretch::StretchStats,
    /// How often that history spiked.
    pub burst: super::burst::BurstStats,
}

impl Fit {
    /// The part that review offset `j` belongs to.
    pub fn part_at(&self, j: usize) -> Option<&Part> {
        self.parts.iter().rev().find(|p| p.from <= j)
    }

    /// The seasonal band at `k` sigmas: (lower, upper) per review point, NaN where there is no baseline;
    /// within what the metric can be (see [`Fit::band_at`]).
    pub fn band(&self, k: f64, unit: &str) -> (Vec<f64>, Vec<f64>) {
        (0..self.expected.len()).map(|j| self.band_at(j, k, unit)).unzip()
    }

    /// The band at `k` sigmas at review offset `j`, kept within what the metric can be: never below zero
    /// for a series that has never been negative, never above 100 for a percentage that has never been
    /// over 100 (a success rate's band does not reach 101 %). Detection reads the residuals, not this.
    pub fn band_at(&self, j: usize, k: f64, unit: &str) -> (f64, f64) {
        let (e, sd) = (self.expected[j], self.sigma[j]);
        let (mut lo, mut hi) = (e - k * sd, e + k * sd);
        let (lowest, highest) = self.range;
        if lowest >= 0.0 && lo < 0.0 {
            lo = 0.0;
        }
        if unit.trim() == "%" && highest <= 100.0 && hi > 100.0 {
            hi = 100.0;
        }
        (lo, hi)
    }

    pub fn review_week(&self) -> Option<&WeekStat> {
        self.weeks.last().filter(|w| w.week == 0)
    }
}

/// Fit the baseline of one series (`values` on the context's grid, NaN = missing).
pub fn fit(ctx: &Context, values: &[f64]) -> Fit {
    let h = ctx.history_weeks;
    // The level (median of every value) and whether the series is positive (its 5th percentile above
    // zero), from one copy and one selection.
    // The range of the values, in the pass that copies them.
    let ([p05, level], range) = {
        let mut all: Vec<f64> = Vec::with_capacity(values.len());
        let (mut lowest, mut highest) = (f64::INFINITY, f64::NEG_INFINITY);
        for &x in values.iter().filter(|x| x.is_finite()) {
            all.push(x);
            lowest = if x < lowest { x } else { lowest };
            highest = if x > highest { x } else { highest };
        }
        let range = if all.is_empty() { (f64::NAN, f64::NAN) } else { (lowest, highest) };
        (quantiles_mut(&mut all, [0.05, 0.5]), range)
    };
    let spread_relative = p05 > 0.0;
    let weeks = week_stats(ctx, values, spread_relative);

    // Trend over usable history weeks: a Theil–Sen line through the weekly medians. History values are
    // projected onto the review week multiplicatively for a positive series (business growth scales the
    // daily swing too), additively otherwise.
    let (wx, wy): (Vec<f64>, Vec<f64>) = weeks.iter().filter(|w| w.week < 0 && w.usable()).map(|w| (w.week as f64, w.median)).unzip();
    let (trend, icpt) = if wx.len() >= 3 { theil_sen(&wx, &wy).unwrap_or((0.0, 0.0)) } else { (0.0, 0.0) };
    let project = Projection::new(trend, icpt, spread_relative, h);
    let Profile { kind, reason, med, sig } = profile(ctx, values, &weeks, &project, trend);

    // The time-of-day profile is built from unprojected history; its residuals are read the same way.
    let unprojected = Projection::none();
    let resid = history_residuals(ctx, values, &med, if kind == BaselineKind::TimeOfDay { &unprojected } else { &project });
    let mut sig = smooth_and_floor(&sig, &med, level, ctx.slots_per_day, mean_abs_scale(&resid));
    widen_for_shape(&mut sig, &med);
    let (tail, max_z) = tail_factor(&resid, &sig);
    sig.iter_mut().for_each(|v| *v *= tail);
    let part = Part {
        from: 0,
        history_max_z: max_z / tail,
        stretch: super::stretch::StretchStats::of_history(&resid, &sig, ctx.grid.step),
        burst: super::burst::BurstStats::of_history(&resid, &sig, ctx.grid.step),
    };

    // A slot is usually silent when the series was silent there in most of the history weeks it reported in:
    // a week it sent nothing at all (before it existed, an outage, a week past the end of the data) says
    // nothing about its times of silence — a series new this week, or one that never reported in its history,
    // has no usual silences.
    let reported: Vec<&Vec<u32>> = ctx
        .by_week_slot
        .iter()
        .enumerate()
        .filter(|(k, _)| weeks.iter().any(|w| w.week == -(*k as i32 + 1) && w.coverage > 0.0))
        .map(|(_, row)| row)
        .collect();
    let n = ctx.review_len();
    let mut fit = Fit {
        kind,
        reason,
        trend_per_week: trend,
        expected: Vec::with_capacity(n),
        sigma: Vec::with_capacity(n),
        z: Vec::with_capacity(n),
        last_week: ctx.weeks_back(values, 1),
        usual_missing: Vec::with_capacity(n),
        parts: vec![part],
        weeks,
        level,
        spread_relative,
        usual_gap: usual_gap(&values[..ctx.review.start]),
        range,
        summary: Summary::default(),
    };
    for i in ctx.review.clone() {
        let s = ctx.slot[i] as usize;
        let e = med[s];
        let sd = sig[s];
        let x = values[i];
        fit.expected.push(e);
        fit.sigma.push(sd);
        // A value near the ends of f64 gives an infinite z: keep it as a (huge) finite one so it is reported.
        fit.z.push(if x.is_finite() && e.is_finite() && sd > 0.0 { ((x - e) / sd).clamp(-1e9, 1e9) } else { f64::NAN });
        let missing_weeks = reported.iter().filter(|row| row[s] == NONE || !values[row[s] as usize].is_finite()).count();
        fit.usual_missing.push(reported.len() >= 2 && missing_weeks as f64 >= 0.6 * reported.len() as f64);
    }
    fit.summary = Summary::of(&fit, ctx.grid.step);
    fit
}

/// Smooth per-slot sigmas with a circular running mean over ±30 minutes of slots (each sigma is already
/// a robust MAD estimate; the mean only removes slot-to-slot jitter, in O(1) per slot), then floor them
/// so a quiet slot cannot produce a razor-thin band (`lumpy`: [`mean_abs_scale`] of the history).
fn smooth_and_floor(sig: &[f64], med: &[f64], level: f64, slots_per_day: usize, lumpy: f64) -> Vec<f64> {
    let n = sig.len();
    let half = (slots_per_day / 48).max(1).min(n / 2); // 30 minutes of slots each side
    let val = |i: usize| if sig[i].is_finite() { (sig[i], 1.0) } else { (0.0, 0.0) };
    let (mut sum, mut cnt) = (0.0, 0.0);
    for d in 0..=2 * half {
        let (v, c) = val((n + d - half) % n);
        sum += v;
        cnt += c;
    }
    let mut out = vec![f64::NAN; n];
    for (s, o) in out.iter_mut().enumerate() {
        *o = if cnt > 0.0 { sum / cnt } else { f64::NAN };
        let (v_out, c_out) = val((s + n - half) % n);
        let (v_in, c_in) = val((s + half + 1) % n);
        sum += v_in - v_out;
        cnt += c_in - c_out;
    }
    let typical = median(&out);
    let scale = if typical > 0.0 {
        typical
    } else {
        // A mostly constant series: fall back to how far the profile itself moves, then to the level.
        let spread = 1.4826 * mad(med, median(med));
        if spread > 0.0 {
            spread
        } else {
            (level.abs() * 0.01).max(1e-9)
        }
    };
    // Half the mean-absolute scale is a floor too: a slot whose MAD is 0 (mostly-zero counts) still
    // gets a band as wide as the series is lumpy.
    let floor = (0.3 * scale).max(if lumpy.is_finite() { 0.5 * lumpy } else { 0.0 }).max(1e-9);
    for v in out.iter_mut() {
        if !v.is_finite() || *v < floor {
            *v = floor.max(if v.is_finite() { *v } else { scale });
        }
    }
    out
}

/// Where the usual pattern moves fast (a daily ramp, the edge of a square wave), a few minutes of
/// timing jitter move the value by as much as the pattern moves in one slot: the band is widened by
/// half the larger step to a neighbouring slot, so an edge arriving a slot early is not an anomaly.
fn widen_for_shape(sig: &mut [f64], med: &[f64]) {
    let n = med.len();
    if n < 3 {
        return;
    }
    let widened: Vec<f64> = (0..n)
        .map(|s| {
            let (a, m, b) = (med[(s + n - 1) % n], med[s], med[(s + 1) % n]);
            let step = [a, b].iter().filter(|x| x.is_finite()).map(|x| (x - m).abs()).fold(0.0, f64::max);
            if m.is_finite() {
                sig[s].hypot(0.5 * step)
            } else {
                sig[s]
            }
        })
        .collect();
    sig.copy_from_slice(&widened);
}

/// The history's residuals against the profile: (grid index, slot, value − expected), in time order.
fn history_residuals(ctx: &Context, values: &[f64], med: &[f64], project: &Projection) -> Vec<(usize, u32, f64)> {
    values[..ctx.review.start]
        .iter()
        .enumerate()
        .filter_map(|(i, &v)| {
            let s = ctx.slot[i];
            let m = med.get(s as usize).copied()?;
            let v = project.apply(v, (-ctx.week[i] - 1).max(0) as usize);
            (v.is_finite() && m.is_finite()).then_some((i, s, v - m))
        })
        .collect()
}

/// A scale that does not collapse where the MAD does: 1.2533 × the mean absolute residual (σ for
/// normal noise). Counts that are mostly zero have a MAD of 0 but a mean absolute residual that says
/// how lumpy they are. NaN with too few residuals.
fn mean_abs_scale(resid: &[(usize, u32, f64)]) -> f64 {
    if resid.len() < 24 {
        return f64::NAN;
    }
    // Winsorised at the 95th percentile: a few absurd values (1e308) must not make every band infinite.
    let mut abs: Vec<f64> = resid.iter().map(|r| r.2.abs()).collect();
    let cap = quantiles_mut(&mut abs, [0.95])[0];
    1.2533 * abs.iter().map(|r| r.min(cap)).sum::<f64>() / abs.len() as f64
}

/// How heavy the series' tails are: the 99th percentile of the history's |residual| in band sigmas,
/// over what normal noise gives (2.58), at least 1 and at most 20. A spiky or lumpy series (counts
/// near zero, bursts) whose history often sits 5 σ out gets a band that wide, so only what is unusual
/// *for it* is flagged. Also the largest |residual| in sigmas.
fn tail_factor(resid: &[(usize, u32, f64)], sig: &[f64]) -> (f64, f64) {
    let mut r: Vec<f64> =
        resid.iter().filter_map(|&(_, s, d)| sig.get(s as usize).filter(|sd| **sd > 0.0).map(|sd| d.abs() / sd)).collect();
    let max = r.iter().copied().fold(f64::NAN, f64::max);
    if r.len() < 200 {
        return (1.0, max);
    }
    ((quantiles_mut(&mut r, [0.99])[0] / 2.576).clamp(1.0, 20.0), max)
}

/// Weekly statistics, including the deseasonalised residual spread used for growing volatility.
fn week_stats(ctx: &Context, values: &[f64], level_positive: bool) -> Vec<WeekStat> {
    let nweeks = ctx.history_weeks + 1;
    // A DST week can put two points in one slot.
    let usual = leave_one_out(ctx, values, nweeks + 2);
    // Spread of each local day: the robust spread of the residual against the all-weeks profile around
    // that day's own median residual — as a ratio (value / usual) for a positive series, a difference
    // otherwise. A week's spread is the median over its days, so one odd day (a level shift, an
    // incident) does not make a week "more variable", and growth in proportion to the level does not.
    let mut day_spread: Vec<(usize, f64)> = Vec::new();
    let mut resid = Vec::with_capacity(ctx.slots_per_day + 8);
    for day in ctx.day_runs(values.len()) {
        resid.clear();
        for i in day.clone() {
            let (v, p) = (values[i], usual[i]);
            if v.is_finite() && p.is_finite() {
                // Positive series: the ratio to the usual value, so a multiplicative shift or growth
                // does not read as spread; otherwise the plain difference.
                resid.push(if level_positive && p > 0.0 { v / p } else { v - p });
            }
        }
        if resid.len() * 2 >= day.len() && resid.len() >= 8 {
            let c = median_mut(&mut resid);
            let sd = 1.4826 * mad_mut(&mut resid, c);
            day_spread.push((day.start, if level_positive && c > 0.0 { sd / c } else { sd }));
        }
    }
    let mut out = Vec::with_capacity(nweeks);
    let mut start = 0;
    let mut buf = Vec::new();
    while start < values.len() {
        let w = ctx.week[start];
        let mut end = start;
        while end < values.len() && ctx.week[end] == w {
            end += 1;
        }
        buf.clear();
        buf.extend_from_slice(&values[start..end]);
        let total = end - start;
        let finite = buf.iter().filter(|v| v.is_finite()).count();
        let [p005, p05, med, p95, p995] = quantiles_mut(&mut buf, [0.005, 0.05, 0.5, 0.95, 0.995]);
        let mut days: Vec<f64> = day_spread.iter().filter(|(i, _)| (start..end).contains(i)).map(|(_, v)| *v).collect();
        let spread = median_mut(&mut days);
        let wi = (w + ctx.history_weeks as i32).max(0) as usize;
        out.push(WeekStat {
            week: w,
            start: ctx.week_start.get(wi).copied().unwrap_or(ctx.grid.time(start)),
            coverage: if total == 0 { 0.0 } else { finite as f64 / total as f64 },
            median: med,
            p05,
            p95,
            p005,
            p995,
            spread,
        });
        start = end;
    }
    out
}

/// Per point, the median of the *other* values of its slot of the week (the other weeks at the same local
/// time; NaN where the point is missing or alone): a week is never compared with a median it helped make
/// (that would shrink the spread of the middle weeks). A slot holds at most `cap` values; a value past
/// that gets the median of all of them (less one equal value, when they hold one).
fn leave_one_out(ctx: &Context, values: &[f64], cap: usize) -> Vec<f64> {
    let spw = ctx.slots_per_week;
    // One flat table (slot × up to `cap` (value, grid index) pairs) instead of a vector per slot; once a
    // slot's pairs are sorted, the point at sorted position p gets the median without position p.
    // Values are held as their total-order keys (`stats::value_key`): sorting compares integers.
    let mut table = vec![(0i64, 0u32); spw * cap];
    let mut count = vec![0usize; spw];
    let mut overflow = false;
    for (i, &v) in values.iter().enumerate() {
        let s = ctx.slot[i] as usize;
        if v.is_finite() {
            if count[s] < cap {
                table[s * cap + count[s]] = (value_key(v), i as u32);
                count[s] += 1;
            } else {
                overflow = true;
            }
        }
    }
    let mut usual = vec![f64::NAN; values.len()];
    let mut sorted = Vec::with_capacity(cap);
    for s in 0..spw {
        let pairs = &mut table[s * cap..s * cap + count[s]];
        pairs.sort_unstable_by_key(|p| p.0);
        sorted.clear();
        sorted.extend(pairs.iter().map(|p| key_value(p.0)));
        for (p, &(_, i)) in pairs.iter().enumerate() {
            usual[i as usize] = median_without(&sorted, p);
        }
    }
    if overflow {
        // Values past a slot's capacity were not in its table: they are compared with all of it (less
        // one equal value when it holds one: the same median either way it was counted).
        for (i, &v) in values.iter().enumerate() {
            let s = ctx.slot[i] as usize;
            if v.is_finite() && usual[i].is_nan() && count[s] == cap {
                sorted.clear();
                sorted.extend(table[s * cap..(s + 1) * cap].iter().map(|p| key_value(p.0)));
                let skip = sorted.binary_search_by(|x| x.total_cmp(&v)).unwrap_or(usize::MAX);
                usual[i] = median_without(&sorted, skip);
            }
        }
    }
    usual
}

/// The 95th percentile of the lengths of the gaps (runs of missing points between values) in `history`;
/// 0 with fewer than 3 gaps.
fn usual_gap(history: &[f64]) -> usize {
    let mut gaps = Vec::new();
    let mut run = 0usize;
    let mut seen = false;
    for v in history {
        if v.is_finite() {
            if seen && run > 0 {
                gaps.push(run);
            }
            seen = true;
            run = 0;
        } else {
            run += 1;
        }
    }
    if gaps.len() < 3 {
        return 0;
    }
    gaps.sort_unstable();
    gaps[(gaps.len() - 1) * 95 / 100]
}

#[cfg(test)]
mod tests;
