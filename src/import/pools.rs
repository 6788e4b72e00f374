//! The pools of an import: tier (given, guessed from the name or from the
//! recorded vCPUs), instance count (the most runs seen at once) and the
//! quota they need.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::ImportError;
use super::collect::{Observed, PoolSeen, Renamed, quantile_s};
use super::write::{duration_text, quoted};
use crate::model::{Quota, Tier, TierKind};
use crate::scenario::{MAX_POOL_COUNT, MAX_QUOTA_VCPU};

/// Where a pool's tier came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TierSource {
    /// `--tier POOL=TIER`.
    Given,
    /// The pool's name (`buildpool-s2`).
    Name,
    /// The vCPUs its runs recorded (`agentConfiguration.cpu`).
    Cpu,
    /// Nothing: S1.
    Assumed,
}

/// A fitted pool.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PoolFit {
    /// Scenario name.
    pub name: String,
    /// Tier.
    pub tier: Tier,
    /// Where the tier came from.
    pub source: TierSource,
    /// Instances: the most runs seen at once.
    pub count: u32,
    /// The vCPU count most of its runs recorded, when it disagrees with the tier.
    pub cpu_conflict: Option<u32>,
}

/// Most runs at once on a pool: a sweep over start (+1) and finish (−1).
fn max_concurrent(intervals: &[(DateTime<Utc>, DateTime<Utc>)]) -> u32 {
    let mut edges: Vec<(DateTime<Utc>, i32)> = intervals
        .iter()
        .flat_map(|(s, f)| [(*s, 1), (*f, -1)])
        .collect();
    // Finishes before starts at equal times: a run that ends as another starts
    // frees its instance.
    edges.sort();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most.max(0) as u32
}

/// The tier a pool name suggests (`build-s2`, `poolS3`, …), if any.
fn tier_from_name(name: &str) -> Option<Tier> {
    let lower = name.to_ascii_lowercase();
    Tier::ALL.into_iter().find(|t| {
        let tag = t.name().to_ascii_lowercase();
        lower.match_indices(&tag).any(|(i, _)| {
            let after = lower[i + tag.len()..].chars().next();
            after.is_none_or(|c| !c.is_ascii_digit())
        })
    })
}

fn tier_of_vcpu(cpu: u32) -> Option<Tier> {
    Tier::ALL.into_iter().find(|t| t.vcpu() == cpu)
}

/// The `--tier` value for scenario pool `name`: given under its scenario
/// name or under the name the export records.
fn given_tier(
    name: &str,
    tiers: &BTreeMap<String, Tier>,
    renamed: &BTreeMap<String, Renamed>,
) -> Option<Tier> {
    tiers.get(name).copied().or_else(|| {
        renamed
            .iter()
            .find(|(_, r)| r.to == name)
            .and_then(|(from, _)| tiers.get(from).copied())
    })
}

/// Refuses a `--tier` for a pool the export does not have: a typo there
/// would otherwise leave the pool at a guessed tier without a word.
pub(super) fn check_tier_options(
    tiers: &BTreeMap<String, Tier>,
    observed: &Observed,
    path: &str,
) -> Result<(), ImportError> {
    let known: Vec<&String> = observed.pools.keys().collect();
    let Some((pool, tier)) = tiers
        .iter()
        .find(|(p, _)| !observed.pools.contains_key(*p) && !observed.renamed.contains_key(*p))
    else {
        return Ok(());
    };
    let hint = if known.is_empty() {
        "all its runs ran on the default compute, which has no tier; drop --tier".to_string()
    } else {
        let names: Vec<String> = known.iter().map(|k| quoted(k)).collect();
        format!(
            "its pools are {}; write --tier POOL=TIER with one of them",
            names.join(", ")
        )
    };
    Err(ImportError::UnknownPool {
        option: format!("{pool}={tier}"),
        path: path.to_string(),
        pool: pool.clone(),
        hint,
    })
}

/// The most common recorded vCPU count of a pool's runs.
fn recorded_cpu(seen: &PoolSeen) -> Option<u32> {
    seen.cpus
        .iter()
        .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))
        .map(|(c, _)| *c)
}

/// Fits every pool of `observed`, adding a warning for every guess.
pub(super) fn fit_pools(
    observed: &Observed,
    tiers: &BTreeMap<String, Tier>,
    warnings: &mut Vec<String>,
) -> Vec<PoolFit> {
    let mut pools = fit_each_pool(observed, tiers, warnings);
    for kind in [TierKind::Standard, TierKind::Isolated] {
        fit_quota_limit(&mut pools, kind, warnings);
    }
    pools
}

/// The vCPUs the pools of `kind` start with.
fn vcpu_of(pools: &[PoolFit], kind: TierKind) -> u64 {
    pools
        .iter()
        .filter(|p| p.tier.kind() == kind)
        .map(|p| u64::from(p.tier.vcpu()) * u64::from(p.count))
        .sum()
}

/// Lowers the counts of the pools of `kind` in proportion when together
/// they need more vCPUs than a scenario's quota may hold, saying so: the
/// scenario must validate, and the user must know it holds fewer instances
/// than the recording saw.
fn fit_quota_limit(pools: &mut [PoolFit], kind: TierKind, warnings: &mut Vec<String>) {
    let need = vcpu_of(pools, kind);
    let cap = u64::from(MAX_QUOTA_VCPU);
    if need <= cap {
        return;
    }
    let mut lowered = Vec::new();
    for p in pools.iter_mut().filter(|p| p.tier.kind() == kind) {
        let count = (u64::from(p.count) * cap / need).max(1) as u32;
        lowered.push(format!("{} {} -> {count}", p.name, p.count));
        p.count = count;
    }
    warnings.push(format!(
        "the {kind} pools need {need} vCPUs for the most runs each saw at once, more than the {cap} a scenario's [quota] {kind}_vcpu may hold; their counts are lowered in proportion ({}), so the simulated waits will be longer than the recorded ones",
        lowered.join(", ")
    ));
}

fn fit_each_pool(
    observed: &Observed,
    tiers: &BTreeMap<String, Tier>,
    warnings: &mut Vec<String>,
) -> Vec<PoolFit> {
    observed
        .pools
        .iter()
        .map(|(name, seen)| {
            let cpu = recorded_cpu(seen);
            let (tier, source) = match (
                given_tier(name, tiers, &observed.renamed),
                tier_from_name(name),
                cpu.and_then(tier_of_vcpu),
            ) {
                (Some(t), _, _) => (t, TierSource::Given),
                (None, Some(t), _) => (t, TierSource::Name),
                (None, None, Some(t)) => (t, TierSource::Cpu),
                (None, None, None) => (Tier::S1, TierSource::Assumed),
            };
            match source {
                TierSource::Given => {}
                TierSource::Name => warnings.push(format!("pool {name}: tier {tier} guessed from its name; pass --tier {name}=TIER if that is wrong")),
                TierSource::Cpu => warnings.push(format!("pool {name}: tier {tier} guessed from the {} vCPUs its runs recorded; pass --tier {name}=TIER if that is wrong", tier.vcpu())),
                TierSource::Assumed => warnings.push(format!("pool {name}: tier unknown, assumed S1; pass --tier {name}=TIER")),
            }
            let cpu_conflict = cpu.filter(|c| *c != tier.vcpu());
            if let Some(c) = cpu_conflict {
                warnings.push(format!(
                    "pool {name}: its runs recorded agentConfiguration.cpu = {c}, but tier {tier} has {} vCPUs; {}",
                    tier.vcpu(),
                    cpu_advice(name, c)
                ));
            }
            PoolFit {
                name: name.clone(),
                tier,
                source,
                count: max_concurrent(&seen.intervals)
                    .clamp(1, MAX_POOL_COUNT.min(MAX_QUOTA_VCPU / tier.vcpu())),
                cpu_conflict,
            }
        })
        .collect()
}

/// What to do about a recorded vCPU count that disagrees with the tier.
fn cpu_advice(name: &str, cpu: u32) -> String {
    match tier_of_vcpu(cpu) {
        Some(t) => format!("if the pool is {t}, pass --tier {name}={t}"),
        None => format!("no tier has {cpu} vCPUs, so check the tier"),
    }
}

impl PoolFit {
    /// The `[[pool]]` table, with the observed waits as a comment.
    pub(super) fn toml(&self, seen: &PoolSeen) -> String {
        // A tier the user gave is not a guess to check.
        let source = match self.source {
            TierSource::Given => "given with --tier",
            TierSource::Name => "CHECK: guessed from the name",
            TierSource::Cpu => "CHECK: guessed from the recorded vCPUs",
            TierSource::Assumed => "CHECK: assumed",
        };
        let mut text = format!(
            "[[pool]]\nname = {}\ntier = \"{}\"   # {source}\n",
            quoted(&self.name),
            self.tier
        );
        if let Some(c) = self.cpu_conflict {
            let _ = writeln!(
                text,
                "# CHECK: its runs recorded {c} vCPUs, tier {} has {}; {}",
                self.tier,
                self.tier.vcpu(),
                cpu_advice(&self.name, c)
            );
        }
        let _ = writeln!(text, "count = {}   # most runs seen at once", self.count);
        if let Some(w) = &seen.waits {
            let q = |p: f64| duration_text(quantile_s(w, p));
            let _ = writeln!(
                text,
                "# observed waits on {} ({} runs): p50 {}, p90 {}, p95 {}, p99 {}, max {}",
                self.name,
                w.len(),
                q(0.5),
                q(0.9),
                q(0.95),
                q(0.99),
                duration_text(w.max() as f64 / 1000.0)
            );
        }
        text
    }
}

/// The smallest quota that fits the pools, never below the service default.
pub(super) fn quota_for(pools: &[PoolFit]) -> Quota {
    // `fit_pools` keeps each kind within MAX_QUOTA_VCPU.
    let need = |kind| vcpu_of(pools, kind) as u32;
    let d = Quota::default();
    Quota {
        standard_vcpu: d.standard_vcpu.max(need(TierKind::Standard)),
        isolated_vcpu: d.isolated_vcpu.max(need(TierKind::Isolated)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_guess_reads_the_name() {
        assert_eq!(tier_from_name("buildpool-s2"), Some(Tier::S2));
        assert_eq!(tier_from_name("S3pool"), Some(Tier::S3));
        assert_eq!(tier_from_name("i6-big"), Some(Tier::I6));
        assert_eq!(tier_from_name("s21"), None);
        assert_eq!(tier_from_name("builders"), None);
    }

    #[test]
    fn concurrency_counts_overlaps_only() {
        let t = |m: i64| DateTime::from_timestamp(m * 60, 0).unwrap();
        assert_eq!(
            max_concurrent(&[(t(0), t(10)), (t(10), t(20)), (t(5), t(12))]),
            2
        );
        assert_eq!(max_concurrent(&[]), 0);
    }
}
