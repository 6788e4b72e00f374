//! The command fuzzer (issue 28): random command lines over every
//! subcommand and its flags, with values at and past their limits, on
//! small hostile scenario files. Each must end within a bound with a
//! result, a verdict or a message: exit 0, 1 or 2, something on stderr
//! when 2, never a panic, an abort or a hang. 1,000 command lines by
//! default (`POOLCAST_FUZZ_CASES=N` runs N), one at a time: four at once
//! starved the suite's timing tests on two cores.

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

/// The commands that simulate a scenario, and share their flags.
const SIMULATING: &str = "run check sweep plan compare";

/// Flags, with values at and past their limits, and words that are no
/// flag, each with the subcommands that take it (`*`: any).
const FLAGS: &[(&[&str], &str)] = &[
    (&["--seed", "0"], SIMULATING),
    (&["--seed", "18446744073709551615"], SIMULATING),
    (&["--replications", "0"], SIMULATING),
    (&["--replications", "1"], SIMULATING),
    (&["--replications", "100001"], SIMULATING),
    (&["--threads", "0"], SIMULATING),
    (&["--threads", "2"], SIMULATING),
    (&["--threads", "100000"], SIMULATING),
    (&["--outputs", "json"], "run check sweep plan compare merge"),
    (&["--outputs", "none"], "run check sweep plan compare merge"),
    (
        &["--outputs", "csv,tasks"],
        "run check sweep plan compare merge",
    ),
    (&["--outputs", "default,png"], "run check compare"),
    (
        &["--outputs", "bogus"],
        "run check sweep plan compare merge",
    ),
    (&["--outputs", ""], "run check"),
    (
        &["--format", "json"],
        "run check sweep plan compare estimate validate tiers",
    ),
    (
        &["--format", "csv"],
        "run check sweep plan compare estimate validate tiers",
    ),
    (&["--format", "xml"], "run estimate"),
    (&["--quiet"], "*"),
    (
        &["--max-memory", "1"],
        "run check sweep plan compare import",
    ),
    (
        &["--max-memory", "1MiB"],
        "run check sweep plan compare import",
    ),
    (
        &["--max-memory", "16EiB"],
        "run check sweep plan compare import",
    ),
    (
        &["--max-memory", "lots"],
        "run check sweep plan compare import",
    ),
    (
        &["--allow-outside"],
        "run check sweep plan compare validate estimate tiers",
    ),
    (&["--no-wait"], "run check sweep plan compare merge"),
    (&["--shard", "2/2"], "sweep"),
    (&["--shard", "3/2"], "sweep"),
    (&["--shard", "0/0"], "sweep"),
    (&["--precision", "0.5"], "sweep"),
    (&["--precision", "nan"], "sweep"),
    (&["--max-replications", "3"], "sweep"),
    (&["--schedule", "builders"], "plan"),
    (&["--schedule", "nope"], "plan"),
    (&["--max-changes-per-day", "0"], "plan"),
    (&["--max-changes-per-day", "2"], "plan"),
    (&["--junit", "junit.xml"], "check"),
    (&["--junit", "/dev/full"], "check"),
    (
        &["--out", "out"],
        "run check sweep plan compare merge import init",
    ),
    (&["--out", "."], "run check sweep plan compare merge"),
    (&["--out", "small.toml"], "run check import init"),
    (&["--out", "/dev/null"], "run import init"),
    (&["--builds-per-day", "5000"], "init"),
    (&["--builds-per-day", "-1"], "init"),
    (&["--hours", "09-17"], "init"),
    (&["--hours", "25-3"], "init"),
    (&["--days", "Mon-Fri"], "init"),
    (&["--timezone", "Pacific/Apia"], "init import"),
    (&["--timezone", "Mars/Base"], "init import"),
    (&["--median", "25m"], "init"),
    (&["--p95", "6m"], "init"),
    (&["--tier", "I6"], "init"),
    (&["--tier", "builders=S9"], "import"),
    (&["--wait-p95", "0s"], "init"),
    (&["--force"], "init"),
    (&["--holdout", "1d"], "import"),
    (&["--name", "x\" # y"], "import"),
    (&["bash"], "completions"),
    (&["zsh"], "completions"),
    (&["--help"], "*"),
    (&["--version"], "*"),
    (&["-x"], "*"),
    (&["--"], "*"),
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

/// Whether flag `f` is one subcommand `command` takes.
fn takes(command: usize, f: usize) -> bool {
    let takers = FLAGS[f].1;
    takers == "*" || takers.split(' ').any(|c| c == SUBCOMMANDS[command])
}

/// A command line: a subcommand; mostly one file, the small valid
/// scenario or any (half each); flags it takes, and one in five any flag
/// (so that many lines reach the command, not only the parser's refusal).
fn line() -> impl Strategy<Value = Line> {
    let files = file_names().len();
    (0..SUBCOMMANDS.len()).prop_flat_map(move |command| {
        let fitting: Vec<usize> = (0..FLAGS.len()).filter(|&f| takes(command, f)).collect();
        let file = prop_oneof![Just(0), 0..files];
        let flag = prop_oneof![4 => prop::sample::select(fitting), 1 => 0..FLAGS.len()];
        let files = prop_oneof![
            3 => prop::collection::vec(file.clone(), 1..=1),
            1 => prop::collection::vec(file, 0..4),
        ];
        (Just(command), files, prop::collection::vec(flag, 0..4))
    })
}

/// The arguments of `line`.
fn args(line: &Line) -> Vec<&'static str> {
    let names = file_names();
    let (command, files, flags) = line;
    let mut args = vec![SUBCOMMANDS[*command]];
    args.extend(files.iter().map(|f| names[*f]));
    args.extend(flags.iter().flat_map(|f| FLAGS[*f].0.iter().copied()));
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
    #![proptest_config(ProptestConfig { cases: cases(1000), failure_persistence: None, ..ProptestConfig::default() })]

    /// One command line in its own folder.
    #[test]
    fn fuzz_command_lines_end_with_a_result_or_a_message(
        line in line(),
        garbage in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let dir = tempfile::tempdir().expect("dir");
        write_files(dir.path(), &garbage);
        let stderr = std::fs::File::create(dir.path().join("stderr.txt")).expect("create");
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("poolcast"))
            .args(args(&line))
            .current_dir(dir.path())
            .env_remove("GITHUB_STEP_SUMMARY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("poolcast starts");
        let status = wait_until(&mut child, Instant::now() + BOUND);
        let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
        let args = args(&line);
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
