//! The journal's two stores behind one small interface: SQLite (a file per workspace, the default for one
//! person) and PostgreSQL (one server shared by everyone in the meeting). The journal's tables speak SQL
//! through [`Sql`] with plain values ([`Value`]) and rows ([`Row`]); the SQL is written once, in the
//! common dialect of both (`?N` parameters, `ON CONFLICT … DO UPDATE`, `RETURNING`), and
//! [`postgres`] translates what differs (parameters, and the migrations' column types).

pub mod pgpass;
pub mod postgres;
pub(crate) mod sqlite;

use thiserror::Error;

/// A store failure: where (the file, or the server's address without any password) and what.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("journal {at}: {message}")]
pub struct StoreError {
    pub at: String,
    pub message: String,
    /// A transaction lost a race with another writer (PostgreSQL's serialization failure or deadlock):
    /// running it again is safe.
    pub retry: bool,
}

impl StoreError {
    pub(crate) fn new(at: &str, message: impl ToString) -> StoreError {
        StoreError { at: at.to_string(), message: message.to_string(), retry: false }
    }
}

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<u8> for Value {
    fn from(v: u8) -> Value {
        Value::Int(v.into())
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(v.into())
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Value {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(v.into())
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}
impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Value {
        v.as_ref().map(|s| Value::Text(s.clone())).unwrap_or(Value::Null)
    }
}

/// Statement arguments: `args![a, b, c]` turns each into a [`Value`].
macro_rules! args {
    ($($v:expr),* $(,)?) => { &[$($crate::journal::store::Value::from($v)),*][..] };
}
pub(crate) use args;

/// A value read back as a Rust type; a mismatch is stored data this build cannot read.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
}
impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<i64> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<f64> {
        match v {
            Value::Real(x) => Some(*x),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Option<bool> {
        match v {
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<String> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Option<T>> {
        match v {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// One row of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i` as `T`; the message says which column held what when it is not a `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, String> {
        let v = self.0.get(i).ok_or_else(|| format!("column {i} is missing"))?;
        T::from_value(v).ok_or_else(|| format!("column {i} holds {v:?}, not a {}", std::any::type_name::<T>()))
    }
}

/// What the journal's tables need of a store (a connection or an open transaction).
pub trait Sql {
    /// Run a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, StoreError>;
    /// Run a query; all its rows.
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Where the store is, for messages (never with a password).
    fn at(&self) -> &str;

    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, args: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, args)?.into_iter().next())
    }
}

/// An open store.
pub enum Db {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<postgres::Postgres>),
}

impl Db {
    /// Run `f` in one transaction: all its writes or none. A transaction that lost a race with another
    /// writer (PostgreSQL) is run again, a few times, before its failure is returned.
    pub fn transaction<T, E: From<StoreError>>(
        &mut self,
        mut f: impl FnMut(&mut dyn Sql) -> Result<T, E>,
        is_retry: impl Fn(&E) -> bool,
    ) -> Result<T, E> {
        match self {
            Db::Sqlite(s) => s.transaction(&mut f),
            Db::Postgres(p) => {
                let mut attempt = 0;
                loop {
                    match p.transaction(&mut f) {
                        Err(e) if is_retry(&e) && attempt < 8 => {
                            attempt += 1;
                            std::thread::sleep(std::time::Duration::from_millis(5 << attempt.min(6)));
                        }
                        other => return other,
                    }
                }
            }
        }
    }

    /// The kind of store, for people (`SQLite`, `PostgreSQL`).
    pub fn kind(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "SQLite",
            Db::Postgres(_) => "PostgreSQL",
        }
    }
}

impl Sql for Db {
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        match self {
            Db::Sqlite(s) => s.execute(sql, args),
            Db::Postgres(p) => p.execute(sql, args),
        }
    }
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError> {
        match self {
            Db::Sqlite(s) => s.query(sql, args),
            Db::Postgres(p) => p.query(sql, args),
        }
    }
    fn at(&self) -> &str {
        match self {
            Db::Sqlite(s) => s.at(),
            Db::Postgres(p) => p.at(),
        }
    }
}

/// The one value of a query that returns exactly one (`count(*)`, `RETURNING id`).
pub fn value<T: FromValue>(db: &mut dyn Sql, sql: &str, args: &[Value]) -> Result<T, StoreError> {
    opt_value(db, sql, args)?.ok_or_else(|| StoreError::new(db.at(), "the query returned no row"))
}

/// The first column of a query's first row, if it returned one.
pub fn opt_value<T: FromValue>(db: &mut dyn Sql, sql: &str, args: &[Value]) -> Result<Option<T>, StoreError> {
    let row = db.query_opt(sql, args)?;
    row.map(|r| r.get(0)).transpose().map_err(|m| StoreError::new(db.at(), m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_convert_both_ways() {
        let row = Row(vec![Value::Int(3), Value::Null, Value::Text("a".into()), Value::Int(1), Value::Real(0.5)]);
        assert_eq!(row.get::<i64>(0), Ok(3));
        assert_eq!(row.get::<Option<i64>>(1), Ok(None));
        assert_eq!(row.get::<Option<String>>(2), Ok(Some("a".into())));
        assert_eq!(row.get::<bool>(3), Ok(true));
        assert_eq!(row.get::<f64>(4), Ok(0.5));
        assert!(row.get::<String>(0).is_err(), "an integer is not text");
        assert!(row.get::<i64>(1).is_err(), "null is not an integer");
        assert!(row.get::<i64>(9).is_err(), "no such column");
        let a: &[Value] = args![1i64, "x", None::<String>, true, 7u8];
        assert_eq!(a, &[Value::Int(1), Value::Text("x".into()), Value::Null, Value::Int(1), Value::Int(7)]);
    }
}
