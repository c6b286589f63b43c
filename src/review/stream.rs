//! Reviewing a workspace a batch of metrics at a time, so memory is bounded by a batch and not by the
//! fleet. Files are read a slice at a time ([`source::slices`]) by a reader thread, the next file read
//! ahead by its own (two files open at most), while the batches before are aligned and fitted; each
//! metric keeps only its review range.
//!
//! The range depends on all the data (where it ends, where it starts, the step), but fitting cannot wait
//! for all of it: the review fits on the range the data read so far points to (known after the first
//! slice), learns the real one as it reads ([`Scan`]), and when the two differ — data ending later in
//! another file, a series starting earlier — reads the files a second time on the right range. Either
//! way the result is exactly the review of [`Review::from_loaded`] over the same data.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::analysis::{Context, Params};
use crate::config::{Metric, Source, Workspace};
use crate::source::slices::{self, Complete, Sliced};
use crate::source::{self, file, Instances, LoadOptions, LoadStats, Note, Progress, SourceError, Window};

use super::fit::{self, Fitted};
use super::range::{self, Scan};
use super::spill::{self, Spill};
use super::{ms, no_data, Parts, RangeSpec, Review, ReviewError, SeriesFit};

/// The sizes of a review in batches.
#[derive(Debug, Clone, Copy)]
pub struct StreamOptions {
    /// Rows per slice of a Parquet file ([`slices::SLICE_ROWS`]).
    pub slice_rows: usize,
    /// Raw points aligned and fitted together (a batch ends after the series that reaches it).
    pub batch_points: usize,
    /// Bytes of metrics' arrays kept in memory; the arrays of the metrics past it go to the review's
    /// temporary file ([`spill`]).
    pub memory_budget: usize,
    /// Server metrics (Prometheus, CloudWatch) pulled together: each chunk is fitted while the next is
    /// pulled, so only about two chunks' raw data are held at once.
    pub pull_chunk: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { slice_rows: slices::SLICE_ROWS, batch_points: slices::SLICE_ROWS, memory_budget: 16 << 20, pull_chunk: 256 }
    }
}

/// A chunk of server metrics' results, by workspace index.
type Pulled = Vec<(usize, Result<Instances, SourceError>)>;

/// Pull the server metrics `which` (workspace indexes, in order) over `window` a chunk at a time on a
/// puller thread, handing each chunk's results to `on` on this thread while the next is pulled; `on`
/// returns false to stop. The sources' notes and what the pulls cost.
fn pull_chunks(
    ws: &Workspace,
    which: &[usize],
    window: Option<Window>,
    pull: &LoadOptions,
    progress: &dyn Progress,
    chunk: usize,
    on: &mut dyn FnMut(Pulled) -> bool,
) -> (Vec<Note>, LoadStats) {
    if which.is_empty() {
        return (Vec::new(), LoadStats::default());
    }
    let chunk = chunk.max(1);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Pulled>(1);
    std::thread::scope(|s| {
        let puller = s.spawn(move || {
            let (mut notes, mut stats) = (Vec::new(), LoadStats::default());
            for (n, part) in which.chunks(chunk).enumerate() {
                if progress.cancelled() {
                    break;
                }
                let metrics: Vec<&Metric> = part.iter().map(|&i| &ws.metrics[i]).collect();
                let scaled = ChunkProgress { inner: progress, before: n * chunk, len: part.len(), all: which.len() };
                let (mut got, more, cost) = source::pull_metrics(ws, &metrics, window, pull, &scaled);
                notes.extend(more);
                stats.add(cost);
                let results = part
                    .iter()
                    .map(|&i| {
                        let m = &ws.metrics[i];
                        (i, got.remove(&m.id).unwrap_or_else(|| Err(SourceError::file(&ws.origin, "was not pulled".into()))))
                    })
                    .collect();
                if tx.send(results).is_err() {
                    break;
                }
            }
            (notes, stats)
        });
        for results in rx.iter() {
            if !on(results) {
                break;
            }
        }
        drop(rx);
        puller.join().unwrap_or_default()
    })
}

/// A chunk's pull progress (requests) told as a share of all the server metrics.
struct ChunkProgress<'a> {
    inner: &'a dyn Progress,
    before: usize,
    len: usize,
    all: usize,
}

impl Progress for ChunkProgress<'_> {
    fn update(&self, stage: &str, done: usize, total: usize) {
        if stage == "pull" {
            self.inner.update(stage, self.before + done * self.len / total.max(1), self.all);
        } else {
            self.inner.update(stage, done, total);
        }
    }

    fn cancelled(&self) -> bool {
        self.inner.cancelled()
    }
}

/// One data file and the metrics that read it.
struct FileUse {
    path: PathBuf,
    /// Metric indexes by series key.
    by_key: HashMap<String, Vec<usize>>,
    /// Every metric index reading this file (a bare `timestamp,value` file serves any key).
    all: Vec<usize>,
    /// Its series keys are interleaved: it is read whole.
    whole: bool,
    failed: bool,
}

impl FileUse {
    fn users(&self, key: &str, bare: bool) -> &[usize] {
        if bare {
            &self.all
        } else {
            self.by_key.get(key).map(Vec::as_slice).unwrap_or(&[])
        }
    }

    /// Start reading the file's complete series on a reader thread of its own, slice by slice (or whole when
    /// its keys are interleaved); [`Reading::hand`] takes the slices while the reader decodes the next. Started
    /// before the file before it is done with, it decodes while that one's batches are fitted.
    fn start(&self, ws: &Workspace, opts: &StreamOptions) -> Reading {
        // Two slices may wait while a batch is fitted, so the reader keeps decoding.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Complete, bool)>(2);
        let (path, tz, whole, rows) = (self.path.clone(), ws.tz, self.whole, opts.slice_rows);
        let reader = std::thread::Builder::new().name("flywheel-read".into()).spawn(move || {
            // A send fails when the review stopped taking slices: the reader stops too.
            let mut send = |c: Complete, bare: bool| tx.send((c, bare)).is_ok();
            if whole {
                slices::read_whole(&path, &tz, &mut send)
            } else {
                slices::read_slices(&path, &tz, rows, &mut send)
            }
        });
        Reading { path: self.path.clone(), thread: reader.map(|reader| (rx, reader)).map_err(|e| e.to_string()) }
    }
}

/// A file being read on its reader thread (or why no thread could be started for it).
struct Reading {
    path: PathBuf,
    thread: Result<(Receiver<(Complete, bool)>, Reader), String>,
}

/// A file's reader thread: how reading it ended.
type Reader = JoinHandle<Result<Sliced, SourceError>>;

impl Reading {
    /// Hand the file's slices to `on` as they come; `on` returns false to stop (the reader then stops).
    fn hand(self, on: &mut dyn FnMut(Complete, bool) -> bool) -> Result<Sliced, SourceError> {
        let (rx, reader) = self.thread.map_err(|e| SourceError::file(&self.path, format!("cannot start a thread to read it: {e}")))?;
        let mut stopped = false;
        for (complete, bare) in rx.iter() {
            if !on(complete, bare) {
                stopped = true;
                break;
            }
        }
        drop(rx);
        let read = reader.join().unwrap_or_else(|_| Err(SourceError::file(&self.path, "reading the file failed unexpectedly".into())));
        if stopped {
            return Ok(Sliced::Stopped);
        }
        read
    }
}

/// Metrics waiting to be fitted on a range, fitted when they reach the batch's size.
struct Batch<'a> {
    ctx: Context,
    max_history: usize,
    limit: usize,
    on_aligned: &'a (dyn Fn() + Sync),
    waiting: Vec<(usize, Metric, Instances)>,
    points: usize,
    fitted: Fitted,
    /// Bytes of arrays kept in memory so far, the budget, and the file for the rest (made when first
    /// needed; `None` in it when it could not be made).
    kept: AtomicUsize,
    budget: usize,
    spill: OnceLock<Option<Arc<Spill>>>,
}

impl<'a> Batch<'a> {
    fn new(ctx: Context, ws: &Workspace, opts: &StreamOptions, on_aligned: &'a (dyn Fn() + Sync)) -> Batch<'a> {
        Batch {
            ctx,
            max_history: ws.history_weeks as usize,
            limit: opts.batch_points,
            on_aligned,
            waiting: Vec::new(),
            points: 0,
            fitted: Fitted::default(),
            kept: AtomicUsize::new(0),
            budget: opts.memory_budget,
            spill: OnceLock::new(),
        }
    }

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
        if batch.is_empty() {
            return;
        }
        let fitted = fit::fit_batch(&self.ctx, self.max_history, batch, self.on_aligned, &|s| self.keep(s));
        self.fitted.extend(fitted);
    }

    /// Keep a fitted metric's arrays in memory while the budget lasts, else move them into the temporary
    /// file — on the thread that fitted it, so writing the file is shared and overlaps the fitting (it was a
    /// tenth of the 10,000-series review on the one thread that also reads).
    fn keep(&self, s: &mut SeriesFit) {
        let bytes = spill::array_bytes(s);
        if self.kept.fetch_add(bytes, Ordering::Relaxed) + bytes <= self.budget {
            return;
        }
        self.kept.fetch_sub(bytes, Ordering::Relaxed);
        let file = self.spill.get_or_init(|| Spill::new().ok().map(Arc::new));
        // A temporary file that cannot be made or written leaves the arrays in memory.
        if file.as_ref().is_none_or(|sp| sp.put(s).is_err()) {
            self.kept.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// Forget what was given for these metrics (a file read again whole).
    fn forget(&mut self, metrics: &HashSet<usize>) {
        self.waiting.retain(|(i, _, _)| !metrics.contains(i));
        self.fitted.series.retain(|(i, _)| !metrics.contains(i));
        self.fitted.warnings.retain(|(i, _)| !metrics.contains(i));
    }

    fn finish(mut self) -> (Context, Fitted, Option<Arc<Spill>>) {
        self.flush();
        (self.ctx, self.fitted, self.spill.into_inner().flatten())
    }
}

/// Where the metrics of one pass go: held until a range is known, then into batches on it.
struct Sink<'a> {
    ws: &'a Workspace,
    range: RangeSpec,
    opts: &'a StreamOptions,
    on_aligned: &'a (dyn Fn() + Sync),
    /// Metrics given before any range was known.
    held: Vec<(usize, Metric, Instances)>,
    batch: Option<Batch<'a>>,
}

impl<'a> Sink<'a> {
    fn give(&mut self, i: usize, inst: Instances) {
        let m = self.ws.metrics[i].clone();
        match &mut self.batch {
            Some(b) => b.push(i, m, inst),
            None => self.held.push((i, m, inst)),
        }
    }

    /// Once the data read so far points to a range, fit what was held on it.
    fn settle(&mut self, scan: &Scan) {
        if self.batch.is_some() || !scan.has_data() {
            return;
        }
        let mut ws = self.ws.clone();
        if let Ok(Some((ctx, _))) = range::prepare(&mut ws, self.range, scan) {
            let mut b = Batch::new(ctx, self.ws, self.opts, self.on_aligned);
            for (i, m, inst) in self.held.drain(..) {
                b.push(i, m, inst);
            }
            self.batch = Some(b);
        }
    }

    fn forget(&mut self, metrics: &HashSet<usize>) {
        self.held.retain(|(i, _, _)| !metrics.contains(i));
        if let Some(b) = &mut self.batch {
            b.forget(metrics);
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

    let mut files: Vec<FileUse> = Vec::new();
    let mut at: HashMap<PathBuf, usize> = HashMap::new();
    let mut errors: Vec<(usize, Metric, SourceError)> = Vec::new();
    let mut servers: Vec<usize> = Vec::new();
    for (i, m) in ws.metrics.iter().enumerate() {
        match &m.source {
            Source::File { path, series } => {
                let path = file::resolve(&ws.root, path);
                let k = *at.entry(path.clone()).or_insert_with(|| {
                    files.push(FileUse { path, by_key: HashMap::new(), all: vec![], whole: false, failed: false });
                    files.len() - 1
                });
                files[k].by_key.entry(series.clone()).or_default().push(i);
                files[k].all.push(i);
            }
            Source::Prometheus { .. } | Source::CloudWatch(_) => servers.push(i),
        }
    }

    let done = AtomicUsize::new(0);
    let to_fit = AtomicUsize::new(ws.metrics.len());
    let aligned = || progress.update("align", done.fetch_add(1, Ordering::Relaxed) + 1, to_fit.load(Ordering::Relaxed));

    // The pass: learn where the data is, and fit on the range it points to so far.
    let mut scan = Scan::default();
    let mut sink = Sink { ws: &ws, range, opts, on_aligned: &aligned, held: Vec::new(), batch: None };
    // Server metrics as they are pulled, a chunk at a time.
    let (notes, mut pull_stats) = pull_chunks(&ws, &servers, window, pull, progress, opts.pull_chunk, &mut |results| {
        for (i, r) in results {
            match r {
                Ok(inst) => {
                    scan.add(&ws, i, &ws.metrics[i], &inst);
                    sink.give(i, inst);
                }
                Err(e) => errors.push((i, ws.metrics[i].clone(), e)),
            }
        }
        sink.settle(&scan);
        !progress.cancelled()
    });
    if progress.cancelled() {
        return Err(ReviewError::Cancelled);
    }
    let mut rows = 0usize;
    let total = files.len();
    progress.update("load", 0, total);
    // The next file is read ahead, on its own reader thread, while this one's batches are fitted: two files
    // open at most, and at most two slices of the next one waiting.
    let mut ahead: Option<Reading> = None;
    for n in 0..files.len() {
        if progress.cancelled() {
            return Err(ReviewError::Cancelled);
        }
        let reading = ahead.take().unwrap_or_else(|| files[n].start(&ws, opts));
        ahead = files.get(n + 1).map(|next| next.start(&ws, opts));
        let f = &mut files[n];
        let mut local = Scan::default();
        let mut keys = BTreeSet::new();
        let mut bare_file = false;
        let mut read = pass_file(f, reading, &ws, &scan, &mut local, &mut keys, &mut bare_file, &mut sink, progress);
        if read == Ok(Sliced::Interleaved) {
            // Its keys come back after others: forget what was given and read it whole.
            sink.forget(&f.all.iter().copied().collect());
            (local, keys) = (Scan::default(), BTreeSet::new());
            f.whole = true;
            let reading = f.start(&ws, opts);
            read = pass_file(f, reading, &ws, &scan, &mut local, &mut keys, &mut bare_file, &mut sink, progress);
        }
        match read {
            Ok(Sliced::Done { rows: r, broken }) => {
                rows += r;
                scan.merge(local);
                if !bare_file {
                    let keys: Vec<String> = keys.into_iter().collect();
                    for (key, users) in &f.by_key {
                        if keys.binary_search(key).is_err() {
                            // A wide file's column that could not be read says why; else the file has no such series.
                            let why = broken.iter().find(|e| e.series.as_ref() == Some(key)).cloned();
                            let why = why.unwrap_or_else(|| source::no_such_series(&f.path, key, &keys));
                            errors.extend(users.iter().map(|&i| (i, ws.metrics[i].clone(), why.clone())));
                        }
                    }
                }
            }
            read => {
                sink.forget(&f.all.iter().copied().collect());
                errors.extend(read_errors(f, &ws, &HashSet::new(), read)?);
                f.failed = true;
            }
        }
        progress.update("load", n + 1, total);
    }
    let first = sink.batch.take().map(Batch::finish);
    drop(sink);
    let Some((ctx, note)) = range::prepare(&mut ws, range, &scan)? else { return Err(no_data(&errors)) };
    let failed: HashSet<usize> = errors.iter().map(|(i, _, _)| *i).collect();
    to_fit.store(ws.metrics.len() - failed.len(), Ordering::Relaxed);
    let mut passes = 1;
    let (mut fitted, spill) = match first {
        Some((guess, f, spill)) if same_range(&guess, &ctx) => (f, spill),
        _ => {
            passes = 2;
            // The range moved once all the data was seen: fit again on the right one.
            done.store(0, Ordering::Relaxed);
            let mut batch = Batch::new(ctx.clone(), &ws, opts, &aligned);
            // Server metrics pulled again (from the pull cache when there is one).
            let again: Vec<usize> = servers.iter().copied().filter(|i| !failed.contains(i)).collect();
            let (_, cost) = pull_chunks(&ws, &again, window, pull, progress, opts.pull_chunk, &mut |results| {
                for (i, r) in results {
                    match r {
                        Ok(inst) => batch.push(i, ws.metrics[i].clone(), inst),
                        Err(e) => errors.push((i, ws.metrics[i].clone(), e)),
                    }
                }
                !progress.cancelled()
            });
            pull_stats.add(cost);
            // The next file read ahead again, as in the first pass.
            let again: Vec<&FileUse> = files.iter().filter(|f| !f.failed).collect();
            let mut ahead: Option<Reading> = None;
            for (n, f) in again.iter().enumerate() {
                if progress.cancelled() {
                    return Err(ReviewError::Cancelled);
                }
                let reading = ahead.take().unwrap_or_else(|| f.start(&ws, opts));
                ahead = again.get(n + 1).map(|next| next.start(&ws, opts));
                let mut on = |complete: Complete, bare: bool| {
                    for (key, inst) in complete {
                        give_users(f.users(&key, bare), &failed, inst, &mut |i, inst| batch.push(i, ws.metrics[i].clone(), inst));
                    }
                    !progress.cancelled()
                };
                let read = reading.hand(&mut on);
                errors.extend(read_errors(f, &ws, &failed, read)?);
            }
            let (_, fitted, spill) = batch.finish();
            (fitted, spill)
        }
    };
    if progress.cancelled() {
        return Err(ReviewError::Cancelled);
    }
    // A metric whose file failed in the second pass keeps only its error.
    let failed: HashSet<usize> = errors.iter().map(|(i, _, _)| *i).collect();
    fitted.series.retain(|(i, _)| !failed.contains(i));
    fitted.warnings.retain(|(i, _)| !failed.contains(i));
    let load_ms = (ms(started) - fitted.align_ms - fitted.baseline_ms).max(0.0);
    let parts = Parts { fitted, errors, scan, notes, rows, pull: pull_stats, spill };
    let mut review = Review::assemble(ws, ctx, note, parts, params, pull.clone());
    review.timings.load_ms = load_ms;
    review.passes = passes;
    Ok(review)
}

/// One file of the pass: its series scanned into `local` and given to the sink (a range is settled on
/// after each slice until there is one).
#[allow(clippy::too_many_arguments)]
fn pass_file(
    f: &FileUse,
    reading: Reading,
    ws: &Workspace,
    scan: &Scan,
    local: &mut Scan,
    keys: &mut BTreeSet<String>,
    bare_file: &mut bool,
    sink: &mut Sink,
    progress: &dyn Progress,
) -> Result<Sliced, SourceError> {
    let none = HashSet::new();
    let mut on = |complete: Complete, bare: bool| {
        *bare_file |= bare;
        for (key, inst) in complete {
            let users = f.users(&key, bare);
            for &i in users {
                local.add(ws, i, &ws.metrics[i], &inst);
            }
            give_users(users, &none, inst, &mut |i, inst| sink.give(i, inst));
            keys.insert(key);
        }
        if sink.batch.is_none() {
            let mut so_far = scan.clone();
            so_far.merge(local.clone());
            sink.settle(&so_far);
        }
        !progress.cancelled()
    };
    reading.hand(&mut on)
}

/// Give a series to each metric that reads it (copies for all but the last).
fn give_users(users: &[usize], skip: &HashSet<usize>, inst: Instances, give: &mut dyn FnMut(usize, Instances)) {
    let users: Vec<usize> = users.iter().copied().filter(|i| !skip.contains(i)).collect();
    if let Some((&last, rest)) = users.split_last() {
        for &i in rest {
            give(i, inst.clone());
        }
        give(last, inst);
    }
}

/// Whether two contexts are the same range on the same grid (so every fit on one is the fit on the other).
fn same_range(a: &Context, b: &Context) -> bool {
    a.grid == b.grid && a.review == b.review && a.history_weeks == b.history_weeks && a.tz == b.tz && a.week_starts == b.week_starts
}

/// What reading a file cost its metrics (those not `failed` already): nothing when it was read, its error
/// when it could not be, "changed" when its series came interleaved after being read in slices (the file
/// changed on disk between the passes). A stop asked for by the user stops the review.
fn read_errors(
    f: &FileUse,
    ws: &Workspace,
    failed: &HashSet<usize>,
    read: Result<Sliced, SourceError>,
) -> Result<Vec<(usize, Metric, SourceError)>, ReviewError> {
    let e = match read {
        Ok(Sliced::Done { .. }) => return Ok(Vec::new()),
        Ok(Sliced::Stopped) => return Err(ReviewError::Cancelled),
        Ok(Sliced::Interleaved) => SourceError::file(&f.path, "the file changed while it was being reviewed; review again".into()),
        Err(e) => e,
    };
    Ok(f.all.iter().filter(|i| !failed.contains(i)).map(|&i| (i, ws.metrics[i].clone(), e.clone())).collect())
}
