#!/usr/bin/env bash
# What an unauthenticated client can make `craft-sync serve` do (gzip bombs on every webhook route, /healthz meanwhile,
# admin-token guessing), for this tree and, side by side in the same run, for BASE_REF when given.
# Usage: Benchmarks/unauthenticated.sh [BASE_REF]   (FLOOD and GUESS seconds as in unauthenticated.py)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build_release() {  # build_release DIR: a release craft-sync built in DIR; prints its path
    (cd "$1" && swift build -c release --product craft-sync > /tmp/craft-sync-bench-build.log 2>&1) \
        || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
    echo "$(cd "$1" && swift build -c release --show-bin-path)/craft-sync"
}

builds=()
if [ $# -gt 0 ]; then
    base="$(mktemp -d)/base"
    git worktree add --detach "$base" "$1" >/dev/null
    trap 'git worktree remove --force "$base"' EXIT
    builds+=("before=$(build_release "$base")")
fi
builds+=("after=$(build_release "$root")")
python3 Benchmarks/unauthenticated.py "${builds[@]}"
