//! The shared journal under a meeting's load: N clients, each on its own connection, adding action items
//! as fast as they can against a real PostgreSQL server (one started for the run on 127.0.0.1 unless a
//! `--url` is given) — write latency p50/p99/max, throughput, and a count proving nothing was lost.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use flywheel::journal::actions::{Draft, Filter};
use flywheel::journal::store::postgres::Target;
use flywheel::journal::Journal;

#[path = "../../tests/common/pg.rs"]
mod pg;

/// What one run measured.
pub struct Measured {
    pub clients: usize,
    pub writes: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub wall: Duration,
    pub stored: usize,
}

/// Run `clients` × `writes` adds against `url` (the password from PGPASSWORD/~/.pgpass), or against a
/// server started for the run.
pub fn run(url: Option<String>, clients: usize, writes: usize) -> Result<Measured> {
    let server = if url.is_none() { Some(pg::Pg::start()) } else { None };
    if server.is_some() {
        std::env::set_var("FLYWHEEL_BENCH_PG_PASSWORD", pg::PASSWORD);
    }
    let target = Target {
        url: url.unwrap_or_else(|| server.as_ref().map(|s| s.url()).unwrap_or_default()),
        workspace: format!("bench-{}", std::process::id()),
        password_env: server.as_ref().map(|_| "FLYWHEEL_BENCH_PG_PASSWORD".to_string()),
    };
    Journal::connect(&target)?;
    let t0 = Instant::now();
    let lat: Vec<Result<Vec<Duration>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let target = target.clone();
                s.spawn(move || -> Result<Vec<Duration>, String> {
                    let mut j = Journal::connect(&target).map_err(|e| e.to_string())?;
                    let mut out = Vec::with_capacity(writes);
                    for i in 0..writes {
                        let d = Draft { title: format!("client {c} write {i}"), week: "2026-11-09".into(), ..Default::default() };
                        let t = Instant::now();
                        j.add_action(&d, 1_795_000_000 + i as i64).map_err(|e| e.to_string())?;
                        out.push(t.elapsed());
                    }
                    Ok(out)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a client panicked".into()))).collect()
    });
    let wall = t0.elapsed();
    let mut all = Vec::with_capacity(clients * writes);
    for l in lat {
        match l {
            Ok(v) => all.extend(v),
            Err(e) => bail!("a client failed: {e}"),
        }
    }
    all.sort();
    let at = |q: f64| all[((all.len() as f64 - 1.0) * q).round() as usize];
    let stored = Journal::connect(&target)?.actions(&Filter::default())?.len();
    if stored != clients * writes {
        bail!("{} writes acknowledged but {stored} stored", clients * writes);
    }
    Ok(Measured { clients, writes, p50: at(0.5), p99: at(0.99), max: at(1.0), wall, stored })
}
