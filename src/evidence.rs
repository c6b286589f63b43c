//! How a finding's evidence reads to the people in the room: each number with its unit, times in the
//! workspace's zone, durations and shares in words — the app's metric detail shows these, where the JSON
//! keeps the raw keys and numbers for tools.

use chrono_tz::Tz;

use crate::config::fmt_num;
use crate::finding::{Evidence, Finding, Kind};
use crate::text;
use crate::time;

/// What a piece of evidence is, by its key: how it is labelled and written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sort {
    /// In the metric's unit (a level, a line, a peak).
    Value,
    /// In the metric's unit per week.
    PerWeek,
    /// An instant (RFC 3339 text) or a local date (`2026-12-02`).
    When,
    /// Minutes, written as a duration.
    Minutes,
    /// A fraction, written as a percentage.
    Share,
    /// A multiple (`2.1×`).
    Times,
    /// A whole count.
    Count,
    /// 1 or 0.
    YesNo,
    /// A score or a number of σ: three significant digits.
    Plain,
}

/// The keys the detectors write, in the order the detail lists them (what happened, when, against what),
/// each with its label and sort; a key not here is listed after them as it is written.
const KEYS: &[(&str, &str, Sort)] = &[
    ("peak", "peak", Sort::Value),
    ("peak_at", "peak at", Sort::When),
    ("expected_at_peak", "usual at the peak", Sort::Value),
    ("band_low", "band from", Sort::Value),
    ("band_high", "band to", Sort::Value),
    ("peak_z", "peak, in σ", Sort::Plain),
    ("shape", "shape", Sort::Plain),
    ("mean", "mean", Sort::Value),
    ("expected_mean", "usual mean", Sort::Value),
    ("mean_z", "mean, in σ", Sort::Plain),
    ("mean_abs_z", "mean distance, in σ", Sort::Plain),
    ("p95_abs_z", "p95 distance, in σ", Sort::Plain),
    ("level_before", "level before", Sort::Value),
    ("level_after", "level after", Sort::Value),
    ("shift_at", "shifted at", Sort::When),
    ("shift_sigma", "shift, in σ", Sort::Plain),
    ("share_held", "held after", Sort::Share),
    ("instance_level", "this instance", Sort::Value),
    ("siblings_level", "its siblings", Sort::Value),
    ("siblings", "siblings", Sort::Count),
    ("share_of_range", "share of the range", Sort::Share),
    ("group_sigma", "apart, in σ", Sort::Plain),
    ("spikes", "spikes", Sort::Count),
    ("spike_points", "points in spikes", Sort::Count),
    ("expected_spike_points", "usual points in spikes", Sort::Plain),
    ("rate_ratio", "rate against usual", Sort::Times),
    ("window_score", "window score", Sort::Plain),
    ("line", "line", Sort::Value),
    ("line_kind", "which line", Sort::Plain),
    ("datapoints_rule", "datapoints rule", Sort::Plain),
    ("points_beyond", "points beyond", Sort::Count),
    ("points", "points beyond the band", Sort::Count),
    ("duration_minutes", "lasted", Sort::Minutes),
    ("stopped_at", "stopped at", Sort::When),
    ("gaps", "gaps", Sort::Count),
    ("longest_gap_minutes", "longest gap", Sort::Minutes),
    ("missing_minutes", "missing in all", Sort::Minutes),
    ("coverage", "coverage", Sort::Share),
    ("weekly_statistic", "weekly statistic", Sort::Plain),
    ("weekly_values", "weekly values", Sort::Value),
    ("slope_per_week", "change a week", Sort::PerWeek),
    ("headroom_now", "headroom now", Sort::Value),
    ("headroom_shrunk", "headroom lost", Sort::Share),
    ("weeks_to_cross", "weeks to cross", Sort::Plain),
    ("projected_crossing", "crosses around", Sort::When),
    ("worst_normal", "worst weekly p99.5", Sort::Value),
    ("typical", "typical", Sort::Value),
    ("normal_excursion", "normal excursion", Sort::Value),
    ("looseness", "looseness", Sort::Plain),
    ("alarm", "alarm line", Sort::Value),
    ("proposed_alarm", "proposed alarm line", Sort::Value),
    ("investigation", "investigation line", Sort::Value),
    ("proposed_investigation", "proposed investigation line", Sort::Value),
    ("weekly_spread", "weekly spread", Sort::Plain),
    ("ratio", "spread against the first weeks", Sort::Times),
    ("trend_score", "trend score", Sort::Plain),
    ("level_growth", "level growth", Sort::Plain),
    ("largest_in_history", "largest in its history", Sort::YesNo),
    ("direction", "direction", Sort::Plain),
    ("more_episodes", "more episodes", Sort::Count),
    ("nearby_episodes", "nearby episodes folded in", Sort::Count),
];

/// A source error's evidence: where the file went wrong (its `line` is a line of the file, not a metric's line).
const SOURCE_ERROR_KEYS: &[(&str, &str, Sort)] = &[
    ("error", "error", Sort::Plain),
    ("file", "file", Sort::Plain),
    ("line", "line of the file", Sort::Count),
    ("series", "series", Sort::Plain),
];

/// A finding's evidence as (label, text) rows: the known keys in [`KEYS`]' order with their units, then any
/// other key as it is written. `unit` is the finding's metric's; times are shown in `tz`.
pub fn readable(f: &Finding, unit: &str, tz: &Tz) -> Vec<(String, String)> {
    let keys = if f.kind == Kind::SourceError { SOURCE_ERROR_KEYS } else { KEYS };
    let mut rows: Vec<(usize, String, String)> = f
        .evidence
        .iter()
        .map(|(key, v)| match keys.iter().position(|(k, _, _)| k == key) {
            Some(i) => (i, keys[i].1.to_string(), write(v, keys[i].2, unit, tz)),
            // Another kind's finding folded into this one: how many.
            None => match Kind::ALL.iter().find(|k| k.also_key() == *key) {
                Some(k) => (keys.len(), format!("{} folded in", k.label()), write(v, Sort::Count, "", tz)),
                None => (keys.len() + 1, key.replace('_', " "), write(v, Sort::Plain, "", tz)),
            },
        })
        .collect();
    // Unknown keys keep the evidence's own (alphabetical) order after the known ones.
    rows.sort_by_key(|r| r.0);
    rows.into_iter().map(|(_, label, text)| (label, text)).collect()
}

fn write(v: &Evidence, sort: Sort, unit: &str, tz: &Tz) -> String {
    match v {
        Evidence::Number(x) => number(*x, sort, unit),
        Evidence::Numbers(xs) => xs.iter().map(|x| number(*x, sort, unit)).collect::<Vec<_>>().join(", "),
        Evidence::Text(t) if sort == Sort::When => when(t, tz),
        Evidence::Text(t) => t.clone(),
    }
}

fn number(x: f64, sort: Sort, unit: &str) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    match sort {
        Sort::Value => text::value(x, unit),
        Sort::PerWeek => format!("{}{} a week", if x > 0.0 { "+" } else { "" }, text::value(x, unit)),
        Sort::Minutes => text::duration((x * 60.0).round() as i64),
        Sort::Share => format!("{}%", fmt_num(text::round_sig(x * 100.0, 3))),
        Sort::Times => format!("{}×", fmt_num(text::round_sig(x, 3))),
        Sort::Count => fmt_num(x.round()),
        Sort::YesNo => (if x != 0.0 { "yes" } else { "no" }).to_string(),
        Sort::When | Sort::Plain => fmt_num(text::round_sig(x, 3)),
    }
}

/// An instant as the app writes it (`Sat 14 Nov 2026 18:00 CET`), a local date as `Wed 2 Dec 2026`;
/// anything else as it is.
fn when(t: &str, tz: &Tz) -> String {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d.format("%a %-d %b %Y").to_string();
    }
    match time::parse_timestamp(t, tz) {
        Ok(secs) => time::utc(secs.floor() as i64).with_timezone(tz).format("%a %-d %b %Y %H:%M %Z").to_string(),
        Err(_) => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::{Metric, Worse};

    #[test]
    fn each_kind_of_evidence_reads_with_its_unit_time_or_share() {
        let tz: Tz = "Europe/Berlin".parse().expect("tz");
        let m = Metric::new("api.p99", "Payments", "api", Worse::Higher, std::path::Path::new("m.csv"), "api.p99");
        let f = Finding::new(Kind::MissingData, &m, 0, 300, 50.0, "s".into())
            .with("zeta_custom", 0.123456)
            .with("coverage", 0.8214)
            .with("longest_gap_minutes", 1800.0)
            .with("stopped_at", "2026-11-14T18:00:00+01:00")
            .with("gaps", 1.0)
            .with("peak", 1260.0)
            .with("weekly_values", vec![33.5, 44.61])
            .with("slope_per_week", -2.634)
            .with("projected_crossing", "2026-12-02")
            .with("rate_ratio", 12.345)
            .with("largest_in_history", 1.0)
            .with("peak_at", "not a time")
            .with("direction", "worse");
        let want = [
            ("peak", "1260 ms"),
            ("peak at", "not a time"),
            ("rate against usual", "12.3×"),
            ("stopped at", "Sat 14 Nov 2026 18:00 CET"),
            ("gaps", "1"),
            ("longest gap", "1 d 6 h"),
            ("coverage", "82.1%"),
            ("weekly values", "33.5 ms, 44.6 ms"),
            ("change a week", "-2.63 ms a week"),
            ("crosses around", "Wed 2 Dec 2026"),
            ("largest in its history", "yes"),
            ("direction", "worse"),
            ("zeta custom", "0.123"),
        ];
        let got = readable(&f, "ms", &tz);
        assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec());
    }

    #[test]
    fn every_key_a_detector_writes_has_a_label() {
        // The sample's review at a high sensitivity has findings of every kind the sample shows; none of their
        // evidence falls back to its raw key.
        let ws = crate::config::Workspace::open(std::path::Path::new("data")).expect("the sample workspace");
        let params = crate::analysis::Params::new(2.0).expect("sensitivity");
        let r = crate::review::Review::run(ws, crate::review::RangeSpec::LastCompleteWeek, params, &crate::source::Quiet).expect("review");
        let kinds: std::collections::BTreeSet<Kind> = r.findings.iter().map(|f| f.kind).collect();
        assert!(kinds.len() >= 10, "{kinds:?}");
        let tz = r.ctx.tz;
        for f in &r.findings {
            let unit = r.workspace.metrics.iter().find(|m| m.id == f.metric).map_or("", |m| m.unit.as_str());
            let keys = if f.kind == Kind::SourceError { SOURCE_ERROR_KEYS } else { KEYS };
            for key in f.evidence.keys() {
                let known = keys.iter().any(|(k, _, _)| k == key) || Kind::ALL.iter().any(|k| k.also_key() == *key);
                assert!(known, "{}: evidence `{key}` has no label", f.kind.key());
            }
            assert_eq!(readable(f, unit, &tz).len(), f.evidence.len());
        }
    }
}
