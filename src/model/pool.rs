//! Agent pools as a scenario describes them.

use super::Tier;

/// Index of a pool in its scenario's pool list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PoolId(pub u32);

/// Where a workload's runs execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// An agent pool of the scenario.
    Pool(PoolId),
    /// The service's default compute environment: unbounded, 2 vCPU per run,
    /// billed per vCPU-second.
    DefaultCompute,
}

/// A validated agent pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSpec {
    /// Unique name, as runs name it with `--agent-pool`.
    pub name: String,
    /// The pool's tier (fixed at creation).
    pub tier: Tier,
    /// Instances allocated for the whole run.
    pub count: u32,
}

impl PoolSpec {
    /// A pool of `count` instances of `tier`.
    pub fn fixed(name: &str, tier: Tier, count: u32) -> PoolSpec {
        PoolSpec {
            name: name.to_string(),
            tier,
            count,
        }
    }

    /// vCPUs the pool holds at its configured count.
    pub fn vcpu(&self) -> u32 {
        self.count.saturating_mul(self.tier.vcpu())
    }
}
