//! Agent pools as a scenario describes them.

use super::{ColdStart, ScaleIn, Scaling, Tier};
use crate::units::SimDuration;

/// ACR's pool-name rule: a name's length, in characters.
pub const POOL_NAME_LENGTH: std::ops::RangeInclusive<usize> = 3..=20;

/// Whether `c` may stand in a pool name (ACR's rule: letters, digits and
/// hyphens).
pub fn pool_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// Whether `name` obeys ACR's pool-name rule: 3 to 20 letters, digits and
/// hyphens.
///
/// ```
/// use poolcast::model::valid_pool_name;
/// assert!(valid_pool_name("build-s2"));
/// assert!(!valid_pool_name("ab") && !valid_pool_name("a_b-c"));
/// ```
pub fn valid_pool_name(name: &str) -> bool {
    POOL_NAME_LENGTH.contains(&name.len()) && name.chars().all(pool_name_char)
}

/// The most runs the queues of a replication may hold, all pools together:
/// past this the scenario is hopelessly overloaded, and the replication
/// stops there (reported, not silent) so that memory stays bounded however
/// many pools overflow at once. The memory estimate reads the same bound.
pub const MAX_QUEUED: usize = 1_000_000;

/// The delay of every pool operation when the scenario does not say.
pub const DEFAULT_PROVISIONING: SimDuration = SimDuration::from_secs(300);

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
    /// Instances allocated at the start.
    pub count: u32,
    /// How the count changes.
    pub scaling: Scaling,
    /// Delay between a count change and its effect.
    pub provisioning: SimDuration,
    /// What scale-in does to running tasks.
    pub scale_in: ScaleIn,
    /// Extra run time of a fresh instance's first tasks.
    pub cold_start: Option<ColdStart>,
}

impl PoolSpec {
    /// A pool of `count` instances of `tier` that never scales.
    pub fn fixed(name: &str, tier: Tier, count: u32) -> PoolSpec {
        PoolSpec {
            name: name.to_string(),
            tier,
            count,
            scaling: Scaling::Fixed,
            provisioning: DEFAULT_PROVISIONING,
            scale_in: ScaleIn::Drain,
            cold_start: None,
        }
    }

    /// The most instances its policy can ask for.
    pub fn max_count(&self) -> u32 {
        self.scaling.max_count(self.count)
    }

    /// vCPUs the pool holds at its configured count.
    pub fn vcpu(&self) -> u32 {
        self.count.saturating_mul(self.tier.vcpu())
    }
}
