//! A tiny file workspace for the core's own tests: two healthy hourly series over three weeks (the last one
//! with a spike), a series the file does not hold, all in a temp folder.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::Workspace;

/// Monday 2026-11-02 00:00 UTC: the review week of the fixture (history: the two weeks before).
pub const WEEK: i64 = 1_793_577_600;

/// Write the fixture into `dir` and open it.
pub fn workspace(dir: &Path) -> Workspace {
    let mut csv = String::from("timestamp,series,value\n");
    let start = WEEK - 2 * 7 * 86_400;
    for h in 0..(3 * 7 * 24) {
        let t = start + h * 3600;
        let daily = 100.0 + 40.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin();
        let wobble = ((h * 7919) % 13) as f64 - 6.0;
        // Wednesday 14:00 of the review week: six times the usual.
        let a = if t == WEEK + 2 * 86_400 + 14 * 3600 { daily * 6.0 } else { daily + wobble };
        let _ = writeln!(csv, "{t},api.latency,{a}");
        let _ = writeln!(csv, "{t},api.requests,{}", 500.0 + wobble);
    }
    std::fs::write(dir.join("metrics.csv"), csv).expect("write the fixture data");
    let toml = "[workspace]\nname = \"fixture\"\ntimezone = \"UTC\"\nstep = \"1h\"\nhistory_weeks = 2\n\n\
        [[team]]\nname = \"Core\"\n\n[[service]]\nname = \"api\"\nteam = \"Core\"\n\n\
        [[metric]]\nid = \"api.latency\"\nservice = \"api\"\nunit = \"ms\"\nworse = \"higher\"\nalarm = 1000\ninvestigation = 800\nsource = { file = \"metrics.csv\" }\n\n\
        [[metric]]\nid = \"api.requests\"\nservice = \"api\"\nworse = \"lower\"\nsource = { file = \"metrics.csv\" }\n\n\
        [[metric]]\nid = \"api.gone\"\nservice = \"api\"\nworse = \"higher\"\nsource = { file = \"metrics.csv\", series = \"api.renamed\" }\n";
    std::fs::write(dir.join("flywheel.toml"), toml).expect("write the fixture workspace");
    Workspace::open(dir).expect("the fixture workspace opens")
}
