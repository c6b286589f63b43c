//! Turn a file workspace into a Prometheus one: its series as OpenMetrics text (to backfill a real
//! Prometheus with `promtool tsdb create-blocks-from openmetrics`) and the same workspace with every
//! metric pulled by PromQL. The Prometheus tests and the pull benchmark use it to compare a review pulled
//! from a server with the review read from the files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use flywheel::config::{Metric, Source, Workspace, Worse};
use flywheel::source::{file, SourceError};
use flywheel::time;

/// The metric family every series is written under; the series key is its `series` label.
pub const FAMILY: &str = "flywheel_series";

/// What [`convert`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Converted {
    pub series: usize,
    pub samples: usize,
    pub first: i64,
    pub last: i64,
}

fn label_value(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The PromQL selecting series `key` as written by [`convert`].
pub fn query_for(key: &str) -> String {
    format!("{FAMILY}{{series=\"{}\"}}", label_value(key))
}

/// Write `ws`'s file series to `out/metrics.om` (OpenMetrics) and `out/flywheel.toml` (the workspace
/// pulling them from `url`). Samples on the same timestamp are averaged and sorted, as Prometheus stores
/// one value per series and time; NaN and ±∞ are written as such.
pub fn convert(ws: &Workspace, out: &Path, url: &str) -> Result<Converted, SourceError> {
    std::fs::create_dir_all(out).map_err(|e| SourceError::file(out, format!("cannot create: {e}")))?;
    let mut files: BTreeMap<std::path::PathBuf, file::FileData> = BTreeMap::new();
    let paths: Vec<std::path::PathBuf> = match ws.bare_files.is_empty() {
        false => ws.bare_files.clone(),
        true => ws
            .metrics
            .iter()
            .filter_map(|m| match &m.source {
                Source::File { path, .. } => Some(file::resolve(&ws.root, path)),
                Source::Prometheus { .. } | Source::CloudWatch(_) => None,
            })
            .collect(),
    };
    for p in paths {
        if let std::collections::btree_map::Entry::Vacant(slot) = files.entry(p) {
            let d = file::read_file(slot.key(), &ws.tz)?;
            slot.insert(d);
        }
    }
    let mut text = String::new();
    let _ = writeln!(text, "# TYPE {FAMILY} gauge");
    let mut c = Converted { first: i64::MAX, last: i64::MIN, ..Converted::default() };
    for d in files.values() {
        let mut keys: Vec<&file::SeriesKey> = d.series.keys().collect();
        keys.sort();
        for key in keys {
            let raw = &d.series[key];
            let mut points: BTreeMap<i64, (f64, usize)> = BTreeMap::new();
            for (t, v) in raw.times.iter().zip(&raw.values) {
                let e = points.entry(t.round() as i64).or_insert((0.0, 0));
                e.0 += v;
                e.1 += 1;
            }
            let name = if d.bare { String::new() } else { key.0.clone() };
            let mut labels = format!("series=\"{}\"", label_value(&name));
            if let Some(i) = &key.1 {
                let _ = write!(labels, ",instance=\"{}\"", label_value(i));
            }
            c.series += 1;
            for (t, (sum, n)) in points {
                let v = sum / n as f64;
                let v = if v.is_nan() {
                    "NaN".to_string()
                } else if v.is_infinite() {
                    if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
                } else {
                    format!("{v}")
                };
                let _ = writeln!(text, "{FAMILY}{{{labels}}} {v} {t}");
                c.samples += 1;
                c.first = c.first.min(t);
                c.last = c.last.max(t);
            }
        }
    }
    text.push_str("# EOF\n");
    let om = out.join("metrics.om");
    std::fs::write(&om, text).map_err(|e| SourceError::file(&om, format!("cannot write: {e}")))?;
    let toml = out.join("flywheel.toml");
    // A data file opened on its own has its metrics made up at load: one per series key.
    let metrics: Vec<Metric> = match ws.bare_files.is_empty() {
        false => files
            .iter()
            .flat_map(|(p, d)| d.keys().into_iter().map(move |k| Metric::bare(if k.is_empty() { "series" } else { &k }, p, &k)))
            .collect(),
        true => ws.metrics.clone(),
    };
    std::fs::write(&toml, workspace_toml(ws, &metrics, url)).map_err(|e| SourceError::file(&toml, format!("cannot write: {e}")))?;
    Ok(c)
}

/// `ws` as a `flywheel.toml` whose metrics are pulled from `url`.
fn workspace_toml(ws: &Workspace, metrics: &[Metric], url: &str) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Made by `flywheel-dev openmetrics` from {}", ws.origin.display());
    let _ = writeln!(t, "[workspace]\nname = {}\ntimezone = {}", quoted(&ws.name), quoted(ws.tz.name()));
    let _ = writeln!(t, "week_starts = {}", quoted(&ws.week_starts.to_string().to_ascii_lowercase()));
    let _ = writeln!(t, "step = {}", quoted(&time::format_step(ws.step.unwrap_or(300))));
    let _ = writeln!(t, "history_weeks = {}\nsensitivity = {:?}\n", ws.history_weeks, ws.sensitivity);
    let _ = writeln!(t, "[prometheus]\nurl = {}\n", quoted(url));
    let mut teams: Vec<String> = ws.teams.iter().map(|x| x.name.clone()).collect();
    for m in metrics {
        if !teams.contains(&m.team) {
            teams.push(m.team.clone());
        }
    }
    for team in &teams {
        let _ = writeln!(t, "[[team]]\nname = {}", quoted(team));
        if let Some(d) = ws.team(team).and_then(|x| x.dashboard.as_ref()) {
            let _ = writeln!(t, "dashboard = {}", quoted(d));
        }
        t.push('\n');
    }
    let mut services: Vec<(String, String)> = ws.services.iter().map(|s| (s.name.clone(), s.team.clone())).collect();
    for m in metrics {
        if !services.iter().any(|(n, _)| n == &m.service) {
            services.push((m.service.clone(), m.team.clone()));
        }
    }
    for (name, team) in &services {
        let _ = writeln!(t, "[[service]]\nname = {}\nteam = {}\n", quoted(name), quoted(team));
    }
    for m in metrics {
        let key = match &m.source {
            Source::File { series, .. } => series.clone(),
            Source::Prometheus { .. } | Source::CloudWatch(_) => continue,
        };
        let _ = writeln!(t, "[[metric]]\nid = {}\nservice = {}\nname = {}", quoted(&m.id), quoted(&m.service), quoted(&m.name));
        let _ = writeln!(t, "unit = {}\nstatistic = {}", quoted(&m.unit), quoted(&m.statistic));
        let _ = writeln!(t, "worse = {}", quoted(if m.worse == Worse::Higher { "higher" } else { "lower" }));
        if let Some(a) = m.alarm {
            let _ = writeln!(t, "alarm = {a:?}");
        }
        if let Some(i) = m.investigation {
            let _ = writeln!(t, "investigation = {i:?}");
        }
        let _ = writeln!(t, "alarm_datapoints = {}", quoted(&m.alarm_datapoints.to_string()));
        let _ = writeln!(t, "investigation_datapoints = {}", quoted(&m.investigation_datapoints.to_string()));
        let _ = writeln!(t, "source = {{ promql = {}, instance = \"instance\" }}\n", quoted(&query_for(&key)));
    }
    t
}
