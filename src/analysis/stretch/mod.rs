//! Unusual stretches: hours that are unusual as a whole although no single point has to leave the band.
//!
//! A slow ramp that sits 2–3 σ high all afternoon, a dip that never reaches 4 σ, or readings that scatter
//! twice as wide as usual inside the band pass every point-wise test (spikes beyond the band that come
//! far more often than usual are [`super::burst`]'s). Over a
//! window of about two hours ([`window`]) the mean of the clipped residual z (running **high** or
//! **low**) and the mean of |z| (**erratic**) are compared with what windows of the same length did in
//! the history the baseline came from (robust centre and spread, [`StretchStats`]), so a series whose
//! residuals usually wander is judged by its own wandering. A window beyond [`Params::stretch_z`]
//! spreads flags; flagged windows closer than half a window form one episode.

mod steps;

pub use steps::Steps;

use super::stats::{median_mut, quantile};
use super::{Context, Fit, Params};
use crate::config::Metric;
use crate::finding::{Finding, Kind};
use crate::text;
use crate::time::WEEK;

/// Residuals are clipped here before averaging, so one huge spike does not make a stretch.
const CLIP: f64 = 4.0;

/// An erratic stretch needs this many times the threshold of a high or low one.
const ERRATIC: f64 = 1.5;

/// Points in a stretch window: about two hours, at least 6 and at most 48 points.
pub fn window(step: i64) -> usize {
    ((7200 / step.max(1)) as usize).clamp(6, MAX_WINDOW)
}

/// The most points a stretch window holds.
const MAX_WINDOW: usize = 48;

/// How windows of `w` points behaved in the history: robust centre and spread of the mean clipped z
/// and of the mean clipped |z|. NaN spreads when the history was too short to tell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StretchStats {
    pub w: usize,
    pub mean: (f64, f64),
    pub abs: (f64, f64),
}

impl StretchStats {
    /// From the history's residuals (grid index, slot, value − expected) and the band sigma per slot.
    pub fn of_history(resid: &[(usize, u32, f64)], sig: &[f64], step: i64) -> StretchStats {
        let w = window(step);
        let z: Vec<(usize, f64)> = resid
            .iter()
            .filter_map(|&(i, s, r)| sig.get(s as usize).filter(|sd| **sd > 0.0).map(|sd| (i, (r / sd).clamp(-CLIP, CLIP))))
            .collect();
        let (mut means, mut abss) = (Vec::new(), Vec::new());
        let mut k = 0;
        while k + w <= z.len() {
            let win = &z[k..k + w];
            // Consecutive samples only (a window may skip a few missing points, not a day).
            if win[w - 1].0 - win[0].0 < 2 * w {
                means.push(win.iter().map(|p| p.1).sum::<f64>() / w as f64);
                abss.push(win.iter().map(|p| p.1.abs()).sum::<f64>() / w as f64);
            }
            k += (w / 4).max(1);
        }
        let robust = |v: &mut Vec<f64>, floor: f64| -> (f64, f64) {
            if v.len() < 8 {
                return (f64::NAN, f64::NAN);
            }
            let c = median_mut(v);
            let mut dev: Vec<f64> = v.iter().map(|x| (x - c).abs()).collect();
            (c, (1.4826 * median_mut(&mut dev)).max(floor))
        };
        // Floors: in-sample residuals run a little tight; a window's mean cannot be surer than about
        // 0.7 of independent noise allows (1/√w for the mean, 0.6/√w for the mean of |z|).
        let root = (w as f64).sqrt();
        StretchStats { w, mean: robust(&mut means, 1.0 / root), abs: robust(&mut abss, 0.6 / root) }
    }

    fn usable(&self) -> bool {
        self.mean.1.is_finite() && self.abs.1.is_finite()
    }
}

/// The stretch statistics that apply to review offset `j`.
fn stats_at(fit: &Fit, j: usize) -> Option<StretchStats> {
    fit.part_at(j).map(|p| p.stretch)
}

/// The review offsets `0..n` in runs that share their usable stretch statistics (those of [`stats_at`]):
/// none before the first part, then each part's own up to the next part's first offset.
fn usable_runs(fit: &Fit, n: usize) -> impl Iterator<Item = (std::ops::Range<usize>, Option<StretchStats>)> + '_ {
    let first = fit.parts.first().map_or(n, |p| p.from.min(n));
    let parts = fit.parts.iter().enumerate().map(move |(i, p)| {
        let to = fit.parts.get(i + 1).map_or(n, |q| q.from.min(n));
        (p.from.min(to)..to, Some(p.stretch).filter(StretchStats::usable))
    });
    std::iter::once((0..first, None)).chain(parts)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    High,
    Low,
    Erratic,
}

/// A review point's clipped residual as a stretch sees it: NaN where missing or beyond the anomaly
/// threshold `k` (those points are the anomaly detector's: a stretch is what the rest did).
fn clip(z: f64, k: f64) -> f64 {
    if z.is_finite() && z.abs() < k {
        z.clamp(-CLIP, CLIP)
    } else {
        f64::NAN
    }
}

/// The largest window scores of a review range: running high, running low, and a bound on erratic (its
/// mean |z| against the history's centre only; the score proper uses the larger of that and the review's
/// own median window, so it is never more).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub high: f64,
    pub low: f64,
    pub erratic: f64,
}

impl Bounds {
    /// Whether a window reaches the stretch threshold `t`.
    pub fn reach(&self, t: f64) -> bool {
        self.high >= t || self.low >= t || self.erratic / ERRATIC >= t
    }
}

/// The window scores of residuals `z` (with `fit`'s history statistics) when points beyond the anomaly
/// threshold `k` are left out: one pass, no allocation. None when the range is shorter than a window.
pub fn bounds(fit: &Fit, z: &[f64], k: f64) -> Option<Bounds> {
    let n = z.len();
    let w = fit.parts.first().map(|p| p.stretch.w)?;
    if n < w || w == 0 || w > MAX_WINDOW {
        return None;
    }
    // Per part of the range (its own history statistics): the largest and smallest window mean and the
    // largest mean |z|. Scores are monotonic in those (a positive spread), so the largest scores follow
    // from them exactly without scoring every window.
    // A window holding all w points has mean s / w: with w fixed that is monotonic in the sum s, so for
    // those only the extreme sums are kept and divided once at the end (most windows are full).
    let parts = &fit.parts;
    let mut extremes = vec![(f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY); parts.len()];
    let mut sums = vec![(f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY); parts.len()];
    let mut at = 0;
    // The current part's extremes live in locals (a store and load per point through the vectors was most
    // of this loop's time) and are written back when the part changes.
    let (mut full, mut partial) = (sums[0], extremes[0]);
    let first = parts[0].from;
    let mut next = parts.get(1).map_or(usize::MAX, |p| p.from);
    slide(z, w, k, |j, s, sa, c| {
        if j < first {
            return;
        }
        while j >= next {
            (sums[at], extremes[at]) = (full, partial);
            at += 1;
            (full, partial) = (sums[at], extremes[at]);
            next = parts.get(at + 1).map_or(usize::MAX, |p| p.from);
        }
        // Sums of clipped finite values are finite: plain comparisons, not NaN-aware max and min.
        let (e, m, ma) = if c == w { (&mut full, s, sa) } else { (&mut partial, s / c as f64, sa / c as f64) };
        if m > e.0 {
            e.0 = m;
        }
        if m < e.1 {
            e.1 = m;
        }
        if ma > e.2 {
            e.2 = ma;
        }
    });
    (sums[at], extremes[at]) = (full, partial);
    let wf = w as f64;
    for (e, &(most, least, most_abs)) in extremes.iter_mut().zip(&sums) {
        if most != f64::NEG_INFINITY {
            *e = (e.0.max(most / wf), e.1.min(least / wf), e.2.max(most_abs / wf));
        }
    }
    let mut b = Bounds { high: f64::NEG_INFINITY, low: f64::NEG_INFINITY, erratic: f64::NEG_INFINITY };
    for (part, &(most, least, most_abs)) in parts.iter().zip(&extremes) {
        let st = part.stretch;
        if !st.usable() || most == f64::NEG_INFINITY {
            continue;
        }
        b.high = b.high.max((most - st.mean.0) / st.mean.1);
        b.low = b.low.max(-((least - st.mean.0) / st.mean.1));
        b.erratic = b.erratic.max((most_abs - st.abs.0) / st.abs.1);
    }
    Some(b)
}

/// Whether any stretch can be flagged at `p` in residuals `z`: a necessary condition, asked before the
/// windows are scored in full (and by re-flagging before anything else).
pub fn possible(fit: &Fit, z: &[f64], p: &Params) -> bool {
    bounds(fit, z, p.anomaly_z()).is_some_and(|b| b.reach(p.stretch_z()))
}

/// [`possible`] for the fit's own residuals from its summary alone, without sliding the windows: above every
/// |z| no point leaves a window (the scores are the summary's `windows`); below the largest, the steps follow
/// the best score down. `None` where the residuals must answer (within rounding of a step's edge or of the
/// threshold, or below the last step followed).
pub fn possible_from_summary(fit: &Fit, p: &Params) -> Option<bool> {
    let (k, t) = (p.anomaly_z(), p.stretch_z());
    let sum = &fit.summary;
    if sum.largest() < k {
        return Some(sum.windows.is_some_and(|b| b.reach(t)));
    }
    sum.steps.and_then(|s| s.reach(k, t))
}

/// Find unusual stretches in the review range.
pub fn stretches(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    // The summary answers most metrics for nothing; the others are scored window by window, which says no as
    // quickly as [`possible`] would (one slide and one pass) and does not slide again when the answer is yes.
    if possible_from_summary(fit, p) == Some(false) {
        return vec![];
    }
    every_window(ctx, m, x, fit, p)
}

/// [`stretches`] without the quick test first.
fn every_window(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let n = fit.z.len();
    let Some(w) = fit.parts.first().map(|p| p.stretch.w) else { return vec![] };
    // (A window is never longer than MAX_WINDOW, [`window`]; [`bounds`] and so [`possible`] say none then.)
    if n < w || w == 0 || w > MAX_WINDOW {
        return vec![];
    }
    // The window scores live in buffers each thread keeps: a re-flag going up scores thousands of metrics.
    thread_local! {
        static SCORES: std::cell::RefCell<(Vec<f64>, Vec<f64>, Vec<f64>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
    }
    SCORES.with_borrow_mut(|(u, ma, a)| {
        let found = episodes(fit, p.stretch_z(), p.anomaly_z(), w, u, ma, a);
        // A buffer grown for an unusually long range is not kept.
        if u.capacity() > 1 << 16 {
            (*u, *ma, *a) = (Vec::new(), Vec::new(), Vec::new());
        }
        // At most three per week of the range, the strongest (ranked as findings rank: severity as shown, then
        // the earlier; a stable sort, so equals keep the order high, low, erratic); only those are written out.
        let step = ctx.grid.step;
        let weeks = (n as f64 * step as f64 / WEEK as f64).ceil().max(1.0) as usize;
        // (severity as shown, severity, episode): each worked out once, not at every comparison of the sort.
        let mut scored: Vec<(u8, f64, Episode)> = found
            .into_iter()
            .map(|e| {
                let sev = severity(m, fit, p, &e, step);
                (Finding::shown_severity(sev), sev, e)
            })
            .collect();
        scored.sort_by(|(s, _, e), (o, _, f)| o.cmp(s).then(ctx.rtime(e.start).cmp(&ctx.rtime(f.start))));
        scored.truncate(3 * weeks);
        scored.iter().map(|(_, sev, e)| finding(ctx, m, x, fit, e, *sev, step)).collect()
    })
}

/// An unusual stretch found but not yet written out: its shape, its points `start..end`, the window that
/// scored highest (`peak_j`, its last point) and that score.
#[derive(Debug, PartialEq)]
struct Episode {
    shape: Shape,
    start: usize,
    end: usize,
    peak_j: usize,
    peak: f64,
}

/// Slides a window of `w` points over the residuals `z` as a stretch sees them ([`clip`] at the anomaly threshold
/// `k`) and calls `each(j, s, sa, c)` for each window ending at `j` that is whole with at least half its points
/// there: the sum of its finite values, of their magnitudes, and their count. Every pass over a range slides
/// the same way, so every pass gets the same sums, bit for bit.
#[inline(always)]
fn slide(z: &[f64], w: usize, k: f64, mut each: impl FnMut(usize, f64, f64, usize)) {
    // A point left out (missing, or at or beyond `k`: [`clip`]'s NaN) adds +0 and takes +0 away when it leaves:
    // the sums start at +0 and are never −0, so that leaves them as they were, bit for bit, and the sums'
    // additions — the chain each point waits on — need no branch or blend.
    let (mut ring, mut ring_in) = ([0.0f64; MAX_WINDOW], [false; MAX_WINDOW]);
    let (mut s, mut sa, mut c, mut slot) = (0.0, 0.0, 0usize, 0usize);
    for (j, &zj) in z.iter().enumerate() {
        // [`clip`]'s test written out (`zj.abs() < k` is false for NaN and ±∞): through `clip` and `is_finite` the
        // detector's slide took a quarter longer (perf samples). The tests compare this slide with `clip`'s, bit
        // for bit.
        let inside = zj.abs() < k;
        let v = if inside { zj.clamp(-CLIP, CLIP) } else { 0.0 };
        s += v;
        sa += v.abs();
        c += usize::from(inside);
        if j >= w {
            s -= ring[slot];
            sa -= ring[slot].abs();
            c -= usize::from(ring_in[slot]);
        }
        (ring[slot], ring_in[slot]) = (v, inside);
        slot = if slot + 1 == w { 0 } else { slot + 1 };
        if j + 1 >= w && c * 2 >= w {
            each(j, s, sa, c);
        }
    }
}

/// How the windows of one run of [`usable_runs`] are scored: the history's statistics, the reciprocal of the
/// spread, and the mean |z| from which an erratic window may reach the threshold (asked a little generously).
struct Scale {
    st: StretchStats,
    per_spread: f64,
    erratic_at: f64,
}

impl Scale {
    fn of(st: Option<StretchStats>, t: f64) -> Option<Scale> {
        st.map(|st| {
            let reach = ERRATIC * t * st.abs.1;
            Scale { st, per_spread: 1.0 / st.mean.1, erratic_at: st.abs.0 + reach - 1e-9 * (st.abs.0.abs() + reach) - 1e-12 }
        })
    }
}

/// The stretches of the review range at stretch threshold `t` and anomaly threshold `k` with windows of `w`
/// points, in the order high, low, erratic, each in time order. `u`, `ma` and `a` are scratch buffers (any
/// contents; resized to the range).
///
/// Window means are scored where the window ends and standardised with the history's statistics of the
/// window's part. High and low scores are the standardised mean; erratic, the mean |z| against the larger of
/// the history's centre and the review range's own (the median window, which only lowers the score: in-sample
/// history residuals run a little tighter than a new week's, which would make every new week look erratic).
fn episodes(fit: &Fit, t: f64, k: f64, w: usize, u: &mut Vec<f64>, ma: &mut Vec<f64>, a: &mut Vec<f64>) -> Vec<Episode> {
    let z = &fit.z;
    let n = z.len();
    u.clear();
    u.resize(n, f64::NAN);
    // One slide of the window over the clipped residuals, each full enough window's score stored at its last
    // point, standardised with the statistics of the window's part (found once per part, not once per window).
    // A score is `(s / c − centre) / spread`. Rather than three divisions a point, it is worked out with products
    // by reciprocals, within 10⁻¹³ of it (the mean and the centre are at most the clip, 4, and the spread at
    // least 1/√48), and exactly only where that is within 10⁻⁹ of the threshold. Every decision taken on a score
    // — reaching `t` either way, staying under it — is then the exact score's, and the scores of windows that
    // are flagged are exact.
    // Which shapes can be flagged at all is noted on the way (erratic against the history's centre alone, a
    // bound, asked a little generously so rounding never says no to a window that scores): the median window
    // and the episodes are worked out only for those.
    let (mut high, mut low, mut erratic) = (false, false, false);
    let mut per = [0.0f64; MAX_WINDOW + 1];
    for (c, r) in per.iter_mut().enumerate().skip(1) {
        *r = 1.0 / c as f64;
    }
    let near = t - 1e-9 * (1.0 + t.abs());
    let mut runs = usable_runs(fit, n);
    let (mut end, mut scale) = match runs.next() {
        Some((run, st)) => (run.end, Scale::of(st, t)),
        None => (n, None),
    };
    slide(z, w, k, |j, s, sa, c| {
        while j >= end {
            let Some((run, st)) = runs.next() else { return };
            (end, scale) = (run.end, Scale::of(st, t));
        }
        let Some(sc) = &scale else { return };
        let (centre, spread) = sc.st.mean;
        let per = per[c];
        let rough = (s * per - centre) * sc.per_spread;
        let score = if rough.abs() >= near { (s / c as f64 - centre) / spread } else { rough };
        u[j] = score;
        high |= score >= t;
        low |= -score >= t;
        erratic |= score.abs() < t && sa * per >= sc.erratic_at;
    });
    a.clear();
    if erratic {
        // Each window's mean |z|, exactly: the same slide again, with the division.
        ma.clear();
        ma.resize(n, f64::NAN);
        slide(z, w, k, |j, _, sa, c| ma[j] = sa / c as f64);
        a.extend(ma.iter().copied().filter(|v| v.is_finite()));
        let abs_centre = median_mut(a);
        a.clear();
        a.resize(n, f64::NAN);
        for (run, st) in usable_runs(fit, n) {
            if let Some(st) = st {
                for (aj, &mj) in a[run.clone()].iter_mut().zip(&ma[run]) {
                    *aj = (mj - abs_centre.max(st.abs.0)) / st.abs.1;
                }
            }
        }
    }
    told(z, t, k, w, u, a, [high, low, erratic])
}

/// The episodes of the shapes that `can` be flagged (high, low, erratic), from the windows' scores: `u`, each
/// window's standardised mean (NaN where none is scored), and `a`, its erratic score before [`ERRATIC`] (read
/// only when erratic can be flagged). A flagged window is one scoring at least `t`; flagged windows closer than
/// half a window are one episode, which spans the points that strayed.
fn told(z: &[f64], t: f64, k: f64, w: usize, u: &[f64], a: &[f64], can: [bool; 3]) -> Vec<Episode> {
    let n = z.len();
    let mut out = Vec::new();
    for (shape, can) in [Shape::High, Shape::Low, Shape::Erratic].into_iter().zip(can) {
        if !can {
            continue;
        }
        let score = |j: usize| match shape {
            Shape::High => u[j],
            Shape::Low => -u[j],
            // Erratic needs more: a window's spread is noisier to estimate than its level.
            Shape::Erratic if u[j].abs() < t => a[j] / ERRATIC,
            Shape::Erratic => f64::NAN,
        };
        // Flagged windows closer than half a window are one episode.
        for (a0, b0, peak_j, peak) in flagged(n, t, w / 2, score) {
            // The episode starts where the first flagged window's points began to stray...
            let first = a0 + 1 - w.min(a0 + 1);
            let strays = |j: usize| {
                let zc = clip(z[j], k);
                match shape {
                    Shape::High => zc >= 1.0,
                    Shape::Low => zc <= -1.0,
                    Shape::Erratic => zc.abs() >= 2.0,
                }
            };
            let start = (first..=a0).find(|&j| strays(j)).unwrap_or(first);
            // ...and ends with the last point of the last flagged window that still strayed.
            let end = (start..=b0).rev().find(|&j| strays(j)).map_or(b0 + 1, |j| j + 1);
            out.push(Episode { shape, start, end, peak_j, peak });
        }
    }
    out
}

/// The runs of windows among `0..n` whose `score` reaches `t`, those with at most `gap` windows between them
/// joined (as [`crate::analysis::detect::runs`] joins them), each as (first and last window of the run, the one
/// scoring highest — the later of equals — and its score). One pass, without a flag per window.
fn flagged(n: usize, t: f64, gap: usize, score: impl Fn(usize) -> f64) -> Vec<(usize, usize, usize, f64)> {
    let mut out: Vec<(usize, usize, usize, f64)> = Vec::new();
    for j in 0..n {
        let sj = score(j);
        if sj.is_nan() || sj < t {
            continue;
        }
        match out.last_mut() {
            Some((_, last, peak_j, peak)) if j - *last - 1 <= gap => {
                *last = j;
                if sj >= *peak {
                    (*peak_j, *peak) = (j, sj);
                }
            }
            _ => out.push((j, j, j, sj)),
        }
    }
    out
}

/// An episode's severity: a stretch of hours is a level shift that came back, so it starts where a level shift
/// does (35), and grows with the peak score, the length and how late in the range it ended.
fn severity(m: &Metric, fit: &Fit, p: &Params, e: &Episode, step: i64) -> f64 {
    let dur = (e.end - e.start) as i64 * step;
    let mut sev = 35.0
        + (8.0 * (e.peak / p.stretch_z()).log2()).clamp(0.0, 25.0)
        + (5.0 * (1.0 + dur as f64 / 3600.0).log2()).min(10.0)
        + 5.0 * (e.end as f64 / fit.z.len().max(1) as f64);
    if !worse(m, e.shape) {
        sev *= 0.6;
    }
    sev
}

/// Whether a stretch of `shape` is the metric's worse way (a bare file says nothing of which way is bad).
fn worse(m: &Metric, shape: Shape) -> bool {
    match shape {
        Shape::High => !m.worse_known || m.worse.sign() > 0.0,
        Shape::Low => !m.worse_known || m.worse.sign() < 0.0,
        Shape::Erratic => true,
    }
}

/// The finding that tells a stretch episode `e` of severity `sev`.
fn finding(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, e: &Episode, sev: f64, step: i64) -> Finding {
    let &Episode { shape, start, end, peak_j, peak } = e;
    let dur = (end - start) as i64 * step;
    let worse = worse(m, shape);
    // The mean of the finite values, summed in order from −0 (as `Sum` of a copy of them was: the same bits).
    let mean_of = |v: &mut dyn Iterator<Item = f64>| {
        let (sum, n) = v.filter(|v| v.is_finite()).fold((-0.0, 0usize), |(s, n), v| (s + v, n + 1));
        if n == 0 {
            f64::NAN
        } else {
            sum / n as f64
        }
    };
    let mean = |v: &[f64]| mean_of(&mut v.iter().copied());
    let (seen, usual) = (mean(&x[start..end]), mean(&fit.expected[start..end]));
    let mean_z = mean(&fit.z[start..end]);
    let sign = if shape == Shape::Low { -1.0 } else { 1.0 };
    let extreme =
        (start..end).filter(|&j| fit.z[j].is_finite()).max_by(|&i, &j| (fit.z[i] * sign).total_cmp(&(fit.z[j] * sign))).unwrap_or(start);
    let abs_z = mean_of(&mut fit.z[start..end].iter().map(|z| z.abs()));
    let typical_abs = stats_at(fit, peak_j).map(|s| s.abs.0).unwrap_or(f64::NAN);
    let (t0, t1) = (ctx.rtime(start), ctx.rtime(end - 1) + step);
    let subject = text::subject(m);
    let sentence = match shape {
        Shape::High | Shape::Low => format!(
            "{subject} ran {} for {} from {}: {} on average against a usual {} for those hours ({:.1} σ {} its usual pattern for that long), furthest on {} ({} against a usual {}).",
            if shape == Shape::High { "high" } else { "low" },
            text::duration(dur),
            ctx.short_label(t0),
            text::value(seen, &m.unit),
            text::value(usual, &m.unit),
            mean_z.abs(),
            if shape == Shape::High { "above" } else { "below" },
            ctx.short_label(ctx.rtime(extreme)),
            text::value(x[extreme], &m.unit),
            text::value(fit.expected[extreme], &m.unit),
        ),
        Shape::Erratic => format!(
            "{subject} was unusually erratic for {} from {}: its readings strayed {:.1}× as far from its usual pattern as they usually do (around a usual {}).",
            text::duration(dur),
            ctx.short_label(t0),
            if typical_abs > 0.0 { abs_z / typical_abs } else { f64::NAN },
            text::value(usual, &m.unit),
        ),
    };
    Finding::new(Kind::UnusualStretch, m, t0, t1, sev, sentence)
        .with(
            "shape",
            match shape {
                Shape::High => "high",
                Shape::Low => "low",
                Shape::Erratic => "erratic",
            },
        )
        .with("mean", seen)
        .with("expected_mean", usual)
        .with("mean_z", mean_z)
        .with("mean_abs_z", abs_z)
        .with("window_score", peak)
        .with("p95_abs_z", quantile(&fit.z[start..end].iter().map(|z| z.abs()).collect::<Vec<_>>(), 0.95))
        .with("direction", if worse { "worse" } else { "better" })
}

#[cfg(test)]
mod tests;
