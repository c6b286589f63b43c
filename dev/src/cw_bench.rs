//! The CloudWatch pull under load: N series × W weeks at 5 minutes pulled with GetMetricData from the
//! scripted local CloudWatch (`cwmock`, 127.0.0.1) through the real source and review — requests, pull
//! time, datapoints per second, and the same review reopened from the cache.

use std::time::Instant;

use anyhow::{Context, Result};
use flywheel::analysis::Params;
use flywheel::config::Workspace;
use flywheel::review::{stream, RangeSpec, StreamOptions};
use flywheel::source::{LoadOptions, LoadStats, Quiet};

use crate::bench::{peak_rss_mb, reset_peak_rss};

use crate::cwmock::{offline_credentials, Mock, Script};

/// Pull and review `series` metrics over `weeks` weeks (the last complete week and the weeks before it)
/// with `concurrency` requests in flight, `pull_chunk` metrics at a time (0: all at once); a report to
/// print. Each run's peak RSS is the process's (the scripted server's answers included), reset between runs.
pub fn run(series: usize, weeks: u32, concurrency: usize, pull_chunk: usize) -> Result<String> {
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
    let opts = StreamOptions { pull_chunk: if pull_chunk == 0 { usize::MAX } else { pull_chunk }, ..StreamOptions::default() };
    let pull = |load: &LoadOptions| -> Result<Run> {
        reset_peak_rss();
        let t = Instant::now();
        let r = stream::run(ws.clone(), RangeSpec::LastCompleteWeek, Params::default(), load, &Quiet, &opts)?;
        let secs = t.elapsed().as_secs_f64();
        Ok(Run {
            secs,
            load_s: r.timings.load_ms / 1000.0,
            pull: r.pull,
            findings: r.findings.len(),
            errors: r.errors.len(),
            peak_mb: peak_rss_mb(),
        })
    };
    let nc = pull(&LoadOptions { cache: None, refresh: false })?;
    let cold = pull(&LoadOptions { cache: Some(cache.clone()), refresh: false })?;
    let warm = pull(&LoadOptions { cache: Some(cache), refresh: false })?;
    let chunk = if pull_chunk == 0 { "all at once".to_string() } else { format!("{pull_chunk} at a time") };
    Ok(format!(
        "{series} series × {weeks} weeks at 5 minutes from the scripted CloudWatch ({} datapoints, {} requests, {} retries, concurrency {concurrency}, {} errors, metrics pulled {chunk}):\n\
         no cache: pulled and reviewed in {:.2} s (load {:.2} s: {:.0} datapoints/s; {} findings), peak RSS {:.0} MB\n\
         pulled into the cache and reviewed in {:.2} s (load {:.2} s), peak RSS {:.0} MB\n\
         reopened from the cache in {:.2} s (load {:.2} s, {} requests, {} of {series} metrics cached), peak RSS {:.0} MB\n",
        nc.pull.samples,
        nc.pull.requests,
        nc.pull.retries,
        cold.errors,
        nc.secs,
        nc.load_s,
        nc.pull.samples as f64 / nc.load_s,
        nc.findings,
        nc.peak_mb,
        cold.secs,
        cold.load_s,
        cold.peak_mb,
        warm.secs,
        warm.load_s,
        warm.pull.requests,
        warm.pull.cached,
        warm.peak_mb,
    ))
}

/// One review of the bench: wall time, load time, what the pull cost, and the peak RSS during it.
struct Run {
    secs: f64,
    load_s: f64,
    pull: LoadStats,
    findings: usize,
    errors: usize,
    peak_mb: f64,
}
