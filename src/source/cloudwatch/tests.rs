//! Planning GetMetricData requests within CloudWatch's limits and tiers, and spreading coarse data.

use super::*;

const NOW: i64 = 1_800_000_000;

#[test]
fn old_data_is_asked_for_at_the_periods_cloudwatch_keeps() {
    let step = 60;
    type Case = (i64, i64, &'static [(i64, i64)]);
    // (start age in days, end age in days, want: (length in seconds of each segment, period))
    let cases: &[Case] = &[
        (7, 0, &[(7 * DAY, 60)]),
        (20, 10, &[(5 * DAY, 300), (5 * DAY, 60)]),
        (70, 0, &[(7 * DAY, 3600), (48 * DAY, 300), (15 * DAY, 60)]),
        (100, 80, &[(20 * DAY, 3600)]),
    ];
    for &(from_age, to_age, want) in cases {
        let (from, to) = (NOW - from_age * DAY, NOW - to_age * DAY);
        let segs = segments(from, to, step, NOW);
        let got: Vec<(i64, i64)> = segs.iter().map(|&(a, b, p)| (b - a, p)).collect();
        assert_eq!(got, want, "{from_age}..{to_age} days ago");
        assert_eq!(segs.first().map(|s| s.0), Some(from), "starts at the window");
        assert_eq!(segs.last().map(|s| s.1), Some(to), "ends at the window");
        assert!(segs.windows(2).all(|p| p[0].1 == p[1].0), "no holes or overlaps");
    }
    // An hourly workspace asks at its step everywhere.
    assert_eq!(segments(NOW - 100 * DAY, NOW, 3600, NOW), vec![(NOW - 100 * DAY, NOW, 3600)]);
    // A 5-minute workspace needs hours only beyond 63 days.
    let segs = segments(NOW - 42 * DAY, NOW, 300, NOW);
    assert_eq!(segs, vec![(NOW - 42 * DAY, NOW, 300)]);
}

#[test]
fn requests_stay_within_the_query_and_datapoint_limits() {
    // (metrics, points per metric) → requests
    let cases: &[(usize, i64, usize)] =
        &[(1, 12_096, 1), (8, 12_096, 1), (9, 12_096, 2), (200, 12_096, 25), (1000, 100, 2), (1, 200_000, 2)];
    for &(n, points, want) in cases {
        let ids: Vec<usize> = (0..n).collect();
        let jobs = jobs_for(0, points * 300, 300, &ids, &[]);
        assert_eq!(jobs.len(), want, "{n} metrics × {points} points");
        for j in &jobs {
            assert!(j.metrics.len() <= MAX_QUERIES);
            let pts = (j.to - j.from) / j.period;
            assert!(pts * j.metrics.len() as i64 <= MAX_DATAPOINTS, "{n}×{points}: {} points in one request", pts * j.metrics.len() as i64);
        }
        let mut asked: Vec<(usize, i64)> = jobs.iter().flat_map(|j| j.metrics.iter().map(move |m| (*m, j.to - j.from))).collect();
        asked.sort();
        let per_metric: i64 = asked.iter().filter(|(m, _)| *m == 0).map(|(_, len)| len).sum();
        assert_eq!(per_metric, points * 300, "every metric's range is asked for exactly once");
    }
    // An expression goes alone.
    let jobs = jobs_for(0, 3000, 300, &[0, 1], &[2, 3]);
    assert_eq!(jobs.iter().map(|j| j.metrics.clone()).collect::<Vec<_>>(), vec![vec![0, 1], vec![2], vec![3]]);
}

#[test]
fn coarse_values_fill_the_grid_points_of_their_period() {
    let w = Window { start: 0, end: 7200, step: 60 };
    let job = Job { metrics: vec![0], from: 0, to: 3600, period: 300 };
    let fine = Job { metrics: vec![0], from: 3600, to: 7200, period: 60 };
    let mut c = Cached::default();
    let (n, sparser) = merge(
        &mut c,
        vec![(&job, vec![(String::new(), vec![(0, 1.0), (300, 2.0)])]), (&fine, vec![(String::new(), vec![(3600, 9.0)])])],
        w,
        10_000,
    );
    assert_eq!((n, sparser), (3, None));
    let s = &c.series[&None];
    assert_eq!(s.range(0..300).count(), 5, "one 5-minute value covers five 1-minute points");
    assert_eq!(s[&240], 1.0);
    assert_eq!(s[&300], 2.0);
    assert_eq!(s[&540], 2.0);
    assert!(!s.contains_key(&600), "no value beyond what was returned");
    assert_eq!(s[&3600], 9.0);
    assert_eq!(c.covered, vec![(0, 7200)]);
}

#[test]
fn a_search_with_several_series_gives_named_instances() {
    let w = Window { start: 0, end: 600, step: 300 };
    let job = Job { metrics: vec![0], from: 0, to: 600, period: 300 };
    let mut c = Cached::default();
    merge(&mut c, vec![(&job, vec![("i-1".into(), vec![(0, 1.0)]), ("i-2".into(), vec![(0, 2.0), (300, f64::NAN)])])], w, 0);
    let names: Vec<Option<String>> = c.series.keys().cloned().collect();
    assert_eq!(names, vec![Some("i-1".into()), Some("i-2".into())]);
    assert_eq!(c.series[&Some("i-2".into())].len(), 1, "a non-finite value is left out");
}

#[test]
fn a_metric_published_less_often_than_asked_is_spread_and_said() {
    let w = Window { start: 0, end: 6000, step: 60 };
    let job = Job { metrics: vec![0], from: 0, to: 6000, period: 60 };
    // Every 5 minutes (basic monitoring) although asked every minute.
    let every5: Vec<(i64, f64)> = (0..20).map(|k| (k * 300, k as f64)).collect();
    let mut c = Cached::default();
    let (_, sparser) = merge(&mut c, vec![(&job, vec![(String::new(), every5)])], w, 0);
    assert_eq!(sparser, Some(300));
    assert_eq!(c.series[&None].len(), 100, "every grid point filled");
    // A count that only has datapoints when something happened is not spread.
    type Case = (&'static [i64], i64);
    let cases: &[Case] = &[
        (&[0, 60, 120, 600, 660, 1800, 3000], 60),
        (&[0, 60, 120, 180, 240, 300], 60),
        (&[0, 120, 240, 360, 480, 600], 120),
        (&[0, 90, 180, 270, 360, 450], 60),
    ];
    for &(times, want) in cases {
        let pts: Vec<(i64, f64)> = times.iter().map(|t| (*t, 1.0)).collect();
        assert_eq!(answered_period(&pts, 60), want, "{times:?}");
    }
}
