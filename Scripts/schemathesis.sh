#!/usr/bin/env bash
# Exercises a live craft-sync (on the simulators, with an admin token) with schemathesis: no 5xx, and every
# response must match openapi/openapi.yaml. Usage: Scripts/schemathesis.sh [MAX_EXAMPLES]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
python3 -c "import schemathesis" 2>/dev/null || python3 -m pip install --quiet schemathesis
swift build --product craft-sync >/dev/null
binary="$(swift build --show-bin-path)/craft-sync"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
"$binary" simulate --listen 127.0.0.1:19494 --write-config "$work/serve.yaml" >/dev/null 2>&1 &
for _ in $(seq 1 100); do [ -s "$work/serve.yaml" ] && break; sleep 0.1; done
CRAFT_SYNC_ADMIN_TOKEN=schemathesis-admin-token-0123456789abcdef CRAFT_SYNC_LISTEN=127.0.0.1:18494 CRAFT_SYNC_DATABASE="$work/db.sqlite" \
    CRAFT_SYNC_LOG_LEVEL=error "$binary" serve --config "$work/serve.yaml" >/dev/null 2>&1 &
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18494/healthz >/dev/null && break; sleep 0.1; done
schemathesis run openapi/openapi.yaml --url http://127.0.0.1:18494 \
    --header "Authorization: Bearer schemathesis-admin-token-0123456789abcdef" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${1:-50}"
