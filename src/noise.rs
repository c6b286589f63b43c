//! The noise report: how much of what each team and each kind of finding raised the room called noise
//! or expected, week over week, and for a metric dismissed as noise in three or more weeks a concrete
//! proposal — its own `sensitivity` in `flywheel.toml` — with the past findings it would have removed,
//! counted by re-flagging the stored weeks rather than guessed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::analysis::Params;
use crate::config::Workspace;
use crate::finding::{Finding, Kind};
use crate::journal::history::{History, Recorded};
use crate::journal::verdicts::{Stored, Verdict};
use crate::review::Review;

/// Weeks a metric must have been dismissed as noise in before a change is proposed.
pub const DISMISSED_WEEKS: usize = 3;

/// The sensitivities tried for a proposal, the gentlest first.
const TRIED: [f64; 6] = [0.8, 0.6, 0.5, 0.4, 0.3, 0.2];

/// One week of a team or a kind: what it raised and what the room said of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekShare {
    pub week: String,
    pub findings: usize,
    pub noise: usize,
    pub expected: usize,
}

impl WeekShare {
    /// Share of findings marked noise or expected (0 when there were none).
    pub fn dismissed(&self) -> f64 {
        if self.findings == 0 {
            0.0
        } else {
            (self.noise + self.expected) as f64 / self.findings as f64
        }
    }
}

/// Per team and per kind (oldest week first).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Shares {
    pub by_team: BTreeMap<String, Vec<WeekShare>>,
    pub by_kind: BTreeMap<Kind, Vec<WeekShare>>,
}

impl Shares {
    /// Whether the room called anything noise or expected in these weeks (else there is nothing to show).
    pub fn any_dismissed(&self) -> bool {
        self.by_team.values().flatten().any(|w| w.noise + w.expected > 0)
    }
}

/// The shares of every recorded week. `team_of` names a metric's team.
pub fn shares(history: &History, verdicts: &[Stored], team_of: impl Fn(&str) -> String) -> Shares {
    // A verdict is about one week's finding: the same id in another week (a finding at the same time
    // of week) is another finding.
    let said: BTreeMap<(&str, &str), Verdict> =
        verdicts.iter().map(|v| ((v.finding.week.as_str(), v.finding.id.as_str()), v.verdict)).collect();
    let mut out = Shares::default();
    let weeks: Vec<&String> = history.weeks.iter().rev().collect();
    for f in &history.findings {
        let verdict = said.get(&(f.week.as_str(), f.id.as_str())).copied();
        for row in [
            out.by_team.entry(team_of(&f.metric)).or_insert_with(|| blank(&weeks)),
            out.by_kind.entry(f.kind).or_insert_with(|| blank(&weeks)),
        ] {
            if let Some(w) = row.iter_mut().find(|w| w.week == f.week) {
                w.findings += 1;
                w.noise += usize::from(verdict == Some(Verdict::Noise));
                w.expected += usize::from(verdict == Some(Verdict::Expected));
            }
        }
    }
    out
}

fn blank(weeks: &[&String]) -> Vec<WeekShare> {
    weeks.iter().map(|w| WeekShare { week: (*w).clone(), findings: 0, noise: 0, expected: 0 }).collect()
}

/// A per-metric sensitivity that would have removed what the room dismissed as noise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    pub metric: String,
    /// The weeks it was marked noise in.
    pub weeks: Vec<String>,
    /// The proposed `sensitivity` for its `[[metric]]` (relative to the workspace's).
    pub sensitivity: Option<f64>,
    /// Findings marked noise, and how many of them the proposal removes.
    pub dismissed: usize,
    pub dismissed_removed: usize,
    /// Its other findings in those weeks, and how many of them the proposal removes too.
    pub others: usize,
    pub others_removed: usize,
}

/// Metrics marked noise in at least [`DISMISSED_WEEKS`] weeks.
pub fn candidates(verdicts: &[Stored]) -> BTreeMap<String, BTreeSet<String>> {
    let mut weeks: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for v in verdicts.iter().filter(|v| v.verdict == Verdict::Noise) {
        weeks.entry(v.finding.metric.clone()).or_default().insert(v.finding.week.clone());
    }
    weeks.retain(|_, w| w.len() >= DISMISSED_WEEKS);
    weeks
}

/// For each candidate metric, the gentlest sensitivity of [`TRIED`] that removes every finding marked
/// noise, found by re-flagging the stored weeks: `review_week` reviews one week (`2026-11-09`) as it
/// was reviewed then.
pub fn propose<E>(
    ws: &Workspace,
    verdicts: &[Stored],
    history: &History,
    mut review_week: impl FnMut(&str) -> Result<Review, E>,
) -> Result<Vec<Proposal>, E> {
    let candidates = candidates(verdicts);
    let noise: BTreeSet<&str> = verdicts.iter().filter(|v| v.verdict == Verdict::Noise).map(|v| v.finding.id.as_str()).collect();
    let weeks: BTreeSet<&String> = candidates.values().flatten().collect();
    // Per week: every candidate's findings at each sensitivity tried (the review is fitted once).
    let mut flagged: BTreeMap<(&str, usize), Vec<Finding>> = BTreeMap::new();
    for week in &weeks {
        let mut r = review_week(week)?;
        for (i, s) in TRIED.iter().enumerate() {
            r.reflag(Params { sensitivity: ws.sensitivity * s });
            flagged.insert((week.as_str(), i), r.findings.iter().filter(|f| candidates.contains_key(&f.metric)).cloned().collect());
        }
    }
    let mut out = Vec::new();
    for (metric, in_weeks) in &candidates {
        let mine: Vec<_> = history.findings.iter().filter(|f| &f.metric == metric && in_weeks.contains(&f.week)).collect();
        let (dismissed, others): (Vec<&Recorded>, Vec<&Recorded>) = mine.into_iter().partition(|f| noise.contains(f.id.as_str()));
        let still = |i: usize, f: &Recorded| {
            flagged
                .get(&(f.week.as_str(), i))
                .is_some_and(|fs| fs.iter().any(|g| &g.metric == metric && g.kind == f.kind && g.start < f.end && f.start < g.end))
        };
        let at = |i: usize| (dismissed.iter().filter(|f| !still(i, f)).count(), others.iter().filter(|f| !still(i, f)).count());
        let pick = (0..TRIED.len()).find(|&i| at(i).0 == dismissed.len());
        let (dismissed_removed, others_removed) = at(pick.unwrap_or(TRIED.len() - 1));
        out.push(Proposal {
            metric: metric.clone(),
            weeks: in_weeks.iter().cloned().collect(),
            sensitivity: pick.map(|i| TRIED[i]),
            dismissed: dismissed.len(),
            dismissed_removed,
            others: others.len(),
            others_removed,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::verdicts::Reason;

    fn rec(week: &str, metric: &str, kind: Kind) -> Recorded {
        Recorded::example(week, metric, kind)
    }

    fn said(r: &Recorded, verdict: Verdict) -> Stored {
        Stored {
            finding: r.clone(),
            verdict,
            reason: (verdict == Verdict::Expected).then_some(Reason::Deploy),
            note: String::new(),
            scope: None,
            author: "ana".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn shares_count_what_each_team_and_kind_raised_and_what_the_room_dismissed() {
        let findings = vec![
            rec("w2", "a", Kind::SeasonalAnomaly),
            rec("w2", "b", Kind::MissingData),
            rec("w1", "a", Kind::SeasonalAnomaly),
            rec("w1", "c", Kind::SeasonalAnomaly),
        ];
        let history = History { weeks: vec!["w3".into(), "w2".into(), "w1".into()], findings: findings.clone() };
        let verdicts =
            vec![said(&findings[0], Verdict::Noise), said(&findings[3], Verdict::Expected), said(&findings[1], Verdict::NeedsAction)];
        let s = shares(&history, &verdicts, |m| if m == "c" { "Other".into() } else { "Team".into() });
        fn row(rows: &[WeekShare]) -> Vec<(&str, usize, usize, usize)> {
            rows.iter().map(|w| (w.week.as_str(), w.findings, w.noise, w.expected)).collect()
        }
        assert_eq!(row(&s.by_team["Team"]), vec![("w1", 1, 0, 0), ("w2", 2, 1, 0), ("w3", 0, 0, 0)], "oldest first, a quiet week included");
        assert_eq!(row(&s.by_team["Other"]), vec![("w1", 1, 0, 1), ("w2", 0, 0, 0), ("w3", 0, 0, 0)]);
        assert_eq!(row(&s.by_kind[&Kind::SeasonalAnomaly]), vec![("w1", 2, 0, 1), ("w2", 1, 1, 0), ("w3", 0, 0, 0)]);
        assert_eq!(s.by_team["Team"][1].dismissed(), 0.5);
        assert_eq!(s.by_team["Team"][2].dismissed(), 0.0, "no findings, nothing dismissed");

        // The same finding id in another week (the same time of week) is another week's finding.
        let mut again = findings[0].clone();
        again.week = "w3".into();
        let history = History { weeks: vec!["w3".into(), "w2".into()], findings: vec![again, findings[0].clone()] };
        let s = shares(&history, &verdicts[..1], |_| "Team".into());
        assert_eq!(row(&s.by_team["Team"]), vec![("w2", 1, 1, 0), ("w3", 1, 0, 0)], "the verdict was on week w2's");
    }

    #[test]
    fn a_metric_is_a_candidate_after_three_weeks_of_noise() {
        let v = |week: &str, metric: &str, verdict| said(&rec(week, metric, Kind::SeasonalAnomaly), verdict);
        let verdicts = vec![
            v("w1", "a", Verdict::Noise),
            v("w2", "a", Verdict::Noise),
            v("w3", "a", Verdict::Noise),
            v("w1", "b", Verdict::Noise),
            v("w2", "b", Verdict::Noise),
            v("w3", "b", Verdict::Expected),
        ];
        let c = candidates(&verdicts);
        assert_eq!(c.keys().collect::<Vec<_>>(), vec!["a"], "b was noise in 2 weeks only (expected is not noise)");
        assert_eq!(c["a"].len(), 3);
    }
}
