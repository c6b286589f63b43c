//! `flywheel journal status`: which store a workspace's journal is, its schema version, and what it holds.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use flywheel::config::Workspace;
use flywheel::journal::Journal;

#[derive(Subcommand)]
pub enum JournalCmd {
    /// Which store the journal is (and where), its schema version, and how many action items,
    /// annotations, spins, verdicts, reviewed weeks and meetings it holds.
    Status {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: JournalCmd, default_workspace: fn() -> PathBuf) -> Result<ExitCode> {
    match cmd {
        JournalCmd::Status { path, json } => {
            let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
            let s = Journal::for_workspace(&ws)?.status()?;
            if json {
                let counts: serde_json::Map<String, serde_json::Value> =
                    s.counts.iter().map(|(w, n)| (w.to_string(), (*n).into())).collect();
                let doc = serde_json::json!({
                    "workspace": ws.name, "store": s.store, "location": s.location,
                    "schema": s.schema, "known": s.known, "counts": counts,
                });
                println!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                crate::say(format!("Journal of {}: {} at {}", ws.name, s.store, s.location));
                crate::say(format!("Schema version {} (this Flywheel writes {})", s.schema, s.known));
                let width = s.counts.iter().map(|(w, _)| w.len()).max().unwrap_or(0);
                for (what, n) in &s.counts {
                    crate::say(format!("  {what:<width$}  {n}"));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
