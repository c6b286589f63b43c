//! Prometheus source: pulls each metric's PromQL query with `query_range` from a Prometheus-compatible
//! server (Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics share the API) — chunked under the
//! 11,000-points-per-series limit, a bounded number of requests in flight, per-request timeout, retries
//! with exponential backoff and jitter (honouring `Retry-After`), cancellable — and keeps what it pulled in
//! a Parquet cache so reopening is instant and works offline.
//!
//! Every failure is the failing metric's own [`SourceError`]; the other metrics are unaffected.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono_tz::Tz;
use futures_util::stream::{self, StreamExt};
use rand::Rng;
use serde::Deserialize;

use super::{file, Instances, Progress, SourceError};
use super::{LoadOptions, LoadStats, Window};
use crate::config::{Metric, Prometheus, Source};
use crate::series::RawSeries;

/// Points per request and series: under Prometheus's limit of 11,000 with room to spare.
pub const MAX_POINTS: i64 = 10_000;
/// A pulled range this close to the time it was pulled may still be filling in; `refresh` pulls it again.
const SETTLE_SECS: i64 = 15 * 60;
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

#[derive(Deserialize)]
struct Envelope {
    status: String,
    data: Option<Data>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<ResultSeries>,
}

#[derive(Deserialize)]
struct ResultSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// Parse a `query_range` answer. Values are Prometheus's strings (`"NaN"`, `"+Inf"` become missing later).
fn parse_answer(body: &[u8]) -> Result<Answer, String> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| format!("the answer is not Prometheus JSON ({e}): {}", snippet(body)))?;
    if env.status != "success" {
        return Err(prom_error(&env));
    }
    let data = env.data.ok_or("the answer has no `data`")?;
    if data.result_type != "matrix" {
        return Err(format!("the query returned a {} (a range query must return a matrix)", data.result_type));
    }
    let mut out = Vec::with_capacity(data.result.len());
    for s in data.result {
        let mut raw = RawSeries::default();
        raw.times.reserve(s.values.len());
        raw.values.reserve(s.values.len());
        for (t, v) in s.values {
            raw.push(t, file::parse_value(&v).ok_or_else(|| format!("value `{v}` at {t} is not a number"))?);
        }
        out.push((s.metric, raw));
    }
    Ok(out)
}

fn prom_error(env: &Envelope) -> String {
    let kind = env.error_type.as_deref().unwrap_or("error");
    format!("Prometheus says ({kind}): {}", env.error.as_deref().unwrap_or("no error text"))
}

fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let s = s.trim();
    if s.is_empty() {
        return "(empty body)".into();
    }
    let cut: String = s.chars().take(160).collect();
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

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

/// `window` minus the `covered` ranges (both half-open).
fn missing(window: (i64, i64), covered: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut at = window.0;
    let mut cov: Vec<(i64, i64)> = covered.iter().copied().filter(|(a, b)| b > a).collect();
    cov.sort();
    for (a, b) in cov {
        if b <= at {
            continue;
        }
        if a >= window.1 {
            break;
        }
        if a > at {
            out.push((at, a.min(window.1)));
        }
        at = at.max(b);
    }
    if at < window.1 {
        out.push((at, window.1));
    }
    out
}

/// The union of half-open ranges, sorted and merged.
fn union(mut ranges: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    ranges.retain(|(a, b)| b > a);
    ranges.sort();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// A metric's cached samples and which ranges they cover.
#[derive(Debug, Default)]
struct Cached {
    covered: Vec<(i64, i64)>,
    /// Unix time up to which the covered data had settled when it was pulled.
    settled: i64,
    series: BTreeMap<Option<String>, BTreeMap<i64, f64>>,
}

#[derive(serde::Serialize, Deserialize)]
struct CacheMeta {
    url: String,
    query: String,
    step: i64,
    covered: Vec<(i64, i64)>,
    settled: i64,
}

/// Cache file stem of a metric: its id (readable) and a hash of what decides its data.
fn cache_stem(server: &Prometheus, m: &Metric, query: &str, instance: Option<&str>, step: i64) -> String {
    let key = format!("{}\n{query}\n{}\n{step}", server.url, instance.unwrap_or(""));
    let hash = crate::paths::stable_hash(&key);
    let id: String = m.id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    format!("{id}-{hash:016x}")
}

fn read_cache(dir: &Path, stem: &str, step: i64) -> Option<Cached> {
    let meta: CacheMeta = serde_json::from_slice(&std::fs::read(dir.join(format!("{stem}.json"))).ok()?).ok()?;
    if meta.step != step {
        return None;
    }
    let data = file::read_file(&dir.join(format!("{stem}.parquet")), &Tz::UTC).ok()?;
    let mut series: BTreeMap<Option<String>, BTreeMap<i64, f64>> = BTreeMap::new();
    for ((_, inst), raw) in data.series {
        let s = series.entry(inst).or_default();
        for (t, v) in raw.times.iter().zip(&raw.values) {
            s.insert(t.round() as i64, *v);
        }
    }
    Some(Cached { covered: meta.covered, settled: meta.settled, series })
}

/// Write a metric's cache: the data first, then the list of covered ranges (each file written whole or
/// not at all by [`crate::atomic`], so a crash leaves the old cache or the new one, never half of one).
fn write_cache(dir: &Path, stem: &str, server: &Prometheus, query: &str, step: i64, c: &Cached) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut rows = file::LongRows::default();
    for (inst, points) in &c.series {
        for (t, v) in points {
            rows.push(*t, "cache", inst.as_deref(), *v);
        }
    }
    if rows.values.is_empty() {
        rows.push(c.covered.first().map(|r| r.0).unwrap_or(0), "cache", None, f64::NAN);
    }
    let data = dir.join(format!("{stem}.parquet"));
    crate::atomic::write_with(&data, |tmp| file::write_long_parquet(tmp, rows).map_err(|e| e.to_string()))?;
    let meta = CacheMeta { url: server.url.clone(), query: query.to_string(), step, covered: c.covered.clone(), settled: c.settled };
    let text = serde_json::to_vec_pretty(&meta).map_err(|e| e.to_string())?;
    let json = dir.join(format!("{stem}.json"));
    crate::atomic::write(&json, &text).map_err(|e| format!("cannot write {}: {e}", json.display()))
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

/// Why a request failed, and whether trying again may help.
enum Failure {
    Retry(String, Option<Duration>),
    Fatal(String),
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
    let token = match &server.token_env {
        None => None,
        Some(var) => match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => return (err_all(format!("the environment variable `{var}` (token_env) holds no token")), LoadStats::default()),
        },
    };
    let client = match client(server, token.as_deref()) {
        Ok(c) => c,
        Err(e) => return (err_all(e), LoadStats::default()),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return (err_all(format!("cannot start the network runtime: {e}")), LoadStats::default()),
    };
    let now = crate::time::now();
    let mut stats = LoadStats::default();
    let cache = opts.cache.as_ref().map(|d| d.join(CACHE_SUBFOLDER));

    // What each metric already has, and what it still needs.
    let mut cached: Vec<Cached> = Vec::with_capacity(metrics.len());
    let mut stems: Vec<String> = Vec::with_capacity(metrics.len());
    let mut jobs: Vec<Job> = Vec::new();
    for (i, m) in metrics.iter().enumerate() {
        let (query, inst) = query_of(m);
        let stem = cache_stem(server, m, query, inst, w.step);
        let c = cache.as_deref().and_then(|d| read_cache(d, &stem, w.step)).unwrap_or_default();
        let covered: Vec<(i64, i64)> = if opts.refresh {
            // Settled up to the last grid point of this window's grid (not of the epoch's: a grid in a
            // zone like +05:30 is not a multiple of an hour from 1970).
            let settled = c.settled - (c.settled - w.start).rem_euclid(w.step);
            c.covered.iter().map(|&(a, b)| (a, b.min(settled))).collect()
        } else {
            c.covered.clone()
        };
        let need = missing((w.start, w.end), &covered);
        if need.is_empty() {
            stats.cached += 1;
        }
        for (a, b) in need {
            jobs.extend(chunks(i, a, b, w.step));
        }
        cached.push(c);
        stems.push(stem);
    }

    let total = jobs.len();
    progress.update("pull", 0, total);
    let done = AtomicUsize::new(0);
    let requests = AtomicUsize::new(0);
    let retries = AtomicUsize::new(0);
    let work = stream::iter(jobs.iter().copied())
        .map(|job| {
            let client = &client;
            let (query, _) = query_of(metrics[job.metric]);
            let (requests, retries, done) = (&requests, &retries, &done);
            let secret = token.as_deref();
            async move {
                // Whatever came back is shown and cached only with the token (and any echoed
                // credentials) masked.
                let r = fetch(client, server, query, job, w.step, requests, retries).await.map_err(|e| redact(&e, secret));
                progress.update("pull", done.fetch_add(1, Ordering::Relaxed) + 1, total);
                (job, r)
            }
        })
        .buffer_unordered(server.concurrency.max(1))
        .collect::<Vec<_>>();
    let answers: Option<Vec<(Job, Result<Answer, String>)>> = runtime.block_on(async {
        tokio::select! {
            r = work => Some(r),
            _ = cancelled(progress) => None,
        }
    });
    stats.requests = requests.load(Ordering::Relaxed);
    stats.retries = retries.load(Ordering::Relaxed);
    let Some(answers) = answers else {
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
        .zip(cached)
        .zip(stems)
        .enumerate()
        .map(|(i, ((r, mut c), stem))| {
            let m = metrics[i];
            let (query, label) = query_of(m);
            let mut got = r.map_err(|e| error(server, m, e))?;
            got.sort_by_key(|(j, _)| j.from);
            let several = {
                let mut sets: Vec<&BTreeMap<String, String>> = got.iter().flat_map(|(_, a)| a.iter().map(|(l, _)| l)).collect();
                sets.sort();
                sets.dedup();
                sets.len() > 1
            };
            for (job, answer) in &got {
                for (labels, raw) in answer {
                    stats.samples += raw.len();
                    let s = c.series.entry(instance_name(labels, label, several)).or_default();
                    for (t, v) in raw.times.iter().zip(&raw.values) {
                        s.insert(t.round() as i64, *v);
                    }
                }
                c.covered.push((job.from, job.to));
            }
            if !got.is_empty() {
                c.covered = union(std::mem::take(&mut c.covered));
                c.settled = now - SETTLE_SECS;
                if let Some(dir) = &cache {
                    if let Err(e) = write_cache(dir, &stem, server, query, w.step, &c) {
                        eprintln!("flywheel: the Prometheus cache was not written: {e}");
                    }
                }
            }
            let inst: Instances = c
                .series
                .into_iter()
                .filter_map(|(name, points)| {
                    let mut raw = RawSeries::default();
                    for (t, v) in points.range(w.start..w.end) {
                        raw.push(*t as f64, *v);
                    }
                    (!raw.is_empty()).then_some((name, raw))
                })
                .collect();
            if inst.iter().all(|(_, r)| r.last_time().is_none()) {
                return Err(error(
                    server,
                    m,
                    format!(
                        "the query returned no data between {} and {} (UTC); check the metric name and labels",
                        crate::time::utc(w.start).format("%Y-%m-%d %H:%M"),
                        crate::time::utc(w.end).format("%Y-%m-%d %H:%M")
                    ),
                ));
            }
            Ok(inst)
        })
        .collect();
    (results, stats)
}

fn query_of(m: &Metric) -> (&str, Option<&str>) {
    match &m.source {
        Source::Prometheus { query, instance } => (query.as_str(), instance.as_deref()),
        Source::File { series, .. } => (series.as_str(), None),
    }
}

fn error(server: &Prometheus, m: &Metric, message: String) -> SourceError {
    let (query, _) = query_of(m);
    SourceError { path: PathBuf::from(&server.url), line: None, series: Some(query.to_string()), message }
}

fn client(server: &Prometheus, token: Option<&str>) -> Result<reqwest::Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {t}"))
            .map_err(|_| "the bearer token holds characters a header cannot carry".to_string())?;
        v.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    let timeout = Duration::from_secs(server.timeout.max(1));
    let mut b = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("flywheel/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let downgrade = attempt.previous().last().is_some_and(|prev| !redirect_allowed(prev, attempt.url()));
            if downgrade {
                attempt.error("the server redirected from https to plain http; refused so the token is never sent in the clear")
            } else if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else {
                attempt.follow()
            }
        }));
    if is_loopback(&server.url) {
        b = b.no_proxy();
    }
    b.build().map_err(|e| format!("cannot set up the HTTP client: {e}"))
}

/// Mask what must never be shown: the token itself, and whatever follows `Bearer `, `Authorization:`,
/// `Cookie:` or `Set-Cookie:` in text a server sent back (some servers echo request headers in errors);
/// and keep at most 300 characters of it.
pub fn redact(text: &str, token: Option<&str>) -> String {
    let mut out = match token.filter(|t| !t.is_empty()) {
        Some(t) => text.replace(t, "[redacted]"),
        None => text.to_string(),
    };
    for key in ["bearer ", "authorization:", "cookie:", "basic "] {
        let mut from = 0;
        while let Some(p) = out[from..].to_ascii_lowercase().find(key).map(|p| p + from) {
            let start = p + key.len();
            let rest = &out[start..];
            let skip = rest.len() - rest.trim_start().len();
            let value_len = rest.trim_start().find(['"', '\n', '\r', ',', '}']).unwrap_or(rest.trim_start().len());
            if value_len > 0 && !rest.trim_start().starts_with("[redacted]") {
                out.replace_range(start + skip..start + skip + value_len, "[redacted]");
            }
            from = (start + skip + "[redacted]".len()).min(out.len());
        }
    }
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}

/// A redirect is followed only to the same scheme or from http to https: an https server that sends
/// the client to plain http would carry the `Authorization` header in the clear (reqwest keeps it when
/// host and port stay the same).
pub fn redirect_allowed(from: &reqwest::Url, to: &reqwest::Url) -> bool {
    !(from.scheme() == "https" && to.scheme() != "https")
}

fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h == "localhost" || h == "127.0.0.1" || h == "[::1]" || h == "::1"))
        .unwrap_or(false)
}

/// Resolves when whoever shows the progress asks to stop.
async fn cancelled(progress: &dyn Progress) {
    loop {
        if progress.cancelled() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One request with its retries.
async fn fetch(
    client: &reqwest::Client,
    server: &Prometheus,
    query: &str,
    job: Job,
    step: i64,
    requests: &AtomicUsize,
    retries: &AtomicUsize,
) -> Result<Answer, String> {
    let url = format!("{}/api/v1/query_range", server.url);
    let form = [
        ("query", query.to_string()),
        ("start", job.from.to_string()),
        ("end", (job.to - step).max(job.from).to_string()),
        ("step", step.to_string()),
    ];
    let mut attempt = 0u32;
    loop {
        requests.fetch_add(1, Ordering::Relaxed);
        let failure = match once(client, &url, &form, server.timeout).await {
            Ok(a) => return Ok(a),
            Err(f) => f,
        };
        match failure {
            Failure::Fatal(msg) => return Err(msg),
            Failure::Retry(msg, after) => {
                if attempt >= server.retries {
                    let tries = attempt + 1;
                    return Err(format!("{msg} (gave up after {tries} attempt{})", if tries == 1 { "" } else { "s" }));
                }
                let wait = match after {
                    Some(d) if d > MAX_RETRY_AFTER => {
                        return Err(format!("{msg}; the server asks to wait {} s, longer than Flywheel waits", d.as_secs()))
                    }
                    Some(d) => d,
                    None => backoff(attempt),
                };
                attempt += 1;
                retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// Exponential backoff with jitter: about 0.25 s, 0.5 s, 1 s … (capped at 8 s), each between half and the
/// whole of that, so clients that failed together do not come back together.
fn backoff(attempt: u32) -> Duration {
    let full = (250u64 << attempt.min(5)).min(8_000);
    Duration::from_millis(rand::rng().random_range(full / 2..=full))
}

async fn once(client: &reqwest::Client, url: &str, form: &[(&str, String)], timeout: u64) -> Result<Answer, Failure> {
    let resp = client.post(url).form(form).send().await.map_err(|e| transport(&e, timeout))?;
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = resp.bytes().await.map_err(|e| transport(&e, timeout))?;
    if status.is_success() {
        return tokio::task::spawn_blocking(move || parse_answer(&body))
            .await
            .map_err(|e| Failure::Fatal(format!("reading the answer failed: {e}")))?
            .map_err(Failure::Fatal);
    }
    let text = serde_json::from_slice::<Envelope>(&body)
        .ok()
        .filter(|e| e.error.is_some())
        .map(|e| prom_error(&e))
        .unwrap_or_else(|| snippet(&body));
    let code = status.as_u16();
    Err(match code {
        429 => Failure::Retry(format!("the server is rate-limiting (HTTP 429): {text}"), retry_after),
        500..=599 => Failure::Retry(format!("the server failed (HTTP {code}): {text}"), retry_after),
        400 | 422 => Failure::Fatal(text),
        401 | 403 => Failure::Fatal(format!("the server refused access (HTTP {code}); check token_env: {text}")),
        404 => Failure::Fatal(format!("no Prometheus API at {url} (HTTP 404); the url should be the server's base address")),
        _ => Failure::Fatal(format!("HTTP {code}: {text}")),
    })
}

fn transport(e: &reqwest::Error, timeout: u64) -> Failure {
    if e.is_timeout() {
        // A query that took longer than the timeout would take as long again: not retried.
        return Failure::Fatal(format!("no answer within {timeout} s (the timeout); the query may be too heavy for the server"));
    }
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    Failure::Retry(format!("cannot reach the server: {msg}"), None)
}

/// This source's subfolder of a workspace's cache folder.
pub const CACHE_SUBFOLDER: &str = "prometheus";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_credentials_are_masked_and_long_bodies_cut() {
        let t = Some("s3cret-4711");
        let cases = [
            ("bad request: s3cret-4711", "bad request: [redacted]"),
            ("{\"headers\":{\"Authorization\":\"Bearer abc.def\"}}", "{\"headers\":{\"Authorization\":\"Bearer [redacted]\"}}"),
            ("you sent Authorization: Basic dXNlcjpwYXNz\nbye", "you sent Authorization: [redacted]\nbye"),
            ("Cookie: session=42, x", "Cookie: [redacted], x"),
            ("nothing secret here", "nothing secret here"),
        ];
        for (text, want) in cases {
            assert_eq!(redact(text, t), want, "{text}");
        }
        assert!(redact(&"x".repeat(1000), None).chars().count() <= 301);
    }

    #[test]
    fn redirects_never_downgrade_to_plain_http() {
        let u = |s: &str| reqwest::Url::parse(s).expect("url");
        let cases = [
            ("https://prom.example/a", "https://prom.example/b", true),
            ("http://prom.example/a", "https://prom.example/b", true),
            ("http://prom.example/a", "http://prom.example/b", true),
            ("https://prom.example:9090/a", "http://prom.example:9090/b", false),
            ("https://prom.example/a", "http://other.example/b", false),
        ];
        for (from, to, ok) in cases {
            assert_eq!(redirect_allowed(&u(from), &u(to)), ok, "{from} → {to}");
        }
    }

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
    fn missing_ranges_are_the_window_minus_what_is_cached() {
        type Case<'a> = ((i64, i64), &'a [(i64, i64)], &'a [(i64, i64)]);
        let cases: &[Case] = &[
            ((0, 100), &[], &[(0, 100)]),
            ((0, 100), &[(0, 100)], &[]),
            ((0, 100), &[(-50, 200)], &[]),
            ((0, 100), &[(0, 40)], &[(40, 100)]),
            ((0, 100), &[(60, 100)], &[(0, 60)]),
            ((0, 100), &[(20, 40), (60, 80)], &[(0, 20), (40, 60), (80, 100)]),
            ((0, 100), &[(60, 80), (20, 40)], &[(0, 20), (40, 60), (80, 100)]),
            ((0, 100), &[(20, 50), (40, 70)], &[(0, 20), (70, 100)]),
            ((0, 100), &[(200, 300)], &[(0, 100)]),
        ];
        for (w, cov, want) in cases {
            assert_eq!(missing(*w, cov), want.to_vec(), "{w:?} minus {cov:?}");
        }
        assert_eq!(union(vec![(5, 9), (0, 3), (3, 5), (20, 30), (25, 26)]), vec![(0, 9), (20, 30)]);
    }

    #[test]
    fn answers_parse_and_errors_keep_prometheus_text() {
        let ok = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"instance":"a"},"values":[[1700000000,"1.5"],[1700000300,"NaN"],[1700000600,"+Inf"]]}]}}"#;
        let a = parse_answer(ok).expect("parses");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].0.get("instance").map(String::as_str), Some("a"));
        assert_eq!(a[0].1.times, vec![1_700_000_000.0, 1_700_000_300.0, 1_700_000_600.0]);
        assert_eq!(a[0].1.values[0], 1.5);
        assert!(a[0].1.values[1].is_nan() && a[0].1.values[2].is_nan(), "NaN and ±Inf are missing values");

        let cases: &[(&[u8], &str)] = &[
            (
                br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected right parenthesis"}"#,
                "parse error: unexpected right parenthesis",
            ),
            (br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#, "returned a vector"),
            (b"<html>gateway</html>", "not Prometheus JSON"),
            (br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"abc"]]}]}}"#, "value `abc`"),
            (b"", "empty body"),
        ];
        for (body, want) in cases {
            let e = parse_answer(body).err().unwrap_or_default();
            assert!(e.contains(want), "{:?}: {e}", String::from_utf8_lossy(body));
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

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        for attempt in 0..8 {
            let full = (250u64 << attempt.min(5)).min(8_000);
            for _ in 0..50 {
                let d = backoff(attempt).as_millis() as u64;
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d} ms outside {}..={full}", full / 2);
            }
        }
    }
}
