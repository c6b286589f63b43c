//! The embedded store: one SQLite file per workspace (rusqlite, bundled), WAL, `synchronous = FULL` so a
//! write that returned is on disk, a busy timeout so two processes wait for each other instead of failing,
//! and the schema version in `PRAGMA user_version`.

pub mod backup;

use std::path::{Path, PathBuf};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection, ErrorCode, ToSql, TransactionBehavior};

use super::{Row, Sql, StoreError, Value};

pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
    at: String,
}

/// A SQLite failure of the file at `at`; when SQLite calls the file damaged, followed by what to do about
/// it ([`backup::advice`]).
fn sqlite_error(at: &str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::new(at, format!("{e}{}", backup::advice(Path::new(at)))),
        _ => StoreError::new(at, e),
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(x) => ToSqlOutput::Borrowed(ValueRef::Real(*x)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn read_row(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(match r.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Real(v) => Value::Real(v),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
        });
    }
    Ok(Row(out))
}

fn run_query(conn: &Connection, at: &str, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError> {
    let err = |e: rusqlite::Error| sqlite_error(at, e);
    let mut st = conn.prepare_cached(sql).map_err(err)?;
    let n = st.column_count();
    let rows = st.query_map(params_from_iter(args.iter()), |r| read_row(r, n)).map_err(err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(err)
}

fn run_execute(conn: &Connection, at: &str, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
    let mut st = conn.prepare_cached(sql).map_err(|e| sqlite_error(at, e))?;
    st.execute(params_from_iter(args.iter())).map(|n| n as u64).map_err(|e| sqlite_error(at, e))
}

impl Sqlite {
    /// Open (creating if needed) the file at `path`, set up for durability and sharing, migrated to
    /// `migrations.len()`; a file at a newer version is refused before anything is written to it
    /// (`Err(Ok(found))`).
    pub fn open(path: &Path, migrations: &[&str]) -> Result<Sqlite, Result<i64, StoreError>> {
        let at = path.display().to_string();
        let err = |e: rusqlite::Error| Err(sqlite_error(&at, e));
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(err)?;
        let known = migrations.len() as i64;
        // Check the version before anything writes to the file.
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
        if found > known {
            return Err(Ok(found));
        }
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(err)?;
        if found < known {
            let tx = conn.transaction().map_err(err)?;
            // Re-read inside the transaction: another process may have migrated meanwhile.
            let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
            for m in &migrations[now.clamp(0, known) as usize..] {
                tx.execute_batch(m).map_err(err)?;
            }
            tx.pragma_update(None, "user_version", known).map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(Sqlite { conn, path: path.to_path_buf(), at })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version the file is at.
    pub fn version(&self) -> Result<i64, StoreError> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| sqlite_error(&self.at, e))
    }

    /// `PRAGMA integrity_check`: `ok` when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| sqlite_error(&self.at, e))
    }

    /// Set the schema version (tests: a journal "from a newer Flywheel").
    #[cfg(test)]
    pub fn set_version(&self, v: i64) {
        self.conn.pragma_update(None, "user_version", v).expect("set user_version");
    }

    /// Run `f` in one transaction, taking the write lock at its start (`BEGIN IMMEDIATE`): a transaction
    /// that reads and then writes would otherwise fail at once (not wait) when another process wrote
    /// between its read and its write.
    pub fn transaction<T, E: From<StoreError>>(&mut self, f: &mut dyn FnMut(&mut dyn Sql) -> Result<T, E>) -> Result<T, E> {
        let at = self.at.clone();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| sqlite_error(&at, e))?;
        let mut handle = Tx { tx: &tx, at: &at };
        let out = f(&mut handle)?;
        tx.commit().map_err(|e| sqlite_error(&at, e))?;
        Ok(out)
    }
}

impl Sql for Sqlite {
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        run_execute(&self.conn, &self.at, sql, args)
    }
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError> {
        run_query(&self.conn, &self.at, sql, args)
    }
    fn at(&self) -> &str {
        &self.at
    }
}

/// An open SQLite transaction (rolled back when dropped uncommitted).
struct Tx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    at: &'a str,
}

impl Sql for Tx<'_> {
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        run_execute(self.tx, self.at, sql, args)
    }
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError> {
        run_query(self.tx, self.at, sql, args)
    }
    fn at(&self) -> &str {
        self.at
    }
}
