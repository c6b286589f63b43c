//! The workspace format (`flywheel.toml`): what a team lead writes, checked so every mistake names its line.
//!
//! Parsing ([`parse`]) is two-step: serde reads a *raw* form that keeps byte spans of the fields we validate,
//! then [`Workspace::from_toml`] turns it into the typed [`Workspace`] and collects **all** problems at once,
//! each with the file, the line and the field ("metric `checkout.p99`: investigation line 900 is above the
//! alarm line 500 for a higher-is-worse metric").

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::Weekday;
use chrono_tz::Tz;
use serde::Deserialize;
use thiserror::Error;

pub mod agenda;
pub mod cloudwatch;
pub mod journal;
mod parse;
pub mod tickets;

pub use agenda::{Segment, SegmentKind};

/// The name of the workspace file inside a workspace folder.
pub const WORKSPACE_FILE: &str = "flywheel.toml";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {message}")]
    Io { path: String, message: String },
    #[error("no workspace at {0}: expected a folder with flywheel.toml, a flywheel.toml, or a CSV/Parquet file")]
    NotFound(String),
    #[error("{0} holds no flywheel.toml and no CSV or Parquet file to review")]
    EmptyFolder(String),
    #[error("{path}:{line}: {message}")]
    Syntax { path: String, line: usize, message: String },
    #[error("{}", .issues.iter().map(|i| format!("{}:{}: {}", .path, i.line, i.message)).collect::<Vec<_>>().join("\n"))]
    Invalid { path: String, issues: Vec<ConfigIssue> },
}

/// One validation problem: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConfigIssue {
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// Which direction of a metric is bad news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Worse {
    Higher,
    Lower,
}

impl Worse {
    /// +1 when higher is worse, −1 when lower is worse: multiply a deviation by this to get "badness".
    pub fn sign(self) -> f64 {
        match self {
            Worse::Higher => 1.0,
            Worse::Lower => -1.0,
        }
    }
    /// Is `v` beyond `line` in the worse direction?
    pub fn beyond(self, v: f64, line: f64) -> bool {
        match self {
            Worse::Higher => v > line,
            Worse::Lower => v < line,
        }
    }
    /// When an investigation line sits past the alarm line (it must come first, on the way to the alarm): how
    /// to say so, ("above", "higher") for "investigation line 900 is above the alarm line 500 for a
    /// higher-is-worse metric".
    pub fn misordered(self, investigation: f64, alarm: f64) -> Option<(&'static str, &'static str)> {
        let said = match self {
            Worse::Higher => ("above", "higher"),
            Worse::Lower => ("below", "lower"),
        };
        self.beyond(investigation, alarm).then_some(said)
    }
}

/// "M of N datapoints": a breach needs M of the last N datapoints beyond the line (CloudWatch semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MofN {
    pub m: usize,
    pub n: usize,
}

impl Default for MofN {
    fn default() -> Self {
        MofN { m: 3, n: 5 }
    }
}

impl fmt::Display for MofN {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {}", self.m, self.n)
    }
}

impl MofN {
    pub fn parse(s: &str) -> Option<MofN> {
        let (a, b) = s.split_once("of")?;
        let m: usize = a.trim().parse().ok()?;
        let n: usize = b.trim().parse().ok()?;
        (m >= 1 && m <= n && n <= 1000).then_some(MofN { m, n })
    }
}

/// Where a metric's data comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A CSV or Parquet file (path relative to the workspace) and the series key inside it. An empty key
    /// means the file is a bare `timestamp,value` file holding one series.
    File { path: PathBuf, series: String },
    /// A PromQL query against the workspace's `[prometheus]` server. Several result series are the
    /// metric's instances, named by the `instance` label (or by their whole label set).
    Prometheus { query: String, instance: Option<String> },
    /// A metric or an expression pulled with GetMetricData from the workspace's `[cloudwatch]`.
    CloudWatch(cloudwatch::CwQuery),
}

impl Source {
    /// Where the data comes from, for messages: the file, or the query.
    pub fn describe(&self) -> String {
        match self {
            Source::File { path, .. } => path.display().to_string(),
            Source::Prometheus { query, .. } => format!("promql `{query}`"),
            Source::CloudWatch(q) => q.describe(),
        }
    }

    /// Pulled from a server over the review's range (not read from a file).
    pub fn is_pulled(&self) -> bool {
        !matches!(self, Source::File { .. })
    }
}

/// The Prometheus-compatible server of a workspace (`[prometheus]`): Prometheus itself, Thanos, Mimir,
/// Cortex or VictoriaMetrics, which share the `query_range` HTTP API.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Prometheus {
    /// Base URL (`http://prometheus:9090`, or the API prefix of Mimir/Cortex such as `…/prometheus`).
    pub url: String,
    /// Name of the environment variable holding a bearer token (the token itself is never stored).
    pub token_env: Option<String>,
    /// Seconds one request may take before it counts as failed.
    pub timeout: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Further attempts after a 5xx, a 429 or a broken connection.
    pub retries: u32,
}

impl Prometheus {
    pub fn new(url: &str) -> Prometheus {
        Prometheus { url: url.trim_end_matches('/').to_string(), token_env: None, timeout: 30, concurrency: 4, retries: 3 }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Team {
    pub name: String,
    pub members: Vec<String>,
    /// External dashboard, http(s) only.
    pub dashboard: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Service {
    pub name: String,
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Metric {
    pub id: String,
    pub team: String,
    pub service: String,
    pub name: String,
    pub unit: String,
    pub statistic: String,
    pub worse: Worse,
    /// Whether `worse` was said (a workspace metric) or assumed (a bare file: both directions count).
    pub worse_known: bool,
    pub alarm: Option<f64>,
    pub investigation: Option<f64>,
    pub alarm_datapoints: MofN,
    pub investigation_datapoints: MofN,
    pub source: Source,
    /// Line of the `[[metric]]` table in `flywheel.toml` (0 for metrics made up from a bare file).
    pub line: usize,
    /// This metric's sensitivity relative to the review's (1 = the same; 0.5 flags it half as readily).
    /// Lines are never scaled.
    pub sensitivity: f64,
}

impl Metric {
    /// A metric with no lines and default rules, read from `series` in `path`; callers set the rest.
    pub fn new(id: &str, team: &str, service: &str, worse: Worse, path: &Path, series: &str) -> Metric {
        Metric {
            id: id.to_string(),
            team: team.to_string(),
            service: service.to_string(),
            name: id.to_string(),
            unit: String::new(),
            statistic: "avg".to_string(),
            worse,
            worse_known: true,
            alarm: None,
            investigation: None,
            alarm_datapoints: MofN::default(),
            investigation_datapoints: MofN::default(),
            source: Source::File { path: path.to_path_buf(), series: series.to_string() },
            line: 0,
            sensitivity: 1.0,
        }
    }

    /// A metric with no lines, for series found in a file opened on its own.
    pub fn bare(id: &str, path: &Path, series: &str) -> Metric {
        let service = crate::source::stem(path);
        Metric { statistic: "value".to_string(), worse_known: false, ..Metric::new(id, "(file)", &service, Worse::Higher, path, series) }
    }

    /// Does the statistic add up across instances (counts, sums) rather than average?
    pub fn sums_across_instances(&self) -> bool {
        matches!(self.statistic.to_ascii_lowercase().as_str(), "sum" | "count" | "total" | "rate")
    }
}

/// A validated workspace.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Workspace {
    /// The folder holding the workspace (data file paths are relative to it).
    pub root: PathBuf,
    /// The `flywheel.toml` read, or the single data file opened on its own.
    pub origin: PathBuf,
    pub name: String,
    #[serde(serialize_with = "ser_tz")]
    pub tz: Tz,
    #[serde(serialize_with = "ser_weekday")]
    pub week_starts: Weekday,
    /// Grid step in seconds. `None` for a bare file until the step is inferred from its data.
    pub step: Option<i64>,
    pub history_weeks: u32,
    pub sensitivity: f64,
    pub teams: Vec<Team>,
    pub services: Vec<Service>,
    pub metrics: Vec<Metric>,
    /// The metrics server, when metrics use `source = { promql = … }`.
    pub prometheus: Option<Prometheus>,
    /// CloudWatch, when metrics use `source = { cloudwatch = … }`.
    pub cloudwatch: Option<cloudwatch::CloudWatch>,
    /// The data files opened as they are — one file, or a folder of them without a `flywheel.toml` — whose
    /// series become metrics at load (absolute paths, sorted). Empty for a workspace read from a `flywheel.toml`.
    pub bare_files: Vec<PathBuf>,
    /// The meeting's agenda (`[meeting]`, else [`agenda::default_agenda`]).
    pub agenda: Vec<Segment>,
    /// `[journal]`: a shared journal's address and who writes (empty: SQLite on this machine).
    pub journal: journal::JournalSettings,
    /// `[[tickets]]`: where the week's tickets come from (none: the ticket review is empty).
    pub tickets: Vec<tickets::TicketSource>,
}

fn ser_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}
fn ser_weekday<S: serde::Serializer>(w: &Weekday, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&w.to_string())
}

/// The largest `flywheel.toml` read (4 MiB: thousands of metrics fit in a fraction of it).
pub const MAX_WORKSPACE_BYTES: u64 = 4 << 20;

/// The data files a folder holds directly (`.csv`, `.tsv`, `.parquet`, `.pq`; not hidden ones, not in
/// sub-folders), sorted.
fn data_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .filter(|p| {
            let ext = p.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
            matches!(ext.as_str(), "csv" | "tsv" | "parquet" | "pq")
        })
        .collect();
    files.sort();
    files
}

impl Workspace {
    /// Each metric's team, by metric id: looked up once per finding of the recorded weeks (tens of thousands
    /// at an organisation's scale), where a scan of the metrics for each took longer than re-flagging.
    pub fn teams_by_metric(&self) -> std::collections::HashMap<&str, &str> {
        self.metrics.iter().map(|m| (m.id.as_str(), m.team.as_str())).collect()
    }

    /// Open a workspace: a folder with `flywheel.toml`, the `flywheel.toml` itself, one CSV/Parquet file
    /// reviewed on its own (UTC, weeks starting Monday, step inferred from the data), or a folder of such files
    /// without a `flywheel.toml` (each file's series reviewed as [`Workspace::folder`] says).
    pub fn open(path: &Path) -> Result<Workspace, ConfigError> {
        let is_data = path.is_file() && path.file_name().map(|n| n != WORKSPACE_FILE).unwrap_or(false);
        if is_data {
            return Ok(Workspace::bare(path));
        }
        if path.is_dir() && !path.join(WORKSPACE_FILE).exists() {
            let files = data_files(path);
            if files.is_empty() {
                return Err(ConfigError::EmptyFolder(path.display().to_string()));
            }
            return Ok(Workspace::folder(path, files));
        }
        let file = if path.is_dir() { path.join(WORKSPACE_FILE) } else { path.to_path_buf() };
        if !path.exists() {
            return Err(ConfigError::NotFound(path.display().to_string()));
        }
        let io = |message: String| ConfigError::Io { path: file.display().to_string(), message };
        // Only a regular file of sensible size is read: a device (/dev/zero) or a FIFO would read forever.
        let meta = std::fs::metadata(&file).map_err(|e| io(e.to_string()))?;
        if !meta.is_file() {
            return Err(io("not a regular file (a device, a FIFO or a socket cannot be a workspace)".into()));
        }
        if meta.len() > MAX_WORKSPACE_BYTES {
            return Err(io(format!("{} bytes; a flywheel.toml is at most {MAX_WORKSPACE_BYTES} bytes", meta.len())));
        }
        let text = std::fs::read_to_string(&file).map_err(|e| io(e.to_string()))?;
        let root = file.parent().map(Path::to_path_buf).unwrap_or_default();
        Workspace::from_toml(&text, &file, &root)
    }

    /// A workspace made of one data file with no lines. The file is held by its absolute path: its series'
    /// metrics name it, and a metric's file is read relative to the workspace's root (its folder), so a
    /// relative path would be joined to its own folder twice.
    pub fn bare(path: &Path) -> Workspace {
        let absolute = std::path::absolute(path);
        let path = absolute.as_deref().unwrap_or(path);
        Workspace {
            root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            origin: path.to_path_buf(),
            name: path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            tz: Tz::UTC,
            week_starts: Weekday::Mon,
            step: None,
            history_weeks: 5,
            sensitivity: 1.0,
            teams: vec![Team { name: "(file)".to_string(), members: vec![], dashboard: None }],
            services: vec![],
            metrics: vec![],
            prometheus: None,
            cloudwatch: None,
            bare_files: vec![path.to_path_buf()],
            agenda: agenda::default_agenda(),
            journal: Default::default(),
            tickets: vec![],
        }
    }

    /// A folder of data files without a `flywheel.toml` — exports dropped together — reviewed like one file
    /// opened on its own, each file's series metrics of their own (a metric id two files share is told apart
    /// by its file: `checkout/p99`, or the file's name for a one-series file). The folder's name names it.
    pub fn folder(dir: &Path, files: Vec<PathBuf>) -> Workspace {
        let absolute = std::path::absolute(dir);
        let dir = absolute.as_deref().unwrap_or(dir);
        Workspace {
            root: dir.to_path_buf(),
            origin: dir.to_path_buf(),
            name: dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string()),
            bare_files: files.iter().map(|f| std::path::absolute(f).unwrap_or_else(|_| f.clone())).collect(),
            ..Workspace::bare(dir)
        }
    }

    /// The path Flywheel's own folders (the journal, the minutes) know the workspace by: its `flywheel.toml`, or
    /// the data file opened on its own — and for a folder of data files the `flywheel.toml` it would have, so
    /// that one written there later keeps the action items, verdicts and spins recorded before.
    pub fn key_path(&self) -> PathBuf {
        // A file opened on its own is its origin; a folder's files are not.
        let folder = match &self.bare_files[..] {
            [] => false,
            [one] => *one != self.origin,
            _ => true,
        };
        if folder {
            std::fs::canonicalize(&self.origin).unwrap_or_else(|_| self.origin.clone()).join(WORKSPACE_FILE)
        } else {
            self.origin.clone()
        }
    }

    /// A workspace made in code (the developer tools, tests): these metrics, their teams in order of first
    /// use, five history weeks, the default agenda; nothing read from a file.
    pub fn of_metrics(name: &str, root: &Path, tz: Tz, metrics: Vec<Metric>) -> Workspace {
        let mut teams: Vec<Team> = Vec::new();
        for m in &metrics {
            if !teams.iter().any(|t| t.name == m.team) {
                teams.push(Team { name: m.team.clone(), members: vec![], dashboard: None });
            }
        }
        Workspace {
            root: root.to_path_buf(),
            origin: root.join("flywheel.toml"),
            name: name.to_string(),
            tz,
            teams,
            metrics,
            bare_files: Vec::new(),
            ..Workspace::bare(root)
        }
    }

    pub fn team(&self, name: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.name == name)
    }
}

/// The address without any `user:password@` part, for messages.
pub fn without_userinfo(u: &str) -> String {
    match u.find("://") {
        Some(i) => {
            let (scheme, rest) = u.split_at(i + 3);
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(at) => format!("{scheme}{}", &rest[at + 1..]),
                None => u.to_string(),
            }
        }
        None => u.to_string(),
    }
}

/// Why an address was refused.
#[derive(Debug, Error, PartialEq)]
pub enum UrlError {
    /// A user name or password in the address would be echoed wherever the address is shown; the
    /// address is kept here without them.
    #[error("URL `{0}` carries a user name or password: remove it (credentials come from the environment — token_env, an AWS profile — never from an address, which is shown and stored)")]
    Credentials(String),
    #[error("URL `{0}` must be an http:// or https:// address")]
    NotHttp(String),
}

/// Accept only http(s) URLs without credentials (trimmed); anything else (`javascript:`, `file:`, …) is
/// refused.
pub fn check_url(u: &str) -> Result<String, UrlError> {
    let t = u.trim();
    let lower = t.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    match rest {
        // A user name or password in the address would be echoed wherever the address is shown.
        Some(r) if r.split(['/', '?', '#']).next().is_some_and(|authority| authority.contains('@')) => {
            Err(UrlError::Credentials(without_userinfo(t)))
        }
        Some(r)
            if !r.is_empty()
                && !r.starts_with('/')
                && !t.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>') =>
        {
            Ok(t.to_string())
        }
        _ => Err(UrlError::NotHttp(t.to_string())),
    }
}

/// Format a number for messages: integers without decimals, others with up to 4 significant digits; from
/// 10¹⁵ on, in powers of ten (`1.79e308`, not its 309 digits).
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.abs() >= 1e15 {
        return scientific(v);
    }
    if v == v.trunc() {
        return format!("{}", v as i64);
    }
    let a = v.abs();
    let decimals = if a >= 100.0 {
        1
    } else if a >= 1.0 {
        2
    } else if a >= 0.01 {
        4
    } else {
        6
    };
    fixed_by_integers(v, decimals).unwrap_or_else(|| fixed_by_formatter(v, decimals))
}

/// `v` in powers of ten with up to 4 significant digits, the mantissa's trailing zeros taken away (`1.5e20`).
fn scientific(v: f64) -> String {
    let s = format!("{v:.3e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => format!("{}e{exp}", mantissa.trim_end_matches('0').trim_end_matches('.')),
        None => s,
    }
}

/// `v` with `decimals` decimals as the formatter writes it (the exact value rounded half to even), its trailing
/// zeros and then its point taken away.
fn fixed_by_formatter(v: f64, decimals: usize) -> String {
    // Always a decimal point (decimals ≥ 1): its trailing zeros, then the point, go (in place).
    let mut s = format!("{v:.decimals$}");
    let kept = s.trim_end_matches('0').trim_end_matches('.').len();
    s.truncate(kept);
    s
}

/// [`fixed_by_formatter`] by integer arithmetic (every finding writes a few numbers, which the formatter rounds
/// exactly, digit by digit), when it is sure to give the same text: `|v| × 10^decimals`, rounded to an
/// integer, is the exact value's rounding unless the product lies within its own rounding error of a half
/// (checked with room to spare, and left to the formatter). `None` then, and past 2⁵².
fn fixed_by_integers(v: f64, decimals: usize) -> Option<String> {
    use std::fmt::Write;
    const POW: [f64; 7] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
    let scaled = v.abs() * POW.get(decimals)?;
    if !scaled.is_finite() || scaled >= 4.0e15 {
        return None;
    }
    // Exact: below 2⁵², an f64 less its floor is representable.
    let fraction = scaled - scaled.floor();
    if (fraction - 0.5).abs() <= scaled * f64::EPSILON * 8.0 {
        return None;
    }
    let r = scaled.round() as u64;
    let unit = 10u64.pow(decimals as u32);
    let (whole, mut part, mut digits) = (r / unit, r % unit, decimals);
    while digits > 0 && part % 10 == 0 {
        (part, digits) = (part / 10, digits - 1);
    }
    let mut s = String::with_capacity(24);
    // A negative number keeps its sign even when it rounds to 0, as with the formatter (`-0`).
    let sign = if v < 0.0 { "-" } else { "" };
    let written = if digits == 0 { write!(s, "{sign}{whole}") } else { write!(s, "{sign}{whole}.{part:0digits$}") };
    written.ok()?;
    Some(s)
}

#[cfg(test)]
mod tests;
