//! The `flywheel` executable: all of it is the library's [`flywheel_cli::run`].

fn main() -> std::process::ExitCode {
    flywheel::malloc::tune();
    flywheel_cli::run(std::env::args_os())
}
