//! The shared journal from the command line, against a real PostgreSQL server started by the test:
//! `journal copy` moves this machine's journal into it (twice adds nothing), every command then reads and
//! writes the shared one (`FLYWHEEL_JOURNAL_URL` or `[journal] url`), a server that is down is a clear
//! error, and the password never shows.

mod common;

#[path = "../../tests/common/pg.rs"]
mod pg;

use std::path::Path;
use std::process::Output;

use common::{sample, text};
use pg::{Pg, PASSWORD};

fn flywheel(data: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = common::flywheel_in(data);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run flywheel")
}

#[test]
fn a_laptop_journal_moves_into_the_shared_one_and_every_command_uses_it() {
    let pg = Pg::start();
    let data = tempfile::tempdir().expect("tmp");
    let ws = sample();
    let ws = ws.to_str().expect("path");
    let url = pg.url();
    let shared = [("FLYWHEEL_JOURNAL_URL", url.as_str()), ("PGPASSWORD", PASSWORD)];

    // Prepared on the laptop: two items in its own SQLite journal.
    for title in ["raise the retry budget", "check <b>the</b> alarm line"] {
        let o =
            flywheel(data.path(), &[("USER", "ana")], &["actions", "add", ws, "--title", title, "--owner", "ana", "--week", "2026-11-09"]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = flywheel(data.path(), &shared, &["journal", "copy", ws, "--to", &url]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("to postgres://flywheel@127.0.0.1")
            && out.lines().any(|l| l.trim_start().starts_with("action items") && l.ends_with(" 2 added, 0 updated, 0 unchanged")),
        "{out}"
    );
    let again = flywheel(data.path(), &shared, &["journal", "copy", ws, "--json"]);
    assert!(again.status.success(), "{}", text(&again));
    let doc: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    let added: u64 = doc["copied"].as_array().expect("kinds").iter().map(|c| c["added"].as_u64().unwrap_or(99)).sum();
    assert_eq!(added, 0, "a second copy adds nothing: {doc}");

    // Another machine pointed at the server sees them, and what it writes is shared.
    let other = tempfile::tempdir().expect("tmp");
    let room = [shared[0], shared[1], ("USER", "bo")];
    let o = flywheel(other.path(), &room, &["actions", "add", ws, "--title", "from the meeting room", "--week", "2026-11-09"]);
    assert!(o.status.success(), "{}", text(&o));
    let added = text(&o);
    let id = added.split('#').nth(1).and_then(|r| r.split(':').next()).expect("the new item's id").to_string();
    let lead = [shared[0], shared[1], ("USER", "ana")];
    let o = flywheel(data.path(), &lead, &["actions", "done", &id, ws]);
    assert!(o.status.success(), "{}", text(&o));
    let o = flywheel(other.path(), &room, &["actions", "history", &id, ws]);
    let history = text(&o);
    assert!(o.status.success(), "{history}");
    assert!(history.contains("raised by bo") && history.contains("status open → done by ana"), "{history}");
    let o = flywheel(data.path(), &shared, &["actions", "list", ws, "--all"]);
    let list = text(&o);
    assert!(o.status.success(), "{list}");
    for (title, by) in
        [("raise the retry budget", "ana"), ("check <b>the</b> alarm line", "ana"), ("from the meeting room", "bo, last changed by ana")]
    {
        assert!(list.lines().any(|l| l.contains(title) && l.ends_with(&format!("raised by {by}"))), "{title} by {by} missing from {list}");
    }
    // A review with the shared journal: its reports hold the shared items, never the password.
    let reports = tempfile::tempdir().expect("tmp");
    let file = |n: &str| reports.path().join(n).display().to_string();
    let (html, md, json) = (file("r.html"), file("r.md"), file("r.json"));
    let review = flywheel(data.path(), &shared, &["review", ws, "--html", &html, "--md", &md, "--json", &json]);
    assert!(review.status.success(), "{}", text(&review));
    let md_text = std::fs::read_to_string(&md).expect("md");
    assert!(md_text.contains("raise the retry budget"), "the report's previous action items come from the shared journal");
    for f in [&html, &md, &json] {
        assert!(!std::fs::read_to_string(f).expect("report").contains(PASSWORD), "{f} holds the password");
    }
    assert!(!text(&review).contains(PASSWORD));
    let o = flywheel(data.path(), &shared, &["journal", "status", ws, "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(status["store"], "PostgreSQL");
    assert_eq!(status["counts"]["action items"], 3);
    for o in [&o, &again] {
        assert!(!text(o).contains(PASSWORD), "the password shows: {}", text(o));
    }

    // The server down: a clear error with its address, no password, and the laptop's own journal untouched.
    drop(pg);
    let o = flywheel(data.path(), &shared, &["actions", "list", ws]);
    let e = text(&o);
    assert!(!o.status.success(), "{e}");
    assert!(e.contains("cannot connect") && e.contains("postgres://flywheel@127.0.0.1"), "{e}");
    assert!(!e.contains(PASSWORD), "{e}");
    let o = flywheel(data.path(), &[], &["actions", "list", ws]);
    assert!(o.status.success() && text(&o).contains("raise the retry budget"), "{}", text(&o));
}

#[test]
fn a_password_in_the_workspace_file_is_refused_without_repeating_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let toml = std::fs::read_to_string(sample().join("flywheel.toml")).expect("sample");
    let toml = format!("{toml}\n[journal]\nurl = \"postgres://ana:{PASSWORD}@db.internal/ops\"\n");
    std::fs::write(dir.path().join("flywheel.toml"), toml).expect("write");
    for entry in std::fs::read_dir(sample()).expect("sample") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "csv" || e == "parquet") {
            std::fs::copy(&p, dir.path().join(p.file_name().expect("name"))).expect("copy");
        }
    }
    let o = flywheel(dir.path(), &[], &["journal", "status", dir.path().to_str().expect("path")]);
    let e = text(&o);
    assert!(!o.status.success(), "{e}");
    assert!(e.contains("flywheel.toml:") && e.contains("holds a password"), "{e}");
    assert!(!e.contains(PASSWORD), "{e}");
}

#[test]
fn writers_killed_at_random_lose_no_acknowledged_item() {
    let pg = Pg::start();
    let data = tempfile::tempdir().expect("tmp");
    let ws = sample();
    let ws = ws.to_str().expect("path").to_string();
    let url = pg.url();
    let acknowledged = std::sync::Mutex::new(Vec::new());
    let killed = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in 0..20u64 {
            let (ws, url, data, acknowledged, killed) = (&ws, &url, data.path(), &acknowledged, &killed);
            s.spawn(move || {
                // A small deterministic generator per writer: which adds get killed, and when.
                let mut state = w.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                let mut next = || {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state
                };
                for i in 0..5 {
                    let title = format!("writer {w} item {i}");
                    let mut child = common::flywheel_in(data)
                        .args(["actions", "add", ws, "--title", &title, "--week", "2026-11-09"])
                        .env("FLYWHEEL_JOURNAL_URL", url)
                        .env("PGPASSWORD", PASSWORD)
                        .stdout(std::process::Stdio::piped())
                        .stderr(std::process::Stdio::piped())
                        .spawn()
                        .expect("spawn");
                    if next() % 3 == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(next() % 150));
                        if child.kill().is_ok() {
                            killed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                    let out = child.wait_with_output().expect("wait");
                    if out.status.success() {
                        acknowledged.lock().expect("lock").push(title);
                    }
                }
            });
        }
    });
    let acknowledged = acknowledged.into_inner().expect("lock");
    let killed = killed.into_inner();
    println!("{} writes acknowledged, {killed} SIGKILLs sent", acknowledged.len());
    assert!(killed > 0 && !acknowledged.is_empty(), "the test killed some and let some finish");
    let o = flywheel(data.path(), &[("FLYWHEEL_JOURNAL_URL", url.as_str()), ("PGPASSWORD", PASSWORD)], &["actions", "list", &ws]);
    let list = text(&o);
    assert!(o.status.success(), "{list}");
    for title in &acknowledged {
        assert_eq!(
            list.lines().filter(|l| l.contains(&format!("] {title} —"))).count(),
            1,
            "{title} acknowledged but not there once: {list}"
        );
    }
}
