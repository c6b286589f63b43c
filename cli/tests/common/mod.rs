//! Running the `flywheel` command in a test as a user would, sealed off from the developer's machine: its journal
//! and cache in folders of the test's own, no colour, and none of the variables that would point it at a shared
//! journal or at a Grafana, Jira or AWS account — a test reaches only what it starts itself, on loopback. Every
//! test binary of the command includes this module.

// Each test binary uses part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Variables a developer's shell may hold that would send a test's `flywheel` somewhere real (a test that
/// wants one sets it again).
pub const SCRUBBED: [&str; 15] = [
    "FLYWHEEL_JOURNAL_URL",
    "FLYWHEEL_SAMPLE",
    "PGPASSWORD",
    "PGPASSFILE",
    "GRAFANA_TOKEN",
    "JIRA_TOKEN",
    "JIRA_USER",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];

/// The `flywheel` binary with its journal in `data` and its cache beside it (`data/cache`), ready for the
/// test's arguments and variables.
pub fn flywheel_in(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flywheel"));
    c.env("NO_COLOR", "1").env("FLYWHEEL_DATA_DIR", data).env("FLYWHEEL_CACHE_DIR", data.join("cache"));
    for v in SCRUBBED {
        c.env_remove(v);
    }
    // Nor any AWS files or instance metadata of this machine.
    c.env("AWS_CONFIG_FILE", "/nonexistent/flywheel-test/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/flywheel-test/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

/// Run `flywheel args` with its journal in `data`.
pub fn run(data: &Path, args: &[&str]) -> Output {
    flywheel_in(data).args(args).output().expect("run flywheel")
}

/// What a run wrote, standard output then standard error.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The sample workspace in `data/`.
pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}
