//! Moving a journal: copy everything one journal holds (action items, annotations, the wheel and its spin
//! history, verdicts, the findings history, meetings, COEs) into another — typically a laptop's SQLite journal
//! into the team's shared PostgreSQL one (`flywheel journal copy --to postgres://…`).
//!
//! Copying is idempotent and merges: every journal has an id ([`Journal::id`]), and the destination keeps
//! which of a source's rows became which of its own (`copied`, migration 8), so running the copy again adds
//! nothing twice, and copying several laptops' journals into one keeps all of them. What changes after a
//! copy follows "the newer wins" where a row says when it changed (action items and verdicts by
//! `updated_at`, the wheel by its save time, a reviewed week by when it was recorded); notes, spins and
//! meetings are copied once, an item's changes (its trail) each once. It all happens in one transaction: a copy that fails changes nothing.

use std::collections::HashMap;

use serde::Serialize;

use super::store::{args, opt_value, value, Row, Sql, StoreError, Value};
use super::{Journal, JournalError};

pub const MIGRATION_8: &str = "
CREATE TABLE journal_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE copied (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    dest_id INTEGER NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);
";

/// What a copy did with one kind of record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Copied {
    pub what: &'static str,
    /// New in the destination.
    pub added: usize,
    /// Already there and older than the source's: brought up to date.
    pub updated: usize,
    /// Already there and as new or newer: left as it was.
    pub unchanged: usize,
}

/// A table copied row by row, with what identifies a row and when it changed.
struct Table {
    what: &'static str,
    table: &'static str,
    /// The columns copied (for tables with an identity, without `id`).
    cols: &'static [&'static str],
    /// How a row is known in both journals: `None` for an identity (`id`, mapped through `copied`), else
    /// the natural key's columns (a prefix of `cols`).
    key: Option<&'static [&'static str]>,
    /// The column saying when the row last changed (the newer wins), or none (copied once).
    stamp: Option<&'static str>,
}

const ACTIONS: Table = Table {
    what: "action items",
    table: "action_items",
    cols: &[
        "title",
        "details",
        "owner",
        "due",
        "status",
        "week",
        "team",
        "metric",
        "finding",
        "range_start",
        "range_end",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "revision",
    ],
    key: None,
    stamp: Some("updated_at"),
};
const ANNOTATIONS: Table = Table {
    what: "annotations",
    table: "annotations",
    cols: &["metric", "range_start", "range_end", "note", "finding", "author", "created_at", "maintenance"],
    key: None,
    stamp: None,
};
const SPINS: Table =
    Table { what: "wheel spins", table: "spins", cols: &["at", "winner", "outcome", "odds", "absent", "author"], key: None, stamp: None };
const WHEEL: Table = Table {
    what: "wheel state",
    table: "wheel_state",
    cols: &["id", "state", "updated_at"],
    key: Some(&["id"]),
    stamp: Some("updated_at"),
};
const VERDICTS: Table = Table {
    what: "verdicts",
    table: "verdicts",
    cols: &[
        "finding",
        "metric",
        "instance",
        "kind",
        "week",
        "range_start",
        "range_end",
        "severity",
        "verdict",
        "reason",
        "note",
        "scope",
        "scope_weeks",
        "author",
        "created_at",
        "updated_at",
    ],
    key: Some(&["finding"]),
    stamp: Some("updated_at"),
};
const COES: Table = Table {
    what: "COEs",
    table: "coes",
    cols: &[
        "week",
        "title",
        "origin",
        "metric",
        "range_start",
        "range_end",
        "body",
        "status",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
        "revision",
    ],
    key: None,
    stamp: Some("updated_at"),
};
const MEETINGS: Table = Table {
    what: "meetings",
    table: "meetings",
    cols: &["week", "started_at", "ended_at", "host", "presenter", "absent", "segments"],
    key: None,
    stamp: None,
};
const HISTORY_COLS: &[&str] =
    &["week", "id", "metric", "instance", "kind", "range_start", "range_end", "severity", "sentence", "recorded_at"];
const MARK_COLS: &[&str] = &["meeting", "finding", "metric", "sentence", "mark", "note", "at"];

/// Everything read from the source before the destination's transaction starts.
struct Snapshot {
    source: String,
    tables: Vec<(&'static Table, Vec<Row>)>,
    reviews: Vec<Row>,
    history: Vec<Row>,
    marks: Vec<Row>,
    trail: Vec<Row>,
}

fn select(t: &Table) -> String {
    let id = if t.key.is_none() { "id, " } else { "" };
    format!("SELECT {id}{} FROM {} ORDER BY 1", t.cols.join(", "), t.table)
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

fn key_text(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
        Value::Real(x) => x.to_string(),
        Value::Null => String::new(),
    }
}

/// A copy that changes a row with a revision makes a new revision (an editor or host holding the old one
/// is then refused rather than overwriting the copy).
fn bump(t: &Table) -> &'static str {
    if t.table == ACTIONS.table || t.table == WHEEL.table {
        ", revision = revision + 1"
    } else {
        ""
    }
}

fn stamp_of(t: &Table, row: &[Value]) -> Option<i64> {
    let i = t.cols.iter().position(|c| Some(*c) == t.stamp)?;
    match row.get(i) {
        Some(Value::Int(v)) => Some(*v),
        _ => None,
    }
}

impl Journal {
    /// This journal's id (made when it was created, kept for good): how a copy knows its rows again.
    pub fn id(&self) -> Result<String, JournalError> {
        if let Some(id) = self.query_opt("SELECT value FROM journal_meta WHERE key = 'id'", &[], |r| r.get::<String>(0))? {
            return Ok(id);
        }
        let fresh = format!("{:032x}", rand::random::<u128>());
        self.execute("INSERT INTO journal_meta (key, value) VALUES ('id', ?1) ON CONFLICT (key) DO NOTHING", args![fresh])?;
        self.query_opt("SELECT value FROM journal_meta WHERE key = 'id'", &[], |r| r.get::<String>(0))?
            .ok_or_else(|| self.corrupt("the journal's id was not kept"))
    }

    /// Copy everything this journal holds into `dest` (see the module's doc); what was added, updated and
    /// left, per kind of record.
    pub fn copy_to(&self, dest: &Journal) -> Result<Vec<Copied>, JournalError> {
        let source = self.id()?;
        if dest.id()? == source {
            return Err(JournalError::Invalid(super::Invalid::OutOfRange {
                field: "destination",
                message: "it is this journal itself".into(),
            }));
        }
        let read = |sql: &str| self.query(sql, &[], |r| Ok(r.clone()));
        let mut tables = Vec::new();
        for t in [&ACTIONS, &ANNOTATIONS, &SPINS, &WHEEL, &VERDICTS, &MEETINGS, &COES] {
            tables.push((t, read(&select(t))?));
        }
        let snap = Snapshot {
            source,
            tables,
            reviews: read("SELECT week, findings, recorded_at FROM reviews ORDER BY week")?,
            history: read(&format!("SELECT {} FROM findings_history ORDER BY week, id", HISTORY_COLS.join(", ")))?,
            marks: read(&format!("SELECT {} FROM meeting_marks ORDER BY meeting, finding", MARK_COLS.join(", ")))?,
            trail: read("SELECT id, item, at, author, change FROM action_changes ORDER BY id")?,
        };
        dest.transaction(|tx| Ok(copy_all(tx, &snap)?))
    }
}

fn copy_all(tx: &mut dyn Sql, snap: &Snapshot) -> Result<Vec<Copied>, StoreError> {
    let mut out = Vec::new();
    let mut new_meetings: HashMap<i64, i64> = HashMap::new();
    for (t, rows) in &snap.tables {
        let mut c = Copied { what: t.what, added: 0, updated: 0, unchanged: 0 };
        for row in rows {
            match t.key {
                None => copy_identity(tx, &snap.source, t, row, &mut c, &mut new_meetings)?,
                Some(key) => copy_keyed(tx, t, key, &row.0, &mut c)?,
            }
        }
        out.push(c);
    }
    // Marks of the meetings added now (a meeting copied before keeps the marks it came with).
    let mut marks = Copied { what: "meeting marks", added: 0, updated: 0, unchanged: 0 };
    for row in &snap.marks {
        let meeting = row.get::<i64>(0).map_err(|m| StoreError::new(tx.at(), m))?;
        match new_meetings.get(&meeting) {
            Some(dest) => {
                let mut vals = row.0.clone();
                vals[0] = Value::Int(*dest);
                let sql = format!("INSERT INTO meeting_marks ({}) VALUES ({})", MARK_COLS.join(", "), placeholders(1, MARK_COLS.len()));
                tx.execute(&sql, &vals)?;
                marks.added += 1;
            }
            None => marks.unchanged += 1,
        }
    }
    out.push(marks);
    out.push(copy_trail(tx, snap)?);
    out.push(copy_weeks(tx, snap)?);
    Ok(out)
}

/// Where a source's row was copied to, if it was.
fn mapped(tx: &mut dyn Sql, source: &str, kind: &str, id: i64) -> Result<Option<i64>, StoreError> {
    opt_value(tx, "SELECT dest_id FROM copied WHERE source = ?1 AND kind = ?2 AND source_id = ?3", args![source, kind, id.to_string()])
}

/// The items' trails: each change once, on the item it was copied to.
fn copy_trail(tx: &mut dyn Sql, snap: &Snapshot) -> Result<Copied, StoreError> {
    let mut c = Copied { what: "action item changes", added: 0, updated: 0, unchanged: 0 };
    for row in &snap.trail {
        let get = |i: usize| row.get::<i64>(i).map_err(|m| StoreError::new(tx.at(), m));
        let (id, item) = (get(0)?, get(1)?);
        if mapped(tx, &snap.source, "action_changes", id)?.is_some() {
            c.unchanged += 1;
            continue;
        }
        let Some(dest_item) = mapped(tx, &snap.source, ACTIONS.table, item)? else {
            c.unchanged += 1;
            continue;
        };
        let mut vals = row.0[1..].to_vec();
        vals[0] = Value::Int(dest_item);
        let new: i64 = value(tx, "INSERT INTO action_changes (item, at, author, change) VALUES (?1, ?2, ?3, ?4) RETURNING id", &vals)?;
        tx.execute(
            "INSERT INTO copied (source, kind, source_id, dest_id) VALUES (?1, 'action_changes', ?2, ?3)",
            args![&snap.source, id.to_string(), new],
        )?;
        c.added += 1;
    }
    Ok(c)
}

/// A row of a table with an identity: added (and remembered in `copied`) the first time, brought up to
/// date when its stamp is newer than the copy's.
fn copy_identity(
    tx: &mut dyn Sql,
    source: &str,
    t: &Table,
    row: &Row,
    c: &mut Copied,
    new_meetings: &mut HashMap<i64, i64>,
) -> Result<(), StoreError> {
    let src_id = row.get::<i64>(0).map_err(|m| StoreError::new(tx.at(), m))?;
    let vals = &row.0[1..];
    let dest_id = mapped(tx, source, t.table, src_id)?;
    // A row copied before whose copy was deleted since stays deleted.
    let Some(dest_id) = dest_id else {
        let sql = format!("INSERT INTO {} ({}) VALUES ({}) RETURNING id", t.table, t.cols.join(", "), placeholders(1, t.cols.len()));
        let id: i64 = value(tx, &sql, vals)?;
        tx.execute(
            "INSERT INTO copied (source, kind, source_id, dest_id) VALUES (?1, ?2, ?3, ?4)",
            args![source, t.table, src_id.to_string(), id],
        )?;
        if t.table == MEETINGS.table {
            new_meetings.insert(src_id, id);
        }
        c.added += 1;
        return Ok(());
    };
    let Some(src_stamp) = stamp_of(t, vals) else {
        c.unchanged += 1;
        return Ok(());
    };
    let stamp = t.stamp.unwrap_or("updated_at");
    // The revision is not copied over an existing row: the update makes a new one.
    let kept: Vec<usize> = (0..t.cols.len()).filter(|&i| t.cols[i] != "revision").collect();
    let sets: Vec<String> = kept.iter().enumerate().map(|(k, &i)| format!("{} = ?{}", t.cols[i], k + 1)).collect();
    let n = kept.len();
    let sql = format!("UPDATE {} SET {}{} WHERE id = ?{} AND {stamp} < ?{}", t.table, sets.join(", "), bump(t), n + 1, n + 2);
    let mut all: Vec<Value> = kept.iter().map(|&i| vals[i].clone()).collect();
    all.push(Value::Int(dest_id));
    all.push(Value::Int(src_stamp));
    if tx.execute(&sql, &all)? > 0 {
        c.updated += 1;
    } else {
        c.unchanged += 1;
    }
    Ok(())
}

/// A row known by a natural key: added when missing, replaced when the source's stamp is newer.
fn copy_keyed(tx: &mut dyn Sql, t: &Table, key: &[&str], vals: &[Value], c: &mut Copied) -> Result<(), StoreError> {
    let stamp = t.stamp.unwrap_or("updated_at");
    let wh: Vec<String> = key.iter().enumerate().map(|(i, k)| format!("{k} = ?{}", i + 1)).collect();
    let have: Option<i64> = opt_value(tx, &format!("SELECT {stamp} FROM {} WHERE {}", t.table, wh.join(" AND ")), &vals[..key.len()])?;
    match have {
        None => {
            let sql = format!("INSERT INTO {} ({}) VALUES ({})", t.table, t.cols.join(", "), placeholders(1, t.cols.len()));
            tx.execute(&sql, vals)?;
            c.added += 1;
        }
        Some(dest_stamp) => {
            if stamp_of(t, vals).is_some_and(|s| s > dest_stamp) {
                let sets: Vec<String> = t.cols.iter().enumerate().map(|(i, col)| format!("{col} = ?{}", i + 1)).collect();
                let wh: Vec<String> =
                    key.iter().map(|k| format!("{k} = ?{}", t.cols.iter().position(|c| c == k).unwrap_or(0) + 1)).collect();
                tx.execute(&format!("UPDATE {} SET {}{} WHERE {}", t.table, sets.join(", "), bump(t), wh.join(" AND ")), vals)?;
                c.updated += 1;
            } else {
                c.unchanged += 1;
            }
        }
    }
    Ok(())
}

/// Reviewed weeks: a week the destination lacks, or recorded there before the source recorded it, is
/// replaced whole by the source's.
fn copy_weeks(tx: &mut dyn Sql, snap: &Snapshot) -> Result<Copied, StoreError> {
    let mut c = Copied { what: "reviewed weeks", added: 0, updated: 0, unchanged: 0 };
    for review in &snap.reviews {
        let week = review.get::<String>(0).map_err(|m| StoreError::new(tx.at(), m))?;
        let recorded = review.get::<i64>(2).map_err(|m| StoreError::new(tx.at(), m))?;
        let have: Option<i64> = opt_value(tx, "SELECT recorded_at FROM reviews WHERE week = ?1", args![&week])?;
        match have {
            Some(at) if at >= recorded => {
                c.unchanged += 1;
                continue;
            }
            Some(_) => c.updated += 1,
            None => c.added += 1,
        }
        tx.execute("DELETE FROM findings_history WHERE week = ?1", args![&week])?;
        tx.execute(
            "INSERT INTO reviews (week, findings, recorded_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (week) DO UPDATE SET findings = excluded.findings, recorded_at = excluded.recorded_at",
            &review.0,
        )?;
        let sql = format!("INSERT INTO findings_history ({}) VALUES ({})", HISTORY_COLS.join(", "), placeholders(1, HISTORY_COLS.len()));
        for f in snap.history.iter().filter(|f| f.0.first().map(key_text).as_deref() == Some(week.as_str())) {
            tx.execute(&sql, &f.0)?;
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::actions::{Draft, Filter, Status};

    #[test]
    fn a_copy_is_idempotent_merges_and_lets_the_newer_win() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut laptop = Journal::open(&dir.path().join("laptop.sqlite")).expect("open");
        let mut other = Journal::open(&dir.path().join("other.sqlite")).expect("open");
        let mut shared = Journal::open(&dir.path().join("shared.sqlite")).expect("open");
        let item = |t: &str| Draft { title: t.into(), week: "2026-11-09".into(), ..Default::default() };
        let a = laptop.add_action(&item("raise the retry budget"), 100).expect("add");
        laptop.record_spin(100, "Search", crate::journal::spins::Outcome::Presented, &[], &[], None).expect("spin");
        laptop.record_week("2026-11-09", &[], 100).expect("week");
        other.add_action(&item("check the alarm line"), 100).expect("add");
        shared.add_action(&item("already shared"), 50).expect("add");

        let first = laptop.copy_to(&shared).expect("copy");
        let count = |c: &[Copied], what: &str| c.iter().find(|x| x.what == what).map(|x| (x.added, x.updated, x.unchanged));
        assert_eq!(count(&first, "action items"), Some((1, 0, 0)));
        assert_eq!(count(&first, "wheel spins"), Some((1, 0, 0)));
        assert_eq!(count(&first, "reviewed weeks"), Some((1, 0, 0)));
        let again = laptop.copy_to(&shared).expect("copy again");
        assert_eq!(count(&again, "action items"), Some((0, 0, 1)), "nothing twice");
        assert_eq!(count(&again, "wheel spins"), Some((0, 0, 1)));
        assert_eq!(count(&again, "reviewed weeks"), Some((0, 0, 1)));
        other.copy_to(&shared).expect("a second laptop");
        let titles = |j: &Journal| {
            let mut t: Vec<String> = j.actions(&Filter::default()).expect("list").into_iter().map(|i| i.title).collect();
            t.sort();
            t
        };
        assert_eq!(titles(&shared), vec!["already shared", "check the alarm line", "raise the retry budget"]);

        // An edit on the laptop after the copy comes across; an older one does not overwrite a newer edit.
        laptop.set_action_status(a.id, Status::Done, 200).expect("done");
        assert_eq!(count(&laptop.copy_to(&shared).expect("copy"), "action items"), Some((0, 1, 0)));
        let copied = shared.actions(&Filter::default()).expect("list").into_iter().find(|i| i.title == "raise the retry budget");
        let copied = copied.expect("there");
        assert_eq!(copied.status, Status::Done);
        shared.set_action_status(copied.id, Status::InProgress, 300).expect("edited in the shared journal");
        laptop.set_action_status(a.id, Status::Dropped, 250).expect("an older edit");
        laptop.copy_to(&shared).expect("copy");
        assert_eq!(shared.action(copied.id).expect("read").expect("there").status, Status::InProgress, "the newer edit stays");
        assert!(laptop.copy_to(&laptop).is_err(), "a journal is not copied into itself");
    }
}
