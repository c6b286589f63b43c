//! What keeps coming back, as a team sees it over eight Monday reviews: each week's findings are kept in
//! the journal and a metric flagged for the same kind in 3 of the last 6 reviewed weeks is recurring.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const MONDAY_2026_09_28: i64 = 1_790_553_600;
const WEEK: i64 = 7 * 86_400;

/// Ten weeks of hourly data from Monday 2026-09-28 UTC: a steady queue depth, and in the weeks listed
/// (0 = the first) four hours on Wednesday at the value given (above the investigation line 300).
fn weeks_of_data(breached: &[(i64, f64)]) -> String {
    let mut s = String::from("timestamp,series,value\n");
    for h in 0..(10 * 7 * 24) {
        let t = MONDAY_2026_09_28 + h * 3600;
        let (week, hour_of_week) = (h / (7 * 24), h % (7 * 24));
        let wave = 10.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin() + (h * 7919 % 13) as f64 * 0.3;
        let spike = breached.iter().find(|(w, _)| *w == week).map(|(_, v)| *v);
        let v = match spike {
            Some(v) if (2 * 24 + 10..2 * 24 + 14).contains(&hour_of_week) => v,
            _ => 100.0 + wave,
        };
        s.push_str(&format!("{t},depth,{v:.2}\n"));
    }
    s
}

const WS: &str = r#"
[workspace]
name = "Queues"
timezone = "UTC"
step = "1h"
history_weeks = 2

[[team]]
name = "Platform"

[[service]]
name = "queue"
team = "Platform"

[[metric]]
id = "queue.depth"
service = "queue"
unit = "msgs"
worse = "higher"
alarm = 1000
investigation = 300
source = { file = "depth.csv", series = "depth" }
"#;

fn review(ws: &Path, data: &Path, week: i64, extra: &[&str]) -> Output {
    let date = chrono::DateTime::from_timestamp(MONDAY_2026_09_28 + week * WEEK + 86_400, 0).expect("date").format("%Y-%m-%d").to_string();
    Command::new(env!("CARGO_BIN_EXE_flywheel"))
        .args(["review", ws.to_str().expect("utf-8"), "--week", &date, "--quiet"])
        .args(extra)
        .env("FLYWHEEL_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .output()
        .expect("run flywheel")
}

/// The recurrence of the queue's investigation breach in week `week`'s JSON: (flagged, of), or None.
fn recurrence(ws: &Path, data: &Path, week: i64) -> Option<(usize, usize)> {
    let o = review(ws, data, week, &["--json", "-"]);
    assert!(o.status.success(), "week {week}: {}", String::from_utf8_lossy(&o.stderr));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let breach = doc["findings"].as_array().expect("findings").iter().find(|f| f["kind"] == "investigation_breach")?.clone();
    let rec = &breach["recurring"];
    if rec.is_null() {
        return Some((1, 0));
    }
    assert_eq!(doc["counts"]["recurring"], 1, "week {week}");
    Some((rec["weeks"].as_array().expect("weeks").len(), rec["of"].as_u64().expect("of") as usize))
}

#[test]
fn a_metric_flagged_in_three_of_the_last_six_reviews_is_recurring() {
    let ws = tempfile::tempdir().expect("tmp");
    let data = tempfile::tempdir().expect("tmp");
    std::fs::write(ws.path().join("flywheel.toml"), WS).expect("toml");
    std::fs::write(ws.path().join("depth.csv"), weeks_of_data(&[(3, 400.0), (4, 400.0), (6, 400.0), (7, 400.0)])).expect("csv");
    let (w, d) = (ws.path(), data.path());
    // A sensitivity being tried out is not kept (it would count week 1 as reviewed, with findings nobody
    // reviewed): week 6 below still looks at 5 reviews, not 6.
    assert!(review(w, d, 1, &["--sensitivity", "5", "--json", "-"]).status.success());
    // Eight Monday reviews, in order. (flagged weeks so far, reviews looked at) — Some((1, 0)) = flagged,
    // not recurring; None = not flagged.
    let want = [
        (2, None),
        (3, Some((1, 0))),
        (4, Some((1, 0))), // 2 of 3: not yet
        (5, None),
        (6, Some((3, 5))), // weeks 6, 4, 3 of the 5 reviews so far
        (7, Some((4, 6))), // weeks 7, 6, 4, 3 of the last 6
        (8, None),
        (9, None),
    ];
    for (week, expected) in want {
        assert_eq!(recurrence(w, d, week), expected, "week {week}");
    }
    // Reviewing a week again replaces what was kept for it: nothing is counted twice.
    assert_eq!(recurrence(w, d, 7), Some((4, 6)), "week 7 again");

    // The reports say it where a team looks first.
    let (md, html) = (w.join("r.md"), w.join("r.html"));
    let o = review(w, d, 7, &["--md", md.to_str().expect("md"), "--html", html.to_str().expect("html")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("What keeps coming back (1 recurring):"), "{text}");
    assert!(
        text.contains("queue.depth · investigation breach — 4 of the last 6 weeks (2026-11-16, 2026-11-09, 2026-10-26, 2026-10-19)"),
        "{text}"
    );
    let md = std::fs::read_to_string(md).expect("md");
    let (section, findings) = (md.find("## What keeps coming back").expect("section"), md.find("## Findings").expect("findings"));
    assert!(section < findings, "the recurring section comes before the findings");
    assert!(md.contains("(recurring: 4 of the last 6 weeks)"), "{md}");
    let html = std::fs::read_to_string(html).expect("html");
    assert!(html.contains("<h2>What keeps coming back</h2>") && html.contains("↻ recurring: 4 of the last 6 weeks"));
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

fn flywheel(data: &Path, args: &[&str]) -> Output {
    common::flywheel_in(data).args(args).env("USER", "ana").output().expect("run flywheel")
}

#[test]
fn a_batch_job_marked_expected_is_folded_away_until_it_comes_back_clearly_worse() {
    let ws = tempfile::tempdir().expect("tmp");
    let data = tempfile::tempdir().expect("tmp");
    std::fs::write(ws.path().join("flywheel.toml"), WS).expect("toml");
    // The same Wednesday job every week; in week 8 it runs far higher, through the alarm line.
    let jobs: Vec<(i64, f64)> = (2..10).map(|w| (w, if w == 8 { 1500.0 } else { 400.0 })).collect();
    std::fs::write(ws.path().join("depth.csv"), weeks_of_data(&jobs)).expect("csv");
    let (w, d) = (ws.path(), data.path());
    let breach = |doc: &Value, list: &str| doc[list].as_array().expect(list).iter().find(|f| f["kind"] == "investigation_breach").cloned();

    let week2 = json(&review(w, d, 2, &["--json", "-"]));
    let id = breach(&week2, "findings").expect("week 2 flags the job")["id"].as_str().expect("id").to_string();
    // Marking needs a reviewed finding; an unknown id is refused by name.
    let o = flywheel(d, &["findings", "mark", "queue.depth:nope:1", w.to_str().expect("ws"), "--noise"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no reviewed week has a finding `queue.depth:nope:1`"));
    // The workspace given first (as `review` takes it) is named as the mix-up it is, and nothing is marked.
    let o = flywheel(d, &["findings", "mark", w.to_str().expect("ws"), &id, "--noise"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains(&format!("the finding's id comes first, then the workspace: flywheel findings mark {id} ")),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = flywheel(
        d,
        &[
            "findings",
            "mark",
            &id,
            w.to_str().expect("ws"),
            "--expected",
            "batch_job",
            "--note",
            "weekly compaction",
            "--scope",
            "time-of-week",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("expected — known batch job, at this time every week: weekly compaction (ana)"));

    for week in 3..8 {
        let doc = json(&review(w, d, week, &["--json", "-"]));
        assert!(breach(&doc, "findings").is_none(), "week {week}: folded away");
        let muted = breach(&doc, "muted").unwrap_or_else(|| panic!("week {week}: listed under muted"));
        assert_eq!(muted["by"], "ana");
        assert_eq!(muted["reason"], "known batch job: weekly compaction (at this time every week)");
        assert_eq!(doc["counts"]["muted"], 1);
    }
    // Folding, never dropping: --show-muted keeps it in place.
    assert!(breach(&json(&review(w, d, 5, &["--json", "-", "--show-muted"])), "findings").is_some());
    // Week 8: clearly worse (an alarm breach now, severity far above the one marked), so nothing is muted.
    let doc = json(&review(w, d, 8, &["--json", "-"]));
    let worse = doc["findings"].as_array().expect("findings").iter().find(|f| f["kind"] == "alarm_breach").expect("week 8 shows the job");
    assert!(worse["severity"].as_u64().expect("severity") >= week2["findings"][0]["severity"].as_u64().expect("severity") + 20, "{worse}");
    assert_eq!(doc["counts"]["muted"], 0);
    // The terminal says what was folded, and the verdict is listed per metric.
    let text = String::from_utf8_lossy(&review(w, d, 9, &[]).stdout).into_owned();
    assert!(text.contains("Muted (1)") && text.contains("said by ana"), "{text}");
    let o = flywheel(d, &["findings", "list", w.to_str().expect("ws"), "--metric", "queue.depth"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains(&id), "{}", String::from_utf8_lossy(&o.stdout));
}

const NOISY: &str = r#"
[workspace]
name = "Noisy"
timezone = "UTC"
step = "1h"
history_weeks = 2

[[team]]
name = "Search"

[[service]]
name = "api"
team = "Search"

[[metric]]
id = "api.latency"
service = "api"
unit = "ms"
worse = "higher"
source = { file = "api.csv", series = "lat" }

[[metric]]
id = "api.errors"
service = "api"
unit = "%"
worse = "higher"
alarm = 5
investigation = 2
source = { file = "api.csv", series = "err" }
"#;

/// Ten weeks of hourly latency with a two-hour bump of +15 % at a different time each week from week 2
/// (flagged at the default sensitivity, a nuisance), and an error rate that breaches its
/// investigation line once, in week 6 (real).
fn noisy_data() -> String {
    let mut s = String::from("timestamp,series,value\n");
    for h in 0..(10 * 7 * 24) {
        let t = MONDAY_2026_09_28 + h * 3600;
        let (week, hour_of_week) = (h / (7 * 24), h % (7 * 24));
        let day = (week * 3) % 7;
        let bump = if week >= 2 && (day * 24 + 15..day * 24 + 17).contains(&hour_of_week) { 15.0 } else { 0.0 };
        let lat = 100.0 + 10.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin() + (h * 7919 % 13) as f64 * 0.3 + bump;
        let err = if week == 6 && (3 * 24 + 9..3 * 24 + 13).contains(&hour_of_week) {
            3.0
        } else {
            0.5 + 0.1 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin()
        };
        s.push_str(&format!("{t},lat,{lat:.2}\n{t},err,{err:.3}\n"));
    }
    s
}

#[test]
fn a_metric_dismissed_as_noise_in_three_weeks_gets_a_sensitivity_that_removes_it() {
    let ws = tempfile::tempdir().expect("tmp");
    let data = tempfile::tempdir().expect("tmp");
    std::fs::write(ws.path().join("flywheel.toml"), NOISY).expect("toml");
    std::fs::write(ws.path().join("api.csv"), noisy_data()).expect("csv");
    let (w, d) = (ws.path(), data.path());
    let wp = w.to_str().expect("ws");
    let of = |doc: &Value, metric: &str| -> Vec<String> {
        let findings = doc["findings"].as_array().expect("findings").iter();
        // The error rate's lines are loose (a finding of its own every week): its breach is what counts.
        let counted = |f: &&Value| f["metric"] == metric && (metric != "api.errors" || f["kind"] == "investigation_breach");
        findings.filter(counted).map(|f| f["id"].as_str().unwrap_or("").to_string()).collect()
    };
    let mut bumps = Vec::new();
    for week in 2..8 {
        let doc = json(&review(w, d, week, &["--json", "-"]));
        let ids = of(&doc, "api.latency");
        assert_eq!(ids.len(), 1, "week {week}: the bump is flagged: {doc}");
        bumps.push(ids[0].clone());
        assert_eq!(of(&doc, "api.errors").len(), usize::from(week == 6), "week {week}: the real breach");
    }
    // Nothing to propose until a metric was dismissed in 3 weeks.
    let o = flywheel(d, &["findings", "noise", wp]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("nothing to propose"), "{}", String::from_utf8_lossy(&o.stdout));
    for id in &bumps[..3] {
        assert!(flywheel(d, &["findings", "mark", id, wp, "--noise"]).status.success());
    }
    // The week's summary says what the room said, under the finding.
    let text = String::from_utf8_lossy(&review(w, d, 2, &[]).stdout).into_owned();
    let at = text.find("api.latency").unwrap_or_else(|| panic!("{text}"));
    assert!(text[at..].lines().nth(2).is_some_and(|l| l.trim() == "said: noise — ana"), "{text}");
    let o = flywheel(d, &["findings", "noise", wp]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.starts_with("Marked noise or expected, week by week (weeks of 2026-"), "{text}");
    assert!(text.contains("Search                   ▅▅▅▁▁▁  50% of 2 · 50% of 2 · 50% of 2 · 0% of 2 · 0% of 2 · 0% of 1"), "{text}");
    assert!(text.contains("seasonal anomaly         ███▁▁▁  100% of 1 · 100% of 1 · 100% of 1 · 0% of 1"), "{text}");
    let proposal = "api.latency was marked noise in 3 weeks (2026-10-12, 2026-10-19, 2026-10-26).\n  Proposal: sensitivity = ";
    let at = text.find(proposal).unwrap_or_else(|| panic!("{text}")) + proposal.len();
    let s: f64 = text[at..].split_whitespace().next().and_then(|v| v.parse().ok()).expect("a number");
    assert!(text.contains("removes 3 of the 3 findings marked noise"), "{text}");
    // The review of the next week carries the same shares: in the JSON and, as a chart, in the report.
    let doc = json(&review(w, d, 7, &["--json", "-"]));
    let weeks = doc["noise"]["by_team"]["Search"].as_array().expect("the Search team's weeks");
    let noise: Vec<u64> = weeks.iter().map(|w| w["noise"].as_u64().unwrap_or(9)).collect();
    assert_eq!(noise, vec![1, 1, 1, 0, 0, 0], "{doc}");
    let md_file = d.join("week7.md");
    assert!(review(w, d, 7, &["--md", md_file.to_str().expect("path")]).status.success());
    let md = std::fs::read_to_string(&md_file).expect("the Markdown report");
    assert!(
        md.contains("## Noise, week over week") && md.contains("| Search | 50% of 2 | 50% of 2 | 50% of 2 | 0% of 2 | 0% of 2 | 0% of 1 |"),
        "{md}"
    );

    // Applied: the nuisance is gone from every week, the real breach stays.
    let toml = NOISY.replace(
        "source = { file = \"api.csv\", series = \"lat\" }",
        &format!("sensitivity = {s}\nsource = {{ file = \"api.csv\", series = \"lat\" }}"),
    );
    std::fs::write(w.join("flywheel.toml"), toml).expect("toml");
    for week in 2..8 {
        let doc = json(&review(w, d, week, &["--json", "-"]));
        assert!(of(&doc, "api.latency").is_empty(), "week {week}: {doc}");
        assert_eq!(of(&doc, "api.errors").len(), usize::from(week == 6), "week {week}: the real breach stays");
    }
}
