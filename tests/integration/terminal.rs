//! The progress bar of long work: drawn on a terminal (a pseudo-terminal
//! here), absent when stderr is a pipe or a file.

use std::io::Read;
use std::process::Stdio;

use crate::support::write_scenario;

/// Two years of a busy pool (long work: a 730-day horizon), a few
/// replications to count.
const TWO_YEARS: &str = "[simulation]\nhorizon = \"730d\"\nwarmup = \"1d\"\nreplications = 4\nsample_interval = \"1d\"\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\ncount = 2\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"6/h\" }\nduration = { dist = \"exponential\", mean = \"10m\" }\n";

/// `poolcast ARGS`, nothing written, on one thread.
fn poolcast(args: &[&std::ffi::OsStr]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("poolcast"));
    cmd.args(args)
        .args(["--outputs", "none", "--threads", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .env("TERM", "xterm");
    cmd
}

/// Issue 28: `run` of two years, and `plan --schedule` (which on a 730-day
/// horizon showed nothing for a minute), each draw their bar with its count
/// on a terminal, and nothing of it on a pipe.
#[test]
fn the_progress_bar_is_drawn_on_a_terminal_only() {
    let (_dir, path) = write_scenario(TWO_YEARS, "two-years.toml");
    let plan = crate::support::scenarios_dir().join("plan-schedule.toml");
    let cases: [(&[&std::ffi::OsStr], &str); 2] = [
        (&["run".as_ref(), path.as_os_str()], "/4 replications, ETA"),
        (
            &[
                "plan".as_ref(),
                plan.as_os_str(),
                "--schedule".as_ref(),
                "builders".as_ref(),
            ],
            " simulations, ETA",
        ),
    ];
    for (args, bar) in cases {
        let Some((code, terminal)) = on_a_terminal(poolcast(args)) else {
            eprintln!("skipped: no pseudo-terminal can be opened here");
            return;
        };
        assert_eq!(code, Some(0), "{args:?}: {terminal}");
        assert!(terminal.contains(bar), "{args:?}: no bar: {terminal:?}");
        let piped = poolcast(args).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&piped.stderr);
        assert_eq!(piped.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains(bar) && !stderr.contains('\x1b') && !stderr.contains('\r'),
            "{args:?}: a bar on a pipe: {stderr:?}"
        );
    }
}

/// Runs `cmd` with its stderr on a pseudo-terminal; its exit code and what
/// it drew there. `None` when no pseudo-terminal can be opened.
#[cfg(unix)]
fn on_a_terminal(mut cmd: std::process::Command) -> Option<(Option<i32>, String)> {
    let size = nix::pty::Winsize {
        ws_row: 24,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = nix::pty::openpty(&size, None).ok()?;
    let mut child = cmd.stderr(pty.slave).spawn().expect("poolcast starts");
    // The parent's copy of the terminal's other end goes with `cmd`: the
    // reader then ends when poolcast does.
    drop(cmd);
    let mut terminal = std::fs::File::from(pty.master);
    let reader = std::thread::spawn(move || {
        let mut drawn = Vec::new();
        // Linux ends a pseudo-terminal's reading with EIO once its other
        // end is closed: what was read so far is all there is.
        let _ = terminal.read_to_end(&mut drawn);
        drawn
    });
    let status = child.wait().expect("poolcast ends");
    let drawn = reader.join().expect("the reader ends");
    Some((status.code(), String::from_utf8_lossy(&drawn).into_owned()))
}

#[cfg(not(unix))]
fn on_a_terminal(_cmd: std::process::Command) -> Option<(Option<i32>, String)> {
    None
}
