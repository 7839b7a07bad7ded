# Shared by the wrk benchmarks (sourced, not run): the load settings, release builds, and waiting for a port.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-64}"
threads="${THREADS:-2}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

# Release builds link the Swift runtime and Foundation statically, as the container image does (Docker/): only the
# pages a server touches are resident (the bench server's RSS: 21.6 MB dynamic, 15.1 MB static). Every server in
# a comparison is built the same way, in a scratch folder of its own beside the package's .build.
scratch_for() {
    local path="."
    while [ $# -gt 0 ]; do
        if [ "$1" = --package-path ]; then path="$2"; fi
        shift
    done
    echo "$path/.build-static"
}

# build [swift build arguments]: a static release build whose log is shown only when it fails.
build() {
    swift build -c release --static-swift-stdlib --scratch-path "$(scratch_for "$@")" "$@" > /tmp/craft-sync-bench-build.log 2>&1 \
        || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
}

# bin_path [swift build arguments]: where those release products land.
bin_path() { swift build -c release --static-swift-stdlib --scratch-path "$(scratch_for "$@")" "$@" --show-bin-path; }

wait_for_port() {
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "nothing listens on port $1" >&2
    return 1
}

# build_serve: `craft-sync` itself, with the runtime linked dynamically: it links FoundationNetworking, whose static
# form needs libcurl's static library (the image's build stage has it; this machine may not). Prints its path.
build_serve() {
    swift build -c release --product craft-sync > /tmp/craft-sync-bench-build.log 2>&1 \
        || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
    echo "$(swift build -c release --show-bin-path)/craft-sync"
}
