//! Reading `flywheel.toml`: a good workspace with its defaults, and every mistake named by its line and field.

use super::*;

const GOOD: &str = r#"
[workspace]
name = "Shop"
timezone = "Europe/Berlin"
step = "5m"
history_weeks = 4

[[team]]
name = "Checkout"
dashboard = "https://grafana.example/d/checkout"

[[service]]
name = "checkout-api"
team = "Checkout"

[[metric]]
id = "checkout.p99"
service = "checkout-api"
unit = "ms"
statistic = "p99"
worse = "higher"
alarm = 800
investigation = 500
alarm_datapoints = "2 of 3"
source = { file = "metrics.parquet" }
"#;

fn parse(text: &str) -> Result<Workspace, ConfigError> {
    Workspace::from_toml(text, Path::new("ws/flywheel.toml"), Path::new("ws"))
}

#[test]
fn a_good_workspace_reads_with_defaults() {
    let ws = parse(GOOD).expect("valid");
    assert_eq!(ws.name, "Shop");
    assert_eq!(ws.tz.name(), "Europe/Berlin");
    assert_eq!(ws.step, Some(300));
    assert_eq!(ws.history_weeks, 4);
    let m = &ws.metrics[0];
    assert_eq!(m.team, "Checkout");
    assert_eq!(m.alarm, Some(800.0));
    assert_eq!(m.alarm_datapoints, MofN { m: 2, n: 3 });
    assert_eq!(m.investigation_datapoints, MofN { m: 3, n: 5 });
    assert_eq!(m.source, Source::File { path: "metrics.parquet".into(), series: "checkout.p99".into() });
    assert_eq!(m.line, 16, "the line of the [[metric]] header");
}

/// Each broken variant of GOOD must be refused with a message naming the line and the field.
#[test]
fn every_mistake_names_its_line_and_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "investigation = 500",
            "investigation = 900",
            "ws/flywheel.toml:23: metric `checkout.p99`: investigation line 900 is above the alarm line 800 for a higher-is-worse metric",
        ),
        (
            "timezone = \"Europe/Berlin\"",
            "timezone = \"Mars/Olympus\"",
            "ws/flywheel.toml:4: workspace: `Mars/Olympus` is not an IANA time zone",
        ),
        ("step = \"5m\"", "step = \"7m\"", "ws/flywheel.toml:5: workspace: step `7m` does not divide a day evenly"),
        ("worse = \"higher\"", "worse = \"up\"", "ws/flywheel.toml:21: metric `checkout.p99`: worse must be \"higher\" or \"lower\""),
        (
            "service = \"checkout-api\"\nunit",
            "service = \"cart\"\nunit",
            "ws/flywheel.toml:18: metric `checkout.p99`: service `cart` is not defined",
        ),
        ("team = \"Checkout\"", "team = \"Nobody\"", "ws/flywheel.toml:14: service `checkout-api`: team `Nobody` is not defined"),
        (
            "https://grafana.example/d/checkout",
            "javascript:alert(1)",
            "ws/flywheel.toml:10: team `Checkout`: dashboard URL `javascript:alert(1)` must be an http:// or https:// address",
        ),
        (
            "alarm_datapoints = \"2 of 3\"",
            "alarm_datapoints = \"4 of 3\"",
            "ws/flywheel.toml:24: metric `checkout.p99`: alarm_datapoints must look like \"3 of 5\"",
        ),
        ("history_weeks = 4", "history_weeks = -1", "ws/flywheel.toml:6: workspace: history_weeks must be 0 to 52"),
        ("alarm = 800", "alarm = nan", "ws/flywheel.toml:22: metric `checkout.p99`: the alarm line must be a finite number"),
        (
            "source = { file = \"metrics.parquet\" }",
            "source = { series = \"x\" }",
            "ws/flywheel.toml:25: metric `checkout.p99`: source needs a `file`",
        ),
        (
            "source = { file = \"metrics.parquet\" }",
            "source = { file = \"../../etc/passwd\" }",
            "ws/flywheel.toml:25: metric `checkout.p99`: file `../../etc/passwd` must be inside the workspace folder",
        ),
        (
            "source = { file = \"metrics.parquet\" }",
            "source = { file = \"/etc/passwd\" }",
            "ws/flywheel.toml:25: metric `checkout.p99`: file `/etc/passwd` must be inside the workspace folder",
        ),
        ("unit = \"ms\"", "unit = \"ms\"\ncolour = \"red\"", "ws/flywheel.toml:20: unknown field `colour`"),
        ("[workspace]", "[workspace", "ws/flywheel.toml:2:"),
    ];
    for (from, to, want) in cases {
        assert!(GOOD.contains(from), "fixture lacks {from}");
        let text = GOOD.replacen(from, to, 1);
        let err = parse(&text).expect_err(to).to_string();
        assert!(err.contains(want), "{to}:\n got: {err}\nwant: {want}");
    }
}

#[test]
fn lower_is_worse_lines_are_checked_the_other_way() {
    let lower = GOOD.replace("worse = \"higher\"", "worse = \"lower\"");
    let ok = lower.replace("alarm = 800", "alarm = 100");
    assert!(parse(&ok).is_ok(), "investigation 500 above alarm 100 is right when lower is worse");
    let err = parse(&lower).expect_err("500 below 800").to_string();
    assert!(err.contains("investigation line 500 is below the alarm line 800 for a lower-is-worse metric"), "{err}");
}

#[test]
fn a_metric_may_have_its_own_sensitivity_within_the_range() {
    let base = "[workspace]\nname = \"x\"\n[[team]]\nname = \"T\"\n[[service]]\nname = \"s\"\nteam = \"T\"\n[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\n";
    for (line, want) in [
        ("", Ok(1.0)),
        ("sensitivity = 0.4\n", Ok(0.4)),
        ("sensitivity = 0\n", Err("metric `m`: sensitivity")),
        ("sensitivity = 11\n", Err("metric `m`: sensitivity")),
    ] {
        let toml = format!("{base}{line}source = {{ file = \"f.csv\", series = \"m\" }}\n");
        match (parse(&toml), want) {
            (Ok(ws), Ok(s)) => assert_eq!(ws.metrics[0].sensitivity, s, "{line}"),
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{line}: {e}"),
            (got, want) => panic!("{line}: {:?} vs {want:?}", got.map(|w| w.metrics[0].sensitivity)),
        }
    }
}

#[test]
fn urls() {
    for ok in ["https://a.example/x", "http://10.0.0.1:3000/d"] {
        assert!(check_url(ok).is_ok(), "{ok}");
    }
    for bad in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://",
        "ftp://x",
        "https://a b",
        "data:text/html,<b>",
        "https://x\"onmouseover=\"alert(1)",
        "https://user:pass@prom.example/x",
        "http://user@10.0.0.1:9090",
    ] {
        assert!(check_url(bad).is_err(), "{bad}");
    }
    // The message never repeats the password.
    let e = check_url("https://user:hunter2@prom.example/x").expect_err("credentials").to_string();
    assert!(!e.contains("hunter2") && e.contains("https://prom.example/x"), "{e}");
    assert_eq!(without_userinfo("http://a:b@h:1/p?q=@x"), "http://h:1/p?q=@x");
}

#[test]
fn numbers_format_plainly() {
    for (v, s) in [
        (500.0, "500"),
        (0.25, "0.25"),
        (1234.5678, "1234.6"),
        (0.001234, "0.001234"),
        (2.5, "2.5"),
        (-2.5, "-2.5"),
        (99.996, "100"),
        (1.125, "1.12"),
        (1.375, "1.38"),
        (0.125, "0.125"),
        (-0.0000001, "-0"),
        (1e-9, "0"),
        (f64::NAN, "NaN"),
        (999_999_999_999_999.0, "999999999999999"),
        (1e15, "1e15"),
        (1e308, "1e308"),
        (-1.79e308, "-1.79e308"),
        (123_456_789_012_345_678.0, "1.235e17"),
        (f64::INFINITY, "inf"),
    ] {
        assert_eq!(fmt_num(v), s, "{v:e}");
    }
}

/// Numbers written by integers read exactly as the formatter writes them, wherever that way is taken: at
/// halves and one step either side of them (in decimals and in binary), with carries into the whole part,
/// tiny and large, and the numbers findings write (three significant digits).
#[test]
fn numbers_by_integers_read_as_the_formatter_writes_them() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut values = vec![0.125, 0.375, 2.675, 1.005, 99.95, 99.995, 0.0000005, 0.0000015, 1e-7, 123456.75, 0.009999, 999.95, 4e9 + 0.05];
    for _ in 0..40_000 {
        let mantissa = (next() >> 11) as f64 / (1u64 << 53) as f64 * 10.0;
        let v = mantissa * 10f64.powi((next() % 19) as i32 - 9) * if next() % 2 == 0 { 1.0 } else { -1.0 };
        values.extend([v, crate::text::round_sig(v, 3), crate::text::round_sig(v, 4)]);
        let d = [1, 2, 4, 6][(next() % 4) as usize];
        let half = ((next() % 2_000_000) as f64 + 0.5) / 10f64.powi(d);
        values.extend([half, half.next_up(), half.next_down(), -half]);
    }
    let mut fast = 0;
    for &v in &values {
        for d in [1, 2, 4, 6] {
            if let Some(s) = fixed_by_integers(v, d) {
                assert_eq!(s, fixed_by_formatter(v, d), "{v:e} with {d} decimals");
                fast += 1;
            }
        }
    }
    // The integers' way is the usual one (else this test would check little).
    assert!(fast * 10 > values.len() * 4 * 6, "{fast} of {}", values.len() * 4);
}

#[test]
fn a_folder_without_flywheel_toml_opens_its_data_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let exports = dir.path().join("exports");
    std::fs::create_dir_all(exports.join("older")).expect("mkdir");
    for name in ["latency.csv", "grafana.CSV", "fleet.parquet", "notes.md", ".~lock.latency.csv#", ".hidden.csv", "older/a.csv"] {
        std::fs::write(exports.join(name), "time,value\n").expect("write");
    }
    let ws = Workspace::open(&exports).expect("a folder of exports");
    let names: Vec<String> = ws.bare_files.iter().map(|p| p.strip_prefix(&exports).expect("inside").display().to_string()).collect();
    assert_eq!(names, ["fleet.parquet", "grafana.CSV", "latency.csv"], "its own data files, sorted; not hidden ones, not sub-folders'");
    assert!(ws.bare_files.iter().all(|p| p.is_absolute()));
    assert_eq!((ws.name.as_str(), ws.root.as_path(), ws.metrics.len()), ("exports", exports.as_path(), 0));

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    std::fs::write(empty.join("notes.md"), "# no data").expect("write");
    let e = Workspace::open(&empty).expect_err("nothing to review");
    assert_eq!(e.to_string(), format!("{} holds no flywheel.toml and no CSV or Parquet file to review", empty.display()));

    // A folder with a flywheel.toml is that workspace, whatever data files sit beside it.
    std::fs::write(exports.join("flywheel.toml"), GOOD).expect("write");
    let ws = Workspace::open(&exports).expect("the workspace");
    assert!(ws.bare_files.is_empty() && ws.name == "Shop");
}

#[test]
fn a_folder_of_data_files_keeps_its_journal_when_it_gets_a_flywheel_toml() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("latency.csv"), "time,value\n").expect("write");
    let before = crate::paths::workspace_key(&Workspace::open(dir.path()).expect("a folder of exports").key_path());
    std::fs::write(dir.path().join("flywheel.toml"), GOOD).expect("write");
    let after = Workspace::open(dir.path()).expect("the workspace");
    assert_eq!(before, crate::paths::workspace_key(&after.key_path()));
    // A file opened on its own is known by itself.
    let file = Workspace::open(&dir.path().join("latency.csv")).expect("one file");
    assert_eq!(file.key_path(), file.origin);
}
