//! The correction-of-error (COE) draft and its exports: from a finding, a ticket or a recurring problem of a
//! week's review, a Markdown document the room fills in — summary, customer impact with the metric, a timeline
//! from the finding's start, worst point and end with the tickets, annotations and action items around it,
//! the five-whys prompts, lessons, action items — and the finished document as Markdown or self-contained
//! HTML (with the chart of the episode: lines, band, annotations). Stored by [`crate::journal::coes`].

use std::fmt::Write as _;

use chrono_tz::Tz;
use thiserror::Error;

use crate::finding::{Evidence, Finding};
use crate::journal::actions::ActionItem;
use crate::journal::annotations::Annotation;
use crate::journal::coes::{Coe, NewCoe};
use crate::review::Review;
use crate::text;
use crate::tickets::week::TicketReview;
use crate::time;

#[derive(Debug, Error, PartialEq)]
pub enum CoeError {
    #[error("no finding `{0}` in this week's review")]
    NoFinding(String),
    #[error("no ticket `{0}` in this week's ticket review")]
    NoTicket(String),
    /// The problem's index (from 0) and how many there are; said as the list numbers them (from 1).
    #[error("no problem {number} in this week's ticket review (there are {count})", number = .0 + 1, count = .1)]
    NoProblem(usize, usize),
    #[error("this workspace names no ticket sources")]
    NoTickets,
}

/// What a COE is written from.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Start {
    /// A finding, by its id.
    Finding(String),
    /// A ticket, by its id (`OPS-131`).
    Ticket(String),
    /// A problem of the ticket review, by its place in the list (0 = the first).
    Problem(usize),
}

/// What the draft is written with: the week's review, its ticket review (when the workspace has tickets),
/// and the journal's annotations and action items.
pub struct Context<'a> {
    pub review: &'a Review,
    pub tickets: Option<&'a TicketReview>,
    pub annotations: &'a [Annotation],
    pub actions: &'a [ActionItem],
}

fn at(tz: &Tz, t: i64) -> String {
    time::utc(t).with_timezone(tz).format("%a %-d %b %H:%M").to_string()
}

fn number(f: &Finding, key: &str) -> Option<f64> {
    match f.evidence.get(key) {
        Some(Evidence::Number(v)) => Some(*v),
        _ => None,
    }
}

/// The draft of a COE started from `start`.
pub fn draft(c: &Context, start: &Start) -> Result<NewCoe, CoeError> {
    let r = c.review;
    let tz = r.workspace.tz;
    // The findings and tickets it is about.
    let (title, origin, findings, tickets): (String, String, Vec<&Finding>, Vec<usize>) = match start {
        Start::Finding(id) => {
            let f = r.findings.iter().find(|f| &f.id() == id).ok_or_else(|| CoeError::NoFinding(id.clone()))?;
            let tickets = c.tickets.map(|t| t.links.iter().filter(|l| &l.finding_id == id).map(|l| l.ticket).collect()).unwrap_or_default();
            (
                format!("{} on {} {}, {}", f.kind.label(), f.service, f.metric_name, at(&tz, f.start)),
                format!("finding:{id}"),
                vec![f],
                tickets,
            )
        }
        Start::Ticket(id) => {
            let tr = c.tickets.ok_or(CoeError::NoTickets)?;
            let i = tr.tickets.iter().position(|t| &t.id == id).ok_or_else(|| CoeError::NoTicket(id.clone()))?;
            (tr.tickets[i].title.clone(), format!("ticket:{id}"), linked(r, tr, &[i]), vec![i])
        }
        Start::Problem(n) => {
            let tr = c.tickets.ok_or(CoeError::NoTickets)?;
            let p = tr.problems.get(*n).ok_or(CoeError::NoProblem(*n, tr.problems.len()))?;
            let kind = if p.recurring { "Recurring problem" } else { "Problem" };
            (format!("{kind}: {}", p.label), format!("problem:{}", p.label), linked(r, tr, &p.tickets), p.tickets.clone())
        }
    };
    let main = findings.iter().max_by_key(|f| f.severity).copied();
    let (metric, from, to) = main.map(|f| (f.metric.clone(), f.start, f.end)).unwrap_or_default();
    let mut b = String::new();
    let _ = writeln!(b, "# COE: {title}\n");
    let _ = writeln!(b, "## Summary\n");
    match main {
        Some(f) => {
            let _ = writeln!(b, "{}\n", f.sentence);
        }
        None => {
            let _ = writeln!(b, "{title}\n");
        }
    }
    let _ = writeln!(b, "(What happened, in two or three sentences, for someone who was not there.)\n");
    let _ = writeln!(b, "## Customer impact\n");
    for f in &findings {
        let m = r.workspace.metrics.iter().find(|m| m.id == f.metric);
        let lines = m
            .map(|m| {
                let l: Vec<String> = [("alarm line", m.alarm), ("investigation line", m.investigation)]
                    .into_iter()
                    .filter_map(|(n, v)| v.map(|v| format!("{n} {}", text::value(v, &m.unit))))
                    .collect();
                if l.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", l.join(", "))
                }
            })
            .unwrap_or_default();
        let _ = writeln!(b, "- {} · {} · {}{lines}: {}", f.team, f.service, f.metric_name, f.sentence);
    }
    if findings.is_empty() {
        let _ = writeln!(b, "- (No finding of this week's review tells of it: say which metrics show the impact.)");
    }
    let _ = writeln!(b, "- Customers affected, for how long, and how we know: \n");
    let _ = writeln!(b, "## Timeline ({})\n", tz.name());
    let mut events: Vec<(i64, String)> = Vec::new();
    for f in &findings {
        events.push((f.start, format!("{} starts on {} {}", f.kind.label(), f.service, f.metric_name)));
        let peak_at = match f.evidence.get("peak_at") {
            Some(Evidence::Text(t)) => time::parse_timestamp(t, &tz).ok().map(|v| v as i64),
            _ => None,
        };
        if let (Some(peak_at), Some(peak)) = (peak_at, number(f, "peak")) {
            let unit = r.workspace.metrics.iter().find(|m| m.id == f.metric).map(|m| m.unit.clone()).unwrap_or_default();
            events.push((peak_at, format!("worst value {} on {}", text::value(peak, &unit), f.metric_name)));
        }
        if f.end < r.ctx.review_end() {
            events.push((f.end, format!("{} on {} ends", f.kind.label(), f.metric_name)));
        }
    }
    if let Some(tr) = c.tickets {
        for &i in &tickets {
            let t = &tr.tickets[i];
            let sev = t.severity.map(|s| s.label().to_string()).unwrap_or_else(|| t.severity_text.clone());
            events.push((t.created, format!("ticket {} opened ({sev}): {}", t.id, t.title)));
            if let Some(done) = t.resolved {
                events.push((done, format!("ticket {} resolved", t.id)));
            }
        }
    }
    let metrics: Vec<&str> = findings.iter().map(|f| f.metric.as_str()).collect();
    for a in c.annotations.iter().filter(|a| metrics.contains(&a.metric.as_str())) {
        let by = if a.author.is_empty() { String::new() } else { format!(" ({})", a.author) };
        events.push((a.start, format!("annotation on {}: {}{by}", a.metric, text::one_line(&a.note))));
    }
    events.sort();
    events.dedup();
    for (t, e) in &events {
        let _ = writeln!(b, "- {}: {e}", at(&tz, *t));
    }
    let _ = writeln!(b, "- (Add: when it was noticed, who was paged, what was tried, when it was mitigated.)\n");
    let _ = writeln!(b, "## Five whys\n");
    let first = main
        .map(|f| format!("Why did this happen: {} on {} {}?", f.kind.label(), f.service, f.metric_name))
        .unwrap_or_else(|| format!("Why did this happen: {title}?"));
    let _ = writeln!(b, "1. {first}\n   - Because \n2. Why was that so?\n   - Because \n3. Why?\n   - Because \n4. Why?\n   - Because \n5. Why?\n   - Because \n");
    let _ = writeln!(b, "## Lessons learnt\n\n- \n");
    let _ = writeln!(b, "## Action items\n");
    let ids: Vec<String> = findings.iter().map(|f| f.id()).collect();
    let mut any = false;
    for a in c.actions.iter().filter(|a| ids.contains(&a.finding) || (!a.metric.is_empty() && metrics.contains(&a.metric.as_str()))) {
        let owner = if a.owner.is_empty() { "no owner".to_string() } else { a.owner.clone() };
        let due = a.due.clone().map(|d| format!(", due {d}")).unwrap_or_default();
        let _ = writeln!(b, "- [{}] #{} {} ({owner}{due}, {})", if a.status.is_live() { " " } else { "x" }, a.id, a.title, a.status.key());
        any = true;
    }
    if !any {
        let _ = writeln!(b, "- [ ] (What will stop it happening again: owner, due date. Raise them as action items so they come back.)");
    }
    let week = time::local_date(&tz, r.ctx.review_start()).format("%Y-%m-%d").to_string();
    Ok(NewCoe { week, title: format!("COE: {title}"), origin, metric, start: from, end: to, body: b })
}

/// The chart of a COE's metric in its week's review (lines, band, annotations), as SVG.
pub fn chart(r: &Review, c: &Coe, annotations: &[Annotation]) -> Option<String> {
    let s = r.series_of(&c.metric)?;
    crate::chart::render_with(r, s, crate::chart::ChartOptions::default(), &crate::chart::notes_of(annotations, &c.metric))
        .ok()
        .map(|ch| ch.svg)
}

/// The findings of the review linked to any of `tickets`, most severe first.
fn linked<'a>(r: &'a Review, tr: &TicketReview, tickets: &[usize]) -> Vec<&'a Finding> {
    let mut ids: Vec<&str> = tr.links.iter().filter(|l| tickets.contains(&l.ticket)).map(|l| l.finding_id.as_str()).collect();
    ids.dedup();
    let mut out: Vec<&Finding> = r.findings.iter().filter(|f| ids.contains(&f.id().as_str())).collect();
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out.dedup_by_key(|f| f.id());
    out
}

/// The COE as a Markdown file: a header with who and when, then the document.
pub fn markdown(c: &Coe, tz: &Tz) -> String {
    // Names go into an HTML comment: `--` would end it early.
    let safe = |s: &str| s.replace("--", "–").replace(['\n', '\r'], " ");
    format!(
        "<!-- COE {} · week of {} · {} · started by {} on {} · last saved by {} on {} (revision {}) -->\n\n{}\n",
        c.id,
        c.week,
        c.status.key().replace('_', " "),
        safe(&c.created_by),
        time::long_label(tz, c.created_at),
        safe(&c.updated_by),
        time::long_label(tz, c.updated_at),
        c.revision,
        c.body.trim_end()
    )
}

const CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 16px;color:#1f2328}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6em;border-bottom:1px solid #d9dee5}.muted{color:#5f6b7a}figure{margin:12px 0}figure svg{max-width:100%;height:auto}li{margin:2px 0}";

/// The COE as a self-contained HTML page (no script, nothing remote; every text escaped), with the chart of
/// its metric when one is given (an SVG the core drew).
pub fn html(c: &Coe, tz: &Tz, chart: Option<&str>) -> String {
    let h = text::html;
    let mut out = String::new();
    out.push_str(&text::html_page_start(&c.title, CSS));
    let _ = writeln!(
        out,
        "<p class=\"muted\">COE {} · week of {} · {} · started by {} on {} · last saved by {} on {} (revision {})</p>",
        c.id,
        h(&c.week),
        h(&c.status.key().replace('_', " ")),
        h(&c.created_by),
        h(&time::long_label(tz, c.created_at)),
        h(&c.updated_by),
        h(&time::long_label(tz, c.updated_at)),
        c.revision
    );
    let body = markdown_html(&c.body);
    // The chart goes right after the "Customer impact" heading when there is one, else at the top.
    match (chart, body.find("<h2>Customer impact</h2>")) {
        (Some(svg), Some(i)) => {
            let cut = i + "<h2>Customer impact</h2>".len();
            out.push_str(&body[..cut]);
            let _ = write!(out, "\n<figure>{svg}<figcaption class=\"muted\">{}</figcaption></figure>\n", h(&c.metric));
            out.push_str(&body[cut..]);
        }
        (Some(svg), None) => {
            let _ = write!(out, "<figure>{svg}<figcaption class=\"muted\">{}</figcaption></figure>\n{body}", h(&c.metric));
        }
        (None, _) => out.push_str(&body),
    }
    let _ = writeln!(out, "<footer class=\"muted\"><p>Generated by flywheel {}.</p></footer></body></html>", env!("CARGO_PKG_VERSION"));
    out
}

/// The little Markdown a COE is written in, as HTML: headings, bullet and numbered lists (one level of
/// nesting), task boxes, paragraphs. Every text is escaped: no inline HTML, no links.
pub fn markdown_html(md: &str) -> String {
    let h = text::html;
    let mut out = String::new();
    let mut open: Vec<&str> = Vec::new();
    let mut para: Vec<String> = Vec::new();
    let flush = |out: &mut String, para: &mut Vec<String>| {
        if !para.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", para.join(" "));
            para.clear();
        }
    };
    let close_to = |out: &mut String, open: &mut Vec<&str>, depth: usize| {
        while open.len() > depth {
            if let Some(tag) = open.pop() {
                let _ = writeln!(out, "</{tag}>");
            }
        }
    };
    for raw in md.lines() {
        if raw.trim_start().starts_with("<!--") {
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        let depth = if indent >= 2 { 2 } else { 1 };
        let (tag, item) = if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            ("ul", Some(rest))
        } else if let Some((_, rest)) = line.split_once(". ").filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())) {
            ("ol", Some(rest))
        } else {
            ("", None)
        };
        if let Some(item) = item {
            flush(&mut out, &mut para);
            close_to(&mut out, &mut open, depth);
            if open.len() < depth || open.last() != Some(&tag) {
                close_to(&mut out, &mut open, depth - 1);
                let _ = writeln!(out, "<{tag}>");
                open.push(tag);
            }
            let text = match item.strip_prefix("[ ] ").or_else(|| item.strip_prefix("[x] ")) {
                Some(t) if item.starts_with("[x]") => format!("☑ {}", h(t)),
                Some(t) => format!("☐ {}", h(t)),
                None => h(item),
            };
            let _ = writeln!(out, "<li>{text}</li>");
            continue;
        }
        close_to(&mut out, &mut open, 0);
        if line.is_empty() {
            flush(&mut out, &mut para);
        } else if let Some((level, rest)) =
            line.split_once(' ').filter(|(l, _)| !l.is_empty() && l.len() <= 4 && l.chars().all(|c| c == '#'))
        {
            flush(&mut out, &mut para);
            let n = level.len().min(4);
            let _ = writeln!(out, "<h{n}>{}</h{n}>", h(rest.trim()));
        } else {
            para.push(h(line));
        }
    }
    flush(&mut out, &mut para);
    close_to(&mut out, &mut open, 0);
    out
}

#[cfg(test)]
mod tests;
