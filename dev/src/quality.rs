//! Detection quality on a labelled suite: generated series where the truth is known, at least half of
//! them clean, every finding kind injected at varied strength, in several time zones and DST weeks.
//! Prints precision and recall per kind and false findings per clean series-week
//! (`flywheel-dev quality`; targets: recall ≥ 0.9 per kind at ≤ 0.2 false findings per clean
//! series-week).
//!
//! Each series goes through the real pipeline ([`Review::from_loaded`]: alignment, range choice,
//! baseline, detectors, dedupe). Scoring: a finding of the injected kind is a hit when it overlaps the
//! injected span (±1 h) for episodic kinds, or anywhere for whole-range kinds (drift, loose lines,
//! volatility). A few kinds legitimately imply another (a level shift also breaches a line when it
//! crosses one); those *secondary* kinds, listed in [`secondary`], count neither as hits nor as false
//! findings. Every other finding is false.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::Weekday;
use chrono_tz::Tz;

use flywheel::analysis::{Context, Params};
use flywheel::config::{Metric, Workspace, Worse};
use flywheel::finding::{Finding, Kind};
use flywheel::review::{RangeSpec, Review};
use flywheel::series::RawSeries;
use flywheel::source::{self, MetricData, Quiet};
use flywheel::synth::{Inject, Rng, Shape};
use flywheel::time;

const ZONES: [&str; 6] = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo"];
/// Review weeks (Mondays), several right after or around DST changes.
const WEEKS: [&str; 5] = ["2026-03-30", "2026-11-02", "2026-10-26", "2026-04-06", "2026-07-13"];

/// Kinds that an injection of `k` may legitimately also produce.
pub fn secondary(k: Kind) -> &'static [Kind] {
    use Kind::*;
    match k {
        AlarmBreach => &[InvestigationBreach, SeasonalAnomaly],
        InvestigationBreach => &[AlarmBreach, SeasonalAnomaly],
        SeasonalAnomaly => &[InvestigationBreach],
        // A drifting series touches the line on its worst days before its weekly p95 crosses it.
        DriftTowardLine => &[InvestigationBreach, SeasonalAnomaly],
        LineTooLoose => &[],
        // Wider noise raises the weekly p95, so it can head for a line too.
        GrowingVolatility => &[SeasonalAnomaly, DriftTowardLine],
        LevelShift => &[SeasonalAnomaly, InvestigationBreach, AlarmBreach, DriftTowardLine],
        MissingData => &[],
        // When the odd instance is not compensated by the others, the metric's average moves too.
        OddOneOut => &[LevelShift, SeasonalAnomaly, InvestigationBreach, AlarmBreach],
        SourceError => &[],
        // A long low bump is a level change while it lasts, and its peak may cross the band.
        UnusualStretch => &[SeasonalAnomaly, LevelShift, InvestigationBreach],
        // Spikes coming more often are each a departure too.
        SpikeBurst => &[SeasonalAnomaly],
    }
}

/// One labelled case.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub truth: Option<Kind>,
    /// Injected span, Unix seconds `[start, end)` (for episodic kinds).
    pub span: Option<(i64, i64)>,
    pub strength: f64,
}

/// The result of a suite run.
#[derive(Debug, Default)]
pub struct Report {
    pub series: usize,
    pub clean: usize,
    pub injected: BTreeMap<Kind, usize>,
    pub hits: BTreeMap<Kind, usize>,
    pub false_findings: BTreeMap<Kind, usize>,
    pub false_on_clean: usize,
    pub misses: Vec<String>,
    pub falses: Vec<String>,
    pub seconds: f64,
}

impl Report {
    pub fn recall(&self, k: Kind) -> f64 {
        let n = self.injected.get(&k).copied().unwrap_or(0);
        if n == 0 {
            f64::NAN
        } else {
            self.hits.get(&k).copied().unwrap_or(0) as f64 / n as f64
        }
    }
    pub fn precision(&self, k: Kind) -> f64 {
        let tp = self.hits.get(&k).copied().unwrap_or(0);
        let fp = self.false_findings.get(&k).copied().unwrap_or(0);
        if tp + fp == 0 {
            f64::NAN
        } else {
            tp as f64 / (tp + fp) as f64
        }
    }
    /// False findings per clean series-week (each clean series has one review week).
    pub fn false_per_clean_week(&self) -> f64 {
        self.false_on_clean as f64 / self.clean.max(1) as f64
    }

    pub fn table(&self, verbose: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Detection quality: {} series ({} clean), {} time zones, {:.1} s",
            self.series,
            self.clean,
            ZONES.len(),
            self.seconds
        );
        let _ = writeln!(out, "{:<22} {:>8} {:>6} {:>7} {:>9} {:>7}", "kind", "injected", "found", "recall", "false", "precision");
        for k in Kind::ALL {
            let _ = writeln!(
                out,
                "{:<22} {:>8} {:>6} {:>7.3} {:>9} {:>7.3}",
                k.label(),
                self.injected.get(&k).copied().unwrap_or(0),
                self.hits.get(&k).copied().unwrap_or(0),
                self.recall(k),
                self.false_findings.get(&k).copied().unwrap_or(0),
                self.precision(k)
            );
        }
        let _ = writeln!(
            out,
            "false findings per clean series-week: {:.3} ({} on {} clean series)",
            self.false_per_clean_week(),
            self.false_on_clean,
            self.clean
        );
        let min_recall = Kind::ALL.iter().map(|k| self.recall(*k)).filter(|r| r.is_finite()).fold(1.0, f64::min);
        let _ = writeln!(
            out,
            "targets: recall ≥ 0.9 per kind ({}), ≤ 0.2 false per clean series-week ({})",
            if min_recall >= 0.9 { "met" } else { "MISSED" },
            if self.false_per_clean_week() <= 0.2 { "met" } else { "MISSED" }
        );
        if verbose {
            for m in &self.misses {
                let _ = writeln!(out, "miss:  {m}");
            }
            for f in &self.falses {
                let _ = writeln!(out, "false: {f}");
            }
        }
        out
    }
}

/// Generated metric: values per instance, metric definition, truth.
pub(crate) struct Gen {
    pub(crate) metric: Metric,
    pub(crate) instances: Vec<(Option<String>, Vec<f64>)>,
    pub(crate) case: Case,
    broken_csv: Option<String>,
}

fn lines_for(worse: Worse, shape: &Shape, rng: &mut Rng) -> (f64, f64) {
    // Beyond the worst normal value, by a margin a careful owner would choose.
    match worse {
        Worse::Higher => {
            let worst = shape.level * (1.0 + shape.daily) * (1.0 + 3.2 * shape.noise);
            let e = (worst - shape.level).max(0.05 * shape.level);
            (worst + rng.range(0.4, 0.9) * e, worst + rng.range(1.4, 2.2) * e)
        }
        Worse::Lower => {
            let worst = shape.level * (1.0 - shape.daily) * (1.0 - shape.weekly) * (1.0 - 3.2 * shape.noise);
            (worst * rng.range(0.55, 0.75), worst * rng.range(0.2, 0.4))
        }
    }
}

fn random_shape(rng: &mut Rng) -> Shape {
    Shape {
        level: 10f64.powf(rng.range(-0.5, 3.5)),
        daily: rng.range(0.1, 0.5),
        weekly: rng.range(0.0, 0.3),
        noise: rng.range(0.02, 0.08),
        growth_per_week: rng.range(-0.01, 0.01),
    }
}

fn metric(id: &str, worse: Worse, lines: (f64, f64)) -> Metric {
    Metric {
        alarm: Some(lines.1),
        investigation: Some(lines.0),
        line: 1,
        ..Metric::new(id, "Suite", "svc", worse, std::path::Path::new("suite"), id)
    }
}

/// Point in the review range at a random local time between `from_day` and `to_day`, avoiding the
/// first and last hours.
fn when(rng: &mut Rng, ctx: &Context, from_day: f64, to_day: f64) -> usize {
    let per_day = ctx.slots_per_day as f64;
    ((rng.range(from_day, to_day) * per_day) as usize).clamp(12, ctx.review_len().saturating_sub(48))
}

pub(crate) fn generate(i: usize, truth: Option<Kind>, ctx: &Context, rng: &mut Rng) -> Gen {
    let worse = if rng.uniform() < 0.65 { Worse::Higher } else { Worse::Lower };
    let mut shape = random_shape(rng);
    let id = format!("s{i:04}");
    let mut lines = lines_for(worse, &shape, rng);
    let n = ctx.review_len();
    let mut span = None;
    let mut strength = 0.0;
    let mut instances: Vec<(Option<String>, Vec<f64>)> = Vec::new();
    let mut broken_csv = None;
    let sign = worse.sign();
    match truth {
        None => {
            if rng.uniform() < 0.2 {
                let k = 3 + rng.below(3);
                for j in 0..k {
                    instances.push((Some(format!("i-{j}")), shape.render(ctx, rng)));
                }
            }
        }
        Some(Kind::DriftTowardLine) => {
            let g = rng.range(0.05, 0.12) * sign;
            shape.growth_per_week = g;
            shape.noise = shape.noise.min(0.05);
            let v = shape.render(ctx, rng);
            let q = |w: i32| {
                let xs: Vec<f64> = v.iter().zip(&ctx.week).filter(|(_, k)| **k == w).map(|(x, _)| *x).collect();
                flywheel::analysis::stats::quantile(&xs, if worse == Worse::Higher { 0.95 } else { 0.05 })
            };
            let (q0, q5) = (q(0), q(-(ctx.history_weeks as i32)));
            let slope = (q0 - q5) / ctx.history_weeks as f64;
            let weeks = rng.range(1.0, 6.0);
            strength = weeks;
            let inv = q0 + slope * weeks;
            // The alarm line a little beyond the investigation line, as an owner would set it.
            let alarm = if worse == Worse::Higher { inv * 1.3 } else { inv * 0.7 };
            lines = (inv, alarm);
            instances.push((None, v));
        }
        Some(Kind::LineTooLoose) => {
            let worst = match worse {
                Worse::Higher => shape.level * (1.0 + shape.daily) * (1.0 + 2.6 * shape.noise),
                Worse::Lower => shape.level * (1.0 - shape.daily) * (1.0 - shape.weekly) * (1.0 - 2.6 * shape.noise),
            };
            let e = ((worst - shape.level) * sign).max(0.02 * shape.level);
            // By definition a higher-is-worse line is only too loose when it is also ≥ 3 × the worst
            // normal value (an alarm at 2× a p99 is normal practice): draw only lines that are.
            let r = rng.range(4.5, 20.0);
            let r = if worse == Worse::Higher { r.max(2.3 * worst / e) } else { r };
            strength = r;
            let alarm = worst + sign * r * e;
            let inv = if rng.uniform() < 0.5 { worst + sign * r * 0.7 * e } else { lines.0 };
            lines = (inv, alarm);
            instances.push((None, shape.render(ctx, rng)));
        }
        Some(Kind::GrowingVolatility) => {
            let pw = rng.range(0.14, 0.45);
            strength = pw;
            instances.push((None, shape.render_widening(ctx, rng, pw)));
        }
        Some(Kind::OddOneOut) => {
            let k = 3 + rng.below(3);
            let at = when(rng, ctx, 0.2, 4.0);
            let factor = if rng.uniform() < 0.5 { rng.range(1.35, 2.5) } else { rng.range(0.3, 0.7) };
            let compensate = rng.uniform() < 0.5;
            strength = factor;
            span = Some(at..n);
            for j in 0..k {
                let mut v = shape.render(ctx, rng);
                if j == 0 {
                    Inject::Shift { at, factor }.apply(ctx, &mut v);
                } else if compensate {
                    let others = (k as f64 - factor) / (k as f64 - 1.0);
                    Inject::Shift { at, factor: others.max(0.05) }.apply(ctx, &mut v);
                }
                instances.push((Some(format!("i-{j}")), v));
            }
        }
        Some(Kind::SourceError) => {
            let line = 2 + rng.below(50);
            let bad = ["yesterday", "2026-13-45T00:00:00", "12:00"][rng.below(3)];
            let mut text = String::from("timestamp,value\n");
            for r in 0..60 {
                if r + 2 == line {
                    let _ = writeln!(text, "{bad},1");
                } else if rng.uniform() < 0.5 {
                    let _ = writeln!(text, "{},{}", ctx.grid.time(r), r);
                } else {
                    let _ = writeln!(text, "{},oops", ctx.grid.time(r));
                }
            }
            broken_csv = Some(text);
        }
        Some(kind) => {
            let mut v = shape.render(ctx, rng);
            let at = when(rng, ctx, 0.3, 6.0);
            let expected_at = |j: usize| shape.value_at(ctx, ctx.review.start + j);
            let inj = match kind {
                Kind::AlarmBreach => {
                    let len = 4 + rng.below(24);
                    let f = lines.1 / expected_at(at) * if worse == Worse::Higher { rng.range(1.25, 2.0) } else { rng.range(0.3, 0.7) };
                    strength = f;
                    Inject::Bump { at, len, factor: f }
                }
                Kind::InvestigationBreach => {
                    let len = 4 + rng.below(24);
                    let target = lines.0 + rng.range(0.35, 0.65) * (lines.1 - lines.0);
                    // Aim the whole episode at the target: scale by the episode's mean expected value.
                    let e = (at..at + len).map(expected_at).sum::<f64>() / len as f64;
                    let f = target / e;
                    strength = f;
                    Inject::Bump { at, len, factor: f }
                }
                Kind::SeasonalAnomaly => {
                    // A shape that crosses no line: at the quietest hour of a random day when going up,
                    // and never beyond the investigation line.
                    let len = 3 + rng.below(16);
                    let up = if rng.uniform() < 0.7 { worse == Worse::Higher } else { worse == Worse::Lower };
                    let day = at / ctx.slots_per_day * ctx.slots_per_day;
                    let quiet = (day..(day + ctx.slots_per_day).min(n - len - 1))
                        .min_by(|a, b| expected_at(*a).total_cmp(&expected_at(*b)))
                        .unwrap_or(at);
                    let at = if up { quiet } else { at };
                    let mut d = rng.range(5.0, 16.0) * shape.noise;
                    let peak = (at..at + len).map(expected_at).fold(0.0, f64::max) * (1.0 + 3.0 * shape.noise);
                    let trough = (at..at + len).map(expected_at).fold(f64::INFINITY, f64::min) * (1.0 - 3.0 * shape.noise);
                    if up && worse == Worse::Higher {
                        d = d.min(lines.0 / peak - 1.0);
                    } else if !up && worse == Worse::Lower {
                        d = d.min(1.0 - lines.0 / trough);
                    }
                    strength = d / shape.noise;
                    span = Some(at..at + len);
                    Inject::Bump { at, len, factor: if up { 1.0 + d } else { (1.0 - d).max(0.05) } }
                }
                Kind::LevelShift => {
                    let d = rng.range(3.5, 12.0) * shape.noise;
                    let up = if rng.uniform() < 0.7 { worse == Worse::Higher } else { worse == Worse::Lower };
                    strength = d / shape.noise;
                    let at = when(rng, ctx, 0.5, 5.5);
                    Inject::Shift { at, factor: if up { 1.0 + d } else { (1.0 - d).max(0.05) } }
                }
                Kind::UnusualStretch => {
                    // Hours a little off the pattern (1.5–2 σ on average): hardly a point leaves the
                    // band, so only the stretch as a whole tells.
                    let len = 48 + rng.below(72);
                    let d = rng.range(1.5, 2.0) * shape.noise;
                    let up = if rng.uniform() < 0.7 { worse == Worse::Higher } else { worse == Worse::Lower };
                    strength = d / shape.noise;
                    span = Some(at..at + len);
                    Inject::Bump { at, len, factor: if up { 1.0 + d } else { (1.0 - d).max(0.05) } }
                }
                Kind::SpikeBurst => {
                    // A day in which short spikes come: 8–16 single points at 5–6 σ over 12–24 hours,
                    // each inside what one departure may do; only their number tells.
                    let len = 144 + rng.below(144);
                    let count = 8 + rng.below(9);
                    let up = if rng.uniform() < 0.7 { worse == Worse::Higher } else { worse == Worse::Lower };
                    let at = at.min(n.saturating_sub(len + 1));
                    strength = count as f64;
                    span = Some(at..at + len);
                    for _ in 0..count {
                        let d = rng.range(5.0, 6.0) * shape.noise;
                        let j = at + rng.below(len);
                        Inject::Bump { at: j, len: 1, factor: if up { 1.0 + d } else { (1.0 - d).max(0.05) } }.apply(ctx, &mut v);
                    }
                    // The spikes are in; nothing more to apply (the span is set above).
                    Inject::Bump { at, len: 0, factor: 1.0 }
                }
                _ => {
                    if rng.uniform() < 0.5 {
                        strength = 0.0;
                        Inject::Stop { at: when(rng, ctx, 1.0, 6.8) }
                    } else {
                        let len = 3 + rng.below(36);
                        strength = len as f64;
                        Inject::Gap { at, len }
                    }
                }
            };
            inj.apply(ctx, &mut v);
            span = span.or(Some(inj.span(n)));
            instances.push((None, v));
        }
    }
    if instances.is_empty() && broken_csv.is_none() {
        instances.push((None, shape.render(ctx, rng)));
    }
    let name = format!("{id} {} {}", truth.map(|k| k.key()).unwrap_or("clean"), ctx.tz.name());
    let span = span.map(|r: std::ops::Range<usize>| (ctx.rtime(r.start), ctx.rtime(r.end.max(r.start + 1) - 1) + ctx.grid.step));
    Gen { metric: metric(&id, worse, lines), instances, case: Case { name, truth, span, strength }, broken_csv }
}

/// Run the suite: `n` series (at least half clean), seeded.
pub fn run(n: usize, seed: u64, params: Params, history_weeks: usize) -> Report {
    let started = std::time::Instant::now();
    let mut rng = Rng::new(seed);
    let injected_kinds = Kind::ALL;
    let clean = n.div_ceil(2);
    let mut rep = Report { series: n, clean, ..Report::default() };
    let tmp = std::env::temp_dir().join(format!("flywheel-quality-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&tmp);
    let cases: Vec<(usize, Option<Kind>, u64)> = (0..n)
        .map(|i| (i, if i < clean { None } else { Some(injected_kinds[(i - clean) % injected_kinds.len()]) }, rng.next_u64()))
        .collect();
    use rayon::prelude::*;
    let results: Vec<(Case, Vec<Finding>)> = cases
        .par_iter()
        .map(|&(i, truth, s)| {
            let mut rng = Rng::new(s);
            let tz: Tz = ZONES[rng.below(ZONES.len())].parse().unwrap_or(Tz::UTC);
            let start = time::parse_user_time(WEEKS[rng.below(WEEKS.len())], &tz).unwrap_or(0);
            let start = time::week_start_of(&tz, Weekday::Mon, start);
            let end = time::add_weeks(&tz, start, 1);
            let ctx = Context::new(tz, Weekday::Mon, 300, start, end, history_weeks);
            let g = generate(i, truth, &ctx, &mut rng);
            let result = match &g.broken_csv {
                Some(text) => {
                    let p = tmp.join(format!("{}.csv", g.metric.id));
                    let r = std::fs::write(&p, text)
                        .map_err(|e| source::SourceError::file(&p, e.to_string()))
                        .and_then(|_| source::file::read_file(&p, &tz));
                    match r {
                        Ok(d) => Ok(d.series.into_values().map(|s| (None, s)).collect()),
                        Err(e) => Err(e),
                    }
                }
                None => Ok(g.instances.iter().map(|(name, v)| (name.clone(), raw(&ctx, v))).collect()),
            };
            let ws = Workspace {
                origin: PathBuf::from("suite"),
                step: Some(300),
                sensitivity: params.sensitivity,
                ..Workspace::of_metrics("suite", Path::new(""), tz, vec![g.metric.clone()])
            };
            // A source-error case has only a broken series, so pair it with one healthy metric so the
            // review itself can run (as it would in a real workspace).
            let mut metrics = vec![MetricData { metric: g.metric.clone(), result }];
            let companion = g.broken_csv.is_some();
            if companion {
                let mut m = g.metric.clone();
                m.id = format!("{}-companion", g.metric.id);
                let v = random_shape(&mut rng).render(&ctx, &mut rng);
                metrics.push(MetricData { metric: m, result: Ok(vec![(None, raw(&ctx, &v))]) });
            }
            let loaded = source::Loaded { metrics, rows: 0, pull: Default::default(), notes: Vec::new() };
            let fs = match Review::from_loaded(ws, loaded, RangeSpec::WeekOf(ctx.review_start()), params, &Quiet) {
                Ok(r) => r.findings.into_iter().filter(|f| f.metric == g.metric.id).collect(),
                Err(_) => vec![],
            };
            (g.case, fs)
        })
        .collect();
    let _ = std::fs::remove_dir_all(&tmp);
    for (case, fs) in results {
        if let Some(k) = case.truth {
            *rep.injected.entry(k).or_default() += 1;
        }
        let mut hit = false;
        for f in &fs {
            let matches_truth = Some(f.kind) == case.truth && overlaps(f, &case);
            if matches_truth {
                hit = true;
                continue;
            }
            if let Some(t) = case.truth {
                if f.kind == t || secondary(t).contains(&f.kind) {
                    continue;
                }
            } else {
                rep.false_on_clean += 1;
            }
            *rep.false_findings.entry(f.kind).or_default() += 1;
            rep.falses.push(format!("{} → {} ({}): {}", case.name, f.kind.label(), f.severity, f.sentence));
        }
        if let Some(k) = case.truth {
            if hit {
                *rep.hits.entry(k).or_default() += 1;
            } else {
                rep.misses.push(format!(
                    "{} (strength {:.2}): found {:?}",
                    case.name,
                    case.strength,
                    fs.iter().map(|f| f.kind.key()).collect::<Vec<_>>()
                ));
            }
        }
    }
    rep.seconds = started.elapsed().as_secs_f64();
    rep
}

/// Whether a finding overlaps the injected span (±1 h), for episodic kinds.
fn overlaps(f: &Finding, case: &Case) -> bool {
    match case.span {
        Some((a, b)) => f.start < b + 3600 && f.end > a - 3600,
        None => true,
    }
}

fn raw(ctx: &Context, v: &[f64]) -> RawSeries {
    let mut r = RawSeries::default();
    for (i, x) in v.iter().enumerate() {
        if x.is_finite() {
            r.push(ctx.grid.time(i) as f64, *x);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suite as a regression net at the documented command's scale (1,000 series): each of the 12
    /// kinds then holds about 40 cases, so one unlucky case is 2.5 % of its recall, not the 11 % it was at
    /// 200 series (where a breach whose noise crossed the alarm line failed the target alone).
    #[test]
    fn the_labelled_suite_meets_its_targets() {
        let rep = run(1000, 11, Params::default(), 5);
        for k in Kind::ALL {
            assert!(rep.recall(k) >= 0.9, "recall of {} is {:.2}\n{}", k.label(), rep.recall(k), rep.table(true));
        }
        assert!(rep.false_per_clean_week() <= 0.2, "{}", rep.table(true));
        assert_eq!(rep.clean, 500);
        assert_eq!(rep.injected.values().sum::<usize>(), 500);
    }

    /// Two weeks of data (one week of history, so each review day is fitted on the days before it): clean
    /// series stay quiet — their weekends are compared with last weekend, not with the weekdays — and
    /// what one week of history can show is found (drift and growing volatility need more weeks).
    #[test]
    fn one_week_of_history_keeps_clean_series_quiet() {
        let rep = run(240, 7, Params::default(), 1);
        assert!(rep.false_per_clean_week() <= 0.2, "{}", rep.table(true));
        for k in [Kind::AlarmBreach, Kind::SeasonalAnomaly, Kind::LevelShift, Kind::MissingData, Kind::UnusualStretch] {
            assert!(rep.recall(k) >= 0.8, "recall of {} is {:.2}\n{}", k.label(), rep.recall(k), rep.table(true));
        }
    }

    #[test]
    fn scoring_counts_misses_and_false_findings() {
        // A suite scored at an absurd sensitivity must fail its own targets: the test above can fail.
        let rep = run(40, 1, Params { sensitivity: 10.0 }, 5);
        assert!(rep.false_per_clean_week() > 0.2, "{}", rep.table(false));
        let rep = run(40, 1, Params { sensitivity: 0.1 }, 5);
        assert!(Kind::ALL.iter().any(|k| rep.recall(*k) < 0.9), "{}", rep.table(false));
    }
}
