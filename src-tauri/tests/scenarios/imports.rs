//! The Open view's importers, end to end: a Grafana dashboard and a CloudWatch dashboard body read,
//! previewed (hostile titles stay text), written as a workspace and opened.

use serde_json::{json, Value};

use super::driver::*;

/// Import a Grafana dashboard from the Open view: the preview lists the metrics with their lines and
/// what was left out (a hostile title stays text), then the new workspace is written and opened.
pub async fn grafana_import(d: &Driver) -> R<()> {
    let dir = tempfile::tempdir()?;
    let evil = "<img src=x onerror=\"window.__pwned=1\">";
    let steps = |s: Value| json!({"mode": "absolute", "steps": s});
    let dashboard = json!({
        "title": "Checkout API",
        "__inputs": [{"name": "DS_PROMETHEUS", "pluginId": "prometheus"}],
        "panels": [
            {"type": "stat", "title": "p99 latency", "datasource": "${DS_PROMETHEUS}",
             "fieldConfig": {"defaults": {"unit": "ms", "thresholds": steps(json!([{"color": "green", "value": null}, {"color": "orange", "value": 400}, {"color": "red", "value": 600}]))}},
             "targets": [{"refId": "A", "expr": "histogram_quantile(0.99, sum by (le) (rate(latency_ms_bucket[$__rate_interval])))"}]},
            {"type": "gauge", "title": evil, "datasource": "${DS_PROMETHEUS}",
             "fieldConfig": {"defaults": {"unit": "percentunit", "thresholds": steps(json!([{"color": "red", "value": null}, {"color": "green", "value": 0.99}]))}},
             "targets": [{"refId": "A", "expr": "avg(up)"}]},
            {"type": "table", "title": "Slowest endpoints", "targets": [{"refId": "A", "expr": "topk(5, x)"}]}
        ]
    });
    let file = dir.path().join("checkout.json");
    std::fs::write(&file, dashboard.to_string())?;
    let c = d.app(&[]).await?;
    c.set_window_size(1280, 900).await?;
    click(&c, "[data-testid=open-import]").await?;
    type_into(&c, "[data-testid=import-source]", file.to_str().ok_or("path")?).await?;
    type_into(&c, "[data-testid=import-prometheus]", "http://127.0.0.1:9").await?;
    click(&c, "[data-testid=import-preview-button]").await?;
    let rows = until(
        &c,
        "the import preview",
        "const r = [...document.querySelectorAll('[data-testid=import-metric]')]; return r.length ? r.map(e => e.textContent) : null",
    )
    .await?;
    let rows: Vec<String> = serde_json::from_value(rows)?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].contains("p99 latency") && rows[0].contains("alarm ≥ 600 ms") && rows[0].contains("investigate ≥ 400 ms"), "{rows:?}");
    assert!(rows[1].contains(evil) && rows[1].contains("alarm ≤ 99%"), "the hostile title is shown as text: {rows:?}");
    let skipped = texts(&c, "[data-testid=import-skipped]").await?;
    assert!(skipped.len() == 1 && skipped[0].contains("Slowest endpoints") && skipped[0].contains("table panel"), "{skipped:?}");
    assert_eq!(js(&c, "return window.__pwned === undefined && !document.querySelector('.import-preview img')").await?, json!(true));
    shot(&c, "import-preview").await?;
    click(&c, "[data-testid=import-write]").await?;
    // Written and opened: no Prometheus answers on 127.0.0.1:9, so the new workspace says so.
    let text = text_of(&c, "[data-testid=error]").await?;
    assert!(text.contains("no series could be loaded") && text.contains("127.0.0.1:9"), "{text}");
    let written = d.data.path().join("imports").join("checkout-api").join("flywheel.toml");
    let toml = std::fs::read_to_string(&written)?;
    assert!(toml.starts_with("# Imported from Grafana") && toml.contains("alarm = 600.0"), "{toml}");
    c.close().await?;
    Ok(())
}

/// Import a CloudWatch dashboard body from the Open view: the preview lists its metrics with the
/// annotations as lines, a hostile widget title as text, and what was left out; written and opened, the
/// workspace pulls from CloudWatch — here a closed loopback port (AWS_ENDPOINT_URL) — and says it cannot.
pub async fn cloudwatch_import(d: &Driver) -> R<()> {
    let dir = tempfile::tempdir()?;
    let evil = "<img src=x onerror=\"window.__pwned=1\">";
    let body = json!({"widgets": [
        {"type": "text", "x": 0, "y": 0, "properties": {"markdown": "# Orders API"}},
        {"type": "metric", "x": 0, "y": 1, "properties": {"title": "p99 latency", "region": "eu-west-1", "stat": "p99", "period": 300,
            "metrics": [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", "app/orders/1"]],
            "annotations": {"horizontal": [{"label": "Alarm", "value": 1.5}, {"label": "Investigate", "value": 0.8}]}}},
        {"type": "metric", "x": 12, "y": 1, "properties": {"title": evil, "region": "eu-west-1", "stat": "Sum", "period": 300,
            "metrics": [["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", "app/orders/1"]],
            "annotations": {"horizontal": [{"label": "Alarm", "value": 50}]}}},
        {"type": "log", "x": 0, "y": 7, "properties": {"title": "Error log", "query": "fields @message"}}
    ]});
    let file = dir.path().join("orders-ops.json");
    std::fs::write(&file, body.to_string())?;
    let c = d.app(&[]).await?;
    c.set_window_size(1280, 900).await?;
    click(&c, "[data-testid=open-import-cloudwatch]").await?;
    type_into(&c, "[data-testid=cw-import-source]", file.to_str().ok_or("path")?).await?;
    click(&c, "[data-testid=cw-import-preview-button]").await?;
    let rows = until(
        &c,
        "the CloudWatch import preview",
        "const r = [...document.querySelectorAll('[data-testid=cw-import-metric]')]; return r.length ? r.map(e => e.textContent) : null",
    )
    .await?;
    let rows: Vec<String> = serde_json::from_value(rows)?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].contains("Orders API")
            && rows[0].contains("p99 latency")
            && rows[0].contains("alarm ≥ 1.5")
            && rows[0].contains("investigate ≥ 0.8"),
        "{rows:?}"
    );
    assert!(rows[0].contains("TargetResponseTime p99"), "the query said plainly: {rows:?}");
    assert!(rows[1].contains(evil), "the hostile title is shown as text: {rows:?}");
    let skipped = texts(&c, "[data-testid=cw-import-skipped]").await?;
    assert!(skipped.len() == 1 && skipped[0].contains("Error log") && skipped[0].contains("Logs Insights"), "{skipped:?}");
    let summary = texts(&c, "[data-testid=cw-import-summary]").await?;
    assert!(summary[0].contains("region eu-west-1"), "{summary:?}");
    assert_eq!(js(&c, "return window.__pwned === undefined && !document.querySelector('.import-preview img')").await?, json!(true));
    shot(&c, "import-cloudwatch-preview").await?;
    click(&c, "[data-testid=cw-import-write]").await?;
    let text = text_of(&c, "[data-testid=error]").await?;
    assert!(text.contains("no series could be loaded") && text.contains("CloudWatch"), "{text}");
    assert!(!text.contains("flywheel-e2e-secret") && !text.contains("AKIDFLYWHEELE2E"), "no credential in a message: {text}");
    let written = d.data.path().join("imports").join("orders-ops").join("flywheel.toml");
    let toml = std::fs::read_to_string(&written)?;
    assert!(
        toml.starts_with("# Imported from CloudWatch") && toml.contains("alarm = 1.5") && toml.contains("region = \"eu-west-1\""),
        "{toml}"
    );
    assert!(!toml.contains("flywheel-e2e-secret") && !toml.contains("AKID"), "nothing secret written: {toml}");
    c.close().await?;
    Ok(())
}
