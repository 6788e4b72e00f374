//! A task run's identity and the timeouts the service allows it.

use crate::units::SimDuration;

/// Index of a workload in its scenario's workload list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkloadId(pub u32);

/// The default run timeout of ACR Tasks.
pub const DEFAULT_TIMEOUT: SimDuration = SimDuration::from_secs(3600);
/// The shortest run timeout the service accepts.
pub const MIN_TIMEOUT: SimDuration = SimDuration::from_secs(300);
/// The longest run timeout the service accepts (8 h).
pub const MAX_TIMEOUT: SimDuration = SimDuration::from_secs(28_800);
