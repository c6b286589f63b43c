//! The per-series detectors. Each reads a series' review values, its [`Fit`] and the [`Params`], and
//! returns findings; none refits anything, so re-flagging at a new sensitivity is cheap.
//!
//! Definitions (the numbers are the defaults at sensitivity 1; see [`Params`]):
//! - **alarm / investigation breach**: M of the last N datapoints beyond the line (default 3 of 5);
//!   one episode per contiguous run of the breaching state (runs closer than N points merge).
//! - **seasonal anomaly**: |z| ≥ 4 against the seasonal band; an episode is a run beyond 0.6 × 4 (gaps
//!   ≤ 2 points) around points beyond 4, and needs 2 such points, or one at |z| ≥ 6. Both directions are
//!   flagged; the better direction at 60 % severity (a bare file has none). At most 3 per series per week
//!   of the range (the rest are counted). Severity grows 10 per doubling of |z|/4, with the episode's
//!   length, and with how the peak compares with the largest |z| in the history the baseline came from
//!   (+10 at that size, ±10 per doubling, between −5 and +15).
//! - **unusual stretch**: see [`super::stretch`].
//! - **spike burst**: see [`super::burst`].
//! - **level shift**: the best single change point of the clipped residual (max of the two-sample
//!   statistic), confirmed with medians: the level after moves ≥ 2.5 σ, the level before is normal
//!   (|median z| ≤ 1.2), ≥ 70 % of the points after stay shifted, ≥ 3 h before and ≥ 6 h after.
//! - **drift toward a line**: weekly p95 (p5 when lower is worse) over ≥ 4 weeks, Theil–Sen slope
//!   toward the nearest uncrossed line, Mann–Kendall ≥ 0.6, headroom shrunk ≥ 20 %, crossing
//!   projected within 8 weeks.
//! - **line too loose**: the line sits more than 3 "normal excursions" (E = worst weekly p99.5 −
//!   median) beyond the worst weekly p99.5 and, when higher is worse, is also ≥ 3 × that worst value;
//!   proposes alarm = worst + E, investigation = worst + E/3.
//! - **growing volatility**: weekly spread of the deseasonalised residual rising (Mann–Kendall ≥ 0.6)
//!   to ≥ 1.35 × the first weeks' spread, with the review week at the top.
//! - **missing data**: review-range gaps of ≥ 3 points, not counting slots that are usually silent (in ≥ 60 % of
//!   the history weeks the series reported in, at least 2);
//!   a gap that runs to the end is "stopped reporting".

mod episodes;
mod gaps;
#[cfg(test)]
mod tests;
mod weekly;

pub use episodes::anomaly_reach;
use episodes::{anomalies, breaches, level_shift};
use gaps::missing;
use weekly::{drift, too_loose, volatility};

use super::{Context, Fit, Params};
use crate::config::Metric;
use crate::finding::{Finding, Kind};

/// Run every single-series detector on one metric; `x` holds its values over the review range.
pub fn detect(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let mut out = line_breaches(ctx, m, x, fit);
    out.extend(moving(ctx, m, x, fit, p));
    out.extend(missing(ctx, m, x, fit, p));
    out
}

/// The findings that depend on the sensitivity, in the order [`detect`] gives them: what re-flagging a metric
/// runs again. Reads the fit's residuals z, expected values and sigma and the values `x`, never its last week
/// or usually-missing slots (re-flagging does not read those back from a spilled metric).
pub fn moving(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let mut out = anomalies(ctx, m, x, fit, p);
    out.extend(level_shift(ctx, m, x, fit, p));
    out.extend(super::stretch::stretches(ctx, m, x, fit, p));
    out.extend(super::burst::bursts(ctx, m, fit, p));
    out.extend(drift(ctx, m, fit, p));
    out.extend(too_loose(ctx, m, fit, p));
    out.extend(volatility(ctx, m, fit, p));
    out
}

/// [`detect`]'s findings from [`steady`]'s (found once, at fit time) and [`moving`]'s, in [`detect`]'s order:
/// the breaches, the moving findings, then the missing data.
pub fn with_steady(steady: &[Finding], moving: Vec<Finding>) -> Vec<Finding> {
    let breach = |f: &&Finding| matches!(f.kind, Kind::AlarmBreach | Kind::InvestigationBreach);
    let mut out = Vec::with_capacity(steady.len() + moving.len());
    out.extend(steady.iter().filter(breach).cloned());
    out.extend(moving);
    out.extend(steady.iter().filter(|f| !breach(f)).cloned());
    out
}

/// The findings that do not depend on the sensitivity: breaches of the lines and missing data, in the
/// order [`detect`] gives them. Computed once per metric at fit time; re-flagging reuses them.
pub fn steady(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit) -> Vec<Finding> {
    let mut out = line_breaches(ctx, m, x, fit);
    out.extend(missing(ctx, m, x, fit, &Params::default()));
    out
}

/// Breaches of the alarm line, then of the investigation line.
fn line_breaches(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(line) = m.alarm {
        out.extend(breaches(ctx, m, x, fit, line, m.alarm_datapoints, Kind::AlarmBreach));
    }
    if let Some(line) = m.investigation {
        out.extend(breaches(ctx, m, x, fit, line, m.investigation_datapoints, Kind::InvestigationBreach));
    }
    out
}

/// Whether any finding that depends on the sensitivity (anomaly, level shift, unusual stretch, spike burst, drift,
/// loose line, volatility, odd one out) can be flagged at `p`, from the fit's summary alone: each test is
/// a necessary condition of its detector, so `Some(false)` means [`detect`] gives exactly [`steady`]'s
/// findings. `None` when the answer needs the residuals again ([`moving_possible_in`]): whether two points
/// beyond the anomaly threshold are in one run, and (the threshold falling inside them) which points a
/// stretch leaves out. `instances` is how many instances the metric has.
pub fn moving_possible(ctx: &Context, m: &Metric, fit: &Fit, instances: usize, p: &Params) -> Option<bool> {
    let sum = &fit.summary;
    // An odd instance needs three or more, and a threshold at or below the group's reach (∞ when the review
    // did not compute it from the instances).
    if instances >= 3 && p.odd_z() <= sum.odd {
        return Some(true);
    }
    // An anomaly episode exists below the summary's reach and not above it; within rounding of it, the
    // residuals answer.
    let k = p.anomaly_z();
    let anomaly_unsure = match anomaly_from_summary(fit, k) {
        Some(true) => return Some(true),
        Some(false) => false,
        None => true,
    };
    // A burst of spikes does not depend on the anomaly threshold: its largest surprise is in the summary.
    if sum.burst >= p.stretch_z() {
        return Some(true);
    }
    if sum.change.is_some_and(|cp| shift_possible(cp.median_before, cp.median_after - cp.median_before, p.shift_z())) {
        return Some(true);
    }
    if !drift(ctx, m, fit, p).is_empty() || !too_loose(ctx, m, fit, p).is_empty() || !volatility(ctx, m, fit, p).is_empty() {
        return Some(true);
    }
    if !anomaly_unsure {
        // A stretch, from the summary (within rounding of an edge, the residuals answer).
        return super::stretch::possible_from_summary(fit, p);
    }
    None
}

/// [`moving_possible`] given the review range's residuals `z` when the summary is not enough.
pub fn moving_possible_in(ctx: &Context, m: &Metric, fit: &Fit, z: &[f64], instances: usize, p: &Params) -> bool {
    let k = p.anomaly_z();
    moving_possible(ctx, m, fit, instances, p).unwrap_or_else(|| {
        anomaly_from_summary(fit, k).unwrap_or_else(|| episodes::anomaly_possible_in(z, k)) || super::stretch::possible(fit, z, p)
    })
}

/// Whether an anomaly episode exists at threshold `k`, from the summary's reach: below it yes, above it no,
/// within rounding of it (`0.6 k` and `1.5 k` are rounded where the detector compares) None.
fn anomaly_from_summary(fit: &Fit, k: f64) -> Option<bool> {
    let reach = fit.summary.anomaly;
    let margin = 1e-9 * reach;
    if k < reach - margin {
        Some(true)
    } else if k > reach + margin {
        Some(false)
    } else {
        None
    }
}

/// A level shift needs the level after to move `delta` or more from a normal level before.
pub(super) fn shift_possible(before: f64, diff: f64, delta: f64) -> bool {
    !(diff.abs() < delta || before.abs() > 1.2)
}

/// Severity points for how an episode's peak compares with the largest |z| in the history its baseline came
/// from: +10 at that size, 10 more or less per doubling, from −5 (well inside what the series often does) to
/// +15 (far beyond anything it has done). Nothing either way without a history.
pub(super) fn novelty_bonus(pz: f64, history_max_z: f64) -> f64 {
    if !history_max_z.is_finite() || history_max_z <= 0.0 || !pz.is_finite() {
        return 0.0;
    }
    (10.0 + 10.0 * (pz / history_max_z).log2()).clamp(-5.0, 15.0)
}

/// How late in the review range an episode ended, 0..=1 (recent findings rank a little higher).
pub(super) fn recency(ctx: &Context, end_offset: usize) -> f64 {
    end_offset as f64 / ctx.review_len().max(1) as f64
}

/// Contiguous runs of `flag`, merging runs separated by at most `max_gap` unflagged points.
pub fn runs(flag: &[bool], max_gap: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < flag.len() {
        if !flag[i] {
            i += 1;
            continue;
        }
        let a = i;
        while i < flag.len() && flag[i] {
            i += 1;
        }
        let b = i - 1;
        match out.last_mut() {
            Some(last) if a - last.1 - 1 <= max_gap => last.1 = b,
            _ => out.push((a, b)),
        }
    }
    out
}
