//! Tickets from Jira's search API against a scripted Jira on 127.0.0.1: every page followed (Server's
//! offsets, Cloud's page tokens), 429 answered after its Retry-After, a 5xx retried, 401 and a too-long wait
//! told plainly, and the token sent but never shown.

use flywheel::config::Workspace;
use serde_json::{json, Value};

const TOKEN: &str = "jira-s3cret-token";

#[path = "common/scripted.rs"]
mod scripted;

/// A Jira on 127.0.0.1 answering each request with `route(path_and_query, request_number)`.
fn jira(route: impl Fn(&str, usize) -> (u16, Vec<(&'static str, String)>, String) + Send + 'static) -> (String, scripted::Log) {
    scripted::serve(move |r, n| route(&r.path, n))
}

/// Issue `i`, created `i` minutes after 2026-11-09 08:00 UTC.
fn issue(i: usize) -> Value {
    let created = flywheel::time::utc(1_794_211_200 + 60 * i as i64).format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    json!({"key": format!("OPS-{i}"), "fields": {"summary": format!("Ticket {i}: gateway 502"), "created": created,
        "priority": {"name": if i % 2 == 0 { "High" } else { "Low" }}, "status": {"name": "Open"}, "components": [{"name": "payments-api"}]}})
}

/// The query parameter `key` of a path, decoded enough for these tests.
fn param(path: &str, key: &str) -> Option<String> {
    let q = path.split_once('?')?.1;
    q.split('&').find_map(|kv| kv.strip_prefix(&format!("{key}="))).map(|v| {
        v.replace('+', " ")
            .replace("%20", " ")
            .replace("%3D", "=")
            .replace("%22", "\"")
            .replace("%3E", ">")
            .replace("%3C", "<")
            .replace("%28", "(")
            .replace("%29", ")")
    })
}

fn workspace(url: &str, token_env: &str, api: &str) -> Workspace {
    let toml = format!(
        "[workspace]\nname = \"T\"\n[[team]]\nname = \"T\"\n[[service]]\nname = \"s\"\nteam = \"T\"\n[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\nsource = {{ file = \"m.csv\" }}\n[[tickets]]\nname = \"Jira\"\njira = {{ url = \"{url}\", jql = \"project = OPS\", token_env = \"{token_env}\", api = \"{api}\", timeout = \"5s\" }}\n"
    );
    Workspace::from_toml(&toml, std::path::Path::new("flywheel.toml"), std::path::Path::new(".")).expect("workspace")
}

const FROM: i64 = 1_794_182_400; // 2026-11-09 00:00 UTC
const TO: i64 = FROM + 7 * 86_400;

#[test]
fn server_pages_are_followed_and_429_and_5xx_are_retried() {
    let (url, log) = jira(|path, n| {
        let start: usize = param(path, "startAt").and_then(|s| s.parse().ok()).unwrap_or(0);
        match n {
            0 => (429, vec![("Retry-After", "1".to_string())], r#"{"errorMessages":["rate limited"]}"#.into()),
            2 => (503, vec![], "busy".into()),
            _ => {
                let issues: Vec<Value> = (start..(start + 100).min(250)).map(issue).collect();
                (200, vec![], json!({"startAt": start, "maxResults": 100, "total": 250, "issues": issues}).to_string())
            }
        }
    });
    std::env::set_var("FW_TEST_JIRA_TOKEN_1", TOKEN);
    let ws = workspace(&url, "FW_TEST_JIRA_TOKEN_1", "server");
    let t0 = std::time::Instant::now();
    let got = flywheel::tickets::load(&ws, FROM, TO);
    assert!(got.failed.is_empty(), "{:?}", got.failed);
    assert_eq!(got.tickets.len(), 250);
    assert_eq!(got.tickets[0].id, "OPS-0");
    assert_eq!(got.tickets[249].link.as_deref(), Some(format!("{url}/browse/OPS-249").as_str()));
    assert!(t0.elapsed() >= std::time::Duration::from_secs(1), "the Retry-After second was waited");
    let log = log.lock().expect("log").clone();
    let starts: Vec<String> = log.iter().map(|r| param(&r.path, "startAt").unwrap_or_default()).collect();
    assert_eq!(starts, ["0", "0", "100", "100", "200"], "429 then the page again, 503 then the page again");
    assert!(log.iter().all(|r| r.path.starts_with("/rest/api/2/search?") && r.auth == format!("Bearer {TOKEN}")), "{log:?}");
    let jql = param(&log[0].path, "jql").expect("jql");
    assert_eq!(jql, "(project = OPS) AND created >= \"2026-11-08\" AND created < \"2026-11-17\"");
    assert!(got.notes.iter().any(|n| n.message == "Jira search: 250 tickets"), "{:?}", got.notes);
}

#[test]
fn cloud_page_tokens_are_followed_with_basic_auth() {
    let (url, log) = jira(|path, _| {
        let page: usize = param(path, "nextPageToken").and_then(|t| t.strip_prefix("p").and_then(|n| n.parse().ok())).unwrap_or(0);
        let issues: Vec<Value> = (page * 100..(page * 100 + 100).min(230)).map(issue).collect();
        let mut body = json!({"issues": issues, "isLast": page == 2});
        if page < 2 {
            body["nextPageToken"] = json!(format!("p{}", page + 1));
        }
        (200, vec![], body.to_string())
    });
    std::env::set_var("FW_TEST_JIRA_TOKEN_2", TOKEN);
    std::env::set_var("FW_TEST_JIRA_USER_2", "ana@shop.example");
    let mut ws = workspace(&url, "FW_TEST_JIRA_TOKEN_2", "cloud");
    if let flywheel::config::tickets::TicketOrigin::Jira(api) = &mut ws.tickets[0].origin {
        api.user_env = Some("FW_TEST_JIRA_USER_2".into());
    }
    let got = flywheel::tickets::load(&ws, FROM, TO);
    assert!(got.failed.is_empty(), "{:?}", got.failed);
    assert_eq!(got.tickets.len(), 230);
    let log = log.lock().expect("log").clone();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|r| r.path.starts_with("/rest/api/3/search/jql?")), "{log:?}");
    use base64::Engine as _;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("ana@shop.example:{TOKEN}")));
    assert!(log.iter().all(|r| r.auth == basic), "{log:?}");
}

#[test]
fn refusals_and_long_waits_are_told_without_the_token() {
    for (status, headers, body, want) in [
        (401, vec![], format!(r#"{{"message":"bad token {TOKEN}"}}"#), "Jira refused the credentials (401)"),
        (429, vec![("Retry-After", "3600".to_string())], String::new(), "Jira asks to wait 3600 s before asking again (429)"),
        (
            400,
            vec![],
            r#"{"errorMessages":["Field 'projct' does not exist"]}"#.to_string(),
            "Jira refused the query (400): {\"errorMessages\":[\"Field 'projct' does not exist\"]}",
        ),
    ] {
        let (url, _) = jira(move |_, _| (status, headers.clone(), body.clone()));
        std::env::set_var("FW_TEST_JIRA_TOKEN_3", TOKEN);
        let ws = workspace(&url, "FW_TEST_JIRA_TOKEN_3", "server");
        let got = flywheel::tickets::load(&ws, FROM, TO);
        assert_eq!(got.failed.len(), 1, "{status}");
        let m = &got.failed[0].message;
        assert!(m.contains(want) && m.starts_with(&url), "{status}: {m}");
        assert!(!m.contains(TOKEN), "{m}");
    }
    let ws = workspace("http://127.0.0.1:9", "FW_TEST_JIRA_TOKEN_UNSET", "server");
    let got = flywheel::tickets::load(&ws, FROM, TO);
    assert_eq!(got.failed[0].message, "the token variable FW_TEST_JIRA_TOKEN_UNSET is not set");
}
