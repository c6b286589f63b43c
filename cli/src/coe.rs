//! `flywheel coe`: correction-of-error documents — start a draft from a finding, a ticket or a problem of a
//! week's review, list a week's, export one as Markdown or self-contained HTML with the chart of its episode.
//! The app edits them; the journal keeps them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context as _, Result};
use clap::Subcommand;
use flywheel::coe::{self, Start};
use flywheel::config::Workspace;
use flywheel::journal::{actions, Journal};

#[derive(Subcommand)]
pub enum CoeCmd {
    /// Start a COE draft from a finding, a ticket or a problem of a week's review (prints its id).
    New {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// A finding id (as `flywheel review --json` and `findings` show it).
        #[arg(long, group = "from")]
        finding: Option<String>,
        /// A ticket id (`OPS-131`), from the workspace's ticket sources.
        #[arg(long, group = "from")]
        ticket: Option<String>,
        /// A problem of `flywheel tickets`, by its number in the list (1 = the first).
        #[arg(long, group = "from")]
        problem: Option<usize>,
        /// A date in the review week (default: the week a reviewed finding was in, else the last complete week of the data).
        #[arg(long)]
        week: Option<String>,
    },
    /// The COEs of a week (a date in it), or all, newest first.
    List {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// A date in the week whose COEs are listed (default: all).
        #[arg(long)]
        week: Option<String>,
    },
    /// A COE as Markdown on the terminal, or written as --md and --html files (the HTML with the chart of
    /// its metric in its week: lines, band, annotations).
    Export {
        /// The COE's number (`flywheel coe list`).
        id: i64,
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// Write it as Markdown to FILE (instead of showing it).
        #[arg(long, value_name = "FILE")]
        md: Option<PathBuf>,
        /// Write it as self-contained HTML to FILE, with the chart of its metric in its week.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
}

pub fn run(cmd: CoeCmd, default: fn() -> PathBuf) -> Result<ExitCode> {
    let open = |p: Option<PathBuf>| -> Result<(Workspace, Journal)> {
        let ws = Workspace::open(&p.unwrap_or_else(default))?;
        let j = Journal::for_workspace(&ws)?;
        Ok((ws, j))
    };
    match cmd {
        CoeCmd::New { path, finding, ticket, problem, week } => {
            let (ws, mut j) = open(path)?;
            let start = match (finding, ticket, problem) {
                (Some(f), _, _) => Start::Finding(f),
                (_, Some(t), _) => Start::Ticket(t),
                (_, _, Some(0)) => return Err(anyhow!("--problem counts from 1")),
                (_, _, Some(n)) => Start::Problem(n - 1),
                _ => return Err(anyhow!("say what the COE is about: --finding ID, --ticket ID or --problem N")),
            };
            // Without --week, a finding of a reviewed week is written up in that week (the journal keeps which
            // week each reviewed finding was in); anything else in the last complete week.
            let kept = match (&start, &week) {
                (Start::Finding(id), None) => j.recorded(id)?.map(|f| f.week),
                _ => None,
            };
            let r = crate::review_of(&ws, week.as_deref().or(kept.as_deref()))?;
            let tickets = flywheel::tickets::week::for_review(&r);
            let annotations = j.annotations(r.ctx.review_start(), r.ctx.review_end())?;
            let items = j.actions(&actions::Filter { live: false, ..Default::default() })?;
            let ctx = coe::Context { review: &r, tickets: tickets.as_ref(), annotations: &annotations, actions: &items };
            let draft = coe::draft(&ctx, &start)?;
            let started = j.create_coe(&draft, flywheel::time::now())?;
            let c = &started.coe;
            let title = flywheel::text::terminal_safe(&c.title, true);
            if started.new {
                println!("COE {} started: {title}", c.id);
            } else {
                let by = flywheel::text::terminal_safe(&c.updated_by, true);
                println!(
                    "COE {} was already started from this in the week of {} ({}, last saved by {by}): {title}",
                    c.id,
                    c.week,
                    c.status.key()
                );
            }
            eprintln!("edit it in the app, or export it: flywheel coe export {}", c.id);
            Ok(ExitCode::SUCCESS)
        }
        CoeCmd::List { path, week } => {
            let (ws, j) = open(path)?;
            let key = match week {
                Some(w) => {
                    let t = flywheel::time::parse_user_time(&w, &ws.tz).map_err(|e| anyhow!("--week {w}: {e}"))?;
                    let start = flywheel::time::week_start_of(&ws.tz, ws.week_starts, t);
                    Some(flywheel::time::local_date(&ws.tz, start).format("%Y-%m-%d").to_string())
                }
                None => None,
            };
            let list = j.coes(key.as_deref())?;
            if list.is_empty() {
                println!("no COE yet{}", key.map(|k| format!(" for the week of {k}")).unwrap_or_default());
            }
            for c in list {
                println!(
                    "{:>4}  {}  {:<9}  {}  (last saved by {} {})",
                    c.id,
                    c.week,
                    c.status.key(),
                    flywheel::text::terminal_safe(&c.title, true),
                    flywheel::text::terminal_safe(&c.updated_by, true),
                    flywheel::time::long_label(&ws.tz, c.updated_at)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CoeCmd::Export { id, path, md, html } => {
            let (ws, j) = open(path)?;
            let c = j.coe(id)?.ok_or_else(|| anyhow!("there is no COE {id} (flywheel coe list shows them)"))?;
            let text = coe::markdown(&c, &ws.tz);
            crate::markdown_or_files(text, md, html, || coe::html(&c, &ws.tz, chart(&ws, &j, &c).as_deref()))
        }
    }
}

/// The chart of the COE's metric in its week; none (said on stderr) when the week cannot be reviewed.
fn chart(ws: &Workspace, j: &Journal, c: &flywheel::journal::coes::Coe) -> Option<String> {
    if c.metric.is_empty() {
        return None;
    }
    let r = crate::review_of(ws, Some(&c.week)).with_context(|| format!("the week of {}", c.week));
    match r {
        Ok(r) => {
            let notes = j.annotations(r.ctx.review_start(), r.ctx.review_end()).unwrap_or_default();
            coe::chart(&r, c, &notes)
        }
        Err(e) => {
            eprintln!("flywheel: the COE has no chart: {}", crate::errors::one_line(&e));
            None
        }
    }
}
