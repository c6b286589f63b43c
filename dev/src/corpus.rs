//! A labelled corpus in NAB's layout: `data/<category>/<file>.csv` (`timestamp,value`, naive UTC) and
//! `combined_windows.json` (per `<category>/<file>.csv`, the windows `[start, end]`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::NaiveDateTime;

use crate::nab::Labelled;

/// One file of the corpus: where it is and its labels.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    pub labelled: Labelled,
}

/// Read every file named in `dir/combined_windows.json`, in name order.
pub fn open(dir: &Path) -> Result<Vec<Entry>> {
    let wpath = dir.join("combined_windows.json");
    let text = std::fs::read_to_string(&wpath).with_context(|| format!("reading {}", wpath.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", wpath.display()))?;
    let Some(map) = json.as_object() else { bail!("{}: expected an object of file → windows", wpath.display()) };
    let mut out = Vec::new();
    for (name, windows) in map {
        let path = dir.join("data").join(name);
        let times = read_times(&path)?;
        let mut rows = Vec::new();
        for w in windows.as_array().map(Vec::as_slice).unwrap_or_default() {
            let (Some(a), Some(b)) = (w.get(0).and_then(|v| v.as_str()), w.get(1).and_then(|v| v.as_str())) else {
                bail!("{}: {name}: a window is not [start, end]", wpath.display());
            };
            let (a, b) = (parse_time(a)?, parse_time(b)?);
            let first = times.partition_point(|&t| t < a);
            let last = times.partition_point(|&t| t <= b);
            if last > first {
                rows.push((first, last - 1));
            }
        }
        out.push(Entry { path, labelled: Labelled { name: name.clone(), times, windows: rows } });
    }
    out.sort_by(|a, b| a.labelled.name.cmp(&b.labelled.name));
    Ok(out)
}

/// NAB's timestamps: `2014-04-10 07:15:00` with optional fractions, naive UTC.
pub fn parse_time(s: &str) -> Result<i64> {
    let t = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f").with_context(|| format!("not a NAB timestamp: {s}"))?;
    Ok(t.and_utc().timestamp())
}

fn read_times(path: &Path) -> Result<Vec<i64>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut times = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let Some(ts) = line.split(',').next().filter(|s| !s.trim().is_empty()) else { continue };
        times.push(parse_time(ts).with_context(|| format!("{}:{}", path.display(), i + 1))?);
    }
    if times.windows(2).any(|w| w[1] < w[0]) {
        bail!("{}: rows are not in time order", path.display());
    }
    Ok(times)
}
