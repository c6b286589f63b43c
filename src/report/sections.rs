//! What the Markdown and HTML reports say, decided once: the rows of each section with the rules applied
//! (rank, when, overdue, which metrics get a chart, a team's dashboard only when it is http(s)). Each
//! format only renders these rows, so the two reports cannot drift apart.

use std::collections::BTreeMap;

use super::{team_counts, when, Notes};
use crate::finding::{Band, Finding};
use crate::journal::actions::ActionItem;
use crate::journal::annotations::Annotation;
use crate::noise::WeekShare;
use crate::recurring::Recurrence;
use crate::review::{Review, Warning};
use crate::time;

/// A report's sections, in the order both formats show them.
pub(super) struct Sections<'a> {
    /// Workspace and review week.
    pub title: String,
    /// Findings, teams, metrics, time zone, history and sensitivity in one line.
    pub summary: String,
    pub range_note: &'a str,
    /// Last weeks' action items still to do, as the journal ordered them (overdue first).
    pub actions: Vec<ActionRow<'a>>,
    /// The ranked findings (the charts and "what keeps coming back" sections are built from these:
    /// [`charts`], [`FindingRow::recurring`]).
    pub findings: Vec<FindingRow<'a>>,
    pub teams: Vec<TeamRow>,
    pub annotations: Vec<AnnotationRow<'a>>,
    /// What the sources said about their input (skipped rows, resampling, …).
    pub inputs: &'a [Warning],
    /// The noise report's shares, when the room called anything noise or expected in the recent weeks.
    pub noise: Option<NoiseSection<'a>>,
}

/// "Noise, week over week": per team, then per kind, each recent reviewed week (oldest first).
pub(super) struct NoiseSection<'a> {
    /// The weeks, oldest first (local dates they start on).
    pub weeks: Vec<&'a str>,
    /// (team name or kind label, its weeks).
    pub rows: Vec<(String, &'a [WeekShare])>,
    /// How many of `rows` are teams (the kinds follow).
    pub teams: usize,
}

pub(super) struct ActionRow<'a> {
    pub item: &'a ActionItem,
    pub overdue: bool,
    /// What it is about: team, metric, finding, chart range.
    pub about: String,
}

pub(super) struct FindingRow<'a> {
    /// 1 for the first.
    pub rank: usize,
    pub finding: &'a Finding,
    pub band: Band,
    pub when: String,
    pub recurring: Option<&'a Recurrence>,
}

pub(super) struct ChartEntry<'a> {
    pub metric: &'a str,
    /// Its findings, ranked (never empty).
    pub findings: Vec<&'a FindingRow<'a>>,
    pub annotations: Vec<&'a AnnotationRow<'a>>,
}

pub(super) struct TeamRow {
    pub team: String,
    pub findings: usize,
    pub top: u8,
    pub band: Band,
    /// The team's dashboard, only when it is an http(s) address.
    pub dashboard: Option<String>,
}

pub(super) struct AnnotationRow<'a> {
    pub note: &'a Annotation,
    /// Local labels of its range.
    pub from: String,
    pub to: String,
}

/// The rows of every section.
pub(super) fn sections<'a>(r: &'a Review, notes: &'a Notes) -> Sections<'a> {
    let actions = notes.actions.iter().map(|item| ActionRow { item, overdue: item.overdue(&notes.today), about: item.about() }).collect();
    let findings = r
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| FindingRow {
            rank: i + 1,
            finding: f,
            band: Band::of(f.severity),
            when: when(r, f),
            recurring: r.recurring.get(&f.id()),
        })
        .collect();
    let teams = team_counts(r)
        .into_iter()
        .map(|(team, findings, top)| {
            let dashboard = r.workspace.team(&team).and_then(|t| t.dashboard.as_deref()).and_then(|u| crate::config::check_url(u).ok());
            TeamRow { team, findings, top, band: Band::of(top), dashboard }
        })
        .collect();
    let annotations = notes
        .annotations
        .iter()
        .map(|a| AnnotationRow { note: a, from: time::short_label(&r.ctx.tz, a.start), to: time::short_label(&r.ctx.tz, a.end) })
        .collect();
    Sections {
        title: super::title(r),
        summary: super::summary_line(r),
        range_note: &r.range_note,
        actions,
        findings,
        teams,
        annotations,
        inputs: &r.warnings,
        noise: noise(r),
    }
}

fn noise(r: &Review) -> Option<NoiseSection<'_>> {
    let n = &r.noise;
    if !n.any_dismissed() {
        return None;
    }
    let weeks = n.by_team.values().next().map(|w| w.iter().map(|w| w.week.as_str()).collect()).unwrap_or_default();
    let mut rows: Vec<(String, &[WeekShare])> = n.by_team.iter().map(|(t, w)| (t.clone(), w.as_slice())).collect();
    let teams = rows.len();
    rows.extend(n.by_kind.iter().map(|(k, w)| (k.label().to_string(), w.as_slice())));
    Some(NoiseSection { weeks, rows, teams })
}

/// How many metrics the HTML pre-read charts at most (besides the annotated ones): a pre-read is read before
/// one meeting, and an organisation's review flags thousands of metrics — a chart for each made a 10,000-series
/// fleet's pre-read 357 MB (5,367 charts) that no browser opens. The rest are in the findings table and the app.
pub(super) const MAX_CHARTS: usize = 100;

/// The charts section: one entry per flagged metric, in rank order of its first finding, with its
/// findings and annotations; past the first [`MAX_CHARTS`] only the metrics someone annotated.
pub(super) struct Charts<'a> {
    pub entries: Vec<ChartEntry<'a>>,
    /// Flagged metrics without a chart (past the cap, not annotated).
    pub left_out: usize,
    charted: std::collections::HashSet<&'a str>,
}

impl Charts<'_> {
    /// Whether `metric` has a chart (the tables link only to those).
    pub fn has(&self, metric: &str) -> bool {
        self.charted.contains(metric)
    }
}

pub(super) fn charts<'a>(findings: &'a [FindingRow<'a>], annotations: &'a [AnnotationRow<'a>]) -> Charts<'a> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_metric: BTreeMap<&str, Vec<&FindingRow>> = BTreeMap::new();
    for row in findings {
        let id = row.finding.metric.as_str();
        if !by_metric.contains_key(id) {
            order.push(id);
        }
        by_metric.entry(id).or_default().push(row);
    }
    let mut notes: BTreeMap<&str, Vec<&AnnotationRow>> = BTreeMap::new();
    for a in annotations {
        notes.entry(a.note.metric.as_str()).or_default().push(a);
    }
    let mut left_out = 0;
    let mut entries = Vec::new();
    for (i, metric) in order.into_iter().enumerate() {
        let annotations = notes.remove(metric).unwrap_or_default();
        if i >= MAX_CHARTS && annotations.is_empty() {
            left_out += 1;
            continue;
        }
        entries.push(ChartEntry { metric, findings: by_metric.remove(metric).unwrap_or_default(), annotations });
    }
    let charted = entries.iter().map(|e| e.metric).collect();
    Charts { entries, left_out, charted }
}

/// A metric with its instance, as the tables show it: `api.p99 [host-3]`.
pub(super) fn metric_label(f: &Finding) -> String {
    match &f.instance {
        Some(inst) => format!("{} [{}]", f.metric, inst),
        None => f.metric.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_follow_the_rank_of_each_metrics_first_finding_and_carry_its_annotations() {
        let mut r = Review::open(std::path::Path::new("data"), false, &crate::source::Quiet).expect("the sample reviews");
        // The top metric gets a second, last-ranked finding: its chart must show both, and stay first.
        let again = r.findings[0].clone();
        r.findings.push(again);
        let flagged = r.findings.iter().map(|f| f.metric.as_str()).collect::<std::collections::BTreeSet<_>>().len();
        assert!(r.findings.len() > flagged, "a metric with two findings");
        let annotated = r.findings[0].metric.clone();
        let note = Annotation {
            id: 1,
            metric: annotated.clone(),
            start: 0,
            end: 60,
            note: "deploy".into(),
            finding: String::new(),
            author: String::new(),
            created_at: 0,
            maintenance: false,
        };
        let notes = Notes { annotations: vec![note], ..Notes::default() };
        let s = sections(&r, &notes);
        let charts = charts(&s.findings, &s.annotations);
        assert_eq!(charts.left_out, 0, "the sample flags fewer metrics than the cap");
        let entries = charts.entries;
        assert_eq!(entries.len(), flagged, "one chart per flagged metric");
        let mut last_first_rank = 0;
        for e in &entries {
            let ranks: Vec<usize> = e.findings.iter().map(|row| row.rank).collect();
            assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{}: findings ranked", e.metric);
            assert!(ranks[0] > last_first_rank, "charts in rank order of their first finding");
            last_first_rank = ranks[0];
            assert!(e.findings.iter().all(|row| row.finding.metric == e.metric));
            assert_eq!(e.annotations.len(), usize::from(e.metric == annotated), "{}", e.metric);
        }
        assert_eq!(entries[0].findings.iter().map(|row| row.rank).collect::<Vec<_>>(), vec![1, r.findings.len()]);
        assert_eq!(s.findings.iter().map(|row| row.rank).collect::<Vec<_>>(), (1..=r.findings.len()).collect::<Vec<_>>());
    }

    #[test]
    fn past_the_cap_only_the_annotated_metrics_are_charted() {
        use crate::finding::Kind;
        let cap = MAX_CHARTS;
        // (case, flagged metrics, findings each, annotated metrics (by rank of their first finding), charted, left out)
        type Case<'a> = (&'a str, usize, usize, &'a [usize], usize, usize);
        let cases: &[Case] = &[
            ("a team's review", 3, 1, &[], 3, 0),
            ("exactly the cap", cap, 1, &[], cap, 0),
            ("one past the cap", cap + 1, 1, &[], cap, 1),
            ("a metric's second finding does not count again", cap + 5, 2, &[], cap, 5),
            ("annotated past the cap, and within it", cap + 50, 1, &[cap + 10, 5], cap + 1, 49),
            ("an annotated metric nobody flagged has no chart", 3, 1, &[7], 3, 0),
        ];
        for &(name, metrics, each, annotated, charted, left_out) in cases {
            let metric = |i: usize| {
                crate::config::Metric::new(&format!("m{i:04}"), "T", "svc", crate::config::Worse::Higher, std::path::Path::new("x"), "s")
            };
            // Ranked as a review ranks them: every metric's first finding, then every metric's second.
            let fs: Vec<Finding> = (0..each)
                .flat_map(|k| (0..metrics).map(move |i| (k, i)))
                .map(|(k, i)| Finding::new(Kind::SeasonalAnomaly, &metric(i), 1000 * k as i64, 1000 * k as i64 + 300, 50.0, String::new()))
                .collect();
            let rows: Vec<FindingRow> = fs
                .iter()
                .enumerate()
                .map(|(i, f)| FindingRow { rank: i + 1, finding: f, band: Band::of(f.severity), when: String::new(), recurring: None })
                .collect();
            let notes: Vec<Annotation> = annotated
                .iter()
                .map(|&i| Annotation {
                    id: i as i64,
                    metric: format!("m{i:04}"),
                    start: 0,
                    end: 300,
                    note: "deploy".into(),
                    finding: String::new(),
                    author: String::new(),
                    created_at: 0,
                    maintenance: false,
                })
                .collect();
            let notes: Vec<AnnotationRow> =
                notes.iter().map(|note| AnnotationRow { note, from: String::new(), to: String::new() }).collect();
            let c = charts(&rows, &notes);
            assert_eq!((c.entries.len(), c.left_out), (charted, left_out), "{name}");
            let order: Vec<usize> = c.entries.iter().map(|e| e.findings[0].rank).collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{name}: in rank order");
            assert!(c.entries.iter().all(|e| e.findings.len() == each), "{name}: every finding of a charted metric");
            for i in 0..metrics {
                let id = format!("m{i:04}");
                let want = i < cap || annotated.contains(&i);
                assert_eq!(c.has(&id), want, "{name}: {id}");
                assert_eq!(c.entries.iter().any(|e| e.metric == id), want, "{name}: {id}");
            }
        }
    }

    #[test]
    fn a_team_dashboard_is_linked_only_when_it_is_http() {
        let mut r = Review::open(std::path::Path::new("data"), false, &crate::source::Quiet).expect("the sample reviews");
        r.workspace.teams[0].dashboard = Some("javascript:alert(1)".into());
        r.workspace.teams[1].dashboard = Some("https://grafana.example/d/a|b".into());
        let notes = Notes::default();
        let s = sections(&r, &notes);
        assert_eq!(s.teams[0].dashboard, None);
        assert_eq!(s.teams[1].dashboard.as_deref(), Some("https://grafana.example/d/a|b"));
        let md = super::super::markdown(&r);
        assert!(!md.contains("javascript"), "{md}");
        assert!(md.contains("<https://grafana.example/d/a%7Cb> |"), "a pipe cannot end the cell: {md}");
        let html = super::super::html(&r);
        assert!(!html.contains("javascript"));
    }
}
