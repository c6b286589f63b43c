//! The CloudWatch pull under load: N series × W weeks at 5 minutes pulled with GetMetricData from the
//! scripted local CloudWatch (`cwmock`, 127.0.0.1) through the real source and review — requests, pull
//! time, datapoints per second, and the same review reopened from the cache.

use std::time::Instant;

use anyhow::{Context, Result};
use flywheel::analysis::Params;
use flywheel::config::Workspace;
use flywheel::review::{RangeSpec, Review};
use flywheel::source::{LoadOptions, Quiet};

use crate::cwmock::{offline_credentials, Mock, Script};

/// Pull and review `series` metrics over `weeks` weeks (the last complete week and the weeks before it)
/// with `concurrency` requests in flight; a report to print.
pub fn run(series: usize, weeks: u32, concurrency: usize) -> Result<String> {
    offline_credentials();
    let mock = Mock::start(Script::default());
    let dir = tempfile::tempdir()?;
    let mut toml = format!(
        "[workspace]\nname = \"CloudWatch bench\"\nstep = \"5m\"\nhistory_weeks = {}\n\n[cloudwatch]\nregion = \"eu-west-1\"\nendpoint = \"{}\"\nconcurrency = {concurrency}\n\n[[team]]\nname = \"Bench\"\n\n[[service]]\nname = \"svc\"\nteam = \"Bench\"\n",
        weeks.saturating_sub(1),
        mock.url
    );
    for i in 0..series {
        toml += &format!(
            "\n[[metric]]\nid = \"m{i}\"\nservice = \"svc\"\nworse = \"higher\"\nsource = {{ cloudwatch = {{ namespace = \"Bench\", metric = \"m{i}\", dimensions = {{ Host = \"h{i}\" }}, stat = \"Average\" }} }}\n"
        );
    }
    std::fs::write(dir.path().join("flywheel.toml"), toml)?;
    let ws = Workspace::open(dir.path()).context("the bench workspace")?;
    let cache = dir.path().join("cache");
    let pull = |opts: &LoadOptions| -> Result<(Review, f64)> {
        let t = Instant::now();
        let r = Review::run_with(ws.clone(), RangeSpec::LastCompleteWeek, Params::default(), opts, &Quiet)?;
        Ok((r, t.elapsed().as_secs_f64()))
    };
    let (nc, nc_s) = pull(&LoadOptions { cache: None, refresh: false })?;
    let (cold, cold_s) = pull(&LoadOptions { cache: Some(cache.clone()), refresh: false })?;
    let (warm, warm_s) = pull(&LoadOptions { cache: Some(cache), refresh: false })?;
    let errors = cold.errors.len();
    Ok(format!(
        "{series} series × {weeks} weeks at 5 minutes from the scripted CloudWatch ({} datapoints, {} requests, {} retries, concurrency {concurrency}, {errors} errors):\n\
         no cache: pulled and reviewed in {:.2} s (load {:.2} s: {:.0} datapoints/s; {} findings)\n\
         pulled into the cache and reviewed in {:.2} s (load {:.2} s)\n\
         reopened from the cache in {:.2} s (load {:.2} s, {} requests, {} of {series} metrics cached)\n",
        nc.pull.samples,
        nc.pull.requests,
        nc.pull.retries,
        nc_s,
        nc.timings.load_ms / 1000.0,
        nc.pull.samples as f64 / (nc.timings.load_ms / 1000.0),
        nc.findings.len(),
        cold_s,
        cold.timings.load_ms / 1000.0,
        warm_s,
        warm.timings.load_ms / 1000.0,
        warm.pull.requests,
        warm.pull.cached,
    ))
}
