//! Crash safety of the journal: a separate writer process adds and edits action items in a loop and is
//! killed with SIGKILL at random moments, 200 times; after each kill every write it had acknowledged is
//! in the journal and `PRAGMA integrity_check` is `ok`. Also: two processes writing at once lose nothing.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use flywheel::journal::actions::{Filter, Status};
use flywheel::journal::Journal;
use rand::{Rng, SeedableRng};

const KILLS: usize = 200;

fn rank(s: Status) -> u8 {
    match s {
        Status::Open => 0,
        Status::InProgress => 1,
        Status::Done | Status::Dropped => 2,
    }
}

#[test]
fn every_acknowledged_write_survives_sigkill() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("journal.sqlite");
    Journal::open(&path).expect("create");
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    // id → (title, highest acknowledged status)
    let mut acked: HashMap<i64, (String, Status)> = HashMap::new();
    let mut writes = 0usize;
    for round in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flywheel-dev"))
            .arg("journal-writer")
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the writer");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<String>>());
        std::thread::sleep(Duration::from_millis(rng.random_range(5..80)));
        child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
        child.wait().expect("reap");
        for line in reader.join().expect("reader") {
            let mut parts = line.splitn(3, ' ');
            match (parts.next(), parts.next().and_then(|i| i.parse::<i64>().ok()), parts.next()) {
                (Some("added"), Some(id), Some(title)) => {
                    acked.insert(id, (title.to_string(), Status::Open));
                }
                (Some("status"), Some(id), Some(st)) => {
                    let st = Status::parse(st).expect("status");
                    let e = acked.get_mut(&id).expect("edit of an acknowledged item");
                    if rank(st) > rank(e.1) {
                        e.1 = st;
                    }
                }
                _ => {} // a line cut by the kill was never acknowledged
            }
            writes += 1;
        }
        let j = Journal::open(&path).unwrap_or_else(|e| panic!("round {round}: the journal does not open after a kill: {e}"));
        let check: String = j.integrity_check().expect("integrity_check");
        assert_eq!(check, "ok", "round {round}");
        let stored: HashMap<i64, (String, Status)> =
            j.actions(&Filter::default()).expect("read").into_iter().map(|i| (i.id, (i.title, i.status))).collect();
        for (id, (title, status)) in &acked {
            let got = stored.get(id).unwrap_or_else(|| panic!("round {round}: acknowledged item {id} ({title}) is lost"));
            assert_eq!(&got.0, title, "round {round}: item {id}");
            assert!(rank(got.1) >= rank(*status), "round {round}: item {id} went back from {status:?} to {:?}", got.1);
        }
    }
    println!("{KILLS} SIGKILLs, {writes} acknowledged writes, {} items: none lost, integrity ok every time", acked.len());
    assert!(writes > KILLS, "the writer hardly wrote anything ({writes} writes): the test would prove nothing");
}

#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("journal.sqlite");
    Journal::open(&path).expect("create");
    let mut children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_flywheel-dev"))
                .arg("journal-writer")
                .arg(&path)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start a writer")
        })
        .collect();
    let readers: Vec<_> = children
        .iter_mut()
        .map(|c| {
            let out = c.stdout.take().expect("stdout");
            std::thread::spawn(move || BufReader::new(out).lines().map_while(Result::ok).filter(|l| l.starts_with("added ")).count())
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    for c in &mut children {
        // Both must still be running: a busy journal makes a writer wait, never fail.
        assert!(c.try_wait().expect("status").is_none(), "a writer stopped (a write failed under contention)");
        c.kill().expect("kill");
        c.wait().expect("reap");
    }
    let added: usize = readers.into_iter().map(|r| r.join().expect("reader")).sum();
    let j = Journal::open(&path).expect("open");
    let stored = j.actions(&Filter::default()).expect("read").len();
    assert!(added > 20, "only {added} writes in 1.5 s");
    assert!(stored >= added, "{added} acknowledged adds, {stored} stored");
}
