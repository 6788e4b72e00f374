//! `[slo]` and `[slo.workloads.NAME]`: the objectives, validated. Every
//! problem is an issue at its line and column, reported with the others.

use super::Slo;
use super::raw::{RawSlo, RawWaitSlo, S};
use super::validate::{Ctx, MAX_NUMBER};
use crate::model::{Per, WaitObjective, Window};
use crate::units::SimDuration;
use crate::workload::WorkloadSpec;

/// The wait keys a table shares with `[slo]`: target, window, per.
struct WaitKeys {
    wait_p95: Option<SimDuration>,
    window: Option<Window>,
    per: Per,
}

fn wait_keys(
    cx: &mut Ctx,
    table: &str,
    wait_p95: Option<&S<String>>,
    window: Option<&S<String>>,
    per: Option<&S<String>>,
) -> WaitKeys {
    WaitKeys {
        wait_p95: wait_p95.and_then(|v| cx.duration(v, &format!("{table}.wait_p95"), true)),
        window: window.and_then(|v| {
            v.get_ref()
                .parse::<Window>()
                .map_err(|e| cx.issue(Some(v), &format!("{table}.window"), e.to_string()))
                .ok()
        }),
        per: per.map_or(Per::Window, |v| match v.get_ref().as_str() {
            "window" => Per::Window,
            "hour" => Per::Hour,
            other => {
                cx.issue(
                    Some(v),
                    &format!("{table}.per"),
                    format!(
                        "per = {other:?} is not a judging rule; write per = \"window\" (every run of the window together, the default) or per = \"hour\" (every hour of the week in the window on its own)"
                    ),
                );
                Per::Window
            }
        }),
    }
}

/// A workload's own table, for the workload of that name.
fn workload_objective(
    cx: &mut Ctx,
    name: &S<String>,
    raw: &RawWaitSlo,
    workloads: &[WorkloadSpec],
) -> Option<WaitObjective> {
    let table = format!("slo.workloads.{}", name.get_ref());
    let keys = wait_keys(
        cx,
        &table,
        raw.wait_p95.as_ref(),
        raw.window.as_ref(),
        raw.per.as_ref(),
    );
    let Some(index) = workloads.iter().position(|w| w.name == *name.get_ref()) else {
        let known: Vec<&str> = workloads.iter().map(|w| w.name.as_str()).collect();
        cx.issue(
            Some(name),
            &table,
            format!(
                "there is no workload {:?} to give objectives to; the workloads are {}: name one of them, or remove the table",
                name.get_ref(),
                known.join(", ")
            ),
        );
        return None;
    };
    let Some(target) = keys.wait_p95 else {
        if raw.wait_p95.is_none() {
            cx.issue(
                Some(name),
                &table,
                "a workload's objective table needs wait_p95 (e.g. wait_p95 = \"60m\"); its keys are not taken from [slo]",
            );
        }
        return None;
    };
    Some(WaitObjective {
        target,
        window: keys.window,
        per: keys.per,
        workload: Some(name.get_ref().clone()),
        workloads: vec![(index, name.get_ref().clone())],
    })
}

/// `[slo]` and its workload tables.
pub(super) fn slo(cx: &mut Ctx, raw: &RawSlo, workloads: &[WorkloadSpec]) -> Slo {
    let keys = wait_keys(
        cx,
        "slo",
        raw.wait_p95.as_ref(),
        raw.window.as_ref(),
        raw.per.as_ref(),
    );
    let mut own: Vec<WaitObjective> = raw
        .workloads
        .iter()
        .flatten()
        .filter_map(|(name, table)| workload_objective(cx, name, table, workloads))
        .collect();
    own.sort_by_key(|o| o.workloads[0].0);
    let slo = Slo {
        wait_p95: keys.wait_p95,
        max_cost_per_day_usd: raw
            .max_cost_per_day
            .as_ref()
            .map(|v| cx.positive(Some(v), "slo.max_cost_per_day", 0.0)),
        window: keys.window,
        per: keys.per,
        workloads: own,
        developer_cost_per_hour_usd: raw.developer_cost_per_hour.as_ref().map(|v| {
            cx.number(
                Some(v),
                "slo.developer_cost_per_hour",
                (0.0, MAX_NUMBER),
                0.0,
            )
        }),
    };
    if slo.wait_p95.is_some()
        && !workloads.is_empty()
        && slo
            .objectives(workloads)
            .waits
            .iter()
            .all(|o| o.workload.is_some())
    {
        cx.warnings.push(
            "[slo] wait_p95 judges no run: every workload has its own [slo.workloads.NAME] table; remove it or a workload's table"
                .to_string(),
        );
    }
    slo
}
