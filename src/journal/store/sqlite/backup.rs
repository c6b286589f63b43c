//! Copies of a SQLite journal, so a file that gets damaged (a failing disk, a sync tool, a bad copy) costs
//! at most what was written in one sitting: at each open, when the journal was written since its newest
//! copy, it is copied again (one copy a day, the day's last one kept, the last [`KEEP`] days kept), and
//! only from a file that passes SQLite's own check. A restore puts one back and moves the file it replaces
//! aside, never deleting it.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::{sqlite_error, Sqlite};
use crate::journal::store::StoreError;

/// How many days' copies are kept (the newest).
pub const KEEP: usize = 7;

/// One copy of a journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backup {
    /// The day it is of (`YYYY-MM-DD`, UTC).
    pub day: String,
    /// When it was made (`YYYY-MM-DD HH:MM UTC`): it holds what was written before then.
    pub made: String,
    pub path: PathBuf,
    pub bytes: u64,
    #[serde(skip)]
    modified: SystemTime,
}

/// Where the copies of the journal at `journal` are: `backups/<its name>/` beside it.
pub fn folder(journal: &Path) -> PathBuf {
    let stem = journal.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "journal".into());
    journal.parent().unwrap_or(Path::new(".")).join("backups").join(stem)
}

/// The copies of the journal at `journal`, newest first (files named `YYYY-MM-DD.sqlite`; anything else in
/// the folder is not one).
pub fn list(journal: &Path) -> Vec<Backup> {
    let Ok(entries) = std::fs::read_dir(folder(journal)) else { return Vec::new() };
    let mut out: Vec<Backup> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            let day = name.strip_suffix(".sqlite").filter(|d| d.len() == 10)?;
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            let modified = meta.modified().ok()?;
            let made = chrono::DateTime::<chrono::Utc>::from(modified).format("%Y-%m-%d %H:%M UTC").to_string();
            Some(Backup { day: day.to_string(), made, path: e.path(), bytes: meta.len(), modified })
        })
        .collect();
    out.sort_by(|a, b| b.day.cmp(&a.day));
    out
}

/// What to do about a journal file SQLite calls damaged, said after its error: put back the newest copy,
/// or (with none) save what is readable.
pub fn advice(journal: &Path) -> String {
    match list(journal).first() {
        Some(b) => format!(
            "; the file is damaged: `flywheel journal restore`, run with Flywheel closed, puts back its copy of {} (the damaged file is kept beside it, with what was written since)",
            b.made
        ),
        None => "; the file is damaged and has no copy yet: `sqlite3 FILE .recover` can save what is still readable".into(),
    }
}

/// When the journal at `journal` was last written: its file's time, or its write-ahead log's while that holds
/// writes not yet folded into the file (an empty log is only a connection's, opened to read).
fn last_written(journal: &Path) -> Option<SystemTime> {
    let file = std::fs::metadata(journal).and_then(|m| m.modified()).ok();
    let log = std::fs::metadata(with_suffix(journal, "-wal")).ok().filter(|m| m.len() > 0).and_then(|m| m.modified().ok());
    file.max(log)
}

/// Why a copy was not made or not put back.
fn failure(at: &Path, message: impl std::fmt::Display) -> StoreError {
    StoreError::new(&at.display().to_string(), message)
}

impl Sqlite {
    /// Copy this journal as `day`'s copy (replacing one made earlier that day) when it has none or was
    /// written since its newest, then keep only the newest [`KEEP`] days. The copy is made only from a file
    /// that passes `PRAGMA quick_check` (a damaged file never pushes a sound copy out), written whole or
    /// not at all. The copy's path when one was made.
    pub fn back_up(&self, day: &str) -> Result<Option<PathBuf>, StoreError> {
        let dir = folder(&self.path);
        if let Some(newest) = list(&self.path).first() {
            if last_written(&self.path).is_none_or(|w| w <= newest.modified) {
                return Ok(None);
            }
        }
        let check: String = self.conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| sqlite_error(&self.at, e))?;
        if check != "ok" {
            return Err(StoreError::new(&self.at, format!("not copied, SQLite's check of the file says: {check}{}", advice(&self.path))));
        }
        std::fs::create_dir_all(&dir).map_err(|e| failure(&dir, format!("cannot make the folder for daily copies: {e}")))?;
        let dest = dir.join(format!("{day}.sqlite"));
        crate::atomic::write_with(&dest, |tmp| {
            let tmp = tmp.to_str().ok_or_else(|| failure(tmp, "the copy's path is not UTF-8"))?;
            self.conn.execute("VACUUM INTO ?1", [tmp]).map(|_| ()).map_err(|e| sqlite_error(&self.at, e))
        })
        .map_err(|e| match e {
            crate::atomic::WriteError::Fill(e) => e,
            io => failure(&dest, io),
        })?;
        for old in list(&self.path).into_iter().skip(KEEP) {
            let _ = std::fs::remove_file(old.path);
        }
        remove_stale_temporaries(&dir);
        Ok(Some(dest))
    }
}

/// Temporary files of copies whose process was killed while writing them (an hour old or more: a copy
/// being written by another process now is younger).
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let old = e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < hour_ago);
        if name.starts_with('.') && name.ends_with(".tmp") && old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Put the copy at `from` in place of the journal at `journal`. The copy is checked first (it must open
/// and pass `PRAGMA integrity_check`); the file it replaces, with its `-wal` and `-shm`, is moved aside to
/// `<name>.replaced-<stamp>` (never deleted: it may hold what was written after the copy). Where the
/// replaced file went, if there was one.
pub fn restore(journal: &Path, from: &Path, stamp: &str) -> Result<Option<PathBuf>, StoreError> {
    let from_at = from.display().to_string();
    let copy = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| sqlite_error(&from_at, e))?;
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| sqlite_error(&from_at, e))?;
    if check != "ok" {
        return Err(failure(from, format!("not put back, SQLite's check of the copy says: {check}")));
    }
    drop(copy);
    if let Some(pid) = opened_by(journal) {
        return Err(failure(
            journal,
            format!("is open in another program (process {pid}: Flywheel's app, say); close it first: nothing was changed"),
        ));
    }
    let name = journal.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "journal".into());
    let aside = (0..100)
        .map(|n| if n == 0 { format!("{name}.replaced-{stamp}") } else { format!("{name}.replaced-{stamp}-{n}") })
        .map(|n| journal.with_file_name(n))
        .find(|p| !p.exists())
        .ok_or_else(|| failure(journal, "no free name to move the journal aside to"))?;
    let moved = journal.exists();
    // The write-ahead log first: left behind, it would be replayed into the copy put back.
    for suffix in ["-wal", "-shm", ""] {
        let (src, dst) = (with_suffix(journal, suffix), with_suffix(&aside, suffix));
        if src.exists() {
            std::fs::rename(&src, &dst).map_err(|e| failure(&src, format!("cannot move it aside to {}: {e}", dst.display())))?;
        }
    }
    // Put in as the journal it was when copied: in WAL mode already (so opening it does not write it) and
    // with the copy's time, so the next open does not take it for new writes and copy it over a newer copy.
    let made = std::fs::metadata(from).and_then(|m| m.modified()).map_err(|e| failure(from, e))?;
    crate::atomic::write_with(journal, |tmp| -> Result<(), String> {
        std::fs::copy(from, tmp).map_err(|e| e.to_string())?;
        let conn = Connection::open(tmp).map_err(|e| e.to_string())?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| e.to_string())?;
        conn.close().map_err(|(_, e)| e.to_string())?;
        std::fs::File::options().write(true).open(tmp).and_then(|f| f.set_modified(made)).map_err(|e| e.to_string())
    })
    .map_err(|e| failure(journal, e))?;
    Ok(moved.then_some(aside))
}

/// The process that has the SQLite file at `path` open, when another one does: in WAL mode every open
/// connection holds a read lock on the file's shared byte range (2³⁰ + 2, 510 bytes) until it closes. (Only
/// other processes' locks are seen; the check opens and closes the file, which would drop this process's own
/// locks on it, so it is never asked of a file this process has open.)
#[cfg(unix)]
#[allow(unsafe_code)]
fn opened_by(path: &Path) -> Option<i32> {
    use std::os::fd::AsRawFd;
    let f = std::fs::OpenOptions::new().read(true).write(true).open(path).ok()?;
    // SAFETY: `flock` is plain data (zeroed is a valid value); F_GETLK only fills it in, for an open fd.
    unsafe {
        let mut lock: libc::flock = std::mem::zeroed();
        lock.l_type = libc::F_WRLCK as libc::c_short;
        lock.l_whence = libc::SEEK_SET as libc::c_short;
        lock.l_start = 0x4000_0002;
        lock.l_len = 510;
        let held = libc::fcntl(f.as_raw_fd(), libc::F_GETLK, &mut lock) == 0 && lock.l_type != libc::F_UNLCK as libc::c_short;
        held.then_some(lock.l_pid)
    }
}

#[cfg(not(unix))]
fn opened_by(_path: &Path) -> Option<i32> {
    None
}

/// `path` with `suffix` added to its file name (`j.sqlite` → `j.sqlite-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::actions::Draft;
    use crate::journal::Journal;

    fn item(j: &mut Journal, title: &str) {
        j.add_action(&Draft { title: title.into(), week: "2026-11-09".into(), ..Default::default() }, 1_795_000_000).expect("add");
    }

    fn titles(j: &Journal) -> Vec<String> {
        j.actions(&Default::default()).expect("list").into_iter().map(|i| i.title).collect()
    }

    #[test]
    fn copied_when_written_since_one_copy_a_day_the_newest_seven_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("shop.sqlite");
        let mut j = Journal::open(&path).expect("open");
        let made = j.back_up("2026-11-01").expect("copy").expect("the first copy");
        assert_eq!(made, folder(&path).join("2026-11-01.sqlite"));
        assert_eq!(j.back_up("2026-11-01").expect("again"), None, "copied again with nothing written");
        assert_eq!(j.back_up("2026-11-02").expect("again"), None, "copied again on a new day with nothing written");
        item(&mut j, "check the alarm line");
        assert!(j.back_up("2026-11-01").expect("copy").is_some(), "a write since the copy");
        assert_eq!(list(&path).len(), 1, "the day's copy is replaced, not added to");
        assert_eq!(titles(&Journal::open(&made).expect("the copy")), ["check the alarm line"]);
        for d in 2..=9 {
            item(&mut j, &format!("item of day {d}"));
            assert!(j.back_up(&format!("2026-11-{d:02}")).expect("copy").is_some());
        }
        item(&mut j, "raise the retry budget");
        j.back_up("2026-11-09").expect("copy");
        std::fs::write(folder(&path).join("notes.txt"), "mine").expect("write");
        // A copy's temporary file left by a killed process goes once it is an hour old; a fresh one stays.
        let (stale, fresh) = (folder(&path).join(".2026-11-08.sqlite.1-2-3-0.tmp"), folder(&path).join(".2026-11-09.sqlite.4-5-6-0.tmp"));
        for t in [&stale, &fresh] {
            std::fs::write(t, "half a copy").expect("write");
        }
        let two_hours_ago = SystemTime::now() - std::time::Duration::from_secs(7200);
        std::fs::File::options().write(true).open(&stale).and_then(|f| f.set_modified(two_hours_ago)).expect("age it");
        item(&mut j, "one more");
        j.back_up("2026-11-09").expect("copy");
        assert!(!stale.exists() && fresh.exists(), "stale {}, fresh {}", stale.exists(), fresh.exists());
        std::fs::remove_file(&fresh).expect("remove");
        let days: Vec<String> = list(&path).into_iter().map(|b| b.day).collect();
        assert_eq!(days, (3..=9).rev().map(|d| format!("2026-11-{d:02}")).collect::<Vec<_>>());
        assert!(folder(&path).join("notes.txt").exists(), "a file that is not a copy was removed");
        let leftovers: Vec<_> = std::fs::read_dir(folder(&path))
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        // A copy is a journal of this schema with what was written before it.
        let copy = Journal::open(&folder(&path).join("2026-11-09.sqlite")).expect("open the copy");
        assert_eq!(copy.version().expect("version"), crate::journal::SCHEMA_VERSION);
        assert_eq!(titles(&copy).len(), 11);
        assert!(titles(&copy).contains(&"raise the retry budget".to_string()));
    }

    /// After an older copy is put back, opening the journal does not copy it over the newer copies (nothing
    /// was written since); the first write after it does.
    #[test]
    fn a_copy_put_back_is_not_copied_again_until_written() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("shop.sqlite");
        let mut j = Journal::open(&path).expect("open");
        item(&mut j, "first");
        j.back_up("2026-11-01").expect("copy");
        item(&mut j, "second");
        j.back_up("2026-11-02").expect("copy");
        drop(j);
        let older = list(&path).into_iter().find(|b| b.day == "2026-11-01").expect("the older copy");
        restore(&path, &older.path, "20261103T080000").expect("restore");
        let j = Journal::open(&path).expect("open");
        assert_eq!(titles(&j), ["first"]);
        assert_eq!(j.back_up("2026-11-03").expect("copy"), None, "the copy put back was copied again");
        drop(j);
        let mut j = Journal::open(&path).expect("reopen");
        assert_eq!(j.back_up("2026-11-03").expect("copy"), None, "reopening counted as a write");
        let newer = list(&path).into_iter().find(|b| b.day == "2026-11-02").expect("the newer copy");
        assert_eq!(titles(&Journal::open(&newer.path).expect("open")), ["first", "second"], "the newer copy was replaced");
        item(&mut j, "third");
        assert!(j.back_up("2026-11-03").expect("copy").is_some(), "a write after the restore is copied");
    }

    #[test]
    fn a_damaged_journal_is_not_copied_and_its_error_says_how_to_put_a_copy_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("shop.sqlite");
        let mut j = Journal::open(&path).expect("open");
        for n in 0..200 {
            item(&mut j, &format!("item {n} {}", "x".repeat(200)));
        }
        j.back_up("2026-11-01").expect("copy");
        let made = list(&path).remove(0).made;
        item(&mut j, "after the copy");
        drop(j);
        // Damage the pages after the first: the header still opens, the tables do not read.
        let mut bytes = std::fs::read(&path).expect("read");
        assert!(bytes.len() > 16_384, "{}", bytes.len());
        for b in &mut bytes[4096..] {
            *b = 0x5a;
        }
        std::fs::write(&path, &bytes).expect("write");
        let err = match Journal::open(&path) {
            Err(e) => e.to_string(),
            Ok(j) => match j.back_up("2026-11-02") {
                Err(e) => e.to_string(),
                Ok(made) => {
                    assert_eq!(made, None, "a damaged file was copied");
                    j.actions(&Default::default()).expect_err("reading a damaged file").to_string()
                }
            },
        };
        assert!(err.contains(&format!("`flywheel journal restore`, run with Flywheel closed, puts back its copy of {made}")), "{err}");
        assert_eq!(list(&path).len(), 1, "{:?}", list(&path));
    }

    #[test]
    fn restore_puts_a_copy_back_and_keeps_the_file_it_replaces() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("shop.sqlite");
        let open = dir.path().join("open.sqlite");
        let mut j = Journal::open(&open).expect("open");
        item(&mut j, "before the copy");
        j.back_up("2026-11-01").expect("copy");
        item(&mut j, "after the copy");
        // The files of a journal whose app was killed: the last write is still in its -wal, which the
        // restore must move aside too (left behind, it would be replayed into the copy put back).
        for suffix in ["", "-wal"] {
            std::fs::copy(with_suffix(&open, suffix), with_suffix(&path, suffix)).expect("copy");
        }
        drop(j);
        let copy = list(&open).remove(0);
        let aside = restore(&path, &copy.path, "20261102T090000").expect("restore").expect("moved aside");
        assert_eq!(aside, dir.path().join("shop.sqlite.replaced-20261102T090000"));
        assert!(!with_suffix(&path, "-wal").exists());
        assert!(with_suffix(&aside, "-wal").exists());
        assert_eq!(titles(&Journal::open(&path).expect("restored")), ["before the copy"]);
        assert_eq!(titles(&Journal::open(&aside).expect("aside")), ["before the copy", "after the copy"]);
        // A second restore the same second does not overwrite the first file moved aside.
        let again = restore(&path, &copy.path, "20261102T090000").expect("restore").expect("moved aside");
        assert_ne!(again, aside);
        assert!(aside.exists());
        // A copy that is not a journal is refused and nothing moves.
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(&junk, vec![0x5a; 8192]).expect("write");
        let before = std::fs::read(&path).expect("read");
        let err = restore(&path, &junk, "20261102T100000").expect_err("refused").to_string();
        assert!(err.contains("junk.sqlite"), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), before);
    }
}
