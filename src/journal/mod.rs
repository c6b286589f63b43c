//! The journal: what people write during the review (wheel spins, action items, annotations) and what
//! each reviewed week found (the findings history), in one SQLite file per workspace that the CLI and the
//! app share.
//!
//! SQLite through rusqlite (bundled), WAL, `synchronous = FULL` so a write that returned is on disk,
//! a busy timeout so two processes wait for each other instead of failing, and schema migrations: one
//! module per table with its migration beside it, applied in order inside a transaction. A journal
//! written by a newer Flywheel is refused before anything is written to it.

pub mod actions;
pub mod annotations;
pub mod history;
pub mod meetings;
pub mod spins;
pub mod status;
pub mod verdicts;

use std::path::{Path, PathBuf};

use crate::paths;
use rusqlite::Connection;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum JournalError {
    #[error("journal {path}: {message}")]
    Sqlite { path: String, message: String },
    #[error("journal {path} was written by a newer Flywheel (schema {found}, this one knows {known}); it was left untouched")]
    TooNew { path: String, found: i64, known: i64 },
    #[error("cannot create the journal folder {path}: {message}")]
    Folder { path: String, message: String },
    #[error("journal {path}: stored data is unreadable: {message}")]
    Corrupt { path: String, message: String },
    /// What the user asked to write is not valid (nothing was written).
    #[error("{0}")]
    Invalid(#[from] Invalid),
}

/// Why a write was refused before it touched the journal: the user's text or reference is not valid.
#[derive(Debug, Error, PartialEq)]
pub enum Invalid {
    /// A required text is empty (`what` needs a `field`).
    #[error("{what} needs a {field}")]
    Empty { what: &'static str, field: &'static str },
    /// A text is longer than the journal keeps (counted in characters); it is refused, never cut.
    #[error("the {field} is {len} characters long; at most {max} are kept")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("due date `{0}` is not a date like 2026-11-23")]
    BadDue(String),
    /// A chart or annotated range whose end is not after its start.
    #[error("the {0} range ends before it starts")]
    Backwards(&'static str),
    #[error("there is no action item {0}")]
    NoSuchAction(i64),
    /// A finding id that no reviewed week holds.
    #[error("no reviewed week has a finding `{0}`: review its week first (flywheel review --week DATE)")]
    NoSuchFinding(String),
    #[error("the {field} is out of range: {message}")]
    OutOfRange { field: &'static str, message: String },
}

/// The migrations, in order: schema version N is reached by applying the first N.
const MIGRATIONS: &[&str] = &[
    spins::MIGRATION_1,
    actions::MIGRATION_2,
    annotations::MIGRATION_3,
    history::MIGRATION_4,
    verdicts::MIGRATION_5,
    annotations::MIGRATION_6,
    meetings::MIGRATION_7,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// An open journal.
pub struct Journal {
    pub(crate) conn: Connection,
    pub path: PathBuf,
}

impl Journal {
    /// Open (creating if needed) the journal at `path`, migrating it to this build's schema.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let p = path.display().to_string();
        let err = |e: rusqlite::Error| JournalError::Sqlite { path: p.clone(), message: e.to_string() };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| JournalError::Folder { path: dir.display().to_string(), message: e.to_string() })?;
        }
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(err)?;
        // Check the version before anything writes to the file.
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
        if found > SCHEMA_VERSION {
            return Err(JournalError::TooNew { path: p, found, known: SCHEMA_VERSION });
        }
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(err)?;
        if found < SCHEMA_VERSION {
            let tx = conn.transaction().map_err(err)?;
            // Re-read inside the transaction: another process may have migrated meanwhile.
            let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
            for m in &MIGRATIONS[now.clamp(0, SCHEMA_VERSION) as usize..] {
                tx.execute_batch(m).map_err(err)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(Journal { conn, path: path.to_path_buf() })
    }

    /// Open the journal of a workspace in the user's data folder (see [`journal_path`]).
    pub fn for_workspace(origin: &Path) -> Result<Journal, JournalError> {
        Journal::open(&journal_path(origin)?)
    }

    /// `PRAGMA integrity_check`: `ok` when the file is sound.
    pub fn integrity_check(&self) -> Result<String, JournalError> {
        self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| self.sqlite_err(e))
    }

    pub(crate) fn sqlite_err(&self, e: rusqlite::Error) -> JournalError {
        sqlite_error(&self.path, e)
    }
}

/// A SQLite failure on the journal at `path` (a free function for use while a transaction borrows the
/// connection).
pub(crate) fn sqlite_error(path: &Path, e: rusqlite::Error) -> JournalError {
    JournalError::Sqlite { path: path.display().to_string(), message: e.to_string() }
}

/// Stored data of the journal at `path` that cannot be read back.
pub(crate) fn corrupt_error(path: &Path, message: impl ToString) -> JournalError {
    JournalError::Corrupt { path: path.display().to_string(), message: message.to_string() }
}

/// Who is writing, for "who said so": the OS user name (`USER`, `USERNAME` or `LOGNAME`), else
/// `unknown`.
pub fn author() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// Where a workspace's journal lives: [`paths::data_dir`], then `journals/<workspace key>.sqlite`, so every
/// tool opening the same workspace finds the same file.
pub fn journal_path(origin: &Path) -> Result<PathBuf, JournalError> {
    let dir = paths::data_dir()
        .ok_or_else(|| JournalError::Folder { path: "~".into(), message: "no home folder to keep the journal in".into() })?;
    Ok(dir.join("journals").join(format!("{}.sqlite", paths::workspace_key(origin))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_migrates_and_refuses_a_newer_schema_untouched() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("j.sqlite");
        let j = Journal::open(&p).expect("open");
        let v: i64 = j.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
        assert_eq!(v, SCHEMA_VERSION);
        let mode: String = j.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("mode");
        assert_eq!(mode, "wal");
        j.conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).expect("bump");
        drop(j);
        let before = std::fs::read(&p).expect("read");
        let err = Journal::open(&p).err().expect("refused");
        assert!(matches!(err, JournalError::TooNew { .. }), "{err}");
        assert!(err.to_string().contains("newer Flywheel"), "{err}");
        assert_eq!(std::fs::read(&p).expect("read"), before, "the file was touched");
    }

    #[test]
    fn the_same_workspace_maps_to_the_same_journal() {
        let dir = tempfile::tempdir().expect("tmp");
        let a = journal_path(dir.path()).expect("path");
        let b = journal_path(&dir.path().join(".")).expect("path");
        assert_eq!(a, b);
        let other = tempfile::tempdir().expect("tmp");
        assert_ne!(a, journal_path(other.path()).expect("path"));
    }
}
