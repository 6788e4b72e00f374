#!/usr/bin/env python3
"""Writes example-runs.json: a synthetic `az acr task list-runs --output json`
export (field names and enums as in the real one; values invented) for
`poolcast import` examples and the trace-replay scenario.

Four weeks from Monday 2025-03-03, newest run first as the CLI prints them:
- web-api-ci: commit-triggered builds on pool buildpool-s2 (2 instances),
  following the working day, lognormal run time (median 4 min, sigma 0.9);
- nightly: a timer task firing 12 runs at 21:00 UTC on the same pool;
- quick builds (`az acr build`) on the default compute, a few a day.
Queueing on the pool is simulated (FIFO, 2 instances), so waits are real.
Four weeks, not one: web-api-ci's p95 wait over one week has a standard
deviation of 40% of its mean (8.6 of 21.8 min over 416 generated weeks),
over four weeks of 15%, so a back-test against a single week mostly
measures the luck of that week.
Deterministic: `python3 make-example-runs.py` rewrites the same file;
`--seed N --days D --out FILE` writes D other days of the same process (the
import tests back-test such an export), leaving the bundled file alone.
"""
import argparse
import datetime as dt
import hashlib
import heapq
import json
import math
import os
import random

args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
args.add_argument("--seed", type=int, default=20250303)
args.add_argument("--days", type=int, default=28)
args.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "example-runs.json"))
args = args.parse_args()
rng = random.Random(args.seed)
START = dt.datetime(2025, 3, 3, tzinfo=dt.timezone.utc)
END = args.days * 86400  # seconds after START when the export is taken
HOURLY = [0.05] * 7 + [0.3, 0.7, 1, 1, 1, 0.7, 1, 1, 1, 1, 0.7, 0.3, 0.1] + [0.05] * 4
WEEKLY = [1, 1, 1, 1, 1, 0.1, 0.1]


def iso(t):
    return (START + dt.timedelta(seconds=t)).isoformat(timespec="microseconds")


def triggers(task, run_id, fired):
    """The trigger fields list-runs prints: a timer for the nightly task
    (`fired` is its schedule occurrence), a commit for the CI task, none for
    quick builds. Derived from the run id, so they draw no random numbers and
    the seed gives the same runs as before these fields existed."""
    timer = {"scheduleOccurrence": iso(fired), "timerTriggerName": "t1"} if fired is not None else None
    source = None
    if task == "web-api-ci":
        digest = hashlib.sha1(run_id.encode()).hexdigest()
        source = {
            "branchName": "main",
            "commitId": digest,
            "eventType": "Commit",
            "id": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}",
            "providerType": "Github",
            "pullRequestId": None,
            "repositoryUrl": "https://github.com/contoso/web-api.git",
        }
    return source, timer


arrivals = []  # (created_s, task, run_type, pool, duration_s)
t, peak = 0.0, 14.0 / 3600  # web-api-ci: 14/h at the peak, thinned
while True:
    t += rng.expovariate(peak)
    if t >= END:
        break
    day, hour = int(t // 86400), int(t % 86400 // 3600)
    if rng.random() < HOURLY[hour] * WEEKLY[day % 7]:
        arrivals.append((t, "web-api-ci", "AutoBuild", "buildpool-s2", rng.lognormvariate(math.log(240), 0.9), None))
for day in range(args.days):
    for _ in range(12):
        fired = day * 86400 + 21 * 3600
        arrivals.append((fired + rng.uniform(0, 2), "nightly", "AutoRun", "buildpool-s2", rng.gammavariate(4, 150), fired))
    for _ in range(rng.randint(2, 6)):
        arrivals.append((day * 86400 + rng.uniform(8, 18) * 3600, None, "QuickBuild", None, rng.lognormvariate(math.log(60), 0.6), None))
arrivals.sort()

free = [0.0, 0.0]  # the pool's two instances: when each is next free
runs = []
for n, (created, task, run_type, pool, duration, fired) in enumerate(arrivals):
    if pool is None:
        start = created + rng.uniform(0.1, 1.5)
    else:
        start = max(created, heapq.heappop(free))
    finish = start + duration
    if pool is not None:
        heapq.heappush(free, finish)
    status = "Succeeded" if rng.random() > 0.08 else "Failed"
    if finish > END:  # still going when exported
        status, finish = ("Running", None) if start < END else ("Queued", None)
        start = start if status == "Running" else None
    run_id = f"ca{n + 1:x}"
    source, timer = triggers(task, run_id, fired)
    runs.append({
        "agentConfiguration": {"cpu": 2},
        "agentPoolName": pool,
        "createTime": iso(created),
        "customRegistries": None,
        "finishTime": iso(finish) if finish is not None else None,
        "id": f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ci/providers/Microsoft.ContainerRegistry/registries/myregistry/runs/{run_id}",
        "isArchiveEnabled": False,
        "name": run_id,
        "platform": {"architecture": "amd64", "os": "linux", "variant": None},
        "provisioningState": "Succeeded",
        "resourceGroup": "rg-ci",
        "runErrorMessage": "failed during run, err: exit status 1" if status == "Failed" else None,
        "runId": run_id,
        "runType": run_type,
        "sourceTrigger": source,
        "startTime": iso(start) if start is not None else None,
        "status": status,
        "task": task,
        "timerTrigger": timer,
        "type": "Microsoft.ContainerRegistry/registries/runs",
    })
runs.reverse()  # newest first, as list-runs prints
with open(args.out, "w") as f:
    json.dump(runs, f, indent=2)
    f.write("\n")
print(f"wrote {args.out}: {len(runs)} runs")
