//! A Grafana panel's thresholds and unit read as Flywheel's lines and unit: which step is the alarm
//! line (the red one, or the last), which the investigation line (an orange or yellow step before it),
//! which way is worse (the colours' order), and the unit with the scale it needs (`percentunit` is ×100).

use serde_json::Value;

use crate::config::Worse;

/// How alarming a threshold colour is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Sev {
    Ok,
    Warn,
    Crit,
}

/// Grafana's colour names (`red`, `dark-orange`, `semi-dark-yellow`), `#rrggbb` and `rgb(a)(…)`.
pub(super) fn severity(color: &str) -> Sev {
    let c = color.trim().to_ascii_lowercase();
    if c.contains("red") {
        return Sev::Crit;
    }
    if c.contains("orange") || c.contains("yellow") || c.contains("amber") {
        return Sev::Warn;
    }
    let Some((r, g, b)) = rgb(&c) else { return Sev::Ok };
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    if max - min < 0.15 {
        return Sev::Ok; // grey: no meaning
    }
    let d = max - min;
    let hue = if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    match hue {
        h if !(18.0..330.0).contains(&h) => Sev::Crit,
        h if h < 65.0 => Sev::Warn,
        _ => Sev::Ok,
    }
}

fn rgb(c: &str) -> Option<(f64, f64, f64)> {
    if let Some(hex) = c.strip_prefix('#') {
        let n = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok().map(|v| f64::from(v) / 255.0);
        return if hex.len() >= 6 { Some((n(0)?, n(2)?, n(4)?)) } else { None };
    }
    let inner = c.strip_prefix("rgba(").or_else(|| c.strip_prefix("rgb("))?.trim_end_matches(')');
    let v: Vec<f64> = inner.split(',').take(3).map(|x| x.trim().parse::<f64>().ok().map(|v| v / 255.0)).collect::<Option<_>>()?;
    (v.len() == 3).then(|| (v[0], v[1], v[2]))
}

/// A metric's lines as read from its panel.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Lines {
    pub worse: Worse,
    pub alarm: Option<f64>,
    pub investigation: Option<f64>,
    /// What was inferred rather than read (written as a comment).
    pub note: Option<String>,
}

/// Lines from threshold steps (`[{color, value}]`, the base step's value null), in Grafana's order.
/// None when there is no step beyond the base.
pub(super) fn from_steps(steps: &[(Option<f64>, Sev)]) -> Option<Lines> {
    let base = steps.iter().find(|(v, _)| v.is_none()).map_or(Sev::Ok, |(_, s)| *s);
    let mut up: Vec<(f64, Sev)> = steps.iter().filter_map(|(v, s)| v.filter(|v| v.is_finite()).map(|v| (v, *s))).collect();
    up.sort_by(|a, b| a.0.total_cmp(&b.0));
    let last = up.last()?.1;
    if base > last {
        // The worst colour is at the bottom: lower is worse; a line is where a band ends going up.
        let end_of = |sev: Sev| up.iter().find(|(_, s)| *s < sev).map(|(v, _)| *v);
        let (alarm, note) = if base == Sev::Crit {
            (end_of(Sev::Crit), None)
        } else {
            (up.first().map(|(v, _)| *v), Some("no red step: the first step above the bottom band is the alarm line".to_string()))
        };
        let investigation = if base == Sev::Crit { end_of(Sev::Warn).filter(|i| Some(*i) > alarm) } else { None };
        return Some(Lines { worse: Worse::Lower, alarm, investigation, note });
    }
    let crit = up.iter().position(|(_, s)| *s == Sev::Crit);
    let at = crit.unwrap_or(up.len() - 1);
    let investigation = up[..at].iter().find(|(_, s)| *s == Sev::Warn).map(|(v, _)| *v);
    let note = match (crit, last == base) {
        (Some(_), _) => None,
        (None, true) => Some("the steps carry no warning colour: the last step is the alarm line, higher is worse".into()),
        (None, false) => Some("no red step: the last step is the alarm line".into()),
    };
    Some(Lines { worse: Worse::Higher, alarm: Some(up[at].0), investigation, note })
}

/// The steps of a `thresholds` object (`{mode, steps}`), converted from percentages of `min`–`max`
/// when the mode is `percentage`. Err says why they cannot be used.
pub(super) fn steps_of(thresholds: &Value, min: Option<f64>, max: Option<f64>) -> Result<Vec<(Option<f64>, Sev)>, String> {
    let steps = thresholds.get("steps").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let percent = thresholds.get("mode").and_then(Value::as_str) == Some("percentage");
    let scale = match (percent, min, max) {
        (false, ..) => None,
        (true, Some(lo), Some(hi)) => Some((lo, hi)),
        (true, ..) => return Err("percentage thresholds and no min/max to read them against".into()),
    };
    Ok(steps
        .iter()
        .map(|s| {
            let v = s.get("value").and_then(Value::as_f64);
            let v = match scale {
                Some((lo, hi)) => v.map(|p| lo + p / 100.0 * (hi - lo)),
                None => v,
            };
            (v, severity(s.get("color").and_then(Value::as_str).unwrap_or("")))
        })
        .collect())
}

/// The legacy graph panel's `thresholds`: `[{op: "gt"|"lt", value, colorMode: "critical"|"warning"|"custom", …}]`.
pub(super) fn from_legacy(thresholds: &[Value]) -> Option<Lines> {
    let mut crit = None;
    let mut warn = None;
    for t in thresholds {
        let Some(v) = t.get("value").and_then(Value::as_f64).filter(|v| v.is_finite()) else { continue };
        let lower = t.get("op").and_then(Value::as_str) == Some("lt");
        let sev = match t.get("colorMode").and_then(Value::as_str) {
            Some("critical") => Sev::Crit,
            Some("warning") => Sev::Warn,
            Some("custom") => severity(t.get("lineColor").or_else(|| t.get("fillColor")).and_then(Value::as_str).unwrap_or("")),
            _ => Sev::Ok,
        };
        match sev {
            Sev::Crit if crit.is_none() => crit = Some((v, lower)),
            Sev::Warn if warn.is_none() => warn = Some((v, lower)),
            _ => {}
        }
    }
    let (alarm, lower, mut investigation, mut note) = match (crit, warn) {
        (Some((a, lower)), w) => (a, lower, w.filter(|w| w.1 == lower).map(|w| w.0), None),
        (None, Some((w, lower))) => (w, lower, None, Some("only a warning threshold: it is the alarm line".to_string())),
        (None, None) => return None,
    };
    let worse = if lower { Worse::Lower } else { Worse::Higher };
    // A warning past the critical threshold would never be reached first: the workspace would refuse it.
    if let Some((i, (said, _))) = investigation.and_then(|i| worse.misordered(i, alarm).map(|s| (i, s))) {
        let (i, a) = (crate::config::fmt_num(i), crate::config::fmt_num(alarm));
        note =
            Some(format!("the warning threshold {i} is {said} the critical one {a}: only the critical one is imported (the alarm line)"));
        investigation = None;
    }
    Some(Lines { worse, alarm: Some(alarm), investigation, note })
}

/// Flywheel's unit for a Grafana unit id, and the factor its values (and lines) are multiplied by.
/// Unknown ids are kept as written (the bool says so).
pub(super) fn unit(id: &str) -> (String, f64, bool) {
    let known = |u: &str| (u.to_string(), 1.0, true);
    match id.trim() {
        "" | "none" | "short" | "locale" | "sishort" => known(""),
        "percent" => known("%"),
        "percentunit" => ("%".into(), 100.0, true),
        "ms" | "dtdurationms" => known("ms"),
        "s" | "dtdurations" => known("s"),
        "µs" | "us" => known("µs"),
        "ns" => known("ns"),
        "m" => known("min"),
        "h" => known("h"),
        "d" => known("d"),
        "reqps" | "rps" => known("req/s"),
        "reqpm" | "rpm" => known("req/min"),
        "ops" => known("ops/s"),
        "opm" => known("ops/min"),
        "iops" => known("io/s"),
        "wps" => known("writes/s"),
        "rps_read" => known("reads/s"),
        "cps" => known("/s"),
        "bytes" | "decbytes" => known("B"),
        "kbytes" => known("KiB"),
        "mbytes" => known("MiB"),
        "gbytes" => known("GiB"),
        "deckbytes" => known("kB"),
        "decmbytes" => known("MB"),
        "decgbytes" => known("GB"),
        "bits" | "decbits" => known("bit"),
        "Bps" | "binBps" => known("B/s"),
        "KBs" => known("kB/s"),
        "MBs" => known("MB/s"),
        "bps" | "binbps" => known("bit/s"),
        "Kbits" => known("kbit/s"),
        "Mbits" => known("Mbit/s"),
        "celsius" => known("°C"),
        "watt" => known("W"),
        "hertz" => known("Hz"),
        other => (other.to_string(), 1.0, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Sev::{Crit as C, Ok as O, Warn as W};

    #[test]
    fn colours_read_as_severities() {
        for (color, want) in [
            ("red", C),
            ("dark-red", C),
            ("semi-dark-orange", W),
            ("yellow", W),
            ("green", O),
            ("blue", O),
            ("#E24D42", C),
            ("#EAB839", W),
            ("#299c46", O),
            ("rgba(245, 54, 54, 0.9)", C),
            ("rgba(237, 129, 40, 0.89)", W),
            ("rgba(50, 172, 45, 0.97)", O),
            ("#808080", O),
            ("text", O),
            ("#zz", O),
        ] {
            assert_eq!(severity(color), want, "{color}");
        }
    }

    #[test]
    fn steps_become_lines() {
        type Case<'a> = (&'a [(Option<f64>, Sev)], Option<(Worse, Option<f64>, Option<f64>, bool)>);
        let cases: &[Case] = &[
            (&[(None, O), (Some(80.0), C)], Some((Worse::Higher, Some(80.0), None, false))),
            (&[(None, O), (Some(70.0), W), (Some(90.0), C)], Some((Worse::Higher, Some(90.0), Some(70.0), false))),
            (&[(None, O), (Some(70.0), W), (Some(80.0), W), (Some(90.0), C)], Some((Worse::Higher, Some(90.0), Some(70.0), false))),
            // Given out of order: read in value order.
            (&[(None, O), (Some(90.0), C), (Some(70.0), W)], Some((Worse::Higher, Some(90.0), Some(70.0), false))),
            (&[(None, O), (Some(300.0), W)], Some((Worse::Higher, Some(300.0), None, true))),
            (&[(None, O), (Some(50.0), O)], Some((Worse::Higher, Some(50.0), None, true))),
            // Availability: red at the bottom, yellow, then green.
            (&[(None, C), (Some(95.0), W), (Some(99.0), O)], Some((Worse::Lower, Some(95.0), Some(99.0), false))),
            (&[(None, C), (Some(99.0), O)], Some((Worse::Lower, Some(99.0), None, false))),
            (&[(None, W), (Some(10.0), O)], Some((Worse::Lower, Some(10.0), None, true))),
            (&[(None, O)], None),
            (&[], None),
        ];
        for (steps, want) in cases {
            let got = from_steps(steps).map(|l| (l.worse, l.alarm, l.investigation, l.note.is_some()));
            assert_eq!(got, *want, "{steps:?}");
        }
    }

    #[test]
    fn percentage_steps_need_min_and_max() {
        let t = serde_json::json!({"mode": "percentage", "steps": [{"color": "green", "value": null}, {"color": "red", "value": 80}]});
        assert_eq!(steps_of(&t, Some(0.0), Some(200.0)), Ok(vec![(None, O), (Some(160.0), C)]));
        assert!(steps_of(&t, None, None).is_err());
    }

    #[test]
    fn legacy_graph_thresholds() {
        let t = |v: serde_json::Value| from_legacy(v.as_array().expect("array")).map(|l| (l.worse, l.alarm, l.investigation));
        assert_eq!(
            t(serde_json::json!([{"op": "gt", "value": 500, "colorMode": "critical"}, {"op": "gt", "value": 300, "colorMode": "warning"}])),
            Some((Worse::Higher, Some(500.0), Some(300.0)))
        );
        assert_eq!(t(serde_json::json!([{"op": "lt", "value": 10, "colorMode": "critical"}])), Some((Worse::Lower, Some(10.0), None)));
        assert_eq!(
            t(serde_json::json!([{"op": "gt", "value": 7, "colorMode": "custom", "lineColor": "rgba(245, 54, 54, 0.9)"}])),
            Some((Worse::Higher, Some(7.0), None))
        );
        assert_eq!(t(serde_json::json!([{"op": "gt", "value": 1, "colorMode": "ok"}])), None);
        // A warning past the critical threshold is left out, and the note says so.
        for (op, crit, warn, said) in [("gt", 1000.0, 1e308, "above"), ("lt", 10.0, 5.0, "below")] {
            let th =
                serde_json::json!([{"op": op, "value": crit, "colorMode": "critical"}, {"op": op, "value": warn, "colorMode": "warning"}]);
            let l = from_legacy(th.as_array().expect("array")).expect("lines");
            assert_eq!((l.alarm, l.investigation), (Some(crit), None), "{op}");
            let note = l.note.expect("a note");
            assert!(note.contains(&format!("is {said} the critical one")), "{note}");
        }
    }

    #[test]
    fn units_map_with_their_scale() {
        for (id, want) in [
            ("ms", ("ms", 1.0, true)),
            ("percentunit", ("%", 100.0, true)),
            ("percent", ("%", 1.0, true)),
            ("reqps", ("req/s", 1.0, true)),
            ("bytes", ("B", 1.0, true)),
            ("short", ("", 1.0, true)),
            ("ops", ("ops/s", 1.0, true)),
            ("opm", ("ops/min", 1.0, true)),
            ("furlongs", ("furlongs", 1.0, false)),
        ] {
            let (u, f, k) = unit(id);
            assert_eq!((u.as_str(), f, k), want, "{id}");
        }
    }
}
