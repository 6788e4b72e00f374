//! Agent-pool tiers and their fixed sizes (the README, Scenario reference).

use std::fmt;
use std::str::FromStr;

/// Whether a tier counts against the standard or the isolated vCPU quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TierKind {
    /// S1, S2 and S3 share the registry's standard quota.
    Standard,
    /// I6 counts against the isolated quota (0 unless raised).
    Isolated,
}

/// An agent-pool tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// 2 vCPU, 3 GB, standard.
    S1,
    /// 4 vCPU, 8 GB, standard.
    S2,
    /// 8 vCPU, 16 GB, standard.
    S3,
    /// 64 vCPU, 216 GB, isolated.
    I6,
}

impl Tier {
    /// Every tier, smallest first.
    pub const ALL: [Tier; 4] = [Tier::S1, Tier::S2, Tier::S3, Tier::I6];

    /// vCPUs of one instance.
    pub fn vcpu(self) -> u32 {
        match self {
            Tier::S1 => 2,
            Tier::S2 => 4,
            Tier::S3 => 8,
            Tier::I6 => 64,
        }
    }

    /// Memory of one instance, in GB.
    pub fn memory_gb(self) -> f64 {
        match self {
            Tier::S1 => 3.0,
            Tier::S2 => 8.0,
            Tier::S3 => 16.0,
            Tier::I6 => 216.0,
        }
    }

    /// Which quota the tier draws on.
    pub fn kind(self) -> TierKind {
        match self {
            Tier::I6 => TierKind::Isolated,
            _ => TierKind::Standard,
        }
    }

    /// The tier's name as the CLI and the scenario spell it.
    pub fn name(self) -> &'static str {
        match self {
            Tier::S1 => "S1",
            Tier::S2 => "S2",
            Tier::S3 => "S3",
            Tier::I6 => "I6",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for TierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TierKind::Standard => "standard",
            TierKind::Isolated => "isolated",
        })
    }
}

/// The error of parsing a tier name that is not S1, S2, S3 or I6.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tier {0:?}; use one of S1, S2, S3, I6")]
pub struct UnknownTier(pub String);

impl FromStr for Tier {
    type Err = UnknownTier;

    /// ```
    /// use poolcast::model::Tier;
    /// assert_eq!("s2".parse::<Tier>().unwrap(), Tier::S2);
    /// assert!("S4".parse::<Tier>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Tier, UnknownTier> {
        Tier::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownTier(s.to_string()))
    }
}
