//! Tauri's build step: the configuration at the repository root, and one permission per app command so
//! the window's capability (inline in tauri.conf.json) lists exactly the commands the UI uses.

/// Every command of the app; `tauri.conf.json` allows each as `allow-<name>` (kebab-case).
const COMMANDS: &[&str] = &[
    "app_info",
    "sample_path",
    "recent_workspaces",
    "pick_path",
    "open_workspace",
    "cancel_load",
    "set_sensitivity",
    "team_view",
    "metric_detail",
    "open_link",
    "wheel_state",
    "wheel_spin",
    "wheel_decide",
    "journal_changes",
    "action_items",
    "add_action",
    "set_action_status",
    "edit_action",
    "add_annotation",
    "mark_finding",
    "pick_dashboard",
    "import_preview",
    "import_write",
    "import_cloudwatch_preview",
    "ticket_review",
    "coe_create",
    "coe_list",
    "coe_get",
    "coe_save",
    "meeting_start",
    "meeting_segment",
    "meeting_people",
    "meeting_mark",
    "meeting_end",
];

fn main() {
    let attrs =
        tauri_build::Attributes::new().config_path("tauri.conf.json").app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attrs) {
        // A build script has no caller to return to: say what is wrong and stop the build.
        eprintln!("tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}
