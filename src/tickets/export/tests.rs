//! Exports as each tool writes them, hostile rows, encodings and mappings.

use super::*;
use crate::config::tickets::TicketOrigin;

fn source(columns: &[(&str, &str)], date_format: Option<&str>) -> TicketSource {
    TicketSource {
        name: "t".into(),
        origin: TicketOrigin::Csv { path: "t.csv".into(), format: Format::Auto },
        columns: columns.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        date_format: date_format.map(str::to_string),
        timezone: None,
        line: 1,
    }
}

fn utc(s: &str) -> i64 {
    crate::time::parse_user_time(s, &Tz::UTC).expect("time")
}

#[test]
fn each_tools_export_is_read_by_its_headers() {
    let cases: [(&str, Format, &str); 4] = [
        (
            "Summary,Issue key,Issue id,Issue Type,Status,Priority,Created,Resolved,Component/s,Component/s,Team,Description\nCard gateway 502s,OPS-12,1012,Incident,Done,Highest,09/Nov/26 2:15 PM,09/Nov/26 4:00 PM,payments-api,,Payments,\"Gateway says\n502 Bad Gateway\"\n",
            Format::Jira,
            "OPS-12|Card gateway 502s|1|Done|2026-11-09T14:15:00+00:00|payments-api|Payments|Gateway says\n502 Bad Gateway",
        ),
        (
            "number,short_description,description,priority,state,opened_at,resolved_at,business_service,assignment_group\nINC0010042,Checkout slow,,2 - High,Resolved,2026-11-09 14:15:00,,checkout-api,Checkout\n",
            Format::ServiceNow,
            "INC0010042|Checkout slow|2|Resolved|2026-11-09T14:15:00+00:00|checkout-api|Checkout|",
        ),
        (
            "id,incident_number,title,urgency,status,created_on,resolved_on,service_name,escalation_policy_name,html_url\nQ1X,4711,Disk full on db-3,high,resolved,2026-11-09T14:15:00Z,2026-11-09T15:00:00Z,orders-db,DBA,https://acme.pagerduty.com/incidents/Q1X\n",
            Format::PagerDuty,
            "4711|Disk full on db-3|2|resolved|2026-11-09T14:15:00+00:00|orders-db|DBA|",
        ),
        (
            "number,title,body,state,labels,created_at,closed_at,repository,html_url\n42,Login loop on Safari,Steps: …,open,\"bug, sev3\",2026-11-09T14:15:00Z,,acme/identity,https://github.com/acme/identity/issues/42\n",
            Format::GitHub,
            "#42|Login loop on Safari|3|open|2026-11-09T14:15:00+00:00|acme/identity||Steps: …",
        ),
    ];
    for (text, want_format, want) in cases {
        let (tickets, notes) = parse(text, "t.csv", Format::Auto, &source(&[], None), Tz::UTC).expect(want);
        assert_eq!(tickets.len(), 1, "{want}: {notes:?}");
        let t = &tickets[0];
        let got = format!(
            "{}|{}|{}|{}|{}|{}|{}|{}",
            t.id,
            t.title,
            t.severity.map(|s| s.0).unwrap_or(0),
            t.status,
            crate::time::rfc3339(&Tz::UTC, t.created),
            t.service,
            t.team,
            t.description
        );
        assert_eq!(got, want);
        assert!(notes[0].message.contains(&format!("read as a {} export", want_format.label())), "{notes:?}");
    }
}

#[test]
fn bad_rows_are_named_by_line_and_skipped_while_the_rest_load() {
    let text = "id,title,created,priority\nA-1,Fine,2026-11-09 10:00,P1\nA-2,,2026-11-09 10:00,P2\nA-3,No date,yesterday,P2\nA-4,\"Two\nlines\",2026-11-10 10:00,P3\nA-5,Also fine,2026-11-10T11:00:00+01:00,P2\nA-1,Repeated id,2026-11-11 10:00,P2\n";
    let (tickets, notes) = parse(text, "t.csv", Format::Auto, &source(&[], None), Tz::UTC).expect("parses");
    let ids: Vec<&str> = tickets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["A-1", "A-4", "A-5"]);
    assert_eq!(tickets[1].title, "Two lines", "a title is one line");
    assert_eq!(tickets[2].created, utc("2026-11-10T10:00:00Z"));
    let all: Vec<&str> = notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(all[0], "t.csv: read as a CSV export: 3 tickets (opened 2026-11-09 – 2026-11-10), 2 rows skipped", "{all:?}");
    assert!(all.contains(&"t.csv:3: no title: row skipped"), "{all:?}");
    assert!(all.contains(&"t.csv:4: created time `yesterday` is not a date: row skipped"), "{all:?}");
    assert!(all.contains(&"t.csv: 1 row repeats an id already read: the first kept"), "{all:?}");
}

#[test]
fn a_spreadsheets_semicolon_or_tab_export_is_read_by_its_header_row() {
    // (text, its id column, ids read): a semicolon export with day-first dates (a comma in a title stays in it),
    // a tab one, and a comma export whose titles hold semicolons.
    let cases = [
        ("Schlüssel;Summary;Created\nA-1;Slow, then down;24.11.2026 09:15\nA-2;Queue;25.11.2026 10:00\n", "Schlüssel", vec!["A-1", "A-2"]),
        ("id\ttitle\tcreated\nB-1\tDisk; full\t2026-11-24 09:15\n", "id", vec!["B-1"]),
        ("id,title,created\nC-1,a; b; c,2026-11-24 09:15\nC-2,d,2026-11-24 09:20\n", "id", vec!["C-1", "C-2"]),
    ];
    for (text, id, want) in cases {
        let (t, notes) = parse(text, "t.csv", Format::Auto, &source(&[("id", id)], None), chrono_tz::Europe::Berlin)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(t.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), want, "{text}: {notes:?}");
        if id != "id" {
            assert_eq!((t[0].title.as_str(), t[0].created), ("Slow, then down", utc("2026-11-24T08:15:00Z")));
        }
    }
}

#[test]
fn columns_and_date_format_override_the_defaults_and_a_missing_column_is_named() {
    let text = "Ref,Headline,Opened (local),Prio\nX9,Queue backlog,24.11.2026 09:15,Critical\n";
    let s = source(&[("id", "Ref"), ("title", "Headline"), ("created", "Opened (local)"), ("severity", "Prio")], Some("%d.%m.%Y %H:%M"));
    let (t, _) = parse(text, "t.csv", Format::Auto, &s, chrono_tz::Europe::Berlin).expect("mapped");
    assert_eq!((t[0].id.as_str(), t[0].severity), ("X9", Some(Severity(1))));
    assert_eq!(t[0].created, utc("2026-11-24T08:15:00Z"));
    let e = parse(text, "t.csv", Format::Auto, &source(&[], None), Tz::UTC).expect_err("no title column");
    let m = e.to_string();
    assert!(m.starts_with("t.csv: no column for the ticket's title"), "{m}");
    assert!(m.contains("Ref, Headline, Opened (local), Prio"), "{m}");
    let e = parse(text, "t.csv", Format::Auto, &source(&[("title", "Subject")], None), Tz::UTC).expect_err("absent header");
    assert!(e.to_string().contains("columns: title = \"Subject\" is not a header"), "{e}");
}

#[test]
fn hostile_text_is_kept_inert_and_bounded() {
    let huge = "A".repeat(100_000);
    let text = format!(
        "id,title,description,created,url\n<b>1</b>,\"<script>alert(1)</script>\u{202e}\",\"{huge}\",2026-11-09 10:00,javascript:alert(1)\n2,\"=HYPERLINK(\"\"http://x\"\")\",d,2026-11-09 11:00,https://ok.example/t/2\n"
    );
    let (t, _) = parse(&text, "t.csv", Format::Auto, &source(&[], None), Tz::UTC).expect("parses");
    assert_eq!(t[0].title, "<script>alert(1)</script>", "kept as text (escaped where shown), bidi override removed");
    assert_eq!(t[0].description.chars().count(), MAX_DESCRIPTION + 1);
    assert_eq!(t[0].link, None, "only http(s) links");
    assert_eq!(t[1].title, "=HYPERLINK(\"http://x\")");
    assert_eq!(t[1].link.as_deref(), Some("https://ok.example/t/2"));
}

#[test]
fn encodings_other_than_utf8_are_decoded() {
    let (s, note) = decode("id,title\n1,Caf\u{e9}\n".as_bytes());
    assert_eq!((s.contains("Café"), note), (true, None));
    let (s, note) = decode(b"id,title\n1,Caf\xe9\n");
    assert!(s.contains("Café") && note.as_deref() == Some("not UTF-8: read as Windows-1252"));
    let mut utf16 = vec![0xff, 0xfe];
    for u in "id,title\n1,Café\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let (s, note) = decode(&utf16);
    assert!(s.contains("Café"), "{s}");
    assert_eq!(note.as_deref(), Some("read as UTF-16LE"));
    let (s, note) = decode(b"\xef\xbb\xbfid,title\n");
    assert_eq!((s.as_str(), note), ("id,title\n", None), "a UTF-8 BOM is skipped silently");
}

#[test]
fn ticket_times_in_the_forms_tools_write() {
    let berlin = chrono_tz::Europe::Berlin;
    let cases = [
        ("2026-11-09T14:15:00Z", Tz::UTC, Some("2026-11-09T14:15:00+00:00")),
        ("2026-11-09 14:15:00", berlin, Some("2026-11-09T13:15:00+00:00")),
        ("09/Nov/26 2:15 PM", Tz::UTC, Some("2026-11-09T14:15:00+00:00")),
        ("11/09/2026 14:15", Tz::UTC, Some("2026-11-09T14:15:00+00:00")),
        ("13/11/2026 14:15", Tz::UTC, Some("2026-11-13T14:15:00+00:00")),
        ("09.11.2026 14:15", berlin, Some("2026-11-09T13:15:00+00:00")),
        ("2026-11-09 14:15:00 UTC", berlin, Some("2026-11-09T14:15:00+00:00")),
        ("1762697700", Tz::UTC, Some("2025-11-09T14:15:00+00:00")),
        ("last Tuesday", Tz::UTC, None),
        ("", Tz::UTC, None),
    ];
    for (text, tz, want) in cases {
        assert_eq!(parse_time(text, &tz, None).map(|t| crate::time::rfc3339(&Tz::UTC, t)), want.map(str::to_string), "{text}");
    }
}
