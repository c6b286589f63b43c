//! Correction-of-error documents (COEs): the write-up of an event worth learning from, started as a draft
//! from a finding, a ticket or a recurring problem ([`crate::coe`] writes the draft) and edited by the room.
//! Kept in the journal so everyone in the meeting sees one document; every save is one transaction (on disk
//! when it returns), counted by a revision so an edit based on an older one is refused, never lost silently.

use serde::{Deserialize, Serialize};

use super::actions::{check_len, MAX_NAME, MAX_TITLE};
use super::store::{args, opt_value, value, Row};
use super::{Invalid, Journal, JournalError};

pub const MIGRATION_12: &str = "
CREATE TABLE coes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    week TEXT NOT NULL,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    origin TEXT NOT NULL DEFAULT '',
    metric TEXT NOT NULL DEFAULT '',
    range_start INTEGER NOT NULL DEFAULT 0,
    range_end INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'done')),
    created_by TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX coes_week ON coes (week, id);
";

/// The longest COE body kept (characters): a long write-up with pasted logs fits.
pub const MAX_BODY: usize = 200_000;

/// Where a COE stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoeStatus {
    Draft,
    InReview,
    Done,
}

impl CoeStatus {
    pub fn key(self) -> &'static str {
        match self {
            CoeStatus::Draft => "draft",
            CoeStatus::InReview => "in_review",
            CoeStatus::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<CoeStatus> {
        match s.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "draft" => Some(CoeStatus::Draft),
            "in_review" => Some(CoeStatus::InReview),
            "done" => Some(CoeStatus::Done),
            _ => None,
        }
    }
}

/// A COE as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coe {
    pub id: i64,
    /// The review week it belongs to (`YYYY-MM-DD`, the week's first day).
    pub week: String,
    pub title: String,
    /// What it was started from: `finding:<id>`, `ticket:<id>` or `problem:<label>`.
    pub origin: String,
    /// The metric whose charts illustrate it, and the episode (Unix seconds; 0 when none).
    pub metric: String,
    pub start: i64,
    pub end: i64,
    /// The document (Markdown).
    pub body: String,
    pub status: CoeStatus,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub revision: i64,
}

/// What starting a COE gave: the COE, and whether it is new (else one started earlier from the same origin).
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    pub coe: Coe,
    pub new: bool,
}

/// A new COE (the draft's text comes from [`crate::coe::draft`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCoe {
    pub week: String,
    pub title: String,
    pub origin: String,
    pub metric: String,
    pub start: i64,
    pub end: i64,
    pub body: String,
}

/// A save from the editor: the text, and the revision it was based on (`None`: apply whatever is there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoeEdit {
    pub title: String,
    pub body: String,
    pub status: CoeStatus,
    pub revision: Option<i64>,
}

const COLUMNS: &str =
    "id, week, title, origin, metric, range_start, range_end, body, status, created_by, updated_by, created_at, updated_at, revision";

fn read(r: &Row) -> Result<Coe, String> {
    let status: String = r.get(8)?;
    Ok(Coe {
        id: r.get(0)?,
        week: r.get(1)?,
        title: r.get(2)?,
        origin: r.get(3)?,
        metric: r.get(4)?,
        start: r.get(5)?,
        end: r.get(6)?,
        body: r.get(7)?,
        status: CoeStatus::parse(&status).ok_or_else(|| format!("unknown COE status `{status}`"))?,
        created_by: r.get(9)?,
        updated_by: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        revision: r.get(13)?,
    })
}

fn check(title: &str, body: &str) -> Result<(), Invalid> {
    if title.trim().is_empty() {
        return Err(Invalid::Empty { what: "a COE", field: "title" });
    }
    check_len("title", title, MAX_TITLE)?;
    check_len("body", body, MAX_BODY)
}

impl Journal {
    /// Start a COE; returns it as stored. A COE of the same week started from the same finding, ticket or
    /// problem is returned instead of a second one (two people pressing "Write a COE" in one meeting edit one
    /// document).
    pub fn create_coe(&mut self, c: &NewCoe, now: i64) -> Result<Started, JournalError> {
        check(&c.title, &c.body)?;
        for (field, text) in [("week", &c.week), ("origin", &c.origin), ("metric", &c.metric)] {
            check_len(field, text, MAX_NAME.max(MAX_TITLE))?;
        }
        let author = self.author.clone();
        let (id, new): (i64, bool) = self.transaction(|tx| {
            if !c.origin.is_empty() {
                let sql = "SELECT id FROM coes WHERE week = ?1 AND origin = ?2 ORDER BY id LIMIT 1";
                if let Some(id) = opt_value::<i64>(tx, sql, args![&c.week, &c.origin])? {
                    return Ok((id, false));
                }
            }
            let id = value(
                tx,
                "INSERT INTO coes (week, title, origin, metric, range_start, range_end, body, status, created_by, updated_by, created_at, updated_at, revision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8, ?8, ?9, ?9, 1) RETURNING id",
                args![&c.week, c.title.trim(), &c.origin, &c.metric, c.start, c.end, &c.body, &author, now],
            )?;
            Ok((id, true))
        })?;
        let coe = self.coe(id)?.ok_or_else(|| self.corrupt(format!("COE {id} vanished after it was written")))?;
        Ok(Started { coe, new })
    }

    pub fn coe(&self, id: i64) -> Result<Option<Coe>, JournalError> {
        self.query_opt(&format!("SELECT {COLUMNS} FROM coes WHERE id = ?1"), args![id], read)
    }

    /// The COEs a meeting of `week` reviews: the week's own and every earlier one not yet done, newest first.
    pub fn coes_to_review(&self, week: &str) -> Result<Vec<Coe>, JournalError> {
        self.query(
            &format!("SELECT {COLUMNS} FROM coes WHERE week = ?1 OR (week < ?1 AND status <> 'done') ORDER BY week DESC, id DESC"),
            args![week],
            read,
        )
    }

    /// The COEs of a week (`YYYY-MM-DD`), or all, newest first.
    pub fn coes(&self, week: Option<&str>) -> Result<Vec<Coe>, JournalError> {
        match week {
            Some(w) => self.query(&format!("SELECT {COLUMNS} FROM coes WHERE week = ?1 ORDER BY id DESC"), args![w], read),
            None => self.query(&format!("SELECT {COLUMNS} FROM coes ORDER BY week DESC, id DESC"), args![], read),
        }
    }

    /// Save an edit. Refused when it was based on an older revision than the stored one (someone else
    /// saved meanwhile): nothing is overwritten, and the error says who.
    pub fn save_coe(&mut self, id: i64, e: &CoeEdit, now: i64) -> Result<Coe, JournalError> {
        check(&e.title, &e.body)?;
        let author = self.author.clone();
        let current = self.coe(id)?.ok_or(Invalid::NoSuchCoe(id))?;
        if let Some(r) = e.revision {
            if r != current.revision {
                let by = if current.updated_by.is_empty() { "someone".to_string() } else { current.updated_by.clone() };
                return Err(Invalid::StaleCoe { id, by }.into());
            }
        }
        let changed = self.transaction(|tx| {
            Ok(tx.execute(
                "UPDATE coes SET title = ?1, body = ?2, status = ?3, updated_by = ?4, updated_at = ?5, revision = revision + 1
                 WHERE id = ?6 AND revision = ?7",
                args![e.title.trim(), &e.body, e.status.key(), &author, now, id, current.revision],
            )?)
        })?;
        if changed == 0 {
            // Another save landed between the read and the write.
            return Err(Invalid::StaleCoe { id, by: "someone".into() }.into());
        }
        self.coe(id)?.ok_or_else(|| self.corrupt(format!("COE {id} vanished after it was saved")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(title: &str) -> NewCoe {
        NewCoe {
            week: "2026-11-09".into(),
            title: title.into(),
            origin: "finding:payments.api.p99:alarm_breach:1".into(),
            metric: "payments.api.p99".into(),
            start: 100,
            end: 200,
            body: "# COE\n\n## Five whys\n1. Why?\n".into(),
        }
    }

    #[test]
    fn a_coe_is_created_listed_saved_and_a_stale_save_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("j.sqlite");
        let mut ana = Journal::open(&path).expect("open");
        ana.author = "ana".into();
        let mut bo = Journal::open(&path).expect("open");
        bo.author = "bo".into();
        let started = ana.create_coe(&new("Card payments failed for 40 minutes"), 10).expect("create");
        assert!(started.new);
        let c = started.coe;
        assert_eq!((c.revision, c.status, c.created_by.as_str()), (1, CoeStatus::Draft, "ana"));
        // bo starts one from the same finding in the same week: he gets ana's, not a second document; from
        // another origin, or the same one in another week, a new one.
        let again = bo.create_coe(&new("Another title"), 11).expect("again");
        assert_eq!((again.new, again.coe.id, again.coe.created_by.as_str()), (false, c.id, "ana"));
        let other = bo.create_coe(&NewCoe { origin: "ticket:OPS-131".into(), ..new("From the ticket") }, 12).expect("ticket");
        assert!(other.new && other.coe.id != c.id);
        let later = bo.create_coe(&NewCoe { week: "2026-11-16".into(), ..new("Next week") }, 13).expect("next week");
        assert!(later.new);
        for id in [other.coe.id, later.coe.id] {
            bo.execute("DELETE FROM coes WHERE id = ?1", args![id]).expect("clear");
        }
        assert_eq!(ana.coes(Some("2026-11-09")).expect("list").len(), 1);
        assert!(ana.coes(Some("2026-11-16")).expect("list").is_empty());
        assert_eq!(ana.coes_to_review("2026-11-16").expect("open ones").len(), 1, "an earlier week's draft is still to review");
        let edit = CoeEdit {
            title: c.title.clone(),
            body: c.body.clone() + "2. Because the gateway…\n",
            status: CoeStatus::Draft,
            revision: Some(1),
        };
        let saved = bo.save_coe(c.id, &edit, 20).expect("bo saves");
        assert_eq!((saved.revision, saved.updated_by.as_str()), (2, "bo"));
        let e = ana.save_coe(c.id, &CoeEdit { body: "ana's older text".into(), ..edit.clone() }, 30).expect_err("stale");
        assert!(e.to_string().contains("changed by bo"), "{e}");
        assert_eq!(ana.coe(c.id).expect("read").expect("there").body, saved.body, "bo's text stands");
        let done = ana.save_coe(c.id, &CoeEdit { status: CoeStatus::Done, revision: Some(2), ..edit }, 40).expect("fresh");
        assert_eq!((done.revision, done.status), (3, CoeStatus::Done));
        assert!(ana.coes_to_review("2026-11-16").expect("open ones").is_empty(), "done: no longer to review");
        let e = ana
            .save_coe(c.id, &CoeEdit { title: " ".into(), body: String::new(), status: CoeStatus::Draft, revision: None }, 50)
            .expect_err("empty title");
        assert!(e.to_string().contains("title"), "{e}");
        assert!(matches!(
            ana.save_coe(999, &CoeEdit { title: "x".into(), body: String::new(), status: CoeStatus::Draft, revision: None }, 1),
            Err(JournalError::Invalid(Invalid::NoSuchCoe(999)))
        ));
    }
}
