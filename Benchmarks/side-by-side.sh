# Shared by the benchmarks that compare this tree with a base ref in one run (sourced, not run).
# side_by_side [BASE_REF]: sets `builds` to "before=PATH" (when BASE_REF is given) and "after=PATH", release builds of
# craft-sync, the base one in a temporary git worktree removed on exit.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build_release() {  # build_release DIR: a release craft-sync built in DIR; prints its path
    (cd "$1" && swift build -c release --product craft-sync > /tmp/craft-sync-bench-build.log 2>&1) \
        || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
    echo "$(cd "$1" && swift build -c release --show-bin-path)/craft-sync"
}

side_by_side() {
    builds=()
    if [ -n "${1:-}" ]; then
        base="$(mktemp -d)/base"
        git worktree add --detach "$base" "$1" >/dev/null
        trap 'git worktree remove --force "$base"' EXIT
        builds+=("before=$(build_release "$base")")
    fi
    builds+=("after=$(build_release "$root")")
}
