//! `flywheel import cloudwatch` as a user runs it on a dashboard body file (no AWS needed): what was
//! imported and what was not, a valid workspace, a stable re-import, the user's own file kept, and a
//! dashboard name without a region, or settings no workspace could hold, refused before anything is sent.

mod common;

use std::path::Path;
use std::process::Output;

use common::text;

use serde_json::json;

/// `flywheel args` in `dir`. Nothing here may reach AWS: no region, no profile, no shared files, no instance
/// metadata ([`common::flywheel_in`]), and an endpoint nothing listens on.
fn flywheel(dir: &Path, args: &[&str]) -> Output {
    common::flywheel_in(&dir.join("data"))
        .args(args)
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .expect("run flywheel")
}

#[test]
fn a_dashboard_body_file_becomes_a_workspace() {
    let dir = tempfile::tempdir().expect("tmp");
    let body = json!({"widgets": [
        {"type": "text", "x": 0, "y": 0, "properties": {"markdown": "## Orders API"}},
        {"type": "metric", "x": 0, "y": 1, "properties": {"title": "p99 latency", "region": "eu-west-1", "stat": "p99", "period": 300,
            "metrics": [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", "app/orders/1"]],
            "annotations": {"horizontal": [{"label": "Alarm", "value": 1.5}, {"label": "Investigate", "value": 0.8}]}}},
        {"type": "metric", "x": 12, "y": 1, "properties": {"title": "Queue", "region": "eu-west-1", "stat": "Maximum", "period": 300,
            "metrics": [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "orders"]]}},
        {"type": "log", "x": 0, "y": 7, "properties": {"title": "Error log", "query": "fields @message"}}
    ]});
    std::fs::write(dir.path().join("orders.json"), body.to_string()).expect("body");
    let o = flywheel(dir.path(), &["import", "cloudwatch", "orders.json", "--out", "ws"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("Imported 1 metric of 1 dashboard") && t.contains("region: eu-west-1"), "{t}");
    assert!(t.contains("Queue: no horizontal annotation or alarm") && t.contains("Error log: a Logs Insights query"), "{t}");
    let path = dir.path().join("ws/flywheel.toml");
    let first = std::fs::read_to_string(&path).expect("written");
    assert!(
        first.starts_with("# Imported from CloudWatch") && first.contains("alarm = 1.5") && first.contains("investigation = 0.8"),
        "{first}"
    );
    assert!(first.contains("stat = \"p99\"") && first.contains("service = \"Orders API\""), "{first}");

    // Again: the same bytes; --without-lines adds the queue; --dry-run writes nothing.
    assert!(flywheel(dir.path(), &["import", "cloudwatch", "orders.json", "--out", "ws"]).status.success());
    assert_eq!(std::fs::read_to_string(&path).expect("again"), first);
    let dry = flywheel(dir.path(), &["import", "cloudwatch", "orders.json", "--without-lines", "--dry-run"]);
    assert!(dry.status.success() && text(&dry).contains("ApproximateNumberOfMessagesVisible"), "{}", text(&dry));
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), first);

    // A workspace the user wrote is not replaced.
    std::fs::create_dir_all(dir.path().join("mine")).expect("dir");
    std::fs::write(dir.path().join("mine/flywheel.toml"), "[workspace]\nname = \"mine\"\n").expect("mine");
    let o = flywheel(dir.path(), &["import", "cloudwatch", "orders.json", "--out", "mine"]);
    assert!(!o.status.success() && text(&o).contains("was not written by an import"), "{}", text(&o));

    // A dashboard name needs CloudWatch, and CloudWatch needs a region: refused before anything is sent.
    let o = flywheel(dir.path(), &["import", "cloudwatch", "orders-prod"]);
    assert!(!o.status.success() && text(&o).contains("no AWS region"), "{}", text(&o));
    // A region, profile or endpoint no workspace could hold: refused by name before anything is sent (a
    // password in the endpoint is not repeated).
    for (flag, want) in [
        ("--region=eu west", "region \"eu west\" is not a region name"),
        ("--profile=a b", "profile \"a b\" is not a profile name"),
        ("--endpoint=ftp://x", "must be an http:// or https:// address"),
        ("--endpoint=http://ops:hunter2@127.0.0.1:9", "carries a user name or password"),
    ] {
        let o = flywheel(dir.path(), &["import", "cloudwatch", "orders.json", flag, "--out", "refused"]);
        let t = text(&o);
        assert!(!o.status.success() && t.contains(want) && !t.contains("hunter2"), "{flag}: {t}");
        assert!(!dir.path().join("refused").exists(), "{flag}: nothing written");
    }
    // Not a dashboard.
    std::fs::write(dir.path().join("grafana.json"), "{\"panels\": []}").expect("file");
    let o = flywheel(dir.path(), &["import", "cloudwatch", "grafana.json"]);
    assert!(!o.status.success() && text(&o).contains("not a CloudWatch dashboard body"), "{}", text(&o));
}
