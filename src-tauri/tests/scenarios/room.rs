//! What the room writes, shared by everyone in the meeting: verdicts on findings (and what they fold away),
//! and what others write showing without a reload.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;

use super::driver::*;

/// Keys on the selected finding: `n` marks it noise (shown on its row with who said so), `e` asks why it
/// was expected and folds it into "Muted" at the end; both are kept for the next opening.
pub async fn verdicts(d: &Driver) -> R<()> {
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
    mark_selected_noise(&c).await?;
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
    // The selection stays where the room was in the list: on the finding that took the muted one's place.
    let selected = js(
        &c,
        "const rows = [...document.querySelectorAll('[data-testid=finding]')]; const s = document.querySelector('.finding.selected'); \
         return [rows.indexOf(s), !!s.querySelector('[data-testid=verdict]')]",
    )
    .await?;
    assert_eq!(selected, json!([1, false]), "the second row, not the first (marked noise)");
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

/// A finding only a higher sensitivity than the workspace's shows takes a verdict like any other. The journal keeps
/// the week at the workspace's sensitivity, so it does not hold such a finding: the app gives the verdict on the
/// finding as its review shows it (it was refused: "no reviewed week has a finding …").
pub async fn verdict_at_another_sensitivity(d: &Driver) -> R<()> {
    use flywheel::review::{RangeSpec, Review};
    let ws = flywheel::config::Workspace::open(&repo().join("data"))?;
    let at = |sensitivity: f64| {
        Review::run(ws.clone(), RangeSpec::LastCompleteWeek, flywheel::analysis::Params { sensitivity }, &flywheel::source::Quiet)
    };
    let kept = at(ws.sensitivity)?;
    let flagged: std::collections::BTreeSet<&str> = kept.findings.iter().map(|f| f.metric.as_str()).collect();
    let higher = at(2.0)?;
    // Of a metric the workspace's sensitivity flags nothing on: the window was sent its sparkline with the
    // workspace, not with the step to 2.
    let only = higher
        .findings
        .iter()
        .filter(|f| !flagged.contains(f.metric.as_str()) && f.kind != flywheel::finding::Kind::SourceError)
        .find(|f| higher.findings.iter().filter(|g| g.sentence == f.sentence).count() == 1)
        .ok_or("a finding only sensitivity 2 shows, of a metric 1 flags nothing on")?;
    let c = d.sample().await?;
    // The selected finding (the first, on screen) stays selected at 2, on screen, wherever it ranks there.
    let selected = "const s = document.querySelector('.finding.selected'); const b = s.getBoundingClientRect(); \
        return [s.dataset.metric, s.dataset.kind, s.querySelector('[data-testid=sentence]').textContent, b.bottom > 0 && b.top < innerHeight]";
    let before = js(&c, selected).await?;
    slider_step(&c, "2", 20_000).await?;
    assert_eq!(js(&c, selected).await?, before, "the selection follows its finding to sensitivity 2");
    // That finding alone in the list (its sentence is its own), selected, and marked noise with `n`.
    let sentence = serde_json::to_string(&only.sentence)?;
    js(
        &c,
        &format!(
            "const box = document.querySelector('[data-testid=filter-text]'); box.value = {sentence}; \
             box.dispatchEvent(new Event('input')); return true"
        ),
    )
    .await?;
    until(
        &c,
        "the finding alone in the list",
        "return document.querySelector('[data-testid=finding-count]').dataset.visible === '1' || null",
    )
    .await?;
    // The row as the window made the finding whole again (kind label, team, service and metric name) and the
    // metric's sparkline drawn.
    let row = js(
        &c,
        "const r = document.querySelector('.finding.selected'); return r && [r.dataset.metric, r.dataset.kind, \
         r.querySelector('.kind').textContent, r.querySelector('.subject').textContent, !!r.querySelector('svg.spark path')]",
    )
    .await?;
    let instance = only.instance.as_ref().map(|i| format!(" · {i}")).unwrap_or_default();
    let subject = format!("{} · {} · {}{instance}", only.team, only.service, only.metric_name);
    assert_eq!(row, json!([only.metric, only.kind.key(), only.kind.label(), subject, true]));
    js(&c, "document.activeElement.blur(); return true").await?;
    mark_selected_noise(&c).await?;
    let said = js(&c, "return [...document.querySelectorAll('[aria-live]')].map(e => e.textContent).join(' | ')").await?;
    assert!(!said.as_str().unwrap_or("").contains("no reviewed week"), "{said}");
    // Kept in the journal, in the week the review shows.
    let stored = others_journal(d, "test")?.verdict(&only.id())?.ok_or("the verdict kept")?;
    assert_eq!(
        (stored.verdict, stored.finding.week),
        (flywheel::journal::verdicts::Verdict::Noise, flywheel::recurring::start_date(&higher))
    );
    // Back to the workspace's sensitivity for the scenarios after (the finding is not shown there).
    js(&c, "const box = document.querySelector('[data-testid=filter-text]'); box.value = ''; box.dispatchEvent(new Event('input')); return true").await?;
    slider_step(&c, "1", 20_000).await?;
    c.close().await?;
    Ok(())
}

/// The selection through a filter: it stays on its finding when the filtered list holds it (the room picked it), and
/// goes to the first finding when it does not (the row at its old place is another finding, which `n` would mark).
pub async fn selection_through_filters(d: &Driver) -> R<()> {
    let c = d.sample().await?;
    // The first row whose place among its team's findings is not its place in the whole list.
    let pick = js(
        &c,
        "const rows = [...document.querySelectorAll('[data-testid=finding]')]; \
         const i = rows.findIndex((r, i) => rows.filter(x => x.dataset.team === r.dataset.team).indexOf(r) !== i); \
         return i < 0 ? null : [i, rows[i].dataset.team]",
    )
    .await?;
    let (i, team) = (pick[0].as_u64().ok_or(format!("a row to pick: {pick}"))?, pick[1].clone());
    for _ in 0..i {
        c.find(Locator::Css("body")).await?.send_keys("j").await?;
    }
    let selected =
        "const rows = [...document.querySelectorAll('[data-testid=finding]')]; const s = document.querySelector('.finding.selected'); \
        return [s.dataset.metric, s.dataset.kind, s.querySelector('[data-testid=sentence]').textContent, rows.indexOf(s), rows.length]";
    let row = |v: serde_json::Value| v.as_array().cloned().ok_or(format!("no selected row: {v}"));
    let picked = row(js(&c, selected).await?)?;
    assert_eq!(picked[3], json!(i), "{picked:?}");
    let filter = |team: &serde_json::Value| {
        format!(
            "const f = document.querySelector('[data-testid=filter-team]'); f.value = {team}; f.dispatchEvent(new Event('change')); \
             return [...document.querySelectorAll('[data-testid=finding]')].every(r => r.dataset.team === {team})"
        )
    };
    assert_eq!(js(&c, &filter(&team)).await?, json!(true));
    let kept = row(js(&c, selected).await?)?;
    assert_eq!(kept[..3], picked[..3], "filtered to its team, the finding stays selected: {kept:?}");
    assert_ne!(kept[3], json!(i), "at its place in the team's list: {kept:?}");
    // Filtered to another team, which does not hold it: the first finding.
    let other = js(
        &c,
        &format!("return [...document.querySelector('[data-testid=filter-team]').options].map(o => o.value).find(v => v && v !== {team})"),
    )
    .await?;
    assert_eq!(js(&c, &filter(&other)).await?, json!(true));
    let first = row(js(&c, selected).await?)?;
    assert_eq!(first[3], json!(0), "another team's list starts at its first finding: {first:?}");
    c.close().await?;
    Ok(())
}

/// `n` on the selected finding, and the noise mark (`noise · who`) on its row.
async fn mark_selected_noise(c: &fantoccini::Client) -> R<()> {
    c.find(Locator::Css("body")).await?.send_keys("n").await?;
    let tag = until(
        c,
        "the noise mark on the selected finding",
        "const v = document.querySelector('.finding.selected [data-testid=verdict]'); return v && v.textContent",
    )
    .await?;
    assert!(tag.as_str().unwrap_or("").starts_with("noise · "), "{tag}");
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
pub async fn live_updates(d: &Driver) -> R<()> {
    // The action items already there (none when this scenario runs alone, `E2E_ONLY=live_updates`; the list has
    // loaded once `sample` returns).
    let c = d.sample().await?;
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
