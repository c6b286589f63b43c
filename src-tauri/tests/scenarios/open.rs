//! Opening what is not a workspace yet: a workspace that fails validation (its messages with file and line),
//! a folder of exports without a flywheel.toml (its files reviewed, a file that cannot be read a source
//! error, their zone picked in the header and remembered), then the sample again; and the sample with its
//! journal damaged on disk.

use serde_json::json;

use super::driver::*;

/// A workspace that fails validation shows its messages with file and line; the sample then opens.
pub async fn broken_workspace(d: &Driver) -> R<()> {
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
    let text = text_of(&c, "[data-testid=error]").await?;
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

    // The exports say nothing of their times' zone: read as UTC, the spike is on Tuesday at 14:00. Picked in
    // the header, Tokyo (UTC+9) reads it at 23:00, the same week, and the folder opens in Tokyo again.
    let picker =
        "const z = document.querySelector('[data-testid=zone]'); return !z.closest('[hidden]') && z.list.options.length > 300 && z.value";
    assert_eq!(until(&c, "the zone picker", picker).await?, json!("UTC"));
    // Once the picker holds its zones (filled after the overview shows), so that the picture shows "UTC".
    shot(&c, "open-exports-folder").await?;
    let when = "const f = document.querySelector('[data-testid=finding] .when'); return f && f.textContent";
    let utc = until(&c, "the finding's time", when).await?;
    assert!(utc.as_str().is_some_and(|w| w.starts_with("Tue 14:")), "{utc}");
    // Typed, not picked from 400 names: a name that is no zone is said and changes nothing; part of a
    // place's name finds its zone.
    const TYPE: &str = "const z = document.querySelector('[data-testid=zone]'); z.value = arguments[0]; z.dispatchEvent(new Event('change')); return [z.getAttribute('aria-invalid'), document.querySelector('[data-testid=zone-note]').textContent]";
    let said = c.execute(TYPE, vec![json!("Mars/Olympus")]).await?;
    assert_eq!(said[0], json!("true"), "{said}");
    assert!(said[1].as_str().is_some_and(|t| t.contains("No time zone is named “Mars/Olympus”")), "{said}");
    shot(&c, "open-exports-zone-unknown").await?;
    let when_now = until(&c, "the finding's time", when).await?;
    assert_eq!(when_now, utc, "an unknown zone reads nothing again");
    let said = c.execute(TYPE, vec![json!("tokyo")]).await?;
    assert_eq!(said[0], json!("false"), "{said}");
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

/// The sample's journal on this machine was damaged on disk (every page past the first overwritten) after a
/// copy of it was made: the review opens all the same, and the action items say the file is damaged and
/// which copy `flywheel journal restore` puts back.
pub async fn damaged_journal() -> R<()> {
    let d = Driver::start();
    let ws = flywheel::config::Workspace::open(&repo().join("data"))?;
    let file = d.data.path().join("journals").join(format!("{}.sqlite", flywheel::paths::workspace_key(&ws.key_path())));
    let mut j = flywheel::journal::Journal::open(&file)?;
    for n in 0..40 {
        let draft = flywheel::journal::actions::Draft {
            title: format!("item {n}"),
            details: "x".repeat(400),
            week: "2026-11-09".into(),
            ..Default::default()
        };
        j.add_action(&draft, flywheel::time::now())?;
    }
    j.back_up(&flywheel::journal::actions::today())?;
    let made = j.backups().first().map(|b| b.made.clone()).ok_or("no copy made")?;
    drop(j);
    let mut bytes = std::fs::read(&file)?;
    bytes[4096..].iter_mut().for_each(|b| *b = 0x5a);
    std::fs::write(&file, &bytes)?;

    let c = d.sample().await?;
    c.set_window_size(1280, 800).await?;
    let said = until(
        &c,
        "the action items saying the journal is damaged",
        "const b = document.querySelector('[data-testid=previous-actions]'); return b && !b.hidden && b.textContent.includes('damaged') && b.textContent",
    )
    .await?;
    let said = said.as_str().unwrap_or_default();
    assert!(said.contains(&format!("`flywheel journal restore`, run with Flywheel closed, puts back its copy of {made}")), "{said}");
    let rows = js(&c, "return document.querySelectorAll('[data-testid=finding]').length").await?;
    assert!(rows.as_u64().unwrap_or(0) >= 10, "the review is shown all the same: {rows}");
    shot(&c, "damaged-journal").await?;
    c.close().await?;
    Ok(())
}
