//! The files that apply a plan to a real pool: the reconcile script and
//! the two appliers that run it.

mod acr_task;
mod reconcile;
mod workflow;

use crate::results::schedule::SchedulePlan;
use acr_task::{acr_task_create, acr_task_yaml};
use reconcile::reconcile_script;
use workflow::workflow_yaml;

/// The applier files of `plan` (for scenario `scenario`), by file name:
/// the GitHub Actions workflow, the reconcile script both appliers run,
/// the ACR timer task and the commands that create it.
pub fn applier_files(plan: &SchedulePlan, scenario: &str) -> [(&'static str, String); 4] {
    [
        ("apply-schedule.yml", workflow_yaml(plan, scenario)),
        ("reconcile.sh", reconcile_script(plan, scenario)),
        ("acr-task.yaml", acr_task_yaml(plan, scenario)),
        ("acr-task-create.sh", acr_task_create(plan)),
    ]
}
