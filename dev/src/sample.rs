//! The sample workspace's generator (`flywheel-dev sample data`): a deterministic small online shop with
//! six weeks of 5-minute metrics and every situation of [`flywheel::sample::SITUATIONS`] injected into its
//! review week. The committed files in `data/` are its output.

use std::fmt::Write as _;
use std::path::Path;

use chrono::Weekday;
use chrono_tz::Tz;

use flywheel::analysis::Context;
use flywheel::sample::{HISTORY_WEEKS, REVIEW_WEEK, SITUATIONS, TIMEZONE};
use flywheel::source::file::{write_long_parquet, LongRows};
use flywheel::source::SourceError;
use flywheel::synth::{Inject, Rng, Shape};
use flywheel::time;

const SEED: u64 = 20_261_109;

struct Team(&'static str, &'static str);
struct Svc(&'static str, &'static str);

const TEAMS: &[Team] = &[
    Team("Checkout", "https://grafana.example.com/d/checkout"),
    Team("Payments", "https://grafana.example.com/d/payments"),
    Team("Search", "https://grafana.example.com/d/search"),
    Team("Identity", "https://grafana.example.com/d/identity"),
    Team("Platform", "https://grafana.example.com/d/platform"),
    Team("Fulfilment", "https://grafana.example.com/d/fulfilment"),
];

const SERVICES: &[Svc] = &[
    Svc("checkout-api", "Checkout"),
    Svc("cart-service", "Checkout"),
    Svc("checkout-web", "Checkout"),
    Svc("payments-api", "Payments"),
    Svc("fraud-scorer", "Payments"),
    Svc("billing-export", "Payments"),
    Svc("search-api", "Search"),
    Svc("catalog-indexer", "Search"),
    Svc("recommendations", "Search"),
    Svc("auth-service", "Identity"),
    Svc("login-canary", "Identity"),
    Svc("session-store", "Identity"),
    Svc("api-gateway", "Platform"),
    Svc("postgres-main", "Platform"),
    Svc("kafka", "Platform"),
    Svc("inventory-api", "Fulfilment"),
    Svc("orders-worker", "Fulfilment"),
    Svc("shipping-api", "Fulfilment"),
];

/// How a sample metric behaves.
#[derive(Clone, Copy)]
enum Kindish {
    /// Latency-like or utilisation: higher is worse.
    Higher,
    /// Throughput or success: lower is worse.
    Lower,
}

struct M {
    id: &'static str,
    service: &'static str,
    name: &'static str,
    unit: &'static str,
    stat: &'static str,
    dir: Kindish,
    shape: Shape,
    /// Fixed lines (investigation, alarm), or None to derive sensible ones from the shape.
    lines: Option<(f64, f64)>,
    /// Instances (empty: one plain series).
    instances: &'static [&'static str],
    /// Clamp values to at most this (e.g. 1.0 for a success ratio, 100 for CPU).
    cap: f64,
}

const fn sh(level: f64, daily: f64, weekly: f64, noise: f64) -> Shape {
    Shape { level, daily, weekly, noise, growth_per_week: 0.0 }
}

fn metrics() -> Vec<M> {
    use Kindish::{Higher as H, Lower as L};
    let m = |id, service, name, unit, stat, dir, shape, lines, instances, cap| M {
        id,
        service,
        name,
        unit,
        stat,
        dir,
        shape,
        lines,
        instances,
        cap,
    };
    const NO: &[&str] = &[];
    vec![
        m("checkout.api.p99", "checkout-api", "p99 latency", "ms", "p99", H, sh(210.0, 0.25, 0.1, 0.05), None, NO, f64::INFINITY),
        m("checkout.api.errors", "checkout-api", "error rate", "%", "avg", H, sh(0.3, 0.3, 0.1, 0.08), None, NO, 100.0),
        m("checkout.api.requests", "checkout-api", "requests", "req/s", "sum", L, sh(850.0, 0.55, 0.25, 0.03), None, NO, f64::INFINITY),
        m("checkout.cart.p99", "cart-service", "p99 latency", "ms", "p99", H, sh(95.0, 0.2, 0.1, 0.05), None, NO, f64::INFINITY),
        m("checkout.cart.errors", "cart-service", "error rate", "%", "avg", H, sh(0.4, 0.3, 0.1, 0.08), Some((1.2, 1.8)), NO, 100.0),
        m(
            "checkout.web.requests",
            "checkout-web",
            "page requests",
            "req/s",
            "sum",
            L,
            sh(1200.0, 0.55, 0.25, 0.03),
            Some((150.0, 60.0)),
            NO,
            f64::INFINITY,
        ),
        m(
            "checkout.web.lcp",
            "checkout-web",
            "p75 largest contentful paint",
            "ms",
            "p75",
            H,
            sh(1800.0, 0.1, 0.05, 0.04),
            None,
            NO,
            f64::INFINITY,
        ),
        m(
            "payments.api.p99",
            "payments-api",
            "p99 latency",
            "ms",
            "p99",
            H,
            sh(180.0, 0.3, 0.1, 0.05),
            Some((400.0, 600.0)),
            NO,
            f64::INFINITY,
        ),
        m("payments.api.errors", "payments-api", "error rate", "%", "avg", H, sh(0.15, 0.3, 0.1, 0.08), None, NO, 100.0),
        m(
            "payments.api.success",
            "payments-api",
            "authorisation success",
            "%",
            "avg",
            L,
            sh(97.5, 0.004, 0.002, 0.002),
            Some((95.0, 92.0)),
            NO,
            100.0,
        ),
        m("payments.fraud.p99", "fraud-scorer", "p99 scoring time", "ms", "p99", H, sh(45.0, 0.2, 0.1, 0.05), None, NO, f64::INFINITY),
        m("payments.fraud.cpu", "fraud-scorer", "CPU", "%", "avg", H, sh(38.0, 0.35, 0.15, 0.04), None, NO, 100.0),
        m(
            "payments.billing.rows",
            "billing-export",
            "rows exported",
            "rows/5m",
            "sum",
            L,
            sh(5200.0, 0.4, 0.2, 0.04),
            None,
            NO,
            f64::INFINITY,
        ),
        m(
            "search.api.p99",
            "search-api",
            "p99 latency",
            "ms",
            "p99",
            H,
            sh(120.0, 0.3, 0.1, 0.05),
            Some((250.0, 400.0)),
            NO,
            f64::INFINITY,
        ),
        m(
            "search.api.p50",
            "search-api",
            "p50 latency",
            "ms",
            "p50",
            H,
            sh(35.0, 0.2, 0.1, 0.04),
            None,
            &["search-1", "search-2", "search-3"],
            f64::INFINITY,
        ),
        m("search.api.requests", "search-api", "requests", "req/s", "sum", L, sh(2400.0, 0.5, 0.2, 0.03), None, NO, f64::INFINITY),
        m("search.indexer.lag", "catalog-indexer", "indexing lag", "s", "max", H, sh(40.0, 0.3, 0.1, 0.08), None, NO, f64::INFINITY),
        m(
            "search.indexer.docs",
            "catalog-indexer",
            "documents indexed",
            "docs/5m",
            "sum",
            L,
            sh(9000.0, 0.3, 0.2, 0.05),
            None,
            NO,
            f64::INFINITY,
        ),
        m(
            "search.recs.queue",
            "recommendations",
            "queue depth",
            "msgs",
            "avg",
            H,
            sh(200.0, 0.3, 0.1, 0.05),
            Some((650.0, 850.0)),
            NO,
            f64::INFINITY,
        ),
        m("search.recs.p99", "recommendations", "p99 latency", "ms", "p99", H, sh(160.0, 0.25, 0.1, 0.05), None, NO, f64::INFINITY),
        m(
            "identity.auth.p99",
            "auth-service",
            "p99 latency",
            "ms",
            "p99",
            H,
            sh(90.0, 0.2, 0.1, 0.05),
            Some((3000.0, 5000.0)),
            NO,
            f64::INFINITY,
        ),
        m("identity.auth.errors", "auth-service", "error rate", "%", "avg", H, sh(0.2, 0.3, 0.1, 0.08), None, NO, 100.0),
        m("identity.auth.logins", "auth-service", "logins", "logins/5m", "sum", L, sh(3100.0, 0.55, 0.3, 0.03), None, NO, f64::INFINITY),
        m(
            "identity.canary.success",
            "login-canary",
            "canary success",
            "%",
            "avg",
            L,
            sh(99.5, 0.0, 0.0, 0.004),
            Some((96.0, 93.0)),
            NO,
            100.0,
        ),
        m(
            "identity.canary.duration",
            "login-canary",
            "canary duration",
            "ms",
            "p50",
            H,
            sh(850.0, 0.05, 0.0, 0.04),
            None,
            NO,
            f64::INFINITY,
        ),
        m("identity.sessions.p99", "session-store", "p99 latency", "ms", "p99", H, sh(8.0, 0.2, 0.1, 0.06), None, NO, f64::INFINITY),
        m("identity.sessions.memory", "session-store", "memory used", "%", "avg", H, sh(54.0, 0.1, 0.05, 0.02), None, NO, 100.0),
        m(
            "platform.gateway.cpu",
            "api-gateway",
            "CPU",
            "%",
            "avg",
            H,
            sh(32.0, 0.35, 0.15, 0.04),
            Some((70.0, 85.0)),
            &["gw-1", "gw-2", "gw-3", "gw-4"],
            100.0,
        ),
        m("platform.gateway.p99", "api-gateway", "p99 latency", "ms", "p99", H, sh(28.0, 0.2, 0.1, 0.05), None, NO, f64::INFINITY),
        m("platform.gateway.5xx", "api-gateway", "5xx rate", "%", "avg", H, sh(0.05, 0.3, 0.1, 0.1), None, NO, 100.0),
        m(
            "platform.postgres.cpu",
            "postgres-main",
            "CPU",
            "%",
            "avg",
            H,
            Shape { level: 35.0, daily: 0.3, weekly: 0.15, noise: 0.03, growth_per_week: 0.06 },
            Some((55.0, 80.0)),
            NO,
            100.0,
        ),
        m(
            "platform.postgres.connections",
            "postgres-main",
            "connections",
            "conns",
            "max",
            H,
            sh(220.0, 0.3, 0.15, 0.04),
            None,
            NO,
            f64::INFINITY,
        ),
        m(
            "platform.postgres.replication_lag",
            "postgres-main",
            "replication lag",
            "s",
            "max",
            H,
            sh(0.8, 0.3, 0.1, 0.1),
            None,
            NO,
            f64::INFINITY,
        ),
        m("platform.kafka.lag", "kafka", "consumer lag", "msgs", "max", H, sh(1500.0, 0.4, 0.2, 0.08), None, NO, f64::INFINITY),
        m("platform.kafka.disk", "kafka", "disk used", "%", "avg", H, sh(48.0, 0.02, 0.0, 0.01), None, NO, 100.0),
        m(
            "fulfilment.inventory.errors",
            "inventory-api",
            "error rate",
            "%",
            "avg",
            H,
            sh(0.2, 0.3, 0.1, 0.08),
            Some((1.5, 2.5)),
            NO,
            100.0,
        ),
        m("fulfilment.inventory.p99", "inventory-api", "p99 latency", "ms", "p99", H, sh(140.0, 0.25, 0.1, 0.05), None, NO, f64::INFINITY),
        m(
            "fulfilment.orders.queue",
            "orders-worker",
            "queue depth",
            "jobs",
            "avg",
            H,
            sh(60.0, 0.4, 0.2, 0.06),
            None,
            &["orders-1", "orders-2", "orders-3"],
            f64::INFINITY,
        ),
        m(
            "fulfilment.orders.throughput",
            "orders-worker",
            "orders processed",
            "orders/5m",
            "sum",
            L,
            sh(420.0, 0.55, 0.3, 0.04),
            None,
            NO,
            f64::INFINITY,
        ),
        m(
            "fulfilment.shipping.p99",
            "shipping-api",
            "p99 latency",
            "ms",
            "p99",
            H,
            sh(300.0, 0.25, 0.1, 0.05),
            Some((700.0, 1000.0)),
            NO,
            f64::INFINITY,
        ),
        m("fulfilment.shipping.errors", "shipping-api", "error rate", "%", "avg", H, sh(0.25, 0.3, 0.1, 0.08), None, NO, 100.0),
        m(
            "fulfilment.shipping.labels",
            "shipping-api",
            "labels printed",
            "labels/5m",
            "sum",
            L,
            sh(380.0, 0.6, 0.35, 0.04),
            None,
            NO,
            f64::INFINITY,
        ),
    ]
}

/// Sensible lines for a healthy shape: beyond its worst normal value, well inside "too loose".
fn derived_lines(dir: Kindish, s: &Shape, cap: f64) -> (f64, f64) {
    use flywheel::analysis::stats::round_nice;
    match dir {
        Kindish::Higher => {
            let worst = s.level * (1.0 + s.daily) * (1.0 + 3.0 * s.noise);
            let typical = s.level;
            let e = (worst - typical).max(0.05 * typical);
            let inv = round_nice(worst + 0.6 * e, true);
            let alarm = round_nice(worst + 1.6 * e, true);
            (inv.min(cap * 0.9), alarm.min(cap * 0.97))
        }
        Kindish::Lower => {
            let worst = s.level * (1.0 - s.daily) * (1.0 - s.weekly) * (1.0 - 3.0 * s.noise);
            (round_nice(worst * 0.6, false), round_nice(worst * 0.3, false))
        }
    }
}

/// Review-range offsets (5-minute points) of a local weekday and time in the review week.
fn at(day: i64, hour: i64, minute: i64) -> usize {
    ((day * 24 * 60 + hour * 60 + minute) / 5) as usize
}

/// Generate the sample workspace into `dir` (writes `flywheel.toml`, `metrics.parquet`, `tickets.csv` and
/// `SITUATIONS.md`).
pub fn generate(dir: &Path) -> Result<(), SourceError> {
    std::fs::create_dir_all(dir).map_err(|e| SourceError::file(dir, e.to_string()))?;
    let tz: Tz = TIMEZONE.parse().map_err(|_| SourceError::file(dir, "bad zone".into()))?;
    let start = time::parse_user_time(REVIEW_WEEK, &tz).map_err(|e| SourceError::file(dir, e.to_string()))?;
    let end = time::add_weeks(&tz, start, 1);
    let ctx = Context::new(tz, Weekday::Mon, 300, start, end, HISTORY_WEEKS);
    let mut rng = Rng::new(SEED);
    let mut rows = LongRows::default();
    let mut toml = String::new();
    let _ = writeln!(
        toml,
        "# Flywheel sample workspace: a small online shop, six weeks of 5-minute metrics.\n# Generated by `flywheel-dev sample data` (dev/src/sample.rs); the situations in its review week are\n# listed in SITUATIONS.md.\n\n[workspace]\nname = \"Sample shop\"\ntimezone = \"{TIMEZONE}\"\nweek_starts = \"monday\"\nstep = \"5m\"\nhistory_weeks = {HISTORY_WEEKS}\n"
    );
    for t in TEAMS {
        let _ = writeln!(toml, "[[team]]\nname = \"{}\"\ndashboard = \"{}\"\n", t.0, t.1);
    }
    for s in SERVICES {
        let _ = writeln!(toml, "[[service]]\nname = \"{}\"\nteam = \"{}\"\n", s.0, s.1);
    }
    for m in metrics() {
        let mut mrng = rng.fork();
        let (inv, alarm) = m.lines.unwrap_or_else(|| derived_lines(m.dir, &m.shape, m.cap));
        let worse = match m.dir {
            Kindish::Higher => "higher",
            Kindish::Lower => "lower",
        };
        let _ = writeln!(
            toml,
            "[[metric]]\nid = \"{}\"\nservice = \"{}\"\nname = \"{}\"\nunit = \"{}\"\nstatistic = \"{}\"\nworse = \"{worse}\"\ninvestigation = {}\nalarm = {}\nsource = {{ file = \"metrics.parquet\" }}\n",
            m.id, m.service, m.name, m.unit, m.stat, inv, alarm
        );
        let instances: Vec<Option<&str>> = if m.instances.is_empty() { vec![None] } else { m.instances.iter().map(|s| Some(*s)).collect() };
        for inst in instances {
            let mut v = if m.id == "search.recs.queue" {
                let s = Shape { growth_per_week: 0.03, ..m.shape };
                s.render_widening(&ctx, &mut mrng, 0.16)
            } else {
                m.shape.render(&ctx, &mut mrng)
            };
            for inj in injections(m.id, inst) {
                inj.apply(&ctx, &mut v);
            }
            if m.id == "platform.postgres.replication_lag" {
                for &(h, mi) in REPLICATION_SPIKES {
                    let j = ctx.review.start + at(4, h, mi);
                    v[j] = 1.44 * m.shape.value_at(&ctx, j);
                }
            }
            for (i, x) in v.iter().enumerate() {
                let x = if x.is_finite() { x.min(m.cap).max(0.0) } else { *x };
                // Four significant digits keep the file small and the values realistic.
                let x = if x.is_finite() { flywheel::text::round_sig(x, 4) } else { x };
                if x.is_nan() {
                    continue; // a missing sample is an absent row, as exporters write it
                }
                rows.push(ctx.grid.time(i), m.id, inst, x);
            }
        }
    }
    // The source-error situation: a metric whose series is not in the file.
    let _ = writeln!(
        toml,
        "# This metric's exporter was renamed; its series is no longer written (a documented source error).\n[[metric]]\nid = \"payments.billing.export_lag\"\nservice = \"billing-export\"\nname = \"export lag\"\nunit = \"s\"\nstatistic = \"max\"\nworse = \"higher\"\ninvestigation = 600\nalarm = 1800\nsource = {{ file = \"metrics.parquet\", series = \"billing.export_lag_seconds\" }}"
    );
    let _ = write!(toml, "\n{}", crate::sample_tickets::TOML);
    let week = chrono::NaiveDate::parse_from_str(REVIEW_WEEK, "%Y-%m-%d").map_err(|e| SourceError::file(dir, e.to_string()))?;
    std::fs::write(dir.join("tickets.csv"), crate::sample_tickets::tickets_csv(week))
        .map_err(|e| SourceError::file(&dir.join("tickets.csv"), e.to_string()))?;
    std::fs::write(dir.join("flywheel.toml"), toml).map_err(|e| SourceError::file(&dir.join("flywheel.toml"), e.to_string()))?;
    write_long_parquet(&dir.join("metrics.parquet"), rows)?;
    std::fs::write(dir.join("SITUATIONS.md"), situations_markdown())
        .map_err(|e| SourceError::file(&dir.join("SITUATIONS.md"), e.to_string()))?;
    Ok(())
}

/// The replication lag's burst: fourteen short spikes on Friday (hour, minute), each set 44 % above the
/// noise-free value for its time (about 5 σ: beyond the band, within what a single reading may do). Set
/// from the shape rather than multiplied like [`injections`]: a multiplied noisy reading lands anywhere
/// from 3 to 7 σ.
const REPLICATION_SPIKES: &[(i64, i64)] =
    &[(0, 35), (2, 10), (3, 50), (5, 5), (6, 40), (8, 15), (9, 55), (11, 20), (13, 5), (14, 45), (16, 10), (17, 50), (19, 25), (22, 40)];

/// What is injected into one series (review-range offsets; Monday = day 0).
fn injections(id: &str, instance: Option<&str>) -> Vec<Inject> {
    match (id, instance) {
        ("payments.api.p99", _) => vec![Inject::Bump { at: at(1, 14, 5), len: 8, factor: 5.0 }],
        ("search.api.p99", _) => vec![Inject::Bump { at: at(3, 10, 0), len: 12, factor: 2.3 }],
        ("checkout.cart.errors", _) => vec![Inject::Bump { at: at(2, 3, 0), len: 8, factor: 3.0 }],
        ("checkout.web.requests", _) => vec![Inject::Bump { at: at(4, 11, 0), len: 12, factor: 0.55 }],
        ("fulfilment.inventory.errors", _) => vec![Inject::Shift { at: at(2, 9, 0), factor: 3.0 }],
        ("platform.kafka.lag", _) => vec![Inject::Bump { at: at(3, 13, 0), len: 72, factor: 1.17 }],
        ("identity.canary.success", _) => vec![Inject::Stop { at: at(5, 18, 0) }],
        ("fulfilment.shipping.p99", _) => vec![Inject::Gap { at: at(1, 1, 30), len: 18 }, Inject::Gap { at: at(3, 13, 0), len: 4 }],
        ("platform.gateway.cpu", Some("gw-3")) => vec![Inject::Shift { at: at(1, 9, 0), factor: 1.9 }],
        ("platform.gateway.cpu", Some(_)) => vec![Inject::Shift { at: at(1, 9, 0), factor: 0.7 }],
        _ => vec![],
    }
}

/// The documentation of the sample's situations (written to `data/SITUATIONS.md`).
pub fn situations_markdown() -> String {
    let mut out = String::from(
        "# Situations in the sample workspace\n\nThe review week is Monday 9 – Sunday 15 November 2026 (Europe/Berlin), with five weeks of history\nbefore it (the clocks went back on 25 October, inside the history). Every situation below is generated\nby `dev/src/sample.rs` and asserted by `cli/tests/cli.rs`; all other metrics are healthy.\n\n| Kind | Metric | What happens |\n|---|---|---|\n",
    );
    for s in SITUATIONS {
        let metric = match s.instance {
            Some(i) => format!("`{}` [{i}]", s.metric),
            None => format!("`{}`", s.metric),
        };
        let _ = writeln!(out, "| {} | {} | {} |", s.kind.label(), metric, s.what);
    }
    out
}
