//! The registry's vCPU quota: one limit over all standard pools together and
//! one over isolated pools.

use super::{PoolSpec, TierKind};

/// vCPU limits per registry. Raising them is a support request in real life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// vCPUs that all standard (S1/S2/S3) pools may hold together.
    pub standard_vcpu: u32,
    /// vCPUs that all isolated (I6) pools may hold together.
    pub isolated_vcpu: u32,
}

impl Default for Quota {
    /// The service defaults: 16 standard vCPUs, no isolated ones.
    fn default() -> Self {
        Quota {
            standard_vcpu: 16,
            isolated_vcpu: 0,
        }
    }
}

/// vCPUs a set of pools asks for, by quota kind, next to the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaUse {
    /// vCPUs of all standard pools together.
    pub standard_vcpu: u32,
    /// vCPUs of all isolated pools together.
    pub isolated_vcpu: u32,
}

impl Quota {
    /// The limit for pools of `kind`.
    pub fn limit(&self, kind: TierKind) -> u32 {
        match kind {
            TierKind::Standard => self.standard_vcpu,
            TierKind::Isolated => self.isolated_vcpu,
        }
    }

    /// What `pools` at their configured counts would use.
    ///
    /// ```
    /// use poolcast::model::{PoolSpec, Quota, Tier};
    /// let pools = [PoolSpec::fixed("a", Tier::S2, 3), PoolSpec::fixed("b", Tier::S1, 2)];
    /// assert_eq!(Quota::default().usage(&pools).standard_vcpu, 16);
    /// ```
    pub fn usage(&self, pools: &[PoolSpec]) -> QuotaUse {
        // Summed wide: many large pools must not wrap around to a small total.
        let sum = |kind| {
            let total: u64 = pools
                .iter()
                .filter(|p| p.tier.kind() == kind)
                .map(|p| u64::from(p.vcpu()))
                .sum();
            u32::try_from(total).unwrap_or(u32::MAX)
        };
        QuotaUse {
            standard_vcpu: sum(TierKind::Standard),
            isolated_vcpu: sum(TierKind::Isolated),
        }
    }
}

impl QuotaUse {
    /// vCPUs in use of `kind`.
    pub fn of(&self, kind: TierKind) -> u32 {
        match kind {
            TierKind::Standard => self.standard_vcpu,
            TierKind::Isolated => self.isolated_vcpu,
        }
    }
}
