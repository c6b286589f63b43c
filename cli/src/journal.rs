//! `flywheel journal status`, `copy`, `backups` and `restore`: which store a workspace's journal is, its
//! schema version and what it holds; moving this machine's journal into the shared one; and the daily
//! copies of this machine's journal, one of which can be put back.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use flywheel::config::Workspace;
use flywheel::journal::store::postgres::Target;
use flywheel::journal::{backups, journal_path, shared_target, Journal};

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
    /// Copy this machine's journal of the workspace (action items, annotations, the wheel and its spins,
    /// verdicts, reviewed weeks, meetings) into the shared PostgreSQL journal. Running it again adds
    /// nothing twice; an item edited since the last copy is brought up to date unless the shared copy is
    /// newer.
    Copy {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// The shared journal: postgres://user@host:port/db (default: FLYWHEEL_JOURNAL_URL, then
        /// [journal] url). The password comes from PGPASSWORD, ~/.pgpass or [journal] password_env.
        #[arg(long)]
        to: Option<String>,
        /// Print what was copied as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the copies of this machine's journal of the workspace: it is copied when opened after being
    /// written to (from a file that passes SQLite's check); each day's last copy is kept, for 7 days.
    Backups {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// Print them as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Put a daily copy back in place of this machine's journal of the workspace (after the file was
    /// damaged, say). The journal it replaces is moved aside, never deleted: what was written after the copy
    /// is only there. Close Flywheel on this workspace first.
    Restore {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// The copy to put back: its day, YYYY-MM-DD (default: the newest).
        #[arg(long)]
        day: Option<String>,
        /// Print what was done as JSON.
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
                say_counts(&s.counts);
                if s.store == "SQLite" {
                    crate::say(match s.backups.first() {
                        Some(b) => format!("Daily copies: {} (newest {}): flywheel journal backups", s.backups.len(), b.made),
                        None => "Daily copies: none yet".into(),
                    });
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        JournalCmd::Backups { path, json } => {
            let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
            let copies = backups::backups(&ws)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "workspace": ws.name, "backups": copies }))?);
            } else if copies.is_empty() {
                crate::say(format!("The journal of {} has no copy yet (one is made when it is opened)", ws.name));
            } else {
                crate::say(format!("Daily copies of the journal of {} (newest first; {} days are kept):", ws.name, backups::KEEP));
                for b in &copies {
                    crate::say(format!("  {}  {:>9}  {}", b.made, size(b.bytes), b.path.display()));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        JournalCmd::Restore { path, day, json } => {
            let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
            let r = backups::restore(&ws, day.as_deref(), &stamp)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                crate::say(format!("Put back the copy of {} as the journal of {} ({})", r.from.made, ws.name, r.journal.display()));
                if let Some(aside) = &r.aside {
                    crate::say(format!(
                        "The journal it replaced is kept at {}: what was written after {} is only there",
                        aside.display(),
                        r.from.made
                    ));
                }
                say_counts(&r.status.counts);
            }
            Ok(ExitCode::SUCCESS)
        }
        JournalCmd::Copy { path, to, json } => {
            let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
            let target = match to {
                Some(url) => {
                    flywheel::journal::store::postgres::check_url(&url).map_err(anyhow::Error::msg)?;
                    Target {
                        url,
                        workspace: ws.journal.workspace.clone().unwrap_or_else(|| ws.name.clone()),
                        password_env: ws.journal.password_env.clone(),
                    }
                }
                None => shared_target(&ws).ok_or_else(|| {
                    anyhow::anyhow!(
                        "no shared journal to copy to: give --to postgres://user@host:port/db, or set [journal] url in flywheel.toml"
                    )
                })?,
            };
            let file = journal_path(&ws.key_path())?;
            if !file.exists() {
                anyhow::bail!("this machine has no journal for {} yet ({}): nothing to copy", ws.name, file.display());
            }
            let local = Journal::open(&file)?;
            let shared = Journal::connect(&target)?;
            let copied = local.copy_to(&shared)?;
            if json {
                let doc = serde_json::json!({ "from": local.location, "to": shared.location, "copied": copied });
                println!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                crate::say(format!("Copied the journal of {} from {} to {}", ws.name, local.location, shared.location));
                let width = copied.iter().map(|c| c.what.len()).max().unwrap_or(0);
                for c in &copied {
                    crate::say(format!("  {:<width$}  {} added, {} updated, {} unchanged", c.what, c.added, c.updated, c.unchanged));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What a journal holds, one kind a line, the counts aligned.
fn say_counts(counts: &[(&str, i64)]) {
    let width = counts.iter().map(|(w, _)| w.len()).max().unwrap_or(0);
    for (what, n) in counts {
        crate::say(format!("  {what:<width$}  {n}"));
    }
}

/// A file size for people: bytes, KB or MB (powers of 1,000, one decimal).
fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{:.1} MB", b as f64 / 1e6),
    }
}
