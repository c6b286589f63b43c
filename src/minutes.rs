//! The minutes of a meeting, as the room leaves with them: when and who (host, presenter, absent teams),
//! the agenda with the times each segment actually took, the findings discussed and skipped with their
//! notes, and the action items raised and closed during the meeting. One document ([`doc`]) says it; the
//! Markdown, the self-contained HTML (with the charts of the findings discussed) and the app's minutes view
//! render it, each making every user text inert its own way.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono_tz::Tz;
use serde::Serialize;

use crate::journal::actions::{ActionItem, Filter, Status};
use crate::journal::meetings::{Mark, Meeting};
use crate::journal::{Journal, JournalError};
use crate::text;
use crate::time;

/// What the minutes say besides the meeting itself.
#[derive(Debug, Clone)]
pub struct Context {
    pub workspace: String,
    pub tz: Tz,
    /// Raised during the meeting (created between its start and end).
    pub raised: Vec<ActionItem>,
    /// Finished or dropped during the meeting.
    pub closed: Vec<ActionItem>,
}

impl Context {
    /// The action items raised and closed while meeting `m` ran (until now when it has not ended).
    pub fn read(journal: &Journal, workspace: &str, tz: Tz, m: &Meeting) -> Result<Context, JournalError> {
        let end = m.ended_at.unwrap_or(i64::MAX);
        let during = |t: i64| t >= m.started_at && t <= end;
        let all = journal.actions(&Filter::default())?;
        let raised = all.iter().filter(|a| during(a.created_at)).cloned().collect();
        let closed = all
            .iter()
            .filter(|a| matches!(a.status, Status::Done | Status::Dropped) && during(a.updated_at) && !during(a.created_at))
            .cloned()
            .collect();
        Ok(Context { workspace: workspace.to_string(), tz, raised, closed })
    }
}

/// The minutes as a document: what the Markdown and HTML minutes and the app's minutes view all show, in
/// the same order and words (every text plain; each format makes it inert its own way).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Doc {
    pub title: String,
    /// `Mon 9 Nov 2026, 10:00–10:52 (52 min)`, or `… 10:00, still running`.
    pub when: String,
    /// `host: … · presenter: … · absent: …`.
    pub people: String,
    pub agenda: Vec<AgendaRow>,
    /// Findings discussed, skipped and noted: the sections that have any.
    pub findings: Vec<FindingSection>,
    /// Action items raised and closed during the meeting: the sections that have any.
    pub actions: Vec<ActionSection>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgendaRow {
    pub segment: String,
    /// `10 min`.
    pub planned: String,
    /// `10:00–10:12 (12 min)`, `from 10:12` or `not reached`.
    pub actual: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingSection {
    /// `Findings discussed (2)`.
    pub heading: String,
    /// Whether its findings are shown with their charts (the ones discussed).
    pub charts: bool,
    pub items: Vec<FindingRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRow {
    pub metric: String,
    pub sentence: String,
    /// The room's note ("" without one).
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionSection {
    /// `Action items raised (2)`.
    pub heading: String,
    pub items: Vec<ActionRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    pub id: i64,
    pub title: String,
    pub owner: String,
    pub due: String,
    pub status: String,
    /// What it is about (team, metric, finding).
    pub about: String,
}

/// The findings' sections, in the order the minutes show them.
const MARK_SECTIONS: [(Mark, &str); 3] =
    [(Mark::Discussed, "Findings discussed"), (Mark::Skipped, "Findings skipped"), (Mark::Noted, "Notes on other findings")];

/// The action items' columns, in both tables.
const ACTION_COLUMNS: [&str; 6] = ["#", "Title", "Owner", "Due", "Status", "About"];

fn clock(tz: &Tz, t: i64) -> String {
    time::utc(t).with_timezone(tz).format("%H:%M").to_string()
}

fn minutes_between(a: i64, b: i64) -> i64 {
    ((b - a) as f64 / 60.0).round() as i64
}

/// `Mon 9 Nov 2026, 10:00–10:52 (52 min)`, or `… 10:00, still running`.
fn when(m: &Meeting, tz: &Tz) -> String {
    let day = time::utc(m.started_at).with_timezone(tz).format("%a %-d %b %Y").to_string();
    match m.ended_at {
        Some(e) => format!("{day}, {}–{} ({} min)", clock(tz, m.started_at), clock(tz, e), minutes_between(m.started_at, e)),
        None => format!("{day}, {}, still running", clock(tz, m.started_at)),
    }
}

/// One agenda row's "actual": what happened to the segment.
fn actual(r: &crate::journal::meetings::Ran, tz: &Tz) -> String {
    match (r.started_at, r.ended_at) {
        (Some(s), Some(e)) => format!("{}–{} ({} min)", clock(tz, s), clock(tz, e), minutes_between(s, e)),
        (Some(s), None) => format!("from {}", clock(tz, s)),
        _ => "not reached".into(),
    }
}

fn people(m: &Meeting) -> String {
    let presenter = if m.presenter.is_empty() { "not picked".to_string() } else { m.presenter.clone() };
    let absent = if m.absent.is_empty() { "none".to_string() } else { m.absent.join(", ") };
    format!("host: {} · presenter: {presenter} · absent: {absent}", if m.host.is_empty() { "—" } else { &m.host })
}

fn title(m: &Meeting, c: &Context) -> String {
    let number = chrono::NaiveDate::parse_from_str(&m.week, "%Y-%m-%d").ok().and_then(crate::time::iso_week_from);
    match number {
        Some(w) => format!("Minutes — {}, week {} (week of {})", c.workspace, w.week(), m.week),
        None => format!("Minutes — {}, week of {}", c.workspace, m.week),
    }
}

/// What the minutes of meeting `m` say.
pub fn doc(m: &Meeting, c: &Context) -> Doc {
    let agenda = m
        .segments
        .iter()
        .map(|r| AgendaRow { segment: r.segment.title.clone(), planned: format!("{} min", r.segment.minutes), actual: actual(r, &c.tz) })
        .collect();
    let findings = MARK_SECTIONS
        .iter()
        .filter_map(|&(mark, head)| {
            let items: Vec<FindingRow> = m
                .marks
                .iter()
                .filter(|k| k.mark == mark)
                .map(|k| FindingRow { metric: k.metric.clone(), sentence: k.sentence.clone(), note: k.note.clone() })
                .collect();
            (!items.is_empty()).then(|| FindingSection {
                heading: format!("{head} ({})", items.len()),
                charts: mark == Mark::Discussed,
                items,
            })
        })
        .collect();
    let actions = [(&c.raised, "Action items raised"), (&c.closed, "Action items closed")]
        .into_iter()
        .filter(|(items, _)| !items.is_empty())
        .map(|(items, head)| ActionSection {
            heading: format!("{head} ({})", items.len()),
            items: items
                .iter()
                .map(|a| ActionRow {
                    id: a.id,
                    title: a.title.clone(),
                    owner: a.owner.clone(),
                    due: a.due.clone().unwrap_or_default(),
                    status: a.status.key().to_string(),
                    about: a.about(),
                })
                .collect(),
        })
        .collect();
    Doc { title: title(m, c), when: when(m, &c.tz), people: people(m), agenda, findings, actions }
}

/// The minutes ([`doc`]) in Markdown.
pub fn markdown(d: &Doc) -> String {
    let md = text::markdown;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n\n{}  \n{}\n", md(&d.title), d.when, md(&d.people));
    let _ = writeln!(out, "## Agenda\n\n| Segment | Planned | Actual |\n|---|---|---|");
    for r in &d.agenda {
        let _ = writeln!(out, "| {} | {} | {} |", md(&r.segment), r.planned, r.actual);
    }
    for sec in &d.findings {
        let _ = writeln!(out, "\n## {}\n", sec.heading);
        for k in &sec.items {
            let note = if k.note.is_empty() { String::new() } else { format!(" — note: {}", md(&k.note)) };
            let _ = writeln!(out, "- **{}**: {}{note}", md(&k.metric), md(&k.sentence));
        }
    }
    for sec in &d.actions {
        let _ = writeln!(out, "\n## {}\n\n| {} |\n|---|---|---|---|---|---|", sec.heading, ACTION_COLUMNS.join(" | "));
        for a in &sec.items {
            let _ = writeln!(out, "| {} | {} | {} | {} | {} | {} |", a.id, md(&a.title), md(&a.owner), a.due, a.status, md(&a.about));
        }
    }
    let _ = writeln!(out, "\n_Written by flywheel {}._", env!("CARGO_PKG_VERSION"));
    out
}

const CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:24px auto;padding:0 16px;color:#1f2937}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}\
.muted{color:#6b7280}figure{margin:10px 0}svg{max-width:100%;height:auto}@media (prefers-color-scheme: dark){body{background:#111827;color:#e5e7eb}}";

/// The minutes ([`doc`]) as one self-contained HTML page; `charts` holds an SVG per metric id (the charts of the
/// findings discussed; any not given are left out).
pub fn html(d: &Doc, charts: &BTreeMap<String, String>) -> String {
    let h = text::html;
    let mut out = String::new();
    out.push_str(&text::html_page_start(&d.title, CSS));
    let _ = writeln!(out, "<h1>{}</h1><p class=\"muted\">{}<br>{}</p>", h(&d.title), h(&d.when), h(&d.people));
    let _ = writeln!(out, "<h2>Agenda</h2><table><thead><tr><th>Segment</th><th>Planned</th><th>Actual</th></tr></thead><tbody>");
    for r in &d.agenda {
        let _ = writeln!(out, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", h(&r.segment), h(&r.planned), h(&r.actual));
    }
    out.push_str("</tbody></table>\n");
    for sec in &d.findings {
        let _ = writeln!(out, "<h2>{}</h2>", h(&sec.heading));
        for k in &sec.items {
            let note = if k.note.is_empty() { String::new() } else { format!("<br><em>Note:</em> {}", h(&k.note)) };
            let _ = write!(out, "<figure><p><strong>{}</strong>: {}{note}</p>", h(&k.metric), h(&k.sentence));
            if let Some(svg) = charts.get(&k.metric).filter(|_| sec.charts) {
                out.push_str(svg);
            }
            out.push_str("</figure>\n");
        }
    }
    for sec in &d.actions {
        let head: String = ACTION_COLUMNS.iter().map(|c| format!("<th>{}</th>", h(c))).collect();
        let _ = writeln!(out, "<h2>{}</h2><table><thead><tr>{head}</tr></thead><tbody>", h(&sec.heading));
        for a in &sec.items {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                a.id,
                h(&a.title),
                h(&a.owner),
                h(&a.due),
                h(&a.status),
                h(&a.about)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let _ = writeln!(out, "<p class=\"muted\">Written by flywheel {}.</p></body></html>", env!("CARGO_PKG_VERSION"));
    out
}

/// The charts of the findings discussed in `m`, drawn from the review of its week (an SVG per metric).
pub fn charts(r: &crate::review::Review, m: &Meeting) -> BTreeMap<String, String> {
    m.marks
        .iter()
        .filter(|k| k.mark == Mark::Discussed)
        .filter_map(|k| {
            let s = r.series_of(&k.metric)?;
            let chart = crate::chart::render(r, s, crate::chart::ChartOptions::default()).ok()?;
            Some((k.metric.clone(), chart.svg))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::agenda::default_agenda;
    use crate::journal::actions::Draft;

    #[test]
    fn minutes_say_what_happened_and_user_text_stays_text() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        let t0 = 1_762_680_000; // Sun 9 Nov 2025 09:20 UTC
        let old = j.add_action(&Draft { title: "old item".into(), ..Draft::default() }, t0 - 86_400).expect("old").id;
        let m = j.start_meeting("2026-11-09", &default_agenda(), "ana", t0).expect("start");
        j.meeting_segment(m.id, 1, t0 + 600).expect("wheel");
        j.meeting_people(m.id, &["Search".into()], "Pay<b>ments</b>").expect("people");
        j.meeting_segment(m.id, 3, t0 + 900).expect("findings");
        j.meeting_mark(m.id, "f1", "payments.api.p99", "p99 | spiked", Mark::Discussed, Some("<script>x</script>"), t0 + 1000).expect("d");
        j.meeting_mark(m.id, "f2", "search.errors", "errors rose", Mark::Skipped, None, t0 + 1100).expect("s");
        j.add_action(&Draft { title: "Fix <img src=x> retries".into(), owner: "bo".into(), ..Draft::default() }, t0 + 1200)
            .expect("raised");
        j.set_action_status(old, Status::Done, t0 + 1300).expect("closed");
        let m = j.end_meeting(m.id, t0 + 1800).expect("end");
        let c = Context::read(&j, "Shop", chrono_tz::UTC, &m).expect("context");
        assert_eq!((c.raised.len(), c.closed.len()), (1, 1));

        // The document every format shows holds the plain text; each format makes it inert its own way.
        let d = doc(&m, &c);
        let headings: Vec<&str> =
            d.findings.iter().map(|s| s.heading.as_str()).chain(d.actions.iter().map(|s| s.heading.as_str())).collect();
        assert_eq!(headings, ["Findings discussed (1)", "Findings skipped (1)", "Action items raised (1)", "Action items closed (1)"]);
        assert!(d.findings[0].charts && !d.findings[1].charts, "only the discussed findings have charts");
        assert_eq!(
            (d.findings[0].items[0].sentence.as_str(), d.findings[0].items[0].note.as_str()),
            ("p99 | spiked", "<script>x</script>")
        );
        assert_eq!((d.actions[0].items[0].title.as_str(), d.actions[0].items[0].owner.as_str()), ("Fix <img src=x> retries", "bo"));
        assert_eq!(d.people, "host: ana · presenter: Pay<b>ments</b> · absent: Search");
        assert_eq!(d.agenda[2].actual, "not reached");

        let md = markdown(&d);
        assert!(md.starts_with("# Minutes — Shop, week 46 (week of 2026-11-09)\n\nSun 9 Nov 2025, 09:20–09:50 (30 min)"), "{md}");
        assert!(md.contains("| Last week's action items | 10 min | 09:20–09:30 (10 min) |"), "{md}");
        assert!(md.contains("| Spin the wheel | 3 min | 09:30–09:35 (5 min) |"), "{md}");
        assert!(md.contains("| The presenting team walks through its dashboard | 15 min | not reached |"), "{md}");
        assert!(md.contains("| Top findings across all teams | 15 min | 09:35–09:50 (15 min) |"), "{md}");
        assert!(md.contains("## Findings discussed (1)\n\n- **payments.api.p99**: p99 \\| spiked — note: "), "{md}");
        assert!(md.contains("## Findings skipped (1)\n\n- **search.errors**: errors rose\n"), "{md}");
        assert!(md.contains("## Action items raised (1)") && md.contains("## Action items closed (1)"), "{md}");
        assert!(!md.contains("<script>") && !md.contains("<img"), "markup stays inert in Markdown: {md}");

        let mut charts = BTreeMap::new();
        charts.insert("payments.api.p99".to_string(), "<svg id=\"chart\"></svg>".to_string());
        let html = html(&d, &charts);
        assert!(!html.contains("<script>x") && !html.contains("<img src=x>") && !html.contains("<b>ments"), "{html}");
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;") && html.contains("Pay&lt;b&gt;ments"));
        assert_eq!(html.matches("<svg id=\"chart\">").count(), 1, "the discussed finding's chart, once");
    }
}
