//! Prometheus source: pulls each metric's PromQL query with `query_range` from a Prometheus-compatible
//! server (Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics share the API) — chunked under the
//! 11,000-points-per-series limit, a bounded number of requests in flight, per-request timeout, retries
//! with exponential backoff and jitter (honouring `Retry-After`), cancellable — and keeps what it pulled in
//! a Parquet cache so reopening is instant and works offline.
//!
//! Every failure is the failing metric's own [`SourceError`]; the other metrics are unaffected.

mod http;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::cache::{cache_stem, instances_in, window_text, write_cache, Cached};
use super::{Instances, Progress, SourceError};
use super::{LoadOptions, LoadStats, Window};
use crate::config::{Metric, Prometheus, Source};
use crate::series::RawSeries;
use http::Connection;
pub use http::{redact, redirect_allowed};

/// This source's subfolder of a workspace's cache folder.
pub const CACHE_SUBFOLDER: &str = "prometheus";

/// Points per request and series: under Prometheus's limit of 11,000 with room to spare.
pub const MAX_POINTS: i64 = 10_000;
/// Longest wait a `Retry-After` may ask for before the request counts as failed.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// One `query_range` request: metric index and the grid range `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Job {
    metric: usize,
    from: i64,
    to: i64,
}

/// Series of one answer: labels and samples.
type Answer = Vec<(BTreeMap<String, String>, RawSeries)>;

/// Split `[from, to)` into requests of at most [`MAX_POINTS`] grid points.
fn chunks(metric: usize, from: i64, to: i64, step: i64) -> Vec<Job> {
    let mut out = Vec::new();
    let mut a = from;
    while a < to {
        let b = (a + MAX_POINTS * step).min(to);
        out.push(Job { metric, from: a, to: b });
        a = b;
    }
    out
}

/// Name of a result series as an instance: the configured label's value, else (when the query returns
/// several series) the whole label set; a single unlabelled series is the metric itself.
fn instance_name(labels: &BTreeMap<String, String>, label: Option<&str>, several: bool) -> Option<String> {
    if let Some(l) = label {
        return labels.get(l).cloned();
    }
    if !several {
        return None;
    }
    let set: Vec<String> = labels.iter().filter(|(k, _)| k.as_str() != "__name__").map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    Some(if set.is_empty() { labels.get("__name__").cloned().unwrap_or_default() } else { set.join(", ") })
}

/// Pull every metric in `metrics` (all with a Prometheus source) over `w`. Returns one result per metric,
/// in order, and what the pull cost.
pub fn pull(
    server: &Prometheus,
    metrics: &[&Metric],
    w: Window,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> (Vec<Result<Instances, SourceError>>, LoadStats) {
    let err_all = |msg: String| metrics.iter().map(|m| Err(error(server, m, msg.clone()))).collect::<Vec<_>>();
    let conn = match Connection::open(server) {
        Ok(c) => c,
        Err(e) => return (err_all(e), LoadStats::default()),
    };
    let now = crate::time::now();
    let mut stats = LoadStats::default();
    let cache = opts.cache.as_ref().map(|d| d.join(CACHE_SUBFOLDER));
    let plan = plan(server, metrics, w, opts, cache.as_deref(), &mut stats);
    let Some(answers) = conn.fetch_all(server, metrics, &plan.jobs, w, progress, &mut stats) else {
        return (err_all("pulling was cancelled".into()), stats);
    };

    // Per metric: the first failure, or the answers in time order.
    let mut per: Vec<Result<Vec<(Job, Answer)>, String>> = metrics.iter().map(|_| Ok(Vec::new())).collect();
    for (job, r) in answers {
        match (r, &mut per[job.metric]) {
            (Ok(a), Ok(list)) => list.push((job, a)),
            (Err(e), slot @ Ok(_)) => *slot = Err(e),
            (_, Err(_)) => {}
        }
    }
    let results = per
        .into_iter()
        .zip(plan.cached)
        .zip(plan.stems)
        .zip(metrics)
        .map(|(((r, mut c), stem), m)| {
            let got = r.map_err(|e| error(server, m, e))?;
            if !got.is_empty() {
                stats.samples += merge(&mut c, got, query_of(m).1, now);
                if let Some(dir) = &cache {
                    if let Err(e) = write_cache(dir, &stem, &server.url, query_of(m).0, w.step, &c) {
                        eprintln!("flywheel: the Prometheus cache was not written: {e}");
                    }
                }
            }
            instances_in(c, w)
                .ok_or_else(|| error(server, m, format!("the query returned no data {}; check the metric name and labels", window_text(w))))
        })
        .collect();
    (results, stats)
}

/// What each metric already has in the cache, and the requests that fetch what it still needs.
struct Plan {
    cached: Vec<Cached>,
    stems: Vec<String>,
    jobs: Vec<Job>,
}

fn plan(server: &Prometheus, metrics: &[&Metric], w: Window, opts: &LoadOptions, cache: Option<&Path>, stats: &mut LoadStats) -> Plan {
    let mut plan = Plan { cached: Vec::with_capacity(metrics.len()), stems: Vec::with_capacity(metrics.len()), jobs: Vec::new() };
    for (i, m) in metrics.iter().enumerate() {
        let (query, inst) = query_of(m);
        let stem = cache_stem(&server.url, m, query, inst, w.step);
        let (c, need) = Cached::open(cache, &stem, w, opts.refresh);
        if need.is_empty() {
            stats.cached += 1;
        }
        for (a, b) in need {
            plan.jobs.extend(chunks(i, a, b, w.step));
        }
        plan.cached.push(c);
        plan.stems.push(stem);
    }
    plan
}

/// The answers of one metric (in any order) merged into its cached samples, named as instances; the
/// cache then covers their ranges, settled up to a little before `now`. Returns the samples received.
fn merge(c: &mut Cached, mut got: Vec<(Job, Answer)>, label: Option<&str>, now: i64) -> usize {
    got.sort_by_key(|(j, _)| j.from);
    let several = {
        let mut sets: Vec<&BTreeMap<String, String>> = got.iter().flat_map(|(_, a)| a.iter().map(|(l, _)| l)).collect();
        sets.sort();
        sets.dedup();
        sets.len() > 1
    };
    let mut samples = 0;
    for (_, answer) in &got {
        for (labels, raw) in answer {
            samples += raw.len();
            let s = c.series.entry(instance_name(labels, label, several)).or_default();
            for (t, v) in raw.times.iter().zip(&raw.values) {
                s.insert(t.round() as i64, *v);
            }
        }
    }
    c.cover(got.iter().map(|(job, _)| (job.from, job.to)), now);
    samples
}

fn query_of(m: &Metric) -> (&str, Option<&str>) {
    match &m.source {
        Source::Prometheus { query, instance } => (query.as_str(), instance.as_deref()),
        Source::File { series, .. } => (series.as_str(), None),
        Source::CloudWatch(_) => ("", None),
    }
}

fn error(server: &Prometheus, m: &Metric, message: String) -> SourceError {
    let (query, _) = query_of(m);
    SourceError { path: PathBuf::from(&server.url), line: None, series: Some(query.to_string()), message }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn long_ranges_split_under_the_point_limit() {
        let step = 300;
        let cases: &[(i64, usize)] = &[(1, 1), (10_000, 1), (10_001, 2), (12_096, 2), (30_000, 3), (0, 0)];
        for &(points, requests) in cases {
            let jobs = chunks(0, 0, points * step, step);
            assert_eq!(jobs.len(), requests, "{points} points");
            assert!(jobs.iter().all(|j| (j.to - j.from) / step <= MAX_POINTS), "{points}: a chunk over the limit");
            let covered: i64 = jobs.iter().map(|j| j.to - j.from).sum();
            assert_eq!(covered, points * step, "{points}: chunks cover the range exactly");
            assert!(jobs.windows(2).all(|p| p[0].to == p[1].from), "{points}: chunks neither overlap nor leave holes");
        }
    }

    #[test]
    fn instances_are_named_by_their_label() {
        let l = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
        type Case<'a> = (BTreeMap<String, String>, Option<&'a str>, bool, Option<&'a str>);
        let cases: Vec<Case> = vec![
            (l(&[("instance", "gw-1"), ("job", "gw")]), Some("instance"), true, Some("gw-1")),
            (l(&[("job", "gw")]), Some("instance"), false, None),
            (l(&[("job", "gw")]), None, false, None),
            (l(&[("__name__", "up"), ("job", "gw"), ("pod", "p1")]), None, true, Some("job=\"gw\", pod=\"p1\"")),
        ];
        for (labels, label, several, want) in cases {
            assert_eq!(instance_name(&labels, label, several).as_deref(), want, "{labels:?}");
        }
    }
}
