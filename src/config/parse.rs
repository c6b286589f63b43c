//! Reading `flywheel.toml`: serde reads a *raw* form that keeps the byte spans of the fields we check, then
//! one stage per table ([workspace], [prometheus], [cloudwatch], [journal], [[tickets]], [[team]], [[service]], [[metric]]) turns it into the
//! typed [`Workspace`], collecting every problem with its line instead of stopping at the first.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::Weekday;
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use super::{check_url, fmt_num, ConfigError, ConfigIssue, Metric, MofN, Prometheus, Service, Source, Team, Workspace, Worse};
use crate::time;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    workspace: Option<Spanned<RawWorkspace>>,
    #[serde(default)]
    team: Vec<Spanned<RawTeam>>,
    #[serde(default)]
    service: Vec<Spanned<RawService>>,
    #[serde(default)]
    metric: Vec<Spanned<RawMetric>>,
    prometheus: Option<Spanned<RawPrometheus>>,
    cloudwatch: Option<Spanned<super::cloudwatch::RawCloudWatch>>,
    meeting: Option<Spanned<super::agenda::RawMeeting>>,
    journal: Option<Spanned<super::journal::RawJournal>>,
    #[serde(default)]
    tickets: Vec<Spanned<super::tickets::RawTickets>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrometheus {
    url: Spanned<String>,
    token_env: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    concurrency: Option<Spanned<i64>>,
    retries: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkspace {
    name: Option<String>,
    timezone: Option<Spanned<String>>,
    week_starts: Option<Spanned<String>>,
    step: Option<Spanned<String>>,
    history_weeks: Option<Spanned<i64>>,
    sensitivity: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    name: Spanned<String>,
    #[serde(default)]
    members: Vec<String>,
    dashboard: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    name: Spanned<String>,
    team: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    id: Spanned<String>,
    service: Spanned<String>,
    name: Option<String>,
    #[serde(default)]
    unit: String,
    #[serde(default = "default_statistic")]
    statistic: String,
    worse: Spanned<String>,
    alarm: Option<Spanned<f64>>,
    investigation: Option<Spanned<f64>>,
    datapoints: Option<Spanned<String>>,
    alarm_datapoints: Option<Spanned<String>>,
    investigation_datapoints: Option<Spanned<String>>,
    sensitivity: Option<Spanned<f64>>,
    source: Spanned<RawSource>,
}

fn default_statistic() -> String {
    "avg".to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    file: Option<String>,
    series: Option<String>,
    promql: Option<String>,
    instance: Option<String>,
    cloudwatch: Option<super::cloudwatch::RawCwSource>,
}

/// Maps byte offsets to 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(text.match_indices('\n').map(|(i, _)| i).collect())
    }
    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// Every problem found so far, each at its line.
struct Issues<'a> {
    lines: &'a Lines,
    list: Vec<ConfigIssue>,
}

impl Issues<'_> {
    fn add(&mut self, offset: usize, field: &str, message: String) {
        self.list.push(ConfigIssue { line: self.lines.of(offset), field: field.to_string(), message });
    }
}

impl Workspace {
    /// Parse and validate the text of a `flywheel.toml` (`file` is used in messages, `root` for paths).
    pub fn from_toml(text: &str, file: &Path, root: &Path) -> Result<Workspace, ConfigError> {
        let path = file.display().to_string();
        let lines = Lines::new(text);
        let raw: RawFile = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.clone(),
            line: e.span().map(|s| lines.of(s.start)).unwrap_or(1),
            message: e.message().trim().to_string(),
        })?;
        let mut issues = Issues { lines: &lines, list: Vec::new() };
        let mut ws = workspace_table(raw.workspace.as_ref().map(Spanned::get_ref), file, root, &mut issues);
        ws.prometheus = raw.prometheus.as_ref().and_then(|p| prometheus_table(p.get_ref(), &mut issues));
        if let Some(m) = &raw.meeting {
            let (agenda, problems) = super::agenda::agenda(m.get_ref());
            ws.agenda = agenda;
            for (at, field, message) in problems {
                issues.add(at, field, message);
            }
        }
        if let Some(c) = &raw.cloudwatch {
            let mut problems = Vec::new();
            ws.cloudwatch = Some(super::cloudwatch::table(c.get_ref(), &mut problems));
            for (at, field, message) in problems {
                issues.add(at.unwrap_or(c.span().start), field, message);
            }
        }
        if let Some(j) = &raw.journal {
            let (settings, problems) = super::journal::journal_table(j.get_ref());
            ws.journal = settings;
            for (at, field, message) in problems {
                issues.add(at, field, message);
            }
        }
        let mut names = Vec::new();
        for t in &raw.tickets {
            let (source, problems) = super::tickets::table(t, lines.of(t.span().start), &mut names);
            ws.tickets.extend(source);
            for (at, field, message) in problems {
                issues.add(at, field, message);
            }
        }
        let team_names = teams(&raw.team, &mut ws, &mut issues);
        let service_team = services(&raw.service, &team_names, &mut ws, &mut issues);
        let mut ids = HashSet::new();
        for m in &raw.metric {
            let servers = Servers { prometheus: raw.prometheus.is_some(), cloudwatch: raw.cloudwatch.is_some() };
            if let Some(metric) = metric(m, &service_team, servers, &mut ids, &mut issues) {
                ws.metrics.push(metric);
            }
        }
        let mut issues = issues.list;
        if ws.metrics.is_empty() && issues.is_empty() {
            issues.push(ConfigIssue { line: 1, field: "metric".into(), message: "the workspace defines no [[metric]]".into() });
        }
        if issues.is_empty() {
            Ok(ws)
        } else {
            issues.sort_by_key(|i| i.line);
            Err(ConfigError::Invalid { path, issues })
        }
    }
}

/// `[workspace]`: name, zone, first weekday, step, history and sensitivity (defaults where absent).
fn workspace_table(w: Option<&RawWorkspace>, file: &Path, root: &Path, issues: &mut Issues) -> Workspace {
    let mut ws = Workspace {
        root: root.to_path_buf(),
        origin: file.to_path_buf(),
        name: root.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "workspace".into()),
        tz: Tz::UTC,
        week_starts: Weekday::Mon,
        step: Some(300),
        history_weeks: 5,
        sensitivity: 1.0,
        teams: vec![],
        services: vec![],
        metrics: vec![],
        prometheus: None,
        cloudwatch: None,
        bare_files: Vec::new(),
        agenda: super::agenda::default_agenda(),
        journal: Default::default(),
        tickets: vec![],
    };
    let Some(w) = w else { return ws };
    if let Some(n) = &w.name {
        ws.name = n.clone();
    }
    if let Some(tz) = &w.timezone {
        match time::parse_zone(tz.get_ref()) {
            Ok(z) => ws.tz = z,
            Err(e) => issues.add(tz.span().start, "timezone", format!("workspace: {e}")),
        }
    }
    if let Some(d) = &w.week_starts {
        match time::parse_weekday(d.get_ref()) {
            Ok(d) => ws.week_starts = d,
            Err(e) => issues.add(d.span().start, "week_starts", format!("workspace: {e}")),
        }
    }
    if let Some(s) = &w.step {
        match time::parse_step(s.get_ref()) {
            Ok(v) if time::DAY % v == 0 => ws.step = Some(v),
            Ok(_) => issues.add(s.span().start, "step", format!("workspace: step `{}` does not divide a day evenly", s.get_ref())),
            Err(e) => issues.add(s.span().start, "step", format!("workspace: {e}")),
        }
    }
    if let Some(h) = &w.history_weeks {
        match u32::try_from(*h.get_ref()) {
            Ok(v) if v <= 52 => ws.history_weeks = v,
            _ => issues.add(h.span().start, "history_weeks", format!("workspace: history_weeks must be 0 to 52, not {}", h.get_ref())),
        }
    }
    if let Some(s) = &w.sensitivity {
        let v = *s.get_ref();
        match crate::analysis::Params::new(v) {
            Ok(_) => ws.sensitivity = v,
            Err(e) => issues.add(s.span().start, "sensitivity", format!("workspace: {e}")),
        }
    }
    ws
}

/// `[prometheus]`: the server (its URL must carry no credentials) and how to talk to it.
fn prometheus_table(p: &RawPrometheus, issues: &mut Issues) -> Option<Prometheus> {
    let url = match check_url(p.url.get_ref()) {
        Ok(url) => url,
        Err(msg) => {
            issues.add(p.url.span().start, "url", format!("prometheus: {msg}"));
            return None;
        }
    };
    let mut server = Prometheus::new(&url);
    if let Some(t) = &p.token_env {
        let name = t.get_ref().trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            issues.add(
                t.span().start,
                "token_env",
                format!("prometheus: token_env must name an environment variable (letters, digits, _), not \"{name}\""),
            );
        } else {
            server.token_env = Some(name.to_string());
        }
    }
    if let Some(t) = &p.timeout {
        match time::parse_step(t.get_ref()) {
            Ok(v) if v <= 600 => server.timeout = v as u64,
            _ => issues.add(
                t.span().start,
                "timeout",
                format!("prometheus: timeout must be like \"30s\" (at most 10 minutes), not \"{}\"", t.get_ref()),
            ),
        }
    }
    if let Some(c) = &p.concurrency {
        match usize::try_from(*c.get_ref()) {
            Ok(v) if (1..=64).contains(&v) => server.concurrency = v,
            _ => issues.add(c.span().start, "concurrency", format!("prometheus: concurrency must be 1 to 64, not {}", c.get_ref())),
        }
    }
    if let Some(r) = &p.retries {
        match u32::try_from(*r.get_ref()) {
            Ok(v) if v <= 10 => server.retries = v,
            _ => issues.add(r.span().start, "retries", format!("prometheus: retries must be 0 to 10, not {}", r.get_ref())),
        }
    }
    Some(server)
}

/// `[[team]]`: unique names, dashboards that are http(s) links. Returns the names.
fn teams(raw: &[Spanned<RawTeam>], ws: &mut Workspace, issues: &mut Issues) -> HashSet<String> {
    let mut names = HashSet::new();
    for t in raw {
        let t = t.get_ref();
        let name = t.name.get_ref().trim().to_string();
        if name.is_empty() {
            issues.add(t.name.span().start, "name", "team: the name is empty".into());
            continue;
        }
        if !names.insert(name.clone()) {
            issues.add(t.name.span().start, "name", format!("team `{name}` is defined twice"));
        }
        let dashboard = t.dashboard.as_ref().and_then(|u| match check_url(u.get_ref()) {
            Ok(u) => Some(u),
            Err(msg) => {
                issues.add(u.span().start, "dashboard", format!("team `{name}`: dashboard {msg}"));
                None
            }
        });
        ws.teams.push(Team { name, members: t.members.clone(), dashboard });
    }
    names
}

/// `[[service]]`: unique names, each owned by a defined team. Returns service → team.
fn services(raw: &[Spanned<RawService>], teams: &HashSet<String>, ws: &mut Workspace, issues: &mut Issues) -> HashMap<String, String> {
    let mut service_team = HashMap::new();
    for s in raw {
        let s = s.get_ref();
        let name = s.name.get_ref().trim().to_string();
        let team = s.team.get_ref().trim().to_string();
        if !teams.contains(&team) {
            issues.add(s.team.span().start, "team", format!("service `{name}`: team `{team}` is not defined by a [[team]]"));
        }
        if service_team.insert(name.clone(), team.clone()).is_some() {
            issues.add(s.name.span().start, "name", format!("service `{name}` is defined twice"));
        }
        ws.services.push(Service { name, team });
    }
    service_team
}

/// One `[[metric]]`: a unique id, a defined service, a direction, consistent lines, M-of-N rules and one
/// source. None when it cannot be used at all (the problems are in `issues`).
fn metric(
    m: &Spanned<RawMetric>,
    service_team: &HashMap<String, String>,
    servers: Servers,
    ids: &mut HashSet<String>,
    issues: &mut Issues,
) -> Option<Metric> {
    let at = m.span().start;
    let m = m.get_ref();
    let id = m.id.get_ref().trim().to_string();
    if id.is_empty() {
        issues.add(m.id.span().start, "id", "metric: the id is empty".into());
        return None;
    }
    if !ids.insert(id.clone()) {
        issues.add(m.id.span().start, "id", format!("metric `{id}` is defined twice"));
    }
    let service = m.service.get_ref().trim().to_string();
    let team = service_team.get(&service).cloned().unwrap_or_else(|| {
        issues.add(m.service.span().start, "service", format!("metric `{id}`: service `{service}` is not defined by a [[service]]"));
        String::new()
    });
    let worse = match m.worse.get_ref().trim() {
        "higher" => Worse::Higher,
        "lower" => Worse::Lower,
        other => {
            issues.add(m.worse.span().start, "worse", format!("metric `{id}`: worse must be \"higher\" or \"lower\", not \"{other}\""));
            Worse::Higher
        }
    };
    let (alarm, investigation) = lines(m, &id, worse, at, issues);
    let mut rule = |field: &str, v: &Option<Spanned<String>>, fallback: MofN| -> MofN {
        match v {
            None => fallback,
            Some(s) => MofN::parse(s.get_ref()).unwrap_or_else(|| {
                issues.add(
                    s.span().start,
                    field,
                    format!("metric `{id}`: {field} must look like \"3 of 5\" (M ≤ N), not \"{}\"", s.get_ref()),
                );
                fallback
            }),
        }
    };
    let both = rule("datapoints", &m.datapoints, MofN::default());
    let alarm_datapoints = rule("alarm_datapoints", &m.alarm_datapoints, both);
    let investigation_datapoints = rule("investigation_datapoints", &m.investigation_datapoints, both);
    let sensitivity = match &m.sensitivity {
        None => 1.0,
        Some(s) => match crate::analysis::Params::new(*s.get_ref()) {
            Ok(_) => *s.get_ref(),
            Err(e) => {
                issues.add(s.span().start, "sensitivity", format!("metric `{id}`: {e}"));
                1.0
            }
        },
    };
    let source = source(m, &id, servers, issues)?;
    Some(Metric {
        name: m.name.clone().unwrap_or_else(|| id.clone()),
        id,
        team,
        service,
        unit: m.unit.clone(),
        statistic: m.statistic.clone(),
        worse,
        worse_known: true,
        alarm,
        investigation,
        alarm_datapoints,
        investigation_datapoints,
        source,
        line: issues.lines.of(at),
        sensitivity,
    })
}

/// A metric's alarm and investigation lines: finite numbers, the investigation line on the safe side of
/// the alarm line.
fn lines(m: &RawMetric, id: &str, worse: Worse, at: usize, issues: &mut Issues) -> (Option<f64>, Option<f64>) {
    let mut value = |v: &Option<Spanned<f64>>, field: &str| -> Option<f64> {
        let v = v.as_ref()?;
        let x = *v.get_ref();
        if x.is_finite() {
            Some(x)
        } else {
            issues.add(v.span().start, field, format!("metric `{id}`: the {field} line must be a finite number, not {x}"));
            None
        }
    };
    let alarm = value(&m.alarm, "alarm");
    let investigation = value(&m.investigation, "investigation");
    if let Some((a, i)) = alarm.zip(investigation) {
        if let Some((rel, dir)) = worse.misordered(i, a) {
            let span = m.investigation.as_ref().map(|s| s.span().start).unwrap_or(at);
            issues.add(
                span,
                "investigation",
                format!(
                    "metric `{id}`: investigation line {} is {rel} the alarm line {} for a {dir}-is-worse metric",
                    fmt_num(i),
                    fmt_num(a)
                ),
            );
        }
    }
    (alarm, investigation)
}

/// Which server tables the workspace has (a server source needs its table).
#[derive(Clone, Copy)]
struct Servers {
    prometheus: bool,
    cloudwatch: bool,
}

/// A metric's source: a data file inside the workspace folder, a PromQL query or a CloudWatch query (each
/// needs its server's table).
fn source(m: &RawMetric, id: &str, servers: Servers, issues: &mut Issues) -> Option<Source> {
    let src = m.source.get_ref();
    let at = m.source.span().start;
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let file = nonempty(&src.file);
    let promql = nonempty(&src.promql);
    let given = [file.is_some(), promql.is_some(), src.cloudwatch.is_some()].iter().filter(|x| **x).count();
    if given > 1 {
        issues.add(at, "source", format!("metric `{id}`: source has more than one of `file`, `promql` and `cloudwatch`; pick one"));
        return None;
    }
    if let Some(cw) = &src.cloudwatch {
        if !servers.cloudwatch {
            issues.add(at, "source", format!("metric `{id}`: a `cloudwatch` source needs a [cloudwatch] table (region, profile)"));
        }
        let mut problems = Vec::new();
        let q = super::cloudwatch::source(cw, id, &mut problems);
        for p in problems {
            issues.add(at, "source", p);
        }
        return q.map(Source::CloudWatch);
    }
    match (file, promql) {
        (Some(f), None) => {
            // Data files live in the workspace folder: an absolute path or `..` could make a shared
            // workspace read any file of whoever opens it.
            let p = PathBuf::from(&f);
            if p.is_absolute() || p.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                issues.add(
                    at,
                    "source",
                    format!("metric `{id}`: file `{f}` must be inside the workspace folder (a relative path without `..`)"),
                );
            }
            Some(Source::File { path: p, series: src.series.clone().unwrap_or_else(|| id.to_string()) })
        }
        (None, Some(q)) => {
            if !servers.prometheus {
                issues.add(at, "source", format!("metric `{id}`: a `promql` source needs a [prometheus] table with the server's url"));
            }
            Some(Source::Prometheus { query: q, instance: nonempty(&src.instance) })
        }
        _ => {
            issues.add(
                at,
                "source",
                format!(
                    "metric `{id}`: source needs a `file` (CSV or Parquet, relative to the workspace), a `promql` query or a `cloudwatch` metric"
                ),
            );
            None
        }
    }
}
