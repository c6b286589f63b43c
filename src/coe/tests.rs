//! The COE draft from a finding, a ticket and a problem, and its exports.

use super::*;
use crate::analysis::Params;
use crate::journal::coes::CoeStatus;
use crate::review::RangeSpec;
use crate::tickets::{Severity, Ticket, Tickets};

fn review(dir: &std::path::Path) -> Review {
    let ws = crate::fixture::workspace(dir);
    Review::run(ws, RangeSpec::WeekOf(crate::fixture::WEEK), Params::default(), &crate::source::Quiet).expect("review")
}

fn ticket(id: &str, title: &str, created: i64) -> Ticket {
    Ticket {
        id: id.into(),
        title: title.into(),
        description: String::new(),
        severity: Some(Severity(2)),
        severity_text: "High".into(),
        status: "Open".into(),
        created,
        resolved: Some(created + 3600),
        service: "api".into(),
        team: "Core".into(),
        link: None,
        source: "t".into(),
    }
}

#[test]
fn a_draft_from_a_finding_a_ticket_or_a_problem_holds_the_episode_and_its_tickets() {
    let dir = tempfile::tempdir().expect("tmp");
    let r = review(dir.path());
    let f = r.findings.iter().find(|f| f.metric == "api.latency").expect("the spike is a finding").clone();
    let spike = crate::fixture::WEEK + 2 * 86_400 + 14 * 3600;
    let tickets = Tickets {
        tickets: vec![
            ticket("OPS-1", "API slow <b>now</b>", spike + 600),
            ticket("OPS-2", "api latency spike", spike + 1200),
            ticket("OPS-0", "api latency spike", spike - 7 * 86_400),
        ],
        ..Tickets::default()
    };
    let tr = crate::tickets::week::build(&r.workspace, tickets, r.ctx.review_start(), r.ctx.review_end(), &r.findings);
    let note = Annotation {
        id: 1,
        metric: "api.latency".into(),
        start: spike,
        end: spike + 3600,
        note: "deploy 4.2\nrolled back".into(),
        finding: String::new(),
        author: "ana".into(),
        maintenance: false,
        created_at: 0,
    };
    let c = Context { review: &r, tickets: Some(&tr), annotations: std::slice::from_ref(&note), actions: &[] };

    let d = draft(&c, &Start::Finding(f.id())).expect("draft");
    assert_eq!((d.week.as_str(), d.metric.as_str(), d.start, d.end), ("2026-11-02", "api.latency", f.start, f.end));
    assert!(d.title.starts_with("COE: ") && d.title.contains("api.latency") || d.title.contains(&f.metric_name), "{}", d.title);
    assert_eq!(d.origin, format!("finding:{}", f.id()));
    for part in [
        "## Summary",
        "## Customer impact",
        "## Timeline (UTC)",
        "## Five whys",
        "## Lessons learnt",
        "## Action items",
        &f.sentence,
        "alarm line 1000 ms, investigation line 800 ms",
    ] {
        assert!(d.body.contains(part), "{part}: {}", d.body);
    }
    assert!(d.body.contains("Wed 4 Nov 14:10: ticket OPS-1 opened (SEV 2): API slow <b>now</b>"), "{}", d.body);
    assert!(d.body.contains("Wed 4 Nov 14:00: annotation on api.latency: deploy 4.2 rolled back (ana)"), "{}", d.body);
    assert!(d.body.contains("Wed 4 Nov 15:10: ticket OPS-1 resolved"), "{}", d.body);

    let t = draft(&c, &Start::Ticket("OPS-2".into())).expect("from a ticket");
    assert_eq!((t.title.as_str(), t.metric.as_str()), ("COE: api latency spike", "api.latency"), "the ticket's finding gives the metric");
    let p = draft(&c, &Start::Problem(0)).expect("from the problem");
    assert!(p.title.starts_with("COE: Recurring problem: api: ") || p.title.starts_with("COE: Problem: api: "), "{}", p.title);
    assert_eq!(draft(&c, &Start::Ticket("NOPE".into())), Err(CoeError::NoTicket("NOPE".into())));
    assert_eq!(draft(&c, &Start::Problem(9)), Err(CoeError::NoProblem(9, tr.problems.len())));
    // Said as `flywheel tickets` numbers the problems, from 1.
    assert_eq!(CoeError::NoProblem(9, 2).to_string(), "no problem 10 in this week's ticket review (there are 2)");
    let no_tickets = Context { tickets: None, ..c };
    assert_eq!(draft(&no_tickets, &Start::Ticket("OPS-1".into())), Err(CoeError::NoTickets));
}

#[test]
fn exports_keep_every_text_inert() {
    let c = Coe {
        id: 7,
        week: "2026-11-09".into(),
        title: "COE: <script>alert(1)</script>".into(),
        origin: String::new(),
        metric: "api.latency".into(),
        start: 0,
        end: 0,
        body: "# COE: <script>alert(1)</script>\n\n## Customer impact\n\n- <img src=x onerror=alert(1)>\n  - nested [x](javascript:alert(1))\n1. first\n2. second\n- [ ] todo\n- [x] done\n\nA paragraph\nover two lines.\n".into(),
        status: CoeStatus::InReview,
        created_by: "ana".into(),
        updated_by: "<bo>".into(),
        created_at: 0,
        updated_at: 0,
        revision: 3,
    };
    let page = html(&c, &Tz::UTC, Some("<svg id=\"chart\"></svg>"));
    assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("<bo>"), "{page}");
    assert!(page.contains("<h2>Customer impact</h2>\n<figure><svg id=\"chart\"></svg>"), "the chart under the impact: {page}");
    assert!(
        page.contains("<li>&lt;img src=x onerror=alert(1)&gt;</li>\n</ul>\n<ul>\n<li>nested [x](javascript:alert(1))</li>")
            || page.contains("<ul>\n<li>nested"),
        "{page}"
    );
    assert!(page.contains("<ol>\n<li>first</li>\n<li>second</li>\n</ol>"), "{page}");
    assert!(page.contains("<li>☐ todo</li>") && page.contains("<li>☑ done</li>"), "{page}");
    assert!(page.contains("<p>A paragraph over two lines.</p>"), "{page}");
    assert!(page.contains("content=\"default-src 'none'"), "strict CSP");
    let md = markdown(&c, &Tz::UTC);
    assert!(md.starts_with("<!-- COE 7 · week of 2026-11-09 · in review · started by ana") && md.contains("revision 3"), "{md}");
}
