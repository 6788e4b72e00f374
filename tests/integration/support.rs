//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
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
