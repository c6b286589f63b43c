//! `flywheel findings`: say what a finding was — it needs action, it was expected (and how far that
//! reaches), or it was noise — and list what was said, per metric.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Subcommand;
use flywheel::config::Workspace;
use flywheel::journal::verdicts::{Mark, Reason, Scope, Verdict};
use flywheel::journal::Journal;

#[derive(Subcommand)]
pub enum FindingsCmd {
    /// Give a finding of a reviewed week a verdict (or change it): --needs-action, --expected REASON or --noise.
    Mark {
        /// The finding's id (in the JSON report, the app, and `flywheel findings list`).
        id: String,
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// It needs an action item.
        #[arg(long, group = "verdict")]
        needs_action: bool,
        /// It was expected: deploy, maintenance, event (holiday or traffic), batch_job, or other (with --note).
        #[arg(long, group = "verdict", value_name = "REASON")]
        expected: Option<String>,
        /// It was not useful.
        #[arg(long, group = "verdict")]
        noise: bool,
        /// Free text: what deploy, which job, …
        #[arg(long, default_value = "")]
        note: String,
        /// For --expected, how far it reaches: occurrence (default), time-of-week (this metric at this
        /// time every week) or weeks:N (this metric for N weeks).
        #[arg(long)]
        scope: Option<String>,
        /// Who says so (default: the OS user name).
        #[arg(long)]
        author: Option<String>,
    },
    /// Verdicts given, newest week first (all metrics, or one).
    List {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// Only this metric's verdicts (its id).
        #[arg(long)]
        metric: Option<String>,
    },
    /// The noise report: the share of findings marked noise or expected per team and per kind, week
    /// over week, and a sensitivity for each metric dismissed as noise in 3 or more weeks (re-flagging
    /// the stored weeks says what it would have removed).
    Noise {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// How many recent weeks the shares show.
        #[arg(long, default_value_t = 6)]
        weeks: usize,
    },
}

pub fn run(cmd: FindingsCmd, default_workspace: impl Fn() -> PathBuf) -> Result<ExitCode> {
    match cmd {
        FindingsCmd::Mark { id, path, needs_action, expected, noise, note, scope, author } => {
            // `flywheel review PATH` takes the workspace first; here the finding comes first.
            if let Some(p) = path.as_ref().filter(|p| !p.exists() && std::path::Path::new(&id).exists()) {
                bail!("the finding's id comes first, then the workspace: flywheel findings mark {} {id} …", p.display());
            }
            let ws = Workspace::open(&path.unwrap_or_else(&default_workspace))?;
            let verdict = match (needs_action, &expected, noise) {
                (true, None, false) => Verdict::NeedsAction,
                (false, Some(_), false) => Verdict::Expected,
                (false, None, true) => Verdict::Noise,
                _ => bail!("say one verdict: --needs-action, --expected REASON or --noise"),
            };
            let reason = expected
                .map(|r| {
                    Reason::from_key(&r.replace('-', "_"))
                        .ok_or_else(|| anyhow::anyhow!("--expected {r}: use deploy, maintenance, event, batch_job or other"))
                })
                .transpose()?;
            let scope = scope.map(|s| parse_scope(&s)).transpose()?;
            if scope.is_some() && verdict != Verdict::Expected {
                bail!("--scope goes with --expected");
            }
            let mut j = Journal::for_workspace(&ws)?;
            let author = author.unwrap_or_else(|| j.author.clone());
            let now = chrono::Utc::now().timestamp();
            let v = j.mark(&id, &Mark { verdict, reason, note, scope, author }, now)?;
            crate::say(format!("{} · {}: {}", v.finding.metric, v.finding.kind.label(), describe(&v)));
            if verdict == Verdict::NeedsAction {
                crate::say(format!(
                    "Raise the action item: flywheel actions add --title \"…\" --metric {} --finding {}",
                    v.finding.metric, v.finding.id
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        FindingsCmd::Noise { path, weeks } => noise(&path.unwrap_or_else(&default_workspace), weeks),
        FindingsCmd::List { path, metric } => {
            let ws = Workspace::open(&path.unwrap_or_else(&default_workspace))?;
            let j = Journal::for_workspace(&ws)?;
            let all = j.verdicts(metric.as_deref())?;
            if all.is_empty() {
                println!("No verdicts yet: flywheel findings mark ID --needs-action | --expected REASON | --noise");
            }
            for v in all {
                crate::say(format!(
                    "{}  {:<28} {:<20} {}  ({})",
                    v.finding.week,
                    v.finding.metric,
                    v.finding.kind.label(),
                    describe(&v),
                    v.finding.id
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Print the noise report (see [`FindingsCmd::Noise`]).
fn noise(path: &std::path::Path, show: usize) -> Result<ExitCode> {
    use flywheel::noise::{propose, shares, WeekShare};
    let ws = Workspace::open(path)?;
    let j = Journal::for_workspace(&ws)?;
    let history = j.weeks_before("9999-12-31", 520)?;
    let verdicts = j.verdicts(None)?;
    if history.weeks.is_empty() {
        println!("No reviewed weeks yet: a review of a whole week (flywheel review) keeps its findings.");
        return Ok(ExitCode::SUCCESS);
    }
    let teams = ws.teams_by_metric();
    let s = shares(&history, &verdicts, |metric| teams.get(metric).map_or("(unknown)", |t| t).to_string());
    let recent = |rows: &[WeekShare]| -> String {
        let rows = &rows[rows.len().saturating_sub(show)..];
        let bars: String = rows
            .iter()
            .map(|w| {
                if w.findings == 0 {
                    '·'
                } else {
                    ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'][((w.dismissed() * 7.0).round() as usize).min(7)]
                }
            })
            .collect();
        let cells: Vec<String> = rows
            .iter()
            .map(|w| if w.findings == 0 { "–".into() } else { format!("{:.0}% of {}", 100.0 * w.dismissed(), w.findings) })
            .collect();
        format!("{bars}  {}", cells.join(" · "))
    };
    let first = &history.weeks[history.weeks.len().min(show) - 1];
    if *first == history.weeks[0] {
        println!("Marked noise or expected in the one reviewed week ({first}):");
    } else {
        println!("Marked noise or expected, week by week (weeks of {first} – {}):", history.weeks[0]);
    }
    println!("By team");
    for (team, rows) in &s.by_team {
        crate::say(format!("  {team:<24} {}", recent(rows)));
    }
    println!("By kind");
    for (kind, rows) in &s.by_kind {
        println!("  {:<24} {}", kind.label(), recent(rows));
    }
    let proposals = propose(&ws, &verdicts, &history, |week| crate::review_of(&ws, Some(week)))?;
    if proposals.is_empty() {
        println!("\nNo metric was marked noise in 3 or more weeks: nothing to propose.");
    }
    for p in proposals {
        let head = format!("\n{} was marked noise in {} weeks ({})", p.metric, p.weeks.len(), p.weeks.join(", "));
        match p.sensitivity {
            Some(s) => crate::say(format!(
                "{head}.\n  Proposal: sensitivity = {s} in its [[metric]] of flywheel.toml: re-flagging those weeks, it removes {} of the {} findings marked noise and {} of its {} other findings.",
                p.dismissed_removed, p.dismissed, p.others_removed, p.others
            )),
            None => crate::say(format!(
                "{head}.\n  Even at sensitivity 0.2 {} of the {} findings marked noise would stay: its lines or data need a look (or mark it expected).",
                p.dismissed - p.dismissed_removed, p.dismissed
            )),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `expected — known batch job, at this time every week: nightly export (ana)`.
fn describe(v: &flywheel::journal::verdicts::Stored) -> String {
    format!("{} ({})", v.describe(), v.author)
}

fn parse_scope(s: &str) -> Result<Scope> {
    match s.trim() {
        "occurrence" => Ok(Scope::Occurrence),
        "time-of-week" | "time_of_week" => Ok(Scope::TimeOfWeek),
        w => match w.strip_prefix("weeks:").map(|n| n.trim().parse::<u32>()) {
            Some(Ok(n)) => Ok(Scope::Weeks(n)),
            _ => bail!("--scope {s}: use occurrence, time-of-week or weeks:N"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_as_documented() {
        for (text, want) in [
            ("occurrence", Some(Scope::Occurrence)),
            ("time-of-week", Some(Scope::TimeOfWeek)),
            ("weeks:4", Some(Scope::Weeks(4))),
            ("weeks:x", None),
            ("forever", None),
        ] {
            assert_eq!(parse_scope(text).ok(), want, "{text}");
        }
    }
}
