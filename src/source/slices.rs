//! Metric files read a slice at a time, so a review of thousands of series holds one slice of a file — a
//! few row groups of a Parquet file, or a chunk of a CSV file's text — instead of the whole fleet.
//!
//! A slice hands over only *complete* series: the rows of one series key are expected together (as
//! exporters and Flywheel's own writers lay them out), and the series still open at the end of a slice is
//! carried into the next. A file whose keys come back after other keys ([`Sliced::Interleaved`]) cannot be
//! read this way: the caller reads it whole ([`super::file::read_file`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono_tz::Tz;
use polars::prelude::*;

use super::file::{self, FileData, Format};
use super::{Instances, SourceError};

/// About this many rows per Parquet slice (whole row groups are taken until it is reached).
pub const SLICE_ROWS: usize = 1_000_000;

/// How reading a file in slices ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Sliced {
    /// Every slice was handed over; the file has this many rows, and these columns of a wide file could not
    /// be read (each its series' error; the file's other series were handed over).
    Done { rows: usize, broken: Vec<SourceError> },
    /// The receiver asked to stop.
    Stopped,
    /// A series key came back after other keys: the file must be read whole.
    Interleaved,
}

/// Complete series of one slice: each key with its instances (sorted by label, the unnamed one first;
/// a bare `timestamp,value` file's single series has the unnamed label).
pub type Complete = Vec<(String, Instances)>;

/// Read `path` slice by slice, handing complete series to `sink` (which returns `false` to stop).
pub fn read_slices(path: &Path, tz: &Tz, slice_rows: usize, sink: &mut dyn FnMut(Complete, bool) -> bool) -> Result<Sliced, SourceError> {
    file::check_file(path)?;
    let mut state = State::default();
    match file::format_of(path)? {
        Format::Csv => {
            // Chunks of text (16 bytes a row of the slice: 16 MB for a million), each handing over the series it
            // completes; the series still open after the last is handed over at the end.
            let (mut bare, mut end) = (false, None);
            file::read_csv_chunks(path, slice_rows.saturating_mul(16), tz, &mut |data| {
                bare = data.bare;
                state.rows += data.rows;
                end = match state.take(data, false) {
                    None => Some(Sliced::Interleaved),
                    Some((complete, b)) => (!sink(complete, b)).then_some(Sliced::Stopped),
                };
                end.is_none()
            })?;
            if let Some(end) = end {
                return Ok(end);
            }
            let rest = FileData { bare, ..FileData::default() };
            match state.take(rest, true) {
                None => return Ok(Sliced::Interleaved),
                Some((complete, b)) => {
                    if !complete.is_empty() && !sink(complete, b) {
                        return Ok(Sliced::Stopped);
                    }
                }
            }
        }
        Format::Parquet => {
            let md = file::parquet_guard(path, || {
                let mut reader = ParquetReader::new(file::open_parquet(path)?);
                file::check_parquet_schema(path, &mut reader)?;
                reader.get_metadata().cloned().map_err(|e| file::bad_parquet(path, file::polars_msg(&e)))
            })?;
            let sizes: Vec<usize> = md.row_groups.iter().map(|g| g.num_rows()).collect();
            let ranges = slice_ranges(&sizes, slice_rows);
            let last = ranges.len().saturating_sub(1);
            if ranges.is_empty() {
                return Err(SourceError::file(path, "the file has a header but no rows".into()));
            }
            for (k, (offset, len)) in ranges.into_iter().enumerate() {
                let df = file::parquet_guard(path, || {
                    let mut reader = ParquetReader::new(file::open_parquet(path)?);
                    reader.set_metadata(md.clone());
                    reader.with_slice(Some((offset, len))).finish().map_err(|e| file::bad_parquet(path, file::polars_msg(&e)))
                })?;
                let data = file::frame_to_series(path, &df, None, false, tz, None)?;
                drop(df);
                state.rows += data.rows;
                let Some((complete, bare)) = state.take(data, k == last) else { return Ok(Sliced::Interleaved) };
                if !sink(complete, bare) {
                    return Ok(Sliced::Stopped);
                }
            }
        }
    }
    Ok(Sliced::Done { rows: state.rows, broken: state.broken })
}

/// One series of a file (its instances), read slice by slice until it is complete.
pub fn read_series(path: &Path, tz: &Tz, key: &str) -> Result<Instances, SourceError> {
    let mut found: Option<Instances> = None;
    let mut keys: Vec<String> = Vec::new();
    let mut sink = |complete: Complete, bare: bool| {
        for (k, inst) in complete {
            if bare || k == key {
                found = Some(inst);
                return false;
            }
            keys.push(k);
        }
        true
    };
    if read_slices(path, tz, SLICE_ROWS, &mut sink)? == Sliced::Interleaved {
        read_whole(path, tz, &mut sink)?;
    }
    found.ok_or_else(|| {
        keys.sort();
        keys.dedup();
        super::no_such_series(path, key, &keys)
    })
}

/// The series keys of a data file opened as it is, read a slice at a time and sorted (`None` in the list
/// means a bare `timestamp,value` file: one series), so the file can be reviewed in batches like a workspace.
/// `None` for a file whose keys are interleaved (a CSV file sorted by time, a wide one of several chunks) or
/// that cannot be read: the caller reads those whole, which also says what is wrong with them.
/// `go_on` is asked after each slice (a user's Cancel): `None` when it said no.
pub fn list_keys(path: &Path, tz: &Tz, slice_rows: usize, go_on: &dyn Fn() -> bool) -> Option<Option<Vec<String>>> {
    file::format_of(path).ok()?;
    let mut keys = BTreeSet::new();
    let mut bare = false;
    // A bare file holds one series: its first slice says so, and the rest need not be read.
    let mut sink = |complete: Complete, b: bool| {
        bare |= b;
        keys.extend(complete.into_iter().map(|(k, _)| k));
        !bare && go_on()
    };
    match read_slices(path, tz, slice_rows, &mut sink) {
        Ok(Sliced::Done { .. } | Sliced::Stopped) if bare => Some(None),
        Ok(Sliced::Done { broken, .. }) if !keys.is_empty() || !broken.is_empty() => {
            // A wide file's column that could not be read is a metric too, with its error (as read whole).
            keys.extend(broken.into_iter().filter_map(|e| e.series));
            Some(Some(keys.into_iter().collect()))
        }
        _ => None,
    }
}

/// Read `path` whole and hand its series to `sink` as one slice (a CSV file, or a file whose keys are
/// interleaved).
pub fn read_whole(path: &Path, tz: &Tz, sink: &mut dyn FnMut(Complete, bool) -> bool) -> Result<Sliced, SourceError> {
    let data = file::read_file(path, tz)?;
    let rows = data.rows;
    let mut state = State::default();
    let (complete, bare) = state.take(data, true).unwrap_or_default();
    Ok(if sink(complete, bare) { Sliced::Done { rows, broken: state.broken } } else { Sliced::Stopped })
}

/// Rows `(offset, length)` of each slice: consecutive row groups until `slice_rows` is reached.
fn slice_ranges(sizes: &[usize], slice_rows: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut offset, mut len) = (0, 0);
    for &n in sizes {
        len += n;
        if len >= slice_rows.max(1) {
            out.push((offset, len));
            offset += len;
            len = 0;
        }
    }
    if len > 0 {
        out.push((offset, len));
    }
    out
}

/// What carries from one slice to the next.
#[derive(Default)]
struct State {
    /// The series whose rows may go on in the next slice.
    open: Option<FileData>,
    /// Keys already handed over.
    done: HashSet<String>,
    rows: usize,
    /// A wide file's columns that could not be read.
    broken: Vec<SourceError>,
}

impl State {
    /// The complete series of `data` (all of them on the `last` slice); `None` when a key handed over
    /// before comes back.
    fn take(&mut self, mut data: FileData, last: bool) -> Option<(Complete, bool)> {
        self.broken.extend(std::mem::take(&mut data.broken).into_values());
        if let Some(open) = self.open.take() {
            for (k, raw) in open.series {
                let mut merged = raw;
                if let Some(more) = data.series.remove(&k) {
                    merged.extend(more);
                }
                data.series.insert(k, merged);
            }
        }
        if data.series.keys().any(|(k, _)| self.done.contains(k)) {
            return None;
        }
        let bare = data.bare;
        let mut by_key: HashMap<String, Instances> = HashMap::new();
        let mut open = HashMap::new();
        for ((key, inst), raw) in data.series {
            if !last && data.last_key.as_deref() == Some(key.as_str()) {
                open.insert((key, inst), raw);
                continue;
            }
            by_key.entry(key).or_default().push((if bare { None } else { inst }, raw));
        }
        if !open.is_empty() {
            self.open = Some(FileData { series: open, bare, ..FileData::default() });
        }
        let mut complete: Complete = by_key.into_iter().collect();
        for (k, inst) in &mut complete {
            self.done.insert(k.clone());
            inst.sort_by(|a, b| a.0.cmp(&b.0));
        }
        complete.sort_by(|a, b| a.0.cmp(&b.0));
        Some((complete, bare))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::file::{write_long_parquet_batches, LongRows};

    #[test]
    fn slices_are_whole_row_groups() {
        for (sizes, rows, want) in [
            (vec![10, 10, 10], 15, vec![(0, 20), (20, 10)]),
            (vec![10, 10, 10], 10, vec![(0, 10), (10, 10), (20, 10)]),
            (vec![10, 10, 10], 1000, vec![(0, 30)]),
            (vec![], 10, vec![]),
        ] {
            assert_eq!(slice_ranges(&sizes, rows), want, "{sizes:?} by {rows}");
        }
    }

    fn rows(keys: &[(&str, Option<&str>)], points: i64) -> LongRows {
        let mut r = LongRows::default();
        for (k, inst) in keys {
            for i in 0..points {
                r.push(1_700_000_000 + i * 300, k, *inst, i as f64);
            }
        }
        r
    }

    /// Each key handed over, with its instances' labels and lengths.
    type Seen = Vec<(String, Vec<(Option<String>, usize)>)>;

    fn read(path: &Path, slice_rows: usize) -> (Sliced, Seen) {
        let mut got = Vec::new();
        let mut sink = |c: Complete, _bare: bool| {
            got.extend(c.into_iter().map(|(k, i)| (k, i.into_iter().map(|(n, r)| (n, r.len())).collect::<Vec<_>>())));
            true
        };
        let end = read_slices(path, &Tz::UTC, slice_rows, &mut sink).expect("read");
        (end, got)
    }

    #[test]
    fn a_series_split_across_slices_is_handed_over_once_and_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("m.parquet");
        // Row groups of 30 rows: `b` (two instances) straddles them.
        let batches = vec![
            Ok(rows(&[("a", Some("x"))], 20)),
            Ok(rows(&[("b", Some("x")), ("b", Some("y"))], 15)),
            Ok(rows(&[("b", Some("y"))], 5)),
            Ok(rows(&[("c", Some("x"))], 30)),
        ];
        write_long_parquet_batches(&path, batches.into_iter()).expect("write");
        for slice_rows in [1, 25, 1000] {
            let (end, got) = read(&path, slice_rows);
            assert_eq!(end, Sliced::Done { rows: 85, broken: vec![] }, "{slice_rows}");
            let x = || Some("x".to_string());
            let want = vec![
                ("a".to_string(), vec![(x(), 20)]),
                ("b".to_string(), vec![(x(), 15), (Some("y".to_string()), 20)]),
                ("c".to_string(), vec![(x(), 30)]),
            ];
            let mut sorted = got.clone();
            sorted.sort();
            assert_eq!(sorted, want, "slices of {slice_rows} rows");
            assert_eq!(got.len(), 3, "each key once");
        }
    }

    #[test]
    fn a_key_that_comes_back_asks_for_the_whole_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("m.parquet");
        let batches = vec![Ok(rows(&[("a", None)], 10)), Ok(rows(&[("b", None)], 10)), Ok(rows(&[("a", None)], 10))];
        write_long_parquet_batches(&path, batches.into_iter()).expect("write");
        assert_eq!(read(&path, 1).0, Sliced::Interleaved);
        assert_eq!(read(&path, 1000).0, Sliced::Done { rows: 30, broken: vec![] }, "one slice holds it all: nothing to carry");
    }

    #[test]
    fn a_file_with_one_column_per_series_is_read_whole_when_it_spans_slices() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("wide.parquet");
        let t: Vec<i64> = (0..30).map(|i| 1_794_178_800_000 + i * 300_000).collect();
        let v: Vec<f64> = (0..30).map(f64::from).collect();
        let mut df = df!("time" => t, "checkout" => v.clone(), "login" => v).expect("frame");
        let f = std::fs::File::create(&path).expect("create");
        ParquetWriter::new(f).with_row_group_size(Some(10)).finish(&mut df).expect("write");
        // Every slice holds every series: the second hands back keys already handed over.
        assert_eq!(read(&path, 10).0, Sliced::Interleaved);
        let (end, got) = read(&path, 1000);
        assert_eq!(end, Sliced::Done { rows: 30, broken: vec![] });
        assert_eq!(got, [("checkout".to_string(), vec![(None, 30)]), ("login".to_string(), vec![(None, 30)])]);
        assert_eq!(read_series(&path, &Tz::UTC, "login").expect("login").first().map(|i| i.1.len()), Some(30));
    }
}
