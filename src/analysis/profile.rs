//! The seasonal profiles a baseline is made of: per slot of the week, the expected value and the raw band
//! sigma from the same time in every history week, from last week alone, or from every history day (time of
//! day), and the projection of history onto the review week by its weekly trend.

use super::baseline::{BaselineKind, WeekStat};
use super::stats::{mad, median, median_mut};
use super::{Context, NONE};

/// The expected value and raw band sigma per slot of the week, before smoothing and calibration, and
/// which baseline made them.
pub(super) struct Profile {
    pub(super) kind: BaselineKind,
    pub(super) reason: String,
    pub(super) med: Vec<f64>,
    pub(super) sig: Vec<f64>,
}

/// The richest baseline the history supports: time of week with two usable weeks; with one, last week
/// where its weekend stands apart from its weekdays, else time of day; time of day with two days, else
/// flat (or none without values).
pub(super) fn profile(ctx: &Context, values: &[f64], weeks: &[WeekStat], project: &Projection, trend: f64) -> Profile {
    let good_weeks = weeks.iter().filter(|w| w.week < 0 && w.usable()).count();
    let hist_end = ctx.review.start;
    let hist_points = values[..hist_end].iter().filter(|v| v.is_finite()).count();
    let hist_days = hist_points as f64 / ctx.slots_per_day as f64;
    // The time-of-day profile, when the history may need it (computed once: it also tells whether one
    // history week's weekend stands apart).
    let tod = (good_weeks < 2 && hist_days >= 2.0).then(|| time_of_day(ctx, values, &Projection::none()));
    if good_weeks >= 2 {
        let (med, sig) = time_of_week(ctx, values, project);
        let reason = format!(
            "seasonal: same local time of week over {good_weeks} history week{}{}",
            if good_weeks == 1 { "" } else { "s" },
            if trend != 0.0 { ", adjusted for the weekly trend" } else { "" }
        );
        Profile { kind: BaselineKind::TimeOfWeek, reason, med, sig }
    } else if good_weeks == 1 && tod.as_ref().is_none_or(|(tm, _)| weekend_stands_apart(ctx, values, tm)) {
        let usable = weeks.iter().find(|w| w.week < 0 && w.usable()).map(|w| (-w.week - 1) as usize).unwrap_or(0);
        let (med, sig) = same_time_last_week(ctx, values, project, usable);
        let reason = "one week of history whose weekend stands apart from its weekdays: the same time last week (smoothed), band from last week's own noise at that time of day";
        Profile { kind: BaselineKind::LastWeek, reason: reason.to_string(), med, sig }
    } else if let Some((tm, ts)) = tod {
        let spd = ctx.slots_per_day;
        let med = (0..ctx.slots_per_week).map(|s| tm[s % spd]).collect();
        let sig = (0..ctx.slots_per_week).map(|s| ts[s % spd]).collect();
        let reason = if good_weeks == 1 {
            "time of day: one week of history whose weekend looks like its weekdays, so every day of it is pooled".to_string()
        } else {
            format!("time of day: only {:.1} days of history, so the weekly pattern is not modelled", hist_days)
        };
        Profile { kind: BaselineKind::TimeOfDay, reason, med, sig }
    } else {
        let (src, why) = if hist_points >= 12 {
            (&values[..hist_end], format!("flat: only {hist_points} history points, too few for a daily pattern"))
        } else {
            (&values[ctx.review.clone()], "flat: no history before the review range, so the band comes from the range itself".to_string())
        };
        let m = median(src);
        let sd = 1.4826 * mad(src, m);
        let (kind, reason) =
            if m.is_finite() { (BaselineKind::Flat, why) } else { (BaselineKind::None, "none: the series has no values".to_string()) };
        Profile { kind, reason, med: vec![m; ctx.slots_per_week], sig: vec![sd; ctx.slots_per_week] }
    }
}

/// Whether one week of history shows a weekly pattern worth keeping: its weekend days' levels (each day's
/// median difference from the time-of-day profile) all lie on one side of every weekday's, further from
/// the weekdays' median than the weekdays spread among themselves. With one week, the same time last
/// week keeps such a pattern (a Saturday compared with last Saturday) but judges each day by one noisy
/// day; where the weekend looks like the weekdays, pooling every day (time of day) is the steadier
/// baseline (measured on NAB's real series: fewer false episodes, the same windows found).
/// `tm` is the history's time-of-day profile ([`time_of_day`], unprojected).
pub(super) fn weekend_stands_apart(ctx: &Context, values: &[f64], tm: &[f64]) -> bool {
    let spd = ctx.slots_per_day;
    let hist = &values[..ctx.review.start];
    let monday_offset = ctx.week_starts.num_days_from_monday() as usize;
    let (mut weekend, mut weekdays) = (Vec::new(), Vec::new());
    let mut diffs = Vec::with_capacity(spd);
    for day in ctx.day_runs(hist.len()) {
        diffs.clear();
        diffs.extend(day.clone().filter_map(|i| {
            let e = tm[ctx.slot[i] as usize % spd];
            (hist[i].is_finite() && e.is_finite()).then(|| hist[i] - e)
        }));
        if diffs.len() * 2 >= spd && diffs.len() >= 4 {
            let level = median_mut(&mut diffs);
            let weekday = (monday_offset + ctx.slot[day.start] as usize / spd) % 7;
            if weekday >= 5 {
                weekend.push(level)
            } else {
                weekdays.push(level)
            }
        }
    }
    if weekend.is_empty() || weekdays.len() < 3 {
        return true;
    }
    let fold = |v: &[f64], f: fn(f64, f64) -> f64, init: f64| v.iter().copied().fold(init, f);
    let (wd_lo, wd_hi) = (fold(&weekdays, f64::min, f64::INFINITY), fold(&weekdays, f64::max, f64::NEG_INFINITY));
    let (we_lo, we_hi) = (fold(&weekend, f64::min, f64::INFINITY), fold(&weekend, f64::max, f64::NEG_INFINITY));
    let centre = median(&weekdays);
    let spread = wd_hi - wd_lo;
    (we_hi < wd_lo && centre - we_hi > spread) || (we_lo > wd_hi && we_lo - centre > spread)
}

/// The time-of-week profile: per slot, the median of that slot in every history week (projected onto the
/// review week), smoothed over 3 slots; the band's sigma per half hour from the pooled deviations.
pub(super) fn time_of_week(ctx: &Context, values: &[f64], project: &Projection) -> (Vec<f64>, Vec<f64>) {
    let spw = ctx.slots_per_week;
    let h = ctx.history_weeks;
    let mut med = vec![f64::NAN; spw];
    let mut sig = vec![f64::NAN; spw];
    let mut buf: Vec<f64> = Vec::with_capacity(3 * h + 3);
    let mut dev: Vec<f64> = Vec::with_capacity(3 * h + 3);
    // Pass 1: per slot, the median of that slot in every history week (projected onto the review
    // week); then a 3-slot running mean of those medians, which averages out their noise while each
    // stays robust to incident weeks. Samples are kept for pass 2.
    let cap = h.max(1);
    let mut samples = vec![0.0f64; spw * cap];
    let mut count = vec![0usize; spw];
    let mut raw_med = vec![f64::NAN; spw];
    for s in 0..spw {
        let out = &mut samples[s * cap..(s + 1) * cap];
        let mut c = 0;
        for (k, row) in ctx.by_week_slot.iter().enumerate() {
            let idx = row[s];
            if idx != NONE {
                let v = values[idx as usize];
                if v.is_finite() {
                    out[c] = project.apply(v, k);
                    c += 1;
                }
            }
        }
        count[s] = c;
        if c >= 2 {
            buf.clear();
            buf.extend_from_slice(&out[..c]);
            insertion_sort(&mut buf);
            raw_med[s] = sorted_median(&buf);
        }
    }
    for s in 0..spw {
        let (a, b) = (raw_med[if s == 0 { spw - 1 } else { s - 1 }], raw_med[if s + 1 == spw { 0 } else { s + 1 }]);
        let m = raw_med[s];
        med[s] = match (a.is_finite(), m.is_finite(), b.is_finite()) {
            (true, true, true) => (a + m + b) / 3.0,
            (_, true, _) => m,
            _ => f64::NAN,
        };
    }
    // Pass 2: the band's sigma per half hour of slots, from the pooled deviations of its slots'
    // samples from the smoothed expected value (one robust estimate from ~30 values).
    // Coarse data (hourly: one slot per half hour) would get its sigma from 2–5 samples per block, too
    // few to estimate a width from (or none: below 4, and the band fell back to one width for every hour,
    // as wide as the daily swing): there the block pools the same half hour of every day of the week, so
    // the band still follows the time of day while the expected value keeps the time of week.
    let spd = ctx.slots_per_day;
    let block = (spd / 48).max(1);
    let (days, period) = if block * h < 8 && spd > 0 && spw >= 7 * spd { (7, spd) } else { (1, spw) };
    for b0 in (0..period).step_by(block) {
        dev.clear();
        let slots = || block_slots(b0, block, days, period);
        for s in slots() {
            if med[s].is_finite() {
                dev.extend(samples[s * cap..s * cap + count[s]].iter().map(|x| (x - med[s]).abs()));
            }
        }
        if dev.len() >= 4 {
            let d = 1.4826 * median_mut(&mut dev);
            for s in slots() {
                if med[s].is_finite() {
                    sig[s] = d;
                }
            }
        }
    }
    // A new point differs from the expected value by its own noise *and* the expected value's
    // error (a median of h values averaged over 3 slots: variance ≈ π/(6h) σ²), and the pooled MAD
    // of samples that helped make the expected value runs ~6% low. Widen the band by both, so |z|
    // is standard normal on clean data (measured: sd(z) 1.11 → 1.00 at h = 5).
    let widen = (1.0 + std::f64::consts::PI / (6.0 * h as f64)).sqrt() * 1.06;
    sig.iter_mut().for_each(|v| *v *= widen);
    // Slots with too little history (one week holds them: a review day whose weekday the oldest, partial
    // history week does not reach) fall back to the same time last week, which keeps the weekly
    // pattern — a Saturday is compared with last Saturday, not with the weekdays a time-of-day profile is
    // mostly made of — and only then, where last week has nothing either, to the time of day.
    if med.iter().any(|m| m.is_nan()) {
        let (lm, ls) = same_time_last_week(ctx, values, project, 0);
        fill_missing(&mut med, &mut sig, false, |s| (lm[s], ls[s]));
    }
    fill_from_time_of_day(ctx, values, project, &mut med, &mut sig, false);
    (med, sig)
}

/// The slots of the block of `block` slots from `b0` in each of `days` periods of `period` slots: the same
/// half hour of every day of the week (`days` 7, `period` a day's slots), or one block of the week (1, a week's).
fn block_slots(b0: usize, block: usize, days: usize, period: usize) -> impl Iterator<Item = usize> {
    (0..days).flat_map(move |d| (d * period + b0)..(d * period + (b0 + block).min(period)))
}

/// One week of history (`usable` weeks back, 0 = last week): the same local time that week, smoothed over
/// ±10 minutes, keeps the weekly pattern (weekends!) that a time-of-day profile would lose. The band comes
/// from how far that week strayed from its own smoothed curve at that time of day, pooled over its days.
pub(super) fn same_time_last_week(ctx: &Context, values: &[f64], project: &Projection, usable: usize) -> (Vec<f64>, Vec<f64>) {
    let spw = ctx.slots_per_week;
    let h = ctx.history_weeks;
    let mut med = vec![f64::NAN; spw];
    let mut sig = vec![f64::NAN; spw];
    let mut dev: Vec<f64> = Vec::with_capacity(3 * h + 3);
    let row = &ctx.by_week_slot[usable.min(h.saturating_sub(1))];
    let half = (ctx.slots_per_day / 144).max(1); // 10 minutes of slots each side
    let at = |s: usize| -> f64 {
        let idx = row[s];
        if idx == NONE {
            f64::NAN
        } else {
            project.apply(values[idx as usize], usable)
        }
    };
    for (s, m) in med.iter_mut().enumerate() {
        let (mut sum, mut n) = (0.0, 0.0);
        for d in 0..=2 * half {
            let v = at((s + spw + d - half) % spw);
            if v.is_finite() {
                sum += v;
                n += 1.0;
            }
        }
        if n >= 2.0 {
            *m = sum / n;
        }
    }
    let spd = ctx.slots_per_day;
    let block = (spd / 48).max(1);
    let same_half_hour = |b0: usize| block_slots(b0, block, spw / spd, spd);
    for b0 in (0..spd).step_by(block) {
        dev.clear();
        for s in same_half_hour(b0) {
            let v = at(s);
            if v.is_finite() && med[s].is_finite() {
                dev.push((v - med[s]).abs());
            }
        }
        if dev.len() >= 4 {
            // A point is part of the mean it is compared with (shrinks its deviation's variance by (n-1)/n),
            // and a new point also carries the mean's own error (variance σ²/n).
            let n = (2 * half + 1) as f64;
            let d = 1.4826 * median_mut(&mut dev) * (n / (n - 1.0)).sqrt() * (1.0 + 1.0 / n).sqrt();
            for s in same_half_hour(b0) {
                sig[s] = d;
            }
        }
    }
    // Slots that week did not cover (a history shorter than a week) fall back to the time of day, and
    // so do bands it could not estimate.
    fill_from_time_of_day(ctx, values, project, &mut med, &mut sig, true);
    (med, sig)
}

/// Fill the slots of a weekly profile that have no expected value from the time-of-day profile: both
/// value and band are replaced there, or — `each_missing` — only whichever of the two is missing (in any
/// slot). Nothing is computed when no expected value is missing.
pub(super) fn fill_from_time_of_day(
    ctx: &Context,
    values: &[f64],
    project: &Projection,
    med: &mut [f64],
    sig: &mut [f64],
    each_missing: bool,
) {
    if !med.iter().any(|m| m.is_nan()) {
        return;
    }
    let (tm, ts) = time_of_day(ctx, values, project);
    let spd = ctx.slots_per_day;
    fill_missing(med, sig, each_missing, |s| (tm[s % spd], ts[s % spd]));
}

/// Fill the slots of a profile that have no expected value with `from(slot)`'s value and band — or, with
/// `each_missing`, whichever of the two is missing in any slot.
fn fill_missing(med: &mut [f64], sig: &mut [f64], each_missing: bool, from: impl Fn(usize) -> (f64, f64)) {
    for s in 0..med.len() {
        if each_missing {
            if med[s].is_nan() {
                med[s] = from(s).0;
            }
            if sig[s].is_nan() {
                sig[s] = from(s).1;
            }
        } else if med[s].is_nan() {
            (med[s], sig[s]) = from(s);
        }
    }
}

/// How a history value of week `-(k+1)` is carried to the review week.
pub(super) struct Projection {
    /// Per history week index: an additive shift, or a multiplicative factor.
    factors: Vec<f64>,
    multiplicative: bool,
}

impl Projection {
    pub(super) fn none() -> Projection {
        Projection { factors: vec![], multiplicative: false }
    }

    pub(super) fn new(trend: f64, icpt: f64, positive: bool, weeks: usize) -> Projection {
        if trend == 0.0 {
            return Projection::none();
        }
        // The fitted level of week w is icpt + trend·w; the review week is w = 0.
        let level = |k: usize| icpt - trend * (k as f64 + 1.0);
        let multiplicative = positive && icpt > 0.0 && (0..weeks).all(|k| level(k) > 0.0);
        let factors = (0..weeks).map(|k| if multiplicative { icpt / level(k) } else { trend * (k as f64 + 1.0) }).collect();
        Projection { factors, multiplicative }
    }

    /// Carry value `v` of history week index `k` (0 = last week) to the review week.
    pub(super) fn apply(&self, v: f64, k: usize) -> f64 {
        match self.factors.get(k) {
            Some(f) if self.multiplicative => v * f,
            Some(f) => v + f,
            None => v,
        }
    }
}

/// Median and MAD of a small sample of finite values, sorting in place; `dev` is scratch space.
/// This runs once per slot per series (2,016 times for a 5-minute week), so it avoids allocation and
/// general-purpose sorting: an insertion sort for the dozen values, and the MAD read off the sorted
/// sample by merging the two already-ordered runs of deviations on either side of the median.
pub(super) fn median_and_mad(buf: &mut [f64], dev: &mut Vec<f64>) -> (f64, f64) {
    insertion_sort(buf);
    let m = sorted_median(buf);
    // Deviations below the median, nearest first, and above it, nearest first: both ascending.
    let split = buf.partition_point(|&x| x < m);
    let (mut i, mut j) = (split, split);
    dev.clear();
    while dev.len() < buf.len() {
        let left = if i > 0 { m - buf[i - 1] } else { f64::INFINITY };
        let right = if j < buf.len() { buf[j] - m } else { f64::INFINITY };
        if left <= right {
            dev.push(left);
            i -= 1;
        } else {
            dev.push(right);
            j += 1;
        }
    }
    (m, sorted_median(dev))
}

/// Insertion sort for short slices of finite values (faster than the general sorts at this size).
pub(super) fn insertion_sort(v: &mut [f64]) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1] > x {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

pub(super) fn sorted_median(v: &[f64]) -> f64 {
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Median of a sorted slice without its element at `skip` (nothing skipped when out of range).
pub(super) fn median_without(sorted: &[f64], skip: usize) -> f64 {
    let n = if skip < sorted.len() { sorted.len() - 1 } else { sorted.len() };
    if n == 0 {
        return f64::NAN;
    }
    let at = |k: usize| if skip < sorted.len() && k >= skip { sorted[k + 1] } else { sorted[k] };
    if n % 2 == 1 {
        at(n / 2)
    } else {
        (at(n / 2 - 1) + at(n / 2)) / 2.0
    }
}

/// Time-of-day profile: per slot of the day, median and sigma over every history day (±1 slot).
pub(super) fn time_of_day(ctx: &Context, values: &[f64], project: &Projection) -> (Vec<f64>, Vec<f64>) {
    let spd = ctx.slots_per_day;
    // Each slot's own history values, sorted once; a slot's profile pools them with the slots either side
    // (three sorted runs merged, where sorting every pool of three afresh took a quarter of a short
    // history's fits).
    let days = ctx.review.start / spd.max(1) + 2;
    let mut own: Vec<Vec<f64>> = (0..spd).map(|_| Vec::with_capacity(days)).collect();
    for (i, &v) in values[..ctx.review.start].iter().enumerate() {
        if v.is_finite() {
            own[ctx.slot[i] as usize % spd].push(project.apply(v, (-ctx.week[i] - 1).max(0) as usize));
        }
    }
    own.iter_mut().for_each(|o| insertion_sort(o));
    let mut m = vec![f64::NAN; spd];
    let mut sd = vec![f64::NAN; spd];
    let (mut two, mut pool, mut dev) = (Vec::new(), Vec::new(), Vec::new());
    for s in 0..spd {
        merge_sorted(&own[(s + spd - 1) % spd], &own[s], &mut two);
        merge_sorted(&two, &own[(s + 1) % spd], &mut pool);
        if pool.len() >= 3 {
            // Already sorted: the sort inside is one pass.
            let (c, d) = median_and_mad(&mut pool, &mut dev);
            m[s] = c;
            sd[s] = 1.4826 * d;
        }
    }
    (m, sd)
}

/// `out` = the sorted runs `a` and `b` merged.
fn merge_sorted(a: &[f64], b: &[f64], out: &mut Vec<f64>) {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if b[j] < a[i] {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Rng;

    /// The time-of-day profile (each slot's sorted values merged with its neighbours') is the median and MAD of
    /// every history value at the slot and the slots either side, for a day of 288, 2 and 1 slots, with gaps,
    /// repeated values and a projection.
    #[test]
    fn time_of_day_pools_each_slot_with_its_neighbours() {
        use crate::analysis::stats::{mad, median};
        let tz: chrono_tz::Tz = "Europe/Berlin".parse().expect("zone");
        let start = crate::time::parse_user_time("2026-10-19", &tz).expect("a date");
        let mut rng = Rng::new(9);
        for (step, history) in [(300, 1), (300, 2), (43_200, 2), (86_400, 3)] {
            let ctx = Context::new(tz, chrono::Weekday::Mon, step, start, crate::time::add_weeks(&tz, start, 1), history);
            let values: Vec<f64> = (0..ctx.grid.len)
                .map(|_| match rng.below(10) {
                    0 => f64::NAN,
                    1 => 5.0,
                    _ => (rng.normal() * 10.0).round() / 2.0,
                })
                .collect();
            for project in [Projection::none(), Projection::new(0.5, 20.0, true, history)] {
                let (m, sd) = time_of_day(&ctx, &values, &project);
                let spd = ctx.slots_per_day;
                for s in 0..spd {
                    let pool: Vec<f64> = (0..ctx.review.start)
                        .filter(|&i| values[i].is_finite())
                        .flat_map(|i| {
                            let own = ctx.slot[i] as usize % spd;
                            let v = project.apply(values[i], (-ctx.week[i] - 1).max(0) as usize);
                            [spd - 1, 0, 1].into_iter().filter(move |&ds| (own + ds) % spd == s).map(move |_| v)
                        })
                        .collect();
                    if pool.len() < 3 {
                        assert!(m[s].is_nan() && sd[s].is_nan(), "step {step}, slot {s}: {} values", pool.len());
                        continue;
                    }
                    // The plain definitions round the middle pair's mean their own way: equal within 1e-12.
                    let c = median(&pool);
                    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
                    let want = (c, 1.4826 * mad(&pool, c));
                    assert!(
                        close(m[s], want.0) && close(sd[s], want.1),
                        "step {step}, history {history}, slot {s}: {:?} vs {want:?}",
                        (m[s], sd[s])
                    );
                }
            }
        }
    }

    #[test]
    fn one_history_week_keeps_the_weekly_pattern_only_where_its_weekend_stands_apart() {
        // (weekend lower by, noise, weekdays' own spread around their level, whether last week is kept)
        use crate::synth::Shape;
        let tz: chrono_tz::Tz = "Europe/Berlin".parse().expect("tz");
        let start = crate::time::parse_user_time("2026-11-02", &tz).expect("t");
        let ctx = Context::new(tz, chrono::Weekday::Mon, 300, start, crate::time::add_weeks(&tz, start, 1), 1);
        for (weekly, noise, day_jitter, seed, kept) in [
            (0.3, 0.03, 0.0, 1, true),
            (0.05, 0.03, 0.0, 2, true),
            (0.0, 0.03, 0.0, 3, false),
            (0.0, 0.2, 0.0, 4, false),
            // Days that wander by ±10 % with a weekend 5 % lower: the weekend is not told apart.
            (0.05, 0.03, 0.1, 5, false),
            (-0.3, 0.03, 0.0, 6, true),
        ] {
            let shape = Shape { level: 100.0, daily: 0.4, weekly, noise, growth_per_week: 0.0 };
            let mut rng = Rng::new(seed);
            let mut v = shape.render(&ctx, &mut rng);
            let jitter: Vec<f64> = (0..16).map(|_| 1.0 + day_jitter * (2.0 * rng.uniform() - 1.0)).collect();
            v.iter_mut().enumerate().for_each(|(i, x)| *x *= jitter[ctx.day[i] as usize]);
            let (tm, _) = time_of_day(&ctx, &v, &Projection::none());
            assert_eq!(weekend_stands_apart(&ctx, &v, &tm), kept, "weekly {weekly}, noise {noise}, days ±{day_jitter}");
        }
        // Too little history to tell (two days): the weekly pattern is kept, as before.
        let mut v = Shape { level: 100.0, daily: 0.4, weekly: 0.0, noise: 0.03, growth_per_week: 0.0 }.render(&ctx, &mut Rng::new(9));
        v[..5 * 288].iter_mut().for_each(|x| *x = f64::NAN);
        let (tm, _) = time_of_day(&ctx, &v, &Projection::none());
        assert!(weekend_stands_apart(&ctx, &v, &tm));
    }

    #[test]
    fn median_and_mad_match_the_plain_definitions() {
        let mut rng = Rng::new(5);
        let mut dev = Vec::new();
        for n in [1usize, 2, 3, 4, 7, 15, 16, 17, 30] {
            let v: Vec<f64> = (0..n).map(|_| (rng.normal() * 10.0).round()).collect();
            let (m, d) = median_and_mad(&mut v.clone(), &mut dev);
            let want_m = median(&v);
            assert_eq!(m, want_m, "median of {v:?}");
            assert_eq!(d, mad(&v, want_m), "mad of {v:?}");
        }
    }
}
