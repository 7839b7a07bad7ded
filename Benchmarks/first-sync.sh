#!/usr/bin/env bash
# A first sync of ITEMS ready items (default 10,000) under GitHub's content-creation limits (80 a minute, 500 an
# hour) on an accelerated clock: failures, virtual time taken, and the earliest time the limits allow.
# Usage: Benchmarks/first-sync.sh [ITEMS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --package-path Benchmarks --product FirstSyncBench > /tmp/craft-sync-bench-build.log 2>&1 || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
"$(swift build -c release --package-path Benchmarks --show-bin-path)/FirstSyncBench" "${1:-10000}"
