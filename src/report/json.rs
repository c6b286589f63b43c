//! The stable JSON document of a review (`flywheel review --json`), for scripts and tests.
//!
//! Its schema is `docs/review.schema.json` (JSON Schema 2020-12); `schema` names the version, and
//! fields are only ever added within a version.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::BaselineKind;
use crate::finding::{Evidence, Kind};
use crate::journal::verdicts::{Reason, Verdict};
use crate::recurring::Recurrence;
use crate::review::{Review, Timings, Warning};
use crate::time;

pub const SCHEMA: &str = "flywheel.review/1";

#[derive(Debug, Serialize)]
pub struct Document {
    pub schema: &'static str,
    pub generator: String,
    pub workspace: WorkspaceInfo,
    pub range: RangeInfo,
    pub sensitivity: f64,
    pub counts: Counts,
    pub findings: Vec<FindingOut>,
    /// Findings folded away by an "expected" verdict, in rank order.
    pub muted: Vec<MutedOut>,
    /// What the room marked noise or expected, per team and per kind, over the recent reviewed weeks.
    pub noise: crate::noise::Shares,
    pub metrics: Vec<MetricOut>,
    pub warnings: Vec<Warning>,
    pub timings_ms: Timings,
}

#[derive(Debug, Serialize)]
pub struct WorkspaceInfo {
    pub name: String,
    pub origin: String,
    pub timezone: String,
    pub week_starts: String,
    pub step_seconds: i64,
    pub history_weeks: usize,
    pub teams: Vec<TeamOut>,
}

#[derive(Debug, Serialize)]
pub struct TeamOut {
    pub name: String,
    pub dashboard: Option<String>,
    pub findings: usize,
    pub top_severity: u8,
}

#[derive(Debug, Serialize)]
pub struct RangeInfo {
    pub start: String,
    pub end: String,
    pub start_unix: i64,
    pub end_unix: i64,
    pub history_start: String,
    pub note: String,
    /// The ISO week (`2026-W46`) of a range of one local week ([`time::iso_week_of`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub week: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Counts {
    pub findings: usize,
    pub by_kind: BTreeMap<&'static str, usize>,
    pub by_team: BTreeMap<String, usize>,
    pub metrics: usize,
    pub metrics_failed: usize,
    /// Findings that are recurring.
    pub recurring: usize,
    /// Findings folded away by an "expected" verdict (listed under `muted`, not in `findings`).
    pub muted: usize,
}

/// A finding folded away by an "expected" verdict.
#[derive(Debug, Serialize)]
pub struct MutedOut {
    pub id: String,
    pub kind: Kind,
    pub kind_label: &'static str,
    pub team: String,
    pub service: String,
    pub metric: String,
    pub metric_name: String,
    pub instance: Option<String>,
    pub start: String,
    pub end: String,
    pub severity: u8,
    pub sentence: String,
    /// When it happened, in words (`Tue 14:05–14:45`).
    pub when: String,
    pub reason: String,
    pub by: String,
    /// The finding the verdict was given on.
    pub verdict_on: String,
}

#[derive(Debug, Serialize)]
pub struct FindingOut {
    pub rank: usize,
    pub id: String,
    pub kind: Kind,
    pub kind_label: &'static str,
    pub team: String,
    pub service: String,
    pub metric: String,
    pub metric_name: String,
    pub instance: Option<String>,
    pub start: String,
    pub end: String,
    pub start_unix: i64,
    pub end_unix: i64,
    pub severity: u8,
    pub sentence: String,
    /// Left out (absent) of the app's overview, which shows it in a metric's detail ([`Without::evidence`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<BTreeMap<&'static str, Evidence>>,
    /// Flagged for the same kind in several recent reviewed weeks (see [`crate::recurring`]).
    pub recurring: Option<Recurrence>,
    /// What the room said about it (`flywheel findings mark`).
    pub verdict: Option<VerdictOut>,
}

/// A verdict on a finding, as the JSON carries it.
#[derive(Debug, Serialize)]
pub struct VerdictOut {
    pub verdict: Verdict,
    /// `needs action`, `expected`, `noise`.
    pub label: &'static str,
    pub reason: Option<Reason>,
    pub note: String,
    pub by: String,
}

#[derive(Debug, Serialize)]
pub struct MetricOut {
    pub id: String,
    pub team: String,
    pub service: String,
    pub name: String,
    pub unit: String,
    pub statistic: String,
    pub worse: crate::config::Worse,
    pub alarm: Option<f64>,
    pub investigation: Option<f64>,
    pub status: &'static str,
    pub error: Option<String>,
    pub baseline: Option<BaselineOut>,
    pub instances: Vec<String>,
    pub coverage: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct BaselineOut {
    pub kind: BaselineKind,
    pub reason: String,
    pub trend_per_week: f64,
}

/// Build the document of a review.
pub fn document(r: &Review) -> Document {
    document_with(r, Without::default())
}

/// What the app's overview leaves out of the review [`document`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Without {
    /// `metrics` left empty, for a caller that holds them already: re-flagging never changes them, and at 10,000
    /// metrics they are two thirds of the document.
    pub metrics: bool,
    /// Each finding's `evidence` left out: a metric's detail carries its findings' ([`crate::view::Detail`]);
    /// at a high sensitivity it is nearly a third of tens of thousands of findings.
    pub evidence: bool,
    /// `findings` left empty, for the app's overview, which sends them in a form of its own
    /// ([`crate::view::Overview::findings`]).
    pub findings: bool,
}

/// A verdict as the JSON carries it.
pub fn verdict_out(v: &crate::journal::verdicts::Stored) -> VerdictOut {
    VerdictOut { verdict: v.verdict, label: v.verdict.label(), reason: v.reason, note: v.note.clone(), by: v.author.clone() }
}

/// [`document`] without what `without` says.
pub fn document_with(r: &Review, without: Without) -> Document {
    let tz = &r.ctx.tz;
    let ws = &r.workspace;
    let mut by_kind: BTreeMap<&'static str, usize> = Kind::ALL.iter().map(|k| (k.key(), 0)).collect();
    for f in &r.findings {
        *by_kind.entry(f.kind.key()).or_default() += 1;
    }
    let counts = super::team_counts(r);
    let by_team: BTreeMap<String, usize> = counts.iter().map(|(n, c, _)| (n.clone(), *c)).collect();
    let teams = counts
        .into_iter()
        .map(|(name, findings, top_severity)| TeamOut {
            dashboard: ws.team(&name).and_then(|t| t.dashboard.clone()),
            name,
            findings,
            top_severity,
        })
        .collect();
    // On both cores: at a high sensitivity, tens of thousands.
    let listed = if without.findings { &[][..] } else { &r.findings[..] };
    let findings: Vec<FindingOut> = listed
        .par_iter()
        .enumerate()
        .map(|(i, f)| (i, f, f.id()))
        .map(|(i, f, id)| FindingOut {
            rank: i + 1,
            kind: f.kind,
            kind_label: f.kind.label(),
            team: f.team.clone(),
            service: f.service.clone(),
            metric: f.metric.clone(),
            metric_name: f.metric_name.clone(),
            instance: f.instance.clone(),
            start: time::rfc3339(tz, f.start),
            end: time::rfc3339(tz, f.end),
            start_unix: f.start,
            end_unix: f.end,
            severity: f.severity,
            sentence: f.sentence.clone(),
            evidence: (!without.evidence).then(|| f.evidence.clone()),
            recurring: r.recurring.get(&id).cloned(),
            verdict: r.verdicts.get(&id).map(verdict_out),
            id,
        })
        .collect();
    let metrics = if without.metrics { Vec::new() } else { metric_rows(r) };
    Document {
        schema: SCHEMA,
        generator: format!("flywheel {}", env!("CARGO_PKG_VERSION")),
        workspace: WorkspaceInfo {
            name: ws.name.clone(),
            origin: ws.origin.display().to_string(),
            timezone: tz.name().to_string(),
            week_starts: ws.week_starts.to_string(),
            step_seconds: r.ctx.grid.step,
            history_weeks: r.ctx.history_weeks,
            teams,
        },
        range: RangeInfo {
            start: time::rfc3339(tz, r.ctx.review_start()),
            end: time::rfc3339(tz, r.ctx.review_end()),
            start_unix: r.ctx.review_start(),
            end_unix: r.ctx.review_end(),
            history_start: time::rfc3339(tz, r.ctx.grid.start),
            note: r.range_note.clone(),
            week: time::iso_week_of(tz, r.ctx.review_start(), r.ctx.review_end()).map(time::iso_week_name),
        },
        sensitivity: r.params.sensitivity,
        counts: Counts {
            findings: r.findings.len(),
            by_kind,
            by_team,
            metrics: r.series.len() + r.errors.len(),
            metrics_failed: r.errors.len(),
            recurring: findings.iter().filter(|f| f.recurring.is_some()).count(),
            muted: r.muted.len(),
        },
        findings,
        muted: r
            .muted
            .iter()
            .map(|m| MutedOut {
                id: m.finding.id(),
                kind: m.finding.kind,
                kind_label: m.finding.kind.label(),
                team: m.finding.team.clone(),
                service: m.finding.service.clone(),
                metric: m.finding.metric.clone(),
                metric_name: m.finding.metric_name.clone(),
                instance: m.finding.instance.clone(),
                start: time::rfc3339(tz, m.finding.start),
                end: time::rfc3339(tz, m.finding.end),
                severity: m.finding.severity,
                sentence: m.finding.sentence.clone(),
                when: super::when(r, &m.finding),
                reason: m.reason.clone(),
                by: m.by.clone(),
                verdict_on: m.verdict_on.clone(),
            })
            .collect(),
        noise: r.noise.clone(),
        metrics,
        warnings: r.warnings.clone(),
        timings_ms: r.timings,
    }
}

/// Every metric's row, reviewed or not, in id order.
fn metric_rows(r: &Review) -> Vec<MetricOut> {
    let mut metrics: Vec<MetricOut> = r
        .series
        .iter()
        .map(|s| {
            metric_out(
                &s.metric,
                "ok",
                None,
                Some(BaselineOut { kind: s.fit.kind, reason: s.fit.reason.clone(), trend_per_week: s.fit.trend_per_week }),
                s.instance_names.clone(),
                Some(s.coverage),
            )
        })
        .collect();
    metrics.extend(r.errors.iter().map(|(m, e)| metric_out(m, "error", Some(e.to_string()), None, vec![], None)));
    metrics.sort_by(|a, b| a.id.cmp(&b.id));
    metrics
}

fn metric_out(
    m: &crate::config::Metric,
    status: &'static str,
    error: Option<String>,
    baseline: Option<BaselineOut>,
    instances: Vec<String>,
    coverage: Option<f64>,
) -> MetricOut {
    MetricOut {
        id: m.id.clone(),
        team: m.team.clone(),
        service: m.service.clone(),
        name: m.name.clone(),
        unit: m.unit.clone(),
        statistic: m.statistic.clone(),
        worse: m.worse,
        alarm: m.alarm,
        investigation: m.investigation,
        status,
        error,
        baseline,
        instances,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Params;
    use crate::fixture::{self, WEEK};
    use crate::review::RangeSpec;
    use crate::source::Quiet;

    #[test]
    fn the_document_ranks_counts_and_names_every_metric() {
        let dir = tempfile::tempdir().expect("tmp");
        let r = Review::run(fixture::workspace(dir.path()), RangeSpec::WeekOf(WEEK), Params::default(), &Quiet).expect("review");
        let d = document(&r);
        assert_eq!(d.schema, SCHEMA);
        assert_eq!(d.range.start, "2026-11-02T00:00:00+00:00");
        assert_eq!(d.workspace.step_seconds, 3600);
        assert_eq!(d.counts.findings, d.findings.len());
        assert!(!d.findings.is_empty());
        // Ranks are 1..n in order, severities never rise down the list, times are the unix times in the zone.
        for (i, f) in d.findings.iter().enumerate() {
            assert_eq!(f.rank, i + 1);
            assert_eq!(time::rfc3339(&r.ctx.tz, f.start_unix), f.start);
        }
        assert!(d.findings.windows(2).all(|w| w[0].severity >= w[1].severity));
        assert_eq!(d.counts.by_kind.values().sum::<usize>(), d.findings.len());
        assert_eq!(d.counts.by_kind.len(), Kind::ALL.len(), "every kind is listed, zero or not");
        // Every metric is listed, sorted by id: the failed one with its error.
        let ids: Vec<(&str, &str)> = d.metrics.iter().map(|m| (m.id.as_str(), m.status)).collect();
        assert_eq!(ids, [("api.gone", "error"), ("api.latency", "ok"), ("api.requests", "ok")]);
        assert_eq!(d.counts.metrics_failed, 1);
        // The team's count and top severity agree with its findings.
        let team = &d.workspace.teams[0];
        assert_eq!(team.findings, d.findings.iter().filter(|f| f.team == team.name).count());
        assert_eq!(Some(team.top_severity), d.findings.iter().filter(|f| f.team == team.name).map(|f| f.severity).max());
    }
}
