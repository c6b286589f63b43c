//! The shared journal under a meeting's load: N clients, each on its own connection, adding action items
//! as fast as they can against a real PostgreSQL server (one started for the run on 127.0.0.1 unless a
//! `--url` is given) — write latency p50/p99/max, throughput, and a count proving nothing was lost — and
//! what recording an organisation's review week costs there and in SQLite: first, again unchanged (each verdict
//! and each re-flag back to the workspace's sensitivity records it), and again with a tenth changed.

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
    /// Per store (`PostgreSQL`, `SQLite`): [`FINDINGS`] findings recorded as a new week, again unchanged, and
    /// again with a tenth of them changed.
    pub record: Vec<(&'static str, [Duration; 3])>,
}

/// The findings of the recorded week: a 10,000-series review's at its default sensitivity.
pub const FINDINGS: usize = 3_341;

/// [`Measured::record`]'s three timings on journal `j`.
fn record_week(j: &mut Journal) -> Result<[Duration; 3]> {
    let finding = |i: usize, severity: f64| {
        let id = format!("fleet.m{i:05}");
        let m = flywheel::config::Metric::new(&id, "Team", "svc", flywheel::config::Worse::Higher, std::path::Path::new("x"), &id);
        let sentence = format!("svc {id} rose to 844 on Sun 04:40, 3.0× its usual 280 for that time (band 274–286), for 45 min.");
        flywheel::finding::Finding::new(
            flywheel::finding::Kind::SeasonalAnomaly,
            &m,
            1_795_000_000 + i as i64 * 300,
            1_795_000_900,
            severity,
            sentence,
        )
    };
    let week: Vec<_> = (0..FINDINGS).map(|i| finding(i, 60.0)).collect();
    let changed: Vec<_> = (0..FINDINGS).map(|i| finding(i, if i % 10 == 0 { 61.0 } else { 60.0 })).collect();
    let mut out = [Duration::ZERO; 3];
    for (k, findings) in [&week, &week, &changed].into_iter().enumerate() {
        let t = Instant::now();
        j.record_week("2026-11-16", findings, 1_795_000_000 + k as i64)?;
        out[k] = t.elapsed();
    }
    Ok(out)
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
    let dir = tempfile::tempdir()?;
    let record = vec![
        ("PostgreSQL", record_week(&mut Journal::connect(&target)?)?),
        ("SQLite", record_week(&mut Journal::open(&dir.path().join("journal.sqlite"))?)?),
    ];
    Ok(Measured { clients, writes, p50: at(0.5), p99: at(0.99), max: at(1.0), wall, stored, record })
}
