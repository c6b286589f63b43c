//! An organisation in the app: a generated workspace of 10,000 metrics in one Parquet file (reviewed in
//! batches) opens with its thousands of findings; the overview keeps only the rows near the screen in the
//! page — scrolled to the end, to the middle and back, and with the selection moved 400 rows down by the
//! keyboard, the rows on screen are there and the page holds a bounded number —, the filter narrows them,
//! and the app's memory and the times taken are printed (not asserted: a debug build on a shared machine).
//! The times are taken twice: from the test (WebDriver's round trips and its polling included) and in the
//! page's own clock, from the scroll, key or filter to the frame that shows its answer ([`in_page`]). A team's
//! dashboard of 1,000 metrics shows every widget and draws the charts as it scrolls to them.

use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::json;

use flywheel::source::file::{write_long_parquet_batches, LongRows};

use super::driver::*;

const SERIES: usize = 10_000;
const PER_TEAM: usize = 1_000;
/// 2026-11-02, a Monday, 00:00 UTC: three weeks from here, the last one reviewed.
const START: i64 = 1_793_577_600;
const POINTS: i64 = 3 * 7 * 288;
/// The most finding rows the page may hold at once (the screen's and a margin either side).
const MOST_ROWS: u64 = 200;

/// The workspace: teams of 1,000 metrics, every metric a daily curve with noise, one in three with a
/// 30-minute spike in the review week. The Parquet file is written a batch of 100 metrics at a time.
fn write_fleet(dir: &std::path::Path) -> R<()> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut toml = String::from("[workspace]\nname = \"Fleet\"\ntimezone = \"UTC\"\nstep = \"5m\"\nhistory_weeks = 2\n\n");
    for t in 0..SERIES / PER_TEAM {
        toml += &format!("[[team]]\nname = \"Team {t}\"\n\n[[service]]\nname = \"svc-{t}\"\nteam = \"Team {t}\"\n\n");
    }
    for i in 0..SERIES {
        toml += &format!(
            "[[metric]]\nid = \"fleet.m{i:05}\"\nservice = \"svc-{}\"\nworse = \"higher\"\nsource = {{ file = \"fleet.parquet\" }}\n\n",
            i / PER_TEAM
        );
    }
    let batches = (0..SERIES).step_by(100).map(|first| {
        let mut rows = LongRows::default();
        for i in first..first + 100 {
            let id = format!("fleet.m{i:05}");
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
        Ok(rows)
    });
    write_long_parquet_batches(&dir.join("fleet.parquet"), batches)?;
    std::fs::write(dir.join("flywheel.toml"), toml)?;
    Ok(())
}

/// How many finding rows the page holds, the first and last item they show, and whether item `i` is
/// drawn and on screen.
const DRAWN: &str = "const rows = [...document.querySelectorAll('[data-testid=finding]')]; \
     const onScreen = (e) => { const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }; \
     const on = (i) => { const e = document.querySelector(`[data-testid=finding][data-index=\"${i}\"]`); \
       return !!e && onScreen(e); }; ";

/// Milliseconds in the page's own clock from running `act` until `done` (an expression) holds at a frame,
/// and that frame is drawn (the callback of the frame after it): what the user waits from a scroll, a key or
/// a filter to its answer on screen, without WebDriver's round trips. The two scripts are the test's own.
async fn in_page(c: &Client, act: &str, done: &str) -> R<(f64, f64)> {
    // The rows drawn meanwhile tell how long their drawing took (`ui/windowed.js` measures it).
    let script = format!(
        "{DRAWN} const answer = arguments[arguments.length - 1]; let drawing = 0; \
         const seen = new PerformanceObserver((l) => {{ for (const e of l.getEntriesByName('flywheel:rows')) drawing += e.duration; }}); \
         seen.observe({{ type: 'measure' }}); const t0 = performance.now(); {act}; \
         const end = (ms) => setTimeout(() => {{ seen.disconnect(); answer([ms, drawing]); }}, 0); \
         const check = () => {{ if ({done}) requestAnimationFrame(() => end(performance.now() - t0)); \
           else if (performance.now() - t0 > 10000) end(-1); else requestAnimationFrame(check); }}; \
         requestAnimationFrame(check);"
    );
    let got = c.execute_async(&script, vec![]).await?;
    match (got[0].as_f64(), got[1].as_f64()) {
        (Some(ms), Some(drawing)) if ms >= 0.0 => Ok((ms, drawing)),
        _ => Err(format!("`{act}` was not answered in 10 s (`{done}`): {got}; {}", dump(c).await).into()),
    }
}

/// The median and the slowest of some [`in_page`] timings, each with what drawing the rows took of it, in
/// milliseconds.
fn spread(mut ms: Vec<(f64, f64)>) -> String {
    ms.sort_by(|a, b| a.0.total_cmp(&b.0));
    let ((median, drawn), (slowest, drawn_slowest)) = (ms[ms.len() / 2], ms[ms.len() - 1]);
    format!("{median:.0} ({drawn:.0} drawing rows) / {slowest:.0} ({drawn_slowest:.0}) ms")
}

/// Scrolls to the end and back, one key (the selection starts on row `row`), and the filter set and cleared,
/// `ROUNDS` times each in the page's clock ([`in_page`]), and as many idle frames: (scrolls, keys, filters,
/// filters cleared, idle frames).
async fn timed_in_page(c: &Client, total: u64, mut row: u64) -> R<[Vec<(f64, f64)>; 5]> {
    const ROUNDS: usize = 7;
    let mut out: [Vec<(f64, f64)>; 5] = Default::default();
    // What a frame costs with nothing to do: the floor of every figure here.
    for _ in 0..ROUNDS {
        out[4].push(in_page(c, "", "true").await?);
    }
    let selected = "Number(document.querySelector('[data-testid=finding].selected')?.dataset.index)";
    for _ in 0..ROUNDS {
        for (to, want) in [("document.documentElement.scrollHeight", total - 1), ("0", 0)] {
            out[0].push(in_page(c, &format!("window.scrollTo(0, {to})"), &format!("on({want})")).await?);
        }
        // One key moves the selection a row down (from the 401st, selected before), drawn and on screen even
        // when the page was scrolled away from it.
        row += 1;
        out[1].push(
            in_page(
                c,
                "document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }))",
                &format!("{selected} === {row} && on({row})"),
            )
            .await?,
        );
    }
    // The filter, as the box tells the app of a change: narrowed to a team, then the whole list again (after
    // the keys: a narrower list moves the selection into it).
    let count = "Number(document.querySelector('[data-testid=finding-count]').dataset.visible)";
    // A row of the new list on screen (looked up afresh at each frame: the list is drawn again).
    let shown = "[...document.querySelectorAll('[data-testid=finding]')].some(onScreen)";
    for _ in 0..ROUNDS {
        for (text, narrowed) in [("Team 1", true), ("", false)] {
            let act = format!(
                "const box = document.querySelector('[data-testid=filter-text]'); box.value = '{text}'; \
                 box.dispatchEvent(new Event('input'))"
            );
            let done = format!("({count} {} {total}) && {shown}", if narrowed { "<" } else { "===" });
            out[if narrowed { 2 } else { 3 }].push(in_page(c, &act, &done).await?);
        }
    }
    Ok(out)
}

pub async fn fleet(d: &Driver) -> R<()> {
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    write_fleet(dir.path())?;
    let written = t.elapsed();
    let opened = Instant::now();
    let c = d.app(&[dir.path().to_str().ok_or("path")?]).await?;
    c.set_window_size(1280, 800).await?;
    // A debug build reviews 10,000 series × 3 weeks in about a minute: wait for the overview longer than usual.
    loop {
        if js(&c, "return !!document.querySelector('[data-testid=finding]')").await? == json!(true) {
            break;
        }
        if opened.elapsed() > Duration::from_secs(600) {
            return Err(format!("the fleet's overview did not show in 10 minutes:\n{}", dump(&c).await).into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let review = opened.elapsed();
    let total = js(&c, "return Number(document.querySelector('[data-testid=finding-count]').dataset.visible)").await?.as_u64().unwrap_or(0);
    assert!(total > 3_000, "the fleet has thousands of findings: {total}");
    let first =
        js(&c, &format!("{DRAWN} return [rows.length, rows[0].dataset.index, rows[0].getAttribute('aria-setsize'), on(0)]")).await?;
    let first = first.as_array().cloned().unwrap_or_default();
    let drawn = first.first().and_then(|v| v.as_u64()).unwrap_or(u64::MAX);
    assert!((20..=MOST_ROWS).contains(&drawn), "the page holds the rows near the screen, not all {total}: {first:?}");
    assert_eq!(&first[1..], &[json!("0"), json!(total.to_string()), json!(true)], "the first finding, of {total}, on screen");
    let tall = js(&c, "return document.documentElement.scrollHeight").await?.as_f64().unwrap_or(0.0);
    assert!(tall > total as f64 * 30.0, "the page is as tall as the whole list ({tall} px for {total} rows)");
    shot(&c, "fleet").await?;

    // Scrolled to the end, to the middle and back to the top, the rows on screen are drawn.
    let mut scrolls = Vec::new();
    for (to, want) in [
        ("document.documentElement.scrollHeight", "i === n - 1"),
        ("document.documentElement.scrollHeight / 2", "i > n / 4 && i < 3 * n / 4"),
        ("0", "i === 0"),
    ] {
        let t = Instant::now();
        js(&c, &format!("window.scrollTo(0, {to}); return true")).await?;
        let seen = until(
            &c,
            &format!("the rows on screen after scrolling to {to}"),
            &format!(
                "{DRAWN} const n = {total}; const shown = rows.map(r => Number(r.dataset.index)).filter(on); \
                 return shown.some(i => {want}) ? [rows.length, shown[0], shown[shown.length - 1]] : null"
            ),
        )
        .await?;
        scrolls.push(t.elapsed());
        if to.ends_with("scrollHeight") {
            shot(&c, "fleet-end").await?;
        }
        assert!(seen[0].as_u64().is_some_and(|n| n <= MOST_ROWS), "still a bounded page after scrolling to {to}: {seen}");
    }
    shot(&c, "fleet-top-again").await?;

    // The selection moved 400 rows down by the keyboard is drawn, on screen, and alone selected.
    let t = Instant::now();
    let selected = js(
        &c,
        &format!(
            "for (let i = 0; i < 400; i++) document.body.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'j', bubbles: true }})); \
             {DRAWN} const sel = [...document.querySelectorAll('[data-testid=finding].selected')]; \
             return [sel.map(e => e.dataset.index), on(400), rows.length <= {MOST_ROWS}]"
        ),
    )
    .await?;
    let keys = t.elapsed();
    assert_eq!(selected, json!([["400"], true, true]), "the 401st finding is selected, shown and on screen");

    // The same, in the page's clock.
    let [scrolled, keyed, narrowed_in, cleared, idle] = timed_in_page(&c, total, 400).await?;

    // The filter narrows the list to one team, drawn near the screen again.
    let t = Instant::now();
    js(&c, "window.scrollTo(0, 0); return true").await?;
    type_into(&c, "[data-testid=filter-text]", "Team 1").await?;
    let narrowed = until(
        &c,
        "the filtered list",
        &format!(
            "const v = Number(document.querySelector('[data-testid=finding-count]').dataset.visible); \
             const rows = [...document.querySelectorAll('[data-testid=finding]')]; \
             return v < {total} / 5 && rows.length > 0 && rows.length <= Math.min(v, {MOST_ROWS}) && rows.every(r => r.dataset.team === 'Team 1') \
               && rows[0].getAttribute('aria-setsize') === String(v) ? v : null"
        ),
    )
    .await?;
    let filtered = t.elapsed();
    assert!(narrowed.as_u64().unwrap_or(0) > 100, "{narrowed}");
    let nodes = js(&c, "return document.getElementsByTagName('*').length").await?;
    let Memory { app, app_anon, webkit } = app_memory_mib();
    println!(
        "fleet: {SERIES} series × 3 weeks written in {written:?}, reviewed and shown in {review:?}; {total} findings, \
         {drawn} rows drawn, {nodes} elements in the page; scrolled to the end / middle / top {scrolls:?}; 400 × j {keys:?}; \
         filter {filtered:?}; app {app:.0} MiB ({app_anon:.0} MiB anonymous), WebKit {webkit:.0} MiB"
    );
    println!(
        "fleet, in the page's clock (median / slowest): scroll to the end or the top {}; one key {}; filter to a team {}; \
         filter cleared {}; a frame with nothing to do {}",
        spread(scrolled),
        spread(keyed),
        spread(narrowed_in),
        spread(cleared),
        spread(idle)
    );

    // The sensitivity slider a step up and back, in the page's clock: from the move to the new count on screen
    // (10,000 metrics re-flagged, the overview sent again, the list drawn).
    // At 1.25, once the room has read a moment, a verdict: the finding marked noise on its row (10,000 metrics'
    // findings marked again with it, the overview sent again).
    let mut steps = Vec::new();
    let mut verdict = 0.0;
    for to in ["1.25", "1"] {
        let (ms, n) = slider_step(&c, to, 25_000).await?;
        steps.push(format!("to {to}: {ms:.0} ms ({n} findings)"));
        if to == "1.25" {
            tokio::time::sleep(Duration::from_millis(2500)).await;
            verdict = noise_verdict(&c, 25_000).await?;
        }
    }
    let back = js(&c, "return Number(document.querySelector('[data-testid=finding-count]').textContent)").await?;
    assert_eq!(back, json!(total), "back at sensitivity 1, the findings it opened with");
    println!("fleet, the sensitivity slider in the page's clock: {}; a noise verdict at 1.25: {verdict:.0} ms", steps.join("; "));

    // A team of 1,000 metrics: its dashboard lists every widget at once and draws the charts near the screen,
    // the rest as it scrolls to them.
    let before = app_memory_mib();
    let t = Instant::now();
    click(&c, "[data-testid=team-chip][data-team='Team 1']").await?;
    wait_css(&c, "[data-testid=widget-chart]").await?;
    let shown = t.elapsed();
    let charts = "document.querySelectorAll('[data-testid=widget-chart]').length";
    let widgets = js(&c, "return document.querySelectorAll('[data-testid=widget]').length").await?;
    assert_eq!(widgets, json!(PER_TEAM), "every metric of the team has its widget");
    let early = until(
        &c,
        "the charts near the screen drawn",
        &format!("return document.querySelector('[data-testid=widget-later]') && {charts} >= 16 ? {charts} : null"),
    )
    .await?;
    assert!(early.as_u64().is_some_and(|n| n < 100), "only the charts near the screen are drawn at first: {early}");
    let last = "document.querySelector('[data-testid=widgets] > [data-testid=widget]:last-child')";
    let (to_end, _) = in_page(
        &c,
        "window.scrollTo(0, document.documentElement.scrollHeight)",
        &format!("!!{last}.querySelector('[data-testid=widget-chart]')"),
    )
    .await?;
    // Every widget on screen then gets its chart (those at the edge in the next ask).
    until(
        &c,
        "every chart on screen drawn",
        &format!(
            "{DRAWN} const imgs = [...document.querySelectorAll('[data-testid=widget-chart]')].filter(onScreen); \
             return [...document.querySelectorAll('[data-testid=widget-later]')].some(onScreen) \
               || !imgs.every(i => i.complete && i.naturalWidth > 0) ? null : true"
        ),
    )
    .await?;
    shot(&c, "fleet-team-end").await?;
    let drawn = js(&c, &format!("return {charts}")).await?;
    assert!(drawn.as_u64().is_some_and(|n| n < 250), "the charts scrolled past are not all drawn: {drawn}");
    let Memory { app, app_anon, webkit } = app_memory_mib();
    // At rest, the app gives back what its commands freed (the slider's re-flags, the overviews sent again).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rest = app_memory_mib();
    println!(
        "fleet, at rest 3 s after the dashboard: app {:.0} MiB ({:.0} MiB anonymous), WebKit {:.0} MiB",
        rest.app, rest.app_anon, rest.webkit
    );
    println!(
        "fleet, a team of {PER_TEAM} metrics: dashboard shown in {shown:?} with {early} charts drawn; scrolled to its end, its last chart \
         drawn in {to_end:.0} ms (page's clock), {drawn} charts drawn in all; app {app:.0} MiB ({app_anon:.0} MiB anonymous), WebKit {webkit:.0} MiB \
         (before the dashboard: app {:.0} MiB ({:.0} anonymous), WebKit {:.0} MiB)",
        before.app, before.app_anon, before.webkit
    );
    // The dashboard lists the team's 200 findings ranked highest beside the charts, and leads to all of them in
    // the Overview, filtered to the team.
    let side = js(
        &c,
        "return [document.querySelector('.team-findings h2').textContent, document.querySelectorAll('[data-testid=team-finding]').length, \
         document.querySelector('[data-testid=team-findings-all]')?.textContent]",
    )
    .await?;
    let of_team: u64 = side[0].as_str().and_then(|t| t.split(' ').next()).and_then(|n| n.parse().ok()).ok_or(format!("{side}"))?;
    assert!(of_team > 200, "the fleet's Team 1 has more findings than the dashboard lists: {side}");
    assert_eq!(side, json!([format!("{of_team} findings"), 200, format!("All {of_team} in the Overview")]));
    js(&c, "const side = document.querySelector('.team-findings'); side.scrollTop = side.scrollHeight; return true").await?;
    shot(&c, "fleet-team-side-end").await?;
    click(&c, "[data-testid=team-findings-all]").await?;
    let filtered = until(
        &c,
        "the Overview filtered to the team",
        "const n = document.querySelector('[data-testid=finding-count]'); const rows = [...document.querySelectorAll('[data-testid=finding]')]; \
         return n && rows.length && rows.every(r => r.dataset.team === 'Team 1') ? Number(n.dataset.visible) : null",
    )
    .await?;
    assert_eq!(filtered, json!(of_team), "every finding of the team, in the Overview");
    c.close().await?;
    Ok(())
}

/// The selected finding (without a verdict) marked noise with the `n` key, in the page's clock: from the key to the
/// mark on its row (ms).
async fn noise_verdict(c: &Client, limit_ms: u64) -> R<f64> {
    let got = c
        .execute_async(
            &format!(
                "const answer = arguments[arguments.length - 1]; \
                 const said = () => document.querySelector('.finding.selected [data-testid=verdict]')?.textContent ?? ''; \
                 if (!document.querySelector('.finding.selected') || said()) return answer(null); const t0 = performance.now(); \
                 document.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'n', bubbles: true }})); \
                 const check = () => said().startsWith('noise') ? answer(performance.now() - t0) \
                   : performance.now() - t0 > {limit_ms} ? answer(null) : requestAnimationFrame(check); \
                 requestAnimationFrame(check);"
            ),
            vec![],
        )
        .await?;
    got.as_f64().ok_or_else(|| format!("the noise verdict did not show on its row in {limit_ms} ms: {got}").into())
}
