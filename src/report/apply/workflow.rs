//! The GitHub Actions workflow that applies a planned schedule: a
//! level-triggered job that runs the reconcile script every ten minutes.

use super::reconcile::{RUN_TIMEOUT, comment_safe, reconcile_script, trigger_cron};
use crate::results::schedule::SchedulePlan;

/// The header both appliers share: what they apply and why they are
/// level-triggered, as `# ` comment lines.
pub(super) fn applier_header(plan: &SchedulePlan, scenario: &str) -> String {
    let zone = plan.result.context.calendar.zone();
    let mut h = format!(
        "# Applies the schedule `poolcast plan --schedule {pool}` designed for\n# scenario {scenario}: pool {pool} ({tier}), on the {zone} clock:\n",
        pool = plan.pool,
        scenario = comment_safe(scenario),
        tier = plan.tier,
    );
    for r in &plan.rules {
        h.push_str(&format!(
            "#   {} x {} from {} (recommended.toml's rule '{}')\n",
            r.count, plan.tier, r.in_force, r.cron
        ));
    }
    h.push_str(&format!(
        "# Level-triggered: every run sets the count in force when it starts,\n# looking ahead by the pool's provisioning time ({lead}) and the trigger\n# period for a scale-up (a scale-down waits for its hour), and changes\n# the pool only when the count differs. A late or\n# dropped run leaves the pool wrong only until the next run that starts;\n# a pool in provisioningState Failed, or a refused update, fails the run.\n# The logic is reconcile.sh's, run here as it is.\n",
        lead = plan.lead
    ));
    h
}

/// The GitHub Actions workflow that applies `plan`: a schedule trigger
/// every ten minutes (GitHub reads it as UTC; the script knows the
/// scenario's clock), one job at a time, one step that runs the reconcile
/// script after an OpenID Connect login.
pub fn workflow_yaml(plan: &SchedulePlan, scenario: &str) -> String {
    let mut y = applier_header(plan, scenario);
    y.push_str(&format!(
        "#\n# GitHub delays scheduled runs under load and may drop queued ones (runs\n# 40 min to 4.5 h late were measured in 2026, actions/runner#4468): a\n# delay is repaired by the next run that starts, not covered by the lead.\n# Without GitHub, or for a timer inside Azure, use the ACR timer task\n# (acr-task.yaml, created by acr-task-create.sh), which runs the same script.\n#\n# Needs: the repository variable ACR_REGISTRY (the registry name) and an\n# Azure login allowed to update the agent pool (here OpenID Connect with\n# the secrets AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID).\nname: apply-schedule-{pool}\n\non:\n  schedule:\n    - cron: '{cron}'\n  workflow_dispatch:\n\npermissions:\n  id-token: write\n  contents: read\n\n# One run at a time: a run waits for the one before it.\nconcurrency:\n  group: apply-schedule-{pool}\n  cancel-in-progress: false\n\njobs:\n  reconcile:\n    runs-on: ubuntu-latest\n    timeout-minutes: {timeout_min}\n    env:\n      REGISTRY: ${{{{ vars.ACR_REGISTRY }}}}\n    steps:\n      - uses: azure/login@v2\n        with:\n          client-id: ${{{{ secrets.AZURE_CLIENT_ID }}}}\n          tenant-id: ${{{{ secrets.AZURE_TENANT_ID }}}}\n          subscription-id: ${{{{ secrets.AZURE_SUBSCRIPTION_ID }}}}\n      - name: Set pool {pool} to the count in force now (reconcile.sh)\n        shell: bash\n        run: |\n",
        pool = plan.pool,
        cron = trigger_cron(),
        timeout_min = (RUN_TIMEOUT.as_secs_f64() / 60.0).round(),
    ));
    for line in reconcile_script(plan, scenario).lines() {
        if !line.is_empty() {
            y.push_str("          ");
            y.push_str(line);
        }
        y.push('\n');
    }
    y
}
