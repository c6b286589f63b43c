//! Reviewing a workspace a batch of metrics at a time, so memory is bounded by a batch and not by the
//! fleet: a first pass over the files learns where the data is (the range, the step, the notes — see
//! [`Scan`]), a second aligns and fits the metrics batch by batch and keeps only the review range of each.
//! Files are read a slice at a time ([`source::slices`]), one file open at a time. A small workspace is
//! read once: what the first pass read is kept for the second while it fits in [`StreamOptions::keep_points`].
//!
//! The result is exactly the review of [`Review::from_loaded`] over the same data.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use crate::analysis::{Context, Params};
use crate::config::{Metric, Source, Workspace};
use crate::source::slices::{self, Complete, Sliced};
use crate::source::{self, file, Instances, LoadOptions, Progress, SourceError};

use super::fit::{self, Fitted};
use super::range::{self, Scan};
use super::{ms, no_data, Parts, RangeSpec, Review, ReviewError};

/// The sizes of a review in batches.
#[derive(Debug, Clone, Copy)]
pub struct StreamOptions {
    /// Rows per slice of a Parquet file ([`slices::SLICE_ROWS`]).
    pub slice_rows: usize,
    /// Raw points aligned and fitted together (a batch ends after the series that reaches it).
    pub batch_points: usize,
    /// Raw points the first pass may keep for the second instead of reading the files again.
    pub keep_points: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { slice_rows: slices::SLICE_ROWS, batch_points: 4_000_000, keep_points: 8_000_000 }
    }
}

/// One data file and the metrics that read it.
struct FileUse {
    path: PathBuf,
    /// Metric indexes by series key.
    by_key: HashMap<String, Vec<usize>>,
    /// Every metric index reading this file (a bare `timestamp,value` file serves any key).
    all: Vec<usize>,
    /// How the first pass could read it.
    read: Read,
    /// What the first pass kept for the second.
    kept: Option<(Complete, bool)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Read {
    Slices,
    Whole,
    Failed(SourceError),
}

impl FileUse {
    fn users(&self, key: &str, bare: bool) -> &[usize] {
        if bare {
            &self.all
        } else {
            self.by_key.get(key).map(Vec::as_slice).unwrap_or(&[])
        }
    }

    /// Read the file's complete series, slice by slice (or whole when its keys are interleaved).
    fn each(&self, ws: &Workspace, opts: &StreamOptions, sink: &mut dyn FnMut(Complete, bool) -> bool) -> Result<Sliced, SourceError> {
        match &self.read {
            Read::Failed(e) => Err(e.clone()),
            Read::Slices => slices::read_slices(&self.path, &ws.tz, opts.slice_rows, sink),
            Read::Whole => {
                let data = file::read_file(&self.path, &ws.tz)?;
                let rows = data.rows;
                let (complete, bare) = slices::complete_of(data);
                Ok(if sink(complete, bare) { Sliced::Done { rows } } else { Sliced::Stopped })
            }
        }
    }
}

/// Review `ws` a batch at a time (files in slices, server metrics as pulled).
pub fn run(
    mut ws: Workspace,
    range: RangeSpec,
    params: Params,
    pull: &LoadOptions,
    progress: &dyn Progress,
    opts: &StreamOptions,
) -> Result<Review, ReviewError> {
    let started = Instant::now();
    let pulls = ws.metrics.iter().any(|m| m.source.is_pulled());
    let (range, window) = if pulls { range::pull_window(&ws, range)? } else { (range, None) };
    let (mut pulled, notes, pull_stats) = source::pull_metrics(&ws, window, pull, progress);

    let mut files: Vec<FileUse> = Vec::new();
    let mut at: HashMap<PathBuf, usize> = HashMap::new();
    let mut errors: Vec<(usize, Metric, SourceError)> = Vec::new();
    let mut from_servers: Vec<(usize, Metric, Instances)> = Vec::new();
    for (i, m) in ws.metrics.iter().enumerate() {
        match &m.source {
            Source::File { path, series } => {
                let path = file::resolve(&ws.root, path);
                let k = *at.entry(path.clone()).or_insert_with(|| {
                    files.push(FileUse { path, by_key: HashMap::new(), all: vec![], read: Read::Slices, kept: None });
                    files.len() - 1
                });
                files[k].by_key.entry(series.clone()).or_default().push(i);
                files[k].all.push(i);
            }
            Source::Prometheus { .. } | Source::CloudWatch(_) => match pulled.remove(&m.id) {
                Some(Ok(inst)) => from_servers.push((i, m.clone(), inst)),
                Some(Err(e)) => errors.push((i, m.clone(), e)),
                None => errors.push((i, m.clone(), SourceError::file(&ws.origin, "was not pulled".into()))),
            },
        }
    }

    // First pass: where the data is.
    let mut scan = Scan::default();
    for (i, m, inst) in &from_servers {
        scan.add(&ws, *i, m, inst);
    }
    let mut kept_points = 0usize;
    let mut rows = 0usize;
    let total = files.len();
    progress.update("load", 0, total);
    for (n, f) in files.iter_mut().enumerate() {
        if progress.cancelled() {
            return Err(ReviewError::Cancelled);
        }
        let (mut local, mut keys, mut keep, mut keeping, mut bare_file) = (Scan::default(), BTreeSet::new(), Vec::new(), true, false);
        let mut sink = |complete: Complete, bare: bool| {
            bare_file |= bare;
            for (key, inst) in complete {
                let users = f.users(&key, bare);
                for &i in users {
                    local.add(&ws, i, &ws.metrics[i], &inst);
                }
                let points: usize = inst.iter().map(|(_, r)| r.len()).sum();
                keeping &= kept_points + points <= opts.keep_points;
                if keeping && !users.is_empty() {
                    kept_points += points;
                    keep.push((key.clone(), inst));
                }
                keys.insert(key);
            }
            !progress.cancelled()
        };
        let mut read = f.each(&ws, opts, &mut sink);
        if read == Ok(Sliced::Interleaved) {
            // Read it whole instead (what was kept of it is dropped: the whole file is read again later).
            f.read = Read::Whole;
            (local, keys, keep, keeping) = (Scan::default(), BTreeSet::new(), Vec::new(), false);
            let mut sink = |complete: Complete, bare: bool| {
                bare_file |= bare;
                for (key, inst) in complete {
                    for &i in f.users(&key, bare) {
                        local.add(&ws, i, &ws.metrics[i], &inst);
                    }
                    keys.insert(key);
                }
                true
            };
            read = f.each(&ws, opts, &mut sink);
        }
        match read {
            Ok(Sliced::Done { rows: r }) => {
                rows += r;
                scan.merge(local);
                if !bare_file {
                    let keys: Vec<String> = keys.into_iter().collect();
                    for (key, users) in &f.by_key {
                        if keys.binary_search(key).is_err() {
                            errors.extend(users.iter().map(|&i| (i, ws.metrics[i].clone(), source::no_such_series(&f.path, key, &keys))));
                        }
                    }
                }
                if keeping {
                    f.kept = Some((keep, bare_file));
                }
            }
            Ok(Sliced::Stopped) => return Err(ReviewError::Cancelled),
            Ok(Sliced::Interleaved) => changed_on_disk(f, &ws, &mut errors),
            Err(e) => {
                errors.extend(f.all.iter().map(|&i| (i, ws.metrics[i].clone(), e.clone())));
                f.read = Read::Failed(e);
            }
        }
        progress.update("load", n + 1, total);
    }
    let load_first_ms = ms(started);

    let Some((ctx, note)) = range::prepare(&mut ws, range, &scan)? else { return Err(no_data(&errors)) };

    // Second pass: align, fit and cut to the review range, a batch at a time.
    let t = Instant::now();
    let failed: std::collections::HashSet<usize> = errors.iter().map(|(i, _, _)| *i).collect();
    let to_fit = ws.metrics.len() - failed.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let aligned = || progress.update("align", done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, to_fit);
    let mut batch = Batch {
        ctx: &ctx,
        max_history: ws.history_weeks as usize,
        limit: opts.batch_points,
        on_aligned: &aligned,
        waiting: Vec::new(),
        points: 0,
        fitted: Fitted::default(),
    };
    for (i, m, inst) in from_servers {
        batch.push(i, m, inst);
    }
    for f in &mut files {
        if progress.cancelled() {
            return Err(ReviewError::Cancelled);
        }
        let kept = f.kept.take();
        let f = &*f;
        let hand = |complete: Complete, bare: bool, batch: &mut Batch| {
            for (key, inst) in complete {
                let users: Vec<usize> = f.users(&key, bare).iter().copied().filter(|i| !failed.contains(i)).collect();
                if let Some((&last, rest)) = users.split_last() {
                    for &i in rest {
                        batch.push(i, ws.metrics[i].clone(), inst.clone());
                    }
                    batch.push(last, ws.metrics[last].clone(), inst);
                }
            }
        };
        if let Some((kept, bare)) = kept {
            hand(kept, bare, &mut batch);
            continue;
        }
        if matches!(f.read, Read::Failed(_)) {
            continue;
        }
        let mut sink = |complete: Complete, bare: bool| {
            hand(complete, bare, &mut batch);
            !progress.cancelled()
        };
        match f.each(&ws, opts, &mut sink) {
            Ok(Sliced::Done { .. }) => {}
            Ok(Sliced::Stopped) => return Err(ReviewError::Cancelled),
            Ok(Sliced::Interleaved) => changed_on_disk(f, &ws, &mut errors),
            // The file could be read the first time, not the second: its metrics say why.
            Err(e) => errors.extend(f.all.iter().filter(|i| !failed.contains(i)).map(|&i| (i, ws.metrics[i].clone(), e.clone()))),
        }
    }
    let fitted = batch.finish();
    if progress.cancelled() {
        return Err(ReviewError::Cancelled);
    }
    // A metric whose file failed in the second pass after some of it was fitted keeps only its error.
    let failed_late: std::collections::HashSet<usize> = errors.iter().map(|(i, _, _)| *i).collect();
    let mut fitted = fitted;
    fitted.series.retain(|(i, _)| !failed_late.contains(i));
    fitted.warnings.retain(|(i, _)| !failed_late.contains(i));
    let second_ms = ms(t);
    let load_ms = load_first_ms + (second_ms - fitted.align_ms - fitted.baseline_ms).max(0.0);
    let parts = Parts { fitted, errors, scan, notes, rows, pull: pull_stats };
    let mut review = Review::assemble(ws, ctx, note, parts, params, pull.clone());
    review.timings.load_ms = load_ms;
    Ok(review)
}

/// A file read in slices the first time came back interleaved the second time: it changed on disk.
fn changed_on_disk(f: &FileUse, ws: &Workspace, errors: &mut Vec<(usize, Metric, SourceError)>) {
    let e = SourceError::file(&f.path, "the file changed while it was being reviewed; review again".into());
    let already: std::collections::HashSet<usize> = errors.iter().map(|(i, _, _)| *i).collect();
    errors.extend(f.all.iter().filter(|i| !already.contains(i)).map(|&i| (i, ws.metrics[i].clone(), e.clone())));
}

/// Metrics waiting to be fitted, fitted when they reach the batch's size.
struct Batch<'a> {
    ctx: &'a Context,
    max_history: usize,
    limit: usize,
    on_aligned: &'a (dyn Fn() + Sync),
    waiting: Vec<(usize, Metric, Instances)>,
    points: usize,
    fitted: Fitted,
}

impl<'a> Batch<'a> {
    fn push(&mut self, i: usize, m: Metric, inst: Instances) {
        self.points += inst.iter().map(|(_, r)| r.len()).sum::<usize>();
        self.waiting.push((i, m, inst));
        if self.points >= self.limit {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let batch = std::mem::take(&mut self.waiting);
        self.points = 0;
        if !batch.is_empty() {
            self.fitted.extend(fit::fit_batch(self.ctx, self.max_history, batch, self.on_aligned));
        }
    }

    fn finish(mut self) -> Fitted {
        self.flush();
        self.fitted
    }
}
