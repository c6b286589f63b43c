//! The shared store: one PostgreSQL database for everyone in the meeting. Each workspace keeps its tables
//! in a schema of its own (`fw_<name>_<hash>`), so several workspaces share one database without a
//! workspace column on every row, and the tables stay the SQLite ones: the migrations are translated
//! ([`sql::translate_migration`]), the statements only get `$N` parameters ([`sql::translate_params`]).
//!
//! The connection: a `postgres://user@host:port/db?sslmode=…` address whose password never comes from
//! the address (refused there), but from the variable `[journal] password_env` names, `PGPASSWORD` or
//! `~/.pgpass`; TLS by rustls (`sslmode=require|verify-ca|verify-full` all verify the server's certificate
//! against `sslrootcert` or the system's roots — stricter than libpq's `require`); a 5 s connect timeout
//! so a server that is down is said quickly. Writes run in SERIALIZABLE transactions, retried when they
//! lose a race (see [`super::Db::transaction`]).

use std::collections::HashMap;
use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use postgres::config::{Host, SslMode};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, IsolationLevel, NoTls, Statement};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use super::{Row, Sql, StoreError, Value};

mod sql;

pub use sql::{schema_name, translate_migration, translate_params};

/// How long a connection attempt waits for the server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where and how to reach the shared journal (from `[journal]` in `flywheel.toml` and the environment).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    /// The `postgres://` address, without a password.
    pub url: String,
    /// The workspace's name in the database (its schema).
    pub workspace: String,
    /// The environment variable that holds the password, when named.
    pub password_env: Option<String>,
}

/// The TLS wanted by `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    Disable,
    Prefer,
    Verify,
}

/// A parsed address: the driver's configuration, the TLS wanted and the CA file, and the address to show.
struct Parsed {
    config: postgres::Config,
    tls: Tls,
    root_cert: Option<String>,
    shown: String,
    /// The password found for it (kept to redact it from any message).
    secret: Option<String>,
}

/// Check a `postgres://` address as written in `flywheel.toml`: the scheme, no password, a known sslmode.
/// The message never repeats the address (it might hold a secret).
pub fn check_url(url: &str) -> Result<(), String> {
    parse(url).map(|_| ())
}

fn parse(url: &str) -> Result<Parsed, String> {
    let Some(rest) = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://")) else {
        return Err("the journal's url must start with postgres:// (like postgres://flywheel@db.internal:5432/ops)".into());
    };
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = main.split('/').next().unwrap_or("");
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        if userinfo.contains(':') {
            return Err("the journal's url holds a password: remove it and set PGPASSWORD, a ~/.pgpass line, or the variable named by [journal] password_env (a password is never read from flywheel.toml)".into());
        }
    }
    let mut tls = Tls::Prefer;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "sslmode" => {
                tls = match v {
                    "disable" => Tls::Disable,
                    "allow" | "prefer" => Tls::Prefer,
                    "require" | "verify-ca" | "verify-full" => Tls::Verify,
                    other => return Err(format!("sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full")),
                }
            }
            "sslrootcert" => root_cert = Some(v.to_string()),
            "password" => {
                return Err("the journal's url holds a password: remove it (see PGPASSWORD, ~/.pgpass, [journal] password_env)".into())
            }
            _ => kept.push(pair),
        }
    }
    let plain = if kept.is_empty() { format!("postgres://{main}") } else { format!("postgres://{main}?{}", kept.join("&")) };
    let mut config: postgres::Config =
        plain.parse().map_err(|e| format!("the journal's url is not a PostgreSQL address: {}", chain(&e)))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.application_name("flywheel");
    config.ssl_mode(match tls {
        Tls::Disable => SslMode::Disable,
        Tls::Prefer => SslMode::Prefer,
        Tls::Verify => SslMode::Require,
    });
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            Host::Tcp(s) => s.clone(),
            Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let db = config.get_dbname().unwrap_or("");
    let shown = format!("postgres://{user}{host}:{port}/{db}");
    Ok(Parsed { config, tls, root_cert, shown, secret: None })
}

/// A driver error with its causes, as one line.
fn chain(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return match db.detail() {
            Some(d) => format!("{} ({})", db.message(), d),
            None => db.message().to_string(),
        };
    }
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}

/// The password for this connection, from the first of: the variable named by `password_env`,
/// `PGPASSWORD`, the password file (`PGPASSFILE` or `~/.pgpass`).
fn password(t: &Target, p: &Parsed) -> Result<Option<String>, String> {
    if let Some(var) = &t.password_env {
        return match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Some(v)),
            _ => Err(format!("[journal] password_env names {var}, which is not set")),
        };
    }
    if let Ok(v) = std::env::var("PGPASSWORD") {
        if !v.is_empty() {
            return Ok(Some(v));
        }
    }
    let host = match p.config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        _ => "localhost".into(),
    };
    let port = p.config.get_ports().first().copied().unwrap_or(5432);
    let user = p.config.get_user().map(str::to_string).unwrap_or_else(super::super::author);
    let db = p.config.get_dbname().map(str::to_string).unwrap_or_else(|| user.clone());
    Ok(super::pgpass::find(&host, port, &db, &user))
}

fn tls_config(root_cert: Option<&str>) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(file) => {
            let pem = std::fs::read(file).map_err(|e| format!("sslrootcert {file}: {e}"))?;
            let mut any = false;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("sslrootcert {file}: {e}"))?;
                roots.add(cert).map_err(|e| format!("sslrootcert {file}: {e}"))?;
                any = true;
            }
            if !any {
                return Err(format!("sslrootcert {file} holds no certificate"));
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Real(x) => match *ty {
                Type::FLOAT4 => (*x as f32).to_sql(ty, out),
                _ => x.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }
    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT2
                | Type::INT4
                | Type::INT8
                | Type::FLOAT4
                | Type::FLOAT8
                | Type::BOOL
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
        )
    }
    to_sql_checked!();
}

fn read_row(r: &postgres::Row) -> Result<Row, String> {
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let bad = |e: postgres::Error| format!("column {}: {}", col.name(), chain(&e));
        let v = match *col.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i).map_err(bad)?.map(Value::Int),
            Type::INT4 => r.try_get::<_, Option<i32>>(i).map_err(bad)?.map(|v| Value::Int(v.into())),
            Type::INT2 => r.try_get::<_, Option<i16>>(i).map_err(bad)?.map(|v| Value::Int(v.into())),
            Type::BOOL => r.try_get::<_, Option<bool>>(i).map_err(bad)?.map(|v| Value::Int(v.into())),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i).map_err(bad)?.map(Value::Real),
            Type::FLOAT4 => r.try_get::<_, Option<f32>>(i).map_err(bad)?.map(|v| Value::Real(v.into())),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => r.try_get::<_, Option<String>>(i).map_err(bad)?.map(Value::Text),
            ref other => return Err(format!("column {} has type {other}, which the journal does not read", col.name())),
        };
        out.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(out))
}

fn store_error(at: &str, e: &postgres::Error) -> StoreError {
    let retry = e.code().is_some_and(|c| {
        *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
    });
    StoreError { at: at.to_string(), message: chain(e), retry }
}

fn bind(args: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

/// Statements prepared on a connection, by their SQL: each is parsed by the server once per connection,
/// so a statement costs one round trip instead of two.
type Prepared = HashMap<String, Statement>;

fn prepared(c: &mut impl postgres::GenericClient, cache: &mut Prepared, at: &str, sql: &str) -> Result<Statement, StoreError> {
    if let Some(st) = cache.get(sql) {
        return Ok(st.clone());
    }
    let st = c.prepare(&translate_params(sql)).map_err(|e| store_error(at, &e))?;
    if cache.len() >= 256 {
        cache.clear();
    }
    cache.insert(sql.to_string(), st.clone());
    Ok(st)
}

fn run_query(
    c: &mut impl postgres::GenericClient,
    cache: &mut Prepared,
    at: &str,
    sql: &str,
    args: &[Value],
) -> Result<Vec<Row>, StoreError> {
    let st = prepared(c, cache, at, sql)?;
    let rows = c.query(&st, &bind(args)).map_err(|e| store_error(at, &e))?;
    rows.iter().map(read_row).collect::<Result<Vec<_>, _>>().map_err(|m| StoreError::new(at, m))
}

fn run_execute(c: &mut impl postgres::GenericClient, cache: &mut Prepared, at: &str, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
    let st = prepared(c, cache, at, sql)?;
    c.execute(&st, &bind(args)).map_err(|e| store_error(at, &e))
}

/// An open connection to the shared journal, with `search_path` on the workspace's schema.
pub struct Postgres {
    client: Client,
    cache: Prepared,
    at: String,
    pub schema: String,
    /// How to connect again (the password, when there is one, is in it: never shown).
    parsed: Parsed,
}

/// Why the shared journal did not open.
pub enum OpenFailure {
    /// Its schema was migrated by a newer Flywheel (found version): nothing was changed.
    TooNew(i64, String),
    Store(StoreError),
}

impl Postgres {
    /// Connect, and create or migrate the workspace's schema to `migrations.len()` under an advisory lock
    /// (two copies of Flywheel starting at once migrate it once). A schema at a newer version is refused
    /// untouched.
    pub fn open(t: &Target, migrations: &[&str]) -> Result<Postgres, OpenFailure> {
        let mut parsed = parse(&t.url).map_err(|m| OpenFailure::Store(StoreError::new("postgres://…", m)))?;
        let at = format!("{} (workspace \"{}\")", parsed.shown, t.workspace);
        let fail = |m: String| OpenFailure::Store(StoreError::new(&at, m));
        let secret = password(t, &parsed).map_err(fail)?;
        if let Some(pw) = &secret {
            parsed.config.password(pw.as_bytes());
        }
        parsed.secret = secret;
        let mut client = connect(&parsed).map_err(fail)?;
        let schema = schema_name(&t.workspace);
        let err = |e: postgres::Error| OpenFailure::Store(store_error(&at, &e));
        let known = migrations.len() as i64;
        {
            let mut tx = client.build_transaction().isolation_level(IsolationLevel::ReadCommitted).start().map_err(err)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&(crate::paths::stable_hash(&schema) as i64)]).map_err(err)?;
            let exists = tx
                .query_opt("SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'flywheel_schema'", &[&schema])
                .map_err(err)?
                .is_some();
            let found: i64 = if exists {
                let row = tx.query_opt(&format!("SELECT version FROM {schema}.flywheel_schema WHERE id = 1"), &[]).map_err(err)?;
                row.map(|r| r.try_get::<_, i64>(0)).transpose().map_err(err)?.unwrap_or(0)
            } else {
                0
            };
            if found > known {
                drop(tx); // rolled back: nothing was written
                return Err(OpenFailure::TooNew(found, at));
            }
            if found < known {
                tx.batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {schema};
                     CREATE TABLE IF NOT EXISTS {schema}.flywheel_schema (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL, workspace TEXT NOT NULL);
                     SET LOCAL search_path TO {schema};"
                ))
                .map_err(err)?;
                for m in &migrations[found.clamp(0, known) as usize..] {
                    tx.batch_execute(&translate_migration(m)).map_err(err)?;
                }
                tx.execute(
                    &format!("INSERT INTO {schema}.flywheel_schema (id, version, workspace) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET version = excluded.version"),
                    &[&known, &t.workspace],
                )
                .map_err(err)?;
            }
            tx.commit().map_err(err)?;
        }
        client.batch_execute(&format!("SET search_path TO {schema}")).map_err(err)?;
        Ok(Postgres { client, cache: Prepared::new(), at, schema, parsed })
    }

    /// A connection that dropped (the server restarted, the network blinked) is made again before the
    /// next statement; the statement that met the drop has failed visibly and is never re-sent (it may
    /// have been applied).
    fn ready(&mut self) -> Result<(), StoreError> {
        if !self.client.is_closed() {
            return Ok(());
        }
        let mut client = connect(&self.parsed).map_err(|m| StoreError::new(&self.at, m))?;
        client.batch_execute(&format!("SET search_path TO {}", self.schema)).map_err(|e| store_error(&self.at, &e))?;
        self.client = client;
        self.cache.clear();
        Ok(())
    }

    /// The schema version the workspace's tables are at.
    pub fn version(&mut self) -> Result<i64, StoreError> {
        super::value(self, "SELECT version FROM flywheel_schema WHERE id = 1", &[])
    }

    /// The connection is still up (a cheap round trip).
    pub fn is_alive(&mut self) -> bool {
        self.ready().is_ok() && self.client.simple_query("").is_ok()
    }

    pub fn transaction<T, E: From<StoreError>>(&mut self, f: &mut dyn FnMut(&mut dyn Sql) -> Result<T, E>) -> Result<T, E> {
        self.ready()?;
        let at = self.at.clone();
        let tx = self.client.build_transaction().isolation_level(IsolationLevel::Serializable).start();
        let mut tx = tx.map_err(|e| store_error(&at, &e))?;
        let out = {
            let mut handle = Tx { tx: &mut tx, cache: &mut self.cache, at: &at };
            f(&mut handle)?
        };
        tx.commit().map_err(|e| store_error(&at, &e))?;
        Ok(out)
    }
}

impl Sql for Postgres {
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        self.ready()?;
        run_execute(&mut self.client, &mut self.cache, &self.at, sql, args)
    }
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.ready()?;
        run_query(&mut self.client, &mut self.cache, &self.at, sql, args)
    }
    fn at(&self) -> &str {
        &self.at
    }
}

/// Open a connection as `p` says (TLS or not); the message never holds the password.
fn connect(p: &Parsed) -> Result<Client, String> {
    let connected = match p.tls {
        Tls::Disable => p.config.connect(NoTls),
        _ => {
            let tls = tls_config(p.root_cert.as_deref())?;
            p.config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
        }
    };
    connected.map_err(|e| {
        let m = format!("cannot connect: {}", chain(&e));
        match &p.secret {
            Some(pw) if !pw.is_empty() => m.replace(pw.as_str(), "***"),
            _ => m,
        }
    })
}

struct Tx<'a, 'b> {
    tx: &'a mut postgres::Transaction<'b>,
    cache: &'a mut Prepared,
    at: &'a str,
}

impl Sql for Tx<'_, '_> {
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, StoreError> {
        run_execute(self.tx, self.cache, self.at, sql, args)
    }
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, StoreError> {
        run_query(self.tx, self.cache, self.at, sql, args)
    }
    fn at(&self) -> &str {
        self.at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_without_repeating_them() {
        let cases: &[(&str, Result<(), &str>)] = &[
            ("postgres://flywheel@db.internal:5432/ops", Ok(())),
            ("postgresql://flywheel@127.0.0.1/ops?sslmode=verify-full", Ok(())),
            ("postgres://flywheel@db/ops?sslmode=require&sslrootcert=/etc/ca.pem", Ok(())),
            ("postgres://flywheel:hunter2@db/ops", Err("holds a password")),
            ("postgres://flywheel@db/ops?password=hunter2", Err("holds a password")),
            ("postgres://flywheel@db/ops?sslmode=sometimes", Err("sslmode `sometimes`")),
            ("mysql://flywheel@db/ops", Err("must start with postgres://")),
        ];
        for (url, want) in cases {
            match (check_url(url), want) {
                (Ok(()), Ok(())) => {}
                (Err(m), Err(w)) => {
                    assert!(m.contains(w), "{url}: {m}");
                    assert!(!m.contains("hunter2"), "{url}: the message repeats the secret: {m}");
                }
                (got, want) => panic!("{url}: got {got:?}, want {want:?}"),
            }
        }
        let p = parse("postgres://ana@db.internal:6543/ops?sslmode=verify-full&connect_timeout=2").expect("parse");
        assert_eq!((p.shown.as_str(), p.tls), ("postgres://ana@db.internal:6543/ops", Tls::Verify));
        assert_eq!(p.config.get_connect_timeout(), Some(&Duration::from_secs(2)));
        assert_eq!(parse("postgres://ana@db/ops").expect("parse").config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
    }
}
