//! Odd one out: one instance of a service behaving unlike its siblings (same metric, several instances).
//!
//! At every review point the instances' median and robust spread (1.4826 × MAD, floored at 5 % of the
//! median so near-identical instances do not make a razor-thin band) define what "like the others"
//! means. An instance is odd when it is ≥ 4 group-sigmas away for ≥ 25 % of the range or for a run of
//! ≥ 2 hours. Needs at least three instances: with two, nobody can tell which one is odd.

use super::detect::runs;
use super::stats::{mad, median, median_mut};
use super::{Context, Params};
use crate::config::Metric;
use crate::finding::{Finding, Kind};
use crate::text;
use crate::time;

/// Find instances unlike their siblings. `instances` holds each instance's label and values over the
/// review range.
pub fn odd_one_out(ctx: &Context, m: &Metric, instances: &[(String, Vec<f64>)], p: &Params) -> Vec<Finding> {
    let live: Vec<&(String, Vec<f64>)> = instances.iter().filter(|(_, v)| v.iter().any(|x| x.is_finite())).collect();
    if live.len() < 3 {
        return vec![];
    }
    let n = ctx.review_len();
    let k = p.odd_z();
    let mut center = vec![f64::NAN; n];
    let mut scale = vec![f64::NAN; n];
    let mut buf = Vec::with_capacity(live.len());
    for j in 0..n {
        buf.clear();
        buf.extend(live.iter().map(|(_, v)| v[j]).filter(|x| x.is_finite()));
        if buf.len() >= 3 {
            let c = median_mut(&mut buf);
            center[j] = c;
            scale[j] = (1.4826 * mad(&buf, c)).max(0.05 * c.abs());
        }
    }
    let typical_scale = median(&scale);
    let step = ctx.grid.step;
    let min_run = (7200 / step).max(1) as usize;
    let mut out = Vec::new();
    for (name, v) in &live {
        let x = v.as_slice();
        let d: Vec<f64> = (0..n)
            .map(|j| {
                let s = scale[j].max(0.5 * typical_scale).max(1e-12);
                if x[j].is_finite() && center[j].is_finite() {
                    (x[j] - center[j]) / s
                } else {
                    f64::NAN
                }
            })
            .collect();
        let valid = d.iter().filter(|z| z.is_finite()).count();
        if valid == 0 {
            continue;
        }
        let flag: Vec<bool> = d.iter().map(|z| z.is_finite() && z.abs() >= k).collect();
        let share = flag.iter().filter(|f| **f).count() as f64 / valid as f64;
        let rs = runs(&flag, 2);
        let longest = rs.iter().map(|(a, b)| b + 1 - a).max().unwrap_or(0);
        if share < 0.25 && longest < min_run {
            continue;
        }
        let (a, b) = (rs.first().map(|r| r.0).unwrap_or(0), rs.last().map(|r| r.1).unwrap_or(n - 1));
        let flagged: Vec<usize> = (a..=b).filter(|&j| flag[j]).collect();
        let mine = median(&flagged.iter().map(|&j| x[j]).collect::<Vec<_>>());
        let others = median(&flagged.iter().map(|&j| center[j]).collect::<Vec<_>>());
        let dz = median(&flagged.iter().map(|&j| d[j].abs()).collect::<Vec<_>>());
        let sev = 35.0 + (25.0 * share).min(25.0) + (2.0 * (dz / k)).min(10.0);
        let sentence = format!(
            "Instance {} of {} ran at {} while its {} siblings ran around {} ({:.0}% of the range, from {}).",
            name,
            text::subject(m),
            text::value(mine, &m.unit),
            live.len() - 1,
            text::value(others, &m.unit),
            share * 100.0,
            time::short_label(&ctx.tz, ctx.rtime(a)),
        );
        let mut f = Finding::new(Kind::OddOneOut, m, ctx.rtime(a), ctx.rtime(b) + step, sev, sentence)
            .with("instance_level", mine)
            .with("siblings_level", others)
            .with("share_of_range", share)
            .with("group_sigma", dz)
            .with("siblings", (live.len() - 1) as f64);
        f.instance = Some(name.clone());
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Worse;
    use crate::synth::{Inject, Rng, Shape};
    use chrono::Weekday;

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
