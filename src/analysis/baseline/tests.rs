//! The seasonal baseline on generated series: the band and its calibration, short histories, the weekly spread, leave-one-out, growth.

use super::*;
use crate::synth::{Rng, Shape};
use chrono::Weekday;

fn ctx(weeks: usize) -> Context {
    let tz: chrono_tz::Tz = "America/New_York".parse().expect("tz");
    let start = crate::time::parse_user_time("2026-11-02", &tz).expect("t");
    let end = crate::time::add_weeks(&tz, start, 1);
    Context::new(tz, Weekday::Mon, 300, start, end, weeks)
}

#[test]
fn seasonal_baseline_tracks_the_pattern_and_is_robust_to_past_incidents() {
    let c = ctx(5);
    let shape = Shape { level: 200.0, daily: 0.4, weekly: 0.2, noise: 0.03, growth_per_week: 0.0 };
    let mut rng = Rng::new(7);
    let mut v = shape.render(&c, &mut rng);
    // A big incident two weeks ago on the same weekday/hour must not move the baseline.
    let incident_start = c.review.start - 2 * c.slots_per_week + 14 * 12;
    for x in &mut v[incident_start..incident_start + 24] {
        *x *= 5.0;
    }
    let f = fit(&c, &v);
    assert_eq!(f.kind, BaselineKind::TimeOfWeek);
    let truth = shape.expected(&c);
    let mut worst: f64 = 0.0;
    let mut total = 0.0;
    for j in 0..c.review_len() {
        let e = f.expected[j];
        let t = truth[c.review.start + j];
        worst = worst.max(((e - t) / t).abs());
        total += ((e - t) / t).abs();
        assert!(f.sigma[j] > 0.0);
    }
    let mean = total / c.review_len() as f64;
    // With 3% noise, five weeks give a median good to ~1% on average.
    assert!(mean < 0.015 && worst < 0.1, "expected value off by {:.2}% on average, {:.1}% at worst", mean * 100.0, worst * 100.0);
    // |z| of a clean review week stays small almost everywhere.
    let big = f.z.iter().filter(|z| z.abs() > 4.0).count();
    assert!(big <= 3, "{big} points beyond 4 sigma on clean data");
}

#[test]
fn the_band_is_calibrated_on_clean_noise() {
    let c = ctx(5);
    let s = Shape { level: 100.0, daily: 0.0, weekly: 0.0, noise: 0.05, growth_per_week: 0.0 };
    let mut zs = vec![];
    for seed in 0..10 {
        let f = fit(&c, &s.render(&c, &mut Rng::new(seed)));
        zs.extend(f.z.iter().map(|z| z.abs()));
    }
    let sd = 1.4826 * median(&zs);
    let beyond_4 = zs.iter().filter(|z| **z > 4.0).count() as f64 / zs.len() as f64;
    assert!((0.93..1.07).contains(&sd), "robust sd of z on clean noise: {sd}");
    assert!(beyond_4 < 4e-4, "share of clean points beyond 4 sigma: {beyond_4}");
}

#[test]
fn coarse_data_with_few_history_weeks_gets_a_band_that_follows_the_hour() {
    // Hourly (and quarter-hourly) data with 2–5 history weeks holds 2–5 samples per half hour of the
    // week: too few for a width, and the band used to fall back to one width for every hour, as wide
    // as the daily swing (robust sd of z 0.08: nothing short of a collapse flagged). Noise in
    // proportion to the value: the band must be wider at the afternoon peak than at night, calibrated
    // in the middle and without heavy tails.
    // (step, history weeks, daily swing, robust sd of z within)
    let cases = [
        (3600i64, 2usize, 0.6, 0.5..1.15),
        (3600, 3, 0.6, 0.5..1.15),
        (3600, 5, 0.6, 0.5..1.15),
        (3600, 2, 0.0, 0.85..1.15),
        (900, 2, 0.6, 0.8..1.15),
        (900, 2, 0.0, 0.85..1.15),
    ];
    let tz: chrono_tz::Tz = "America/New_York".parse().expect("tz");
    let start = crate::time::parse_user_time("2026-11-02", &tz).expect("t");
    for (step, weeks, daily, sd_range) in cases {
        let c = Context::new(tz, Weekday::Mon, step, start, crate::time::add_weeks(&tz, start, 1), weeks);
        let s = Shape { level: 100.0, daily, weekly: 0.0, noise: 0.05, growth_per_week: 0.0 };
        let (mut zs, mut ratios) = (vec![], vec![]);
        for seed in 0..40 {
            let f = fit(&c, &s.render(&c, &mut Rng::new(seed)));
            assert_eq!(f.kind, BaselineKind::TimeOfWeek);
            zs.extend(f.z.iter().map(|z| z.abs()));
            // Tuesday 14:00 (the peak) over 02:00 (the trough), local.
            let spd = c.slots_per_day;
            ratios.push(f.sigma[spd + spd * 14 / 24] / f.sigma[spd + spd * 2 / 24]);
        }
        let sd = 1.4826 * median(&zs);
        let beyond_4 = zs.iter().filter(|z| **z > 4.0).count() as f64 / zs.len() as f64;
        let what = format!("step {step} s, {weeks} weeks, daily swing {daily}");
        assert!(sd_range.contains(&sd), "{what}: robust sd of z {sd:.2}");
        assert!(beyond_4 < 5e-4, "{what}: share of clean points beyond 4 sigma {beyond_4}");
        if daily > 0.0 {
            assert!(median(&ratios) > 2.0, "{what}: band at the peak only {:.2}x the night's", median(&ratios));
        }
    }
}

#[test]
fn one_week_of_history_keeps_the_weekly_pattern() {
    // Weekends 30% lower: a time-of-day profile would flag every weekend; last week does not.
    let c = ctx(1);
    let s = Shape { level: 100.0, daily: 0.3, weekly: 0.3, noise: 0.04, growth_per_week: 0.0 };
    for seed in 0..5 {
        let f = fit(&c, &s.render(&c, &mut Rng::new(seed)));
        assert_eq!(f.kind, BaselineKind::LastWeek);
        let beyond = f.z.iter().filter(|z| z.abs() > 4.0).count();
        assert!(beyond <= 6, "seed {seed}: {beyond} clean points beyond 4 sigma");
        let sd = 1.4826 * median(&f.z.iter().map(|z| z.abs()).collect::<Vec<_>>());
        assert!((0.85..1.2).contains(&sd), "seed {seed}: robust sd of z {sd}");
    }
}

#[test]
fn short_history_degrades_and_says_why() {
    // (history weeks, weekends lower by, baseline, what its sentence says)
    let cases = [
        (5usize, 0.0, BaselineKind::TimeOfWeek, "seasonal"),
        (1, 0.2, BaselineKind::LastWeek, "the same time last week"),
        (1, 0.0, BaselineKind::TimeOfDay, "weekend looks like its weekdays"),
        (0, 0.0, BaselineKind::Flat, "no history"),
    ];
    for (weeks, weekly, kind, word) in cases {
        let c = ctx(weeks);
        let shape = Shape { level: 10.0, daily: 0.3, weekly, noise: 0.05, growth_per_week: 0.0 };
        let v = shape.render(&c, &mut Rng::new(1));
        let f = fit(&c, &v);
        assert_eq!(f.kind, kind, "{weeks} weeks");
        assert!(f.reason.contains(word), "{}", f.reason);
    }
}

#[test]
fn weekly_spread_rises_only_when_the_noise_does() {
    let c = ctx(5);
    let cases = [("noise widening 16%/week", 0.16, 0.0, true), ("growth alone", 0.0, 0.06, false), ("flat", 0.0, 0.0, false)];
    for (name, widen, growth, rising) in cases {
        let s = Shape { level: 200.0, daily: 0.3, weekly: 0.1, noise: 0.05, growth_per_week: growth };
        let v = s.render_widening(&c, &mut Rng::new(3), widen);
        let f = fit(&c, &v);
        let sp: Vec<f64> = f.weeks.iter().map(|w| w.spread).collect();
        let ratio = sp[sp.len() - 1] / sp[0];
        let mk = crate::analysis::stats::mann_kendall(&sp);
        if rising {
            assert!(ratio > 1.35 && mk > 0.6, "{name}: {sp:?}");
        } else {
            assert!(ratio < 1.2, "{name}: {sp:?}");
        }
    }
}

#[test]
fn leave_one_out_is_the_median_of_the_other_values_of_the_slot() {
    // Naively: the slot's first `cap` finite values in grid order; a point among them is left out
    // (any one equal value when it is not among them).
    fn naive(slots: &[Vec<usize>], c: &Context, v: &[f64], cap: usize, i: usize) -> f64 {
        if !v[i].is_finite() {
            return f64::NAN;
        }
        let mine: Vec<usize> = slots[c.slot[i] as usize].iter().copied().take(cap).collect();
        let skip = mine.iter().position(|&k| k == i).or_else(|| mine.iter().position(|&k| v[k] == v[i]));
        let mut rest: Vec<f64> = mine.iter().enumerate().filter(|(p, _)| Some(*p) != skip).map(|(_, &k)| v[k]).collect();
        rest.sort_by(f64::total_cmp);
        match rest.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => rest[n / 2],
            n => (rest[n / 2 - 1] + rest[n / 2]) / 2.0,
        }
    }
    let c = ctx(5);
    let mut rng = Rng::new(11);
    // Rounded values (many ties), some missing.
    let v: Vec<f64> = (0..c.grid.len).map(|_| if rng.uniform() < 0.1 { f64::NAN } else { (rng.uniform() * 8.0).round() }).collect();
    let mut slots = vec![Vec::new(); c.slots_per_week];
    for (k, x) in v.iter().enumerate() {
        if x.is_finite() {
            slots[c.slot[k] as usize].push(k);
        }
    }
    // cap 6 holds every week; cap 3 and 1 overflow every slot.
    for cap in [6, 3, 1] {
        let got = leave_one_out(&c, &v, cap);
        for (i, g) in got.iter().enumerate() {
            let want = naive(&slots, &c, &v, cap, i);
            assert!(*g == want || (g.is_nan() && want.is_nan()), "cap {cap}, point {i}: {g} ≠ {want}");
        }
    }
}

#[test]
fn growth_is_projected_onto_the_review_week() {
    let c = ctx(5);
    let shape = Shape { level: 100.0, daily: 0.2, weekly: 0.0, noise: 0.01, growth_per_week: 0.1 };
    let v = shape.render(&c, &mut Rng::new(3));
    let f = fit(&c, &v);
    assert!(f.trend_per_week > 5.0, "trend {}", f.trend_per_week);
    let z_med = median(&f.z);
    assert!(z_med.abs() < 1.5, "growth left a median residual of {z_med} sigma");
}

/// The band is shown within what the metric can be: not below zero for a series never negative, not above
/// 100 for a percentage never over 100; anything else (a series that went negative, a percentage over 100,
/// another unit) keeps the band as fitted.
#[test]
fn the_band_stays_within_what_the_metric_can_be() {
    let c = ctx(3);
    let f = |e: f64, sd: f64, range: (f64, f64)| {
        let shape = Shape { level: 50.0, daily: 0.2, weekly: 0.0, noise: 0.05, growth_per_week: 0.0 };
        let mut fit = fit(&c, &shape.render(&c, &mut Rng::new(3)));
        fit.expected[0] = e;
        fit.sigma[0] = sd;
        fit.range = range;
        fit
    };
    // (expected, sigma, the series' range, unit) → band at 3 sigmas.
    let cases = [
        (99.6, 0.6, (96.0, 100.0), "%", (97.8, 100.0)),
        (99.6, 0.6, (96.0, 100.0), " % ", (97.8, 100.0)),
        (99.6, 0.6, (96.0, 130.0), "%", (97.8, 101.4)),
        (99.6, 0.6, (96.0, 100.0), "ms", (97.8, 101.4)),
        (0.5, 0.4, (0.0, 3.0), "errors", (0.0, 1.7)),
        (0.5, 0.4, (-1.0, 3.0), "errors", (-0.7, 1.7)),
        (2.0, 1.0, (0.0, 100.0), "%", (0.0, 5.0)),
        (50.0, 1.0, (f64::NAN, f64::NAN), "%", (47.0, 53.0)),
    ];
    for (e, sd, range, unit, (lo, hi)) in cases {
        let fit = f(e, sd, range);
        let (l, h) = fit.band_at(0, 3.0, unit);
        assert!((l - lo).abs() < 1e-9 && (h - hi).abs() < 1e-9, "{e} ± 3×{sd} in {range:?} {unit:?}: {l}–{h}, not {lo}–{hi}");
        let (ls, hs) = fit.band(3.0, unit);
        assert_eq!((ls[0], hs[0]), (l, h), "band and band_at differ");
    }
    // The fit finds the range itself.
    let v: Vec<f64> = (0..c.grid.len).map(|i| if i % 7 == 0 { f64::NAN } else { (i % 50) as f64 }).collect();
    assert_eq!(fit(&c, &v).range, (0.0, 49.0));
}
