//! The GitHub Actions workflow that applies a planned schedule.

use super::SchedulePlan;

/// The GitHub Actions workflow that applies `plan`'s rules: one schedule
/// trigger per rule (its cron, already early by the provisioning lead, on
/// the scenario's clock: GitHub reads a trigger's `timezone` as the
/// scenario does, daylight saving included, and UTC without one), and a
/// step per trigger that sets the count.
pub fn workflow_yaml(plan: &SchedulePlan, scenario: &str) -> String {
    let zone = plan.result.context.calendar.zone();
    let mut y = String::new();
    y.push_str(&format!(
        "# Applies the schedule `poolcast plan --schedule {pool}` designed for\n# scenario {scenario}: pool {pool} ({tier}). Each trigger fires {lead} before\n# its count is needed (the pool's provisioning time), on the {zone} clock. GitHub may\n# start scheduled workflows some minutes late under load.\n#\n# Needs: the repository variable ACR_REGISTRY (the registry name) and an\n# Azure login allowed to update the agent pool (here OpenID Connect with\n# the secrets AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID).\nname: apply-schedule-{pool}\n\non:\n  schedule:\n",
        pool = plan.pool,
        tier = plan.tier,
        lead = plan.lead,
    ));
    for r in &plan.rules {
        y.push_str(&format!(
            "    - cron: '{}' # {} x {} from {}\n",
            r.cron, r.count, plan.tier, r.in_force
        ));
        if zone != chrono_tz::UTC {
            y.push_str(&format!("      timezone: '{zone}'\n"));
        }
    }
    y.push_str(
        "\npermissions:\n  id-token: write\n  contents: read\n\nenv:\n  REGISTRY: ${{ vars.ACR_REGISTRY }}\n\njobs:\n  scale:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: azure/login@v2\n        with:\n          client-id: ${{ secrets.AZURE_CLIENT_ID }}\n          tenant-id: ${{ secrets.AZURE_TENANT_ID }}\n          subscription-id: ${{ secrets.AZURE_SUBSCRIPTION_ID }}\n",
    );
    for r in &plan.rules {
        y.push_str(&format!(
            "      - name: {count} x {tier} from {when}\n        if: github.event.schedule == '{cron}'\n        run: az acr agentpool update --registry \"$REGISTRY\" --name {pool} --count {count}\n",
            count = r.count,
            tier = plan.tier,
            when = r.in_force,
            cron = r.cron,
            pool = plan.pool,
        ));
    }
    y
}
