//! Test support: a dashboard export with a few random hand edits, to check that an importer writes a
//! workspace that opens, or says why it wrote none, whatever the export holds.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::synth::Rng;

/// What an importer did with one edited export.
pub(crate) enum Outcome {
    /// It wrote this workspace file.
    Written(PathBuf),
    /// It refused, saying why (not a dashboard, nothing importable, no server).
    Refused(String),
    /// Its own check found the workspace it made invalid: a bug in the importer.
    Invalid(String),
}

/// Import 1,000 copies of `base`, each with a few random edits ([`mutate`]), at a random step, into a fresh
/// folder (`import(export, step, folder)`): each must be written as a workspace that opens, or refused with a
/// reason. Panics naming the case and its edits otherwise; returns how many were (written, refused).
pub(crate) fn import_edited(base: &Value, mut import: impl FnMut(&Value, i64, &Path) -> Outcome) -> (usize, usize) {
    let values = hostile_values();
    let mut rng = Rng::new(19);
    let (mut written, mut refused) = (0, 0);
    for case in 0..1000 {
        let mut edited = base.clone();
        let edits = mutate(&mut edited, &mut rng, &values);
        let step = [300, 60, 1, 86_400][rng.below(4)];
        let dir = tempfile::tempdir().expect("temp dir");
        match import(&edited, step, dir.path()) {
            Outcome::Written(path) => match crate::config::Workspace::open(&path) {
                Ok(_) => written += 1,
                Err(e) => panic!("case {case} {edits:?}: the imported workspace does not open: {e}"),
            },
            Outcome::Refused(why) => {
                assert!(!why.trim().is_empty(), "case {case} {edits:?}: refused without a reason");
                refused += 1;
            }
            Outcome::Invalid(e) => panic!("case {case} {edits:?}: the importer made a workspace that does not validate: {e}"),
        }
    }
    (written, refused)
}

/// Values an export might hold where another was meant: wrong types, empty, huge and tiny numbers, text that
/// would break a TOML or an HTML file, Grafana's variables and CloudWatch's shorthands.
pub(crate) fn hostile_values() -> Vec<Value> {
    vec![
        json!(null),
        json!(-1),
        json!(0),
        json!(0.5),
        json!(1e308),
        json!(-1e308),
        json!(5e-324),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(true),
        json!(""),
        json!("x".repeat(5000)),
        json!("a\"b\\c\n[[metric]]\r\t\u{0}"),
        json!("\u{202e}<img src=x onerror=alert(1)>"),
        json!([]),
        json!({}),
        json!("$__interval"),
        json!("{{a}}"),
        json!("${pod:regex}"),
        json!("."),
        json!("..."),
        json!(["...", "i-3"]),
        json!({"id": "m1", "visible": false}),
        json!({"expression": "m1 * 2", "id": "e2"}),
        json!([{"value": 1e308}, {"value": null}]),
        json!({"mode": "percentage", "steps": [{"value": null}, {"value": 50}]}),
        json!("histogram_quantile(0.99, x{a=\"$pod\"})"),
        json!("p99.9"),
    ]
}

/// Replace one to four randomly chosen parts of `v` (any object member, array element or the whole) with values
/// from `values`; what was done, to say which case failed.
pub(crate) fn mutate(v: &mut Value, rng: &mut Rng, values: &[Value]) -> Vec<String> {
    let mut done = Vec::new();
    for _ in 0..1 + rng.below(4) {
        let mut paths = Vec::new();
        every_path(v, &mut Vec::new(), &mut paths);
        let path = &paths[rng.below(paths.len())];
        let new = values[rng.below(values.len())].clone();
        done.push(format!("{} = {:.60}", path.join("/"), new.to_string()));
        *path.iter().fold(&mut *v, |at, key| match at {
            Value::Object(m) => m.entry(key.clone()).or_insert(Value::Null),
            Value::Array(a) => &mut a[key.parse::<usize>().expect("an index this walk wrote")],
            other => other,
        }) = new;
    }
    done
}

fn every_path(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    let children: Vec<(String, &Value)> = match v {
        Value::Object(m) => m.iter().map(|(k, c)| (k.clone(), c)).collect(),
        Value::Array(a) => a.iter().enumerate().map(|(i, c)| (i.to_string(), c)).collect(),
        _ => return,
    };
    for (key, child) in children {
        at.push(key);
        every_path(child, at, out);
        at.pop();
    }
}
