//! Talking to a Prometheus-compatible server: the client (bearer token, no downgrading redirects), one
//! `query_range` request with timeout, retries with backoff and jitter (honouring `Retry-After`), the
//! answer's parsing, and masking whatever a server sends back of the token before it is shown or stored.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use rand::Rng;
use serde::Deserialize;

use super::{query_of, Answer, Job, MAX_RETRY_AFTER};
use crate::config::{Metric, Prometheus};
use crate::series::RawSeries;
use crate::source::{cancelled, file, LoadStats, Progress, Window};

#[derive(Deserialize)]
pub(super) struct Envelope {
    status: String,
    data: Option<Data>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<ResultSeries>,
}

#[derive(Deserialize)]
pub(super) struct ResultSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// Parse a `query_range` answer. Values are Prometheus's strings (`"NaN"`, `"+Inf"` become missing later).
pub(super) fn parse_answer(body: &[u8]) -> Result<Answer, String> {
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

pub(super) fn prom_error(env: &Envelope) -> String {
    let kind = env.error_type.as_deref().unwrap_or("error");
    format!("Prometheus says ({kind}): {}", env.error.as_deref().unwrap_or("no error text"))
}

pub(super) fn snippet(body: &[u8]) -> String {
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

/// Why a request failed, and whether trying again may help.
pub(super) enum Failure {
    Retry(String, Option<Duration>),
    Fatal(String),
}

/// What talking to one server takes: its token (from the environment), an HTTP client that sends it, and
/// a runtime to run the requests on.
pub(super) struct Connection {
    token: Option<String>,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Connection {
    pub(super) fn open(server: &Prometheus) -> Result<Connection, String> {
        let token = match &server.token_env {
            None => None,
            Some(var) => match std::env::var(var) {
                Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
                _ => return Err(format!("the environment variable `{var}` (token_env) holds no token")),
            },
        };
        let client = client(server, token.as_deref())?;
        let runtime = crate::source::runtime()?;
        Ok(Connection { token, client, runtime })
    }

    /// Run every job, `server.concurrency` at a time, reporting progress; None when cancelled. What comes
    /// back is shown and cached only with the token (and any echoed credentials) masked.
    pub(super) fn fetch_all(
        &self,
        server: &Prometheus,
        metrics: &[&Metric],
        jobs: &[Job],
        w: Window,
        progress: &dyn Progress,
        stats: &mut LoadStats,
    ) -> Option<Vec<(Job, Result<Answer, String>)>> {
        let total = jobs.len();
        progress.update("pull", 0, total);
        let done = AtomicUsize::new(0);
        let requests = AtomicUsize::new(0);
        let retries = AtomicUsize::new(0);
        let work = stream::iter(jobs.iter().copied())
            .map(|job| {
                let client = &self.client;
                let (query, _) = query_of(metrics[job.metric]);
                let (requests, retries, done) = (&requests, &retries, &done);
                let secret = self.token.as_deref();
                async move {
                    let r = fetch(client, server, query, job, w.step, requests, retries).await.map_err(|e| redact(&e, secret));
                    progress.update("pull", done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    (job, r)
                }
            })
            .buffer_unordered(server.concurrency.max(1))
            .collect::<Vec<_>>();
        let answers = self.runtime.block_on(async {
            tokio::select! {
                r = work => Some(r),
                _ = cancelled(progress) => None,
            }
        });
        stats.requests = requests.load(Ordering::Relaxed);
        stats.retries = retries.load(Ordering::Relaxed);
        answers
    }
}

pub(super) fn client(server: &Prometheus, token: Option<&str>) -> Result<reqwest::Client, String> {
    crate::net::client(&server.url, Duration::from_secs(server.timeout.max(1)), token)
}

pub use crate::net::{redact, redirect_allowed};

/// One request with its retries.
pub(super) async fn fetch(
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
pub(super) fn backoff(attempt: u32) -> Duration {
    let full = (250u64 << attempt.min(5)).min(8_000);
    Duration::from_millis(rand::rng().random_range(full / 2..=full))
}

pub(super) async fn once(client: &reqwest::Client, url: &str, form: &[(&str, String)], timeout: u64) -> Result<Answer, Failure> {
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

pub(super) fn transport(e: &reqwest::Error, timeout: u64) -> Failure {
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
