//! Grafana dashboards read as a workspace: a team per dashboard (or folder), a service per row, a
//! metric per Prometheus query with its panel's thresholds as the alarm and investigation lines, and
//! the list of what could not be imported and why. `api` fetches dashboards over Grafana's HTTP API,
//! `write` turns the result into a commented `flywheel.toml`.

pub mod api;
mod lines;
mod panels;
mod promql;
mod vars;
pub mod write;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

use crate::config::Worse;

/// The largest dashboard read (a file or an answer): real ones are well under 1 MiB.
pub const MAX_DASHBOARD_BYTES: u64 = 16 << 20;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{what}: {bytes} bytes; a dashboard is at most {MAX_DASHBOARD_BYTES} bytes")]
    TooLarge { what: String, bytes: u64 },
    #[error("{what} is not JSON: {message}")]
    NotJson { what: String, message: String },
    #[error("{what} is not a Grafana dashboard (no `panels`, `rows` or `dashboard` in it)")]
    NotADashboard { what: String },
    #[error("{0}")]
    Http(String),
    #[error("{0}")]
    BadSource(String),
    #[error("nothing could be imported:\n{0}")]
    Nothing(String),
    #[error("the dashboards do not say where their Prometheus is (an exported file names no address): give it with --prometheus URL")]
    NoPrometheus,
    #[error("{path} exists and was not written by an import: give another --out, or --force to replace it")]
    WouldOverwrite { path: String },
    #[error("the written workspace does not validate (a bug in the importer): {0}")]
    Invalid(String),
}

/// A data source as Grafana's API describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    /// Plugin id: `prometheus`, `loki`, …
    pub kind: String,
    pub url: Option<String>,
}

/// One dashboard to import, with what the HTTP API said around it.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where it came from (a file path or a URL), for messages.
    pub origin: String,
    pub dashboard: Value,
    /// Its folder (`meta.folderTitle`), when known.
    pub folder: Option<String>,
    /// Its address in Grafana (the team's dashboard link), when known.
    pub url: Option<String>,
    /// Data sources by uid and by name, when the API gave them.
    pub datasources: HashMap<String, DataSource>,
}

impl Source {
    /// A dashboard from its JSON: the "Export → Save to file" form, or the HTTP API's
    /// `{dashboard, meta}` envelope (whose folder and address are kept).
    pub fn from_json(origin: &str, bytes: &[u8]) -> Result<Source, ImportError> {
        if bytes.len() as u64 > MAX_DASHBOARD_BYTES {
            return Err(ImportError::TooLarge { what: origin.to_string(), bytes: bytes.len() as u64 });
        }
        let v: Value =
            serde_json::from_slice(bytes).map_err(|e| ImportError::NotJson { what: origin.to_string(), message: e.to_string() })?;
        let (dashboard, meta) = match v.get("dashboard") {
            Some(d) if d.is_object() => (d.clone(), v.get("meta").cloned().unwrap_or(Value::Null)),
            _ => (v, Value::Null),
        };
        if !(dashboard.get("panels").is_some_and(Value::is_array) || dashboard.get("rows").is_some_and(Value::is_array)) {
            return Err(ImportError::NotADashboard { what: origin.to_string() });
        }
        let folder = meta.get("folderTitle").and_then(Value::as_str).map(str::to_string);
        let url = meta.get("url").and_then(Value::as_str).filter(|u| crate::config::check_url(u).is_ok()).map(str::to_string);
        Ok(Source { origin: origin.to_string(), dashboard, folder, url, datasources: HashMap::new() })
    }

    /// A dashboard JSON file (at most [`MAX_DASHBOARD_BYTES`]).
    pub fn read(path: &Path) -> Result<Source, ImportError> {
        let what = path.display().to_string();
        let bytes = crate::import::read_file(path, MAX_DASHBOARD_BYTES).map_err(|e| match e {
            crate::import::ReadError::Io(message) => ImportError::Io { path: what.clone(), message },
            crate::import::ReadError::TooLarge(bytes) => ImportError::TooLarge { what: what.clone(), bytes },
        })?;
        Source::from_json(&what, &bytes)
    }

    pub fn title(&self) -> String {
        let title = one_line(self.dashboard.get("title").and_then(Value::as_str).unwrap_or_default());
        if title.is_empty() {
            crate::import::UNTITLED.into()
        } else {
            title
        }
    }
}

/// Read every source: a dashboard file, or a Grafana address (`…/d/<uid>`, `…/dashboards/f/<uid>`)
/// fetched with the token in the environment variable `token_env`.
pub fn read_sources(sources: &[String], token_env: &str) -> Result<Vec<Source>, ImportError> {
    let mut read = Vec::new();
    for s in sources {
        let s = s.trim();
        if s.contains("://") {
            let target = api::target(s)?;
            let base = match &target {
                api::Target::Dashboard { base, .. } | api::Target::Folder { base, .. } => base.clone(),
            };
            read.extend(api::Grafana::new(&base, token_env)?.fetch(&target)?);
        } else {
            read.push(Source::read(Path::new(s))?);
        }
    }
    Ok(read)
}

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    /// Every dashboard's team (else its folder, else its title).
    pub team: Option<String>,
    /// The workspace step in seconds (the built-in intervals derive from it).
    pub step: i64,
    /// Import panels without thresholds too (with no lines).
    pub without_lines: bool,
    /// The Prometheus address, when the dashboards do not give it.
    pub prometheus: Option<String>,
    /// The workspace's name (else the first dashboard's title).
    pub name: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options { team: None, step: 300, without_lines: false, prometheus: None, name: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamOut {
    pub name: String,
    pub dashboard: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceOut {
    pub name: String,
    pub team: String,
}

/// A metric to write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricOut {
    pub id: String,
    pub name: String,
    pub team: String,
    pub service: String,
    pub unit: String,
    pub worse: Worse,
    pub alarm: Option<f64>,
    pub investigation: Option<f64>,
    pub promql: String,
    /// The label naming its instances, when the query returns a series per instance.
    pub instance: Option<String>,
    /// What was inferred rather than read (written as comments).
    pub notes: Vec<String>,
    pub dashboard: String,
    pub panel: String,
    /// The Prometheus address of its data source, when known.
    #[serde(skip)]
    pub server: Option<String>,
}

/// A panel (or one of its queries) that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub dashboard: String,
    pub panel: String,
    pub reason: String,
}

/// What an import makes: the workspace's parts, and what was left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Import {
    pub name: String,
    pub step: i64,
    pub timezone: String,
    pub prometheus: Option<String>,
    /// Where the Prometheus address came from (`the data source "Prometheus"`, `--prometheus`).
    pub prometheus_from: String,
    pub teams: Vec<TeamOut>,
    pub services: Vec<ServiceOut>,
    pub metrics: Vec<MetricOut>,
    pub skipped: Vec<Skipped>,
    /// The dashboards read (file paths or URLs).
    pub sources: Vec<String>,
}

/// Import `sources` into one workspace. Never fails: what cannot be imported is in `skipped`.
pub fn import(sources: &[Source], opts: &Options) -> Import {
    let mut out = Import {
        name: opts.name.clone().map(|n| one_line(&n)).or_else(|| sources.first().map(Source::title)).unwrap_or_else(|| "Imported".into()),
        step: opts.step,
        timezone: sources.iter().find_map(|s| zone_of(&s.dashboard)).unwrap_or_else(|| "UTC".into()),
        prometheus: None,
        prometheus_from: String::new(),
        teams: Vec::new(),
        services: Vec::new(),
        metrics: Vec::new(),
        skipped: Vec::new(),
        sources: sources.iter().map(|s| s.origin.clone()).collect(),
    };
    for s in sources {
        let team = opts
            .team
            .clone()
            .map(|t| one_line(&t))
            .filter(|t| !t.is_empty())
            .or_else(|| s.folder.as_deref().map(one_line).filter(|f| !f.is_empty() && f != "General"))
            .unwrap_or_else(|| s.title());
        match out.teams.iter_mut().find(|t| t.name == team) {
            Some(t) => t.dashboard = t.dashboard.take().or_else(|| s.url.clone()),
            None => out.teams.push(TeamOut { name: team.clone(), dashboard: s.url.clone() }),
        }
        panels::import_dashboard(s, &team, opts, &mut out);
    }
    choose_server(&mut out, opts);
    // Teams and services that ended up with no metric are left out.
    let used_services: std::collections::HashSet<&str> = out.metrics.iter().map(|m| m.service.as_str()).collect();
    out.services.retain(|s| used_services.contains(s.name.as_str()));
    let used_teams: std::collections::HashSet<&str> = out.services.iter().map(|s| s.team.as_str()).collect();
    out.teams.retain(|t| used_teams.contains(t.name.as_str()));
    out
}

/// One Prometheus per workspace: `--prometheus`, else the address most metrics' data sources give.
/// Metrics of a data source at another address are left out (said why).
fn choose_server(out: &mut Import, opts: &Options) {
    if let Some(url) = &opts.prometheus {
        out.prometheus = Some(url.clone());
        out.prometheus_from = "as given for the import".into();
        return;
    }
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &out.metrics {
        if let Some(s) = &m.server {
            *count.entry(s.as_str()).or_default() += 1;
        }
    }
    let Some(chosen) = count.iter().max_by_key(|(url, n)| (**n, std::cmp::Reverse(**url))).map(|(u, _)| u.to_string()) else { return };
    let (keep, other): (Vec<MetricOut>, Vec<MetricOut>) =
        std::mem::take(&mut out.metrics).into_iter().partition(|m| m.server.as_deref().is_none_or(|s| s == chosen));
    out.metrics = keep;
    for m in other {
        out.skipped.push(Skipped {
            dashboard: m.dashboard,
            panel: m.panel,
            reason: format!(
                "its data source is another Prometheus ({}); a workspace pulls from one server ({chosen})",
                m.server.unwrap_or_default()
            ),
        });
    }
    out.prometheus = Some(chosen);
    out.prometheus_from = "from the dashboards' Prometheus data source".into();
}

/// The dashboard's time zone when it names one (`Europe/Berlin`); `browser` and `utc` do not.
fn zone_of(d: &Value) -> Option<String> {
    let tz = d.get("timezone").and_then(Value::as_str)?;
    tz.parse::<chrono_tz::Tz>().ok().filter(|_| tz.contains('/')).map(|_| tz.to_string())
}

pub(crate) use crate::text::one_line;

/// A lower-case id part: ASCII letters and digits, `-` between words, at most 48 characters.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let t = out.trim_end_matches('-');
    if t.is_empty() {
        "panel".into()
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests;
