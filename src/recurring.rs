//! What keeps coming back: each reviewed week's findings are kept in the journal, and a metric flagged for
//! the same kind in `k` of the last `n` reviewed weeks (3 of 6 by default) is *recurring* — the place to
//! raise a deeper fix rather than another one-off action item.
//!
//! Only a review of one whole workspace week at the workspace's own sensitivity is kept (a custom range
//! or a sensitivity being tried out would rewrite the history with findings nobody reviewed).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::finding::{Finding, Kind};
use crate::journal::history::History;
use crate::journal::{Journal, JournalError};
use crate::review::Review;
use crate::time;

/// `k` of the last `n` reviewed weeks (this one included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub k: usize,
    pub n: usize,
}

impl Default for Rule {
    fn default() -> Rule {
        Rule { k: 3, n: 6 }
    }
}

/// A finding whose metric was flagged for the same kind in several recent reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recurrence {
    /// The weeks it was flagged in, this one first (local dates the weeks start on).
    pub weeks: Vec<String>,
    /// How many reviewed weeks were looked at, this one included (at most the rule's `n`).
    pub of: usize,
}

impl Recurrence {
    /// `4 of the last 6 weeks`.
    pub fn label(&self) -> String {
        format!("{} of the last {} weeks", self.weeks.len(), self.of)
    }
}

/// The recurring findings of week `week`, by finding id: those whose metric and kind were flagged in at
/// least `rule.k` of `week` and the weeks of `history` (the reviews before it, newest first).
pub fn recurring(week: &str, findings: &[Finding], history: &History, rule: Rule) -> BTreeMap<String, Recurrence> {
    let looked_at: Vec<&str> = history.weeks.iter().map(String::as_str).take(rule.n.saturating_sub(1)).collect();
    let mut flagged: BTreeMap<(&str, Kind), BTreeSet<&str>> = BTreeMap::new();
    for r in &history.findings {
        if looked_at.contains(&r.week.as_str()) {
            flagged.entry((r.metric.as_str(), r.kind)).or_default().insert(r.week.as_str());
        }
    }
    let mut out = BTreeMap::new();
    for f in findings {
        let before = flagged.get(&(f.metric.as_str(), f.kind));
        let mut weeks = vec![week.to_string()];
        // Newest first, as the history lists its weeks.
        weeks.extend(looked_at.iter().filter(|w| before.is_some_and(|b| b.contains(*w))).map(|w| w.to_string()));
        if weeks.len() >= rule.k.max(2) {
            out.insert(f.id(), Recurrence { weeks, of: looked_at.len() + 1 });
        }
    }
    out
}

/// The week a review stands for, when it is worth keeping: one whole workspace week (`2026-11-09`, the
/// local date it starts on) reviewed at the workspace's own sensitivity, and not wholly before or after the
/// data (a mistyped week would be counted among "the last weeks" for what keeps coming back).
pub fn week_key(r: &Review) -> Option<String> {
    let (tz, start, end) = (&r.ctx.tz, r.ctx.review_start(), r.ctx.review_end());
    let whole_week = time::week_start_of(tz, r.workspace.week_starts, start) == start && time::add_weeks(tz, start, 1) == end;
    (whole_week && r.params.sensitivity == r.workspace.sensitivity && !r.outside_data).then(|| start_date(r))
}

/// Finding `id` of review `r` (listed or folded into Muted) as the journal keeps findings, in the week the review is
/// compared as ([`start_date`]): what a verdict is given on when no kept week holds it
/// ([`Journal::mark_seen`]). None when the review has no such finding.
pub fn seen(r: &Review, id: &str) -> Option<crate::journal::history::Recorded> {
    let f = r.finding(id)?;
    Some(crate::journal::history::Recorded {
        week: start_date(r),
        id: id.to_string(),
        metric: f.metric.clone(),
        instance: f.instance.clone(),
        kind: f.kind,
        start: f.start,
        end: f.end,
        severity: f.severity,
        sentence: f.sentence.clone(),
    })
}

/// The local date the review range starts on (`2026-11-09`): the week a review is compared as.
pub fn start_date(r: &Review) -> String {
    time::local_date(&r.ctx.tz, r.ctx.review_start()).format("%Y-%m-%d").to_string()
}

/// How much higher a recurring finding ranks (in severity points; its severity itself is unchanged).
pub const RECURRING_BONUS: u16 = 10;

/// Re-rank so a recurring finding counts [`RECURRING_BONUS`] more: what keeps coming back goes above a
/// one-off of about the same severity. Stable, so everything else keeps its order.
pub fn rank_recurring_higher(findings: &mut [Finding], recurring: &BTreeMap<String, Recurrence>) {
    if recurring.is_empty() {
        return;
    }
    let weight = |f: &Finding| u16::from(f.severity) + if recurring.contains_key(&f.id()) { RECURRING_BONUS } else { 0 };
    // Cached: a finding's id is built once, not at every comparison.
    findings.sort_by_cached_key(|f| std::cmp::Reverse(weight(f)));
}

/// What the room said, applied to a review: its week kept in the journal (when [`week_key`] says it
/// stands for one), the recurring findings marked (`Review::recurring`), and, with `fold`, the findings an
/// "expected" verdict or a planned-maintenance annotation covers folded into `Review::muted`. Call it
/// again after a re-flag.
pub fn apply(journal: &mut Journal, r: &mut Review, fold: bool, now: i64) -> Result<(), JournalError> {
    let rule = Rule::default();
    let week = match week_key(r) {
        Some(week) => {
            journal.record_week(&week, &r.findings, now)?;
            week
        }
        None => start_date(r),
    };
    // One read serves both: the reviews before this week (recurrence), and the recent weeks with this
    // one when it was kept (the noise shares).
    let recent = journal.weeks_through(&week, rule.n)?;
    let history = recent.before(&week, rule.n.saturating_sub(1));
    r.recurring = recurring(&week, &r.findings, &history, rule);
    rank_recurring_higher(&mut r.findings, &r.recurring);
    let verdicts = journal.verdicts(None)?;
    let ids: BTreeSet<String> = r.findings.iter().map(Finding::id).collect();
    r.verdicts = verdicts.iter().filter(|v| ids.contains(&v.finding.id)).map(|v| (v.finding.id.clone(), v.clone())).collect();
    let teams = r.workspace.teams_by_metric();
    r.noise = crate::noise::shares(&recent, &verdicts, |metric| teams.get(metric).map_or("(unknown)", |t| t).to_string());
    if fold {
        let notes = journal.annotations(r.ctx.review_start(), r.ctx.review_end())?;
        crate::muting::fold(r, &verdicts, &notes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::history::Recorded;

    fn finding(metric: &str, kind: Kind) -> Finding {
        let m = crate::config::Metric::new(metric, "T", "svc", crate::config::Worse::Higher, std::path::Path::new("x"), metric);
        Finding::new(kind, &m, 1_000, 1_600, 50.0, String::new())
    }

    fn recorded(week: &str, metric: &str, kind: Kind) -> Recorded {
        Recorded::example(week, metric, kind)
    }

    #[test]
    fn recurrence_counts_reviewed_weeks_with_the_same_metric_and_kind() {
        use Kind::{MissingData as Md, SeasonalAnomaly as Sa};
        let weeks = ["w5", "w4", "w3", "w2", "w1", "w0"];
        // (history of the metric `m` as (week, kind), this week's kind, rule, expected weeks flagged or None)
        type Case<'a> = (&'a str, &'a [(&'a str, Kind)], Kind, Rule, Option<usize>);
        let cases: &[Case] = &[
            ("flagged in 3 of 6 with this one", &[("w5", Sa), ("w3", Sa)], Sa, Rule::default(), Some(3)),
            ("twice is not yet recurring", &[("w5", Sa)], Sa, Rule::default(), None),
            ("another kind does not count", &[("w5", Md), ("w4", Md), ("w3", Sa)], Sa, Rule::default(), None),
            ("weeks beyond the window do not count", &[("w5", Sa), ("w0", Sa)], Sa, Rule::default(), None),
            ("every week", &[("w5", Sa), ("w4", Sa), ("w3", Sa), ("w2", Sa), ("w1", Sa)], Sa, Rule::default(), Some(6)),
            ("2 of 3", &[("w5", Sa)], Sa, Rule { k: 2, n: 3 }, Some(2)),
            ("a rule of 1 still needs a second week", &[], Sa, Rule { k: 1, n: 6 }, None),
        ];
        for (name, past, kind, rule, want) in cases {
            let history = History {
                weeks: weeks.iter().map(|w| w.to_string()).collect(),
                findings: past.iter().map(|(w, k)| recorded(w, "m", *k)).chain([recorded("w4", "other", *kind)]).collect(),
            };
            let f = finding("m", *kind);
            let got = recurring("w6", std::slice::from_ref(&f), &history, *rule);
            assert_eq!(got.get(&f.id()).map(|r| r.weeks.len()), *want, "{name}");
            if let Some(r) = got.get(&f.id()) {
                assert_eq!(r.weeks[0], "w6", "{name}: this week first");
                assert_eq!(r.of, rule.n.min(weeks.len() + 1), "{name}");
                assert!(r.weeks.windows(2).all(|w| w[0] > w[1]), "{name}: newest first: {:?}", r.weeks);
            }
        }
    }

    #[test]
    fn only_a_whole_week_at_the_workspace_sensitivity_is_kept() {
        let r = Review::open(std::path::Path::new("data"), false, &crate::source::Quiet).expect("the sample reviews");
        assert_eq!(week_key(&r).as_deref(), Some("2026-11-09"), "the sample's last complete week");
        let mut tried = r.clone();
        tried.params = crate::analysis::Params::new(2.0).expect("sensitivity");
        assert_eq!(week_key(&tried), None, "a sensitivity being tried out");
        let mut part = r;
        part.ctx = crate::analysis::Context::new(
            part.ctx.tz,
            part.ctx.week_starts,
            part.ctx.grid.step,
            part.ctx.review_start(),
            part.ctx.review_start() + 86_400,
            2,
        );
        assert_eq!(week_key(&part), None, "one day");
    }

    #[test]
    fn a_week_wholly_before_or_after_the_data_says_so_and_is_not_kept() {
        let ws = crate::config::Workspace::open(std::path::Path::new("data")).expect("the sample workspace");
        let tz = ws.tz;
        let params = crate::analysis::Params { sensitivity: ws.sensitivity };
        // (a date in the week, what the range note must say, whether the week is kept)
        for (date, says, kept) in [
            ("2027-03-03", Some("the data ends before it (its last value is at 2026-11-15 23:55 CET)"), false),
            ("2019-12-31", Some("the data starts after it (its first value is at 2026-10-05 00:00 CEST)"), false),
            ("2026-11-16", Some("the data ends before it (its last value is at 2026-11-15 23:55 CET)"), false),
            ("2026-10-05", None, true),
            ("2026-11-11", None, true),
        ] {
            let t = time::parse_user_time(date, &tz).expect("date");
            let r = Review::run(ws.clone(), crate::review::RangeSpec::WeekOf(t), params, &crate::source::Quiet).expect("reviews");
            assert_eq!(r.outside_data, says.is_some(), "{date}: {}", r.range_note);
            if let Some(says) = says {
                assert!(
                    r.range_note.contains(says) && r.range_note.ends_with("so every series is silent in it"),
                    "{date}: {}",
                    r.range_note
                );
                // Every series that loaded is flagged as silent, none as usual.
                let silent = r.findings.iter().filter(|f| f.kind == Kind::MissingData).count();
                assert_eq!(silent, r.series.len(), "{date}");
            }
            assert_eq!(week_key(&r).is_some(), kept, "{date}");
        }
    }

    #[test]
    fn a_finding_only_another_sensitivity_shows_takes_a_verdict_in_the_week_shown() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = crate::fixture::workspace(dir.path());
        let params = crate::analysis::Params { sensitivity: ws.sensitivity };
        let mut r = Review::run(ws, crate::review::RangeSpec::WeekOf(crate::fixture::WEEK), params, &crate::source::Quiet).expect("review");
        let mut j = Journal::open(&dir.path().join("j.sqlite")).expect("journal");
        apply(&mut j, &mut r, true, 0).expect("the week kept at the workspace's sensitivity");
        let kept: BTreeSet<String> = r.findings.iter().map(Finding::id).collect();
        // Higher: findings the kept week does not hold.
        r.reflag(crate::analysis::Params { sensitivity: r.workspace.sensitivity * 4.0 });
        apply(&mut j, &mut r, true, 0).expect("marks");
        assert!(week_key(&r).is_none(), "another sensitivity keeps no week");
        let new = r.findings.iter().map(Finding::id).find(|id| !kept.contains(id)).expect("a finding only the higher sensitivity shows");
        let mark = crate::journal::verdicts::Mark {
            verdict: crate::journal::verdicts::Verdict::Noise,
            reason: None,
            note: String::new(),
            scope: None,
            author: "ana".into(),
        };
        assert!(j.mark(&new, &mark, 0).is_err(), "by id alone, the history does not know it");
        let shown = seen(&r, &new).expect("the review shows it");
        assert_eq!((shown.week.as_str(), shown.id.as_str()), (start_date(&r).as_str(), new.as_str()));
        let stored = j.mark_seen(&new, Some(&shown), &mark, 0).expect("a verdict on what the room sees");
        assert_eq!((&stored.finding.week, stored.finding.kind, stored.finding.start), (&shown.week, shown.kind, shown.start));
        apply(&mut j, &mut r, true, 0).expect("marks");
        assert_eq!(r.verdicts.get(&new).map(|v| v.verdict), Some(crate::journal::verdicts::Verdict::Noise), "shown on its finding");
        // A finding a kept week holds is marked as the history has it, whatever the caller saw; an id the review
        // does not show is still refused.
        let old = kept.iter().next().expect("a kept finding");
        let recorded = j.recorded(old).expect("reads").expect("kept");
        let wrong = crate::journal::history::Recorded { id: old.clone(), severity: recorded.severity.wrapping_add(1), ..shown.clone() };
        assert_eq!(j.mark_seen(old, Some(&wrong), &mark, 0).expect("marks").finding, recorded);
        assert!(seen(&r, "nothing:seasonal_anomaly:0").is_none());
        assert!(j.mark_seen("nothing:seasonal_anomaly:0", Some(&shown), &mark, 0).is_err(), "seen is another finding");
    }

    #[test]
    fn a_recurring_finding_ranks_above_a_one_off_of_about_the_same_severity() {
        let m = |id: &str, sev: f64| {
            let metric = crate::config::Metric::new(id, "T", "svc", crate::config::Worse::Higher, std::path::Path::new("x"), id);
            Finding::new(Kind::SeasonalAnomaly, &metric, 0, 60, sev, String::new())
        };
        let mut fs = vec![m("a", 70.0), m("b", 62.0), m("c", 58.0), m("d", 50.0)];
        let rec = Recurrence { weeks: vec!["w3".into(), "w2".into(), "w1".into()], of: 3 };
        let recurring: BTreeMap<String, Recurrence> = [(fs[2].id(), rec)].into_iter().collect();
        rank_recurring_higher(&mut fs, &recurring);
        let order: Vec<&str> = fs.iter().map(|f| f.metric.as_str()).collect();
        assert_eq!(order, vec!["a", "c", "b", "d"], "58 + 10 goes above 62, not above 70");
    }

    #[test]
    fn fewer_reviews_than_the_window_are_said_as_such() {
        let history = History {
            weeks: vec!["w2".into(), "w1".into()],
            findings: vec![recorded("w2", "m", Kind::LevelShift), recorded("w1", "m", Kind::LevelShift)],
        };
        let f = finding("m", Kind::LevelShift);
        let got = recurring("w3", std::slice::from_ref(&f), &history, Rule::default());
        assert_eq!(got[&f.id()].label(), "3 of the last 3 weeks");
    }
}
