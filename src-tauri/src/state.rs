//! What the app holds between commands: the open review, the wheel of its workspace, a spin waiting
//! for the host's decision, the cancel flag of the load in progress, and the load of the workspace named
//! on the command line, started before the window asks for it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use flywheel::host::Host;
use flywheel::journal::annotations::Annotation;
use flywheel::journal::Journal;
use flywheel::review::{Ahead, Review};
use flywheel::source::Progress;
use flywheel::view::{self, Overview};
use flywheel::wheel::Pick;
use serde::Serialize;
use tauri::ipc::Channel;

use crate::error::{Code, Error, Result};

/// An import previewed and not yet written: from Grafana or from CloudWatch.
#[derive(Clone)]
pub enum PendingImport {
    Grafana(flywheel::import::grafana::Import),
    CloudWatch(flywheel::import::cloudwatch::Import),
}

pub struct AppState {
    pub launched: Instant,
    /// A path given on the command line, opened at start.
    pub open_at_start: Option<PathBuf>,
    /// Read by every view at once (a slow chart never holds up the journal or another view); written
    /// only by a new load and by re-flagging.
    pub review: RwLock<Option<Review>>,
    pub host: Mutex<Option<Host>>,
    /// The last spin, with who was absent, until the host decides.
    pub pending: Mutex<Option<(Pick, Vec<String>)>>,
    /// The cancel flag of the latest load (each load has its own, so an old Cancel never stops a new
    /// load, and a load that was overtaken by a newer one is not installed).
    pub loading: Mutex<Option<Arc<AtomicBool>>>,
    /// The import last previewed, written by `import_write` (so what is written is what was shown).
    pub import: Mutex<Option<PendingImport>>,
    /// The workspace named on the command line, loading since the app started.
    pub head_start: Mutex<Option<HeadStart>>,
    /// The open workspace's journal, kept open (one connection to a shared server, not one per call;
    /// a dropped connection is made again by the journal itself), with the workspace it belongs to.
    pub journal: Mutex<Option<(PathBuf, Journal)>>,
    /// The open review's tickets, as read from its sources (read once per opened review; re-flagging only
    /// links them again).
    pub tickets: Mutex<Option<flywheel::tickets::Tickets>>,
    /// Told of every command and held by every load: memory the commands freed is given back once the app
    /// has been idle for [`QUIET_AFTER`].
    pub quiet: flywheel::malloc::Quiet,
    /// The findings at the open review's sensitivity and the slider's steps beside it, worked out while the user reads
    /// ([`prepare_ahead`]); stopped by whatever writes the review.
    pub ahead: Ahead,
}

/// How long the app waits without a command before giving freed memory back (a trim costs a few ms; waiting
/// keeps it out of a burst of clicks, keys and charts).
pub const QUIET_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// The load of the workspace named on the command line, started with the app so that the review and the
/// window's start overlap (the window takes ~0.6 s to ask; the sample's review ~0.3 s). The window's first
/// `open_workspace` of that path takes it over: its progress, its cancel flag and its result.
pub struct HeadStart {
    pub path: PathBuf,
    pub progress: Arc<ChannelProgress>,
    pub done: std::sync::mpsc::Receiver<Result<Review>>,
}

impl AppState {
    pub fn new(open_at_start: Option<PathBuf>) -> AppState {
        AppState {
            launched: Instant::now(),
            open_at_start,
            review: RwLock::default(),
            host: Mutex::default(),
            pending: Mutex::default(),
            loading: Mutex::default(),
            import: Mutex::default(),
            head_start: Mutex::default(),
            journal: Mutex::default(),
            tickets: Mutex::default(),
            quiet: flywheel::malloc::Quiet::start(QUIET_AFTER),
            ahead: Ahead::default(),
        }
    }

    /// Start loading `path` now, on a thread of its own, with `load` (see [`HeadStart`]).
    pub fn start_early(&self, path: PathBuf, load: fn(&std::path::Path, bool, &ChannelProgress) -> Result<Review>) {
        let progress = ChannelProgress::new(None);
        let (tx, done) = std::sync::mpsc::channel();
        let (p, job, hold) = (path.clone(), progress.clone(), self.quiet.hold());
        let started = std::thread::Builder::new().name("head-start".into()).spawn(move || {
            let _hold = hold;
            // Nobody may be waiting any more (another workspace was opened): then the result is dropped.
            let _ = tx.send(load(&p, false, &job));
        });
        if started.is_ok() {
            *lock(&self.head_start) = Some(HeadStart { path, progress, done });
        }
    }

    /// The head start for `path`, if there is one (it is taken: a second open of the path loads afresh).
    pub fn take_head_start(&self, path: &std::path::Path) -> Option<HeadStart> {
        let mut slot = lock(&self.head_start);
        if slot.as_ref().is_some_and(|h| h.path == path) {
            slot.take()
        } else {
            None
        }
    }

    /// Make a finished review the open one (unless a newer load started meanwhile), remember its
    /// workspace in the recent list, and return its overview.
    pub fn install(&self, review: Review, flag: &Arc<AtomicBool>) -> Result<Overview> {
        let current = lock(&self.loading).as_ref().is_some_and(|f| Arc::ptr_eq(f, flag));
        if !current {
            return Err(Error::new(Code::Superseded, "another workspace was opened meanwhile"));
        }
        let overview = view::overview(&review);
        if let Some(file) = flywheel::recent::default_file() {
            // The recent list is a convenience: failing to save it must not fail the open.
            let ws = &review.workspace;
            let zone = (!ws.bare_files.is_empty()).then(|| ws.tz.name());
            let _ = flywheel::recent::add(&file, &ws.origin, &ws.name, zone, flywheel::time::now());
        }
        *lock(&self.host) = None;
        *lock(&self.pending) = None;
        *lock(&self.tickets) = None;
        self.ahead.stop();
        *self.review.write().unwrap_or_else(|p| p.into_inner()) = Some(review);
        // The review's scratch and the workspace it replaced were freed: give that memory back.
        flywheel::malloc::release();
        Ok(overview)
    }

    /// The open workspace's journal (opened on first use and kept: every read still sees what other
    /// copies and the CLI wrote meanwhile).
    pub fn journal(&self) -> Result<Journal> {
        let origin = with_review(self, |r| Ok(r.workspace.origin.clone()))?;
        let mut kept = lock(&self.journal);
        if let Some((o, j)) = kept.as_ref() {
            if *o == origin {
                return Ok(j.clone());
            }
        }
        let ws = with_review(self, |r| Ok(r.workspace.clone()))?;
        let j = Journal::for_workspace(&ws)?;
        *kept = Some((origin, j.clone()));
        Ok(j)
    }

    /// The annotations of the open review's range. A journal that cannot be read costs only the
    /// annotations (said on stderr): charts are still drawn.
    pub fn annotations(&self) -> Vec<Annotation> {
        let read = || -> Result<Vec<Annotation>> {
            let (from, to) = with_review(self, |r| Ok((r.ctx.review_start(), r.ctx.review_end())))?;
            Ok(self.journal()?.annotations(from, to)?)
        };
        read().unwrap_or_else(|e| {
            eprintln!("flywheel-app: annotations unavailable: {}", e.message);
            Vec::new()
        })
    }

    /// What the room said about a metric's findings (newest week first); nothing, said on stderr, when
    /// the journal cannot be read (the detail is still shown).
    pub fn verdicts_of(&self, metric: &str) -> Vec<flywheel::journal::verdicts::Stored> {
        self.journal().and_then(|j| Ok(j.verdicts(Some(metric))?)).unwrap_or_else(|e| {
            eprintln!("flywheel-app: verdicts unavailable: {}", e.message);
            Vec::new()
        })
    }

    /// The wheel of the open workspace (opened from its journal on first use).
    pub fn with_host<T>(&self, f: impl FnOnce(&mut Host) -> Result<T>) -> Result<T> {
        let mut g = lock(&self.host);
        // A shared journal's connection that dropped (the server restarted): open it again.
        if g.as_ref().is_some_and(|h| !h.is_alive()) {
            *g = None;
        }
        if g.is_none() {
            let host = with_review(self, |r| Ok(Host::open(&r.workspace)?))?;
            *g = Some(host);
        }
        match g.as_mut() {
            Some(h) => f(h),
            None => Err(Error::new(Code::Internal, "the wheel could not be opened")),
        }
    }
}

/// Lock a mutex, recovering the data if a panicking thread poisoned it (the data is still whole: every
/// change to it is a single assignment).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The open review, or a clear error when none is open. Readers share it.
pub fn with_review<T>(state: &AppState, f: impl FnOnce(&Review) -> Result<T>) -> Result<T> {
    let g = state.review.read().unwrap_or_else(|p| p.into_inner());
    let r = g.as_ref().ok_or_else(|| Error::new(Code::NoReview, "open a workspace first"))?;
    f(r)
}

/// The open review to change (re-flagging), once every reader is done with it.
pub fn with_review_mut<T>(state: &AppState, f: impl FnOnce(&mut Review) -> Result<T>) -> Result<T> {
    // Work ahead reading the review gives way (within one metric) rather than hold this up.
    state.ahead.stop();
    let mut g = state.review.write().unwrap_or_else(|p| p.into_inner());
    let r = g.as_mut().ok_or_else(|| Error::new(Code::NoReview, "open a workspace first"))?;
    f(r)
}

/// How long after an answer the work ahead starts (see [`prepare_ahead`]): started at once, it ran while the window
/// drew the answer, and the debug app's step back to 1 in `e2e::fleet` took 796–971 ms instead of 563; with this
/// wait, 560–673 ms.
pub const AHEAD_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

/// Work out, on a thread of its own, the findings at the open review's sensitivity and at the slider's steps
/// beside it, so that a step or a verdict answers without running the detectors (call it once a review is
/// installed or re-flagged). It reads the review beside the views; whatever writes the review next stops it
/// first ([`with_review_mut`]).
pub fn prepare_ahead(app: &tauri::AppHandle) {
    use tauri::Manager;
    let state = app.state::<AppState>();
    let (ticket, hold, app) = (state.ahead.ticket(), state.quiet.hold(), app.clone());
    let _ = std::thread::Builder::new().name("flywheel-ahead".into()).spawn(move || {
        // Memory is given back once this is done too.
        let _hold = hold;
        // The window takes the answer in and draws it first (~0.4 s for 30,000 findings); a new command
        // meanwhile stops the work before it starts.
        std::thread::sleep(AHEAD_AFTER);
        let state = app.state::<AppState>();
        if state.ahead.ticket() == ticket {
            let _ = with_review(&state, |r| Ok(state.ahead.prepare(r, ticket)));
        }
    });
}

/// One progress message to the UI.
#[derive(Clone, Serialize)]
pub struct Step {
    pub stage: String,
    pub done: usize,
    pub total: usize,
}

/// Progress of a load, streamed over the channel of the window waiting for it (none yet while a head
/// start runs before the window asks); cancelled when the flag is set.
pub struct ChannelProgress {
    pub channel: Mutex<Option<Channel<Step>>>,
    pub cancel: Arc<AtomicBool>,
}

impl ChannelProgress {
    pub fn new(channel: Option<Channel<Step>>) -> Arc<ChannelProgress> {
        Arc::new(ChannelProgress { channel: Mutex::new(channel), cancel: Arc::new(AtomicBool::new(false)) })
    }
}

impl Progress for ChannelProgress {
    fn update(&self, stage: &str, done: usize, total: usize) {
        // A closed window cannot receive progress; the load still finishes.
        if let Some(channel) = lock(&self.channel).as_ref() {
            let _ = channel.send(Step { stage: stage.to_string(), done, total });
        }
    }
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refuse(path: &std::path::Path, _: bool, progress: &ChannelProgress) -> Result<Review> {
        progress.update("load", 1, 1); // no window attached yet: dropped, not an error
        Err(Error::new(Code::Internal, format!("no review of {}", path.display())))
    }

    #[test]
    fn the_head_start_is_taken_once_and_only_for_its_path() {
        let state = AppState::new(Some(PathBuf::from("ws")));
        state.start_early(PathBuf::from("ws"), refuse);
        assert!(state.take_head_start(std::path::Path::new("other")).is_none(), "another path loads afresh");
        let head = state.take_head_start(std::path::Path::new("ws")).expect("the head start of ws");
        let result = head.done.recv().expect("the head start answers");
        assert_eq!(result.err().map(|e| e.message), Some("no review of ws".to_string()));
        assert!(state.take_head_start(std::path::Path::new("ws")).is_none(), "a second open loads afresh");
    }
}
