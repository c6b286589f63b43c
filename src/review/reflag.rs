//! Re-flagging: the detectors run again at a new sensitivity on the fits a review keeps, for the metrics that can
//! flag something there. The work can be stopped part way, so it can also be done ahead of the user ([`Ahead`]).

use std::time::Instant;

use rayon::prelude::*;

use super::{ms, source_error, Ahead, Review, SeriesFit};
use crate::analysis::{self, Params};
use crate::finding::{self, Finding};
use crate::source::SourceError;

/// A review's findings at some parameters, ranked (before what the room said is applied), with what finding and
/// ranking them cost.
pub(super) struct Flagged {
    pub params: Params,
    pub findings: Vec<Finding>,
    pub detect_ms: f64,
    pub rank_ms: f64,
}

impl Review {
    /// Re-run the detectors at new parameters without refitting; updates timings of detect and rank. Only
    /// metrics that can flag something at the new sensitivity are read back and run through the detectors
    /// ([`analysis::detect::moving_possible`]); the answer is the same as running them all.
    pub fn reflag(&mut self, params: Params) {
        if let Some(flagged) = self.flagged(params, &|| false) {
            self.install(flagged);
        }
    }

    /// [`Review::reflag`], answered from the findings `ahead` worked out for `params` when it holds them (the
    /// same findings: the timings are then those of the work done ahead).
    pub fn reflag_from(&mut self, params: Params, ahead: &Ahead) {
        match ahead.take(self.serial, params) {
            Some(flagged) => self.install(flagged),
            None => self.reflag(params),
        }
    }

    /// The findings at `params`, ranked; `None` when `stop` said so part way (it is asked once per metric).
    pub(super) fn flagged(&self, params: Params, stop: &(dyn Fn() -> bool + Sync)) -> Option<Flagged> {
        let t = Instant::now();
        let ctx = &self.ctx;
        let mut fs: Vec<Finding> = self
            .series
            .par_iter()
            .flat_map_iter(|s| {
                if stop() {
                    return Vec::new();
                }
                let params = params.for_metric(&s.metric);
                // Most metrics flag nothing that depends on the sensitivity: the fit's summary says so (or, when
                // the threshold falls among their residuals, the residuals, the one array read back for a
                // spilled metric), and the steady findings found at fit time are the answer.
                let n = s.instance_names.len();
                let quiet = match analysis::detect::moving_possible(ctx, &s.metric, &s.fit, n, &params) {
                    Some(possible) => !possible,
                    None => self.residuals(s).is_ok_and(|z| !analysis::detect::moving_possible_in(ctx, &s.metric, &s.fit, &z, n, &params)),
                };
                if quiet {
                    return finding::dedupe(s.steady.clone());
                }
                match self.flag_again(s, &params) {
                    Ok(f) => finding::dedupe(f),
                    Err(e) => {
                        let e = SourceError::file(std::path::Path::new("the review's temporary file"), e.to_string());
                        vec![source_error(ctx, &s.metric, &e)]
                    }
                }
            })
            .collect();
        if stop() {
            return None;
        }
        fs.extend(self.errors.iter().map(|(m, e)| source_error(ctx, m, e)));
        let detect_ms = ms(t);
        let t = Instant::now();
        finding::rank(&mut fs);
        Some(Flagged { params, findings: fs, detect_ms, rank_ms: ms(t) })
    }

    /// Make `flagged` the review's findings.
    fn install(&mut self, flagged: Flagged) {
        let t = Instant::now();
        self.params = flagged.params;
        let old = std::mem::replace(&mut self.findings, flagged.findings);
        // Freeing tens of thousands of findings (a high sensitivity's) takes as long as making the new ones:
        // it is done beside the caller, not before it sees them.
        if old.len() > 1000 {
            let _ = std::thread::Builder::new().name("flywheel-free".into()).spawn(move || drop(old));
        }
        // What the room said was judged on the old findings: the caller applies it again.
        self.muted.clear();
        self.recurring.clear();
        self.verdicts.clear();
        self.timings.detect_ms = flagged.detect_ms;
        self.timings.rank_ms = flagged.rank_ms + ms(t);
    }

    /// A metric's findings at `params` (before [`finding::dedupe`]) when its detectors must run again: the
    /// steady findings found at fit time with the sensitivity's own ([`analysis::detect::moving`]) and the odd
    /// instances. A spilled metric without instances has only the four arrays the detectors read read back.
    pub(super) fn flag_again(&self, s: &SeriesFit, params: &Params) -> std::io::Result<Vec<Finding>> {
        let ctx = &self.ctx;
        // (values, fit, instances): read back lean, or the metric whole (in memory, or with its instances).
        let (lean, whole);
        let (x, fit, instances) = match (s.spilled, &self.spill) {
            (Some(at), Some(spill)) if s.instance_names.is_empty() => {
                let [z, values, expected, sigma] = spill.detector_arrays(at)?;
                lean = (values, analysis::Fit { z, expected, sigma, ..s.fit.clone() });
                (&lean.0, &lean.1, &[][..])
            }
            _ => {
                whole = self.full(s)?;
                (&whole.values, &whole.fit, &whole.instances[..])
            }
        };
        let mut f = analysis::detect::with_steady(&s.steady, analysis::detect::moving(ctx, &s.metric, x, fit, params));
        f.extend(analysis::group::odd_one_out(ctx, &s.metric, instances, params));
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{self, WEEK};
    use crate::review::RangeSpec;
    use crate::source::Quiet;

    fn json(r: &Review) -> String {
        serde_json::to_string(&r.findings).expect("findings as JSON")
    }

    #[test]
    fn findings_worked_out_ahead_are_the_reflags() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut r = Review::run(fixture::workspace(dir.path()), RangeSpec::WeekOf(WEEK), Params::default(), &Quiet).expect("review");
        let ahead = Ahead::default();
        assert_eq!(ahead.prepare(&r, ahead.ticket()), Some(3));
        assert_eq!(ahead.held(), [0.75, 1.0, 1.25]);
        assert_eq!(ahead.prepare(&r, ahead.ticket()), Some(0), "what is held is not worked out again");
        // (step to, the sensitivities held after preparing around it): up, up again, back down.
        let mut seen = std::collections::BTreeSet::from([json(&r)]);
        for (s, held) in [(1.25, [1.0, 1.25, 1.5]), (1.5, [1.25, 1.5, 1.75]), (1.25, [1.0, 1.25, 1.5])] {
            let params = Params::new(s).expect("sensitivity");
            let mut cold = r.clone();
            cold.reflag(params);
            r.reflag_from(params, &ahead);
            assert_eq!(r.params, params);
            assert_eq!(json(&r), json(&cold), "at {s} the findings worked out ahead are the re-flag's");
            assert!(!ahead.held().contains(&s), "taken, not copied");
            seen.insert(json(&r));
            assert!(ahead.prepare(&r, ahead.ticket()).is_some());
            assert_eq!(ahead.held(), held, "around {s}");
            // A verdict re-flags at the sensitivity shown (the room's marks are then applied again): from the work
            // ahead too, with the same findings, and worked out again after.
            r.reflag_from(params, &ahead);
            assert_eq!(json(&r), json(&cold), "a verdict's re-flag at {s}");
            assert!(!ahead.held().contains(&s), "taken, not copied");
            assert_eq!(ahead.prepare(&r, ahead.ticket()), Some(1), "only the sensitivity shown is worked out again");
        }
        assert_eq!(seen.len(), 3, "each step flags something of its own, so a step answered with another's would show");
        // Another review (each load is one) takes nothing held for this one.
        let other = Review::run(fixture::workspace(dir.path()), RangeSpec::WeekOf(WEEK), Params::default(), &Quiet).expect("review");
        assert!(ahead.take(other.serial, Params::new(1.5).expect("sensitivity")).is_none());
        assert!(ahead.take(r.serial, Params::new(1.5).expect("sensitivity")).is_some());
    }

    #[test]
    fn work_ahead_gives_way_when_stopped() {
        let dir = tempfile::tempdir().expect("tmp");
        let r = Review::run(fixture::workspace(dir.path()), RangeSpec::WeekOf(WEEK), Params::default(), &Quiet).expect("review");
        let ahead = Ahead::default();
        let ticket = ahead.ticket();
        ahead.stop();
        assert_eq!(ahead.prepare(&r, ticket), None, "a stop after the ticket");
        assert!(ahead.held().is_empty());
        // Stopped part way (after the first metric asked): nothing of it is given.
        let asked = std::sync::atomic::AtomicUsize::new(0);
        let stop = || asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0;
        assert!(r.flagged(Params::default(), &stop).is_none());
        assert!(r.flagged(Params::default(), &|| false).is_some());
    }
}
