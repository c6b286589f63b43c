//! The Prometheus source against a real Prometheus server (Debian's `prometheus`, backfilled with
//! `promtool` from the sample workspace, on 127.0.0.1) and against a scripted local HTTP server for the
//! faults a real one rarely shows on cue. Loopback only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flywheel::analysis::Params;
use flywheel::config::{Metric, Prometheus, Source, Workspace, Worse};
use flywheel::finding::Finding;
use flywheel::review::{stream, RangeSpec, Review, ReviewError, StreamOptions};
use flywheel::source::prometheus::pull;
use flywheel::source::{Instances, Progress, Quiet, SourceError};
use flywheel::source::{LoadOptions, LoadStats, Window};
use flywheel_dev::openmetrics;

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("prometheus").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A Prometheus server of the test's own, stopped when dropped.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Backfill `om` into a fresh TSDB and serve it on a free loopback port. The lookback is below the
    /// 5-minute step because the backfilled samples sit exactly on the grid: each grid point then reads its
    /// own sample, and a gap stays a gap (Prometheus 2.x would otherwise carry the sample before a gap
    /// one step into it).
    fn start(om: &Path, dir: &Path, port: u16) -> Server {
        let data = dir.join("tsdb");
        let out = Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=1000h"])
            .arg(om)
            .arg(&data)
            .output()
            .expect("promtool runs (scripts/test installs the Debian package prometheus)");
        assert!(out.status.success(), "promtool: {}", String::from_utf8_lossy(&out.stderr));
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1h\nscrape_configs: []\n").expect("config");
        let log = std::fs::File::create(dir.join("prometheus.log")).expect("log");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--query.lookback-delta=1m")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        let s = Server { child };
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = c.write_all(b"GET /-/ready HTTP/1.0\r\n\r\n");
                let mut r = String::new();
                let _ = c.read_to_string(&mut r);
                if r.starts_with("HTTP/1.0 200") || r.starts_with("HTTP/1.1 200") {
                    return s;
                }
            }
            assert!(Instant::now() < until, "prometheus did not get ready in 60 s; see {}", dir.join("prometheus.log").display());
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn week(ws: &Workspace) -> RangeSpec {
    RangeSpec::WeekOf(flywheel::time::parse_user_time(flywheel::sample::REVIEW_WEEK, &ws.tz).expect("week"))
}

fn review(ws: &Workspace, cache: Option<PathBuf>, progress: &dyn Progress) -> Result<Review, ReviewError> {
    let params = Params { sensitivity: ws.sensitivity };
    Review::run_with(ws.clone(), week(ws), params, &LoadOptions { cache, refresh: false }, progress)
}

/// What two reviews must agree on: kind, metric, instance and when.
fn key(f: &Finding) -> String {
    format!("{:?} {} {:?} {}–{}", f.kind, f.metric, f.instance, f.start, f.end)
}

fn keys(r: &Review) -> Vec<String> {
    let mut k: Vec<String> = r.findings.iter().map(key).collect();
    k.sort();
    k
}

/// Kills the server once `after` requests have been answered.
struct KillAfter {
    after: usize,
    server: Mutex<Option<Server>>,
}

impl Progress for KillAfter {
    fn update(&self, stage: &str, done: usize, _: usize) {
        if stage == "pull" && done >= self.after {
            if let Ok(mut s) = self.server.lock() {
                s.take();
            }
        }
    }
}

#[test]
fn a_review_pulled_from_a_real_prometheus_matches_the_review_of_the_files() {
    let dir = tmp("real");
    let sample = Workspace::open(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")).expect("sample");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let ws_dir = dir.join("workspace");
    let c = openmetrics::convert(&sample, &ws_dir, &url).expect("convert");
    assert!(c.samples > 500_000, "{c:?}");
    let server = Server::start(&ws_dir.join("metrics.om"), &dir, port);
    let prom_ws = Workspace::open(&ws_dir).expect("converted workspace");
    assert!(prom_ws.metrics.iter().all(|m| matches!(m.source, Source::Prometheus { .. })));

    // Same findings from the server as from the files.
    let files = review(&sample, None, &Quiet).expect("file review");
    let cache = dir.join("cache");
    let t = Instant::now();
    let pulled = review(&prom_ws, Some(cache.clone()), &Quiet).expect("pulled review");
    let took = t.elapsed();
    assert_eq!(keys(&pulled), keys(&files), "the pulled review differs from the file review");
    assert!(files.findings.len() >= 10, "the sample has its situations");
    let p = pulled.pull;
    let metrics = prom_ws.metrics.len();
    assert!(p.requests >= 2 * metrics, "6 weeks at 5 min (12,096 points) need two requests per metric: {p:?}");
    assert_eq!(p.retries, 0);
    eprintln!("pulled {metrics} metrics: {} requests, {} samples in {:.2} s", p.requests, p.samples, took.as_secs_f64());
    // The series the exporter no longer writes is a source error naming the query, as with the file.
    let missing = pulled.errors.iter().find(|(m, _)| m.id == "payments.billing.export_lag").expect("source error");
    assert!(missing.1.message.contains("returned no data"), "{}", missing.1);

    // Pulled five metrics at a time, each chunk fitted while the next is pulled: the same review.
    let opts = StreamOptions { pull_chunk: 5, ..StreamOptions::default() };
    let params = Params { sensitivity: prom_ws.sensitivity };
    let chunked = stream::run(prom_ws.clone(), week(&prom_ws), params, &LoadOptions::default(), &Quiet, &opts).expect("review in chunks");
    assert_eq!(keys(&chunked), keys(&files), "pulled in chunks");
    assert_eq!((chunked.pull.requests, chunked.errors.len()), (p.requests, pulled.errors.len()));

    // Reopening reads the cache: no request at all.
    let again = review(&prom_ws, Some(cache.clone()), &Quiet).expect("cached review");
    assert_eq!(again.pull.requests, 0, "{:?}", again.pull);
    assert_eq!(again.pull.cached, metrics);
    assert_eq!(keys(&again), keys(&files));

    // A bad PromQL shows Prometheus's own error text; the good metric beside it is reviewed.
    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).expect("dir");
    let toml = std::fs::read_to_string(ws_dir.join("flywheel.toml")).expect("toml").replacen(
        &openmetrics::query_for("payments.api.p99"),
        "rate(flywheel_series[5m]",
        1,
    );
    std::fs::write(bad.join("flywheel.toml"), toml).expect("write");
    let r = review(&Workspace::open(&bad).expect("bad ws"), None, &Quiet).expect("review with one bad query");
    let e = r.errors.iter().find(|(m, _)| m.id == "payments.api.p99").map(|(_, e)| e.message.clone()).expect("bad query error");
    assert!(e.contains("parse error"), "Prometheus's text: {e}");
    assert!(r.series.len() >= metrics - 2, "the other metrics are reviewed");

    imported_dashboard_reviews_like_the_sample(&sample, &prom_ws, &files, &url, &dir);

    // Prometheus stopped in the middle of a pull: metrics pulled before are fine, the rest are clear
    // per-metric errors, and the review completes (no panic, no hang).
    let kill = KillAfter { after: 10, server: Mutex::new(Some(server)) };
    let mut slow_ws = prom_ws.clone();
    if let Some(p) = slow_ws.prometheus.as_mut() {
        p.concurrency = 1;
        p.retries = 1;
    }
    let t = Instant::now();
    let r = review(&slow_ws, None, &kill).expect("a review with what was pulled");
    assert!(t.elapsed() < Duration::from_secs(60), "no hang: {:?}", t.elapsed());
    assert!(kill.server.lock().map(|s| s.is_none()).unwrap_or(false), "the server was stopped mid-pull");
    let unreachable = r.errors.iter().filter(|(_, e)| e.message.contains("cannot reach the server")).count();
    assert!(unreachable >= metrics / 2, "metrics after the stop name the unreachable server: {unreachable}");
    assert!(!r.series.is_empty(), "metrics pulled before the stop are reviewed");

    // With the server gone, the cached workspace still reviews (offline), the same as before.
    let offline = review(&prom_ws, Some(cache), &Quiet).expect("offline review");
    assert_eq!(offline.pull.requests, 0);
    assert_eq!(keys(&offline), keys(&files));
}

/// The sample's metrics that have lines, as the Grafana dashboard a team would keep for them (a stat
/// panel per metric, its thresholds the lines, the data source an export input), imported and reviewed
/// against the real server: the same findings as the file review of those metrics.
fn imported_dashboard_reviews_like_the_sample(sample: &Workspace, prom_ws: &Workspace, files: &Review, url: &str, dir: &Path) {
    use flywheel::config::MofN;
    use flywheel::import::grafana;
    use serde_json::json;
    let chosen: Vec<&Metric> = sample
        .metrics
        .iter()
        .filter(|m| m.alarm.is_some() && m.sensitivity == 1.0)
        .filter(|m| m.alarm_datapoints == MofN::default() && m.investigation_datapoints == MofN::default())
        .filter(|m| prom_ws.metrics.iter().any(|p| p.id == m.id))
        .collect();
    assert!(chosen.len() >= 5, "enough of the sample's metrics have lines: {}", chosen.len());
    let step = |color: &str, value: Option<f64>| json!({"color": color, "value": value});
    let panels: Vec<serde_json::Value> = chosen
        .iter()
        .map(|m| {
            let steps = match m.worse {
                Worse::Higher => vec![step("green", None), step("orange", m.investigation), step("red", m.alarm)],
                Worse::Lower => vec![step("red", None), step("orange", m.alarm), step("green", m.investigation)],
            };
            // The base step (first) has no value; a line the metric lacks is no step.
            let steps: Vec<_> = steps.into_iter().enumerate().filter(|(k, s)| *k == 0 || !s["value"].is_null()).map(|(_, s)| s).collect();
            json!({"type": "stat", "title": m.id, "datasource": "${DS_PROMETHEUS}",
                   "fieldConfig": {"defaults": {"unit": "none", "thresholds": {"mode": "absolute", "steps": steps}}},
                   "targets": [{"refId": "A", "expr": openmetrics::query_for(&m.id), "legendFormat": "{{instance}}"}]})
        })
        .collect();
    let d = json!({"title": "Sample shop", "timezone": sample.tz.name(), "__inputs": [{"name": "DS_PROMETHEUS", "pluginId": "prometheus"}], "panels": panels});
    let src = grafana::Source::from_json("sample-shop.json", d.to_string().as_bytes()).expect("a dashboard");
    let i = grafana::import(&[src], &grafana::Options { prometheus: Some(url.to_string()), ..Default::default() });
    assert_eq!(i.metrics.len(), chosen.len(), "every panel imported: {:?}", i.skipped);
    let out = dir.join("imported");
    grafana::write::write(&i, &out, true).expect("written");
    let ws = Workspace::open(&out).expect("the imported workspace validates");
    for (m, orig) in ws.metrics.iter().zip(&chosen) {
        assert_eq!((m.worse, m.alarm, m.investigation), (orig.worse, orig.alarm, orig.investigation), "{}", orig.id);
        assert!(matches!(&m.source, Source::Prometheus { instance: Some(l), .. } if l == "instance"), "the legend names the instances");
    }
    let pulled = review(&ws, None, &Quiet).expect("the imported workspace reviews against the server");
    // The same findings, named by the original ids (the imported ids come from panel titles).
    let original = |id: &str| i.metrics.iter().find(|m| m.id == id).map(|m| m.panel.clone()).unwrap_or_default();
    let mut got: Vec<String> =
        pulled.findings.iter().map(|f| format!("{:?} {} {}–{}", f.kind, original(&f.metric), f.start, f.end)).collect();
    let mut want: Vec<String> = files
        .findings
        .iter()
        .filter(|f| chosen.iter().any(|m| m.id == f.metric))
        .map(|f| format!("{:?} {} {}–{}", f.kind, f.metric, f.start, f.end))
        .collect();
    got.sort();
    want.sort();
    assert!(!want.is_empty(), "the chosen metrics have findings in the sample");
    assert_eq!(got, want, "the imported dashboard's review differs from the sample's");
    eprintln!("imported dashboard: {} metrics, {} findings, the same as the file review", ws.metrics.len(), got.len());
}

// ---------- faults, from a scripted local server ----------

#[derive(Clone)]
enum Reply {
    /// Status, extra headers, body.
    Http(u16, &'static str, String),
    /// Wait, then answer with a good body.
    Slow(Duration),
    /// Read the request, answer nothing, close.
    Close,
}

struct Fake {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

const START: i64 = 1_790_000_100;
const STEP: i64 = 300;
const POINTS: i64 = 12;

fn good_body() -> String {
    let values: Vec<String> = (0..POINTS).map(|i| format!("[{},\"{}\"]", START + i * STEP, 10 + i)).collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"job":"api"}},"values":[{}]}}]}}}}"#,
        values.join(",")
    )
}

/// Answers the n-th request with `script[n]` (the last entry repeats), one request per connection.
fn fake(script: Vec<Reply>) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let reply = script.get(n).or(script.last()).cloned().unwrap_or(Reply::Close);
            let log = log.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut head = String::new();
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0u8; len];
                let _ = reader.read_exact(&mut body);
                head.push_str(&String::from_utf8_lossy(&body));
                if let Ok(mut l) = log.lock() {
                    l.push(head);
                }
                let (status, headers, body) = match reply {
                    Reply::Close => return,
                    Reply::Slow(d) => {
                        std::thread::sleep(d);
                        (200, "", good_body())
                    }
                    Reply::Http(s, h, b) => (s, h, b),
                };
                let msg = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(msg.as_bytes());
            });
        }
    });
    Fake { url, requests }
}

fn metric(query: &str) -> Metric {
    let mut m = Metric::new("api.latency", "Team", "api", Worse::Higher, Path::new("x"), "");
    m.source = Source::Prometheus { query: query.into(), instance: None };
    m
}

fn pull_one(server: &Prometheus, progress: &dyn Progress) -> (Result<Instances, SourceError>, LoadStats, Duration) {
    let m = metric("api_latency_seconds{job=\"api\"}");
    let t = Instant::now();
    let (mut r, stats) =
        pull(server, &[&m], Window { start: START, end: START + POINTS * STEP, step: STEP }, &LoadOptions::default(), progress);
    (r.remove(0), stats, t.elapsed())
}

fn server(url: &str, timeout: u64, retries: u32) -> Prometheus {
    Prometheus { timeout, retries, ..Prometheus::new(url) }
}

#[test]
fn server_errors_are_retried_with_backoff_until_an_answer_comes() {
    let f = fake(vec![Reply::Http(500, "", "oops".into()), Reply::Http(503, "", "busy".into()), Reply::Http(200, "", good_body())]);
    let (r, stats, _) = pull_one(&server(&f.url, 5, 3), &Quiet);
    let inst = r.expect("the third attempt succeeds");
    assert_eq!(inst.len(), 1);
    assert_eq!(inst[0].1.values.len(), POINTS as usize);
    assert_eq!((stats.requests, stats.retries), (3, 2));
    let reqs = f.requests.lock().expect("log");
    assert!(reqs[0].contains("POST /api/v1/query_range"), "{}", reqs[0]);
    assert!(reqs[0].contains(&format!("start={START}")) && reqs[0].contains("step=300"), "{}", reqs[0]);
}

#[test]
fn retries_give_up_with_the_servers_words() {
    let f = fake(vec![Reply::Http(502, "", "bad gateway from the proxy".into())]);
    let (r, stats, _) = pull_one(&server(&f.url, 5, 2), &Quiet);
    let e = r.expect_err("fails after the retries");
    assert!(e.message.contains("HTTP 502") && e.message.contains("bad gateway from the proxy") && e.message.contains("3 attempts"), "{e}");
    assert_eq!(stats.requests, 3);
    assert!(e.to_string().contains(&f.url), "the error names the server: {e}");
}

#[test]
fn rate_limiting_waits_as_long_as_retry_after_says() {
    let f = fake(vec![Reply::Http(429, "Retry-After: 1\r\n", "slow down".into()), Reply::Http(200, "", good_body())]);
    let (r, stats, took) = pull_one(&server(&f.url, 5, 3), &Quiet);
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(stats.retries, 1);
    assert!(took >= Duration::from_secs(1), "waited for Retry-After: {took:?}");
}

#[test]
fn a_response_slower_than_the_timeout_is_a_clear_error_not_a_hang() {
    let f = fake(vec![Reply::Slow(Duration::from_secs(4))]);
    let (r, stats, took) = pull_one(&server(&f.url, 1, 3), &Quiet);
    let e = r.expect_err("times out");
    assert!(e.message.contains("no answer within 1 s"), "{e}");
    assert_eq!(stats.requests, 1, "a timed-out query is not sent again");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn malformed_answers_and_bad_queries_are_not_retried() {
    type Case = (Reply, &'static str);
    let cases: Vec<Case> = vec![
        (Reply::Http(200, "", "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[".into()), "not Prometheus JSON"),
        (Reply::Http(200, "", "<html>login</html>".into()), "<html>login</html>"),
        (
            Reply::Http(
                400,
                "",
                r#"{"status":"error","errorType":"bad_data","error":"1:14: parse error: unclosed left parenthesis"}"#.into(),
            ),
            "bad_data): 1:14: parse error: unclosed left parenthesis",
        ),
        (Reply::Http(401, "", "unauthorized".into()), "refused access (HTTP 401)"),
        (Reply::Http(404, "", "not found".into()), "HTTP 404"),
    ];
    for (reply, want) in cases {
        let f = fake(vec![reply]);
        let (r, stats, _) = pull_one(&server(&f.url, 5, 3), &Quiet);
        let e = r.expect_err(want);
        assert!(e.message.contains(want), "want {want:?} in: {e}");
        assert_eq!(stats.requests, 1, "{want}: not retried");
    }
}

#[test]
fn a_server_that_closes_the_connection_is_retried_then_named() {
    let f = fake(vec![Reply::Close]);
    let (r, stats, _) = pull_one(&server(&f.url, 5, 2), &Quiet);
    let e = r.expect_err("no answer");
    assert!(e.message.contains("cannot reach the server"), "{e}");
    assert_eq!((stats.requests, stats.retries), (3, 2));
}

#[test]
fn the_bearer_token_is_sent_and_never_shown() {
    let secret = "s3cret-token-4711";
    std::env::set_var("FLYWHEEL_TEST_PROM_TOKEN", secret);
    let f = fake(vec![Reply::Http(500, "", "down".into())]);
    let s = Prometheus { token_env: Some("FLYWHEEL_TEST_PROM_TOKEN".into()), ..server(&f.url, 5, 0) };
    let (r, _, _) = pull_one(&s, &Quiet);
    let e = r.expect_err("the server fails");
    let head = f.requests.lock().expect("log")[0].to_ascii_lowercase();
    assert!(head.contains(&format!("authorization: bearer {secret}")), "{head}");
    assert!(!e.to_string().contains(secret) && !format!("{e:?}").contains(secret), "the token leaks into the error: {e}");

    // A server that echoes the request's headers in its errors: nothing of the token comes through.
    for (status, body) in [
        (500, format!("upstream failed; you sent Authorization: Bearer {secret}")),
        (401, format!(r#"{{"status":"error","errorType":"auth","error":"bad token {secret}"}}"#)),
        (400, format!(r#"{{"status":"error","errorType":"bad_data","error":"headers: {{\"Authorization\":\"Bearer {secret}\"}}"}}"#)),
    ] {
        let f = fake(vec![Reply::Http(status, "", body)]);
        let s = Prometheus { token_env: Some("FLYWHEEL_TEST_PROM_TOKEN".into()), ..server(&f.url, 5, 0) };
        let e = pull_one(&s, &Quiet).0.expect_err("the server fails");
        assert!(!e.to_string().contains(secret) && !format!("{e:?}").contains(secret), "HTTP {status}: the token leaks: {e}");
        assert!(e.to_string().contains(&format!("{status}")) || status == 400, "{e}");
    }

    let missing = Prometheus { token_env: Some("FLYWHEEL_TEST_NO_SUCH_TOKEN".into()), ..server(&f.url, 5, 0) };
    let (r, stats, _) = pull_one(&missing, &Quiet);
    assert!(r.expect_err("no token").message.contains("FLYWHEEL_TEST_NO_SUCH_TOKEN"));
    assert_eq!(stats.requests, 0, "nothing is sent without the token");
}

struct CancelAfterStart(AtomicBool, AtomicUsize);
impl Progress for CancelAfterStart {
    fn update(&self, _: &str, _: usize, _: usize) {
        self.1.fetch_add(1, Ordering::Relaxed);
        self.0.store(true, Ordering::Relaxed);
    }
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

#[test]
fn cancelling_stops_a_pull_at_once() {
    let f = fake(vec![Reply::Slow(Duration::from_secs(5))]);
    let p = CancelAfterStart(AtomicBool::new(false), AtomicUsize::new(0));
    let (r, _, took) = pull_one(&server(&f.url, 30, 3), &p);
    assert!(r.expect_err("cancelled").message.contains("cancelled"));
    assert!(took < Duration::from_secs(2), "{took:?}");
}
