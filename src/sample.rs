//! The sample workspace in `data/` — a small online shop's six weeks of metrics with a documented
//! situation of every finding kind in its review week — as the product knows it: where it is, and the
//! table of its situations ([`SITUATIONS`]) that the tests, the generator (`flywheel-dev sample`, in the
//! developer crate) and the documentation all read, so they cannot drift apart.

use crate::finding::Kind;

pub const TIMEZONE: &str = "Europe/Berlin";
/// Monday of the review week (local); the data runs to the end of that week.
pub const REVIEW_WEEK: &str = "2026-11-09";
pub const HISTORY_WEEKS: usize = 5;

/// A documented situation in the sample's review week.
#[derive(Debug, Clone, Copy)]
pub struct Situation {
    pub kind: Kind,
    pub metric: &'static str,
    pub instance: Option<&'static str>,
    pub what: &'static str,
}

pub const SITUATIONS: &[Situation] = &[
    Situation { kind: Kind::AlarmBreach, metric: "payments.api.p99", instance: None, what: "Payment API p99 latency jumps to ~1.2 s for 40 minutes on Tuesday 14:05 (alarm line 600 ms)." },
    Situation { kind: Kind::InvestigationBreach, metric: "search.api.p99", instance: None, what: "Search p99 latency sits around 320 ms for an hour on Thursday 10:00: above the investigation line (250 ms), below the alarm line (400 ms)." },
    Situation { kind: Kind::SeasonalAnomaly, metric: "checkout.cart.errors", instance: None, what: "Cart error rate triples at 03:00 on Wednesday night — crossing no line, but far outside what 03:00 usually looks like." },
    Situation { kind: Kind::SeasonalAnomaly, metric: "checkout.web.requests", instance: None, what: "Checkout page requests drop by almost half on Friday 11:00–12:00 (lower is worse; no line crossed)." },
    Situation { kind: Kind::DriftTowardLine, metric: "platform.postgres.cpu", instance: None, what: "Main database CPU grows ~6 % a week; its weekly p95 will cross the investigation line (55 %) within weeks." },
    Situation { kind: Kind::LineTooLoose, metric: "identity.auth.p99", instance: None, what: "Auth p99 latency never exceeds ~120 ms, yet its alarm line is 5 s and its investigation line 3 s." },
    Situation { kind: Kind::GrowingVolatility, metric: "search.recs.queue", instance: None, what: "Recommendations queue depth gets noisier every week (spread ~1.8× over six weeks) while its level grows." },
    Situation { kind: Kind::LevelShift, metric: "fulfilment.inventory.errors", instance: None, what: "Inventory API error rate steps from ~0.2 % to ~0.6 % on Wednesday 09:00 and stays there (below both lines)." },
    Situation { kind: Kind::MissingData, metric: "identity.canary.success", instance: None, what: "The login canary stops reporting on Saturday 18:00 — silence, not health." },
    Situation { kind: Kind::MissingData, metric: "fulfilment.shipping.p99", instance: None, what: "Shipping API p99 latency has scrape gaps on Tuesday night (90 min) and Thursday (20 min)." },
    Situation { kind: Kind::OddOneOut, metric: "platform.gateway.cpu", instance: Some("gw-3"), what: "Gateway instance gw-3 takes ~2.7× the load of each of its three siblings from Tuesday 09:00 (a load-balancer weight mistake; the average is unchanged)." },
    Situation { kind: Kind::UnusualStretch, metric: "platform.kafka.lag", instance: None, what: "Kafka consumer lag runs ~17 % high for six hours on Thursday afternoon (13:00–19:00): hardly a point leaves the band, the afternoon as a whole does." },
    Situation { kind: Kind::SpikeBurst, metric: "platform.postgres.replication_lag", instance: None, what: "Database replication lag spikes fourteen times on Friday, about once every 90 minutes, where it did not spike before: no single reading is far enough out to be an anomaly, their number is." },
    Situation { kind: Kind::SourceError, metric: "payments.billing.export_lag", instance: None, what: "Billing export lag points at a series the exporter no longer writes: a source error, while the rest of the review completes." },
];

/// Where the .deb and .rpm packages put the sample, relative to the folder of the installed executables
/// (`/usr/bin/flywheel` → `/usr/lib/Flywheel/sample`): the app's resource folder, named after its
/// product name in `src-tauri/tauri.conf.json` (a contract test keeps the two equal).
pub const INSTALLED: &str = "../lib/Flywheel/sample";

/// Where the packages install the sample: the fallback when the running executable cannot be found
/// (no `/proc`, as in a bare chroot).
pub const PACKAGED: &str = "/usr/lib/Flywheel/sample";

/// The sample workspace for the CLI's and the app's defaults: the one a package installed beside the
/// running executable, else the one in this source tree (`data/`), else the packages' place.
pub fn bundled() -> std::path::PathBuf {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    std::env::current_exe()
        .ok()
        .and_then(|exe| installed_beside(&exe))
        .or_else(|| (!source.join("flywheel.toml").is_file()).then(|| std::path::PathBuf::from(PACKAGED)))
        .filter(|p| p.join("flywheel.toml").is_file())
        .unwrap_or(source)
}

/// The installed sample for an executable at `exe`, when there is one.
fn installed_beside(exe: &std::path::Path) -> Option<std::path::PathBuf> {
    let dir = exe.parent()?.join(INSTALLED);
    dir.join("flywheel.toml").is_file().then(|| std::fs::canonicalize(&dir).unwrap_or(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_sample_is_found_beside_the_executable() {
        let root = tempfile::tempdir().expect("tmp");
        let bin = root.path().join("usr/bin");
        let sample = root.path().join("usr/lib/Flywheel/sample");
        std::fs::create_dir_all(&bin).expect("bin");
        std::fs::create_dir_all(&sample).expect("sample");
        let exe = bin.join("flywheel");
        // A resource folder without a workspace in it is not the sample.
        assert_eq!(installed_beside(&exe), None);
        std::fs::write(sample.join("flywheel.toml"), "").expect("toml");
        assert_eq!(installed_beside(&exe), Some(std::fs::canonicalize(&sample).expect("canonical")));
        // An executable somewhere else (a build tree) has none.
        assert_eq!(installed_beside(&root.path().join("target/debug/flywheel")), None);
    }
}
