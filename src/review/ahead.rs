//! Re-flagging ahead of the user: while the room reads the findings at one sensitivity, the findings at the
//! slider's steps either side, and at the sensitivity shown, are worked out, so a step of the slider, or a verdict
//! (which re-flags at the sensitivity shown before the room's marks are applied again), is answered from them
//! instead of running the detectors while the user waits. The work gives way at once to anything that changes the
//! review.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use super::reflag::Flagged;
use super::Review;
use crate::analysis::Params;

/// The app's sensitivity slider (`ui/index.html`): its lowest and highest value and its step.
pub const SLIDER: (f64, f64, f64) = (0.25, 4.0, 0.25);

/// Findings worked out ahead for a review's sensitivity and the slider's steps next to it. One per app, shared by the
/// commands: [`Ahead::prepare`] runs beside them, holding the review to read; whatever is about to change the
/// review calls [`Ahead::stop`] first, so it never waits on work done ahead for more than one metric's detectors.
#[derive(Default)]
pub struct Ahead {
    /// Raised by every [`Ahead::stop`]: work begun under an older value gives up.
    generation: AtomicU64,
    /// At most the sensitivity last prepared around and the two steps next to it.
    held: Mutex<Vec<(u64, Flagged)>>,
    /// Held by the one [`Ahead::prepare`] running (a second waits, then finds the steps held), with the review and
    /// sensitivity it last prepared around and whether the slider had moved down to it.
    running: Mutex<Option<Around>>,
    /// The thread the work runs on ([`low_priority_pool`]).
    pool: OnceLock<Option<rayon::ThreadPool>>,
}

impl Ahead {
    /// What work ahead begun now is told by: a [`Ahead::stop`] after this call stops it.
    pub fn ticket(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Stop the work ahead that is running (it gives up within one metric's detectors and keeps nothing of it).
    pub fn stop(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Work out the findings that are not held yet at the slider's steps either side of the review's sensitivity and
    /// at that sensitivity itself ([`wanted`]), unless a [`Ahead::stop`] comes after `ticket` was taken. What was
    /// held for other sensitivities or another review is let go. How many were worked out; `None` when stopped.
    pub fn prepare(&self, r: &Review, ticket: u64) -> Option<usize> {
        let stopped = || self.generation.load(Ordering::SeqCst) != ticket;
        let mut around = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if stopped() {
            return None;
        }
        let now = Around::after(*around, r.serial, r.params.sensitivity);
        *around = Some(now);
        let wanted = wanted(now);
        // What is let go is freed outside the list's lock, which `take` waits on.
        let gone: Vec<_> = {
            let mut held = self.lock();
            let (keep, gone): (Vec<_>, Vec<_>) = std::mem::take(&mut *held)
                .into_iter()
                .partition(|(serial, f)| *serial == r.serial && wanted.contains(&f.params.sensitivity));
            *held = keep;
            gone
        };
        drop(gone);
        let mut done = 0;
        for s in wanted {
            if self.lock().iter().any(|(_, f)| f.params.sensitivity == s) {
                continue;
            }
            let Ok(params) = Params::new(s) else { continue };
            // On a thread that gives way to everything else on the machine: the window drawing the answer the
            // user is waiting for comes first.
            let flagged = match self.pool.get_or_init(low_priority_pool) {
                Some(pool) => pool.install(|| r.flagged(params, &stopped)),
                None => r.flagged(params, &stopped),
            }?;
            if stopped() {
                return None;
            }
            self.lock().push((r.serial, flagged));
            done += 1;
        }
        Some(done)
    }

    /// The findings held for review `serial` at `params`, given up to the caller.
    pub(super) fn take(&self, serial: u64, params: Params) -> Option<Flagged> {
        let mut held = self.lock();
        let i = held.iter().position(|(s, f)| *s == serial && f.params.sensitivity == params.sensitivity)?;
        Some(held.swap_remove(i).1)
    }

    /// The sensitivities held, lowest first (for tests and the benchmark).
    pub fn held(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.lock().iter().map(|(_, f)| f.params.sensitivity).collect();
        v.sort_by(f64::total_cmp);
        v
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Flagged)>> {
        // The list is whole between statements: a panic elsewhere leaves nothing half done in it.
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where work ahead was last prepared around: the way the slider last moved is the way it is likely to go on, so
/// the step that way is worked out first.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Around {
    serial: u64,
    sensitivity: f64,
    /// The slider came down to it (else up, or the review was just opened).
    down: bool,
}

impl Around {
    /// Preparing around `sensitivity` of review `serial` after `before`: the way the slider moved to it, or the way
    /// it moved before when it did not move (a verdict); up for a review prepared around for the first time.
    fn after(before: Option<Around>, serial: u64, sensitivity: f64) -> Around {
        let down = match before {
            Some(b) if b.serial == serial && b.sensitivity == sensitivity => b.down,
            Some(b) if b.serial == serial => b.sensitivity > sensitivity,
            _ => false,
        };
        Around { serial, sensitivity, down }
    }
}

/// What [`Ahead::prepare`] works out around `now`, in order: the step the way the slider last moved (up at first),
/// then the sensitivity shown — a verdict re-flags at it, and the room gives one more often than it moves the
/// slider, but a slider being stepped is likely to go on — then the step the other way.
fn wanted(now: Around) -> Vec<f64> {
    let mut beside = steps_beside(now.sensitivity);
    if now.down {
        beside.reverse();
    }
    let at = 1.min(beside.len());
    beside.insert(at, now.sensitivity);
    beside
}

/// The nice value of the thread work ahead runs on: the lowest priority, so the window and the commands come first.
/// A writer of the review waits for the work to notice a stop (one metric's detectors); the app also starts the work
/// only once the window has had time to draw its answer (`state::prepare_ahead`).
pub const NICE: i32 = 19;

/// One thread (a core is left to the window and the commands) at [`NICE`]. None when it could not be started (the
/// work then runs on the caller's thread).
fn low_priority_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .thread_name(|i| format!("flywheel-ahead-{i}"))
        .start_handler(|_| lower_priority())
        .build()
        .ok()
}

/// The calling thread at [`NICE`] (on Linux a thread's nice value is its own). Failing leaves it as is.
#[allow(unsafe_code)]
fn lower_priority() {
    // SAFETY: setpriority reads no memory of ours; `who` 0 is the calling thread.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, NICE) };
}

/// The slider's values next to `s`, the one above first: `s ± step` on the slider, or the slider's values either
/// side when `s` falls between them (a workspace's own sensitivity); none past its ends.
pub fn steps_beside(s: f64) -> Vec<f64> {
    let (low, high, step) = SLIDER;
    let at = |i: f64| low + i * step;
    // The slider's values as it gives them: its lowest plus a whole number of steps.
    let i = (s - low) / step;
    let (below, above) = if (i - i.round()).abs() < 1e-9 { (i.round() - 1.0, i.round() + 1.0) } else { (i.floor(), i.ceil()) };
    [at(above), at(below)].into_iter().filter(|v| (low..=high).contains(v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_beside_a_sensitivity_are_the_sliders() {
        // (sensitivity, the steps beside it, the one above first)
        let cases: [(f64, &[f64]); 7] =
            [(1.0, &[1.25, 0.75]), (1.25, &[1.5, 1.0]), (0.25, &[0.5]), (4.0, &[3.75]), (1.1, &[1.25, 1.0]), (0.1, &[0.25]), (6.0, &[])];
        for (s, want) in cases {
            assert_eq!(steps_beside(s), want, "beside {s}");
        }
    }

    #[test]
    fn the_step_the_slider_moved_toward_comes_first() {
        let at = |serial, sensitivity, down| Around { serial, sensitivity, down };
        // (prepared around last, this review's sensitivity now, whether the step down comes first)
        let cases = [
            (None, 1.0, false),
            (Some(at(7, 0.75, false)), 1.0, false),
            (Some(at(7, 1.25, false)), 1.0, true),
            (Some(at(7, 1.0, true)), 1.0, true),
            (Some(at(7, 1.0, false)), 1.0, false),
            (Some(at(6, 1.25, true)), 1.0, false),
            (Some(at(7, 0.5, true)), 1.0, false),
        ];
        for (before, s, down) in cases {
            assert_eq!(Around::after(before, 7, s), at(7, s, down), "{before:?} → {s}");
        }
    }

    #[test]
    fn the_way_the_slider_moved_then_the_sensitivity_shown_then_the_other_way() {
        let at = |sensitivity, down| Around { serial: 1, sensitivity, down };
        // (around, what is worked out, in order)
        let cases: [(Around, &[f64]); 5] = [
            (at(1.0, false), &[1.25, 1.0, 0.75]),
            (at(1.0, true), &[0.75, 1.0, 1.25]),
            (at(0.25, true), &[0.5, 0.25]),
            (at(4.0, false), &[3.75, 4.0]),
            (at(6.0, false), &[6.0]),
        ];
        for (around, want) in cases {
            assert_eq!(wanted(around), want, "{around:?}");
        }
    }

    #[test]
    fn work_ahead_runs_at_the_lowest_priority() {
        // A thread's nice value: field 19 of its /proc stat line (the fields after the name's closing parenthesis
        // are the third on).
        let nice = || {
            let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("this thread's stat");
            let after_name = &stat[stat.rfind(')').expect("the name") + 2..];
            after_name.split(' ').nth(19 - 3).and_then(|n| n.parse::<i32>().ok())
        };
        let pool = low_priority_pool().expect("threads");
        assert_eq!(pool.current_num_threads(), 1);
        assert_eq!(pool.install(nice), Some(NICE));
        assert_ne!(nice(), Some(NICE), "the caller's priority is its own");
    }
}
