//! The journal: what people write during the review (wheel spins, action items, annotations, verdicts,
//! meetings) and what each reviewed week found (the findings history), shared by the CLI and the app.
//!
//! Two stores behind one interface ([`store`]): by default one SQLite file per workspace on this machine
//! (WAL, `synchronous = FULL`: a write that returned is on disk); with `[journal] url = "postgres://…"` (or
//! `FLYWHEEL_JOURNAL_URL`) one PostgreSQL database that everyone in the meeting shares. The tables are
//! defined once, one module per table with its migration beside it, applied in order inside a
//! transaction; a journal written by a newer Flywheel is refused before anything is written to it.

pub mod actions;
pub mod annotations;
pub mod backups;
pub mod coes;
pub mod copy;
pub mod history;
pub mod live;
pub mod meetings;
pub mod spins;
pub mod status;
pub mod store;
pub mod trail;
pub mod verdicts;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::journal::URL_ENV;
use crate::config::Workspace;
use crate::paths;
use store::postgres::{OpenFailure, Postgres, Target};
use store::{Db, Row, Sql, StoreError, Value};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum JournalError {
    /// The store failed (the file, or the server: down, refused, a statement that failed).
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("journal {path} was written by a newer Flywheel (schema {found}, this one knows {known}); it was left untouched")]
    TooNew { path: String, found: i64, known: i64 },
    #[error("cannot create the journal folder {path}: {message}")]
    Folder { path: String, message: String },
    #[error("journal {path}: stored data is unreadable: {message}")]
    Corrupt { path: String, message: String },
    /// What the user asked to write is not valid (nothing was written). Said as the reason's own text (it
    /// is not a cause of this error to be printed after it).
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Asked of a journal that cannot do it (a daily copy that is not there, of a shared journal): nothing
    /// was touched.
    #[error("{0}")]
    Refused(String),
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
    /// An edit made on an older revision of an item that someone else changed meanwhile (nothing was
    /// written): `differs` lists the fields that are now different from the edit.
    #[error("action item {id} was changed by {by} since you opened it (now different: {differs}); nothing was saved: reload it and make your edit again")]
    Stale { id: i64, by: String, at: i64, differs: String },
    #[error("there is no COE {0}")]
    NoSuchCoe(i64),
    /// A COE saved from an older revision than the stored one: nothing was written.
    #[error("COE {id} was changed by {by} since you opened it; nothing was saved: reload it and make your edit again")]
    StaleCoe { id: i64, by: String },
    /// Two hosts confirmed a spin at the same moment and the other one was first.
    #[error("the wheel changed since you spun ({presented} presented): spin again")]
    WheelChanged { presented: String },
}

/// The migrations, in order: schema version N is reached by applying the first N.
pub(crate) const MIGRATIONS: &[&str] = &[
    spins::MIGRATION_1,
    actions::MIGRATION_2,
    annotations::MIGRATION_3,
    history::MIGRATION_4,
    verdicts::MIGRATION_5,
    annotations::MIGRATION_6,
    meetings::MIGRATION_7,
    copy::MIGRATION_8,
    actions::MIGRATION_9,
    spins::MIGRATION_10,
    trail::MIGRATION_11,
    coes::MIGRATION_12,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// An open journal. Cloning it shares the connection (the app keeps one per workspace).
#[derive(Clone)]
pub struct Journal {
    db: Arc<Mutex<Db>>,
    /// Where it is: the file, or the server's address and the workspace (never a password).
    pub location: String,
    /// Who writes through it: recorded on action items and spins (`[journal] author`, else the OS user).
    pub author: String,
}

impl Journal {
    /// Open (creating if needed) the SQLite journal at `path`, migrating it to this build's schema.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| JournalError::Folder { path: dir.display().to_string(), message: e.to_string() })?;
        }
        let location = path.display().to_string();
        match store::sqlite::Sqlite::open(path, MIGRATIONS) {
            Ok(db) => Ok(Journal { db: Arc::new(Mutex::new(Db::Sqlite(db))), location, author: author() }),
            Err(Ok(found)) => Err(JournalError::TooNew { path: location, found, known: SCHEMA_VERSION }),
            Err(Err(e)) => Err(e.into()),
        }
    }

    /// Connect to the shared PostgreSQL journal, creating or migrating the workspace's tables.
    pub fn connect(target: &Target) -> Result<Journal, JournalError> {
        match Postgres::open(target, MIGRATIONS) {
            Ok(db) => {
                let location = db.at().to_string();
                Ok(Journal { db: Arc::new(Mutex::new(Db::Postgres(Box::new(db)))), location, author: author() })
            }
            Err(OpenFailure::TooNew(found, at)) => Err(JournalError::TooNew { path: at, found, known: SCHEMA_VERSION }),
            Err(OpenFailure::Store(e)) => Err(e.into()),
        }
    }

    /// The journal of a workspace: the shared one when `FLYWHEEL_JOURNAL_URL` or `[journal] url` names a
    /// server, else this machine's SQLite file for it (see [`journal_path`]).
    pub fn for_workspace(ws: &Workspace) -> Result<Journal, JournalError> {
        let mut j = match shared_target(ws) {
            Some(t) => Journal::connect(&t)?,
            None => {
                let path = journal_path(&ws.key_path())?;
                backups::refuse_if_missing(ws, &path)?;
                let j = Journal::open(&path)?;
                // A copy of what it holds when it was written since its newest copy. A copy that cannot be
                // made does not stop the review: `flywheel journal backups` shows when the last one was.
                let _ = j.back_up(&actions::today());
                j
            }
        };
        if let Some(a) = &ws.journal.author {
            j.author = a.clone();
        }
        Ok(j)
    }

    /// `PRAGMA integrity_check` of a SQLite journal (`ok` when the file is sound); a server checks itself.
    pub fn integrity_check(&self) -> Result<String, JournalError> {
        match &*self.db() {
            Db::Sqlite(s) => Ok(s.integrity_check()?),
            Db::Postgres(_) => Ok("ok".into()),
        }
    }

    /// The schema version the journal is at.
    pub fn version(&self) -> Result<i64, JournalError> {
        match &mut *self.db() {
            Db::Sqlite(s) => Ok(s.version()?),
            Db::Postgres(p) => Ok(p.version()?),
        }
    }

    /// The kind of store (`SQLite`, `PostgreSQL`).
    pub fn store(&self) -> &'static str {
        self.db().kind()
    }

    pub(crate) fn db(&self) -> MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run a statement.
    pub(crate) fn execute(&self, sql: &str, args: &[Value]) -> Result<u64, JournalError> {
        Ok(self.db().execute(sql, args)?)
    }

    /// Run a query and read each row with `read` (a row it cannot read is stored data gone bad, named by its
    /// table and id).
    pub(crate) fn query<T>(&self, sql: &str, args: &[Value], read: impl Fn(&Row) -> Result<T, String>) -> Result<Vec<T>, JournalError> {
        let rows = self.db().query(sql, args)?;
        rows.iter().map(|r| read(r).map_err(|m| self.corrupt(which_row(sql, r, m)))).collect()
    }

    /// The first row of a query, read with `read`.
    pub(crate) fn query_opt<T>(
        &self,
        sql: &str,
        args: &[Value],
        read: impl Fn(&Row) -> Result<T, String>,
    ) -> Result<Option<T>, JournalError> {
        let row = self.db().query_opt(sql, args)?;
        row.map(|r| read(&r).map_err(|m| self.corrupt(which_row(sql, &r, m)))).transpose()
    }

    /// Run `f` in one transaction: all its writes or none (run again when it lost a race on a server).
    pub(crate) fn transaction<T>(&self, f: impl FnMut(&mut dyn Sql) -> Result<T, JournalError>) -> Result<T, JournalError> {
        self.db().transaction(f, |e| matches!(e, JournalError::Store(s) if s.retry))
    }

    /// Stored data that cannot be read back.
    pub(crate) fn corrupt(&self, message: impl ToString) -> JournalError {
        corrupt_error(&self.location, message)
    }
}

/// Why a row could not be read, said with where it is — `action_items row 12: unknown status` — so it can be
/// found and mended: the table the query reads from, and the row's id when the query's first column is `id`.
fn which_row(sql: &str, row: &Row, message: String) -> String {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let table =
        words.iter().position(|w| w.eq_ignore_ascii_case("FROM")).and_then(|i| words.get(i + 1)).map(|t| t.trim_end_matches([',', ';']));
    let id = match (words.get(1).map(|w| w.trim_end_matches(',')), row.0.first()) {
        (Some("id"), Some(Value::Int(id))) => Some(*id),
        _ => None,
    };
    match (table, id) {
        (Some(t), Some(id)) => format!("{t} row {id}: {message}"),
        (Some(t), None) => format!("a row of {t}: {message}"),
        _ => message,
    }
}

/// Where a workspace's shared journal is, when it has one: `FLYWHEEL_JOURNAL_URL` (this machine) over
/// `[journal] url` (the workspace's file).
pub fn shared_target(ws: &Workspace) -> Option<Target> {
    let env = std::env::var(URL_ENV).ok().map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
    let url = env.or_else(|| ws.journal.url.clone())?;
    Some(Target {
        url,
        workspace: ws.journal.workspace.clone().unwrap_or_else(|| ws.name.clone()),
        password_env: ws.journal.password_env.clone(),
    })
}

/// Stored data of the journal at `location` that cannot be read back.
pub(crate) fn corrupt_error(location: &str, message: impl ToString) -> JournalError {
    JournalError::Corrupt { path: location.to_string(), message: message.to_string() }
}

/// Who is writing, for "who said so": the OS user name (`USER`, `USERNAME` or `LOGNAME`, else the account's
/// login name — a service or container often sets none of them), else `unknown`.
pub fn author() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(login_name)
        .unwrap_or_else(|| "unknown".into())
}

/// The login name of the account the process runs as, from the user database (None where there is none).
#[allow(unsafe_code)]
fn login_name() -> Option<String> {
    #[cfg(unix)]
    {
        let mut buf = vec![0 as libc::c_char; 16 * 1024];
        // SAFETY: getpwuid_r writes the entry into `pw` and its strings into `buf` (its length given), and
        // sets `found` to `&pw` or null; `pw_name` is read only when it points into `buf`, while `buf` lives.
        unsafe {
            let mut pw: libc::passwd = std::mem::zeroed();
            let mut found: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(libc::getuid(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut found);
            if rc != 0 || found.is_null() || pw.pw_name.is_null() {
                return None;
            }
            let name = std::ffi::CStr::from_ptr(pw.pw_name).to_string_lossy().trim().to_string();
            (!name.is_empty()).then_some(name)
        }
    }
    #[cfg(not(unix))]
    None
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
        assert_eq!(j.version().expect("version"), SCHEMA_VERSION);
        let mode = j.query_opt("PRAGMA journal_mode", &[], |r| r.get::<String>(0)).expect("mode");
        assert_eq!(mode.as_deref(), Some("wal"));
        if let Db::Sqlite(s) = &*j.db() {
            s.set_version(SCHEMA_VERSION + 1);
        }
        drop(j);
        let before = std::fs::read(&p).expect("read");
        let err = Journal::open(&p).err().expect("refused");
        assert!(matches!(err, JournalError::TooNew { .. }), "{err}");
        assert!(err.to_string().contains("newer Flywheel"), "{err}");
        assert_eq!(std::fs::read(&p).expect("read"), before, "the file was touched");
    }

    /// A row that cannot be read is named by its table and id, so it can be found and mended.
    #[test]
    fn an_unreadable_row_is_named_by_table_and_id() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("open");
        for title in ["check the alarm line", "raise the retry budget"] {
            j.add_action(&actions::Draft { title: title.into(), week: "2026-11-09".into(), ..Default::default() }, 1_795_000_000)
                .expect("add");
        }
        // As a hand edit with the CHECK constraints off would leave it.
        j.execute("PRAGMA ignore_check_constraints = ON", &[]).expect("pragma");
        j.execute("UPDATE action_items SET status = 'someday' WHERE id = 2", &[]).expect("edit");
        for err in [j.actions(&actions::Filter::default()).expect_err("list"), j.action(2).expect_err("one")] {
            let err = err.to_string();
            assert!(err.contains("stored data is unreadable: action_items row 2: unknown status `someday`"), "{err}");
        }
        let cases = [
            ("SELECT id, title FROM action_items WHERE x", Row(vec![Value::Int(7)]), "action_items row 7: bad"),
            ("SELECT title, id FROM annotations", Row(vec![Value::Int(7)]), "a row of annotations: bad"),
            ("SELECT id FROM spins;", Row(vec![Value::Text("x".into())]), "a row of spins: bad"),
            ("PRAGMA journal_mode", Row(vec![]), "bad"),
        ];
        for (sql, row, said) in cases {
            assert_eq!(which_row(sql, &row, "bad".into()), said, "{sql}");
        }
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
