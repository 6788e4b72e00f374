//! Prices: allocation-based pool cost per instance-hour and per-use default
//! compute. The service publishes no per-tier pool price, so the defaults are
//! estimates (see the README and `docs/acr-facts.md`).

use super::Tier;

/// USD per vCPU-second of ACR Tasks default compute (meter "Task vCPU Duration").
pub const TASK_VCPU_SECOND_USD: f64 = 0.0001;
/// The same rate per vCPU-hour (0.0001 × 3600), written out so that tier
/// prices print without floating-point noise.
pub const TASK_VCPU_HOUR_USD: f64 = 0.36;

/// Where the default per-tier prices come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceBase {
    /// Allocated vCPUs billed at the task rate: USD 0.36 per vCPU-hour
    /// (estimate A, conservative; the default).
    Allocation,
    /// The price of the equivalent D-series v3 VM (estimate B, a lower bound).
    Vm,
}

/// Default compute environment parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DefaultCompute {
    /// vCPUs every default-compute run gets.
    pub vcpu: u32,
    /// USD per vCPU-second of run time.
    #[serde(rename = "usd_per_vcpu_second")]
    pub vcpu_second_usd: f64,
    /// vCPU-seconds free each 30-day month (pro-rated over the observed window).
    pub free_vcpu_seconds_per_month: f64,
}

impl Default for DefaultCompute {
    fn default() -> Self {
        DefaultCompute {
            vcpu: 2,
            vcpu_second_usd: TASK_VCPU_SECOND_USD,
            free_vcpu_seconds_per_month: 6000.0,
        }
    }
}

impl DefaultCompute {
    /// The cost of `vcpu_seconds` used over `window_hours`, after the free
    /// monthly grant pro-rated to the window.
    pub fn cost_usd(&self, vcpu_seconds: f64, window_hours: f64) -> f64 {
        let free = self.free_vcpu_seconds_per_month * window_hours / (30.0 * 24.0);
        (vcpu_seconds - free).max(0.0) * self.vcpu_second_usd
    }
}

/// USD per instance-hour for each tier, plus default-compute pricing.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    per_instance_hour_usd: [f64; 4],
    /// Pricing of the default compute environment.
    pub default_compute: DefaultCompute,
}

impl PriceTable {
    /// The bundled table for `base`.
    ///
    /// ```
    /// use poolcast::model::{PriceBase, PriceTable, Tier};
    /// let p = PriceTable::new(PriceBase::Allocation);
    /// assert!((p.instance_hour_usd(Tier::S2) - 1.44).abs() < 1e-12);
    /// ```
    pub fn new(base: PriceBase) -> PriceTable {
        let per_instance_hour_usd = Tier::ALL.map(|t| match base {
            PriceBase::Allocation => f64::from(t.vcpu()) * TASK_VCPU_HOUR_USD,
            // D2/D4/D8 v3 pay-as-you-go Linux, East US; I6 has no known VM and
            // is extrapolated at the same USD 0.048 per vCPU-hour.
            PriceBase::Vm => f64::from(t.vcpu()) * 0.048,
        });
        PriceTable {
            per_instance_hour_usd,
            default_compute: DefaultCompute::default(),
        }
    }

    /// USD per instance-hour of `tier`.
    pub fn instance_hour_usd(&self, tier: Tier) -> f64 {
        self.per_instance_hour_usd[tier as usize]
    }

    /// Overrides the price of `tier`.
    pub fn set_instance_hour_usd(&mut self, tier: Tier, usd: f64) {
        self.per_instance_hour_usd[tier as usize] = usd;
    }
}

impl Default for PriceTable {
    fn default() -> Self {
        PriceTable::new(PriceBase::Allocation)
    }
}
