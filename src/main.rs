//! The `poolcast` binary: parse the command line, run, map errors to exit codes.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// The error and its causes, each said once: a cause whose text the
/// message already holds (an error that quotes its source, as a located
/// parse error does) is not repeated after it.
fn message(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn main() -> ExitCode {
    let cli = poolcast::cli::Cli::parse();
    match poolcast::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed stderr must not turn an error into a panic.
            let _ = writeln!(std::io::stderr(), "error: {}", message(&e));
            poolcast::app::exit_code(&e)
        }
    }
}
