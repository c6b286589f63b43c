//! `flywheel import grafana`: dashboards (files or Grafana addresses) into a workspace folder, with
//! what could not be imported listed and why.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Subcommand;
use flywheel::import::grafana::{self, Options};

#[derive(Subcommand)]
pub enum ImportCmd {
    /// Grafana dashboards into a workspace: SOURCE is a dashboard JSON file (exported, or the HTTP
    /// API's answer) or an address: https://grafana.example.com/d/<uid> or …/dashboards/f/<uid> (a folder).
    Grafana {
        #[arg(required = true, value_name = "SOURCE")]
        sources: Vec<String>,
        /// The workspace folder to write (default: a new folder named after the first dashboard).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Every dashboard's team (default: its folder in Grafana, else its title).
        #[arg(long)]
        team: Option<String>,
        /// The Prometheus address the queries run against, when the dashboards do not say it.
        #[arg(long, value_name = "URL")]
        prometheus: Option<String>,
        /// The environment variable holding a Grafana service-account token (for addresses).
        #[arg(long, default_value = "GRAFANA_TOKEN", value_name = "NAME")]
        token_env: String,
        /// The workspace step (the queries' $__interval and $__rate_interval derive from it).
        #[arg(long, default_value = "5m")]
        step: String,
        /// Import panels without thresholds too (metrics with no lines).
        #[arg(long)]
        without_lines: bool,
        /// The workspace's name (default: the first dashboard's title).
        #[arg(long)]
        name: Option<String>,
        /// Replace a flywheel.toml that an import did not write.
        #[arg(long)]
        force: bool,
        /// Print the workspace file and what was left out; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub fn run(cmd: ImportCmd) -> Result<ExitCode> {
    let ImportCmd::Grafana { sources, out, team, prometheus, token_env, step, without_lines, name, force, dry_run } = cmd;
    let step = flywheel::time::parse_step(&step).map_err(|e| anyhow::anyhow!("--step {step}: {e}"))?;
    if let Some(url) = &prometheus {
        if let Err(e) = flywheel::config::check_url(url) {
            bail!("--prometheus {url}: {e}");
        }
    }
    let read = grafana::read_sources(&sources, &token_env)?;
    let opts = Options { team, step, without_lines, prometheus, name };
    let imported = grafana::import(&read, &opts);
    if dry_run {
        print!("{}", flywheel::text::terminal_safe(&grafana::write::toml(&imported), false));
        return Ok(ExitCode::SUCCESS);
    }
    let dir = out.unwrap_or_else(|| PathBuf::from(format!("flywheel-{}", grafana::slug(&imported.name))));
    let path = grafana::write::write(&imported, &dir, force)?;
    let dashboards = read.len();
    crate::say(format!(
        "Imported {} metric{} of {dashboards} dashboard{} into {} — teams: {}; Prometheus: {} ({}).",
        imported.metrics.len(),
        if imported.metrics.len() == 1 { "" } else { "s" },
        if dashboards == 1 { "" } else { "s" },
        path.display(),
        imported.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
        imported.prometheus.as_deref().unwrap_or("?"),
        imported.prometheus_from
    ));
    if !imported.skipped.is_empty() {
        println!("Not imported ({}):", imported.skipped.len());
        for s in &imported.skipped {
            crate::say(format!("  {} · {}: {}", s.dashboard, s.panel, s.reason));
        }
    }
    crate::say(format!("Review it: flywheel review {}", dir.display()));
    Ok(ExitCode::SUCCESS)
}
