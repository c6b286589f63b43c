//! CSV metric files decoded a chunk of text at a time, so a file of millions of rows is never in memory as one
//! table of text cells (a 350 MB file took 939 MB read at once): each chunk — whole records, after the file's
//! header line — is decoded as a frame of its own, and where its rows are in the file is kept for messages
//! ([`Lines`]). The separator, the decimal comma, a `sep=` line, whether the file has a header, blank lines and
//! the first wrong line of a file polars refuses are this module's too.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use chrono_tz::Tz;
use polars::prelude::*;

use super::{polars_msg, time_col, SourceError};
use crate::time;

/// Bytes of text decoded at a time (whole records: a longer record is read whole).
pub(crate) const CHUNK_BYTES: usize = 16 << 20;

/// Where a frame's rows are in their CSV file, for messages: the line of the first row, and the blank lines
/// left out of the frame ([`without_blank_rows`]) counted back in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lines {
    first: usize,
    /// Per run of blank lines left out: the frame's first row after it, and how many were left out up to there.
    left_out: Vec<(usize, usize)>,
    /// The file has no header line.
    headless: bool,
    /// The frame's first row is the file's first.
    starts_file: bool,
}

impl Lines {
    /// The frame of a whole file whose first row is on line `first`, every line after it a row (a file
    /// without a header line when `first` is 1).
    pub(crate) fn from(first: usize) -> Lines {
        Lines { first, left_out: Vec::new(), headless: first == 1, starts_file: true }
    }

    /// The file line of the frame's row `row`.
    pub(super) fn line(&self, row: usize) -> usize {
        let i = self.left_out.partition_point(|&(r, _)| r <= row);
        self.first + row + i.checked_sub(1).map_or(0, |i| self.left_out[i].1)
    }

    /// Whether the file has no header line.
    pub(super) fn headless(&self) -> bool {
        self.headless
    }

    /// Whether the frame's row `row` is the file's first row.
    pub(super) fn file_start(&self, row: usize) -> bool {
        self.starts_file && row == 0
    }
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

/// Calls `each` with every chunk of the CSV file at `path`, decoded with every column as text (so a bad cell's
/// line can be named): its frame without blank rows, where its rows are in the file, and whether its numbers
/// have a decimal comma ([`separator`]). Chunks of about `chunk_bytes` of text (`usize::MAX`: the whole file at
/// once); a chunk of blank lines only is not handed over. `each` returns `false` to stop. A file whose first
/// row is data (no header) has none; a file of dates with slashes is decoded whole (which comes first, day or
/// month, is the whole column's to tell).
pub(crate) fn chunks(
    path: &Path,
    chunk_bytes: usize,
    each: &mut dyn FnMut(DataFrame, Lines, bool) -> Result<bool, SourceError>,
) -> Result<(), SourceError> {
    let (sep, skip) = separator(path);
    // A file separated by semicolons is what spreadsheets write where the comma is the decimal mark.
    let decimal_comma = sep == b';';
    let io = |e: std::io::Error| SourceError::file(path, format!("cannot read: {e}"));
    let mut reader = BufReader::new(std::fs::File::open(path).map_err(|e| SourceError::file(path, format!("cannot open: {e}")))?);
    let mut skipped = Vec::new();
    for _ in 0..skip {
        reader.read_until(b'\n', &mut skipped).map_err(io)?;
    }
    // Blank lines before the header are not the table's (as polars reads a file at once).
    let mut line = 1 + skip;
    let mut start = Vec::new();
    while reader.read_until(b'\n', &mut start).map_err(io)? > 0 && start.iter().all(u8::is_ascii_whitespace) {
        start.clear();
        line += 1;
    }
    let decode = |text: &[u8], header: bool| -> Result<DataFrame, SourceError> {
        CsvReadOptions::default()
            .with_has_header(header)
            .with_infer_schema_length(Some(0))
            .with_parse_options(CsvParseOptions::default().with_separator(sep))
            .into_reader_with_file_handle(Cursor::new(text))
            .finish()
            .map_err(|e| match csv_shape_error(path, sep, skip) {
                Some((line, message)) => SourceError { line: Some(line), ..SourceError::file(path, message) },
                None => SourceError::file(path, format!("not a readable CSV file: {}", polars_msg(&e))),
            })
    };
    let mut cutter = Cutter { reader, size: chunk_bytes.max(1), buf: start, eof: false };
    // The header line, before each chunk after the first (`line`: the file line of the chunk's first record).
    let (mut header, mut headless) = (Vec::new(), false);
    let mut any_rows = false;
    let mut first = true;
    while let Some((text, records)) = cutter.next().map_err(io)? {
        let (df, first_row) = if first {
            let df = decode(&text, true)?;
            let first_name = df.get_column_names().first().map(|s| s.to_string()).unwrap_or_default();
            // A first line that is a timestamp is data, not a header (a slashed date that does not tell its order
            // is one too: the column tells it).
            headless = matches!(time::parse_timestamp(&first_name, &Tz::UTC), Ok(_) | Err(time::TimeError::AmbiguousDate(_)));
            let df = if headless { decode(&text, false)? } else { df };
            if !headless {
                header = text[..text.iter().position(|&b| b == b'\n').map_or(text.len(), |i| i + 1)].to_vec();
            }
            (df, if headless { line } else { line + 1 })
        } else if headless {
            (decode(&text, false)?, line)
        } else {
            let mut with_header = Vec::with_capacity(header.len() + text.len());
            with_header.extend_from_slice(&header);
            with_header.extend_from_slice(&text);
            drop(text);
            (decode(&with_header, true)?, line)
        };
        let (df, mut lines) = without_blank_rows(df, first_row).map_err(|e| SourceError::file(path, polars_msg(&e)))?;
        // (Blank rows and chunks without rows are not handed over: the file's first row is in the first that is.)
        (lines.headless, lines.starts_file) = (headless, !any_rows);
        line += records;
        first = false;
        if df.height() == 0 {
            continue;
        }
        // The first rows say whether the dates have slashes: then the file is decoded whole (nothing was handed
        // over yet).
        if !any_rows && !cutter.done() && slashed(&df) {
            return chunks(path, usize::MAX, each);
        }
        any_rows = true;
        if !each(df, lines, decimal_comma)? {
            return Ok(());
        }
    }
    if first {
        return Err(SourceError::file(path, "the file holds only blank lines".into()));
    }
    if !any_rows {
        return Err(SourceError::file(path, "the file has a header but no rows".into()));
    }
    Ok(())
}

/// Whether a frame's time column holds dates written with slashes.
fn slashed(df: &DataFrame) -> bool {
    time_col(df).and_then(|c| c.str().ok().and_then(|ca| ca.iter().flatten().next().map(|c| c.contains('/')))).unwrap_or(false)
}

/// Whole records of a reader, about `size` bytes at a time: each chunk ends after a line end outside quotes
/// (the last may end without one), with how many such line ends it holds.
struct Cutter<R> {
    reader: R,
    size: usize,
    /// Read and not yet handed over.
    buf: Vec<u8>,
    /// The reader has nothing more.
    eof: bool,
}

impl<R: Read> Cutter<R> {
    fn next(&mut self) -> std::io::Result<Option<(Vec<u8>, usize)>> {
        let mut want = self.size;
        loop {
            let before = self.buf.len();
            if before < want {
                let more = (want - before).min(usize::MAX - before) as u64;
                (&mut self.reader).take(more).read_to_end(&mut self.buf)?;
            }
            let eof = self.buf.len() < want;
            self.eof |= eof;
            if self.buf.is_empty() {
                return Ok(None);
            }
            // The last line end outside quotes, and how many come up to it.
            let (mut in_quotes, mut cut, mut records, mut ends) = (false, None, 0, 0);
            for (i, &b) in self.buf.iter().enumerate() {
                match b {
                    b'"' => in_quotes = !in_quotes,
                    b'\n' if !in_quotes => {
                        ends += 1;
                        (cut, records) = (Some(i + 1), ends);
                    }
                    _ => {}
                }
            }
            if eof {
                let all = std::mem::take(&mut self.buf);
                let last = usize::from(all.last() != Some(&b'\n') && !in_quotes);
                return Ok(Some((all, ends + last)));
            }
            match cut {
                Some(cut) => {
                    let rest = self.buf.split_off(cut);
                    return Ok(Some((std::mem::replace(&mut self.buf, rest), records)));
                }
                // One record longer than a chunk: read on until it ends.
                None => want = want.saturating_mul(2),
            }
        }
    }

    /// Whether everything was read and handed over.
    fn done(&self) -> bool {
        self.eof && self.buf.is_empty()
    }
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
/// `skip` lines are not the table's. The file is read through, a record at a time.
fn csv_shape_error(path: &Path, sep: u8, skip: usize) -> Option<(usize, String)> {
    let mut reader = BufReader::new(std::fs::File::open(path).ok()?);
    let mut skipped = Vec::new();
    for _ in 0..skip {
        reader.read_until(b'\n', &mut skipped).ok()?;
    }
    // The header's number of fields, its text and how to name its line.
    let mut expected: Option<(usize, String, String)> = None;
    let mut open_quote_at = None;
    let (mut line_no, mut fields, mut in_quotes) = (1 + skip, 1usize, false);
    // The current record's bytes.
    let mut record: Vec<u8> = Vec::new();
    let mut block = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut block).ok()?;
        if n == 0 {
            break;
        }
        for &b in &block[..n] {
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
                    let Ok(text) = std::str::from_utf8(&record) else { return Some((line_no, "the line is not valid UTF-8 text".into())) };
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
                    record.clear();
                    continue;
                }
                _ => {}
            }
            record.push(b);
        }
    }
    if let Some(l) = open_quote_at.filter(|_| in_quotes) {
        return Some((l, "a quoted field opened here is never closed".into()));
    }
    if std::str::from_utf8(&record).is_err() {
        return Some((line_no, "the line is not valid UTF-8 text".into()));
    }
    match expected {
        Some((n, header, at)) if !record.iter().all(u8::is_ascii_whitespace) && fields != n => {
            Some((line_no, format!("{fields} fields where {at} `{header}` has {n}")))
        }
        _ => None,
    }
}
