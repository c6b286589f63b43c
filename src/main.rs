//! The `flywheel` command: a thin shell over the core library (argument parsing, progress bar, files
//! and exit codes; no analysis here).
//!
//! Exit codes: 0 the review ran (source errors are findings in it); 1 nothing could be reviewed (bad
//! workspace, unreadable file, no data, bad arguments); 2 with `--strict` when any source failed.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand};
use flywheel::analysis::Params;
use flywheel::config::Workspace;
use flywheel::report;
use flywheel::review::{RangeSpec, Review};
use flywheel::source::Progress;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(
    name = "flywheel",
    version,
    about = "The weekly operational review: what deserves attention this week, against seasonal history."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Review a workspace folder (with flywheel.toml) or a single CSV/Parquet file.
    Review(ReviewArgs),
    /// Spin the presenter wheel for a workspace's teams (records the spin in the workspace's journal).
    Spin {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// A team that is absent this week (repeatable): left out of this spin, weights untouched.
        #[arg(long = "absent", value_name = "TEAM")]
        absent: Vec<String>,
        /// The winner presents: apply the fairness update and save it.
        #[arg(long)]
        confirm: bool,
        /// Seed the draw (repeatable spins for demos and tests); default: the OS's randomness.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// The wheel's history of spins.
    #[command(subcommand)]
    Wheel(WheelCmd),
    /// Developer tools: regenerate the sample, measure detection quality, benchmark.
    #[command(subcommand)]
    Dev(Dev),
}

#[derive(clap::Args)]
struct ReviewArgs {
    /// Workspace folder, flywheel.toml, or a CSV/Parquet file. Default: the sample workspace in data/.
    path: Option<PathBuf>,
    /// Review the week containing this date (in the workspace's time zone), e.g. 2026-11-09.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    week: Option<String>,
    /// Start of an explicit range (date or date-time, workspace time zone).
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// End of an explicit range (exclusive).
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// Write the JSON document (schema docs/review.schema.json) to FILE, or to stdout with no FILE or `-`.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    json: Option<PathBuf>,
    /// Write a self-contained HTML pre-read with a chart per flagged metric.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write Markdown for a wiki page or ticket.
    #[arg(long, value_name = "FILE")]
    md: Option<PathBuf>,
    /// Detector sensitivity: 2 flags more, 0.5 fewer (default: the workspace's, else 1).
    #[arg(long)]
    sensitivity: Option<f64>,
    /// How many findings the terminal summary lists.
    #[arg(long, default_value_t = 40)]
    limit: usize,
    /// Exit with code 2 when any metric could not be loaded.
    #[arg(long)]
    strict: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum WheelCmd {
    /// Every spin recorded for a workspace, newest first.
    History {
        path: Option<PathBuf>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Undo the last confirmed spin: the weights go back exactly to before it.
    Undo { path: Option<PathBuf> },
    /// Every team's weight back to 1 (can be undone).
    Reset { path: Option<PathBuf> },
}

#[derive(Subcommand)]
enum Dev {
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Review(a) => review(a),
        Command::Spin { path, absent, confirm, seed } => spin(path, absent, confirm, seed),
        Command::Wheel(WheelCmd::History { path, limit }) => history(path, limit),
        Command::Wheel(WheelCmd::Undo { path }) => wheel_change(path, true),
        Command::Wheel(WheelCmd::Reset { path }) => wheel_change(path, false),
        Command::Dev(Dev::Sample { dir }) => flywheel::sample::generate(&dir)
            .map(|_| {
                eprintln!("wrote the sample workspace to {}", dir.display());
                ExitCode::SUCCESS
            })
            .map_err(Into::into),
        Command::Dev(Dev::Quality { series, seed, sensitivity, verbose }) => {
            let rep = flywheel::quality::run(series, seed, Params { sensitivity });
            print!("{}", rep.table(verbose));
            Ok(ExitCode::SUCCESS)
        }
        Command::Dev(Dev::Compare { series, weeks, peer_series, dir, python }) => {
            flywheel::compare::run(series, weeks, peer_series, &dir, &python).map(|r| {
                print!("{r}");
                ExitCode::SUCCESS
            })
        }
        Command::Dev(Dev::Bench { series, weeks, dir, no_charts }) => flywheel::bench::run(series, weeks, &dir, !no_charts).map(|r| {
            print!("{r}");
            ExitCode::SUCCESS
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("flywheel: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The sample workspace: `./data` when run from the repository, else the one next to the sources.
fn default_workspace() -> PathBuf {
    let here = PathBuf::from("data");
    if here.join("flywheel.toml").is_file() {
        here
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
    }
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn update(&self, stage: &str, done: usize, total: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
        self.0.set_message(stage.to_string());
    }
}

fn review(a: ReviewArgs) -> Result<ExitCode> {
    let path = a.path.clone().unwrap_or_else(default_workspace);
    let ws = Workspace::open(&path)?;
    let tz = ws.tz;
    let range = if let Some(w) = &a.week {
        RangeSpec::WeekOf(flywheel::time::parse_user_time(w, &tz).context("--week")?)
    } else if let (Some(f), Some(t)) = (&a.from, &a.to) {
        RangeSpec::Explicit {
            from: flywheel::time::parse_user_time(f, &tz).context("--from")?,
            to: flywheel::time::parse_user_time(t, &tz).context("--to")?,
        }
    } else {
        RangeSpec::LastCompleteWeek
    };
    let sensitivity = a.sensitivity.unwrap_or(ws.sensitivity);
    if !(sensitivity.is_finite() && (0.1..=10.0).contains(&sensitivity)) {
        bail!("--sensitivity must be between 0.1 and 10, not {sensitivity}");
    }
    let bar = if a.quiet || !std::io::stderr().is_terminal() { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:>6} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let r = Review::run(ws, range, Params { sensitivity }, &Bar(bar.clone()));
    bar.finish_and_clear();
    let r = r?;

    let to_stdout_json = a.json.as_deref() == Some(Path::new("-"));
    if let Some(p) = &a.json {
        let doc = serde_json::to_string_pretty(&report::json::document(&r))?;
        if to_stdout_json {
            let mut out = std::io::stdout().lock();
            out.write_all(doc.as_bytes())?;
            out.write_all(b"\n")?;
        } else {
            write_file(p, &doc)?;
        }
    }
    if let Some(p) = &a.html {
        write_file(p, &report::html(&r))?;
    }
    if let Some(p) = &a.md {
        write_file(p, &report::markdown(&r))?;
    }
    if !to_stdout_json {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        print!("{}", report::terminal(&r, color, a.limit));
        for (label, p) in [("JSON", &a.json), ("HTML", &a.html), ("Markdown", &a.md)] {
            if let Some(p) = p {
                eprintln!("{label} written to {}", p.display());
            }
        }
    }
    if a.strict && !r.errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Write a file atomically (temporary file, then rename) so a crash never leaves half a report.
fn write_file(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.tmp", path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn spin(path: Option<PathBuf>, absent: Vec<String>, confirm: bool, seed: Option<u64>) -> Result<ExitCode> {
    use flywheel::journal::{spins::Outcome, Journal};
    use flywheel::wheel::Wheel;
    use rand::SeedableRng;
    let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
    let names: Vec<&str> = ws.teams.iter().map(|t| t.name.as_str()).collect();
    let mut journal = Journal::for_workspace(&ws.origin)?;
    let mut wheel = journal.wheel()?.unwrap_or_else(|| Wheel::new(&names));
    wheel.sync(&names);
    let absent_refs: Vec<&str> = absent.iter().map(String::as_str).collect();
    let pick = match seed {
        Some(s) => wheel.suggest(&absent_refs, &mut rand::rngs::StdRng::seed_from_u64(s)),
        None => wheel.suggest(&absent_refs, &mut rand::rng()),
    }?;
    let now = unix_now();
    println!("Odds this week ({} team{}):", pick.odds.len(), if pick.odds.len() == 1 { "" } else { "s" });
    for (team, p) in &pick.odds {
        let mark = if *team == pick.winner {
            "  ← winner"
        } else if absent.contains(team) {
            "  (absent)"
        } else {
            ""
        };
        println!("  {:>5.1}%  {team}{mark}", p * 100.0);
    }
    let outcome = if confirm {
        wheel.confirm(&pick.winner)?;
        Outcome::Presented
    } else {
        Outcome::Suggested
    };
    journal.record_spin(now, &pick.winner, outcome, &pick.odds, &absent, confirm.then_some(&wheel))?;
    println!("\n{} presents this week.", pick.winner);
    if let Some(url) = ws.team(&pick.winner).and_then(|t| t.dashboard.as_deref()) {
        println!("Dashboard: {url}");
    }
    eprintln!(
        "{} in {}",
        if confirm {
            "Confirmed: the weights are updated and the spin is recorded"
        } else {
            "Suggested only (add --confirm when the team presents); recorded"
        },
        journal.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn history(path: Option<PathBuf>, limit: usize) -> Result<ExitCode> {
    let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
    let journal = flywheel::journal::Journal::for_workspace(&ws.origin)?;
    let spins = journal.spins(limit)?;
    if spins.is_empty() {
        println!("No spins recorded yet for {}.", ws.name);
    }
    for s in spins {
        let odds = s.odds.iter().find(|(t, _)| *t == s.winner).map(|(_, p)| *p).unwrap_or(0.0);
        let absent = if s.absent.is_empty() { String::new() } else { format!("  absent: {}", s.absent.join(", ")) };
        println!("{}  {:<10} {} (odds {:.1}%){absent}", flywheel::time::long_label(&ws.tz, s.at), s.outcome.key(), s.winner, odds * 100.0);
    }
    Ok(ExitCode::SUCCESS)
}

/// Undo the last confirmation (recorded as an `undone` spin) or reset the weights.
fn wheel_change(path: Option<PathBuf>, undo: bool) -> Result<ExitCode> {
    use flywheel::journal::{spins::Outcome, Journal};
    let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
    let mut journal = Journal::for_workspace(&ws.origin)?;
    let Some(mut wheel) = journal.wheel()? else {
        println!("The wheel of {} has not been spun yet: nothing to change.", ws.name);
        return Ok(ExitCode::SUCCESS);
    };
    let now = unix_now();
    if undo {
        wheel.undo()?;
        let last = journal.spins(1000)?.into_iter().find(|s| s.outcome == Outcome::Presented);
        let (winner, odds, absent) = last.map(|s| (s.winner, s.odds, s.absent)).unwrap_or_default();
        journal.record_spin(now, &winner, Outcome::Undone, &odds, &absent, Some(&wheel))?;
        println!("Undid the last confirmation{}.", if winner.is_empty() { String::new() } else { format!(" ({winner} presenting)") });
    } else {
        wheel.reset();
        journal.save_wheel(&wheel, now)?;
        println!("Every team's weight is back to 1 (undo with `flywheel wheel undo`).");
    }
    Ok(ExitCode::SUCCESS)
}

/// Now, in Unix seconds (0 if the clock is before 1970).
fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
