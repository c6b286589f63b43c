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
    scenario!("broken_workspace", broken_workspace(&driver));
    scenario!("action_item_comes_back", action_item_comes_back(&driver));
    scenario!("live_updates", live_updates(&driver));
    scenario!("wheel", wheel(&driver));
    scenario!("verdicts", verdicts(&driver));
    scenario!("grafana_import", imports::grafana_import(&driver));
    scenario!("cloudwatch_import", imports::cloudwatch_import(&driver));
    scenario!("ticket_review", tickets::ticket_review(&driver));
    scenario!("meeting", meeting(&driver));
    scenario!("fleet", fleet::fleet(&driver));
    drop(driver);
    scenario!("dark_mode", dark_mode());
    scenario!("shared_journal_down_then_back", shared_journal_down_then_back());
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
    let (app, webkit) = app_memory_mib();
    println!("launch → ranked overview: {ready} ms; resident memory: app {app:.0} MiB + WebKit processes {webkit:.0} MiB");

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
    let title = wait_css(&c, "[data-testid=metric-title]").await?.text().await?;
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
    c.close().await?;
    Ok(())
}

/// A workspace that fails validation shows its messages with file and line; the sample then opens.
async fn broken_workspace(d: &Driver) -> R<()> {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("flywheel.toml"),
        "[workspace]\nname = \"Broken\"\ntimezone = \"Mars/Olympus\"\n\n[[team]]\nname = \"<img src=x onerror=alert(1)>\"\n",
    )?;
    let c = d.app(&[]).await?;
    c.set_window_size(1280, 800).await?;
    // The Open view says which version this is (the workspace Cargo.toml's) and where the sample is.
    let about = until(&c, "the About line", "const a = document.querySelector('[data-testid=about]'); return a && a.textContent").await?;
    let sample = std::fs::canonicalize(repo().join("data"))?;
    let about = about.as_str().unwrap_or_default();
    assert!(about.contains(&format!("Flywheel {} ", env!("CARGO_PKG_VERSION"))), "{about}");
    assert!(about.contains(&sample.display().to_string()), "{about}");
    type_into(&c, "[data-testid=path-input]", dir.path().to_str().ok_or("path")?).await?;
    click(&c, "[data-testid=open-path]").await?;
    let panel = wait_css(&c, "[data-testid=error]").await?;
    let text = panel.text().await?;
    assert!(text.contains("flywheel.toml:"), "the error names the file and line: {text}");
    assert!(text.contains("Mars/Olympus"), "{text}");
    shot(&c, "open-broken-workspace").await?;

    // A folder of exports without a flywheel.toml opens as its files: a one-series export with a spike on its
    // last Tuesday afternoon (15 days at 5 minutes from Monday 2026-11-02 UTC) and a file that cannot be read.
    let exports = tempfile::tempdir()?;
    let mut rows = vec!["time,value".to_string()];
    for i in 0..15 * 288 {
        let wave = 50.0 + 20.0 * (i as f64 / 288.0 * std::f64::consts::TAU).sin() + ((i * 7919) % 13) as f64 * 0.3;
        let spike = if (8 * 288 + 14 * 12..8 * 288 + 15 * 12).contains(&i) { 3.0 } else { 1.0 };
        rows.push(format!("{},{:.2}", 1_793_577_600 + i * 300, wave * spike));
    }
    std::fs::write(exports.path().join("latency.csv"), rows.join("\n"))?;
    std::fs::write(exports.path().join("broken.csv"), "time,value\n2026-11-09 00:00,fast\n")?;
    type_into(&c, "[data-testid=path-input]", exports.path().to_str().ok_or("path")?).await?;
    click(&c, "[data-testid=open-path]").await?;
    let first = until(
        &c,
        "the exports' findings",
        "const f = document.querySelector('[data-testid=finding]'); return f && [f.dataset.metric, f.dataset.kind]",
    )
    .await?;
    assert_eq!(first, json!(["latency", "seasonal_anomaly"]));
    let cards = texts(&c, "[data-testid=source-error]").await?;
    assert!(cards.iter().any(|t| t.contains("broken.csv") && t.contains("`fast` is not a number")), "{cards:?}");
    shot(&c, "open-exports-folder").await?;

    // The exports say nothing of their times' zone: read as UTC, the spike is on Tuesday at 14:00. Picked in
    // the header, Tokyo (UTC+9) reads it at 23:00, the same week, and the folder opens in Tokyo again.
    let picker =
        "const z = document.querySelector('[data-testid=zone]'); return !z.closest('[hidden]') && z.options.length > 300 && z.value";
    assert_eq!(until(&c, "the zone picker", picker).await?, json!("UTC"));
    let when = "const f = document.querySelector('[data-testid=finding] .when'); return f && f.textContent";
    let utc = until(&c, "the finding's time", when).await?;
    assert!(utc.as_str().is_some_and(|w| w.starts_with("Tue 14:")), "{utc}");
    js(
        &c,
        "const z = document.querySelector('[data-testid=zone]'); z.value = 'Asia/Tokyo'; z.dispatchEvent(new Event('change')); return true",
    )
    .await?;
    let tokyo = "const f = document.querySelector('[data-testid=finding] .when'); return f && f.textContent.startsWith('Tue 23:') && [f.textContent, document.querySelector('[data-testid=zone]').value, document.querySelector('[data-testid=ws-name]').textContent]";
    let read = until(&c, "the finding read in Tokyo", tokyo).await?;
    assert_eq!(read[1], json!("Asia/Tokyo"), "{read}");
    assert!(read[2].as_str().is_some_and(|t| t.contains("week 46")), "the same week: {read}");
    shot(&c, "open-exports-folder-tokyo").await?;
    click(&c, "[data-testid=nav-open]").await?;
    let recent =
        until(&c, "the recent list", "const l = [...document.querySelectorAll('.path')].map(p => p.textContent); return l.length && l")
            .await?;
    assert!(recent[0].as_str().is_some_and(|t| t.ends_with("times in Asia/Tokyo")), "{recent}");
    retype(&c, "[data-testid=path-input]", exports.path().to_str().ok_or("path")?).await?;
    click(&c, "[data-testid=open-path]").await?;
    let again = until(&c, "the folder opened again in Tokyo", tokyo).await?;
    assert_eq!(again[1], json!("Asia/Tokyo"), "{again}");
    // A workspace sets its own zone: no picker.
    click(&c, "[data-testid=nav-open]").await?;
    click(&c, "[data-testid=open-sample]").await?;
    wait_css(&c, "[data-testid=finding]").await?;
    until(&c, "the picker hidden", "return document.getElementById('zone-pick').hidden").await?;
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
    let first = wait_css(&c, "[data-testid=winner-name]").await?.text().await?;
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
    let title = wait_css(&c, "[data-testid=team-title]").await?.text().await?;
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
    let saved = wait_css(&c, "[data-testid=action-item] [data-testid=action-title]").await?.text().await?;
    assert_eq!(saved, title);
    shot(&c, "metric-action-item").await?;
    c.close().await?;

    // Restart: the overview opens with it.
    let c = d.sample().await?;
    let first = wait_css(&c, "[data-testid=previous-actions] [data-testid=action-item] [data-testid=action-title]").await?.text().await?;
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
    let saved = wait_css(&c, "[data-testid=range-pick] [data-testid=action-title]").await?.text().await?;
    assert!(saved.ends_with("check the retry storm"), "{saved}");
    shot(&c, "metric-annotated").await?;
    c.close().await?;
    Ok(())
}

/// Keys on the selected finding: `n` marks it noise (shown on its row with who said so), `e` asks why it
/// was expected and folds it into "Muted" at the end; both are kept for the next opening.
async fn verdicts(d: &Driver) -> R<()> {
    // The alarm breach was flagged in the two weeks before as well: it is recurring, 3 of 3 weeks.
    seed_earlier_weeks(d, "payments.api.p99", 2)?;
    let c = d.sample().await?;
    let badge = until(
        &c,
        "the recurring badge",
        "const b = document.querySelector('[data-testid=finding][data-metric=\"payments.api.p99\"] [data-testid=recurring]'); return b && [b.textContent, b.title]",
    )
    .await?;
    assert!(badge[0].as_str().unwrap_or("").contains("recurring · 3 of the last 3 weeks"), "{badge}");
    let others = js(&c, "return document.querySelectorAll('[data-testid=recurring]').length").await?;
    assert_eq!(others, json!(1), "only the metric flagged before is recurring");
    let count = "return Number(document.querySelector('[data-testid=finding-count]').textContent)";
    let before = js(&c, count).await?.as_u64().ok_or("count")?;
    let body = c.find(Locator::Css("body")).await?;
    body.send_keys("n").await?;
    let tag = until(
        &c,
        "the noise mark",
        "const v = document.querySelector('.finding.selected [data-testid=verdict]'); return v && v.textContent",
    )
    .await?;
    assert!(tag.as_str().unwrap_or("").starts_with("noise · "), "{tag}");
    assert_eq!(js(&c, count).await?.as_u64(), Some(before), "noise is said, not folded");

    c.find(Locator::Css("body")).await?.send_keys("j").await?;
    let metric = js(&c, "return document.querySelector('.finding.selected').dataset.metric").await?;
    c.find(Locator::Css("body")).await?.send_keys("e").await?;
    wait_css(&c, "[data-testid=verdict-form]").await?;
    js(&c, "document.querySelector('[data-testid=verdict-reason]').value = 'deploy'; return true").await?;
    type_into(&c, "[data-testid=verdict-note]", "v2.3 <b>rollout</b>").await?;
    click(&c, "[data-testid=verdict-save]").await?;
    let summary =
        until(&c, "the muted group", "const m = document.querySelector('[data-testid=muted] summary'); return m && m.textContent").await?;
    assert!(summary.as_str().unwrap_or("").starts_with("Muted (1)"), "{summary}");
    assert_eq!(js(&c, count).await?.as_u64(), Some(before - 1), "the expected finding left the ranked list");
    let rows = js(&c, "return [...document.querySelectorAll('[data-testid=finding]')].map(e => e.dataset.metric)").await?;
    let muted: Vec<String> = serde_json::from_value(
        js(&c, "return [...document.querySelectorAll('[data-testid=muted-finding]')].map(e => e.textContent)").await?,
    )?;
    assert!(muted.len() == 1 && muted[0].contains(metric.as_str().unwrap_or("?")), "{muted:?} / {metric}");
    assert!(muted[0].contains("deploy: v2.3 <b>rollout</b> (this occurrence), said by"), "the note stays text: {muted:?}");
    assert!(rows.as_array().is_some_and(|r| r.len() as u64 == before - 1), "{rows}");
    click(&c, "[data-testid=muted] summary").await?;
    js(&c, "document.querySelector('[data-testid=muted]').scrollIntoView({ block: 'center' }); return true").await?;
    shot(&c, "overview-verdicts").await?;
    // The noise report's small charts: a row per team and per kind, the dismissed share per week.
    let noise = until(
        &c,
        "the noise charts",
        "const n = document.querySelector('[data-testid=noise]'); if (!n) return null; n.open = true; n.scrollIntoView({ block: 'start' }); return [...n.querySelectorAll('[data-testid=noise-row]')].map(r => [r.dataset.group, r.textContent, r.querySelector('img').naturalWidth])",
    )
    .await?;
    let noise: Vec<(String, String, u64)> = serde_json::from_value(noise)?;
    assert!(noise.iter().any(|(g, label, _)| g == "team" && label == "Payments"), "{noise:?}");
    assert!(noise.iter().any(|(g, _, _)| g == "kind"), "{noise:?}");
    assert!(noise.iter().all(|(_, _, w)| *w >= 46), "each chart is drawn, a bar per week: {noise:?}");
    shot(&c, "overview-noise").await?;
    // One click shows it in place (by severity, marked), another folds it away again. (Clicked from a
    // script: the button sits at the end of a long page, where a pointer click may land on what scrolls
    // under it.)
    let toggle = "const b = document.querySelector('[data-testid=show-muted]'); if (b) b.click(); return !!b";
    until(&c, "the show-in-place button", toggle).await?;
    let in_place = until(&c, "the muted finding in place", "const m = document.querySelector('[data-testid=finding][data-muted=true]'); return m && [m.dataset.metric, document.querySelectorAll('[data-testid=finding]').length, m.querySelector('[data-testid=muted-mark]').textContent]").await?;
    assert_eq!(in_place[0], metric, "{in_place}");
    assert_eq!(in_place[1].as_u64(), Some(before), "{in_place}");
    assert!(in_place[2].as_str().unwrap_or("").starts_with("muted — deploy: v2.3"), "{in_place}");
    until(&c, "the fold-away button", toggle).await?;
    until(
        &c,
        "folded again",
        "const n = document.querySelector('[data-testid=finding-count]'); return !!n && !document.querySelector('[data-muted=true]') && document.querySelectorAll('[data-testid=finding]').length === Number(n.textContent)",
    )
    .await?;
    c.close().await?;

    // Reopened: what the room said is still there.
    let c = d.sample().await?;
    until(
        &c,
        "the muted group after a restart",
        "const m = document.querySelector('[data-testid=muted] summary'); return m && m.textContent.startsWith('Muted (1)')",
    )
    .await?;
    until(
        &c,
        "the noise mark after a restart",
        "const v = document.querySelector('[data-testid=verdict]'); return v && v.textContent.startsWith('noise')",
    )
    .await?;
    // The metric's detail lists what the room said about it.
    js(&c, "document.querySelector('[data-testid=verdict]').closest('[data-testid=finding]').click(); return true").await?;
    let said = until(
        &c,
        "the verdicts of the metric",
        "const s = [...document.querySelectorAll('[data-testid=said-verdict]')]; return s.length ? s.map(e => e.textContent) : null",
    )
    .await?;
    let said: Vec<String> = serde_json::from_value(said)?;
    assert!(said.len() == 1 && said[0].contains("noise") && said[0].starts_with("week of "), "{said:?}");
    until(&c, "the drawn chart", "const i = document.querySelector('[data-testid=detail-chart] img'); return document.body.dataset.view === 'metric' && !!i && i.complete && i.naturalWidth > 0").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    shot(&c, "metric-verdicts").await?;
    c.close().await?;
    Ok(())
}

/// A whole meeting in the real window: the action items, the wheel (spin, Present), the presenting
/// team's dashboard, two findings discussed (an action item and a note captured), one skipped,
/// presenter mode at 1920×1080 and 1280×720, and the minutes saying exactly that.
async fn meeting(d: &Driver) -> R<()> {
    let c = d.sample().await?;
    c.set_window_size(1280, 720).await?;
    let body = || async { c.find(Locator::Css("body")).await };
    body().await?.send_keys("m").await?;
    let title = wait_css(&c, "[data-testid=segment-title]").await?.text().await?;
    assert!(title.starts_with("Last week's action items"), "{title}");
    until(
        &c,
        "the segment clock",
        "const t = document.querySelector('[data-testid=segment-clock]').textContent; return /^\\d+:\\d\\d left$/.test(t) && t",
    )
    .await?;
    shot(&c, "meeting-1280x720").await?;

    // Next (a clicker's PageDown): the wheel. Spin, Present: the meeting records who presents.
    body().await?.send_keys(&char::from(Key::PageDown).to_string()).await?;
    wait_css(&c, "[data-testid=segment-body][data-kind=wheel] [data-testid=sector]").await?;
    js(&c, "const s = document.querySelector('[data-testid=spin-seconds]'); s.value = '1'; s.dispatchEvent(new Event('change')); s.blur(); return true").await?;
    body().await?.send_keys(" ").await?;
    until(&c, "the winner dialog", "return document.getElementById('winner').open").await?;
    let winner = wait_css(&c, "[data-testid=winner-name]").await?.text().await?;
    click(&c, "[data-testid=winner-present]").await?;
    let team = wait_css(&c, "[data-testid=presenting-team]").await?.text().await?;
    assert_eq!(team, winner, "the presenting team's dashboard follows the wheel");
    wait_css(&c, "[data-testid=segment-body][data-kind=presenter] [data-testid=widget] img").await?;
    // `a` on the team's dashboard: an action item for the presenting team.
    body().await?.send_keys("a").await?;
    type_into(&c, "[data-testid=action-form-title]", "Presenter follow-up").await?;
    click_js(&c, "[data-testid=action-form-save]").await?;
    wait_css(&c, "[data-testid=captured-action]").await?;
    js(&c, "document.activeElement && document.activeElement.blur(); return true").await?;

    // The top findings, one at a time: discussed with an action item and a note, skipped, discussed.
    body().await?.send_keys(&char::from(Key::PageDown).to_string()).await?;
    let first =
        until(&c, "the first finding", "const f = document.querySelector('[data-testid=meeting-finding]'); return f && f.dataset.metric")
            .await?;
    body().await?.send_keys("d").await?;
    until(
        &c,
        "the discussed mark",
        "const m = document.querySelector('[data-testid=meeting-mark]'); return m && m.textContent.startsWith('discussed')",
    )
    .await?;
    body().await?.send_keys("a").await?;
    retype(&c, "[data-testid=action-form-title]", "Cap the retry storm <b>now</b>").await?;
    click_js(&c, "[data-testid=action-form-save]").await?;
    wait_css(&c, "[data-testid=captured-action]").await?;
    js(&c, "document.activeElement && document.activeElement.blur(); return true").await?;
    body().await?.send_keys("n").await?;
    type_into(&c, "[data-testid=note-input]", "retry storm after deploy 4711").await?;
    click_js(&c, "[data-testid=note-save]").await?;
    until(&c, "the note", "const m = document.querySelector('[data-testid=meeting-mark]'); return m && m.textContent === 'discussed — retry storm after deploy 4711'").await?;
    body().await?.send_keys(&char::from(Key::Right).to_string()).await?;
    let second = until(
        &c,
        "the second finding",
        &format!(
            "const f = document.querySelector('[data-testid=meeting-finding]'); return f && f.dataset.metric !== {first} && f.dataset.id"
        ),
    )
    .await?;
    body().await?.send_keys("s").await?;
    until(
        &c,
        "the skipped mark",
        "const m = document.querySelector('[data-testid=meeting-mark]'); return m && m.textContent === 'skipped'",
    )
    .await?;
    // The room's verdict, said from the meeting: the same journal as the overview's keys.
    // (Clicked from a script: at 1280×720 the button sits at the bottom of the page, where a pointer click
    // may land on what scrolls over it.)
    let noise = "const b = document.querySelector('[data-testid=meeting-verdict-noise]'); if (b) b.click(); return !!b";
    until(&c, "the noise button", noise).await?;
    let said = until(&c, "the verdict said", "const s = document.querySelector('[data-testid=capture] [data-testid=meeting-verdict], [data-testid=capture] [data-testid=error]'); return s && s.textContent").await?;
    assert_eq!(said, json!("Marked noise."));
    body().await?.send_keys(&char::from(Key::Right).to_string()).await?;
    until(
        &c,
        "the third finding",
        &format!("const f = document.querySelector('[data-testid=meeting-finding]'); return f && f.dataset.id !== {second}"),
    )
    .await?;
    body().await?.send_keys("d").await?;
    until(
        &c,
        "the second discussed mark",
        "const m = document.querySelector('[data-testid=meeting-mark]'); return m && m.textContent === 'discussed'",
    )
    .await?;

    // Presenter mode: large type, one chart, readable at both sizes.
    body().await?.send_keys("p").await?;
    for (w, hgt) in [(1920, 1080), (1280, 720)] {
        c.set_window_size(w, hgt).await?;
        // The view is drawn again for the new size (after a quarter second).
        tokio::time::sleep(Duration::from_millis(700)).await;
        until(&c, "presenter mode", "const i = document.querySelector('[data-testid=meeting-chart] img'); return document.body.classList.contains('presenter') && !!i && i.complete && i.naturalWidth > 0").await?;
        let fits = js(&c, "const r = document.querySelector('[data-testid=meeting-chart] img').getBoundingClientRect(); return r.bottom <= window.innerHeight + 1 && document.querySelector('[data-testid=meeting-sentence]').getBoundingClientRect().bottom <= window.innerHeight").await?;
        assert_eq!(fits, json!(true), "the sentence and the chart fit the screen at {w}×{hgt}");
        let size = js(&c, "return parseFloat(getComputedStyle(document.querySelector('[data-testid=meeting-sentence]')).fontSize)").await?;
        assert!(size.as_f64().unwrap_or(0.0) >= 28.0, "the sentence is readable from the back of the room: {size}px");
        shot(&c, &format!("meeting-presenter-{w}x{hgt}")).await?;
    }
    body().await?.send_keys(&char::from(Key::Escape).to_string()).await?;
    until(&c, "presenter mode left", "return !document.body.classList.contains('presenter') && document.body.dataset.view === 'meeting'")
        .await?;

    // End: the minutes say exactly what happened.
    click(&c, "[data-testid=meeting-end]").await?;
    let minutes = wait_css(&c, "[data-testid=minutes]").await?.text().await?;
    shot(&c, "meeting-minutes").await?;
    assert!(minutes.contains(&format!("presenter: {winner}")), "{minutes}");
    assert!(minutes.contains("## Findings discussed (2)") && minutes.contains("## Findings skipped (1)"), "{minutes}");
    assert!(minutes.contains("— note: retry storm after deploy 4711"), "{minutes}");
    assert!(
        minutes.contains("## Action items raised (2)") && minutes.contains("Cap the retry storm &lt;b&gt;now&lt;/b&gt;"),
        "markup neutralised: {minutes}"
    );
    assert!(
        minutes.contains("| Presenter follow-up |") && minutes.contains(&format!("| open | {winner} |")),
        "raised for the presenting team: {minutes}"
    );
    for seg in [
        "| Last week's action items | 10 min | ",
        "| Spin the wheel | 3 min | ",
        "| Top findings across all teams | 15 min | ",
        "| Open floor and new practices | 7 min | not reached |",
    ] {
        assert!(minutes.contains(seg), "{seg} in {minutes}");
    }
    let paths = wait_css(&c, "[data-testid=minutes-paths]").await?.text().await?;
    let md = paths.trim_start_matches("Written to ").split(" and ").next().ok_or("the Markdown path")?;
    let file = std::fs::read_to_string(md)?;
    for line in minutes.lines().filter(|l| l.starts_with("## ") || l.starts_with("- ")) {
        assert!(file.contains(line), "the file says what the window shows: {line}");
    }
    let html = std::fs::read_to_string(paths.rsplit(" and ").next().ok_or("the HTML path")?)?;
    assert!(html.contains("<svg") && !html.contains("<b>now"), "the HTML minutes have the discussed charts, and text stays text");
    c.close().await?;
    Ok(())
}

/// Record `weeks` reviewed weeks before the sample's review week in the app's journal, in which
/// `metric` was flagged as it is this week (what earlier Mondays' reviews would have kept).
/// The sample workspace's journal, written by someone else (another laptop sharing it, or the CLI).
fn others_journal(d: &Driver, author: &str) -> R<flywheel::journal::Journal> {
    let ws = flywheel::config::Workspace::open(&repo().join("data"))?;
    let key = flywheel::paths::workspace_key(&ws.origin);
    let mut j = flywheel::journal::Journal::open(&d.data.path().join("journals").join(format!("{key}.sqlite")))?;
    j.author = author.into();
    Ok(j)
}

/// What others write shows without a reload: an action item raised elsewhere appears in the overview
/// with "updated by …" (the time it took is printed), an open edit form is not wiped by it, an edit made
/// on an item someone changed meanwhile is refused with who changed it, and a spin confirmed elsewhere
/// shows in the Wheel view.
async fn live_updates(d: &Driver) -> R<()> {
    let c = d.sample().await?;
    wait_css(&c, "[data-testid=previous-actions] [data-testid=action-item]").await?;
    let before = js(&c, "return document.querySelectorAll('[data-testid=previous-actions] [data-testid=action-item]').length").await?;
    // Let the first look happen, then write from elsewhere.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // A second client: the CLI (the app's own `--cli`), as another person at another desk.
    let t0 = Instant::now();
    let out = std::process::Command::new(app_binary())
        .args([
            "--cli",
            "actions",
            "add",
            repo().join("data").to_str().unwrap_or("data"),
            "--title",
            "raised in the meeting room",
            "--owner",
            "cy",
        ])
        .env("FLYWHEEL_DATA_DIR", d.data.path())
        .env("USER", "bo")
        .env("NO_COLOR", "1")
        .output()?;
    assert!(out.status.success(), "the CLI: {}", String::from_utf8_lossy(&out.stderr));
    let mut other = others_journal(d, "bo")?;
    let theirs = other
        .actions(&flywheel::journal::actions::Filter::default())?
        .into_iter()
        .find(|i| i.title == "raised in the meeting room")
        .ok_or("the CLI's item is in the journal")?;
    let draft = flywheel::journal::actions::Draft {
        title: theirs.title.clone(),
        owner: "cy".into(),
        week: theirs.week.clone(),
        ..Default::default()
    };
    until(&c, "the item raised elsewhere", "return [...document.querySelectorAll('[data-testid=previous-actions] [data-testid=action-title]')].some(t => t.textContent === 'raised in the meeting room')").await?;
    let shown = t0.elapsed();
    println!("live: an action item added by the CLI showed in the app {} ms after the CLI started", shown.as_millis());
    assert!(shown < Duration::from_millis(3000), "took {shown:?}");
    let mark = until(&c, "the mark", "const m = document.querySelector('[data-testid=live-mark]'); return m && !m.hidden && m.textContent")
        .await?;
    assert_eq!(mark, json!("updated by bo"));
    let after = js(&c, "return document.querySelectorAll('[data-testid=previous-actions] [data-testid=action-item]').length").await?;
    assert_eq!(after.as_u64(), before.as_u64().map(|n| n + 1));
    shot(&c, "live-updated-by").await?;

    // Edit it here while bo changes it there: the form stays (nothing typed is lost) and saving is refused.
    let card = format!("[data-testid=previous-actions] [data-testid=action-item][data-id='{}']", theirs.id);
    click(&c, &format!("{card} [data-testid=action-edit]")).await?;
    type_into(&c, "[data-testid=previous-actions] [data-testid=action-form-owner]", "dee").await?;
    other.edit_action(theirs.id, &flywheel::journal::actions::Draft { owner: "eve".into(), ..draft.clone() }, flywheel::time::now())?;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let kept =
        js(&c, "const o = document.querySelector('[data-testid=previous-actions] [data-testid=action-form-owner]'); return o && o.value")
            .await?;
    assert_eq!(kept, json!("dee"), "a refresh must not wipe a form being typed in");
    click(&c, "[data-testid=previous-actions] [data-testid=action-form-save]").await?;
    let refused = until(&c, "the refusal", "const f = document.querySelector('[data-testid=previous-actions] [data-testid=action-form] [role=status]'); return f && f.textContent").await?;
    let refused = refused.as_str().unwrap_or("");
    assert!(refused.contains("was changed by bo") && refused.contains("owner") && refused.contains("nothing was saved"), "{refused}");
    assert_eq!(other.action(theirs.id)?.map(|i| i.owner), Some("eve".to_string()), "bo's edit stands");
    shot(&c, "live-stale-edit").await?;

    // A spin confirmed on another laptop shows in the Wheel view.
    click(&c, "[data-testid=nav-wheel]").await?;
    wait_css(&c, "[data-testid=odds-row]").await?;
    let ws = flywheel::config::Workspace::open(&repo().join("data"))?;
    let mut host = flywheel::host::Host::with_journal(&ws, others_journal(d, "bo")?)?;
    let pick = host.spin(&[], &mut rand::rng())?;
    host.decide(&pick, flywheel::host::Decision::Present, &[], flywheel::time::now())?;
    let script = format!(
        "return [...document.querySelectorAll('[data-testid=history-row]')].some(r => r.dataset.team === {:?} && r.dataset.outcome === 'presented')",
        pick.winner
    );
    until(&c, "the spin confirmed elsewhere", &script).await?;
    shot(&c, "live-wheel").await?;
    c.close().await?;
    Ok(())
}

fn seed_earlier_weeks(d: &Driver, metric: &str, weeks: i64) -> R<()> {
    let r = flywheel::review::Review::open(&repo().join("data"), false, &flywheel::source::Quiet)?;
    let flagged: Vec<_> = r.findings.iter().filter(|f| f.metric == metric).cloned().collect();
    assert!(!flagged.is_empty(), "{metric} is flagged in the sample");
    let mut j = others_journal(d, "seed")?;
    for k in 1..=weeks {
        // Noon of the same weekday k weeks back: its local date whatever daylight saving did.
        let day = flywheel::time::local_date(&r.ctx.tz, r.ctx.review_start() - k * 7 * 86_400 + 12 * 3600);
        let then: Vec<_> = flagged
            .iter()
            .map(|f| {
                let mut f = f.clone();
                (f.start, f.end) = (f.start - k * 7 * 86_400, f.end - k * 7 * 86_400);
                f
            })
            .collect();
        j.record_week(&day.format("%Y-%m-%d").to_string(), &then, 0)?;
    }
    Ok(())
}
