//! The registry's vCPU quota: one limit over all standard pools together and
//! one over isolated pools.

use super::{PoolSpec, TierKind};

/// vCPU limits per registry. Raising them is a support request in real life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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
        QuotaUse::of_pools(pools, PoolSpec::vcpu)
    }

    /// What `pools` would use, each at the most instances its policy can
    /// ask for (every pool scaled up at once).
    ///
    /// ```
    /// use poolcast::model::{PoolSpec, Quota, Tier};
    /// let pools = [PoolSpec::fixed("a", Tier::S2, 3), PoolSpec::fixed("b", Tier::S1, 2)];
    /// assert_eq!(Quota::default().peak_usage(&pools).standard_vcpu, 16);
    /// ```
    pub fn peak_usage(&self, pools: &[PoolSpec]) -> QuotaUse {
        QuotaUse::of_pools(pools, |p| p.max_count().saturating_mul(p.tier.vcpu()))
    }
}

impl QuotaUse {
    /// The vCPUs of `pools` by quota kind, `vcpu` of each.
    fn of_pools(pools: &[PoolSpec], vcpu: impl Fn(&PoolSpec) -> u32) -> QuotaUse {
        // Summed wide: many large pools must not wrap around to a small total.
        let sum = |kind| {
            let total: u64 = pools
                .iter()
                .filter(|p| p.tier.kind() == kind)
                .map(|p| u64::from(vcpu(p)))
                .sum();
            u32::try_from(total).unwrap_or(u32::MAX)
        };
        QuotaUse {
            standard_vcpu: sum(TierKind::Standard),
            isolated_vcpu: sum(TierKind::Isolated),
        }
    }

    /// vCPUs in use of `kind`.
    pub fn of(&self, kind: TierKind) -> u32 {
        match kind {
            TierKind::Standard => self.standard_vcpu,
            TierKind::Isolated => self.isolated_vcpu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{QueueController, Scaling, Tier};
    use crate::units::SimDuration;

    /// At the start each pool counts at its count, at the peak at the most
    /// its policy asks for; the two kinds apart.
    #[test]
    fn peak_usage_counts_each_pool_at_its_maximum() {
        let mut scaled = PoolSpec::fixed("scaled", Tier::S2, 1);
        scaled.scaling = Scaling::Queue(QueueController {
            min: 1,
            max: 5,
            per_instance: 1.0,
            poll: SimDuration::from_secs(60),
            cooldown: SimDuration::from_secs(600),
            target_wait: None,
        });
        let pools = [
            scaled,
            PoolSpec::fixed("fixed", Tier::S1, 2),
            PoolSpec::fixed("isolated", Tier::I6, 1),
        ];
        let q = Quota::default();
        let at = |standard_vcpu, isolated_vcpu| QuotaUse {
            standard_vcpu,
            isolated_vcpu,
        };
        assert_eq!(q.usage(&pools), at(4 + 4, 64));
        assert_eq!(q.peak_usage(&pools), at(5 * 4 + 4, 64));
    }
}
