//! An import written as a readable `flywheel.toml`: a comment on each metric saying the dashboard and
//! panel it came from and what was inferred, the not-imported list at the end, and nothing that changes
//! between two imports of the same dashboards (no dates), so a re-import writes the same file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{one_line, Import, ImportError};
use crate::config::{Workspace, Worse, WORKSPACE_FILE};

/// The first line of every imported workspace (an import replaces only a file that starts with it).
pub const HEADER: &str = "# Imported from Grafana by `flywheel import grafana`.";

/// A TOML basic string: quotes, backslashes and control characters escaped.
pub(crate) fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// PromQL on one line: runs of whitespace outside quoted strings become one space (PromQL does not care;
/// a string's own spaces are kept).
pub(super) fn one_line_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for l in super::promql::lex(s.trim()) {
        if !l.quoted && l.c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(l.c);
    }
    out
}

/// A query as a TOML literal string ('…', PromQL's quotes left as they are) when it can be one.
fn query(s: &str) -> String {
    let s = &one_line_query(s);
    if s.contains('\'') || s.chars().any(char::is_control) {
        q(s)
    } else {
        format!("'{s}'")
    }
}

/// A step as people write it: `5m`, `1h`, `30s`.
pub(crate) fn step(secs: i64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// A number as TOML reads it back exactly (`80`, `0.95`, `1e-7`).
pub(crate) fn num(v: f64) -> String {
    let s = format!("{v}");
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

/// A comment line (user text made one line).
pub(crate) fn comment(out: &mut String, text: &str) {
    let _ = writeln!(out, "# {}", one_line(text));
}

/// The workspace file of an import.
pub fn toml(i: &Import) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{HEADER}");
    out.push_str("# Importing the same dashboards again writes this same file (and replaces edits made to it).\n");
    for s in &i.sources {
        comment(&mut out, &format!("Source: {s}"));
    }
    let _ = writeln!(out, "\n[workspace]\nname = {}\ntimezone = {}", q(&i.name), q(&i.timezone));
    if i.timezone == "UTC" {
        out.push_str("# (the dashboards name no time zone: UTC; set yours, weeks start at its midnight)\n");
    }
    let _ = writeln!(out, "week_starts = \"monday\"\nstep = \"{}\"\nhistory_weeks = 5", step(i.step));
    if let Some(url) = &i.prometheus {
        let _ = writeln!(out, "\n[prometheus]\nurl = {}", q(url));
        comment(&mut out, &format!("({})", i.prometheus_from));
    }
    for t in &i.teams {
        let _ = writeln!(out, "\n[[team]]\nname = {}", q(&t.name));
        if let Some(d) = &t.dashboard {
            let _ = writeln!(out, "dashboard = {}", q(d));
        }
    }
    for s in &i.services {
        let _ = writeln!(out, "\n[[service]]\nname = {}\nteam = {}", q(&s.name), q(&s.team));
    }
    for m in &i.metrics {
        out.push('\n');
        comment(&mut out, &format!("{} · {}", m.dashboard, m.panel));
        for n in &m.notes {
            comment(&mut out, &format!("inferred: {n}"));
        }
        let _ = writeln!(out, "[[metric]]\nid = {}\nservice = {}\nname = {}", q(&m.id), q(&m.service), q(&m.name));
        if !m.unit.is_empty() {
            let _ = writeln!(out, "unit = {}", q(&m.unit));
        }
        let _ = writeln!(out, "worse = \"{}\"", if m.worse == Worse::Lower { "lower" } else { "higher" });
        if let Some(a) = m.alarm {
            let _ = writeln!(out, "alarm = {}", num(a));
        }
        if let Some(v) = m.investigation {
            let _ = writeln!(out, "investigation = {}", num(v));
        }
        let instance = m.instance.as_ref().map(|l| format!(", instance = {}", q(l))).unwrap_or_default();
        let _ = writeln!(out, "source = {{ promql = {}{instance} }}", query(&m.promql));
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
    crate::import::not_imported(i.skipped.iter().map(|s| (s.dashboard.as_str(), s.panel.as_str(), s.reason.as_str())))
}

/// Write an import as `DIR/flywheel.toml` (atomically), after checking it reads back as a valid
/// workspace. An existing file is replaced only when an import wrote it, or with `force`.
pub fn write(i: &Import, dir: &Path, force: bool) -> Result<PathBuf, ImportError> {
    if i.metrics.is_empty() {
        let why = skipped(i);
        return Err(ImportError::Nothing(if why.is_empty() { "- the dashboards have no panels".into() } else { why.join("\n") }));
    }
    if i.prometheus.is_none() {
        return Err(ImportError::NoPrometheus);
    }
    let path = dir.join(WORKSPACE_FILE);
    let text = toml(i);
    Workspace::from_toml(&text, &path, dir).map_err(|e| ImportError::Invalid(e.to_string()))?;
    crate::import::save(dir, &text, force).map_err(|e| match e {
        crate::import::SaveError::WouldOverwrite(path) => ImportError::WouldOverwrite { path },
        crate::import::SaveError::Io(path, message) => ImportError::Io { path, message },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_written_on_one_line_as_literal_strings_when_they_can_be() {
        for (promql, want) in [
            ("rate(x{a=\"b\"}[5m])", "'rate(x{a=\"b\"}[5m])'"),
            ("sum by (x) (\n  rate(y[5m])\n)", "'sum by (x) ( rate(y[5m]) )'"),
            ("x{a=\"two  spaces\n\"}", "\"x{a=\\\"two  spaces\\n\\\"}\""),
            ("x{m='idle'}", "\"x{m='idle'}\""),
            ("label_replace(x, \"h\", \"$1\", \"d\", \"rgw.(.*)\")", "'label_replace(x, \"h\", \"$1\", \"d\", \"rgw.(.*)\")'"),
        ] {
            assert_eq!(query(promql), want, "{promql}");
            let back: toml::Value = toml::from_str(&format!("q = {}", query(promql))).expect("valid TOML");
            assert_eq!(back["q"].as_str().map(|q| q.contains('\n')), Some(promql.contains("\n\"")), "{promql}");
        }
    }
}
