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

pub use super::columns::parse_value;
use super::columns::{self, label_col, TimeCol, ValueCol};
use super::SourceError;
use crate::series::RawSeries;
use crate::time;

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
    let (df, lines, decimal_comma) = match format_of(path)? {
        Format::Csv => {
            let (df, lines, decimal_comma) = read_csv(path)?;
            (df, Some(lines), decimal_comma)
        }
        Format::Parquet => (read_parquet(path)?, None, false),
    };
    frame_to_series(path, &df, lines.as_ref(), decimal_comma, tz)
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

/// Reads every CSV column as text (so we can name the line of a bad cell). Returns the frame without its blank
/// rows ([`without_blank_rows`]), where its rows are in the file, and whether its numbers have a decimal comma
/// ([`separator`]). A file whose first row is data (no header) is read again without one.
fn read_csv(path: &Path) -> Result<(DataFrame, Lines, bool), SourceError> {
    let (sep, skip) = separator(path);
    // A file separated by semicolons is what spreadsheets write where the comma is the decimal mark.
    let decimal_comma = sep == b';';
    let read = |header: bool| -> Result<(DataFrame, Lines), SourceError> {
        CsvReadOptions::default()
            .with_has_header(header)
            .with_skip_lines(skip)
            .with_infer_schema_length(Some(0))
            .with_parse_options(CsvParseOptions::default().with_separator(sep))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish())
            .and_then(|df| without_blank_rows(df, if header { 2 + skip } else { 1 + skip }))
            .map_err(|e| match csv_shape_error(path, sep, skip) {
                Some((line, message)) => SourceError { line: Some(line), ..SourceError::file(path, message) },
                None => SourceError::file(path, format!("not a readable CSV file: {}", polars_msg(&e))),
            })
    };
    let (df, lines) = read(true)?;
    let first_name = df.get_column_names().first().map(|s| s.to_string()).unwrap_or_default();
    // A first line that is a timestamp is data, not a header (a slashed date that does not tell its order is
    // one too: the column tells it).
    if matches!(time::parse_timestamp(&first_name, &Tz::UTC), Ok(_) | Err(time::TimeError::AmbiguousDate(_))) {
        let (df, lines) = read(false)?;
        return Ok((df, lines, decimal_comma));
    }
    Ok((df, lines, decimal_comma))
}

/// The field separator of a CSV file: a tab for `.tsv`; a semicolon when its first line has one and no comma,
/// or every one of its first lines holds the same number of them (a spreadsheet's export where the comma is
/// the decimal mark, with a header or without); a tab when its first line has one and no comma; else a comma.
/// A first line `sep=;` (what exports "for Excel" write, Grafana's among them) names the separator and is
/// skipped: the number of lines to skip is the second answer.
fn separator(path: &Path) -> (u8, usize) {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv")) {
        return (b'\t', 0);
    }
    const HEAD: u64 = 8 * 1024;
    let mut head = Vec::with_capacity(HEAD as usize);
    let read = std::fs::File::open(path).and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, HEAD), &mut head));
    let Ok(n) = read else { return (b',', 0) };
    if let Some(sep) = excel_separator(&head) {
        return (sep, 1);
    }
    // Whole lines only: a line cut at the end of what was read would miscount.
    let whole = if n as u64 == HEAD { head.iter().rposition(|&b| b == b'\n').map_or(&head[..], |i| &head[..i]) } else { &head[..] };
    let lines: Vec<&[u8]> = whole.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).take(20).collect();
    let count = |l: &[u8], c: u8| l.iter().filter(|&&b| b == c).count();
    let steady = |c: u8| lines.first().is_some_and(|first| count(first, c) > 0 && lines.iter().all(|l| count(l, c) == count(first, c)));
    let first = |c: u8| lines.first().map_or(0, |l| count(l, c));
    let sep = if (first(b';') > 0 && first(b',') == 0) || steady(b';') {
        b';'
    } else if first(b',') == 0 && first(b'\t') > 0 {
        b'\t'
    } else {
        b','
    };
    (sep, 0)
}

/// The separator a first line `sep=X` names (after a byte-order mark, if any).
fn excel_separator(head: &[u8]) -> Option<u8> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let line = head.split(|&b| b == b'\n').next()?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match line {
        [s, e, p, b'=', sep] if [*s, *e, *p].eq_ignore_ascii_case(b"sep") && matches!(sep, b',' | b';' | b'\t' | b'|') => Some(*sep),
        _ => None,
    }
}

/// When polars refuses a CSV file, find the first line that is wrong and say what was expected: a
/// line that is not UTF-8, a row with more or fewer fields than the header, or a quote never closed. The first
/// `skip` lines are not the table's.
fn csv_shape_error(path: &Path, sep: u8, skip: usize) -> Option<(usize, String)> {
    let bytes = std::fs::read(path).ok()?;
    // The header's number of fields, its text and how to name its line.
    let mut expected: Option<(usize, String, String)> = None;
    let mut open_quote_at = None;
    let mut begin = 0;
    for _ in 0..skip {
        begin = bytes[begin..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| begin + p + 1);
    }
    let (mut line_no, mut fields, mut in_quotes, mut start) = (1 + skip, 1usize, false, begin);
    for (i, &b) in bytes.iter().enumerate().skip(begin) {
        match b {
            b'"' => {
                in_quotes = !in_quotes;
                if in_quotes {
                    open_quote_at.get_or_insert(line_no);
                } else {
                    open_quote_at = None;
                }
            }
            _ if b == sep && !in_quotes => fields += 1,
            b'\n' if !in_quotes => {
                let text = std::str::from_utf8(&bytes[start..i]);
                let Ok(text) = text else { return Some((line_no, "the line is not valid UTF-8 text".into())) };
                let blank = text.trim().is_empty();
                match &expected {
                    None if !blank => {
                        let at = if line_no == 1 { "the first line".to_string() } else { format!("line {line_no}") };
                        expected = Some((fields, text.trim_end_matches('\r').chars().take(80).collect(), at))
                    }
                    Some((n, header, at)) if !blank && fields != *n => {
                        return Some((
                            line_no,
                            format!("{} field{} where {at} `{header}` has {n}", fields, if fields == 1 { "" } else { "s" }),
                        ))
                    }
                    _ => {}
                }
                line_no += 1;
                fields = 1;
                start = i + 1;
            }
            _ => {}
        }
    }
    if let Some(l) = open_quote_at.filter(|_| in_quotes) {
        return Some((l, "a quoted field opened here is never closed".into()));
    }
    if std::str::from_utf8(&bytes[start..]).is_err() {
        return Some((line_no, "the line is not valid UTF-8 text".into()));
    }
    match expected {
        Some((n, header, at)) if start < bytes.len() && !bytes[start..].iter().all(u8::is_ascii_whitespace) && fields != n => {
            Some((line_no, format!("{fields} fields where {at} `{header}` has {n}")))
        }
        _ => None,
    }
}

pub(crate) fn polars_msg(e: &PolarsError) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

fn find_col<'a>(df: &'a DataFrame, names: &[&str]) -> Option<&'a Column> {
    df.columns().iter().find(|c| names.iter().any(|n| c.name().eq_ignore_ascii_case(n)))
}

/// Where a frame's rows are in their CSV file, for messages: the line of the first row, and the blank lines
/// left out of the frame ([`without_blank_rows`]) counted back in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lines {
    first: usize,
    /// Per run of blank lines left out: the frame's first row after it, and how many were left out up to there.
    left_out: Vec<(usize, usize)>,
}

impl Lines {
    /// The first row on file line `first`, every line after it a row.
    pub(crate) fn from(first: usize) -> Lines {
        Lines { first, left_out: Vec::new() }
    }

    /// The file line of the frame's row `row`.
    fn line(&self, row: usize) -> usize {
        let i = self.left_out.partition_point(|&(r, _)| r <= row);
        self.first + row + i.checked_sub(1).map_or(0, |i| self.left_out[i].1)
    }

    /// Whether the first row is the file's first line: the file has no header line.
    fn headless(&self) -> bool {
        self.first == 1
    }
}

/// Where a row is, for messages: a file line for CSV, a row number for Parquet.
fn at(lines: Option<&Lines>, row: usize) -> Option<usize> {
    lines.map(|l| l.line(row))
}

/// A CSV frame without its blank rows — blank lines, or rows of empty fields as spreadsheets write below a
/// table (both read as empty in every column) —, and where its rows are in the file (`first`: the line of its
/// first row). A row with a time or any value is kept.
fn without_blank_rows(df: DataFrame, first: usize) -> PolarsResult<(DataFrame, Lines)> {
    let mut lines = Lines::from(first);
    // A blank row is empty in every column: a column with no empty cell means there is none.
    let cols = df.columns();
    if cols.is_empty() || cols.iter().any(|c| c.null_count() == 0) {
        return Ok((df, lines));
    }
    let blank = cols[1..].iter().fold(cols[0].is_null(), |b, c| &b & &c.is_null());
    if !blank.any() {
        return Ok((df, lines));
    }
    let (mut kept, mut left) = (0, 0);
    for b in blank.iter() {
        if b == Some(true) {
            left += 1;
            match lines.left_out.last_mut() {
                Some(last) if last.0 == kept => last.1 = left,
                _ => lines.left_out.push((kept, left)),
            }
        } else {
            kept += 1;
        }
    }
    Ok((df.filter(&!&blank)?, lines))
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
    let time_col = find_col(df, &TIME_NAMES).unwrap_or(&cols[0]);
    let value_col = match find_col(df, &VALUE_NAMES) {
        Some(c) => c,
        None if cols.len() == 2 => &cols[1],
        // A header row, and no column that names a series or an instance: one column per series.
        None if series_col.is_none() && instance_col.is_none() && !lines.is_some_and(Lines::headless) => {
            return wide::wide_to_series(path, df, time_col, lines, decimal_comma, tz);
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
    let last_times = |data: &FileData, k: &Option<SeriesKey>| {
        let times = k.as_ref().and_then(|k| data.series.get(k)).map_or(&[][..], |s| &s.times[..]);
        [times.len().checked_sub(2).map(|i| times[i]), times.last().copied()]
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
