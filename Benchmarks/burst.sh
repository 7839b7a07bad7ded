#!/usr/bin/env bash
# A burst of closes reaching Craft.io: N linked GitHub issues closed at once, Craft.io answering each call in L ms,
# for this tree and, side by side in the same run, BASE_REF when given.
# Usage: Benchmarks/burst.sh [N] [LATENCY_MS] [BASE_REF]   (defaults 300 100)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
count="${1:-300}"
latency="${2:-100}"

build_release() {  # build_release DIR: a release craft-sync built in DIR; prints its path
    (cd "$1" && swift build -c release --product craft-sync > /tmp/craft-sync-bench-build.log 2>&1) \
        || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
    echo "$(cd "$1" && swift build -c release --show-bin-path)/craft-sync"
}

builds=()
if [ $# -gt 2 ]; then
    base="$(mktemp -d)/base"
    git worktree add --detach "$base" "$3" >/dev/null
    trap 'git worktree remove --force "$base"' EXIT
    builds+=("before=$(build_release "$base")")
fi
builds+=("after=$(build_release "$root")")
python3 Benchmarks/burst.py "$count" "$latency" "${builds[@]}"
