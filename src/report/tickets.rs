//! The "Tickets" section: the week's recurring problems first, then its other groups and its new critical
//! and high tickets, each ticket with the findings it probably reports — in Markdown (the CLI and the wiki
//! report) and in HTML (the pre-read); ticket text is escaped for each, so a title is never markup.

use std::fmt::Write as _;

use chrono_tz::Tz;

use crate::finding::Finding;
use crate::text;
use crate::tickets::week::{Problem, TicketReview};
use crate::tickets::Ticket;
use crate::time;

/// Tickets listed under one problem before "… and N more".
const PER_PROBLEM: usize = 8;

fn day(tz: &Tz, t: i64) -> String {
    time::utc(t).with_timezone(tz).format("%a %-d %b").to_string()
}

fn when(tz: &Tz, t: i64) -> String {
    time::utc(t).with_timezone(tz).format("%a %-d %b %H:%M").to_string()
}

/// `alarm breach on payments-api p99 latency (Tue 14:05)`.
fn finding_text(tz: &Tz, f: &Finding) -> String {
    format!("{} on {} {} ({})", f.kind.label(), f.service, f.metric_name, time::short_label(tz, f.start))
}

fn severity(t: &Ticket) -> String {
    match t.severity {
        Some(s) => s.label().to_string(),
        None if t.severity_text.is_empty() => "—".to_string(),
        None => t.severity_text.clone(),
    }
}

/// The headline: how many tickets, how many severe, how many recurring problems.
pub fn summary(tr: &TicketReview) -> String {
    let week = tr.this_week().count();
    let high = tr.new_high.len();
    let recurring = tr.problems.iter().filter(|p| p.recurring).count();
    format!(
        "{week} ticket{} this week, {high} critical or high; {recurring} recurring problem{}.",
        if week == 1 { "" } else { "s" },
        if recurring == 1 { "" } else { "s" }
    )
}

fn weeks_text(p: &Problem) -> String {
    p.per_week.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" · ")
}

/// The section in Markdown, headed at `level` (`##` in a report, `#` on its own).
pub fn markdown(tr: &TicketReview, findings: &[Finding], tz: &Tz, title: Option<&str>) -> String {
    let md = text::markdown;
    let mut out = String::new();
    match title {
        Some(t) => {
            let _ = writeln!(out, "# Tickets — week of {} ({})\n", day(tz, tr.week_start), md(t));
        }
        None => {
            let _ = writeln!(out, "## Tickets\n");
        }
    }
    let h = if title.is_some() { "##" } else { "###" };
    let _ = writeln!(out, "{}\n", summary(tr));
    let ticket_line = |out: &mut String, i: usize| {
        let t = &tr.tickets[i];
        let linked: Vec<String> = tr.findings_of(i).filter_map(|l| findings.get(l.finding)).map(|f| md(&finding_text(tz, f))).collect();
        let service = if t.service.is_empty() { String::new() } else { format!("{}, ", md(&t.service)) };
        let _ = write!(out, "{} · {} · {} ({service}{})", md(&t.id), severity(t), md(&t.title), when(tz, t.created));
        if !linked.is_empty() {
            let _ = write!(out, " → {}", linked.join("; "));
        }
        if let Some(l) = &t.link {
            let _ = write!(out, " <{}>", l.replace('>', "%3E"));
        }
        out.push('\n');
    };
    for (heading, recurring) in [("Recurring problems", true), ("Other problems this week", false)] {
        let list: Vec<&Problem> = tr.problems.iter().filter(|p| p.recurring == recurring).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{h} {heading}\n");
        for (n, p) in list.iter().enumerate() {
            let _ = writeln!(out, "{}. **{}** — {}", n + 1, md(&p.label), md(&p.why));
            let _ = writeln!(
                out,
                "   - weeks (oldest first): {} — teams: {} — first seen {}, last seen {}{}",
                weeks_text(p),
                if p.teams.is_empty() { "—".to_string() } else { md(&p.teams.join(", ")) },
                day(tz, p.first_seen),
                day(tz, p.last_seen),
                p.worst.map(|s| format!(" — worst {}", s.label())).unwrap_or_default()
            );
            let mut shown: Vec<usize> = p.tickets.iter().rev().copied().collect();
            let more = shown.len().saturating_sub(PER_PROBLEM);
            shown.truncate(PER_PROBLEM);
            for i in shown {
                out.push_str("   - ");
                ticket_line(&mut out, i);
            }
            if more > 0 {
                let _ = writeln!(out, "   - … and {more} older tickets");
            }
        }
        out.push('\n');
    }
    if !tr.new_high.is_empty() {
        let _ = writeln!(out, "{h} New critical and high tickets\n");
        for &i in &tr.new_high {
            out.push_str("- ");
            ticket_line(&mut out, i);
            if let Some(p) = tr.problem_of(i) {
                let _ = writeln!(out, "  - part of: {}", md(&tr.problems[p].label));
            }
        }
        out.push('\n');
    }
    if !tr.notes.is_empty() || !tr.failed.is_empty() {
        let _ = writeln!(out, "{h} Ticket sources\n");
        for n in &tr.failed {
            let _ = writeln!(out, "- **{} could not be read:** {}", md(&n.source), md(&n.message));
        }
        for n in &tr.notes {
            let _ = writeln!(out, "- {}", md(&n.message));
        }
        out.push('\n');
    }
    out
}

/// The section in HTML (for the pre-read), every text escaped.
pub fn html(tr: &TicketReview, findings: &[Finding], tz: &Tz) -> String {
    let e = text::html;
    let mut out = String::new();
    let _ = writeln!(out, "<section class=\"tickets\"><h2>Tickets</h2><p>{}</p>", e(&summary(tr)));
    let row = |out: &mut String, i: usize| {
        let t = &tr.tickets[i];
        let linked: Vec<String> = tr.findings_of(i).filter_map(|l| findings.get(l.finding)).map(|f| e(&finding_text(tz, f))).collect();
        let id = match &t.link {
            Some(l) => format!("<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>", e(l), e(&t.id)),
            None => e(&t.id),
        };
        let _ = writeln!(
            out,
            "<tr><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&severity(t)),
            e(&t.title),
            e(&t.service),
            e(&when(tz, t.created)),
            linked.join("<br>")
        );
    };
    let head = "<table><thead><tr><th>Ticket</th><th>Severity</th><th>Title</th><th>Service</th><th>Opened</th><th>Findings</th></tr></thead><tbody>";
    for p in &tr.problems {
        let _ = writeln!(
            out,
            "<h3>{}{}</h3><p>{} — weeks (oldest first): {}</p>{head}",
            if p.recurring { "Recurring: " } else { "" },
            e(&p.label),
            e(&p.why),
            e(&weeks_text(p))
        );
        for &i in p.tickets.iter().rev().take(PER_PROBLEM) {
            row(&mut out, i);
        }
        out.push_str("</tbody></table>\n");
    }
    if !tr.new_high.is_empty() {
        let _ = writeln!(out, "<h3>New critical and high tickets</h3>{head}");
        for &i in &tr.new_high {
            row(&mut out, i);
        }
        out.push_str("</tbody></table>\n");
    }
    for n in &tr.failed {
        let _ = writeln!(out, "<p class=\"error\">{} could not be read: {}</p>", e(&n.source), e(&n.message));
    }
    out.push_str("</section>\n");
    out
}

/// The JSON document of `flywheel tickets --json`: the ticket review, and the findings its links point at
/// (by index into `findings`).
#[derive(serde::Serialize)]
pub struct Document<'a> {
    pub workspace: &'a str,
    pub week_start: String,
    pub week_end: String,
    pub summary: String,
    pub tickets: &'a TicketReview,
    pub findings: Vec<LinkedFinding<'a>>,
    /// Why tickets could not be linked to findings, when the metrics could not be reviewed.
    pub review_error: Option<String>,
}

#[derive(serde::Serialize)]
pub struct LinkedFinding<'a> {
    pub id: String,
    pub kind: &'a str,
    pub service: &'a str,
    pub metric: &'a str,
    pub start: String,
    pub end: String,
    pub sentence: &'a str,
}

pub fn document<'a>(
    workspace: &'a str,
    tz: &Tz,
    tr: &'a TicketReview,
    findings: &'a [Finding],
    review_error: Option<String>,
) -> Document<'a> {
    Document {
        workspace,
        week_start: time::rfc3339(tz, tr.week_start),
        week_end: time::rfc3339(tz, tr.week_end),
        summary: summary(tr),
        tickets: tr,
        findings: findings
            .iter()
            .map(|f| LinkedFinding {
                id: f.id(),
                kind: f.kind.key(),
                service: &f.service,
                metric: &f.metric,
                start: time::rfc3339(tz, f.start),
                end: time::rfc3339(tz, f.end),
                sentence: &f.sentence,
            })
            .collect(),
        review_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::{Severity, Tickets};

    #[test]
    fn ticket_text_is_inert_in_markdown_and_html() {
        let mut ws = crate::config::Workspace::bare(std::path::Path::new("x.csv"));
        ws.history_weeks = 1;
        let start = 1_794_182_400;
        let hostile = Ticket {
            id: "<b>OPS-1</b>".into(),
            title: "<img src=x onerror=alert(1)> [click](javascript:alert(1)) | cell".into(),
            description: String::new(),
            severity: Some(Severity(1)),
            severity_text: "P1".into(),
            status: String::new(),
            created: start + 3600,
            resolved: None,
            service: "<svc>".into(),
            team: String::new(),
            link: Some("https://jira.example/browse/OPS-1?a=\"x\"".into()),
            source: "t".into(),
        };
        let tr = crate::tickets::week::build(&ws, Tickets { tickets: vec![hostile], ..Tickets::default() }, start, start + 7 * 86_400, &[]);
        let h = html(&tr, &[], &Tz::UTC);
        assert!(!h.contains("<img") && !h.contains("<b>") && !h.contains("<svc>"), "{h}");
        assert!(
            h.contains("&lt;img src=x onerror=alert(1)&gt;") && h.contains("href=\"https://jira.example/browse/OPS-1?a=&quot;x&quot;\""),
            "{h}"
        );
        let m = markdown(&tr, &[], &Tz::UTC, None);
        assert!(m.contains("&lt;img src=x onerror=alert(1)&gt; \\[click\\](javascript:alert(1)) \\| cell"), "{m}");
        assert!(!m.contains("<b>"), "{m}");
    }
}
