//! `flywheel minutes`: the minutes of a meeting recorded in the journal (as the app's meeting view
//! records it), printed or written as Markdown and HTML with the discussed charts.

mod common;

use flywheel::config::Workspace;
use flywheel::journal::meetings::Mark;
use flywheel::journal::Journal;

use common::{run as flywheel, sample, text};

#[test]
fn the_minutes_of_a_recorded_meeting_print_and_write_with_charts() {
    let data = tempfile::tempdir().expect("tmp");
    let ws = Workspace::open(&sample()).expect("sample");
    let path = sample();
    let p = path.to_str().expect("path");
    let o = flywheel(data.path(), &["minutes", p]);
    assert!(!o.status.success() && text(&o).contains("no meeting was recorded yet"), "{}", text(&o));

    // A meeting as the app records it: segments moved through, the presenter, two marks.
    let key = flywheel::paths::workspace_key(&ws.origin);
    let mut j = Journal::open(&data.path().join("journals").join(format!("{key}.sqlite"))).expect("journal");
    let t0 = flywheel::time::parse_user_time("2026-11-16 10:00", &ws.tz).expect("time");
    let m = j.start_meeting("2026-11-09", &ws.agenda, "ana", t0).expect("start");
    j.meeting_segment(m.id, 1, t0 + 540).expect("wheel");
    j.meeting_people(m.id, &["Search".into()], "Payments").expect("people");
    j.meeting_segment(m.id, 3, t0 + 1500).expect("findings");
    j.meeting_mark(
        m.id,
        "payments.api.p99:alarm_breach:1",
        "payments.api.p99",
        "p99 above its alarm line",
        Mark::Discussed,
        Some("retry storm"),
        t0 + 1600,
    )
    .expect("discussed");
    j.meeting_mark(m.id, "search.api.errors:x:1", "search.api.errors", "errors rose", Mark::Skipped, None, t0 + 1700).expect("skipped");
    j.end_meeting(m.id, t0 + 2400).expect("end");
    drop(j);

    let o = flywheel(data.path(), &["minutes", p, "--week", "2026-11-12"]);
    let md = text(&o);
    assert!(o.status.success(), "{md}");
    assert!(md.starts_with("# Minutes — Sample shop, week 46 (week of 2026-11-09)\n\nMon 16 Nov 2026, 10:00–10:40 (40 min)"), "{md}");
    assert!(md.contains("host: ana · presenter: Payments · absent: Search"), "{md}");
    assert!(md.contains("| Last week's action items | 10 min | 10:00–10:09 (9 min) |"), "{md}");
    assert!(md.contains("| Top findings across all teams | 15 min | 10:25–10:40 (15 min) |"), "{md}");
    assert!(md.contains("## Findings discussed (1)\n\n- **payments.api.p99**: p99 above its alarm line — note: retry storm"), "{md}");
    assert!(md.contains("## Findings skipped (1)"), "{md}");

    let out = tempfile::tempdir().expect("tmp");
    let (md_file, html_file) = (out.path().join("m.md"), out.path().join("m.html"));
    let o = flywheel(
        data.path(),
        &["minutes", p, "--week", "2026-11-09", "--md", md_file.to_str().expect("md"), "--html", html_file.to_str().expect("html")],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&md_file).expect("md"), md, "the file is what was printed");
    let html = std::fs::read_to_string(&html_file).expect("html");
    assert_eq!(html.matches("<svg").count(), 1, "the discussed finding's chart, from the week's review");
    let o = flywheel(data.path(), &["minutes", p, "--week", "2026-11-23"]);
    assert!(!o.status.success() && text(&o).contains("no meeting was recorded for the week of 2026-11-23"), "{}", text(&o));
}
