//! The commands the UI calls (through `ui/backend.js`): each takes state, makes one core call and maps
//! the error to `{code, message, details}`. Every command that touches the review, the charts or the
//! journal is `async` and does its work in `spawn_blocking` ([`blocking`]), never on the window's main
//! thread: a slow chart or a journal waiting on a lock cannot freeze the window, and views read the open
//! review side by side (a read lock), so one slow chart does not hold up the journal or another view.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use flywheel::analysis::Params;
use flywheel::chart::ChartOptions;
use flywheel::host::{Decision, HostView};
use flywheel::journal::actions::{self, Draft, Filter, Status};
use flywheel::journal::annotations::Annotation;
use flywheel::journal::verdicts::{Mark, Reason, Scope, Verdict};
use flywheel::review::lines::Lines;
use flywheel::review::Review;
use flywheel::view::{self, ActionRow, Detail, Overview, TeamView};
use flywheel::wheel::Pick;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::error::{Code, Error, Result};
use crate::state::{lock, prepare_ahead, with_review, with_review_mut, AppState, ChannelProgress, Step};

#[derive(Serialize)]
pub struct AppInfo {
    version: &'static str,
    /// Milliseconds since the app started (the UI reports launch → overview with it).
    uptime_ms: f64,
    open_at_start: Option<String>,
    sample: String,
    /// The zones a data file's or a folder of exports' times can be read in ([`flywheel::time::zone_names`]).
    zones: Vec<&'static str>,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        uptime_ms: state.launched.elapsed().as_secs_f64() * 1000.0,
        open_at_start: state.open_at_start.as_ref().map(|p| p.display().to_string()),
        sample: sample_path(),
        zones: flywheel::time::zone_names(),
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

/// The native dialog: a folder (a workspace, or data files without one), or one CSV/Parquet file. `None` when
/// dismissed.
#[tauri::command]
pub async fn pick_path(app: AppHandle, folder: bool) -> Option<String> {
    let d = app.dialog().file().set_title(if folder { "Open a workspace folder" } else { "Open a CSV or Parquet file" });
    let picked =
        if folder { d.blocking_pick_folder() } else { d.add_filter("Time series", &["csv", "tsv", "parquet", "pq"]).blocking_pick_file() };
    picked.and_then(|p| p.into_path().ok()).map(|p| p.display().to_string())
}

/// Open and review a workspace off the UI thread, streaming progress; cancellable with `cancel_load`.
/// `refresh` pulls again from the Prometheus server what the cache took while it was still recent; `week`
/// (Unix seconds of a moment in it) reviews that week instead of the last complete one; `zone` reads a data
/// file or a folder of exports in that zone (else in the one it was last read in, else UTC).
#[tauri::command]
pub async fn open_workspace(
    app: AppHandle,
    path: String,
    refresh: bool,
    week: Option<i64>,
    zone: Option<String>,
    on_progress: Channel<Step>,
) -> Result<Overview> {
    let state = app.state::<AppState>();
    // No memory is given back while the review runs (its allocator settings keep its freed arrays for reuse).
    let _hold = state.quiet.hold();
    let path = PathBuf::from(path);
    let zone = zone.map(|z| flywheel::time::parse_zone(&z).map_err(|e| Error::new(Code::Invalid, e.to_string()))).transpose()?;
    let early = if refresh || week.is_some() || zone.is_some() { None } else { state.take_head_start(&path) };
    let (progress, job) = match early {
        // The workspace named on the command line has been loading since the app started: wait for it.
        Some(head) => {
            *lock(&head.progress.channel) = Some(on_progress);
            let done = head.done;
            let job = tauri::async_runtime::spawn_blocking(move || {
                done.recv().unwrap_or_else(|_| Err(Error::new(Code::Internal, "the load started with the app stopped")))
            });
            (head.progress, job)
        }
        None => {
            let progress = ChannelProgress::new(Some(on_progress));
            let sink = progress.clone();
            (progress, tauri::async_runtime::spawn_blocking(move || load(&path, week, zone, refresh, &sink)))
        }
    };
    *lock(&state.loading) = Some(progress.cancel.clone());
    let review = job.await.map_err(|e| Error::new(Code::Internal, e.to_string()))??;
    let overview = app.state::<AppState>().install(review, &progress.cancel)?;
    prepare_ahead(&app);
    Ok(overview)
}

/// Load a workspace (the week holding `week`, else the last complete one; a data file or a folder of exports
/// read in `zone`, else in the zone it was last read in) and apply what the room said (for `open_workspace`
/// and the head start).
pub fn load(path: &Path, week: Option<i64>, zone: Option<flywheel::time::Tz>, refresh: bool, progress: &ChannelProgress) -> Result<Review> {
    let range = week.map_or(flywheel::review::RangeSpec::LastCompleteWeek, flywheel::review::RangeSpec::WeekOf);
    let remembered = || flywheel::recent::remembered_zone(path).and_then(|z| flywheel::time::parse_zone(&z).ok());
    let mut r = Review::open_range(path, range, zone.or_else(remembered), refresh, progress)?;
    let journal = flywheel::journal::Journal::for_workspace(&r.workspace).map_err(Error::from);
    apply_room(&mut r, journal);
    Ok(r)
}

#[tauri::command]
pub fn cancel_load(state: State<'_, AppState>) {
    if let Some(flag) = lock(&state.loading).as_ref() {
        flag.store(true, Ordering::Relaxed);
    }
}

/// Re-flag the open review at a new sensitivity (no refit) and return the new overview; `holding` is the
/// review the UI holds an overview of (its metrics are not sent again when that is the open one).
#[tauri::command]
pub async fn set_sensitivity(app: AppHandle, sensitivity: f64, holding: Option<u64>) -> Result<Overview> {
    let params = Params::new(sensitivity).map_err(|e| Error::new(Code::BadSensitivity, e.to_string()))?;
    let ahead = app.clone();
    let overview = blocking(app, move |state| {
        // The open workspace's kept journal (taken before the review's write lock, which reading it needs).
        let journal = state.journal();
        with_review_mut(state, |r| {
            // A step of the slider is answered from the findings worked out ahead for it.
            r.reflag_from(params, &state.ahead);
            apply_room(r, journal);
            Ok(view::overview_for(r, holding))
        })
    })
    .await?;
    prepare_ahead(&ahead);
    Ok(overview)
}

/// What the room said, applied to a review: its week kept in the journal, recurring findings marked,
/// findings marked expected folded into "Muted". A journal that cannot be used costs only these marks.
fn apply_room(r: &mut Review, journal: Result<flywheel::journal::Journal>) {
    let applied = journal.and_then(|mut j| Ok(flywheel::recurring::apply(&mut j, r, true, flywheel::time::now())?));
    if let Err(e) = applied {
        eprintln!("flywheel-app: {}; findings are shown without verdicts, recurrence or folding", e.message);
    }
}

/// A verdict from the UI (who says so is the journal's author: `[journal] author`, else the OS user).
#[derive(serde::Deserialize)]
pub struct MarkDraft {
    verdict: Verdict,
    #[serde(default)]
    reason: Option<Reason>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    scope: Option<Scope>,
}

/// Give a finding of the open review a verdict (or change it), then fold and mark the review again and
/// return its overview (`holding`: as for [`set_sensitivity`]).
#[tauri::command]
pub async fn mark_finding(app: AppHandle, id: String, mark: MarkDraft, holding: Option<u64>) -> Result<Overview> {
    let ahead = app.clone();
    let overview = blocking(app, move |state| {
        let mut j = state.journal()?;
        let now = flywheel::time::now();
        let m = Mark { verdict: mark.verdict, reason: mark.reason, note: mark.note, scope: mark.scope, author: j.author.clone() };
        // The finding as the open review shows it: at another sensitivity than the workspace's, the kept week does
        // not hold what the review finds beyond its own findings.
        let seen = with_review(state, |r| Ok(flywheel::recurring::seen(r, &id)))?;
        j.mark_seen(&id, seen.as_ref(), &m, now)?;
        with_review_mut(state, |r| {
            // The findings before the room's marks, to mark again with this one: worked out ahead for the
            // sensitivity shown (at a high sensitivity a re-flag of an organisation's review is a quarter second).
            let params = r.params;
            r.reflag_from(params, &state.ahead);
            flywheel::recurring::apply(&mut j, r, true, now)?;
            Ok(view::overview_for(r, holding))
        })
    })
    .await?;
    // The work ahead it stopped starts again.
    prepare_ahead(&ahead);
    Ok(overview)
}

/// Run `f` on a blocking worker thread (never the window's thread nor one of the async runtime's few
/// workers), so a slow chart or a journal waiting on a lock holds up only its own call.
pub(crate) async fn blocking<T: Send + 'static>(app: AppHandle, f: impl FnOnce(&AppState) -> Result<T> + Send + 'static) -> Result<T> {
    let job = tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>()));
    job.await.map_err(|e| Error::new(Code::Internal, e.to_string()))?
}

/// Debug builds only: `FLYWHEEL_TEST_SLOW_VIEW_MS` makes drawing a team's dashboard take that long, so
/// the end-to-end test can check the window stays responsive while a chart is slow. Release builds
/// ignore it.
fn test_delay() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("FLYWHEEL_TEST_SLOW_VIEW_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms.min(60_000)));
    }
}

/// A team's dashboard: every widget, the first charts drawn; with `metrics`, only those widgets, drawn (the
/// charts the dashboard scrolled to).
#[tauri::command]
pub async fn team_view(app: AppHandle, team: String, width: u32, metrics: Option<Vec<String>>) -> Result<TeamView> {
    blocking(app, move |state| {
        let notes = state.annotations();
        with_review(state, |r| {
            test_delay();
            Ok(view::team(r, &team, width.clamp(320, 2400), &notes, metrics.as_deref())?)
        })
    })
    .await
}

#[tauri::command]
/// A metric's detail; with `lines`, drawn and flagged with those lines instead of its own (nothing is saved).
pub async fn metric_detail(
    app: AppHandle,
    metric: String,
    width: u32,
    height: u32,
    last_week: bool,
    earlier_weeks: u8,
    lines: Option<Lines>,
) -> Result<Detail> {
    let opts =
        ChartOptions { width: width.clamp(320, 3000), height: height.clamp(160, 1600), last_week, earlier_weeks: earlier_weeks.min(12) };
    blocking(app, move |state| {
        let notes = state.annotations();
        let said = state.verdicts_of(&metric);
        with_review(state, |r| Ok(view::detail_trying(r, &metric, lines, opts, &notes, &said)?))
    })
    .await
}

/// Open a team's dashboard in the browser: only http(s) addresses are ever opened.
#[tauri::command]
pub fn open_link(app: AppHandle, url: String) -> Result<()> {
    let url = flywheel::config::check_url(&url).map_err(|m| Error::new(Code::BadUrl, m.to_string()))?;
    app.opener().open_url(url, None::<&str>).map_err(|e| Error::new(Code::OpenFailed, e.to_string()))
}

#[tauri::command]
pub async fn wheel_state(app: AppHandle, absent: Vec<String>) -> Result<HostView> {
    blocking(app, move |state| {
        state.with_host(|h| {
            h.catch_up()?;
            Ok(h.view(&absent)?)
        })
    })
    .await
}

/// The journal's state and its latest writer, polled by the app to show what others wrote.
#[tauri::command]
pub async fn journal_changes(app: AppHandle) -> Result<flywheel::journal::live::Changes> {
    blocking(app, move |state| Ok(state.journal()?.changes()?)).await
}

/// Draw the winner in Rust; the UI animates to `pick.at` and asks the host to decide.
#[tauri::command]
pub async fn wheel_spin(app: AppHandle, absent: Vec<String>) -> Result<Pick> {
    blocking(app, move |state| {
        let pick = state.with_host(|h| {
            h.catch_up()?;
            Ok(h.spin(&absent, &mut rand::rng())?)
        })?;
        *lock(&state.pending) = Some((pick.clone(), absent));
        Ok(pick)
    })
    .await
}

#[tauri::command]
pub async fn wheel_decide(app: AppHandle, decision: Decision) -> Result<HostView> {
    blocking(app, move |state| {
        let (pick, absent) = lock(&state.pending).take().ok_or_else(|| Error::new(Code::NoSpin, "spin the wheel first"))?;
        state.with_host(|h| {
            h.decide(&pick, decision, &absent, flywheel::time::now())?;
            Ok(h.view(&absent)?)
        })
    })
    .await
}

/// The open workspace's action items matching `filter` (the overview asks for the live ones: open and
/// in progress, overdue first), from its journal.
#[tauri::command]
pub async fn action_items(app: AppHandle, filter: Filter) -> Result<Vec<ActionRow>> {
    blocking(app, move |state| Ok(view::action_rows(state.journal()?.actions(&filter)?, &actions::today()))).await
}

/// Add an action item (from a finding: prefilled by the UI) to the open workspace's journal.
#[tauri::command]
pub async fn add_action(app: AppHandle, draft: Draft) -> Result<ActionRow> {
    blocking(app, move |state| row(state.journal()?.add_action(&draft, flywheel::time::now())?)).await
}

/// Edit an action item's title, details, owner, due date (and status).
#[tauri::command]
pub async fn edit_action(app: AppHandle, id: i64, draft: Draft) -> Result<ActionRow> {
    blocking(app, move |state| row(state.journal()?.edit_action(id, &draft, flywheel::time::now())?)).await
}

/// Annotate a metric over a range (dragged across its chart); returns the annotation as stored.
#[tauri::command]
pub async fn add_annotation(app: AppHandle, draft: Annotation) -> Result<Annotation> {
    blocking(app, move |state| {
        let mut j = state.journal()?;
        let draft = Annotation { author: if draft.author.trim().is_empty() { j.author.clone() } else { draft.author }, ..draft };
        let id = j.add_annotation(&draft, flywheel::time::now())?;
        Ok(Annotation { id, ..draft })
    })
    .await
}

#[tauri::command]
pub async fn set_action_status(app: AppHandle, id: i64, status: Status) -> Result<ActionRow> {
    blocking(app, move |state| row(state.journal()?.set_action_status(id, status, flywheel::time::now())?)).await
}

/// One action item as the app shows it (with "overdue" decided by the core).
fn row(item: actions::ActionItem) -> Result<ActionRow> {
    Ok(ActionRow { overdue: item.overdue(&actions::today()), item })
}

/// What to import from Grafana (the Open view's import form).
#[derive(serde::Deserialize)]
pub struct ImportRequest {
    /// Dashboard files and Grafana addresses.
    sources: Vec<String>,
    team: Option<String>,
    prometheus: Option<String>,
    /// The environment variable with the service-account token (default `GRAFANA_TOKEN`).
    token_env: Option<String>,
    without_lines: bool,
}

/// What an import would write, before it is written.
#[derive(Serialize)]
pub struct ImportPreview {
    import: flywheel::import::grafana::Import,
    /// The workspace folder it would be written to.
    folder: String,
    /// `flywheel.toml` as it would be written.
    toml: String,
}

/// Where the app writes imported workspaces: `<data folder>/imports/<name>`.
fn import_folder(name: &str) -> Result<PathBuf> {
    let data = flywheel::paths::data_dir().ok_or_else(|| Error::new(Code::Import, "no home folder to write the workspace in"))?;
    Ok(data.join("imports").join(flywheel::import::grafana::slug(name)))
}

/// The native dialog for a dashboard JSON file. `None` when dismissed.
#[tauri::command]
pub async fn pick_dashboard(app: AppHandle) -> Option<String> {
    let d = app.dialog().file().set_title("Import a dashboard (JSON)").add_filter("Dashboard (JSON)", &["json"]);
    d.blocking_pick_file().and_then(|p| p.into_path().ok()).map(|p| p.display().to_string())
}

/// Read (or fetch) the dashboards and show what would be imported and what would not; nothing is written.
#[tauri::command]
pub async fn import_preview(app: AppHandle, request: ImportRequest) -> Result<ImportPreview> {
    use flywheel::import::grafana;
    blocking(app, move |state| {
        let prometheus = request.prometheus.map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
        if let Some(url) = &prometheus {
            flywheel::config::check_url(url).map_err(|e| Error::new(Code::BadUrl, format!("Prometheus address: {e}")))?;
        }
        let token_env = request.token_env.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).unwrap_or_else(|| "GRAFANA_TOKEN".into());
        let sources: Vec<String> = request.sources.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if sources.is_empty() {
            return Err(Error::new(Code::Invalid, "name a dashboard file or a Grafana address"));
        }
        let read = grafana::read_sources(&sources, &token_env)?;
        let team = request.team.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let opts = grafana::Options { team, prometheus, without_lines: request.without_lines, ..Default::default() };
        let import = grafana::import(&read, &opts);
        let preview = ImportPreview {
            folder: import_folder(&import.name)?.display().to_string(),
            toml: grafana::write::toml(&import),
            import: import.clone(),
        };
        *lock(&state.import) = Some(crate::state::PendingImport::Grafana(import));
        Ok(preview)
    })
    .await
}

/// What to import from CloudWatch (the Open view's CloudWatch form).
#[derive(serde::Deserialize)]
pub struct CloudWatchImportRequest {
    /// Dashboard names in CloudWatch and dashboard body files.
    sources: Vec<String>,
    region: Option<String>,
    profile: Option<String>,
    team: Option<String>,
    without_lines: bool,
}

/// What a CloudWatch import would write, before it is written.
#[derive(Serialize)]
pub struct CloudWatchPreview {
    import: flywheel::import::cloudwatch::Import,
    /// Each metric's query, said plainly (same order as the metrics).
    queries: Vec<String>,
    folder: String,
    toml: String,
}

/// Read the dashboards (GetDashboard, DescribeAlarms; credentials from the standard AWS chain) and show
/// what would be imported and what would not; nothing is written.
#[tauri::command]
pub async fn import_cloudwatch_preview(app: AppHandle, request: CloudWatchImportRequest) -> Result<CloudWatchPreview> {
    use flywheel::import::cloudwatch;
    blocking(app, move |state| {
        let opt = |v: Option<String>| v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let sources: Vec<String> = request.sources.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if sources.is_empty() {
            return Err(Error::new(Code::Invalid, "name a CloudWatch dashboard or a dashboard body file"));
        }
        let opts = cloudwatch::Options {
            team: opt(request.team),
            region: opt(request.region),
            profile: opt(request.profile),
            without_lines: request.without_lines,
            ..Default::default()
        };
        // A region or profile no workspace could hold is refused before any request is made with it.
        cloudwatch::check_settings(opts.region.as_deref(), opts.profile.as_deref(), None)?;
        let conf = cloudwatch::api::conf(opts.region.as_deref(), opts.profile.as_deref(), None);
        let (dashboards, alarms) = cloudwatch::api::read_sources(&sources, &conf)?;
        let import = cloudwatch::import(&dashboards, &alarms, &opts);
        let preview = CloudWatchPreview {
            queries: import.metrics.iter().map(|m| m.query.describe()).collect(),
            folder: import_folder(&import.name)?.display().to_string(),
            toml: cloudwatch::write::toml(&import),
            import: import.clone(),
        };
        *lock(&state.import) = Some(crate::state::PendingImport::CloudWatch(import));
        Ok(preview)
    })
    .await
}

/// Write the previewed import as a workspace folder; returns the folder (the UI then opens it).
#[tauri::command]
pub async fn import_write(app: AppHandle) -> Result<String> {
    blocking(app, move |state| {
        let import = lock(&state.import).clone().ok_or_else(|| Error::new(Code::Import, "preview an import first"))?;
        let folder = match &import {
            crate::state::PendingImport::Grafana(i) => {
                let folder = import_folder(&i.name)?;
                flywheel::import::grafana::write::write(i, &folder, false)?;
                folder
            }
            crate::state::PendingImport::CloudWatch(i) => {
                let folder = import_folder(&i.name)?;
                flywheel::import::cloudwatch::write::write(i, &folder, false)?;
                folder
            }
        };
        Ok(folder.display().to_string())
    })
    .await
}
