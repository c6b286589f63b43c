//! Importers: read what teams already keep elsewhere (Grafana and CloudWatch dashboards) and write a
//! workspace — a `flywheel.toml` and a list of what could not be imported. They only write a workspace:
//! the review reads it like any other.

pub mod cloudwatch;
pub mod grafana;
#[cfg(test)]
mod mutate;

use std::path::{Path, PathBuf};

use crate::config::WORKSPACE_FILE;

/// The team of a dashboard with no name (and no team given).
pub(crate) const UNTITLED: &str = "Untitled dashboard";

/// Every imported workspace's first line starts with this: an import replaces only such a file.
pub const IMPORTED_PREFIX: &str = "# Imported from ";

/// What an import left out, one line each: "- dashboard · panel or widget: why".
pub(crate) fn not_imported<'a>(items: impl Iterator<Item = (&'a str, &'a str, &'a str)>) -> Vec<String> {
    items.map(|(dashboard, what, reason)| format!("- {dashboard} · {what}: {reason}")).collect()
}

/// Why a dashboard file was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(String),
    TooLarge(u64),
}

/// A dashboard file's bytes: a regular file (a device or FIFO would read forever) of at most `max` bytes.
pub(crate) fn read_file(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(ReadError::Io("not a regular file".into()));
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge(meta.len()));
    }
    std::fs::read(path).map_err(|e| ReadError::Io(e.to_string()))
}

/// Why an imported workspace was not saved.
#[derive(Debug)]
pub(crate) enum SaveError {
    WouldOverwrite(String),
    Io(String, String),
}

/// Save an import's text as `DIR/flywheel.toml` (atomically). An existing file is replaced only when an
/// import wrote it, or with `force`.
pub(crate) fn save(dir: &Path, text: &str, force: bool) -> Result<PathBuf, SaveError> {
    let path = dir.join(WORKSPACE_FILE);
    if path.exists() && !force {
        let first = std::fs::read_to_string(&path).ok().and_then(|t| t.lines().next().map(str::to_string));
        if !first.is_some_and(|f| f.starts_with(IMPORTED_PREFIX)) {
            return Err(SaveError::WouldOverwrite(path.display().to_string()));
        }
    }
    let io = |e: std::io::Error| SaveError::Io(path.display().to_string(), e.to_string());
    std::fs::create_dir_all(dir).map_err(io)?;
    crate::atomic::write(&path, text.as_bytes()).map_err(|e| SaveError::Io(path.display().to_string(), e.to_string()))?;
    Ok(path)
}
