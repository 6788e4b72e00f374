//! The sweep charts, one panel per condition (up to `MAX_PANELS`; beyond,
//! that many conditions evenly spaced through the sweep, which the title
//! says):
//! cost versus p95 wait with the Pareto front, and p95 wait versus instance
//! count per tier. Points are coloured by tier, numbered as in `sweep.csv`,
//! and plot the deciding p95 wait (the first wait objective's judged value,
//! the one the SLO line is its target of; every run's p95 without one) with
//! a bar up to the upper 95% bound the decision is made on. Waits above
//! the axis are marked at the top edge with
//! their value, and lines leave the plot through the edge rather than run
//! flat along it. `sweep_cost_wait.csv` holds the points drawn.

use std::collections::HashSet;
use std::io;

use plotters::prelude::*;

mod plot;

pub(super) use plot::{Kind, SweepPlot};

use super::palette;
use crate::model::Tier;
use crate::results::{Estimate, Objective, SweepTable, is_condition_axis};

/// A feasible point of a sweep as the charts draw it.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct SweepPoint {
    /// Position in the sweep (as in `sweep.csv`).
    pub point: usize,
    /// The value of the first tier axis, if any.
    pub tier: Option<Tier>,
    /// The value of the count axis, if any.
    pub count: Option<f64>,
    /// The minimised cost, USD.
    pub cost: f64,
    /// The deciding p95 wait, seconds (the first wait objective's judged
    /// value, or the p95 of every run without one), with its interval
    /// where both ends are known.
    pub wait: Estimate,
    /// Its upper 95% bound, the one that decided (`sweep.csv`'s
    /// `_ci95_high`).
    pub upper95: f64,
    /// On the cost / wait Pareto front of its condition.
    pub pareto: bool,
    /// Recommended for its condition.
    pub recommended: bool,
}

/// One panel: a condition and the points drawn of it.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct Panel {
    /// The condition in words ("workload.ci.rate_scale = 1.5"; empty
    /// without condition axes), and how many of its points are drawn when
    /// not all.
    pub caption: String,
    /// The points drawn, in point order.
    pub points: Vec<SweepPoint>,
}

/// What the axes and the key of the charts read: every feasible point's,
/// drawn or not, so that they are the same whichever panels are drawn.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct Extent {
    /// Whether there is a feasible point.
    pub any: bool,
    /// The highest finite cost.
    pub cost: f64,
    /// The highest instance count (at least 1).
    pub count: f64,
    /// The longest finite p95 wait and the longest of all, minutes.
    pub finite_minutes: f64,
    pub minutes: f64,
    /// The tiers of the points.
    pub tiers: Vec<Tier>,
    /// Whether a point is on a front, recommended, has an interval.
    pub pareto: bool,
    pub recommended: bool,
    pub interval: bool,
}

impl Default for Extent {
    fn default() -> Extent {
        Extent {
            any: false,
            cost: 0.0,
            count: 1.0,
            finite_minutes: 0.0,
            minutes: f64::NEG_INFINITY,
            tiers: Vec::new(),
            pareto: false,
            recommended: false,
            interval: false,
        }
    }
}

impl Extent {
    fn add(&mut self, p: &SweepPoint) {
        self.any = true;
        if p.cost.is_finite() {
            self.cost = self.cost.max(p.cost);
        }
        if let Some(c) = p.count {
            self.count = self.count.max(c);
        }
        let y = p.minutes();
        if y.is_finite() {
            self.finite_minutes = self.finite_minutes.max(y);
        }
        if !y.is_nan() {
            self.minutes = self.minutes.max(y);
        }
        if let Some(t) = p.tier.filter(|t| !self.tiers.contains(t)) {
            self.tiers.push(t);
        }
        self.pareto |= p.pareto;
        self.recommended |= p.recommended;
        self.interval |= p.bar().is_some();
    }
}

/// What both sweep charts draw.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::report) struct SweepData {
    /// Conditions in the sweep (one without condition axes).
    pub conditions: usize,
    /// The panels drawn (`shown_conditions`).
    pub panels: Vec<Panel>,
    /// Whether the sweep has an instance-count axis.
    pub has_count: bool,
    pub extent: Extent,
}

/// What `visit_points` meets.
pub(in crate::report) enum Visit {
    /// A condition begins.
    Condition,
    /// A feasible point.
    Point(SweepPoint),
}

/// Calls `f` with each condition of a sweep and each of its feasible
/// points as the charts see them, in point order: with the condition's
/// number and its words.
pub(in crate::report) fn visit_points(
    table: &SweepTable,
    obj: &Objective,
    mut f: impl FnMut(usize, &str, Visit) -> io::Result<()>,
) -> io::Result<()> {
    let tier_axis = table.axes.iter().position(|a| a.ends_with(".tier"));
    let count_axis = count_axis(table);
    for (i, decision) in table.decisions(obj).enumerate() {
        let d = decision?;
        let words = d
            .condition
            .iter()
            .map(|(axis, value)| format!("{axis} = {value}"))
            .collect::<Vec<_>>()
            .join(", ");
        // Sets: a sweep's front may hold most of its points.
        let front: HashSet<usize> = d.front.iter().map(|r| r.point).collect();
        let best = d.best.as_ref().map(|b| b.point);
        f(i, &words, Visit::Condition)?;
        for point in table.condition_points(d.index) {
            let Some(r) = table.row(point)?.filter(|r| r.feasible) else {
                continue;
            };
            let p = SweepPoint {
                point,
                tier: tier_axis.and_then(|t| r.params[t].parse().ok()),
                count: count_axis.and_then(|c| r.params[c].parse().ok()),
                cost: r.cost(obj),
                // The value the SLO line is drawn against: the deciding
                // objective's, not the p95 of every run.
                wait: non_negative(r.deciding_estimate()),
                upper95: r.deciding_wait().value_upper95,
                pareto: front.contains(&point),
                recommended: best == Some(point),
            };
            f(i, &words, Visit::Point(p))?;
        }
    }
    Ok(())
}

/// The instance-count axis, if any.
fn count_axis(table: &SweepTable) -> Option<usize> {
    table
        .axes
        .iter()
        .position(|a| a.ends_with(".count") && !is_condition_axis(a))
}

/// The height of a point's label, pixels.
const LABEL_ROW: u32 = 14;

/// The most points drawn of a panel besides its front and recommended
/// point (a sweep of 20,000 counts drew 20,000 numbered dots on one
/// panel); `sweep_cost_wait.csv` has every one.
const MAX_MARKS: usize = 250;

/// Whether a panel thinned to one in `every` (a power of two) keeps
/// `point`: picked by a hash of its number, so that no axis's values
/// alias with the pick (every k-th point of a grid whose tier varies
/// fastest drew one tier only).
fn picked(point: usize, every: u64) -> bool {
    // splitmix64's finaliser.
    let mut z = (point as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) & (every - 1) == 0
}

/// The points of a panel as they come, thinned whenever more than
/// `MAX_MARKS` others than the front and the recommended are kept.
struct Thinned {
    points: Vec<SweepPoint>,
    /// Points kept that are neither on the front nor recommended.
    others: usize,
    every: u64,
    feasible: usize,
}

impl Thinned {
    fn add(&mut self, p: SweepPoint) {
        self.feasible += 1;
        let flagged = |p: &SweepPoint| p.pareto || p.recommended;
        if !(flagged(&p) || picked(p.point, self.every)) {
            return;
        }
        self.others += usize::from(!flagged(&p));
        self.points.push(p);
        while self.others > MAX_MARKS {
            self.every *= 2;
            let every = self.every;
            self.points.retain(|p| flagged(p) || picked(p.point, every));
            self.others = self.points.iter().filter(|p| !flagged(p)).count();
        }
    }

    /// The panel, captioned with the condition and what was drawn of it.
    fn panel(self, words: String) -> Panel {
        let (drawn, all) = (self.points.len(), self.feasible);
        let caption = match (self.every > 1, words.is_empty()) {
            (false, _) => words,
            (true, true) => format!("{drawn} of {all} points drawn, with the front"),
            (true, false) => format!("{words} ({drawn} of {all} drawn)"),
        };
        Panel {
            caption,
            points: self.points,
        }
    }
}

/// The charts' points of a sweep.
pub(in crate::report) fn sweep_data(table: &SweepTable, obj: &Objective) -> io::Result<SweepData> {
    let conditions = table.conditions();
    let shown = shown_conditions(conditions);
    let mut panels: Vec<(String, Thinned)> = Vec::with_capacity(shown.len());
    let mut extent = Extent::default();
    visit_points(table, obj, |i, words, visit| {
        let shown_here = shown.contains(&i);
        match visit {
            Visit::Condition if shown_here => panels.push((
                words.to_string(),
                Thinned {
                    points: Vec::new(),
                    others: 0,
                    every: 1,
                    feasible: 0,
                },
            )),
            Visit::Condition => {}
            Visit::Point(p) => {
                extent.add(&p);
                if let Some((_, thinned)) = panels.last_mut().filter(|_| shown_here) {
                    thinned.add(p);
                }
            }
        }
        Ok(())
    })?;
    let panels = panels
        .into_iter()
        .map(|(words, thinned)| thinned.panel(words))
        .collect();
    Ok(SweepData {
        conditions,
        panels,
        has_count: count_axis(table).is_some(),
        extent,
    })
}

/// A wait's interval cut at 0, below which no wait can be.
fn non_negative(mut e: Estimate) -> Estimate {
    e.ci95 = e.ci95.map(|(lo, hi)| (lo.max(0.0), hi));
    e
}

impl SweepPoint {
    fn colour(&self) -> RGBColor {
        self.tier.map_or(palette::series(0), palette::tier)
    }

    /// The bar drawn through the point, seconds: its interval, or from
    /// the value up to the bound that decided.
    fn bar(&self) -> Option<(f64, f64)> {
        let (lo, hi) = self.wait.ci95.unwrap_or((self.wait.mean, self.upper95));
        (hi > lo).then_some((lo, hi))
    }

    fn minutes(&self) -> f64 {
        self.wait.mean / 60.0
    }
}

/// The most conditions drawn, one panel each: a 1000 x 600 chart holds
/// six readable panels (two columns of three; at nine the wait axis's
/// labels run into each other), and a sweep with a fine workload axis has
/// a condition per point (20,000 panels made a 455 MB SVG).
const MAX_PANELS: usize = 6;

/// The conditions drawn, of `n`: all of them up to `MAX_PANELS`, else that
/// many evenly spaced, the first and the last among them.
fn shown_conditions(n: usize) -> Vec<usize> {
    if n <= MAX_PANELS {
        return (0..n).collect();
    }
    (0..MAX_PANELS)
        .map(|k| k * (n - 1) / (MAX_PANELS - 1))
        .collect()
}
