//! The command fuzzer (issue 28): random command lines over every
//! subcommand and its flags, with values at and past their limits, on
//! small hostile scenario files. Each must end within a bound with a
//! result, a verdict or a message: exit 0, 1 or 2, something on stderr
//! when 2, never a panic, an abort or a hang. 1,000 command lines by
//! default (`POOLCAST_FUZZ_CASES=N` runs N batches of four), run four at
//! a time.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

use crate::fuzz::{SMALL, cases};

/// The subcommands, and words that are none.
const SUBCOMMANDS: &[&str] = &[
    "run",
    "check",
    "sweep",
    "plan",
    "compare",
    "estimate",
    "validate",
    "tiers",
    "merge",
    "import",
    "init",
    "completions",
    "man",
    "bogus",
    "",
];

/// Flags of every command, with values at and past their limits, and
/// words that are no flag.
const FLAGS: &[&[&str]] = &[
    &["--seed", "0"],
    &["--seed", "18446744073709551615"],
    &["--replications", "0"],
    &["--replications", "1"],
    &["--replications", "100001"],
    &["--threads", "0"],
    &["--threads", "2"],
    &["--threads", "100000"],
    &["--outputs", "json"],
    &["--outputs", "none"],
    &["--outputs", "csv,tasks"],
    &["--outputs", "default,png"],
    &["--outputs", "bogus"],
    &["--outputs", ""],
    &["--format", "json"],
    &["--format", "csv"],
    &["--format", "xml"],
    &["--quiet"],
    &["--max-memory", "1"],
    &["--max-memory", "1MiB"],
    &["--max-memory", "16EiB"],
    &["--max-memory", "lots"],
    &["--allow-outside"],
    &["--no-wait"],
    &["--shard", "2/2"],
    &["--shard", "3/2"],
    &["--shard", "0/0"],
    &["--precision", "0.5"],
    &["--precision", "nan"],
    &["--max-replications", "3"],
    &["--schedule", "builders"],
    &["--schedule", "nope"],
    &["--max-changes-per-day", "0"],
    &["--max-changes-per-day", "2"],
    &["--junit", "junit.xml"],
    &["--junit", "/dev/full"],
    &["--out", "out"],
    &["--out", "."],
    &["--out", "small.toml"],
    &["--out", "/dev/null"],
    &["--builds-per-day", "5000"],
    &["--builds-per-day", "-1"],
    &["--hours", "09-17"],
    &["--hours", "25-3"],
    &["--days", "Mon-Fri"],
    &["--timezone", "Pacific/Apia"],
    &["--timezone", "Mars/Base"],
    &["--median", "25m"],
    &["--p95", "6m"],
    &["--tier", "I6"],
    &["--tier", "builders=S9"],
    &["--wait-p95", "0s"],
    &["--force"],
    &["--holdout", "1d"],
    &["--name", "x\" # y"],
    &["bash"],
    &["zsh"],
    &["--help"],
    &["--version"],
    &["-x"],
    &["--"],
];

/// Small scenario files, most of them hostile: each is (name, text).
const FILES: &[(&str, &str)] = &[
    ("small.toml", SMALL),
    (
        "deep.toml",
        "name = \"deep\"\na.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a = 1\n",
    ),
    (
        "nested.toml",
        "name = \"nested\"\na = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
    ),
    ("empty.toml", ""),
    ("binary.toml", "\u{0}\u{1}\u{ff}\u{feff}"),
];

/// Scenario texts built from `SMALL`: (name, what it replaces, with what).
const VARIANTS: &[(&str, &str, &str)] = &[
    ("inline.toml", "[sweep]\n", "sweep = "),
    ("axis.toml", "\"pool.builders.count\"", "\"sweep\""),
    (
        "y10k.toml",
        "horizon = \"1d\"",
        "horizon = \"1d\"\nstart = \"9999-12-31T12:00:00Z\"",
    ),
    (
        "zero.toml",
        "process = \"poisson\", rate = \"2/h\"",
        "process = \"poisson\", rate = \"1e-12/h\"",
    ),
    (
        "apia.toml",
        "horizon = \"1d\"",
        "horizon = \"3d\"\nstart = \"2011-12-29T00:00:00\"\ntimezone = \"Pacific/Apia\"",
    ),
    ("warm.toml", "warmup = \"1h\"", "warmup = \"23h\""),
];

/// Writes the scenario files into `dir`, and `garbage` as `garbage.toml`.
fn write_files(dir: &Path, garbage: &[u8]) {
    for (name, text) in FILES {
        std::fs::write(dir.join(name), text).expect("write");
    }
    for (name, from, to) in VARIANTS {
        std::fs::write(dir.join(name), SMALL.replacen(from, to, 1)).expect("write");
    }
    std::fs::write(dir.join("garbage.toml"), garbage).expect("write");
}

/// Every file a command line may name: the scenarios, and what is none.
fn file_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
    names.extend(VARIANTS.iter().map(|(n, _, _)| *n));
    names.extend([
        "garbage.toml",
        "missing.toml",
        "/dev/null",
        ".",
        "out/sweep.csv",
    ]);
    names
}

/// One command line: a subcommand, files and flags (indices).
type Line = (usize, Vec<usize>, Vec<usize>);

fn line() -> impl Strategy<Value = Line> {
    (
        0..SUBCOMMANDS.len(),
        prop::collection::vec(0..file_names().len(), 0..3),
        prop::collection::vec(0..FLAGS.len(), 0..5),
    )
}

/// The arguments of `line`.
fn args(line: &Line) -> Vec<&'static str> {
    let names = file_names();
    let (command, files, flags) = line;
    let mut args = vec![SUBCOMMANDS[*command]];
    args.extend(files.iter().map(|f| names[*f]));
    args.extend(flags.iter().flat_map(|f| FLAGS[*f].iter().copied()));
    args
}

/// The longest a command line may take: the slowest (a sweep or a plan
/// of the small scenario on a loaded machine) take a few seconds.
const BOUND: Duration = Duration::from_secs(60);

/// Waits for `child` until `deadline`; kills it past that (`None`).
fn wait_until(child: &mut Child, deadline: Instant) -> Option<std::process::ExitStatus> {
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(250), failure_persistence: None, ..ProptestConfig::default() })]

    /// Four command lines at a time, each in its own folder.
    #[test]
    fn fuzz_command_lines_end_with_a_result_or_a_message(
        lines in prop::collection::vec(line(), 4),
        garbage in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let dirs: Vec<tempfile::TempDir> = lines.iter().map(|_| tempfile::tempdir().expect("dir")).collect();
        let started = Instant::now();
        let mut children = Vec::new();
        for (line, dir) in lines.iter().zip(&dirs) {
            write_files(dir.path(), &garbage);
            let stderr = std::fs::File::create(dir.path().join("stderr.txt")).expect("create");
            let child = Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
                .args(args(line))
                .current_dir(dir.path())
                .env_remove("GITHUB_STEP_SUMMARY")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .expect("poolcast starts");
            children.push(child);
        }
        for ((mut child, line), dir) in children.into_iter().zip(&lines).zip(&dirs) {
            let status = wait_until(&mut child, started + BOUND);
            let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
            let args = args(line);
            let Some(status) = status else {
                return Err(TestCaseError::fail(format!("{args:?}: still running after {BOUND:?}")));
            };
            let code = status.code();
            prop_assert!(matches!(code, Some(0..=2)), "{:?}: exit {:?}\n{}", args, code, stderr);
            prop_assert!(!stderr.contains("panicked"), "{:?}: {}", args, stderr);
            if code == Some(2) {
                prop_assert!(!stderr.trim().is_empty(), "{:?}: exit 2 and nothing said", args);
            }
        }
    }
}
