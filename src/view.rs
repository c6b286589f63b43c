//! What the desktop app shows, built from a [`Review`]: the overview (ranked findings, each with a
//! sparkline and a "when"), a team's dashboard (one chart per metric, the team's findings beside it) and
//! a metric's detail (a large chart plus the per-point numbers behind the hover read-out).
//!
//! Plain serialisable data with no knowledge of any UI toolkit: the Tauri shell passes it through. Rules
//! the UI needs (severity bands, "overdue") are decided here, so the UI only shows them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::chart::{self, Chart, ChartError, ChartOptions};
use crate::finding::Band;
use crate::journal::actions::ActionItem;
use crate::journal::annotations::Annotation;
use crate::journal::verdicts::Stored;
use crate::report::{self, json};
use crate::review::lines::{Lines, LinesError};
use crate::review::{Review, SeriesFit};

mod wire;
pub use wire::Sent;

#[derive(Debug, Error)]
pub enum ViewError {
    #[error("no team `{0}` in this review")]
    UnknownTeam(String),
    #[error("no metric `{0}` in this review")]
    UnknownMetric(String),
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("the data of `{0}` could not be read back: {1}")]
    Unavailable(String, String),
    #[error("`{0}` with other lines: {1}")]
    Lines(String, LinesError),
}

/// Points in an overview sparkline (the review week, bucketed).
pub use crate::review::spark::POINTS as SPARK_POINTS;

/// The ranked overview of a review.
#[derive(Debug, Serialize)]
pub struct Overview {
    /// The same document as `flywheel review --json` (schema `flywheel.review/1`) without its findings (sent as
    /// `findings`) or their evidence, its `metrics` empty when `metrics_kept`.
    pub review: json::Document,
    /// The review's findings in rank order, each without what the window works out from what it holds ([`Sent`]).
    pub findings: Vec<Sent>,
    /// Each kind's label, by its key (a sent finding's `kind_label`).
    pub kind_labels: BTreeMap<&'static str, &'static str>,
    /// Which review this is a view of ([`Review::serial`]): a new load is a new one, re-flagging keeps it.
    pub review_id: u64,
    /// `review.metrics` was left out: the caller holds them from an earlier overview of the same
    /// `review_id` ([`overview_for`]).
    pub metrics_kept: bool,
    /// Per finding, in rank order: when it happened, in words (`Tue 14:05–14:45`).
    pub when: Vec<String>,
    /// Per finding, in rank order: its severity band (the colour it is shown in).
    pub bands: Vec<Band>,
    /// Per team name: the band of its worst finding (teams without findings are absent).
    pub team_bands: BTreeMap<String, Band>,
    /// Per metric id: its review-range values in [`SPARK_POINTS`] buckets (bucket means; `None` where
    /// the bucket has no data). Every loaded metric's, with the metrics (re-flagging changes neither): empty when
    /// `metrics_kept`.
    pub sparklines: BTreeMap<String, Vec<Option<f64>>>,
    /// The servers the workspace pulls from, said plainly (Prometheus's address, CloudWatch's region), if
    /// any (the app offers "Refresh").
    pub server: Option<String>,
    /// What the last pull cost.
    pub pull: crate::source::LoadStats,
    /// The noise report's small charts, per team then per kind (empty when the room dismissed nothing
    /// in the recent reviewed weeks).
    pub noise: Vec<NoiseChart>,
    /// The review reads a data file or a folder of exports, whose times say nothing of their zone: the user
    /// chooses it (`review.workspace.timezone`; a workspace's `flywheel.toml` sets its own).
    pub zone_choice: bool,
}

/// One row of the overview's "Noise, week over week".
#[derive(Debug, Serialize)]
pub struct NoiseChart {
    /// `team` or `kind`.
    pub group: &'static str,
    /// The team's name or the kind's label.
    pub label: String,
    /// One bar per reviewed week ([`crate::chart::bars::dismissed_bars`]).
    pub svg: String,
    /// The weeks the bars span: `2026-10-12 – 2026-11-16`.
    pub weeks: String,
}

fn noise_charts(r: &Review) -> Vec<NoiseChart> {
    if !r.noise.any_dismissed() {
        return Vec::new();
    }
    let row = |group, label: String, weeks: &[crate::noise::WeekShare]| NoiseChart {
        group,
        label,
        svg: crate::chart::bars::dismissed_bars(weeks),
        weeks: match (weeks.first(), weeks.last()) {
            (Some(a), Some(b)) => format!("{} – {}", a.week, b.week),
            _ => String::new(),
        },
    };
    let teams = r.noise.by_team.iter().map(|(t, w)| row("team", t.clone(), w));
    teams.chain(r.noise.by_kind.iter().map(|(k, w)| row("kind", k.label().to_string(), w))).collect()
}

/// Build the overview.
pub fn overview(r: &Review) -> Overview {
    overview_for(r, None)
}

/// Build the overview for a caller already holding one of review `holding`: when that is this review, its
/// metrics and sparklines (which re-flagging never changes: at 10,000 metrics 4 of the 6 MB sent at
/// sensitivity 1, and 5 MB more at 2) are left out.
pub fn overview_for(r: &Review, holding: Option<u64>) -> Overview {
    let metrics_kept = holding == Some(r.serial);
    // Each metric's review week, kept at sparkline resolution since it was fitted (the window holds them with the
    // metrics: any of them may be flagged at another sensitivity).
    let sparklines =
        if metrics_kept { BTreeMap::new() } else { r.series.par_iter().map(|s| (s.metric.id.clone(), s.spark.points())).collect() };
    let review = json::document_with(r, json::Without { metrics: metrics_kept, evidence: true, findings: true });
    let team_bands = review.workspace.teams.iter().filter(|t| t.findings > 0).map(|t| (t.name.clone(), Band::of(t.top_severity))).collect();
    Overview {
        review,
        findings: wire::findings(r),
        kind_labels: wire::kind_labels(),
        review_id: r.serial,
        metrics_kept,
        when: r.findings.par_iter().map(|f| report::when(r, f)).collect(),
        bands: r.findings.iter().map(|f| Band::of(f.severity)).collect(),
        team_bands,
        sparklines,
        server: servers(&r.workspace),
        pull: r.pull,
        noise: noise_charts(r),
        zone_choice: !r.workspace.bare_files.is_empty(),
    }
}

/// The servers a workspace's metrics pull from: `http://prom:9090`, `CloudWatch (eu-west-1)`, or both.
fn servers(ws: &crate::config::Workspace) -> Option<String> {
    let uses = |f: fn(&crate::config::Source) -> bool| ws.metrics.iter().any(|m| f(&m.source));
    let mut out = Vec::new();
    if let Some(p) = ws.prometheus.as_ref().filter(|_| uses(|s| matches!(s, crate::config::Source::Prometheus { .. }))) {
        out.push(p.url.clone());
    }
    if let Some(c) = ws.cloudwatch.as_ref().filter(|_| uses(|s| matches!(s, crate::config::Source::CloudWatch(_)))) {
        out.push(match (&c.endpoint, &c.region) {
            (Some(e), _) => format!("CloudWatch at {e}"),
            (None, Some(r)) => format!("CloudWatch ({r})"),
            (None, None) => "CloudWatch".to_string(),
        });
    }
    (!out.is_empty()).then(|| out.join(" and "))
}

/// An action item as the app lists it: the stored item and whether it is overdue today.
#[derive(Debug, Serialize)]
pub struct ActionRow {
    #[serde(flatten)]
    pub item: ActionItem,
    pub overdue: bool,
}

/// Action items as the app lists them, "overdue" judged on `today` (`YYYY-MM-DD`).
pub fn action_rows(items: Vec<ActionItem>, today: &str) -> Vec<ActionRow> {
    items.into_iter().map(|item| ActionRow { overdue: item.overdue(today), item }).collect()
}

/// One widget of a team dashboard: a metric's chart, or why it has none.
#[derive(Debug, Serialize)]
pub struct Widget {
    pub metric: String,
    pub name: String,
    pub service: String,
    pub unit: String,
    pub alarm: Option<f64>,
    pub investigation: Option<f64>,
    pub chart: Option<Chart>,
    /// The source error of a metric that could not be loaded (file, line, series).
    pub error: Option<String>,
    /// Its chart is drawn when asked for ([`team`] with the widget's metric): neither `chart` nor `error`
    /// yet.
    pub later: bool,
    /// Ranks (1-based, as in the overview) of this metric's findings.
    pub findings: Vec<usize>,
}

/// A team's dashboard.
#[derive(Debug, Serialize)]
pub struct TeamView {
    pub team: String,
    pub dashboard: Option<String>,
    pub widgets: Vec<Widget>,
}

/// How many widgets of a team dashboard have their charts drawn at once; the others are drawn when asked
/// (as the dashboard scrolls to them). A team of an organisation's review may hold a thousand metrics: all
/// their charts at once took 0.8 s and 85 MB of JSON for 1,250 metrics, for a window that shows a few.
pub const TEAM_CHARTS_FIRST: usize = 16;

/// Every metric of `team` as a widget, in workspace order (flagged or not), the charts of the first
/// [`TEAM_CHARTS_FIRST`] drawn; or, with `only`, the widgets of those metrics of the team, each drawn.
/// `annotations` (from the journal) are drawn on their metrics' charts.
pub fn team(r: &Review, name: &str, width: u32, annotations: &[Annotation], only: Option<&[String]>) -> Result<TeamView, ViewError> {
    let known = r.workspace.teams.iter().any(|t| t.name == name) || r.workspace.metrics.iter().any(|m| m.team == name);
    if !known {
        return Err(ViewError::UnknownTeam(name.to_string()));
    }
    // Looked up once, not per widget: a team of thousands of metrics in a review of tens of thousands.
    let asked: Option<std::collections::HashSet<&str>> = only.map(|o| o.iter().map(String::as_str).collect());
    let mine: Vec<&crate::config::Metric> =
        r.workspace.metrics.iter().filter(|m| m.team == name && asked.as_ref().is_none_or(|a| a.contains(m.id.as_str()))).collect();
    let ids: std::collections::HashSet<&str> = mine.iter().map(|m| m.id.as_str()).collect();
    let series: HashMap<&str, &crate::review::SeriesFit> =
        r.series.iter().filter(|s| ids.contains(s.metric.id.as_str())).map(|s| (s.metric.id.as_str(), s)).collect();
    let mut ranks: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in r.findings.iter().enumerate() {
        if ids.contains(f.metric.as_str()) {
            ranks.entry(f.metric.as_str()).or_default().push(i + 1);
        }
    }
    let mut widgets = Vec::with_capacity(mine.len());
    for (i, m) in mine.into_iter().enumerate() {
        let later = only.is_none() && i >= TEAM_CHARTS_FIRST;
        // A chart that cannot be drawn (values near the ends of f64) is that widget's error card; the rest
        // of the dashboard still shows.
        let (chart, error) = match series.get(m.id.as_str()) {
            _ if later => (None, None),
            Some(s) => {
                let opts = ChartOptions { width, height: 240, last_week: true, earlier_weeks: 0 };
                match chart::render_with(r, s, opts, &chart::notes_of(annotations, &m.id)) {
                    Ok(c) => (Some(c), None),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
            None => (None, Some(r.errors.iter().find(|(e, _)| e.id == m.id).map_or_else(|| "no data".to_string(), |(_, e)| e.to_string()))),
        };
        widgets.push(Widget {
            metric: m.id.clone(),
            name: m.name.clone(),
            service: m.service.clone(),
            unit: m.unit.clone(),
            alarm: m.alarm,
            investigation: m.investigation,
            chart,
            error,
            later,
            findings: ranks.remove(m.id.as_str()).unwrap_or_default(),
        });
    }
    Ok(TeamView { team: name.to_string(), dashboard: r.workspace.team(name).and_then(|t| t.dashboard.clone()), widgets })
}

/// Ranks (1-based, as in the overview) of a metric's findings.
fn ranks(r: &Review, metric: &str) -> Vec<usize> {
    r.findings.iter().enumerate().filter(|(_, f)| f.metric == metric).map(|(i, _)| i + 1).collect()
}

/// A metric's detail: a large chart and, per review point, what the hover read-out shows.
#[derive(Debug, Serialize)]
pub struct Detail {
    pub metric: String,
    pub name: String,
    pub team: String,
    pub service: String,
    pub unit: String,
    pub alarm: Option<f64>,
    pub investigation: Option<f64>,
    pub chart: Chart,
    /// Time of the first review point (Unix seconds) and the step between points.
    pub start: i64,
    pub step: i64,
    pub values: Vec<Option<f64>>,
    pub expected: Vec<Option<f64>>,
    /// The seasonal band at the review's sensitivity.
    pub lower: Vec<Option<f64>>,
    pub upper: Vec<Option<f64>>,
    pub last_week: Vec<Option<f64>>,
    /// How many earlier weeks there are to overlay (for the toggles).
    pub history_weeks: usize,
    pub baseline: String,
    pub findings: Vec<usize>,
    /// The evidence of each of those findings as the detail lists it — (label, text) rows with units, times
    /// and durations ([`crate::evidence::readable`]) — by finding id (the overview leaves it out).
    pub evidence: BTreeMap<String, Vec<(String, String)>>,
    /// Reviewers' notes on this metric in the review range (drawn on the chart).
    pub annotations: Vec<Annotation>,
    /// What the room said about this metric's findings, in every reviewed week (newest first).
    pub said: Vec<Said>,
    /// Other lines tried on it (`None`: its own): what it would flag with them. The chart and `alarm`,
    /// `investigation` above are drawn with them.
    pub trial: Option<TrialView>,
    /// The lines its "line too loose" finding proposes, to try.
    pub proposed: Option<Lines>,
}

/// What a metric would flag with other lines ([`Review::with_lines`]).
#[derive(Debug, Serialize)]
pub struct TrialView {
    /// Its own lines, to go back to.
    pub own: Lines,
    pub findings: Vec<TrialFinding>,
    /// How often the lines were reached in the history weeks, in a sentence.
    pub history: String,
    /// What to write in the workspace file to keep them (`alarm = 450` / `investigation = 400`).
    pub keep: String,
}

/// One finding with the lines tried.
#[derive(Debug, Serialize)]
pub struct TrialFinding {
    pub kind_label: &'static str,
    pub severity: u8,
    pub band: Band,
    pub sentence: String,
    pub when: String,
}

/// A verdict on one of a metric's findings, as its detail lists it.
#[derive(Debug, Serialize)]
pub struct Said {
    /// The week it was reviewed in (`2026-11-09`).
    pub week: String,
    pub finding: String,
    pub kind_label: &'static str,
    pub severity: u8,
    pub sentence: String,
    pub verdict: crate::journal::verdicts::Verdict,
    /// `expected — known batch job, at this time every week: nightly export`.
    pub label: String,
    pub by: String,
}

impl From<&Stored> for Said {
    fn from(v: &Stored) -> Said {
        Said {
            week: v.finding.week.clone(),
            finding: v.finding.id.clone(),
            kind_label: v.finding.kind.label(),
            severity: v.finding.severity,
            sentence: v.finding.sentence.clone(),
            verdict: v.verdict,
            label: v.describe(),
            by: v.author.clone(),
        }
    }
}

/// The detail of one metric, with `opts` choosing the overlays, `annotations` drawn on the chart and
/// `said` (the journal's verdicts on this metric) listed.
pub fn detail(r: &Review, metric: &str, opts: ChartOptions, annotations: &[Annotation], said: &[Stored]) -> Result<Detail, ViewError> {
    detail_trying(r, metric, None, opts, annotations, said)
}

/// [`detail`] with other lines tried (`lines`; `None` is the metric's own): the chart drawn with them, and
/// what the metric would flag with them beside what it flags.
pub fn detail_trying(
    r: &Review,
    metric: &str,
    lines: Option<Lines>,
    opts: ChartOptions,
    annotations: &[Annotation],
    said: &[Stored],
) -> Result<Detail, ViewError> {
    let s: &SeriesFit = r.series_of(metric).ok_or_else(|| ViewError::UnknownMetric(metric.to_string()))?;
    let notes = chart::notes_of(annotations, metric);
    let own = Lines { alarm: s.metric.alarm, investigation: s.metric.investigation };
    let proposed = r.findings.iter().filter(|f| f.metric == metric).find_map(|f| Lines::proposed_by(f, own));
    let (trial, chart, s) = match lines.filter(|l| *l != own) {
        Some(lines) => {
            let t = r.with_lines(metric, lines).map_err(|e| ViewError::Lines(metric.to_string(), e))?;
            let chart = chart::render_episodes(r, &t.series, &t.findings, opts, &notes)?;
            let view = TrialView {
                own,
                history: t.history_sentence(),
                keep: lines.to_toml(),
                findings: t
                    .findings
                    .iter()
                    .map(|f| TrialFinding {
                        kind_label: f.kind.label(),
                        severity: f.severity,
                        band: Band::of(f.severity),
                        sentence: f.sentence.clone(),
                        when: report::when(r, f),
                    })
                    .collect(),
            };
            (Some(view), chart, Cow::Owned(t.series))
        }
        None => {
            let chart = chart::render_with(r, s, opts, &notes)?;
            (None, chart, r.full(s).map_err(|e| ViewError::Unavailable(metric.to_string(), e.to_string()))?)
        }
    };
    let fin = |v: f64| v.is_finite().then_some(v);
    let f = &s.fit;
    let (lower, upper) = f.band(r.params.anomaly_z(), &s.metric.unit);
    let m = &s.metric;
    Ok(Detail {
        metric: m.id.clone(),
        name: m.name.clone(),
        team: m.team.clone(),
        service: m.service.clone(),
        unit: m.unit.clone(),
        alarm: m.alarm,
        investigation: m.investigation,
        chart,
        start: r.ctx.review_start(),
        step: r.ctx.grid.step,
        values: s.values.iter().map(|v| fin(*v)).collect(),
        expected: f.expected.iter().map(|v| fin(*v)).collect(),
        lower: lower.into_iter().map(fin).collect(),
        upper: upper.into_iter().map(fin).collect(),
        last_week: f.last_week.iter().map(|v| fin(*v)).collect(),
        history_weeks: r.ctx.history_weeks,
        baseline: f.reason.clone(),
        findings: ranks(r, &m.id),
        evidence: r
            .findings
            .iter()
            .filter(|f| f.metric == m.id)
            .map(|f| (f.id(), crate::evidence::readable(f, &m.unit, &r.ctx.tz)))
            .collect(),
        annotations: annotations.iter().filter(|a| a.metric == m.id).cloned().collect(),
        said: said.iter().filter(|v| v.finding.metric == m.id).map(Said::from).collect(),
        trial,
        proposed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overview_leaves_out_the_metrics_only_for_who_holds_them() {
        use crate::analysis::Params;
        use crate::review::RangeSpec;
        let dir = tempfile::tempdir().expect("tmp");
        let ws = crate::fixture::workspace(dir.path());
        let review =
            |s: f64| Review::run(ws.clone(), RangeSpec::WeekOf(crate::fixture::WEEK), Params::new(s).expect("s"), &crate::source::Quiet);
        let mut r = review(1.0).expect("review");
        let other = review(1.0).expect("review");
        assert_ne!(r.serial, other.serial, "each load is a review of its own");
        let whole = overview(&r);
        let ids = |o: &Overview| o.review.metrics.iter().map(|m| (m.id.clone(), m.status)).collect::<Vec<_>>();
        assert!(!whole.metrics_kept && whole.review_id == r.serial);
        assert_eq!(whole.review.metrics.len(), whole.review.counts.metrics, "{:?}", ids(&whole));
        assert!(whole.review.metrics.iter().any(|m| m.status == "error"), "the fixture's missing series is listed");
        r.reflag(Params::new(4.0).expect("s"));
        // (who holds which review, whether the metrics are left out)
        for (holding, kept) in [(None, false), (Some(other.serial), false), (Some(r.serial), true)] {
            let o = overview_for(&r, holding);
            assert_eq!((o.metrics_kept, o.review_id), (kept, r.serial), "holding {holding:?}");
            if kept {
                assert!(o.review.metrics.is_empty());
            } else {
                assert_eq!(ids(&o), ids(&whole), "re-flagging never changes the metrics");
            }
            // Everything else is the whole overview's.
            assert_eq!(o.findings.len(), r.findings.len());
            assert_eq!(o.sparklines.is_empty(), kept, "the sparklines come with the metrics");
            if !kept {
                assert_eq!(o.sparklines.len(), r.series.len(), "every loaded metric's, flagged or not");
            }
            assert_eq!(o.review.counts.metrics, whole.review.counts.metrics);
            assert_eq!(o.when.len(), r.findings.len());
        }
    }

    #[test]
    fn a_detail_with_other_lines_is_drawn_and_flagged_with_them_and_its_own_are_no_trial() {
        let ws = crate::config::Workspace::open(std::path::Path::new("data")).expect("the sample workspace");
        let params = crate::analysis::Params { sensitivity: ws.sensitivity };
        let r = Review::run(ws, crate::review::RangeSpec::LastCompleteWeek, params, &crate::source::Quiet).expect("review");
        let own = Lines { alarm: Some(600.0), investigation: Some(400.0) };
        let d = detail_trying(&r, "payments.api.p99", Some(own), ChartOptions::default(), &[], &[]).expect("own");
        assert!(d.trial.is_none(), "its own lines are no trial");
        let tried = Lines { alarm: Some(200.0), investigation: None };
        let d = detail_trying(&r, "payments.api.p99", Some(tried), ChartOptions::default(), &[], &[]).expect("tried");
        let t = d.trial.as_ref().expect("a trial");
        assert_eq!((d.alarm, d.investigation, t.own), (Some(200.0), None, own));
        assert_eq!(t.keep, "alarm = 200, investigation removed");
        assert!(t.findings.len() > d.findings.len() && t.findings.iter().any(|f| f.kind_label == "alarm breach"), "{:?}", t.findings);
        assert!(d.chart.svg.contains("alarm 200"), "the chart draws the line tried");
        let bad = Lines { alarm: Some(100.0), investigation: Some(200.0) };
        let e = detail_trying(&r, "payments.api.p99", Some(bad), ChartOptions::default(), &[], &[]).expect_err("order");
        assert!(e.to_string().contains("investigation line 200 is above the alarm line 100"), "{e}");
    }

    #[test]
    fn the_overview_leaves_each_findings_evidence_to_its_metrics_detail() {
        use crate::analysis::Params;
        use crate::review::RangeSpec;
        let dir = tempfile::tempdir().expect("tmp");
        let ws = crate::fixture::workspace(dir.path());
        let r =
            Review::run(ws, RangeSpec::WeekOf(crate::fixture::WEEK), Params::new(2.0).expect("s"), &crate::source::Quiet).expect("review");
        assert!(r.findings.len() > 3 && r.findings.iter().all(|f| !f.evidence.is_empty()), "{:?}", r.findings);
        let o = overview(&r);
        assert_eq!(o.findings.len(), r.findings.len());
        assert!(!serde_json::to_string(&o).expect("json").contains("\"evidence\""), "no evidence sent with the overview");
        // The review document (the CLI's --json) keeps it.
        assert!(json::document(&r).findings.iter().zip(&r.findings).all(|(d, f)| d.evidence.as_ref() == Some(&f.evidence)));
        // Each metric's detail carries its findings' evidence, and only theirs (a metric that could not be
        // loaded has no detail).
        let shown: Vec<_> = r.findings.iter().filter(|f| r.series_of(&f.metric).is_some()).collect();
        assert!(shown.len() > 3);
        for f in shown {
            let d = detail(&r, &f.metric, ChartOptions::default(), &[], &[]).expect("detail");
            let unit = &r.series_of(&f.metric).expect("loaded").metric.unit;
            assert_eq!(d.evidence.get(&f.id()), Some(&crate::evidence::readable(f, unit, &r.ctx.tz)), "{}", f.sentence);
            assert_eq!(d.evidence[&f.id()].len(), f.evidence.len(), "{}", f.sentence);
            assert_eq!(d.evidence.len(), d.findings.len(), "{}", f.metric);
        }
    }

    #[test]
    fn a_large_teams_dashboard_draws_its_first_charts_and_the_others_when_asked() {
        let mut r = Review::open(std::path::Path::new("data"), false, &crate::source::Quiet).expect("the sample reviews");
        // Every metric in one team: more widgets than are drawn at once.
        for m in r.workspace.metrics.iter_mut() {
            m.team = "Everyone".into();
        }
        let ids: Vec<String> = r.workspace.metrics.iter().map(|m| m.id.clone()).collect();
        assert!(ids.len() > TEAM_CHARTS_FIRST + 3);
        let broken = "payments.billing.export_lag";
        let drawn = |w: &Widget| !w.later && (w.chart.is_some() != w.error.is_some());
        let whole = team(&r, "Everyone", 800, &[], None).expect("the team");
        assert_eq!(whole.widgets.iter().map(|w| w.metric.clone()).collect::<Vec<_>>(), ids, "every metric, in workspace order");
        for (i, w) in whole.widgets.iter().enumerate() {
            assert_eq!(w.findings, ranks(&r, &w.metric), "{}: its findings' ranks", w.metric);
            if i < TEAM_CHARTS_FIRST {
                assert!(drawn(w), "{}: among the first, drawn", w.metric);
            } else {
                assert!(w.later && w.chart.is_none() && w.error.is_none(), "{}: drawn when asked", w.metric);
            }
        }
        // (case, the metrics asked for, the widgets answered)
        let late: Vec<String> = ids[ids.len() - 3..].to_vec();
        let cases: Vec<(&str, Vec<String>, Vec<String>)> = vec![
            ("the last three", late.clone(), late.clone()),
            ("a metric the team does not hold is not answered", vec![ids[0].clone(), "no.such.metric".into()], vec![ids[0].clone()]),
            ("a metric that could not be loaded says why", vec![broken.into()], vec![broken.into()]),
            ("nothing asked, nothing drawn", vec![], vec![]),
        ];
        for (name, asked, want) in cases {
            let v = team(&r, "Everyone", 800, &[], Some(&asked)).expect("the team");
            assert_eq!(v.widgets.iter().map(|w| w.metric.clone()).collect::<Vec<_>>(), want, "{name}");
            assert!(v.widgets.iter().all(drawn), "{name}: each drawn");
            for w in &v.widgets {
                assert_eq!(w.findings, ranks(&r, &w.metric), "{name}: {}", w.metric);
                assert_eq!(w.metric == broken, w.error.is_some(), "{name}: {} {:?}", w.metric, w.error);
            }
        }
        assert!(matches!(team(&r, "Nobody", 800, &[], Some(&late)), Err(ViewError::UnknownTeam(_))));
    }
}
