//! The domain of ACR agent pools: tiers, pools, the registry's vCPU quota,
//! prices, the runs' timeouts and the scenario's clock (`Calendar`). Plain
//! validated data; nothing here runs a simulation or parses a file.

/// `Serialize` as the type's `Display` text: the words a scenario and the
/// outputs spell it with (`"S2"`, `"Mon 09:00"`, `"hour"`), one home.
macro_rules! serialize_as_text {
    ($($ty:ty),*) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    )*};
}

mod analytic;
mod calendar;
mod cost;
mod hour;
mod objectives;
mod pool;
mod quota;
mod run;
mod scaling;
mod tier;
mod window;

pub use analytic::{BusiestHour, Forecast, HourLoad, PoolBaseline, PoolForecast};
pub use calendar::{Calendar, next_firing, previous_firing};
pub use cost::{DefaultCompute, PriceBase, PriceTable};
pub use hour::{HOURS_OF_WEEK, HourOfWeek, WEEKDAYS};
pub use objectives::{
    Objectives, Per, WAIT_P95, WaitObjective, meets, objective_label, wait_words,
};
pub use pool::{
    DEFAULT_PROVISIONING, MAX_QUEUED, POOL_NAME_LENGTH, PoolId, PoolSpec, Target, pool_name_char,
    valid_pool_name,
};
pub use quota::{Quota, QuotaUse};
pub use run::{DEFAULT_TIMEOUT, MAX_TIMEOUT, MIN_TIMEOUT, WorkloadId};
pub use scaling::{ColdStart, QueueController, QueueObservation, ScaleIn, Scaling, ScheduleRule};
pub use tier::{Tier, TierKind};
pub use window::{Window, WindowError};

serialize_as_text!(HourOfWeek, Per, Tier, TierKind, Window);
