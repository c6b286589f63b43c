//! The speed benchmark (`flywheel-dev bench`, run on a release build): load + review of N series ×
//! W weeks at 5 minutes from one Parquet file, timed per stage, with the process's peak memory.
//!
//! The data is generated once into a cache folder by a separate process run, so the generator's memory
//! never counts toward the measured peak.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use chrono::Weekday;
use chrono_tz::Tz;

use flywheel::analysis::{Context, Params};
use flywheel::chart::{self, ChartOptions};
use flywheel::config::{Metric, Workspace, Worse};
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
    /// How the series were stored: one Parquet file, or this many CSV files.
    pub csv_files: Option<usize>,
    pub load_ms: f64,
    pub align_ms: f64,
    pub baseline_ms: f64,
    pub detect_ms: f64,
    pub rank_ms: f64,
    pub charts_ms: f64,
    pub charts: usize,
    pub total_ms: f64,
    pub findings: usize,
    /// Re-flagging at each of [`REFLAG_AT`] in turn.
    pub reflags: Vec<Reflag>,
    /// The slider moved a step at a time along [`SLIDER_STEPS`], each step answered from the findings worked out
    /// ahead around the one before, as the app does.
    pub steps: Vec<SliderStep>,
    pub peak_rss_mb: f64,
    /// The peak again after the re-flags and the overviews the app would send (45 MB of JSON at 2 for
    /// 10,000 series).
    pub peak_rss_after_mb: f64,
    /// Anonymous resident memory once the review is done and its scratch given back (what the app holds
    /// beside the review it shows), in MB.
    pub held_mb: f64,
    /// The overview the window is sent when the workspace opens (its metrics and their sparklines with it): built
    /// and serialised, in ms, and its size in MB.
    pub opening_overview: (f64, f64),
    pub threads: usize,
    /// Decoding the same file with polars, slice by slice, and nothing else: the floor of loading it.
    pub decode_ms: f64,
    /// The most files the process had open at once during the review (sampled every 5 ms).
    pub open_files: usize,
}

/// The sensitivities the bench re-flags at, in this order: down, up, and back to the default.
pub const REFLAG_AT: [f64; 6] = [0.5, 0.8, 1.25, 1.5, 2.0, 1.0];

/// The slider's steps the bench takes one at a time from 1: up to 2 and back down.
pub const SLIDER_STEPS: [f64; 8] = [1.25, 1.5, 1.75, 2.0, 1.75, 1.5, 1.25, 1.0];

/// One step of the slider: the work done ahead while the user read the step before (beside the app's commands,
/// not while the user waits), then the re-flag answered from it.
#[derive(Debug, Clone, Copy)]
pub struct SliderStep {
    pub sensitivity: f64,
    /// Working out the steps beside the one before that were not held yet (`Ahead::prepare`).
    pub ahead_ms: f64,
    /// The re-flag to this step, as the user waits for it.
    pub ms: f64,
    /// Working out what is not held yet around this step, once it is taken (the sensitivity shown itself, and the
    /// step beyond it).
    pub around_ms: f64,
    /// Then a verdict's re-flag at this step (the findings before the room's marks), as the user waits for it: the
    /// same findings as the step's (the bench stops if not).
    pub verdict_ms: f64,
    pub findings: usize,
    /// As [`Reflag::digest`]: the same as a re-flag to the step without work ahead gives.
    pub digest: Option<u64>,
}

/// One re-flag: to which sensitivity, how long, how many findings it gave; then what the app does next with
/// the review (`set_sensitivity`): build the overview it sends the window (which holds the review's metrics
/// already), and serialise it.
#[derive(Debug, Clone, Copy)]
pub struct Reflag {
    pub sensitivity: f64,
    pub ms: f64,
    /// CPU time of the re-flag on all threads: steadier than `ms` on a machine shared with neighbours.
    pub cpu_ms: f64,
    pub findings: usize,
    pub overview_ms: f64,
    pub overview_mb: f64,
    /// A hash of the findings as JSON (`FLYWHEEL_BENCH_DIGEST=1`, else None): two builds that find the same
    /// findings print the same digest, which is how a change made for speed shows it changed nothing else.
    pub digest: Option<u64>,
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Flywheel benchmark: {} series × {} weeks at 5 min = {:.1} M points ({:.1} MB {}), {} threads",
            self.series,
            self.weeks,
            self.points as f64 / 1e6,
            self.file_mb,
            match self.csv_files {
                Some(k) => format!("in {k} CSV files"),
                None => "Parquet".to_string(),
            },
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
        if self.csv_files.is_none() {
            writeln!(
                f,
                "  decoding the file alone with polars: {:.1} ms (load is {:.2}× that floor)",
                self.decode_ms,
                self.load_ms / self.decode_ms.max(1e-9)
            )?;
        }
        writeln!(
            f,
            "  the overview sent when the workspace opens (its metrics and sparklines with it): {:.1} ms, {:.1} MB of JSON",
            self.opening_overview.0, self.opening_overview.1
        )?;
        writeln!(
            f,
            "  re-flag at a new sensitivity (no refit; target ≤ 100 ms at 10,000 series), then the app's overview of it built and serialised:"
        )?;
        for r in &self.reflags {
            writeln!(
                f,
                "    to {:<4} {:8.1} ms (cpu {:6.1} ms) {:>7} findings   overview {:7.1} ms, {:5.1} MB of JSON",
                r.sensitivity, r.ms, r.cpu_ms, r.findings, r.overview_ms, r.overview_mb
            )?;
            if let Some(d) = r.digest {
                writeln!(f, "             findings digest {d:016x}")?;
            }
        }
        writeln!(
            f,
            "  the slider a step at a time, each step answered from the findings worked out ahead while the one before was read, then a verdict's re-flag at it:"
        )?;
        for r in &self.steps {
            writeln!(
                f,
                "    to {:<4} {:8.1} ms {:>7} findings   verdict {:5.1} ms   (worked out ahead around the step before: {:6.1} ms, around this one: {:6.1} ms){}",
                r.sensitivity,
                r.ms,
                r.findings,
                r.verdict_ms,
                r.ahead_ms,
                r.around_ms,
                r.digest.map(|d| format!("   digest {d:016x}")).unwrap_or_default()
            )?;
        }
        writeln!(
            f,
            "  findings {} · charts rendered {} · peak RSS {:.0} MB during the review (target ≤ 1024 MB) · at most {} files open",
            self.findings, self.charts, self.peak_rss_mb, self.open_files
        )?;
        writeln!(
            f,
            "  held once the review is done: {:.0} MB anonymous (at most {} MB of it the arrays kept in memory)",
            self.held_mb,
            flywheel::review::StreamOptions::default().memory_budget >> 20
        )?;
        writeln!(f, "  peak RSS {:.0} MB with the re-flags and their overviews", self.peak_rss_after_mb)?;
        if cfg!(debug_assertions) {
            writeln!(f, "  note: this is a debug build; run `cargo run --release -p flywheel-dev -- bench` for real numbers")?;
        }
        Ok(())
    }
}

/// Anonymous resident memory of this process now (RssAnon: its heap, not the files and libraries it maps), in
/// MB; 0 where /proc is not available.
pub fn anon_rss_mb() -> f64 {
    status_kb("RssAnon:") / 1024.0
}

/// A figure of `/proc/self/status` in kB (0 where /proc is not available).
fn status_kb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok()))
        .unwrap_or(0.0)
}

/// Peak resident memory of this process (VmHWM), in MB; 0 where /proc is not available.
/// Start measuring the peak RSS again from now (Linux: `/proc/self/clear_refs`; nothing elsewhere).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn peak_rss_mb() -> f64 {
    status_kb("VmHWM:") / 1024.0
}

/// The grid of the generated benchmark data: the sample workspace's zone and review week, with
/// `weeks - 1` history weeks.
pub(crate) fn context(weeks: usize) -> Result<Context, SourceError> {
    let tz: Tz = sample::TIMEZONE.parse().map_err(|_| SourceError::file(Path::new("bench"), "zone".into()))?;
    let start = time::parse_user_time(sample::REVIEW_WEEK, &tz).map_err(|e| SourceError::file(Path::new("bench"), e.to_string()))?;
    Ok(Context::new(tz, Weekday::Mon, 300, start, time::add_weeks(&tz, start, 1), weeks.saturating_sub(1)))
}

/// Instances per series (`FLYWHEEL_BENCH_INSTANCES`, 1 to 16; default 1, no instances): each series is then
/// one metric's group of that many instances, to measure what instances cost.
pub fn instances() -> usize {
    std::env::var("FLYWHEEL_BENCH_INSTANCES").ok().and_then(|v| v.parse().ok()).unwrap_or(1).clamp(1, 16)
}

/// The benchmark's series, in batches of 50: `n` seasonal series, one in ten with an injected incident (with
/// [`instances`], each written as a group of instances).
fn series(n: usize, weeks: usize) -> Result<impl Iterator<Item = Result<LongRows, SourceError>>, SourceError> {
    let ctx = context(weeks)?;
    let k = instances();
    let mut rng = Rng::new(1234);
    Ok((0..n).step_by(50).map(move |first| {
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
            // Instances of a healthy group: each the series with 2 % noise of its own.
            let names: Vec<Option<String>> = if k == 1 { vec![None] } else { (0..k).map(|inst| Some(format!("i-{inst}"))).collect() };
            for name in &names {
                for (j, x) in v.iter().enumerate() {
                    let x = if name.is_some() { x * (1.0 + 0.02 * r.normal()) } else { *x };
                    rows.push(ctx.grid.time(j), &key, name.as_deref(), flywheel::text::round_sig(x, 4));
                }
            }
        }
        Ok(rows)
    }))
}

/// Generate the benchmark file (one Parquet file).
pub fn generate(path: &Path, n: usize, weeks: usize) -> Result<(), SourceError> {
    write_long_parquet_batches(path, series(n, weeks)?)
}

/// Generate the series as `files` CSV files in the folder `dir` (series `i` in file `i × files / n`).
pub fn generate_csv(dir: &Path, n: usize, weeks: usize, files: usize) -> anyhow::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut open: Option<(usize, std::io::BufWriter<std::fs::File>)> = None;
    for rows in series(n, weeks).map_err(|e| anyhow::Error::msg(e.to_string()))? {
        let rows = rows.map_err(|e| anyhow::Error::msg(e.to_string()))?;
        for ((t, key), v) in rows.timestamps_ms.iter().zip(&rows.series).zip(&rows.values) {
            let i: usize = key.trim_start_matches("bench.").parse()?;
            let k = csv_file_of(i, n, files);
            if open.as_ref().is_none_or(|(at, _)| *at != k) {
                if let Some((_, mut w)) = open.take() {
                    w.flush()?;
                }
                let mut w = std::io::BufWriter::new(std::fs::File::create(dir.join(format!("part-{k:05}.csv")))?);
                writeln!(w, "timestamp,series,value")?;
                open = Some((k, w));
            }
            if let Some((_, w)) = open.as_mut() {
                writeln!(w, "{},{key},{v}", t / 1000)?;
            }
        }
    }
    if let Some((_, mut w)) = open.take() {
        w.flush()?;
    }
    Ok(())
}

fn csv_file_of(i: usize, n: usize, files: usize) -> usize {
    i * files / n.max(1)
}

/// The benchmark's workspace: one metric per series, read from `file` (or from the CSV file that holds
/// it in the folder `file` when the series are spread over `files` files).
fn workspace(file: &Path, n: usize, weeks: usize, files: Option<usize>) -> Workspace {
    let metrics = (0..n)
        .map(|i| {
            let path = match files {
                Some(k) => file.join(format!("part-{:05}.csv", csv_file_of(i, n, k))),
                None => file.to_path_buf(),
            };
            Metric::new(
                &format!("bench.{i:05}"),
                &format!("Team {}", i % 8),
                &format!("svc-{}", i % 40),
                Worse::Higher,
                &path,
                &format!("bench.{i:05}"),
            )
        })
        .collect();
    let tz = sample::TIMEZONE.parse().unwrap_or(Tz::UTC);
    Workspace {
        origin: file.to_path_buf(),
        step: Some(300),
        history_weeks: weeks.saturating_sub(1) as u32,
        ..Workspace::of_metrics("bench", Path::new(""), tz, metrics)
    }
}

/// The digest of a review's findings as JSON ([`Reflag::digest`]) when `FLYWHEEL_BENCH_DIGEST` is set.
fn findings_digest(r: &Review) -> anyhow::Result<Option<u64>> {
    Ok(std::env::var_os("FLYWHEEL_BENCH_DIGEST").is_some().then(|| serde_json::to_vec(&r.findings).map(|j| fnv1a(&j))).transpose()?)
}

/// Run the benchmark. Generates the data first (in a child process) when it is not cached yet.
pub fn run(n: usize, weeks: usize, dir: &Path, charts: bool, files: Option<usize>) -> anyhow::Result<BenchReport> {
    std::fs::create_dir_all(dir)?;
    let file = match (files, instances()) {
        (Some(k), _) => dir.join(format!("bench-{n}x{weeks}w-{k}-csv")),
        (None, 1) => dir.join(format!("bench-{n}x{weeks}w.parquet")),
        (None, i) => dir.join(format!("bench-{n}x{weeks}w-i{i}.parquet")),
    };
    if !file.exists() {
        if std::env::var_os("FLYWHEEL_BENCH_GENERATE").is_some() {
            match files {
                Some(k) => {
                    let tmp = dir.join(format!(".generating-{n}x{weeks}w-{k}"));
                    let _ = std::fs::remove_dir_all(&tmp);
                    generate_csv(&tmp, n, weeks, k)?;
                    std::fs::rename(&tmp, &file)?;
                }
                None => {
                    flywheel::atomic::write_with(&file, |tmp| generate(tmp, n, weeks)).map_err(|e| anyhow::Error::msg(e.to_string()))?
                }
            }
            return Ok(BenchReport {
                series: n,
                weeks,
                points: 0,
                file_mb: 0.0,
                csv_files: files,
                load_ms: 0.0,
                align_ms: 0.0,
                baseline_ms: 0.0,
                detect_ms: 0.0,
                rank_ms: 0.0,
                charts_ms: 0.0,
                charts: 0,
                total_ms: 0.0,
                findings: 0,
                reflags: vec![],
                steps: vec![],
                peak_rss_mb: 0.0,
                peak_rss_after_mb: 0.0,
                held_mb: 0.0,
                opening_overview: (0.0, 0.0),
                threads: 0,
                decode_ms: 0.0,
                open_files: 0,
            });
        }
        eprintln!("generating {} ({} series × {} weeks)…", file.display(), n, weeks);
        let mut generator = std::process::Command::new(std::env::current_exe()?);
        generator.args(["bench", "--series", &n.to_string(), "--weeks", &weeks.to_string(), "--dir"]).arg(dir);
        if let Some(k) = files {
            generator.args(["--files", &k.to_string()]);
        }
        let status = generator.env("FLYWHEEL_BENCH_GENERATE", "1").stdout(std::process::Stdio::null()).status()?;
        anyhow::ensure!(status.success() && file.exists(), "generating the benchmark data failed");
    }
    let ws = workspace(&file, n, weeks, files);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let started = Instant::now();
    let (review, open_files) = std::thread::scope(|s| {
        let watcher = s.spawn(|| watch_open_files(&stop));
        // FLYWHEEL_BENCH_WHOLE=1: load everything, then review it at once (the way before batches).
        let review = if std::env::var_os("FLYWHEEL_BENCH_WHOLE").is_some() {
            let t = Instant::now();
            let loaded = flywheel::source::load(&ws, &Quiet);
            let load_ms = t.elapsed().as_secs_f64() * 1000.0;
            Review::from_loaded(ws, loaded, RangeSpec::LastCompleteWeek, Params::default(), &Quiet).map(|mut r| {
                r.timings.load_ms = load_ms;
                r
            })
        } else {
            Review::run(ws, RangeSpec::LastCompleteWeek, Params::default(), &Quiet)
        };
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (review, watcher.join().unwrap_or(0))
    });
    let review = review?;
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
    let peak_review_mb = peak_rss_mb();
    let held_mb = anon_rss_mb();
    let t = Instant::now();
    let opening_mb = serde_json::to_vec(&flywheel::view::overview(&review))?.len() as f64 / 1e6;
    let opening_overview = (t.elapsed().as_secs_f64() * 1000.0, opening_mb);
    // Re-flag the review itself (a copy would count twice toward the peak), down and up from 1 and back:
    // the time follows how many metrics can flag something at the new sensitivity.
    // FLYWHEEL_BENCH_REFLAG_ROUNDS=N repeats the round N times and reports each step's fastest (on a shared
    // machine the spread is the neighbours'), and FLYWHEEL_BENCH_REFLAG_AT=1.25,1 re-flags at those
    // sensitivities instead (for a profiler).
    let mut review = review;
    let rounds = std::env::var("FLYWHEEL_BENCH_REFLAG_ROUNDS").ok().and_then(|r| r.parse::<usize>().ok()).unwrap_or(1).max(1);
    let at: Vec<f64> = std::env::var("FLYWHEEL_BENCH_REFLAG_AT")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| REFLAG_AT.to_vec());
    let mut reflags: Vec<Reflag> = Vec::new();
    for round in 0..rounds {
        for (i, &s) in at.iter().enumerate() {
            let (t, cpu) = (Instant::now(), thread_cpu());
            review.reflag(Params { sensitivity: s });
            let (ms, cpu_ms) = (t.elapsed().as_secs_f64() * 1000.0, cpu_ms_since(&cpu));
            let t = Instant::now();
            // The window holds the review's first overview: its metrics are not sent again.
            let json = serde_json::to_vec(&flywheel::view::overview_for(&review, Some(review.serial)))?;
            let overview_ms = t.elapsed().as_secs_f64() * 1000.0;
            let digest = if round == 0 { findings_digest(&review)? } else { None };
            let r = Reflag {
                sensitivity: s,
                ms,
                cpu_ms,
                findings: review.findings.len(),
                overview_ms,
                overview_mb: json.len() as f64 / 1e6,
                digest,
            };
            if round == 0 {
                reflags.push(r);
            } else {
                // Each figure's fastest round.
                let best = &mut reflags[i];
                (best.ms, best.cpu_ms, best.overview_ms) =
                    (best.ms.min(r.ms), best.cpu_ms.min(r.cpu_ms), best.overview_ms.min(r.overview_ms));
            }
        }
    }
    // The slider a step at a time from 1, as the app answers it: the steps beside the one shown are worked out
    // ahead (timed apart: the app does it while the room reads), then the step is taken from them.
    review.reflag(Params { sensitivity: 1.0 });
    let ahead = flywheel::review::Ahead::default();
    let mut steps = Vec::new();
    for s in SLIDER_STEPS {
        let t = Instant::now();
        ahead.prepare(&review, ahead.ticket());
        let ahead_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        review.reflag_from(Params { sensitivity: s }, &ahead);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let digest = findings_digest(&review)?;
        // A verdict once the room has read this step: the findings before the room's marks, again.
        let t = Instant::now();
        ahead.prepare(&review, ahead.ticket());
        let around_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        review.reflag_from(Params { sensitivity: s }, &ahead);
        let verdict_ms = t.elapsed().as_secs_f64() * 1000.0;
        if findings_digest(&review)? != digest {
            return Err(anyhow::anyhow!("a verdict's re-flag at {s} from the work done ahead differs from the step's findings"));
        }
        steps.push(SliderStep { sensitivity: s, ahead_ms, ms, around_ms, verdict_ms, findings: review.findings.len(), digest });
    }
    drop(ahead);
    drop(review);
    let peak_rss_after_mb = peak_rss_mb();
    let t = Instant::now();
    if files.is_none() {
        decode_only(&file)?;
    }
    let decode_ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok(BenchReport {
        series: n,
        weeks,
        points,
        file_mb: size_mb(&file),
        csv_files: files,
        load_ms: timings.load_ms,
        align_ms: timings.align_ms,
        baseline_ms: timings.baseline_ms,
        detect_ms: timings.detect_ms,
        rank_ms: timings.rank_ms,
        charts_ms,
        charts: rendered,
        total_ms,
        findings,
        reflags,
        steps,
        peak_rss_mb: peak_review_mb,
        peak_rss_after_mb,
        held_mb,
        opening_overview,
        threads: rayon::current_num_threads(),
        decode_ms,
        open_files,
    })
}

/// CPU time of this process's threads, in ns by thread id (the first field of each thread's `schedstat`).
fn thread_cpu() -> std::collections::HashMap<String, u64> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Default::default() };
    tasks
        .filter_map(|t| {
            let t = t.ok()?;
            let ns = std::fs::read_to_string(t.path().join("schedstat")).ok()?.split_whitespace().next()?.parse().ok()?;
            Some((t.file_name().to_string_lossy().into_owned(), ns))
        })
        .collect()
}

/// The CPU time, in ms, the threads alive now ran since `before` ([`thread_cpu`]); a thread that ended in
/// between is not counted (the thread freeing the last re-flag's findings may).
fn cpu_ms_since(before: &std::collections::HashMap<String, u64>) -> f64 {
    let ns: u64 = thread_cpu().into_iter().map(|(tid, ns)| ns.saturating_sub(before.get(&tid).copied().unwrap_or(0))).sum();
    ns as f64 / 1e6
}

/// FNV-1a, 64 bits: a digest of the findings, not a defence against anyone.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Sample how many files this process has open (`/proc/self/fd`) until `stop`; the most seen.
fn watch_open_files(stop: &std::sync::atomic::AtomicBool) -> usize {
    let mut most = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let files = std::fs::read_dir("/proc/self/fd")
            .map(|d| d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok()).filter(|p| p.is_file()).count())
            .unwrap_or(0);
        most = most.max(files);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    most
}

/// The size of the file, or of the files in the folder, in MB.
fn size_mb(path: &Path) -> f64 {
    let bytes = match std::fs::read_dir(path) {
        Ok(dir) => dir.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum(),
        Err(_) => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    };
    bytes as f64 / 1e6
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
