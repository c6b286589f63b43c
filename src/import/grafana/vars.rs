//! Template variables in a dashboard's queries: Grafana's built-in intervals become durations derived
//! from the workspace step, a dashboard variable with one saved value is substituted, and one that is
//! multi-valued, unset or unknown is reported (it blocks its panel).

use std::collections::BTreeMap;

use serde_json::Value;

/// A dashboard variable's saved value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Saved {
    One(String),
    Many(Vec<String>),
    /// "All", with the `allValue` that stands for it when the dashboard sets one. A variable with "All"
    /// and nothing saved starts on "All" in Grafana too.
    All(Option<String>),
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
            let include_all = v.get("includeAll").and_then(Value::as_bool).unwrap_or(false);
            let value = match values.as_slice() {
                [] | [_] if include_all && values.first().is_none_or(|v| v.is_empty() || v == "$__all") => {
                    Saved::All(all_value.map(str::to_string))
                }
                [] => Saved::Unset,
                [one] if one.is_empty() => Saved::Unset,
                [one] => Saved::One(one.clone()),
                many if many.iter().any(|v| v == "$__all") => Saved::All(all_value.map(str::to_string)),
                many => Saved::Many(many.to_vec()),
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

    /// The value of variable `name` with Grafana format `fmt` (`regex` escapes). `in_regex`: the
    /// reference sits in a regex matcher (`=~"…"`), where Grafana writes several values as `(a|b)` and
    /// "All" with no `allValue` as `.*`. Err says why it cannot be used; a note says what was assumed.
    fn value(&self, name: &str, fmt: Option<&str>, in_regex: bool, notes: &mut Vec<String>) -> Result<String, String> {
        if let Some(b) = self.builtin(name) {
            return Ok(b);
        }
        let escape =
            |v: &str| -> String { v.chars().flat_map(|c| if "\\^$.|?*+()[]{}".contains(c) { vec!['\\', c] } else { vec![c] }).collect() };
        let v = match self.saved.get(name) {
            Some(Saved::One(v)) => v.clone(),
            Some(Saved::All(Some(all))) => {
                notes.push(format!("${name} is \"All\": its allValue `{all}`"));
                return Ok(all.clone());
            }
            Some(Saved::All(None)) if in_regex => {
                notes.push(format!("${name} is \"All\": every value (`.*`)"));
                return Ok(".*".into());
            }
            Some(Saved::All(None)) => return Err(format!("variable ${name} is set to All with no allValue, outside a regex matcher")),
            Some(Saved::Many(vs)) if in_regex || fmt == Some("regex") || fmt == Some("pipe") => {
                return Ok(format!("({})", vs.iter().map(|v| escape(v)).collect::<Vec<_>>().join("|")));
            }
            Some(Saved::Many(vs)) => {
                return Err(format!(
                    "variable ${name} has {} values selected outside a regex matcher (pick one in Grafana, or edit the query)",
                    vs.len()
                ))
            }
            Some(Saved::Unset) => return Err(format!("variable ${name} has no saved value")),
            None => return Err(format!("variable ${name} is not defined by the dashboard")),
        };
        // A saved value may name another variable (`$__auto_interval_x`, a chained variable).
        let v = match v.strip_prefix('$').and_then(|n| self.builtin(n)) {
            Some(b) => b,
            None => v,
        };
        Ok(if fmt == Some("regex") { escape(&v) } else { v })
    }

    /// `expr` with every variable replaced (`$name`, `${name}`, `${name:fmt}`, `[[name]]`), and notes on
    /// what was assumed. `$1`-style regex references are left alone. Err names the first variable that
    /// cannot be replaced.
    pub fn substitute(&self, expr: &str) -> Result<(String, Vec<String>), String> {
        let mut out = String::with_capacity(expr.len());
        let mut notes = Vec::new();
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
            out.push_str(&self.value(name, fmt, in_regex_string(&out), &mut notes)?);
            rest = &tail[len..];
        }
        out.push_str(rest);
        notes.dedup();
        Ok((out, notes))
    }
}

/// Whether text continuing `prefix` is inside the quoted value of a regex matcher (`=~"…`, `!~'…`).
fn in_regex_string(prefix: &str) -> bool {
    super::promql::lex(prefix).last().and_then(|l| l.open).is_some_and(|(_, at)| {
        let before = prefix[..at].trim_end();
        before.ends_with("=~") || before.ends_with("!~")
    })
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
            {"name": "pods", "type": "query", "current": {"value": ["a", "b.c"]}},
            {"name": "fresh", "type": "query", "includeAll": true, "allValue": ".+", "current": {}},
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
            // Several values in a regex matcher: Grafana's (a|b); elsewhere they cannot be one query.
            ("x{pod=~\"$pods\"}", Ok("x{pod=~\"(a|b\\.c)\"}")),
            ("x{pod=\"$pods\"}", Err("$pods has 2 values")),
            // "All" with no allValue: every value in a regex matcher; with nothing saved, "All" still.
            ("x{i=~\"$allnone\"}", Ok("x{i=~\".*\"}")),
            ("x{i=\"$allnone\"}", Err("set to All")),
            ("x{j=~\"$fresh\"}", Ok("x{j=~\".+\"}")),
            ("x{d=~\"($allnone|$job).*\", m='idle'}", Ok("x{d=~\"(.*|node).*\", m='idle'}")),
            ("x{m='a\\'b', d=~ \"$allnone\"}", Ok("x{m='a\\'b', d=~ \".*\"}")),
            ("x{i=\"$empty\"}", Err("no saved value")),
            ("x{i=\"$nope\"}", Err("not defined")),
            ("sum(x) [", Ok("sum(x) [")),
        ];
        for (expr, want) in cases {
            match (v.substitute(expr), want) {
                (Ok((got, _)), Ok(w)) => assert_eq!(got, *w, "{expr}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{expr}: {e}"),
                (got, _) => panic!("{expr}: {got:?}, want {want:?}"),
            }
        }
        assert_eq!(v.datasources.get("ds").map(String::as_str), Some("prometheus"));
        let (_, notes) = v.substitute("x{i=~\"$all\"}").expect("all");
        assert_eq!(notes, vec!["$all is \"All\": its allValue `.*`"]);
    }
}
