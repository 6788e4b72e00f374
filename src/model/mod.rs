//! The domain of ACR agent pools: tiers, pools, the registry's vCPU quota and
//! prices. Plain validated data; nothing here runs a simulation or parses a
//! file.

mod cost;
mod pool;
mod quota;
mod tier;

pub use cost::{DefaultCompute, PriceBase, PriceTable};
pub use pool::{PoolId, PoolSpec, Target};
pub use quota::{Quota, QuotaUse};
pub use tier::{Tier, TierKind};
