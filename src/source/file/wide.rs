//! Wide metric files — a time column and one column per series, the way Grafana's "Download CSV" (series
//! joined by time) and spreadsheets lay several series side by side — read into the same raw series as a long
//! file: each column's header is its series key.
//!
//! A cell that is not a number is an error for its column's series, naming its line and column: the other
//! columns are read. The file's error instead, naming the first bad cell: a column of text from its first row
//! (most likely a long file's series column under another name), every column failing, a bad time. An empty
//! cell is a missing point of that column's series only.

use std::collections::HashSet;
use std::path::Path;

use chrono_tz::Tz;
use polars::prelude::*;

use super::{at, second_passes, FileData, Lines, SourceError};
use crate::series::RawSeries;
use crate::source::columns::{TimeCol, ValueCol};

/// The series of a wide frame: every column but `time_col` is one series, keyed by its trimmed header.
pub(super) fn wide_to_series(
    path: &Path,
    df: &DataFrame,
    time_col: &Column,
    lines: Option<&Lines>,
    decimal_comma: bool,
    tz: &Tz,
    before: [Option<f64>; 2],
) -> Result<FileData, SourceError> {
    let err = |row: Option<usize>, series: Option<&str>, message: String| SourceError {
        path: path.to_path_buf(),
        line: row.and_then(|r| at(lines, r)),
        series: series.map(str::to_string),
        message,
    };
    let col = TimeCol::new(time_col.as_materialized_series()).map_err(|m| err(None, None, m))?;
    let converted = col.seconds(tz);
    if let Some((row, m)) = converted.bad.clone() {
        return Err(err(Some(row), None, m));
    }
    // Each series' column, or its first bad cell (row, message).
    let mut broken: Vec<(usize, String, String)> = Vec::new();
    let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for c in df.columns().iter().filter(|c| c.name() != time_col.name()) {
        // The CSV reader keeps a quoted header's doubled quotes (`"cpu{job=""api""}"`): one is meant.
        let unquoted = c.name().replace("\"\"", "\"");
        let key = unquoted.trim();
        if key.is_empty() {
            return Err(err(None, None, "a column has no name in the first line: a file with one column per series names each".into()));
        }
        // The CSV reader names a header's second `a` `a_duplicated_0`: the name as written.
        let written = key.rsplit_once("_duplicated_").filter(|(_, n)| n.parse::<usize>().is_ok()).map_or(key, |(name, _)| name);
        if (written != key && seen.contains(written)) || seen.contains(key) {
            return Err(err(None, Some(written), format!("two columns are named `{written}`: each series' column needs its own name")));
        }
        seen.insert(key.to_string());
        let values = ValueCol::new(c.as_materialized_series(), decimal_comma).map_err(|m| err(None, Some(key), m))?.numbers();
        match values.bad {
            Some((row, m)) => broken.push((row, key.to_string(), m)),
            None => columns.push((key.to_string(), values.numbers)),
        }
    }
    // A column of text from its first row is more likely a long file's series column under another name: the
    // rest would be several series read as one, so the file is refused. So is a file whose every column fails.
    let file_start = |row: usize| lines.map_or(row == 0, |l| l.file_start(row));
    if columns.is_empty() || broken.iter().any(|b| file_start(b.0)) {
        if let Some((row, series, m)) = broken.iter().min_by_key(|b| b.0) {
            let hint = if file_start(*row) {
                "; every column but the time is a series of numbers here — a file with a column naming the series calls it `series` (or `metric`, `name`, `key`) and its numbers `value`"
            } else {
                ""
            };
            return Err(err(Some(*row), Some(series), format!("{m}{hint}")));
        }
    }
    let mut times = converted.numbers;
    // Every column shares the time column, so the hour the clocks go back is read once for all of them.
    second_passes(&mut times, 0, &col, tz, converted.order, before);
    let mut data = FileData { bare: false, rows: df.height(), ..FileData::default() };
    for (key, values) in columns {
        data.series.insert((key, None), RawSeries { times: times.clone(), values });
    }
    data.all_keys = data.keys();
    for (row, key, m) in broken {
        data.broken.insert(key.clone(), err(Some(row), Some(&key), m));
        data.all_keys.push(key);
    }
    data.all_keys.sort();
    Ok(data)
}
