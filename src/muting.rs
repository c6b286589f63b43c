//! Folding known noise away, never dropping it: a finding covered by an "expected" verdict's scope (this
//! occurrence, this metric at this local time of week, this metric for N weeks) leaves the ranked list
//! for a "Muted" group at the end, with the reason and who said so. A muted pattern that comes back
//! clearly worse (severity up by 20 or more) is not muted.

use chrono::{Datelike, NaiveDate, Timelike};
use chrono_tz::Tz;
use serde::Serialize;

use crate::finding::{Finding, Kind};
use crate::journal::annotations::Annotation;
use crate::journal::verdicts::{Scope, Stored, Verdict};
use crate::review::Review;
use crate::time;

/// How much worse than when it was marked a finding must be to show again.
pub const WORSE_BY: u8 = 20;

/// How far around the marked time of week a recurrence still counts as "the same time" (seconds).
const TIME_OF_WEEK_SLACK: i64 = 3600;

/// A finding folded away, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MutedFinding {
    pub finding: Finding,
    /// `planned maintenance: monthly patching`, and the scope.
    pub reason: String,
    /// Who said it was expected.
    pub by: String,
    /// The finding the verdict was given on (empty when an annotation marked planned maintenance folded it).
    pub verdict_on: String,
}

/// Move the findings that an "expected" verdict covers, or that fall in an annotation marked planned
/// maintenance on their metric, from `r.findings` to `r.muted`, in rank order.
pub fn fold(r: &mut Review, verdicts: &[Stored], annotations: &[Annotation]) {
    let tz = r.ctx.tz;
    let expected: Vec<&Stored> = verdicts.iter().filter(|v| v.verdict == Verdict::Expected).collect();
    let maintenance: Vec<&Annotation> = annotations.iter().filter(|a| a.maintenance).collect();
    let mut kept = Vec::with_capacity(r.findings.len());
    for f in std::mem::take(&mut r.findings) {
        if let Some(v) = expected.iter().find(|v| covers(&tz, v, &f)) {
            r.muted.push(MutedFinding { reason: reason(v), by: v.author.clone(), verdict_on: v.finding.id.clone(), finding: f });
        } else if let Some(a) =
            maintenance.iter().find(|a| f.kind != Kind::SourceError && a.metric == f.metric && a.start < f.end && f.start < a.end)
        {
            let by = if a.author.trim().is_empty() { "unknown".to_string() } else { a.author.clone() };
            r.muted.push(MutedFinding {
                reason: format!("planned maintenance: {} (annotated)", a.note),
                by,
                verdict_on: String::new(),
                finding: f,
            });
        } else {
            kept.push(f);
        }
    }
    r.findings = kept;
}

/// Whether verdict `v` (expected) covers finding `f`.
pub fn covers(tz: &Tz, v: &Stored, f: &Finding) -> bool {
    let on = &v.finding;
    if on.metric != f.metric || on.kind != f.kind || (on.instance.is_some() && on.instance != f.instance) {
        return false;
    }
    if f.severity >= on.severity.saturating_add(WORSE_BY) {
        return false;
    }
    match v.scope.unwrap_or(Scope::Occurrence) {
        Scope::Occurrence => on.id == f.id(),
        Scope::TimeOfWeek => f.start >= on.start && same_time_of_week(tz, on.start, on.end, f.start),
        Scope::Weeks(n) => {
            let Ok(day) = NaiveDate::parse_from_str(&on.week, "%Y-%m-%d") else { return false };
            let from = time::local_midnight(tz, day);
            f.start >= from && f.start < time::add_weeks(tz, from, i64::from(n))
        }
    }
}

/// Whether `t` falls at the local time of week of `[start, end)` (wall-clock time, so the same across a
/// DST change), give or take an hour.
fn same_time_of_week(tz: &Tz, start: i64, end: i64, t: i64) -> bool {
    const WEEK_SECS: i64 = 7 * 86_400;
    let tow = |x: i64| {
        let d = time::utc(x).with_timezone(tz);
        i64::from(d.weekday().num_days_from_monday()) * 86_400 + i64::from(d.num_seconds_from_midnight())
    };
    let from = tow(start) - TIME_OF_WEEK_SLACK;
    let len = (end - start).clamp(0, WEEK_SECS) + 2 * TIME_OF_WEEK_SLACK;
    (tow(t) - from).rem_euclid(WEEK_SECS) <= len
}

fn reason(v: &Stored) -> String {
    let why = v.reason.map(|r| r.label()).unwrap_or("expected");
    let note = if v.note.is_empty() { String::new() } else { format!(": {}", v.note) };
    let scope = match v.scope.unwrap_or(Scope::Occurrence) {
        s @ Scope::Weeks(_) => format!("{} from {}", s.label(), v.finding.week),
        s => s.label(),
    };
    format!("{why}{note} ({scope})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Kind;
    use crate::journal::history::Recorded;
    use crate::journal::verdicts::Reason;

    const BERLIN: Tz = chrono_tz::Europe::Berlin;

    fn at(s: &str) -> i64 {
        time::parse_timestamp(s, &BERLIN).expect("time") as i64
    }

    fn finding(kind: Kind, start: &str, hours: i64, severity: u8) -> Finding {
        let m = crate::config::Metric::new("batch.lag", "T", "svc", crate::config::Worse::Higher, std::path::Path::new("x"), "lag");
        let s = at(start);
        let mut f = Finding::new(kind, &m, s, s + hours * 3600, severity as f64, String::new());
        f.severity = severity;
        f
    }

    fn expected(on: &Finding, week: &str, scope: Scope) -> Stored {
        Stored {
            finding: Recorded {
                week: week.into(),
                id: on.id(),
                metric: on.metric.clone(),
                instance: None,
                kind: on.kind,
                start: on.start,
                end: on.end,
                severity: on.severity,
                sentence: String::new(),
            },
            verdict: Verdict::Expected,
            reason: Some(Reason::BatchJob),
            note: "nightly export".into(),
            scope: Some(scope),
            author: "ana".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn scopes_cover_what_they_say_and_nothing_worse() {
        use Kind::{SeasonalAnomaly as Sa, UnusualStretch as Us};
        // Marked: Monday 2026-10-19 02:00–04:00 Berlin (summer time), a known batch job.
        let on = finding(Sa, "2026-10-19T02:00", 2, 50);
        let cases: &[(&str, Scope, Finding, bool)] = &[
            ("the occurrence itself", Scope::Occurrence, on.clone(), true),
            ("the occurrence scope is that finding only", Scope::Occurrence, finding(Sa, "2026-10-26T02:00", 2, 50), false),
            ("same wall-clock time across the DST change", Scope::TimeOfWeek, finding(Sa, "2026-10-26T02:30", 1, 55), true),
            ("within the hour of slack", Scope::TimeOfWeek, finding(Sa, "2026-11-02T04:45", 1, 50), true),
            ("another time of week", Scope::TimeOfWeek, finding(Sa, "2026-10-27T02:00", 2, 50), false),
            ("another kind", Scope::TimeOfWeek, finding(Us, "2026-10-26T02:00", 2, 50), false),
            ("clearly worse shows again", Scope::TimeOfWeek, finding(Sa, "2026-10-26T02:00", 2, 70), false),
            ("just below clearly worse", Scope::TimeOfWeek, finding(Sa, "2026-10-26T02:00", 2, 69), true),
            ("not before it was marked", Scope::TimeOfWeek, finding(Sa, "2026-10-12T02:00", 2, 50), false),
            ("two weeks: the second", Scope::Weeks(2), finding(Sa, "2026-11-01T23:00", 1, 50), true),
            ("two weeks: not the third", Scope::Weeks(2), finding(Sa, "2026-11-02T00:30", 1, 50), false),
        ];
        for (name, scope, f, want) in cases {
            let v = expected(&on, "2026-10-19", *scope);
            assert_eq!(covers(&BERLIN, &v, f), *want, "{name}");
        }
    }

    #[test]
    fn the_time_of_week_is_the_wall_clock_across_dst() {
        // Marked at Monday 02:00 summer time; the clocks went back on Sunday 2026-10-25.
        let s = at("2026-10-19T02:00");
        assert!(same_time_of_week(&BERLIN, s, s, at("2026-10-26T02:50")), "50 min later on the wall clock (1 h 50 in UTC)");
        assert!(!same_time_of_week(&BERLIN, s, s, at("2026-10-26T00:55")), "65 min earlier on the wall clock (5 min in UTC)");
        assert!(same_time_of_week(&BERLIN, s, s + 7200, at("2026-11-02T03:59")), "inside the marked two hours");
        assert!(same_time_of_week(&BERLIN, at("2026-10-25T23:30"), at("2026-10-26T00:30"), at("2026-11-02T00:10")), "across midnight");
    }

    #[test]
    fn only_expected_verdicts_fold_and_the_reason_says_who_and_why() {
        let mut r = Review::open(std::path::Path::new("data"), false, &crate::source::Quiet).expect("the sample reviews");
        let n = r.findings.len();
        let (top, second) = (r.findings[0].clone(), r.findings[1].clone());
        let mut noise = expected(&second, "2026-11-09", Scope::Occurrence);
        noise.verdict = Verdict::Noise;
        fold(&mut r, &[expected(&top, "2026-11-09", Scope::Occurrence), noise], &[]);
        assert_eq!(r.findings.len(), n - 1, "one folded");
        assert_eq!(r.findings[0], second, "a noise verdict does not fold");
        assert_eq!(r.muted.len(), 1);
        assert_eq!(r.muted[0].finding, top);
        assert_eq!(r.muted[0].reason, "known batch job: nightly export (this occurrence)");
        assert_eq!(r.muted[0].by, "ana");
    }

    #[test]
    fn an_annotation_marked_planned_maintenance_folds_what_it_covers_on_its_metric() {
        let mut r = Review::open(std::path::Path::new("data"), false, &crate::source::Quiet).expect("the sample reviews");
        let (top, n) = (r.findings[0].clone(), r.findings.len());
        let note = |metric: &str, start: i64, end: i64, maintenance: bool| Annotation {
            id: 1,
            metric: metric.into(),
            start,
            end,
            note: "failover drill".into(),
            finding: String::new(),
            author: "bo".into(),
            created_at: 0,
            maintenance,
        };
        let notes = [
            note(&top.metric, top.start - 3600, top.start, true), // ends where it starts: no overlap
            note("another.metric", top.start, top.end, true),
            note(&top.metric, top.start, top.end, false), // a plain note mutes nothing
        ];
        fold(&mut r, &[], &notes);
        assert_eq!((r.findings.len(), r.muted.len()), (n, 0));
        fold(&mut r, &[], &[note(&top.metric, top.start + 60, top.start + 120, true)]);
        assert_eq!(r.muted.len(), 1);
        assert_eq!(r.muted[0].finding, top);
        assert_eq!(r.muted[0].reason, "planned maintenance: failover drill (annotated)");
        assert_eq!(r.muted[0].by, "bo");
    }
}
