//! What the window tests share: tauri-driver under Xvfb in front of the app (through the resend proxy in
//! `resend.rs`), and helpers that wait for, click, type into and read the page.
#![allow(dead_code)] // each test crate uses the helpers it needs

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::InputSource;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::resend;

pub type R<T> = Result<T, Box<dyn std::error::Error>>;

pub const WAIT: Duration = Duration::from_secs(30);

pub fn repo() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::canonicalize(&p).unwrap_or(p)
}

pub fn shots() -> PathBuf {
    let d = repo().join("target").join("e2e");
    std::fs::create_dir_all(&d).expect("screenshot folder");
    d
}

/// The app under test: this build's, or `$FLYWHEEL_APP` (to measure a release build:
/// `FLYWHEEL_APP=target/release/flywheel-app cargo test -p flywheel-app --test e2e -- --nocapture`).
pub fn app_binary() -> String {
    std::env::var("FLYWHEEL_APP")
        .ok()
        .and_then(|p| std::fs::canonicalize(repo().join(p)).ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_flywheel-app").to_string())
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// `xvfb-run -a tauri-driver` in its own process group, killed (with Xvfb and the app) on drop.
pub struct Driver {
    child: Child,
    pub port: u16,
    /// The app's data folder (`FLYWHEEL_DATA_DIR`): journals, imports, minutes.
    pub data: tempfile::TempDir,
}

impl Driver {
    pub fn start() -> Driver {
        Driver::start_with(&[])
    }

    /// A driver whose apps get extra environment variables (e.g. a dark GTK theme).
    pub fn start_with(env: &[(&str, &str)]) -> Driver {
        for tool in ["xvfb-run", "tauri-driver", "WebKitWebDriver"] {
            let found = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).stdout(Stdio::null()).status().map(|s| s.success());
            assert!(found.unwrap_or(false), "`{tool}` is not installed: run scripts/test, which installs the end-to-end tools");
        }
        let port = free_port();
        let native = free_port();
        let data = tempfile::tempdir().expect("data dir");
        use std::os::unix::process::CommandExt;
        let child = Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1920x1080x24", "tauri-driver", "--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("FLYWHEEL_DATA_DIR", data.path())
            .env("NO_AT_BRIDGE", "1")
            // No app under test can reach AWS or read a real key: dummy credentials, no shared files, no
            // instance metadata, and every AWS endpoint on a closed loopback port.
            .env("AWS_ACCESS_KEY_ID", "AKIDFLYWHEELE2E")
            .env("AWS_SECRET_ACCESS_KEY", "flywheel-e2e-secret")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent/flywheel-e2e/config")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/flywheel-e2e/credentials")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env_remove("AWS_PROFILE")
            // Nor a shared journal, a Grafana or a Jira the developer's shell points at: the app's journal is the
            // test's own (a test that wants a server passes it in `env`).
            .env_remove("FLYWHEEL_JOURNAL_URL")
            .env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE")
            .env_remove("GRAFANA_TOKEN")
            .env_remove("JIRA_TOKEN")
            .env("FLYWHEEL_CACHE_DIR", data.path().join("cache"))
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start xvfb-run tauri-driver");
        let t = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(t.elapsed() < WAIT, "tauri-driver did not listen on 127.0.0.1:{port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        // The test talks to tauri-driver through a proxy that sends a request again when tauri-driver's
        // pooled connection to WebKitWebDriver was reset under it (the request never reached the app).
        Driver { child, port: resend::start(port), data }
    }

    pub async fn app(&self, args: &[&str]) -> R<Client> {
        self.app_at(&app_binary(), args).await
    }

    /// A session with the app executable at `binary` (an installed one, say).
    pub async fn app_at(&self, binary: &str, args: &[&str]) -> R<Client> {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": binary, "args": args }));
        // tauri-driver listens before the WebKitWebDriver behind it does: retry the first requests.
        let t = Instant::now();
        loop {
            let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await;
            match c {
                Ok(c) => return Ok(c),
                Err(e) if t.elapsed() < WAIT => {
                    eprintln!("new session not ready yet ({e}); retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The app opened on the sample workspace at 1280×800, once its ranked overview is on screen.
    pub async fn sample(&self) -> R<Client> {
        let sample = repo().join("data");
        let c = self.app(&[sample.to_str().ok_or("path")?]).await?;
        c.set_window_size(1280, 800).await?;
        wait_css(&c, "[data-testid=finding]").await?;
        // The previous action items arrive after the findings and push them down: a click aimed at a
        // finding before they are in would land on whatever moved under the pointer.
        wait_css(&c, "#previous-actions[data-loaded]").await?;
        Ok(c)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("--").arg(format!("-{}", self.child.id())).status();
        let _ = self.child.wait();
    }
}

pub async fn wait_css(c: &Client, css: &str) -> R<Element> {
    match c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => Ok(e),
        Err(e) => Err(format!("waiting for `{css}`: {e}; {}", dump(c).await).into()),
    }
}

/// What the window shows (text and a screenshot `target/e2e/failure.png`), for a failure message.
pub async fn dump(c: &Client) -> String {
    let _ = shot(c, "failure").await;
    let text = c.execute("return document.body.innerText", vec![]).await.map(|v| v.to_string()).unwrap_or_default();
    format!("the window shows: {}", text.chars().take(1500).collect::<String>())
}

pub async fn js(c: &Client, script: &str) -> R<Value> {
    Ok(c.execute(script, vec![]).await?)
}

/// Poll a script until it returns something truthy.
pub async fn until(c: &Client, what: &str, script: &str) -> R<Value> {
    let t = Instant::now();
    loop {
        let v = js(c, script).await?;
        if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
            return Ok(v);
        }
        if t.elapsed() > WAIT {
            return Err(format!("timed out waiting for {what}; {}", dump(c).await).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Saves what the window shows as `target/e2e/{name}.png`. WebKit answers WebDriver's screenshot with the next frame
/// the page presents; when the window's process draws without OpenGL (no GPU: `src-tauri/src/painting.rs`) a page
/// at rest presents none, so a pixel nobody sees changes every frame for a second to bring one.
pub async fn shot(c: &Client, name: &str) -> R<()> {
    c.execute(
        "const d = document.createElement('div'); \
         d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;opacity:0.01;pointer-events:none'; \
         document.body.append(d); const t0 = performance.now(); \
         const tick = () => { d.style.left = d.style.left === '0px' ? '1px' : '0px'; \
           if (performance.now() - t0 < 1000) requestAnimationFrame(tick); else d.remove(); }; \
         requestAnimationFrame(tick); return true",
        vec![],
    )
    .await?;
    let png = c.screenshot().await?;
    std::fs::write(shots().join(format!("{name}.png")), png)?;
    Ok(())
}

/// The text of every element `css` finds, read in one script: no element handle is kept between finding and
/// reading, so a page that draws itself again meanwhile (the overview redrawn when the journal answers, a
/// dialog filled in) cannot leave the test holding a node that is gone.
pub async fn texts(c: &Client, css: &str) -> R<Vec<String>> {
    let v = c.execute("return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim())", vec![json!(css)]).await?;
    Ok(serde_json::from_value(v)?)
}

/// The text of the first element `css` finds, once there is one (read as [`texts`] reads, waited for by [`until`]).
pub async fn text_of(c: &Client, css: &str) -> R<String> {
    let script = format!("const e = document.querySelector({}); return e && [e.innerText.trim()]", json!(css));
    let found = until(c, &format!("`{css}`"), &script).await?;
    Ok(found[0].as_str().unwrap_or_default().to_string())
}

/// The text labels of an SVG (plotters writes `<text …>\nlabel\n</text>`).
pub fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text").skip(1).filter_map(|t| Some(t[t.find('>')? + 1..t.find("</text>")?].trim().to_string())).collect()
}

/// The team of the wheel sector under the pointer's tip, hit-tested by the browser on the rotated wheel
/// (the modal dialog is closed for the test and reopened).
pub async fn under_pointer(c: &Client) -> R<Value> {
    js(
        c,
        "const p = document.querySelector('[data-testid=pointer]').getBoundingClientRect(); \
         const dlg = document.getElementById('winner'); dlg.close(); \
         const el = document.elementFromPoint(p.left + p.width / 2, p.bottom + 8); dlg.showModal(); \
         return el && el.dataset.team",
    )
    .await
}

/// Resident memory of the app process and of its WebKit helper processes, in MiB.
pub struct Memory {
    pub app: f64,
    /// The app's anonymous pages (its heap: what the review and the app hold), the rest of `app` being shared
    /// libraries and files mapped.
    pub app_anon: f64,
    pub webkit: f64,
}

/// The app's and its WebKit processes' resident memory now.
pub fn app_memory_mib() -> Memory {
    let (mut app, mut anon, mut webkit) = (0u64, 0u64, 0u64);
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        // By the process's own name, not its command line: `cargo test -p flywheel-app` names the app too.
        let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) else { continue };
        let is_app = comm.trim_end() == "flywheel-app";
        if !(is_app || comm.starts_with("WebKitWebProces") || comm.starts_with("WebKitNetworkP")) {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        let kib = |key: &str| -> u64 {
            status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0)
        };
        if is_app {
            app += kib("VmRSS:");
            anon += kib("RssAnon:");
        } else {
            webkit += kib("VmRSS:");
        }
    }
    let mib = |k: u64| k as f64 / 1024.0;
    Memory { app: mib(app), app_anon: mib(anon), webkit: mib(webkit) }
}

/// Moves the sensitivity slider to `to` and times, in the page's clock, until the findings count on screen
/// changes (the re-flag asked, answered and drawn): the milliseconds and the new count. An error when the count
/// has not changed after `limit_ms`.
pub async fn slider_step(c: &Client, to: &str, limit_ms: u64) -> R<(f64, u64)> {
    let got = c
        .execute_async(
            &format!(
                "const answer = arguments[arguments.length - 1]; \
                 const count = () => Number(document.querySelector('[data-testid=finding-count]').textContent); \
                 const was = count(); const t0 = performance.now(); \
                 const s = document.getElementById('sens'); s.value = '{to}'; s.dispatchEvent(new Event('input')); \
                 const check = () => count() !== was ? answer([performance.now() - t0, count()]) \
                   : performance.now() - t0 > {limit_ms} ? answer(null) : requestAnimationFrame(check); \
                 requestAnimationFrame(check);"
            ),
            vec![],
        )
        .await?;
    match (got[0].as_f64(), got[1].as_u64()) {
        (Some(ms), Some(n)) => Ok((ms, n)),
        _ => Err(format!("the slider's move to {to} did not change the count in {limit_ms} ms: {got}").into()),
    }
}

/// Whether this machine has a GPU OpenGL can render with (a DRM render node in `/dev/dri`).
pub fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
}

/// Whether a running app process (`flywheel-app`) has a file whose path holds `part` mapped into its memory.
pub fn app_maps(part: &str) -> bool {
    std::fs::read_dir("/proc").into_iter().flatten().flatten().any(|entry| {
        std::fs::read_to_string(entry.path().join("comm")).is_ok_and(|c| c.trim_end() == "flywheel-app")
            && std::fs::read_to_string(entry.path().join("maps")).is_ok_and(|m| m.lines().any(|l| l.contains(part)))
    })
}

/// The value of `name` in the environment each running WebKit web process was started with (what the app
/// set for WebKit before it started it).
pub fn webkit_env(name: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) else { continue };
        if !comm.starts_with("WebKitWebProces") {
            continue;
        }
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
        let prefix = format!("{name}=");
        out.push(
            environ.split(|&b| b == 0).find_map(|kv| kv.strip_prefix(prefix.as_bytes())).map(|v| String::from_utf8_lossy(v).into_owned()),
        );
    }
    out
}

/// Click `css` once it is there. A page that re-renders between finding the element and clicking it
/// (or a click sent twice by the resend proxy) leaves a stale reference: find it again and click, unless
/// it is gone — then the first click took.
pub async fn click(c: &Client, css: &str) -> R<()> {
    for _ in 0..5 {
        match wait_css(c, css).await?.click().await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_stale_element_reference() => {
                if c.find_all(Locator::Css(css)).await?.is_empty() {
                    return Ok(());
                }
            }
            Err(e) => return Err(format!("clicking `{css}`: {e}").into()),
        }
    }
    Err(format!("`{css}` went stale five times in a row; {}", dump(c).await).into())
}

/// Type into `css` once it is there, finding it again if the page re-rendered it meanwhile.
pub async fn type_into(c: &Client, css: &str, text: &str) -> R<()> {
    for _ in 0..5 {
        match wait_css(c, css).await?.send_keys(text).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_stale_element_reference() => continue,
            Err(e) => return Err(format!("typing into `{css}`: {e}").into()),
        }
    }
    Err(format!("`{css}` went stale five times in a row; {}", dump(c).await).into())
}

/// Replace the text of `css` (cleared, then typed), finding it again and starting over if the page re-rendered
/// it meanwhile (or a request the resend proxy sent again met a new node).
pub async fn retype(c: &Client, css: &str, text: &str) -> R<()> {
    for _ in 0..5 {
        let el = wait_css(c, css).await?;
        match el.clear().await {
            Ok(()) => {}
            Err(e) if e.is_stale_element_reference() => continue,
            Err(e) => return Err(format!("clearing `{css}`: {e}").into()),
        }
        match el.send_keys(text).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_stale_element_reference() => continue,
            Err(e) => return Err(format!("typing into `{css}`: {e}").into()),
        }
    }
    Err(format!("`{css}` went stale five times in a row; {}", dump(c).await).into())
}

/// Move the pointer to (`x`, `y`) px from the centre of `css`, finding it again if it went stale.
pub async fn hover(c: &Client, css: &str, x: f64, y: f64) -> R<()> {
    use fantoccini::actions::{MouseActions, PointerAction};
    for _ in 0..5 {
        let element = wait_css(c, css).await?;
        let m = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement { element, duration: None, x, y });
        match c.perform_actions(m).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_stale_element_reference() => continue,
            Err(e) => return Err(format!("moving the pointer over `{css}`: {e}").into()),
        }
    }
    Err(format!("`{css}` went stale five times in a row; {}", dump(c).await).into())
}

/// Click `css` from a script once it is there: for buttons at the bottom of a page, where a pointer
/// click may land on what scrolls over them.
pub async fn click_js(c: &Client, css: &str) -> R<Value> {
    until(c, css, &format!("const b = document.querySelector({}); if (b) b.click(); return !!b", json!(css))).await
}

/// Wait until the overview's action-item list says `n` items.
pub async fn action_count_is(c: &Client, n: usize, what: &str) -> R<Value> {
    until(c, what, &format!("return document.querySelector('[data-testid=action-count]').textContent === '{n}'")).await
}

/// Press at `from` px (from the centre of `css`), move to `to`, release; a stale element (the chart
/// redrawn meanwhile) is found again before anything was pressed.
pub async fn drag(c: &Client, css: &str, from: f64, to: f64) -> R<()> {
    use fantoccini::actions::{MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    for _ in 0..5 {
        let el = wait_css(c, css).await?;
        let m = MouseActions::new("drag".into())
            .then(PointerAction::MoveToElement { element: el.clone(), duration: None, x: from, y: 0.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::MoveToElement { element: el, duration: Some(std::time::Duration::from_millis(200)), x: to, y: 0.0 })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        let done = c.perform_actions(m).await;
        c.release_actions().await?;
        match done {
            Ok(()) => return Ok(()),
            Err(e) if e.is_stale_element_reference() => continue,
            Err(e) => return Err(format!("dragging over `{css}`: {e}").into()),
        }
    }
    Err(format!("`{css}` went stale five times in a row; {}", dump(c).await).into())
}
