//! Flywheel's own folders — the data folder (journals, the recent list) and the cache folder (pulled
//! series) — and the key that names a workspace in them. One place, so the journal, the caches of every
//! server source and the recent list agree.

use std::path::{Path, PathBuf};

/// Flywheel's folder in the user's data folder (`~/.local/share/flywheel` on Linux), or
/// `$FLYWHEEL_DATA_DIR` when set (tests, portable installs). None without a home folder.
pub fn data_dir() -> Option<PathBuf> {
    match std::env::var_os("FLYWHEEL_DATA_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => directories::ProjectDirs::from("", "", "flywheel").map(|d| d.data_dir().to_path_buf()),
    }
}

/// A workspace's cache folder: `$FLYWHEEL_CACHE_DIR` if set, else the user's cache folder
/// (`~/.cache/flywheel` on Linux), then `workspaces/<workspace key>`; each server source keeps its own
/// subfolder in it. None without a home folder.
pub fn cache_dir(origin: &Path) -> Option<PathBuf> {
    let base = match std::env::var_os("FLYWHEEL_CACHE_DIR") {
        Some(d) => PathBuf::from(d),
        None => directories::ProjectDirs::from("", "", "flywheel")?.cache_dir().to_path_buf(),
    };
    Some(base.join("workspaces").join(workspace_key(origin)))
}

/// FNV-1a of `s`: stable across builds and platforms (std's hasher is not), for names of files.
pub fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

/// A workspace's name in Flywheel's own folders: `<folder name>-<hash of the canonical path>`, the same for
/// every tool that opens the same workspace.
pub fn workspace_key(origin: &Path) -> String {
    let canonical = std::fs::canonicalize(origin).unwrap_or_else(|_| origin.to_path_buf());
    let hash = stable_hash(&canonical.display().to_string());
    let stem: String = canonical
        .components()
        .rev()
        .find_map(|c| {
            let s = c.as_os_str().to_string_lossy();
            (s != "flywheel.toml" && !s.is_empty()).then(|| s.into_owned())
        })
        .unwrap_or_else(|| "workspace".into())
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    format!("{stem}-{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_has_one_key_however_it_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let ws = dir.path().join("My Shop");
        std::fs::create_dir(&ws).expect("mkdir");
        std::fs::write(ws.join("flywheel.toml"), "").expect("toml");
        // A workspace's origin is its flywheel.toml: however the path is spelled, one key, named by the folder.
        let key = workspace_key(&ws.join("flywheel.toml"));
        assert_eq!(key, workspace_key(&ws.join(".").join("flywheel.toml")));
        assert!(key.starts_with("My_Shop-") && key.len() == "My_Shop-".len() + 16, "{key}");
        let other = dir.path().join("other");
        std::fs::create_dir(&other).expect("mkdir");
        std::fs::write(other.join("flywheel.toml"), "").expect("toml");
        assert_ne!(workspace_key(&other.join("flywheel.toml")), key);
        assert_eq!(stable_hash("flywheel"), stable_hash("flywheel"));
        assert_ne!(stable_hash("a"), stable_hash("b"));
    }
}
