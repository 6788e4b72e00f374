#!/usr/bin/env bash
# Sets ACR agent pool @POOL@ to the count the schedule of
# `poolcast plan --schedule @POOL@` (scenario @SCENARIO@) has in force now.
# Level-triggered: run it every @PERIOD_MIN@ minutes (apply-schedule.yml on GitHub
# Actions, or the ACR timer task of acr-task.yaml). Whenever a run starts,
# on time, late or after a dropped run, it sets the count in force then;
# it changes the pool only when the count differs.
#
# Needs bash, date with the zone's data (tzdata), and az logged in as an
# identity allowed to update the pool; REGISTRY names the registry.
set -euo pipefail

pool='@POOL@'
# The clock the schedule runs on (daylight saving included).
zone='@ZONE@'
# A count set now must cover the hours from now (a scale-down waits for
# the hour its lower count is in force) until the next run's count takes
# effect: after a trigger period (@PERIOD_MIN@ min) and the pool's
# provisioning time (@LEAD_MIN@ min), which a scale-up leads by.
lead_s=@LEAD_S@
period_s=@PERIOD_S@
# The count in force in each hour of the week on that clock (@TIER@).
counts=(
@COUNTS@
)
attempts=3

fail() {
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    echo "::error::$*"
  fi
  echo "error: $*" >&2
  exit 1
}

err_file=$(mktemp)
trap 'rm -f "$err_file"' EXIT

# Whether az's message is worth a retry: throttling, a server error or a
# dropped connection. Anything else (a refusal, a missing pool, a denied
# identity) fails at once.
transient() {
  case "$1" in
    *TooManyRequests* | *ServiceUnavailable* | *InternalServerError* | \
      *BadGateway* | *GatewayTimeout* | *"timed out"* | *Timeout* | \
      *"Connection aborted"* | *"Connection reset"* | *"Max retries exceeded"*)
      return 0 ;;
  esac
  return 1
}

# az with its arguments, retried on a transient error. Its output goes to
# stdout; its last error message is left in err_file.
az_retry() {
  local try=1
  while true; do
    if az "$@" 2>"$err_file"; then
      return 0
    fi
    if [ "$try" -ge "$attempts" ] || ! transient "$(cat "$err_file")"; then
      return 1
    fi
    echo "az $1 $2 $3: a transient error (try $try of $attempts), retrying: $(cat "$err_file")" >&2
    sleep $((15 * try))
    try=$((try + 1))
  done
}

# Sets `hour` to the hour of the week (Monday 00:00 = 0) on the zone's
# clock at epoch second $1.
hour_at() {
  local when day h
  when=$(TZ="$zone" date -d "@$1" '+%u %H') ||
    fail "date cannot tell the $zone time of epoch second $1"
  read -r day h <<<"$when"
  hour=$(((day - 1) * 24 + 10#$h))
}

# Sets `target` to the largest count in force between epoch seconds $1
# and $2: it samples the start, each hour's length on, and the end, so
# every hour the interval touches is seen.
largest_count() {
  local t=$1
  target=0
  while true; do
    hour_at "$t"
    if [ "${counts[$hour]}" -gt "$target" ]; then target=${counts[$hour]}; fi
    if [ "$t" -ge "$2" ]; then break; fi
    t=$((t + 3600 > $2 ? $2 : t + 3600))
  done
}

# Sets `current` and `state` to the pool's count and provisioningState.
read_pool() {
  local shown
  shown=$(az_retry acr agentpool show --registry "$REGISTRY" --name "$pool" \
    --query '[count, provisioningState]' --output tsv --only-show-errors) ||
    fail "az acr agentpool show --name $pool failed: $(cat "$err_file")"
  read -r current state <<<"$shown"
}

if [ -z "${REGISTRY:-}" ]; then
  fail "REGISTRY is not set: set it to the name of the registry that holds pool $pool"
fi
if [ "$zone" != UTC ] && [ ! -e "${TZDIR:-/usr/share/zoneinfo}/$zone" ]; then
  fail "no time zone data for $zone (${TZDIR:-/usr/share/zoneinfo}/$zone is missing): run on an image with tzdata, or set TZDIR"
fi

now=$(date +%s)
largest_count "$now" $((now + lead_s + period_s))
at="$(TZ="$zone" date -d "@$now" '+%a %H:%M %Z')"

read_pool
case "$state" in
  Succeeded | Canceled) ;;
  Creating | Updating | Deleting)
    echo "pool $pool is $state (an earlier change is under way) with $current instances; the schedule wants $target at $at; the next run checks again"
    exit 0 ;;
  Failed)
    fail "pool $pool is in provisioningState Failed ($current instances; the schedule wants $target at $at): ACR refuses to update a Failed pool; recreate it, or ask Azure support" ;;
  *)
    fail "pool $pool reports provisioningState '$state', which this script does not know" ;;
esac
if [ "$current" = "$target" ]; then
  echo "pool $pool has $target instances, the count in force at $at"
  exit 0
fi
echo "pool $pool: $current -> $target instances (the count in force at $at)"
az_retry acr agentpool update --registry "$REGISTRY" --name "$pool" \
  --count "$target" --output none --only-show-errors ||
  fail "the update of pool $pool to $target instances was refused: $(cat "$err_file")"
read_pool
if [ "$state" != Succeeded ] || [ "$current" != "$target" ]; then
  fail "pool $pool reports $current instances, $state, after the update to $target"
fi
echo "pool $pool has $target instances"
