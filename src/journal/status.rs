//! What a journal holds, at a glance: which store it is, its schema version, and how many of each thing
//! people wrote in it — for `flywheel journal status` and for moving a journal between stores.

use serde::Serialize;

use super::{Journal, JournalError, SCHEMA_VERSION};

/// A journal's store, schema and contents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// The kind of store (`SQLite`, `PostgreSQL`).
    pub store: &'static str,
    /// Where it is (the file, or the server's address and the workspace; never a password).
    pub location: String,
    /// The schema version the journal is at (after opening, this build's).
    pub schema: i64,
    /// The schema version this build writes.
    pub known: i64,
    /// How many of each kind of record, in a fixed order: (what, count).
    pub counts: Vec<(&'static str, i64)>,
    /// This machine's daily copies of it, newest first (none for a shared journal).
    pub backups: Vec<super::backups::Backup>,
}

/// The counted records: (label, SQL that counts them).
const COUNTS: &[(&str, &str)] = &[
    ("action items", "SELECT count(*) FROM action_items"),
    ("open action items", "SELECT count(*) FROM action_items WHERE status IN ('open', 'in_progress')"),
    ("annotations", "SELECT count(*) FROM annotations"),
    ("wheel spins", "SELECT count(*) FROM spins"),
    ("verdicts", "SELECT count(*) FROM verdicts"),
    ("reviewed weeks", "SELECT count(*) FROM reviews"),
    ("findings kept", "SELECT count(*) FROM findings_history"),
    ("meetings", "SELECT count(*) FROM meetings"),
    ("COEs", "SELECT count(*) FROM coes"),
];

impl Journal {
    /// The journal's store, schema version and record counts.
    pub fn status(&self) -> Result<Status, JournalError> {
        let schema = self.version()?;
        let mut counts = Vec::with_capacity(COUNTS.len());
        for (what, sql) in COUNTS {
            let n = self.query_opt(sql, &[], |r| r.get::<i64>(0))?.unwrap_or(0);
            counts.push((*what, n));
        }
        Ok(Status { store: self.store(), location: self.location.clone(), schema, known: SCHEMA_VERSION, counts, backups: self.backups() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::actions::Draft;

    #[test]
    fn status_counts_what_was_written() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        let empty = j.status().expect("status");
        assert_eq!((empty.store, empty.schema, empty.known), ("SQLite", SCHEMA_VERSION, SCHEMA_VERSION));
        assert!(empty.counts.iter().all(|(_, n)| *n == 0), "{:?}", empty.counts);
        assert_eq!(empty.counts.len(), COUNTS.len());
        for title in ["check the alarm line", "raise the retry budget"] {
            j.add_action(&Draft { title: title.into(), week: "2026-11-09".into(), ..Default::default() }, 1_795_000_000).expect("add");
        }
        let s = j.status().expect("status");
        let count = |what: &str| s.counts.iter().find(|(w, _)| *w == what).map(|(_, n)| *n);
        assert_eq!(count("action items"), Some(2));
        assert_eq!(count("open action items"), Some(2));
        assert_eq!(count("annotations"), Some(0));
        assert!(s.location.ends_with("j.sqlite"));
    }
}
