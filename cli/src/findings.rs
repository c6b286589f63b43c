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
        path: Option<PathBuf>,
        #[arg(long)]
        metric: Option<String>,
    },
}

pub fn run(cmd: FindingsCmd, default_workspace: impl Fn() -> PathBuf) -> Result<ExitCode> {
    match cmd {
        FindingsCmd::Mark { id, path, needs_action, expected, noise, note, scope, author } => {
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
            let author = author.unwrap_or_else(flywheel::journal::author);
            let mut j = Journal::for_workspace(&ws.origin)?;
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
        FindingsCmd::List { path, metric } => {
            let ws = Workspace::open(&path.unwrap_or_else(&default_workspace))?;
            let j = Journal::for_workspace(&ws.origin)?;
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

/// `expected — known batch job: nightly export, at this time every week (ana)`.
fn describe(v: &flywheel::journal::verdicts::Stored) -> String {
    let what = match v.verdict {
        Verdict::NeedsAction => "needs action".to_string(),
        Verdict::Noise => "noise".to_string(),
        Verdict::Expected => {
            let scope = match v.scope.unwrap_or(Scope::Occurrence) {
                Scope::Occurrence => "this occurrence".to_string(),
                Scope::TimeOfWeek => "at this time every week".to_string(),
                Scope::Weeks(n) => format!("for {n} week{}", if n == 1 { "" } else { "s" }),
            };
            format!("expected — {}, {scope}", v.reason.map(Reason::label).unwrap_or("other"))
        }
    };
    let note = if v.note.is_empty() { String::new() } else { format!(": {}", v.note) };
    format!("{what}{note} ({})", v.author)
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
