//! The detectors of episodes inside the review range: breaches of the lines, seasonal anomalies and the
//! level shift.

use super::{novelty_bonus, recency, runs, shift_possible};
use crate::analysis::stats::median;
use crate::analysis::{Context, Fit, Params};
use crate::config::{Metric, MofN, Worse};
use crate::finding::{Finding, Kind};
use crate::text;
use crate::time::WEEK;

pub(super) fn breaches(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, line: f64, rule: MofN, kind: Kind) -> Vec<Finding> {
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
                ctx.short_label(t0),
                text::value(peak, &m.unit),
                ctx.short_label(ctx.rtime(peak_j)),
                if usual.is_finite() { format!("; usually {} at that time", text::value(usual, &m.unit)) } else { String::new() },
            );
            Some(
                Finding::new(kind, m, t0, t1, sev, sentence)
                    .with("line", line)
                    .with("peak", peak)
                    .with("peak_at", ctx.rfc3339(ctx.rtime(peak_j)))
                    .with("points_beyond", pts as f64)
                    .with("duration_minutes", dur as f64 / 60.0)
                    .with("expected_at_peak", usual)
                    .with("datapoints_rule", rule.to_string()),
            )
        })
        .collect()
}

pub(super) fn anomalies(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let k = p.anomaly_z();
    let step = ctx.grid.step;
    // The episodes are scored first and only those kept are written out: at a high sensitivity a series has
    // dozens of runs, of which three a week are told.
    let mut found: Vec<Episode> = Vec::new();
    // An episode needs two points beyond k, or one beyond 1.5 k: a direction whose two largest z fall short of
    // that (the fit's summary holds them) has none.
    let possible = |(top, second): (f64, f64)| !(second < k && top < 1.5 * k);
    if !possible(fit.summary.up) && !possible(fit.summary.down) {
        return Vec::new();
    }
    for ((dir, largest), runs) in [(1.0f64, fit.summary.up), (-1.0, fit.summary.down)].into_iter().zip(anomaly_runs(&fit.z, k)) {
        if !possible(largest) {
            continue;
        }
        for (a, b, pts, peak_j) in runs {
            let pz = fit.z[peak_j].abs();
            if !is_episode(pts, pz, k) {
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
            found.push(Episode { dir, a, b, pts, peak_j, dur, sev, worse_dir, novel });
        }
    }
    // Never a wall of alerts: keep the three strongest episodes of a series per week of the range and
    // count the rest (ranked as findings rank: severity as shown, then the earlier).
    let weeks = (ctx.review_len() as f64 * step as f64 / WEEK as f64).ceil().max(1.0) as usize;
    let cap = 3 * weeks;
    found.sort_by(|e, o| Finding::shown_severity(o.sev).cmp(&Finding::shown_severity(e.sev)).then(ctx.rtime(e.a).cmp(&ctx.rtime(o.a))));
    let more = found.len().saturating_sub(cap);
    found.truncate(cap);
    let mut out: Vec<Finding> = found.iter().map(|e| anomaly_finding(ctx, m, x, fit, k, e)).collect();
    if more > 0 {
        out[0] = out[0].clone().with("more_episodes", more as f64);
        out[0].sentence.pop();
        let (episodes, when) = (if more == 1 { "episode" } else { "episodes" }, if weeks == 1 { "this week" } else { "in the range" });
        out[0].sentence.push_str(&format!(" ({more} more anomalous {episodes} {when})."));
    }
    out
}

/// An anomaly episode scored but not yet written out.
struct Episode {
    dir: f64,
    a: usize,
    b: usize,
    pts: usize,
    peak_j: usize,
    dur: i64,
    sev: f64,
    worse_dir: bool,
    novel: bool,
}

/// The finding that tells an anomaly episode: the peak against the usual value and band, how long, whether it
/// stayed inside the lines.
fn anomaly_finding(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, k: f64, e: &Episode) -> Finding {
    let &Episode { dir, a, b, pts, peak_j, dur, sev, worse_dir, novel } = e;
    let step = ctx.grid.step;
    let (peak, usual) = (x[peak_j], fit.expected[peak_j]);
    let (lo, hi) = fit.band_at(peak_j, k, &m.unit);
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
        ctx.short_label(ctx.rtime(peak_j)),
        how,
        text::value(lo, &m.unit),
        text::value(hi, &m.unit),
        if dur > step { format!(", for {}", text::duration(dur)) } else { String::new() },
        lines,
        if novel { "; the largest departure from its pattern in all its history" } else { "" },
    );
    Finding::new(Kind::SeasonalAnomaly, m, ctx.rtime(a), ctx.rtime(b) + step, sev, sentence)
        .with("peak", peak)
        .with("peak_at", ctx.rfc3339(ctx.rtime(peak_j)))
        .with("expected_at_peak", usual)
        .with("band_low", lo)
        .with("band_high", hi)
        .with("peak_z", fit.z[peak_j])
        .with("points", pts as f64)
        .with("direction", if worse_dir { "worse" } else { "better" })
        .with("largest_in_history", if novel { 1.0 } else { 0.0 })
}

/// The runs anomaly episodes are made of, upward then downward: each run that stays beyond 0.6 k (gaps of up to
/// 2 points) around points beyond k, as (first, last, points beyond k, the point furthest out) — hysteresis, so
/// noise around the threshold does not cut one incident into many. One pass for both directions (a point is
/// beyond in one of them at most).
fn anomaly_runs(z: &[f64], k: f64) -> [Vec<(usize, usize, usize, usize)>; 2] {
    let near = 0.6 * k;
    // The points near enough to be in a run in each direction (|z| ≥ 0.6 k that way; 0 is in neither, k > 0;
    // NaN and ±∞ are no point), picked out first without a branch: whether a point is near is a coin toss at
    // high sensitivities, which a branch per point mispredicts.
    // Into buffers each thread keeps: a re-flag going up runs this on thousands of metrics.
    thread_local! {
        static NEAR_AT: std::cell::RefCell<[Vec<usize>; 2]> = const { std::cell::RefCell::new([Vec::new(), Vec::new()]) };
    }
    NEAR_AT.with_borrow_mut(|[up_at, down_at]| {
        up_at.resize(z.len(), 0);
        down_at.resize(z.len(), 0);
        // Written through slices held in registers: through the vectors, each store made the loop load their
        // pointers again (the store might have changed them).
        let (ups, downs) = (&mut up_at[..z.len()], &mut down_at[..z.len()]);
        let (mut up, mut down) = (0, 0);
        for (j, &zj) in z.iter().enumerate() {
            ups[up] = j;
            downs[down] = j;
            up += usize::from((zj >= near) & (zj < f64::INFINITY));
            down += usize::from((-zj >= near) & (-zj < f64::INFINITY));
        }
        let runs = [runs_of(z, k, &ups[..up]), runs_of(z, k, &downs[..down])];
        // A buffer grown for an unusually long range is not kept.
        if up_at.capacity() > 1 << 16 {
            *up_at = Vec::new();
            *down_at = Vec::new();
        }
        runs
    })
}

/// [`anomaly_runs`] of one direction, given the points near enough (`at`, in order): each run of them with
/// gaps of up to 2 points, as (first, last, points beyond k, the point furthest out: the later of equals),
/// if it holds a point beyond k.
fn runs_of(z: &[f64], k: f64, at: &[usize]) -> Vec<(usize, usize, usize, usize)> {
    let mut out = Vec::new();
    let Some(&first) = at.first() else { return out };
    let (mut start, mut last, mut pts, mut peak, mut peak_v) = (first, first, 0usize, first, f64::NEG_INFINITY);
    for &j in at {
        if j > last + 3 {
            if pts > 0 {
                out.push((start, last, pts, peak));
            }
            (start, pts, peak_v) = (j, 0, f64::NEG_INFINITY);
        }
        last = j;
        let v = z[j].abs();
        if v >= k {
            if v >= peak_v {
                (peak, peak_v) = (j, v);
            }
            pts += 1;
        }
    }
    if pts > 0 {
        out.push((start, last, pts, peak));
    }
    out
}

/// A run is an episode with two points beyond k, or one beyond 1.5 k.
fn is_episode(points: usize, peak_z: f64, k: f64) -> bool {
    points >= 2 || peak_z >= 1.5 * k
}

/// Whether the residuals `z` hold an anomaly episode at threshold `k` (before the per-week cap and the
/// folding of weaker findings, which only take some away).
pub(super) fn anomaly_possible_in(z: &[f64], k: f64) -> bool {
    anomaly_runs(z, k).iter().flatten().any(|&(_, _, pts, j)| is_episode(pts, z[j].abs(), k))
}

/// The largest threshold k at which the residuals `z` hold an anomaly episode ([`anomaly_possible_in`]; 0
/// when none at any k): lowering k only adds points to runs and joins runs, so an episode exists at every k
/// below it and at none above (up to the rounding of `0.6 * k` and `1.5 * k`). One pass: a point alone makes
/// an episode up to a third below its |z|; two points of one direction, up to the smaller of their |z| and
/// of 1/0.6 × the weakest link between them — three points in a row all below 0.6 k end a run, so a stretch
/// of three is crossed while its largest value stays at or above 0.6 k.
pub fn anomaly_reach(z: &[f64]) -> f64 {
    // Per direction: u(j), the point's value that way (−∞ where missing, which no threshold lets into a
    // run), for the last four points; h, the best partner for the point at j among points i ≤ j − 4, each
    // capped at 1/0.6 × the weakest stretch of three between them (the largest of the three: they are all
    // out of the run only when it is). Points j − 1 … j − 3 have fewer than three points between them and
    // j: always one run. This runs for every fitted series, so it keeps to registers and one pass.
    const INV: f64 = 1.0 / 0.6;
    let ninf = f64::NEG_INFINITY;
    let (mut top, mut pair) = (ninf, ninf);
    let mut last = [[ninf; 4]; 2]; // per direction: u(j − 1), u(j − 2), u(j − 3), u(j − 4)
    let mut h = [ninf; 2];
    for &x in z {
        let up = if x.is_finite() { x } else { ninf };
        let down = if x.is_finite() { -x } else { ninf };
        for (d, uj) in [(0, up), (1, down)] {
            let [a, b, c, e] = last[d];
            let near = a.max(b).max(c);
            h[d] = h[d].max(e).min(near * INV);
            pair = pair.max(uj.min(near.max(h[d])));
            top = top.max(uj);
            last[d] = [uj, a, b, c];
        }
    }
    (top / 1.5).max(pair).max(0.0)
}

pub(super) fn level_shift(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let delta = p.shift_z();
    let Some(cp) = fit.summary.change else { return vec![] };
    let (mb, best_t) = (cp.median_before, cp.finite_before);
    let diff = cp.median_after - mb;
    if !shift_possible(mb, diff, delta) {
        return vec![];
    }
    let (_, zc) = crate::analysis::summary::clipped(&fit.z);
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
        ctx.short_label(t0),
        diff.abs(),
        if diff > 0.0 { "above" } else { "below" },
    );
    vec![Finding::new(Kind::LevelShift, m, t0, ctx.review_end(), sev, sentence)
        .with("level_before", before)
        .with("level_after", after)
        .with("shift_sigma", diff)
        .with("shift_at", ctx.rfc3339(t0))
        .with("share_held", held)
        .with("direction", if worse_dir { "worse" } else { "better" })]
}

#[cfg(test)]
mod tests {
    use super::anomaly_runs;

    /// The runs of one direction `dir` (±1), read in a pass of their own: what [`anomaly_runs`] gives for both in one.
    fn one_direction(z: &[f64], dir: f64, k: f64) -> Vec<(usize, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut cur: Option<(usize, usize, usize, usize)> = None;
        for (j, &zj) in z.iter().enumerate() {
            let v = zj * dir;
            if !(zj.is_finite() && v >= 0.6 * k) {
                continue;
            }
            match &mut cur {
                Some((_, last, pts, peak)) if j - *last - 1 <= 2 => {
                    *last = j;
                    if v >= k {
                        if *pts == 0 || v >= z[*peak] * dir {
                            *peak = j;
                        }
                        *pts += 1;
                    }
                }
                _ => {
                    out.extend(cur.filter(|c| c.2 > 0));
                    cur = Some((j, j, (v >= k) as usize, j));
                }
            }
        }
        out.extend(cur.filter(|c| c.2 > 0));
        out
    }

    #[test]
    fn both_directions_in_one_pass_are_each_direction_alone() {
        let mut rng = crate::synth::Rng::new(11);
        let odd = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, 2.4, -2.4, 4.0, -4.0, 6.0, -6.0];
        let mut cases: Vec<Vec<f64>> = vec![vec![], odd.to_vec(), vec![5.0, -5.0, 5.0, -5.0], vec![4.0, 1.0, 1.0, 1.0, 4.0, -4.0, -3.0]];
        for len in [50, 500, 2016] {
            // Noise wide enough to cross both thresholds often, with the odd values sprinkled in.
            cases.push((0..len).map(|i| if i % 37 == 0 { odd[i % odd.len()] } else { (rng.uniform() - 0.5) * 12.0 }).collect());
        }
        for z in &cases {
            for k in [1.0, 2.0, 4.0, 8.0] {
                let [up, down] = anomaly_runs(z, k);
                assert_eq!(up, one_direction(z, 1.0, k), "upward, k = {k}, {} points", z.len());
                assert_eq!(down, one_direction(z, -1.0, k), "downward, k = {k}, {} points", z.len());
            }
        }
    }
}
