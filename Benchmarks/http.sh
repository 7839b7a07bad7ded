#!/usr/bin/env bash
# HTTP benchmark: craft-sync's server (epoll and Dispatch backends) against a Hummingbird 2 peer, side by side on
# this machine, plus the real `craft-sync serve` on /healthz. Prints requests/s, p50/p99 latency and resident memory after the run.
# Usage: Benchmarks/http.sh            (DURATION=10s CONNECTIONS=64 THREADS=2 to change the load)
source "$(dirname "$0")/common.sh"

echo "building (release)..."
craft_sync="$(build_serve)"
build --package-path Benchmarks --product HTTPBenchServer
build --package-path Benchmarks/peers/hummingbird-peer --product HummingbirdPeer
bench_server="$(bin_path --package-path Benchmarks)/HTTPBenchServer"
peer="$(bin_path --package-path Benchmarks/peers/hummingbird-peer)/HummingbirdPeer"


# run_wrk URL [lua script] -> "requests/s p50 p99"
run_wrk() {
    local output
    if [ -n "${2:-}" ]; then
        output="$(PAYLOAD="$root/Benchmarks/post-2kb.json" wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$2" "$1")"
    else
        output="$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$1")"
    fi
    if echo "$output" | grep -q "Non-2xx"; then echo "$output" >&2; echo "non-2xx responses" >&2; return 1; fi
    local rps p50 p99
    rps="$(echo "$output" | awk '/Requests\/sec/ {print $2}')"
    p50="$(echo "$output" | awk '$1 == "50%" {print $2}')"
    p99="$(echo "$output" | awk '$1 == "99%" {print $2}')"
    echo "$rps $p50 $p99"
}

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

declare -A results
measure() {
    local name="$1" port="$2" post="$3"; shift 3
    "$@" >/dev/null 2>&1 &
    local pid=$!
    wait_for_port "$port"
    results["$name healthz"]="$(run_wrk "http://127.0.0.1:$port/healthz")"
    if [ "$post" = yes ]; then results["$name post"]="$(run_wrk "http://127.0.0.1:$port/ingest" Benchmarks/post.lua)"; fi
    results["$name rss"]="$(rss_mb "$pid")"
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

database="$(mktemp -d)/bench.sqlite"
measure craft-sync-server 8090 yes "$bench_server" 8090
measure hummingbird 8091 yes "$peer" 8091
measure craft-sync-dispatch 8093 yes env CRAFT_SYNC_HTTP_IO_BACKEND=dispatch "$bench_server" 8093
measure craft-sync-serve 8092 no env CRAFT_SYNC_LOG_LEVEL=warning "$craft_sync" serve --listen 127.0.0.1:8092 --database "$database"

printf '\nwrk -t%s -c%s -d%s on %s cores\n' "$threads" "$connections" "$duration" "$(nproc)"
printf '%-22s %-8s %12s %10s %10s %10s\n' server route "requests/s" p50 p99 "RSS MB"
for name in craft-sync-server hummingbird craft-sync-dispatch craft-sync-serve; do
    for route in healthz post; do
        [ -n "${results["$name $route"]:-}" ] || continue
        read -r rps p50 p99 <<<"${results["$name $route"]}"
        printf '%-22s %-8s %12s %10s %10s %10s\n' "$name" "$route" "$rps" "$p50" "$p99" "${results["$name rss"]}"
    done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
read -r ours_get _ <<<"${results["craft-sync-server healthz"]}"
read -r peer_get _ <<<"${results["hummingbird healthz"]}"
read -r ours_post _ <<<"${results["craft-sync-server post"]}"
read -r peer_post _ <<<"${results["hummingbird post"]}"
read -r dispatch_get _ <<<"${results["craft-sync-dispatch healthz"]}"
read -r dispatch_post _ <<<"${results["craft-sync-dispatch post"]}"
printf '\nratio craft-sync (epoll) / hummingbird: GET /healthz %sx (target >= 1.5x), POST 2 KB JSON %sx (target >= 1.2x)\n' \
    "$(ratio "$ours_get" "$peer_get")" "$(ratio "$ours_post" "$peer_post")"
printf 'ratio epoll / Dispatch sources: GET /healthz %sx, POST 2 KB JSON %sx\n' \
    "$(ratio "$ours_get" "$dispatch_get")" "$(ratio "$ours_post" "$dispatch_post")"
