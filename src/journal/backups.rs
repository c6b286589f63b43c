//! This machine's journal keeps a copy a day and can put one back: the journal's side of
//! [`store::sqlite::backup`](super::store::sqlite::backup), for each open of a workspace's journal and for
//! `flywheel journal backups` / `flywheel journal restore`. A shared journal is its server's to back up.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::store::sqlite::backup;
pub use super::store::sqlite::backup::{Backup, KEEP};
use super::store::Db;
use super::{journal_path, shared_target, status::Status, Journal, JournalError};
use crate::config::Workspace;

impl Journal {
    /// Copy a SQLite journal as `day`'s copy when it was written since its newest (see
    /// [`Sqlite::back_up`](super::store::sqlite::Sqlite::back_up)); a shared journal makes none.
    pub fn back_up(&self, day: &str) -> Result<Option<PathBuf>, JournalError> {
        match &*self.db() {
            Db::Sqlite(s) => Ok(s.back_up(day)?),
            Db::Postgres(_) => Ok(None),
        }
    }

    /// The daily copies of this journal, newest first (none for a shared journal).
    pub fn backups(&self) -> Vec<Backup> {
        match &*self.db() {
            Db::Sqlite(s) => backup::list(s.path()),
            Db::Postgres(_) => Vec::new(),
        }
    }
}

/// A daily copy put back in place of a workspace's journal.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    /// The copy put back.
    pub from: Backup,
    /// The journal it now is.
    pub journal: PathBuf,
    /// Where the file it replaced was moved (None when there was none).
    pub aside: Option<PathBuf>,
    /// What the journal holds now.
    pub status: Status,
}

/// A journal file that is gone while its copies are there (deleted, or lost by a sync tool) is not started
/// again empty, which would hide that what people wrote is missing (and, at the next open, replace the
/// day's copy with an empty one): opening it is refused with the copy to put back.
pub(crate) fn refuse_if_missing(ws: &Workspace, journal: &Path) -> Result<(), JournalError> {
    if journal.exists() {
        return Ok(());
    }
    match backup::list(journal).first() {
        None => Ok(()),
        Some(b) => Err(JournalError::Refused(format!(
            "the journal of {} is missing ({}) but has copies: `flywheel journal restore` puts back its copy of {} (to start an empty journal instead, move {} away)",
            ws.name,
            journal.display(),
            b.made,
            backup::folder(journal).display()
        ))),
    }
}

/// Where a workspace's journal is on this machine, or why it has no daily copies here.
fn local_journal(ws: &Workspace) -> Result<PathBuf, JournalError> {
    if shared_target(ws).is_some() {
        return Err(JournalError::Refused(format!(
            "the journal of {} is shared (PostgreSQL): its server keeps the copies (pg_dump), not this machine",
            ws.name
        )));
    }
    journal_path(&ws.key_path())
}

/// The daily copies of a workspace's journal on this machine, newest first.
pub fn backups(ws: &Workspace) -> Result<Vec<Backup>, JournalError> {
    Ok(backup::list(&local_journal(ws)?))
}

/// Put back one of a workspace's daily copies: the copy of `day` (`YYYY-MM-DD`), else the newest. The
/// journal it replaces is moved aside, never deleted (`stamp` names it); the journal is then opened (and
/// migrated, for a copy made by an older Flywheel) to say what it holds.
pub fn restore(ws: &Workspace, day: Option<&str>, stamp: &str) -> Result<Restored, JournalError> {
    let journal = local_journal(ws)?;
    let copies = backup::list(&journal);
    let Some(newest) = copies.first() else {
        return Err(JournalError::Refused(format!("the journal of {} has no daily copy yet", ws.name)));
    };
    let from = match day.map(str::trim) {
        None => newest.clone(),
        Some(d) => copies.iter().find(|b| b.day == d).cloned().ok_or_else(|| {
            let days: Vec<&str> = copies.iter().map(|b| b.day.as_str()).collect();
            JournalError::Refused(format!("the journal of {} has no copy of {d}: it has {}", ws.name, days.join(", ")))
        })?,
    };
    let aside = backup::restore(&journal, &from.path, stamp)?;
    let status = Journal::open(&journal)?.status()?;
    Ok(Restored { from, journal, aside, status })
}
