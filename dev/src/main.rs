//! `flywheel-dev`: developer tools kept out of the product. `score DIR` reviews every file of a labelled
//! corpus in NAB's layout with the real pipeline and scores the findings with NAB's method.

mod corpus;
mod nab;
mod run;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use flywheel::analysis::Params;
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
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Both,
    OnePass,
    WeekByWeek,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Score { dir, mode, sensitivity, files, detections } => {
            let entries = corpus::open(&dir)?;
            let modes = match mode {
                ModeArg::Both => vec![Mode::OnePass, Mode::WeekByWeek],
                ModeArg::OnePass => vec![Mode::OnePass],
                ModeArg::WeekByWeek => vec![Mode::WeekByWeek],
            };
            for m in modes {
                score(&entries, m, Params { sensitivity }, files, detections)?;
            }
            Ok(())
        }
    }
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
