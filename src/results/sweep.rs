//! The results of a sweep as a table of rows (one per point, kept on disk:
//! `row_store`), and the decisions made on it, condition by condition: which
//! points meet the SLO, the Pareto front, the recommendation. The same
//! functions serve a fresh sweep, a merge of shards and a plan, so all
//! decide identically.

use std::io;

use super::row_store::{Judged as Columns, RowStore, Stored, TOTALS};
use super::{
    Estimate, Judged, Metric, MetricSet, ObjectiveKind, RunSummary, SloVerdict, TotalMetric, judge,
};
use crate::model::{HOURS_OF_WEEK, HourOfWeek, Objectives};

/// One point's results: every metric's mean and 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// Position in the full sweep, from 0.
    pub point: usize,
    /// Axis values as written in `sweep.csv`.
    pub params: Vec<String>,
    /// Replications run (0 for an infeasible point).
    pub replications: u32,
    /// Per metric of the table: mean, interval low, interval high (NaN when
    /// undefined or not run); empty in a row read back from the table,
    /// which keeps the totals only.
    pub values: Vec<[f64; 3]>,
    /// The totals (the first columns, in `TotalMetric` order), then three
    /// columns per wait objective (its judged value, its worst hour, the
    /// hours alike to it): what the decisions and the charts read, and all
    /// the table keeps.
    judged: Columns,
    /// Whether the point was valid and ran.
    pub feasible: bool,
    /// Why it is infeasible (empty when feasible).
    pub reason: String,
}

impl SweepRow {
    /// A row of `values` (every metric of the table, in column order), the
    /// first `judged` of which its decisions read (`judged_columns`).
    pub fn new(
        point: usize,
        params: Vec<String>,
        replications: u32,
        values: Vec<[f64; 3]>,
        judged: usize,
        feasible: bool,
        reason: String,
    ) -> SweepRow {
        let mut columns = vec![[f64::NAN; 3]; judged];
        for (t, v) in columns.iter_mut().zip(&values) {
            *t = *v;
        }
        SweepRow {
            point,
            params,
            replications,
            values,
            judged: columns,
            feasible,
            reason,
        }
    }

    /// A total metric of the row.
    pub fn total(&self, m: TotalMetric) -> Estimate {
        let [mean, lo, hi] = self.judged[m.index()];
        Estimate {
            mean,
            std_error: f64::NAN,
            ci95: (!lo.is_nan() && !hi.is_nan()).then_some((lo, hi)),
        }
    }

    /// The judged value of wait objective `i` (NaN without its columns).
    pub fn objective(&self, i: usize) -> Judged {
        let at = TOTALS + OBJECTIVE_COLUMNS * i;
        let [value, _, upper] = self.judged.get(at).copied().unwrap_or([f64::NAN; 3]);
        let hour = self.judged.get(at + 1).map_or(f64::NAN, |c| c[0]);
        let alike = self.judged.get(at + 2).map_or(f64::NAN, |c| c[0]);
        Judged {
            value,
            value_upper95: if upper.is_nan() { value } else { upper },
            has_interval: !upper.is_nan(),
            worst_hour: (hour >= 0.0 && hour < HOURS_OF_WEEK as f64)
                .then(|| HourOfWeek::from_index(hour as usize)),
            // Warned about in the run's outputs, not a sweep's.
            thin_hours: 0,
            alike_hours: if alike.is_nan() { 0 } else { alike as u32 },
        }
    }

    /// The row's verdict on the objectives, by the one SLO judge.
    pub fn verdict(&self, obj: &Objective) -> Option<SloVerdict> {
        let waits: Vec<Judged> = (0..obj.slo.waits.len())
            .map(|i| self.objective(i))
            .collect();
        judge(&obj.slo, &waits, self.total(TotalMetric::CostPerDayUsd))
    }

    /// Whether the row ran and meets every objective on the upper end of
    /// its interval (`met_upper95`: so a recommendation is not luck).
    /// Waits that are undefined meet nothing.
    pub fn meets(&self, obj: &Objective) -> bool {
        self.feasible && self.verdict(obj).is_none_or(|v| v.met_upper95)
    }

    /// The deciding p95 wait, seconds: the first wait objective's judged
    /// value (the window's, or the worst hour's), or the p95 of every run
    /// without one. What the front, the charts and the words read.
    pub fn wait_p95(&self) -> f64 {
        self.deciding_wait().value
    }

    /// The deciding p95 wait as an estimate, its interval where both ends
    /// are known (under `per = "hour"` the bound is of any hour, not an
    /// interval of the worst one): what the sweep charts plot.
    pub fn deciding_estimate(&self) -> Estimate {
        match self.judged.get(TOTALS) {
            Some(&[mean, lo, hi]) => Estimate {
                mean,
                std_error: f64::NAN,
                ci95: (!lo.is_nan() && !hi.is_nan()).then_some((lo, hi)),
            },
            None => self.total(TotalMetric::WaitP95S),
        }
    }

    /// The deciding wait with its upper 95% bound (`wait_p95`'s).
    pub fn deciding_wait(&self) -> Judged {
        if TOTALS < self.judged.len() {
            self.objective(0)
        } else {
            Judged::of(self.total(TotalMetric::WaitP95S))
        }
    }

    /// The mean of the minimised cost.
    pub fn cost(&self, obj: &Objective) -> f64 {
        self.total(obj.cost_metric()).mean
    }

    /// The order of rows by cost: cheapest first, then the shorter wait,
    /// then the earlier point.
    fn cheaper(&self, other: &SweepRow, obj: &Objective) -> bool {
        self.cost(obj)
            .total_cmp(&other.cost(obj))
            .then(self.wait_p95().total_cmp(&other.wait_p95()))
            .then(self.point.cmp(&other.point))
            .is_lt()
    }
}

/// The objective a sweep optimises.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// What a point must meet (on the upper end of its intervals).
    pub slo: Objectives,
    /// Minimise compute plus waiting cost rather than compute cost.
    pub with_waiting_cost: bool,
}

impl Objective {
    /// The metric minimised.
    pub fn cost_metric(&self) -> TotalMetric {
        if self.with_waiting_cost {
            TotalMetric::TotalCostUsd
        } else {
            TotalMetric::CostUsd
        }
    }
}

/// A sweep's results: the rows of its points, kept on disk (`RowStore`) a
/// fixed size each, with what names them (the axes' values) in memory.
/// A row goes in as a point ends (`insert`) and comes back with its
/// totals (`row`); the decisions read the rows of one condition at a time
/// (`decisions`), so that memory does not grow with the points.
#[derive(Debug)]
pub struct SweepTable {
    /// Axis key paths.
    pub axes: Vec<String>,
    /// Metric names, in column order.
    pub metrics: Vec<String>,
    /// Each axis's values as written in `sweep.csv`, the first axis
    /// varying slowest through the points.
    values: Vec<Vec<String>>,
    store: RowStore,
    /// Rows inserted.
    rows: usize,
    /// Infeasible rows inserted, and the first few (by point) with their
    /// reasons, which the table itself does not keep.
    infeasible: usize,
    first_infeasible: Vec<(usize, String)>,
}

/// The infeasible points a sweep's summary names, with their reasons.
pub const INFEASIBLE_LISTED: usize = 5;

impl SweepTable {
    /// An empty table of the points of axes `(key, values as written)`,
    /// each with a value at least.
    pub fn new(axes: Vec<(String, Vec<String>)>, metrics: Vec<String>) -> io::Result<SweepTable> {
        let (axes, values): (Vec<String>, Vec<Vec<String>>) = axes.into_iter().unzip();
        let judged = judged_columns(&metrics);
        let points = values
            .iter()
            .try_fold(1usize, |n, v| n.checked_mul(v.len()))
            .filter(|&n| n > 0);
        if points.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a sweep's axes must have a value each and make fewer points than a machine counts",
            ));
        }
        Ok(SweepTable {
            axes,
            metrics,
            values,
            store: RowStore::new(judged)?,
            rows: 0,
            infeasible: 0,
            first_infeasible: Vec::new(),
        })
    }

    /// Each axis's values as written.
    pub fn axis_values(&self) -> &[Vec<String>] {
        &self.values
    }

    /// Points of the sweep (the product of the axes' lengths), with a row
    /// or not.
    pub fn points(&self) -> usize {
        self.values.iter().map(Vec::len).product()
    }

    /// Rows inserted.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was inserted.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Infeasible rows, and the first `INFEASIBLE_LISTED` of them (point,
    /// reason) in point order.
    pub fn infeasible(&self) -> (usize, &[(usize, String)]) {
        (self.infeasible, &self.first_infeasible)
    }

    /// Adds the row of a point (once per point): its totals go to disk.
    pub fn insert(&mut self, row: &SweepRow) -> io::Result<()> {
        if row.point >= self.points() {
            return Err(io::Error::other(format!(
                "point {} is beyond the sweep's {} points",
                row.point,
                self.points()
            )));
        }
        self.store.put(
            row.point,
            &Stored {
                replications: row.replications,
                feasible: row.feasible,
                // Every record the store's width (an infeasible row has
                // totals only).
                columns: {
                    let mut c = row.judged.clone();
                    c.resize(self.store.columns(), [f64::NAN; 3]);
                    c
                },
            },
        )?;
        self.rows += 1;
        if !row.feasible {
            self.infeasible += 1;
            let listed = &mut self.first_infeasible;
            let at = listed.partition_point(|(p, _)| *p < row.point);
            if at < INFEASIBLE_LISTED {
                listed.insert(at, (row.point, row.reason.clone()));
                listed.truncate(INFEASIBLE_LISTED);
            }
        }
        Ok(())
    }

    /// The axis values of `point`, as written.
    pub fn params(&self, mut point: usize) -> Vec<String> {
        let mut out = vec![String::new(); self.values.len()];
        for (slot, values) in out.iter_mut().zip(&self.values).rev() {
            *slot = values[point % values.len()].clone();
            point /= values.len();
        }
        out
    }

    /// The row of `point` with its totals (no other metric, and no reason
    /// for an infeasible one: `sweep.csv` has both), if it has one.
    pub fn row(&self, point: usize) -> io::Result<Option<SweepRow>> {
        Ok(self.bare_row(point)?.map(|mut row| {
            row.params = self.params(point);
            row
        }))
    }

    /// The row of `point` without its axis values: what a decision reads
    /// of the rows it does not keep.
    fn bare_row(&self, point: usize) -> io::Result<Option<SweepRow>> {
        Ok(self.store.get(point)?.map(|stored| SweepRow {
            point,
            params: Vec::new(),
            replications: stored.replications,
            values: Vec::new(),
            judged: stored.columns,
            feasible: stored.feasible,
            reason: String::new(),
        }))
    }

    /// The rows in point order.
    pub fn rows(&self) -> impl Iterator<Item = io::Result<SweepRow>> + '_ {
        (0..self.points()).filter_map(|p| self.row(p).transpose())
    }

    /// The axes that are conditions (`is_condition_axis`), and the others.
    fn condition_axes(&self) -> (Vec<usize>, Vec<usize>) {
        (0..self.axes.len()).partition(|&i| is_condition_axis(&self.axes[i]))
    }

    /// Conditions: the combinations of the condition axes' values (one
    /// without such axes).
    pub fn conditions(&self) -> usize {
        let (cond, _) = self.condition_axes();
        cond.iter().map(|&i| self.values[i].len()).product()
    }

    /// The point of `digits` (a value index per axis).
    fn point_of(&self, digits: &[usize]) -> usize {
        digits
            .iter()
            .zip(&self.values)
            .fold(0, |p, (d, v)| p * v.len() + d)
    }

    /// Writes `index` in the digits of `axes` (the last varying fastest).
    fn spread(&self, mut index: usize, axes: &[usize], digits: &mut [usize]) {
        for &a in axes.iter().rev() {
            let n = self.values[a].len();
            digits[a] = index % n;
            index /= n;
        }
    }

    /// The points of condition `c`, in point order: its condition axes'
    /// values fixed, the others' varying.
    pub fn condition_points(&self, c: usize) -> impl Iterator<Item = usize> + '_ {
        let (cond, choice) = self.condition_axes();
        let mut digits = vec![0; self.axes.len()];
        self.spread(c, &cond, &mut digits);
        let combinations: usize = choice.iter().map(|&i| self.values[i].len()).product();
        (0..combinations).map(move |j| {
            self.spread(j, &choice, &mut digits);
            self.point_of(&digits)
        })
    }

    /// The values of the condition axes of condition `c`.
    fn condition(&self, c: usize) -> Condition<'_> {
        let (cond, _) = self.condition_axes();
        let mut digits = vec![0; self.axes.len()];
        self.spread(c, &cond, &mut digits);
        cond.iter()
            .map(|&i| (self.axes[i].as_str(), self.values[i][digits[i]].as_str()))
            .collect()
    }

    /// What is decided for condition `c`: `None` when none of its points
    /// has a row.
    pub fn decide(&self, c: usize, obj: &Objective) -> io::Result<Option<Decision<'_>>> {
        let mut any = false;
        let mut meeting: Vec<SweepRow> = Vec::with_capacity(3);
        let mut front: Vec<SweepRow> = Vec::new();
        for point in self.condition_points(c) {
            let Some(row) = self.bare_row(point)? else {
                continue;
            };
            any = true;
            let kept = |mut row: SweepRow| {
                row.params = self.params(row.point);
                row
            };
            if row.meets(obj) {
                // The two cheapest meeting points.
                let at = meeting.partition_point(|m| m.cheaper(&row, obj));
                if at < 2 {
                    meeting.insert(at, kept(row.clone()));
                    meeting.truncate(2);
                }
            }
            if row.feasible && !row.cost(obj).is_nan() {
                add_to_front(&mut front, row, obj, kept);
            }
        }
        if !any {
            return Ok(None);
        }
        let mut meeting = meeting.into_iter();
        Ok(Some(Decision {
            index: c,
            condition: self.condition(c),
            best: meeting.next(),
            runner_up: meeting.next(),
            front,
        }))
    }

    /// What is decided for each condition with rows, in condition order:
    /// the order of their condition axes' values, which is the order in
    /// which the points first meet each when every point has its row.
    pub fn decisions<'a>(
        &'a self,
        obj: &'a Objective,
    ) -> impl Iterator<Item = io::Result<Decision<'a>>> + 'a {
        (0..self.conditions()).filter_map(move |c| self.decide(c, obj).transpose())
    }
}

/// Adds `row` to `front` (the points that no other beats on both cost
/// and mean p95 wait, cheapest first) when no point of it beats `row`,
/// dropping those `row` beats: the front of the rows seen so far, without
/// keeping them. Sorted by cost (then wait, then point), a front's waits
/// fall strictly, so a row is on it when it waits strictly less than the
/// last cheaper point on it. `keep` completes a row that joins it.
fn add_to_front(
    front: &mut Vec<SweepRow>,
    row: SweepRow,
    obj: &Objective,
    keep: impl FnOnce(SweepRow) -> SweepRow,
) {
    let wait = row.wait_p95();
    let at = front.partition_point(|f| f.cheaper(&row, obj));
    let cheaper_wait = at
        .checked_sub(1)
        .map_or(f64::INFINITY, |i| front[i].wait_p95());
    // An undefined wait (NaN) is never on the front.
    if wait.partial_cmp(&cheaper_wait) != Some(std::cmp::Ordering::Less) {
        return;
    }
    let beaten = front[at..]
        .iter()
        .take_while(|f| f.wait_p95() >= wait)
        .count();
    front.splice(at..at + beaten, [keep(row)]);
}

/// Whether an axis describes conditions (traffic, horizon, prices) rather
/// than a choice (tier, count, scaling, quota): a sweep recommends for
/// each condition, never across them, and names each by its values.
pub fn is_condition_axis(key: &str) -> bool {
    ["workload.", "simulation.", "prices."]
        .iter()
        .any(|p| key.starts_with(p))
}

/// The prefix of the objectives' columns.
const OBJECTIVE_COLUMN: &str = "slo.";

/// The columns a row's decisions read, of a table of metrics `names`: the
/// totals, then the objectives' columns (`metric_names`).
pub fn judged_columns(names: &[String]) -> usize {
    TOTALS
        + names[TOTALS.min(names.len())..]
            .iter()
            .take_while(|n| n.starts_with(OBJECTIVE_COLUMN))
            .count()
}

/// An objective's name in a sweep's columns: `slo.wait_p95`,
/// `slo.nightly.wait_p95` (a workload's own), `slo.max_cost_per_day`.
pub fn objective_id(workload: Option<&str>, kind: ObjectiveKind) -> String {
    match workload {
        Some(w) => format!("{OBJECTIVE_COLUMN}{w}.{}", kind.name()),
        None => format!("{OBJECTIVE_COLUMN}{}", kind.name()),
    }
}

/// Metrics per wait objective in a sweep's table.
const OBJECTIVE_COLUMNS: usize = 3;

fn triple(e: Estimate) -> [f64; 3] {
    let (lo, hi) = e.ci95.unwrap_or((f64::NAN, f64::NAN));
    [e.mean, lo, hi]
}

fn triples<M: Metric>(set: &MetricSet<M>) -> impl Iterator<Item = [f64; 3]> + '_ {
    set.iter().map(|(_, e)| triple(e))
}

/// The values of a run in the order of `metric_names`.
pub fn row_values(run: &RunSummary) -> Vec<[f64; 3]> {
    let mut v: Vec<[f64; 3]> = triples(&run.totals).collect();
    let waits = run.slo.iter().flat_map(|v| &v.objectives);
    for o in waits.filter(|o| o.kind == ObjectiveKind::WaitP95) {
        // The upper bound judged, under its interval's column; the low
        // end is not a bound of the worst hour's (`Judged`).
        let upper = if o.has_interval {
            o.value_upper95
        } else {
            f64::NAN
        };
        v.push([o.value, f64::NAN, upper]);
        let hour = o.worst_hour.map_or(f64::NAN, |h| h.index() as f64);
        v.push([hour, f64::NAN, f64::NAN]);
        let alike = o.worst_hour.map_or(f64::NAN, |_| f64::from(o.alike_hours));
        v.push([alike, f64::NAN, f64::NAN]);
    }
    for p in &run.pools {
        v.extend(triples(&p.metrics));
    }
    for w in &run.workloads {
        v.extend(triples(&w.metrics));
    }
    v
}

/// The values of the condition axes of a point, as (axis, value) pairs.
/// Borrowed from the table: a sweep with a workload axis has a condition
/// per point.
pub type Condition<'a> = Vec<(&'a str, &'a str)>;

/// What is decided for one condition: the recommended point, the
/// runner-up and the Pareto front.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<'a> {
    /// The condition's number (see `SweepTable::condition_points`).
    pub index: usize,
    /// The values of the condition axes (workload and simulation keys: what
    /// the world does, not what the team chooses); empty without them.
    pub condition: Condition<'a>,
    /// The cheapest point that meets the SLO, if any.
    pub best: Option<SweepRow>,
    /// The next cheapest, if any.
    pub runner_up: Option<SweepRow>,
    /// The feasible points that no other feasible point of the condition
    /// beats on both cost and mean p95 wait, cheapest first.
    pub front: Vec<SweepRow>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::SimDuration;
    use proptest::prelude::*;

    /// A row whose minimised cost and p95 wait (mean and upper bound) are
    /// the given ones, every other total undefined.
    fn row(point: usize, params: Vec<String>, feasible: bool, cost: f64, wait: f64) -> SweepRow {
        let mut values = vec![[f64::NAN; 3]; TOTALS + 2];
        values[TotalMetric::CostUsd.index()] = [cost, cost, cost];
        values[TotalMetric::WaitP95S.index()] = [wait, wait - 1.0, wait + 1.0];
        values[TOTALS] = [wait, f64::NAN, wait + 1.0];
        SweepRow::new(
            point,
            params,
            3,
            values,
            TOTALS + 2,
            feasible,
            String::new(),
        )
    }

    /// What was decided before the table went to disk, on rows in memory:
    /// per condition (first seen, in point order), the rows sorted by
    /// cost, then wait, then point; the front is each row that waits
    /// strictly less than every cheaper one; the recommendation the two
    /// first rows that meet.
    fn decided_in_memory(
        rows: &[SweepRow],
        condition_axis: Option<usize>,
        obj: &Objective,
    ) -> Vec<(Vec<usize>, Vec<usize>)> {
        let mut groups: Vec<(String, Vec<&SweepRow>)> = Vec::new();
        for r in rows {
            let key = condition_axis.map_or(String::new(), |a| r.params[a].clone());
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g.push(r),
                None => groups.push((key, vec![r])),
            }
        }
        groups
            .into_iter()
            .map(|(_, mut g)| {
                g.sort_by(|a, b| {
                    a.cost(obj)
                        .total_cmp(&b.cost(obj))
                        .then(a.wait_p95().total_cmp(&b.wait_p95()))
                        .then(a.point.cmp(&b.point))
                });
                let meeting = g
                    .iter()
                    .filter(|r| r.meets(obj))
                    .take(2)
                    .map(|r| r.point)
                    .collect();
                let mut best_wait = f64::INFINITY;
                let mut front = Vec::new();
                for r in g.iter().filter(|r| r.feasible && !r.cost(obj).is_nan()) {
                    if r.wait_p95() < best_wait {
                        front.push(r.point);
                        best_wait = r.wait_p95();
                    }
                }
                (meeting, front)
            })
            .collect()
    }

    proptest! {
        /// The decisions made a condition at a time from the rows on disk
        /// are those made on every row in memory: the recommendation, the
        /// runner-up and the front, with ties of cost and wait, undefined
        /// costs and waits, infeasible points, a condition axis varying
        /// slowest or fastest, and (without one) points that never ran.
        #[test]
        fn decisions_from_disk_are_those_made_in_memory(
            counts in 1usize..7,
            conditions in prop::option::of((1usize..4, any::<bool>())),
            cells in prop::collection::vec((0u8..5, 0u8..5, any::<bool>(), 0u8..4), 24),
        ) {
            let count_values: Vec<String> = (1..=counts).map(|c| c.to_string()).collect();
            let mut axes = vec![("pool.a.count".to_string(), count_values)];
            let condition_axis = conditions.map(|(n, slowest)| {
                let axis = (
                    "workload.ci.rate_scale".to_string(),
                    (1..=n).map(|s| format!("{s}.5")).collect(),
                );
                if slowest {
                    axes.insert(0, axis);
                    0
                } else {
                    axes.push(axis);
                    1
                }
            });
            let mut names: Vec<String> = TotalMetric::ALL.iter().map(|m| m.name().into()).collect();
            names.extend([
                "slo.wait_p95_s".into(),
                "slo.wait_p95.worst_hour".into(),
                "slo.wait_p95.worst_hour_alike".into(),
                "x".into(),
            ]);
            let mut table = SweepTable::new(axes, names).expect("temp file");
            let obj = Objective {
                slo: crate::model::Objectives {
                    waits: vec![crate::model::WaitObjective {
                        target: SimDuration::from_secs_f64(20.0),
                        window: None,
                        per: crate::model::Per::Window,
                        workload: None,
                        workloads: vec![(0, "ci".into())],
                    }],
                    max_cost_per_day_usd: None,
                },
                with_waiting_cost: false,
            };
            let level = |v: u8| if v == 4 { f64::NAN } else { f64::from(v) * 10.0 };
            let mut rows = Vec::new();
            for (point, &(cost, wait, feasible, absent)) in cells.iter().enumerate().take(table.points()) {
                // Points without rows only where there is one condition
                // (a plan's table): the order of conditions first seen is
                // their order only when every point has its row.
                if condition_axis.is_none() && absent == 0 {
                    continue;
                }
                let r = row(point, table.params(point), feasible, level(cost), level(wait));
                table.insert(&r).expect("kept");
                rows.push(r);
            }
            let from_disk: Vec<(Vec<usize>, Vec<usize>)> = table
                .decisions(&obj)
                .map(|d| {
                    let d = d.expect("read back");
                    let meeting = d.best.iter().chain(&d.runner_up).map(|r| r.point).collect();
                    (meeting, d.front.iter().map(|r| r.point).collect())
                })
                .collect();
            prop_assert_eq!(from_disk, decided_in_memory(&rows, condition_axis, &obj));
        }
    }
}
