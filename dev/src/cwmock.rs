//! A scripted CloudWatch on 127.0.0.1 for the faults a real one shows rarely and never on cue — throttling,
//! 5xx, slow answers, small pages, malformed answers, one metric failing — and for the pull benchmark
//! (moto computes each period by scanning every stored point: too slow for 200 series × 6 weeks).
//! It speaks GetMetricData in CloudWatch's awsQuery protocol (form-encoded request, XML answer) and
//! answers every metric with a deterministic daily wave.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does, request by request.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// The first N requests are answered `400 Throttling`.
    pub throttle_first: usize,
    /// Then the next N are answered `500 InternalFailure`.
    pub fail_first: usize,
    /// Then the next N are answered only after `delay`.
    pub slow_first: usize,
    pub delay: Duration,
    /// Datapoints per page (0: all in one).
    pub page: usize,
    /// Every answer holds a value that is not a number.
    pub malformed: bool,
    /// The metric of this name comes back `InternalError`.
    pub failing_metric: Option<String>,
}

/// The server: its address, and how many requests it has seen.
pub struct Mock {
    pub url: String,
    pub requests: Arc<AtomicUsize>,
    /// The form of every GetMetricData request seen (for checks on what was asked).
    pub seen: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

impl Mock {
    /// Serve `script` on a free loopback port until the process ends.
    pub fn start(script: Script) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (r, s) = (requests.clone(), seen.clone());
        let script = Arc::new(script);
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (r, s, script) = (r.clone(), s.clone(), script.clone());
                std::thread::spawn(move || serve(conn, &script, &r, &s));
            }
        });
        Mock { url, requests, seen }
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect()
}

/// One connection: requests until the client closes it (the SDK keeps connections alive).
fn serve(conn: TcpStream, script: &Script, requests: &AtomicUsize, seen: &Mutex<Vec<BTreeMap<String, String>>>) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut out = conn;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let f = form(&String::from_utf8_lossy(&body));
        let n = requests.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut s) = seen.lock() {
            s.push(f.clone());
        }
        let (status, xml) = answer(script, n, &f);
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nx-amzn-RequestId: mock-{n}\r\nConnection: keep-alive\r\n\r\n",
            xml.len()
        );
        if out.write_all(head.as_bytes()).and_then(|_| out.write_all(xml.as_bytes())).is_err() {
            return;
        }
    }
}

fn error(code: &str, kind: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>mock</RequestId></ErrorResponse>"
    )
}

/// The value of metric `name` at `t`: a daily wave around a level set by the name.
pub fn value(name: &str, t: i64) -> f64 {
    let level = 50.0 + (name.bytes().map(u64::from).sum::<u64>() % 50) as f64;
    let day = (t.rem_euclid(86_400)) as f64 / 86_400.0;
    level * (1.0 + 0.3 * (std::f64::consts::TAU * day).sin()) + ((t / 300) % 7) as f64 * 0.1
}

fn answer(script: &Script, n: usize, f: &BTreeMap<String, String>) -> (&'static str, String) {
    if f.get("Action").map(String::as_str) != Some("GetMetricData") {
        return ("400 Bad Request", error("InvalidAction", "Sender", "this mock answers GetMetricData only"));
    }
    if n < script.throttle_first {
        return ("400 Bad Request", error("Throttling", "Sender", "Rate exceeded"));
    }
    if n < script.throttle_first + script.fail_first {
        return ("500 Internal Server Error", error("InternalFailure", "Receiver", "mock failure"));
    }
    if n < script.throttle_first + script.fail_first + script.slow_first {
        std::thread::sleep(script.delay);
    }
    if script.malformed {
        return (
            "200 OK",
            "<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>q0</Id><Label>a</Label><Timestamps><member>2026-11-09T00:00:00Z</member></Timestamps><Values><member>twelve</member></Values></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>".into(),
        );
    }
    let ts = |k: &str| f.get(k).and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()).map(|d| d.timestamp()).unwrap_or(0);
    let (start, end) = (ts("StartTime"), ts("EndTime"));
    // Queries that return data, in order: (id, metric name, period).
    let mut queries = Vec::new();
    for i in 1.. {
        let p = format!("MetricDataQueries.member.{i}.");
        let Some(id) = f.get(&format!("{p}Id")) else { break };
        if f.get(&format!("{p}ReturnData")).map(String::as_str) == Some("false") {
            continue;
        }
        let name = f.get(&format!("{p}MetricStat.Metric.MetricName")).cloned().unwrap_or_else(|| "expression".into());
        let period: i64 =
            f.get(&format!("{p}MetricStat.Period")).or_else(|| f.get(&format!("{p}Period"))).and_then(|p| p.parse().ok()).unwrap_or(300);
        // A SEARCH finds three instances: one result each, under the expression's id.
        if f.get(&format!("{p}Expression")).is_some_and(|e| e.starts_with("SEARCH(")) {
            for k in 1..=3 {
                queries.push((id.clone(), format!("i-{k}"), period.max(1)));
            }
            continue;
        }
        queries.push((id.clone(), name, period.max(1)));
    }
    let offset: usize = f.get("NextToken").and_then(|t| t.strip_prefix("offset-")).and_then(|o| o.parse().ok()).unwrap_or(0);
    let page = if script.page == 0 { usize::MAX } else { script.page };
    let mut at = 0usize;
    let mut sent = 0usize;
    let mut results = String::new();
    for (id, name, period) in &queries {
        if script.failing_metric.as_deref() == Some(name.as_str()) {
            if offset == 0 {
                results += &format!(
                    "<member><Id>{id}</Id><Label>{name}</Label><Timestamps/><Values/><StatusCode>InternalError</StatusCode><Messages><member><Code>InternalError</Code><Value>mock: this metric failed</Value></member></Messages></member>"
                );
            }
            continue;
        }
        let (mut times, mut values) = (String::new(), String::new());
        let mut t = start;
        while t < end {
            if at >= offset && sent < page {
                times += &format!(
                    "<member>{}</member>",
                    chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
                );
                values += &format!("<member>{}</member>", value(name, t));
                sent += 1;
            }
            at += 1;
            t += period;
        }
        if !times.is_empty() {
            results += &format!(
                "<member><Id>{id}</Id><Label>{name}</Label><Timestamps>{times}</Timestamps><Values>{values}</Values><StatusCode>Complete</StatusCode></member>"
            );
        }
    }
    let token = if offset + sent < at { format!("<NextToken>offset-{}</NextToken>", offset + sent) } else { String::new() };
    (
        "200 OK",
        format!(
            "<GetMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><GetMetricDataResult><MetricDataResults>{results}</MetricDataResults>{token}<Messages/></GetMetricDataResult><ResponseMetadata><RequestId>mock-{n}</RequestId></ResponseMetadata></GetMetricDataResponse>"
        ),
    )
}

/// Dummy credentials, no shared config files of the machine's, no instance metadata: nothing that uses
/// the SDK after this can reach AWS or read a real key.
pub fn offline_credentials() {
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "AKIDFLYWHEELTEST"),
        ("AWS_SECRET_ACCESS_KEY", "flywheel-test-secret"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/flywheel-test/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/flywheel-test/credentials"),
    ] {
        std::env::set_var(k, v);
    }
    std::env::remove_var("AWS_PROFILE");
    std::env::remove_var("AWS_SESSION_TOKEN");
}
