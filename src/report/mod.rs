//! Outputs of a review: the terminal summary, Markdown for a wiki or ticket, a self-contained HTML
//! pre-read with one chart per flagged metric (the highest ranked), and the JSON document ([`json`]). All
//! user text is escaped for its medium, so a team or metric name can never become markup.

mod html;
pub mod json;
mod markdown;
mod sections;
pub mod tickets;

pub use html::{html, html_with};
pub use markdown::{markdown, markdown_with};

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::chart;
use crate::finding::Finding;
use crate::journal::actions::ActionItem;
use crate::journal::annotations::Annotation;
use crate::review::Review;
use crate::text;
use crate::time;

/// When a finding happened, in local time: `Tue 14:05–14:45`, `Tue 14:05 – Wed 03:00`, `6 weeks`.
pub fn when(r: &Review, f: &Finding) -> String {
    let tz = &r.ctx.tz;
    let len = f.end - f.start;
    if f.start < r.ctx.review_start() {
        let weeks = ((f.end - f.start) as f64 / time::WEEK as f64).round().max(1.0) as i64;
        return format!("{weeks} weeks");
    }
    if f.start <= r.ctx.review_start() && f.end >= r.ctx.review_end() {
        return "whole range".to_string();
    }
    if f.end >= r.ctx.review_end() {
        return format!("from {}", time::short_label(tz, f.start));
    }
    let a = time::utc(f.start).with_timezone(tz);
    let b = time::utc(f.end).with_timezone(tz);
    if len <= r.ctx.grid.step {
        a.format("%a %H:%M").to_string()
    } else if a.date_naive() == b.date_naive() {
        format!("{}–{}", a.format("%a %H:%M"), b.format("%H:%M"))
    } else {
        format!("{} – {}", a.format("%a %H:%M"), b.format("%a %H:%M"))
    }
}

/// Findings per team: every workspace team in order (with zero when quiet), then any team only the
/// findings name. One place for the terminal, Markdown, HTML and JSON outputs.
pub fn team_counts(r: &Review) -> Vec<(String, usize, u8)> {
    let mut out: Vec<(String, usize, u8)> = r.workspace.teams.iter().map(|t| (t.name.clone(), 0, 0)).collect();
    for f in &r.findings {
        let i = match out.iter().position(|(n, _, _)| *n == f.team) {
            Some(i) => i,
            None => {
                out.push((f.team.clone(), 0, 0));
                out.len() - 1
            }
        };
        out[i].1 += 1;
        out[i].2 = out[i].2.max(f.severity);
    }
    out
}

fn title(r: &Review) -> String {
    let week =
        time::iso_week_of(&r.ctx.tz, r.ctx.review_start(), r.ctx.review_end()).map(|w| format!("week {} · ", w.week())).unwrap_or_default();
    format!(
        "{} · {week}{} – {}",
        r.workspace.name,
        time::local_date(&r.ctx.tz, r.ctx.review_start()),
        time::local_date(&r.ctx.tz, r.ctx.review_end() - 1)
    )
}

fn summary_line(r: &Review) -> String {
    let teams = r.findings.iter().map(|f| f.team.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    let metrics = r.series.len() + r.errors.len();
    format!(
        "{} finding{} across {} team{} · {} metric{} ({} failed to load) · time zone {} · history {} week{} · sensitivity {}",
        r.findings.len(),
        if r.findings.len() == 1 { "" } else { "s" },
        teams,
        if teams == 1 { "" } else { "s" },
        metrics,
        if metrics == 1 { "" } else { "s" },
        r.errors.len(),
        r.ctx.tz.name(),
        r.ctx.history_weeks,
        if r.ctx.history_weeks == 1 { "" } else { "s" },
        r.params.sensitivity,
    )
}

/// Terminal summary: ranked findings, one block each, then per-team counts and input warnings.
pub fn terminal(r: &Review, color: bool, limit: usize) -> String {
    // Every piece of user text (names, sentences, file names) is made inert for the terminal.
    let t = |s: &str| text::terminal_safe(s, true);
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint("1", &format!("Flywheel review — {}", t(&title(r)))));
    let _ = writeln!(out, "{}", t(&summary_line(r)));
    let _ = writeln!(out, "Range: {}.", r.range_note);
    let _ = writeln!(out);
    if r.findings.is_empty() {
        let _ = writeln!(out, "Nothing stands out this week: no line breached, nothing outside the seasonal band, no gaps.");
    }
    for (i, f) in r.findings.iter().take(limit).enumerate() {
        let sev = format!("{:>3}", f.severity);
        let sev = match f.severity {
            70.. => paint("1;31", &sev),
            45..=69 => paint("33", &sev),
            _ => paint("2", &sev),
        };
        let _ = writeln!(
            out,
            "{:>3}. {} {:<20} {:<14} {}{}  {}",
            i + 1,
            sev,
            f.kind.label(),
            truncate(&t(&f.team), 14),
            t(&f.metric),
            f.instance.as_ref().map(|i| format!(" [{}]", t(i))).unwrap_or_default(),
            paint("2", &when(r, f))
        );
        let _ = writeln!(out, "          {}", t(&f.sentence));
        // What the room already said about it (a verdict given on this week's review).
        if let Some(v) = r.verdicts.get(&f.id()) {
            let _ = writeln!(out, "          {}", paint("2", &format!("said: {} — {}", t(&v.describe()), t(&v.author))));
        }
    }
    if r.findings.len() > limit {
        let _ = writeln!(out, "     … and {} more (use --limit or --json).", r.findings.len() - limit);
    }
    if !r.muted.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint("1", &format!("Muted ({}) — expected, folded away (--show-muted shows them in place)", r.muted.len()))
        );
        for m in &r.muted {
            let f = &m.finding;
            let _ = writeln!(out, "  {:>3} {} · {} — {}, said by {}", f.severity, t(&f.metric), f.kind.label(), t(&m.reason), t(&m.by));
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", paint("1", "Per team"));
    for (team, n, top) in team_counts(r) {
        let _ = writeln!(out, "  {:<24} {:>3} finding{}  (top severity {})", t(&team), n, if n == 1 { " " } else { "s" }, top);
    }
    // Say which metrics could not use the full seasonal baseline, and why.
    let mut degraded: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in &r.series {
        if s.fit.kind != crate::analysis::BaselineKind::TimeOfWeek {
            degraded.entry(s.fit.reason.as_str()).or_default().push(s.metric.id.as_str());
        }
    }
    if !degraded.is_empty() {
        let _ = writeln!(out, "\n{}", paint("1", "Baselines"));
        for (reason, ids) in &degraded {
            let more = if ids.len() > 4 { format!(" and {} more", ids.len() - 4) } else { String::new() };
            let _ = writeln!(out, "  {}{}: {}", t(&ids.iter().take(4).copied().collect::<Vec<_>>().join(", ")), more, reason);
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(out, "\n{}", paint("1", "Input notes"));
        for w in &r.warnings {
            let _ = writeln!(out, "  {} ({}): {}", t(&w.metric), t(&w.file), t(&w.message));
        }
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// What reviewers wrote, for the reports: the action items still to do (shown first, overdue first)
/// and the annotations (drawn on charts, listed under them).
#[derive(Debug, Clone, Default)]
pub struct Notes {
    pub actions: Vec<ActionItem>,
    pub annotations: Vec<Annotation>,
    /// `YYYY-MM-DD`, for "overdue".
    pub today: String,
    /// The week's ticket review, when the workspace names ticket sources (the "Tickets" section).
    pub tickets: Option<crate::tickets::week::TicketReview>,
}

impl Notes {
    fn chart_notes(&self, metric: &str) -> Vec<chart::Note> {
        chart::notes_of(&self.annotations, metric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::actions::Status;

    #[test]
    fn previous_action_items_come_first_and_notes_are_inert() {
        let r = Review::open(std::path::Path::new("data"), false, &crate::source::Quiet).expect("the sample reviews");
        let evil = "<script>alert(1)</script>";
        let action = ActionItem {
            id: 7,
            title: format!("Lower the line {evil}"),
            details: "`code` | pipe".into(),
            owner: "ana".into(),
            due: Some("2026-11-01".into()),
            status: Status::Open,
            week: "2026-11-02".into(),
            team: "Payments".into(),
            metric: "payments.api.p99".into(),
            finding: String::new(),
            range: None,
            created_at: 0,
            updated_at: 0,
            created_by: "ana".into(),
            updated_by: "ana".into(),
            revision: 1,
        };
        let note = Annotation {
            id: 1,
            metric: "payments.api.p99".into(),
            start: r.ctx.review_start() + 3600,
            end: r.ctx.review_start() + 7200,
            note: format!("deploy {evil}"),
            finding: String::new(),
            author: String::new(),
            created_at: 0,
            maintenance: false,
        };
        let notes = Notes { actions: vec![action], annotations: vec![note], today: "2026-11-16".into(), tickets: None };
        let html = html_with(&r, &notes);
        assert!(!html.contains(evil), "raw markup in the HTML report");
        assert!(html.contains("&lt;script&gt;"), "the note is shown, escaped");
        let (prev, findings) = (html.find("Previous action items").expect("section"), html.find("<h2>Findings").expect("findings"));
        assert!(prev < findings, "previous action items come before the findings");
        assert!(html.contains("overdue"));
        assert!(html.contains("✎ deploy &lt;script&gt;"), "the annotation is drawn on the chart, escaped");
        let md = markdown_with(&r, &notes);
        assert!(md.find("## Previous action items").expect("md section") < md.find("## Findings").expect("md findings"));
        assert!(md.contains("**overdue**"));
    }

    #[test]
    fn an_organisations_pre_read_charts_the_highest_ranked_metrics_and_links_only_to_charts() {
        let mut r = Review::open(std::path::Path::new("data"), false, &crate::source::Quiet).expect("the sample reviews");
        let sample: std::collections::BTreeSet<String> = r.findings.iter().map(|f| f.metric.clone()).collect();
        // 150 more flagged metrics, ranked after the sample's (the review holds no data of theirs).
        let template = r.findings[0].clone();
        for i in 0..150 {
            let mut f = template.clone();
            f.metric = format!("fleet.{i:03}");
            f.severity = 1;
            r.findings.push(f);
        }
        let flagged = sample.len() + 150;
        let html = html(&r);
        assert_eq!(html.matches("<figure id=").count(), sections::MAX_CHARTS, "{flagged} flagged metrics");
        let note = format!("the other {} flagged metrics are in the findings table", flagged - sections::MAX_CHARTS);
        assert!(html.contains(&note), "{note}");
        for m in &sample {
            assert!(html.contains(&format!("<a href=\"#m-{}\">", html::anchor(m))), "{m}: the sample's metrics rank first and are linked");
        }
        assert!(!html.contains("href=\"#m-fleet-149\""), "a metric without a chart is not linked");
        assert!(html.contains("<td>fleet.149</td>"), "but it is in the findings table");
        // Every link within the page leads to a chart.
        for link in html.split("href=\"#").skip(1) {
            let id = &link[..link.find('"').expect("a closed link")];
            assert!(html.contains(&format!("id=\"{id}\"")), "a link to #{id} without its chart");
        }
        let table = &html[html.find("<h2>Findings").expect("the findings")..];
        let table = &table[..table.find("</table>").expect("a table")];
        assert_eq!(table.matches("<tr><td>").count(), r.findings.len(), "every finding is in the table");
    }

    #[test]
    fn the_noise_section_shows_each_team_and_kind_week_over_week_only_when_something_was_dismissed() {
        use crate::noise::WeekShare;
        let mut r = Review::open(std::path::Path::new("data"), false, &crate::source::Quiet).expect("the sample reviews");
        assert!(!html(&r).contains("Noise, week over week"), "nothing dismissed: no section");
        assert!(!markdown(&r).contains("Noise, week over week"));
        let week = |week: &str, findings, noise, expected| WeekShare { week: week.into(), findings, noise, expected };
        let evil = "<b>Ops</b>";
        r.noise.by_team.insert(evil.into(), vec![week("2026-11-09", 4, 1, 1), week("2026-11-16", 0, 0, 0)]);
        r.noise.by_kind.insert(crate::finding::Kind::SeasonalAnomaly, vec![week("2026-11-09", 4, 1, 1), week("2026-11-16", 0, 0, 0)]);
        let html = html(&r);
        let at = html.find("<h2>Noise, week over week</h2>").expect("the section");
        let section = &html[at..];
        assert!(!html.contains(evil) && section.contains("&lt;b&gt;Ops&lt;/b&gt;"), "team names are inert");
        assert_eq!(section.matches("<svg").count(), 2, "a chart per team and per kind");
        assert!(section.contains(">50%</text>") && section.contains(">11-16</text>"));
        let md = markdown(&r);
        assert!(md.contains("| Team | 11-09 | 11-16 |"), "{md}");
        assert!(md.contains("| 50% of 4 | – |"), "{md}");
        assert!(md.contains("| Kind | 11-09 | 11-16 |") && md.contains("| seasonal anomaly | 50% of 4 | – |"), "{md}");
    }
}
