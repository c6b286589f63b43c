//! What a metric would flag with other lines: the what-if of moving its alarm or investigation line in its
//! detail ("would 450 ms have caught Tuesday without paging every night?"), answered from the fit it already
//! has — the detectors run again on its arrays with the lines replaced, nothing refitted, nothing saved (the
//! workspace file stays the one place lines are set).

use thiserror::Error;

use super::{Review, SeriesFit};
use crate::analysis;
use crate::config::{fmt_num, Worse};
use crate::finding::{self, Finding};

/// The lines to try; `None` is no line.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize, Default)]
pub struct Lines {
    pub alarm: Option<f64>,
    pub investigation: Option<f64>,
}

impl Lines {
    /// The lines as a metric's entry in `flywheel.toml` writes them (`alarm = 450, investigation = 400`; a line
    /// that is none is `investigation removed`).
    pub fn to_toml(&self) -> String {
        let line = |name: &str, v: Option<f64>| v.map_or(format!("{name} removed"), |v| format!("{name} = {}", fmt_num(v)));
        format!("{}, {}", line("alarm", self.alarm), line("investigation", self.investigation))
    }
}

impl Lines {
    /// The lines a "line too loose" finding proposes, the metric's `own` where it proposes none (`None` for
    /// another finding, or one that proposes nothing).
    pub fn proposed_by(f: &Finding, own: Lines) -> Option<Lines> {
        if f.kind != crate::finding::Kind::LineTooLoose {
            return None;
        }
        let number = |key: &str| match f.evidence.get(key) {
            Some(crate::finding::Evidence::Number(v)) => Some(*v),
            _ => None,
        };
        let (a, i) = (number("proposed_alarm"), number("proposed_investigation"));
        (a.is_some() || i.is_some()).then_some(Lines { alarm: a.or(own.alarm), investigation: i.or(own.investigation) })
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum LinesError {
    #[error("no metric `{0}` in this review")]
    UnknownMetric(String),
    #[error("the {0} line must be a finite number")]
    NotFinite(&'static str),
    #[error("the investigation line {investigation} is {rel} the alarm line {alarm}: for a {dir}-is-worse metric it comes first")]
    Order { investigation: String, alarm: String, rel: &'static str, dir: &'static str },
    #[error("the metric's data could not be read back: {0}")]
    Unavailable(String),
}

/// A metric with other lines: the metric (its lines replaced) with its arrays, what it would flag in the
/// review range, and how often each line sat inside the worst of a history week.
#[derive(Debug)]
pub struct Trial {
    pub series: SeriesFit,
    pub findings: Vec<Finding>,
    /// Per line tried (alarm, then investigation): the history weeks whose worst reading (p99.5, p0.5 when
    /// lower is worse) was beyond it, and the history weeks with enough data to say.
    pub alarm_weeks: Option<(usize, usize)>,
    pub investigation_weeks: Option<(usize, usize)>,
}

impl Trial {
    /// One sentence on the history: "In the 5 history weeks, the highest 0.5% of readings reached the alarm line
    /// 450 ms in 2 and the investigation line 400 ms in all 5."
    pub fn history_sentence(&self) -> String {
        let m = &self.series.metric;
        let said = |name: &str, line: Option<f64>, weeks: Option<(usize, usize)>| {
            line.zip(weeks).map(|(l, (beyond, of))| {
                let count = match beyond {
                    0 => "none".to_string(),
                    n if n == of && n > 1 => format!("all {n}"),
                    n => n.to_string(),
                };
                format!("the {name} line {} in {count}", crate::text::value(l, &m.unit))
            })
        };
        let parts: Vec<String> =
            [said("alarm", m.alarm, self.alarm_weeks), said("investigation", m.investigation, self.investigation_weeks)]
                .into_iter()
                .flatten()
                .collect();
        let weeks = self.alarm_weeks.or(self.investigation_weeks).map_or(0, |w| w.1);
        if parts.is_empty() {
            "No lines: only the seasonal findings are flagged.".to_string()
        } else if weeks == 0 {
            "No history week has enough data to say how often these lines would have been reached.".to_string()
        } else {
            let worst = if m.worse == Worse::Higher { "highest" } else { "lowest" };
            format!(
                "In the {weeks} history week{}, the {worst} 0.5% of readings reached {}.",
                if weeks == 1 { "" } else { "s" },
                parts.join(" and ")
            )
        }
    }
}

impl Review {
    /// What `metric` would flag with `lines` instead of its own: its steady findings found again with them (the
    /// breaches read the lines), then flagged as [`Review::reflag`] flags a metric (drift toward a line and a
    /// line too loose read them too), deduplicated and ranked as the review ranks.
    pub fn with_lines(&self, metric: &str, lines: Lines) -> Result<Trial, LinesError> {
        let s = self.series_of(metric).ok_or_else(|| LinesError::UnknownMetric(metric.to_string()))?;
        if lines.alarm.is_some_and(|v| !v.is_finite()) {
            return Err(LinesError::NotFinite("alarm"));
        }
        if lines.investigation.is_some_and(|v| !v.is_finite()) {
            return Err(LinesError::NotFinite("investigation"));
        }
        if let Some((a, i)) = lines.alarm.zip(lines.investigation) {
            if let Some((rel, dir)) = s.metric.worse.misordered(i, a) {
                return Err(LinesError::Order { investigation: fmt_num(i), alarm: fmt_num(a), rel, dir });
            }
        }
        let mut series = self.full(s).map_err(|e| LinesError::Unavailable(e.to_string()))?.into_owned();
        series.spilled = None;
        series.metric.alarm = lines.alarm;
        series.metric.investigation = lines.investigation;
        // The breaches are the steady findings that read the lines: found again, then flagged as re-flagging
        // flags a metric.
        series.steady = analysis::detect::steady(&self.ctx, &series.metric, &series.values, &series.fit);
        let params = self.params.for_metric(&series.metric);
        let flagged = self.flag_again(&series, &params).map_err(|e| LinesError::Unavailable(e.to_string()))?;
        let mut findings = finding::dedupe(flagged);
        finding::rank(&mut findings);
        let m = &series.metric;
        // The history weeks the fit kept statistics of, with enough data to say.
        let weeks: Vec<f64> = series
            .fit
            .weeks
            .iter()
            .filter(|w| w.week < 0 && w.usable())
            .map(|w| if m.worse == Worse::Higher { w.p995 } else { w.p005 })
            .collect();
        let reached = |line: Option<f64>| line.map(|l| (weeks.iter().filter(|&&v| m.worse.beyond(v, l) || v == l).count(), weeks.len()));
        let (alarm_weeks, investigation_weeks) = (reached(m.alarm), reached(m.investigation));
        Ok(Trial { series, findings, alarm_weeks, investigation_weeks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Kind;
    use crate::review::RangeSpec;

    fn sample() -> Review {
        let ws = crate::config::Workspace::open(std::path::Path::new("data")).expect("the sample workspace");
        let params = analysis::Params { sensitivity: ws.sensitivity };
        Review::run(ws, RangeSpec::LastCompleteWeek, params, &crate::source::Quiet).expect("review")
    }

    #[test]
    fn trying_lines_flags_what_the_metric_would_with_them_and_changes_nothing() {
        let r = sample();
        let before: Vec<String> = r.findings.iter().map(|f| f.id()).collect();
        let kinds = |t: &Trial| t.findings.iter().map(|f| f.kind).collect::<Vec<_>>();
        // payments-api p99 breaches its alarm line 600 ms on Tuesday (peak 1260 ms, usually ~230 ms).
        let own = r.with_lines("payments.api.p99", Lines { alarm: Some(600.0), investigation: Some(400.0) }).expect("own lines");
        let mine: Vec<Kind> = r.findings.iter().filter(|f| f.metric == "payments.api.p99").map(|f| f.kind).collect();
        assert_eq!(kinds(&own), mine, "its own lines give its own findings");
        // Lines above the spike: no breach; lines in the daily peaks: breaches every day, and the history says so.
        let high = r.with_lines("payments.api.p99", Lines { alarm: Some(2000.0), investigation: Some(1500.0) }).expect("high");
        assert!(!kinds(&high).iter().any(|k| matches!(k, Kind::AlarmBreach | Kind::InvestigationBreach)), "{:?}", kinds(&high));
        assert_eq!(high.alarm_weeks, Some((0, 5)));
        let low = r.with_lines("payments.api.p99", Lines { alarm: Some(200.0), investigation: None }).expect("low");
        let breaches = low.findings.iter().filter(|f| f.kind == Kind::AlarmBreach).count();
        assert!(breaches >= 3, "{:?}", low.findings.iter().map(|f| &f.sentence).collect::<Vec<_>>());
        assert_eq!((low.alarm_weeks, low.investigation_weeks), (Some((5, 5)), None));
        assert_eq!(low.series.metric.alarm, Some(200.0));
        assert!(
            low.history_sentence()
                .starts_with("In the 5 history weeks, the highest 0.5% of readings reached the alarm line 200 ms in all 5"),
            "{}",
            low.history_sentence()
        );
        // Nothing of the review changed.
        assert_eq!(r.findings.iter().map(|f| f.id()).collect::<Vec<_>>(), before);
        assert_eq!(r.series_of("payments.api.p99").and_then(|s| s.metric.alarm), Some(600.0));
    }

    #[test]
    fn a_loose_line_finding_proposes_lines_to_try() {
        let r = sample();
        // The sample's loose lines: one metric has a "line too loose" finding with its proposal.
        let f = r.findings.iter().find(|f| f.kind == Kind::LineTooLoose).expect("the sample has a loose line");
        let m = &r.series_of(&f.metric).expect("loaded").metric;
        let own = Lines { alarm: m.alarm, investigation: m.investigation };
        let p = Lines::proposed_by(f, own).expect("a proposal");
        assert_ne!(p, own);
        let t = r.with_lines(&f.metric, p).expect("the proposal can be tried");
        assert!(!t.findings.iter().any(|g| g.kind == Kind::LineTooLoose), "the proposed lines are not too loose: {:?}", t.findings);
        let other = r.findings.iter().find(|f| f.kind != Kind::LineTooLoose).expect("another finding");
        assert_eq!(Lines::proposed_by(other, own), None);
    }

    #[test]
    fn lines_that_cannot_be_are_refused_by_name() {
        let r = sample();
        let cases = [
            ("nope", Lines::default(), LinesError::UnknownMetric("nope".into())),
            ("payments.api.p99", Lines { alarm: Some(f64::NAN), investigation: None }, LinesError::NotFinite("alarm")),
            ("payments.api.p99", Lines { alarm: None, investigation: Some(f64::INFINITY) }, LinesError::NotFinite("investigation")),
            (
                "payments.api.p99",
                Lines { alarm: Some(400.0), investigation: Some(600.0) },
                LinesError::Order { investigation: "600".into(), alarm: "400".into(), rel: "above", dir: "higher" },
            ),
        ];
        for (metric, lines, want) in cases {
            assert_eq!(r.with_lines(metric, lines).err(), Some(want));
        }
    }
}
