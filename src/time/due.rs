//! Due dates as people say them when an action item is raised — `2026-12-11`, `11.12.2026`, `friday`,
//! `tomorrow`, `+2w` — turned into the calendar date the journal keeps, counted from the day they are said in
//! the workspace's time zone.

use chrono::{Datelike, Days, NaiveDate};
use chrono_tz::Tz;

use super::{local_date, parse_user_time, parse_weekday, TimeError};

/// The date `s` names, said at `now` (Unix seconds) in `tz`: an ISO date; `today` or `tomorrow`; a weekday
/// (its next one after today: `friday` said on a Friday is a week later); `+N d` or `+N w` (days or weeks from
/// today, up to ten years); or any date `--week` reads (`11.12.2026`, `11/12/2026` when it tells its order).
pub fn parse_due(s: &str, tz: &Tz, now: i64) -> Result<NaiveDate, TimeError> {
    let said = s.trim().to_ascii_lowercase();
    let today = local_date(tz, now);
    let bad = || TimeError::BadDue(s.trim().to_string());
    let iso_shaped =
        said.len() == 10 && said.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if iso_shaped {
        return NaiveDate::parse_from_str(&said, "%Y-%m-%d").map_err(|_| bad());
    }
    // The forms counted in days from today.
    let ahead: Option<u64> = if said == "today" {
        Some(0)
    } else if said == "tomorrow" {
        Some(1)
    } else if let Ok(day) = parse_weekday(&said) {
        let days = (day.num_days_from_monday() + 7 - today.weekday().num_days_from_monday()) % 7;
        Some(u64::from(if days == 0 { 7 } else { days }))
    } else if let Some(n) = said.strip_prefix('+').map(str::trim) {
        let (count, unit) = n.split_at(n.find(|c: char| !c.is_ascii_digit()).unwrap_or(n.len()));
        match (count.parse::<u64>(), unit.trim()) {
            (Ok(c), "d" | "day" | "days") => Some(c),
            (Ok(c), "w" | "week" | "weeks") => Some(c.saturating_mul(7)),
            _ => return Err(bad()),
        }
    } else {
        None
    };
    if let Some(days) = ahead {
        return today.checked_add_days(Days::new(days)).filter(|_| days <= 3653).ok_or_else(bad);
    }
    match parse_user_time(&said, tz) {
        Ok(t) => Ok(local_date(tz, t)),
        Err(e @ TimeError::AmbiguousUserDate(..)) => Err(e),
        Err(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_are_read_as_people_say_them() {
        let tz: Tz = "Europe/Berlin".parse().expect("tz");
        // Thursday 2026-11-26 23:30 in Berlin (22:30 UTC): "today" is the Thursday there, whatever UTC says.
        let now = 1_795_732_200;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let cases: [(&str, Result<NaiveDate, &str>); 17] = [
            ("2026-12-11", Ok(d("2026-12-11"))),
            (" 2026-12-11 ", Ok(d("2026-12-11"))),
            ("today", Ok(d("2026-11-26"))),
            ("Tomorrow", Ok(d("2026-11-27"))),
            ("friday", Ok(d("2026-11-27"))),
            ("Mon", Ok(d("2026-11-30"))),
            ("thursday", Ok(d("2026-12-03"))),
            ("+3d", Ok(d("2026-11-29"))),
            ("+2w", Ok(d("2026-12-10"))),
            ("+1 week", Ok(d("2026-12-03"))),
            ("11.12.2026", Ok(d("2026-12-11"))),
            ("13/12/2026", Ok(d("2026-12-13"))),
            ("2026-02-30", Err("`2026-02-30` is not a due date")),
            ("next week", Err("`next week` is not a due date")),
            ("+3y", Err("`+3y` is not a due date")),
            ("+99999d", Err("`+99999d` is not a due date")),
            ("11/12/2026", Err("could be 2026-12-11 or 2026-11-12")),
        ];
        for (said, want) in cases {
            match (parse_due(said, &tz, now), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{said}"),
                (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{said}: {e}"),
                (got, want) => panic!("{said}: got {got:?}, want {want:?}"),
            }
        }
    }
}
