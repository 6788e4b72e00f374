//! The scenario in plain words, for the capacity report: what is
//! simulated, how each pool scales, what each workload does. Reports carry
//! these sentences; they never read the model themselves.

use super::{DEFAULT_COMPUTE, Scenario};
use crate::model::{Scaling, Target};
use crate::workload::{ArrivalProcess, DurationDist};

impl Scenario {
    /// The name of where a workload runs: its pool's, or `default`.
    pub fn target_name(&self, target: Target) -> &str {
        match target {
            Target::Pool(p) => &self.pools[p.0 as usize].name,
            Target::DefaultCompute => DEFAULT_COMPUTE,
        }
    }
}

fn arrival_words(a: &ArrivalProcess) -> String {
    match a {
        ArrivalProcess::Poisson { rate } => {
            format!("Poisson arrivals, {:.1} runs an hour", rate.as_per_hour())
        }
        ArrivalProcess::Profile { .. } => {
            format!(
                "a daily and weekly profile, {:.1} runs an hour on average",
                a.mean_rate().as_per_hour()
            )
        }
        ArrivalProcess::Cron {
            schedule, tasks, ..
        } => {
            format!("cron `{}`, {tasks} runs per firing", schedule.pattern)
        }
        ArrivalProcess::Burst { rate, size } => format!(
            "bursts of {:.1} runs on average, {:.1} bursts an hour",
            size.mean(),
            rate.as_per_hour()
        ),
        ArrivalProcess::Trace { trace, .. } => {
            format!("a replay of {} recorded runs", trace.runs().len())
        }
    }
}

fn duration_words(d: &DurationDist) -> String {
    let kind = match d {
        DurationDist::Constant { .. } => "constant",
        DurationDist::Exponential { .. } => "exponential",
        DurationDist::LogNormal { .. } => "lognormal",
        DurationDist::Gamma { .. } => "gamma",
        DurationDist::Uniform { .. } => "uniform",
        DurationDist::Empirical { .. } => "empirical",
    };
    let mean = d.mean_secs();
    format!(
        "{kind} run time, mean {:.1} min (cv {:.2})",
        mean / 60.0,
        d.variance_secs2().sqrt() / mean
    )
}

/// The scenario in plain words, one Markdown paragraph per item: the run,
/// each pool (with its scaling spelt out), each workload.
pub fn describe(s: &Scenario) -> Vec<String> {
    let sim = &s.simulation;
    let mut out = vec![format!(
        "{} of {} each, starting {} {}; the first {} of each is a warm-up and is left out of every figure.",
        crate::text::counted(sim.replications, "replication"),
        sim.horizon,
        sim.calendar.start().format("%A %Y-%m-%d %H:%M"),
        sim.calendar.zone(),
        sim.warmup
    )];
    for p in &s.pools {
        let policy = match &p.scaling {
            Scaling::Fixed => format!(
                "{} instance{}, fixed",
                p.count,
                if p.count == 1 { "" } else { "s" }
            ),
            Scaling::Schedule(rules) => {
                let each: Vec<String> = rules
                    .iter()
                    .map(|r| format!("`{}` sets {}", r.cron.pattern, r.count))
                    .collect();
                format!(
                    "a schedule starting at {} instance{}: {}",
                    p.count,
                    if p.count == 1 { "" } else { "s" },
                    each.join("; ")
                )
            }
            Scaling::Queue(c) => format!(
                "a queue controller between {} and {} instances, polling every {}, one instance per {} queued runs, cool-down {}{}",
                c.min,
                c.max,
                c.poll,
                c.per_instance,
                c.cooldown,
                c.target_wait.map_or(String::new(), |w| format!(
                    ", one more when the oldest run has waited {w}"
                ))
            ),
        };
        out.push(format!(
            "Pool **{}**: tier {} ({} vCPU, {} GB per instance), {policy}; count changes take {}.",
            p.name,
            p.tier,
            p.tier.vcpu(),
            p.tier.memory_gb(),
            p.provisioning
        ));
    }
    for w in &s.workloads {
        let target = match w.target {
            Target::Pool(id) => format!("pool {}", s.pools[id.0 as usize].name),
            Target::DefaultCompute => "the default compute environment".into(),
        };
        out.push(format!(
            "Workload **{}** on {target}: {}; {}, measured on {} vCPU with parallel fraction {}; timeout {}.",
            w.name,
            arrival_words(&w.arrival),
            duration_words(&w.duration),
            w.ref_cpu,
            w.parallel_fraction,
            w.timeout
        ));
    }
    out
}

/// The quota and its use, in plain words.
pub fn describe_quota(s: &Scenario) -> String {
    let (used, peak) = (s.quota.usage(&s.pools), s.quota.peak_usage(&s.pools));
    format!(
        "Standard quota: {} of {} vCPUs at the start, up to {} if every pool scales to its maximum. Isolated quota: {} of {} vCPUs (up to {}). A quota increase is a support request.",
        used.standard_vcpu,
        s.quota.standard_vcpu,
        peak.standard_vcpu,
        used.isolated_vcpu,
        s.quota.isolated_vcpu,
        peak.isolated_vcpu
    )
}
