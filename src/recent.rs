//! The workspaces a user opened recently, newest first, for the app's Open view: a small JSON file
//! in Flywheel's data folder, replaced atomically so a crash never leaves half a list.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many workspaces the list keeps.
pub const KEEP: usize = 8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub name: String,
    /// Unix seconds.
    pub opened: i64,
}

/// The list in `file` (empty when missing or unreadable: it is a convenience, not user data).
pub fn load(file: &Path) -> Vec<Entry> {
    std::fs::read(file).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Put `path` at the top of the list in `file` (once), keep [`KEEP`], and save it.
pub fn add(file: &Path, path: &Path, name: &str, now: i64) -> std::io::Result<Vec<Entry>> {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string();
    let mut list = load(file);
    list.retain(|e| e.path != key);
    list.insert(0, Entry { path: key, name: name.to_string(), opened: now });
    list.truncate(KEEP);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::atomic::write(file, &serde_json::to_vec_pretty(&list).map_err(std::io::Error::other)?)?;
    Ok(list)
}

/// The list's file in Flywheel's data folder.
pub fn default_file() -> Option<PathBuf> {
    crate::paths::data_dir().map(|d| d.join("recent.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_once_each_and_bounded() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("sub").join("recent.json");
        assert!(load(&file).is_empty());
        let ws: Vec<PathBuf> = (0..KEEP + 2).map(|i| dir.path().join(format!("ws{i}"))).collect();
        for (i, w) in ws.iter().enumerate() {
            std::fs::create_dir_all(w).expect("mkdir");
            add(&file, w, &format!("w{i}"), i as i64).expect("add");
        }
        add(&file, &ws[3], "w3", 100).expect("again");
        let list = load(&file);
        assert_eq!(list.len(), KEEP);
        assert_eq!(list[0].name, "w3");
        assert_eq!(list.iter().filter(|e| e.name == "w3").count(), 1);
        assert_eq!(list[1].name, format!("w{}", KEEP + 1));
        std::fs::write(&file, "{not json").expect("write");
        assert!(load(&file).is_empty(), "a damaged list reads as empty");
    }
}
