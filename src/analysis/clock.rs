//! Whether series read in a zone without daylight saving follow a local clock that has it.
//!
//! A data file says nothing of its zone, so it is read in UTC unless the user says otherwise. A service's
//! traffic follows its users' clocks: where those change for daylight saving, the daily pattern moves by an
//! hour in UTC, the history weeks on either side of the change disagree by that hour, and every daily rise and
//! fall of the review week looks unusual against them (a fleet kept in Europe/Berlin read in UTC: 1,209
//! findings instead of 104). Each series is asked, for each change of a few regions' clocks inside its range,
//! whether its week after the change matches the week before moved by that hour better than unmoved; the review
//! says so when most series that can tell say yes.

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;

use super::Context;
use crate::series::Grid;
use crate::time;

/// Regions whose clocks change on their own dates, with a zone that changes on them.
const REGIONS: [(&str, Tz); 3] = [
    ("Europe", chrono_tz::Europe::Berlin),
    ("North America", chrono_tz::America::New_York),
    ("south-east Australia", chrono_tz::Australia::Sydney),
];

/// Days compared on each side of a change.
const DAYS: usize = 7;

/// A change of a region's clocks inside the review's grid, with a whole [`DAYS`] of grid on each side.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub region: &'static str,
    /// A zone of the region (what to suggest).
    pub zone: Tz,
    /// The instant of the change and the first grid point at or after it.
    pub at: i64,
    pub index: usize,
    /// Clocks went back: local events happen an hour later in UTC after the change.
    pub back: bool,
    /// Grid points in the hour the clocks moved.
    pub hour: usize,
}

/// The changes of [`REGIONS`]' clocks inside `grid` when the review's zone `tz` keeps one offset over all of it
/// (none otherwise: the review's own zone then follows its clock). Needs whole hours of whole steps.
pub fn changes(tz: &Tz, grid: &Grid) -> Vec<Change> {
    let day = (time::DAY / grid.step.max(1)) as usize;
    if grid.step <= 0 || time::DAY % grid.step != 0 || 3600 % grid.step != 0 || grid.len < 2 * DAYS * day {
        return Vec::new();
    }
    let offset = |z: &Tz, t: i64| z.offset_from_utc_datetime(&time::utc(t).naive_utc()).fix().local_minus_utc();
    let (start, end) = (grid.start, grid.end());
    let first = offset(tz, start);
    if (start..end).step_by(time::DAY as usize).chain([end]).any(|t| offset(tz, t) != first) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (region, zone) in REGIONS {
        // Day by day, then hour by hour within the day whose offset changed.
        let mut t = start;
        while t < end {
            let next = (t + time::DAY).min(end);
            let (before, after) = (offset(&zone, t), offset(&zone, next));
            if before != after {
                let at = (0..24).map(|h| t + h * 3600).find(|&s| offset(&zone, s + 3600) != before).map_or(next, |s| s + 3600);
                let index = grid.index_at(at);
                if index >= DAYS * day && index + DAYS * day <= grid.len {
                    out.push(Change { region, zone, at, index, back: after < before, hour: (3600 / grid.step) as usize });
                }
            }
            t = next;
        }
    }
    out
}

/// For each of `ctx`'s clock changes, whether the grid values `x` follow that clock: `Some(true)` when the
/// [`DAYS`] after it match the days before moved by its hour clearly better than unmoved (or moved the other
/// way), `Some(false)` when unmoved is clearly better, `None` when the series cannot tell (no daily pattern,
/// too little data).
pub fn votes(ctx: &Context, x: &[f64]) -> Vec<Option<bool>> {
    ctx.clock_changes.iter().map(|c| vote(x, c.index, ctx.slots_per_day, c.hour, c.back)).collect()
}

fn vote(x: &[f64], at: usize, day: usize, hour: usize, back: bool) -> Option<bool> {
    let before = profile(x.get(at.checked_sub(DAYS * day)?..at)?, day)?;
    let after = profile(x.get(at..at + DAYS * day)?, day)?;
    // Mean distance between the days before and the days after moved by `shift` points.
    let apart = |shift: isize| {
        let d = day as isize;
        before.iter().enumerate().map(|(u, b)| (after[(u as isize + shift).rem_euclid(d) as usize] - b).abs()).sum::<f64>() / day as f64
    };
    let hour = hour as isize;
    let (same, moved, other) = (apart(0), apart(if back { hour } else { -hour }), apart(if back { -hour } else { hour }));
    if moved < 0.6 * same && moved < other {
        Some(true)
    } else if same < 0.6 * moved.min(other) {
        Some(false)
    } else {
        None
    }
}

/// The mean of each point of the day over `x`'s whole days; None when a point of the day has fewer than
/// half its days.
fn profile(x: &[f64], day: usize) -> Option<Vec<f64>> {
    let days = x.len() / day;
    let (mut sum, mut seen) = (vec![0.0; day], vec![0usize; day]);
    for d in x[..days * day].chunks_exact(day) {
        for ((s, n), &v) in sum.iter_mut().zip(&mut seen).zip(d) {
            if v.is_finite() {
                *s += v;
                *n += 1;
            }
        }
    }
    sum.iter().zip(&seen).map(|(s, &n)| (n * 2 >= days.max(1)).then(|| s / n as f64)).collect()
}

/// What the votes of a review's series (each [`votes`]' answer) say: the change most series that can tell
/// follow — at least a fifth of the series and three in five of those that tell — with how many said so.
pub fn followed<'a>(changes: &'a [Change], series: impl Iterator<Item = &'a [Option<bool>]>) -> Option<(&'a Change, usize, usize)> {
    let mut tally = vec![(0usize, 0usize); changes.len()];
    let mut total = 0;
    for v in series {
        total += 1;
        for (t, vote) in tally.iter_mut().zip(v) {
            match vote {
                Some(true) => t.0 += 1,
                Some(false) => t.1 += 1,
                None => {}
            }
        }
    }
    changes
        .iter()
        .zip(tally)
        .filter(|(_, (yes, no))| *yes > 0 && *yes * 5 >= total && *yes * 5 >= 3 * (yes + no))
        .max_by_key(|(_, (yes, _))| *yes)
        .map(|(c, (yes, no))| (c, yes, yes + no))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    /// A UTC review of the week of Mon 9 Nov 2026 with 5 history weeks at 5 minutes: from 5 Oct, across
    /// Europe's change (Sun 25 Oct, 01:00 UTC, back) and North America's (Sun 1 Nov, 06:00 UTC in New York).
    fn ctx(tz: Tz) -> Context {
        let start = time::parse_user_time("2026-11-09", &tz).expect("date");
        Context::new(tz, Weekday::Mon, 300, start, time::add_weeks(&tz, start, 1), 5)
    }

    /// A daily wave (peak at 14:00) on `clock`'s local time at each grid point, with a little noise.
    fn wave(c: &Context, clock: Tz, amplitude: f64) -> Vec<f64> {
        let mut seed = 7u64;
        (0..c.grid.len)
            .map(|i| {
                let t = c.grid.time(i);
                let local = t + i64::from(clock.offset_from_utc_datetime(&time::utc(t).naive_utc()).fix().local_minus_utc());
                let hour = local.rem_euclid(time::DAY) as f64 / 3600.0;
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let noise = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                100.0 + amplitude * (std::f64::consts::TAU * (hour - 8.0) / 24.0).sin() + noise
            })
            .collect()
    }

    #[test]
    fn a_review_in_utc_sees_the_regions_clock_changes_inside_it_and_a_local_one_none() {
        let c = ctx(chrono_tz::UTC);
        let found: Vec<(&str, String, bool)> =
            c.clock_changes.iter().map(|c| (c.region, time::rfc3339(&chrono_tz::UTC, c.at), c.back)).collect();
        assert_eq!(
            found,
            [("Europe", "2026-10-25T01:00:00+00:00".to_string(), true), ("North America", "2026-11-01T06:00:00+00:00".to_string(), true)]
        );
        assert!(c.clock_changes.iter().all(|ch| ch.hour == 12 && c.grid.time(ch.index) == ch.at));
        assert!(ctx(chrono_tz::Europe::Berlin).clock_changes.is_empty());
    }

    #[test]
    fn a_series_says_which_clock_it_follows() {
        let c = ctx(chrono_tz::UTC);
        let mut flat = wave(&c, chrono_tz::UTC, 0.0);
        let mut sparse = wave(&c, chrono_tz::Europe::Berlin, 40.0);
        sparse.iter_mut().enumerate().filter(|(i, _)| i % 3 != 0).for_each(|(_, v)| *v = f64::NAN);
        flat[5] = f64::INFINITY;
        let cases = [
            ("kept in Berlin", wave(&c, chrono_tz::Europe::Berlin, 40.0), [Some(true), Some(false)]),
            ("kept in New York", wave(&c, chrono_tz::America::New_York, 40.0), [Some(false), Some(true)]),
            ("kept in UTC", wave(&c, chrono_tz::UTC, 40.0), [Some(false), Some(false)]),
            ("no daily pattern", flat, [None, None]),
            ("a third of its points", sparse, [None, None]),
        ];
        for (name, x, want) in cases {
            assert_eq!(votes(&c, &x), want, "{name}");
        }
    }

    #[test]
    fn the_review_says_a_clock_when_most_series_that_tell_follow_it() {
        let c = ctx(chrono_tz::UTC);
        let (y, n, u) = (Some(true), Some(false), None);
        let europe =
            |v: &[[Option<bool>; 2]]| followed(&c.clock_changes, v.iter().map(|v| &v[..])).map(|(ch, yes, of)| (ch.region, yes, of));
        assert_eq!(europe(&[[y, n], [y, n], [u, u], [n, n]]), Some(("Europe", 2, 3)));
        // Fewer than three in five of those that tell.
        assert_eq!(europe(&[[y, n], [n, n], [u, u]]), None);
        // Fewer than a fifth of all series.
        assert_eq!(europe(&[[y, n], [u, u], [u, u], [u, u], [u, u], [u, u]]), None);
        assert_eq!(europe(&[[y, n]]), Some(("Europe", 1, 1)));
        assert_eq!(europe(&[[n, y], [u, y]]), Some(("North America", 2, 2)));
        assert_eq!(europe(&[]), None);
    }
}
