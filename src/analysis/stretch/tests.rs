//! The unusual stretches' tests: shapes found on generated series, the statistics per part, the window, and
//! how flagged windows make episodes.

use super::*;
use crate::analysis::detect::runs;
use crate::analysis::fit;
use crate::config::Worse;
use crate::synth::{Inject, Rng, Shape as Synth};

fn ctx() -> Context {
    crate::analysis::test_week()
}

fn shapes_found(c: &Context, v: &[f64]) -> Vec<String> {
    let m = Metric::new("m", "T", "svc", Worse::Higher, std::path::Path::new("x"), "m");
    let f = fit(c, v);
    stretches(c, &m, &v[c.review.clone()], &f, &Params::default())
        .iter()
        .map(|f| match f.evidence.get("shape") {
            Some(crate::finding::Evidence::Text(s)) => s.clone(),
            _ => String::new(),
        })
        .collect()
}

#[test]
fn stretches_are_found_by_shape_and_clean_series_stay_quiet() {
    let c = ctx();
    let base = Synth { level: 100.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
    // (name, what to do to the review week, the shape that must be found; None: nothing at all)
    type Edit = fn(&Context, &mut Vec<f64>, &mut Rng);
    let cases: [(&str, Edit, Option<&str>); 4] = [
        ("clean", |_, _, _| {}, None),
        ("six hours at +2.5 σ", |c, v, _| Inject::Bump { at: 2 * 288 + 120, len: 72, factor: 1.10 }.apply(c, v), Some("high")),
        ("six hours at −2.5 σ", |c, v, _| Inject::Bump { at: 3 * 288 + 120, len: 72, factor: 0.90 }.apply(c, v), Some("low")),
        (
            "noise four times wider for eight hours",
            |c, v, rng| {
                for j in 4 * 288 + 100..4 * 288 + 196 {
                    v[c.review.start + j] *= 1.0 + 0.12 * rng.normal();
                }
            },
            Some("erratic"),
        ),
    ];
    let mut answered = 0;
    for (name, edit, want) in cases {
        for seed in 1..=3u64 {
            let mut rng = Rng::new(seed);
            let mut v = base.render(&c, &mut rng);
            edit(&c, &mut v, &mut rng);
            let got = shapes_found(&c, &v);
            // The quick test re-flagging asks first never says "none" where stretches are found.
            let f = fit(&c, &v);
            for s in [0.25, 0.5, 1.0, 1.5, 2.0, 4.0] {
                let p = Params::new(s).expect("sensitivity");
                let m = Metric::new("m", "T", "svc", Worse::Higher, std::path::Path::new("x"), "m");
                let found = every_window(&c, &m, &v[c.review.clone()], &f, &p).len();
                assert!(possible(&f, &f.z, &p) || found == 0, "{name} (seed {seed}) at {s}: {found} stretches");
                // ...and the summary's answer, when it has one, is the residuals' answer.
                if let Some(quick) = possible_from_summary(&f, &p) {
                    assert_eq!(quick, possible(&f, &f.z, &p), "{name} (seed {seed}) at {s}: the summary's answer");
                    answered += 1;
                }
            }
            match want {
                None => assert!(got.is_empty(), "{name} (seed {seed}): {got:?}"),
                Some(s) => assert!(got.iter().any(|g| g == s), "{name} (seed {seed}): {got:?}"),
            }
        }
    }
    assert!(answered >= 30, "the summary answered only {answered} of 72 times");
}

#[test]
fn runs_of_statistics_are_those_of_each_offset() {
    let c = ctx();
    let mut rng = Rng::new(7);
    let v = Synth { level: 100.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 }.render(&c, &mut rng);
    let f = fit(&c, &v);
    let n = f.z.len();
    let part = |from: usize, usable: bool| {
        let mut p = f.parts[0];
        p.from = from;
        p.stretch.w = from + 1; // tells the parts apart
        if !usable {
            p.stretch.mean.1 = f64::NAN;
        }
        p
    };
    // (name, the parts: first offset and whether their statistics are usable)
    let cases: [(&str, &[(usize, bool)]); 6] = [
        ("one part from the start", &[(0, true)]),
        ("none before the first part", &[(100, true)]),
        ("three parts, the middle one unusable", &[(0, true), (500, false), (900, true)]),
        ("two parts from one offset: the later one", &[(0, true), (300, true), (300, true)]),
        ("a part past the end", &[(0, true), (n + 10, true)]),
        ("no parts", &[]),
    ];
    for (name, parts) in cases {
        let mut g = f.clone();
        g.parts = parts.iter().map(|&(from, usable)| part(from, usable)).collect();
        let mut seen = vec![0; n];
        for (run, st) in usable_runs(&g, n) {
            for j in run {
                seen[j] += 1;
                assert_eq!(st, stats_at(&g, j).filter(StretchStats::usable), "{name}: offset {j}");
            }
        }
        assert!(seen.iter().all(|&k| k == 1), "{name}: every offset once");
    }
}

#[test]
fn the_window_is_about_two_hours() {
    assert_eq!([window(60), window(300), window(900), window(3600)], [48, 24, 8, 6]);
}

#[test]
fn flagged_windows_join_as_runs_join_with_the_peak_the_later_of_equals() {
    let mut rng = Rng::new(5);
    // (name, scores): scores on a coarse grid, so equal peaks are common, with NaN sprinkled in.
    let mut cases: Vec<(&str, Vec<f64>)> = vec![
        ("none", vec![]),
        ("all NaN", vec![f64::NAN; 9]),
        ("one window", vec![5.0]),
        ("equal peaks: the later", vec![4.0, 1.0, 4.0, 4.0, 0.0, 0.0, 0.0, 0.0, 4.0]),
        ("a flag at either end", vec![3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.5]),
    ];
    for len in [20, 300, 2016] {
        cases.push(("random", (0..len).map(|i| if i % 17 == 0 { f64::NAN } else { (rng.uniform() * 8.0).floor() / 2.0 }).collect()));
    }
    for (name, scores) in &cases {
        for t in [0.5, 2.0, 3.0, 3.5] {
            for gap in [0, 1, 2, 5] {
                let flag: Vec<bool> = scores.iter().map(|&s| s >= t).collect();
                let want: Vec<(usize, usize, usize, f64)> = runs(&flag, gap)
                    .into_iter()
                    .map(|(a, b)| {
                        let peak =
                            (a..=b).filter(|&j| flag[j]).max_by(|&i, &j| scores[i].total_cmp(&scores[j])).expect("a run holds a flag");
                        (a, b, peak, scores[peak])
                    })
                    .collect();
                assert_eq!(flagged(scores.len(), t, gap, |j| scores[j]), want, "{name}: t {t}, gap {gap}");
            }
        }
    }
}
