//! Where the review's temporary file goes: a folder on disk. Fedora, Arch and Debian 13 keep `/tmp` in memory
//! (tmpfs), where the arrays the memory budget moved out of the process would still take the machine's memory
//! (or its swap) — for 50,000 series, gigabytes the budget was meant to keep free.

use std::path::{Path, PathBuf};

/// File system types whose files live in memory.
const IN_MEMORY: [&str; 2] = ["tmpfs", "ramfs"];

/// The folder for the review's temporary file: `TMPDIR` when it is set (the user's choice); otherwise the
/// system's temporary folder unless that is held in memory, when `/var/tmp` (on disk by convention) is used if
/// it is there and on disk.
pub fn folder() -> PathBuf {
    let tmp = std::env::temp_dir();
    if std::env::var_os("TMPDIR").is_some() {
        return tmp;
    }
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let var_tmp = Path::new("/var/tmp");
    choose(&tmp, var_tmp.is_dir().then_some(var_tmp), |p| fs_type(&mounts, &p.canonicalize().unwrap_or_else(|_| p.to_path_buf())))
}

/// [`folder`]'s choice between the temporary folder `tmp` and the on-disk one (when there is one), given each
/// path's file system type.
fn choose(tmp: &Path, on_disk: Option<&Path>, fs_type: impl Fn(&Path) -> Option<String>) -> PathBuf {
    let in_memory = |p: &Path| fs_type(p).is_some_and(|t| IN_MEMORY.contains(&t.as_str()));
    match on_disk {
        Some(d) if in_memory(tmp) && !in_memory(d) => d.to_path_buf(),
        _ => tmp.to_path_buf(),
    }
}

/// The file system type of the mount holding `path` (absolute, symbolic links resolved), from the text of
/// `/proc/self/mountinfo`: the mount point that is the longest whole-component prefix of the path, the later
/// of equals (a mount over another). None when no line says.
fn fs_type(mountinfo: &str, path: &Path) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for line in mountinfo.lines() {
        // `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`: the mount point is the
        // fifth field, the type the first after the ` - ` separator.
        let Some((left, right)) = line.split_once(" - ") else { continue };
        let (Some(point), Some(kind)) = (left.split(' ').nth(4), right.split(' ').next()) else { continue };
        let point = unescape(point);
        if path.starts_with(&point) {
            let depth = Path::new(&point).components().count();
            if best.is_none_or(|(d, _)| depth >= d) {
                best = Some((depth, kind));
            }
        }
    }
    best.map(|(_, kind)| kind.to_string())
}

/// A mount point as the kernel writes it: space, tab, newline and backslash as octal escapes (`\040`).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b.get(i + 1..i + 4).filter(|d| b[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal.and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok()) {
            Some(c) => {
                out.push(c);
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
23 22 0:21 / /proc rw,nosuid shared:2 - proc proc rw
24 22 0:22 / /tmp rw,nosuid,nodev shared:3 - tmpfs tmpfs rw,size=8G
25 22 0:23 / /tmp/big\\040disk rw shared:4 - xfs /dev/vdb rw
26 22 0:24 / /mnt/ram rw shared:5 - ramfs ramfs rw
27 26 0:25 / /mnt/ram rw shared:6 - ext4 /dev/vdc rw
not a mountinfo line
28 22 0:26 / /tmpfoo rw shared:7 - btrfs /dev/vdd rw";

    #[test]
    fn the_mount_holding_a_path_is_its_longest_mount_point() {
        let cases = [
            ("/tmp", Some("tmpfs")),
            ("/tmp/flywheel", Some("tmpfs")),
            ("/tmp/big disk/x", Some("xfs")),
            // A whole-component prefix only: /tmpfoo is not under /tmp.
            ("/tmpfoo/x", Some("btrfs")),
            ("/var/tmp", Some("ext4")),
            // Mounted over: the later line is what is there.
            ("/mnt/ram/x", Some("ext4")),
        ];
        for (path, kind) in cases {
            assert_eq!(fs_type(MOUNTS, Path::new(path)).as_deref(), kind, "{path}");
        }
        assert_eq!(fs_type("", Path::new("/tmp")), None);
    }

    #[test]
    fn a_temporary_folder_in_memory_gives_way_to_one_on_disk() {
        let kinds = |p: &Path| fs_type(MOUNTS, p);
        let (tmp, var_tmp) = (Path::new("/tmp"), Path::new("/var/tmp"));
        assert_eq!(choose(tmp, Some(var_tmp), kinds), var_tmp);
        // No on-disk folder, or one in memory too: the temporary folder stays.
        assert_eq!(choose(tmp, None, kinds), tmp);
        assert_eq!(choose(tmp, Some(Path::new("/mnt/ram/../ram")), |_| Some("tmpfs".into())), tmp);
        // A temporary folder on disk, or one whose type is unknown, stays.
        assert_eq!(choose(Path::new("/tmp/big disk"), Some(var_tmp), kinds), Path::new("/tmp/big disk"));
        assert_eq!(choose(tmp, Some(var_tmp), |_| None), tmp);
    }

    #[test]
    fn mount_points_are_unescaped() {
        for (raw, want) in [("/a\\040b", "/a b"), ("/a\\134b", "/a\\b"), ("/a\\04", "/a\\04"), ("/plain", "/plain"), ("/é\\011", "/é\t")]
        {
            assert_eq!(unescape(raw), want, "{raw}");
        }
    }
}
