//! Template variables in a dashboard's queries: Grafana's built-in intervals become durations derived
//! from the workspace step, a dashboard variable with one saved value is substituted, and one that is
//! multi-valued, unset or unknown is reported (it blocks its panel).

use std::collections::BTreeMap;

use serde_json::Value;

/// A dashboard variable's saved value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Saved {
    One(String),
    /// Several values, or "All" with no `allValue` to stand for it.
    Many(usize),
    /// Nothing saved.
    Unset,
}

/// The dashboard's variables by name, and the step (seconds) the built-ins derive from.
pub(super) struct Vars {
    saved: BTreeMap<String, Saved>,
    /// Data source variables: name → plugin id (`prometheus`).
    pub datasources: BTreeMap<String, String>,
    step: i64,
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Vars {
    pub fn of(dashboard: &Value, step: i64) -> Vars {
        let mut saved = BTreeMap::new();
        let mut datasources = BTreeMap::new();
        let list = dashboard.pointer("/templating/list").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for v in list {
            let Some(name) = v.get("name").and_then(Value::as_str) else { continue };
            if v.get("type").and_then(Value::as_str) == Some("datasource") {
                if let Some(plugin) = v.get("query").and_then(Value::as_str) {
                    datasources.insert(name.to_string(), plugin.to_string());
                }
                continue;
            }
            let all_value = v.get("allValue").and_then(Value::as_str).filter(|a| !a.is_empty());
            let current = v.pointer("/current/value");
            let values: Vec<String> = match current {
                Some(Value::Array(a)) => a.iter().filter_map(text_of).collect(),
                Some(x) => text_of(x).into_iter().collect(),
                None => v
                    .get("query")
                    .and_then(Value::as_str)
                    .filter(|_| v.get("type").and_then(Value::as_str) == Some("constant"))
                    .map(str::to_string)
                    .into_iter()
                    .collect(),
            };
            let value = match values.as_slice() {
                [] => Saved::Unset,
                [one] if one == "$__all" => all_value.map_or(Saved::Many(0), |a| Saved::One(a.to_string())),
                [one] if one.is_empty() => Saved::Unset,
                [one] => Saved::One(one.clone()),
                many => Saved::Many(many.len()),
            };
            saved.insert(name.to_string(), value);
        }
        Vars { saved, datasources, step }
    }

    /// A built-in's value: `$__interval` is the step, `$__rate_interval` the step plus a 15 s scrape
    /// (Grafana's rule with Prometheus's default scrape interval), `$__range` the step (a point covers its
    /// own step in a review).
    fn builtin(&self, name: &str) -> Option<String> {
        let s = self.step;
        Some(match name {
            "__interval" | "__range" => format!("{s}s"),
            "__rate_interval" => format!("{}s", (s + 15).max(60)),
            "__interval_ms" | "__range_ms" => (s * 1000).to_string(),
            "__range_s" => s.to_string(),
            "__rate_interval_ms" => ((s + 15).max(60) * 1000).to_string(),
            n if n.starts_with("__auto_interval") => format!("{s}s"),
            _ => return None,
        })
    }

    /// The value of variable `name` with Grafana format `fmt` (`regex` escapes; others are plain for a
    /// single value). Err says why it cannot be used.
    fn value(&self, name: &str, fmt: Option<&str>) -> Result<String, String> {
        if let Some(b) = self.builtin(name) {
            return Ok(b);
        }
        let v = match self.saved.get(name) {
            Some(Saved::One(v)) => v.clone(),
            Some(Saved::Many(0)) => return Err(format!("variable ${name} is set to All and saves no values")),
            Some(Saved::Many(n)) => {
                return Err(format!("variable ${name} has {n} values selected (pick one in Grafana, or edit the query)"))
            }
            Some(Saved::Unset) => return Err(format!("variable ${name} has no saved value")),
            None => return Err(format!("variable ${name} is not defined by the dashboard")),
        };
        // A saved value may name another variable (`$__auto_interval_x`, a chained variable).
        let v = match v.strip_prefix('$').and_then(|n| self.builtin(n)) {
            Some(b) => b,
            None => v,
        };
        Ok(match fmt {
            Some("regex") => v.chars().flat_map(|c| if "\\^$.|?*+()[]{}".contains(c) { vec!['\\', c] } else { vec![c] }).collect(),
            _ => v,
        })
    }

    /// `expr` with every variable replaced (`$name`, `${name}`, `${name:fmt}`, `[[name]]`). `$1`-style
    /// regex references are left alone. Err names the first variable that cannot be replaced.
    pub fn substitute(&self, expr: &str) -> Result<String, String> {
        let mut out = String::with_capacity(expr.len());
        let mut rest = expr;
        while let Some(i) = rest.find(['$', '[']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            let (name, fmt, len) = match parse_ref(tail) {
                Some(r) => r,
                None => {
                    let c = tail.chars().next().unwrap_or('$');
                    out.push(c);
                    rest = &tail[c.len_utf8()..];
                    continue;
                }
            };
            out.push_str(&self.value(name, fmt)?);
            rest = &tail[len..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A variable reference at the start of `s`: (name, format, length in bytes).
fn parse_ref(s: &str) -> Option<(&str, Option<&str>, usize)> {
    let inner = |body: &str, close: &str| -> Option<(usize, usize)> { body.find(close).map(|e| (e, close.len())) };
    if let Some(body) = s.strip_prefix("${") {
        let (end, _) = inner(body, "}")?;
        let (name, fmt) = match body[..end].split_once(':') {
            Some((n, f)) => (n, Some(f)),
            None => (&body[..end], None),
        };
        return (!name.is_empty() && name.chars().all(is_name)).then_some((name, fmt, end + 3));
    }
    if let Some(body) = s.strip_prefix("[[") {
        let (end, _) = inner(body, "]]")?;
        let (name, fmt) = match body[..end].split_once(':') {
            Some((n, f)) => (n, Some(f)),
            None => (&body[..end], None),
        };
        return (!name.is_empty() && name.chars().all(is_name)).then_some((name, fmt, end + 4));
    }
    let body = s.strip_prefix('$')?;
    let len = body.find(|c: char| !is_name(c)).unwrap_or(body.len());
    let name = &body[..len];
    // `$1` (a regex group in label_replace) is not a variable.
    (len > 0 && !name.starts_with(|c: char| c.is_ascii_digit())).then_some((name, None, len + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let d = json!({"templating": {"list": [
            {"name": "job", "type": "query", "current": {"text": "node", "value": "node"}},
            {"name": "node", "type": "query", "current": {"value": ["a:9100"]}},
            {"name": "pods", "type": "query", "current": {"value": ["a", "b"]}},
            {"name": "all", "type": "query", "includeAll": true, "allValue": ".*", "current": {"value": ["$__all"]}},
            {"name": "allnone", "type": "query", "includeAll": true, "current": {"value": "$__all"}},
            {"name": "empty", "type": "query", "current": {}},
            {"name": "ds", "type": "datasource", "query": "prometheus"},
            {"name": "iv", "type": "interval", "current": {"value": "$__auto_interval_iv"}},
            {"name": "dot", "type": "custom", "current": {"value": "a.b"}},
            {"name": "k", "type": "constant", "query": "42"}
        ]}});
        Vars::of(&d, 300)
    }

    #[test]
    fn variables_are_replaced_or_reported() {
        let v = vars();
        type Case<'a> = (&'a str, Result<&'a str, &'a str>);
        let cases: &[Case] = &[
            ("rate(x{job=\"$job\"}[$__rate_interval])", Ok("rate(x{job=\"node\"}[315s])")),
            ("rate(x[${__interval}])", Ok("rate(x[300s])")),
            ("x{instance=\"[[node]]\"}", Ok("x{instance=\"a:9100\"}")),
            ("x{i=~\"$all\"}", Ok("x{i=~\".*\"}")),
            ("x{a=~\"${dot:regex}\"}", Ok("x{a=~\"a\\.b\"}")),
            ("rate(x[$iv])", Ok("rate(x[300s])")),
            ("x * $k", Ok("x * 42")),
            (
                "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\") and y{a=~\"^b$\"}",
                Ok("label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\") and y{a=~\"^b$\"}"),
            ),
            ("x{pod=~\"$pods\"}", Err("$pods has 2 values")),
            ("x{i=~\"$allnone\"}", Err("set to All")),
            ("x{i=\"$empty\"}", Err("no saved value")),
            ("x{i=\"$nope\"}", Err("not defined")),
            ("sum(x) [", Ok("sum(x) [")),
        ];
        for (expr, want) in cases {
            match (v.substitute(expr), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, *w, "{expr}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{expr}: {e}"),
                (got, _) => panic!("{expr}: {got:?}, want {want:?}"),
            }
        }
        assert_eq!(v.datasources.get("ds").map(String::as_str), Some("prometheus"));
    }
}
