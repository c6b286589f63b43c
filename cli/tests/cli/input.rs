//! What the review reads — workspaces, bare files, Grafana exports, folders, local times — and how it says what
//! is wrong with bad input without losing the rest.

use super::*;

#[test]
fn a_broken_config_exits_1_and_names_the_file_line_and_field() {
    let ws = Ws::new(&WS.replace("investigation = 300", "investigation = 900"));
    let o = flywheel(&["review", ws.path()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(
            "flywheel.toml:22: metric `api.latency`: investigation line 900 is above the alarm line 500 for a higher-is-worse metric"
        ),
        "{e}"
    );
    let ws = Ws::new("[workspace\n");
    let o = flywheel(&["review", ws.path()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("flywheel.toml:1:"), "{}", stderr(&o));
    let o = flywheel(&["review", "/nonexistent/flywheel"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no workspace at /nonexistent/flywheel: expected a folder with flywheel.toml"), "{}", stderr(&o));
    let empty = tempfile::tempdir().expect("tmp");
    let o = flywheel(&["review", empty.path().to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("holds no flywheel.toml and no CSV or Parquet file"), "{}", stderr(&o));
}

#[test]
fn one_bad_source_becomes_a_finding_and_the_rest_of_the_review_completes() {
    let toml = format!("{WS}\n[[metric]]\nid = \"api.errors\"\nservice = \"api\"\nworse = \"higher\"\nsource = {{ file = \"good.csv\", series = \"nope\" }}\n\n[[metric]]\nid = \"api.broken\"\nservice = \"api\"\nworse = \"higher\"\nsource = {{ file = \"broken.csv\" }}\n");
    let ws = Ws::new(&toml);
    ws.file("good.csv", &two_weeks("lat"));
    ws.file("broken.csv", "timestamp,series,value\n2026-11-02T00:00:00Z,api.broken,1\n2026-11-02T01:00:00Z,api.broken,abc\n");
    let o = flywheel(&["review", ws.path(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    let errors: Vec<&Value> = doc["findings"].as_array().expect("f").iter().filter(|f| f["kind"] == "source_error").collect();
    assert_eq!(errors.len(), 2);
    let text: Vec<String> = errors.iter().map(|f| f["sentence"].as_str().unwrap_or_default().to_string()).collect();
    assert!(text.iter().any(|t| t.contains("good.csv (series `nope`): no series `nope` in this file (it has: lat)")), "{text:?}");
    assert!(text.iter().any(|t| t.contains("broken.csv:3: value `abc` is not a number")), "{text:?}");
    assert_eq!(doc["metrics"].as_array().expect("m").iter().filter(|m| m["status"] == "ok").count(), 1);
    // --strict turns a partial failure into exit code 3, still printing the review; 2 is a usage error.
    let o = flywheel(&["review", ws.path(), "--strict"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stdout(&o).contains("source error"));
    let o = flywheel(&["review", ws.path(), "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn bad_single_files_exit_1_with_the_file_named_and_never_panic() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases = [
        ("empty.csv", "", "empty.csv: the file is empty"),
        ("malformed.csv", "timestamp,value\n\"2026-11-02,1\n", "malformed.csv"),
        ("types.csv", "timestamp,value\n2026-11-02T00:00:00Z,high\n", "types.csv:2: value `high` is not a number"),
        ("stamps.csv", "timestamp,value\nnot-a-time,1\n", "stamps.csv:2: `not-a-time` is not a timestamp"),
        ("nothing.csv", "timestamp,value\n2026-11-02T00:00:00Z,NaN\n", "nothing to review: the data has no values"),
        ("x.parquet", "not parquet at all", "x.parquet: not a readable Parquet file"),
    ];
    for (name, text, want) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        let o = flywheel(&["review", p.to_str().expect("p")]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{name}");
    }
}

/// The `i`-th 5-minute reading from a midnight of a daily wave (±20) with a little steady noise.
fn daily_wave(i: i64) -> f64 {
    20.0 * ((i % 288) as f64 / 288.0 * std::f64::consts::TAU).sin() + ((i * 7919) % 13) as f64 * 0.3
}

#[test]
fn a_bare_timestamp_value_csv_is_reviewed_on_its_own() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("export.csv");
    // 15 days at 5 minutes, unsorted in one place, with a duplicate and a NaN, and a spike on the last Tuesday.
    let mut rows = vec!["time,value".to_string()];
    for i in 0..(15 * 288) {
        let t = 1_793_577_600 + i * 300;
        let mut v = 50.0 + daily_wave(i);
        if (8 * 288 + 14 * 12..8 * 288 + 15 * 12).contains(&i) {
            v *= 3.0;
        }
        rows.push(format!("{t},{v:.3}"));
    }
    rows.swap(100, 101);
    rows.push(format!("{},{}", 1_793_577_600 + 300, 51.0));
    rows.push(format!("{},NaN", 1_793_577_600 + 600));
    std::fs::write(&p, rows.join("\n")).expect("write");
    let o = flywheel(&["review", p.to_str().expect("p"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(doc["workspace"]["step_seconds"], 300);
    assert_eq!(doc["workspace"]["timezone"], "UTC");
    assert_eq!(doc["range"]["start"], "2026-11-09T00:00:00+00:00", "the last complete week");
    let f = &doc["findings"][0];
    assert_eq!(f["kind"], "seasonal_anomaly", "{f}");
    assert!(f["start"].as_str().unwrap_or_default().starts_with("2026-11-10T14:"), "{f}");
    let warnings: Vec<String> =
        doc["warnings"].as_array().expect("w").iter().map(|w| w["message"].as_str().unwrap_or_default().to_string()).collect();
    assert!(warnings.iter().any(|w| w.contains("out of time order")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("more than one sample")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("treated as missing")), "{warnings:?}");
    // Eight days of history: each day of the week is judged against all the data before it — by the time
    // of day over every day, as this series' weekend looks like its weekdays — and the summary says so.
    assert_eq!(doc["metrics"][0]["baseline"]["kind"], "rolling");
    let text = stdout(&flywheel(&["review", p.to_str().expect("p")]));
    assert!(text.contains("Baselines") && text.contains("each day is compared with all the data before it"), "{text}");
    assert!(text.contains("time of day") && !text.contains("same time last week"), "{text}");
}

/// Grafana's "Download CSV" (series joined by time): a quoted `Time` column in local time and one column per
/// series, 15 days at 5 minutes from Monday 2026-11-02, with a spike in `checkout p99` on the last Tuesday.
fn grafana_export() -> String {
    let mut rows = vec!["\"Time\",\"checkout p99\",\"login p99\"".to_string()];
    for i in 0..(15 * 288) {
        let (day, slot) = (i / 288, i % 288);
        let wave = daily_wave(i);
        let spike = if (8 * 288 + 14 * 12..8 * 288 + 15 * 12).contains(&i) { 3.0 } else { 1.0 };
        let login = if i % 500 == 7 { String::new() } else { format!("{:.2}", 80.0 + wave) };
        rows.push(format!("2026-11-{:02} {:02}:{:02}:00,{:.2},{login}", 2 + day, slot / 12, slot % 12 * 5, (50.0 + wave) * spike));
    }
    rows.join("\n")
}

#[test]
fn a_grafana_export_with_one_column_per_series_is_reviewed_as_those_series() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("grafana.csv");
    std::fs::write(&p, grafana_export()).expect("write");
    let o = flywheel(&["review", p.to_str().expect("p"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    let ids: Vec<&str> = doc["metrics"].as_array().expect("m").iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids, ["checkout p99", "login p99"]);
    let f = &doc["findings"][0];
    assert_eq!((&f["kind"], &f["metric"]), (&Value::from("seasonal_anomaly"), &Value::from("checkout p99")), "{f}");
    assert!(f["start"].as_str().unwrap_or_default().starts_with("2026-11-10T14:"), "{f}");
    assert!(doc["findings"].as_array().expect("f").iter().all(|f| f["metric"] != "login p99"), "the other column is calm");

    // In a workspace, a metric names its column as the series.
    let ws = Ws::new(
        r#"
[workspace]
name = "Grafana"
timezone = "UTC"
step = "5m"
history_weeks = 1

[[team]]
name = "Identity"

[[service]]
name = "login"
team = "Identity"

[[metric]]
id = "login.p99"
service = "login"
unit = "ms"
worse = "higher"
alarm = 110
investigation = 95
source = { file = "grafana.csv", series = "login p99" }

[[metric]]
id = "login.p50"
service = "login"
worse = "higher"
source = { file = "grafana.csv", series = "login p50" }
"#,
    );
    ws.file("grafana.csv", &grafana_export());
    let o = flywheel(&["review", ws.path(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    let findings = doc["findings"].as_array().expect("f");
    assert!(findings.iter().any(|f| f["metric"] == "login.p99" && f["kind"] == "investigation_breach"), "{findings:?}");
    let missing = findings.iter().find(|f| f["metric"] == "login.p50").expect("the missing column is its own error");
    assert_eq!(missing["kind"], "source_error");
    assert!(missing["sentence"].as_str().unwrap_or_default().contains("checkout p99"), "names the columns there are: {missing}");
}

#[test]
fn a_folder_of_exports_without_flywheel_toml_is_reviewed_file_by_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let exports = dir.path().join("monday-exports");
    std::fs::create_dir_all(&exports).expect("mkdir");
    let grafana = grafana_export();
    std::fs::write(exports.join("grafana.csv"), &grafana).expect("write");
    // The same columns from another dashboard, and a one-series export of the first column.
    std::fs::write(exports.join("other.csv"), &grafana).expect("write");
    let bare: Vec<String> = grafana.lines().map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_string()).collect();
    std::fs::write(exports.join("checkout.csv"), bare.join("\n").replace("\"checkout p99\"", "value")).expect("write");
    std::fs::write(exports.join("broken.csv"), "time,value\n2026-11-09 00:00,fast\n").expect("write");
    std::fs::write(exports.join("README.md"), "exported on Monday").expect("write");

    let o = flywheel(&["review", exports.to_str().expect("p"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(doc["workspace"]["name"], "monday-exports");
    let mut ids: Vec<&str> = doc["metrics"].as_array().expect("m").iter().filter_map(|m| m["id"].as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        ["broken", "checkout", "grafana/checkout p99", "grafana/login p99", "other/checkout p99", "other/login p99"],
        "each file's series, told apart by their file where two files share one"
    );
    let findings = doc["findings"].as_array().expect("f");
    for spike in ["checkout", "grafana/checkout p99", "other/checkout p99"] {
        let f = findings.iter().find(|f| f["metric"] == spike && f["kind"] == "seasonal_anomaly");
        let sentence = f.map(|f| f["sentence"].as_str().unwrap_or_default()).unwrap_or_default();
        assert!(sentence.starts_with(&format!("{spike} rose to")), "{spike}, named as its id: {findings:?}");
    }
    let broken = findings.iter().find(|f| f["metric"] == "broken").expect("the broken file is its own finding");
    assert_eq!(broken["kind"], "source_error");
    assert!(broken["sentence"].as_str().unwrap_or_default().contains("value `fast` is not a number"), "{broken}");

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let o = flywheel(&["review", empty.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("holds no flywheel.toml and no CSV or Parquet file to review"), "{}", stderr(&o));
}

#[test]
fn a_file_in_local_time_is_read_in_the_zone_tz_names() {
    // A logger writing Berlin wall-clock times every 5 minutes for six weeks up to the spring change (Sunday
    // 2026-03-29, when 02:00 becomes 03:00: the hour is never written).
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("local.csv");
    let mut rows = vec!["time,value".to_string()];
    let start = 1_771_200_000; // 2026-02-16 00:00 UTC, as a wall-clock count
    for i in 0..(6 * 7 * 288) {
        let wall = start + i * 300;
        let (h, day) = ((wall % 86_400) / 3600, (wall - start) / 86_400);
        if day == 41 && h == 2 {
            continue;
        }
        let t = chrono::DateTime::from_timestamp(wall, 0).expect("t").naive_utc();
        let v = 50.0 + daily_wave(i);
        rows.push(format!("{},{v:.2}", t.format("%Y-%m-%d %H:%M")));
    }
    std::fs::write(&p, rows.join("\n")).expect("write");
    let missing = |args: &[&str]| {
        let mut all = vec!["review", p.to_str().expect("p"), "--week", "2026-W13", "--json"];
        all.extend_from_slice(args);
        let o = flywheel(&all);
        assert!(o.status.success(), "{}", stderr(&o));
        let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
        let found = doc["findings"].as_array().expect("f").iter().filter(|f| f["kind"] == "missing_data").count();
        (doc["workspace"]["timezone"].as_str().unwrap_or_default().to_string(), found)
    };
    // Read as UTC, the hour the clocks skipped is a gap; in Berlin time it never existed.
    assert_eq!(missing(&[]), ("UTC".to_string(), 1));
    assert_eq!(missing(&["--tz", "Europe/Berlin"]), ("Europe/Berlin".to_string(), 0));
    let o = flywheel(&["review", p.to_str().expect("p"), "--tz", "Mars/Olympus"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--tz: `Mars/Olympus` is not an IANA time zone"), "{}", stderr(&o));
    let o = flywheel(&["review", sample().to_str().expect("p"), "--tz", "Europe/Berlin"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--tz is for a data file or a folder of them; Sample shop sets its own"), "{}", stderr(&o));

    // The app chose Berlin for this file (its recent list remembers it): read as UTC here, the review says so.
    let data = dir.path().join("data");
    flywheel::recent::add(&data.join("recent.json"), &p, "local", Some("Europe/Berlin"), 1).expect("recent");
    let args = ["review", p.to_str().expect("p"), "--week", "2026-W13"];
    let o = flywheel_with_data(&data, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("read as UTC; the app reads") && stderr(&o).contains("in Europe/Berlin (--tz Europe/Berlin"),
        "{}",
        stderr(&o)
    );
    let mut with_tz = args.to_vec();
    with_tz.extend(["--tz", "Europe/Berlin"]);
    assert!(!stderr(&flywheel_with_data(&data, &with_tz)).contains("note:"));
}

#[test]
fn ranges_can_be_chosen() {
    let s = sample();
    let s = s.to_str().expect("p");
    let doc = review_json(&[s, "--week", "2026-11-04"]);
    assert_eq!(doc["range"]["start"], "2026-11-02T00:00:00+01:00");
    assert_eq!(doc["workspace"]["history_weeks"], 4, "only four weeks of data precede it");
    let doc = review_json(&[s, "--from", "2026-11-10", "--to", "2026-11-11"]);
    assert_eq!(doc["range"]["end"], "2026-11-11T00:00:00+01:00");
    assert!(doc["range"].get("week").is_none(), "a day is not a week");
    let w45 = review_json(&[s, "--week", "2026-W45"]);
    assert_eq!((&w45["range"]["start"], &w45["range"]["week"]), (&Value::from("2026-11-02T00:00:00+01:00"), &Value::from("2026-W45")));
    assert!(doc["findings"].as_array().expect("f").iter().any(|f| f["kind"] == "alarm_breach"));
    let o = flywheel(&["review", s, "--from", "2026-11-11", "--to", "2026-11-10"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("must be after"), "{}", stderr(&o));
    let o = flywheel(&["review", s, "--week", "last tuesday"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--week"), "{}", stderr(&o));
}

#[test]
fn sensitivity_changes_how_much_is_flagged() {
    let s = sample();
    let s = s.to_str().expect("p");
    let count = |v: &str| review_json(&[s, "--sensitivity", v])["counts"]["findings"].as_u64().unwrap_or(0);
    let (low, mid, high) = (count("0.5"), count("1"), count("2.5"));
    assert!(low < mid && mid < high, "{low} {mid} {high}");
}

#[test]
fn other_lines_are_tried_on_a_metric_without_changing_the_workspace() {
    let s = sample();
    let s = s.to_str().expect("p");
    let toml = std::fs::read(sample().join("flywheel.toml")).expect("toml");
    // (arguments, what stdout says, what stderr says, exit code)
    let cases: [(&[&str], &[&str], &str, i32); 5] = [
        (
            &["payments.api.p99", s, "--alarm", "200", "--investigation", "150"],
            &["payments.api.p99 with alarm 200 ms (was 600 ms) and investigation 150 ms (was 400 ms): ", "alarm breach", "In the 5 history weeks, the highest 0.5% of readings reached the alarm line 200 ms in all 5", "alarm = 200, investigation = 150"],
            "",
            0,
        ),
        (
            &["identity.canary.success", s, "--alarm", "none", "--investigation", "none"],
            &["alarm none (was 93%) and investigation none (was 96%): 1 finding", "missing data", "No lines", "alarm removed, investigation removed"],
            "",
            0,
        ),
        (&["payments.api.p99", s, "--alarm", "200"], &[], "the investigation line 400 is above the alarm line 200: for a higher-is-worse metric it comes first (give --investigation as well)", 1),
        (&["payments.api.p99", s, "--alarm", "lots"], &[], "--alarm lots: give a number, or `none` for no line", 1),
        (&["nope", s, "--alarm", "1"], &[], "no metric `nope` in Sample shop", 1),
    ];
    for (args, out, err, code) in cases {
        let o = flywheel(&[&["lines"], args].concat());
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        for want in out {
            assert!(stdout(&o).contains(want), "{args:?}: no `{want}` in {}", stdout(&o));
        }
        assert!(stderr(&o).contains(err), "{args:?}: {}", stderr(&o));
    }
    let breaches =
        stdout(&flywheel(&["lines", "payments.api.p99", s, "--alarm", "200", "--investigation", "150"])).matches("alarm breach").count();
    assert!(breaches >= 2, "a line inside the daily peaks is crossed more than once");
    assert_eq!(std::fs::read(sample().join("flywheel.toml")).expect("toml"), toml, "nothing is written");
}

#[test]
fn series_that_follow_a_clock_with_daylight_saving_read_in_utc_are_said_to() {
    // Six weeks up to Sunday 15 November 2026 of a service busy by Berlin's clock, exported with UTC times ("Z"):
    // from Sunday 25 October 01:00 UTC (the clocks went back) its daily wave comes an hour later in UTC.
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("export.csv");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 10, 5).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("d").and_utc().timestamp();
    let change = chrono::NaiveDate::from_ymd_opt(2026, 10, 25).and_then(|d| d.and_hms_opt(1, 0, 0)).expect("d").and_utc().timestamp();
    let mut rows = vec!["time,value".to_string()];
    for i in 0..(6 * 7 * 288) {
        let t = start + i * 300;
        let local = i + if t < change { 24 } else { 12 };
        let utc = chrono::DateTime::from_timestamp(t, 0).expect("t");
        rows.push(format!("{},{:.2}", utc.format("%Y-%m-%dT%H:%M:%SZ"), 50.0 + daily_wave(local)));
    }
    std::fs::write(&p, rows.join("\n")).expect("write");
    let review = |args: &[&str]| {
        let mut all = vec![p.to_str().expect("p"), "--week", "2026-11-09"];
        all.extend_from_slice(args);
        let doc = review_json(&all);
        let notes = doc["warnings"]
            .as_array()
            .expect("w")
            .iter()
            .map(|w| format!("{}: {}", w["metric"].as_str().unwrap_or_default(), w["message"].as_str().unwrap_or_default()));
        notes.filter(|n| n.contains("with a daily pattern: it moved an hour")).collect::<Vec<_>>()
    };
    let utc_notes = review(&[]);
    assert_eq!(utc_notes.len(), 1, "{utc_notes:?}");
    for said in ["1 of 1 series", "moved an hour later in UTC after Sun 25 Oct 2026", "clocks went back in Europe", "--tz Europe/Berlin"] {
        assert!(utc_notes[0].contains(said), "{said}: {}", utc_notes[0]);
    }
    // Read in its own zone the history agrees with the week: nothing to say.
    assert!(review(&["--tz", "Europe/Berlin"]).is_empty());
    // A series kept in UTC says nothing either.
    let kept_in_utc: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| if i == 0 { r.clone() } else { format!("{},{:.2}", &r[..20], 50.0 + daily_wave(i as i64 - 1)) })
        .collect();
    std::fs::write(&p, kept_in_utc.join("\n")).expect("write");
    assert!(review(&[]).is_empty());
}
