#!/usr/bin/env bash
# A burst of closes reaching Craft.io: N linked GitHub issues closed at once, Craft.io answering each call in L ms,
# for this tree and, side by side in the same run, BASE_REF when given.
# Usage: Benchmarks/burst.sh [N] [LATENCY_MS] [BASE_REF]   (defaults 300 100)
source "$(dirname "$0")/side-by-side.sh"
side_by_side "${3:-}"
python3 Benchmarks/burst.py "${1:-300}" "${2:-100}" "${builds[@]}"
