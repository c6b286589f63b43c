//! The installed package, as a user meets it: `scripts/test-package` installs the .deb it built and runs
//! these tests against what the package put on the machine (`/usr/bin/flywheel`, `/usr/bin/flywheel-app`,
//! the sample in `/usr/lib/Flywheel/sample`). They are ignored in a plain `cargo test`, which has no
//! package installed: the script runs them with `--ignored`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[path = "common/resend.rs"]
mod resend;

#[path = "common/driver.rs"]
mod driver;
use driver::*;

const CLI: &str = "/usr/bin/flywheel";
const APP: &str = "/usr/bin/flywheel-app";
const SAMPLE: &str = "/usr/lib/Flywheel/sample";

/// The installed `flywheel review` with no workspace reviews the installed sample (not a source tree's)
/// and finds every documented situation.
#[test]
#[ignore = "needs the package installed: run by scripts/test-package"]
fn the_installed_cli_reviews_the_installed_sample() {
    let data = tempfile::tempdir().expect("data dir");
    let elsewhere = tempfile::tempdir().expect("a folder without data/");
    let o = Command::new(CLI)
        .args(["review", "--quiet", "--json"])
        .current_dir(elsewhere.path())
        .env("FLYWHEEL_DATA_DIR", data.path())
        .output()
        .expect("run the installed flywheel");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let origin = doc["workspace"]["origin"].as_str().unwrap_or_default();
    assert!(origin.starts_with(SAMPLE), "the installed sample was reviewed, not {origin}");
    let findings = doc["findings"].as_array().expect("findings");
    for s in flywheel::sample::SITUATIONS {
        assert!(
            findings.iter().any(|f| f["metric"] == s.metric && f["kind"] == s.kind.key()),
            "{} / {} missing from the installed review",
            s.metric,
            s.kind.key()
        );
    }
    // The installed sample's tickets (a Jira export shipped beside it) make its ticket review.
    let t = Command::new(CLI)
        .args(["tickets", "--json"])
        .current_dir(elsewhere.path())
        .env("FLYWHEEL_DATA_DIR", data.path())
        .output()
        .expect("run the installed flywheel tickets");
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let tickets: Value = serde_json::from_slice(&t.stdout).expect("JSON on stdout");
    assert_eq!(tickets["summary"], "9 tickets this week, 5 critical or high; 2 recurring problems.", "{tickets}");
    let v = Command::new(CLI).arg("--version").output().expect("flywheel --version");
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), format!("flywheel {}", env!("CARGO_PKG_VERSION")));
}

/// The installed app under Xvfb over WebDriver: started on the installed sample it shows the ranked
/// overview (the launch time is printed: the first start after installing is the cold start); started bare,
/// the Open view says the version and where the sample is, and "Open the sample workspace" opens it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the package installed: run by scripts/test-package"]
async fn the_installed_app_opens_the_sample() -> R<()> {
    assert!(Path::new(APP).is_file(), "{APP} is not installed");
    let d = Driver::start();
    let c = d.app_at(APP, &[SAMPLE]).await?;
    wait_css(&c, "[data-testid=finding]").await?;
    let ready = until(&c, "the launch time", "return document.body.dataset.readyMs").await?;
    let open = js(&c, "return document.body.dataset.openMs").await?;
    println!("installed app: launch → ranked overview of the installed sample in {ready} ms (opening the workspace: {open} ms)");
    c.close().await?;

    let c = d.app_at(APP, &[]).await?;
    c.set_window_size(1280, 800).await?;
    let about = until(&c, "the About line", "const a = document.querySelector('[data-testid=about]'); return a && a.textContent").await?;
    let about = about.as_str().unwrap_or_default();
    assert!(about.contains(&format!("Flywheel {}", env!("CARGO_PKG_VERSION"))) && about.contains(SAMPLE), "{about}");
    shot(&c, "installed-open").await?;
    click(&c, "[data-testid=open-sample]").await?;
    wait_css(&c, "[data-testid=finding]").await?;
    let first = js(&c, "return document.querySelector('[data-testid=finding]').dataset.metric").await?;
    assert_eq!(first, serde_json::json!("payments.api.p99"), "the sample's alarm breach ranks first");
    let cards = texts(&c, "[data-testid=source-error]").await?;
    assert!(cards.iter().any(|t| t.contains(SAMPLE)), "the sample's broken series names the installed file: {cards:?}");
    shot(&c, "installed-overview").await?;
    c.close().await?;
    Ok(())
}
