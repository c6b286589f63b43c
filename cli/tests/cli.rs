//! The `flywheel` command as a user runs it: the sample review, its outputs, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flywheel::sample::SITUATIONS;
use serde_json::Value;

fn flywheel(args: &[&str]) -> Output {
    // Journals of these runs stay under target/, never in the user's data folder.
    flywheel_with_data(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-data"), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

fn review_json(args: &[&str]) -> Value {
    let mut all = vec!["review"];
    all.extend_from_slice(args);
    all.push("--json");
    let o = flywheel(&all);
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(&o));
    serde_json::from_slice(&o.stdout).expect("stdout is JSON")
}

#[test]
fn the_sample_review_finds_every_documented_situation() {
    let doc = review_json(&[sample().to_str().expect("path")]);
    let findings = doc["findings"].as_array().expect("findings");
    for s in SITUATIONS {
        let found = findings
            .iter()
            .any(|f| f["kind"] == s.kind.key() && f["metric"] == s.metric && s.instance.map(|i| f["instance"] == i).unwrap_or(true));
        assert!(found, "situation not found: {} on {} ({})", s.kind.label(), s.metric, s.what);
    }
    // Every kind of finding is covered by the sample.
    for k in flywheel::finding::Kind::ALL {
        assert!(doc["counts"]["by_kind"][k.key()].as_u64().unwrap_or(0) >= 1, "no {} in the sample", k.label());
    }
    // The documented situations are the top of the list: at most a few findings beyond them.
    assert!(findings.len() <= SITUATIONS.len() + 4, "{} findings for {} situations: noise", findings.len(), SITUATIONS.len());
    assert_eq!(doc["range"]["start"], "2026-11-09T00:00:00+01:00");
    assert_eq!(doc["range"]["end"], "2026-11-16T00:00:00+01:00");
    assert_eq!(doc["range"]["week"], "2026-W46", "the week as the room names it");
    assert_eq!(doc["workspace"]["history_weeks"], 5);
    // Ranked: severities never increase down the list; the alarm breach is first.
    let sev: Vec<u64> = findings.iter().map(|f| f["severity"].as_u64().unwrap_or(0)).collect();
    assert!(sev.windows(2).all(|w| w[0] >= w[1]), "{sev:?}");
    assert_eq!(findings[0]["kind"], "alarm_breach");
}

#[test]
fn the_json_document_validates_against_the_documented_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/review.schema.json")).expect("schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    for args in [
        vec![sample().to_str().expect("p").to_string()],
        vec![sample().to_str().expect("p").to_string(), "--sensitivity".into(), "2".into()],
    ] {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let doc = review_json(&a);
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "schema errors: {errors:#?}");
    }
    // The schema is strict enough to fail: a finding with an unknown kind is rejected.
    let mut doc = review_json(&[sample().to_str().expect("p")]);
    doc["findings"][0]["kind"] = Value::from("bad_kind");
    assert!(!validator.is_valid(&doc));
}

#[test]
fn the_default_workspace_is_the_sample_and_the_summary_is_ranked_text() {
    let o = flywheel(&["review", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Flywheel review — Sample shop · week 46 · 2026-11-09 – 2026-11-15"), "{out}");
    assert!(out.contains("  1.  "), "{out}");
    assert!(out.contains("alarm breach") && out.contains("payments.api.p99"), "{out}");
    assert!(out.contains("Per team"));
}

/// A data file named by a relative path with a folder in it (`data/metrics.parquet`, run from the repository)
/// is read from where it is, as the same file named by its absolute path: its folder is not joined to it twice.
#[test]
fn a_data_file_named_relative_to_the_current_folder_is_reviewed() {
    let run = |path: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_flywheel"))
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .env("FLYWHEEL_DATA_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-data"))
            .args(["review", path, "--quiet", "--strict", "--json"])
            .output()
            .expect("run flywheel");
        assert!(o.status.success(), "{path}: exit {:?}: {}", o.status, stderr(&o));
        let doc: Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
        doc
    };
    let relative = run("data/metrics.parquet");
    let absolute = run(sample().join("metrics.parquet").to_str().expect("path"));
    let ids = |d: &Value| d["findings"].as_array().expect("findings").iter().map(|f| f["id"].to_string()).collect::<Vec<_>>();
    assert!(!ids(&relative).is_empty(), "the sample's series flag something reviewed bare");
    assert_eq!(ids(&relative), ids(&absolute));
}

/// `-` sends one report to stdout (no file named `-` is written); two reports cannot share stdout.
#[test]
fn a_report_named_dash_goes_to_stdout() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_flywheel"))
            .current_dir(dir.path())
            .env("FLYWHEEL_DATA_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-data"))
            .args(["review", sample().to_str().expect("p"), "--quiet"])
            .args(args)
            .output()
            .expect("run flywheel")
    };
    let o = run(&["--md", "-"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("# Flywheel review — Sample shop"), "{out}");
    assert!(!out.contains("\n  1.  "), "the terminal summary is not mixed into the Markdown: {out}");
    let o = run(&["--html", "-"]);
    assert!(o.status.success() && stdout(&o).contains("<svg"), "{}", stderr(&o));
    let o = run(&["--md", "-", "--json"]);
    assert!(!o.status.success() && stderr(&o).contains("only one report can go to stdout"), "{}", stderr(&o));
    assert!(!dir.path().join("-").exists(), "no file named `-`");
}

/// `flywheel review | head`: a reader that stops early closes the pipe. The command ends quietly with the
/// status of a tool ended by SIGPIPE, not with a panic and its backtrace.
#[test]
fn output_into_a_pipe_closed_early_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flywheel"))
        .env("FLYWHEEL_DATA_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-data"))
        .args(["review", sample().to_str().expect("p"), "--quiet"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run flywheel");
    // Closed before the review is done, so the summary's first line meets a closed pipe.
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("flywheel ends");
    assert_eq!(o.status.code(), Some(141), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

/// A report written to a device or a pipe (`/dev/null`, `/dev/stdout`, a named pipe) goes into it and leaves
/// it as it was, never replaced by a file. A named pipe stands for them here: a test that broke `/dev/null`
/// would break the machine it runs on.
#[test]
fn a_report_written_to_a_pipe_leaves_the_pipe() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("tmp");
    let pipe = dir.path().join("report.pipe");
    assert!(Command::new("mkfifo").arg(&pipe).status().expect("mkfifo runs").success());
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::read_to_string(&pipe).expect("read the pipe"))
    };
    let o = flywheel(&["review", sample().to_str().expect("p"), "--quiet", "--md", pipe.to_str().expect("p")]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Checked before waiting on the reader: a replaced pipe would leave it waiting for ever.
    assert!(std::fs::metadata(&pipe).expect("pipe").file_type().is_fifo(), "still a pipe");
    assert!(reader.join().expect("reader").starts_with("# Flywheel review — Sample shop"));
}

#[test]
fn html_and_markdown_reports_are_written_with_a_chart_per_flagged_metric() {
    let dir = tempfile::tempdir().expect("tmp");
    let html = dir.path().join("review.html");
    let md = dir.path().join("review.md");
    let o = flywheel(&["review", sample().to_str().expect("p"), "--html", html.to_str().expect("p"), "--md", md.to_str().expect("p")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let h = std::fs::read_to_string(&html).expect("html");
    let doc = review_json(&[sample().to_str().expect("p")]);
    let mut flagged: Vec<&str> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["kind"] != "source_error")
        .filter_map(|f| f["metric"].as_str())
        .collect();
    flagged.sort();
    flagged.dedup();
    assert_eq!(h.matches("<svg ").count(), flagged.len(), "one chart per flagged metric with data");
    assert!(h.contains("Content-Security-Policy") && !h.contains("<script") && !h.contains("src=\"http"), "self-contained and inert");
    assert!(h.contains("alarm 600 ms"), "the alarm line is labelled on the chart");
    let m = std::fs::read_to_string(&md).expect("md");
    assert!(m.starts_with("# Flywheel review — Sample shop"));
    assert!(m.contains("| 1 | 88 | alarm breach | Payments |"), "{m}");
}

/// A small workspace in a temp folder, written from text and generated CSV.
struct Ws {
    dir: tempfile::TempDir,
}

impl Ws {
    fn new(toml: &str) -> Ws {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("flywheel.toml"), toml).expect("write");
        Ws { dir }
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
    fn path(&self) -> &str {
        self.dir.path().to_str().expect("utf-8 path")
    }
}

/// Two weeks of hourly data as `timestamp,series,value` CSV, from Monday 2026-11-02 UTC.
fn two_weeks(series: &str) -> String {
    let mut s = String::from("timestamp,series,value\n");
    for h in 0..(14 * 24) {
        let t = 1_793_577_600 + h * 3600; // 2026-11-02T00:00:00Z
        let v = 100.0 + 30.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin();
        s.push_str(&format!("{t},{series},{v:.2}\n"));
    }
    s
}

const WS: &str = r#"
[workspace]
name = "Tiny <b>shop</b>"
timezone = "UTC"
step = "1h"
history_weeks = 1

[[team]]
name = "<script>alert('team')</script>"
dashboard = "https://example.com/d/x"

[[service]]
name = "api"
team = "<script>alert('team')</script>"

[[metric]]
id = "api.latency"
service = "api"
unit = "<i>ms</i>"
worse = "higher"
alarm = 500
investigation = 300
source = { file = "good.csv", series = "lat" }
"#;

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
fn user_text_is_inert_in_every_report() {
    let ws = Ws::new(&WS.replace("alarm = 500", "alarm = 120").replace("investigation = 300", "investigation = 110"));
    ws.file("good.csv", &two_weeks("lat"));
    let dir = tempfile::tempdir().expect("tmp");
    let html = dir.path().join("r.html");
    let md = dir.path().join("r.md");
    let o = flywheel(&["review", ws.path(), "--html", html.to_str().expect("p"), "--md", md.to_str().expect("p")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let h = std::fs::read_to_string(&html).expect("html");
    assert!(!h.contains("<script>alert") && !h.contains("<b>shop"), "raw user markup in HTML");
    assert!(h.contains("&lt;script&gt;alert(&#39;team&#39;)&lt;/script&gt;"));
    assert!(h.contains("Tiny &lt;b&gt;shop&lt;/b&gt;"));
    assert!(!h.contains("<i>ms") && h.contains("&lt;i&gt;ms&lt;/i&gt;"), "a unit is text in the chart too");
    let m = std::fs::read_to_string(&md).expect("md");
    assert!(!m.contains("<script>") && m.contains("&lt;script&gt;"), "{m}");
}

fn flywheel_with_data(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flywheel"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("FLYWHEEL_DATA_DIR", data)
        .output()
        .expect("run flywheel")
}

#[test]
fn the_wheel_spins_confirms_and_keeps_its_history_in_the_journal() {
    let data = tempfile::tempdir().expect("tmp");
    let s = sample();
    let s = s.to_str().expect("p");
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("16.7%  Checkout") && out.contains("presents this week."), "{out}");
    // Confirmed spins with Payments absent: Payments never wins, and each winner's odds drop to 0.
    let mut winners = Vec::new();
    for seed in 2..12 {
        let o = flywheel_with_data(data.path(), &["spin", s, "--seed", &seed.to_string(), "--confirm", "--absent", "Payments"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        let winner = out.lines().find_map(|l| l.strip_suffix(" presents this week.")).expect("winner line").to_string();
        assert_ne!(winner, "Payments", "an absent team won");
        assert!(out.contains("0.0%  Payments  (absent)"), "{out}");
        winners.push(winner);
    }
    // Fairness moved: the last confirmed winner now has zero odds.
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "99"]);
    let last = winners.last().expect("ten winners");
    assert!(stdout(&o).contains(&format!("  0.0%  {last}")), "{}", stdout(&o));
    let h = stdout(&flywheel_with_data(data.path(), &["wheel", "history", s]));
    assert_eq!(h.lines().count(), 12, "{h}");
    assert_eq!(h.lines().filter(|l| l.contains("presented") && l.contains("absent: Payments")).count(), 10, "{h}");
    // Undo puts the last winner's odds back; a reset makes everyone equal.
    let o = flywheel_with_data(data.path(), &["wheel", "undo", s]);
    assert!(stdout(&o).contains(&format!("Undid the last confirmation ({last} presenting)")), "{}", stdout(&o));
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "99"]);
    assert!(!stdout(&o).contains(&format!("  0.0%  {last}")), "{}", stdout(&o));
    assert!(stdout(&flywheel_with_data(data.path(), &["wheel", "history", s])).lines().next().unwrap_or_default().contains("suggested"));
    flywheel_with_data(data.path(), &["wheel", "reset", s]);
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "5"]);
    assert_eq!(stdout(&o).matches("16.7%").count(), 6, "{}", stdout(&o));
    // Undo takes back what was done last: the reset, then the confirmation before the one already undone (each
    // named, and the history says which team's presentation was undone).
    let o = flywheel_with_data(data.path(), &["wheel", "undo", s]);
    assert_eq!(stdout(&o).trim(), "Undid the reset: the weights are back to before it.", "{}", stdout(&o));
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "5"]);
    assert!(stdout(&o).matches("16.7%").count() < 6, "the reset was undone: {}", stdout(&o));
    let before_last = &winners[winners.len() - 2];
    let o = flywheel_with_data(data.path(), &["wheel", "undo", s]);
    assert!(stdout(&o).contains(&format!("Undid the last confirmation ({before_last} presenting)")), "{}", stdout(&o));
    let h = stdout(&flywheel_with_data(data.path(), &["wheel", "history", s]));
    let undone: Vec<&str> = h.lines().filter(|l| l.contains("undone")).collect();
    assert_eq!(undone.len(), 2, "{h}");
    assert!(undone[0].contains(before_last.as_str()) && undone[1].contains(last.as_str()), "{h}");
    let o = flywheel_with_data(data.path(), &["spin", s, "--absent", "Nobody"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "flywheel: --absent: no team `Nobody` in Sample shop: its teams are Checkout, Payments, Search, Identity, Platform, Fulfilment",
        "{}",
        stderr(&o)
    );
}

#[test]
fn who_raised_an_item_is_the_login_name_when_no_user_variable_is_set() {
    // A service account or a container often sets none of USER, USERNAME and LOGNAME: the journal still says
    // who raised the item (the account's login name), not "unknown".
    let login = Command::new("id").arg("-un").output().expect("id -un");
    let login = String::from_utf8_lossy(&login.stdout).trim().to_string();
    assert!(!login.is_empty());
    let data = tempfile::tempdir().expect("tmp");
    let s = sample();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_flywheel"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("FLYWHEEL_DATA_DIR", data.path())
            .env_remove("USER")
            .env_remove("USERNAME")
            .env_remove("LOGNAME")
            .output()
            .expect("run flywheel")
    };
    let o = run(&["actions", "add", s.to_str().expect("p"), "--title", "Check the canary", "--owner", "bo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["actions", "history", "1", s.to_str().expect("p")]);
    assert!(stdout(&o).contains(&format!("raised by {login}")), "{}", stdout(&o));
}

#[test]
fn action_items_are_added_listed_done_exported_and_open_the_next_report() {
    let data = tempfile::tempdir().expect("tmp");
    let out = tempfile::tempdir().expect("tmp");
    let s = sample();
    let s = s.to_str().expect("p");
    let title = "Lower the p99 alarm line <script>x()</script>";
    let add = |t: &str, due: &str| {
        flywheel_with_data(
            data.path(),
            &["actions", "add", s, "--title", t, "--owner", "ana", "--due", due, "--team", "Payments", "--metric", "payments.api.p99"],
        )
    };
    let o = add(title, "2026-11-01");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("#1"), "{}", stdout(&o));
    assert!(add("Fix the canary", "2999-01-01").status.success());
    let bad = add("Bad date", "next week");
    assert_eq!(bad.status.code(), Some(1));
    // Said once: the journal's refusal is not printed again as its own cause.
    assert_eq!(
        stderr(&bad).trim(),
        "flywheel: `next week` is not a due date: use 2026-12-11, 11.12.2026, a weekday (friday), today, tomorrow, +3d or +2w",
        "{}",
        stderr(&bad)
    );
    // A weekday is its next one, written as the date.
    let o = add("Say it in the room", "friday");
    assert!(o.status.success(), "{}", stderr(&o));
    let list = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    let line = list.lines().find(|l| l.contains("Say it in the room")).expect("listed");
    let due = line.split(" due ").nth(1).map(|d| &d[..10]).expect("a due date");
    assert!(due.len() == 10 && due.as_bytes()[4] == b'-' && due.as_bytes()[7] == b'-', "{line}");
    // A team or metric the workspace does not have is refused (it would file the item where nobody looks).
    let about = |team: &str, metric: &str| {
        flywheel_with_data(data.path(), &["actions", "add", s, "--title", "Misfiled", "--team", team, "--metric", metric])
    };
    let o = about("Paymnets", "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no team `Paymnets` in Sample shop: its teams are Checkout, Payments, "), "{}", stderr(&o));
    let o = about("Payments", "payments.api.p98");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no metric `payments.api.p98` in Sample shop"), "{}", stderr(&o));

    let list = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    let (first, second) = (list.find(title).expect("listed"), list.find("Fix the canary").expect("listed"));
    assert!(first < second && list.contains("OVERDUE"), "overdue first: {list}");

    let md = out.path().join("r.md");
    let html = out.path().join("r.html");
    let o = flywheel_with_data(data.path(), &["review", s, "--md", md.to_str().expect("p"), "--html", html.to_str().expect("p")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = std::fs::read_to_string(&md).expect("md");
    assert!(m.find("## Previous action items").expect("section") < m.find("## Findings").expect("findings"), "{m}");
    let h = std::fs::read_to_string(&html).expect("html");
    assert!(h.contains("Previous action items") && !h.contains("<script>x()") && h.contains("&lt;script&gt;x()"), "escaped in HTML");

    assert!(flywheel_with_data(data.path(), &["actions", "done", "1", s]).status.success());
    let live = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    assert!(!live.contains(title) && live.contains("Fix the canary"), "{live}");
    let all = stdout(&flywheel_with_data(data.path(), &["actions", "list", s, "--all"]));
    assert!(all.contains("[done]"), "{all}");
    let csv = stdout(&flywheel_with_data(data.path(), &["actions", "export", s]));
    assert!(csv.starts_with("id,title,owner,due,status"), "{csv}");
    assert!(csv.lines().count() == 4 && csv.contains(",done,"), "{csv}");
    let o = flywheel_with_data(data.path(), &["actions", "done", "99", s]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no action item 99"), "{}", stderr(&o));
}

#[test]
fn an_unusable_journal_costs_only_the_action_items_not_the_review() {
    let tmp = tempfile::tempdir().expect("tmp");
    // The data folder is a file: the journal cannot be created (as on a read-only or broken disk).
    let not_a_dir = tmp.path().join("file");
    std::fs::write(&not_a_dir, "x").expect("write");
    let s = sample();
    let html = tmp.path().join("r.html");
    let o = flywheel_with_data(&not_a_dir, &["review", s.to_str().expect("p"), "--html", html.to_str().expect("p")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("journal"), "the user is told: {}", stderr(&o));
    assert!(std::fs::read_to_string(&html).expect("html").contains("payments-api"), "the review is still written");
    let o = flywheel_with_data(&not_a_dir, &["actions", "list", s.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot create the journal folder"), "{}", stderr(&o));
}

#[test]
fn terminal_escape_sequences_in_user_text_are_printed_inert() {
    let data = tempfile::tempdir().expect("tmp");
    let s = sample();
    let s = s.to_str().expect("p");
    let title = "fix it\u{1b}[2J\u{1b}[31mnow\u{7}";
    let o = flywheel_with_data(data.path(), &["actions", "add", s, "--title", title, "--owner", "e\u{1b}]0;pwned\u{7}ve"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for args in [vec!["actions", "add", s, "--title", "second"], vec!["actions", "list", s]] {
        let out = stdout(&flywheel_with_data(data.path(), &args));
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    }
    let list = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    assert!(list.contains("fix it\u{FFFD}[2J\u{FFFD}[31mnow\u{FFFD}"), "{list:?}");
    // The journal keeps what was written: the CSV export has the title as typed.
    let csv = stdout(&flywheel_with_data(data.path(), &["actions", "export", s]));
    assert!(csv.contains(title), "{csv:?}");
}

#[test]
fn reports_are_written_as_a_set_or_not_at_all() {
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("review.json");
    let html = dir.path().join("missing-folder").join("review.html");
    let s = sample();
    let o = flywheel(&["review", s.to_str().expect("p"), "--json", json.to_str().expect("p"), "--html", html.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("no report was written"), "{}", stderr(&o));
    assert!(!json.exists(), "the JSON was written although the HTML could not be");
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `flywheel journal status` says which store the journal is, where, its schema version, and counts what
/// was written (text and JSON); a journal from a newer Flywheel is named and left untouched.
#[test]
fn journal_status_says_the_store_schema_and_counts() {
    let data = tempfile::tempdir().expect("tmp");
    let s = sample();
    let s = s.to_str().expect("p");
    for t in ["check the alarm line", "raise the retry budget"] {
        assert!(flywheel_with_data(data.path(), &["actions", "add", s, "--title", t]).status.success());
    }
    let o = flywheel_with_data(data.path(), &["journal", "status", s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Journal of Sample shop: SQLite at ") && out.contains(&data.path().display().to_string()), "{out}");
    assert!(out.contains(&format!("Schema version {0} (this Flywheel writes {0})", flywheel::journal::SCHEMA_VERSION)), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("action items") && l.trim_end().ends_with(" 2")), "{out}");
    let o = flywheel_with_data(data.path(), &["journal", "status", s, "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(
        (doc["store"].as_str(), doc["counts"]["action items"].as_i64(), doc["counts"]["wheel spins"].as_i64()),
        (Some("SQLite"), Some(2), Some(0))
    );
    // A journal written by a newer Flywheel: the status names it and changes nothing.
    let file = std::path::PathBuf::from(doc["location"].as_str().expect("location"));
    bump_schema_version(&file);
    let before = std::fs::read(&file).expect("journal");
    let o = flywheel_with_data(data.path(), &["journal", "status", s]);
    assert!(!o.status.success() && stderr(&o).contains("written by a newer Flywheel"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&file).expect("journal"), before, "left untouched");
}

/// Set the journal's schema version one past this build's (the SQLite header's user_version field, at
/// byte 60, big-endian), as a newer Flywheel would have left it.
fn bump_schema_version(file: &Path) {
    // Fold the WAL into the file first so the header is the whole truth.
    let _ = flywheel::journal::Journal::open(file).map(drop);
    let mut bytes = std::fs::read(file).expect("journal");
    let v = (flywheel::journal::SCHEMA_VERSION as u32 + 1).to_be_bytes();
    bytes[60..64].copy_from_slice(&v);
    std::fs::write(file, bytes).expect("write");
}
