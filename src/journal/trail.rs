//! The trail of an action item: every change after it was raised (an edit's changed fields, a status
//! change), with who made it and when — written in the same transaction as the change (migration 11), so
//! "who moved this to done?" has an answer in a shared journal.

use serde::Serialize;

use super::actions::{ActionItem, Status};
use super::store::{args, Sql, StoreError};
use super::{Journal, JournalError};

pub const MIGRATION_11: &str = "
CREATE TABLE action_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item INTEGER NOT NULL,
    at INTEGER NOT NULL,
    author TEXT NOT NULL,
    change TEXT NOT NULL
);
CREATE INDEX action_changes_item ON action_changes (item, id);
";

/// One change of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Unix seconds.
    pub at: i64,
    pub author: String,
    /// What changed, for people: `status open → done`, `owner ana → bo; due — → 2026-12-01`.
    pub change: String,
}

/// The editable fields of an item that differ in its next state, in order: (field, before, after), the
/// field being `title`, `details`, `owner`, `due` or `status`. What a change did ([`describe`]) and what
/// makes an edit stale (`actions::stale`) are both read off it.
pub(crate) fn differences(
    before: &ActionItem,
    title: &str,
    details: &str,
    owner: &str,
    due: Option<&str>,
    status: Status,
) -> Vec<(&'static str, String, String)> {
    [
        ("title", before.title.as_str(), title),
        ("details", before.details.as_str(), details),
        ("owner", before.owner.as_str(), owner),
        ("due", before.due.as_deref().unwrap_or(""), due.unwrap_or("")),
        ("status", before.status.key(), status.key()),
    ]
    .into_iter()
    .filter(|(_, b, a)| b != a)
    .map(|(f, b, a)| (f, b.to_string(), a.to_string()))
    .collect()
}

/// What differs between an item and its next state (title, details, owner, due date, status), for people;
/// empty when nothing does.
pub fn describe(before: &ActionItem, title: &str, details: &str, owner: &str, due: Option<&str>, status: Status) -> String {
    let show = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    differences(before, title, details, owner, due, status)
        .into_iter()
        .map(|(field, b, a)| if field == "details" { "details edited".to_string() } else { format!("{field} {} → {}", show(&b), show(&a)) })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Keep a change of `item` (nothing when `change` is empty: a save that changed nothing).
pub(crate) fn record(tx: &mut dyn Sql, item: i64, at: i64, author: &str, change: &str) -> Result<(), StoreError> {
    if !change.is_empty() {
        tx.execute("INSERT INTO action_changes (item, at, author, change) VALUES (?1, ?2, ?3, ?4)", args![item, at, author, change])?;
    }
    Ok(())
}

impl Journal {
    /// The changes of action item `id`, oldest first.
    pub fn action_trail(&self, id: i64) -> Result<Vec<Change>, JournalError> {
        self.query("SELECT at, author, change FROM action_changes WHERE item = ?1 ORDER BY id", args![id], |r| {
            Ok(Change { at: r.get(0)?, author: r.get(1)?, change: r.get(2)? })
        })
    }
}
