//! Missing data: gaps in the review range beyond the series' own usual silences.

use super::{recency, runs};
use crate::analysis::{Context, Fit, Params};
use crate::config::Metric;
use crate::finding::{Finding, Kind};
use crate::text;
use crate::time;

pub(super) fn missing(ctx: &Context, m: &Metric, x: &[f64], fit: &Fit, p: &Params) -> Vec<Finding> {
    let step = ctx.grid.step;
    // A series that is sampled irregularly has gaps of its usual length all the time: only a gap well
    // beyond them (twice the usual, plus one) is news. A gap counts by its points that are not usually
    // silent at that time of week (a nightly pause inside a longer gap does not split it).
    let min_gap = p.min_gap_points().max(2 * fit.usual_gap + 1);
    let missing: Vec<bool> = x.iter().map(|v| !v.is_finite()).collect();
    let unusual = |a: usize, b: usize| (a..=b).filter(|&j| !fit.usual_missing[j]).count();
    let gaps: Vec<(usize, usize)> = runs(&missing, 0).into_iter().filter(|&(a, b)| unusual(a, b) >= min_gap).collect();
    if gaps.is_empty() {
        return vec![];
    }
    let n = x.len();
    let total: usize = gaps.iter().map(|(a, b)| b + 1 - a).sum();
    let (la, lb) = gaps.iter().copied().max_by_key(|(a, b)| b - a).unwrap_or((0, 0));
    let stopped = gaps.last().filter(|(_, b)| *b + 1 == n).copied();
    let t0 = ctx.rtime(gaps[0].0);
    let t1 = ctx.rtime(gaps[gaps.len() - 1].1) + step;
    let subj = text::subject(m);
    let (sev, sentence) = match stopped {
        Some((0, _)) => (
            85.0,
            format!(
                "{subj} sent no data at all in the review range; silence is not health (last value before it: {}).",
                last_seen(ctx, fit)
            ),
        ),
        Some((a, b)) => {
            let dur = (b + 1 - a) as i64 * step;
            let others = gaps.len() - 1;
            (
                60.0 + (20.0 * dur as f64 / 86_400.0).min(20.0),
                format!(
                    "{subj} stopped reporting on {} and stayed silent to the end of the range ({}){}; silence is not health.",
                    ctx.short_label(ctx.rtime(a)),
                    text::duration(dur),
                    if others > 0 { format!(", after {others} earlier gap{}", if others == 1 { "" } else { "s" }) } else { String::new() },
                ),
            )
        }
        None => (
            25.0 + (20.0 * (total as i64 * step) as f64 / 21_600.0).min(20.0) + 5.0 * recency(ctx, gaps[gaps.len() - 1].1 + 1),
            format!(
                "{subj} has {} gap{} in the review range, {} in all (longest {} from {}).",
                gaps.len(),
                if gaps.len() == 1 { "" } else { "s" },
                text::duration(total as i64 * step),
                text::duration((lb + 1 - la) as i64 * step),
                ctx.short_label(ctx.rtime(la)),
            ),
        ),
    };
    vec![Finding::new(Kind::MissingData, m, t0, t1, sev, sentence)
        .with("gaps", gaps.len() as f64)
        .with("missing_minutes", (total as i64 * step) as f64 / 60.0)
        .with("longest_gap_minutes", ((lb + 1 - la) as i64 * step) as f64 / 60.0)
        .with("coverage", 1.0 - total as f64 / n.max(1) as f64)
        .with("stopped_at", stopped.map(|(a, _)| ctx.rfc3339(ctx.rtime(a))).unwrap_or_default())]
}

pub(super) fn last_seen(ctx: &Context, fit: &Fit) -> String {
    fit.weeks
        .iter()
        .rev()
        .find(|w| w.coverage > 0.0)
        .map(|w| format!("week of {}", time::local_date(&ctx.tz, w.start)))
        .unwrap_or_else(|| "none in the history either".to_string())
}
