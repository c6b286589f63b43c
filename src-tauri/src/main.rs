//! Flywheel's desktop app: a thin Tauri shell. Commands delegate to the core crate (`flywheel`), the
//! UI is the static files in `ui/`, and the configuration (CSP, capabilities, packages) is
//! `src-tauri/tauri.conf.json`.
//!
//! Usage: `flywheel-app [WORKSPACE]` — opens WORKSPACE (a folder, `flywheel.toml`, or a CSV/Parquet
//! file) at start; with none, the Open view. `flywheel-app --cli ARGS…` is the `flywheel` command
//! (no window): the packages install `flywheel` as a script that runs it, so the code ships once.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod coe;
mod commands;
#[cfg(test)]
mod contract;
mod error;
mod meeting;
mod painting;
mod state;
mod tickets;

use std::path::PathBuf;

fn main() -> std::process::ExitCode {
    flywheel::malloc::tune();
    let mut args = std::env::args_os();
    let first = args.nth(1);
    if first.as_deref() == Some(std::ffi::OsStr::new("--cli")) {
        return flywheel_cli::run(std::iter::once("flywheel".into()).chain(args));
    }
    // Before any thread starts and before WebKit loads: it sets the process's environment.
    painting::choose();
    let open_at_start = first.map(PathBuf::from);
    let state = state::AppState::new(open_at_start.clone());
    if let Some(path) = open_at_start {
        state.start_early(path, |p, refresh, progress| commands::load(p, None, None, refresh, progress));
    }
    let commands = watched(
        state.quiet.clone(),
        tauri::generate_handler![
            commands::app_info,
            commands::sample_path,
            commands::recent_workspaces,
            commands::pick_path,
            commands::open_workspace,
            commands::cancel_load,
            commands::set_sensitivity,
            commands::team_view,
            commands::metric_detail,
            commands::open_link,
            commands::wheel_state,
            commands::journal_changes,
            commands::wheel_spin,
            commands::wheel_decide,
            commands::action_items,
            commands::add_action,
            commands::set_action_status,
            commands::edit_action,
            commands::add_annotation,
            commands::mark_finding,
            commands::pick_dashboard,
            commands::import_preview,
            commands::import_write,
            commands::import_cloudwatch_preview,
            tickets::ticket_review,
            coe::coe_create,
            coe::coe_list,
            coe::coe_get,
            coe::coe_save,
            meeting::meeting_start,
            meeting::meeting_segment,
            meeting::meeting_people,
            meeting::meeting_mark,
            meeting::meeting_end,
        ],
    );
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .invoke_handler(commands)
        .run(tauri::generate_context!("tauri.conf.json"));
    match app {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flywheel-app: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The commands, each call told to the allocator's watch as work (`AppState::quiet`): the memory they free is
/// given back once they stop.
fn watched(
    quiet: flywheel::malloc::Quiet,
    commands: impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    move |invoke| {
        quiet.busy();
        commands(invoke)
    }
}
