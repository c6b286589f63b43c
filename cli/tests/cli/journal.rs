//! What the command keeps in the journal: the wheel's spins, action items, and the journal's own status.

use super::*;

#[test]
fn the_wheel_spins_confirms_and_keeps_its_history_in_the_journal() {
    let data = tempfile::tempdir().expect("tmp");
    let s = sample();
    let s = s.to_str().expect("p");
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("16.7%  Checkout") && out.contains("presents this week."), "{out}");
    // Confirmed spins with Payments absent: Payments never wins, and each winner's odds drop to 0.
    let mut winners = Vec::new();
    for seed in 2..12 {
        let o = flywheel_with_data(data.path(), &["spin", s, "--seed", &seed.to_string(), "--confirm", "--absent", "Payments"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        let winner = out.lines().find_map(|l| l.strip_suffix(" presents this week.")).expect("winner line").to_string();
        assert_ne!(winner, "Payments", "an absent team won");
        assert!(out.contains("0.0%  Payments  (absent)"), "{out}");
        winners.push(winner);
    }
    // Fairness moved: the last confirmed winner now has zero odds.
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "99"]);
    let last = winners.last().expect("ten winners");
    assert!(stdout(&o).contains(&format!("  0.0%  {last}")), "{}", stdout(&o));
    let h = stdout(&flywheel_with_data(data.path(), &["wheel", "history", s]));
    assert_eq!(h.lines().count(), 12, "{h}");
    assert_eq!(h.lines().filter(|l| l.contains("presented") && l.contains("absent: Payments")).count(), 10, "{h}");
    // Undo puts the last winner's odds back; a reset makes everyone equal.
    let o = flywheel_with_data(data.path(), &["wheel", "undo", s]);
    assert!(stdout(&o).contains(&format!("Undid the last confirmation ({last} presenting)")), "{}", stdout(&o));
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "99"]);
    assert!(!stdout(&o).contains(&format!("  0.0%  {last}")), "{}", stdout(&o));
    assert!(stdout(&flywheel_with_data(data.path(), &["wheel", "history", s])).lines().next().unwrap_or_default().contains("suggested"));
    flywheel_with_data(data.path(), &["wheel", "reset", s]);
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "5"]);
    assert_eq!(stdout(&o).matches("16.7%").count(), 6, "{}", stdout(&o));
    // Undo takes back what was done last: the reset, then the confirmation before the one already undone (each
    // named, and the history says which team's presentation was undone).
    let o = flywheel_with_data(data.path(), &["wheel", "undo", s]);
    assert_eq!(stdout(&o).trim(), "Undid the reset: the weights are back to before it.", "{}", stdout(&o));
    let o = flywheel_with_data(data.path(), &["spin", s, "--seed", "5"]);
    assert!(stdout(&o).matches("16.7%").count() < 6, "the reset was undone: {}", stdout(&o));
    let before_last = &winners[winners.len() - 2];
    let o = flywheel_with_data(data.path(), &["wheel", "undo", s]);
    assert!(stdout(&o).contains(&format!("Undid the last confirmation ({before_last} presenting)")), "{}", stdout(&o));
    let h = stdout(&flywheel_with_data(data.path(), &["wheel", "history", s]));
    let undone: Vec<&str> = h.lines().filter(|l| l.contains("undone")).collect();
    assert_eq!(undone.len(), 2, "{h}");
    assert!(undone[0].contains(before_last.as_str()) && undone[1].contains(last.as_str()), "{h}");
    let o = flywheel_with_data(data.path(), &["spin", s, "--absent", "Nobody"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "flywheel: --absent: no team `Nobody` in Sample shop: its teams are Checkout, Payments, Search, Identity, Platform, Fulfilment",
        "{}",
        stderr(&o)
    );
}

#[test]
fn who_raised_an_item_is_the_login_name_when_no_user_variable_is_set() {
    // A service account or a container often sets none of USER, USERNAME and LOGNAME: the journal still says
    // who raised the item (the account's login name), not "unknown".
    let login = Command::new("id").arg("-un").output().expect("id -un");
    let login = String::from_utf8_lossy(&login.stdout).trim().to_string();
    assert!(!login.is_empty());
    let data = tempfile::tempdir().expect("tmp");
    let s = sample();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_flywheel"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("FLYWHEEL_DATA_DIR", data.path())
            .env_remove("USER")
            .env_remove("USERNAME")
            .env_remove("LOGNAME")
            .output()
            .expect("run flywheel")
    };
    let o = run(&["actions", "add", s.to_str().expect("p"), "--title", "Check the canary", "--owner", "bo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["actions", "history", "1", s.to_str().expect("p")]);
    assert!(stdout(&o).contains(&format!("raised by {login}")), "{}", stdout(&o));
}

#[test]
fn action_items_are_added_listed_done_exported_and_open_the_next_report() {
    let data = tempfile::tempdir().expect("tmp");
    let out = tempfile::tempdir().expect("tmp");
    let s = sample();
    let s = s.to_str().expect("p");
    let title = "Lower the p99 alarm line <script>x()</script>";
    let add = |t: &str, due: &str| {
        flywheel_with_data(
            data.path(),
            &["actions", "add", s, "--title", t, "--owner", "ana", "--due", due, "--team", "Payments", "--metric", "payments.api.p99"],
        )
    };
    let o = add(title, "2026-11-01");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("#1"), "{}", stdout(&o));
    assert!(add("Fix the canary", "2999-01-01").status.success());
    let bad = add("Bad date", "next week");
    assert_eq!(bad.status.code(), Some(1));
    // Said once: the journal's refusal is not printed again as its own cause.
    assert_eq!(
        stderr(&bad).trim(),
        "flywheel: `next week` is not a due date: use 2026-12-11, 11.12.2026, a weekday (friday), today, tomorrow, +3d or +2w",
        "{}",
        stderr(&bad)
    );
    // A weekday is its next one, written as the date.
    let o = add("Say it in the room", "friday");
    assert!(o.status.success(), "{}", stderr(&o));
    let list = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    let line = list.lines().find(|l| l.contains("Say it in the room")).expect("listed");
    let due = line.split(" due ").nth(1).map(|d| &d[..10]).expect("a due date");
    assert!(due.len() == 10 && due.as_bytes()[4] == b'-' && due.as_bytes()[7] == b'-', "{line}");
    // A team or metric the workspace does not have is refused (it would file the item where nobody looks).
    let about = |team: &str, metric: &str| {
        flywheel_with_data(data.path(), &["actions", "add", s, "--title", "Misfiled", "--team", team, "--metric", metric])
    };
    let o = about("Paymnets", "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no team `Paymnets` in Sample shop: its teams are Checkout, Payments, "), "{}", stderr(&o));
    let o = about("Payments", "payments.api.p98");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no metric `payments.api.p98` in Sample shop"), "{}", stderr(&o));

    let list = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    let (first, second) = (list.find(title).expect("listed"), list.find("Fix the canary").expect("listed"));
    assert!(first < second && list.contains("OVERDUE"), "overdue first: {list}");

    let md = out.path().join("r.md");
    let html = out.path().join("r.html");
    let o = flywheel_with_data(data.path(), &["review", s, "--md", md.to_str().expect("p"), "--html", html.to_str().expect("p")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = std::fs::read_to_string(&md).expect("md");
    assert!(m.find("## Previous action items").expect("section") < m.find("## Findings").expect("findings"), "{m}");
    let h = std::fs::read_to_string(&html).expect("html");
    assert!(h.contains("Previous action items") && !h.contains("<script>x()") && h.contains("&lt;script&gt;x()"), "escaped in HTML");

    assert!(flywheel_with_data(data.path(), &["actions", "done", "1", s]).status.success());
    let live = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    assert!(!live.contains(title) && live.contains("Fix the canary"), "{live}");
    let all = stdout(&flywheel_with_data(data.path(), &["actions", "list", s, "--all"]));
    assert!(all.contains("[done]"), "{all}");
    let csv = stdout(&flywheel_with_data(data.path(), &["actions", "export", s]));
    assert!(csv.starts_with("id,title,owner,due,status"), "{csv}");
    assert!(csv.lines().count() == 4 && csv.contains(",done,"), "{csv}");
    let o = flywheel_with_data(data.path(), &["actions", "done", "99", s]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no action item 99"), "{}", stderr(&o));
}

#[test]
fn an_unusable_journal_costs_only_the_action_items_not_the_review() {
    let tmp = tempfile::tempdir().expect("tmp");
    // The data folder is a file: the journal cannot be created (as on a read-only or broken disk).
    let not_a_dir = tmp.path().join("file");
    std::fs::write(&not_a_dir, "x").expect("write");
    let s = sample();
    let html = tmp.path().join("r.html");
    let o = flywheel_with_data(&not_a_dir, &["review", s.to_str().expect("p"), "--html", html.to_str().expect("p")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("journal"), "the user is told: {}", stderr(&o));
    assert!(std::fs::read_to_string(&html).expect("html").contains("payments-api"), "the review is still written");
    let o = flywheel_with_data(&not_a_dir, &["actions", "list", s.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot create the journal folder"), "{}", stderr(&o));
}

#[test]
fn terminal_escape_sequences_in_user_text_are_printed_inert() {
    let data = tempfile::tempdir().expect("tmp");
    let s = sample();
    let s = s.to_str().expect("p");
    let title = "fix it\u{1b}[2J\u{1b}[31mnow\u{7}";
    let o = flywheel_with_data(data.path(), &["actions", "add", s, "--title", title, "--owner", "e\u{1b}]0;pwned\u{7}ve"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for args in [vec!["actions", "add", s, "--title", "second"], vec!["actions", "list", s]] {
        let out = stdout(&flywheel_with_data(data.path(), &args));
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    }
    let list = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    assert!(list.contains("fix it\u{FFFD}[2J\u{FFFD}[31mnow\u{FFFD}"), "{list:?}");
    // The journal keeps what was written: the CSV export has the title as typed.
    let csv = stdout(&flywheel_with_data(data.path(), &["actions", "export", s]));
    assert!(csv.contains(title), "{csv:?}");
}

/// `flywheel journal status` says which store the journal is, where, its schema version, and counts what
/// was written (text and JSON); a journal from a newer Flywheel is named and left untouched.
#[test]
fn journal_status_says_the_store_schema_and_counts() {
    let data = tempfile::tempdir().expect("tmp");
    let s = sample();
    let s = s.to_str().expect("p");
    for t in ["check the alarm line", "raise the retry budget"] {
        assert!(flywheel_with_data(data.path(), &["actions", "add", s, "--title", t]).status.success());
    }
    let o = flywheel_with_data(data.path(), &["journal", "status", s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Journal of Sample shop: SQLite at ") && out.contains(&data.path().display().to_string()), "{out}");
    assert!(out.contains(&format!("Schema version {0} (this Flywheel writes {0})", flywheel::journal::SCHEMA_VERSION)), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("action items") && l.trim_end().ends_with(" 2")), "{out}");
    let o = flywheel_with_data(data.path(), &["journal", "status", s, "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(
        (doc["store"].as_str(), doc["counts"]["action items"].as_i64(), doc["counts"]["wheel spins"].as_i64()),
        (Some("SQLite"), Some(2), Some(0))
    );
    // A journal written by a newer Flywheel: the status names it and changes nothing.
    let file = std::path::PathBuf::from(doc["location"].as_str().expect("location"));
    bump_schema_version(&file);
    let before = std::fs::read(&file).expect("journal");
    let o = flywheel_with_data(data.path(), &["journal", "status", s]);
    assert!(!o.status.success() && stderr(&o).contains("written by a newer Flywheel"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&file).expect("journal"), before, "left untouched");
}

/// A damaged journal file is named with what to do; `flywheel journal restore` puts back the newest daily
/// copy and keeps the damaged file beside it; `journal backups` lists the copies.
#[test]
fn a_damaged_journal_is_put_back_from_its_daily_copy() {
    let data = tempfile::tempdir().expect("tmp");
    let s = sample();
    let s = s.to_str().expect("p");
    let copies = || -> Vec<serde_json::Value> {
        let o = flywheel_with_data(data.path(), &["journal", "backups", s, "--json"]);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        doc["backups"].as_array().expect("backups").clone()
    };
    assert!(flywheel_with_data(data.path(), &["actions", "add", s, "--title", "check the alarm line"]).status.success());
    // The next open copies what was written.
    let status: serde_json::Value =
        serde_json::from_slice(&flywheel_with_data(data.path(), &["journal", "status", s, "--json"]).stdout).expect("JSON");
    let file = std::path::PathBuf::from(status["location"].as_str().expect("location"));
    let first = copies();
    assert_eq!(first.len(), 1, "{first:?}");
    let copy = std::path::PathBuf::from(first[0]["path"].as_str().expect("path"));
    let when = || std::fs::metadata(&copy).and_then(|m| m.modified()).expect("copy");
    let before = when();
    // Opening it again with nothing written since does not copy it again.
    for args in [&["journal", "status", s][..], &["actions", "list", s], &["spin", s, "--seed", "1"]] {
        assert!(flywheel_with_data(data.path(), args).status.success());
    }
    assert_eq!(when(), before, "copied again with nothing written");
    // A write, then an open: the day's copy is made again, with it.
    assert!(flywheel_with_data(data.path(), &["actions", "add", s, "--title", "raise the retry budget"]).status.success());
    assert!(flywheel_with_data(data.path(), &["actions", "list", s]).status.success());
    assert_ne!(when(), before, "not copied after a write");
    let newest = copies();
    assert_eq!(newest.len(), 1, "one copy a day: {newest:?}");
    let made = newest[0]["made"].as_str().expect("made").to_string();
    let o = flywheel_with_data(data.path(), &["journal", "backups", s]);
    assert!(stdout(&o).contains(&format!("  {made}  ")) && stdout(&o).contains(&copy.display().to_string()), "{}", stdout(&o));
    // Written after the last copy: only in the journal.
    assert!(flywheel_with_data(data.path(), &["actions", "add", s, "--title", "page the on-call"]).status.success());

    // Damage every page after the first: the file still opens, its tables do not read.
    let mut bytes = std::fs::read(&file).expect("journal");
    assert!(bytes.len() > 8192, "{}", bytes.len());
    bytes[4096..].iter_mut().for_each(|b| *b = 0x5a);
    std::fs::write(&file, &bytes).expect("write");
    let o = flywheel_with_data(data.path(), &["actions", "list", s]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o)
            .contains(&format!("the file is damaged: `flywheel journal restore`, run with Flywheel closed, puts back its copy of {made}")),
        "{}",
        stderr(&o)
    );
    // The review itself still runs.
    let o = flywheel_with_data(data.path(), &["review", s]);
    assert!(o.status.success() && stdout(&o).contains("payments-api"), "{}", stderr(&o));

    let o = flywheel_with_data(data.path(), &["journal", "restore", s, "--day", "1999-01-01"]);
    assert_eq!(o.status.code(), Some(1));
    let today = newest[0]["day"].as_str().expect("day");
    assert!(stderr(&o).contains(&format!("has no copy of 1999-01-01: it has {today}")), "{}", stderr(&o));
    assert_eq!(std::fs::read(&file).expect("journal"), bytes, "a refused restore touched the journal");
    // Not while another program has the journal open (this test, here, as the app would: a connection
    // that has read from it).
    let open = rusqlite::Connection::open(&file).expect("open");
    let _: i64 = open.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("read");
    let o = flywheel_with_data(data.path(), &["journal", "restore", s]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&format!("is open in another program (process {}:", std::process::id())), "{}", stderr(&o));
    assert_eq!(std::fs::read(&file).expect("journal"), bytes, "a refused restore touched the journal");
    drop(open);
    let o = flywheel_with_data(data.path(), &["journal", "restore", s]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(&format!("Put back the copy of {made}")), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("action items") && l.trim_end().ends_with(" 2")), "{out}");
    let aside =
        out.lines().find_map(|l| l.strip_prefix("The journal it replaced is kept at ")).and_then(|l| l.split(':').next()).expect("aside");
    assert_eq!(std::fs::read(aside).expect("the damaged file"), bytes, "the damaged file was not kept as it was");
    let list = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    assert!(list.contains("check the alarm line") && list.contains("raise the retry budget"), "{list}");
    assert!(!list.contains("page the on-call"), "{list}");

    // A journal file that is gone while its copies are there is not started again empty.
    for suffix in ["", "-wal", "-shm"] {
        let mut p = file.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let o = flywheel_with_data(data.path(), &["actions", "list", s]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is missing") && stderr(&o).contains("`flywheel journal restore` puts back its copy of"), "{}", stderr(&o));
    assert!(!file.exists(), "an empty journal was started");
    let o = flywheel_with_data(data.path(), &["journal", "restore", s]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("The journal it replaced"), "{}", stdout(&o));
    let list = stdout(&flywheel_with_data(data.path(), &["actions", "list", s]));
    assert!(list.contains("check the alarm line") && list.contains("raise the retry budget"), "{list}");
}

/// Set the journal's schema version one past this build's (the SQLite header's user_version field, at
/// byte 60, big-endian), as a newer Flywheel would have left it.
fn bump_schema_version(file: &Path) {
    // Fold the WAL into the file first so the header is the whole truth.
    let _ = flywheel::journal::Journal::open(file).map(drop);
    let mut bytes = std::fs::read(file).expect("journal");
    let v = (flywheel::journal::SCHEMA_VERSION as u32 + 1).to_be_bytes();
    bytes[60..64].copy_from_slice(&v);
    std::fs::write(file, bytes).expect("write");
}
