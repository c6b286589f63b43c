//! The speed benchmark (`flywheel-dev bench`, run on a release build): load + review of N series ×
//! W weeks at 5 minutes from one Parquet file, timed per stage, with the process's peak memory.
//!
//! The data is generated once into a cache folder by a separate process run, so the generator's memory
//! never counts toward the measured peak.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::Weekday;
use chrono_tz::Tz;

use flywheel::analysis::{Context, Params};
use flywheel::chart::{self, ChartOptions};
use flywheel::config::{Metric, Team, Workspace, Worse};
use flywheel::review::{RangeSpec, Review};
use flywheel::sample;
use flywheel::source::file::{write_long_parquet_batches, LongRows};
use flywheel::source::{Quiet, SourceError};
use flywheel::synth::{Inject, Rng, Shape};
use flywheel::time;

/// What one benchmark run measured.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub series: usize,
    pub weeks: usize,
    pub points: usize,
    pub file_mb: f64,
    pub load_ms: f64,
    pub align_ms: f64,
    pub baseline_ms: f64,
    pub detect_ms: f64,
    pub rank_ms: f64,
    pub charts_ms: f64,
    pub charts: usize,
    pub total_ms: f64,
    pub findings: usize,
    pub reflag_ms: f64,
    pub peak_rss_mb: f64,
    pub threads: usize,
    /// Decoding the same file with polars, slice by slice, and nothing else: the floor of loading it.
    pub decode_ms: f64,
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Flywheel benchmark: {} series × {} weeks at 5 min = {:.1} M points ({:.1} MB Parquet), {} threads",
            self.series,
            self.weeks,
            self.points as f64 / 1e6,
            self.file_mb,
            self.threads
        )?;
        for (stage, ms) in [
            ("load", self.load_ms),
            ("align", self.align_ms),
            ("baseline", self.baseline_ms),
            ("detect", self.detect_ms),
            ("rank", self.rank_ms),
            ("charts", self.charts_ms),
        ] {
            writeln!(f, "  {stage:<9} {ms:>9.1} ms")?;
        }
        writeln!(f, "  {:<9} {:>9.1} ms  (targets: ≤ 1500 ms for 1,000 × 6 weeks, ≤ 10000 ms for 10,000)", "total", self.total_ms)?;
        writeln!(
            f,
            "  decoding the file alone with polars: {:.1} ms (load is {:.2}× that floor)",
            self.decode_ms,
            self.load_ms / self.decode_ms.max(1e-9)
        )?;
        writeln!(f, "  re-flag at a new sensitivity (no refit): {:.1} ms", self.reflag_ms)?;
        writeln!(
            f,
            "  findings {} · charts rendered {} · peak RSS {:.0} MB during the review (target ≤ 1024 MB)",
            self.findings, self.charts, self.peak_rss_mb
        )?;
        if cfg!(debug_assertions) {
            writeln!(f, "  note: this is a debug build; run `cargo run --release -p flywheel-dev -- bench` for real numbers")?;
        }
        Ok(())
    }
}

/// Peak resident memory of this process (VmHWM), in MB; 0 where /proc is not available.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The grid of the generated benchmark data: the sample workspace's zone and review week, with
/// `weeks - 1` history weeks.
pub(crate) fn context(weeks: usize) -> Result<Context, SourceError> {
    let tz: Tz = sample::TIMEZONE.parse().map_err(|_| SourceError::file(Path::new("bench"), "zone".into()))?;
    let start = time::parse_user_time(sample::REVIEW_WEEK, &tz).map_err(|e| SourceError::file(Path::new("bench"), e.to_string()))?;
    Ok(Context::new(tz, Weekday::Mon, 300, start, time::add_weeks(&tz, start, 1), weeks.saturating_sub(1)))
}

/// Generate the benchmark file: `n` seasonal series, one in ten with an injected incident.
pub fn generate(path: &Path, n: usize, weeks: usize) -> Result<(), SourceError> {
    let ctx = context(weeks)?;
    let mut rng = Rng::new(1234);
    let batches = (0..n).step_by(50).map(|first| {
        let mut rows = LongRows::default();
        for i in first..(first + 50).min(n) {
            let mut r = rng.fork();
            let shape = Shape {
                level: 10f64.powf(r.range(0.0, 3.0)),
                daily: r.range(0.1, 0.5),
                weekly: r.range(0.0, 0.3),
                noise: r.range(0.02, 0.08),
                growth_per_week: r.range(-0.01, 0.03),
            };
            let mut v = shape.render(&ctx, &mut r);
            if i % 10 == 0 {
                Inject::Bump { at: r.below(1900), len: 12, factor: 2.5 }.apply(&ctx, &mut v);
            }
            let key = format!("bench.{i:05}");
            for (j, x) in v.iter().enumerate() {
                rows.push(ctx.grid.time(j), &key, None, flywheel::text::round_sig(*x, 4));
            }
        }
        Ok(rows)
    });
    write_long_parquet_batches(path, batches)
}

fn workspace(file: &Path, n: usize, weeks: usize) -> Workspace {
    let metrics = (0..n)
        .map(|i| {
            Metric::new(
                &format!("bench.{i:05}"),
                &format!("Team {}", i % 8),
                &format!("svc-{}", i % 40),
                Worse::Higher,
                file,
                &format!("bench.{i:05}"),
            )
        })
        .collect();
    Workspace {
        root: PathBuf::new(),
        origin: file.to_path_buf(),
        name: "bench".into(),
        tz: sample::TIMEZONE.parse().unwrap_or(Tz::UTC),
        week_starts: Weekday::Mon,
        step: Some(300),
        history_weeks: weeks.saturating_sub(1) as u32,
        sensitivity: 1.0,
        teams: (0..8).map(|i| Team { name: format!("Team {i}"), members: vec![], dashboard: None }).collect(),
        services: vec![],
        metrics,
        prometheus: None,
        cloudwatch: None,
        bare_file: None,
        agenda: flywheel::config::agenda::default_agenda(),
        journal: Default::default(),
        tickets: vec![],
    }
}

/// Run the benchmark. Generates the data first (in a child process) when it is not cached yet.
pub fn run(n: usize, weeks: usize, dir: &Path, charts: bool) -> anyhow::Result<BenchReport> {
    std::fs::create_dir_all(dir)?;
    let file = dir.join(format!("bench-{n}x{weeks}w.parquet"));
    if !file.exists() {
        if std::env::var_os("FLYWHEEL_BENCH_GENERATE").is_some() {
            flywheel::atomic::write_with(&file, |tmp| generate(tmp, n, weeks)).map_err(|e| anyhow::Error::msg(e.to_string()))?;
            return Ok(BenchReport {
                series: n,
                weeks,
                points: 0,
                file_mb: 0.0,
                load_ms: 0.0,
                align_ms: 0.0,
                baseline_ms: 0.0,
                detect_ms: 0.0,
                rank_ms: 0.0,
                charts_ms: 0.0,
                charts: 0,
                total_ms: 0.0,
                findings: 0,
                reflag_ms: 0.0,
                peak_rss_mb: 0.0,
                threads: 0,
                decode_ms: 0.0,
            });
        }
        eprintln!("generating {} ({} series × {} weeks)…", file.display(), n, weeks);
        let status = std::process::Command::new(std::env::current_exe()?)
            .args(["bench", "--series", &n.to_string(), "--weeks", &weeks.to_string(), "--dir"])
            .arg(dir)
            .env("FLYWHEEL_BENCH_GENERATE", "1")
            .stdout(std::process::Stdio::null())
            .status()?;
        anyhow::ensure!(status.success() && file.exists(), "generating the benchmark data failed");
    }
    let ws = workspace(&file, n, weeks);
    let started = Instant::now();
    let review = Review::run(ws, RangeSpec::LastCompleteWeek, Params::default(), &Quiet)?;
    let t = Instant::now();
    let mut rendered = 0;
    if charts {
        let mut flagged: Vec<&str> = review.findings.iter().map(|f| f.metric.as_str()).collect();
        flagged.sort();
        flagged.dedup();
        use rayon::prelude::*;
        rendered = flagged
            .par_iter()
            .filter_map(|id| review.series_of(id))
            .filter_map(|s| chart::render(&review, s, ChartOptions::default()).ok())
            .count();
    }
    let charts_ms = t.elapsed().as_secs_f64() * 1000.0;
    let total_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (findings, points, timings) = (review.findings.len(), review.rows, review.timings);
    // Re-flag the review itself (a copy would count twice toward the peak).
    let mut review = review;
    let t = Instant::now();
    review.reflag(Params { sensitivity: 1.5 });
    let reflag_ms = t.elapsed().as_secs_f64() * 1000.0;
    drop(review);
    let peak_rss_mb = peak_rss_mb();
    let t = Instant::now();
    decode_only(&file)?;
    let decode_ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok(BenchReport {
        series: n,
        weeks,
        points,
        file_mb: std::fs::metadata(&file).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0),
        load_ms: timings.load_ms,
        align_ms: timings.align_ms,
        baseline_ms: timings.baseline_ms,
        detect_ms: timings.detect_ms,
        rank_ms: timings.rank_ms,
        charts_ms,
        charts: rendered,
        total_ms,
        findings,
        reflag_ms,
        peak_rss_mb,
        threads: rayon::current_num_threads(),
        decode_ms,
    })
}

/// Decode every row of a Parquet file with polars, a slice of whole row groups at a time (as the review
/// reads it), and throw it away: what loading costs before Flywheel does anything with a row.
fn decode_only(path: &Path) -> anyhow::Result<usize> {
    use polars::prelude::*;
    let metadata = ParquetReader::new(std::fs::File::open(path)?).get_metadata()?.clone();
    let mut rows = 0;
    let (mut offset, mut len) = (0, 0);
    let sizes: Vec<usize> = metadata.row_groups.iter().map(|g| g.num_rows()).collect();
    for (k, n) in sizes.iter().enumerate() {
        len += n;
        if len >= flywheel::source::slices::SLICE_ROWS || k + 1 == sizes.len() {
            let mut reader = ParquetReader::new(std::fs::File::open(path)?);
            reader.set_metadata(metadata.clone());
            rows += reader.with_slice(Some((offset, len))).finish()?.height();
            offset += len;
            len = 0;
        }
    }
    Ok(rows)
}
