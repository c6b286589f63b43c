//! The commands the UI calls (through `ui/backend.js`): each takes state, makes one core call and maps
//! the error to `{code, message, details}`. Every command that touches the review, the charts or the
//! journal is `async`, so it runs on Tauri's async runtime and never on the window's main thread: a slow
//! chart or a journal waiting on a lock cannot freeze the window. Loading runs in `spawn_blocking`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use flywheel::analysis::Params;
use flywheel::chart::ChartOptions;
use flywheel::host::{Decision, HostView};
use flywheel::journal::actions::{ActionItem, Draft, Filter, Status};
use flywheel::journal::annotations::Annotation;
use flywheel::review::Review;
use flywheel::view::{self, Detail, Overview, TeamView};
use flywheel::wheel::Pick;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::error::{Error, Result};
use crate::state::{lock, with_review, AppState, ChannelProgress, Step};

#[derive(Serialize)]
pub struct AppInfo {
    version: &'static str,
    /// Milliseconds since the app started (the UI reports launch → overview with it).
    uptime_ms: f64,
    open_at_start: Option<String>,
    sample: String,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        uptime_ms: state.launched.elapsed().as_secs_f64() * 1000.0,
        open_at_start: state.open_at_start.as_ref().map(|p| p.display().to_string()),
        sample: sample_path(),
    }
}

/// The sample workspace: next to the executable's sources in a checkout, or `$FLYWHEEL_SAMPLE`.
#[tauri::command]
pub fn sample_path() -> String {
    let p = std::env::var_os("FLYWHEEL_SAMPLE").map(PathBuf::from).unwrap_or_else(flywheel::sample::bundled);
    std::fs::canonicalize(&p).unwrap_or(p).display().to_string()
}

#[tauri::command]
pub fn recent_workspaces() -> Vec<flywheel::recent::Entry> {
    flywheel::recent::default_file().map(|f| flywheel::recent::load(&f)).unwrap_or_default()
}

/// The native dialog: a workspace folder, or one CSV/Parquet file. `None` when dismissed.
#[tauri::command]
pub async fn pick_path(app: AppHandle, folder: bool) -> Option<String> {
    let d = app.dialog().file().set_title(if folder { "Open a workspace folder" } else { "Open a CSV or Parquet file" });
    let picked = if folder { d.blocking_pick_folder() } else { d.add_filter("Time series", &["csv", "parquet"]).blocking_pick_file() };
    picked.and_then(|p| p.into_path().ok()).map(|p| p.display().to_string())
}

/// Open and review a workspace off the UI thread, streaming progress; cancellable with `cancel_load`.
/// `refresh` pulls again from the Prometheus server what the cache took while it was still recent.
#[tauri::command]
pub async fn open_workspace(app: AppHandle, path: String, refresh: bool, on_progress: Channel<Step>) -> Result<Overview> {
    let cancel = Arc::new(AtomicBool::new(false));
    *lock(&app.state::<AppState>().loading) = Some(cancel.clone());
    let progress = ChannelProgress { channel: on_progress, cancel: cancel.clone() };
    let path = PathBuf::from(path);
    let job = tauri::async_runtime::spawn_blocking(move || Review::open(&path, refresh, &progress));
    let review = job.await.map_err(|e| Error::new("internal", e.to_string()))??;
    app.state::<AppState>().install(review, &cancel)
}

#[tauri::command]
pub fn cancel_load(state: State<'_, AppState>) {
    if let Some(flag) = lock(&state.loading).as_ref() {
        flag.store(true, Ordering::Relaxed);
    }
}

/// Re-flag the open review at a new sensitivity (no refit) and return the new overview.
#[tauri::command]
pub async fn set_sensitivity(state: State<'_, AppState>, sensitivity: f64) -> Result<Overview> {
    if !(sensitivity.is_finite() && (0.1..=10.0).contains(&sensitivity)) {
        return Err(Error::new("bad_sensitivity", format!("sensitivity must be between 0.1 and 10, not {sensitivity}")));
    }
    with_review(&state, |r| {
        r.reflag(Params { sensitivity });
        Ok(view::overview(r))
    })
}

#[tauri::command]
pub async fn team_view(state: State<'_, AppState>, team: String, width: u32) -> Result<TeamView> {
    let notes = state.annotations();
    with_review(&state, |r| Ok(view::team(r, &team, width.clamp(320, 2400), &notes)?))
}

#[tauri::command]
pub async fn metric_detail(
    state: State<'_, AppState>,
    metric: String,
    width: u32,
    height: u32,
    last_week: bool,
    earlier_weeks: u8,
) -> Result<Detail> {
    let opts =
        ChartOptions { width: width.clamp(320, 3000), height: height.clamp(160, 1600), last_week, earlier_weeks: earlier_weeks.min(12) };
    let notes = state.annotations();
    with_review(&state, |r| Ok(view::detail(r, &metric, opts, &notes)?))
}

/// Open a team's dashboard in the browser: only http(s) addresses are ever opened.
#[tauri::command]
pub fn open_link(app: AppHandle, url: String) -> Result<()> {
    let url = flywheel::config::check_url(&url).map_err(|m| Error::new("bad_url", m))?;
    app.opener().open_url(url, None::<&str>).map_err(|e| Error::new("open_failed", e.to_string()))
}

#[tauri::command]
pub async fn wheel_state(state: State<'_, AppState>, absent: Vec<String>) -> Result<HostView> {
    state.with_host(|h| Ok(h.view(&absent)?))
}

/// Draw the winner in Rust; the UI animates to `pick.at` and asks the host to decide.
#[tauri::command]
pub async fn wheel_spin(state: State<'_, AppState>, absent: Vec<String>) -> Result<Pick> {
    let pick = state.with_host(|h| Ok(h.spin(&absent, &mut rand::rng())?))?;
    *lock(&state.pending) = Some((pick.clone(), absent));
    Ok(pick)
}

#[tauri::command]
pub async fn wheel_decide(state: State<'_, AppState>, decision: Decision) -> Result<HostView> {
    let (pick, absent) = lock(&state.pending).take().ok_or_else(|| Error::new("no_spin", "spin the wheel first"))?;
    state.with_host(|h| {
        h.decide(&pick, decision, &absent, flywheel::time::now())?;
        Ok(h.view(&absent)?)
    })
}

/// The open workspace's action items matching `filter` (the overview asks for the live ones: open and
/// in progress, overdue first), from its journal.
#[tauri::command]
pub async fn action_items(state: State<'_, AppState>, filter: Filter) -> Result<Vec<ActionItem>> {
    Ok(state.journal()?.actions(&filter)?)
}

/// Add an action item (from a finding: prefilled by the UI) to the open workspace's journal.
#[tauri::command]
pub async fn add_action(state: State<'_, AppState>, draft: Draft) -> Result<ActionItem> {
    Ok(state.journal()?.add_action(&draft, flywheel::time::now())?)
}

/// Edit an action item's title, details, owner, due date (and status).
#[tauri::command]
pub async fn edit_action(state: State<'_, AppState>, id: i64, draft: Draft) -> Result<ActionItem> {
    Ok(state.journal()?.edit_action(id, &draft, flywheel::time::now())?)
}

/// Annotate a metric over a range (dragged across its chart); returns the annotation as stored.
#[tauri::command]
pub async fn add_annotation(state: State<'_, AppState>, draft: Annotation) -> Result<Annotation> {
    let mut j = state.journal()?;
    let id = j.add_annotation(&draft, flywheel::time::now())?;
    Ok(Annotation { id, ..draft })
}

#[tauri::command]
pub async fn set_action_status(state: State<'_, AppState>, id: i64, status: Status) -> Result<ActionItem> {
    Ok(state.journal()?.set_action_status(id, status, flywheel::time::now())?)
}
