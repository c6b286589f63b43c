//! CSV and Parquet metric files, read with polars into raw series keyed by (series, instance).
//!
//! Three layouts are accepted: **long** (`timestamp, series, value` plus an optional `instance` column),
//! **bare** (`timestamp, value`: one series) and **wide** (a time column and one column per series, named by
//! its header: what Grafana's "Download CSV" and spreadsheets write; `file::wide`). Column names are matched
//! case-insensitively with a few common aliases. Timestamps may be text (RFC 3339 / ISO 8601, naive ones read in the workspace's time
//! zone), epoch numbers (s, ms, µs or ns by magnitude), or Parquet date-times. Values that are empty, NaN
//! or ±∞ are missing; any other non-number is an error naming the line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use polars::prelude::*;

mod csv;

pub use super::columns::parse_value;
use super::columns::{self, label_col, TimeCol, ValueCol};
use super::SourceError;
use crate::series::RawSeries;
use crate::time;
pub(crate) use csv::{Lines, CHUNK_BYTES as CSV_CHUNK_BYTES};

/// Series key and optional instance label.
pub type SeriesKey = (String, Option<String>);

/// Everything one file holds.
#[derive(Debug, Default)]
pub struct FileData {
    pub series: HashMap<SeriesKey, RawSeries>,
    /// Every series key the file holds, sorted (kept when series are taken out, for messages).
    pub all_keys: Vec<String>,
    /// True when the file has no series column (a bare `timestamp,value` file).
    pub bare: bool,
    pub rows: usize,
    /// The series key of the last row (its rows may go on in the next slice of the file).
    pub last_key: Option<String>,
    /// A wide file's columns that could not be read, by series key: each is that series' error, and the
    /// file's other columns are read.
    pub broken: HashMap<String, SourceError>,
}

impl FileData {
    /// Add the series of the file's next chunk ([`read_csv_chunks`]) to those read so far. A wide file's column
    /// that could not be read in one chunk is its series' error for the whole file. `all_keys` is left to
    /// [`FileData::settle_keys`], once the last chunk is in.
    fn absorb(&mut self, mut next: FileData) {
        self.rows += next.rows;
        self.bare = next.bare;
        self.last_key = next.last_key.take();
        for (key, e) in next.broken.drain() {
            self.series.retain(|(k, _), _| *k != key);
            self.broken.entry(key).or_insert(e);
        }
        for (k, raw) in next.series {
            if !self.broken.contains_key(&k.0) {
                self.series.entry(k).or_default().extend(raw);
            }
        }
    }

    /// Every series key the file holds, sorted: those read and those of columns that could not be.
    fn settle_keys(&mut self) {
        self.all_keys = self.keys();
        self.all_keys.extend(self.broken.keys().cloned());
        self.all_keys.sort();
    }

    /// Distinct series keys, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut k: Vec<String> = self.series.keys().map(|(s, _)| s.clone()).collect();
        k.sort();
        k.dedup();
        k
    }
}

const TIME_NAMES: [&str; 7] = ["timestamp", "time", "ts", "datetime", "date", "t", "@timestamp"];
const VALUE_NAMES: [&str; 4] = ["value", "val", "y", "v"];
const SERIES_NAMES: [&str; 5] = ["series", "metric", "key", "name", "series_key"];
const INSTANCE_NAMES: [&str; 4] = ["instance", "host", "pod", "node"];

pub(crate) enum Format {
    Csv,
    Parquet,
}

pub(crate) fn format_of(path: &Path) -> Result<Format, SourceError> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" | "tsv" => Ok(Format::Csv),
        "parquet" | "pq" => Ok(Format::Parquet),
        _ => Err(SourceError::file(path, format!("unknown file type `.{ext}`: use .csv or .parquet"))),
    }
}

/// Read a metric file. `tz` is used for naive timestamps.
pub fn read_file(path: &Path, tz: &Tz) -> Result<FileData, SourceError> {
    check_file(path)?;
    match format_of(path)? {
        Format::Csv => {
            let mut all = FileData::default();
            read_csv_chunks(path, CSV_CHUNK_BYTES, tz, &mut |data| {
                all.absorb(data);
                true
            })?;
            all.settle_keys();
            Ok(all)
        }
        Format::Parquet => frame_to_series(path, &read_parquet(path)?, None, false, tz, None),
    }
}

/// The last two times of each series read so far (the later second), for reading a series on in the next
/// chunk of its file ([`second_passes`]).
pub(crate) type Tails = HashMap<SeriesKey, [Option<f64>; 2]>;

/// Read a CSV file a chunk of text at a time ([`csv::chunks`]; `usize::MAX`: at once), handing each chunk's
/// series to `each` (`false` stops). A series going on from one chunk to the next is read on from its last
/// times.
pub(crate) fn read_csv_chunks(path: &Path, chunk_bytes: usize, tz: &Tz, each: &mut dyn FnMut(FileData) -> bool) -> Result<(), SourceError> {
    let mut tails = Tails::new();
    csv::chunks(path, chunk_bytes, &mut |df, lines, decimal_comma| {
        let data = frame_to_series(path, &df, Some(&lines), decimal_comma, tz, Some(&tails))?;
        drop(df);
        for (k, raw) in &data.series {
            match tails.get_mut(k) {
                Some(tail) => *tail = last_two(*tail, &raw.times),
                None => {
                    tails.insert(k.clone(), last_two([None, None], &raw.times));
                }
            }
        }
        Ok(each(data))
    })
}

/// A data file must be a regular, non-empty file (a folder, a device or a FIFO is never read). Its size.
pub(crate) fn check_file(path: &Path) -> Result<u64, SourceError> {
    let meta = std::fs::metadata(path).map_err(|e| SourceError::file(path, format!("cannot open: {e}")))?;
    if meta.is_dir() {
        return Err(SourceError::file(path, "is a folder, not a data file".into()));
    }
    if !meta.is_file() {
        return Err(SourceError::file(path, "is not a regular file (a device, a FIFO or a socket is never read)".into()));
    }
    if meta.len() == 0 {
        return Err(SourceError::file(path, "the file is empty".into()));
    }
    Ok(meta.len())
}

/// Read a Parquet file after checking its schema: only text, numbers, booleans, dates and date-times
/// are read (other types — decimals, lists, structs — are refused by name before polars decodes them),
/// and a file polars cannot decode (a corrupted footer or page) is an error, never a crash.
fn read_parquet(path: &Path) -> Result<DataFrame, SourceError> {
    let decode = || -> Result<DataFrame, SourceError> {
        check_parquet_schema(path, &mut ParquetReader::new(open_parquet(path)?))?;
        ParquetReader::new(open_parquet(path)?).finish().map_err(|e| bad_parquet(path, polars_msg(&e)))
    };
    parquet_guard(path, decode)
}

pub(crate) fn open_parquet(path: &Path) -> Result<std::fs::File, SourceError> {
    std::fs::File::open(path).map_err(|e| SourceError::file(path, format!("cannot open: {e}")))
}

pub(crate) fn bad_parquet(path: &Path, m: String) -> SourceError {
    SourceError::file(path, format!("not a readable Parquet file: {m}"))
}

/// Run a Parquet decode: polars panics on some corrupted files instead of returning an error, so keep
/// that inside this file.
pub(crate) fn parquet_guard<T>(path: &Path, decode: impl FnOnce() -> Result<T, SourceError>) -> Result<T, SourceError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode))
        .unwrap_or_else(|_| Err(bad_parquet(path, "the file is corrupted".into())))
}

/// Only text, numbers, booleans, dates and date-times are read: other types (decimals, lists, structs)
/// are refused by name before polars decodes them.
pub(crate) fn check_parquet_schema(path: &Path, reader: &mut ParquetReader<std::fs::File>) -> Result<(), SourceError> {
    let schema = reader.schema().map_err(|e| bad_parquet(path, polars_msg(&e)))?;
    for (name, field) in schema.iter() {
        let dtype = field.dtype();
        let ok = matches!(dtype, ArrowDataType::Utf8 | ArrowDataType::LargeUtf8 | ArrowDataType::Utf8View | ArrowDataType::Boolean)
            || matches!(dtype, ArrowDataType::Date32 | ArrowDataType::Date64 | ArrowDataType::Timestamp(_, _))
            || dtype.is_numeric() && !matches!(dtype, ArrowDataType::Decimal(_, _) | ArrowDataType::Decimal256(_, _));
        if !ok {
            return Err(SourceError::file(
                path,
                format!("column `{name}` has Parquet type {dtype:?}, which Flywheel does not read; use numbers, text or date-times"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn polars_msg(e: &PolarsError) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// The time column of a frame: the one named as one, else the first.
pub(super) fn time_col(df: &DataFrame) -> Option<&Column> {
    find_col(df, &TIME_NAMES).or_else(|| df.columns().first())
}

/// The last two of `before` followed by `times` (the later second).
fn last_two(before: [Option<f64>; 2], times: &[f64]) -> [Option<f64>; 2] {
    match times {
        [] => before,
        [t] => [before[1], Some(*t)],
        [.., a, b] => [Some(*a), Some(*b)],
    }
}

fn find_col<'a>(df: &'a DataFrame, names: &[&str]) -> Option<&'a Column> {
    df.columns().iter().find(|c| names.iter().any(|n| c.name().eq_ignore_ascii_case(n)))
}

/// Where a row is, for messages: a file line for CSV, a row number for Parquet.
fn at(lines: Option<&Lines>, row: usize) -> Option<usize> {
    lines.map(|l| l.line(row))
}

/// The hour that happens twice as the clocks go back: a naive time in it reads as the earlier instant (the rule
/// for a cell alone, `time::local_to_utc`), but a series written in local time passes through that hour twice,
/// in order, so a row whose earlier reading goes back in time from the one before it in its series, and whose
/// later reading does not, is read as the later. The same time again is the second pass only where the series
/// was already an hour apart (hourly data); in finer data it is a repeated row (averaged later).
/// `times`: one series' times of the column's rows from `first_row` on; `before`: the series' last two times
/// before them.
pub(super) fn second_passes(
    times: &mut [f64],
    first_row: usize,
    col: &TimeCol,
    tz: &Tz,
    order: Option<time::DayOrder>,
    before: [Option<f64>; 2],
) {
    if !col.may_be_naive() {
        return;
    }
    let [mut prev2, mut prev] = before;
    for (i, t) in (first_row..).zip(times) {
        let second_pass = |p: f64| *t < p || (*t == p && prev2.is_some_and(|q| p - q >= 3600.0));
        if let Some(p) = prev.filter(|&p| second_pass(p)) {
            if let Some(later) = col.later_reading(i, tz, order).filter(|&l| l >= p) {
                *t = later;
            }
        }
        (prev2, prev) = (prev, Some(*t));
    }
}

/// The series of a decoded file: `lines` says where its rows are in the file (CSV; None for Parquet), and
/// `decimal_comma` reads a value like `12,5` as 12.5 (a semicolon-separated CSV file).
pub(crate) fn frame_to_series(
    path: &Path,
    df: &DataFrame,
    lines: Option<&Lines>,
    decimal_comma: bool,
    tz: &Tz,
    tails: Option<&Tails>,
) -> Result<FileData, SourceError> {
    let cols = df.columns();
    if df.height() == 0 {
        return Err(SourceError::file(path, "the file has a header but no rows".into()));
    }
    if cols.len() < 2 {
        return Err(SourceError::file(path, format!("needs at least two columns (timestamp and value), found {}", cols.len())));
    }
    let series_col = find_col(df, &SERIES_NAMES);
    let instance_col = find_col(df, &INSTANCE_NAMES);
    let Some(time_col) = time_col(df) else { return Err(SourceError::file(path, "the file has no columns".into())) };
    let value_col = match find_col(df, &VALUE_NAMES) {
        Some(c) => c,
        None if cols.len() == 2 => &cols[1],
        // A header row, and no column that names a series or an instance: one column per series.
        None if series_col.is_none() && instance_col.is_none() && !lines.is_some_and(Lines::headless) => {
            // Every column shares the time column: the latest tail is where the chunks before left it (a column
            // broken in one of them stopped earlier).
            let before = tails
                .and_then(|t| t.values().max_by(|a, b| a[1].unwrap_or(f64::NEG_INFINITY).total_cmp(&b[1].unwrap_or(f64::NEG_INFINITY))));
            let before = before.copied().unwrap_or_default();
            return wide::wide_to_series(path, df, time_col, lines, decimal_comma, tz, before);
        }
        None if lines.is_some_and(Lines::headless) => {
            return Err(SourceError::file(
                path,
                format!(
                    "{} columns and no header line: a file without one has two (timestamp, value); name the columns in a first line (`timestamp,series,value`, or `time` and one column per series)",
                    cols.len()
                ),
            ));
        }
        None => {
            let names: Vec<String> = cols.iter().map(|c| c.name().to_string()).collect();
            return Err(SourceError::file(path, format!("no `value` column (columns are: {})", names.join(", "))));
        }
    };
    // Columns are read row by row through iterators: a 12 M-row file is never copied into per-row
    // Rust strings or intermediate vectors, only into the raw series themselves.
    let times = TimeCol::new(time_col.as_materialized_series()).map_err(|m| SourceError {
        path: path.to_path_buf(),
        line: None,
        series: None,
        message: m,
    })?;
    let values = ValueCol::new(value_col.as_materialized_series(), decimal_comma).map_err(|m| SourceError {
        path: path.to_path_buf(),
        line: None,
        series: None,
        message: m,
    })?;
    let keys = label_col(series_col);
    let instances = label_col(instance_col);

    let mut data = FileData { bare: series_col.is_none(), rows: df.height(), ..FileData::default() };
    let default_key = super::stem(path);
    let bad = |row: usize, message: String| SourceError { path: path.to_path_buf(), line: at(lines, row), series: None, message };
    let rows = data.rows;
    // Timestamps and values are converted a column at a time; rows from `stop` on lack one of them (the
    // error is reported at `stop`, after that row's series cell, as a reader going row by row would).
    let col = times;
    let times = col.seconds(tz);
    let values = values.numbers();
    let stop = times.stop().min(values.stop());
    // Rows of one series are usually contiguous: only the rows whose series or instance cell differs byte
    // for byte from the row before are looked at (trimmed, and hashed when they name another series); the
    // rows between are copied into the current series whole.
    let mut starts = vec![0];
    for col in [&keys, &instances].into_iter().flatten() {
        columns::changes(col, &mut starts);
    }
    starts.sort_unstable();
    starts.dedup();
    let mut current: Option<SeriesKey> = None;
    let mut buf = RawSeries::default();
    // The first row not yet copied into `buf`.
    let mut run = 0;
    let mut copy = |buf: &mut RawSeries, to: usize, before: [Option<f64>; 2]| {
        let from = buf.times.len();
        buf.times.extend_from_slice(&times.numbers[run..to]);
        buf.values.extend_from_slice(&values.numbers[run..to]);
        second_passes(&mut buf.times[from..], run, &col, tz, times.order, before);
        run = to;
    };
    // A series' last two times before its next rows: in this frame, else where the chunks before left it.
    let last_times = |data: &FileData, k: &Option<SeriesKey>| {
        let Some(k) = k.as_ref() else { return [None, None] };
        let before = tails.and_then(|t| t.get(k)).copied().unwrap_or_default();
        last_two(before, data.series.get(k).map_or(&[][..], |s| &s.times[..]))
    };
    for &row in starts.iter().take_while(|&&r| r <= stop && r < rows) {
        let key = match &keys {
            Some(k) => k.get(row),
            None => Some(default_key.as_str()),
        };
        let key = key.map(str::trim).filter(|k| !k.is_empty()).ok_or_else(|| bad(row, "the series cell is empty".into()))?;
        let inst = instances.as_ref().and_then(|c| c.get(row)).map(str::trim).filter(|i| !i.is_empty());
        if !matches!(&current, Some((k, i)) if k == key && i.as_deref() == inst) {
            copy(&mut buf, row.min(stop), last_times(&data, &current));
            if let Some(k) = current.take() {
                data.series.entry(k).or_default().extend(std::mem::take(&mut buf));
            }
            current = Some((key.to_string(), inst.map(str::to_string)));
        }
    }
    if let Some((row, m)) = times.bad.iter().chain(&values.bad).find(|b| b.0 == stop) {
        return Err(bad(*row, m.clone()));
    }
    copy(&mut buf, rows, last_times(&data, &current));
    if let Some(k) = current {
        data.last_key = Some(k.0.clone());
        data.series.entry(k).or_default().extend(buf);
    }
    data.all_keys = data.keys();
    Ok(data)
}

impl RawSeries {
    pub(crate) fn extend(&mut self, other: RawSeries) {
        if self.is_empty() {
            *self = other;
        } else {
            self.times.extend(other.times);
            self.values.extend(other.values);
        }
    }
}

/// Write a long-format frame to Parquet (zstd). Used by the sample generator, the benchmark and tests.
pub fn write_long_parquet(path: &Path, rows: LongRows) -> Result<(), SourceError> {
    write_long_parquet_batches(path, std::iter::once(Ok(rows)))
}

/// Write long-format rows to Parquet batch by batch (one row group each), so a large file never has to
/// be in memory at once. Every batch must have the same columns as the first.
pub fn write_long_parquet_batches(path: &Path, batches: impl Iterator<Item = Result<LongRows, SourceError>>) -> Result<(), SourceError> {
    let f = std::fs::File::create(path).map_err(|e| SourceError::file(path, format!("cannot create: {e}")))?;
    let mut writer = None;
    let err = |e: PolarsError| SourceError::file(path, polars_msg(&e));
    for rows in batches {
        let rows = rows?;
        let mut cols = vec![
            Column::new("timestamp".into(), &rows.timestamps_ms),
            Column::new("series".into(), &rows.series),
            Column::new("value".into(), &rows.values),
        ];
        if rows.instances.iter().any(Option::is_some) {
            cols.push(Column::new("instance".into(), &rows.instances));
        }
        let df = DataFrame::new_infer_height(cols).map_err(err)?;
        if writer.is_none() {
            let w = ParquetWriter::new(f.try_clone().map_err(|e| SourceError::file(path, e.to_string()))?)
                .with_compression(ParquetCompression::Zstd(None));
            writer = Some(w.batched(df.schema()).map_err(err)?);
        }
        if let Some(w) = writer.as_mut() {
            w.write_batch(&df).map_err(err)?;
        }
    }
    match writer {
        Some(w) => w.finish().map(|_| ()).map_err(err),
        None => Err(SourceError::file(path, "nothing to write".into())),
    }
}

/// Rows of a long-format file, column by column.
#[derive(Debug, Default, Clone)]
pub struct LongRows {
    pub timestamps_ms: Vec<i64>,
    pub series: Vec<String>,
    pub instances: Vec<Option<String>>,
    pub values: Vec<f64>,
}

impl LongRows {
    pub fn push(&mut self, t_secs: i64, series: &str, instance: Option<&str>, v: f64) {
        self.timestamps_ms.push(t_secs * 1000);
        self.series.push(series.to_string());
        self.instances.push(instance.map(str::to_string));
        self.values.push(v);
    }
}

/// The path of a source file, resolved against the workspace root.
pub fn resolve(root: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

mod wide;

#[cfg(test)]
mod tests;
