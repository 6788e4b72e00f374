#!/usr/bin/env bash
# Compares poolcast with SimPy on the same M/M/8 model (utilisation 0.875,
# mean service 350 s). Not part of CI. Needs python3 and network access to
# PyPI; installs SimPy into a throw-away virtual environment.
#
#   bash benches/simpy_compare.sh [TASKS]      (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
tasks="${1:-200000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet simpy

cat > "$tmp/mmc.py" <<'PY'
import random, sys, time
import simpy

TASKS = int(sys.argv[1])
SERVERS, MEAN_SERVICE = 8, 350.0
LAMBDA = 0.875 * SERVERS / MEAN_SERVICE
random.seed(1)
waits = []

def job(env, pool, arrived):
    with pool.request() as req:
        yield req
        waits.append(env.now - arrived)
        yield env.timeout(random.expovariate(1.0 / MEAN_SERVICE))

def source(env, pool):
    for _ in range(TASKS):
        yield env.timeout(random.expovariate(LAMBDA))
        env.process(job(env, pool, env.now))

env = simpy.Environment()
pool = simpy.Resource(env, capacity=SERVERS)
env.process(source(env, pool))
t = time.perf_counter()
env.run()
elapsed = time.perf_counter() - t
print(f"{TASKS / elapsed:.0f} {sum(waits) / len(waits):.1f}")
PY

read -r simpy_rate simpy_wait < <("$tmp/venv/bin/python" "$tmp/mmc.py" "$tasks")

cargo build --release --quiet
horizon=$(python3 -c "print(int($tasks / (0.875 * 8 / 350)))")
cat > "$tmp/mmc.toml" <<TOML
[simulation]
horizon = "${horizon}s"
warmup = "0s"
replications = 1
sample_interval = "1d"

[quota]
standard_vcpu = 64

[[pool]]
name = "mmc"
tier = "S1"
count = 8

[[workload]]
name = "jobs"
pool = "mmc"
arrival = { process = "poisson", rate = "72/h" }
duration = { dist = "exponential", mean = "350s" }
timeout = "8h"
TOML
# Best of 5 runs of the whole process (start, parse, simulate, outputs),
# with the default output files and with none: SimPy's own figure times
# its event loop alone, without the interpreter's start or any output.
best() {
  local best=""
  for _ in 1 2 3 4 5; do
    rm -rf "$tmp/out"
    local s e
    s=$(date +%s%N)
    ./target/release/poolcast run "$tmp/mmc.toml" --quiet --format csv --out "$tmp/out" "$@" > "$tmp/out.csv"
    e=$(date +%s%N)
    if [ -z "$best" ] || [ $((e - s)) -lt "$best" ]; then best=$((e - s)); fi
  done
  echo "$best"
}
with_outputs=$(best)
without=$(best --outputs none)
poolcast_wait=$(grep '^workload,jobs,wait_mean_s,' "$tmp/out.csv" | cut -d, -f4)
python3 - "$tasks" "$with_outputs" "$without" "$simpy_rate" "$simpy_wait" "$poolcast_wait" <<'PY'
import sys
tasks, with_ns, without_ns, simpy_rate, simpy_wait, pc_wait = sys.argv[1:]
rate = int(tasks) / (int(with_ns) / 1e9)
bare = int(tasks) / (int(without_ns) / 1e9)
print(f"SimPy:    {float(simpy_rate):>12,.0f} tasks/s  (mean wait {float(simpy_wait):.1f} s; its event loop alone)")
print(f"poolcast: {rate:>12,.0f} tasks/s  (mean wait {float(pc_wait):.1f} s; whole process, best of 5, default output files)")
print(f"poolcast: {bare:>12,.0f} tasks/s  (whole process, best of 5, --outputs none)")
from math import factorial
c, a = 8, 7.0
top = a**c / factorial(c) * c / (c - a)
erlang_c = top / (sum(a**k / factorial(k) for k in range(c)) + top)
print(f"poolcast / SimPy = {rate / float(simpy_rate):.0f}x with outputs, {bare / float(simpy_rate):.0f}x without   (Erlang C mean wait: {erlang_c * 350 / (c - a):.1f} s)")
PY
