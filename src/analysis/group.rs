//! Odd one out: one instance of a service behaving unlike its siblings (same metric, several instances).
//!
//! At every review point the instances' median and robust spread (1.4826 × MAD, floored at 5 % of the
//! median so near-identical instances do not make a razor-thin band) define what "like the others"
//! means. An instance is odd when it is ≥ 4 group-sigmas away for ≥ 25 % of the range or for a run of
//! ≥ 2 hours. Needs at least three instances: with two, nobody can tell which one is odd.

use super::detect::runs;
use super::stats::{mad_mut, median, median_mut};
use super::{Context, Params};
use crate::config::Metric;
use crate::finding::{Finding, Kind};
use crate::text;

/// Find instances unlike their siblings. `instances` holds each instance's label and values over the
/// review range.
pub fn odd_one_out(ctx: &Context, m: &Metric, instances: &[(String, Vec<f64>)], p: &Params) -> Vec<Finding> {
    let Some(group) = Group::of(ctx, instances) else { return vec![] };
    let n = ctx.review_len();
    let k = p.odd_z();
    let step = ctx.grid.step;
    let mut out = Vec::new();
    for ((name, v), d) in group.live.iter().zip(&group.d) {
        let x = v.as_slice();
        let Some(Odd { flag, share, runs: rs }) = odd_at(d, k, group.min_run) else { continue };
        let (a, b) = (rs.first().map(|r| r.0).unwrap_or(0), rs.last().map(|r| r.1).unwrap_or(n - 1));
        let flagged: Vec<usize> = (a..=b).filter(|&j| flag[j]).collect();
        let mine = median(&flagged.iter().map(|&j| x[j]).collect::<Vec<_>>());
        let others = median(&flagged.iter().map(|&j| group.center[j]).collect::<Vec<_>>());
        let dz = median(&flagged.iter().map(|&j| d[j].abs()).collect::<Vec<_>>());
        let sev = 35.0 + (25.0 * share).min(25.0) + (2.0 * (dz / k)).min(10.0);
        let sentence = format!(
            "Instance {} of {} ran at {} while its {} siblings ran around {} ({:.0}% of the range, from {}).",
            name,
            text::subject(m),
            text::value(mine, &m.unit),
            group.live.len() - 1,
            text::value(others, &m.unit),
            share * 100.0,
            ctx.short_label(ctx.rtime(a)),
        );
        let mut f = Finding::new(Kind::OddOneOut, m, ctx.rtime(a), ctx.rtime(b) + step, sev, sentence)
            .with("instance_level", mine)
            .with("siblings_level", others)
            .with("share_of_range", share)
            .with("group_sigma", dz)
            .with("siblings", (group.live.len() - 1) as f64);
        f.instance = Some(name.clone());
        out.push(f);
    }
    out
}

/// The largest threshold (group sigmas) at which some instance is odd one out: at that threshold or any
/// below it [`odd_one_out`] finds one, above it none (0 with fewer than three live instances). Lowering the
/// threshold only flags more points — a larger share, runs that grow and join — so per instance the answer
/// flips once, and it is found among the instance's own |deviations| by bisection with the detector's test.
/// Kept in the fit's summary: re-flagging knows without the instances whether the group can say anything.
pub fn odd_reach(ctx: &Context, instances: &[(String, Vec<f64>)]) -> f64 {
    let Some(group) = Group::of(ctx, instances) else { return 0.0 };
    let mut reach = 0.0f64;
    for d in &group.d {
        let mut levels: Vec<f64> = d.iter().filter(|z| z.is_finite()).map(|z| z.abs()).collect();
        levels.sort_unstable_by(f64::total_cmp);
        levels.dedup();
        // The levels at which the instance is odd come first (the smallest flags every valid point: share 1).
        let odd = levels.partition_point(|&k| is_odd(d, k, group.min_run));
        if odd > 0 {
            reach = reach.max(levels[odd - 1]);
        }
    }
    reach
}

/// The live instances of a group (three or more with a value), what "like the others" is at each review
/// point, and each live instance's deviation from it in group sigmas.
struct Group<'a> {
    live: Vec<&'a (String, Vec<f64>)>,
    center: Vec<f64>,
    d: Vec<Vec<f64>>,
    /// Points in a run long enough to make an instance odd (two hours).
    min_run: usize,
}

impl<'a> Group<'a> {
    fn of(ctx: &Context, instances: &'a [(String, Vec<f64>)]) -> Option<Group<'a>> {
        let live: Vec<&(String, Vec<f64>)> = instances.iter().filter(|(_, v)| v.iter().any(|x| x.is_finite())).collect();
        if live.len() < 3 {
            return None;
        }
        let n = ctx.review_len();
        let mut center = vec![f64::NAN; n];
        let mut scale = vec![f64::NAN; n];
        let mut buf = Vec::with_capacity(live.len());
        for j in 0..n {
            buf.clear();
            buf.extend(live.iter().map(|(_, v)| v[j]).filter(|x| x.is_finite()));
            if buf.len() >= 3 {
                let c = median_mut(&mut buf);
                center[j] = c;
                scale[j] = (1.4826 * mad_mut(&mut buf, c)).max(0.05 * c.abs());
            }
        }
        let typical_scale = median(&scale);
        let d = live
            .iter()
            .map(|(_, x)| {
                (0..n)
                    .map(|j| {
                        let s = scale[j].max(0.5 * typical_scale).max(1e-12);
                        if x[j].is_finite() && center[j].is_finite() {
                            (x[j] - center[j]) / s
                        } else {
                            f64::NAN
                        }
                    })
                    .collect()
            })
            .collect();
        Some(Group { live, center, d, min_run: (7200 / ctx.grid.step).max(1) as usize })
    }
}

/// [`odd_at`]'s answer alone, without building the flags and runs: the same counts and the same merging of
/// runs (two unflagged points between flagged ones join them), in one pass.
fn is_odd(d: &[f64], k: f64, min_run: usize) -> bool {
    let (mut valid, mut flagged, mut longest) = (0usize, 0usize, 0usize);
    // The current merged run: its first flagged point and its last.
    let mut run: Option<(usize, usize)> = None;
    for (j, z) in d.iter().enumerate() {
        if !z.is_finite() {
            continue;
        }
        valid += 1;
        if z.abs() < k {
            continue;
        }
        flagged += 1;
        run = match run {
            Some((a, last)) if j - last - 1 <= 2 => Some((a, j)),
            _ => Some((j, j)),
        };
        if let Some((a, b)) = run {
            longest = longest.max(b + 1 - a);
        }
    }
    valid > 0 && (flagged as f64 / valid as f64 >= 0.25 || longest >= min_run)
}

/// An instance found odd at a threshold: its flagged points, their share of its valid points, their runs.
struct Odd {
    flag: Vec<bool>,
    share: f64,
    runs: Vec<(usize, usize)>,
}

/// Whether deviations `d` make an instance odd at threshold `k`: points at or beyond `k` for a quarter of
/// its valid points, or in a run (gaps of two merged) of `min_run` points or more.
fn odd_at(d: &[f64], k: f64, min_run: usize) -> Option<Odd> {
    let valid = d.iter().filter(|z| z.is_finite()).count();
    if valid == 0 {
        return None;
    }
    let flag: Vec<bool> = d.iter().map(|z| z.is_finite() && z.abs() >= k).collect();
    let share = flag.iter().filter(|f| **f).count() as f64 / valid as f64;
    let runs = runs(&flag, 2);
    let longest = runs.iter().map(|(a, b)| b + 1 - a).max().unwrap_or(0);
    (share >= 0.25 || longest >= min_run).then_some(Odd { flag, share, runs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Worse;
    use crate::synth::{Inject, Rng, Shape};
    use crate::time;
    use chrono::Weekday;

    /// The reach is exact: at every threshold at or below it the detector finds an odd instance, above it
    /// none — on the named cases and on random groups (heavy tails, gaps, a shifted or noisy instance), at
    /// the slider's sensitivities and right on the reach and either side of it.
    #[test]
    fn the_reach_is_where_odd_instances_stop() {
        let tz: chrono_tz::Tz = "Europe/Berlin".parse().expect("tz");
        let start = time::parse_user_time("2026-11-02", &tz).expect("t");
        let ctx = Context::new(tz, Weekday::Mon, 300, start, time::add_weeks(&tz, start, 1), 2);
        let m = Metric::new("cpu", "T", "gw", Worse::Higher, std::path::Path::new("x"), "cpu");
        let shape = Shape { level: 40.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
        let mut rng = Rng::new(23);
        let (mut odd, mut quiet) = (0, 0);
        for case in 0..40 {
            let n = 2 + case % 5;
            let instances: Vec<(String, Vec<f64>)> = (0..n)
                .map(|i| {
                    let mut v = shape.render(&ctx, &mut rng);
                    if i == 0 && case % 4 != 0 {
                        let at = (rng.uniform() * 1500.0) as usize;
                        match case % 3 {
                            0 => Inject::Shift { at, factor: 1.0 + rng.normal() * 0.3 }.apply(&ctx, &mut v),
                            1 => Inject::Bump { at, len: 6 + (rng.uniform() * 60.0) as usize, factor: 1.0 + rng.normal() * 0.5 }
                                .apply(&ctx, &mut v),
                            _ => Inject::Gap { at, len: 200 }.apply(&ctx, &mut v),
                        }
                    }
                    for x in v.iter_mut() {
                        if rng.uniform() < 0.02 {
                            *x *= 1.0 + 0.5 * rng.normal();
                        }
                    }
                    (format!("i-{i}"), v[ctx.review.clone()].to_vec())
                })
                .collect();
            let reach = odd_reach(&ctx, &instances);
            let mut ks: Vec<f64> = [0.1, 0.25, 0.5, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 10.0].iter().map(|s| 4.0 / s).collect();
            if reach > 0.0 {
                ks.extend([reach, reach * (1.0 - 1e-12), reach * (1.0 + 1e-12), reach * 0.9, reach * 1.1]);
            }
            for k in ks {
                let found = !odd_one_out(&ctx, &m, &instances, &Params { sensitivity: 4.0 / k }).is_empty();
                let k = Params { sensitivity: 4.0 / k }.odd_z();
                assert_eq!(found, k <= reach, "case {case} ({n} instances), threshold {k}, reach {reach}");
                if found {
                    odd += 1;
                } else {
                    quiet += 1;
                }
            }
        }
        assert!(odd > 40 && quiet > 40, "both answers: {odd} odd, {quiet} quiet");
    }

    #[test]
    fn the_odd_instance_is_named_and_a_healthy_group_is_quiet() {
        let tz: chrono_tz::Tz = "Asia/Kolkata".parse().expect("tz");
        let start = time::parse_user_time("2026-11-02", &tz).expect("t");
        let ctx = Context::new(tz, Weekday::Mon, 300, start, time::add_weeks(&tz, start, 1), 2);
        let m = Metric {
            name: "CPU".into(),
            unit: "%".into(),
            ..Metric::new("cpu", "T", "gw", Worse::Higher, std::path::Path::new("x"), "cpu")
        };
        let shape = Shape { level: 40.0, daily: 0.3, weekly: 0.1, noise: 0.04, growth_per_week: 0.0 };
        // (name, instances, odd instance and its factor, the instance that must be named)
        type Case<'a> = (&'a str, usize, Option<(usize, f64)>, Option<&'a str>);
        let cases: &[Case] = &[
            ("healthy group of four", 4, None, None),
            ("healthy group of three", 3, None, None),
            ("one hot instance", 4, Some((2, 1.8)), Some("i-2")),
            ("one idle instance", 5, Some((0, 0.4)), Some("i-0")),
            ("two instances cannot say who is odd", 2, Some((1, 2.0)), None),
        ];
        for (name, n, odd, want) in cases {
            let mut rng = Rng::new(11);
            let instances: Vec<(String, Vec<f64>)> = (0..*n)
                .map(|i| {
                    let mut v = shape.render(&ctx, &mut rng);
                    if let Some((j, f)) = odd {
                        if *j == i {
                            Inject::Shift { at: 24 * 12, factor: *f }.apply(&ctx, &mut v);
                        }
                    }
                    (format!("i-{i}"), v[ctx.review.clone()].to_vec())
                })
                .collect();
            let found = odd_one_out(&ctx, &m, &instances, &Params::default());
            let names: Vec<&str> = found.iter().filter_map(|f| f.instance.as_deref()).collect();
            match want {
                Some(w) => assert_eq!(names, vec![*w], "{name}"),
                None => assert!(names.is_empty(), "{name}: {names:?}"),
            }
        }
    }
}
