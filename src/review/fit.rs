//! One metric from its loaded instances to what the review keeps of it: aligned on the grid, fitted, and
//! cut to the review range (the history is only needed by the fit; a chart's earlier weeks read it again,
//! [`super::Review::history`]). A batch of metrics is fitted in parallel.

use std::time::Instant;

use rayon::prelude::*;

use crate::analysis::{self, Context};
use crate::config::Metric;
use crate::series::{self, AlignStats, Grid, RawSeries};
use crate::source::Instances;

use super::{ms, SeriesFit, Warning};

/// What fitting a batch of metrics produced: the metrics (by workspace index) with their fits and the
/// alignment warnings, and the wall time of aligning and of fitting.
#[derive(Debug, Default)]
pub(super) struct Fitted {
    pub series: Vec<(usize, SeriesFit)>,
    pub warnings: Vec<(usize, Warning)>,
    pub align_ms: f64,
    pub baseline_ms: f64,
}

impl Fitted {
    pub fn extend(&mut self, other: Fitted) {
        self.series.extend(other.series);
        self.warnings.extend(other.warnings);
        self.align_ms += other.align_ms;
        self.baseline_ms += other.baseline_ms;
    }
}

/// Align and fit a batch of metrics (by workspace index) in parallel; `on_aligned` counts metrics for progress,
/// and `keep` is given each fitted metric on the thread that fitted it (to move its arrays out of memory).
pub(super) fn fit_batch(
    ctx: &Context,
    max_history: usize,
    batch: Vec<(usize, Metric, Instances)>,
    on_aligned: &(dyn Fn() + Sync),
    keep: &(dyn Fn(&mut SeriesFit) + Sync),
) -> Fitted {
    let t = Instant::now();
    let aligned: Vec<(usize, Metric, Aligned)> = batch
        .into_par_iter()
        .map(|(i, m, inst)| {
            let a = align_metric(&m, &inst, &ctx.grid);
            drop(inst);
            on_aligned();
            (i, m, a)
        })
        .collect();
    let align_ms = ms(t);
    let t = Instant::now();
    let series: Vec<(usize, SeriesFit)> = aligned
        .into_par_iter()
        .map(|(i, metric, (values, instances, stats))| {
            let mut fit = analysis::fit_range(ctx, &values, max_history);
            let clock = analysis::clock::votes(ctx, &values);
            // Only the review range is kept: the history has done its work in the fit.
            let values = values[ctx.review.clone()].to_vec();
            let instances: Vec<(String, Vec<f64>)> = instances.into_iter().map(|(n, v)| (n, v[ctx.review.clone()].to_vec())).collect();
            fit.summary.odd = analysis::group::odd_reach(ctx, &instances);
            let instance_names = instances.iter().map(|(n, _)| n.clone()).collect();
            let coverage = values.iter().filter(|v| v.is_finite()).count() as f64 / values.len().max(1) as f64;
            let steady = analysis::detect::steady(ctx, &metric, &values, &fit);
            let spark = super::spark::Spark::of(&values);
            let mut s = SeriesFit { metric, values, instances, instance_names, coverage, fit, stats, spilled: None, steady, clock, spark };
            keep(&mut s);
            (i, s)
        })
        .collect();
    let baseline_ms = ms(t);
    let warnings = series.iter().flat_map(|(i, s)| warnings_of(&s.metric, &s.stats).into_iter().map(move |w| (*i, w))).collect();
    Fitted { series, warnings, align_ms, baseline_ms }
}

/// Align a metric's instances on the grid and aggregate them into the metric's series.
/// A metric on the grid: aggregate values, per-instance values, and what alignment did.
type Aligned = (Vec<f64>, Vec<(String, Vec<f64>)>, AlignStats);

pub(super) fn align_metric(m: &Metric, inst: &[(Option<String>, RawSeries)], grid: &Grid) -> Aligned {
    let mut stats = AlignStats::default();
    let mut per: Vec<(String, Vec<f64>)> = Vec::with_capacity(inst.len());
    for (name, raw) in inst {
        let (v, st) = series::align(raw, grid);
        stats.samples += st.samples;
        stats.non_finite += st.non_finite;
        stats.unsorted += st.unsorted;
        stats.merged_points += st.merged_points;
        stats.off_grid += st.off_grid;
        stats.outside += st.outside;
        per.push((name.clone().unwrap_or_default(), v));
    }
    if per.len() == 1 && per[0].0.is_empty() {
        let (_, v) = per.pop().unwrap_or_default();
        return (v, vec![], stats);
    }
    let sum = m.sums_across_instances();
    let values = (0..grid.len)
        .map(|i| {
            let (mut s, mut c) = (0.0, 0usize);
            for (_, v) in &per {
                if v[i].is_finite() {
                    s += v[i];
                    c += 1;
                }
            }
            match (c, sum) {
                (0, _) => f64::NAN,
                (_, true) => s,
                (_, false) => s / c as f64,
            }
        })
        .collect();
    (values, per, stats)
}

fn warnings_of(m: &Metric, st: &AlignStats) -> Vec<Warning> {
    let file = m.source.describe();
    let mut out = Vec::new();
    let mut say = |msg: String| out.push(Warning { metric: m.id.clone(), file: file.clone(), message: msg });
    if st.non_finite > 0 {
        say(format!("{} NaN, infinite or empty value{} treated as missing", st.non_finite, if st.non_finite == 1 { "" } else { "s" }));
    }
    if st.unsorted > 0 {
        say(format!("{} row{} out of time order (placed by timestamp)", st.unsorted, if st.unsorted == 1 { "" } else { "s" }));
    }
    if st.merged_points > 0 {
        say(format!(
            "{} grid point{} received more than one sample (duplicates or sub-step sampling; averaged)",
            st.merged_points,
            if st.merged_points == 1 { "" } else { "s" }
        ));
    }
    out
}
