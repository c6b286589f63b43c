//! CloudWatch dashboards read as a workspace: a team per dashboard, a service per section (a text widget's
//! heading, else the dashboard), a metric per graphed metric or metric-math expression with the widget's
//! horizontal annotations — or its alarm's threshold and comparison — as the alarm and investigation
//! lines, and the list of what could not be imported and why. `api` reads dashboards and alarms from
//! CloudWatch (GetDashboard, DescribeAlarms); `widgets` reads one widget; `write` writes `flywheel.toml`.

pub mod api;
mod widgets;
pub mod write;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

use crate::config::cloudwatch::CwQuery;
use crate::config::{MofN, Worse};
use crate::text::one_line;

/// The largest dashboard body read (CloudWatch's own limit is 1 MiB; files may be exports with more).
pub const MAX_BODY_BYTES: u64 = 16 << 20;

#[derive(Debug, Error)]
pub enum CwImportError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{what}: {bytes} bytes; a dashboard body is at most {MAX_BODY_BYTES} bytes")]
    TooLarge { what: String, bytes: u64 },
    #[error("{what} is not JSON: {message}")]
    NotJson { what: String, message: String },
    #[error("{what} is not a CloudWatch dashboard body (no `widgets` list in it)")]
    NotADashboard { what: String },
    #[error("{0}")]
    CloudWatch(String),
    #[error("nothing could be imported:\n{0}")]
    Nothing(String),
    #[error("the dashboards do not say their region: give it with --region")]
    NoRegion,
    /// A region, profile or endpoint given for the import that a workspace cannot hold.
    #[error("{0}")]
    Setting(String),
    #[error("{path} exists and was not written by an import: give another --out, or --force to replace it")]
    WouldOverwrite { path: String },
    #[error("the written workspace does not validate (a bug in the importer): {0}")]
    Invalid(String),
}

/// Refuse a region, profile or endpoint (given for an import, or the region its widgets name) that a
/// workspace cannot hold, saying which: before any request is made with them, and before a workspace is written.
pub fn check_settings(region: Option<&str>, profile: Option<&str>, endpoint: Option<&str>) -> Result<(), CwImportError> {
    use crate::config::cloudwatch::valid_name;
    if let Some(r) = region.filter(|r| !valid_name(r)) {
        return Err(CwImportError::Setting(format!("region \"{}\" is not a region name (like eu-west-1)", one_line(r))));
    }
    if let Some(p) = profile.filter(|p| !valid_name(p)) {
        return Err(CwImportError::Setting(format!("profile \"{}\" is not a profile name (letters, digits, - _ .)", one_line(p))));
    }
    match endpoint.map(crate::config::check_url) {
        Some(Err(e)) => Err(CwImportError::Setting(format!("endpoint {e}"))),
        _ => Ok(()),
    }
}

/// One dashboard to import.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Its name in CloudWatch (or the file's name).
    pub name: String,
    /// Where it came from (a file path or `cloudwatch:NAME`), for messages.
    pub origin: String,
    pub body: Value,
}

impl Dashboard {
    /// A dashboard from its body JSON (what GetDashboard returns as `DashboardBody`, or the console's
    /// "View/edit source"); a `{"DashboardName", "DashboardBody"}` envelope (the CLI's
    /// `aws cloudwatch get-dashboard` output) is read too.
    pub fn from_json(name: &str, origin: &str, bytes: &[u8]) -> Result<Dashboard, CwImportError> {
        if bytes.len() as u64 > MAX_BODY_BYTES {
            return Err(CwImportError::TooLarge { what: origin.to_string(), bytes: bytes.len() as u64 });
        }
        let v: Value =
            serde_json::from_slice(bytes).map_err(|e| CwImportError::NotJson { what: origin.to_string(), message: e.to_string() })?;
        let (name, body) = match (v.get("DashboardBody"), v.get("DashboardName").and_then(Value::as_str)) {
            (Some(Value::String(b)), n) => {
                let body = serde_json::from_str(b)
                    .map_err(|e| CwImportError::NotJson { what: format!("{origin} (DashboardBody)"), message: e.to_string() })?;
                (n.unwrap_or(name).to_string(), body)
            }
            _ => (name.to_string(), v),
        };
        if !body.get("widgets").is_some_and(Value::is_array) {
            return Err(CwImportError::NotADashboard { what: origin.to_string() });
        }
        Ok(Dashboard { name: one_line(&name), origin: origin.to_string(), body })
    }

    /// A dashboard body file (its name: the file's name without `.json`).
    pub fn read(path: &Path) -> Result<Dashboard, CwImportError> {
        let what = path.display().to_string();
        let bytes = crate::import::read_file(path, MAX_BODY_BYTES).map_err(|e| match e {
            crate::import::ReadError::Io(message) => CwImportError::Io { path: what.clone(), message },
            crate::import::ReadError::TooLarge(bytes) => CwImportError::TooLarge { what: what.clone(), bytes },
        })?;
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "dashboard".into());
        Dashboard::from_json(&name, &what, &bytes)
    }
}

/// What an alarm says (DescribeAlarms), as the importer needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub name: String,
    pub threshold: Option<f64>,
    /// `GreaterThanThreshold`, `LessThanOrEqualToThreshold`, …
    pub comparison: String,
    /// The alarm's metric, when it watches one metric (not metric math).
    pub metric: Option<crate::config::cloudwatch::CwMetric>,
    /// Seconds per datapoint, evaluation periods and datapoints to alarm.
    pub period: Option<i64>,
    pub evaluation_periods: Option<usize>,
    pub datapoints_to_alarm: Option<usize>,
}

impl Alarm {
    /// Which way is worse for this alarm: it fires above its threshold, or below.
    pub fn worse(&self) -> Option<Worse> {
        let c = self.comparison.as_str();
        if c.starts_with("GreaterThan") {
            Some(Worse::Higher)
        } else if c.starts_with("LessThan") {
            Some(Worse::Lower)
        } else {
            None
        }
    }
}

/// The alarm's name from its ARN (`arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`) or the name itself.
pub fn alarm_name(arn: &str) -> String {
    match arn.split_once(":alarm:") {
        Some((_, name)) => name.to_string(),
        None => arn.to_string(),
    }
}

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    /// Every dashboard's team (else the dashboard's name).
    pub team: Option<String>,
    /// The workspace step in seconds.
    pub step: i64,
    /// The workspace's region (else the one most widgets name).
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Another endpoint (a CloudWatch-compatible server).
    pub endpoint: Option<String>,
    /// Import graphs without lines too.
    pub without_lines: bool,
    /// The workspace's name (else the first dashboard's).
    pub name: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options { team: None, step: 300, region: None, profile: None, endpoint: None, without_lines: false, name: None }
    }
}

/// A metric to write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricOut {
    pub id: String,
    pub name: String,
    pub team: String,
    pub service: String,
    pub worse: Worse,
    pub alarm: Option<f64>,
    pub investigation: Option<f64>,
    /// `alarm_datapoints` from the alarm's "M out of N", when its period is the workspace step.
    #[serde(skip)]
    pub alarm_datapoints: Option<MofN>,
    pub query: CwQuery,
    /// What was inferred rather than read (written as comments).
    pub notes: Vec<String>,
    pub dashboard: String,
    pub widget: String,
    /// The region its widget names, when it names one.
    #[serde(skip)]
    pub region: Option<String>,
}

/// A widget (or one of its metrics) that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub dashboard: String,
    pub widget: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamOut {
    pub name: String,
    pub dashboard: Option<String>,
}

/// What an import makes: the workspace's parts, and what was left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Import {
    pub name: String,
    pub step: i64,
    pub region: Option<String>,
    /// Where the region came from.
    pub region_from: String,
    pub profile: Option<String>,
    pub endpoint: Option<String>,
    pub teams: Vec<TeamOut>,
    /// Services and their teams.
    pub services: Vec<(String, String)>,
    pub metrics: Vec<MetricOut>,
    pub skipped: Vec<Skipped>,
    pub sources: Vec<String>,
}

/// The console address of a dashboard (the team's dashboard link), for AWS's own endpoints.
fn console_url(region: &str, name: &str) -> String {
    let enc: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("https://console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{enc}")
}

/// Import `dashboards` into one workspace, with the `alarms` read for their alarm widgets (by name).
/// Never fails: what cannot be imported is in `skipped`.
pub fn import(dashboards: &[Dashboard], alarms: &HashMap<String, Alarm>, opts: &Options) -> Import {
    let mut out = Import {
        name: opts
            .name
            .as_deref()
            .map(one_line)
            .or_else(|| dashboards.first().map(|d| d.name.clone()))
            .unwrap_or_else(|| "Imported".into()),
        step: opts.step,
        region: None,
        region_from: String::new(),
        profile: opts.profile.clone(),
        endpoint: opts.endpoint.clone(),
        teams: Vec::new(),
        services: Vec::new(),
        metrics: Vec::new(),
        skipped: Vec::new(),
        sources: dashboards.iter().map(|d| d.origin.clone()).collect(),
    };
    for d in dashboards {
        let team = opts.team.as_deref().map(one_line).filter(|t| !t.is_empty()).unwrap_or_else(|| match d.name.as_str() {
            "" => crate::import::UNTITLED.to_string(),
            name => name.to_string(),
        });
        if !out.teams.iter().any(|t| t.name == team) {
            out.teams.push(TeamOut { name: team.clone(), dashboard: None });
        }
        widgets::import_dashboard(d, &team, alarms, opts, &mut out);
    }
    choose_region(&mut out, opts);
    if opts.endpoint.is_none() {
        if let Some(r) = &out.region {
            for t in &mut out.teams {
                if let Some(d) = dashboards.iter().find(|d| opts.team.is_none() && d.name == t.name) {
                    t.dashboard = Some(console_url(r, &d.name));
                }
            }
        }
    }
    let used: std::collections::HashSet<&str> = out.metrics.iter().map(|m| m.service.as_str()).collect();
    out.services.retain(|(s, _)| used.contains(s.as_str()));
    let teams: std::collections::HashSet<&str> = out.services.iter().map(|(_, t)| t.as_str()).collect();
    out.teams.retain(|t| teams.contains(t.name.as_str()));
    out
}

/// One region per workspace: `--region`, else the one most widgets name. Metrics of widgets in another
/// region are left out (said why).
fn choose_region(out: &mut Import, opts: &Options) {
    let chosen = match &opts.region {
        Some(r) => {
            out.region_from = "as given for the import".into();
            r.clone()
        }
        None => {
            // A widget's region that no workspace could name is not a candidate: its metrics are left out.
            let (named, unnamed): (Vec<MetricOut>, Vec<MetricOut>) = std::mem::take(&mut out.metrics)
                .into_iter()
                .partition(|m| m.region.as_deref().is_none_or(crate::config::cloudwatch::valid_name));
            out.metrics = named;
            for m in unnamed {
                let reason =
                    format!("its region \"{}\" is not a region name (like eu-west-1)", one_line(m.region.as_deref().unwrap_or_default()));
                out.skipped.push(Skipped { dashboard: m.dashboard, widget: m.widget, reason });
            }
            let mut count: BTreeMap<&str, usize> = BTreeMap::new();
            for m in &out.metrics {
                if let Some(r) = &m.region {
                    *count.entry(r.as_str()).or_default() += 1;
                }
            }
            let Some(r) = count.iter().max_by_key(|(r, n)| (**n, std::cmp::Reverse(**r))).map(|(r, _)| r.to_string()) else {
                return;
            };
            out.region_from = "the region the widgets name".into();
            r
        }
    };
    let (keep, other): (Vec<MetricOut>, Vec<MetricOut>) =
        std::mem::take(&mut out.metrics).into_iter().partition(|m| m.region.as_deref().is_none_or(|r| r == chosen));
    out.metrics = keep;
    for m in other {
        out.skipped.push(Skipped {
            dashboard: m.dashboard,
            widget: m.widget,
            reason: format!("its region is {}; a workspace pulls from one region ({chosen})", m.region.unwrap_or_default()),
        });
    }
    out.region = Some(chosen);
}
