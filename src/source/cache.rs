//! The pull cache of the server sources (Prometheus, CloudWatch): what was pulled for each metric (a
//! Parquet file of its samples and a JSON list of the ranges they cover), so reopening a workspace is
//! instant and works offline, and only what is missing is pulled again.

use std::collections::BTreeMap;
use std::path::Path;

use chrono_tz::Tz;
use serde::Deserialize;

use crate::config::Metric;
use crate::source::file;

/// `window` minus the `covered` ranges (both half-open).
pub(crate) fn missing(window: (i64, i64), covered: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut at = window.0;
    let mut cov: Vec<(i64, i64)> = covered.iter().copied().filter(|(a, b)| b > a).collect();
    cov.sort();
    for (a, b) in cov {
        if b <= at {
            continue;
        }
        if a >= window.1 {
            break;
        }
        if a > at {
            out.push((at, a.min(window.1)));
        }
        at = at.max(b);
    }
    if at < window.1 {
        out.push((at, window.1));
    }
    out
}

/// The union of half-open ranges, sorted and merged.
pub(crate) fn union(mut ranges: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    ranges.retain(|(a, b)| b > a);
    ranges.sort();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The instances of a metric inside the window (unnamed, or named by label); None when none of them has a
/// finite sample there.
pub(crate) fn instances_in(c: Cached, w: crate::source::Window) -> Option<crate::source::Instances> {
    let inst: crate::source::Instances = c
        .series
        .into_iter()
        .filter_map(|(name, points)| {
            let mut raw = crate::series::RawSeries::default();
            for (t, v) in points.range(w.start..w.end) {
                raw.push(*t as f64, *v);
            }
            (!raw.is_empty()).then_some((name, raw))
        })
        .collect();
    (!inst.iter().all(|(_, r)| r.last_time().is_none())).then_some(inst)
}

/// A pulled range this close to the time it was pulled may still be filling in; `refresh` pulls it again.
pub(crate) const SETTLE_SECS: i64 = 15 * 60;

/// "between 2026-11-02 00:00 and 2026-11-16 00:00 (UTC)": a pull's window, for "no data" messages.
pub(crate) fn window_text(w: crate::source::Window) -> String {
    let when = |t: i64| crate::time::utc(t).format("%Y-%m-%d %H:%M");
    format!("between {} and {} (UTC)", when(w.start), when(w.end))
}

/// A metric's cached samples and which ranges they cover.
#[derive(Debug, Default)]
pub(crate) struct Cached {
    pub(crate) covered: Vec<(i64, i64)>,
    /// Unix time up to which the covered data had settled when it was pulled.
    pub(crate) settled: i64,
    pub(crate) series: BTreeMap<Option<String>, BTreeMap<i64, f64>>,
}

#[derive(serde::Serialize, Deserialize)]
pub(crate) struct CacheMeta {
    url: String,
    query: String,
    step: i64,
    covered: Vec<(i64, i64)>,
    settled: i64,
}

/// Cache file stem of a metric: its id (readable) and a hash of what decides its data.
/// `server` names where the data comes from (an address, a region and profile).
pub(crate) fn cache_stem(server: &str, m: &Metric, query: &str, instance: Option<&str>, step: i64) -> String {
    let key = format!("{server}\n{query}\n{}\n{step}", instance.unwrap_or(""));
    let hash = crate::paths::stable_hash(&key);
    let id: String = m.id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    format!("{id}-{hash:016x}")
}

impl Cached {
    /// A metric's cache in `dir` (empty when there is none or no cache folder) and the ranges of `w` it still
    /// lacks; with `refresh`, also what was cached while it was still settling.
    pub(crate) fn open(dir: Option<&Path>, stem: &str, w: crate::source::Window, refresh: bool) -> (Cached, Vec<(i64, i64)>) {
        let c = dir.and_then(|d| read_cache(d, stem, w.step)).unwrap_or_default();
        let covered: Vec<(i64, i64)> = if refresh {
            // Settled up to the last grid point of this window's grid (not of the epoch's: a grid in a
            // zone like +05:30 is not a multiple of an hour from 1970).
            let settled = c.settled - (c.settled - w.start).rem_euclid(w.step);
            c.covered.iter().map(|&(a, b)| (a, b.min(settled))).collect()
        } else {
            c.covered.clone()
        };
        let need = missing((w.start, w.end), &covered);
        (c, need)
    }

    /// The cache now also covers `ranges`, pulled at `now` (settled up to a little before it).
    pub(crate) fn cover(&mut self, ranges: impl IntoIterator<Item = (i64, i64)>, now: i64) {
        self.covered.extend(ranges);
        self.covered = union(std::mem::take(&mut self.covered));
        self.settled = now - SETTLE_SECS;
    }
}

pub(crate) fn read_cache(dir: &Path, stem: &str, step: i64) -> Option<Cached> {
    let meta: CacheMeta = serde_json::from_slice(&std::fs::read(dir.join(format!("{stem}.json"))).ok()?).ok()?;
    if meta.step != step {
        return None;
    }
    let data = file::read_file(&dir.join(format!("{stem}.parquet")), &Tz::UTC).ok()?;
    let mut series: BTreeMap<Option<String>, BTreeMap<i64, f64>> = BTreeMap::new();
    for ((_, inst), raw) in data.series {
        let s = series.entry(inst).or_default();
        for (t, v) in raw.times.iter().zip(&raw.values) {
            s.insert(t.round() as i64, *v);
        }
    }
    Some(Cached { covered: meta.covered, settled: meta.settled, series })
}

/// Write a metric's cache: the data first, then the list of covered ranges (each file written whole or
/// not at all by [`crate::atomic`], so a crash leaves the old cache or the new one, never half of one).
pub(crate) fn write_cache(dir: &Path, stem: &str, server: &str, query: &str, step: i64, c: &Cached) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut rows = file::LongRows::default();
    for (inst, points) in &c.series {
        for (t, v) in points {
            rows.push(*t, "cache", inst.as_deref(), *v);
        }
    }
    if rows.values.is_empty() {
        rows.push(c.covered.first().map(|r| r.0).unwrap_or(0), "cache", None, f64::NAN);
    }
    let data = dir.join(format!("{stem}.parquet"));
    crate::atomic::write_with(&data, |tmp| file::write_long_parquet(tmp, rows)).map_err(|e| e.to_string())?;
    let meta = CacheMeta { url: server.to_string(), query: query.to_string(), step, covered: c.covered.clone(), settled: c.settled };
    let text = serde_json::to_vec_pretty(&meta).map_err(|e| e.to_string())?;
    let json = dir.join(format!("{stem}.json"));
    crate::atomic::write(&json, &text).map_err(|e| format!("cannot write {}: {e}", json.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn missing_ranges_are_the_window_minus_what_is_cached() {
        type Case<'a> = ((i64, i64), &'a [(i64, i64)], &'a [(i64, i64)]);
        let cases: &[Case] = &[
            ((0, 100), &[], &[(0, 100)]),
            ((0, 100), &[(0, 100)], &[]),
            ((0, 100), &[(-50, 200)], &[]),
            ((0, 100), &[(0, 40)], &[(40, 100)]),
            ((0, 100), &[(60, 100)], &[(0, 60)]),
            ((0, 100), &[(20, 40), (60, 80)], &[(0, 20), (40, 60), (80, 100)]),
            ((0, 100), &[(60, 80), (20, 40)], &[(0, 20), (40, 60), (80, 100)]),
            ((0, 100), &[(20, 50), (40, 70)], &[(0, 20), (70, 100)]),
            ((0, 100), &[(200, 300)], &[(0, 100)]),
        ];
        for (w, cov, want) in cases {
            assert_eq!(missing(*w, cov), want.to_vec(), "{w:?} minus {cov:?}");
        }
        assert_eq!(union(vec![(5, 9), (0, 3), (3, 5), (20, 30), (25, 26)]), vec![(0, 9), (20, 30)]);
    }
}
