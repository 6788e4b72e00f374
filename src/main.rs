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

/// Prints `--help` or `--version` (stdout), or a usage error (stderr,
/// exit 2), as clap does, but a failed stdout says so (exit 1) and a
/// closed one ends quietly (exit 0), as for every command.
fn help_or_usage(e: &clap::Error) -> ExitCode {
    if e.use_stderr() {
        e.exit();
    }
    match e.print() {
        Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => {
            let _ = writeln!(std::io::stderr(), "error: stdout: {io}");
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

fn main() -> ExitCode {
    // A write past `ulimit -f` fails with "File too large" and is reported
    // as any failed write is, instead of the signal ending the process
    // with no message.
    #[cfg(unix)]
    // SAFETY: called before any other thread starts; ignoring SIGXFSZ
    // installs no handler.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = match poolcast::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return help_or_usage(&e),
    };
    match poolcast::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed stdout ends the command quietly; a closed stderr
            // must not turn an error into a panic.
            if !poolcast::app::is_closed_pipe(&e) {
                let _ = writeln!(std::io::stderr(), "error: {}", message(&e));
            }
            poolcast::app::exit_code(&e)
        }
    }
}
