//! The review's range: which week (or range) is reviewed, how many history weeks it has, and the grid —
//! chosen from where the data is ([`Scan`]: one pass over every series, whole or a batch at a time).

use crate::analysis::Context;
use crate::config::{Metric, Workspace};
use crate::series::{self, RawSeries};
use crate::source::{Instances, Window};
use crate::time;

use super::{RangeSpec, ReviewError, Warning};

/// What the data says about the range, gathered series by series (in any order: metrics are identified
/// by their index in the workspace, so a review in batches learns exactly what a whole one does).
#[derive(Debug, Default, Clone)]
pub(super) struct Scan {
    t_min: Option<f64>,
    t_max: Option<f64>,
    /// Input notes (rows far beyond the rest of their series), by metric index.
    notes: Vec<(usize, Warning)>,
    /// The step of the first metric (by index) that has data, inferred from its first instance.
    step: Option<(usize, Option<i64>)>,
}

impl Scan {
    /// Learn from metric `idx`'s loaded instances.
    pub(super) fn add(&mut self, ws: &Workspace, idx: usize, m: &Metric, inst: &Instances) {
        for (_, raw) in inst {
            let Some((first, end, far)) = robust_span(raw) else { continue };
            self.t_min = Some(self.t_min.map_or(first, |t| t.min(first)));
            self.t_max = Some(self.t_max.map_or(end, |t| t.max(end)));
            if far > 0 {
                let message = format!(
                    "{far} row{} dated far beyond the rest of the series (after {}) left out of the choice of the review week",
                    if far == 1 { "" } else { "s" },
                    time::long_label(&ws.tz, end as i64)
                );
                self.notes.push((idx, Warning { metric: m.id.clone(), file: m.source.describe(), message }));
            }
        }
        if self.step.is_none_or(|(i, _)| idx < i) {
            self.step = Some((idx, inst.first().and_then(|(_, r)| series::infer_step(&r.times))));
        }
    }

    /// Add what another part of the data said (a file scanned on its own).
    pub(super) fn merge(&mut self, o: Scan) {
        self.t_min = match (self.t_min, o.t_min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.t_max = match (self.t_max, o.t_max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.notes.extend(o.notes);
        if let Some((i, s)) = o.step {
            if self.step.is_none_or(|(j, _)| i < j) {
                self.step = Some((i, s));
            }
        }
    }

    /// Whether any value was seen.
    pub(super) fn has_data(&self) -> bool {
        self.t_min.is_some() && self.t_max.is_some()
    }

    /// Why nothing can be seen in the review range `[start, end)` when it lies wholly before or after the data
    /// (a mistyped week, or a week the data does not reach yet); None when they overlap.
    pub(super) fn outside(&self, tz: &chrono_tz::Tz, start: i64, end: i64) -> Option<String> {
        let (t_min, t_max) = (self.t_min?, self.t_max?);
        if t_max < start as f64 {
            Some(format!(
                "the data ends before it (its last value is at {}), so every series is silent in it",
                time::long_label(tz, t_max as i64)
            ))
        } else if t_min >= end as f64 {
            Some(format!(
                "the data starts after it (its first value is at {}), so every series is silent in it",
                time::long_label(tz, t_min as i64)
            ))
        } else {
            None
        }
    }

    /// The input notes, in workspace order.
    pub(super) fn notes(&mut self) -> Vec<Warning> {
        self.notes.sort_by_key(|(i, _)| *i);
        std::mem::take(&mut self.notes).into_iter().map(|(_, w)| w).collect()
    }
}

/// Choose the range and build the review's grid: the workspace's step (or the one inferred, written back
/// into the workspace), `[start, end)` and why, and the history weeks that hold any data. `None` when
/// the scan saw no value at all.
pub(super) fn prepare(ws: &mut Workspace, range: RangeSpec, scan: &Scan) -> Result<Option<(Context, String)>, ReviewError> {
    let (Some(t_max), Some(t_min)) = (scan.t_max, scan.t_min) else { return Ok(None) };
    let step = match ws.step {
        Some(s) => s,
        None => {
            let s = scan.step.and_then(|(_, s)| s).unwrap_or(300);
            ws.step = Some(s);
            s
        }
    };
    let (start, end, note) = pick_range(ws, range, step, t_min, t_max)?;
    // History weeks that hold any data (a week counts when it ends after the first sample).
    let history = (1..=ws.history_weeks as i64).take_while(|k| time::add_weeks(&ws.tz, start, 1 - k) as f64 > t_min).count();
    check_size(ws, start, end, history, step)?;
    let ctx = Context::new(ws.tz, ws.week_starts, step, start, end, history);
    if ctx.review_len() == 0 {
        return Err(ReviewError::Range("the review range holds no grid point".into()));
    }
    Ok(Some((ctx, note)))
}

/// The range to pull from a server for `range`: the review range plus the workspace's history weeks. "The
/// last complete week" becomes the last complete week before now, so the data decides nothing.
pub(super) fn pull_window(ws: &Workspace, range: RangeSpec) -> Result<(RangeSpec, Option<Window>), ReviewError> {
    let tz = &ws.tz;
    let step = ws.step.unwrap_or(300);
    let (range, start, end) = match range {
        RangeSpec::Explicit { from, to } => (range, from, to),
        RangeSpec::WeekOf(t) => {
            let (w, next) = week_of(ws, t);
            (range, w, next)
        }
        RangeSpec::LastCompleteWeek => {
            let this = time::week_start_of(tz, ws.week_starts, time::now());
            let last = time::add_weeks(tz, this, -1);
            (RangeSpec::WeekOf(last), last, this)
        }
    };
    if end <= start {
        return Err(ReviewError::Range("the review range ends before it starts".into()));
    }
    check_size(ws, start, end, ws.history_weeks as usize, step)?;
    let from = time::add_weeks(tz, start, -(ws.history_weeks as i64));
    Ok((range, Some(Window { start: from, end, step })))
}

/// The longest review range: a year (a weekly review reviews weeks; longer is a mistake in a date).
pub const MAX_RANGE_DAYS: i64 = 366;
/// The most grid points one series may have (history + range): 2 million (a year at 1 minute is 0.5 M).
pub const MAX_GRID_POINTS: i64 = 2_000_000;

/// Refuse ranges that are too long, or whose grid would be too large to hold, before anything is allocated
/// or pulled.
pub(super) fn check_size(ws: &Workspace, start: i64, end: i64, history_weeks: usize, step: i64) -> Result<(), ReviewError> {
    let tz = &ws.tz;
    if end.saturating_sub(start) > MAX_RANGE_DAYS * time::DAY {
        return Err(ReviewError::Range(format!(
            "the range {} – {} is longer than {MAX_RANGE_DAYS} days; review a week (--week) or a shorter --from/--to",
            time::long_label(tz, start),
            time::long_label(tz, end)
        )));
    }
    let from = time::add_weeks(tz, start, -(history_weeks as i64));
    let points = end.saturating_sub(from) / step.max(1);
    if points > MAX_GRID_POINTS {
        return Err(ReviewError::Range(format!(
            "the range with {history_weeks} history weeks is {points} points at a step of {}; at most {MAX_GRID_POINTS} fit — use a coarser step",
            time::format_step(step)
        )));
    }
    Ok(())
}

/// The workspace's week (in its time zone, from its first weekday) containing `t`, as `[start, end)`.
fn week_of(ws: &Workspace, t: i64) -> (i64, i64) {
    let w = time::week_start_of(&ws.tz, ws.week_starts, t);
    (w, time::add_weeks(&ws.tz, w, 1))
}

/// Choose `[start, end)` and say why.
fn pick_range(ws: &Workspace, range: RangeSpec, step: i64, t_min: f64, t_max: f64) -> Result<(i64, i64, String), ReviewError> {
    let tz = &ws.tz;
    let last = t_max.floor() as i64;
    match range {
        RangeSpec::Explicit { from, to } => {
            if to <= from {
                return Err(ReviewError::Range(format!(
                    "--to ({}) must be after --from ({})",
                    time::long_label(tz, to),
                    time::long_label(tz, from)
                )));
            }
            Ok((from, to, "the range asked for".into()))
        }
        RangeSpec::WeekOf(t) => {
            let (w, next) = week_of(ws, t);
            Ok((w, next, format!("the week of {}", time::local_date(tz, w))))
        }
        RangeSpec::LastCompleteWeek => {
            let w = time::week_start_of(tz, ws.week_starts, last);
            let next = time::add_weeks(tz, w, 1);
            let (s, e) = if last + step >= next { (w, next) } else { (time::add_weeks(tz, w, -1), w) };
            if (s as f64) < t_min {
                // Less than one complete week of data: review the last 7 days (or all of it).
                let end = last + step;
                let start = (end - time::WEEK).max(t_min.floor() as i64);
                return Ok((start, end, "the data holds no complete week, so the last 7 days (or all of the data) are reviewed".into()));
            }
            Ok((s, e, format!("the last complete week ({} – {})", time::local_date(tz, s), time::local_date(tz, e - 1))))
        }
    }
}

/// Where a series starts and really ends, and how many of its samples lie far beyond that: samples more
/// than four weeks after the series' 99.9th-percentile time are outliers (a corrupted or mistyped row),
/// not the end of the data. `None` for a series with no finite value.
fn robust_span(raw: &RawSeries) -> Option<(f64, f64, usize)> {
    let finite = || raw.times.iter().zip(&raw.values).filter(|(_, v)| v.is_finite()).map(|(t, _)| *t);
    // One pass for the first and last time and the count (comparisons: a NaN time changes neither, as
    // with f64::min and max, and they cost a third as much).
    let (mut min, mut max, mut n) = (f64::INFINITY, f64::NEG_INFINITY, 0usize);
    for t in finite() {
        if t < min {
            min = t;
        }
        if t > max {
            max = t;
        }
        n += 1;
    }
    if n == 0 {
        return None;
    }
    if n < 20 {
        return Some((min, max, 0));
    }
    let k = ((n - 1) as f64 * 0.999).floor() as usize;
    // The usual case, without sorting or copying: when more than n − 1 − k samples lie within four weeks of
    // the last one, the 99.9th-percentile time is in that window too, so nothing is far beyond it.
    // Counted from the end, where they are in a series in time order, and only until there are enough.
    let limit_of_max = max - (4 * time::WEEK) as f64;
    let enough = n - k;
    let near_max = finite().rev().filter(|&x| x >= limit_of_max).take(enough).count();
    if near_max == enough {
        return Some((min, max, 0));
    }
    let mut t: Vec<f64> = finite().collect();
    let (_, q, _) = t.select_nth_unstable_by(k, f64::total_cmp);
    let limit = *q + (4 * time::WEEK) as f64;
    if max <= limit {
        return Some((min, max, 0));
    }
    let far = t.iter().filter(|&&x| x > limit).count();
    let end = t.iter().copied().filter(|&x| x <= limit).fold(f64::MIN, f64::max);
    Some((min, end, far))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{self, WEEK};

    const H: i64 = 3600;

    #[test]
    fn the_range_is_chosen_from_where_the_data_ends() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = fixture::workspace(dir.path());
        let next = WEEK + time::WEEK;
        // (what was asked, where the data starts and ends, the range, words in the reason)
        type Case = (RangeSpec, i64, i64, (i64, i64), &'static str);
        let cases: [Case; 6] = [
            (RangeSpec::LastCompleteWeek, WEEK - 2 * time::WEEK, next - H, (WEEK, next), "last complete week"),
            // Data ending mid-week: that week is not complete yet, the one before is reviewed.
            (RangeSpec::LastCompleteWeek, WEEK - 2 * time::WEEK, WEEK + 3 * time::DAY, (WEEK - time::WEEK, WEEK), "last complete week"),
            // Less than a complete week of data: the last seven days, or all of it.
            (
                RangeSpec::LastCompleteWeek,
                WEEK + time::DAY,
                WEEK + 3 * time::DAY,
                (WEEK + time::DAY, WEEK + 3 * time::DAY + H),
                "no complete week",
            ),
            (RangeSpec::WeekOf(WEEK + 3 * time::DAY + 5 * H), 0, 0, (WEEK, next), "the week of"),
            (RangeSpec::Explicit { from: WEEK + H, to: WEEK + 5 * H }, 0, 0, (WEEK + H, WEEK + 5 * H), "asked for"),
            (RangeSpec::Explicit { from: WEEK, to: next }, 0, 0, (WEEK, next), "asked for"),
        ];
        for (spec, t_min, t_max, want, why) in cases {
            let (s, e, reason) = pick_range(&ws, spec, H, t_min as f64, t_max as f64).expect("a range");
            assert_eq!((s, e), want, "{spec:?}");
            assert!(reason.contains(why), "{spec:?}: {reason}");
        }
        let backwards = pick_range(&ws, RangeSpec::Explicit { from: next, to: WEEK }, H, 0.0, 0.0);
        assert!(matches!(backwards, Err(ReviewError::Range(m)) if m.contains("must be after")));
    }

    #[test]
    fn ranges_too_long_or_grids_too_large_are_refused_before_anything_is_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = fixture::workspace(dir.path());
        for (start, end, history, step, ok) in [
            (WEEK, WEEK + time::WEEK, 5, 300, true),
            (WEEK, WEEK + 366 * time::DAY, 0, 3600, true),
            (WEEK, WEEK + 367 * time::DAY, 0, 3600, false),
            (WEEK, WEEK + 30 * time::DAY, 52, 1, false), // 1-second step over a year: far beyond 2 M points
            (0, i64::MAX, 0, 300, false),                // no overflow, just a refusal
        ] {
            assert_eq!(check_size(&ws, start, end, history, step).is_ok(), ok, "{start}..{end} step {step}");
        }
    }

    #[test]
    fn a_stray_far_future_row_is_not_where_the_data_ends() {
        let series = |extra: &[f64]| {
            let mut r = RawSeries::default();
            for i in 0..1000 {
                r.push((WEEK + i * 300) as f64, 1.0);
            }
            for &t in extra {
                r.push(t, 1.0);
            }
            r
        };
        let last = (WEEK + 999 * 300) as f64;
        let first = WEEK as f64;
        assert_eq!(robust_span(&series(&[])), Some((first, last, 0)));
        assert_eq!(robust_span(&series(&[253_402_214_400.0])), Some((first, last, 1)), "9999-12-31 is an outlier, not the end");
        assert_eq!(robust_span(&series(&[last + 3600.0])), Some((first, last + 3600.0, 0)), "an hour later is just the end");
        assert_eq!(robust_span(&RawSeries::default()), None);
    }

    #[test]
    fn the_span_is_its_definition_whatever_the_order() {
        // The definition: the finite samples' times; past 20, those more than four weeks after the 99.9th
        // percentile time are far, and the series ends at the last time before them.
        let by_definition = |r: &RawSeries| {
            let mut t: Vec<f64> = r.times.iter().zip(&r.values).filter(|(_, v)| v.is_finite()).map(|(t, _)| *t).collect();
            t.sort_by(f64::total_cmp);
            let (first, last) = (*t.first()?, *t.last()?);
            if t.len() < 20 {
                return Some((first, last, 0));
            }
            let limit = t[((t.len() - 1) as f64 * 0.999).floor() as usize] + (4 * time::WEEK) as f64;
            let far = t.iter().filter(|&&x| x > limit).count();
            Some((first, t.iter().copied().filter(|&x| x <= limit).fold(f64::MIN, f64::max), far))
        };
        let mut rng = crate::synth::Rng::new(5);
        let mut with_far = 0;
        for case in 0..400 {
            let mut r = RawSeries::default();
            let n = [0, 1, 19, 20, 21, 999, 1000, 1001, 3000][case % 9] + rng.below(3);
            for i in 0..n {
                r.push((WEEK + i as i64 * 300) as f64, if rng.below(10) == 0 { f64::NAN } else { 1.0 });
            }
            // Far rows (a few, or more than a thousandth), rows shuffled, or both.
            for _ in 0..[0, 1, 2, 5][rng.below(4)] {
                r.push((WEEK + 100 * time::WEEK) as f64 + rng.uniform() * 1e6, 1.0);
            }
            if rng.below(2) == 0 {
                for i in (1..r.len()).rev() {
                    let j = rng.below(i + 1);
                    r.times.swap(i, j);
                    r.values.swap(i, j);
                }
            }
            let want = by_definition(&r);
            with_far += usize::from(want.is_some_and(|w| w.2 > 0));
            assert_eq!(robust_span(&r), want, "case {case}: {n} samples");
        }
        assert!(with_far > 50, "only {with_far} series with far rows");
    }
}
