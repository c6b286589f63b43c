//! `[journal]` in `flywheel.toml`: where the journal lives when it is shared. Without it, each machine keeps
//! its own SQLite journal; with `url = "postgres://…"` every copy of Flywheel opening the workspace uses one
//! PostgreSQL database. `FLYWHEEL_JOURNAL_URL` overrides the url on one machine. The password is never in
//! the file: `password_env` may name the variable that holds it.

use serde::Deserialize;
use toml::Spanned;

/// The journal's settings, as written (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct JournalSettings {
    /// `postgres://user@host:port/db[?sslmode=…]`, without a password.
    pub url: Option<String>,
    /// The workspace's name in the shared database (default: the workspace's name).
    pub workspace: Option<String>,
    /// Who writes from this copy (default: the OS user name).
    pub author: Option<String>,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
}

/// The variable that points one machine at a shared journal, whatever the file says.
pub const URL_ENV: &str = "FLYWHEEL_JOURNAL_URL";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawJournal {
    url: Option<Spanned<String>>,
    workspace: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
}

/// Check `[journal]`: problems as (byte offset, field, message); messages never repeat the url.
pub(super) fn journal_table(raw: &RawJournal) -> (JournalSettings, Vec<(usize, &'static str, String)>) {
    let mut out = JournalSettings::default();
    let mut problems = Vec::new();
    if let Some(u) = &raw.url {
        match crate::journal::store::postgres::check_url(u.get_ref().trim()) {
            Ok(()) => out.url = Some(u.get_ref().trim().to_string()),
            Err(m) => problems.push((u.span().start, "url", format!("journal: {m}"))),
        }
    }
    for (field, value, slot) in [("workspace", &raw.workspace, &mut out.workspace), ("author", &raw.author, &mut out.author)] {
        if let Some(v) = value {
            let t = v.get_ref().trim();
            if t.is_empty() || t.chars().count() > 200 {
                problems.push((v.span().start, field, format!("journal: {field} must be 1 to 200 characters")));
            } else {
                *slot = Some(t.to_string());
            }
        }
    }
    if let Some(v) = &raw.password_env {
        let name = v.get_ref().trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            problems.push((
                v.span().start,
                "password_env",
                format!("journal: password_env must name an environment variable (letters, digits, _), not \"{name}\""),
            ));
        } else {
            out.password_env = Some(name.to_string());
        }
    }
    (out, problems)
}

#[cfg(test)]
mod tests {
    use crate::config::Workspace;

    const BASE: &str = "[workspace]\nname = \"Ops review\"\n[[team]]\nname = \"T\"\n[[service]]\nname = \"s\"\nteam = \"T\"\n[[metric]]\nid = \"m\"\nservice = \"s\"\nworse = \"higher\"\nsource = { file = \"m.csv\" }\n";

    fn parse(journal: &str) -> Result<Workspace, String> {
        let text = format!("{BASE}{journal}");
        Workspace::from_toml(&text, std::path::Path::new("flywheel.toml"), std::path::Path::new(".")).map_err(|e| e.to_string())
    }

    #[test]
    fn journal_settings_read_and_checked_by_line() {
        let ws = parse("").expect("no [journal]");
        assert_eq!(ws.journal, super::JournalSettings::default());
        let ws = parse("[journal]\nurl = \"postgres://ana@db.internal/ops?sslmode=verify-full\"\nauthor = \"ana\"\nworkspace = \"ops\"\npassword_env = \"OPS_PW\"\n")
            .expect("all of it");
        assert_eq!(ws.journal.url.as_deref(), Some("postgres://ana@db.internal/ops?sslmode=verify-full"));
        assert_eq!(
            (ws.journal.author.as_deref(), ws.journal.workspace.as_deref(), ws.journal.password_env.as_deref()),
            (Some("ana"), Some("ops"), Some("OPS_PW"))
        );
        let refused = [
            ("url = \"postgres://ana:s3cr3t@db/ops\"", "flywheel.toml:14: journal: the journal's url holds a password"),
            ("url = \"http://db/ops\"", "must start with postgres://"),
            ("password_env = \"OPS PW\"", "password_env must name an environment variable"),
            ("author = \"  \"", "author must be 1 to 200 characters"),
            ("colour = \"red\"", "unknown field `colour`"),
        ];
        for (line, want) in refused {
            let e = parse(&format!("[journal]\n{line}\n")).expect_err(line);
            assert!(e.contains(want), "{line}: {e}");
            assert!(!e.contains("s3cr3t"), "{e}");
        }
    }
}
