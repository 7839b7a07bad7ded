#!/usr/bin/env bash
# Intake benchmark: throughput against a dev tool answering in 50 ms (concurrency 8), and the CPU time of a
# poll that finds every item already synced. Usage: Benchmarks/intake.sh [ITEMS]  (default 10000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --package-path Benchmarks --product IntakeBench > /tmp/craft-sync-bench-build.log 2>&1 || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
"$(swift build -c release --package-path Benchmarks --show-bin-path)/IntakeBench" "${1:-10000}"
