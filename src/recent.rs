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
    /// The zone a data file's or a folder of exports' times were read in (a workspace sets its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

/// The list in `file` (empty when missing or unreadable: it is a convenience, not user data).
pub fn load(file: &Path) -> Vec<Entry> {
    std::fs::read(file).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

fn key(path: &Path) -> String {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

/// Put `path` at the top of the list in `file` (once), with the zone its data was read in (`zone`, for a
/// data file or a folder of exports), keep [`KEEP`], and save it.
pub fn add(file: &Path, path: &Path, name: &str, zone: Option<&str>, now: i64) -> std::io::Result<Vec<Entry>> {
    let key = key(path);
    let mut list = load(file);
    list.retain(|e| e.path != key);
    list.insert(0, Entry { path: key, name: name.to_string(), opened: now, zone: zone.map(str::to_string) });
    list.truncate(KEEP);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::atomic::write(file, &serde_json::to_vec_pretty(&list).map_err(std::io::Error::other)?)?;
    Ok(list)
}

/// The zone `path` was last read in, if the list in `file` holds it with one: a data file or a folder of
/// exports opens again in the zone the user chose for it.
pub fn zone_of(file: &Path, path: &Path) -> Option<String> {
    let key = key(path);
    load(file).into_iter().find(|e| e.path == key).and_then(|e| e.zone)
}

/// [`zone_of`] in the user's own list ([`default_file`]): what the app and the terminal both ask.
pub fn remembered_zone(path: &Path) -> Option<String> {
    default_file().and_then(|f| zone_of(&f, path))
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
            add(&file, w, &format!("w{i}"), None, i as i64).expect("add");
        }
        add(&file, &ws[3], "w3", None, 100).expect("again");
        let list = load(&file);
        assert_eq!(list.len(), KEEP);
        assert_eq!(list[0].name, "w3");
        assert_eq!(list.iter().filter(|e| e.name == "w3").count(), 1);
        assert_eq!(list[1].name, format!("w{}", KEEP + 1));
        assert_eq!(zone_of(&file, &ws[3]), None);
        std::fs::write(&file, "{not json").expect("write");
        assert!(load(&file).is_empty(), "a damaged list reads as empty");
    }

    #[test]
    fn a_folder_of_exports_keeps_its_zone() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("recent.json");
        let exports = dir.path().join("exports");
        std::fs::create_dir_all(&exports).expect("mkdir");
        add(&file, &exports, "exports", Some("Europe/Berlin"), 1).expect("add");
        // Known by the same key however the path was written.
        assert_eq!(zone_of(&file, &exports.join(".")).as_deref(), Some("Europe/Berlin"));
        add(&file, &exports, "exports", Some("UTC"), 2).expect("again");
        assert_eq!(zone_of(&file, &exports).as_deref(), Some("UTC"));
        // A list written before zones were kept still reads.
        std::fs::write(&file, r#"[{"path":"/x","name":"x","opened":3}]"#).expect("write");
        assert_eq!(load(&file).len(), 1);
        assert_eq!(zone_of(&file, Path::new("/x")), None);
    }
}
