//! `flywheel tickets`: the sample's ticket review (recurring problems, new severe tickets, links to the
//! week's findings), JSON, a hostile export, a workspace without ticket sources, and a failing Jira.

mod common;

use common::{run as flywheel, sample, text};

#[test]
fn the_samples_ticket_review_groups_recurring_problems_and_links_findings() {
    let data = tempfile::tempdir().expect("tmp");
    let p = sample();
    let o = flywheel(data.path(), &["tickets", p.to_str().expect("path")]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("# Tickets — week of Mon 9 Nov (Sample shop)"), "{out}");
    assert!(out.contains("9 tickets this week, 5 critical or high; 2 recurring problems."), "{out}");
    let recurring = out.find("## Recurring problems").expect("recurring section");
    let high = out.find("## New critical and high tickets").expect("high section");
    let gateway = out.find("1. **payments-api: HTTP 502").expect("the gateway problem first");
    let kafka = out.find("2. **kafka: ").expect("kafka second");
    assert!(recurring < gateway && gateway < kafka && kafka < high, "{out}");
    assert!(out.contains("grew from 0 to 2 this week"), "{out}");
    assert!(out.contains("OPS-131 · SEV 1 · Payments failing: card gateway 502s (payments-api, Tue 10 Nov 14:31) → alarm breach on payments-api p99 latency (Tue 14:05)"), "{out}");
    assert!(
        out.contains(
            "OPS-135 · SEV 2 · Login canary not reporting since 18:00 (login-canary, Sat 14 Nov 19:05) → missing data on login-canary"
        ),
        "{out}"
    );
    assert!(out.contains("read as a Jira export: 17 tickets (opened 2026-10-13 – 2026-11-14)"), "{out}");
    assert!(
        !out.contains("OPS-138")
            || !out.contains("OPS-138 · SEV 4 · Request: export of last quarter's refunds (billing-export, Mon 9 Nov 10:00) →"),
        "no link to a source error"
    );

    let o = flywheel(data.path(), &["tickets", p.to_str().expect("path"), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let problems = doc["tickets"]["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 2);
    assert_eq!(problems[0]["per_week"], serde_json::json!([0, 1, 0, 1, 0, 2]));
    assert_eq!(problems[0]["recurring"], true);
    let links = doc["tickets"]["links"].as_array().expect("links");
    let tickets = doc["tickets"]["tickets"].as_array().expect("tickets");
    let linked: Vec<(&str, &str)> = links
        .iter()
        .map(|l| {
            let t = tickets[l["ticket"].as_u64().expect("i") as usize]["id"].as_str().expect("id");
            let f = doc["findings"][l["finding"].as_u64().expect("i") as usize]["kind"].as_str().expect("kind");
            (t, f)
        })
        .collect();
    assert_eq!(
        linked,
        [
            ("OPS-130", "alarm_breach"),
            ("OPS-131", "alarm_breach"),
            ("OPS-132", "seasonal_anomaly"),
            ("OPS-137", "level_shift"),
            ("OPS-133", "unusual_stretch"),
            ("OPS-136", "seasonal_anomaly"),
            ("OPS-135", "missing_data")
        ]
    );
    let hostile = tickets.iter().find(|t| t["id"] == "OPS-136").expect("hostile title kept");
    assert_eq!(hostile["title"], "Checkout page half empty: banner shows <b>raw HTML</b> <img src=x onerror=alert(1)>");
}

#[test]
fn a_bad_export_names_its_rows_and_a_missing_source_or_token_is_said() {
    let data = tempfile::tempdir().expect("tmp");
    let ws = tempfile::tempdir().expect("ws");
    let toml = "[workspace]\nname = \"T\"\n[[team]]\nname = \"T\"\n[[service]]\nname = \"s\"\nteam = \"T\"\n[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\nsource = { file = \"m.csv\" }\n";
    let mut csv = String::from("timestamp,value\n");
    for i in 0..(6 * 7 * 24) {
        csv.push_str(&format!("{},{}\n", 1_759_708_800 + i * 3600, 10 + i % 3));
    }
    std::fs::write(ws.path().join("m.csv"), csv).expect("metric");
    let path = ws.path().to_str().expect("path").to_string();

    std::fs::write(ws.path().join("flywheel.toml"), toml).expect("toml");
    let o = flywheel(data.path(), &["tickets", &path]);
    assert!(!o.status.success() && text(&o).contains("names no ticket sources"), "{}", text(&o));

    let export = "Summary,Issue key,Priority,Created\n\"=cmd|' /C calc'!A0\",OPS-1,High,2025-11-03 10:00\n,OPS-2,High,2025-11-03 11:00\nNo date,OPS-3,High,soon\n";
    std::fs::write(ws.path().join("jira.csv"), export).expect("export");
    let with = format!("{toml}[[tickets]]\ncsv = \"jira.csv\"\n[[tickets]]\nname = \"Cloud\"\njira = {{ url = \"http://127.0.0.1:9\", jql = \"project = OPS\", token_env = \"JIRA_TOKEN\" }}\n");
    std::fs::write(ws.path().join("flywheel.toml"), with).expect("toml");
    let o = flywheel(data.path(), &["tickets", &path, "--week", "2025-11-03"]);
    let out = text(&o);
    assert!(o.status.success(), "one source still read: {out}");
    assert!(out.contains("read as a Jira export: 1 ticket (opened 2025-11-03), 2 rows skipped"), "{out}");
    assert!(out.contains("jira.csv:3: no title: row skipped"), "{out}");
    assert!(out.contains("jira.csv:4: created time \\`soon\\` is not a date: row skipped"), "{out}");
    assert!(out.contains("**Cloud could not be read:** the token variable JIRA\\_TOKEN is not set"), "{out}");
    assert!(out.contains("OPS-1 · SEV 2 · =cmd\\|' /C calc'\\!A0 (Mon 3 Nov 10:00)"), "kept as text, escaped for Markdown: {out}");
}

#[test]
fn a_coe_is_started_from_a_ticket_listed_and_exported_with_its_chart() {
    let data = tempfile::tempdir().expect("tmp");
    let out = tempfile::tempdir().expect("out");
    let p = sample();
    let p = p.to_str().expect("path");
    let o = flywheel(data.path(), &["coe", "new", p, "--ticket", "OPS-131"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("COE 1 started: COE: Payments failing: card gateway 502s"), "{}", text(&o));
    let o = flywheel(data.path(), &["coe", "new", p, "--problem", "2"]);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("COE 2 started: COE: Recurring problem: kafka: "), "{}", text(&o));
    // Started again from the same ticket: the COE already started, not a second document.
    let o = flywheel(data.path(), &["coe", "new", p, "--ticket", "OPS-131"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .starts_with("COE 1 was already started from this in the week of 2026-11-09 (draft, last saved by "),
        "{}",
        text(&o)
    );
    let o = flywheel(data.path(), &["coe", "new", p, "--ticket", "OPS-999"]);
    assert!(!o.status.success() && text(&o).contains("no ticket `OPS-999` in this week's ticket review"), "{}", text(&o));
    let o = flywheel(data.path(), &["coe", "new", p]);
    assert!(!o.status.success() && text(&o).contains("--finding ID, --ticket ID or --problem N"), "{}", text(&o));

    let o = flywheel(data.path(), &["coe", "list", p, "--week", "2026-11-11"]);
    let list = text(&o);
    assert!(list.contains("   2  2026-11-09  draft") && list.contains("   1  2026-11-09  draft      COE: Payments failing"), "{list}");
    let o = flywheel(data.path(), &["coe", "list", p, "--week", "2026-11-18"]);
    assert!(text(&o).contains("no COE yet for the week of 2026-11-16"), "{}", text(&o));

    // A finding of an earlier reviewed week is written up in its own week without --week.
    let o = flywheel(data.path(), &["review", p, "--week", "2026-10-26", "--json", "-", "--quiet"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("review JSON");
    let id = doc["findings"].as_array().expect("findings").iter().find(|f| f["kind"] == "seasonal_anomaly").expect("an anomaly")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let o = flywheel(data.path(), &["coe", "new", p, "--finding", &id]);
    assert!(o.status.success(), "{}", text(&o));
    let o = flywheel(data.path(), &["coe", "list", p, "--week", "2026-10-28"]);
    assert!(text(&o).contains("   3  2026-10-26  draft      COE: seasonal anomaly on "), "{}", text(&o));

    let md = out.path().join("coe.md");
    let html = out.path().join("coe.html");
    let o = flywheel(data.path(), &["coe", "export", "1", p, "--md", md.to_str().expect("md"), "--html", html.to_str().expect("html")]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(md).expect("md");
    assert!(
        md.starts_with("<!-- COE 1 · week of 2026-11-09 · draft") && md.contains("- Tue 10 Nov 14:31: ticket OPS-131 opened (SEV 1)"),
        "{md}"
    );
    let html = std::fs::read_to_string(html).expect("html");
    let chart = html.find("<svg").expect("the chart of the episode");
    assert!(html.find("<h2>Customer impact</h2>").expect("impact") < chart, "the chart under the impact");
    assert!(html.contains("content=\"default-src 'none'") && !html.contains("<script"), "self-contained, no script");
    let o = flywheel(data.path(), &["coe", "export", "9", p]);
    assert!(!o.status.success() && text(&o).contains("there is no COE 9"), "{}", text(&o));
}
