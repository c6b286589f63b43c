//! Time handling in one place: steps, time zones, timestamp parsing, and week boundaries in local time.
//!
//! Every instant inside Flywheel is an `i64` of Unix seconds (UTC). Local time only matters for two
//! things — where a week starts and which time-of-week slot a point belongs to — and both are computed
//! here with the workspace's IANA time zone, so daylight-saving changes are handled in one place.

use chrono::{DateTime, Datelike, Duration, IsoWeek, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc, Weekday};
pub use chrono_tz::Tz;
use thiserror::Error;

mod due;
mod stamps;
pub use due::parse_due;
pub use stamps::*;

/// Seconds in a day and a week (of 24-hour days; local weeks can be an hour shorter or longer).
pub const DAY: i64 = 86_400;
pub const WEEK: i64 = 7 * DAY;

#[derive(Debug, Error, PartialEq)]
pub enum TimeError {
    #[error("`{0}` is not a step: use a number and a unit, like `30s`, `5m`, `1h` or `1d`")]
    BadStep(String),
    #[error("`{0}` is not an IANA time zone name (like `Europe/Berlin` or `UTC`)")]
    BadZone(String),
    #[error("`{0}` is not a weekday (monday … sunday)")]
    BadWeekday(String),
    #[error(
        "`{0}` is not a timestamp: use RFC 3339 / ISO 8601 (`2026-11-09T14:05:00Z`, `2026-11-09 14:05`), `09.11.2026 14:05` or epoch seconds/milliseconds"
    )]
    BadTimestamp(String),
    #[error(
        "`{0}` could be day/month or month/day: no date of its file has a day past the 12th to tell; write dates as 2026-11-09 or 09.11.2026"
    )]
    AmbiguousDate(String),
    /// A date given on its own that reads as two days: both, as ISO dates.
    #[error("`{0}` could be {1} or {2}: write the one you mean that way")]
    AmbiguousUserDate(String, String, String),
    #[error("`{0}` puts the day first, but an earlier date of its column put the month first ({1})")]
    MixedDayOrder(String, String),
    #[error("`{0}` puts the month first, but an earlier date of its column put the day first ({1})")]
    MixedMonthOrder(String, String),
    #[error("`{0}` is outside the years 1900–9999 (an epoch number in the wrong unit?)")]
    OutOfRange(String),
    /// An epoch number (read as seconds) outside the years 1900–9999.
    #[error("the timestamp {0:e} s is outside the years 1900–9999 (an epoch number in the wrong unit?)")]
    SecondsOutOfRange(f64),
    #[error("`{0}` is not a date or date-time: use `2026-11-09`, `2026-11-09T14:00` or a week, `2026-W46`")]
    BadDate(String),
    #[error("`{0}` is not a week: an ISO year has weeks 01 to 52 or 53, each of days 1 (Monday) to 7")]
    NoSuchWeek(String),
    #[error("`{0}` is not a due date: use 2026-12-11, 11.12.2026, a weekday (friday), today, tomorrow, +3d or +2w")]
    BadDue(String),
}

/// Parse a step such as `5m`, `300s`, `1h`, `1d` into seconds.
pub fn parse_step(s: &str) -> Result<i64, TimeError> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| TimeError::BadStep(s.to_string()))?;
    let mult = match unit.trim() {
        "s" | "sec" | "" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => DAY,
        _ => return Err(TimeError::BadStep(s.to_string())),
    };
    if n <= 0 || n.checked_mul(mult).is_none_or(|secs| secs > DAY) {
        return Err(TimeError::BadStep(s.to_string()));
    }
    Ok(n * mult)
}

/// Format a step back into its shortest form (`300` → `5m`).
pub fn format_step(secs: i64) -> String {
    if secs % DAY == 0 {
        format!("{}d", secs / DAY)
    } else if secs % 3600 == 0 {
        format!("{}h", secs / 3600)
    } else if secs % 60 == 0 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

pub fn parse_zone(s: &str) -> Result<Tz, TimeError> {
    s.trim().parse::<Tz>().map_err(|_| TimeError::BadZone(s.to_string()))
}

/// The zones a user picks from, as the app lists them: UTC, then the place names (`Europe/Berlin`) in
/// alphabetical order. The older aliases (`US/Eastern`, `EST5EDT`, `Etc/GMT+5`) still parse but are not
/// offered: each names the same clock as a place does.
pub fn zone_names() -> Vec<&'static str> {
    const AREAS: [&str; 9] = ["Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/"];
    let places = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).filter(|n| AREAS.iter().any(|a| n.starts_with(a)));
    std::iter::once("UTC").chain(places).collect()
}

pub fn parse_weekday(s: &str) -> Result<Weekday, TimeError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "mon" | "monday" => Ok(Weekday::Mon),
        "tue" | "tuesday" => Ok(Weekday::Tue),
        "wed" | "wednesday" => Ok(Weekday::Wed),
        "thu" | "thursday" => Ok(Weekday::Thu),
        "fri" | "friday" => Ok(Weekday::Fri),
        "sat" | "saturday" => Ok(Weekday::Sat),
        "sun" | "sunday" => Ok(Weekday::Sun),
        _ => Err(TimeError::BadWeekday(s.to_string())),
    }
}

/// Resolve a local wall-clock time in `tz` to a UTC instant.
///
/// Rule (documented in ARCHITECTURE.md): an ambiguous time (the repeated hour when clocks go back) takes
/// the earlier instant; a time that does not exist (the hour skipped when clocks go forward) is read with
/// the offset in force before the gap, i.e. it lands just after the gap.
pub fn local_to_utc(tz: &Tz, naive: &NaiveDateTime) -> i64 {
    match tz.from_local_datetime(naive) {
        LocalResult::Single(t) => t.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => {
            // Use the offset an hour earlier (before the gap).
            let before = *naive - Duration::hours(3);
            let off = match tz.from_local_datetime(&before) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.offset().fix().local_minus_utc() as i64,
                LocalResult::None => 0,
            };
            naive.and_utc().timestamp() - off
        }
    }
}

/// Parse a user-given date or date-time (CLI `--week`, `--from`, `--to`) in `tz`; an ISO week (`2026-W46`)
/// is its Monday's midnight.
pub fn parse_user_time(s: &str, tz: &Tz) -> Result<i64, TimeError> {
    if let Some(day) = iso_week_date(s) {
        return day.map(|d| local_midnight(tz, d));
    }
    parse_timestamp(s, tz).map(|v| v.floor() as i64).map_err(|e| match e {
        TimeError::AmbiguousDate(_) => {
            let date = s.trim().split([' ', 'T']).next().unwrap_or_default();
            let iso = |f: &str| NaiveDate::parse_from_str(date, f).map(|d| d.to_string()).unwrap_or_default();
            TimeError::AmbiguousUserDate(s.trim().to_string(), iso("%d/%m/%Y"), iso("%m/%d/%Y"))
        }
        TimeError::OutOfRange(_) => e,
        _ => TimeError::BadDate(s.to_string()),
    })
}

/// The ISO week a review range of exactly one local week is known by in the meeting: the week holding its
/// middle day — the week itself when weeks start on Monday, the one it shares six days with when they start on
/// Sunday. `None` for any other range.
pub fn iso_week_of(tz: &Tz, start: i64, end: i64) -> Option<IsoWeek> {
    let first = local_date(tz, start);
    if local_midnight(tz, first) != start || add_weeks(tz, start, 1) != end {
        return None;
    }
    iso_week_from(first)
}

/// The ISO week of the week that starts on `first` (the week holding its fourth day).
pub fn iso_week_from(first: NaiveDate) -> Option<IsoWeek> {
    Some(first.checked_add_days(chrono::Days::new(3))?.iso_week())
}

/// An ISO week as it is written: `2026-W46`.
pub fn iso_week_name(w: IsoWeek) -> String {
    format!("{}-W{:02}", w.year(), w.week())
}

/// A date written as an ISO week (`2026-W46`, `2026W46`, or a day of it, `2026-W46-3`): that week's Monday, or
/// the day (1 = Monday). `None` when `s` is not written that way.
fn iso_week_date(s: &str) -> Option<Result<NaiveDate, TimeError>> {
    let t = s.trim().to_ascii_uppercase();
    let (year, rest) = t.split_once('W')?;
    let year = year.strip_suffix('-').unwrap_or(year);
    let (week, day) = rest.split_once('-').map_or((rest, None), |(w, d)| (w, Some(d)));
    let digits = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(week, 2) {
        return None;
    }
    let no_such = || TimeError::NoSuchWeek(s.trim().to_string());
    let day = match day.map(str::parse::<u8>) {
        None => Weekday::Mon,
        Some(Ok(n @ 1..=7)) => Weekday::try_from(n - 1).ok()?,
        Some(_) => return Some(Err(no_such())),
    };
    let (year, week) = (year.parse().ok()?, week.parse().ok()?);
    Some(NaiveDate::from_isoywd_opt(year, week, day).ok_or_else(no_such))
}

/// The UTC instant of local midnight starting `date` in `tz`.
pub fn local_midnight(tz: &Tz, date: NaiveDate) -> i64 {
    local_to_utc(tz, &date.and_time(chrono::NaiveTime::MIN))
}

/// The local date of an instant.
pub fn local_date(tz: &Tz, t: i64) -> NaiveDate {
    utc(t).with_timezone(tz).date_naive()
}

/// Now, in Unix seconds (0 if the clock is before 1970).
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

pub fn utc(t: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(t, 0).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// The start (UTC instant of local midnight) of the week containing `t`.
pub fn week_start_of(tz: &Tz, week_starts: Weekday, t: i64) -> i64 {
    let d = local_date(tz, t);
    let back = (d.weekday().num_days_from_monday() as i64 - week_starts.num_days_from_monday() as i64).rem_euclid(7);
    local_midnight(tz, d.checked_sub_signed(Duration::days(back)).unwrap_or(d))
}

/// The start of the local week `weeks` weeks after the week starting at `start` (negative goes back).
/// Works on local dates, so a week that contains a DST change is 167 or 169 hours long.
pub fn add_weeks(tz: &Tz, start: i64, weeks: i64) -> i64 {
    let d = local_date(tz, start);
    match weeks.checked_mul(7).and_then(Duration::try_days).and_then(|days| d.checked_add_signed(days)) {
        Some(d) => local_midnight(tz, d),
        // Beyond the calendar (only reachable with instants already refused elsewhere): saturate.
        None => start.saturating_add(weeks.saturating_mul(WEEK)),
    }
}

/// Local time-of-week in seconds since the start of the local week (0 ..< 7 days).
pub fn seconds_of_week(tz: &Tz, week_starts: Weekday, t: i64) -> i64 {
    let l = utc(t).with_timezone(tz);
    let dow = (l.weekday().num_days_from_monday() as i64 - week_starts.num_days_from_monday() as i64).rem_euclid(7);
    dow * DAY + l.num_seconds_from_midnight() as i64
}

/// Human label of an instant in local time, e.g. `Tue 14:05`.
pub fn short_label(tz: &Tz, t: i64) -> String {
    // Written out rather than through a strftime pattern (parsed again on every call): every finding has one.
    let l = utc(t).with_timezone(tz);
    format!("{} {:02}:{:02}", l.weekday(), l.hour(), l.minute())
}

/// Full local label, e.g. `2026-11-10 14:05 CET`.
pub fn long_label(tz: &Tz, t: i64) -> String {
    utc(t).with_timezone(tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// RFC 3339 text of an instant with the local offset.
pub fn rfc3339(tz: &Tz, t: i64) -> String {
    utc(t).with_timezone(tz).to_rfc3339()
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_labels_are_the_weekday_hour_and_minute() {
        let berlin: super::Tz = "Europe/Berlin".parse().expect("zone");
        for (tz, t, want) in [
            (chrono_tz::UTC, 1_793_577_600, "Mon 00:00"),
            (chrono_tz::UTC, 1_793_577_600 + 86_400 + 14 * 3600 + 5 * 60, "Tue 14:05"),
            (berlin, 1_793_577_600 + 6 * 86_400 + 23 * 3600 + 59 * 60, "Mon 00:59"),
            (berlin, 1_774_746_000, "Sun 03:00"),
        ] {
            assert_eq!(super::short_label(&tz, t), want, "{t}");
            assert_eq!(super::short_label(&tz, t), super::utc(t).with_timezone(&tz).format("%a %H:%M").to_string());
        }
    }

    #[test]
    fn zones_offered_parse_and_name_places() {
        let names = super::zone_names();
        assert_eq!(names[0], "UTC");
        assert!(names.len() > 300, "{}", names.len());
        for n in ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Argentina/Buenos_Aires"] {
            assert!(names.contains(&n), "{n}");
        }
        assert!(!names.iter().any(|n| n.starts_with("US/") || n.starts_with("Etc/") || *n == "EST5EDT"));
        assert!(names.iter().all(|n| super::parse_zone(n).is_ok_and(|z| z.name() == *n)));
        assert!(names[1..].windows(2).all(|w| w[0] < w[1]), "sorted, once each");
    }

    use super::*;

    fn berlin() -> Tz {
        parse_zone("Europe/Berlin").expect("zone")
    }

    #[test]
    fn steps() {
        let cases = [
            ("5m", Some(300)),
            ("300s", Some(300)),
            ("1h", Some(3600)),
            ("1d", Some(86400)),
            ("0m", None),
            ("5x", None),
            ("", None),
            ("2d", None),
            // Regression (crash issue): products that overflow i64 are refused, not wrapped.
            ("144115188075855871d", None),
            ("4611686018427387903m", None),
            ("99999999999999999999s", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_step(s).ok(), want, "{s}");
        }
        assert_eq!(format_step(300), "5m");
        assert_eq!(format_step(3600), "1h");
        assert_eq!(format_step(45), "45s");
    }

    #[test]
    fn timestamps_in_every_documented_form() {
        let tz = berlin();
        let z = 1_762_783_500.0; // 2025-11-10T14:05:00Z
        let cases = [
            ("2025-11-10T14:05:00Z", z),
            ("2025-11-10 14:05:00Z", z),
            ("2025-11-10T15:05:00+01:00", z),
            ("2025-11-10T15:05:00+0100", z),
            ("2025-11-10T15:05+01:00", z),
            ("2025-11-10T15:05:00", z), // naive: Berlin is UTC+1 in November
            ("2025-11-10 15:05", z),
            ("2025-11-10T15:05:00.500", z + 0.5),
            ("1762783500", z),
            ("1762783500000", z),
            ("1762783500000000", z),
            (" 1762783500 ", z),
        ];
        for (s, want) in cases {
            let got = parse_timestamp(s, &tz).unwrap_or(f64::NAN);
            assert!((got - want).abs() < 1e-6, "{s}: got {got}, want {want}");
        }
        for bad in ["", "yesterday", "2025-13-01T00:00:00", "12:00", "NaN", "inf"] {
            assert!(parse_timestamp(bad, &tz).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn spreadsheet_dates_are_read_when_they_say_their_order() {
        let tz = berlin();
        let z = 1_762_783_500.0; // 2025-11-10T14:05:00Z = 15:05 in Berlin
        let day = 1_762_729_200.0; // 2025-11-10T00:00 in Berlin

        // (text, order of the column, seconds or None when refused)
        let cases: [(&str, Option<DayOrder>, Option<f64>); 15] = [
            ("10.11.2025 15:05", None, Some(z)),
            ("10.11.2025 15:05:00", None, Some(z)),
            ("10.11.2025 15:05:00.5", None, Some(z + 0.5)),
            ("10.11.2025", None, Some(day)),
            ("1.2.2025", None, Some(1_738_364_400.0)),
            ("31.11.2025 00:00", None, None),
            // A slashed date that tells its order itself, in any column.
            ("13/11/2025 15:05", None, Some(z + 3.0 * 86_400.0)),
            ("11/13/2025 3:05 PM", None, Some(z + 3.0 * 86_400.0)),
            ("11/13/2025 3:05:00 PM", None, Some(z + 3.0 * 86_400.0)),
            // One that does not, only in a column that does.
            ("10/11/2025 15:05", None, None),
            ("10/11/2025 15:05", Some(DayOrder::DayFirst), Some(z)),
            ("11/10/2025 15:05", Some(DayOrder::MonthFirst), Some(z)),
            ("11/11/2025", None, Some(day + 86_400.0)),
            ("10/11/25 15:05", Some(DayOrder::DayFirst), None),
            ("13/14/2025", None, None),
        ];
        for (s, order, want) in cases {
            let got = parse_timestamp_in(s, &tz, order);
            match want {
                Some(w) => assert!(got.as_ref().is_ok_and(|g| (g - w).abs() < 1e-6), "{s}: got {got:?}, want {w}"),
                None => assert!(got.is_err(), "{s}: got {got:?}"),
            }
        }
        assert!(matches!(parse_timestamp("10/11/2025", &tz), Err(TimeError::AmbiguousDate(_))));
        assert_eq!(
            parse_user_time(" 10/11/2025 ", &tz).map_err(|e| e.to_string()),
            Err("`10/11/2025` could be 2025-11-10 or 2025-10-11: write the one you mean that way".to_string())
        );
        assert!(parse_user_time("13/11/2025", &tz).is_ok());
        // The week a range of one local week is known by; none for other ranges.
        let at = |d: &str| parse_user_time(d, &tz).unwrap_or(0);
        let week = |a: &str, b: &str| iso_week_of(&tz, at(a), at(b)).map(iso_week_name);
        assert_eq!(week("2026-11-09", "2026-11-16").as_deref(), Some("2026-W46"));
        assert_eq!(week("2026-11-08", "2026-11-15").as_deref(), Some("2026-W46"), "Sunday to Saturday");
        assert_eq!(week("2026-12-28", "2027-01-04").as_deref(), Some("2026-W53"));
        assert_eq!(week("2026-10-26", "2026-11-02").as_deref(), Some("2026-W44"));
        assert_eq!(week("2026-11-10", "2026-11-12"), None);
        assert_eq!(week("2026-11-09T12:00", "2026-11-16T12:00"), None);
        // ISO weeks: the Monday (or the day given) at local midnight.
        let day = |d: &str| parse_user_time(d, &tz).map_err(|e| e.to_string());
        for (week, want) in [
            ("2026-W46", day("2026-11-09")),
            ("2026w46", day("2026-11-09")),
            (" 2026-W46-3 ", day("2026-11-11")),
            ("2026-W01", day("2025-12-29")),
            ("2026-W53", day("2026-12-28")),
            ("2025-W53", Err("`2025-W53` is not a week".into())),
            ("2026-W46-8", Err("`2026-W46-8` is not a week".into())),
            ("2026-W4", Err("`2026-W4` is not a date or date-time".into())),
        ] {
            match (day(week), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{week}"),
                (Err(e), Err(w)) => assert!(e.starts_with(&w), "{week}: {e}"),
                (got, want) => panic!("{week}: got {got:?}, want {want:?}"),
            }
        }

        // A column's order: its first slashed date with a day past the 12th; both orders in one column are an
        // error at the row that contradicts the first.
        let order = |cells: &[Option<&'static str>]| day_order(cells.iter().copied()).map_err(|(row, _)| row);
        assert_eq!(order(&[Some("2025-11-10"), None]), Ok(None));
        assert_eq!(order(&[Some("01/02/2025"), Some("12/12/2025")]), Ok(None));
        assert_eq!(order(&[Some("01/02/2025"), None, Some("13/02/2025 00:00")]), Ok(Some(DayOrder::DayFirst)));
        assert_eq!(order(&[Some("02/13/2025 1:00 AM"), Some("02/14/2025")]), Ok(Some(DayOrder::MonthFirst)));
        assert_eq!(order(&[Some("13/02/2025"), Some("01/02/2025"), Some("02/13/2025")]), Err(2));
    }

    #[test]
    fn timestamps_outside_1900_to_9999_are_refused_not_followed() {
        let tz = berlin();
        for bad in ["1e308", "-1e300", "8210266800000000000000", "1899-12-31T23:59:59Z", "+10000-01-01T00:00:00Z"] {
            let e = parse_timestamp(bad, &tz).expect_err(bad);
            assert!(matches!(e, TimeError::OutOfRange(_) | TimeError::BadTimestamp(_)), "{bad}: {e}");
        }
        assert!(matches!(parse_timestamp("1e308", &tz), Err(TimeError::OutOfRange(_))));
        assert!(parse_timestamp("9999-12-31T23:59:59Z", &tz).is_ok());
        assert!(parse_timestamp("1900-01-01T00:00:00Z", &tz).is_ok());
        // Week arithmetic at the ends of the calendar saturates instead of panicking.
        let end = parse_user_time("9999-12-27", &tz).unwrap_or(0);
        assert!(add_weeks(&tz, end, 1) > end);
        assert!(add_weeks(&tz, end, i64::MAX / 2) > end);
        assert!(add_weeks(&tz, 0, i64::MIN / 2) < 0);
    }

    #[test]
    fn dst_edges_follow_the_documented_rule() {
        let tz = berlin();
        // 2026-03-29 02:30 does not exist in Berlin (clocks jump 02:00 → 03:00): read as 03:30 CEST = 01:30Z.
        let gap = parse_timestamp("2026-03-29T02:30:00", &tz).unwrap_or(0.0) as i64;
        assert_eq!(utc(gap).to_rfc3339(), "2026-03-29T01:30:00+00:00");
        // 2026-10-25 02:30 happens twice: the earlier (CEST, 00:30Z) is taken.
        let amb = parse_timestamp("2026-10-25T02:30:00", &tz).unwrap_or(0.0) as i64;
        assert_eq!(utc(amb).to_rfc3339(), "2026-10-25T00:30:00+00:00");
    }

    #[test]
    fn weeks_are_local_and_dst_weeks_have_odd_lengths() {
        let tz = berlin();
        let mid_week = parse_user_time("2026-10-28T12:00", &tz).unwrap_or(0);
        let start = week_start_of(&tz, Weekday::Mon, mid_week);
        assert_eq!(long_label(&tz, start), "2026-10-26 00:00 CET");
        // The week of 19–26 October 2026 contains the fall-back change: 169 hours.
        let prev = add_weeks(&tz, start, -1);
        assert_eq!(start - prev, WEEK + 3600);
        // Sunday-start weeks.
        let s = week_start_of(&tz, Weekday::Sun, mid_week);
        assert_eq!(long_label(&tz, s), "2026-10-25 00:00 CEST");
        // Time of week is local: Monday 00:00 local is 0 on both sides of the change.
        assert_eq!(seconds_of_week(&tz, Weekday::Mon, start), 0);
        assert_eq!(seconds_of_week(&tz, Weekday::Mon, prev), 0);
    }
}
