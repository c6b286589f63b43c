//! The `flywheel` executable: all of it is the library's [`flywheel_cli::run`].

use std::process::ExitCode;

fn main() -> ExitCode {
    flywheel::malloc::tune();
    // Output piped into a reader that stops early (`flywheel review | head`): printing to the closed pipe
    // panics in Rust's standard library. End quietly instead, with the status of a Unix tool ended by
    // SIGPIPE (141); every other panic is reported as before.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !closed_pipe(info.payload()) {
            report(info)
        }
    }));
    match std::panic::catch_unwind(|| flywheel_cli::run(std::env::args_os())) {
        Ok(code) => code,
        Err(payload) if closed_pipe(&*payload) => ExitCode::from(141),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// Whether a panic is the standard library's "failed printing to stdout (or stderr): Broken pipe".
fn closed_pipe(payload: &(dyn std::any::Any + Send)) -> bool {
    let message = payload.downcast_ref::<String>().map(String::as_str).or_else(|| payload.downcast_ref::<&str>().copied());
    message.is_some_and(|m| m.starts_with("failed printing to") && m.contains("Broken pipe"))
}
