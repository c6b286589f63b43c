//! Wide metric files — a time column and one column per series, the way Grafana's "Download CSV" (series
//! joined by time) and spreadsheets lay several series side by side — read into the same raw series as a long
//! file: each column's header is its series key.
//!
//! A cell that is not a number is an error for the whole file naming its line and column, as in a long file;
//! an empty cell is a missing point of that column's series only.

use std::collections::HashSet;
use std::path::Path;

use chrono_tz::Tz;
use polars::prelude::*;

use super::{at, second_passes, FileData, SourceError};
use crate::series::RawSeries;
use crate::source::columns::{TimeCol, ValueCol};

/// The series of a wide frame: every column but `time_col` is one series, keyed by its trimmed header.
pub(super) fn wide_to_series(
    path: &Path,
    df: &DataFrame,
    time_col: &Column,
    first_line: Option<usize>,
    decimal_comma: bool,
    tz: &Tz,
) -> Result<FileData, SourceError> {
    let err = |row: Option<usize>, series: Option<&str>, message: String| SourceError {
        path: path.to_path_buf(),
        line: row.and_then(|r| at(first_line, r)),
        series: series.map(str::to_string),
        message,
    };
    let col = TimeCol::new(time_col.as_materialized_series()).map_err(|m| err(None, None, m))?;
    let converted = col.seconds(tz);
    // The first bad cell, by row, across the time column and every series' column.
    let mut first_bad: Option<(usize, Option<String>, String)> = converted.bad.clone().map(|(row, m)| (row, None, m));
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
        if let Some((row, m)) = values.bad {
            if first_bad.as_ref().is_none_or(|b| row < b.0) {
                first_bad = Some((row, Some(key.to_string()), m));
            }
        }
        columns.push((key.to_string(), values.numbers));
    }
    if let Some((row, series, m)) = first_bad {
        // A column of text from its first row is more likely a long file's series column under another name.
        let hint = if row == 0 && series.is_some() {
            "; every column but the time is a series of numbers here — a file with a column naming the series calls it `series` (or `metric`, `name`, `key`) and its numbers `value`"
        } else {
            ""
        };
        return Err(err(Some(row), series.as_deref(), format!("{m}{hint}")));
    }
    let mut times = converted.numbers;
    // Every column shares the time column, so the hour the clocks go back is read once for all of them.
    second_passes(&mut times, 0, &col, tz, converted.order, [None, None]);
    let mut data = FileData { bare: false, rows: df.height(), ..FileData::default() };
    for (key, values) in columns {
        data.series.insert((key, None), RawSeries { times: times.clone(), values });
    }
    data.all_keys = data.keys();
    Ok(data)
}
