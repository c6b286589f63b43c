//! Action items: what reviewers agreed to do (title, details, owner, due date, status), raised in a
//! review week on a finding or a chart range, and brought back at the top of the next review. Every
//! write is one transaction; a write that returned is on disk (`synchronous = FULL`).

use serde::{Deserialize, Serialize};

use super::store::{args, Row};
use super::{Invalid, Journal, JournalError};

pub const MIGRATION_2: &str = "
CREATE TABLE action_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    details TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    due TEXT CHECK (due IS NULL OR due GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
    week TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    metric TEXT NOT NULL DEFAULT '',
    finding TEXT NOT NULL DEFAULT '',
    range_start INTEGER,
    range_end INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX action_items_status ON action_items (status, due);
";

/// Who wrote an item and who changed it last, and a revision counted up by every change: an edit based on
/// an older revision is refused (someone else changed the item meanwhile) instead of overwriting it.
pub const MIGRATION_9: &str = "
ALTER TABLE action_items ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE action_items ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE action_items ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    InProgress,
    Done,
    Dropped,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Open, Status::InProgress, Status::Done, Status::Dropped];
    pub fn key(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Dropped => "dropped",
        }
    }
    /// Parse `open`, `in_progress` (or `in-progress`, `in progress`), `done`, `dropped`.
    pub fn parse(s: &str) -> Option<Status> {
        let k = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Status::ALL.into_iter().find(|st| st.key() == k)
    }
    /// Still to be done (open or in progress).
    pub fn is_live(self) -> bool {
        matches!(self, Status::Open | Status::InProgress)
    }
}

/// An action item as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionItem {
    pub id: i64,
    pub title: String,
    pub details: String,
    pub owner: String,
    /// `YYYY-MM-DD`, or none.
    pub due: Option<String>,
    pub status: Status,
    /// Start date (`YYYY-MM-DD`) of the review week it was raised in.
    pub week: String,
    pub team: String,
    pub metric: String,
    /// Id of the finding it was raised on (empty when raised on a chart range or on its own).
    pub finding: String,
    /// The chart range it was raised on (Unix seconds).
    pub range: Option<(i64, i64)>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Who raised it, and who changed it last (the journal's author when they wrote).
    pub created_by: String,
    pub updated_by: String,
    /// Counted up by every change (1 when raised).
    pub revision: i64,
}

impl ActionItem {
    /// Due before `today` (`YYYY-MM-DD`) and not finished.
    pub fn overdue(&self, today: &str) -> bool {
        self.status.is_live() && self.due.as_deref().is_some_and(|d| d < today)
    }

    /// What it is about: `team · metric` (either may be missing; empty when both are).
    pub fn about(&self) -> String {
        [self.team.as_str(), self.metric.as_str()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")
    }
}

/// A new action item (or the fields of an edit).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub title: String,
    pub details: String,
    pub owner: String,
    pub due: Option<String>,
    pub status: Option<Status>,
    pub week: String,
    pub team: String,
    pub metric: String,
    pub finding: String,
    pub range: Option<(i64, i64)>,
    /// For an edit: the revision the edit was made on. When the item has changed since, the edit is
    /// refused with what changed (`None`: apply it whatever happened meanwhile).
    pub revision: Option<i64>,
}

/// Which action items to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    pub status: Option<Status>,
    /// Only open and in-progress items.
    pub live: bool,
    pub owner: Option<String>,
    pub team: Option<String>,
    /// Only items due before this date (`YYYY-MM-DD`) and not finished.
    pub overdue_on: Option<String>,
    /// Only items overdue today (as `overdue_on` with today's date).
    pub overdue: bool,
}

const COLUMNS: &str =
    "id, title, details, owner, due, status, week, team, metric, finding, range_start, range_end, created_at, updated_at, created_by, updated_by, revision";

/// The longest texts the journal stores (characters): a title, an owner / team / metric / finding
/// reference, and details. Longer text is refused with the limit, never cut silently.
pub const MAX_TITLE: usize = 300;
pub const MAX_NAME: usize = 200;
pub const MAX_DETAILS: usize = 20_000;

/// Refuse a text longer than `max` characters, naming the field.
pub fn check_len(field: &'static str, text: &str, max: usize) -> Result<(), Invalid> {
    let len = text.chars().count();
    if len > max {
        return Err(Invalid::TooLong { field, len, max });
    }
    Ok(())
}

/// Check a draft: a title, texts within their limits, a real due date, a range that ends after it starts.
pub fn check(d: &Draft) -> Result<(), Invalid> {
    if d.title.trim().is_empty() {
        return Err(Invalid::Empty { what: "an action item", field: "title" });
    }
    check_len("title", &d.title, MAX_TITLE)?;
    check_len("details", &d.details, MAX_DETAILS)?;
    for (field, text) in [("owner", &d.owner), ("team", &d.team), ("metric", &d.metric), ("finding", &d.finding), ("week", &d.week)] {
        check_len(field, text, MAX_NAME)?;
    }
    if let Some(due) = &d.due {
        if chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").is_err() || due.len() != 10 {
            return Err(Invalid::BadDue(due.clone()));
        }
    }
    if let Some((a, b)) = d.range {
        if b <= a {
            return Err(Invalid::Backwards("chart"));
        }
    }
    Ok(())
}

impl Journal {
    /// Add an action item; returns it as stored.
    pub fn add_action(&mut self, d: &Draft, now: i64) -> Result<ActionItem, JournalError> {
        check(d)?;
        let status = d.status.unwrap_or(Status::Open);
        // One statement (atomic on its own): the item as stored comes back with it.
        let stored = self.query_opt(
            &format!(
                "INSERT INTO action_items (title, details, owner, due, status, week, team, metric, finding, range_start, range_end, created_at, updated_at, created_by, updated_by, revision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?13, 1) RETURNING {COLUMNS}"
            ),
            args![
                d.title.trim(),
                &d.details,
                d.owner.trim(),
                &d.due,
                status.key(),
                &d.week,
                &d.team,
                &d.metric,
                &d.finding,
                d.range.map(|r| r.0),
                d.range.map(|r| r.1),
                now,
                &self.author
            ],
            row,
        )?;
        stored.ok_or_else(|| self.corrupt("the new action item did not come back"))
    }

    /// Replace the editable fields of item `id` (title, details, owner, due, status). With
    /// `d.revision`, an item changed by someone else since that revision is left as it is and the edit is
    /// refused with who changed what ([`Invalid::Stale`]).
    pub fn edit_action(&mut self, id: i64, d: &Draft, now: i64) -> Result<ActionItem, JournalError> {
        check(d)?;
        let author = self.author.clone();
        let outcome = self.transaction(|tx| {
            let current = tx.query_opt(&format!("SELECT {COLUMNS} FROM action_items WHERE id = ?1"), args![id])?;
            let current = current.map(|r| row(&r)).transpose().map_err(|m| super::corrupt_error(tx.at(), m))?;
            let Some(current) = current else { return Ok(Err(Invalid::NoSuchAction(id))) };
            if let Some(base) = d.revision {
                if base != current.revision {
                    return Ok(Err(stale(&current, d)));
                }
            }
            let status = d.status.unwrap_or(current.status);
            tx.execute(
                "UPDATE action_items SET title = ?2, details = ?3, owner = ?4, due = ?5, status = ?6, updated_at = ?7, updated_by = ?8,
                 revision = revision + 1 WHERE id = ?1",
                args![id, d.title.trim(), &d.details, d.owner.trim(), &d.due, status.key(), now, &author],
            )?;
            let change = super::trail::describe(&current, d.title.trim(), &d.details, d.owner.trim(), d.due.as_deref(), status);
            super::trail::record(tx, id, now, &author, &change)?;
            Ok(Ok(()))
        })?;
        outcome?;
        self.action(id)?.ok_or(JournalError::Invalid(Invalid::NoSuchAction(id)))
    }

    /// Set the status of item `id` (a one-field change: applied whatever else changed meanwhile).
    pub fn set_action_status(&mut self, id: i64, status: Status, now: i64) -> Result<ActionItem, JournalError> {
        let author = self.author.clone();
        let found = self.transaction(|tx| {
            let Some(before) = tx.query_opt("SELECT status FROM action_items WHERE id = ?1", args![id])? else { return Ok(false) };
            let before: String = before.get(0).map_err(|m| super::corrupt_error(tx.at(), m))?;
            tx.execute(
                "UPDATE action_items SET status = ?2, updated_at = ?3, updated_by = ?4, revision = revision + 1 WHERE id = ?1",
                args![id, status.key(), now, &author],
            )?;
            if before != status.key() {
                super::trail::record(tx, id, now, &author, &format!("status {before} → {}", status.key()))?;
            }
            Ok(true)
        })?;
        if !found {
            return Err(JournalError::Invalid(Invalid::NoSuchAction(id)));
        }
        self.action(id)?.ok_or(JournalError::Invalid(Invalid::NoSuchAction(id)))
    }

    pub fn action(&self, id: i64) -> Result<Option<ActionItem>, JournalError> {
        self.query_opt(&format!("SELECT {COLUMNS} FROM action_items WHERE id = ?1"), args![id], row)
    }

    /// Action items matching `f`: live ones first, then overdue first, then by due date (none last), then
    /// oldest first.
    pub fn actions(&self, f: &Filter) -> Result<Vec<ActionItem>, JournalError> {
        let rows = self.query(&format!("SELECT {COLUMNS} FROM action_items ORDER BY id"), &[], row)?;
        let overdue_on = f.overdue_on.clone().or_else(|| f.overdue.then(today));
        let mut out = Vec::new();
        for item in rows {
            let keep = f.status.is_none_or(|s| item.status == s)
                && (!f.live || item.status.is_live())
                && f.owner.as_deref().is_none_or(|o| item.owner.eq_ignore_ascii_case(o))
                && f.team.as_deref().is_none_or(|t| item.team == t)
                && overdue_on.as_deref().is_none_or(|d| item.overdue(d));
            if keep {
                out.push(item);
            }
        }
        let today = overdue_on.unwrap_or_else(today);
        out.sort_by(|a, b| {
            (!a.status.is_live(), !a.overdue(&today), a.due.is_none(), a.due.clone(), a.id).cmp(&(
                !b.status.is_live(),
                !b.overdue(&today),
                b.due.is_none(),
                b.due.clone(),
                b.id,
            ))
        });
        Ok(out)
    }
}

/// Today's date in UTC (`YYYY-MM-DD`).
pub fn today() -> String {
    chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string()
}

fn row(r: &Row) -> Result<ActionItem, String> {
    let status: String = r.get(5)?;
    let Some(status) = Status::parse(&status) else { return Err(format!("unknown status `{status}`")) };
    let (a, b): (Option<i64>, Option<i64>) = (r.get(10)?, r.get(11)?);
    Ok(ActionItem {
        id: r.get(0)?,
        title: r.get(1)?,
        details: r.get(2)?,
        owner: r.get(3)?,
        due: r.get(4)?,
        status,
        week: r.get(6)?,
        team: r.get(7)?,
        metric: r.get(8)?,
        finding: r.get(9)?,
        range: a.zip(b),
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        created_by: r.get(14)?,
        updated_by: r.get(15)?,
        revision: r.get(16)?,
    })
}

/// Why an edit made on an older revision of `current` is refused: who changed it, and which of the fields
/// the edit touches are no longer what the editor saw (as far as the draft tells: the fields that now
/// differ from both the editor's new values).
fn stale(current: &ActionItem, d: &Draft) -> Invalid {
    let status = d.status.unwrap_or(current.status);
    let fields: Vec<&str> = super::trail::differences(current, d.title.trim(), &d.details, d.owner.trim(), d.due.as_deref(), status)
        .into_iter()
        .map(|(field, _, _)| if field == "due" { "due date" } else { field })
        .collect();
    let by = if current.updated_by.is_empty() { "someone".to_string() } else { current.updated_by.clone() };
    Invalid::Stale { id: current.id, by, at: current.updated_at, differs: fields.join(", ") }
}

/// Action items as CSV (RFC 4180: quoted where needed; a leading `=`, `+`, `-` or `@` is prefixed with
/// `'` so a spreadsheet never runs a cell as a formula).
pub fn csv(items: &[ActionItem]) -> String {
    let mut out = String::from("id,title,owner,due,status,week,team,metric,finding,details\n");
    for i in items {
        let cells = [
            i.id.to_string(),
            i.title.clone(),
            i.owner.clone(),
            i.due.clone().unwrap_or_default(),
            i.status.key().to_string(),
            i.week.clone(),
            i.team.clone(),
            i.metric.clone(),
            i.finding.clone(),
            i.details.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// One CSV cell, quoted per RFC 4180 and neutralised per the OWASP CSV-injection guidance: a cell that
/// starts — after any leading white space — with `=`, `+`, `-`, `@`, a tab or a carriage return, or their
/// full-width forms that some spreadsheets fold to them, gets a leading `'` so it is shown, never run.
fn csv_cell(c: &str) -> String {
    const TRIGGERS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];
    let first = c.chars().next();
    let risky = first.is_some_and(|ch| TRIGGERS.contains(&ch)) || c.trim_start().starts_with(TRIGGERS);
    let c = if risky { format!("'{c}") } else { c.to_string() };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_longer_than_the_documented_limits_are_refused_by_name() {
        let ok = draft("t", "ana", None);
        assert!(check(&ok).is_ok());
        let cases: [(Draft, &str); 3] = [
            (Draft { title: "x".repeat(MAX_TITLE + 1), ..ok.clone() }, "the title is 301 characters long; at most 300"),
            (Draft { details: "é".repeat(MAX_DETAILS + 1), ..ok.clone() }, "the details is 20001 characters long"),
            (Draft { owner: "o".repeat(MAX_NAME + 1), ..ok.clone() }, "the owner is 201 characters long"),
        ];
        for (d, want) in cases {
            let e = check(&d).expect_err(want);
            assert!(e.to_string().contains(want), "{e}");
        }
        // At the limit is fine (counted in characters, not bytes).
        assert!(check(&Draft { title: "é".repeat(MAX_TITLE), ..ok }).is_ok());
    }

    #[test]
    fn csv_cells_never_run_as_formulas() {
        let cases = [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("   =cmd|' /C calc'!A0", "'   =cmd|' /C calc'!A0"),
            ("＝1+1", "'＝1+1"),
            ("＠x", "'＠x"),
            ("plain, text", "\"plain, text\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("a=b", "a=b"),
            ("", ""),
        ];
        for (cell, want) in cases {
            assert_eq!(csv_cell(cell), want, "{cell:?}");
        }
    }

    fn draft(title: &str, owner: &str, due: Option<&str>) -> Draft {
        Draft {
            title: title.into(),
            owner: owner.into(),
            due: due.map(String::from),
            week: "2026-11-09".into(),
            team: "Payments".into(),
            ..Draft::default()
        }
    }

    #[test]
    fn add_edit_list_overdue_first() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        let a = j.add_action(&draft("Lower the p99 alarm line", "ana", Some("2026-11-30")), 10).expect("add");
        let b = j.add_action(&draft("Fix the canary", "bo", Some("2026-11-12")), 11).expect("add");
        let c = j.add_action(&draft("Write the runbook", "ana", None), 12).expect("add");
        let d = j.add_action(&draft("Old thing", "bo", Some("2026-11-01")), 13).expect("add");
        j.set_action_status(d.id, Status::Done, 14).expect("done");
        let all = j.actions(&Filter { overdue_on: None, ..Filter::default() }).expect("list");
        assert_eq!(all.len(), 4);
        let live = j.actions(&Filter { live: true, ..Filter::default() }).expect("list");
        assert_eq!(live.iter().map(|x| x.id).collect::<Vec<_>>(), vec![b.id, a.id, c.id], "overdue first, then by due date, none last");
        let overdue = j.actions(&Filter { overdue_on: Some("2026-11-20".into()), ..Filter::default() }).expect("list");
        assert_eq!(overdue.iter().map(|x| x.id).collect::<Vec<_>>(), vec![b.id]);
        let ana = j.actions(&Filter { owner: Some("ANA".into()), ..Filter::default() }).expect("list");
        assert_eq!(ana.len(), 2);
        let edited = j
            .edit_action(
                a.id,
                &Draft { status: Some(Status::InProgress), details: "tighten to 450".into(), ..draft("Lower it", "ana", None) },
                20,
            )
            .expect("edit");
        assert_eq!(
            (edited.title.as_str(), edited.status, edited.due.clone(), edited.updated_at),
            ("Lower it", Status::InProgress, None, 20)
        );
        assert_eq!(edited.created_at, 10);
    }

    #[test]
    fn bad_drafts_are_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        let cases = [("", None, "needs a title"), ("t", Some("2026-13-01"), "not a date"), ("t", Some("next week"), "not a date")];
        for (title, due, want) in cases {
            let err = j.add_action(&draft(title, "x", due), 1).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(want), "{title:?} {due:?}: {err}");
        }
        assert!(j.actions(&Filter::default()).expect("list").is_empty());
        assert!(j.set_action_status(99, Status::Done, 1).is_err());
    }

    #[test]
    fn an_edit_on_an_old_revision_is_refused_with_who_changed_what() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut ana = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        ana.author = "ana".into();
        let mut bo = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        bo.author = "bo".into();
        let item = ana.add_action(&draft("raise the retry budget", "ana", None), 1).expect("add");
        assert_eq!((item.created_by.as_str(), item.updated_by.as_str(), item.revision), ("ana", "ana", 1));
        // Both open revision 1; bo saves first.
        let bo_edit = Draft { revision: Some(1), ..draft("raise the retry budget", "cy", None) };
        let saved = bo.edit_action(item.id, &bo_edit, 2).expect("bo's edit");
        assert_eq!((saved.owner.as_str(), saved.updated_by.as_str(), saved.revision), ("cy", "bo", 2));
        let ana_edit = Draft { revision: Some(1), ..draft("raise the retry budget to 5", "ana", None) };
        let e = ana.edit_action(item.id, &ana_edit, 3).expect_err("stale");
        assert!(matches!(&e, JournalError::Invalid(Invalid::Stale { by, .. }) if by == "bo"), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("changed by bo") && msg.contains("title, owner") && msg.contains("nothing was saved"), "{msg}");
        assert_eq!(ana.action(item.id).expect("read").expect("there"), saved, "bo's edit stands");
        // On the current revision it goes through; without one (the CLI) it applies as before.
        let ok = ana.edit_action(item.id, &Draft { revision: Some(2), ..ana_edit.clone() }, 4).expect("fresh");
        assert_eq!((ok.revision, ok.updated_by.as_str()), (3, "ana"));
        let st = bo.set_action_status(item.id, Status::Done, 5).expect("status");
        assert_eq!((st.revision, st.updated_by.as_str(), st.created_by.as_str()), (4, "bo", "ana"));
        let trail: Vec<(i64, String, String)> =
            ana.action_trail(item.id).expect("trail").into_iter().map(|c| (c.at, c.author, c.change)).collect();
        assert_eq!(
            trail,
            vec![
                (2, "bo".to_string(), "owner ana → cy".to_string()),
                (4, "ana".to_string(), "title raise the retry budget → raise the retry budget to 5; owner cy → ana".to_string()),
                (5, "bo".to_string(), "status open → done".to_string()),
            ],
            "every change with who and when; the refused edit left none"
        );
    }

    #[test]
    fn a_full_disk_is_a_clear_error_and_nothing_is_half_written() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        // Cap the file at its current size plus a little: SQLite then fails exactly as on a full disk.
        let pages = j.query_opt("PRAGMA page_count", &[], |r| r.get::<i64>(0)).expect("pages").expect("a count");
        j.query_opt(&format!("PRAGMA max_page_count = {}", pages + 2), &[], |r| r.get::<i64>(0)).expect("cap");
        let mut ok = 0;
        let err = loop {
            let d = Draft { details: "x".repeat(3000), ..draft(&format!("item {ok}"), "ana", None) };
            match j.add_action(&d, 1) {
                Ok(_) => ok += 1,
                Err(e) => break e,
            }
            assert!(ok < 1000, "the cap never hit");
        };
        assert!(err.to_string().contains("full"), "{err}");
        assert_eq!(j.integrity_check().expect("check"), "ok");
        let stored = j.actions(&Filter::default()).expect("list");
        assert_eq!(stored.len(), ok, "every acknowledged item is there and the failed one is not");
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let item = ActionItem {
            id: 1,
            title: "=HYPERLINK(\"x\")".into(),
            details: "a, b\nc".into(),
            owner: "ana".into(),
            due: None,
            status: Status::Open,
            week: "2026-11-09".into(),
            team: String::new(),
            metric: String::new(),
            finding: String::new(),
            range: None,
            created_at: 0,
            updated_at: 0,
            created_by: "ana".into(),
            updated_by: "ana".into(),
            revision: 1,
        };
        let text = csv(&[item]);
        assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
        assert!(text.contains("\"a, b\nc\""), "{text}");
        assert_eq!(Status::parse("In progress"), Some(Status::InProgress));
    }
}
