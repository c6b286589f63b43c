//! The overview's findings as the app's window is sent them: without what the window works out from what it
//! holds already. At 10,000 metrics and a high sensitivity the overview carries tens of thousands of findings, and
//! a third of each was its rank, its id, its kind's label and its metric's team, service and name, all sent again
//! at every step of the slider; the window's `backend.js` puts them back, so every view reads whole findings.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Metric;
use crate::finding::Kind;
use crate::recurring::Recurrence;
use crate::report::json::{self, VerdictOut};
use crate::review::Review;

/// A finding as the overview sends it, in rank order (its rank is its place in the list, from 1). The window
/// makes the rest of the review document's finding (`json::FindingOut`) from it:
/// - `id`: `metric`, `@instance` when there is one, `:kind:start_unix` ([`crate::finding::Finding::id`]);
/// - `kind_label`: [`Overview::kind_labels`](super::Overview::kind_labels) of `kind`;
/// - `team`, `service`, `metric_name`: the metric's, as the review's metrics list them, unless given here;
/// - `instance`, `recurring`, `verdict`: null when absent.
///
/// It carries neither `evidence` (a metric's detail does) nor the RFC 3339 `start` and `end` (the overview's
/// `when` says them in words).
#[derive(Debug, Serialize)]
pub struct Sent {
    pub kind: Kind,
    pub metric: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub start_unix: i64,
    pub end_unix: i64,
    pub severity: u8,
    pub sentence: String,
    /// Given only where the finding's differs from its metric's (or the metric is not listed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// As `team`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// As `team`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring: Option<Recurrence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictOut>,
}

/// The review's findings as the overview sends them.
pub fn findings(r: &Review) -> Vec<Sent> {
    // The metrics as the review document lists them (those loaded and those that could not be).
    let listed: HashMap<&str, &Metric> =
        r.series.iter().map(|s| &s.metric).chain(r.errors.iter().map(|(m, _)| m)).map(|m| (m.id.as_str(), m)).collect();
    r.findings
        .par_iter()
        .map(|f| {
            let m = listed.get(f.metric.as_str());
            let unless = |same: fn(&Metric) -> &str, own: &String| match m {
                Some(m) if same(m) == own => None,
                _ => Some(own.clone()),
            };
            let id = f.id();
            Sent {
                kind: f.kind,
                metric: f.metric.clone(),
                instance: f.instance.clone(),
                start_unix: f.start,
                end_unix: f.end,
                severity: f.severity,
                sentence: f.sentence.clone(),
                team: unless(|m| &m.team, &f.team),
                service: unless(|m| &m.service, &f.service),
                metric_name: unless(|m| &m.name, &f.metric_name),
                recurring: r.recurring.get(&id).cloned(),
                verdict: r.verdicts.get(&id).map(json::verdict_out),
            }
        })
        .collect()
}

/// Each kind's label, by its key: what the window gives a sent finding as its `kind_label`.
pub fn kind_labels() -> BTreeMap<&'static str, &'static str> {
    Kind::ALL.iter().map(|k| (k.key(), k.label())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Params;
    use crate::review::RangeSpec;

    /// A sent finding made whole as `ui/backend.js` makes it, from the metrics the window holds.
    fn whole(i: usize, s: &Sent, metrics: &[json::MetricOut], labels: &BTreeMap<&str, &str>) -> serde_json::Value {
        let m = metrics.iter().find(|m| m.id == s.metric);
        let or = |own: &Option<String>, of: fn(&json::MetricOut) -> &String| own.clone().or_else(|| m.map(|m| of(m).clone()));
        let instance = s.instance.as_ref().map(|i| format!("@{i}")).unwrap_or_default();
        serde_json::json!({
            "rank": i + 1,
            "id": format!("{}{instance}:{}:{}", s.metric, serde_json::to_value(s.kind).expect("kind").as_str().expect("a key"), s.start_unix),
            "kind": s.kind,
            "kind_label": labels[s.kind.key()],
            "team": or(&s.team, |m| &m.team),
            "service": or(&s.service, |m| &m.service),
            "metric": s.metric,
            "metric_name": or(&s.metric_name, |m| &m.name),
            "instance": s.instance,
            "start_unix": s.start_unix,
            "end_unix": s.end_unix,
            "severity": s.severity,
            "sentence": s.sentence,
            "recurring": s.recurring,
            "verdict": s.verdict,
        })
    }

    #[test]
    fn the_window_makes_the_documents_findings_whole_from_what_it_holds() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut r = Review::run(
            crate::fixture::workspace(dir.path()),
            RangeSpec::WeekOf(crate::fixture::WEEK),
            Params::new(2.0).expect("s"),
            &crate::source::Quiet,
        )
        .expect("review");
        // A finding of a metric moved to another team after it was found, and one with an instance: what the
        // window cannot work out is sent.
        r.findings[0].team = "Moved".into();
        let with_instance = r.findings.iter().position(|f| f.instance.is_some());
        let doc = json::document(&r);
        let (sent, labels) = (findings(&r), kind_labels());
        assert!(sent.len() > 3 && sent.len() == doc.findings.len());
        assert_eq!(sent[0].team.as_deref(), Some("Moved"), "not the metric's team: sent");
        assert!(sent[1..].iter().all(|s| s.team.is_none() && s.service.is_none() && s.metric_name.is_none()), "the metric's: left out");
        for (i, (s, d)) in sent.iter().zip(&doc.findings).enumerate() {
            let mut want = serde_json::to_value(d).expect("json");
            let o = want.as_object_mut().expect("an object");
            for gone in ["start", "end", "evidence"] {
                o.remove(gone);
            }
            assert_eq!(whole(i, s, &doc.metrics, &labels), want, "finding {i}: {}", d.id);
        }
        if let Some(i) = with_instance {
            assert!(serde_json::to_string(&sent[i]).expect("json").contains("\"instance\""));
        }
        // What is absent is not sent at all.
        let text = serde_json::to_string(&sent[1..]).expect("json");
        for absent in ["\"rank\"", "\"id\"", "\"kind_label\"", "\"evidence\"", "\"team\"", "\"verdict\":null", "\"recurring\":null"] {
            assert!(!text.contains(absent), "{absent} is not sent");
        }
    }
}
