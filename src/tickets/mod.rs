//! Tickets: what people filed, read from the workspace's ticket sources, so the review can show the week's
//! recurring problems (the same cause behind tickets different people filed) and tie tickets to findings.
//!
//! Flow: [`load`] reads every `[[tickets]]` source ([`export`] for CSV files, [`jira`] for Jira's search API)
//! into [`Ticket`]s, with a [`Note`] for every row or source it could not use; [`cluster`] groups them by
//! what they say ([`terms`]); [`week`] builds one week's ticket review and links tickets to findings.

use chrono_tz::Tz;
use serde::Serialize;
use thiserror::Error;

use crate::config::tickets::{TicketOrigin, TicketSource};
use crate::config::Workspace;

pub mod cluster;
pub mod export;
pub mod jira;
pub mod terms;
pub mod week;

/// How bad a ticket is, 1 (critical) to 5 (lowest), read from whatever the tool calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Severity(pub u8);

impl Severity {
    /// Critical or high: the tickets the weekly review reads one by one.
    pub fn is_high(self) -> bool {
        self.0 <= 2
    }

    /// "SEV 2" style label.
    pub fn label(self) -> &'static str {
        ["SEV 1", "SEV 2", "SEV 3", "SEV 4", "SEV 5"][usize::from(self.0.clamp(1, 5)) - 1]
    }

    /// Read a priority or severity as tools write it: `P1`, `SEV-2`, `1 - Critical`, `Highest`, `high`
    /// (PagerDuty's urgency), or a label list holding one of these (GitHub). `None` when nothing says.
    pub fn parse(text: &str) -> Option<Severity> {
        let lower = text.to_lowercase().replace("sev-", "sev").replace("sev ", "sev").replace("sev_", "sev");
        let mut best: Option<u8> = None;
        let take = |best: &mut Option<u8>, v: u8| *best = Some(best.map_or(v, |b: u8| b.min(v)));
        for token in lower.split(|c: char| !(c.is_alphanumeric())).filter(|t| !t.is_empty()) {
            let digit = |rest: &str| rest.parse::<u8>().ok().filter(|d| *d <= 5).map(|d| d.max(1));
            if let Some(d) = token.strip_prefix("sev").and_then(digit).or_else(|| token.strip_prefix('p').and_then(digit)) {
                take(&mut best, d);
                continue;
            }
            match token {
                "critical" | "blocker" | "highest" | "urgent" | "emergency" => take(&mut best, 1),
                "high" | "major" => take(&mut best, 2),
                "medium" | "moderate" | "normal" => take(&mut best, 3),
                "low" | "minor" => take(&mut best, 4),
                "lowest" | "trivial" | "planning" => take(&mut best, 5),
                _ => {}
            }
        }
        if best.is_none() {
            // `1 - Critical` is caught by its word; a bare leading digit (`2`, `3 - Moderate`) by itself.
            if let Some(d) = lower.trim().chars().next().and_then(|c| c.to_digit(10)) {
                if (1..=5).contains(&d) {
                    take(&mut best, d as u8);
                }
            }
        }
        best.map(Severity)
    }
}

/// One ticket, whatever tool it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    /// The tool's key (`OPS-123`, `INC0012345`, `#42`).
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Option<Severity>,
    /// The priority or severity as written.
    pub severity_text: String,
    pub status: String,
    /// Unix seconds.
    pub created: i64,
    pub resolved: Option<i64>,
    pub service: String,
    pub team: String,
    /// http(s) only; anything else is dropped.
    pub link: Option<String>,
    /// The `[[tickets]]` source it came from.
    pub source: String,
}

/// Something about the tickets the user should know: a row skipped, a source that failed, how a file was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub source: String,
    pub message: String,
}

#[derive(Debug, Error)]
pub enum TicketError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{path}: {message}")]
    Columns { path: String, message: String },
    #[error("{0}")]
    Jira(String),
}

/// Every ticket of a workspace and what could not be read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tickets {
    pub tickets: Vec<Ticket>,
    pub notes: Vec<Note>,
    /// Sources that failed as a whole (the others still load).
    pub failed: Vec<Note>,
}

/// The longest title and description kept (characters); longer text is cut with an ellipsis.
pub const MAX_TITLE: usize = 300;
pub const MAX_DESCRIPTION: usize = 8_000;
/// Other fields (status, service, team, id).
pub const MAX_FIELD: usize = 200;

/// A name as compared: letters and digits only, lower case (`Payments API` = `payments-api`, `Component/s` =
/// `components`).
pub fn name_key(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// `s` without control characters (newlines kept where `multiline`), trimmed, and at most `max` characters.
pub fn clean(s: &str, max: usize, multiline: bool) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut n = 0;
    for c in s.trim().chars() {
        let c = match c {
            '\n' | '\t' if multiline => c,
            '\r' => continue,
            // Invisible direction and width marks would make a title read differently from what it holds.
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}' => continue,
            c if c.is_control() => ' ',
            c => c,
        };
        if n == max {
            out.push('…');
            break;
        }
        out.push(c);
        n += 1;
    }
    out.trim_end().to_string()
}

/// Load the tickets of every source between `from` and `to` (created in it). A source that fails is a
/// note in `failed`; the others still load.
pub fn load(ws: &Workspace, from: i64, to: i64) -> Tickets {
    let mut out = Tickets::default();
    for s in &ws.tickets {
        let tz = s.timezone.unwrap_or(ws.tz);
        let got = match &s.origin {
            TicketOrigin::Csv { path, format } => export::read(&ws.root.join(path), *format, s, tz),
            TicketOrigin::Jira(api) => jira::search(api, s, from, to),
        };
        match got {
            Ok((tickets, notes)) => {
                out.tickets.extend(tickets.into_iter().filter(|t| t.created >= from && t.created < to));
                out.notes.extend(notes);
            }
            Err(e) => out.failed.push(Note { source: s.name.clone(), message: e.to_string() }),
        }
    }
    out.tickets.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
    out
}

/// The zone a source's naive times are read in.
pub fn zone_of(ws: &Workspace, s: &TicketSource) -> Tz {
    s.timezone.unwrap_or(ws.tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_read_as_tools_write_them() {
        let cases = [
            ("P1", Some(1)),
            ("P0", Some(1)),
            ("p3", Some(3)),
            ("SEV-2", Some(2)),
            ("Sev 2", Some(2)),
            ("1 - Critical", Some(1)),
            ("2 - High", Some(2)),
            ("3 - Moderate", Some(3)),
            ("Highest", Some(1)),
            ("Medium", Some(3)),
            ("high", Some(2)),
            ("low", Some(4)),
            ("bug, sev1, area/payments", Some(1)),
            ("bug, enhancement", None),
            ("", None),
            ("4", Some(4)),
            ("9", None),
        ];
        for (text, want) in cases {
            assert_eq!(Severity::parse(text).map(|s| s.0), want, "{text}");
        }
        assert!(Severity(2).is_high() && !Severity(3).is_high());
    }

    #[test]
    fn text_is_cleaned_and_capped() {
        assert_eq!(clean("  a\u{0007}b\u{202e}c  ", 10, false), "a bc", "a control character is a space, a direction mark nothing");
        assert_eq!(clean("line1\r\nline2", 20, true), "line1\nline2");
        assert_eq!(clean("line1\nline2", 20, false), "line1 line2");
        assert_eq!(clean(&"x".repeat(50), 10, false), format!("{}…", "x".repeat(10)));
    }
}
