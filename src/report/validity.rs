//! `poolcast validate`'s output: that the scenario is valid, what it holds
//! and what its arrivals add up to, as a table, JSON or CSV.

use serde::Serialize;

use crate::forecast::hour_label;

/// What `validate` found in a valid scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Validity {
    /// The scenario's path, as given.
    pub file: String,
    /// Pools in it.
    pub pools: usize,
    /// Workloads in it.
    pub workloads: usize,
    /// The warnings `run` (or `sweep`) would give before simulating.
    pub warnings: Vec<String>,
    /// What each workload's arrivals add up to, in workload order.
    pub arrivals: Vec<Arrivals>,
}

/// What a workload's arrivals add up to over the observed week: the check
/// a planner makes by hand ("300 a day, mostly 09-18").
#[derive(Debug, Clone, PartialEq)]
pub struct Arrivals {
    /// The workload.
    pub workload: String,
    /// Expected runs a weekday (mean over Monday-Friday).
    pub weekday_runs: f64,
    /// Expected runs a weekend day (mean over Saturday-Sunday).
    pub weekend_runs: f64,
    /// Its busiest hour, as an hour of the week (Monday 00:00 = 0).
    pub busiest_hour: usize,
    /// Its rate in that hour, runs an hour.
    pub busiest_per_hour: f64,
}

/// `s` when `n` is not 1.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `validate`'s table: valid, with its counts, and a line per workload.
pub fn validity_text(v: &Validity) -> String {
    let mut text = format!(
        "{}: valid ({} pool{}, {} workload{})\n",
        v.file,
        v.pools,
        plural(v.pools),
        v.workloads,
        plural(v.workloads)
    );
    for a in &v.arrivals {
        text.push_str(&format!(
            "  {}: about {:.0} runs a weekday, {:.0} a weekend day; busiest hour {} at {:.1} an hour\n",
            a.workload,
            a.weekday_runs,
            a.weekend_runs,
            hour_label(a.busiest_hour),
            a.busiest_per_hour
        ));
    }
    text
}

/// `validate --format json`: one line.
pub fn validity_json(v: &Validity) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        file: &'a str,
        valid: bool,
        pools: usize,
        workloads: usize,
        warnings: &'a [String],
    }
    let doc = Doc {
        file: &v.file,
        valid: true,
        pools: v.pools,
        workloads: v.workloads,
        warnings: &v.warnings,
    };
    format!("{}\n", serde_json::to_string(&doc).unwrap_or_default())
}

/// `validate --format csv`.
pub fn validity_csv(v: &Validity) -> String {
    format!(
        "file,valid,pools,workloads\n{},true,{},{}\n",
        v.file, v.pools, v.workloads
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `validate --format json` is one line, its keys in their order.
    #[test]
    fn the_json_is_one_line_with_its_keys_in_order() {
        let v = Validity {
            file: "team.toml".into(),
            pools: 1,
            workloads: 2,
            warnings: vec!["w".into()],
            arrivals: Vec::new(),
        };
        assert_eq!(
            validity_json(&v),
            "{\"file\":\"team.toml\",\"valid\":true,\"pools\":1,\"workloads\":2,\"warnings\":[\"w\"]}\n"
        );
    }
}
