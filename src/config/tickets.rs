//! `[[tickets]]` in `flywheel.toml`: where the week's tickets come from — CSV exports of Jira, ServiceNow,
//! PagerDuty or GitHub (a column mapping with each tool's headers as defaults), or Jira's search API.
//! Tokens are never in the file: `token_env` names the variable that holds one.

use std::path::PathBuf;

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

/// The ticket fields a column can fill.
pub const FIELDS: [&str; 10] = ["id", "title", "description", "severity", "status", "created", "resolved", "service", "team", "link"];

/// Which tool wrote a CSV export: decides which headers are looked for first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Recognised from the headers.
    Auto,
    Jira,
    ServiceNow,
    PagerDuty,
    GitHub,
}

impl Format {
    fn parse(s: &str) -> Option<Format> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Format::Auto,
            "jira" => Format::Jira,
            "servicenow" => Format::ServiceNow,
            "pagerduty" => Format::PagerDuty,
            "github" => Format::GitHub,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Auto => "CSV",
            Format::Jira => "Jira",
            Format::ServiceNow => "ServiceNow",
            Format::PagerDuty => "PagerDuty",
            Format::GitHub => "GitHub",
        }
    }
}

/// Jira's search API (Cloud or Server/Data Center).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JiraApi {
    /// `https://acme.atlassian.net` or a server's base address (http(s), no credentials).
    pub url: String,
    /// The JQL selecting the tickets; the review's range is added to it.
    pub jql: String,
    /// The variable holding the API token (Cloud) or personal access token (Server).
    pub token_env: String,
    /// The variable holding the account's e-mail (Cloud's basic auth); without it the token is a bearer token.
    pub user_env: Option<String>,
    /// Custom fields (e.g. `customfield_10010`) read as the ticket's service and team.
    pub service_field: Option<String>,
    pub team_field: Option<String>,
    /// Seconds one request may take.
    pub timeout: u64,
    /// Jira Cloud's API (page tokens) rather than Server/Data Center's (offsets); by default, Cloud when the
    /// address is on `atlassian.net`.
    pub cloud: bool,
}

/// Where one source's tickets come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketOrigin {
    /// A CSV export, relative to the workspace.
    Csv {
        path: PathBuf,
        format: Format,
    },
    Jira(JiraApi),
}

/// One `[[tickets]]` table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TicketSource {
    pub name: String,
    pub origin: TicketOrigin,
    /// Header names given for fields (`columns = { title = "Headline" }`), overriding the format's defaults.
    pub columns: Vec<(String, String)>,
    /// A `chrono` format for dates the usual forms do not cover (`%d.%m.%Y %H:%M`).
    pub date_format: Option<String>,
    /// The zone of times written without an offset (default: the workspace's).
    #[serde(serialize_with = "ser_opt_tz")]
    pub timezone: Option<Tz>,
    /// Line of the table in `flywheel.toml`.
    pub line: usize,
}

fn ser_opt_tz<S: serde::Serializer>(tz: &Option<Tz>, s: S) -> Result<S::Ok, S::Error> {
    match tz {
        Some(z) => s.serialize_str(z.name()),
        None => s.serialize_none(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTickets {
    name: Option<Spanned<String>>,
    csv: Option<Spanned<String>>,
    format: Option<Spanned<String>>,
    jira: Option<Spanned<RawJira>>,
    #[serde(default)]
    columns: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    date_format: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJira {
    url: Spanned<String>,
    jql: Spanned<String>,
    token_env: Spanned<String>,
    user_env: Option<Spanned<String>>,
    service_field: Option<Spanned<String>>,
    team_field: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    api: Option<Spanned<String>>,
}

type Problems = Vec<(usize, &'static str, String)>;

fn env_name(v: &Spanned<String>, field: &'static str, problems: &mut Problems) -> Option<String> {
    let name = v.get_ref().trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        problems.push((
            v.span().start,
            field,
            format!("tickets: {field} must name an environment variable (letters, digits, _), not \"{name}\""),
        ));
        return None;
    }
    Some(name.to_string())
}

/// Check one `[[tickets]]` table (`at` is its start); problems as (byte offset, field, message).
pub(super) fn table(raw: &Spanned<RawTickets>, line: usize, taken: &mut Vec<String>) -> (Option<TicketSource>, Problems) {
    let at = raw.span().start;
    let r = raw.get_ref();
    let mut problems = Problems::new();
    let origin = match (&r.csv, &r.jira) {
        (Some(_), Some(_)) | (None, None) => {
            problems.push((at, "csv", "tickets: give either csv = \"export.csv\" or jira = { … }".to_string()));
            None
        }
        (Some(p), None) => {
            let format = match &r.format {
                None => Some(Format::Auto),
                Some(f) => Format::parse(f.get_ref()).or_else(|| {
                    problems.push((
                        f.span().start,
                        "format",
                        format!("tickets: format \"{}\" is not one of auto, jira, servicenow, pagerduty, github", f.get_ref()),
                    ));
                    None
                }),
            };
            let path = p.get_ref().trim();
            if path.is_empty() {
                problems.push((p.span().start, "csv", "tickets: csv must name a file".to_string()));
            }
            format.filter(|_| !path.is_empty()).map(|format| TicketOrigin::Csv { path: PathBuf::from(path), format })
        }
        (None, Some(j)) => {
            if let Some(f) = &r.format {
                problems.push((f.span().start, "format", "tickets: format is for CSV exports, not jira".to_string()));
            }
            jira(j.get_ref(), &mut problems).map(TicketOrigin::Jira)
        }
    };
    let mut columns = Vec::new();
    if let Some(c) = &r.columns {
        for (field, header) in c.get_ref() {
            if !FIELDS.contains(&field.as_str()) {
                problems.push((
                    c.span().start,
                    "columns",
                    format!("tickets: columns: `{field}` is not a ticket field ({})", FIELDS.join(", ")),
                ));
            } else if header.trim().is_empty() {
                problems.push((c.span().start, "columns", format!("tickets: columns: `{field}` names no header")));
            } else {
                columns.push((field.clone(), header.trim().to_string()));
            }
        }
    }
    let date_format = r.date_format.as_ref().and_then(|f| {
        let text = f.get_ref();
        let ok = chrono::format::StrftimeItems::new(text).all(|i| !matches!(i, chrono::format::Item::Error)) && text.contains('%');
        if ok {
            Some(text.clone())
        } else {
            problems.push((
                f.span().start,
                "date_format",
                format!("tickets: date_format \"{text}\" is not a strftime format such as %d.%m.%Y %H:%M"),
            ));
            None
        }
    });
    let timezone = r.timezone.as_ref().and_then(|z| match crate::time::parse_zone(z.get_ref()) {
        Ok(tz) => Some(tz),
        Err(e) => {
            problems.push((z.span().start, "timezone", format!("tickets: {e}")));
            None
        }
    });
    let name = match (&r.name, &origin) {
        (Some(n), _) => n.get_ref().trim().to_string(),
        (None, Some(TicketOrigin::Csv { path, .. })) => path.display().to_string(),
        (None, _) => "Jira".to_string(),
    };
    if name.is_empty() || name.chars().count() > 100 {
        problems.push((
            r.name.as_ref().map(|n| n.span().start).unwrap_or(at),
            "name",
            "tickets: name must be 1 to 100 characters".to_string(),
        ));
    } else if taken.contains(&name) {
        problems.push((
            r.name.as_ref().map(|n| n.span().start).unwrap_or(at),
            "name",
            format!("tickets: a second source named \"{name}\""),
        ));
    }
    taken.push(name.clone());
    let source = origin.filter(|_| problems.is_empty()).map(|origin| TicketSource { name, origin, columns, date_format, timezone, line });
    (source, problems)
}

fn jira(j: &RawJira, problems: &mut Problems) -> Option<JiraApi> {
    let url = match super::check_url(j.url.get_ref()) {
        Ok(u) => Some(u),
        Err(m) => {
            problems.push((j.url.span().start, "url", format!("tickets: jira {m}")));
            None
        }
    };
    let jql = j.jql.get_ref().trim().to_string();
    if jql.is_empty() {
        problems.push((j.jql.span().start, "jql", "tickets: jira needs a jql query".to_string()));
    }
    let token_env = env_name(&j.token_env, "token_env", problems);
    let user_env = j.user_env.as_ref().and_then(|u| env_name(u, "user_env", problems));
    let field = |f: &Option<Spanned<String>>, name: &'static str, problems: &mut Problems| {
        f.as_ref().and_then(|v| {
            let t = v.get_ref().trim();
            if t.is_empty() || t.len() > 100 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                problems.push((v.span().start, name, format!("tickets: jira {name} must be a field id such as customfield_10010")));
                None
            } else {
                Some(t.to_string())
            }
        })
    };
    let service_field = field(&j.service_field, "service_field", problems);
    let team_field = field(&j.team_field, "team_field", problems);
    let timeout = match &j.timeout {
        None => 30,
        Some(t) => match crate::time::parse_step(t.get_ref()) {
            Ok(s) if (1..=600).contains(&s) => s as u64,
            _ => {
                problems.push((t.span().start, "timeout", format!("tickets: jira timeout `{}` must be 1s to 10m", t.get_ref())));
                30
            }
        },
    };
    let url = url?;
    let cloud = match j.api.as_ref().map(|a| (a, a.get_ref().trim().to_ascii_lowercase())) {
        None => is_cloud(&url),
        Some((_, a)) if a == "cloud" => true,
        Some((_, a)) if a == "server" || a == "datacenter" => false,
        Some((a, _)) => {
            problems.push((a.span().start, "api", format!("tickets: jira api \"{}\" is not cloud or server", a.get_ref())));
            false
        }
    };
    Some(JiraApi { url, jql, token_env: token_env?, user_env, service_field, team_field, timeout, cloud })
}

/// Jira Cloud lives on `*.atlassian.net`.
fn is_cloud(url: &str) -> bool {
    let host = url.split("://").nth(1).unwrap_or("").split(['/', ':', '?']).next().unwrap_or("");
    host.to_ascii_lowercase().ends_with(".atlassian.net")
}

#[cfg(test)]
mod tests {
    use crate::config::Workspace;

    const BASE: &str = "[workspace]\nname = \"Ops\"\n[[team]]\nname = \"T\"\n[[service]]\nname = \"s\"\nteam = \"T\"\n[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\nsource = { file = \"m.csv\" }\n";

    fn parse(t: &str) -> Result<Workspace, String> {
        Workspace::from_toml(&format!("{BASE}{t}"), std::path::Path::new("flywheel.toml"), std::path::Path::new("."))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn ticket_sources_are_read_and_checked_by_line() {
        let ws = parse(
            "[[tickets]]\ncsv = \"jira.csv\"\nformat = \"jira\"\ncolumns = { service = \"Component/s\" }\n[[tickets]]\nname = \"Cloud\"\njira = { url = \"https://acme.atlassian.net\", jql = \"project = OPS\", token_env = \"JIRA_TOKEN\", user_env = \"JIRA_USER\" }\n",
        )
        .expect("valid");
        assert_eq!(ws.tickets.len(), 2);
        assert_eq!(ws.tickets[0].name, "jira.csv");
        assert_eq!(ws.tickets[0].columns, vec![("service".to_string(), "Component/s".to_string())]);
        assert_eq!(ws.tickets[0].line, 13);
        match &ws.tickets[1].origin {
            super::TicketOrigin::Jira(j) => {
                assert_eq!((j.token_env.as_str(), j.user_env.as_deref(), j.timeout), ("JIRA_TOKEN", Some("JIRA_USER"), 30))
            }
            other => panic!("{other:?}"),
        }
        let refused = [
            ("[[tickets]]\nformat = \"jira\"\n", "flywheel.toml:13: tickets: give either csv"),
            ("[[tickets]]\ncsv = \"a.csv\"\nformat = \"excel\"\n", "flywheel.toml:15: tickets: format \"excel\""),
            ("[[tickets]]\ncsv = \"a.csv\"\ncolumns = { colour = \"C\" }\n", "`colour` is not a ticket field"),
            ("[[tickets]]\ncsv = \"a.csv\"\ndate_format = \"dd.mm.yyyy\"\n", "not a strftime format"),
            ("[[tickets]]\ncsv = \"a.csv\"\n[[tickets]]\ncsv = \"a.csv\"\n", "a second source named \"a.csv\""),
            ("[[tickets]]\njira = { url = \"https://u:pw@x.example\", jql = \"a\", token_env = \"T\" }\n", "tickets: jira"),
            (
                "[[tickets]]\njira = { url = \"https://x.example\", jql = \"a\", token_env = \"MY TOKEN\" }\n",
                "token_env must name an environment variable",
            ),
            ("[[tickets]]\ncsv = \"a.csv\"\ntimezone = \"Mars/Olympus\"\n", "tickets:"),
            (
                "[[tickets]]\njira = { url = \"https://x.example\", jql = \"a\", token_env = \"T\", api = \"v9\" }\n",
                "jira api \"v9\" is not cloud or server",
            ),
        ];
        for (t, want) in refused {
            let e = parse(t).expect_err(t);
            assert!(e.contains(want), "{t}: {e}");
            assert!(!e.contains(":pw@"), "{e}");
        }
    }
}
