//! The review: load a workspace, pick the review range, align, fit, flag and rank — the pipeline
//! `source → series → analysis → findings` in one place, with per-stage timings.
//!
//! A [`Review`] keeps the fits, so [`Review::reflag`] applies a new sensitivity without refitting. It
//! keeps each metric's review range only: memory follows the number of metrics, not their history, and
//! the files are reviewed a batch at a time ([`stream`]).

mod ahead;
mod fit;
pub mod lines;
mod range;
mod reflag;
pub mod spark;
pub mod spill;
pub mod stream;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use thiserror::Error;

use crate::analysis::{self, Context, Fit, Params};
use crate::config::{ConfigError, Metric, Source, Workspace};
use crate::finding::{Finding, Kind};
use crate::series::AlignStats;
use crate::source::{self, LoadOptions, Progress, SourceError, Window};
use crate::text;
use crate::time;

pub use ahead::Ahead;
pub use range::{MAX_GRID_POINTS, MAX_RANGE_DAYS};
pub use stream::StreamOptions;

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

/// One metric's aligned data over the review range, and its fit.
#[derive(Debug, Clone)]
pub struct SeriesFit {
    pub metric: Metric,
    /// The metric's values at the review range's grid points (instances aggregated: summed for
    /// sums/counts, averaged otherwise). The history is not kept: [`Review::history`] reads it again.
    pub values: Vec<f64>,
    /// Per-instance values over the review range, when the metric has named instances.
    pub instances: Vec<(String, Vec<f64>)>,
    pub fit: Fit,
    pub stats: AlignStats,
    /// The instances' labels (kept when the arrays are moved away).
    pub instance_names: Vec<String>,
    /// The share of the review range's points that hold a value.
    pub coverage: f64,
    /// Where the arrays (values, instances and the fit's per-point arrays) are when a large review moved
    /// them to its temporary file: read them with [`Review::full`].
    pub spilled: Option<spill::At>,
    /// The findings that do not depend on the sensitivity ([`analysis::detect::steady`]), found once at
    /// fit time: re-flagging a metric whose other detectors cannot fire needs nothing else.
    pub steady: Vec<Finding>,
    /// Whether the metric follows each of the review's other clock changes ([`analysis::clock::votes`]; empty
    /// when there are none).
    pub clock: Vec<Option<bool>>,
    /// The review range's values at sparkline resolution (kept when the arrays are moved away).
    pub spark: spark::Spark,
}

/// Something the review had to do to the input, said plainly.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Warning {
    pub metric: String,
    pub file: String,
    pub message: String,
}

/// The input note for series that follow another region's clock than the review's zone
/// ([`analysis::clock::followed`]): which change moved them, and how to read them in their own zone.
fn clock_note<'a>(ws: &Workspace, ctx: &'a Context, votes: impl Iterator<Item = &'a [Option<bool>]>) -> Option<Warning> {
    let (change, yes, of) = analysis::clock::followed(&ctx.clock_changes, votes)?;
    let day = time::utc(change.at).with_timezone(&change.zone).format("%a %-d %b %Y");
    let (moved, went) = if change.back { ("later", "back") } else { ("earlier", "forward") };
    let zone = change.zone.name();
    let how = if ws.bare_files.is_empty() {
        format!("set `timezone = \"{zone}\"` (or the zone they follow) in flywheel.toml")
    } else {
        format!("open them with `--tz {zone}` (or the zone they follow), or pick it under “Times in” in the app's header")
    };
    let file = match ws.bare_files.as_slice() {
        [one] => one.file_name().map_or_else(|| one.display().to_string(), |n| n.to_string_lossy().into_owned()),
        _ => ws.origin.display().to_string(),
    };
    Some(Warning {
        metric: format!("{yes} of {of} series with a daily pattern"),
        file,
        message: format!(
            "it moved an hour {moved} in {} after {day}, when the clocks went {went} in {}: these series follow a local \
             clock with daylight saving, and read in {} the weeks before and after disagree by that hour, so daily rises and \
             falls look unusual; {how}",
            ctx.tz.name(),
            change.region,
            ctx.tz.name()
        ),
    })
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
    /// Why the range is what it is (e.g. "last complete week", or a note for short data), and that the data
    /// ends before it or starts after it when it does.
    pub range_note: String,
    /// Whether the review range lies wholly before or after the data (every series is silent in it): such a
    /// week is not kept among the reviewed weeks ([`crate::recurring::week_key`]).
    pub outside_data: bool,
    pub rows: usize,
    /// What pulling from the metrics servers (Prometheus, CloudWatch) cost (zero for files).
    pub pull: source::LoadStats,
    /// How the data was loaded (the pull cache), to read a metric's history again.
    pub pulled_with: LoadOptions,
    /// The temporary file holding the arrays of the metrics past the memory budget ([`spill`]).
    pub spill: Option<Arc<spill::Spill>>,
    /// How many times the files were read: 1, or 2 when the range the first slices pointed to was not
    /// the data's ([`stream`]); 0 for data loaded beforehand.
    pub passes: usize,
    /// This review among the process's reviews (each load a new one; re-flagging keeps it): what a view
    /// of it already sent — its metrics, which re-flagging never changes — is known by it.
    pub serial: u64,
}

/// The serial of the next review made.
static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// What a review is assembled from (a whole one or one in batches).
struct Parts {
    fitted: fit::Fitted,
    errors: Vec<(usize, Metric, SourceError)>,
    scan: range::Scan,
    notes: Vec<source::Note>,
    rows: usize,
    pull: source::LoadStats,
    spill: Option<Arc<spill::Spill>>,
}

/// Why there is nothing to review.
fn no_data(errors: &[(usize, Metric, SourceError)]) -> ReviewError {
    ReviewError::NoData(match errors.first() {
        Some((_, _, e)) => {
            format!("no series could be loaded ({} error{}; first: {e})", errors.len(), if errors.len() == 1 { "" } else { "s" })
        }
        None => "the data has no values".to_string(),
    })
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
        // Data read whole, at once (a CSV file opened as it is, interleaved series).
        let whole = |ws: Workspace| {
            let t = Instant::now();
            let loaded = source::load_with(&ws, None, pull, progress);
            let load_ms = ms(t);
            Review::from_loaded(ws, loaded, range, params, progress).map(|mut r| {
                r.timings.load_ms = load_ms;
                r
            })
        };
        let review = match ws.bare_files.clone().as_slice() {
            [] => stream::run(ws, range, params, pull, progress, &StreamOptions::default()),
            [path] => {
                // One data file opened as it is: its series become the metrics, listed a slice at a time and
                // reviewed in batches like a workspace's (the memory of a slice, not of the file); a file whose
                // series are interleaved is read at once.
                progress.update("load", 0, 1);
                let listed = source::slices::list_keys(path, &ws.tz, source::slices::SLICE_ROWS, &|| !progress.cancelled());
                match listed {
                    _ if progress.cancelled() => Err(ReviewError::Cancelled),
                    Some(keys) => {
                        let mut ws = ws;
                        ws.metrics = match keys {
                            None => vec![Metric::bare(&source::stem(path), path, "")],
                            Some(keys) => keys.iter().map(|k| Metric::bare(k, path, k)).collect(),
                        };
                        stream::run(ws, range, params, pull, progress, &StreamOptions::default())
                    }
                    None => whole(ws),
                }
            }
            _ => {
                // A folder of data files: their series listed a file at a time, then reviewed in batches like a
                // workspace's, so that memory is bounded by a file and a batch, not by the folder.
                let mut ws = ws;
                ws.metrics = source::list_bare_files(&ws, progress);
                if progress.cancelled() {
                    Err(ReviewError::Cancelled)
                } else {
                    stream::run(ws, range, params, pull, progress, &StreamOptions::default())
                }
            }
        };
        // What the review freed goes back to the system (the app keeps running beside the review).
        crate::malloc::release();
        review
    }

    /// Open a workspace (folder, `flywheel.toml` or one data file) and review its last complete week
    /// at the workspace's sensitivity — what the app does when a workspace is opened. `refresh` pulls
    /// again what the pull cache holds from while it was still recent.
    pub fn open(path: &std::path::Path, refresh: bool, progress: &dyn Progress) -> Result<Review, ReviewError> {
        Review::open_range(path, RangeSpec::LastCompleteWeek, None, refresh, progress)
    }

    /// [`Review::open`] over another range (the app's earlier weeks). `zone` is the zone a data file's or a
    /// folder of exports' times are read in (their own say nothing of it; UTC when `None`); a workspace
    /// keeps the `timezone` its `flywheel.toml` sets.
    pub fn open_range(
        path: &std::path::Path,
        range: RangeSpec,
        zone: Option<chrono_tz::Tz>,
        refresh: bool,
        progress: &dyn Progress,
    ) -> Result<Review, ReviewError> {
        let mut ws = Workspace::open(path)?;
        if let (Some(zone), false) = (zone, ws.bare_files.is_empty()) {
            ws.tz = zone;
        }
        let params = Params { sensitivity: ws.sensitivity };
        let pull = LoadOptions::for_workspace(&ws.origin, refresh);
        Review::run_with(ws, range, params, &pull, progress)
    }

    /// Review already-loaded data, all of it at once (the quality suite, the NAB runner and the benchmark
    /// use it; [`Review::run`] reviews files a batch at a time and gets exactly the same review).
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
        let mut ok: Vec<(usize, Metric, source::Instances)> = Vec::new();
        let mut errors = Vec::new();
        for (i, md) in loaded.metrics.into_iter().enumerate() {
            match md.result {
                Ok(inst) => ok.push((i, md.metric, inst)),
                Err(e) => errors.push((i, md.metric, e)),
            }
        }
        if !ws.bare_files.is_empty() {
            ws.metrics = ok.iter().map(|(_, m, _)| m.clone()).chain(errors.iter().map(|(_, m, _)| m.clone())).collect();
        }
        let mut scan = range::Scan::default();
        for (i, m, inst) in &ok {
            scan.add(&ws, *i, m, inst);
        }
        let Some((ctx, note)) = range::prepare(&mut ws, range, &scan)? else { return Err(no_data(&errors)) };
        let total = ok.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let aligned = || progress.update("align", done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total);
        let fitted = fit::fit_batch(&ctx, ws.history_weeks as usize, ok, &aligned, &|_| {});
        if progress.cancelled() {
            return Err(ReviewError::Cancelled);
        }
        let parts = Parts { fitted, errors, scan, notes: loaded.notes, rows: loaded.rows, pull: loaded.pull, spill: None };
        Ok(Review::assemble(ws, ctx, note, parts, params, LoadOptions::default()))
    }

    /// The review from its parts: series and errors in workspace order, the input notes first, then what
    /// alignment did, and the findings at `params`.
    fn assemble(ws: Workspace, ctx: Context, range_note: String, parts: Parts, params: Params, pulled_with: LoadOptions) -> Review {
        let Parts { mut fitted, mut errors, mut scan, notes, rows, pull, spill } = parts;
        let outside = scan.outside(&ws.tz, ctx.review_start(), ctx.review_end());
        let outside_data = outside.is_some();
        let range_note = match outside {
            Some(why) => format!("{range_note} — {why}"),
            None => range_note,
        };
        fitted.series.sort_by_key(|(i, _)| *i);
        fitted.warnings.sort_by_key(|(i, _)| *i);
        errors.sort_by_key(|(i, _, _)| *i);
        let warnings = notes
            .into_iter()
            .map(|n| Warning { metric: n.metric, file: n.source, message: n.message })
            .chain(scan.notes())
            .chain(fitted.warnings.into_iter().map(|(_, w)| w))
            .chain(clock_note(&ws, &ctx, fitted.series.iter().map(|(_, s)| &s.clock[..])))
            .collect();
        let timings = Timings { align_ms: fitted.align_ms, baseline_ms: fitted.baseline_ms, ..Timings::default() };
        let mut review = Review {
            workspace: ws,
            ctx,
            series: fitted.series.into_iter().map(|(_, s)| s).collect(),
            errors: errors.into_iter().map(|(_, m, e)| (m, e)).collect(),
            warnings,
            params,
            findings: vec![],
            timings,
            range_note,
            outside_data,
            muted: Vec::new(),
            recurring: Default::default(),
            verdicts: Default::default(),
            noise: Default::default(),
            rows,
            pull,
            pulled_with,
            spill,
            passes: 0,
            serial: SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        };
        review.reflag(params);
        review
    }

    /// Count of findings of each kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.findings.iter().filter(|f| f.kind == kind).count()
    }

    /// The finding with id `id` ([`Finding::id`]), listed or folded into Muted.
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().chain(self.muted.iter().map(|m| &m.finding)).find(|f| f.id() == id)
    }

    pub fn series_of(&self, metric: &str) -> Option<&SeriesFit> {
        self.series.iter().find(|s| s.metric.id == metric)
    }

    /// A metric with its arrays, read back from the review's temporary file when it was moved there.
    pub fn full<'a>(&self, s: &'a SeriesFit) -> std::io::Result<Cow<'a, SeriesFit>> {
        match (s.spilled, &self.spill) {
            (None, _) => Ok(Cow::Borrowed(s)),
            (Some(at), Some(spill)) => spill.get(s, at).map(Cow::Owned),
            (Some(_), None) => Err(std::io::Error::other("the review's temporary file is gone")),
        }
    }

    /// A metric's residuals z over the review range (read back alone when the metric was spilled).
    fn residuals<'a>(&self, s: &'a SeriesFit) -> std::io::Result<Cow<'a, [f64]>> {
        self.one_array(s, &s.fit.z, spill::Spill::z)
    }

    /// One of a metric's arrays: `kept` while the metric is in memory, else `read` back alone from the file.
    fn one_array<'a>(
        &self,
        s: &SeriesFit,
        kept: &'a [f64],
        read: fn(&spill::Spill, spill::At) -> std::io::Result<Vec<f64>>,
    ) -> std::io::Result<Cow<'a, [f64]>> {
        match (s.spilled, &self.spill) {
            (None, _) => Ok(Cow::Borrowed(kept)),
            (Some(at), Some(spill)) => read(spill, at).map(Cow::Owned),
            (Some(_), None) => Err(std::io::Error::other("the review's temporary file is gone")),
        }
    }

    /// A metric's values over the whole grid (history and review range), read again from its source (a
    /// server metric from the pull cache): the review keeps only the review range.
    pub fn history(&self, s: &SeriesFit) -> Result<Vec<f64>, SourceError> {
        let m = &s.metric;
        let inst = match &m.source {
            Source::File { path, series } => {
                let path = source::file::resolve(&self.workspace.root, path);
                source::slices::read_series(&path, &self.workspace.tz, series)?
            }
            Source::Prometheus { .. } | Source::CloudWatch(_) => {
                let one = Workspace { metrics: vec![m.clone()], bare_files: Vec::new(), ..self.workspace.clone() };
                let g = &self.ctx.grid;
                let window = Window { start: g.start, end: g.start + g.step * g.len as i64, step: g.step };
                let mut loaded = source::load_with(&one, Some(window), &self.pulled_with, &source::Quiet);
                loaded
                    .metrics
                    .pop()
                    .map(|d| d.result)
                    .unwrap_or_else(|| Err(SourceError::file(&self.workspace.origin, "was not pulled".into())))?
            }
        };
        Ok(fit::align_metric(m, &inst, &self.ctx.grid).0)
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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{self, WEEK};
    use crate::source::Quiet;
    use crate::time;

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

    #[test]
    fn a_wide_files_bad_column_fails_its_metric_alone() {
        // The fixture's metrics read from a file with one column per series; `api.requests` has a word in it.
        let dir = tempfile::tempdir().expect("tmp");
        let ws = fixture::workspace(dir.path());
        let mut csv = String::from("timestamp,api.latency,api.requests\n");
        for h in 0..(3 * 7 * 24) {
            let requests = if h == 5 { "lots".to_string() } else { format!("{}", 500 + h % 7) };
            csv.push_str(&format!("{},{},{requests}\n", WEEK - 14 * 86_400 + h * 3600, 100 + h % 24));
        }
        std::fs::write(dir.path().join("metrics.csv"), csv).expect("write");
        let r = Review::run(ws, RangeSpec::WeekOf(WEEK), Params::default(), &Quiet).expect("review");
        let errors: Vec<(&str, Option<usize>, String)> = r.errors.iter().map(|(m, e)| (m.id.as_str(), e.line, e.message.clone())).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.contains(&("api.requests", Some(7), "value `lots` is not a number".to_string())), "{errors:?}");
        assert!(errors.iter().any(|(m, _, e)| *m == "api.gone" && e.starts_with("no series `api.renamed`")), "{errors:?}");
        assert_eq!(r.series.iter().map(|s| s.metric.id.as_str()).collect::<Vec<_>>(), ["api.latency"]);
    }
}
