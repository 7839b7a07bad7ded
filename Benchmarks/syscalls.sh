#!/usr/bin/env bash
# System calls per request: strace -c on a bench server while wrk sends GET /healthz over keep-alive connections.
# Usage: Benchmarks/syscalls.sh BINARY [PORT]   (environment passes through, e.g. CRAFT_SYNC_HTTP_IO_BACKEND)
set -euo pipefail
binary="$1"
port="${2:-8095}"
"$binary" "$port" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
wrk -t1 -c8 -d1s "http://127.0.0.1:$port/healthz" >/dev/null  # warm up
trace="$(mktemp)"
strace -f -c -o "$trace" -p "$server" 2>/dev/null &
tracer=$!
sleep 0.5
requests="$(wrk -t1 -c8 -d3s "http://127.0.0.1:$port/healthz" | awk '/requests in/ {print $1}')"
kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
awk -v n="$requests" '
    $NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { calls[$NF] = $4; total += $4 }
    END {
        printf "%d requests, %.2f system calls per request:", n, total / n
        for (name in calls) if (calls[name] / n >= 0.01) printf " %s %.2f", name, calls[name] / n
        printf "\n"
    }' "$trace"
