//! `flywheel tickets`: the week's ticket review on the terminal (Markdown) or as JSON — recurring problems
//! first, then the new critical and high tickets, each linked to the findings of the same week's review.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use flywheel::analysis::Params;
use flywheel::config::Workspace;
use flywheel::finding::Finding;
use flywheel::review::{RangeSpec, Review};
use flywheel::tickets::week;

pub fn run(path: &Path, week: Option<&str>, json: Option<PathBuf>) -> Result<ExitCode> {
    let ws = Workspace::open(path)?;
    if ws.tickets.is_empty() {
        return Err(anyhow!(
            "{}: names no ticket sources; add one, e.g.\n[[tickets]]\ncsv = \"jira-export.csv\"\nformat = \"jira\"",
            ws.origin.display()
        ));
    }
    let spec = crate::week_spec(&ws, week)?;
    // The week's findings, to link tickets to; without them (no data) the ticket review still runs.
    let params = Params::new(ws.sensitivity)?;
    let (findings, range, review_error): (Vec<Finding>, (i64, i64), Option<String>) =
        match Review::run(ws.clone(), spec, params, &flywheel::source::Quiet) {
            Ok(r) => {
                let range = (r.ctx.review_start(), r.ctx.review_end());
                (r.findings, range, None)
            }
            Err(e) => {
                let at = match spec {
                    RangeSpec::WeekOf(t) => t,
                    _ => flywheel::time::add_weeks(&ws.tz, flywheel::time::now(), -1),
                };
                let start = flywheel::time::week_start_of(&ws.tz, ws.week_starts, at);
                (Vec::new(), (start, flywheel::time::add_weeks(&ws.tz, start, 1)), Some(e.to_string()))
            }
        };
    let loaded = week::load(&ws, range.0, range.1);
    let tr = week::build(&ws, loaded, range.0, range.1, &findings);
    if let Some(out) = json {
        let doc = flywheel::report::tickets::document(&ws.name, &ws.tz, &tr, &findings, review_error);
        let text = serde_json::to_string_pretty(&doc)? + "\n";
        if out.as_os_str() == "-" {
            print!("{text}");
        } else {
            flywheel::atomic::write(&out, text.as_bytes()).map_err(|e| anyhow!("{}: {e}", out.display()))?;
            eprintln!("wrote {}", out.display());
        }
    } else {
        let mut text = flywheel::report::tickets::markdown(&tr, &findings, &ws.tz, Some(&ws.name));
        if let Some(e) = review_error {
            text.push_str(&format!("(Tickets are not linked to findings: the metrics could not be reviewed: {e})\n"));
        }
        print!("{}", flywheel::text::terminal_safe(&text, false));
    }
    let failed = !tr.failed.is_empty() && tr.failed.len() == ws.tickets.len();
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
