//! `flywheel lines`: try other alarm and investigation lines on one metric — what its review week would
//! flag with them and how often its history weeks reached them — before writing them into the workspace.

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use flywheel::config::Workspace;
use flywheel::review::lines::Lines;

/// A line as typed: a number, or `none` for no line.
fn line(s: &str, which: &str) -> Result<Option<f64>> {
    if s.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    s.trim().parse::<f64>().map(Some).map_err(|_| anyhow!("--{which} {s}: give a number, or `none` for no line"))
}

pub fn run(
    metric: &str,
    path: &std::path::Path,
    alarm: Option<String>,
    investigation: Option<String>,
    week: Option<&str>,
) -> Result<ExitCode> {
    let ws = Workspace::open(path)?;
    let m = ws.metrics.iter().find(|m| m.id == metric).ok_or_else(|| {
        let some: Vec<&str> = ws.metrics.iter().take(5).map(|m| m.id.as_str()).collect();
        anyhow!("no metric `{metric}` in {} (its metrics include {})", ws.name, some.join(", "))
    })?;
    let own = Lines { alarm: m.alarm, investigation: m.investigation };
    let lines = Lines {
        alarm: alarm.as_deref().map(|a| line(a, "alarm")).transpose()?.unwrap_or(own.alarm),
        investigation: investigation.as_deref().map(|i| line(i, "investigation")).transpose()?.unwrap_or(own.investigation),
    };
    let unit = m.unit.clone();
    let r = crate::review_of(&ws, week)?;
    let t = r.with_lines(metric, lines).map_err(|e| match e {
        // One line moved past the other, left as it is: say which to give as well.
        flywheel::review::lines::LinesError::Order { .. } if alarm.is_none() || investigation.is_none() => {
            anyhow!("{e} (give --{} as well)", if alarm.is_none() { "alarm" } else { "investigation" })
        }
        e => e.into(),
    })?;
    let own_findings = r.findings.iter().filter(|f| f.metric == metric).count();
    let show = |v: Option<f64>| v.map_or("none".to_string(), |v| flywheel::text::value(v, &unit));
    let said = |name: &str, new: Option<f64>, was: Option<f64>| {
        if new == was {
            format!("{name} {}", show(new))
        } else {
            format!("{name} {} (was {})", show(new), show(was))
        }
    };
    let n = t.findings.len();
    crate::say(format!(
        "{metric} with {} and {}: {n} finding{} in the week of {} ({own_findings} with its own lines).",
        said("alarm", lines.alarm, own.alarm),
        said("investigation", lines.investigation, own.investigation),
        if n == 1 { "" } else { "s" },
        flywheel::time::local_date(&r.ctx.tz, r.ctx.review_start()),
    ));
    for (i, f) in t.findings.iter().enumerate() {
        crate::say(format!("  {:>2}. {:>3} {:<20} {}", i + 1, f.severity, f.kind.label(), flywheel::report::when(&r, f)));
        crate::say(format!("          {}", f.sentence));
    }
    crate::say(t.history_sentence());
    if lines != own {
        crate::say(format!("To keep them, set on metric `{metric}` in {}: {}", ws.origin.display(), lines.to_toml()));
    }
    Ok(ExitCode::SUCCESS)
}
