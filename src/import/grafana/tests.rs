//! Importing Grafana dashboards into a workspace: metrics and lines, several dashboards, the data source, hostile and edited exports.

use serde_json::json;

use super::*;
use crate::config::Worse;

/// A service dashboard as Grafana exports it ("Export → Save to file", shared externally): a data source
/// input, variables, a collapsed row, and the panels a team keeps — with and without thresholds.
fn exported() -> Value {
    let ds = json!({"type": "prometheus", "uid": "${DS_PROMETHEUS}"});
    let steps = |s: Value| json!({"mode": "absolute", "steps": s});
    json!({
        "__inputs": [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"}],
        "title": "Checkout API",
        "timezone": "Europe/Berlin",
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus"},
            {"name": "job", "type": "query", "current": {"value": "checkout"}},
            {"name": "pod", "type": "query", "multi": true, "current": {"value": ["a", "b"]}}
        ]},
        "panels": [
            {"type": "stat", "title": "Error ratio", "datasource": ds,
             "fieldConfig": {"defaults": {"unit": "percentunit", "thresholds": steps(json!([{"color": "green", "value": null}, {"color": "#EAB839", "value": 0.01}, {"color": "red", "value": 0.05}]))}},
             "targets": [{"refId": "A", "expr": "sum(rate(http_errors_total{job=\"$job\"}[$__rate_interval])) / sum(rate(http_requests_total{job=\"$job\"}[$__rate_interval]))"}]},
            {"type": "row", "title": "Latency", "collapsed": false, "panels": []},
            {"type": "timeseries", "title": "p99 latency", "datasource": ds,
             "fieldConfig": {"defaults": {"unit": "ms", "custom": {"thresholdsStyle": {"mode": "line"}},
                             "thresholds": steps(json!([{"color": "green", "value": null}, {"color": "orange", "value": 400}, {"color": "red", "value": 600}]))},
                             "overrides": [{"matcher": {"id": "byFrameRefID", "options": "B"}, "properties": [{"id": "thresholds", "value": steps(json!([{"color": "green", "value": null}, {"color": "red", "value": 300}]))}]}]},
             "targets": [
                {"refId": "A", "expr": "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_ms_bucket{job=\"$job\"}[$__rate_interval])))", "legendFormat": "api"},
                {"refId": "B", "expr": "histogram_quantile(0.99, sum by (le) (rate(db_query_duration_ms_bucket{job=\"$job\"}[$__rate_interval])))", "legendFormat": "db"},
                {"refId": "C", "expr": "up", "hide": true}
             ]},
            {"type": "timeseries", "title": "Requests", "datasource": ds,
             "fieldConfig": {"defaults": {"unit": "reqps", "thresholds": steps(json!([{"color": "green", "value": null}, {"color": "red", "value": 80}]))}},
             "targets": [{"refId": "A", "expr": "sum(rate(http_requests_total{job=\"$job\"}[5m]))"}]},
            {"type": "row", "title": "Pods", "collapsed": true, "panels": [
                {"type": "gauge", "title": "CPU per pod", "datasource": ds,
                 "fieldConfig": {"defaults": {"unit": "percent", "thresholds": steps(json!([{"color": "green", "value": null}, {"color": "red", "value": 90}]))}},
                 "targets": [{"refId": "A", "expr": "sum by (pod) (rate(container_cpu_usage_seconds_total{pod=~\"$pod\"}[5m])) * 100"}]},
                {"type": "stat", "title": "Availability", "datasource": "$datasource",
                 "fieldConfig": {"defaults": {"unit": "percent", "thresholds": steps(json!([{"color": "red", "value": null}, {"color": "yellow", "value": 99}, {"color": "green", "value": 99.9}]))}},
                 "targets": [{"refId": "A", "expr": "avg(up{job=\"$job\"}) * 100"}]},
                {"type": "bargauge", "title": "Status codes", "datasource": ds,
                 "fieldConfig": {"defaults": {"thresholds": steps(json!([{"color": "green", "value": null}, {"color": "red", "value": 10}]))}},
                 "targets": [{"refId": "A", "expr": "sum by (code, method) (rate(http_requests_total[5m]))", "legendFormat": "{{method}} {{code}}"}]}
            ]},
            {"type": "graph", "title": "Queue depth", "datasource": ds, "yaxes": [{"format": "short"}, {"format": "short"}],
             "thresholds": [{"op": "gt", "value": 1000, "colorMode": "critical"}, {"op": "gt", "value": 500, "colorMode": "warning"}],
             "targets": [{"refId": "A", "expr": "max by (instance) (queue_depth{job=\"$job\"})", "legendFormat": "{{instance}}"}]},
            {"type": "table", "title": "Slowest endpoints", "datasource": ds, "targets": [{"refId": "A", "expr": "topk(10, x)"}]},
            {"type": "text", "title": "Runbook"},
            {"type": "logs", "title": "Errors", "datasource": {"type": "loki", "uid": "loki1"}, "targets": [{"refId": "A", "expr": "{app=\"checkout\"}"}]},
            {"type": "timeseries", "title": "Log error rate", "datasource": {"type": "loki", "uid": "loki1"},
             "fieldConfig": {"defaults": {"custom": {"thresholdsStyle": {"mode": "line"}}, "thresholds": steps(json!([{"color": "green", "value": null}, {"color": "red", "value": 5}]))}},
             "targets": [{"refId": "A", "expr": "sum(rate({app=\"checkout\"} |= \"error\" [5m]))"}]},
            {"type": "stat", "title": "Pod restarts", "datasource": ds,
             "fieldConfig": {"defaults": {"thresholds": steps(json!([{"color": "green", "value": null}, {"color": "red", "value": 3}]))}},
             "targets": [{"refId": "A", "expr": "sum(increase(kube_pod_container_status_restarts_total{pod=\"$pod\"}[1h]))"}]}
        ]
    })
}

fn source(v: &Value, origin: &str) -> Source {
    Source::from_json(origin, &serde_json::to_vec(v).expect("json")).expect("a dashboard")
}

fn opts() -> Options {
    Options { prometheus: Some("http://127.0.0.1:9090".into()), ..Options::default() }
}

#[test]
fn an_exported_dashboard_becomes_metrics_with_lines_and_a_list_of_what_was_left_out() {
    let i = import(&[source(&exported(), "checkout.json")], &opts());
    type Row<'a> = (&'a str, &'a str, &'a str, Worse, Option<f64>, Option<f64>, Option<&'a str>);
    let got: Vec<Row> = i
        .metrics
        .iter()
        .map(|m| (m.id.as_str(), m.service.as_str(), m.unit.as_str(), m.worse, m.alarm, m.investigation, m.instance.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("checkout-api.error-ratio", "Checkout API", "%", Worse::Higher, Some(5.0), Some(1.0), None),
            ("latency.p99-latency.api", "Latency", "ms", Worse::Higher, Some(600.0), Some(400.0), None),
            ("latency.p99-latency.db", "Latency", "ms", Worse::Higher, Some(300.0), None, None),
            ("pods.cpu-per-pod", "Pods", "%", Worse::Higher, Some(90.0), None, Some("pod")),
            ("pods.availability", "Pods", "%", Worse::Lower, Some(99.0), Some(99.9), None),
            ("pods.queue-depth", "Pods", "", Worse::Higher, Some(1000.0), Some(500.0), Some("instance")),
        ],
        "{:#?}",
        i.metrics
    );
    let first = &i.metrics[0];
    assert_eq!(
        first.promql,
        "(sum(rate(http_errors_total{job=\"checkout\"}[315s])) / sum(rate(http_requests_total{job=\"checkout\"}[315s]))) * 100",
        "variables substituted, the fraction scaled to percent"
    );
    assert!(first.notes.iter().any(|n| n.contains("scaled ×100")), "{:?}", first.notes);
    assert_eq!((first.team.as_str(), i.timezone.as_str()), ("Checkout API", "Europe/Berlin"));
    assert_eq!(i.metrics[1].name, "p99 latency · api");
    assert!(
        i.metrics[3].promql.contains("pod=~\"(a|b)\""),
        "two values in a regex matcher, as Grafana writes them: {}",
        i.metrics[3].promql
    );

    let skipped: Vec<(&str, &str)> = i.skipped.iter().map(|s| (s.panel.as_str(), s.reason.as_str())).collect();
    let reason = |panel: &str| {
        skipped.iter().find(|(p, _)| *p == panel).map(|(_, r)| *r).unwrap_or_else(|| panic!("{panel} not listed: {skipped:?}"))
    };
    assert!(
        reason("Requests").starts_with("its thresholds are not drawn on the panel"),
        "drawn with thresholds off: Grafana's default 80 is no line, and the reason says so: {}",
        reason("Requests")
    );
    assert!(reason("Status codes").contains("per method, code"));
    assert!(reason("Slowest endpoints").contains("table panel"));
    assert!(reason("Runbook").contains("text panel"));
    assert!(reason("Errors").contains("logs panel"));
    assert!(reason("Log error rate").contains("loki data source"));
    assert!(reason("Pod restarts").contains("$pod has 2 values"));
    assert_eq!(skipped.len(), 7, "{skipped:?}");
}

#[test]
fn the_written_workspace_validates_reads_back_and_a_reimport_is_the_same_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let i = import(&[source(&exported(), "checkout.json")], &opts());
    let path = write::write(&i, dir.path(), false).expect("written");
    let first = std::fs::read_to_string(&path).expect("read");
    let ws = crate::config::Workspace::open(dir.path()).expect("a valid workspace");
    assert_eq!(ws.metrics.len(), 6);
    let m = ws.metrics.iter().find(|m| m.id == "pods.availability").expect("availability");
    assert_eq!((m.worse, m.alarm, m.investigation, m.unit.as_str()), (Worse::Lower, Some(99.0), Some(99.9), "%"));
    assert_eq!(ws.teams.len(), 1);
    assert!(first.contains("# Not imported (7):") && first.contains("# - Checkout API · Status codes: returns a series per method, code"));
    assert!(first.contains("# inferred: `percentunit` is a fraction"), "{first}");
    // Again: the same bytes, and the file is replaced (an import wrote it).
    let again = import(&[source(&exported(), "checkout.json")], &opts());
    write::write(&again, dir.path(), false).expect("re-import");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), first);
    // A hand-written workspace is not replaced without --force.
    std::fs::write(&path, "[workspace]\nname = \"mine\"\n").expect("mine");
    assert!(matches!(write::write(&again, dir.path(), false), Err(ImportError::WouldOverwrite { .. })));
    write::write(&again, dir.path(), true).expect("forced");
}

#[test]
fn several_dashboards_make_one_workspace_with_a_team_each_or_the_one_given() {
    let mut other = exported();
    other["title"] = json!("Payments");
    let mut envelope =
        json!({"dashboard": other, "meta": {"folderTitle": "Payments team", "url": "https://grafana.example.com/d/pay/payments"}});
    envelope["dashboard"]["timezone"] = json!("browser");
    let sources = [source(&exported(), "checkout.json"), source(&envelope, "payments.json")];
    let i = import(&sources, &opts());
    let teams: Vec<(&str, Option<&str>)> = i.teams.iter().map(|t| (t.name.as_str(), t.dashboard.as_deref())).collect();
    assert_eq!(teams, vec![("Checkout API", None), ("Payments team", Some("https://grafana.example.com/d/pay/payments"))]);
    assert_eq!(i.metrics.len(), 12);
    let services: Vec<(&str, &str)> = i.services.iter().map(|s| (s.name.as_str(), s.team.as_str())).collect();
    assert!(services.contains(&("Latency (Payments team)", "Payments team")), "a row name another team has: {services:?}");
    let ids: std::collections::HashSet<&str> = i.metrics.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.len(), 12, "ids are unique");
    let dir = tempfile::tempdir().expect("tmp");
    write::write(&i, dir.path(), false).expect("valid");

    let one = import(&sources, &Options { team: Some("Platform".into()), ..opts() });
    assert_eq!(one.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), vec!["Platform"]);
    assert!(one.metrics.iter().all(|m| m.team == "Platform"));
}

#[test]
fn the_prometheus_address_comes_from_the_data_source_or_is_asked_for() {
    let mut s = source(&exported(), "checkout.json");
    let i = import(std::slice::from_ref(&s), &Options::default());
    assert_eq!(i.prometheus, None);
    assert!(matches!(write::write(&i, tempfile::tempdir().expect("tmp").path(), false), Err(ImportError::NoPrometheus)));
    // Through the API the panels name their data source by uid, and Grafana says where it is.
    s.dashboard =
        serde_json::from_str(&serde_json::to_string(&s.dashboard).expect("text").replace("${DS_PROMETHEUS}", "prom1")).expect("json");
    s.datasources.insert("prom1".into(), DataSource { kind: "prometheus".into(), url: Some("http://prometheus.internal:9090".into()) });
    let i = import(&[s], &Options::default());
    assert_eq!(i.prometheus.as_deref(), Some("http://prometheus.internal:9090"));
}

#[test]
fn hostile_dashboards_are_inert_text_or_a_clear_error() {
    let evil = "<img src=x onerror=alert(1)>\"\n[[metric]]";
    let mut d = exported();
    d["title"] = json!(evil);
    d["panels"][0]["title"] = json!(evil);
    d["panels"][0]["fieldConfig"]["defaults"]["unit"] = json!("<b>u</b>");
    let i = import(&[source(&d, "evil.json")], &opts());
    let dir = tempfile::tempdir().expect("tmp");
    let path = write::write(&i, dir.path(), false).expect("still a valid workspace");
    let ws = crate::config::Workspace::open(&path).expect("reads back");
    assert_eq!(ws.metrics.len(), 6, "the title cannot inject a table");
    assert!(ws.metrics.iter().any(|m| m.name.starts_with("<img src=x onerror=alert(1)>\" [[metric]]")), "kept as text, on one line");
    assert!(ws.metrics.iter().any(|m| m.unit == "<b>u</b>"));

    // No title and a blank team: the team is still named, so the workspace opens.
    let mut untitled = exported();
    untitled["title"] = json!(" ");
    let i = import(&[source(&untitled, "untitled.json")], &Options { team: Some("\t".into()), ..opts() });
    assert_eq!(i.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Untitled dashboard"]);
    crate::config::Workspace::open(&write::write(&i, dir.path(), true).expect("written")).expect("opens");

    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    assert!(matches!(Source::from_json("deep.json", deep.as_bytes()), Err(ImportError::NotJson { .. })));
    assert!(matches!(Source::from_json("x.json", b"{\"title\": \"no panels\"}"), Err(ImportError::NotADashboard { .. })));
    let huge = vec![b' '; (MAX_DASHBOARD_BYTES + 1) as usize];
    assert!(matches!(Source::from_json("huge.json", &huge), Err(ImportError::TooLarge { .. })));
    // Panels of the wrong shape are skipped, never a panic.
    let odd = json!({"panels": [1, "x", null, {"type": 7}, {"type": "stat", "targets": "nope"}, {"type": "row", "panels": 3}], "templating": {"list": "x"}});
    let i = import(&[source(&odd, "odd.json")], &opts());
    assert!(i.metrics.is_empty());
    assert!(matches!(write::write(&i, dir.path(), true), Err(ImportError::Nothing(_))));
}

/// An export with a few random edits (any part replaced by a value of the wrong type, huge, empty or hostile
/// text), at several steps: the import writes a workspace that opens, or says why it wrote none — never a
/// panic, and never a file the review then refuses.
#[test]
fn edited_exports_import_to_a_workspace_that_opens_or_to_nothing() {
    use crate::import::mutate::{import_edited, Outcome};
    let (written, refused) = import_edited(&exported(), |d, step, dir| {
        let src = match Source::from_json("edited.json", &serde_json::to_vec(d).expect("json")) {
            Ok(src) => src,
            Err(e) => return Outcome::Refused(e.to_string()),
        };
        match write::write(&import(&[src], &Options { step, ..opts() }), dir, false) {
            Ok(path) => Outcome::Written(path),
            Err(ImportError::Invalid(e)) => Outcome::Invalid(e),
            Err(e) => Outcome::Refused(e.to_string()),
        }
    });
    assert!(written > 700 && refused > 0, "{written} written, {refused} refused");
}
