//! `flywheel minutes`: the minutes of a meeting run in the app (the latest, or the latest of a week),
//! printed as Markdown or written as Markdown and self-contained HTML with the discussed charts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use flywheel::config::Workspace;
use flywheel::journal::meetings::Mark;
use flywheel::journal::Journal;
use flywheel::minutes::{self, Context};

/// The local date (`2026-11-09`) of the start of the week holding `date`.
fn week_key(ws: &Workspace, date: &str) -> Result<String> {
    let t = flywheel::time::parse_user_time(date, &ws.tz).map_err(|e| anyhow!("--week {date}: {e}"))?;
    let start = flywheel::time::week_start_of(&ws.tz, ws.week_starts, t);
    Ok(flywheel::time::local_date(&ws.tz, start).format("%Y-%m-%d").to_string())
}

pub fn run(path: &Path, week: Option<&str>, md: Option<PathBuf>, html: Option<PathBuf>) -> Result<ExitCode> {
    let ws = Workspace::open(path)?;
    let journal = Journal::for_workspace(&ws)?;
    let key = week.map(|w| week_key(&ws, w)).transpose()?;
    let meeting = journal.meetings(key.as_deref())?.into_iter().next().ok_or_else(|| match &key {
        Some(k) => anyhow!("no meeting was recorded for the week of {k} (the app's meeting view, key m, records one)"),
        None => anyhow!("no meeting was recorded yet (the app's meeting view, key m, records one)"),
    })?;
    let c = Context::read(&journal, &ws.name, ws.tz, &meeting)?;
    let doc = minutes::doc(&meeting, &c);
    crate::markdown_or_files(minutes::markdown(&doc), md, html, || minutes::html(&doc, &charts(&ws, &meeting)))
}

/// The charts of the findings discussed, from a review of the meeting's week (none when it cannot run).
fn charts(ws: &Workspace, m: &flywheel::journal::meetings::Meeting) -> BTreeMap<String, String> {
    if !m.marks.iter().any(|k| k.mark == Mark::Discussed) {
        return BTreeMap::new();
    }
    match crate::review_of(ws, Some(&m.week)) {
        Ok(r) => minutes::charts(&r, m),
        Err(e) => {
            eprintln!("flywheel: the minutes have no charts: the week could not be reviewed ({e})");
            BTreeMap::new()
        }
    }
}
