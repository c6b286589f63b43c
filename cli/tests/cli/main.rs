//! The `flywheel` command as a user runs it: the sample review and its reports ([`review`]), the inputs it reads
//! and how it says what is wrong with them ([`input`]), and what it keeps in the journal ([`journal`]).

#[path = "../common/mod.rs"]
mod common;
mod input;
mod journal;
mod review;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn flywheel(args: &[&str]) -> Output {
    // Journals of these runs stay under target/, never in the user's data folder.
    flywheel_with_data(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-data"), args)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub use common::sample;

pub fn review_json(args: &[&str]) -> Value {
    let mut all = vec!["review"];
    all.extend_from_slice(args);
    all.push("--json");
    let o = flywheel(&all);
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(&o));
    serde_json::from_slice(&o.stdout).expect("stdout is JSON")
}

pub fn flywheel_with_data(data: &Path, args: &[&str]) -> Output {
    common::run(data, args)
}

#[test]
fn a_run_is_sealed_off_from_the_shell() {
    // Whatever the developer's shell holds, a test's `flywheel` never reaches a shared journal, Grafana, Jira or
    // AWS, and keeps its journal and cache in the test's own folders.
    let c = common::flywheel_in(Path::new("/tmp/flywheel-test-data"));
    let envs: Vec<(String, Option<String>)> =
        c.get_envs().map(|(k, v)| (k.to_string_lossy().into_owned(), v.map(|v| v.to_string_lossy().into_owned()))).collect();
    for v in common::SCRUBBED {
        assert!(envs.contains(&(v.to_string(), None)), "{v} is left as the shell has it: {envs:?}");
    }
    for (k, v) in
        [("FLYWHEEL_DATA_DIR", "/tmp/flywheel-test-data"), ("FLYWHEEL_CACHE_DIR", "/tmp/flywheel-test-data/cache"), ("NO_COLOR", "1")]
    {
        assert!(envs.contains(&(k.to_string(), Some(v.to_string()))), "{k}: {envs:?}");
    }
}

/// A small workspace in a temp folder, written from text and generated CSV.
pub struct Ws {
    dir: tempfile::TempDir,
}

impl Ws {
    pub fn new(toml: &str) -> Ws {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("flywheel.toml"), toml).expect("write");
        Ws { dir }
    }
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
    pub fn path(&self) -> &str {
        self.dir.path().to_str().expect("utf-8 path")
    }
}

/// Two weeks of hourly data as `timestamp,series,value` CSV, from Monday 2026-11-02 UTC.
pub fn two_weeks(series: &str) -> String {
    let mut s = String::from("timestamp,series,value\n");
    for h in 0..(14 * 24) {
        let t = 1_793_577_600 + h * 3600; // 2026-11-02T00:00:00Z
        let v = 100.0 + 30.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin();
        s.push_str(&format!("{t},{series},{v:.2}\n"));
    }
    s
}

pub const WS: &str = r#"
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
