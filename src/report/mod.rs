//! Turning results into bytes: JSON, CSV, charts, documents, terminal
//! tables and the scripts that apply a schedule plan (`apply`), and
//! writing files atomically. The only module that writes
//! files; it reads `results`, the forecast and the domain (`model`), never
//! the scenario, the statistics or the simulation. Every file of a run and
//! of a sweep and of a plan is an exporter in `RUN_EXPORTERS`,
//! `SWEEP_EXPORTERS`, `PLAN_EXPORTERS`, `SCHEDULE_EXPORTERS`,
//! `FRONTIER_EXPORTERS` or `COMPARE_EXPORTERS`, which `app` loops over.

mod apply;
mod chart;
mod check;
mod compare;
mod csv;
mod document;
mod export;
pub mod frontier;
mod json;
mod output;
mod plan;
pub mod schedule;
mod sweep;
mod table;
mod tasks;
pub mod validity;
mod verdict;
mod warnings;

pub use self::csv::{
    cost_by_day_csv, estimate_csv, metrics_long_csv, pools_csv, sweep_estimate_csv, tiers_csv,
    utilisation_by_hour_csv, wait_by_hour_csv, wait_cdf_csv, workloads_csv, write_queue_csv,
    write_sweep_cost_wait_csv,
};
pub use chart::{
    Chart, ChartError, ChartFormats, ChartJob, FrontierPoint, PixelRect, Svg, SvgSpill,
    compare_charts, compare_charts_left_out, frontier_chart, run_chart_jobs, run_charts,
    run_charts_left_out, sweep_charts,
};
pub use check::{junit_xml, step_summary};
pub use compare::Comparison;
pub use document::{Document, markdown_table};
pub use export::{
    COMPARE_EXPORTERS, CompareFiles, CompareWrite, Exporter, FRONTIER_EXPORTERS, FrontierWrite,
    Kind, PLAN_EXPORTERS, PlanWrite, RUN_EXPORTERS, RunFiles, RunWrite, SCHEDULE_EXPORTERS,
    SWEEP_EXPORTERS, ScheduleWrite, SweepFiles, SweepWrite,
};
pub use json::{estimate_json, summary_json, sweep_estimate_json, tiers_json};
pub use output::{Busy, OutputDir, ReplacesInput, WhenLocked, check_file_target, write_file};
pub use plan::PlanFiles;
pub use sweep::{
    SWEEP_TAIL, SweepCsv, SweepSummary, objective_verdict_columns, recommendation_text, sweep_csv,
    sweep_meta_json, sweep_summary, sweep_text, write_pareto_csv, write_recommendation_json,
};
pub use table::{compare_table, estimate_table, summary_table, sweep_estimate_table, tiers_table};
pub use tasks::{TaskLabels, TaskLog, write_tasks_csv};
pub use verdict::{VerdictText, met_word, verdict_lines, verdict_table, verdict_text};
pub use warnings::{after_run, before_run};
