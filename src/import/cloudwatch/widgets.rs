//! One CloudWatch dashboard widget read as metrics: its `metrics` rows (with the `"."` shorthand for "as
//! the row above", per-row options, metric-math expressions and the metrics they use), its horizontal
//! annotations and alarms as lines, and sections from text widgets' headings.

use std::collections::HashMap;

use serde_json::Value;

use super::{Alarm, Dashboard, Import, MetricOut, Options, Skipped};
use crate::config::cloudwatch::{valid_id, valid_stat, CwMetric, CwQuery};
use crate::config::{MofN, Worse};
use crate::import::grafana::slug;
use crate::text::one_line;

/// One row of a widget's `metrics`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Query {
    Stat(CwMetric),
    Expr(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub query: Query,
    pub id: Option<String>,
    pub label: Option<String>,
    pub visible: bool,
    pub region: Option<String>,
    pub period: Option<i64>,
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn num_of(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(|x| x.as_f64().or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))).filter(|x| x.is_finite())
}

/// The rows of `metrics`, each with the widget's stat, period and region where it gives none. A row that
/// cannot be read is a problem (its position and why).
pub(super) fn rows(props: &Value) -> (Vec<Row>, Vec<String>) {
    let stat = str_of(props, "stat").unwrap_or("Average");
    let period = num_of(props, "period").map(|p| p as i64);
    let region = str_of(props, "region").map(str::to_string);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut prev: Vec<String> = Vec::new();
    let Some(list) = props.get("metrics").and_then(Value::as_array) else { return (out, problems) };
    for (n, row) in list.iter().enumerate() {
        let Some(items) = row.as_array() else {
            problems.push(format!("metric row {} is not a list", n + 1));
            continue;
        };
        let opts = items.last().filter(|v| v.is_object()).cloned().unwrap_or(Value::Null);
        let strings: Vec<&Value> = items.iter().filter(|v| !v.is_object()).collect();
        let common = |query: Query| Row {
            query,
            id: str_of(&opts, "id").map(str::to_string),
            label: str_of(&opts, "label").map(one_line),
            visible: opts.get("visible").and_then(Value::as_bool).unwrap_or(true),
            region: str_of(&opts, "region").map(str::to_string).or_else(|| region.clone()),
            period: num_of(&opts, "period").map(|p| p as i64).or(period),
        };
        if strings.is_empty() {
            match str_of(&opts, "expression").filter(|e| !e.trim().is_empty()) {
                Some(e) => out.push(common(Query::Expr(e.to_string()))),
                None => problems.push(format!("metric row {} has neither a metric nor an expression", n + 1)),
            }
            continue;
        }
        let mut parts: Vec<String> = Vec::new();
        let mut bad = None;
        // `["...", "i-2"]`: the row above with its last items replaced by these.
        let mut strings = strings;
        if strings.first().and_then(|v| v.as_str()) == Some("...") {
            let rest = strings.len() - 1;
            if prev.len() < rest {
                problems.push(format!("metric row {}: \"...\" repeats the row above, which is shorter", n + 1));
                continue;
            }
            parts.extend(prev[..prev.len() - rest].iter().cloned());
            strings.remove(0);
        }
        let offset = parts.len();
        for (i, v) in strings.iter().enumerate() {
            let i = i + offset;
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(x) => x.to_string(),
                _ => {
                    bad = Some(format!("metric row {}: item {} is not text", n + 1, i + 1));
                    break;
                }
            };
            if s == "." {
                match prev.get(i) {
                    Some(p) => parts.push(p.clone()),
                    None => {
                        bad = Some(format!("metric row {}: \"{s}\" repeats item {} of the row above, which has none", n + 1, i + 1));
                        break;
                    }
                }
            } else {
                parts.push(s);
            }
        }
        if let Some(b) = bad {
            problems.push(b);
            continue;
        }
        if parts.len() < 2 || parts.len() % 2 != 0 {
            problems.push(format!("metric row {}: expected namespace, metric name and dimension name/value pairs", n + 1));
            continue;
        }
        if parts[0].trim().is_empty() || parts[1].trim().is_empty() {
            problems.push(format!("metric row {}: the namespace or the metric name is empty", n + 1));
            continue;
        }
        if parts.len() > 2 + 2 * 30 {
            problems.push(format!("metric row {}: {} dimensions, and CloudWatch allows at most 30", n + 1, (parts.len() - 2) / 2));
            continue;
        }
        let dimensions = parts[2..].chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
        let m = CwMetric {
            id: String::new(),
            namespace: parts[0].clone(),
            metric: parts[1].clone(),
            dimensions,
            stat: str_of(&opts, "stat").unwrap_or(stat).to_string(),
        };
        prev = parts;
        out.push(common(Query::Stat(m)));
    }
    (out, problems)
}

/// A horizontal annotation: a line (a band is not one).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Ann {
    pub label: String,
    pub value: f64,
    /// `above` or `below`: the side the console shades, the bad one.
    pub fill: Option<String>,
}

pub(super) fn annotations(props: &Value) -> (Vec<Ann>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let Some(list) = props.get("annotations").and_then(|a| a.get("horizontal")).and_then(Value::as_array) else { return (out, notes) };
    for a in list {
        if a.is_array() {
            notes.push("a band annotation is not a line: left out".into());
            continue;
        }
        if a.get("visible").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let Some(value) = num_of(a, "value") else { continue };
        out.push(Ann {
            label: str_of(a, "label").map(one_line).unwrap_or_default(),
            value,
            fill: str_of(a, "fill").map(str::to_ascii_lowercase),
        });
    }
    (out, notes)
}

/// What a label says a line is.
fn role(label: &str) -> Option<bool> {
    let l = label.to_ascii_lowercase();
    if ["alarm", "crit", "page", "paging", "sev1", "sev-1", "breach"].iter().any(|w| l.contains(w)) {
        Some(true)
    } else if ["invest", "warn", "watch", "look"].iter().any(|w| l.contains(w)) {
        Some(false)
    } else {
        None
    }
}

/// A metric's lines from the widget's annotations and its alarm.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Lines {
    pub worse: Worse,
    pub alarm: Option<f64>,
    pub investigation: Option<f64>,
    pub notes: Vec<String>,
}

/// The alarm line: the alarm's threshold, else the annotation labelled alarm (critical, page…), else of
/// two unlabelled lines the one further on the bad side; the investigation line: the one labelled so
/// (warning…), else the other. Which way is worse: the alarm's comparison, else the annotations' shading,
/// else the labels' order; said when inferred.
pub(super) fn lines(anns: &[Ann], alarm: Option<&Alarm>) -> Lines {
    let mut notes = Vec::new();
    let fill = anns.iter().find_map(|a| match a.fill.as_deref() {
        Some("above") => Some(Worse::Higher),
        Some("below") => Some(Worse::Lower),
        _ => None,
    });
    let labelled_alarm = anns.iter().find(|a| role(&a.label) == Some(true)).map(|a| a.value);
    let labelled_inv = anns.iter().find(|a| role(&a.label) == Some(false)).map(|a| a.value);
    let threshold = alarm.and_then(|a| a.threshold);
    let mut worse = alarm.and_then(Alarm::worse).or(fill).or(match (labelled_alarm.or(threshold), labelled_inv) {
        (Some(a), Some(i)) if a != i => Some(if a > i { Worse::Higher } else { Worse::Lower }),
        _ => None,
    });
    let a_line = threshold.or(labelled_alarm);
    let unlabelled: Vec<f64> = anns.iter().filter(|a| role(&a.label).is_none() && Some(a.value) != a_line).map(|a| a.value).collect();
    let (alarm_line, inv_line) = match (a_line, labelled_inv) {
        (Some(a), Some(i)) => (Some(a), Some(i)),
        (Some(a), None) => (Some(a), unlabelled.first().copied()),
        (None, Some(i)) => (unlabelled.first().copied(), Some(i)),
        (None, None) => match unlabelled.as_slice() {
            [] => (None, None),
            [one] => {
                notes.push("one unlabelled annotation: taken as the alarm line".into());
                (Some(*one), None)
            }
            [x, y, ..] => {
                let w = worse.unwrap_or(Worse::Higher);
                let (hi, lo) = if x > y { (*x, *y) } else { (*y, *x) };
                notes.push("two unlabelled annotations: the one further on the bad side is the alarm line".into());
                if w == Worse::Higher {
                    (Some(hi), Some(lo))
                } else {
                    (Some(lo), Some(hi))
                }
            }
        },
    };
    if worse.is_none() {
        if let (Some(a), Some(i)) = (alarm_line, inv_line) {
            worse = Some(if a >= i { Worse::Higher } else { Worse::Lower });
        }
    }
    let worse = worse.unwrap_or_else(|| {
        if alarm_line.is_some() {
            notes.push("higher is worse (nothing says which way)".into());
        }
        Worse::Higher
    });
    let mut inv_line = inv_line.filter(|i| Some(*i) != alarm_line);
    if let Some((a, i)) = alarm_line.zip(inv_line).filter(|&(a, i)| worse.misordered(i, a).is_some()) {
        notes.push(format!("the annotation {i} is on the bad side of the alarm line {a}: left out"));
        inv_line = None;
    }
    Lines { worse, alarm: alarm_line, investigation: inv_line, notes }
}

/// Every widget of a dashboard, top to bottom: metric widgets become metrics, text headings sections.
pub(super) fn import_dashboard(d: &Dashboard, team: &str, alarms: &HashMap<String, Alarm>, opts: &Options, out: &mut Import) {
    let Some(list) = d.body.get("widgets").and_then(Value::as_array) else { return };
    let mut order: Vec<(i64, i64, usize)> =
        list.iter().enumerate().map(|(i, w)| (num_of(w, "y").unwrap_or(0.0) as i64, num_of(w, "x").unwrap_or(0.0) as i64, i)).collect();
    order.sort();
    let mut service = d.name.clone();
    for (_, _, i) in order {
        let w = &list[i];
        let props = w.get("properties").cloned().unwrap_or(Value::Null);
        let kind = str_of(w, "type").unwrap_or("metric");
        match kind {
            "text" => {
                let md = str_of(&props, "markdown").unwrap_or("");
                if let Some(h) = md.lines().map(str::trim).find(|l| l.starts_with('#')) {
                    let h = one_line(h.trim_start_matches('#'));
                    if !h.is_empty() {
                        service = h;
                    }
                }
            }
            "metric" => metric_widget(d, team, &service, &props, alarms, opts, out),
            other => {
                let title = str_of(&props, "title").map(one_line).unwrap_or_else(|| format!("{other} widget"));
                let reason = match other {
                    "log" => "a Logs Insights query is not a metric".to_string(),
                    "alarm" => "an alarm status widget shows no metric (graph the alarm's metric to import it)".to_string(),
                    _ => format!("a {other} widget is not a metric graph"),
                };
                out.skipped.push(Skipped { dashboard: d.name.clone(), widget: title, reason });
            }
        }
    }
}

/// Ids an expression names (`m1`, `e2`): words that start with a lower-case letter, outside quotes.
fn ids_in(expression: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in expression.chars().chain(std::iter::once(' ')) {
        if c == '"' || c == '\'' {
            quoted = !quoted;
            word.clear();
            continue;
        }
        if !quoted && (c.is_ascii_alphanumeric() || c == '_') {
            word.push(c);
        } else {
            if valid_id(&word) {
                out.push(std::mem::take(&mut word));
            }
            word.clear();
        }
    }
    out
}

fn metric_widget(
    d: &Dashboard,
    team: &str,
    service: &str,
    props: &Value,
    alarms: &HashMap<String, Alarm>,
    opts: &Options,
    out: &mut Import,
) {
    let title = str_of(props, "title").map(one_line).unwrap_or_else(|| "Untitled widget".into());
    let skip = |out: &mut Import, reason: String| out.skipped.push(Skipped { dashboard: d.name.clone(), widget: title.clone(), reason });
    let (mut rows, problems) = rows(props);
    for p in problems {
        skip(out, p);
    }
    // The widget's alarms (alarm annotations): the first one that was read sets the lines.
    let arns: Vec<String> = props
        .get("annotations")
        .and_then(|a| a.get("alarms"))
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let alarm = arns.iter().find_map(|a| alarms.get(&super::alarm_name(a)));
    let mut notes_all = Vec::new();
    if alarm.is_none() && !arns.is_empty() {
        notes_all.push(format!(
            "alarm {} could not be read (import from CloudWatch with --region to read its threshold)",
            super::alarm_name(&arns[0])
        ));
    }
    if rows.is_empty() {
        match alarm.and_then(|a| a.metric.clone()) {
            Some(m) => rows.push(Row {
                query: Query::Stat(m),
                id: None,
                label: None,
                visible: true,
                region: str_of(props, "region").map(str::to_string),
                period: alarm.and_then(|a| a.period),
            }),
            None => {
                skip(out, "the widget graphs no metric".into());
                return;
            }
        }
    }
    let (anns, ann_notes) = annotations(props);
    notes_all.extend(ann_notes);
    let l = lines(&anns, alarm);
    if l.alarm.is_none() && l.investigation.is_none() && !opts.without_lines {
        skip(out, "no horizontal annotation or alarm: no lines (--without-lines imports it anyway)".into());
        return;
    }
    let visible: Vec<&Row> = rows.iter().filter(|r| r.visible).collect();
    let several = visible.len() > 1;
    for r in &visible {
        let mut notes = notes_all.clone();
        notes.extend(l.notes.iter().cloned());
        let query = match &r.query {
            Query::Stat(m) => {
                if !valid_stat(&m.stat) {
                    skip(out, format!("{}: statistic \"{}\" is not one CloudWatch knows", m.metric, m.stat));
                    continue;
                }
                CwQuery::Metric(m.clone())
            }
            Query::Expr(e) => {
                let mut used = Vec::new();
                let mut missing = None;
                for id in ids_in(e) {
                    match rows.iter().find(|x| x.id.as_deref() == Some(id.as_str())) {
                        Some(Row { query: Query::Stat(m), .. }) => used.push(CwMetric { id: id.clone(), ..m.clone() }),
                        Some(Row { query: Query::Expr(_), .. }) => missing = Some(format!("refers to another expression ({id})")),
                        None => {}
                    }
                }
                if let Some(why) = missing {
                    skip(out, format!("expression `{e}` {why}: import the expression it refers to instead"));
                    continue;
                }
                if let Some(m) = used.iter().find(|m| !valid_stat(&m.stat)) {
                    skip(out, format!("expression `{e}`: {} ({}) has statistic \"{}\", not one CloudWatch knows", m.id, m.metric, m.stat));
                    continue;
                }
                used.sort();
                used.dedup();
                CwQuery::Expression { expression: e.clone(), metrics: used }
            }
        };
        if let Some(p) = r.period.filter(|p| *p != opts.step) {
            notes.push(format!(
                "the widget's period is {}; the workspace's step is {}",
                crate::time::format_step(p),
                crate::time::format_step(opts.step)
            ));
        }
        let what = r.label.clone().unwrap_or_else(|| match &r.query {
            Query::Stat(m) => describe_row(m, &visible),
            Query::Expr(e) => e.clone(),
        });
        let name = if several { format!("{title} · {what}") } else { title.clone() };
        if several && (l.alarm.is_some() || l.investigation.is_some()) {
            notes.push(format!("the widget's lines apply to each of its {} metrics", visible.len()));
        }
        let alarm_datapoints = alarm.and_then(|a| match (a.datapoints_to_alarm.or(a.evaluation_periods), a.evaluation_periods, a.period) {
            (Some(m), Some(n), Some(p)) if p == opts.step => MofN::parse(&format!("{m} of {n}")),
            _ => None,
        });
        let id = unique_id(out, &format!("{}.{}", slug(service), slug(&name)));
        if !out.services.iter().any(|(s, _)| s == service) {
            out.services.push((service.to_string(), team.to_string()));
        }
        out.metrics.push(MetricOut {
            id,
            name,
            team: team.to_string(),
            service: service.to_string(),
            worse: l.worse,
            alarm: l.alarm,
            investigation: l.investigation,
            alarm_datapoints,
            query,
            notes,
            dashboard: d.name.clone(),
            widget: title.clone(),
            region: r.region.clone(),
        });
    }
    for r in rows.iter().filter(|r| !r.visible) {
        if let Query::Stat(m) = &r.query {
            let used = r.id.as_ref().is_some_and(|id| visible.iter().any(|v| matches!(&v.query, Query::Expr(e) if ids_in(e).contains(id))));
            if !used {
                skip(out, format!("{} {}: hidden in the widget", m.metric, m.stat));
            }
        }
    }
}

/// A row's metric among the widget's others: its name, then what sets it apart (dimension values, the
/// statistic) when other rows share the name.
fn describe_row(m: &CwMetric, rows: &[&Row]) -> String {
    let others: Vec<&CwMetric> = rows
        .iter()
        .filter_map(|r| match &r.query {
            Query::Stat(o) if o != m && o.metric == m.metric => Some(o),
            _ => None,
        })
        .collect();
    let mut parts = vec![m.metric.clone()];
    if !others.is_empty() {
        parts.extend(m.dimensions.iter().filter(|(k, v)| others.iter().any(|o| o.dimensions.get(*k) != Some(*v))).map(|(_, v)| v.clone()));
        if others.iter().any(|o| o.stat != m.stat) {
            parts.push(m.stat.clone());
        }
    }
    parts.join(" ")
}

/// `base`, or `base-2`, `base-3`… when taken.
fn unique_id(out: &Import, base: &str) -> String {
    if !out.metrics.iter().any(|m| m.id == base) {
        return base.to_string();
    }
    (2..).map(|n| format!("{base}-{n}")).find(|id| !out.metrics.iter().any(|m| &m.id == id)).unwrap_or_default()
}
