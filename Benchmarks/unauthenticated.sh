#!/usr/bin/env bash
# What an unauthenticated client can make `craft-sync serve` do (gzip bombs on every webhook route, /healthz meanwhile,
# admin-token guessing), for this tree and, side by side in the same run, for BASE_REF when given.
# Usage: Benchmarks/unauthenticated.sh [BASE_REF]   (FLOOD and GUESS seconds as in unauthenticated.py)
source "$(dirname "$0")/side-by-side.sh"
side_by_side "${1:-}"
python3 Benchmarks/unauthenticated.py "${builds[@]}"
