//! The contract at the Tauri boundary is written in four places — the handler list (`main.rs`), the
//! permissions (`build.rs`), the window's capability (`tauri.conf.json`) and the UI's one caller
//! (`ui/backend.js`) — and the error codes the UI branches on are an enum here. These tests fail when
//! any of them disagree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::Code;

fn read(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every identifier that follows `prefix` (up to the first character that is not `[a-z0-9_-]`).
fn after(text: &str, prefix: &str) -> BTreeSet<String> {
    text.split(prefix)
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-').collect::<String>())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn every_command_is_registered_permitted_allowed_and_called_alike() {
    let main = read("src/main.rs");
    let main = &main[main.find("generate_handler![").expect("the handler list in main.rs")..];
    let main = &main[..main.find(']').expect("end of the handler list")];
    let mut handlers = after(main, "commands::");
    handlers.extend(after(main, "meeting::"));
    handlers.extend(after(main, "tickets::"));
    handlers.extend(after(main, "coe::"));
    let build = read("build.rs");
    let list = &build[build.find("const COMMANDS").expect("COMMANDS in build.rs")..];
    let list = &list[..list.find("];").expect("end of COMMANDS")];
    let permitted = after(list, "\"");
    let allowed: BTreeSet<String> = after(&read("tauri.conf.json"), "\"allow-").into_iter().map(|s| s.replace('-', "_")).collect();
    let called = after(&read("../ui/backend.js"), "call('");
    assert!(handlers.len() >= 18, "{handlers:?}");
    assert_eq!(permitted, handlers, "build.rs COMMANDS vs the handlers in main.rs");
    assert_eq!(allowed, handlers, "tauri.conf.json permissions vs the handlers in main.rs");
    assert_eq!(called, handlers, "ui/backend.js calls vs the handlers in main.rs");
}

#[test]
fn the_error_codes_the_ui_names_exist() {
    let codes: BTreeSet<String> =
        Code::ALL.iter().map(|c| serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()).collect();
    assert_eq!(codes.len(), Code::ALL.len(), "codes are distinct: {codes:?}");
    let mut named = BTreeSet::new();
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    let scripts: Vec<PathBuf> = std::fs::read_dir(&ui)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "js")).collect())
        .unwrap_or_default();
    assert!(scripts.len() >= 5, "the UI's scripts in {}: {scripts:?}", ui.display());
    for file in &scripts {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        named.extend(after(&text, "code === '"));
        named.extend(after(&text, "code: '"));
    }
    named.remove("no_backend"); // made up by backend.js itself when the app runs without Rust (a mock UI)
    assert!(named.contains("superseded") && named.contains("cancelled"), "{named:?}");
    let unknown: Vec<&String> = named.iter().filter(|n| !codes.contains(*n)).collect();
    assert!(unknown.is_empty(), "the UI names codes the backend never sends: {unknown:?}");
}

/// The packages install resources under `/usr/lib/<productName>/`: the core looks for the sample there
/// ([`flywheel::sample::INSTALLED`]), and the packaged files and version come from one place each.
#[test]
fn the_package_layout_matches_what_the_core_looks_for() {
    let conf: serde_json::Value = serde_json::from_str(&read("tauri.conf.json")).expect("tauri.conf.json is JSON");
    let product = conf["productName"].as_str().expect("productName");
    assert_eq!(flywheel::sample::INSTALLED, format!("../lib/{product}/sample"));
    assert_eq!(flywheel::sample::PACKAGED, format!("/usr/lib/{product}/sample"));
    let resources = conf["bundle"]["resources"].as_object().expect("bundle.resources");
    for (from, to) in resources {
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(from).is_file(), "resource {from} exists");
        assert!(to.as_str().is_some_and(|t| t.starts_with("sample/")), "{from} → {to}");
    }
    assert!(resources.values().any(|t| t == "sample/flywheel.toml"), "the sample's workspace file is packaged");
    assert!(conf.get("version").is_none(), "the version comes from the workspace Cargo.toml only");
}
