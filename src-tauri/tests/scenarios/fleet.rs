//! A fleet in the app: a generated workspace of 800 metrics in one Parquet file (reviewed in batches) opens
//! with its hundreds of findings; the overview shows them a page at a time — scrolling to the end of the
//! list and moving the selection past it bring the next page —, the filter narrows them, and the app's
//! memory is printed.

use std::time::{Duration, Instant};

use serde_json::json;

use flywheel::source::file::{write_long_parquet_batches, LongRows};

use super::driver::*;

const SERIES: usize = 800;
/// 2026-11-02, a Monday, 00:00 UTC: three weeks from here, the last one reviewed.
const START: i64 = 1_793_577_600;
const POINTS: i64 = 3 * 7 * 288;

/// The workspace: teams of 100 metrics, every metric a daily curve with noise, one in three with a
/// 30-minute spike in the review week.
fn write_fleet(dir: &std::path::Path) -> R<()> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut toml = String::from("[workspace]\nname = \"Fleet\"\ntimezone = \"UTC\"\nstep = \"5m\"\nhistory_weeks = 2\n\n");
    for t in 0..SERIES / 100 {
        toml += &format!("[[team]]\nname = \"Team {t}\"\n\n[[service]]\nname = \"svc-{t}\"\nteam = \"Team {t}\"\n\n");
    }
    let mut batches = Vec::new();
    for first in (0..SERIES).step_by(100) {
        let mut rows = LongRows::default();
        for i in first..first + 100 {
            let id = format!("fleet.m{i:04}");
            toml += &format!(
                "[[metric]]\nid = \"{id}\"\nservice = \"svc-{}\"\nworse = \"higher\"\nsource = {{ file = \"fleet.parquet\" }}\n\n",
                i / 100
            );
            let level = 50.0 + (i % 37) as f64 * 10.0;
            let spike = (i % 3 == 0).then_some(2 * 7 * 288 + 288 + (i as i64 * 7) % 1500);
            for j in 0..POINTS {
                let day = (j % 288) as f64 / 288.0 * std::f64::consts::TAU;
                let mut v = level * (1.0 + 0.3 * day.sin() + 0.04 * noise());
                if spike.is_some_and(|s| (s..s + 6).contains(&j)) {
                    v *= 3.0;
                }
                rows.push(START + j * 300, &id, None, v);
            }
        }
        batches.push(Ok(rows));
    }
    write_long_parquet_batches(&dir.join("fleet.parquet"), batches.into_iter())?;
    std::fs::write(dir.join("flywheel.toml"), toml)?;
    Ok(())
}

fn rows_shown(c: &fantoccini::Client) -> impl std::future::Future<Output = R<serde_json::Value>> + '_ {
    js(c, "return document.querySelectorAll('[data-testid=finding]').length")
}

pub async fn fleet(d: &Driver) -> R<()> {
    let dir = tempfile::tempdir()?;
    write_fleet(dir.path())?;
    let opened = Instant::now();
    let c = d.app(&[dir.path().to_str().ok_or("path")?]).await?;
    c.set_window_size(1280, 800).await?;
    // A debug build reviews 800 series × 3 weeks in tens of seconds: wait for the overview longer than usual.
    loop {
        if js(&c, "return !!document.querySelector('[data-testid=finding]')").await? == json!(true) {
            break;
        }
        if opened.elapsed() > Duration::from_secs(300) {
            return Err(format!("the fleet's overview did not show in 5 minutes:\n{}", dump(&c).await).into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let review = opened.elapsed();
    let total: usize =
        js(&c, "return Number(document.querySelector('[data-testid=finding-count]').dataset.visible)").await?.as_u64().unwrap_or(0)
            as usize;
    assert!(total > 200, "the fleet has hundreds of findings: {total}");
    assert_eq!(rows_shown(&c).await?, json!(150), "the first page of the list");
    let more = texts(&c, "[data-testid=more-findings]").await?;
    assert_eq!(more, [format!("{} more findings below", total - 150)]);
    shot(&c, "fleet").await?;

    // Scrolling to the end of the list shows the next page.
    let t = Instant::now();
    js(&c, "document.querySelector('[data-testid=more-findings]').scrollIntoView(); return true").await?;
    until(&c, "the next page", "return document.querySelectorAll('[data-testid=finding]').length === Math.min(300, Number(document.querySelector('[data-testid=finding-count]').dataset.visible))").await?;
    let page = t.elapsed();

    // The selection moved past what is shown brings more rows and stays on screen.
    let t = Instant::now();
    let selected = js(
        &c,
        "const rows = () => document.querySelectorAll('[data-testid=finding]'); \
         for (let i = 0; i < 400; i++) document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true })); \
         const sel = document.querySelector('[data-testid=finding].selected'); const r = sel.getBoundingClientRect(); \
         return [[...rows()].indexOf(sel), rows().length > 400 || rows().length === Number(document.querySelector('[data-testid=finding-count]').dataset.visible), r.top >= 0 && r.bottom <= innerHeight]",
    )
    .await?;
    let keys = t.elapsed();
    assert_eq!(selected, json!([total.min(401) - 1, true, true]), "the 401st finding is selected, shown and on screen");

    // The filter narrows the list to one team, a page at a time again.
    let t = Instant::now();
    type_into(&c, "[data-testid=filter-text]", "Team 3").await?;
    let narrowed = until(
        &c,
        "the filtered list",
        "const v = Number(document.querySelector('[data-testid=finding-count]').dataset.visible); \
         const rows = [...document.querySelectorAll('[data-testid=finding]')]; \
         return v < 150 && rows.length === v && rows.every(r => r.dataset.team === 'Team 3') ? v : null",
    )
    .await?;
    let filtered = t.elapsed();
    assert!(narrowed.as_u64().unwrap_or(0) > 10, "{narrowed}");
    let (app, webkit) = app_memory_mib();
    println!(
        "fleet: {SERIES} series × 3 weeks reviewed and shown in {review:?}; {total} findings; next page {page:?}; 400 × j {keys:?}; filter {filtered:?}; app {app:.0} MiB, WebKit {webkit:.0} MiB"
    );
    c.close().await?;
    Ok(())
}
