//! Ticket CSV exports (Jira, ServiceNow, PagerDuty, GitHub, or any CSV): which column is which field (each
//! tool's export headers as defaults, `columns = { … }` over them), in whatever encoding the tool wrote, with
//! every row that cannot be a ticket reported by its line and skipped.

use std::collections::HashSet;
use std::path::Path;

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::{clean, name_key, Note, Severity, Ticket, TicketError, MAX_DESCRIPTION, MAX_FIELD, MAX_TITLE};
use crate::config::tickets::{Format, TicketSource};

/// The largest export read (64 MiB: hundreds of thousands of tickets).
pub const MAX_BYTES: u64 = 64 << 20;
/// Skipped rows named one by one in the notes; the rest are counted.
const NAMED_ROWS: usize = 10;

/// The headers each tool's export uses for a field, most specific first.
fn defaults(format: Format, field: &str) -> &'static [&'static str] {
    match (format, field) {
        (Format::Jira, "id") => &["issuekey", "key"],
        (Format::Jira, "title") => &["summary"],
        (Format::Jira, "severity") => &["priority", "severity"],
        (Format::Jira, "created") => &["created"],
        (Format::Jira, "resolved") => &["resolved", "resolutiondate"],
        (Format::Jira, "service") => &["components", "component", "service"],
        (Format::Jira, "team") => &["team", "customfieldteam"],
        (Format::ServiceNow, "id") => &["number"],
        (Format::ServiceNow, "title") => &["shortdescription"],
        (Format::ServiceNow, "status") => &["state", "incidentstate"],
        (Format::ServiceNow, "created") => &["openedat", "opened", "syscreatedon", "created"],
        (Format::ServiceNow, "resolved") => &["resolvedat", "resolved", "closedat", "closed"],
        (Format::ServiceNow, "service") => &["businessservice", "service", "cmdbci", "configurationitem"],
        (Format::ServiceNow, "team") => &["assignmentgroup"],
        (Format::PagerDuty, "id") => &["incidentnumber", "id"],
        (Format::PagerDuty, "title") => &["title", "description", "summary"],
        (Format::PagerDuty, "description") => &["details", "body"],
        (Format::PagerDuty, "severity") => &["priority", "urgency", "severity"],
        (Format::PagerDuty, "created") => &["createdon", "createdat", "triggeredat"],
        (Format::PagerDuty, "resolved") => &["resolvedon", "resolvedat"],
        (Format::PagerDuty, "service") => &["servicename", "service"],
        (Format::PagerDuty, "team") => &["teams", "teamname", "escalationpolicyname", "escalationpolicy"],
        (Format::PagerDuty, "link") => &["htmlurl", "url"],
        (Format::GitHub, "id") => &["number", "id"],
        (Format::GitHub, "description") => &["body"],
        (Format::GitHub, "severity") => &["labels", "priority", "severity"],
        (Format::GitHub, "status") => &["state", "status"],
        (Format::GitHub, "created") => &["createdat", "created"],
        (Format::GitHub, "resolved") => &["closedat", "closed"],
        (Format::GitHub, "service") => &["repository", "repo", "component"],
        (Format::GitHub, "link") => &["htmlurl", "url"],
        (_, "id") => &["id", "key", "issuekey", "number", "ticket", "ticketid", "incidentnumber"],
        (_, "title") => &["title", "summary", "shortdescription", "subject", "name"],
        (_, "description") => &["description", "body", "details", "longdescription"],
        (_, "severity") => &["severity", "priority", "urgency", "sev", "labels"],
        (_, "status") => &["status", "state"],
        (_, "created") => &["created", "createdat", "createdon", "openedat", "opened", "createddate", "date", "triggeredat"],
        (_, "resolved") => &["resolved", "resolvedat", "resolvedon", "closedat", "closed", "resolutiondate"],
        (_, "service") => &["service", "servicename", "components", "component", "businessservice", "cmdbci", "repository"],
        (_, "team") => &["team", "teams", "assignmentgroup", "escalationpolicy", "escalationpolicyname", "group"],
        (_, "link") => &["link", "url", "htmlurl", "permalink"],
        _ => &[],
    }
}

/// Which tool wrote these headers, when it is plain.
fn recognise(headers: &[String]) -> Format {
    let has = |h: &str| headers.iter().any(|x| x == h);
    if has("issuekey") && has("summary") {
        Format::Jira
    } else if has("shortdescription") && has("number") {
        Format::ServiceNow
    } else if has("incidentnumber") || (has("urgency") && has("servicename")) {
        Format::PagerDuty
    } else if has("number") && (has("body") || has("htmlurl")) && has("title") {
        Format::GitHub
    } else {
        Format::Auto
    }
}

/// Column index per field (in [`crate::config::tickets::FIELDS`] order), and the format the file was read as.
struct Mapping {
    format: Format,
    columns: Vec<Option<usize>>,
}

fn mapping(headers: &[String], raw_headers: &[String], source: &TicketSource, format: Format, path: &str) -> Result<Mapping, TicketError> {
    let format = if format == Format::Auto { recognise(headers) } else { format };
    let mut columns = Vec::new();
    for field in crate::config::tickets::FIELDS {
        let given = source.columns.iter().find(|(f, _)| f == field).map(|(_, h)| h);
        let col = match given {
            Some(h) => {
                let want = name_key(h);
                let found = headers.iter().position(|x| *x == want);
                if found.is_none() {
                    return Err(TicketError::Columns {
                        path: path.to_string(),
                        message: format!("columns: {field} = \"{h}\" is not a header of the file (it has: {})", raw_headers.join(", ")),
                    });
                }
                found
            }
            None => defaults(format, field)
                .iter()
                .find_map(|d| headers.iter().position(|x| x == d))
                .or_else(|| defaults(Format::Auto, field).iter().find_map(|d| headers.iter().position(|x| x == d))),
        };
        columns.push(col);
    }
    for (i, need) in [(1usize, "title"), (5, "created")] {
        if columns[i].is_none() {
            return Err(TicketError::Columns {
                path: path.to_string(),
                message: format!(
                    "no column for the ticket's {need} (looked for {}; name it with columns = {{ {need} = \"…\" }}); the file has: {}",
                    defaults(format, need).join(", "),
                    raw_headers.join(", ")
                ),
            });
        }
    }
    Ok(Mapping { format, columns })
}

/// The text of the file, decoded: UTF-8 (a BOM skipped), UTF-16 with a BOM, else Windows-1252 with a note.
fn decode(bytes: &[u8]) -> (String, Option<String>) {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _, bad) = enc.decode(&bytes[bom..]);
        let note = (enc != encoding_rs::UTF_8 || bad)
            .then(|| format!("read as {}{}", enc.name(), if bad { " (some bytes replaced)" } else { "" }));
        return (text.into_owned(), note);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), Some("not UTF-8: read as Windows-1252".to_string()))
        }
    }
}

/// Parse a ticket time: the usual ISO/RFC 3339 forms and epoch numbers, Jira's `24/Nov/26 9:15 AM`,
/// US `11/24/2026 09:15`, and the source's own `date_format`.
pub fn parse_time(s: &str, tz: &Tz, own: Option<&str>) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(f) = own {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return Some(crate::time::local_to_utc(tz, &n));
        }
        if let Ok(d) = chrono::DateTime::parse_from_str(t, f) {
            return Some(d.timestamp());
        }
    }
    if let Ok(v) = crate::time::parse_timestamp(t, tz) {
        return Some(v.floor() as i64);
    }
    // `UTC` or `Z` written as a word after the time (GitHub's and some tools' exports).
    for suffix in [" UTC", " GMT", " Z"] {
        if let Some(rest) = t.strip_suffix(suffix) {
            if let Ok(v) = crate::time::parse_timestamp(rest, &Tz::UTC) {
                return Some(v.floor() as i64);
            }
        }
    }
    for f in [
        "%d/%b/%y %I:%M %p",
        "%d/%b/%Y %I:%M %p",
        "%d/%b/%y %H:%M",
        "%d/%b/%Y %H:%M",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %I:%M:%S %p",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return Some(crate::time::local_to_utc(tz, &n));
        }
    }
    None
}

/// An http(s) link, else none (a `javascript:` link in an export never becomes clickable).
fn link(s: &str) -> Option<String> {
    crate::config::check_url(s).ok()
}

/// Read one export: the tickets and a note per skipped row (first ones by line, then a count).
pub fn read(path: &Path, format: Format, source: &TicketSource, tz: Tz) -> Result<(Vec<Ticket>, Vec<Note>), TicketError> {
    let shown = path.display().to_string();
    let err = |message: String| TicketError::File { path: shown.clone(), message };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err("not a regular file".into()));
    }
    if meta.len() > MAX_BYTES {
        return Err(err(format!("{} bytes; a ticket export is read up to {MAX_BYTES} bytes", meta.len())));
    }
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let (text, decoded) = decode(&bytes);
    parse(&text, &shown, format, source, tz).map(|(t, mut notes)| {
        if let Some(d) = decoded {
            notes.insert(0, Note { source: source.name.clone(), message: format!("{shown}: {d}") });
        }
        (t, notes)
    })
}

/// Parse the text of an export (see [`read`]).
pub fn parse(text: &str, path: &str, format: Format, source: &TicketSource, tz: Tz) -> Result<(Vec<Ticket>, Vec<Note>), TicketError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).has_headers(true).delimiter(delimiter(text)).from_reader(text.as_bytes());
    let raw_headers: Vec<String> = rdr
        .headers()
        .map_err(|e| TicketError::File { path: path.to_string(), message: format!("no header row: {e}") })?
        .iter()
        .map(|h| clean(h, 80, false))
        .collect();
    let headers: Vec<String> = raw_headers.iter().map(|h| name_key(h)).collect();
    let map = mapping(&headers, &raw_headers, source, format, path)?;
    let mut notes = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut tickets = Vec::new();
    let mut seen = HashSet::new();
    let mut duplicates = 0usize;
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                skipped.push(format!("{path}:{line}: {e}"));
                continue;
            }
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |i: usize| map.columns[i].and_then(|c| record.get(c)).unwrap_or("");
        match ticket(&get, &map, source, tz, line) {
            Ok(t) => {
                if seen.insert(t.id.clone()) {
                    tickets.push(t);
                } else {
                    duplicates += 1;
                }
            }
            Err(why) => skipped.push(format!("{path}:{line}: {why}: row skipped")),
        }
    }
    let name = &source.name;
    // When the tickets were opened: a week with none of them is then plainly before or after the export.
    let day = |t: i64| crate::time::local_date(&tz, t).format("%Y-%m-%d").to_string();
    let span = match (tickets.iter().map(|t: &Ticket| t.created).min(), tickets.iter().map(|t: &Ticket| t.created).max()) {
        (Some(a), Some(b)) if day(a) == day(b) => format!(" (opened {})", day(a)),
        (Some(a), Some(b)) => format!(" (opened {} – {})", day(a), day(b)),
        _ => String::new(),
    };
    notes.push(Note {
        source: name.clone(),
        message: format!(
            "{path}: read as a {} export: {} ticket{}{span}{}",
            map.format.label(),
            tickets.len(),
            if tickets.len() == 1 { "" } else { "s" },
            if skipped.is_empty() { String::new() } else { format!(", {} rows skipped", skipped.len()) }
        ),
    });
    for s in skipped.iter().take(NAMED_ROWS) {
        notes.push(Note { source: name.clone(), message: s.clone() });
    }
    if skipped.len() > NAMED_ROWS {
        notes.push(Note { source: name.clone(), message: format!("{path}: … and {} more rows skipped", skipped.len() - NAMED_ROWS) });
    }
    if duplicates > 0 {
        let rows = if duplicates == 1 { "row repeats" } else { "rows repeat" };
        notes.push(Note { source: name.clone(), message: format!("{path}: {duplicates} {rows} an id already read: the first kept") });
    }
    Ok((tickets, notes))
}

/// The field separator of an export, from its header row: a semicolon or a tab where the header holds more of
/// them than commas (a spreadsheet's export in a locale whose decimal mark is the comma), else a comma.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let count = |c: char| header.chars().filter(|&h| h == c).count();
    let (commas, semicolons, tabs) = (count(','), count(';'), count('\t'));
    if tabs > commas.max(semicolons) {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// One row as a ticket, or why it cannot be one.
fn ticket<'a>(get: &dyn Fn(usize) -> &'a str, map: &Mapping, source: &TicketSource, tz: Tz, line: u64) -> Result<Ticket, String> {
    let title = clean(get(1), MAX_TITLE, false);
    if title.is_empty() {
        return Err("no title".into());
    }
    let created_text = get(5);
    let created = parse_time(created_text, &tz, source.date_format.as_deref())
        .ok_or_else(|| format!("created time `{}` is not a date", clean(created_text, 40, false)))?;
    let resolved = parse_time(get(6), &tz, source.date_format.as_deref());
    let mut id = clean(get(0), MAX_FIELD, false);
    if id.is_empty() {
        id = format!("line {line}");
    } else if map.format == Format::GitHub && id.chars().all(|c| c.is_ascii_digit()) {
        id = format!("#{id}");
    }
    let severity_text = clean(get(3), MAX_FIELD, false);
    Ok(Ticket {
        id,
        title,
        description: clean(get(2), MAX_DESCRIPTION, true),
        severity: Severity::parse(&severity_text),
        severity_text,
        status: clean(get(4), MAX_FIELD, false),
        created,
        resolved,
        service: clean(get(7), MAX_FIELD, false),
        team: clean(get(8), MAX_FIELD, false),
        link: link(get(9)),
        source: source.name.clone(),
    })
}

#[cfg(test)]
mod tests;
