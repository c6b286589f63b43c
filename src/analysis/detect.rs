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
//! - **missing data**: review-range gaps of ≥ 3 points, not counting slots that are usually silent;
//!   a gap that runs to the end is "stopped reporting".

use super::stats::{mann_kendall, median, theil_sen};
use super::summary::top_two;
use super::{Context, Fit, Params};
use crate::config::{Metric, MofN, Worse};
use crate::finding::{Finding, Kind};
use crate::text;
use crate::time::{self, WEEK};

/// Run every single-series detector on one metric; `x` holds its values over the review range.
pub fn detect(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(line) = m.alarm {
        out.extend(breaches(ctx, m, x, fit, line, m.alarm_datapoints, Kind::AlarmBreach));
    }
    if let Some(line) = m.investigation {
        out.extend(breaches(ctx, m, x, fit, line, m.investigation_datapoints, Kind::InvestigationBreach));
    }
    out.extend(anomalies(ctx, m, x, fit, p));
    out.extend(level_shift(ctx, m, x, fit, p));
    out.extend(super::stretch::stretches(ctx, m, x, fit, p));
    out.extend(drift(ctx, m, fit, p));
    out.extend(too_loose(ctx, m, fit, p));
    out.extend(volatility(ctx, m, fit, p));
    out.extend(missing(ctx, m, x, fit, p));
    out
}

/// The findings that do not depend on the sensitivity: breaches of the lines and missing data, in the
/// order [`detect`] gives them. Computed once per metric at fit time; re-flagging reuses them.
pub fn steady(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(line) = m.alarm {
        out.extend(breaches(ctx, m, x, fit, line, m.alarm_datapoints, Kind::AlarmBreach));
    }
    if let Some(line) = m.investigation {
        out.extend(breaches(ctx, m, x, fit, line, m.investigation_datapoints, Kind::InvestigationBreach));
    }
    out.extend(missing(ctx, m, x, fit, &Params::default()));
    out
}

/// Whether any finding that depends on the sensitivity (anomaly, level shift, unusual stretch, drift,
/// loose line, volatility, odd one out) can be flagged at `p`, from the fit's summary alone: each test is
/// a necessary condition of its detector, so `Some(false)` means [`detect`] gives exactly [`steady`]'s
/// findings. `None` when the answer needs the residuals again ([`moving_possible_in`]): the anomaly
/// threshold falls inside them, so which points a stretch leaves out depends on it. `instances` is how
/// many instances the metric has.
pub fn moving_possible(ctx: &Context, m: &Metric, fit: &Fit, instances: usize, p: &Params) -> Option<bool> {
    let sum = &fit.summary;
    // An odd instance needs three or more; not bounded further here.
    if instances >= 3 {
        return Some(true);
    }
    // An episode needs two points beyond k, or one beyond 1.5 k.
    let k = p.anomaly_z();
    if [sum.up, sum.down].iter().any(|&(top, second)| second >= k || top >= 1.5 * k) {
        return Some(true);
    }
    if sum.change.is_some_and(|cp| shift_possible(cp.median_before, cp.median_after - cp.median_before, p.shift_z())) {
        return Some(true);
    }
    if !drift(ctx, m, fit, p).is_empty() || !too_loose(ctx, m, fit, p).is_empty() || !volatility(ctx, m, fit, p).is_empty() {
        return Some(true);
    }
    if sum.largest() < k {
        return Some(sum.windows.is_some_and(|b| b.reach(p.stretch_z())));
    }
    None
}

/// [`moving_possible`] given the review range's residuals `z` when the summary is not enough.
pub fn moving_possible_in(ctx: &Context, m: &Metric, fit: &Fit, z: &[f64], instances: usize, p: &Params) -> bool {
    moving_possible(ctx, m, fit, instances, p).unwrap_or_else(|| super::stretch::possible(fit, z, p))
}

/// A level shift needs the level after to move `delta` or more from a normal level before.
fn shift_possible(before: f64, diff: f64, delta: f64) -> bool {
    !(diff.abs() < delta || before.abs() > 1.2)
}

/// Severity points for how an episode's peak compares with the largest |z| in the history its baseline came
/// from: +10 at that size, 10 more or less per doubling, from −5 (well inside what the series often does) to
/// +15 (far beyond anything it has done). Nothing either way without a history.
fn novelty_bonus(pz: f64, history_max_z: f64) -> f64 {
    if !history_max_z.is_finite() || history_max_z <= 0.0 || !pz.is_finite() {
        return 0.0;
    }
    (10.0 + 10.0 * (pz / history_max_z).log2()).clamp(-5.0, 15.0)
}

/// How late in the review range an episode ended, 0..=1 (recent findings rank a little higher).
fn recency(ctx: &Context, end_offset: usize) -> f64 {
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

fn breaches(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, line: f64, rule: MofN, kind: Kind) -> Vec<Finding> {
    let beyond: Vec<bool> = x.iter().map(|&v| v.is_finite() && m.worse.beyond(v, line)).collect();
    let mut state = vec![false; x.len()];
    let mut count = 0usize;
    for j in 0..x.len() {
        count += beyond[j] as usize;
        if j >= rule.n {
            count -= beyond[j - rule.n] as usize;
        }
        state[j] = count >= rule.m;
    }
    let (base, label) = match kind {
        Kind::AlarmBreach => (70.0, "alarm"),
        _ => (45.0, "investigation"),
    };
    // Scale for "how far beyond": the gap between the two lines, else the line's distance from normal.
    let scale = match (m.alarm, m.investigation) {
        (Some(a), Some(i)) if a != i => (a - i).abs(),
        _ => ((line - fit.level).abs()).max(line.abs() * 0.1).max(1e-9),
    };
    let step = ctx.grid.step;
    runs(&state, rule.n)
        .into_iter()
        .filter_map(|(a, b)| {
            let first = (a.saturating_sub(rule.n - 1)..=a).find(|&j| beyond[j])?;
            let last = (first..=b).rev().find(|&j| beyond[j])?;
            let pts = (first..=last).filter(|&j| beyond[j]).count();
            let peak_j =
                (first..=last).filter(|&j| beyond[j]).max_by(|&i, &j| (x[i] * m.worse.sign()).total_cmp(&(x[j] * m.worse.sign())))?;
            let peak = x[peak_j];
            let excess = (peak - line).abs() / scale;
            let dur = (last + 1 - first) as i64 * step;
            let sev = base + (15.0 * excess).min(15.0) + (10.0 * dur as f64 / 14_400.0).min(10.0) + 5.0 * recency(ctx, last + 1);
            let (t0, t1) = (ctx.rtime(first), ctx.rtime(last) + step);
            let usual = fit.expected[peak_j];
            let sentence = format!(
                "{} was {} its {label} line {} for {} ({} of {} points) from {}, peaking at {} on {}{}.",
                text::subject(m),
                if m.worse == Worse::Higher { "above" } else { "below" },
                text::value(line, &m.unit),
                text::duration(dur),
                pts,
                last + 1 - first,
                time::short_label(&ctx.tz, t0),
                text::value(peak, &m.unit),
                time::short_label(&ctx.tz, ctx.rtime(peak_j)),
                if usual.is_finite() { format!("; usually {} at that time", text::value(usual, &m.unit)) } else { String::new() },
            );
            Some(
                Finding::new(kind, m, t0, t1, sev, sentence)
                    .with("line", line)
                    .with("peak", peak)
                    .with("peak_at", time::rfc3339(&ctx.tz, ctx.rtime(peak_j)))
                    .with("points_beyond", pts as f64)
                    .with("duration_minutes", dur as f64 / 60.0)
                    .with("expected_at_peak", usual)
                    .with("datapoints_rule", rule.to_string()),
            )
        })
        .collect()
}

fn anomalies(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let k = p.anomaly_z();
    let step = ctx.grid.step;
    let mut out = Vec::new();
    for dir in [1.0f64, -1.0] {
        // An episode needs two points beyond k, or one beyond 1.5 k: a direction whose two largest z fall
        // short of that has none (a quick exit for quiet series when re-flagging).
        let (top, second) = top_two(fit.z.iter().map(|&z| z * dir));
        if second < k && top < 1.5 * k {
            continue;
        }
        let flag: Vec<bool> = fit.z.iter().map(|&z| z.is_finite() && z * dir >= k).collect();
        // Hysteresis: an episode is a run that stays beyond 0.6 k (gaps ≤ 2 points) around points beyond
        // k, so noise around the threshold does not cut one incident into many.
        let near: Vec<bool> = fit.z.iter().map(|&z| z.is_finite() && z * dir >= 0.6 * k).collect();
        for (a, b) in runs(&near, 2) {
            let pts = (a..=b).filter(|&j| flag[j]).count();
            if pts == 0 {
                continue;
            }
            let Some(peak_j) = (a..=b).filter(|&j| flag[j]).max_by(|&i, &j| (fit.z[i] * dir).total_cmp(&(fit.z[j] * dir))) else {
                continue;
            };
            let pz = fit.z[peak_j].abs();
            if pts < 2 && pz < 1.5 * k {
                continue;
            }
            // A bare file says nothing of which way is bad: both directions count in full.
            let worse_dir = !m.worse_known || dir * m.worse.sign() > 0.0;
            let dur = (b + 1 - a) as i64 * step;
            // Severity: how far (doubling the distance adds 10), how long, whether it is the largest departure in
            // all the history the baseline came from, how recent.
            let novel = fit.part_at(peak_j).is_some_and(|p| p.history_max_z.is_finite() && pz > p.history_max_z);
            let mut sev = 25.0
                + (10.0 * (pz / k).log2()).clamp(0.0, 30.0)
                + (5.0 * (1.0 + dur as f64 / 3600.0).log2()).min(10.0)
                + novelty_bonus(pz, fit.part_at(peak_j).map_or(f64::NAN, |p| p.history_max_z))
                + 5.0 * recency(ctx, b + 1);
            if !worse_dir {
                sev *= 0.6;
            }
            let (peak, usual) = (x[peak_j], fit.expected[peak_j]);
            let (lo, hi) = (usual - k * fit.sigma[peak_j], usual + k * fit.sigma[peak_j]);
            let ratio = if usual.abs() > 1e-12 { peak / usual } else { f64::NAN };
            let how = if ratio.is_finite() && ratio > 0.0 && ratio < 1e4 && !(0.67..=1.5).contains(&ratio) {
                if ratio >= 1.0 {
                    format!("{:.1}× its usual {}", ratio, text::value(usual, &m.unit))
                } else {
                    format!("{:.0}% below its usual {}", (1.0 - ratio) * 100.0, text::value(usual, &m.unit))
                }
            } else {
                format!("against a usual {}", text::value(usual, &m.unit))
            };
            let lines = match (m.investigation, m.alarm) {
                (Some(i), _) if !m.worse.beyond(peak, i) && worse_dir => {
                    format!("; it stayed inside the investigation line {}", text::value(i, &m.unit))
                }
                (None, Some(a)) if !m.worse.beyond(peak, a) && worse_dir => {
                    format!("; it stayed inside the alarm line {}", text::value(a, &m.unit))
                }
                _ => String::new(),
            };
            let sentence = format!(
                "{} {} to {} on {}, {} for that time (band {}–{}){}{}{}.",
                text::subject(m),
                if dir > 0.0 { "rose" } else { "fell" },
                text::value(peak, &m.unit),
                time::short_label(&ctx.tz, ctx.rtime(peak_j)),
                how,
                text::value(lo, &m.unit),
                text::value(hi, &m.unit),
                if dur > step { format!(", for {}", text::duration(dur)) } else { String::new() },
                lines,
                if novel { "; the largest departure from its pattern in all its history" } else { "" },
            );
            out.push(
                Finding::new(Kind::SeasonalAnomaly, m, ctx.rtime(a), ctx.rtime(b) + step, sev, sentence)
                    .with("peak", peak)
                    .with("peak_at", time::rfc3339(&ctx.tz, ctx.rtime(peak_j)))
                    .with("expected_at_peak", usual)
                    .with("band_low", lo)
                    .with("band_high", hi)
                    .with("peak_z", fit.z[peak_j])
                    .with("points", pts as f64)
                    .with("direction", if worse_dir { "worse" } else { "better" })
                    .with("largest_in_history", if novel { 1.0 } else { 0.0 }),
            );
        }
    }
    // Never a wall of alerts: keep the three strongest episodes of a series per week of the range and
    // count the rest.
    let weeks = (ctx.review_len() as f64 * step as f64 / WEEK as f64).ceil().max(1.0) as usize;
    let cap = 3 * weeks;
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.start.cmp(&b.start)));
    if out.len() > cap {
        let more = out.len() - cap;
        out.truncate(cap);
        out[0] = out[0].clone().with("more_episodes", more as f64);
        out[0].sentence.pop();
        out[0].sentence.push_str(&format!(" ({more} more anomalous episodes this week)."));
    }
    out
}

fn level_shift(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let delta = p.shift_z();
    let Some(cp) = fit.summary.change else { return vec![] };
    let (mb, best_t) = (cp.median_before, cp.finite_before);
    let diff = cp.median_after - mb;
    if !shift_possible(mb, diff, delta) {
        return vec![];
    }
    let (_, zc) = super::summary::clipped(&fit.z);
    let n = zc.len();
    let held = zc[best_t..].iter().filter(|&&z| (z - mb) * diff.signum() >= delta / 2.0).count() as f64 / (n - best_t) as f64;
    if held < 0.7 {
        return vec![];
    }
    let at = cp.at;
    let before = median(&x[..at]);
    let after = median(&x[at..]);
    let worse_dir = !m.worse_known || diff * m.worse.sign() > 0.0;
    let after_share = (x.len() - at) as f64 / x.len() as f64;
    let mut sev = 35.0 + (5.0 * (diff.abs() - delta)).min(25.0) + 10.0 * after_share + 5.0;
    if !worse_dir {
        sev *= 0.6;
    }
    let change = if before.abs() > 1e-12 { format!(" ({:+.0}%)", (after / before - 1.0) * 100.0) } else { String::new() };
    let t0 = ctx.rtime(at);
    let sentence = format!(
        "{} stepped {} from {} to {}{} on {} and stayed there for the rest of the range ({:.1} σ {} its usual pattern).",
        text::subject(m),
        if after > before { "up" } else { "down" },
        text::value(before, &m.unit),
        text::value(after, &m.unit),
        change,
        time::short_label(&ctx.tz, t0),
        diff.abs(),
        if diff > 0.0 { "above" } else { "below" },
    );
    vec![Finding::new(Kind::LevelShift, m, t0, ctx.review_end(), sev, sentence)
        .with("level_before", before)
        .with("level_after", after)
        .with("shift_sigma", diff)
        .with("shift_at", time::rfc3339(&ctx.tz, t0))
        .with("share_held", held)
        .with("direction", if worse_dir { "worse" } else { "better" })]
}

/// The weekly statistic on the worse side: p95 when higher is worse, p5 when lower is worse.
fn worse_quantile(m: &Metric, w: &super::WeekStat) -> f64 {
    match m.worse {
        Worse::Higher => w.p95,
        Worse::Lower => w.p05,
    }
}

fn drift(ctx: &Context, m: &Metric, fit: &Fit, p: &Params) -> Vec<Finding> {
    let weeks: Vec<&super::WeekStat> = fit.weeks.iter().filter(|w| w.usable()).collect();
    if weeks.len() < 4 || weeks.last().map(|w| w.week) != Some(0) {
        return vec![];
    }
    let xs: Vec<f64> = weeks.iter().map(|w| w.week as f64).collect();
    let ys: Vec<f64> = weeks.iter().map(|w| worse_quantile(m, w)).collect();
    let Some((b, a)) = theil_sen(&xs, &ys) else {
        return vec![];
    };
    let s = m.worse.sign();
    let q_now = a;
    let target = [(m.investigation, "investigation"), (m.alarm, "alarm")]
        .into_iter()
        .find_map(|(l, name)| l.filter(|&l| !m.worse.beyond(q_now, l)).map(|l| (l, name)));
    let Some((line, name)) = target else {
        return vec![];
    };
    let toward = b * s;
    let headroom = (line - q_now) * s;
    if toward <= 0.0 || headroom <= 0.0 {
        return vec![];
    }
    let mk = mann_kendall(&ys) * s;
    let first_q = a + b * xs[0];
    let head_then = (line - first_q) * s;
    let shrunk = if head_then > 0.0 { 1.0 - headroom / head_then } else { 0.0 };
    let weeks_to_cross = headroom / toward;
    let horizon = p.drift_horizon_weeks();
    if mk < 0.6 || shrunk < 0.2 || weeks_to_cross > horizon {
        return vec![];
    }
    let cross_at = ctx.review_end() + (weeks_to_cross * WEEK as f64) as i64;
    let sev = 35.0 + (30.0 * (1.0 - weeks_to_cross / horizon)).clamp(0.0, 30.0) + if name == "alarm" { 10.0 } else { 0.0 };
    let stat = if m.worse == Worse::Higher { "p95" } else { "p5" };
    let span_weeks = weeks.len();
    let sentence = format!(
        "{}'s weekly {stat} moved from {} to {} over {span_weeks} weeks ({} a week); at this pace it crosses the {name} line {} around {} (in about {}).",
        text::subject(m),
        text::value(ys[0], &m.unit),
        text::value(*ys.last().unwrap_or(&q_now), &m.unit),
        signed(b, &m.unit),
        text::value(line, &m.unit),
        time::local_date(&ctx.tz, cross_at).format("%a %-d %b %Y"),
        weeks_words(weeks_to_cross),
    );
    vec![Finding::new(Kind::DriftTowardLine, m, weeks[0].start, ctx.review_end(), sev, sentence)
        .with("line", line)
        .with("line_kind", name)
        .with("weekly_statistic", stat)
        .with("weekly_values", ys.clone())
        .with("slope_per_week", b)
        .with("headroom_now", headroom)
        .with("headroom_shrunk", shrunk)
        .with("weeks_to_cross", weeks_to_cross)
        .with("projected_crossing", time::local_date(&ctx.tz, cross_at).to_string())]
}

fn signed(v: f64, unit: &str) -> String {
    // A change of a percentage is in points, not per cent.
    let s = if unit.trim() == "%" { format!("{} pts", text::value(v.abs(), "")) } else { text::value(v.abs(), unit) };
    if v >= 0.0 {
        format!("+{s}")
    } else {
        format!("−{s}")
    }
}

fn weeks_words(w: f64) -> String {
    if w < 1.0 {
        format!("{} days", (w * 7.0).ceil().max(1.0))
    } else {
        let n = w.round().max(1.0) as i64;
        format!("{n} week{}", if n == 1 { "" } else { "s" })
    }
}

fn too_loose(ctx: &Context, m: &Metric, fit: &Fit, p: &Params) -> Vec<Finding> {
    let weeks: Vec<&super::WeekStat> = fit.weeks.iter().filter(|w| w.usable()).collect();
    if weeks.len() < 2 || (m.alarm.is_none() && m.investigation.is_none()) {
        return vec![];
    }
    let s = m.worse.sign();
    let worst = weeks.iter().map(|w| if m.worse == Worse::Higher { w.p995 } else { w.p005 }).fold(f64::NAN, |acc, v| {
        if acc.is_nan() || (v - acc) * s > 0.0 {
            v
        } else {
            acc
        }
    });
    let typical = fit.level;
    if !worst.is_finite() || !typical.is_finite() {
        return vec![];
    }
    let e = ((worst - typical) * s).max(0.02 * typical.abs()).max(1e-9);
    let limit = p.loose_ratio();
    let ratio = |l: f64| (l - worst) * s / e;
    // Higher-is-worse lines must also be several times the worst normal value (an alarm at 2× a p99 is
    // normal practice); lower-is-worse lines (success ratios, traffic floors) use the distance alone.
    let far = |l: f64| ratio(l) > limit && (m.worse == Worse::Lower || worst <= 0.0 || l >= limit * worst);
    let loose_alarm = m.alarm.filter(|&l| far(l));
    let loose_inv = m.investigation.filter(|&l| far(l));
    if loose_alarm.is_none() && loose_inv.is_none() {
        return vec![];
    }
    let up = m.worse == Worse::Higher;
    let propose_alarm = super::stats::round_nice(worst + s * e, up);
    let propose_inv = super::stats::round_nice(worst + s * e / 3.0, up);
    let r = loose_alarm.or(loose_inv).map(ratio).unwrap_or(limit);
    let sev = 20.0 + (4.0 * (r - limit)).clamp(0.0, 20.0) + if loose_alarm.is_some() { 5.0 } else { 0.0 };
    let u = &m.unit;
    let beyond = if up { "above" } else { "below" };
    let which = match (loose_alarm, loose_inv) {
        (Some(a), Some(i)) => format!("the alarm line {} and the investigation line {} sit", text::value(a, u), text::value(i, u)),
        (Some(a), None) => format!("the alarm line {} sits", text::value(a, u)),
        (None, Some(i)) => format!("the investigation line {} sits", text::value(i, u)),
        (None, None) => String::new(),
    };
    let proposal = match (loose_alarm, loose_inv) {
        (Some(_), Some(_)) => format!(
            "move the alarm line to about {} and the investigation line to about {}",
            text::value(propose_alarm, u),
            text::value(propose_inv, u)
        ),
        (Some(_), None) => format!("move it to about {}", text::value(propose_alarm, u)),
        _ => format!("pull it to about {}", text::value(propose_inv, u)),
    };
    let sentence = format!(
        "For {}, {which} far {beyond} anything it did in {} weeks (worst weekly p99.5 {}, typical {}), so it would miss real trouble: {proposal}.",
        text::subject(m),
        weeks.len(),
        text::value(worst, u),
        text::value(typical, u),
    );
    let mut f = Finding::new(Kind::LineTooLoose, m, ctx.grid.start, ctx.review_end(), sev, sentence)
        .with("worst_normal", worst)
        .with("typical", typical)
        .with("normal_excursion", e)
        .with("looseness", r);
    if let Some(a) = loose_alarm {
        f = f.with("alarm", a).with("proposed_alarm", propose_alarm);
    }
    if let Some(i) = loose_inv {
        f = f.with("investigation", i).with("proposed_investigation", propose_inv);
    }
    vec![f]
}

fn volatility(ctx: &Context, m: &Metric, fit: &Fit, p: &Params) -> Vec<Finding> {
    let weeks: Vec<&super::WeekStat> = fit.weeks.iter().filter(|w| w.usable() && w.spread.is_finite()).collect();
    if weeks.len() < 4 || weeks.last().map(|w| w.week) != Some(0) {
        return vec![];
    }
    let spreads: Vec<f64> = weeks.iter().map(|w| w.spread).collect();
    let first = median(&spreads[..2]);
    let last = spreads[spreads.len() - 1];
    let prev_max = spreads[..spreads.len() - 1].iter().copied().fold(0.0, f64::max);
    if first <= 0.0 {
        return vec![];
    }
    let ratio = last / first;
    let mk = mann_kendall(&spreads);
    if ratio < p.volatility_ratio() || mk < 0.6 || last < 0.9 * prev_max {
        return vec![];
    }
    let l0 = weeks[0].median;
    let l1 = weeks[weeks.len() - 1].median;
    let growth = if l0.abs() > 1e-12 { l1 / l0 - 1.0 } else { 0.0 };
    let sev = 25.0 + (15.0 * (ratio - p.volatility_ratio())).clamp(0.0, 25.0) + if growth * m.worse.sign() > 0.05 { 5.0 } else { 0.0 };
    let level = if growth.abs() >= 0.05 {
        format!(" while its level {} {:.0}%", if growth > 0.0 { "rose" } else { "fell" }, growth.abs() * 100.0)
    } else {
        String::new()
    };
    let show = |s: f64| {
        if fit.spread_relative {
            format!("{:.1}% of its level", s * 100.0)
        } else {
            text::value(s, &m.unit)
        }
    };
    let sentence = format!(
        "{} is getting more variable: its spread around the usual pattern grew from {} to {} over {} weeks ({:.1}×){level}.",
        text::subject(m),
        show(first),
        show(last),
        weeks.len(),
        ratio,
    );
    vec![Finding::new(Kind::GrowingVolatility, m, weeks[0].start, ctx.review_end(), sev, sentence)
        .with("weekly_spread", spreads)
        .with("ratio", ratio)
        .with("trend_score", mk)
        .with("level_growth", growth)]
}

fn missing(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let step = ctx.grid.step;
    // A series that is sampled irregularly has gaps of its usual length all the time: only a gap well
    // beyond them (twice the usual, plus one) is news. A gap counts by its points that are not usually
    // silent at that time of week (a nightly pause inside a longer gap does not split it).
    let min_gap = p.min_gap_points().max(2 * fit.usual_gap + 1);
    let missing: Vec<bool> = x.iter().map(|v| !v.is_finite()).collect();
    let unusual = |a: usize, b: usize| (a..=b).filter(|&j| !fit.usual_missing[j]).count();
    let gaps: Vec<(usize, usize)> = runs(&missing, 0).into_iter().filter(|&(a, b)| unusual(a, b) >= min_gap).collect();
    if gaps.is_empty() {
        return vec![];
    }
    let n = x.len();
    let total: usize = gaps.iter().map(|(a, b)| b + 1 - a).sum();
    let (la, lb) = gaps.iter().copied().max_by_key(|(a, b)| b - a).unwrap_or((0, 0));
    let stopped = gaps.last().filter(|(_, b)| *b + 1 == n).copied();
    let t0 = ctx.rtime(gaps[0].0);
    let t1 = ctx.rtime(gaps[gaps.len() - 1].1) + step;
    let subj = text::subject(m);
    let (sev, sentence) = match stopped {
        Some((0, _)) => (
            85.0,
            format!(
                "{subj} sent no data at all in the review range; silence is not health (last value before it: {}).",
                last_seen(ctx, fit)
            ),
        ),
        Some((a, b)) => {
            let dur = (b + 1 - a) as i64 * step;
            let others = gaps.len() - 1;
            (
                60.0 + (20.0 * dur as f64 / 86_400.0).min(20.0),
                format!(
                    "{subj} stopped reporting on {} and stayed silent to the end of the range ({}){}; silence is not health.",
                    time::short_label(&ctx.tz, ctx.rtime(a)),
                    text::duration(dur),
                    if others > 0 { format!(", after {others} earlier gap{}", if others == 1 { "" } else { "s" }) } else { String::new() },
                ),
            )
        }
        None => (
            25.0 + (20.0 * (total as i64 * step) as f64 / 21_600.0).min(20.0) + 5.0 * recency(ctx, gaps[gaps.len() - 1].1 + 1),
            format!(
                "{subj} has {} gap{} in the review range, {} in all (longest {} from {}).",
                gaps.len(),
                if gaps.len() == 1 { "" } else { "s" },
                text::duration(total as i64 * step),
                text::duration((lb + 1 - la) as i64 * step),
                time::short_label(&ctx.tz, ctx.rtime(la)),
            ),
        ),
    };
    vec![Finding::new(Kind::MissingData, m, t0, t1, sev, sentence)
        .with("gaps", gaps.len() as f64)
        .with("missing_minutes", (total as i64 * step) as f64 / 60.0)
        .with("longest_gap_minutes", ((lb + 1 - la) as i64 * step) as f64 / 60.0)
        .with("coverage", 1.0 - total as f64 / n.max(1) as f64)
        .with("stopped_at", stopped.map(|(a, _)| time::rfc3339(&ctx.tz, ctx.rtime(a))).unwrap_or_default())]
}

fn last_seen(ctx: &Context, fit: &Fit) -> String {
    fit.weeks
        .iter()
        .rev()
        .find(|w| w.coverage > 0.0)
        .map(|w| format!("week of {}", time::local_date(&ctx.tz, w.start)))
        .unwrap_or_else(|| "none in the history either".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fit;
    use crate::synth::{Inject, Rng, Shape};

    fn ctx() -> Context {
        crate::analysis::test_week()
    }

    fn metric(worse: Worse, lines: (f64, f64)) -> Metric {
        Metric {
            name: "metric".into(),
            unit: "ms".into(),
            statistic: "p99".into(),
            alarm: Some(lines.1),
            investigation: Some(lines.0),
            line: 1,
            ..Metric::new("m", "T", "svc", worse, std::path::Path::new("x"), "m")
        }
    }

    const SHAPE: Shape = Shape { level: 100.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
    const HIGHER: (f64, f64) = (170.0, 220.0);
    const LOWER: (f64, f64) = (33.0, 16.0);
    /// Review offset of day `d` (Monday = 0) at `h` o'clock.
    fn at(d: usize, h: usize) -> usize {
        (d * 24 + h) * 12
    }

    struct Case {
        name: &'static str,
        worse: Worse,
        lines: (f64, f64),
        shape: Shape,
        widen: f64,
        inject: Vec<Inject>,
        /// The kind that must be found, and a review offset its span must contain (None: anywhere).
        want: Option<(Kind, Option<usize>)>,
    }

    fn case(name: &'static str, worse: Worse, inject: Vec<Inject>, want: Option<(Kind, Option<usize>)>) -> Case {
        Case { name, worse, lines: if worse == Worse::Higher { HIGHER } else { LOWER }, shape: SHAPE, widen: 0.0, inject, want }
    }

    fn cases() -> Vec<Case> {
        use Kind::*;
        vec![
            case("clean, higher is worse", Worse::Higher, vec![], None),
            case("clean, lower is worse", Worse::Lower, vec![], None),
            case(
                "alarm breach",
                Worse::Higher,
                vec![Inject::Bump { at: at(1, 14), len: 8, factor: 2.5 }],
                Some((AlarmBreach, Some(at(1, 14) + 2))),
            ),
            case(
                "alarm breach, lower is worse",
                Worse::Lower,
                vec![Inject::Bump { at: at(3, 10), len: 10, factor: 0.08 }],
                Some((AlarmBreach, Some(at(3, 10) + 3))),
            ),
            case(
                "investigation breach",
                Worse::Higher,
                vec![Inject::Bump { at: at(3, 14), len: 12, factor: 1.45 }],
                Some((InvestigationBreach, Some(at(3, 14) + 3))),
            ),
            case(
                "anomaly crossing no line",
                Worse::Higher,
                vec![Inject::Bump { at: at(2, 3), len: 6, factor: 1.6 }],
                Some((SeasonalAnomaly, Some(at(2, 3) + 2))),
            ),
            case(
                "dip when lower is worse",
                Worse::Lower,
                vec![Inject::Bump { at: at(4, 11), len: 12, factor: 0.6 }],
                Some((SeasonalAnomaly, Some(at(4, 11) + 2))),
            ),
            case("level shift", Worse::Higher, vec![Inject::Shift { at: at(2, 9), factor: 1.25 }], Some((LevelShift, Some(at(2, 9) + 1)))),
            case("gap", Worse::Higher, vec![Inject::Gap { at: at(1, 2), len: 10 }], Some((MissingData, Some(at(1, 2) + 1)))),
            case("stopped reporting", Worse::Lower, vec![Inject::Stop { at: at(5, 18) }], Some((MissingData, Some(at(6, 0))))),
            Case {
                name: "drift toward the investigation line",
                shape: Shape { growth_per_week: 0.08, ..SHAPE },
                lines: (170.0, 240.0),
                ..case("", Worse::Higher, vec![], Some((DriftTowardLine, None)))
            },
            Case { name: "line too loose", lines: (3000.0, 5000.0), ..case("", Worse::Higher, vec![], Some((LineTooLoose, None))) },
            Case {
                name: "growing volatility",
                widen: 0.3,
                lines: (400.0, 500.0),
                ..case("", Worse::Higher, vec![], Some((GrowingVolatility, None)))
            },
        ]
    }

    #[test]
    fn each_kind_is_found_where_injected_and_nothing_on_clean_series() {
        let c = ctx();
        for case in cases() {
            for seed in 1..=3u64 {
                let mut rng = Rng::new(seed);
                let mut v =
                    if case.widen > 0.0 { case.shape.render_widening(&c, &mut rng, case.widen) } else { case.shape.render(&c, &mut rng) };
                for inj in &case.inject {
                    inj.apply(&c, &mut v);
                }
                let m = metric(case.worse, case.lines);
                let f = fit(&c, &v);
                let found = crate::finding::dedupe(detect(&c, &m, &v[c.review.clone()], &f, &Params::default()));
                match case.want {
                    None => assert!(
                        found.is_empty(),
                        "{} (seed {seed}): unexpected {:?}",
                        case.name,
                        found.iter().map(|f| &f.sentence).collect::<Vec<_>>()
                    ),
                    Some((kind, point)) => {
                        let hit =
                            found.iter().any(|f| f.kind == kind && point.map(|j| (f.start..f.end).contains(&c.rtime(j))).unwrap_or(true));
                        assert!(
                            hit,
                            "{} (seed {seed}): {kind:?} not found; got {:?}",
                            case.name,
                            found.iter().map(|f| (f.kind, &f.sentence)).collect::<Vec<_>>()
                        );
                        let others: Vec<&Finding> = found.iter().filter(|f| f.kind != kind).collect();
                        assert!(
                            others.len() <= 1,
                            "{} (seed {seed}): too much besides {kind:?}: {:?}",
                            case.name,
                            others.iter().map(|f| &f.sentence).collect::<Vec<_>>()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn sensitivity_re_flags_the_same_fit() {
        let c = ctx();
        let mut v = SHAPE.render(&c, &mut Rng::new(9));
        Inject::Bump { at: at(2, 3), len: 4, factor: 1.22 }.apply(&c, &mut v);
        let m = metric(Worse::Higher, HIGHER);
        let f = fit(&c, &v);
        let count = |s: f64| detect(&c, &m, &v[c.review.clone()], &f, &Params { sensitivity: s }).len();
        assert!(
            count(0.5) <= count(1.0) && count(1.0) <= count(2.0) && count(0.5) < count(2.0),
            "{} {} {}",
            count(0.5),
            count(1.0),
            count(2.0)
        );
    }

    #[test]
    fn an_irregularly_sampled_series_is_not_missing_data_for_its_usual_gaps() {
        let c = ctx();
        let m = metric(Worse::Higher, HIGHER);
        // Samples every 5 to 15 minutes: on the 5-minute grid, gaps of 1–2 points everywhere.
        let mut v = SHAPE.render(&c, &mut Rng::new(4));
        let mut rng = Rng::new(5);
        for x in v.iter_mut() {
            if rng.uniform() < 0.3 {
                *x = f64::NAN;
            }
        }
        let kinds = |v: &[f64]| {
            detect(&c, &m, &v[c.review.clone()], &fit(&c, v), &Params::default()).into_iter().map(|f| f.kind).collect::<Vec<_>>()
        };
        assert!(!kinds(&v).contains(&Kind::MissingData), "{:?}", kinds(&v));
        // Two hours of silence are still news.
        Inject::Gap { at: at(2, 10), len: 24 }.apply(&c, &mut v);
        assert!(kinds(&v).contains(&Kind::MissingData), "{:?}", kinds(&v));
    }

    #[test]
    fn novelty_is_graded_by_the_historys_largest_departure() {
        for (pz, hmax, want) in [
            (8.0, 8.0, 10.0),     // as large as anything in the history
            (16.0, 8.0, 15.0),    // twice as large: capped at +15
            (11.3, 8.0, 15.0),    // just under twice: 10 + 10·log2(1.41) ≈ 15
            (4.0, 8.0, 0.0),      // half the history's largest: nothing
            (1.0, 8.0, -5.0),     // routine for this series: −5 at most
            (8.0, f64::NAN, 0.0), // no history: nothing either way
            (f64::INFINITY, 8.0, 0.0),
        ] {
            let got = novelty_bonus(pz, hmax);
            assert!((got - want).abs() < 0.1, "pz {pz} hmax {hmax}: {got} != {want}");
        }
    }

    #[test]
    fn runs_merge_short_gaps() {
        let t = true;
        let f = false;
        assert_eq!(runs(&[t, t, f, t, f, f, f, t], 1), vec![(0, 3), (7, 7)]);
        assert_eq!(runs(&[f, f], 2), vec![]);
        assert_eq!(runs(&[t, f, f, t], 2), vec![(0, 3)]);
    }
}

#[cfg(test)]
mod quick_tests {
    use super::*;
    use crate::finding::dedupe;
    use crate::synth::{Inject, Rng, Shape as Synth};

    /// Re-flagging answers "steady findings only" when `moving_possible` says no: over series that flag
    /// every kind and quiet ones, at sensitivities across the whole range, that answer is exactly what
    /// running every detector gives — and both answers occur, so neither branch goes untested.
    #[test]
    fn the_quick_answer_is_the_full_answer() {
        let c = crate::analysis::test_week();
        let base = Synth { level: 100.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
        let growing = Synth { growth_per_week: 0.06, ..base };
        type Case = (&'static str, Synth, &'static [Inject], Option<f64>, Option<f64>);
        let cases: [Case; 10] = [
            ("erratic for eight hours", base, &[], None, None),
            ("clean", base, &[], None, None),
            ("clean with distant lines", base, &[], Some(1e4), Some(5e3)),
            ("spike", base, &[Inject::Bump { at: 1000, len: 3, factor: 1.6 }], None, None),
            ("level shift", base, &[Inject::Shift { at: 1200, factor: 1.25 }], None, None),
            ("six high hours", base, &[Inject::Bump { at: 700, len: 72, factor: 1.1 }], None, None),
            ("a gap and a stop", base, &[Inject::Gap { at: 300, len: 20 }, Inject::Stop { at: 1900 }], None, None),
            ("breaching its lines", base, &[Inject::Bump { at: 500, len: 12, factor: 3.0 }], Some(250.0), Some(180.0)),
            ("growing toward its line", growing, &[], Some(400.0), Some(300.0)),
            ("a dip", base, &[Inject::Bump { at: 1500, len: 4, factor: 0.5 }], Some(1e4), None),
        ];
        let (mut quiet, mut busy, mut asked) = (0, 0, 0);
        for (name, shape, edits, alarm, investigation) in cases {
            let mut m = Metric::new("m", "T", "svc", Worse::Higher, std::path::Path::new("x"), "m");
            (m.alarm, m.investigation) = (alarm, investigation);
            for seed in 1..=3u64 {
                let mut v = shape.render(&c, &mut Rng::new(seed));
                edits.iter().for_each(|e| e.apply(&c, &mut v));
                if name.starts_with("erratic") {
                    let mut rng = Rng::new(seed + 100);
                    for j in 4 * 288 + 100..4 * 288 + 196 {
                        v[c.review.start + j] *= 1.0 + 0.12 * rng.normal();
                    }
                }
                let fit = crate::analysis::fit(&c, &v);
                let x = &v[c.review.clone()];
                let steady = steady(&c, &m, x, &fit);
                for s in [0.1, 0.25, 0.5, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0] {
                    let p = Params::new(s).expect("sensitivity");
                    let full = dedupe(detect(&c, &m, x, &fit, &p));
                    let from_summary = moving_possible(&c, &m, &fit, 0, &p);
                    if from_summary.is_none() {
                        asked += 1;
                    }
                    if moving_possible_in(&c, &m, &fit, &fit.z, 0, &p) {
                        busy += 1;
                    } else {
                        quiet += 1;
                        assert_eq!(dedupe(steady.clone()), full, "{name}, seed {seed}, sensitivity {s}");
                    }
                    if from_summary == Some(false) {
                        assert_eq!(dedupe(steady.clone()), full, "{name}, seed {seed}, sensitivity {s} (summary)");
                    }
                }
            }
        }
        assert!(quiet > 20 && busy > 20 && asked > 10, "every branch: {quiet} quiet, {busy} busy, {asked} read the residuals");
    }
}
