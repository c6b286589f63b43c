//! CloudWatch source: pulls each metric (a metric and statistic, or a metric-math / `SEARCH` expression)
//! with GetMetricData over the review range at the workspace step, through the official AWS SDK (the
//! standard credential chain; throttling, 5xx and timeouts retried with backoff by the SDK's standard
//! retry mode). Requests respect CloudWatch's limits — at most 500 queries and 100,800 datapoints per
//! request, `NextToken` pages — and its retention tiers: data older than 15 days is asked for at 5-minute
//! periods, older than 63 days at 1-hour periods, spread onto the grid and said in the input notes.
//! What was pulled goes to the same Parquet cache as Prometheus's.
//!
//! Every failure is the failing metric's own [`SourceError`]; the other metrics are unaffected.

pub mod client;

/// The AWS SDK's CloudWatch client, for callers that talk to CloudWatch beyond pulling (importers, tests).
pub use aws_sdk_cloudwatch as sdk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::cache::{cache_stem, instances_in, window_text, write_cache, Cached};
use super::{Instances, LoadOptions, LoadStats, Note, Progress, SourceError, Window};
use crate::config::cloudwatch::{CloudWatch, CwQuery};
use crate::config::{Metric, Source};

/// This source's subfolder of a workspace's cache folder.
pub const CACHE_SUBFOLDER: &str = "cloudwatch";
/// Queries in one GetMetricData request (CloudWatch's limit).
pub const MAX_QUERIES: usize = 500;
/// Datapoints one GetMetricData request may return (CloudWatch's limit).
pub const MAX_DATAPOINTS: i64 = 100_800;
const DAY: i64 = 86_400;
/// CloudWatch keeps 1-minute data for 15 days, then 5-minute data until 63 days, then hourly data: how old
/// data may be before a period must be a multiple of 5 minutes, then of an hour.
const TIERS: [(i64, i64); 2] = [(63 * DAY, 3600), (15 * DAY, 300)];

/// One GetMetricData request: the metrics it asks for (indices into the pulled list), over `[from, to)`
/// at `period` seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Job {
    metrics: Vec<usize>,
    from: i64,
    to: i64,
    period: i64,
}

/// A metric's result series in one answer: label and points.
type Labelled = Vec<(String, Vec<(i64, f64)>)>;
/// What one request brought per metric: its result series, or why it has none.
type JobAnswer = Vec<(usize, Result<Labelled, String>)>;

/// `a / b` rounded up (`b` > 0).
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1).div_euclid(b)
}

/// `[from, to)` cut by CloudWatch's retention tiers as of `now`: `(a, b, period)` with the period a
/// multiple of what the tier keeps (and at least the step), the coarse segments whole periods long.
fn segments(from: i64, to: i64, step: i64, now: i64) -> Vec<(i64, i64, i64)> {
    let step = step.max(1);
    let period_for = |min: i64| if step % min == 0 { step } else { ceil_div(step, min) * min };
    let mut out: Vec<(i64, i64, i64)> = Vec::new();
    let mut a = from;
    for (age, min) in TIERS {
        let cut = now - age;
        if a >= to || a >= cut {
            continue;
        }
        let p = period_for(min);
        let b = (a + ceil_div(cut.min(to) - a, p) * p).min(to);
        out.push((a, b, p));
        a = b;
    }
    if a < to {
        out.push((a, to, step));
    }
    // Neighbours at the same period are one segment.
    let mut merged: Vec<(i64, i64, i64)> = Vec::new();
    for s in out {
        match merged.last_mut() {
            Some(last) if last.2 == s.2 && last.1 == s.0 => last.1 = s.1,
            _ => merged.push(s),
        }
    }
    merged
}

/// The requests for one segment: metric-stat queries batched (at most [`MAX_QUERIES`] per request and
/// [`MAX_DATAPOINTS`] in all), time cut where one query alone would exceed the datapoint limit; an
/// expression alone in its requests (its result may be many series: the pages carry them).
fn jobs_for(a: i64, b: i64, period: i64, stats: &[usize], expressions: &[usize]) -> Vec<Job> {
    let mut out = Vec::new();
    let span = MAX_DATAPOINTS * period;
    let mut from = a;
    while from < b {
        let to = (from + span).min(b);
        let points = ceil_div(to - from, period).max(1);
        let per = ((MAX_DATAPOINTS / points) as usize).clamp(1, MAX_QUERIES);
        for batch in stats.chunks(per) {
            out.push(Job { metrics: batch.to_vec(), from, to, period });
        }
        for &e in expressions {
            out.push(Job { metrics: vec![e], from, to, period });
        }
        from = to;
    }
    out
}

fn query_of(m: &Metric) -> Option<&CwQuery> {
    match &m.source {
        Source::CloudWatch(q) => Some(q),
        _ => None,
    }
}

/// Where the data comes from, for the cache key and messages: the endpoint or the region, and the profile.
fn server_key(conf: &CloudWatch) -> String {
    format!(
        "cloudwatch:{}:{}:{}",
        conf.endpoint.as_deref().unwrap_or(""),
        conf.region.as_deref().unwrap_or(""),
        conf.profile.as_deref().unwrap_or("")
    )
}

fn error(conf: &CloudWatch, m: &Metric, message: String) -> SourceError {
    let place = match (&conf.endpoint, &conf.region) {
        (Some(e), _) => format!("CloudWatch at {e}"),
        (None, Some(r)) => format!("CloudWatch ({r})"),
        (None, None) => "CloudWatch".to_string(),
    };
    SourceError { path: PathBuf::from(place), line: None, series: query_of(m).map(CwQuery::describe), message }
}

/// Pull every metric in `metrics` (all with a CloudWatch source) over `w`. Returns one result per metric,
/// in order, the input notes (coarser data spread onto the grid) and what the pull cost.
pub fn pull(
    conf: &CloudWatch,
    metrics: &[&Metric],
    w: Window,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> (Vec<Result<Instances, SourceError>>, Vec<Note>, LoadStats) {
    let err_all = |msg: String| metrics.iter().map(|m| Err(error(conf, m, msg.clone()))).collect::<Vec<_>>();
    let now = crate::time::now();
    let mut stats = LoadStats::default();
    let cache = opts.cache.as_ref().map(|d| d.join(CACHE_SUBFOLDER));
    let key = server_key(conf);
    let plan = plan(&key, metrics, w, opts, cache.as_deref(), now, &mut stats);
    let answers = if plan.jobs.is_empty() {
        Vec::new()
    } else {
        let client = match client::Client::open(conf) {
            Ok(c) => c,
            Err(e) => return (err_all(e), Vec::new(), stats),
        };
        match client.fetch_all(metrics, &plan.jobs, conf.concurrency, progress, &mut stats) {
            Some(a) => a,
            None => return (err_all("pulling was cancelled".into()), Vec::new(), stats),
        }
    };

    // Per metric: the first failure, or what each request brought.
    let mut per: Vec<Result<Vec<(&Job, Labelled)>, String>> = metrics.iter().map(|_| Ok(Vec::new())).collect();
    for (j, r) in answers {
        let job = &plan.jobs[j];
        match r {
            Err(e) => {
                for &m in &job.metrics {
                    if per[m].is_ok() {
                        per[m] = Err(e.clone());
                    }
                }
            }
            Ok(list) => {
                for (m, got) in list {
                    match (got, &mut per[m]) {
                        (Ok(series), Ok(v)) => v.push((job, series)),
                        (Err(e), slot @ Ok(_)) => *slot = Err(e),
                        (_, Err(_)) => {}
                    }
                }
            }
        }
    }
    let mut notes = Vec::new();
    let results = per
        .into_iter()
        .zip(plan.cached)
        .zip(plan.stems)
        .zip(plan.queries)
        .zip(metrics)
        .enumerate()
        .map(|(i, ((((r, mut c), stem), query), m))| {
            let got = r.map_err(|e| error(conf, m, e))?;
            if let Some(note) = coarse_note(&plan.jobs, i, w, m) {
                notes.push(note);
            }
            if !got.is_empty() {
                let (samples, sparser) = merge(&mut c, got, w, now);
                stats.samples += samples;
                if let Some(p) = sparser {
                    notes.push(Note {
                        metric: m.id.clone(),
                        source: m.source.describe(),
                        message: format!(
                            "CloudWatch has this metric every {} (it is published at that rate), not every {}: each value spread over the grid points it covers",
                            crate::time::format_step(p),
                            crate::time::format_step(w.step)
                        ),
                    });
                }
                if let Some(dir) = &cache {
                    if let Err(e) = write_cache(dir, &stem, &key, &query, w.step, &c) {
                        eprintln!("flywheel: the CloudWatch cache was not written: {e}");
                    }
                }
            }
            instances_in(c, w).ok_or_else(|| {
                error(conf, m, format!("CloudWatch returned no data {}; check the namespace, metric name, dimensions and region", window_text(w)))
            })
        })
        .collect();
    (results, notes, stats)
}

/// What each metric already has in the cache, and the requests that fetch what it still needs.
struct Plan {
    cached: Vec<Cached>,
    stems: Vec<String>,
    /// Each metric's query as the cache records it.
    queries: Vec<String>,
    jobs: Vec<Job>,
}

fn plan(key: &str, metrics: &[&Metric], w: Window, opts: &LoadOptions, cache: Option<&Path>, now: i64, stats: &mut LoadStats) -> Plan {
    let mut plan = Plan { cached: Vec::new(), stems: Vec::new(), queries: Vec::new(), jobs: Vec::new() };
    // Segments to fetch → the metric-stat metrics and the expressions that need them.
    type Wanted = (Vec<usize>, Vec<usize>);
    let mut wanted: BTreeMap<(i64, i64, i64), Wanted> = BTreeMap::new();
    for (i, m) in metrics.iter().enumerate() {
        let q = serde_json::to_string(&query_of(m)).unwrap_or_default();
        let stem = cache_stem(key, m, &q, None, w.step);
        let (c, need) = Cached::open(cache, &stem, w, opts.refresh);
        if need.is_empty() {
            stats.cached += 1;
        }
        let expression = matches!(query_of(m), Some(CwQuery::Expression { .. }));
        for (a, b) in need {
            for seg in segments(a, b, w.step, now) {
                let e = wanted.entry(seg).or_default();
                if expression {
                    e.1.push(i);
                } else {
                    e.0.push(i);
                }
            }
        }
        plan.cached.push(c);
        plan.stems.push(stem);
        plan.queries.push(q);
    }
    for ((a, b, p), (stats_q, exprs)) in wanted {
        plan.jobs.extend(jobs_for(a, b, p, &stats_q, &exprs));
    }
    plan
}

/// A note when metric `i` was asked for at periods longer than the step (old data CloudWatch keeps
/// coarser): from when to when, and at what period.
fn coarse_note(jobs: &[Job], i: usize, w: Window, m: &Metric) -> Option<Note> {
    let coarse: Vec<&Job> = jobs.iter().filter(|j| j.period > w.step && j.metrics.contains(&i)).collect();
    let until = coarse.iter().map(|j| j.to).max()?;
    let periods: std::collections::BTreeSet<i64> = coarse.iter().map(|j| j.period).collect();
    let minutes: Vec<String> = periods.iter().map(|p| crate::time::format_step(*p)).collect();
    Some(Note {
        metric: m.id.clone(),
        source: m.source.describe(),
        message: format!(
            "data before {} (UTC) came at {} periods — CloudWatch keeps 1-minute data for 15 days and 5-minute data for 63 — each value spread over the {} grid points it covers",
            crate::time::utc(until.min(w.end)).format("%Y-%m-%d %H:%M"),
            minutes.join(" and "),
            crate::time::format_step(w.step)
        ),
    })
}

/// The answers of one metric merged into its cached samples: a value at a period longer than the step
/// fills every grid point of its period. Instances are named by their labels when the metric has
/// several (a `SEARCH`); one series is the metric itself. Returns the datapoints received.
fn merge(c: &mut Cached, got: Vec<(&Job, Labelled)>, w: Window, now: i64) -> (usize, Option<i64>) {
    let labels: std::collections::BTreeSet<&str> = got.iter().flat_map(|(_, s)| s.iter().map(|(l, _)| l.as_str())).collect();
    let several = labels.len() > 1;
    let mut samples = 0;
    let mut sparser: Option<i64> = None;
    for (job, series) in &got {
        for (label, points) in series {
            samples += points.len();
            let period = answered_period(points, job.period);
            if period > job.period && period > w.step {
                sparser = sparser.max(Some(period));
            }
            let s = c.series.entry(several.then(|| label.clone())).or_default();
            for &(t, v) in points {
                if !v.is_finite() || t < job.from || t >= job.to {
                    continue;
                }
                if period <= w.step {
                    s.insert(t, v);
                    continue;
                }
                let first = w.start + (t - w.start).div_euclid(w.step) * w.step;
                let first = if first < t { first + w.step } else { first };
                let mut g = first;
                while g < (t + period).min(job.to) {
                    s.insert(g, v);
                    g += w.step;
                }
            }
        }
    }
    c.cover(got.iter().map(|(job, _)| (job.from, job.to)), now);
    (samples, sparser)
}

/// The period CloudWatch really answered at: a metric published every 5 minutes, asked for at 1, comes
/// every 5. Read off the gaps between datapoints: when at least 80 % of them are one whole multiple of
/// the period asked for, that is the period; otherwise (a count that only has datapoints when something
/// happened, or regular data) the period asked for.
fn answered_period(points: &[(i64, f64)], asked: i64) -> i64 {
    if points.len() < 5 || asked <= 0 {
        return asked;
    }
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for p in points.windows(2) {
        *counts.entry(p[1].0 - p[0].0).or_default() += 1;
    }
    let total = points.len() - 1;
    match counts.into_iter().max_by_key(|(g, n)| (*n, std::cmp::Reverse(*g))) {
        Some((gap, n)) if gap > asked && gap % asked == 0 && n * 5 >= total * 4 => gap,
        _ => asked,
    }
}

#[cfg(test)]
mod tests;
