//! The scenario `poolcast init` writes: commented, valid TOML from what a
//! team knows (builds a day, working hours and days, build time, tier),
//! with the pool at a given count, an `[slo]` and a `[sweep]` ready to
//! run. `app` reads the facts from its flags and sizes the pool.

use crate::model::{Tier, TierKind};
use crate::text::parse_duration;
use crate::units::SimDuration;

/// ACR stops a run after 8 hours (28,800 s), its longest timeout.
pub const LONGEST_TIMEOUT: SimDuration = SimDuration::from_secs(28_800);

/// What a team knows, as `init`'s flags give it (checked: the durations
/// parse, the median is below the p95, the hours and days are ranges).
pub struct TeamFacts<'a> {
    /// The scenario's name.
    pub name: &'a str,
    /// The IANA time zone the working hours and days are on.
    pub timezone: &'a str,
    /// Builds on a working day.
    pub builds_per_day: f64,
    /// The working hours, `[from, to)`.
    pub hours: (usize, usize),
    /// The working days, as weekday indices from Monday, both included.
    pub days: (usize, usize),
    /// The working days as written (`Mon-Fri`), for the header.
    pub days_text: &'a str,
    /// The median build time, as written (`6m`).
    pub median: &'a str,
    /// The 95th percentile of build time, as written (`25m`).
    pub p95: &'a str,
    /// The pool's tier.
    pub tier: Tier,
    /// The p95 wait to aim for, as written (`5m`).
    pub wait_p95: &'a str,
}

/// `text` as a TOML string, quoted and escaped: flag text never becomes
/// TOML of its own (`--name 'x" # comment'`).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The run timeout: twice the p95 run time, at least an hour, at most
/// ACR's 8 hours, in whole minutes (the 5% of runs beyond the p95 are not
/// all cut at it).
fn timeout_for(p95: SimDuration) -> String {
    let s = (2.0 * p95.as_secs_f64()).clamp(3600.0, LONGEST_TIMEOUT.as_secs_f64());
    format!("{}m", (s / 60.0).ceil())
}

/// The `[quota]` key of `tier`'s kind and a limit that lets the sweep
/// reach `sweep_to` instances: I6 pools draw on the isolated quota, which
/// is 0 by default; a standard one is never written below its default 16.
fn quota_for(tier: Tier, sweep_to: u32) -> (&'static str, u32) {
    match tier.kind() {
        TierKind::Isolated => ("isolated_vcpu", sweep_to * tier.vcpu()),
        TierKind::Standard => ("standard_vcpu", (sweep_to * tier.vcpu()).max(16)),
    }
}

/// `1` for each of `n` slots in `on`, `0` for the others, as a TOML
/// array's items.
fn profile(n: usize, on: impl Fn(usize) -> bool) -> String {
    let items: Vec<&str> = (0..n).map(|i| if on(i) { "1" } else { "0" }).collect();
    items.join(", ")
}

/// The scenario text of `facts` with `count` instances in the pool.
pub fn team_scenario(facts: &TeamFacts, count: u32) -> String {
    let f = facts;
    let ((h0, h1), (d0, d1)) = (f.hours, f.days);
    let rate = f.builds_per_day / (h1 - h0) as f64;
    let sweep_to = (count * 2).max(count + 2);
    let (quota_key, quota_to) = quota_for(f.tier, sweep_to);
    let p95 = parse_duration(f.p95).unwrap_or(SimDuration::ZERO);
    format!(
        r#"# Written by `poolcast init`: a starting point, to be checked against
# real runs (`poolcast import` fits one to an export of them).
#
# {builds} builds a working day ({days}), arriving between {h0:02}:00 and
# {h1:02}:00, so {rate:.1} an hour then; build time median {median}, p95 {p95}.
# The pool is sized for that peak ({count} x {tier}, by M/M/c at the busiest
# hour); `poolcast run` simulates it, `poolcast plan` searches the count.
name = {name}

[simulation]
timezone = "{zone}"{pad}# IANA name: the working hours and days below are on this clock
horizon = "8d"        # a day of warm-up and one week of traffic (what plan --schedule judges)
warmup = "1d"         # left out of every figure
replications = 10     # independent weeks: the ± intervals come from these
seed = 1

# The registry's vCPU quota: {count} x {tier} needs {needed}, and the sweep
# below up to {quota_to}. A raise beyond 16 standard vCPUs (or any
# isolated ones, for I6) is a support request in real life.
[quota]
{quota_key} = {quota_to}

[[pool]]
name = "builders"
tier = "{tier}"
count = {count}
provisioning = "5m"   # every count change takes this long

[[workload]]
name = "ci"
pool = "builders"
# {builds} builds a working day, spread over its hours ({rate:.1} an hour), none otherwise.
arrival = {{ process = "profile", daily = "{builds}/d", hourly = [{hourly}], weekly = [{weekly}] }}
duration = {{ dist = "lognormal", median = {median}, p95 = {p95} }}
timeout = "{timeout}"  # twice the p95 build, at least 1h, at most ACR's 8h

[slo]
wait_p95 = {wait}    # `poolcast check` exits 1 when the p95 wait is above this

# `poolcast sweep` runs every count from 1 to {sweep_to}; `poolcast plan`
# finds the cheapest that meets [slo] without running them all.
[sweep]
"pool.builders.count" = {{ from = 1, to = {sweep_to}, step = 1 }}
"#,
        zone = f.timezone,
        pad = " ".repeat(9usize.saturating_sub(f.timezone.len()).max(1)),
        builds = f.builds_per_day,
        days = f.days_text,
        median = quoted(f.median),
        p95 = quoted(f.p95),
        name = quoted(f.name),
        tier = f.tier,
        wait = quoted(f.wait_p95),
        timeout = timeout_for(p95),
        needed = count * f.tier.vcpu(),
        hourly = profile(24, |h| (h0..h1).contains(&h)),
        weekly = profile(7, |d| (d0..=d1).contains(&d)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, tier: Tier) -> TeamFacts<'_> {
        TeamFacts {
            name,
            timezone: "Europe/Berlin",
            builds_per_day: 120.0,
            hours: (8, 20),
            days: (0, 5),
            days_text: "Mon-Sat",
            median: "6m",
            p95: "40m",
            tier,
            wait_p95: "5m",
        }
    }

    #[test]
    fn the_text_is_the_scenario_of_the_facts() {
        let text = team_scenario(&facts("team", Tier::S2), 3);
        let s = crate::scenario::from_str(&text, std::path::Path::new("init.toml")).unwrap();
        assert_eq!(s.name, "team");
        assert_eq!(s.pools[0].count, 3);
        assert_eq!(s.pools[0].tier, Tier::S2);
        // The sweep reaches twice the count, at least two more.
        assert!(text.contains("from = 1, to = 6, step = 1"), "{text}");
        // Hours [8, 20) and Monday to Saturday, both ends of each.
        let hourly = format!("[{}{}{}]", "0, ".repeat(8), "1, ".repeat(12), "0, 0, 0, 0");
        assert!(text.contains(&format!("hourly = {hourly}")), "{text}");
        assert!(text.contains("weekly = [1, 1, 1, 1, 1, 1, 0]"), "{text}");
        // Twice the 40m p95.
        assert!(text.contains("timeout = \"80m\""), "{text}");
    }

    #[test]
    fn an_isolated_pool_has_its_own_quota_and_the_timeout_is_capped() {
        let mut f = facts("big", Tier::I6);
        f.p95 = "7h";
        let text = team_scenario(&f, 2);
        assert!(text.contains("isolated_vcpu = 256"), "{text}");
        assert!(text.contains("timeout = \"480m\""), "{text}");
    }

    #[test]
    fn flag_text_stays_a_string() {
        let text = team_scenario(&facts("x\" # y", Tier::S1), 1);
        let toml: toml::Table = toml::from_str(&text).expect("TOML");
        assert_eq!(toml["name"].as_str(), Some("x\" # y"), "{text}");
    }
}
