#!/usr/bin/env bash
# Checks /metrics of a running craft-sync with promtool (Debian package `prometheus`), after the demo scenario has
# produced every kind of metric. Usage: Scripts/check-metrics.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command -v promtool >/dev/null || { apt-get update -qq && apt-get install -y -qq prometheus >/dev/null; }
swift build --product craft-sync >/dev/null
binary="$(swift build --show-bin-path)/craft-sync"
output="$(mktemp)"
"$binary" demo --keep-running > "$output" 2>/dev/null &
demo=$!
trap 'kill -TERM $demo 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do grep -q "Still running" "$output" && break; sleep 0.1; done
url="$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$output" | head -1)"
[ -n "$url" ] || { echo "the demo did not come up" >&2; cat "$output" >&2; exit 1; }
curl -fsS "$url" | promtool check metrics
echo "promtool: $url is valid"
