#!/usr/bin/env bash
# Regenerates the README's and the guide's images from the bundled scenarios:
#   docs/wait_cdf.png         poolcast run scenarios/default.toml
#   docs/sweep_cost_wait.png  poolcast sweep scenarios/sweep-tiers.toml
# Run from anywhere: bash docs/make-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run --release --quiet -- run scenarios/default.toml --quiet --outputs png --out "$tmp/run" > /dev/null
cargo run --release --quiet -- sweep scenarios/sweep-tiers.toml --quiet --outputs png --out "$tmp/sweep" > /dev/null
cp "$tmp/run/wait_cdf.png" docs/wait_cdf.png
cp "$tmp/sweep/sweep_cost_wait.png" docs/sweep_cost_wait.png
echo "wrote docs/wait_cdf.png and docs/sweep_cost_wait.png"
