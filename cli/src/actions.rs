//! `flywheel actions`: the workspace's action items on the terminal — list, add, done, status, history, export —
//! in the same journal the app writes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use flywheel::config::Workspace;

use crate::{check_team, default_workspace, say};

#[derive(Subcommand)]
pub enum ActionsCmd {
    /// Action items, live ones first, overdue first (default: open and in progress).
    List {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// open, in_progress, done or dropped.
        #[arg(long)]
        status: Option<String>,
        /// Only this owner's items.
        #[arg(long)]
        owner: Option<String>,
        /// Only this team's items.
        #[arg(long)]
        team: Option<String>,
        /// Only items past their due date.
        #[arg(long)]
        overdue: bool,
        /// Every item, finished ones too.
        #[arg(long)]
        all: bool,
    },
    /// Add an action item.
    Add {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// What is to be done.
        #[arg(long)]
        title: String,
        /// Who does it (default: nobody yet).
        #[arg(long, default_value = "")]
        owner: String,
        /// Due date: 2026-12-11, 11.12.2026, a weekday (friday: the next one), today, tomorrow, +3d or +2w.
        #[arg(long)]
        due: Option<String>,
        /// More text: what, why, links.
        #[arg(long, default_value = "")]
        details: String,
        /// The team it belongs to (one of the workspace's).
        #[arg(long, default_value = "")]
        team: String,
        /// The metric id it is about.
        #[arg(long, default_value = "")]
        metric: String,
        /// The finding id it was raised on.
        #[arg(long, default_value = "")]
        finding: String,
        /// Review week it belongs to (a date in it; default: this week).
        #[arg(long)]
        week: Option<String>,
    },
    /// Mark an action item done.
    Done {
        /// The action item's number (`flywheel actions list`).
        id: i64,
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
    },
    /// Every change of an action item since it was raised: what, who and when.
    History {
        /// The action item's number (`flywheel actions list`).
        id: i64,
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
    },
    /// Set an action item's status (open, in_progress, done, dropped).
    Status {
        /// The action item's number (`flywheel actions list`).
        id: i64,
        /// open, in_progress, done or dropped.
        status: String,
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
    },
    /// Export action items as CSV (to stdout, or FILE).
    Export {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// Write the CSV to FILE (default: stdout).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
}

pub(crate) fn run(cmd: ActionsCmd) -> Result<ExitCode> {
    use flywheel::journal::actions::{self, Draft, Filter, Status};
    use flywheel::journal::Journal;
    let open = |path: Option<PathBuf>| -> Result<(Workspace, Journal)> {
        let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
        let j = Journal::for_workspace(&ws)?;
        Ok((ws, j))
    };
    let parse_status = |s: &str| Status::parse(s).with_context(|| format!("unknown status `{s}` (open, in_progress, done, dropped)"));
    match cmd {
        ActionsCmd::List { path, status, owner, team, overdue, all } => {
            let (ws, j) = open(path)?;
            let status = status.as_deref().map(parse_status).transpose()?;
            let today = actions::today();
            let filter =
                Filter { live: !all && status.is_none(), status, owner, team, overdue_on: overdue.then(|| today.clone()), overdue: false };
            let items = j.actions(&filter)?;
            if items.is_empty() {
                say(format!("No action items{} for {}.", if all { "" } else { " to do" }, ws.name));
            }
            for i in items {
                let due =
                    i.due.as_deref().map(|d| format!(" due {d}{}", if i.overdue(&today) { " (OVERDUE)" } else { "" })).unwrap_or_default();
                let owner = if i.owner.is_empty() { "unassigned".to_string() } else { i.owner.clone() };
                let about = i.about();
                let who = match (i.created_by.as_str(), i.updated_by.as_str()) {
                    ("" | "unknown", _) => String::new(),
                    (by, changed) if changed.is_empty() || changed == by => format!("  · raised by {by}"),
                    (by, changed) => format!("  · raised by {by}, last changed by {changed}"),
                };
                say(format!(
                    "#{:<4} [{}] {} — {owner}{due}{}{who}",
                    i.id,
                    i.status.key(),
                    i.title,
                    if about.is_empty() { String::new() } else { format!("  ({about})") }
                ));
            }
        }
        ActionsCmd::Add { path, title, owner, due, details, team, metric, finding, week } => {
            let (ws, mut j) = open(path)?;
            check_about(&ws, &team, &metric)?;
            let now = flywheel::time::now();
            let at = match week {
                Some(w) => flywheel::time::parse_user_time(&w, &ws.tz).context("--week")?,
                None => now,
            };
            let start = flywheel::time::week_start_of(&ws.tz, ws.week_starts, at);
            let week = flywheel::time::local_date(&ws.tz, start).format("%Y-%m-%d").to_string();
            let due = due.map(|d| flywheel::time::parse_due(&d, &ws.tz, now).map(|d| d.format("%Y-%m-%d").to_string())).transpose()?;
            let item = j.add_action(
                &Draft { title, details, owner, due, status: None, week, team, metric, finding, range: None, revision: None },
                now,
            )?;
            say(format!("Added action item #{}: {}", item.id, item.title));
        }
        ActionsCmd::Done { id, path } => {
            let (_, mut j) = open(path)?;
            let item = j.set_action_status(id, Status::Done, flywheel::time::now())?;
            say(format!("#{} is done: {}", item.id, item.title));
        }
        ActionsCmd::History { id, path } => {
            let (ws, j) = open(path)?;
            let item = j.action(id)?.ok_or(flywheel::journal::Invalid::NoSuchAction(id))?;
            let when = |t: i64| flywheel::time::long_label(&ws.tz, t);
            let by = |a: &str| if a.is_empty() || a == "unknown" { String::new() } else { format!(" by {a}") };
            say(format!("#{} {}", item.id, item.title));
            say(format!("  {}  raised{}", when(item.created_at), by(&item.created_by)));
            for c in j.action_trail(id)? {
                say(format!("  {}  {}{}", when(c.at), c.change, by(&c.author)));
            }
        }
        ActionsCmd::Status { id, status, path } => {
            let (_, mut j) = open(path)?;
            let item = j.set_action_status(id, parse_status(&status)?, flywheel::time::now())?;
            say(format!("#{} is {}: {}", item.id, item.status.key(), item.title));
        }
        ActionsCmd::Export { path, csv } => {
            let (_, j) = open(path)?;
            let text = actions::csv(&j.actions(&Filter::default())?);
            match csv {
                Some(p) if p != Path::new("-") => {
                    flywheel::atomic::write(&p, text.as_bytes()).with_context(|| format!("cannot write {}", p.display()))?;
                    eprintln!("CSV written to {}", p.display());
                }
                _ => print!("{text}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An action item's team and metric, when given, are the workspace's: a misspelt one would file the item
/// where nobody looks for it. (A data file opened on its own names its metrics only when it is read.)
fn check_about(ws: &Workspace, team: &str, metric: &str) -> Result<()> {
    if !team.is_empty() {
        check_team(ws, team)?;
    }
    if !metric.is_empty() && ws.bare_files.is_empty() && !ws.metrics.iter().any(|m| m.id == metric) {
        anyhow::bail!("no metric `{metric}` in {} (`flywheel review` lists its metrics' findings by id)", ws.name);
    }
    Ok(())
}
