//! The columns of a metric file turned into numbers a slice at a time: timestamps into Unix seconds and
//! values into `f64`, each in one pass over the column's arrays, so the row loop that splits a file into
//! series only compares series cells and copies runs of rows.

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use polars::prelude::*;

use super::file::polars_msg;
use crate::time::{self, DayOrder, EpochUnit};

/// A column converted up to its first bad cell: the numbers of the rows before it, and that row with what
/// is wrong (`None` when every row converted).
pub(super) struct Converted {
    pub numbers: Vec<f64>,
    pub bad: Option<(usize, String)>,
    /// The order of day and month of a text column's slashed dates ([`time::day_order`]).
    pub order: Option<DayOrder>,
}

impl Converted {
    /// The first row without a number (the column's length when there is none).
    pub fn stop(&self) -> usize {
        self.bad.as_ref().map_or(self.numbers.len(), |b| b.0)
    }
}

/// Collect `cells` (one per row) until the first error.
fn convert(rows: usize, cells: impl Iterator<Item = Result<f64, String>>) -> Converted {
    let mut numbers = Vec::with_capacity(rows);
    for c in cells {
        match c {
            Ok(x) => numbers.push(x),
            Err(m) => {
                let row = numbers.len();
                return Converted { numbers, bad: Some((row, m)), order: None };
            }
        }
    }
    Converted { numbers, bad: None, order: None }
}

/// A series or instance column as text (`None` when the frame has no such column or it cannot be text).
pub(super) fn label_col(col: Option<&Column>) -> Option<StringChunked> {
    let s = col?.as_materialized_series().cast(&DataType::String).ok()?;
    s.str().ok().cloned()
}

/// A timestamp column, ready to be converted.
pub(super) enum TimeCol {
    Text(StringChunked),
    /// Epoch numbers in a unit guessed from the first value.
    Float(Float64Chunked, EpochUnit),
    /// Integers per second: epoch integers (`naive == false`) or a date-time column (naive when it has no zone).
    Int(Int64Chunked, f64, bool),
    /// Days since the epoch (local midnight).
    Date(Int32Chunked),
}

impl TimeCol {
    pub fn new(s: &Series) -> Result<TimeCol, String> {
        let e = |e: PolarsError| polars_msg(&e);
        Ok(match s.dtype() {
            DataType::String => TimeCol::Text(s.str().map_err(e)?.clone()),
            DataType::Datetime(unit, zone) => {
                let per_sec = match unit {
                    TimeUnit::Milliseconds => 1e3,
                    TimeUnit::Microseconds => 1e6,
                    TimeUnit::Nanoseconds => 1e9,
                };
                TimeCol::Int(s.cast(&DataType::Int64).map_err(e)?.i64().map_err(e)?.clone(), per_sec, zone.is_none())
            }
            DataType::Date => TimeCol::Date(s.cast(&DataType::Int32).map_err(e)?.i32().map_err(e)?.clone()),
            DataType::Int64 => {
                let ca = s.i64().map_err(e)?.clone();
                let unit = ca.iter().flatten().next().map(|v| EpochUnit::guess(v as f64)).unwrap_or(EpochUnit::Seconds);
                TimeCol::Int(ca, unit.to_secs(1.0).recip(), false)
            }
            dt if dt.is_primitive_numeric() => {
                let ca = s.cast(&DataType::Float64).map_err(e)?.f64().map_err(e)?.clone();
                let unit = ca.iter().flatten().find(|v| v.is_finite()).map(EpochUnit::guess).unwrap_or(EpochUnit::Seconds);
                TimeCol::Float(ca, unit)
            }
            other => {
                return Err(format!("the timestamp column `{}` has type {other}; expected text, an epoch number or a date-time", s.name()))
            }
        })
    }

    /// Every row in Unix seconds, up to the first row that has none.
    pub fn seconds(&self, tz: &Tz) -> Converted {
        match self {
            TimeCol::Text(ca) => {
                // Dates written with slashes are day or month first for the whole column (a column whose first
                // cell is not one is not scanned for them: ISO and epoch files pay nothing).
                let slashed = ca.iter().flatten().next().is_some_and(|c| c.contains('/'));
                let (order, mixed) = match if slashed { time::day_order(ca.iter()) } else { Ok(None) } {
                    Ok(order) => (order, None),
                    Err((row, e)) => (None, Some((row, e.to_string()))),
                };
                let mut got = convert(
                    mixed.as_ref().map_or(ca.len(), |m| m.0),
                    ca.iter().take(mixed.as_ref().map_or(usize::MAX, |m| m.0)).map(|v| match v {
                        Some(v) => time::parse_timestamp_in(v, tz, order).map_err(|e| e.to_string()),
                        None => Err("the timestamp is empty".to_string()),
                    }),
                );
                if got.bad.is_none() {
                    got.bad = mixed;
                }
                got.order = order;
                got
            }
            TimeCol::Float(ca, unit) => convert(
                ca.len(),
                ca.iter().map(|v| match v {
                    Some(v) if v.is_finite() => time::in_range(unit.to_secs(v)).map_err(|e| e.to_string()),
                    _ => Err("the timestamp is empty or not finite".to_string()),
                }),
            ),
            TimeCol::Int(ca, per_sec, naive) => int_seconds(ca, *per_sec, naive.then_some(tz)),
            TimeCol::Date(ca) => convert(
                ca.len(),
                ca.iter().map(|v| {
                    let days = v.ok_or("the date is empty")?;
                    let date = NaiveDate::from_ymd_opt(1970, 1, 1).and_then(|d| d.checked_add_signed(chrono::Duration::days(days as i64)));
                    date.map(|d| time::local_midnight(tz, d) as f64).ok_or_else(|| format!("date {days} is out of range"))
                }),
            ),
        }
    }

    /// Whether the column can hold naive times (text, or date-times without a zone): only then can a row be in
    /// the hour that happens twice.
    pub fn may_be_naive(&self) -> bool {
        matches!(self, TimeCol::Text(_) | TimeCol::Int(_, _, true))
    }

    /// Row `i`'s later reading when it is a naive time in the hour that happens twice as the clocks go back
    /// ([`time::later_reading`]).
    pub fn later_reading(&self, i: usize, tz: &Tz, order: Option<DayOrder>) -> Option<f64> {
        match self {
            TimeCol::Text(ca) => ca.get(i).and_then(|c| time::later_reading(c, tz, order)),
            TimeCol::Int(ca, per_sec, true) => {
                let wall = DateTime::from_timestamp((ca.get(i)? as f64 / per_sec).floor() as i64, 0)?;
                time::later_reading_of(tz, &wall.naive_utc())
            }
            _ => None,
        }
    }
}

/// Integer timestamps (`per_sec` to a second) in Unix seconds; `naive`: read as wall-clock time in that zone.
/// One tight loop over each array's values (their validity asked only when the array has empty cells).
fn int_seconds(ca: &Int64Chunked, per_sec: f64, naive: Option<&Tz>) -> Converted {
    let mut numbers = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        let validity = arr.validity().filter(|b| b.unset_bits() > 0);
        for (j, &v) in arr.values().iter().enumerate() {
            let secs = match validity {
                Some(b) if !b.get_bit(j) => Err("the timestamp is empty".to_string()),
                _ => time::in_range(v as f64 / per_sec).map_err(|e| e.to_string()),
            };
            match secs {
                Ok(s) => numbers.push(naive.map_or(s, |tz| naive_secs_to_utc(s, tz))),
                Err(m) => {
                    let row = numbers.len();
                    return Converted { numbers, bad: Some((row, m)), order: None };
                }
            }
        }
    }
    Converted { numbers, bad: None, order: None }
}

/// A value column, ready to be converted: text (with a decimal comma or not), or numbers.
pub(super) enum ValueCol {
    Text(StringChunked, bool),
    Num(Float64Chunked),
}

impl ValueCol {
    pub fn new(s: &Series, decimal_comma: bool) -> Result<ValueCol, String> {
        let e = |e: PolarsError| polars_msg(&e);
        match s.dtype() {
            DataType::String => Ok(ValueCol::Text(s.str().map_err(e)?.clone(), decimal_comma)),
            dt if dt.is_primitive_numeric() || dt.is_bool() => {
                Ok(ValueCol::Num(s.cast(&DataType::Float64).map_err(e)?.f64().map_err(e)?.clone()))
            }
            other => Err(format!("the value column `{}` has type {other}; expected numbers", s.name())),
        }
    }

    /// Every row's value (an empty cell is NaN: missing), up to the first cell that is not a number.
    pub fn numbers(&self) -> Converted {
        match self {
            ValueCol::Text(ca, decimal_comma) => convert(
                ca.len(),
                ca.iter().map(|v| {
                    let v = v.unwrap_or_default();
                    let read = if *decimal_comma { parse_decimal_comma(v) } else { parse_value(v) };
                    read.ok_or_else(|| not_a_number(v))
                }),
            ),
            ValueCol::Num(ca) => {
                let mut numbers = Vec::with_capacity(ca.len());
                for arr in ca.downcast_iter() {
                    if arr.validity().is_none_or(|v| v.unset_bits() == 0) {
                        numbers.extend_from_slice(arr.values());
                    } else {
                        numbers.extend(arr.iter().map(|v| v.copied().unwrap_or(f64::NAN)));
                    }
                }
                Converted { numbers, bad: None, order: None }
            }
        }
    }
}

/// What is wrong with a value cell that is not a number. A number with a unit after it (`105 ms`, `45.2%`,
/// `1.23 K`) is what dashboards export as "formatted data": its unit may change from row to row (950 ms, then
/// 1.2 s), so it is not read, and the message says how to export plain numbers.
fn not_a_number(v: &str) -> String {
    let t = v.trim();
    let unsigned = t.trim_start_matches(['-', '+']);
    let digits = unsigned.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(0);
    let unit = unsigned[digits..].trim();
    let leads_with_number = digits > 0 && unsigned.starts_with(|c: char| c.is_ascii_digit());
    if leads_with_number
        && !unit.is_empty()
        && unit.chars().count() <= 8
        && unit.chars().all(|c| c.is_alphabetic() || c == '%' || c == '/' || c == 'µ')
    {
        format!("value `{t}` is not a number: it carries a unit (`{unit}`); export plain numbers (in Grafana, Download CSV with \"Formatted data\" off)")
    } else {
        format!("value `{v}` is not a number")
    }
}

/// A naive (zone-less) timestamp in seconds, read as wall-clock time in `tz`.
fn naive_secs_to_utc(v: f64, tz: &Tz) -> f64 {
    let whole = v.floor();
    match DateTime::from_timestamp(whole as i64, 0) {
        Some(dt) => time::local_to_utc(tz, &dt.naive_utc()) as f64 + (v - whole),
        None => v,
    }
}

/// A numeric cell: empty, `NaN`, `null`, `inf` and friends are missing (NaN); other text is an error.
pub fn parse_value(v: &str) -> Option<f64> {
    let t = v.trim();
    match t.to_ascii_lowercase().as_str() {
        "" | "nan" | "null" | "none" | "na" | "n/a" | "-" => return Some(f64::NAN),
        _ => {}
    }
    let x: f64 = t.parse().ok()?;
    Some(if x.is_finite() { x } else { f64::NAN })
}

/// A numeric cell written with a decimal comma (`12,5`, `-0,25`, `1e3`): one comma and no point; else as
/// [`parse_value`] reads it (a point is not taken as a thousands separator, nor is a comma with a point).
pub fn parse_decimal_comma(v: &str) -> Option<f64> {
    let t = v.trim();
    if t.matches(',').count() == 1 && !t.contains('.') {
        return parse_value(&t.replacen(',', ".", 1));
    }
    parse_value(t)
}

/// Add to `starts` every row (from 1) whose cell differs from the row before's: another text, or empty
/// where the row before is not. Two cells are the same when their views are (same length and inline bytes,
/// or the same place in a buffer — as dictionary-decoded Parquet repeats them), else when their text is.
pub(super) fn changes(ca: &StringChunked, starts: &mut Vec<usize>) {
    if ca.null_count() > 0 {
        // Empty cells (an error unless a file is broken): cell by cell.
        let mut prev = None;
        for (i, c) in ca.iter().enumerate() {
            if prev.is_some_and(|p| p != c) {
                starts.push(i);
            }
            prev = Some(c);
        }
        return;
    }
    let mut base = 0;
    let mut last: Option<&str> = None; // the previous chunk's last cell
    for arr in ca.downcast_iter() {
        let views = arr.views();
        if views.is_empty() {
            continue;
        }
        if last.is_some_and(|l| l != arr.value(0)) {
            starts.push(base);
        }
        for i in 1..views.len() {
            if views[i] != views[i - 1] && arr.value(i) != arr.value(i - 1) {
                starts.push(base + i);
            }
        }
        last = Some(arr.value(views.len() - 1));
        base += views.len();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;
    use crate::source::file::{frame_to_series, Lines, SeriesKey};

    /// Each series' times and values, or the bad row's line and message.
    type Split = Result<HashMap<SeriesKey, (Vec<f64>, Vec<f64>)>, (usize, String)>;

    /// What a reader going row by row makes of a frame: each series' points in row order, or the first bad
    /// row (a 1-based line from line 2) and its message — the series cell is checked before the timestamp.
    fn row_by_row(keys: &[Option<String>], insts: &[Option<String>], times: &[Option<i64>], values: &[Option<f64>]) -> Split {
        let mut out: HashMap<SeriesKey, (Vec<f64>, Vec<f64>)> = HashMap::new();
        for row in 0..keys.len() {
            let key =
                keys[row].as_deref().map(str::trim).filter(|k| !k.is_empty()).ok_or((row + 2, "the series cell is empty".to_string()))?;
            let inst = insts[row].as_deref().map(str::trim).filter(|i| !i.is_empty());
            let t = times[row].ok_or((row + 2, "the timestamp is empty".to_string()))?;
            let e = out.entry((key.to_string(), inst.map(str::to_string))).or_default();
            e.0.push(t as f64 / 1e3);
            e.1.push(values[row].unwrap_or(f64::NAN));
        }
        Ok(out)
    }

    #[test]
    fn a_value_with_a_unit_says_to_export_plain_numbers() {
        let unit = |u: &str| format!("it carries a unit (`{u}`)");
        for (cell, want) in [
            ("105 ms", Some(unit("ms"))),
            ("45.2%", Some(unit("%"))),
            ("-1.5 K", Some(unit("K"))),
            ("3 req/s", Some(unit("req/s"))),
            ("12 µs", Some(unit("µs"))),
            ("twelve", None),
            ("1,5", None),
            ("12 ms 3", None),
            ("ms 12", None),
            ("12 a very long unit", None),
        ] {
            let m = not_a_number(cell);
            assert!(m.starts_with(&format!("value `{cell}` is not a number")), "{cell}: {m}");
            match want {
                Some(w) => assert!(m.contains(&w) && m.contains("Formatted data"), "{cell}: {m}"),
                None => assert_eq!(m, format!("value `{cell}` is not a number"), "{cell}"),
            }
        }
    }

    #[test]
    fn splitting_a_frame_by_runs_gives_what_a_row_by_row_reader_gives() {
        // Short keys (inline views) and long ones (views into buffers, each row its own copy), padded
        // variants of one key, keys coming back, empty instances, in frames of several chunks; now and then
        // an empty series cell or timestamp.
        let names = [
            "a",
            " a",
            "a ",
            "b",
            "service-with-a-long-name/latency",
            "service-with-a-long-name/latency ",
            "service-with-a-long-name/errors",
            "",
        ];
        let mut rng = crate::synth::Rng::new(7);
        let mut errors = 0;
        for case in 0..300 {
            let (mut keys, mut insts, mut times, mut values) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut chunks = Vec::new();
            for _ in 0..1 + rng.below(4) {
                let start = keys.len();
                for _ in 0..rng.below(6) {
                    let key = match rng.below(40) {
                        0 => None,
                        1 => Some(names[7].to_string()),
                        _ => Some(names[rng.below(7)].to_string()),
                    };
                    let inst = match rng.below(3) {
                        0 => None,
                        1 => Some(format!("i{}", rng.below(2))),
                        _ => Some(format!("instance-number-{}", rng.below(2))),
                    };
                    for _ in 0..1 + rng.below(5) {
                        keys.push(key.clone());
                        insts.push(inst.clone());
                        times.push((rng.below(60) > 0).then(|| 1_762_000_000_000 + keys.len() as i64 * 300_000));
                        values.push((rng.below(10) > 0).then(|| rng.uniform()));
                    }
                }
                chunks.push(start..keys.len());
            }
            if keys.is_empty() {
                continue;
            }
            let frame = |r: std::ops::Range<usize>| {
                DataFrame::new_infer_height(vec![
                    Column::new("timestamp".into(), &times[r.clone()]),
                    Column::new("series".into(), &keys[r.clone()]),
                    Column::new("instance".into(), &insts[r.clone()]),
                    Column::new("value".into(), &values[r]),
                ])
                .expect("frame")
            };
            let mut df = frame(chunks[0].clone());
            for r in &chunks[1..] {
                df.vstack_mut(&frame(r.clone())).expect("vstack");
            }
            let got = frame_to_series(Path::new("f.csv"), &df, Some(&Lines::from(2)), false, &Tz::UTC, None)
                .map(|d| d.series.into_iter().map(|(k, s)| (k, (s.times, s.values))).collect::<HashMap<_, _>>())
                .map_err(|e| (e.line.unwrap_or(0), e.message));
            let want = row_by_row(&keys, &insts, &times, &values);
            errors += usize::from(want.is_err());
            // NaN != NaN: compare the values' bits.
            let bits = |r: Split| {
                r.map(|m| {
                    m.into_iter().map(|(k, (t, v))| (k, (t, v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()))).collect::<HashMap<_, _>>()
                })
            };
            assert_eq!(bits(got), bits(want), "case {case}: keys {keys:?} instances {insts:?} chunks {chunks:?}");
        }
        assert!(errors > 30, "only {errors} frames with a bad row");
    }
}
