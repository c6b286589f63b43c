//! Timestamps as data files write them: epoch numbers in any unit, ISO 8601 with or without a zone, and
//! local date-times (slashed dates day or month first, told apart per column), read in the workspace's zone.

use super::{local_to_utc, TimeError, Tz};
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike};

/// How a timestamp column is read, chosen once per column from its first values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EpochUnit {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

impl EpochUnit {
    /// Pick the unit from the magnitude of a value: seconds up to 1e11 (year 5138), then ms, µs, ns.
    pub fn guess(v: f64) -> EpochUnit {
        let a = v.abs();
        if a < 1e11 {
            EpochUnit::Seconds
        } else if a < 1e14 {
            EpochUnit::Millis
        } else if a < 1e17 {
            EpochUnit::Micros
        } else {
            EpochUnit::Nanos
        }
    }
    pub fn to_secs(self, v: f64) -> f64 {
        match self {
            EpochUnit::Seconds => v,
            EpochUnit::Millis => v / 1e3,
            EpochUnit::Micros => v / 1e6,
            EpochUnit::Nanos => v / 1e9,
        }
    }
}

/// The earliest instant Flywheel accepts: 1900-01-01T00:00:00Z.
pub const MIN_TIME: f64 = -2_208_988_800.0;
/// The latest instant Flywheel accepts: 9999-12-31T23:59:59Z.
pub const MAX_TIME: f64 = 253_402_300_799.0;

/// Unix seconds, if they fall in years 1900–9999: anything outside is a broken timestamp (an epoch number
/// in the wrong unit, a corrupted cell), never a point to put on a grid.
pub fn in_range(secs: f64) -> Result<f64, TimeError> {
    if (MIN_TIME..=MAX_TIME).contains(&secs) {
        Ok(secs)
    } else {
        Err(TimeError::SecondsOutOfRange(secs))
    }
}

/// Which comes first in a date written with slashes (`09/11/2026`): spreadsheets write either, by locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOrder {
    DayFirst,
    MonthFirst,
}

/// The two numbers before the year of a date written `a/b/yyyy` (with or without a time after it).
fn slashed(s: &str) -> Option<(u32, u32)> {
    let date = s.trim().split([' ', 'T']).next()?;
    let mut parts = date.split('/');
    let (a, b, y) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |p: &str, n: std::ops::RangeInclusive<usize>| n.contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit());
    if parts.next().is_some() || !digits(a, 1..=2) || !digits(b, 1..=2) || !digits(y, 4..=4) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The order a slashed date tells by itself: day first when its first number is past the 12th, month first
/// when its second is (`None` when neither is, or both are: then it is no date either way).
fn told_by((a, b): (u32, u32)) -> Option<DayOrder> {
    match (a > 12, b > 12) {
        (true, false) => Some(DayOrder::DayFirst),
        (false, true) => Some(DayOrder::MonthFirst),
        _ => None,
    }
}

/// The order of day and month of a column's slashed dates (empty cells are `None`), told by the first date
/// whose day is past the 12th (`None` when it has none, or no slashed dates). A column that puts the day first
/// in one row and the month first in another is an error naming both, with the later one's row.
pub fn day_order<'a>(cells: impl Iterator<Item = Option<&'a str>>) -> Result<Option<DayOrder>, (usize, TimeError)> {
    let mut seen: Option<(DayOrder, &str)> = None;
    for (row, c) in cells.enumerate() {
        let Some(c) = c else { continue };
        let Some(order) = slashed(c).and_then(told_by) else { continue };
        match seen {
            None => seen = Some((order, c)),
            Some((o, _)) if o == order => {}
            Some((_, first)) => {
                let e = if order == DayOrder::DayFirst {
                    TimeError::MixedDayOrder(c.trim().to_string(), format!("`{}`", first.trim()))
                } else {
                    TimeError::MixedMonthOrder(c.trim().to_string(), format!("`{}`", first.trim()))
                };
                return Err((row, e));
            }
        }
    }
    Ok(seen.map(|(o, _)| o))
}

/// Parse one textual timestamp into Unix seconds (fractional seconds kept as f64).
///
/// Accepts RFC 3339 (`2026-11-09T14:05:00Z`, `…+01:00`), ISO 8601 with a space instead of `T`, with or
/// without seconds and fractions, with or without an offset (naive times are read in `tz`), a bare date
/// (local midnight), the day-first dotted dates of spreadsheets (`09.11.2026 14:05`), a slashed date whose
/// day is past the 12th (`13/11/2026`, `11/13/2026 2:05 PM`), and epoch numbers (unit from magnitude).
pub fn parse_timestamp(s: &str, tz: &Tz) -> Result<f64, TimeError> {
    parse_timestamp_in(s, tz, None)
}

/// [`parse_timestamp`] for a cell of a column whose slashed dates are in `order` ([`day_order`]): `None`
/// accepts only slashed dates that tell their order themselves.
pub fn parse_timestamp_in(s: &str, tz: &Tz, order: Option<DayOrder>) -> Result<f64, TimeError> {
    parse_any_timestamp(s, tz, order).and_then(|v| in_range(v).map_err(|_| TimeError::OutOfRange(s.to_string())))
}

/// A naive local date-time in one of `formats`, or a bare date in `date_only` (its midnight).
fn naive_in(t: &str, formats: &[&str], date_only: &str) -> Option<NaiveDateTime> {
    formats
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .or_else(|| NaiveDate::parse_from_str(t, date_only).ok().map(|d| d.and_time(chrono::NaiveTime::MIN)))
}

/// Unix seconds of a naive local time in `tz` (fractions kept), by [`local_to_utc`]'s rule.
fn local_seconds(tz: &Tz, n: &NaiveDateTime) -> f64 {
    local_to_utc(tz, &n.with_nanosecond(0).unwrap_or(*n)) as f64 + n.nanosecond() as f64 / 1e9
}

fn parse_any_timestamp(s: &str, tz: &Tz, order: Option<DayOrder>) -> Result<f64, TimeError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TimeError::BadTimestamp(s.to_string()));
    }
    if let Ok(v) = t.parse::<f64>() {
        if !v.is_finite() {
            return Err(TimeError::BadTimestamp(s.to_string()));
        }
        return Ok(EpochUnit::guess(v).to_secs(v));
    }
    let norm: String = t.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&norm) {
        return Ok(dt.timestamp() as f64 + dt.timestamp_subsec_nanos() as f64 / 1e9);
    }
    // Offsets without a colon (+0100) or without seconds.
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(&norm, f) {
            return Ok(dt.timestamp() as f64 + dt.timestamp_subsec_nanos() as f64 / 1e9);
        }
    }
    match naive_of(t, order)? {
        Some(n) => Ok(local_seconds(tz, &n)),
        None => Err(TimeError::BadTimestamp(s.to_string())),
    }
}

/// A timestamp without an offset — ISO, a spreadsheet's dotted or slashed date, with or without a time — as
/// the wall-clock time it names (`None` when `t` is none of these).
fn naive_of(t: &str, order: Option<DayOrder>) -> Result<Option<NaiveDateTime>, TimeError> {
    let norm: String = t.replacen(' ', "T", 1);
    if let Some(n) = naive_in(&norm, &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"], "%Y-%m-%d") {
        return Ok(Some(n));
    }
    // Spreadsheets' local forms: dotted dates are day first wherever they are written.
    if let Some(n) = naive_in(t, &["%d.%m.%Y %H:%M:%S%.f", "%d.%m.%Y %H:%M"], "%d.%m.%Y") {
        return Ok(Some(n));
    }
    let Some((a, b)) = slashed(t) else { return Ok(None) };
    let (formats, date_only) = match order.or(told_by((a, b))) {
        Some(DayOrder::DayFirst) => (SLASHED_DAY_FIRST, "%d/%m/%Y"),
        Some(DayOrder::MonthFirst) => (SLASHED_MONTH_FIRST, "%m/%d/%Y"),
        None if a == b => (SLASHED_DAY_FIRST, "%d/%m/%Y"),
        // Both past the 12th: no date either way.
        None if a > 12 => return Ok(None),
        None => return Err(TimeError::AmbiguousDate(t.to_string())),
    };
    Ok(naive_in(t, formats, date_only))
}

/// The later of the two instants a naive timestamp names when it falls in the hour that happens twice as the
/// clocks go back (`None` for any other text, with an offset or not in that hour). [`parse_timestamp`] reads
/// such a time as the earlier; a column that has already been past it means the later (see
/// `source::columns`).
pub fn later_reading(s: &str, tz: &Tz, order: Option<DayOrder>) -> Option<f64> {
    later_reading_of(tz, &naive_of(s.trim(), order).ok()??)
}

/// [`later_reading`] of a wall-clock time.
pub fn later_reading_of(tz: &Tz, n: &NaiveDateTime) -> Option<f64> {
    match tz.from_local_datetime(&n.with_nanosecond(0).unwrap_or(*n)) {
        LocalResult::Ambiguous(a, b) => Some(a.timestamp().max(b.timestamp()) as f64 + n.nanosecond() as f64 / 1e9),
        _ => None,
    }
}

const SLASHED_DAY_FIRST: &[&str] = &["%d/%m/%Y %H:%M:%S%.f", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p"];
const SLASHED_MONTH_FIRST: &[&str] = &["%m/%d/%Y %H:%M:%S%.f", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p"];
