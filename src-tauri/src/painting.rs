//! How WebKit paints the window. On a machine without a GPU (no DRM render node: a virtual machine, a remote
//! desktop, a CI runner) WebKitGTK's GPU path runs on Mesa's software OpenGL, which took 55–80 ms to draw a
//! frame of a 10,000-series overview that WebKit's own CPU painting (Skia) draws in 15–25 ms (docs/BENCHMARKS.md,
//! "painting without a GPU"). So there the app asks WebKit to paint with the CPU, unless the user chose.

use std::ffi::OsStr;
use std::path::Path;

/// The variable WebKitGTK (2.46 and later, which paints with Skia) reads to paint with the CPU.
pub const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Whether to ask WebKit to paint with the CPU: never when the user set [`CPU_PAINTING`] either way
/// (`chosen`); else when the machine has no GPU to render with (`render_node` false) or Mesa is told to
/// render in software anyway (`software_gl`).
pub fn cpu_painting(chosen: bool, render_node: bool, software_gl: bool) -> bool {
    !chosen && (!render_node || software_gl)
}

/// Whether `dri` (`/dev/dri`) holds a DRM render node (`renderD128`, …): a GPU that OpenGL can render with.
pub fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
}

/// Whether `LIBGL_ALWAYS_SOFTWARE` (its value, if set) tells Mesa to render in software: read as Mesa reads a
/// boolean (`1`, `true`, `yes`, `y`, in any case; anything else is no).
pub fn software_gl(value: Option<&OsStr>) -> bool {
    value.and_then(OsStr::to_str).is_some_and(|v| ["1", "true", "yes", "y"].iter().any(|t| v.trim().eq_ignore_ascii_case(t)))
}

/// Sets [`CPU_PAINTING`] for this process and the WebKit processes it starts when [`cpu_painting`] says so.
/// Called first thing in `main`: it changes the process's environment, which is sound only while no other
/// thread runs, and WebKit reads the variable once, when it starts.
pub fn choose() {
    let chosen = std::env::var_os(CPU_PAINTING).is_some();
    let software = software_gl(std::env::var_os("LIBGL_ALWAYS_SOFTWARE").as_deref());
    if cfg!(target_os = "linux") && cpu_painting(chosen, has_render_node(Path::new("/dev/dri")), software) {
        std::env::set_var(CPU_PAINTING, "1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_painting_only_without_a_gpu_and_never_against_the_users_choice() {
        // (user chose, render node, software GL) → CPU painting
        let cases = [
            ((false, false, false), true),
            ((false, false, true), true),
            ((false, true, true), true),
            ((false, true, false), false),
            ((true, false, false), false),
            ((true, false, true), false),
            ((true, true, false), false),
        ];
        for ((chosen, node, soft), want) in cases {
            assert_eq!(cpu_painting(chosen, node, soft), want, "chosen {chosen}, render node {node}, software GL {soft}");
        }
    }

    #[test]
    fn software_gl_reads_mesas_booleans() {
        for (v, want) in [("1", true), ("true", true), ("TRUE", true), ("yes", true), ("y", true), (" 1 ", true)] {
            assert_eq!(software_gl(Some(OsStr::new(v))), want, "{v:?}");
        }
        for v in ["0", "false", "no", "n", "", "2", "off"] {
            assert!(!software_gl(Some(OsStr::new(v))), "{v:?}");
        }
        assert!(!software_gl(None));
    }

    #[test]
    fn a_render_node_is_a_renderd_entry_of_the_dri_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(!has_render_node(&dir.path().join("missing")), "no /dev/dri at all");
        assert!(!has_render_node(dir.path()), "an empty /dev/dri");
        std::fs::write(dir.path().join("card0"), "").expect("card0");
        assert!(!has_render_node(dir.path()), "a display card alone renders nothing for OpenGL here");
        std::fs::write(dir.path().join("renderD128"), "").expect("renderD128");
        assert!(has_render_node(dir.path()));
    }
}
