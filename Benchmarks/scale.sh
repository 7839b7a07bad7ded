#!/usr/bin/env bash
# Steady state at scale: W workspaces × N linked items, 1 % of issues changing per cycle with their webhooks lost.
# Prints API calls per cycle by endpoint, CPU seconds, RSS and database size, and the same cycle with the per-item
# reconciliation side by side. Usage: Benchmarks/scale.sh [WORKSPACES] [ITEMS_PER_WORKSPACE] [CHANGED_PERCENT]
# (default 100 1000 1).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --package-path Benchmarks --product ScaleBench > /tmp/craft-sync-bench-build.log 2>&1 || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
"$(swift build -c release --package-path Benchmarks --show-bin-path)/ScaleBench" "${1:-100}" "${2:-1000}" "${3:-1}"
