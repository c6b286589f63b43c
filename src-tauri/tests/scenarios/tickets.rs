//! The ticket review, end to end on the sample: a finding's ticket chip leads to the ticket in the Tickets
//! view, the recurring problem comes first, a ticket's finding opens the finding, and a ticket title
//! holding markup stays text.

use serde_json::json;

use super::driver::*;

pub async fn ticket_review(d: &Driver) -> R<()> {
    let c = d.sample().await?;
    // The alarm breach on payments-api has the two tickets opened during it.
    let chips = until(
        &c,
        "the ticket chips on the alarm breach",
        "const r = document.querySelector('[data-testid=finding][data-metric=\"payments.api.p99\"]'); \
         const c = r ? [...r.querySelectorAll('[data-testid=finding-ticket]')].map(e => e.textContent) : []; return c.length ? c : null",
    )
    .await?;
    assert_eq!(chips, json!(["ticket OPS-130", "ticket OPS-131"]));
    assert_eq!(js(&c, "return !document.querySelector('[data-testid=nav-tickets]').hidden").await?, json!(true));
    click(&c, "[data-testid=finding][data-metric=\"payments.api.p99\"] [data-testid=finding-ticket]:nth-of-type(2)").await?;
    let focused =
        until(&c, "the ticket in the Tickets view", "const r = document.querySelector('tr.focused'); return r && r.dataset.id").await?;
    assert_eq!(focused, json!("OPS-131"));
    let summary = texts(&c, "[data-testid=tickets-summary]").await?;
    assert_eq!(summary, ["9 tickets this week, 5 critical or high; 2 recurring problems."]);
    let problems = js(
        &c,
        "return [...document.querySelectorAll('[data-testid=problem]')].map(p => [p.querySelector('h3').textContent, p.dataset.recurring])",
    )
    .await?;
    let problems: Vec<(String, String)> = serde_json::from_value(problems)?;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].0.starts_with("payments-api: HTTP 502") && problems[0].1 == "true", "{problems:?}");
    assert!(problems[1].0.starts_with("kafka: ") && problems[1].1 == "true", "{problems:?}");
    let bars = js(&c, "return document.querySelector('[data-testid=week-bars]').getAttribute('aria-label')").await?;
    assert_eq!(bars, json!("tickets per week, oldest first: 0, 1, 0, 1, 0, 2"));
    // The ticket whose title holds markup is listed (it tells of Friday's checkout anomaly) as text.
    let hostile = js(&c, "const r = document.querySelector('[data-testid=ticket][data-id=\"OPS-136\"]'); return r && r.querySelector('.ticket-title').textContent").await?;
    assert_eq!(hostile, json!("Checkout page half empty: banner shows <b>raw HTML</b> <img src=x onerror=alert(1)>"));
    assert_eq!(js(&c, "return !document.querySelector('#view img, #view b') && window.__pwned === undefined").await?, json!(true));
    shot(&c, "tickets").await?;

    // From the ticket to its finding.
    click(&c, "tr.focused [data-testid=ticket-finding]").await?;
    until(
        &c,
        "the finding's metric view",
        "return document.body.dataset.view === 'metric' && document.querySelector('[data-testid=metric-title]')",
    )
    .await?;
    // Back to the overview, and `t` opens the Tickets view.
    c.find(fantoccini::Locator::Css("body")).await?.send_keys(&char::from(fantoccini::key::Key::Escape).to_string()).await?;
    c.find(fantoccini::Locator::Css("body")).await?.send_keys(&char::from(fantoccini::key::Key::Escape).to_string()).await?;
    wait_css(&c, "[data-testid=findings]").await?;
    c.find(fantoccini::Locator::Css("body")).await?.send_keys("t").await?;
    until(
        &c,
        "the Tickets view by its key",
        "return document.body.dataset.view === 'tickets' && document.querySelectorAll('[data-testid=problem]').length",
    )
    .await?;

    // A COE from the ticket: the draft holds the episode and the ticket; what is typed is saved as it is
    // typed, and is there after the app is closed and opened again.
    click(&c, "[data-testid=ticket][data-id=\"OPS-131\"] [data-testid=write-coe]").await?;
    let body = until(&c, "the COE editor", "const b = document.querySelector('[data-testid=coe-body]'); return b && b.value").await?;
    let body = body.as_str().unwrap_or("");
    for part in
        ["# COE: Payments failing: card gateway 502s", "## Timeline (Europe/Berlin)", "ticket OPS-131 opened (SEV 1)", "## Five whys"]
    {
        assert!(body.contains(part), "{part}: {body}");
    }
    until(
        &c,
        "the episode's chart above the COE",
        "const c = document.querySelector('[data-testid=coe-chart]'); return c && !c.hidden && c.querySelector('img') !== null",
    )
    .await?;
    let typed = "The card gateway's TLS pool <b>ran dry</b>.";
    js(&c, "const b = document.querySelector('[data-testid=coe-body]'); b.focus(); b.setSelectionRange(b.value.length, b.value.length);")
        .await?;
    c.find(fantoccini::Locator::Css("[data-testid=coe-body]")).await?.send_keys(typed).await?;
    until(
        &c,
        "the autosave",
        "const s = document.querySelector('[data-testid=coe-saved]'); return s.dataset.revision && Number(s.dataset.revision) >= 2 && s.textContent",
    )
    .await?;
    shot(&c, "coe-editor").await?;
    // Where it came from, as people say it (not the journal's `ticket:OPS-131`).
    until(
        &c,
        "the COE's origin",
        "return [...document.querySelectorAll('p.muted')].some(p => p.textContent.includes('from ticket OPS-131.'))",
    )
    .await?;
    c.close().await?;

    let c = d.sample().await?;
    until(&c, "the tickets read", "return !document.querySelector('[data-testid=nav-tickets]').hidden").await?;
    c.find(fantoccini::Locator::Css("body")).await?.send_keys("t").await?;
    click(&c, "[data-testid=coe-link]").await?;
    let again =
        until(&c, "the COE after a restart", "const b = document.querySelector('[data-testid=coe-body]'); return b && b.value").await?;
    assert!(again.as_str().unwrap_or("").contains(typed), "{again}");
    assert_eq!(
        js(&c, "return !document.querySelector('#view b') && !document.querySelector('#view img:not(.chart-img)')").await?,
        json!(true),
        "typed markup stays text"
    );
    shot(&c, "coe-after-restart").await?;
    c.close().await?;
    Ok(())
}
