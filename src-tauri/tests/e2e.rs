//! End to end: the real app window under Xvfb, driven over WebDriver (tauri-driver in front of
//! WebKitWebDriver) from this test. `scripts/test` installs Xvfb, webkit2gtk-driver and tauri-driver.
//!
//! One test runs the scenarios in order with one driver (each scenario starts the app afresh), so the
//! 2-core CI machine runs one app at a time. Screenshots go to `target/e2e/*.png`; the launch time and
//! memory are printed (run with `--nocapture` to see them). `E2E_ONLY=<scenario>` runs one scenario alone.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;

#[path = "common/resend.rs"]
mod resend;

#[path = "common/driver.rs"]
mod driver;

#[path = "../../tests/common/pg.rs"]
mod pg;
use driver::*;
#[path = "scenarios/fleet.rs"]
mod fleet;
#[path = "scenarios/imports.rs"]
mod imports;
#[path = "scenarios/meeting.rs"]
mod meeting;
#[path = "scenarios/open.rs"]
mod open;
#[path = "scenarios/room.rs"]
mod room;
#[path = "scenarios/tickets.rs"]
mod tickets;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_end_to_end() -> R<()> {
    // `E2E_ONLY=fleet` (a scenario's name) runs that one alone, for a developer's quicker turn.
    let only = std::env::var("E2E_ONLY").ok();
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let driver = Driver::start();
    macro_rules! scenario {
        ($name:literal, $call:expr) => {
            if run($name) {
                $call.await.map_err(|e| format!(concat!($name, ": {}"), e))?;
            }
        };
    }
    scenario!("sample_review", sample_review(&driver));
    scenario!("broken_workspace", open::broken_workspace(&driver));
    scenario!("action_item_comes_back", action_item_comes_back(&driver));
    scenario!("live_updates", room::live_updates(&driver));
    scenario!("wheel", wheel(&driver));
    scenario!("verdicts", room::verdicts(&driver));
    scenario!("verdict_at_another_sensitivity", room::verdict_at_another_sensitivity(&driver));
    scenario!("selection_through_filters", room::selection_through_filters(&driver));
    scenario!("grafana_import", imports::grafana_import(&driver));
    scenario!("cloudwatch_import", imports::cloudwatch_import(&driver));
    scenario!("ticket_review", tickets::ticket_review(&driver));
    scenario!("meeting", meeting::meeting(&driver));
    scenario!("fleet", fleet::fleet(&driver));
    drop(driver);
    scenario!("dark_mode", dark_mode());
    scenario!("shared_journal_down_then_back", shared_journal_down_then_back());
    scenario!("damaged_journal", open::damaged_journal());
    scenario!("slow_chart", slow_chart());
    Ok(())
}

/// Other lines tried on the open metric (the sample's canary success, lower is worse, alarm 93 %,
/// investigation 96 %): the chart and its findings come back with them, lines that cannot be are said beside
/// the form, and "Back to its own lines" returns to the metric as it is.
async fn try_lines(c: &Client) -> R<()> {
    const SET: &str = "const [a, i] = arguments; const f = document.querySelector('[data-testid=try-lines]'); \
        f.querySelector('[data-testid=try-alarm]').value = a; f.querySelector('[data-testid=try-investigation]').value = i; \
        f.requestSubmit(); return true";
    let chart = js(c, "return document.querySelector('[data-testid=detail-chart] img').src").await?;
    c.execute(SET, vec![json!("93"), json!("99.5")]).await?;
    let summary =
        until(c, "the trial's summary", "const t = document.querySelector('[data-testid=trial-summary]'); return t && t.textContent")
            .await?;
    let summary = summary.as_str().unwrap_or("").to_string();
    assert!(summary.contains("with these lines") && summary.contains("history week"), "{summary}");
    let n = js(c, "return document.querySelectorAll('[data-testid=trial-finding]').length").await?.as_u64().unwrap_or(0);
    assert!(n >= 2, "an investigation line inside the readings flags them: {summary}");
    assert!(summary.starts_with(&format!("{n} findings with these lines (1 with its own)")), "{summary}");
    let keep = js(c, "return document.querySelector('[data-testid=trial] code').textContent").await?;
    assert_eq!(keep, json!("alarm = 93, investigation = 99.5"));
    assert_ne!(js(c, "return document.querySelector('[data-testid=detail-chart] img').src").await?, chart, "the chart is drawn with them");
    shot(c, "metric-try-lines").await?;
    // An investigation line past the alarm line is refused by name; the metric is shown with its own lines.
    c.execute(SET, vec![json!("93"), json!("90")]).await?;
    let error =
        until(c, "the lines' error", "const e = document.querySelector('[data-testid=try-lines-error]'); return e && e.textContent")
            .await?;
    assert!(error.as_str().unwrap_or("").contains("investigation line 90 is below the alarm line 93"), "{error}");
    assert_eq!(js(c, "return document.querySelectorAll('[data-testid=trial]').length").await?, json!(0));
    // Back to its own lines.
    c.execute(SET, vec![json!("80"), json!("")]).await?;
    until(c, "a trial", "return document.querySelector('[data-testid=trial-summary]') !== null || null").await?;
    click(c, "[data-testid=try-lines-back]").await?;
    until(
        c,
        "its own lines",
        "return (document.querySelector('[data-testid=try-lines]') && !document.querySelector('[data-testid=trial]')) || null",
    )
    .await?;
    assert_eq!(js(c, "return document.querySelector('[data-testid=try-alarm]').value").await?, json!("93"));
    assert_eq!(js(c, "return document.querySelector('[data-testid=detail-chart] img').src").await?, chart);
    // A metric whose lines are too loose (the sample's identity auth p99: alarm 5000 ms) offers its proposal.
    c.execute("import('./shell.js').then(m => m.go('metric', { metric: 'identity.auth.p99' })); return true", vec![]).await?;
    let offer =
        until(c, "the proposal", "const b = document.querySelector('[data-testid=try-proposed]'); return b && b.textContent").await?;
    assert_eq!(offer, json!("Try the proposed lines (alarm 150 ms, investigation 130 ms)"));
    click(c, "[data-testid=try-proposed]").await?;
    let summary =
        until(c, "the proposal tried", "const t = document.querySelector('[data-testid=trial-summary]'); return t && t.textContent")
            .await?;
    assert!(summary.as_str().unwrap_or("").contains("with these lines"), "{summary}");
    let kinds = js(c, "return [...document.querySelectorAll('[data-testid=trial-finding] strong')].map(s => s.textContent)").await?;
    assert!(!kinds.as_array().is_some_and(|k| k.iter().any(|k| k == "line too loose")), "the proposal is not too loose: {kinds}");
    shot(c, "metric-proposed-lines").await?;
    Ok(())
}

/// A team whose dashboard takes 4 s to draw (debug builds honour `FLYWHEEL_TEST_SLOW_VIEW_MS`): the
/// busy indicator says what is running, the window keeps answering (scripts run, the journal answers
/// a call made meanwhile, Esc goes back), and the late answer does not pull the user back to the team.
async fn slow_chart() -> R<()> {
    let d = Driver::start_with(&[("FLYWHEEL_TEST_SLOW_VIEW_MS", "4000")]);
    let c = d.sample().await?;
    let opened = Instant::now();
    click(&c, "[data-testid=team-chip][data-team='Payments']").await?;
    let busy = until(&c, "the busy indicator", "const b = document.querySelector('[data-testid=busy]'); return !b.hidden && b.textContent")
        .await?;
    assert!(busy.as_str().unwrap_or("").contains("Drawing the team"), "{busy}");
    shot(&c, "slow-chart-busy").await?;

    // The journal answers while the chart is still being drawn.
    let t = Instant::now();
    let items = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI__.core.invoke('action_items', { filter: { live: true } }).then(a => done(a.length), e => done('error: ' + JSON.stringify(e)))",
            vec![],
        )
        .await?;
    let answered = t.elapsed();
    assert!(items.is_number(), "action items: {items}");
    let still_busy = js(&c, "return !document.querySelector('[data-testid=busy]').hidden").await?;
    assert_eq!(still_busy, json!(true), "the slow chart should still be running");
    assert!(answered < Duration::from_millis(1500), "the journal took {answered:?} while a chart was slow");

    // Esc goes back at once; the team's late answer is dropped.
    c.find(Locator::Css("body")).await?.send_keys(&char::from(Key::Escape).to_string()).await?;
    wait_css(&c, "[data-testid=findings]").await?;
    assert!(opened.elapsed() < Duration::from_millis(3500), "back to the overview only after {:?}", opened.elapsed());
    until(&c, "the slow call to end", "return document.querySelector('[data-testid=busy]').hidden").await?;
    let view = js(&c, "return [document.body.dataset.view, document.querySelectorAll('[data-testid=widget]').length]").await?;
    assert_eq!(view, json!(["overview", 0]), "the late team view must not replace the overview");

    // Waiting it out shows the dashboard, and the indicator goes away.
    click(&c, "[data-testid=team-chip][data-team='Payments']").await?;
    wait_css(&c, "[data-testid=widget-chart]").await?;
    let hidden = js(&c, "return document.querySelector('[data-testid=busy]').hidden").await?;
    assert_eq!(hidden, json!(true));
    c.close().await?;
    Ok(())
}

/// The shared journal's server is down when the app starts: the review opens all the same, the action
/// items and the header say the journal is unavailable with the server's address (no password); when the
/// server comes up, the app recovers by itself and shows what another client wrote there.
async fn shared_journal_down_then_back() -> R<()> {
    let port = driver::free_port();
    let url = format!("postgres://flywheel@127.0.0.1:{port}/ops?sslmode=disable");
    let d = Driver::start_with(&[("FLYWHEEL_JOURNAL_URL", url.as_str()), ("PGPASSWORD", pg::PASSWORD)]);
    let c = d.sample().await?;
    let said = until(
        &c,
        "the action items saying the journal is unavailable",
        "const b = document.querySelector('[data-testid=previous-actions]'); return b && !b.hidden && b.textContent.includes('unavailable') && b.textContent",
    )
    .await?;
    let said = said.as_str().unwrap_or("");
    assert!(said.contains(&format!("postgres://flywheel@127.0.0.1:{port}/ops")) && said.contains("cannot connect"), "{said}");
    let mark = until(
        &c,
        "the header's mark",
        "const m = document.querySelector('[data-testid=live-mark]'); return m && !m.hidden && [m.textContent, m.title]",
    )
    .await?;
    assert_eq!(mark[0], json!("Journal unavailable"), "{mark}");
    assert!(mark[1].as_str().unwrap_or("").contains("cannot connect"), "the reason on hover: {mark}");
    let page = js(&c, "return document.body.textContent").await?;
    assert!(!page.as_str().unwrap_or("").contains(pg::PASSWORD), "the password shows in the window");
    shot(&c, "shared-journal-down").await?;

    // The server comes up where the app looks; another client writes an item there.
    let server = pg::Pg::start_at(Some(port));
    std::env::set_var("FLYWHEEL_E2E_PG_PASSWORD", pg::PASSWORD);
    let ws = flywheel::config::Workspace::open(&repo().join("data"))?;
    let target = flywheel::journal::store::postgres::Target {
        url: url.clone(),
        workspace: ws.name.clone(),
        password_env: Some("FLYWHEEL_E2E_PG_PASSWORD".into()),
    };
    // The blocking client starts its own runtime: run it off this test's async threads.
    std::thread::spawn(move || -> Result<(), String> {
        let mut other = flywheel::journal::Journal::connect(&target).map_err(|e| e.to_string())?;
        other.author = "bo".into();
        let draft =
            flywheel::journal::actions::Draft { title: "written while you waited".into(), week: "2026-11-09".into(), ..Default::default() };
        other.add_action(&draft, flywheel::time::now()).map(|_| ()).map_err(|e| e.to_string())
    })
    .join()
    .map_err(|_| "the writing thread panicked")??;
    let t0 = Instant::now();
    until(&c, "the shared item after the server came back", "return [...document.querySelectorAll('[data-testid=previous-actions] [data-testid=action-title]')].some(t => t.textContent === 'written while you waited')").await?;
    println!("shared journal: the app recovered and showed the item {} ms after it was written", t0.elapsed().as_millis());
    let mark = js(&c, "const m = document.querySelector('[data-testid=live-mark]'); return m.hidden ? '' : m.textContent").await?;
    assert!(!mark.as_str().unwrap_or("").starts_with("Journal unavailable"), "the mark clears: {mark}");
    shot(&c, "shared-journal-back").await?;
    c.close().await?;
    drop(server);
    Ok(())
}

/// With a dark desktop theme the app is dark (and still readable: the screenshot is saved).
async fn dark_mode() -> R<()> {
    let d = Driver::start_with(&[("GTK_THEME", "Adwaita:dark")]);
    let c = d.sample().await?;
    let dark =
        js(&c, "return [matchMedia('(prefers-color-scheme: dark)').matches, getComputedStyle(document.body).backgroundColor]").await?;
    assert_eq!(dark[0], json!(true), "{dark}");
    assert_eq!(dark[1], json!("rgb(20, 23, 28)"), "the dark background: {dark}");
    shot(&c, "overview-dark").await?;
    c.close().await?;
    Ok(())
}

/// Opened on the sample at launch: the ranked overview, keyboard, metric detail, sensitivity, a team.
async fn sample_review(d: &Driver) -> R<()> {
    let c = d.sample().await?;
    let ready = until(&c, "the launch time", "return document.body.dataset.readyMs").await?;
    let Memory { app, app_anon, webkit } = app_memory_mib();
    println!(
        "launch → ranked overview: {ready} ms; resident memory: app {app:.0} MiB ({app_anon:.0} MiB anonymous) + WebKit processes {webkit:.0} MiB"
    );
    // Without a GPU (Xvfb here: no DRM render node) the app asks WebKit to paint with the CPU, which draws
    // the overview's frames several times faster than Mesa's software OpenGL (src-tauri/src/painting.rs).
    if std::env::var_os("WEBKIT_SKIA_ENABLE_CPU_RENDERING").is_none() && !has_render_node() {
        let painting = webkit_env("WEBKIT_SKIA_ENABLE_CPU_RENDERING");
        assert!(!painting.is_empty() && painting.iter().all(|v| v.as_deref() == Some("1")), "WebKit paints with the CPU: {painting:?}");
        // And the window's own process, which then draws nothing with OpenGL, keeps Mesa's software OpenGL and its
        // LLVM out (~50 MiB), while the web process it started has its OpenGL as usual: none of the variables the
        // app asked GTK and EGL under reached it.
        // (Under X11 only, as the app does it: the test's Xvfb, unless a Wayland display is handed down too.)
        if std::env::var_os("WAYLAND_DISPLAY").is_none_or(|w| w.is_empty()) {
            assert!(!app_maps("libLLVM") && !app_maps("_dri.so"), "the app process maps Mesa's OpenGL or its LLVM");
            for name in ["LIBGL_ALWAYS_INDIRECT", "__EGL_VENDOR_LIBRARY_FILENAMES"] {
                if std::env::var_os(name).is_none() {
                    assert!(webkit_env(name).iter().all(Option::is_none), "the web process was started with {name}");
                }
            }
        }
    }

    // The overview lists the sample's documented situations, the worst first.
    let rows =
        js(&c, "return [...document.querySelectorAll('[data-testid=finding]')].map(e => [e.dataset.metric, e.dataset.kind])").await?;
    let rows: Vec<(String, String)> = serde_json::from_value(rows)?;
    for s in flywheel::sample::SITUATIONS {
        assert!(
            rows.iter().any(|(m, k)| m == s.metric && k == s.kind.key()),
            "situation {} / {} missing from {rows:?}",
            s.metric,
            s.kind.key()
        );
    }
    assert_eq!(rows[0], ("payments.api.p99".to_string(), "alarm_breach".to_string()), "the alarm breach ranks first: {rows:?}");
    // The week is named as the room names it.
    assert_eq!(
        js(&c, "return document.querySelector('[data-testid=ws-name]').textContent").await?,
        json!("Sample shop · week 46 (from Mon, 9 Nov 2026)")
    );
    // ◀ reviews the week before (its own findings, against its own history); ▶ comes back, and goes no further
    // than the last complete week.
    const LATER_OFF: &str = "return document.querySelector('[data-testid=week-later]').disabled";
    let shown = |week: &str| {
        format!(
            "const t = document.querySelector('[data-testid=ws-name]').textContent; \
             return t.includes('{week}') && document.querySelector('[data-testid=finding]') && document.body.dataset.view === 'overview' && t"
        )
    };
    assert_eq!(js(&c, LATER_OFF).await?, json!(true));
    click(&c, "[data-testid=week-earlier]").await?;
    let earlier = until(&c, "the week before", &shown("week 45 ")).await?;
    assert_eq!(earlier, json!("Sample shop · week 45 (from Mon, 2 Nov 2026)"));
    assert_eq!(js(&c, LATER_OFF).await?, json!(false));
    shot(&c, "overview-week-before").await?;
    click(&c, "[data-testid=week-later]").await?;
    until(&c, "the week again", &shown("week 46 ")).await?;
    assert_eq!(js(&c, LATER_OFF).await?, json!(true), "the last complete week is the latest");
    let again =
        js(&c, "return [...document.querySelectorAll('[data-testid=finding]')].map(e => [e.dataset.metric, e.dataset.kind])").await?;
    assert_eq!(serde_json::from_value::<Vec<(String, String)>>(again)?, rows, "the same review as it opened with");
    // The sample's broken series is a source-error card; the rest of the review is there.
    let cards = texts(&c, "[data-testid=source-error]").await?;
    assert!(cards.iter().any(|t| t.contains("metrics.parquet")), "source error card names the file: {cards:?}");
    shot(&c, "overview-1280x800").await?;

    // The UI formats numbers (the hover read-out) by the core's rule: the same text for every value.
    let values = [
        0.0, 1.0, -1.0, 0.5, 2.345, 123.456, 999.9, 1234.5, 9999.0, 10_000.0, 12_345.0, 12_250.0, -12_345.0, 999_999.0, 1e7, 1.23456e9,
        -3.3e8, 0.001234, 0.0000123, 45.678, 100.04, -2.5, 0.125, 99.95,
    ];
    for unit in ["", "%", "ms"] {
        let ui = c
            .execute_async(
                "const [vs, unit, done] = arguments; import('./dom.js').then(m => done(vs.map(v => m.fmt(v, unit))), e => done(String(e)))",
                vec![json!(values), json!(unit)],
            )
            .await?;
        let core: Vec<String> = values.iter().map(|&v| flywheel::text::value(v, unit)).collect();
        assert_eq!(ui, json!(core), "ui/dom.js fmt and text::value disagree (unit `{unit}`)");
    }

    // Keyboard: j moves down, Enter opens the metric, the hover read-out works, Esc goes back.
    let body = c.find(Locator::Css("body")).await?;
    body.send_keys("j").await?;
    let second = js(&c, "return document.querySelector('.finding.selected').dataset.metric").await?;
    assert_eq!(second, json!(rows[1].0));
    body.send_keys(&char::from(Key::Enter).to_string()).await?;
    wait_css(&c, "[data-testid=detail-chart] img").await?;
    let title = text_of(&c, "[data-testid=metric-title]").await?;
    assert!(!title.is_empty());
    hover(&c, ".chart-stage", 60.0, 0.0).await?;
    let readout = until(
        &c,
        "the hover read-out",
        "const r = document.querySelector('[data-testid=readout]'); return r && !r.hidden && r.textContent",
    )
    .await?;
    for word in ["value", "expected", "band", "to alarm", "to investigation"] {
        assert!(readout.as_str().unwrap_or("").contains(word), "read-out lacks {word}: {readout}");
    }
    // Each finding's card lists its evidence, which comes with the metric's detail (not with the overview).
    let numbers = js(
        &c,
        "return [...document.querySelectorAll('[data-testid=evidence]')].map(e => e.querySelectorAll('[data-testid=evidence-numbers] dt').length)",
    )
    .await?;
    let numbers: Vec<u64> = numbers.as_array().ok_or("evidence cards")?.iter().filter_map(|n| n.as_u64()).collect();
    assert!(!numbers.is_empty() && numbers.iter().all(|&n| n > 0), "evidence listed per card: {numbers:?}");
    // It reads as the room says it: labels in words, times in the workspace's zone, no raw keys or floats.
    let rows = js(&c, "return [...document.querySelectorAll('[data-testid=evidence-numbers] dt')].map(t => t.textContent + ': ' + t.nextElementSibling.textContent)").await?;
    let rows: Vec<&str> = rows.as_array().ok_or("evidence rows")?.iter().filter_map(|r| r.as_str()).collect();
    let raw = |r: &&str| {
        r.contains('_')
            || r.contains("T1")
            || r.contains("T0")
            || r.split(|c: char| !c.is_ascii_digit() && c != '.').any(|n| n.split('.').nth(1).is_some_and(|d| d.len() > 3))
    };
    assert!(!rows.iter().any(raw), "evidence written raw: {rows:?}");
    println!("evidence rows: {rows:?}");
    shot(&c, "metric-detail").await?;
    try_lines(&c).await?;
    c.find(Locator::Css("body")).await?.send_keys(&char::from(Key::Escape).to_string()).await?;
    wait_css(&c, "[data-testid=findings]").await?;

    // Sensitivity re-flags without refitting and the count changes; the metrics that failed to load are
    // still listed (the re-flag's overview comes without the metrics: the window keeps the ones it has).
    let before: usize =
        js(&c, "return Number(document.querySelector('[data-testid=finding-count]').textContent)").await?.as_u64().ok_or("count")? as usize;
    const FAILED: &str = "return [...document.querySelectorAll('[data-testid=source-error]')].map(e => e.textContent)";
    let failed = js(&c, FAILED).await?;
    js(&c, "const s = document.getElementById('sens'); s.value = '3'; s.dispatchEvent(new Event('input')); return true").await?;
    let note = until(&c, "the sensitivity note", "return document.querySelector('[data-testid=sensitivity-note]').textContent").await?;
    let after: usize =
        js(&c, "return Number(document.querySelector('[data-testid=finding-count]').textContent)").await?.as_u64().ok_or("count")? as usize;
    assert!(after > before, "sensitivity 3 should flag more than 1: {before} → {after}");
    assert!(note.as_str().unwrap_or("").contains(&format!("was {before}")), "{note}");
    assert!(failed.as_array().is_some_and(|f| !f.is_empty()), "the sample's broken series is listed: {failed}");
    assert_eq!(js(&c, FAILED).await?, failed, "the same failed metrics after re-flagging");
    shot(&c, "overview-sensitivity-3").await?;

    // A drag sends many values at once: only the last one is asked for after the re-flag in flight, and what shows
    // is its answer, under its value, announced with it (as when 2.25 is asked for alone).
    const COUNT: &str = "Number(document.querySelector('[data-testid=finding-count]').textContent)";
    const SET: &str =
        "const s = document.getElementById('sens'); for (const v of arguments[0]) { s.value = v; s.dispatchEvent(new Event('input')); }";
    let settled = |want: &'static str| {
        format!("const l = document.getElementById('live').textContent; return l.endsWith('at sensitivity {want}') ? [{COUNT}, l] : null")
    };
    c.execute(&format!("{SET} return true"), vec![json!(["2.75", "2.5", "2", "1.5", "2.25"])]).await?;
    let dragged = until(&c, "the drag's last value announced", &settled("2.25")).await?;
    c.execute(&format!("{SET} return true"), vec![json!(["3"])]).await?;
    until(&c, "sensitivity 3 announced", &settled("3")).await?;
    c.execute(&format!("{SET} return true"), vec![json!(["2.25"])]).await?;
    let alone = until(&c, "2.25 alone announced", &settled("2.25")).await?;
    assert_eq!(dragged, alone, "the drag shows the last value's findings");
    assert_eq!(js(&c, "return document.getElementById('sens-value').textContent").await?, json!("2.25×"));
    // One step, in the page's clock: from the slider's move to its count on screen (the re-flag is asked at once).
    let (step, _) = slider_step(&c, "1", 10_000).await?;
    println!("sensitivity 2.25 → 1, from the slider's move to the new count on screen: {step:.0} ms (page's clock)");

    // A team dashboard: every chart shows both lines (drawn, or named at the edge when far off).
    c.set_window_size(1920, 1080).await?;
    click(&c, "[data-testid=team-chip][data-team='Payments']").await?;
    wait_css(&c, "[data-testid=widget-chart]").await?;
    let charts = js(
        &c,
        "return [...document.querySelectorAll('[data-testid=widget]')].map(w => { const i = w.querySelector('img'); return [w.dataset.metric, i ? decodeURIComponent(i.src) : null]; })",
    )
    .await?;
    let charts: Vec<(String, Option<String>)> = serde_json::from_value(charts)?;
    assert!(charts.len() >= 2, "{charts:?}");
    for (metric, svg) in &charts {
        if metric == "payments.billing.export_lag" {
            assert!(svg.is_none(), "the broken series shows an error card, not a chart");
            continue;
        }
        let svg = svg.as_deref().ok_or(format!("{metric} has no chart"))?;
        let labels = svg_texts(svg);
        let drawn_or_named = |name: &str, colour: &str| {
            labels.iter().any(|t| t.starts_with(&format!("{name} ")))
                && (svg.contains(&format!("stroke=\"{colour}\"")) || labels.iter().any(|t| t.contains("off chart")))
        };
        assert!(drawn_or_named("alarm", "#DC2626"), "{metric}: no alarm line in {labels:?}");
        assert!(drawn_or_named("investigation", "#D97706"), "{metric}: no investigation line in {labels:?}");
    }
    // A team's few findings are all listed beside its charts.
    let listed = js(
        &c,
        "return [parseInt(document.querySelector('.team-findings h2').textContent), document.querySelectorAll('[data-testid=team-finding]').length, \
         !!document.querySelector('[data-testid=team-findings-more]')]",
    )
    .await?;
    assert!(listed[0].as_u64().is_some_and(|n| n > 0) && listed[0] == listed[1] && listed[2] == json!(false), "{listed}");
    // Clicking a finding scrolls to and highlights its chart.
    click(&c, "[data-testid=team-finding][data-metric='payments.api.p99']").await?;
    until(&c, "the highlighted chart", "return document.querySelector('.widget.highlight')?.dataset.metric").await?;
    shot(&c, "team-1920x1080").await?;
    // At the default size and the minimum, the findings column wraps its sentences: nothing is cut at
    // the right edge and no horizontal scrollbar appears (regression: cut at 1280×800).
    for (w, h) in [(1280, 800), (960, 600)] {
        c.set_window_size(w, h).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let overflow = js(
            &c,
            "const side = document.querySelector('.team-findings'); \
             const cut = [...document.querySelectorAll('[data-testid=team-finding]')].filter(b => b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().right > side.getBoundingClientRect().right + 1).length; \
             return [side.scrollWidth - side.clientWidth, document.documentElement.scrollWidth - window.innerWidth, cut];",
        )
        .await?;
        assert_eq!(overflow, json!([0, 0, 0]), "{w}×{h}: horizontal overflow of the findings column, the page, and cut findings");
        shot(&c, &format!("team-{w}x{h}")).await?;
    }
    // After all that use, at rest: the app gives back what its commands freed once it is idle (printed, not
    // asserted: a debug build on a shared machine).
    let Memory { app: used, app_anon: used_anon, .. } = app_memory_mib();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let Memory { app, app_anon, .. } = app_memory_mib();
    println!(
        "the sample after use: app {used:.0} MiB ({used_anon:.0} MiB anonymous); 3 s later, at rest, {app:.0} MiB ({app_anon:.0} MiB anonymous)"
    );
    c.close().await?;
    Ok(())
}

/// Space spins; the sector under the pointer is the winner in the dialog and in the history; Present
/// opens the team's dashboard.
async fn wheel(d: &Driver) -> R<()> {
    let c = d.sample().await?;
    click(&c, "[data-testid=nav-wheel]").await?;
    wait_css(&c, "[data-testid=sector]").await?;
    js(&c, "const s = document.querySelector('[data-testid=spin-seconds]'); s.value = '2'; s.dispatchEvent(new Event('change')); s.blur(); return true").await?;
    shot(&c, "wheel").await?;
    c.find(Locator::Css("body")).await?.send_keys(" ").await?;
    until(&c, "the winner dialog", "return document.getElementById('winner').open").await?;
    let first = text_of(&c, "[data-testid=winner-name]").await?;
    assert_eq!(under_pointer(&c).await?, json!(first), "the pointer stopped on another sector than the winner");
    // Absent: the wheel spins again without that team.
    click(&c, "[data-testid=winner-absent]").await?;
    let again = format!("const d = document.getElementById('winner'); const n = document.getElementById('winner-name').textContent; return d.open && n !== {} && n", json!(first));
    let winner = until(&c, "the re-spin", &again).await?.as_str().ok_or("name")?.to_string();
    assert_eq!(under_pointer(&c).await?, json!(winner), "the pointer stopped on another sector than the winner of the re-spin");
    // The live region is cleared, then filled a moment later (so a repeated text is announced again).
    let announced = format!("return document.querySelector('[data-testid=live]').textContent.includes({})", json!(winner));
    until(&c, "the aria-live announcement of the winner", &announced).await?;
    shot(&c, "wheel-winner").await?;
    click(&c, "[data-testid=winner-present]").await?;
    let title = text_of(&c, "[data-testid=team-title]").await?;
    assert_eq!(title, winner, "Present opens the winner's dashboard");
    click(&c, "[data-testid=nav-wheel]").await?;
    let row = until(
        &c,
        "the history row",
        "const r = document.querySelector('[data-testid=history-row]'); return r && [r.dataset.team, r.dataset.outcome]",
    )
    .await?;
    assert_eq!(row, json!([winner, "presented"]));
    let odds: Vec<(String, String)> = serde_json::from_value(
        js(&c, "return [...document.querySelectorAll('[data-testid=odds-row]')].map(r => [r.dataset.team, r.children[1].textContent])")
            .await?,
    )?;
    let pct = |t: &str| t.trim_end_matches('%').parse::<f64>().unwrap_or(f64::NAN);
    let mine = odds.iter().find(|(t, _)| *t == winner).map(|(_, p)| pct(p)).ok_or("the winner's row")?;
    assert!(mine > 0.0 && mine < 1.0, "the presenter goes to the back of the queue, never out: {odds:?}");
    assert!(odds.iter().all(|(t, p)| *t == winner || pct(p) > 10.0 * mine), "{odds:?}");
    c.close().await?;
    Ok(())
}

/// An action item raised on a finding is at the top of the overview after a restart; its text (with
/// markup in it) stays text.
async fn action_item_comes_back(d: &Driver) -> R<()> {
    let title = "Lower the p99 alarm line <img src=x onerror=\"window.__pwned=1\">";
    let c = d.sample().await?;
    click(&c, "[data-testid=finding]").await?;
    click(&c, "[data-testid=raise-action]").await?;
    retype(&c, "[data-testid=action-form-title]", title).await?;
    type_into(&c, "[data-testid=action-form-owner]", "ana").await?;
    click(&c, "[data-testid=action-form-save]").await?;
    let saved = text_of(&c, "[data-testid=action-item] [data-testid=action-title]").await?;
    assert_eq!(saved, title);
    shot(&c, "metric-action-item").await?;
    c.close().await?;

    // Restart: the overview opens with it.
    let c = d.sample().await?;
    let first = text_of(&c, "[data-testid=previous-actions] [data-testid=action-item] [data-testid=action-title]").await?;
    assert_eq!(first, title, "the action item is the first thing of the next review");
    let injected = js(&c, "return [document.querySelectorAll('[data-testid=previous-actions] [data-testid=action-title] img').length, window.__pwned === undefined]").await?;
    assert_eq!(injected, json!([0, true]), "markup in a title must stay text");
    wait_css(&c, "[data-testid=previous-actions] .action-chart img").await?;
    shot(&c, "overview-previous-actions").await?;

    // Edit it: a new owner and due date, and the card says so.
    click(&c, "[data-testid=previous-actions] [data-testid=action-edit]").await?;
    retype(&c, "[data-testid=previous-actions] [data-testid=action-form-owner]", "bo").await?;
    js(&c, "const d = document.querySelector('[data-testid=previous-actions] [data-testid=action-form-due]'); d.value = '2020-01-06'; return true").await?;
    click(&c, "[data-testid=previous-actions] [data-testid=action-form-save]").await?;
    let edited = until(&c, "the edited card", "const o = document.querySelector('[data-testid=previous-actions] [data-testid=action-owner]'); return o && o.textContent === 'bo' && o.closest('article').textContent").await?;
    assert!(edited.as_str().unwrap_or("").contains("overdue"), "due in 2020 is overdue: {edited}");

    // Filters: by owner, by status, overdue only.
    let set = |sel: &'static str, value: &'static str| {
        format!("const e = document.querySelector('{sel}'); e.value = {value:?}; e.dispatchEvent(new Event('change')); return true")
    };
    js(&c, &set("[data-testid=action-filter-owner]", "nobody")).await?;
    action_count_is(&c, 0, "no item for nobody").await?;
    js(&c, &set("[data-testid=action-filter-owner]", "bo")).await?;
    action_count_is(&c, 1, "bo's item").await?;
    js(&c, &set("[data-testid=action-filter-status]", "done")).await?;
    action_count_is(&c, 0, "no done item").await?;
    js(&c, &set("[data-testid=action-filter-status]", "live")).await?;
    js(&c, "const e = document.querySelector('[data-testid=action-filter-overdue]'); e.checked = true; e.dispatchEvent(new Event('change')); return true").await?;
    action_count_is(&c, 1, "the overdue item").await?;
    shot(&c, "overview-action-filters").await?;

    // Drag across a chart: annotate the range; the note is drawn on the chart and listed beside it.
    let note = "Deploy 4711 <b>rolled back</b>";
    click(&c, "[data-testid=finding]").await?;
    drag(&c, ".chart-stage", -220.0, -60.0).await?;
    type_into(&c, "[data-testid=annotation-note-input]", note).await?;
    click(&c, "[data-testid=annotation-save]").await?;
    let listed = until(
        &c,
        "the note beside the chart",
        "const n = document.querySelector('[data-testid=annotation-note]'); return n && n.textContent",
    )
    .await?;
    assert_eq!(listed, json!(note), "the note is listed as text");
    let svg = js(&c, "return decodeURIComponent(document.querySelector('[data-testid=detail-chart] img').src.split(',')[1])").await?;
    let svg = svg.as_str().unwrap_or("");
    assert!(svg_texts(svg).iter().any(|t| t.contains("Deploy 4711")), "the chart draws the note's label");
    assert!(!svg.contains("<b>rolled"), "markup in a note is escaped in the chart");

    // Drag again and raise an action item on that range.
    drag(&c, ".chart-stage", 40.0, 160.0).await?;
    click(&c, "[data-testid=range-action]").await?;
    type_into(&c, "[data-testid=range-pick] [data-testid=action-form-title]", "check the retry storm").await?;
    click(&c, "[data-testid=range-pick] [data-testid=action-form-save]").await?;
    let saved = text_of(&c, "[data-testid=range-pick] [data-testid=action-title]").await?;
    assert!(saved.ends_with("check the retry storm"), "{saved}");
    shot(&c, "metric-annotated").await?;
    c.close().await?;
    Ok(())
}
