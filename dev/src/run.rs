//! Review every file of a labelled corpus with the real pipeline (a bare file, the defaults a user
//! gets), in the two ways a team reviews: one pass over everything after probation, or week by week.

use std::collections::BTreeMap;

use anyhow::{anyhow, Result};
use flywheel::analysis::Params;
use flywheel::config::Workspace;
use flywheel::review::{RangeSpec, Review};
use flywheel::source::{self, Quiet};

use crate::corpus::Entry;
use crate::nab::Detection;

const WEEK: i64 = 7 * 86_400;

/// How each file is reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One review of everything after probation; the data before it is the history.
    OnePass,
    /// Every 7-day range after probation in turn, with all earlier data as its history.
    WeekByWeek,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::OnePass => "one pass",
            Mode::WeekByWeek => "week by week",
        }
    }
}

/// What reviewing one file produced.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub detections: Vec<Detection>,
    /// The baselines the reviews used, with how many reviews used each.
    pub baselines: BTreeMap<String, usize>,
    pub reviews: usize,
    /// The kind of the finding behind each detection row.
    pub kinds: BTreeMap<usize, &'static str>,
}

/// The review ranges of a file in `mode`: `[from, to)` in Unix seconds.
pub fn ranges(e: &Entry, mode: Mode) -> Vec<(i64, i64)> {
    let t = &e.labelled.times;
    let (Some(&from), Some(&last)) = (t.get(e.labelled.probation()), t.last()) else { return vec![] };
    let end = last + 1;
    match mode {
        Mode::OnePass => vec![(from, end)],
        Mode::WeekByWeek => (0..).map(|k| from + k * WEEK).take_while(|&a| a < end).map(|a| (a, (a + WEEK).min(end))).collect(),
    }
}

/// Review one file in `mode` and turn its findings into detections (a finding at its start, scored by
/// its severity; several at one row keep the highest).
pub fn run(e: &Entry, mode: Mode, params: Params) -> Result<Run> {
    let mut out = Run::default();
    let mut best: BTreeMap<usize, f64> = BTreeMap::new();
    for (from, to) in ranges(e, mode) {
        let ws = Workspace::bare(&e.path);
        let loaded = source::load(&ws, &Quiet);
        let review = Review::from_loaded(ws, loaded, RangeSpec::Explicit { from, to }, params, &Quiet)
            .map_err(|err| anyhow!("{}: {err}", e.path.display()))?;
        out.reviews += 1;
        for s in &review.series {
            *out.baselines.entry(format!("{:?}", s.fit.kind)).or_default() += 1;
        }
        for f in &review.findings {
            if let Some(row) = e.labelled.row_at(f.start) {
                let v = best.entry(row).or_insert(0.0);
                if f.severity as f64 >= *v {
                    *v = f.severity as f64;
                    out.kinds.insert(row, f.kind.key());
                }
            }
        }
    }
    out.detections = best.into_iter().map(|(row, score)| Detection { row, score }).collect();
    Ok(out)
}
