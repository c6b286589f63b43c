//! Files written whole or not at all: a report, a cache entry or a list is never seen half written, even
//! if the process dies mid-write, and a set of reports is written only when every one of them could be.
//!
//! Each file goes to a temporary file of its own in the target folder (a unique name, created exclusively
//! so it never follows a planted symlink), is flushed to disk, then renamed over the target; a temporary
//! file is removed when anything fails. A target that is a device, a pipe or a socket (`/dev/null`,
//! `/dev/stdout`, a named pipe) is written in place, never replaced by a file (that would break it for every
//! other program, and as root it could); such targets are written after the files are in place.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A temporary file beside `path`, written and synced, not yet renamed.
struct Staged {
    tmp: PathBuf,
    target: PathBuf,
}

impl Staged {
    fn discard(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// A new, empty temporary file of our own beside `path` (created exclusively).
fn create_temp(path: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    for attempt in 0..16 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}-{nanos}-{n}-{attempt}.tmp", std::process::id()));
        // create_new: O_CREAT | O_EXCL, which never follows a symlink at the path.
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, format!("no free temporary name in {}", dir.display())))
}

fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<Staged> {
    let (tmp, mut f) = create_temp(path)?;
    let written = f.write_all(bytes).and_then(|_| f.sync_all());
    drop(f);
    match written {
        Ok(()) => Ok(Staged { tmp, target: path.to_path_buf() }),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Why [`write_with`] wrote nothing: the file system refused, or the writer that fills the file failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError<E> {
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// The writer's own error, as it gave it.
    #[error("{0}")]
    Fill(E),
}

/// Whether `path` (followed through symlinks) is there and is neither a file nor a folder: a device, a pipe
/// or a socket, which is written in place.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Write `bytes` into a device or pipe at `path` as it is (no temporary file, no rename).
fn write_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::OpenOptions::new().write(true).open(path)?.write_all(bytes)
}

/// Write one file atomically that another writer fills by path (a Parquet writer, say): `fill` gets the
/// temporary file's path and writes it whole; the file is then synced and renamed over `path`. When
/// `fill` fails, nothing changes and the temporary file is removed. A device or pipe is filled in place.
pub fn write_with<E>(path: &Path, fill: impl FnOnce(&Path) -> Result<(), E>) -> Result<(), WriteError<E>> {
    if is_special(path) {
        return fill(path).map_err(WriteError::Fill);
    }
    let io = |source| WriteError::Io { path: path.to_path_buf(), source };
    let (tmp, f) = create_temp(path).map_err(io)?;
    drop(f);
    let filled = fill(&tmp).map_err(WriteError::Fill).and_then(|_| std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(io));
    if let Err(e) = filled {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    commit(vec![Staged { tmp, target: path.to_path_buf() }]).map_err(|(path, source)| WriteError::Io { path, source })
}

/// Write one file atomically.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_all(&[(path, bytes)]).map_err(|(_, e)| e)
}

/// Write every file, or none: all are staged first; only when every one is on disk are they renamed into
/// place. On failure, the path that failed and why.
pub fn write_all(files: &[(&Path, &[u8])]) -> Result<(), (PathBuf, std::io::Error)> {
    let (special, files): (Vec<_>, Vec<_>) = files.iter().partition(|(path, _)| is_special(path));
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        match stage(path, bytes) {
            Ok(s) => staged.push(s),
            Err(e) => {
                staged.into_iter().for_each(Staged::discard);
                return Err((path.to_path_buf(), e));
            }
        }
    }
    commit(staged)?;
    for (path, bytes) in special {
        write_in_place(path, bytes).map_err(|e| (path.to_path_buf(), e))?;
    }
    Ok(())
}

/// Rename every staged file into place (and sync its folder); on failure, discard the rest.
fn commit(staged: Vec<Staged>) -> Result<(), (PathBuf, std::io::Error)> {
    let mut staged = staged.into_iter();
    while let Some(s) = staged.next() {
        if let Err(e) = std::fs::rename(&s.tmp, &s.target) {
            let target = s.target.clone();
            s.discard();
            staged.for_each(Staged::discard);
            return Err((target, e));
        }
        if let Some(dir) = s.target.parent().filter(|p| !p.as_os_str().is_empty()) {
            // The rename itself is on disk once the folder is synced (best effort: not every file system allows it).
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|r| r.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".tmp")).collect())
            .unwrap_or_default()
    }

    /// A named pipe stands for `/dev/null` or `/dev/stdout` (testing on those would break the machine when
    /// run as root if the fix regressed): it receives the bytes and stays a pipe, beside a file of the same
    /// set written atomically.
    #[test]
    fn a_pipe_or_device_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("tmp");
        let pipe = dir.path().join("out.pipe");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status().expect("mkfifo runs");
        assert!(made.success(), "mkfifo");
        let file = dir.path().join("report.md");
        for round in 0..2 {
            let reader = {
                let pipe = pipe.clone();
                std::thread::spawn(move || std::fs::read(&pipe).expect("read the pipe"))
            };
            let text = format!("round {round}");
            if round == 0 {
                write_all(&[(pipe.as_path(), text.as_bytes()), (file.as_path(), b"report")]).expect("write");
            } else {
                write_with(&pipe, |p| std::fs::write(p, text.as_bytes())).expect("fill");
            }
            // Checked before waiting on the reader: a replaced pipe would leave it waiting for ever.
            assert!(std::fs::metadata(&pipe).expect("pipe").file_type().is_fifo(), "round {round}: still a pipe");
            assert_eq!(reader.join().expect("reader"), text.as_bytes());
        }
        assert_eq!(std::fs::read(&file).expect("file"), b"report");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_file_filled_by_path_replaces_the_target_only_when_complete() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("cache.parquet");
        std::fs::write(&target, b"old").expect("old");
        let err = write_with(&target, |tmp| {
            std::fs::write(tmp, b"half").map_err(|e| e.to_string())?;
            Err("the writer failed".to_string())
        });
        assert!(matches!(&err, Err(WriteError::Fill(m)) if m == "the writer failed"), "{err:?}");
        assert_eq!(std::fs::read(&target).expect("target"), b"old", "a failed fill must leave the old file");
        assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
        write_with(&target, |tmp| std::fs::write(tmp, b"new").map_err(|e| e.to_string())).expect("write");
        assert_eq!(std::fs::read(&target).expect("target"), b"new");
        assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
    }

    #[test]
    fn a_set_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tmp");
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.html"));
        write_all(&[(&a, b"one"), (&b, b"two")]).expect("both");
        assert_eq!(std::fs::read(&a).expect("a"), b"one");
        assert_eq!(std::fs::read(&b).expect("b"), b"two");
        // The second target's folder does not exist: neither file changes, nothing is left behind.
        let missing = dir.path().join("no-such-folder").join("c.md");
        let err = write_all(&[(&a, b"new"), (&missing, b"x")]).expect_err("a missing folder");
        assert_eq!(err.0, missing);
        assert_eq!(std::fs::read(&a).expect("a"), b"one", "the first file was replaced although the set failed");
        assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
    }

    #[test]
    fn a_planted_symlink_at_a_temporary_name_is_never_followed() {
        let dir = tempfile::tempdir().expect("tmp");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").expect("victim");
        // Old code wrote to `.report.html.tmp`: a symlink there pointed the write elsewhere.
        std::os::unix::fs::symlink(&victim, dir.path().join(".report.html.tmp")).expect("symlink");
        let target = dir.path().join("report.html");
        write(&target, b"report").expect("write");
        assert_eq!(std::fs::read(&victim).expect("victim"), b"keep");
        assert_eq!(std::fs::read(&target).expect("target"), b"report");
    }
}
