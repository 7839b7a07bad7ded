#!/usr/bin/env bash
# Soak: `craft-sync serve` (release) on the simulators, fed valid signed GitHub webhooks at a steady rate while
# malformed, oversized, slow and never-reading clients hammer it. Passes when the server never dies, every valid
# delivery gets a 2xx, and resident memory stays flat (see Scripts/soak.py for the load).
# Usage: Scripts/soak.sh [SECONDS]   (default 600)
set -euo pipefail
seconds="${1:-600}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product craft-sync > /tmp/craft-sync-soak-build.log 2>&1 || { cat /tmp/craft-sync-soak-build.log >&2; exit 1; }
binary="$(swift build -c release --show-bin-path)/craft-sync"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

"$binary" simulate --listen 127.0.0.1:0 --empty --write-config "$work/serve.yaml" --webhook-target "http://127.0.0.1:$port" \
    > "$work/simulate.log" 2>&1 &
simulate=$!
trap 'kill "$simulate" "${serve:-}" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$work/serve.yaml" ] && break; sleep 0.1; done
secret="$(awk '/webhook_secret:/ {print $2}' "$work/serve.yaml")"

CRAFT_SYNC_LISTEN="127.0.0.1:$port" CRAFT_SYNC_DATABASE="$work/soak.sqlite" CRAFT_SYNC_LOG_LEVEL=warning \
    "$binary" serve --config "$work/serve.yaml" > "$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done

status=0
python3 Scripts/soak.py "$port" "$serve" "$seconds" "$secret" Tests/Fixtures/github/issues_closed_completed.json || status=$?
if ! kill -0 "$serve" 2>/dev/null; then
    echo "serve died; its last log lines:" >&2
    tail -20 "$work/serve.log" >&2
    status=1
fi
exit "$status"
