#!/usr/bin/env bash
# Webhook benchmark: signed 2 KB GitHub deliveries acknowledged by `craft-sync serve` (signature check and
# durable write included) on SQLite (group-committed, synchronous=FULL) and on PostgreSQL (a local server, fsync and
# synchronous_commit on), beside its GET /healthz, and the Hummingbird 2 peer that merely decodes the same JSON and
# answers 202. Usage: Benchmarks/webhooks.sh  (DURATION, CONNECTIONS, THREADS as in http.sh)
source "$(dirname "$0")/common.sh"
craft_sync="$(build_serve)"
build --package-path Benchmarks/peers/hummingbird-peer --product HummingbirdPeer
peer="$(bin_path --package-path Benchmarks/peers/hummingbird-peer)/HummingbirdPeer"

work="$(mktemp -d)"
payload="$root/Benchmarks/post-2kb.json"
secret="bench-webhook-secret"
# Distinct signed bodies: the same signed body twice is a replay, stored once (see webhook.lua).
python3 Benchmarks/signed-variants.py "$payload" "$secret" "${VARIANTS_COUNT:-100000}" "$work/variants.tsv"
cat > "$work/serve.yaml" <<YAML
listen: 127.0.0.1:8093
database: $work/bench.sqlite
log:
  level: error
craft:
  base_url: http://127.0.0.1:9
  api_key: unused
  workspace_id: ws-bench
intake:
  interval: 24h
dev_tool:
  kind: github
  token: unused
  owner: acme
  repository: product
  webhook_secret: $secret
YAML

summary() { awk '/Requests\/sec/ {rps=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2} /Non-2xx/ {bad=$NF} END {printf "%10s %9s %9s %8s\n", rps, p50, p99, (bad == "" ? 0 : bad)}'; }

"$craft_sync" serve --config "$work/serve.yaml" >/dev/null 2>&1 &
serve=$!
wait_for_port 8093
printf '%-44s %10s %9s %9s %8s\n' "" "requests/s" p50 p99 non-2xx
printf '%-44s ' "craft-sync GET /healthz"
wrk -t"$threads" -c"$connections" -d"$duration" --latency http://127.0.0.1:8093/healthz | summary
printf '%-44s ' "craft-sync POST /webhooks/github (signed)"
VARIANTS="$work/variants.tsv" wrk -t"$threads" -c"$connections" -d"$duration" --latency -s Benchmarks/webhook.lua http://127.0.0.1:8093 | summary
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from events').fetchone()[0])" "$work/bench.sqlite")
kill -TERM "$serve"; wait "$serve" 2>/dev/null || true

# The same service and load on PostgreSQL: a new, empty database, so the same bodies are new there too.
pg_url="$(python3 Benchmarks/pgserver.py start "$work/pg")"
trap 'python3 Benchmarks/pgserver.py stop "$work/pg"' EXIT
CRAFT_SYNC_DATABASE="$pg_url" "$craft_sync" serve --config "$work/serve.yaml" >/dev/null 2>&1 &
serve=$!
wait_for_port 8093
printf '%-44s ' "craft-sync POST /webhooks/github (PostgreSQL)"
VARIANTS="$work/variants.tsv" wrk -t"$threads" -c"$connections" -d"$duration" --latency -s Benchmarks/webhook.lua http://127.0.0.1:8093 | summary
stored_pg=$(python3 Benchmarks/pgserver.py count "$work/pg" "select count(*) from events")
kill -TERM "$serve"; wait "$serve" 2>/dev/null || true

"$peer" 8094 >/dev/null 2>&1 &
hb=$!
wait_for_port 8094
printf '%-44s ' "hummingbird POST /ingest (decode, 202)"
VARIANTS="$work/variants.tsv" WEBHOOK_PATH=/ingest wrk -t"$threads" -c"$connections" -d"$duration" --latency -s Benchmarks/webhook.lua http://127.0.0.1:8094 | summary
kill -TERM "$hb"; wait "$hb" 2>/dev/null || true
echo "events durably stored by craft-sync during its runs: $stored on SQLite, $stored_pg on PostgreSQL"
python3 Benchmarks/pgserver.py stop "$work/pg"; trap - EXIT
rm -rf "$work"
