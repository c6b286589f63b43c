//! A CloudWatch import written as a readable `flywheel.toml`: a comment on each metric saying the
//! dashboard and widget it came from and what was inferred, the not-imported list at the end, and nothing
//! that changes between two imports of the same dashboards, so a re-import writes the same file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{CwImportError, Import};
use crate::config::cloudwatch::{CwMetric, CwQuery};
use crate::config::{Workspace, Worse, WORKSPACE_FILE};
use crate::import::grafana::write::{comment, num, q, step};

/// The first line of every workspace this importer writes.
pub const HEADER: &str = "# Imported from CloudWatch by `flywheel import cloudwatch`.";

/// `{ "Name" = "value", … }`
fn dimensions(m: &CwMetric) -> String {
    let d: Vec<String> = m.dimensions.iter().map(|(k, v)| format!("{} = {}", q(k), q(v))).collect();
    format!("{{ {} }}", d.join(", "))
}

fn metric_fields(m: &CwMetric) -> String {
    let mut s = format!("namespace = {}, metric = {}", q(&m.namespace), q(&m.metric));
    if !m.dimensions.is_empty() {
        s += &format!(", dimensions = {}", dimensions(m));
    }
    s + &format!(", stat = {}", q(&m.stat))
}

/// The metric's `source = { cloudwatch = { … } }` on one line.
pub fn source(query: &CwQuery) -> String {
    match query {
        CwQuery::Metric(m) => format!("{{ cloudwatch = {{ {} }} }}", metric_fields(m)),
        CwQuery::Expression { expression, metrics } => {
            let used: Vec<String> = metrics.iter().map(|m| format!("{{ id = {}, {} }}", q(&m.id), metric_fields(m))).collect();
            let list = if used.is_empty() { String::new() } else { format!(", metrics = [{}]", used.join(", ")) };
            format!("{{ cloudwatch = {{ expression = {}{list} }} }}", q(&crate::text::one_line(expression)))
        }
    }
}

/// The workspace file of an import.
pub fn toml(i: &Import) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{HEADER}");
    out.push_str("# Importing the same dashboards again writes this same file (and replaces edits made to it).\n");
    for s in &i.sources {
        comment(&mut out, &format!("Source: {s}"));
    }
    let _ = writeln!(out, "\n[workspace]\nname = {}\ntimezone = \"UTC\"", q(&i.name));
    out.push_str("# (CloudWatch dashboards name no time zone: UTC; set yours, weeks start at its midnight)\n");
    let _ = writeln!(out, "week_starts = \"monday\"\nstep = \"{}\"\nhistory_weeks = 5", step(i.step));
    out.push_str("\n[cloudwatch]\n");
    if let Some(r) = &i.region {
        let _ = writeln!(out, "region = {}", q(r));
        comment(&mut out, &format!("({})", i.region_from));
    }
    if let Some(p) = &i.profile {
        let _ = writeln!(out, "profile = {}", q(p));
    }
    if let Some(e) = &i.endpoint {
        let _ = writeln!(out, "endpoint = {}", q(e));
    }
    out.push_str("# Credentials come from the standard AWS chain (environment, ~/.aws, SSO, instance roles): never from here.\n");
    for t in &i.teams {
        let _ = writeln!(out, "\n[[team]]\nname = {}", q(&t.name));
        if let Some(d) = &t.dashboard {
            let _ = writeln!(out, "dashboard = {}", q(d));
        }
    }
    for (s, t) in &i.services {
        let _ = writeln!(out, "\n[[service]]\nname = {}\nteam = {}", q(s), q(t));
    }
    for m in &i.metrics {
        out.push('\n');
        comment(&mut out, &format!("{} · {}", m.dashboard, m.widget));
        for n in &m.notes {
            comment(&mut out, &format!("inferred: {n}"));
        }
        let _ = writeln!(out, "[[metric]]\nid = {}\nservice = {}\nname = {}", q(&m.id), q(&m.service), q(&m.name));
        let _ = writeln!(out, "worse = \"{}\"", if m.worse == Worse::Lower { "lower" } else { "higher" });
        if let Some(a) = m.alarm {
            let _ = writeln!(out, "alarm = {}", num(a));
        }
        if let Some(v) = m.investigation {
            let _ = writeln!(out, "investigation = {}", num(v));
        }
        if let Some(r) = m.alarm_datapoints {
            let _ = writeln!(out, "alarm_datapoints = \"{} of {}\"", r.m, r.n);
        }
        let _ = writeln!(out, "source = {}", source(&m.query));
    }
    if !i.skipped.is_empty() {
        let _ = writeln!(out, "\n# Not imported ({}):", i.skipped.len());
        for line in skipped(i) {
            comment(&mut out, &line);
        }
    }
    out
}

fn skipped(i: &Import) -> Vec<String> {
    crate::import::not_imported(i.skipped.iter().map(|s| (s.dashboard.as_str(), s.widget.as_str(), s.reason.as_str())))
}

/// Write an import as `DIR/flywheel.toml` (atomically), after checking it reads back as a valid
/// workspace. An existing file is replaced only when an import wrote it, or with `force`.
pub fn write(i: &Import, dir: &Path, force: bool) -> Result<PathBuf, CwImportError> {
    // (Before anything else: a region given for the import that is not one also leaves every widget out.)
    super::check_settings(i.region.as_deref(), i.profile.as_deref(), i.endpoint.as_deref())?;
    if i.metrics.is_empty() {
        let why = skipped(i);
        return Err(CwImportError::Nothing(if why.is_empty() { "- the dashboards have no widgets".into() } else { why.join("\n") }));
    }
    if i.region.is_none() {
        return Err(CwImportError::NoRegion);
    }
    let text = toml(i);
    Workspace::from_toml(&text, &dir.join(WORKSPACE_FILE), dir).map_err(|e| CwImportError::Invalid(e.to_string()))?;
    crate::import::save(dir, &text, force).map_err(|e| match e {
        crate::import::SaveError::WouldOverwrite(path) => CwImportError::WouldOverwrite { path },
        crate::import::SaveError::Io(path, message) => CwImportError::Io { path, message },
    })
}
