//! Data files opened as they are (one file, or a folder of exports without a `flywheel.toml`): each
//! file's series are metrics of their own, named by the file when two files share a name.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use super::{file, slices, stem, take_series, Loaded, MetricData, Progress};
use crate::config::{Metric, Source, Workspace};

/// The data files opened as they are: each file's series are metrics (a one-series file's named by the file).
/// An id two files share is told apart by the file: `stem/key`, or the file's name for a one-series file.
pub(super) fn load_files(ws: &Workspace, progress: &dyn Progress) -> Loaded {
    let n = ws.bare_files.len();
    progress.update("load", 0, n);
    let done = std::sync::atomic::AtomicUsize::new(0);
    // Files are read side by side, and kept in their (sorted) order.
    let each: Vec<Loaded> = ws
        .bare_files
        .par_iter()
        .map(|path| {
            let one = load_bare(ws, path);
            progress.update("load", done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, n);
            one
        })
        .collect();
    let mut all = Loaded { metrics: Vec::new(), rows: 0, pull: Default::default(), notes: Vec::new() };
    for one in each {
        all.rows += one.rows;
        all.metrics.extend(one.metrics);
    }
    let mut metrics: Vec<Metric> = all.metrics.iter().map(|m| m.metric.clone()).collect();
    tell_apart(&mut metrics);
    for (md, m) in all.metrics.iter_mut().zip(metrics) {
        md.metric = m;
    }
    all
}

/// The metrics of a folder of data files opened as they are, without keeping their data in memory: each
/// file's series keys listed (a Parquet file a slice at a time, a CSV file read and let go), named as
/// [`super::load_with`] names them, so that the folder can be reviewed in batches ([`crate::review::stream`])
/// with exactly the metrics of reading it whole. A file that cannot be read is one metric, whose error the
/// review reports when it reads the file.
pub fn list_bare_files(ws: &Workspace, progress: &dyn Progress) -> Vec<Metric> {
    let n = ws.bare_files.len();
    progress.update("list", 0, n);
    // A file per thread, a thread per core, taking the next file when done: reading files side by side on a
    // thread pool would not be bounded (a pool thread waiting on the decoder's pool takes up the next file).
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, n.max(1));
    let work = || {
        let mut mine = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if k >= n || progress.cancelled() {
                return mine;
            }
            mine.push((k, file_keys(&ws.bare_files[k], &ws.tz, progress)));
            progress.update("list", done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, n);
        }
    };
    let mut listed: Vec<(usize, Option<Vec<String>>)> = std::thread::scope(|s| {
        let workers: Vec<_> =
            (0..threads).filter_map(|_| std::thread::Builder::new().name("flywheel-list".into()).spawn_scoped(s, work).ok()).collect();
        // No thread could be started: this one lists them all.
        let here = if workers.is_empty() { work() } else { Vec::new() };
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).chain(here).collect()
    });
    listed.sort_by_key(|(k, _)| *k);
    // A file a failed thread did not list is one metric: reading it says what is wrong with it.
    let mut listed = listed.into_iter().peekable();
    let mut metrics = Vec::new();
    for (k, path) in ws.bare_files.iter().enumerate() {
        let keys = listed.next_if(|(at, _)| *at == k).and_then(|(_, keys)| keys);
        match keys {
            Some(keys) => metrics.extend(keys.iter().map(|key| Metric::bare(key, path, key))),
            None => metrics.push(Metric::bare(&stem(path), path, "")),
        }
    }
    tell_apart(&mut metrics);
    metrics
}

/// A data file's series keys, every one [`load_bare`] makes a metric of (a wide file's unreadable columns
/// too); `None` for a bare `timestamp,value` file or one that cannot be read.
fn file_keys(path: &Path, tz: &chrono_tz::Tz, progress: &dyn Progress) -> Option<Vec<String>> {
    if let Some(listed) = slices::list_keys(path, tz, slices::SLICE_ROWS, &|| !progress.cancelled()) {
        return listed;
    }
    // A file whose keys are interleaved, or one that fails: read whole, one at a time.
    match file::read_file(path, tz) {
        Ok(d) if !d.bare => Some(d.all_keys),
        _ => None,
    }
}

/// Metric ids two data files opened as they are share told apart by the file: `stem/key`, or the file's
/// name for a one-series file; what is still shared (`a.csv` and `a.parquet` holding the same key) is
/// numbered, so that every metric has its own id. A metric's name is its id (its sentences name it so).
fn tell_apart(metrics: &mut [Metric]) {
    let mut uses: HashMap<String, usize> = HashMap::new();
    for m in metrics.iter() {
        *uses.entry(m.id.clone()).or_default() += 1;
    }
    for m in metrics.iter_mut().filter(|m| uses[&m.id] > 1) {
        let Source::File { path, series } = &m.source else { continue };
        m.id = if series.is_empty() {
            path.file_name().map_or_else(|| m.id.clone(), |n| n.to_string_lossy().into_owned())
        } else {
            format!("{}/{series}", stem(path))
        };
        m.name = m.id.clone();
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for m in metrics.iter_mut() {
        let k = seen.entry(m.id.clone()).or_default();
        *k += 1;
        if *k > 1 {
            m.id = format!("{} #{k}", m.id);
            m.name = m.id.clone();
        }
    }
}

fn load_bare(ws: &Workspace, path: &Path) -> Loaded {
    let r = file::read_file(path, &ws.tz);
    match r {
        Err(e) => Loaded {
            metrics: vec![MetricData { metric: Metric::bare(&stem(path), path, ""), result: Err(e) }],
            rows: 0,
            pull: Default::default(),
            notes: Vec::new(),
        },
        Ok(mut d) => {
            let rows = d.rows;
            let mut metrics = Vec::new();
            if d.bare {
                let result = take_series(&mut d, path, "", true);
                metrics.push(MetricData { metric: Metric::bare(&stem(path), path, ""), result });
            } else {
                // Every key the file holds: its columns that could not be read are metrics too, each with its error.
                for key in d.all_keys.clone() {
                    let result = take_series(&mut d, path, &key, true);
                    metrics.push(MetricData { metric: Metric::bare(&key, path, &key), result });
                }
            }
            Loaded { metrics, rows, pull: Default::default(), notes: Vec::new() }
        }
    }
}
