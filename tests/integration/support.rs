//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use poolcast::results::Estimate;
use poolcast::scenario::Scenario;

/// The built `poolcast` binary.
pub fn poolcast() -> Command {
    Command::cargo_bin("poolcast").expect("the poolcast binary is built")
}

/// The repository's `scenarios/` folder.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Validates scenario text, panicking with the message on error.
pub fn scenario(src: &str) -> Scenario {
    poolcast::scenario::from_str(src, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Writes `src` to `name` in a fresh temporary folder.
pub fn write_scenario(src: &str, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, src).expect("write the scenario");
    (dir, path)
}

/// Writes `dir/name`: a scenario of one workload `ci` on the default
/// compute, whose other keys (arrival, duration, a file) are `workload`.
pub fn workload_scenario(dir: &Path, name: &str, workload: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("[[workload]]\nname = \"ci\"\npool = \"default\"\n{workload}\n"),
    )
    .expect("write the scenario");
    path
}

/// Asserts that a replication mean agrees with theory: within 4 standard
/// errors (a correct simulator fails this with probability below 1e-3 per
/// check at 19 degrees of freedom; the seeds are fixed anyway), and with a
/// 95% interval narrower than 6% of the theoretical value, so the check has
/// the power to catch a real error.
pub fn assert_close(what: &str, e: Estimate, theory: f64) {
    let err = (e.mean - theory).abs();
    assert!(
        err <= 4.0 * e.std_error,
        "{what}: simulated {:.5} ± {:.5} (SE), theory {theory:.5}, off by {:.1} SE",
        e.mean,
        e.std_error,
        err / e.std_error
    );
    assert!(
        e.half_width() < 0.06 * theory,
        "{what}: the 95% interval ±{:.5} is too wide to test against {theory:.5}",
        e.half_width()
    );
}

/// Runs `poolcast CMD PATH` and expects exit 2 with `needle` on stderr.
pub fn refuses(cmd: &str, path: &Path, needle: &str) {
    poolcast()
        .arg(cmd)
        .arg(path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(needle));
}

/// Runs `poolcast ARGS… --out DIR --quiet`, expects success, returns DIR.
pub fn run_into(dir: &Path, args: &[&str]) -> PathBuf {
    let out = poolcast()
        .args(args)
        .arg("--out")
        .arg(dir)
        .arg("--quiet")
        .output()
        .expect("poolcast runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.to_path_buf()
}

/// Runs a prepared `poolcast` command and expects success (its stderr as
/// the failure message).
pub fn succeeds(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("poolcast runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a prepared `poolcast` command, expects success, and parses stdout
/// as JSON.
pub fn json_stdout(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_slice(&succeeds(cmd).stdout).expect("stdout is JSON")
}

/// Waits until the process `child` catches SIGINT (Linux: the `SigCgt`
/// mask of /proc/PID/status): from then on a Ctrl-C reaches poolcast's
/// handler, never the default action. Fails if it ends first.
#[cfg(target_os = "linux")]
pub fn wait_for_interrupt_handler(child: &mut std::process::Child) {
    loop {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        let caught = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << (libc::SIGINT - 1)) != 0);
        if caught {
            return;
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "ended before catching SIGINT"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Sends `sig` (`-INT`, `-TERM`) to `child`.
pub fn signal(child: &std::process::Child, sig: &str) {
    let sent = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

/// A scenario of `[simulation]` `simulation` (and a quota that fits) and
/// `n` pools `pool-0`, `pool-1`, ... of one S1 instance, each with its own
/// Poisson workload `w0`, `w1`, ... at `rate` of constant `duration` runs.
pub fn many_pools(simulation: &str, n: usize, rate: &str, duration: &str) -> String {
    let mut src = format!("[simulation]\n{simulation}\n\n[quota]\nstandard_vcpu = 100000\n\n");
    for i in 0..n {
        src.push_str(&format!(
            "[[pool]]\nname = \"pool-{i}\"\ntier = \"S1\"\ncount = 1\n\n[[workload]]\nname = \"w{i}\"\npool = \"pool-{i}\"\narrival = {{ process = \"poisson\", rate = \"{rate}\" }}\nduration = {{ dist = \"constant\", value = \"{duration}\" }}\n\n"
        ));
    }
    src
}

/// Runs shard `k` of `n` of the sweep `path` into `out` (quiet), expects
/// success, and returns the shard's `sweep.csv`.
pub fn sweep_shard(path: &Path, k: u32, n: u32, out: &Path, extra: &[&str]) -> PathBuf {
    poolcast()
        .arg("sweep")
        .arg(path)
        .args(["--shard", &format!("{k}/{n}"), "-q", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
    out.join("sweep.csv")
}

/// Runs `poolcast ARGS` under an address-space limit of `kib` KiB (`ulimit
/// -v`), for the tests of memory bounds.
pub fn poolcast_within(kib: u64, args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("poolcast"))
        .args(args)
        .output()
        .expect("sh runs")
}

/// Every file of a folder (its manifest included), by name.
pub fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the output folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect()
}

/// The rows of a CSV file as maps from header to cell.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut rdr =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let head = rdr.headers().expect("a header").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("a record");
            head.iter()
                .zip(r.iter())
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}
