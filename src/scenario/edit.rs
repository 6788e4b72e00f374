//! Edits of a scenario's text that keep the rest of the file as the user
//! wrote it (comments, order, layout): a pool's scaling replaced by a
//! schedule (what `plan --schedule` recommends) or by a fixed count (what
//! it compares the schedule with), the objectives' judging rule, the seed.

use std::path::{Component, Path, PathBuf};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use crate::model::Per;

/// A pool's scaling as an edit writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalingEdit {
    /// No scaling: the count alone (the `count` key is left as it is, so a
    /// sweep axis can set it).
    Fixed,
    /// A schedule of `(cron, count)` rules; the pool's `count` is removed,
    /// so the count at the start is the one the rules leave in force.
    Schedule {
        /// The rules, in order.
        rules: Vec<(String, u32)>,
        /// A comment written above the `scaling` key (one or more lines,
        /// without `#`).
        comment: Option<String>,
    },
}

/// Why an edit of a scenario's text cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The text does not parse as TOML (the parser's message).
    #[error("the scenario is not TOML: {0}")]
    NotToml(String),
    /// The text has no `[[pool]]` at all.
    #[error("the scenario has no [[pool]]")]
    NoPools,
    /// No `[[pool]]` has this name.
    #[error("no pool is named {0:?}")]
    NoSuchPool(String),
}

/// `src` with the scaling of pool `pool` replaced by `edit`; an error
/// when the text is not TOML or has no such pool.
///
/// ```
/// use poolcast::scenario::{ScalingEdit, with_pool_scaling};
/// let src = "# my team\n[[pool]]\nname = \"builders\"\ntier = \"S2\"\ncount = 3\n";
/// let edit = ScalingEdit::Schedule { rules: vec![("55 8 * * 1-5".into(), 7), ("55 17 * * 1-5".into(), 1)], comment: None };
/// let out = with_pool_scaling(src, "builders", &edit).unwrap();
/// assert!(out.starts_with("# my team\n"));
/// assert!(out.contains("{ cron = \"55 8 * * 1-5\", count = 7 }"));
/// assert!(!out.contains("count = 3"));
/// ```
pub fn with_pool_scaling(src: &str, pool: &str, edit: &ScalingEdit) -> Result<String, EditError> {
    let mut doc: DocumentMut = src
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::NotToml(e.message().to_string()))?;
    let entry = pool_table(&mut doc, pool)?;
    match edit {
        ScalingEdit::Fixed => {
            entry.remove("scaling");
        }
        ScalingEdit::Schedule { rules, comment } => {
            entry.remove("count");
            let mut list = Array::new();
            for (cron, count) in rules {
                let mut rule = InlineTable::new();
                rule.insert("cron", Value::from(cron.as_str()));
                rule.insert("count", Value::from(i64::from(*count)));
                list.push(Value::InlineTable(rule));
            }
            // One rule a line: a schedule is read rule by rule.
            for v in list.iter_mut() {
                v.decor_mut().set_prefix("\n  ");
            }
            list.set_trailing("\n");
            list.set_trailing_comma(true);
            let mut scaling = InlineTable::new();
            scaling.insert("policy", Value::from("schedule"));
            scaling.insert("rules", Value::Array(list));
            entry.remove("scaling");
            entry.insert("scaling", Item::Value(Value::InlineTable(scaling)));
            if let Some(comment) = comment
                && let Some(mut key) = entry.key_mut("scaling")
            {
                let lines: String = comment.lines().map(|l| format!("# {l}\n")).collect();
                key.leaf_decor_mut().set_prefix(lines);
            }
        }
    }
    Ok(doc.to_string())
}

/// `src` with every relative `file` of its workloads (traces, run-time
/// lists), which resolve from `from_dir`, rewritten to resolve from
/// `to_dir`: so a scenario written into another folder still runs as is.
/// Files that cannot be found are left as written (validation names them).
pub fn with_files_rebased(src: &str, from_dir: &Path, to_dir: &Path) -> String {
    let Ok(mut doc) = src.parse::<DocumentMut>() else {
        return src.to_string();
    };
    let Some(workloads) = doc
        .as_table_mut()
        .get_mut("workload")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return src.to_string();
    };
    for w in workloads.iter_mut() {
        rebase_in(w, from_dir, to_dir);
    }
    doc.to_string()
}

fn rebase_in(table: &mut dyn TableLike, from_dir: &Path, to_dir: &Path) {
    for (key, item) in table.iter_mut() {
        if key == "file"
            && let Some(text) = item.as_str()
            && Path::new(text).is_relative()
            && let Some(moved) = relocate(&from_dir.join(text), to_dir)
        {
            let decor = item.as_value().map(|v| v.decor().clone());
            let mut value = Value::from(moved.to_string_lossy().as_ref());
            if let Some(d) = decor {
                *value.decor_mut() = d;
            }
            *item = Item::Value(value);
        } else if let Some(inner) = item.as_table_like_mut() {
            rebase_in(inner, from_dir, to_dir);
        }
    }
}

/// `file` as a path relative to `dir` (both made absolute), or absolute
/// when they share nothing.
fn relocate(file: &Path, dir: &Path) -> Option<PathBuf> {
    let file = file.canonicalize().ok()?;
    let dir = canonical_to_be(dir)?;
    let (f, d): (Vec<Component>, Vec<Component>) =
        (file.components().collect(), dir.components().collect());
    let common = f.iter().zip(&d).take_while(|(a, b)| a == b).count();
    if common <= 1 {
        return Some(file);
    }
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &f[common..] {
        out.push(c.as_os_str());
    }
    Some(out)
}

/// `src` with `[simulation] seed` and `replications` set to the values
/// given (the command line's overrides), so that the file runs as the
/// command ran it.
pub fn with_simulation(src: &str, seed: Option<u64>, replications: Option<u32>) -> String {
    let Ok(mut doc) = src.parse::<DocumentMut>() else {
        return src.to_string();
    };
    let root = doc.as_table_mut();
    if !root.contains_key("simulation") {
        root.insert("simulation", toml_edit::table());
    }
    let Some(sim) = root.get_mut("simulation").and_then(Item::as_table_like_mut) else {
        return src.to_string();
    };
    if let Some(seed) = seed.and_then(|s| i64::try_from(s).ok()) {
        sim.insert("seed", toml_edit::value(seed));
    }
    if let Some(r) = replications {
        sim.insert("replications", toml_edit::value(i64::from(r)));
    }
    doc.to_string()
}

/// `src` with `per = "<per>"` in every wait objective's table that does
/// not set `per` itself (`[slo]` when it has `wait_p95`, each
/// `[slo.workloads.NAME]`): the judging rule `plan --schedule` applies,
/// written so that the file is judged as the plan judged it.
///
/// ```
/// use poolcast::model::Per;
/// use poolcast::scenario::with_default_per;
/// let src = "[slo]\nwait_p95 = \"5m\"\n\n[slo.workloads.nightly]\nwait_p95 = \"1h\"\nper = \"window\"\n";
/// let out = with_default_per(src, Per::Hour).unwrap();
/// assert_eq!(out, "[slo]\nwait_p95 = \"5m\"\nper = \"hour\"\n\n[slo.workloads.nightly]\nwait_p95 = \"1h\"\nper = \"window\"\n");
/// ```
pub fn with_default_per(src: &str, per: Per) -> Result<String, EditError> {
    let mut doc: DocumentMut = src
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::NotToml(e.message().to_string()))?;
    let Some(slo) = doc
        .as_table_mut()
        .get_mut("slo")
        .and_then(Item::as_table_like_mut)
    else {
        return Ok(src.to_string());
    };
    let set = |table: &mut dyn TableLike| {
        if table.contains_key("wait_p95") && !table.contains_key("per") {
            table.insert("per", toml_edit::value(per.name()));
        }
    };
    set(&mut *slo);
    if let Some(own) = slo.get_mut("workloads").and_then(Item::as_table_like_mut) {
        for (_, table) in own.iter_mut() {
            if let Some(table) = table.as_table_like_mut() {
                set(table);
            }
        }
    }
    Ok(doc.to_string())
}

/// `src` with `[slo] wait_p95` set to `target` (a duration as the
/// scenario writes it): one point of `plan --schedule --targets`. The
/// text is unchanged when it has no `[slo] wait_p95`.
///
/// ```
/// use poolcast::scenario::with_wait_target;
/// let src = "[slo]\nwait_p95 = \"5m\" # five\n";
/// assert_eq!(with_wait_target(src, "10m").unwrap(), "[slo]\nwait_p95 = \"10m\" # five\n");
/// ```
pub fn with_wait_target(src: &str, target: &str) -> Result<String, EditError> {
    let mut doc: DocumentMut = src
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::NotToml(e.message().to_string()))?;
    if let Some(wait) = doc
        .as_table_mut()
        .get_mut("slo")
        .and_then(Item::as_table_like_mut)
        .and_then(|slo| slo.get_mut("wait_p95"))
        .and_then(Item::as_value_mut)
    {
        let decor = wait.decor().clone();
        *wait = Value::from(target);
        *wait.decor_mut() = decor;
    }
    Ok(doc.to_string())
}

/// `dir` made absolute with links resolved, as `canonicalize` does, though
/// it need not exist yet (an output folder is made when the command ends):
/// its longest existing ancestor, canonical, then the rest.
fn canonical_to_be(dir: &Path) -> Option<PathBuf> {
    let dir = std::path::absolute(dir).ok()?;
    let mut rest = Vec::new();
    let mut existing = dir.as_path();
    loop {
        if let Ok(base) = existing.canonicalize() {
            return Some(rest.iter().rev().fold(base, |p, c| p.join(c)));
        }
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?;
    }
}

/// The `[[pool]]` entry named `pool`.
fn pool_table<'a>(doc: &'a mut DocumentMut, pool: &str) -> Result<&'a mut Table, EditError> {
    doc.as_table_mut()
        .get_mut("pool")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or(EditError::NoPools)?
        .iter_mut()
        .find(|t| t.get("name").and_then(Item::as_str) == Some(pool))
        .ok_or_else(|| EditError::NoSuchPool(pool.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_replaces_a_scaling_subtable_and_keeps_comments() {
        let src = "# top\nname = \"t\"\n\n[[pool]]\n# the pool\nname = \"a-b\"\ntier = \"S1\"\nprovisioning = \"5m\" # five\n\n[pool.scaling]\npolicy = \"queue\"\nmax = 4\n\n[[workload]]\nname = \"w\"\n";
        let edit = ScalingEdit::Schedule {
            rules: vec![("0 9 * * *".into(), 2)],
            comment: Some("designed by a test".into()),
        };
        let out = with_pool_scaling(src, "a-b", &edit).unwrap();
        assert!(out.contains("# top\n") && out.contains("# the pool\n"));
        assert!(out.contains("provisioning = \"5m\" # five"));
        assert!(out.contains("# designed by a test\nscaling = "), "{out}");
        assert!(!out.contains("queue"), "{out}");
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        let pool = &parsed["pool"].as_array().unwrap()[0];
        assert_eq!(pool["scaling"]["policy"].as_str(), Some("schedule"));
        assert_eq!(pool["scaling"]["rules"][0]["count"].as_integer(), Some(2));
        assert_eq!(
            with_pool_scaling(src, "nope", &ScalingEdit::Fixed),
            Err(EditError::NoSuchPool("nope".into()))
        );
        assert_eq!(
            with_pool_scaling("name = \"t\"\n", "a-b", &ScalingEdit::Fixed),
            Err(EditError::NoPools)
        );
        assert!(matches!(
            with_pool_scaling("[[pool]\n", "a-b", &ScalingEdit::Fixed),
            Err(EditError::NotToml(_))
        ));
        let fixed = with_pool_scaling(&out, "a-b", &ScalingEdit::Fixed).unwrap();
        assert!(!fixed.contains("scaling"), "{fixed}");
    }

    #[test]
    fn relative_files_are_rebased_to_the_new_folder() {
        let root = tempfile::tempdir().unwrap();
        let (from, to) = (root.path().join("scenarios"), root.path().join("out/plan"));
        std::fs::create_dir_all(from.join("data")).unwrap();
        std::fs::create_dir_all(&to).unwrap();
        std::fs::write(from.join("data/d.txt"), "1m\n").unwrap();
        let src = "[[workload]]\nname = \"w\"\nduration = { dist = \"empirical\", file = \"data/d.txt\" } # runs\narrival = { process = \"trace\", file = \"missing.json\" }\n";
        let out = with_files_rebased(src, &from, &to);
        assert!(
            out.contains("file = \"../../scenarios/data/d.txt\" } # runs"),
            "{out}"
        );
        assert!(out.contains("file = \"missing.json\""), "{out}");
    }
}
