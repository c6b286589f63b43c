//! Hostile input, in process: many random files (hostile timestamps, values, steps and Parquet files)
//! through the loader, the review, every chart and every report, each with a time limit. Each must end
//! in an error or a review — never a panic, an abort or a hang (issue: crashes and hangs on hostile input).

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use flywheel::analysis::Params;
use flywheel::chart::{self, ChartOptions};
use flywheel::config::Workspace;
use flywheel::report;
use flywheel::review::{RangeSpec, Review};
use flywheel::source::{self, Quiet};
use flywheel::synth::Rng;

/// The longest any one file may take, from loading to the last report.
const LIMIT: Duration = Duration::from_secs(30);

const HOSTILE_TIMES: [&str; 10] = [
    "1e308",
    "-1e308",
    "8210266800000000000000",
    "9999-12-31T23:59:59Z",
    "1900-01-01",
    "NaN",
    "inf",
    "",
    "2026-02-30T00:00:00",
    "1762128000.5",
];
const HOSTILE_VALUES: [&str; 9] = ["NaN", "inf", "-inf", "1.79e308", "-1.79e308", "1e-320", "", "abc", "0"];

/// A bare CSV: mostly a plausible series (epoch seconds, 5 minutes), then hostile rows, duplicates and
/// shuffled order.
fn hostile_csv(rng: &mut Rng) -> String {
    let n = 20 + rng.below(3000);
    let t0 = 1_762_128_000i64 - rng.below(10) as i64 * 86_400;
    let mut rows: Vec<String> = (0..n).map(|i| format!("{},{}", t0 + i as i64 * 300, 100.0 + 10.0 * rng.normal())).collect();
    for _ in 0..rng.below(6) {
        let at = rng.below(rows.len());
        let t = HOSTILE_TIMES[rng.below(HOSTILE_TIMES.len())];
        let v = HOSTILE_VALUES[rng.below(HOSTILE_VALUES.len())];
        match rng.below(3) {
            0 => rows[at] = format!("{t},{v}"),
            1 => rows[at] = format!("{},{v}", t0 + at as i64 * 300),
            _ => rows.insert(at, rows[at].clone()),
        }
    }
    if rng.uniform() < 0.3 {
        for i in (1..rows.len()).rev() {
            rows.swap(i, rng.below(i + 1));
        }
    }
    format!("timestamp,value\n{}\n", rows.join("\n"))
}

/// `work` on a thread of its own, within [`LIMIT`]: its answer, or why the test fails (`what` still running, or
/// panicked).
fn within_limit<T: Send + 'static>(what: &Path, work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.recv_timeout(LIMIT).map_err(|e| match e {
        mpsc::RecvTimeoutError::Timeout => format!("{}: still running after {LIMIT:?}", what.display()),
        mpsc::RecvTimeoutError::Disconnected => format!("{}: panicked", what.display()),
    })
}

/// Run the whole review of one file on a thread; the outcome, or why it failed the test.
fn review_file(path: &Path) -> Result<String, String> {
    let p = path.to_path_buf();
    within_limit(path, move || {
        let ws = Workspace::bare(&p);
        let loaded = source::load(&ws, &Quiet);
        match Review::from_loaded(ws, loaded, RangeSpec::LastCompleteWeek, Params::default(), &Quiet) {
            Err(e) => format!("error: {e}"),
            Ok(r) => {
                let charts = r.series.iter().filter(|s| chart::render(&r, s, ChartOptions::default()).is_ok()).count();
                let _ = (report::html(&r), report::markdown(&r), report::terminal(&r, false, 50));
                let json = serde_json::to_string(&report::json::document(&r)).map(|j| j.len()).unwrap_or(0);
                format!("review: {} findings, {charts} charts, {json} bytes of JSON", r.findings.len())
            }
        }
    })
}

#[test]
fn hostile_files_end_in_an_error_or_a_review() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng::new(2026);
    let (mut reviews, mut errors) = (0, 0);
    for i in 0..120 {
        let path = dir.path().join(format!("case-{i}.csv"));
        let text = hostile_csv(&mut rng);
        std::fs::write(&path, &text).expect("write case");
        match review_file(&path) {
            Ok(o) if o.starts_with("error") => errors += 1,
            Ok(_) => reviews += 1,
            Err(why) => panic!("{why}\n--- first lines:\n{}", text.lines().take(5).collect::<Vec<_>>().join("\n")),
        }
    }
    // A bad timestamp or value cell fails its file with the line named; the clean ones are reviewed.
    assert!(reviews > 20 && errors > 20, "{reviews} reviews, {errors} errors");
}

#[test]
fn extreme_values_are_reported_and_their_chart_refused_without_hanging() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("extreme.csv");
    let t0 = 1_762_128_000i64;
    let mut text = String::from("timestamp,value\n");
    for i in 0..3000 {
        let v = match i {
            // Inside the first (the last complete) week.
            1500 => 1.79e308,
            1600 => -1.79e308,
            _ => 100.0 + (i % 7) as f64,
        };
        text.push_str(&format!("{},{v}\n", t0 + i * 300));
    }
    std::fs::write(&path, text).expect("write");
    let ws = Workspace::bare(&path);
    let loaded = source::load(&ws, &Quiet);
    let r = Review::from_loaded(ws, loaded, RangeSpec::LastCompleteWeek, Params::default(), &Quiet).expect("a review");
    assert!(r.findings.iter().any(|f| f.sentence.contains("1.79e308")), "{:?}", r.findings.iter().map(|f| &f.sentence).collect::<Vec<_>>());
    let chart = chart::render(&r, &r.series[0], ChartOptions::default());
    assert!(chart.is_err_and(|e| e.to_string().contains("too large to draw")));
    // The app's team dashboard still opens: that widget shows the error instead of a chart.
    let team = flywheel::view::team(&r, "(file)", 800, &[], None).expect("the team view opens");
    assert!(team.widgets[0].chart.is_none() && team.widgets[0].error.as_deref().is_some_and(|e| e.contains("too large to draw")));
    assert!(review_file(&path).is_ok());
}

#[test]
fn broken_parquet_files_are_errors_naming_the_file() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.parquet");
    let n = 2000i64;
    let mut df = df!(
        "timestamp" => (0..n).map(|i| 1_762_128_000 + i * 300).collect::<Vec<i64>>(),
        "value" => (0..n).map(|i| (i % 13) as f64).collect::<Vec<f64>>()
    )
    .expect("frame");
    let f = std::fs::File::create(&good).expect("create");
    ParquetWriter::new(f).finish(&mut df).expect("write parquet");
    let bytes = std::fs::read(&good).expect("read back");
    assert!(review_file(&good).is_ok_and(|o| o.starts_with("review")));
    let mut rng = Rng::new(7);
    for i in 0..40 {
        let mut b = bytes.clone();
        // Corrupt the footer (the last 200 bytes), a page in the middle, or cut the file short.
        match i % 3 {
            0 => {
                for _ in 0..4 {
                    let at = b.len() - 1 - rng.below(200.min(b.len() - 1));
                    b[at] = rng.below(256) as u8;
                }
            }
            1 => {
                let at = rng.below(b.len() / 2) + 4;
                for k in at..(at + 16).min(b.len()) {
                    b[k] ^= 0x5a;
                }
            }
            _ => b.truncate(rng.below(b.len())),
        }
        let path = dir.path().join(format!("broken-{i}.parquet"));
        std::fs::write(&path, &b).expect("write broken");
        let outcome = review_file(&path).unwrap_or_else(|why| panic!("{why}"));
        if outcome.starts_with("error") {
            assert!(outcome.contains(&format!("broken-{i}.parquet")), "{outcome}");
        }
    }
}

#[test]
fn absurd_steps_and_ranges_are_refused_with_a_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    for step in ["144115188075855871d", "4611686018427387903m", "0s", "-5m"] {
        let toml = format!("[workspace]\nname = \"x\"\ntimezone = \"UTC\"\nstep = \"{step}\"\n");
        let e = Workspace::from_toml(&toml, &dir.path().join("flywheel.toml"), dir.path()).expect_err(step);
        assert!(e.to_string().contains("step"), "{step}: {e}");
    }
    let path = dir.path().join("ok.csv");
    let text: String = (0..3000).map(|i| format!("{},{}\n", 1_762_128_000 + i * 300, i % 10)).collect();
    std::fs::write(&path, format!("timestamp,value\n{text}")).expect("write");
    for (from, to) in [(0i64, 253_402_300_799i64), (-2_208_988_800, 1_762_128_000)] {
        let ws = Workspace::bare(&path);
        let loaded = source::load(&ws, &Quiet);
        let e = Review::from_loaded(ws, loaded, RangeSpec::Explicit { from, to }, Params::default(), &Quiet).expect_err("too long");
        assert!(e.to_string().contains("longer than 366 days"), "{e}");
    }
}

#[test]
fn csv_refusals_name_the_line_and_what_was_expected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good: String = (0..10).map(|i| format!("{},{}\n", 1_762_128_000 + i * 300, i)).collect();
    let lines: Vec<&str> = good.lines().collect();
    let with = |at: usize, row: &[u8]| -> Vec<u8> {
        let mut out = b"timestamp,value\n".to_vec();
        for (i, l) in lines.iter().enumerate() {
            if i == at {
                out.extend_from_slice(row);
            } else {
                out.extend_from_slice(l.as_bytes());
            }
            out.push(b'\n');
        }
        out
    };
    // (A row with a missing value is an empty value: missing, and counted in the input notes.)
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("extra field", with(3, b"1762129000,5,7"), ":5: 3 fields where the first line `timestamp,value` has 2"),
        ("unterminated quote", with(2, b"\"1762129000,5"), ":4: a quoted field opened here is never closed"),
        ("bad UTF-8", with(4, b"1762129000,\xff\xfe"), ":6: the line is not valid UTF-8 text"),
    ];
    for (name, bytes, want) in cases {
        let path = dir.path().join(format!("{}.csv", name.replace(' ', "-")));
        std::fs::write(&path, bytes).expect("write");
        let ws = Workspace::bare(&path);
        let loaded = source::load(&ws, &Quiet);
        let e = Review::from_loaded(ws, loaded, RangeSpec::LastCompleteWeek, Params::default(), &Quiet).expect_err(name);
        assert!(e.to_string().contains(want), "{name}: {e}");
    }
}

#[test]
fn a_stray_far_future_row_does_not_move_the_review_week() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("stray.csv");
    // Two weeks from Monday 2025-11-03 (UTC), then one row dated 9999-12-31.
    let mut text = String::from("timestamp,value\n");
    for i in 0..(14 * 288) {
        text.push_str(&format!("{},{}\n", 1_762_128_000 + i * 300, 100 + i % 7));
    }
    text.push_str("9999-12-31T00:00:00Z,5\n");
    std::fs::write(&path, text).expect("write");
    let ws = Workspace::bare(&path);
    let loaded = source::load(&ws, &Quiet);
    let r = Review::from_loaded(ws, loaded, RangeSpec::LastCompleteWeek, Params::default(), &Quiet).expect("a review");
    assert_eq!(r.ctx.review_start(), 1_762_128_000 + 7 * 86_400, "{}", r.range_note);
    assert!(r.warnings.iter().any(|w| w.message.contains("1 row dated far beyond the rest")), "{:?}", r.warnings);
}

#[test]
fn devices_and_fifos_are_refused_not_read() {
    let e = Workspace::open(Path::new("/dev/zero")).expect_err("a device");
    assert!(e.to_string().contains("not a regular file"), "{e}");
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("metrics.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    assert!(made, "mkfifo");
    let toml = "[workspace]\nname = \"x\"\ntimezone = \"UTC\"\nstep = \"5m\"\n\n[[team]]\nname = \"T\"\n\n[[service]]\nname = \"s\"\nteam = \"T\"\n\n[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\nsource = { file = \"metrics.csv\" }\n";
    let ws = Workspace::from_toml(toml, &dir.path().join("flywheel.toml"), dir.path()).expect("workspace");
    // Reading a FIFO would block forever; it is a source error at once.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let loaded = source::load(&ws, &Quiet);
        let _ = tx.send(loaded.metrics.into_iter().map(|m| m.result.err().map(|e| e.to_string())).collect::<Vec<_>>());
    });
    let errors = rx.recv_timeout(Duration::from_secs(10)).expect("answered without blocking");
    assert!(errors.iter().flatten().any(|e| e.contains("not a regular file")), "{errors:?}");
}

/// Values a hand-edited workspace file might hold where another was meant: wrong types, out of range, empty,
/// huge, odd durations and M-of-N, hostile paths and text.
const HOSTILE_SETTINGS: [&str; 31] = [
    "\"\"",
    "0",
    "-1",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "\"0s\"",
    "\"-5m\"",
    "\"999999w\"",
    "\"5\"",
    "[]",
    "{}",
    "18446744073709551616",
    "-9223372036854775808",
    "\"0 of 0\"",
    "\"9 of 3\"",
    "\"Mars/Olympus\"",
    "\"friday\"",
    "{ file = \"\" }",
    "{ file = \"/dev/zero\" }",
    "{ file = \"../../../etc/passwd\" }",
    "{ prometheus = \"up\" }",
    "{ file = \"metrics.parquet\", series = \"\" }",
    "\"1s\"",
    "\"100000d\"",
    "1e-320",
    "true",
    "\"\u{202e}<b>x</b>\"",
    "\"1w\"",
    "0.0000001",
];

/// Lines a hand edit might add: settings at their limits, a server that is not there (loopback), empty names,
/// a journal address with a password in it (never repeated), an agenda, tickets and CloudWatch settings that
/// cannot be.
const HOSTILE_LINES: [&str; 14] = [
    "[journal]\nurl = \"postgres://ops:hunter2secret@127.0.0.1:1/x\"",
    "[[meeting.segment]]\ntitle = \"\"\nminutes = -5\nkind = \"dance\"",
    "[[meeting.segment]]\ntitle = \"<script>x</script>\"\nminutes = 100000\nkind = \"wheel\"",
    "[[tickets]]\nname = \"t\"\ncsv = \"/dev/zero\"\ndate_format = \"%Q%\"",
    "[cloudwatch]\nregion = \"eu west\"\nendpoint = \"javascript:alert(1)\"",
    "step = \"1s\"",
    "history_weeks = 0",
    "history_weeks = 1000",
    "sensitivity = 1e308",
    "alarm_datapoints = \"0 of 5\"",
    "[prometheus]\nurl = \"http://127.0.0.1:1\"\ntimeout = 0\nretries = 100000\nconcurrency = 0",
    "[[team]]\nname = \"\"",
    "[[service]]\nname = \"x\"\nteam = \"nope\"",
    "[[metric]]\nid = \"\"\nservice = \"\"\nsource = { file = \"metrics.parquet\" }",
];

/// Open a workspace file, review it, report it and re-flag it on a thread: a config error, or the review's
/// finding count (0 when the review itself fails); why the test fails otherwise.
fn review_workspace(path: &Path) -> Result<Result<usize, String>, String> {
    let p = path.to_path_buf();
    within_limit(path, move || {
        Workspace::open(&p).map_err(|e| e.to_string()).map(|ws| {
            let loaded = source::load(&ws, &Quiet);
            match Review::from_loaded(ws, loaded, RangeSpec::LastCompleteWeek, Params::default(), &Quiet) {
                Ok(mut r) => {
                    let _ = (report::html(&r), report::markdown(&r), flywheel::view::overview(&r));
                    r.reflag(Params::new(3.0).expect("a sensitivity"));
                    r.findings.len()
                }
                Err(_) => 0,
            }
        })
    })
}

/// The sample workspace's file with a few random hand edits (a setting's value replaced, a line deleted, a
/// line added) is refused with every problem's file and line, or opens and is reviewed — never a panic or a
/// hang.
#[test]
fn hand_edited_workspace_files_are_refused_by_line_or_reviewed() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let text = std::fs::read_to_string(sample.join("flywheel.toml")).expect("the sample workspace");
    let mut rng = Rng::new(46);
    let (mut refused, mut reviewed) = (0, 0);
    for case in 0..200 {
        let dir = tempfile::tempdir().expect("temp dir");
        std::os::unix::fs::symlink(sample.join("metrics.parquet"), dir.path().join("metrics.parquet")).expect("link the data");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut edits = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(lines.len());
            match rng.below(4) {
                0 | 1 => {
                    let settings: Vec<usize> =
                        (0..lines.len()).filter(|&k| !lines[k].starts_with('#') && lines[k].contains(" = ")).collect();
                    let k = settings[rng.below(settings.len())];
                    let key = lines[k].split(" = ").next().unwrap_or_default().to_string();
                    lines[k] = format!("{key} = {}", HOSTILE_SETTINGS[rng.below(HOSTILE_SETTINGS.len())]);
                    edits.push(lines[k].clone());
                }
                2 => edits.push(format!("deleted: {}", lines.remove(at))),
                _ => {
                    let added = HOSTILE_LINES[rng.below(HOSTILE_LINES.len())];
                    // A table goes where a table starts (or at the end), so its own settings are what is checked.
                    let at = if added.starts_with('[') {
                        (at..lines.len()).find(|&k| lines[k].starts_with('[')).unwrap_or(lines.len())
                    } else {
                        at
                    };
                    lines.insert(at, added.to_string());
                    edits.push(format!("added: {added}"));
                }
            }
        }
        let path = dir.path().join("flywheel.toml");
        std::fs::write(&path, lines.join("\n")).expect("write the workspace");
        match review_workspace(&path) {
            Ok(Ok(_)) => reviewed += 1,
            Ok(Err(e)) => {
                refused += 1;
                // Every problem is named by file and line (`…/flywheel.toml:42: …`), one per line.
                let by_line =
                    |l: &str| l.split_once("flywheel.toml:").is_some_and(|(_, rest)| rest.starts_with(|c: char| c.is_ascii_digit()));
                assert!(e.lines().all(by_line), "case {case} {edits:?}: a problem without its line:\n{e}");
                assert!(e.len() < 4000, "case {case} {edits:?}: a message too long to read ({} bytes)", e.len());
                assert!(!e.contains("hunter2secret"), "case {case} {edits:?}: a password repeated:\n{e}");
            }
            Err(why) => panic!("case {case} {edits:?}: {why}"),
        }
    }
    eprintln!("hand-edited workspace files: {refused} refused, {reviewed} reviewed");
    assert!(refused > 100 && reviewed > 5, "{refused} refused, {reviewed} reviewed");
}
