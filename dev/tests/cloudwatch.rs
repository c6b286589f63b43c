//! The CloudWatch source and importer against a local AWS-compatible server: `moto` in server mode on
//! 127.0.0.1 (installed by scripts/test into the project's `.venv-moto`), seeded with PutMetricData,
//! PutDashboard and PutMetricAlarm through the SDK. Dummy credentials only; loopback only.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flywheel::analysis::Params;
use flywheel::config::Workspace;
use flywheel::finding::Finding;
use flywheel::review::{stream, RangeSpec, Review, StreamOptions};
use flywheel::source::cloudwatch::sdk;
use flywheel::source::{LoadOptions, Quiet};

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cloudwatch").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

use flywheel_dev::cwmock::offline_credentials;

/// A moto server of the test's own, stopped when dropped.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where scripts/test installs moto (or `FLYWHEEL_MOTO_SERVER`).
fn moto_server() -> PathBuf {
    if let Some(p) = std::env::var_os("FLYWHEEL_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-moto/bin/moto_server")
}

impl Moto {
    pub fn start(dir: &Path) -> Moto {
        let exe = moto_server();
        assert!(exe.exists(), "{} is missing: scripts/test installs moto[server] into .venv-moto", exe.display());
        let port = free_port();
        let log = std::fs::File::create(dir.join("moto.log")).expect("log");
        let child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("moto_server starts");
        let m = Moto { child, url: format!("http://127.0.0.1:{port}") };
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = c.write_all(b"GET /moto-api/ HTTP/1.0\r\n\r\n");
                let mut r = String::new();
                let _ = c.read_to_string(&mut r);
                if r.starts_with("HTTP/1.") {
                    return m;
                }
            }
            assert!(Instant::now() < until, "moto did not start in 60 s; see {}", dir.join("moto.log").display());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn conf(&self) -> flywheel::config::cloudwatch::CloudWatch {
        flywheel::config::cloudwatch::CloudWatch {
            region: Some("us-east-1".into()),
            endpoint: Some(self.url.clone()),
            ..Default::default()
        }
    }
}

/// The sample's single-series metrics chosen for the test, as hourly means (moto computes a period by
/// scanning every stored point, so 5-minute data for six weeks would take it hours).
struct Hourly {
    metric: flywheel::config::Metric,
    points: Vec<(i64, f64)>,
}

const PICK: &[&str] = &[
    "payments.api.p99",
    "checkout.web.requests",
    "platform.postgres.cpu",
    "identity.auth.p99",
    "fulfilment.inventory.errors",
    "identity.canary.success",
];

fn hourly_sample() -> (Workspace, Vec<Hourly>) {
    let sample = Workspace::open(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")).expect("sample");
    let loaded = flywheel::source::load(&sample, &Quiet);
    let mut out = Vec::new();
    for md in loaded.metrics {
        if !PICK.contains(&md.metric.id.as_str()) {
            continue;
        }
        let inst = md.result.expect("sample metric loads");
        assert_eq!(inst.len(), 1, "{}: one series", md.metric.id);
        let mut buckets: std::collections::BTreeMap<i64, (f64, usize)> = Default::default();
        for (t, v) in inst[0].1.times.iter().zip(&inst[0].1.values) {
            if v.is_finite() {
                let b = buckets.entry((*t as i64).div_euclid(3600) * 3600).or_default();
                b.0 += v;
                b.1 += 1;
            }
        }
        let points = buckets.into_iter().map(|(t, (s, n))| (t, s / n as f64)).collect();
        out.push(Hourly { metric: md.metric, points });
    }
    assert_eq!(out.len(), PICK.len(), "every picked metric is in the sample: {PICK:?}");
    (sample, out)
}

/// The workspace file: the sample's teams and services, the picked metrics with their lines, each from
/// `source` (the metric → its source table).
fn workspace_toml(sample: &Workspace, metrics: &[Hourly], extra: &str, source: impl Fn(&flywheel::config::Metric) -> String) -> String {
    let mut s =
        format!("[workspace]\nname = \"Sample hourly\"\ntimezone = \"{}\"\nstep = \"1h\"\nhistory_weeks = 5\n{extra}\n", sample.tz.name());
    for t in &sample.teams {
        s += &format!("[[team]]\nname = \"{}\"\n\n", t.name);
    }
    for v in &sample.services {
        s += &format!("[[service]]\nname = \"{}\"\nteam = \"{}\"\n\n", v.name, v.team);
    }
    for h in metrics {
        let m = &h.metric;
        s += &format!(
            "[[metric]]\nid = \"{}\"\nservice = \"{}\"\nunit = \"{}\"\nworse = \"{}\"\n",
            m.id,
            m.service,
            m.unit,
            if m.worse == flywheel::config::Worse::Lower { "lower" } else { "higher" }
        );
        if let Some(a) = m.alarm {
            s += &format!("alarm = {a:?}\n");
        }
        if let Some(i) = m.investigation {
            s += &format!("investigation = {i:?}\n");
        }
        s += &format!("source = {}\n\n", source(m));
    }
    s
}

fn review(ws: &Workspace, cache: Option<PathBuf>) -> Review {
    let week = RangeSpec::WeekOf(flywheel::time::parse_user_time(flywheel::sample::REVIEW_WEEK, &ws.tz).expect("week"));
    Review::run_with(ws.clone(), week, Params { sensitivity: ws.sensitivity }, &LoadOptions { cache, refresh: false }, &Quiet)
        .expect("review")
}

fn keys(r: &Review) -> Vec<String> {
    let key = |f: &Finding| format!("{:?} {} {:?} {}–{}", f.kind, f.metric, f.instance, f.start, f.end);
    let mut k: Vec<String> = r.findings.iter().map(key).collect();
    k.sort();
    k
}

/// PutMetricData of every point (1,000 datapoints a request), namespace `Flywheel/Sample`, the metric's
/// service as its dimension.
fn seed(moto: &Moto, metrics: &[Hourly]) {
    use sdk::types::{Dimension, MetricDatum};
    let (rt, client) = flywheel::source::cloudwatch::client::connect(&moto.conf()).expect("client");
    rt.block_on(async {
        for h in metrics {
            for chunk in h.points.chunks(1000) {
                let data: Vec<MetricDatum> = chunk
                    .iter()
                    .map(|(t, v)| {
                        MetricDatum::builder()
                            .metric_name(&h.metric.id)
                            .dimensions(Dimension::builder().name("Service").value(&h.metric.service).build())
                            .timestamp(sdk::primitives::DateTime::from_secs(*t))
                            .value(*v)
                            .build()
                    })
                    .collect();
                client.put_metric_data().namespace("Flywheel/Sample").set_metric_data(Some(data)).send().await.expect("PutMetricData");
            }
        }
    });
}

#[test]
fn a_review_pulled_from_cloudwatch_matches_the_review_of_the_files() {
    offline_credentials();
    let dir = tmp("review");
    let moto = Moto::start(&dir);
    let (sample, metrics) = hourly_sample();
    seed(&moto, &metrics);

    // The same hourly data as a file workspace…
    let files_dir = dir.join("files");
    std::fs::create_dir_all(&files_dir).expect("dir");
    let mut rows = flywheel::source::file::LongRows::default();
    for h in &metrics {
        for (t, v) in &h.points {
            rows.push(*t, &h.metric.id, None, *v);
        }
    }
    flywheel::source::file::write_long_parquet(&files_dir.join("metrics.parquet"), rows).expect("parquet");
    std::fs::write(files_dir.join("flywheel.toml"), workspace_toml(&sample, &metrics, "", |_| "{ file = \"metrics.parquet\" }".into()))
        .expect("toml");
    // …and pulled from CloudWatch, with one metric that does not exist.
    let cw_dir = dir.join("cw");
    std::fs::create_dir_all(&cw_dir).expect("dir");
    let table = format!("\n[cloudwatch]\nregion = \"us-east-1\"\nendpoint = \"{}\"\n", moto.url);
    let mut text = workspace_toml(&sample, &metrics, &table, |m| {
        format!(
            "{{ cloudwatch = {{ namespace = \"Flywheel/Sample\", metric = \"{}\", dimensions = {{ Service = \"{}\" }}, stat = \"Average\" }} }}",
            m.id, m.service
        )
    });
    text += "[[metric]]\nid = \"ghost\"\nservice = \"checkout-api\"\nworse = \"higher\"\nsource = { cloudwatch = { namespace = \"Flywheel/Sample\", metric = \"NoSuchMetric\" } }\n";
    std::fs::write(cw_dir.join("flywheel.toml"), text).expect("toml");

    let files = review(&Workspace::open(&files_dir).expect("file workspace"), None);
    let cw_ws = Workspace::open(&cw_dir).expect("cloudwatch workspace");
    let cache = dir.join("cache");
    let pulled = review(&cw_ws, Some(cache.clone()));
    let want = keys(&files);
    assert!(want.len() >= 3, "the hourly sample still has findings: {want:?}");
    let got: Vec<String> = keys(&pulled).into_iter().filter(|k| !k.contains("ghost")).collect();
    assert_eq!(got, want, "the same findings from CloudWatch as from the files");
    assert_eq!(pulled.pull.requests, 1, "the metrics and the missing one in one request of one page");
    let ghost = pulled.errors.iter().find(|(m, _)| m.id == "ghost").expect("the missing metric is its own error");
    assert!(ghost.1.message.contains("no data"), "{}", ghost.1);
    assert!(ghost.1.series.as_deref().is_some_and(|s| s.contains("NoSuchMetric")), "{:?}", ghost.1);

    // Pulled four metrics at a time, each chunk fitted while the next is pulled: the same review, one
    // request per chunk.
    let week = RangeSpec::WeekOf(flywheel::time::parse_user_time(flywheel::sample::REVIEW_WEEK, &cw_ws.tz).expect("week"));
    let opts = StreamOptions { pull_chunk: 4, ..StreamOptions::default() };
    let chunked = stream::run(cw_ws.clone(), week, Params { sensitivity: cw_ws.sensitivity }, &LoadOptions::default(), &Quiet, &opts)
        .expect("review in chunks");
    assert_eq!(keys(&chunked), keys(&pulled), "pulled in chunks");
    assert_eq!(chunked.errors.len(), pulled.errors.len());
    assert_eq!(chunked.pull.requests, (metrics.len() + 1).div_ceil(4), "{:?}", chunked.pull);

    // Reopened: everything comes from the cache, without a request.
    let again = review(&cw_ws, Some(cache));
    assert_eq!(keys(&again).into_iter().filter(|k| !k.contains("ghost")).collect::<Vec<_>>(), want);
    assert_eq!((again.pull.cached, again.pull.requests), (metrics.len() + 1, 0), "{:?}", again.pull);
}

#[test]
fn a_dashboard_imported_from_cloudwatch_reviews_its_metrics_with_the_alarms_lines() {
    use flywheel::import::cloudwatch;
    offline_credentials();
    let dir = tmp("import");
    let moto = Moto::start(&dir);
    let (_, metrics) = hourly_sample();
    let metrics: Vec<Hourly> =
        metrics.into_iter().filter(|h| ["payments.api.p99", "checkout.web.requests"].contains(&h.metric.id.as_str())).collect();
    seed(&moto, &metrics);
    let dim = |id: &str| metrics.iter().find(|h| h.metric.id == id).map(|h| h.metric.service.clone()).expect("metric");
    let body = serde_json::json!({"widgets": [
        {"type": "text", "x": 0, "y": 0, "properties": {"markdown": "# Payments API"}},
        {"type": "metric", "x": 0, "y": 1, "properties": {"title": "p99 latency", "region": "us-east-1", "stat": "Average", "period": 3600,
            "metrics": [["Flywheel/Sample", "payments.api.p99", "Service", dim("payments.api.p99")]],
            "annotations": {"horizontal": [{"label": "Investigate", "value": 450}],
                            "alarms": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:payments-p99-high"]}}},
        {"type": "text", "x": 0, "y": 7, "properties": {"markdown": "# Checkout web"}},
        {"type": "metric", "x": 0, "y": 8, "properties": {"title": "Page requests", "region": "us-east-1", "stat": "Average", "period": 3600,
            "metrics": [["Flywheel/Sample", "checkout.web.requests", "Service", dim("checkout.web.requests"), {"id": "m1"}],
                        [{"expression": "m1 * 1", "label": "requests", "id": "e1", "visible": false}]],
            "annotations": {"horizontal": [{"label": "Alarm", "value": 20, "fill": "below"}]}}},
        {"type": "log", "x": 0, "y": 14, "properties": {"title": "Errors", "query": "fields @message"}}
    ]});
    let (rt, client) = flywheel::source::cloudwatch::client::connect(&moto.conf()).expect("client");
    rt.block_on(async {
        client.put_dashboard().dashboard_name("shop-ops").dashboard_body(body.to_string()).send().await.expect("PutDashboard");
        client
            .put_metric_alarm()
            .alarm_name("payments-p99-high")
            .namespace("Flywheel/Sample")
            .metric_name("payments.api.p99")
            .dimensions(sdk::types::Dimension::builder().name("Service").value(dim("payments.api.p99")).build())
            .statistic(sdk::types::Statistic::Average)
            .period(3600)
            .evaluation_periods(3)
            .datapoints_to_alarm(2)
            .threshold(600.0)
            .comparison_operator(sdk::types::ComparisonOperator::GreaterThanThreshold)
            .send()
            .await
            .expect("PutMetricAlarm");
    });

    let conf = cloudwatch::api::conf(Some("us-east-1"), None, Some(&moto.url));
    let (dashboards, alarms) = cloudwatch::api::read_sources(&["shop-ops".to_string()], &conf).expect("read from CloudWatch");
    assert_eq!(alarms.get("payments-p99-high").and_then(|a| a.threshold), Some(600.0), "DescribeAlarms read the threshold");
    let opts = cloudwatch::Options { step: 3600, region: Some("us-east-1".into()), endpoint: Some(moto.url.clone()), ..Default::default() };
    let imported = cloudwatch::import(&dashboards, &alarms, &opts);
    let out = dir.join("ws");
    cloudwatch::write::write(&imported, &out, false).expect("written");
    let ws = Workspace::open(&out).expect("the written workspace validates");
    let p99 = ws.metrics.iter().find(|m| m.name == "p99 latency").expect("p99 metric");
    assert_eq!(
        (p99.alarm, p99.investigation, p99.service.as_str()),
        (Some(600.0), Some(450.0), "Payments API"),
        "the alarm's threshold, the annotation"
    );
    assert_eq!(p99.alarm_datapoints.m, 2, "the alarm's 2 out of 3");
    let page = ws.metrics.iter().find(|m| m.name == "Page requests").expect("requests metric");
    assert_eq!((page.worse, page.alarm), (flywheel::config::Worse::Lower, Some(20.0)), "shaded below: lower is worse");
    assert!(imported.skipped.iter().any(|s| s.widget == "Errors"), "{:?}", imported.skipped);
    // A re-import writes the same file.
    let first = std::fs::read_to_string(out.join("flywheel.toml")).expect("read");
    let (d2, a2) = cloudwatch::api::read_sources(&["shop-ops".to_string()], &conf).expect("again");
    cloudwatch::write::write(&cloudwatch::import(&d2, &a2, &opts), &out, false).expect("again");
    assert_eq!(std::fs::read_to_string(out.join("flywheel.toml")).expect("read"), first);

    // The imported workspace reviews what CloudWatch holds: the payments spike (one hour over the alarm
    // line in hourly means: not 2 of 3) is flagged, and the checkout drop.
    let r = review(&ws, None);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(
        r.findings.iter().any(|f| f.metric == p99.id) && r.findings.iter().any(|f| f.metric == page.id),
        "{:?}",
        r.findings.iter().map(|f| (&f.metric, f.kind)).collect::<Vec<_>>()
    );
    // An unknown dashboard is a plain error.
    let e = cloudwatch::api::read_sources(&["no-such-dashboard".to_string()], &conf).expect_err("unknown");
    assert!(e.to_string().contains("no-such-dashboard"), "{e}");
}
