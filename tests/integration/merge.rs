//! `poolcast merge`: what it refuses, and that it says why.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::support::poolcast;

/// A two-point sweep scenario in a fresh folder.
fn sweep_scenario() -> (tempfile::TempDir, PathBuf) {
    crate::support::write_scenario(
        "[simulation]\nhorizon = \"1d\"\nwarmup = \"1h\"\nreplications = 2\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = { process = \"poisson\", rate = \"4/h\" }\nduration = { dist = \"constant\", value = \"5m\" }\n\n[sweep]\n\"pool.builders.count\" = [1, 2, 3, 4]\n",
        "s.toml",
    )
}

/// Shard `k` of 2 of `path` into `dir/name`: its sweep.csv.
fn shard(dir: &Path, path: &Path, k: u32, name: &str, extra: &[&str]) -> PathBuf {
    crate::support::sweep_shard(path, k, 2, &dir.join(name), extra)
}

fn merge(dir: &Path, a: &Path, b: &Path) -> assert_cmd::assert::Assert {
    poolcast()
        .arg("merge")
        .arg(a)
        .arg(b)
        .arg("--out")
        .arg(dir.join("merged"))
        .arg("-q")
        .assert()
}

/// Issue 16 (finding 17): a refusal said only "a shard of another sweep";
/// now it says what differs (sweep.json keeps the fingerprint's parts),
/// and `--max-replications` without `--precision`, which changes no
/// result, no longer makes another sweep. A sweep.json of an older
/// poolcast (the checksum only) is still read, and refused without detail.
#[test]
fn merge_says_what_differs_and_ignores_max_replications_alone() {
    let (dir, path) = sweep_scenario();
    let dir = dir.path();
    let first = shard(dir, &path, 1, "first", &[]);
    let same = shard(dir, &path, 2, "max", &["--max-replications", "50"]);
    merge(dir, &first, &same).success();
    let seeded = shard(dir, &path, 2, "seeded", &["--seed", "7"]);
    merge(dir, &first, &seeded)
        .code(2)
        .stderr(predicate::str::contains("is a shard of another sweep than"))
        .stderr(predicate::str::contains(
            "(seed: the scenario's in the first, 7 in this one)",
        ));
    let precise = shard(
        dir,
        &path,
        2,
        "precise",
        &["--precision", "0.1", "--seed", "7"],
    );
    merge(dir, &first, &precise)
        .code(2)
        .stderr(predicate::str::contains(
            "(precision: not set in the first, 0.1, at most 100 replications in this one; seed: the scenario's in the first, 7 in this one)",
        ));
    std::fs::write(
        &path,
        std::fs::read_to_string(&path)
            .unwrap()
            .replace("rate = \"4/h\"", "rate = \"5/h\""),
    )
    .unwrap();
    let edited = shard(dir, &path, 2, "edited", &[]);
    merge(dir, &first, &edited)
        .code(2)
        .stderr(predicate::str::contains("(the scenario text)"));
    // An older poolcast's sweep.json: no parts, so no detail, and no error
    // reading it.
    let json = seeded.with_file_name("sweep.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(meta["fingerprint_parts"].is_object(), "{meta}");
    meta.as_object_mut().unwrap().remove("fingerprint_parts");
    std::fs::write(&json, meta.to_string()).unwrap();
    merge(dir, &first, &seeded)
        .code(2)
        .stderr(predicate::str::ends_with(format!(
            "is a shard of another sweep than {}\n",
            first.display()
        )));
}

/// A shard builds only its own points, and names the data files of the
/// sweep by its first valid point when no axis can change them (issue
/// 29): an axis over the durations file makes every shard look at every
/// point, so a file of another shard's point edited between the shards
/// is caught; with a numeric axis, a file edited between the shards is
/// caught all the same.
#[test]
fn shards_agree_on_the_data_files_of_points_they_do_not_run() {
    let with_axis = |axis: &str| {
        format!(
            "[simulation]\nhorizon = \"1d\"\nwarmup = \"1h\"\nreplications = 2\n\n[[pool]]\nname = \"builders\"\ntier = \"S1\"\n\n[[workload]]\nname = \"ci\"\npool = \"builders\"\narrival = {{ process = \"poisson\", rate = \"4/h\" }}\nduration = {{ dist = \"empirical\", file = \"a.txt\" }}\n\n[sweep]\n{axis}\n"
        )
    };
    for axis in [
        "\"workload.ci.duration.file\" = [\"a.txt\", \"b.txt\"]",
        "\"pool.builders.count\" = [1, 2]",
    ] {
        let (dir, path) = crate::support::write_scenario(&with_axis(axis), "s.toml");
        let dir = dir.path();
        for f in ["a.txt", "b.txt"] {
            std::fs::write(dir.join(f), "300\n600\n").unwrap();
        }
        let first = shard(dir, &path, 1, "first", &[]);
        let second = shard(dir, &path, 2, "second", &[]);
        merge(dir, &first, &second).success();
        let edited = if axis.contains("file") {
            "b.txt"
        } else {
            "a.txt"
        };
        std::fs::write(dir.join(edited), "300\n900\n").unwrap();
        let after = shard(dir, &path, 2, "after", &[]);
        merge(dir, &first, &after)
            .code(2)
            .stderr(predicate::str::contains("(the data files)"));
    }
}

/// Issue 29 (3): a merge reads each shard's rows in point order, one at a
/// time, so a shard whose rows were reordered (its checksum recomputed)
/// is refused, naming the file and the points, with nothing written.
#[test]
fn a_shard_out_of_point_order_is_refused() {
    let (dir, path) = sweep_scenario();
    let a = shard(dir.path(), &path, 1, "a", &[]);
    let b = shard(dir.path(), &path, 2, "b", &[]);
    let text = std::fs::read_to_string(&a).expect("sweep.csv");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(1, 2);
    let swapped = format!("{}\n", lines.join("\n"));
    std::fs::write(&a, &swapped).expect("written");
    let meta = a.with_file_name("sweep.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta).expect("sweep.json")).expect("JSON");
    json["rows_checksum"] = poolcast::results::checksum(&[swapped.as_bytes()]).into();
    std::fs::write(&meta, json.to_string()).expect("written");
    merge(dir.path(), &a, &b)
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}: point 0 comes after point 2",
            a.display()
        )));
    assert!(!dir.path().join("merged").exists());
}
