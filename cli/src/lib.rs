//! The `flywheel` command: a thin shell over the core library (argument parsing, progress bar, files
//! and exit codes; no analysis here). A library so that one executable can carry it: `src/main.rs` is
//! the `flywheel` binary, and the packaged app runs it as `flywheel-app --cli …` (the packages' `flywheel`
//! is a two-line script that does that, so they ship the code once).
//!
//! Exit codes: 0 the review ran (source errors are findings in it); 1 nothing could be reviewed (bad
//! workspace, unreadable file, no data, a bad date or range); 2 the command line itself is wrong (an
//! unknown flag, a missing value: clap's usage errors); 3 with `--strict` when any source failed.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use flywheel::analysis::Params;
use flywheel::config::Workspace;
use flywheel::report;
use flywheel::review::{RangeSpec, Review};
use flywheel::source::Progress;
use indicatif::{ProgressBar, ProgressStyle};

mod actions;
mod coe;
mod errors;
mod findings;
mod import;
mod journal;
mod lines;
mod minutes;
mod tickets;

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
    /// Action items of a workspace: list, add, mark done, export (shared with the app).
    #[command(subcommand)]
    Actions(actions::ActionsCmd),
    /// Verdicts on findings: needs action, expected (folded away next time), noise; and what was said.
    #[command(subcommand)]
    Findings(findings::FindingsCmd),
    /// Make a workspace from what teams already keep: Grafana dashboards (files or addresses).
    #[command(subcommand)]
    Import(import::ImportCmd),
    /// The workspace's journal: which store it is, its schema and what it holds; copy it into the
    /// shared PostgreSQL journal.
    #[command(subcommand)]
    Journal(journal::JournalCmd),
    /// The week's ticket review: recurring problems (tickets grouped by cause over the history weeks),
    /// new critical and high tickets, each linked to the findings of the same week.
    Tickets {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// A date in the review week, e.g. 2026-11-09 (default: the last complete week of the data).
        #[arg(long)]
        week: Option<String>,
        /// Write JSON to FILE, or to stdout with no FILE or `-`.
        #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
        json: Option<PathBuf>,
    },
    /// Try other alarm and investigation lines on one metric: what its review week would flag with them and
    /// how often its history weeks reached them (nothing is saved; it says what to write to keep them).
    Lines {
        /// The metric's id (as `flywheel review` lists it).
        metric: String,
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// The alarm line to try, or `none` (default: the metric's own).
        #[arg(long)]
        alarm: Option<String>,
        /// The investigation line to try, or `none` (default: the metric's own).
        #[arg(long)]
        investigation: Option<String>,
        /// A date in the review week, e.g. 2026-11-09 (default: the last complete week of the data).
        #[arg(long)]
        week: Option<String>,
    },
    /// Correction-of-error documents: start one from a finding, a ticket or a problem; list; export.
    #[command(subcommand)]
    Coe(coe::CoeCmd),
    /// The minutes of the latest meeting run in the app (or the latest of a week): Markdown on the
    /// terminal, or --md/--html files (the HTML with the charts of the findings discussed).
    Minutes {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// A date in the meeting's review week, e.g. 2026-11-09.
        #[arg(long)]
        week: Option<String>,
        /// Write the minutes as Markdown to FILE (instead of showing them).
        #[arg(long, value_name = "FILE")]
        md: Option<PathBuf>,
        /// Write the minutes as self-contained HTML to FILE, with the charts of the findings discussed.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
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
    /// Write a self-contained HTML pre-read with a chart per flagged metric: the 100 ranked highest and every annotated one (`-`: to stdout).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write Markdown for a wiki page or ticket (`-`: to stdout).
    #[arg(long, value_name = "FILE")]
    md: Option<PathBuf>,
    /// Detector sensitivity: 2 flags more, 0.5 fewer (default: the workspace's, else 1).
    #[arg(long)]
    sensitivity: Option<f64>,
    /// Time zone (IANA name) of a data file or a folder of them opened without a flywheel.toml: their times
    /// without an offset are read in it, and its weeks and hours are the review's (default UTC). A workspace's
    /// is `timezone` in its flywheel.toml.
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
    /// How many findings the terminal summary lists.
    #[arg(long, default_value_t = 40)]
    limit: usize,
    /// Exit with code 3 when any metric could not be loaded (2 is a usage error).
    #[arg(long)]
    strict: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Prometheus and CloudWatch metrics: pull again what was cached while still recent (and whatever is missing).
    #[arg(long)]
    refresh: bool,
    /// Prometheus and CloudWatch metrics: do not read or write the local cache.
    #[arg(long)]
    no_cache: bool,
    /// Print what pulling from the metrics servers cost (requests, retries, samples, seconds) on stderr.
    #[arg(long)]
    pull_stats: bool,
    /// Keep findings marked expected in the ranked list instead of folding them into "Muted".
    #[arg(long)]
    show_muted: bool,
}

#[derive(Subcommand)]
enum WheelCmd {
    /// Every spin recorded for a workspace, newest first.
    History {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
        /// How many spins to show, newest first.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Undo the last confirmed spin or reset: the weights go back exactly to before it.
    Undo {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
    },
    /// Every team's weight back to 1 (can be undone).
    Reset {
        /// Workspace folder or flywheel.toml (default: the sample workspace).
        path: Option<PathBuf>,
    },
}

/// The review range a `--week` names (a date in it), or the last complete week of the data.
fn week_spec(ws: &Workspace, week: Option<&str>) -> Result<RangeSpec> {
    Ok(match week {
        Some(w) => RangeSpec::WeekOf(flywheel::time::parse_user_time(w, &ws.tz).map_err(|e| anyhow::anyhow!("--week {w}: {e}"))?),
        None => RangeSpec::LastCompleteWeek,
    })
}

/// The review of the week a `--week` names (or the last complete one) at the workspace's sensitivity, quietly.
pub(crate) fn review_of(ws: &Workspace, week: Option<&str>) -> Result<Review> {
    Ok(Review::run(ws.clone(), week_spec(ws, week)?, Params::new(ws.sensitivity)?, &flywheel::source::Quiet)?)
}

/// Print a line holding user text (names, titles, owners): control characters are made inert, so a
/// title with escape sequences cannot rewrite the screen. The journal keeps the text as written.
fn say(line: String) {
    println!("{}", flywheel::text::terminal_safe(&line, false));
}

/// `--strict` and a source failed: not 2, which is clap's code for a usage error.
const STRICT_SOURCE_FAILED: u8 = 3;

/// Run the command line `args` (the first is the program's name, as in `std::env::args_os`).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Review(a) => review(a),
        Command::Spin { path, absent, confirm, seed } => spin(path, absent, confirm, seed),
        Command::Wheel(WheelCmd::History { path, limit }) => history(path, limit),
        Command::Wheel(WheelCmd::Undo { path }) => wheel_change(path, true),
        Command::Wheel(WheelCmd::Reset { path }) => wheel_change(path, false),
        Command::Actions(cmd) => actions::run(cmd),
        Command::Findings(cmd) => findings::run(cmd, default_workspace),
        Command::Import(cmd) => import::run(cmd),
        Command::Journal(cmd) => journal::run(cmd, default_workspace),
        Command::Coe(cmd) => coe::run(cmd, default_workspace),
        Command::Lines { metric, path, alarm, investigation, week } => {
            lines::run(&metric, &path.unwrap_or_else(default_workspace), alarm, investigation, week.as_deref())
        }
        Command::Tickets { path, week, json } => tickets::run(&path.unwrap_or_else(default_workspace), week.as_deref(), json),
        Command::Minutes { path, week, md, html } => minutes::run(&path.unwrap_or_else(default_workspace), week.as_deref(), md, html),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("flywheel: {}", errors::one_line(&e));
            ExitCode::from(1)
        }
    }
}

/// A document shown as Markdown on the terminal, or written as `--md` and `--html` files (all of them or
/// none); the HTML is made only when asked for.
fn markdown_or_files(text: String, md: Option<PathBuf>, html: Option<PathBuf>, make_html: impl FnOnce() -> String) -> Result<ExitCode> {
    if md.is_none() && html.is_none() {
        print!("{}", flywheel::text::terminal_safe(&text, false));
        return Ok(ExitCode::SUCCESS);
    }
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if let Some(p) = md {
        files.push((p, text));
    }
    if let Some(p) = html {
        files.push((p, make_html()));
    }
    let refs: Vec<(&Path, &[u8])> = files.iter().map(|(p, t)| (p.as_path(), t.as_bytes())).collect();
    flywheel::atomic::write_all(&refs).map_err(|(p, e)| anyhow::anyhow!("{}: {e}", p.display()))?;
    for (p, _) in &files {
        eprintln!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The sample workspace: `./data` when run from the repository, else the one next to the sources.
fn default_workspace() -> PathBuf {
    let here = PathBuf::from("data");
    if here.join("flywheel.toml").is_file() {
        here
    } else {
        flywheel::sample::bundled()
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
    let mut ws = Workspace::open(&path)?;
    if let Some(zone) = &a.tz {
        if ws.bare_files.is_empty() {
            anyhow::bail!("--tz is for a data file or a folder of them; {} sets its own: `timezone` in {}", ws.name, ws.origin.display());
        }
        ws.tz = flywheel::time::parse_zone(zone).context("--tz")?;
    } else if !ws.bare_files.is_empty() {
        // The app remembers the zone a file or folder was read in; here it is UTC unless said, and the two
        // reviews of it would differ by that many hours without a word.
        if let Some(zone) = flywheel::recent::remembered_zone(&path).filter(|z| z != "UTC") {
            eprintln!("note: read as UTC; the app reads {} in {zone} (--tz {zone} for the same review)", path.display());
        }
    }
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
    let params = Params::new(sensitivity).map_err(|e| anyhow::anyhow!("--{e}"))?;
    let bar = if a.quiet || !std::io::stderr().is_terminal() { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:>6} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut pull = flywheel::source::LoadOptions::for_workspace(&ws.origin, a.refresh);
    if a.no_cache {
        pull.cache = None;
    }
    let r = Review::run_with(ws, range, params, &pull, &Bar(bar.clone()));
    bar.finish_and_clear();
    let r = r?;
    if a.pull_stats {
        let p = &r.pull;
        eprintln!(
            "pull: {} requests ({} retries), {} samples, {} metrics from the cache, {:.2} s",
            p.requests,
            p.retries,
            p.samples,
            p.cached,
            r.timings.load_ms / 1000.0
        );
    }

    let mut r = r;
    // The journal opened once: for what the room said, then for the reports' action items and notes.
    let journal = apply_journal(&mut r, !a.show_muted);
    // `-` (or `--json` alone) sends that one report to stdout instead of the terminal summary.
    let dash = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
    let to_stdout = [dash(&a.json), dash(&a.html), dash(&a.md)].iter().filter(|d| **d).count();
    if to_stdout > 1 {
        anyhow::bail!("only one report can go to stdout (`-`); give the others a file name");
    }
    // Every requested report is made first and written as a set: all of them, or (on an error) none.
    let mut files: Vec<(&Path, String)> = Vec::new();
    if let Some(p) = &a.json {
        files.push((p, serde_json::to_string_pretty(&report::json::document(&r))? + "\n"));
    }
    let notes = if a.html.is_some() || a.md.is_some() { review_notes(&r, journal.as_ref()) } else { report::Notes::default() };
    if let Some(p) = &a.html {
        files.push((p, report::html_with(&r, &notes)));
    }
    if let Some(p) = &a.md {
        files.push((p, report::markdown_with(&r, &notes)));
    }
    let (stdout, files): (Vec<_>, Vec<_>) = files.into_iter().partition(|(p, _)| *p == Path::new("-"));
    let set: Vec<(&Path, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    flywheel::atomic::write_all(&set).map_err(|(p, e)| anyhow::anyhow!("cannot write {}: {e} (no report was written)", p.display()))?;
    if let Some((_, doc)) = stdout.first() {
        let mut out = std::io::stdout().lock();
        out.write_all(doc.as_bytes())?;
    } else {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        print!("{}", report::terminal(&r, color, a.limit));
        print_recurring(&r);
    }
    for (label, p) in [("JSON", &a.json), ("HTML", &a.html), ("Markdown", &a.md)] {
        if let Some(p) = p.as_deref().filter(|p| *p != Path::new("-")) {
            eprintln!("{label} written to {}", p.display());
        }
    }
    if a.strict && !r.errors.is_empty() {
        return Ok(ExitCode::from(STRICT_SOURCE_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// The workspace's open action items and the annotations in the review range, for the reports. A
/// journal that cannot be read costs only that section: the review is still written.
fn review_notes(r: &Review, journal: Option<&flywheel::journal::Journal>) -> report::Notes {
    use flywheel::journal::{actions, Journal};
    let read = || -> Result<report::Notes, flywheel::journal::JournalError> {
        let opened;
        let j = match journal {
            Some(j) => j,
            None => {
                opened = Journal::for_workspace(&r.workspace)?;
                &opened
            }
        };
        Ok(report::Notes {
            actions: j.actions(&actions::Filter { live: true, ..Default::default() })?,
            annotations: j.annotations(r.ctx.review_start(), r.ctx.review_end())?,
            today: actions::today(),
            tickets: None,
        })
    };
    let mut notes = read().unwrap_or_else(|e| {
        eprintln!("flywheel: {e}; the report has no action items or annotations");
        report::Notes::default()
    });
    notes.tickets = flywheel::tickets::week::for_review(r);
    notes
}

/// What the room said: keep this week's findings in the journal (a whole week at the workspace's
/// sensitivity), mark the recurring ones, and fold those marked expected (unless `fold` is off). A journal
/// that cannot be read or written costs only these marks.
fn apply_journal(r: &mut Review, fold: bool) -> Option<flywheel::journal::Journal> {
    let now = chrono::Utc::now().timestamp();
    let applied = flywheel::journal::Journal::for_workspace(&r.workspace)
        .and_then(|mut j| flywheel::recurring::apply(&mut j, r, fold, now).map(|()| j));
    applied.map_err(|e| eprintln!("flywheel: {e}; this week's findings were not kept, none is marked recurring and none is folded")).ok()
}

/// The recurring findings under the summary: what keeps coming back, to raise a deeper fix.
fn print_recurring(r: &Review) {
    let found: Vec<_> = r.findings.iter().filter_map(|f| r.recurring.get(&f.id()).map(|rec| (f, rec))).collect();
    if found.is_empty() {
        return;
    }
    println!("\nWhat keeps coming back ({} recurring):", found.len());
    for (f, rec) in found {
        say(format!("  {} · {} — {} ({})", f.metric, f.kind.label(), rec.label(), rec.weeks.join(", ")));
    }
}

fn spin(path: Option<PathBuf>, absent: Vec<String>, confirm: bool, seed: Option<u64>) -> Result<ExitCode> {
    use flywheel::host::{Decision, Host};
    use rand::SeedableRng;
    let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
    for team in &absent {
        check_team(&ws, team).context("--absent")?;
    }
    let mut host = Host::open(&ws)?;
    let pick = match seed {
        Some(s) => host.spin(&absent, &mut rand::rngs::StdRng::seed_from_u64(s)),
        None => host.spin(&absent, &mut rand::rng()),
    }?;
    let now = flywheel::time::now();
    println!("Odds this week ({} team{}):", pick.odds.len(), if pick.odds.len() == 1 { "" } else { "s" });
    for (team, p) in &pick.odds {
        let mark = if *team == pick.winner {
            "  ← winner"
        } else if absent.contains(team) {
            "  (absent)"
        } else {
            ""
        };
        say(format!("  {:>5.1}%  {team}{mark}", p * 100.0));
    }
    // Without --confirm the spin is recorded as a suggestion and no weight moves.
    host.decide(&pick, if confirm { Decision::Present } else { Decision::Cancel }, &absent, now)?;
    say(format!("\n{} presents this week.", pick.winner));
    if let Some(url) = ws.team(&pick.winner).and_then(|t| t.dashboard.as_deref()) {
        say(format!("Dashboard: {url}"));
    }
    eprintln!(
        "{} in {}",
        if confirm {
            "Confirmed: the weights are updated and the spin is recorded"
        } else {
            "Suggested only (add --confirm when the team presents); recorded"
        },
        host.journal_location()
    );
    Ok(ExitCode::SUCCESS)
}

fn history(path: Option<PathBuf>, limit: usize) -> Result<ExitCode> {
    let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
    let journal = flywheel::journal::Journal::for_workspace(&ws)?;
    let spins = journal.spins(limit)?;
    if spins.is_empty() {
        say(format!("No spins recorded yet for {}.", ws.name));
    }
    for s in spins {
        let odds = s.odds.iter().find(|(t, _)| *t == s.winner).map(|(_, p)| *p).unwrap_or(0.0);
        let absent = if s.absent.is_empty() { String::new() } else { format!("  absent: {}", s.absent.join(", ")) };
        say(format!(
            "{}  {:<10} {} (odds {:.1}%){absent}",
            flywheel::time::long_label(&ws.tz, s.at),
            s.outcome.key(),
            s.winner,
            odds * 100.0
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Undo the last confirmation (recorded as an `undone` spin) or reset the weights.
fn wheel_change(path: Option<PathBuf>, undo: bool) -> Result<ExitCode> {
    use flywheel::journal::{spins::Outcome, Journal};
    use flywheel::wheel::Change;
    let ws = Workspace::open(&path.unwrap_or_else(default_workspace))?;
    let mut journal = Journal::for_workspace(&ws)?;
    let Some(mut wheel) = journal.wheel()? else {
        println!("The wheel of {} has not been spun yet: nothing to change.", ws.name);
        return Ok(ExitCode::SUCCESS);
    };
    let now = flywheel::time::now();
    if undo {
        match wheel.undo()? {
            Some(Change::Presented(winner)) => {
                let spins = journal.spins(10_000)?;
                let spin = flywheel::journal::spins::standing_confirmation(&spins, &winner);
                let (odds, absent) = spin.map(|s| (s.odds.clone(), s.absent.clone())).unwrap_or_default();
                journal.record_spin(now, &winner, Outcome::Undone, &odds, &absent, Some(&wheel))?;
                println!(
                    "Undid the last confirmation ({} presenting): the weights are back to before it.",
                    flywheel::text::terminal_safe(&winner, true)
                );
            }
            Some(Change::Reset) => {
                journal.save_wheel(&wheel, now)?;
                println!("Undid the reset: the weights are back to before it.");
            }
            None => {
                journal.save_wheel(&wheel, now)?;
                println!("Undid the last change of the weights (saved before Flywheel kept which it was).");
            }
        }
    } else {
        wheel.reset();
        journal.save_wheel(&wheel, now)?;
        println!("Every team's weight is back to 1 (undo with `flywheel wheel undo`).");
    }
    Ok(ExitCode::SUCCESS)
}

/// `team` is one of the workspace's teams (names are matched exactly); if not, the error lists them.
pub(crate) fn check_team(ws: &Workspace, team: &str) -> Result<()> {
    if ws.team(team).is_none() {
        let teams: Vec<&str> = ws.teams.iter().map(|t| t.name.as_str()).collect();
        anyhow::bail!("no team `{team}` in {}: its teams are {}", ws.name, teams.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn every_command_and_argument_says_what_it_is() {
        use clap::CommandFactory;
        fn walk(c: &clap::Command, at: &str, missing: &mut Vec<String>) {
            for a in c.get_arguments().filter(|a| !["help", "version"].contains(&a.get_id().as_str())) {
                if a.get_help().is_none_or(|h| h.to_string().trim().is_empty()) {
                    missing.push(format!("{at} {}", a.get_id()));
                }
            }
            for sub in c.get_subcommands().filter(|s| s.get_name() != "help") {
                let at = format!("{at} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(at.clone());
                }
                walk(sub, &at, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "flywheel", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }
}
