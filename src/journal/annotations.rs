//! Annotations: a reviewer's note on a metric over a time range (optionally tied to a finding), drawn
//! on that metric's charts as a labelled shaded range in the app and in exported reports.

use serde::{Deserialize, Serialize};

use super::store::{args, value};
use super::{Invalid, Journal, JournalError};

pub const MIGRATION_3: &str = "
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    metric TEXT NOT NULL,
    range_start INTEGER NOT NULL,
    range_end INTEGER NOT NULL CHECK (range_end > range_start),
    note TEXT NOT NULL CHECK (length(trim(note)) > 0),
    finding TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX annotations_metric ON annotations (metric, range_start);
";

/// An annotation can say "planned maintenance": the findings on its metric and range fold into "Muted".
pub const MIGRATION_6: &str = "
ALTER TABLE annotations ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0 CHECK (maintenance IN (0, 1));
";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    #[serde(default)]
    pub id: i64,
    pub metric: String,
    /// Unix seconds, `[start, end)`.
    pub start: i64,
    pub end: i64,
    pub note: String,
    #[serde(default)]
    pub finding: String,
    #[serde(default)]
    pub author: String,
    /// Planned maintenance: findings of this metric over this range are expected (folded into "Muted").
    #[serde(default)]
    pub maintenance: bool,
    #[serde(default)]
    pub created_at: i64,
}

impl Journal {
    /// Add an annotation; returns its id.
    pub fn add_annotation(&mut self, a: &Annotation, now: i64) -> Result<i64, JournalError> {
        if a.note.trim().is_empty() {
            return Err(Invalid::Empty { what: "an annotation", field: "note" }.into());
        }
        use super::actions::{check_len, MAX_DETAILS, MAX_NAME};
        check_len("note", &a.note, MAX_DETAILS)?;
        for (field, text) in [("metric", &a.metric), ("finding", &a.finding), ("author", &a.author)] {
            check_len(field, text, MAX_NAME)?;
        }
        if a.end <= a.start {
            return Err(Invalid::Backwards("annotated").into());
        }
        let id = self.transaction(|tx| {
            Ok(value(
                tx,
                "INSERT INTO annotations (metric, range_start, range_end, note, finding, author, created_at, maintenance) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                args![&a.metric, a.start, a.end, a.note.trim(), &a.finding, &a.author, now, a.maintenance],
            )?)
        })?;
        Ok(id)
    }

    /// Annotations overlapping `[from, to)`, by metric then start.
    pub fn annotations(&self, from: i64, to: i64) -> Result<Vec<Annotation>, JournalError> {
        self.query(
            "SELECT id, metric, range_start, range_end, note, finding, author, created_at, maintenance FROM annotations
             WHERE range_end > ?1 AND range_start < ?2 ORDER BY metric, range_start, id",
            args![from, to],
            |r| {
                Ok(Annotation {
                    id: r.get(0)?,
                    metric: r.get(1)?,
                    start: r.get(2)?,
                    end: r.get(3)?,
                    note: r.get(4)?,
                    finding: r.get(5)?,
                    author: r.get(6)?,
                    created_at: r.get(7)?,
                    maintenance: r.get(8)?,
                })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_overlapping_a_range() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        let a = |m: &str, s, e, n: &str| Annotation {
            id: 0,
            metric: m.into(),
            start: s,
            end: e,
            note: n.into(),
            finding: String::new(),
            author: String::new(),
            created_at: 0,
            maintenance: m == "y",
        };
        j.add_annotation(&a("x", 100, 200, "deploy <b>v2</b>"), 1).expect("add");
        j.add_annotation(&a("y", 300, 400, "failover"), 1).expect("add");
        assert!(j.add_annotation(&a("x", 200, 100, "backwards"), 1).is_err());
        assert!(j.add_annotation(&a("x", 100, 200, "  "), 1).is_err());
        let got = j.annotations(150, 350).expect("list");
        assert_eq!(
            got.iter().map(|x| (x.note.as_str(), x.maintenance)).collect::<Vec<_>>(),
            vec![("deploy <b>v2</b>", false), ("failover", true)]
        );
        assert!(j.annotations(400, 500).expect("list").is_empty());
    }
}
