//! Reviewing a range with short history: each part of the range is compared with everything before it.
//!
//! A weekly review with two or more weeks of history fits one baseline for the whole week (what
//! [`super::fit`] does). When the history before the range is shorter — a new metric, an export of a
//! few days, a long range reviewed in one pass — one baseline fitted on the little history there is
//! would judge days it never saw (a flat band from two days of data against two weeks of daily swings).
//! Instead the range is cut into **days while less than two weeks of data came before, then weeks**, and
//! each part gets the baseline [`super::fit`] makes from all the data before that part (time of day
//! after three days; after one week the same time last week when that week's weekend stands apart from
//! its weekdays; time of week after two). Each point is still judged only against data before it, so a
//! level shift is flagged where it starts rather than turning the days before it into anomalies.

use std::sync::{Arc, Mutex};

use chrono::Weekday;
use chrono_tz::Tz;

use super::baseline::{fit, Fit, Part};
use super::Context;
use crate::time::{DAY, WEEK};

/// Data before a part of the range needed to fit the whole rest of the week in one piece.
const SETTLED: i64 = 2 * WEEK;

/// A part's context: its grid, local slots and weeks. Every metric whose data starts at the same time is cut
/// into the same parts, and working a context out takes a time-zone lookup per grid point, so the last few
/// made are kept and shared (a fleet of thousands of metrics makes eight, not eight per metric).
fn sub_context(ctx: &Context, c0: i64, c1: i64, history: usize) -> Arc<Context> {
    type Key = (Tz, Weekday, i64, i64, i64, usize);
    static MADE: Mutex<Vec<(Key, Arc<Context>)>> = Mutex::new(Vec::new());
    const KEEP: usize = 32;
    let key: Key = (ctx.tz, ctx.week_starts, ctx.grid.step, c0, c1, history);
    // A poisoned lock (a panic elsewhere while holding it) only loses the shortcut.
    if let Some(found) = MADE.lock().ok().and_then(|made| made.iter().find(|(k, _)| *k == key).map(|(_, c)| c.clone())) {
        return found;
    }
    let made = Arc::new(Context::new(ctx.tz, ctx.week_starts, ctx.grid.step, c0, c1, history));
    if let Ok(mut kept) = MADE.lock() {
        // Another thread may have made the same one meanwhile: it is kept once.
        if let Some((_, theirs)) = kept.iter().find(|(k, _)| *k == key) {
            return theirs.clone();
        }
        if kept.len() >= KEEP {
            kept.remove(0);
        }
        kept.push((key, made.clone()));
    }
    made
}

/// Fit the review range of `ctx`, in parts when the history is short (see the module doc). With two
/// weeks of data before the range this is exactly [`fit`].
pub fn fit_range(ctx: &Context, values: &[f64], max_history_weeks: usize) -> Fit {
    let grid = ctx.grid;
    let first = values.iter().position(|v| v.is_finite()).map(|i| grid.time(i));
    let start = ctx.review_start();
    let end = ctx.review_end();
    let Some(first) = first.filter(|&f| start - f < SETTLED && end - start > DAY && grid.step <= DAY) else {
        return fit(ctx, values);
    };
    let mut whole = fit(ctx, values);
    let mut parts = Vec::new();
    let mut i = ctx.review.start;
    while i < ctx.review.end {
        let c0 = grid.time(i);
        let len = if c0 - first < SETTLED { DAY } else { WEEK };
        let j = grid.index_at(c0 + len).clamp(i + 1, ctx.review.end);
        parts.push((i, j));
        i = j;
    }
    let (mut expected, mut sigma, mut z, mut last_week, mut usual_missing) = (vec![], vec![], vec![], vec![], vec![]);
    let mut kinds = Vec::new();
    let mut fitted_parts = Vec::new();
    for &(a, b) in &parts {
        let (c0, c1) = (grid.time(a), grid.time(b));
        let history = (1..=max_history_weeks as i64).take_while(|&k| crate::time::add_weeks(&ctx.tz, c0, 1 - k) > first).count();
        let sub = sub_context(ctx, c0, c1, history);
        let sub_values: Vec<f64> = (0..sub.grid.len)
            .map(|k| {
                let t = sub.grid.time(k);
                let off = t - grid.start;
                if off >= 0 && off % grid.step == 0 && ((off / grid.step) as usize) < b {
                    values[(off / grid.step) as usize]
                } else {
                    f64::NAN
                }
            })
            .collect();
        let f = fit(&sub, &sub_values);
        kinds.push(f.kind);
        fitted_parts.extend(f.parts.iter().map(|p| Part { from: p.from + a - ctx.review.start, ..*p }));
        let target = expected.len() + (b - a);
        for (out, part) in [(&mut expected, &f.expected), (&mut sigma, &f.sigma), (&mut z, &f.z), (&mut last_week, &f.last_week)] {
            out.extend(part.iter().take(b - a));
            out.resize(target, f64::NAN);
        }
        usual_missing.extend(f.usual_missing.iter().take(b - a));
        usual_missing.resize(target, false);
    }
    kinds.dedup();
    let days = parts.iter().filter(|(a, b)| grid.time(*b) - grid.time(*a) <= DAY).count();
    whole.reason = format!(
        "rolling: less than two weeks of history, so each {} is compared with all the data before it ({})",
        if days == parts.len() { "day" } else { "day (then each week)" },
        kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join(", then ")
    );
    whole.kind = super::BaselineKind::Rolling;
    whole.expected = expected;
    whole.sigma = sigma;
    whole.z = z;
    whole.last_week = last_week;
    whole.usual_missing = usual_missing;
    whole.parts = fitted_parts;
    whole.summary = super::summary::Summary::of(&whole, grid.step);
    whole
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::BaselineKind;
    use crate::synth::{Inject, Rng, Shape};
    use chrono::Weekday;

    /// A review range of `days` days after `history_days` days of data (5-minute steps, UTC).
    fn ctx(history_days: i64, days: i64) -> Context {
        let tz = chrono_tz::Tz::UTC;
        let start = crate::time::parse_user_time("2026-11-02", &tz).expect("t");
        let history_weeks = (history_days as f64 / 7.0).ceil() as usize;
        let c = Context::new(tz, Weekday::Mon, 300, start, start + days * DAY, history_weeks);
        assert!(c.grid.start <= start - history_days * DAY);
        c
    }

    /// Render a daily pattern with data only from `history_days` before the range.
    fn render(c: &Context, history_days: i64, seed: u64) -> Vec<f64> {
        render_weekly(c, history_days, seed, 0.0)
    }

    /// [`render`] with a weekly pattern of amplitude `weekly` (weekends lower).
    fn render_weekly(c: &Context, history_days: i64, seed: u64, weekly: f64) -> Vec<f64> {
        let shape = Shape { level: 100.0, daily: 0.4, weekly, noise: 0.03, growth_per_week: 0.0 };
        let mut v = shape.render(c, &mut Rng::new(seed));
        let first = c.review_start() - history_days * DAY;
        for (i, x) in v.iter_mut().enumerate() {
            if c.grid.time(i) < first {
                *x = f64::NAN;
            }
        }
        v
    }

    #[test]
    fn settled_history_fits_the_whole_week_at_once() {
        let c = ctx(21, 7);
        let v = render(&c, 21, 1);
        let (a, b) = (fit_range(&c, &v, 5), fit(&c, &v));
        assert_eq!(a.kind, b.kind);
        assert_eq!(a.expected, b.expected);
        assert_eq!(a.z, b.z);
    }

    #[test]
    fn short_history_judges_each_day_against_the_days_before_it() {
        // (history days, review days): every case would get a flat or time-of-day band from the history
        // alone; day by day, a daily pattern is learnt and clean data stays quiet.
        for (hist, days) in [(2, 12), (3, 7), (9, 7), (2, 30)] {
            let c = ctx(hist, days);
            let v = render(&c, hist, 7);
            let f = fit_range(&c, &v, 5);
            assert_eq!(f.kind, BaselineKind::Rolling, "{hist}+{days}");
            assert!(f.reason.contains("each day"), "{}", f.reason);
            assert_eq!(f.z.len(), c.review_len());
            let beyond = f.z.iter().filter(|z| z.abs() > 4.0).count();
            assert!(beyond * 200 < c.review_len(), "{hist}+{days}: {beyond} clean points beyond 4 σ");
            // Only the very first part can lack a baseline.
            assert!(f.expected[c.review_len() / 2..].iter().all(|e| e.is_finite()), "{hist}+{days}");
        }
    }

    #[test]
    fn a_weekend_after_a_short_history_is_compared_with_the_last_weekend_not_with_weekdays() {
        // (history days, review days): the review's Saturday and Sunday are fitted on the data before them;
        // the oldest history week is partial and does not reach back to a Saturday two weeks before, so
        // the weekend slots have one week of history — the same time last week, not the time of day (the
        // weekdays' level, which would make every clean weekend "ran low for 2 days").
        for (hist, days, seed) in [(7, 7, 1), (9, 7, 2), (10, 7, 3), (12, 7, 4)] {
            let c = ctx(hist, days);
            let v = render_weekly(&c, hist, seed, 0.3);
            let f = fit_range(&c, &v, 5);
            let weekend = 5 * 288..7 * 288;
            let mean = f.z[weekend.clone()].iter().filter(|z| z.is_finite()).sum::<f64>() / weekend.len() as f64;
            assert!(mean.abs() < 1.0, "{hist}+{days}: the clean weekend's mean z is {mean:.2}");
            let beyond = f.z.iter().filter(|z| z.abs() > 4.0).count();
            assert!(beyond * 200 < c.review_len(), "{hist}+{days}: {beyond} clean points beyond 4 σ");
        }
    }

    #[test]
    fn a_level_shift_is_judged_from_before_it_not_averaged_into_the_days_before() {
        let (hist, days) = (3, 10);
        let c = ctx(hist, days);
        let mut v = render(&c, hist, 3);
        let at = 6 * 288;
        Inject::Shift { at, factor: 1.6 }.apply(&c, &mut v);
        let f = fit_range(&c, &v, 5);
        let high = |r: std::ops::Range<usize>| f.z[r.clone()].iter().filter(|z| **z > 4.0).count() as f64 / r.len() as f64;
        assert!(high(0..at) < 0.01, "before the shift: {}", high(0..at));
        assert!(high(at..at + 144) > 0.5, "just after the shift: {}", high(at..at + 144));
    }
}
