#!/usr/bin/env bash
# The compose file's `replicas` profile for real, with rootful podman and podman-compose on a machine with no
# registry (recipe: shared/reference/containers.md): PostgreSQL (a local stand-in image, Docker/postgres-standin/),
# two craft-sync replicas sharing it, and the simulators delivering webhooks to replica-a. Checks that both replicas
# heartbeat, that intake creates each ready item's issue once, that both replicas process closes (each one's
# craft_writes_total), and that stopping one replica mid-run loses nothing.
# The craft-sync image here carries a host-built binary and its Swift runtime (Docker/test-image.sh builds the real
# two-stage image; this test is about the replicas, not the build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source "$root/Docker/podman-common.sh"
podman_tools
command -v podman-compose >/dev/null || python3 -m pip install --quiet podman-compose
work="$(mktemp -d /var/tmp/craft-sync-replicas.XXXXXX)"
project=craft-sync-replicas
compose() { podman-compose -p "$project" -f Docker/compose.yaml --profile replicas "$@"; }
cleanup() {
    [ -n "${health_loop:-}" ] && kill "$health_loop" 2>/dev/null || true
    compose down -v >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
runtime_base "$work"

step "craft-sync image (host-built binary and its Swift runtime) → craft-sync:latest"
swift build -c release --product craft-sync >/dev/null
binary="$(swift build -c release --show-bin-path)/craft-sync"
mkdir -p "$work/image/lib"
cp "$binary" "$work/image/craft-sync"
ldd "$binary" | awk '$3 ~ /^\/opt\/swift/ {print $3}' | xargs -r cp -t "$work/image/lib"
cat > "$work/image/Containerfile" <<CONTAINERFILE
FROM $runtime_image
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 zlib1g libcurl4 libpq5 libstdc++6 ca-certificates \\
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --home-dir /var/lib/craft-sync craft-sync \
    && mkdir -p /var/lib/craft-sync && chown craft-sync /var/lib/craft-sync
COPY lib/ /usr/local/lib/swift/
COPY craft-sync /usr/local/bin/craft-sync
ENV LD_LIBRARY_PATH=/usr/local/lib/swift CRAFT_SYNC_LISTEN=0.0.0.0:8080 CRAFT_SYNC_DATABASE=/var/lib/craft-sync/craft-sync.sqlite
USER craft-sync
WORKDIR /var/lib/craft-sync
VOLUME /var/lib/craft-sync
ENTRYPOINT ["/usr/local/bin/craft-sync"]
CMD ["serve"]
CONTAINERFILE
podman build --format docker -q -t craft-sync:latest "$work/image" >/dev/null

step "PostgreSQL stand-in → postgres:16"
podman build --format docker -q -t docker.io/library/postgres:16 --build-arg RUNTIME_IMAGE="$runtime_image" Docker/postgres-standin >/dev/null

step "compose up: postgres, simulators, replica-a, replica-b"
compose down -v >/dev/null 2>&1 || true
# No systemd here to run health checks on schedule: run PostgreSQL's while compose waits for it to be healthy.
( while :; do podman healthcheck run "${project}_postgres_1" >/dev/null 2>&1 || true; sleep 1; done ) &
health_loop=$!
compose up -d postgres simulators-replicas replica-a replica-b >"$work/compose.log" 2>&1 || { cat "$work/compose.log"; exit 1; }

failures=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }
wait_for() { for _ in $(seq 1 "${3:-300}"); do eval "$2" && return 0; sleep 0.2; done; echo "timed out waiting for $1" >&2; return 1; }
sql() { podman exec "${project}_postgres_1" psql -U craft_sync -d craft_sync -Atc "$1"; }
state() { curl -fs http://127.0.0.1:9092/_sim/state; }
count() { python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }

wait_for "both replicas ready" 'curl -fs http://127.0.0.1:8082/readyz >/dev/null && curl -fs http://127.0.0.1:8083/readyz >/dev/null' 600
wait_for "two heartbeats" '[ "$(sql "select count(*) from replicas")" = 2 ]'
check "both replicas heartbeat in the shared database" '[ "$(sql "select count(distinct host) from replicas")" = 2 ]'

for index in $(seq 1 30); do
    curl -fs -X POST http://127.0.0.1:9092/_sim/craft/items \
        -d "{\"workspaceId\":\"ws-demo\",\"title\":\"Replica item $index\",\"status\":\"Ready for Development\"}" >/dev/null
done
ready=$(state | count "sum(1 for i in s['craft']['items'] if i['status']['name'] == 'Ready for Development')")
wait_for "intake to create $ready issues" '[ "$(state | count "len(s[\"github\"])")" -ge "$ready" ]' 600
sleep 2
check "one issue per ready item, created once across both replicas ($ready)" '[ "$(state | count "len(s[\"github\"])")" = "$ready" ]'
check "one mapping per issue" '[ "$(sql "select count(*) from mappings where state = '"'"'linked'"'"'")" = "$ready" ]'

# Craft.io writes take a while, so processing overlaps and both replicas take events.
curl -fs -X POST http://127.0.0.1:9092/_sim/faults -d '{"target":"craft","latencyMs":80}' >/dev/null
numbers=$(state | count "' '.join(str(i['number']) for i in s['github'])")
half=$(( ready / 2 ))
writes_b=0
index=0
for number in $numbers; do
    curl -fs -X POST "http://127.0.0.1:9092/_sim/github/issues/$number/close" >/dev/null
    index=$((index + 1))
    # Stopping replica-b while closes are in flight: what it held is taken over by replica-a once its lease ends.
    if [ "$index" = "$half" ]; then
        writes_b=$(curl -fs http://127.0.0.1:8083/metrics | awk '/^craft_writes_total/ {sum += $2} END {print sum + 0}')
        compose stop -t 15 replica-b >/dev/null 2>&1
    fi
done
acked=$(state | count "sum(1 for d in s['webhooks'] if d.get('status') in (200, 202) and d.get('event', '').startswith('issues'))")
wait_for "every acknowledged close in Craft.io" '[ "$(state | count "sum(1 for i in s[\"craft\"][\"items\"] if any(f.get(\"value\") == \"Done\" for f in i.get(\"customFields\", [])))")" -ge "$ready" ]' 900
writes_a=$(curl -fs http://127.0.0.1:8082/metrics | awk '/^craft_writes_total/ {sum += $2} END {print sum + 0}')
done_items=$(state | count "sum(1 for i in s['craft']['items'] if any(f.get('value') == 'Done' for f in i.get('customFields', [])))")
echo "closes: $ready, deliveries acknowledged: $acked, items Done: $done_items; Craft.io writes: replica-a $writes_a, replica-b $writes_b (before it stopped)"
check "both replicas processed closes" '[ "$writes_a" -gt 0 ] && [ "$writes_b" -gt 0 ]'
check "stopping replica-b lost nothing: every closed item is Done" '[ "$done_items" -ge "$ready" ]'
check "no dead letters" '[ "$(sql "select count(*) from events where state = '"'"'dead'"'"'")" = 0 ]'
[ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all replica checks passed"
