//! The sample review as a user runs it: what it finds, its JSON against the schema, and the reports it writes.

use flywheel::sample::SITUATIONS;

use super::*;

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
