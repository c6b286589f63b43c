//! The review: load a workspace, pick the review range, align, fit, flag and rank — the pipeline
//! `source → series → analysis → findings` in one place, with per-stage timings.
//!
//! A [`Review`] keeps the fits, so [`Review::reflag`] applies a new sensitivity without refitting.

use std::time::Instant;

use rayon::prelude::*;
use thiserror::Error;

use crate::analysis::{self, Context, Fit, Params};
use crate::config::{ConfigError, Metric, Workspace};
use crate::finding::{self, Finding, Kind};
use crate::series::{self, AlignStats, Grid, RawSeries};
use crate::source::{self, Progress, SourceError};
use crate::source::{LoadOptions, Window};
use crate::text;
use crate::time;

#[derive(Debug, Error)]
pub enum ReviewError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("nothing to review: {0}")]
    NoData(String),
    #[error("bad review range: {0}")]
    Range(String),
    #[error("the review was cancelled")]
    Cancelled,
}

/// Which range to review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RangeSpec {
    /// The last complete week (in the workspace's time zone) of the data.
    #[default]
    LastCompleteWeek,
    /// The week containing this instant.
    WeekOf(i64),
    /// An explicit `[from, to)`.
    Explicit { from: i64, to: i64 },
}

/// One metric's aligned data and its fit.
#[derive(Debug, Clone)]
pub struct SeriesFit {
    pub metric: Metric,
    /// Grid values of the metric (instances aggregated: summed for sums/counts, averaged otherwise).
    pub values: Vec<f64>,
    /// Per-instance grid values, when the metric has named instances.
    pub instances: Vec<(String, Vec<f64>)>,
    pub fit: Fit,
    pub stats: AlignStats,
}

/// Something the review had to do to the input, said plainly.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Warning {
    pub metric: String,
    pub file: String,
    pub message: String,
}

/// Milliseconds spent per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Timings {
    pub load_ms: f64,
    pub align_ms: f64,
    pub baseline_ms: f64,
    pub detect_ms: f64,
    pub rank_ms: f64,
}

#[derive(Debug, Clone)]
pub struct Review {
    pub workspace: Workspace,
    pub ctx: Context,
    pub series: Vec<SeriesFit>,
    pub errors: Vec<(Metric, SourceError)>,
    pub warnings: Vec<Warning>,
    pub params: Params,
    pub findings: Vec<Finding>,
    /// Findings folded away by an "expected" verdict ([`crate::muting::fold`]), in rank order.
    pub muted: Vec<crate::muting::MutedFinding>,
    /// Findings (by id) flagged for the same metric and kind in several recent reviewed weeks
    /// ([`crate::recurring`]).
    pub recurring: std::collections::BTreeMap<String, crate::recurring::Recurrence>,
    /// What the room said about findings of this review (by finding id), muted ones included.
    pub verdicts: std::collections::BTreeMap<String, crate::journal::verdicts::Stored>,
    /// What the room dismissed (noise or expected) per team and kind over the recent reviewed weeks
    /// ([`crate::noise::shares`]).
    pub noise: crate::noise::Shares,
    pub timings: Timings,
    /// Why the range is what it is (e.g. "last complete week", or a note for short data).
    pub range_note: String,
    pub rows: usize,
    /// What pulling from the metrics servers (Prometheus, CloudWatch) cost (zero for files).
    pub pull: source::LoadStats,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

impl Review {
    /// Run a review of an opened workspace.
    pub fn run(ws: Workspace, range: RangeSpec, params: Params, progress: &dyn Progress) -> Result<Review, ReviewError> {
        let pull = LoadOptions::for_workspace(&ws.origin, false);
        Review::run_with(ws, range, params, &pull, progress)
    }

    /// [`Review::run`] with the options of pulling from the metrics servers (cache folder, refresh).
    /// Server metrics are pulled over the review range and its history weeks; "the last complete
    /// week" is the last complete week before now.
    pub fn run_with(
        ws: Workspace,
        range: RangeSpec,
        params: Params,
        pull: &LoadOptions,
        progress: &dyn Progress,
    ) -> Result<Review, ReviewError> {
        let t = Instant::now();
        let pulls = ws.metrics.iter().any(|m| m.source.is_pulled());
        let (range, window) = if pulls { pull_window(&ws, range)? } else { (range, None) };
        let loaded = source::load_with(&ws, window, pull, progress);
        let load_ms = ms(t);
        let mut review = Review::from_loaded(ws, loaded, range, params, progress)?;
        review.timings.load_ms = load_ms;
        Ok(review)
    }

    /// Open a workspace (folder, `flywheel.toml` or one data file) and review its last complete week
    /// at the workspace's sensitivity — what the app does when a workspace is opened. `refresh` pulls
    /// again what the pull cache holds from while it was still recent.
    pub fn open(path: &std::path::Path, refresh: bool, progress: &dyn Progress) -> Result<Review, ReviewError> {
        let ws = Workspace::open(path)?;
        let params = Params { sensitivity: ws.sensitivity };
        let pull = LoadOptions::for_workspace(&ws.origin, refresh);
        Review::run_with(ws, RangeSpec::LastCompleteWeek, params, &pull, progress)
    }

    /// Review already-loaded data (used by [`Review::run`], the quality suite and the benchmark).
    pub fn from_loaded(
        mut ws: Workspace,
        loaded: source::Loaded,
        range: RangeSpec,
        params: Params,
        progress: &dyn Progress,
    ) -> Result<Review, ReviewError> {
        if progress.cancelled() {
            return Err(ReviewError::Cancelled);
        }
        let mut timings = Timings::default();
        let t = Instant::now();
        let mut ok: Vec<(Metric, source::Instances)> = Vec::new();
        let mut errors = Vec::new();
        for md in loaded.metrics {
            match md.result {
                Ok(inst) => ok.push((md.metric, inst)),
                Err(e) => errors.push((md.metric, e)),
            }
        }
        if ws.bare_file.is_some() {
            ws.metrics = ok.iter().map(|(m, _)| m.clone()).chain(errors.iter().map(|(m, _)| m.clone())).collect();
        }
        let all_raw = || ok.iter().flat_map(|(_, i)| i.iter().map(|(_, r)| r));
        // The default week follows where the data is: a few rows far beyond the rest of their series (a
        // stray 9999-12-31) are reported, not followed.
        let mut input_notes: Vec<Warning> =
            loaded.notes.into_iter().map(|n| Warning { metric: n.metric, file: n.source, message: n.message }).collect();
        let mut t_max: Option<f64> = None;
        for (m, inst) in &ok {
            for (_, raw) in inst {
                let Some((end, far)) = robust_end(raw) else { continue };
                t_max = Some(t_max.map_or(end, |t| t.max(end)));
                if far > 0 {
                    input_notes.push(Warning {
                        metric: m.id.clone(),
                        file: m.source.describe(),
                        message: format!(
                            "{far} row{} dated far beyond the rest of the series (after {}) left out of the choice of the review week",
                            if far == 1 { "" } else { "s" },
                            time::long_label(&ws.tz, end as i64)
                        ),
                    });
                }
            }
        }
        let t_min = all_raw().filter_map(RawSeries::first_time).reduce(f64::min);
        let (Some(t_max), Some(t_min)) = (t_max, t_min) else {
            let why = match errors.first() {
                Some((_, e)) => {
                    format!("no series could be loaded ({} error{}; first: {e})", errors.len(), if errors.len() == 1 { "" } else { "s" })
                }
                None => "the data has no values".to_string(),
            };
            return Err(ReviewError::NoData(why));
        };
        let step = match ws.step {
            Some(s) => s,
            None => {
                let s = ok.first().and_then(|(_, i)| i.first()).and_then(|(_, r)| series::infer_step(&r.times)).unwrap_or(300);
                ws.step = Some(s);
                s
            }
        };
        let (start, end, note) = pick_range(&ws, range, step, t_min, t_max)?;
        // History weeks that hold any data (a week counts when it ends after the first sample).
        let history = (1..=ws.history_weeks as i64).take_while(|k| time::add_weeks(&ws.tz, start, 1 - k) as f64 > t_min).count();
        check_size(&ws, start, end, history, step)?;
        let ctx = Context::new(ws.tz, ws.week_starts, step, start, end, history);
        if ctx.review_len() == 0 {
            return Err(ReviewError::Range("the review range holds no grid point".into()));
        }

        let max_history = ws.history_weeks as usize;
        let total = ok.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let aligned: Vec<(Metric, Aligned)> = ok
            .into_par_iter()
            .map(|(m, inst)| {
                let (values, instances, stats) = align_metric(&m, &inst, &ctx.grid);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress.update("align", n, total);
                (m, (values, instances, stats))
            })
            .collect();
        timings.align_ms = ms(t);

        let t = Instant::now();
        let series: Vec<SeriesFit> = aligned
            .into_par_iter()
            .map(|(metric, (values, instances, stats))| {
                let fit = analysis::fit_range(&ctx, &values, max_history);
                SeriesFit { metric, values, instances, fit, stats }
            })
            .collect();
        timings.baseline_ms = ms(t);
        if progress.cancelled() {
            return Err(ReviewError::Cancelled);
        }
        let warnings = input_notes.into_iter().chain(series.iter().flat_map(|s| warnings_of(&s.metric, &s.stats))).collect();
        let mut review = Review {
            workspace: ws,
            ctx,
            series,
            errors,
            warnings,
            params,
            findings: vec![],
            timings,
            range_note: note,
            muted: Vec::new(),
            recurring: Default::default(),
            verdicts: Default::default(),
            noise: Default::default(),
            rows: loaded.rows,
            pull: loaded.pull,
        };
        review.reflag(params);
        Ok(review)
    }

    /// Re-run the detectors at new parameters without refitting; updates timings of detect and rank.
    pub fn reflag(&mut self, params: Params) {
        self.params = params;
        let t = Instant::now();
        let ctx = &self.ctx;
        let mut fs: Vec<Finding> = self
            .series
            .par_iter()
            .flat_map_iter(|s| {
                let params = params.for_metric(&s.metric);
                let mut f = analysis::detect::detect(ctx, &s.metric, &s.values, &s.fit, &params);
                f.extend(analysis::group::odd_one_out(ctx, &s.metric, &s.instances, &params));
                finding::dedupe(f)
            })
            .collect();
        fs.extend(self.errors.iter().map(|(m, e)| source_error(ctx, m, e)));
        self.timings.detect_ms = ms(t);
        let t = Instant::now();
        finding::rank(&mut fs);
        self.findings = fs;
        // What the room said was judged on the old findings: the caller applies it again.
        self.muted.clear();
        self.recurring.clear();
        self.verdicts.clear();
        self.timings.rank_ms = ms(t);
    }

    /// Count of findings of each kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.findings.iter().filter(|f| f.kind == kind).count()
    }

    pub fn series_of(&self, metric: &str) -> Option<&SeriesFit> {
        self.series.iter().find(|s| s.metric.id == metric)
    }
}

fn source_error(ctx: &Context, m: &Metric, e: &SourceError) -> Finding {
    let sentence = format!("{} could not be loaded, so it was not reviewed: {e}.", text::subject(m));
    let mut f = Finding::new(Kind::SourceError, m, ctx.review_start(), ctx.review_end(), 55.0, sentence)
        .with("file", e.path.display().to_string())
        .with("error", e.message.clone());
    if let Some(line) = e.line {
        f = f.with("line", line as f64);
    }
    if let Some(series) = &e.series {
        f = f.with("series", series.as_str());
    }
    f
}

/// The range to pull from a server for `range`: the review range plus the workspace's history weeks. "The
/// last complete week" becomes the last complete week before now, so the data decides nothing.
fn pull_window(ws: &Workspace, range: RangeSpec) -> Result<(RangeSpec, Option<Window>), ReviewError> {
    let tz = &ws.tz;
    let step = ws.step.unwrap_or(300);
    let (range, start, end) = match range {
        RangeSpec::Explicit { from, to } => (range, from, to),
        RangeSpec::WeekOf(t) => {
            let (w, next) = week_of(ws, t);
            (range, w, next)
        }
        RangeSpec::LastCompleteWeek => {
            let this = time::week_start_of(tz, ws.week_starts, time::now());
            let last = time::add_weeks(tz, this, -1);
            (RangeSpec::WeekOf(last), last, this)
        }
    };
    if end <= start {
        return Err(ReviewError::Range("the review range ends before it starts".into()));
    }
    check_size(ws, start, end, ws.history_weeks as usize, step)?;
    let from = time::add_weeks(tz, start, -(ws.history_weeks as i64));
    Ok((range, Some(Window { start: from, end, step })))
}

/// The longest review range: a year (a weekly review reviews weeks; longer is a mistake in a date).
pub const MAX_RANGE_DAYS: i64 = 366;
/// The most grid points one series may have (history + range): 2 million (a year at 1 minute is 0.5 M).
pub const MAX_GRID_POINTS: i64 = 2_000_000;

/// Refuse ranges that are too long, or whose grid would be too large to hold, before anything is allocated
/// or pulled.
fn check_size(ws: &Workspace, start: i64, end: i64, history_weeks: usize, step: i64) -> Result<(), ReviewError> {
    let tz = &ws.tz;
    if end.saturating_sub(start) > MAX_RANGE_DAYS * time::DAY {
        return Err(ReviewError::Range(format!(
            "the range {} – {} is longer than {MAX_RANGE_DAYS} days; review a week (--week) or a shorter --from/--to",
            time::long_label(tz, start),
            time::long_label(tz, end)
        )));
    }
    let from = time::add_weeks(tz, start, -(history_weeks as i64));
    let points = end.saturating_sub(from) / step.max(1);
    if points > MAX_GRID_POINTS {
        return Err(ReviewError::Range(format!(
            "the range with {history_weeks} history weeks is {points} points at a step of {}; at most {MAX_GRID_POINTS} fit — use a coarser step",
            time::format_step(step)
        )));
    }
    Ok(())
}

/// The workspace's week (in its time zone, from its first weekday) containing `t`, as `[start, end)`.
fn week_of(ws: &Workspace, t: i64) -> (i64, i64) {
    let w = time::week_start_of(&ws.tz, ws.week_starts, t);
    (w, time::add_weeks(&ws.tz, w, 1))
}

/// Choose `[start, end)` and say why.
fn pick_range(ws: &Workspace, range: RangeSpec, step: i64, t_min: f64, t_max: f64) -> Result<(i64, i64, String), ReviewError> {
    let tz = &ws.tz;
    let last = t_max.floor() as i64;
    match range {
        RangeSpec::Explicit { from, to } => {
            if to <= from {
                return Err(ReviewError::Range(format!(
                    "--to ({}) must be after --from ({})",
                    time::long_label(tz, to),
                    time::long_label(tz, from)
                )));
            }
            Ok((from, to, "the range asked for".into()))
        }
        RangeSpec::WeekOf(t) => {
            let (w, next) = week_of(ws, t);
            Ok((w, next, format!("the week of {}", time::local_date(tz, w))))
        }
        RangeSpec::LastCompleteWeek => {
            let w = time::week_start_of(tz, ws.week_starts, last);
            let next = time::add_weeks(tz, w, 1);
            let (s, e) = if last + step >= next { (w, next) } else { (time::add_weeks(tz, w, -1), w) };
            if (s as f64) < t_min {
                // Less than one complete week of data: review the last 7 days (or all of it).
                let end = last + step;
                let start = (end - time::WEEK).max(t_min.floor() as i64);
                return Ok((start, end, "the data holds no complete week, so the last 7 days (or all of the data) are reviewed".into()));
            }
            Ok((s, e, format!("the last complete week ({} – {})", time::local_date(tz, s), time::local_date(tz, e - 1))))
        }
    }
}

/// Where a series really ends, and how many of its samples lie far beyond that: samples more than four
/// weeks after the series' 99.9th-percentile time are outliers (a corrupted or mistyped row), not the end
/// of the data. `None` for a series with no finite value.
fn robust_end(raw: &RawSeries) -> Option<(f64, usize)> {
    let finite = || raw.times.iter().zip(&raw.values).filter(|(_, v)| v.is_finite()).map(|(t, _)| *t);
    let max = finite().reduce(f64::max)?;
    let n = finite().count();
    if n < 20 {
        return Some((max, 0));
    }
    let k = ((n - 1) as f64 * 0.999).floor() as usize;
    // The usual case, without sorting or copying: when more than n − 1 − k samples lie within four weeks of
    // the last one, the 99.9th-percentile time is in that window too, so nothing is far beyond it.
    let limit_of_max = max - (4 * time::WEEK) as f64;
    if finite().filter(|&x| x >= limit_of_max).count() > n - 1 - k {
        return Some((max, 0));
    }
    let mut t: Vec<f64> = finite().collect();
    let (_, q, _) = t.select_nth_unstable_by(k, f64::total_cmp);
    let limit = *q + (4 * time::WEEK) as f64;
    if max <= limit {
        return Some((max, 0));
    }
    let far = t.iter().filter(|&&x| x > limit).count();
    let end = t.iter().copied().filter(|&x| x <= limit).fold(f64::MIN, f64::max);
    Some((end, far))
}

/// Align a metric's instances on the grid and aggregate them into the metric's series.
/// A metric on the grid: aggregate values, per-instance values, and what alignment did.
type Aligned = (Vec<f64>, Vec<(String, Vec<f64>)>, AlignStats);

fn align_metric(m: &Metric, inst: &[(Option<String>, RawSeries)], grid: &Grid) -> Aligned {
    let mut stats = AlignStats::default();
    let mut per: Vec<(String, Vec<f64>)> = Vec::with_capacity(inst.len());
    for (name, raw) in inst {
        let (v, st) = series::align(raw, grid);
        stats.samples += st.samples;
        stats.non_finite += st.non_finite;
        stats.unsorted += st.unsorted;
        stats.merged_points += st.merged_points;
        stats.off_grid += st.off_grid;
        stats.outside += st.outside;
        per.push((name.clone().unwrap_or_default(), v));
    }
    if per.len() == 1 && per[0].0.is_empty() {
        let (_, v) = per.pop().unwrap_or_default();
        return (v, vec![], stats);
    }
    let sum = m.sums_across_instances();
    let values = (0..grid.len)
        .map(|i| {
            let (mut s, mut c) = (0.0, 0usize);
            for (_, v) in &per {
                if v[i].is_finite() {
                    s += v[i];
                    c += 1;
                }
            }
            match (c, sum) {
                (0, _) => f64::NAN,
                (_, true) => s,
                (_, false) => s / c as f64,
            }
        })
        .collect();
    (values, per, stats)
}

fn warnings_of(m: &Metric, st: &AlignStats) -> Vec<Warning> {
    let file = m.source.describe();
    let mut out = Vec::new();
    let mut say = |msg: String| out.push(Warning { metric: m.id.clone(), file: file.clone(), message: msg });
    if st.non_finite > 0 {
        say(format!("{} NaN, infinite or empty value{} treated as missing", st.non_finite, if st.non_finite == 1 { "" } else { "s" }));
    }
    if st.unsorted > 0 {
        say(format!("{} row{} out of time order (placed by timestamp)", st.unsorted, if st.unsorted == 1 { "" } else { "s" }));
    }
    if st.merged_points > 0 {
        say(format!(
            "{} grid point{} received more than one sample (duplicates or sub-step sampling; averaged)",
            st.merged_points,
            if st.merged_points == 1 { "" } else { "s" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{self, WEEK};
    use crate::source::Quiet;

    const H: i64 = 3600;

    #[test]
    fn the_range_is_chosen_from_where_the_data_ends() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = fixture::workspace(dir.path());
        let next = WEEK + time::WEEK;
        // (what was asked, where the data starts and ends, the range, words in the reason)
        type Case = (RangeSpec, i64, i64, (i64, i64), &'static str);
        let cases: [Case; 6] = [
            (RangeSpec::LastCompleteWeek, WEEK - 2 * time::WEEK, next - H, (WEEK, next), "last complete week"),
            // Data ending mid-week: that week is not complete yet, the one before is reviewed.
            (RangeSpec::LastCompleteWeek, WEEK - 2 * time::WEEK, WEEK + 3 * time::DAY, (WEEK - time::WEEK, WEEK), "last complete week"),
            // Less than a complete week of data: the last seven days, or all of it.
            (
                RangeSpec::LastCompleteWeek,
                WEEK + time::DAY,
                WEEK + 3 * time::DAY,
                (WEEK + time::DAY, WEEK + 3 * time::DAY + H),
                "no complete week",
            ),
            (RangeSpec::WeekOf(WEEK + 3 * time::DAY + 5 * H), 0, 0, (WEEK, next), "the week of"),
            (RangeSpec::Explicit { from: WEEK + H, to: WEEK + 5 * H }, 0, 0, (WEEK + H, WEEK + 5 * H), "asked for"),
            (RangeSpec::Explicit { from: WEEK, to: next }, 0, 0, (WEEK, next), "asked for"),
        ];
        for (spec, t_min, t_max, want, why) in cases {
            let (s, e, reason) = pick_range(&ws, spec, H, t_min as f64, t_max as f64).expect("a range");
            assert_eq!((s, e), want, "{spec:?}");
            assert!(reason.contains(why), "{spec:?}: {reason}");
        }
        let backwards = pick_range(&ws, RangeSpec::Explicit { from: next, to: WEEK }, H, 0.0, 0.0);
        assert!(matches!(backwards, Err(ReviewError::Range(m)) if m.contains("must be after")));
    }

    #[test]
    fn ranges_too_long_or_grids_too_large_are_refused_before_anything_is_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = fixture::workspace(dir.path());
        for (start, end, history, step, ok) in [
            (WEEK, WEEK + time::WEEK, 5, 300, true),
            (WEEK, WEEK + 366 * time::DAY, 0, 3600, true),
            (WEEK, WEEK + 367 * time::DAY, 0, 3600, false),
            (WEEK, WEEK + 30 * time::DAY, 52, 1, false), // 1-second step over a year: far beyond 2 M points
            (0, i64::MAX, 0, 300, false),                // no overflow, just a refusal
        ] {
            assert_eq!(check_size(&ws, start, end, history, step).is_ok(), ok, "{start}..{end} step {step}");
        }
    }

    #[test]
    fn a_stray_far_future_row_is_not_where_the_data_ends() {
        let series = |extra: &[f64]| {
            let mut r = RawSeries::default();
            for i in 0..1000 {
                r.push((WEEK + i * 300) as f64, 1.0);
            }
            for &t in extra {
                r.push(t, 1.0);
            }
            r
        };
        let last = (WEEK + 999 * 300) as f64;
        assert_eq!(robust_end(&series(&[])), Some((last, 0)));
        assert_eq!(robust_end(&series(&[253_402_214_400.0])), Some((last, 1)), "9999-12-31 is an outlier, not the end");
        assert_eq!(robust_end(&series(&[last + 3600.0])), Some((last + 3600.0, 0)), "an hour later is just the end");
        assert_eq!(robust_end(&RawSeries::default()), None);
    }

    #[test]
    fn reflagging_changes_what_is_flagged_not_the_fit() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = fixture::workspace(dir.path());
        let mut r = Review::run(ws, RangeSpec::WeekOf(WEEK), Params::default(), &Quiet).expect("review");
        assert_eq!((r.ctx.review_start(), r.ctx.review_end()), (WEEK, WEEK + time::WEEK));
        assert_eq!(r.errors.len(), 1, "the missing series is a source error, the rest is reviewed");
        assert!(r.findings.iter().any(|f| f.kind == Kind::SeasonalAnomaly && f.metric == "api.latency"), "{:?}", r.findings);
        let fits: Vec<_> = r.series.iter().map(|s| s.fit.expected.clone()).collect();
        let at_one = r.findings.len();
        r.reflag(Params::new(4.0).expect("sensitivity"));
        assert!(r.findings.len() >= at_one, "a higher sensitivity never flags less: {} → {}", at_one, r.findings.len());
        r.reflag(Params::new(0.25).expect("sensitivity"));
        assert!(!r.findings.iter().any(|f| f.kind == Kind::SeasonalAnomaly && f.metric == "api.requests"));
        let after: Vec<_> = r.series.iter().map(|s| s.fit.expected.clone()).collect();
        assert_eq!(fits.len(), after.len());
        for (a, b) in fits.iter().zip(&after) {
            assert!(a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan())), "the baseline was refitted");
        }
    }
}
