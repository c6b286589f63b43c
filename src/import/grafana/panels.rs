//! One dashboard's panels, walked in order with the row each sits in (collapsed rows hold their panels,
//! the old schema has `rows`), and each Prometheus query of a supported panel turned into a metric — or
//! into a line of the not-imported list saying why.

use serde_json::Value;

use super::lines::{self, Lines};
use super::vars::Vars;
use super::{one_line, slug, Import, MetricOut, Options, ServiceOut, Skipped, Source};

/// Panels that draw a number or a line over time: what a review can read.
const SUPPORTED: [&str; 6] = ["timeseries", "graph", "stat", "gauge", "bargauge", "singlestat"];

/// A panel and the title of the row it sits in.
pub(super) struct Placed<'a> {
    pub panel: &'a Value,
    pub row: Option<String>,
}

/// Every panel of a dashboard in order, rows' panels included (rows themselves are not panels).
pub(super) fn walk(d: &Value) -> Vec<Placed<'_>> {
    let mut out = Vec::new();
    let title = |p: &Value| p.get("title").and_then(Value::as_str).map(one_line).filter(|t| !t.is_empty());
    if let Some(panels) = d.get("panels").and_then(Value::as_array) {
        let mut row: Option<String> = None;
        for p in panels {
            if p.get("type").and_then(Value::as_str) == Some("row") {
                row = title(p);
                for inner in p.get("panels").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
                    out.push(Placed { panel: inner, row: row.clone() });
                }
            } else {
                out.push(Placed { panel: p, row: row.clone() });
            }
        }
    }
    // The schema before Grafana 5: rows with their panels.
    for r in d.get("rows").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        for p in r.get("panels").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            out.push(Placed { panel: p, row: title(r) });
        }
    }
    out
}

/// What a panel's or a query's data source is.
#[derive(Debug, Clone, PartialEq)]
enum Ds {
    /// Prometheus, with the uid or name to look its address up by.
    Prometheus(Option<String>),
    Other(String),
    /// Not named (the dashboard's default) or `-- Mixed --` (each query names its own).
    Unnamed,
}

fn datasource(v: Option<&Value>, s: &Source, vars: &Vars) -> Ds {
    let plugin_of_ref = |r: &str| -> Option<String> {
        let name = r.trim_start_matches('$').trim_start_matches('{').trim_end_matches('}');
        let name = name.split(':').next().unwrap_or(name);
        if let Some(p) = vars.datasources.get(name) {
            return Some(p.clone());
        }
        let inputs = s.dashboard.get("__inputs").and_then(Value::as_array)?;
        inputs
            .iter()
            .find(|i| i.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|i| i.get("pluginId"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let named = |key: &str| -> Ds {
        if key.starts_with('$') {
            return match plugin_of_ref(key) {
                Some(p) if p == "prometheus" => Ds::Prometheus(None),
                Some(p) => Ds::Other(p),
                None => Ds::Unnamed,
            };
        }
        match key {
            "-- Mixed --" | "-- Dashboard --" => Ds::Unnamed,
            "-- Grafana --" | "grafana" => Ds::Other("Grafana (built-in test data)".into()),
            k => match s.datasources.get(k) {
                Some(d) if d.kind == "prometheus" => Ds::Prometheus(Some(k.to_string())),
                Some(d) => Ds::Other(d.kind.clone()),
                None => Ds::Unnamed,
            },
        }
    };
    match v {
        None | Some(Value::Null) => Ds::Unnamed,
        Some(Value::String(name)) => named(name),
        Some(o) => {
            let uid = o.get("uid").and_then(Value::as_str);
            match o.get("type").and_then(Value::as_str) {
                Some("prometheus") => Ds::Prometheus(uid.filter(|u| !u.starts_with('$')).map(str::to_string)),
                Some("datasource") => uid.map_or(Ds::Unnamed, named),
                Some(t) if !t.is_empty() => Ds::Other(t.to_string()),
                _ => uid.map_or(Ds::Unnamed, named),
            }
        }
    }
}

/// Import every panel of one dashboard into `out`.
pub(super) fn import_dashboard(s: &Source, team: &str, opts: &Options, out: &mut Import) {
    let vars = Vars::of(&s.dashboard, opts.step);
    let dash = s.title();
    for placed in walk(&s.dashboard) {
        let p = placed.panel;
        let title =
            p.get("title").and_then(Value::as_str).map(one_line).filter(|t| !t.is_empty()).unwrap_or_else(|| "(untitled panel)".into());
        let skip = |out: &mut Import, reason: String| out.skipped.push(Skipped { dashboard: dash.clone(), panel: title.clone(), reason });
        let kind = p.get("type").and_then(Value::as_str).unwrap_or("");
        if !SUPPORTED.contains(&kind) {
            let reason = match kind {
                "table" => "a table panel: no line over time to review".to_string(),
                "" if p.get("libraryPanel").is_some() => {
                    "a library panel: its queries live in Grafana's library (export it with them)".into()
                }
                k => format!("a {} panel: nothing a review can read", one_line(k)),
            };
            skip(out, reason);
            continue;
        }
        let targets: Vec<&Value> = p
            .get("targets")
            .and_then(Value::as_array)
            .map(|t| t.iter().filter(|t| !t.get("hide").and_then(Value::as_bool).unwrap_or(false)).collect())
            .unwrap_or_default();
        if targets.is_empty() {
            skip(out, "no query".into());
            continue;
        }
        let service = service_for(out, placed.row.as_deref().unwrap_or(&dash), team);
        let several = targets.len() > 1;
        for t in targets {
            let label = target_label(t);
            let panel = if several { format!("{title} · {label}") } else { title.clone() };
            match metric(s, p, t, &vars, opts) {
                Ok(mut m) => {
                    m.id = unique_id(
                        out,
                        &format!(
                            "{}.{}{}",
                            slug(&service),
                            slug(&title),
                            if several { format!(".{}", slug(&label)) } else { String::new() }
                        ),
                    );
                    m.name = panel.clone();
                    m.team = team.to_string();
                    m.service = service.clone();
                    m.dashboard = dash.clone();
                    m.panel = panel;
                    out.metrics.push(m);
                }
                Err(reason) => out.skipped.push(Skipped { dashboard: dash.clone(), panel, reason }),
            }
        }
    }
}

/// A query's name within its panel: its legend (without `{{…}}`), else its refId.
fn target_label(t: &Value) -> String {
    let legend = t.get("legendFormat").and_then(Value::as_str).unwrap_or("").replace("__auto", "");
    let plain = one_line(&strip_braces(&legend));
    if !plain.is_empty() {
        return plain;
    }
    t.get("refId").and_then(Value::as_str).map(one_line).unwrap_or_else(|| "query".into())
}

fn strip_braces(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        match rest[i..].find("}}") {
            Some(e) => rest = &rest[i + e + 2..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The service for a row (or dashboard) title: one name per team; a name another team already has
/// gets the team's name after it.
fn service_for(out: &mut Import, title: &str, team: &str) -> String {
    let base = one_line(title);
    let name = match out.services.iter().find(|s| s.name == base) {
        Some(s) if s.team != team => format!("{base} ({team})"),
        _ => base,
    };
    if !out.services.iter().any(|s| s.name == name) {
        out.services.push(ServiceOut { name: name.clone(), team: team.to_string() });
    }
    name
}

fn unique_id(out: &Import, base: &str) -> String {
    let taken = |id: &str| out.metrics.iter().any(|m| m.id == id);
    if !taken(base) {
        return base.to_string();
    }
    (2..).map(|n| format!("{base}-{n}")).find(|id| !taken(id)).unwrap_or_else(|| base.to_string())
}

/// One query of a panel as a metric (id, name, team, service and panel are set by the caller).
fn metric(s: &Source, p: &Value, t: &Value, vars: &Vars, opts: &Options) -> Result<MetricOut, String> {
    let mut notes = Vec::new();
    let ds = match datasource(t.get("datasource"), s, vars) {
        Ds::Unnamed => datasource(p.get("datasource"), s, vars),
        d => d,
    };
    let server = match &ds {
        Ds::Other(kind) => return Err(format!("a {} data source, not Prometheus", one_line(kind))),
        Ds::Prometheus(key) => key.as_ref().and_then(|k| s.datasources.get(k)).and_then(|d| d.url.clone()),
        Ds::Unnamed => None,
    };
    let expr = t.get("expr").and_then(Value::as_str).map(str::trim).filter(|e| !e.is_empty()).ok_or("no PromQL query")?;
    if ds == Ds::Unnamed {
        notes.push("the data source is not named: taken as Prometheus (the query is PromQL)".into());
    }
    let (promql, assumed) = vars.substitute(expr)?;
    let mut promql = super::write::one_line_query(&promql);
    notes.extend(assumed);
    let refid = t.get("refId").and_then(Value::as_str).unwrap_or("");
    let legend = t.get("legendFormat").and_then(Value::as_str).unwrap_or("");
    let field = field_config(p, refid, legend);
    let read = read_lines(p, &field)?;
    let (unit, scale, known) = lines::unit(&field.unit);
    if !known {
        notes.push(format!("unit `{}` kept as Grafana names it", one_line(&field.unit)));
    }
    let mut l = match read {
        Drawn::Lines(l) => l,
        Drawn::Hidden | Drawn::None if opts.without_lines => {
            notes.push("no thresholds on the panel: no lines; worse = higher is a guess".into());
            Lines { worse: crate::config::Worse::Higher, alarm: None, investigation: None, note: None }
        }
        Drawn::Hidden => {
            return Err("its thresholds are not drawn on the panel (Show thresholds is off, so its steps are not taken as lines; \
                        turn it on in Grafana, or --without-lines imports it with no lines)"
                .into())
        }
        Drawn::None => return Err("no thresholds (no alarm or investigation line; --without-lines imports it anyway)".into()),
    };
    if scale != 1.0 {
        promql = format!("({promql}) * {scale}");
        l.alarm = l.alarm.map(|v| v * scale);
        l.investigation = l.investigation.map(|v| v * scale);
        if [l.alarm, l.investigation].into_iter().flatten().any(|v| !v.is_finite()) {
            return Err(format!("a threshold scaled ×{scale} to percent is too large to be a line"));
        }
        notes.push(format!("`{}` is a fraction: the query and the lines are scaled ×{scale} to percent", field.unit));
    }
    if let Some(n) = l.note.take() {
        notes.push(n);
    }
    let instance = instance_of(&promql, legend)?;
    Ok(MetricOut {
        id: String::new(),
        name: String::new(),
        team: String::new(),
        service: String::new(),
        unit,
        worse: l.worse,
        alarm: l.alarm,
        investigation: l.investigation,
        promql,
        instance,
        notes,
        dashboard: String::new(),
        panel: String::new(),
        server,
    })
}

/// A query's unit, thresholds and range: the panel's defaults with the overrides that match the query
/// (by refId, or by name = its legend) applied on top.
struct Field {
    unit: String,
    thresholds: Option<Value>,
    min: Option<f64>,
    max: Option<f64>,
}

fn field_config(p: &Value, refid: &str, legend: &str) -> Field {
    let d = p.pointer("/fieldConfig/defaults");
    let legacy_unit = p.pointer("/yaxes/0/format").or_else(|| p.get("format")).and_then(Value::as_str);
    let mut f = Field {
        unit: d.and_then(|d| d.get("unit")).and_then(Value::as_str).or(legacy_unit).unwrap_or("").to_string(),
        thresholds: d.and_then(|d| d.get("thresholds")).cloned(),
        min: d.and_then(|d| d.get("min")).and_then(Value::as_f64),
        max: d.and_then(|d| d.get("max")).and_then(Value::as_f64),
    };
    for o in p.pointer("/fieldConfig/overrides").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        let id = o.pointer("/matcher/id").and_then(Value::as_str);
        let opt = o.pointer("/matcher/options").and_then(Value::as_str);
        let hit = match (id, opt) {
            (Some("byFrameRefID"), Some(r)) => r == refid,
            (Some("byName"), Some(n)) => !legend.is_empty() && n == legend,
            _ => false,
        };
        if !hit {
            continue;
        }
        for prop in o.get("properties").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            let v = prop.get("value");
            match prop.get("id").and_then(Value::as_str) {
                Some("unit") => f.unit = v.and_then(Value::as_str).unwrap_or("").to_string(),
                Some("thresholds") => f.thresholds = v.cloned(),
                Some("min") => f.min = v.and_then(Value::as_f64),
                Some("max") => f.max = v.and_then(Value::as_f64),
                _ => {}
            }
        }
    }
    f
}

/// The lines a panel draws, or why it draws none.
enum Drawn {
    Lines(Lines),
    /// A time series panel with threshold steps it does not draw (`thresholdsStyle` off).
    Hidden,
    /// No thresholds, or none that make a line.
    None,
}

impl From<Option<Lines>> for Drawn {
    fn from(l: Option<Lines>) -> Drawn {
        l.map_or(Drawn::None, Drawn::Lines)
    }
}

/// The lines a panel draws. A time series panel draws its thresholds only when `thresholdsStyle` is on
/// (else its steps are Grafana's defaults nobody looks at); the legacy graph panel has its own list.
fn read_lines(p: &Value, f: &Field) -> Result<Drawn, String> {
    let kind = p.get("type").and_then(Value::as_str).unwrap_or("");
    if kind == "graph" {
        let legacy = p.get("thresholds").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        return Ok(lines::from_legacy(legacy).into());
    }
    if kind == "singlestat" {
        // Grafana before 7: `thresholds: "a,b"` with `colors: [below a, a to b, above b]`.
        let at: Vec<f64> =
            p.get("thresholds").and_then(Value::as_str).unwrap_or("").split(',').filter_map(|v| v.trim().parse().ok()).collect();
        let colors: Vec<&str> =
            p.get("colors").and_then(Value::as_array).map(|c| c.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        if at.is_empty() || colors.len() < at.len() + 1 {
            return Ok(Drawn::None);
        }
        let mut steps = vec![(None, lines::severity(colors[0]))];
        steps.extend(at.iter().zip(&colors[1..]).map(|(v, c)| (Some(*v), lines::severity(c))));
        return Ok(lines::from_steps(&steps).into());
    }
    let Some(t) = &f.thresholds else { return Ok(Drawn::None) };
    if kind == "timeseries" {
        let style = p.pointer("/fieldConfig/defaults/custom/thresholdsStyle/mode").and_then(Value::as_str).unwrap_or("off");
        if style == "off" {
            return Ok(Drawn::Hidden);
        }
    }
    let steps = lines::steps_of(t, f.min, f.max)?;
    Ok(lines::from_steps(&steps).into())
}

/// The label naming a query's instances: the one label of its legend (`{{instance}}`), else the one
/// label of its outermost `by (…)`. A query split by several labels cannot be one Flywheel metric.
fn instance_of(expr: &str, legend: &str) -> Result<Option<String>, String> {
    let mut labels: Vec<String> = Vec::new();
    let mut rest = legend;
    while let Some(i) = rest.find("{{") {
        let Some(e) = rest[i..].find("}}") else { break };
        let l = rest[i + 2..i + e].trim().to_string();
        if !l.is_empty() && !labels.contains(&l) {
            labels.push(l);
        }
        rest = &rest[i + e + 2..];
    }
    if labels.is_empty() {
        // `le` is what histogram_quantile consumes: the buckets are not instances.
        labels = outermost_by(expr).into_iter().filter(|l| l != "le").collect();
    }
    match labels.as_slice() {
        [] => Ok(None),
        [one] if one.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => Ok(Some(one.clone())),
        many => Err(format!(
            "returns a series per {}: Flywheel names a metric's instances by one label (aggregate by one label in the query)",
            many.join(", ")
        )),
    }
}

/// The labels of the `by (…)` clause at the least nesting depth of `expr` (none when there is none).
fn outermost_by(expr: &str) -> Vec<String> {
    let bytes = expr.as_bytes();
    let mut depth = 0usize;
    let mut best: Option<(usize, Vec<String>)> = None;
    for l in super::promql::lex(expr).filter(|l| !l.quoted) {
        let i = l.at;
        match l.c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            'b' if expr[i..].starts_with("by") && (i == 0 || !is_word(bytes[i - 1])) && !bytes.get(i + 2).is_some_and(|b| is_word(*b)) => {
                let after = expr[i + 2..].trim_start();
                if let Some(list) = after.strip_prefix('(') {
                    if let Some(end) = list.find(')') {
                        let labels: Vec<String> = list[..end].split(',').map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect();
                        if best.as_ref().is_none_or(|(d, _)| depth < *d) {
                            best = Some((depth, labels));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    best.map(|(_, l)| l).unwrap_or_default()
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_come_from_the_legend_or_the_outermost_by() {
        type Case<'a> = (&'a str, &'a str, Result<Option<&'a str>, &'a str>);
        let cases: &[Case] = &[
            ("rate(x[5m])", "", Ok(None)),
            ("sum by (instance) (rate(x[5m]))", "", Ok(Some("instance"))),
            ("sum(rate(x[5m])) by (pod)", "", Ok(Some("pod"))),
            ("max by (job) (sum by (job, code) (rate(x[5m])))", "", Ok(Some("job"))),
            ("sum by (code, method) (rate(x[5m]))", "", Err("per code, method")),
            ("rate(x{a=\"by (z)\"}[5m])", "", Ok(None)),
            ("rate(x[5m])", "{{instance}}", Ok(Some("instance"))),
            ("rate(x[5m])", "{{ pod }} p99", Ok(Some("pod"))),
            ("rate(x[5m])", "{{method}} {{code}}", Err("per method, code")),
            ("sum by () (x)", "", Ok(None)),
            ("histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))", "", Ok(None)),
            ("histogram_quantile(0.99, sum by (le, pod) (rate(x_bucket[5m])))", "", Ok(Some("pod"))),
            ("nearby(x)", "", Ok(None)),
            // A raw string ending in a backslash still ends at its backtick (no escapes in `…`).
            ("sum(rate(x{path=~`C:\\`}[5m])) by (job)", "", Ok(Some("job"))),
        ];
        for (expr, legend, want) in cases {
            match (instance_of(expr, legend), want) {
                (Ok(got), Ok(w)) => assert_eq!(got.as_deref(), *w, "{expr} / {legend}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{expr}: {e}"),
                (got, _) => panic!("{expr} / {legend}: {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn collapsed_rows_and_old_rows_hold_their_panels() {
        let d = serde_json::json!({
            "panels": [
                {"type": "stat", "title": "Top"},
                {"type": "row", "title": "API", "collapsed": false, "panels": []},
                {"type": "timeseries", "title": "Latency"},
                {"type": "row", "title": "DB", "collapsed": true, "panels": [{"type": "gauge", "title": "Connections"}]}
            ],
            "rows": [{"title": "Old", "panels": [{"type": "graph", "title": "Legacy"}]}]
        });
        let got: Vec<(Option<String>, &str)> =
            walk(&d).iter().map(|p| (p.row.clone(), p.panel.get("title").and_then(Value::as_str).unwrap_or(""))).collect();
        let row = |s: &str| Some(s.to_string());
        assert_eq!(got, vec![(None, "Top"), (row("API"), "Latency"), (row("DB"), "Connections"), (row("Old"), "Legacy")]);
    }
}
