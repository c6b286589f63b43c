//! `flywheel import grafana` as a user runs it: an exported file, and dashboards and folders fetched from
//! a scripted Grafana on 127.0.0.1 (token sent, folder listing paged, 401/404/500 told clearly, the token
//! never shown). The written workspace is read back by `flywheel review`'s own checks.

mod common;

use std::path::Path;
use std::process::Output;

use common::text;
use serde_json::{json, Value};

const TOKEN: &str = "glsa_s3cret-token";

fn flywheel(dir: &Path, args: &[&str], token: Option<&str>) -> Output {
    let mut c = common::flywheel_in(&dir.join("data"));
    c.args(args).current_dir(dir);
    if let Some(t) = token {
        c.env("GRAFANA_TOKEN", t);
    }
    c.output().expect("run flywheel")
}

/// A service dashboard with one panel per line style, its data source named by uid (as the API has it).
fn dashboard(title: &str) -> Value {
    let ds = json!({"type": "prometheus", "uid": "prom1"});
    json!({
        "title": title,
        "panels": [
            {"type": "stat", "title": "p99 latency", "datasource": ds,
             "fieldConfig": {"defaults": {"unit": "ms", "thresholds": {"mode": "absolute", "steps": [
                 {"color": "green", "value": null}, {"color": "orange", "value": 400}, {"color": "red", "value": 600}]}}},
             "targets": [{"refId": "A", "expr": "histogram_quantile(0.99, sum by (le) (rate(latency_ms_bucket{service=\"api\"}[$__rate_interval])))"}]},
            {"type": "table", "title": "Slowest", "datasource": ds, "targets": [{"refId": "A", "expr": "topk(5, x)"}]}
        ]
    })
}

#[path = "../../tests/common/scripted.rs"]
mod scripted;

/// A Grafana on 127.0.0.1 that answers by path (401 without the token) and logs each request.
struct Fake {
    url: String,
    log: scripted::Log,
}

fn grafana(route: fn(&str) -> (u16, String)) -> Fake {
    let (url, log) = scripted::serve(move |r, _| {
        let (status, body) =
            if r.auth != format!("Bearer {TOKEN}") { (401, r#"{"message":"invalid API key"}"#.to_string()) } else { route(&r.path) };
        (status, vec![], body)
    });
    Fake { url, log }
}

fn route(path: &str) -> (u16, String) {
    let ok = |v: Value| (200, v.to_string());
    if let Some(uid) = path.strip_prefix("/api/dashboards/uid/") {
        return match uid {
            "pay" => ok(json!({"dashboard": dashboard("Payments API"), "meta": {"folderTitle": "Payments", "url": "/d/pay/payments-api"}})),
            "boom" => (500, format!(r#"{{"message":"internal error","echo":"Authorization: Bearer {TOKEN}"}}"#)),
            u if u.starts_with("svc") => ok(
                json!({"dashboard": dashboard(&format!("Service {u}")), "meta": {"folderTitle": "Platform", "url": format!("/d/{u}/x")}}),
            ),
            _ => (404, r#"{"message":"Dashboard not found"}"#.into()),
        };
    }
    if path == "/api/datasources/uid/prom1" {
        return ok(json!({"type": "prometheus", "name": "Prometheus", "url": "http://127.0.0.1:9/prometheus"}));
    }
    if let Some(q) = path.strip_prefix("/api/search?") {
        if q.contains("folderUIDs=plat") {
            // Page 1 is full (100), page 2 has the rest: the importer must ask for both.
            let page: usize = q.split('&').find_map(|kv| kv.strip_prefix("page=")).and_then(|p| p.parse().ok()).unwrap_or(1);
            let uids: Vec<Value> = match page {
                1 => (0..100).map(|n| json!({"uid": format!("svc{n}"), "type": "dash-db"})).collect(),
                2 => vec![json!({"uid": "svc100", "type": "dash-db"})],
                _ => vec![],
            };
            return ok(Value::Array(uids));
        }
        return ok(json!([]));
    }
    (404, "{}".into())
}

#[test]
fn an_exported_file_becomes_a_workspace_that_reviews_check() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut d = dashboard("Checkout");
    d["panels"][0]["datasource"] = json!("${DS_PROMETHEUS}");
    d["__inputs"] = json!([{"name": "DS_PROMETHEUS", "pluginId": "prometheus"}]);
    std::fs::write(dir.path().join("checkout.json"), d.to_string()).expect("file");
    let o = flywheel(dir.path(), &["import", "grafana", "checkout.json"], None);
    assert!(!o.status.success() && text(&o).contains("--prometheus URL"), "no address, no workspace: {}", text(&o));
    let o = flywheel(dir.path(), &["import", "grafana", "checkout.json", "--prometheus", "http://127.0.0.1:9090", "--out", "ws"], None);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("Imported 1 metric of 1 dashboard into ws/flywheel.toml"), "{out}");
    assert!(out.contains("Not imported (1):\n  Checkout · Slowest: a table panel"), "{out}");
    let ws = flywheel::config::Workspace::open(&dir.path().join("ws")).expect("the written workspace validates");
    let m = &ws.metrics[0];
    assert_eq!((m.id.as_str(), m.alarm, m.investigation, m.unit.as_str()), ("checkout.p99-latency", Some(600.0), Some(400.0), "ms"));
    let o = flywheel(dir.path(), &["import", "grafana", "checkout.json", "--prometheus", "javascript:alert(1)"], None);
    assert!(!o.status.success() && text(&o).contains("--prometheus javascript:alert(1)"), "{}", text(&o));
}

#[test]
fn dashboards_and_folders_come_over_the_http_api_with_the_token() {
    let g = grafana(route);
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("{}/d/pay/payments-api?orgId=1", g.url);
    let o = flywheel(dir.path(), &["import", "grafana", &url, "--out", "pay"], Some(TOKEN));
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("teams: Payments; Prometheus: http://127.0.0.1:9/prometheus"),
        "the folder is the team, the data source gives the address: {out}"
    );
    let toml = std::fs::read_to_string(dir.path().join("pay/flywheel.toml")).expect("written");
    assert!(toml.contains(&format!("dashboard = \"{}/d/pay/payments-api\"", g.url)), "{toml}");
    assert!(!toml.contains(TOKEN) && !out.contains(TOKEN), "the token is never written");
    let log = g.log.lock().expect("log").clone();
    assert!(log.iter().all(|r| r.auth == format!("Bearer {TOKEN}")), "every request carries the token: {log:?}");
    assert!(log.iter().any(|r| r.path == "/api/datasources/uid/prom1"));

    // A folder: both pages of its listing, a dashboard each.
    let o = flywheel(dir.path(), &["import", "grafana", &format!("{}/dashboards/f/plat/platform", g.url), "--out", "plat"], Some(TOKEN));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Imported 101 metrics of 101 dashboards"), "{}", text(&o));
    let pages: Vec<String> =
        g.log.lock().expect("log").iter().filter(|r| r.path.starts_with("/api/search")).map(|r| r.path.clone()).collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[1].contains("page=2") && pages[1].contains("limit=100"));
    let ws = flywheel::config::Workspace::open(&dir.path().join("plat")).expect("valid");
    assert_eq!((ws.metrics.len(), ws.teams.len()), (101, 1));
}

#[test]
fn grafana_errors_are_clear_and_never_show_the_token() {
    let g = grafana(route);
    let dir = tempfile::tempdir().expect("tmp");
    let cases: [(&str, Option<&str>, &str); 4] = [
        ("/d/pay", None, "answered 401 Unauthorized — set GRAFANA_TOKEN to a service-account token"),
        ("/d/pay", Some("wrong"), "answered 401 Unauthorized — the token in GRAFANA_TOKEN was refused"),
        ("/d/nope", Some(TOKEN), "answered 404 Not Found — no such dashboard or folder"),
        ("/d/boom", Some(TOKEN), "answered 500 Internal Server Error"),
    ];
    for (path, token, want) in cases {
        let o = flywheel(dir.path(), &["import", "grafana", &format!("{}{path}", g.url), "--out", "x"], token);
        let out = text(&o);
        assert!(!o.status.success(), "{path}: {out}");
        assert!(out.contains(want), "{path}: {out}");
        assert!(!out.contains(TOKEN), "{path}: the token leaked: {out}");
        assert!(!dir.path().join("x").exists(), "nothing written on an error");
    }
    let o = flywheel(dir.path(), &["import", "grafana", "file:///etc/passwd"], Some(TOKEN));
    assert!(!o.status.success() && text(&o).contains("http"), "{}", text(&o));
}

/// Real public dashboards we did not write: the Ceph project's (LGPL-2.1), as Debian packages them
/// (`ceph-grafana-dashboards`, installed by scripts/test). Grafana 6–8 era JSON: singlestat and graph
/// panels, `$datasource` variables, "All" variables with nothing saved, heatmaps, pie charts, tables.
const CEPH: &str = "/etc/grafana/dashboards/ceph-dashboard";

fn ceph(file: &str) -> flywheel::import::grafana::Source {
    let path = Path::new(CEPH).join(file);
    assert!(path.exists(), "{} is missing: run scripts/test, which installs the Debian package ceph-grafana-dashboards", path.display());
    flywheel::import::grafana::Source::read(&path).expect("a dashboard")
}

#[test]
fn real_ceph_dashboards_import_with_their_lines_and_say_what_they_cannot() {
    use flywheel::config::Worse;
    use flywheel::import::grafana::{import, write, Options};
    let opts = Options { prometheus: Some("http://127.0.0.1:9090".into()), ..Options::default() };

    // The cluster dashboard: two singlestats carry thresholds ("1,2" on the health status; "0.7,0.8" on a
    // fraction, scaled to percent); its graphs have none; heatmaps cannot be reviewed.
    let i = import(&[ceph("ceph-cluster.json")], &opts);
    type Row<'a> = (&'a str, &'a str, Worse, Option<f64>, Option<f64>);
    let got: Vec<Row> = i.metrics.iter().map(|m| (m.id.as_str(), m.unit.as_str(), m.worse, m.alarm, m.investigation)).collect();
    assert_eq!(
        got,
        vec![
            ("ceph-cluster.health-status", "", Worse::Higher, Some(2.0), Some(1.0)),
            ("ceph-cluster.capacity-used", "%", Worse::Higher, Some(80.0), Some(70.0)),
        ]
    );
    assert_eq!(i.metrics[0].promql, "ceph_health_status");
    assert_eq!(i.metrics[1].promql, "(sum(ceph_osd_stat_bytes_used)/sum(ceph_osd_stat_bytes)) * 100");
    let reasons = |i: &flywheel::import::grafana::Import, what: &str| i.skipped.iter().filter(|s| s.reason.contains(what)).count();
    assert_eq!((i.skipped.len(), reasons(&i, "no thresholds"), reasons(&i, "a heatmap panel")), (27, 25, 2));

    // Every dashboard of the package, panels without thresholds too: each written workspace validates,
    // and what stays out says why.
    let mut files: Vec<String> = std::fs::read_dir(CEPH)
        .expect("the dashboards")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 13, "{files:?}");
    let dir = tempfile::tempdir().expect("tmp");
    let mut summary = Vec::new();
    for f in &files {
        let i = import(&[ceph(f)], &Options { without_lines: true, ..opts.clone() });
        if !i.metrics.is_empty() {
            write::write(&i, &dir.path().join(f), false).unwrap_or_else(|e| panic!("{f}: {e}"));
            flywheel::config::Workspace::open(&dir.path().join(f)).unwrap_or_else(|e| panic!("{f} does not validate: {e}"));
        }
        let instances = i.metrics.iter().filter(|m| m.instance.is_some()).count();
        summary.push((f.as_str(), i.metrics.len(), instances, i.skipped.len()));
    }
    assert_eq!(
        summary,
        vec![
            ("ceph-cluster.json", 27, 0, 2),
            ("cephfs-overview.json", 3, 1, 0),
            ("host-details.json", 0, 0, 20),
            ("hosts-overview.json", 8, 4, 0),
            ("osd-device-details.json", 0, 0, 13),
            ("osds-overview.json", 10, 0, 6),
            ("pool-detail.json", 0, 0, 8),
            ("pool-overview.json", 12, 4, 1),
            ("radosgw-detail.json", 8, 8, 1),
            ("radosgw-overview.json", 24, 22, 0),
            ("radosgw-sync-overview.json", 4, 4, 0),
            ("rbd-details.json", 0, 0, 6),
            ("rbd-overview.json", 6, 0, 3),
        ]
    );
    // The detail dashboards are made for one host, OSD or pool picked in Grafana: nothing saved to pick.
    let i = import(&[ceph("host-details.json")], &Options { without_lines: true, ..opts.clone() });
    assert!(i.skipped.iter().any(|s| s.reason == "variable $ceph_hosts has no saved value"), "{:?}", i.skipped);
    // "All" with an allValue in a regex matcher: Grafana's value, said in a comment.
    let i = import(&[ceph("radosgw-overview.json")], &Options { without_lines: true, ..opts });
    let unreplaced = |q: &str| q.match_indices('$').any(|(at, _)| q[at + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '{'));
    assert!(i.metrics.iter().all(|m| !unreplaced(&m.promql)), "every variable replaced ($1 of label_replace stays)");
    assert!(i.metrics.iter().any(|m| m.notes.iter().any(|n| n.contains("is \"All\""))), "{:?}", i.metrics[0].notes);
}
