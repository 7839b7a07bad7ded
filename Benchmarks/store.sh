#!/usr/bin/env bash
# Store benchmark: durable inserts/s with 1, 8 and 64 concurrent writers (group commit).
# Usage: Benchmarks/store.sh [SECONDS_PER_ROUND]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --package-path Benchmarks --product StoreBench >/dev/null
"$(swift build -c release --package-path Benchmarks --show-bin-path)/StoreBench" "${1:-3}"
