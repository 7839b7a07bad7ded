#!/usr/bin/env bash
# Store benchmark: durable inserts/s with 1, 8 and 64 concurrent writers (group commit).
# Usage: Benchmarks/store.sh [SECONDS_PER_ROUND]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --package-path Benchmarks --product StoreBench > /tmp/craft-sync-bench-build.log 2>&1 || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
"$(swift build -c release --package-path Benchmarks --show-bin-path)/StoreBench" "${1:-3}"
