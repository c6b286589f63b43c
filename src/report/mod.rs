//! Outputs of a review: the terminal summary, Markdown for a wiki or ticket, a self-contained HTML
//! pre-read with one chart per flagged metric, and the JSON document ([`json`]). All user text is
//! escaped for its medium, so a team or metric name can never become markup.

pub mod json;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::chart::{self, ChartOptions};
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
    format!(
        "{} · {} – {}",
        r.workspace.name,
        time::local_date(&r.ctx.tz, r.ctx.review_start()),
        time::local_date(&r.ctx.tz, r.ctx.review_end() - 1)
    )
}

fn summary_line(r: &Review) -> String {
    let teams = r.findings.iter().map(|f| f.team.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    format!(
        "{} finding{} across {} team{} · {} metrics ({} failed to load) · time zone {} · history {} week{} · sensitivity {}",
        r.findings.len(),
        if r.findings.len() == 1 { "" } else { "s" },
        teams,
        if teams == 1 { "" } else { "s" },
        r.series.len() + r.errors.len(),
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
    }
    if r.findings.len() > limit {
        let _ = writeln!(out, "     … and {} more (use --limit or --json).", r.findings.len() - limit);
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
}

impl Notes {
    fn chart_notes(&self, metric: &str) -> Vec<chart::Note> {
        chart::notes_of(&self.annotations, metric)
    }
}

/// Markdown for a wiki page or a ticket.
pub fn markdown(r: &Review) -> String {
    markdown_with(r, &Notes::default())
}

/// [`markdown`] with the previous action items first and the annotations.
pub fn markdown_with(r: &Review, notes: &Notes) -> String {
    let md = text::markdown;
    let mut out = String::new();
    let _ = writeln!(out, "# Flywheel review — {}\n", md(&title(r)));
    let _ = writeln!(out, "{}\n", md(&summary_line(r)));
    if !notes.actions.is_empty() {
        let _ = writeln!(out, "## Previous action items\n\n| # | Status | Title | Owner | Due | About |\n|---|---|---|---|---|---|");
        for a in &notes.actions {
            let due = a.due.clone().unwrap_or_default() + if a.overdue(&notes.today) { " **overdue**" } else { "" };
            let about = a.about();
            let _ = writeln!(out, "| {} | {} | {} | {} | {} | {} |", a.id, a.status.key(), md(&a.title), md(&a.owner), due, md(&about));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Findings\n");
    if r.findings.is_empty() {
        let _ = writeln!(out, "Nothing stands out this week.\n");
    } else {
        let _ = writeln!(out, "| # | Severity | Kind | Team | Metric | When | What |\n|---|---|---|---|---|---|---|");
        for (i, f) in r.findings.iter().enumerate() {
            let metric = match &f.instance {
                Some(inst) => format!("{} [{}]", f.metric, inst),
                None => f.metric.clone(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                f.severity,
                f.kind.label(),
                md(&f.team),
                md(&metric),
                md(&when(r, f)),
                md(&f.sentence)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Per team\n\n| Team | Findings | Top severity |\n|---|---|---|");
    for (team, n, top) in team_counts(r) {
        let _ = writeln!(out, "| {} | {} | {} |", md(&team), n, top);
    }
    if !notes.annotations.is_empty() {
        let _ = writeln!(out, "\n## Annotations\n");
        for a in &notes.annotations {
            let _ = writeln!(
                out,
                "- {} ({}–{}): {}",
                md(&a.metric),
                time::short_label(&r.ctx.tz, a.start),
                time::short_label(&r.ctx.tz, a.end),
                md(&a.note)
            );
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(out, "\n## Input notes\n");
        for w in &r.warnings {
            let _ = writeln!(out, "- {} ({}): {}", md(&w.metric), md(&w.file), md(&w.message));
        }
    }
    let _ = writeln!(out, "\n_Generated by flywheel {}._", env!("CARGO_PKG_VERSION"));
    out
}

const CSS: &str = r#"
:root { color-scheme: light dark; --ink:#1f2937; --muted:#6b7280; --bg:#ffffff; --card:#f8fafc; --line:#e5e7eb; --hi:#dc2626; --mid:#d97706; --lo:#6b7280; }
@media (prefers-color-scheme: dark) { :root { --ink:#e5e7eb; --muted:#9ca3af; --bg:#111827; --card:#1f2937; --line:#374151; } }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: var(--bg); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); } table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
.sev { font-weight: 700; font-variant-numeric: tabular-nums; } .sev.hi { color: var(--hi); } .sev.mid { color: var(--mid); } .sev.lo { color: var(--lo); }
.kind { white-space: nowrap; font-size: 13px; } figure { margin: 16px 0 28px; padding: 12px; background: var(--card); border-radius: 8px; }
figcaption { font-weight: 600; margin-bottom: 6px; } figure ul { margin: 8px 0 0; padding-left: 20px; } svg { max-width: 100%; height: auto; }
.legend span { margin-right: 14px; font-size: 13px; } .sw { display: inline-block; width: 18px; height: 3px; vertical-align: middle; margin-right: 4px; }
"#;

fn sev_class(s: u8) -> &'static str {
    match crate::finding::Band::of(s) {
        crate::finding::Band::High => "hi",
        crate::finding::Band::Mid => "mid",
        crate::finding::Band::Low => "lo",
    }
}

/// A self-contained HTML pre-read: no external resource, inline SVG charts, every text escaped.
pub fn html(r: &Review) -> String {
    html_with(r, &Notes::default())
}

/// [`html`] with the previous action items first and the annotations on the charts.
pub fn html_with(r: &Review, notes: &Notes) -> String {
    let h = text::html;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Flywheel review — {}</title>\n<style>{CSS}</style></head><body>\n",
        h(&title(r))
    );
    let _ = writeln!(
        out,
        "<header><h1>Flywheel review — {}</h1><p class=\"muted\">{}<br>Range: {}.</p></header>",
        h(&title(r)),
        h(&summary_line(r)),
        h(&r.range_note)
    );
    html_actions(&mut out, notes);
    html_findings(&mut out, r);
    html_charts(&mut out, r, notes);
    html_teams(&mut out, r);
    if !r.warnings.is_empty() {
        let _ = writeln!(out, "<section><h2>Input notes</h2><ul>");
        for w in &r.warnings {
            let _ = writeln!(out, "<li>{} ({}): {}</li>", h(&w.metric), h(&w.file), h(&w.message));
        }
        let _ = writeln!(out, "</ul></section>");
    }
    let _ = writeln!(out, "<footer class=\"muted\"><p>Generated by flywheel {}.</p></footer></body></html>", env!("CARGO_PKG_VERSION"));
    out
}

/// The previous action items, overdue marked (nothing when there are none).
fn html_actions(out: &mut String, notes: &Notes) {
    let h = text::html;
    if notes.actions.is_empty() {
        return;
    }
    let _ = writeln!(out, "<section><h2>Previous action items</h2><table><thead><tr><th>#</th><th>Status</th><th>Title</th><th>Owner</th><th>Due</th><th>About</th></tr></thead><tbody>");
    for a in &notes.actions {
        let overdue = if a.overdue(&notes.today) { " <b class=\"sev hi\">overdue</b>" } else { "" };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}{overdue}</td><td>{}</td></tr>",
            a.id,
            h(a.status.key()),
            h(&a.title),
            if a.details.is_empty() { String::new() } else { format!("<br><span class=\"muted\">{}</span>", h(&a.details)) },
            h(&a.owner),
            h(a.due.as_deref().unwrap_or("")),
            h(&a.about())
        );
    }
    let _ = writeln!(out, "</tbody></table></section>");
}

/// The ranked findings table, each metric linked to its chart.
fn html_findings(out: &mut String, r: &Review) {
    let h = text::html;
    let _ = writeln!(out, "<section><h2>Findings</h2>");
    if r.findings.is_empty() {
        let _ = writeln!(out, "<p>Nothing stands out this week.</p>");
    } else {
        let _ = writeln!(out, "<table><thead><tr><th>#</th><th>Severity</th><th>Kind</th><th>Team</th><th>Metric</th><th>When</th><th>What</th></tr></thead><tbody>");
        for (i, f) in r.findings.iter().enumerate() {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"sev {}\">{}</td><td class=\"kind\">{}</td><td>{}</td><td><a href=\"#m-{}\">{}</a>{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                sev_class(f.severity),
                f.severity,
                h(f.kind.label()),
                h(&f.team),
                h(&anchor(&f.metric)),
                h(&f.metric),
                f.instance.as_ref().map(|i| format!(" [{}]", h(i))).unwrap_or_default(),
                h(&when(r, f)),
                h(&f.sentence)
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    let _ = writeln!(out, "</section>");
}

/// A chart per flagged metric (in rank order of its first finding) with its annotations and findings.
fn html_charts(out: &mut String, r: &Review, notes: &Notes) {
    let h = text::html;
    let _ = writeln!(
        out,
        "<section><h2>Charts</h2><p class=\"legend\"><span><i class=\"sw\" style=\"background:#2563eb\"></i>review range</span><span><i class=\"sw\" style=\"background:#60a5fa;opacity:.5;height:10px\"></i>seasonal band</span><span><i class=\"sw\" style=\"background:#888\"></i>last week</span><span><i class=\"sw\" style=\"background:#dc2626\"></i>alarm line</span><span><i class=\"sw\" style=\"background:#d97706\"></i>investigation line</span><span><i class=\"sw\" style=\"background:#f43f5e;opacity:.3;height:10px\"></i>flagged episode</span></p>"
    );
    let mut flagged: Vec<&str> = Vec::new();
    for f in &r.findings {
        if !flagged.contains(&f.metric.as_str()) {
            flagged.push(&f.metric);
        }
    }
    for id in flagged {
        let fs: Vec<&Finding> = r.findings.iter().filter(|f| f.metric == id).collect();
        let Some(first) = fs.first() else { continue };
        let _ = write!(
            out,
            "<figure id=\"m-{}\"><figcaption>{} · {} · {}</figcaption>",
            h(&anchor(id)),
            h(&first.team),
            h(&first.service),
            h(&first.metric_name)
        );
        match r.series_of(id).map(|s| chart::render_with(r, s, ChartOptions::default(), &notes.chart_notes(id))) {
            Some(Ok(c)) => out.push_str(&c.svg),
            Some(Err(e)) => {
                let _ = write!(out, "<p class=\"muted\">{}</p>", h(&e.to_string()));
            }
            None => {
                let _ = write!(out, "<p class=\"muted\">No chart: the metric has no data.</p>");
            }
        }
        let _ = write!(out, "<ul>");
        for a in notes.annotations.iter().filter(|a| a.metric == id) {
            let _ = write!(
                out,
                "<li>✎ {} ({}–{})</li>",
                h(&a.note),
                h(&time::short_label(&r.ctx.tz, a.start)),
                h(&time::short_label(&r.ctx.tz, a.end))
            );
        }
        for f in fs {
            let _ = write!(
                out,
                "<li><span class=\"sev {}\">{}</span> <b>{}</b> — {}</li>",
                sev_class(f.severity),
                f.severity,
                h(f.kind.label()),
                h(&f.sentence)
            );
        }
        let _ = writeln!(out, "</ul></figure>");
    }
    out.push_str("</section>");
}

/// Findings and top severity per team, with the team's dashboard link (http(s) only).
fn html_teams(out: &mut String, r: &Review) {
    let h = text::html;
    let _ = writeln!(out, "<section><h2>Per team</h2><table><thead><tr><th>Team</th><th>Findings</th><th>Top severity</th><th>Dashboard</th></tr></thead><tbody>");
    for (team, n, top) in team_counts(r) {
        let dashboard = r.workspace.team(&team).and_then(|t| t.dashboard.as_deref());
        let link = match dashboard.and_then(|u| crate::config::check_url(u).ok()) {
            Some(u) => format!("<a href=\"{}\" rel=\"noopener noreferrer\">open</a>", h(&u)),
            None => String::new(),
        };
        let _ =
            writeln!(out, "<tr><td>{}</td><td>{}</td><td class=\"sev {}\">{}</td><td>{}</td></tr>", h(&team), n, sev_class(top), top, link);
    }
    let _ = writeln!(out, "</tbody></table></section>");
}

/// An id-safe anchor for a metric id.
fn anchor(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
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
        };
        let notes = Notes { actions: vec![action], annotations: vec![note], today: "2026-11-16".into() };
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
}
