//! The applier for teams without GitHub: an ACR timer task that runs the
//! reconcile script every ten minutes with the task's managed identity,
//! written as the task file and the commands that create it.

use base64::Engine;

use super::reconcile::{RUN_TIMEOUT, TRIGGER_PERIOD, reconcile_script, trigger_cron};
use super::workflow::applier_header;
use crate::results::schedule::SchedulePlan;

/// The image the task's step runs in: Microsoft's Azure CLI image (bash
/// and coreutils; the script itself checks for the zone's tzdata).
pub const AZ_IMAGE: &str = "mcr.microsoft.com/azure-cli";

/// The task's name in the registry.
fn task_name(plan: &SchedulePlan) -> String {
    format!("apply-schedule-{}", plan.pool)
}

/// The ACR task file: one `cmd` step that logs in with the task's managed
/// identity and runs the reconcile script, carried base64-encoded in the
/// command (decoded byte for byte; neither ACR's `{{ }}` templates nor its
/// `$` aliases can touch it). `REGISTRY` comes from the run's registry.
pub fn acr_task_yaml(plan: &SchedulePlan, scenario: &str) -> String {
    let script = base64::engine::general_purpose::STANDARD.encode(reconcile_script(plan, scenario));
    let timeout_s = RUN_TIMEOUT.as_secs_f64().round();
    let mut y = applier_header(plan, scenario);
    y.push_str(&format!(
        "#\n# ACR timer task: created by acr-task-create.sh, it fires every {period}\n# on UTC (the only clock ACR timers know; the script reads the schedule's\n# clock) and runs on the registry's default compute, so it runs while\n# pool {pool} is at 0. The step runs reconcile.sh, base64-encoded below.\nversion: v1.1.0\nsteps:\n  - id: reconcile\n    cmd: {AZ_IMAGE} bash -c 'az login --identity --output none && echo {script} | base64 -d > /tmp/reconcile.sh && bash /tmp/reconcile.sh'\n    env:\n      - REGISTRY={{{{.Run.RegistryName}}}}\n    timeout: {timeout_s}\n",
        period = TRIGGER_PERIOD,
        pool = plan.pool,
    ));
    y
}

/// The commands that create the task from `acr-task.yaml` with a timer
/// trigger and a system-assigned identity, and let that identity update
/// the registry's agent pools.
pub fn acr_task_create(plan: &SchedulePlan) -> String {
    format!(
        "#!/usr/bin/env bash\n# Creates the ACR timer task {task}, which applies pool {pool}'s schedule\n# (acr-task.yaml) every {period} with the task's managed identity. Run it\n# beside acr-task.yaml, logged in as someone who may assign roles on the\n# registry:  REGISTRY=myregistry bash acr-task-create.sh\nset -euo pipefail\n: \"${{REGISTRY:?set REGISTRY to the name of the registry that holds pool {pool}}}\"\n\n# No --agent-pool: the task runs on the registry's default compute, not on\n# the pool it scales. The timer reads its cron as UTC.\naz acr task create --registry \"$REGISTRY\" --name {task} \\\n  --file acr-task.yaml --context /dev/null \\\n  --schedule '{cron}' --assign-identity '[system]' \\\n  --timeout {timeout_s} --output none\n\n# The identity may update the pool: Contributor on the registry (or a\n# custom role with Microsoft.ContainerRegistry/registries/agentPools/read\n# and /write).\nprincipal=$(az acr task show --registry \"$REGISTRY\" --name {task} \\\n  --query identity.principalId --output tsv)\nregistry_id=$(az acr show --name \"$REGISTRY\" --query id --output tsv)\naz role assignment create --assignee-object-id \"$principal\" \\\n  --assignee-principal-type ServicePrincipal --role Contributor \\\n  --scope \"$registry_id\" --output none\n\n# Run it once now, and read its log:\naz acr task run --registry \"$REGISTRY\" --name {task}\n",
        task = task_name(plan),
        pool = plan.pool,
        period = TRIGGER_PERIOD,
        cron = trigger_cron(),
        timeout_s = RUN_TIMEOUT.as_secs_f64().round(),
    )
}
