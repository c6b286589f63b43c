//! Sources: where metric data comes from. Every source yields raw series per metric, or a per-metric
//! [`SourceError`] that becomes a source-error finding while the rest of the review goes on.
//!
//! Three sources: files ([`file`]), Prometheus-compatible servers ([`prometheus`]) and CloudWatch
//! ([`cloudwatch`]); the seam is [`load_with`], which returns one [`MetricData`] per workspace metric
//! whatever the source was. Server sources share one vocabulary: the [`Window`] to pull, the
//! [`LoadOptions`] (cache, refresh), the pull cache and the [`LoadStats`] they report.

mod bare;
mod cache;
pub mod cloudwatch;
mod columns;
pub mod file;
pub mod prometheus;
pub mod slices;

pub use bare::list_bare_files;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use thiserror::Error;

use crate::config::{Metric, Source, Workspace};
use crate::series::RawSeries;

/// A source that could not be read, with the place that is wrong.
#[derive(Debug, Clone, Error, PartialEq, serde::Serialize)]
#[error("{}{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), series.as_ref().map(|s| format!(" (series `{s}`)")).unwrap_or_default())]
pub struct SourceError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub series: Option<String>,
    pub message: String,
}

impl SourceError {
    pub fn file(path: &Path, message: String) -> SourceError {
        SourceError { path: path.to_path_buf(), line: None, series: None, message }
    }
}

/// Progress of long work, reported to whoever shows it (a progress bar, an app event).
/// Long work asks [`Progress::cancelled`] between steps and stops early when it says so.
pub trait Progress: Sync {
    fn update(&self, stage: &str, done: usize, total: usize);
    /// Whoever shows the progress wants the work stopped (the app's Cancel button).
    fn cancelled(&self) -> bool {
        false
    }
}

/// A runtime for a server source's requests (they run on the calling thread).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("cannot start the network runtime: {e}"))
}

/// Resolves when whoever shows the progress asks to stop (server pulls race their requests against it).
pub(crate) async fn cancelled(progress: &dyn Progress) {
    loop {
        if progress.cancelled() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A progress sink that shows nothing.
pub struct Quiet;
impl Progress for Quiet {
    fn update(&self, _: &str, _: usize, _: usize) {}
}

/// The grid range a server source pulls: `[start, end)` at `step` seconds (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub step: i64,
}

/// How server sources load: where the workspace's cache is (none: no cache) and whether to pull again
/// what was cached while it was still recent.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// This workspace's cache folder ([`crate::paths::cache_dir`]); each source keeps a subfolder.
    pub cache: Option<PathBuf>,
    pub refresh: bool,
}

impl LoadOptions {
    /// Load with the workspace's own cache folder.
    pub fn for_workspace(origin: &Path, refresh: bool) -> LoadOptions {
        LoadOptions { cache: crate::paths::cache_dir(origin), refresh }
    }
}

/// What loading from servers cost, summed over every server source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadStats {
    /// Requests sent, retries included.
    pub requests: usize,
    /// Of those, repeats after a 5xx, 429 or broken connection.
    pub retries: usize,
    /// Metrics answered entirely from the cache.
    pub cached: usize,
    /// Samples received.
    pub samples: usize,
}

impl LoadStats {
    /// Add what another pull cost.
    pub fn add(&mut self, o: LoadStats) {
        self.requests += o.requests;
        self.retries += o.retries;
        self.cached += o.cached;
        self.samples += o.samples;
    }
}

/// Something about a metric's input worth saying beside the findings ("Input notes").
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Note {
    pub metric: String,
    /// Where the data came from ([`crate::config::Source::describe`]).
    pub source: String,
    pub message: String,
}

/// A metric's raw series: one per instance (a single unnamed one for a plain series).
pub type Instances = Vec<(Option<String>, RawSeries)>;

/// One metric's data: its instances, or why it has none.
#[derive(Debug)]
pub struct MetricData {
    pub metric: Metric,
    pub result: Result<Instances, SourceError>,
}

/// What loading produced: data per metric (same order as the workspace's metrics, plus the metrics made
/// up for a bare file), and notes about the input.
#[derive(Debug)]
pub struct Loaded {
    pub metrics: Vec<MetricData>,
    pub rows: usize,
    /// What pulling from servers cost (zero when no metric uses one).
    pub pull: LoadStats,
    /// Input notes from the sources (CloudWatch's coarser old data).
    pub notes: Vec<Note>,
}

/// Load every metric of a workspace whose metrics all come from files.
pub fn load(ws: &Workspace, progress: &dyn Progress) -> Loaded {
    load_with(ws, None, &LoadOptions::default(), progress)
}

/// Load every metric of the workspace; Prometheus metrics are pulled over `window`. Each file is read
/// once (in parallel) however many metrics use it. A failure affects only the metrics that use that file,
/// series or query.
pub fn load_with(ws: &Workspace, window: Option<Window>, opts: &LoadOptions, progress: &dyn Progress) -> Loaded {
    if !ws.bare_files.is_empty() {
        return bare::load_files(ws, progress);
    }
    let all: Vec<&Metric> = ws.metrics.iter().collect();
    let (mut pulled, notes, pull) = pull_metrics(ws, &all, window, opts, progress);
    let mut files: Vec<PathBuf> = ws
        .metrics
        .iter()
        .filter_map(|m| match &m.source {
            Source::File { path, .. } => Some(file::resolve(&ws.root, path)),
            Source::Prometheus { .. } | Source::CloudWatch(_) => None,
        })
        .collect();
    files.sort();
    files.dedup();
    let total = files.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    progress.update("load", 0, total);
    let read: HashMap<PathBuf, Result<file::FileData, SourceError>> = files
        .into_par_iter()
        .map(|p| {
            if progress.cancelled() {
                return (p.clone(), Err(SourceError::file(&p, "loading was cancelled".into())));
            }
            let r = file::read_file(&p, &ws.tz);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.update("load", n, total);
            (p, r)
        })
        .collect();
    let rows = read.values().filter_map(|r| r.as_ref().ok()).map(|d| d.rows).sum();
    let mut taken: HashMap<PathBuf, file::FileData> = HashMap::new();
    let mut errors: HashMap<PathBuf, SourceError> = HashMap::new();
    for (p, r) in read {
        match r {
            Ok(d) => {
                taken.insert(p, d);
            }
            Err(e) => {
                errors.insert(p, e);
            }
        }
    }
    // Series are moved out of the file data (not copied) at their last use: 12 M points stay 12 M.
    let mut uses: HashMap<(PathBuf, String), usize> = HashMap::new();
    for m in &ws.metrics {
        if let Source::File { path, series } = &m.source {
            *uses.entry((file::resolve(&ws.root, path), series.clone())).or_default() += 1;
        }
    }
    let metrics = ws
        .metrics
        .iter()
        .map(|m| {
            let (path, series) = match &m.source {
                Source::File { path, series } => (path, series),
                Source::Prometheus { .. } | Source::CloudWatch(_) => {
                    let result = pulled.remove(&m.id).unwrap_or_else(|| Err(SourceError::file(&ws.origin, "was not pulled".into())));
                    return MetricData { metric: m.clone(), result };
                }
            };
            let full = file::resolve(&ws.root, path);
            let left = uses.get_mut(&(full.clone(), series.clone())).map(|n| {
                *n -= 1;
                *n
            });
            let result = match (taken.get_mut(&full), errors.get(&full)) {
                (_, Some(e)) => Err(e.clone()),
                (Some(d), None) => take_series(d, &full, series, left == Some(0)),
                (None, None) => Err(SourceError::file(&full, "was not read".into())),
            };
            MetricData { metric: m.clone(), result }
        })
        .collect();
    Loaded { metrics, rows, pull, notes }
}

/// Pull the workspace's server metrics (Prometheus, CloudWatch) over `window`: results by metric id, the
/// sources' input notes, and what the pulls cost together.
pub(crate) fn pull_metrics(
    ws: &Workspace,
    metrics: &[&Metric],
    window: Option<Window>,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> (HashMap<String, Result<Instances, SourceError>>, Vec<Note>, LoadStats) {
    let mut out = HashMap::new();
    let mut notes = Vec::new();
    let mut stats = LoadStats::default();
    let fail = |wanted: &[&Metric], msg: &str, out: &mut HashMap<String, Result<Instances, SourceError>>| {
        for m in wanted {
            out.insert(m.id.clone(), Err(SourceError::file(&ws.origin, msg.to_string())));
        }
    };
    let prom: Vec<&Metric> = metrics.iter().copied().filter(|m| matches!(m.source, Source::Prometheus { .. })).collect();
    if !prom.is_empty() {
        match (&ws.prometheus, window) {
            (Some(server), Some(w)) => {
                let (results, s) = prometheus::pull(server, &prom, w, opts, progress);
                out.extend(prom.iter().map(|m| m.id.clone()).zip(results));
                stats.add(s);
            }
            _ => fail(&prom, "a promql source needs a [prometheus] server and a review range", &mut out),
        }
    }
    let cw: Vec<&Metric> = metrics.iter().copied().filter(|m| matches!(m.source, Source::CloudWatch(_))).collect();
    if !cw.is_empty() {
        match (&ws.cloudwatch, window) {
            (Some(conf), Some(w)) => {
                let (results, n, s) = cloudwatch::pull(conf, &cw, w, opts, progress);
                out.extend(cw.iter().map(|m| m.id.clone()).zip(results));
                notes.extend(n);
                stats.add(s);
            }
            _ => fail(&cw, "a cloudwatch source needs a [cloudwatch] table and a review range", &mut out),
        }
    }
    (out, notes, stats)
}

/// Take the instances of `key` out of a read file (a bare file serves any key).
fn take_series(d: &mut file::FileData, path: &Path, key: &str, last_use: bool) -> Result<Instances, SourceError> {
    // A wide file's column that could not be read is that series' error alone.
    if let Some(e) = d.broken.get(key) {
        return Err(e.clone());
    }
    let wanted: Vec<file::SeriesKey> = d.series.keys().filter(|(k, _)| d.bare || k == key).cloned().collect();
    let mut found: Vec<(Option<String>, RawSeries)> = wanted
        .into_iter()
        .filter_map(|k| {
            let s = if last_use { d.series.remove(&k) } else { d.series.get(&k).cloned() };
            s.map(|s| (if d.bare { None } else { k.1 }, s))
        })
        .collect();
    if found.is_empty() {
        return Err(no_such_series(path, key, &d.all_keys));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// A metric's series is not in its file: say which keys the file has (the first five, sorted).
pub(crate) fn no_such_series(path: &Path, key: &str, keys: &[String]) -> SourceError {
    let sample: Vec<&str> = keys.iter().take(5).map(String::as_str).collect();
    let more = if keys.len() > 5 { format!(", … {} in all", keys.len()) } else { String::new() };
    SourceError {
        path: path.to_path_buf(),
        line: None,
        series: Some(key.to_string()),
        message: format!("no series `{key}` in this file (it has: {}{more})", sample.join(", ")),
    }
}

/// A data file's name without its extension: the one metric of a bare `timestamp,value` file.
pub(crate) fn stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_gets_its_data_or_its_own_error_in_workspace_order() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = crate::fixture::workspace(dir.path());
        let loaded = load(&ws, &Quiet);
        let ids: Vec<&str> = loaded.metrics.iter().map(|m| m.metric.id.as_str()).collect();
        assert_eq!(ids, ["api.latency", "api.requests", "api.gone"]);
        for (id, want_points) in [("api.latency", Some(504)), ("api.requests", Some(504)), ("api.gone", None)] {
            let m = loaded.metrics.iter().find(|m| m.metric.id == id).expect("metric");
            match (&m.result, want_points) {
                (Ok(inst), Some(n)) => {
                    assert_eq!(inst.len(), 1, "{id}: one unnamed series");
                    assert_eq!(inst[0].1.values.len(), n, "{id}");
                }
                (Err(e), None) => {
                    assert!(e.path.ends_with("metrics.csv"), "{id}: the error names the file: {e}");
                    assert!(e.to_string().contains("api.renamed"), "{id}: the error names the series: {e}");
                }
                (other, _) => panic!("{id}: unexpected {other:?}"),
            }
        }
        // One file, read once for all three metrics: every row counted once.
        assert_eq!(loaded.rows, 2 * 504);
        assert_eq!(loaded.pull, LoadStats::default(), "no server was asked");
    }

    #[test]
    fn a_wide_files_bad_column_is_that_series_error_alone() {
        // Opened on its own and named by a workspace: `b` has a word on its third row, `a` and `c` are read.
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("wide.csv");
        let rows = "time,a,b,c\n2026-11-09 00:00,1,2,3\n2026-11-09 00:05,1,fast,3\n";
        std::fs::write(&path, rows).expect("write");
        let ws = crate::config::Workspace::open(&path).expect("a file opened on its own");
        let loaded = load(&ws, &Quiet);
        let got: Vec<(&str, Result<usize, String>)> = loaded
            .metrics
            .iter()
            .map(|m| (m.metric.id.as_str(), m.result.as_ref().map(|i| i[0].1.values.len()).map_err(|e| e.to_string())))
            .collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!((got[0].0, got[0].1.clone()), ("a", Ok(2)));
        assert_eq!(got[1].0, "b");
        assert!(got[1].1.as_ref().is_err_and(|e| e.ends_with("wide.csv:3 (series `b`): value `fast` is not a number")), "{got:?}");
        assert_eq!((got[2].0, got[2].1.clone()), ("c", Ok(2)));

        let mut file = crate::fixture::workspace(dir.path());
        for (m, series) in file.metrics.iter_mut().zip(["a", "b"]) {
            m.source = Source::File { path: path.clone(), series: series.into() };
        }
        file.metrics.truncate(2);
        let loaded = load(&file, &Quiet);
        assert!(loaded.metrics[0].result.is_ok(), "{:?}", loaded.metrics[0].result);
        let e = loaded.metrics[1].result.as_ref().expect_err("b");
        assert_eq!((e.line, e.series.as_deref()), (Some(3), Some("b")));
    }

    #[test]
    fn a_promql_metric_without_a_window_is_its_own_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut ws = crate::fixture::workspace(dir.path());
        let mut m = ws.metrics[0].clone();
        m.id = "api.prom".into();
        m.source = crate::config::Source::Prometheus { query: "up".into(), instance: None };
        ws.metrics.push(m);
        let loaded = load(&ws, &Quiet);
        let prom = loaded.metrics.iter().find(|m| m.metric.id == "api.prom").expect("metric");
        let e = prom.result.as_ref().expect_err("no server, no window");
        assert!(e.message.contains("[prometheus]"), "{e}");
        assert!(loaded.metrics.iter().find(|m| m.metric.id == "api.latency").is_some_and(|m| m.result.is_ok()), "the rest still loads");
    }
}
