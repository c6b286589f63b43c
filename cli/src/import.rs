//! `flywheel import grafana|cloudwatch`: dashboards (files, Grafana addresses, CloudWatch dashboard names)
//! into a workspace folder, with what could not be imported listed and why.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Subcommand;
use flywheel::import::cloudwatch;
use flywheel::import::grafana::{self, Options};

#[derive(Subcommand)]
pub enum ImportCmd {
    /// Grafana dashboards into a workspace: SOURCE is a dashboard JSON file (exported, or the HTTP
    /// API's answer) or an address: https://grafana.example.com/d/<uid> or …/dashboards/f/<uid> (a folder).
    Grafana {
        /// Dashboard JSON files or Grafana addresses (several make one workspace).
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
    /// CloudWatch dashboards into a workspace: DASHBOARD is a dashboard's name in CloudWatch (read with
    /// GetDashboard, its alarms with DescribeAlarms; credentials from the standard AWS chain) or a file
    /// holding its body JSON. Widgets' horizontal annotations and alarms become the lines.
    Cloudwatch {
        /// Dashboard names in CloudWatch, or files holding a dashboard's body JSON (several make one workspace).
        #[arg(required = true, value_name = "DASHBOARD")]
        sources: Vec<String>,
        /// The workspace folder to write (default: a new folder named after the first dashboard).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The region (default: AWS_REGION or the profile's for reading; the widgets' for the workspace).
        #[arg(long)]
        region: Option<String>,
        /// A profile of the shared AWS config files.
        #[arg(long)]
        profile: Option<String>,
        /// Another CloudWatch endpoint (a compatible server).
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
        /// Every dashboard's team (default: the dashboard's name).
        #[arg(long)]
        team: Option<String>,
        /// The workspace step.
        #[arg(long, default_value = "5m")]
        step: String,
        /// Import graphs without lines too (metrics with no lines).
        #[arg(long)]
        without_lines: bool,
        /// The workspace's name (default: the first dashboard's).
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
    let (sources, out, team, prometheus, token_env, step, without_lines, name, force, dry_run) = match cmd {
        ImportCmd::Grafana { sources, out, team, prometheus, token_env, step, without_lines, name, force, dry_run } => {
            (sources, out, team, prometheus, token_env, step, without_lines, name, force, dry_run)
        }
        ImportCmd::Cloudwatch { sources, out, region, profile, endpoint, team, step, without_lines, name, force, dry_run } => {
            let step = flywheel::time::parse_step(&step).map_err(|e| anyhow::anyhow!("--step {step}: {e}"))?;
            // Checked before any request is made with them.
            cloudwatch::check_settings(region.as_deref(), profile.as_deref(), endpoint.as_deref())?;
            let opts = cloudwatch::Options { team, step, region, profile, endpoint, without_lines, name };
            return run_cloudwatch(&sources, out, &opts, force, dry_run);
        }
    };
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
    let teams: Vec<&str> = imported.teams.iter().map(|t| t.name.as_str()).collect();
    let server = format!("Prometheus: {} ({})", imported.prometheus.as_deref().unwrap_or("?"), imported.prometheus_from);
    crate::say(summary(imported.metrics.len(), read.len(), &path, &teams, &server));
    let skipped: Vec<(&str, &str, &str)> =
        imported.skipped.iter().map(|s| (s.dashboard.as_str(), s.panel.as_str(), s.reason.as_str())).collect();
    finish(&skipped, &dir)
}

fn run_cloudwatch(sources: &[String], out: Option<PathBuf>, opts: &cloudwatch::Options, force: bool, dry_run: bool) -> Result<ExitCode> {
    let conf = cloudwatch::api::conf(opts.region.as_deref(), opts.profile.as_deref(), opts.endpoint.as_deref());
    let (dashboards, alarms) = cloudwatch::api::read_sources(sources, &conf)?;
    let imported = cloudwatch::import(&dashboards, &alarms, opts);
    if dry_run {
        print!("{}", flywheel::text::terminal_safe(&cloudwatch::write::toml(&imported), false));
        return Ok(ExitCode::SUCCESS);
    }
    let dir = out.unwrap_or_else(|| PathBuf::from(format!("flywheel-{}", grafana::slug(&imported.name))));
    let path = cloudwatch::write::write(&imported, &dir, force)?;
    let teams: Vec<&str> = imported.teams.iter().map(|t| t.name.as_str()).collect();
    let server = format!(
        "region: {} ({}); {} alarm{} read",
        imported.region.as_deref().unwrap_or("?"),
        imported.region_from,
        alarms.len(),
        if alarms.len() == 1 { "" } else { "s" }
    );
    crate::say(summary(imported.metrics.len(), dashboards.len(), &path, &teams, &server));
    let skipped: Vec<(&str, &str, &str)> =
        imported.skipped.iter().map(|s| (s.dashboard.as_str(), s.widget.as_str(), s.reason.as_str())).collect();
    finish(&skipped, &dir)
}

/// "Imported 3 metrics of 1 dashboard into DIR — teams: …; <where the data comes from>."
fn summary(metrics: usize, dashboards: usize, path: &std::path::Path, teams: &[&str], server: &str) -> String {
    let s = |n: usize| if n == 1 { "" } else { "s" };
    format!(
        "Imported {metrics} metric{} of {dashboards} dashboard{} into {} — teams: {}; {server}.",
        s(metrics),
        s(dashboards),
        path.display(),
        teams.join(", ")
    )
}

/// What was not imported (dashboard, panel or widget, why), then how to review the new workspace.
fn finish(skipped: &[(&str, &str, &str)], dir: &std::path::Path) -> Result<ExitCode> {
    if !skipped.is_empty() {
        println!("Not imported ({}):", skipped.len());
        for (dashboard, what, reason) in skipped {
            crate::say(format!("  {dashboard} · {what}: {reason}"));
        }
    }
    crate::say(format!("Review it: flywheel review {}", dir.display()));
    Ok(ExitCode::SUCCESS)
}
