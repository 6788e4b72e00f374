//! What the forecast (`crate::forecast`) computes from the model before
//! any simulation, as plain data: per pool its steady-state baseline, its
//! load by hour of the week and its busiest hour, and the hours of the
//! week a per-hour objective judges together. Computed once a run and
//! handed to the run's summary, which carries it to the reports. Their
//! `Serialize` is the objects `summary.json` and `estimate --format json`
//! show (the README, Outputs).

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// A scenario's forecast, as the run summary takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Per pool, in the scenario's order.
    pub pools: Vec<PoolForecast>,
    /// Under a per-hour objective, for each hour of the week the first
    /// hour alike to it (judged together); `None` without one.
    pub alike_hours: Option<Box<[usize; super::HOURS_OF_WEEK]>>,
}

/// One pool's forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolForecast {
    /// The steady-state baseline (M/M/c, Allen-Cunneen).
    pub baseline: PoolBaseline,
    /// The 168 hours of the week over the observed window.
    pub load_by_hour: Vec<HourLoad>,
    /// Mean run time on the pool, seconds (its workloads mixed by rate).
    pub mean_service_s: f64,
    /// Its busiest hour under M/M/c; `None` when no run arrives.
    pub busiest_hour: Option<BusiestHour>,
}

/// The analytic view of one pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolBaseline {
    /// Mean instances the arrivals keep busy (Erlangs).
    pub offered_load: f64,
    /// Offered load per instance.
    pub utilization: f64,
    /// Mean run time on the pool, in seconds (all its workloads mixed).
    pub mean_service_s: f64,
    /// Coefficient of variation of that run time.
    pub service_cv: f64,
    /// Why the closed forms do not describe this pool; `None` when they do.
    pub not_applicable: Option<String>,
    /// Erlang C: the share of runs that wait (M/M/c).
    pub mmc_wait_probability: f64,
    /// M/M/c mean wait, seconds.
    pub mmc_wait_mean_s: f64,
    /// Allen-Cunneen M/G/c mean wait, seconds.
    pub allen_cunneen_wait_mean_s: f64,
}

/// One hour of the week of one pool; its JSON leaves out the parts of
/// the load.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct HourLoad {
    /// Hour of the week, 0 = Monday 00:00-01:00.
    pub hour_of_week: usize,
    /// Instances busy in the hour (Erlangs): its runs and those still
    /// running from earlier hours.
    pub offered_load: f64,
    /// The part of `offered_load` from arrivals through the hours (every
    /// process but cron firings): the load a queue sees as a steady
    /// stream, what M/M/c reads. A cron firing is a batch that drains.
    #[serde(skip)]
    pub steady_load: f64,
    /// Runs cron firings bring at once in the hour, a week.
    #[serde(skip)]
    pub batch_runs: f64,
    /// Instances the pool can have in the hour: the fixed count, the
    /// schedule's count once provisioned, or a controller's maximum.
    pub instances: u32,
}

/// The busiest hour of a pool under M/M/c at its load: what the peak looks
/// like in steady state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BusiestHour {
    /// The hour and its load.
    pub hour: HourLoad,
    /// Mean run time on the pool, seconds.
    pub mean_service_s: f64,
    /// Erlang C: the share of runs that wait (1 at or above capacity).
    pub wait_probability: f64,
    /// M/M/c mean wait, seconds (infinite at or above capacity).
    pub wait_mean_s: f64,
    /// M/M/c p95 wait, seconds: P(Wq > t) = C e^{-(c mu - lambda) t}.
    pub wait_p95_s: f64,
}

impl Serialize for PoolBaseline {
    /// Whether the closed forms apply and why not, then the figures (null
    /// where undefined).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("PoolBaseline", 9)?;
        o.serialize_field("applies", &self.not_applicable.is_none())?;
        o.serialize_field("reason", &self.not_applicable)?;
        o.serialize_field("offered_load", &self.offered_load)?;
        o.serialize_field("utilization", &self.utilization)?;
        o.serialize_field("mean_service_s", &self.mean_service_s)?;
        o.serialize_field("service_cv", &self.service_cv)?;
        o.serialize_field("mmc_wait_probability", &self.mmc_wait_probability)?;
        o.serialize_field("mmc_wait_mean_s", &self.mmc_wait_mean_s)?;
        o.serialize_field("allen_cunneen_wait_mean_s", &self.allen_cunneen_wait_mean_s)?;
        o.end()
    }
}

impl Serialize for BusiestHour {
    /// The hour with the steady load M/M/c read (as `offered_load`) and
    /// its waits.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("BusiestHour", 6)?;
        o.serialize_field("hour_of_week", &self.hour.hour_of_week)?;
        o.serialize_field("offered_load", &self.hour.steady_load)?;
        o.serialize_field("instances", &self.hour.instances)?;
        o.serialize_field("wait_probability", &self.wait_probability)?;
        o.serialize_field("wait_mean_s", &self.wait_mean_s)?;
        o.serialize_field("wait_p95_s", &self.wait_p95_s)?;
        o.end()
    }
}
