#!/usr/bin/env bash
# `craft-sync serve` at scale, as deployed: simulators in their own process (Craft.io in the published form with
# W workspaces × N ready items, one GitHub), serve with its admin API. After the first cycles (everything created,
# the first full reconciliation), one hour's change: 1 % of the issues close in GitHub, their webhooks flowing to
# serve. Then one steady-state cycle is measured (after one settling cycle): serve's CPU seconds and RSS, the API calls it made by endpoint,
# and the p99 of webhook acknowledgements while the cycle runs beside the same with serve idle.
# Usage: Benchmarks/scale-serve.sh [WORKSPACES] [ITEMS]  (default 100 1000; the first cycles take minutes)
source "$(dirname "$0")/common.sh"
workspaces="${1:-100}"
items="${2:-1000}"
craft_sync="$(build_serve)"
swift build -c release --package-path Benchmarks --product ScaleSimulators > /tmp/craft-sync-bench-build.log 2>&1 \
    || { cat /tmp/craft-sync-bench-build.log >&2; exit 1; }
simulators="$(swift build -c release --package-path Benchmarks --show-bin-path)/ScaleSimulators"

work="$(mktemp -d)"
secret="scale-webhook-secret"
token="$(openssl rand -hex 32)"  # an admin token must be at least 32 characters
sim_port=8095
port=8096
"$simulators" "$workspaces" "$items" "$sim_port" "http://127.0.0.1:$port" "$secret" > "$work/simulators.log" 2>&1 &
sims=$!
trap 'status=$?; [ $status -ne 0 ] && tail -20 "$work/serve.log" >&2; kill $sims ${serve:-} 2>/dev/null; rm -rf "$work"' EXIT
until grep -q ready "$work/simulators.log"; do sleep 0.2; done
sim="http://127.0.0.1:$sim_port"

{
    echo "listen: 127.0.0.1:$port"
    echo "database: $work/db.sqlite"
    printf 'log:\n  level: error\nadmin:\n  token: %s\n' "$token"
    # The benchmark lives an hour's change in minutes: with the default 5-minute overlaps every issue created in the
    # first cycles would count as recent. A second keeps the overlap's purpose (same-second changes) at this pace.
    printf 'intake:\n  interval: 24h\n  concurrency: 16\n  poll_overlap: 1s\nprogress:\n  reconcile_overlap: 1s\n'
    printf 'craft:\n  base_url: %s\n  api_key: sim-craft-key\n  dialect: openapi\n' "$sim"
    echo "workspaces:"
    for w in $(seq 0 $((workspaces - 1))); do
        printf '  - id: ws-%s\n    dev_tool:\n      kind: github\n      base_url: %s\n      token: sim-github-token\n      owner: acme\n      repository: product\n      webhook_secret: %s\n' "$w" "$sim" "$secret"
    done
} > "$work/serve.yaml"

"$craft_sync" serve --config "$work/serve.yaml" > "$work/serve.log" 2>&1 &
serve=$!
wait_for_port "$port"
api() { curl -sf -H "Authorization: Bearer $token" "$@"; }
cpu() { awk '{print ($14 + $15) / 100}' "/proc/$serve/stat"; }
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$serve/status"; }
calls() { curl -sf "$sim/_sim/calls"; }
diff_calls() { python3 -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); d={k: b[k]-a.get(k,0) for k in b if b[k]-a.get(k,0)}; [print(f'    {k}: {v}') for k,v in sorted(d.items())]; print(f'    dev tool: {sum(v for k,v in d.items() if k.startswith(\"github\"))}, Craft.io: {sum(v for k,v in d.items() if k.startswith(\"craft\"))}')" "$1" "$2"; }

echo "scale: $workspaces workspaces × $items items on one serve (release build), simulators in their own process"
started=$(date +%s)
# The startup cycle creates everything; wait until every workspace's run has finished, then one more cycle makes the
# first full reconciliation pass, after which reconciliation lists only changes.
until [ "$(api "http://127.0.0.1:$port/api/v1/runs?limit=500" | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["items"] if r.get("finishedAt")))')" -ge "$workspaces" ]; do sleep 2; done
failed_runs="$(api "http://127.0.0.1:$port/api/v1/runs?limit=500" | python3 -c 'import json,sys; print([r["error"] for r in json.load(sys.stdin)["items"] if r.get("error")][:3])')"
[ "$failed_runs" = "[]" ] || { echo "startup runs failed: $failed_runs" >&2; exit 1; }
echo "startup runs: $(api "http://127.0.0.1:$port/api/v1/runs?limit=500" | python3 -c 'import json,sys; r=json.load(sys.stdin)["items"]; print(", ".join(str(sum(x["counts"][k] for x in r)) + " " + k for k in ("seen", "created", "skipped", "failed")))')"
api -X POST "http://127.0.0.1:$port/api/v1/sync" > /dev/null
# The cycle after a full pass lists what changed since that pass began (a change to an issue the pass had already read
# must not be missed), here every issue created meanwhile: one settling cycle, then the cursor follows the changes.
api -X POST "http://127.0.0.1:$port/api/v1/sync" > /dev/null
echo "first cycles (create $((workspaces * items)) issues, full reconciliation, settle): $(( $(date +%s) - started )) s; serve RSS $(rss) MB"

# A published GitHub delivery about an issue craft-sync did not create: acknowledged, stored, then ignored.
# Distinct signed bodies (the same signed body again is a replay, stored once): see webhook.lua.
python3 Benchmarks/signed-variants.py "$root/Tests/Fixtures/github/issues_opened.json" "$secret" 200000 "$work/variants.tsv"
webhooks() { VARIANTS="$work/variants.tsv" wrk -t1 -c8 -d"$1" --latency -s Benchmarks/webhook.lua "http://127.0.0.1:$port" | awk '$1 == "99%" {print $2}'; }
echo "webhook acknowledgement p99, serve idle: $(webhooks 10s)"

# One hour's change: 1 % of the issues close in GitHub; their webhooks flow to serve.
changed=$(( workspaces * items / 100 ))
for n in $(shuf -i 1-$((workspaces * items)) -n "$changed"); do curl -sf -X POST "$sim/_sim/github/issues/$n/close" > /dev/null; done
# The deliveries stored so far (the closes', and the idle measurement's tens of thousands) are processed first: the
# cycle's own cost is what is measured, not a backlog's.
drained() { api "http://127.0.0.1:$port/api/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"].get("received", 0))'; }
until [ "$(drained)" = "0" ]; do sleep 1; done
before_calls="$(calls)"; before_cpu="$(cpu)"; before_time=$(date +%s.%N)
# PERF_DATA=FILE records where serve spends the cycle (perf record -g), for `perf report -i FILE`.
[ -n "${PERF_DATA:-}" ] && { perf record -g -o "$PERF_DATA" -p "$serve" > /dev/null 2>&1 & recorder=$!; sleep 1; }
api -X POST "http://127.0.0.1:$port/api/v1/sync" > /dev/null
[ -n "${PERF_DATA:-}" ] && { kill -INT "$recorder"; wait "$recorder" 2>/dev/null || true; }
after_cpu="$(cpu)"; after_calls="$(calls)"; wall=$(python3 -c "print(max(2, round($(date +%s.%N) - $before_time + 0.5)))")
echo "steady-state cycle: $(python3 -c "print(round($after_cpu - $before_cpu, 2))") s CPU of serve, about $wall s wall, RSS $(rss) MB; calls:"
diff_calls "$before_calls" "$after_calls"

# The same cycle again with webhooks arriving all along: their p99 while it runs (as long as a cycle takes).
api -X POST "http://127.0.0.1:$port/api/v1/sync" > /dev/null &
cycle=$!
echo "webhook acknowledgement p99, during a cycle: $(webhooks "${wall}s")"
wait "$cycle"
echo "serve RSS at the end: $(rss) MB ($(awk '/RssAnon|RssFile/ {printf "%s %.0f MB ", $1, $2 / 1024}' "/proc/$serve/status")); database $(du -m "$work/db.sqlite" | cut -f1) MB"
kill -TERM "$serve"; wait "$serve" 2>/dev/null || true
