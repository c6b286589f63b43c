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

/// [`episodes`] as it was written before the scores were worked out by products: each window's mean and mean |z|
/// divided by its count, then standardised by a division, for every window, and every shape told. The answer
/// (and the windows' scores) the quicker one must give.
fn episodes_by_division(fit: &Fit, t: f64, k: f64, w: usize) -> (Vec<Episode>, Vec<f64>) {
    let z = &fit.z;
    let n = z.len();
    let (mut u, mut ma) = (vec![f64::NAN; n], vec![f64::NAN; n]);
    let mut ring = [0.0f64; MAX_WINDOW];
    let (mut s, mut sa, mut c, mut slot) = (0.0, 0.0, 0usize, 0usize);
    for (j, &zj) in z.iter().enumerate() {
        let v = clip(zj, k);
        if v.is_finite() {
            s += v;
            sa += v.abs();
            c += 1;
        }
        if j >= w {
            let old = ring[slot];
            if old.is_finite() {
                s -= old;
                sa -= old.abs();
                c -= 1;
            }
        }
        ring[slot] = v;
        slot = (slot + 1) % w;
        if j + 1 >= w && c * 2 >= w {
            u[j] = s / c as f64;
            ma[j] = sa / c as f64;
        }
    }
    let mut a = vec![f64::NAN; n];
    let mut centre: Vec<f64> = ma.iter().copied().filter(|v| v.is_finite()).collect();
    let abs_centre = crate::analysis::stats::median_mut(&mut centre);
    for j in 0..n {
        match stats_at(fit, j).filter(StretchStats::usable) {
            Some(st) => {
                u[j] = (u[j] - st.mean.0) / st.mean.1;
                a[j] = (ma[j] - abs_centre.max(st.abs.0)) / st.abs.1;
            }
            None => u[j] = f64::NAN,
        }
    }
    // Every shape asked: the one slide says which can be flagged, and asking one that cannot finds nothing.
    (told(z, t, k, w, &u, &a, [true; 3]), u)
}

#[test]
fn window_scores_decide_as_the_exact_division_does() {
    let c = ctx();
    let base = Synth { level: 100.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
    // (name, what to do to the series): shapes of each kind, gaps that leave windows part full, a shift that
    // splits the fit in two parts, and heavy tails, so every branch of the scoring is taken.
    type Edit = fn(&Context, &mut Vec<f64>, &mut Rng);
    let cases: [(&str, Edit); 6] = [
        ("clean", |_, _, _| {}),
        ("a bump and a dip", |c, v, _| {
            Inject::Bump { at: 2 * 288 + 120, len: 72, factor: 1.10 }.apply(c, v);
            Inject::Bump { at: 3 * 288 + 120, len: 72, factor: 0.90 }.apply(c, v);
        }),
        ("erratic hours", |c, v, rng| {
            for j in 4 * 288 + 100..4 * 288 + 196 {
                v[c.review.start + j] *= 1.0 + 0.12 * rng.normal();
            }
        }),
        ("gaps every few hours", |c, v, _| {
            for at in (0..2016).step_by(97) {
                Inject::Gap { at, len: 7 + at % 11 }.apply(c, v);
            }
        }),
        ("a level shift mid-week", |c, v, _| Inject::Shift { at: 1000, factor: 1.3 }.apply(c, v)),
        ("heavy tails", |c, v, rng| {
            for x in &mut v[c.review.clone()] {
                *x *= 1.0 + 0.05 * rng.normal() / (0.2 + rng.uniform());
            }
        }),
    ];
    let mut compared = 0;
    for (name, edit) in cases {
        for seed in 1..=2u64 {
            let mut rng = Rng::new(seed);
            let mut v = base.render(&c, &mut rng);
            edit(&c, &mut v, &mut rng);
            let f = fit(&c, &v);
            let w = f.parts.first().map(|p| p.stretch.w).expect("a part");
            // Thresholds from every sensitivity's, and each of the largest scores exactly and one step either
            // side of it (a window exactly at the threshold, a hair over, a hair under).
            let mut ts: Vec<(f64, f64)> = (1..=40).map(|i| (6.0 / (0.25 * i as f64), 4.0 / (0.25 * i as f64))).collect();
            let (_, scores) = episodes_by_division(&f, 2.0, 3.0, w);
            let mut top: Vec<f64> = scores.iter().flat_map(|s| [*s, -*s]).filter(|s| s.is_finite() && *s > 0.0).collect();
            top.sort_by(|a, b| b.total_cmp(a));
            for &s in top.iter().take(12) {
                ts.extend([s, s.next_up(), s.next_down()].map(|t| (t, 3.0)));
            }
            let (mut u, mut ma, mut a) = (Vec::new(), Vec::new(), Vec::new());
            for (t, k) in ts {
                let (want, exact) = episodes_by_division(&f, t, k, w);
                let got = episodes(&f, t, k, w, &mut u, &mut ma, &mut a);
                assert_eq!(got, want, "{name} (seed {seed}) at t {t:e}, k {k}");
                // The bounds slide the same window: their largest scores each way are the exact scores' (a
                // rounded division is monotonic, so taking the largest mean first changes nothing).
                let b = bounds(&f, &f.z, k).expect("a week holds windows");
                let most = |sign: f64| exact.iter().map(|u| sign * u).filter(|u| !u.is_nan()).fold(f64::NEG_INFINITY, f64::max);
                assert_eq!(
                    (b.high.to_bits(), b.low.to_bits()),
                    (most(1.0).to_bits(), most(-1.0).to_bits()),
                    "{name} (seed {seed}): bounds at k {k}"
                );
                compared += usize::from(!want.is_empty());
            }
        }
    }
    assert!(compared >= 200, "only {compared} comparisons found stretches");
}
