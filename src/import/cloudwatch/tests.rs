//! A dashboard shaped like real CloudWatch dashboards: sections, annotations, metric math, the "."
//! shorthand, hidden metrics, an alarm's threshold, widgets that are not metrics.

use std::collections::HashMap;

use super::*;
use crate::config::cloudwatch::CwMetric;

pub(crate) const BODY: &str = r###"{
  "widgets": [
    {"type": "text", "x": 0, "y": 0, "width": 24, "height": 1, "properties": {"markdown": "# Checkout API\nLatency and errors"}},
    {"type": "metric", "x": 0, "y": 1, "width": 12, "height": 6, "properties": {
      "title": "p99 latency", "region": "eu-west-1", "view": "timeSeries", "stat": "p99", "period": 300,
      "metrics": [["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", "app/shop/123"]],
      "annotations": {"horizontal": [{"label": "Alarm", "value": 1.5}, {"label": "Investigate", "value": 0.8, "fill": "above"}]}}},
    {"type": "metric", "x": 12, "y": 1, "width": 12, "height": 6, "properties": {
      "title": "5xx rate", "region": "eu-west-1", "stat": "Sum", "period": 300,
      "metrics": [
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", "app/shop/123", {"id": "m1", "visible": false}],
        [".", "RequestCount", ".", ".", {"id": "m2", "visible": false}],
        [{"expression": "100 * m1 / m2", "label": "5xx %", "id": "e1"}]],
      "annotations": {"horizontal": [{"value": 5}, {"value": 1}]}}},
    {"type": "text", "x": 0, "y": 7, "width": 24, "height": 1, "properties": {"markdown": "## Payments"}},
    {"type": "metric", "x": 0, "y": 8, "width": 12, "height": 6, "properties": {
      "title": "Authorisations", "region": "eu-west-1", "period": 300,
      "metrics": [["Shop/Payments", "AuthSuccessRate", "Service", "payments-api", {"stat": "Average"}]],
      "annotations": {"alarms": ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:payments-auth-low"]}}},
    {"type": "metric", "x": 12, "y": 8, "width": 12, "height": 6, "properties": {
      "title": "CPU", "region": "eu-west-1", "stat": "Average", "period": 300,
      "metrics": [["AWS/EC2", "CPUUtilization", "InstanceId", "i-1"], ["...", "i-2"]]}},
    {"type": "metric", "x": 0, "y": 14, "width": 12, "height": 6, "properties": {
      "title": "Queue elsewhere", "region": "us-east-1", "stat": "Maximum", "period": 300,
      "metrics": [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "orders"]],
      "annotations": {"horizontal": [{"label": "Alarm", "value": 600}]}}},
    {"type": "log", "x": 12, "y": 14, "properties": {"title": "Errors", "query": "SOURCE '/app' | filter level = 'error'"}},
    {"type": "alarm", "x": 0, "y": 20, "properties": {"title": "Alarms", "alarms": ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:payments-auth-low"]}}
  ]
}"###;

pub(crate) fn auth_alarm() -> Alarm {
    Alarm {
        name: "payments-auth-low".into(),
        threshold: Some(97.0),
        comparison: "LessThanThreshold".into(),
        metric: None,
        period: Some(300),
        evaluation_periods: Some(5),
        datapoints_to_alarm: Some(3),
    }
}

fn imported(opts: &Options) -> Import {
    let d = Dashboard::from_json("shop", "shop.json", BODY.as_bytes()).expect("dashboard");
    let alarms = HashMap::from([("payments-auth-low".to_string(), auth_alarm())]);
    import(&[d], &alarms, opts)
}

#[test]
fn widgets_become_metrics_with_their_lines() {
    let i = imported(&Options::default());
    assert_eq!(i.region.as_deref(), Some("eu-west-1"), "the region most widgets name");
    type Row<'a> = (&'a str, &'a str, Worse, Option<f64>, Option<f64>);
    let got: Vec<Row> = i.metrics.iter().map(|m| (m.id.as_str(), m.service.as_str(), m.worse, m.alarm, m.investigation)).collect();
    let want: Vec<Row> = vec![
        ("checkout-api.p99-latency", "Checkout API", Worse::Higher, Some(1.5), Some(0.8)),
        ("checkout-api.5xx-rate", "Checkout API", Worse::Higher, Some(5.0), Some(1.0)),
        ("payments.authorisations", "Payments", Worse::Lower, Some(97.0), None),
    ];
    assert_eq!(got, want);
    let CwQuery::Metric(m) = &i.metrics[0].query else { panic!("a metric") };
    assert_eq!((m.namespace.as_str(), m.metric.as_str(), m.stat.as_str()), ("AWS/ApplicationELB", "TargetResponseTime", "p99"));
    assert_eq!(m.dimensions.get("LoadBalancer").map(String::as_str), Some("app/shop/123"));
    let CwQuery::Expression { expression, metrics } = &i.metrics[1].query else { panic!("an expression") };
    assert_eq!(expression, "100 * m1 / m2");
    let used: Vec<(&str, &str, &str)> = metrics.iter().map(|m| (m.id.as_str(), m.metric.as_str(), m.stat.as_str())).collect();
    assert_eq!(
        used,
        vec![("m1", "HTTPCode_Target_5XX_Count", "Sum"), ("m2", "RequestCount", "Sum")],
        "the \".\" shorthand repeats the row above"
    );
    assert_eq!(i.metrics[2].alarm_datapoints, MofN::parse("3 of 5"), "the alarm's 3 out of 5");
    let reasons: Vec<String> = i.skipped.iter().map(|s| format!("{}: {}", s.widget, s.reason)).collect();
    for want in [
        "CPU: no horizontal annotation",
        "Queue elsewhere: its region is us-east-1",
        "Errors: a Logs Insights query",
        "Alarms: an alarm status widget",
    ] {
        assert!(reasons.iter().any(|r| r.starts_with(want)), "{want} in {reasons:#?}");
    }
}

#[test]
fn the_written_workspace_validates_and_a_reimport_is_the_same_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let opts = Options { without_lines: true, ..Options::default() };
    let i = imported(&opts);
    assert_eq!(i.metrics.len(), 5, "with --without-lines the two CPU instances come too: {:#?}", i.metrics);
    let cpus: Vec<(&str, Option<&str>)> = i.metrics[3..]
        .iter()
        .map(|m| match &m.query {
            CwQuery::Metric(c) => (m.name.as_str(), c.dimensions.get("InstanceId").map(String::as_str)),
            _ => ("", None),
        })
        .collect();
    assert_eq!(
        cpus,
        vec![("CPU · CPUUtilization i-1", Some("i-1")), ("CPU · CPUUtilization i-2", Some("i-2"))],
        "\"...\" is the row above with its end replaced"
    );
    let path = write::write(&i, dir.path(), false).expect("written");
    let first = std::fs::read_to_string(&path).expect("read");
    let ws = crate::config::Workspace::open(dir.path()).expect("valid workspace");
    assert_eq!(ws.cloudwatch.as_ref().and_then(|c| c.region.as_deref()), Some("eu-west-1"));
    assert_eq!(ws.metrics.len(), 5);
    assert!(ws.teams[0].dashboard.as_deref().is_some_and(|d| d.starts_with("https://console.aws.amazon.com/cloudwatch/")));
    let again = imported(&opts);
    write::write(&again, dir.path(), false).expect("a re-import replaces its own file");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), first, "a re-import writes the same file");
    // A file the user wrote is not replaced.
    std::fs::write(&path, "[workspace]\n").expect("write");
    assert!(matches!(write::write(&again, dir.path(), false), Err(CwImportError::WouldOverwrite { .. })));
}

#[test]
fn lines_follow_labels_shading_and_the_alarm() {
    let a = |label: &str, value: f64, fill: Option<&str>| widgets::Ann { label: label.into(), value, fill: fill.map(str::to_string) };
    type Case = (Vec<widgets::Ann>, Option<Alarm>, Worse, Option<f64>, Option<f64>);
    let cases: Vec<Case> = vec![
        (vec![a("Critical", 90.0, None), a("Warning", 70.0, None)], None, Worse::Higher, Some(90.0), Some(70.0)),
        (vec![a("", 10.0, Some("below")), a("", 20.0, None)], None, Worse::Lower, Some(10.0), Some(20.0)),
        (vec![a("", 20.0, None), a("", 10.0, None)], None, Worse::Higher, Some(20.0), Some(10.0)),
        (vec![a("page", 5.0, None)], None, Worse::Higher, Some(5.0), None),
        (
            vec![a("warn", 50.0, None)],
            Some(Alarm { threshold: Some(80.0), comparison: "GreaterThanOrEqualToThreshold".into(), ..auth_alarm() }),
            Worse::Higher,
            Some(80.0),
            Some(50.0),
        ),
        (vec![a("warn", 99.0, None)], Some(auth_alarm()), Worse::Lower, Some(97.0), Some(99.0)),
        // An investigation line on the bad side of the alarm line is left out.
        (vec![a("Alarm", 10.0, Some("above")), a("Investigate", 20.0, None)], None, Worse::Higher, Some(10.0), None),
    ];
    for (anns, alarm, worse, al, inv) in cases {
        let l = widgets::lines(&anns, alarm.as_ref());
        assert_eq!((l.worse, l.alarm, l.investigation), (worse, al, inv), "{anns:?} {alarm:?}");
    }
}

#[test]
fn bad_rows_are_reported_and_the_rest_imported() {
    let body = r#"{"widgets":[{"type":"metric","properties":{"title":"Mixed","region":"eu-west-1","metrics":[
        ["Only"], [".", "X"], ["NS", "Good", "Dim"], ["NS", "Fine", "Dim", "v"], [{"label": "no expression"}], 7],
        "annotations":{"horizontal":[{"label":"Alarm","value":3}]}}}]}"#;
    let d = Dashboard::from_json("d", "d.json", body.as_bytes()).expect("dashboard");
    let i = import(&[d], &HashMap::new(), &Options::default());
    assert_eq!(i.metrics.len(), 1, "{:#?}", i);
    let CwQuery::Metric(m) = &i.metrics[0].query else { panic!() };
    assert_eq!(
        m,
        &CwMetric {
            id: String::new(),
            namespace: "NS".into(),
            metric: "Fine".into(),
            dimensions: [("Dim".to_string(), "v".to_string())].into(),
            stat: "Average".into()
        }
    );
    assert!(i.skipped.len() >= 4, "{:#?}", i.skipped);
    for (bad, what) in [("{", "not JSON"), ("{\"panels\": []}", "not a CloudWatch dashboard")] {
        let e = Dashboard::from_json("x", "x.json", bad.as_bytes()).expect_err(bad);
        assert!(e.to_string().contains(what), "{e}");
    }
    // An expression over metrics whose statistic CloudWatch does not know is left out, saying which.
    let math = r#"{"widgets":[{"type":"metric","properties":{"title":"Ratio","region":"eu-west-1","stat":"Mean","metrics":[
        ["NS", "A", {"id": "m1", "visible": false}], [{"expression": "m1 * 2", "id": "e1"}]],
        "annotations":{"horizontal":[{"label":"Alarm","value":3}]}}}]}"#;
    let i = import(&[Dashboard::from_json("d", "d.json", math.as_bytes()).expect("dashboard")], &HashMap::new(), &Options::default());
    assert!(i.metrics.is_empty(), "{:#?}", i.metrics);
    assert!(
        i.skipped.iter().any(|s| s.reason == "expression `m1 * 2`: m1 (A) has statistic \"Mean\", not one CloudWatch knows"),
        "{:#?}",
        i.skipped
    );
    // A dashboard without a name and a blank team: the team is still named and the workspace opens. A region,
    // profile or endpoint given for the import that no workspace can hold is refused, saying which.
    let unnamed = Dashboard::from_json("", "d.json", BODY.as_bytes()).expect("dashboard");
    let i = import(std::slice::from_ref(&unnamed), &HashMap::new(), &Options { team: Some(" ".into()), ..Options::default() });
    assert!(i.teams.iter().all(|t| t.name == "Untitled dashboard"), "{:?}", i.teams);
    let dir = tempfile::tempdir().expect("tmp");
    crate::config::Workspace::open(&write::write(&i, dir.path(), false).expect("written")).expect("opens");
    for (opts, want) in [
        (Options { region: Some("eu west".into()), ..Options::default() }, "region \"eu west\" is not a region name"),
        (Options { profile: Some("a b".into()), ..Options::default() }, "profile \"a b\" is not a profile name"),
        (
            Options { endpoint: Some("ftp://x".into()), ..Options::default() },
            "endpoint URL `ftp://x` must be an http:// or https:// address",
        ),
    ] {
        let i = import(std::slice::from_ref(&unnamed), &HashMap::new(), &opts);
        let e = write::write(&i, tempfile::tempdir().expect("tmp").path(), false).expect_err(want);
        assert!(matches!(&e, CwImportError::Setting(s) if s.starts_with(want)), "{e}");
    }
    // The CLI's `get-dashboard` answer: the body inside, as a string.
    let envelope = serde_json::json!({"DashboardName": "ops", "DashboardBody": body}).to_string();
    let d = Dashboard::from_json("file", "f.json", envelope.as_bytes()).expect("envelope");
    assert_eq!(d.name, "ops");
}

#[test]
#[ignore = "prints the written workspace for a look"]
fn show_written() {
    print!("{}", write::toml(&imported(&Options { without_lines: true, ..Options::default() })));
}

/// A dashboard with a few random edits (any part replaced by a value of the wrong type, huge, empty, hostile
/// text or a shorthand where it does not belong), at several steps: the import writes a workspace that opens,
/// or says why it wrote none — never a panic, and never a file the review then refuses.
#[test]
fn edited_dashboards_import_to_a_workspace_that_opens_or_to_nothing() {
    use crate::import::mutate::{import_edited, Outcome};
    let alarms = HashMap::from([("payments-auth-low".to_string(), auth_alarm())]);
    let (written, refused) = import_edited(&serde_json::from_str(BODY).expect("the dashboard"), |d, step, dir| {
        let dash = match Dashboard::from_json("shop", "edited.json", &serde_json::to_vec(d).expect("json")) {
            Ok(dash) => dash,
            Err(e) => return Outcome::Refused(e.to_string()),
        };
        match write::write(&import(&[dash], &alarms, &Options { step, ..Options::default() }), dir, false) {
            Ok(path) => Outcome::Written(path),
            Err(CwImportError::Invalid(e)) => Outcome::Invalid(e),
            Err(e) => Outcome::Refused(e.to_string()),
        }
    });
    assert!(written > 700 && refused > 0, "{written} written, {refused} refused");
}
