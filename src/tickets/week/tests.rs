//! The week's ticket review: what is recurring, what is new and severe, and which findings tickets report.

use super::*;
use crate::config::{Metric, Worse};
use crate::finding::Kind;

const WEEK: &str = "2026-11-09";

fn ws() -> Workspace {
    let mut ws = Workspace::bare(std::path::Path::new("x.csv"));
    ws.history_weeks = 5;
    ws
}

fn start() -> i64 {
    crate::time::parse_user_time(WEEK, &chrono_tz::Tz::UTC).expect("t")
}

/// A ticket `weeks_ago` weeks before the review week's Monday plus `hours`.
fn t(id: &str, title: &str, service: &str, weeks_ago: i64, hours: i64, sev: u8) -> Ticket {
    Ticket {
        id: id.into(),
        title: title.into(),
        description: String::new(),
        severity: Some(Severity(sev)),
        severity_text: format!("P{sev}"),
        status: "Open".into(),
        created: start() - weeks_ago * 7 * 86_400 + hours * 3600,
        resolved: None,
        service: service.into(),
        team: "Payments".into(),
        link: None,
        source: "t".into(),
    }
}

fn review(tickets: Vec<Ticket>, findings: &[Finding]) -> TicketReview {
    let s = start();
    build(&ws(), Tickets { tickets, notes: vec![], failed: vec![] }, s, s + 7 * 86_400, findings)
}

#[test]
fn problems_seen_in_three_weeks_or_growing_are_recurring_and_come_first() {
    let tickets = vec![
        t("G1", "Card gateway returns HTTP 502", "payments-api", 4, 10, 3),
        t("G2", "HTTP 502 from card gateway", "payments-api", 2, 30, 3),
        t("G3", "card gateway 502 on authorise", "payments-api", 0, 30, 2),
        t("S1", "Search index rebuild stuck", "search", 1, 5, 3),
        t("S2", "search index rebuild is stuck again", "search", 0, 5, 3),
        t("Q1", "Orders queue backlog", "orders", 0, 10, 2),
        t("Q2", "orders queue backlogged", "orders", 0, 40, 3),
        t("Q3", "Backlog in the orders queue", "orders", 0, 60, 3),
        t("L1", "Login button misaligned on mobile", "identity-web", 0, 2, 4),
        t("O1", "Old problem only in history", "legacy", 3, 2, 3),
        t("O2", "old problem only in history", "legacy", 2, 2, 3),
    ];
    let r = review(tickets, &[]);
    let rows: Vec<(String, bool, Vec<usize>)> = r.problems.iter().map(|p| (p.label.clone(), p.recurring, p.per_week.clone())).collect();
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows[0].0.starts_with("orders: ") && rows[0].1, "grew from 0 to 3 this week: {rows:#?}");
    assert_eq!(rows[0].2, vec![0, 0, 0, 0, 0, 3]);
    assert!(rows[1].0.starts_with("payments-api: ") && rows[1].0.contains("HTTP 502") && rows[1].1, "{rows:#?}");
    assert_eq!(r.problems[1].why, "in 3 of the last 6 weeks");
    assert_eq!((rows[2].0.starts_with("search: "), rows[2].1), (true, false), "two weeks, one ticket each: not recurring");
    let high: Vec<&str> = r.new_high.iter().map(|&i| r.tickets[i].id.as_str()).collect();
    assert_eq!(high, ["G3", "Q1"], "this week's P1/P2, newest first");
}

#[test]
fn tickets_link_to_findings_on_their_service_during_or_soon_after_the_episode() {
    let m = Metric::new("payments.api.p99", "Payments", "payments-api", Worse::Higher, std::path::Path::new("m.csv"), "");
    let f = Finding::new(Kind::AlarmBreach, &m, start() + 10 * 3600, start() + 11 * 3600, 90.0, "p99 above the alarm line".into());
    let tickets = vec![
        t("IN", "Payments slow", "Payments API", 0, 10, 2),
        t("AFTER", "payments slow?", "payments-api", 0, 12, 2),
        t("LATE", "payments slow", "payments-api", 0, 14, 2),
        t("BEFORE", "payments slow", "payments-api", 0, 9, 2),
        t("OTHER", "search slow", "search", 0, 10, 2),
    ];
    let trend = Finding::new(Kind::DriftTowardLine, &m, start() - 30 * 86_400, start() + 7 * 86_400, 50.0, "drifts".into());
    let r = review(tickets, &[f.clone(), trend]);
    let linked: Vec<&str> = r.links.iter().map(|l| r.tickets[l.ticket].id.as_str()).collect();
    assert_eq!(linked, ["IN", "AFTER"], "same service however written; not before the episode, not 3 h after it; never to a trend");
    assert!(r.links.iter().all(|l| l.finding == 0 && l.finding_id == f.id()));
}
