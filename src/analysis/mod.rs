//! The analysis: fit a seasonal baseline once per series, then flag findings cheaply from the fit.
//!
//! [`Context`] holds what all series share (the grid, the review range, each point's local time-of-week
//! slot and week), computed once per review. [`baseline::fit`] turns a series into a [`Fit`] (expected
//! value and band for every review point, weekly statistics, residuals): the expensive part. The
//! detectors in [`detect`] and [`group`] read only the fit, the values and [`Params`], so moving the
//! sensitivity re-flags without refitting.

pub mod baseline;
pub mod burst;
pub mod clock;
pub mod detect;
pub mod group;
mod profile;
pub mod rolling;
pub mod stats;
pub mod stretch;
pub mod summary;

use std::ops::Range;

use chrono::Weekday;
use chrono_tz::Tz;

use crate::series::Grid;
use crate::time;

pub use baseline::{fit, BaselineKind, Fit, WeekStat};
pub use rolling::fit_range;

/// Knobs of the detectors. `sensitivity` scales every statistical threshold (2.0 flags more, 0.5
/// fewer); lines are lines and are never scaled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub sensitivity: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params { sensitivity: 1.0 }
    }
}

/// The range a sensitivity must lie in (the CLI, the workspace file and the app all check it here).
pub const SENSITIVITY_RANGE: std::ops::RangeInclusive<f64> = 0.1..=10.0;

/// A sensitivity outside [`SENSITIVITY_RANGE`].
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("sensitivity must be between 0.1 and 10, not {}", crate::config::fmt_num(*.0))]
pub struct BadSensitivity(pub f64);

impl Params {
    /// Parameters at `sensitivity`, refused outside 0.1–10 (and NaN or infinite).
    pub fn new(sensitivity: f64) -> Result<Params, BadSensitivity> {
        if sensitivity.is_finite() && SENSITIVITY_RANGE.contains(&sensitivity) {
            Ok(Params { sensitivity })
        } else {
            Err(BadSensitivity(sensitivity))
        }
    }

    /// These parameters for one metric: the review's sensitivity times the metric's own (kept in
    /// [`SENSITIVITY_RANGE`]).
    pub fn for_metric(&self, m: &crate::config::Metric) -> Params {
        Params { sensitivity: (self.sensitivity * m.sensitivity).clamp(*SENSITIVITY_RANGE.start(), *SENSITIVITY_RANGE.end()) }
    }

    /// Points beyond this many band-sigmas from the expected value are anomalous.
    pub fn anomaly_z(&self) -> f64 {
        4.0 / self.sensitivity
    }
    /// A level shift needs the median residual to move by this many sigmas.
    pub fn shift_z(&self) -> f64 {
        2.5 / self.sensitivity
    }
    /// An instance is odd when this many group-sigmas away from its siblings.
    pub fn odd_z(&self) -> f64 {
        4.0 / self.sensitivity
    }
    /// Spread must have grown by this factor from the first weeks to the review week (the measured
    /// spread includes the profile's own noise, so 1.35 corresponds to noise growing ~1.6×).
    pub fn volatility_ratio(&self) -> f64 {
        1.0 + 0.35 / self.sensitivity
    }
    /// A drift is reported when the line would be crossed within this many weeks.
    pub fn drift_horizon_weeks(&self) -> f64 {
        8.0 * self.sensitivity
    }
    /// A line is too loose when it sits this many "normal excursions" beyond the worst normal value.
    pub fn loose_ratio(&self) -> f64 {
        3.0 / self.sensitivity
    }
    /// A stretch of hours is unusual when its mean (or mean absolute) z sits this many of the history's
    /// robust spreads from what stretches usually do.
    pub fn stretch_z(&self) -> f64 {
        6.0 / self.sensitivity
    }
    /// Missing-data gaps shorter than this many points are ignored. Not scaled by the sensitivity: missing
    /// data is one of the steady findings re-flagging keeps ([`detect::steady`]).
    pub fn min_gap_points(&self) -> usize {
        3
    }
}

/// Marker for "no grid point".
pub const NONE: u32 = u32::MAX;

/// What every series of one review shares.
#[derive(Debug, Clone)]
pub struct Context {
    pub tz: Tz,
    pub week_starts: Weekday,
    pub grid: Grid,
    /// Grid indexes of the review range.
    pub review: Range<usize>,
    /// Number of time-of-week slots (a week divided by the step).
    pub slots_per_week: usize,
    pub slots_per_day: usize,
    /// Local time-of-week slot of each grid point.
    pub slot: Vec<u32>,
    /// Week of each grid point: `-k` for the k-th week before the review range, 0 inside it.
    pub week: Vec<i32>,
    /// Local day number of each grid point (days since the grid's first local day).
    pub day: Vec<u32>,
    /// Number of history weeks on the grid.
    pub history_weeks: usize,
    /// `by_week_slot[k][s]`: grid index of slot `s` in history week `-(k+1)`, or [`NONE`].
    pub by_week_slot: Vec<Vec<u32>>,
    /// Start instant of each week, oldest first: history weeks then the review range.
    pub week_start: Vec<i64>,
    /// The review range's points' time labels, each written when first asked for.
    labels: Labels,
    /// Other regions' clock changes inside the grid when the review's zone has none there ([`clock`]).
    pub clock_changes: Vec<clock::Change>,
}

/// [`time::short_label`] and [`time::rfc3339`] of each review point, kept once written: every finding writes
/// one or two, and a high sensitivity's tens of thousands of findings mostly name the same points.
#[derive(Debug, Clone, Default)]
struct Labels {
    short: Vec<std::sync::OnceLock<Box<str>>>,
    rfc3339: Vec<std::sync::OnceLock<Box<str>>>,
}

impl Context {
    /// For each review point, the value of `values` at the same local slot `k` weeks earlier (k ≥ 1; NaN
    /// where that week has no such point or the history is shorter): last week's line, earlier weeks.
    pub fn weeks_back(&self, values: &[f64], k: usize) -> Vec<f64> {
        let Some(slots) = k.checked_sub(1).and_then(|i| self.by_week_slot.get(i)) else {
            return vec![f64::NAN; self.review_len()];
        };
        self.review
            .clone()
            .map(|i| match slots.get(self.slot[i] as usize) {
                Some(&at) if at != NONE => values.get(at as usize).copied().unwrap_or(f64::NAN),
                _ => f64::NAN,
            })
            .collect()
    }

    /// Build the context for a review range `[start, end)` with `history_weeks` weeks before it.
    pub fn new(tz: Tz, week_starts: Weekday, step: i64, start: i64, end: i64, history_weeks: usize) -> Context {
        let hist_start = time::add_weeks(&tz, start, -(history_weeks as i64));
        let align = |t: i64| start + ((t - start) as f64 / step as f64).floor() as i64 * step;
        let g0 = align(hist_start);
        let len = ((end - g0) as f64 / step as f64).ceil().max(0.0) as usize;
        let grid = Grid { start: g0, step, len };
        let review = grid.index_at(start)..grid.index_at(end);
        let slots_per_week = (time::WEEK / step) as usize;
        let slots_per_day = (time::DAY / step) as usize;
        let week_start: Vec<i64> = (0..=history_weeks as i64).rev().map(|k| time::add_weeks(&tz, start, -k)).collect();
        let first_day = time::local_date(&tz, g0);
        let mut slot = Vec::with_capacity(len);
        let mut week = Vec::with_capacity(len);
        let mut day = Vec::with_capacity(len);
        let mut by_week_slot = vec![vec![NONE; slots_per_week]; history_weeks];
        // Local conversions are done once per quarter hour, not per point: UTC offsets only change on
        // quarter-hour boundaries.
        let mut cache_hour = i64::MIN;
        let mut cache = (0i64, 0u32);
        for i in 0..len {
            let t = grid.time(i);
            let hour = t.div_euclid(900);
            if hour != cache_hour {
                cache_hour = hour;
                let h0 = hour * 900;
                let sow = time::seconds_of_week(&tz, week_starts, h0);
                let d = (time::local_date(&tz, h0) - first_day).num_days().max(0) as u32;
                cache = (sow, d);
            }
            let sow = cache.0 + (t - cache_hour * 900);
            let s = ((sow.rem_euclid(time::WEEK)) / step) as usize % slots_per_week.max(1);
            let w = if t >= start {
                0
            } else {
                -((week_start.iter().rposition(|&ws| ws <= t).map(|p| history_weeks - p).unwrap_or(history_weeks)) as i32)
            };
            slot.push(s as u32);
            week.push(w);
            day.push(cache.1);
            if w < 0 {
                let k = (-w - 1) as usize;
                if k < history_weeks && by_week_slot[k][s] == NONE {
                    by_week_slot[k][s] = i as u32;
                }
            }
        }
        let labels = Labels { short: vec![Default::default(); review.len()], rfc3339: vec![Default::default(); review.len()] };
        let clock_changes = clock::changes(&tz, &grid);
        Context {
            tz,
            week_starts,
            grid,
            review,
            slots_per_week,
            slots_per_day,
            slot,
            week,
            day,
            history_weeks,
            by_week_slot,
            week_start,
            labels,
            clock_changes,
        }
    }

    /// [`time::short_label`] of instant `t` in the review's zone (written once for a review point).
    pub fn short_label(&self, t: i64) -> String {
        self.label(&self.labels.short, t, time::short_label)
    }

    /// [`time::rfc3339`] of instant `t` in the review's zone (written once for a review point).
    pub fn rfc3339(&self, t: i64) -> String {
        self.label(&self.labels.rfc3339, t, time::rfc3339)
    }

    /// `write`'s label of instant `t`, kept in `kept` (one per review point) when `t` is a review point.
    fn label(&self, kept: &[std::sync::OnceLock<Box<str>>], t: i64, write: fn(&Tz, i64) -> String) -> String {
        match self.review_offset(t).and_then(|j| kept.get(j)) {
            Some(label) => label.get_or_init(|| write(&self.tz, t).into()).to_string(),
            None => write(&self.tz, t),
        }
    }

    /// The review point at instant `t`, if `t` is one.
    fn review_offset(&self, t: i64) -> Option<usize> {
        let from = t.checked_sub(self.review_start())?;
        if from < 0 || self.grid.step <= 0 || from % self.grid.step != 0 {
            return None;
        }
        usize::try_from(from / self.grid.step).ok()
    }

    /// The grid index ranges of each local day among the first `len` points, in order.
    pub fn day_runs(&self, len: usize) -> impl Iterator<Item = Range<usize>> + '_ {
        let len = len.min(self.day.len());
        let mut start = 0;
        std::iter::from_fn(move || {
            (start < len).then(|| {
                let d = self.day[start];
                let end = start + self.day[start..len].iter().take_while(|&&x| x == d).count();
                let run = start..end;
                start = end;
                run
            })
        })
    }

    pub fn review_len(&self) -> usize {
        self.review.len()
    }

    pub fn review_start(&self) -> i64 {
        self.grid.time(self.review.start)
    }

    pub fn review_end(&self) -> i64 {
        self.grid.time(self.review.end)
    }

    /// Time of review point `j` (0-based inside the review range).
    pub fn rtime(&self, j: usize) -> i64 {
        self.grid.time(self.review.start + j)
    }
}

/// The review week the detector tests share: Monday 2 November 2026 in Berlin, 5-minute steps, five
/// history weeks.
#[cfg(test)]
pub(crate) fn test_week() -> Context {
    let tz: Tz = "Europe/Berlin".parse().expect("tz");
    let start = time::parse_user_time("2026-11-02", &tz).expect("t");
    Context::new(tz, Weekday::Mon, 300, start, time::add_weeks(&tz, start, 1), 5)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sensitivity_is_checked_in_one_place() {
        for (v, ok) in
            [(1.0, true), (0.1, true), (10.0, true), (0.09, false), (10.5, false), (f64::NAN, false), (f64::INFINITY, false), (-1.0, false)]
        {
            assert_eq!(super::Params::new(v).is_ok(), ok, "{v}");
        }
        assert_eq!(super::Params::new(0.0).expect_err("0 is out of range").to_string(), "sensitivity must be between 0.1 and 10, not 0");
        // A number from a hostile file reads in a few characters, not its 309 digits.
        assert_eq!(super::Params::new(1e308).expect_err("out of range").to_string(), "sensitivity must be between 0.1 and 10, not 1e308");
    }

    use super::*;

    #[test]
    fn context_maps_local_slots_across_dst() {
        let tz: Tz = "Europe/Berlin".parse().expect("tz");
        // Review week Mon 2026-11-02 .. Mon 2026-11-09 with 2 history weeks: the clocks went back on Sunday
        // 2026-10-25, inside history week -2 (19–26 October).
        let start = time::parse_user_time("2026-11-02", &tz).expect("t");
        let end = time::parse_user_time("2026-11-09", &tz).expect("t");
        let c = Context::new(tz, Weekday::Mon, 3600, start, end, 2);
        assert_eq!(c.review_len(), 168);
        assert_eq!(c.history_weeks, 2);
        // History spans 169 + 168 hours (the fall-back week has an extra hour).
        assert_eq!(c.review.start, 169 + 168);
        // Every review point's slot is its local hour of week.
        for j in 0..c.review_len() {
            assert_eq!(c.slot[c.review.start + j] as usize, j);
        }
        // In the DST week the local hour 02:00 on Sunday appears twice; slot mapping keeps the first, and
        // every slot of that week has a grid point.
        assert!(c.by_week_slot[1].iter().all(|&i| i != NONE));
        assert_eq!(c.week[0], -2);
        assert_eq!(c.week[c.review.start - 1], -1);
        assert_eq!(c.week[c.review.start], 0);
        // Monday 00:00 local of week -2 is slot 0 and is the first grid point.
        assert_eq!(c.by_week_slot[1][0], 0);
    }

    /// A review's time labels are the time module's, whether kept (a review point, asked twice, from two
    /// threads) or not (between points, before and after the range), across a change of the clocks.
    #[test]
    fn time_labels_are_written_once_and_read_the_same() {
        let tz: Tz = "Europe/Berlin".parse().expect("tz");
        // The review week holds the clocks going back (Sunday 25 October 2026, 03:00 → 02:00).
        let start = time::parse_user_time("2026-10-19", &tz).expect("t");
        let c = Context::new(tz, Weekday::Mon, 900, start, time::add_weeks(&tz, start, 1), 1);
        assert_eq!(c.review_len(), 7 * 96 + 4);
        let last = c.rtime(c.review_len() - 1);
        let mut instants: Vec<i64> = (0..c.review_len()).map(|j| c.rtime(j)).collect();
        instants.extend([start - 900, start - 1, start + 1, start + 450, last + 899, last + 900, last + 86_400, i64::MIN / 2]);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..2 {
                        for &t in &instants {
                            assert_eq!(c.short_label(t), time::short_label(&c.tz, t), "{t}");
                            assert_eq!(c.rfc3339(t), time::rfc3339(&c.tz, t), "{t}");
                        }
                    }
                });
            }
        });
        // The twice-seen hour is told apart by its offset.
        let twice: Vec<String> = instants.iter().map(|&t| c.rfc3339(t)).filter(|l| l.starts_with("2026-10-25T02:00")).collect();
        assert_eq!(twice, ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"]);
    }
}
