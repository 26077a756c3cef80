//! The `hoist` binary: everything happens in `hoist_cli`.

fn main() -> std::process::ExitCode {
    hoist_cli::run("hoist", std::env::args_os())
}
