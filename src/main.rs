//! The `poolcast` binary: parse the command line, run, map errors to exit codes.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = poolcast::cli::Cli::parse();
    match poolcast::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed stderr must not turn an error into a panic.
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            poolcast::app::exit_code(&e)
        }
    }
}
