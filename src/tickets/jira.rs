//! Tickets from Jira's search API: the source's JQL narrowed to the review's dates, every page followed
//! (Cloud's `nextPageToken` on `/rest/api/3/search/jql`, Server/Data Center's `startAt` on
//! `/rest/api/2/search`), 429 answered after its `Retry-After`, 5xx and broken connections retried with
//! backoff, and the token never shown (it is read from the variable the workspace names).

use std::time::Duration;

use serde_json::Value;

use super::{clean, Note, Severity, Ticket, TicketError, MAX_DESCRIPTION, MAX_FIELD, MAX_TITLE};
use crate::config::tickets::{JiraApi, TicketSource};

/// Tickets per page asked for (Jira caps it at 100).
const PAGE: usize = 100;
/// Pages followed at most (10,000 tickets): more is a JQL to narrow, said in a note.
const MAX_PAGES: usize = 100;
/// Further attempts after a 429, a 5xx or a broken connection.
const RETRIES: u32 = 3;
/// The longest `Retry-After` waited for; a server asking for more is reported instead.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// The source's JQL, narrowed to whole days around `[from, to)` (exact times are filtered after).
pub fn jql(api: &JiraApi, from: i64, to: i64) -> String {
    let day = |t: i64| crate::time::utc(t).format("%Y-%m-%d").to_string();
    let query = api.jql.trim();
    // An `ORDER BY` must stay last.
    let (filter, order) = match query.to_ascii_lowercase().rfind("order by") {
        Some(i) => (query[..i].trim(), &query[i..]),
        None => (query, ""),
    };
    let mut out = format!("({filter}) AND created >= \"{}\" AND created < \"{}\"", day(from - 86_400), day(to + 86_400));
    if !order.is_empty() {
        out = format!("{out} {order}");
    }
    out
}

fn fields(api: &JiraApi) -> String {
    let mut f = vec!["summary", "description", "priority", "status", "created", "resolutiondate", "components"];
    for c in [&api.service_field, &api.team_field].into_iter().flatten() {
        f.push(c);
    }
    f.join(",")
}

/// The plain text of a field: a string, Atlassian Document Format's text nodes, an option's `value`/`name`.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a.iter().map(text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", "),
        Value::Object(o) => {
            if let Some(t) = o.get("text").and_then(Value::as_str) {
                return t.to_string();
            }
            if let Some(c) = o.get("content").and_then(Value::as_array) {
                let sep = if o.get("type").and_then(Value::as_str) == Some("doc") { "\n" } else { "" };
                return c.iter().map(text).collect::<Vec<_>>().join(sep);
            }
            ["value", "name", "displayName"].iter().find_map(|k| o.get(*k).and_then(Value::as_str)).unwrap_or("").to_string()
        }
        _ => String::new(),
    }
}

/// One issue of a search answer as a ticket (`None` without a key, summary or readable created time).
fn ticket(issue: &Value, api: &JiraApi, source: &str) -> Option<Ticket> {
    let key = issue.get("key")?.as_str()?;
    let f = issue.get("fields")?;
    let get = |k: &str| f.get(k).map(text).unwrap_or_default();
    let title = clean(&get("summary"), MAX_TITLE, false);
    let created = crate::time::parse_timestamp(&get("created"), &chrono_tz::Tz::UTC).ok()?.floor() as i64;
    if title.is_empty() {
        return None;
    }
    let resolved = crate::time::parse_timestamp(&get("resolutiondate"), &chrono_tz::Tz::UTC).ok().map(|v| v.floor() as i64);
    let severity_text = clean(&get("priority"), MAX_FIELD, false);
    let service = match &api.service_field {
        Some(c) => get(c),
        None => get("components"),
    };
    Some(Ticket {
        id: clean(key, MAX_FIELD, false),
        title,
        description: clean(&get("description"), MAX_DESCRIPTION, true),
        severity: Severity::parse(&severity_text),
        severity_text,
        status: clean(&get("status"), MAX_FIELD, false),
        created,
        resolved,
        service: clean(&service, MAX_FIELD, false),
        team: api.team_field.as_ref().map(|c| clean(&get(c), MAX_FIELD, false)).unwrap_or_default(),
        link: crate::config::check_url(&format!("{}/browse/{key}", api.url.trim_end_matches('/'))).ok(),
        source: source.to_string(),
    })
}

/// Search Jira for the source's tickets created between `from` and `to` (with a day's margin each side).
pub fn search(api: &JiraApi, source: &TicketSource, from: i64, to: i64) -> Result<(Vec<Ticket>, Vec<Note>), TicketError> {
    let token = std::env::var(&api.token_env)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| TicketError::Jira(format!("the token variable {} is not set", api.token_env)))?;
    let auth = match &api.user_env {
        Some(u) => {
            let user = std::env::var(u).map_err(|_| TicketError::Jira(format!("the user variable {u} is not set")))?;
            crate::net::basic(user.trim(), token.trim())
        }
        None => crate::net::bearer(token.trim()),
    }
    .map_err(TicketError::Jira)?;
    let client = crate::net::client_with(&api.url, Duration::from_secs(api.timeout), Some(auth)).map_err(TicketError::Jira)?;
    let rt = crate::source::runtime().map_err(TicketError::Jira)?;
    let shown = crate::config::without_userinfo(&api.url);
    rt.block_on(pages(&client, api, source, &jql(api, from, to), &token)).map_err(|e| TicketError::Jira(format!("{shown}: {e}")))
}

async fn pages(
    client: &reqwest::Client,
    api: &JiraApi,
    source: &TicketSource,
    jql: &str,
    token: &str,
) -> Result<(Vec<Ticket>, Vec<Note>), String> {
    let base = api.url.trim_end_matches('/');
    let cloud = api.cloud;
    let fields = fields(api);
    let mut tickets = Vec::new();
    let mut skipped = 0usize;
    let mut next: Option<String> = None;
    let mut start = 0usize;
    let mut notes = Vec::new();
    for page in 0.. {
        if page == MAX_PAGES {
            notes.push(Note {
                source: source.name.clone(),
                message: format!("stopped after {} tickets ({MAX_PAGES} pages): narrow the JQL", tickets.len()),
            });
            break;
        }
        let mut query: Vec<(&str, String)> = vec![("jql", jql.to_string()), ("fields", fields.clone()), ("maxResults", PAGE.to_string())];
        let url = if cloud {
            if let Some(t) = &next {
                query.push(("nextPageToken", t.clone()));
            }
            format!("{base}/rest/api/3/search/jql")
        } else {
            query.push(("startAt", start.to_string()));
            format!("{base}/rest/api/2/search")
        };
        let body = get(client, &url, &query, token).await?;
        let issues = body.get("issues").and_then(Value::as_array).ok_or("the answer holds no issues list")?;
        for issue in issues {
            match ticket(issue, api, &source.name) {
                Some(t) => tickets.push(t),
                None => skipped += 1,
            }
        }
        if cloud {
            next = body.get("nextPageToken").and_then(Value::as_str).map(str::to_string);
            if next.is_none() || body.get("isLast").and_then(Value::as_bool) == Some(true) || issues.is_empty() {
                break;
            }
        } else {
            start += issues.len();
            let total = body.get("total").and_then(Value::as_u64).unwrap_or(0) as usize;
            if issues.is_empty() || start >= total {
                break;
            }
        }
    }
    notes.insert(
        0,
        Note {
            source: source.name.clone(),
            message: format!(
                "Jira search: {} tickets{}",
                tickets.len(),
                if skipped > 0 { format!(", {skipped} issues without a summary or created time skipped") } else { String::new() }
            ),
        },
    );
    Ok((tickets, notes))
}

/// One GET with the retry rules above; the answer's JSON.
async fn get(client: &reqwest::Client, url: &str, query: &[(&str, String)], token: &str) -> Result<Value, String> {
    let mut attempt = 0;
    loop {
        let answer = client.get(url).query(query).header("Accept", "application/json").send().await;
        let retry_in = match answer {
            Ok(r) if r.status().is_success() => {
                let bytes = r.bytes().await.map_err(|e| crate::net::redact(&format!("the answer broke off: {e}"), Some(token)))?;
                return serde_json::from_slice::<Value>(&bytes).map_err(|e| format!("the answer is not JSON: {e}"));
            }
            Ok(r) => {
                let status = r.status();
                let wait = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                let text = crate::net::redact(&r.text().await.unwrap_or_default(), Some(token));
                match status.as_u16() {
                    401 => return Err("Jira refused the credentials (401): check the token (and user) variables".into()),
                    403 => return Err("Jira says the account may not search (403)".into()),
                    400 => return Err(format!("Jira refused the query (400): {text}")),
                    429 | 500..=599 if attempt < RETRIES => {
                        let w = wait.unwrap_or(Duration::from_millis(500 << attempt));
                        if w > MAX_WAIT {
                            return Err(format!("Jira asks to wait {} s before asking again (429)", w.as_secs()));
                        }
                        w
                    }
                    code => return Err(format!("Jira answered {code} after {} attempts: {text}", attempt + 1)),
                }
            }
            Err(e) if attempt < RETRIES && (e.is_timeout() || e.is_connect() || e.is_request()) => Duration::from_millis(500 << attempt),
            Err(e) => return Err(crate::net::redact(&format!("cannot reach Jira: {e}"), Some(token))),
        };
        tokio::time::sleep(retry_in).await;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(jql: &str) -> JiraApi {
        JiraApi {
            url: "https://acme.atlassian.net".into(),
            jql: jql.into(),
            token_env: "T".into(),
            user_env: None,
            service_field: Some("customfield_10010".into()),
            team_field: None,
            timeout: 30,
            cloud: true,
        }
    }

    #[test]
    fn the_query_is_narrowed_to_the_days_and_keeps_its_order() {
        let from = crate::time::parse_user_time("2026-11-09", &chrono_tz::Tz::UTC).expect("t");
        let to = from + 7 * 86_400;
        assert_eq!(jql(&api("project = OPS"), from, to), "(project = OPS) AND created >= \"2026-11-08\" AND created < \"2026-11-17\"");
        assert_eq!(
            jql(&api("project = OPS ORDER BY created DESC"), from, to),
            "(project = OPS) AND created >= \"2026-11-08\" AND created < \"2026-11-17\" ORDER BY created DESC"
        );
    }

    #[test]
    fn issues_of_both_apis_become_tickets() {
        let v3: Value = serde_json::json!({"key": "OPS-7", "fields": {
            "summary": "Card gateway 502", "created": "2026-11-09T14:15:00.000+0100", "priority": {"name": "High"},
            "status": {"name": "Done"}, "customfield_10010": {"value": "payments-api"},
            "description": {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "502 from "}, {"type": "text", "text": "gateway"}]}]}}});
        let t = ticket(&v3, &api(""), "Jira").expect("ticket");
        assert_eq!(
            (t.id.as_str(), t.severity, t.status.as_str(), t.service.as_str()),
            ("OPS-7", Some(Severity(2)), "Done", "payments-api")
        );
        assert_eq!(t.description, "502 from gateway");
        assert_eq!(t.created, crate::time::parse_user_time("2026-11-09T13:15:00Z", &chrono_tz::Tz::UTC).expect("t"));
        assert_eq!(t.link.as_deref(), Some("https://acme.atlassian.net/browse/OPS-7"));
        let v2: Value = serde_json::json!({"key": "OPS-8", "fields": {"summary": "x", "description": "plain", "created": "2026-11-09T14:15:00.000+0000", "components": [{"name": "a"}, {"name": "b"}]}});
        let mut a = api("");
        a.service_field = None;
        let t = ticket(&v2, &a, "Jira").expect("ticket");
        assert_eq!((t.description.as_str(), t.service.as_str()), ("plain", "a, b"));
        assert!(ticket(&serde_json::json!({"key": "OPS-9", "fields": {"summary": "no date"}}), &a, "Jira").is_none());
    }
}
