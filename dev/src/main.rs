//! `flywheel-dev`: developer tools kept out of the product. `score DIR` reviews every file of a labelled
//! corpus in NAB's layout with the real pipeline and scores the findings with NAB's method; `quality`,
//! `bench`, `compare`, `sample`, `openmetrics` and the crash-test helper `journal-writer` are the other
//! tools (see the library's modules).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use flywheel::analysis::Params;
use flywheel::config::Workspace;
use flywheel_dev::{bench, compare, corpus, nab, openmetrics, quality, run, sample};
use rayon::prelude::*;

use run::Mode;

#[derive(Parser)]
#[command(name = "flywheel-dev", about = "Flywheel's developer tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score detection on a labelled corpus (NAB layout: data/<category>/<file>.csv + combined_windows.json).
    Score {
        /// The corpus folder (e.g. ../shared/datasets/nab-dev).
        dir: PathBuf,
        /// Which way to review each file.
        #[arg(long, value_enum, default_value = "both")]
        mode: ModeArg,
        /// The review's sensitivity (the product default is 1).
        #[arg(long, default_value_t = 1.0)]
        sensitivity: f64,
        /// Print a row per file.
        #[arg(long)]
        files: bool,
        /// Print every detection (file, time, score, and the window it fell in).
        #[arg(long)]
        detections: bool,
    },
    /// How well the ticket review finds recurring problems on generated tickets with known causes.
    TicketsQuality {
        /// Corpora generated (one per seed, from 1).
        #[arg(long, default_value_t = 20)]
        seeds: u64,
        /// The first seed (the grouping's thresholds were chosen on seeds 1–20; later ones are fresh).
        #[arg(long, default_value_t = 1)]
        first_seed: u64,
        /// Print each corpus's problems with their causes.
        #[arg(long)]
        verbose: bool,
        /// Also time the grouping of one week's review over this many tickets (the corpora put together).
        #[arg(long)]
        bench: Option<usize>,
    },
    /// Regenerate the sample workspace (deterministic) into DIR.
    Sample {
        #[arg(default_value = "data")]
        dir: PathBuf,
    },
    /// Labelled detection-quality suite: precision and recall per finding kind.
    Quality {
        /// Number of series (at least half clean).
        #[arg(long, default_value_t = 240)]
        series: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long, default_value_t = 1.0)]
        sensitivity: f64,
        /// History weeks before the review week (1: the one-week-of-history baselines).
        #[arg(long, default_value_t = 5)]
        history_weeks: usize,
        /// Print each missed or false finding.
        #[arg(long)]
        verbose: bool,
    },
    /// Side by side with the notebook peer (pandas + MSTL) on the same labelled data (see bench/run).
    Compare {
        #[arg(long, default_value_t = 200)]
        series: usize,
        #[arg(long, default_value_t = 6)]
        weeks: usize,
        /// How many series the (slow) peer reviews: half clean, half with comparable labels.
        #[arg(long, default_value_t = 16)]
        peer_series: usize,
        #[arg(long, default_value = "target/bench-data")]
        dir: PathBuf,
        /// The Python with pandas and statsmodels (bench/run makes a virtual environment).
        #[arg(long, default_value = "target/bench-venv/bin/python")]
        python: PathBuf,
    },
    /// Write a workspace's series as OpenMetrics (OUT/metrics.om, for `promtool tsdb
    /// create-blocks-from openmetrics`) and the workspace pulling them from URL (OUT/flywheel.toml).
    Openmetrics {
        /// Workspace folder, flywheel.toml or one data file.
        workspace: PathBuf,
        out: PathBuf,
        #[arg(long, default_value = "http://127.0.0.1:9090")]
        url: String,
    },
    /// Crash-test helper: add and edit action items in JOURNAL in a loop, printing each acknowledged
    /// write (used by dev/tests/journal_crash.rs, which kills it with SIGKILL).
    JournalWriter { journal: PathBuf },
    /// The shared journal under a meeting's load: CLIENTS connections × WRITES action items each against
    /// PostgreSQL (a server started for the run on 127.0.0.1, or --url with PGPASSWORD): write latency
    /// p50/p99/max and that nothing was lost.
    JournalBench {
        #[arg(long, default_value_t = 50)]
        clients: usize,
        #[arg(long, default_value_t = 200)]
        writes: usize,
        #[arg(long)]
        url: Option<String>,
    },
    /// The CloudWatch pull: N series × W weeks at 5 minutes from a scripted CloudWatch on 127.0.0.1,
    /// through the real source and review, then reopened from the cache (use a release build).
    CloudwatchBench {
        #[arg(long, default_value_t = 200)]
        series: usize,
        #[arg(long, default_value_t = 6)]
        weeks: u32,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Metrics pulled together (each chunk is fitted while the next is pulled); 0: all at once.
        #[arg(long, default_value_t = flywheel::review::StreamOptions::default().pull_chunk)]
        pull_chunk: usize,
    },
    /// Benchmark load + review of N series × W weeks at 5 minutes from Parquet (use a release build).
    Bench {
        #[arg(long, default_value_t = 1000)]
        series: usize,
        #[arg(long, default_value_t = 6)]
        weeks: usize,
        /// Where the generated Parquet file is kept between runs.
        #[arg(long, default_value = "target/bench-data")]
        dir: PathBuf,
        /// Skip rendering a chart for every flagged metric.
        #[arg(long)]
        no_charts: bool,
        /// Spread the series over this many CSV files instead of one Parquet file.
        #[arg(long)]
        files: Option<usize>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Both,
    OnePass,
    WeekByWeek,
}

fn main() -> Result<()> {
    flywheel::malloc::tune();
    match Cli::parse().command {
        Command::Score { dir, mode, sensitivity, files, detections } => {
            let entries = corpus::open(&dir)?;
            let modes = match mode {
                ModeArg::Both => vec![Mode::OnePass, Mode::WeekByWeek],
                ModeArg::OnePass => vec![Mode::OnePass],
                ModeArg::WeekByWeek => vec![Mode::WeekByWeek],
            };
            for m in modes {
                score(&entries, m, Params::new(sensitivity)?, files, detections)?;
            }
            Ok(())
        }
        Command::JournalBench { clients, writes, url } => {
            let m = flywheel_dev::journal_bench::run(url, clients, writes)?;
            let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
            println!(
                "{} clients × {} writes: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.0} writes/s; {} stored (nothing lost)",
                m.clients,
                m.writes,
                ms(m.p50),
                ms(m.p99),
                ms(m.max),
                (m.clients * m.writes) as f64 / m.wall.as_secs_f64(),
                m.stored
            );
            for (store, [first, again, changed]) in &m.record {
                println!(
                    "{store}: a week of {} findings recorded in {:.1} ms; again unchanged {:.1} ms; again with a tenth changed {:.1} ms",
                    flywheel_dev::journal_bench::FINDINGS,
                    ms(*first),
                    ms(*again),
                    ms(*changed)
                );
            }
            Ok(())
        }
        Command::Sample { dir } => {
            sample::generate(&dir)?;
            eprintln!("wrote the sample workspace to {}", dir.display());
            Ok(())
        }
        Command::TicketsQuality { seeds, first_seed, verbose, bench } => {
            tickets_quality(first_seed, seeds, verbose);
            if let Some(n) = bench {
                let (took, problems) = flywheel_dev::tickets_quality::bench(n);
                println!("grouping {n} tickets over six weeks: {:.0} ms, {problems} problems listed", took.as_secs_f64() * 1000.0);
            }
            Ok(())
        }
        Command::Quality { series, seed, sensitivity, history_weeks, verbose } => {
            let rep = quality::run(series, seed, Params::new(sensitivity)?, history_weeks.max(1));
            print!("{}", rep.table(verbose));
            Ok(())
        }
        Command::Compare { series, weeks, peer_series, dir, python } => {
            print!("{}", compare::run(series, weeks, peer_series, &dir, &python)?);
            Ok(())
        }
        Command::Openmetrics { workspace, out, url } => to_openmetrics(&workspace, &out, &url),
        Command::JournalWriter { journal } => journal_writer(&journal),
        Command::CloudwatchBench { series, weeks, concurrency, pull_chunk } => {
            print!("{}", flywheel_dev::cw_bench::run(series, weeks, concurrency, pull_chunk)?);
            Ok(())
        }
        Command::Bench { series, weeks, dir, no_charts, files } => {
            print!("{}", bench::run(series, weeks, &dir, !no_charts, files)?);
            Ok(())
        }
    }
}

fn tickets_quality(first: u64, seeds: u64, verbose: bool) {
    use flywheel_dev::tickets_quality::{generate, review, score, Score};
    let mut total = Score::default();
    let mut tickets = 0;
    let t0 = std::time::Instant::now();
    for seed in first..first + seeds {
        let c = generate(seed);
        let r = review(&c);
        let s = score(&c, &r);
        tickets += c.tickets.len();
        if verbose {
            println!(
                "seed {seed}: {} tickets, recurring causes {}, found {}, problems {}, mixed {}",
                c.tickets.len(),
                s.recurring,
                s.found,
                s.listed,
                s.mixed
            );
            for p in &r.problems {
                let causes: Vec<&str> = p.tickets.iter().map(|&i| c.cause[i].as_str()).collect();
                println!("  {} {:<60} {:?}", if p.recurring { "R" } else { " " }, p.label, causes);
            }
            for cause in &c.recurring {
                let held: Vec<(usize, Option<usize>)> =
                    (0..c.tickets.len()).filter(|&i| &c.cause[i] == cause).map(|i| (i, r.problem_of(i))).collect();
                if held.iter().all(|(_, p)| p.is_some() && *p == held[0].1) {
                    continue;
                }
                println!("  split {cause}:");
                for (i, p) in held {
                    println!("    {:>4?} {}", p, r.tickets[i].title);
                }
            }
        }
        total.add(s);
    }
    println!(
        "{seeds} corpora, {tickets} tickets ({:.0} ms): recurring causes found as one group {}/{} ({:.3}); problems mixing causes {}/{} ({:.3}); recurring problems that are no recurring cause {}",
        t0.elapsed().as_secs_f64() * 1000.0,
        total.found,
        total.recurring,
        total.recall(),
        total.mixed,
        total.listed,
        total.mixing(),
        total.false_recurring
    );
}

fn to_openmetrics(workspace: &Path, out: &Path, url: &str) -> Result<()> {
    let ws = Workspace::open(workspace)?;
    let c = openmetrics::convert(&ws, out, url)?;
    println!(
        "{} series, {} samples ({} – {}) → {}",
        c.series,
        c.samples,
        flywheel::time::utc(c.first).format("%Y-%m-%d %H:%M"),
        flywheel::time::utc(c.last).format("%Y-%m-%d %H:%M"),
        out.display()
    );
    Ok(())
}

/// Add and edit action items in a loop, printing each write once the journal acknowledged it.
fn journal_writer(path: &Path) -> Result<()> {
    use flywheel::journal::actions::{Draft, Status};
    let mut j = flywheel::journal::Journal::open(path)?;
    let mut out = std::io::stdout().lock();
    let mut ids: Vec<i64> = Vec::new();
    for n in 0u64.. {
        if n % 3 == 2 && !ids.is_empty() {
            let id = ids[(n as usize * 7) % ids.len()];
            let next = match j.action(id)?.map(|i| i.status) {
                Some(Status::Open) => Status::InProgress,
                Some(Status::InProgress) => Status::Done,
                _ => continue,
            };
            j.set_action_status(id, next, n as i64)?;
            writeln!(out, "status {id} {}", next.key())?;
        } else {
            let title = format!("item {} {n}", std::process::id());
            let item = j.add_action(
                &Draft { title: title.clone(), week: "2026-11-09".into(), details: "x".repeat(200), ..Draft::default() },
                n as i64,
            )?;
            ids.push(item.id);
            writeln!(out, "added {} {title}", item.id)?;
        }
        out.flush()?;
    }
    Ok(())
}

fn score(entries: &[corpus::Entry], mode: Mode, params: Params, per_file: bool, detections: bool) -> Result<()> {
    let t = std::time::Instant::now();
    let runs: Vec<run::Run> = entries.par_iter().map(|e| run::run(e, mode, params)).collect::<Result<_>>()?;
    let secs = t.elapsed().as_secs_f64();
    let files: Vec<(nab::Labelled, Vec<nab::Detection>)> =
        entries.iter().zip(&runs).map(|(e, r)| (e.labelled.clone(), r.detections.clone())).collect();
    let weeks: f64 = entries.iter().map(|e| e.labelled.scored_weeks()).sum();
    let scores: Vec<nab::CorpusScore> = nab::PROFILES.iter().map(|p| nab::score_corpus(&files, p)).collect();
    println!(
        "== {} ({} files, {:.1} series-weeks scored, {} reviews in {:.1} s)",
        mode.label(),
        entries.len(),
        weeks,
        runs.iter().map(|r| r.reviews).sum::<usize>(),
        secs
    );
    if per_file {
        let std = &scores[0];
        println!("{:<52} {:>7} {:>5} {:>5} {:>6}  baseline", "file", "windows", "found", "false", "score");
        for ((e, r), s) in entries.iter().zip(&runs).zip(&std.per_file) {
            let base: Vec<String> = r.baselines.iter().map(|(k, n)| format!("{k}×{n}")).collect();
            println!(
                "{:<52} {:>7} {:>5} {:>5} {:>6.2}  {}",
                e.labelled.name,
                s.windows,
                s.found,
                s.false_detections,
                s.score,
                base.join(" ")
            );
        }
    }
    if detections {
        for (e, r) in entries.iter().zip(&runs) {
            for d in &r.detections {
                let (w, win) = e.labelled.weight(d.row, &nab::PROFILES[0]);
                let when = chrono::DateTime::from_timestamp(e.labelled.times[d.row], 0).map(|t| t.to_string()).unwrap_or_default();
                let tag = if d.row < e.labelled.probation() {
                    "probation".to_string()
                } else {
                    win.map_or(format!("false {w:+.2}"), |i| format!("window {i} {w:+.2}"))
                };
                println!("  {:<48} {when} {:>4} {tag} {}", e.labelled.name, d.score, r.kinds.get(&d.row).copied().unwrap_or(""));
            }
        }
    }
    for s in &scores {
        println!(
            "{:<9} score {:>6.1}  threshold {:>5}  windows found {}/{} ({:.2})  false episodes {} ({:.2} per series-week)",
            s.profile.name,
            s.normalised,
            s.threshold,
            s.found(),
            s.windows(),
            s.found() as f64 / s.windows().max(1) as f64,
            s.false_detections(),
            s.false_detections() as f64 / weeks.max(1e-9),
        );
    }
    Ok(())
}
