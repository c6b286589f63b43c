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

/// Sets [`CPU_PAINTING`] for this process and the WebKit processes it starts when [`cpu_painting`] says so; then,
/// when that is for want of a GPU, keeps OpenGL out of this process ([`window_without_gl`]).
/// Called first thing in `main`: it changes the process's environment, which is sound only while no other
/// thread runs, and WebKit reads the variable once, when it starts.
pub fn choose() {
    let chosen = std::env::var_os(CPU_PAINTING).is_some();
    let software = software_gl(std::env::var_os("LIBGL_ALWAYS_SOFTWARE").as_deref());
    let render_node = has_render_node(Path::new("/dev/dri"));
    if cfg!(target_os = "linux") && cpu_painting(chosen, render_node, software) {
        std::env::set_var(CPU_PAINTING, "1");
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        if !render_node && x11_session(var("DISPLAY").is_some(), var("WAYLAND_DISPLAY").is_some(), var("GDK_BACKEND").as_deref()) {
            window_without_gl();
        }
    }
}

/// Whether GTK opens an X11 display: one is given (`display`) and no Wayland one (`wayland`) is, or the backends GTK
/// is told to try (`GDK_BACKEND`, `gdk_backend`) start with X11. (Keeping OpenGL out of the window is measured and
/// tested under X11 only.)
pub fn x11_session(display: bool, wayland: bool, gdk_backend: Option<&OsStr>) -> bool {
    let backend = gdk_backend.and_then(OsStr::to_str).map(str::trim);
    display
        && (backend.is_some_and(|b| b.starts_with("x11"))
            || (!wayland && backend.is_none_or(|b| b.split(',').any(|b| b == "x11" || b == "*"))))
}

/// The variables that make OpenGL's two first questions in this process come back empty: Mesa reads the first when
/// it first opens GLX on a display (indirect: the X server answers, no driver is loaded here), libglvnd the second
/// when it first lists its EGL vendors (a file that is not there: none).
const NO_GL_HERE: [(&str, &str); 2] =
    [("LIBGL_ALWAYS_INDIRECT", "1"), ("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent/flywheel-window-draws-without-egl.json")];

/// Without a GPU, the window's own process draws nothing with OpenGL (WebKit paints with the CPU, in its web
/// process), yet two probes would load Mesa's software OpenGL, and the ~45 MiB of LLVM it needs, into it: GTK asks
/// GLX for its version when it opens the display, and WebKit's side of the window opens an EGL display when its
/// web context is made. Each is answered once per process, from the environment. So GTK is started and EGL's vendors
/// listed here, with the environment saying "indirect GLX" and "no EGL vendor" ([`NO_GL_HERE`]), and then the
/// environment is put back as it was: the web process WebKit starts later inherits it and needs its EGL.
/// (The GTK started here is the one the window's event loop starts again: a second start is a no-op.)
/// Where a library is not found, its probe is left to load OpenGL as before.
#[allow(unsafe_code)]
fn window_without_gl() {
    let saved: Vec<(&str, Option<std::ffi::OsString>)> = NO_GL_HERE.iter().map(|(k, _)| (*k, std::env::var_os(k))).collect();
    for (k, v) in NO_GL_HERE {
        std::env::set_var(k, v);
    }
    // SAFETY: dlopen and dlsym are given NUL-terminated names; each symbol is called with the C signature its
    // library declares (`const char *eglQueryString(EGLDisplay, EGLint)`, `gboolean gtk_init_check(int *, char ***)`),
    // with EGL_NO_DISPLAY (null) and EGL_EXTENSIONS (0x3055), and with a one-element argv (the program's name) that
    // outlives the call and that GTK may reorder but does not free. No other thread runs yet.
    unsafe {
        let open = |lib: &std::ffi::CStr, name: &std::ffi::CStr| {
            let handle = libc::dlopen(lib.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL);
            if handle.is_null() {
                std::ptr::null_mut()
            } else {
                libc::dlsym(handle, name.as_ptr())
            }
        };
        let egl_query_string = open(c"libEGL.so.1", c"eglQueryString");
        if !egl_query_string.is_null() {
            let query: extern "C" fn(*mut libc::c_void, i32) -> *const libc::c_char = std::mem::transmute(egl_query_string);
            query(std::ptr::null_mut(), 0x3055);
        }
        let gtk_init_check = open(c"libgtk-3.so.0", c"gtk_init_check");
        if !gtk_init_check.is_null() {
            let init: extern "C" fn(*mut libc::c_int, *mut *mut *mut libc::c_char) -> libc::c_int = std::mem::transmute(gtk_init_check);
            let name = std::env::args_os().next().and_then(|a| std::ffi::CString::new(a.into_encoded_bytes()).ok());
            let name = name.unwrap_or_else(|| c"flywheel-app".to_owned());
            let mut argv = [name.as_ptr().cast_mut(), std::ptr::null_mut()];
            let mut argc: libc::c_int = 1;
            let mut argv_ptr = argv.as_mut_ptr();
            init(&mut argc, &mut argv_ptr);
        }
    }
    for (k, v) in saved {
        match v {
            Some(v) => std::env::set_var(k, v),
            None => std::env::remove_var(k),
        }
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
    fn gl_is_kept_out_of_the_window_only_when_gtk_opens_x11() {
        // (DISPLAY, WAYLAND_DISPLAY, GDK_BACKEND) → GTK opens X11
        let cases = [
            ((true, false, None), true),
            ((true, true, None), false),
            ((false, true, None), false),
            ((false, false, None), false),
            ((true, true, Some("x11")), true),
            ((true, true, Some("x11,wayland")), true),
            ((true, true, Some("wayland,x11")), false),
            ((true, false, Some("wayland,x11")), true),
            ((true, false, Some("wayland")), false),
            ((true, false, Some("*")), true),
            ((false, false, Some("x11")), false),
        ];
        for ((display, wayland, backend), want) in cases {
            assert_eq!(
                x11_session(display, wayland, backend.map(OsStr::new)),
                want,
                "DISPLAY {display}, WAYLAND_DISPLAY {wayland}, GDK_BACKEND {backend:?}"
            );
        }
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
